#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""kill -9 of concord-cli in the middle of an address-book sync (issue 17).

Usage: addressbook-crash.py CONCORD_CLI CONCORD_MOCK

CardDAV, against the real Radicale (INFRA_DAV_URL, INFRA_DAV_USER,
INFRA_DAV_PASS, as .ci/start-radicale exports them): each case makes its
own address book (MKCOL /USER/crash-PID-N/) and removes it at the end.
concord-cli talks to Radicale through a small forwarding proxy that holds
the Nth PUT (neither forwarded nor answered); the harness kills concord-cli
with SIGKILL while it waits, then lets the PUT go ("release": applied
late, its answer lost) or not ("drop"), and syncs twice. Then: no
duplicate card in the book nor contact on Elastic Email (concord-mock), no
lost edit, PRAGMA integrity_check ok, and a third sync writes nothing.
Cases: the first sync (creates) and a later one (updates with If-Match).

vCard folder: concord-cli killed while it writes 3,000 new cards into an
empty folder, then two syncs: every contact once as a card, every .vcf a
whole card, no temporary file read as a card, a third sync writes nothing.

CONCORD_CRASH_LONG=1 tries more kill points. Prints TAP. Skips (77)
without an unlocked keyring; the CardDAV cases fail with a clear message
without INFRA_DAV_URL (CI always has it).
"""

import base64
import http.client
import json
import os
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'support'))
import concordtest  # noqa: E402

CLI, MOCK = sys.argv[1], sys.argv[2]
LONG = os.environ.get('CONCORD_CRASH_LONG', '') not in ('', '0')
KEY_B = 'addressbook-crash-key-4e1a7d'
TIMEOUT = 120

# Checks waiting for another helper's fix: reported, not failed.
PENDING = {}

tap = concordtest.Tap()


class Proxy:
    """Forwards to the DAV server; holds the Nth PUT when armed."""

    def __init__(self, target):
        self.target = urllib.parse.urlsplit(target)
        self.lock = threading.Lock()
        self.puts = 0
        self.hold_at = None
        self.held = threading.Event()
        self.decision = threading.Event()
        self.apply = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                if self.command == 'PUT':
                    with proxy.lock:
                        proxy.puts += 1
                        hold = proxy.hold_at is not None and proxy.puts == proxy.hold_at
                    if hold:
                        proxy.held.set()
                        proxy.decision.wait(TIMEOUT)
                        if not proxy.apply:
                            self.close_connection = True
                            return
                        proxy.forward(self.command, self.path, self.headers, body)
                        self.close_connection = True
                        return
                status, headers, data = proxy.forward(self.command, self.path, self.headers, body)
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ('transfer-encoding', 'connection', 'content-length'):
                        self.send_header(name, value)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_POST = do_MKCOL = handle_any

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=60)
        try:
            fwd = {k: v for k, v in headers.items() if k.lower() not in ('host', 'connection')}
            conn.request(method, path, body=body, headers=fwd)
            answer = conn.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            conn.close()

    def arm(self, nth, apply):
        with self.lock:
            self.puts = 0
            self.hold_at = nth
            self.apply = apply
            self.held.clear()
            self.decision.clear()

    def disarm(self):
        with self.lock:
            self.hold_at = None
        self.decision.set()

    def stop(self):
        self.disarm()
        self.server.shutdown()


class Dav:
    """Plain WebDAV requests to Radicale, as another client."""

    def __init__(self):
        self.url = os.environ['INFRA_DAV_URL'].rstrip('/')
        self.user = os.environ.get('INFRA_DAV_USER', 'alice')
        self.password = os.environ.get('INFRA_DAV_PASS', 'secret')
        auth = base64.b64encode(('%s:%s' % (self.user, self.password)).encode()).decode()
        self.headers = {'Authorization': 'Basic ' + auth}

    def request(self, method, path, body=None, headers=None):
        h = dict(self.headers, **(headers or {}))
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def mkbook(self, path, name):
        body = ('<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" '
                'xmlns:C="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
                '<D:collection/><C:addressbook/></D:resourcetype><D:displayname>%s'
                '</D:displayname></D:prop></D:set></D:mkcol>' % name).encode()
        status, text = self.request('MKCOL', path, body, {'Content-Type': 'application/xml'})
        if status not in (200, 201):
            raise RuntimeError('MKCOL %s: HTTP %d %s' % (path, status, text[:200]))

    def cards(self, book):
        """{href: text} of every card of @book (PROPFIND, then GET each)."""
        body = (b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
                b'</D:prop></D:propfind>')
        status, text = self.request('PROPFIND', book, body, {'Depth': '1',
                                                             'Content-Type': 'application/xml'})
        hrefs = [urllib.parse.unquote(h) for h in
                 re.findall(r'<(?:\w+:)?href>([^<]+)</', text.decode('utf-8', 'replace'))]
        out = {}
        for href in hrefs:
            path = urllib.parse.urlsplit(href).path
            if path.rstrip('/') == book.rstrip('/'):
                continue
            status, data = self.request('GET', urllib.parse.quote(path))
            if status == 200:
                out[path] = data.decode('utf-8', 'replace')
        return out


def card_emails(text):
    return [e.strip().lower() for e in
            re.findall(r'(?im)^(?:item\d+\.)?EMAIL[^:\r\n]*:([^\r\n]+)', text)]


def duplicates(emails):
    seen, dup = set(), []
    for e in emails:
        if e in seen:
            dup.append(e)
        seen.add(e)
    return dup


class Env:
    def __init__(self, name):
        self.data = tempfile.mkdtemp(prefix='concord-ab-crash-%s-' % name)
        self.env = dict(os.environ, GSETTINGS_BACKEND='memory')
        self.env.pop('G_MESSAGES_DEBUG', None)
        self.mock = subprocess.Popen([MOCK, 'elasticemail', '--port', '0', '--api-key', KEY_B],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        m = re.search(r'(http://127\.0\.0\.1:\d+/v4)', self.mock.stdout.readline())
        if not m:
            raise RuntimeError('concord-mock did not start')
        self.url_b = m.group(1)
        self.cli_ok('account', 'add', 'elasticemail', '--name', 'ee', '--option',
                    'base_url=' + self.url_b, stdin=KEY_B + '\n')

    def cli(self, *args, stdin=None):
        return subprocess.run([CLI, '--data-dir', self.data] + list(args), input=stdin,
                              capture_output=True, text=True, env=self.env, timeout=TIMEOUT)

    def cli_ok(self, *args, stdin=None):
        p = self.cli(*args, stdin=stdin)
        if p.returncode != 0:
            raise RuntimeError('concord-cli %s: %s' % (' '.join(args[:3]), (p.stdout + p.stderr)[-400:]))
        return p

    def ee(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url_b + path, data=data, method=method,
                                     headers={'X-ElasticEmail-ApiKey': KEY_B,
                                              'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read()
        return json.loads(text) if text.strip() else None

    def contacts(self):
        out, offset = [], 0
        while True:
            page = self.ee('GET', '/contacts?limit=100&offset=%d' % offset)
            if not page:
                return out
            out += page
            offset += len(page)

    def spawn_sync(self):
        return subprocess.Popen([CLI, '--data-dir', self.data, 'sync', 'c', '--json'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env)

    def writes_of_next_sync(self):
        p = self.cli('sync', 'c', '--json')
        try:
            s = json.loads(p.stdout)
            return sum(s[side][k] for side in ('a', 'b') for k in ('created', 'updated'))
        except (ValueError, KeyError, TypeError):
            return None

    def store_checks(self):
        db = sqlite3.connect(os.path.join(self.data, 'state.sqlite'))
        try:
            integrity = db.execute('PRAGMA integrity_check').fetchone()[0]
            running = db.execute("SELECT COUNT(*) FROM runs WHERE status = 'running' "
                                 "AND dry_run = 0").fetchone()[0]
        finally:
            db.close()
        return integrity, running

    def close(self):
        self.mock.terminate()
        try:
            self.mock.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.mock.kill()
        shutil.rmtree(self.data, ignore_errors=True)


def end_checks(label, env, expect_emails, book_emails, edits=None):
    bemails = [c['Email'].lower() for c in env.contacts()]
    tap.check(label + ': no duplicate card in the book', not duplicates(book_emails),
              duplicates(book_emails)[:5])
    tap.check(label + ': no duplicate contact on Elastic Email', not duplicates(bemails),
              duplicates(bemails)[:5])
    tap.check(label + ': every contact on both sides',
              set(expect_emails) <= set(book_emails) and set(expect_emails) <= set(bemails),
              'book missing %s; B missing %s' % (sorted(set(expect_emails) - set(book_emails))[:4],
                                                 sorted(set(expect_emails) - set(bemails))[:4]))
    integrity, running = env.store_checks()
    tap.check(label + ': PRAGMA integrity_check', integrity == 'ok', integrity)
    tap.check(label + ': no run left "running"', running == 0, '%d running' % running)
    n = env.writes_of_next_sync()
    tap.check(label + ': a third sync writes nothing', n == 0, '%s writes' % n)


def carddav_case(dav, number, phase, nth, apply):
    label = 'carddav %s run, PUT %d %s' % (phase, nth, 'released' if apply else 'dropped')
    book = '/%s/crash-%d-%d/' % (dav.user, os.getpid(), number)
    env = proxy = None
    try:
        dav.mkbook(book, 'Crash %d' % number)
        for i in range(3):
            status, _ = dav.request('PUT', book + 'seed-%d.vcf' % i,
                                    ('BEGIN:VCARD\r\nVERSION:3.0\r\nUID:seed-%d\r\nFN:Seed %d\r\n'
                                     'N:%d;Seed;;;\r\nEMAIL:seed%d@dav.test\r\nEND:VCARD\r\n'
                                     % (i, i, i, i)).encode(), {'Content-Type': 'text/vcard'})
            if status not in (200, 201, 204):
                raise RuntimeError('PUT seed: HTTP %d' % status)
        env = Env('dav')
        n = 12
        env.ee('POST', '/contacts', [{'Email': 'crash%02d@ee.test' % i, 'FirstName': 'Crash%d' % i,
                                      'LastName': 'Before'} for i in range(n)])
        proxy = Proxy(dav.url)
        env.cli_ok('account', 'add', 'carddav', '--name', 'dav', '--option',
                   'url=' + proxy.url + book, '--option', 'username=' + dav.user,
                   stdin=dav.password + '\n')
        env.cli_ok('connection', 'add', 'c', '--a', 'dav:' + book, '--b', 'ee')
        expect = ['seed%d@dav.test' % i for i in range(3)] + ['crash%02d@ee.test' % i for i in range(n)]
        if phase == 'later':
            env.cli_ok('sync', 'c', '--json')
            for i in range(0, n, 2):
                env.ee('PUT', '/contacts/crash%02d%%40ee.test' % i, {'LastName': 'Edited%d' % i})
        proxy.arm(nth, apply)
        proc = env.spawn_sync()
        reached = False
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if proxy.held.wait(0.05):
                reached = True
                break
            if proc.poll() is not None:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proxy.decision.set()
        time.sleep(0.3)
        proxy.disarm()
        if not tap.check(label + ': the run reached the PUT', reached, 'it ended first'):
            return
        for _ in range(2):
            env.cli('sync', 'c', '--json')
        cards = dav.cards(book)
        book_emails = [e for text in cards.values() for e in card_emails(text)]
        end_checks(label, env, expect, book_emails)
        if phase == 'later':
            lost = []
            for i in range(0, n, 2):
                email = 'crash%02d@ee.test' % i
                texts = [t for t in cards.values() if email in card_emails(t)]
                if not texts or 'Edited%d' % i not in texts[0]:
                    lost.append(email)
            tap.check(label + ': no lost edit', not lost, lost)
    except Exception as e:
        tap.check(label + ': set-up', False, '%s: %s' % (type(e).__name__, e))
    finally:
        if proxy is not None:
            proxy.stop()
        if env is not None:
            env.close()
        dav.request('DELETE', book)


def folder_case(kill_after):
    label = 'vcard-folder, killed after %d cards' % kill_after
    env = None
    try:
        env = Env('folder')
        book = os.path.join(env.data, 'book')
        os.mkdir(book)
        with open(os.path.join(book, 'seed.vcf'), 'wb') as f:
            f.write(b'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:seed\r\nFN:Seed\r\nN:Seed;;;;\r\n'
                    b'EMAIL:seed@folder.test\r\nEND:VCARD\r\n')
        n = 3000
        for start in range(0, n, 500):
            env.ee('POST', '/contacts', [{'Email': 'f%05d@ee.test' % i, 'FirstName': 'F%d' % i}
                                         for i in range(start, min(start + 500, n))])
        env.cli_ok('account', 'add', 'vcard-folder', '--name', 'f', '--option', 'path=' + book)
        env.cli_ok('connection', 'add', 'c', '--a', 'f:.', '--b', 'ee')
        proc = env.spawn_sync()
        reached = False
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            entries = os.listdir(book)
            if len(entries) - 1 >= kill_after:
                reached = True
                break
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left = len(os.listdir(book))
        if not tap.check(label + ': killed while writing', reached, 'the run ended first'):
            return
        print('# %s: %d entries in the folder at the kill' % (label, left), flush=True)
        for _ in range(2):
            env.cli('sync', 'c', '--json')
        names = os.listdir(book)
        cards = [n for n in names if n.endswith('.vcf') and not n.startswith('.')]
        texts = [open(os.path.join(book, n), 'rb').read().decode('utf-8', 'replace') for n in cards]
        half = [n for n, t in zip(cards, texts) if not t.rstrip().endswith('END:VCARD')]
        tap.check(label + ': no half-written card', not half, half[:5])
        emails = [e for t in texts for e in card_emails(t)]
        expect = ['seed@folder.test'] + ['f%05d@ee.test' % i for i in range(n)]
        end_checks(label, env, expect, emails)
        temps = [n for n in names if n not in cards]
        print('# %s: %d other entries left (temporary files): %s' % (label, len(temps), temps[:3]),
              flush=True)
    except Exception as e:
        tap.check(label + ': set-up', False, '%s: %s' % (type(e).__name__, e))
    finally:
        if env is not None:
            env.close()


def main():
    if not concordtest.keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77
    if not os.environ.get('INFRA_DAV_URL'):
        tap.check('INFRA_DAV_URL is set (a Radicale to test against, .ci/start-radicale)', False,
                  'run under .ci/run or tools/in-session.sh')
    else:
        dav = Dav()
        points = [('first', 1, True), ('first', 5, False), ('later', 2, True), ('later', 4, False)]
        if LONG:
            points = [(phase, k, apply) for phase in ('first', 'later') for k in range(1, 13)
                      for apply in (False, True)]
        for number, (phase, nth, apply) in enumerate(points):
            if phase == 'later' and nth > 6:
                continue
            carddav_case(dav, number, phase, nth, apply)
    for kill_after in ((50, 1500) if not LONG else (1, 50, 500, 1500, 2900)):
        folder_case(kill_after)
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
