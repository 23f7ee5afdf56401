#!/bin/bash
# png.sh - `eval --data png:DIR` on the first N Fashion-MNIST test images
# written as PNG class folders scores exactly what `eval --data idx:DIR
# --limit N` scores on the same images; a gray set feeds a 3-channel model
# (replicated); a corrupt PNG is exit 2 naming the file.
# Usage: png.sh ONNX_PRUNE MODELS_DIR FASHION_MNIST_DIR
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 models=$2 fmnist=$3 n=300
fm=$models/fmnist_resnet20.onnx
[ -f "$fmnist/t10k-images-idx3-ubyte.gz" ] || { echo "SKIP: $fmnist"; exit 77; }
field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
pre="--mean 0.2860 --std 0.3530"

/usr/bin/python3 "$(dirname "$0")/make_png.py" "$fmnist" "$scratch/png" $n ||
	{ fail "make_png.py failed"; finish; }
run "$bin" eval "$fm" --data "png:$scratch/png" $pre --json "$scratch/png.json"
want_rc 0
run "$bin" eval "$fm" --data "idx:$fmnist" $pre --limit $n --json "$scratch/idx.json"
want_rc 0
for k in images top1 top5; do
	a=$(field "$scratch/png.json" $k) b=$(field "$scratch/idx.json" $k)
	[ "$a" = "$b" ] || fail "$k: png $a, idx $b"
done
/usr/bin/python3 "$(dirname "$0")/json_check.py" "$scratch/png.json" \
	"images=$n" "loss=$(field "$scratch/idx.json" loss)~1e-5" ||
	fail "png and idx runs differ"

# Gray images into the 3-channel ResNet-20 (replicated): it runs.
run "$bin" eval "$models/resnet20.onnx" --data "png:$scratch/png" --limit 20 \
	--mean 0.5 --std 0.5
want_rc 0
want_out "(test split, 20 images, 10 classes)"

# A corrupt PNG.
bad=$(ls "$scratch"/png/test/3/*.png | head -1)
printf '\x89PNG\r\n\x1a\nnot really' > "$bad"
run "$bin" eval "$fm" --data "png:$scratch/png" $pre
want_rc 2
want_err "$bad"
finish
