#!/bin/sh
# fuzz.sh - runs fuzz_import for a total time, restarting after each crash,
# and sums libFuzzer's final statistics over the runs.
#
#   tests/fuzz/fuzz.sh [SECONDS] [FUZZER]
#
# Defaults: 1800 s, build-fuzz/fuzz_import.  Corpus build-fuzz/$CORPUS (new
# units; default corpus), seeds build-fuzz/$SEEDS (default seeds, filled by
# make_corpus.sh), crashers in build-fuzz/artifacts, one log per run in
# build-fuzz/logs.  One worker: the box is shared.  Extra libFuzzer flags
# (FUZZ_FLAGS) come last and win, e.g. FUZZ_FLAGS=-max_len=20000.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
total=${1:-1800}
fuzzer=${2:-$root/build-fuzz/fuzz_import}
b=$root/build-fuzz
corpus=${CORPUS:-corpus}
seeds=${SEEDS:-seeds}
mkdir -p "$b/$corpus" "$b/artifacts" "$b/logs"
[ -d "$b/$seeds" ] || "$root/tests/fuzz/make_corpus.sh" "$b/$seeds" >/dev/null
start=$(date +%s)
i=0
while :; do
	left=$((total - ($(date +%s) - start)))
	[ "$left" -gt 5 ] || break
	i=$((i + 1))
	log=$b/logs/run-$(date +%Y%m%d-%H%M%S).log
	echo "fuzz.sh: run $i, $left s left, log $log"
	(cd "$b" && nice -n 5 "$fuzzer" -max_len=4000000 -rss_limit_mb=4096 \
		-timeout=10 -dict="$root/tests/fuzz/onnx.dict" \
		-print_final_stats=1 -max_total_time="$left" \
		-artifact_prefix=artifacts/ ${FUZZ_FLAGS:-} "$corpus" "$seeds") >"$log" 2>&1
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_import:|artifact_prefix)' "$log"
done
echo "fuzz.sh: $i run(s) in $(($(date +%s) - start)) s"
cat "$b"/logs/run-*.log | awk '
	/stat::number_of_executed_units/ { e += $2 }
	/stat::new_units_added/ { n += $2 }
	END { printf "fuzz.sh: all logs: executed %d units, %d new units\n", e, n }'
