#!/usr/bin/env bash
# scripts/deps.sh installs what each use needs:
#   - --demo (what scripts/demo.sh calls) has no analysis or packaging tool (clang, valgrind,
#     cppcheck, lintian) and no test library, yet every library CMake looks for outside the
#     tests comes from one of its packages (found with pkg-config and dpkg -S);
#   - the full list has the packaging tools scripts/package.sh uses, Criterion, and zsh and
#     fish (test_completion checks their completion scripts), promtool (prometheus) and nghttpd
#     (nghttp2-server: test_http2);
#   - a wrong argument is refused.
set -euo pipefail
src=${PDH_SOURCE_DIR:?run through ctest}
fail=0
failed() { echo "FAIL: $*" >&2; fail=1; }

demo=$("$src/scripts/deps.sh" --demo --list)
full=$("$src/scripts/deps.sh" --list)
for p in clang valgrind cppcheck lintian libcriterion-dev zsh fish; do
	grep -qx "$p" <<<"$demo" && failed "--demo installs $p"
done
for p in build-essential cmake pkg-config curl python3; do
	grep -qx "$p" <<<"$demo" || failed "--demo lacks $p"
done
for p in lintian dpkg-dev file libcriterion-dev python3-yaml python3-jsonschema cppcheck valgrind zsh fish \
	prometheus nghttp2-server; do
	grep -qx "$p" <<<"$full" || failed "the full list lacks $p"
done
grep -q 'scripts/deps.sh --demo' "$src/scripts/demo.sh" || failed "demo.sh does not use deps.sh --demo"

# The libraries of the product's build (the pkg_check_modules before `if(PDH_TESTS)`).
mods=$(sed -n '1,/^if(PDH_TESTS)/p' "$src/CMakeLists.txt" |
	sed -n 's/^ *pkg_check_modules([A-Z]* *REQUIRED IMPORTED_TARGET \([^ )]*\)).*/\1/p')
[ "$(wc -w <<<"$mods")" -ge 4 ] || failed "found only these libraries in CMakeLists.txt: $mods"
for m in $mods; do
	pc="$(pkg-config --variable=pcfiledir "$m")/$m.pc"
	pkg=$(dpkg -S "$(realpath "$pc")" 2>/dev/null | head -n 1 | cut -d: -f1) ||
		pkg=$(dpkg -S "$pc" 2>/dev/null | head -n 1 | cut -d: -f1) || true
	[ -n "$pkg" ] || { failed "no package owns $pc"; continue; }
	grep -qx "$pkg" <<<"$demo" || failed "the demo's build needs $pkg ($m), which --demo does not install"
done

rc=0
"$src/scripts/deps.sh" --nonsense 2>/dev/null || rc=$?
[ "$rc" = 2 ] || failed "deps.sh --nonsense exits $rc"
exit $fail
