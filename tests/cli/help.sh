#!/bin/bash
# help.sh - --help, -h, `help`, --version and `version` exit 0 and say
# what they should.  Usage: help.sh ONNX_PRUNE
. "$(dirname "$0")/lib.sh"
bin=$1

for h in --help -h help "info --help"; do
	run "$bin" $h
	want_rc 0
	[ -z "$err" ] || fail "$h wrote to stderr: $err"
	for word in "onnx-prune IN.onnx OUT.onnx" "info MODEL.onnx" --passes \
		--report --external-data --json --version "Passes:" "Exit codes:" \
		"0  ok" "1  usage" "2  bad input" "3  internal" "4  a quality gate"; do
		want_out "$word"
	done
done
run "$bin" --help
if ! printf '%s\n' "$out" | sed -n '/^Passes:/,/^$/p' | grep -q .; then
	fail "--help lists no passes, not even '(none yet)'"
fi

for v in --version version; do
	run "$bin" $v
	want_rc 0
	printf '%s\n' "$out" | grep -qE '^onnx-prune [0-9]+\.[0-9]+\.[0-9]+$' ||
		fail "$v printed '$out'"
done
finish
