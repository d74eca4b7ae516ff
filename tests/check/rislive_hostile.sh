#!/bin/sh
# Hostile WebSocket clients against a real daemon while a BGP session
# feeds it (tests/rislive/hostile.py): bad JSON, bad filters, binary,
# oversized and malformed frames, bad HTTP, slowloris, idle, subscribe
# floods, too many subscriptions and clients, a refused address and a
# client that never reads.  Then: the good client got every UPDATE the
# feed sent, the session is still up, the metrics count each drop
# reason.  Every client runs under timeout.  Exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
TMP=$(mktemp -d) || exit 1
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && sleep 0.2
	for p in $(cat "$TMP"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; [ -f "$TMP/d.log" ] && tail -30 "$TMP/d.log"; exit 1; }

"$PY" -c 'import websockets' 2>/dev/null || fail "no python3-websockets"
A=127.0.4.1
cat >"$TMP/bgpwatchd.conf" <<CONF
local-as 65000
router-id 192.0.2.254
listen on $A port 34030
control "$TMP/ctl.sock"
neighbor 127.0.4.31 { remote-as 64999; passive }
metrics on $A port 34031
websocket on $A port 34032 {
	allow 127.0.4.0/24
	max-clients 8
	max-subscriptions 20
	max-message 4K
	queue-limit 1M
	idle-timeout 3s
	subscribe-rate 50
}
CONF
"$BUILD/bgpwatchd" -d -f "$TMP/bgpwatchd.conf" >"$TMP/d.log" 2>&1 &
DPID=$!
i=0
until grep -q "rislive: ws://" "$TMP/d.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "daemon did not start"
	sleep 0.1
done
timeout 100 "$PY" tests/rislive/hostile.py "ws://$A:34032/v1/ws/" \
    127.0.4.50 "$TMP/ready" "$TMP/done" >"$TMP/hostile.out" 2>&1 &
HPID=$!
i=0
until [ -f "$TMP/ready" ]; do
	i=$((i + 1))
	if [ $i -gt 900 ] || ! kill -0 $HPID 2>/dev/null; then
		cat "$TMP/hostile.out"; fail "hostile clients did not finish"
	fi
	sleep 0.1
done
timeout 40 "$BUILD/bgpfeed" --synthetic 40000 --bind 127.0.4.31 \
    --local-as 64999 --hold 3 $A:34030 >"$TMP/feed.log" 2>&1 \
    || { cat "$TMP/feed.log"; fail "bgpfeed"; }
msgs=$(sed -n 's/.*bgpfeed-timing.* msgs=\([0-9]*\).*/\1/p' "$TMP/feed.log")
[ -z "$msgs" ] && msgs=$(sed -n 's/.*: \([0-9]*\) msgs,.*/\1/p' "$TMP/feed.log" | head -1)
# The count the good client waits for (it stopped after 1.5 s of
# silence before, short when the machine is loaded).
[ -n "$msgs" ] && echo $((msgs - 2)) >"$TMP/done.tmp"
touch "$TMP/done.tmp"
mv "$TMP/done.tmp" "$TMP/done"
wait $HPID
rc=$?
cat "$TMP/hostile.out"
[ $rc -eq 0 ] || fail "hostile clients (rc $rc)"
got=$(cat "$TMP/ready.count")
# bgpfeed counts its two End-of-RIB markers, which RIS Live does not show.
echo "feed sent $msgs UPDATEs (2 of them End-of-RIB), the good client got $got"
[ -n "$msgs" ] && [ "$got" -eq $((msgs - 2)) ] || fail "the good client missed messages"
kill -0 $DPID || fail "daemon died"
grep -q "127.0.4.31: End-of-RIB IPv4, 40000 routes" "$TMP/d.log" ||
    fail "the BGP session did not get its whole table"
timeout 5 "$PY" -c "import urllib.request as u; print(u.urlopen('http://$A:34031/metrics', timeout=3).read().decode())" >"$TMP/metrics.txt" || fail "metrics"
grep '^bgpwatch_rislive' "$TMP/metrics.txt"
for r in slow idle protocol too_big full denied flood; do
	grep -q "^bgpwatch_rislive_drops_total{reason=\"$r\"} [1-9]" \
	    "$TMP/metrics.txt" || fail "no drop counted as $r"
done
grep -q '^bgpwatch_rislive_clients 0' "$TMP/metrics.txt" || fail "clients left"
grep -q '^bgpwatch_rislive_queued_bytes 0' "$TMP/metrics.txt" || fail "bytes left queued"
grep "dropped (slow)" "$TMP/d.log" || fail "no log line for the slow client"
echo "rislive_hostile: ok"
