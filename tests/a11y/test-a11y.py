#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader hears, over the real accessibility bus (AT-SPI).

test-a11y.py CONCORD

Starts the app on an empty data folder, as a new user would, and tries it
with the sample data: the main window, every step of Add Connection (with
the rule editor and the mapping editor), the new connection's page (each of
its tabs) and Preferences (each page), and the shortcuts window. On each
screen every focusable control must have a name that is not empty, not a
class or icon name ("GtkMenuButton", "open-menu-symbolic"), not a raw
mnemonic ("_Cancel") and without a word or words read twice in a row
("Cancel Cancel"); every list row must have such a name too. Then the same
flow again with the keyboard alone (Tab, arrows, Space and Enter, sent as
real key events through AT-SPI's key synthesis), where every control the
focus lands on is checked as well.

Needs /usr/bin/python3 with gir1.2-atspi-2.0, a display, a session bus with
an unlocked keyring (the sample apps' keys go to it) and at-spi2-core: the
accessibility bus is D-Bus-activated, or started here. Exits 77 (skipped)
without them. Run it as tools/in-session.sh does (NO_AT_BRIDGE, which that
sets, is removed for the app).
"""
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from concorda11y import (  # noqa: E402
    SKIP, states, role, name_of, Failure, wait_for, App, prepare, GLib,
)


# ---------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------

def step_of(app, dialog):
    """The Add Connection step shown, from the window's subtitle
    ("Step 2 of 5: Direction")."""
    for n in app.nodes(dialog):
        if role(n) == "label" and name_of(n).startswith("Step "):
            return name_of(n)
    return None


def next_step(app, dialog, button="Next@push button"):
    before = step_of(app, dialog)
    app.click(button, dialog, 60)
    return wait_for("the step after “%s”" % before,
                    lambda: (step_of(app, dialog) or before) != before and step_of(app, dialog), 60)


def edit_and_cancel(app, dialog, button, title, screen):
    app.click(button, dialog, 60)
    editor = app.window(title)
    app.check(screen, editor)
    app.click("Cancel@push button", editor)
    wait_for("“%s” to close" % title, lambda: all(name_of(w) != title for w in app.windows()), 30)


def walk_screens(app):
    main = app.window("Concord")
    app.check("main window, empty", main)

    # Try with Sample Data → the Sample CRM: Add Connection opens with both
    # apps chosen and their keys filled in.
    app.click("Try with Sample Data@push button", main)
    app.check("sample data menu")
    app.click("Sample CRM@menu item")
    dialog = app.window("Add Connection", 60)
    step = wait_for("a step", lambda: step_of(app, dialog), 30)
    app.check("Add Connection: %s" % step, dialog)
    # Each account a name, each key checked (the sample keys are filled in).
    for side, account in (("First", "Newsletter"), ("Second", "Sales")):
        entry = app.find("Account name of the %s App@text" % side, dialog, actionable=False)
        entry.set_text_contents(account)
    for check in [n for n in app.nodes(dialog) if role(n) == "push button" and name_of(n) == "Check"]:
        check.do_action(0)
    app.find("Next@push button", dialog)
    wait_for("Next to be sensitive (the keys accepted)",
             lambda: "sensitive" in states(app.find("Next@push button", dialog)), 60)
    app.check("Add Connection: %s, filled in" % step, dialog)
    seen = [step]
    while app.find("Turn On@push button", dialog, 0.1, actionable=False) is None:
        step = next_step(app, dialog)
        seen.append(step)
        app.check("Add Connection: %s" % step, dialog)
        if step.endswith("Rules"):
            edit_and_cancel(app, dialog, "Edit rules@push button", "Edit Rules", "rule editor")
        elif step.endswith("Fields"):
            edit_and_cancel(app, dialog, "Edit field mapping@push button", "Edit Field Mapping",
                            "mapping editor")
    print("# steps: " + "; ".join(seen))
    app.click("Turn On@push button", dialog, 60)
    wait_for("Add Connection to close", lambda: all(name_of(w) != "Add Connection" for w in app.windows()), 60)

    # The main window with the new connection, then its page, each tab.
    row = wait_for("the connection's row", lambda: [
        n for n in app.nodes(main) if role(n) == "list item" and
        any(role(a) == "list" and name_of(a) == "Connections" for a in [n.get_parent()])], 60)[0]
    app.check("main window, a connection", main)
    app.pointer_click(row, "Concord")
    app.find("Back to connections@push button", main)
    for tab in ("Overview", "Rules", "Field Mapping", "Activity"):
        app.click("%s@page tab" % tab, main)
        time.sleep(1)
        app.check("connection page: %s" % tab, main)

    # Back to the list, where the main menu is (over AT-SPI the list page's
    # controls stay "visible" behind the connection page: a click there
    # would open a popover on a button that is not on screen).
    app.click("Back to connections@push button", main)
    wait_for("the list of connections", lambda: app.find("Connections@list", main, 1, actionable=False), 30)

    # The shortcuts window lists every shortcut the app binds.
    app.click("Main Menu@push button", main)
    app.click("Keyboard Shortcuts@menu item")
    shortcuts = wait_for("the shortcuts window", lambda: [
        w for w in app.windows() if name_of(w) not in ("Concord", "")], 30)[0]
    app.check("shortcuts window", shortcuts)
    texts = {name_of(n) for n in app.nodes(shortcuts)}
    for title in ("Add Connection", "Preferences", "Save Changes to a Connection", "Back to Connections",
                  "Next Step", "Previous Step", "Cancel", "Quit", "Close Window", "Show Shortcuts"):
        if title not in texts:
            app.problems[("shortcut", title)] = "shortcuts window: “%s” is not listed" % title
    app.click("Close@push button", shortcuts)
    wait_for("the shortcuts window to close", lambda: all(name_of(w) != name_of(shortcuts)
                                                          for w in app.windows()), 30)

    # Preferences, each page.
    app.click("Main Menu@push button", main)
    app.click("Preferences@menu item")
    prefs = app.window("Preferences")
    for page in ("General", "Accounts"):
        app.click("%s@page tab" % page, prefs)
        time.sleep(0.5)
        app.check("Preferences: %s" % page, prefs)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test-a11y.py CONCORD")
    launcher = prepare()
    if launcher == SKIP:
        return SKIP

    data = tempfile.mkdtemp(prefix="concord-a11y.")
    app = None
    try:
        app = App(sys.argv[1], data)
        walk_screens(app)
    except (Failure, GLib.Error) as e:
        # GLib.Error: the app is gone (a crash, a fatal critical): its log says why.
        if app is not None:
            app.stop()
            with open(os.path.join(data, "concord.log")) as f:
                sys.stdout.write(f.read()[-4000:])
        print("FAIL: %s" % e)
        return 1
    finally:
        if app is not None:
            app.stop()
        if launcher is not None:
            launcher.terminate()
        if not os.environ.get("CONCORD_A11Y_KEEP"):
            shutil.rmtree(data, ignore_errors=True)

    for p in app.problems.values():
        print("FAIL: " + p)
    if app.problems:
        print("%d problems" % len(app.problems))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
