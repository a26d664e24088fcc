#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove that check-potfiles.py catches what it must, on throw-away trees."""

import os
import shutil
import subprocess
import sys
import tempfile

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'check-potfiles.py')


def make_tree(files):
    root = tempfile.mkdtemp(prefix='potfiles-')
    trees.append(root)
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
    return root


def run(root):
    p = subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True)
    return p.returncode, p.stdout


failures = 0
trees = []


def check(name, cond, detail=''):
    global failures
    print(('ok - ' if cond else 'not ok - ') + name + (f' # {detail}' if not cond else ''))
    if not cond:
        failures += 1


C_USING = '#include <glib/gi18n.h>\nconst char *s (void) { return _("Hello"); }\n'
C_COMMENT_ONLY = '/* call _("x") some day */\nint f (void) { return 0; }\n'
UI_USING = '<interface><object class="GtkLabel"><property name="label" translatable="yes">Hi</property></object></interface>\n'

print('1..6')
rc, out = run(make_tree({'po/POTFILES.in': '', 'src/a.c': C_USING}))
check('missing .c file fails', rc == 1 and 'src/a.c' in out, out)

rc, out = run(make_tree({'po/POTFILES.in': '', 'src/ui/w.ui': UI_USING}))
check('missing .ui file fails', rc == 1 and 'src/ui/w.ui' in out, out)

rc, out = run(make_tree({'po/POTFILES.in': '', 'data/x.gschema.xml': '<schemalist/>'}))
check('missing schema fails', rc == 1 and 'data/x.gschema.xml' in out, out)

rc, out = run(make_tree({'po/POTFILES.in': 'src/a.c\nsrc/ui/w.ui\n',
                         'src/a.c': C_USING, 'src/ui/w.ui': UI_USING,
                         'src/b.c': C_COMMENT_ONLY}))
check('complete list passes, comments ignored', rc == 0, out)

rc, out = run(make_tree({'po/POTFILES.in': 'src/gone.c\n'}))
check('listed file that does not exist fails', rc == 1 and 'src/gone.c' in out, out)

rc, out = run(make_tree({'po/POTFILES.in': 'src/ui/w.ui\nsrc/a.c\n',
                         'src/a.c': C_USING, 'src/ui/w.ui': UI_USING}))
check('unsorted list fails', rc == 1 and 'not sorted' in out, out)

for t in trees:
    shutil.rmtree(t, ignore_errors=True)
sys.exit(1 if failures else 0)
