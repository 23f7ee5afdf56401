#!/bin/bash
# info_json.sh - `onnx-prune info --json` prints one JSON object that
# Python's json module reads, with the documented keys, and whose layer
# numbers add up to its totals.  Usage: info_json.sh ONNX_PRUNE MODEL_DIR
. "$(dirname "$0")/lib.sh"
bin=$1 dir=$2
n=0
for m in "$dir"/*.onnx; do
	[ -f "$m" ] || continue
	n=$((n + 1))
	run "$bin" info --json "$m"
	want_rc 0
	[ -z "$err" ] || fail "info --json $m wrote to stderr: $err"
	/usr/bin/python3 - "$scratch/stdout" "$m" <<'PY' || fail "info --json $m: bad JSON"
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
for k in ("params", "macs", "layers", "inputs", "outputs", "opsets"):
    assert k in d, "missing key " + k
assert isinstance(d["params"], int) and d["params"] > 0, d["params"]
assert isinstance(d["macs"], int) and d["macs"] > 0, d["macs"]
assert d["inputs"] and d["outputs"] and d["opsets"]
for v in d["inputs"] + d["outputs"]:
    assert set(v) >= {"name", "dtype", "shape"}, v
for o in d["opsets"]:
    assert isinstance(o["domain"], str) and isinstance(o["version"], int), o
p = m = 0
for layer in d["layers"]:
    assert set(layer) >= {"name", "op", "output_shape", "params", "macs"}, layer
    assert layer["output_shape"] is None or isinstance(layer["output_shape"], list)
    p += layer["params"]
    m += layer["macs"] or 0
assert any(l["op"] == "Conv" for l in d["layers"])
assert p == d["params"], (p, d["params"])
assert m == d["macs"], (m, d["macs"])
print("%s: %d layers, %d params, %d MACs" % (sys.argv[2], len(d["layers"]), p, m))
PY
done
[ $n -gt 0 ] || fail "no models in $dir"
finish
