#!/usr/bin/env bash
# core/README.md is the map of core/, and it stays true:
#   1. every file under core/ has its line in the map ("- `core/PATH` — what it owns");
#   2. every core/ path the map names exists (a moved or deleted file leaves no stale line);
#   3. every function the map's questions and rule index name is defined in a file of the same
#      bullet, so "Reconciliation 5 -> plan/plan.c S_owned_url" cannot rot;
#   4. cmd/ includes only the public headers (core/include/pdhooks/*.h) or its own.
set -euo pipefail
src=${PDH_SOURCE_DIR:?}
map="$src/core/README.md"
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

[ -f "$map" ] || { echo "FAIL: core/README.md is missing" >&2; exit 1; }

# 1. every file has its line.
listed=$(grep -oE '^- `core/[^`]+`' "$map" | sed -E 's/^- `(.*)`$/\1/' | sort)
[ -n "$listed" ] || err "core/README.md lists no file"
while IFS= read -r f; do
  grep -qxF "$f" <<<"$listed" || err "core/README.md has no line for $f"
done < <(cd "$src" && find core -type f | sort)
dups=$(uniq -d <<<"$listed")
[ -z "$dups" ] || err "core/README.md lists these twice: $dups"

# 2. every named path exists: the file lines, and every `core/...` or part-relative path
#    (`plan/plan.c`, `include/pdhooks/limits.h`) in the text.
while IFS= read -r p; do
  [ -e "$src/$p" ] || err "core/README.md names $p, which does not exist"
done < <(grep -oE '`core/[A-Za-z0-9_./-]+`' "$map" | tr -d '`' | sort -u)
while IFS= read -r p; do
  [ -e "$src/core/$p" ] || err "core/README.md names $p, which is not core/$p"
done < <(grep -oE '`(util|desired|api|plan|apply|run|export|fleet|include/pdhooks)/[A-Za-z0-9_.*/-]+`' "$map" \
         | tr -d '`' | grep -v '\*' | sort -u)

# 3. functions the rule index and the questions name (`S_x`, `pdh_x`) are defined in one of
#    the files the same bullet names, so "Reconciliation 5 -> plan/plan.c S_owned_url"
#    cannot rot. A bullet is a line "- ..." and the indented lines after it.
check_bullet() {
  local text=$1 files=() tok name found f
  [ -n "$text" ] || return 0
  for tok in $(grep -oE '`[A-Za-z0-9_./-]+`' <<<"$text" | tr -d '`'); do
    case "$tok" in
      core/*|cmd/*) [ -f "$src/$tok" ] && files+=("$src/$tok") ;;
      util/*|desired/*|api/*|plan/*|apply/*|run/*|export/*|monitor/*|fleet/*|include/*)
        [ -f "$src/core/$tok" ] && files+=("$src/core/$tok") ;;
    esac
  done
  for tok in $(grep -oE '`(S|pdh)_[A-Za-z0-9_.]+`' <<<"$text" | tr -d '`'); do
    name=${tok%%.*}
    found=0
    for f in "${files[@]}"; do
      grep -qE "\b$name\b" "$f" && found=1 && break
    done
    [ "$found" = 1 ] || err "core/README.md names $name, which none of its bullet's files has"
  done
}
bullet=""
while IFS= read -r line; do
  if [[ "$line" == "- "* ]]; then
    check_bullet "$bullet"
    bullet=$line
  elif [[ "$line" == "  "* && -n "$bullet" ]]; then
    bullet+=" $line"
  else
    check_bullet "$bullet"
    bullet=""
  fi
done < <(sed -n '/^## Questions/,/^## Files/p' "$map")
check_bullet "$bullet"

# 4. cmd/ includes public headers or its own, never a private header of core/.
while IFS=: read -r file _ inc; do
  h=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$inc")
  dir=$src/$(dirname "$file")
  case "$h" in
    pdhooks/*) [ -f "$src/core/include/$h" ] || err "$file includes $h, not a public header" ;;
    */*) err "$file includes $h: cmd/ includes only core/include/pdhooks/*.h" ;;
    pdh_commit.h) ;;  # generated in the build tree by cmake/commit.cmake
    *) [ -f "$dir/$h" ] || err "$file includes $h, which is neither its own nor public" ;;
  esac
done < <(cd "$src" && grep -rn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' cmd)

exit $fail
