#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes N vCard 3.0 cards (UID, FN, N, EMAIL, TEL, ORG, NOTE; about 260
bytes each, as TESTING.md §5's generator) concatenated into one file, for
one whole-collection PUT to Radicale. Deterministic: card i is the same in
every run.

Usage: concord-bench-addressbook-gen.py N OUTPUT
"""

import sys

FIRST = ['Ada', 'Grace', 'Alan', 'Zoë', 'Émile', 'Li', 'Amara', 'Jonas', 'Priya', 'Mateo']
LAST = ['Lovelace', 'Hopper', 'Turing', 'Müller', 'Zola', 'Wei', 'Okafor', 'Berg', 'Rao', 'Silva']
ORGS = ['Analytical Engines Ltd', 'Grüne Welle GmbH', 'Compilers & Co', 'Nordic Post AB']


def card(i):
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    return ('BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-%06d\r\nFN:%s %s %d\r\nN:%s;%s;;;\r\n'
            'EMAIL;TYPE=INTERNET:person%06d@example.com\r\nTEL;TYPE=CELL:+44 20 7946 %04d\r\n'
            'ORG:%s\r\nNOTE:Generated contact %d for the address book benchmark\\, one of many.\r\n'
            'END:VCARD\r\n' % (i, first, last, i, last, first, i, i % 10000, ORGS[i % len(ORGS)], i))


def main():
    n, output = int(sys.argv[1]), sys.argv[2]
    with open(output, 'w', encoding='utf-8', newline='') as f:
        for i in range(n):
            f.write(card(i))


if __name__ == '__main__':
    main()
