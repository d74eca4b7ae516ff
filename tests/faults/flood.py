#!/usr/bin/python3
"""
A connection flood beside an established session: 2,000 connects in
about 10 s from a configured neighbor's address and from unconfigured
loopback addresses (some send garbage, some an OPEN, some nothing and
stay open: half-open), plus a configured peer that completes the OPEN
exchange and then never reads its socket again while it keeps sending
KEEPALIVEs.  The established session (bgpfeed, 10,000 routes) must keep
its routes and its uptime (no flap, established_count stays 1), the
daemon's fds come back once the flood is gone, and RSS stays bounded.
"""
import socket
import struct
import sys
import time

import flib
from flib import Lab, ok, wait_for

FEED = "127.0.7.31"          # the session that must not notice
CONF = "127.0.7.32"          # configured, used by the flood
STALL = "127.0.7.33"         # configured, stops reading
UNCONF = ["127.0.7.%d" % i for i in range(40, 50)]
CONNECTS = 2000
ROUTES = 10000
MARKER = b"\xff" * 16


def msg(t, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), t) + body


def open_msg(asn, hold=9, bgp_id="10.7.0.1"):
    caps = (b"\x01\x04\x00\x01\x00\x01" + b"\x41\x04" + struct.pack("!I", asn))
    params = b"\x02" + bytes([len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456,
                              hold, socket.inet_aton(bgp_id), len(params))
               + params)


def stalled_peer(port):
    """Establishes from STALL, then shrinks its buffer and stops reading."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.bind((STALL, 0))
    s.settimeout(10)
    s.connect((flib.ADDR, port))
    s.sendall(open_msg(64533))
    buf = b""
    while len(buf) < 19 or len(buf) < struct.unpack("!H", buf[16:18])[0]:
        buf += s.recv(4096)
    s.sendall(msg(4))
    return s


def flood(port, half_open, tick):
    n = 0
    t0 = time.monotonic()
    for i in range(CONNECTS):
        tick()
        src = CONF if i % 4 == 0 else UNCONF[i % len(UNCONF)]
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack("ii", 1, 0))
        try:
            s.bind((src, 0))
            s.settimeout(2)
            s.connect((flib.ADDR, port))
            n += 1
            kind = i % 5
            if kind == 0:
                s.send(b"GET / HTTP/1.0\r\n\r\n" * 10)
            elif kind == 1:
                s.send(open_msg(64999))
            elif kind == 2 and len(half_open) < 200:
                half_open.append(s)         # says nothing, stays open
                continue
            elif kind == 3:
                s.send(MARKER + b"\x00\x13")  # a torn header
        except OSError:
            pass
        s.close()
        # 2,000 in about 10 s
        ahead = (i + 1) * 10.0 / CONNECTS - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    return n


def main():
    lab = Lab("flood")
    failed = True
    try:
        bw = flib.daemon(lab, 30, "", [(FEED, 64511, "passive"),
                                       (CONF, 64532, "passive"),
                                       (STALL, 64533, "passive")])
        bw.start()
        fd = flib.feed(lab, "feed", FEED, bw.port, ROUTES, "--hold",
                       "forever", "--hold-time", "9")
        bw.wait_routes(ROUTES, neighbor=FEED, timeout=60)
        stall = stalled_peer(bw.port)
        bw.wait_established(STALL, timeout=20)
        pid = bw.proc.pid
        time.sleep(1)
        rss0, fds0 = flib.rss_kb(pid), flib.nfds(pid)
        half = []
        last_ka = [time.monotonic()]

        def tick():
            if time.monotonic() - last_ka[0] >= 2:
                stall.sendall(msg(4))
                last_ka[0] = time.monotonic()

        n = flood(bw.port, half, tick)
        stall.sendall(msg(4))
        peak_rss, peak_fds = flib.rss_kb(pid), flib.nfds(pid)
        ok("flood: %d of %d connects done, %d half-open held; daemon fds "
           "%d -> %d, RSS %d -> %d kB" % (n, CONNECTS, len(half), fds0,
                                          peak_fds, rss0, peak_rss))
        bw.assert_alive()
        nb = bw.nb(FEED)
        if nb["state"] != "Established" or nb["prefixes"]["ipv4"] != ROUTES:
            raise AssertionError("established session hurt: %r" % nb)
        full = bw.ctl("show", "neighbor", FEED)
        text = repr(full)
        if "'established_count': 1" not in text or "'flaps': 0" not in text:
            raise AssertionError("the session flapped: %s" % text[:600])
        ok("%s kept its %d routes and its session (no flap)"
           % (FEED, ROUTES))
        for s in half:
            s.close()
        # The stalled peer keeps sending KEEPALIVEs and never reads.
        for _ in range(4):
            time.sleep(2.5)
            stall.sendall(msg(4))
        st = bw.nb(STALL)["state"]
        if st != "Established":
            raise AssertionError("stalled-reading peer dropped: %s" % st)
        ok("peer that stops reading but sends KEEPALIVEs stays up")
        wait_for(lambda: flib.nfds(pid) <= fds0 + 2, 30,
                 "daemon fds back near %d (now %d)" % (fds0,
                                                       flib.nfds(pid)))
        rss1 = flib.rss_kb(pid)
        if rss1 > rss0 + 8192 and not flib.sanitized():
            raise AssertionError("RSS %d kB after the flood, %d before"
                                 % (rss1, rss0))
        if bw.nb(FEED)["prefixes"]["ipv4"] != ROUTES:
            raise AssertionError("routes lost after the flood")
        ok("after: fds %d (before %d), RSS %d kB (before %d), routes %d"
           % (flib.nfds(pid), fds0, rss1, rss0, ROUTES))
        stall.close()
        fd.stop()
        bw.stop()
        failed = False
    finally:
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
