#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""`concord-mock APP`: the apps it serves, and its control commands on
standard input (count, reset, storm, malformed, key), which work for any
app through its ConcordMockServer. Driven here with Elastic Email's mock
and the app's own API (urllib), as a script or a person would.

Usage: test-cli-mock.py CONCORD_MOCK
"""

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request

# The shared module is read, never compiled into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'support'))
import concordtest  # noqa: E402

MOCK = sys.argv[1]
KEY = 'key-mock-7c1e9a'
tap = concordtest.Tap()
check = tap.check


def request(mock, path, key=KEY, method='GET', body=None):
    """(status, body text, headers) of one request to Elastic Email's API."""
    req = urllib.request.Request(mock.base_url + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={'X-ElasticEmail-ApiKey': key,
                                          'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, answer.read().decode('utf-8', 'replace'), answer.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode('utf-8', 'replace'), e.headers


def parses(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def main():
    p = subprocess.run([MOCK, '--list'], capture_output=True, text=True, timeout=30)
    ids = p.stdout.split()
    check('--list prints the apps it serves, one a line, Elastic Email among them',
          p.returncode == 0 and 'elasticemail' in ids and
          all(re.fullmatch(r'[a-z0-9-]+', i) for i in ids), p.stdout + p.stderr)

    p = subprocess.run([MOCK, 'no-such-app', '--port', '0'], capture_output=True, text=True,
                       timeout=30)
    check('an unknown app is refused, naming it and the apps there are',
          p.returncode != 0 and 'no-such-app' in p.stderr and 'elasticemail' in p.stderr and
          p.stdout == '', p.stderr)

    mock = concordtest.MockProcess(MOCK, 'elasticemail', '--api-key', KEY, '--generate', '5')
    try:
        check('count before any request', mock.command('count') == 'requests 0 writes 0')
        status, body, _ = request(mock, '/contacts?limit=2')
        check('the generated contacts are served', status == 200 and len(json.loads(body)) == 2,
              body[:200])
        status, _, _ = request(mock, '/contacts', method='POST', body=[{'Email': 'ann@example.com'}])
        check('a write is accepted', status == 200, status)
        answer = mock.command('count')
        check('count: two requests, one of them a write', answer == 'requests 2 writes 1', answer)
        check('reset answers one line', mock.command('reset') == 'reset')
        answer = mock.command('count')
        check('count after reset starts again from zero', answer == 'requests 0 writes 0', answer)

        mock.proc.stdin.write('frobnicate\n')
        mock.proc.stdin.flush()
        answer = mock.command('count')
        check('an unknown command answers nothing: the next answer is in step', answer == 'requests 0 writes 0',
              answer)

        answer = mock.command('storm 2')
        storm = [request(mock, '/contacts?limit=1') for _ in range(3)]
        check('storm 2: the next two requests answer 429 with Retry-After: 1, the third 200',
              answer == 'armed' and [s[0] for s in storm] == [429, 429, 200] and
              all(s[2].get('Retry-After') == '1' for s in storm[:2]),
              (answer, [(s[0], s[2].get('Retry-After')) for s in storm]))

        answer = mock.command('malformed GET /v4/contacts*')
        other = request(mock, '/lists')
        cut = request(mock, '/contacts?limit=3')
        after = request(mock, '/contacts?limit=3')
        check('malformed GLOB: a request outside the glob is whole',
              answer == 'armed' and other[0] == 200 and parses(other[1]), (answer, other[:2]))
        check('malformed GLOB: the next matching request gets a body cut in the middle',
              cut[0] == 200 and not parses(cut[1]) and after[1].startswith(cut[1]),
              cut[1][:200])
        check('malformed GLOB: only once', after[0] == 200 and parses(after[1]), after[1][:200])

        answer = mock.command('key ' + KEY + '-new')
        old = request(mock, '/contacts?limit=1')
        new = request(mock, '/contacts?limit=1', key=KEY + '-new')
        check('key NEWKEY: the old key is refused, the new one accepted',
              answer == 'key changed' and 400 <= old[0] < 500 and new[0] == 200,
              (answer, old[:2], new[0]))

        answer = mock.command('count')
        check('count sees every request since the reset, the refused ones too',
              answer == 'requests 8 writes 0', answer)
    finally:
        code = mock.stop()
    check('the mock stops on SIGTERM', code == 0, code)

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
