#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make a pseudo-locale test translation of Concord (not a translation to ship).

Every message becomes "[Ŝýñç Ñöŵ ~~~~]": accented letters, so a string that
is not translated stands out as plain ASCII; brackets, so a clipped string
shows where it was cut; and 40 % longer, as German or Finnish often are.
Placeholders (%s, %1$s, %u, %%, strftime's %e …), mnemonics (_Save keeps its
"_S"), markup (<b>, &amp;) and escapes are kept as they are, so that
msgfmt --check passes and the UI still works.

With --rtl every message also starts with a RIGHT-TO-LEFT MARK, so its
paragraph is laid out right to left as Hebrew is, and its arrows are
mirrored ("→" becomes "←") as translators are asked to; and --gtk-direction writes
the one message GTK reads to choose the direction of the whole UI
("default:LTR", in GTK's own "gtk40" domain) translated to "default:RTL".

Usage:
  pseudo-locale.py --source-root DIR [--rtl] --language LANG -o OUT.po
  pseudo-locale.py --pot FILE [--rtl] --language LANG -o OUT.po
  pseudo-locale.py --gtk-direction rtl --language LANG -o OUT.po
"""

import argparse
import importlib.util
import math
import os
import re
import sys

LOWER = 'ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑ'
UPPER = 'ȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ'
ACCENT = {chr(ord('a') + i): c for i, c in enumerate(LOWER)}
ACCENT.update({chr(ord('A') + i): c for i, c in enumerate(UPPER)})
RLM = '\u200f'

# What must stay as it is: printf directives (with n$ and <PRI…> macros) and
# any other "%x" (strftime), markup tags and entities, mnemonics, {names}.
KEEP = re.compile(r"%(?:\d+\$)?[-+ #0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|Z|t)?"
                  r"(?:[diouxXeEfFgGaAcsp]|<PRI[a-zA-Z0-9]+>)"
                  r"|%.|<[^<>]*>|&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);|_[^_\s]|\{[A-Za-z_]+\}|\n|\t")


def pseudo(text, rtl):
    if text == '':
        return ''
    out = []
    pos = 0
    letters = 0
    for m in KEEP.finditer(text):
        chunk = text[pos:m.start()]
        out.append(''.join(ACCENT.get(c, c) for c in chunk))
        letters += sum(c.isalpha() for c in chunk)
        out.append(m.group(0))
        pos = m.end()
    chunk = text[pos:]
    out.append(''.join(ACCENT.get(c, c) for c in chunk))
    letters += sum(c.isalpha() for c in chunk)
    # 40 % longer than the visible text, at least one mark
    n_pad = max(1, math.ceil(0.4 * max(letters, len(text) - text.count('%') * 2)))
    # in words of up to 6 marks, as a translation's words are: one long word
    # would widen its window where the text would have wrapped
    pad = ' '.join('~' * min(6, n_pad - i) for i in range(0, n_pad, 6))
    body = ''.join(out)
    # A message that ends in a newline keeps it last.
    tail = ''
    while body.endswith('\n'):
        body, tail = body[:-1], tail + '\n'
    result = f'[{body} {pad}]{tail}'
    if rtl:
        # As translators are told: an arrow from the first thing named to the
        # second points the other way when the first is on the right.
        result = result.translate(str.maketrans({'→': '←', '←': '→'}))
        return RLM + result
    return result


def quote(s):
    s = s.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t')
    parts = s.split('\n')
    if len(parts) == 1:
        return f'"{s}"'
    lines = [p + '\\n' for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + '\n'.join(f'"{l}"' for l in lines)


def header(language):
    return ('msgid ""\nmsgstr ""\n'
            '"Project-Id-Version: concord pseudo-locale\\n"\n'
            '"PO-Revision-Date: 2026-12-07 00:00+0000\\n"\n'
            '"Last-Translator: tools/pseudo-locale.py\\n"\n'
            '"Language-Team: none\\n"\n'
            f'"Language: {language}\\n"\n'
            '"MIME-Version: 1.0\\n"\n'
            '"Content-Type: text/plain; charset=UTF-8\\n"\n'
            '"Content-Transfer-Encoding: 8bit\\n"\n'
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n')


def load_checker():
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', 'tests', 'check-translator-comments.py')
    spec = importlib.util.spec_from_file_location('check_translator_comments', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--source-root')
    parser.add_argument('--pot')
    parser.add_argument('--rtl', action='store_true')
    parser.add_argument('--gtk-direction', choices=['rtl'])
    parser.add_argument('--language', required=True)
    parser.add_argument('-o', '--output', required=True)
    args = parser.parse_args(argv[1:])

    out = [header(args.language)]
    if args.gtk_direction:
        out.append('msgid "default:LTR"\nmsgstr "default:RTL"\n')
    else:
        checker = load_checker()
        if args.pot:
            with open(args.pot, encoding='utf-8') as f:
                text = f.read()
        elif args.source_root:
            text = checker.extract(args.source_root)
        else:
            parser.error('give --source-root, --pot or --gtk-direction')
        for e in checker.parse_pot(text):
            entry = []
            if e['flags']:
                entry.append('#, ' + ', '.join(sorted(e['flags'])))
            if e['msgctxt'] is not None:
                entry.append('msgctxt ' + quote(e['msgctxt']))
            entry.append('msgid ' + quote(e['msgid']))
            if e['msgid_plural'] is not None:
                entry.append('msgid_plural ' + quote(e['msgid_plural']))
                entry.append('msgstr[0] ' + quote(pseudo(e['msgid'], args.rtl)))
                entry.append('msgstr[1] ' + quote(pseudo(e['msgid_plural'], args.rtl)))
            else:
                entry.append('msgstr ' + quote(pseudo(e['msgid'], args.rtl)))
            out.append('\n'.join(entry) + '\n')

    with open(args.output, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
