#!/usr/bin/python3
"""
BMP ingest against BGP ingest (make bench, part 3): the same shape of
table -- PEERS peers x PREFIXES IPv4 prefixes, 20 prefixes per attribute
set -- goes into a fresh bgpwatchd once through ONE BMP connection (a
feeder playing a router, tests/integration/bmpmsg.py, the stream built
in memory beforehand) and once over PEERS BGP sessions (bgpfeed
--synthetic --share 20).  Per path: wall time from the first byte until
`show rib count` has every route, bgpwatchd's CPU seconds and RSS, and
the BMP/BGP ratios (the issue's target: BMP no more than 1.2x BGP).
Everything on 127.0.2.x ports 32080-32099.
  tests/bench/bmp.py BUILD WORKDIR   (BENCH_BMP_PREFIXES, BENCH_BMP_PEERS)
"""
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


def daemon(build, work, tag, extra):
    conf = os.path.join(work, tag + ".conf")
    sock = os.path.join(work, tag + ".sock")
    with open(conf, "w") as f:
        f.write('local-as 65000\nrouter-id %s\ncontrol "%s"\n'
                'listen on %s port %d\n%s' % (BW, sock, BW, BGP_PORT, extra))
    log = open(os.path.join(work, tag + ".log"), "w")
    p = bl.spawn([os.path.join(build, "bgpwatchd"), "-d", "-f", conf],
                 stdout=log, stderr=log)
    rx = bl.Bgpwatchd.__new__(bl.Bgpwatchd)
    rx.sock, rx.proc, rx.logf = sock, p, log
    bl.wait_for(lambda: rx.query("show rib count"), 10, "bgpwatchd control")
    return rx


def measure(rx, total, t0, cpu0):
    bl.wait_for(lambda: rx.count() >= total, 900, "%d routes" % total, 0.05)
    return {"time": bl.now() - t0, "cpu": rx.cpu() - cpu0, "rss": rx.rss()}


def main():
    build, work = sys.argv[1], sys.argv[2]
    peers = int(os.environ.get("BENCH_BMP_PEERS", "10"))
    prefixes = int(os.environ.get("BENCH_BMP_PREFIXES", "200000"))
    total = peers * prefixes
    os.makedirs(work, exist_ok=True)
    res = {}
    try:
        data = stream(peers, prefixes)
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

        nbs = "".join("neighbor 127.0.2.%d {\n remote-as 65001\n passive\n}\n"
                      % (k + 1) for k in range(peers))
        rx = daemon(build, work, "bgp", nbs)
        cpu0 = rx.cpu()
        feed = bl.Feed(build, ["--synthetic", str(prefixes), "--share", "20",
                               "--sources", str(peers), "--local-as",
                               "65001", "--hold", "forever",
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
    print("   %d peers x %d prefixes = %d routes (20 prefixes per "
          "attribute set)" % (peers, prefixes, total))
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
