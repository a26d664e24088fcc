#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove that check-flatpak-manifest.py catches what Flathub would refuse:
the real Flathub manifest, metainfo and desktop file pass, and each copy
broken in one way fails, on the line that names the rule.

Usage: test-check-flatpak-manifest.py FLATHUB_MANIFEST DEV_MANIFEST METAINFO DESKTOP SOURCE_ROOT
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'support'))
import concordtest  # noqa: E402

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check-flatpak-manifest.py')
APP_ID = 'io.github.concordsync.Concord'
FLATHUB, DEV, METAINFO, DESKTOP, ROOT = sys.argv[1:6]
tap = concordtest.Tap()
work = tempfile.TemporaryDirectory(prefix='concord-flathub-check-')


def load(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def write(name, text):
    folder = tempfile.mkdtemp(dir=work.name)
    path = os.path.join(folder, name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text if isinstance(text, str) else json.dumps(text, indent=2))
    return path


def run(manifest=FLATHUB, dev=DEV, metainfo=METAINFO, desktop=DESKTOP, root=ROOT, flathub=True):
    args = [sys.executable, CHECKER]
    if flathub:
        args.append('--flathub')
    for key, value in (('dev', dev), ('metainfo', metainfo), ('desktop', desktop),
                       ('source-root', root)):
        if value:
            args.append(f'--{key}={value}')
    p = subprocess.run(args + [manifest, APP_ID], capture_output=True, text=True, timeout=60)
    failed = [line for line in p.stdout.splitlines() if line.startswith('not ok')]
    return p.returncode, failed, p.stdout + p.stderr


def refused(name, rule, **kw):
    """The checker fails, on a line that names RULE (a regex)."""
    rc, failed, out = run(**kw)
    tap.check(name, rc == 1 and any(re.search(rule, f) for f in failed),
              '\n'.join(failed) or out)


flathub = json.loads(load(FLATHUB))
dev = json.loads(load(DEV))
metainfo = load(METAINFO)
desktop = load(DESKTOP)


def manifest_with(change, name=APP_ID + '.json'):
    m = copy.deepcopy(flathub)
    change(m)
    return write(name, m)


def app_source(m):
    return m['modules'][-1]['sources'][0]


rc, failed, out = run()
tap.check('the Flathub manifest, metainfo and desktop file pass', rc == 0, '\n'.join(failed) or out)
rc, failed, out = run(manifest=DEV, dev=None, metainfo=None, desktop=None, root=None, flathub=False)
tap.check('the development manifest passes as one', rc == 0, '\n'.join(failed) or out)

# The manifest
refused('a dir source is refused in the Flathub manifest', 'dir-not-allowed|one git source',
        manifest=manifest_with(lambda m: m['modules'][-1].update(sources=[{'type': 'dir', 'path': '../..'}])))
refused('a tag without its commit is refused', 'full commit',
        manifest=manifest_with(lambda m: app_source(m).pop('commit')))
refused('a branch is refused', 'no branch|full commit',
        manifest=manifest_with(lambda m: (app_source(m).pop('commit'), app_source(m).pop('tag'),
                                          app_source(m).update(branch='main'))))
refused('a git source over plain http is refused', 'over https|the git source is',
        manifest=manifest_with(lambda m: app_source(m).update(
            url=app_source(m)['url'].replace('https://', 'http://'))))
refused('an archive without sha256 is refused', 'pinned by sha256|sha1',
        manifest=manifest_with(lambda m: m['modules'][0]['sources'][0].update(
            sha1=m['modules'][0]['sources'][0].pop('sha256')[:40])))
refused('network while building is refused', 'no network while building',
        manifest=manifest_with(lambda m: m['modules'][0].setdefault('build-options', {}).update(
            {'build-args': ['--share=network']})))
refused('a permission beyond the whitelist is refused', 'beyond what the app needs|file system access',
        manifest=manifest_with(lambda m: m['finish-args'].append('--filesystem=home')))
refused('owning the app id is refused (granted by default)', 'beyond what|granted by default',
        manifest=manifest_with(lambda m: m['finish-args'].append(f'--own-name={APP_ID}')))
refused('a manifest not named after the app id is refused', 'appid-filename-mismatch',
        manifest=manifest_with(lambda m: None, name='concord.json'))
changed_dev = copy.deepcopy(dev)
changed_dev['finish-args'] = changed_dev['finish-args'] + ['--socket=pulseaudio']
refused('finish-args that differ from the development manifest are refused', 'development manifest',
        dev=write('dev.json', changed_dev))
refused('a commit that is not in the repository is refused', 'is in this repository',
        manifest=manifest_with(lambda m: app_source(m).update(commit='0' * 40)))
# A commit of the repository, but before the release.
parent = subprocess.run(['git', '-C', ROOT, 'rev-parse', app_source(flathub)['commit'] + '^'],
                        capture_output=True, text=True).stdout.strip()
if re.fullmatch(r'[0-9a-f]{40}', parent):
    refused('a commit that is not the release is refused', r'releases 0\.|is the commit the manifest builds'
            r'|in the tagged commit',
            manifest=manifest_with(lambda m: app_source(m).update(commit=parent)))
else:
    print('ok - a commit that is not the release is refused # SKIP not a git clone')

# The metainfo
refused('only <developer_name> is refused', 'developer',
        metainfo=write('m.xml', re.sub(r'<developer id="[^"]*">\s*<name[^>]*>([^<]*)</name>\s*</developer>',
                                       r'<developer_name>\1</developer_name>', metainfo)))
refused('a summary over 35 characters is refused', 'summary',
        metainfo=write('m.xml', metainfo.replace('<summary>', '<summary>Keep all your ', 1)))
refused('screenshots on the main branch are refused', 'release tag|same tag|manifest\'s tag',
        metainfo=write('m.xml', metainfo.replace('/v0.', '/main/v0.', 1).replace('/main/v0.2.0/', '/main/')))
shot = re.search(r'\s*<screenshot>.*?</screenshot>', metainfo, re.S).group(0)
refused('seven screenshots are refused', '3 to 6',
        metainfo=write('m.xml', metainfo.replace('</screenshots>', shot + '</screenshots>')))
refused('two screenshots are refused', '3 to 6',
        metainfo=write('m.xml', re.sub(r'(\s*<screenshot>.*?</screenshot>){4}', '', metainfo, count=1, flags=re.S)))
refused('a screenshot without a caption is refused', 'caption',
        metainfo=write('m.xml', re.sub(r'<caption>[^<]*</caption>', '', metainfo, count=1)))
refused('a whole-screen screenshot is refused', 'a window, not a screen|is a PNG in|tagged commit',
        metainfo=write('m.xml', metainfo.replace('window-health.png', 'health.png')))
refused('no brand colours are refused', 'branding',
        metainfo=write('m.xml', re.sub(r'<branding>.*?</branding>', '', metainfo, flags=re.S)))
refused('a newest release that is not the project version is refused', 'project version|v0.2.0 is v',
        metainfo=write('m.xml', metainfo.replace('<release version="0.2.0"', '<release version="0.3.0"', 1)))
refused('a pre-release is refused', 'prerelease|project version|v0.2.0 is v',
        metainfo=write('m.xml', metainfo.replace('<release version="0.2.0"', '<release version="0.2.0~beta1"', 1)))

# The desktop file
refused('a desktop file without X-GNOME-UsesNotifications is refused', 'X-GNOME-UsesNotifications',
        desktop=write('d.desktop', desktop.replace('X-GNOME-UsesNotifications=true', '')))

sys.exit(tap.finish())
