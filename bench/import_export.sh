#!/bin/sh
# import_export.sh - import/export time and peak memory, onnx-prune vs
# Python onnx (onnx.load / SerializeToString / onnx.save), same run.
#
#   bench/import_export.sh [N]            (N rounds per model, default 10)
#
# Environment:
#   MODELS   models to time (default: resnet56.onnx and fmnist_vgg16.onnx
#            from /work/shared/models)
#   LIBDIR   where libonnxprune.a and libonnx_proto.a are; default: a
#            Release build made here in build-bench/ (the main build/ is
#            never touched).  LIBDIR=build uses the main build as it is.
#   PYTHON   interpreter with the onnx module (default /usr/bin/python3)
#
# bench_io is built with a plain gcc line.  Peak RSS is the process's
# maximum resident set size (getrusage, as /usr/bin/time -v), printed as a
# whole and above the baseline before the first load (the interpreter and
# onnx module for Python).  Raw lines go to build-bench/results.txt; the
# table is bench/table.awk's.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-10}
bb=$root/build-bench
py=${PYTHON:-/usr/bin/python3}
models=${MODELS:-"/work/shared/models/resnet56.onnx /work/shared/models/fmnist_vgg16.onnx"}
mkdir -p "$bb"
. "$root/bench/lib.sh"

if [ -z "${LIBDIR:-}" ]; then
	bench_build import_export.sh "; LIBDIR=build uses the main build" \
		onnxprune onnx_proto
	LIBDIR=$bb
fi
case $LIBDIR in /*) ;; *) LIBDIR=$root/$LIBDIR ;; esac
gcc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -I"$root/include" \
	"$root/bench/bench_io.c" \
	"$LIBDIR/libonnxprune.a" "$LIBDIR/libonnx_proto.a" -lprotobuf-c -lm \
	-o "$bb/bench_io"

res=$bb/results.txt
: >"$res"
# Each side runs twice: with glibc malloc's defaults, and with GLIBC_TUNABLES
# that keep freed memory in the process (no mmap/munmap per big buffer), to
# show how much of a round is first-touch page faults rather than work.
keep=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824
for m in $models; do
	name=$(basename "$m")
	sz=$(stat -c %s "$m")
	o=$(LC_ALL=C "$bb/bench_io" "$m" "$n" "$bb/out_ours.onnx")
	echo "$name ours $sz $o" >>"$res"
	o=$(LC_ALL=C "$py" "$root/bench/bench_io.py" "$m" "$n" "$bb/out_py.onnx")
	echo "$name python $sz $o" >>"$res"
	o=$(LC_ALL=C GLIBC_TUNABLES=$keep "$bb/bench_io" "$m" "$n")
	echo "$name ours_keep $sz $o" >>"$res"
	o=$(LC_ALL=C GLIBC_TUNABLES=$keep "$py" "$root/bench/bench_io.py" "$m" "$n")
	echo "$name python_keep $sz $o" >>"$res"
done
rm -f "$bb/out_ours.onnx" "$bb/out_py.onnx"

echo "onnx-prune $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)" \
     "vs $($py -c 'import onnx; print("onnx", onnx.__version__)'), $n rounds," \
     "median ms; $(nproc) CPUs, $(uname -m)"
awk -f "$root/bench/table.awk" "$res"
