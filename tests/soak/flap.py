#!/usr/bin/python3
"""
Flapping beside a full table: one peer (127.0.7.90) holds a full table
(FLAP_TABLE synthetic routes, default 800,000) while 20 sessions
(127.0.7.70-89) each announce 1,000 routes, stay up about a second and
go down, again and again, for FLAP_SECONDS (default 60).  Afterwards:
every flapped peer's routes are gone, the full table is intact (same
route count, same session: no flap), and RSS is within 5 % of its level
after the first flapping round.

    flap.py BUILD
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "faults"))
import flib                                     # noqa: E402
from flib import Lab, ok, wait_for              # noqa: E402

TABLE = int(os.environ.get("FLAP_TABLE", "800000"))
SECONDS = int(os.environ.get("FLAP_SECONDS", "60"))
FULL = "127.0.7.90"
FLAPPERS = ["127.0.7.%d" % i for i in range(70, 90)]


def main():
    os.environ["BUILD"] = sys.argv[1] if len(sys.argv) > 1 else "build"
    lab = Lab("flap")
    failed = True
    procs = {}
    try:
        nbs = [(FULL, 64600, "passive")] + \
            [(a, 64700 + i, "passive") for i, a in enumerate(FLAPPERS)]
        bw = flib.daemon(lab, 70, 'region "KP" { prefix 175.45.176.0/22 }',
                         nbs)
        bw.start()
        full = lab.start("full", [flib.lib.BGPFEED, "--synthetic",
                                  str(TABLE), "--bind", FULL, "--local-as",
                                  "64600", "--quiet", "--hold", "forever",
                                  "%s:%d" % (flib.ADDR, bw.port)])
        bw.wait_routes(TABLE, neighbor=FULL, timeout=300)
        pid = bw.proc.pid

        def start(i):
            procs[i] = lab.start("flap%d" % i, [
                flib.lib.BGPFEED, "--synthetic", "1000", "--seed",
                str(100 + i), "--bind", FLAPPERS[i], "--local-as",
                str(64700 + i), "--quiet", "--hold", "1",
                "%s:%d" % (flib.ADDR, bw.port)],
                log=lab.path("flap%d.log" % i))

        t0 = time.monotonic()
        for i in range(len(FLAPPERS)):
            start(i)
        rounds = [0] * len(FLAPPERS)
        base = None
        while time.monotonic() - t0 < SECONDS:
            for i, p in list(procs.items()):
                if not p.alive():
                    p.wait(1)
                    rounds[i] += 1
                    start(i)
            if base is None and min(rounds) >= 1:
                base = flib.rss_kb(pid)
            bw.assert_alive()
            time.sleep(0.2)
        for p in procs.values():
            p.stop(5)
        for a in FLAPPERS:
            wait_for(lambda a=a: bw.nb(a)["state"] != "Established" and
                     bw.count(a)["routes"] == 0, 30, "%s's routes gone" % a)
        nb = bw.nb(FULL)
        if nb["state"] != "Established" or bw.count(FULL)["routes"] != TABLE:
            raise AssertionError("full table hurt: %r, %d routes"
                                 % (nb, bw.count(FULL)["routes"]))
        text = repr(bw.ctl("show", "neighbor", FULL))
        if "'established_count': 1" not in text:
            raise AssertionError("the full-table session flapped")
        time.sleep(2)
        rss = flib.rss_kb(pid)
        if base is None or rss > base * 1.05:
            raise AssertionError("RSS %s kB after the first round, %d at "
                                 "the end" % (base, rss))
        ok("%d s of flapping (%d sessions, %s flaps each): their routes "
           "gone, %d-route table intact, RSS %d -> %d kB"
           % (SECONDS, len(FLAPPERS), "%d-%d" % (min(rounds), max(rounds)),
              TABLE, base, rss))
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
