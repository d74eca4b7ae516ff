#!/usr/bin/python3
"""
Reloads beside a full table with every country watched: one peer
(127.0.7.89) holds the real 2015 RIS full table (577,703 routes); the
regions are every country of five generated RIR statistics files
(tests/tools/mkrirstats.py, 35 MB), a `prefix` line and two origin-AS
regions of ASes that originate routes of the table (AS 15169, AS 3356).
Then:

1. a reload that changes nothing: the statistics are not read again
   and the regions' index is kept, nothing is learned from the RIB again
   (before, `detect_configure` parsed the files, built the index and
   walked the whole table in the control callback);
2. a reload that adds a region (origin-as 174) and changes a threshold:
   the index is built again (from the statistics already read) on a
   thread while the regions before answer, swapped in by `detect_run`,
   the routes in the RIB are learned in slices of it, and no region is
   judged before all of them are.

3. a reload whose statistics changed (a line appended to APNIC's file,
   of space no region has): the files are read on a thread before
   anything of the reload is applied (before, in the control callback:
   0.3 s of the loop's CPU, over 1 s under SAN), bgpwatchctl answered
   when it is over;
4. a reload that adds a region with a statistics file broken: refused,
   bgpwatchctl told "FILE:LINE: message", the regions as before (the
   added one absent, the members the same), no event.

After each: no prefix_withdrawn and no region event but the new
region's region_up in the event log, every region up, the members as
before (and the new region's), the table intact; and the loop's
longest stall since the reload (`show status`: the part of it the
daemon ran, `max_stall_cpu_ms`) under RELOAD_MAX_STALL_CPU_MS (default
60 ms, 200 ms under SAN=1) for both.  A walk of the table with every
country watched is over it, and so is the index of every country built
in the control callback (0.2-0.45 s; over 1 s under SAN=1).

    reload.py BUILD
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flib                                     # noqa: E402
from flib import Lab, ok, wait_for              # noqa: E402

MRT = os.path.join(os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    "..", "shared", "data", "mrt")), "updates.et-header.2015.gz")
MRT_ROUTES = 577703
MRT_AS = 3856
FULL = "127.0.7.89"
MAX_CPU = float(os.environ.get("RELOAD_MAX_STALL_CPU_MS",
                               "200" if flib.sanitized() else "60"))
MKRIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "tools", "mkrirstats.py")
REGIONS = '''
region "KP" {
    prefix 175.45.176.0/22
    hold-down 1s
}
region "GOOGLE" {
    origin-as 15169
    hold-down 1s
}
region "LEVEL3" {
    origin-as 3356
    hold-down 1s
}
'''
ADDED = '''
region "COGENT" {
    origin-as 174
    hold-down 1s
}
'''


def every_country(d):
    """rir-stats lines and a region per country of the files in d."""
    out, seen = [], set()
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        out.append('rir-stats "%s"' % path)
        with open(path) as f:
            for line in f:
                x = line.split("|")
                if len(x) > 2 and len(x[1]) == 2 and x[1].isupper() and \
                        x[1] != "ZZ" and x[1] not in seen:
                    seen.add(x[1])
                    out.append('region "CC-%s" {\n    country %s\n    '
                               'hold-down 1s\n}' % (x[1], x[1]))
    return "\n".join(out) + "\n", len(seen)


def regions(bw):
    return {r["name"]: r for r in bw.ctl("show", "regions")["regions"]}


def reload(bw, extra, what, bound, expect_up=(), refused=None):
    """
    Reloads with extra; checks events, regions and the stall.  refused:
    the error bgpwatchctl must report instead.
    """
    mark = len(bw.events())
    bw.extra = extra
    bw.write_config()
    bw.ctl("show", "status", "reset")
    r = bw.ctl_raw("reload", json_out=False, check=refused is None)
    if refused is not None:
        want = "bgpwatchctl: reload failed: %s\n" % refused
        if r.returncode == 0 or r.stderr != want:
            raise AssertionError("%s: exit %d, %r (expected %r)"
                                 % (what, r.returncode, r.stderr, want))
    elif r.stdout != "reload done\n":
        raise AssertionError("%s: answered %r" % (what, r.stdout))
    rg = wait_for(lambda: (lambda r: r if all(
        x["state"] == "up" and "pending" not in x for x in r.values())
        and len(r) >= NREG + len(expect_up) else None)(regions(bw)), 120,
        "every region up after %s" % what)
    time.sleep(2)                       # a hold-down more: nothing moves
    st = bw.ctl("show", "status")["loop"]
    bad = [e for e in bw.events()[mark:]
           if e["type"] == "prefix_withdrawn" or
           (e["type"].startswith("region_") and
            not (e["type"] == "region_up" and e["region"] in expect_up))]
    if bad:
        raise AssertionError("%s: %d unexpected events, the first %r"
                             % (what, len(bad), bad[0]))
    ups = [e["region"] for e in bw.events()[mark:]
           if e["type"] == "region_up"]
    if sorted(ups) != sorted(expect_up):
        raise AssertionError("%s: region_up of %r, expected %r"
                             % (what, ups, list(expect_up)))
    if bw.count(FULL)["routes"] != MRT_ROUTES:
        raise AssertionError("%s: the table hurt" % what)
    cpu = st.get("max_stall_cpu_ms", -1)
    print("%s: longest stall %.0f ms, %.0f ms of it running (load average "
          "%s)" % (what, st["max_stall_ms"], cpu,
                   " ".join(open("/proc/loadavg").read().split()[:3])),
          flush=True)
    if cpu > bound:
        raise AssertionError("%s: the loop ran %.0f ms without a break "
                             "(bound %.0f ms)" % (what, cpu, bound))
    return rg


NREG = 3


def same(got, before, what):
    """
    The members of every region as before: exactly for the `prefix` and
    origin-AS regions; a country may have lost the few prefixes that
    were routed during the load and gone before the table was learned
    again (members stay members until the index is built again).
    """
    diff = {k: (got.get(k), n) for k, n in before.items()
            if got.get(k) != n and (not k.startswith("CC-") or
                                    not n - 2 <= got.get(k, -9) <= n)}
    if diff:
        raise AssertionError("%s: members (now, before) %r" % (what, diff))


def main():
    global NREG
    os.environ["BUILD"] = sys.argv[1] if len(sys.argv) > 1 else "build"
    lab = Lab("reload")
    failed = True
    try:
        if not os.path.exists(MRT):
            raise AssertionError("no %s (set BGPWATCH_MRT_DATA)" % MRT)
        rir = lab.path("rir")
        flib.run(["/usr/bin/python3", MKRIR, rir], timeout=300)
        countries, n = every_country(rir)
        NREG = 3 + n
        conf = countries + REGIONS
        bw = flib.daemon(lab, 74, conf, [(FULL, MRT_AS, "passive")])
        bw.start()
        full = lab.start("full", [flib.lib.BGPFEED, "--mrt", MRT,
                                  "--bind", FULL, "--quiet", "--hold",
                                  "forever", "%s:%d" % (flib.ADDR, bw.port)],
                         log=lab.path("full.log"))
        wait_for(lambda: bw.nb(FULL) and
                 bw.nb(FULL)["eor"]["ipv4"] is not None and
                 bw.count(FULL)["routes"] == MRT_ROUTES, 600,
                 "%d routes and End-of-RIB from %s" % (MRT_ROUTES, FULL))
        rg = wait_for(lambda: (lambda r: r if all(
            x["state"] == "up" for x in r.values()) else None)(regions(bw)),
            120, "the regions up")
        npfx = {k: v["prefixes_total"] for k, v in rg.items()}
        if min(npfx["GOOGLE"], npfx["LEVEL3"]) == 0:
            raise AssertionError("origin-AS regions without members: %r"
                                 % npfx)

        rg = reload(bw, conf, "a reload that changes nothing", MAX_CPU)
        got = {k: v["prefixes_total"] for k, v in rg.items()}
        if got != npfx:
            raise AssertionError("members changed: %r"
                                 % {k: (got.get(k), npfx[k]) for k in npfx
                                    if got.get(k) != npfx[k]})
        rg = reload(bw, countries + REGIONS.replace(
            "hold-down 1s\n}\n", "hold-down 2s\n}\n", 1) + ADDED,
            "a reload that adds a region", MAX_CPU, expect_up=("COGENT",))
        got = {k: v["prefixes_total"] for k, v in rg.items()}
        same(got, npfx, "after learning the table again")
        if got["COGENT"] == 0:
            raise AssertionError("COGENT learned no prefix")
        cur = got
        apnic = os.path.join(rir, "delegated-apnic-extended-latest")
        with open(apnic) as f:
            nlines = sum(1 for _ in f)
        with open(apnic, "a") as f:
            f.write("apnic|AU|ipv4|203.0.113.0|256|20261207|available\n")
        conf2 = countries + REGIONS.replace(
            "hold-down 1s\n}\n", "hold-down 2s\n}\n", 1) + ADDED
        rg = reload(bw, conf2, "a reload whose statistics changed",
                    MAX_CPU)
        same({k: v["prefixes_total"] for k, v in rg.items()}, cur,
             "after the statistics were read again")
        with open(apnic, "a") as f:
            f.write("apnic|AU|ipv4|203.0.113.0|256|20261207|allocatd\n")
        rg = reload(bw, conf2 + 'region "BROKEN" {\n    origin-as 1299\n'
                    '}\n', "a reload with a broken statistics file",
                    MAX_CPU, refused='%s:%d: unknown status "allocatd"'
                    % (apnic, nlines + 2))
        got = {k: v["prefixes_total"] for k, v in rg.items()}
        if got != cur:
            raise AssertionError("refused reload: regions changed: %r"
                                 % set(got).symmetric_difference(cur))
        ok("reloads beside %d routes, %d regions: no false event, "
           "regions learned (%d country members; %r)"
           % (MRT_ROUTES, NREG + 1,
              sum(v for k, v in got.items() if k.startswith("CC-")),
              {k: v for k, v in got.items() if not k.startswith("CC-")}))
        full.stop()
        bw.stop()
        failed = False
    finally:
        lab.close(failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
