#!/usr/bin/python3
"""check_prune.py - every criterion pass on one model, through the CLI.

Usage: /usr/bin/python3 check_prune.py ONNX_PRUNE MODEL.onnx

For each of l1, l2, bn_scale, fpgm, random:
  --target-flops 0.5: the report's macs_after / macs_before is in
      [0.495, 0.5], and `onnx-prune info --json` of the output (an
      independent re-import and count) gives the same MACs and params;
  --ratio 0.3 --round-to 8: every pruned group of 8 channels or more keeps
      a multiple of 8, smaller ones keep n - round(0.3 n) (at least one);
  the report's groups are consistent (kept indices sorted, in range,
      frozen groups whole), every output passes onnx.checker.
Also: --ratio 0 writes the same bytes as no pass at all, random is
deterministic for a seed, and --exclude leaves the named node's group
whole.  Prints one line per run (MACs kept, seconds of the pass).
"""
import json
import os
import subprocess
import sys
import tempfile

import onnx

CRITERIA = ["l1", "l2", "bn_scale", "fpgm", "random"]
failures = []


def fail(msg):
    print("FAIL: " + msg)
    failures.append(msg)


def run(args):
    """Runs onnx-prune; returns stdout, or None (a failure) on error."""
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0 or p.stderr:
        fail("%s: exit %d, stderr %s" % (" ".join(args), p.returncode,
                                          p.stderr.strip()))
        return None
    return p.stdout


def info(binary, path):
    out = run([binary, "info", "--json", path])
    return json.loads(out) if out is not None else None


def check_groups(tag, rep):
    """Consistency of the per-group entries of one pass report."""
    for gr in rep["groups"]:
        kept, idx, n = gr["kept"], gr["kept_indices"], gr["channels"]
        if len(idx) != kept or idx != sorted(set(idx)) or not 1 <= kept <= n:
            fail("%s: group %d: kept %d of %d, indices %s" %
                 (tag, gr["id"], kept, n, idx[:10]))
        if gr["status"] in ("frozen", "excluded", "kept") and kept != n:
            fail("%s: %s group %d lost channels" % (tag, gr["status"], gr["id"]))


def prune(binary, model, out, extra, tag):
    """Runs one pass; returns the report, or None."""
    rep_path = out + ".json"
    if run([binary, model, out, "--report", rep_path] + extra) is None:
        return None
    with open(rep_path) as f:
        rep = json.load(f)
    try:
        onnx.checker.check_model(onnx.load(out), full_check=True)
    except Exception as e:  # noqa: BLE001 - any checker error fails
        fail("%s: onnx.checker: %s" % (tag, e))
    return rep


def target_run(binary, model, tmp, crit, base):
    tag = "%s %s --target-flops 0.5" % (os.path.basename(model), crit)
    out = os.path.join(tmp, crit + "_t.onnx")
    rep = prune(binary, model, out, ["--passes", crit, "--target-flops", "0.5"],
                tag)
    if rep is None:
        return
    kept = rep["macs_after"] / rep["macs_before"]
    pr = rep["pass_reports"][0]
    print("%-60s macs kept %.4f  params kept %.4f  %.3f s" %
          (tag, kept, rep["params_after"] / rep["params_before"],
           pr["seconds"]))
    if rep["macs_before"] != base["macs"]:
        fail("%s: macs_before %d, info says %d" % (tag, rep["macs_before"],
                                                   base["macs"]))
    if not 0.495 <= kept <= 0.5:
        fail("%s: macs kept %.5f outside [0.495, 0.5]" % (tag, kept))
    if pr["pass"] != crit or pr["within_tolerance"] is not True:
        fail("%s: pass report %s" % (tag, {k: pr[k] for k in pr
                                            if k != "groups"}))
    got = info(binary, out)
    if got is None:
        return
    if got["macs"] != rep["macs_after"] or got["params"] != rep["params_after"]:
        fail("%s: info of the output says %d MACs %d params, the report %d %d"
             % (tag, got["macs"], got["params"], rep["macs_after"],
                rep["params_after"]))
    if not 0.495 <= got["macs"] / base["macs"] <= 0.5:
        fail("%s: info's MACs ratio %.5f" % (tag, got["macs"] / base["macs"]))
    check_groups(tag, pr)


def ratio_run(binary, model, tmp, crit):
    tag = "%s %s --ratio 0.3 --round-to 8" % (os.path.basename(model), crit)
    out = os.path.join(tmp, crit + "_r.onnx")
    rep = prune(binary, model, out, ["--passes", crit, "--ratio", "0.3",
                                     "--round-to", "8"], tag)
    if rep is None or info(binary, out) is None:
        return
    pr = rep["pass_reports"][0]
    print("%-60s macs kept %.4f  %d groups pruned  %.3f s" %
          (tag, rep["macs_after"] / rep["macs_before"], pr["groups_pruned"],
           pr["seconds"]))
    check_groups(tag, pr)
    for gr in pr["groups"]:
        n, kept = gr["channels"], gr["kept"]
        if gr["status"] not in ("pruned", "kept"):
            continue
        if n >= 8 and kept % 8 and kept != n:
            fail("%s: group %d keeps %d of %d, not a multiple of 8" %
                 (tag, gr["id"], kept, n))
        want = max(1, n - int(0.3 * n + 0.5))
        if n < 8 and kept != want and gr["status"] == "pruned":
            fail("%s: group %d of %d keeps %d, want %d" %
                 (tag, gr["id"], n, kept, want))
        if n >= 8 and kept < max(1, n - int(0.3 * n + 0.5)):
            fail("%s: group %d keeps %d of %d: more than 0.3 removed" %
                 (tag, gr["id"], kept, n))


def extras(binary, model, tmp):
    """--ratio 0 is the identity, random is seeded, --exclude holds."""
    name = os.path.basename(model)
    a, b = os.path.join(tmp, "none.onnx"), os.path.join(tmp, "r0.onnx")
    if run([binary, model, a]) is not None and \
            run([binary, model, b, "--passes", "l1", "--ratio", "0"]) is not None:
        if open(a, "rb").read() != open(b, "rb").read():
            fail("%s: --ratio 0 changed the model" % name)
    outs = []
    for i, seed in enumerate(["5", "5", "6"]):
        o = os.path.join(tmp, "seed%d.onnx" % i)
        run([binary, model, o, "--passes", "random", "--ratio", "0.3",
             "--seed", seed])
        outs.append(open(o, "rb").read() if os.path.exists(o) else b"")
    if outs[0] != outs[1] or outs[0] == outs[2]:
        fail("%s: random is not a function of --seed" % name)
    rep = prune(binary, model, os.path.join(tmp, "ex0.onnx"),
                ["--passes", "l1", "--ratio", "0.3"], name + " exclude")
    if rep is None:
        return
    pruned = [g for g in rep["pass_reports"][0]["groups"]
              if g["status"] == "pruned"]
    if not pruned:
        fail("%s: --ratio 0.3 pruned no group" % name)
        return
    node = pruned[0]["node"]
    rep = prune(binary, model, os.path.join(tmp, "ex1.onnx"),
                ["--passes", "l1", "--ratio", "0.3", "--exclude", node],
                name + " exclude")
    if rep is None:
        return
    g = rep["pass_reports"][0]["groups"][pruned[0]["id"]]
    if g["status"] != "excluded" or g["kept"] != g["channels"]:
        fail("%s: --exclude %s: group %s" % (name, node, g))


def main():
    binary, model = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        base = info(binary, model)
        if base is None:
            return 1
        for crit in CRITERIA:
            target_run(binary, model, tmp, crit, base)
            ratio_run(binary, model, tmp, crit)
        extras(binary, model, tmp)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
