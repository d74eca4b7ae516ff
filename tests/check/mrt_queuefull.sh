#!/bin/sh
# The MRT archive's writer cannot keep up (docs/archive.md, "Full or slow
# disk"): the updates file is a FIFO that nobody reads yet, so the writer
# thread waits in open(2) while the 2015 full table arrives over one
# session.  The writer queue (queue-limit 1M) fills and update chunks
# are dropped whole: the session and the RIB are untouched (every
# prefix in), the drop is logged and counted in
# bgpwatch_mrt_dropped_records_total.  Then a reader opens the FIFO, the
# feeder goes (a STATE_CHANGE record: the next chunk goes through and
# "caught up" is logged), the daemon stops: the bytes read are whole
# MRT records, exactly bgpwatch_mrt_records_total minus the dropped ones,
# and bgpdump reads them with nothing on stderr.
#   BUILD=build sh tests/check/mrt_queuefull.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
PY=/usr/bin/python3
command -v bgpdump >/dev/null 2>&1 || { echo "bgpdump not found"; exit 1; }
WORK=$(mktemp -d /tmp/bw-mrtq.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
mkfifo "$WORK/updates" || exit 1
"$PY" -B - "$BUILD" "$DATA/updates.et-header.2015.gz" "$WORK" <<'EOF'
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request

build, fullfile, work = sys.argv[1:4]
BW, FEED, AS = "127.0.1.250", "127.0.1.1", 3856
fifo = os.path.join(work, "updates")
fails, procs = [], []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def free_pair():
    """Two free ports of 31100-31199 (other tests of ours may run)."""
    for base in range(31199, 31100, -2):
        socks = []
        try:
            for port in (base - 1, base):
                t = socket.socket()
                socks.append(t)
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((BW, port))
            return base - 1, base
        except OSError:
            pass
        finally:
            for t in socks:
                t.close()
    raise SystemExit("no free ports in 31100-31199")


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
        except (OSError, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.1)
    raise SystemExit("timeout waiting for " + what)


def metric(name):
    m = urllib.request.urlopen("http://%s:%d/metrics" % (BW, MPORT),
                               timeout=10).read().decode()
    for l in m.splitlines():
        if l.startswith(name + " "):
            return int(float(l.split()[1]))
    raise KeyError(name)


PORT, MPORT = free_pair()
conf = ("local-as 65000\nrouter-id 192.0.2.254\nlisten on %s port %d\n"
        "control \"%s/bw.sock\"\nmetrics on %s port %d\n"
        "neighbor %s {\n remote-as %d\n passive\n}\n"
        "mrt {\n updates \"%s\" rotate 1h\n compress none\n"
        " queue-limit 1M\n}\n" % (BW, PORT, work, BW, MPORT, FEED, AS, fifo))
with open(os.path.join(work, "bw.conf"), "w") as f:
    f.write(conf)
logp = os.path.join(work, "bw.log")
got = bytearray()
reader = None
try:
    bw = subprocess.Popen([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           os.path.join(work, "bw.conf")],
                          stdout=open(logp, "w"), stderr=subprocess.STDOUT)
    procs.append(bw)
    wait_for(lambda: ctl("show", "status"), 10, "bgpwatchd")
    feed = subprocess.Popen([os.path.join(build, "bgpfeed"), "--mrt",
                             fullfile, "--hold", "forever", "--bind", FEED,
                             "%s:%d" % (BW, PORT)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    procs.append(feed)
    wait_for(lambda: ctl("show", "neighbors")["neighbors"][0]["eor"]["ipv4"],
             120, "the full table's End-of-RIB")
    routes = ctl("show", "rib", "count")["routes"]
    if routes < 577000:
        fail("%d routes in the RIB, not the full table's" % routes)
    est = ctl("show", "neighbors")["neighbors"][0]["state"]
    if est != "Established":
        fail("the session is %s while the writer is stuck" % est)
    dropped = metric("bgpwatch_mrt_dropped_records_total")
    if dropped < 10000:
        fail("only %d records dropped with the writer stuck" % dropped)
    queued = metric("bgpwatch_mrt_queue_bytes")
    if queued > 1 << 20:
        fail("%d bytes queued past queue-limit 1M" % queued)
    if "writer queue full" not in open(logp).read():
        fail("no 'writer queue full' log line")

    def read_all():
        with open(fifo, "rb") as f:
            while True:
                b = f.read(65536)
                if not b:
                    return
                got.extend(b)
    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    feed.send_signal(signal.SIGTERM)
    feed.wait(10)
    wait_for(lambda: "writer caught up" in open(logp).read(), 20,
             "the 'writer caught up' log line")
    wait_for(lambda: metric("bgpwatch_mrt_queue_bytes") == 0, 20,
             "the writer's queue to drain")
    records = metric("bgpwatch_mrt_records_total")
    dropped = metric("bgpwatch_mrt_dropped_records_total")
    if bw.poll() is not None:
        fail("bgpwatchd exited")
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
if reader is not None:
    reader.join(10)
if "Sanitizer" in open(logp).read():
    fail("sanitizer report in the daemon's log")
if fails:
    print(open(logp).read()[-3000:])
    sys.exit(1)

# Whole records: each header's length leads exactly to the next one.
off, n, types = 0, 0, {}
while off + 12 <= len(got):
    ts, typ, sub, ln = struct.unpack_from(">IHHI", got, off)
    if typ != 17:		# BGP4MP_ET
        fail("record %d at %d: type %d, not BGP4MP_ET" % (n, off, typ))
        break
    types[sub] = types.get(sub, 0) + 1
    off += 12 + ln
    n += 1
if off != len(got):
    fail("%d bytes read, the records end at %d" % (len(got), off))
if n != records - dropped:
    fail("%d records in the file, metrics say %d archived - %d dropped"
         " = %d" % (n, records, dropped, records - dropped))
dump = os.path.join(work, "got.mrt")
with open(dump, "wb") as f:
    f.write(got)


def bgpdump(path):
    r = subprocess.run(["bgpdump", "-m", path], capture_output=True,
                       text=True)
    err = [l for l in r.stderr.splitlines() if "logging to syslog" not in l]
    if r.returncode != 0 or err:
        fail("bgpdump -m %s: rc %d, %s" % (path, r.returncode, err[:3]))
    return [l.split("|") for l in r.stdout.splitlines()]


# What was kept is whole chunks: the first ones, then any that fitted
# later.  The file's announcements (prefix, AS path) are the input's
# first ones, in order, then runs of the input in order; the session's
# end (STATE) comes last.
out = bgpdump(dump)
lines = len(out)
mine = [(l[5], l[6]) for l in out if l[2] == "A"]
theirs = [(l[5], l[6]) for l in bgpdump(fullfile) if l[2] == "A"]
head = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b),
            min(len(mine), len(theirs)))
if head < 1000:
    fail("the file's first announcements are not the input's: the first"
         " %d agree" % head)
j, runs = head, 1
for i in range(head, len(mine)):
    k = j
    while k < len(theirs) and theirs[k] != mine[i]:
        k += 1
    if k == len(theirs):
        fail("announcement %d of the file (%s) is not in the input after"
             " %d" % (i, mine[i], j))
        break
    runs += k != j
    j = k + 1
if not out or out[-1][2] != "STATE":
    fail("the last record is not the session's end: %s" % out[-1:])
if fails:
    sys.exit(1)
print("mrt_queuefull: ok (%d routes in, %d records archived, %d dropped "
      "whole while the writer was stuck, %d in the file in %d runs of the "
      "input, %d bgpdump lines, subtypes %s)" % (routes, records, dropped,
                                                 n, runs, lines, types))
EOF
