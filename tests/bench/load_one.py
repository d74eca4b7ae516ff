#!/usr/bin/python3
"""
One table from one session, builds in rotation (A/B): bgpwatchd loads
the real 2015 table (updates.et-header.2015.gz) or, with --2026,
bgpfeed's synthetic 1,000,000 IPv4 + 230,000 IPv6 prefixes; printed per
run: the daemon's CPU over the load (/proc, from before bgpfeed starts
to the poll that sees every route), its minor page faults, user and
system ticks, RSS and transparent huge pages (AnonHugePages) after it.

  load_one.py [--2026] BUILD[,BUILD...] DATADIR WORKDIR [ROUNDS]

Pinned as tests/bench/run.sh pins (BENCH_RECV_CPU, BENCH_FEED_CPUS), if
set: e.g. BENCH_RECV_CPU=1 BENCH_FEED_CPUS=0.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bgpwatchd, Feed, cleanup, mrt_peers, vm  # noqa: E402
from flush_rss import ADDR, FULL2015, anon_huge                # noqa: E402


def stat(pid):
    """(minflt, utime, stime) of /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return int(v[7]), int(v[11]), int(v[12])


def one(build, targs, asn, routes, work):
    r = Bgpwatchd(build, work, [("127.0.9.1", asn)], addr=ADDR)
    f = None
    try:
        s0, c0 = stat(r.pid()), r.cpu()
        f = Feed(build, targs + [
            "--sources", "1", "--bind", "127.0.9.1", "--hold", "forever",
            "--hold-time", "0", "%s:%d" % (ADDR, r.port)],
            os.path.join(work, "feed.log"))
        while r.count() != routes:
            if not r.alive() or f.proc.poll() is not None:
                raise RuntimeError("%d of %d routes" % (r.count(), routes))
            time.sleep(0.05)
        s1, c1 = stat(r.pid()), r.cpu()
        return "cpu %.3f minflt %d utime %d stime %d rss %.2f thp %.1f" % (
            c1 - c0, s1[0] - s0[0], s1[1] - s0[1], s1[2] - s0[2],
            vm(r.pid()) / 1e6, anon_huge(r.pid()) / 1e6)
    finally:
        if f is not None:
            f.stop()
        r.stop()


def main():
    args = sys.argv[1:]
    big = args[:1] == ["--2026"]
    if big:
        args = args[1:]
    if len(args) < 3:
        sys.exit(__doc__)
    builds = args[0].split(",")
    mrt = os.path.join(args[1], "updates.et-header.2015.gz")
    work = args[2]
    rounds = int(args[3]) if len(args) > 3 else 1
    os.makedirs(work, exist_ok=True)
    if big:
        targs = ["--synthetic", "1000000", "--next-hop", "192.0.2.1",
                 "--synthetic6", "230000", "--next-hop6", "2001:db8::1"]
        asn, routes = 65001, 1230000
    else:
        targs = ["--mrt", mrt]
        asn, routes = mrt_peers(builds[0], mrt)[0][1], FULL2015
    try:
        for _ in range(rounds):
            for b in builds:
                print("%-28s %s" % (b, one(b, targs, asn, routes, work)),
                      flush=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
