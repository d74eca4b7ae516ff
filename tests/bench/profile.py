#!/usr/bin/python3
"""
Where bgpwatchd's time goes during a load: perf record (cpu-clock, a
software event, so it works in VMs without hardware counters) attached
to bgpwatchd while bgpfeed loads the 2015 table from K sources, then
perf report's top symbols.  Not part of `make bench` (perf may be
missing or forbidden); run by hand:

  tests/bench/profile.py BUILD DATADIR WORKDIR [K]
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bgpwatchd, Feed, cleanup, poll_until, spawn, stop  # noqa

FULL_ROUTES = 577703


def record(pid, path):
    p = spawn(["perf", "record", "-q", "-e", "cpu-clock", "-F", "2999",
               "-g", "-o", path, "-p", str(pid)],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)			# perf attaches
    return p


def report(path):
    out = subprocess.run(["perf", "report", "-i", path, "--stdio",
                          "--no-children", "--sort", "symbol", "-g", "none",
                          "--percent-limit", "0.8"],
                         capture_output=True, text=True).stdout
    print("\n".join(x.rstrip(" -") for x in out.splitlines()
                    if x.strip() and not x.startswith("#")))


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    build, data, work = sys.argv[1:4]
    k = int(sys.argv[4]) if len(sys.argv) == 5 else 10
    full = os.path.join(data, "updates.et-header.2015.gz")
    pdata = os.path.join(work, "perf.data")
    asn = 3856
    r = perf = feed = None
    try:
        r = Bgpwatchd(build, work, [("127.0.2.%d" % (i + 1), asn)
                                    for i in range(k)], tag="profile")
        perf = record(r.pid(), pdata + ".load")
        feed = Feed(build, ["--mrt", full, "--sources", str(k), "--hold",
                            "forever", "127.0.0.1:%d" % r.port],
                    os.path.join(work, "profile.feed.log"))
        feed.wait_established(k)
        poll_until(r.count, k * FULL_ROUTES, 300, 0.05)
        stop(perf, signal.SIGINT)
        perf = record(r.pid(), pdata + ".flush")
        t0 = time.monotonic()
        feed.close()
        poll_until(r.count, 0, 120, 0.02)
        print("flush of %d peers: %.3f s" % (k, time.monotonic() - t0))
        stop(perf, signal.SIGINT)
        perf = None
        feed.stop()
        feed = None
        for phase in ("load", "flush"):
            print("--- %s: perf report (cpu-clock), symbols >= 0.8%%" % phase)
            report(pdata + "." + phase)
    finally:
        if perf is not None:
            stop(perf, signal.SIGINT)
        if feed is not None:
            feed.stop()
        if r is not None:
            r.stop()
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
