#!/usr/bin/env bash
# scripts/action.sh when pdhooks prints nothing (killed, or a quiet run): the step still ends
# with pdhooks' own exit code, writes its outputs and the summary, and on a failed plan the
# summary says so instead of the step dying inside the fenced block.
set -euo pipefail
src=${PDH_SOURCE_DIR:?run through ctest}
fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A pdhooks that prints nothing and exits with $STUB_RC.
cat >"$work/pdhooks" <<'SH'
#!/bin/sh
exit "${STUB_RC:-0}"
SH
chmod +x "$work/pdhooks"

run_action() {   # run_action COMMAND STUB_RC: the action's exit code in $rc
	: >"$work/output"
	: >"$work/summary"
	rc=0
	(cd "$work" && env -i PATH="$PATH" HOME="$work" STUB_RC="$2" PDHOOKS_BIN="$work/pdhooks" \
		INPUT_COMMAND="$1" INPUT_COMMENT=false INPUT_PLAN_FILE=pdhooks.plan \
		GITHUB_OUTPUT="$work/output" GITHUB_STEP_SUMMARY="$work/summary" \
		bash "$src/scripts/action.sh" run >"$work/stdout" 2>"$work/stderr") || rc=$?
}

run_action plan 7
[ "$rc" = 7 ] || failed "plan: a silent pdhooks exiting 7 made the step exit $rc: $(cat "$work/stderr")"
grep -qx 'exit-code=7' "$work/output" || failed "plan: no exit-code output: $(cat "$work/output")"
grep -q 'pdhooks plan failed (exit code 7)' "$work/summary" || failed "plan: the summary does not say it failed"

run_action apply 0
[ "$rc" = 0 ] || failed "apply: a silent pdhooks exiting 0 made the step exit $rc: $(cat "$work/stderr")"
grep -qx 'exit-code=0' "$work/output" || failed "apply: no exit-code output"
grep -q 'pdhooks apply: done' "$work/summary" || failed "apply: no summary"

run_action status 2
[ "$rc" = 2 ] || failed "status: a silent pdhooks exiting 2 made the step exit $rc"
grep -qx 'exit-code=2' "$work/output" || failed "status: no exit-code output"

[ "$fail" = 0 ] && echo "ok: the action survives a silent pdhooks"
exit "$fail"
