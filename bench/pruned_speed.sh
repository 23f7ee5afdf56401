#!/bin/bash
# pruned_speed.sh - how much of the MACs cut by pruning becomes speed
# (issue 4): ONNX Runtime latency of each model against the same model
# pruned to 50 % MACs (l1, --target-flops 0.5), with and without
# --round-to 8, at batch 1 and 64; our own runtime's latency too.
#
#   bench/pruned_speed.sh [ROUNDS]        (default 3 rounds)
#
# Each round times every (model, variant, batch) once with ORT
# (bench/ort_speed.js) and once with `onnx-prune bench`, in the same
# order; the table shows the median over the rounds.  "speed share" is
# (1 - t_pruned / t_orig) / (1 - macs_pruned / macs_orig): 1 when the
# time falls as much as the MACs, 0 when it does not fall at all.
#
# Environment: THREADS (default 2), MODELS, REPS1 / REPSN (timed passes at
# batch 1 / 64, default 50 / 10), ONNX_PRUNE (default: a Release build in
# build-bench/), NODE_PATH (default tools/ort/node_modules).
# Pruned models and raw lines go to build-bench/pruned/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
threads=${THREADS:-2}
sm=$root/../shared/models
models=${MODELS:-"$sm/resnet20.onnx $sm/resnet56.onnx $sm/shufflenetv2_x0_5.onnx $sm/fmnist_mobilenetv2.onnx"}
bb=$root/build-bench
out=$bb/pruned
export NODE_PATH=${NODE_PATH:-$root/tools/ort/node_modules}
mkdir -p "$out"
. "$root/bench/lib.sh"

if [ -z "${ONNX_PRUNE:-}" ]; then
	bench_build pruned_speed.sh "" onnx-prune
	ONNX_PRUNE=$bb/onnx-prune
fi

# The variants of each model: orig, p50 (l1 at 50 % MACs), p50r8 (the
# same with --round-to 8).
list=""
for m in $models; do
	name=$(basename "$m" .onnx)
	cp "$m" "$out/$name.orig.onnx"
	"$ONNX_PRUNE" "$m" "$out/$name.p50.onnx" --passes l1 \
		--target-flops 0.5 >/dev/null
	"$ONNX_PRUNE" "$m" "$out/$name.p50r8.onnx" --passes l1 \
		--target-flops 0.5 --round-to 8 >/dev/null
	for v in orig p50 p50r8; do
		f=$out/$name.$v.onnx
		echo "$name $v 0 macs $("$ONNX_PRUNE" info "$f" --json | jnum macs)"
		list="$list $f"
	done
done >"$out/raw.txt"

for r in $(seq 1 "$rounds"); do
	for f in $list; do
		b=$(basename "$f" .onnx)
		name=${b%.*}
		v=${b##*.}
		for batch in 1 64; do
			reps=${REPSN:-10}
			[ "$batch" = 1 ] && reps=${REPS1:-50}
			o=$(node "$root/bench/ort_speed.js" "$f" "$batch" "$threads" \
				"$reps" "$(chw_of "$name")")
			echo "$name $v $batch ort $(echo "$o" | jnum ms_per_batch)"
			"$ONNX_PRUNE" bench "$f" --batch "$batch" --threads "$threads" \
				--reps "$reps" --json "$out/ours.json" >/dev/null
			echo "$name $v $batch ours $(jnum ms_per_batch <"$out/ours.json")"
		done
	done >>"$out/raw.txt"
done

echo "onnx-prune $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)," \
     "onnxruntime-node $(node -e 'console.log(require("onnxruntime-node/package.json").version)' 2>/dev/null || echo ?)," \
     "$threads threads, $rounds rounds (median), l1 --target-flops 0.5"
awk "$bench_median"'
$4 == "macs" { macs[$1, $2] = $5; next }
{
	k = $1 " " $2 " " $3
	if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	t[k, $4] = t[k, $4] " " $5
}
END {
	printf "%-20s %-6s %5s %7s %9s %7s %6s %9s %7s %6s\n", "model", "var",
	       "batch", "MACs", "ORT ms", "speedup", "share", "ours ms",
	       "speedup", "share"
	for (i = 1; i <= n; i++) {
		split(order[i], f, " ")
		mr = macs[f[1], f[2]] / macs[f[1], "orig"]
		o = f[1] " orig " f[3]
		line = sprintf("%-20s %-6s %5d %7.3f", f[1], f[2], f[3], mr)
		split("ort ours", sides, " ")
		for (s = 1; s <= 2; s++) {
			tp = median(t[order[i], sides[s]]); to = median(t[o, sides[s]])
			share = mr < 1 ? (1 - tp / to) / (1 - mr) : 0
			line = line sprintf(" %9.3f %7.2f %6.2f", tp, to / tp, share)
		}
		print line
	}
}' "$out/raw.txt"
