#!/usr/bin/env bash
# Posts a Slack message about the plan and failing deliveries, built from the JSON plan.
#   slack-plan.sh [PLAN.json]     read the plan from a file (default: run
#                                 `pdhooks plan --format json`, passing $PDHOOKS_ARGS)
# Environment: SLACK_WEBHOOK_URL (a Slack incoming webhook; never printed). With
# SLACK_DRY_RUN=1 the message is printed on stdout instead of posted.
# Posts nothing when the plan has no changes and no failing delivery.
# Exit: 0 posted (or nothing to say), 1 error, and pdhooks' own exit code when it failed
# (5: Pipedrive could not be checked).
set -euo pipefail

if [ $# -ge 1 ]; then
	plan=$(cat -- "$1")
else
	rc=0
	# shellcheck disable=SC2086 # PDHOOKS_ARGS is a list of words
	plan=$(pdhooks plan --format json -q ${PDHOOKS_ARGS:-}) || rc=$?
	[ "$rc" -eq 0 ] || exit "$rc"
fi

message=$(jq -c '
	def line: "• `\(.action)` \(.key) — \(.reason)";
	def failing: "• \(.key) (id \(.live_id)): last delivery " +
		(if .last_http_status == null or .last_http_status == 0 then "got no answer"
		 else "HTTP \(.last_http_status)" end) +
		(if .last_delivery_time then " at \(.last_delivery_time)" else "" end);
	(.summary) as $s
	| (.delivery_failures // []) as $f
	| if ($s.changes_pending | not) and ($f | length) == 0 then empty else
	  {text: ([
	    "*pdhooks* \(.desired_file): \($s.create) to create, \($s.replace) to replace, \($s.delete) to delete; \($s.unchanged) unchanged",
	    (if $s.brake then ":octagonal_sign: apply refuses this plan: \($s.brake_reason)" else empty end),
	    (.actions[] | line),
	    (if ($f | length) > 0 then
	      ":warning: \($f | length) failing deliver" + (if ($f | length) == 1 then "y" else "ies" end) +
	      " (Pipedrive deletes a webhook after 3 days without a successful one):"
	     else empty end),
	    ($f[] | failing)
	  ] | join("\n"))}
	  end' <<<"$plan")

[ -n "$message" ] || exit 0
if [ "${SLACK_DRY_RUN:-}" = 1 ]; then
	printf '%s\n' "$message"
	exit 0
fi
: "${SLACK_WEBHOOK_URL:?set SLACK_WEBHOOK_URL to a Slack incoming webhook}"
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary "$message" \
	"$SLACK_WEBHOOK_URL" >/dev/null
