"""
FRR (Debian's 8.4, bgpd -M bmp) fed the 2015 full table and 6 RIS peers,
exporting pre-policy BMP to bgpwatchd, on 127.0.2.100-119 ports
32100-32119:

  exabgp 127.0.2.103 (AS 65103)              --BGP--> FRR 127.0.2.101
  bgpfeed 127.0.2.104 (2015 table, AS 3856)  --BGP-->     (AS 65101)
  bgpfeed 127.0.2.105..110 (IPv4 RIS peers of
          updates.20160811.1600.gz)          --BGP-->
  bgpwatchd 127.0.2.100 connects to FRR's BMP listener 127.0.2.101:32110.

test_1, the refused-route case (small, ExaBGP): FRR 8.4's pre-policy
Route Monitoring misses what happens to a route FRR refuses on input
(here an AS-path loop: its own AS 65101 in the path).  The route stays in
FRR's Adj-RIB-In (received-routes), but bgp_bmp.c's queue looks the
prefix up with bgp_node_lookup(), which returns nothing for a node that
holds no path, only an Adj-RIB-In entry: a new refused route goes out as
a pre-policy withdrawal, and the withdrawal of a refused route (which
never reaches the RIB) calls no hook at all, so nothing goes out.  The
table sync of a new BMP session walks every node and does export the
Adj-RIB-In: after a reconnect our view equals received-routes again.
Asserted message by message (Route Monitoring counts of the peer).

test_2, the full table: every monitored peer's table (ours, `show rib
... view pre-policy`) equals FRR's Adj-RIB-In of that peer
(received-routes) prefix by prefix with AS path and origin, except the
routes FRR refused (their paths hold 65101: 7 routes of the 2015 table),
which FRR never exports live (above).  FRR's Route Monitoring UPDATEs
carry its own AS first (the outbound serializer, fixed upstream in FRR
PR 21815): every path of ours must be FRR's with 65101 prepended, or
every path must be FRR's as it is (a fixed FRR), never a mix.  The full
peer's received-routes is read as vtysh text (1 s of FRR's CPU; its JSON
takes 16 s and 190 MB), parsed by column, every line checked against the
fixed layout.  Then kill -9 of FRR: peer_down "bmp session lost" for
every monitored peer, no prefix_withdrawn, nothing left.
"""
import json
import os
import re
import resource
import subprocess
import time
import types

from lib import BGPFEED, BGPWATCHCTL, Bgpwatchd, ExaBGP, LabTest, run, \
    wait_for

BW = "127.0.2.100"
FRR = "127.0.2.101"
EXA = "127.0.2.103"
FULL_SRC = "127.0.2.104"
RIS0 = 105              # 127.0.2.105 ...
BW_BGP_PORT = 32100
FRR_PORT = 32101
FRR_BMP_PORT = 32110
FRR_AS = 65101          # in 7 paths of the 2015 table: refused (loop)
EXA_AS = 65103
NH = "192.0.2.103"
DATA = os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
    "data", "mrt"))
RIS_MRT = os.path.join(DATA, "updates.20160811.1600.gz")
FULL_MRT = os.path.join(DATA, "updates.et-header.2015.gz")
FULL_PEER = ("206.220.231.55", 3856)
# IPv4 RIS peers only: the IPv6 ones send link-local next hops, which
# FRR 8.4 over an IPv4 session treats as withdrawn and then resets the
# session ("wrong prefix length 48 for afi 1", Invalid network field).
RIS_PEERS = [("37.49.236.123", 198290), ("37.49.236.71", 34019),
             ("37.49.236.145", 49463), ("37.49.236.228", 24482),
             ("37.49.232.7", 8218), ("37.49.236.32", 34177)]
REGION = ["1.0.0.0/24", "8.8.8.0/24", "193.0.0.0/21"]

# vtysh's text received-routes (bgp_route.c route_vty_out_tmp): status
# (3), prefix (17, or alone on its line and the rest on the next one
# after 20 blanks), next hop (16), MED (10), LocPrf (7), Weight (7), a
# blank, the AS path and a blank when not empty, the origin code.
FRR_LINE = re.compile(r"^[ *>sdhi=rSR]{3}(\d+\.\d+\.\d+\.\d+/\d+)")
FRR_COLS = re.compile(r"[ \d]{10}[ \d]{7}[ \d]{7} ")


def frr_text_routes(text):
    """[{prefix: (AS path, origin char)}, ...]: one per received-routes
    listing in vtysh's text (IPv4 next hops), each ended by its "Total
    number of prefixes" line.  Raises ValueError on any line off the
    layout or a count that differs."""
    out, routes, pending = [], {}, None
    for line in text.splitlines():
        if pending is None:
            m = FRR_LINE.match(line)
            if not m:
                if line.startswith("Total number of prefixes"):
                    if int(line.split()[-1]) != len(routes):
                        raise ValueError("%r, %d parsed" % (line,
                                                            len(routes)))
                    out.append(routes)
                    routes = {}
                continue
            pfx = m.group(1)
            if len(line.rstrip()) <= 3 + len(pfx):
                pending = pfx
                continue
        else:
            pfx, pending = pending, None
            if line[:20].strip():
                raise ValueError("not a continuation: %r" % line)
        if not FRR_COLS.fullmatch(line[36:61]) or line[-1] not in "ie?":
            raise ValueError("off the layout: %r" % line)
        if pfx in routes:
            raise ValueError("twice: %r" % line)
        routes[pfx] = (line[61:-1].strip(), line[-1])
    if routes or pending:
        raise ValueError("a listing without its total")
    return out


def ours_text_routes(text):
    """{neighbor: {prefix: (AS path, origin char)}} of bgpwatchctl's
    text show rib (no ADD-PATH): flags, prefix, neighbor, gateway,
    lpref, med, the AS path, the origin, communities in brackets."""
    routes = {}
    lines = text.splitlines()
    start = [i for i, x in enumerate(lines)
             if x.startswith("flags destination")]
    for line in lines[start[0] + 1 if start else len(lines):]:
        t = line.split()
        if t[0] == "S":
            raise ValueError("stale route: %r" % line)
        rest = t[5:]
        k = [i for i, x in enumerate(rest) if x in ("i", "e", "?")][0]
        nb = routes.setdefault(t[1], {})
        if t[0] in nb:
            raise ValueError("twice: %r" % line)
        nb[t[0]] = (" ".join(rest[:k]), rest[k])
    return routes


def pid_cpu(pid):
    """User + system CPU seconds of a live process (/proc)."""
    with open("/proc/%d/stat" % pid) as f:
        x = f.read().rsplit(")", 1)[1].split()
    return (int(x[11]) + int(x[12])) / os.sysconf("SC_CLK_TCK")


def has_as(path, asn):
    a = str(asn)
    return a in path and a in re.split(r"[ {},()\[\]]+", path)


class Frr:
    def __init__(self, lab, peers):
        self.lab = lab
        self.dir = lab.path("frr")
        os.makedirs(self.dir)
        nb = []
        af4 = []
        for src, asn in peers:
            nb.append(" neighbor %s remote-as %d\n neighbor %s passive\n"
                      " neighbor %s update-source %s\n"
                      % (src, asn, src, src, FRR))
            # Not re-advertising 580k routes to every other peer saves
            # FRR a third of its CPU; nothing here looks at it.
            af4.append("  neighbor %s soft-reconfiguration inbound\n"
                       "  neighbor %s route-map NONE out\n" % (src, src))
        self.conf = os.path.join(self.dir, "frr.conf")
        # log critical: without zebra (-Z) bgpd logs an error per path
        # it cannot register for next-hop tracking (580k lines, CPU).
        with open(self.conf, "w") as f:
            f.write("""frr defaults traditional
hostname r101
log stdout critical
!
route-map NONE deny 1
!
router bgp {las}
 bgp router-id {frr}
 no bgp ebgp-requires-policy
{nb} address-family ipv4 unicast
{af4} exit-address-family
 !
 bmp targets bw
  bmp listener {frr} port {bport}
  bmp monitor ipv4 unicast pre-policy
 exit
!
""".format(las=FRR_AS, frr=FRR, nb="".join(nb), af4="".join(af4),
           bport=FRR_BMP_PORT))
        self.proc = lab.start("frr", [
            "/usr/lib/frr/bgpd", "-S", "-Z", "-M", "bmp", "-l", FRR,
            "-p", str(FRR_PORT), "-P", "0", "-f", self.conf,
            "--vty_socket", self.dir, "-i", os.path.join(self.dir, "pid")])
        wait_for(lambda: self.summary() is not None, 20, "FRR's vty")

    def vtysh(self, *cmds, timeout=120):
        argv = ["vtysh", "--vty_socket", self.dir]
        for c in cmds:
            argv += ["-c", c]
        return run(argv, timeout=timeout, check=False).stdout

    def summary(self):
        """{peer: accepted prefixes} of the established sessions, or
        None."""
        try:
            j = json.loads(self.vtysh("show bgp ipv4 unicast summary json"))
        except ValueError:
            return None
        return {p: v.get("pfxRcd") or 0
                for p, v in (j.get("peers") or {}).items()
                if v.get("state") == "Established"}

    def received_json(self, peer):
        """{prefix: (AS path, origin char)} of received-routes JSON."""
        try:
            j = json.loads(self.vtysh(
                "show bgp ipv4 unicast neighbors %s received-routes json"
                % peer))
        except ValueError:
            return None
        return {p: ((v.get("path") or "").strip(), v.get("bgpOriginCode"))
                for p, v in (j.get("receivedRoutes") or {}).items()}

    def received_cmds(self, peers):
        """The vtysh command line of every peer's text received-routes
        (read by frr_text_routes(): 1 s of FRR's CPU for the full table,
        where the JSON takes 16 s and 190 MB)."""
        argv = ["vtysh", "--vty_socket", self.dir]
        for p in peers:
            argv += ["-c", "show bgp ipv4 unicast neighbors %s "
                     "received-routes" % p]
        return argv


class TestBmpFullTableFrr(LabTest):

    def setUp(self):
        super().setUp()
        self.evlog = self.lab.path("events.mpk")
        self.bw = Bgpwatchd(self.lab, listen=BW, port=BW_BGP_PORT,
                            router_id=BW)
        self.bw.extra = self.bw_conf(True)
        try:
            self.bw.start()
        except BaseException:
            self.lab.close(True)        # tearDown does not run
            raise

    def bw_conf(self, with_router):
        return """eligible-after 2s
events {
    log "%s"
}
region "F" {
%s
    hold-down 1s
}
bmp {
%s
}
""" % (self.evlog, "\n".join("    prefix %s" % p for p in REGION),
            """    router %s {
        description "frr r101"
        connect port %d
    }""" % (FRR, FRR_BMP_PORT) if with_router else "")

    def ours_cmd(self, peer=None):
        return [BGPWATCHCTL, "-s", self.bw.sock, "show", "rib", "router",
                FRR] + (["neighbor", peer] if peer else []) + [
                "view", "pre-policy"]

    def ours(self, peer):
        return ours_text_routes(run(self.ours_cmd(peer), timeout=300)
                                .stdout).get(peer, {})

    def bmp_peers(self):
        return {p["address"]: p for r in self.bw.ctl("show", "bmp")["routers"]
                if r["address"] == FRR for p in r["peers"]}

    def rm_count(self, peer):
        return (self.bmp_peers().get(peer) or {}).get("route_monitoring")

    def events(self, since=0, **match):
        evs = self.bw.events()[since:]
        return [e for e in evs if all(e.get(k) == v
                                      for k, v in match.items())]

    def bmp_up(self):
        wait_for(lambda: any(r["address"] == FRR and r["state"] == "up"
                             for r in self.bw.ctl("show", "bmp")["routers"]),
                 30, "FRR's BMP session up")

    def test_1_refused_route(self):
        """FRR 8.4 exports no pre-policy Route Monitoring for what
        happens to a route it refused on input; its table sync does."""
        frr = Frr(self.lab, [(EXA, EXA_AS)])
        exa = ExaBGP(self.lab, "exabgp", EXA, EXA_AS, types.SimpleNamespace(
            listen=FRR, port=FRR_PORT, local_as=FRR_AS))
        exa.start()
        self.bmp_up()
        wait_for(lambda: EXA in self.bmp_peers(), 30, "exabgp's Peer Up")
        a, b, m = "10.103.1.0/24", "10.103.2.0/24", "10.103.9.0/24"

        def ann(p, path):
            return ("announce route %s next-hop %s origin igp as-path [ %s ]"
                    % (p, NH, path))

        def marker(path):
            # UPDATEs of one peer leave FRR's BMP queue in order: once the
            # marker's new path is here, whatever came before it is too.
            exa.send(ann(m, path))
            wait_for(lambda: self.ours(EXA).get(m, ("",))[0].endswith(
                path), 20, "marker %s" % path)

        def step(cmd, at_frr, what):
            """Route Monitoring messages that cmd caused (marker's
            excepted), once FRR's Adj-RIB-In shows it (at_frr)."""
            n = self.rm_count(EXA)
            exa.send(cmd)
            wait_for(lambda: at_frr(received()), 20, what)
            marker("65103 %d" % (len(marks) + 1))
            marks.append(cmd)
            return self.rm_count(EXA) - n - 1

        def received():
            return frr.received_json(EXA) or {}
        marks = []
        loop = "65103 %d" % FRR_AS
        marker("65103")
        # 1. A route FRR accepts: one message, the route.
        self.assertEqual(step(ann(a, "65103 8"), lambda r: a in r,
                              "route a at FRR"), 1)
        self.assertEqual(self.ours(EXA)[a][0].split()[-2:], ["65103", "8"])
        # 2. The same prefix with a path FRR refuses (its own AS): the
        #    RIB loses a path, so messages go out (bgpd calls the hook up
        #    to three times; the queue may merge them): the Adj-RIB-In
        #    path, or a withdrawal when FRR's work queue had already
        #    reaped the removed path (the node then holds none).
        self.assertGreaterEqual(step(ann(a, loop), lambda r: r.get(
            a, ("",))[0] == loop, "refused path of a at FRR"), 1)
        step2 = self.ours(EXA).get(a)
        self.assertIn(step2, (None, ("%d %s" % (FRR_AS, loop), "i"),
                              (loop, "i")))
        # 3. Its withdrawal: FRR's Adj-RIB-In drops it, and nothing goes
        #    out (bgp_withdraw finds no path in the RIB: no hook call).
        self.assertEqual(step("withdraw route %s next-hop %s" % (a, NH),
                              lambda r: a not in r, "a withdrawn at FRR"),
                         0)
        self.assertEqual(self.ours(EXA).get(a), step2)
        # 4. A new prefix refused at once: in FRR's Adj-RIB-In; one
        #    message goes out, a withdrawal (the BMP queue's lookup finds
        #    no path at the node and ignores its Adj-RIB-In entry).
        self.assertEqual(step(ann(b, loop), lambda r: b in r,
                              "refused route b at FRR"), 1)
        self.assertNotIn(b, self.ours(EXA))
        self.assertEqual(frr.summary().get(EXA), 1, "FRR's RIB: the marker")
        # 5. A new BMP session: FRR's table sync walks every node,
        #    Adj-RIB-In entries too: b is exported, a is not there.
        self.bw.extra = self.bw_conf(False)
        self.bw.write_config()
        self.bw.reload()
        wait_for(lambda: not self.bmp_peers(), 10, "router removed")
        self.bw.extra = self.bw_conf(True)
        self.bw.write_config()
        self.bw.reload()
        self.bmp_up()
        want = received()
        got = wait_for(lambda: (lambda o: o if len(o) == len(want) else None)(
            self.ours(EXA)), 30, "the table sync")
        self.assertEqual(set(got), {b, m})
        self.assertIn(got[b], (("%d %s" % (FRR_AS, loop), "i"), (loop, "i")))
        print("refused route: step 2 exported %s; withdrawal not exported; "
              "new refused route exported as a withdrawal; table sync "
              "exports it" % ("the refused path" if step2 else
                              "a withdrawal"))
        self.bw.stop()

    def test_2_full_table(self):
        t0 = time.monotonic()
        peers = [(FULL_SRC, FULL_PEER[1])] + [
            ("127.0.2.%d" % (RIS0 + i), asn)
            for i, (_, asn) in enumerate(RIS_PEERS)]
        frr = Frr(self.lab, peers)
        self.bmp_up()
        feeds = [(FULL_PEER[0], FULL_PEER[1], FULL_SRC, FULL_MRT)] + [
            (a, asn, "127.0.2.%d" % (RIS0 + i), RIS_MRT)
            for i, (a, asn) in enumerate(RIS_PEERS)]
        procs, restarts = {}, []

        def feed(mrtpeer, asn, src, mrt):
            procs[src] = (self.lab.start("bgpfeed-%s" % src, [
                BGPFEED, "--mrt", mrt, "--peer", mrtpeer, "--bind", src,
                "--remote-as", str(FRR_AS), "--hold", "forever", "--quiet",
                "%s:%d" % (FRR, FRR_PORT)]), (mrtpeer, asn, src, mrt))
        for f in feeds:
            feed(*f)

        # Loaded: every session up, FRR's accepted counts still over two
        # polls, and our views as large (FRR's RIB, not its Adj-RIB-In:
        # refused routes are not exported).  FRR 8.4 once closed a RIS
        # peer's session seconds after it came up, without a
        # NOTIFICATION and with nothing in its log (1 CI run in 12):
        # bgpfeed does not reconnect, so its feed starts again here (at
        # most twice per peer); FRR flushes the peer and BMP says so,
        # and the comparison below is of the views after it.
        last = [None]

        def loaded():
            for src, (pr, args) in list(procs.items()):
                if not pr.alive():
                    if restarts.count(src) >= 2:
                        raise AssertionError("bgpfeed %s ended 3 times"
                                             % src)
                    restarts.append(src)
                    print("bgpfeed %s ended (FRR closed its session): "
                          "started again" % src)
                    feed(*args)
            theirs = frr.summary()
            ours = {a: sum(p["prefixes"].values())
                    for a, p in self.bmp_peers().items()}
            ok = theirs and len(theirs) == len(peers) and theirs == ours \
                and theirs == last[0]
            last[0] = theirs
            return ok
        wait_for(loaded, 600, "FRR loaded and our views as large",
                 interval=1)
        t_loaded = time.monotonic() - t0

        # Prefix by prefix, with AS path and origin.  Debian's FRR 8.4
        # prepends its AS to every path it exports; a fixed FRR (PR
        # 21815) would not: either is accepted, a mix is not.
        rounds = []
        modes = set()

        def compare():
            rounds.append(time.monotonic())
            bad, self.sizes, self.refused = [], {}, {}
            modes.clear()
            # FRR's listings and ours, fetched side by side.
            srcs = [src for src, _ in peers]
            procs = [subprocess.Popen(argv, stdout=subprocess.PIPE,
                                      stdin=subprocess.DEVNULL, text=True)
                     for argv in (frr.received_cmds(srcs), self.ours_cmd())]
            outs = [p.communicate(timeout=300)[0] for p in procs]
            adjs = frr_text_routes(outs[0])
            if len(adjs) != len(srcs):
                return None
            all_ours = ours_text_routes(outs[1])
            for src, adj in zip(srcs, adjs):
                refused = {p for p, (a, _) in adj.items()
                           if has_as(a, FRR_AS)}
                ours = all_ours.get(src, {})
                mine = {p: v for p, v in adj.items() if p not in refused}
                pre = {p: (("%d %s" % (FRR_AS, a)).strip(), o)
                       for p, (a, o) in mine.items()}
                if ours == pre:
                    modes.add("with FRR's AS prepended")
                elif ours == mine:
                    modes.add("as received")
                else:
                    diff = [(p, ours.get(p), pre.get(p))
                            for p in set(ours) | set(pre)
                            if ours.get(p) != pre.get(p)]
                    bad.append((src, len(ours), len(mine), diff[:3]))
                self.sizes[src] = len(ours)
                if src == FULL_SRC:
                    self.full_prefixes = set(ours)
                self.refused[src] = sorted(refused)
            self.bad = bad or (len(modes) != 1 and modes)
            return not self.bad
        self.bad = None
        try:
            wait_for(compare, 300, "our views = FRR's Adj-RIBs-In",
                     interval=1)
        except AssertionError:
            raise AssertionError("views differ: %s" % self.bad)
        t_compared = time.monotonic() - t0
        self.assertGreater(self.sizes[FULL_SRC], 577000)
        self.assertGreater(sum(self.sizes.values()), 580000)
        self.assertTrue(all(self.sizes.values()), self.sizes)
        # The 2015 table has FRR's AS in 7 paths: refused, in FRR's
        # Adj-RIB-In, never exported live.
        self.assertEqual(len(self.refused[FULL_SRC]), 7,
                         self.refused[FULL_SRC])
        self.assertEqual(frr.summary()[FULL_SRC], self.sizes[FULL_SRC])
        # Region F's prefixes are seen through the full peer (the RIS
        # peers carry 15 minutes of changes, not these prefixes), and
        # every monitored peer is eligible: a withdrawal of them would be
        # a prefix_withdrawn event.
        self.assertTrue(set(REGION) <= self.full_prefixes)
        self.assertTrue(all(p["eligible"] for p in self.bmp_peers().values()))
        cpu = "CPU: FRR %.1f s, bgpwatchd %.1f s, this script %.1f s, " \
            "vtysh and bgpwatchctl %.1f s" % (
                pid_cpu(frr.proc.pid), pid_cpu(self.bw.proc.pid),
                sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
                sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]))

        # kill -9 of FRR: peer_down for every monitored peer, no
        # prefix_withdrawn, nothing left.
        mark = len(self.events())
        npeers = len(self.bmp_peers())
        self.assertEqual(npeers, len(peers))
        frr.proc.kill9()
        downs = wait_for(lambda: (lambda d: d if len(d) >= npeers else None)(
            self.events(mark, type="peer_down")), 60,
            "peer_down for each monitored peer")
        self.assertEqual(sorted(e["peer"]["address"] for e in downs),
                         sorted(src for src, _ in peers))
        self.assertTrue(all(e["reason"] == "bmp session lost" and
                            e["peer"]["router"]["address"] == FRR
                            for e in downs), downs[:2])
        wait_for(lambda: self.bw.ctl("show", "rib", "count")["routes"] == 0,
                 60, "every route gone")
        self.assertEqual(self.events(mark, type="prefix_withdrawn"), [])
        self.bw.stop()
        print("FRR full table: %d peers, %d routes (full peer %d, refused "
              "%d), AS path %s; loaded in %.0f s, compared in %.0f s (%d "
              "rounds), %.0f s in all; %s; load %s" % (
                  len(peers), sum(self.sizes.values()),
                  self.sizes[FULL_SRC], len(self.refused[FULL_SRC]),
                  modes.pop(), t_loaded, t_compared - t_loaded,
                  len(rounds),
                  time.monotonic() - t0, cpu,
                  " ".join(open("/proc/loadavg").read().split()[:3])))
