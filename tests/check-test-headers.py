#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers are functions with declarations in the test-support library
(tests/support/), never static code in a header that every including test
compiles again: no header under tests/ may define a static function or
hold a static variable (static inline functions excepted).

Usage: check-test-headers.py TESTS_DIR
"""

import os
import re
import sys

# At file scope only: a static inside a static inline function is fine.
STATIC = re.compile(r'^(G_GNUC_UNUSED\s+)?static\s+(?!inline\b)')


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    headers = []
    for dirpath, dirnames, filenames in os.walk(argv[1]):
        dirnames[:] = [d for d in dirnames if not d.startswith(('_build', '.'))]
        headers += [os.path.join(dirpath, f) for f in filenames if f.endswith('.h')]
    problems = []
    for header in sorted(headers):
        in_comment = False
        with open(header, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                text = line
                if in_comment:
                    if '*/' not in text:
                        continue
                    text = text.split('*/', 1)[1]
                    in_comment = False
                if '/*' in text and '*/' not in text.split('/*', 1)[1]:
                    in_comment = True
                    text = text.split('/*', 1)[0]
                if STATIC.match(text):
                    problems.append(f'{header}:{number}: {line.strip()}')
    print('1..2')
    if headers:
        print(f'ok 1 - control: {len(headers)} headers read')
    else:
        print('not ok 1 - control: no header found: the check is blind')
    if problems:
        print('not ok 2 - static code in test headers (move it to tests/support/*.c):')
        for p in problems:
            print(f'#   {p}')
    else:
        print('ok 2 - no static code in a test header')
    return 0 if headers and not problems else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
