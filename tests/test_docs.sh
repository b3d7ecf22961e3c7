#!/usr/bin/env bash
# The man page, the GitHub workflow examples and the help texts agree and are well-formed:
#   - docs/pdhooks.1 renders with groff without a warning and is installed (compressed) by CMake;
#   - every command `pdhooks help` lists has its section in the man page, and the reverse;
#   - examples/github/*.yml are YAML that GitHub Actions can read (python3-yaml), with the
#     shape a workflow needs, and the applying ones share one concurrency group;
#   - every `pdhooks COMMAND --option` the examples use is in that command's --help.
#   - the ENVIRONMENT section names every variable the CLI reads for itself (PDHOOKS_FILE,
#     NO_COLOR, TERM), and the page says what -f - and --color's precedence are.
# (tests/test_cli_table.c checks the man page against the option table itself.)
set -euo pipefail
src=${PDH_SOURCE_DIR:?}
bin=${PDH_BIN:?}
man="$src/docs/pdhooks.1"
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

# 1. groff: no warning, no error.
out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1) || err "groff failed"
[ -z "$out" ] || err "groff warnings: $out"

# 2. installed by cmake --install.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$(dirname "$bin")" --prefix "$tmp" >/dev/null || err "cmake --install failed"
[ -f "$tmp/share/man/man1/pdhooks.1.gz" ] || err "cmake --install does not install the man page"

# 3. commands: help <-> man page.
commands=$("$bin" help | sed -n '/^Commands:/,/^$/p' | awk 'NF>1 {print $1}')
[ -n "$commands" ] || err "no command listed by pdhooks help"
for c in $commands; do
  grep -q "^\.SS \"pdhooks $c" "$man" || err "the man page has no section for '$c'"
  "$bin" help "$c" >/dev/null || err "pdhooks help $c fails"
done
# every option a command's help names is in the man page (roff writes '-' as '\-').
for c in $commands; do
  for opt in $("$bin" help "$c" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    roff=${opt//-/\\-}
    grep -qF -- "$roff" "$man" || err "the man page does not document $c $opt"
  done
done
for c in $(sed -n 's/^\.SS "pdhooks \([a-z]*\).*/\1/p' "$man"); do
  if ! grep -qx "$c" <<<"$commands"; then
    echo "note: the man page documents '$c', which this build does not have yet" >&2
  fi
done

# 4. workflows.
/usr/bin/python3 - "$src"/examples/github/*.yml <<'PY' || fail=1
import sys, yaml
ok = True
def bad(f, m):
    global ok
    ok = False
    print(f"FAIL: {f}: {m}", file=sys.stderr)
docs = {}
for f in sys.argv[1:]:
    d = yaml.safe_load(open(f, encoding="utf-8"))
    docs[f.rsplit("/", 1)[-1]] = d
    on = d.get("on", d.get(True))          # YAML 1.1 reads the key `on` as true
    if not on: bad(f, "no trigger (on:)")
    if not d.get("jobs"): bad(f, "no jobs")
    for name, job in (d.get("jobs") or {}).items():
        if "runs-on" not in job: bad(f, f"job {name} has no runs-on")
        for i, step in enumerate(job.get("steps") or []):
            if ("uses" in step) == ("run" in step): bad(f, f"job {name} step {i}: needs uses or run")
need = {"plan-comment.yml", "apply-on-merge.yml", "drift.yml"}
if set(docs) != need: bad("examples/github", f"expected {sorted(need)}, found {sorted(docs)}")
else:
    a, dr = docs["apply-on-merge.yml"]["concurrency"], docs["drift.yml"]["concurrency"]
    if a["group"] != dr["group"] or a.get("cancel-in-progress") is not False \
            or dr.get("cancel-in-progress") is not False:
        bad("apply-on-merge.yml", "applies must share one concurrency group, never cancelled")
    steps = docs["plan-comment.yml"]["jobs"]["plan"]["steps"]
    if not any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"] == "pdhooks.plan" for s in steps):
        bad("plan-comment.yml", "does not keep the saved plan as an artifact")
    if "schedule" not in docs["drift.yml"].get("on", docs["drift.yml"].get(True)):
        bad("drift.yml", "not scheduled")
sys.exit(0 if ok else 1)
PY

# 5. options the examples use exist.
grep -hv '^ *#' "$src"/examples/github/*.yml |
  grep -Eo 'pdhooks (validate|plan|apply|export|version|help)( [^|>;&]*)?' | while read -r _ cmd rest; do
  help=$("$bin" help "$cmd" 2>/dev/null) || { echo "note: '$cmd' is not in this build yet" >&2; continue; }
  for opt in $(grep -o -- '--[a-z-]\+' <<<"$rest" || true); do
    grep -q -- "$opt" <<<"$help" || { echo "FAIL: pdhooks $cmd has no $opt" >&2; exit 1; }
  done
done || fail=1

# The variables the CLI itself reads, in ENVIRONMENT; -f - and colour's precedence.
envsec=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH [A-DF-Z]/p' "$man")
for v in PDHOOKS_FILE NO_COLOR TERM PIPEDRIVE_API_TOKEN PIPEDRIVE_OAUTH_TOKEN; do
	grep -qx ".B $v" <<<"$envsec" || err "the man page's ENVIRONMENT lacks $v"
done
grep -q 'reads it from standard input' "$man" || err "the man page does not explain -f -"
grep -q '^Precedence, first match wins' "$man" || err "the man page does not give colour's precedence"

exit $fail
