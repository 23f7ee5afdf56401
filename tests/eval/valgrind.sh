#!/bin/bash
# valgrind.sh - eval under valgrind --leak-check=full: no leak and no
# memory error, over the whole command (import, data set, runtime with its
# threads, a full and a partial batch, JSON output).  Valgrind runs the
# runtime about 500 times slower (about 2 s per 28x28 ResNet-20 image), so
# only a few images go through.
# Usage: valgrind.sh ONNX_PRUNE MODEL SPEC
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 model=$2 spec=$3
command -v valgrind > /dev/null || { echo "SKIP: no valgrind"; exit 77; }
[ -e "${spec#*:}" ] || { echo "SKIP: ${spec#*:} not found"; exit 77; }

run valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
	"$bin" eval "$model" --data "$spec" --mean 0.5 --std 0.25 --limit 6 \
	--batch 4 --threads 2 --json "$scratch/r.json"
want_rc 0
want_out "top-1 "
[ -s "$scratch/r.json" ] || fail "no JSON written"
case $err in *"=="*) fail "valgrind reported: $err" ;; esac
echo "$err"
finish
