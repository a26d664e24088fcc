#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prove that check-translator-comments.py and tools/pseudo-locale.py do
what they must, on throw-away source trees."""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, 'check-translator-comments.py')
PSEUDO = os.path.join(HERE, '..', 'tools', 'pseudo-locale.py')

failures = 0
trees = []


def check(name, cond, detail=''):
    global failures
    print(('ok - ' if cond else 'not ok - ') + name + (f' # {detail}' if not cond else ''))
    if not cond:
        failures += 1


def make_tree(c_source):
    root = tempfile.mkdtemp(prefix='translator-comments-')
    trees.append(root)
    os.makedirs(os.path.join(root, 'po'))
    os.makedirs(os.path.join(root, 'src'))
    with open(os.path.join(root, 'src', 'a.c'), 'w', encoding='utf-8') as f:
        f.write(c_source)
    with open(os.path.join(root, 'po', 'POTFILES.in'), 'w', encoding='utf-8') as f:
        f.write('src/a.c\n')
    return root


def run(root):
    p = subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True)
    return p.returncode, p.stdout


if shutil.which('xgettext') is None or shutil.which('msgfmt') is None:
    print('1..0 # SKIP xgettext or msgfmt is not installed')
    sys.exit(77)

GOOD = '''
static void f (void)
{
  /* Translators: %s is a name */
  g_print (_("Hello %s"), name);
  g_set_error (error, D, 1,
               /* Translators: %u is a number of bytes */
               _("Larger than %u bytes"), n);
  g_print (g_dngettext (GETTEXT_PACKAGE,
                        /* Translators: %u is a number of contacts */
                        "%u contact", "%u contacts", n), n);
  g_print ("%s", _("No placeholder, no comment"));
  /* Translators: the order of the parts */
  g_print (C_("order", "%1$s %2$s"), a, b);
}
'''

code, out = run(make_tree(GOOD))
check('commented placeholders pass', code == 0, out)
check('counts the messages', '5 messages' in out, out)

code, out = run(make_tree('''
static void f (void)
{
  g_print (_("Hello %s"), name);
}
'''))
check('a placeholder without a comment fails', code == 1 and 'Hello %s' in out, out)

code, out = run(make_tree('''
static void f (void)
{
  /* a comment for programmers */
  g_print (_("Hello %s"), name);
}
'''))
check('a comment not for translators does not count', code == 1 and 'Hello %s' in out, out)

code, out = run(make_tree('''
static void f (void)
{
  /* Translators: too far from the message */
  g_set_error (error, D, 1,
               _("Larger than %u bytes"), n);
}
'''))
check('a comment on the line before the call is too far', code == 1 and 'Larger than' in out, out)

code, out = run(make_tree('''
static void f (void)
{
  /* Translators: %s is when, the number of contacts follows */
  g_print (g_dngettext (GETTEXT_PACKAGE, "%s · %" G_GINT64_FORMAT " contact",
                        "%s · %" G_GINT64_FORMAT " contacts", n), when, n);
}
'''))
check('a G_GINT64_FORMAT in a msgid fails', code == 1 and 'broken printf directive' in out, out)

# The pseudo-locales of the good tree: valid for msgfmt --check, and
# placeholders, mnemonics and markup kept.
root = make_tree(GOOD + '''
static void g (void)
{
  g_print ("%s", _("_Save"));
  g_print ("%s", _("<b>Bold</b> &amp; plain → next"));
}
''')
for language, rtl in (('en_XA', []), ('ar_XB', ['--rtl'])):
    po = os.path.join(root, f'{language}.po')
    p = subprocess.run([sys.executable, PSEUDO, '--source-root', root, '--language', language, *rtl,
                        '-o', po], capture_output=True, text=True)
    check(f'{language}: made', p.returncode == 0, p.stderr)
    p = subprocess.run(['msgfmt', '--check', '-o', os.devnull, po], capture_output=True, text=True)
    check(f'{language}: msgfmt --check passes', p.returncode == 0, p.stderr)
    with open(po, encoding='utf-8') as f:
        text = f.read()
    mark = '\u200f[' if rtl else '['
    check(f'{language}: placeholders kept', f'msgstr "{mark}Ħḗŀŀǿ %s ~~~]"' in text, text)
    check(f'{language}: numbered placeholders kept', '%1$s %2$s' in text.split('msgctxt "order"')[1], text)
    check(f'{language}: plural forms', 'msgstr[1] "' + mark + '%u ƈǿƞŧȧƈŧş' in text, text)
    check(f'{language}: mnemonic kept', f'msgstr "{mark}_Sȧṽḗ' in text, text)
    check(f'{language}: markup kept', '<b>Ɓǿŀḓ</b> &amp; ƥŀȧīƞ' in text, text)
    check(f'{language}: arrow mirrored only right to left',
          ('ƥŀȧīƞ ← ƞḗẋŧ' if rtl else 'ƥŀȧīƞ → ƞḗẋŧ') in text, text)
    check(f'{language}: 40 % longer', 'Ƞǿ ƥŀȧƈḗħǿŀḓḗř, ƞǿ ƈǿḿḿḗƞŧ ~~~~~~ ~~~~~]' in text, text)

po = os.path.join(root, 'gtk40.po')
p = subprocess.run([sys.executable, PSEUDO, '--gtk-direction', 'rtl', '--language', 'ar_XB', '-o', po],
                   capture_output=True, text=True)
with open(po, encoding='utf-8') as f:
    text = f.read()
check('GTK direction catalog', 'msgid "default:LTR"\nmsgstr "default:RTL"' in text, text)
p = subprocess.run(['msgfmt', '--check', '-o', os.devnull, po], capture_output=True, text=True)
check('GTK direction catalog: msgfmt --check passes', p.returncode == 0, p.stderr)

for t in trees:
    shutil.rmtree(t, ignore_errors=True)
print(f"# {failures} failed")
sys.exit(1 if failures else 0)
