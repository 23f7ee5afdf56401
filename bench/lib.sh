# lib.sh - what the bench scripts share; sourced (POSIX sh) by
# ort_speed.sh, pruned_speed.sh and import_export.sh after they set root
# (the checkout) and bb (their build folder, build-bench/).
#
#   bench_build NAME HINT TARGET...
#       configures a Release tree (gcc) in $bb and builds TARGET...; the
#       output goes to $bb/cmake.log.  On failure prints "NAME: Release
#       build in $bb failed (see $bb/cmake.log)HINT" to stderr and exits 1.
#   chw_of MODEL
#       prints C,H,W of the model's input: 1,28,28 for the Fashion-MNIST
#       models (fmnist_*), else 3,32,32 (CIFAR).
#   jnum KEY
#       prints the number after "KEY": in the one-object JSON text on stdin
#       (the first one; nothing when absent).
#   $bench_median
#       awk source of median(s): the median of the numbers in the
#       space-separated string s (the mean of the middle two for an even
#       count); put it before an awk program: awk "$bench_median"'...'.

bench_build() {
	_bb_name=$1
	_bb_hint=$2
	shift 2
	if ! cmake -S "$root" -B "$bb" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_COMPILER=gcc >"$bb/cmake.log" 2>&1 ||
	   ! cmake --build "$bb" --target "$@" -j2 >>"$bb/cmake.log" 2>&1; then
		echo "$_bb_name: Release build in $bb failed (see $bb/cmake.log)$_bb_hint" >&2
		exit 1
	fi
}

chw_of() {
	case $(basename "$1") in
	fmnist_*) echo 1,28,28 ;;
	*) echo 3,32,32 ;;
	esac
}

jnum() {
	sed -n "s/.*\"$1\": *\([-0-9.e+]*\).*/\1/p" | head -1
}

bench_median='
function median(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
'
