#!/usr/bin/env bash
# The GitHub Action: action.yml's shape, and scripts/action.sh run against pdhooks-fake
# with GitHub's parts given by environment variables and a stand-in for GitHub's API
# (tests/support/fake_github.py, which records every request):
#   - action.yml: a composite action with the inputs command, file, fleet, args and
#     github-token; the build is cached (actions/cache) under a key made from the action's
#     ref; every shell step calls scripts/action.sh; the step that runs pdhooks passes
#     every input;
#   - plan on a pull request: ONE comment (found by its hidden marker past the first page
#     of comments, then edited in place) with the plan; a bad file turns that same comment
#     into the error, never a stale plan, and removes the saved plan; fixed, the plan is back;
#   - plan outside a pull request, or with comment false: no comment, the summary and
#     outputs only;
#   - apply on a push: the saved plan is applied, its result commented on the pull request
#     that merged the commit; applied again, the stale plan's refusal (exit 4) is commented;
#   - a fleet: plan saves one plan per account in a directory; apply applies that reviewed
#     directory (apply --fleet F DIR): an account that drifted after the review is refused
#     (exit 4), not planned and applied afresh; planning again replaces the directory;
#   - a token that cannot comment (403): a warning with GitHub's message, and the step
#     keeps pdhooks' exit code;
#   - no token and no secret ever appears in a comment or in the output;
#   - a wrong command is refused.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
. "$src/tests/support/fake.sh"

# ---- action.yml -----------------------------------------------------------------------
python3 - "$src/action.yml" <<'PY' || fail=1
import sys, yaml
d = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
ok = True
def bad(m):
    global ok
    ok = False
    print("FAIL: action.yml: " + m, file=sys.stderr)
inputs = d.get("inputs") or {}
for name in ("command", "file", "fleet", "args", "github-token", "plan-file"):
    if name not in inputs: bad(f"no input {name}")
if not inputs.get("command", {}).get("required"): bad("command is not required")
for word in ("plan", "apply", "status"):
    if word not in inputs.get("command", {}).get("description", ""): bad(f"command's description lacks {word}")
if "github.token" not in str(inputs.get("github-token", {}).get("default")): bad("github-token does not default to github.token")
runs = d.get("runs") or {}
if runs.get("using") != "composite": bad("not a composite action")
steps = runs.get("steps") or []
caches = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
if len(caches) != 1: bad("no actions/cache step")
else:
    key = caches[0]["with"]["key"]
    kid = key.split("steps.")[1].split(".")[0] if "steps." in key else None
    ks = [s for s in steps if s.get("id") == kid]
    if not ks or "github.action_ref" not in str(ks[0].get("env", {})) or "cache-key" not in ks[0]["run"]:
        bad("the cache key is not made by action.sh cache-key from github.action_ref")
    cid = caches[0].get("id")
    builds = [s for s in steps if "action.sh\" build" in s.get("run", "")]
    if not builds or f"steps.{cid}.outputs.cache-hit" not in str(builds[0].get("if")):
        bad("the build does not depend on the cache")
if not any("action.sh\" deps" in s.get("run", "") for s in steps): bad("no step installs the dependencies")
for s in steps:
    if "run" in s:
        if s.get("shell") != "bash": bad(f"step {s.get('name')}: a composite run step needs shell: bash")
        if "$GITHUB_ACTION_PATH/scripts/action.sh" not in s["run"]: bad(f"step {s.get('name')} does not call action.sh")
run = [s for s in steps if s.get("id") == "run"]
if not run: bad("no step with id run")
else:
    env = run[0].get("env", {})
    for name in inputs:
        if name == "github-token":
            if "inputs.github-token" not in str(env.get("GITHUB_TOKEN")): bad("github-token is not passed")
        elif f"inputs.{name}" not in str(env.get("INPUT_" + name.upper().replace("-", "_"))):
            bad(f"input {name} is not passed to action.sh")
for o, spec in (d.get("outputs") or {}).items():
    if "steps.run.outputs." + o not in str(spec.get("value")): bad(f"output {o} is not the run step's")
sys.exit(0 if ok else 1)
PY

# ---- the example workflows use the action ---------------------------------------------
python3 - "$src"/examples/github/*.yml <<'PY' || fail=1
import sys, yaml
ok = True
want = {"plan-comment.yml": "plan", "apply-on-merge.yml": "apply", "drift.yml": "plan"}
for f in sys.argv[1:]:
    name = f.rsplit("/", 1)[-1]
    d = yaml.safe_load(open(f, encoding="utf-8"))
    steps = [s for j in d["jobs"].values() for s in j.get("steps", [])]
    uses = [s for s in steps if str(s.get("uses", "")).startswith("pdhooks/pdhooks@")]
    if not uses:
        ok = False; print(f"FAIL: {name} does not use the pdhooks action", file=sys.stderr); continue
    cmds = {s.get("with", {}).get("command") for s in uses}
    if want.get(name) not in cmds:
        ok = False; print(f"FAIL: {name}: the action runs {cmds}, expected {want.get(name)}", file=sys.stderr)
    if any("cmake" in s.get("run", "") for s in steps):
        ok = False; print(f"FAIL: {name} still builds pdhooks itself", file=sys.stderr)
    for s in uses:
        if s["with"].get("command") not in ("validate", "plan", "apply", "status"):
            ok = False; print(f"FAIL: {name}: command {s['with'].get('command')}", file=sys.stderr)
sys.exit(0 if ok else 1)
PY

# ---- the script against the fakes -----------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-action-XXXXXX")
gh_pid=
cleanup() {
	pdh_fake_stop
	[ -z "$gh_pid" ] || { kill "$gh_pid" 2>/dev/null; wait "$gh_pid" 2>/dev/null; } || true
	[ -n "${PDH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

PD_TOKEN=pd-SECRET-5150 GH_TOKEN=ghs-SECRET-8086 PW=pw-SECRET-2600 GH_RO_TOKEN=ghs-SECRET-4003
ACME_TOK=tok-SECRET-acme GLOBEX_TOK=tok-SECRET-globex
cp "$src/examples/fake-state.json" "$work/state.json"
PDH_FAKE_TOKEN=$PD_TOKEN pdh_fake_start "$work" --state "$work/state.json" \
	--company "2001:$ACME_TOK" --company "2002:$GLOBEX_TOK"

mkfifo "$work/gh.port"
# 120 unrelated comments on #7: the marker comment is then on the second page.
python3 "$src/tests/support/fake_github.py" --token "$GH_TOKEN" --seed 7:120 --pull c0ffee=7 \
	--read-only-token "$GH_RO_TOKEN" \
	>"$work/gh.port" 2>"$work/gh.err" &
gh_pid=$!
read -r line <"$work/gh.port"
gh="http://127.0.0.1:${line#port=}"

mkdir "$work/repo"
cp "$src/examples/demo/pdhooks.yaml" "$work/repo/pdhooks.yaml"
echo '{"pull_request": {"number": 7}}' >"$work/event.json"

# act NAME [VAR=VALUE...]: runs action.sh run in the repository; status in $rc, output in
# $work/NAME.out, outputs in $work/NAME.outputs, summary in $work/NAME.summary.
act() {
	local name=$1
	shift
	rc=0
	: >"$work/$name.outputs"
	: >"$work/$name.summary"
	(cd "$work/repo" && env PDHOOKS_BIN="$bin" \
		PIPEDRIVE_API_URL="$PDH_FAKE_API" PIPEDRIVE_API_TOKEN="$PD_TOKEN" PD_HOOK_PASSWORD="$PW" \
		GITHUB_API_URL="$gh" GITHUB_TOKEN="$GH_TOKEN" GITHUB_REPOSITORY=acme/hooks \
		GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH="$work/event.json" GITHUB_SHA=c0ffee \
		GITHUB_OUTPUT="$work/$name.outputs" GITHUB_STEP_SUMMARY="$work/$name.summary" \
		INPUT_COMMAND=plan INPUT_FILE=pdhooks.yaml INPUT_FLEET= INPUT_ARGS= \
		INPUT_PLAN_FILE=pdhooks.plan INPUT_COMMENT=true INPUT_PULL_REQUEST= INPUT_WORKING_DIRECTORY=. \
		"$@" bash "$src/scripts/action.sh" run) >"$work/$name.out" 2>&1 || rc=$?
}
comments() {   # comments ISSUE MARKER-PREFIX: the bodies (JSON list)
	curl -fsS "$gh/_comments" | python3 -c '
import json, sys
print(json.dumps([c["body"] for c in json.load(sys.stdin) if c["issue"] == int(sys.argv[1]) and c["body"].startswith(sys.argv[2])]))' "$1" "$2"
}
count() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
body() { python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[int(sys.argv[1])] if l else "")' "${1:-0}"; }

# 1. plan on the pull request: one comment with the plan
act plan1
[ "$rc" = 0 ] || { cat "$work/plan1.out" >&2; failed "plan: exit $rc"; }
grep -qx 'exit-code=2' "$work/plan1.outputs" || failed "plan: outputs $(cat "$work/plan1.outputs")"
grep -qx 'changes=true' "$work/plan1.outputs" || failed "plan: no changes=true"
[ -f "$work/repo/pdhooks.plan" ] || failed "plan: no saved plan"
[ "$(comments 7 '<!-- pdhooks-plan' | count)" = 1 ] || failed "plan: not one plan comment"
b=$(comments 7 '<!-- pdhooks-plan: pdhooks.yaml -->' | body)
grep -q 'create.note' <<<"$b" || failed "plan: the comment lacks the plan: $b"
grep -q 'to create' "$work/plan1.summary" || failed "plan: the summary lacks the plan"

# 2. a bad file: the same comment shows the error, not the old plan
sed -i 's/event_action: create$/event_action: added/' "$work/repo/pdhooks.yaml"
act plan2
[ "$rc" = 1 ] || failed "plan of a bad file: exit $rc"
grep -qx 'exit-code=1' "$work/plan2.outputs" || failed "bad file: outputs $(cat "$work/plan2.outputs")"
[ ! -e "$work/repo/pdhooks.plan" ] || failed "bad file: the old saved plan is still there"
[ "$(comments 7 '<!-- pdhooks-plan' | count)" = 1 ] || failed "bad file: not one plan comment"
b=$(comments 7 '<!-- pdhooks-plan' | body)
grep -q 'pdhooks plan failed (exit code 1)' <<<"$b" || failed "bad file: the comment does not say it failed: $b"
grep -Eq 'pdhooks\.yaml:[0-9]+:[0-9]+: error: event_action' <<<"$b" || failed "bad file: the comment lacks the error: $b"
grep -q 'create.note' <<<"$b" && failed "bad file: the comment still shows the old plan"
patches=$(curl -fsS "$gh/_requests" | python3 -c 'import json,sys; print(sum(r["method"] == "PATCH" for r in json.load(sys.stdin)))')
[ "$patches" = 1 ] || failed "bad file: $patches PATCH requests, expected 1 (edited in place)"

# 3. fixed: the plan is back in the same comment
cp "$src/examples/demo/pdhooks.yaml" "$work/repo/pdhooks.yaml"
act plan3
[ "$rc" = 0 ] || failed "plan again: exit $rc"
[ "$(comments 7 '<!-- pdhooks-plan' | count)" = 1 ] || failed "plan again: not one plan comment"
b=$(comments 7 '<!-- pdhooks-plan' | body)
grep -q 'create.note' <<<"$b" || failed "plan again: no plan in the comment"

# 4. plan on a push (whose commit has a pull request), or with comment false: no comment;
#    summary and outputs only
before=$(curl -fsS "$gh/_comments" | count)
act push-plan GITHUB_EVENT_NAME=push INPUT_PLAN_FILE=
[ "$rc" = 0 ] || failed "plan on push: exit $rc"
[ "$(curl -fsS "$gh/_comments" | count)" = "$before" ] || failed "plan on push: a comment was made"
act no-comment INPUT_COMMENT=false INPUT_PLAN_FILE=
[ "$rc" = 0 ] || failed "plan with comment false: exit $rc"
[ "$(curl -fsS "$gh/_comments" | count)" = "$before" ] || failed "plan with comment false: a comment was made"
grep -q 'to create' "$work/push-plan.summary" || failed "plan on push: no summary"
[ -f "$work/repo/pdhooks.plan" ] || failed "INPUT_PLAN_FILE empty removed the saved plan"

# 5. apply on the push of the merge commit: the saved plan, result on #7
act apply1 GITHUB_EVENT_NAME=push INPUT_COMMAND=apply
[ "$rc" = 0 ] || { cat "$work/apply1.out" >&2; failed "apply: exit $rc"; }
grep -q 'applying the reviewed plan pdhooks.plan' "$work/apply1.out" || failed "apply: not the saved plan"
b=$(comments 7 '<!-- pdhooks-apply' | body)
grep -q 'pdhooks apply: done' <<<"$b" || failed "apply: no result comment: $b"
grep -q 'Verified' <<<"$b" || failed "apply: the comment lacks the summary"
prc=0
PIPEDRIVE_API_URL=$PDH_FAKE_API PIPEDRIVE_API_TOKEN=$PD_TOKEN PD_HOOK_PASSWORD=$PW \
	"$bin" plan -q -f "$work/repo/pdhooks.yaml" --detailed-exitcode >/dev/null || prc=$?
[ "$prc" = 0 ] || failed "after apply, plan exits $prc"

# 6. the same saved plan again: stale (exit 4), and that is commented too
act apply2 GITHUB_EVENT_NAME=push INPUT_COMMAND=apply
[ "$rc" = 4 ] || failed "stale plan: exit $rc"
[ "$(comments 7 '<!-- pdhooks-apply' | count)" = 2 ] || failed "stale plan: no second apply comment"
b=$(comments 7 '<!-- pdhooks-apply' | body 1)
grep -q 'pdhooks apply failed (exit code 4)' <<<"$b" || failed "stale plan: the comment does not say it failed"

# 6b. a token that cannot comment (a job token without pull-requests: write): the step
#     warns with GitHub's message and keeps pdhooks' exit code
act ro-plan GITHUB_TOKEN="$GH_RO_TOKEN"
[ "$rc" = 0 ] || failed "plan, comment refused: exit $rc: $(cat "$work/ro-plan.out")"
grep -qx 'exit-code=0' "$work/ro-plan.outputs" || failed "plan, comment refused: outputs $(cat "$work/ro-plan.outputs")"
grep -q 'warning: could not comment on #7: GitHub answered PATCH /repos/acme/hooks/issues/comments/[0-9]* with HTTP 403: Resource not accessible by integration' \
	"$work/ro-plan.out" || failed "plan, comment refused: no warning with GitHub's message: $(cat "$work/ro-plan.out")"
grep -q '^::warning title=pdhooks::could not comment on #7' "$work/ro-plan.out" ||
	failed "plan, comment refused: no workflow warning"
grep -q 'curl: (22)' "$work/ro-plan.out" && failed "plan, comment refused: a bare curl error"
sed -i 's/event_action: create$/event_action: added/' "$work/repo/pdhooks.yaml"
act ro-bad GITHUB_TOKEN="$GH_RO_TOKEN" INPUT_PLAN_FILE=
[ "$rc" = 1 ] || failed "bad file, comment refused: exit $rc, expected pdhooks' 1"
grep -q 'could not comment on #7' "$work/ro-bad.out" || failed "bad file, comment refused: no warning"
cp "$src/examples/demo/pdhooks.yaml" "$work/repo/pdhooks.yaml"
act ro-apply GITHUB_TOKEN="$GH_RO_TOKEN" GITHUB_EVENT_NAME=push INPUT_COMMAND=apply INPUT_PLAN_FILE=
[ "$rc" = 0 ] || failed "apply, comment refused: exit $rc: $(cat "$work/ro-apply.out")"
grep -q 'could not comment on #7: GitHub answered POST /repos/acme/hooks/issues/7/comments with HTTP 403' \
	"$work/ro-apply.out" || failed "apply, comment refused: no warning: $(cat "$work/ro-apply.out")"

# 6c. a fleet: the reviewed directory of plans is what apply applies
mkdir "$work/fleet"
cat >"$work/fleet/fleet.yaml" <<EOF
pdhooks_fleet: 1
desired: pdhooks.yaml
accounts:
  - name: acme
    api_url: $PDH_FAKE_API
    token_env: ACME_TOK
    vars: { TENANT: acme }
  - name: globex
    api_url: $PDH_FAKE_API
    token_env: GLOBEX_TOK
    vars: { TENANT: globex }
EOF
cat >"$work/fleet/pdhooks.yaml" <<'EOF'
pdhooks: 1
webhooks:
  - name: deals
    event_action: create
    event_object: deal
    subscription_url: https://hooks.example.com/${TENANT}/deals
EOF
fleet_act() {   # fleet_act NAME [VAR=VALUE...]: act on the fleet, comments on #8
	act "$@" INPUT_FILE= INPUT_FLEET=fleet.yaml INPUT_WORKING_DIRECTORY="$work/fleet" \
		INPUT_PULL_REQUEST=8 ACME_TOK="$ACME_TOK" GLOBEX_TOK="$GLOBEX_TOK"
}
urls_of() {   # urls_of TOKEN: the company's webhooks' URLs, sorted, one a line
	curl -fsS -H "x-api-token: $1" "$PDH_FAKE_API/webhooks" |
		python3 -c 'import json,sys; print("\n".join(sorted(w["subscription_url"] for w in json.load(sys.stdin)["data"] or [])))'
}
fleet_act fplan1
[ "$rc" = 0 ] || failed "fleet plan: exit $rc: $(cat "$work/fplan1.out")"
grep -qx 'exit-code=2' "$work/fplan1.outputs" || failed "fleet plan: outputs $(cat "$work/fplan1.outputs")"
[ -f "$work/fleet/pdhooks.plan/acme.json" ] && [ -f "$work/fleet/pdhooks.plan/globex.json" ] ||
	failed "fleet plan: no saved plan per account in pdhooks.plan/"
[ "$(comments 8 '<!-- pdhooks-plan' | count)" = 1 ] || failed "fleet plan: not one plan comment"
# after the review, someone adds a webhook to globex by hand: globex's plan is stale
curl -fsS -X POST -H "x-api-token: $GLOBEX_TOK" -H 'Content-Type: application/json' \
	-d '{"name": "by hand", "event_action": "create", "event_object": "person", "subscription_url": "https://hooks.example.com/globex/people"}' \
	"$PDH_FAKE_API/webhooks" >/dev/null || failed "fleet: the drift POST failed"
fleet_act fapply GITHUB_EVENT_NAME=push INPUT_COMMAND=apply
[ "$rc" = 4 ] || failed "fleet apply after drift: exit $rc, expected 4 (stale): $(cat "$work/fapply.out")"
grep -q 'applying the reviewed plan pdhooks.plan' "$work/fapply.out" || failed "fleet apply: not the reviewed plan"
[ "$(urls_of "$ACME_TOK")" = "https://hooks.example.com/acme/deals" ] ||
	failed "fleet apply: acme's reviewed plan was not applied: $(urls_of "$ACME_TOK")"
[ "$(urls_of "$GLOBEX_TOK")" = "https://hooks.example.com/globex/people" ] ||
	failed "fleet apply: globex, stale, was changed (an unreviewed plan applied): $(urls_of "$GLOBEX_TOK")"
b=$(comments 8 '<!-- pdhooks-apply' | body)
grep -q 'pdhooks apply failed (exit code 4)' <<<"$b" || failed "fleet apply: the comment does not say exit 4: $b"
# planning again replaces the saved directory
fleet_act fplan2
[ "$rc" = 0 ] || failed "fleet plan again: exit $rc: $(cat "$work/fplan2.out")"
grep -q 'Is a directory' "$work/fplan2.out" && failed "fleet plan again: $(cat "$work/fplan2.out")"
[ -f "$work/fleet/pdhooks.plan/globex.json" ] || failed "fleet plan again: no saved plans"
[ "$(comments 8 '<!-- pdhooks-plan' | count)" = 1 ] || failed "fleet plan again: not one plan comment"
b=$(comments 8 '<!-- pdhooks-plan' | body)
grep -q 'globex' <<<"$b" || failed "fleet plan again: the comment lacks globex: $b"
# a failed plan removes the directory, never leaving the reviewed plans standing
echo 'pdhooks: [' >"$work/fleet/pdhooks.yaml"
fleet_act fplan3
[ "$rc" = 1 ] || failed "fleet plan of a bad file: exit $rc"
[ ! -e "$work/fleet/pdhooks.plan" ] || failed "fleet plan of a bad file: the saved plans are still there"

# 7. requests: all authorised, secrets nowhere
curl -fsS "$gh/_requests" | python3 -c '
import json, sys
rs = json.load(sys.stdin)
sys.exit(0 if rs and all(r["authorised"] and r["accept"] == "application/vnd.github+json" for r in rs) else 1)' ||
	failed "a request to GitHub without the token or the Accept header"
curl -fsS "$gh/_comments" >"$work/all-comments.json"
for s in "$PD_TOKEN" "$GH_TOKEN" "$PW" "$GH_RO_TOKEN" "$ACME_TOK" "$GLOBEX_TOK"; do
	grep -rqF -- "$s" "$work/all-comments.json" "$work"/*.out "$work"/*.summary "$work"/*.outputs &&
		failed "a secret appears in a comment or the output"
done

# 8. a wrong command
act bad INPUT_COMMAND=destroy
[ "$rc" = 2 ] || failed "command destroy: exit $rc"
grep -q 'command must be validate, plan, apply, status or install' "$work/bad.out" || failed "command destroy: $(cat "$work/bad.out")"

# 8a. validate: annotations (workflow commands) on the lines of the errors, no network
calls_before=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["log"]))')
sed -i 's/event_action: create$/event_action: added/' "$work/repo/pdhooks.yaml"
act validate1 INPUT_COMMAND=validate INPUT_ARGS=--no-env
[ "$rc" = 1 ] || failed "validate of a bad file: exit $rc"
grep -Eq '^::error file=pdhooks\.yaml,line=[0-9]+,col=[0-9]+::event_action .added.' "$work/validate1.out" ||
	failed "validate: no annotation: $(cat "$work/validate1.out")"
grep -qx 'exit-code=1' "$work/validate1.outputs" || failed "validate: outputs $(cat "$work/validate1.outputs")"
grep -q 'pdhooks validate failed (exit code 1)' "$work/validate1.summary" || failed "validate: no summary"
cp "$src/examples/demo/pdhooks.yaml" "$work/repo/pdhooks.yaml"
act validate2 INPUT_COMMAND=validate INPUT_ARGS=--no-env PD_HOOK_PASSWORD=
[ "$rc" = 0 ] || failed "validate --no-env of a good file without secrets: exit $rc: $(cat "$work/validate2.out")"
grep -q '^::' "$work/validate2.out" && failed "validate of a good file: annotations"
calls_after=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["log"]))')
[ "$calls_before" = "$calls_after" ] || failed "validate called the API"

# 8b. install: pdhooks's directory on GITHUB_PATH, nothing run against the API
calls_before=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["log"]))')
: >"$work/install.path"
act install INPUT_COMMAND=install GITHUB_PATH="$work/install.path"
[ "$rc" = 0 ] || failed "install: exit $rc: $(cat "$work/install.out")"
[ "$(cat "$work/install.path")" = "$(cd "$(dirname "$bin")" && pwd)" ] ||
	failed "install: GITHUB_PATH has '$(cat "$work/install.path")', not the directory of $bin"
grep -qx 'exit-code=0' "$work/install.outputs" || failed "install: outputs $(cat "$work/install.outputs")"
[ ! -s "$work/install.summary" ] || failed "install wrote a summary"
calls_after=$(curl -fsS "$PDH_FAKE_BASE/_fake/calls" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["log"]))')
[ "$calls_before" = "$calls_after" ] || failed "install called the API ($calls_before -> $calls_after calls)"

# 9. the cache key follows the action's ref
k1=$(GITHUB_ACTION_REF=v0.2.0 bash "$src/scripts/action.sh" cache-key)
k2=$(GITHUB_ACTION_REF=main bash "$src/scripts/action.sh" cache-key)
[[ $k1 == *v0.2.0* && $k1 != "$k2" ]] || failed "cache keys: $k1 / $k2"

exit $fail
