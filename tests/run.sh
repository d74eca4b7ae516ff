#!/bin/sh
# Runs the test suites of `make check`: every cmocka binary in
# BUILD/tests, every script in tests/check/ (cross-checks against bgpdump,
# integration tests with real peers), and a short smoke run of each fuzz
# target.  Prints one line per suite and a closing "N passed, N failed".
#   tests/run.sh BUILD [unit|all]
BUILD=${1:-build}
WHAT=${2:-all}
LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"
pass=0
fail=0
failed=""

run() {	# name command...
	name=$1; shift
	log="$LOGDIR/$(echo "$name" | tr '/ ' '__').log"
	start=$(date +%s)
	# A hung suite must fail, not stall CI: each gets TEST_TIMEOUT seconds.
	if timeout -k 10 "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1; then
		pass=$((pass + 1)); st=ok
	else
		fail=$((fail + 1)); st=FAIL; failed="$failed $name"
	fi
	printf '%-40s %s (%ss)\n' "$name" "$st" "$(( $(date +%s) - start ))"
	if [ "$st" = FAIL ]; then
		tail -n 30 "$log" | sed 's/^/    | /'
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	run "unit/$(basename "$t")" "$t"
done

if [ "$WHAT" = all ]; then
	for s in tests/check/*.sh; do
		[ -f "$s" ] || continue
		run "check/$(basename "$s" .sh)" env BUILD="$BUILD" sh "$s"
	done
	# FUZZ_SMOKE=0 (make check SAN=1): the plain check ran them already.
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] && [ "${FUZZ_SMOKE:-1}" != 0 ] || continue
		run "fuzz-smoke/$(basename "$f")" sh tests/fuzz/run.sh "$BUILD" \
		    "${FUZZ_SMOKE_SECONDS:-5}" "$(basename "$f")"
	done
fi

echo
[ -n "$failed" ] && echo "failed:$failed (logs in $LOGDIR)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
