# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Python tests share (python3 stdlib only): TAP output, whether
the session has an unlocked keyring, and a `concord-mock APP --control`
process driven through its standard input.

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '…/support'))
    import concordtest
"""

import os
import re
import subprocess


class Tap:
    """TAP lines: `ok N - name`, or `not ok N - name # detail`."""

    def __init__(self):
        self.results = []

    def check(self, name, cond, detail=''):
        self.results.append(bool(cond))
        print(('ok %d - ' if cond else 'not ok %d - ') % len(self.results) + name +
              ('' if cond else ' # ' + str(detail).replace('\n', ' ')[:600]), flush=True)
        return cond

    def finish(self):
        """Prints the plan; the exit code: 0 when every check passed (and there was one)."""
        print('1..%d' % len(self.results))
        return 0 if self.results and all(self.results) else 1


def keyring_available():
    """Whether an unlocked keyring owns org.freedesktop.secrets on the session bus
    (activating one would prompt and hang)."""
    if 'DBUS_SESSION_BUS_ADDRESS' not in os.environ:
        return False
    p = subprocess.run(['gdbus', 'call', '--session', '--dest', 'org.freedesktop.DBus',
                        '--object-path', '/org/freedesktop/DBus', '--method',
                        'org.freedesktop.DBus.NameHasOwner', 'org.freedesktop.secrets'],
                       capture_output=True, text=True)
    return p.returncode == 0 and 'true' in p.stdout


class MockProcess:
    """One `concord-mock APP --port 0 --control …` process: base_url is the
    URL it listens on; command() sends one control line and returns its
    one-line answer (see src/connectors/mock/concord-mock.c)."""

    def __init__(self, mock_binary, app_id, *args):
        self.app_id = app_id
        self.proc = subprocess.Popen([mock_binary, app_id, '--port', '0', '--control'] + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r'listening on (http://127\.0\.0\.1:\d+\S*)$', line.strip())
        if not m:
            self.proc.kill()
            raise RuntimeError('concord-mock %s did not start: %s%s' %
                               (app_id, line, self.proc.stderr.read()))
        self.base_url = m.group(1)

    def command(self, line):
        self.proc.stdin.write(line + '\n')
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def count(self):
        """(requests, writes) since the last reset; (-1, -1) on a bad answer."""
        m = re.fullmatch(r'requests (\d+) writes (\d+)', self.command('count'))
        return (int(m.group(1)), int(m.group(2))) if m else (-1, -1)

    def stop(self):
        """SIGTERM, then SIGKILL if it does not stop; its exit code."""
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()
