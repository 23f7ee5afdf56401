#!/usr/bin/python3
"""ort_check.py - pruned models against onnx.checker and ONNX Runtime.

Runs test_surgery -e WORK on the models given (a few seeds each), which
writes for two random selections per model the pruned model (P), the
masked one (M), M pruned (PM), the input batch and our runtime's output of
P.  Then for every selection:
  1. onnx.checker.check_model(full_check=True) passes on P, M and PM;
  2. ONNX Runtime runs them; P's output has M's shape (the model's output
     shape does not change);
  3. ORT(P) equals our runtime's output of P (when our runtime runs the
     model), ORT(P) equals ORT(M) when the mask leaves no constant
     (manifest column 4), ORT(PM) equals ORT(M) when every constant the
     mask leaves folds (column 5), all within 1e-4 * max(1, max |ref|).

Usage: ort_check.py --tool TEST_SURGERY [--node-path DIR] [--work DIR]
                    MODEL.onnx...
Needs Debian's python3-onnx and numpy (/usr/bin/python3), node and
onnxruntime-node.  Exit status 0 when every check passes.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4


def checker(path):
    try:
        onnx.checker.check_model(path, full_check=True)
        return ''
    except Exception as e:  # noqa: BLE001 - any checker failure is a finding
        return str(e).splitlines()[0][:300]


def rel_diff(a, ref):
    if a.shape != ref.shape:
        return float('inf')
    return float(np.max(np.abs(a - ref))) / max(1.0, float(np.max(np.abs(ref))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('models', nargs='+')
    ap.add_argument('--tool', required=True)
    ap.add_argument('--node-path', default=os.environ.get('NODE_PATH', ''))
    ap.add_argument('--work')
    ap.add_argument('--seeds', type=int, default=2)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix='surgery_ort.')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    p = subprocess.run([a.tool, '-s', str(2 + a.seeds), '-e', work, '-k',
                        str(a.seeds)] + a.models, capture_output=True,
                       text=True)
    if p.returncode != 0:
        print(p.stdout + p.stderr)
        print('FAILED: test_surgery -e failed')
        return 1
    entries = []
    with open(os.path.join(work, 'manifest.txt')) as f:
        for line in f:
            name, seed, ours, exact, pm = line.split()
            entries.append((name, int(seed), ours == '1', exact == '1',
                            pm == '1'))
    jobs = []
    for name, seed, _, _, _ in entries:
        dims = [int(x) for x in open(os.path.join(
            work, name + '.input.dims')).read().strip().split(',')]
        for kind in ('pruned', 'masked', 'pm'):
            stem = os.path.join(work, '%s.s%d.%s' % (name, seed, kind))
            jobs.append({'model': stem + '.onnx', 'dims': dims,
                         'input': os.path.join(work, name + '.input.f32'),
                         'out': stem + '.ort.f32'})
    jobs_path = os.path.join(work, 'jobs.json')
    with open(jobs_path, 'w') as f:
        json.dump(jobs, f)
    env = dict(os.environ, NODE_PATH=a.node_path)
    p = subprocess.run(['node', os.path.join(HERE, 'ort_run.js'), jobs_path],
                       capture_output=True, text=True, env=env)
    try:
        res = {r['model']: r for r in json.loads(p.stdout.strip()
                                                 .splitlines()[-1])}
    except (ValueError, IndexError):
        print(p.stdout + p.stderr)
        print('FAILED: ort_run.js')
        return 1
    failed = 0
    for name, seed, ours, exact, pm_ok in entries:
        stem = os.path.join(work, '%s.s%d' % (name, seed))
        msgs = []
        for kind in ('pruned', 'masked', 'pm'):
            err = checker('%s.%s.onnx' % (stem, kind))
            if err:
                msgs.append('checker %s: %s' % (kind, err))
            r = res.get('%s.%s.onnx' % (stem, kind), {})
            if 'error' in r or 'dims' not in r:
                msgs.append('ORT %s: %s' % (kind, r.get('error', 'no result')))
        if not msgs:
            yp = np.fromfile(stem + '.pruned.ort.f32', dtype='<f4')
            ym = np.fromfile(stem + '.masked.ort.f32', dtype='<f4')
            dp = res[stem + '.pruned.onnx']['dims']
            dm = res[stem + '.masked.onnx']['dims']
            if dp != dm:
                msgs.append('output dims %s, masked %s' % (dp, dm))
            info = 'dims %s' % dp
            if ours:
                yo = np.fromfile(stem + '.ours.f32', dtype='<f4')
                d = rel_diff(yp, yo)
                info += ', ORT vs ours %.2e' % d
                if not d <= TOL:
                    msgs.append('ORT(pruned) vs our runtime: %.3g' % d)
            if exact:
                d = rel_diff(yp, ym)
                info += ', pruned vs masked %.2e' % d
                if not d <= TOL:
                    msgs.append('ORT pruned vs masked: %.3g' % d)
            if pm_ok:
                ypm = np.fromfile(stem + '.pm.ort.f32', dtype='<f4')
                d = rel_diff(ypm, ym)
                info += ', pruned(masked) vs masked %.2e' % d
                if not d <= TOL:
                    msgs.append('ORT pruned(masked) vs masked: %.3g' % d)
        failed += bool(msgs)
        print('  %-4s %-22s seed %d  %s' % ('FAIL' if msgs else 'ok', name,
                                           seed, '; '.join(msgs) or info))
    print('%s: %d of %d pruned models failed; files in %s' % (
        'FAILED' if failed else 'ALL OK', failed, len(entries), work))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
