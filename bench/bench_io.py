"""bench_io.py - the Python side of bench/import_export.sh.

    /usr/bin/python3 bench/bench_io.py MODEL [N [OUT]]

Runs N times (default 10): onnx.load(MODEL), model.SerializeToString() and,
when OUT is given, onnx.save(model, OUT).  Prints the same key=value line as
bench_io.c: medians and minima in milliseconds, the first load alone, minor
page faults per round, the serialised size, and peak RSS (getrusage) after
`import onnx` and at the end.  Needs the onnx
module (Debian python3-onnx), hence /usr/bin/python3.
"""
import resource
import statistics
import sys
import time

import onnx


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def main():
    if not 2 <= len(sys.argv) <= 4:
        sys.exit("usage: bench_io.py MODEL [N [OUT]]")
    model = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    out = sys.argv[3] if len(sys.argv) > 3 else None
    rss0 = peak_rss_kb()
    flt0 = minor_faults()
    t_imp, t_exp, t_save = [], [], []
    size = 0
    for _ in range(n):
        t0 = time.perf_counter()
        m = onnx.load(model)
        t_imp.append((time.perf_counter() - t0) * 1e3)
        t0 = time.perf_counter()
        b = m.SerializeToString()
        t_exp.append((time.perf_counter() - t0) * 1e3)
        size = len(b)
        del b
        t_save.append(0.0)
        if out:
            t0 = time.perf_counter()
            onnx.save(m, out)
            t_save[-1] = (time.perf_counter() - t0) * 1e3
        del m
    med = statistics.median
    print("import_ms=%.2f export_ms=%.2f save_ms=%.2f "
          "import_min_ms=%.2f export_min_ms=%.2f save_min_ms=%.2f "
          "import_first_ms=%.2f faults_per_round=%d "
          "out_bytes=%d rss_base_kb=%d rss_peak_kb=%d rounds=%d"
          % (med(t_imp), med(t_exp), med(t_save), min(t_imp), min(t_exp),
             min(t_save), t_imp[0], (minor_faults() - flt0) // n, size, rss0,
             peak_rss_kb(), n))


if __name__ == "__main__":
    main()
