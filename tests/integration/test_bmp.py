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
 neighbor {gobgp} remote-as 65003
 neighbor {gobgp} port {gport}
 neighbor {gobgp} update-source {frr}
 address-family ipv4 unicast
  network 10.2.0.0/24
  neighbor {exa} soft-reconfiguration inbound
  neighbor {gobgp} soft-reconfiguration inbound
 exit-address-family
 !
 bmp targets bw
  bmp listener {frr} port {bport}
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv4 unicast post-policy
 exit
!
""".format(frr=FRR, exa=EXA, gobgp=GOBGP, gport=GOBGP_PORT,
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
            listen=FRR, port=FRR_PORT, local_as=65002))
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
                   "[ 65004 64999 ]" % (p, NH) for p in PFX])
        # FRR's view of exabgp, pre- and post-policy, equals ours.
        for view in ("pre-policy", "post-policy"):
            wait_for(lambda: self.prefixes(bw, "neighbor", EXA, "router",
                                           FRR, "view", view) == set(PFX),
                     30, "%s routes of %s via BMP" % (view, EXA))
        self.assertEqual(frr.received(EXA), set(PFX))
        c = bw.ctl("show", "rib", "count", "router", FRR, "view",
                   "pre-policy", "neighbor", EXA)
        self.assertEqual(c["routes"], 3)
        # gobgp's adj-in of FRR equals ours of (127.0.0.1, FRR).
        want = wait_for(lambda: (lambda s: s if s and len(s) >= 4 else
                                 None)(gobgp.adj_in(FRR)), 30,
                        "gobgp adj-in of FRR")
        wait_for(lambda: self.prefixes(bw, "neighbor", FRR, "router",
                                       "127.0.0.1") == want, 30,
                 "gobgp's view via BMP")
        self.assertEqual(want, set(PFX) | {"10.2.0.0/24"})
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
                                       "view", "pre-policy") == set(PFX),
                 40, "routes again after FRR restarted")
        r = self.bmp(bw)[FRR]
        self.assertEqual(r["sessions"], 2)
        keys = [(p["address"], p["view"]) for p in r["peers"]]
        self.assertEqual(len(keys), len(set(keys)), keys)
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
        bw.stop()
