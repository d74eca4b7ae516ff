#!/usr/bin/python3
"""Hostile-peer test: a raw BGP speaker on loopback sends bgpwatchd
malformed and misordered input and checks the NOTIFICATION that comes
back (code/subcode/data), that RFC 7606 cases that must not reset the
session do not, and that the daemon keeps serving its other peers.

Usage: peer.py BUILD_DIR   (Debian's /usr/bin/python3; no third-party
modules).  Exits 0 when every case passes; prints one line per case.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
MARKER = b"\xff" * 16
LOCAL_AS = 65000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn=64512, hold=90, bgp_id="10.0.0.1", version=4, caps=None):
    if caps is None:
        # MP IPv4 unicast, MP IPv6 unicast, 4-octet AS.
        caps = (b"\x01\x04\x00\x01\x00\x01" + b"\x01\x04\x00\x02\x00\x01" +
                b"\x41\x04" + struct.pack("!I", asn))
    params = b"\x02" + bytes([len(caps)]) + caps if caps else b""
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH4sB", version, my_as, hold,
                       socket.inet_aton(bgp_id), len(params)) + params
    return msg(1, body)


def keepalive():
    return msg(4)


def update(withdrawn=b"", attrs=b"", nlri=b""):
    body = (struct.pack("!H", len(withdrawn)) + withdrawn +
            struct.pack("!H", len(attrs)) + attrs + nlri)
    return msg(2, body)


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def std_attrs(asn=64512, nexthop="192.0.2.1", origin=0):
    aspath = b"\x02\x01" + struct.pack("!I", asn)
    return (attr(0x40, 1, bytes([origin])) + attr(0x40, 2, aspath) +
            attr(0x40, 3, socket.inet_aton(nexthop)))


def nlri(prefix):
    addr, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(addr)[:(plen + 7) // 8]


class Peer:
    """One TCP connection from a chosen loopback source address."""

    def __init__(self, src, port):
        self.s = socket.socket()
        self.s.bind((src, 0))
        self.s.settimeout(10)
        self.s.connect(("127.0.0.1", port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def recv_msg(self, timeout=10):
        """Next message as (type, body); None on EOF."""
        self.s.settimeout(timeout)
        while True:
            if len(self.buf) >= 19:
                length, mtype = struct.unpack("!HB", self.buf[16:19])
                if len(self.buf) >= length:
                    m, self.buf = self.buf[:length], self.buf[length:]
                    return mtype, m[19:]
            try:
                data = self.s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                return None
            if not data:
                return None
            self.buf += data

    def expect_notification(self, timeout=10):
        """Reads until a NOTIFICATION; returns (code, subcode, data)."""
        while True:
            m = self.recv_msg(timeout)
            if m is None:
                return None
            if m[0] == 3:
                body = m[1]
                return body[0], body[1], body[2:]

    def establish(self, **kw):
        self.send(open_msg(**kw))
        t, _ = self.recv_msg()
        assert t == 1, "expected OPEN, got %r" % t
        self.send(keepalive())
        while True:
            m = self.recv_msg()
            assert m is not None, "closed during set-up"
            if m[0] == 4:
                return

    def closed(self, timeout=5):
        """True if the daemon closes the connection within timeout."""
        self.s.settimeout(timeout)
        try:
            while True:
                data = self.s.recv(65536)
                if not data:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self):
        self.s.close()


class Daemon:
    def __init__(self, tmp):
        self.tmp = tmp
        self.port = free_port()
        self.mport = free_port()
        self.sock = os.path.join(tmp, "bw.sock")
        conf = os.path.join(tmp, "bw.conf")
        lines = ["local-as %d" % LOCAL_AS, "router-id 192.0.2.254",
                 "listen on 127.0.0.1 port %d" % self.port,
                 'control "%s"' % self.sock,
                 "metrics on 127.0.0.1 port %d" % self.mport]
        for i in range(2, 30):
            extra = ""
            if i == 20:
                extra = "    max-prefix 3 restart 1h\n"
            lines.append("neighbor 127.0.3.%d {\n    remote-as 64512\n"
                         "    passive\n%s}" % (i, extra))
        lines.append('region "T" {\n    prefix 198.51.100.0/24\n'
                     '    hold-down 1s\n}')
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log = open(os.path.join(tmp, "bw.log"), "w")
        self.proc = subprocess.Popen([os.path.join(BUILD, "bgpwatchd"), "-d",
                                      "-f", conf], stderr=self.log)
        # The control socket opens a little before the BGP listener (the
        # metrics listener comes between): wait for both.
        deadline = time.time() + 10
        logname = os.path.join(tmp, "bw.log")
        while not (os.path.exists(self.sock) and
                   "BGP: listening" in open(logname).read()):
            assert time.time() < deadline, "bgpwatchd did not start"
            assert self.proc.poll() is None, "bgpwatchd exited"
            time.sleep(0.05)

    def ctl(self, *args):
        out = subprocess.run([os.path.join(BUILD, "bgpwatchctl"), "-s",
                              self.sock, "-j"] + list(args),
                             capture_output=True, text=True, timeout=10)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def neighbor(self, addr):
        for n in self.ctl("show", "neighbors")["neighbors"]:
            if n["address"] == addr:
                return n
        raise AssertionError("no neighbor " + addr)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def notif_case(src, send, want, establish=False, data=None):
    def run(d):
        p = Peer(src, d.port)
        try:
            if establish:
                p.establish()
            p.send(send)
            n = p.expect_notification()
            assert n is not None, "no NOTIFICATION"
            assert n[:2] == want, "got %d/%d, want %d/%d" % (n[0], n[1],
                                                             *want)
            if data is not None:
                assert n[2] == data, "data %r, want %r" % (n[2], data)
            assert p.closed(), "connection not closed"
        finally:
            p.close()
    return run


@case
def unconfigured_address_refused(d):
    p = Peer("127.0.3.200", d.port)
    try:
        assert p.recv_msg(5) is None, "got a message from the daemon"
    finally:
        p.close()


@case
def bad_marker(d):
    notif_case("127.0.3.2", b"\x00" * 16 + b"\x00\x13\x04", (1, 1))(d)


@case
def bad_length(d):
    notif_case("127.0.3.3", MARKER + b"\x00\x12\x04", (1, 2),
               data=b"\x00\x12")(d)


@case
def bad_type(d):
    notif_case("127.0.3.4", MARKER + b"\x00\x13\x09", (1, 3),
               data=b"\x09")(d)


@case
def open_bad_peer_as(d):
    notif_case("127.0.3.5", open_msg(asn=64999), (2, 2))(d)


@case
def open_bad_holdtime(d):
    notif_case("127.0.3.6", open_msg(hold=2), (2, 6))(d)


@case
def open_bad_version(d):
    notif_case("127.0.3.7", open_msg(version=3), (2, 1),
               data=b"\x00\x04")(d)


@case
def update_in_opensent(d):
    notif_case("127.0.3.8", update(), (5, 1))(d)


@case
def withdrawn_length_overrun(d):
    bad = msg(2, b"\x00\x50\x00\x00")
    notif_case("127.0.3.9", bad, (3, 1), establish=True)(d)


@case
def keepalive_with_body(d):
    notif_case("127.0.3.10", msg(4, b"x"), (1, 2), establish=True)(d)


@case
def route_refresh_bad_length(d):
    # BoRR with an extra byte: ROUTE-REFRESH Message Error / length.
    notif_case("127.0.3.11", msg(5, b"\x00\x01\x01\x01\x00"), (7, 1),
               establish=True)(d)


@case
def open_in_established(d):
    notif_case("127.0.3.12", open_msg(), (5, 3), establish=True)(d)


@case
def treat_as_withdraw_keeps_session(d):
    src = "127.0.3.13"
    p = Peer(src, d.port)
    try:
        p.establish()
        p.send(update(attrs=std_attrs(), nlri=nlri("198.51.100.0/24")))
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 1)
        # Bad ORIGIN value (7): RFC 7606 treat-as-withdraw, no reset.
        badattrs = (attr(0x40, 1, b"\x07") + std_attrs()[4:])
        p.send(update(attrs=badattrs, nlri=nlri("198.51.100.0/24")))
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 0)
        n = d.neighbor(src)
        assert n["state"] == "Established", n["state"]
        assert n["treat_as_withdraw"] == 1, n["treat_as_withdraw"]
        assert not p.closed(1), "session was reset"
    finally:
        p.close()


@case
def attr_discard_keeps_route(d):
    src = "127.0.3.14"
    p = Peer(src, d.port)
    try:
        p.establish()
        # AGGREGATOR of the wrong length: attribute discard.
        attrs = std_attrs() + attr(0xc0, 7, b"\x00\x01\x02")
        p.send(update(attrs=attrs, nlri=nlri("203.0.113.0/24")))
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 1)
        n = d.neighbor(src)
        assert n["attribute_discard"] == 1, n["attribute_discard"]
        assert n["state"] == "Established"
    finally:
        p.close()


@case
def hold_timer_expires(d):
    p = Peer("127.0.3.15", d.port)
    try:
        p.establish(hold=3)
        start = time.time()
        n = p.expect_notification(timeout=10)
        took = time.time() - start
        assert n is not None and n[:2] == (4, 0), "got %r" % (n,)
        assert 2 <= took <= 6, "hold timer fired after %.1fs" % took
    finally:
        p.close()


@case
def hold_timer_restarts(d):
    # Messages restart the hold timer (3 s here): KEEPALIVEs two to a
    # write (read in one loop turn: fsm_hold_restart re-arms the timer
    # once per turn) and a burst of UPDATEs, every second for 5 s, keep
    # the session up past its first 3 s; then, silent, it ends 3 s after
    # the last message, not 3 s after the first re-arm of a turn.
    src = "127.0.3.17"
    p = Peer(src, d.port)
    try:
        p.establish(hold=3)
        upd = update(attrs=std_attrs(), nlri=nlri("192.0.2.0/24"))
        start = time.time()
        i = 0
        while time.time() - start < 5:
            if i % 2:
                p.send(keepalive() + keepalive())
            else:
                p.send(upd * 20 + keepalive())
            i += 1
            time.sleep(1)
            while True:     # the daemon's KEEPALIVEs and End-of-RIB
                m = p.recv_msg(timeout=0.01)
                if m is None:
                    break
                assert m[0] != 3, "NOTIFICATION %r after %.1fs" % (
                    m[1][:2], time.time() - start)
        assert d.neighbor(src)["state"] == "Established"
        p.send(keepalive() + keepalive())
        last = time.time()
        n = p.expect_notification(timeout=10)
        took = time.time() - last
        assert n is not None and n[:2] == (4, 0), "got %r" % (n,)
        assert 2.5 <= took <= 4.5, "hold timer fired %.1fs after the " \
            "last message" % took
    finally:
        p.close()


@case
def max_prefix(d):
    src = "127.0.3.20"
    p = Peer(src, d.port)
    try:
        p.establish()
        routes = b"".join(nlri("10.%d.0.0/16" % i) for i in range(5))
        p.send(update(attrs=std_attrs(), nlri=routes))
        n = p.expect_notification()
        assert n is not None and n[:2] == (6, 1), "got %r" % (n,)
        assert n[2] == b"\x00\x01\x01\x00\x00\x00\x03", n[2]
        wait(lambda: d.neighbor(src)["state"] == "Idle")
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 0)
        assert "max-prefix" in (d.neighbor(src)["last_error"] or "")
    finally:
        p.close()
    # Idle hold: a new connection is refused.
    q = Peer(src, d.port)
    try:
        assert q.recv_msg(3) is None, "idle peer accepted a session"
    finally:
        q.close()


@case
def garbage_flood(d):
    """Random bytes: one NOTIFICATION, then close; daemon survives."""
    p = Peer("127.0.3.16", d.port)
    try:
        p.send(os.urandom(200000))
        n = p.expect_notification()
        assert n is not None and n[0] == 1, "got %r" % (n,)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        p.close()


@case
def other_sessions_unaffected(d):
    src = "127.0.3.21"
    p = Peer(src, d.port)
    try:
        p.establish()
        p.send(update(attrs=std_attrs(asn=64512),
                      nlri=nlri("192.0.2.0/24")))
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 1)
        rib = d.ctl("show", "rib", "neighbor", src)["routes"]
        assert [r["prefix"] for r in rib] == ["192.0.2.0/24"], rib
        assert rib[0]["as_path"] == "64512", rib[0]
        assert rib[0]["next_hop"] == "192.0.2.1", rib[0]
    finally:
        p.close()
    assert d.alive(), "daemon died"


@case
def metrics_endpoint(d):
    import urllib.error
    import urllib.request
    url = "http://127.0.0.1:%d" % d.mport
    src = "127.0.3.22"
    p = Peer(src, d.port)
    try:
        p.establish()
        p.send(update(attrs=std_attrs(), nlri=nlri("192.0.2.0/24") +
                      nlri("198.18.0.0/15")))
        wait(lambda: d.neighbor(src)["prefixes"]["ipv4"] == 2)
        body = urllib.request.urlopen(url + "/metrics",
                                      timeout=5).read().decode()
    finally:
        p.close()
    want = ['bgpwatch_peer_up{peer="127.0.3.22",asn="64512"} 1',
            'bgpwatch_peer_routes{peer="127.0.3.22",family="ipv4"} 2',
            'bgpwatch_peer_up{peer="127.0.3.2",asn="64512"} 0',
            'bgpwatch_peer_announcements_total{peer="127.0.3.22"} 2',
            '# TYPE bgpwatch_loop_max_stall_seconds gauge']
    for w in want:
        assert w in body, "missing %r" % w
    try:
        urllib.request.urlopen(url + "/other", timeout=5)
        raise AssertionError("no 404 for /other")
    except urllib.error.HTTPError as e:
        assert e.code == 404, e.code


@case
def show_regions(d):
    src = "127.0.3.23"
    p = Peer(src, d.port)
    try:
        p.establish()
        # Announce, then End-of-RIB for both negotiated families: the
        # peer becomes eligible.
        p.send(update(attrs=std_attrs(), nlri=nlri("198.51.100.0/24")))
        p.send(update())
        p.send(update(attrs=attr(0x80, 15, b"\x00\x02\x01")))
        wait(lambda: d.ctl("show", "region", "T")["prefixes"] ==
             [{"prefix": "198.51.100.0/24", "visible_peers": 1}])
        regs = d.ctl("show", "regions")["regions"]
        assert [r["name"] for r in regs] == ["T"], regs
        assert regs[0]["prefixes_total"] == 1, regs[0]
        assert regs[0]["eligible_peers"] >= 1, regs[0]
    finally:
        p.close()
    out = subprocess.run([os.path.join(BUILD, "bgpwatchctl"), "-s", d.sock,
                          "show", "region", "nope"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 1 and "no region nope" in out.stderr, out


def wait(pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in %ds" % timeout)


def main():
    tmp = tempfile.mkdtemp(prefix="bw-hostile-")
    d = Daemon(tmp)
    passed = failed = 0
    try:
        for fn in CASES:
            try:
                fn(d)
                assert d.alive(), "daemon died"
                print("%-36s ok" % fn.__name__)
                passed += 1
            except Exception as e:  # one case's failure is reported
                print("%-36s FAIL: %s" % (fn.__name__, e))
                failed += 1
    finally:
        d.stop()
        if failed:
            with open(os.path.join(tmp, "bw.log")) as f:
                print("--- bgpwatchd log (tail) ---")
                print("".join(f.readlines()[-40:]))
        if not failed:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
