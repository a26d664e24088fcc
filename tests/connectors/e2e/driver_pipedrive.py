# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Pipedrive (see e2e.py for the interface):
persons through the simulated Pipedrive's own API (v2 persons and
organisations, v1 person fields), as a person's other tools would change
them. A person's id is Pipedrive's number; custom fields are found by
their name in /v1/personFields and written under their hash key."""

import json
import urllib.parse
import urllib.request


class Driver:
    app_id = 'pipedrive'
    secret = 'e2e-pd-token-4c8a1f6e2b'
    # A text (varchar) custom field every simulated account has, named as
    # Elastic Email's, so the automatic mapping can pair them.
    custom_field = 'city'
    # The persons page, for the malformed-page check.
    page_glob = 'GET /api/v2/persons'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._keys = None

    def options(self, base_url):
        return {}

    def contact_type(self, base_url, secret):
        # Pipedrive's one contact type (the CLI's default is "contacts").
        return 'persons'

    def _call(self, method, path, body=None):
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'x-api-token': self.secret,
                                              'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as answer:
            doc = json.loads(answer.read().decode())
        if not doc.get('success'):
            raise RuntimeError('Pipedrive refused %s %s: %r' % (method, path, doc))
        return doc

    def _pages(self, path):
        out, cursor = [], None
        while True:
            sep = '&' if '?' in path else '?'
            query = sep + 'limit=500' + ('&cursor=' + urllib.parse.quote(cursor) if cursor else '')
            doc = self._call('GET', path + query)
            out += doc.get('data') or []
            cursor = (doc.get('additional_data') or {}).get('next_cursor')
            if not cursor:
                return out

    def _field_keys(self):
        """Custom field name → hash key."""
        if self._keys is None:
            keys, start = {}, 0
            while True:
                doc = self._call('GET', '/v1/personFields?start=%d&limit=500' % start)
                for field in doc.get('data') or []:
                    if len(field.get('key', '')) == 40:
                        keys[field['name']] = field['key']
                pagination = (doc.get('additional_data') or {}).get('pagination') or {}
                if not pagination.get('more_items_in_collection'):
                    break
                start = pagination['next_start']
            self._keys = keys
        return self._keys

    def _custom_body(self, custom):
        keys = self._field_keys()
        return {keys[name]: value for name, value in custom.items()}

    def _canonical(self, person, orgs):
        names = {key: name for name, key in self._field_keys().items()}
        emails = person.get('emails') or []
        phones = person.get('phones') or []
        primary = [e for e in emails if e.get('primary')] or emails
        phone = [p for p in phones if p.get('primary')] or phones
        return {
            'id': person['id'],
            'email': primary[0]['value'] if primary else None,
            'first_name': person.get('first_name') or None,
            'last_name': person.get('last_name') or None,
            'phone': phone[0]['value'] if phone else None,
            'company': orgs.get(person.get('org_id')),
            'custom': {names[key]: value for key, value in (person.get('custom_fields') or {}).items()
                       if key in names and value is not None},
        }

    def create(self, email, first_name, last_name, custom=None):
        body = {'emails': [{'value': email, 'primary': True, 'label': 'work'}]}
        if first_name is not None:
            body['first_name'] = first_name
        if last_name is not None:
            body['last_name'] = last_name
        if first_name is None and last_name is None:
            body['name'] = email
        if custom:
            body['custom_fields'] = self._custom_body(custom)
        return self._call('POST', '/api/v2/persons', body)['data']['id']

    def all(self):
        orgs = {o['id']: o['name'] for o in self._pages('/api/v2/organizations')}
        return [self._canonical(p, orgs) for p in self._pages('/api/v2/persons')]

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
                body['emails'] = [{'value': value, 'primary': True, 'label': 'work'}]
            elif key == 'phone':
                body['phones'] = [{'value': value, 'primary': True, 'label': 'work'}]
            else:
                raise ValueError('the Pipedrive driver does not write %s' % key)
        self._call('PATCH', '/api/v2/persons/%d' % int(id), body)
