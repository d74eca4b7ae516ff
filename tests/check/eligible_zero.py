#!/usr/bin/python3
"""`eligible-after 0s`: a peer is eligible from Established on, so every
route it sends is news.  A raw BGP speaker (127.0.12.2) sends its OPEN,
KEEPALIVE and 2,000 routes of a watched region in one write, so that
bgpwatchd reads the UPDATEs in the same read as the KEEPALIVE that makes
the session Established; a unix subscriber must get a prefix_announced
for each of the 2,000 prefixes.  (With the eligibility on a timer of 0 s,
which fires only after that read, none came: the routes counted as the
peer's initial table.)  Then 100 withdrawals, 100 prefix_withdrawn.
Usage: eligible_zero.py BUILD_DIR; exit 0 = pass.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import msgpack  # Debian's python3-msgpack

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
MARKER = b"\xff" * 16
SRC = "127.0.12.2"
PEER_AS = 64612
N = 2000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg():
    caps = b"\x01\x04\x00\x01\x00\x01" + b"\x41\x04" + struct.pack("!I",
                                                                    PEER_AS)
    params = b"\x02" + bytes([len(caps)]) + caps
    return msg(1, struct.pack("!BHH4sB", 4, PEER_AS, 90,
                              socket.inet_aton(SRC), len(params)) + params)


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return msg(2, struct.pack("!H", len(withdrawn)) + withdrawn +
               struct.pack("!H", len(attrs)) + attrs + nlri)


def attr(flags, code, value):
    return struct.pack("!BBB", flags, code, len(value)) + value


def prefix(i):
    return "198.18.%d.0/24" % i if i < 256 else \
        "198.19.%d.0/24" % (i - 256) if i < 512 else \
        "198.18.%d.%d/30" % ((i - 512) // 64, (i - 512) % 64 * 4)


def nlri(p):
    addr, plen = p.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(addr)[:(plen + 7) // 8]


def fail(text):
    print("FAIL: " + text)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="eligible_zero.")
    port = free_port()
    ctl = os.path.join(tmp, "bw.sock")
    evs = os.path.join(tmp, "events.sock")
    conf = os.path.join(tmp, "bw.conf")
    with open(conf, "w") as f:
        f.write("local-as 65000\nrouter-id 192.0.2.254\n"
                "listen on 127.0.0.1 port %d\ncontrol \"%s\"\n"
                "eligible-after 0s\n"
                "events {\n log \"%s\"\n subscribe unix \"%s\"\n}\n"
                "region \"PROBE\" {\n prefix 198.18.0.0/15\n"
                " hold-down 1s\n}\n"
                "neighbor %s {\n remote-as %d\n passive\n}\n"
                % (port, ctl, os.path.join(tmp, "events.mpk"), evs, SRC,
                   PEER_AS))
    log = open(os.path.join(tmp, "bw.log"), "w")
    proc = subprocess.Popen([os.path.join(BUILD, "bgpwatchd"), "-d", "-f",
                             conf], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while not os.path.exists(evs):
            if time.time() > deadline or proc.poll() is not None:
                fail("bgpwatchd did not start")
            time.sleep(0.05)
        sub = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sub.connect(evs)
        sub.sendall(msgpack.packb({}))
        time.sleep(0.2)		# the subscription is in place
        # 512 /24s, then /30s (more than the ~960 routes of one read).
        nl = [nlri(prefix(i)) for i in range(N)]
        attrs = (attr(0x40, 1, b"\x00") +
                 attr(0x40, 2, b"\x02\x01" + struct.pack("!I", PEER_AS)) +
                 attr(0x40, 3, socket.inet_aton(SRC)))
        data = open_msg() + msg(4)
        for k in range(0, N, 500):
            data += update(attrs=attrs, nlri=b"".join(nl[k:k + 500]))
        s = socket.socket()
        s.bind((SRC, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(data)		# one write: OPEN, KEEPALIVE, UPDATEs
        u = msgpack.Unpacker(raw=False)
        got, wd = set(), set()
        sub.settimeout(1)
        deadline = time.time() + 30
        withdrawn = False
        while time.time() < deadline and len(wd) < 100:
            if len(got) == N and not withdrawn:
                s.sendall(update(withdrawn=b"".join(nl[:100])))
                withdrawn = True
            try:
                b = sub.recv(1 << 20)
            except socket.timeout:
                if len(got) < N and time.time() > deadline - 25:
                    break		# nothing more is coming
                continue
            if not b:
                fail("the subscriber socket closed")
            u.feed(b)
            for ev in u:
                if ev.get("type") == "prefix_announced":
                    got.add(ev.get("prefix"))
                elif ev.get("type") == "prefix_withdrawn":
                    wd.add(ev.get("prefix"))
        want = set(prefix(i) for i in range(N))
        if got != want:
            fail("%d of %d prefix_announced (first missing: %s); the routes "
                 "that came with the KEEPALIVE made no events"
                 % (len(got & want), N, sorted(want - got)[:3]))
        if wd != set(prefix(i) for i in range(100)):
            fail("%d of 100 prefix_withdrawn" % len(wd))
        print("ok: eligible-after 0s: %d prefix_announced for %d routes in "
              "the KEEPALIVE's read, %d prefix_withdrawn" % (len(got), N,
                                                              len(wd)))
        s.close()
        sub.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()
        if proc.returncode not in (0, -signal.SIGTERM):
            print("bgpwatchd exited %s; its log:" % proc.returncode)
            print(open(os.path.join(tmp, "bw.log")).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
