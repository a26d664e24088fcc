# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Python tests share (python3 stdlib only): TAP output, whether
the session has an unlocked keyring, a `concord-mock APP --control`
process driven through its standard input, and the hostile drivers'
scaffolding (servers started and stopped, concord-cli runs measured for
time and peak memory, an Elastic Email side read back, the TAP loop over
modes with its "pending" set and table).

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '…/support'))
    import concordtest
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request


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


# ---------------------------------------------------------------------------
# Driving concord-cli against servers (the hostile suites, tests/hostile/)

def cli_env(locale=None, **extra):
    """The environment a concord-cli run gets: settings in memory, no debug
    output unless asked (G_MESSAGES_DEBUG in @extra), LC_ALL=@locale."""
    env = dict(os.environ, GSETTINGS_BACKEND='memory')
    env.pop('G_MESSAGES_DEBUG', None)
    if locale:
        env['LC_ALL'] = locale
    env.update(extra)
    return env


def start_process(args, pattern):
    """Starts a server that prints its address on its first line; returns
    (process, match of @pattern on that line). Its stdin stays open: closing
    it (stop_process) tells concord-mock to quit."""
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(pattern, line)
    if not m:
        proc.kill()
        proc.wait()
        raise RuntimeError('did not start: ' + ' '.join(args) + ': ' + line)
    return proc, m


def stop_process(proc):
    """Closes its stdin, SIGTERM, then SIGKILL if it does not stop."""
    try:
        if proc.stdin:
            proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Forks and execs the command, then writes its exit code and peak memory
# (KB) to the file in argv[1]. A small process in between, because Linux
# counts the memory of the process that forked into the child's peak.
_MEASURE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], 'w') as f:
    f.write('%d %d' % (os.waitstatus_to_exitcode(status), usage.ru_maxrss))
"""


def run_measured(args, env, timeout, stdin=None):
    """Runs @args (killed with its process group after @timeout seconds);
    returns (exit code, stdout, stderr, seconds, peak MB). A run killed or
    lost has exit code -9."""
    with tempfile.NamedTemporaryFile('r', prefix='concord-rusage-') as figures:
        start_time = time.monotonic()
        proc = subprocess.Popen([sys.executable, '-c', _MEASURE, figures.name] + list(args),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, start_new_session=True)
        try:
            out, err = proc.communicate(input=stdin.encode() if stdin else None, timeout=timeout)
            killed = ''
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            killed = '\n[killed after %d s]' % timeout
        seconds = time.monotonic() - start_time
        text = figures.read().split()
    code, peak_kb = (int(text[0]), int(text[1])) if len(text) == 2 else (-9, 0)
    return (code, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace') + killed,
            seconds, peak_kb / 1024)


def ee_request(base, key, method, path, body=None):
    """One request to an Elastic Email API (concord-mock elasticemail) at
    @base ("http://127.0.0.1:PORT/v4"); the decoded JSON answer or None."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={'X-ElasticEmail-ApiKey': key,
                                          'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text.strip() else None


def ee_contacts(base, key):
    """Every contact of the Elastic Email account at @base, page by page."""
    out, offset = [], 0
    while True:
        page = ee_request(base, key, 'GET', '/contacts?limit=100&offset=%d' % offset)
        if not page:
            return out
        out += page
        offset += len(page)


def broken_values(contacts, max_value):
    """What a hostile server must never get onto the other side: values
    longer than @max_value, repaired text (U+FFFD) or NUL bytes."""
    problems = []
    for c in contacts:
        for name, value in c.items():
            if isinstance(value, str) and len(value) > max_value:
                problems.append('%s of %d bytes was written to side B' % (name, len(value)))
            if isinstance(value, str) and ('\ufffd' in value or '\x00' in value):
                problems.append('a repaired %s was written to side B' % name)
    return problems


def run_modes(modes, run_mode, pending=None, only=None):
    """The hostile drivers' loop: runs run_mode(name, *modes[name]) for each
    mode (or those in @only), which returns (row, problems); prints TAP (a
    mode in @pending, a dict name → why, is reported "pending" instead of
    failing) and a table of the rows (mode, exit, seconds, peak_mb,
    requests). Returns the exit code."""
    pending = pending or {}
    names = [m for m in modes if not only or m in only]
    width = max([len(m) for m in names] + [4])
    rows = []
    failed = 0
    print('1..%d' % len(names), flush=True)
    for n, mode in enumerate(names, 1):
        row, problems = run_mode(mode, *modes[mode])
        detail = '; '.join(problems).replace('\n', ' ')[:600]
        if not problems:
            row['result'] = 'ok' + (' (pending: passes already)' if mode in pending else '')
            print('ok %d - %s' % (n, mode))
        elif mode in pending:
            row['result'] = 'pending'
            print('ok %d - %s # SKIP pending (%s): %s' % (n, mode, pending[mode], detail))
        else:
            row['result'] = 'FAIL'
            failed += 1
            print('not ok %d - %s # %s' % (n, mode, detail))
        rows.append(row)
        sys.stdout.flush()

    print('# %-*s %5s %8s %8s %9s  %s' % (width, 'mode', 'exit', 'seconds', 'peak MB',
                                          'requests', 'result'))
    for r in rows:
        print('# %-*s %5s %8.1f %8.0f %9d  %s' % (width, r['mode'], r['exit'], r['seconds'],
                                                  r['peak_mb'], r['requests'], r['result']))
    return 1 if failed else 0
