#!/usr/bin/python3
"""compare_node_tests.py - shape inference against ONNX conformance cases.

Usage: compare_node_tests.py DUMP_SHAPES OPS_C CASES_DIR [KNOWN_FAILURES]

CASES_DIR holds ONNX backend test cases (test_NAME/model.onnx, one node
each, with test_data_set_0/input_K.pb).  For every case whose op is in the
op table (names read from OPS_C, src/ir/ops.c), the model is rewritten so
that the node's integer inputs after the first (shape, axes, pads, starts,
split, indices, ...) and Resize's roi/scales become initializers holding
the case's input data, and the declared output shapes and value_info are
stripped; dump_shapes then imports it (folding and inference run) and the
inferred dtype and shape of every graph output must equal what the
original model declares.  Cases listed in KNOWN_FAILURES (one name a line,
'#' comments) are reported but do not fail.  Exits 1 on any other failure.
Run with /usr/bin/python3 (Debian's, which has python3-onnx).
"""
import os
import re
import subprocess
import sys
import tempfile

import onnx
from onnx import numpy_helper

DTYPES = {1: "float", 2: "uint8", 3: "int8", 6: "int32", 7: "int64",
          9: "bool", 10: "float16", 11: "double"}


def table_ops(ops_c):
    with open(ops_c) as f:
        return set(re.findall(r'OP\(OPR_OP_\w+, "(\w+)"', f.read()))


def constantize(model, case_dir):
    """Turns the node's parameter inputs into initializers; strips outputs."""
    g = model.graph
    node = g.node[0]
    names = [i.name for i in g.input]
    keep = []
    for k, inp in enumerate(g.input):
        pos = list(node.input).index(inp.name) if inp.name in node.input else -1
        elem = inp.type.tensor_type.elem_type
        param = pos >= 1 and (elem in (6, 7) or node.op_type == "Resize")
        pb = os.path.join(case_dir, "test_data_set_0", "input_%d.pb" % names.index(inp.name))
        if param and os.path.exists(pb):
            t = onnx.TensorProto()
            with open(pb, "rb") as f:
                t.ParseFromString(f.read())
            t.name = inp.name
            g.initializer.append(t)
        else:
            keep.append(inp)
    del g.input[:]
    g.input.extend(keep)
    del g.value_info[:]
    for out in g.output:
        out.type.tensor_type.ClearField("shape")


def shape_str(vi):
    t = vi.type.tensor_type
    dims = [str(d.dim_value) if d.HasField("dim_value") else d.dim_param or "?"
            for d in t.shape.dim]
    return DTYPES.get(t.elem_type, "?"), ",".join(dims) if dims else "-"


def run_case(tool, case_dir, tmp):
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    want = {o.name: shape_str(o) for o in model.graph.output}
    constantize(model, case_dir)
    path = os.path.join(tmp, "model.onnx")
    onnx.save(model, path)
    p = subprocess.run([tool, path], capture_output=True, text=True)
    if p.returncode != 0:
        return "import failed: " + p.stderr.strip()[-300:]
    got = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "value" and f[1] in want:
            got[f[1]] = (f[2], f[3])
    bad = ["%s: ours %s %s, declared %s %s" % (k, *got.get(k, ("-", "-")), *w)
           for k, w in want.items() if got.get(k) != w]
    return "; ".join(bad) or None


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 1
    tool, ops = sys.argv[1], table_ops(sys.argv[2])
    known = set()
    if len(sys.argv) > 4:
        with open(sys.argv[4]) as f:
            known = {l.split("#")[0].strip() for l in f} - {""}
    cases = sorted(d for d in os.listdir(sys.argv[3])
                   if os.path.exists(os.path.join(sys.argv[3], d, "model.onnx")))
    n_run = n_ok = n_known = 0
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            d = os.path.join(sys.argv[3], c)
            op = onnx.load(os.path.join(d, "model.onnx")).graph.node[0].op_type
            if op not in ops:
                continue
            n_run += 1
            err = run_case(tool, d, tmp)
            if err is None:
                n_ok += 1
            elif c in known:
                n_known += 1
                print("known: %s (%s): %s" % (c, op, err))
            else:
                failed = True
                print("FAIL: %s (%s): %s" % (c, op, err))
    print("%d cases with ops in the table: %d match, %d known failures, %d fail"
          % (n_run, n_ok, n_known, n_run - n_ok - n_known))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
