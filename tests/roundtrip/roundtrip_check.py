#!/usr/bin/python3
"""roundtrip_check.py - import -> export round trips of real models.

For each model: OUT1 = roundtrip(IN), OUT2 = roundtrip(OUT1), then
  1. onnx.checker.check_model(OUT1, full_check=True) passes;
  2. OUT2 is byte-identical to OUT1 (the export is stable);
  3. ONNX Runtime gives the same outputs for IN and OUT1 (max abs diff <= TOL)
     on real images: CIFAR-10 test records for 3x32x32 inputs, Fashion-MNIST
     t10k images for 1x28x28 inputs;
  4. the model written with external data (--external-data) also passes
     1 and 3.

The round trip is `onnx-prune IN OUT` (--tool cli) or tests/roundtrip/
rt_driver.c, which only imports and exports (--tool driver, built here from
BUILD/libonnxprune.a when missing).  --tool auto (default) uses the CLI when
it handles the first model and the driver otherwise, and says which.

Needs Debian's python3-onnx (run with /usr/bin/python3) and onnxruntime-node
(NODE_PATH, default /tmp/ortt/node_modules).  Exit status 0 when every check
of every model passes.

Usage: roundtrip_check.py [--build DIR] [--tool auto|cli|driver] [-n N]
                          [--tol T] [--keep DIR] [MODEL.onnx ...]
"""
import argparse
import gzip
import os
import json
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = '/work/shared/models'
CIFAR = '/work/shared/data/cifar10/test_batch.bin'
FMNIST = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'
IMAGENET_NORM = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
CIFAR_NORM = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
FMNIST_NORM = ((0.2860,), (0.3530,))
CLI = ['onnx-prune']    # set from --build in main()


def input_chw(path):
    """(name, C, H, W) of the first graph input that is not an initializer."""
    m = onnx.load(path, load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    for vi in m.graph.input:
        if vi.name not in inits:
            d = [x.dim_value for x in vi.type.tensor_type.shape.dim]
            return vi.name, d[1], d[2], d[3]
    raise ValueError('%s: no graph input' % path)


def cifar_images(n, model_name):
    raw = np.fromfile(CIFAR, dtype=np.uint8)
    rec = raw[: (len(raw) // 3073) * 3073].reshape(-1, 3073)[:n]
    x = rec[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    mean, std = CIFAR_NORM if 'shufflenet' in model_name else IMAGENET_NORM
    mean = np.array(mean, np.float32).reshape(1, 3, 1, 1)
    std = np.array(std, np.float32).reshape(1, 3, 1, 1)
    return ((x - mean) / std).astype(np.float32)


def fmnist_images(n):
    with gzip.open(FMNIST, 'rb') as f:
        raw = np.frombuffer(f.read(), dtype=np.uint8)
    x = raw[16:].reshape(-1, 1, 28, 28)[:n].astype(np.float32) / 255.0
    return ((x - FMNIST_NORM[0][0]) / FMNIST_NORM[1][0]).astype(np.float32)


def images_for(path, n):
    _, c, h, w = input_chw(path)
    if (c, h, w) == (3, 32, 32):
        return cifar_images(n, os.path.basename(path)), 'cifar10'
    if (c, h, w) == (1, 28, 28):
        return fmnist_images(n), 'fashion-mnist'
    raise ValueError('%s: input %dx%dx%d has no data set here' % (path, c, h, w))


def build_driver(build):
    exe = os.path.join(build, 'rt_driver')
    if os.path.exists(exe):
        return exe
    cmd = ['cc', '-std=c11', '-Wall', '-Wextra', '-O1',
           '-I' + os.path.join(ROOT, 'include'),
           os.path.join(HERE, 'rt_driver.c'),
           os.path.join(build, 'libonnxprune.a'),
           os.path.join(build, 'libonnx_proto.a'),
           '-lprotobuf-c', '-lm', '-o', exe]
    subprocess.run(cmd, check=True)
    return exe


def run(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        return 127, str(e)
    return p.returncode, (p.stdout + p.stderr).strip()


def checker(path):
    try:
        onnx.checker.check_model(path, full_check=True)
        return True, ''
    except Exception as e:  # noqa: BLE001 - any checker failure is a finding
        return False, str(e).splitlines()[0][:300]


def ort_compare(a, b, x_path, shape, tol, node_path):
    env = dict(os.environ, NODE_PATH=node_path)
    cmd = ['node', os.path.join(HERE, 'ort_compare.js'), a, b, x_path,
           ','.join(map(str, shape)), repr(tol)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    try:
        res = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False, (p.stdout + p.stderr).strip()[:300]
    desc = ', '.join('%s max|d|=%.3g argmax %s' % (o['name'],
                     o.get('max_abs_diff', float('nan')),
                     o.get('argmax_agree', '?')) for o in res['outputs'])
    return bool(res['ok']) and p.returncode == 0, desc


def tool_cmd(tool, inp, out, external=False):
    """The command line of a round trip with tool ('cli' or a driver path)."""
    if tool == 'cli':
        return [CLI[0], inp, out] + (['--external-data'] if external else [])
    return [tool] + (['--external-data'] if external else []) + [inp, out]


def check_model(path, tool, work, n, tol, node_path):
    """Runs every check on one model; returns a list of (check, ok, detail)."""
    name = os.path.splitext(os.path.basename(path))[0]
    out1 = os.path.join(work, name + '.rt1.onnx')
    out2 = os.path.join(work, name + '.rt2.onnx')
    res = []
    rc, msg = run(tool_cmd(tool, path, out1))
    res.append(('roundtrip 1', rc == 0, msg[:300]))
    if rc != 0:
        return res
    ok, msg = checker(out1)
    res.append(('checker full_check', ok, msg))
    rc, msg = run(tool_cmd(tool, out1, out2))
    same = rc == 0 and open(out1, 'rb').read() == open(out2, 'rb').read()
    res.append(('roundtrip 2 byte-identical', same,
                msg[:300] if rc else '%d bytes (input %d)' % (
                    os.path.getsize(out1), os.path.getsize(path))))
    x, data = images_for(path, n)
    x_path = os.path.join(work, name + '.input.f32')
    x.astype('<f4').tofile(x_path)
    ok, msg = ort_compare(path, out1, x_path, x.shape, tol, node_path)
    res.append(('ORT %s %d imgs' % (data, x.shape[0]), ok, msg))
    ext = os.path.join(work, name + '.ext.onnx')
    rc, msg = run(tool_cmd(tool, out1, ext, external=True))
    if rc == 0:
        ok, msg = checker(ext)
        if ok:
            ok, msg = ort_compare(path, ext, x_path, x.shape, tol, node_path)
            msg += '; data %d bytes' % os.path.getsize(ext + '.data')
    res.append(('external data', rc == 0 and ok, msg[:300]))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('models', nargs='*')
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--tool', choices=('auto', 'cli', 'driver'), default='auto')
    ap.add_argument('-n', type=int, default=256, help='images per model')
    ap.add_argument('--tol', type=float, default=1e-6)
    ap.add_argument('--keep', help='write outputs here instead of a temp dir')
    ap.add_argument('--node-path', default=os.environ.get(
        'NODE_PATH', '/tmp/ortt/node_modules'))
    a = ap.parse_args()
    models = a.models or sorted(os.path.join(MODELS, f)
                                for f in os.listdir(MODELS)
                                if f.endswith('.onnx'))
    work = a.keep or tempfile.mkdtemp(prefix='roundtrip.')
    os.makedirs(work, exist_ok=True)
    CLI[0] = os.path.join(a.build, 'onnx-prune')
    tool = a.tool
    if tool == 'auto':
        probe = os.path.join(work, 'probe.onnx')
        rc, msg = run(tool_cmd('cli', models[0], probe))
        tool = 'cli' if rc == 0 and os.path.exists(probe) else 'driver'
        if tool == 'driver':
            print('onnx-prune IN OUT failed (%s); using rt_driver'
                  % msg.splitlines()[-1:])
    if tool == 'driver':
        tool = build_driver(a.build)
    print('tool: %s' % (CLI[0] if tool == 'cli' else tool))
    failed = 0
    for path in models:
        print('== %s' % os.path.basename(path))
        for check, ok, detail in check_model(path, tool, work, a.n, a.tol,
                                             a.node_path):
            failed += not ok
            print('  %-4s %-28s %s' % ('ok' if ok else 'FAIL', check, detail))
    print('%s: %d failed check(s); outputs in %s' % (
        'FAILED' if failed else 'ALL OK', failed, work))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
