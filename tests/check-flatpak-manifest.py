#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check a Flatpak manifest: it parses, names the app, asks for no more
than the app needs, and builds offline; for the Flathub submission, also
the metainfo and desktop file it ships.

Usage: check-flatpak-manifest.py [OPTIONS] MANIFEST APP_ID [FLATPAK_BUILDER]

  --flathub            MANIFEST is the Flathub submission: the app is built
                       from a git tag and commit, never from a directory
  --dev=MANIFEST       the development manifest the Flathub one must agree
                       with (everything but the app's source)
  --metainfo=FILE      the built metainfo, checked with Flathub's rules
  --desktop=FILE       the built desktop file
  --source-root=DIR    the repository: screenshots, version, tag and commit

With FLATPAK_BUILDER, the manifest is also loaded by flatpak-builder with
warnings fatal (`--show-manifest`), which catches unknown properties and
wrong types.

Flathub's own linter (flatpak-builder-lint) is not packaged by Debian 12
and is not on its Python registry: it runs from a container image or from
its git repository with Python packages Debian does not have, and its
manifest checks fetch the app id's URL. With no network in CI, the rules it
applies to a submission that are decidable offline are encoded here, under
its error names: module-*-source-dir-not-allowed,
module-*-source-git-no-commit-with-tag, module-*-source-sha1-deprecated,
finish-args-* (the permissions, on top of the whitelist below),
toplevel-*, appid-filename-mismatch, appstream-missing-developer-name,
metainfo-missing-screenshots, appstream-screenshot-missing-caption,
appstream-latest-release-is-prerelease, metainfo-launchable-tag-wrong-value.
"""

import json
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

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

# Where the Flathub submission takes the app's source from.
UPSTREAM_GIT = 'https://github.com/concordsync/concord.git'
SCREENSHOT_BASE = 'https://raw.githubusercontent.com/concordsync/concord/'
SCREENSHOTS_DIR = 'data/screenshots'
METAINFO_SOURCE = 'data/io.github.concordsync.Concord.metainfo.xml.in.in'
# Flathub: a window at a reasonable size, not a whole screen.
MAX_SCREENSHOT = (1000, 700)
SUMMARY_MAX = 35

problems = []


def expect(cond, what):
    print(('ok - ' if cond else 'not ok - ') + what)
    if not cond:
        problems.append(what)


def skip(what, why):
    print(f'ok - {what} # SKIP {why}')


def parse_args(argv):
    opts, args = {}, []
    for a in argv[1:]:
        if a == '--flathub':
            opts['flathub'] = True
        elif a.startswith('--') and '=' in a:
            key, _, value = a[2:].partition('=')
            if key not in ('dev', 'metainfo', 'desktop', 'source-root'):
                return None, None
            opts[key] = value
        else:
            args.append(a)
    if len(args) not in (2, 3):
        return None, None
    return opts, args


def load(path):
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        expect(False, f'{path} parses ({e})')
        return None


def walk_modules(modules):
    for m in modules:
        if isinstance(m, dict):
            yield m
            yield from walk_modules(m.get('modules', []))


def git_source(module):
    for s in module.get('sources', []):
        if isinstance(s, dict) and s.get('type') == 'git':
            return s
    return None


def check_finish_args(args, app_id):
    """The whitelist, and the rules flatpak-builder-lint applies to any
    finish-args (so that a line added to the whitelist still obeys them)."""
    extra = [a for a in args if a not in ALLOWED_FINISH_ARGS]
    expect(not extra, f'no permission beyond what the app needs (extra: {extra})')
    missing = REQUIRED_FINISH_ARGS - set(args)
    expect(not missing, f'every needed permission is there (missing: {sorted(missing)})')
    expect(not any(a.startswith('--filesystem') for a in args), 'no file system access')
    expect(not any('org.freedesktop.secrets' in a.lower() for a in args),
           'secrets through the portal, not the keyring bus name')
    sockets = {a.split('=', 1)[1] for a in args if a.startswith('--socket=')}
    shares = {a.split('=', 1)[1] for a in args if a.startswith('--share=')}
    talks = [a.split('=', 1)[1] for a in args if a.startswith(('--talk-name=', '--own-name='))]
    expect(not ({'x11', 'fallback-x11'} & sockets) or 'ipc' in shares,
           'finish-args-x11-without-ipc: X11 has --share=ipc')
    expect('fallback-x11' not in sockets or 'wayland' in sockets,
           'finish-args-fallback-x11-without-wayland')
    expect(not ({'x11', 'fallback-x11'} <= sockets) and not ({'x11', 'wayland'} <= sockets),
           'finish-args-contains-both-x11-and-fallback / -and-wayland')
    forbidden = ('org.freedesktop.portal.', 'org.freedesktop.Flatpak', 'org.freedesktop.DBus',
                 'ca.desrt.dconf', 'org.freedesktop.impl.portal.', 'org.freedesktop.systemd1',
                 'org.freedesktop.login1', 'org.gtk.vfs')
    bad = [t for t in talks if t.startswith(forbidden) or t in
           ('org.freedesktop.*', 'org.gnome.*', 'org.kde.*')]
    expect(not bad, f'no bus name Flathub refuses (portals, flatpak-spawn, dconf, wildcards): {bad}')
    own = [t for t in talks if t == app_id or t.startswith(app_id + '.')]
    expect(not own, f'finish-args-unnecessary-appid-*-name: the app id is granted by default {own}')


def check_offline(modules, flathub):
    """Every source pinned by a checksum or a commit: the build needs the
    network only to fetch, never to decide what it fetches."""
    for m in walk_modules(modules):
        name = m.get('name', '?')
        net = '--share=network' in m.get('build-options', {}).get('build-args', [])
        expect(not net, f'module {name}: no network while building')
        expect(not any(c == '/lib/debug' or c.startswith('/lib/debug/') for c in m.get('cleanup', [])),
               f'module {name}: module-{name}-cleanup-debug')
        for s in m.get('sources', []):
            if not isinstance(s, dict):
                expect(isinstance(s, str), f'module {name}: source is a file name or an object')
                continue
            kind = s.get('type')
            if kind in ('archive', 'file') and 'url' in s:
                expect(re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', '')) is not None,
                       f'module {name}: {s["url"]} pinned by sha256')
                expect(not s.get('sha1') and not s.get('md5'),
                       f'module {name}: module-{name}-source-sha1/md5-deprecated')
            elif kind == 'git':
                url = s.get('url', '')
                expect(url.startswith('https://'), f'module {name}: git over https ({url})')
                expect(re.fullmatch(r'[0-9a-f]{40}', s.get('commit', '')) is not None,
                       f'module {name}: git source pinned by a full commit '
                       f'(module-{name}-source-git-no-commit-with-tag)')
                expect('branch' not in s, f'module {name}: no branch (module-{name}-source-git-branch)')
            elif kind == 'dir':
                expect(not flathub, f'module {name}: module-{name}-source-dir-not-allowed')
            else:
                expect(kind in ('file', 'patch', 'script', 'shell', 'inline'),
                       f'module {name}: source type {kind!r} builds offline')


def check_common(manifest, app_id):
    expect(manifest.get('id', manifest.get('app-id')) == app_id, f'id is {app_id}')
    expect(manifest.get('command') == 'concord', 'command is concord (toplevel-command-is-path)')
    expect('branch' not in manifest, 'toplevel-unnecessary-branch')
    expect(manifest.get('runtime') == 'org.gnome.Platform', 'runtime is org.gnome.Platform')
    expect(manifest.get('sdk') == 'org.gnome.Sdk', 'sdk is org.gnome.Sdk')
    version = str(manifest.get('runtime-version', ''))
    expect(version.isdigit() and int(version) >= 47, f'runtime-version {version!r} is a current stable GNOME')
    expect(not any(c == '/lib/debug' or c.startswith('/lib/debug/') for c in manifest.get('cleanup', [])),
           'toplevel-cleanup-debug')
    check_finish_args(manifest.get('finish-args', []), app_id)
    modules = manifest.get('modules', [])
    expect(bool(modules), 'has modules (toplevel-no-modules)')
    app = modules[-1] if modules else None
    expect(isinstance(app, dict) and app.get('buildsystem') == 'meson', 'app module builds with meson')
    return app if isinstance(app, dict) else {}


def git(root, *args):
    p = subprocess.run(['git', '-C', root, *args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip()


def check_release_commit(root, tag, commit):
    """The tag and commit the Flathub manifest builds exist here, and that
    commit is the release: its metainfo's newest release is the tag's."""
    rc, shallow = git(root, 'rev-parse', '--is-shallow-repository')
    if rc != 0 or shallow == 'true':
        skip(f'{commit[:12]} is in this repository', 'not a full git clone')
        return
    rc, _ = git(root, 'cat-file', '-e', f'{commit}^{{commit}}')
    expect(rc == 0, f'the commit {commit[:12]} the manifest builds is in this repository')
    if rc != 0:
        return
    rc, tagged = git(root, 'rev-parse', '--verify', '-q', f'refs/tags/{tag}^{{commit}}')
    if rc == 0:
        expect(tagged == commit, f'tag {tag} is the commit the manifest builds ({tagged[:12]})')
    else:
        skip(f'tag {tag} is the commit the manifest builds', 'the tag is not in this clone')
    rc, text = git(root, 'show', f'{commit}:{METAINFO_SOURCE}')
    expect(rc == 0 and f'<release version="{tag[1:]}"' in text,
           f'the commit {commit[:12]} releases {tag[1:]} in its metainfo')
    return commit


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    return struct.unpack('>II', head[16:24])


def meson_version(root):
    with open(os.path.join(root, 'meson.build'), encoding='utf-8') as f:
        m = re.search(r"version:\s*'([^']+)'", f.read())
    return m.group(1) if m else None


def check_metainfo(path, root, tag, commit):
    """Flathub's metainfo rules (its linter's and its quality guidelines')."""
    try:
        tree = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        expect(False, f'{path} parses ({e})')
        return
    cid = tree.findtext('id', '')
    expect(tree.get('type') == 'desktop-application', 'metainfo is a desktop-application')
    dev = tree.find('developer')
    expect(dev is not None and bool(dev.get('id')) and bool((dev.findtext('name') or '').strip()),
           'metainfo has <developer id="…"> with a <name> (appstream-missing-developer-name)')
    expect(tree.find('developer_name') is None, 'no deprecated <developer_name>')
    summary = (tree.findtext('summary') or '').strip()
    expect(0 < len(summary) <= SUMMARY_MAX and not summary.endswith('.'),
           f'summary {summary!r} is at most {SUMMARY_MAX} characters, no full stop ({len(summary)})')
    colours = {c.get('scheme_preference'): (c.text or '').strip()
               for c in tree.findall('branding/color') if c.get('type') == 'primary'}
    expect(all(re.fullmatch(r'#[0-9a-fA-F]{6}', colours.get(s, '')) for s in ('light', 'dark')),
           f'branding has a primary colour for light and dark ({colours})')
    launch = tree.find('launchable')
    expect(launch is not None and launch.get('type') == 'desktop-id' and launch.text == f'{cid}.desktop',
           'metainfo-launchable-tag-wrong-value: launchable is the desktop file')
    for what in ('project_license', 'metadata_license', 'content_rating', 'categories/category'):
        expect(tree.find(what) is not None, f'metainfo has {what}')
    expect(any(u.get('type') == 'vcs-browser' for u in tree.findall('url')), 'metainfo has a vcs-browser url')

    shots = tree.findall('screenshots/screenshot')
    expect(3 <= len(shots) <= 6, f'3 to 6 screenshots ({len(shots)}) (metainfo-missing-screenshots)')
    expect(sum(1 for s in shots if s.get('type') == 'default') == 1, 'one default screenshot')
    tags = set()
    for s in shots:
        url = (s.findtext('image') or '').strip()
        caption = (s.findtext('caption') or '').strip()
        expect(bool(caption), f'{url} has a caption (appstream-screenshot-missing-caption)')
        m = re.fullmatch(re.escape(SCREENSHOT_BASE) + r'([^/]+)/' + re.escape(SCREENSHOTS_DIR) +
                         r'/([a-z0-9-]+\.png)', url)
        expect(m is not None, f'{url} is a PNG of {SCREENSHOTS_DIR} upstream')
        if m is None:
            continue
        tags.add(m.group(1))
        expect(re.fullmatch(r'v\d+\.\d+\.\d+', m.group(1)) is not None,
               f'{url} is at a release tag, not a branch')
        if root:
            local = os.path.join(root, SCREENSHOTS_DIR, m.group(2))
            size = png_size(local) if os.path.isfile(local) else None
            expect(size is not None, f'{m.group(2)} is a PNG in {SCREENSHOTS_DIR}')
            if size:
                expect(size[0] <= MAX_SCREENSHOT[0] and size[1] <= MAX_SCREENSHOT[1],
                       f'{m.group(2)} is a window, not a screen ({size[0]}×{size[1]})')
            if commit:
                rc, _ = git(root, 'cat-file', '-e', f'{commit}:{SCREENSHOTS_DIR}/{m.group(2)}')
                expect(rc == 0, f'{m.group(2)} is in the tagged commit {commit[:12]}')
    expect(len(tags) == 1, f'every screenshot is at the same tag {sorted(tags)}')

    releases = tree.findall('releases/release')
    expect(bool(releases), 'metainfo has releases')
    if releases:
        newest = releases[0]
        version = newest.get('version', '')
        expect(bool(newest.get('date') or newest.get('timestamp')),
               'the newest release has a date (appstream-release-tag-missing-timestamp)')
        expect(not re.search(r'alpha|beta|rc|pre|dev', version, re.I),
               f'appstream-latest-release-is-prerelease: {version}')
        expect(newest.find('description') is not None, 'the newest release has release notes')
        if root:
            expect(meson_version(root) == version,
                   f'the newest release {version} is the project version ({meson_version(root)})')
        if tag:
            expect(tag == f'v{version}', f'the manifest builds the newest release: {tag} is v{version}')
            expect(tags == {tag}, f'screenshots are at the manifest\'s tag {tag}')


def check_desktop(path, app_id):
    keys = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                k, eq, v = line.strip().partition('=')
                if eq and not k.startswith('#'):
                    keys.setdefault(k, v)
    except OSError as e:
        expect(False, f'{path} reads ({e})')
        return
    expect(keys.get('X-GNOME-UsesNotifications') == 'true', 'desktop file: X-GNOME-UsesNotifications=true')
    expect(re.fullmatch(re.escape(app_id) + r'([-.].*)?', keys.get('Icon', '')) is not None,
           'desktop-file-icon-key-wrong-value: Icon is the app id')
    expect('flatpak run' not in keys.get('Exec', ''), 'desktop-file-exec-has-flatpak-run')


def main(argv):
    opts, args = parse_args(argv)
    if opts is None:
        print(__doc__, file=sys.stderr)
        return 2
    path, app_id = args[0], args[1]
    flathub = opts.get('flathub', False)
    root = opts.get('source-root')

    manifest = load(path)
    if manifest is None:
        return 1
    app = check_common(manifest, app_id)
    check_offline(manifest.get('modules', []), flathub)

    tag = commit = None
    if flathub:
        base = os.path.splitext(os.path.basename(path))[0]
        expect(base == app_id, f'appid-filename-mismatch: the file is named {base}')
        src = git_source(app)
        expect(src is not None and len(app.get('sources', [])) == 1,
               'the app builds from one git source (module-concord-source-dir-not-allowed)')
        if src:
            expect(src.get('url') == UPSTREAM_GIT, f'the git source is {UPSTREAM_GIT}')
            tag = src.get('tag', '')
            expect(re.fullmatch(r'v\d+\.\d+\.\d+', tag) is not None, f'the git source has a release tag ({tag!r})')
            commit = src.get('commit')
        if 'dev' in opts:
            dev = load(opts['dev'])
            if dev is not None:
                same = lambda m: {k: v for k, v in m.items() if k != 'modules'}  # noqa: E731
                expect(same(dev) == same(manifest),
                       'the same runtime and finish-args as the development manifest (copy its changes here)')
                dev_modules = dev.get('modules', [])
                expect(dev_modules[:-1] == manifest.get('modules', [])[:-1],
                       'the same dependency modules as the development manifest')
                dev_app = dict(dev_modules[-1]) if dev_modules else {}
                sub_app = dict(app)
                dev_app.pop('sources', None)
                sub_app.pop('sources', None)
                expect(dev_app == sub_app, 'the app module is built as in the development manifest')
        if root and tag and commit:
            commit = check_release_commit(root, tag, commit)
    else:
        sources = app.get('sources', [])
        dirs = [s.get('path') for s in sources if isinstance(s, dict) and s.get('type') == 'dir']
        base = os.path.dirname(os.path.abspath(path))
        expect(any(os.path.isfile(os.path.join(base, d, 'meson.build')) for d in dirs),
               'app source dir points at the project')

    if 'metainfo' in opts:
        check_metainfo(opts['metainfo'], root, tag, commit)
    if 'desktop' in opts:
        check_desktop(opts['desktop'], app_id)

    if len(args) == 3:
        env = dict(os.environ, G_DEBUG='fatal-warnings')
        p = subprocess.run([args[2], '--show-manifest', path], env=env,
                           capture_output=True, text=True)
        expect(p.returncode == 0, f'flatpak-builder loads it without warnings {p.stderr.strip()}')
        if p.returncode == 0:
            shown = json.loads(p.stdout)
            expect(shown.get('id', shown.get('app-id')) == app_id, 'flatpak-builder reads the app id')

    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
