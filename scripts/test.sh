#!/usr/bin/env bash
# Builds pdhooks and runs the whole test suite with CTest.
#   scripts/test.sh                 a normal build in build/
#   PDH_SANITIZE=ON scripts/test.sh  AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/
#   PDH_WERROR=ON                    warnings are errors (CI sets it)
#   PDH_VALGRIND=ON                  also the suites that run pdhooks, under valgrind (CTest
#                                    label valgrind; PDH_CTEST_ARGS="-L valgrind": only those)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

sanitize=${PDH_SANITIZE:-OFF}
werror=${PDH_WERROR:-OFF}
valgrind=${PDH_VALGRIND:-OFF}
build=${PDH_BUILD_DIR:-build}
[ "$sanitize" = ON ] && build=${PDH_BUILD_DIR:-build-asan}

cmake -S . -B "$build" -DPDH_TESTS=ON -DPDH_SANITIZE="$sanitize" -DPDH_WERROR="$werror" \
	-DPDH_VALGRIND="$valgrind" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
ctest --output-on-failure -j "$(nproc)" ${PDH_CTEST_ARGS:-}
