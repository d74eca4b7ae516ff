#!/bin/sh
# Runs the test suites of `make check`: every cmocka binary in
# BUILD/tests, every script in tests/check/ (cross-checks against bgpdump,
# integration tests with real peers), and a short smoke run of each fuzz
# target.  Prints one line per suite and a closing "N passed, N failed".
#   tests/run.sh BUILD [unit|all]
#
# Most suites spend their time waiting (daemons starting, timers, peers),
# so CHECK_JOBS of them (default 3) run at once, each in a network
# namespace of its own: the suites bind fixed 127.0.x.y addresses and
# ports, and with a namespace apiece two of them never meet.  Suites
# with a latency, stall or RSS bound run first, one at a time, with
# nothing beside them.  Without root or unshare(1) everything runs one at a time, as
# before.  The lines come out in a fixed order whatever finishes first;
# each suite's output is in BUILD/test-logs/.  README.md has the groups.
BUILD=${1:-build}
WHAT=${2:-all}
LOGDIR="$BUILD/test-logs"
ST="$LOGDIR/.status"

# Suites with a bound on wall-clock time, on a loop stall or on RSS, or
# with timers of a few seconds (idle-timeout, hold time): run first, one
# at a time, with nothing beside them (rislive_hostile's good client and
# slowsub's RSS check failed beside other suites at load 12).
ALONE="stall faults_flap faults_slowdisk faults_reload faults_flood faults_slowsub
hostile_peer rislive_hostile kafka_slowdisk"
# Suites that share host state beyond the network run one after another
# in one slot: each creates the bgpwatch user and installs the tree.
CHAIN="install+systemd+privdrop"
# Longest first (alone, plain: 131 85 45 41 28 24 24 22 22 s), so that
# the last minutes are not one long suite alone.
# check/lab comes after these, when its images have had time to build.
FIRST="integration bmp_fulltable_frr opsview mrt_fulltable mrt_archive
faults_diskfull faults_kill9 bmp lab"
# Needs the host's network: podman's own bridges and the image builds.
HOSTNET="lab"

# Suites that check the sources, the build or the documents, not the code
# running: the plain run has checked them, the SAN=1 run skips them.
STATIC_SUITES="buildflags cli_help ctl_docs events_schema layers manpages rirstats_gen"
# And the BMP full table through FRR: minutes of FRR and of comparing
# tables in Python; our BMP code runs under SAN in bmp.sh, bmp_gobgp.sh,
# bmp_mrt.sh and rislive_bmp.sh.
HEAVY_SUITES="bmp_fulltable_frr"

has() {	# word list...
	w=$1; shift
	for x in "$@"; do [ "$x" = "$w" ] && return 0; done
	return 1
}

# One suite: its log and, in ST, "ok|FAIL seconds".  unit/NAME,
# check/NAME or fuzz-smoke/NAME.
run1() {
	name=$1
	f=$(echo "$name" | tr '/ ' '__')
	log="$LOGDIR/$f.log"
	case $name in
	unit/*) set -- "$BUILD/tests/${name#unit/}" ;;
	check/*) set -- env BUILD="$BUILD" sh "tests/check/${name#check/}.sh" ;;
	fuzz-smoke/*) set -- sh tests/fuzz/run.sh "$BUILD" \
	    "${FUZZ_SMOKE_SECONDS:-3}" "${name#fuzz-smoke/}" ;;
	esac
	if [ "${NETNS:-0}" = 1 ] && ! has "${name#check/}" $HOSTNET; then
		# BW_NETNS: the suites that unshare themselves need not.
		set -- env BW_NETNS=1 unshare -n sh -c \
		    'ip link set lo up && exec "$@"' sh "$@"
	fi
	start=$(date +%s)
	# A hung suite must fail, not stall CI: each gets TEST_TIMEOUT seconds.
	if timeout -k 10 "${TEST_TIMEOUT:-600}" "$@" >"$log" 2>&1; then
		st=ok
	else
		st=FAIL
	fi
	echo "$st $(( $(date +%s) - start ))" >"$ST/$f.tmp"
	mv "$ST/$f.tmp" "$ST/$f"
}

# Worker: the suites of one slot, "a+b+c" run in that order.
if [ "$WHAT" = --slot ]; then
	for name in $(echo "$3" | tr '+' ' '); do
		run1 "$name"
	done
	exit 0
fi

mkdir -p "$LOGDIR"
rm -rf "$ST"
mkdir -p "$ST"
NETNS=0
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
    unshare -n sh -c 'ip link set lo up' 2>/dev/null; then
	NETNS=1
fi
export NETNS
JOBS=${CHECK_JOBS:-3}
[ "$NETNS" = 1 ] || JOBS=1

# The container lab's images (tools/lab.sh images: mmdebstrap, apt in
# podman builds, a compile) take minutes on a fresh machine and are mostly
# waiting on the network and the disk: in the plain run they are built
# in the background once the suites that run alone are done (they must
# have the machine to themselves), and check/lab, a while later, finds
# them built (tools/lab.sh holds a lock, so it waits for a build still
# under way).  Not in the SAN=1 run, nor with LAB=0, nor when podman
# can't run.
LABPID=
lab_images() {
	case $BUILD in *san*) return ;; esac
	if [ "$WHAT" = all ] && [ "${LAB:-1}" != 0 ] && [ "$(id -u)" = 0 ] &&
	    command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 &&
	    podman info >/dev/null 2>&1; then
		sh tools/lab.sh images >"$LOGDIR/lab-images.log" 2>&1 &
		LABPID=$!
	fi
}

skip_san() {
	case $BUILD in *san*) ;; *) return 1 ;; esac
	has "$1" $STATIC_SUITES $HEAVY_SUITES
}

# The lists: ALONE (one at a time, nothing beside), SLOTS (the pool, one
# slot per line, "+" chains) and ORDER (the order of the lines printed).
alone="" slots="" order="" skipped=""
add() { slots="$slots$1
"; order="$order $(echo "$1" | tr '+' ' ')"; }
units=""
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	units="$units unit/$(basename "$t")"
done
fuzz=""
if [ "$WHAT" = all ]; then
	all=""
	for s in tests/check/*.sh; do
		[ -f "$s" ] || continue
		n=$(basename "$s" .sh)
		if skip_san "$n"; then
			skipped="$skipped check/$n"
		else
			all="$all $n"
		fi
	done
	for n in $ALONE; do has "$n" $all && alone="$alone check/$n"; done
	for n in $FIRST; do
		has "$n" $all && ! has "$n" $ALONE && add "check/$n"
	done
	for c in $CHAIN; do
		ch=""
		for n in $(echo "$c" | tr '+' ' '); do
			has "$n" $all && ch="$ch+check/$n"
		done
		[ -n "$ch" ] && add "${ch#+}"
	done
	for n in $all; do
		has "$n" $ALONE $FIRST $(echo "$CHAIN" | tr '+' ' ') ||
		    add "check/$n"
	done
	# FUZZ_SMOKE=0 (make check SAN=1): the plain check ran them already.
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] && [ "${FUZZ_SMOKE:-1}" != 0 ] || continue
		case "$f" in *.*) continue ;; esac
		fuzz="$fuzz fuzz-smoke/$(basename "$f")"
	done
fi
for u in $units $fuzz; do add "$u"; done

pass=0 fail=0 failed=""
report() {	# name: waits for its status, prints its line
	f=$(echo "$1" | tr '/ ' '__')
	while [ ! -f "$ST/$f" ]; do
		kill -0 "$POOL" 2>/dev/null || [ -f "$ST/$f" ] || {
			echo "FAIL 0" >"$ST/$f"; break; }
		sleep 0.5
	done
	read -r st secs <"$ST/$f"
	printf '%-40s %s (%ss)\n' "$1" "$st" "$secs"
	if [ "$st" = ok ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $1"
		tail -n 30 "$LOGDIR/$f.log" 2>/dev/null | sed 's/^/    | /'
	fi
}

for s in $skipped; do
	printf '%-40s %s\n' "$s" "skipped (static or heavy: in the plain run)"
done
POOL=$$
for name in $alone; do
	run1 "$name"
	report "$name"
done
POOL=
lab_images
trap '[ -n "$POOL" ] && kill "$POOL" 2>/dev/null; exit 130' INT TERM
printf '%s' "$slots" | xargs -d '\n' -P "$JOBS" -n 1 \
    sh "$0" "$BUILD" --slot &
POOL=$!
for name in $order; do
	report "$name"
done
wait "$POOL"
POOL=

# check/lab has waited for the images; this only reaps a build that
# outlived a failed or timed-out lab suite.
[ -n "$LABPID" ] && wait "$LABPID" 2>/dev/null

echo
[ -n "$failed" ] && echo "failed:$failed (logs in $LOGDIR)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
