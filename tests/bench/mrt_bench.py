"""
`make bench`, part 3: the MRT archive (docs/archive.md).

  a. CPU of a full-table load (updates.et-header.2015: 577k prefixes in
     89k UPDATEs, one bgpfeed session) without an archive, with an
     uncompressed updates archive, gzip (level 1, the default for update
     files; level 6) and bzip2: the loop thread's CPU and the whole
     process's (the writer thread included), the median of
     MRT_BENCH_RUNS (5) loads each, taken in turns (and the CPU added
     as the median of each run's own ratio).
  b. A table dump of 10 full tables (the same table from 10 sessions):
     wall time, routes, the worst event-loop stall while it ran (`show
     status`'s max stall, reset just before) and the longest slice in
     wall and in thread CPU time (the daemon's log).
     And the floor under gzip: ISA-L's level 1 alone over the same
     records (tests/tools/deflatebench.c), against the load's CPU.
  c. Replay of our own archive (`bgpwatchd -r` of that dump, then of the
     updates file, plain and gzip) and of RIS update files
     (updates.20160811.1600.gz twenty times: 348,120 records of 1-2
     prefixes mostly): MRT records per second, and routes (RIB entries)
     or prefixes per second; CPU time of the process (user + system),
     the median of 3.  And the full-table updates file as bzip2, the
     format of RouteViews: wall time on the receivers' core alone (read
     in place) and on two cores (decompressed ahead on a thread of its
     own, lib/mrtahead.c), the median of 3 each; and the RIS files as
     bzip2 the same way (twenty files: the next one is opened, and its
     thread started, while the one before is read).
Sessions run on 127.0.1.x, bgpwatchd listens on 127.0.1.250:31050..;
every process is stopped by PID.  Measurements only, never pass/fail.
  /usr/bin/python3 tests/bench/mrt_bench.py BUILD DATA WORK
"""
import glob
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import Feed, cpu_seconds, pin, spawn, stop, wait_for  # noqa: E402

build, data, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
FULL = os.path.join(data, "updates.et-header.2015.gz")
BW = "127.0.1.250"
PORT = [31050]
AS = 3856


def thread_cpu(pid, tid):
    with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
        return int(f.read().split()[0]) / 1e9


class Daemon:
    def __init__(self, tag, nsrc, mrt):
        self.port = PORT[0]
        PORT[0] += 1
        self.dir = os.path.join(work, tag)
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(self.dir, "bw.sock")
        conf = os.path.join(self.dir, "bw.conf")
        with open(conf, "w") as f:
            f.write("local-as 65000\nrouter-id 192.0.2.254\n"
                    "listen on %s port %d\ncontrol \"%s\"\n" %
                    (BW, self.port, self.sock))
            for i in range(nsrc):
                f.write("neighbor 127.0.1.%d {\n remote-as %d\n passive\n}\n"
                        % (i + 1, AS))
            if mrt:
                # mrt: what follows "compress", e.g. "gzip level 6"
                f.write("mrt {\n updates \"%s/updates.%%Y%%m%%d.%%H%%M\" "
                        "rotate 1h\n compress %s\n}\n" % (self.dir, mrt))
        self.log = open(os.path.join(self.dir, "bw.log"), "w")
        self.proc = spawn([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           conf], role="receiver", stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.ctl("show", "status"), 10, "bgpwatchd")

    def ctl(self, *args, timeout=600):
        r = subprocess.run([os.path.join(build, "bgpwatchctl"), "-s",
                            self.sock, "-j"] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise ValueError(r.stderr)
        import json
        return json.loads(r.stdout)

    def eor(self, n):
        nbs = self.ctl("show", "neighbors")["neighbors"]
        return sum(1 for x in nbs if x.get("eor", {}).get("ipv4")) >= n

    def stop(self):
        stop(self.proc)
        self.log.close()


def load(tag, nsrc, mrt):
    d = Daemon(tag, nsrc, mrt)
    c0, l0 = cpu_seconds(d.proc.pid), thread_cpu(d.proc.pid, d.proc.pid)
    args = ["--mrt", FULL, "--hold", "forever", "--bind", "127.0.1.1",
            "%s:%d" % (BW, d.port)]
    if nsrc > 1:
        args[0:0] = ["--sources", str(nsrc)]
    feed = Feed(build, args, os.path.join(d.dir, "feed.log"))
    t0 = time.monotonic()
    wait_for(lambda: d.eor(nsrc), 600, "End-of-RIB")
    wall = time.monotonic() - t0
    time.sleep(1.5)			# the writer's last chunks
    cpu = cpu_seconds(d.proc.pid) - c0
    loop = thread_cpu(d.proc.pid, d.proc.pid) - l0
    return d, feed, wall, cpu, loop


def row(name, val, unit=""):
    print("   %-52s %14s %s" % (name, val, unit))


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


print()
print("3. MRT archive (docs/archive.md)")
KINDS = (None, "none", "gzip", "gzip level 6", "bzip2")
RUNS = int(os.environ.get("MRT_BENCH_RUNS", "5"))
res = {k: [] for k in KINDS}
for run in range(RUNS):
    for mrt in KINDS:
        tag = "load-%s-%d" % ((mrt or "off").replace(" ", ""), run)
        d, feed, wall, cpu, loop = load(tag, 1, mrt)
        feed.stop()
        d.stop()
        res[mrt].append((cpu, loop))
res_runs = {k: list(v) for k, v in res.items()}
for mrt in KINDS:
    cpu = median([x[0] for x in res[mrt]])
    loop = median([x[1] for x in res[mrt]])
    res[mrt] = (cpu, loop)
    row("full table, archive %-12s: loop / process CPU" % (mrt or "off"),
        "%.2f / %.2f" % (loop, cpu), "s")
    # The writer thread's CPU (process minus loop, per run): what the
    # archive adds beside the loop, less noisy than two loads compared.
    row("  writer thread (process - loop CPU)",
        "%.2f" % median([x[0] - x[1] for x in res_runs[mrt]]), "s")
base = res[None]
for mrt in KINDS[1:]:
    row("archive %s: CPU added, loop / process" % mrt,
        "%+.1f%% / %+.1f%%" % (100 * (res[mrt][1] / base[1] - 1),
                               100 * (res[mrt][0] / base[0] - 1)))
    # Each run loads every setting one after the other: the ratio of a
    # run's two loads moves less with the machine than two medians do.
    pr = sorted(b[0] / a[0] for a, b in zip(res_runs[None], res_runs[mrt]))
    row("  process CPU added, paired per run: median (range)",
        "%+.1f%% (%+.1f..%+.1f%%)" % (100 * (median(pr) - 1),
                                      100 * (pr[0] - 1), 100 * (pr[-1] - 1)))
upd = sorted(glob.glob(os.path.join(work, "load-none-0", "updates.*")))
# The floor under compress gzip: ISA-L's level 1 over the same records,
# as the writer calls it (256 KiB members), from memory, on the
# receivers' core, best of 9 (tests/tools/deflatebench.c).
if upd:
    r = subprocess.run([os.path.join(build, "tools", "deflatebench"),
                        upd[0]], capture_output=True, text=True,
                       preexec_fn=pin("receiver"), timeout=300)
    if r.returncode == 0:
        ms = float(r.stdout.split(" in ")[1].split(" ms")[0])
        row("gzip's floor: ISA-L level 1 alone over those records",
            "%.3f" % (ms / 1000), "s")
        row("  of the full-table load's process CPU (no archive)",
            "%.1f%%" % (100 * ms / 1000 / base[0]), "(target: all of gzip <= 10 %)")

d, feed, wall, cpu, loop = load("dump10", 10, None)
row("10 full tables loaded in", "%.1f" % wall, "s")
bview = os.path.join(d.dir, "bview.10")
d.ctl("show", "status", "reset")
t0 = time.monotonic()
ans = d.ctl("dump", "table", bview)
dt = time.monotonic() - t0
st = d.ctl("show", "status")
stall = None
for k in ("max_stall_ms", "loop_max_stall_ms"):
    if k in st:
        stall = st[k]
if stall is None:
    stall = st.get("loop", {}).get("max_stall_ms", "?")
stall_cpu = st.get("loop", {}).get("max_stall_cpu_ms", "?")
feed.stop()
d.stop()
slice_wall = slice_cpu = "?"
for line in open(os.path.join(d.dir, "bw.log")):
    if "longest slice" in line:
        t = line.split("longest slice ")[1]
        slice_wall = t.split(" ms")[0]
        if "of CPU" in t:
            slice_cpu = t.split(", ")[1].split(" ms")[0]
size = os.path.getsize(bview)
row("table dump of 10 full tables: routes", ans["routes"])
row("  wall time", "%.2f" % dt, "s")
row("  size (plain)", "%.0f" % (size / 1e6), "MB")
row("  worst loop stall while dumping: wall / loop CPU",
    "%s / %s" % (stall, stall_cpu), "ms")
row("  longest slice: wall / thread CPU", "%s / %s" % (slice_wall, slice_cpu),
    "ms")


# One small region, as users replay an outage (docs/replay.md: KP).
KP = ('region "KP" {\n prefix 175.45.176.0/22\n origin-as 131279\n'
      ' hold-down 30s\n}\n')


def replay(files, tag, cpus=None, wall=False, regions=""):
    """Records replayed and the CPU time (or with wall, the wall time);
    on cpus (a set) if given, else pinned as the receivers are."""
    conf = os.path.join(work, tag + ".conf")
    with open(conf, "w") as f:
        f.write("local-as 65000\nrouter-id 192.0.2.254\n" + regions)
    errp = os.path.join(work, tag + ".log")
    pre = pin("receiver")
    if cpus is not None:
        def pre():
            os.sched_setaffinity(0, cpus)
    with open(errp, "w") as err:
        t0 = time.monotonic()
        p = subprocess.Popen([os.path.join(build, "bgpwatchd"), "-d", "-f",
                              conf, "-r"] + files, stdout=subprocess.DEVNULL,
                             stderr=err, preexec_fn=pre)
        _, _, ru = os.wait4(p.pid, 0)
        t1 = time.monotonic()
        p.returncode = 0
    # CPU time: the machine may be shared, wall time would measure that.
    dt = ru.ru_utime + ru.ru_stime
    if wall:
        dt = t1 - t0
    n = 0
    for line in open(errp):
        if "replay:" in line and "records" in line:
            n = int(line.split("replay:")[1].split()[0])
    return n, dt


def replays(files, tag, cpus=None, wall=False, regions=""):
    # The median of 3 (CPU time, or wall).
    v = sorted(replay(files, tag, cpus, wall, regions) for _ in range(3))
    return v[1][0], sorted(x[1] for x in v)[1]


n, dt = replays([bview], "replay-bview")
row("replay of that dump: MRT records (RIB records of 10 entries)", n)
row("  CPU time", "%.2f" % dt, "s")
row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
row("  routes/s (CPU time)", "%.0f" % (ans["routes"] / dt))
n, dt = replays([bview], "replay-bview-kp", regions=KP)
row("  the same with one small region (KP): CPU time", "%.2f" % dt, "s")
row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
if upd:
    n, dt = replays(upd, "replay-upd")
    row("replay of the full-table updates file: records", n)
    row("  CPU time", "%.2f" % dt, "s")
    row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
    row("  prefixes/s (CPU time; 577,737 announced)", "%.0f" % (577737 / dt))
    n, dt = replays(upd, "replay-upd-kp", regions=KP)
    row("  the same with one small region (KP): CPU time", "%.2f" % dt,
        "s")
    row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
if upd:
    import bz2
    bzupd = os.path.join(work, "replay-upd.bz2")
    with open(bzupd, "wb") as dst:
        for path in upd:
            with open(path, "rb") as src:
                dst.write(bz2.compress(src.read(), 9))
    one = os.sched_getaffinity(0)
    mine = set(list(one)[:1]) if pin("receiver") is None else None
    n, dt1 = replays([bzupd], "replay-bz2", mine, wall=True)
    n, dt2 = replays([bzupd], "replay-bz2", one, wall=True)
    row("the same as bzip2 (RouteViews' format), wall: one core (in place) "
        "/ %d cores (read ahead)" % len(one), "%.2f / %.2f" % (dt1, dt2),
        "s (%.2fx)" % (dt1 / dt2 if dt2 > 0 else 0))
gzupd = sorted(glob.glob(os.path.join(work, "load-gzip-0", "updates.*")))
if gzupd:
    n, dt = replays(gzupd, "replay-gzupd")
    row("the same written with compress gzip: CPU time", "%.2f" % dt, "s")
    row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
n, dt = replays([os.path.join(data, "updates.20160811.1600.gz")] * 20,
                "replay-ris")
row("replay of RIS updates (updates.20160811.1600 x 20): records", n)
row("  CPU time", "%.2f" % dt, "s")
row("  records/s (CPU time)", "%.0f" % (n / dt), "(target 1000000)")
n, dt = replays([os.path.join(data, "updates.20160811.1600.gz")] * 20,
                "replay-ris-kp", regions=KP)
row("  the same with one small region (KP): records/s (CPU time)",
    "%.0f" % (n / dt), "(target 1000000)")
# The same twenty as bzip2: each read ahead, the next opened early.
import bz2  # noqa: E402
import gzip  # noqa: E402
risbz = os.path.join(work, "ris.bz2")
with gzip.open(os.path.join(data, "updates.20160811.1600.gz"), "rb") as src, \
        open(risbz, "wb") as dst:
    dst.write(bz2.compress(src.read(), 9))
one = os.sched_getaffinity(0)
mine = set(list(one)[:1]) if pin("receiver") is None else None
n, dt1 = replays([risbz] * 20, "replay-risbz", mine, wall=True)
n, dt2 = replays([risbz] * 20, "replay-risbz", one, wall=True)
row("  the same as bzip2, wall: one core (in place) / %d cores (read "
    "ahead, the next file opened early)" % len(one),
    "%.2f / %.2f" % (dt1, dt2), "s (%.2fx)" % (dt1 / dt2 if dt2 > 0 else 0))
