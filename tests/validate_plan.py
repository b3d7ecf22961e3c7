#!/usr/bin/python3
"""Validates JSON plans against schemas/plan.schema.json (JSON Schema 2020-12).
Usage: validate_plan.py SCHEMA FILE...   ("-" reads one document from stdin)."""
import json
import sys

from jsonschema import Draft202012Validator
from validate_json import report


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    bad = report(validator, sys.argv[2:])
    if len(sys.argv) < 3:
        print("validate_plan.py: no file given", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
