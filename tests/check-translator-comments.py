#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that translators are told what each placeholder stands for.

Extracts Concord's messages with xgettext (the keywords of meson's 'glib'
gettext preset, which po/meson.build uses) from the files in po/POTFILES.in,
or reads a .pot given with --pot, and fails on:

- a message with a placeholder (%s, %d, %1$s, %<PRId64>, …) and no extracted
  comment starting with "Translators:" right before its _() / N_() / C_();
- a message flagged c-format whose directives are broken (for example a
  G_GINT64_FORMAT inside the msgid, which xgettext cuts at "%"), and any
  msgid ending in a lone "%".

Exits 1 and names each problem (file:line and msgid); 0 when all is well.

Usage: check-translator-comments.py SOURCE_ROOT [--pot FILE]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# meson's i18n 'glib' preset (mesonbuild/modules/i18n.py), plus po/meson.build's args
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
    # po/meson.build's own
    '--add-comments=Translators',
]

# A printf directive: %%, or % [n$] [flags] [width] [.prec] [length] conversion,
# or an <inttypes.h> macro as xgettext writes it (%<PRId64>).
DIRECTIVE = re.compile(r"%(?:%|(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?"
                       r"(?:hh|h|ll|l|L|q|j|z|Z|t)?[diouxXeEfFgGaAcsp]|<PRI[a-zA-Z0-9]+>)")
ANY_PERCENT = re.compile(r'%')


def unquote(s):
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    s = s[1:-1]
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


def parse_pot(text):
    """Yields dicts: comments (list), refs (list), flags (set), msgctxt, msgid, msgid_plural."""
    entries = []
    cur = None
    field = None

    def new():
        return {'comments': [], 'refs': [], 'flags': set(), 'msgctxt': None,
                'msgid': None, 'msgid_plural': None}

    for line in text.splitlines():
        if not line.strip():
            if cur is not None and cur['msgid'] is not None:
                entries.append(cur)
            cur, field = None, None
            continue
        if cur is None:
            cur = new()
        if line.startswith('#.'):
            cur['comments'].append(line[2:].strip())
        elif line.startswith('#:'):
            cur['refs'].extend(line[2:].split())
        elif line.startswith('#,'):
            cur['flags'].update(f.strip() for f in line[2:].split(','))
        elif line.startswith('#'):
            pass
        elif line.startswith('msgctxt '):
            field = 'msgctxt'
            cur[field] = unquote(line[8:])
        elif line.startswith('msgid_plural '):
            field = 'msgid_plural'
            cur[field] = unquote(line[13:])
        elif line.startswith('msgid '):
            field = 'msgid'
            cur[field] = unquote(line[6:])
        elif line.startswith('msgstr'):
            field = None
        elif line.startswith('"') and field is not None:
            cur[field] += unquote(line)
    if cur is not None and cur['msgid'] is not None:
        entries.append(cur)
    return [e for e in entries if e['msgid'] != '']


def has_placeholder(msgid):
    return any(m.group(0) != '%%' for m in DIRECTIVE.finditer(msgid))


def broken_directives(msgid):
    """The '%' signs that start no valid directive."""
    valid = set()
    for m in DIRECTIVE.finditer(msgid):
        valid.add(m.start())
    bad = []
    for m in ANY_PERCENT.finditer(msgid):
        i = m.start()
        if i in valid or (i > 0 and msgid[i - 1] == '%' and i - 1 in valid):
            continue
        bad.append(i)
    return bad


def check(entries):
    problems = []
    for e in entries:
        where = e['refs'][0] if e['refs'] else '?'
        texts = [e['msgid']] + ([e['msgid_plural']] if e['msgid_plural'] else [])
        shown = e['msgid'].replace('\n', '\\n')
        if len(shown) > 70:
            shown = shown[:67] + '...'
        c_format = 'c-format' in e['flags']
        if any(t.endswith('%') and not t.endswith('%%') for t in texts) or \
                (c_format and any(broken_directives(t) for t in texts)):
            problems.append(f'{where}: "{shown}": broken printf directive in the msgid '
                            '(format a number with G_GINT64_FORMAT outside the message)')
        if (c_format or 'no-c-format' not in e['flags']) and any(has_placeholder(t) for t in texts):
            if not any(c.startswith('Translators:') for c in e['comments']):
                problems.append(f'{where}: "{shown}": has a placeholder but no '
                                '/* Translators: … */ comment saying what it stands for')
    return problems


def extract(root):
    xgettext = shutil.which('xgettext')
    if xgettext is None:
        print('xgettext is not installed', file=sys.stderr)
        sys.exit(77)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'concord.pot')
        subprocess.run([xgettext, *XGETTEXT_ARGS, '--files-from', os.path.join(root, 'po', 'POTFILES.in'),
                        '--directory', root, '--output', out],
                       check=True, stderr=subprocess.DEVNULL)
        with open(out, encoding='utf-8') as f:
            return f.read()


def main(argv):
    args = argv[1:]
    pot = None
    if '--pot' in args:
        i = args.index('--pot')
        pot = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    if pot is not None:
        with open(pot, encoding='utf-8') as f:
            text = f.read()
    else:
        text = extract(args[0])
    entries = parse_pot(text)
    problems = check(entries)
    for p in problems:
        print(p)
    with_placeholders = sum(1 for e in entries if has_placeholder(e['msgid']))
    print(f'# {len(entries)} messages, {with_placeholders} with placeholders, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
