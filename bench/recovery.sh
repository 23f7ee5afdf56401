#!/bin/bash
# bench/recovery.sh [OUTDIR] - the accuracy-recovery runs of RESULTS.md
# (issues 5 and 6): prune to 50 % of the MACs, train, evaluate on the
# test split.  Sequential, 2 threads; every run writes OUT.out (the
# console) and, for the prune pipeline, OUT.json (the --report).  About
# 4 hours on 2 Zen 5 cores.  Needs dataset-fashion-mnist and ../shared.
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
# bn_attn's --freeze-at before stop 12 (its default is 0.2 since; sfp's is 0.6)
H="--freeze-at 0.6"

# issue 5 (a): l1 at 50 % MACs, then `finetune` 5 epochs (BN recal 20)
$B "$root/models/fmnist_resnet20.onnx" r20_l1.onnx --passes l1 --target-flops 0.5
$B finetune r20_l1.onnx r20_l1_ft5.onnx --data $F --epochs 5 --bn-recal 20 \
	--test-data $F $FN $T > r20_l1_ft5.out 2>&1
$B "$S/resnet56.onnx" c56_l1.onnx --passes l1 --target-flops 0.5
$B finetune c56_l1.onnx c56_l1_ft5_plain.onnx --data $C --epochs 5 --bn-recal 20 \
	--test-data $C $CN $T > c56_l1_ft5_plain.out 2>&1
$B finetune c56_l1.onnx c56_l1_ft5_kd.onnx --data $C --epochs 5 --bn-recal 20 \
	--test-data $C $CN $T --teacher "$S/resnet56.onnx" > c56_l1_ft5_kd.out 2>&1

# issue 6: 50 % of the MACs.  bn_attn and sfp train --epochs N in one
# cosine schedule, re-select once per epoch and hold the selection made
# after 60 % of the steps (--freeze-at 0.6, the default); l1 and bn_scale
# prune one shot, recalibrate BN and fine-tune the same number of epochs.
# Fashion-MNIST: 5 epochs over the 60000 images, no distillation.
for net in "$root/models/fmnist_resnet20.onnx:r20" "$S/fmnist_resnet56.onnx:f56"; do
	model=${net%%:*}
	tag=${net##*:}
	for m in bn_attn sfp; do
		$B "$model" ${tag}_$m.onnx --passes $m --target-flops 0.5 --data $F $FN \
			--epochs 5 $H $T --report ${tag}_$m.json > ${tag}_$m.out 2>&1
	done
	for m in l1 bn_scale; do
		$B "$model" ${tag}_$m.onnx --passes $m --target-flops 0.5 --data $F $FN \
			--finetune-epochs 5 --bn-recal 20 $T --report ${tag}_$m.json > ${tag}_$m.out 2>&1
	done
done
$B "$root/models/fmnist_resnet20.onnx" r20_bn_attn_kd.onnx --passes bn_attn --target-flops 0.5 \
	--data $F $FN --epochs 5 $H --distill $T --report r20_bn_attn_kd.json > r20_bn_attn_kd.out 2>&1
# bn_attn's soft selections zeroing the filters (the default before stop 11)
$B "$root/models/fmnist_resnet20.onnx" r20_bn_attn_w.onnx --passes bn_attn --target-flops 0.5 \
	--data $F $FN --epochs 5 $H --soft-mask weights $T --report r20_bn_attn_w.json > r20_bn_attn_w.out 2>&1
# fmnist_resnet56 with a per-group cap, both soft masks
for sm in scale weights; do
	$B "$S/fmnist_resnet56.onnx" f56_bn_attn_${sm}_cap75.onnx --passes bn_attn \
		--target-flops 0.5 --max-group-ratio 0.75 --soft-mask $sm --data $F $FN --epochs 5 $H $T \
		--report f56_bn_attn_${sm}_cap75.json > f56_bn_attn_${sm}_cap75.out 2>&1
done
$B "$S/fmnist_resnet56.onnx" f56_bn_attn_cap60.onnx --passes bn_attn --target-flops 0.5 \
	--max-group-ratio 0.6 --data $F $FN --epochs 5 $H $T \
	--report f56_bn_attn_cap60.json > f56_bn_attn_cap60.out 2>&1
# a second seed on fmnist_resnet20
for sm in scale weights; do
	$B "$root/models/fmnist_resnet20.onnx" r20_bn_attn_${sm}_s1.onnx --passes bn_attn \
		--target-flops 0.5 --soft-mask $sm --data $F $FN --epochs 5 $H --seed 1 $T \
		--report r20_bn_attn_${sm}_s1.json > r20_bn_attn_${sm}_s1.out 2>&1
done
$B "$root/models/fmnist_resnet20.onnx" r20_l1_s1.onnx --passes l1 --target-flops 0.5 \
	--data $F $FN --finetune-epochs 5 --bn-recal 20 --seed 1 $T \
	--report r20_l1_s1.json > r20_l1_s1.out 2>&1
# stop 12: the augmentation (--no-augment; --crop-pad 2, the models' own
# training) and --mac-aware on fmnist_resnet20; fmnist_resnet56 without
# augmentation (cap 0.6); l1 without augmentation
for run in "noaug_scale:--no-augment" "noaug_w:--no-augment --soft-mask weights" \
	"noaug_scale_s1:--no-augment --seed 1" "pad2_scale:--crop-pad 2" \
	"pad2_mac6:--crop-pad 2 --mac-aware --max-group-ratio 0.6"; do
	tag=r20_bn_attn_${run%%:*}
	$B "$root/models/fmnist_resnet20.onnx" $tag.onnx --passes bn_attn --target-flops 0.5 \
		--data $F $FN --epochs 5 $H ${run#*:} $T --report $tag.json > $tag.out 2>&1
done
for seed in 0 1; do
	$B "$root/models/fmnist_resnet20.onnx" r20_l1_noaug_s$seed.onnx --passes l1 \
		--target-flops 0.5 --data $F $FN --finetune-epochs 5 --bn-recal 20 --no-augment \
		--seed $seed $T --report r20_l1_noaug_s$seed.json > r20_l1_noaug_s$seed.out 2>&1
done
$B "$S/fmnist_resnet56.onnx" f56_l1_noaug.onnx --passes l1 --target-flops 0.5 \
	--data $F $FN --finetune-epochs 5 --bn-recal 20 --no-augment $T \
	--report f56_l1_noaug.json > f56_l1_noaug.out 2>&1
$B "$S/fmnist_resnet56.onnx" f56_bn_attn_noaug_cap60.onnx --passes bn_attn --target-flops 0.5 \
	--max-group-ratio 0.6 --no-augment --data $F $FN --epochs 5 $H $T \
	--report f56_bn_attn_noaug_cap60.json > f56_bn_attn_noaug_cap60.out 2>&1
# stop 12: bn_attn's default hold (--freeze-at 0.2), no augmentation
for seed in 0 1 2 3; do
	$B "$root/models/fmnist_resnet20.onnx" r20_bn_attn_noaug_f02_s$seed.onnx --passes bn_attn \
		--target-flops 0.5 --no-augment --seed $seed --data $F $FN --epochs 5 $T \
		--report r20_bn_attn_noaug_f02_s$seed.json > r20_bn_attn_noaug_f02_s$seed.out 2>&1
done
for seed in 0 1; do
	$B "$S/fmnist_resnet56.onnx" f56_bn_attn_noaug_cap60_f02_s$seed.onnx --passes bn_attn \
		--target-flops 0.5 --max-group-ratio 0.6 --no-augment --seed $seed --data $F $FN \
		--epochs 5 $T --report f56_bn_attn_noaug_cap60_f02_s$seed.json \
		> f56_bn_attn_noaug_cap60_f02_s$seed.out 2>&1
done
# stop 13: recipe changes around bn_attn's default (seeds 0 and 1), and
# sfp and bn_scale without augmentation like l1 and bn_attn above
for run in "b64:--batch 64" "ls1:--label-smoothing 0.1" "wd1:--wd 1e-4" \
	"flip:--crop-pad 0"; do
	aug=--no-augment
	[ "${run%%:*}" = flip ] && aug=
	for seed in 0 1; do
		tag=r20_bn_attn_${run%%:*}_s$seed
		$B "$root/models/fmnist_resnet20.onnx" $tag.onnx --passes bn_attn \
			--target-flops 0.5 --data $F $FN --epochs 5 $aug ${run#*:} \
			--seed $seed $T --report $tag.json > $tag.out 2>&1
	done
done
for net in "$root/models/fmnist_resnet20.onnx:r20" "$S/fmnist_resnet56.onnx:f56"; do
	model=${net%%:*}
	tag=${net##*:}
	$B "$model" ${tag}_sfp_noaug.onnx --passes sfp --target-flops 0.5 --no-augment \
		--data $F $FN --epochs 5 $T --report ${tag}_sfp_noaug.json > ${tag}_sfp_noaug.out 2>&1
	$B "$model" ${tag}_bn_scale_noaug.onnx --passes bn_scale --target-flops 0.5 \
		--no-augment --data $F $FN --finetune-epochs 5 --bn-recal 20 $T \
		--report ${tag}_bn_scale_noaug.json > ${tag}_bn_scale_noaug.out 2>&1
done
# stop 14: bn_attn held from step 0, without the L1 on gamma, ending with
# the weights' moving average, and with one ratio for every group (--ratio
# 0.29: 48.7 % of the MACs) instead of the ranking across groups
for run in "f0:--target-flops 0.5 --freeze-at 0" \
	"gl0:--target-flops 0.5 --gamma-l1 0" \
	"ema998:--target-flops 0.5 --ema 0.998" "uni29:--ratio 0.29"; do
	for seed in 0 1; do
		tag=r20_bn_attn_${run%%:*}_s$seed
		$B "$root/models/fmnist_resnet20.onnx" $tag.onnx --passes bn_attn \
			${run#*:} --data $F $FN --epochs 5 --no-augment --seed $seed $T \
			--report $tag.json > $tag.out 2>&1
	done
done
# resnet56 on CIFAR-10 (5085 images), 20 epochs, distilled from the unpruned model
for m in bn_attn sfp; do
	$B "$S/resnet56.onnx" c56_$m.onnx --passes $m --target-flops 0.5 --data $C $CN \
		--epochs 20 $H --distill $T --report c56_$m.json > c56_$m.out 2>&1
done
for sm in scale weights; do
	$B "$S/resnet56.onnx" c56_bn_attn_${sm}_f02.onnx --passes bn_attn --target-flops 0.5 \
		--data $C $CN --epochs 20 --distill --freeze-at 0.2 --soft-mask $sm $T \
		--report c56_bn_attn_${sm}_f02.json > c56_bn_attn_${sm}_f02.out 2>&1
done
# stop 13: bn_attn with the per-group cap, sfp with scale masks (defaults
# otherwise: bn_attn holds at 0.2, sfp at 0.6)
$B "$S/resnet56.onnx" c56_bn_attn_cap60.onnx --passes bn_attn --target-flops 0.5 \
	--max-group-ratio 0.6 --data $C $CN --epochs 20 --distill $T \
	--report c56_bn_attn_cap60.json > c56_bn_attn_cap60.out 2>&1
$B "$S/resnet56.onnx" c56_sfp_scale.onnx --passes sfp --target-flops 0.5 \
	--soft-mask scale --data $C $CN --epochs 20 --distill $T \
	--report c56_sfp_scale.json > c56_sfp_scale.out 2>&1
for m in l1 bn_scale; do
	$B "$S/resnet56.onnx" c56_$m.onnx --passes $m --target-flops 0.5 --data $C $CN \
		--finetune-epochs 20 --bn-recal 20 --distill $T --report c56_$m.json > c56_$m.out 2>&1
done
# fmnist_vgg16: bn_attn to 25 % of the MACs (5 epochs), then fc3sigma
# (k = 1) and 1 epoch of fine-tuning with its zeros held
# (--max-group-ratio 0.75: no layer loses more than 3/4 of its channels),
# and the same budget with one-shot l1 and 6 epochs of fine-tuning
$B "$S/fmnist_vgg16.onnx" v16_bn_attn_fc.onnx --passes bn_attn,fc3sigma --target-flops 0.25 \
	--max-group-ratio 0.75 --data $F $FN --epochs 5 $H --finetune-epochs 1 $T \
	--report v16_bn_attn_fc.json > v16_bn_attn_fc.out 2>&1
$B "$S/fmnist_vgg16.onnx" v16_l1_fc.onnx --passes l1,fc3sigma --target-flops 0.25 \
	--max-group-ratio 0.75 --data $F $FN --finetune-epochs 6 --bn-recal 20 $T \
	--report v16_l1_fc.json > v16_l1_fc.out 2>&1
grep -H "^final\|^after" ./*.out
