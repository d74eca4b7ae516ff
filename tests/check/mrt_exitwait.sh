#!/bin/sh
# The MRT writer is stuck when the daemon stops (docs/archive.md, "Full
# or slow disk"): the updates path is a FIFO that nobody ever reads, so
# the writer thread waits in open(2) for good.  SIGTERM must not wait
# with it: bgpwatchd exits 0 after `exit-wait 2s` (not before: the wait
# is the writer's chance to finish), with the log line naming what it
# leaves behind.  The old build was still running 30 s after SIGTERM.
#   BUILD=build sh tests/check/mrt_exitwait.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/bw-mrtx.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
mkfifo "$WORK/updates" || exit 1
BENCHLIB="$(dirname "$0")/../bench" "$PY" -B - "$BUILD" \
    "$DATA/updates.20100722.2015.gz" "$WORK" <<'EOF'
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.environ["BENCHLIB"])
from benchlib import Bgpwatchd, Feed, cleanup, wait_for

build, feedfile, work = sys.argv[1:4]
BW, FEED = "127.0.1.251", "127.0.1.2"
fails = []
try:
    bw = Bgpwatchd(build, work, [(FEED, 65001)], addr=BW, extra=(
        "mrt {\n updates \"%s/updates\" rotate 1h\n compress none\n"
        " exit-wait 2s\n}\n" % work))
    Feed(build, ["--mrt", feedfile, "--local-as", "65001", "--hold",
                 "forever", "--bind", FEED, "%s:%d" % (BW, bw.port)],
         os.path.join(work, "feed.log"))
    wait_for(lambda: bw.query("show neighbors")["neighbors"][0]["eor"]
             ["ipv4"], 60, "the feed's End-of-RIB")
    routes = bw.count()
    t0 = time.monotonic()
    bw.proc.send_signal(signal.SIGTERM)
    try:
        rc = bw.proc.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
    dt = time.monotonic() - t0
    print("%d routes; exit %s %.2f s after SIGTERM" % (routes, rc, dt))
    if routes == 0:
        fails.append("no routes from the feed")
    if rc is None:
        fails.append("still running 30 s after SIGTERM (the writer is "
                     "stuck in open(2) of a FIFO)")
    elif rc != 0 or not 1.8 <= dt <= 15:
        fails.append("exit %d after %.2f s, not 0 after exit-wait 2s" %
                     (rc, dt))
finally:
    cleanup()
log = open(os.path.join(work, "bw.log")).read()
if "mrt: the writer is still busy after 2 s" not in log:
    fails.append("no 'the writer is still busy after 2 s' log line")
if "Sanitizer" in log:
    fails.append("sanitizer report in the daemon's log")
for f in fails:
    print("FAIL: " + f)
if fails:
    print(log[-3000:])
    sys.exit(1)
print("ok")
EOF
