"""make bench, part 3: the RIS Live stream.

1. Load time of a full table (updates.et-header.2015.gz through bgpfeed,
   until End-of-RIB is acknowledged) with no WebSocket client, then with
   10 clients subscribed to every UPDATE (reading as fast as they can, in
   one process: build/tools/wsread, C, which only parses frame headers,
   so that the clients' CPU is small and not bgpwatchd's to pay; the
   asyncio readers of before with RL_BENCH_PYREADERS=1); the messages per
   second they received, and when the last one had everything.  CPU
   seconds per thread of bgpwatchd (the loop thread, the stream's thread
   bw-rislive) and the time the loop thread waited for a CPU.
2. Wire-to-client latency for one subscribed prefix: a minimal BGP
   speaker in this process writes an UPDATE for the prefix (announce,
   withdraw, alternately, 300 times, 20 ms apart) and a WebSocket client,
   subscribed to that prefix only, times its ris_message: the same clock
   on both ends.  First wsread -t (C), then python3-websockets.
bgpwatchd and wsread each run in a session of their own (see
start_daemon()).

usage: bench.py BUILD MRT WORK  (prints a table; never pass/fail)"""
import asyncio, json, os, socket, statistics, struct, subprocess, sys, time
import websockets

BUILD, MRT, WORK = sys.argv[1:4]
A = "127.0.4.1"
BGP_PORT, METRICS, WSPORT = 34090, 34091, 34092
FEED_SRC, SPEAKER = "127.0.4.91", "127.0.4.92"
URL = "ws://%s:%d/v1/ws/" % (A, WSPORT)
WSREAD = os.path.join(BUILD, "tools", "wsread")


def start_daemon(tag):
    conf = os.path.join(WORK, "rl-%s.conf" % tag)
    with open(conf, "w") as f:
        f.write("""local-as 65000
router-id 192.0.2.254
listen on {a} port {p}
control "{w}/rl-{t}.sock"
neighbor {f} {{ remote-as 3856; passive }}
neighbor {s} {{ remote-as 64999; passive }}
metrics on {a} port {m}
websocket on {a} port {ws} {{ queue-limit 1G; max-clients 20 }}
""".format(a=A, p=BGP_PORT, w=WORK, t=tag, f=FEED_SRC, s=SPEAKER,
           m=METRICS, ws=WSPORT))
    log = open(os.path.join(WORK, "rl-%s.log" % tag), "w")
    # A session of its own: where the kernel groups CPU time by session
    # (sched_autogroup, or a service's cgroup), bgpwatchd's threads
    # share their group's part, not the bench's and the clients'.
    # RL_BENCH_WRAP: a command in front of bgpwatchd, e.g. "valgrind
    # --tool=callgrind --separate-threads=yes" for instruction counts
    # per thread (a shared machine's CPU times vary; those do not).
    wrap = os.environ.get("RL_BENCH_WRAP", "").split()
    p = subprocess.Popen(wrap + [os.path.join(BUILD, "bgpwatchd"), "-d",
                                 "-f", conf], stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)
    # Our daemon, not a leftover one on the same port: its own log says
    # it listens.
    for _ in range(100 if not wrap else 1200):
        if p.poll() is not None:
            break
        with open(log.name) as f:
            if "bgpwatchd started" in f.read():
                return p
        time.sleep(0.05)
    p.kill()
    raise RuntimeError("bgpwatchd did not start")


def stop(p):
    p.terminate()
    try:
        p.wait(120 if os.environ.get("RL_BENCH_WRAP") else 10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


async def feed():
    p = await asyncio.create_subprocess_exec(
        os.path.join(BUILD, "bgpfeed"), "--mrt", MRT, "--bind", FEED_SRC,
        # Held open after End-of-RIB: a busy bgpwatchd may take longer
        # than bgpfeed's 3 s close timeout to read it all, and a closed
        # session has no acknowledgement time (acked_s 0).
        "--hold", "8",
        "--timing", "%s:%d" % (A, BGP_PORT), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(p.communicate(), 300)
    for line in out.decode().splitlines():
        if line.startswith("bgpfeed-timing source="):
            kv = dict(x.split("=", 1) for x in line.split()[1:])
            if kv.get("status") != "ok":
                raise RuntimeError("bgpfeed: " + line)
            return float(kv["acked_s"]), int(kv["msgs"])
    raise RuntimeError("no bgpfeed timing line")


def metric(name):
    import urllib.request
    txt = urllib.request.urlopen("http://%s:%d/metrics" % (A, METRICS),
                                 timeout=5).read().decode()
    for line in txt.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


class Reader:
    """A raw WebSocket client that subscribes to every UPDATE and then
    only counts bytes: a Python client parsing 36 MB of frames would take
    the CPU that bgpwatchd is measured with."""
    def __init__(self, deflate=False):
        self.bytes = 0
        self.last = None
        self.deflate = deflate

    async def run(self, ready):
        import base64
        r, w = await asyncio.open_connection(A, WSPORT)
        key = base64.b64encode(os.urandom(16)).decode()
        w.write(("GET /v1/ws/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket"
                 "\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n%s\r\n" % (key,
                     "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                     if self.deflate else "")).encode())
        head = await r.readuntil(b"\r\n\r\n")
        assert (b"permessage-deflate" in head) == self.deflate
        msg = json.dumps({"type": "ris_subscribe", "data": {
            "type": "UPDATE", "socketOptions": {"acknowledge": True}}})
        mask = os.urandom(4)
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(msg.encode()))
        w.write(bytes([0x81, 0x80 | len(data)]) + mask + data)
        buf = b""
        while b"ris_subscribe_ok" not in buf:
            buf += await r.read(4096)
        ready.append(1)
        while True:
            d = await r.read(1 << 20)
            if not d:
                return
            self.bytes += len(d)
            self.last = time.time()


class CReaders:
    """The nclients readers in one C process (build/tools/wsread), in a
    session of its own: frame headers parsed, payloads only counted."""
    def __init__(self, n, deflate):
        self.n, self.deflate = n, deflate
        self.bytes, self.last, self.cpu = 0, None, 0.0

    async def start(self):
        sub = json.dumps({"type": "ris_subscribe", "data": {
            "type": "UPDATE", "socketOptions": {"acknowledge": True}}})
        self.p = await asyncio.create_subprocess_exec(
            WSREAD, A, str(WSPORT), str(self.n), sub, "-i", "60",
            *(["-z"] if self.deflate else []), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, start_new_session=True)
        line = await asyncio.wait_for(self.p.stdout.readline(), 30)
        if line.strip() != b"ready":
            raise RuntimeError("wsread: %r" % line)

    async def finish(self, want):
        # It stops at want frames (or after 60 s without one).
        self.p.stdin.write(b"%d\n" % want)
        await self.p.stdin.drain()
        out = await asyncio.wait_for(self.p.stdout.read(), 600)
        kv = dict(x.split("=", 1) for x in out.decode().split())
        await self.p.wait()
        self.frames = int(kv["frames"])
        self.bytes = int(kv["bytes"])
        self.last = float(kv["last"]) or None
        self.cpu = float(kv["cpu"])


class PyReaders:
    """The old readers: asyncio in this process (RL_BENCH_PYREADERS=1)."""
    def __init__(self, n, deflate):
        self.readers = [Reader(deflate) for _ in range(n)]
        self.n, self.bytes, self.last, self.cpu = n, 0, None, 0.0

    async def start(self):
        ready = []
        self.tasks = [asyncio.create_task(r.run(ready))
                      for r in self.readers]
        while len(ready) < self.n:
            await asyncio.sleep(0.05)
        self.t0 = os.times()

    async def finish(self, want):
        deadline = time.time() + 300
        while time.time() < deadline:
            if metric("bgpwatch_rislive_messages_total") >= want and \
                    metric("bgpwatch_rislive_queued_bytes") == 0 and \
                    time.time() - max(r.last or 0
                                      for r in self.readers) > 0.3:
                break
            await asyncio.sleep(0.1)
        t1 = os.times()
        self.cpu = (t1.user - self.t0.user) + (t1.system - self.t0.system)
        self.last = max((r.last or 0) for r in self.readers) or None
        self.bytes = sum(r.bytes for r in self.readers)
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def load(nclients, deflate=False):
    d = start_daemon("load%d" % nclients)
    try:
        readers = None
        if nclients:
            readers = (PyReaders if os.environ.get("RL_BENCH_PYREADERS")
                       == "1" or not os.path.exists(WSREAD) else
                       CReaders)(nclients, deflate)
            await readers.start()
        t0 = time.time()
        c0, l0, s0 = cpu(d), cpu(d, d.pid), stream_cpu(d)
        w0 = sched_wait(d)
        ls0 = loop_stat(d)
        r0 = os.times()
        acked, msgs = await feed()
        load.loop_stat = [b - a for a, b in zip(ls0, loop_stat(d))]
        load.cpu = cpu(d) - c0
        # schedstat's nanoseconds: stat's 10 ms ticks are 3 % of a
        # 0.3 s load, a third of the growth we look for.
        load.loop_cpu = load.loop_stat[0] or cpu(d, d.pid) - l0
        load.stream_cpu = stream_cpu(d) - s0
        load.loop_wait = sched_wait(d) - w0
        load.feed_cpu = (os.times().children_user - r0.children_user +
                         os.times().children_system - r0.children_system)
        load.load_avg = os.getloadavg()[0]
        want = (msgs - 2) * nclients   # End-of-RIB markers are not sent
        done, nbytes = 0, 0
        load.client_cpu = 0.0
        if readers:
            await readers.finish(want)
            done = (readers.last or t0) - t0
            nbytes = readers.bytes
            load.client_cpu = readers.cpu
        load.total_cpu = cpu(d) - c0
        load.stream_total = stream_cpu(d) - s0
        got = metric("bgpwatch_rislive_messages_total")
        return acked, msgs, got, nbytes, done
    finally:
        stop(d)


def bgp_msg(t, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), t) + body


def bgp_open():
    caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([65, 4]) + \
        struct.pack("!I", 64999)
    opt = bytes([2, len(caps)]) + caps
    return bgp_msg(1, struct.pack("!BHH4sB", 4, 64999, 90,
                                  socket.inet_aton(SPEAKER), len(opt)) + opt)


def bgp_update(announce):
    pfx = bytes([24, 198, 51, 100])
    if not announce:
        return bgp_msg(2, struct.pack("!H", 4) + pfx + struct.pack("!H", 0))
    attrs = bytes([0x40, 1, 1, 0]) + \
        bytes([0x40, 2, 6, 2, 1]) + struct.pack("!I", 64999) + \
        bytes([0x40, 3, 4]) + socket.inet_aton(SPEAKER)
    return bgp_msg(2, struct.pack("!H", 0) + struct.pack("!H", len(attrs)) +
                   attrs + pfx)


async def latency(n=300, cclient=False):
    """Wire-to-client times (ms) of n UPDATEs for one subscribed prefix,
    and (Python client only) from bgpwatchd's read to the client.  The
    C client (wsread -t, a session of its own) stamps each frame as it
    reads it; the Python one is python3-websockets, JSON parsed."""
    d = start_daemon("latency")
    sub = json.dumps({"type": "ris_subscribe", "data": {
        "prefix": "198.51.100.0/24", "type": "UPDATE",
        "socketOptions": {"acknowledge": True}}})
    ws = cp = None
    try:
        if cclient:
            cp = await asyncio.create_subprocess_exec(
                WSREAD, A, str(WSPORT), "1", sub, "-t", "-i", "60",
                stdout=subprocess.PIPE, start_new_session=True)
            line = await asyncio.wait_for(cp.stdout.readline(), 30)
            if line.strip() != b"ready":
                raise RuntimeError("wsread: %r" % line)
        else:
            ws = await websockets.connect(URL, open_timeout=10,
                                          close_timeout=1)
            await ws.send(sub)
            await ws.recv()
        r, w = await asyncio.open_connection(A, BGP_PORT,
                                             local_addr=(SPEAKER, 0))
        w.write(bgp_open())
        await r.readexactly(19)      # its OPEN header
        w.write(bgp_msg(4, b""))

        async def drain():
            while await r.read(65536):
                pass
        dt = asyncio.create_task(drain())
        # The first UPDATE waits for Established.
        await asyncio.sleep(1.0)
        lat, inside = [], []
        for i in range(n):
            t0 = time.time()
            w.write(bgp_update(i % 2 == 0))
            await w.drain()
            if cp is not None:
                t1 = float(await asyncio.wait_for(cp.stdout.readline(), 5))
            else:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                t1 = time.time()
            if i >= 2:       # skip the session's start
                lat.append((t1 - t0) * 1e3)
                if ws is not None:
                    inside.append((t1 - m["data"]["timestamp"]) * 1e3)
            await asyncio.sleep(0.02)
        dt.cancel()
        w.close()
        return lat, inside
    finally:
        if ws is not None:
            await ws.close()
        if cp is not None:
            cp.kill()
            await cp.wait()
        stop(d)


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def sched_wait(p):
    """Seconds the loop thread was runnable but waited for a CPU."""
    try:
        with open("/proc/%d/task/%d/schedstat" % (p.pid, p.pid)) as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def loop_stat(p):
    """The loop thread's CPU in ns (schedstat: finer than stat's ticks),
    minor page faults and context switches (voluntary, involuntary)."""
    t = "/proc/%d/task/%d/" % (p.pid, p.pid)
    try:
        with open(t + "schedstat") as f:
            ns = int(f.read().split()[0])
        with open(t + "stat") as f:
            minflt = int(f.read().rsplit(")", 1)[1].split()[7])
        sw = {}
        with open(t + "status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.endswith("ctxt_switches"):
                    sw[k] = int(v)
        return (ns / 1e9, minflt, sw.get("voluntary_ctxt_switches", 0),
                sw.get("nonvoluntary_ctxt_switches", 0))
    except (OSError, IndexError, ValueError):
        return (0.0, 0, 0, 0)


def stream_cpu(p):
    """CPU seconds of the stream's thread (named bw-rislive)."""
    for tid in os.listdir("/proc/%d/task" % p.pid):
        try:
            with open("/proc/%d/task/%s/comm" % (p.pid, tid)) as f:
                if f.read().strip() == "bw-rislive":
                    return cpu(p, int(tid))
        except OSError:
            pass
    return 0.0


def cpu(p, tid=None):
    """CPU seconds (user + system) of process p so far, or of its thread
    tid (the loop thread's tid is the pid)."""
    path = "/proc/%d/stat" % p.pid if tid is None else \
        "/proc/%d/task/%d/stat" % (p.pid, tid)
    with open(path) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")


async def main():
    if os.environ.get("RL_BENCH_ONLY") == "load10":
        r = await load(10)
        print("load10 acked=%.3f msgs=%d got=%d bytes=%d done=%.3f "
              "cpu=%.3f loop=%.3f stream=%.3f total=%.3f stream_total=%.3f "
              "client=%.3f loop_wait=%.3f feed=%.3f loadavg=%.2f "
              "loop_ns=%.4f loop_minflt=%d loop_vcsw=%d loop_ivcsw=%d" % (
                  r + (load.cpu, load.loop_cpu, load.stream_cpu,
                       load.total_cpu, load.stream_total, load.client_cpu,
                       load.loop_wait, load.feed_cpu, load.load_avg) +
                  tuple(load.loop_stat)))
        return
    if os.environ.get("RL_BENCH_ONLY") == "load0":
        r = await load(0)
        print("load0 acked=%.3f msgs=%d cpu=%.3f loop=%.3f loop_wait=%.3f "
              "feed=%.3f loadavg=%.2f loop_ns=%.4f loop_minflt=%d "
              "loop_vcsw=%d loop_ivcsw=%d" % (
                  (r[0], r[1], load.cpu, load.loop_cpu, load.loop_wait,
                   load.feed_cpu, load.load_avg) + tuple(load.loop_stat)))
        return
    if os.environ.get("RL_BENCH_ONLY") == "latency":
        lat, inside = await latency()
        print("latency p50=%.3f p90=%.3f p99=%.3f max=%.3f inside_p50=%.3f "
              "inside_p99=%.3f loadavg=%.2f" % (
                  statistics.median(lat), pct(lat, 0.9), pct(lat, 0.99),
                  max(lat), statistics.median(inside), pct(inside, 0.99),
                  os.getloadavg()[0]))
        return
    if os.environ.get("RL_BENCH_ONLY") == "clatency":
        lat, _ = await latency(cclient=True)
        print("clatency p50=%.3f p90=%.3f p99=%.3f max=%.3f loadavg=%.2f" % (
            statistics.median(lat), pct(lat, 0.9), pct(lat, 0.99), max(lat),
            os.getloadavg()[0]))
        return
    if os.environ.get("RL_BENCH_ONLY") == "deflate10":
        print(await load(10, deflate=True), load.loop_cpu, load.total_cpu)
        return
    rows = []
    base = await load(0)
    c_base = load.cpu
    rows.append(("full table load, no client (s)", "%.3f" % base[0]))
    rows.append(("  bgpwatchd CPU during it (s)", "%.3f" % c_base))
    rows.append(("  of it the loop thread (s)", "%.3f" % load.loop_cpu))
    rows.append(("  the loop thread waited for a CPU (s)",
                 "%.3f" % load.loop_wait))
    l_base = load.loop_cpu
    with10 = await load(10)
    rows.append(("full table load, 10 clients on every UPDATE (s)",
                 "%.3f" % with10[0]))
    rows.append(("  bgpwatchd CPU during it (s)", "%.3f" % load.cpu))
    rows.append(("  of it the loop thread (s)", "%.3f" % load.loop_cpu))
    rows.append(("  the loop thread waited for a CPU (s)",
                 "%.3f" % load.loop_wait))
    rows.append(("  loop thread CPU growth", "%+.1f%%" % (
        (load.loop_cpu / l_base - 1) * 100 if l_base else 0)))
    rows.append(("  growth (target <= 20%)",
                 "%+.1f%%" % ((with10[0] / base[0] - 1) * 100)))
    rows.append(("  UPDATEs sent by the feed", "%d" % with10[1]))
    rows.append(("  ris_messages received by the 10 clients",
                 "%d" % with10[2]))
    rows.append(("  MB of JSON received", "%.1f" % (with10[3] / 1e6)))
    rows.append(("  last client complete after (s)", "%.3f" % with10[4]))
    rows.append(("  bgpwatchd CPU until the clients had all (s)",
                 "%.3f" % load.total_cpu))
    rows.append(("  of it the stream thread (s)", "%.3f" % load.stream_total))
    rows.append(("  stream CPU per message and client (us)", "%.2f" % (
        load.stream_total / with10[2] * 1e6 if with10[2] else 0)))
    rows.append(("  the 10 readers' CPU (s)",
                 "%.3f" % load.client_cpu))
    rows.append(("  load average (1 min) at the end of the load",
                 "%.2f" % load.load_avg))
    rows.append(("  messages/s to the clients (all 10)",
                 "%.0f" % (with10[2] / with10[4] if with10[4] else 0)))
    if os.environ.get("RL_BENCH_DEFLATE", "1") != "0":
        z = await load(10, deflate=True)
        rows.append(("same, clients with permessage-deflate (s)",
                     "%.3f" % z[0]))
        rows.append(("  of it the loop thread (s)", "%.3f" % load.loop_cpu))
        rows.append(("  MB received (deflated)", "%.1f" % (z[3] / 1e6)))
        rows.append(("  bgpwatchd CPU until the clients had all (s)",
                     "%.3f" % load.total_cpu))
    if os.path.exists(WSREAD):
        lat, _ = await latency(cclient=True)
        rows.append(("wire-to-client latency, 1 prefix, C client: p50 (ms)",
                     "%.3f" % statistics.median(lat)))
        rows.append(("  p99 (ms, target < 1)", "%.3f" % pct(lat, 0.99)))
    lat, inside = await latency()
    rows.append(("the same, python3-websockets client: p50 (ms)",
                 "%.3f" % statistics.median(lat)))
    rows.append(("  p99 (ms)", "%.3f" % pct(lat, 0.99)))
    rows.append(("  from bgpwatchd's read (timestamp) p99 (ms)",
                 "%.3f" % pct(inside, 0.99)))
    rows.append(("load average (1 min) at the end",
                 "%.2f" % os.getloadavg()[0]))
    for k, v in rows:
        print("   %-52s %12s" % (k, v))
    with open(os.path.join(WORK, "rislive.json"), "w") as f:
        json.dump(dict(rows), f, indent=1)


asyncio.run(main())
