#!/usr/bin/python3
# Drives a running Concord through AT-SPI, for tools/take-screenshots.sh.
#
#   drive-ui.py STEP...
#     click:NAME          activate the first widget with an action named
#                         NAME (else whose name contains NAME)
#     click:NAME@ROLE     ... whose role is ROLE (e.g. "push button")
#     activate:NAME       click the middle of the first widget named NAME (or
#                         whose name contains it; NAME@ROLE too)
#     type:NAME=TEXT      replace the text of the entry named NAME
#     wait:SECONDS
#     until:NAME          wait (up to 60 s) until a widget named NAME exists
#     shot:FILE           capture the whole screen (ImageMagick import)
#     dump                print the accessible tree
import subprocess
import sys
import time

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi


# Roles that GTK may give an action but that a person does not click.
PASSIVE = {"label", "panel", "filler", "frame", "text", "image", "icon"}


def find_app(name):
    for _ in range(150):
        desktop = Atspi.get_desktop(0)
        for i in range(desktop.get_child_count()):
            app = desktop.get_child_at_index(i)
            if app is not None and app.get_name() == name:
                return app
        time.sleep(0.2)
    sys.exit("drive-ui: no application named %s" % name)


def walk(node, out, depth=0):
    out.append((depth, node))
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            walk(child, out, depth + 1)
    return out


def find(app, spec, timeout=30, actionable=False):
    name, _, role = spec.partition("@")
    deadline = time.time() + timeout
    while time.time() < deadline:
        app.clear_cache()
        nodes = [n for _, n in walk(app, [])
                 if (not role or n.get_role_name() == role)
                 and (not actionable or (n.get_n_actions() > 0 and
                                         n.get_role_name() not in PASSIVE))]
        for node in nodes:
            if (node.get_name() or "") == name:
                return node
        for node in nodes:
            if name in (node.get_name() or ""):
                return node
        time.sleep(0.2)
    dump(app)
    sys.exit("drive-ui: nothing is named %r" % spec)


def dump(app):
    app.clear_cache()
    for depth, node in walk(app, []):
        states = [s.value_nick for s in node.get_state_set().get_states()]
        print("  " * depth + "%s [%s] %s" % (node.get_name(), node.get_role_name(), " ".join(states)))


def main():
    app = find_app("concord")
    for step in sys.argv[1:]:
        verb, _, arg = step.partition(":")
        if verb == "click":
            node = find(app, arg, actionable=True)
            node.do_action(0)
            time.sleep(0.8)
        elif verb == "activate":
            # GTK 4.8 offers no focus through AT-SPI: a click on the widget's
            # middle, where the screen shows it.
            box = find(app, arg).get_extents(Atspi.CoordType.SCREEN)
            subprocess.run(["xdotool", "mousemove", str(box.x + box.width // 2),
                            str(box.y + box.height // 2), "click", "1"], check=True)
            time.sleep(0.8)
        elif verb == "type":
            name, _, text = arg.partition("=")
            node = find(app, name)
            node.grab_focus()
            node.set_text_contents(text)
            time.sleep(0.5)
        elif verb == "wait":
            time.sleep(float(arg))
        elif verb == "until":
            find(app, arg, 60)
        elif verb == "shot":
            time.sleep(0.8)
            subprocess.run(["import", "-window", "root", arg], check=True)
        elif verb == "dump":
            dump(app)
        else:
            sys.exit("drive-ui: unknown step %r" % step)


main()
