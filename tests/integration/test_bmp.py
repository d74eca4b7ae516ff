"""
The BMP station against real exporters, on 127.0.2.x ports 32000-32099:

  exabgp 127.0.2.4 (AS 65004) --BGP--> FRR 127.0.2.2 (AS 65002, bgpd -M bmp)
                                        FRR <--BGP--> gobgpd 127.0.2.3 (65003)
  FRR listens for BMP on 127.0.2.2:32010; bgpwatchd connects to it
  (router 127.0.2.2 { connect port 32010 }).  gobgpd exports BMP to
  bgpwatchd's listener 127.0.2.1:32000 ([[bmp-servers]]); its connection
  comes from 127.0.0.1, the kernel's source for a loopback destination.

test_1: each monitored peer's table equals the exporter's own view of
that peer (vtysh received-routes JSON, gobgp adj-in JSON) prefix by
prefix; a withdrawal at exabgp gives prefix_withdrawn for the monitored
peer with peer.router; region T, seen only through BMP-monitored peers,
goes down and up; killing FRR gives peer_down "bmp session lost" for each
of its peers and no withdrawals; FRR restarting is picked up again with
no duplicate source.
test_3: one Peer Up (flagged pre-policy, as GoBGP and FRR send it) of a
2-octet session decides the decoding of the post-policy view too, and
one Peer Down ends both views.
test_2: hostile BMP from a feeder playing a router: malformed messages
close that router only (log line naming it), an unlisted router is
refused, the daemon and the other router stay up.
"""
import json
import os
import socket
import struct
import subprocess
import time
import types
import urllib.request

import msgpack

import bmpmsg
from lib import BGPWATCHCTL, Bgpwatchd, ExaBGP, LabTest, run, stays, wait_for

BW = "127.0.2.1"
FRR = "127.0.2.2"
GOBGP = "127.0.2.3"
EXA = "127.0.2.4"
BMP_PORT = 32000
BW_BGP_PORT = 32001
FRR_PORT = 32002
GOBGP_PORT = 32003
FRR_BMP_PORT = 32010
GOBGP_API = 32050
METRICS_PORT = 32020
NH = "192.0.2.4"
PFX = ["10.1.1.0/24", "10.1.2.0/24", "10.1.3.0/24"]
PFX6 = "2001:db8:1::/48"
RIS = "127.0.2.5"       # bgpfeed replaying one RIS peer into FRR
RIS_MRT = os.path.join(os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
    "data", "mrt")), "updates.20160811.1600.gz")
NH6 = "2001:db8::4"


def bmp_conf(routers, extra=""):
    return """eligible-after 3s
events {
    log "%%s"
}
region "T" {
    prefix 10.1.1.0/24
    prefix 10.1.2.0/24
    prefix 10.1.3.0/24
    hold-down 1s
}
bmp {
    listen on %s port %d
%s
%s
}
""" % (BW, BMP_PORT, routers, extra)


def read_events(path):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        u = msgpack.Unpacker(raw=False)
        u.feed(f.read())
        return list(u)


class Frr:
    def __init__(self, lab):
        self.lab = lab
        self.dir = lab.path("frr")
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "frr.conf")
        with open(self.conf, "w") as f:
            f.write("""frr defaults traditional
hostname r1
log stdout informational
!
router bgp 65002
 bgp router-id {frr}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor {exa} remote-as 65004
 neighbor {exa} passive
 neighbor {exa} update-source {frr}
 neighbor {ris} remote-as 49463
 neighbor {ris} passive
 neighbor {ris} update-source {frr}
 neighbor {gobgp} remote-as 65003
 neighbor {gobgp} port {gport}
 neighbor {gobgp} update-source {frr}
 address-family ipv4 unicast
  network 10.2.0.0/24
  neighbor {exa} soft-reconfiguration inbound
  neighbor {gobgp} soft-reconfiguration inbound
  neighbor {ris} soft-reconfiguration inbound
 exit-address-family
 address-family ipv6 unicast
  neighbor {exa} activate
  neighbor {exa} soft-reconfiguration inbound
 exit-address-family
 !
 bmp targets bw
  bmp listener {frr} port {bport}
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv4 unicast post-policy
  bmp monitor ipv6 unicast pre-policy
 exit
!
""".format(frr=FRR, exa=EXA, gobgp=GOBGP, gport=GOBGP_PORT, ris=RIS,
           bport=FRR_BMP_PORT))
        self.proc = None

    def start(self):
        self.proc = self.lab.start("frr", [
            "/usr/lib/frr/bgpd", "-S", "-Z", "-M", "bmp", "-l", FRR,
            "-p", str(FRR_PORT), "-P", "0", "-f", self.conf,
            "--vty_socket", self.dir, "-i", os.path.join(self.dir, "pid")])
        return self

    def vtysh(self, cmd):
        r = run(["vtysh", "--vty_socket", self.dir, "-c", cmd], check=False)
        try:
            return json.loads(r.stdout)
        except ValueError:
            return None

    def received(self, peer):
        j = self.vtysh("show bgp ipv4 unicast neighbors %s received-routes "
                       "json" % peer) or {}
        return set((j.get("receivedRoutes") or {}).keys())


class GoBgp:
    def __init__(self, lab):
        self.lab = lab
        self.conf = lab.path("gobgpd.toml")
        with open(self.conf, "w") as f:
            f.write("""[global.config]
  as = 65003
  router-id = "{gobgp}"
  port = {gport}
  local-address-list = ["{gobgp}"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{frr}"
    peer-as = 65002
  [neighbors.transport.config]
    remote-port = {fport}
    local-address = "{gobgp}"
[[bmp-servers]]
  [bmp-servers.config]
    address = "{bw}"
    port = {bport}
    route-monitoring-policy = "pre-policy"
""".format(gobgp=GOBGP, gport=GOBGP_PORT, frr=FRR, fport=FRR_PORT, bw=BW,
           bport=BMP_PORT))

    def start(self):
        self.proc = self.lab.start("gobgpd", [
            "gobgpd", "-f", self.conf, "-p", "--pprof-disable",
            "--api-hosts", "%s:%d" % (GOBGP, GOBGP_API), "-l", "info"])
        return self

    def adj_in(self, peer):
        r = run(["gobgp", "-u", GOBGP, "-p", str(GOBGP_API), "neighbor",
                 peer, "adj-in", "-j"], check=False)
        try:
            j = json.loads(r.stdout)
        except ValueError:
            return None
        return set(j.keys()) if isinstance(j, dict) else None


class TestBmp(LabTest):

    def bw_start(self, routers, extra="", top=""):
        bw = Bgpwatchd(self.lab, listen=BW, port=BW_BGP_PORT,
                       router_id=BW)
        self.evlog = self.lab.path("events.mpk")
        bw.extra = top + bmp_conf(routers, extra) % self.evlog
        return bw.start()

    def bmp(self, bw):
        return {r["address"]: r for r in bw.ctl("show", "bmp")["routers"]}

    def bmp_peer(self, bw, router, peer, view="pre-policy"):
        r = self.bmp(bw).get(router)
        for p in (r or {}).get("peers", []):
            if p["address"] == peer and p["view"] == view:
                return p
        return None

    def prefixes(self, bw, *args):
        return set(x["prefix"] for x in bw.ctl("show", "rib", *args)
                   ["routes"])

    def events(self, since=0, **match):
        out = []
        for ev in read_events(self.evlog)[since:]:
            ok = True
            for k, v in match.items():
                if k == "router":
                    if ev.get("peer", {}).get("router", {}).get(
                            "address") != v:
                        ok = False
                elif ev.get(k) != v:
                    ok = False
            if ok:
                out.append(ev)
        return out

    def test_1_frr_gobgp(self):
        bw = self.bw_start("""    router %s {
        description "frr r1"
        connect port %d
        views pre-policy post-policy
    }
    router 127.0.0.1 {
        description "gobgp"
    }""" % (FRR, FRR_BMP_PORT))
        frr = Frr(self.lab).start()
        gobgp = GoBgp(self.lab).start()
        exa = ExaBGP(self.lab, "exabgp", EXA, 65004, types.SimpleNamespace(
            listen=FRR, port=FRR_PORT, local_as=65002),
            neighbor_extra="    family { ipv4 unicast; ipv6 unicast; }\n")
        exa.start()

        # Both exporters up, with sysName.
        routers = wait_for(lambda: (lambda r: r if FRR in r and
                           "127.0.0.1" in r and r[FRR]["state"] == "up" and
                           r["127.0.0.1"]["state"] == "up" else None)(
                               self.bmp(bw)), 30, "both BMP routers up")
        self.assertEqual(routers[FRR]["sys_name"], "r1")
        self.assertIn("FRRouting", routers[FRR]["sys_descr"])
        self.assertEqual(routers["127.0.0.1"]["sys_name"], "GoBGP")

        exa.send(*["announce route %s next-hop %s origin igp as-path "
                   "[ 65004 64999 ]" % (p, NH) for p in PFX] +
                 ["announce route %s next-hop %s origin igp as-path "
                  "[ 65004 64998 ]" % (PFX6, NH6)])
        # IPv6 through BMP (MP_REACH inside Route Monitoring).
        wait_for(lambda: self.prefixes(bw, "neighbor", EXA, "router", FRR,
                                       "view", "pre-policy", PFX6) >=
                 {PFX6}, 30, "IPv6 route of %s via BMP" % EXA)
        c6 = bw.ctl("show", "rib", "count", "router", FRR, "view",
                    "pre-policy", "neighbor", EXA)
        self.assertEqual(c6["ipv6"], 1)
        # FRR's view of exabgp, pre- and post-policy, equals ours.
        for view in ("pre-policy", "post-policy"):
            wait_for(lambda: self.prefixes(bw, "neighbor", EXA, "router",
                                           FRR, "view", view) - {PFX6} ==
                     set(PFX),
                     30, "%s routes of %s via BMP" % (view, EXA))
        self.assertEqual(frr.received(EXA), set(PFX))
        c = bw.ctl("show", "rib", "count", "router", FRR, "view",
                   "pre-policy", "neighbor", EXA)
        self.assertEqual(c["ipv4"], 3)
        # gobgp's adj-in of FRR equals ours of (127.0.0.1, FRR).
        def gobgp_same():
            theirs = gobgp.adj_in(FRR)
            return theirs if theirs and theirs >= set(PFX) and \
                theirs == self.prefixes(bw, "neighbor", FRR, "router",
                                        "127.0.0.1") else None
        want = wait_for(gobgp_same, 40, "gobgp's adj-in of FRR = ours")
        self.assertIn("10.2.0.0/24", want)
        nbs = [n for n in bw.ctl("show", "neighbors")["neighbors"]
               if n["type"] == "bmp" and n["address"] == EXA]
        self.assertEqual(sorted(n["view"] for n in nbs),
                         ["post-policy", "pre-policy"])
        self.assertEqual(nbs[0]["router"], {"address": FRR, "name": "r1"})
        self.assertEqual(nbs[0]["prefixes"]["ipv4"], 3)
        self.assertIn("bmp  %s" % EXA, bw.ctl_raw("show", "neighbors",
                                                   json_out=False).stdout)
        routes = bw.ctl("show", "rib", "router", FRR)["routes"]
        self.assertTrue(all(r["router"] == FRR for r in routes), routes)
        self.assertEqual(set(r["view"] for r in routes),
                         {"pre-policy", "post-policy"})
        # Everyone eligible (End-of-RIB or eligible-after).
        wait_for(lambda: (self.bmp_peer(bw, FRR, EXA) or {}).get(
            "eligible"), 15, "monitored peer eligible")
        wait_for(lambda: (self.bmp_peer(bw, "127.0.0.1", FRR) or {}).get(
            "eligible"), 15, "gobgp's peer eligible")
        wait_for(lambda: self.region_state(bw) == "up", 15, "region T up")

        # A withdrawal at exabgp: prefix_withdrawn for the monitored peer.
        mark = len(read_events(self.evlog))
        exa.send("withdraw route 10.1.2.0/24 next-hop %s" % NH)
        ev = wait_for(lambda: self.events(mark, type="prefix_withdrawn",
                                          prefix="10.1.2.0/24",
                                          router=FRR), 15,
                      "prefix_withdrawn via BMP")
        p = ev[0]["peer"]
        self.assertEqual(p["address"], EXA)
        self.assertEqual(p["asn"], 65004)
        self.assertEqual(p["router"], {"address": FRR, "name": "r1"})
        self.assertIn(p["view"], ("pre-policy", "post-policy"))
        self.assertEqual(frr.received(EXA), set(PFX) - {"10.1.2.0/24"})

        # Region T, watched only through BMP-monitored peers: down, up.
        exa.send(*["withdraw route %s next-hop %s" % (x, NH)
                   for x in ("10.1.1.0/24", "10.1.3.0/24")])
        wait_for(lambda: self.events(mark, type="region_down",
                                     region="T"), 20, "region_down T")
        exa.send(*["announce route %s next-hop %s origin igp as-path "
                   "[ 65004 64999 ]" % (x, NH) for x in PFX])
        wait_for(lambda: self.events(mark, type="region_up", region="T"),
                 20, "region_up T")

        # Killing FRR: peer_down "bmp session lost" for each of its
        # monitored peers, never prefix_withdrawn.
        npeers = len(self.bmp(bw)[FRR]["peers"])
        self.assertGreaterEqual(npeers, 3)
        mark = len(read_events(self.evlog))
        frr.proc.kill9()
        downs = wait_for(lambda: (lambda d: d if len(d) >= npeers else None)(
            self.events(mark, type="peer_down", router=FRR)), 15,
            "peer_down for every FRR peer")
        self.assertTrue(all(d["reason"] == "bmp session lost"
                            for d in downs), downs)
        time.sleep(1)
        self.assertEqual(self.events(mark, type="prefix_withdrawn",
                                     router=FRR), [])
        self.assertEqual(self.bmp(bw)[FRR]["state"], "down")
        self.assertEqual(self.bmp(bw)[FRR]["peers"], [])
        self.assertEqual(bw.ctl("show", "rib", "count", "router", FRR)
                         ["routes"], 0)

        # FRR comes back: the station reconnects; no duplicate sources.
        frr = Frr(self.lab).start()
        wait_for(lambda: self.prefixes(bw, "neighbor", EXA, "router", FRR,
                                       "view", "pre-policy") ==
                 set(PFX) | {PFX6}, 40, "routes again after FRR restarted")
        r = self.bmp(bw)[FRR]
        self.assertEqual(r["sessions"], 2)
        keys = [(p["address"], p["view"]) for p in r["peers"]]
        self.assertEqual(len(keys), len(set(keys)), keys)
        # A real RIS peer's 15 minutes of UPDATEs (bgpfeed) into FRR: our
        # table of it through BMP equals FRR's received-routes.
        if os.path.exists(RIS_MRT):
            feed = self.lab.start("bgpfeed", [
                os.path.join(os.path.dirname(BGPWATCHCTL), "bgpfeed"),
                "--mrt", RIS_MRT, "--peer", "37.49.236.145", "--bind", RIS,
                "--local-as", "49463", "--remote-as", "65002", "--hold",
                "forever", "%s:%d" % (FRR, FRR_PORT)])

            def same():
                theirs = frr.received(RIS)
                ours = set(x for x in self.prefixes(
                    bw, "neighbor", RIS, "router", FRR, "view",
                    "pre-policy") if ":" not in x)
                return (len(theirs),) if len(theirs) > 800 and \
                    theirs == ours else None
            n = wait_for(same, 40, "RIS peer's table via BMP = FRR's")
            time.sleep(2)       # and it stays equal
            self.assertTrue(same(), "RIS peer's table diverged")
            feed.stop()
        # Every event, as JSON, against docs/events.schema.json.
        import jsonschema
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "..", "..", "docs",
                               "events.schema.json")) as f:
            schema = json.load(f)
        out = run([BGPWATCHCTL, "events", self.evlog]).stdout
        evs = [json.loads(x) for x in out.splitlines() if x.strip()]
        self.assertTrue(any("router" in e.get("peer", {}) for e in evs))
        for e in evs:
            jsonschema.validate(e, schema)
        bw.stop()

    def metrics(self):
        with urllib.request.urlopen("http://%s:%d/metrics"
                                    % (BW, METRICS_PORT), timeout=5) as f:
            return f.read().decode()

    def region_state(self, bw):
        for r in bw.ctl("show", "regions")["regions"]:
            if r["name"] == "T":
                return r["state"]
        return None

    def test_2_hostile(self):
        good, bad, stranger = "127.0.2.5", "127.0.2.6", "127.0.2.7"
        bw = self.bw_start("""    router %s { description "good" }
    router %s { description "bad" }""" % (good, bad), "    max-message 64K",
                           "metrics on %s port %d\n" % (BW, METRICS_PORT))
        g = bmpmsg.connect(good, BW, BMP_PORT)
        g.sendall(bmpmsg.initiation("good") +
                  bmpmsg.peer_up("192.0.2.50", 64550) +
                  bmpmsg.route_monitoring("192.0.2.50", 64550,
                                          bmpmsg.update(["10.9.0.0/24"])))
        wait_for(lambda: self.prefixes(bw, "router", good) ==
                 {"10.9.0.0/24"}, 10, "good router's route")

        def hostile(payload, what):
            s = bmpmsg.connect(bad, BW, BMP_PORT)
            s.sendall(bmpmsg.initiation("bad") +
                      bmpmsg.peer_up("192.0.2.60", 64560) +
                      bmpmsg.route_monitoring("192.0.2.60", 64560,
                                              bmpmsg.update(["10.8.0.0/24"])))
            wait_for(lambda: self.prefixes(bw, "router", bad) ==
                     {"10.8.0.0/24"}, 10, "bad router's route (%s)" % what)
            s.sendall(payload)
            # The station closes the connection: EOF or reset.
            s.settimeout(5)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
            s.close()
            wait_for(lambda: self.bmp(bw)[bad]["state"] == "down", 5,
                     "bad router closed (%s)" % what)
            self.assertEqual(self.bmp(bw)[bad]["peers"], [])
            self.assertIn("127.0.2.6", bw.proc.text())
            bw.assert_alive()

        pu = bmpmsg.peer_up("192.0.2.61", 64561)
        cases = [
            (b"\x02\x00\x00\x00\x06\x04", "BMP version 2"),
            (b"\x03\x7f\xff\xff\xff\x00", "2 GB length"),
            (b"\x03\x00\x00\x00\x03\x04", "length below the header"),
            (b"\x03\x00\x00\x00\x06\x09", "unknown type"),
            (bmpmsg.msg(0, b"\x00" * 200), "route monitoring of zeroes"),
            (pu[:70] + b"\0" + pu[71:], "peer up, OPEN marker broken"),
            (bmpmsg.msg(3, pu[6:60]), "truncated peer up"),
            (bmpmsg.msg(1, bmpmsg.peer_hdr("192.0.2.62", 1) +
                        struct.pack("!IHH", 5, 7, 300)), "stats overrun"),
            (bmpmsg.msg(2, bmpmsg.peer_hdr("192.0.2.60", 64560) + b"\x09"),
             "unknown peer down reason"),
            (bmpmsg.msg(4, b"\x00\x02\xff\xff"), "TLV overrun"),
            (bmpmsg.msg(0, bmpmsg.peer_hdr("192.0.2.60", 64560) +
                        b"\xff" * 16 + b"\x00\x13\x02"),
             "UPDATE shorter than its minimum"),
            (bmpmsg.msg(0, b"\x00" * 70000), "over max-message"),
        ]
        for payload, what in cases:
            mark = len(read_events(self.evlog))
            hostile(payload, what)
            downs = self.events(mark, type="peer_down", router=bad)
            self.assertEqual([d["reason"] for d in downs],
                             ["bmp session lost"], what)
            self.assertEqual(self.events(mark, type="prefix_withdrawn"), [],
                             what)

        # An unlisted router is refused before any read.
        s = bmpmsg.connect(stranger, BW, BMP_PORT)
        try:
            s.sendall(bmpmsg.initiation("stranger"))
        except OSError:
            pass
        s.close()
        wait_for(lambda: bw.ctl("show", "bmp")["refused"] >= 1, 5,
                 "stranger refused")
        self.assertNotIn(stranger, self.bmp(bw))
        # The good router never noticed.
        self.assertEqual(self.prefixes(bw, "router", good), {"10.9.0.0/24"})
        self.assertEqual(self.bmp(bw)[good]["state"], "up")
        self.assertEqual(self.bmp(bw)[good]["sessions"], 1)
        self.assertGreaterEqual(self.bmp(bw)[bad]["errors"], len(cases))
        # Metrics per router and per monitored peer, valid exposition.
        g.sendall(bmpmsg.stats("192.0.2.50", 64550, [(0, 3), (7, 1)]))
        wait_for(lambda: 'stat="rejected-prefixes"} 3' in self.metrics(),
                 5, "statistics in metrics")
        m = self.metrics()
        self.assertIn('bgpwatch_bmp_router_up{router="%s",sys_name="good"} 1'
                      % good, m)
        self.assertIn('bgpwatch_bmp_peer_routes{router="%s",peer='
                      '"192.0.2.50",asn="64550",view="pre-policy",'
                      'family="ipv4"} 1' % good, m)
        self.assertIn('bgpwatch_bmp_refused_total 1', m)
        r = subprocess.run(["promtool", "check", "metrics"], input=m,
                           capture_output=True, text=True, timeout=30)
        self.assertNotIn("error", (r.stdout + r.stderr).lower(), r.stderr)
        st = bw.ctl("show", "bmp")
        p = [x for x in self.bmp(bw)[good]["peers"]][0]
        self.assertEqual((p["asn"], p["bgp_id"], p["peer_type"], p["flags"],
                          p["distinguisher"], p["view"]),
                         (64550, "10.0.0.1", "global", 0, 0, "pre-policy"))
        self.assertEqual(p["stats"], {"rejected-prefixes": 3,
                                      "adj-rib-in-routes": 1})
        self.assertEqual(st["refused"], 1)
        # Peer Down and Termination from the good router, cleanly.
        mark = len(read_events(self.evlog))
        g.sendall(bmpmsg.stats("192.0.2.50", 64550, [(0, 3), (7, 1)]) +
                  bmpmsg.peer_down("192.0.2.50", 64550, 4))
        d = wait_for(lambda: self.events(mark, type="peer_down",
                                         router=good), 5, "peer down")
        self.assertEqual(d[0]["reason"],
                         "remote system closed the session without data")
        g.sendall(bmpmsg.termination(0))
        g.close()
        wait_for(lambda: self.bmp(bw)[good]["state"] == "down", 5,
                 "good router terminated")
        self.assertEqual(self.bmp(bw)[good]["errors"], 0)
        # The router reconnects, then a second connection replaces the
        # first: its peers go down (bmp session lost), none duplicated.
        g2 = bmpmsg.connect(good, BW, BMP_PORT)
        g2.sendall(bmpmsg.initiation("good") +
                   bmpmsg.peer_up("192.0.2.50", 64550) +
                   bmpmsg.route_monitoring("192.0.2.50", 64550,
                                           bmpmsg.update(["10.9.0.0/24"])))
        wait_for(lambda: self.prefixes(bw, "router", good) ==
                 {"10.9.0.0/24"}, 10, "good router back")
        mark = len(read_events(self.evlog))
        g3 = bmpmsg.connect(good, BW, BMP_PORT)
        g3.sendall(bmpmsg.initiation("good") +
                   bmpmsg.peer_up("192.0.2.50", 64550))
        d = wait_for(lambda: self.events(mark, type="peer_down",
                                         router=good), 5, "replaced")
        self.assertEqual(d[0]["reason"], "bmp session lost")
        wait_for(lambda: self.bmp(bw)[good]["sessions"] == 3 and
                 len(self.bmp(bw)[good]["peers"]) == 1, 5,
                 "one session, one peer")
        self.assertEqual(self.prefixes(bw, "router", good), set())
        g2.close()
        g3.close()
        bw.stop()

    def test_3_views_share_peer_up(self):
        rtr, peer = "127.0.2.8", "192.0.2.70"
        bw = self.bw_start("""    router %s {
        description "views"
        views pre-policy post-policy
    }""" % rtr)
        g = bmpmsg.connect(rtr, BW, BMP_PORT)
        upd = bmpmsg.update(["10.70.0.0/24"], path=(64570, 3), as2=True)
        # Neither OPEN has the 4-octet AS capability; the per-peer
        # headers' A flag is not set (as some exporters do): only the
        # Peer Up says the AS_PATH is 2-octet, for both views.
        g.sendall(bmpmsg.initiation("views") +
                  bmpmsg.peer_up(peer, 64570, as4=False) +
                  bmpmsg.route_monitoring(peer, 64570, upd) +
                  bmpmsg.route_monitoring(peer, 64570, upd, flags=0x40))

        def paths():
            return sorted((r["view"], r["as_path"]) for r in bw.ctl(
                "show", "rib", "router", rtr)["routes"])
        wait_for(lambda: len(paths()) == 2, 10, "both views' routes")
        self.assertEqual(paths(), [("post-policy", "64570 3"),
                                   ("pre-policy", "64570 3")])
        mark = len(read_events(self.evlog))
        g.sendall(bmpmsg.peer_down(peer, 64570, 2))
        downs = wait_for(lambda: (lambda d: d if len(d) == 2 else None)(
            self.events(mark, type="peer_down", router=rtr)), 10,
            "peer_down for both views")
        self.assertEqual(sorted(d["peer"]["view"] for d in downs),
                         ["post-policy", "pre-policy"])
        wait_for(lambda: self.bmp(bw)[rtr]["peers"] == [], 5,
                 "both views gone")
        self.assertEqual(paths(), [])
        self.assertEqual(self.events(mark, type="prefix_withdrawn"), [])
        g.close()
        bw.stop()
