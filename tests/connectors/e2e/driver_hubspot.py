# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of HubSpot (see e2e.py for the interface):
contacts through the simulated HubSpot's own CRM v3 API, as a person's
other tools would change them. A contact's id is HubSpot's number; custom
properties are found by their label in /crm/v3/properties/contacts and
written under their internal name."""

import json
import urllib.parse
import urllib.request


class Driver:
    app_id = 'hubspot'
    secret = 'pat-e2e-hs-9d3b6f1a2c'
    # A text custom property every simulated account has (`concord-mock
    # hubspot` defines Home city, Industry, Tier, Lists, Engagement score).
    custom_field = 'Home city'
    # The first page of a listing (a full one by GET, a change listing by
    # POST …/search), for the malformed-page check.
    page_glob = '* /crm/v3/objects/contacts*'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._names = None

    def options(self, base_url):
        return {}

    def contact_type(self, base_url, secret):
        return 'contacts'

    def _call(self, method, path, body=None):
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'Authorization': 'Bearer ' + self.secret,
                                              'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=30) as answer:
            text = answer.read().decode()
        return json.loads(text) if text else None

    def _labels(self):
        """Custom property label → internal name."""
        if self._names is None:
            doc = self._call('GET', '/crm/v3/properties/contacts')
            self._names = {p['label']: p['name'] for p in doc['results']
                           if not p.get('hubspotDefined')}
        return self._names

    def _custom_body(self, custom):
        names = self._labels()
        return {names[label]: value for label, value in custom.items()}

    def _canonical(self, contact):
        props = contact.get('properties') or {}
        labels = {name: label for label, name in self._labels().items()}
        return {
            'id': contact['id'],
            'email': props.get('email') or None,
            'first_name': props.get('firstname') or None,
            'last_name': props.get('lastname') or None,
            'phone': props.get('phone') or None,
            'company': props.get('company') or None,
            'custom': {labels[name]: value for name, value in props.items()
                       if name in labels and value not in (None, '')},
        }

    def create(self, email, first_name, last_name, custom=None):
        props = {'email': email}
        if first_name is not None:
            props['firstname'] = first_name
        if last_name is not None:
            props['lastname'] = last_name
        if custom:
            props.update(self._custom_body(custom))
        return self._call('POST', '/crm/v3/objects/contacts', {'properties': props})['id']

    def all(self):
        names = ','.join(['email', 'firstname', 'lastname', 'phone', 'company'] +
                         list(self._labels().values()))
        out, after = [], None
        while True:
            query = 'limit=100&properties=' + urllib.parse.quote(names, safe=',')
            if after:
                query += '&after=' + urllib.parse.quote(after)
            doc = self._call('GET', '/crm/v3/objects/contacts?' + query)
            out += [self._canonical(c) for c in doc.get('results') or []]
            after = ((doc.get('paging') or {}).get('next') or {}).get('after')
            if not after:
                return out

    def get(self, email):
        found = [c for c in self.all() if (c['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        props = {}
        names = {'first_name': 'firstname', 'last_name': 'lastname', 'email': 'email',
                 'phone': 'phone', 'company': 'company'}
        for key, value in fields.items():
            if key == 'custom':
                props.update(self._custom_body(value))
            elif key in names:
                props[names[key]] = value
            else:
                raise ValueError('the HubSpot driver does not write %s' % key)
        self._call('PATCH', '/crm/v3/objects/contacts/%s' % id, {'properties': props})
