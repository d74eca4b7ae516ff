#!/bin/sh
# make bench, part 3: the RIS Live stream (tests/rislive/bench.py): full
# table load time without and with 10 subscribed WebSocket clients, their
# messages per second, and the wire-to-client latency of one subscribed
# prefix.  Measurements only.  Ports 34090-34092 on 127.0.4.x.
#   tests/bench/rislive.sh BUILD
BUILD=${1:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
[ -d "$DATA" ] || DATA=/work/shared/data/mrt
WORK="$BUILD/bench"
mkdir -p "$WORK"
echo
echo "3. RIS Live stream (WebSocket clients of bgpwatchd)"
timeout 900 /usr/bin/python3 -B tests/rislive/bench.py "$BUILD" \
    "$DATA/updates.et-header.2015.gz" "$(cd "$WORK" && pwd)"
