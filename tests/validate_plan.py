#!/usr/bin/python3
"""Validates JSON plans against schemas/plan.schema.json (JSON Schema 2020-12).
Usage: validate_plan.py SCHEMA FILE...   ("-" reads one document from stdin)."""
import json
import sys

from jsonschema import Draft202012Validator


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        doc = json.loads(text)
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            print(f"{path}: /{'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
            bad += 1
    if len(sys.argv) < 3:
        print("validate_plan.py: no file given", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
