#!/usr/bin/python3
"""
Soak: bgpwatchd under a steady load for DURATION seconds.  Ten sessions
(127.0.7.60-69) each replay one peer of a RIS update file with bgpfeed,
over and over (every replay ends with the session going down and
starting again: a flap per cycle); five regions watch the space the
updates touch; three subscribers read every event.  Every INTERVAL
seconds it prints RSS, open fds, events emitted and per subscriber the
events received.  At the end: RSS no more than 5 % (+2 MiB) above its
level after the first full cycle, fds back to the same level, the daemon
alive and every subscriber still connected and caught up.

    soak.py BUILD DURATION [INTERVAL]
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "faults"))
import flib                                     # noqa: E402
from flib import Lab, wait_for                  # noqa: E402

MRT = os.environ.get("SOAK_MRT", os.path.join(
    "..", "shared", "data", "mrt", "updates.20160811.1600.gz"))
SESSIONS = 10
REGIONS = [("KP", "175.45.176.0/22"), ("Q0", "0.0.0.0/2"),
           ("Q1", "64.0.0.0/2"), ("Q2", "128.0.0.0/2"),
           ("Q3", "192.0.0.0/2")]


def mrt_peers(n):
    out = subprocess.run([flib.lib.BGPFEED, "--mrt", MRT, "--list-peers"],
                         capture_output=True, text=True, check=True).stdout
    peers = []
    for line in out.splitlines():
        m = re.match(r"(\d+\.\d+\.\d+\.\d+) AS(\d+) .* msgs=(\d+)", line)
        if m:
            peers.append((int(m.group(3)), m.group(1), int(m.group(2))))
    peers.sort(reverse=True)
    return [(a, asn) for _, a, asn in peers[:n]]


class Reader(threading.Thread):
    """A subscriber counting records (msgpack maps) as they come."""

    def __init__(self, path):
        super().__init__(daemon=True)
        import msgpack
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.sendall(msgpack.packb({}))
        self.u = msgpack.Unpacker(raw=False, strict_map_key=False,
                                  ext_hook=flib.ext_hook)
        self.n = 0
        self.last = 0
        self.eof = False

    def run(self):
        while True:
            try:
                data = self.s.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                self.eof = True
                return
            self.u.feed(data)
            for o in self.u:
                self.n += 1
                self.last = o.get("seq", self.last)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    duration = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    interval = int(sys.argv[3]) if len(sys.argv) > 3 else \
        max(5, min(60, duration // 6))
    os.environ["BUILD"] = build
    lab = Lab("soak")
    failed = True
    procs = {}
    try:
        peers = mrt_peers(SESSIONS)
        log = lab.path("events.mpk")
        sock = lab.path("events.sock")
        extra = ["eligible-after 2s",
                 'events { log "%s" max-size 64M keep 2; '
                 'subscribe unix "%s" }' % (log, sock)]
        for name, pfx in REGIONS:
            extra.append('region "%s" { prefix %s; hold-down 2s }'
                         % (name, pfx))
        bw = flib.daemon(lab, 60, "\n".join(extra),
                         [("127.0.7.%d" % (60 + i), asn, "passive")
                          for i, (_, asn) in enumerate(peers)])
        bw.start()
        readers = [Reader(sock) for _ in range(3)]
        for r in readers:
            r.start()
        cycles = [0] * len(peers)

        def start(i):
            addr, _ = peers[i]
            procs[i] = lab.start("feed%d" % i, [
                flib.lib.BGPFEED, "--mrt", MRT, "--peer", addr, "--bind",
                "127.0.7.%d" % (60 + i), "--quiet", "--hold", "8",
                "%s:%d" % (flib.ADDR, bw.port)],
                log=lab.path("feed%d.log" % i))

        for i in range(len(peers)):
            start(i)
        pid = bw.proc.pid
        t0 = time.monotonic()
        base = None
        next_print = t0
        print("%6s %9s %5s %9s %s" % ("secs", "rss_kB", "fds", "seq",
                                     "subscribers (events)"), flush=True)
        while time.monotonic() - t0 < duration:
            for i, p in list(procs.items()):
                if not p.alive():
                    p.wait(1)
                    cycles[i] += 1
                    start(i)
            bw.assert_alive()
            if base is None and min(cycles) >= 1:
                time.sleep(3)
                base = (flib.rss_kb(pid), flib.nfds(pid))
                print("first cycle done: rss %d kB, fds %d" % base,
                      flush=True)
            if time.monotonic() >= next_print:
                print("%6d %9d %5d %9d %s" % (
                    time.monotonic() - t0, flib.rss_kb(pid),
                    flib.nfds(pid), max(r.last for r in readers),
                    " ".join(str(r.n) for r in readers)), flush=True)
                next_print += interval
            time.sleep(0.5)
        for p in procs.values():
            p.stop(5)
        time.sleep(3)
        rss, fds = flib.rss_kb(pid), flib.nfds(pid)
        print("end: rss %d kB, fds %d, cycles per session %s"
              % (rss, fds, cycles), flush=True)
        if base is None:
            raise AssertionError("no full cycle in %d s: raise DURATION"
                                 % duration)
        if rss > base[0] * 1.05 + 2048:
            raise AssertionError("RSS grew from %d to %d kB" % (base[0],
                                                                 rss))
        if fds > base[1] + 2:
            raise AssertionError("fds grew from %d to %d" % (base[1], fds))
        wait_for(lambda: all(r.last >= max(x.last for x in readers)
                             for r in readers), 30, "subscribers caught up")
        if any(r.eof for r in readers):
            raise AssertionError("a subscriber was disconnected")
        print("ok   soak %d s: RSS %d -> %d kB, fds %d -> %d, %d events, "
              "3 subscribers caught up" % (duration, base[0], rss, base[1],
                                           fds, readers[0].last))
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
