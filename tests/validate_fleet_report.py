#!/usr/bin/python3
"""Validates fleet reports against schemas/fleet-report.schema.json, which refers to
plan.schema.json and status.schema.json for each account's document.
Usage: validate_fleet_report.py SCHEMA_DIR FILE...   ("-" reads one document from stdin)."""
import json
import os
import sys

from jsonschema import Draft202012Validator
from validate_json import report
try:
    from referencing import Registry, Resource
except ImportError:  # jsonschema before 4.18 resolves $ref through RefResolver
    Registry = None


def main():
    if len(sys.argv) < 3:
        print("validate_fleet_report.py: no file given", file=sys.stderr)
        return 2
    schemas = {}
    for name in ("plan.schema.json", "status.schema.json", "fleet-report.schema.json"):
        with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
            schemas[name] = json.load(f)
        Draft202012Validator.check_schema(schemas[name])
    top = schemas["fleet-report.schema.json"]
    if Registry is not None:
        registry = Registry().with_resources(
            (s["$id"], Resource.from_contents(s)) for s in schemas.values())
        validator = Draft202012Validator(top, registry=registry)
    else:
        from jsonschema import RefResolver
        store = {s["$id"]: s for s in schemas.values()}
        validator = Draft202012Validator(top, resolver=RefResolver.from_schema(top, store=store))
    bad = report(validator, sys.argv[2:])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
