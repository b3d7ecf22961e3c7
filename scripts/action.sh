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
# `run` reads the inputs as INPUT_COMMAND (validate|plan|apply|status|install), INPUT_FILE, INPUT_FLEET,
# INPUT_ARGS (split on blanks), INPUT_PLAN_FILE, INPUT_COMMENT (true|false),
# INPUT_WORKING_DIRECTORY, INPUT_PULL_REQUEST; the token as GITHUB_TOKEN; and GitHub's own
# GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL,
# GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. PDHOOKS_BIN is the pdhooks to run (default: on PATH).
#
#   plan    `pdhooks plan --format markdown --detailed-exitcode`, saving the plan to
#           INPUT_PLAN_FILE (unless empty; with a fleet a directory, one plan per account).
#           On a pull request it keeps ONE comment per file (found by a hidden marker, edited
#           in place) showing the plan, or the error when planning failed (never a stale
#           plan: a failed plan also removes the saved one).
#           Changes pending are not a failure; an error is (the step fails).
#   apply   `pdhooks apply --auto-approve`: the reviewed plan INPUT_PLAN_FILE when it exists
#           (with a fleet `apply --fleet F DIR`: stale accounts are refused, exit 4), else the
#           file. The output goes to a new comment on the pull request (the event's,
#           INPUT_PULL_REQUEST, or the one that merged GITHUB_SHA) and the summary.
#   A comment that cannot be written is a warning with GitHub's message; the step keeps
#   pdhooks' exit code.
#   validate `pdhooks validate --format github`: each error and warning an annotation on its
#           line (workflow commands on stdout), the diagnostics in the log and the summary;
#           no network (with --no-env in args, no secret either).
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
api() {   # api METHOD PATH [JSON-BODY-FILE]: the answer on stdout; fails on HTTP >= 400,
          # saying on stderr what GitHub answered (its "message")
	local method=$1 path=$2 data=${3:-} code
	[ -n "${GITHUB_TOKEN:-}" ] || { echo "pdhooks action: no github-token to comment with" >&2; return 1; }
	code=$(curl -sS -o "$work/answer" -w '%{http_code}' -X "$method" \
		-H "Authorization: Bearer $GITHUB_TOKEN" \
		-H "Accept: application/vnd.github+json" \
		-H "X-GitHub-Api-Version: 2022-11-28" \
		${data:+-H "Content-Type: application/json" --data-binary "@$data"} \
		"${GITHUB_API_URL:-https://api.github.com}$path") || code=000
	if [ "$code" -ge 400 ] 2>/dev/null || [ "$code" = 000 ]; then
		echo "pdhooks action: GitHub answered $method ${path%%\?*} with HTTP $code: $(github_message "$work/answer")" >&2
		return 1
	fi
	cat "$work/answer"
}

github_message() {   # github_message FILE: the "message" of GitHub's JSON error, one line
	python3 -c '
import json, sys
try:
    m = json.load(open(sys.argv[1], encoding="utf-8", errors="replace")).get("message")
except Exception:
    m = None
print(" ".join(str(m or "no message").split())[:300])' "$1" 2>/dev/null || echo "no message"
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
	json_body "$file" >"$work/comment.json" || return 1
	id=$(find_comment "$pr" "$marker") || return 1
	if [ -n "$id" ]; then
		api PATCH "/repos/$GITHUB_REPOSITORY/issues/comments/$id" "$work/comment.json" >/dev/null || return 1
		echo "pdhooks action: updated comment $id on #$pr"
	else
		api POST "/repos/$GITHUB_REPOSITORY/issues/$pr/comments" "$work/comment.json" >/dev/null || return 1
		echo "pdhooks action: commented on #$pr"
	fi
}

new_comment() {   # new_comment PR BODY-FILE
	json_body "$2" >"$work/comment.json" || return 1
	api POST "/repos/$GITHUB_REPOSITORY/issues/$1/comments" "$work/comment.json" >/dev/null || return 1
	echo "pdhooks action: commented on #$1"
}

# ---- bodies -----------------------------------------------------------------------------
# fenced FILE: FILE's text in a code block whose fence is longer than any run of backticks
# in it, cut to 50,000 characters (a comment holds 65,536).
fenced() {
	local longest fence
	# grep finds nothing in an empty file; with pipefail that must not end the step
	longest=$({ grep -o '`*' "$1" || true; } | awk '{ if (length > m) m = length } END { print m + 0 }')
	fence='```'
	while [ ${#fence} -le "$longest" ]; do fence="$fence\`"; done
	echo "$fence"
	head -c 50000 "$1"
	[ "$(wc -c <"$1")" -le 50000 ] || printf '\n(cut at 50,000 characters: the whole output is in the run log)'
	echo
	echo "$fence"
}

# comment_or_warn PR KIND ARGS...: sticky_comment or new_comment; a comment that cannot be
# written (a token without pull-requests: write, a fork's pull request) is a warning, in the
# log and as a workflow annotation, never the step's failure: the step keeps pdhooks' exit code.
comment_or_warn() {
	local pr=$1 kind=$2
	shift 2
	"$kind" "$pr" "$@" 2>"$work/comment.err" && return 0
	local why
	why=$(grep -m1 '^pdhooks action: ' "$work/comment.err" | sed 's/^pdhooks action: //')
	[ -n "$why" ] || why=$(head -n1 "$work/comment.err")
	echo "pdhooks action: warning: could not comment on #$pr: $why" >&2
	echo "::warning title=pdhooks::could not comment on #$pr: $(annotation_text "$why")"
}

# annotation_text TEXT: TEXT escaped for a workflow command's message (% CR LF).
annotation_text() {
	local t=${1//'%'/%25}
	t=${t//$'\r'/%0D}
	printf '%s' "${t//$'\n'/%0A}"
}

# clear_plan PATH: removes the saved plan at PATH: a file, or a fleet's directory of
# ACCOUNT.json plans (refused when it holds anything else).
clear_plan() {
	local p=$1
	if [ -d "$p" ]; then
		if find "$p" -mindepth 1 ! \( -type f -name '*.json' \) -print -quit | grep -q .; then
			die "plan-file $p is a directory with more than saved plans (ACCOUNT.json) in it: not removed"
		fi
		rm -rf -- "$p"
	else
		rm -f -- "$p"
	fi
}

output() { [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1=$2" >>"$GITHUB_OUTPUT"; }
summary() { [ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$1" >>"$GITHUB_STEP_SUMMARY"; }

run() {
	local cmd=${INPUT_COMMAND:-} bin=${PDHOOKS_BIN:-pdhooks} rc=0 pr=""
	case $cmd in validate | plan | apply | status | install) ;; *) die "command must be validate, plan, apply, status or install, not '$cmd'" ;; esac
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
			clear_plan "$planfile"
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
			[ -z "$planfile" ] || clear_plan "$planfile"
		fi
		summary "$work/body.md"
		output exit-code "$rc"
		[ -z "$pr" ] || comment_or_warn "$pr" sticky_comment "$marker" "$work/body.md"
		if [ "$rc" = 0 ] || [ "$rc" = 2 ]; then return 0; fi
		return "$rc"
		;;
	apply)
		# The reviewed plan when there is one: a file, or with a fleet the directory of one
		# plan per account that `plan --fleet F -o DIR` wrote (pdhooks refuses the stale
		# accounts with exit code 4 and applies the others); else plan and apply afresh.
		local -a target=("${sel[@]}")
		if [ -n "$planfile" ] && [ -e "$planfile" ]; then
			if [ -n "${INPUT_FLEET:-}" ]; then
				[ -d "$planfile" ] || die "plan-file $planfile is a file: a fleet's saved plan is the directory 'pdhooks plan --fleet $INPUT_FLEET -o DIR' writes"
				target=(--fleet "$INPUT_FLEET" "$planfile")
			else
				[ -f "$planfile" ] || die "plan-file $planfile is a directory (a fleet's saved plans) but no fleet is set"
				target=("$planfile")
			fi
			echo "pdhooks action: applying the reviewed plan $planfile"
		elif [ -n "$planfile" ]; then
			echo "pdhooks action: no saved plan at $planfile: planning and applying $what"
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
		[ -z "$pr" ] || comment_or_warn "$pr" new_comment "$work/body.md"
		return "$rc"
		;;
	validate)
		"$bin" validate "${sel[@]}" --format github "${extra[@]}" >"$work/out" 2>"$work/err" || rc=$?
		cat "$work/out"
		cat "$work/err" >&2
		{
			if [ "$rc" = 0 ]; then
				echo "### pdhooks validate: \`$what\` is valid"
			else
				echo "### pdhooks validate failed (exit code $rc) for \`$what\`"
			fi
			echo
			fenced "$work/err"
		} >"$work/body.md"
		summary "$work/body.md"
		output exit-code "$rc"
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
