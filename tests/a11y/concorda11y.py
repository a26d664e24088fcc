# SPDX-License-Identifier: GPL-3.0-or-later
"""What the AT-SPI tests share (test-a11y.py, test-keyboard.py): the app
started on the accessibility bus, finding and waiting for its nodes, and
what counts as a bad name."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77

try:
    import gi
    gi.require_version("Atspi", "2.0")
    from gi.repository import Atspi, Gio, GLib
except (ImportError, ValueError) as e:
    print("skip: no AT-SPI for Python (%s): install python3-gi gir1.2-atspi-2.0" % e)
    sys.exit(SKIP)

VERBOSE = bool(os.environ.get("CONCORD_A11Y_VERBOSE"))

# ---------------------------------------------------------------------------
# What counts as a problem
# ---------------------------------------------------------------------------

# Roles a person moves to and acts on.
CONTROL_ROLES = {
    "push button", "toggle button", "check box", "radio button", "combo box",
    "text", "password text", "entry", "spin button", "slider", "link",
    "menu item", "check menu item", "radio menu item", "page tab", "switch",
    "list item", "tree item", "table row", "list box", "list", "tree",
    "table", "tree table", "scroll bar", "option pane",
}
# Rows: every one must say what it is.
ROW_ROLES = {"list item", "tree item", "table row"}
# Windows: a screen reader says a window's name when it opens.
WINDOW_ROLES = {"frame", "dialog", "window", "alert"}

GENERIC_CLASS = re.compile(r"^(Gtk|Adw|Concord|Gdk)[A-Z][A-Za-z0-9]*$")
ICON_NAME = re.compile(r"(-symbolic$)|^[a-z0-9]+(-[a-z0-9]+)+$")
RAW_MNEMONIC = re.compile(r"(^|\s)_[^\s_]")


def repeated(name):
    """The words read twice in a row ("Cancel Cancel", "Run in background
    Run in background"), or None."""
    # Words as read: an address ("ann.martin@martin.example") is one.
    words = [w.strip(".,:;!?()“”\"'") for w in name.lower().split()]
    words = [w for w in words if w]
    for n in range(len(words) // 2, 0, -1):
        for i in range(len(words) - 2 * n + 1):
            part = words[i:i + n]
            if part == words[i + n:i + 2 * n] and any(len(w) > 1 and not w.isdigit() for w in part):
                return " ".join(part)
    return None


def name_problem(name):
    name = (name or "").strip()
    if not name:
        return "has no name"
    if GENERIC_CLASS.match(name):
        return "is named by its class"
    if ICON_NAME.search(name):
        return "is named by an icon or widget name"
    if RAW_MNEMONIC.search(name):
        return "reads its mnemonic underscore"
    twice = repeated(name)
    if twice:
        return "reads “%s” twice" % twice
    return None


# ---------------------------------------------------------------------------
# AT-SPI
# ---------------------------------------------------------------------------

def states(node):
    try:
        return {s.value_nick for s in node.get_state_set().get_states()}
    except GLib.Error:
        return set()


def role(node):
    try:
        return node.get_role_name()
    except GLib.Error:
        return ""


def name_of(node):
    try:
        return node.get_name() or ""
    except GLib.Error:
        return ""


def walk(node, out=None, depth=0):
    if out is None:
        out = []
    out.append((depth, node))
    try:
        n = node.get_child_count()
    except GLib.Error:
        return out
    for i in range(n):
        try:
            child = node.get_child_at_index(i)
        except GLib.Error:
            continue
        if child is not None:
            walk(child, out, depth + 1)
    return out


def on_screen(node):
    """Whether node takes room in its window (a window always does)."""
    if role(node) in WINDOW_ROLES:
        return True
    try:
        box = node.get_extents(Atspi.CoordType.WINDOW)
    except GLib.Error:
        return False
    return box.width > 0 and box.height > 0


def context_of(node):
    """Text near a node: its parent's labels, to tell where it is."""
    try:
        parent = node.get_parent()
        texts = []
        for i in range(min(parent.get_child_count(), 8)):
            c = parent.get_child_at_index(i)
            if c is not None and role(c) == "label" and name_of(c):
                texts.append(name_of(c)[:40])
        return " / ".join(texts[:3])
    except (GLib.Error, AttributeError):
        return ""


def path_of(node):
    parts = []
    while node is not None and len(parts) < 40:
        r = role(node)
        if r == "application":
            break
        n = name_of(node)
        if n and r not in ("panel", "filler"):
            parts.append("%s “%s”" % (r, n))
        try:
            node = node.get_parent()
        except GLib.Error:
            break
    return " ‹ ".join(parts[:4])


class Failure(Exception):
    pass


def wait_for(what, fn, timeout=30):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.time() > deadline:
            raise Failure("timed out waiting for %s" % what)
        time.sleep(0.2)


class App:
    def __init__(self, binary, data_dir):
        env = dict(os.environ)
        # The app must talk to the accessibility bus.
        for key in ("NO_AT_BRIDGE", "GTK_A11Y"):
            env.pop(key, None)
        env["CONCORD_DATA_DIR"] = data_dir
        env["XDG_DATA_HOME"] = os.path.join(data_dir, "xdg-data")
        env.setdefault("GDK_BACKEND", "x11")
        self.log = open(os.path.join(data_dir, "concord.log"), "w")
        self.proc = subprocess.Popen([binary], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.app = wait_for("the app on the accessibility bus", self._find, 60)
        self.problems = {}

    def _find(self):
        if self.proc.poll() is not None:
            raise Failure("concord exited with %s" % self.proc.returncode)
        desktop = Atspi.get_desktop(0)
        for i in range(desktop.get_child_count()):
            a = desktop.get_child_at_index(i)
            if a is None:
                continue
            try:
                if a.get_process_id() == self.proc.pid:
                    return a
            except GLib.Error:
                continue
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def windows(self):
        self.app.clear_cache()
        out = []
        for i in range(self.app.get_child_count()):
            w = self.app.get_child_at_index(i)
            if w is not None:
                out.append(w)
        return out

    def window(self, title, timeout=30):
        def find():
            for w in self.windows():
                if name_of(w) == title:
                    return w
            return None
        return wait_for("a window “%s”" % title, find, timeout)

    def nodes(self, root=None):
        roots = [root] if root is not None else self.windows()
        out = []
        for r in roots:
            r.clear_cache()
            out += [n for _, n in walk(r)]
        return out

    def shown_nodes(self, root=None):
        """The nodes on screen now: not those hidden (a widget made
        invisible, and all it holds), nor those of a page not shown (GTK 4.8
        says "visible" for them, never "showing"; they take no room): each
        page is checked when the walk shows it."""
        out = []

        def visit(node):
            if "visible" not in states(node):
                return
            # What holds others may take no room of its own (a scrolled
            # view's inner parts): only the node is left out, not its
            # children.
            if on_screen(node):
                out.append(node)
            for i in range(node.get_child_count()):
                try:
                    child = node.get_child_at_index(i)
                except GLib.Error:
                    continue
                if child is not None:
                    visit(child)

        for r in [root] if root is not None else self.windows():
            r.clear_cache()
            visit(r)
        return out

    def find(self, spec, root=None, timeout=30, actionable=True):
        """The first node named spec ("Name" or "Name@role"), exactly, else
        whose name contains it."""
        name, _, want_role = spec.partition("@")

        def look():
            nodes = [n for n in self.nodes(root)
                     if (not want_role or role(n) == want_role)
                     and "visible" in states(n)
                     and (not actionable or n.get_n_actions() > 0)]
            for n in nodes:
                if name_of(n) == name:
                    return n
            for n in nodes:
                if name in name_of(n):
                    return n
            return None
        try:
            return wait_for("“%s”" % spec, look, timeout)
        except Failure:
            if timeout < 1:
                return None
            self.dump(root)
            raise

    def click(self, spec, root=None, timeout=30):
        node = self.find(spec, root, timeout)
        wait_for("“%s” to be sensitive" % spec, lambda: "sensitive" in states(node), timeout)
        node.do_action(0)
        time.sleep(0.3)
        return node

    def pointer_click(self, node, title):
        """A click in the middle of node, for what has no action (a list
        row): where the window shows it (GTK 4.8 knows no screen
        coordinates over AT-SPI, window ones are right)."""
        box = node.get_extents(Atspi.CoordType.WINDOW)
        xid = xwindow(title)
        subprocess.run(["xdotool", "mousemove", "--window", xid, str(box.x + box.width // 2),
                        str(box.y + box.height // 2), "click", "1"], check=True)
        time.sleep(0.5)

    def dump(self, root=None):
        roots = [root] if root is not None else self.windows()
        for r in roots:
            r.clear_cache()
            for depth, n in walk(r):
                print("  " * depth + "%s [%s] %s" % (name_of(n), role(n), " ".join(sorted(states(n)))))

    def check(self, screen, root=None):
        """Every focusable control and every row on the screen. What a
        later screen shows again (a page not shown yet, then shown) counts
        as it is there: the app may name a widget when it shows it."""
        n_checked = 0
        for node in self.shown_nodes(root):
            r = role(node)
            st = states(node)
            if r in ROW_ROLES or r in WINDOW_ROLES or ("focusable" in st and r in CONTROL_ROLES):
                n_checked += 1
                name = name_of(node)
                problem = name_problem(name)
                if VERBOSE:
                    print("   %s [%s] %s" % (name, r, problem or ""))
                # The same widget on every screen, even when what holds it
                # gets a name later: its object path on the bus.
                where = path_of(node.get_parent())
                key = (r, getattr(node, "path", None) or (where, node.get_index_in_parent()))
                if problem:
                    inside = [name_of(n) for _, n in walk(node)[1:] if name_of(n)
                              and role(n) not in ("panel", "filler")][:2]
                    self.problems[key] = "%s: a %s %s (“%s”, in %s%s)" % (
                        screen, r, problem, name, where or "the window",
                        "; it holds “%s”" % "”, “".join(inside) if inside else "")
                else:
                    self.problems.pop(key, None)
        print("# %s: %d controls and rows checked" % (screen, n_checked))
        return n_checked


def xwindow(title):
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^%s$" % re.escape(title)],
                         capture_output=True, text=True).stdout.split()
    if not out:
        raise Failure("no X window named “%s”" % title)
    return out[-1]


def ensure_a11y_bus():
    """The accessibility bus: D-Bus-activated by GTK and libatspi, or
    started here where the session has no activation for it."""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    try:
        bus.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                      None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 10000, None)
        return None
    except GLib.Error:
        pass
    launcher = shutil.which("at-spi-bus-launcher") or "/usr/libexec/at-spi-bus-launcher"
    if not os.path.exists(launcher):
        return SKIP
    proc = subprocess.Popen([launcher, "--launch-immediately"])
    for _ in range(50):
        try:
            bus.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                          None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 1000, None)
            return proc
        except GLib.Error:
            time.sleep(0.1)
    proc.terminate()
    return SKIP



def prepare():
    """What a walk needs: a display, a session bus with an unlocked
    keyring, xdotool and the accessibility bus. Returns the bus's launcher
    (None when it was running), or SKIP after saying what is missing."""
    if not os.environ.get("DISPLAY") or not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        print("skip: needs a display and a session bus (tools/in-session.sh)")
        return SKIP
    if not shutil.which("xdotool"):
        print("skip: needs xdotool")
        return SKIP
    if not has_keyring():
        print("skip: needs an unlocked keyring (tools/in-session.sh)")
        return SKIP
    launcher = ensure_a11y_bus()
    if launcher == SKIP:
        print("skip: no accessibility bus (install at-spi2-core)")
    return launcher

def has_keyring():
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "NameHasOwner", GLib.Variant("(s)", ("org.freedesktop.secrets",)),
                          GLib.VariantType("(b)"), Gio.DBusCallFlags.NONE, 5000, None)
    return reply.unpack()[0]
