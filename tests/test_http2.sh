#!/usr/bin/env bash
# HTTP/2 when the server offers it: pdhooks against nghttpd (nghttp2's HTTP/2-only server,
# TLS with testdata/tls's certificate), which serves Pipedrive-shaped listings as files.
#   - a plan lists over HTTP/2 (nghttpd speaks nothing else, and its log shows the stream)
#     and finds nothing to change;
#   - a fleet of eight companies on one host makes its calls (the listing pass and the plan)
#     as streams of one connection per pass, not one per company: the session multiplexes.
. "${PDH_SOURCE_DIR:?run through ctest}/tests/support/script.sh"
tls="$src/testdata/tls"
nghttpd=$(command -v nghttpd || true)
if [ -z "$nghttpd" ]; then
	[ -n "${CI:-}" ] && { echo "FAIL: no nghttpd (scripts/deps.sh installs nghttp2-server)" >&2; exit 1; }
	echo "SKIP: no nghttpd (nghttp2-server)"; exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/pdhooks-http2-XXXXXX")
pid=''
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

names="a b c d e f g h"
i=0
for n in "" $names; do
	i=$((i + 1))
	mkdir -p "$work/docs${n:+/$n}/v1"
	printf '{"success":true,"data":[{"id":7,"company_id":%d,"user_id":1,"owner_id":1,"event_action":"create","event_object":"deal","subscription_url":"https://hooks.example.com/deals","version":"2.0","is_active":1,"type":"general","name":"deals","add_time":"2026-12-01T10:00:00.000Z"}]}\n' \
		"$i" >"$work/docs${n:+/$n}/v1/webhooks"
done
cat >"$work/pdhooks.yaml" <<'YAML'
pdhooks: 1
webhooks:
  - name: deals
    event_action: create
    event_object: deal
    subscription_url: https://hooks.example.com/deals
YAML

# nghttpd on $port, its log new; 0 once it accepts connections
up() {
	"$nghttpd" -a 127.0.0.1 -d "$work/docs" -v "$port" "$tls/server.key" "$tls/server.pem" \
		>"$work/nghttpd.log" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
			"$port" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || true
	pid=''
	return 1
}
# nghttpd takes no port 0: a free one, another if something takes it first
for try in 1 2 3 4 5; do
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	up && break
done
[ -n "$pid" ] || { cat "$work/nghttpd.log" >&2; echo "FAIL: nghttpd did not start" >&2; exit 1; }
base="https://127.0.0.1:$port"

# 1. one plan
rc=0
out=$(PIPEDRIVE_API_TOKEN=h2-token "$bin" plan -f "$work/pdhooks.yaml" --api-url "$base/v1" \
	--cacert "$tls/ca.pem" --detailed-exitcode 2>"$work/err") || rc=$?
[ "$rc" = 0 ] || failed "plan over HTTP/2 exits $rc: $out $(cat "$work/err")"
grep -q 'No changes. 1 unchanged' <<<"$out" || failed "plan over HTTP/2: $out"
grep -q 'recv (stream_id=1) :path: /v1/webhooks' "$work/nghttpd.log" ||
	failed "nghttpd saw no HTTP/2 request for /v1/webhooks"
grep -q 'h2-token' <<<"$out$(cat "$work/err")" && failed "the token is in pdhooks' output"

# 2. a fleet on one host: one connection
kill "$pid"; wait "$pid" 2>/dev/null || true
up || { cat "$work/nghttpd.log" >&2; echo "FAIL: nghttpd did not start again" >&2; exit 1; }
{
	echo "pdhooks_fleet: 1"
	echo "desired: pdhooks.yaml"
	echo "concurrency: 8"
	echo "accounts:"
	for n in $names; do
		printf '  - name: %s\n    api_url: %s/%s/v1\n    token_env: TOK_%s\n' "$n" "$base" "$n" "$n"
	done
} >"$work/fleet.yaml"
env=()
for n in $names; do env+=("TOK_$n=token-$n"); done
rc=0
out=$(env "${env[@]}" "$bin" plan --fleet "$work/fleet.yaml" --cacert "$tls/ca.pem" 2>"$work/err") || rc=$?
[ "$rc" = 0 ] || failed "fleet plan over HTTP/2 exits $rc: $out $(cat "$work/err")"
grep -q 'Fleet: 8 in sync, 0 with changes, 0 failed (8 accounts' <<<"$out" || failed "fleet: $out"
streams=$(grep -c ':path: /[a-h]/v1/webhooks' "$work/nghttpd.log" || true)
conns=$(grep -o '^\[id=[0-9]*\]' "$work/nghttpd.log" | sort -u | wc -l)
[ "$streams" -ge 8 ] || failed "nghttpd saw $streams listings, not at least 8"
# one per pass at most (the listing pass and the plan may each have their session)
[ "$conns" -ge 1 ] && [ "$conns" -le 2 ] ||
	failed "the fleet opened $conns connections to one host, not one per pass"
echo "fleet: $streams listings on $conns connection(s)"
exit $fail
