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

# The container lab's images (tools/lab.sh images: mmdebstrap, apt in
# podman builds, a compile) take minutes on a fresh machine and are mostly
# waiting on the network and the disk: in the plain run they are built
# in the background from the start, and check/lab, much later, finds them
# built (tools/lab.sh holds a lock, so it waits for a build still under
# way).  Not in the SAN=1 run, nor with LAB=0, nor when podman can't run.
LABPID=
case $BUILD in *san*) ;; *)
	if [ "$WHAT" = all ] && [ "${LAB:-1}" != 0 ] && [ "$(id -u)" = 0 ] &&
	    command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 &&
	    podman info >/dev/null 2>&1; then
		sh tools/lab.sh images >"$LOGDIR/lab-images.log" 2>&1 &
		LABPID=$!
	fi ;;
esac

# Suites that check the sources, the build or the documents, not the code
# running: the plain run has checked them, the SAN=1 run skips them.
STATIC_SUITES="buildflags cli_help ctl_docs events_schema layers manpages rirstats_gen"
# And the BMP full table through FRR: minutes of FRR and of comparing
# tables in Python; our BMP code runs under SAN in bmp.sh, bmp_gobgp.sh,
# bmp_mrt.sh and rislive_bmp.sh.
HEAVY_SUITES="bmp_fulltable_frr"
skip_san() {
	case $BUILD in *san*) ;; *) return 1 ;; esac
	for x in $STATIC_SUITES $HEAVY_SUITES; do [ "$x" = "$1" ] && return 0; done
	return 1
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	run "unit/$(basename "$t")" "$t"
done

if [ "$WHAT" = all ]; then
	for s in tests/check/*.sh; do
		[ -f "$s" ] || continue
		if skip_san "$(basename "$s" .sh)"; then
			printf '%-40s %s\n' "check/$(basename "$s" .sh)" "skipped (static or heavy: in the plain run)"
			continue
		fi
		run "check/$(basename "$s" .sh)" env BUILD="$BUILD" sh "$s"
	done
	# FUZZ_SMOKE=0 (make check SAN=1): the plain check ran them already.
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] && [ "${FUZZ_SMOKE:-1}" != 0 ] || continue
		run "fuzz-smoke/$(basename "$f")" sh tests/fuzz/run.sh "$BUILD" \
		    "${FUZZ_SMOKE_SECONDS:-3}" "$(basename "$f")"
	done
fi

# check/lab has waited for the images; this only reaps a build that
# outlived a failed or timed-out lab suite.
[ -n "$LABPID" ] && wait "$LABPID" 2>/dev/null

echo
[ -n "$failed" ] && echo "failed:$failed (logs in $LOGDIR)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
