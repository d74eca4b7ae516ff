"""
Helpers of the fault-injection tests (tests/faults/*.py, run by
tests/check/faults_*.sh): a bgpwatchd on this suite's loopback range
(127.0.7.x, ports 37000-37099), event-log and subscriber readers with
Debian's python msgpack, process RSS and fd counts.  Builds on the
integration harness (tests/integration/lib.py: Lab, Bgpwatchd, wait_for).
"""
import os
import socket
import sys
import time

import msgpack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
import lib                      # noqa: E402
from lib import Bgpwatchd, Lab, run, wait_for   # noqa: E402,F401

ADDR = "127.0.7.1"


def port(n):
    """Port n (0..99) of this suite's range, if free; else any free one."""
    p = 37000 + n
    try:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ADDR, p))
        s.close()
        return p
    except OSError:
        return lib.free_port(ADDR)


def daemon(lab, n, extra, neighbors=()):
    """A Bgpwatchd listening on ADDR port n of the range."""
    bw = Bgpwatchd(lab, listen=ADDR, port=port(n), extra=extra)
    for addr, asn, *stmts in neighbors:
        bw.neighbor(addr, asn, *stmts)
    return bw


def ext_hook(code, data):
    return (code, data)


def records(path):
    """Every whole record of an event log: list of dicts (torn tail cut)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, "rb") as f:
        data = f.read()
    u = msgpack.Unpacker(raw=False, strict_map_key=False, ext_hook=ext_hook)
    u.feed(data)
    try:
        for o in u:
            out.append(o)
    except (msgpack.ExtraData, ValueError):
        pass
    return out


def check_seqs(recs, first=1, what="log"):
    """Asserts seqs are first, first+1, ... (no loss, no duplicate)."""
    for i, r in enumerate(recs):
        if r.get("seq") != first + i:
            raise AssertionError("%s: record %d has seq %r, expected %d "
                                 "(previous %r)" % (what, i, r.get("seq"),
                                                    first + i,
                                                    recs[i - 1].get("seq")
                                                    if i else None))


class Subscriber:
    """A unix-socket subscriber: request {"from": N} or live ({})."""

    def __init__(self, path, frm=None, follow=True, rcvbuf=None):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.connect(path)
        req = {}
        if frm is not None:
            req["from"] = frm
        if not follow:
            req["follow"] = False
        self.s.sendall(msgpack.packb(req))
        self.raw = bytearray()
        self.eof = False

    @property
    def got(self):
        """The records received so far (decoded on demand)."""
        u = msgpack.Unpacker(raw=False, strict_map_key=False,
                             ext_hook=ext_hook, max_buffer_size=1 << 30)
        u.feed(bytes(self.raw))
        return list(u)

    def read(self, timeout=0.2):
        """Reads what arrives within timeout; returns the bytes count."""
        self.s.settimeout(timeout)
        n = 0
        try:
            while True:
                data = self.s.recv(1 << 20)
                if not data:
                    self.eof = True
                    break
                self.raw += data
                n += len(data)
        except (socket.timeout, BlockingIOError):
            pass
        except (ConnectionResetError, BrokenPipeError):
            self.eof = True
        return n

    def read_until(self, pred, timeout, what):
        """Reads until pred(self) holds (pred sees raw, eof...)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            self.read(0.1)
            if pred(self):
                return
        if pred(self):
            return
        raise AssertionError("subscriber: timed out waiting for %s (got %d "
                             "bytes, eof %s)" % (what, len(self.raw),
                                                 self.eof))

    def close(self):
        self.s.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def nfds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def feed(lab, name, src, port_, n, *args):
    """Starts bgpfeed --synthetic n from src; returns the Proc."""
    return lab.start(name, [lib.BGPFEED, "--synthetic", str(n), "--bind", src,
                            "--local-as", "64511", "--quiet"] + list(args) +
                     ["%s:%d" % (ADDR, port_)])


def ok(msg):
    print("ok   " + msg, flush=True)


def wait_stable(path, what, quiet=1.0, timeout=60):
    """Waits until the file at path has not grown for quiet seconds."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return size
        time.sleep(0.1)
    raise AssertionError("%s still growing after %ds" % (what, timeout))


def sanitized():
    """True for a SAN=1 daemon (ASan's quarantine makes RSS meaningless)
    or a SAN=thread one (make tsan: 5-15 times slower)."""
    with open(lib.BGPWATCHD, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__tsan_init" in data
