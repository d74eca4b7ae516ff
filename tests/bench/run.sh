#!/bin/sh
# `make bench`: measurements, never pass/fail.  Prints a table.
#   tests/bench/run.sh BUILD
# Part 1 (codec): decode throughput of the full 2015 IPv4 table, the
# median of 5 runs, plus callgrind's instruction count per prefix (stable
# on a noisy shared machine).  The RIB and latency benchmarks against
# BIRD and GoBGP arrive with the sessions and RIB work.
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
