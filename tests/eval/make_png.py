#!/usr/bin/env python3
"""make_png.py - writes the first N Fashion-MNIST test images as a PNG
class-folder data set, OUT/test/<label>/<index>.png (8-bit gray, 28x28),
with its own small PNG encoder (zlib only), for tests/eval/png.sh.

Usage: make_png.py FASHION_MNIST_DIR OUT N
"""
import gzip
import os
import struct
import sys
import zlib


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        return f.read()


def chunk(kind, data):
    c = kind + data
    return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))


def png_gray(pixels, h, w):
    rows = b"".join(b"\0" + pixels[y * w:(y + 1) * w] for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def main():
    src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    img = read_idx(os.path.join(src, "t10k-images-idx3-ubyte.gz"))
    lab = read_idx(os.path.join(src, "t10k-labels-idx1-ubyte.gz"))
    h, w = struct.unpack(">II", img[8:16])
    for i in range(n):
        d = os.path.join(out, "test", str(lab[8 + i]))
        os.makedirs(d, exist_ok=True)
        px = img[16 + i * h * w:16 + (i + 1) * h * w]
        with open(os.path.join(d, "%05d.png" % i), "wb") as f:
            f.write(png_gray(px, h, w))


if __name__ == "__main__":
    main()
