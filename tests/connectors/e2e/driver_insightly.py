# SPDX-License-Identifier: GPL-3.0-or-later
"""The end-to-end driver of Insightly (see e2e.py for the interface):
contacts through the simulated Insightly's own API (insightly.json served
by the described mock), as a person's other tools would change them.
HTTP Basic with the key as the user and an empty password; top/skip
paging; custom fields by FIELD_LABEL, written by FIELD_NAME (…__c).
Insightly's PUT replaces the contact, so an update reads it first and
sends it whole, as any careful client must."""

import base64
import json
import time
import urllib.error
import urllib.request


# When this driver last called Insightly (monotonic seconds).
_last_call = [0.0]


def _open(req):
    """urlopen, waiting out the app's 429s as any client must (Retry-After,
    else a second), a few times."""
    for attempt in range(8):
        try:
            _last_call[0] = time.monotonic()
            return urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == 7:
                raise
            time.sleep(float(e.headers.get('Retry-After') or 1))


def _settle():
    """Leaves Insightly's per-second throttle window (10 a second, shared by
    every client of the key) empty before handing back, so that Concord's
    run measured next is not throttled by this driver's own calls."""
    wait = _last_call[0] + 1.05 - time.monotonic()
    if wait > 0:
        time.sleep(wait)


class Driver:
    app_id = 'insightly'
    secret = 'e2e-insightly-key-90b4c21e'
    # A TEXT custom field every simulated account has (city__c), labelled
    # as Elastic Email's field is named.
    custom_field = 'city'
    # The contacts page Concord reads (the search, which takes
    # updated_after_utc), for the malformed-page check.
    page_glob = 'GET /v3.1/Contacts/Search'

    def __init__(self, base_url, secret=None):
        self.base_url = base_url.rstrip('/')
        if secret is not None:
            self.secret = secret
        self._names = None

    def options(self, base_url):
        # The pod fills the real base URL; base_url (always given) wins.
        return {'pod': 'na1'}

    def contact_type(self, base_url, secret):
        return 'contacts'

    def _call(self, method, path, body=None):
        auth = base64.b64encode((self.secret + ':').encode()).decode()
        req = urllib.request.Request(self.base_url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={'Authorization': 'Basic ' + auth,
                                              'Content-Type': 'application/json'})
        with _open(req) as answer:
            return json.loads(answer.read().decode())

    def _field_names(self):
        """Custom field label → FIELD_NAME."""
        if self._names is None:
            self._names = {d['FIELD_LABEL']: d['FIELD_NAME']
                           for d in self._call('GET', '/CustomFields/Contacts')}
        return self._names

    def _canonical(self, contact):
        labels = {name: label for label, name in self._field_names().items()}
        return {
            'id': contact['CONTACT_ID'],
            'email': contact.get('EMAIL_ADDRESS') or None,
            'first_name': contact.get('FIRST_NAME') or None,
            'last_name': contact.get('LAST_NAME') or None,
            'phone': contact.get('PHONE') or None,
            'company': None,
            'custom': {labels[c['FIELD_NAME']]: c['FIELD_VALUE']
                       for c in contact.get('CUSTOMFIELDS') or []
                       if c.get('FIELD_NAME') in labels and c.get('FIELD_VALUE') is not None},
        }

    def create(self, email, first_name, last_name, custom=None):
        body = {'EMAIL_ADDRESS': email, 'FIRST_NAME': first_name, 'LAST_NAME': last_name}
        if custom:
            names = self._field_names()
            body['CUSTOMFIELDS'] = [{'FIELD_NAME': names[k], 'FIELD_VALUE': v}
                                    for k, v in custom.items()]
        contact_id = self._call('POST', '/Contacts', body)['CONTACT_ID']
        _settle()
        return contact_id

    def all(self):
        out, skip = [], 0
        while True:
            page = self._call('GET', '/Contacts?top=500&skip=%d&brief=false' % skip)
            out += page
            if len(page) < 500:
                _settle()
                return [self._canonical(c) for c in out]
            skip += len(page)

    def get(self, email):
        found = [c for c in self.all() if (c['email'] or '').lower() == email.lower()]
        return found[0] if found else None

    def update(self, id, **fields):
        contact = self._call('GET', '/Contacts/%d' % int(id))
        members = {'first_name': 'FIRST_NAME', 'last_name': 'LAST_NAME',
                   'email': 'EMAIL_ADDRESS', 'phone': 'PHONE'}
        for key, value in fields.items():
            if key == 'custom':
                names = self._field_names()
                kept = [c for c in contact.get('CUSTOMFIELDS') or []
                        if c['FIELD_NAME'] not in {names[k] for k in value}]
                contact['CUSTOMFIELDS'] = kept + [{'FIELD_NAME': names[k], 'FIELD_VALUE': v}
                                                  for k, v in value.items()]
            elif key in members:
                contact[members[key]] = value
            else:
                raise ValueError('the Insightly driver does not write %s' % key)
        self._call('PUT', '/Contacts', contact)
        _settle()
