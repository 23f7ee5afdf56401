#!/bin/bash
# ort_compare.sh - every model in SHARED/models against ONNX Runtime:
# rt_ort_dump runs the runtime on the real test set and writes the inputs
# and logits, ort_compare.js runs ONNX Runtime on the same inputs.
#
# Usage: ort_compare.sh RT_ORT_DUMP SHARED_DIR WORK_DIR [MODEL...]
#   CIFAR-10 models (test_batch.bin, 1017 images) use ImageNet mean/std,
#   shufflenetv2_x0_5 the CIFAR one; fmnist_* models run on the first 2000
#   Fashion-MNIST test images (OPR_FMNIST_N), or on all 10000 with
#   OPR_FULL_COMPARE=1 (CI's time budget allows the subset; the full set
#   is a manual check).  NODE_PATH must reach onnxruntime-node.
# Exits 1 when a model is off (max |diff| > 1e-4 on the first 256 images or
# a top-1 disagreement), 2 on errors.
set -u
dump=$1 shared=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
fmnist=${OPR_FMNIST:-/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz}
cifar=$shared/data/cifar10/test_batch.bin
mkdir -p "$work" || exit 2
models=("$@")
[ ${#models[@]} -eq 0 ] && models=("$shared"/models/*.onnx)
status=0
for m in "${models[@]}"; do
	name=$(basename "$m" .onnx)
	case $name in
	fmnist_*) args=(fmnist "$fmnist"); chw=1,28,28
		  [ "${OPR_FULL_COMPARE:-0}" = 1 ] ||
			args+=(-n "${OPR_FMNIST_N:-2000}") ;;
	shufflenetv2_x0_5) args=(cifar10 "$cifar" -m 0.4914,0.4822,0.4465
				 -s 0.2023,0.1994,0.2010); chw=3,32,32 ;;
	*) args=(cifar10 "$cifar"); chw=3,32,32 ;;
	esac
	# rt_ort_dump takes MODEL KIND DATA PREFIX [options]
	if ! "$dump" "$m" "${args[0]}" "${args[1]}" "$work/$name" "${args[@]:2}"; then
		echo "$name: rt_ort_dump failed"
		status=2
		continue
	fi
	node "$here/ort_compare.js" "$m" "$work/$name" $chw 256 1e-4
	rc=$?
	[ $rc -gt $status ] && status=$rc
done
exit $status
