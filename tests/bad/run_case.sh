#!/bin/bash
# run_case.sh - one case of the bad-input suite.
#
# Usage: run_case.sh ONNX_PRUNE BAD_DIR WORK_DIR CASE
#
# BAD_DIR holds what make_bad_models.py wrote. The case passes when
# `onnx-prune IN OUT` (and `onnx-prune info IN` for the model cases):
#   - exits with 2, not by a signal, with no sanitizer report;
#   - prints exactly one line to stderr, "onnx-prune: <message>", naming the
#     file and containing every line of BAD_DIR/CASE.expect ("a|b": either);
#   - prints nothing to stdout;
#   - creates nothing in the output directory;
#   - leaves the input byte-identical.
set -u

bin=$1 bad=$2 work=$3 case=$4
fail=0

die() { echo "FAIL [$case]: $*"; fail=1; }

in=$bad/$case.onnx
outdir=$work/$case
rm -rf "$outdir"
mkdir -p "$outdir"
out=$outdir/out.onnx
name=$in			# what the message must name

case $case in
same_path)
	out=$in ;;
unwritable_dir)
	# Root ignores permission bits, so make the parent a plain file.
	out=$bad/not_a_directory/out.onnx
	name=$out ;;
esac

sum_of() {
	if [ -f "$1" ]; then sha256sum < "$1"; else echo "-"; fi
}

# check LABEL EXPECTED_NAME CMD... : runs one command and checks it.
check() {
	local label=$1 want_name=$2 rc errs nl line
	shift 2
	"$@" > "$work/$case.stdout" 2> "$work/$case.stderr"
	rc=$?
	errs=$(cat "$work/$case.stderr")
	if [ $rc -ge 128 ]; then
		die "$label: killed by signal $((rc - 128)); stderr: $errs"
		return
	elif [ $rc -ne 2 ]; then
		die "$label: exit code $rc, want 2; stderr: $(head -c 2000 "$work/$case.stderr")"
		return
	fi
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' \
		"$work/$case.stderr"; then
		die "$label: sanitizer report"
	fi
	nl=$(wc -l < "$work/$case.stderr")
	if [ "$nl" -ne 1 ]; then
		die "$label: $nl lines on stderr, want 1"
	fi
	case $errs in
	"onnx-prune: "*) ;;
	*) die "$label: stderr does not start with 'onnx-prune: '" ;;
	esac
	case $errs in
	*"$want_name"*) ;;
	*"$(basename "$want_name")"*) ;;
	*) die "$label: message does not name $(basename "$want_name")" ;;
	esac
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if ! printf '%s\n' "$errs" | grep -qiE -- "$line"; then
			die "$label: message lacks '$line'"
		fi
	done < "$bad/$case.expect"
	if [ -s "$work/$case.stdout" ]; then
		die "$label: wrote to stdout"
	fi
	echo "[$case] $label: exit $rc: $errs"
}

before=$(sum_of "$in")
check "onnx-prune IN OUT" "$name" "$bin" "$in" "$out"
case $case in
same_path|unwritable_dir)
	# The output cases again, with a report and through the prune command.
	check "prune --report" "$name" "$bin" prune "$in" "$out" \
		--report "$outdir/report.json"
	if [ "$case" = same_path ]; then
		check "same file, other name" "$name" "$bin" "$in" \
			"$(dirname "$in")/./$(basename "$in")"
	fi
	if [ "$case" = unwritable_dir ]; then
		# A directory nobody, root included, can create files in: this
		# one gets past the checks up front and fails in the exporter.
		check "into /proc" /proc/self/onnx-prune-out.onnx \
			"$bin" "$in" /proc/self/onnx-prune-out.onnx
	fi
	;;
*)
	check "info" "$name" "$bin" info "$in"
	check "info --json" "$name" "$bin" info --json "$in"
	;;
esac
after=$(sum_of "$in")

[ "$before" = "$after" ] || die "input changed"
if [ "$case" = directory ]; then
	[ -d "$in" ] && [ -z "$(ls -A "$in")" ] || die "directory changed"
fi
if [ "$case" = missing ] && [ -e "$in" ]; then
	die "missing input was created"
fi
if [ -n "$(ls -A "$outdir")" ]; then
	die "left files in the output directory: $(ls -A "$outdir" | tr '\n' ' ')"
fi
if [ "$case" = unwritable_dir ] && [ "$(cat "$bad/not_a_directory")" != "a plain file" ]; then
	die "not_a_directory changed"
fi
if [ "$case" != same_path ] && [ -e "$out" ]; then
	die "output $out was created"
fi

[ $fail -eq 0 ] && echo "PASS [$case]"
exit $fail
