#!/usr/bin/python3
"""
Whether a flush returns memory: bgpwatchd loads the real 2015 table
(updates.et-header.2015.gz) from 10 sessions (127.0.9.1-10, two bgpfeed
processes: one session, and nine), then the nine end (Cease) and their
routes are flushed, then the last one ends.  Printed per run: RSS after
the load, after the nine flushes, after the last, and the same for the
transparent huge pages (the process's AnonHugePages, and the kernel's
count of huge pages partly unmapped: memory the kernel frees when it
splits them, under memory pressure).

  flush_rss.py BUILD DATADIR WORKDIR [RUNS]

Several BUILD directories separated by commas are run in rotation (A/B:
build/,/tmp/base/build), RUNS rounds (default 1).  Pinned as
tests/bench/run.sh pins (BENCH_RECV_CPU, BENCH_FEED_CPUS), if set.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Bgpwatchd, Feed, cleanup, mrt_peers, \
    vm                                                  # noqa: E402

ADDR = "127.0.9.254"
FULL2015 = 577703
PARTIAL = "/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/stats/" \
    "nr_anon_partially_mapped"


def partial():
    try:
        with open(PARTIAL) as f:
            return int(f.read())
    except (OSError, ValueError):
        return -1


def anon_huge(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("AnonHugePages:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def settle(r, target):
    end = time.monotonic() + 600
    while r.count() != target:
        if time.monotonic() > end or not r.alive():
            raise RuntimeError("%d routes, not %d" % (r.count(), target))
        time.sleep(0.05)
    time.sleep(1.0)
    return {"rss": vm(r.pid(), "VmRSS"), "thp": anon_huge(r.pid()),
            "partial": partial()}


def one(build, mrt, asn, work, tag):
    nb = [("127.0.9.%d" % (i + 1), asn) for i in range(10)]
    r = Bgpwatchd(build, work, nb, tag=tag, addr=ADDR)
    feeds = []
    try:
        for bind, k in (("127.0.9.1", 1), ("127.0.9.2", 9)):
            feeds.append(Feed(build, [
                "--mrt", mrt, "--sources", str(k), "--bind", bind,
                "--hold", "forever", "--hold-time", "0",
                "%s:%d" % (ADDR, r.port)],
                os.path.join(work, "%s.%s.feed.log" % (tag, bind))))
        m = {"load": settle(r, 10 * FULL2015)}
        feeds[1].close()
        m["flush9"] = settle(r, FULL2015)
        feeds[0].close()
        m["flush10"] = settle(r, 0)
        return m
    finally:
        for f in feeds:
            f.stop()
        r.stop()


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    builds = sys.argv[1].split(",")
    mrt = os.path.join(sys.argv[2], "updates.et-header.2015.gz")
    work = sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    os.makedirs(work, exist_ok=True)
    asn = mrt_peers(builds[0], mrt)[0][1]
    try:
        for n in range(runs):
            for i, b in enumerate(builds):
                m = one(b, mrt, asn, work, "f%d-%d" % (n, i))
                print("%-28s " % b + "  ".join(
                    "%s rss %.1f MB thp %.1f MB partial %d" %
                    (k, m[k]["rss"] / 1e6, m[k]["thp"] / 1e6,
                     m[k]["partial"])
                    for k in ("load", "flush9", "flush10")), flush=True)
    finally:
        cleanup()


if __name__ == "__main__":
    main()
