"""
Quorum and via-as against real peers: two BIRD upstreams, AS4837 (China
Unicom, KP's real upstream) and AS1299, both carrying KP's four /24s.

  KP       prefix 175.45.176.0/22, the default quorum (half the eligible
           peers, rounded up: 1 of 2)
  KP-4837  the same space, via-as 4837: only paths through AS4837 count
           (min-peers 1)

When AS4837 withdraws KP, "KP as seen through China Unicom" goes down and
comes back when it announces again, while KP stays up: AS1299 still
carries it, and 1 of 2 is half.  The event log is read with Debian's
python3-msgpack, not bgpwatch's reader.
"""

import re
import urllib.request

import msgpack

from lib import Bgpwatchd, Bird, LabTest, free_port, stays, wait_for

HOLD = 1.0
HOLD4837 = 4.0          # long enough to see the pending change
KP24 = ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24",
        "175.45.179.0/24"]
PEERS = [("u4837", "127.0.0.31", 4837), ("u1299", "127.0.0.32", 1299)]


def events(path):
    try:
        with open(path, "rb") as f:
            return list(msgpack.Unpacker(f, raw=False))
    except FileNotFoundError:
        return []


def regional(evs, typ, region):
    return [e for e in evs if e["type"] == typ and e.get("region") == region]


def pending_metric(port):
    """bgpwatch_region_pending_seconds series: {(region, to): seconds}."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                timeout=5) as r:
        body = r.read().decode()
    return {(m.group(1), m.group(2)): float(m.group(3)) for m in
            re.finditer(r'^bgpwatch_region_pending_seconds\{region="([^"]*)",'
                        r'to="([^"]*)"\} (\S+)$', body, re.M)}


def kp_routes(on):
    return [(p, "bgp_path.prepend(131279);") for p in KP24] if on else []


class TestVia(LabTest):

    def test_via_as_and_half_quorum(self):
        lab = self.lab
        log = lab.path("events.mpk")
        mport = free_port()
        extra = """eligible-after 1s
metrics on 127.0.0.1 port %d
region "KP" {
    prefix 175.45.176.0/22
    hold-down %gs
}
region "KP-4837" {
    prefix 175.45.176.0/22
    via-as 4837
    min-peers 1
    hold-down %gs
}
events {
    log "%s"
}
""" % (mport, HOLD, HOLD4837, log)
        bw = Bgpwatchd(lab, extra=extra)
        birds = {}
        for name, addr, asn in PEERS:
            b = Bird(lab, name, addr, asn, bw, routes4=kp_routes(True),
                     bgp_extra="  keepalive time 1;\n")
            bw.neighbor(addr, asn, "port %d" % b.port)
            birds[name] = b
        bw.start()
        for b in birds.values():
            b.start()
        for _, addr, _ in PEERS:
            bw.wait_established(addr)
        wait_for(lambda: len(regional(events(log), "region_up", "KP")) == 1
                 and len(regional(events(log), "region_up", "KP-4837")) == 1,
                 30, "region_up of KP and KP-4837")
        ups = {e["region"]: e for e in events(log)
               if e["type"] == "region_up"}
        self.assertEqual(ups["KP"]["min_peers"], 1)      # half of 2
        self.assertEqual(ups["KP"]["eligible_peers"], 2)
        mark = len(events(log))

        # AS4837 withdraws: only KP-4837 goes down.
        u = birds["u4837"]
        u.routes4 = kp_routes(False)
        u.reconfigure()

        # During hold-down, show regions says where it is heading.
        def pending():
            rg = {r["name"]: r for r in bw.ctl("show", "regions")["regions"]}
            return rg["KP-4837"].get("pending")
        p = wait_for(pending, HOLD4837, "a pending change of KP-4837")
        self.assertEqual(p["state"], "down")
        self.assertTrue(0 <= p["in"] <= HOLD4837, p)
        text = bw.ctl_raw("show", "regions", json_out=False).stdout
        self.assertRegex(text, r"up -> down in \d s")
        # ... and so does the metric, counting down.
        pm = pending_metric(mport)
        self.assertEqual(list(pm), [("KP-4837", "down")], pm)
        self.assertTrue(0 <= pm[("KP-4837", "down")] <= HOLD4837, pm)
        # ... and show status counts it (both still up, one pending).
        st = bw.ctl("show", "status")["regions"]
        self.assertEqual(st, {"total": 2, "up": 2, "degraded": 0, "down": 0,
                              "blind": 0, "pending": 1}, st)
        down = wait_for(lambda: regional(events(log)[mark:], "region_down",
                                         "KP-4837"), 30,
                        "region_down of KP-4837")[0]
        self.assertEqual(down["visibility"], 0.0)
        self.assertEqual(down["eligible_peers"], 2)
        new = events(log)[mark:]
        wd = [e for e in new if e["type"] == "prefix_withdrawn"]
        self.assertEqual(sorted({e["prefix"] for e in wd}), KP24)
        by = {(e["region"], e["prefix"]): e["visible_peers"] for e in wd}
        for p in KP24:
            self.assertEqual(by[("KP", p)], 1)          # AS1299 still
            self.assertEqual(by[("KP-4837", p)], 0)     # none via 4837
        stays(lambda: not [e for e in events(log)[mark:]
                           if e["type"].startswith("region_")
                           and e["region"] == "KP"],
              HOLD + 2, "KP stays up through AS1299")
        rg = {r["name"]: r for r in bw.ctl("show", "regions")["regions"]}
        self.assertEqual(rg["KP"]["state"], "up")
        self.assertEqual(rg["KP-4837"]["state"], "down")
        self.assertNotIn("pending", rg["KP-4837"])
        self.assertEqual(pending_metric(mport), {})
        st = bw.ctl("show", "status")["regions"]
        self.assertEqual(st, {"total": 2, "up": 1, "degraded": 0, "down": 1,
                              "blind": 0, "pending": 0}, st)
        text = bw.ctl_raw("show", "status", json_out=False).stdout
        self.assertIn("Regions: 2 (1 up, 0 degraded, 1 down, 0 blind; "
                      "0 in hold-down)", text)

        # And back through AS4837.
        mark = len(events(log))
        u.routes4 = kp_routes(True)
        u.reconfigure()
        up = wait_for(lambda: regional(events(log)[mark:], "region_up",
                                       "KP-4837"), 30,
                      "region_up of KP-4837")[0]
        self.assertEqual(up["previous"], "down")
        self.assertEqual(up["visibility"], 1.0)
        bw.stop()
