#!/usr/bin/python3
"""make_models.py - writes the tiny models of the surgery tests.

Usage: /usr/bin/python3 make_models.py OUTDIR

Every model of tests/deps/make_models.py (one per channel rule), rebuilt
with random weights, a random bias on every Conv and BatchNormalization
parameters that are far from the identity (scale, shift and mean non-zero,
variance not 1), so that a removed channel whose filter is zero carries a
non-zero constant and the folding is exercised.  Plus models for what the
deps set does not have: grouped conv with 3 groups, ConvTranspose, an
opset-10 graph (Split and Pad attributes, Slice inputs), an even Split
without sizes, Resize with sizes, element-wise constants (Add of a
[1,C,1,1] tensor, PRelu), Sigmoid and Clip activations, Gemm with a scalar
bias, a Concat with a constant input, a chain of unpadded 1x1 convs ending
in a MatMul without bias (folding into a Conv bias and into a MatMul turned
Gemm), and Sigmoid and HardSigmoid before unpadded convs (masked channels
hold 0.5, folded), and two Pads sharing their pads constant.

Needs Debian's python3-onnx and numpy (the pyenv python3 on PATH has none).
"""
import importlib.util
import os
import sys

import numpy as np
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "deps_models", os.path.join(HERE, "..", "deps", "make_models.py"))
deps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(deps)

RNG = np.random.default_rng(1234)


class Model(deps.Model):
    """deps.Model with random weights, conv biases and non-trivial BN."""

    def __init__(self, name, hw=4, cin=3, opset=13):
        super().__init__(name, hw=hw, cin=cin)
        self.opset = opset

    def weight(self, name, shape):
        fan = max(1, int(np.prod(shape[1:])))
        w = RNG.standard_normal(shape).astype(np.float32) / np.sqrt(fan)
        return self.const(name, w)

    def conv(self, name, x, cin, cout, k=1, group=1, stride=1, pad=None,
             bias=True):
        w = self.weight(name + "_w", [cout, cin // group, k, k])
        ins = [x, w]
        if bias:
            ins.append(self.const(name + "_b", RNG.uniform(
                -0.5, 0.5, cout).astype(np.float32)))
        p = k // 2 if pad is None else pad
        return self.op("Conv", name, ins, kernel_shape=[k, k], pads=[p] * 4,
                       strides=[stride, stride], group=group)

    def bn(self, name, x, c):
        vals = (("s", RNG.uniform(0.5, 1.5, c)), ("b", RNG.uniform(-1, 1, c)),
                ("m", RNG.uniform(-1, 1, c)), ("v", RNG.uniform(0.5, 2, c)))
        ps = [self.const("%s_%s" % (name, p), v.astype(np.float32))
              for p, v in vals]
        return self.op("BatchNormalization", name, [x] + ps)

    def save(self, outdir, out, out_shape):
        graph = helper.make_graph(
            self.nodes, self.name, self.inputs,
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            initializer=self.inits, value_info=self.vinfo)
        model = helper.make_model(
            graph, producer_name="make_models",
            opset_imports=[helper.make_opsetid("", self.opset)])
        model.ir_version = 7 if self.opset >= 12 else 5
        import onnx
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(outdir, self.name + ".onnx"))


def grouped3(m):
    """A group-3 conv (12 -> 6) with bias, then BN and a plain conv."""
    c0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 12), 12)])
    gc = m.bn("gb", m.conv("gc", c0, 12, 6, k=3, group=3), 6)
    return m.conv("c1", m.op("Relu", "r1", [gc]), 6, 2), ["N", 2, 4, 4]


def convt(m):
    """Conv -> BN -> Relu -> ConvTranspose (stride 2) -> Relu -> Conv."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 6), 6)])
    w = m.weight("ct_w", [6, 5, 2, 2])
    b = m.const("ct_b", RNG.uniform(-0.5, 0.5, 5).astype(np.float32))
    ct = m.op("ConvTranspose", "ct", [r0, w, b], kernel_shape=[2, 2],
              strides=[2, 2])
    return m.conv("c1", m.op("Relu", "r1", [ct]), 5, 2), ["N", 2, 8, 8]


def opset10(m):
    """Opset 10: Split (attribute sizes), Slice (inputs), Pad (attribute)."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 8), 8)])
    s0, s1 = m.op("Split", "sp", [r0], 2, axis=1, split=[3, 5])
    a = m.conv("ca", s0, 3, 4)
    b = m.conv("cb", s1, 5, 4)
    cat = m.op("Concat", "cat", [a, b], axis=1)
    sl = m.op("Slice", "sl", [cat, m.const("sl_st", [1]),
                              m.const("sl_en", [7]), m.const("sl_ax", [1])])
    p = m.op("Pad", "p", [sl], pads=[0, 2, 0, 0, 0, 1, 0, 0], mode="constant",
             value=0.0)
    r1 = m.op("Relu", "r1", [m.op("Add", "add", [p, m.conv("cd", r0, 8, 9)])])
    return m.conv("c1", r1, 9, 2), ["N", 2, 4, 4]


def even_split(m):
    """Opset 13 Split of 8 channels into two halves, no sizes given."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 8), 8)])
    s0, s1 = m.op("Split", "sp", [r0], 2, axis=1)
    cat = m.op("Concat", "cat", [m.conv("ca", s1, 4, 4), s0], axis=1)
    return m.conv("c1", cat, 8, 2), ["N", 2, 4, 4]


def resize(m):
    """Resize with constant sizes [N?, C, 8, 8] written out in full."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 6), 6)])
    rs = m.op("Resize", "rs", [r0, "", "", m.const("rs_sz", [2, 6, 8, 8])],
              mode="nearest")
    m.inputs[0] = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                [2, 3, 4, 4])
    return m.conv("c1", rs, 6, 2), [2, 2, 8, 8]


def elemwise(m):
    """Add of a [1,C,1,1] constant, PRelu with a [C,1,1] slope, Sigmoid,
    Clip (ReLU6), Mul by a scalar, Sub from a constant."""
    c0 = m.bn("b0", m.conv("c0", "x", 3, 6), 6)
    ad = m.op("Add", "ad", [c0, m.weight("ad_k", [1, 6, 1, 1])])
    pr = m.op("PRelu", "pr", [ad, m.const("pr_s", RNG.uniform(
        0.1, 0.3, (6, 1, 1)).astype(np.float32))])
    sg = m.op("Sigmoid", "sg", [m.bn("b1", m.conv("c1", pr, 6, 6), 6)])
    cl = m.op("Clip", "cl", [m.bn("b2", m.conv("c2", sg, 6, 5, k=3), 5),
                             m.const("cl_lo", np.float32(0)),
                             m.const("cl_hi", np.float32(6))])
    su = m.op("Sub", "su", [m.weight("su_k", [5, 1, 1]), cl])
    mu = m.op("Mul", "mu", [su, m.const("mu_k", np.float32(0.5))])
    return m.conv("c3", mu, 5, 2), ["N", 2, 4, 4]


def gemm_scalar(m):
    """GAP -> Flatten -> Gemm with a scalar C -> Relu -> Gemm."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 6), 6)])
    fl = m.op("Flatten", "fl", [m.op("GlobalAveragePool", "gap", [r0])])
    g0 = m.op("Gemm", "g0", [fl, m.weight("g0_w", [6, 7]),
                             m.const("g0_c", np.float32([0.3]))], alpha=0.7,
              beta=1.5)
    r1 = m.op("Relu", "r1", [g0])
    return m.op("Gemm", "g1", [r1, m.weight("g1_w", [3, 7])], transB=1), \
        ["N", 3]


def fold_chain(m):
    """1x1 convs without padding (exact folding), a MatMul without bias."""
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 8, k=3), 8)])
    r1 = m.op("Relu", "r1", [m.bn("b1", m.conv("c1", r0, 8, 6, pad=0,
                                                   bias=False), 6)])
    mp = m.op("MaxPool", "mp", [r1], kernel_shape=[2, 2], strides=[2, 2])
    fl = m.op("Flatten", "fl", [mp])
    return m.op("MatMul", "mm", [fl, m.weight("mm_w", [24, 3])]), ["N", 3]


def sigmoid_fold(m):
    """Sigmoid into an unpadded 1x1 conv: a masked channel is 0.5, which
    the surgery folds into the next conv's bias."""
    sg = m.op("Sigmoid", "sg", [m.bn("b0", m.conv("c0", "x", 3, 6, k=3), 6)])
    hs = m.op("HardSigmoid", "hs", [m.bn("b1", m.conv("c1", sg, 6, 5, pad=0),
                                         5)])
    return m.conv("c2", hs, 5, 2, pad=0), ["N", 2, 4, 4]


def concat_const(m):
    """Concat of a conv's output and a constant [2,3,4,4] block (batch 2),
    then a 1x1 conv: constant channels are cut with the rest."""
    m.inputs[0] = helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                [2, 3, 4, 4])
    r0 = m.op("Relu", "r0", [m.bn("b0", m.conv("c0", "x", 3, 4), 4)])
    cat = m.op("Concat", "cat", [r0, m.weight("cat_k", [2, 3, 4, 4])], axis=1)
    return m.conv("c1", cat, 7, 2, pad=0), [2, 2, 4, 4]


def shared_pads(m):
    """Two channel Pads that share one pads constant: pruning the padded
    channels of one must not change the other's."""
    pads = m.const("pads", [0, 2, 0, 0, 0, 2, 0, 0])
    pa = m.op("Pad", "pa", [m.conv("ca", "x", 3, 4), pads])
    pb = m.op("Pad", "pb", [m.conv("cb", "x", 3, 4), pads])
    return m.op("Add", "add", [m.conv("da", pa, 8, 2),
                               m.conv("db", pb, 8, 2)]), ["N", 2, 4, 4]


EXTRA = {
    "shared_pads": (shared_pads, 4, 13),
    "concat_const": (concat_const, 4, 13),
    "sigmoid_fold": (sigmoid_fold, 4, 13),
    "grouped3": (grouped3, 4, 13),
    "convt": (convt, 4, 13),
    "opset10": (opset10, 4, 10),
    "even_split": (even_split, 4, 13),
    "resize": (resize, 4, 13),
    "elemwise": (elemwise, 4, 13),
    "gemm_scalar": (gemm_scalar, 4, 13),
    "fold_chain": (fold_chain, 4, 13),
}


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_models.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    todo = [(n, b, hw, 13) for n, (b, hw) in deps.MODELS.items()]
    todo += [(n, b, hw, op) for n, (b, hw, op) in EXTRA.items()]
    for name, build, hw, opset in todo:
        m = Model(name, hw=hw, opset=opset)
        _, shape = build(m)
        m.nodes[-1].output[0] = "y"
        m.save(sys.argv[1], "y", shape)


if __name__ == "__main__":
    main()
