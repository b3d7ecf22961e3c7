#!/usr/bin/env bash
# The shell side of the GitHub Action (action.yml); tests/test_action.sh runs it outside
# GitHub with the GitHub parts given by environment variables.
#
#   scripts/action.sh cache-key   print the cache key of a build of these sources:
#                                 the action's ref ($GITHUB_ACTION_REF), the runner and a
#                                 digest of the sources (a moving ref rebuilds on change)
#   scripts/action.sh deps        install the build dependencies with apt (deps.sh --demo)
#   scripts/action.sh build DIR   build pdhooks from these sources, the binary into DIR
#   scripts/action.sh run         run pdhooks as the inputs say, comment, write outputs
#
# `run` reads the inputs as INPUT_COMMAND (plan|apply|status), INPUT_FILE, INPUT_FLEET,
# INPUT_ARGS (split on blanks), INPUT_PLAN_FILE, INPUT_COMMENT (true|false),
# INPUT_WORKING_DIRECTORY, INPUT_PULL_REQUEST; the token as GITHUB_TOKEN; and GitHub's own
# GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL,
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. PDHOOKS_BIN is the pdhooks to run (default: on PATH).
#
#   plan    `pdhooks plan --format markdown --detailed-exitcode`, saving the plan to
#           INPUT_PLAN_FILE (unless empty). On a pull request it keeps ONE comment per file
#           (found by a hidden marker, edited in place) showing the plan, or the error when
#           planning failed (never a stale plan: a failed plan also removes the saved one).
#           Changes pending are not a failure; an error is (the step fails).
#   apply   `pdhooks apply --auto-approve`: the saved plan INPUT_PLAN_FILE when that file
#           exists, else the file. The output goes to a new comment on the pull request (the
#           event's, INPUT_PULL_REQUEST, or the one that merged GITHUB_SHA) and the summary.
#   status  `pdhooks status`, its output in the summary.
#   install only puts pdhooks on PATH for the job's next steps (GITHUB_PATH) and runs nothing,
#           for steps that run pdhooks themselves (a fleet shard's `--format json` report,
#           `pdhooks merge`).
# Outputs: exit-code (pdhooks' own), changes (plan: true when changes are pending),
# plan-file (plan: the saved plan, when one was written).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "pdhooks action: $*" >&2; exit 2; }

cache_key() {
	local digest
	digest=$(cd "$here" && find CMakeLists.txt cmake core cmd -type f -print0 | sort -z |
		xargs -0 sha256sum | sha256sum | cut -c1-16)
	echo "pdhooks-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-${GITHUB_ACTION_REF:-local}-$digest"
}

build() {
	local dest=${1:?usage: action.sh build DIR} tmp
	tmp=$(mktemp -d)
	cmake -S "$here" -B "$tmp" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDH_TESTS=OFF -DPDH_BENCH=OFF >/dev/null
	cmake --build "$tmp" -j "$(nproc)" --target pdhooks >/dev/null
	mkdir -p "$dest"
	cp "$tmp/pdhooks" "$dest/pdhooks"
	rm -rf "$tmp"
	"$dest/pdhooks" version
}

# ---- GitHub ----------------------------------------------------------------------------
api() {   # api METHOD PATH [JSON-BODY-FILE]: the answer on stdout; fails on HTTP >= 400
	local method=$1 path=$2 data=${3:-}
	[ -n "${GITHUB_TOKEN:-}" ] || { echo "pdhooks action: no github-token to comment with" >&2; return 1; }
	curl -sS --fail-with-body -X "$method" \
		-H "Authorization: Bearer $GITHUB_TOKEN" \
		-H "Accept: application/vnd.github+json" \
		-H "X-GitHub-Api-Version: 2022-11-28" \
		${data:+-H "Content-Type: application/json" --data-binary "@$data"} \
		"${GITHUB_API_URL:-https://api.github.com}$path"
}

json_body() {   # json_body FILE > JSON: {"body": <FILE's text>}
	python3 -c 'import json,sys; print(json.dumps({"body": open(sys.argv[1], encoding="utf-8", errors="replace").read()}))' "$1"
}

pull_request_number() {
	if [ -n "${INPUT_PULL_REQUEST:-}" ]; then
		echo "$INPUT_PULL_REQUEST"
		return
	fi
	case ${GITHUB_EVENT_NAME:-} in
	pull_request | pull_request_target)
		python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e.get("pull_request", {}).get("number") or e.get("number") or "")' \
			"${GITHUB_EVENT_PATH:?}"
		;;
	push)
		# the pull request that brought GITHUB_SHA, if any
		api GET "/repos/${GITHUB_REPOSITORY:?}/commits/${GITHUB_SHA:?}/pulls" |
			python3 -c 'import json,sys; p=json.load(sys.stdin); print(p[0]["number"] if p else "")' || true
		;;
	esac
}

# The id of the comment on issue $1 whose body starts with marker $2, or nothing.
find_comment() {
	local pr=$1 marker=$2 page=1 answer id
	while :; do
		answer=$(api GET "/repos/$GITHUB_REPOSITORY/issues/$pr/comments?per_page=100&page=$page") || return 1
		id=$(python3 -c '
import json, sys
cs = json.loads(sys.stdin.read())
print("end" if not cs else next((str(c["id"]) for c in cs if c.get("body", "").startswith(sys.argv[1])), ""))
' "$marker" <<<"$answer")
		[ "$id" = end ] && return 0
		[ -n "$id" ] && { echo "$id"; return 0; }
		page=$((page + 1))
	done
}

sticky_comment() {   # sticky_comment PR MARKER BODY-FILE
	local pr=$1 marker=$2 file=$3 id
	json_body "$file" >"$work/comment.json"
	id=$(find_comment "$pr" "$marker") || return 1
	if [ -n "$id" ]; then
		api PATCH "/repos/$GITHUB_REPOSITORY/issues/comments/$id" "$work/comment.json" >/dev/null
		echo "pdhooks action: updated comment $id on #$pr"
	else
		api POST "/repos/$GITHUB_REPOSITORY/issues/$pr/comments" "$work/comment.json" >/dev/null
		echo "pdhooks action: commented on #$pr"
	fi
}

new_comment() {   # new_comment PR BODY-FILE
	json_body "$2" >"$work/comment.json"
	api POST "/repos/$GITHUB_REPOSITORY/issues/$1/comments" "$work/comment.json" >/dev/null
	echo "pdhooks action: commented on #$1"
}

# ---- bodies -----------------------------------------------------------------------------
# fenced FILE: FILE's text in a code block whose fence is longer than any run of backticks
# in it, cut to 50,000 characters (a comment holds 65,536).
fenced() {
	local longest fence
	longest=$(grep -o '`*' "$1" | awk '{ if (length > m) m = length } END { print m + 0 }')
	fence='```'
	while [ ${#fence} -le "$longest" ]; do fence="$fence\`"; done
	echo "$fence"
	head -c 50000 "$1"
	[ "$(wc -c <"$1")" -le 50000 ] || printf '\n(cut at 50,000 characters: the whole output is in the run log)'
	echo
	echo "$fence"
}

output() { [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1=$2" >>"$GITHUB_OUTPUT"; }
summary() { [ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$1" >>"$GITHUB_STEP_SUMMARY"; }

run() {
	local cmd=${INPUT_COMMAND:-} bin=${PDHOOKS_BIN:-pdhooks} rc=0 pr=""
	case $cmd in plan | apply | status | install) ;; *) die "command must be plan, apply, status or install, not '$cmd'" ;; esac
	if [ "$cmd" = install ]; then
		local path
		path=$(command -v "$bin") || die "no pdhooks at $bin"
		path=$(cd "$(dirname "$path")" && pwd)
		[ -z "${GITHUB_PATH:-}" ] || echo "$path" >>"$GITHUB_PATH"
		echo "pdhooks action: $("$bin" version) in $path, on PATH for the next steps"
		output exit-code 0
		return 0
	fi
	[ -z "${INPUT_WORKING_DIRECTORY:-}" ] || cd "$INPUT_WORKING_DIRECTORY"
	local -a sel=() extra=()
	[ -z "${INPUT_FILE:-}" ] || sel+=(-f "$INPUT_FILE")
	[ -z "${INPUT_FLEET:-}" ] || sel+=(--fleet "$INPUT_FLEET")
	read -r -a extra <<<"${INPUT_ARGS:-}" || true
	local planfile=${INPUT_PLAN_FILE-pdhooks.plan} comment=${INPUT_COMMENT:-true}
	local what="${INPUT_FILE:-pdhooks.yaml}${INPUT_FLEET:+ (fleet $INPUT_FLEET)}"
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	# plans are commented on pull requests only; an apply's result also on a push's
	if [ "$comment" = true ]; then
		case $cmd:${GITHUB_EVENT_NAME:-} in
		plan:pull_request | plan:pull_request_target | apply:*) pr=$(pull_request_number) ;;
		plan:*) pr=${INPUT_PULL_REQUEST:-} ;;
		esac
	fi

	case $cmd in
	plan)
		local -a popts=(--format markdown --detailed-exitcode)
		if [ -n "$planfile" ]; then
			rm -f "$planfile"
			popts+=(-o "$planfile")
		fi
		"$bin" plan "${sel[@]}" "${popts[@]}" "${extra[@]}" >"$work/out" 2>"$work/err" || rc=$?
		cat "$work/err" >&2
		local marker="<!-- pdhooks-plan: $what -->"
		{
			echo "$marker"
			if [ "$rc" = 0 ] || [ "$rc" = 2 ]; then
				cat "$work/out"
			else
				echo "### pdhooks plan failed (exit code $rc): no plan for \`$what\`"
				echo
				echo "Fix the error below and push again; this comment then shows the new plan."
				echo
				fenced "$work/err"
			fi
		} >"$work/body.md"
		if [ "$rc" = 0 ] || [ "$rc" = 2 ]; then
			cat "$work/out"
			output changes "$([ "$rc" = 2 ] && echo true || echo false)"
			[ -z "$planfile" ] || output plan-file "$planfile"
		else
			[ -z "$planfile" ] || rm -f "$planfile"
		fi
		summary "$work/body.md"
		output exit-code "$rc"
		[ -z "$pr" ] || sticky_comment "$pr" "$marker" "$work/body.md"
		if [ "$rc" = 0 ] || [ "$rc" = 2 ]; then return 0; fi
		return "$rc"
		;;
	apply)
		local -a target
		if [ -n "$planfile" ] && [ -f "$planfile" ]; then
			target=("$planfile")
			echo "pdhooks action: applying the saved plan $planfile"
		else
			target=("${sel[@]}")
		fi
		"$bin" apply "${target[@]}" --auto-approve "${extra[@]}" >"$work/out" 2>&1 || rc=$?
		cat "$work/out"
		{
			echo "<!-- pdhooks-apply: $what -->"
			if [ "$rc" = 0 ]; then
				echo "### pdhooks apply: done for \`$what\`"
			else
				echo "### pdhooks apply failed (exit code $rc) for \`$what\`"
			fi
			echo
			fenced "$work/out"
		} >"$work/body.md"
		summary "$work/body.md"
		output exit-code "$rc"
		[ -z "$pr" ] || new_comment "$pr" "$work/body.md"
		return "$rc"
		;;
	status)
		"$bin" status "${sel[@]}" "${extra[@]}" >"$work/out" 2>&1 || rc=$?
		cat "$work/out"
		{ echo "### pdhooks status (exit code $rc)"; echo; fenced "$work/out"; } >"$work/body.md"
		summary "$work/body.md"
		output exit-code "$rc"
		return "$rc"
		;;
	esac
}

case ${1:-} in
cache-key) cache_key ;;
deps) "$here/scripts/deps.sh" --demo ;;
build) build "${2:-}" ;;
run) run ;;
*) die "usage: scripts/action.sh cache-key|deps|build DIR|run" ;;
esac
