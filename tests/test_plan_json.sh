#!/usr/bin/env bash
# `pdhooks plan --format json` and `-o PLANFILE` for every case of testdata/plan, run against
# pdhooks-fake seeded with the case's live listing:
#   - every document is valid against schemas/plan.schema.json (python3-jsonschema,
#     Draft202012Validator), saved plans included;
#   - the JSON summary counts are those of the case's expected text plan;
#   - every saved plan names its target: saved.target.api_url is the URL planned against,
#     and saved.target.company_id the company_id of the listing, or for an empty listing
#     the one GET /users/me answers (with its company_name); the plan's own "target" says
#     the same;
#   - no output and no saved plan holds the API token or any password of the cases.
# A few listings use what the fake refuses to store (a null name, an unknown type, "data":
# null); those cases are planned in-process by test_render_json instead.
set -euo pipefail
src=${PDH_SOURCE_DIR:?}
bin=${PDH_BIN:?}
fake=${PDH_FAKE_BIN:?}
cases="$src/testdata/plan"
tmp=$(mktemp -d)
fake_pid=
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

token="plan-json-token-$$-$RANDOM"
export PD_HOOK_PASSWORD=s3cret-hook OTHER_PASSWORD=other-s3cret
unset PIPEDRIVE_OAUTH_TOKEN PIPEDRIVE_COMPANY_DOMAIN
unseedable=" changed-name-live-null derived-names-not-compared foreign-list-truncated listing-data-null prune-false "
secrets=("$token" "$PD_HOOK_PASSWORD" "$OTHER_PASSWORD" rotated-away whatever-it-is leftover)

start_fake() {  # $1: the state file
  : > "$tmp/fake.out"
  "$fake" --port 0 --token "$token" --state "$1" --password-listing real \
    > "$tmp/fake.out" 2> "$tmp/fake.err" &
  fake_pid=$!
  for _ in $(seq 1 200); do
    grep -q '^port=' "$tmp/fake.out" && break
    kill -0 "$fake_pid" 2>/dev/null || { cat "$tmp/fake.err" >&2; return 1; }
    sleep 0.02
  done
  port=$(sed -n 's/^port=//p' "$tmp/fake.out")
  [ -n "$port" ] || { echo "pdhooks-fake did not start" >&2; return 1; }
}

stop_fake() {
  kill "$fake_pid"
  wait "$fake_pid" 2>/dev/null || true
  fake_pid=
}

n=0
for dir in "$cases"/*/; do
  name=$(basename "$dir")
  cp "$dir/live.json" "$tmp/$name.state"
  opts=()
  oauth=
  if [ -f "$dir/options" ]; then
    while read -r key value; do
      case "$key" in
        max_deletes) opts+=(--max-deletes "$value") ;;
        adopt) opts+=(--adopt) ;;
        takeover) opts+=(--takeover "$value") ;;
        target) opts+=(--target "$value") ;;
        exclude) opts+=(--exclude "$value") ;;
        auth) [ "$value" = oauth ] && oauth=1 ;;
        *) echo "FAIL: $name: unknown option '$key'" >&2; exit 1 ;;
      esac
    done < "$dir/options"
  fi
  if [ -n "$oauth" ]; then
    # An app's webhooks belong to its token in the fake: test_apps.c runs those end to end.
    echo "note: $name: an OAuth case, planned in test_plan and test_apps" >&2
    continue
  fi
  if ! start_fake "$tmp/$name.state"; then
    wait "$fake_pid" 2>/dev/null || true
    fake_pid=
    case "$unseedable" in
      *" $name "*) echo "note: $name: the fake cannot hold this listing" >&2; continue ;;
      *) echo "FAIL: $name: pdhooks-fake refused the listing" >&2; exit 1 ;;
    esac
  fi
  status=0
  PIPEDRIVE_API_URL="http://127.0.0.1:$port/v1" PIPEDRIVE_API_TOKEN="$token" \
    "$bin" plan -f "$dir/desired.yaml" --format json -o "$tmp/$name.plan" "${opts[@]}" \
    > "$tmp/$name.json" 2> "$tmp/$name.err" || status=$?
  stop_fake
  if head -c 7 "$dir/expected.txt" | grep -qx 'error: '; then
    # The plan is an error (two owners declare one key): exit 1, the message on stderr.
    if [ "$status" -ne 1 ] || ! grep -qF "$(sed 's/^error: //' "$dir/expected.txt")" "$tmp/$name.err"; then
      echo "FAIL: $name: expected exit 1 and the error of expected.txt, got $status:" >&2
      cat "$tmp/$name.err" >&2
      exit 1
    fi
    rm -f "$tmp/$name.json" "$tmp/$name.plan"
    continue
  fi
  if [ "$status" -ne 0 ]; then
    echo "FAIL: $name: pdhooks plan exited $status:" >&2
    cat "$tmp/$name.err" >&2
    exit 1
  fi
  cp "$dir/expected.txt" "$tmp/$name.expected"
  echo "http://127.0.0.1:$port/v1" > "$tmp/$name.url"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no case in $cases" >&2; exit 1; }

/usr/bin/python3 "$src/tests/validate_plan.py" "$src/schemas/plan.schema.json" \
  "$tmp"/*.json "$tmp"/*.plan

/usr/bin/python3 - "$tmp" <<'PY'
import json, pathlib, re, sys
tmp = pathlib.Path(sys.argv[1])
bad = 0
for exp in sorted(tmp.glob("*.expected")):
    name = exp.name[:-len(".expected")]
    text = exp.read_text()
    want = {"create": 0, "replace": 0, "delete": 0, "unchanged": 0, "foreign": 0, "unmanaged": 0,
            "excluded": 0}
    m = re.search(r"^Plan: (\d+) to create, (\d+) to replace, (\d+) to delete; (.*)$", text, re.M)
    rest = None
    if m:
        want.update(create=int(m[1]), replace=int(m[2]), delete=int(m[3]))
        rest = m[4]
    else:
        m = re.search(r"^No changes\. (.*)$", text, re.M)
        rest = m[1] if m else None
    if rest is None:
        print(f"FAIL: {name}: no summary line in expected.txt", file=sys.stderr); bad += 1; continue
    for count, what in re.findall(r"(\d+) (unchanged|foreign|unmanaged|excluded)", rest):
        want[what] = int(count)
    for doc_name in (f"{name}.json", f"{name}.plan"):
        doc = json.loads((tmp / doc_name).read_text())
        got = {k: doc["summary"][k] for k in want}
        if got != want:
            print(f"FAIL: {doc_name}: summary {got}, expected {want}", file=sys.stderr); bad += 1
        if len(doc["actions"]) != want["create"] + want["replace"] + want["delete"]:
            print(f"FAIL: {doc_name}: {len(doc['actions'])} actions", file=sys.stderr); bad += 1
        if doc["summary"]["changes_pending"] != bool(doc["actions"]):
            print(f"FAIL: {doc_name}: changes_pending", file=sys.stderr); bad += 1
    saved = json.loads((tmp / f"{name}.plan").read_text()).get("saved")
    if saved is None:
        print(f"FAIL: {name}.plan: not a saved plan", file=sys.stderr); bad += 1; continue
    target = saved.get("target", {})
    url = (tmp / f"{name}.url").read_text().strip()
    if target.get("api_url") != url:
        print(f"FAIL: {name}.plan: target.api_url {target.get('api_url')!r}, expected {url!r}",
              file=sys.stderr); bad += 1
    state = json.loads((tmp / f"{name}.state").read_text())
    items = state if isinstance(state, list) else state.get("data") or []
    ids = [w["company_id"] for w in items if isinstance(w, dict) and "company_id" in w]
    # The fake gives every webhook of its one company company_id 1 unless the state says; a
    # listing without one is named by GET /users/me: company 1, "Company 1".
    want_cid = ids[0] if ids else 1
    if target.get("company_id") != want_cid:
        print(f"FAIL: {name}.plan: target.company_id {target.get('company_id')!r}, expected "
              f"{want_cid!r}", file=sys.stderr); bad += 1
    want_name = None if items else "Company 1"
    if target.get("company_name") != want_name:
        print(f"FAIL: {name}.plan: target.company_name {target.get('company_name')!r}, "
              f"expected {want_name!r}", file=sys.stderr); bad += 1
    plan_target = json.loads((tmp / f"{name}.plan").read_text()).get("target")
    if plan_target != target:
        print(f"FAIL: {name}.plan: the plan's target {plan_target!r} is not the saved one "
              f"{target!r}", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY

for s in "${secrets[@]}"; do
  if grep -rlF -- "$s" "$tmp"/*.json "$tmp"/*.plan "$tmp"/*.err; then
    echo "FAIL: the secret '$s' is in the files above" >&2
    exit 1
  fi
done
echo "ok: $n cases"
