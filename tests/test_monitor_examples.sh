#!/usr/bin/env bash
# examples/monitoring/ works with this build:
#   - the alerting rules are YAML (python3-yaml) whose every metric pdhooks writes, and
#     `promtool check rules` accepts them and `promtool test rules` passes their unit tests
#     (pdhooks-alerts.test.yml) where Debian's prometheus package is installed (always in CI);
#   - every pdhooks option the systemd service uses is in that command's --help, and the
#     timer starts the service;
#   - slack-plan.sh builds, with jq, a Slack message from a real JSON plan (pdhooks against
#     pdhooks-fake with a failing webhook), posts it with curl to a receiver, says nothing
#     when there is nothing to say, and passes pdhooks' exit 5 through.
set -euo pipefail
: "${PDH_BIN:?run through ctest}" "${PDH_FAKE_BIN:?run through ctest}" "${PDH_SOURCE_DIR:?}"
ex="$PDH_SOURCE_DIR/examples/monitoring"
fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-monex-XXXXXX")
fake_pid='' recv_pid=''
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	[ -n "$recv_pid" ] && kill "$recv_pid" 2>/dev/null && wait "$recv_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# 1. the rules name only metrics pdhooks writes
/usr/bin/python3 - "$ex/pdhooks-alerts.yml" "$PDH_SOURCE_DIR/core/monitor/metrics.c" <<'PY' || fail=1
import re, sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
written = set(re.findall(r'"(pdhooks_[a-z_]+)"', open(sys.argv[2]).read()))
bad = 0
n = 0
for g in rules["groups"]:
    for r in g["rules"]:
        n += 1
        for name in re.findall(r"pdhooks_[a-z_]+", r["expr"]):
            if name not in written:
                print(f"FAIL: rule {r['alert']}: pdhooks writes no metric {name}", file=sys.stderr)
                bad = 1
        for k in ("alert", "expr", "labels", "annotations"):
            if k not in r:
                print(f"FAIL: rule {r.get('alert')}: no {k}", file=sys.stderr)
                bad = 1
if n < 5:
    print(f"FAIL: only {n} rules", file=sys.stderr)
    bad = 1
sys.exit(bad)
PY
# promtool (Debian's prometheus package, which scripts/deps.sh installs) checks the rules and
# runs their unit tests; CI has it, so there its absence is a failure, not a skip
if [ -x /usr/bin/promtool ]; then
	/usr/bin/promtool check rules "$ex/pdhooks-alerts.yml" >/dev/null || failed "promtool check rules"
	(cd "$ex" && /usr/bin/promtool test rules pdhooks-alerts.test.yml) >"$work/promtool.out" 2>&1 ||
		{ cat "$work/promtool.out" >&2; failed "promtool test rules"; }
elif [ -n "${CI:-}" ]; then
	failed "no /usr/bin/promtool (scripts/deps.sh installs prometheus)"
fi

# 2. the service's pdhooks options exist; the timer starts the service
grep -q '^\[Install\]' "$ex/pdhooks-check.timer" || failed "the timer has no [Install]"
grep -q 'OnUnitActiveSec=' "$ex/pdhooks-check.timer" || failed "the timer does not repeat"
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$ex/pdhooks-check.service" | grep '^ExecStart=' |
while read -r line; do
	cmd=$(awk '{print $2}' <<<"$line")
	for opt in $(grep -o -- ' --[a-z-]*' <<<"$line"); do
		# the whole help first: grep -q stops reading early, and pipefail would count the
		# writer's SIGPIPE as a failure once the help is longer than a pipe's buffer
		help=$("$PDH_BIN" help "$cmd")
		grep -q -- "$opt" <<<"$help" || { echo "FAIL: pdhooks $cmd has no $opt" >&2; exit 1; }
	done
done || fail=1
grep -q 'SuccessExitStatus=2' "$ex/pdhooks-check.service" || failed "exit 2 fails the service"

# 3. slack-plan.sh against a real plan
mkfifo "$work/port"
"$PDH_FAKE_BIN" --port 0 --token tok >"$work/port" &
fake_pid=$!
read -r line <"$work/port"
base="http://127.0.0.1:${line#port=}"
curl -fsS -X PUT --data-binary '[
 {"id": 1, "event_action": "create", "event_object": "deal", "name": "ok", "version": "2.0",
  "subscription_url": "https://hooks.example.com/ok", "last_http_status": 200},
 {"id": 2, "event_action": "create", "event_object": "person", "name": "fail", "version": "2.0",
  "subscription_url": "https://hooks.example.com/fail", "last_http_status": 500,
  "last_delivery_time": "2026-11-30T11:00:00Z"}]' "$base/_fake/state" >/dev/null
cat >"$work/pdhooks.yaml" <<'YAML'
pdhooks: 1
webhooks:
  - {name: ok, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/ok}
  - {name: fail, event_action: create, event_object: person, subscription_url: https://hooks.example.com/fail}
  - {name: new, event_action: delete, event_object: deal, subscription_url: https://hooks.example.com/new}
YAML
export PIPEDRIVE_API_TOKEN=tok PIPEDRIVE_API_URL="$base/v1"
unset PIPEDRIVE_OAUTH_TOKEN PIPEDRIVE_COMPANY_DOMAIN
PATH="$(dirname "$PDH_BIN"):$PATH"
export PATH
"$PDH_BIN" plan -f "$work/pdhooks.yaml" --format json >"$work/plan.json"

msg=$(SLACK_DRY_RUN=1 "$ex/slack-plan.sh" "$work/plan.json") || failed "slack-plan.sh: exit $?"
text=$(jq -r .text <<<"$msg") || failed "not JSON: $msg"
for want in '1 to create, 0 to replace, 0 to delete; 2 unchanged' \
	'`create` delete.deal https://hooks.example.com/new — missing' \
	'1 failing delivery' \
	'create.person https://hooks.example.com/fail (id 2): last delivery HTTP 500 at 2026-11-30T11:00:00Z'; do
	grep -qF -- "$want" <<<"$text" || failed "the message lacks '$want': $text"
done

# posted: a receiver takes one POST and keeps its body
mkfifo "$work/recv-port"
/usr/bin/python3 - "$work/body" >"$work/recv-port" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers["Content-Length"])
        open(sys.argv[1], "wb").write(self.rfile.read(n))
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.handle_request()
PY
recv_pid=$!
read -r rport <"$work/recv-port"
SLACK_WEBHOOK_URL="http://127.0.0.1:$rport/services/T0/B0/x" \
	PDHOOKS_ARGS="-f $work/pdhooks.yaml" "$ex/slack-plan.sh" || failed "slack-plan.sh (post): exit $?"
wait "$recv_pid" 2>/dev/null || true
recv_pid=
jq -e '.text | contains("1 failing delivery")' "$work/body" >/dev/null 2>&1 ||
	failed "the receiver got: $(cat "$work/body" 2>/dev/null)"

# nothing to say (no change, no failing delivery): no message, no post, and no
# SLACK_WEBHOOK_URL needed
curl -fsS -X PUT --data-binary '[
 {"id": 1, "event_action": "create", "event_object": "deal", "name": "ok", "version": "2.0",
  "subscription_url": "https://hooks.example.com/ok", "last_http_status": 200}]' \
	"$base/_fake/state" >/dev/null
cat >"$work/quiet.yaml" <<'YAML'
pdhooks: 1
webhooks:
  - {name: ok, event_action: create, event_object: deal, subscription_url: https://hooks.example.com/ok}
YAML
out=$(PDHOOKS_ARGS="-f $work/quiet.yaml" "$ex/slack-plan.sh") || failed "quiet: exit $?"
[ -z "$out" ] || failed "quiet: said $out"

# pdhooks could not check: its exit 5 comes through, nothing is posted
curl -fsS -X POST --data-binary '"GET:503:1000"' "$base/_fake/fail" >/dev/null
rc=0
PDHOOKS_ARGS="-f $work/pdhooks.yaml" SLACK_WEBHOOK_URL=http://127.0.0.1:9/never \
	"$ex/slack-plan.sh" 2>"$work/err" || rc=$?
[ "$rc" -eq 5 ] || failed "503s: exit $rc, expected 5: $(cat "$work/err")"

exit "$fail"
