#!/bin/sh
# make tsan: the suites that run the daemon's threads against the loop,
# built with ThreadSanitizer (SAN=thread, BUILD/ of clang -O1 -g).
#   tests/tsan/run.sh [BUILD]
#
# The threads: the read-ahead of bzip2 replays (lib/mrtahead.c) and the
# next file opened early (bgpd/mrt/replay.c), the MRT archive writer
# (bgpd/mrt/mrt_io.c), the sync thread of the event log and the Kafka
# state file (bgpd/event/evt_syncer.c), a reload's statistics read and
# index build (bgpd/detect/detstats.c, detbuild.c), librdkafka's threads
# and the RIS Live worker.  Reports go to BUILD/tsan-logs/tsan.PID (the
# suites keep their own exit status); any report fails the run, and the
# reports are printed.  tests/tsan/suppressions.txt says what is
# suppressed and why.  About 4 minutes on two cores.
BUILD=${1:-build-tsan}
LOGDIR="$BUILD/tsan-logs"
UNITS="test_mrtahead test_mrt_io test_replay test_evt test_evt_lock
test_evt_backlog test_evt_stream test_evt_fanout test_detect
test_detect_model test_rirstats test_control test_kafka_conf test_rislive"
CHECKS="replay mrt_archive mrt_exitwait mrt_queuefull evlog_lock
faults_slowdisk faults_reload kafka_stream kafka_slowdisk rislive"
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
TSAN_OPTIONS="suppressions=$(pwd)/tests/tsan/suppressions.txt"
TSAN_OPTIONS="$TSAN_OPTIONS log_path=$(pwd)/$LOGDIR/tsan exitcode=0"
TSAN_OPTIONS="$TSAN_OPTIONS halt_on_error=0 second_deadlock_stack=1"
export TSAN_OPTIONS

fail=0
run() {	# name command... (a command, or a function of this script)
	name=$1; shift
	start=$(date +%s)
	t="timeout -k 10 600"
	[ "$1" = replay_bz2 ] && t=
	if $t "$@" >"$LOGDIR/$(echo "$name" | tr / _).log" 2>&1; then
		st=ok
	else
		st=FAIL; fail=$((fail + 1))
	fi
	printf '%-40s %s (%ss)\n' "$name" "$st" "$(( $(date +%s) - start ))"
}

# bgpwatchd -r over bzip2 files: each read ahead on a thread, the next
# opened while the one before is applied.
replay_bz2() {
	d=$(mktemp -d /tmp/bw-tsan-XXXXXX)
	printf 'local-as 65000\nrouter-id 192.0.2.254\n' >"$d/r.conf"
	printf 'region "R" {\n    prefix 10.0.0.0/8\n}\n' >>"$d/r.conf"
	printf 'events {\n    log "%s/ev.mpk"\n}\n' "$d" >>"$d/r.conf"
	set --
	for f in updates.20070211.0141 updates.20100722.2015 \
	    updates.20160811.1600; do
		gzip -dc "$DATA/$f.gz" | bzip2 -1 >"$d/$f.bz2" || return 1
		set -- "$@" "$d/$f.bz2"
	done
	"$BUILD/bgpwatchd" -d -v -f "$d/r.conf" -r "$@" >"$d/out" 2>&1
	rc=$?
	grep -c 'decompressed ahead, on a thread' "$d/out" | grep -qx 3 ||
	    rc=1
	rm -rf "$d"
	return $rc
}

for u in $UNITS; do
	run "unit/$u" "$BUILD/tests/$u"
done
run replay_bz2 replay_bz2
for c in $CHECKS; do
	run "check/$c" env BUILD="$BUILD" sh "tests/check/$c.sh"
done

n=$(ls "$LOGDIR" | grep -c '^tsan\.')
for f in "$LOGDIR"/tsan.*; do
	[ -f "$f" ] && sed 's/^/    | /' "$f"
done
echo
echo "$fail suites failed, $n processes with ThreadSanitizer reports" \
    "(logs in $LOGDIR)"
[ "$fail" -eq 0 ] && [ "$n" -eq 0 ]
