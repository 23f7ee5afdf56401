#!/usr/bin/python3
"""make_models.py - writes the tiny models of the dependency-analysis tests.

Usage: /usr/bin/python3 make_models.py OUTDIR

Needs Debian's python3-onnx (the pyenv python3 on PATH has no onnx). One
model per channel rule or pattern, opset 13, input "x" [N,3,H,W] with a
symbolic batch, output "y"; nodes are named so that test_deps.c can state
the exact groups it expects (see the comment above each builder).
Weights are deterministic ramps: only shapes matter here.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


class Model:
    """Collects nodes and initializers of one graph."""

    def __init__(self, name, hw=4, cin=3):
        self.name = name
        self.nodes = []
        self.inits = []
        self.vinfo = []
        self.inputs = [helper.make_tensor_value_info(
            "x", TensorProto.FLOAT, ["N", cin, hw, hw])]

    def const(self, name, arr):
        arr = np.asarray(arr)
        dt = TensorProto.INT64 if arr.dtype.kind in "iu" else TensorProto.FLOAT
        self.inits.append(helper.make_tensor(
            name, dt, list(arr.shape), arr.astype(
                np.int64 if dt == TensorProto.INT64 else np.float32).ravel()))
        return name

    def weight(self, name, shape):
        n = int(np.prod(shape))
        return self.const(name, np.linspace(-1, 1, n, dtype=np.float32)
                          .reshape(shape))

    def op(self, op, name, ins, n_out=1, **attrs):
        outs = [name] if n_out == 1 else ["%s_%d" % (name, i)
                                          for i in range(n_out)]
        self.nodes.append(helper.make_node(op, ins, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, name, x, cin, cout, k=1, group=1, stride=1):
        w = self.weight(name + "_w", [cout, cin // group, k, k])
        return self.op("Conv", name, [x, w], kernel_shape=[k, k],
                       pads=[k // 2] * 4, strides=[stride, stride],
                       group=group)

    def bn(self, name, x, c):
        ps = [self.const("%s_%s" % (name, p), np.full(c, v, np.float32))
              for p, v in (("s", 1), ("b", 0), ("m", 0), ("v", 1))]
        return self.op("BatchNormalization", name, [x] + ps)

    def save(self, outdir, out, out_shape):
        graph = helper.make_graph(
            self.nodes, self.name, self.inputs,
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            initializer=self.inits, value_info=self.vinfo)
        model = helper.make_model(graph, producer_name="make_models",
                                  opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 7
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(outdir, self.name + ".onnx"))


BIG = 2 ** 62


def residual(m):
    """c0 -> b0 -> r0 -> c1 -> b1 -> add(., r0) -> r1 -> c2 -> y."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 4), 4)])
    b1 = m.bn("b1", m.conv("c1", r0, 4, 4), 4)
    r1 = m.op("Relu", "r1", [m.op("Add", "add", [b1, r0])])
    return m.conv("c2", r1, 4, 2), ["N", 2, 4, 4]


def option_a(m):
    """Option-A shortcut: strided Slice (spatial) then Pad of 2+2 channels."""
    r0 = m.op("Relu", "r0", [m.conv("c0", "x", 3, 4)])
    r1 = m.op("Relu", "r1", [m.conv("c1", r0, 4, 8, stride=2)])
    c2 = m.conv("c2", r1, 8, 8)
    s = m.op("Slice", "s", [r0, m.const("s_st", [0, 0]),
                            m.const("s_en", [BIG, BIG]),
                            m.const("s_ax", [2, 3]), m.const("s_sp", [2, 2])])
    p = m.op("Pad", "p", [s, m.const("p_pads", [0, 2, 0, 0, 0, 2, 0, 0])])
    r2 = m.op("Relu", "r2", [m.op("Add", "add", [c2, p])])
    return m.conv("c3", r2, 8, 2), ["N", 2, 2, 2]


def concat2(m):
    """Concat of two producers (4 + 6 channels) into one consumer."""
    ca = m.conv("ca", "x", 3, 4)
    cb = m.conv("cb", "x", 3, 6)
    cat = m.op("Concat", "cat", [ca, cb], axis=1)
    return m.conv("cc", cat, 10, 2), ["N", 2, 4, 4]


def concat_same(m):
    """Concat of the same tensor twice (Torch-Pruning#146)."""
    ca = m.conv("ca", "x", 3, 4)
    cat = m.op("Concat", "cat", [ca, ca], axis=1)
    return m.conv("cc", cat, 8, 2), ["N", 2, 4, 4]


def shuffle(m):
    """Concat, channel shuffle (Reshape-Transpose-Reshape), Split."""
    ca = m.conv("ca", "x", 3, 4)
    cb = m.conv("cb", "x", 3, 4)
    cat = m.op("Concat", "cat", [ca, cb], axis=1)
    rs = m.op("Reshape", "rs", [cat, m.const("rs_shape", [0, 2, 4, 4, 4])])
    tr = m.op("Transpose", "tr", [rs], perm=[0, 2, 1, 3, 4])
    rs2 = m.op("Reshape", "rs2", [tr, m.const("rs2_shape", [0, 8, 4, 4])])
    s0, s1 = m.op("Split", "sp", [rs2, m.const("sp_split", [4, 4])], 2,
                  axis=1)
    return m.op("Add", "add", [m.conv("cc", s0, 4, 2),
                               m.conv("cd", s1, 4, 2)]), ["N", 2, 4, 4]


def depthwise(m):
    """Depthwise 3x3 (multiplier 1) and a multiplier-2 depthwise conv."""
    dw = m.conv("dw", m.conv("c0", "x", 3, 4), 4, 4, k=3, group=4)
    dm = m.conv("dm", m.conv("c1", dw, 4, 4), 4, 8, k=3, group=4)
    return m.conv("c2", dm, 8, 2), ["N", 2, 4, 4]


def grouped(m):
    """A group-2 conv between two plain ones; the last has one output."""
    gc = m.conv("gc", m.conv("c0", "x", 3, 8), 8, 4, group=2)
    return m.conv("c1", gc, 4, 1), ["N", 1, 4, 4]


def flatten_gemm(m):
    """Conv (4 ch, 3x3 map) -> Flatten -> Gemm 36->5 -> Relu -> Gemm 5->3."""
    r0 = m.op("Relu", "r0", [m.conv("c0", "x", 3, 4)])
    fl = m.op("Flatten", "fl", [r0], axis=1)
    g0 = m.op("Gemm", "g0", [fl, m.weight("g0_w", [5, 36]),
                             m.weight("g0_b", [5])], transB=1)
    r1 = m.op("Relu", "r1", [g0])
    return m.op("Gemm", "g1", [r1, m.weight("g1_w", [5, 3])]), ["N", 3]


def reshape_matmul(m):
    """Conv (4 ch, 3x3 map) -> Reshape [0, -1] -> MatMul 36->5."""
    rs = m.op("Reshape", "rs", [m.conv("c0", "x", 3, 4),
                                m.const("rs_shape", [0, -1])])
    return m.op("MatMul", "mm", [rs, m.weight("mm_w", [36, 5])]), ["N", 5]


def reduce_gemm(m):
    """Conv -> ReduceMean over H, W (keepdims 0) -> Gemm."""
    rm = m.op("ReduceMean", "rm", [m.conv("c0", "x", 3, 4)], axes=[2, 3],
              keepdims=0)
    return m.op("Gemm", "g", [rm, m.weight("g_w", [4, 3])]), ["N", 3]


def blockers(m):
    """Softmax over channels, an op outside the table (Erf), and a
    Softmax over the last axis, which is a pass-through."""
    sm = m.op("Softmax", "sm", [m.conv("c0", "x", 3, 4)], axis=1)
    e = m.op("Erf", "e", [m.conv("c1", sm, 4, 4)])
    m.vinfo.append(helper.make_tensor_value_info(
        e, TensorProto.FLOAT, ["N", 4, 4, 4]))
    smx = m.op("Softmax", "smx", [m.conv("c2", e, 4, 4)], axis=-1)
    return m.conv("c3", smx, 4, 2), ["N", 2, 4, 4]


def se_mul(m):
    """Squeeze-excitation Mul (nni#4540), a [1,C,1,1] constant, a scalar."""
    r0 = m.op("Relu", "r0", [m.conv("c0", "x", 3, 8)])
    gap = m.op("GlobalAveragePool", "gap", [r0])
    sr = m.op("Relu", "sr", [m.conv("s1", gap, 8, 2)])
    sg = m.op("Sigmoid", "sg", [m.conv("s2", sr, 2, 8)])
    mul = m.op("Mul", "mul", [r0, sg])
    am = m.op("Add", "am", [mul, m.weight("am_k", [1, 8, 1, 1])])
    ms = m.op("Mul", "ms", [am, m.const("ms_k", np.float32(0.5))])
    return m.conv("c1", ms, 8, 2), ["N", 2, 4, 4]


def slice_channels(m):
    """Slice of channels 2..5 of 8: the other four are dead channels."""
    sl = m.op("Slice", "sl", [m.conv("c0", "x", 3, 8), m.const("sl_st", [2]),
                              m.const("sl_en", [6]), m.const("sl_ax", [1])])
    return m.conv("c1", sl, 4, 2), ["N", 2, 4, 4]


def misc(m):
    """Reflect Pad of channels and NHWC Transposes (blockers), and a Concat
    over H, which couples its inputs channel by channel."""
    pr = m.op("Pad", "pr", [m.conv("c0", "x", 3, 4),
                            m.const("pr_pads", [0, 1, 0, 0, 0, 1, 0, 0])],
              mode="reflect")
    tr = m.op("Transpose", "tr", [m.conv("c1", pr, 6, 4)], perm=[0, 2, 3, 1])
    tb = m.op("Transpose", "tb", [m.op("Relu", "r", [tr])], perm=[0, 3, 1, 2])
    c2 = m.conv("c2", tb, 4, 4)
    cs = m.op("Concat", "cs", [c2, m.conv("c3", "x", 3, 4)], axis=2)
    return m.conv("c4", cs, 4, 2), ["N", 2, 8, 4]


MODELS = {
    "residual": (residual, 4),
    "option_a": (option_a, 4),
    "concat2": (concat2, 4),
    "concat_same": (concat_same, 4),
    "shuffle": (shuffle, 4),
    "depthwise": (depthwise, 4),
    "grouped": (grouped, 4),
    "flatten_gemm": (flatten_gemm, 3),
    "reshape_matmul": (reshape_matmul, 3),
    "reduce_gemm": (reduce_gemm, 4),
    "blockers": (blockers, 4),
    "se_mul": (se_mul, 4),
    "slice_channels": (slice_channels, 4),
    "misc": (misc, 4),
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, (build, hw) in MODELS.items():
        m = Model(name, hw=hw)
        out, shape = build(m)
        m.nodes[-1].output[0] = "y"
        m.save(sys.argv[1], "y", shape)


if __name__ == "__main__":
    main()
