# dies.sh BIN MODE FILE - runs `BIN MODE` (helpers_die.c) and passes when
# it was stopped by abort() with a "requirement ... failed" message from
# FILE, the helper under test; any other ending fails.
bin=$1 mode=$2 file=$3
err=$("$bin" "$mode" 2>&1 >/dev/null)
rc=$?
printf '%s\n' "$err"
[ $rc -eq 134 ] || { echo "FAIL: exit $rc, want 134 (abort)"; exit 1; }
case $err in
*"$file:"*"requirement '"*"' failed: "*) ;;
*) echo "FAIL: no requirement message from $file"; exit 1 ;;
esac
echo "ok: $file refused ($mode)"
