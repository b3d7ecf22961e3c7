#!/usr/bin/env bash
# Static analysis: cppcheck over the library, the CLI, the fake, the test helpers and the fuzz
# targets (not the benchmarks: programs run by hand). Any finding fails. A false positive is suppressed where it is,
# with the reason: // cppcheck-suppress ID  (reason)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

cppcheck --enable=warning,performance,portability --std=c11 --inline-suppr --error-exitcode=1 \
	-q -I core/include -I core -I tests/support --include=/usr/include/jansson.h \
	--suppress=missingIncludeSystem \
	core cmd tests/support tests/fuzz
echo "cppcheck: no findings"
