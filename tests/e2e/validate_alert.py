#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Validates alert documents (one JSON per line on stdin) against docs/alert.schema.json with
Debian's python3-jsonschema. Prints one line per invalid document and exits 1 if any is."""
import json
import sys

import jsonschema


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    bad = 0
    count = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        count += 1
        for error in validator.iter_errors(json.loads(line)):
            path = "/".join(str(p) for p in error.absolute_path)
            print(f"line {number}: {path or '(document)'}: {error.message}")
            bad += 1
    print(f"{count} documents, {bad} errors", file=sys.stderr)
    return 1 if bad or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
