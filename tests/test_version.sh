#!/usr/bin/env bash
# One version everywhere: every place outside CHANGELOG.md that names a pdhooks version
# names the one `pdhooks version` prints (CMake's project version) - the manual pages'
# headers, the action refs of the README and the example workflows, the schema URLs, the
# package's file name - so that a release bumps CMakeLists.txt and this test lists the rest.
set -euo pipefail
src=${PDH_SOURCE_DIR:?run through ctest}
bin=${PDH_BIN:?run through ctest}
version=$("$bin" version | awk '{print $2}')
fail=0
n=0
while IFS=: read -r file line found; do
	n=$((n + 1))
	v=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+' <<<"$found")
	[ "$v" = "$version" ] || { echo "FAIL: ${file#"$src"/}:$line names $v, not $version: $found" >&2; fail=1; }
done < <(cd "$src" && grep -rnoE \
	'pdhooks/pdhooks(@|/)v[0-9]+\.[0-9]+\.[0-9]+|"pdhooks [0-9]+\.[0-9]+\.[0-9]+"|pdhooks_[0-9]+\.[0-9]+\.[0-9]+-' \
	README.md docs examples schemas action.yml)
[ "$n" -ge 8 ] || { echo "FAIL: only $n version mentions found" >&2; fail=1; }
exit $fail
