#!/bin/sh
# `make bench`: measurements, never pass/fail.  Prints a table.
#   tests/bench/run.sh BUILD
# Part 1 (codec): decode throughput of the full 2015 IPv4 table, the
# median of 5 runs.
# Part 2 (receivers, tests/bench/bench.py): bgpwatchd against BIRD 2 and
# GoBGP over loopback BGP sessions fed by bgpfeed: full table (time, CPU,
# RSS), the same table from 10 and 30 peers (bytes per additional route),
# churn from 35 peers, flush of a full-table peer, worst event-loop stall,
# and the region detector's event latency (build/tools/detectbench) when
# it is built.  Receivers run one at a time, each started fresh; every
# process is stopped by PID on exit; nothing leaves 127.0.0.0/8.
# Part 3 (tests/bench/bmp.py): 10 x the full 2015 table into bgpwatchd
# through one BMP connection and over 10 BGP sessions: time, CPU, RSS
# (BENCH_BMP_SYNTHETIC=1: the synthetic table instead).
# Environment: BENCH_RUNS (3), BENCH_GOBGP_RUNS (1), BENCH_SOURCES
# ("10 30"), BENCH_SKIP (any of gobgp bird many churn bmp),
# BENCH_BMP_PREFIXES (200000 per peer), BENCH_BMP_PEERS (10); logs and
# 6. the RIS Live stream (tests/bench/rislive.sh).
# Environment: BENCH_RUNS (3), BENCH_GOBGP_RUNS (1), BENCH_SOURCES
# ("10 30"), BENCH_SKIP (any of gobgp bird many churn rislive); logs and
# results.{json,md} are left in BUILD/bench/.  See docs/performance.md.
BUILD=${1:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
FULL="$DATA/updates.et-header.2015.gz"
set -e

echo "bgpwatch bench  $(date -u +%Y-%m-%dT%H:%MZ)  nproc=$(nproc)  $(uname -m)"
echo
echo "1. decode: $FULL"
rates=""
for i in 1 2 3 4 5; do
	r=$("$BUILD/tools/mrtdump" -q "$FULL" 2>&1 >/dev/null |
	    sed -n 's/.*rate=\([0-9]*\).*/\1/p')
	rates="$rates $r"
done
med=$(echo $rates | tr ' ' '\n' | sort -n | sed -n 3p)
line=$("$BUILD/tools/mrtdump" -q "$FULL" 2>&1 >/dev/null)
echo "   $line"
printf '   %-44s %12s\n' "decoded prefixes/s (median of 5)" "$med"
printf '   %-44s %12s\n' "target" "5000000"
printf '   %-44s %12s\n' "ratio to target" \
    "$(awk -v m="$med" 'BEGIN { printf "%.2fx", m / 5000000 }')"

echo
echo "2. receivers (bgpfeed over loopback BGP sessions)"
for t in bird gobgpd gobgp; do
	command -v $t >/dev/null 2>&1 ||
	    echo "   $t not found: install bird2 and gobgpd, or set BENCH_SKIP"
done
WORK="$BUILD/bench"
rm -rf "$WORK"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait' EXIT
trap 'exit 1' INT TERM HUP
/usr/bin/python3 -B tests/bench/bench.py "$BUILD" "$DATA" "$WORK" &
pid=$!
wait "$pid"
rc=$?
pid=
case " $BENCH_SKIP " in
*" bmp "*) ;;
*)
	echo
	echo "3. BMP ingest: one BMP connection against BGP sessions (tests/bench/bmp.py)"
	/usr/bin/python3 -B tests/bench/bmp.py \
	    ${BENCH_BMP_SYNTHETIC:+--synthetic} "$BUILD" "$WORK/bmp" &
	pid=$!
	wait "$pid" || rc=1
	pid=
	;;
esac
echo
echo "4. the MRT archive (tests/bench/mrt_bench.py)"
/usr/bin/python3 -B tests/bench/mrt_bench.py "$BUILD" "$DATA" "$WORK/mrt" &
pid=$!
wait "$pid" || rc=1
pid=
echo
echo "5. Kafka output into the mock cluster (tests/bench/kafka_bench.py)"
/usr/bin/python3 -B tests/bench/kafka_bench.py "$BUILD" || rc=1
# 6. the RIS Live stream (tests/bench/rislive.sh).
case " $BENCH_SKIP " in *" rislive "*) ;; *) sh tests/bench/rislive.sh "$BUILD" ;; esac
# 7. prefix_withdrawn wire -> subscriber latency, one full table, one region
# and every country; the loop stall of a detector recompute after one of
# 10 full-table sessions goes down (tests/bench/event_latency.py).
case " $BENCH_SKIP " in *" latency "*) ;; *)
	echo
	echo "7. event latency and the detector's recompute (tests/bench/event_latency.py)"
	/usr/bin/python3 -B tests/bench/event_latency.py "$BUILD" "$DATA" \
	    "$WORK/latency" --json "$WORK/latency.json" || rc=1
	;;
esac
exit $rc
