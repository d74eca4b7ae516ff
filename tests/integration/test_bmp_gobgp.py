"""
GoBGP exporting BMP with route-monitoring-policy "all", fed real tables,
on 127.0.2.80-99 ports 32080-32099:

  bgpfeed x6 (RIS peers of updates.20160811.1600.gz, 127.0.2.84..89)
        --BGP--> gobgpd 127.0.2.81 (AS 65081, an import policy)
  gobgpd --BMP--> bgpwatchd 127.0.2.80:32080 (router 127.0.0.1: a
        loopback connection comes from 127.0.0.1)

Why GoBGP seemed to send only pre-policy: GoBGP 3.10 treats an UPDATE
whose NEXT_HOP is a loopback address as withdrawn (RFC 7606 handling of
an invalid NEXT_HOP, pkg/packet/bgp/validate.go), so routes learned over
127.x eBGP sessions (whose next hop is the sender's 127.x address) never
reach its post-policy RIB or Loc-RIB.  Pre-policy Route Monitoring is
the raw UPDATE as received, so it showed them anyway.  bgpfeed replays
the RIS peers' own next hops, which GoBGP accepts.

The import policy rejects IPv4 /24s and longer in 0.0.0.0/1 and tags
every other route with 65081:99, so the post-policy view differs from
the pre-policy one.  Per monitored peer, prefix by prefix with AS path:
  pre-policy  = gobgp neighbor X adj-in (IPv4 and IPv6)
  post-policy = the paths of X in gobgp's global RIB (with 65081:99)
  loc-rib     = gobgp's best paths
GoBGP sends one Peer Up per peer, flagged pre-policy; the post-policy
view decodes by it too, and the feeder's Peer Down takes both views of
that peer down (peer_down events, no prefix_withdrawn).

BMP_FULLTABLE=1 (tests/soak/bmp_fulltable.sh, not in make check: GoBGP
takes minutes over it) adds the 2015 full table (577k prefixes) as a
seventh peer.
"""
import json
import os
import subprocess
import time

import msgpack

from lib import BGPWATCHCTL, Bgpwatchd, LabTest, run, wait_for

BW = "127.0.2.80"
GB = "127.0.2.81"
BMP_PORT = 32080
BW_BGP_PORT = 32081
GB_PORT = 32082
GB_API = 32083
GBAS = 65081
TAG = "65081:99"
FEED0 = 84              # 127.0.2.84 ...
DATA = os.environ.get("BGPWATCH_MRT_DATA", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
    "data", "mrt"))
RIS_MRT = os.path.join(DATA, "updates.20160811.1600.gz")
FULL_MRT = os.path.join(DATA, "updates.et-header.2015.gz")
FULLTABLE = os.environ.get("BMP_FULLTABLE") == "1"
# RIS peers (address, AS): IPv4 and IPv6 ones, one with many withdrawals.
RIS_PEERS = [("37.49.236.123", 198290), ("2001:7f8:54::188", 59689),
             ("37.49.236.145", 49463), ("37.49.236.228", 24482),
             ("37.49.232.7", 8218), ("37.49.236.32", 34177)]
FULL_PEER = ("206.220.231.55", 3856)
BGPFEED = os.path.join(os.path.dirname(BGPWATCHCTL), "bgpfeed")


def in_low24(prefix):
    """The import policy's reject set: 0.0.0.0/1, masklength 24..32."""
    if ":" in prefix:
        return False
    addr, plen = prefix.split("/")
    return int(plen) >= 24 and int(addr.split(".")[0]) < 128


def gobgp_path(attrs):
    """(AS path as bgpwatch prints it, communities) of gobgp JSON attrs."""
    segs, comms = [], []
    for a in attrs:
        if a.get("type") == 2:
            for s in a.get("as_paths") or []:
                asns = [str(x) for x in s.get("asns") or []]
                st = s.get("segment_type")
                if st == 1:
                    segs.append("{" + ",".join(asns) + "}")
                elif st == 3:
                    segs.append("(" + " ".join(asns) + ")")
                elif st == 4:
                    segs.append("[" + ",".join(asns) + "]")
                else:
                    segs.extend(asns)
        elif a.get("type") == 8:
            comms = ["%d:%d" % (c >> 16, c & 0xffff)
                     for c in a.get("communities") or []]
    return " ".join(segs), comms


class TestBmpGoBgp(LabTest):

    def gobgp(self, *args):
        r = run(["gobgp", "-u", GB, "-p", str(GB_API)] + list(args) +
                ["-j"], check=False, timeout=300)
        try:
            return json.loads(r.stdout) if r.stdout.strip() else {}
        except ValueError:
            return None

    def theirs_pre(self, peer):
        """gobgp's Adj-RIB-In of peer: {prefix: AS path}."""
        out = {}
        for fam in ("ipv4", "ipv6"):
            j = self.gobgp("neighbor", peer, "adj-in", "-a", fam)
            if j is None:
                return None
            for pfx, paths in j.items():
                for p in paths:
                    out[pfx] = gobgp_path(p.get("attrs", []))[0]
        return out

    def theirs_global(self):
        """gobgp's global RIB: {peer: {prefix: (path, comms)}} and the
        best paths {prefix: path}."""
        per, best = {}, {}
        for fam in ("ipv4", "ipv6"):
            j = self.gobgp("global", "rib", "-a", fam)
            if j is None:
                return None, None
            for pfx, paths in j.items():
                for p in paths:
                    path, comms = gobgp_path(p.get("attrs", []))
                    per.setdefault(p.get("neighbor-ip"), {})[pfx] = \
                        (path, sorted(comms))
                    if p.get("best"):
                        best[pfx] = path
        return per, best

    def ours(self, bw, view, peer=None):
        args = ["show", "rib", "router", "127.0.0.1", "view", view]
        if peer is not None:
            args[2:2] = ["neighbor", peer]
        # A full table's JSON takes longer than lib's 30 s.
        out = run([BGPWATCHCTL, "-s", bw.sock, "-j"] + args,
                  timeout=600).stdout
        res = {}
        for r in json.loads(out)["routes"]:
            res[r["prefix"]] = (r["as_path"], sorted(r["communities"]))
        return res

    def events(self, since=0, **match):
        out = []
        if not os.path.exists(self.evlog):
            return out
        with open(self.evlog, "rb") as f:
            u = msgpack.Unpacker(raw=False)
            u.feed(f.read())
            for ev in list(u)[since:]:
                if all(ev.get(k) == v for k, v in match.items()):
                    out.append(ev)
        return out

    def test_gobgp_all_views(self):
        t0 = time.monotonic()
        peers = [(a, asn, "127.0.2.%d" % (FEED0 + i))
                 for i, (a, asn) in enumerate(RIS_PEERS)]
        if FULLTABLE:
            peers.append((FULL_PEER[0], FULL_PEER[1],
                          "127.0.2.%d" % (FEED0 + len(peers))))
        self.evlog = self.lab.path("events.mpk")
        bw = Bgpwatchd(self.lab, listen=BW, port=BW_BGP_PORT, router_id=BW)
        bw.extra = """eligible-after 2s
events {
    log "%s"
}
bmp {
    listen on %s port %d
    router 127.0.0.1 {
        description "gobgp"
        views pre-policy post-policy loc-rib
    }
}
""" % (self.evlog, BW, BMP_PORT)
        bw.start()
        conf = ["""[global.config]
  as = {gas}
  router-id = "{gb}"
  port = {port}
  local-address-list = ["{gb}"]
[global.apply-policy.config]
  import-policy-list = ["pol"]
  default-import-policy = "accept-route"
[[defined-sets.prefix-sets]]
  prefix-set-name = "low24"
  [[defined-sets.prefix-sets.prefix-list]]
    ip-prefix = "0.0.0.0/1"
    masklength-range = "24..32"
[[policy-definitions]]
  name = "pol"
  [[policy-definitions.statements]]
    name = "drop"
    [policy-definitions.statements.conditions.match-prefix-set]
      prefix-set = "low24"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"
  [[policy-definitions.statements]]
    name = "tag"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
    [policy-definitions.statements.actions.bgp-actions.set-community]
      options = "add"
      [policy-definitions.statements.actions.bgp-actions.set-community.set-community-method]
        communities-list = ["{tag}"]
[[bmp-servers]]
  [bmp-servers.config]
    address = "{bw}"
    port = {bport}
    route-monitoring-policy = "all"
""".format(gas=GBAS, gb=GB, port=GB_PORT, tag=TAG, bw=BW, bport=BMP_PORT)]
        for _, asn, src in peers:
            conf.append("""[[neighbors]]
  [neighbors.config]
    neighbor-address = "{src}"
    peer-as = {asn}
  [neighbors.transport.config]
    passive-mode = true
    local-address = "{gb}"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
""".format(src=src, asn=asn, gb=GB))
        gconf = self.lab.path("gobgpd.toml")
        with open(gconf, "w") as f:
            f.write("".join(conf))
        self.lab.start("gobgpd", [
            "gobgpd", "-f", gconf, "-p", "--pprof-disable",
            "--api-hosts", "%s:%d" % (GB, GB_API), "-l", "warn"])
        wait_for(lambda: any(r["address"] == "127.0.0.1" and
                             r["state"] == "up"
                             for r in bw.ctl("show", "bmp")["routers"]),
                 30, "GoBGP's BMP session up")
        feeds = {}
        for mrtpeer, asn, src in peers:
            feeds[src] = self.lab.start("bgpfeed-%s" % src, [
                BGPFEED, "--mrt", FULL_MRT if asn == FULL_PEER[1]
                else RIS_MRT, "--peer", mrtpeer, "--bind", src,
                "--remote-as", str(GBAS), "--hold", "forever",
                "--quiet", "%s:%d" % (GB, GB_PORT)])

        # Settled (cheap counts first, the full comparison after): every
        # session up, GoBGP's received counts still for a while, and our
        # pre-policy views hold as many routes.
        def counts():
            r = run(["gobgp", "-u", GB, "-p", str(GB_API), "neighbor"],
                    check=False)
            theirs = {}
            for line in r.stdout.splitlines():
                f = line.split()
                if len(f) >= 7 and f[0].startswith("127.") and \
                        f[3] == "Establ":
                    theirs[f[0]] = int(f[5])
            ours = {}
            for rt in bw.ctl("show", "bmp")["routers"]:
                for p in rt["peers"]:
                    if p["view"] == "pre-policy":
                        ours[p["address"]] = sum(p["prefixes"].values())
            return theirs, ours
        last = [None, time.monotonic()]

        def settled():
            theirs, ours = counts()
            if len(theirs) != len(peers) or theirs != ours:
                last[0] = None
                return None
            if theirs != last[0]:
                last[:] = [theirs, time.monotonic()]
                return None
            return time.monotonic() - last[1] >= (2 if not FULLTABLE
                                                  else 10)
        timeout = 60 if not FULLTABLE else 3000
        wait_for(settled, timeout, "GoBGP's Adj-RIBs-In loaded and ours "
                 "as large", interval=1)

        def same_views():
            per, best = self.theirs_global()
            if per is None:
                return None
            bad = []
            self.pre = {}
            for _, _, src in peers:
                pre = self.theirs_pre(src)
                if not pre:
                    return None
                self.pre[src] = pre
                mine = self.ours(bw, "pre-policy", src)
                if {p: a for p, (a, _) in mine.items()} != pre:
                    bad.append(("pre", src, len(mine), len(pre)))
                post = per.get(src, {})
                mine = self.ours(bw, "post-policy", src)
                if mine != post:
                    bad.append(("post", src, len(mine), len(post)))
            mine = self.ours(bw, "loc-rib")
            if {p: a for p, (a, _) in mine.items()} != best:
                bad.append(("loc-rib", len(mine), len(best)))
            self.last_bad = bad
            return per if not bad else None
        self.last_bad = None
        try:
            per = wait_for(same_views, 60 if not FULLTABLE else 1200,
                           "our views = GoBGP's",
                           interval=0.2 if not FULLTABLE else 10)
        except AssertionError:
            raise AssertionError("views differ: %s" % self.last_bad)
        if not FULLTABLE:       # (a full table's round takes minutes)
            time.sleep(2)               # and they stay equal
            per = same_views()
            self.assertTrue(per, "views diverged: %s" % self.last_bad)
        # The policy made a difference, and the views are not empty.
        npre = sum(len(self.pre[src]) for _, _, src in peers)
        npost = sum(len(per.get(src, {})) for _, _, src in peers)
        rejected = sum(1 for _, _, src in peers
                       for p in self.pre[src] if in_low24(p))
        self.assertGreater(npre, 3000 if not FULLTABLE else 580000)
        self.assertGreater(rejected, 500)
        self.assertEqual(npost, npre - rejected)
        self.assertTrue(all(TAG in c for src in per
                            for _, c in per[src].values()))
        v6 = self.ours(bw, "post-policy", peers[1][2])
        self.assertTrue(v6 and all(":" in p for p in v6), len(v6))
        st = {(p["address"], p["view"]): p
              for r in bw.ctl("show", "bmp")["routers"]
              for p in r["peers"]}
        for _, _, src in peers:
            for view in ("pre-policy", "post-policy"):
                self.assertIn((src, view), st)
                self.assertEqual(st[(src, view)]["asn"],
                                 dict((s, a) for _, a, s in peers)[src])
        self.assertIn(("127.0.0.1", "loc-rib"), st)
        print("GoBGP all: %d peers, pre-policy %d routes, post-policy %d, "
              "loc-rib %d, equal to GoBGP's own (%.0f s)"
              % (len(peers), npre, npost, len(self.ours(bw, "loc-rib")),
                 time.monotonic() - t0))

        # One feeder stops (Cease): GoBGP's Peer Down (flagged
        # pre-policy) ends both views of that peer, with no withdrawals.
        victim = peers[0][2]
        mark = len(self.events())
        feeds[victim].stop()
        downs = wait_for(lambda: (lambda d: d if len(d) >= 2 else None)(
            [e for e in self.events(mark, type="peer_down")
             if e["peer"]["address"] == victim]), 20,
            "peer_down for both views of %s" % victim)
        self.assertEqual(sorted(e["peer"]["view"] for e in downs),
                         ["post-policy", "pre-policy"])
        wait_for(lambda: not any(
            p["address"] == victim for r in bw.ctl("show", "bmp")["routers"]
            for p in r["peers"]), 10, "%s's views gone" % victim)
        self.assertFalse(any(r["neighbor"] == victim for r in bw.ctl(
            "show", "rib", "router", "127.0.0.1")["routes"]))
        self.assertEqual([e for e in self.events(mark,
                                                 type="prefix_withdrawn")
                          if e["peer"]["address"] == victim], [])
        bw.stop()
