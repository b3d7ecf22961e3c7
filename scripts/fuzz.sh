#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs each for a bounded
# time over its seed corpus; any crash, leak or timeout fails.
#   scripts/fuzz.sh                    every target, PDH_FUZZ_SECONDS (default 25) each
#   scripts/fuzz.sh fuzz_live          one target
# Seeds: testdata/fuzz/<target>/ and the globs in tests/fuzz/<target>.seeds, copied into
# build-fuzz/corpus/<target>/ (kept between runs: it grows). A crash is saved in
# build-fuzz/artifacts/<target>/; copy it into testdata/fuzz/<target>/ with the fix, where
# the CTest entry fuzz_<target>_replay runs it in every build from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${PDH_FUZZ_SECONDS:-25}
out=build-fuzz

CC=clang cmake -S . -B "$out" -DPDH_FUZZ=ON -DPDH_TESTS=OFF -DPDH_BENCH=OFF >/dev/null
cmake --build "$out" -j "$(nproc)" >/dev/null

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for src in tests/fuzz/fuzz_*.c; do
		targets+=("$(basename "$src" .c)")
	done
fi

# Copies a seed under the name libFuzzer would give it (its SHA-1), so equal files merge.
seed() { cp "$1" "$2/$(sha1sum "$1" | cut -c1-40)"; }

fail=0
for t in "${targets[@]}"; do
	corpus=$out/corpus/$t
	artifacts=$out/artifacts/$t
	mkdir -p "$corpus" "$artifacts"
	if [ -d "testdata/fuzz/$t" ]; then
		for f in "testdata/fuzz/$t"/*; do [ -f "$f" ] && seed "$f" "$corpus"; done
	fi
	if [ -f "tests/fuzz/$t.seeds" ]; then
		while read -r glob; do
			case $glob in ''|'#'*) continue ;; esac
			for f in $glob; do [ -f "$f" ] && seed "$f" "$corpus"; done
		done <"tests/fuzz/$t.seeds"
	fi
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$artifacts/")
	[ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
	log=$out/$t.log
	start=$(date +%s)
	if "$out/$t" "${args[@]}" "$corpus" >"$log" 2>&1; then
		status=ok
	else
		status=FAILED
		fail=1
	fi
	took=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	echo "fuzz: $t $status: ${runs:-?} runs in ${took} s, ${cov:-no coverage line}," \
	     "corpus $(ls "$corpus" | wc -l) inputs"
	if [ $status = FAILED ]; then
		tail -60 "$log" >&2
		ls -l "$artifacts" >&2
	fi
done
exit $fail
