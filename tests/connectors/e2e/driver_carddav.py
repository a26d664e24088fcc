# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of CardDAV (see e2e.py for the interface): cards
in the simulated server's address book, through plain WebDAV requests
(PROPFIND, GET, PUT with If-Match) as another CardDAV client would send
them. A contact's id is its card's path; the custom field is an X-
property of the card. The account's address is the server's root, so
`account add` runs the whole discovery (well-known, principal, home)."""

import base64
import re
import urllib.parse
import urllib.request
import uuid

BOOK = '/dav/addressbooks/alice/contacts/'


def _unescape(value):
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == '\\' and i + 1 < len(value):
            nxt = value[i + 1]
            out.append('\n' if nxt in 'nN' else nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def _escape(value):
    return (value.replace('\\', '\\\\').replace(',', '\\,').replace(';', '\\;')
            .replace('\n', '\\n'))


def _split(value, sep):
    """Splits on @sep not escaped by a backslash."""
    parts, cur, i = [], [], 0
    while i < len(value):
        c = value[i]
        if c == '\\' and i + 1 < len(value):
            cur.append(value[i:i + 2])
            i += 2
            continue
        if c == sep:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append(''.join(cur))
    return parts


def _lines(text):
    """The card's logical lines (unfolded), as (name, params, value)."""
    out = []
    for line in re.sub(r'\r?\n[ \t]', '', text).splitlines():
        if ':' not in line:
            continue
        head, value = line.split(':', 1)
        parts = head.split(';')
        name = parts[0].split('.')[-1].upper()
        out.append((name, [p.upper() for p in parts[1:]], value))
    return out


class Driver:
    app_id = 'carddav'
    secret = 'e2e-dav-pass-7d2b9c'
    base_url_option = 'url'
    custom_field = 'X-CITY'
    page_glob = 'REPORT *'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret

    def options(self, base_url):
        return {'username': 'alice'}

    def contact_type(self, base_url, secret):
        # The book by its display name, as a person types it.
        return 'Contacts'

    def _call(self, method, path, body=None, headers=None):
        auth = base64.b64encode(('alice:' + self.secret).encode()).decode()
        all_headers = {'Authorization': 'Basic ' + auth}
        all_headers.update(headers or {})
        req = urllib.request.Request(self.base_url + urllib.parse.quote(path), method=method,
                                     data=None if body is None else body.encode(),
                                     headers=all_headers)
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.read().decode(), answer.headers.get('ETag')

    def _hrefs(self):
        text, _ = self._call('PROPFIND', BOOK,
                             '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/>'
                             '</prop></propfind>',
                             {'Depth': '1', 'Content-Type': 'application/xml'})
        return [urllib.parse.unquote(h) for h in re.findall(r'<d:href>([^<]+\.vcf)</d:href>', text)]

    def _canonical(self, href, text):
        contact = {'id': href, 'email': None, 'first_name': None, 'last_name': None,
                   'phone': None, 'company': None, 'custom': {}}
        for name, params, value in _lines(text):
            if name == 'EMAIL' and (contact['email'] is None or any('PREF' in p for p in params)):
                contact['email'] = _unescape(value)
            elif name == 'N':
                parts = _split(value, ';') + ['', '']
                contact['last_name'] = _unescape(parts[0]) or None
                contact['first_name'] = _unescape(parts[1]) or None
            elif name == 'TEL' and contact['phone'] is None:
                contact['phone'] = _unescape(value)
            elif name == 'ORG':
                contact['company'] = _unescape(_split(value, ';')[0]) or None
            elif name.startswith('X-'):
                contact['custom'][name] = _unescape(value)
        return contact

    def create(self, email, first_name, last_name, custom=None):
        uid = str(uuid.uuid4())
        first, last = first_name or '', last_name or ''
        fn = (first + ' ' + last).strip() or email
        lines = ['BEGIN:VCARD', 'VERSION:3.0', 'UID:' + uid, 'FN:' + _escape(fn),
                 'N:%s;%s;;;' % (_escape(last), _escape(first)), 'EMAIL;TYPE=INTERNET:' + email]
        for name, value in (custom or {}).items():
            lines.append('%s:%s' % (name, _escape(value)))
        lines.append('END:VCARD')
        href = BOOK + uid + '.vcf'
        self._call('PUT', href, '\r\n'.join(lines) + '\r\n',
                   {'Content-Type': 'text/vcard; charset=utf-8', 'If-None-Match': '*'})
        return href

    def all(self):
        out = []
        for href in self._hrefs():
            text, _ = self._call('GET', href)
            out.append(self._canonical(href, text))
        return out

    def get(self, email):
        found = [c for c in self.all() if (c['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        text, etag = self._call('GET', id)
        current = self._canonical(id, text)
        lines = re.sub(r'\r?\n[ \t]', '', text).splitlines()
        custom = fields.pop('custom', None) or {}
        for key in fields:
            if key not in ('first_name', 'last_name', 'email', 'phone'):
                raise ValueError('the CardDAV driver does not write %s' % key)
        first = fields.get('first_name', current['first_name']) or ''
        last = fields.get('last_name', current['last_name']) or ''
        out = []
        for line in lines:
            name = line.split(':', 1)[0].split(';')[0].split('.')[-1].upper()
            if name == 'END' and line.upper().startswith('END:VCARD'):
                if 'phone' in fields and current['phone'] is None:
                    out.append('TEL;TYPE=WORK:' + _escape(fields['phone']))
                for cname, value in custom.items():
                    if cname not in current['custom']:
                        out.append('%s:%s' % (cname, _escape(value)))
                out.append(line)
            elif name == 'N' and ('first_name' in fields or 'last_name' in fields):
                out.append('N:%s;%s;;;' % (_escape(last), _escape(first)))
            elif name == 'FN' and ('first_name' in fields or 'last_name' in fields):
                out.append('FN:' + _escape((first + ' ' + last).strip()))
            elif name == 'EMAIL' and 'email' in fields:
                out.append('EMAIL;TYPE=INTERNET:' + fields['email'])
            elif name == 'TEL' and 'phone' in fields:
                out.append('TEL;TYPE=WORK:' + _escape(fields['phone']))
            elif name in custom:
                out.append('%s:%s' % (name, _escape(custom[name])))
            else:
                out.append(line)
        self._call('PUT', id, '\r\n'.join(out) + '\r\n',
                   {'Content-Type': 'text/vcard; charset=utf-8', 'If-Match': etag})
