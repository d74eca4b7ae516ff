#!/bin/sh
# Line coverage of the fuzz corpora (llvm-cov): replays every corpus
# once through targets built with coverage instead of sanitizers and
# reports proto/ and the other parsers.
#   make fuzz-build BUILD=build-cov \
#       FUZZ_SAN="-fprofile-instr-generate -fcoverage-mapping"
#   tests/fuzz/coverage.sh build-cov CORPUS_BUILD   (e.g. build)
# CORPUS_BUILD/fuzz/corpus-NAME and seeds-NAME are replayed.
COV=${1:-build-cov}
CORP=${2:-build}
out="$COV/cov"
rm -rf "$out"
mkdir -p "$out"
objs=""
for bin in "$COV"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin")
	name=${t#fuzz_}
	dirs=""
	for d in "$CORP/fuzz/corpus-$name" "$CORP/fuzz/seeds-$name" \
	    "tests/fuzz/regress/$name"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	[ -n "$dirs" ] || continue
	LLVM_PROFILE_FILE="$out/$name.profraw" "$bin" -runs=0 $dirs \
	    >"$out/$name.log" 2>&1
	if [ -z "$objs" ]; then objs="$bin"; else objs="$objs -object $bin"; fi
done
llvm-profdata merge -sparse "$out"/*.profraw -o "$out/all.profdata" || exit 1
echo "== proto/ (the codec): file, lines, lines missed, line coverage"
llvm-cov report $objs -instr-profile="$out/all.profdata" proto/*.c |
    awk 'NF >= 13 && $1 != "Filename" { print $1, $8, $9, $10 }' | column -t
echo "== parsers: file, lines, lines missed, line coverage"
llvm-cov report $objs -instr-profile="$out/all.profdata" bgpd/conf/parse*.c \
    bgpd/conf/printconf.c bgpd/detect/rirstats.c bgpd/event/evt_reader.c \
    bgpd/event/evt_json.c bgpd/rislive/rislive_sub.c bgpd/ctl/control.c \
    bgpd/ctl/control_cmd.c bgpd/bmp/bmp_station.c bgpd/rislive/rislive.c |
    awk 'NF >= 13 && $1 != "Filename" { print $1, $8, $9, $10 }' | column -t
