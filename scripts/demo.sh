#!/usr/bin/env bash
# The README's first command. Installs what it needs, builds pdhooks, starts pdhooks-fake on a
# free port of 127.0.0.1 seeded from examples/fake-state.json (a company with a duplicate, an
# inactive webhook, an application and an automation webhook), shows the live listing, then runs
# pdhooks validate / plan / apply / plan against it with examples/demo/pdhooks.yaml. It ends
# with fleet mode: three more companies of the same fake (each its own token and webhooks),
# planned and applied in one run from a fleet file and examples/fleet/pdhooks.yaml.
# Nothing leaves the machine; the fake is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

say "dependencies"
scripts/deps.sh --demo

say "build (build/)"
# Without the tests, which need Criterion (scripts/test.sh turns them on again).
cmake -S . -B build -DPDH_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
pdhooks=$PWD/build/pdhooks
fake=$PWD/build/pdhooks-fake

work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-demo-XXXXXX")
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The fake rewrites its state file after every change: give it a copy of the example.
cp examples/fake-state.json "$work/state.json"
token="demo-token-$RANDOM$RANDOM"
# Three more companies for the fleet at the end: ids 2001-2003, each with its own token.
fleet_tokens=(acme-$RANDOM$RANDOM globex-$RANDOM$RANDOM initech-$RANDOM$RANDOM)
"$fake" --port 0 --token "$token" --state "$work/state.json" \
  --company "2001:${fleet_tokens[0]}" --company "2002:${fleet_tokens[1]}" \
  --company "2003:${fleet_tokens[2]}" >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^port=\([0-9][0-9]*\)$/\1/p' "$work/fake.out")
  [ -n "$port" ] && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "demo: pdhooks-fake did not start:" >&2
  cat "$work/fake.err" >&2
  exit 1
fi

export PIPEDRIVE_API_URL="http://127.0.0.1:$port/v1"
export PIPEDRIVE_API_TOKEN="$token"
export PD_HOOK_PASSWORD="demo-password"

say "pdhooks-fake is listening on 127.0.0.1:$port"
echo "pdhooks talks to it through these settings:"
echo "  PIPEDRIVE_API_URL=$PIPEDRIVE_API_URL"
echo "  PIPEDRIVE_API_TOKEN=(the fake's token, set for this script only)"

table_py=$(cat <<'PY'
import json, sys
hooks = json.load(sys.stdin)["data"]
row = "{:>5}  {:<11} {:<6} {:<4} {:<22} {}"
print(len(hooks), "webhooks")
print(row.format("id", "type", "active", "ver", "event", "subscription_url"))
for h in hooks:
    event = h["event_action"] + "." + h["event_object"]
    print(row.format(h["id"], h["type"], "yes" if h["is_active"] else "no", h["version"], event,
                     h["subscription_url"]))
PY
)
show_live() {
  curl -sS --fail-with-body -H "x-api-token: $PIPEDRIVE_API_TOKEN" "$PIPEDRIVE_API_URL/webhooks" |
    python3 -c "$table_py"
}

say "live webhooks: GET /webhooks"
show_live

# ---- pdhooks against the fake --------------------------------------------------------------
desired=examples/demo/pdhooks.yaml
step() {
  local rc=0
  say "pdhooks $*"
  "$pdhooks" "$@" || rc=$?
  echo "(exit status $rc)"
}

step validate -f "$desired"
step plan -f "$desired"
step apply -f "$desired" --auto-approve
say "live webhooks after apply"
show_live
step plan -f "$desired" --detailed-exitcode

# ---- fleet mode: three companies in one run ------------------------------------------------
# The fleet file names each company's API and where its token is; the tokens themselves
# stay in the environment (token_env).
cat >"$work/fleet.yaml" <<EOF
pdhooks_fleet: 1
desired: $PWD/examples/fleet/pdhooks.yaml
concurrency: 3
accounts:
  - name: acme
    api_url: $PIPEDRIVE_API_URL
    token_env: ACME_PD_TOKEN
    labels: { tier: gold }
    vars: { TENANT: acme, PD_USER_ID: "1001" }
  - name: globex
    api_url: $PIPEDRIVE_API_URL
    token_env: GLOBEX_PD_TOKEN
    vars: { TENANT: globex, PD_USER_ID: "2001" }
  - name: initech
    api_url: $PIPEDRIVE_API_URL
    token_env: INITECH_PD_TOKEN
    labels: { tier: gold }
    vars: { TENANT: initech, PD_USER_ID: "3001" }
EOF
export ACME_PD_TOKEN=${fleet_tokens[0]} GLOBEX_PD_TOKEN=${fleet_tokens[1]} INITECH_PD_TOKEN=${fleet_tokens[2]}
# Not needed with --fleet: each account says where its company is and where its token is.
unset PIPEDRIVE_API_URL PIPEDRIVE_API_TOKEN
say "fleet: three companies (2001-2003) of the same fake, in $work/fleet.yaml"
sed 's/^/  /' "$work/fleet.yaml"
step validate --fleet "$work/fleet.yaml"
step plan --fleet "$work/fleet.yaml"
step apply --fleet "$work/fleet.yaml" --auto-approve
step plan --fleet "$work/fleet.yaml" --detailed-exitcode
