#!/bin/sh
# make run (tools/run.sh): the example configuration runs with every file
# it writes under the build tree -- its config copy has no /run/bgpwatch
# or /var/lib/bgpwatch left, every file the daemon holds open is under
# the tree -- and once up it says what to do next (where to point a
# router, where the events are, how to watch them, the metrics).  In a
# network namespace of its own when root (the example listens on
# 127.0.0.1 port 1179 and serves metrics on port 9179).
BUILD=${BUILD:-build}
if [ "$(id -u)" = 0 ] && [ -z "$BW_NETNS" ] && unshare -n true 2>/dev/null; then
	exec env BW_NETNS=1 unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
TOP=$(pwd)
R="$TOP/$BUILD/run-check"
rm -rf "$R"
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null
	sleep 0.3
	rm -rf "$R"
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

sh tools/run.sh "$BUILD" "$R" >"$TOP/$BUILD/run-check.out" 2>&1 &
PID=$!
i=0
until grep -q "^  \* stop it" "$TOP/$BUILD/run-check.out"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		fail "make run did not come up: $(cat "$TOP/$BUILD/run-check.out")"
		exit 1
	fi
	sleep 0.1
done
OUT="$TOP/$BUILD/run-check.out"
grep -q "Next:" "$OUT" || fail "no 'Next:'"
grep -q "point a router at it: a BGP session to 127.0.0.1 port 1179" "$OUT" || fail "no router hint"
grep -q "events are in $R/state/events.mpk" "$OUT" || fail "no event log hint"
grep -q "bgpwatchctl events -e $R/sock/events.sock --follow" "$OUT" || fail "no follow hint"
grep -q "curl http://127.0.0.1:9179/metrics" "$OUT" || fail "no metrics hint"
grep -E "/run/bgpwatch|/var/lib/bgpwatch" "$R/bgpwatchd.conf" && fail "host paths left in the config"
DPID=$(pgrep -P $PID -f "bgpwatchd -d -f $R/bgpwatchd.conf")
[ -n "$DPID" ] || { fail "no daemon under tools/run.sh"; exit 1; }
for fd in /proc/$DPID/fd/*; do
	t=$(readlink "$fd")
	case "$t" in
	socket:*|pipe:*|anon_inode:*|/dev/null|/dev/pts/*|/dev/urandom) ;;
	"$TOP"/*) ;;
	*) fail "daemon holds $t open, outside the tree" ;;
	esac
done
[ -S "$R/sock/bgpwatchd.sock" ] || fail "no control socket under the tree"
[ -f "$R/state/events.mpk" ] || fail "no event log under the tree"
"$BUILD/bgpwatchctl" -s "$R/sock/bgpwatchd.sock" show regions >"$R/regions" 2>&1 ||
    fail "show regions: $(cat "$R/regions")"
grep -q KP "$R/regions" || fail "region KP missing: $(cat "$R/regions")"
kill $DPID
wait $PID
PID=
rm -f "$OUT"
[ $failed -eq 0 ] && echo "make run: state under $BUILD/, next steps printed"
exit $failed
