#!/bin/sh
# make demo: North Korea goes dark, on loopback.
#
# Three BIRD instances play three upstreams (AS4837, China Unicom, KP's
# real upstream in 2014; AS3356; AS1299).  Each announces KP's four /24s
# (175.45.176.0/22, origin AS131279, path "UPSTREAM 131279") and 27
# background routes from documentation/benchmark space to one bgpwatchd
# that watches region "KP" (its prefix, its origin AS and `country KP`
# from the APNIC fixture).  Then:
#   1. the sessions come up and the region is up;
#   2. AS4837 withdraws KP: prefix_withdrawn; 2 of 3 upstreams still
#      carry it (at least half), so the region stays up;
#   3. AS3356 and AS1299 withdraw it too: region_down after hold-down;
#   4. all announce it again: prefix_announced, region_up with the
#      outage's duration.
# Each step's events are printed as JSON lines (stdout, read from the
# event log with `bgpwatchctl events`), each step is announced by one
# line on stderr.  Everything runs in a temporary directory on
# 127.0.0.0/8 with high ports, and every process started here is stopped
# by its PID at the end.  KEEP=1 keeps the directory (logs, configs, the
# event log).
#   sh tests/demo.sh [BUILD]      (BUILD: directory of the binaries)
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
BUILD=${1:-build}
case $BUILD in /*) BIN=$BUILD ;; *) BIN=$TOP/$BUILD ;; esac
BW=$BIN/bgpwatchd
CTL=$BIN/bgpwatchctl
RIR=$TOP/tests/data/rirstats/delegated-apnic-extended-latest
HOLD=3                  # hold-down of region KP, seconds

say() { echo "demo: $*" >&2; }
die() {
	echo "demo: FAILED: $*" >&2
	if [ -n "${D:-}" ]; then
		for f in "$D"/bgpwatchd.log "$D"/r*.log; do
			[ -f "$f" ] || continue
			echo "----- $f" >&2
			tail -n 15 "$f" >&2
		done
	fi
	exit 1
}

for t in "$BW" "$CTL"; do
	[ -x "$t" ] || die "$t missing (run make)"
done
for t in bird birdc; do
	command -v $t >/dev/null 2>&1 || die "$t missing (run make deps)"
done
[ -r "$RIR" ] || die "$RIR missing"

D=$(mktemp -d "${TMPDIR:-/tmp}/bgpwatch-demo.XXXXXX") || exit 1
PIDS=""
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		n=0
		while kill -0 "$p" 2>/dev/null && [ "$n" -lt 30 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "${KEEP:-}" ]; then
		echo "demo: files kept in $D" >&2
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# One free high port: bgpwatchd listens on 127.0.0.1:PORT, each BIRD on
# its own 127.0.0.1x:PORT (strict bind).
PORT=""
PY=/usr/bin/python3
[ -x $PY ] || PY=python3
if command -v $PY >/dev/null 2>&1; then
	PORT=$($PY -c '
import socket
for _ in range(50):
    s = socket.socket(); s.bind(("0.0.0.0", 0)); p = s.getsockname()[1]; s.close()
    if p >= 20000:
        print(p); break' 2>/dev/null)
fi
[ -n "$PORT" ] || PORT=$((20000 + $$ % 40000))

# ------------------------------------------------------------ bgpwatchd
cat >"$D/bgpwatchd.conf" <<EOF
local-as 65000
router-id 192.0.2.254
listen on 127.0.0.1 port $PORT
control "$D/bgpwatchd.sock"
hold-time 9
connect-retry 1s
eligible-after 3s
rir-stats "$RIR"

neighbor 127.0.0.11 {
    remote-as 4837
    description "upstream 1 (AS4837, China Unicom)"
    port $PORT
}
neighbor 127.0.0.12 {
    remote-as 3356
    description "upstream 2 (AS3356)"
    port $PORT
}
neighbor 127.0.0.13 {
    remote-as 1299
    description "upstream 3 (AS1299)"
    port $PORT
}

region "KP" {
    prefix 175.45.176.0/22
    origin-as 131279
    country KP
    degraded-below 90%
    down-below 50%
    hold-down ${HOLD}s
}

events {
    log "$D/events.mpk"
    subscribe unix "$D/events.sock"
}
EOF
"$BW" -n -f "$D/bgpwatchd.conf" || die "bgpwatchd -n refused the configuration"

# ----------------------------------------------------------------- BIRD
# KP's /24s in protocol static "kp" (disable/enable it to withdraw and
# announce them), the background in "bg".
BG=""
i=0
while [ $i -lt 24 ]; do
	BG="$BG  route 198.18.$i.0/24 blackhole;
"
	i=$((i + 1))
done
for n in 1 2 3; do
	case $n in
	1) AS=4837 ;;
	2) AS=3356 ;;
	3) AS=1299 ;;
	esac
	cat >"$D/r$n.conf" <<EOF
router id 192.0.2.1$n;
log "$D/r$n.log" all;
protocol device {}
protocol static kp {
  ipv4;
  route 175.45.176.0/24 blackhole;
  route 175.45.177.0/24 blackhole;
  route 175.45.178.0/24 blackhole;
  route 175.45.179.0/24 blackhole;
}
protocol static bg {
  ipv4;
$BG  route 192.0.2.0/24 blackhole;
  route 198.51.100.0/24 blackhole;
  route 203.0.113.0/24 blackhole;
}
filter to_bgpwatch {
  if net ~ [ 175.45.176.0/22{24,24} ] then bgp_path.prepend(131279);
  else bgp_path.prepend(64496);
  accept;
}
protocol bgp bgpwatch {
  local 127.0.0.1$n port $PORT as $AS;
  neighbor 127.0.0.1 port $PORT as 65000;
  multihop;
  strict bind on;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 3;
  hold time 9;
  keepalive time 1;
  ipv4 { import none; export filter to_bgpwatch; next hop address 192.0.2.1; };
}
EOF
	bird -p -c "$D/r$n.conf" || die "bird -p refused r$n.conf"
done

# ------------------------------------------------------------- helpers
LOG=$D/events.mpk
NEXT=1                  # first seq not printed yet

# count TYPE: events of TYPE with seq >= NEXT
count() {
	[ -s "$LOG" ] || { echo 0; return; }
	"$CTL" events --from "$NEXT" "$LOG" 2>/dev/null |
	    grep -c "\"type\":\"$1\""
}

# wait_for TIMEOUT WHAT COMMAND...: polls COMMAND every 0.2 s
wait_for() {
	_t=$(($1 * 5))
	_what=$2
	shift 2
	while ! "$@"; do
		_t=$((_t - 1))
		[ $_t -gt 0 ] || die "timed out waiting for $_what"
		sleep 0.2
	done
}
at_least() { [ "$(count "$1")" -ge "$2" ]; }
none_of() { [ "$(count "$1")" -eq 0 ]; }

# Prints the events from NEXT on; NEXT becomes the seq after the last.
show() {
	[ -s "$LOG" ] || return 0
	"$CTL" events --from "$NEXT" "$LOG" >"$D/out.json" ||
	    die "bgpwatchctl events $LOG failed"
	cat "$D/out.json"
	_last=$(sed -n 's/^{"v":1,"seq":\([0-9]*\),.*/\1/p' "$D/out.json" |
	    tail -n 1)
	[ -z "$_last" ] || NEXT=$((_last + 1))
}

eligible() {
	# All three Established with End-of-RIB received.
	[ "$("$CTL" -s "$D/bgpwatchd.sock" -j show neighbors 2>/dev/null |
	    grep -o '"eor":{"ipv4":[1-9]' | wc -l)" -eq 3 ]
}

birdc_() { birdc -s "$D/r$1.ctl" "$2" "$3" >/dev/null || die "birdc $2 $3 at r$1"; }

# ---------------------------------------------------------------- go
START=$(date +%s)
say "[1/4] three upstreams, AS4837 (127.0.0.11), AS3356 (.12) and AS1299 (.13), announce KP's four /24s (175.45.176.0/22, origin AS131279) and 27 background routes to bgpwatchd (AS65000, 127.0.0.1:$PORT); waiting for the sessions and for region KP to come up"
"$BW" -d -f "$D/bgpwatchd.conf" 2>"$D/bgpwatchd.log" &
PIDS="$PIDS $!"
wait_for 10 "bgpwatchd's control socket" \
    "$CTL" -s "$D/bgpwatchd.sock" show neighbors >/dev/null 2>&1
for n in 1 2 3; do
	bird -f -c "$D/r$n.conf" -s "$D/r$n.ctl" -P "$D/r$n.pid" \
	    >"$D/r$n.out" 2>&1 &
	PIDS="$PIDS $!"
done
wait_for 20 "3 sessions (peer_up)" at_least peer_up 3
wait_for 20 "End-of-RIB from the 3 upstreams" eligible
wait_for 20 "region KP up" at_least region_up 1
sleep 0.5
show

say "[2/4] AS4837 withdraws the four /24s: prefix_withdrawn from 127.0.0.11 (visible_peers 2: AS3356 and AS1299 still carry them, at least half of the 3 eligible peers), so KP stays up"
birdc_ 1 disable kp
wait_for 10 "4 prefix_withdrawn from AS4837" at_least prefix_withdrawn 4
sleep $((HOLD + 1))
none_of region_down || die "region_down while 2 of 3 upstreams carry KP"
none_of region_degraded || die "region_degraded while 2 of 3 upstreams carry KP"
show

say "[3/4] AS3356 and AS1299 withdraw them too: nobody carries KP; after the ${HOLD} s hold-down, region_down (visibility 0, 0 of 4 prefixes)"
birdc_ 2 disable kp
birdc_ 3 disable kp
wait_for 10 "8 prefix_withdrawn from AS3356 and AS1299" \
    at_least prefix_withdrawn 8
wait_for $((HOLD + 10)) "region_down" at_least region_down 1
show

say "[4/4] all three announce KP again: prefix_announced, and after the hold-down region_up with the outage's duration and worst visibility"
sleep 1
for n in 1 2 3; do
	birdc_ $n enable kp
done
wait_for 10 "12 prefix_announced" at_least prefix_announced 12
wait_for $((HOLD + 10)) "region_up" at_least region_up 1
show

say "done in $(($(date +%s) - START)) s: $((NEXT - 1)) events (msgpack in events.mpk, printed by \`bgpwatchctl events --from SEQ FILE\`; KEEP=1 keeps the lab's directory)"
exit 0
