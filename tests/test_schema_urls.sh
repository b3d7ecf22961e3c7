#!/usr/bin/env bash
# The schemas have one stable URL each, and pdhooks points editors there:
#   - every schemas/*.json has "$id" https://raw.githubusercontent.com/pdhooks/pdhooks/vVERSION/
#     schemas/NAME, VERSION being the one `pdhooks version` prints (CMake's project version);
#   - the README gives that URL;
#   - `pdhooks export` (against pdhooks-fake) writes it in its yaml-language-server modeline,
#     never a path of the machine that built pdhooks; `--schema REF` still overrides it.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
. "$src/tests/support/fake.sh"

version=$("$bin" version | awk '{print $2}')
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || failed "pdhooks version prints '$version'"
base="https://raw.githubusercontent.com/pdhooks/pdhooks/v$version/schemas"

n=0
for f in "$src"/schemas/*.json; do
	name=${f##*/}
	id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("$id", ""))' "$f")
	[ "$id" = "$base/$name" ] || failed "$name: \$id is '$id', expected $base/$name"
	n=$((n + 1))
done
[ "$n" -ge 2 ] || failed "only $n schemas found"
grep -qF "$base/pdhooks.schema.json" "$src/README.md" || failed "README does not give $base/pdhooks.schema.json"

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-schema-urls-XXXXXX")
trap 'pdh_fake_stop; rm -rf "$work"' EXIT
pdh_fake_start "$work"
export PIPEDRIVE_API_URL=$PDH_FAKE_API PIPEDRIVE_API_TOKEN=tok-test
curl -fsS -X PUT --data-binary '[{"event_action":"create","event_object":"deal",
  "subscription_url":"https://hooks.example.com/d"}]' "$PDH_FAKE_BASE/_fake/state" >/dev/null

"$bin" export -q >"$work/out.yaml"
first=$(head -n 1 "$work/out.yaml")
[ "$first" = "# yaml-language-server: \$schema=$base/pdhooks.schema.json" ] ||
	failed "export's modeline: '$first'"
case $first in *"$src"* | *"$(dirname "$bin")"* | *"/usr/"*) failed "export names a local path: $first" ;; esac
help=$("$bin" help export | tr -d '\n ')
grep -qF "$base/pdhooks.schema.json" <<<"$help" ||
	failed "help export does not name the default \$schema"

"$bin" export -q --schema ./my.schema.json >"$work/own.yaml"
[ "$(head -n 1 "$work/own.yaml")" = "# yaml-language-server: \$schema=./my.schema.json" ] ||
	failed "--schema does not override: $(head -n 1 "$work/own.yaml")"

exit $fail
