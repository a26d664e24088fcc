#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""concord-cli's --help, its commands' --help and its usage errors, and the
app's own --help, in the pseudo-locales (tools/pseudo-locale.py; the
catalogs that the i18n tests build, not installed: CONCORD_LOCALE_DIR
points the programs at them).

In en_XA every message of Concord's is "[Ŝýñç Ñöŵ ~~~~]": each text the
help prints must be the pseudo-locale's form of its English message (read
from the catalog, so no message is spelled twice), and no English message
of the help may be left; in ar_XB each starts with a RIGHT-TO-LEFT MARK.
The C locale's help stays English.

Usage: test-i18n-cli.py CONCORD_CLI CONCORD CATALOG_en_XA CATALOG_ar_XB
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

CLI, APP, CATALOGS = sys.argv[1], sys.argv[2], {'en_XA': sys.argv[3], 'ar_XB': sys.argv[4]}
results = []
# The pseudo-locale's letters (tools/pseudo-locale.py), and the commands
# whose syntax has no placeholder to translate.
PSEUDO = set('ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ')
UNTRANSLATED = {'apps [--json]', 'account list [--json]', 'version'}


def check(name, cond, detail=''):
    results.append(cond)
    print(('ok %d - ' if cond else 'not ok %d - ') % len(results) + name +
          ('' if cond else ' # ' + detail.replace('\n', ' ')[:600]))


def read_mo(path):
    """The messages of a compiled catalog, {msgid: msgstr} (GNU .mo format)."""
    with open(path, 'rb') as f:
        data = f.read()
    order = '<' if struct.unpack('<I', data[:4])[0] == 0x950412de else '>'
    _, _, count, ids, strs = struct.unpack(order + '5I', data[:20])
    messages = {}
    for i in range(count):
        length, offset = struct.unpack(order + '2I', data[ids + 8 * i:ids + 8 * i + 8])
        msgid = data[offset:offset + length].decode('utf-8')
        length, offset = struct.unpack(order + '2I', data[strs + 8 * i:strs + 8 * i + 8])
        messages[msgid] = data[offset:offset + length].decode('utf-8')
    return messages


def words(text):
    """@text's words, whatever the lines it was wrapped into."""
    return ' '.join(text.split())


def run(program, language, locale_dir, *args):
    env = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE=language, CONCORD_LOCALE_DIR=locale_dir,
               G_MESSAGES_DEBUG='')
    return subprocess.run([program, *args], capture_output=True, text=True, env=env, timeout=60)


def main():
    tmp = tempfile.mkdtemp(prefix='concord-i18n-cli-')
    try:
        catalogs = {}
        for language, mo in CATALOGS.items():
            messages = os.path.join(tmp, language, 'LC_MESSAGES')
            os.makedirs(messages)
            shutil.copy(mo, os.path.join(messages, 'concord.mo'))
            catalogs[language] = read_mo(mo)
        en = catalogs['en_XA']

        # The messages each help shows: English, from the C locale's output.
        usage_messages = ['Usage: concord-cli [--data-dir DIR] COMMAND [ARGUMENTS…]', 'Commands:',
                          'account set-key NAME', 'Syncs a connection once', 'Exit codes:',
                          'the app refused the key given to `account set-key` (the old key stays)']
        for msgid in usage_messages:
            check('“%s” is a message of the catalog' % msgid, msgid in en)

        p = run(CLI, 'C', tmp, '--help')
        check('concord-cli --help in the C locale is English',
              p.returncode == 0 and all(words(m) in words(p.stdout) for m in usage_messages), p.stdout + p.stderr)

        p = run(CLI, 'en_XA', tmp, '--help')
        out = words(p.stdout)
        check('concord-cli --help succeeds in en_XA', p.returncode == 0, p.stderr)
        for msgid in usage_messages:
            check('--help in en_XA: “%s” is “%s”' % (msgid, en.get(msgid)),
                  msgid in en and words(en[msgid]) in out and words(msgid) not in out, p.stdout)
        # Every line is the pseudo-locale's (its letters accented), but the
        # syntax of the commands that has nothing to translate.
        english = [line for line in p.stdout.splitlines()
                   if any('a' <= c.lower() <= 'z' for c in line) and not any(c in PSEUDO for c in line)
                   and line.strip() not in UNTRANSLATED]
        check('--help in en_XA: no line is left in English', not english, '\n'.join(english))
        check('--help in en_XA: the exit codes keep their numbers',
              all(('\n  %d [' % code) in p.stdout for code in range(6)), p.stdout)

        # A command's --help: GOption's, with Concord's descriptions and placeholders.
        p = run(CLI, 'en_XA', tmp, 'sync', '--help')
        check('concord-cli sync --help in en_XA: its options described in the pseudo-locale',
              p.returncode == 0 and en.get('Plan only; write nothing', '?') in p.stdout and
              en.get('Print the result as JSON', '?') in p.stdout and
              'Plan only' not in p.stdout and 'concord-cli sync' in p.stdout, p.stdout + p.stderr)
        check('concord-cli sync --help in en_XA: its parameter', en.get('NAME', '?') in p.stdout, p.stdout)
        p = run(CLI, 'en_XA', tmp, 'connection', 'add', '--help')
        check('concord-cli connection add --help in en_XA: descriptions and placeholders',
              p.returncode == 0 and '--a=' + en.get('ACCOUNT[:TYPE]', '?') in p.stdout and
              '--direction=' + en.get('DIRECTION', '?') in p.stdout and
              en.get('The account of side A', '?') in p.stdout and 'Side A' not in p.stdout,
              p.stdout + p.stderr)
        p = run(CLI, 'en_XA', tmp, 'account', 'add', '--help')
        check('concord-cli account add --help in en_XA: --name and the apps\' options',
              p.returncode == 0 and '--name=' + en.get('NAME', '?') in p.stdout and
              en.get('Name of the account', '?') in p.stdout and
              en.get('An option of the app (see `concord-cli apps`)', '?') in p.stdout, p.stdout + p.stderr)
        p = run(CLI, 'en_XA', tmp, 'log', '--help')
        check('concord-cli log --help in en_XA',
              p.returncode == 0 and '--limit=' + en.get('N', '?') in p.stdout and
              en.get('How many entries (0: all)', '?') in p.stdout, p.stdout + p.stderr)

        # A usage error: its problem and the usage text on stderr, exit 2.
        p = run(CLI, 'en_XA', tmp, 'sync')
        check('a usage error in en_XA: the problem and the usage, translated',
              p.returncode == 2 and en.get('sync needs a connection NAME', '?') in p.stderr and
              words(en.get('Commands:', '?')) in words(p.stderr), p.stderr)
        p = run(CLI, 'en_XA', tmp, 'no-such-command')
        check('an unknown command in en_XA', p.returncode == 2 and en.get('unknown command', '?') in p.stderr,
              p.stderr)

        # Right to left: each message starts with a RIGHT-TO-LEFT MARK.
        ar = catalogs['ar_XB']
        p = run(CLI, 'ar_XB', tmp, '--help')
        check('concord-cli --help in ar_XB',
              p.returncode == 0 and ar.get('Commands:', '?').startswith('\u200f') and
              words(ar.get('Commands:', '?')) in words(p.stdout) and
              words(ar.get('Syncs a connection once', '?')) in words(p.stdout), p.stdout + p.stderr)

        # The app's own --help (before GTK starts): its --background.
        background = 'Start without a window and keep syncing in the background'
        p = run(APP, 'en_XA', tmp, '--help')
        check('concord --help in en_XA: --background described in the pseudo-locale',
              p.returncode == 0 and background in en and en[background] in p.stdout and
              background not in p.stdout, p.stdout + p.stderr)
        p = run(APP, 'C', tmp, '--help')
        check('concord --help in the C locale', p.returncode == 0 and background in p.stdout,
              p.stdout + p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print('1..%d' % len(results))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
