#!/usr/bin/python3
"""Writes the seed inputs of one fuzz target into a directory.

    seeds.py NAME DIR [BUILD]

Seeds come from real data: the third-party BGP vectors
(../shared/data/vectors/vectors.json: ExaBGP, FRR, GoBGP test messages),
the OPEN corpus in tests/fuzz/corpus/open, the configurations and RIR
statistics under tests/data and conf/, an event log written by
BUILD/tools/evtgen, and one request of every form for the subscriber and
control sockets.  Targets without seeds here (mrt, update from MRT) get
theirs from BUILD/tools/mkseeds.
"""
import glob
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

VECTORS = os.environ.get("BGPWATCH_VECTORS",
                         "../shared/data/vectors/vectors.json")
SEP = b"\n#@@\n"


def put(d, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def hdr(t, body):
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), t) + body


def vectors():
    try:
        with open(VECTORS) as f:
            return json.load(f)["vectors"]
    except OSError:
        return []


def sel_of(v, stream):
    s = v.get("session", {})
    ap = s.get("addpath", [])
    if stream:
        return (2 if s.get("as4") else 0) | (4 if "ipv4" in ap else 0) | \
            (8 if "ipv6" in ap else 0)
    return (1 if s.get("as4") else 0) | (2 if "ipv4" in ap else 0) | \
        (4 if "ipv6" in ap else 0)


def our_open(ext=True, addpath=True):
    caps = b"\x01\x04\x00\x01\x00\x01" + b"\x01\x04\x00\x02\x00\x01"
    caps += b"\x41\x04\x00\x00\xfd\xe8" + b"\x02\x00"
    if ext:
        caps += b"\x06\x00"
    if addpath:
        caps += b"\x45\x08\x00\x01\x01\x03\x00\x02\x01\x03"
    body = struct.pack(">BHHIBB", 4, 23456, 90, 0xc0000201, len(caps) + 2,
                       2) + bytes([len(caps)]) + caps
    return hdr(1, body)


def stream(d):
    extra = [hdr(4, b""), hdr(5, b"\x00\x01\x00\x01"),
             hdr(5, b"\x00\x01\x01\x01"), hdr(5, b"\x00\x02\x02\x01"),
             hdr(3, b"\x06\x02\x0bmaintenance"), hdr(3, b"\x03\x01")]
    for v in vectors():
        msgs = b"".join(bytes.fromhex(m) for m in v.get("setup", []))
        msgs += bytes.fromhex(v["msg"])
        put(d, bytes([sel_of(v, True)]) + msgs)
        put(d, bytes([0x21]) + our_open() + hdr(4, b"") + msgs)
    for i, e in enumerate(extra):
        put(d, b"\x00" + our_open(False, False) + e)
    put(d, b"\x01" + b"".join(extra))
    for f in glob.glob("tests/fuzz/corpus/open/*"):
        with open(f, "rb") as fh:
            put(d, b"\x20" + fh.read() + hdr(4, b""))


def update(d):
    for v in vectors():
        if v["kind"] != "update":
            continue
        m = bytes.fromhex(v["msg"])
        put(d, bytes([sel_of(v, False)]) + m[19:])


def config(d):
    for f in glob.glob("tests/data/config/*.conf") + ["conf/bgpwatchd.conf"]:
        with open(f, "rb") as fh:
            put(d, fh.read())
    parts = []
    for f in ["include-main.conf", "inc/neighbors.conf", "inc/regions.conf"]:
        with open("tests/data/config/" + f, "rb") as fh:
            parts.append(fh.read())
    main = parts[0].replace(b"inc/neighbors.conf", b"a.conf")
    a = parts[1].replace(b"regions.conf", b"b.conf")
    put(d, SEP.join([main, a, parts[2]]))
    put(d, b'include "a.conf"' + SEP + b'include "main.conf"')
    base = b"local-as 65000\nrouter-id 192.0.2.254\n"
    put(d, base + b"""events {
    log "events.mpk" max-size 1G keep 10
    kafka {
        brokers "k1.example.net:9093,k2.example.net:9093"
        topic "bgpwatch.events"
        format json
        state "events.mpk.kafka"
        queue 100000
        tls ca "ca.pem" cert "kafka.pem" key "kafka.key"
        sasl scram-sha-512 user "bgpwatch" password "secret"
        option "linger.ms" "5"
    }
}
""")
    put(d, base + b"""bmp {
    listen on 192.0.2.254 port 11019
    max-message 1M
    buffer 16M
    router 198.51.100.1 {
        description "edge r1"
        max-routes 20000000
        max-peers 256
        views pre-policy post-policy adj-rib-out-pre loc-rib
    }
    router 198.51.100.2 { connect port 5000 }
}
""")
    put(d, base + b'mrt { updates "u-%Y%m%d.%H%M" rotate 5m; '
             b'table "t-%Y%m%d" every 2h; compress gzip }\n'
             b'websocket on 127.0.0.1 port 8080\n')


def rirstats(d):
    for f in glob.glob("tests/data/rirstats/*"):
        with open(f, "rb") as fh:
            data = fh.read()
        put(d, data)
        lines = data.split(b"\n")
        for i in range(0, len(lines), 8):
            put(d, b"\n".join(lines[:3] + lines[i:i + 8]))


def evtlog(d, build):
    gen = os.path.join(build, "tools", "evtgen")
    if not os.access(gen, os.X_OK):
        return
    with tempfile.TemporaryDirectory() as t:
        log = os.path.join(t, "events.mpk")
        subprocess.run([gen, "-n", "25", "-l", log], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(log, "rb") as fh:
            data = fh.read()
    # The same records with map16 headers (de 00 NN, as a record of 16
    # members or more has): the resync's other way to find a record start.
    marker = b"\xa1v\x01\xa3seq"
    wide, at = b"", 0
    i = data.find(marker)
    while i > 0:
        wide += data[at:i - 1] + b"\xde\x00" + bytes([data[i - 1] & 0x0f])
        at = i
        i = data.find(marker, i + 1)
    wide += data[at:]
    # 3: also opened as the daemon's log (seq, torn tail cut off)
    for sel in (0, 1 | 8 << 2, 2 | 16 << 2, 3):
        for log in (data, wide):
            put(d, bytes([sel]) + log)
            put(d, bytes([sel]) + log[:len(log) // 2])
            put(d, bytes([sel]) + log[:100] + b"\x00" * 9 + log[100:])
            put(d, bytes([sel]) + log[len(log) // 3:])


def mp_map(pairs):
    out = bytes([0x80 | len(pairs)])
    for k, v in pairs:
        out += bytes([0xa0 | len(k)]) + k.encode()
        if v is True or v is False:
            out += b"\xc3" if v else b"\xc2"
        elif v < 128:
            out += bytes([v])
        else:
            out += b"\xcf" + struct.pack(">Q", v)
    return out


def subreq(d):
    for pairs in ([("from", 1)], [("from", 20), ("follow", False)],
                  [("follow", False)], [], [("from", 2**40)],
                  [("from", 39), ("follow", True)], [("x", 1), ("from", 5)]):
        put(d, mp_map(pairs))
    put(d, b"\x81\xa4from\xa3abc")
    put(d, b"garbage\n" + mp_map([("from", 3), ("follow", False)]))


def control(d):
    for line in ["show neighbors", "json show neighbors",
                 "show neighbor 127.0.7.11", "show rib",
                 "show rib 175.45.176.0/24", "json show rib neighbor "
                 "127.0.7.11 10.0.0.0/8", "show rib count",
                 "show rib count neighbor 127.0.7.12", "show memory",
                 "show status", "show regions", "json show region KP",
                 "reload", "dump table /tmp/x.mrt", "neighbor 127.0.7.11 down "
                 "\"maintenance\"", "neighbor 127.0.7.11 up",
                 "neighbor 127.0.7.11 clear", "show bmp", "", "\r"]:
        put(d, line.encode() + b"\n")


def rislive(d):
    subs = [{}, {"host": "rrc00"}, {"type": "UPDATE", "require": "announcements"},
            {"peer": "127.0.7.11", "path": "64511,4837,131279$"},
            {"path": "^64511 131279"}, {"path": [64511, "AS4837"]},
            {"prefix": "175.45.176.0/22", "moreSpecific": True,
             "lessSpecific": False},
            {"prefix": ["2001:db8::/32", "10.0.0.0/8"]},
            {"socketOptions": {"includeRaw": True, "acknowledge": True}},
            {"type": "RIS_PEER_STATE"}, {"require": "withdrawals"}]
    for sub in subs:
        put(d, json.dumps({"type": "ris_subscribe", "data": sub}).encode())
    put(d, json.dumps({"type": "bgpwatch_subscribe", "data": {
        "regions": ["KP"], "types": ["region_down", "prefix_withdrawn"],
        "from": 12}}).encode())
    for data in ({"region": ["KP"], "type": ["region_down", "region_up"],
                  "from": 5}, {"region": "KP", "from": 2000},
                 {"type": "region_down"}, None):
        put(d, json.dumps({"type": "bgpwatch_subscribe",
                           "data": data}).encode())
    put(d, json.dumps({"type": "ris_unsubscribe", "data": {"host":
                                                            "rrc00"}}).encode())


def ws_frame(op, payload, mask=b"\x11\x22\x33\x44", fin=True):
    n = len(payload)
    h = bytes([(0x80 if fin else 0) | op])
    if n < 126:
        h += bytes([0x80 | n])
    elif n < 65536:
        h += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        h += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def rislive_http(d):
    """One client connection: byte 0 says how it is cut into reads, then
    what real clients sent (tests/fuzz/corpus/wsclient: python3-websockets
    10.4 sessions and curl 7.88, captured) and made-up handshakes with
    frames carrying every client message."""
    caps = []
    for f in sorted(glob.glob("tests/fuzz/corpus/wsclient/*")):
        with open(f, "rb") as fh:
            caps.append(fh.read())
    up = (b"GET /v1/ws/ HTTP/1.1\r\nHost: 127.0.7.91:37091\r\n"
          b"Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\n\r\n")
    tmp = tempfile.mkdtemp()
    rislive(tmp)
    msgs = []
    for f in sorted(os.listdir(tmp)):
        with open(os.path.join(tmp, f), "rb") as fh:
            msgs.append(fh.read())
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    msgs += [b'{"type":"ping"}', b'{"type":"request_rrc_list"}',
             b'{"type":"bgpwatch_unsubscribe"}', b'{"type":"nope"}',
             b'[1,2]', b'{"type":"ping","type":"ping"}']
    frames = b"".join(ws_frame(1, m) for m in msgs)
    caps.append(up + frames + ws_frame(8, b"\x03\xe8"))
    caps.append(up + ws_frame(1, msgs[0][:10], fin=False) +
                ws_frame(9, b"hi") + ws_frame(0, msgs[0][10:]) +
                ws_frame(2, b"\x00\x01") + ws_frame(10, b""))
    caps.append(up + ws_frame(1, b" " * 20000))
    # Past the subscribe rate (then the flood cut) and the queue limit.
    caps.append(up + ws_frame(1, msgs[0]) * 110)
    caps.append(up + ws_frame(1, b'{"type":"request_rrc_list"}') * 120)
    for m in msgs:
        caps.append(up + ws_frame(1, m))
    for h in (b"GET / HTTP/1.0\r\n\r\n", b"POST /v1/ws/ HTTP/1.1\r\n\r\n",
              b"GET /x HTTP/1.1\r\n\r\n", b"GET /v1/ws HTTP/1.1\r\n"
              b"Upgrade: websocket\r\n\r\n", b"\r\n\r\n",
              b"GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"):
        caps.append(h)
    for c in caps:
        for cut in (0, 1, 2, 3, 4, 6 + 8 * 3):
            put(d, bytes([cut]) + c)


def bmp_msg(t, body):
    return struct.pack(">BIB", 3, 6 + len(body), t) + body


def bmp_peer(flags=0, addr4="192.0.2.1", asn=64511):
    a = b"\0" * 12 + bytes(int(x) for x in addr4.split("."))
    return struct.pack(">BBQ", 0, flags, 0) + a + struct.pack(
        ">III", asn, 0xc0000201, 1700000000) + struct.pack(">I", 0)


def bmp(d):
    tlv = lambda t, v: struct.pack(">HH", t, len(v)) + v
    init = bmp_msg(4, tlv(1, b"bgpwatch lab router") + tlv(2, b"r1"))
    up = bmp_msg(3, bmp_peer() + b"\0" * 12 + bytes([192, 0, 2, 254]) +
                 struct.pack(">HH", 179, 40000) + our_open() +
                 our_open(False, False) + tlv(0, b"hello"))
    upds = [bytes.fromhex(v["msg"]) for v in vectors()
            if v["kind"] == "update" and v["session"].get("as4")
            and not v["session"].get("addpath")][:40]
    stats = bmp_msg(1, bmp_peer() + struct.pack(">I", 3) +
                    tlv(0, struct.pack(">I", 5)) +
                    tlv(7, struct.pack(">Q", 123456)) +
                    tlv(9, struct.pack(">HBQ", 1, 1, 42)))
    down = bmp_msg(2, bmp_peer() + b"\x01" + hdr(3, b"\x06\x02\x04down"))
    down2 = bmp_msg(2, bmp_peer() + b"\x02" + struct.pack(">H", 7))
    term = bmp_msg(5, tlv(1, struct.pack(">H", 1)) + tlv(0, b"bye"))
    for u in upds:
        put(d, init + up + bmp_msg(0, bmp_peer() + u) + stats)
        put(d, bmp_msg(0, bmp_peer(BMP_PF_L) + u))
    put(d, init + up + stats + down + down2 + term)
    put(d, bmp_msg(6, bmp_peer() + tlv(0, hdr(4, b"")) +
                   tlv(1, struct.pack(">H", 0))))


BMP_PF_L = 0x40


def bmp_station(d):
    """The station's stream: byte 0 says how it is cut into reads, then
    whole sessions of the real exporter captures (tests/fuzz/corpus/bmp,
    FRR 8.4 and GoBGP 3.10, in order) and of the made-up ones above."""
    cap = {}
    for f in sorted(glob.glob("tests/fuzz/corpus/bmp/*")):
        who = os.path.basename(f).split("-")[0]
        with open(f, "rb") as fh:
            cap[who] = cap.get(who, b"") + fh.read()
    streams = list(cap.values())
    if len(streams) > 1:
        streams.append(b"".join(streams))
    for s in streams:
        for cut in (0, 1, 2, 3, 4, 5, 6, 7 + 8 * 5):
            put(d, bytes([cut]) + s)
    # More messages than one read callback takes (1,024): the rest waits.
    put(d, b"\x00" + bmp_msg(4, b"") * 1100 + b"".join(streams[:1]))
    tmp = tempfile.mkdtemp()
    bmp(tmp)
    for f in sorted(os.listdir(tmp)):
        with open(os.path.join(tmp, f), "rb") as fh:
            put(d, b"\x00" + fh.read())
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)


MRTDATA = os.environ.get("BGPWATCH_MRT_DATA", "../shared/data/mrt")


def mrt_records(name, count):
    """The first count records of a real MRT file, plain."""
    import gzip
    try:
        with gzip.open(os.path.join(MRTDATA, name)) as f:
            data = f.read(4 * 1024 * 1024)
    except (OSError, EOFError):
        return b""
    at = 0
    for _ in range(count):
        if at + 12 > len(data):
            break
        n = struct.unpack(">I", data[at + 8:at + 12])[0]
        if at + 12 + n > len(data):
            break
        at += 12 + n
    return data[:at]


def mrtfile(d):
    """Whole files for the reader: plain, gzip (one member, several,
    members cut inside a record, an empty one, one over libdeflate's
    16 MiB so inflate takes over), bzip2 (one stream, two), cut short,
    trailing garbage."""
    import bz2
    import gzip

    def gz(b, level=6):
        return gzip.compress(b, compresslevel=level, mtime=0)

    sets = [mrt_records("updates.20160811.1600.gz", 40),
            mrt_records("updates.et-header.2015.gz", 20),
            mrt_records("bview.20020722.2337.gz", 10),
            mrt_records("bview.ipv6_unicast_add_path.gz", 10)]
    for rec in sets:
        if not rec:
            continue
        half = len(rec) // 2
        put(d, rec)
        put(d, gz(rec))
        put(d, gz(rec[:half]) + gz(rec[half:]))
        put(d, b"".join(gz(rec[i:i + 1000])
                        for i in range(0, len(rec), 1000)))
        put(d, gz(rec) + gz(b"") + gz(rec))
        put(d, gz(rec)[:-9])
        put(d, gz(rec)[:len(gz(rec)) // 2])
        put(d, gz(rec[:half]) + gz(rec[half:])[:20])
        put(d, gz(rec) + b"\x00\x00garbage")
        put(d, bz2.compress(rec))
        put(d, bz2.compress(rec[:half]) + bz2.compress(rec[half:]))
        put(d, bz2.compress(rec)[:-10])
        put(d, rec[:half + 7])
    rec = sets[0]
    if rec:
        big = rec * (17 * 1024 * 1024 // len(rec) + 1)
        put(d, gz(rec) + gz(big, 9) + gz(rec))


def main():
    name, d = sys.argv[1], sys.argv[2]
    build = sys.argv[3] if len(sys.argv) > 3 else "build"
    os.makedirs(d, exist_ok=True)
    fn = {"stream": stream, "update": update, "config": config,
          "rirstats": rirstats, "subreq": subreq, "control": control,
          "rislive": rislive, "bmp": bmp, "bmp_station": bmp_station,
          "rislive_http": rislive_http, "mrtfile": mrtfile,
          "evtlog": lambda x: evtlog(x, build)}.get(name)
    if fn is not None:
        fn(d)
    print("%d seeds in %s" % (len(os.listdir(d)), d))


if __name__ == "__main__":
    main()
