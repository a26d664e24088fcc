#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""concord-cli's CardDAV connector against a hostile server (issue 17).

Usage: run-carddav-hostile.py CONCORD_CLI CONCORD_MOCK CARDDAV_HOSTILE_SERVER [MODE...]

For each mode: a fresh data folder, side A a CardDAV account at
tests/hostile/carddav-hostile-server.py (an attacker written from the RFCs,
sharing nothing with the connector's own mock), side B an Elastic Email
account at concord-mock, a connection between the server's book and B.
Depending on the mode, the attack is on `account add` (discovery), on a
first sync, or on a sync after an honest warm-up (a server turning hostile
later); "write" modes first add a contact on B so that the run PUTs. The
driver checks: no crash (no signal, no CRITICAL), the exit code and
message where a failure is due, wall time and peak memory under safety
bounds (not performance claims), the password never in the output and
never sent to the other origin (a second listener on 127.0.0.2 records any
Authorization header), no request written outside the book, and nothing
on side B that the attack made up (emails at evil.test, repaired text,
huge values), B unchanged where the run must fail.

Modes whose fix is for another helper are in PENDING (reported "pending"
with the problem, not failed): the lead empties it after the fix.

slowloris (an answer dripped one byte a second) runs with the HTTP
client's whole-answer deadline shortened to DEADLINE_SECONDS through
CONCORD_HTTP_DEADLINE_SECONDS. Needs the session keyring (skips without
one, like run-hostile.py). The scaffolding (servers, measured runs, TAP)
is tests/support/concordtest.py, shared with run-hostile.py.
"""

import base64
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'support'))
import concordtest  # noqa: E402

MAX_SECONDS = 60        # safety bounds for one hostile run
MAX_PEAK_MB = 300
MAX_VALUE = 64 * 1024
MAX_PUTS = 20           # a 412 on every PUT: bounded retries
DEADLINE_SECONDS = 3    # the client's whole-answer deadline in 'deadline' modes

USER = 'alice'
PASSWORD = 'hostile-dav-pass-9f3c71'
KEY_B = 'hostile-key-b-0e4d2a'
BOOK = '/dav/home/book/'
# A cross-origin redirect's message names the origin it pointed to (the
# server's second listener) and why it was not followed.
OTHER_ORIGIN = r'another server \(http://127\.0\.0\.2:\d+\).*only to the server configured'

# Modes whose fix is still to come (mode → why): reported "pending", not failed.
PENDING = {}

# mode: (exit: 'fail' | 'ok' | 'any', message regex, phase, options)
#   phase 'account': the attack is on `account add` (discovery)
#   phase 'warm': an honest sync first, then the attack on the next one
#   message: what the output must say: where the run fails, and always for
#     an 'ok' mode that has one
#   options: 'write' = a contact added on B first, so the run PUTs;
#     'deadline' = the client's whole-answer deadline is DEADLINE_SECONDS
MODES = {
    'entity-bomb':              ('fail', r'document type', 'warm', ''),
    'xxe':                      ('fail', r'document type', 'warm', ''),
    'deep-nest':                ('fail', r'nest|well-formed', 'warm', ''),
    'gigabyte':                 ('fail', r'too large|larger', 'warm', ''),
    'endless-507':              ('fail', r'truncat', 'warm', ''),
    'token-stuck':              ('ok', None, 'warm', ''),
    'token-lost-empty':         ('any', None, 'warm', ''),
    'all-tombstones':           ('any', None, 'warm', ''),
    'other-origin-href':        ('ok', None, 'warm', ''),
    'bad-hrefs':                ('any', None, 'warm', 'write'),
    'redirect-disc-other-301':  ('fail', r'redirect|origin', 'account', ''),
    'redirect-disc-other-302':  ('fail', r'redirect|origin', 'account', ''),
    'redirect-disc-other-307':  ('fail', r'redirect|origin', 'account', ''),
    'redirect-disc-other-308':  ('fail', r'redirect|origin', 'account', ''),
    'redirect-disc-same-301':   ('ok', None, 'account', ''),
    'redirect-disc-same-308':   ('ok', None, 'account', ''),
    'redirect-loop-wellknown':  ('fail', r'redirect', 'account', ''),
    'redirect-disc-loop-307':   ('fail', r'redirect', 'account', ''),
    'redirect-report-other-301': ('fail', OTHER_ORIGIN, 'warm', ''),
    'redirect-report-other-302': ('fail', OTHER_ORIGIN, 'warm', ''),
    'redirect-report-other-307': ('fail', OTHER_ORIGIN, 'warm', ''),
    'redirect-report-other-308': ('fail', OTHER_ORIGIN, 'warm', ''),
    'redirect-report-same-301': ('ok', None, 'warm', ''),
    'redirect-report-same-307': ('ok', None, 'warm', ''),
    'redirect-report-same-308': ('ok', None, 'warm', ''),
    'redirect-report-loop-307': ('fail', r'redirect', 'warm', ''),
    'auth-schemes':             ('fail', r'user name or password', 'warm', ''),
    'big-card':                 ('ok', r'bad-big-card\.vcf is left out', 'warm', ''),
    'card-bad-utf8':            ('ok', None, 'warm', ''),
    'card-nul':                 ('ok', None, 'warm', ''),
    'card-no-end':              ('ok', None, 'warm', ''),
    'card-many-emails':         ('ok', None, 'warm', ''),
    'card-not-vcard':           ('ok', None, 'warm', ''),
    'etag-missing':             ('any', None, 'warm', ''),
    'etag-huge':                ('any', None, 'warm', ''),
    'put-412':                  ('any', None, 'warm', 'write'),
    'retry-after':              ('fail', r'rate|later|busy|503|retry', 'warm', ''),
    'retry-short':              ('fail', r'rate|later|busy|503|retry|unavailable', 'warm', ''),
    'retry-garbage':            ('fail', r'rate|later|busy|429|retry|many', 'warm', ''),
    'debug-log':                ('ok', None, 'warm', 'write'),
    'put-no-etag':              ('ok', None, 'warm', 'edit-twice'),
    'slowloris':                ('fail', r'took longer than %d s' % DEADLINE_SECONDS, 'warm',
                                 'deadline'),
}

# Modes where the server lies that every card is gone: B must keep its
# contacts (the engine's guard against mass deletion).
GUARDED = {'token-lost-empty', 'all-tombstones'}

CLI, MOCK, SERVER = sys.argv[1:4]
ONLY = sys.argv[4:]


def control(root, mode=None):
    url = root + 'control' + ('?mode=' + mode if mode else '')
    return json.load(urllib.request.urlopen(url, timeout=30))


def ee(base, method, path, body=None):
    return concordtest.ee_request(base, KEY_B, method, path, body)


def contacts(base):
    return concordtest.ee_contacts(base, KEY_B)


def outside_book(written):
    """Writes whose target, once decoded and normalised, is not a card of the book."""
    bad = []
    for line in written:
        method, _, target = line.partition(' ')
        path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
        norm = posixpath.normpath(path)
        if '..' in path.split('/') or not norm.startswith(BOOK) or '/' in norm[len(BOOK):]:
            bad.append(line[:120])
    return bad


def broken_on_b(after):
    problems = concordtest.broken_values(after, MAX_VALUE)
    for c in after:
        email = c.get('Email', '')
        if 'evil.test' in email or '\ufffd' in email or '\x00' in email:
            problems.append('side B got a contact from a broken card: %r' % email[:60])
        for name, value in c.items():
            if isinstance(value, str) and 'root:' in value:
                problems.append('a local file reached side B')
    return problems


def run_mode(mode, expect, message, phase, options):
    data = tempfile.mkdtemp(prefix='concord-dav-hostile-')
    env = concordtest.cli_env()
    if 'deadline' in options:
        env['CONCORD_HTTP_DEADLINE_SECONDS'] = str(DEADLINE_SECONDS)
    if mode == 'debug-log':
        # Honest, but every debug message on: the password must not be in any.
        env['G_MESSAGES_DEBUG'] = 'all'
    procs = []
    problems = []
    row = {'mode': mode, 'exit': None, 'seconds': 0.0, 'peak_mb': 0.0, 'requests': 0}
    timeout = MAX_SECONDS * 3

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    try:
        server, m = concordtest.start_process([sys.executable, SERVER, USER, PASSWORD],
                                              r'(http://127\.0\.0\.1:\d+/) (\S+)')
        procs.append(server)
        root = m.group(1)
        mock, m = concordtest.start_process([MOCK, 'elasticemail', '--port', '0', '--api-key', KEY_B],
                                            r'(http://127\.0\.0\.1:\d+/v4)')
        procs.append(mock)
        url_b = m.group(1)

        control(root, 'normal')
        p = cli('account', 'add', 'elasticemail', '--name', 'other', '--option',
                'base_url=' + url_b, stdin=KEY_B + '\n')
        if p.returncode != 0:
            raise RuntimeError('set-up failed: ' + p.stdout + p.stderr)
        add = [CLI, '--data-dir', data, 'account', 'add', 'carddav', '--name', 'dav',
               '--option', 'url=' + root, '--option', 'username=' + USER]
        if phase == 'account':
            control(root, mode)
            code, out, err, seconds, peak = concordtest.run_measured(add, env, timeout, stdin=PASSWORD + '\n')
        else:
            code, out, err, _, _ = concordtest.run_measured(add, env, timeout, stdin=PASSWORD + '\n')
            steps = [(code, out + err)]
            p = cli('connection', 'add', 'c', '--a', 'dav:Book', '--b', 'other')
            steps.append((p.returncode, p.stdout + p.stderr))
            p = cli('sync', 'c', '--json')
            steps.append((p.returncode, p.stdout + p.stderr))
            for c, text in steps:
                if c != 0:
                    raise RuntimeError('set-up failed: ' + text[-400:])
            if 'write' in options:
                ee(url_b, 'POST', '/contacts', [{'Email': 'new-on-b@example.com',
                                                 'FirstName': 'New', 'LastName': 'OnB'}])
            if 'edit-twice' in options:
                ee(url_b, 'PUT', '/contacts/card0%40dav.test', {'FirstName': 'Edit1'})
            before = contacts(url_b)
            control(root, mode)
            code, out, err, seconds, peak = concordtest.run_measured(
                [CLI, '--data-dir', data, 'sync', 'c', '--json'], env, timeout)
            if 'edit-twice' in options:
                # A second edit after a PUT answered without an ETag: never
                # written blindly (If-Match after a re-read).
                ee(url_b, 'PUT', '/contacts/card0%40dav.test', {'FirstName': 'Edit2'})
                second = cli('sync', 'c', '--json')
                if second.returncode != 0:
                    problems.append('second sync: exit %d: %s' % (second.returncode,
                                                                  (second.stdout + second.stderr)[-300:]))
                before = contacts(url_b)
        row.update(exit=code, seconds=seconds, peak_mb=peak)
        figures = control(root)
        row['requests'] = figures['requests']
        if os.environ.get('CONCORD_HOSTILE_DEBUG'):
            print('# figures: %s' % json.dumps(figures)[:3000])
            print('# output: %s' % (out + err)[-1500:])
        text = out + err

        if figures['auth_elsewhere']:
            problems.append('credentials reached the other origin')
        if code < 0:
            problems.append('killed by signal %d' % -code)
        if 'CRITICAL' in err or ('WARNING' in err and mode != 'debug-log'):
            problems.append('stderr: ' + err.strip()[-300:])
        if expect == 'fail' and code == 0:
            problems.append('exit code 0')
        if expect == 'ok' and code != 0:
            problems.append('exit code %d: %s' % (code, text.strip()[-300:]))
        if message and (code != 0 or expect == 'ok') and not re.search(message, text, re.IGNORECASE):
            problems.append('message does not match /%s/: %s' % (message, text.strip()[-300:]))
        if seconds > MAX_SECONDS:
            problems.append('%.1f s > %d s' % (seconds, MAX_SECONDS))
        if peak > MAX_PEAK_MB:
            problems.append('peak %.0f MB > %d MB' % (peak, MAX_PEAK_MB))
        basic = base64.b64encode(('%s:%s' % (USER, PASSWORD)).encode()).decode()
        if PASSWORD in text or KEY_B in text or basic in text or basic[:-4] in text:
            problems.append('a secret appears in the output')
        if 'root:x:' in text:
            problems.append('a local file appears in the output')
        if mode.startswith('redirect-report-same-') and not figures.get('moved'):
            problems.append('the redirect was not followed (no request where it pointed)')
        bad = outside_book(figures['written'])
        if bad:
            problems.append('written outside the book: %s' % '; '.join(bad[:3]))
        if figures['blind_puts']:
            problems.append('%d PUTs without If-Match or If-None-Match' % figures['blind_puts'])
        if figures['puts'] > MAX_PUTS:
            problems.append('%d PUTs (a retry loop?)' % figures['puts'])
        if phase != 'account':
            after = contacts(url_b)
            problems += broken_on_b(after)
            if expect == 'fail' or mode in GUARDED:
                key = lambda c: c.get('Email', '')
                if sorted(before, key=key) != sorted(after, key=key):
                    problems.append('side B changed: %d contacts before, %d after; %s'
                                    % (len(before), len(after),
                                       [(c.get('Email'), c.get('Status')) for c in after][:5]))
            elif mode.startswith('card-') or mode in ('token-stuck', 'big-card'):
                healthy = {'card%d@dav.test' % i for i in range(5)}
                have = {c.get('Email', '') for c in after}
                if not healthy <= have:
                    problems.append('healthy cards missing on side B: %s' % sorted(healthy - have))
                if len(after) != len(before):
                    problems.append('side B: %d contacts before, %d after' % (len(before), len(after)))
    except Exception as e:  # a broken set-up is a failure of the mode, reported
        problems.append('%s: %s' % (type(e).__name__, e))
    finally:
        for p in procs:
            concordtest.stop_process(p)
        shutil.rmtree(data, ignore_errors=True)

    return row, problems


def main():
    if not concordtest.keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77
    return concordtest.run_modes(MODES, run_mode, PENDING, ONLY)


if __name__ == '__main__':
    sys.exit(main())
