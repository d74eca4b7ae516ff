"""
BMP-monitored peers in the MRT updates archive, on 127.0.2.x ports
32060-32069:

  exabgp 127.0.2.64 (AS 65064) --BGP--> FRR 127.0.2.62 (AS 65062, -M bmp)
  bgpfeed 127.0.2.65 (one RIS peer, AS 49463) --BGP--> FRR
  bgpwatchd 127.0.2.61 connects to FRR's BMP listener 127.0.2.62:32070,
  with an `mrt { updates ... }` block.

Every Route Monitoring UPDATE of a monitored peer is archived like a BGP
peer's: `bgpdump -m` of the archive gives, per monitored peer (its
address and AS from the per-peer header), exactly the prefixes and AS
paths FRR holds for it (vtysh received-routes JSON; Debian's FRR
prepends its own AS in Route Monitoring, FRR PR 21815), and the BGP4MP
record's local side is the router (Peer Up local address, the AS of the
router's sent OPEN).  A table dump (`bgpwatchctl dump table`) taken
while FRR's tables are loaded has the monitored peers in its peer index
(address and AS from the per-peer header) and, per peer, exactly the
same prefixes and AS paths, as bgpdump -m reads it.
"""
import glob
import json
import os
import subprocess
import types

from lib import BGPWATCHCTL, Bgpwatchd, ExaBGP, LabTest, run, wait_for

BW = "127.0.2.61"
FRR = "127.0.2.62"
EXA = "127.0.2.64"
RIS = "127.0.2.65"
BW_BGP_PORT = 32061
FRR_PORT = 32062
FRR_BMP_PORT = 32070
NH = "192.0.2.64"
ROUTES = {"10.64.1.0/24": "65064 64999", "10.64.2.0/24": "65064 64998 3",
          "10.64.3.0/24": "65064 4200000001"}
RIS_MRT = os.path.join(os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
    "data", "mrt")), "updates.20160811.1600.gz")


def frr_conf(d):
    path = os.path.join(d, "frr.conf")
    with open(path, "w") as f:
        f.write("""frr defaults traditional
hostname r62
log stdout informational
!
router bgp 65062
 bgp router-id {frr}
 no bgp ebgp-requires-policy
 neighbor {exa} remote-as 65064
 neighbor {exa} passive
 neighbor {exa} update-source {frr}
 neighbor {ris} remote-as 49463
 neighbor {ris} passive
 neighbor {ris} update-source {frr}
 address-family ipv4 unicast
  neighbor {exa} soft-reconfiguration inbound
  neighbor {ris} soft-reconfiguration inbound
 exit-address-family
 !
 bmp targets bw
  bmp listener {frr} port {bport}
  bmp monitor ipv4 unicast pre-policy
 exit
!
""".format(frr=FRR, exa=EXA, ris=RIS, bport=FRR_BMP_PORT))
    return path


class TestBmpMrt(LabTest):

    def frr_received(self, d, peer):
        r = run(["vtysh", "--vty_socket", d, "-c",
                 "show bgp ipv4 unicast neighbors %s received-routes json"
                 % peer], check=False)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            return {}
        out = {}
        for p, v in (j.get("receivedRoutes") or {}).items():
            out[p] = (v.get("path") or "").strip()
        return out

    def archive(self, d):
        """bgpdump -m of every update file: {(peer, as): {prefix: path}}
        (last announcement wins, withdrawals remove)."""
        tabs = {}
        for f in sorted(glob.glob(os.path.join(d, "updates.*"))):
            out = subprocess.run(["bgpdump", "-m", f], capture_output=True,
                                 text=True).stdout
            for line in out.splitlines():
                x = line.split("|")
                if len(x) < 6 or x[0] != "BGP4MP_ET" and x[0] != "BGP4MP":
                    continue
                t = tabs.setdefault((x[3], x[4]), {})
                if x[2] == "A":
                    t[x[5]] = x[6]
                elif x[2] == "W":
                    t.pop(x[5], None)
        return tabs

    def local_sides(self, d):
        """bgpdump's verbose FROM/TO lines of the first UPDATE records."""
        f = sorted(glob.glob(os.path.join(d, "updates.*")))[0]
        out = subprocess.run(["bgpdump", f], capture_output=True,
                             text=True).stdout
        pairs = set()
        frm = None
        for line in out.splitlines():
            if line.startswith("FROM:"):
                frm = line.split()[1:]
            elif line.startswith("TO:") and frm:
                pairs.add((tuple(frm), tuple(line.split()[1:])))
        return pairs

    def test_bmp_mrt(self):
        mrtdir = self.lab.path("mrt")
        os.makedirs(mrtdir)
        bw = Bgpwatchd(self.lab, listen=BW, port=BW_BGP_PORT, router_id=BW)
        bw.extra = """mrt {
    updates "%s/updates.%%Y%%m%%d.%%H%%M" rotate 5m
    compress none
}
bmp {
    router %s {
        description "frr r62"
        connect port %d
    }
}
""" % (mrtdir, FRR, FRR_BMP_PORT)
        bw.start()
        fd = self.lab.path("frr")
        os.makedirs(fd)
        self.lab.start("frr", [
            "/usr/lib/frr/bgpd", "-S", "-Z", "-M", "bmp", "-l", FRR,
            "-p", str(FRR_PORT), "-P", "0", "-f", frr_conf(fd),
            "--vty_socket", fd, "-i", os.path.join(fd, "pid")])
        exa = ExaBGP(self.lab, "exabgp", EXA, 65064, types.SimpleNamespace(
            listen=FRR, port=FRR_PORT, local_as=65062))
        exa.start()
        wait_for(lambda: any(r["address"] == FRR and r["state"] == "up"
                             for r in bw.ctl("show", "bmp")["routers"]),
                 30, "FRR's BMP session up")
        exa.send(*["announce route %s next-hop %s origin igp as-path [ %s ]"
                   % (p, NH, a) for p, a in ROUTES.items()])
        want = {EXA: ("65064", ROUTES)}
        if os.path.exists(RIS_MRT):
            self.lab.start("bgpfeed", [
                os.path.join(os.path.dirname(BGPWATCHCTL), "bgpfeed"),
                "--mrt", RIS_MRT, "--peer", "37.49.236.145", "--bind", RIS,
                "--local-as", "49463", "--remote-as", "65062", "--hold",
                "forever", "%s:%d" % (FRR, FRR_PORT)])
        # FRR's own view of each peer, once it is complete and stable.
        wait_for(lambda: self.frr_received(fd, EXA) == ROUTES, 30,
                 "FRR has exabgp's routes")
        if os.path.exists(RIS_MRT):
            def settled():
                a = self.frr_received(fd, RIS)
                if len(a) < 800:
                    return None
                c = bw.ctl("show", "rib", "count", "router", FRR,
                           "neighbor", RIS)
                return a if c["ipv4"] == len(a) and \
                    self.frr_received(fd, RIS) == a else None
            want[RIS] = ("49463", wait_for(settled, 45,
                                           "RIS peer's table settled"))
        wait_for(lambda: bw.ctl("show", "rib", "count", "router", FRR,
                                "neighbor", EXA)["ipv4"] == len(ROUTES),
                 20, "exabgp's routes via BMP")
        # A table dump now: the monitored peers are in its peer index
        # with their address and AS, their routes with FRR's paths.
        bview = os.path.join(mrtdir, "bview.gz")
        ans = bw.ctl("dump", "table", bview)
        self.assertEqual(ans["routes"], sum(len(r) for _, r in want.values()))
        dumped = self.table(bview)
        bw.stop()       # flushes the archive
        tabs = self.archive(mrtdir)
        self.check_tabs(tabs, want, "updates archive")
        self.check_tabs(dumped, want, "table dump")
        self.assertEqual(set(p for p, _ in dumped), set(want),
                         dumped.keys())
        # The local side of each record is the router: the Peer Up local
        # address and the router's AS.
        sides = self.local_sides(mrtdir)
        self.assertIn((EXA, "AS65064"), [f for f, _ in sides], sides)
        for frm, to in sides:
            self.assertEqual(to, (FRR, "AS65062"), (frm, to))

    def table(self, path):
        """bgpdump -m of a table dump: {(peer, as): {prefix: path}}."""
        r = subprocess.run(["bgpdump", "-m", path], capture_output=True,
                           text=True)
        err = [x for x in r.stderr.splitlines() if "syslog" not in x]
        self.assertEqual((r.returncode, err), (0, []), path)
        tabs = {}
        for line in r.stdout.splitlines():
            x = line.split("|")
            self.assertEqual(x[0], "TABLE_DUMP2", line)
            t = tabs.setdefault((x[3], x[4]), {})
            self.assertNotIn(x[5], t, "route twice: " + line)
            t[x[5]] = x[6]
        return tabs

    def check_tabs(self, tabs, want, what):
        for peer, (asn, routes) in want.items():
            self.assertIn((peer, asn), tabs,
                          "%s: no records for %s AS%s: %s"
                          % (what, peer, asn, list(tabs)))
            got = tabs[(peer, asn)]
            self.assertEqual(set(got), set(routes), "%s: %s" % (what, peer))
            # Debian's FRR encodes Route Monitoring with the outbound
            # serializer and prepends its own AS (fixed upstream, FRR
            # PR 21815): the archive holds what FRR sent, byte for byte.
            bad = [(p, got[p], a) for p, a in routes.items()
                   if got[p] not in (a, "65062 " + a)]
            self.assertEqual(bad, [], "%s: AS paths differ for %s"
                             % (what, peer))
        self.assertEqual(set(p for p, _ in tabs), set(want), tabs.keys())
