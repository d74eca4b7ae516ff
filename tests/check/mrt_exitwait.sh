#!/bin/sh
# The MRT writer is stuck when the daemon stops (docs/archive.md, "Full
# or slow disk"): the updates path is a FIFO that nobody ever reads, so
# the writer thread waits in open(2) for good.  SIGTERM must not wait
# with it: bgpwatchd exits 0 after `exit-wait 2s` (not before: the wait
# is the writer's chance to finish), logging what it leaves behind, and
# its session to the feeder ends with a Cease like any stop.
#   BUILD=build sh tests/check/mrt_exitwait.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/bw-mrtx.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
mkfifo "$WORK/updates" || exit 1
"$PY" -B - "$BUILD" "$DATA/updates.20100722.2015.gz" "$WORK" <<'EOF'
import json
import os
import signal
import socket
import subprocess
import sys
import time

build, feedfile, work = sys.argv[1:4]
BW, FEED = "127.0.1.251", "127.0.1.2"
fails, procs = [], []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def free_port():
    for port in range(31299, 31200, -1):
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((BW, port))
            return port
        except OSError:
            pass
        finally:
            s.close()
    raise SystemExit("no free port in 31200-31299")


def ctl(*args):
    r = subprocess.run([os.path.join(build, "bgpwatchctl"), "-s",
                        os.path.join(work, "bw.sock"), "-j"] + list(args),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise ValueError(r.stderr)
    return json.loads(r.stdout)


def wait_for(fn, timeout, what):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        try:
            if fn():
                return
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass
        time.sleep(0.1)
    raise SystemExit("timeout waiting for " + what)


PORT = free_port()
fifo = os.path.join(work, "updates")
conf = ("local-as 65000\nrouter-id 192.0.2.254\nlisten on %s port %d\n"
        "control \"%s/bw.sock\"\n"
        "neighbor %s {\n remote-as 65001\n passive\n}\n"
        "mrt {\n updates \"%s\" rotate 1h\n compress none\n"
        " exit-wait 2s\n}\n" % (BW, PORT, work, FEED, fifo))
with open(os.path.join(work, "bw.conf"), "w") as f:
    f.write(conf)
logp = os.path.join(work, "bw.log")
try:
    bw = subprocess.Popen([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           os.path.join(work, "bw.conf")],
                          stdout=open(logp, "w"), stderr=subprocess.STDOUT)
    procs.append(bw)
    wait_for(lambda: ctl("show", "status"), 10, "bgpwatchd")
    feed = subprocess.Popen([os.path.join(build, "bgpfeed"), "--mrt",
                             feedfile, "--local-as", "65001", "--hold",
                             "forever", "--bind", FEED,
                             "%s:%d" % (BW, PORT)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    procs.append(feed)
    wait_for(lambda: ctl("show", "neighbors")["neighbors"][0]["eor"]["ipv4"],
             60, "the feed's End-of-RIB")
    routes = ctl("show", "rib", "count")["routes"]
    if routes == 0:
        fail("no routes from the feed")
    t0 = time.monotonic()
    bw.send_signal(signal.SIGTERM)
    try:
        rc = bw.wait(30)
    except subprocess.TimeoutExpired:
        rc = None
        fail("bgpwatchd still running 30 s after SIGTERM (the writer is "
             "stuck in open(2) of a FIFO)")
    dt = time.monotonic() - t0
    print("exit %s after %.2f s with %d routes" % (rc, dt, routes))
    if rc is not None:
        if rc != 0:
            fail("bgpwatchd exited %d" % rc)
        if dt < 1.8:
            fail("exited after %.2f s: it did not give the writer its "
                 "exit-wait 2s" % dt)
        if dt > 15:
            fail("exited only after %.2f s" % dt)
    log = open(logp).read()
    if "mrt: the writer is still busy after 2 s" not in log:
        fail("no 'the writer is still busy after 2 s' log line")
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.kill()
            p.wait(10)
if "Sanitizer" in open(logp).read():
    fail("sanitizer report in the daemon's log")
if fails:
    print(open(logp).read()[-3000:])
    sys.exit(1)
print("ok")
EOF
