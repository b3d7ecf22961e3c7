#!/usr/bin/env bash
# pdhooks.yaml(5), the file format's manual page, is well-formed and complete:
#   - groff renders it without a warning;
#   - every key the schema allows (top level, defaults, manage, a webhook) is described;
#   - every event action and object of the schema's vocabularies is named;
#   - it gives the schema's stable URL ($id) and the version pdhooks prints.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
man="$src/docs/pdhooks.yaml.5"

out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1) || failed "groff failed"
[ -z "$out" ] || failed "groff warnings: $out"
text=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$man" 2>/dev/null | sed 's/\xe2\x80\x90/-/g')

words=$(python3 - "$src/schemas/pdhooks.schema.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
keys = set(s["properties"])
for k in ("defaults", "manage"):
    keys |= {f"{k}.{p}" if k == "manage" else p for p in s["properties"][k].get("properties", {})}
keys |= set(s["$defs"]["webhook"]["properties"])
vocab = set()
def walk(o):
    if isinstance(o, dict):
        for k in ("enum",):
            for v in o.get(k, []):
                if isinstance(v, str): vocab.add(v)
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
for name in ("vocabulary_v1", "vocabulary_v2"):
    walk(s["$defs"][name]["properties"])
print(" ".join(sorted(keys)))
print(" ".join(sorted(v for v in vocab if v not in ("*", "1.0", "2.0"))))
PY
)
keys=$(sed -n 1p <<<"$words")
vocab=$(sed -n 2p <<<"$words")
[ "$(wc -w <<<"$keys")" -ge 12 ] || failed "found only these keys in the schema: $keys"
[ "$(wc -w <<<"$vocab")" -ge 9 ] || failed "found only these words in the vocabularies: $vocab"
for k in $keys; do
	grep -qw -- "$k" <<<"$text" || failed "pdhooks.yaml(5) does not describe $k"
done
for v in $vocab; do
	grep -qw -- "$v" <<<"$text" || failed "pdhooks.yaml(5) does not name $v"
done
version=$("$bin" version | awk '{print $2}')
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["$id"])' "$src/schemas/pdhooks.schema.json")
grep -qF "${id%/schemas/*}/" <<<"$text" || failed "pdhooks.yaml(5) does not give the schema's URL $id"
head -n 1 "$man" | grep -qF "\"pdhooks $version\"" || failed "pdhooks.yaml(5) is not marked with version $version"
exit $fail
