#!/bin/sh
# Runs libFuzzer targets for a bounded time each.
#   tests/fuzz/run.sh BUILD SECONDS [TARGET...]
# Seeds: tests/fuzz/corpus/<name>/, what tests/fuzz/seeds.py makes from
# the real data (third-party BGP vectors, configs, RIR stats, an event
# log...) and, for the UPDATE and MRT targets, inputs cut from the real
# RIS data by BUILD/tools/mkseeds.  The growing corpus lives in
# BUILD/fuzz/corpus-<name>; crashes in BUILD/fuzz/.  Every input kept in
# tests/fuzz/regress/<name>/ (past crashes) is run once first.
BUILD=${1:-build}
SECS=${2:-60}
shift 2 2>/dev/null
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
targets=$*
[ -n "$targets" ] || targets=$(cd "$BUILD/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.')
rc=0
for t in $targets; do
	name=${t#fuzz_}
	work="$BUILD/fuzz/corpus-$name"
	seeds="$BUILD/fuzz/seeds-$name"
	mkdir -p "$work" "$seeds"
	[ -d "tests/fuzz/corpus/$name" ] && cp -n tests/fuzz/corpus/"$name"/* "$seeds"/ 2>/dev/null
	if [ ! -f "$seeds/.done" ]; then
		/usr/bin/python3 tests/fuzz/seeds.py "$name" "$seeds" "$BUILD" \
		    >/dev/null || rc=1
		if [ -x "$BUILD/tools/mkseeds" ]; then
			"$BUILD/tools/mkseeds" "$name" "$seeds" "$DATA"/*.gz \
			    >/dev/null 2>&1
		fi
		touch "$seeds/.done"
	fi
	if [ -n "$(ls tests/fuzz/regress/"$name" 2>/dev/null)" ]; then
		if ! "$BUILD/fuzz/$t" tests/fuzz/regress/"$name"/* \
		    >"$BUILD/fuzz/$t.regress.log" 2>&1; then
			echo "fuzz: $t fails on a kept regression input"
			tail -n 40 "$BUILD/fuzz/$t.regress.log"
			rc=1
		fi
	fi
	rm -f "$BUILD/fuzz/$t-"crash-* "$BUILD/fuzz/$t-"leak-* \
	    "$BUILD/fuzz/$t-"timeout-* "$BUILD/fuzz/$t-"oom-*
	echo "fuzz: $t for ${SECS}s ($(ls "$seeds" | wc -l) seeds)"
	log="$BUILD/fuzz/$t.log"
	dict=
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	if ! "$BUILD/fuzz/$t" $dict -max_total_time="$SECS" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$BUILD/fuzz/$t-" "$work" "$seeds" >"$log" 2>&1; then
		rc=1
	fi
	grep -E '^#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|ERROR|SUMMARY' "$log" | tail -n 5
	if ls "$BUILD/fuzz/$t-"crash-* "$BUILD/fuzz/$t-"leak-* \
	    "$BUILD/fuzz/$t-"timeout-* "$BUILD/fuzz/$t-"oom-* 2>/dev/null; then
		rc=1
		tail -n 40 "$log"
	fi
done
exit $rc
