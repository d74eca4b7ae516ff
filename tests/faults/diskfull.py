#!/usr/bin/python3
"""
The disk of the event log fills up (an 8 MiB tmpfs this test mounts;
where it cannot, as non-root, an LD_PRELOAD shim, tests/faults/enospc.c,
fails the log's writes with ENOSPC instead) while 20,000 events are emitted: the daemon logs a clear
error once, keeps running and keeps serving its subscriber, holds the
events in its backlog and, when space is freed, writes them in order:
the log then has every seq once.  A second round with a small backlog
(BGPWATCHD_EVENT_BACKLOG=65536) overflows it: a "gap" record (first,
last, reason, with the seq of the last missing event) stands in the log
for the events that could not be kept, and seq continues after it.
"""
import os
import subprocess
import sys
import time

import flib
from flib import Lab, Subscriber, ok, records, wait_for

PEER = "127.0.7.41"
N = 20000


SHIM = [None]


def fill(path):
    """Fills the file system of path but for about 100 KiB."""
    if SHIM[0] is not None:
        open(SHIM[0].flag, "w").close()
        return
    st = os.statvfs(os.path.dirname(path))
    free = st.f_bavail * st.f_frsize
    with open(path, "wb") as f:
        f.write(b"\0" * max(0, free - 100 * 1024))


def unfill(path):
    if SHIM[0] is not None:
        os.unlink(SHIM[0].flag)
    else:
        os.unlink(path)


def check_log(recs, what):
    """Seqs increase by one; a gap record covers exactly what it says."""
    prev = 0
    gaps = []
    for r in recs:
        if r["type"] == "gap":
            if r["first"] != prev + 1 or r["seq"] != r["last"] or \
                    r["last"] < r["first"]:
                raise AssertionError("%s: bad gap record %r after seq %d"
                                     % (what, r, prev))
            gaps.append(r)
        elif r["seq"] != prev + 1:
            raise AssertionError("%s: seq %d after %d" % (what, r["seq"],
                                                          prev))
        prev = r["seq"]
    return gaps


class Shim:
    """Where no tmpfs can be mounted: tests/faults/enospc.c fails the
    log's writes with ENOSPC while a flag file exists."""

    def __init__(self, lab):
        self.so = lab.path("enospc.so")
        self.flag = lab.path("disk-full")
        subprocess.run(["cc", "-shared", "-fPIC", "-o", self.so,
                        os.path.join(os.path.dirname(__file__),
                                     "enospc.c"), "-ldl"], check=True)

    def env(self):
        return dict(os.environ, LD_PRELOAD=self.so, ENOSPC_FLAG=self.flag,
                    ASAN_OPTIONS=(os.environ.get("ASAN_OPTIONS", "") +
                                  ":verify_asan_link_order=0").lstrip(":"))


def last_seq(mport):
    """bgpwatch_event_last_seq from the daemon's metrics."""
    import urllib.request
    text = urllib.request.urlopen("http://%s:%d/metrics" % (
        flib.ADDR, mport), timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith("bgpwatch_event_last_seq "):
            return int(float(line.split()[1]))
    raise AssertionError("no bgpwatch_event_last_seq in the metrics")


def main():
    lab = Lab("diskfull")
    disk = lab.path("disk")
    os.mkdir(disk)
    shim = None
    if os.environ.get("DISKFULL_SHIM") or os.geteuid() != 0 or \
            subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m",
                            "tmpfs", disk],
                           stderr=subprocess.DEVNULL).returncode != 0:
        print("no tmpfs here: an LD_PRELOAD shim fails the log's writes")
        shim = Shim(lab)
    SHIM[0] = shim
    failed = True
    try:
        log = os.path.join(disk, "events.mpk")
        filler = os.path.join(disk, "filler")
        sock = lab.path("events.sock")
        mport = flib.port(41)
        extra = ("eligible-after 0s\n"
                 "metrics on %s port %d\n" % (flib.ADDR, mport) +
                 'region "ALL" { prefix 0.0.0.0/0; hold-down 1s }\n'
                 'events { log "%s"; subscribe unix "%s" }\n' % (log, sock))
        bw = flib.daemon(lab, 40, extra, [(PEER, 64511, "passive")])
        if shim is None:
            bw.start()
        else:
            bw.write_config()
            bw.proc = lab.start("bgpwatchd", [flib.lib.BGPWATCHD, "-d",
                                             "-v", "-f", bw.conf],
                                env=shim.env())
            wait_for(lambda: bw.ctl_ok("show", "neighbors"), 10, "start")
        sub = Subscriber(sock)
        fill(filler)
        fd = flib.feed(lab, "feed1", PEER, bw.port, N, "--hold", "forever")
        # Every event the fan-out gave goes live.  How many that is
        # depends on how many routes came before the peer was eligible
        # (those make no prefix_announced): ask the daemon's last seq once
        # the table is in and the region's hold-down has passed.
        wait_for(lambda: bw.count()["routes"] == N, 60, "the table loaded")
        time.sleep(2)
        last = last_seq(mport)
        if last < N // 2:
            raise AssertionError("only %d events for %d routes" % (last, N))
        sub.read_until(lambda s: len(s.got) >= last, 60,
                       "every event live despite the full disk")
        text = bw.proc.text()
        if "No space left on device" not in text:
            raise AssertionError("no clear error about the full disk")
        if text.count("events are held in memory") != 1:
            raise AssertionError("the disk error is not logged once")
        logged = len(records(log))
        if logged >= last:
            raise AssertionError("the disk never filled (%d logged)"
                                 % logged)
        bw.assert_alive()
        ok("disk full after %d of %d events: one clear log line, daemon "
           "up, subscriber got all %d" % (logged, last, len(sub.got)))
        unfill(filler)
        wait_for(lambda: "backlog written" in bw.proc.text(), 10,
                 "the backlog written after space came back")
        recs = records(log)
        flib.check_seqs(recs, 1, "log after the disk recovered")
        if recs[-1]["seq"] < sub.got[-1]["seq"]:
            raise AssertionError("log ends at %d, subscriber got %d"
                                 % (recs[-1]["seq"], sub.got[-1]["seq"]))
        ok("space back: backlog written, log holds seqs 1..%d once"
           % recs[-1]["seq"])
        fd.stop()
        sub.close()
        bw.stop()

        # Round 2: a 64 KiB backlog overflows into a gap.
        bw.proc = lab.start("bgpwatchd2", [flib.lib.BGPWATCHD, "-d", "-v",
                                          "-f", bw.conf],
                            env=dict(shim.env() if shim else os.environ,
                                     BGPWATCHD_EVENT_BACKLOG="65536"))
        wait_for(lambda: bw.ctl_ok("show", "neighbors"), 10, "restart")
        fill(filler)
        fd = flib.feed(lab, "feed2", PEER, bw.port, N, "--hold", "forever")
        wait_for(lambda: "gap record will name them" in bw.proc.text(), 30,
                 "the backlog overflowing")
        wait_for(lambda: bw.proc.text().count("End-of-RIB IPv4") >= 1, 30,
                 "the table loaded")
        time.sleep(1)
        unfill(filler)
        wait_for(lambda: "backlog written" in bw.proc.text(), 10,
                 "the backlog and the gap written")
        recs = records(log)
        gaps = check_log(recs, "log after overflow")
        # Usually one gap; more when a small record still fitted in the
        # slack of the log's last page between two overflows.
        if not gaps:
            raise AssertionError("expected a gap record, got none")
        for g in gaps:
            if "No space left on device" not in g["reason"]:
                raise AssertionError("gap reason %r" % g["reason"])
        g = gaps[-1]
        ngap = sum(x["last"] - x["first"] + 1 for x in gaps)
        fd.stop()
        wait_for(lambda: bw.nb(PEER)["state"] != "Established", 20,
                 "peer down")
        wait_for(lambda: any(r["type"] == "peer_down" and
                             r["seq"] > g["last"] for r in records(log)),
                 10, "peer_down logged after the gap")
        check_log(records(log), "log after the gap")
        import urllib.request
        text = urllib.request.urlopen("http://%s:%d/metrics" % (
            flib.ADDR, mport), timeout=10).read().decode()
        want = "bgpwatch_event_log_gap_events_total %d" % ngap
        if want not in text:
            raise AssertionError("metrics lack %r" % want)
        ok("backlog overflow: %d gap record(s), the last %d..%d (%s), seq "
           "continues after it, metrics count %d gap events" % (
               len(gaps), g["first"], g["last"], g["reason"], ngap))
        bw.stop()
        failed = False
    finally:
        if shim is None:
            subprocess.run(["umount", "-l", disk])
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
