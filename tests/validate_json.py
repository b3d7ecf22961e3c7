"""What validate_plan.py and validate_fleet_report.py share: each FILE ("-" reads one document
from stdin) checked with a jsonschema validator, every error on stderr as FILE: /PATH: MESSAGE."""
import json
import sys


def report(validator, paths):
    """The number of schema errors in the documents at paths, each printed on stderr."""
    bad = 0
    for path in paths:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        doc = json.loads(text)
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
            print(f"{path}: /{'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
            bad += 1
    return bad
