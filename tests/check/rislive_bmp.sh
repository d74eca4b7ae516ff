#!/bin/sh
# BMP-monitored peers through the RIS Live stream: GoBGP (a real BMP
# exporter, route-monitoring-policy pre-policy) is fed one RIS peer of
# updates.20160811.1600.gz by bgpfeed and exports BMP to bgpwatchd; a
# python3-websockets client subscribed to everything must see that peer
# like a BGP neighbor: RIS_PEER_STATE "up" then "down" (BMP Peer Up and
# Peer Down), and UPDATEs with the peer's address and AS whose
# announcements and withdrawals are bgpdump's records of that peer.
# 127.0.4.70-79, ports 34070-34079.  Exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
MRT=${MRT:-../shared/data/mrt/updates.20160811.1600.gz}
[ -f "$MRT" ] || MRT=/work/shared/data/mrt/updates.20160811.1600.gz
TMP=$(mktemp -d) || exit 1
cleanup() {
	for p in $(cat "$TMP"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$(cat "$TMP/d.pid")" 2>/dev/null || break
		sleep 0.2
	done
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; [ -f "$TMP/d.log" ] && tail -20 "$TMP/d.log"; exit 1; }

for t in "$BUILD/bgpwatchd" "$BUILD/bgpfeed" gobgpd bgpdump; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || fail "missing $t"
done
A=127.0.4.70		# bgpwatchd
G=127.0.4.71		# gobgpd
F=127.0.4.72		# bgpfeed, the monitored peer
PEER=37.49.232.7	# its RIS peer in the MRT file, AS 8218
cat >"$TMP/bgpwatchd.conf" <<CONF
local-as 65000
router-id 192.0.2.254
collector-id "rrc-bmp"
control "$TMP/ctl.sock"
bmp {
	listen on $A port 34070
	router 127.0.0.1 { description "gobgp" }
}
websocket on $A port 34072
CONF
"$BUILD/bgpwatchd" -d -f "$TMP/bgpwatchd.conf" >"$TMP/d.log" 2>&1 &
echo $! >"$TMP/d.pid"
i=0
until grep -q "rislive: ws://" "$TMP/d.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "daemon did not start"
	sleep 0.1
done
cat >"$TMP/gobgpd.toml" <<CONF
[global.config]
  as = 65071
  router-id = "$G"
  port = 34073
  local-address-list = ["$G"]
[[bmp-servers]]
  [bmp-servers.config]
    address = "$A"
    port = 34070
    route-monitoring-policy = "pre-policy"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$F"
    peer-as = 8218
  [neighbors.transport.config]
    passive-mode = true
    local-address = "$G"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
CONF
gobgpd -f "$TMP/gobgpd.toml" -p --pprof-disable --api-hosts "$G:34074" \
    -l warn >"$TMP/gobgpd.log" 2>&1 &
echo $! >"$TMP/g.pid"
i=0
until grep -q "bmp: router 127.0.0.1 connected" "$TMP/d.log"; do
	i=$((i + 1)); [ $i -gt 150 ] && fail "GoBGP's BMP session did not come up"
	sleep 0.1
done
bgpdump -m "$MRT" 2>/dev/null | awk -F'|' -v p=$PEER '$4 == p' \
    >"$TMP/oracle.txt" || fail "bgpdump"
cat >"$TMP/check.py" <<'PYEOF'
import asyncio, json, sys, time
import websockets
URL, READY, ORACLE, F, FAS = sys.argv[1:6]
fail = []
def check(c, what):
    print(("ok   " if c else "FAIL ") + what, flush=True)
    if not c:
        fail.append(what)
async def main():
    msgs = []
    async with websockets.connect(URL, open_timeout=5, close_timeout=1,
                                  max_size=None) as ws:
        await ws.send(json.dumps({"type": "ris_subscribe", "data": {
            "socketOptions": {"acknowledge": True}}}))
        o = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(o["type"] == "ris_subscribe_ok", "subscribed")
        open(READY, "w").write("ready\n")
        t0 = time.time()
        while time.time() - t0 < 40:
            try:
                o = json.loads(await asyncio.wait_for(ws.recv(), 1))
            except asyncio.TimeoutError:
                continue
            d = o["data"]
            msgs.append(d)
            if d["type"] == "RIS_PEER_STATE" and d["state"] == "down":
                break
    states = [d["state"] for d in msgs if d["type"] == "RIS_PEER_STATE"
              and d["peer"] == F]
    check(states == ["up", "down"], "RIS_PEER_STATE of the BMP peer: %s"
          % states)
    upd = [d for d in msgs if d["type"] == "UPDATE"]
    check(upd and all(d["peer"] == F and d["peer_asn"] == FAS and
                      d["host"] == "rrc-bmp" for d in upd),
          "%d UPDATEs, all from peer %s AS %s" % (len(upd), F, FAS))
    ann, wd = set(), set()
    for d in upd:
        for a in d.get("announcements", []):
            ann.update(a["prefixes"])
        wd.update(d.get("withdrawals", []))
    want_a, want_w = set(), set()
    for line in open(ORACLE):
        f = line.strip().split("|")
        (want_a if f[2] == "A" else want_w).add(f[5])
    print("stream: %d announced, %d withdrawn; bgpdump: %d, %d" % (
        len(ann), len(wd), len(want_a), len(want_w)))
    check(len(want_a) > 100, "the oracle has the records")
    check(ann == want_a, "announced prefixes equal bgpdump's")
    check(wd == want_w, "withdrawn prefixes equal bgpdump's")
asyncio.run(main())
print("FAILED" if fail else "ok")
sys.exit(1 if fail else 0)
PYEOF
timeout 60 "$PY" "$TMP/check.py" "ws://$A:34072/v1/ws/" "$TMP/ready" \
    "$TMP/oracle.txt" "$F" 8218 >"$TMP/check.out" 2>&1 &
CPID=$!
i=0
until [ -f "$TMP/ready" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $CPID 2>/dev/null; then
		cat "$TMP/check.out"; fail "client not ready"
	fi
	sleep 0.1
done
timeout 40 "$BUILD/bgpfeed" --mrt "$MRT" --peer $PEER --bind $F \
    --remote-as 65071 --hold 3 --quiet $G:34073 >"$TMP/feed.log" 2>&1 ||
    { cat "$TMP/feed.log"; fail "bgpfeed"; }
wait $CPID
rc=$?
cat "$TMP/check.out"
[ $rc -eq 0 ] || fail "BMP peers through the stream (rc $rc)"
echo "rislive_bmp: ok"
