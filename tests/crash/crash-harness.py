#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""kill -9 at every kind of write request, then resume.

Two Elastic Email mock servers (concord-mock --control, src/connectors/elasticemail/mock/) and the
real concord-cli. A scenario seeds both accounts, syncs once, then edits
both sides so that the next run issues every kind of write: creates both
ways, updates both ways, unsubscribes that must cross both ways, a list
addition and a list removal. That run is the one interrupted: the mock
holds the chosen request (neither applied nor answered), the harness
kills concord-cli with SIGKILL while it waits, lets the request go
("drop": never applied, "release": applied late, its answer lost), and
syncs twice. The end state must equal the end state of the same scenario
run without a kill: no duplicate, no lost value, no lost unsubscribe; the
store passes PRAGMA integrity_check, no run is left "running", and a third
sync writes nothing.

Usage: crash-harness.py CONCORD_CLI CONCORD_MOCK

Short mode (CI): one kill point per kind of request. Long mode
(CONCORD_CRASH_LONG=1): every write request of the run, on each side, in
turn, each dropped and released. Prints TAP and the figures.

Skips (77) without an unlocked keyring, as concord-cli keeps keys there.
"""

import json
import os
import queue
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

CLI, MOCK = sys.argv[1], sys.argv[2]
KEYS = ('crash-key-a-51d0e2', 'crash-key-b-7c93f4')
LONG = os.environ.get('CONCORD_CRASH_LONG', '') not in ('', '0')
TIMEOUT = 120          # generous: the machine may be busy; never a bound on speed

# Checks that wait for another engineer's fix: reported as "pending", not
# failed. The lead empties this set after merging that work.
PENDING = set()

KINDS = {
    'create': 'POST /v4/contacts',
    'update': 'PUT /v4/contacts/*',
    'unsubscribe': 'POST /v4/suppressions/unsubscribes',
    'list-add': 'POST /v4/lists/*/contacts',
    'list-remove': 'POST /v4/lists/*/contacts/remove',
}
ANY_WRITE = 'POST *|PUT *|PATCH *|DELETE *'

results = []


def tap(name, ok, detail=''):
    results.append(ok)
    print(('ok %d - ' if ok else 'not ok %d - ') % len(results) + name +
          ('' if ok else ' # ' + detail.replace('\n', ' ')[:600]), flush=True)


def keyring_available():
    if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
        return False
    p = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                        '--object-path', '/org/freedesktop/DBus', '--method',
                        'org.freedesktop.DBus.NameHasOwner', 'org.freedesktop.secrets'],
                       capture_output=True, text=True)
    return p.returncode == 0 and 'true' in p.stdout


class Mock:
    """One concord-mock process, driven through its standard input."""

    def __init__(self, key, seed):
        self.key = key
        self.proc = subprocess.Popen([MOCK, 'elasticemail', '--port', '0', '--api-key', key,
                                      '--seed', seed, '--control'],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
        line = self.proc.stdout.readline()
        m = re.search(r'(http://127\.0\.0\.1:\d+/v4)', line)
        if not m:
            self.proc.kill()
            raise RuntimeError('mock did not start: ' + line)
        self.url = m.group(1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def command(self, text):
        self.proc.stdin.write(text + '\n')
        self.proc.stdin.flush()

    def wait_line(self, prefix, until=None):
        """The next line starting with @prefix; None once @until() is true."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if until is not None and until():
                    return None
                continue
            if line.startswith(prefix):
                return line
        raise RuntimeError('the mock never said ' + prefix)

    def stall(self, nth, patterns):
        self.command('stall %d %s' % (nth, patterns))
        self.wait_line('armed')

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={'X-ElasticEmail-ApiKey': self.key,
                                              'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text.strip() else None

    def paged(self, path):
        out, offset = [], 0
        while True:
            sep = '&' if '?' in path else '?'
            page = self.call('GET', f'{path}{sep}limit=100&offset={offset}')
            if not page:
                return out
            out += page
            offset += len(page)

    def state(self):
        """What the account holds, in a form to compare (no dates)."""
        contacts = {}
        duplicates = 0
        for c in self.paged('/contacts'):
            email = c['Email'].lower()
            if email in contacts:
                duplicates += 1
            contacts[email] = {
                'FirstName': c.get('FirstName') or None,
                'LastName': c.get('LastName') or None,
                'Status': c.get('Status'),
                'plan': (c.get('CustomFields') or {}).get('plan') or None,
                'lists': [],
            }
        for lst in self.call('GET', '/lists?limit=200&offset=0') or []:
            name = lst['ListName']
            for m in self.paged('/lists/' + urllib.parse.quote(name, safe='') + '/contacts'):
                email = m['Email'].lower()
                if email in contacts:
                    contacts[email]['lists'].append(name)
        for c in contacts.values():
            c['lists'].sort()
        return contacts, duplicates

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def seeds(folder, phase):
    """Both accounts' seed files. For phase "first" the pairs disagree
    already (the interrupted run is the first one: first matches); for
    "later" they agree, and edit() makes the changes after a first run."""
    def person(email, first, last, lists=('Newsletter',), status='Active', **extra):
        contact = {'Email': email, 'FirstName': first, 'LastName': last, 'Status': status,
                   'CustomFields': {'plan': 'basic'}, 'Lists': list(lists)}
        contact.update(extra)
        return {k: v for k, v in contact.items() if v is not None}

    a = [person('s%d@example.com' % i, 'Sam%d' % i, 'Shared%d' % i) for i in range(1, 7)]
    b = [person('s%d@example.com' % i, 'Sam%d' % i, 'Shared%d' % i) for i in range(1, 7)]
    if phase == 'first':
        a[0]['CustomFields'] = {'plan': 'gold'}
        b[1]['LastName'] = 'Second'
        a[2] = person('s3@example.com', 'Sam3', 'Three-A', status='Unsubscribed',
                      DateUpdated='2020-01-02T03:04:05')
        b[2] = person('s3@example.com', 'Sam3', None, DateUpdated='2019-01-02T03:04:05')
        b[3] = person('s4@example.com', 'Four-B', 'Shared4', status='Unsubscribed',
                      DateUpdated='2020-01-02T03:04:05')
        a[3] = person('s4@example.com', None, 'Shared4', DateUpdated='2019-01-02T03:04:05')
        a[4]['Lists'] = ['Newsletter', 'VIP']
    a += [person('a%d@example.com' % i, 'Ann%d' % i, 'Only-A') for i in (1, 2)]
    b += [person('b%d@example.com' % i, 'Bob%d' % i, 'Only-B') for i in (1, 2)]
    paths = []
    for name, contacts in (('a', a), ('b', b)):
        path = os.path.join(folder, 'seed-%s.json' % name)
        with open(path, 'w') as f:
            json.dump({'custom_fields': ['plan'], 'lists': ['Newsletter', 'VIP'], 'contacts': contacts}, f)
        paths.append(path)
    return paths


def edit(mocks):
    """What people did between the first run and the one interrupted."""
    a, b = mocks
    a.call('PUT', '/contacts/s1%40example.com', {'FirstName': 'Samuel', 'CustomFields': {'plan': 'gold'}})
    b.call('PUT', '/contacts/s2%40example.com', {'LastName': 'Second'})
    a.call('POST', '/suppressions/unsubscribes', ['s3@example.com'])
    a.call('PUT', '/contacts/s3%40example.com', {'LastName': 'Three-A'})
    b.call('POST', '/suppressions/unsubscribes', ['s4@example.com'])
    b.call('PUT', '/contacts/s4%40example.com', {'FirstName': 'Four-B'})
    a.call('POST', '/lists/VIP/contacts', {'Emails': ['s5@example.com']})
    b.call('POST', '/lists/Newsletter/contacts/remove', {'Emails': ['s6@example.com']})
    a.call('POST', '/contacts?listnames=VIP',
           [{'Email': 'a3@example.com', 'FirstName': 'Ann3', 'LastName': 'New-A',
             'CustomFields': {'plan': 'pro'}}])
    b.call('POST', '/contacts',
           [{'Email': 'b3@example.com', 'FirstName': 'Bob3', 'LastName': 'New-B'}])


class Scenario:
    """Fresh mocks and a fresh data folder; for phase "later", the first
    run and the edits. What follows is the run to interrupt."""

    def __init__(self, root, name, phase):
        self.data = tempfile.mkdtemp(prefix=name + '-', dir=root)
        self.env = dict(os.environ, GSETTINGS_BACKEND='memory')
        self.mocks = []
        seed_a, seed_b = seeds(self.data, phase)
        self.mocks = [Mock(KEYS[0], seed_a), Mock(KEYS[1], seed_b)]
        for name, mock in zip(('left', 'right'), self.mocks):
            self.cli_ok('account', 'add', 'elasticemail', '--name', name, '--option',
                        'base_url=' + mock.url, stdin=mock.key + '\n')
        self.cli_ok('connection', 'add', 'crash', '--a', 'left', '--b', 'right')
        if phase == 'later':
            self.cli_ok('sync', 'crash', '--json')
            edit(self.mocks)

    def cli(self, *args, stdin=None):
        return subprocess.run([CLI, '--data-dir', self.data] + list(args), input=stdin,
                              capture_output=True, text=True, env=self.env, timeout=TIMEOUT)

    def cli_ok(self, *args, stdin=None):
        p = self.cli(*args, stdin=stdin)
        if p.returncode != 0:
            raise RuntimeError('concord-cli %s failed: %s' % (' '.join(args[:2]), p.stderr[-800:]))
        return p

    def sync_killed(self, side, nth, patterns, apply):
        """The interrupted run; FALSE when it never reached the request."""
        mock = self.mocks[side]
        mock.stall(nth, patterns)
        proc = subprocess.Popen([CLI, '--data-dir', self.data, 'sync', 'crash', '--json'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env)
        line = mock.wait_line('stalled', until=lambda: proc.poll() is not None)
        if line is None:
            proc.wait()
            return False
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        mock.command('release' if apply else 'drop')
        mock.call('GET', '/lists?limit=1&offset=0')   # served after the release
        return True

    def writes_of_next_sync(self):
        """Creates and updates of one more sync (None when it failed)."""
        p = self.cli('sync', 'crash', '--json')
        try:
            summary = json.loads(p.stdout)
            return sum(summary[side][k] for side in ('a', 'b') for k in ('created', 'updated'))
        except (ValueError, KeyError, TypeError):
            return None

    def store_checks(self):
        path = os.path.join(self.data, 'state.sqlite')
        db = sqlite3.connect(path)
        try:
            integrity = db.execute('PRAGMA integrity_check').fetchone()[0]
            running = db.execute("SELECT COUNT(*) FROM runs WHERE status = 'running' AND dry_run = 0").fetchone()[0]
        finally:
            db.close()
        return integrity, running

    def close(self):
        for name in ('left', 'right'):
            self.cli('account', 'remove', name)
        for mock in self.mocks:
            mock.stop()
        shutil.rmtree(self.data, ignore_errors=True)


def compare(reference, end):
    """duplicates, lost values, lost unsubscribes and what differs."""
    duplicates = lost_values = lost_unsubscribes = 0
    differences = []
    for side in (0, 1):
        ref, _ = reference[side]
        got, repeated = end[side]
        duplicates += repeated + len(set(got) - set(ref))
        for email, want in ref.items():
            have = got.get(email)
            if have is None:
                lost_values += 1
                differences.append('%s: %s is missing' % ('AB'[side], email))
                continue
            if want['Status'] == 'Unsubscribed' and have['Status'] != 'Unsubscribed':
                lost_unsubscribes += 1
                differences.append('%s: %s is %s' % ('AB'[side], email, have['Status']))
            for field in ('FirstName', 'LastName', 'plan', 'lists', 'Status'):
                if field == 'Status' and want['Status'] == 'Unsubscribed':
                    continue
                if have[field] != want[field]:
                    lost_values += 1
                    differences.append('%s: %s %s' % ('AB'[side], email, field))
    return duplicates, lost_values, lost_unsubscribes, differences


def run_phase(root, phase, figures):
    """The kill points of one scenario, each compared with its reference."""
    # The reference: the same scenario, not interrupted.
    ref = Scenario(root, 'reference', phase)
    try:
        ref.cli_ok('sync', 'crash', '--json')
        ref.cli_ok('sync', 'crash', '--json')
        reference = [m.state() for m in ref.mocks]
    finally:
        ref.close()
    unsubscribed = sum(1 for side in reference for c in side[0].values() if c['Status'] == 'Unsubscribed')
    tap('%s run: without a kill, both unsubscribes reach both sides' % phase, unsubscribed == 4,
        json.dumps(reference))

    points = []
    if LONG:
        # Every write request of the run, on each side, dropped then released.
        for side in (0, 1):
            for apply in (False, True):
                points.append((side, None, ANY_WRITE, apply))
    elif phase == 'first':
        points = [
            (0, 1, KINDS['create'], True),
            (1, 1, KINDS['update'], True),
            (1, 1, KINDS['unsubscribe'], False),
            (1, 1, KINDS['list-add'], False),
        ]
    else:
        points = [
            (1, 1, KINDS['create'], True),
            (0, 1, KINDS['update'], False),
            (1, 1, KINDS['unsubscribe'], False),
            (0, 1, KINDS['unsubscribe'], True),
            (1, 1, KINDS['list-add'], False),
            (0, 1, KINDS['list-remove'], True),
        ]

    for side, nth, patterns, apply in points:
        k = nth or 1
        while True:
            label = '%s run, %s request %d on %s, %s' % (
                phase, 'write' if nth is None else patterns, k, 'AB'[side],
                'released' if apply else 'dropped')
            sc = Scenario(root, 'kill', phase)
            try:
                reached = sc.sync_killed(side, k, patterns, apply)
                if reached:
                    sc.cli('sync', 'crash', '--json')
                    sc.cli('sync', 'crash', '--json')
                    end = [m.state() for m in sc.mocks]
                    integrity, running = sc.store_checks()
                    writes = sc.writes_of_next_sync()
            finally:
                sc.close()
            if not reached:
                if nth is not None:
                    tap(label + ': the run reached the request', False, 'never reached')
                figures['not reached'] += 1
                break
            figures['kill points'] += 1
            duplicates, lost, lost_unsub, differences = compare(reference, end)
            figures['duplicates'] += duplicates
            figures['lost values'] += lost
            figures['lost unsubscribes'] += lost_unsub
            tap(label + ': same end state as without the kill',
                duplicates == 0 and lost == 0 and lost_unsub == 0,
                '%d duplicates, %d lost values, %d lost unsubscribes: %s' % (
                    duplicates, lost, lost_unsub, '; '.join(differences[:8])))
            tap(label + ': PRAGMA integrity_check', integrity == 'ok', integrity)
            tap(label + ': settled, a third sync writes nothing', writes == 0, '%s writes' % writes)
            if running != 0 and 'no-run-left-running' in PENDING:
                figures['pending'] += 1
                print('# pending (no-run-left-running): %s: %d run(s) left "running"' % (label, running))
            else:
                tap(label + ': no run left "running"', running == 0, '%d running' % running)
            if nth is not None:
                break
            k += 1


def main():
    if not keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77

    root = tempfile.mkdtemp(prefix='concord-crash-')
    figures = {'kill points': 0, 'not reached': 0, 'duplicates': 0, 'lost values': 0,
               'lost unsubscribes': 0, 'pending': 0}
    try:
        for phase in ('first', 'later'):
            run_phase(root, phase, figures)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print('# figures: ' + ', '.join('%s %d' % kv for kv in figures.items()))
    print('1..%d' % len(results))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
