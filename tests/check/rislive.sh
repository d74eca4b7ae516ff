#!/bin/sh
# The RIS Live stream against a real daemon fed by real sessions:
# bgpfeed replays three RIS peers of updates.20160811.1600.gz (from
# 127.0.4.11-13) into bgpwatchd; Debian's python3-websockets opens one
# connection per filter form (tests/rislive/stream_check.py) and checks
# every ris_message against bgpdump's view of the same records, and that
# nothing outside a filter arrives.  Then region events over
# bgpwatch_subscribe against the event log, with a resume from a seq.
# Every client runs under timeout.  Exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
MRT=${MRT:-../shared/data/mrt/updates.20160811.1600.gz}
[ -f "$MRT" ] || MRT=/work/shared/data/mrt/updates.20160811.1600.gz
TMP=$(mktemp -d) || exit 1
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && sleep 0.2
	for p in $(cat "$TMP"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; [ -f "$TMP/d.log" ] && tail -20 "$TMP/d.log"; exit 1; }

for b in bgpwatchd bgpfeed bgpwatchctl; do
	[ -x "$BUILD/$b" ] || fail "$BUILD/$b not built"
done
command -v bgpdump >/dev/null || fail "no bgpdump"
"$PY" -c 'import websockets' 2>/dev/null || fail "no python3-websockets"

A=127.0.4.1
cat >"$TMP/bgpwatchd.conf" <<CONF
local-as 65000
router-id 192.0.2.254
collector-id "rrc-test"
listen on $A port 34020
control "$TMP/ctl.sock"
eligible-after 0s
neighbor 127.0.4.11 { remote-as 49463; passive }
neighbor 127.0.4.12 { remote-as 8218; passive }
neighbor 127.0.4.13 { remote-as 34019; passive }
region "R190" { prefix 190.0.0.0/8; hold-down 1s; down-below 50% }
events { log "$TMP/events.mpk" max-size 3K keep 100 }
metrics on $A port 34021
websocket on $A port 34022 { max-clients 50 }
CONF
"$BUILD/bgpwatchd" -d -f "$TMP/bgpwatchd.conf" >"$TMP/d.log" 2>&1 &
DPID=$!
i=0
until grep -q "rislive: ws://" "$TMP/d.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "daemon did not start"
	sleep 0.1
done

bgpdump -m "$MRT" >"$TMP/oracle.txt" 2>/dev/null || fail "bgpdump"
timeout 60 "$PY" tests/rislive/stream_check.py "ws://$A:34022/v1/ws/" \
    rrc-test "$TMP/ready" "$TMP/oracle.txt" 37.49.236.145=127.0.4.11 \
    37.49.232.7=127.0.4.12 2001:7f8:54::71=127.0.4.13 >"$TMP/check.out" 2>&1 &
CPID=$!
i=0
until [ -f "$TMP/ready" ]; do
	i=$((i + 1))
	if [ $i -gt 150 ] || ! kill -0 $CPID 2>/dev/null; then
		cat "$TMP/check.out"; fail "stream clients not ready"
	fi
	sleep 0.1
done
n=11
for p in 37.49.236.145 37.49.232.7 2001:7f8:54::71; do
	timeout 30 "$BUILD/bgpfeed" --mrt "$MRT" --peer $p --bind 127.0.4.$n \
	    $A:34020 >"$TMP/feed$n.log" 2>&1 &
	n=$((n + 1))
done
wait $CPID
rc=$?
cat "$TMP/check.out"
[ $rc -eq 0 ] || fail "stream check (rc $rc)"
# python3-websockets offers permessage-deflate by default: all of the
# above ran over it.
grep -q "connected (permessage-deflate)" "$TMP/d.log" ||
    fail "the clients did not get permessage-deflate"
grep -q "bgpwatch_rislive_messages_total [1-9]" <<EOF2 || fail "metrics"
$(timeout 5 "$PY" -c "import urllib.request as u; print(u.urlopen('http://$A:34021/metrics', timeout=3).read().decode())")
EOF2

# Region events: the feeds above made R190 go up and down; compare
# bgpwatch_subscribe (from 1, then from a later seq) with the log, which
# max-size 3K rotated into several files: a replay reads them all.
: >"$TMP/events.json"
nrot=$(ls "$TMP"/events.mpk.* 2>/dev/null | wc -l)
[ "$nrot" -ge 2 ] || fail "the event log did not rotate ($nrot files)"
for i in $(seq "$nrot" -1 1) ""; do
	timeout 20 "$BUILD/bgpwatchctl" events "$TMP/events.mpk${i:+.$i}" \
	    >>"$TMP/events.json" || fail "bgpwatchctl events"
done
echo "event log: the current file and $nrot rotated ones"
timeout 30 "$PY" tests/rislive/events_check.py "ws://$A:34022/v1/ws/" \
    "$TMP/events.json" || fail "bgpwatch_subscribe"

# Reload: a new port opens a new listener (the old one closes), then a
# config without websocket closes the stream; the daemon keeps running.
sed -i "s/^websocket on .*/websocket on $A port 34023 { max-clients 5 }/" \
    "$TMP/bgpwatchd.conf"
timeout 10 "$BUILD/bgpwatchctl" -s "$TMP/ctl.sock" reload || fail "reload"
cat >"$TMP/ping.py" <<'PYEOF'
import asyncio, sys, websockets
async def main(url):
    async with websockets.connect(url, open_timeout=3, close_timeout=1) as ws:
        await ws.send('{"type":"ping"}')
        print(await asyncio.wait_for(ws.recv(), 3))
try:
    asyncio.run(main(sys.argv[1]))
except Exception as e:
    print("refused:", type(e).__name__)
    sys.exit(1)
PYEOF
timeout 10 "$PY" "$TMP/ping.py" "ws://$A:34023/v1/ws/" | grep -q pong ||
    fail "the new port after reload"
timeout 10 "$PY" "$TMP/ping.py" "ws://$A:34022/v1/ws/" >/dev/null &&
    fail "the old port still open after reload"
sed -i '/^websocket on /d' "$TMP/bgpwatchd.conf"
timeout 10 "$BUILD/bgpwatchctl" -s "$TMP/ctl.sock" reload || fail "reload 2"
timeout 10 "$PY" "$TMP/ping.py" "ws://$A:34023/v1/ws/" >/dev/null &&
    fail "the stream still open without websocket"
kill -0 $DPID || fail "daemon died"
echo "rislive: ok"
