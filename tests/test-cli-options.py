#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`concord-cli apps` and the options of `account add APP`, for every app
of the registry (read from `apps --json`, so each new app is covered as it
is registered): each field of the account form by its key, as
`--option KEY=VALUE` or `--KEY VALUE`; an unknown key, a key given twice,
a missing required field or a value the field's check refuses is a usage
error (exit 2) naming the key, before any key is read and with nothing
stored. No keyring is needed: every case is refused before the keyring is
used (tests/test-cli.py adds accounts for real).

Usage: test-cli-options.py CONCORD_CLI
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

# The shared module is read, never compiled into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'support'))
import concordtest  # noqa: E402

CLI = sys.argv[1]
tap = concordtest.Tap()
check = tap.check


def main():
    data = tempfile.mkdtemp(prefix='concord-cli-options-')
    env = dict(os.environ, GSETTINGS_BACKEND='memory')
    # No session bus: a case that reached the keyring would fail with
    # exit 1 and "keyring", not the usage error each case expects.
    env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent/bus'

    def cli(*args, stdin='never-read-key\n'):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)

    try:
        p = cli('apps', '--json')
        apps = json.loads(p.stdout) if p.returncode == 0 else []
        check('apps --json lists the registry\'s apps with their form fields',
              len(apps) >= 2 and all(a.get('id') and isinstance(a.get('fields'), list) for a in apps) and
              'elasticemail' in [a['id'] for a in apps], p.stdout + p.stderr)
        text = cli('apps').stdout

        for app in apps:
            aid = app['id']
            options = [f for f in app['fields'] if not f['stdin']]
            keys = [f['key'] for f in options]
            required = [f for f in options if f['required']]

            check('%s: apps shows each form key as --option KEY=… and --KEY' % aid,
                  all(('--option %s=' % k) in text and ('--' + k.replace('_', '-')) in text
                      for k in keys), text)

            p = cli('account', 'add', aid, '--name', 'x-' + aid, '--option', 'no_such_option=1')
            check('%s: an unknown option is a usage error naming it and the app\'s keys' % aid,
                  p.returncode == 2 and 'no_such_option' in p.stderr and
                  all(k in p.stderr for k in keys), p.stderr[:300])

            if required:
                p = cli('account', 'add', aid, '--name', 'x-' + aid)
                first = required[0]['key']
                check('%s: a missing required field is a usage error naming its key “%s”' % (aid, first),
                      p.returncode == 2 and ('“%s”' % first) in p.stderr and
                      ('--option %s=' % first) in p.stderr, p.stderr[:300])

            for field in options:
                key = field['key']
                p = cli('account', 'add', aid, '--name', 'x-' + aid, '--option', key + '=one',
                        '--' + key.replace('_', '-'), 'two')
                check('%s: “%s” given twice (--option and --%s) is a usage error naming it' %
                      (aid, key, key.replace('_', '-')),
                      p.returncode == 2 and ('“%s”' % key) in p.stderr and 'twice' in p.stderr,
                      p.stderr[:300])
                if field['kind'] in ('URL', 'file', 'folder'):
                    p = cli('account', 'add', aid, '--name', 'x-' + aid, '--option', key + '=not a url')
                    check('%s: “%s” is checked as the form checks it (%s)' % (aid, key, field['kind']),
                          p.returncode == 2 and 'keyring' not in p.stderr, p.stderr[:300])

        p = cli('account', 'add', 'elasticemail', '--name', 'ee', '--option', 'base_url')
        check('--option without “=” is a usage error', p.returncode == 2 and 'KEY=VALUE' in p.stderr,
              p.stderr[:300])
        p = cli('account', 'list', '--json')
        check('nothing refused was stored', p.returncode == 0 and json.loads(p.stdout) == [],
              p.stdout + p.stderr)
    finally:
        shutil.rmtree(data, ignore_errors=True)

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
