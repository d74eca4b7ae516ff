"""
Harness of the integration tests: bgpwatchd against real BGP speakers
(BIRD, GoBGP, ExaBGP, bgpfeed) on the loopback network.

Every test gets a Lab: a temporary directory, free high ports, and the
processes it started, each stopped by PID (SIGTERM, then SIGKILL) when the
lab closes, whatever happened.  Waiting is always polling with a timeout
(wait_for); a failure prints the tails of every log the lab wrote.

Only 127.0.0.0/8 is ever contacted.  Standard library (+ msgpack) only:
run with Debian's /usr/bin/python3.

Every event bgpwatchd logs is validated against docs/events.schema.json
(Debian's python3-jsonschema) when the test stops it (Bgpwatchd.stop(),
check_events()): without an events {} block of its own, the harness
gives bgpwatchd an event log in the lab, so the schema and the code can't
drift.

Environment: BUILD (default "build") selects the binaries; KEEP=1 keeps
the temporary directories of the tests.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
BIN = BUILD if os.path.isabs(BUILD) else os.path.join(TOP, BUILD)
BGPWATCHD = os.path.join(BIN, "bgpwatchd")
BGPWATCHCTL = os.path.join(BIN, "bgpwatchctl")
BGPFEED = os.path.join(BIN, "bgpfeed")

SCHEMA = os.path.join(TOP, "docs", "events.schema.json")

# Every process any lab started and has not stopped yet (atexit safety net).
_LIVE = {}


def _stop_pid(proc, timeout=5.0):
    """SIGTERM, wait up to timeout, then SIGKILL.  Returns the exit code."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)
    except ProcessLookupError:
        return proc.wait(5)


def _stop_all():
    for proc in list(_LIVE.values()):
        _stop_pid(proc, 2)
    _LIVE.clear()


atexit.register(_stop_all)


def wait_for(fn, timeout, what, interval=0.2):
    """
    Calls fn until it returns a true value, which is returned.  After
    timeout seconds raises AssertionError naming `what` and the last value
    (or exception) fn produced.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:      # noqa: BLE001 (polled: keep trying)
            last = "%s: %s" % (type(e).__name__, e)
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %gs waiting for %s; "
                                 "last: %r" % (timeout, what, last))
        time.sleep(interval)


def stays(fn, duration, what, interval=0.5):
    """Asserts fn() stays true for duration seconds."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        v = fn()
        if not v:
            raise AssertionError("%s stopped holding: %r" % (what, v))
        time.sleep(interval)


def free_port(addr="127.0.0.1"):
    """A TCP port that is free on addr (and on 127.0.0.1)."""
    for _ in range(100):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port < 10000:
            continue
        try:
            t = socket.socket()
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((addr, port))
            t.close()
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class Proc:
    """A started process with its log file."""

    def __init__(self, lab, name, argv, log, env=None, cwd=None):
        self.lab = lab
        self.name = name
        self.argv = argv
        self.log = log
        self.logf = open(log, "ab")
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=self.logf, stderr=subprocess.STDOUT,
                                  env=env, cwd=cwd, start_new_session=True)
        self.pid = self.p.pid
        _LIVE[self.pid] = self.p

    def alive(self):
        return self.p.poll() is None

    def stop(self, timeout=5.0):
        rc = _stop_pid(self.p, timeout)
        _LIVE.pop(self.pid, None)
        self.logf.close()
        return rc

    def kill9(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(5)
        _LIVE.pop(self.pid, None)
        self.logf.close()

    def wait(self, timeout):
        rc = self.p.wait(timeout)
        _LIVE.pop(self.pid, None)
        self.logf.close()
        return rc

    def text(self):
        try:
            with open(self.log, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def run(argv, timeout=30, check=True, **kw):
    """Runs a short command; returns its CompletedProcess (text)."""
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s%s" % (" ".join(argv),
                           r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return r


class Lab:
    """Temporary directory + processes of one test."""

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="bwit-")
        self.procs = []     # Proc, in start order
        self.logs = []      # extra log files to show on failure

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def start(self, name, argv, env=None, cwd=None, log=None):
        log = log or self.path(name + ".log")
        p = Proc(self, name, argv, log, env=env, cwd=cwd)
        self.procs.append(p)
        return p

    def close(self, failed):
        if failed:
            self.dump_logs()
        for p in reversed(self.procs):
            if p.alive():
                p.stop(3)
            _LIVE.pop(p.pid, None)
        if not failed and not os.environ.get("KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        elif failed:
            sys.stderr.write("    (files kept in %s)\n" % self.dir)

    def dump_logs(self, lines=40):
        seen = set()
        files = [p.log for p in self.procs] + self.logs
        for log in files:
            if log in seen or not os.path.exists(log):
                continue
            seen.add(log)
            with open(log, "r", errors="replace") as f:
                tail = [ln for ln in f if "control: " not in ln][-lines:]
            sys.stderr.write("    ----- %s (last %d lines) -----\n"
                             % (log, len(tail)))
            for ln in tail:
                sys.stderr.write("    | " + ln.rstrip("\n")[:300] + "\n")


class LabTest(unittest.TestCase):
    """A TestCase with self.lab, closed (logs shown on failure) after."""

    def setUp(self):
        self.lab = Lab(self.id())
        self._failed_before = self._failures()

    def _failures(self):
        r = getattr(self, "_outcome", None)
        if r is None:
            return 0
        res = getattr(r, "result", None)
        if res is None:
            return 0
        return len(res.failures) + len(res.errors)

    def tearDown(self):
        # The result already holds this test's failure, if any.
        self.lab.close(self._failures() > self._failed_before)


# ---------------------------------------------------------------- events

_VALIDATOR = []
EVENTS_VALIDATED = [0]      # over the whole run (main() prints it)


def event_json(ev):
    """A decoded msgpack event in its JSON form (docs/events.md, as
    bgpwatchctl prints it): timestamps become ISO-8601 UTC strings with
    microseconds."""
    import msgpack
    if isinstance(ev, dict):
        return {k: event_json(v) for k, v in ev.items()}
    if isinstance(ev, list):
        return [event_json(v) for v in ev]
    if isinstance(ev, msgpack.Timestamp):
        t = ev.to_unix_nano()
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
            t // 10**9)) + ".%06dZ" % (t % 10**9 // 1000)
    return ev


def schema_errors(ev):
    """The errors of one event (decoded msgpack, or its JSON form)
    against docs/events.schema.json: an iterator of jsonschema errors."""
    if not _VALIDATOR:
        import jsonschema
        with open(SCHEMA) as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATOR.append(cls(schema))
    return _VALIDATOR[0].iter_errors(event_json(ev))


def read_events(path):
    """Every record of an event log, decoded (python3-msgpack)."""
    import msgpack
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        return list(msgpack.Unpacker(f, raw=False))


def assert_events_valid(evs, what="event"):
    """Raises AssertionError naming the first few events that do not
    validate against docs/events.schema.json.  Returns len(evs)."""
    bad = []
    for ev in evs:
        errs = [e.message for e in schema_errors(ev)]
        if errs:
            bad.append("%s seq %s (%s): %s" % (
                what, ev.get("seq") if isinstance(ev, dict) else "?",
                ev.get("type") if isinstance(ev, dict) else "?",
                "; ".join(errs[:3])))
    if bad:
        raise AssertionError("%d of %d events not valid per "
                             "docs/events.schema.json:\n  %s"
                             % (len(bad), len(evs), "\n  ".join(bad[:5])))
    EVENTS_VALIDATED[0] += len(evs)
    return len(evs)


# ---------------------------------------------------------------- bgpwatchd

class Bgpwatchd:
    """bgpwatchd -d -f CONF with its control socket, and bgpwatchctl."""

    def __init__(self, lab, local_as=65000, router_id="192.0.2.254",
                 listen="127.0.0.1", port=None, extra=""):
        self.lab = lab
        self.local_as = local_as
        self.router_id = router_id
        self.listen = listen
        self.port = port or free_port(listen)
        self.sock = lab.path("bw.sock")
        self.conf = lab.path("bgpwatchd.conf")
        self.extra = extra
        self.neighbors = {}     # address -> block body (list of statements)
        self.proc = None
        # The event log whose every record is checked against the schema
        # on stop(): the test's own (events { log "..." }) or the lab's
        # (config_text() decides, as tests may set extra after __init__).
        self.evlog = None
        self.events_checked = 0

    def neighbor(self, addr, remote_as, *stmts):
        self.neighbors[addr] = ["remote-as %d" % remote_as] + list(stmts)

    def config_text(self):
        out = ["local-as %d" % self.local_as,
               "router-id %s" % self.router_id,
               "listen on %s port %d" % (self.listen, self.port),
               'control "%s"' % self.sock,
               "connect-retry 1s",
               "hold-time 9",
               self.extra]
        m = re.search(r'^\s*events\s*\{[^}]*?\blog\s+"([^"]+)"',
                      self.extra, re.M | re.S)
        if m:
            self.evlog = m.group(1)
        elif re.search(r'^\s*events\s*\{', self.extra, re.M):
            self.evlog = None           # its events {} has no log
        else:
            self.evlog = self.lab.path("events.mpk")
            out.append('events {\n    log "%s"\n}' % self.evlog)
        for addr, body in self.neighbors.items():
            out.append("neighbor %s {" % addr)
            out += ["    " + s for s in body]
            out.append("}")
        return "\n".join(out) + "\n"

    def write_config(self):
        # Private: bgpwatchd refuses a file with an md5 key that others
        # can read (bgpwatchd.conf(5), SECURITY).
        with open(os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                          0o600), "w") as f:
            f.write(self.config_text())
        os.chmod(self.conf, 0o600)

    def start(self):
        self.write_config()
        run([BGPWATCHD, "-n", "-f", self.conf])
        self.proc = self.lab.start("bgpwatchd",
                                   [BGPWATCHD, "-d", "-v", "-f", self.conf])
        wait_for(lambda: self.ctl_ok("show", "neighbors"), 10,
                 "bgpwatchd control socket")
        return self

    def stop(self):
        """SIGTERM; asserts a clean exit (status 0, no sanitizer report)."""
        rc = self.proc.stop(10)
        text = self.proc.text()
        for bad in ("AddressSanitizer", "runtime error:",
                    "LeakSanitizer"):
            if bad in text:
                raise AssertionError("bgpwatchd log has %r" % bad)
        if rc != 0:
            raise AssertionError("bgpwatchd exited %r after SIGTERM" % rc)
        self.check_events()
        return rc

    def events(self):
        """The records of the event log so far (decoded msgpack)."""
        return read_events(self.evlog) if self.evlog else []

    def check_events(self):
        """Every logged event against docs/events.schema.json (stop()
        calls it).  Returns how many were checked."""
        self.events_checked = assert_events_valid(self.events(),
                                                  "bgpwatchd event")
        return self.events_checked

    def assert_alive(self):
        if not self.proc.alive():
            raise AssertionError("bgpwatchd died (exit %r)"
                                 % self.proc.p.returncode)

    def ctl_raw(self, *args, json_out=True, check=True):
        argv = [BGPWATCHCTL, "-s", self.sock]
        if json_out:
            argv.append("-j")
        return run(argv + list(args), timeout=30, check=check)

    def ctl_ok(self, *args):
        return self.ctl_raw(*args, check=False).returncode == 0

    def ctl(self, *args):
        """bgpwatchctl -j ARGS, parsed."""
        self.assert_alive()
        r = self.ctl_raw(*args)
        try:
            return json.loads(r.stdout)
        except ValueError as e:
            raise AssertionError("bgpwatchctl %s: not JSON (%s): %r"
                                 % (" ".join(args), e, r.stdout[:500]))

    def reload(self):
        r = self.ctl_raw("reload", json_out=False)
        return r.stdout

    def sighup(self):
        os.kill(self.proc.pid, signal.SIGHUP)

    # -- queries
    def neighbors_json(self):
        return {n["address"]: n for n in self.ctl("show", "neighbors")
                ["neighbors"]}

    def nb(self, addr):
        return self.neighbors_json().get(addr)

    def state(self, addr):
        n = self.nb(addr)
        return n and n["state"]

    def rib(self, neighbor=None, prefix=None):
        args = ["show", "rib"]
        if neighbor:
            args += ["neighbor", neighbor]
        if prefix:
            args.append(prefix)
        return self.ctl(*args)

    def routes(self, neighbor=None):
        return self.rib(neighbor)["routes"]

    def count(self, neighbor=None):
        """{"routes": N, "ipv4": N, "ipv6": N} of show rib count."""
        args = ["show", "rib", "count"]
        if neighbor:
            args += ["neighbor", neighbor]
        c = self.ctl(*args)
        return {k: c[k] for k in ("routes", "ipv4", "ipv6")}

    # -- waits
    def wait_state(self, addr, state, timeout=30):
        return wait_for(lambda: (self.state(addr) == state
                                 and self.nb(addr)),
                        timeout, "%s %s" % (addr, state))

    def wait_established(self, addr, timeout=30):
        return self.wait_state(addr, "Established", timeout)

    def wait_routes(self, n, neighbor=None, timeout=30):
        """Waits until the route count (of a neighbor) is n; the routes."""
        def f():
            if self.count(neighbor)["routes"] != n:
                return None
            rs = self.routes(neighbor)
            return (rs,) if len(rs) == n else None
        return wait_for(f, timeout, "%d routes%s" % (
            n, " from " + neighbor if neighbor else ""))[0]

    def wait_rib(self, pred, what, neighbor=None, timeout=30):
        """Waits until pred(routes) is true; returns the routes."""
        def f():
            rs = self.routes(neighbor)
            return (rs,) if pred(rs) else None
        return wait_for(f, timeout, what)[0]


def project(routes, keys=("prefix", "neighbor", "path_id", "as_path",
                          "next_hop", "origin", "communities",
                          "large_communities", "stale")):
    """Routes reduced to the keys that a test compares, sorted."""
    out = [{k: r.get(k) for k in keys} for r in routes]
    return sorted(out, key=lambda r: (r["prefix"], r.get("neighbor"),
                                      r.get("path_id") or 0))


# --------------------------------------------------------------------- BIRD

class Bird:
    """
    A BIRD 2 daemon on its own loopback address, peering with bgpwatchd.
    routes4/routes6: lists of (prefix, filter statements) exported.
    """

    def __init__(self, lab, name, addr, asn, bw, routes4=(), routes6=(),
                 port=None, bgp_extra="", export_extra="", global_extra=""):
        self.lab = lab
        self.global_extra = global_extra
        self.name = name
        self.addr = addr
        self.asn = asn
        self.bw = bw
        self.port = port or free_port(addr)
        self.routes4 = list(routes4)
        self.routes6 = list(routes6)
        self.bgp_extra = bgp_extra
        self.export_extra = export_extra
        self.conf = lab.path(name + ".conf")
        self.ctlsock = lab.path(name + ".ctl")
        self.pidfile = lab.path(name + ".pid")
        self.logfile = lab.path(name + ".bird.log")
        self.proc = None
        lab.logs.append(self.logfile)

    def _filter(self, routes):
        lines = []
        for pfx, stmts in routes:
            if stmts:
                lines.append("    if net = %s then { %s }" % (pfx, stmts))
        return "\n".join(lines)

    def config_text(self):
        def static(name, af, routes):
            body = "\n".join("  route %s blackhole;" % p for p, _ in routes)
            return "protocol static %s { %s;\n%s\n}\n" % (name, af, body)
        return """router id {rid};
log "{log}" all;
{gextra}
protocol device {{}}
{s4}{s6}
filter bw_out {{
{f4}
{f6}
{extra}
    accept;
}}
protocol bgp bw {{
  local {addr} port {port} as {asn};
  neighbor {bwaddr} port {bwport} as {bwas};
  multihop;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 3;
  hold time 9;
  keepalive time 3;
  debug {{ states, events }};
{bgp_extra}
  ipv4 {{ import none; export filter bw_out; next hop address 192.0.2.1; }};
  ipv6 {{ import none; export filter bw_out; next hop address 2001:db8::1; }};
}}
""".format(rid=self.addr.replace("127.0.0.", "192.0.2."), log=self.logfile,
           gextra=self.global_extra,
           s4=static("s4", "ipv4", self.routes4),
           s6=static("s6", "ipv6", self.routes6),
           f4=self._filter(self.routes4), f6=self._filter(self.routes6),
           extra=self.export_extra,
           addr=self.addr, port=self.port, asn=self.asn,
           bwaddr=self.bw.listen, bwport=self.bw.port, bwas=self.bw.local_as,
           bgp_extra=self.bgp_extra)

    def write_config(self):
        with open(self.conf, "w") as f:
            f.write(self.config_text())
        run(["bird", "-p", "-c", self.conf])

    def start(self, recovery=False):
        """Starts BIRD; recovery: after a graceful restart (bird -R)."""
        self.write_config()
        self.proc = self.lab.start(self.name, [
            "bird", "-f", "-c", self.conf, "-s", self.ctlsock,
            "-P", self.pidfile] + (["-R"] if recovery else []))
        wait_for(lambda: self.birdc_ok("show", "status"), 10,
                 "%s control socket" % self.name)
        return self

    def birdc(self, *args, check=True):
        return run(["birdc", "-s", self.ctlsock] + list(args),
                   check=check).stdout

    def birdc_ok(self, *args):
        return run(["birdc", "-s", self.ctlsock] + list(args),
                   check=False).returncode == 0

    def reconfigure(self):
        """Writes the config and `birdc configure`s it."""
        self.write_config()
        out = self.birdc("configure")
        if "Reconfigured" not in out and "Reconfiguration in progress" \
                not in out:
            raise AssertionError("birdc configure: %r" % out)
        return out

    def protocol(self):
        return self.birdc("show", "protocols", "all", "bw")

    def established(self):
        return "Established" in self.birdc("show", "protocols", "bw",
                                           check=False)

    def stop(self):
        return self.proc.stop(5)


# -------------------------------------------------------------------- GoBGP

class GoBGP:
    """gobgpd with a TOML config, driven with the gobgp CLI."""

    def __init__(self, lab, name, addr, asn, router_id, toml_neighbors):
        self.lab = lab
        self.name = name
        self.addr = addr
        self.asn = asn
        self.router_id = router_id
        self.api = free_port()
        self.bgp_port = free_port(addr)
        self.toml_neighbors = toml_neighbors
        self.conf = lab.path(name + ".toml")
        self.proc = None

    def start(self):
        with open(self.conf, "w") as f:
            f.write("""[global.config]
  as = {asn}
  router-id = "{rid}"
  port = {port}
  local-address-list = ["{addr}"]
{nb}
""".format(asn=self.asn, rid=self.router_id, port=self.bgp_port,
           addr=self.addr, nb=self.toml_neighbors))
        self.proc = self.lab.start(self.name, [
            "gobgpd", "-f", self.conf, "-p", "--pprof-disable",
            "--api-hosts", "127.0.0.1:%d" % self.api, "-l", "debug"])
        wait_for(lambda: run(self.cli_argv("global"), check=False)
                 .returncode == 0, 15, "%s API" % self.name)
        return self

    def cli_argv(self, *args):
        return ["gobgp", "-u", "127.0.0.1", "-p", str(self.api)] + list(args)

    def cli(self, *args):
        return run(self.cli_argv(*args)).stdout

    def stop(self):
        return self.proc.stop(5)


# ------------------------------------------------------------------- ExaBGP

EXA_DRIVER = r'''
import os, sys, time
# Prints the commands of CMDDIR/N.cmd (N = 1, 2, ...) to ExaBGP as each
# file appears; writes CMDDIR/N.done after.  The test drives the peer by
# writing the files.
d = sys.argv[1]
n = 1
parent = os.getppid()
while os.getppid() == parent:       # ends with exabgp
    f = os.path.join(d, "%d.cmd" % n)
    if os.path.exists(f):
        time.sleep(0.1)
        with open(f) as fh:
            for line in fh:
                line = line.strip()
                if line:
                    sys.stdout.write(line + "\n")
                    sys.stdout.flush()
        open(os.path.join(d, "%d.done" % n), "w").close()
        n += 1
    time.sleep(0.1)
'''


class ExaBGP:
    """exabgp with an API process that replays command files."""

    def __init__(self, lab, name, addr, asn, bw, neighbor_extra=""):
        self.lab = lab
        self.name = name
        self.addr = addr
        self.asn = asn
        self.bw = bw
        self.neighbor_extra = neighbor_extra
        self.cmddir = lab.path(name + ".cmds")
        os.makedirs(self.cmddir, exist_ok=True)
        self.driver = lab.write(name + "-driver.py", EXA_DRIVER)
        self.conf = lab.path(name + ".conf")
        self.ncmd = 0
        self.proc = None

    def start(self):
        with open(self.conf, "w") as f:
            f.write("""process driver {{
    run /usr/bin/python3 {driver} {cmddir};
    encoder text;
}}
neighbor {bwaddr} {{
    router-id {rid};
    local-address {addr};
    local-as {asn};
    peer-as {bwas};
    hold-time 9;
{extra}
    api {{ processes [ driver ]; }}
}}
""".format(driver=self.driver, cmddir=self.cmddir, bwaddr=self.bw.listen,
           rid=self.addr.replace("127.0.0.", "192.0.2."), addr=self.addr,
           asn=self.asn, bwas=self.bw.local_as, extra=self.neighbor_extra))
        env = dict(os.environ)
        env.update({
            "exabgp.daemon.user": "root",
            "exabgp.daemon.daemonize": "false",
            "exabgp.daemon.drop": "false",
            "exabgp.tcp.port": str(self.bw.port),
            "exabgp.tcp.bind": "",
            "exabgp.api.cli": "false",
            "exabgp.log.destination": "stdout",
            "exabgp.log.packets": "true",
            "exabgp.log.routes": "true",
        })
        self.proc = self.lab.start(self.name, ["exabgp", self.conf],
                                   env=env, cwd=self.lab.dir)
        return self

    def send(self, *commands, timeout=10):
        """Hands commands to the API process; waits until it printed them."""
        self.ncmd += 1
        n = self.ncmd
        tmp = os.path.join(self.cmddir, "%d.tmp" % n)
        with open(tmp, "w") as f:
            f.write("\n".join(commands) + "\n")
        os.rename(tmp, os.path.join(self.cmddir, "%d.cmd" % n))
        wait_for(lambda: os.path.exists(os.path.join(self.cmddir,
                                                     "%d.done" % n)),
                 timeout, "exabgp driver to send batch %d" % n)

    def stop(self):
        return self.proc.stop(5)


# --------------------------------------------------------------- the runner

def main(modules):
    """
    Runs the TestCases of the modules (or suites) in order, one line per
    scenario (ok/FAIL/SKIP) and "N passed, N failed".  Returns the exit
    status.
    """
    def on_signal(signum, frame):
        sys.exit(128 + signum)      # atexit then stops every process
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    loader = unittest.TestLoader()
    passed = failed = 0
    for mod in modules:
        if isinstance(mod, unittest.TestSuite):
            suite = mod
        else:
            suite = loader.loadTestsFromModule(mod)
        for test in _flatten(suite):
            start = time.monotonic()
            res = unittest.TestResult()
            sys.stderr.write("=== %s\n" % test.id())
            sys.stderr.flush()
            test.run(res)
            secs = time.monotonic() - start
            bad = res.failures + res.errors
            if res.skipped and not bad:
                status = "SKIP (%s)" % res.skipped[0][1]
            elif bad or not res.wasSuccessful():
                status = "FAIL"
                failed += 1
            else:
                status = "ok"
                passed += 1
            for _, tb in bad:
                sys.stderr.write(tb)
            sys.stderr.flush()
            print("%-50s %s (%.0fs)" % (test.id().split(".", 1)[-1], status,
                                       secs), flush=True)
    print("%d events of bgpwatchd's logs valid per docs/events.schema.json"
          % EVENTS_VALIDATED[0], flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t
