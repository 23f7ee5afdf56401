#!/usr/bin/python3
"""check_counts.py - onnx-prune's params and MACs against an independent count.

Usage: /usr/bin/python3 check_counts.py ONNX_PRUNE MODEL.onnx...

For each model it runs `onnx-prune info --json` and counts the same things
itself from the ONNX file, with the rules of src/ir/stats.c:
  params: elements of the floating-point initializers read by Conv,
          ConvTranspose, Gemm, MatMul, BatchNormalization and PRelu, each
          initializer once;
  MACs:   batch 1; Conv = per-sample outputs * prod(W.shape[1:]);
          ConvTranspose = per-sample inputs * prod(W.shape[1:]);
          Gemm / MatMul = per-sample outputs * K.
Shapes come from onnx.shape_inference. That alone stops at the shapes that
the exporter computes with Shape/Gather/Concat/... chains, so the script
pins the batch to 1 and folds those constant chains with numpy first (its
own small evaluator, written separately from onnx-prune's folding).
Needs Debian's python3-onnx and python3-numpy.
"""
import json
import subprocess
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

FLOAT_TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16,
               onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16}
COMPUTE = {"Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization",
           "PRelu"}


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def slice_np(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else list(steps)
    idx = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        idx[int(a)] = slice(int(s), int(e), int(st))
    return x[tuple(idx)]


def evaluate(node, ins, shapes):
    """Output arrays of node from its constant inputs, or None."""
    op, a = node.op_type, attrs(node)
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])]
    if op == "Shape":
        shp = shapes.get(node.input[0])
        if shp is None or any(d is None for d in shp):
            return None
        return [np.array(shp, dtype=np.int64)]
    if any(x is None for x in ins):
        return None
    binop = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}
    if op in binop:
        return [binop[op](ins[0], ins[1]).astype(ins[0].dtype)]
    if op == "Div":
        if ins[0].dtype.kind in "iu":
            return [np.trunc(ins[0] / ins[1]).astype(ins[0].dtype)]
        return [(ins[0] / ins[1]).astype(ins[0].dtype)]
    if op == "Gather":
        return [np.take(ins[0], ins[1], axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        out = ins[0]
        axes = sorted(int(v) % (out.ndim + len(ins[1])) for v in ins[1])
        for ax in axes:
            out = np.expand_dims(out, ax)
        return [out]
    if op == "Squeeze":
        axes = tuple(int(v) for v in ins[1]) if len(ins) > 1 else None
        return [np.squeeze(ins[0], axis=axes)]
    if op == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if op == "Cast":
        return [ins[0].astype(helper.tensor_dtype_to_np_dtype(a["to"]))
                if hasattr(helper, "tensor_dtype_to_np_dtype") else
                ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])]
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else \
            np.zeros(1, np.float32)
        return [np.full(tuple(int(d) for d in ins[0]), v.reshape(-1)[0],
                        dtype=v.dtype)]
    if op == "Reshape":
        shape = [int(d) for d in ins[1]]
        shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return [ins[0].reshape(shape)]
    if op == "Transpose":
        return [np.transpose(ins[0], a.get("perm"))]
    if op == "Slice":
        return [slice_np(ins[0], *ins[1:])]
    if op == "Identity":
        return [ins[0]]
    return None


def infer(model):
    """Name -> shape (list with None for unknown dims) after shape inference."""
    m = shape_inference.infer_shapes(model, data_prop=True)
    shapes = {}
    vis = list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)
    for v in vis:
        t = v.type.tensor_type
        if t.HasField("shape"):
            shapes[v.name] = [d.dim_value if d.HasField("dim_value") else None
                              for d in t.shape.dim]
    for t in m.graph.initializer:
        shapes[t.name] = list(t.dims)
    return shapes


def fold(model):
    """Replaces constant-computable nodes by initializers until none is left."""
    while True:
        shapes = infer(model)
        consts = {t.name: numpy_helper.to_array(t)
                  for t in model.graph.initializer}
        keep, folded = [], 0
        for n in model.graph.node:
            ins = [consts.get(i) for i in n.input if i]
            outs = evaluate(n, ins, shapes)
            if outs is None:
                keep.append(n)
                continue
            folded += 1
            for name, arr in zip(n.output, outs):
                arr = np.asarray(arr)
                consts[name] = arr
                model.graph.initializer.append(numpy_helper.from_array(arr, name))
        del model.graph.node[:]
        model.graph.node.extend(keep)
        if not folded:
            return model, shapes


def prod(dims):
    p = 1
    for d in dims:
        if d is None:
            return None
        p *= d
    return p


def per_sample(shape):
    if shape is None:
        return None
    return prod(shape[1:] if len(shape) >= 2 else shape)


def count(path):
    model = onnx.load(path)
    del model.graph.value_info[:]
    for i in model.graph.input:
        dims = i.type.tensor_type.shape.dim
        if len(dims) and not dims[0].HasField("dim_value"):
            dims[0].dim_value = 1
    model, shapes = fold(model)
    inits = {t.name: t for t in model.graph.initializer}
    seen, params, macs, layers = set(), 0, 0, {}
    for n in model.graph.node:
        p = 0
        if n.op_type in COMPUTE:
            for i in n.input:
                t = inits.get(i)
                if t is not None and i not in seen and t.data_type in FLOAT_TYPES:
                    seen.add(i)
                    p += prod(t.dims)
        m = 0
        if n.op_type == "Conv":
            m = per_sample(shapes.get(n.output[0])) * prod(shapes[n.input[1]][1:])
        elif n.op_type == "ConvTranspose":
            m = per_sample(shapes.get(n.input[0])) * prod(shapes[n.input[1]][1:])
        elif n.op_type == "Gemm":
            b = shapes[n.input[1]]
            k = b[1] if attrs(n).get("transB", 0) else b[0]
            m = per_sample(shapes.get(n.output[0])) * k
        elif n.op_type == "MatMul":
            b = shapes[n.input[1]]
            k = b[-2] if len(b) >= 2 else b[0]
            m = per_sample(shapes.get(n.output[0])) * k
        params += p
        macs += m
        layers[n.name] = (p, m)
    return params, macs, layers


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: check_counts.py ONNX_PRUNE MODEL.onnx...")
    bad = 0
    for path in sys.argv[2:]:
        res = subprocess.run([sys.argv[1], "info", "--json", path],
                             capture_output=True, text=True)
        if res.returncode != 0:
            print("FAIL %s: onnx-prune info exit %d: %s"
                  % (path, res.returncode, res.stderr.strip()))
            bad += 1
            continue
        d = json.loads(res.stdout)
        params, macs, layers = count(path)
        ok = d["params"] == params and d["macs"] == macs and \
            d.get("unknown_macs", 0) == 0
        shown = 0
        for l in d["layers"]:
            want = layers.get(l["name"])
            if l["name"] and want is not None and \
                    (l["params"], l["macs"] or 0) != want:
                ok = False
                shown += 1
                if shown > 5:
                    continue
                print("  %s: layer %s (%s): onnx-prune %d params %s MACs, "
                      "python %d params %d MACs" % (path, l["name"], l["op"],
                      l["params"], l["macs"], want[0], want[1]))
        if shown > 5:
            print("  %s: %d more layers differ" % (path, shown - 5))
        print("%s %s: onnx-prune %d params %d MACs (%d unknown), python %d "
              "params %d MACs" % ("ok  " if ok else "FAIL", path, d["params"],
              d["macs"], d.get("unknown_macs", 0), params, macs))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
