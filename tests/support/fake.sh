# Shell helpers for the script tests (and scripts/package.sh): source this file.
#   pdh_fake_start DIR [FAKE-ARGS...]  starts pdhooks-fake ($PDH_FAKE_BIN) on a free port of
#                                      127.0.0.1 with the token $PDH_FAKE_TOKEN (default
#                                      "tok-test"); sets PDH_FAKE_PID, PDH_FAKE_BASE (the
#                                      control API's root) and PDH_FAKE_API (.../v1), and
#                                      exports XDG_RUNTIME_DIR=DIR: the apply lock is keyed
#                                      by the token, which every script's fake shares
#   pdh_fake_stop                      stops it (call it from the caller's EXIT trap)

pdh_fake_start() {
	local dir=$1 line
	shift
	rm -f "$dir/fake.port"
	mkfifo "$dir/fake.port"
	"${PDH_FAKE_BIN:?}" --port 0 --token "${PDH_FAKE_TOKEN:-tok-test}" "$@" \
		>"$dir/fake.port" 2>"$dir/fake.err" &
	PDH_FAKE_PID=$!
	if ! read -r line <"$dir/fake.port"; then
		echo "pdhooks-fake did not start:" >&2
		cat "$dir/fake.err" >&2
		return 1
	fi
	PDH_FAKE_BASE="http://127.0.0.1:${line#port=}"
	PDH_FAKE_API="$PDH_FAKE_BASE/v1"
	export XDG_RUNTIME_DIR="$dir"
}

pdh_fake_stop() {
	if [ -n "${PDH_FAKE_PID:-}" ]; then
		kill "$PDH_FAKE_PID" 2>/dev/null || true
		wait "$PDH_FAKE_PID" 2>/dev/null || true
		PDH_FAKE_PID=
	fi
}
