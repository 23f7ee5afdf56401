#!/bin/bash
# usage.sh - every kind of bad command line exits 1 with one line that says
# what is known, creates nothing, and prints nothing on stdout.
# Usage: usage.sh ONNX_PRUNE
. "$(dirname "$0")/lib.sh"
bin=$1
cd "$scratch" || exit 1

run "$bin" --bogus
want_usage_error
want_err "unknown option '--bogus'"
for o in --passes --report --external-data --json --help --version; do
	want_err "$o"
done

run "$bin" a.onnx b.onnx --passes nosuchpass
want_usage_error
want_err "unknown pass 'nosuchpass'; known passes: "
case $err in
*"(none yet)"*|*", "*|*": "[a-z]*) ;;
*) fail "no list of passes: $err" ;;
esac

run "$bin" a.onnx b.onnx --passes=,,nosuchpass,
want_usage_error
want_err "unknown pass 'nosuchpass'"

run "$bin" frobnicate
want_usage_error
want_err "unknown command 'frobnicate'"
want_err "info"

run "$bin"
want_usage_error
want_err "info"

run "$bin" info
want_usage_error
run "$bin" info a.onnx b.onnx
want_usage_error
run "$bin" only_in.onnx
want_usage_error
want_err "missing output"
run "$bin" a.onnx b.onnx c.onnx
want_usage_error
run "$bin" a.onnx b.onnx --json
want_usage_error
want_err "--json"
run "$bin" info a.onnx --report r.json
want_usage_error
want_err "--report"
run "$bin" a.onnx b.onnx --passes
want_usage_error
want_err "needs a value"
run "$bin" a.onnx b.onnx --report=
want_usage_error
run "$bin" info a.onnx --json=yes
want_usage_error
want_err "takes no value"
run "$bin" -x
want_usage_error
want_err "unknown option '-x'"

[ -z "$(ls -A "$scratch" | grep -v -e '^stdout$' -e '^stderr$')" ] ||
	fail "usage errors created files: $(ls "$scratch")"
finish
