#!/usr/bin/env python3
"""make_subset.py SRC DIR N - writes the first N test images of the IDX
data set in SRC (t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz],
as Fashion-MNIST ships them) uncompressed into DIR, so that the pipeline
tests evaluate on a small test split."""
import gzip
import os
import struct
import sys


def read(src, name):
    for path, opener in ((os.path.join(src, name), open),
                         (os.path.join(src, name + ".gz"), gzip.open)):
        if os.path.exists(path):
            with opener(path, "rb") as f:
                return f.read()
    sys.exit("make_subset: no %s in %s" % (name, src))


def main():
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(dst, exist_ok=True)
    img = read(src, "t10k-images-idx3-ubyte")
    lab = read(src, "t10k-labels-idx1-ubyte")
    magic, count, h, w = struct.unpack(">IIII", img[:16])
    assert magic == 2051 and count >= n, (magic, count)
    with open(os.path.join(dst, "t10k-images-idx3-ubyte"), "wb") as f:
        f.write(struct.pack(">IIII", magic, n, h, w))
        f.write(img[16:16 + n * h * w])
    magic, count = struct.unpack(">II", lab[:8])
    assert magic == 2049 and count >= n, (magic, count)
    with open(os.path.join(dst, "t10k-labels-idx1-ubyte"), "wb") as f:
        f.write(struct.pack(">II", magic, n))
        f.write(lab[8:8 + n])


if __name__ == "__main__":
    main()
