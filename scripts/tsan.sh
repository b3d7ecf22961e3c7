#!/usr/bin/env bash
# Runs the suites that drive worker threads (apply, hostile servers, saved plans, fleets, the
# run's shared HTTP session over TLS) with pdhooks built under ThreadSanitizer. Criterion
# itself does not run under TSan, so the suites come from the normal build (build/, made by
# scripts/test.sh) and only $PDH_BIN is swapped.
# A race makes pdhooks exit 66, which no test accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/test_apply ] || { echo "tsan: run scripts/test.sh first (needs build/)" >&2; exit 1; }

cmake -S . -B build-tsan -DPDH_TESTS=OFF -DPDH_BENCH=OFF -DPDH_WERROR="${PDH_WERROR:-OFF}" \
  -DCMAKE_C_FLAGS="-fsanitize=thread -g" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
cmake --build build-tsan -j "$(nproc)" --target pdhooks >/dev/null

export PDH_BIN=$PWD/build-tsan/pdhooks PDH_FAKE_BIN=$PWD/build/pdhooks-fake
export PDH_SOURCE_DIR=$PWD PDH_TESTDATA=$PWD/testdata NO_COLOR=1
export TSAN_OPTIONS="halt_on_error=1:exitcode=66"
fail=0
for t in test_apply test_apply_stream test_apply_reliability test_hostile test_outputs_fake test_fleet test_tls; do
  echo "tsan: $t"
  build/$t --jobs 2 || fail=1
done
exit $fail
