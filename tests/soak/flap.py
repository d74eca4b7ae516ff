#!/usr/bin/python3
"""
Flapping beside a full table: one peer (127.0.7.99) holds the real 2015
RIS full table (updates.et-header.2015.gz of ../shared/data/mrt, sent by
bgpfeed --mrt as recorded: 577,703 routes once its End-of-RIB is in)
while 20 sessions (127.0.7.100-119) each announce 1,000 routes, stay up
a second and go down, again and again, for FLAP_SECONDS (default 60).
Afterwards: every flapped peer's routes are gone (its own count, and
the RIB's total once the flushes handed over by sessions that came back
early are over), the full table is intact (same route count, same
session: no flap) and RSS is within 5 % of its level before the flapping
started (the table loaded); the level after the first flapping round is
printed too (the RSS bound is not checked against a SAN=1 daemon: ASan's
quarantine keeps freed memory).  The event loop's longest stall during
the flapping (the daemon's own probe, `show status`: the wall-clock
lateness, and the part of it the loop ran, without its waits for a CPU)
is printed; with FLAP_MAX_STALL_MS=N the first must stay under N ms,
with FLAP_MAX_STALL_CPU_MS=N the second.

    flap.py BUILD

FLAP_TABLE=N uses N synthetic routes (bgpfeed --synthetic) instead of the
2015 table; FLAP_SECONDS=10 is the short variant of make check
(tests/check/faults_flap.sh).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "faults"))
import flib                                     # noqa: E402
from flib import Lab, ok, wait_for              # noqa: E402

TABLE = os.environ.get("FLAP_TABLE", "2015")
SECONDS = int(os.environ.get("FLAP_SECONDS", "60"))
MAX_STALL_MS = float(os.environ.get("FLAP_MAX_STALL_MS", "0"))  # 0: none
MAX_STALL_CPU_MS = float(os.environ.get("FLAP_MAX_STALL_CPU_MS", "0"))
MRT = os.path.join(os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    "..", "shared", "data", "mrt")), "updates.et-header.2015.gz")
MRT_ROUTES = 577703     # bgpdump -m, A and W applied in order (fulltable.sh)
MRT_AS = 3856           # the file's one peer
FULL = "127.0.7.99"
FLAPPERS = ["127.0.7.%d" % i for i in range(100, 120)]


def cpu_s(pid):
    """User + system CPU seconds of pid."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def main():
    os.environ["BUILD"] = sys.argv[1] if len(sys.argv) > 1 else "build"
    lab = Lab("flap")
    failed = True
    procs = {}
    try:
        if TABLE == "2015":
            if not os.path.exists(MRT):
                raise AssertionError("no %s (set BGPWATCH_MRT_DATA)" % MRT)
            routes, asn = MRT_ROUTES, MRT_AS
            src = ["--mrt", MRT]
            what = "the 2015 RIS table"
        else:
            routes, asn = int(TABLE), 64600
            src = ["--synthetic", TABLE, "--local-as", "64600"]
            what = "a synthetic table"
        nbs = [(FULL, asn, "passive")] + \
            [(a, 64700 + i, "passive") for i, a in enumerate(FLAPPERS)]
        bw = flib.daemon(lab, 72, 'region "KP" { prefix 175.45.176.0/22 }',
                         nbs)
        bw.start()
        t0 = time.monotonic()
        full = lab.start("full", [flib.lib.BGPFEED] + src + [
            "--bind", FULL, "--quiet", "--hold", "forever",
            "%s:%d" % (flib.ADDR, bw.port)], log=lab.path("full.log"))
        wait_for(lambda: bw.nb(FULL) and
                 bw.nb(FULL)["eor"]["ipv4"] is not None and
                 bw.count(FULL)["routes"] == routes, 300,
                 "%d routes and End-of-RIB from %s" % (routes, FULL))
        pid = bw.proc.pid
        time.sleep(2)
        before = flib.rss_kb(pid)
        print("%s loaded: %d routes in %.1f s, RSS %d kB"
              % (what, routes, time.monotonic() - t0, before), flush=True)

        started = {}
        cycles = []

        def start(i):
            started[i] = time.monotonic()
            procs[i] = lab.start("flap%d" % i, [
                flib.lib.BGPFEED, "--synthetic", "1000", "--seed",
                str(100 + i), "--bind", FLAPPERS[i], "--local-as",
                str(64700 + i), "--quiet", "--hold", "1",
                "%s:%d" % (flib.ADDR, bw.port)],
                log=lab.path("flap%d.log" % i))

        # The loop's longest stall from now on, and its long stalls.
        stalls0 = bw.ctl("show", "status", "reset")["loop"][
            "stalls_over_50ms"]
        t0 = time.monotonic()
        cpu0 = cpu_s(pid)
        for i in range(len(FLAPPERS)):
            start(i)
        rounds = [0] * len(FLAPPERS)
        first = None
        while time.monotonic() - t0 < SECONDS:
            for i, p in list(procs.items()):
                if not p.alive():
                    p.wait(1)
                    rounds[i] += 1
                    cycles.append(time.monotonic() - started[i])
                    start(i)
            if first is None and min(rounds) >= 1:
                first = flib.rss_kb(pid)
            bw.assert_alive()
            time.sleep(0.1)
        for p in procs.values():
            p.stop(5)
        cycles.sort()
        print("a flap cycle (bgpfeed start, session up, 1,000 routes, 1 s "
              "held, down) took %.2f s median, %.2f-%.2f s"
              % (cycles[len(cycles) // 2], cycles[0], cycles[-1]), flush=True)
        print("bgpwatchd CPU during the flapping: %.1f s in %.0f s (%d flaps)"
              % (cpu_s(pid) - cpu0, time.monotonic() - t0, sum(rounds)),
              flush=True)
        st = bw.ctl("show", "status")["loop"]
        stall = st["max_stall_ms"]
        stall_cpu = st.get("max_stall_cpu_ms", -1)
        print("event loop: longest stall %.0f ms (%.0f ms of it running), "
              "%d stalls over 50 ms (load average %s)"
              % (stall, stall_cpu, st["stalls_over_50ms"] - stalls0,
                 " ".join(open("/proc/loadavg").read().split()[:3])),
              flush=True)
        for a in FLAPPERS:
            wait_for(lambda a=a: bw.nb(a)["state"] != "Established" and
                     bw.count(a)["routes"] == 0, 30, "%s's routes gone" % a)
        nb = bw.nb(FULL)
        got = bw.count(FULL)["routes"]
        if nb["state"] != "Established" or got != routes:
            raise AssertionError("full table hurt: %r, %d routes"
                                 % (nb, got))
        # Old sessions' routes still leaving in slices, then none.
        wait_for(lambda: bw.count()["routes"] == routes, 30,
                 "the RIB back to the %d routes of the table" % routes)
        if MAX_STALL_MS > 0 and stall > MAX_STALL_MS:
            raise AssertionError("the event loop stalled %.0f ms (bound "
                                 "%.0f ms)" % (stall, MAX_STALL_MS))
        if MAX_STALL_CPU_MS > 0 and stall_cpu > MAX_STALL_CPU_MS:
            raise AssertionError("the event loop ran %.0f ms without a "
                                 "break (bound %.0f ms)"
                                 % (stall_cpu, MAX_STALL_CPU_MS))
        text = repr(bw.ctl("show", "neighbor", FULL))
        if "'established_count': 1" not in text:
            raise AssertionError("the full-table session flapped")
        time.sleep(2)
        rss = flib.rss_kb(pid)
        print("RSS before %d kB, after the first round %s kB, at the end "
              "%d kB (%+.2f %%)" % (before, first, rss,
                                    100.0 * (rss - before) / before),
              flush=True)
        if rss > before * 1.05 and not flib.sanitized():
            raise AssertionError("RSS %d kB before the flapping, %d at the "
                                 "end" % (before, rss))
        ok("%d s of flapping (%d sessions, %d-%d flaps each, %d in all) "
           "beside %s: their routes gone, %d routes intact, RSS %d -> "
           "%d kB, longest stall %.0f ms"
           % (SECONDS, len(FLAPPERS), min(rounds), max(rounds),
              sum(rounds), what, routes, before, rss, stall))
        full.stop()
        bw.stop()
        failed = False
    finally:
        for p in procs.values():
            if p.alive():
                p.stop(2)
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
