#!/bin/bash
# roundtrip.sh - the main job with no passes: `onnx-prune IN OUT --report R`
# writes a model that onnx.checker accepts, that onnx-prune reads back with
# the same totals, the same bytes on a second run, and a report whose
# before and after agree; also with --external-data.
# Usage: roundtrip.sh ONNX_PRUNE MODEL
. "$(dirname "$0")/lib.sh"
bin=$1 model=$2
o=$scratch/out
mkdir -p "$o"

totals() { "$bin" info --json "$1" | /usr/bin/python3 -c \
	'import json,sys; d=json.load(sys.stdin); print(d["params"], d["macs"])'; }

run "$bin" "$model" "$o/a.onnx" --report "$o/report.json"
want_rc 0
[ -z "$err" ] || fail "stderr: $err"
[ -s "$o/a.onnx" ] || fail "no output model"
ls "$o" | grep -q tmp && fail "temporary files left: $(ls "$o")"
want=$(totals "$model")
got=$(totals "$o/a.onnx")
[ -n "$want" ] && [ "$want" = "$got" ] || fail "totals $got after the round trip, want $want"
/usr/bin/python3 - "$o/report.json" "$want" <<'PY' || fail "bad report"
import json, sys
with open(sys.argv[1]) as f:
    r = json.load(f)
p, m = map(int, sys.argv[2].split())
assert r["before"] == r["after"], r
assert r["before"]["params"] == p and r["before"]["macs"] == m, (r, p, m)
assert r["passes"] == [], r
PY
/usr/bin/python3 -c 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]))' \
	"$o/a.onnx" || fail "onnx.checker refuses the output"

run "$bin" prune "$model" "$o/b.onnx"
want_rc 0
cmp -s "$o/a.onnx" "$o/b.onnx" || fail "two runs wrote different bytes"

run "$bin" "$model" "$o/ext.onnx" --external-data
want_rc 0
[ -s "$o/ext.onnx" ] || fail "no output model with --external-data"
[ -s "$o/ext.onnx.data" ] || fail "no ext.onnx.data beside the model"
[ "$(stat -c %s "$o/ext.onnx")" -lt "$(stat -c %s "$o/a.onnx")" ] ||
	fail "--external-data did not move the weights out"
got=$(totals "$o/ext.onnx")
[ "$want" = "$got" ] || fail "totals $got with --external-data, want $want"
/usr/bin/python3 -c 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]))' \
	"$o/ext.onnx" || fail "onnx.checker refuses the external-data output"

# An existing output is replaced, not appended to.
run "$bin" "$model" "$o/a.onnx"
want_rc 0
cmp -s "$o/a.onnx" "$o/b.onnx" || fail "overwriting gave different bytes"
finish
