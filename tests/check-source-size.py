#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sources stay small enough to read (issue "The engine, reshaped"):

- no file in src/ over 1,200 lines;
- a file over 800 lines says why in its opening comment, in words that
  contain "800 lines";
- no C function over 100 lines, unless the comment right above it says why,
  in words that contain "100 lines".

Functions are found in GNU style, as every file in src/ is written: the
name at the start of a line followed by " (", the body's braces at the
start of a line.  A file named in --pending is reported but does not fail
(the files still to split, tests/source-size-pending.txt); a pending file that already holds is an error,
so the list can only shrink.

Usage: check-source-size.py SRC_DIR [--pending-file LIST] [--list]

LIST holds one path (relative to SRC_DIR) a line; '#' starts a comment.
"""

import os
import re
import sys

MAX_FILE = 1200
WARN_FILE = 800
MAX_FUNCTION = 100

NAME = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*) \(')


def opening_comment(lines):
    text = []
    inside = False
    for line in lines:
        if not inside and line.startswith('/*'):
            inside = True
        if inside:
            text.append(line)
            if '*/' in line:
                if 'SPDX' in ''.join(text) and len(text) < 6:
                    # the licence header; the file's comment is the next one
                    text, inside = [], False
                    continue
                break
    return ' '.join(text)


def comment_above(lines, index):
    """The comment block ending right above line index (the return type
    line, or the name line for a one-line signature)."""
    i = index - 1
    while i >= 0 and lines[i].strip() == '':
        i -= 1
    if i < 0 or not lines[i].rstrip().endswith('*/'):
        return ''
    end = i
    while i >= 0 and '/*' not in lines[i]:
        i -= 1
    return ' '.join(lines[max(i, 0):end + 1])


def long_functions(lines):
    found = []
    i = 0
    while i < len(lines):
        m = NAME.match(lines[i])
        if m and i > 0 and lines[i - 1].strip() and not lines[i - 1].startswith((' ', '#', '/', '*', '}')):
            # find the body's opening brace at column 0 before any ';'
            j = i
            while j < len(lines) and lines[j] != '{' and not lines[j].rstrip().endswith(';'):
                j += 1
            if j < len(lines) and lines[j] == '{':
                k = j + 1
                while k < len(lines) and not lines[k].startswith('}'):
                    k += 1
                length = k - i + 1
                if length > MAX_FUNCTION:
                    comment = comment_above(lines, i - 1)
                    found.append((m.group(1), i + 1, length, '100 lines' in comment))
                i = k
        i += 1
    return found


def check(src, pending, listing):
    problems = {}
    for root, _dirs, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            with open(path, encoding='utf-8') as f:
                lines = f.read().split('\n')
            n = len(lines) - (1 if lines and lines[-1] == '' else 0)
            mine = []
            if n > MAX_FILE:
                mine.append(f'{n} lines (over {MAX_FILE})')
            elif n > WARN_FILE and '800 lines' not in opening_comment(lines):
                mine.append(f'{n} lines (over {WARN_FILE}) and its opening comment does not say why')
            for fn, line, length, said in long_functions(lines):
                if not said:
                    mine.append(f'{fn}() at line {line} is {length} lines and its comment does not say why')
                elif listing:
                    print(f'# {rel}: {fn}() is {length} lines (its comment says why)')
            if mine:
                problems[rel] = mine
    return problems


def main(argv):
    args = argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    src = args.pop(0)
    listing = '--list' in args
    args = [a for a in args if a != '--list']
    pending = set()
    if args and args[0] == '--pending-file':
        with open(args[1], encoding='utf-8') as f:
            pending = {l.split('#')[0].strip() for l in f} - {''}
    problems = check(src, pending, listing)
    failed = 0
    for rel in sorted(set(problems) | pending):
        if rel in problems:
            for p in problems[rel]:
                tag = 'pending' if rel in pending else 'not ok'
                print(f'{tag} - {rel}: {p}')
            if rel not in pending:
                failed += 1
        else:
            print(f'not ok - {rel} is listed as pending but holds now: take it off the list')
            failed += 1
    print(f'{len(problems)} files over the limits, {len(pending)} of them pending, {failed} failing')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
