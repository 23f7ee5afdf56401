#!/bin/bash
# usage.sh - bad eval command lines exit 1 with one line that says what is
# wrong, print nothing on stdout and create nothing; --help lists eval.
# Usage: usage.sh ONNX_PRUNE MODELS_DIR
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 rn=$2/resnet20.onnx
cd "$scratch" || exit 1
ok="--data cifar10:/nonexistent"

run "$bin" eval "$rn"
want_usage_error
want_err "--data KIND:PATH is required"
run "$bin" eval
want_usage_error
want_err "missing input model"
run "$bin" eval "$rn" extra.onnx $ok
want_usage_error
want_err "unexpected argument 'extra.onnx'"
for bad in foo :x cifar10: ; do
	run "$bin" eval "$rn" --data "$bad"
	want_usage_error
	want_err "want KIND:PATH"
done
run "$bin" eval "$rn" --data bogus:/tmp
want_usage_error
want_err "bogus"
run "$bin" eval "$rn" $ok --data
want_usage_error
want_err "needs a value"
for o in "--batch 0" "--batch x" "--threads 0" "--limit 0" "--limit -5" "--batch 1e3"; do
	run "$bin" eval "$rn" $ok $o
	want_usage_error
	want_err "${o%% *} '"
done
for o in "--mean x" "--mean 1,,2" "--std ," "--mean 1,2,3,x" "--std nan"; do
	run "$bin" eval "$rn" $ok $o
	want_usage_error
	want_err "${o%% *}: "
done
run "$bin" eval "$rn" --data "cifar10:$scratch" --mean 0.5,0.5
want_usage_error
want_err "--mean '0.5,0.5' has 2 values, but the model input has 3 channels"
run "$bin" eval "$rn" --data "cifar10:$scratch" --std 1,0,1
want_usage_error
want_err "--std '1,0,1': std values must be > 0"
run "$bin" eval "$rn" $ok --json
want_usage_error
want_err "needs a value"
run "$bin" eval "$rn" $ok --report r.json
want_usage_error
want_err "does not apply to 'eval'"
run "$bin" info "$rn" --data cifar10:x
want_usage_error
want_err "--data does not apply to 'info'"
run "$bin" a.onnx b.onnx --limit 5
want_usage_error
want_err "--limit does not apply"
run "$bin" "$rn" out.onnx --mean 1,2
want_usage_error
want_err "has 2 values"
run "$bin" "$rn" out.onnx --std 0
want_usage_error
want_err "> 0"

[ -z "$(ls -A "$scratch" | grep -v -e '^stdout$' -e '^stderr$')" ] ||
	fail "usage errors created files: $(ls "$scratch")"

run "$bin" --help
want_rc 0
for w in "eval MODEL.onnx --data KIND:PATH" --mean --std --limit --batch \
	--threads "--json FILE|-" "fashion-mnist"; do
	want_out "$w"
done
finish
