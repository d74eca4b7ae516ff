#!/usr/bin/python3
"""
BMP ingest against BGP ingest (make bench, part 3): PEERS copies of a
table go into a fresh bgpwatchd once through ONE BMP connection (a
feeder playing a router, tests/integration/bmpmsg.py, the stream built
in memory beforehand) and once over PEERS BGP sessions (bgpfeed).  Per
path: wall time from the first byte until `show rib count` has every
route, bgpwatchd's CPU seconds and RSS, and the BMP/BGP ratios (the
issue's target: BMP no more than 1.2x BGP).

The table (default): the full 2015 IPv4 table, the UPDATEs of
updates.et-header.2015.gz as recorded, wrapped byte for byte into Route
Monitoring messages on the BMP side, replayed by `bgpfeed --mrt
--sources PEERS` on the BGP side.  --synthetic (or the file missing):
PEERS x PREFIXES IPv4 /24s, 20 prefixes per attribute set (bgpfeed
--synthetic --share 20).  Everything on 127.0.2.x ports 32080-32099.
  tests/bench/bmp.py [--synthetic] BUILD WORKDIR
  (BENCH_BMP_PREFIXES, BENCH_BMP_PEERS, BGPWATCH_MRT_DATA,
   BENCH_BMP_ORDER: mixed (default) or peer, see mrt_stream)
"""
import gzip
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
import benchlib as bl  # noqa: E402
import bmpmsg  # noqa: E402

BW = "127.0.2.1"
FEEDER = "127.0.2.90"
BMP_PORT = 32080
BGP_PORT = 32081


def stream(peers, prefixes):
    """The whole BMP byte stream: Initiation, Peer Ups, Route Monitoring."""
    out = [bmpmsg.initiation("bench")]
    for k in range(peers):
        out.append(bmpmsg.peer_up("192.0.2.%d" % (k + 1), 65001 + k,
                                  bgp_id="10.0.0.%d" % (k + 1)))
    for k in range(peers):
        addr, asn = "192.0.2.%d" % (k + 1), 65001 + k
        ph = bmpmsg.peer_hdr(addr, asn, bgp_id="10.0.0.%d" % (k + 1))
        for base in range(0, prefixes, 20):
            pfx = []
            for i in range(base, min(base + 20, prefixes)):
                pfx.append("%d.%d.%d.0/24" % (1 + (i >> 16) % 223,
                                              (i >> 8) & 255, i & 255))
            upd = bmpmsg.update(pfx, path=(asn, 100 + (base // 20) % 5000,
                                           200 + base % 7))
            body = ph + upd
            out.append(struct.pack("!BIB", 3, 6 + len(body), 0) + body)
        out.append(bmpmsg.route_monitoring(addr, asn, bmpmsg.eor()))
    return b"".join(out)


MRT_FULL = os.path.join(os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
    "data", "mrt")), "updates.et-header.2015.gz")
MRT_AS = 3856           # the one peer of that file (206.220.231.55)


def mrt_updates(path):
    """The BGP UPDATE messages (whole, header included) of an MRT file of
    one peer, in order, and the number of IPv4 prefixes left at the end
    (announcements minus withdrawals, as a RIB counts them)."""
    with gzip.open(path, "rb") as f:
        d = f.read()
    msgs, table, off = [], set(), 0
    while off + 12 <= len(d):
        _, typ, sub, ln = struct.unpack_from("!IHHI", d, off)
        rec = d[off + 12:off + 12 + ln]
        off += 12 + ln
        if typ == 17:                   # BGP4MP_ET: microseconds first
            rec = rec[4:]
        elif typ != 16:
            continue
        if sub not in (1, 4):           # MESSAGE, MESSAGE_AS4
            continue
        asl = 4 if sub == 4 else 2
        afi = struct.unpack_from("!H", rec, 2 * asl + 2)[0]
        m = rec[2 * asl + 4 + (8 if afi == 1 else 32):]
        if len(m) < 23 or m[18] != 2:
            continue
        msgs.append(m)
        wl = struct.unpack_from("!H", m, 19)[0]
        al = struct.unpack_from("!H", m, 21 + wl)[0]
        for lo, hi, add in ((21, 21 + wl, False),
                            (23 + wl + al, len(m), True)):
            i = lo
            while i < hi:
                n = (m[i] + 7) // 8
                key = m[i:i + 1 + n]
                i += 1 + n
                if add:
                    table.add(key)
                else:
                    table.discard(key)
    return msgs, len(table)


def mrt_stream(peers, msgs, order):
    """Initiation, Peer Ups, then each peer's copy of the table as Route
    Monitoring (the recorded UPDATE bytes unchanged) and End-of-RIB.
    order "mixed": UPDATE i of every peer, then UPDATE i+1 (the peers'
    messages interleaved, as 10 concurrent sessions arrive); "peer": one
    peer's whole table after the other."""
    out = [bmpmsg.initiation("bench")]
    phs = []
    for k in range(peers):
        out.append(bmpmsg.peer_up("192.0.2.%d" % (k + 1), MRT_AS,
                                  bgp_id="10.0.0.%d" % (k + 1)))
        phs.append(bmpmsg.peer_hdr("192.0.2.%d" % (k + 1), MRT_AS,
                                   bgp_id="10.0.0.%d" % (k + 1)))
    if order == "peer":
        for ph in phs:
            out.extend(struct.pack("!BIB", 3, 6 + len(ph) + len(m), 0) +
                       ph + m for m in msgs)
    else:
        for m in msgs:
            out.extend(struct.pack("!BIB", 3, 6 + len(ph) + len(m), 0) +
                       ph + m for ph in phs)
    for k in range(peers):
        out.append(bmpmsg.route_monitoring("192.0.2.%d" % (k + 1), MRT_AS,
                                           bmpmsg.eor()))
    return b"".join(out)


def daemon(build, work, tag, extra):
    conf = os.path.join(work, tag + ".conf")
    sock = os.path.join(work, tag + ".sock")
    with open(conf, "w") as f:
        f.write('local-as 65000\nrouter-id %s\ncontrol "%s"\n'
                'listen on %s port %d\n%s' % (BW, sock, BW, BGP_PORT, extra))
    log = open(os.path.join(work, tag + ".log"), "w")
    p = bl.spawn([os.path.join(build, "bgpwatchd"), "-d", "-f", conf],
                 role="receiver", stdout=log, stderr=log)
    rx = bl.Bgpwatchd.__new__(bl.Bgpwatchd)
    rx.sock, rx.proc, rx.logf = sock, p, log
    bl.wait_for(lambda: rx.query("show rib count"), 10, "bgpwatchd control")
    return rx


def measure(rx, total, t0, cpu0):
    bl.wait_for(lambda: rx.count() >= total, 900, "%d routes" % total, 0.05)
    return {"time": bl.now() - t0, "cpu": rx.cpu() - cpu0, "rss": rx.rss()}


def main():
    args = sys.argv[1:]
    synthetic = "--synthetic" in args or not os.path.exists(MRT_FULL)
    args = [a for a in args if a != "--synthetic"]
    build, work = args[0], args[1]
    peers = int(os.environ.get("BENCH_BMP_PEERS", "10"))
    if synthetic:
        prefixes = int(os.environ.get("BENCH_BMP_PREFIXES", "200000"))
        data = stream(peers, prefixes)
        feed_args = ["--synthetic", str(prefixes), "--share", "20",
                     "--local-as", "65001"]
        peer_as = 65001
        what = "%d peers x %d prefixes (synthetic, 20 prefixes per " \
            "attribute set)" % (peers, prefixes)
    else:
        msgs, prefixes = mrt_updates(MRT_FULL)
        order = os.environ.get("BENCH_BMP_ORDER", "mixed")
        data = mrt_stream(peers, msgs, order)
        feed_args = ["--mrt", MRT_FULL, "--local-as", str(MRT_AS)]
        peer_as = MRT_AS
        what = "%d x the full 2015 table (%s: %d UPDATEs, %d prefixes; " \
            "BMP stream %.0f MB, order %s)" % (
                peers, os.path.basename(MRT_FULL), len(msgs), prefixes,
                len(data) / 1e6, order)
        del msgs
    total = peers * prefixes
    os.makedirs(work, exist_ok=True)
    res = {}
    try:
        rx = daemon(build, work, "bmp", "bmp {\n listen on %s port %d\n"
                    " router %s { max-peers %d }\n}\n"
                    % (BW, BMP_PORT, FEEDER, peers + 1))
        cpu0 = rx.cpu()
        s = socket.socket()
        s.bind((FEEDER, 0))
        s.connect((BW, BMP_PORT))
        t0 = bl.now()
        s.sendall(data)
        res["bmp"] = measure(rx, total, t0, cpu0)
        s.close()
        rx.stop()

        del data
        nbs = "".join("neighbor 127.0.2.%d {\n remote-as %d\n passive\n}\n"
                      % (k + 1, peer_as) for k in range(peers))
        rx = daemon(build, work, "bgp", nbs)
        cpu0 = rx.cpu()
        feed = bl.Feed(build, feed_args + [
                               "--sources", str(peers), "--hold", "forever",
                               "%s:%d" % (BW, BGP_PORT)],
                       os.path.join(work, "bgpfeed.log"))
        feed.wait_established(peers)
        t0 = feed.first_byte()
        res["bgp"] = measure(rx, total, t0, cpu0)
        feed.close()
        feed.stop()
        rx.stop()
    finally:
        bl.cleanup()
    print("   %s = %d routes" % (what, total))
    print("   %-34s %10s %10s %10s" % ("", "time s", "CPU s", "RSS MB"))
    for k, name in (("bmp", "1 BMP connection"),
                    ("bgp", "%d BGP sessions" % peers)):
        r = res[k]
        print("   %-34s %10.2f %10.2f %10.1f" % (name, r["time"], r["cpu"],
                                                 r["rss"] / 1e6))
    b, g = res["bmp"], res["bgp"]
    print("   %-34s %9.2fx %9.2fx %9.2fx" % ("BMP / BGP (target <= 1.2x)",
                                            b["time"] / g["time"],
                                            b["cpu"] / g["cpu"],
                                            b["rss"] / g["rss"]))
    print("   %-34s %10.0f" % ("BMP routes/s", total / b["time"]))


if __name__ == "__main__":
    main()
