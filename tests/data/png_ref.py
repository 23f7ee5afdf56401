#!/usr/bin/python3
"""png_ref.py - checks the PNG loader and opr_dataset_fill() against numpy.

Usage: png_ref.py TEST_DATA_PNG WORKDIR

Runs TEST_DATA_PNG WORKDIR, which writes PNG folders under WORKDIR/png and
the fill() outputs of several configurations under WORKDIR/png/dump (see
manifest.txt there).  This script decodes the PNGs with its own decoder
(zlib + the five filters + Adam7 + palette; no libpng), applies the rules of
include/onnx_prune.h in numpy float32 (channels, depth, bilinear resize with
half-pixel centres at load and in fill, /255 or /65535, luminance,
(x - mean) / std) and compares.  Exit 77 (CTest SKIP) without numpy.
"""
import os
import struct
import subprocess
import sys
import zlib

try:
    import numpy as np
except ImportError:
    print("SKIP: no numpy")
    sys.exit(77)

F = np.float32
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]  # x0, y0, dx, dy


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(data, pos, w, h, bpp_bits):
    """Undoes the filters of one (sub-)image; returns rows and new pos."""
    stride = (w * bpp_bits + 7) // 8
    bpp = max(1, bpp_bits // 8)
    prev = bytearray(stride)
    rows = []
    for _ in range(h):
        ft = data[pos]
        cur = bytearray(data[pos + 1:pos + 1 + stride])
        pos += 1 + stride
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                cur[i] = (cur[i] + a) & 255
            elif ft == 2:
                cur[i] = (cur[i] + b) & 255
            elif ft == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif ft == 4:
                cur[i] = (cur[i] + paeth(a, b, c)) & 255
            elif ft != 0:
                raise ValueError("bad filter %d" % ft)
        rows.append(bytes(cur))
        prev = cur
    return rows, pos


def row_samples(row, w, ch, depth):
    if depth == 16:
        return [struct.unpack(">H", row[2 * i:2 * i + 2])[0] for i in range(w * ch)]
    if depth == 8:
        return list(row[:w * ch])
    per = 8 // depth
    out = []
    for i in range(w * ch):
        byte = row[i // per]
        shift = 8 - depth * (i % per + 1)
        out.append((byte >> shift) & ((1 << depth) - 1))
    return out


def decode_png(path):
    """Returns (samples HxWxC int array of the colour channels, depth)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, plte = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    img = np.zeros((h, w, ch), np.int64)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    pos = 0
    for x0, y0, dx, dy in passes:
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        if pw == 0 or ph == 0:
            continue
        rows, pos = unfilter(raw, pos, pw, ph, ch * depth)
        for r, row in enumerate(rows):
            s = np.array(row_samples(row, pw, ch, depth)).reshape(pw, ch)
            img[y0 + r * dy, x0::dx][:pw] = s
    if ctype == 3:
        return plte[img[:, :, 0]].astype(np.int64), 8
    if ctype in (4, 6):
        img = img[:, :, :-1]  # alpha dropped
    if depth < 8:
        img = img * 255 // ((1 << depth) - 1)
        depth = 8
    return img, depth


def coords(sn, dn):
    i = np.arange(dn, dtype=F)
    s = (i + F(0.5)) * F(sn) / F(dn) - F(0.5)
    s = np.maximum(s, F(0))
    k = np.minimum(s.astype(np.int64), sn - 1)
    k1 = np.where(k < sn - 1, k + 1, k)
    return k, k1, (s - k.astype(F)).astype(F)


def resize(plane, dh, dw):
    """Bilinear, half-pixel centres, clamped; float32 like fill.c."""
    sh, sw = plane.shape
    y0, y1, fy = coords(sh, dh)
    x0, x1, fx = coords(sw, dw)
    r0, r1 = plane[y0], plane[y1]
    top = r0[:, x0] + (r0[:, x1] - r0[:, x0]) * fx[None, :]
    bot = r1[:, x0] + (r1[:, x1] - r1[:, x0]) * fx[None, :]
    return (top + (bot - top) * fy[:, None]).astype(F)


def load(folder, split, oh, ow):
    """The PNG loader's rules: returns (images NxCxHxW int, labels, depth)."""
    for s in ("train", "test"):
        if os.path.isdir(os.path.join(folder, s)):
            folder = os.path.join(folder, ["train", "test"][split])
            break
    classes = sorted(d for d in os.listdir(folder) if not d.startswith(".")
                     and os.path.isdir(os.path.join(folder, d)))
    files, labels = [], []
    for k, c in enumerate(classes):
        cd = os.path.join(folder, c)
        for f in sorted(os.listdir(cd)):
            if not f.startswith(".") and f.lower().endswith(".png") and len(f) > 4:
                files.append(os.path.join(cd, f))
                labels.append(k)
    imgs = [decode_png(f) for f in files]
    c = 3 if any(i.shape[2] == 3 for i, _ in imgs) else 1
    depth = 16 if any(d == 16 for _, d in imgs) else 8
    h, w = (oh, ow) if oh else imgs[0][0].shape[:2]
    out = np.zeros((len(imgs), c, h, w), np.int64)
    top = F(65535 if depth == 16 else 255)
    for n, (img, d) in enumerate(imgs):
        if depth == 16 and d == 8:
            img = img * 257
        for ch in range(c):
            p = img[:, :, ch if img.shape[2] == c else 0].astype(F)
            if p.shape != (h, w):
                p = resize(p, h, w)
                p = np.clip(np.floor(p + F(0.5)), F(0), top)
            out[n, ch] = p.astype(np.int64)
    return out, labels, depth


def fill(imgs, depth, want_c, wh, ww, mean, std):
    n, c = imgs.shape[:2]
    x = imgs.astype(F) / F(65535 if depth == 16 else 255)
    out = np.zeros((n, want_c, wh, ww), F)
    for i in range(n):
        for oc in range(want_c):
            if c == 3 and want_c == 1:
                p = F(0.299) * x[i, 0] + F(0.587) * x[i, 1] + F(0.114) * x[i, 2]
            else:
                p = x[i, oc if c == want_c else 0]
            if p.shape != (wh, ww):
                p = resize(p, wh, ww)
            out[i, oc] = (p - F(mean[oc])) / F(std[oc])
    return out


def main():
    exe, work = sys.argv[1], sys.argv[2]
    r = subprocess.run([exe, work])
    if r.returncode != 0:
        print("FAIL: %s exited %d" % (exe, r.returncode))
        return 1
    base = os.path.join(work, "png")
    failed = 0
    lines = open(os.path.join(base, "dump", "manifest.txt")).read().split("\n")
    for line in filter(None, lines):
        f = line.split()
        name, folder = f[0], f[1]
        split, oh, ow, wc, wh, ww = map(int, f[2:8])
        mean, std = list(map(float, f[8:11])), list(map(float, f[11:14]))
        imgs, labels, depth = load(os.path.join(base, folder), split, oh, ow)
        want = fill(imgs, depth, wc, wh, ww, mean, std)
        blob = open(os.path.join(base, "dump", name + ".bin"), "rb").read()
        n, c, h, w = struct.unpack("<4i", blob[:16])
        got_lab = list(struct.unpack("<%di" % n, blob[16:16 + 4 * n]))
        got = np.frombuffer(blob[16 + 4 * n:], "<f4").reshape(n, c, h, w)
        err = float(np.abs(got - want).max()) if got.shape == want.shape else 1e9
        ok = got.shape == want.shape and got_lab == labels and err <= 1e-5
        print("%-18s %s n=%d c=%d %dx%d depth=%d max|diff|=%.3g" %
              (name, "ok  " if ok else "FAIL", n, c, h, w, depth, err))
        failed += not ok
    print("png_ref: %d configurations, %d failed" % (len(list(filter(None, lines))), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
