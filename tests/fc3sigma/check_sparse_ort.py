#!/usr/bin/python3
"""check_sparse_ort.py - the sparse exports of fc3sigma under onnx and ORT.

Usage: check_sparse_ort.py ONNX_PRUNE WORK_DIR NODE_PATH MODEL.onnx [...]

For each model and k in (1, 2), `onnx-prune MODEL OUT --passes fc3sigma
--k K` writes OUT dense, with --sparse-initializers and with
--sparse-constants. Then:
  1. the dense export passes onnx.checker full_check;
  2. the --sparse-initializers export holds sparse_initializer entries and
     passes onnx.checker's plain check (which validates every sparse
     tensor: indices int64, in range, ascending); its full_check fails, as
     onnx's shape inference types a sparse initializer as sparse_tensor,
     which Gemm does not take: the test checks that this is the only error;
  3. the --sparse-constants export holds Constant(sparse_value) nodes and
     passes full_check;
  4. every sparse tensor, densified with numpy, equals the dense export's
     initializer bit for bit;
  5. ONNX Runtime (onnxruntime-node, NODE_PATH) gives the dense export's
     outputs exactly (max |diff| 0) for both sparse forms, on 64
     Fashion-MNIST test images (random ones when the data is missing) for
     a [N,1,28,28] input, random ones otherwise;
and it prints the file sizes. A model with no tensor sparse enough is
reported and checked for the rest. Exit status 0 when all checks pass.
Needs /usr/bin/python3 (onnx, numpy) and node.
"""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_COMPARE = os.path.join(HERE, "..", "roundtrip", "ort_compare.js")
FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
FAILED = []


def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        FAILED.append(what)
    return ok


def run(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, (p.stdout + p.stderr).strip()


def full_check(path):
    try:
        onnx.checker.check_model(path, full_check=True)
        return ""
    except Exception as e:  # noqa: BLE001 - any failure is a finding
        return str(e)


def densify(sp):
    vals = numpy_helper.to_array(sp.values)
    idx = numpy_helper.to_array(sp.indices)
    out = np.zeros(int(np.prod(sp.dims)), vals.dtype)
    if idx.ndim == 2:
        idx = np.ravel_multi_index(idx.T, tuple(sp.dims))
    out[idx] = vals
    return out.reshape(tuple(sp.dims))


def sparse_tensors(m):
    """(name, SparseTensorProto) of sparse initializers and Constants."""
    out = [(s.values.name, s) for s in m.graph.sparse_initializer]
    for n in m.graph.node:
        if n.op_type == "Constant" and n.attribute[0].name == "sparse_value":
            out.append((n.output[0], n.attribute[0].sparse_tensor))
    return out


def same_as_dense(path, dense):
    inits = {t.name: numpy_helper.to_array(t) for t in dense.graph.initializer}
    ok = True
    for name, sp in sparse_tensors(onnx.load(path)):
        a = densify(sp)
        d = inits.get(name)
        ok = ok and d is not None and a.shape == d.shape and \
            a.tobytes() == d.tobytes()
    return ok


def images(model, work):
    vi = model.graph.input[0]
    shape = [d.dim_value or 64 for d in vi.type.tensor_type.shape.dim]
    shape[0] = 64
    if shape[1:] == [1, 28, 28] and os.path.exists(FMNIST):
        with gzip.open(FMNIST, "rb") as f:
            raw = np.frombuffer(f.read(), np.uint8)[16:]
        x = raw[:64 * 784].reshape(64, 1, 28, 28).astype(np.float32) / 255.0
        x = (x - 0.2860) / 0.3530
    else:
        x = np.random.RandomState(0).randn(*shape).astype(np.float32)
    path = os.path.join(work, "input.f32")
    x.astype("<f4").tofile(path)
    return path, shape


def ort_same(a, b, x, shape, node_path):
    env = dict(os.environ, NODE_PATH=node_path)
    rc, out = run(["node", ORT_COMPARE, a, b, x, ",".join(map(str, shape)),
                   "0"], env)
    try:
        res = json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        return False, out[:300]
    return rc == 0 and res["ok"], json.dumps(res["outputs"])


def one(tool, work, node_path, model, k):
    base = os.path.join(work, "%s.k%d" % (
        os.path.splitext(os.path.basename(model))[0], k))
    outs = {"dense": base + ".dense.onnx", "init": base + ".sparse_init.onnx",
            "const": base + ".sparse_const.onnx"}
    flags = {"dense": [], "init": ["--sparse-initializers"],
             "const": ["--sparse-constants"]}
    for form, path in outs.items():
        rc, msg = run([tool, model, path, "--passes", "fc3sigma", "--k",
                       str(k)] + flags[form])
        if not check(rc == 0, "%s k=%d %s: onnx-prune (%s)" %
                     (model, k, form, msg[:200])):
            return
    sizes = {f: os.path.getsize(p) for f, p in outs.items()}
    print("   sizes: input %d, dense %d, sparse_initializer %d, sparse "
          "Constant %d bytes" % (os.path.getsize(model), sizes["dense"],
                                 sizes["init"], sizes["const"]))
    dense = onnx.load(outs["dense"])
    mi, mc = onnx.load(outs["init"]), onnx.load(outs["const"])
    n_sparse = len(mi.graph.sparse_initializer)
    check(full_check(outs["dense"]) == "", "dense: full_check")
    check(len(sparse_tensors(mc)) == n_sparse and
          not mc.graph.sparse_initializer, "%d sparse tensors in both forms"
          % n_sparse)
    if n_sparse == 0:
        print("   (no tensor sparse enough to be written sparse)")
        check(sizes["init"] == sizes["dense"] == sizes["const"],
              "no sparse tensor: same sizes")
        return
    check(sizes["init"] < sizes["dense"] and sizes["const"] < sizes["dense"],
          "sparse exports are smaller")
    try:
        onnx.checker.check_model(outs["init"])
        check(True, "sparse_initializer: plain check")
    except Exception as e:  # noqa: BLE001
        check(False, "sparse_initializer: plain check: %s" % e)
    err = full_check(outs["init"])
    check(err == "" or ("sparse_tensor" in err and
                        err.count("ShapeInferenceError") ==
                        err.count("sparse_tensor")),
          "sparse_initializer: full_check fails only on the sparse type "
          "(%s)" % err.splitlines()[0][:120] if err else "")
    check(full_check(outs["const"]) == "", "sparse Constant: full_check")
    check(same_as_dense(outs["init"], dense) and
          same_as_dense(outs["const"], dense), "densified == dense export")
    x, shape = images(dense, work)
    for form in ("init", "const"):
        ok, desc = ort_same(outs["dense"], outs[form], x, shape, node_path)
        check(ok, "ORT %s == dense: %s" % (form, desc))


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    tool, work, node_path = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    for model in sys.argv[4:]:
        for k in (1, 2):
            one(tool, work, node_path, model, k)
    print("%d failure(s)" % len(FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
