#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16's end-to-end list for one app, through `concord-cli` against
two `concord-mock --control` processes: Elastic Email (side A) and the app
(side B), with the real keyring of the test session (skipped when there is
none, like tests/test-cli.py).

Usage: e2e.py CONCORD_CLI CONCORD_MOCK DRIVER_FILE

A driver is tests/connectors/e2e/driver_<app>.py (python3 stdlib only; each
file is one meson test, `e2e-<app>`), defining `class Driver`:

  Driver(base_url)              the app's mock, at the base URL it printed
                                (an __init__ that also takes `secret` gets
                                the key the mock was started with)
  app_id                        the registry id ("hubspot")
  secret                        the key the mock is started with (--api-key);
                                a wrong one is made by changing its last
                                character
  custom_field                  the display name of a text custom field the
                                mock's account has
  options(base_url) -> dict     extra `--option KEY=VALUE`s of `account add`
                                (base_url is always given)
  contact_type(base_url, secret) -> str | None
                                the contact type of `connection add --b
                                ACCOUNT:TYPE` (None: the app's default)
  create(email, first_name, last_name, custom=None) -> id
                                first_name or last_name may be None (not set);
                                custom is {display name: value}
  get(email) -> dict | None     canonical keys email, first_name, last_name,
                                phone, company, custom {name: value}; email
                                matched without regard to case
  update(id, **fields)          canonical fields, or custom={name: value}
  all() -> [dict]               every contact, as get() gives them
Optional:
  generate = 0                  --generate N for the app's mock
  base_url_option = 'base_url'  the account option that takes the mock's
                                address
  page_glob = 'GET *'           "METHOD /path" glob of the app's list page
                                (for the malformed page)
  extra_checks(t)               the app's own checks after the list (a
                                mailing tool's status protection): t has
                                check, sync, cli, ee, ee_mock, app_mock and
                                figures

Checks, in order, each naming what it measured: verify with the right and
a wrong key (refused with the auth message, nothing stored); a two-way
connection with the default rule and a custom field mapped both ways;
the initial sync matches by email across case and merges; a second run
without changes writes nothing on either mock (`count` after `reset`);
edits of different fields of one contact on both sides both survive; the
custom field crosses both ways; a 429 storm is honoured (the run
succeeds, the mocks saw the retries); a malformed page fails the run
before any write, on either side, and the next run recovers.
"""

import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
# The shared module is read, never compiled into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, '..', '..', 'support'))
import concordtest  # noqa: E402

CLI, MOCK, DRIVER_FILE = sys.argv[1], sys.argv[2], sys.argv[3]
STORM = 3
tap = concordtest.Tap()
check = tap.check


def load_driver_class(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Driver


def make_driver(cls, base_url, secret):
    """Driver(base_url), passing the secret too when its __init__ takes it."""
    params = [p for p in inspect.signature(cls.__init__).parameters.values()][1:]
    kwargs, positional = {}, []
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in ('base_url', 'url', 'base'):
            kwargs[p.name] = base_url
        elif p.name in ('secret', 'key', 'api_key', 'token'):
            kwargs[p.name] = secret
        elif p.default is p.empty:
            positional.append(p.name)
    if positional:
        # Unknown names: base URL first, then the secret.
        values = [base_url, secret]
        for name in positional[:2]:
            kwargs[name] = values.pop(0)
    driver = cls(**kwargs)
    if getattr(driver, 'base_url', None) is None:
        driver.base_url = base_url
    return driver


def wrong_secret(secret):
    last = secret[-1]
    return secret[:-1] + ('x' if last != 'x' else 'y')


def start_mock(app_id, secret, generate=0):
    return concordtest.MockProcess(MOCK, app_id, '--api-key', secret, '--generate', str(generate))


def by_email(contacts):
    out = {}
    for c in contacts:
        out.setdefault((c.get('email') or '').lower(), []).append(c)
    return out


def main():
    if not concordtest.keyring_available():
        print('1..0 # SKIP no unlocked keyring owns org.freedesktop.secrets')
        return 77

    ee_cls = load_driver_class(os.path.join(HERE, 'driver_elasticemail.py'))
    app_cls = load_driver_class(DRIVER_FILE)
    app_id = app_cls.app_id
    ee_secret = 'e2e-side-a-' + ee_cls.secret
    print('# %s ↔ elasticemail, driver %s' % (app_id, os.path.basename(DRIVER_FILE)), flush=True)

    data = tempfile.mkdtemp(prefix='concord-e2e-%s-' % app_id)
    env = dict(os.environ, GSETTINGS_BACKEND='memory', G_MESSAGES_DEBUG='')
    mocks = []
    figures = []

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=300)

    def sync():
        p = cli('sync', 'e2e', '--json')
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = {}
        return p, doc

    def option_args(driver, base_url):
        # The option that takes the mock's address ("url" for CardDAV).
        options = {getattr(driver, 'base_url_option', 'base_url'): base_url}
        options.update(driver.options(base_url) or {})
        args = []
        for key, value in options.items():
            args += ['--option', '%s=%s' % (key, value)]
        return args

    try:
        ee_mock = start_mock('elasticemail', ee_secret)
        mocks.append(ee_mock)
        app_mock = start_mock(app_id, app_cls.secret, getattr(app_cls, 'generate', 0))
        mocks.append(app_mock)
        ee = make_driver(ee_cls, ee_mock.base_url, ee_secret)
        ee.secret = ee_secret
        app = make_driver(app_cls, app_mock.base_url, app_cls.secret)

        # 1. Verify: a wrong key is refused with the auth message, nothing stored.
        wrong = wrong_secret(app.secret)
        before = app_mock.count()[0]
        p = cli('account', 'add', app_id, '--name', 'app', *option_args(app, app_mock.base_url),
                stdin=wrong + '\n')
        seen = app_mock.count()[0] - before
        accounts = cli('account', 'list', '--json')
        listed = [a['name'] for a in json.loads(accounts.stdout)] if accounts.returncode == 0 else None
        print('# ' + p.stderr.strip().replace('\n', ' / ')[-300:])
        check('verify: a wrong key is refused (exit %d, the app saw %d request(s)), with the auth '
              'message, nothing stored' % (p.returncode, seen),
              p.returncode == 1 and seen >= 1 and 'nothing was added' in p.stderr and
              'refused Concord’s API key' in p.stderr and wrong not in p.stderr and listed == [],
              'exit %d: %s; accounts %r' % (p.returncode, p.stderr[-400:], listed))

        p = cli('account', 'add', app_id, '--name', 'app', *option_args(app, app_mock.base_url),
                stdin=app.secret + '\n')
        q = cli('account', 'add', 'elasticemail', '--name', 'ee', *option_args(ee, ee_mock.base_url),
                stdin=ee.secret + '\n')
        v = cli('account', 'verify', 'app')
        check('verify: the right key is accepted (account add and verify exit 0), the same name '
              'as the refused one', p.returncode == 0 and q.returncode == 0 and v.returncode == 0,
              p.stderr + q.stderr + v.stderr)

        # 2. A connection, both ways, with the default rule; the custom
        # field pair in its mapping.
        ee_type = ee.contact_type(ee_mock.base_url, ee.secret)
        app_type = app.contact_type(app_mock.base_url, app.secret)
        p = cli('connection', 'add', 'e2e', '--a', 'ee' + (':' + ee_type if ee_type else ''),
                '--b', 'app' + (':' + app_type if app_type else ''))
        check('a two-way connection with the default rule (contact type %s)' % (app_type or 'default'),
              p.returncode == 0, p.stderr)

        # The contacts before the first run: Ann on both sides, written
        # differently and each with a field the other lacks; one only on each.
        ee.create('Ann.E2E@Example.com', 'Ann', None, {ee.custom_field: 'Lisbon'})
        ee.create('bob.e2e@example.com', 'Bob', 'Ee-only')
        ann_id = app.create('ann.e2e@example.com', None, 'Okafor')
        carol_id = app.create('carol.e2e@example.com', 'Carol', 'App-only')

        custom_a, custom_b = 'custom:' + ee.custom_field, 'custom:' + app.custom_field
        p = cli('connection', 'export', 'e2e')
        doc = json.loads(p.stdout) if p.returncode == 0 else {}
        pairs = doc.get('mapping', {}).get('pairs', [])
        auto = any(x.get('a') == custom_a and x.get('b') == custom_b and x.get('flow', 'both') == 'both'
                   for x in pairs)
        if not auto:
            doc['mapping'] = {'automatic': False, 'pairs': [
                x for x in pairs if x.get('a') != custom_a and x.get('b') != custom_b] + [
                {'a': custom_a, 'b': custom_b, 'flow': 'both',
                 # Both are text fields (the driver interface says so).
                 'type_a': 'string', 'type_b': 'string'}]}
            p = cli('connection', 'import', 'e2e', '-', stdin=json.dumps(doc))
        check('the custom field %s ↔ %s is mapped both ways (%s)' %
              (custom_a, custom_b, 'by the automatic mapping' if auto else 'by connection import'),
              p.returncode == 0, p.stdout + p.stderr)

        # 3. Initial sync: match by email across case, merge.
        for m in mocks:
            m.command('reset')
        p, doc = sync()
        figures.append('first sync: Elastic Email %d requests %d writes, %s %d requests %d writes' %
                       (ee_mock.count() + (app_id,) + app_mock.count()))
        on_a, on_b = by_email(ee.all()), by_email(app.all())
        expected = {'ann.e2e@example.com', 'bob.e2e@example.com', 'carol.e2e@example.com'}
        check('initial sync succeeds (A: %s created, B: %s created)' %
              (doc.get('a', {}).get('created'), doc.get('b', {}).get('created')),
              p.returncode == 0 and doc.get('ok'), p.stdout[-400:] + p.stderr[-400:])
        check('initial sync: Ann.E2E@Example.com and ann.e2e@example.com are one pair '
              '(A has %d Ann, B has %d)' % (len(on_a.get('ann.e2e@example.com', [])),
                                            len(on_b.get('ann.e2e@example.com', []))),
              set(on_a) == expected and set(on_b) == expected and
              all(len(on_a[e]) == 1 and len(on_b[e]) == 1 for e in expected),
              'A %r B %r' % (sorted(on_a), sorted(on_b)))
        ann_a = (on_a.get('ann.e2e@example.com') or [{}])[0]
        ann_b = (on_b.get('ann.e2e@example.com') or [{}])[0]
        check('initial sync merges: A\'s first name and B\'s last name on both sides '
              '(A: %s %s, B: %s %s)' % (ann_a.get('first_name'), ann_a.get('last_name'),
                                         ann_b.get('first_name'), ann_b.get('last_name')),
              ann_a.get('first_name') == 'Ann' and ann_a.get('last_name') == 'Okafor' and
              ann_b.get('first_name') == 'Ann' and ann_b.get('last_name') == 'Okafor',
              '%r / %r' % (ann_a, ann_b))
        check('initial sync: A\'s custom field reaches B\'s (%s = %r)' %
              (app.custom_field, (ann_b.get('custom') or {}).get(app.custom_field)),
              (ann_b.get('custom') or {}).get(app.custom_field) == 'Lisbon', repr(ann_b))

        # 4. No change: a second run writes nothing.
        for m in mocks:
            m.command('reset')
        p, doc = sync()
        (ra, wa), (rb, wb) = ee_mock.count(), app_mock.count()
        quiet_requests = (ra, rb)
        figures.append('no-change run: %d/%d requests, %d/%d writes' % (ra, rb, wa, wb))
        check('a second run without changes writes nothing (Elastic Email: %d requests, %d writes; '
              '%s: %d requests, %d writes)' % (ra, wa, app_id, rb, wb),
              p.returncode == 0 and wa == 0 and wb == 0 and ra > 0 and rb > 0,
              p.stdout[-300:] + p.stderr[-300:])

        # 5. Edits on both sides, different fields of one contact.
        ee.update(ann_a.get('email') or 'Ann.E2E@Example.com', first_name='Annie')
        app.update(ann_id, last_name='Okafor-Reyes')
        p, doc = sync()
        ann_a, ann_b = ee.get('ann.e2e@example.com') or {}, app.get('ann.e2e@example.com') or {}
        check('edits on both sides (first name on A, last name on B) both survive '
              '(A: %s %s, B: %s %s)' % (ann_a.get('first_name'), ann_a.get('last_name'),
                                         ann_b.get('first_name'), ann_b.get('last_name')),
              p.returncode == 0 and
              ann_a.get('first_name') == 'Annie' and ann_a.get('last_name') == 'Okafor-Reyes' and
              ann_b.get('first_name') == 'Annie' and ann_b.get('last_name') == 'Okafor-Reyes',
              p.stderr[-300:] + ' %r / %r' % (ann_a, ann_b))

        # 6. The custom field the other way: B to A.
        app.update(carol_id, custom={app.custom_field: 'Osaka'})
        p, doc = sync()
        carol_a = ee.get('carol.e2e@example.com') or {}
        check('B\'s custom field reaches A\'s (%s = %r)' %
              (ee.custom_field, (carol_a.get('custom') or {}).get(ee.custom_field)),
              p.returncode == 0 and (carol_a.get('custom') or {}).get(ee.custom_field) == 'Osaka',
              p.stderr[-300:] + ' %r' % carol_a)

        # 7. A 429 storm on both mocks: the run succeeds, after the retries.
        # The requests of a quiet run just before are the baseline: an app
        # whose listing reports the previous run's own writes (a CardDAV
        # sync token) reads them once more after a run that wrote.
        for m in mocks:
            m.command('reset')
        p, doc = sync()
        quiet_requests = (ee_mock.count()[0], app_mock.count()[0])
        for m in mocks:
            m.command('reset')
        armed = [m.command('storm %d' % STORM) for m in mocks]
        p, doc = sync()
        (ra, wa), (rb, wb) = ee_mock.count(), app_mock.count()
        figures.append('storm run: %d/%d requests' % (ra, rb))
        check('a 429 storm (%d per mock, Retry-After: 1) is honoured: the run succeeds; Elastic Email '
              'saw %d requests (%d without the storm), %s %d (%d)' %
              (STORM, ra, quiet_requests[0], app_id, rb, quiet_requests[1]),
              armed == ['armed', 'armed'] and p.returncode == 0 and doc.get('ok') and
              ra >= quiet_requests[0] + STORM and rb >= quiet_requests[1] + STORM and wa == 0 and wb == 0,
              '%r exit %d %s' % (armed, p.returncode, p.stderr[-300:]))

        # 8. A malformed page fails the run before any write, on either side.
        for side, mock, driver in (('B (%s)' % app_id, app_mock, app), ('A (elasticemail)', ee_mock, ee)):
            ee.update('bob.e2e@example.com', first_name='Robert-' + side[0])
            for m in mocks:
                m.command('reset')
            glob = getattr(driver, 'page_glob', None) or 'GET *'
            armed = mock.command('malformed ' + glob)
            p, doc = sync()
            (_, wa), (_, wb) = ee_mock.count(), app_mock.count()
            print('# ' + p.stderr.strip().replace('\n', ' / ')[-300:])
            check('a malformed page on %s (%s) fails the run (exit %d) before any write '
                  '(writes: Elastic Email %d, %s %d)' % (side, glob, p.returncode, wa, app_id, wb),
                  armed == 'armed' and p.returncode != 0 and wa == 0 and wb == 0,
                  p.stdout[-300:] + p.stderr[-300:])
            p, doc = sync()
            bob_b = app.get('bob.e2e@example.com') or {}
            check('the next run recovers and writes the pending edit (B: %s)' % bob_b.get('first_name'),
                  p.returncode == 0 and bob_b.get('first_name') == 'Robert-' + side[0],
                  p.stderr[-300:] + ' %r' % bob_b)

        # 9. The app's own checks, on the same connection.
        if hasattr(app, 'extra_checks'):
            app.extra_checks(types.SimpleNamespace(check=check, sync=sync, cli=cli, ee=ee,
                                                   ee_mock=ee_mock, app_mock=app_mock,
                                                   figures=figures))
    finally:
        # The keys leave the keyring with their accounts.
        cli('connection', 'remove', 'e2e')
        for name in ('app', 'ee'):
            cli('account', 'remove', name)
        codes = [m.stop() for m in mocks]
        shutil.rmtree(data, ignore_errors=True)

    # A mock that crashed or leaked (under the sanitizers) exits non-zero.
    check('both mocks stop cleanly on SIGTERM (exit codes %s)' % codes, codes == [0, 0], codes)

    # Requests as Elastic Email/the app saw them.
    print('# figures: ' + '; '.join(figures))
    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
