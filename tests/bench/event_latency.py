#!/usr/bin/python3
"""
Event latency and the loop stall of a detector recompute (issue 16),
through a live bgpwatchd.  `make bench` runs it (tests/bench/run.sh);
alone:

  event_latency.py BUILD DATA WORK [--json FILE] [--quick | --stall-only |
                   --country-load]

Withdrawal latency, wire to subscriber: a probe BGP speaker written here
(127.0.6.2, AS 64600, IPv4 unicast) announces 512 /24s of a small region
beside a full table fed by bgpfeed (the 2015 table of DATA, or 600,000
synthetic prefixes without it), then withdraws them one at a time.  For
each, the time from the write of the UPDATE to the read of its
`prefix_withdrawn` on a unix subscriber socket, both stamped with
time.monotonic() in this one process (no clock skew).  The event log is
on, its fdatasync on its own thread (evt_syncer.c).  Two configurations:
  - one small region;
  - every country of the five RIR files tests/tools/mkrirstats.py writes,
    plus 1,000 origin-AS regions (AS 1 .. 1000), plus the small region.
p50 / p99 / max over the withdrawals; the target is p99 < 1 ms.

Loop stall: every country watched over 10 full-table sessions (bgpfeed
--sources 10), all eligible and settled; the stall counter is reset, one
session is taken down (`neighbor ADDR down`: the eligible set changes,
the detector recomputes every chunk, in slices), and `show status`
gives the longest loop stall until the regions are settled again; then
the session is let back (`neighbor ADDR up`): its table again and, once
it is eligible, every chunk recomputed once more (the longest stall from
`up` until quiet); last, a reload that adds a region (the index of every
country built again, the RIB learned again; the longest stall until the
new region is judged and the daemon quiet).  The bound is 50 ms.

Every country's load CPU (issue 16: "on top of 10 full feeds: at most
+25 % on load CPU"), through the daemon as users run it: 10 sessions of
the full table (bgpfeed --sources 10) into bgpwatchd with every country
and the 1,000 AS regions, and into bgpwatchd with the small region only,
alternated BENCH_COUNTRY_RUNS (3) times each; the daemon's CPU (every
thread) from the feed's start until every route is in, every session
eligible (End-of-RIB), the regions judged and the daemon quiet: the
detector's first recompute is part of the load.  --country-load runs
this part alone; `make bench` runs it after the stall part.

Prints a few lines for the bench table; with --json, writes the numbers.
Everything listens on and connects to 127.0.0.0/8; every process is
stopped by PID.
"""
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import Feed, free_port, now, spawn, stop, wait_for  # noqa

import msgpack  # noqa: E402  (Debian's python3-msgpack)

PROBE_ADDR = "127.0.6.2"
PROBE_AS = 64600
NPROBE = 512
PROBE_NET = (198, 18)		# 198.18.0.0/15: the probe's /24s
MARKER = b"\xff" * 16


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


# ------------------------------------------------------------ a BGP probe

def bgp_msg(mtype, body=b""):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def bgp_open(asn, bgp_id):
    caps = b"\x01\x04\x00\x01\x00\x01" + b"\x41\x04" + struct.pack("!I", asn)
    params = b"\x02" + bytes([len(caps)]) + caps
    return bgp_msg(1, struct.pack("!BHH4sB", 4, asn if asn < 65536 else
                                  23456, 0, socket.inet_aton(bgp_id),
                                  len(params)) + params)


def bgp_update(withdrawn=b"", attrs=b"", nlri=b""):
    return bgp_msg(2, struct.pack("!H", len(withdrawn)) + withdrawn +
                   struct.pack("!H", len(attrs)) + attrs + nlri)


def attr(flags, code, value):
    return struct.pack("!BBB", flags, code, len(value)) + value


def probe_prefix(i):
    return "%d.%d.%d.0/24" % (PROBE_NET[0], PROBE_NET[1] + i // 256, i % 256)


def nlri(prefix):
    addr, plen = prefix.split("/")
    plen = int(plen)
    return bytes([plen]) + socket.inet_aton(addr)[:(plen + 7) // 8]


class Probe:
    """A BGP speaker from PROBE_ADDR: hold time 0, IPv4 unicast only."""

    def __init__(self, port):
        self.s = socket.socket()
        self.s.bind((PROBE_ADDR, 0))
        self.s.connect(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s.sendall(bgp_open(PROBE_AS, PROBE_ADDR))
        self.buf = b""
        self.read_msg()			# OPEN
        self.s.sendall(bgp_msg(4))
        self.read_msg()			# KEEPALIVE

    def read_msg(self):
        while True:
            if len(self.buf) >= 19:
                n = struct.unpack("!H", self.buf[16:18])[0]
                if len(self.buf) >= n:
                    m, self.buf = self.buf[:n], self.buf[n:]
                    if m[18] == 3:
                        raise RuntimeError("probe: NOTIFICATION %r" % m)
                    return m
            b = self.s.recv(65536)
            if not b:
                raise RuntimeError("probe: session closed")
            self.buf += b

    def drain(self):
        """Reads what bgpwatchd sent (KEEPALIVEs), without blocking."""
        while select.select([self.s], [], [], 0)[0]:
            if not self.s.recv(65536):
                raise RuntimeError("probe: session closed")

    def announce_all(self):
        attrs = (attr(0x40, 1, b"\x00") +
                 attr(0x40, 2, b"\x02\x02" + struct.pack("!II", PROBE_AS,
                                                        64601)) +
                 attr(0x40, 3, socket.inet_aton(PROBE_ADDR)))
        pfx = [nlri(probe_prefix(i)) for i in range(NPROBE)]
        for k in range(0, NPROBE, 500):
            self.s.sendall(bgp_update(attrs=attrs,
                                      nlri=b"".join(pfx[k:k + 500])))
        self.s.sendall(bgp_update())		# End-of-RIB

    def withdraw(self, prefix):
        self.s.sendall(bgp_update(withdrawn=nlri(prefix)))

    def close(self):
        self.s.close()


class Subscriber:
    """A live unix-socket subscriber of the event stream."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.sendall(msgpack.packb({}))
        self.u = msgpack.Unpacker(raw=False)

    def wait_withdrawn(self, prefix, timeout=5.0):
        """(monotonic, wall) times at which the prefix_withdrawn of prefix
        is read, and the event's ts (the detector hook's wall time)."""
        end = now() + timeout
        while True:
            for ev in self.u:
                if (ev.get("type") == "prefix_withdrawn" and
                        ev.get("prefix") == prefix):
                    ts = ev["ts"]
                    ts = ts.to_unix() if hasattr(ts, "to_unix") else 0
                    return now(), time.time(), ts
            left = end - now()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                raise RuntimeError("no prefix_withdrawn for %s" % prefix)
            b = self.s.recv(1 << 20)
            if not b:
                raise RuntimeError("subscriber: closed")
            self.u.feed(b)

    def close(self):
        self.s.close()


# -------------------------------------------------------------- bgpwatchd

class Daemon(benchlib.Bgpwatchd):
    """bgpwatchd with regions and an event subscriber socket."""

    def __init__(self, build, workdir, neighbors, regions, tag):
        self.build = build
        self.port = free_port()
        self.sock = os.path.join(workdir, tag + ".sock")
        self.conf = os.path.join(workdir, tag + ".conf")
        self.events = os.path.join(workdir, tag + ".events.sock")
        self.evlog = os.path.join(workdir, tag + ".events.mpk")
        for f in (self.events, self.evlog):
            if os.path.exists(f):
                os.unlink(f)
        with open(self.conf, "w") as f:
            f.write("local-as 4200000001\nrouter-id 192.0.2.254\n"
                    "listen on 127.0.0.1 port %d\ncontrol \"%s\"\n"
                    "eligible-after 60s\n"
                    "events {\n log \"%s\"\n subscribe unix \"%s\"\n}\n"
                    "region \"PROBE\" {\n prefix 198.18.0.0/15\n"
                    " hold-down 1s\n}\n%s" %
                    (self.port, self.sock, self.evlog, self.events,
                     regions))
            for addr, asn in neighbors:
                f.write("neighbor %s {\n    remote-as %d\n    passive\n}\n"
                        % (addr, asn))
        self.logf = open(os.path.join(workdir, tag + ".log"), "w")
        self.proc = spawn([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           self.conf], role="receiver", stdout=self.logf,
                          stderr=subprocess.STDOUT)
        wait_for(lambda: self.query("show rib count"), 120,
                 "bgpwatchd control")

    def quiet(self, idle=0.05, every=0.5, timeout=300):
        """Waits until bgpwatchd uses less than idle s CPU per every s."""
        end = now() + timeout
        last = self.cpu()
        while now() < end:
            time.sleep(every)
            c = self.cpu()
            if c - last < idle:
                return True
            last = c
        raise RuntimeError("bgpwatchd never went quiet")

    def eligible(self):
        return sum(1 for n in self.query("show neighbors")["neighbors"]
                   if n.get("eligible"))

    def settled(self):
        """No region is waiting for a recompute (all judged).  From
        show status's counts: `show regions` renders every region, and
        polled every 20 ms with every country watched that was 2-3 % of
        the load's CPU."""
        return self.query("show status")["regions"]["blind"] == 0


def every_country(work):
    """Region lines for every country of generated RIR files + 1000 AS."""
    rir = os.path.join(work, "rirstats")
    if not os.path.isdir(rir):
        subprocess.run(["/usr/bin/python3", "tests/tools/mkrirstats.py", rir],
                       check=True, capture_output=True, timeout=600)
    out, seen = [], set()
    for name in sorted(os.listdir(rir)):
        if not name.startswith("delegated-"):
            continue
        path = os.path.join(rir, name)
        out.append('rir-stats "%s"\n' % path)
        with open(path) as f:
            for line in f:
                p = line.split("|")
                if len(p) < 3 or len(p[1]) != 2 or not p[1].isupper() or \
                        p[1] in seen or p[1] == "ZZ":
                    continue
                seen.add(p[1])
    for cc in sorted(seen):
        out.append('region "%s" {\n country %s\n hold-down 1s\n}\n' %
                   (cc, cc))
    for asn in range(1, 1001):
        out.append('region "AS%d" {\n origin-as %d\n hold-down 1s\n}\n' %
                   (asn, asn))
    return "".join(out), len(seen) + 1000


def feed_args(full, sources):
    a = ["--mrt", full] if os.path.exists(full) else ["--synthetic",
                                                      "600000"]
    return a + ["--sources", str(sources), "--hold", "forever",
                "--remote-as", "4200000001"]


def feeder_as(build, full):
    if not os.path.exists(full):
        return 65001
    peers = benchlib.mrt_peers(build, full)
    return peers[0][1] if peers else 65001


# -------------------------------------------------------------- scenarios

def latency(build, full, work, regions, tag, nwd):
    asn = feeder_as(build, full)
    d = Daemon(build, work, [("127.0.2.1", asn), (PROBE_ADDR, PROBE_AS)],
               regions, tag)
    feed = probe = sub = None
    try:
        feed = Feed(build, feed_args(full, 1) + ["127.0.0.1:%d" % d.port],
                    os.path.join(work, tag + ".feed.log"))
        feed.wait_established(1)
        wait_for(lambda: d.eligible() >= 1, 300, "the full table loaded")
        table = d.count()
        probe = Probe(d.port)
        probe.announce_all()
        wait_for(lambda: d.eligible() >= 2, 60, "the probe eligible")
        wait_for(d.settled, 120, "regions judged")
        d.quiet()
        sub = Subscriber(d.events)
        time.sleep(0.5)
        lat, wire, deliver, rtt = [], [], [], []
        d.status(reset=True)
        cpu0 = d.cpu()
        for i in range(nwd):
            p = probe_prefix(i)
            probe.drain()
            w0 = time.time()
            t0 = now()
            probe.withdraw(p)
            t1, w1, ts = sub.wait_withdrawn(p)
            lat.append(t1 - t0)
            if ts:
                wire.append(ts - w0)		# UPDATE written -> hook
                deliver.append(w1 - ts)		# hook -> subscriber read
            # The same process's round trip through the control socket:
            # what scheduling alone costs on this machine now.
            t0 = now()
            d.status()
            rtt.append(now() - t0)
        cpu = d.cpu() - cpu0
        st = d.status()
        res = {"routes": table, "withdrawals": len(lat),
               "p50_us": pct(lat, 50) * 1e6, "p99_us": pct(lat, 99) * 1e6,
               "max_us": max(lat) * 1e6,
               "over_1ms": sum(1 for x in lat if x > 1e-3),
               "ctl_rtt_p50_us": pct(rtt, 50) * 1e6,
               "ctl_rtt_p99_us": pct(rtt, 99) * 1e6,
               "cpu_s": cpu, "max_stall_ms": st["loop"]["max_stall_ms"],
               "load_avg": os.getloadavg()[0]}
        if wire:
            res.update({"wire_to_hook_p50_us": pct(wire, 50) * 1e6,
                        "wire_to_hook_p99_us": pct(wire, 99) * 1e6,
                        "hook_to_sub_p50_us": pct(deliver, 50) * 1e6,
                        "hook_to_sub_p99_us": pct(deliver, 99) * 1e6})
        return res
    finally:
        for x in (sub, probe):
            if x is not None:
                x.close()
        if feed is not None:
            feed.close()
            feed.stop()
        d.stop()


def load_settled(d, build, full, work, tag, sources):
    """bgpfeed's `sources` full tables into d until every session is
    eligible and every region judged; returns the Feed, still up (on an
    error main's cleanup stops it)."""
    feed = Feed(build, feed_args(full, sources) + ["127.0.0.1:%d" % d.port],
                os.path.join(work, tag + ".feed.log"))
    feed.wait_established(sources, 300)
    wait_for(lambda: d.eligible() >= sources, 900, "all tables loaded")
    wait_for(d.settled, 300, "regions judged")
    return feed


def load_cpu(build, full, work, regions, tag, sources):
    """The daemon's CPU for loading `sources` full tables, detector
    settled included (see the docstring)."""
    asn = feeder_as(build, full)
    peers = [("127.0.2.%d" % (i + 1), asn) for i in range(sources)]
    d = Daemon(build, work, peers, regions, tag)
    feed = None
    try:
        d.quiet()			# start-up (statistics files) done
        cpu0 = d.cpu()
        t0 = now()
        feed = load_settled(d, build, full, work, tag, sources)
        d.quiet(idle=0.01, every=0.25)
        return {"cpu_s": d.cpu() - cpu0, "wall_s": now() - t0,
                "routes": d.count(), "rss": d.rss(),
                "max_stall_cpu_ms":
                    d.status()["loop"].get("max_stall_cpu_ms", -1)}
    finally:
        if feed is not None:
            feed.close()
            feed.stop()
        d.stop()


def country_load(build, full, work, regions, nreg):
    runs = int(os.environ.get("BENCH_COUNTRY_RUNS", "3"))
    base, every = [], []
    for i in range(runs):
        base.append(load_cpu(build, full, work, "", "cl-base%d" % i, 10))
        every.append(load_cpu(build, full, work, regions, "cl-all%d" % i,
                              10))
    b = sorted(r["cpu_s"] for r in base)
    e = sorted(r["cpu_s"] for r in every)
    mb, me = b[len(b) // 2], e[len(e) // 2]
    return {"runs": runs, "routes": every[0]["routes"],
            "regions": nreg + 1, "base_cpu_s": b, "every_cpu_s": e,
            "ratio_median": me / mb,
            # The fastest runs are the least slowed by the host (the
            # cores of this VM are slowed at times: tests/bench/cores.py).
            "ratio_min": e[0] / b[0],
            "ratio_range": [e[0] / b[-1], e[-1] / b[0]],
            "base_rss": base[0]["rss"], "every_rss": every[0]["rss"],
            "every_max_stall_cpu_ms": max(r["max_stall_cpu_ms"]
                                          for r in every),
            "load_avg": os.getloadavg()[0]}


def stall(build, full, work, regions, tag, sources):
    asn = feeder_as(build, full)
    peers = [("127.0.2.%d" % (i + 1), asn) for i in range(sources)]
    d = Daemon(build, work, peers, regions, tag)
    feed = back = None
    try:
        t0 = now()
        feed = load_settled(d, build, full, work, tag, sources)
        d.quiet()
        load_s = now() - t0
        st = d.status()
        load_stall = st["loop"]["max_stall_ms"]
        load_stall_cpu = st["loop"].get("max_stall_cpu_ms", -1)
        time.sleep(1)
        d.status(reset=True)
        cpu0 = d.cpu()
        d.command("neighbor %s down" % peers[-1][0])
        wait_for(lambda: d.eligible() == sources - 1, 60, "one peer down")
        d.quiet()			# the recompute, in slices, done
        st = d.status()
        res = {"sessions": sources, "routes": d.count(),
               "load_s": load_s, "load_max_stall_ms": load_stall,
               "load_max_stall_cpu_ms": load_stall_cpu,
               "recompute_max_stall_ms": st["loop"]["max_stall_ms"],
               # The loop's own CPU in its longest stall (lib/loop.c):
               # the rest of the stall was waiting for a CPU.
               "recompute_max_stall_cpu_ms":
                   st["loop"].get("max_stall_cpu_ms", -1),
               "recompute_stalls_over_50ms":
                   st["loop"].get("stalls_over_50ms"),
               "recompute_cpu_s": d.cpu() - cpu0}
        # The same session back: its table again (a peer that does not
        # count yet), then eligible: every chunk recomputed once more.
        time.sleep(1)
        d.status(reset=True)
        cpu0 = d.cpu()
        d.command("neighbor %s up" % peers[-1][0])
        # bgpfeed does not reconnect (the neighbor is passive): a feeder
        # of its own from the same address.
        back = Feed(build, feed_args(full, 1) + ["--bind", peers[-1][0],
                                                 "127.0.0.1:%d" % d.port],
                    os.path.join(work, tag + ".back.log"))
        wait_for(lambda: d.eligible() == sources, 600, "the peer eligible")
        d.quiet()
        st = d.status()
        res.update({"eligible_max_stall_ms": st["loop"]["max_stall_ms"],
                    "eligible_max_stall_cpu_ms":
                        st["loop"].get("max_stall_cpu_ms", -1),
                    "eligible_stalls_over_50ms":
                        st["loop"].get("stalls_over_50ms"),
                    "eligible_cpu_s": d.cpu() - cpu0})
        # A reload that adds a region: the index of every country again
        # (on a thread since 2026-12-07), then the RIB learned in slices.
        time.sleep(1)
        d.status(reset=True)
        cpu0 = d.cpu()
        nreg = d.query("show status")["regions"]["total"]
        with open(d.conf, "a") as f:
            f.write('region "RELOADED" {\n origin-as 174\n hold-down 1s\n}\n')
        d.command("reload")
        wait_for(lambda: d.query("show status")["regions"]["total"] > nreg and
                 d.settled(), 300, "the reload's regions judged")
        d.quiet()
        st = d.status()
        res.update({"reload_max_stall_ms": st["loop"]["max_stall_ms"],
                    "reload_max_stall_cpu_ms":
                        st["loop"].get("max_stall_cpu_ms", -1),
                    "reload_cpu_s": d.cpu() - cpu0,
                    "load_avg": os.getloadavg()[0]})
        return res
    finally:
        for f in (back, feed):
            if f is not None:
                f.close()
                f.stop()
        d.stop()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    quick = "--quick" in sys.argv
    stall_only = "--stall-only" in sys.argv
    cl_only = "--country-load" in sys.argv
    out = None
    if "--json" in sys.argv:
        out = sys.argv[sys.argv.index("--json") + 1]
        args.remove(out)
    if len(args) != 3:
        print(__doc__)
        return 2
    build, data, work = args
    full = os.path.join(data, "updates.et-header.2015.gz")
    if not os.path.exists(full):
        # Said at the top: every number below is then of the synthetic
        # table, which loads and recomputes differently (DATA is the
        # folder of the MRT files, ../shared/data/mrt).
        print("   note: %s not found: 600,000 synthetic prefixes instead of"
              " the 2015 table" % full, flush=True)
    os.makedirs(work, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    res = {}
    lines = []
    try:
        regions, nreg = every_country(work)
        nwd = 128 if quick else NPROBE
        for name, reg, tag in () if stall_only or cl_only else (
                ("one small region", "", "lat1"),
                ("every country + 1000 AS (%d regions)" % (nreg + 1),
                 regions, "latall")):
            r = latency(build, full, work, reg, tag, nwd)
            res[tag] = r
            if out:
                with open(out, "w") as f:
                    json.dump(res, f, indent=1)
            lines.append("prefix_withdrawn wire -> unix subscriber, one full "
                         "table (%d routes), %s: p50 %.0f us, p99 %.0f us, "
                         "max %.0f us (%d withdrawals, %d over 1 ms; "
                         "UPDATE written -> detector p50/p99 %.0f/%.0f us, "
                         "-> subscriber read %.0f/%.0f us; control socket "
                         "round trip p50/p99 %.0f/%.0f us; loop stall "
                         "%.1f ms; load average %.1f)" %
                         (r["routes"], name, r["p50_us"], r["p99_us"],
                          r["max_us"], r["withdrawals"], r["over_1ms"],
                          r.get("wire_to_hook_p50_us", -1),
                          r.get("wire_to_hook_p99_us", -1),
                          r.get("hook_to_sub_p50_us", -1),
                          r.get("hook_to_sub_p99_us", -1),
                          r["ctl_rtt_p50_us"], r["ctl_rtt_p99_us"],
                          r["max_stall_ms"], r["load_avg"]))
        if not quick and not cl_only:
            r = stall(build, full, work, regions, "stall", 10)
            res["stall"] = r
            lines.append("every country, %d full tables (%d routes): one "
                         "session down -> detector recompute: loop stall "
                         "max %.1f ms (its own CPU %.1f ms; bound 50), "
                         "%.2f s CPU; the session back, its table and "
                         "eligible again: stall max %.1f ms (CPU %.1f ms), "
                         "%.2f s CPU; a reload adding a region: stall max "
                         "%.1f ms (CPU %.1f ms), %.2f s CPU; load %.1f s, "
                         "its stall %.1f ms (CPU %.1f ms); load average "
                         "%.1f" %
                         (r["sessions"], r["routes"],
                          r["recompute_max_stall_ms"],
                          r["recompute_max_stall_cpu_ms"],
                          r["recompute_cpu_s"],
                          r["eligible_max_stall_ms"],
                          r["eligible_max_stall_cpu_ms"], r["eligible_cpu_s"],
                          r["reload_max_stall_ms"],
                          r["reload_max_stall_cpu_ms"], r["reload_cpu_s"],
                          r["load_s"], r["load_max_stall_ms"],
                          r["load_max_stall_cpu_ms"], r["load_avg"]))
        if not quick and not stall_only:
            r = country_load(build, full, work, regions, nreg)
            res["country_load"] = r
            lines.append("every country + 1000 AS (%d regions), 10 full "
                         "tables (%d routes) through sessions: load CPU "
                         "%s s against %s s with one small region: %.2fx "
                         "(median; %.2f-%.2fx; the fastest runs' %.2fx; "
                         "target <= 1.25x), RSS %.0f "
                         "against %.0f MB, longest stall's CPU %.1f ms; "
                         "load average %.1f" %
                         (r["regions"], r["routes"],
                          "/".join("%.2f" % x for x in r["every_cpu_s"]),
                          "/".join("%.2f" % x for x in r["base_cpu_s"]),
                          r["ratio_median"], r["ratio_range"][0],
                          r["ratio_range"][1], r["ratio_min"],
                          r["every_rss"] / 1e6,
                          r["base_rss"] / 1e6,
                          r["every_max_stall_cpu_ms"], r["load_avg"]))
    finally:
        benchlib.cleanup()
    for line in lines:
        print("   " + line)
    if out:
        with open(out, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
