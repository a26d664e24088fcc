#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest: it parses, names the app, and asks for no more
than the app needs.

Usage: check-flatpak-manifest.py MANIFEST APP_ID [FLATPAK_BUILDER]

With FLATPAK_BUILDER, the manifest is also loaded by flatpak-builder with
warnings fatal, which catches unknown properties and wrong types.
"""

import json
import os
import subprocess
import sys

# Everything the app needs: network for the apps' APIs, a display, GPU for
# GTK's renderer, IPC for X11 shared memory. Secrets, notifications and
# background go through portals, which need no permission.
ALLOWED_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
    # GNOME Contacts: the session's Evolution Data Server (its address
    # books, the backends it spawns); the client library is in the app.
    '--talk-name=org.gnome.evolution.dataserver.Sources5',
    '--talk-name=org.gnome.evolution.dataserver.AddressBook10',
    '--talk-name=org.gnome.evolution.dataserver.Subprocess.Backend.*',
    # The status icon: registering with the tray's watcher. Not owning an
    # org.kde.StatusNotifierItem-* name: refused one, the item registers
    # by its unique name and path (concord-status-icon.c).
    '--talk-name=org.kde.StatusNotifierWatcher',
}
REQUIRED_FINISH_ARGS = ALLOWED_FINISH_ARGS


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    path, app_id = argv[1], argv[2]
    problems = []

    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'not ok - {path} does not parse: {e}')
        return 1

    def expect(cond, what):
        print(('ok - ' if cond else 'not ok - ') + what)
        if not cond:
            problems.append(what)

    expect(manifest.get('id', manifest.get('app-id')) == app_id, f'id is {app_id}')
    expect(manifest.get('command') == 'concord', 'command is concord')
    expect(manifest.get('runtime') == 'org.gnome.Platform', 'runtime is org.gnome.Platform')
    expect(manifest.get('sdk') == 'org.gnome.Sdk', 'sdk is org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    expect(version.isdigit() and int(version) >= 47, f'runtime-version {version!r} is a current stable GNOME')

    args = manifest.get('finish-args', [])
    extra = [a for a in args if a not in ALLOWED_FINISH_ARGS]
    expect(not extra, f'no permission beyond what the app needs (extra: {extra})')
    missing = REQUIRED_FINISH_ARGS - set(args)
    expect(not missing, f'every needed permission is there (missing: {sorted(missing)})')
    expect(not any(a.startswith('--filesystem') for a in args), 'no file system access')
    expect(not any('org.freedesktop.secrets' in a for a in args),
           'secrets through the portal, not the keyring bus name')

    modules = manifest.get('modules', [])
    expect(bool(modules), 'has modules')
    if modules:
        app = modules[-1]
        expect(isinstance(app, dict) and app.get('buildsystem') == 'meson', 'app module builds with meson')
        sources = app.get('sources', []) if isinstance(app, dict) else []
        dirs = [s.get('path') for s in sources if isinstance(s, dict) and s.get('type') == 'dir']
        base = os.path.dirname(os.path.abspath(path))
        expect(any(os.path.isfile(os.path.join(base, d, 'meson.build')) for d in dirs),
               'app source dir points at the project')

    if len(argv) == 4:
        env = dict(os.environ, G_DEBUG='fatal-warnings')
        p = subprocess.run([argv[3], '--show-manifest', path], env=env,
                           capture_output=True, text=True)
        expect(p.returncode == 0, f'flatpak-builder loads it without warnings {p.stderr.strip()}')
        if p.returncode == 0:
            shown = json.loads(p.stdout)
            expect(shown.get('id', shown.get('app-id')) == app_id, 'flatpak-builder reads the app id')

    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
