# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Elastic Email (see e2e.py for the interface):
contacts through the simulated Elastic Email's own API v4, as a person's
other tools would change them. Elastic Email has no phone or company
field; a contact's id is its email address."""

import json
import urllib.parse
import urllib.request


class Driver:
    app_id = 'elasticemail'
    secret = 'e2e-ee-key-5b7d2c9f1a'
    # A text custom field the mock's account has (`--generate` defines
    # city, age and plan).
    custom_field = 'city'
    # The list page, for the malformed-page check.
    page_glob = 'GET /v4/contacts'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret

    def options(self, base_url):
        # Elastic Email cannot list custom fields: declare the one the test
        # maps, so it maps before any contact uses it.
        return {'custom_fields': self.custom_field}

    def contact_type(self, base_url, secret):
        return None

    def _call(self, method, path, body=None):
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'X-ElasticEmail-ApiKey': self.secret,
                                              'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read().decode()
        return json.loads(text) if text.strip() else None

    @staticmethod
    def _canonical(contact):
        return {
            'email': contact.get('Email'),
            'first_name': contact.get('FirstName'),
            'last_name': contact.get('LastName'),
            'phone': None,
            'company': None,
            'custom': dict(contact.get('CustomFields') or {}),
        }

    def create(self, email, first_name, last_name, custom=None):
        contact = {'Email': email, 'Status': 'Active'}
        if first_name is not None:
            contact['FirstName'] = first_name
        if last_name is not None:
            contact['LastName'] = last_name
        if custom:
            contact['CustomFields'] = dict(custom)
        self._call('POST', '/contacts', [contact])
        return email

    def _raw(self):
        out, offset = [], 0
        while True:
            page = self._call('GET', '/contacts?limit=100&offset=%d' % offset)
            if not page:
                return out
            out += page
            offset += len(page)

    def all(self):
        return [self._canonical(c) for c in self._raw()]

    def get(self, email):
        found = [c for c in self.all() if (c['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        body = {}
        names = {'first_name': 'FirstName', 'last_name': 'LastName'}
        for key, value in fields.items():
            if key == 'custom':
                body['CustomFields'] = dict(value)
            elif key in names:
                body[names[key]] = value
            else:
                raise ValueError('Elastic Email has no field %s' % key)
        self._call('PUT', '/contacts/' + urllib.parse.quote(id, safe='@'), body)
