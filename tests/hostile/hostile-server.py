#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile Elastic Email: one attack per mode, for tests/hostile/run-hostile.py.

Usage: hostile-server.py KEY

It plays an attacker (or a badly broken server), so it shares nothing with
src/connectors/*/mock/. It listens on 127.0.0.1 on a free port, prints
"http://127.0.0.1:PORT/v4 http://127.0.0.1:OTHER" (the API, and the other
origin redirects point to) and serves until its standard input closes or
LIFETIME seconds pass. The driver switches modes with GET /control?mode=M
and reads its figures with GET /control (JSON): requests served, and
whether the key ever reached the other origin.

Modes (every one starts honest on nothing but GET /contacts and /lists):
  normal         N_NORMAL contacts, honest pages, no lists
  same-page      the same 100 contacts at every offset
  endless        100 new contacts on every page, for ever
  huge-page      a first page of 10^6 contacts, whatever the limit
  retry-after    429 with Retry-After: 999999, always
  big-name       one contact whose first name is 50 MB
  nest-page      a page nested 100,000 arrays deep
  nest-error     400 with an error body nested 100,000 deep
  redirect-301, redirect-302, redirect-307
                 every request redirected to the other origin
  bad-text       emails and names with invalid UTF-8 and NUL
  truncated      a page cut in the middle
  error-500      HTTP 500, always
"""

import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME = 900
N_NORMAL = 20
KEY_HEADER = 'X-ElasticEmail-ApiKey'

state = {'mode': 'normal', 'requests': 0, 'key_elsewhere': False, 'elsewhere_requests': 0}
lock = threading.Lock()


def contact(i, domain='hostile.test'):
    return {'Email': f'c{i:07d}@{domain}', 'FirstName': 'Flood', 'LastName': f'N{i}',
            'Status': 'Active', 'Source': 'ContactApi', 'DateAdded': '2024-01-01T00:00:00',
            'DateUpdated': '2024-01-01T00:00:00'}


CONTACT = ('{"Email": "c%07d@huge.test", "FirstName": "Flood", "LastName": "N%d", '
           '"Status": "Active", "Source": "ContactApi", "DateAdded": "2024-01-01T00:00:00", '
           '"DateUpdated": "2024-01-01T00:00:00"}')


def huge_page_chunks(n=1000000, step=5000):
    yield b'['
    for start in range(0, n, step):
        part = ','.join(CONTACT % (i, i) for i in range(start, min(start + step, n)))
        yield ((',' if start else '') + part).encode()
    yield b']'


class Api(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    other = None  # the other origin, set at start

    def log_message(self, *args):
        pass

    def send(self, status, body, headers=()):
        if isinstance(body, str):
            body = body.encode('utf-8', 'surrogateescape')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_chunked(self, chunks):
        """A big body in pieces, so this server's memory stays small."""
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        try:
            for chunk in chunks:
                self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
            self.wfile.write(b'0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_control(self, query):
        mode = query.get('mode', [None])[0]
        with lock:
            if mode is not None:
                state['mode'] = mode
                state['requests'] = 0
            body = json.dumps(state)
        self.send(200, body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        if url.path == '/control':
            return self.do_control(query)
        with lock:
            state['requests'] += 1
            mode = state['mode']
        if self.headers.get(KEY_HEADER) is None:
            return self.send(400, '{"Error": "APIKey missing"}')
        offset = int(query.get('offset', ['0'])[0] or 0)
        limit = int(query.get('limit', ['20'])[0] or 20)
        path = url.path
        is_contacts = path == '/v4/contacts' and self.command == 'GET'
        is_lists = path.startswith('/v4/lists') and self.command == 'GET'

        if mode.startswith('redirect-'):
            code = int(mode.split('-')[1])
            return self.send(code, '', [('Location', self.other + self.path)])
        if mode == 'retry-after':
            return self.send(429, '{"Error": "Too many requests"}', [('Retry-After', '999999')])
        if mode == 'error-500':
            return self.send(500, '{"Error": "Internal error", "ErrorData": "x"}')
        if mode == 'nest-error':
            return self.send(400, '{"Error": ' + '[' * 100000 + ']' * 100000 + '}')
        if is_lists:
            if mode == 'lists-junk':
                # Pages of things that are not lists, without end.
                return self.send(200, json.dumps(list(range(offset, offset + limit))))
            return self.send(200, '[]')
        if not is_contacts:
            return self.send(404, '{"Error": "Not found"}')

        if mode in ('normal', 'lists-junk'):
            page = [contact(i) for i in range(offset, min(offset + limit, N_NORMAL))]
            return self.send(200, json.dumps(page))
        if mode == 'same-page':
            return self.send(200, json.dumps([contact(i) for i in range(100)]))
        if mode == 'endless':
            return self.send(200, json.dumps([contact(offset + i, 'endless.test')
                                              for i in range(limit)]))
        if mode == 'huge-page':
            return self.send_chunked(huge_page_chunks())
        if mode == 'big-name':
            if offset > 0:
                return self.send(200, '[]')
            big = dict(contact(0, 'big.test'), FirstName='x' * (50 * 1024 * 1024))
            return self.send(200, json.dumps([big, contact(1, 'big.test')]))
        if mode == 'nest-page':
            return self.send(200, '[' * 100000 + ']' * 100000)
        if mode == 'bad-text':
            if offset > 0:
                return self.send(200, '[]')
            body = ('[{"Email": "bad\udcff\udcfe@bad.test", "FirstName": "Ren\udce9"},'
                    ' {"Email": "nul\\u0000x@bad.test", "FirstName": "A\\u0000B"},'
                    ' {"Email": "a\\u0000@bad.test"}]')
            return self.send(200, body)
        if mode == 'truncated':
            body = json.dumps([contact(i, 'cut.test') for i in range(offset, offset + 10)])
            return self.send(200, body[:len(body) // 2])
        return self.send(500, '{"Error": "unknown mode"}')

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Elsewhere(BaseHTTPRequestHandler):
    """The other origin: records whether the key arrived."""
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        with lock:
            state['elsewhere_requests'] += 1
            if self.headers.get(KEY_HEADER) is not None:
                state['key_elsewhere'] = True
        body = b'[]'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    api = ThreadingHTTPServer(('127.0.0.1', 0), Api)
    elsewhere = ThreadingHTTPServer(('127.0.0.1', 0), Elsewhere)
    api.daemon_threads = elsewhere.daemon_threads = True
    Api.other = 'http://127.0.0.1:%d' % elsewhere.server_address[1]
    for server in (api, elsewhere):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print('http://127.0.0.1:%d/v4 %s' % (api.server_address[1], Api.other), flush=True)

    # Stop when the driver goes away (stdin closes) or after LIFETIME.
    watcher = threading.Thread(target=sys.stdin.read, daemon=True)
    watcher.start()
    watcher.join(LIFETIME)
    api.shutdown()
    elsewhere.shutdown()


if __name__ == '__main__':
    main()
