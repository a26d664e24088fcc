#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine and the connectors must not depend on GTK: no undefined
gtk_/gdk_/gsk_/adw_ symbol in their static archives. The UI archive is the
control: it must reference GTK, or this check could not fail.

Usage: check-no-gtk.py NM UI_ARCHIVE ARCHIVE...
"""

import re
import subprocess
import sys

GUI = re.compile(r'^(gtk|gdk|gsk|adw)_')


def undefined_gui_symbols(nm, archive):
    out = subprocess.run([nm, '--undefined-only', '--format=posix', archive],
                         capture_output=True, text=True, check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if parts and GUI.match(parts[0]):
            syms.add(parts[0])
    return sorted(syms)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    nm, control, archives = argv[1], argv[2], argv[3:]
    failed = 0
    print(f'1..{len(archives) + 1}')
    if undefined_gui_symbols(nm, control):
        print(f'ok - control {control} references GTK')
    else:
        print(f'not ok - control {control} references no GTK symbol: the check is blind')
        failed += 1
    for archive in archives:
        syms = undefined_gui_symbols(nm, archive)
        if syms:
            print(f'not ok - {archive} uses GTK: {", ".join(syms[:10])}')
            failed += 1
        else:
            print(f'ok - {archive} has no GTK dependency')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
