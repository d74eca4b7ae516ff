"""
bgpwatchd against GoBGP: ADD-PATH (RFC 7911) receive, several paths per
prefix, and the withdrawal of one path.
"""
from lib import Bgpwatchd, GoBGP, LabTest, project, wait_for

G1 = "127.0.0.21"
GAS = 64521

PFX = "10.0.0.0/24"
# identifier -> (next hop, AS path given to gobgp, large community)
PATHS = {
    1: ("192.0.2.1", "64600,4200000001", "64521:1:1"),
    2: ("192.0.2.2", "64700", "64521:2:2"),
    3: ("192.0.2.3", "64800,64801,64802", "64521:3:3"),
}


def neighbor_toml(bw, addpath):
    ap = """    [neighbors.afi-safis.add-paths.config]
      send-max = 8
""" if addpath else ""
    return """[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {asn}
  [neighbors.transport.config]
    local-address = "{local}"
    remote-port = {port}
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
{ap}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
""".format(addr=bw.listen, asn=bw.local_as, local=G1, port=bw.port, ap=ap)


class TestGoBGP(LabTest):

    def setup_pair(self, addpath, passive):
        bw = Bgpwatchd(self.lab)
        gb = GoBGP(self.lab, "gobgp", G1, GAS, "192.0.2.21",
                   neighbor_toml(bw, addpath))
        nb = ["passive" if passive else "port %d" % gb.bgp_port]
        if addpath:
            nb.append("add-path receive")
        bw.neighbor(G1, GAS, *nb)
        bw.start()
        gb.start()
        return bw, gb

    def add_paths(self, gb, ids):
        for i in ids:
            nh, path, lc = PATHS[i]
            gb.cli("global", "rib", "-a", "ipv4", "add", PFX,
                   "identifier", str(i), "origin", "igp", "aspath", path,
                   "nexthop", nh, "large-community", lc)

    def want(self, i, path_id):
        nh, path, lc = PATHS[i]
        return {"prefix": PFX, "neighbor": G1, "path_id": path_id,
                "as_path": "%d %s" % (GAS, path.replace(",", " ")),
                "next_hop": nh, "origin": "IGP", "large_communities": [lc]}

    def by_nexthop(self, routes):
        return {r["next_hop"]: r for r in routes}

    def check(self, routes, ids):
        """routes are exactly the paths ids, with distinct path ids."""
        keys = ("prefix", "neighbor", "as_path", "next_hop", "origin",
                "large_communities")
        got = project(routes, keys)
        want = project([self.want(i, 0) for i in ids], keys)
        self.assertEqual(sorted(got, key=lambda r: r["next_hop"]),
                         sorted(want, key=lambda r: r["next_hop"]))
        pids = [r["path_id"] for r in routes]
        self.assertEqual(len(set(pids)), len(ids), "path ids not distinct: "
                         "%r" % routes)
        self.assertNotIn(0, pids)

    def test_6_add_path(self):
        bw, gb = self.setup_pair(addpath=True, passive=False)
        nb = bw.wait_established(G1)
        self.assertEqual(nb["capabilities"]["add_path_receive"], ["ipv4"])
        self.add_paths(gb, [1, 2, 3])
        routes = bw.wait_routes(3)
        self.check(routes, [1, 2, 3])
        self.assertEqual(bw.count(), {"routes": 3, "ipv4": 3, "ipv6": 0})
        self.assertEqual(bw.nb(G1)["prefixes"], {"ipv4": 3, "ipv6": 0})
        ids = {r["next_hop"]: r["path_id"] for r in routes}

        # The longest-match query lists every path of the prefix.
        m = bw.rib(prefix="10.0.0.1")
        self.check(m["routes"], [1, 2, 3])

        # Withdraw path 2 only: the others stay, with their path ids.
        gb.cli("global", "rib", "-a", "ipv4", "del", PFX, "identifier", "2")
        routes = bw.wait_routes(2)
        self.check(routes, [1, 3])
        for r in routes:
            self.assertEqual(r["path_id"], ids[r["next_hop"]])

        # Replace path 3's attributes (same identifier): still 2 paths.
        gb.cli("global", "rib", "-a", "ipv4", "add", PFX, "identifier", "3",
               "origin", "igp", "aspath", "64900", "nexthop", "192.0.2.3",
               "large-community", "64521:3:3")
        PATHS3 = PATHS[3]
        try:
            PATHS[3] = ("192.0.2.3", "64900", "64521:3:3")
            bw.wait_rib(lambda rs: len(rs) == 2 and any(
                r["as_path"] == "%d 64900" % GAS for r in rs),
                "path 3 replaced")
            self.check(bw.routes(), [1, 3])
        finally:
            PATHS[3] = PATHS3
        self.assertEqual(bw.nb(G1)["established_count"], 1)

        # Then the rest.
        gb.cli("global", "rib", "-a", "ipv4", "del", PFX, "identifier", "1")
        gb.cli("global", "rib", "-a", "ipv4", "del", PFX, "identifier", "3")
        bw.wait_routes(0)
        bw.stop()
        # Its events (peer_up/peer_down...) are valid per the schema.
        self.assertGreater(bw.events_checked, 0, "no events were logged")

    def test_6b_no_add_path(self):
        """Without `add-path receive` only GoBGP's best path arrives."""
        bw, gb = self.setup_pair(addpath=False, passive=False)
        nb = bw.wait_established(G1)
        self.assertEqual(nb["capabilities"]["add_path_receive"], [])
        self.add_paths(gb, [1, 2, 3])
        wait_for(lambda: bw.count()["routes"] == 1, 20, "one route")
        # Give GoBGP time to send more paths, if it wrongly would.
        import time
        time.sleep(2)
        routes = bw.routes()
        self.assertEqual(len(routes), 1, routes)
        self.assertEqual(routes[0]["path_id"], 0)
        self.assertIn(routes[0]["next_hop"], [p[0] for p in PATHS.values()])
        bw.stop()
