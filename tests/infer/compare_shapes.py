#!/usr/bin/python3
"""compare_shapes.py - check onnx-prune's folded, shape-inferred graphs.

Usage: compare_shapes.py DUMP_SHAPES MODEL.onnx...

For each model, dump_shapes (tests/infer/dump_shapes.c) imports it with
onnx-prune, which folds constants and infers shapes, and prints every value
and node.  This script then checks:
  1. every value has a known dtype and shape, except for a symbolic batch
     dim at position 0;
  2. no constant-computing node is left (Shape, Gather, Unsqueeze, Squeeze,
     Constant, ConstantOfShape, Cast, Concat of constants, ...), and every
     Reshape/Pad/Slice/Expand input after the first is an initializer;
  3. every value that ONNX's own shape inference (onnx.shape_inference,
     data_prop on, run on the original model) types agrees in dtype and
     dims with ours;
  4. the constants we folded into Reshape/Pad/Slice/Expand inputs agree
     with a numpy evaluation of the original model's constant subgraphs,
     with the batch bound to 3 (a Reshape target is compared after
     resolving its 0 and -1 entries against the input shape);
  5. folding the folded graph again changes nothing.
Prints one summary line per model and exits 1 when any check fails.
Run with /usr/bin/python3 (Debian's, which has python3-onnx and numpy).
"""
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

BATCH = 3
CONST_OPS = {"Shape", "Gather", "Unsqueeze", "Squeeze", "Constant",
             "ConstantOfShape", "Cast", "Identity"}
NEEDS_CONST = {"Reshape": 1, "Pad": 1, "Slice": 1, "Expand": 1}


def dtype_name(elem):
    names = {1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16",
             6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16",
             11: "double", 12: "uint32", 13: "uint64", 16: "bfloat16"}
    return names.get(elem, "undefined")


def run_dump(tool, path):
    """Returns (values, nodes, idempotent) from dump_shapes --twice."""
    p = subprocess.run([tool, "--twice", path], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("dump_shapes failed: " + p.stderr.strip())
    values, nodes, idem = {}, [], None
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "value":
            dims = None if f[3] == "?" else [] if f[3] == "-" else f[3].split(",")
            data = [int(x) for x in f[5].split(",")] if len(f) > 5 and f[5] else None
            values[f[1]] = {"dtype": f[2], "dims": dims, "kind": f[4], "data": data}
        elif f[0] == "node":
            nodes.append({"op": f[1], "name": f[2], "kinds": f[3],
                          "inputs": f[4].split(",") if len(f) > 4 and f[4] else []})
        elif f[0] == "idempotent":
            idem = f[1] == "yes"
    return values, nodes, idem


def onnx_types(model):
    """name -> (dtype name, dims list of int/str/None) from ONNX inference."""
    m = shape_inference.infer_shapes(model, data_prop=True)
    out = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        t = vi.type.tensor_type
        if not t.HasField("shape"):
            out[vi.name] = (dtype_name(t.elem_type), None)
            continue
        dims = []
        for d in t.shape.dim:
            if d.HasField("dim_value"):
                dims.append(d.dim_value)
            elif d.HasField("dim_param") and not d.dim_param.startswith("unk__"):
                dims.append(d.dim_param)  # unk__N: a symbol ONNX made up
            else:
                dims.append(None)
        out[vi.name] = (dtype_name(t.elem_type), dims)
    for init in m.graph.initializer:
        out[init.name] = (dtype_name(init.data_type), list(init.dims))
    return out


def compare_value(name, ours, theirs):
    """Returns a mismatch description or None."""
    dt, dims = theirs
    if dt != "undefined" and ours["dtype"] != dt:
        return "%s: dtype %s, ONNX %s" % (name, ours["dtype"], dt)
    if dims is None:
        return None
    if ours["dims"] is None or len(ours["dims"]) != len(dims):
        return "%s: dims %s, ONNX %s" % (name, ours["dims"], dims)
    for a, b in zip(ours["dims"], dims):
        if b is None:
            continue
        if str(a) != str(b):
            return "%s: dims %s, ONNX %s" % (name, ours["dims"], dims)
    return None


def concrete(dims):
    return [BATCH if not str(d).isdigit() else int(d) for d in dims]


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def eval_node(n, env, shapes):
    """numpy value of node n's outputs when computable from env, else None."""
    a = attrs(n)
    ins = [env.get(i) if i else None for i in n.input]
    op = n.op_type
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])] if "value" in a else None
    if op == "Shape":
        if n.input[0] in shapes and shapes[n.input[0]] is not None:
            s = np.array(concrete(shapes[n.input[0]]), dtype=np.int64)
            return [s[a.get("start", 0):a.get("end", len(s))]]
        return None
    if any(x is None for x, name in zip(ins, n.input) if name):
        return None
    if op == "Gather":
        return [np.take(ins[0], ins[1], axis=a.get("axis", 0))]
    if op == "Unsqueeze":
        axes = a.get("axes", ins[1] if len(ins) > 1 else None)
        r = ins[0]
        for ax in sorted(int(x) % (r.ndim + len(axes)) for x in axes):
            r = np.expand_dims(r, ax)
        return [r]
    if op == "Squeeze":
        axes = a.get("axes", ins[1] if len(ins) > 1 else None)
        return [np.squeeze(ins[0], axis=tuple(int(x) for x in axes))]
    if op == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if op == "Cast":
        return [ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])]
    if op in ("Add", "Sub", "Mul"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply}[op]
        return [f(ins[0], ins[1]).astype(ins[0].dtype)]
    if op == "Div":
        if ins[0].dtype.kind in "iu":
            return [np.trunc(ins[0] / ins[1]).astype(ins[0].dtype)]
        return [(ins[0] / ins[1]).astype(ins[0].dtype)]
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return [np.full(tuple(ins[0]), v.reshape(-1)[0], dtype=v.dtype)]
    if op == "Reshape":
        return [ins[0].reshape(resolve(ins[0].shape, ins[1]))]
    if op == "Transpose":
        return [np.transpose(ins[0], a.get("perm"))]
    if op == "Slice":
        return [np_slice(ins[0], *ins[1:])]
    return None


def resolve(in_shape, target):
    """A Reshape target with 0 (copy) and -1 (infer) resolved."""
    t = [int(in_shape[i]) if int(d) == 0 else int(d) for i, d in enumerate(target)]
    if -1 in t:
        known = int(np.prod([d for d in t if d != -1]))
        t[t.index(-1)] = int(np.prod(in_shape)) // known if known else 0
    return t


def np_slice(x, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else list(axes)
    steps = [1] * len(starts) if steps is None else list(steps)
    sl = [slice(None)] * x.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        big = 2 ** 62
        sl[int(ax)] = slice(int(max(min(s, big), -big)), int(max(min(e, big), -big)), int(st))
    return x[tuple(sl)]


def check_constants(model, values, nodes):
    """Compares our folded constant inputs with a numpy evaluation."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    shapes = {k: v["dims"] for k, v in values.items()}
    for n in model.graph.node:
        try:
            r = eval_node(n, env, shapes)
        except Exception:  # an op we do not model: not constant
            r = None
        if r is not None:
            for name, val in zip(n.output, r):
                env[name] = val
    ours = {n["name"]: n for n in nodes}
    errors, checked = [], 0
    for n in model.graph.node:
        k = NEEDS_CONST.get(n.op_type)
        if k is None or n.name not in ours:
            continue
        mine = ours[n.name]
        for j in range(k, len(n.input)):
            if not n.input[j] or n.input[j] not in env or \
                    env[n.input[j]].dtype.kind not in "iu":
                continue
            want = env[n.input[j]].reshape(-1).tolist()
            got = values.get(mine["inputs"][j], {}).get("data")
            if n.op_type == "Reshape" and got is not None:
                xin = concrete(values[mine["inputs"][0]]["dims"])
                want, got = resolve(xin, want), resolve(xin, got)
            checked += 1
            if got != [int(x) for x in want]:
                errors.append("%s input %d: ours %s, numpy %s" %
                              (n.name, j, got, want))
    return errors, checked


def check_model(tool, path):
    model = onnx.load(path)
    values, nodes, idem = run_dump(tool, path)
    problems = []
    unknown = [n for n, v in values.items() if v["dtype"] == "undefined" or
               v["dims"] is None or
               any(not str(d).isdigit() for d in v["dims"][1:]) or
               (v["dims"] and v["dims"][0] == "?")]
    if unknown:
        problems.append("%d values with unknown dtype/shape, e.g. %s" %
                        (len(unknown), unknown[:3]))
    counts = {}
    for n in nodes:
        counts[n["op"]] = counts.get(n["op"], 0) + 1
        if n["op"] in CONST_OPS:
            problems.append("constant op left: %s %s" % (n["op"], n["name"]))
        if n["op"] in NEEDS_CONST and "v" in n["kinds"][1:]:
            problems.append("%s %s has a computed input (%s)" %
                            (n["op"], n["name"], n["kinds"]))
    theirs = onnx_types(model)
    both = [k for k in values if k in theirs]
    mism = [m for m in (compare_value(k, values[k], theirs[k]) for k in both) if m]
    problems += mism
    cerr, checked = check_constants(model, values, nodes)
    problems += cerr
    if not idem:
        problems.append("folding again changed the graph")
    print("%s: %d values, %d unknown, %d compared with ONNX, %d mismatches, "
          "%d folded constants checked, idempotent %s; nodes %s" %
          (path.split("/")[-1], len(values), len(unknown), len(both), len(mism),
           checked, "yes" if idem else "no",
           " ".join("%s=%d" % kv for kv in sorted(counts.items()))))
    for p in problems[:20]:
        print("  " + p)
    return not problems


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 1
    ok = True
    for path in sys.argv[2:]:
        try:
            ok &= check_model(sys.argv[1], path)
        except RuntimeError as e:
            print("%s: %s" % (path, e))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
