#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Interoperability of the vCard folder with Debian's vdirsyncer, through
`concord-cli`, a `concord-mock elasticemail` process and the Radicale of
the test session (INFRA_DAV_URL, as .ci/run starts it):

 (a) a folder Concord wrote (a sync from Elastic Email into an empty
     folder) is read by vdirsyncer as it is: a pair filesystem(Concord's
     folder) → filesystem(empty folder) copies every card byte for byte,
     and a pair → Radicale uploads every card;
 (b) a folder vdirsyncer wrote (from a Radicale address book seeded with
     cards holding unknown properties) is read by Concord: account add
     vcard-folder, a sync to the Elastic Email mock, counts and fields;
 (c) unknown properties survive a round trip through Concord byte for
     byte: a field changed on the Elastic Email side, synced back, changes
     only the mapped lines of the file; vdirsyncer then carries the edited
     card back to Radicale with its unknown properties.

Usage: test-vdirsyncer.py CONCORD_CLI CONCORD_MOCK
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, '..', '..', 'support'))
sys.path.insert(0, os.path.join(HERE, '..', 'e2e'))
import concordtest  # noqa: E402
from driver_elasticemail import Driver as ElasticEmail  # noqa: E402

CLI, MOCK = sys.argv[1], sys.argv[2]
EE_KEY = 'vds-ee-key-3f9a1c'
tap = concordtest.Tap()
check = tap.check

def fold(line):
    """@line folded at 75 octets (ASCII), with CRLF."""
    parts = [line[:75]] + [line[i:i + 74] for i in range(75, len(line), 74)]
    return '\r\n '.join(parts) + '\r\n'


# Cards as other apps write them: Apple's grouped labels, Evolution's and
# Google's own properties, a folded base64 PHOTO, escaped text, non-ASCII.
SEED_CARDS = [
    ('ada',
     'BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\nUID:ada-1\r\n'
     'FN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nEMAIL;TYPE=INTERNET,pref:ada@example.com\r\n'
     'item1.EMAIL;TYPE=INTERNET:ada.work@example.com\r\nitem1.X-ABLabel:_$!<Work>!$_\r\n'
     'X-EVOLUTION-FILE-AS:Lovelace\\, Ada\r\nX-SOCIALPROFILE;type=twitter:x-apple:ada\r\n'
     + fold('PHOTO;ENCODING=b;TYPE=JPEG:' + base64.b64encode(bytes(range(256)) * 2).decode()) +
     'NOTE:Analytical engine\\, notes\\; more\\nsecond line\r\nEND:VCARD\r\n'),
    ('zoe',
     'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:zoe-2\r\nFN:Zoë Müller\r\nN:Müller;Zoë;;;\r\n'
     'EMAIL:zoe@example.com\r\nTEL;TYPE=CELL:+44 20 7946 0018\r\nORG:Grüne Welle GmbH;Vertrieb\r\n'
     'X-GOOGLE-TALK:zoe@example.com\r\nX-CUSTOM;X-PARAM=odd:keep\\, me\r\nEND:VCARD\r\n'),
    ('li',
     'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:li-3\r\nFN:Li Wei\r\nN:Li;Wei;;;\r\n'
     'EMAIL;TYPE=WORK:li.wei@example.com\r\nCATEGORIES:vip,press\r\nX-MANAGER:Ada\r\nEND:VCARD\r\n'),
]


def dav_request(url, method, body=None, headers=None):
    user, password = os.environ['INFRA_DAV_USER'], os.environ['INFRA_DAV_PASS']
    auth = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    req = urllib.request.Request(url, method=method, data=body,
                                 headers=dict({'Authorization': 'Basic ' + auth}, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, answer.read().decode('utf-8', 'replace')
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace')


def make_book(name):
    url = urllib.parse.urljoin(os.environ['INFRA_DAV_URL'], '/%s/%s/' % (os.environ['INFRA_DAV_USER'], name))
    body = ('<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
            '<D:set><D:prop><D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>'
            '<D:displayname>%s</D:displayname></D:prop></D:set></D:mkcol>' % name).encode()
    status, text = dav_request(url, 'MKCOL', body, {'Content-Type': 'application/xml'})
    if status != 201:
        raise RuntimeError('MKCOL %s: %d %s' % (url, status, text[:200]))
    return url


def vdirsyncer(config, *args):
    env = dict(os.environ, VDIRSYNCER_CONFIG=config)
    return subprocess.run(['vdirsyncer'] + list(args), input='y\n' * 10, capture_output=True,
                          text=True, env=env, timeout=300)


def write_config(path, status, a, b):
    """A vdirsyncer configuration of one pair a → b, each a dict of a storage's options."""
    def storage(name, options):
        lines = ['[storage %s]' % name]
        for key, value in options.items():
            lines.append('%s = %s' % (key, json.dumps(value)))
        return '\n'.join(lines)

    with open(path, 'w') as f:
        f.write('[general]\nstatus_path = %s\n\n[pair p]\na = "a"\nb = "b"\ncollections = null\n'
                'conflict_resolution = "a wins"\n\n%s\n\n%s\n' %
                (json.dumps(status), storage('a', a), storage('b', b)))


def vcf_files(folder):
    """name → bytes of every card (*.vcf, not hidden) in @folder."""
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith('.vcf') and not name.startswith('.'):
            with open(os.path.join(folder, name), 'rb') as f:
                out[name] = f.read()
    return out


def unfolded_lines(data):
    """The logical lines of a card (folding undone)."""
    text = data.decode('utf-8').replace('\r\n', '\n')
    out = []
    for line in text.split('\n'):
        if line[:1] in (' ', '\t') and out:
            out[-1] += line[1:]
        elif line:
            out.append(line)
    return out


def main():
    if not concordtest.keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77
    if shutil.which('vdirsyncer') is None:
        check('vdirsyncer is installed (Debian package vdirsyncer; .ci/install-deps installs it)', False)
        return tap.finish()

    work = tempfile.mkdtemp(prefix='concord-vdirsyncer-')
    data = os.path.join(work, 'concord')
    env = dict(os.environ, GSETTINGS_BACKEND='memory', G_MESSAGES_DEBUG='')
    mock = None
    books = []

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=300)

    try:
        mock = concordtest.MockProcess(MOCK, 'elasticemail', '--api-key', EE_KEY)
        ee = ElasticEmail(mock.base_url, EE_KEY)
        p = cli('account', 'add', 'elasticemail', '--name', 'ee', '--option',
                'base_url=' + mock.base_url, stdin=EE_KEY + '\n')
        check('an Elastic Email account on the mock', p.returncode == 0, p.stderr)

        # (a) Concord writes a folder; vdirsyncer reads it as it is.
        written = os.path.join(work, 'written')
        os.mkdir(written)
        people = [('Ann', 'Lee', 'ann@example.com'), ('Émile', 'Zola', 'emile@example.com'),
                  ('Bob', "O'Brien, Jr.", 'bob@example.com'), ('Chen', 'Jing', 'chen@example.com')]
        for first, last, email in people:
            ee.create(email, first, last)
        p = cli('account', 'add', 'vcard-folder', '--name', 'written', '--option', 'path=' + written)
        q = cli('connection', 'add', 'a', '--a', 'ee', '--b', 'written')
        r = cli('sync', 'a', '--json')
        cards = vcf_files(written)
        check('(a) Concord writes %d cards into an empty folder (%d contacts in Elastic Email)' %
              (len(cards), len(people)),
              p.returncode == 0 and q.returncode == 0 and r.returncode == 0 and len(cards) == len(people),
              p.stderr + q.stderr + r.stdout[-300:] + r.stderr[-300:])

        copy = os.path.join(work, 'copy')
        os.mkdir(copy)
        config = os.path.join(work, 'vds-a.conf')
        write_config(config, os.path.join(work, 'status-a') + '/',
                     {'type': 'filesystem', 'path': written, 'fileext': '.vcf'},
                     {'type': 'filesystem', 'path': copy, 'fileext': '.vcf'})
        d = vdirsyncer(config, 'discover')
        s = vdirsyncer(config, 'sync')
        copied = vcf_files(copy)
        check('(a) vdirsyncer reads Concord\'s folder: %d of %d cards copied (exit %d), none refused' %
              (len(copied), len(cards), s.returncode),
              d.returncode == 0 and s.returncode == 0 and len(copied) == len(cards) and
              'error' not in s.stderr.lower(), d.stderr[-400:] + s.stderr[-400:])
        check('(a) every card arrives byte for byte',
              sorted(copied.values()) == sorted(cards.values()),
              'differ: %r' % sorted(set(copied.values()) ^ set(cards.values()))[:2])
        # vdirsyncer names a card by its UID: Concord's names are the same.
        check('(a) Concord names each card as vdirsyncer would (its UID + .vcf): %s' %
              ', '.join(sorted(cards))[:200], sorted(copied) == sorted(cards),
              '%r / %r' % (sorted(copied), sorted(cards)))

        # vdirsyncer's collection layout: each sub-folder an address book,
        # taken by `connection add` by its display name or its path.
        collections = os.path.join(work, 'collections')
        for sub, label in (('work', 'Work People'), ('home', None)):
            os.makedirs(os.path.join(collections, sub))
            if label:
                with open(os.path.join(collections, sub, 'displayname'), 'w') as f:
                    f.write(label + '\n')
        p = cli('account', 'add', 'vcard-folder', '--name', 'coll', '--option', 'path=' + collections)
        by_name = cli('connection', 'add', 'by-name', '--a', 'ee', '--b', 'coll:work people')
        by_path = cli('connection', 'add', 'by-path', '--a', 'ee', '--b',
                      'coll:' + os.path.join(collections, 'home'))
        wrong = cli('connection', 'add', 'wrong', '--a', 'ee', '--b', 'coll:Nowhere')
        shown = [cli('connection', 'show', n, '--json') for n in ('by-name', 'by-path')]
        shown_text = ' '.join(x.stdout for x in shown)
        check('a sub-folder is taken by its display name ("work people") or its path; an unknown '
              'one is refused, naming the address books there',
              p.returncode == 0 and by_name.returncode == 0 and by_path.returncode == 0 and
              wrong.returncode != 0 and 'work' in wrong.stderr and 'home' in wrong.stderr and
              '"work"' in shown[0].stdout and '"home"' in shown[1].stdout,
              p.stderr + by_name.stderr + by_path.stderr + wrong.stderr + shown_text[:400])

        dav = os.environ.get('INFRA_DAV_URL')
        if not check('INFRA_DAV_URL names the Radicale of the test session (.ci/run and '
                     'tools/in-session.sh start it)', bool(dav), 'INFRA_DAV_URL is not set'):
            return tap.finish()

        book_a = make_book('vds-a-%d' % os.getpid())
        books.append(book_a)
        config = os.path.join(work, 'vds-a2.conf')
        write_config(config, os.path.join(work, 'status-a2') + '/',
                     {'type': 'filesystem', 'path': written, 'fileext': '.vcf'},
                     {'type': 'carddav', 'url': book_a, 'username': os.environ['INFRA_DAV_USER'],
                      'password': os.environ['INFRA_DAV_PASS']})
        d = vdirsyncer(config, 'discover')
        s = vdirsyncer(config, 'sync')
        status, listing = dav_request(book_a, 'PROPFIND', b'<?xml version="1.0"?><D:propfind xmlns:D="DAV:">'
                                      b'<D:prop><D:getetag/></D:prop></D:propfind>', {'Depth': '1'})
        uploaded = listing.count('.vcf</')
        check('(a) vdirsyncer uploads Concord\'s folder to Radicale: %d of %d cards (exit %d)' %
              (uploaded, len(cards), s.returncode),
              d.returncode == 0 and s.returncode == 0 and status == 207 and uploaded == len(cards),
              d.stderr[-300:] + s.stderr[-300:] + listing[:300])

        # (b) vdirsyncer writes a folder from Radicale; Concord reads it.
        book_b = make_book('vds-b-%d' % os.getpid())
        books.append(book_b)
        for name, card in SEED_CARDS:
            status, text = dav_request(book_b + name + '.vcf', 'PUT', card.encode(),
                                       {'Content-Type': 'text/vcard; charset=utf-8', 'If-None-Match': '*'})
            if status not in (201, 204):
                raise RuntimeError('PUT %s: %d %s' % (name, status, text[:200]))
        local = os.path.join(work, 'local')
        os.mkdir(local)
        config_b = os.path.join(work, 'vds-b.conf')
        write_config(config_b, os.path.join(work, 'status-b') + '/',
                     {'type': 'carddav', 'url': book_b, 'username': os.environ['INFRA_DAV_USER'],
                      'password': os.environ['INFRA_DAV_PASS']},
                     {'type': 'filesystem', 'path': local, 'fileext': '.vcf'})
        d = vdirsyncer(config_b, 'discover')
        s = vdirsyncer(config_b, 'sync')
        from_vds = vcf_files(local)
        check('(b) vdirsyncer writes the Radicale book into a folder (%d cards, exit %d)' %
              (len(from_vds), s.returncode),
              d.returncode == 0 and s.returncode == 0 and len(from_vds) == len(SEED_CARDS),
              d.stderr[-300:] + s.stderr[-300:])

        before_ee = len(ee.all())
        p = cli('account', 'add', 'vcard-folder', '--name', 'local', '--option', 'path=' + local)
        q = cli('connection', 'add', 'b', '--a', 'ee', '--b', 'local')
        r = cli('sync', 'b', '--json')
        doc = json.loads(r.stdout) if r.returncode == 0 else {}
        after = {c['email']: c for c in ee.all()}
        check('(b) Concord reads vdirsyncer\'s folder: %s listed, %s created in Elastic Email' %
              (doc.get('b', {}).get('listed'), doc.get('a', {}).get('created')),
              p.returncode == 0 and q.returncode == 0 and r.returncode == 0 and
              doc.get('b', {}).get('listed') == len(SEED_CARDS) and
              len(after) == before_ee + len(SEED_CARDS),
              p.stderr + q.stderr + r.stdout[-300:] + r.stderr[-300:])
        expected = {'ada@example.com': ('Ada', 'Lovelace'), 'zoe@example.com': ('Zoë', 'Müller'),
                    'li.wei@example.com': ('Wei', 'Li')}
        got = {e: (after.get(e, {}).get('first_name'), after.get(e, {}).get('last_name')) for e in expected}
        check('(b) names and emails arrive right: %r' % got, got == expected, repr(got))

        # (c) A round trip: an edit in Elastic Email changes only the mapped lines.
        ada_name = [n for n, b in from_vds.items() if b'ada@example.com' in b][0]
        before_lines = unfolded_lines(from_vds[ada_name])
        ee.update('ada@example.com', first_name='Augusta Ada')
        r = cli('sync', 'b', '--json')
        with open(os.path.join(local, ada_name), 'rb') as f:
            after_bytes = f.read()
        after_lines = unfolded_lines(after_bytes)
        removed = [l for l in before_lines if l not in after_lines]
        added = [l for l in after_lines if l not in before_lines]
        mapped = all(l.split(':', 1)[0].split(';', 1)[0] in ('N', 'FN') for l in removed + added)
        check('(c) an edit in Elastic Email reaches the card, changing only its N/FN lines '
              '(removed %r, added %r)' % (removed, added),
              r.returncode == 0 and mapped and any('Augusta Ada' in l for l in added) and removed,
              r.stderr[-300:])
        # Byte for byte: every other physical line (folding included) is where it was.
        # (Radicale serves LF-only cards, and vdirsyncer keeps them so.)
        raw_before = from_vds[ada_name].split(b'\n')
        raw_after = after_bytes.split(b'\n')
        kept = [l for l in raw_before if l and not (l.startswith(b'N:') or l.startswith(b'FN:'))]
        check('(c) every other line of the card keeps its bytes, folded PHOTO included (%d lines)' %
              len(kept), all(l in raw_after for l in kept) and
              [l for l in raw_after if l in kept] == kept,
              repr([l for l in kept if l not in raw_after])[:300])
        quiet = cli('sync', 'b', '--json')
        qdoc = json.loads(quiet.stdout) if quiet.returncode == 0 else {}
        with open(os.path.join(local, ada_name), 'rb') as f:
            unchanged = f.read() == after_bytes
        check('(c) a second run changes nothing (updated %s/%s)' %
              (qdoc.get('a', {}).get('updated'), qdoc.get('b', {}).get('updated')),
              quiet.returncode == 0 and unchanged and qdoc.get('a', {}).get('updated') == 0 and
              qdoc.get('b', {}).get('updated') == 0, quiet.stderr[-300:])

        s = vdirsyncer(config_b, 'sync')
        status, served = dav_request(book_b + ada_name, 'GET')
        if status == 404:
            # vdirsyncer keeps the server's href, which may differ from the file's name.
            served = ''
            for name, _ in SEED_CARDS:
                st, text = dav_request(book_b + name + '.vcf', 'GET')
                if st == 200 and 'ada@example.com' in text:
                    status, served = st, text
        served_lines = unfolded_lines(served.encode())
        check('(c) vdirsyncer carries the edited card back to Radicale with its unknown properties',
              s.returncode == 0 and status == 200 and 'Augusta Ada' in served and
              all(any(l == x for x in served_lines) for l in before_lines
                  if l.startswith(('X-', 'item1.', 'PRODID'))),
              s.stderr[-300:] + served[:400])
    finally:
        for url in books:
            try:
                dav_request(url, 'DELETE')
            except Exception:  # noqa: BLE001
                pass
        if mock is not None:
            mock.stop()
        shutil.rmtree(work, ignore_errors=True)

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
