#!/usr/bin/python3
"""make_bad_models.py - writes the inputs of the bad-input suite.

Usage: /usr/bin/python3 make_bad_models.py OUTDIR

Needs Debian's python3-onnx (the pyenv python3 on PATH has no onnx). It
builds one tiny valid model with onnx.helper (x[1,1,8,8] -> Conv 'conv0'
-> Relu 'relu0' -> y) and then breaks a copy of it per case. onnx.helper
validates what it builds, so most cases edit the protobuf objects directly
and serialise them with SerializeToString().

For each case it writes OUTDIR/<case>.onnx (or a directory, or nothing for
the missing file) and OUTDIR/<case>.expect: one line per thing the error
message must contain; "a|b" means either a or b. run_case.sh reads them.
Everything is deterministic, so the files are the same on every run.
"""
import os
import random
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def base_model():
    """The valid model every case starts from."""
    w = helper.make_tensor(
        "w0", TensorProto.FLOAT, [4, 1, 3, 3],
        np.linspace(-1, 1, 36, dtype=np.float32))
    b = helper.make_tensor("b0", TensorProto.FLOAT, [4], [0.1, 0.2, 0.3, 0.4])
    conv = helper.make_node("Conv", ["x", "w0", "b0"], ["c0"], name="conv0",
                            kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                            strides=[1, 1], group=1)
    relu = helper.make_node("Relu", ["c0"], ["y"], name="relu0")
    graph = helper.make_graph(
        [conv, relu], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        initializer=[w, b])
    model = helper.make_model(graph, producer_name="make_bad_models",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def copy(model):
    m = onnx.ModelProto()
    m.CopyFrom(model)
    return m


def node(m, name):
    return next(n for n in m.graph.node if n.name == name)


def attr(n, name):
    return next(a for a in n.attribute if a.name == name)


def raw_tensor(name, dims, nbytes):
    """A float initializer whose raw_data holds nbytes bytes, unchecked."""
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.raw_data = bytes(nbytes)
    return t


def case_dangling_input(m):
    node(m, "conv0").input[0] = "no_such_value"
    return ["conv0", "Conv"]


def case_cycle(m):
    # conv0 -> add0(c0, r1) -> relu_a -> relu_b -> back into add0.
    del m.graph.node[1:]
    m.graph.node.extend([
        helper.make_node("Add", ["c0", "r1"], ["a0"], name="add0"),
        helper.make_node("Relu", ["a0"], ["r0"], name="relu_a"),
        helper.make_node("Relu", ["r0"], ["r1"], name="relu_b"),
        helper.make_node("Identity", ["r1"], ["y"], name="out0"),
    ])
    return ["cycl", "add0|relu_a|relu_b|out0"]


def case_unknown_opset(m):
    m.opset_import[0].version = 999
    return ["999"]


def case_unknown_domain(m):
    node(m, "conv0").domain = "com.example.nowhere"
    return ["conv0", "com.example.nowhere"]


def case_conv_strides0(m):
    a = attr(node(m, "conv0"), "strides")
    del a.ints[:]
    a.ints.extend([0, 0])
    return ["conv0", "Conv", "strides"]


def case_conv_group0(m):
    attr(node(m, "conv0"), "group").i = 0
    return ["conv0", "Conv", "group"]


def case_init_size_mismatch(m):
    t = m.graph.initializer[0]
    t.ClearField("float_data")
    t.raw_data = bytes(12)  # 3 floats where [4,1,3,3] needs 36
    return ["w0"]


def case_rank10(m):
    m.graph.initializer.append(raw_tensor("big", [1] * 10, 4))
    n = node(m, "relu0")
    n.output[0] = "r0"
    m.graph.node.append(helper.make_node("Add", ["r0", "big"], ["y"],
                                         name="add0"))
    m.graph.output[0].type.tensor_type.ClearField("shape")
    return ["big|add0", "rank|10"]


def case_dims_overflow(m):
    m.graph.initializer.append(raw_tensor("huge", [1 << 32, 1 << 32], 4))
    n = node(m, "relu0")
    n.output[0] = "r0"
    m.graph.node.append(helper.make_node("Add", ["r0", "huge"], ["y"],
                                         name="add0"))
    m.graph.output[0].type.tensor_type.ClearField("shape")
    return ["huge"]


def case_input_dims_overflow(m):
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_value = 1 << 40
    dims[3].dim_value = 1 << 40
    m.graph.output[0].type.tensor_type.ClearField("shape")
    return ["overflow", "conv0|x"]


MODEL_CASES = {
    "dangling_input": case_dangling_input,
    "cycle": case_cycle,
    "unknown_opset": case_unknown_opset,
    "unknown_domain": case_unknown_domain,
    "conv_strides0": case_conv_strides0,
    "conv_group0": case_conv_group0,
    "init_size_mismatch": case_init_size_mismatch,
    "rank10": case_rank10,
    "dims_overflow": case_dims_overflow,
    "input_dims_overflow": case_input_dims_overflow,
}


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def write_expect(out, case, lines):
    with open(os.path.join(out, case + ".expect"), "w") as f:
        for line in lines:
            f.write(line + "\n")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_bad_models.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    good = base_model().SerializeToString()
    write(os.path.join(out, "good.onnx"), good)

    write(os.path.join(out, "empty.onnx"), b"")
    rng = random.Random(20240229)
    write(os.path.join(out, "random_bytes.onnx"),
          bytes(rng.randrange(256) for _ in range(4096)))
    write(os.path.join(out, "truncated.onnx"), good[:len(good) * 2 // 3])
    d = os.path.join(out, "directory.onnx")
    os.makedirs(d, exist_ok=True)
    missing = os.path.join(out, "missing.onnx")
    if os.path.exists(missing):
        os.remove(missing)
    # The output cases get a valid model of their own to protect.
    write(os.path.join(out, "same_path.onnx"), good)
    write(os.path.join(out, "unwritable_dir.onnx"), good)
    write(os.path.join(out, "not_a_directory"), b"a plain file\n")
    for case in ("empty", "random_bytes", "truncated", "directory",
                 "missing", "same_path", "unwritable_dir"):
        write_expect(out, case, [])

    for case, fn in MODEL_CASES.items():
        m = copy(base_model())
        expect = fn(m)
        write(os.path.join(out, case + ".onnx"), m.SerializeToString())
        write_expect(out, case, expect)
    return 0


if __name__ == "__main__":
    sys.exit(main())
