# lib.sh - helpers sourced by the CLI tests: run a command, capture its
# exit code, stdout and stderr, and check them.  Each test script ends with
# `finish`, which exits non-zero when any check failed.

fails=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/opr-cli.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run CMD...: sets $rc, $out (stdout) and $err (stderr).
run() {
	"$@" > "$scratch/stdout" 2> "$scratch/stderr"
	rc=$?
	out=$(cat "$scratch/stdout")
	err=$(cat "$scratch/stderr")
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$scratch/stderr"; then
		fail "$*: sanitizer report: $err"
	fi
	if [ $rc -ge 128 ]; then
		fail "$*: killed by signal $((rc - 128))"
	fi
}

# want_rc N: the last run exited with N.
want_rc() {
	[ "$rc" -eq "$1" ] || fail "exit code $rc, want $1 (stderr: $err)"
}

# want_out TEXT / want_err TEXT: the last run's stdout / stderr holds TEXT.
want_out() {
	case $out in *"$1"*) ;; *) fail "stdout lacks '$1'" ;; esac
}
want_err() {
	case $err in *"$1"*) ;; *) fail "stderr lacks '$1': $err" ;; esac
}

# want_usage_error: exit 1, nothing on stdout, one "onnx-prune: " line.
want_usage_error() {
	want_rc 1
	[ -z "$out" ] || fail "usage error wrote to stdout"
	[ "$(wc -l < "$scratch/stderr")" -eq 1 ] || fail "stderr is not one line: $err"
	case $err in "onnx-prune: "*) ;; *) fail "stderr lacks the prefix: $err" ;; esac
}

finish() {
	if [ $fails -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
