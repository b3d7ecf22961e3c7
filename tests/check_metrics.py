#!/usr/bin/python3
"""Reads a --metrics-file with prometheus_client's parser (the reference Python client) and
checks what node_exporter's textfile collector needs: every family pdhooks_-prefixed, with a
HELP text and a TYPE; then prints one line per sample, "name{k=v,...} value", labels sorted.
Usage: check_metrics.py FILE. Exit 1 (reasons on stderr) when the file is not valid."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    bad = 0
    if not text.endswith("\n"):
        print("the text does not end with a newline", file=sys.stderr)
        bad += 1
    for fam in text_string_to_metric_families(text):
        if not fam.name.startswith("pdhooks_"):
            print(f"{fam.name}: not pdhooks_-prefixed", file=sys.stderr)
            bad += 1
        if not fam.documentation:
            print(f"{fam.name}: no HELP", file=sys.stderr)
            bad += 1
        if fam.type != "gauge":
            print(f"{fam.name}: TYPE {fam.type}, expected gauge", file=sys.stderr)
            bad += 1
        for s in fam.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            value = int(s.value) if s.value == int(s.value) else repr(s.value)
            print(f"{s.name}{{{labels}}} {value}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
