#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that po/POTFILES.in lists every file with translatable strings.

A file needs translation when it is a .c/.h file using _(), N_(), C_(),
NC_(), g_dngettext or ngettext; a .ui file with translatable="yes"; or a
desktop, metainfo or GSettings schema source. Listed files must exist and the
list must be sorted. Exits 1 and names each problem; 0 when all is well.

Usage: check-potfiles.py SOURCE_ROOT
"""

import os
import re
import sys

C_MARKERS = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|ngettext|g_dngettext)\s*\(')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
DATA_SUFFIXES = ('.desktop.in.in', '.desktop.in', '.metainfo.xml.in.in',
                 '.metainfo.xml.in', '.gschema.xml')
SCANNED_DIRS = ('src', 'data')


def strip_c_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def needs_translation(path):
    if path.endswith(DATA_SUFFIXES):
        return True
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (UnicodeDecodeError, OSError):
        return False
    if path.endswith(('.c', '.h')):
        return C_MARKERS.search(strip_c_comments(text)) is not None
    if path.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    return False


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    try:
        with open(potfiles, encoding='utf-8') as f:
            listed = [l.strip() for l in f if l.strip() and not l.startswith('#')]
    except OSError as e:
        print(f'cannot read {potfiles}: {e}', file=sys.stderr)
        return 1

    problems = []
    for entry in listed:
        if not os.path.isfile(os.path.join(root, entry)):
            problems.append(f'{entry}: listed in po/POTFILES.in but does not exist')
    if listed != sorted(listed):
        problems.append('po/POTFILES.in is not sorted')

    listed_set = set(listed)
    scanned = 0
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                scanned += 1
                if needs_translation(path) and rel not in listed_set:
                    problems.append(f'{rel}: has translatable strings but is missing from po/POTFILES.in')

    for p in problems:
        print(p)
    print(f'# scanned {scanned} files, {len(listed)} listed, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
