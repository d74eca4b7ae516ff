#!/bin/sh
# The status page in Debian's headless Chromium: bgpwatchd watches
# region KP, fed by a real GoBGP peer (127.0.4.41); the page (GET / on
# the metrics listener) loads with no console error, shows KP up, and
# turns it red within 2 s of bgpwatchd receiving GoBGP's withdrawal of
# KP's routes (tests/rislive/page_check.py says how that is measured).
# Screenshots stay in $BUILD/test-artifacts/.  Exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
TMP=$(mktemp -d) || exit 1
ART="$BUILD/test-artifacts"
DPID= GPID=
cleanup() {
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null
	sleep 0.2
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
	echo "FAIL: $*"
	for f in d.log gobgpd.log; do
		[ -f "$TMP/$f" ] && { echo "--- $f"; tail -15 "$TMP/$f"; }
	done
	exit 1
}
for c in chromium gobgpd gobgp; do
	command -v $c >/dev/null || fail "no $c"
done
mkdir -p "$ART"
A=127.0.4.1 G=127.0.4.41
cat >"$TMP/bgpwatchd.conf" <<CONF
local-as 65000
router-id 192.0.2.254
listen on $A port 34040
control "$TMP/ctl.sock"
eligible-after 0s
neighbor $G { remote-as 64511; passive }
region "KP" { prefix 175.45.176.0/22; hold-down 1s; min-peers 1 }
events { log "$TMP/events.mpk" }
metrics on $A port 34041
websocket on $A port 34042
CONF
cat >"$TMP/gobgpd.toml" <<CONF
[global.config]
  as = 64511
  router-id = "$G"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$A"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "$G"
    remote-port = 34040
  [neighbors.timers.config]
    connect-retry = 1
CONF
"$BUILD/bgpwatchd" -d -f "$TMP/bgpwatchd.conf" >"$TMP/d.log" 2>&1 &
DPID=$!
gobgpd -f "$TMP/gobgpd.toml" -p --pprof-disable --api-hosts "$G:34043" \
    >"$TMP/gobgpd.log" 2>&1 &
GPID=$!
gb() { timeout 10 gobgp -u $G -p 34043 "$@"; }
i=0
until gb global >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "gobgpd API"
	sleep 0.1
done
for n in 176 177 178 179; do
	gb global rib add 175.45.$n.0/24 origin igp nexthop $G >/dev/null ||
	    fail "gobgp rib add"
done
i=0
until timeout 5 "$PY" -c "
import json, urllib.request as u, sys
r = json.load(u.urlopen('http://$A:34041/regions.json', timeout=2))
sys.exit(0 if [x for x in r['regions'] if x['name'] == 'KP' and x['state'] == 'up'] else 1)
" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "region KP never up"
	sleep 0.2
done
# All four in one gobgp call: the page's bound runs from bgpwatchd's
# receipt of the first, and four calls (a Go start-up each, 0.2-0.5 s
# on a loaded machine) spread them over the region's hold-down.
cat >"$TMP/withdraw.sh" <<W
timeout 10 gobgp -u $G -p 34043 global rib -a ipv4 del all
W
case $BUILD in *san*) PAGE_MAX_S=4 ;; *) PAGE_MAX_S=2 ;; esac	# SAN: 2-3x slower
export PAGE_MAX_S
timeout 60 "$PY" tests/rislive/page_check.py "http://$A:34041/" "$ART" $G \
    sh "$TMP/withdraw.sh" || fail "status page"
ls -l "$ART"/rislive-status-*.png
# Chromium offers permessage-deflate: the page ran over it.
grep -q "connected (permessage-deflate)" "$TMP/d.log" ||
    fail "Chromium's WebSocket did not get permessage-deflate"
echo "rislive_page: ok"
