#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The keyboard alone, over the real accessibility bus (AT-SPI).

test-keyboard.py CONCORD CONCORD-CLI

Starts the app on an empty data folder, as a new user would, and with real
key events only (XTest, through xdotool: Tab, Shift+Tab, arrows, Space,
Enter, Escape, Alt+Left and typed text; no AT-SPI action, no pointer)
tries it with the sample data: the main window's first Tab stop, the
sample data menu, every step of Add Connection (the accounts typed in and
checked, a direction switched off and on again), the rule editor (a rule
with a condition chosen in its drop-downs and a typed value, and an
action), the mapping editor (a field mapped with “Map to…”, a pair's
direction changed, another unmapped), Turn On, and the connection's page
(Escape and Alt+Left). What was made with the keyboard is then read back
with concord-cli from the same data folder.

At every focus move the control that has the focus (AT-SPI's
STATE_FOCUSED and its focus events) must be the one expected, and must
have a good name (test-a11y.py's rules); the test fails where the focus is
lost (nothing has it), trapped (Tab goes round without reaching what it
looks for) or lands on a control with a bad name.

libadwaita 1.2's AdwEntryRow does not tell AT-SPI when its text has the
focus (GTK 4.8 gives it no way to): there the walk checks that no other
control has the focus, and where it types, that the text lands in that
entry. No window manager runs: where one would give the focus back to
the window under a dialog that closed, the walk does (xdotool
windowfocus), and then checks where GTK puts it.

Needs what test-a11y.py needs (/usr/bin/python3 with gir1.2-atspi-2.0, a
display, a session bus with an unlocked keyring, at-spi2-core, xdotool).
Exits 77 (skipped) without them.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from concorda11y import (  # noqa: E402
    SKIP, Atspi, GLib, App, walk, Failure, prepare, name_of, name_problem, role,
    states, wait_for, xwindow,
)

TRACE = bool(os.environ.get("CONCORD_KEYS_TRACE"))

# What an entry row is (its text has the focus; AT-SPI is not told).
UNREPORTED = "an entry row"


def describe(node):
    if node is None:
        return "nothing"
    if node is UNREPORTED:
        return UNREPORTED
    return "“%s” (%s)" % (name_of(node), role(node))


def matches(node, spec):
    """Whether node is spec: "Name@role", the name exact; "~Name": the
    name contained in the node's ("~" alone: any); "^Name": a menu
    button's name (GTK 4.8 gives the focus, and its label as name, to the
    button inside it)."""
    if node is None or node is UNREPORTED:
        return False
    name, _, want_role = spec.partition("@")
    if want_role and role(node) != want_role:
        return False
    if name.startswith("^"):
        try:
            return name_of(node.get_parent()) == name[1:]
        except GLib.Error:
            return False
    if name == "~":
        return True
    if name.startswith("~"):
        return name[1:] in name_of(node)
    return name_of(node) == name


class Keyboard:
    """Real key presses, and where the focus goes."""

    def __init__(self, app):
        self.app = app
        self.pid = app.proc.pid
        self.focus = None
        self.serial = 0
        self.stops = 0
        self.problems = []
        self.listener = Atspi.EventListener.new(self._on_focus)
        self.listener.register("object:state-changed:focused")

    def _on_focus(self, event):
        try:
            if event.source.get_process_id() != self.pid:
                return
        except GLib.Error:
            return
        if event.detail1:
            self.focus = event.source
            self.serial += 1
        elif event.source == self.focus:
            self.focus = None

    def pump(self):
        ctx = GLib.MainContext.default()
        while ctx.pending():
            ctx.iteration(False)

    def current(self):
        """The focused control, UNREPORTED (in an entry row) or None."""
        self.pump()
        if self.focus is not None and "focused" in states(self.focus):
            return self.focus
        return None

    def scan(self):
        """The focused control, found by walking every window (slow: for
        the start, before any focus event)."""
        for node in self.app.nodes():
            if "focused" in states(node) and role(node) not in ("frame", "dialog", "window"):
                return node
        return None

    def press(self, keys):
        if TRACE:
            print("   key %s" % keys)
        subprocess.run(["xdotool", "key", "--delay", "40"] + keys.split(), check=True)

    def type(self, text):
        if TRACE:
            print("   type %r" % text)
        subprocess.run(["xdotool", "type", "--delay", "40", "--", text], check=True)

    def closed(self, app, title, parent, where, timeout=30):
        """Waits for the window title to close, then does what a window
        manager does (none runs here): gives the focus back to the window
        under it, parent. GTK then puts it back on the control that had it."""
        try:
            wait_for("“%s” to close" % title, lambda: not windows_named(app, title), timeout)
        except Failure:
            raise Failure("%s: “%s” does not close" % (where, title))
        subprocess.run(["xdotool", "windowfocus", "--sync", xwindow(parent)], check=True)

    def note(self, node, where):
        """A focus stop: its name must be a good one."""
        self.stops += 1
        if node is UNREPORTED or node is None:
            return
        problem = name_problem(name_of(node))
        if problem:
            self.problems.append("%s: the focus is on a %s that %s (“%s”)" %
                                 (where, role(node), problem, name_of(node)))
        if TRACE:
            print("   focus %s" % describe(node))

    def move(self, keys, where, settle=1.0, timeout=10):
        """Presses keys that move the focus; returns where it went: a node,
        or UNREPORTED when it left the control it was on for an entry row
        (nothing else has it a moment later)."""
        before_serial = self.serial
        before = self.current()
        if before is None:
            # From an entry row: no event says the key was taken; a slow
            # machine is given longer before nothing means an entry row.
            settle *= 2.5
        self.press(keys)
        deadline = time.time() + timeout
        left_at = None
        while time.time() < deadline:
            node = self.current()
            if self.serial != before_serial and node is not None:
                # One focus event can follow another (a popover's list, a
                # row then its child): the last one that stays.
                time.sleep(0.15)
                node = self.current() or node
                self.note(node, where)
                return node
            if node is None:
                left_at = left_at or time.time()
                if time.time() - left_at > settle:
                    self.note(UNREPORTED, where)
                    return UNREPORTED
            time.sleep(0.05)
        if before is not None and self.current() is before:
            return before
        raise Failure("%s: after %s the focus is lost (it was on %s)" % (where, keys, describe(before)))

    def expect(self, spec, where, timeout=20):
        """Waits for the focus to be on spec (an entry row: nothing
        reported)."""
        def on_it():
            node = self.current()
            if spec == UNREPORTED:
                return UNREPORTED if node is None else None
            return node if matches(node, spec) else None
        def on_it_or_scan():
            # A window that comes back (a dialog over it closed) gives its
            # focus back without a focus event: look.
            node = on_it()
            if node is None and spec != UNREPORTED and time.time() - started > 1:
                found = self.scan()
                if matches(found, spec):
                    self.focus = found
                    return found
            return node
        started = time.time()
        try:
            node = wait_for("the focus on %s" % spec, on_it_or_scan, timeout)
        except Failure:
            raise Failure("%s: the focus is on %s, not on %s" % (where, describe(self.current() or self.scan()), spec))
        self.note(node, where)
        return node

    def tab_to(self, spec, where, key="Tab", limit=40):
        """Tab (or key) until the focus is on spec; fails when it goes round
        without reaching it, or is lost."""
        seen = []
        for _ in range(limit):
            node = self.move(key, where)
            if spec == UNREPORTED and node is UNREPORTED:
                return node
            if matches(node, spec):
                return node
            if node is not UNREPORTED and node in seen:
                raise Failure("%s: %s goes round (%s) without reaching %s" % (
                    where, key, ", ".join(describe(n) for n in seen), spec))
            seen.append(node)
        if all(n is UNREPORTED for n in seen):
            raise Failure("%s: the focus is lost: %d × %s move it nowhere a screen reader is told of" % (
                where, limit, key))
        raise Failure("%s: %d × %s do not reach %s (%s)" % (
            where, limit, key, spec, ", ".join(describe(n) for n in seen)))


# ---------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------

def text_of(node):
    try:
        return node.get_text(0, node.get_character_count())
    except (GLib.Error, AttributeError):
        return None


def labels_in(node):
    """What a control shows (a drop-down: its choice)."""
    return [name_of(n) for _, n in walk(node)[1:] if role(n) == "label" and name_of(n)]


def windows_named(app, title):
    return [w for w in app.windows() if name_of(w) == title]


def type_into(app, keys, root, spec, text, where):
    """Replaces the text of the entry the focus is in (spec: which one it
    must be) by typing."""
    keys.press("ctrl+a")
    keys.type(text)
    entry = app.find(spec, root, actionable=False)
    try:
        wait_for("“%s” in %s" % (text, spec), lambda: text_of(entry) == text, 10)
    except Failure:
        raise Failure("%s: what was typed is not in %s (it reads “%s”): the focus is not there" %
                      (where, spec, text_of(entry)))


def add_connection_apps(app, keys, dialog):
    where = "Add Connection: Apps"
    keys.expect(UNREPORTED, where)
    for side, other, account in (("First", "Elastic Email", "Newsletter"), ("Second", "Sample CRM", "Sales")):
        keys.tab_to("Choose another app instead of %s@push button" % other, where, key="shift+Tab")
        keys.move("Tab", where)
        type_into(app, keys, dialog, "Account name of the %s App@text" % side, account, where)
        keys.tab_to("Check@push button", where)
        keys.press("space")
        if side == "First":
            # Checked: on to the second app's form.
            keys.expect(UNREPORTED, where, 60)
    keys.expect("Next@push button", where, 60)
    keys.press("Return")


def wait_step(app, dialog, name, where):
    try:
        return wait_for("the step “%s”" % name, lambda: (step_of(app, dialog) or "").endswith(": " + name), 30)
    except Failure:
        raise Failure("%s: the step shown is “%s”, not “%s”" % (where, step_of(app, dialog), name))


def pressed(app, root, spec, state="pressed"):
    node = app.find(spec, root, actionable=False)
    return state in states(node)


def add_connection_direction(app, keys, dialog):
    """The Direction step: one way, back to both ways; a direction's
    switch off and on again; Alt+→ and Alt+← between the steps."""
    where = "Add Connection: Direction"
    wait_step(app, dialog, "Direction", where)
    keys.expect("Both ways between Newsletter and Sales@push button", where)
    keys.move("shift+Tab", where)
    keys.expect("Only from Newsletter to Sales@push button", where)
    keys.press("space")
    wait_for("one way chosen", lambda: pressed(app, dialog, "Only from Newsletter to Sales@push button"), 10)
    keys.move("Tab", where)
    keys.expect("Both ways between Newsletter and Sales@push button", where)
    keys.press("space")
    wait_for("both ways chosen", lambda: pressed(app, dialog, "Both ways between Newsletter and Sales@push button"), 10)
    switch = "Send contacts from Sales to Newsletter@check box"
    keys.tab_to(switch, where)
    keys.press("space")
    wait_for("the direction switched off", lambda: not pressed(app, dialog, switch, "checked"), 10)
    keys.press("space")
    wait_for("the direction switched on", lambda: pressed(app, dialog, switch, "checked"), 10)
    keys.expect(switch, where)
    # Alt+→ and Alt+← move between the steps; the choices stay.
    keys.press("alt+Right")
    wait_step(app, dialog, "Rules", where)
    keys.press("alt+Left")
    wait_step(app, dialog, "Direction", where)
    if not pressed(app, dialog, switch, "checked"):
        raise Failure("%s: Alt+← back to the step lost the direction switched on" % where)
    keys.press("alt+Right")
    wait_step(app, dialog, "Rules", where)


def choose(app, keys, dropdown, item, where):
    """Opens a drop-down with Space, goes to item with the arrows, takes it
    with Enter."""
    node = keys.expect(dropdown, where)
    keys.move("space", where)
    keys.expect("~@list item", where)
    try:
        keys.tab_to(item + "@list item", where, key="Down", limit=60)
    except Failure:
        keys.tab_to(item + "@list item", where, key="Up", limit=60)
    keys.press("Return")
    keys.expect(dropdown, where)
    wait_for("%s in %s" % (item, dropdown), lambda: item in labels_in(node), 10)


def rule_editor(app, keys, dialog):
    """The rule editor from the Rules step: Escape closes it; then a rule
    with a condition (a field and an operator chosen in their drop-downs,
    a value typed) and an action, kept with Done."""
    where = "Add Connection: Rules"
    keys.expect("Next@push button", where)
    keys.tab_to("Edit rules@push button", where)
    keys.press("Return")
    app.window("Edit Rules")
    # The focus starts in the editor, not on Cancel.
    keys.expect("~Use the rules Newsletter@check box", "rule editor")
    keys.press("Escape")
    keys.closed(app, "Edit Rules", "Add Connection", "rule editor")
    keys.expect("Edit rules@push button", where + ", the rule editor closed")

    keys.press("Return")
    editor = app.window("Edit Rules")
    where = "rule editor"
    keys.expect("~Use the rules Newsletter@check box", where)
    keys.tab_to("Add rule@push button", where)
    keys.press("Return")
    # The new rule's name, where the focus goes.
    keys.expect(UNREPORTED, where)
    type_into(app, keys, editor, "Rule name (optional)@text", "Berlin leads", where)
    keys.tab_to("Add condition@push button", where)
    keys.press("Return")
    choose(app, keys, "Field of condition 1@push button", "City", where)
    keys.move("Tab", where)
    choose(app, keys, "Operator of condition 1@push button", "is not", where)
    keys.move("Tab", where)
    keys.expect("Value of condition 1@text", where)
    type_into(app, keys, editor, "Value of condition 1@text", "Berlin", where)
    keys.tab_to("Add action@push button", where)
    keys.press("Return")
    keys.expect("What action 1 does@push button", where)
    keys.move("Tab", where)
    choose(app, keys, "Field of action 1@push button", "Company", where)
    keys.move("Tab", where)
    keys.expect("Value of action 1@text", where)
    type_into(app, keys, editor, "Value of action 1@text", "Outside Berlin", where)
    keys.tab_to("Done@push button", where)
    keys.press("Return")
    keys.closed(app, "Edit Rules", "Add Connection", where)
    keys.expect("Edit rules@push button", "Add Connection: Rules, the rule editor closed")
    # The step says what the rules now are.
    wait_for("the new rule on the Rules step", lambda: any(
        "Berlin" in name_of(n) for n in app.nodes(dialog)), 10)


def review_and_turn_on(app, keys, dialog):
    """The Review step: Turn On has the focus once the preview is done;
    Alt+← and Alt+→ go back and forth; Enter turns the connection on."""
    where = "Add Connection: Review"
    wait_step(app, dialog, "Review", where)
    keys.expect("Turn On@push button", where, 120)
    keys.press("alt+Left")
    wait_step(app, dialog, "Fields", where)
    keys.expect("Next@push button", "Add Connection: Fields")
    keys.press("alt+Right")
    wait_step(app, dialog, "Review", where)
    keys.expect("Turn On@push button", where, 120)
    keys.press("Return")
    keys.closed(app, "Add Connection", "Concord", where, 120)


def main_after(app, keys):
    """The main window with the connection: the focus on its row; Enter
    opens its page, where the Rules tab shows the new rule; Alt+← comes
    back to the row; Preferences from the main menu, closed with Escape."""
    where = "main window, a connection"
    app.window("Concord")
    keys.expect("~Newsletter and Sales@list item", where)
    keys.press("Return")
    where = "connection page"
    keys.expect("Back to connections@push button", where)
    keys.tab_to("Rules@page tab", where)
    keys.press("space")
    main = app.window("Concord")
    wait_for("the rule made with the keyboard on the connection's Rules tab", lambda: any(
        name_of(n) == "Berlin leads" for n in app.nodes(main)), 30)
    keys.press("alt+Left")
    where = "main window, back from the connection page"
    keys.expect("~Newsletter and Sales@list item", where)
    keys.tab_to("Main Menu@push button", where)
    keys.press("Return")
    keys.expect("Preferences@menu item", "main menu")
    keys.press("Return")
    app.window("Preferences")
    keys.expect("~@", "Preferences")
    keys.press("Escape")
    keys.closed(app, "Preferences", "Concord", "Preferences")
    keys.expect("Main Menu@push button", "main window, Preferences closed")


def check_with_cli(cli, data):
    """What the keyboard made, as concord-cli reads it from the same data
    folder: the rule (its condition and action), the new pair, the pair
    unmapped and the pair turned one way."""
    def run(*args):
        out = subprocess.run([cli, "--data-dir", data] + list(args), capture_output=True, text=True)
        if out.returncode != 0:
            raise Failure("concord-cli %s: %s" % (" ".join(args), out.stderr.strip()))
        return out.stdout
    connections = json.loads(run("connection", "list", "--json"))
    if len(connections) != 1:
        raise Failure("concord-cli lists %d connections, not the one turned on" % len(connections))
    connection = connections[0]
    if (connection["a"], connection["b"], connection["type_b"], connection["direction"]) != \
            ("Newsletter", "Sales", "people", "both"):
        raise Failure("the connection is not the one made with the keyboard: %s" % json.dumps(connection))
    doc = json.loads(run("connection", "export", connection["name"]))

    rules = [r for r in doc["rules"]["a_to_b"]["rules"] if r.get("name") == "Berlin leads"]
    if len(rules) != 1:
        raise Failure("the rule typed in is not stored: %s" % json.dumps(doc["rules"]["a_to_b"]))
    rule = rules[0]
    conditions = (rule.get("filter") or {}).get("conditions") or []
    if [(c.get("field"), c.get("op"), c.get("values")) for c in conditions] != \
            [("custom:City", "is-not", ["Berlin"])]:
        raise Failure("the rule's condition is not City is not “Berlin”: %s" % json.dumps(rule))
    if [(a.get("action"), a.get("field"), a.get("value")) for a in rule.get("actions", [])] != \
            [("set", "company", "Outside Berlin")]:
        raise Failure("the rule's action is not Company set to “Outside Berlin”: %s" % json.dumps(rule))

    pairs = {(p["a"], p["b"]): p["flow"] for p in doc["mapping"]["pairs"]}
    if pairs.get(("source", "job_title")) is None:
        raise Failure("Source is not mapped to Job title: %s" % json.dumps(doc["mapping"]))
    if any(a == "custom:City" or b == "address_city" for a, b in pairs):
        raise Failure("City is still mapped: %s" % json.dumps(doc["mapping"]))
    if pairs.get(("custom:Phone", "phone")) != "a-to-b":
        raise Failure("Phone does not sync one way: %s" % json.dumps(doc["mapping"]))
    print("# concord-cli reads the rule and the mapping made with the keyboard")


def row_of(node):
    """The name of the list row a control is in."""
    try:
        node = node.get_parent()
        while node is not None and role(node) != "list item":
            node = node.get_parent()
    except GLib.Error:
        return ""
    return name_of(node) if node is not None else ""


def mapping_editor(app, keys, dialog):
    """The mapping editor from the Fields step: a field mapped with “Map
    to…” (the keyboard's way to drag and drop), a pair's direction
    changed, another pair unmapped, kept with Done."""
    where = "Add Connection: Fields"
    keys.expect("Next@push button", where)
    keys.tab_to("Edit field mapping@push button", where)
    keys.press("Return")
    editor = app.window("Edit Field Mapping")
    where = "mapping editor"
    keys.expect("~Direction of Email@push button", where)
    # “Map to…”: the search, Down to the field it keeps, Enter.
    keys.tab_to("^Map Source of Newsletter to…@push button", where)
    keys.move("Return", where)
    keys.expect("Search the fields of Sales@entry", where)
    keys.type("Job")
    keys.move("Down", where)
    keys.expect("Job title@list item", where)
    keys.move("Return", where)
    keys.expect("~Direction of Source ⇄ Job title@push button", where)
    # A pair's direction: its menu, the arrows.
    keys.tab_to("~Direction of Phone ⇄ Phone@push button", where)
    keys.move("Return", where)
    keys.expect("Both ways@check box", where)
    node = keys.move("Down", where)
    if matches(node, "~Newsletter to Sales@check box"):
        keys.move("space", where)
    keys.expect("Direction of Phone ⇄ Phone: only from Newsletter to Sales@push button", where)
    # Unmapped: the focus goes on, not lost.
    keys.tab_to("Unmap City ⇄ City@push button", where)
    keys.move("Return", where)
    wait_for("City unmapped", lambda: app.find("~Unmap City ⇄ City@push button", editor, 0.1, False) is None, 10)
    # The focus stays where the pair was: on the next one.
    keys.expect("~Direction of Company ⇄ Company@push button", where + ", City unmapped")
    # Up to Done (the toast “Unmapped City ⇄ City” is at the end).
    keys.tab_to("Done@push button", where, key="shift+Tab")
    keys.press("Return")
    keys.closed(app, "Edit Field Mapping", "Add Connection", where)
    where = "Add Connection: Fields, the mapping editor closed"
    keys.expect("Edit field mapping@push button", where)
    fields = lambda: [name_of(n) for n in app.nodes(dialog) if role(n) == "list item"]
    wait_for("the new mapping on the Fields step", lambda: any(
        "Source" in f and "Job title" in f for f in fields()), 10)
    if any(f.startswith("City syncs") for f in fields()):
        raise Failure("%s: City is still mapped" % where)
    if not any(f.startswith("Phone") and "both ways" not in f for f in fields()):
        raise Failure("%s: Phone's direction did not change (%s)" % (
            where, "; ".join(f for f in fields() if "Phone" in f)))


def add_connection_types(app, keys, dialog):
    """The Contacts step: the arrows go through the kinds, Space picks one."""
    where = "Add Connection: Contacts"
    wait_step(app, dialog, "Contacts", where)
    keys.expect("People@list item", where)
    keys.move("Down", where)
    keys.expect("Leads@list item", where)
    keys.move("Up", where)
    keys.expect("People@list item", where)
    keys.press("space")
    people = app.find("People@check box", dialog, actionable=False)
    wait_for("People chosen", lambda: "checked" in states(people), 10)
    keys.tab_to("Next@push button", where)
    keys.press("Return")


def step_of(app, dialog):
    """The Add Connection step shown, from the window's subtitle
    ("Step 2 of 5: Direction")."""
    for n in app.nodes(dialog):
        if role(n) == "label" and name_of(n).startswith("Step "):
            return name_of(n)
    return None


def keyboard_walk(app, keys):
    main = app.window("Concord")

    # The first Tab stop: the primary action, not the main menu.
    first = wait_for("a focused control in the main window", keys.scan, 30)
    keys.note(first, "main window")
    if not (matches(first, "~Add Connection") or matches(first, "~Add connection")
            or matches(first, "Try with Sample Data")):
        raise Failure("main window: the first Tab stop is %s, not Add Connection" % describe(first))
    keys.focus = first

    keys.tab_to("Try with Sample Data@push button", "main window")
    keys.move("Return", "sample data menu")
    keys.expect("~Sample@menu item", "sample data menu")
    # Escape closes the menu; the focus is back on its button.
    keys.press("Escape")
    keys.expect("Try with Sample Data@push button", "main window, the menu closed")
    keys.move("Return", "sample data menu")
    keys.expect("~Sample@menu item", "sample data menu")
    # Down and back up: the arrows move in the menu.
    keys.move("Down", "sample data menu")
    keys.tab_to("Sample CRM@menu item", "sample data menu", key="Up")
    keys.press("Return")
    dialog = app.window("Add Connection", 60)
    add_connection_apps(app, keys, dialog)
    add_connection_types(app, keys, dialog)
    add_connection_direction(app, keys, dialog)
    rule_editor(app, keys, dialog)
    keys.tab_to("Next@push button", "Add Connection: Rules")
    keys.press("Return")
    mapping_editor(app, keys, dialog)
    keys.tab_to("Next@push button", "Add Connection: Fields")
    keys.press("Return")
    review_and_turn_on(app, keys, dialog)
    main_after(app, keys)
    return dialog


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: test-keyboard.py CONCORD CONCORD-CLI")
    launcher = prepare()
    if launcher == SKIP:
        return SKIP

    data = tempfile.mkdtemp(prefix="concord-keys.")
    app = None
    keys = None
    started = time.time()
    try:
        app = App(sys.argv[1], data)
        keys = Keyboard(app)
        keyboard_walk(app, keys)
        app.stop()
        check_with_cli(sys.argv[2], data)
    except (Failure, GLib.Error) as e:
        # GLib.Error: the app is gone (a crash, a fatal critical): its log says why.
        if app is not None:
            app.stop()
        log = os.path.join(data, "concord.log")
        text = ""
        if os.path.exists(log):
            with open(log) as f:
                text = f.read()
            sys.stdout.write(text[-4000:])
        if app is None and "cannot open display" in text:
            # The X server went away under the app (another session took
            # its display number): nothing of the app's was tried.
            print("skip: the display is gone")
            return SKIP
        print("FAIL: %s" % e)
        return 1
    finally:
        if app is not None:
            app.stop()
        if launcher is not None:
            launcher.terminate()
        if not os.environ.get("CONCORD_A11Y_KEEP"):
            shutil.rmtree(data, ignore_errors=True)

    for p in keys.problems:
        print("FAIL: " + p)
    if keys.problems:
        print("%d problems" % len(keys.problems))
        return 1
    print("# %d focus stops in %.0f s" % (keys.stops, time.time() - started))
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
