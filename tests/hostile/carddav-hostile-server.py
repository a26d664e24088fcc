#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile CardDAV server, one attack per mode, for run-carddav-hostile.py.

Usage: carddav-hostile-server.py USER PASSWORD

It plays an attacker (or a badly broken server) and shares nothing with
src/connectors/carddav/mock/ nor with Radicale: it is written from RFC 6352
and RFC 6578 alone. It listens on 127.0.0.1 on a free port and prints

    http://127.0.0.1:PORT/ http://127.0.0.2:OTHER

(the server's root, and "another origin" that hrefs and redirects point
to), then serves until its standard input closes or LIFETIME seconds pass.
The driver switches modes with GET /control?mode=M (no credentials) and
reads figures with GET /control (JSON): requests served, PUTs, the paths
written, and whether an Authorization header ever reached the other origin.

The honest server: / → /.well-known/carddav (301 to /dav/), /dav/ gives
current-user-principal /dav/principals/alice/, which gives
addressbook-home-set /dav/home/, whose one book is /dav/home/book/
("Book"). The book holds N_CARDS cards and answers PROPFIND, REPORT
sync-collection (a new token after each change), REPORT
addressbook-multiget, GET, PUT (If-Match / If-None-Match) and DELETE.
Every mode below breaks one thing; the rest stays honest.
"""

import base64
import hashlib
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME = 1800
N_CARDS = 5
BOOK = '/dav/home/book/'
HOME = '/dav/home/'
PRINCIPAL = '/dav/principals/alice/'

state = {'mode': 'normal', 'requests': 0, 'puts': 0, 'deletes': 0, 'written': [],
         'auth_elsewhere': False, 'blind_puts': 0, 'elsewhere_requests': 0, 'unauthenticated': 0,
         'token_rounds': 0}
lock = threading.Lock()
cards = {}      # href → [etag, bytes]
generation = [1]

XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
NS = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"'


def vcard(i, email=None, extra=''):
    email = email or 'card%d@dav.test' % i
    return ('BEGIN:VCARD\r\nVERSION:3.0\r\nUID:uid-%d\r\nFN:Card %d\r\nN:Number%d;Card;;;\r\n'
            'EMAIL;TYPE=INTERNET:%s\r\n%sEND:VCARD\r\n' % (i, i, i, email, extra)).encode()


def reset_cards():
    cards.clear()
    for i in range(N_CARDS):
        cards[BOOK + 'card-%d.vcf' % i] = ['"e%d-1"' % i, vcard(i)]
    generation[0] += 1


def esc(text):
    return (text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;'))


def ms(responses, token=None):
    body = XML_HEAD + '<D:multistatus %s>' % NS + ''.join(responses)
    if token is not None:
        body += '<D:sync-token>%s</D:sync-token>' % esc(token)
    return body + '</D:multistatus>'


def resp(href, props='', status='HTTP/1.1 200 OK', own_status=None):
    if own_status is not None:
        return '<D:response><D:href>%s</D:href><D:status>%s</D:status></D:response>' % (
            href, own_status)
    return ('<D:response><D:href>%s</D:href><D:propstat><D:prop>%s</D:prop>'
            '<D:status>%s</D:status></D:propstat></D:response>' % (href, props, status))


def collection_props(href):
    if href == BOOK:
        return ('<D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>'
                '<D:displayname>Book</D:displayname><D:sync-token>http://t/%d</D:sync-token>'
                '<CS:getctag>c%d</CS:getctag><D:supported-report-set><D:supported-report>'
                '<D:report><D:sync-collection/></D:report></D:supported-report>'
                '</D:supported-report-set>' % (generation[0], generation[0]))
    return ('<D:resourcetype><D:collection/></D:resourcetype>'
            '<D:current-user-principal><D:href>%s</D:href></D:current-user-principal>'
            '<C:addressbook-home-set><D:href>%s</D:href></C:addressbook-home-set>'
            % (PRINCIPAL, HOME))


def billion_laughs():
    lines = ['<!ENTITY lol "lol">']
    for n in range(1, 10):
        prev = 'lol' if n == 1 else 'lol%d' % (n - 1)
        lines.append('<!ENTITY lol%d "%s">' % (n, ('&%s;' % prev) * 10))
    return ('<?xml version="1.0"?>\n<!DOCTYPE D:multistatus [%s]>\n'
            '<D:multistatus %s><D:response><D:href>%scard-0.vcf</D:href><D:propstat><D:prop>'
            '<D:getetag>&lol9;</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status>'
            '</D:propstat></D:response><D:sync-token>http://t/bomb</D:sync-token>'
            '</D:multistatus>' % (''.join(lines), NS, BOOK))


def xxe():
    return ('<?xml version="1.0"?>\n<!DOCTYPE D:multistatus [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]>\n<D:multistatus %s><D:response><D:href>%sx.vcf</D:href>'
            '<D:propstat><D:prop><D:getetag>"x"</D:getetag><C:address-data>BEGIN:VCARD\n'
            'VERSION:3.0\nUID:xxe\nFN:&xxe;\nEMAIL:xxe@evil.test\nEND:VCARD\n</C:address-data>'
            '</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
            '<D:sync-token>http://t/xxe</D:sync-token></D:multistatus>' % (NS, BOOK))


def gigabyte_chunks(total=1 << 30):
    head = (XML_HEAD + '<D:multistatus %s>' % NS).encode()
    yield head
    one = ''.join(resp(BOOK + 'flood-%08d.vcf' % i, '<D:getetag>"f%d"</D:getetag>' % i)
                  for i in range(2000)).encode()
    sent = len(head)
    while sent < total:
        yield one
        sent += len(one)
    yield b'</D:multistatus>'


class Dav(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    other = None
    user = password = None

    def log_message(self, *args):
        pass

    def send(self, status, body=b'', headers=(), ctype='application/xml; charset=utf-8'):
        if isinstance(body, str):
            body = body.encode('utf-8', 'surrogateescape')
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_chunked(self, chunks, delay=0.0):
        self.send_response(207)
        self.send_header('Content-Type', 'application/xml; charset=utf-8')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        try:
            for chunk in chunks:
                self.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                self.wfile.flush()
                if delay:
                    time.sleep(delay)
            self.wfile.write(b'0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def authorized(self):
        want = 'Basic ' + base64.b64encode(('%s:%s' % (self.user, self.password)).encode()).decode()
        return self.headers.get('Authorization') == want

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        if url.path == '/control':
            query = urllib.parse.parse_qs(url.query)
            with lock:
                mode = query.get('mode', [None])[0]
                if mode is not None:
                    state.update(mode=mode, requests=0, puts=0, deletes=0, written=[], moved=0,
                                 token_rounds=0)
                    if mode == 'normal':
                        reset_cards()
                text = json.dumps(dict(state, cards=len(cards)))
            return self.send(200, text, ctype='application/json')
        with lock:
            state['requests'] += 1
            mode = state['mode']
            if self.command in ('PUT', 'DELETE'):
                state['written'].append(self.command + ' ' + self.path)
        if mode == 'auth-schemes':
            return self.send(401, 'no', [('WWW-Authenticate', 'Negotiate'),
                                         ('WWW-Authenticate', 'Digest realm="x", nonce="abc", qop="auth"'),
                                         ('WWW-Authenticate', 'Basic realm="dav"'),
                                         ('WWW-Authenticate', 'Bearer realm="x", error="invalid_token"')])
        if not self.authorized():
            with lock:
                state['unauthenticated'] += 1
            return self.send(401, 'auth', [('WWW-Authenticate', 'Basic realm="dav"')])
        if mode == 'retry-after':
            return self.send(503, 'busy', [('Retry-After', '999999')])
        if mode == 'retry-short':
            return self.send(503, 'busy', [('Retry-After', '1')])
        if mode == 'retry-garbage':
            return self.send(429, 'slow down', [('Retry-After', '-1e309, soon')])
        with lock:
            return self.route(mode, url.path, body)

    # Called with the lock held.
    def route(self, mode, path, body):
        text = body.decode('utf-8', 'replace')
        if mode == 'debug-log':
            mode = 'normal'
        if mode == 'put-no-etag' and self.command != 'PUT':
            mode = 'normal'
        m = re.match(r'redirect-(disc|report)-(other|same|loop)-(\d+)$', mode)
        if m:
            kind, where, code = m.group(1), m.group(2), int(m.group(3))
            hit = ((kind == 'disc' and self.command == 'PROPFIND') or
                   (kind == 'report' and self.command == 'REPORT'))
            if hit and not path.startswith('/moved'):
                if where == 'other':
                    return self.send(code, '', [('Location', self.other + self.path)])
                if where == 'loop':
                    return self.send(code, '', [('Location', '/loop/a' if path != '/loop/a' else '/loop/b')])
            if hit and where == 'same' and not path.startswith('/moved'):
                return self.send(code, '', [('Location', '/moved' + path)])
            if path.startswith('/moved'):
                state['moved'] = state.get('moved', 0) + 1
                path = path[len('/moved'):]
        if mode == 'redirect-loop-wellknown' and path in ('/.well-known/carddav', '/loop/a', '/loop/b'):
            return self.send(302, '', [('Location', '/loop/b' if path == '/loop/a' else '/loop/a')])

        if path == '/.well-known/carddav':
            return self.send(301, '', [('Location', '/dav/')])
        if self.command == 'PROPFIND':
            return self.propfind(mode, path)
        if self.command == 'REPORT':
            if 'sync-collection' in text:
                return self.sync_collection(mode, path, text)
            if 'addressbook-multiget' in text:
                return self.multiget(mode, path, text)
            return self.send(400, 'unknown report')
        if self.command == 'GET':
            card = cards.get(path)
            if card is None:
                return self.send(404, 'no')
            return self.send(200, card[1], [('ETag', card[0])], ctype='text/vcard; charset=utf-8')
        if self.command == 'PUT':
            return self.put(mode, path, body)
        if self.command == 'DELETE':
            state['deletes'] += 1
            if cards.pop(path, None) is None:
                return self.send(404, 'no')
            generation[0] += 1
            return self.send(204)
        return self.send(405, 'no')

    def propfind(self, mode, path):
        depth = self.headers.get('Depth', '0')
        if path == BOOK or path == BOOK.rstrip('/'):
            parts = [resp(BOOK, collection_props(BOOK))]
            if depth == '1':
                parts += [resp(h, '<D:getetag>%s</D:getetag><D:resourcetype/>' % c[0])
                          for h, c in sorted(cards.items())]
            return self.send(207, ms(parts))
        if path == HOME and depth == '1':
            return self.send(207, ms([resp(HOME, collection_props(HOME)),
                                      resp(BOOK, collection_props(BOOK))]))
        return self.send(207, ms([resp(path, collection_props(path))]))

    def sync_collection(self, mode, path, text):
        if path != BOOK:
            return self.send(404, 'no')
        if mode == 'entity-bomb':
            return self.send(207, billion_laughs())
        if mode == 'xxe':
            return self.send(207, xxe())
        if mode == 'deep-nest':
            depth = 10000
            return self.send(207, XML_HEAD + '<D:multistatus %s>' % NS + '<D:x>' * depth +
                             '</D:x>' * depth + '</D:multistatus>')
        if mode == 'gigabyte':
            return self.send_chunked(gigabyte_chunks())
        if mode == 'slowloris':
            def drip():
                for b in ms([resp(h, '<D:getetag>%s</D:getetag>' % c[0])
                             for h, c in sorted(cards.items())], 'http://t/slow').encode():
                    yield bytes([b])
            # Without the lock: one byte a second.
            lock.release()
            try:
                self.send_chunked(drip(), delay=1.0)
            finally:
                lock.acquire()
            return
        if mode == 'endless-507':
            state['token_rounds'] += 1
            n = state['token_rounds']
            parts = [resp(BOOK + 'trunc-%d.vcf' % n, '<D:getetag>"t%d"</D:getetag>' % n),
                     resp(BOOK, own_status='HTTP/1.1 507 Insufficient Storage')]
            return self.send(207, ms(parts, 'http://t/trunc-%d' % n))
        if mode == 'token-lost-empty':
            # The server lost its data: every token refused, the book empty.
            if re.search(r'<(?:\w+:)?sync-token>[^<]+<', text):
                return self.send(403, XML_HEAD + '<D:error xmlns:D="DAV:"><D:valid-sync-token/>'
                                 '</D:error>')
            return self.send(207, ms([], 'http://t/lost'))
        if mode == 'all-tombstones':
            return self.send(207, ms([resp(h, own_status='HTTP/1.1 404 Not Found')
                                      for h in sorted(cards)], 'http://t/tomb-%d' % generation[0]))
        if mode == 'token-stuck':
            # Same token, always "changed": every etag new each time.
            state['token_rounds'] += 1
            n = state['token_rounds']
            return self.send(207, ms([resp(h, '<D:getetag>"stuck-%d-%s"</D:getetag>' % (n, h[-6:]))
                                      for h in sorted(cards)], 'http://t/stuck'))
        if mode == 'other-origin-href':
            parts = [resp(self.other + BOOK + 'far-%d.vcf' % i, '<D:getetag>"far%d"</D:getetag>' % i)
                     for i in range(3)]
            parts += [resp(h, '<D:getetag>%s</D:getetag>' % c[0]) for h, c in sorted(cards.items())]
            return self.send(207, ms(parts, 'http://t/other-%d' % generation[0]))
        if mode == 'bad-hrefs':
            parts = [resp(h, '<D:getetag>"bad%d"</D:getetag>' % i) for i, h in enumerate(BAD_HREFS)]
            parts += [resp(h, '<D:getetag>%s</D:getetag>' % c[0]) for h, c in sorted(cards.items())]
            return self.send(207, ms(parts, 'http://t/bad-%d' % generation[0]))
        if mode in BAD_CARD_MODES or mode in ('etag-missing', 'etag-huge'):
            extra = [BOOK + 'bad-%s.vcf' % mode]
            parts = [resp(h, self.etag_prop(mode, h, c[0])) for h, c in sorted(cards.items())]
            parts += [resp(h, self.etag_prop(mode, h, '"bad"')) for h in extra]
            return self.send(207, ms(parts, 'http://t/%s' % mode))
        # Honest: everything with a token naming the generation.
        parts = [resp(h, '<D:getetag>%s</D:getetag>' % c[0]) for h, c in sorted(cards.items())]
        return self.send(207, ms(parts, 'http://t/%d' % generation[0]))

    def etag_prop(self, mode, href, etag):
        if mode == 'etag-missing':
            return ''
        if mode == 'etag-huge':
            return '<D:getetag>"%s"</D:getetag>' % ('e' * (1 << 20))
        return '<D:getetag>%s</D:getetag>' % etag

    def multiget(self, mode, path, text):
        hrefs = [urllib.parse.unquote(h, errors='surrogateescape') for h in re.findall(r'<(?:\w+:)?href>([^<]*)</', text)]
        parts = []
        state.setdefault('multiget', []).extend(h[:100] for h in hrefs)
        for href in hrefs:
            data = None
            etag = '"x"'
            if href in cards:
                etag, data = cards[href]
            elif href in BAD_HREFS_DECODED:
                n = BAD_HREFS_DECODED.index(href)
                # A long name in the book is a name; the others are attacks.
                data = vcard(900 + n, 'long-href@dav.test' if 'long-' in href else
                             'evil-href%d@evil.test' % n)
            elif mode in ('etag-missing', 'etag-huge') and href.startswith(BOOK + 'bad-'):
                data = vcard(800, 'etag-odd@dav.test')   # a good card, an odd etag
            elif href.startswith(BOOK + 'bad-') or mode == 'other-origin-href':
                data = BAD_CARD_MODES.get(mode, lambda: vcard(900, 'evil-%d@evil.test' % len(parts)))()
            if data is None:
                parts.append(resp(href, own_status='HTTP/1.1 404 Not Found'))
                continue
            if mode == 'big-card' and href == BOOK + 'bad-big-card.vcf':
                return self.send_big_multiget(parts, href)
            if mode == 'etag-missing':
                props = ''
            elif mode == 'etag-huge':
                props = '<D:getetag>"%s"</D:getetag>' % ('e' * (1 << 20))
            else:
                props = '<D:getetag>%s</D:getetag>' % etag
            content = data.decode('utf-8', 'surrogateescape')
            props += '<C:address-data>%s</C:address-data>' % esc(content)
            parts.append(resp(urllib.parse.quote(href, safe='/:@'), props))
        return self.send(207, ms(parts))

    def send_big_multiget(self, parts, href):
        """A multiget answer holding one card of 50 MB, streamed."""
        def chunks():
            yield (ms(parts)[:-len('</D:multistatus>')]).encode()
            yield ('<D:response><D:href>%s</D:href><D:propstat><D:prop><D:getetag>"big"</D:getetag>'
                   '<C:address-data>BEGIN:VCARD\r\nVERSION:3.0\r\nUID:big\r\nEMAIL:big@evil.test\r\n'
                   'NOTE:' % href).encode()
            line = b'x' * (1 << 20)
            for _ in range(50):
                yield line
            yield (b'\r\nEND:VCARD\r\n</C:address-data></D:prop><D:status>HTTP/1.1 200 OK'
                   b'</D:status></D:propstat></D:response></D:multistatus>')
        return self.send_chunked(chunks())

    def put(self, mode, path, body):
        state['puts'] += 1
        if self.headers.get('If-Match') is None and self.headers.get('If-None-Match') != '*':
            state['blind_puts'] += 1
        if mode == 'put-412':
            return self.send(412, 'precondition failed')
        current = cards.get(path)
        if self.headers.get('If-None-Match') == '*' and current is not None:
            return self.send(412, 'exists')
        if_match = self.headers.get('If-Match')
        if if_match is not None and (current is None or current[0] != if_match):
            return self.send(412, 'changed')
        generation[0] += 1
        etag = '"w%d"' % generation[0]
        cards[path] = [etag, body]
        if mode == 'put-no-etag':
            return self.send(201 if current is None else 204, b'')
        return self.send(201 if current is None else 204, b'', [('ETag', etag)])

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_POST = handle_any


# Hrefs that try to leave the book or to smuggle bytes (bad-hrefs mode).
BAD_HREFS = [
    BOOK + '../escaped-1.vcf',
    BOOK + '%2e%2e/escaped-2.vcf',
    BOOK + '%2E%2E/%2e%2e/escaped-3.vcf',
    BOOK + 'a%2Fb.vcf',
    BOOK + 'nul%00x.vcf',
    BOOK + 'bad%FFutf8.vcf',
    BOOK + 'long-' + 'x' * 100000 + '.vcf',
    '/etc/passwd',
]
BAD_HREFS_DECODED = [urllib.parse.unquote(h, errors='surrogateescape') for h in BAD_HREFS]

# Cards that are broken each in their own way, by mode.
BAD_CARD_MODES = {
    'card-bad-utf8': lambda: b'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bad\r\nFN:Ren\xe9\xff\r\n'
                             b'EMAIL:bad-utf8@evil.test\r\nEND:VCARD\r\n',
    'card-nul': lambda: b'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nul\r\nFN:A\x00B\r\n'
                        b'EMAIL:nul\x00x@evil.test\r\nEND:VCARD\r\n',
    'card-no-end': lambda: b'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:noend\r\nFN:No End\r\n'
                           b'EMAIL:noend@evil.test\r\n',
    'card-many-emails': lambda: (b'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:many\r\nFN:Many\r\n' +
                                 b''.join(b'EMAIL:m%06d@evil.test\r\n' % i for i in range(100000)) +
                                 b'END:VCARD\r\n'),
    'card-not-vcard': lambda: b'<html><body>Not a card</body></html>',
    'big-card': lambda: b'',
}


class Elsewhere(BaseHTTPRequestHandler):
    """The other origin: records whether credentials arrived."""
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)
        with lock:
            state['elsewhere_requests'] += 1
            if self.headers.get('Authorization') is not None:
                state['auth_elsewhere'] = True
        body = (XML_HEAD + '<D:multistatus xmlns:D="DAV:"/>').encode()
        self.send_response(207)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_POST = handle_any


def main():
    Dav.user, Dav.password = sys.argv[1], sys.argv[2]
    reset_cards()
    dav = ThreadingHTTPServer(('127.0.0.1', 0), Dav)
    try:
        elsewhere = ThreadingHTTPServer(('127.0.0.2', 0), Elsewhere)
        other_host = '127.0.0.2'
    except OSError:
        elsewhere = ThreadingHTTPServer(('127.0.0.1', 0), Elsewhere)
        other_host = '127.0.0.1'
    dav.daemon_threads = elsewhere.daemon_threads = True
    Dav.other = 'http://%s:%d' % (other_host, elsewhere.server_address[1])
    for server in (dav, elsewhere):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print('http://127.0.0.1:%d/ %s' % (dav.server_address[1], Dav.other), flush=True)

    watcher = threading.Thread(target=sys.stdin.read, daemon=True)
    watcher.start()
    watcher.join(LIFETIME)
    dav.shutdown()
    elsewhere.shutdown()


if __name__ == '__main__':
    main()
