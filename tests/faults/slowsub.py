#!/usr/bin/python3
"""
A subscriber that stops reading while 100,000 events are emitted: it is
cut when its queue passes queue-limit, with a log line; the daemon keeps
serving; further rounds of 100,000 events with another stalled
subscriber each leave RSS where the previous one left it (within 5 %:
the queue's memory came back); and the subscriber, resuming with {"from": N} after the last whole
record it got, receives every later event once, without a gap.
"""
import os
import sys
import time

import flib
from flib import Lab, Subscriber, check_seqs, ok, records, wait_for

# 100,000 events per round; 40,000 under SAN=1 (still 2-3 times the
# queue-limit), where three rounds of 100,000 took 7 minutes at load 14.
N = int(os.environ.get("SLOWSUB_PREFIXES",
                       "40000" if flib.sanitized() else "100000"))
PEER = "127.0.7.21"
CUT = "bytes queued, disconnected"


def round_(lab, bw, sock, log, i):
    stalled = Subscriber(sock, rcvbuf=4096)
    time.sleep(0.3)
    fd = flib.feed(lab, "feed%d" % i, PEER, bw.port, N, "--hold", "forever")
    wait_for(lambda: bw.proc.text().count(CUT) >= i, 60,
             "the stalled subscriber cut at its queue-limit (round %d)" % i)
    wait_for(lambda: bw.proc.text().count("End-of-RIB IPv4, %d routes" % N)
             >= i, 60, "the table loaded (round %d)" % i)
    flib.wait_stable(log, "the event log")
    bw.assert_alive()
    stalled.read_until(lambda s: s.eof, 20, "EOF of the cut subscriber")
    fd.stop()
    wait_for(lambda: bw.state(PEER) != "Established", 20, "peer down")
    return stalled


def main():
    lab = Lab("slowsub")
    failed = True
    try:
        log = lab.path("events.mpk")
        sock = lab.path("events.sock")
        extra = ("eligible-after 0s\n"
                 'region "ALL" { prefix 0.0.0.0/0; hold-down 1s }\n'
                 'events { log "%s"; subscribe unix "%s"; queue-limit 4M }\n'
                 % (log, sock))
        bw = flib.daemon(lab, 20, extra, [(PEER, 64511, "passive")])
        bw.start()
        s1 = round_(lab, bw, sock, log, 1)
        rss1 = flib.rss_kb(bw.proc.pid)
        got = s1.got
        ok("round 1: stalled subscriber cut after %d whole records, "
           "log line present, RSS %d kB" % (len(got), rss1))
        rss = [rss1]
        for i in (2, 3):
            round_(lab, bw, sock, log, i).close()
            rss.append(flib.rss_kb(bw.proc.pid))
        # Round 2 warms the allocator; round 3 must not add to it.
        if rss[2] > rss[1] * 1.05 and not flib.sanitized():
            raise AssertionError("RSS grew from %d to %d kB over a third "
                                 "round of a stalled subscriber"
                                 % (rss[1], rss[2]))
        ok("rounds 2 and 3: cut again, RSS %s kB" % rss)

        check_seqs(got, got[0]["seq"] if got else 1, "stalled subscriber")
        frm = got[-1]["seq"] + 1 if got else 1
        end = records(log)[-1]["seq"]
        res = Subscriber(sock, frm=frm, follow=False)
        res.read_until(lambda s: s.eof, 60, "the replay to end")
        again = res.got
        check_seqs(again, frm, "resumed subscriber")
        if again[-1]["seq"] != end:
            raise AssertionError("resume ended at %d, log at %d"
                                 % (again[-1]["seq"], end))
        ok("resumed from %d: %d events up to %d, none missing"
           % (frm, len(again), end))
        bw.stop()
        failed = False
    finally:
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
