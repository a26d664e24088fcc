#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`concord --background`, the command an autostart entry runs at login,
end to end: the real binary as a subprocess, on its own data folder, with
the keys in the test session's keyring (skipped when there is none), an
Elastic Email mock on each side and a connection set up with concord-cli.

With a connection on, it must keep running with no window and sync on its
interval (shortened by CONCORD_SYNC_INTERVAL_SECONDS) until the user quits;
a second `concord --background` must neither start a second instance nor
open a window; with no connection on it must end by itself.

Every wait is for a condition, with a generous timeout.

Usage: test-background-run.py CONCORD CONCORD_CLI CONCORD_MOCK APP_ID
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

CONCORD, CLI, MOCK, APP_ID = sys.argv[1:5]
OBJECT_PATH = '/' + APP_ID.replace('.', '/')
KEY_A = 'key-a-bg-5d1e7c93f0a2'
KEY_B = 'key-b-bg-0b6f2a84c7e1'
INTERVAL_S = 2
TIMEOUT_S = 180   # generous: the sanitizer builds are many times slower
results = []


def check(name, cond, detail=''):
    results.append(bool(cond))
    print(('ok %d - ' if cond else 'not ok %d - ') % len(results) + name +
          ('' if cond else ' # ' + str(detail).replace('\n', ' ')[:600]), flush=True)


def wait_until(condition, timeout=TIMEOUT_S):
    """Polls condition() until it is true or the time is up; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.2)


def session_has_name(name):
    if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
        return False
    p = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                        '--object-path', '/org/freedesktop/DBus', '--method',
                        'org.freedesktop.DBus.NameHasOwner', name],
                       capture_output=True, text=True)
    return p.returncode == 0 and 'true' in p.stdout


def start_mock(key, generate=0):
    args = [MOCK, 'elasticemail', '--port', '0', '--api-key', key, '--generate', str(generate)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r'(http://127\.0\.0\.1:\d+/v4)', line)
    if not m:
        proc.kill()
        raise RuntimeError('mock did not start: ' + line)
    return proc, m.group(1)


def api_count(base, key):
    n, offset = 0, 0
    while True:
        req = urllib.request.Request(f'{base}/contacts?limit=100&offset={offset}',
                                     headers={'X-ElasticEmail-ApiKey': key})
        page = json.load(urllib.request.urlopen(req, timeout=10))
        if not page:
            return n
        n += len(page)
        offset += len(page)


def finished_runs(db):
    """The connection's finished runs in the store, as the app wrote them."""
    if not os.path.exists(db):
        return 0
    try:
        with sqlite3.connect(f'file:{db}?mode=ro', uri=True, timeout=10) as conn:
            row = conn.execute("SELECT count(*) FROM runs WHERE finished > 0 AND dry_run = 0 "
                               "AND status = 'ok'").fetchone()
            return row[0]
    except sqlite3.OperationalError:
        return 0   # not created yet


def visible_windows(pid):
    """The ids of the mapped X windows of process pid (xdotool reads _NET_WM_PID)."""
    p = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid', str(pid)],
                       capture_output=True, text=True, timeout=30)
    return p.stdout.split()


def main():
    if not session_has_name('org.freedesktop.secrets'):
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77
    if not os.environ.get('DISPLAY') or shutil.which('xdotool') is None:
        print('1..0 # SKIP needs an X display and xdotool')
        return 77
    if session_has_name(APP_ID):
        print(f'1..0 # SKIP {APP_ID} already runs on this session bus')
        return 77

    data = tempfile.mkdtemp(prefix='concord-background-')
    db = os.path.join(data, 'state.sqlite')
    log_path = os.path.join(data, 'concord.log')
    env = dict(os.environ, CONCORD_DATA_DIR=data,
               CONCORD_SYNC_INTERVAL_SECONDS=str(INTERVAL_S), GIO_USE_PROXY_RESOLVER='dummy',
               G_MESSAGES_DEBUG='')

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    def concord(*args):
        log = open(log_path, 'a')
        try:
            return subprocess.Popen([CONCORD] + list(args), env=env, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=log)
        finally:
            log.close()

    def log_text():
        with open(log_path, errors='replace') as f:
            return f.read()

    mocks, apps = [], []
    try:
        mock_a, url_a = start_mock(KEY_A, generate=30)
        mock_b, url_b = start_mock(KEY_B)
        mocks += [mock_a, mock_b]
        n_a = api_count(url_a, KEY_A)

        p = cli('account', 'add', 'elasticemail', '--name', 'shop', '--option', 'base_url=' + url_a,
                stdin=KEY_A + '\n')
        q = cli('account', 'add', 'elasticemail', '--name', 'newsletter', '--option',
                'base_url=' + url_b, stdin=KEY_B + '\n')
        r = cli('connection', 'add', 'both', '--a', 'shop', '--b', 'newsletter')
        shown = cli('connection', 'show', 'both', '--json')
        check('an enabled connection is set up with concord-cli',
              p.returncode == q.returncode == r.returncode == shown.returncode == 0 and
              json.loads(shown.stdout).get('enabled') is True, p.stderr + q.stderr + r.stderr)

        # ---- a connection on: it stays, syncs on its interval, shows nothing
        app = concord('--background')
        apps.append(app)
        # Three runs: the one at start and two on the interval, so well over
        # one interval has passed, every moment of which it had to be alive.
        wait_until(lambda: app.poll() is not None or finished_runs(db) >= 3)
        runs = finished_runs(db)
        check('with a connection on, `concord --background` keeps running past its sync interval',
              app.poll() is None, f'exited with {app.returncode} after {runs} run(s): {log_text()}')
        check('and runs on its interval (3 finished runs)', runs >= 3, f'{runs} run(s): {log_text()}')
        if app.poll() is not None:
            print(f'1..{len(results)}')
            return 1   # the rest needs it running
        n_b = api_count(url_b, KEY_B)
        check('the runs synced the contacts', n_b == n_a, f'{n_b} of {n_a} on B')
        check('it registered on the session bus', session_has_name(APP_ID), '')
        check('no window is mapped', app.poll() is None and visible_windows(app.pid) == [],
              visible_windows(app.pid))

        # At login again while it runs: nothing new starts, no window opens.
        again = concord('--background')
        try:
            rc = again.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            again.kill()
            rc = None
        check('a second `concord --background` ends at once, leaving the first',
              rc == 0 and app.poll() is None, f'rc {rc}: {log_text()}')
        check('and opens no window', visible_windows(app.pid) == [], visible_windows(app.pid))

        # The same check sees a window when there is one: opening Concord
        # asks the running instance for its window.
        opener = concord()
        try:
            opener.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            opener.kill()
        windows = wait_until(lambda: visible_windows(app.pid))
        check('opening Concord shows the running instance\'s window', len(windows) >= 1,
              log_text())

        # The user quits: it ends, cleanly.
        p = subprocess.run(['gdbus', 'call', '--session', '--dest', APP_ID, '--object-path',
                            OBJECT_PATH, '--method', 'org.gtk.Actions.Activate', 'quit', '[]', '{}'],
                           capture_output=True, text=True, timeout=60)
        try:
            rc = app.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rc = None
        check('app.quit ends it with status 0', p.returncode == 0 and rc == 0,
              f'{p.stderr} rc {rc}: {log_text()}')

        # ---- no connection on: nothing to run, it ends by itself
        p = cli('connection', 'disable', 'both')
        before = finished_runs(db)
        idle = concord('--background')
        apps.append(idle)
        try:
            rc = idle.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rc = None
        check('with no connection on, `concord --background` ends by itself with status 0',
              p.returncode == 0 and rc == 0, f'rc {rc}: {log_text()}')
        check('having run nothing', finished_runs(db) == before, f'{finished_runs(db)} > {before}')
        check('nothing was logged as a warning or critical',
              'WARNING' not in log_text() and 'CRITICAL' not in log_text(), log_text())

        # Leave no keys in the session keyring.
        cli('connection', 'remove', 'both')
        for name in ('shop', 'newsletter'):
            cli('account', 'remove', name)
    finally:
        for proc in apps + mocks:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(data, ignore_errors=True)

    print(f'1..{len(results)}')
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
