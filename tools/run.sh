#!/bin/sh
# make run: bgpwatchd in the foreground on the example configuration
# (conf/bgpwatchd.conf), with everything it writes under BUILD/run: the
# control and event sockets, the event log, the RIR statistics excerpt
# region KP needs.  No root, nothing outside the tree.  Once the daemon
# is up it says what to do next.
#   tools/run.sh BUILD [DIR]	(DIR: default BUILD/run)
BUILD=${1:-build}
TOP=$(pwd)
R=${2:-$TOP/$BUILD/run}
mkdir -p "$R/state" "$R/sock" || exit 1
[ -f "$R/state/delegated-apnic-extended-latest" ] ||
    cp tests/data/rirstats/delegated-apnic-extended-latest "$R/state/"
# The example with its paths moved under the tree (and `user` left as
# the example has it: commented out).
umask 077
sed -e "s|/run/bgpwatch|$R/sock|g" -e "s|/var/lib/bgpwatch|$R/state|g" \
    conf/bgpwatchd.conf >"$R/bgpwatchd.conf" || exit 1
"$BUILD/bgpwatchd" -n -f "$R/bgpwatchd.conf" || exit 1

"$BUILD/bgpwatchd" -d -f "$R/bgpwatchd.conf" &
PID=$!
trap 'kill $PID 2>/dev/null' INT TERM HUP
i=0
until [ -S "$R/sock/bgpwatchd.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		wait $PID
		exit 1
	fi
	sleep 0.1
done
port=$(sed -n 's/^listen on 127.0.0.1 port \([0-9]*\).*/\1/p' "$R/bgpwatchd.conf")
metrics=$(sed -n 's/^metrics on \([^ ]*\) port \([0-9]*\).*/\1:\2/p' "$R/bgpwatchd.conf")
cat >&2 <<MSG

make run: bgpwatchd is running (pid $PID) with $R/bgpwatchd.conf
(conf/bgpwatchd.conf with its state under $R).  Next:
  * point a router at it: a BGP session to 127.0.0.1 port ${port:-1179}, AS 65000,
    from 127.0.0.11 (AS 64511) or ::1 (AS 64512), as in conf/bgpwatchd.conf;
    or feed it a recorded table:
      $BUILD/bgpfeed --mrt ../shared/data/mrt/bview.20020722.2337.gz --bind 127.0.0.11 --local-as 64511 127.0.0.1:${port:-1179}
  * look at it:   $BUILD/bgpwatchctl -s $R/sock/bgpwatchd.sock show neighbors
                  $BUILD/bgpwatchctl -s $R/sock/bgpwatchd.sock show regions
  * the events are in $R/state/events.mpk; watch them live:
                  $BUILD/bgpwatchctl events -e $R/sock/events.sock --follow
  * metrics:      curl http://${metrics:-127.0.0.1:9179}/metrics
  * stop it with Ctrl-C; make demo plays a whole outage with real BGP peers.
  Manuals: man -l docs/man/bgpwatchd.8 (also bgpwatchd.conf.5, bgpwatchctl.8).

MSG
wait $PID
