#!/bin/bash
# usage.sh - bad budget options of the pruning passes exit 1 with one line
# naming the option, and create nothing.
# Usage: usage.sh ONNX_PRUNE MODEL
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 model=$2
cd "$scratch" || exit 1

bad() {	# bad WORD ARGS...: usage error mentioning WORD
	local word=$1
	shift
	run "$bin" "$model" out.onnx "$@"
	want_usage_error
	want_err "$word"
}

for r in 1 1.5 -0.1 abc "" 0.3x nan inf; do
	bad "--ratio" --passes l1 --ratio "$r"
done
for f in 0 -1 1.01 abc "" nan; do
	bad "--target-flops" --passes l1 --target-flops "$f"
done
for n in 0 -8 abc 8.5 ""; do
	bad "--round-to" --passes l1 --ratio 0.3 --round-to "$n"
done
for e in "" "," "a,,b" "a,"; do
	bad "--exclude" --passes l1 --ratio 0.3 --exclude "$e"
done
for s in -1 abc 1.5 "" 18446744073709551616; do
	bad "--seed" --passes random --ratio 0.3 --seed "$s"
done
bad "--ratio and --target-flops" --passes l1 --ratio 0.3 --target-flops 0.5
bad "pass 'fpgm' needs --ratio R or --target-flops F" --passes fpgm
bad "--ratio: no pass in --passes reads it" --ratio 0.3
bad "--round-to" --round-to 8
bad "pruning passes: bn_attn, bn_scale, fpgm, l1, l2, random, sfp" --exclude x
bad "--ratio" --passes l1 --ratio
run "$bin" info "$model" --ratio 0.3
want_usage_error
want_err "--ratio"

# A name that is no node of the model: still a usage error, after import.
run "$bin" "$model" out.onnx --passes l1 --ratio 0.3 --exclude no_such_node
want_usage_error
want_err "no node named 'no_such_node'"

# fc3sigma reads --exclude without a budget; an unknown name is still an
# error there (checked once for every pass, after import).
run "$bin" "$model" out.onnx --passes fc3sigma --exclude no_such_node
want_usage_error
want_err "no node named 'no_such_node'"

# An unreachable target is bad input (exit 2), not a crash.
run "$bin" "$model" out.onnx --passes l1 --target-flops 0.0001
want_rc 2
want_err "allow no less than"

[ -z "$(ls -A "$scratch" | grep -v -e '^stdout$' -e '^stderr$')" ] ||
	fail "usage errors created files: $(ls "$scratch")"

# --help documents the options and every criterion's aggregation.
run "$bin" --help
want_rc 0
for w in --ratio --target-flops --round-to --exclude --seed "Criteria:" \
	"l1, l2" fpgm bn_scale random "geometric median" "|gamma|"; do
	want_out "$w"
done
finish
