#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the GResource description of the apps' icons.

Usage: concord-icons-gresource.py OUTPUT CONNECTORS_DIR ICON...

Each app's icon lives in its own folder under src/connectors/ and is listed
there in connectors_icons (meson); this lists every one under the
application's icon path, so adding an app touches no shared file.
"""

import os
import sys
from xml.sax.saxutils import escape

PREFIX = '/io/github/concordsync/Concord'


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    output, root, icons = argv[1], argv[2], argv[3:]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gresources>',
             f'  <gresource prefix="{PREFIX}">']
    for icon in sorted(icons):
        relative = os.path.relpath(icon, root)
        alias = 'icons/scalable/actions/' + os.path.basename(icon)
        lines.append(f'    <file preprocess="xml-stripblanks" alias="{escape(alias)}">'
                     f'{escape(relative)}</file>')
    lines += ['  </gresource>', '</gresources>', '']
    with open(output, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
