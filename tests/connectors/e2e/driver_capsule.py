# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Capsule CRM (see e2e.py for the interface):
persons through the simulated Capsule's own API (capsule.json served by
the described mock), as a person's other tools would change them. A
bearer token; /parties pages followed through their Link headers, persons
only; writes wrap the party; custom fields by definition name, written by
definition id."""

import json
import time
import urllib.error
import re
import urllib.request


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
    app_id = 'capsule'
    secret = 'e2e-capsule-token-4e7a3b18'
    # A text custom field every simulated account has.
    custom_field = 'city'
    # The parties page, for the malformed-page check.
    page_glob = 'GET /api/v2/parties'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._ids = None

    def options(self, base_url):
        return {}

    def contact_type(self, base_url, secret):
        return 'persons'

    def _request(self, method, url, body=None):
        req = urllib.request.Request(url, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'Authorization': 'Bearer ' + self.secret,
                                              'Content-Type': 'application/json'})
        with _open(req) as answer:
            return json.loads(answer.read().decode()), answer.headers.get('Link')

    def _call(self, method, path, body=None):
        return self._request(method, self.base_url + path, body)[0]

    def _field_ids(self):
        """Custom field name → definition id."""
        if self._ids is None:
            doc = self._call('GET', '/parties/fields/definitions')
            self._ids = {d['name']: d['id'] for d in doc['definitions']}
        return self._ids

    def _fields_body(self, custom):
        ids = self._field_ids()
        return [{'definition': {'id': ids[name]}, 'value': value} for name, value in custom.items()]

    def _canonical(self, party):
        names = {i: name for name, i in self._field_ids().items()}
        emails = party.get('emailAddresses') or []
        phones = party.get('phoneNumbers') or []
        organisation = party.get('organisation') or {}
        return {
            'id': party['id'],
            'email': emails[0]['address'] if emails else None,
            'first_name': party.get('firstName') or None,
            'last_name': party.get('lastName') or None,
            'phone': phones[0]['number'] if phones else None,
            'company': organisation.get('name'),
            'custom': {names[f['definition']['id']]: f['value'] for f in party.get('fields') or []
                       if f.get('definition', {}).get('id') in names and f.get('value') is not None},
        }

    def create(self, email, first_name, last_name, custom=None):
        party = {'type': 'person', 'emailAddresses': [{'address': email, 'type': 'Work'}]}
        if first_name is not None:
            party['firstName'] = first_name
        if last_name is not None:
            party['lastName'] = last_name
        if first_name is None and last_name is None:
            party['firstName'] = email.split('@')[0]
        if custom:
            party['fields'] = self._fields_body(custom)
        return self._call('POST', '/parties', {'party': party})['party']['id']

    def all(self):
        out, url = [], self.base_url + '/parties?perPage=100&embed=fields'
        while url:
            doc, link = self._request('GET', url)
            out += [p for p in doc.get('parties') or [] if p.get('type') == 'person']
            match = re.search(r'<([^>]+)>;\s*rel="next"', link or '')
            url = match.group(1) if match else None
        return [self._canonical(p) for p in out]

    def get(self, email):
        found = [p for p in self.all() if (p['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        party = {}
        for key, value in fields.items():
            if key == 'custom':
                party['fields'] = self._fields_body(value)
            elif key == 'first_name':
                party['firstName'] = value
            elif key == 'last_name':
                party['lastName'] = value
            elif key == 'email':
                party['emailAddresses'] = [{'address': value, 'type': 'Work'}]
            elif key == 'phone':
                party['phoneNumbers'] = [{'number': value, 'type': 'Work'}]
            else:
                raise ValueError('the Capsule driver does not write %s' % key)
        self._call('PUT', '/parties/%d' % int(id), {'party': party})
