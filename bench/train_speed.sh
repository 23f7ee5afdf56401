#!/bin/bash
# bench/train_speed.sh [ROUNDS] - training throughput of onnx-prune's
# engine (src/train) against PyTorch CPU (Debian python3-torch) on the
# shared resnet20 and resnet56 (CIFAR), batch 64 and 128, the same thread
# count (THREADS, default 2), one step = forward, softmax cross-entropy,
# backward and the SGD update (Nesterov 0.9, weight decay 5e-4).  The two
# run alternately, ROUNDS times, in one
# run; each run prints the median img/s of its timed rounds, and the table
# is the median over ROUNDS of those, with the ratio ours / torch.
#
# Builds a Release tree in build-train-bench/ (the test builds are not
# touched) and writes the raw lines to build-train-bench/train_speed.txt.
set -euo pipefail
ROUNDS=${1:-3}
THREADS=${THREADS:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-train-bench
models=${OPR_SHARED_MODELS:-$root/../shared/models}
py=/usr/bin/python3

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target train_bench >/dev/null
$py -c 'import torch' 2>/dev/null || {
	echo "train_speed.sh: python3-torch is missing (apt-get install -y python3-torch)" >&2
	exit 1
}
raw=$build/train_speed.txt
: >"$raw"
echo "machine: $(nproc) CPUs, threads $THREADS, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" | tee -a "$raw"
for r in $(seq "$ROUNDS"); do
	for m in resnet20 resnet56; do
		steps=4
		[ $m = resnet56 ] && steps=2
		for b in 64 128; do
			"$build/tests/train/train_bench" "$models/$m.onnx" $b "$THREADS" 3 $steps | tee -a "$raw"
			$py "$root/bench/train_speed_torch.py" $m $b "$THREADS" 3 $steps | tee -a "$raw"
		done
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
awk -f "$root/bench/train_speed.awk" "$raw"
