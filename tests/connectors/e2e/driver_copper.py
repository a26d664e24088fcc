# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Copper (see e2e.py for the interface): people
through the simulated Copper's own API (copper.json served by the
described mock), as a person's other tools would change them. Every call
carries the three X-PW headers; listing is POST /people/search by page
number until a short page; custom fields are found by name in
/custom_field_definitions and written by definition id."""

import json
import time
import urllib.error
import urllib.request

OWNER = 'owner@example.com'


def _open(req):
    """urlopen, waiting out the app's 429s as any client must (Retry-After,
    else a second), a few times."""
    for attempt in range(8):
        try:
            return urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == 7:
                raise
            time.sleep(float(e.headers.get('Retry-After') or 1))


class Driver:
    app_id = 'copper'
    secret = 'e2e-copper-token-6d2f0a9c'
    # A String custom field every simulated account has, named as Elastic
    # Email's, so the automatic mapping can pair them.
    custom_field = 'city'
    # The people search, for the malformed-page check.
    page_glob = 'POST /developer_api/v1/people/search'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._ids = None

    def options(self, base_url):
        # The key owner's email goes in X-PW-UserEmail.
        return {'user_email': OWNER}

    def contact_type(self, base_url, secret):
        return 'people'

    def _call(self, method, path, body=None):
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'X-PW-AccessToken': self.secret,
                                              'X-PW-Application': 'developer_api',
                                              'X-PW-UserEmail': OWNER,
                                              'Content-Type': 'application/json'})
        with _open(req) as answer:
            return json.loads(answer.read().decode())

    def _field_ids(self):
        """Custom field name → definition id."""
        if self._ids is None:
            self._ids = {d['name']: d['id'] for d in self._call('GET', '/custom_field_definitions')
                         if 'person' in (d.get('available_on') or [])}
        return self._ids

    def _custom_body(self, custom):
        ids = self._field_ids()
        return [{'custom_field_definition_id': ids[name], 'value': value}
                for name, value in custom.items()]

    def _canonical(self, person):
        names = {i: name for name, i in self._field_ids().items()}
        emails = person.get('emails') or []
        phones = person.get('phone_numbers') or []
        return {
            'id': person['id'],
            'email': emails[0]['email'] if emails else None,
            'first_name': person.get('first_name') or None,
            'last_name': person.get('last_name') or None,
            'phone': phones[0]['number'] if phones else None,
            'company': person.get('company_name') or None,
            'custom': {names[c['custom_field_definition_id']]: c['value']
                       for c in person.get('custom_fields') or []
                       if c.get('custom_field_definition_id') in names and c.get('value') is not None},
        }

    def create(self, email, first_name, last_name, custom=None):
        body = {'emails': [{'email': email, 'category': 'work'}]}
        if first_name is not None:
            body['first_name'] = first_name
        if last_name is not None:
            body['last_name'] = last_name
        if first_name is None and last_name is None:
            body['name'] = email
        if custom:
            body['custom_fields'] = self._custom_body(custom)
        return self._call('POST', '/people', body)['id']

    def all(self):
        out, page = [], 1
        while True:
            people = self._call('POST', '/people/search', {'page_size': 200, 'page_number': page})
            out += people
            if len(people) < 200:
                return [self._canonical(p) for p in out]
            page += 1

    def get(self, email):
        found = [p for p in self.all() if (p['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        body = {}
        for key, value in fields.items():
            if key == 'custom':
                body['custom_fields'] = self._custom_body(value)
            elif key in ('first_name', 'last_name'):
                body[key] = value
            elif key == 'email':
                body['emails'] = [{'email': value, 'category': 'work'}]
            elif key == 'phone':
                body['phone_numbers'] = [{'number': value, 'category': 'work'}]
            elif key == 'company':
                body['company_name'] = value
            else:
                raise ValueError('the Copper driver does not write %s' % key)
        self._call('PUT', '/people/%d' % int(id), body)
