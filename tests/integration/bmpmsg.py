"""
BMP (RFC 7854) messages built byte by byte, for the hostile-input test
and the BMP bench: a feeder that plays a router exporting BMP.  Only what
the tests need: Initiation, Termination, Peer Up (with two OPENs), Peer
Down, Route Monitoring (an UPDATE with IPv4 NLRI), Statistics Report.
"""
import ipaddress
import socket
import struct

VERSION = 3
RM, STATS, PEER_DOWN, PEER_UP, INIT, TERM, MIRROR = range(7)


def msg(mtype, body):
    return struct.pack("!BIB", VERSION, 6 + len(body), mtype) + body


def peer_hdr(addr, asn, bgp_id="10.0.0.1", flags=0, ptype=0, rd=0, ts=0):
    a = ipaddress.ip_address(addr)
    if a.version == 6:
        flags |= 0x80
        ab = a.packed
    else:
        ab = b"\0" * 12 + a.packed
    return (struct.pack("!BBQ", ptype, flags, rd) + ab +
            struct.pack("!II", asn, int(ipaddress.ip_address(bgp_id))) +
            struct.pack("!II", ts, 0))


def tlv(t, v):
    if isinstance(v, str):
        v = v.encode()
    return struct.pack("!HH", t, len(v)) + v


def initiation(sysname, sysdescr="bmpfeed"):
    return msg(INIT, tlv(2, sysname) + tlv(1, sysdescr))


def termination(reason=0):
    return msg(TERM, tlv(0, "bye") + tlv(1, struct.pack("!H", reason)))


def bgp(mtype, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), mtype) + body


def bgp_open(asn, bgp_id, as4=True):
    caps = b""
    caps += struct.pack("!BBHBB", 1, 4, 1, 0, 1)       # MP IPv4 unicast
    if as4:
        caps += struct.pack("!BBI", 65, 4, asn)
    opt = struct.pack("!BB", 2, len(caps)) + caps
    my_as = asn if asn < 65536 else 23456
    return bgp(1, struct.pack("!BHH", 4, my_as, 90) +
               ipaddress.ip_address(bgp_id).packed +
               struct.pack("!B", len(opt)) + opt)


def peer_up(addr, asn, local_addr="192.0.2.1", local_as=65000, as4=True,
            **kw):
    """as4=False: neither OPEN offers 4-octet AS (a 2-octet session)."""
    la = ipaddress.ip_address(local_addr)
    lab = la.packed if la.version == 6 else b"\0" * 12 + la.packed
    return msg(PEER_UP, peer_hdr(addr, asn, **kw) + lab +
               struct.pack("!HH", 179, 40000) +
               bgp_open(local_as, "192.0.2.1", as4) +
               bgp_open(asn, kw.get("bgp_id", "10.0.0.1"), as4))


def peer_down(addr, asn, reason=4, **kw):
    return msg(PEER_DOWN, peer_hdr(addr, asn, **kw) + bytes([reason]))


def nlri(prefixes):
    out = b""
    for p in prefixes:
        n = ipaddress.ip_network(p)
        nb = (n.prefixlen + 7) // 8
        out += bytes([n.prefixlen]) + n.network_address.packed[:nb]
    return out


def update(prefixes=(), withdrawn=(), path=(65001,), nexthop="192.0.2.9",
           as2=False):
    """as2: the AS_PATH in 2-octet numbers (a 2-octet session's)."""
    wd = nlri(withdrawn)
    attrs = b""
    if prefixes:
        seg = struct.pack("!BB", 2, len(path)) + b"".join(
            struct.pack("!H" if as2 else "!I", a) for a in path)
        attrs += b"\x40\x01\x01\x00"                    # ORIGIN IGP
        attrs += struct.pack("!BBB", 0x40, 2, len(seg)) + seg
        attrs += b"\x40\x03\x04" + ipaddress.ip_address(nexthop).packed
    return bgp(2, struct.pack("!H", len(wd)) + wd +
               struct.pack("!H", len(attrs)) + attrs + nlri(prefixes))


def eor():
    return bgp(2, b"\0\0\0\0")


def route_monitoring(addr, asn, bgp_update, **kw):
    return msg(RM, peer_hdr(addr, asn, **kw) + bgp_update)


def stats(addr, asn, counters, **kw):
    body = struct.pack("!I", len(counters))
    for t, v in counters:
        body += struct.pack("!HHQ", t, 8, v) if t in (7, 8) else \
            struct.pack("!HHI", t, 4, v)
    return msg(STATS, peer_hdr(addr, asn, **kw) + body)


def connect(src, dst, port, timeout=5):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect((dst, port))
    return s
