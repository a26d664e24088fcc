#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every shipped connector description (src/connectors/described/*.json)
holds to data/connector-description.schema.json, and the schema is not
vacuous: known-bad variants of a shipped description are refused.

Usage: check-descriptions-schema.py SOURCE_ROOT
"""

import copy
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is missing (.ci/install-deps installs it)", file=sys.stderr)
    sys.exit(77)


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "data", "connector-description.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    paths = sorted(glob.glob(os.path.join(root, "src", "connectors", "described", "*.json")))
    if not paths:
        print("no description in src/connectors/described/", file=sys.stderr)
        return 1

    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            description = json.load(f)
        name = os.path.basename(path)
        if description.get("id") + ".json" != name:
            print(f"{name}: id \"{description.get('id')}\" is not the file's name", file=sys.stderr)
            failed += 1
        for error in validator.iter_errors(description):
            place = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            print(f"{name}: {place.lstrip('.') or '(top)'}: {error.message}", file=sys.stderr)
            failed += 1

    # The schema refuses what it must: each variant of the first description
    # has exactly one defect.
    with open(paths[0], encoding="utf-8") as f:
        good = json.load(f)

    def variant(change):
        bad = copy.deepcopy(good)
        change(bad)
        return bad

    bad_variants = {
        "unknown top-level key": lambda d: d.__setitem__("hokks", []),
        "format 2": lambda d: d.__setitem__("format", 2),
        "unknown paging style": lambda d: d["contact_types"][0]["list"]["paging"].__setitem__("style", "page"),
        "record without id": lambda d: d["contact_types"][0]["record"].pop("id"),
        "unknown hook": lambda d: d.__setitem__("hooks", ["foo"]),
        "batch out of range": lambda d: d["contact_types"][0]["create"].__setitem__("batch", 5000),
        "unknown auth kind": lambda d: d["auth"].__setitem__("kind", "oauth"),
        "typo in a field": lambda d: d["contact_types"][0]["fields"][0].__setitem__("pth", "x"),
        "account field named base_url": lambda d: d["account"].append(
            {"key": "base_url", "kind": "url", "label": "Server"}),
        "unknown field type": lambda d: d["contact_types"][0]["fields"][0].__setitem__("type", "text"),
        "path with braces": lambda d: d["contact_types"][0]["record"].__setitem__("id", "{id}"),
    }
    for what, change in bad_variants.items():
        if validator.is_valid(variant(change)):
            print(f"the schema accepts a description with {what}", file=sys.stderr)
            failed += 1

    print(f"{len(paths)} descriptions checked, {len(bad_variants)} bad variants refused"
          if not failed else f"{failed} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
