#!/bin/bash
# ort_speed.sh - forward-pass speed of the onnx-prune runtime against ONNX
# Runtime (onnxruntime-node) on the same machine and thread count.
#
#   bench/ort_speed.sh [ROUNDS]        (default 3 rounds)
#
# Each round runs, per model and batch, `onnx-prune bench` and
# bench/ort_speed.js once each (alternating which goes first), so both
# see the same machine load; every run reports the median of its REPS
# timed passes after warm-up, and the table shows the median over the
# rounds.  GFLOP/s = 2 x MACs (onnx-prune info's Conv/Gemm/MatMul count)
# per second; "peak" is the measured GFLOP/s of a large cblas_sgemm on
# THREADS threads (bench/sgemm_peak.c, built here against the OpenBLAS the
# runtime links, under the same OPENBLAS_CORETYPE).
#
# Environment:
#   THREADS  threads for both runtimes (default 2)
#   BATCHES  (default "1 64");  REPS1 / REPSN: timed passes at batch 1 /
#            larger batches (default 50 / 10)
#   MODELS   model files (default resnet20, resnet56, shufflenetv2_x0_5,
#            fmnist_mobilenetv2 from /work/shared/models)
#   ONNX_PRUNE  the binary to time (default: a Release build made in
#            build-bench/; the main build/ is never touched)
#   NODE_PATH   must reach onnxruntime-node (default tools/ort/node_modules)
# Raw lines go to build-bench/ort_speed.txt.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
threads=${THREADS:-2}
batches=${BATCHES:-"1 64"}
sm=/work/shared/models
models=${MODELS:-"$sm/resnet20.onnx $sm/resnet56.onnx $sm/shufflenetv2_x0_5.onnx $sm/fmnist_mobilenetv2.onnx"}
bb=$root/build-bench
export NODE_PATH=${NODE_PATH:-$root/tools/ort/node_modules}
mkdir -p "$bb"
. "$root/bench/lib.sh"

if [ -z "${ONNX_PRUNE:-}" ]; then
	bench_build ort_speed.sh "" onnx-prune
	ONNX_PRUNE=$bb/onnx-prune
fi
blas_inc=$(sed -n 's/^OPENBLAS_INCLUDE:PATH=//p' "$bb/CMakeCache.txt" 2>/dev/null)
blas_lib=$(sed -n 's/^OPENBLAS_LIB:FILEPATH=//p' "$bb/CMakeCache.txt" 2>/dev/null)
gcc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
	-I"${blas_inc:-/usr/include/x86_64-linux-gnu/openblas-pthread}" \
	"$root/bench/sgemm_peak.c" "${blas_lib:--lopenblas}" -o "$bb/sgemm_peak"

res=$bb/ort_speed.txt
: >"$res"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
peak=$("$bb/sgemm_peak" "$threads" | awk '{print $2}')
json=$bb/ort_speed_ours.json
for r in $(seq 1 "$rounds"); do
	for m in $models; do
		name=$(basename "$m" .onnx)
		for b in $batches; do
			reps=${REPSN:-10}
			[ "$b" = 1 ] && reps=${REPS1:-50}
			for side in ours ort; do
				# odd rounds: ours first; even rounds: ORT first
				if [ $((r % 2)) = 0 ]; then
					[ $side = ours ] && side=ort || side=ours
				fi
				if [ $side = ours ]; then
					"$ONNX_PRUNE" bench "$m" --batch "$b" --threads "$threads" \
						--reps "$reps" --json "$json" >/dev/null
					o=$(tr -d '\n' <"$json")
				else
					o=$(node "$root/bench/ort_speed.js" "$m" "$b" "$threads" \
						"$reps" "$(chw_of "$m")")
				fi
				echo "$name $b $side $(echo "$o" | jnum ms_per_batch)" \
				     "$(echo "$o" | jnum peak_rss_mb)" >>"$res"
			done
		done
		macs=$("$ONNX_PRUNE" info "$m" --json | jnum macs)
		echo "$name 0 macs $macs 0" >>"$res"
	done
	# re-measure the peak between rounds; keep the best
	p=$("$bb/sgemm_peak" "$threads" | awk '{print $2}')
	peak=$(awk -v a="$peak" -v b="$p" 'BEGIN { print (b > a ? b : a) }')
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

echo "onnx-prune $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)" \
     "vs onnxruntime-node $(node -e 'console.log(require("onnxruntime-node/package.json").version)' 2>/dev/null || echo ?)," \
     "$threads threads, $rounds interleaved rounds (median of per-run medians)"
echo "machine: $(nproc) CPUs, sgemm peak $peak GFLOP/s (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset});" \
     "load average before $load0, after $load1"
awk -v peak="$peak" "$bench_median"'
$3 == "macs" { macs[$1] = $4; next }
{
	k = $1 " " $2
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	t[k, $3] = t[k, $3] " " $4
	rss[k, $3] = rss[k, $3] " " $5
}
END {
	printf "%-20s %5s %10s %10s %7s %9s %6s %9s %6s\n", "model", "batch",
	       "ours ms", "ORT ms", "ratio", "ours GF/s", "%peak", "ORT GF/s", "%peak"
	for (i = 1; i <= n; i++) {
		split(order[i], kb, " ")
		o = median(t[order[i], "ours"]); r = median(t[order[i], "ort"])
		fo = 2 * macs[kb[1]] * kb[2] / o / 1e6
		fr = 2 * macs[kb[1]] * kb[2] / r / 1e6
		printf "%-20s %5d %10.3f %10.3f %7.2f %9.1f %6.1f %9.1f %6.1f\n",
		       kb[1], kb[2], o, r, o / r, fo, 100 * fo / peak, fr,
		       100 * fr / peak
	}
	for (i = 1; i <= n; i++)
		if (order[i] ~ /^resnet56 / && order[i] !~ / 1$/)
			printf "peak RSS %s: ours %.1f MiB, ORT (node process) %.1f MiB\n",
			       order[i], median(rss[order[i], "ours"]),
			       median(rss[order[i], "ort"])
}' "$res"
