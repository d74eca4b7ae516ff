"""
bgpwatchd against ExaBGP without the 4-octet AS capability: AS_PATH with
AS_TRANS plus AS4_PATH must show as the merged 4-byte path (RFC 6793).
"""
from lib import Bgpwatchd, ExaBGP, LabTest, project

E1 = "127.0.0.31"
EAS = 64531
NH = "192.0.2.31"


class TestExaBGP(LabTest):

    def test_7_as4_merge(self):
        bw = Bgpwatchd(self.lab)
        bw.neighbor(E1, EAS, "passive")
        bw.start()
        exa = ExaBGP(self.lab, "exabgp", E1, EAS, bw,
                     neighbor_extra="    capability { asn4 disable; }\n")
        exa.start()
        nb = bw.wait_established(E1, 40)
        self.assertFalse(nb["capabilities"]["as4"], nb["capabilities"])
        self.assertEqual(nb["remote_as"], EAS)

        exa.send(
            "announce route 175.45.176.0/24 next-hop %s origin igp "
            "as-path [ %d 4200000001 131279 ] community [ 64531:100 ]"
            % (NH, EAS),
            "announce route 175.45.177.0/24 next-hop %s origin egp "
            "as-path [ %d 65001 4200000002 ]" % (NH, EAS),
            "announce route 175.45.178.0/24 next-hop %s origin igp "
            "as-path [ %d 65002 ]" % (NH, EAS),
            "announce route 175.45.179.0/24 next-hop %s origin igp "
            "as-path [ %d 4200000003 ( 4200000004 65003 ) ]" % (NH, EAS))

        def r(pfx, path, origin="IGP", comms=()):
            return {"prefix": pfx, "neighbor": E1, "path_id": 0,
                    "as_path": path, "next_hop": NH, "origin": origin,
                    "communities": list(comms), "large_communities": [],
                    "stale": False}
        want = project([
            r("175.45.176.0/24", "64531 4200000001 131279",
              comms=["64531:100"]),
            r("175.45.177.0/24", "64531 65001 4200000002", "EGP"),
            r("175.45.178.0/24", "64531 65002"),
            r("175.45.179.0/24", "64531 4200000003 {4200000004,65003}"),
        ])
        routes = bw.wait_routes(4)
        self.assertEqual(project(routes), want)
        origin_as = {x["prefix"]: x["origin_as"] for x in routes}
        self.assertEqual(origin_as["175.45.176.0/24"], 131279)
        self.assertEqual(origin_as["175.45.177.0/24"], 4200000002)
        self.assertEqual(bw.count(), {"routes": 4, "ipv4": 4, "ipv6": 0})
        # No AS_TRANS (23456) anywhere.
        self.assertFalse([x for x in routes if "23456" in x["as_path"]])

        # Withdraw one, replace another.
        exa.send("withdraw route 175.45.177.0/24 next-hop %s" % NH,
                 "announce route 175.45.178.0/24 next-hop %s origin igp "
                 "as-path [ %d 4200000005 ]" % (NH, EAS))
        want2 = [x for x in want if x["prefix"] != "175.45.177.0/24"]
        for x in want2:
            if x["prefix"] == "175.45.178.0/24":
                x["as_path"] = "64531 4200000005"
        want2 = project(want2)
        bw.wait_rib(lambda rs: project(rs) == want2,
                    "withdrawal and replacement: %r" % want2)
        nb = bw.nb(E1)
        self.assertEqual(nb["established_count"], 1)
        self.assertEqual(nb["treat_as_withdraw"], 0)

        exa.send("withdraw route 175.45.176.0/24 next-hop %s" % NH,
                 "withdraw route 175.45.178.0/24 next-hop %s" % NH,
                 "withdraw route 175.45.179.0/24 next-hop %s" % NH)
        bw.wait_routes(0)
        self.assertEqual(bw.state(E1), "Established")
        bw.stop()
        # Its events (peer_up/peer_down...) are valid per the schema.
        self.assertGreater(bw.events_checked, 0, "no events were logged")
