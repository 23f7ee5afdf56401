#!/bin/bash
# info.sh - `onnx-prune info` lists every model in MODEL_DIR: a header, one
# line per node with a Conv among them, and the totals.
# Usage: info.sh ONNX_PRUNE MODEL_DIR
. "$(dirname "$0")/lib.sh"
bin=$1 dir=$2
n=0
for m in "$dir"/*.onnx; do
	[ -f "$m" ] || continue
	n=$((n + 1))
	run "$bin" info "$m"
	want_rc 0
	[ -z "$err" ] || fail "info $m wrote to stderr: $err"
	want_out "model    $m"
	want_out "inputs"
	want_out "outputs"
	want_out " Conv "
	printf '%s\n' "$out" | grep -qE '^total +[0-9]+ nodes, [0-9]+ params .*, [0-9]+ MACs' ||
		fail "info $m: no totals line"
	printf '%s\n' "$out" | grep -q '^warning' && fail "info $m: $(grep '^warning' "$scratch/stdout")"
	echo "$m: $(printf '%s\n' "$out" | grep '^total')"
done
[ $n -gt 0 ] || fail "no models in $dir"
finish
