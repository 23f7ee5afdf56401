#!/bin/bash
# progress.sh - the progress bar: drawn on stderr when it is a terminal
# (run under script(1) for a pseudo-terminal), never when it is a file.
# Usage: progress.sh ONNX_PRUNE MODEL SPEC
. "$(dirname "$0")/../cli/lib.sh"
bin=$1 model=$2 spec=$3
[ -e "${spec#*:}" ] || { echo "SKIP: ${spec#*:} not found"; exit 77; }
args="eval $model --data $spec --mean 0.5 --std 0.25 --limit 200 --batch 50"

run "$bin" $args
want_rc 0
case $err in *"eval ["*) fail "bar drawn into a file: $err" ;; esac

command -v script > /dev/null || { echo "no script(1): tty part skipped"; finish; }
script -qec "$bin $args" /dev/null > "$scratch/tty" 2>&1 < /dev/null
grep -aq 'eval \[##############################\] 200/200 [0-9]* img/s' "$scratch/tty" ||
	fail "no final bar on a terminal: $(cat -A "$scratch/tty")"
grep -aq 'top-1 ' "$scratch/tty" || fail "no results on a terminal"
finish
