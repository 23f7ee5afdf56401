#!/usr/bin/env python3
"""json_check.py - checks the JSON that `onnx-prune eval --json` wrote.

Usage: json_check.py FILE [KEY=VALUE[~TOL] ...]
Every key of the documented set must be there with the right type; each
KEY=VALUE must match (numbers within TOL, default exact; strings equal;
"null" for null).  Prints what is wrong and exits 1, else exits 0.
"""
import json
import sys

NUM = (int, float)
KEYS = {"model": str, "data": str, "images": int, "top1": NUM,
        "top5": NUM + (type(None),), "loss": NUM + (type(None),),
        "images_per_s": NUM, "batch": int, "threads": int, "mean": list,
        "std": list}


def main():
    with open(sys.argv[1]) as f:
        d = json.load(f)
    bad = []
    for k, t in KEYS.items():
        if k not in d:
            bad.append("missing key %s" % k)
        elif not isinstance(d[k], t) or isinstance(d[k], bool):
            bad.append("%s: %r has the wrong type" % (k, d[k]))
    for arg in sys.argv[2:]:
        k, v = arg.split("=", 1)
        tol = 0.0
        if "~" in v:
            v, t = v.split("~")
            tol = float(t)
        got = d.get(k)
        if v == "null":
            ok = got is None
        elif isinstance(got, NUM) and not isinstance(got, bool):
            ok = abs(got - float(v)) <= tol
        else:
            ok = str(got) == v
        if not ok:
            bad.append("%s = %r, want %s (tolerance %g)" % (k, got, v, tol))
    if d.get("images_per_s", 0) <= 0:
        bad.append("images_per_s %r is not > 0" % d.get("images_per_s"))
    for b in bad:
        print("FAIL:", b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
