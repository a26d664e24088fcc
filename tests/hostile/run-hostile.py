#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""concord-cli against a hostile server, one attack per mode (INVARIANTS.md 25).

Usage: run-hostile.py CONCORD_CLI CONCORD_MOCK HOSTILE_SERVER [MODE...]

For each mode: a fresh data folder, side A an Elastic Email account at
tests/hostile/hostile-server.py, side B one at the normal mock
(concord-mock, src/connectors/elasticemail/mock/), a connection between them. A warm-up sync with
the server still honest gives side A a known size (as when a server turns
hostile later) -- except where the attack is on a first sync. Then the
server turns hostile and `sync --json` runs once, and the driver checks:
the exit code is non-zero where it must be, the message says what
happened, wall time and peak memory stay under safety bounds (not
performance claims), and nothing was written to side B.

Modes that other branches fix are listed in PENDING: they run and are
reported as "pending" instead of failing. Empty it once those branches are
merged. The scaffolding (servers, measured runs, TAP) is
tests/support/concordtest.py, shared with run-carddav-hostile.py.

It needs the session keyring (the CLI keeps keys there): without an
unlocked one it skips, like test-cli.py.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'support'))
import concordtest  # noqa: E402

# Modes whose fix is still to come (mode → why): reported as "pending", not failed.
PENDING = {}

MAX_SECONDS = 60        # safety bounds for one hostile sync
MAX_PEAK_MB = 300
MAX_VALUE = 64 * 1024   # no value on side B longer than this

KEY_A = 'hostile-key-a-5c1e9f0b'
KEY_B = 'hostile-key-b-2d7a4e6c'

# mode: (exit must be non-zero, what the message must say, warm-up first)
MODES = {
    'same-page':    (True, r'repeats the page', True),
    'endless':      (True, r'listed more than [\d,]+ contacts', True),
    'huge-page':    (True, r'for a page of 100|larger than', True),
    'retry-after':  (True, r'rate limit', True),
    'big-name':     (False, None, False),
    'nest-page':    (True, r'nest|deep|depth', True),
    'nest-error':   (True, r'nest|deep|depth|HTTP 400', True),
    'redirect-301': (True, r'redirect|origin', True),
    'redirect-302': (True, r'redirect|origin', True),
    'redirect-307': (True, r'redirect|origin', True),
    'bad-text':     (False, None, False),
    'truncated':    (True, r'not valid JSON', True),
    'error-500':    (True, r'HTTP 500', True),
    'lists-junk':   (True, r'lists are read', True),
}

CLI, MOCK, SERVER = sys.argv[1:4]
ONLY = sys.argv[4:]


def control(base, mode=None):
    root = base[:-len('/v4')]
    url = root + '/control' + ('?mode=' + mode if mode else '')
    return json.load(urllib.request.urlopen(url, timeout=30))


def run_mode(mode, expect_fail, message, warm_up):
    data = tempfile.mkdtemp(prefix='concord-hostile-')
    env = concordtest.cli_env()
    procs = []
    problems = []
    row = {'mode': mode, 'exit': None, 'seconds': 0.0, 'peak_mb': 0.0, 'requests': 0}

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    try:
        server, m = concordtest.start_process([sys.executable, SERVER],
                                              r'(http://127\.0\.0\.1:\d+/v4) (\S+)')
        procs.append(server)
        url_a = m.group(1)
        mock, m = concordtest.start_process([MOCK, 'elasticemail', '--port', '0', '--api-key', KEY_B],
                                            r'(http://127\.0\.0\.1:\d+/v4)')
        procs.append(mock)
        url_b = m.group(1)

        control(url_a, 'normal')
        steps = [cli('account', 'add', 'elasticemail', '--name', 'hostile', '--option',
                     'base_url=' + url_a, stdin=KEY_A + '\n'),
                 cli('account', 'add', 'elasticemail', '--name', 'other', '--option',
                     'base_url=' + url_b, stdin=KEY_B + '\n'),
                 cli('connection', 'add', 'c', '--a', 'hostile', '--b', 'other')]
        if warm_up:
            steps.append(cli('sync', 'c', '--json'))
        for p in steps:
            if p.returncode != 0:
                raise RuntimeError('set-up failed: ' + p.stdout + p.stderr)
        before = concordtest.ee_contacts(url_b, KEY_B)

        control(url_a, mode)
        code, out, err, seconds, peak = concordtest.run_measured(
            [CLI, '--data-dir', data, 'sync', 'c', '--json'], env, timeout=MAX_SECONDS * 3)
        row.update(exit=code, seconds=seconds, peak_mb=peak)
        figures = control(url_a)
        row['requests'] = figures['requests']
        after = concordtest.ee_contacts(url_b, KEY_B)
        text = out + err

        if figures['key_elsewhere']:
            problems.append('the API key reached the other origin')
        if code < 0:
            problems.append('killed by signal %d' % -code)
        if expect_fail and code == 0:
            problems.append('exit code 0')
        if message and not re.search(message, text, re.IGNORECASE):
            problems.append('message does not match /%s/: %s' % (message, text.strip()[-300:]))
        if seconds > MAX_SECONDS:
            problems.append('%.1f s > %d s' % (seconds, MAX_SECONDS))
        if peak > MAX_PEAK_MB:
            problems.append('peak %.0f MB > %d MB' % (peak, MAX_PEAK_MB))
        if KEY_A in text or KEY_B in text:
            problems.append('a key appears in the output')
        if mode in ('big-name', 'bad-text'):
            # Healthy contacts may sync; what the server broke must not.
            for c in after:
                email = c.get('Email', '')
                if '\ufffd' in email or '\x00' in email or email.endswith('@bad.test'):
                    problems.append('a contact was created from a broken email: %r' % email[:60])
            problems += concordtest.broken_values(after, MAX_VALUE)
        else:
            key = lambda c: c.get('Email', '')
            if sorted(before, key=key) != sorted(after, key=key):
                problems.append('side B changed: %d contacts before, %d after'
                                % (len(before), len(after)))
    except Exception as e:  # a broken set-up is a failure of the mode, reported
        problems.append('%s: %s' % (type(e).__name__, e))
    finally:
        for p in procs:
            concordtest.stop_process(p)
        cli('connection', 'remove', 'c')
        cli('account', 'remove', 'hostile')
        cli('account', 'remove', 'other')
        shutil.rmtree(data, ignore_errors=True)

    return row, problems


def main():
    if not concordtest.keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77
    return concordtest.run_modes(MODES, run_mode, PENDING, ONLY)


if __name__ == '__main__':
    sys.exit(main())
