#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each app's icon lives in its folder and is compiled into the resource.

For every app description (src/connectors/<app>/concord-*-app.c, and
src/connectors/described/<id>.json for apps made from a connector
description, whose "icon" is checked the same way), the
.icon_name it names must be an SVG in that same folder, called
concord-app-*-symbolic.svg, drawn as a 16x16 symbolic icon (one colour,
#2e3436 or currentColor, no text, no embedded pictures), and added to
connectors_icons by the folder's meson.build: the UI compiles those into
the resource under icons/scalable/actions/, where GtkApplication's icon
theme (and tests' concord_test_register_resources())
find it. The widget test /concord/ui/app-icons checks that GTK resolves it.

Usage: check-app-icons.py SOURCE_ROOT
"""

import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

LISTED = re.compile(r'connectors_icons\s*\+=\s*files\s*\(([^)]*)\)')
ICON_NAME = re.compile(r'\.icon_name\s*=\s*"([^"]+)"')
SVG = '{http://www.w3.org/2000/svg}'
SYMBOLIC_COLOURS = {'#2e3436', 'currentcolor', 'none'}
RESOURCE_DIR = 'icons/scalable/actions/'


def colours(element):
    """The fill and stroke colours an element sets, as attributes or style."""
    found = []
    for attribute in ('fill', 'stroke', 'color', 'stop-color'):
        if attribute in element.attrib:
            found.append(element.attrib[attribute])
    for declaration in element.attrib.get('style', '').split(';'):
        name, _, value = declaration.partition(':')
        if name.strip() in ('fill', 'stroke', 'color', 'stop-color'):
            found.append(value.strip())
    return [c.lower() for c in found]


def check_svg(path):
    """Problems with the drawing at @path, as a list of strings."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return [f'{path}: not well-formed XML: {e}']
    problems = []
    if root.tag != SVG + 'svg':
        problems.append(f'{path}: the root is {root.tag}, not an SVG <svg>')
    if root.get('viewBox', '').split() != ['0', '0', '16', '16'] \
            or root.get('width') != '16' or root.get('height') != '16':
        problems.append(f'{path}: not drawn on a 16x16 canvas (width, height, viewBox 0 0 16 16)')
    for element in root.iter():
        tag = element.tag.replace(SVG, '')
        if tag in ('text', 'image', 'foreignObject', 'script'):
            problems.append(f'{path}: has a <{tag}> (symbolic icons are shapes only)')
        for colour in colours(element):
            if colour not in SYMBOLIC_COLOURS:
                problems.append(f'{path}: colour {colour} (symbolic: #2e3436 or currentColor)')
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source_root = argv[1]
    connectors = os.path.join(source_root, 'src', 'connectors')
    apps = sorted(glob.glob(os.path.join(connectors, '*', 'concord-*-app.c')))
    problems = []
    for description in apps:
        folder = os.path.dirname(description)
        with open(description, encoding='utf-8') as f:
            names = ICON_NAME.findall(f.read())
        if len(names) != 1:
            problems.append(f'{description}: {len(names)} .icon_name lines, not one')
            continue
        name = names[0]
        if not re.fullmatch(r'concord-app-[a-z0-9-]+-symbolic', name):
            problems.append(f'{description}: icon {name} is not concord-app-<id>-symbolic '
                            '(an icon of the app\'s own, in its folder)')
            continue
        svg = os.path.join(folder, name + '.svg')
        if not os.path.isfile(svg):
            problems.append(f'{description}: icon {name} has no {svg}')
            continue
        problems += check_svg(svg)
        build = os.path.join(folder, 'meson.build')
        listed = ''
        if os.path.isfile(build):
            with open(build, encoding='utf-8') as f:
                listed = ''.join(LISTED.findall(f.read()))
        if f"'{name}.svg'" not in listed:
            problems.append(f'{build}: does not add {name}.svg to connectors_icons '
                            f'(the UI compiles those into {RESOURCE_DIR})')

    # Apps made from descriptions (src/connectors/described/<id>.json):
    # their icon beside them, listed in that folder's meson.build.
    described = sorted(glob.glob(os.path.join(connectors, 'described', '*.json')))
    for description in described:
        folder = os.path.dirname(description)
        try:
            with open(description, encoding='utf-8') as f:
                name = json.load(f).get('icon', '')
        except (OSError, ValueError) as e:
            problems.append(f'{description}: not readable JSON: {e}')
            continue
        if not isinstance(name, str) or not re.fullmatch(r'concord-app-[a-z0-9-]+-symbolic', name):
            problems.append(f'{description}: icon {name} is not concord-app-<id>-symbolic')
            continue
        svg = os.path.join(folder, name + '.svg')
        if not os.path.isfile(svg):
            problems.append(f'{description}: icon {name} has no {svg}')
            continue
        problems += check_svg(svg)
        build = os.path.join(folder, 'meson.build')
        listed = ''
        if os.path.isfile(build):
            with open(build, encoding='utf-8') as f:
                listed = ''.join(LISTED.findall(f.read()))
        if f"'{name}.svg'" not in listed:
            problems.append(f'{build}: does not add {name}.svg to connectors_icons '
                            f'(the UI compiles those into {RESOURCE_DIR})')
    apps = apps + described

    print('1..2')
    if len(apps) >= 2:
        print(f'ok 1 - control: {len(apps)} app descriptions read')
    else:
        print(f'not ok 1 - control: {len(apps)} app descriptions found under {connectors}: '
              'the check is blind')
    if problems:
        print('not ok 2 - app icons:')
        for p in problems:
            print(f'#   {p}')
    else:
        print('ok 2 - every app has its symbolic icon in its folder, in the resource')
    return 0 if len(apps) >= 2 and not problems else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
