#!/usr/bin/python3
"""
kill -9 in the middle of a full-table load that is also a burst of
events (every prefix joins region ALL: one prefix_announced per route),
with a live subscriber reading.  After the restart: every record of the
log is whole and the seqs run 1, 2, ... with no gap and no duplicate
(a torn last record is cut), seq continues after the last one logged,
nothing the subscriber got is missing from the log, and the subscriber
resuming with {"from": last+1} gets every later event exactly once.
"""
import os
import sys
import time

import flib
from flib import Lab, Subscriber, check_seqs, ok, records, wait_for

N = int(os.environ.get("KILL9_PREFIXES", "300000"))
PEER = "127.0.7.11"


def main():
    lab = Lab("kill9")
    failed = True
    try:
        log = lab.path("events.mpk")
        sock = lab.path("events.sock")
        extra = ("eligible-after 0s\n"
                 'region "ALL" { prefix 0.0.0.0/0; hold-down 1s }\n'
                 'events { log "%s"; subscribe unix "%s" }\n' % (log, sock))
        bw = flib.daemon(lab, 10, extra, [(PEER, 64511, "passive")])
        bw.start()
        sub = Subscriber(sock)
        time.sleep(0.3)
        fd = flib.feed(lab, "feed1", PEER, bw.port, N, "--hold", "forever")
        sub.read_until(lambda s: len(s.raw) >= 2 << 20, 60, "2 MB of live events")
        bw.proc.kill9()
        sub.read_until(lambda s: s.eof, 10, "EOF after kill -9")
        fd.stop()
        got = sub.got
        last_sub = got[-1]["seq"]
        check_seqs(got, 1, "live subscriber")
        recs = records(log)
        check_seqs(recs, 1, "log after kill -9")
        n = recs[-1]["seq"]
        if not last_sub <= n < N:
            raise AssertionError("subscriber saw seq %d, log ends at %d "
                                 "(of %d): not killed mid-burst, or the "
                                 "log lost what was sent" % (last_sub, n, N))
        ok("kill -9 after %d events logged (subscriber had %d): log whole,"
           " seqs 1..%d" % (n, last_sub, n))

        bw.start()
        fd = flib.feed(lab, "feed2", PEER, bw.port, 5000, "--hold",
                       "forever")
        wait_for(lambda: len(records(log)) >= n + 2, 30,
                 "peer_up and events after the restart")
        flib.wait_stable(log, "the event log")
        recs = records(log)
        check_seqs(recs, 1, "log after restart")
        ok("restart: seq continues at %d, log consecutive up to %d"
           % (n + 1, recs[-1]["seq"]))

        end = recs[-1]["seq"]
        res = Subscriber(sock, frm=last_sub + 1, follow=False)
        res.read_until(lambda s: s.eof, 30, "the replay to end")
        got = res.got
        check_seqs(got, last_sub + 1, "resumed subscriber")
        if got[-1]["seq"] < end:
            raise AssertionError("resumed subscriber stopped at %d, log "
                                 "has %d" % (got[-1]["seq"], end))
        ok("resume from %d: %d events, each once, up to %d"
           % (last_sub + 1, len(got), got[-1]["seq"]))
        fd.stop()
        bw.stop()
        failed = False
    finally:
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
