#!/usr/bin/env bash
# Secrets never leave pdhooks: every command, with -v and in its failing variants, run with a
# known API token and known webhook passwords (the fake lists the real ones), and none of
# them may appear on stdout, on stderr, or in any file a command writes.
#
# To cover a new command or option: add `run NAME EXPECTED-EXIT "$P" ARGS...` lines below;
# files it writes go under "$out" (the whole directory is searched).
set -euo pipefail

: "${PDH_BIN:?run through ctest}" "${PDH_FAKE_BIN:?run through ctest}"

TOKEN=tok-SECRET-4242            # the real API token
BAD_TOKEN=tok-SECRET-BAD-1111    # a refused one: must not be shown either
PW=pw-SECRET-9191                # the declared password (${PD_PW}), also live
OLD_PW=pw-SECRET-OLD-7777        # a live webhook's outdated password
GONE_PW=pw-SECRET-GONE-5555      # an undeclared live webhook's password
LIT_PW=pw-SECRET-LIT-3131        # written in a file (a warning), shown masked
ZAP=zap-SECRET-PATH-2727         # a secret in a URL path (${ZAP_ID}, as Zapier's), shown as ${ZAP_ID}
secrets=("$TOKEN" "$BAD_TOKEN" "$PW" "$OLD_PW" "$GONE_PW" "$LIT_PW" "$ZAP")

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-secrets-XXXXXX")
out="$work/out"      # everything the commands print or write
mkdir -p "$out"
export XDG_RUNTIME_DIR="$work"   # the apply lock is keyed by the token: ours alone
fake_pid=
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
	[ -n "${PDH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }

# The fake, listing real passwords; "port=N" on its first line.
mkfifo "$work/port"
"$PDH_FAKE_BIN" --port 0 --token "$TOKEN" --password-listing real >"$work/port" &
fake_pid=$!
read -r line <"$work/port"
port=${line#port=}
base="http://127.0.0.1:$port"
api="$base/v1"

control() { curl -fsS -X "$1" ${3:+--data-binary "$3"} "$base$2" >/dev/null; }

live_state() {
	control PUT /_fake/state "[
	 {\"event_action\":\"create\",\"event_object\":\"deal\",\"name\":\"deals\",
	  \"subscription_url\":\"https://hooks.example.com/deals\",
	  \"http_auth_user\":\"pipedrive\",\"http_auth_password\":\"$PW\"},
	 {\"event_action\":\"change\",\"event_object\":\"person\",\"name\":\"people\",
	  \"subscription_url\":\"https://hooks.example.com/people\",
	  \"http_auth_user\":\"pipedrive\",\"http_auth_password\":\"$OLD_PW\"},
	 {\"event_action\":\"delete\",\"event_object\":\"note\",\"name\":\"old\",
	  \"subscription_url\":\"https://hooks.example.com/notes\",
	  \"http_auth_user\":\"pipedrive\",\"http_auth_password\":\"$GONE_PW\"}]"
	control POST /_fake/fail/reset
}

# The desired file: the password from the environment, one unchanged webhook, one whose
# password changed (a replace), one new; the live "notes" webhook is to be deleted.
cat >"$work/pdhooks.yaml" <<'EOF'
pdhooks: 1
defaults:
  http_auth_user: pipedrive
  http_auth_password: ${PD_PW}
webhooks:
  - name: deals
    event_action: create
    event_object: deal
    subscription_url: https://hooks.example.com/deals
  - name: people
    event_action: change
    event_object: person
    subscription_url: https://hooks.example.com/people
  - name: orgs
    event_action: create
    event_object: organization
    subscription_url: https://hooks.example.com/orgs
  - event_action: create
    event_object: activity
    subscription_url: https://hooks.example.com/hooks/catch/${ZAP_ID}/
EOF
# Other files: the password written in the file (loads, with a warning); a YAML error after
# the password; the password in a list and in a field that takes no variable password; a
# password variable that is not set (PD_PW2).
sed "s/^  http_auth_password: .*/  http_auth_password: $LIT_PW/" "$work/pdhooks.yaml" \
	>"$work/literal.yaml"
{ cat "$work/pdhooks.yaml"; printf '    bogus: [\n'; } >"$work/broken.yaml"
{ sed 's/^  http_auth_password: .*/  http_auth_password: ["${PD_PW}"]/' "$work/pdhooks.yaml"
  printf '    version: "${PD_PW}"\n'; } >"$work/badtype.yaml"
sed 's/PD_PW}/PD_PW2}/' "$work/pdhooks.yaml" >"$work/unset.yaml"
printf '%s\n' "$TOKEN" >"$work/token"
printf 'Bearer %s\n' "$TOKEN" >"$work/bearer"
printf '%s\n' "$BAD_TOKEN" >"$work/badtoken"

export PIPEDRIVE_API_URL="$api" PD_PW="$PW" ZAP_ID="$ZAP" NO_COLOR=1
unset PIPEDRIVE_OAUTH_TOKEN PIPEDRIVE_COMPANY_DOMAIN
export PIPEDRIVE_API_TOKEN="$TOKEN"

# Each run with and without -v; under valgrind (slow) only with -v, which runs the same code
# and the log lines too.
variants=("" -v)
[ -n "${PDH_UNDER_VALGRIND:-}" ] && variants=(-v)

# run NAME EXPECTED-EXIT COMMAND...: COMMAND in $out, output kept as $out/NAME.{out,err}.
n_runs=0
run() {
	local name=$1 want=$2 rc=0
	shift 2
	(cd "$out" && "$@") >"$out/$name.out" 2>"$out/$name.err" </dev/null || rc=$?
	n_runs=$((n_runs + 1))
	if [ "$rc" != "$want" ]; then
		failed "$name: exit $rc, expected $want: $(head -c 400 "$out/$name.err")"
	fi
	if grep -q Sanitizer "$out/$name.err"; then
		failed "$name: $(head -c 2000 "$out/$name.err")"
	fi
}
file="$work/pdhooks.yaml"
P=$PDH_BIN

# validate: no network.
run validate 0 "$P" validate -f "$file"
run validate-q 0 "$P" validate -q -f "$file"
run validate-literal 0 "$P" validate -f "$work/literal.yaml"
run validate-broken 1 "$P" validate -f "$work/broken.yaml"
run validate-badtype 1 "$P" validate -f "$work/badtype.yaml"
run validate-unset 1 "$P" validate -f "$work/unset.yaml"

# plan, every way it can end.
for v in "${variants[@]}"; do
	live_state
	run "plan$v" 0 "$P" plan $v -f "$file"
	run "plan-detailed$v" 2 "$P" plan $v -f "$file" --detailed-exitcode
	run "plan-token-file$v" 0 env -u PIPEDRIVE_API_TOKEN "$P" plan $v -f "$file" \
		--token-file "$work/token"
	run "plan-oauth$v" 0 env -u PIPEDRIVE_API_TOKEN PIPEDRIVE_OAUTH_TOKEN="$TOKEN" \
		"$P" plan $v -f "$file"
	run "plan-bearer-file$v" 0 env -u PIPEDRIVE_API_TOKEN "$P" plan $v -f "$file" \
		--token-file "$work/bearer"
	run "plan-brake$v" 0 "$P" plan $v -f "$file" --max-deletes 0
	run "plan-bad-token$v" 1 env PIPEDRIVE_API_TOKEN="$BAD_TOKEN" "$P" plan $v -f "$file"
	run "plan-bad-token-file$v" 1 env -u PIPEDRIVE_API_TOKEN "$P" plan $v -f "$file" \
		--token-file "$work/badtoken"
	run "plan-two-tokens$v" 1 env PIPEDRIVE_OAUTH_TOKEN="$BAD_TOKEN" "$P" plan $v \
		-f "$file"
	run "plan-literal$v" 0 "$P" plan $v -f "$work/literal.yaml"
	run "plan-broken$v" 1 "$P" plan $v -f "$work/broken.yaml"
	run "plan-badtype$v" 1 "$P" plan $v -f "$work/badtype.yaml"
	run "plan-unset$v" 1 "$P" plan $v -f "$work/unset.yaml"
	# FAULT[:COUNT]=EXIT: a passing fault every retry meets is "could not check" (5)
	for spec in 500=5 html:100=5 truncated=1 wrong-types=1 success-false=1 \
		reset-mid-body:100=5; do
		fault=${spec%=*}
		control POST /_fake/fail "\"GET:$fault\""
		run "plan-${fault%%:*}$v" "${spec#*=}" "$P" plan $v -f "$file"
		control POST /_fake/fail/reset
	done
done
# apply, every way it can end; the fake starts from the same live webhooks each time.
for v in "${variants[@]}"; do
	live_state
	run "apply$v" 0 "$P" apply $v -f "$file" --auto-approve
	run "apply-again$v" 0 "$P" apply $v -f "$file" --auto-approve
	live_state
	run "apply-no-approval$v" 1 "$P" apply $v -f "$file"
	run "apply-brake$v" 3 "$P" apply $v -f "$file" --auto-approve --max-deletes 0
	run "apply-force$v" 0 "$P" apply $v -f "$file" --auto-approve --max-deletes 0 --force
	live_state
	run "apply-bad-token$v" 1 env PIPEDRIVE_API_TOKEN="$BAD_TOKEN" "$P" apply $v -f "$file" \
		--auto-approve
	run "apply-literal$v" 0 "$P" apply $v -f "$work/literal.yaml" --auto-approve
	live_state
	run "apply-unset$v" 1 "$P" apply $v -f "$work/unset.yaml" --auto-approve
	for fault in POST:400:100 POST:wrong-types:100 DELETE:500:100 GET:success-false:100; do
		live_state
		control POST /_fake/fail "\"$fault\""
		run "apply-${fault//:/-}$v" 1 "$P" apply $v -f "$file" --auto-approve
	done
done
# plan in every format, saved plans and applying them.
for v in "${variants[@]}"; do
	live_state
	for fmt in text json markdown; do
		run "plan-$fmt$v" 0 "$P" plan $v -f "$file" --format "$fmt"
		run "plan-$fmt-literal$v" 0 "$P" plan $v -f "$work/literal.yaml" --format "$fmt"
		control POST /_fake/fail '"GET:500"'
		run "plan-$fmt-500$v" 5 "$P" plan $v -f "$file" --format "$fmt"
	done
	run "plan-o$v" 0 "$P" plan $v -f "$file" -o "$out/saved$v.plan"
	run "plan-o-json$v" 0 "$P" plan $v -f "$file" --format json -o "$out/saved-json$v.plan"
	run "plan-o-markdown$v" 0 "$P" plan $v -f "$file" --format markdown \
		-o "$out/saved-md$v.plan"
	# a password written in the file cannot be saved as a ${VAR} reference: refused
	run "plan-o-literal$v" 1 "$P" plan $v -f "$work/literal.yaml" \
		-o "$out/never-literal$v.plan"
	run "plan-o-bad-token$v" 1 env PIPEDRIVE_API_TOKEN="$BAD_TOKEN" "$P" plan $v -f "$file" \
		-o "$out/never$v.plan"
	run "apply-plan-other-pw$v" 4 env PD_PW="$OLD_PW" "$P" apply $v "$out/saved$v.plan" \
		--auto-approve
	run "apply-plan$v" 0 "$P" apply $v "$out/saved$v.plan" --auto-approve
	run "apply-plan-stale$v" 4 "$P" apply $v "$out/saved-json$v.plan" --auto-approve
done

# export: the live webhooks (with their real passwords listed) as a desired file.
for v in "${variants[@]}"; do
	live_state
	run "export$v" 0 "$P" export $v
	run "export-o$v" 0 "$P" export $v -o "$out/exported$v.yaml"
	run "export-o-exists$v" 1 "$P" export $v -o "$out/exported$v.yaml"
	run "export-bad-token$v" 1 env PIPEDRIVE_API_TOKEN="$BAD_TOKEN" "$P" export $v \
		-o "$out/never$v.yaml"
	for spec in 500=5 wrong-types=1 reset-mid-body:100=5; do
		fault=${spec%=*}
		control POST /_fake/fail "\"GET:$fault\""
		run "export-${fault%%:*}$v" "${spec#*=}" "$P" export $v \
			-o "$out/never-${fault%%:*}$v.yaml"
		control POST /_fake/fail/reset
	done
	# with the variables it names set, the export plans nothing
	# (sorted by event: change.person, create.deal, delete.note)
	run "export-then-plan$v" 0 env PDHOOKS_PASSWORD_1="$OLD_PW" PDHOOKS_PASSWORD_2="$PW" \
		PDHOOKS_PASSWORD_3="$GONE_PW" "$P" plan $v -f "$out/exported$v.yaml" --detailed-exitcode
done
for f in "$out"/never*; do
	[ -e "$f" ] && failed "a failed run wrote $(basename "$f")"
done
grep -q 'PDHOOKS_PASSWORD_1' "$out/exported${variants[0]}.yaml" ||
	failed "export: no password variable: $(cat "$out/exported${variants[0]}.yaml")"
grep -q '"format_version"' "$out/saved${variants[0]}.plan" ||
	failed "plan -o: $(head -c 300 "$out/saved${variants[0]}.plan")"

grep -qF 'create.activity https://hooks.example.com/hooks/catch/${ZAP_ID}/' "$out/plan${variants[0]}.out" ||
	failed "plan: the path secret is not shown as its reference: $(cat "$out/plan${variants[0]}.out")"
grep -q 'created' "$out/apply${variants[0]}.out" ||
	failed "apply: nothing created: $(cat "$out/apply${variants[0]}.out")"

# The runs did what they should: the fake's real passwords were compared, the literal one
# warned about, the bad type reported.
grep -q 'changed: http_auth_password' "$out/plan${variants[0]}.out" ||
	failed "plan: the changed password is not among the reasons: $(cat "$out/plan${variants[0]}.out")"
grep -q 'http_auth_password is written in the file' "$out/validate-literal.err" ||
	failed "validate: no warning for the literal password: $(cat "$out/validate-literal.err")"
grep -q 'http_auth_password: expected a string' "$out/validate-badtype.err" ||
	failed "validate: no type error: $(cat "$out/validate-badtype.err")"

# Nothing secret anywhere: every stream and every file written under $out.
files=$(find "$out" -type f | sort)
n_files=$(printf '%s\n' "$files" | wc -l)
for s in "${secrets[@]}"; do
	if hits=$(grep -rlF -- "$s" "$out"); then
		for h in $hits; do
			failed "$(basename "$h") shows '$s': $(grep -F -- "$s" "$h" | head -3)"
		done
	fi
done
echo "secrets: $n_runs runs, $n_files files searched for ${#secrets[@]} secrets"
exit $fail
