#!/usr/bin/python3
"""torch_ref.py - the optimizer and the schedules of src/train/ against
PyTorch (Debian's python3-torch).

Usage: torch_ref.py TP_DUMP

Runs `TP_DUMP sgd` and `TP_DUMP sched` (tp_dump.c), replays every case
with torch.optim.SGD and torch.optim.lr_scheduler, and compares:
  - SGD: parameters and momentum buffers after every step, in float32, to
    2e-6 relative (PyTorch fuses some multiply-adds, so the last bit may
    differ); the L1 term through autograd of l1 * |p|.sum(); masks as
    p.mul_(keep), buf.mul_(keep) when set and, for hard masks, after every
    step; decoupled decay as p.mul_(1 - lr * wd) before the step;
  - schedules: the rate of every step to 1e-12 relative, PyTorch's
    scheduler stepped once per unit (per step, or per epoch when the case
    has steps_per_epoch).
Prints the largest differences; exits 1 on a mismatch, 77 without torch.
"""
import json
import subprocess
import sys
import warnings

try:
    import torch
except ImportError:
    print("SKIP: python3-torch not installed")
    sys.exit(77)

SGD_RTOL = 2e-6
SCHED_RTOL = 1e-12
fails = 0


def close(got, want, rtol):
    """Largest |got - want| / max(1, |want|) over two float lists."""
    return max((abs(g - w) / max(1.0, abs(w)) for g, w in zip(got, want)),
               default=0.0)


def sgd_case(c):
    """Replays one SGD case; returns the largest relative difference."""
    global fails
    o = c["opts"]
    dec = o["decoupled"] == 1
    ps = [torch.tensor(t["p0"], dtype=torch.float32, requires_grad=True)
          for t in c["tensors"]]
    groups = []
    for p, t in zip(ps, c["tensors"]):
        wd = 0.0 if t["no_decay"] else o["weight_decay"]
        groups.append({"params": [p], "weight_decay": 0.0 if dec else wd,
                       "wd": wd})
    opt = torch.optim.SGD(groups, lr=0.1, momentum=o["momentum"],
                          dampening=o["dampening"],
                          nesterov=bool(o["nesterov"]))
    hard = {}
    worst = 0.0
    for k, st in enumerate(c["steps"]):
        with torch.no_grad():
            for m in st.get("masks", []):
                keep = torch.tensor(m["keep"], dtype=torch.float32)
                p = ps[m["tensor"]]
                p.mul_(keep)
                buf = opt.state[p].get("momentum_buffer")
                if buf is not None:
                    buf.mul_(keep)
                hard.pop(m["tensor"], None)
                if m["mode"] == "hard":
                    hard[m["tensor"]] = keep
        opt.zero_grad(set_to_none=True)
        loss = 0
        for p, g, t in zip(ps, st["grads"], c["tensors"]):
            loss = loss + (p * torch.tensor(g, dtype=torch.float32)).sum()
            if t["l1"]:
                loss = loss + t["l1"] * p.abs().sum()
        loss.backward()
        for gr in opt.param_groups:
            gr["lr"] = st["lr"]
        with torch.no_grad():
            if dec:
                for gr in opt.param_groups:
                    for p in gr["params"]:
                        p.mul_(1 - st["lr"] * gr["wd"])
            opt.step()
            for i, keep in hard.items():
                ps[i].mul_(keep)
                buf = opt.state[ps[i]].get("momentum_buffer")
                if buf is not None:
                    buf.mul_(keep)
        for i, p in enumerate(ps):
            buf = opt.state[p].get("momentum_buffer")
            d = close(st["params"][i], p.tolist(), SGD_RTOL)
            if buf is not None:
                d = max(d, close(st["bufs"][i], buf.tolist(), SGD_RTOL))
            if d > SGD_RTOL:
                fails += 1
                print(f"FAIL sgd {c['name']} step {k} tensor {i}: "
                      f"difference {d:.3g}")
            worst = max(worst, d)
    return worst


def torch_sched(c, opt):
    """The PyTorch scheduler that case c names."""
    lr = torch.optim.lr_scheduler
    w, ms = c["warmup"], c["milestones"]
    if c["torch"] == "const":
        return None
    if c["torch"] == "cosine":
        return lr.CosineAnnealingLR(opt, T_max=c["total"], eta_min=c["min"])
    if c["torch"] == "step":
        return lr.MultiStepLR(opt, milestones=ms, gamma=c["gamma"])
    warm = lr.LinearLR(opt, start_factor=c["warmup_start"], end_factor=1.0,
                       total_iters=w)
    if c["torch"] == "warmup_cosine":
        main = lr.CosineAnnealingLR(opt, T_max=c["total"] - w,
                                    eta_min=c["min"])
    else:
        main = lr.MultiStepLR(opt, milestones=[m - w for m in ms],
                              gamma=c["gamma"])
    return lr.SequentialLR(opt, [warm, main], milestones=[w])


def sched_case(c):
    """Compares one schedule; returns the largest relative difference."""
    global fails
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=c["base"])
    sch = torch_sched(c, opt)
    spe = c["steps_per_epoch"]
    units = (len(c["lr"]) - 1) // spe + 1 if spe else len(c["lr"])
    want = []
    for _ in range(units):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        if sch:
            sch.step()
    got = c["lr"]
    if spe:
        want = [want[k // spe] for k in range(len(got))]
    d = close(got, want, SCHED_RTOL)
    if d > SCHED_RTOL:
        fails += 1
        k = max(range(len(got)), key=lambda i: abs(got[i] - want[i]))
        print(f"FAIL sched {c['name']}: difference {d:.3g} at step {k}: "
              f"{got[k]!r} vs torch {want[k]!r}")
    return d


def main():
    dump = sys.argv[1]
    warnings.simplefilter("ignore")
    print(f"torch {torch.__version__}")
    for c in json.loads(subprocess.check_output([dump, "sgd"])):
        d = sgd_case(c)
        print(f"sgd {c['name']}: {len(c['steps'])} steps, largest relative "
              f"difference {d:.3g}")
    for c in json.loads(subprocess.check_output([dump, "sched"])):
        d = sched_case(c)
        print(f"sched {c['name']}: {len(c['lr'])} steps, largest relative "
              f"difference {d:.3g}")
    print("torch_ref:", "FAILED" if fails else "ok")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
