#!/usr/bin/env python3
"""check_pipe.py MODE ... - the Python side of pipeline.sh:

  report BIN MODEL OUT REPORT NOFT_REPORT TESTSPEC
      the report of a run with --finetune-epochs has every key with
      consistent values: params >= non-zero params (model and passes), the
      passes' MACs chain from before to after, file sizes, the fine-tuning
      summary, the recipe, accuracies equal to what `onnx-prune eval` says on IN and
      OUT, and top-1 after fine-tuning >= top-1 of the run without it
  zeros PLAIN TUNED
      every FC weight zero in PLAIN (fc3sigma, no fine-tuning) is still
      zero in TUNED (fine-tuned), and the other weights did train
  refused REPORT
      the report of a run the gate refused
"""
import json
import os
import subprocess
import sys

KEYS = ["input", "output", "passes", "before", "after", "params_kept",
        "macs_kept", "params_before", "params_after", "nonzero_params_before",
        "nonzero_params_after", "macs_before", "macs_after", "input_bytes",
        "output_bytes", "output_data_bytes", "eval_data", "eval_images",
        "accuracy_before", "accuracy_pruned", "accuracy_after", "loss_before",
        "loss_pruned", "loss_after", "accuracy_drop", "max_acc_drop", "gate",
        "recipe", "pass_training", "finetune", "pass_reports"]
FT_KEYS = ["epochs", "epochs_done", "steps", "seconds", "images_per_s",
           "first_loss", "last_loss", "train_images", "val_images",
           "bn_recal_batches", "accuracy_recal", "fixed_masks", "distill",
           "interrupted", "epoch_log"]
PASS_KEYS = ["pass", "macs_before", "macs_after", "params_before",
             "params_after", "nonzero_params_after", "groups_pruned",
             "seconds", "groups", "values"]


def load(path):
    with open(path) as f:
        return json.load(f)


def close(a, b, rel=1e-4):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def evaluate(binary, model, spec, *extra):
    out = subprocess.run([binary, "eval", model, "--data", spec, "--json", "-",
                          "--threads", "2"] + list(extra), check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def check_counts(r):
    for k in KEYS:
        assert k in r, "report lacks " + k
    assert r["params_after"] >= r["nonzero_params_after"] > 0, r
    assert r["params_before"] >= r["nonzero_params_before"] > 0, r
    assert r["after"]["nonzero_params"] == r["nonzero_params_after"], r
    assert r["before"]["params"] == r["params_before"], r
    macs = r["macs_before"]
    for p in r["pass_reports"]:
        for k in PASS_KEYS:
            assert k in p, "pass entry lacks " + k
        assert p["params_after"] >= p["nonzero_params_after"] > 0, p["pass"]
        assert p["macs_before"] == macs, (p["pass"], p["macs_before"], macs)
        macs = p["macs_after"]
    assert macs == r["macs_after"], (macs, r["macs_after"])
    assert r["pass_reports"][-1]["params_after"] == r["params_after"]
    assert [p["pass"] for p in r["pass_reports"]] == r["passes"], r["passes"]


def report(binary, model, out, path, noft_path, spec):
    r, n = load(path), load(noft_path)
    check_counts(r)
    check_counts(n)
    assert r["input_bytes"] == os.path.getsize(model), r["input_bytes"]
    assert r["output_bytes"] == os.path.getsize(out), r["output_bytes"]
    assert r["output_data_bytes"] is None
    assert r["gate"] is None and r["max_acc_drop"] is None
    # the recipe: what pipeline.sh gave, the defaults for the rest
    assert n["recipe"] is None, n["recipe"]
    want = {"seed": 0, "lr": 0.01, "batch": 64, "weight_decay": 5e-4,
            "momentum": 0.9, "nesterov": True, "crop_pad": 4, "flip": True,
            "label_smoothing": 0.05, "distill": False, "temperature": 4,
            "alpha": 0.9, "ema": 0}
    assert r["recipe"] == want, r["recipe"]
    ft = r["finetune"]
    assert ft is not None and n["finetune"] is None
    for k in FT_KEYS:
        assert k in ft, "finetune lacks " + k
    assert ft["epochs"] == ft["epochs_done"] == 1, ft
    assert ft["train_images"] == 1000 and ft["steps"] in (15, 16), ft
    assert ft["seconds"] > 0 and ft["images_per_s"] > 0, ft
    assert ft["fixed_masks"] >= 1, ft
    assert len(ft["epoch_log"]) == 1, ft["epoch_log"]
    assert close(ft["epoch_log"][0]["test_accuracy"], r["accuracy_after"])
    # the scores are what `onnx-prune eval` says
    e_in = evaluate(binary, model, spec, "--mean", "0.2860", "--std", "0.3530")
    e_out = evaluate(binary, out, spec)
    assert r["eval_images"] == e_out["images"] == 1000, r["eval_images"]
    assert close(r["accuracy_before"], e_in["top1"]), (r, e_in)
    assert close(r["loss_before"], e_in["loss"]), (r, e_in)
    assert close(r["accuracy_after"], e_out["top1"]), (r, e_out)
    assert close(r["loss_after"], e_out["loss"]), (r, e_out)
    assert close(r["accuracy_drop"],
                 r["accuracy_before"] - r["accuracy_after"])
    # fine-tuning starts from the model the run without it wrote
    assert close(r["accuracy_pruned"], n["accuracy_after"]), (r, n)
    assert n["accuracy_pruned"] is None
    assert r["accuracy_after"] >= n["accuracy_after"], \
        "fine-tuning lowered top-1: %s -> %s" % (n["accuracy_after"],
                                               r["accuracy_after"])
    print("top-1: original %.2f, pruned %.2f, fine-tuned %.2f" %
          (r["accuracy_before"], n["accuracy_after"], r["accuracy_after"]))


def fc_weights(path):
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    return {n.input[1]: inits[n.input[1]] for n in m.graph.node
            if n.op_type in ("Gemm", "MatMul") and n.input[1] in inits}


def zeros(plain, tuned):
    a, b = fc_weights(plain), fc_weights(tuned)
    assert a and a.keys() == b.keys(), (a.keys(), b.keys())
    nz = 0
    for name in a:
        assert a[name].shape == b[name].shape, name
        za = a[name] == 0
        nz += int(za.sum())
        assert not (b[name][za] != 0).any(), \
            "%s: %d masked weights came back" % (name, (b[name][za] != 0).sum())
        assert (b[name][~za] != a[name][~za]).any(), name + " did not train"
    assert nz > 0, "fc3sigma zeroed nothing"
    print("%d zeroed FC weights stayed zero" % nz)


def refused(path):
    r = load(path)
    check_counts(r)
    assert r["gate"] == "refused", r["gate"]
    assert r["output_bytes"] is None, r["output_bytes"]
    assert r["max_acc_drop"] == 0, r["max_acc_drop"]
    assert r["accuracy_drop"] > 0, r
    assert close(r["accuracy_drop"],
                 r["accuracy_before"] - r["accuracy_after"])


if __name__ == "__main__":
    mode = sys.argv[1]
    {"report": report, "zeros": zeros, "refused": refused}[mode](*sys.argv[2:])
