#!/bin/sh
# Integration test of bgpfeed against a real BGP speaker, BIRD 2, on
# loopback only: BIRD listens on 127.0.0.1 at a random high port with one
# passive eBGP session per bgpfeed source address, and we check that it
# ends up with exactly the routes we expect, computed without bgpfeed:
#  a. --synthetic 20000 --synthetic6 1000 from 127.0.2.1 (AS 65001), and
#     at the same time --synthetic 3000 --sources 2 --bind 127.0.2.2
#     (two more sessions sharing one prepared image): BIRD must hold
#     exactly N distinct prefixes per session and family;
#  b. --mrt updates.20100722.2015.gz --peer 193.203.0.124 from 127.0.1.1
#     with the MRT peer's AS (34347): BIRD must hold the final state of
#     that peer's A/W lines of `bgpdump -m` applied in order, less the
#     paths that contain BIRD's own AS (BIRD turns those into withdrawals,
#     its AS-loop check), per family;
#  c. a session with the wrong AS gets BIRD's NOTIFICATION (OPEN message
#     error, Bad peer AS), which bgpfeed prints, exiting non-zero;
#  d. --withdraw-after: every route of the session goes away again.
# Every bgpfeed run is stopped with SIGTERM once BIRD has the routes (a
# Cease, then exit status 0 if the feed was delivered).  BIRD is started
# in a mktemp -d directory and stopped by its PID, whatever happens.
#
#   BUILD=build sh tests/check/bgpfeed_bird.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
FEED="$BUILD/bgpfeed"
MRT="$DATA/updates.20100722.2015.gz"
MRT_PEER=193.203.0.124
MRT_AS=34347
BIRD_AS=65000
SYN_AS=65001
WAIT=${BGPFEED_TEST_WAIT:-20}	# seconds to wait for BIRD's counts

for t in bird birdc bgpdump; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "$t not found (Debian: apt-get install bird2 bgpdump)"
		exit 1
	fi
done
if [ ! -x "$FEED" ]; then
	echo "$FEED not built"
	exit 1
fi
if [ ! -f "$MRT" ]; then
	echo "no $MRT (set BGPWATCH_MRT_DATA)"
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bgpfeed_bird.XXXXXX") || exit 1
SOCK="$TMP/bird.ctl"
FEEDPIDS=""

cleanup() {
	for p in $FEEDPIDS; do
		kill "$p" 2>/dev/null
	done
	if [ -f "$TMP/bird.pid" ]; then
		bp=$(cat "$TMP/bird.pid")
		kill "$bp" 2>/dev/null
		i=0
		while kill -0 "$bp" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$bp" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	if [ -f "$TMP/bird.log" ]; then
		echo "--- last lines of BIRD's log:"
		tail -n 15 "$TMP/bird.log"
	fi
	exit 1
}

# A free port: 11179 and up, never one something listens on.
pick_port() {
	while :; do
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		p=$((11179 + r % 40000))
		if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
			echo $p
			return
		fi
	done
}
PORT=$(pick_port)
DST="127.0.0.1:$PORT"

cat >"$TMP/bird.conf" <<EOF
log "$TMP/bird.log" { info, warning, error, fatal, bug };
router id 10.255.0.1;
protocol device { }
# multihop: the replayed next hops are nowhere near us; BIRD keeps such
# routes (unreachable) instead of treating them as withdrawn.
template bgp feed {
	local 127.0.0.1 port $PORT as $BIRD_AS;
	passive on;
	multihop;
	ipv4 { import all; export none; import table on; };
	ipv6 { import all; export none; import table on; };
}
protocol bgp syn1 from feed { neighbor 127.0.2.1 as $SYN_AS; }
protocol bgp syn2 from feed { neighbor 127.0.2.2 as $SYN_AS; }
protocol bgp syn3 from feed { neighbor 127.0.2.3 as $SYN_AS; }
protocol bgp mrt1 from feed { neighbor 127.0.1.1 as $MRT_AS; }
protocol bgp wrong from feed { neighbor 127.0.2.9 as $SYN_AS; }
protocol bgp wd from feed { neighbor 127.0.2.10 as $SYN_AS; }
EOF

bird -c "$TMP/bird.conf" -s "$SOCK" -P "$TMP/bird.pid" ||
    fail "BIRD did not start"
i=0
until birdc -s "$SOCK" show status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "BIRD's control socket never answered"
	sleep 0.1
done
echo "BIRD $(bird --version 2>&1 | awk '{ print $NF }') on $DST" \
    "(pid $(cat "$TMP/bird.pid"))"

# Routes BIRD holds from a protocol in a table: count PROTO master4|6.
count() {
	birdc -s "$SOCK" "show route table $2 protocol $1 count" |
	    awk '/routes for/ { print $1; found = 1 }
		END { if (!found) print -1 }'
}

# Waits until PROTO has V4 IPv4 and V6 IPv6 routes.
wait_count() {	# proto v4 v6
	i=0
	while :; do
		c4=$(count "$1" master4)
		c6=$(count "$1" master6)
		[ "$c4" = "$2" ] && [ "$c6" = "$3" ] && return 0
		i=$((i + 1))
		if [ $i -gt $((WAIT * 10)) ]; then
			echo "$1: BIRD has $c4 IPv4 and $c6 IPv6 routes," \
			    "expected $2 and $3"
			birdc -s "$SOCK" show protocols all "$1" |
			    sed 's/^/    /'
			return 1
		fi
		sleep 0.1
	done
}

# Starts bgpfeed in the background, output in $TMP/NAME.out.
feed() {	# name args...
	n=$1
	shift
	"$FEED" --hold forever "$@" "$DST" >"$TMP/$n.out" 2>&1 &
	FEEDPIDS="$FEEDPIDS $!"
	eval "pid_$n=$!"
}

# Stops a bgpfeed run with SIGTERM; it must exit 0 (feed delivered).
stop_feed() {	# name
	eval "p=\$pid_$1"
	kill -TERM "$p" 2>/dev/null
	wait "$p"
	st=$?
	sed 's/^/    /' "$TMP/$1.out"
	[ $st -eq 0 ] || fail "bgpfeed ($1) exited with $st"
}

# Expected final state of the MRT peer, from bgpdump alone.
bgpdump -m "$MRT" 2>/dev/null | awk -F'|' -v peer="$MRT_PEER" \
    -v as="$MRT_AS" -v local="$BIRD_AS" '
	$4 != peer || $5 != as { next }
	$3 == "A" { path[$6] = $7; next }
	$3 == "W" { delete path[$6] }
	END {
		for (p in path) {
			if ((" " path[p] " ") ~ (" " local " "))
				continue;	# BIRD: AS loop, withdrawn
			if (index(p, ":")) v6++; else v4++
		}
		print v4 + 0, v6 + 0
	}' >"$TMP/expect" || fail "bgpdump failed"
read MRT4 MRT6 <"$TMP/expect"
[ "$MRT4" -gt 0 ] || fail "no routes of $MRT_PEER in $MRT per bgpdump"

echo "a/b. synthetic (3 sessions) and MRT peer $MRT_PEER AS$MRT_AS"
feed syn --synthetic 20000 --synthetic6 1000 --timing
feed syn2 --synthetic 3000 --sources 2 --bind 127.0.2.2 --seed 7
feed mrt --mrt "$MRT" --peer "$MRT_PEER"
wait_count syn1 20000 1000 || fail "synthetic feed incomplete"
wait_count syn2 3000 0 || fail "synthetic --sources feed incomplete"
wait_count syn3 3000 0 || fail "synthetic --sources feed incomplete"
wait_count mrt1 "$MRT4" "$MRT6" || fail "MRT replay incomplete"
echo "  BIRD: syn1 20000+1000, syn2/syn3 3000, mrt1 $MRT4+$MRT6 routes: ok"
stop_feed syn
stop_feed syn2
stop_feed mrt
grep -q "^bgpfeed-timing source=127.0.2.1 .* announced=21000 " \
    "$TMP/syn.out" || fail "no --timing line with 21000 prefixes"
# The Cease takes the routes away again.
wait_count syn1 0 0 || fail "routes still there after the Cease"

echo "c. wrong AS: BIRD's NOTIFICATION"
"$FEED" --synthetic 10 --bind 127.0.2.9 --local-as 64999 "$DST" \
    >"$TMP/wrong.out" 2>&1
st=$?
sed 's/^/    /' "$TMP/wrong.out"
[ $st -ne 0 ] || fail "bgpfeed exited 0 although BIRD refused the session"
grep -q "NOTIFICATION from the receiver: OPEN message error, Bad peer AS" \
    "$TMP/wrong.out" || fail "BIRD's NOTIFICATION not printed"

echo "d. --withdraw-after"
feed wd --synthetic 5000 --bind 127.0.2.10 --withdraw-after 2
wait_count wd 5000 0 || fail "feed before --withdraw-after incomplete"
wait_count wd 0 0 || fail "--withdraw-after left routes"
stop_feed wd
grep -q " 5000 withdrawn" "$TMP/wd.out" || fail "withdrawal not reported"

echo "ok"
exit 0
