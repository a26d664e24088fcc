#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Summarize meson's testlog.json files: "N skipped", then "N passed, N failed".

Usage: summarize-tests.py LOG [LOG…] — the main build's log, then others
(the fuzz build's); a log that is missing or empty counts one failure.

Each meson test() is one JSON object per line. A test that prints TAP
(GTest programs and our Python checkers do) counts by its subtests: "ok" is
a pass, "ok ... # SKIP" a skip, "not ok" a failure. A test that crashed or
failed without a "not ok" line counts one more failure. A test without TAP
counts as one, by its result. Anything but OK/EXPECTEDFAIL/SKIP is a failure.
"""

import json
import os
import re
import sys

OK_RE = re.compile(r'^ok\b(.*)$')
NOT_OK_RE = re.compile(r'^not ok\b')
SKIP_RE = re.compile(r'#\s*skip', re.I)


def main(paths):
    passed = failed = skipped = 0
    for path in paths:
        p, x, s = count(path)
        passed += p
        failed += x
        skipped += s
    # The last line is exactly "N passed, N failed": what CI reads.
    print(f'{skipped} skipped')
    print(f'{passed} passed, {failed} failed')


def count(path):
    passed = failed = skipped = 0
    try:
        f = open(path, encoding='utf-8', errors='replace')
    except OSError:
        return 0, 1, 0
    with f:
        if os.fstat(f.fileno()).st_size == 0:
            return 0, 1, 0
        for line in f:
            if not line.strip():
                continue
            entry = json.loads(line)
            result = entry.get('result', 'ERROR')
            out = entry.get('stdout') or ''
            p = s = x = 0
            for tap in out.splitlines():
                tap = tap.strip()
                if NOT_OK_RE.match(tap):
                    x += 1
                    continue
                m = OK_RE.match(tap)
                if m:
                    if SKIP_RE.search(m.group(1)):
                        s += 1
                    else:
                        p += 1
            if p + s + x == 0:
                if result in ('OK', 'EXPECTEDFAIL'):
                    p = 1
                elif result == 'SKIP':
                    s = 1
                else:
                    x = 1
            elif result not in ('OK', 'EXPECTEDFAIL', 'SKIP') and x == 0:
                x = 1
            passed += p
            skipped += s
            failed += x
    return passed, failed, skipped


if __name__ == '__main__':
    main(sys.argv[1:])
