#!/usr/bin/env bash
# Metrics that never collide in one textfile directory: two single-company runs (two desired
# files, two companies of pdhooks-fake) write --metrics-file files that, read together by
# prometheus_client's parser (tests/check_metrics.py), hold no series twice: each carries
# file (the desired file as given) and company_id (the listing's company) labels, and the
# --metrics-label NAME=VALUE labels, values escaped (a quote, a backslash, a newline come
# back as given). Bad labels are refused (exit 1, no call, no metrics file): a name
# Prometheus refuses, one starting with __, one pdhooks sets, one given twice; and
# --metrics-label without --metrics-file, or with --fleet.
# examples/monitoring/grafana-dashboard.json is JSON whose every pdhooks_ metric is one
# pdhooks writes.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
. "$src/tests/support/fake.sh"
# Debian's python3, where python3-prometheus-client is (tests/check_metrics.py's too)
work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-metrics-labels-XXXXXX")
trap 'pdh_fake_stop; rm -rf "$work"' EXIT
pdh_fake_start "$work" --companies 2
export PIPEDRIVE_API_URL=$PDH_FAKE_API
cd "$work"
for f in a b; do
	cat >"$f.yaml" <<YAML
pdhooks: 1
webhooks:
  - event_action: "*"
    event_object: deal
    subscription_url: https://hooks.example.com/$f
YAML
done

run() {   # run TOKEN ARGS...: pdhooks with that company's token; rc, out in $work/out
	local tok=$1
	shift
	rc=0
	PIPEDRIVE_API_TOKEN=$tok "$bin" "$@" >"$work/out" 2>&1 || rc=$?
}
run tok-1 apply -f a.yaml --auto-approve
[ "$rc" = 0 ] || failed "apply a: $rc $(cat out)"
run tok-2 apply -f b.yaml --auto-approve
[ "$rc" = 0 ] || failed "apply b: $rc $(cat out)"
nl=$'\n'
run tok-1 plan -f a.yaml --metrics-file a.prom --metrics-label team=integrations \
	--metrics-label "note=say \"hi\"\\ to${nl}all"
[ "$rc" = 0 ] || failed "plan a: $rc $(cat out)"
run tok-2 plan -f b.yaml --metrics-file b.prom --metrics-label team=integrations
[ "$rc" = 0 ] || failed "plan b: $rc $(cat out)"
run tok-2 status -f b.yaml --metrics-file b-status.prom
[ "$rc" = 0 ] || failed "status b: $rc $(cat out)"

for m in a.prom b.prom b-status.prom; do
	"$src/tests/check_metrics.py" "$m" >"$m.samples" || failed "$m is not valid: $(cat "$m")"
done
/usr/bin/python3 - a.prom b.prom b-status.prom <<'PY' || failed "the metrics collide"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = "".join(open(f, encoding="utf-8").read() for f in sys.argv[1:])
seen, bad = set(), 0
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        key = (s.name, tuple(sorted(s.labels.items())))
        if key in seen:
            print("FAIL: series twice:", key, file=sys.stderr)
            bad = 1
        seen.add(key)
a = [dict(l) for n, l in seen if n == "pdhooks_run_success" and dict(l).get("file") == "a.yaml"]
if len(a) != 1 or a[0].get("company_id") != "1001" or a[0].get("team") != "integrations" \
        or a[0].get("note") != 'say "hi"\\ to\nall':
    print("FAIL: a's labels:", a, file=sys.stderr)
    bad = 1
b = [dict(l) for n, l in seen if n == "pdhooks_run_success" and dict(l).get("file") == "b.yaml"
     and dict(l).get("command") == "plan"]
if len(b) != 1 or b[0].get("company_id") != "1002":
    print("FAIL: b's labels:", b, file=sys.stderr)
    bad = 1
sys.exit(bad)
PY

refused() {   # refused MESSAGE ARGS...: exit 1 saying MESSAGE, no call, no metrics file
	local msg=$1 before after
	shift
	rm -f r.prom
	before=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls?company=all" | wc -c)
	run tok-1 "$@"
	after=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls?company=all" | wc -c)
	[ "$rc" = 1 ] || failed "$*: exit $rc, not 1: $(cat out)"
	grep -qF -- "$msg" out || failed "$*: says $(cat out), not $msg"
	[ ! -e r.prom ] || failed "$*: wrote r.prom"
	[ "$before" = "$after" ] || failed "$*: called the API"
}
refused "--metrics-label '1x'" plan -f a.yaml --metrics-file r.prom --metrics-label 1x=y
refused "--metrics-label 'a-b'" plan -f a.yaml --metrics-file r.prom --metrics-label a-b=y
refused "--metrics-label 'noequals'" plan -f a.yaml --metrics-file r.prom --metrics-label noequals
refused "names starting with __" plan -f a.yaml --metrics-file r.prom --metrics-label __name__=y
for own in command account file company_id; do
	refused "--metrics-label $own: pdhooks sets that label itself" apply -f a.yaml --auto-approve \
		--metrics-file r.prom --metrics-label "$own=y"
done
refused "--metrics-label t: given twice" status -f a.yaml --metrics-file r.prom --metrics-label t=1 --metrics-label t=2
refused "--metrics-label needs --metrics-file" plan -f a.yaml --metrics-label t=1
printf 'pdhooks: 1\naccounts:\n  - name: acme\n    file: a.yaml\n    token_env: T1\n' >fleet.yaml
refused "--metrics-label is for one company's" plan --fleet fleet.yaml --metrics-file r.prom --metrics-label t=1

# the Grafana dashboard: JSON, and every pdhooks_ metric in it is one pdhooks writes
cat a.prom b-status.prom >all.prom
python3 - "$src/examples/monitoring/grafana-dashboard.json" all.prom <<'PY' || failed "grafana-dashboard.json"
import json, re, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
written = set(re.findall(r"^# TYPE (pdhooks_\w+) ", open(sys.argv[2]).read(), re.M))
used = set(re.findall(r"pdhooks_\w+", json.dumps(d)))
if not d.get("panels") or not used:
    sys.exit("no panels or no pdhooks_ metric")
unknown = used - written
if unknown:
    sys.exit(f"metrics pdhooks does not write: {sorted(unknown)}")
PY
exit $fail
