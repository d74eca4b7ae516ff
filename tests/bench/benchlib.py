"""
Shared pieces of the receiver benchmarks (tests/bench/bench.py) and the
full-table check (tests/check/fulltable.sh): processes we start and stop
by PID, the three receivers (bgpwatchd, BIRD 2, GoBGP) with a cheap
"how many routes do you hold" query each, and bgpfeed runs whose first
byte is timestamped on our clock.

Everything listens on and connects to 127.0.0.0/8 only.

Clocks: bgpfeed measures with CLOCK_MONOTONIC and, with -v, writes
"Established with ..." to stderr right before it writes the first byte
of the feed (session.c: established() builds the image, logs, then
bulk_start()).  A thread here reads that stderr and stamps each line
with time.monotonic(), the same clock, as it arrives: the first-byte
time is the earliest such stamp (the line and the first write are
microseconds apart; the pipe wake-up adds well under a millisecond
unless both cores are saturated).  The pollers stamp their queries with
time.monotonic() too, so every interval is on one clock.
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

_procs = []		# every Popen we started, for cleanup()


def _cpu_set(var):
    v = os.environ.get(var, "")
    return {int(c) for c in v.split(",")} if v else None


# tests/bench/run.sh pins every receiver of a comparison (bgpwatchd, BIRD,
# GoBGP, a replay) to one core and the feeders to the others
# (tests/bench/cores.py says why); unset, nothing is pinned.
RECV_CPUS = _cpu_set("BENCH_RECV_CPU")
FEED_CPUS = _cpu_set("BENCH_FEED_CPUS")
CORE_REF = float(os.environ.get("BENCH_CORE_REF", "0") or 0)


def pin(role):
    """preexec_fn pinning a child to the receivers' or the feeders'
    cores, or None when run.sh did not choose any."""
    cpus = RECV_CPUS if role == "receiver" else FEED_CPUS
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def core_speed():
    """The receivers' core now: tests/bench/cores.py's loop on it, in
    this thread, against the calibration's time (1.0 = as fast as the
    calibration; 1.6 = the host slowed it).  None when not pinned."""
    if not RECV_CPUS or CORE_REF <= 0:
        return None
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, RECV_CPUS)
    try:
        best = None
        for _ in range(3):
            t = time.process_time()
            s = 0
            for i in range(1500000):
                s += i * i
            t = time.process_time() - t
            best = t if best is None else min(best, t)
    finally:
        os.sched_setaffinity(0, old)
    return best / CORE_REF


def now():
    return time.monotonic()


def cpu_seconds(pid):
    """
    CPU time of a process, seconds (None if it is gone): the sum over
    its threads of /proc/PID/task/TID/schedstat's run time, which is
    utime + stime at nanosecond instead of clock-tick (10 ms)
    resolution; /proc/PID/stat's utime + stime where that is missing.
    """
    try:
        tot = 0
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                tot += int(f.read().split()[0])
        return tot / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    v = s[s.rindex(")") + 2:].split()
    return (int(v[11]) + int(v[12])) / CLK_TCK


def vm(pid, key="VmRSS"):
    """A /proc/PID/status size field in bytes (None if unknown)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def spawn(argv, role=None, **kw):
    """role: "receiver" or "feeder", for pin()."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    if role is not None and pin(role) is not None:
        kw.setdefault("preexec_fn", pin(role))
    p = subprocess.Popen(argv, **kw)
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, timeout=10):
    """Stops one process we started, by its PID; SIGKILL after timeout."""
    if p is None:
        return
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()
    if p in _procs:
        _procs.remove(p)


def cleanup(*_):
    for p in list(_procs):
        stop(p, timeout=5)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(fn, timeout, what, interval=0.02):
    end = now() + timeout
    while True:
        try:
            v = fn()
            if v:
                return v
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        if now() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(interval)


# --------------------------------------------------------------- bgpfeed

class Feed:
    """One bgpfeed run, started now; stderr lines stamped as they come."""

    def __init__(self, build, args, log):
        self.lines = []			# (monotonic, line) of stderr
        self.established = []		# stamps of "Established with"
        self.log = open(log, "w")
        self.proc = spawn([os.path.join(build, "bgpfeed"), "-v",
                           "--timing"] + args, role="feeder",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, bufsize=1)
        self.out = []
        self._t1 = threading.Thread(target=self._err, daemon=True)
        self._t2 = threading.Thread(target=self._out, daemon=True)
        self._t1.start()
        self._t2.start()

    def _err(self):
        for line in self.proc.stderr:
            t = now()
            if "Established with" in line:
                self.established.append(t)
            self.lines.append((t, line))
            self.log.write("%.6f %s" % (t, line))
            self.log.flush()

    def _out(self):
        for line in self.proc.stdout:
            self.out.append(line)
            self.log.write(line)
            self.log.flush()

    def first_byte(self):
        return min(self.established) if self.established else None

    def wait_established(self, n, timeout=120):
        wait_for(lambda: len(self.established) >= n or self.proc.poll()
                 is not None, timeout, "bgpfeed sessions", 0.005)
        if len(self.established) < n:
            raise RuntimeError("bgpfeed: %d of %d sessions up; see %s" %
                               (len(self.established), n, self.log.name))

    def timing(self):
        """The --timing lines, as dicts (after the process ended)."""
        res = []
        for line in self.out:
            if line.startswith("bgpfeed-timing "):
                d = {}
                for kv in line.split()[1:]:
                    k, _, v = kv.partition("=")
                    d[k] = v
                res.append(d)
        return res

    def close(self):
        """Makes bgpfeed end its sessions (Cease) now; stop() waits."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)

    def stop(self):
        stop(self.proc)
        self._t1.join(2)
        self._t2.join(2)
        self.log.close()


def mrt_peers(build, mrt):
    """[(name, as, source)] of an MRT file, as bgpfeed numbers them."""
    out = subprocess.run([os.path.join(build, "bgpfeed"), "--mrt", mrt,
                          "--list-peers"], check=True, capture_output=True,
                         text=True).stdout
    res = []
    for line in out.splitlines():
        m = re.match(r"(\S+) AS(\d+) source=(\S+) .*announced=(\d+) "
                     r"withdrawn=(\d+)", line)
        if m:
            res.append((m.group(1), int(m.group(2)), m.group(3),
                        int(m.group(4)), int(m.group(5))))
    return res


# ------------------------------------------------------------ receivers

class Receiver:
    name = "?"
    proc = None

    def pid(self):
        return self.proc.pid

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def rss(self):
        return vm(self.proc.pid, "VmRSS")

    def hwm(self):
        return vm(self.proc.pid, "VmHWM")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        stop(self.proc)


class Bgpwatchd(Receiver):
    name = "bgpwatchd"

    def __init__(self, build, workdir, neighbors, port=None, tag="bw",
                 addr="127.0.0.1", extra=""):
        """neighbors: [(address, as)]; listens on addr:port; extra: more
        configuration (an mrt block, regions)."""
        self.build = build
        self.addr = addr
        self.port = port or free_port()
        self.sock = os.path.join(workdir, tag + ".sock")
        self.conf = os.path.join(workdir, tag + ".conf")
        with open(self.conf, "w") as f:
            f.write("local-as 4200000001\nrouter-id 192.0.2.254\n"
                    "listen on %s port %d\ncontrol \"%s\"\n" %
                    (addr, self.port, self.sock))
            for addr, asn in neighbors:
                f.write("neighbor %s {\n    remote-as %d\n    passive\n}\n"
                        % (addr, asn))
            f.write(extra)
        self.logf = open(os.path.join(workdir, tag + ".log"), "w")
        self.proc = spawn([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           self.conf], role="receiver", stdout=self.logf,
                          stderr=subprocess.STDOUT)
        wait_for(lambda: self.query("show rib count"), 10,
                 "bgpwatchd control")

    def request(self, line):
        """One control request line; the whole answer (bytes)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(30)
            s.connect(self.sock)
            s.sendall((line + "\n").encode())
            buf = []
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                buf.append(b)
        finally:
            s.close()
        return b"".join(buf)

    def query(self, cmd):
        """One control request; the parsed JSON answer."""
        data = self.request("json " + cmd).decode()
        if not data.startswith("OK\n"):
            raise ValueError("bgpwatchd: %s: %s" % (cmd, data.strip()))
        return json.loads(data[3:])

    def command(self, cmd):
        """A control request whose answer is not JSON."""
        data = self.request(cmd)
        if not data.startswith(b"OK"):
            raise ValueError("bgpwatchd: %s: %r" % (cmd, data))

    def count(self):
        return self.query("show rib count")["routes"]

    def processed(self):
        """announcements_in + withdrawals_in over every neighbor."""
        n = self.query("show neighbors")["neighbors"]
        return sum(x["announcements_in"] + x["withdrawals_in"] for x in n)

    def status(self, reset=False):
        return self.query("show status reset" if reset else "show status")

    def stop(self):
        stop(self.proc)
        self.logf.close()


class Bird(Receiver):
    name = "BIRD"

    def __init__(self, workdir, neighbors, port=None, import_table=False,
                 tag="bird", addr="127.0.0.1", families=("ipv4",)):
        """families: the channels of each session (ipv4, ipv6)."""
        self.addr = addr
        self.port = port or free_port()
        self.sock = os.path.join(workdir, tag + ".ctl")
        self.conf = os.path.join(workdir, tag + ".conf")
        logp = os.path.join(workdir, tag + ".log")
        with open(self.conf, "w") as f:
            f.write('router id 192.0.2.253;\nlog "%s" { error, fatal };\nprotocol device { }\n' % logp)
            for i, (addr, asn) in enumerate(neighbors):
                chan = "".join(
                    "  %s { import all; export none;%s };\n" %
                    (fam, " import table on;" if import_table else "")
                    for fam in families)
                f.write("protocol bgp s%d {\n"
                        "  local %s port %d as 4200000001;\n"
                        "  neighbor %s as %d;\n"
                        "  passive on;\n  multihop;\n%s}\n" %
                        (i + 1, self.addr, self.port, addr, asn, chan))
        self.errf = open(os.path.join(workdir, tag + ".stderr"), "w")
        self.proc = spawn(["bird", "-f", "-c", self.conf, "-s", self.sock],
                          role="receiver", stdout=self.errf, stderr=subprocess.STDOUT)
        self.conn = None
        wait_for(self._connect, 10, "BIRD control socket")

    def _connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        s.settimeout(60)
        self.conn = s
        self.rbuf = b""
        self._reply()			# "0001 BIRD 2.0.12 ready."
        return True

    def _reply(self):
        """Lines of one reply, up to the one with a code and a space."""
        lines = []
        while True:
            while b"\n" not in self.rbuf:
                b = self.conn.recv(1 << 16)
                if not b:
                    raise OSError("BIRD closed the control socket")
                self.rbuf += b
            line, self.rbuf = self.rbuf.split(b"\n", 1)
            line = line.decode(errors="replace")
            lines.append(line)
            if re.match(r"^\d{4} ", line):
                return lines

    def cmd(self, c):
        self.conn.sendall((c + "\n").encode())
        return self._reply()

    def count(self):
        """Routes imported, summed over the BGP protocols.

        `show protocols all` reads each channel's counters: constant
        cost, where `show route count` walks the whole table (and would
        slow BIRD down while we poll it)."""
        n = 0
        for line in self.cmd("show protocols all"):
            m = re.search(r"Routes:\s+(\d+) imported", line)
            if m:
                n += int(m.group(1))
        return n

    def processed(self):
        """Prefix updates and withdrawals BIRD has taken in (received,
        whatever became of them: it treats a few announcements of the
        2015 table as withdrawals, so its route count stays below ours)."""
        n = 0
        for line in self.cmd("show protocols all"):
            m = re.match(r"\s+Import (updates|withdraws):\s+(\d+)", line)
            if m:
                n += int(m.group(2))
        return n

    def established(self):
        return sum(1 for line in self.cmd("show protocols")
                   if "Established" in line)

    def stop(self):
        if self.conn:
            self.conn.close()
        stop(self.proc)
        self.errf.close()


class Gobgp(Receiver):
    name = "GoBGP"

    def __init__(self, workdir, neighbors, port=None, tag="gobgp",
                 addr="127.0.0.1", api=None, families=("ipv4",)):
        self.addr = addr
        self.port = port or free_port()
        self.api = api or free_port()
        self.conf = os.path.join(workdir, tag + ".toml")
        with open(self.conf, "w") as f:
            f.write('[global.config]\n  as = 4200000001\n'
                    '  router-id = "192.0.2.252"\n  port = %d\n'
                    '  local-address-list = ["%s"]\n' % (self.port, addr))
            for addr, asn in neighbors:
                f.write('\n[[neighbors]]\n  [neighbors.config]\n'
                        '    neighbor-address = "%s"\n    peer-as = %d\n'
                        '  [neighbors.transport.config]\n'
                        '    passive-mode = true\n' % (addr, asn))
                for fam in families:
                    f.write('  [[neighbors.afi-safis]]\n'
                            '    [neighbors.afi-safis.config]\n'
                            '      afi-safi-name = "%s-unicast"\n' % fam)
        self.logf = open(os.path.join(workdir, tag + ".log"), "w")
        self.proc = spawn(["gobgpd", "-f", self.conf, "-p", "-l", "warn",
                           "--api-hosts", "%s:%d" % (self.addr, self.api),
                           "--pprof-disable"], role="receiver",
                          stdout=self.logf, stderr=subprocess.STDOUT)
        wait_for(lambda: self.cli("global") is not None, 20, "gobgpd API",
                 0.1)

    def cli(self, *args):
        r = subprocess.run(["gobgp", "-u", self.addr, "-p", str(self.api)]
                           + list(args), capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise ValueError("gobgp %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def count(self):
        """Accepted routes over every neighbor (`gobgp neighbor -j`: the
        per-peer Adj-RIB-In counters, one API call)."""
        n = 0
        for nb in json.loads(self.cli("neighbor", "-j")):
            for af in nb.get("afi_safis", []) or []:
                st = af.get("state", {}) or {}
                n += int(st.get("accepted", 0) or 0)
        return n

    def stop(self):
        stop(self.proc)
        self.logf.close()


def poll_until(fn, target, timeout, interval, stop_if=None, since=None):
    """
    Calls fn() every interval until it returns >= target (or == target
    when target is 0 and we are counting down).  Returns (t_lo, t_hi,
    value, polls): the event happened after t_lo (the start of the last
    poll that did not see it) and before t_hi (the end of the one that
    did); since: when it may have happened at the earliest (default:
    now).
    """
    t_lo = since if since is not None else now()
    polls = 0
    end = t_lo + timeout
    down = target == 0
    while True:
        t0 = now()
        v = fn()
        t1 = now()
        polls += 1
        if (v == 0) if down else (v >= target):
            return t_lo, t1, v, polls
        t_lo = t0
        if t1 > end:
            raise RuntimeError("timed out at %s of %s" % (v, target))
        if stop_if is not None and stop_if():
            raise RuntimeError("gave up at %s of %s" % (v, target))
        dt = interval - (now() - t0)
        if dt > 0:
            time.sleep(dt)
