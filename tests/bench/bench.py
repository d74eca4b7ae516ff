#!/usr/bin/python3
"""
Receiver benchmarks of `make bench` (parts 2-6 of tests/bench/run.sh):
bgpwatchd against BIRD 2 and GoBGP, fed by bgpfeed on loopback.

  bench.py BUILD DATADIR WORKDIR

Every receiver is started fresh for each measurement and alone (the
machine may have two cores: never two receivers at once).  Prints a
table; also writes WORKDIR/results.json and WORKDIR/results.md.

Environment: BENCH_RUNS (3) runs per bgpwatchd/BIRD measurement, the
median is printed; BENCH_GOBGP_RUNS (1); BENCH_SOURCES ("10 30");
BENCH_SKIP ("gobgp", "bird", "many", "churn": parts to leave out).

Time to load = from the first byte bgpfeed sends (see benchlib.py for
how it is stamped on our clock) to the first poll that sees every route
in the receiver.  The event lies between the start of the last poll that
did not see it and the end of the one that did; the midpoint is printed,
the half-width (the granularity) in the JSON.  CPU = the receiver's
utime+stime over the same phase (from /proc/PID/stat), which is what a
busy machine cannot make noisy.
"""
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (Bgpwatchd, Bird, Feed, Gobgp, cleanup,  # noqa: E402
                      cpu_seconds, mem_available, mrt_peers, now, pin,
                      poll_until)

FULL_ROUTES = 577703
BW_POLL = 0.02
BIRD_POLL = 0.02
GOBGP_POLL = 0.25		# each poll forks the gobgp CLI (~20 ms of CPU)
SETTLE = 1.0			# seconds between "all in" and reading RSS
CHURN_POLL = 0.005
TARGETS = {
    "time_ratio_bird": 0.5, "rss_ratio_bird": 0.5,
    "bytes_per_additional_route": 40, "churn_per_s": 500000,
    "stall_ms": 50,
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


class Bench:
    def __init__(self, build, data, work):
        self.build = build
        self.data = data
        self.work = work
        self.full = os.path.join(data, "updates.et-header.2015.gz")
        self.churn = os.path.join(data, "updates.20160811.1600.gz")
        self.runs = int(os.environ.get("BENCH_RUNS", "3"))
        self.gruns = int(os.environ.get("BENCH_GOBGP_RUNS", "1"))
        self.skip = os.environ.get("BENCH_SKIP", "").split()
        self.sources = [int(x) for x in
                        os.environ.get("BENCH_SOURCES", "10 30").split()]
        self.res = {"part1": {}, "part2": {}, "part3": {}, "part4": {},
                    "notes": []}
        self.seq = 0

    def note(self, msg):
        log("   note: " + msg)
        self.res["notes"].append(msg)

    def tag(self, what):
        self.seq += 1
        return "%02d-%s" % (self.seq, what)

    # ---------------------------------------------------------- loading

    def load(self, rcv, feed_args, nsess, target, poll, tag):
        """
        Feeds rcv with bgpfeed (held up), waits for target routes.
        Returns (measurement dict, Feed still holding its sessions).
        """
        c0 = rcv.cpu()
        feed = Feed(self.build, feed_args + ["--hold", "forever",
                                             "127.0.0.1:%d" % rcv.port],
                    os.path.join(self.work, tag + ".feed.log"))
        feed.wait_established(nsess)
        lo, hi, v, polls = poll_until(
            rcv.count, target, 600, poll, since=feed.first_byte(),
            stop_if=lambda: not rcv.alive() or feed.proc.poll() is not None)
        c1 = rcv.cpu()
        t0 = feed.first_byte()
        m = {"time": (lo + hi) / 2 - t0, "granularity": (hi - lo) / 2,
             "cpu": c1 - c0, "polls": polls, "routes": v}
        time.sleep(SETTLE)
        m["rss"] = rcv.rss()
        m["hwm"] = rcv.hwm()
        return m, feed

    def end_feed(self, feed, m):
        fcpu = cpu_seconds(feed.proc.pid)
        feed.stop()
        for d in feed.timing():
            if "total" in d:
                m["feed_send_s"] = float(d.get("send_s", 0))
        m["feed_cpu"] = fcpu

    # ----------------------------------------------------------- part 1

    def part1(self):
        log("part 1: full table, one session")
        out = self.res["part1"]
        peers = mrt_peers(self.build, self.full)
        asn = peers[0][1]
        nb = [("127.0.1.1", asn)]
        args = ["--mrt", self.full]
        runs = {"bgpwatchd": [], "BIRD": [], "GoBGP": []}
        flush = []
        kinds = [("bgpwatchd", self.runs)]
        if "bird" not in self.skip:
            kinds.append(("BIRD", self.runs))
        if "gobgp" not in self.skip:
            kinds.append(("GoBGP", self.gruns))
        for i in range(max(n for _, n in kinds)):
            for kind, n in kinds:
                if i >= n:
                    continue
                tag = self.tag("p1-" + kind)
                log("   %s run %d" % (kind, i + 1))
                if kind == "bgpwatchd":
                    r = Bgpwatchd(self.build, self.work, nb, tag=tag)
                    r.status(reset=True)
                    poll = BW_POLL
                elif kind == "BIRD":
                    r = Bird(self.work, nb, tag=tag)
                    poll = BIRD_POLL
                else:
                    r = Gobgp(self.work, nb, tag=tag)
                    poll = GOBGP_POLL
                try:
                    m, feed = self.load(r, args, 1, FULL_ROUTES, poll, tag)
                    if kind == "bgpwatchd":
                        st = r.status(reset=True)
                        m["stall_ms"] = st["loop"]["max_stall_ms"]
                        m["stalls_over_50ms"] = st["loop"]["stalls_over_50ms"]
                        c0 = r.cpu()
                        t0 = now()
                        feed.close()
                        lo, hi, v, _ = poll_until(r.count, 0, 120, BW_POLL,
                                                  since=t0)
                        self.end_feed(feed, m)
                        st = r.status()
                        flush.append({"time": (lo + hi) / 2 - t0,
                                      "granularity": (hi - lo) / 2,
                                      "cpu": r.cpu() - c0,
                                      "stall_ms": st["loop"]["max_stall_ms"],
                                      "stalls_over_50ms":
                                      st["loop"]["stalls_over_50ms"]})
                    else:
                        self.end_feed(feed, m)
                    runs[kind].append(m)
                    log("     %.3f s (+-%.3f), cpu %.2f s, rss %.1f MB" %
                        (m["time"], m["granularity"], m["cpu"],
                         m["rss"] / 1e6))
                finally:
                    r.stop()
        for kind, v in runs.items():
            if v:
                out[kind] = {k: med([x.get(k) for x in v]) for k in v[0]}
                out[kind]["runs"] = len(v)
                out[kind]["all_times"] = [round(x["time"], 4) for x in v]
        if flush:
            self.res["part4"]["flush"] = {k: med([x[k] for x in flush])
                                          for k in flush[0]}
            self.res["part4"]["flush"]["runs"] = len(flush)
            self.res["part4"]["load_stall_ms"] = max(
                x["stall_ms"] for x in runs["bgpwatchd"])
            self.res["part4"]["load_stalls_over_50ms"] = max(
                x["stalls_over_50ms"] for x in runs["bgpwatchd"])
            self.res["part4"]["flush_stall_ms"] = max(
                x["stall_ms"] for x in flush)

    # ----------------------------------------------------------- part 2

    def many_one(self, kind, k, asn):
        nb = [("127.0.2.%d" % (i + 1), asn) for i in range(k)]
        tag = self.tag("p2-%s-%d" % (kind, k))
        if kind == "bgpwatchd":
            r = Bgpwatchd(self.build, self.work, nb, tag=tag)
            r.status(reset=True)
        else:
            r = Bird(self.work, nb, import_table=True, tag=tag)
        try:
            args = ["--mrt", self.full, "--sources", str(k)]
            m, feed = self.load(r, args, k, k * FULL_ROUTES,
                                BW_POLL if kind == "bgpwatchd" else
                                BIRD_POLL * max(1, k // 10), tag)
            if kind == "bgpwatchd":
                m["stall_ms"] = r.status()["loop"]["max_stall_ms"]
            self.end_feed(feed, m)
        finally:
            r.stop()
        log("     %s x%d: %.3f s, cpu %.2f s, rss %.1f MB" %
            (kind, k, m["time"], m["cpu"], m["rss"] / 1e6))
        return m

    def part2(self):
        log("part 2: many peers (same table from K sources)")
        out = self.res["part2"]
        asn = mrt_peers(self.build, self.full)[0][1]
        kinds = ["bgpwatchd"] + ([] if "bird" in self.skip else ["BIRD"])
        for kind in kinds:
            out[kind] = {}
            ones = [self.many_one(kind, 1, asn) for _ in range(2)]
            one = {k: med([x.get(k) for x in ones]) for k in ones[0]}
            out[kind]["1"] = one
            prev_k, prev = 1, one
            for k in self.sources:
                # Predict from the last step (per-route increment, with
                # a 50% margin) and keep a quarter of the memory free.
                per = (prev["rss"] - one["rss"]) / max(1, prev_k - 1) \
                    if prev_k > 1 else one["rss"]
                need = prev["rss"] + 1.5 * per * (k - prev_k)
                avail = mem_available()
                if need > 0.75 * avail:
                    self.note("%s x%d skipped: needs about %.1f GB, %.1f GB"
                              " available" % (kind, k, need / 1e9,
                                              avail / 1e9))
                    break
                runs = [self.many_one(kind, k, asn)
                        for _ in range(1 if k > 10 else 2)]
                m = {x: med([r.get(x) for r in runs]) for x in runs[0]}
                m["bytes_per_route"] = m["rss"] / (k * FULL_ROUTES)
                m["bytes_per_additional_route"] = \
                    (m["rss"] - one["rss"]) / ((k - 1) * FULL_ROUTES)
                out[kind][str(k)] = m
                prev_k, prev = k, m

    # ----------------------------------------------------------- part 3

    def part3(self):
        log("part 3: churn (updates.20160811.1600 from 35+ peers on top "
            "of the full table)")
        out = self.res["part3"]
        full_as = mrt_peers(self.build, self.full)[0][1]
        peers = mrt_peers(self.build, self.churn)
        total = sum(p[3] + p[4] for p in peers)
        nb = [("127.0.3.1", full_as)] + [(p[2], p[1]) for p in peers]
        runs = []
        for i in range(self.runs):
            tag = self.tag("p3-churn")
            r = Bgpwatchd(self.build, self.work, nb, tag=tag)
            try:
                m, ffeed = self.load(r, ["--mrt", self.full, "--bind",
                                         "127.0.3.1"], 1, FULL_ROUTES,
                                     BW_POLL, tag + "-full")
                base = r.processed()
                r.status(reset=True)
                c0 = r.cpu()
                cf = Feed(self.build, ["--mrt", self.churn, "--hold",
                                       "forever", "127.0.0.1:%d" % r.port],
                          os.path.join(self.work, tag + ".feed.log"))
                cf.wait_established(len(peers))
                lo, hi, v, polls = poll_until(
                    lambda: r.processed() - base, total, 60, CHURN_POLL,
                    stop_if=lambda: not r.alive(), since=cf.first_byte())
                c1 = r.cpu()
                t0 = cf.first_byte()
                span = max(cf.established) - min(cf.established)
                mm = {"changes": total, "peers": len(peers),
                      "time": (lo + hi) / 2 - t0,
                      "granularity": (hi - lo) / 2, "cpu": c1 - c0,
                      "setup_span": span, "polls": polls,
                      "stall_ms": r.status()["loop"]["max_stall_ms"]}
                mm["rate_wall"] = total / mm["time"]
                mm["rate_cpu"] = total / mm["cpu"] if mm["cpu"] > 0 \
                    else None
                runs.append(mm)
                log("     %d changes in %.3f s (+-%.3f; sessions came up "
                    "over %.3f s), cpu %.3f s" % (total, mm["time"],
                                                  mm["granularity"], span,
                                                  mm["cpu"]))
                cf.stop()
                ffeed.stop()
            finally:
                r.stop()
        out["bgpwatchd"] = {k: med([x[k] for x in runs]) for k in runs[0]}
        out["bgpwatchd"]["runs"] = len(runs)

    # ----------------------------------------------------------- part 5

    def part5(self):
        tool = os.path.join(self.build, "tools", "detectbench")
        if not os.path.exists(tool):
            self.res["part5"] = None
            return
        try:
            r = subprocess.run([tool], capture_output=True, text=True,
                               timeout=180, preexec_fn=pin("receiver"))
            lines = [x for x in (r.stdout + r.stderr).splitlines()
                     if "p50" in x or "p99" in x]
            self.res["part5"] = lines or ["detectbench printed no p50/p99 "
                                          "line (exit %d)" % r.returncode]
        except subprocess.TimeoutExpired:
            self.res["part5"] = ["detectbench: timed out after 180 s"]
            return
        self.res["part5"] += self.every_country(tool)

    def every_country(self, tool):
        """
        Every country of five generated RIR files plus 1,000 origin-AS
        regions over 10 full feeds, against the same load with no regions
        (issue 16: at most +25 % load CPU).
        """
        rir = os.path.join(self.work, "rirstats")
        n = os.environ.get("BENCH_DETECT_ROUTES", "1000000")
        try:
            subprocess.run(["/usr/bin/python3", "tests/tools/mkrirstats.py",
                            rir], capture_output=True, check=True,
                           timeout=300)
            out = {}
            for name, extra in (("no regions", ["-z"]),
                                ("every country + 1000 AS",
                                 ["-r", rir, "-a", "1000"])):
                r = subprocess.run([tool, "-n", n, "-p", "10", "-w", "20000"]
                                   + extra, capture_output=True, text=True,
                                   timeout=900,
                                   preexec_fn=pin("receiver"))
                m = re.search(r"load .*cpu ([0-9.]+) s", r.stdout)
                f = re.search(r"first detect_run .*cpu ([0-9.]+) s",
                              r.stdout)
                g = re.search(r"^detectbench: (\d+) regions", r.stdout, re.M)
                out[name] = (float(m.group(1)) if m else None,
                             float(f.group(1)) if f else None,
                             g.group(1) if g else "?")
            base = out["no regions"][0]
            lines = []
            for name, (cpu, first, nreg) in out.items():
                ratio = "" if not base or cpu is None else \
                    " (%.2fx the load without regions)" % (cpu / base)
                lines.append("10 feeds x %s routes, %s (%s regions): load "
                             "cpu %s s%s, first detect_run cpu %s s"
                             % (n, name, nreg, cpu, ratio, first))
            return lines
        except (subprocess.SubprocessError, OSError) as e:
            return ["every-country run failed: %s" % e]

    # ------------------------------------------------------------ report

    def versions(self):
        def first(argv):
            try:
                r = subprocess.run(argv, capture_output=True, text=True,
                                   timeout=10)
                return (r.stdout + r.stderr).strip().splitlines()[0]
            except Exception:
                return "?"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((ln.split(":", 1)[1].strip() for ln in f
                            if ln.startswith("model name")), "?")
        except OSError:
            cpu = "?"
        return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "nproc": os.cpu_count(), "cpu": cpu,
                "kernel": platform.release(),
                "mem_gb": round(mem_available() / 2**30, 1),
                "bird": first(["bird", "--version"]),
                "gobgpd": first(["gobgpd", "--version"])}

    def table(self):
        r = self.res
        L = []

        def row(what, val, target=""):
            L.append("| %s | %s | %s |" % (what, val, target))

        def fmt_t(m):
            return "%.3f s (±%.3f), CPU %.2f s" % (m["time"],
                                                   m["granularity"],
                                                   m["cpu"])
        v = r["versions"]
        L.append("nproc=%s  %s  %s  bird: %s  gobgpd: %s" %
                 (v["nproc"], v["date"], v["cpu"], v["bird"], v["gobgpd"]))
        L.append("")
        L.append("| measurement | result | target |")
        L.append("| --- | --- | --- |")
        p1 = r["part1"]
        bw, bd, gb = p1.get("bgpwatchd"), p1.get("BIRD"), p1.get("GoBGP")
        for name, m in (("bgpwatchd", bw), ("BIRD", bd), ("GoBGP", gb)):
            if m:
                row("full table, %s: time to all routes (median of %d)" %
                    (name, m["runs"]), fmt_t(m))
                row("full table, %s: RSS after load" % name,
                    "%.1f MB (peak %.1f MB)" % (m["rss"] / 1e6,
                                                m["hwm"] / 1e6))
        if bw and bd:
            tr = bw["time"] / bd["time"]
            rr = bw["rss"] / bd["rss"]
            row("time bgpwatchd/BIRD", "%.2fx (CPU %.2fx)" %
                (tr, bw["cpu"] / bd["cpu"]),
                "<= 0.5x: %s" % ("met" if tr <= 0.5 else "MISSED"))
            row("RSS bgpwatchd/BIRD", "%.2fx" % rr,
                "<= 0.5x: %s" % ("met" if rr <= 0.5 else "MISSED"))
        if bw and gb:
            row("time bgpwatchd/GoBGP", "%.3fx (CPU %.3fx)" %
                (bw["time"] / gb["time"], bw["cpu"] / gb["cpu"]))
            row("RSS bgpwatchd/GoBGP", "%.3fx" % (bw["rss"] / gb["rss"]))
        for name, d in r["part2"].items():
            for k, m in sorted(d.items(), key=lambda x: int(x[0])):
                k = int(k)
                row("%d peers, %s%s: time, RSS" %
                    (k, name, " (import table on)" if name == "BIRD" else
                     ""), "%s, RSS %.1f MB" % (fmt_t(m), m["rss"] / 1e6))
                if k > 1:
                    ok = m["bytes_per_additional_route"] <= \
                        TARGETS["bytes_per_additional_route"]
                    row("%d peers, %s: bytes/route, bytes/additional route"
                        % (k, name), "%.1f, %.1f" %
                        (m["bytes_per_route"],
                         m["bytes_per_additional_route"]),
                        ("<= 40 B/additional route: %s" %
                         ("met" if ok else "MISSED")) if
                        name == "bgpwatchd" and k == 10 else "")
        c = r["part3"].get("bgpwatchd")
        if c:
            ok = c["rate_wall"] >= TARGETS["churn_per_s"]
            row("churn: %d prefix changes from %d peers (median of %d)" %
                (c["changes"], c["peers"], c["runs"]),
                "%.3f s (±%.3f), CPU %.3f s" % (c["time"],
                                                c["granularity"],
                                                c["cpu"]))
            row("churn rate (wall; CPU)", "%.0f /s; %.0f /s" %
                (c["rate_wall"], c["rate_cpu"] or 0),
                ">= 500000/s: %s" % ("met" if ok else "MISSED"))
        p4 = r["part4"]
        if "flush" in p4:
            f = p4["flush"]
            row("flush of a full-table peer", "%.3f s (±%.3f), CPU %.2f s" %
                (f["time"], f["granularity"], f["cpu"]))
            worst = max(p4["load_stall_ms"], p4["flush_stall_ms"])
            row("worst loop stall: load; flush", "%.1f ms; %.1f ms" %
                (p4["load_stall_ms"], p4["flush_stall_ms"]),
                "<= 50 ms: %s" % ("met" if worst <= 50 else "MISSED"))
        if "part5" not in r:
            pass			# not asked for (BENCH_ONLY)
        elif r["part5"] is None:
            row("detector event latency", "detector: not built yet")
        else:
            for line in r["part5"]:
                row("detector", line.strip())
        for n in r["notes"]:
            L.append("")
            L.append("note: " + n)
        return "\n".join(L)

    def run(self):
        self.res["versions"] = self.versions()
        for tool, what in (("bird", "bird"), ("gobgpd", "gobgp"),
                           ("gobgp", "gobgp")):
            if shutil.which(tool) is None and what not in self.skip:
                self.note("%s not found: %s left out" % (tool, what))
                self.skip.append(what)
        # BENCH_ONLY="recv" (parts 1-3) and/or "detect" (part 5); both
        # by default.
        only = os.environ.get("BENCH_ONLY", "recv detect").split()
        parts = []
        if "recv" in only:
            parts.append(("full table", self.part1))
            if "many" not in self.skip:
                parts.append(("many peers", self.part2))
            if "churn" not in self.skip:
                parts.append(("churn", self.part3))
        if "detect" in only:
            parts.append(("detector", self.part5))
        for name, fn in parts:
            try:
                fn()
            except Exception as e:	# report, and go on with the rest
                self.note("%s: failed: %s: %s (logs in %s)" %
                          (name, type(e).__name__, e, self.work))
                cleanup()
        with open(os.path.join(self.work, "results.json"), "w") as f:
            json.dump(self.res, f, indent=1)
        t = self.table()
        with open(os.path.join(self.work, "results.md"), "w") as f:
            f.write(t + "\n")
        print(t)


def main():
    if len(sys.argv) != 4:
        print("usage: bench.py BUILD DATADIR WORKDIR", file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))
    try:
        Bench(*sys.argv[1:]).run()
    finally:
        cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
