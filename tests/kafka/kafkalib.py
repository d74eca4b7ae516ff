"""
Helpers of the Kafka tests and bench (tests/check/kafka*.sh,
tests/bench/kafka_bench.py): librdkafka's mock cluster in its own process
(build/tools/kafkamock, on 127.0.3.1 ports 33000+), bgpwatchd with a
kafka {} block, bgpfeed runs that make events, and an independent
consumer (python3-confluent-kafka) that reads the whole topic.

Only loopback 127.0.3.x and ports 33000-33099 are used.  Every process
is started here and stopped by its PID.
"""
import json
import os
import signal
import socket
import subprocess
import threading
import time

import msgpack
from confluent_kafka import Consumer, TopicPartition

TOPIC = "bgpwatch.events"
_procs = []


def spawn(argv, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(argv, **kw)
    _procs.append(p)
    return p


def stop(p, sig=signal.SIGTERM, timeout=10):
    if p is None or p.poll() is not None:
        return
    try:
        os.kill(p.pid, sig)
        p.wait(timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()


def cleanup():
    for p in reversed(_procs):
        stop(p, timeout=5)


def wait_for(fn, timeout, what, interval=0.05):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(interval)


class Mock:
    """The mock cluster: 3 brokers; down(N)/up(N) through its stdin."""

    def __init__(self, build, port=33000, brokers=3, partitions=4,
                 advertise=None):
        """advertise: the brokers say they are at 127.0.3.1:advertise+i
        (a Proxy listens there)."""
        self.proc = spawn([os.path.join(build, "tools", "kafkamock"),
                           "-a", "127.0.3.1", "-p", str(port),
                           "-b", str(brokers), "-n", str(partitions),
                           "-t", TOPIC] +
                          (["-A", str(advertise)] if advertise else []),
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.bootstrap = self.proc.stdout.readline().strip()
        if not self.bootstrap:
            raise RuntimeError("kafkamock did not start")

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()

    def down(self, n):
        self.cmd("down %d" % n)

    def up(self, n):
        self.cmd("up %d" % n)

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
        except OSError:
            pass
        stop(self.proc)


class Proxy:
    """tests/kafka/kafkaproxy.py: TLS and/or SASL in front of a Mock
    started with advertise=port."""

    def __init__(self, port, mock_port, log, tls=None, client_ca=None,
                 sasl=None, user="", password=""):
        argv = ["/usr/bin/python3", "-u", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "kafkaproxy.py"),
            "--listen", str(port), "--mock", str(mock_port)]
        if tls:
            argv += ["--tls"] + list(tls)
        if client_ca:
            argv += ["--client-ca", client_ca]
        if sasl:
            argv += ["--sasl", sasl, "--user", user, "--password", password]
        self.errf = open(log, "a")
        self.proc = spawn(argv, stdout=subprocess.PIPE, stderr=self.errf,
                          text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("kafkaproxy did not start")

    def stop(self):
        stop(self.proc)
        self.errf.close()


def make_certs(work):
    """A CA, a server certificate for 127.0.3.1 (IP SAN, which librdkafka
    2.x verifies) and a client certificate, with openssl(1).  Returns
    their paths."""
    def ossl(*args):
        subprocess.run(["openssl"] + list(args), cwd=work, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    ossl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=bgpwatch test CA")
    with open(os.path.join(work, "srv.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.3.1\n")
    for name, cn, ext in (("srv", "127.0.3.1", ["-extfile", "srv.ext"]),
                          ("cli", "bgpwatchd", [])):
        ossl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + cn)
        ossl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
             "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem",
             "-days", "2", *ext)
    # A second CA that signed nothing here: trusting it must fail.
    ossl("req", "-x509", *ec, "-keyout", "other.key", "-out", "other.pem",
         "-days", "2", "-subj", "/CN=another CA")
    return {n: os.path.join(work, n) for n in (
        "ca.pem", "srv.pem", "srv.key", "cli.pem", "cli.key", "other.pem")}


class Daemon:
    """bgpwatchd with neighbors 127.0.3.N, a region over everything and
    the kafka output."""

    def __init__(self, build, work, tag, port, neighbors, bootstrap,
                 collector, queue=None, fmt="msgpack", extra="",
                 log_opts="", nolog=False, kafka_opts="", env=None):
        self.build, self.work, self.tag = build, work, tag
        self.env = env or {}
        self.port = port
        self.nolog = nolog
        self.log = os.path.join(work, tag + ".mpk")
        self.state = self.log + ".kafka"
        self.conf = os.path.join(work, tag + ".conf")
        self.sock = os.path.join(work, tag + ".sock")
        with open(self.conf, "w") as f:
            f.write('local-as 65000\nrouter-id 192.0.2.254\n'
                    'listen on 127.0.3.2 port %d\ncontrol "%s"\n'
                    'collector-id "%s"\neligible-after 1\n'
                    % (port, self.sock, collector))
            for a in neighbors:
                f.write("neighbor %s { remote-as 65001; passive }\n" % a)
            f.write('region "ALL" {\n\tprefix 0.0.0.0/0\n\thold-down 1s\n'
                    '\tdown-below 50%%\n}\n%s'
                    'events {\n\t%slog "%s" %s\n\tkafka {\n'
                    '\t\tbrokers "%s"\n'
                    '\t\ttopic "%s"\n\t\tformat %s\n%s\t}\n}\n'
                    % (extra, "# " if nolog else "", self.log, log_opts,
                       bootstrap, TOPIC, fmt,
                       ("\t\tqueue %d\n" % queue if queue else "") +
                       kafka_opts))
        # Private: it may hold a SASL password (bgpwatchd refuses it else).
        os.chmod(self.conf, 0o600)
        self.proc = None
        self.start()

    def reloads(self):
        """How many reloads the daemon's log shows done."""
        with open(os.path.join(self.work, self.tag + ".log"),
                  errors="replace") as f:
            return f.read().count("configuration reloaded from")

    def rewrite(self, old, new):
        """Replaces old by new in the configuration; SIGHUP reloads, and
        this waits until it is done (a fixed second was short at load)."""
        with open(self.conf) as f:
            text = f.read()
        if old not in text:
            raise ValueError("%r not in %s" % (old, self.conf))
        n = self.reloads()
        with open(self.conf, "w") as f:
            f.write(text.replace(old, new))
        os.kill(self.proc.pid, signal.SIGHUP)
        wait_for(lambda: self.reloads() > n, 30, self.tag + " reloaded")

    def start(self):
        self.errf = open(os.path.join(self.work, self.tag + ".log"), "a")
        # Under ASan (make check SAN=1) freed memory waits in a quarantine
        # of up to 256 MB: keep it small, or RSS is never flat.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ((env["ASAN_OPTIONS"] + ":")
                               if env.get("ASAN_OPTIONS") else "") + \
            "quarantine_size_mb=1"
        env.update(self.env)
        self.proc = spawn([os.path.join(self.build, "bgpwatchd"), "-d",
                           "-f", self.conf], stdout=self.errf,
                          stderr=subprocess.STDOUT, env=env)
        if not self.nolog:
            wait_for(lambda: os.path.exists(self.state), 10,
                     self.tag + " state file")
        wait_for(self._listening, 10, self.tag + " BGP listener")

    def _listening(self):
        s = socket.socket()
        try:
            s.connect(("127.0.3.2", self.port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def kill(self, sig=signal.SIGKILL):
        stop(self.proc, sig)
        self.errf.close()

    def query(self, cmd):
        """One control request; the parsed JSON answer."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(10)
            s.connect(self.sock)
            s.sendall(("json " + cmd + "\n").encode())
            buf = []
            while True:
                b = s.recv(1 << 16)
                if not b:
                    break
                buf.append(b)
        finally:
            s.close()
        data = b"".join(buf).decode()
        if not data.startswith("OK\n"):
            raise ValueError("%s: %s: %s" % (self.tag, cmd, data.strip()))
        return json.loads(data[3:])

    def region(self, name):
        for r in self.query("show regions")["regions"]:
            if r["name"] == name:
                return r
        return None

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def acked(self):
        try:
            with open(self.state) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def events(self):
        """The log's records, decoded, in file order."""
        out = []
        with open(self.log, "rb") as f:
            for ev in msgpack.Unpacker(f, raw=False):
                out.append(ev)
        return out

    def last_seq(self):
        evs = self.events()
        return evs[-1]["seq"] if evs else 0

    def wait_drained(self, timeout=60):
        """Until the state file says every logged event is acked."""
        def done():
            last = self.last_seq()
            return last > 0 and self.acked() >= last
        wait_for(done, timeout, self.tag + " to drain", 0.2)


class Bird:
    """BIRD announcing the four /24s of 175.45.176.0/22 (region KP) from
    local ADDR to bgpwatchd at 127.0.3.2:PORT; withdraw() and restore()
    disable and enable its static protocol."""

    def __init__(self, work, tag, addr, lport, dport):
        self.sock = os.path.join(work, tag + ".ctl")
        conf = os.path.join(work, tag + ".bird.conf")
        routes = "".join("\troute 175.45.%d.0/24 blackhole;\n" % i
                         for i in range(176, 180))
        with open(conf, "w") as f:
            f.write("router id %s;\nprotocol device { }\n"
                    "protocol static kp {\n\tipv4;\n%s}\n"
                    "protocol bgp up {\n\tlocal %s port %d as 65001;\n"
                    "\tneighbor 127.0.3.2 port %d as 65000;\n"
                    "\tmultihop;\n\tconnect retry time 1;\n"
                    "\tipv4 { import none; export all; next hop self; };\n"
                    "}\n" % (addr, routes, addr, lport, dport))
        self.errf = open(os.path.join(work, tag + ".bird.log"), "w")
        self.proc = spawn(["bird", "-f", "-c", conf, "-s", self.sock],
                          stdout=self.errf, stderr=subprocess.STDOUT)

    def ctl(self, cmd):
        return subprocess.run(["birdc", "-s", self.sock] + cmd.split(),
                              capture_output=True, text=True, timeout=10)

    def withdraw(self):
        self.ctl("disable kp")

    def restore(self):
        self.ctl("enable kp")

    def stop(self):
        stop(self.proc)
        self.errf.close()


def feed(build, dst_port, bind, sources=1, prefixes=500, withdraw=True,
         hold=0, log=None):
    """One bgpfeed run: peer_up, prefix_announced for every prefix,
    (prefix_withdrawn for every prefix), peer_down."""
    args = [os.path.join(build, "bgpfeed"), "--synthetic", str(prefixes),
            "--sources", str(sources), "--bind", bind, "--local-as",
            "65001"]
    if withdraw:
        args += ["--withdraw-after", "0.3"]
    args += ["--hold", str(hold), "127.0.3.2:%d" % dst_port]
    out = open(log, "a") if log else subprocess.DEVNULL
    p = spawn(args, stdout=out, stderr=subprocess.STDOUT)
    p.wait(60)
    if log:
        out.close()
    return p.returncode


class FeedLoop:
    """bgpfeed runs back to back in a thread: a steady event stream."""

    def __init__(self, build, dst_port, bind, prefixes=300, pause=0.1):
        self.stop_ = False
        self.runs = 0
        self.args = (build, dst_port, bind, prefixes, pause)
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        build, port, bind, prefixes, pause = self.args
        while not self.stop_:
            feed(build, port, bind, prefixes=prefixes)
            self.runs += 1
            time.sleep(pause)

    def stop(self):
        self.stop_ = True
        self.t.join(90)


def consume(bootstrap, group="check", idle=2.0, timeout=60, want=None,
            conf=None):
    """Every message of the topic: [(partition, offset, key, headers,
    value)], read with confluent-kafka from offset 0 of every partition
    until nothing came for `idle` seconds (or `want` messages came).
    conf: more client settings (TLS, SASL)."""
    cc = {"bootstrap.servers": bootstrap, "group.id": group,
          "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    cc.update(conf or {})
    c = Consumer(cc)
    md = c.list_topics(TOPIC, timeout=10)
    parts = sorted(md.topics[TOPIC].partitions)
    c.assign([TopicPartition(TOPIC, p, 0) for p in parts])
    out = []
    last = time.monotonic()
    end = last + timeout
    while time.monotonic() - last < idle and time.monotonic() < end:
        m = c.poll(0.1)
        if m is None or m.error():
            continue
        last = time.monotonic()
        out.append((m.partition(), m.offset(), m.key(),
                    dict(m.headers() or []), m.value()))
        if want is not None and len(out) >= want:
            break
    c.close()
    return out


def decode(value, fmt="msgpack"):
    if fmt == "json":
        return json.loads(value)
    return msgpack.unpackb(value, raw=False)


def to_json(ev):
    """A decoded msgpack event as JSON would carry it (for the schema):
    timestamps become ISO-8601 strings, as bgpwatchctl prints them."""
    if isinstance(ev, dict):
        return {k: to_json(v) for k, v in ev.items()}
    if isinstance(ev, list):
        return [to_json(v) for v in ev]
    if isinstance(ev, msgpack.Timestamp):
        t = ev.to_unix_nano()
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
            t // 10**9)) + ".%06dZ" % (t % 10**9 // 1000)
    return ev


def schema_validator(path):
    import jsonschema
    with open(path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)
