#!/usr/bin/env python3
"""Validates JSON files against a schema of Pipedrive's OpenAPI text, found by its title.

usage: openapi_check.py SPEC.yaml TITLE FILE.json...
OpenAPI 3.0's `nullable: true` becomes a JSON Schema type that also admits null; the schema is
then closed (additionalProperties: false) so that a field the spec does not know is an error.
Exit 0 when every file conforms; 1 with one line per problem otherwise."""
import json
import sys

import jsonschema
import yaml


def find(node, title):
    if isinstance(node, dict):
        if node.get("title") == title and "properties" in node:
            return node
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            hit = find(item, title)
            if hit is not None:
                return hit
    return None


def convert(node):
    if isinstance(node, dict):
        out = {k: convert(v) for k, v in node.items() if k not in ("nullable", "example")}
        if node.get("nullable") and "type" in node:
            out["type"] = [node["type"], "null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        return out
    if isinstance(node, list):
        return [convert(v) for v in node]
    return node


def main():
    spec_path, title, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    schema = find(spec, title)
    if schema is None:
        print(f"{spec_path}: no schema titled {title}")
        return 1
    schema = convert(schema)
    schema["additionalProperties"] = False
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for e in validator.iter_errors(doc):
            print(f"{path}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
