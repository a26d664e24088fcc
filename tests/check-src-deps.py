#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Nothing under src/ may depend on test code: no target built in src/
links an archive or object built in tests/, and no compilation of a src/
target sees an include directory under tests/ (so no tests/ header can be
included). The sandbox demo's simulated apps live beside their connectors
(src/connectors/*/mock/) for this reason.

Reads the build graph meson wrote (build.ninja). Usage:
check-src-deps.py BUILD_DIR

As a control, tests/ targets must link something from src/: otherwise the
parse found nothing and the check would be blind.
"""

import os
import re
import shlex
import sys


def edges(build_ninja):
    """Yields (outputs, inputs, variables) for every build statement."""
    with open(build_ninja, encoding='utf-8') as f:
        lines = f.read().replace('$\n', '').splitlines()
    current = None
    for line in lines:
        if line.startswith('build '):
            if current:
                yield current
            head = line[len('build '):]
            # "out1 out2: rule in1 in2 | implicit || order-only"
            m = re.match(r'((?:[^:$]|\$.)*):\s*(\S+)\s*(.*)', head)
            if not m:
                current = None
                continue
            outputs = shlex.split(m.group(1).replace('$ ', '\\ '))
            rest = m.group(3).split('||')[0].replace('|', ' ')
            inputs = shlex.split(rest.replace('$ ', '\\ '))
            current = (outputs, inputs, {})
        elif current and line.startswith(' ') and '=' in line:
            name, _, value = line.strip().partition('=')
            current[2][name.strip()] = value.strip()
        elif not line.startswith(' '):
            if current:
                yield current
            current = None
    if current:
        yield current


def under(path, top):
    path = os.path.normpath(path)
    return path == top or path.startswith(top + os.sep) or \
        path.startswith(os.path.join('..', top) + os.sep)


def include_dirs(flags):
    for arg in shlex.split(flags):
        if arg.startswith('-I') and len(arg) > 2:
            yield arg[2:]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    build_ninja = os.path.join(argv[1], 'build.ninja')
    problems = []
    tests_linking_src = 0
    for outputs, inputs, variables in edges(build_ninja):
        if not outputs:
            continue
        out = outputs[0]
        if out.startswith('meson-') or out.endswith('.pot'):
            continue
        if under(out, 'tests'):
            if any(under(i, 'src') and i.endswith('.a') for i in inputs):
                tests_linking_src += 1
            continue
        if not under(out, 'src'):
            continue
        for i in inputs:
            if under(i, 'tests') and (i.endswith('.a') or i.endswith('.o') or
                                      i.endswith('.so') or i.endswith('.h')):
                problems.append(f'{out} is built from {i}')
        for d in include_dirs(variables.get('ARGS', '')):
            if under(d, 'tests'):
                problems.append(f'{out} is compiled with -I{d}')
    print('1..2')
    if tests_linking_src:
        print(f'ok 1 - control: {tests_linking_src} tests/ targets link src/ archives')
    else:
        print('not ok 1 - control: no tests/ target links a src/ archive: the parse is blind')
    if problems:
        print('not ok 2 - src/ targets depend on tests/:')
        for p in sorted(set(problems)):
            print(f'#   {p}')
    else:
        print('ok 2 - no src/ target links or includes anything under tests/')
    return 0 if tests_linking_src and not problems else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
