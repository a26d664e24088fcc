#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status icon of the real `concord` binary, as a tray drives it: a fake
org.kde.StatusNotifierWatcher (Gio, in this process) on the test session
bus, an Elastic Email mock on each side and a connection set up with
concord-cli. Each item of the icon's com.canonical.dbusmenu menu, clicked,
must do what it says in the running app: Sync All Now runs the connection,
Pause All turns it off, Open Concord maps a window, Quit ends the process.
The item's properties are read as a tray reads them.

Debian's python3-gi exists only for /usr/bin/python3 (TESTING.md).

Usage: test-status-icon-app.py CONCORD CONCORD_CLI CONCORD_MOCK APP_ID
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

try:
    import gi
    gi.require_version('Gio', '2.0')
    from gi.repository import Gio, GLib
except (ImportError, ValueError) as e:
    print(f'1..0 # SKIP no PyGObject: {e}')
    sys.exit(77)

CONCORD, CLI, MOCK, APP_ID = sys.argv[1:5]
KEY_A = 'key-a-tray-3c9e1f07a5d2'
KEY_B = 'key-b-tray-81d4b6e2c0f9'
TIMEOUT_S = 180   # generous: the sanitizer builds are many times slower
ITEM_PATH = '/StatusNotifierItem'
MENU_PATH = '/StatusNotifierItem/Menu'
results = []

WATCHER_XML = """
<node>
  <interface name='org.kde.StatusNotifierWatcher'>
    <method name='RegisterStatusNotifierItem'><arg type='s' name='service' direction='in'/></method>
    <method name='RegisterStatusNotifierHost'><arg type='s' name='service' direction='in'/></method>
    <property name='RegisteredStatusNotifierItems' type='as' access='read'/>
    <property name='IsStatusNotifierHostRegistered' type='b' access='read'/>
    <property name='ProtocolVersion' type='i' access='read'/>
  </interface>
</node>
"""


def check(name, cond, detail=''):
    results.append(bool(cond))
    print(('ok %d - ' if cond else 'not ok %d - ') % len(results) + name +
          ('' if cond else ' # ' + str(detail).replace('\n', ' ')[:600]), flush=True)


def wait_until(condition, timeout=TIMEOUT_S):
    """Iterates the main context (the fake watcher answers in it) until
    condition() holds or the time is up; returns its last value."""
    ctx = GLib.MainContext.default()
    end = time.monotonic() + timeout
    while True:
        while ctx.pending():
            ctx.iteration(False)
        value = condition()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.1)


class Watcher:
    def __init__(self):
        self.items = []   # (sender, service)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            os.environ['DBUS_SESSION_BUS_ADDRESS'],
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        info = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).interfaces[0]
        self.conn.register_object('/StatusNotifierWatcher', info, self.method_call,
                                  self.get_property, None)
        self.owned = False
        self.owner_id = Gio.bus_own_name_on_connection(
            self.conn, 'org.kde.StatusNotifierWatcher', Gio.BusNameOwnerFlags.NONE,
            self.acquired, None)
        wait_until(lambda: self.owned, 30)

    def acquired(self, conn, name):
        self.owned = True

    def method_call(self, conn, sender, path, iface, method, params, invocation):
        if method == 'RegisterStatusNotifierItem':
            self.items.append((sender, params.unpack()[0]))
        invocation.return_value(None)

    def get_property(self, conn, sender, path, iface, name):
        if name == 'RegisteredStatusNotifierItems':
            return GLib.Variant('as', [s for _, s in self.items])
        if name == 'IsStatusNotifierHostRegistered':
            return GLib.Variant('b', True)
        return GLib.Variant('i', 0)

    def call(self, path, iface, method, params, reply_type=None):
        service = self.items[-1][1]
        if service.startswith('/'):
            service = self.items[-1][0]
        return self.conn.call_sync(service, path, iface, method, params,
                                   GLib.VariantType(reply_type) if reply_type else None,
                                   Gio.DBusCallFlags.NONE, 30000, None)

    def item_property(self, name):
        return self.call(ITEM_PATH, 'org.freedesktop.DBus.Properties', 'Get',
                         GLib.Variant('(ss)', ('org.kde.StatusNotifierItem', name)),
                         '(v)').unpack()[0]

    def menu_items(self):
        layout = self.call(MENU_PATH, 'com.canonical.dbusmenu', 'GetLayout',
                           GLib.Variant('(iias)', (0, -1, [])), '(u(ia{sv}av))').unpack()[1]
        return {child[1]['label']: child[0] for child in layout[2]}

    def click(self, item_id):
        self.call(MENU_PATH, 'com.canonical.dbusmenu', 'Event',
                  GLib.Variant('(isvu)', (item_id, 'clicked', GLib.Variant('s', ''), 0)))


def start_mock(key, generate=0):
    args = [MOCK, 'elasticemail', '--port', '0', '--api-key', key, '--generate', str(generate)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r'(http://127\.0\.0\.1:\d+/v4)', line)
    if not m:
        proc.kill()
        raise RuntimeError('mock did not start: ' + line)
    return proc, m.group(1)


def db_value(db, query):
    if not os.path.exists(db):
        return None
    try:
        with sqlite3.connect(f'file:{db}?mode=ro', uri=True, timeout=10) as conn:
            return conn.execute(query).fetchone()[0]
    except sqlite3.OperationalError:
        return None   # not created yet, or busy


def finished_runs(db):
    return db_value(db, "SELECT count(*) FROM runs WHERE finished > 0 AND dry_run = 0") or 0


def visible_windows(pid):
    p = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid', str(pid)],
                       capture_output=True, text=True, timeout=30)
    return p.stdout.split()


def session_has_name(name):
    p = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                        '--object-path', '/org/freedesktop/DBus', '--method',
                        'org.freedesktop.DBus.NameHasOwner', name],
                       capture_output=True, text=True)
    return p.returncode == 0 and 'true' in p.stdout


def main():
    if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ or not session_has_name('org.freedesktop.secrets'):
        print('1..0 # SKIP needs a session bus with an unlocked keyring')
        return 77
    if not os.environ.get('DISPLAY') or shutil.which('xdotool') is None:
        print('1..0 # SKIP needs an X display and xdotool')
        return 77
    if session_has_name(APP_ID) or session_has_name('org.kde.StatusNotifierWatcher'):
        print(f'1..0 # SKIP {APP_ID} or a tray already on this session bus')
        return 77

    data = tempfile.mkdtemp(prefix='concord-tray-')
    db = os.path.join(data, 'state.sqlite')
    log_path = os.path.join(data, 'concord.log')
    env = dict(os.environ, CONCORD_DATA_DIR=data, GIO_USE_PROXY_RESOLVER='dummy',
               G_MESSAGES_DEBUG='')

    def cli(*args, stdin=None):
        return subprocess.run([CLI, '--data-dir', data] + list(args), input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    def log_text():
        with open(log_path, errors='replace') as f:
            return f.read()

    procs = []
    try:
        mock_a, url_a = start_mock(KEY_A, generate=5)
        mock_b, url_b = start_mock(KEY_B)
        procs += [mock_a, mock_b]
        p = cli('account', 'add', 'elasticemail', '--name', 'shop', '--option', 'base_url=' + url_a,
                stdin=KEY_A + '\n')
        q = cli('account', 'add', 'elasticemail', '--name', 'newsletter', '--option',
                'base_url=' + url_b, stdin=KEY_B + '\n')
        r = cli('connection', 'add', 'both', '--a', 'shop', '--b', 'newsletter')
        check('an enabled connection is set up with concord-cli',
              p.returncode == q.returncode == r.returncode == 0, p.stderr + q.stderr + r.stderr)

        watcher = Watcher()
        with open(log_path, 'a') as log:
            app = subprocess.Popen([CONCORD, '--background'], env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=log)
        procs.append(app)

        wait_until(lambda: watcher.items or app.poll() is not None)
        check('the running app registers its status icon with the watcher',
              len(watcher.items) == 1 and watcher.items[0][1].startswith('org.kde.StatusNotifierItem-'),
              f'{watcher.items}: {log_text()}')
        if not watcher.items:
            print(f'1..{len(results)}')
            return 1

        # The first run, at start, is over: idle, and the tooltip says when.
        wait_until(lambda: finished_runs(db) >= 1 and watcher.item_property('IconName').endswith('-symbolic')
                   and 'Last synced at' in watcher.item_property('ToolTip')[3])
        tooltip = watcher.item_property('ToolTip')
        check('idle after the first run: Active, the app\'s icon, the last sync in the tooltip',
              watcher.item_property('Status') == 'Active' and
              watcher.item_property('IconName') == APP_ID + '-symbolic' and
              tooltip[3].startswith('Last synced at '), tooltip)

        items = watcher.menu_items()
        check('the menu has Open Concord, Sync All Now, Pause All, Quit',
              list(items) == ['Open Concord', 'Sync All Now', 'Pause All', 'Quit'], items)

        before = finished_runs(db)
        watcher.click(items['Sync All Now'])
        wait_until(lambda: finished_runs(db) > before)
        check('Sync All Now runs the connection', finished_runs(db) > before, log_text())

        enabled = 'SELECT enabled FROM connections WHERE name = \'both\''
        was_on = db_value(db, enabled)
        watcher.click(items['Pause All'])
        wait_until(lambda: db_value(db, enabled) == 0)
        check('Pause All turns the connection off', was_on == 1 and db_value(db, enabled) == 0,
              f'{was_on} → {db_value(db, enabled)}')

        # Nothing left on, no window: without a tray it would end now; the
        # icon holds it, so that the user can still open it or quit. The
        # menu answering, after the app has seen the connection go off
        # (its idle answer comes after that), says it is still there.
        def menu_answers():
            try:
                return 'Pause All' in watcher.menu_items()
            except GLib.Error:
                return False

        menu_answers()
        time.sleep(1)
        check('with the connection paused and no window, the icon keeps the app running',
              menu_answers() and app.poll() is None, log_text())
        if app.poll() is not None:
            print(f'1..{len(results)}')
            return 1   # the rest needs it running

        check('no window before Open Concord', visible_windows(app.pid) == [], visible_windows(app.pid))
        watcher.click(items['Open Concord'])
        windows = wait_until(lambda: visible_windows(app.pid))
        check('Open Concord shows the window', len(windows) >= 1, log_text())

        watcher.click(items['Quit'])
        try:
            rc = app.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            rc = None
        check('Quit ends the app with status 0', rc == 0, f'rc {rc}: {log_text()}')
        check('nothing was logged as a warning or critical',
              'WARNING' not in log_text() and 'CRITICAL' not in log_text(), log_text())

        cli('connection', 'remove', 'both')
        for name in ('shop', 'newsletter'):
            cli('account', 'remove', name)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(data, ignore_errors=True)

    print(f'1..{len(results)}')
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
