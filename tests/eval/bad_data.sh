#!/bin/bash
# bad_data.sh - malformed data and data that does not fit the model: exit
# 2 with one line that names the file (or the model and the data), and no
# JSON output left behind.  The files are made here, at test time.
# Usage: bad_data.sh ONNX_PRUNE MODELS_DIR FASHION_MNIST_DIR
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 models=$2 fmnist=$3
rn=$models/resnet20.onnx fm=$models/fmnist_resnet20.onnx
d=$scratch/d
mkdir -p "$d"

# want_input_error TEXT...: exit 2, one line naming each TEXT, no JSON.
want_input_error() {
	want_rc 2
	[ -z "$out" ] || fail "bad input wrote to stdout: $out"
	[ "$(grep -vc 'warning:' "$scratch/stderr")" -eq 1 ] ||
		fail "stderr is not one error line: $err"
	for t in "$@"; do want_err "$t"; done
	[ ! -e "$scratch/r.json" ] || fail "JSON written despite the error"
	ls "$scratch" | grep -q tmp && fail "temporary files left: $(ls "$scratch")"
}
ev() { run "$bin" eval "$1" --data "$2" --mean 0.5 --std 0.25 --json "$scratch/r.json"; }

# CIFAR-10 test file cut in the middle of the second record.
mkdir -p "$d/trunc"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes([3]) + bytes(3072) + bytes([1]) + bytes(100))' \
	> "$d/trunc/test_batch.bin"
ev "$rn" "cifar10:$d/trunc"
want_input_error "$d/trunc/test_batch.bin" "truncated"

# Empty file.
mkdir -p "$d/empty" && : > "$d/empty/test_batch.bin"
ev "$rn" "cifar10:$d/empty"
want_input_error "$d/empty/test_batch.bin"

# A label out of range.
mkdir -p "$d/label"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes([200]) + bytes(3072))' \
	> "$d/label/test_batch.bin"
ev "$rn" "cifar10:$d/label"
want_input_error "$d/label/test_batch.bin" "label"

# Missing folder / missing test file.
ev "$rn" "cifar10:$d/nonexistent"
want_input_error "$d/nonexistent"
mkdir -p "$d/nofile"
ev "$rn" "cifar10:$d/nofile"
want_input_error "$d/nofile"

# IDX: wrong magic, then a gzip file cut short.
mkdir -p "$d/magic"
/usr/bin/python3 -c 'import sys,struct; sys.stdout.buffer.write(struct.pack(">iiii", 0x1234, 1, 28, 28) + bytes(784))' \
	> "$d/magic/t10k-images-idx3-ubyte"
/usr/bin/python3 -c 'import sys,struct; sys.stdout.buffer.write(struct.pack(">ii", 0x801, 1) + bytes(1))' \
	> "$d/magic/t10k-labels-idx1-ubyte"
ev "$fm" "idx:$d/magic"
want_input_error "$d/magic/t10k-images-idx3-ubyte"
if [ -f "$fmnist/t10k-images-idx3-ubyte.gz" ]; then
	mkdir -p "$d/gz"
	head -c 100000 "$fmnist/t10k-images-idx3-ubyte.gz" > "$d/gz/t10k-images-idx3-ubyte.gz"
	cp "$fmnist/t10k-labels-idx1-ubyte.gz" "$d/gz/"
	ev "$fm" "fashion-mnist:$d/gz"
	want_input_error "$d/gz/t10k-images-idx3-ubyte.gz"
fi

# Well-formed data that does not fit the model: 3x32x32 images for a
# 1x28x28 input, 1x28x28 for 3x32x32, 100 classes for a 10-class output.
mkdir -p "$d/ok10" "$d/ok100" "$d/okidx"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write((bytes([1]) + bytes(range(256)) * 12) * 3)' \
	> "$d/ok10/test_batch.bin"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write((bytes([0, 42]) + bytes(3072)) * 3)' \
	> "$d/ok100/test.bin"
cp "$d/magic/t10k-labels-idx1-ubyte" "$d/okidx/"
/usr/bin/python3 -c 'import sys,struct; sys.stdout.buffer.write(struct.pack(">iiii", 0x803, 1, 28, 28) + bytes(784))' \
	> "$d/okidx/t10k-images-idx3-ubyte"
ev "$fm" "cifar10:$d/ok10"
want_input_error "$fm" "1x28x28" "3x32x32"
ev "$rn" "idx:$d/okidx"
want_input_error "$rn" "3x32x32" "1x28x28"
ev "$rn" "cifar100:$d/ok100"
want_input_error "$rn" "10 classes" "100"
# ... while the same files fit their own models.
ev "$rn" "cifar10:$d/ok10"
want_rc 0
rm -f "$scratch/r.json"
ev "$fm" "idx:$d/okidx"
want_rc 0
rm -f "$scratch/r.json"

# Bad preprocessing metadata in the model: bad number, wrong count.
run "$bin" "$fm" "$d/m.onnx" --mean 0.123 --std 0.456
want_rc 0
patch_meta() {	# patch_meta OLD NEW OUT: same-length byte replacement
	/usr/bin/python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
old, new = sys.argv[2].encode(), sys.argv[3].encode()
assert b.count(old) == 1 and len(old) == len(new)
open(sys.argv[4], "wb").write(b.replace(old, new))' "$d/m.onnx" "$1" "$2" "$3"
}
patch_meta "0.123" "0.1x3" "$d/m_nan.onnx" || fail "cannot patch the metadata"
run "$bin" eval "$d/m_nan.onnx" --data "idx:$d/okidx" --json "$scratch/r.json"
want_input_error "$d/m_nan.onnx" "onnx_prune.mean" "0.1x3"
patch_meta "0.456" "1,2,3" "$d/m_count.onnx" || fail "cannot patch the metadata"
run "$bin" eval "$d/m_count.onnx" --data "idx:$d/okidx" --json "$scratch/r.json"
want_input_error "$d/m_count.onnx" "onnx_prune.std" "3 values"
patch_meta "0.456" "-0.45" "$d/m_neg.onnx" || fail "cannot patch the metadata"
run "$bin" eval "$d/m_neg.onnx" --data "idx:$d/okidx" --json "$scratch/r.json"
want_input_error "$d/m_neg.onnx" "onnx_prune.std" "> 0"

# Bad model, unwritable JSON path.
printf 'not a model' > "$d/bad.onnx"
ev "$d/bad.onnx" "cifar10:$d/ok10"
want_input_error "$d/bad.onnx"
run "$bin" eval "$rn" --data "cifar10:$d/ok10" --json "$d/nodir/r.json"
want_input_error "$d/nodir/r.json"
finish
