# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Mailchimp (see e2e.py for the interface):
members of the simulated Mailchimp's first audience through its own
Marketing API 3.0, as a person's other tools would change them. A member's
id is its subscriber hash (MD5 of the lower-cased address); merge fields
are found by their name in /lists/{id}/merge-fields and written under
their tag. The connection names the audience (`ACCOUNT:LIST_ID`): the
account has two, and `connection add` refuses to guess.

extra_checks() adds the status protection end to end: an unsubscribe on
either side reaches the other (Elastic Email through its unsubscribe
endpoint, Mailchimp by status), a contact unsubscribed on one side is
created unsubscribed on the other, and a later edit never re-subscribes."""

import base64
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request

CANONICAL_TAGS = {'FNAME': 'first_name', 'LNAME': 'last_name', 'PHONE': 'phone',
                  'COMPANY': 'company'}


class Driver:
    app_id = 'mailchimp'
    # <32 hex>-<data centre>; a wrong one (last character changed) still has
    # a data centre's form, so the form passes it and Mailchimp refuses it.
    secret = '7c1e9a3b5d2f4a6c8e0b1d3f5a7c9e1b-us6'
    # A text merge field every simulated account has (--generate makes
    # city, Company, Plan and Age), named as Elastic Email's.
    custom_field = 'city'
    # The members page, for the malformed-page check.
    page_glob = 'GET /3.0/lists/*/members'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._list = None
        self._tags = None

    def options(self, base_url):
        return {}

    def contact_type(self, base_url, secret):
        # The account has two audiences (--generate fills the first, the
        # second is empty), so `connection add` must be told which: the
        # first, by the id the API lists it under.
        self.base_url, self.secret = base_url.rstrip('/'), secret
        return self.list_id()

    # -- the API ------------------------------------------------------------

    def _call(self, method, path, body=None):
        auth = base64.b64encode(('e2e:' + self.secret).encode()).decode()
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'Authorization': 'Basic ' + auth,
                                              'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                text = answer.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError('Mailchimp refused %s %s: %s' % (method, path, e.read().decode()))
        return json.loads(text) if text.strip() else None

    @staticmethod
    def hash(email):
        return hashlib.md5(email.strip().lower().encode()).hexdigest()

    def list_id(self):
        if self._list is None:
            self._list = self._call('GET', '/lists?count=10')['lists'][0]['id']
        return self._list

    def _merge_tags(self):
        """Merge field name → tag."""
        if self._tags is None:
            doc = self._call('GET', '/lists/%s/merge-fields?count=1000' % self.list_id())
            self._tags = {f['name']: f['tag'] for f in doc['merge_fields']}
        return self._tags

    def _member_path(self, id):
        return '/lists/%s/members/%s' % (self.list_id(), id)

    def members(self, status=None):
        out, offset = [], 0
        while True:
            query = 'count=1000&offset=%d' % offset + ('&status=' + status if status else '')
            doc = self._call('GET', '/lists/%s/members?%s' % (self.list_id(), query))
            out += doc['members']
            offset += len(doc['members'])
            if not doc['members'] or offset >= doc['total_items']:
                return out

    def _canonical(self, member):
        names = {tag: name for name, tag in self._merge_tags().items()}
        merge = member.get('merge_fields') or {}
        out = {'id': member['id'], 'email': member['email_address'], 'status': member['status'],
               'first_name': None, 'last_name': None, 'phone': None, 'company': None,
               'custom': {}}
        for tag, value in merge.items():
            if value in ('', None):
                continue
            if tag in CANONICAL_TAGS:
                out[CANONICAL_TAGS[tag]] = value
            elif tag in names and not isinstance(value, dict):
                out['custom'][names[tag]] = value
        return out

    # -- the driver interface -----------------------------------------------

    def create(self, email, first_name, last_name, custom=None, status='subscribed'):
        merge = {}
        if first_name is not None:
            merge['FNAME'] = first_name
        if last_name is not None:
            merge['LNAME'] = last_name
        for name, value in (custom or {}).items():
            merge[self._merge_tags()[name]] = value
        body = {'email_address': email, 'status_if_new': status, 'merge_fields': merge}
        return self._call('PUT', self._member_path(self.hash(email)), body)['id']

    def all(self):
        return [self._canonical(m) for m in self.members()]

    def get(self, email):
        found = [m for m in self.all() if (m['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        body, merge = {}, {}
        tags = {v: k for k, v in CANONICAL_TAGS.items()}
        for key, value in fields.items():
            if key == 'custom':
                for name, v in value.items():
                    merge[self._merge_tags()[name]] = v
            elif key in tags:
                merge[tags[key]] = value
            elif key in ('email', 'status'):
                body[key if key == 'status' else 'email_address'] = value
            else:
                raise ValueError('the Mailchimp driver does not write %s' % key)
        if merge:
            body['merge_fields'] = merge
        self._call('PATCH', self._member_path(id), body)

    # -- status protection, end to end --------------------------------------

    def extra_checks(self, t):
        """t: check(name, cond, detail), sync() -> (process, doc), ee (the
        Elastic Email driver), ee_mock, app_mock, figures."""
        ee, check, sync = t.ee, t.check, t.sync

        def ee_status(email):
            contact = ee._call('GET', '/contacts/' + urllib.parse.quote(email, safe='@'))
            return (contact or {}).get('Status')

        # 1. An unsubscribe in Mailchimp reaches Elastic Email, through its
        # unsubscribe endpoint (the only way its API changes a status).
        carol = self.get('carol.e2e@example.com')
        self.update(carol['id'], status='unsubscribed')
        for m in (t.ee_mock, t.app_mock):
            m.command('reset')
        p, doc = sync()
        (_, wa), _ = t.ee_mock.count(), t.app_mock.count()
        check('status: an unsubscribe in Mailchimp reaches Elastic Email (Carol: %s there, '
              '%d Elastic Email write(s))' % (ee_status('carol.e2e@example.com'), wa),
              p.returncode == 0 and ee_status('carol.e2e@example.com') == 'Unsubscribed' and wa >= 1,
              p.stderr[-300:])

        # 2. An unsubscribe in Elastic Email reaches Mailchimp as the status.
        ee._call('POST', '/suppressions/unsubscribes', ['bob.e2e@example.com'])
        p, doc = sync()
        bob = self.get('bob.e2e@example.com') or {}
        check('status: an unsubscribe in Elastic Email reaches Mailchimp (Bob: %s)' %
              bob.get('status'), p.returncode == 0 and bob.get('status') == 'unsubscribed',
              p.stderr[-300:])

        # 3. A contact unsubscribed on one side is never created subscribed
        # on the other.
        ee._call('POST', '/contacts', [{'Email': 'dan.e2e@example.com', 'FirstName': 'Dan',
                                        'Status': 'Unsubscribed'}])
        self.create('eve.e2e@example.com', 'Eve', 'Mc-unsub', status='unsubscribed')
        p, doc = sync()
        dan = self.get('dan.e2e@example.com') or {}
        eve_status = ee_status('eve.e2e@example.com') if ee.get('eve.e2e@example.com') else None
        check('status: unsubscribed in Elastic Email, created unsubscribed in Mailchimp '
              '(Dan: %s)' % dan.get('status'),
              p.returncode in (0, 4) and dan.get('status') == 'unsubscribed', p.stderr[-300:])
        check('status: unsubscribed in Mailchimp, never created subscribed in Elastic Email '
              '(Eve: %s)' % eve_status, eve_status in (None, 'Unsubscribed'), p.stderr[-300:])

        # 4. Later edits on both sides never re-subscribe.
        ee.update('carol.e2e@example.com', first_name='Caroline')
        self.update(bob['id'], last_name='Later')
        p, doc = sync()
        carol, bob = self.get('carol.e2e@example.com') or {}, self.get('bob.e2e@example.com') or {}
        check('status: later edits cross but never re-subscribe (Carol %s/%s, Bob %s/%s)' %
              (carol.get('first_name'), carol.get('status'), bob.get('last_name'),
               ee_status('bob.e2e@example.com')),
              p.returncode in (0, 4) and carol.get('first_name') == 'Caroline' and
              carol.get('status') == 'unsubscribed' and
              ee_status('carol.e2e@example.com') == 'Unsubscribed' and
              bob.get('status') == 'unsubscribed' and
              ee_status('bob.e2e@example.com') == 'Unsubscribed' and
              (ee.get('bob.e2e@example.com') or {}).get('last_name') == 'Later',
              p.stderr[-300:] + ' %r %r' % (carol, bob))

        # 5. A Mailchimp member who resubscribes can only do so through
        # Mailchimp's own opt-in: the API refuses it, and a run after all
        # this writes nothing.
        try:
            self.update(bob['id'], status='subscribed')
            refused = False
        except RuntimeError as e:
            refused = 'Member In Compliance State' in str(e)
        for m in (t.ee_mock, t.app_mock):
            m.command('reset')
        p, doc = sync()
        (_, wa), (_, wb) = t.ee_mock.count(), t.app_mock.count()
        t.figures.append('status runs: last one %d/%d writes' % (wa, wb))
        check('status: the API refuses re-subscribing an unsubscribed member, and the next run '
              'writes nothing (writes: Elastic Email %d, Mailchimp %d)' % (wa, wb),
              refused and p.returncode in (0, 4) and wa == 0 and wb == 0, p.stderr[-300:])
