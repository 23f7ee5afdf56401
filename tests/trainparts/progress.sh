#!/bin/bash
# progress.sh - the training progress line: drawn on stderr when it is a
# terminal (under script(1) for a pseudo-terminal), never into a file.
# Usage: progress.sh TP_PROGRESS
bin=$1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/opr-tp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$bin" > "$tmp/out" 2> "$tmp/err" || fail "exit code $?"
grep -q done "$tmp/out" || fail "no output"
[ -s "$tmp/err" ] && fail "drawn into a file: $(cat "$tmp/err")"

if ! command -v script > /dev/null; then
	echo "SKIP: no script(1)"
	exit 77
fi
script -qec "$bin" /dev/null > "$tmp/tty" 2>&1 < /dev/null
tr '\r' '\n' < "$tmp/tty" > "$tmp/lines"
grep -q '^epoch 1/2 \[#*\.*\] [0-9]*/60 [0-9]* img/s loss 2.0000 acc 50.00%' \
	"$tmp/lines" || fail "no bar: $(cat -A "$tmp/tty")"
grep -q '^epoch 1/2: loss 2.0000 acc 50.00% val_loss 1.5000 val_acc 62.50% [0-9]* img/s [0-9]*s$' \
	"$tmp/lines" || fail "no line for epoch 1: $(cat -A "$tmp/tty")"
grep -q '^epoch 2/2: loss 1.0000 acc 60.00% [0-9]* img/s [0-9]*s$' \
	"$tmp/lines" || fail "no line for epoch 2: $(cat -A "$tmp/tty")"
grep -q '^epoch 2/2 \[##############################\] 60/60 ' "$tmp/lines" ||
	fail "no final bar: $(cat -A "$tmp/tty")"
[ $fails -eq 0 ] && echo "progress: ok"
exit $((fails > 0))
