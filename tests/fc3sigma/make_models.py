#!/usr/bin/python3
"""make_models.py - writes the models of the fc3sigma and sparse tests.

Usage: /usr/bin/python3 make_models.py OUTDIR

Needs Debian's python3-onnx. Everything is deterministic.

tiny_fc.onnx: x[N,6] -> Gemm 'g1' (W1[8,6], transB=1) -> Relu -> MatMul
'm2' (W2[8,5]) -> Add (b2) -> Relu -> Gemm 'g3' (W3[5,3], transB=0) -> y.
Every weight is +-1 ("big") or +-0.01 ("small"); with the band variant at
k = 1 exactly the small ones are zeroed (asserted below), which makes:
  W1 rows 2, 5        g1 outputs 2 and 5 constant (b1: 0.5, -0.3)
  W2 row 4            g1 output 4 unused
  W2 column 1         m2 output 1 constant (b2[1] = 0.7, folded into g3)
  W3 row 3            m2 output 3 unused
  W3 column 0         classifier output 0: zeroed, never removed
  W1[0,0], W1[7,3], W2[0,0]   lone small weights: zeroed, nothing removed
test_fc3sigma.c states the counts that follow.

sparse_ok.onnx / sparse_ok_dense.onnx: the same model with W1 as a
sparse_initializer with unsorted linearised indices and W2 with [NNZ, 2]
coordinates (after zeroing the small weights), and the dense twin.

sparse_wide*.onnx: x[N,32] -> Gemm (W[64,32], 90 % zero) -> y with W
dense, as a sparse_initializer (descending indices) and as a Constant's
sparse_value ([NNZ, 2] coordinates, unnamed values).

Bad cases (tests/bad style: CASE.onnx and CASE.expect, run by
tests/bad/run_case.sh): sparse initializers with an index out of range,
a negative index, a coordinate outside its dim, a duplicate, int32
indices, an index shape or an index byte count that does not match the
values, and dims that would expand to 4 TiB.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SMALL = 0.01


def signs(shape, seed):
    """Deterministic +-1 array."""
    rng = np.random.RandomState(seed)
    return np.where(rng.rand(*shape) < 0.5, -1.0, 1.0).astype(np.float32)


def weights():
    """W1, b1, W2, b2, W3, b3 and the masks of their small entries."""
    w1, w2, w3 = signs((8, 6), 1), signs((8, 5), 2), signs((5, 3), 3)
    s1 = np.zeros(w1.shape, bool)
    s1[[2, 5], :] = True
    s1[0, 0] = s1[7, 3] = True
    s2 = np.zeros(w2.shape, bool)
    s2[4, :] = True
    s2[:, 1] = True
    s2[0, 0] = True
    s3 = np.zeros(w3.shape, bool)
    s3[3, :] = True
    s3[:, 0] = True
    for w, s in ((w1, s1), (w2, s2), (w3, s3)):
        w[s] *= SMALL
        band = np.abs(w - w.mean()) < w.std()       # numpy std: population
        assert (band == s).all(), "band k=1 does not zero exactly the small"
    b1 = np.array([0.1, -0.2, 0.5, 0.3, 0.2, -0.3, 0.4, 0.1], np.float32)
    b2 = np.array([0.2, 0.7, -0.1, 0.3, 0.25], np.float32)
    b3 = np.array([0.05, -0.05, 0.1], np.float32)
    return (w1, b1, w2, b2, w3, b3), (s1, s2, s3)


def tiny_graph(inits, sparse=()):
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h1"], name="g1",
                         transB=1),
        helper.make_node("Relu", ["h1"], ["a1"], name="r1"),
        helper.make_node("MatMul", ["a1", "W2"], ["m2"], name="m2"),
        helper.make_node("Add", ["m2", "b2"], ["h2"], name="add2"),
        helper.make_node("Relu", ["h2"], ["a2"], name="r2"),
        helper.make_node("Gemm", ["a2", "W3", "b3"], ["y"], name="g3"),
    ]
    g = helper.make_graph(
        nodes, "tiny_fc",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        initializer=inits)
    g.sparse_initializer.extend(sparse)
    m = helper.make_model(g, producer_name="fc3sigma_test",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m


def dense_inits(arrs):
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    return [numpy_helper.from_array(a, n) for n, a in zip(names, arrs)]


def sparse_tensor(name, dense, coords, order):
    """SparseTensorProto of dense's non-zeros, in the given order."""
    flat = dense.ravel()
    bits = flat.view(np.uint32)          # -0.0 is a value, not a default
    nz = np.flatnonzero(bits)[order(np.count_nonzero(bits))]
    vals = numpy_helper.from_array(flat[nz].astype(np.float32), name)
    if coords:
        idx = np.stack(np.unravel_index(nz, dense.shape), 1).astype(np.int64)
    else:
        idx = nz.astype(np.int64)
    return helper.make_sparse_tensor(vals, numpy_helper.from_array(idx),
                                     list(dense.shape))


def write(outdir, name, m):
    with open(os.path.join(outdir, name), "wb") as f:
        f.write(m.SerializeToString())


def wide_graph(dense, sparse=None, constant=None):
    """x[N,32] -> Gemm 'wide' (W[64,32], transB=1, b) -> y[N,64]."""
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], name="wide",
                              transB=1)]
    if constant is not None:
        nodes.insert(0, helper.make_node("Constant", [], ["W"], name="wc",
                                         sparse_value=constant))
    b = numpy_helper.from_array(np.linspace(-1, 1, 64, dtype=np.float32), "b")
    g = helper.make_graph(
        nodes, "wide",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 32])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 64])],
        initializer=[b] + ([dense] if dense is not None else []))
    if sparse is not None:
        g.sparse_initializer.extend([sparse])
    m = helper.make_model(g, producer_name="fc3sigma_test",
                          opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m


def wide_models(outdir):
    """W[64,32], 90 % zero: dense, sparse_initializer, Constant forms."""
    rng = np.random.RandomState(7)
    w = rng.randn(64, 32).astype(np.float32)
    w[rng.rand(64, 32) < 0.9] = 0
    w[5, 7] = -0.0     # a negative zero: not a default value, kept
    write(outdir, "sparse_wide_dense.onnx",
          wide_graph(numpy_helper.from_array(w, "W")))
    desc = lambda n: np.arange(n)[::-1]
    write(outdir, "sparse_wide.onnx",
          wide_graph(None, sparse=sparse_tensor("W", w, False, desc)))
    c = sparse_tensor("W", w, True, lambda n: np.arange(n))
    c.values.name = ""
    write(outdir, "sparse_wide_const.onnx", wide_graph(None, constant=c))


def bad_case(outdir, case, sp, expect):
    """A tiny model whose W1 is the (broken) sparse tensor sp."""
    (_, b1, w2, b2, w3, b3), _ = weights()
    inits = [numpy_helper.from_array(a, n) for n, a in
             (("b1", b1), ("W2", w2), ("b2", b2), ("W3", w3), ("b3", b3))]
    m = tiny_graph(inits, [sp])
    write(outdir, case + ".onnx", m)
    with open(os.path.join(outdir, case + ".expect"), "w") as f:
        f.write("\n".join(expect) + "\n")


def raw_sparse(values, idx, dims, idx_type=TensorProto.INT64, idx_dims=None):
    """A SparseTensorProto built field by field, nothing checked."""
    sp = onnx.SparseTensorProto()
    sp.values.CopyFrom(numpy_helper.from_array(
        np.asarray(values, np.float32), "W1"))
    t = onnx.TensorProto()
    t.data_type = idx_type
    arr = np.asarray(idx, np.int64 if idx_type == TensorProto.INT64
                     else np.int32)
    t.dims.extend(idx_dims if idx_dims is not None else list(arr.shape))
    t.raw_data = arr.tobytes()
    sp.indices.CopyFrom(t)
    sp.dims.extend(dims)
    return sp


def bad_cases(outdir):
    cases = {
        "sparse_index_range": (raw_sparse([1, 2], [3, 48], [8, 6]),
                               ["W1", "outside"]),
        "sparse_index_negative": (raw_sparse([1, 2], [-1, 5], [8, 6]),
                                  ["W1", "outside"]),
        "sparse_coord_range": (raw_sparse([1, 2], [[0, 1], [2, 6]], [8, 6]),
                               ["W1", "outside dim"]),
        "sparse_index_dup": (raw_sparse([1, 2, 3], [7, 3, 7], [8, 6]),
                             ["W1", "twice"]),
        "sparse_index_int32": (raw_sparse([1, 2], [3, 4], [8, 6],
                                          TensorProto.INT32),
                               ["W1", "int64"]),
        "sparse_index_count": (raw_sparse([1, 2], [3, 4, 5], [8, 6]),
                               ["W1", "indices"]),
        "sparse_index_short": (raw_sparse([1, 2], [3, 4, 5], [8, 6],
                                          idx_dims=[2]),
                               ["W1", "hold 3 values, want 2"]),
        "sparse_expand_huge": (raw_sparse([1], [3], [1 << 20, 1 << 20]),
                               ["W1", "expands"]),
    }
    for case, (sp, expect) in sorted(cases.items()):
        bad_case(outdir, case, sp, expect)


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    arrs, smalls = weights()
    write(outdir, "tiny_fc.onnx", tiny_graph(dense_inits(arrs)))
    # The sparse twin holds the zeroed weights (small ones set to 0).
    w1, b1, w2, b2, w3, b3 = arrs
    z1, z2 = w1.copy(), w2.copy()
    z1[smalls[0]] = 0
    z2[smalls[1]] = 0
    write(outdir, "sparse_ok_dense.onnx",
          tiny_graph(dense_inits((z1, b1, z2, b2, w3, b3))))
    rev = lambda n: np.arange(n)[::-1]   # unsorted: descending
    same = lambda n: np.arange(n)
    sp = [sparse_tensor("W1", z1, False, rev),
          sparse_tensor("W2", z2, True, same)]
    inits = [numpy_helper.from_array(a, n) for n, a in
             (("b1", b1), ("b2", b2), ("W3", w3), ("b3", b3))]
    write(outdir, "sparse_ok.onnx", tiny_graph(inits, sp))
    wide_models(outdir)
    bad_cases(outdir)


if __name__ == "__main__":
    main()
