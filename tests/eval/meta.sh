#!/bin/bash
# meta.sh - preprocessing stored in metadata_props: `onnx-prune IN OUT
# --mean M --std S` writes onnx_prune.mean/std into OUT, and `eval OUT`
# without flags gives what `eval IN --mean M --std S` gives; flags still
# win over the metadata; without either there is a warning.
# Usage: meta.sh ONNX_PRUNE MODEL SPEC MEAN STD
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 model=$2 spec=$3 mean=$4 std=$5
[ -e "${spec#*:}" ] || { echo "SKIP: ${spec#*:} not found"; exit 77; }
check="/usr/bin/python3 $(dirname "$0")/json_check.py"
field() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
lim="--limit 500"

run "$bin" "$model" "$scratch/out.onnx" --mean "$mean" --std "$std"
want_rc 0
[ -z "$err" ] || fail "prune stderr: $err"
grep -aq "onnx_prune.mean" "$scratch/out.onnx" || fail "no onnx_prune.mean in OUT"
grep -aq "onnx_prune.std" "$scratch/out.onnx" || fail "no onnx_prune.std in OUT"

run "$bin" eval "$model" --data "$spec" --mean "$mean" --std "$std" $lim \
	--json "$scratch/flags.json"
want_rc 0
run "$bin" eval "$scratch/out.onnx" --data "$spec" $lim --json "$scratch/meta.json"
want_rc 0
[ -z "$err" ] || fail "eval OUT without flags warned: $err"
want_out "(model metadata) / "
t1=$(field "$scratch/flags.json" top1)
l1=$(field "$scratch/flags.json" loss)
$check "$scratch/meta.json" "top1=$t1" "loss=$l1~1e-6" ||
	fail "metadata run differs from the flag run"

# Once more through a second round trip: the metadata survives.
run "$bin" "$scratch/out.onnx" "$scratch/out2.onnx"
want_rc 0
run "$bin" eval "$scratch/out2.onnx" --data "$spec" $lim --json "$scratch/meta2.json"
want_rc 0
$check "$scratch/meta2.json" "top1=$t1" || fail "second round trip lost it"

# A flag beats the metadata; the other value still comes from the model.
run "$bin" eval "$scratch/out.onnx" --data "$spec" $lim --std 1
want_rc 0
want_out "(model metadata) / 1 (option)"

# Replacing the stored values: prune OUT again with new flags.
run "$bin" "$scratch/out.onnx" "$scratch/out3.onnx" --mean 0 --std 1
want_rc 0
run "$bin" eval "$scratch/out3.onnx" --data "$spec" $lim
want_rc 0
want_out "mean/std   0 (model metadata) / 1 (model metadata)"

# No flags, no metadata: one warning line, defaults 0 / 1.
run "$bin" eval "$model" --data "$spec" --limit 64
want_rc 0
want_err "warning: --mean/--std not given"
want_out "(default) / 1 (default)"
finish
