#!/bin/bash
# accuracy.sh - `onnx-prune eval` on a real data set gives the accuracy
# ONNX Runtime measured (top-1 within 0.01 points), the text report, and a
# JSON file with every documented field; no progress bar off a terminal.
# Usage: accuracy.sh ONNX_PRUNE MODEL SPEC MEAN STD TOP1 IMAGES [EXTRA...]
# Exits 77 (skipped) when the data folder of SPEC is missing.
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 model=$2 spec=$3 mean=$4 std=$5 top1=$6 images=$7
shift 7
[ -e "${spec#*:}" ] || { echo "SKIP: ${spec#*:} not found"; exit 77; }

run "$bin" eval "$model" --data "$spec" --mean "$mean" --std "$std" \
	--json "$scratch/r.json" "$@"
want_rc 0
[ -z "$err" ] || fail "stderr is not empty (no bar off a terminal): $err"
want_out "top-1      $top1 %"
want_out "top-5 "
want_out "loss "
want_out "images/s "
want_out "(option) / "
ls "$scratch" | grep -q tmp && fail "temporary files left: $(ls "$scratch")"
/usr/bin/python3 "$(dirname "$0")/json_check.py" "$scratch/r.json" \
	"top1=$top1~0.01" "images=$images" "model=$model" "data=$spec" ||
	fail "JSON: $(cat "$scratch/r.json")"
echo "$out"
finish
