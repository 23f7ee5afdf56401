#!/bin/bash
# bench/recovery.sh [OUTDIR] - the accuracy-recovery runs of RESULTS.md
# (issues 5 and 6): prune to 50 % of the MACs, train, evaluate on the
# test split.  Sequential, 2 threads; every run writes OUT.out (the
# console) and, for the prune pipeline, OUT.json (the --report).  About
# 1 hour on 2 Zen 5 cores.  Needs dataset-fashion-mnist and ../shared.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build-recovery}
mkdir -p "$out" && cd "$out" || exit 1
cmake -S "$root" -B "$root/build-recovery-bin" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$root/build-recovery-bin" -j2 --target onnx-prune >/dev/null || exit 1
B=$root/build-recovery-bin/onnx-prune
S=${OPR_SHARED_MODELS:-$root/../shared/models}
F=fashion-mnist:/usr/share/datasets/fashion-mnist
FN="--mean 0.2860 --std 0.3530"
C=cifar10:$root/../shared/data/cifar10
CN="--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"
T="--threads 2"

# issue 5 (a): l1 at 50 % MACs, then `finetune` 5 epochs (BN recal 20)
$B "$root/models/fmnist_resnet20.onnx" r20_l1.onnx --passes l1 --target-flops 0.5
$B finetune r20_l1.onnx r20_l1_ft5.onnx --data $F --epochs 5 --bn-recal 20 \
	--test-data $F $FN $T > r20_l1_ft5.out 2>&1
$B "$S/resnet56.onnx" c56_l1.onnx --passes l1 --target-flops 0.5
$B finetune c56_l1.onnx c56_l1_ft5_plain.onnx --data $C --epochs 5 --bn-recal 20 \
	--test-data $C $CN $T > c56_l1_ft5_plain.out 2>&1
$B finetune c56_l1.onnx c56_l1_ft5_kd.onnx --data $C --epochs 5 --bn-recal 20 \
	--test-data $C $CN $T --teacher "$S/resnet56.onnx" > c56_l1_ft5_kd.out 2>&1

# issue 6: fmnist_resnet20, 5 epochs over the 60000 images in all
for m in bn_attn sfp; do
	$B "$root/models/fmnist_resnet20.onnx" r20_$m.onnx --passes $m --target-flops 0.5 \
		--data $F $FN --epochs 4 --finetune-epochs 1 --bn-recal 20 $T \
		--report r20_$m.json > r20_$m.out 2>&1
done
$B "$root/models/fmnist_resnet20.onnx" r20_bn_scale.onnx --passes bn_scale --target-flops 0.5 \
	--data $F $FN --finetune-epochs 5 --bn-recal 20 $T --report r20_bn_scale.json > r20_bn_scale.out 2>&1
# resnet56 on CIFAR-10 (5085 images), 20 epochs, distilled from the unpruned model
for m in bn_attn sfp; do
	$B "$S/resnet56.onnx" c56_$m.onnx --passes $m --target-flops 0.5 --data $C $CN \
		--epochs 16 --finetune-epochs 4 --bn-recal 20 --distill $T \
		--report c56_$m.json > c56_$m.out 2>&1
done
for m in l1 bn_scale; do
	$B "$S/resnet56.onnx" c56_$m.onnx --passes $m --target-flops 0.5 --data $C $CN \
		--finetune-epochs 20 --bn-recal 20 --distill $T --report c56_$m.json > c56_$m.out 2>&1
done
grep -H "^final\|^after" ./*.out
