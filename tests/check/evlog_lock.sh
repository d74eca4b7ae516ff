#!/bin/sh
# One writer per event log.  A running daemon holds its log; a second
# daemon or a `bgpwatchd -r` replay naming the same log (through the
# config or -o) fails at start, naming the pid that holds it, and the
# live log is left untouched.  A replay writes JSON lines to stdout by
# default, or with -o OUT its own msgpack log, read back by Debian's
# python msgpack and compared with the JSON lines.
# Addresses: 127.0.5.1, ports 35010-35019.
BUILD=${BUILD:-build}
D="$(pwd)/$BUILD/bgpwatchd"
MRT=${BGPWATCH_MRT_DATA:-../shared/data/mrt}/updates.20100722.2015.gz
TMP=$(mktemp -d) || exit 1
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && sleep 0.3
	rm -rf "$TMP"
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

cat >"$TMP/live.conf" <<CONF
local-as 65000
router-id 192.0.2.254
listen on 127.0.5.1 port 35011
control "$TMP/live.sock"
region "R" {
	origin-as 15802
	origin-as 44265
	hold-down 30s
}
events {
	log "$TMP/live.mpk"
}
CONF
"$D" -d -f "$TMP/live.conf" >"$TMP/live.log" 2>&1 &
PID=$!
i=0
until [ -S "$TMP/live.sock" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { fail "daemon did not start: $(cat "$TMP/live.log")"; exit 1; }
	sleep 0.1
done
sum0=$(md5sum <"$TMP/live.mpk")

# A second daemon with its own sockets but the same log.
sed -e 's/35011/35012/' -e "s|live.sock|second.sock|" "$TMP/live.conf" >"$TMP/second.conf"
"$D" -d -f "$TMP/second.conf" >"$TMP/out" 2>&1 && fail "second daemon started"
grep -q "event log $TMP/live.mpk is in use by process $PID (bgpwatchd)" "$TMP/out" ||
    fail "second daemon's message: $(cat "$TMP/out")"

# A replay of the live daemon's own config.
"$D" -f "$TMP/live.conf" -r "$MRT" >"$TMP/out" 2>"$TMP/err" && fail "replay into the live log ran"
grep -q "in use by process $PID (bgpwatchd)" "$TMP/err" ||
    fail "replay's message: $(cat "$TMP/err")"
[ -s "$TMP/out" ] && fail "replay printed events although it failed"
# ... or naming it with -o.
"$D" -f "$TMP/second.conf" -o "$TMP/live.mpk" -r "$MRT" >/dev/null 2>"$TMP/err" &&
    fail "replay -o LIVE ran"
grep -q "in use by process $PID" "$TMP/err" || fail "-o LIVE message: $(cat "$TMP/err")"
[ "$(md5sum <"$TMP/live.mpk")" = "$sum0" ] || fail "the live log changed"

# -o OUT: its own log.  -o -: JSON lines on stdout only.
"$D" -f "$TMP/live.conf" -o "$TMP/replay.mpk" -r "$MRT" >"$TMP/o.out" 2>"$TMP/err" ||
    fail "replay -o: $(cat "$TMP/err")"
[ -s "$TMP/o.out" ] && fail "replay -o FILE printed on stdout"
"$D" -f "$TMP/live.conf" -o - -r "$MRT" >"$TMP/replay.json" 2>"$TMP/err" ||
    fail "replay -o -: $(cat "$TMP/err")"
[ "$(md5sum <"$TMP/live.mpk")" = "$sum0" ] || fail "the live log changed"
# Without -o and without a log in the config: JSON lines on stdout.
grep -v -e '^events' -e 'log "' -e '^}$' "$TMP/live.conf" >"$TMP/nolog.conf"
echo "}" >>"$TMP/nolog.conf"	# the region's closing brace
"$D" -f "$TMP/nolog.conf" -r "$MRT" >"$TMP/default.json" 2>"$TMP/err" ||
    fail "replay without -o: $(cat "$TMP/err")"
cmp -s "$TMP/default.json" "$TMP/replay.json" || fail "default output differs from -o -"

/usr/bin/python3 - "$TMP/replay.mpk" "$TMP/replay.json" <<'PY' || failed=1
import json, sys, msgpack
with open(sys.argv[1], "rb") as f:
    mp = list(msgpack.Unpacker(f, raw=False, timestamp=3))
with open(sys.argv[2]) as f:
    js = [json.loads(l) for l in f]
types = {}
for e in js:
    types[e["type"]] = types.get(e["type"], 0) + 1
print("replay: %d events in the -o log, %d JSON lines, %s" % (len(mp), len(js), types))
ok = len(mp) == len(js) > 100
ok = ok and [e["seq"] for e in mp] == list(range(1, len(mp) + 1))
ok = ok and [e["seq"] for e in js] == [e["seq"] for e in mp]
ok = ok and [e["type"] for e in js] == [e["type"] for e in mp]
ok = ok and all(a.get("prefix") == b.get("prefix") for a, b in zip(mp, js))
ok = ok and types.get("prefix_withdrawn", 0) > 0 and types.get("peer_up", 0) > 0
print("ok" if ok else "FAIL: the -o log and the JSON lines disagree")
sys.exit(0 if ok else 1)
PY

kill -0 $PID 2>/dev/null || fail "live daemon died"
kill $PID; wait $PID; PID=
# Once the daemon is gone, the log is free again: -o may append to it.
"$D" -f "$TMP/live.conf" -o "$TMP/live.mpk" -r "$MRT" 2>"$TMP/err" ||
    fail "replay -o into a free log: $(cat "$TMP/err")"
[ $failed -eq 0 ] && echo "evlog_lock: ok"
exit $failed
