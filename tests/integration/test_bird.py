"""
bgpwatchd against BIRD 2: routes and attributes over MP-BGP, withdrawals
by reconfiguration, graceful restart, max-prefix, TCP MD5 and reload.
"""
import time

from lib import (Bgpwatchd, Bird, LabTest, project, stays, wait_for)

R1 = "127.0.0.11"
R2 = "127.0.0.12"
AS1 = 64511
AS2 = 64512

# (prefix, BIRD export-filter statements) and what bgpwatchd must show.
ROUTES4 = [
    ("175.45.176.0/24", "bgp_community.add((64511,100)); "
                        "bgp_large_community.add((64511,1,2));"),
    ("175.45.177.0/24", "bgp_path.prepend(4200000001); "
                        "bgp_path.prepend(4837); bgp_origin = ORIGIN_EGP;"),
    ("175.45.178.0/24", "bgp_community.add((64511,200)); "
                        "bgp_community.add((65000,3));"),
    ("198.51.100.0/24", ""),
]
ROUTES6 = [
    ("2001:db8:1::/48", "bgp_large_community.add((64511,7,8)); "
                        "bgp_large_community.add((4200000001,1,1));"),
    ("2001:db8:2::/48", "bgp_path.prepend(131279); "
                        "bgp_origin = ORIGIN_INCOMPLETE;"),
]


def expect(prefix, neighbor=R1, as_path="64511", communities=(),
           large=(), origin="IGP", stale=False, path_id=0, next_hop=None):
    if next_hop is None:
        next_hop = "2001:db8::1" if ":" in prefix else "192.0.2.1"
    return {"prefix": prefix, "neighbor": neighbor, "path_id": path_id,
            "as_path": as_path, "next_hop": next_hop, "origin": origin,
            "communities": list(communities),
            "large_communities": list(large), "stale": stale}


EXPECTED = {
    "175.45.176.0/24": expect("175.45.176.0/24", communities=["64511:100"],
                              large=["64511:1:2"]),
    "175.45.177.0/24": expect("175.45.177.0/24",
                              as_path="64511 4837 4200000001",
                              origin="EGP"),
    "175.45.178.0/24": expect("175.45.178.0/24",
                              communities=["64511:200", "65000:3"]),
    "198.51.100.0/24": expect("198.51.100.0/24"),
    "2001:db8:1::/48": expect("2001:db8:1::/48",
                              large=["64511:7:8", "4200000001:1:1"]),
    "2001:db8:2::/48": expect("2001:db8:2::/48", as_path="64511 131279",
                              origin="INCOMPLETE"),
}


def expected(prefixes, **over):
    out = []
    for p in prefixes:
        r = dict(EXPECTED[p])
        r.update(over)
        out.append(r)
    return project(out)


def lab_pair(lab, routes4=ROUTES4, routes6=ROUTES6, nb_extra=(),
             bird_extra="", addr=R1, asn=AS1, name="r1", bw=None,
             **bwkw):
    """A bgpwatchd (new unless given) with one BIRD neighbor."""
    if bw is None:
        bw = Bgpwatchd(lab, **bwkw)
    bird = Bird(lab, name, addr, asn, bw, routes4=routes4, routes6=routes6,
                bgp_extra=bird_extra)
    bw.neighbor(addr, asn, "port %d" % bird.port, *nb_extra)
    return bw, bird


class TestBird(LabTest):

    def test_1_routes(self):
        """IPv4+IPv6 over one MP-BGP session, attributes, withdrawal."""
        bw, bird = lab_pair(self.lab)
        bw.start()
        bird.start()
        nb = bw.wait_established(R1)
        self.assertEqual(nb["remote_as"], AS1)
        self.assertEqual(nb["router_id"], "192.0.2.11")
        self.assertEqual(sorted(nb["capabilities"]["families"]),
                         ["ipv4", "ipv6"])
        self.assertTrue(nb["capabilities"]["as4"])

        routes = bw.wait_routes(len(EXPECTED))
        self.assertEqual(project(routes), expected(EXPECTED))
        self.assertEqual(bw.count(), {"routes": 6, "ipv4": 4, "ipv6": 2})
        self.assertEqual(bw.count(R1), {"routes": 6, "ipv4": 4, "ipv6": 2})
        self.assertEqual(project(bw.routes(R1)), expected(EXPECTED))
        nb = bw.nb(R1)
        self.assertEqual(nb["prefixes"], {"ipv4": 4, "ipv6": 2})
        self.assertEqual(nb["established_count"], 1)
        # Origin AS of the route with a prepended 4-byte AS.
        r177 = [r for r in routes if r["prefix"] == "175.45.177.0/24"][0]
        self.assertEqual(r177["origin_as"], 4200000001)

        # Longest match for an address inside a /24.
        m = bw.rib(prefix="175.45.176.77")
        self.assertEqual([r["prefix"] for r in m["routes"]],
                         ["175.45.176.0/24"])

        # Withdraw two routes and announce a new one by reconfiguring BIRD.
        bird.routes4 = [r for r in ROUTES4 if r[0] != "175.45.177.0/24"] + \
            [("203.0.113.0/24", "bgp_community.add((64511,300));")]
        bird.routes6 = [r for r in ROUTES6 if r[0] != "2001:db8:2::/48"]
        bird.reconfigure()
        want = expected(["175.45.176.0/24", "175.45.178.0/24",
                         "198.51.100.0/24", "2001:db8:1::/48"]) + \
            project([expect("203.0.113.0/24", communities=["64511:300"])])
        want = project(want)
        bw.wait_rib(lambda rs: project(rs) == want, "routes after "
                    "birdc configure: %r" % want)
        self.assertEqual(bw.count(), {"routes": 5, "ipv4": 4, "ipv6": 1})
        nb = bw.nb(R1)
        self.assertEqual(nb["state"], "Established")
        self.assertEqual(nb["established_count"], 1,
                         "reconfiguring BIRD's routes reset the session")
        self.assertGreaterEqual(nb["withdrawals_in"], 2)

        # SIGTERM: BIRD is told Cease / Administrative shutdown.
        bw.stop()
        # Its events (peer_up/peer_down...) are valid per the schema.
        self.assertGreater(bw.events_checked, 0, "no events were logged")
        # BIRD's own log, as for r2 below: `show protocols` keeps only the
        # last error, and BIRD's reconnects (refused) overwrite it once
        # a second, sooner than a loaded machine gets through bw.stop().
        wait_for(lambda: "Received: Administrative shutdown" in
                 open(bird.logfile).read(), 10,
                 "BIRD to report the Cease/Administrative shutdown")

    def test_2_graceful_restart(self):
        """BIRD restarts gracefully: routes stale, then refreshed."""
        gr = "  graceful restart on;\n  graceful restart time 60;\n"
        bw, bird = lab_pair(self.lab, bird_extra=gr)
        bird.global_extra = "graceful restart wait 15;"
        bw.start()
        bird.start()
        nb = bw.wait_established(R1)
        grcap = nb["capabilities"]["graceful_restart"]
        self.assertEqual(grcap["restart_time"], 60)
        self.assertEqual(sorted(grcap["families"]), ["ipv4", "ipv6"])
        routes = bw.wait_routes(6)
        self.assertEqual(project(routes), expected(EXPECTED))

        # `birdc graceful restart` shuts BIRD down without a NOTIFICATION,
        # keeping forwarding state: bgpwatchd keeps the routes, stale.
        out = bird.birdc("graceful", "restart")
        self.assertIn("raceful restart", out)
        bird.proc.wait(20)
        wait_for(lambda: bw.state(R1) != "Established", 15,
                 "bgpwatchd to notice BIRD went away")
        stale = bw.wait_rib(lambda rs: len(rs) == 6 and
                            all(r["stale"] for r in rs),
                            "6 stale routes while BIRD is down")
        self.assertEqual(project(stale), expected(EXPECTED, stale=True))
        # Still there (stale) a while later.
        time.sleep(2)
        self.assertEqual(project(bw.routes()), expected(EXPECTED, stale=True))
        self.assertEqual(bw.count()["routes"], 6)

        # BIRD comes back (recovery mode) without 175.45.178.0/24 and
        # 2001:db8:2::/48; after its End-of-RIB those two are gone and the
        # rest is fresh.
        bird.routes4 = [r for r in ROUTES4 if r[0] != "175.45.178.0/24"]
        bird.routes6 = [r for r in ROUTES6 if r[0] != "2001:db8:2::/48"]
        bird.start(recovery=True)
        nb = bw.wait_established(R1)
        # bird -R sets the Restart State bit in its new OPEN.
        self.assertTrue(nb["capabilities"]["graceful_restart"]["restarting"])
        want = expected(["175.45.176.0/24", "175.45.177.0/24",
                         "198.51.100.0/24", "2001:db8:1::/48"])
        bw.wait_rib(lambda rs: project(rs) == want,
                    "fresh routes after End-of-RIB: %r" % want, timeout=40)
        nb = bw.nb(R1)
        self.assertEqual(nb["established_count"], 2)
        self.assertIsNotNone(nb["eor"]["ipv4"])
        self.assertIsNotNone(nb["eor"]["ipv6"])
        self.assertEqual(bw.count(), {"routes": 4, "ipv4": 3, "ipv6": 1})
        bw.stop()

    def test_2b_graceful_restart_timeout(self):
        """A restarting peer that does not come back: stale routes go."""
        gr = "  graceful restart on;\n  graceful restart time 4;\n"
        bw, bird = lab_pair(self.lab, bird_extra=gr)
        bw.start()
        bird.start()
        nb = bw.wait_established(R1)
        self.assertEqual(nb["capabilities"]["graceful_restart"]
                         ["restart_time"], 4)
        bw.wait_routes(6)
        bird.birdc("graceful", "restart")
        bird.proc.wait(20)
        bw.wait_rib(lambda rs: len(rs) == 6 and all(r["stale"] for r in rs),
                    "6 stale routes", timeout=5)
        bw.wait_routes(0, timeout=15)
        # From the session's end by bgpwatchd's clock (its peer_down's
        # ts), not from when this script saw BIRD exit: a loaded machine
        # runs the script late, and the time looked shorter.
        down = [e for e in bw.events() if e["type"] == "peer_down"]
        self.assertTrue(down, "no peer_down event")
        took = time.time() - down[-1]["ts"].to_unix_nano() / 1e9
        self.assertGreaterEqual(took, 2.5, "stale routes dropped %.2f s "
                                "after the session, long before the "
                                "restart time (4 s)" % took)
        self.assertEqual(bw.count(), {"routes": 0, "ipv4": 0, "ipv6": 0})
        bw.stop()

    def test_2c_no_graceful_restart(self):
        """A peer without GR for its families dies: routes go at once."""
        bw, bird = lab_pair(self.lab)
        bw.start()
        bird.start()
        nb = bw.wait_established(R1)
        # BIRD is GR-aware by default: the capability with no family.
        gr = nb["capabilities"]["graceful_restart"]
        self.assertEqual(gr and gr["families"], [])
        bw.wait_routes(6)
        bird.proc.kill9()
        bw.wait_routes(0, timeout=8)
        self.assertNotEqual(bw.state(R1), "Established")
        self.assertNotIn("stale", bw.proc.text())
        bw.stop()

    def test_3_max_prefix(self):
        """max-prefix 3 against 5 routes: Cease/1, then Idle."""
        five = [("10.%d.0.0/16" % i, "") for i in range(1, 6)]
        bw, bird = lab_pair(self.lab, routes4=five, routes6=[],
                            nb_extra=["max-prefix 3"])
        bw.start()
        bird.start()
        # BIRD's own log, as in test_1 and test_5: `show protocols` keeps
        # only the last error, and BIRD retries after its error wait (1 s
        # here), its refused connects overwriting the Cease: a loaded
        # machine polled too late (twice: wait, then assert).
        wait_for(lambda: "Received: Maximum number of prefixes reached"
                 in open(bird.logfile).read(), 30,
                 "BIRD to receive Cease/Maximum number of prefixes")
        nb = bw.wait_state(R1, "Idle", 10)
        self.assertIn("max-prefix", nb["last_error"] or "")
        self.assertEqual(nb["established_count"], 1)
        wait_for(lambda: bw.count()["routes"] == 0, 10,
                 "the routes of the torn-down peer to go")
        # It stays down (default restart 5m) although BIRD keeps trying.
        stays(lambda: bw.state(R1) == "Idle" and
              bw.count()["routes"] == 0, 6, "Idle after max-prefix")
        self.assertEqual(bw.nb(R1)["established_count"], 1)
        self.assertFalse(bird.established())
        bw.stop()

    def test_3b_max_prefix_restart(self):
        """max-prefix N restart 3s: the session comes back after 3 s."""
        five = [("10.%d.0.0/16" % i, "") for i in range(1, 6)]
        bw, bird = lab_pair(self.lab, routes4=five, routes6=[],
                            nb_extra=["max-prefix 3 restart 3s"])
        bw.start()
        bird.start()
        bw.wait_state(R1, "Idle", 30)
        wait_for(lambda: bw.nb(R1)["established_count"] >= 2, 20,
                 "a second session after the restart delay")
        # The delay by bgpwatchd's own clock (its events' ts), not from
        # when this script saw Idle: a loaded machine polls late.
        evs = [e for e in bw.events()
               if e["type"] in ("peer_up", "peer_down")]
        down = [e for e in evs if e["type"] == "peer_down"]
        self.assertTrue(down and "max-prefix" in down[0]["reason"],
                        "no peer_down for max-prefix: %r" % evs)
        up2 = [e for e in evs if e["type"] == "peer_up" and
               e["seq"] > down[0]["seq"]]
        self.assertTrue(up2, "no peer_up after the max-prefix: %r" % evs)
        delay = (up2[0]["ts"].to_unix_nano() -
                 down[0]["ts"].to_unix_nano()) / 1e9
        self.assertGreaterEqual(delay, 2.8, "came back %.2f s after the "
                                "max-prefix teardown, before the restart "
                                "delay (3 s)" % delay)
        # With 5 routes still announced it is torn down again.
        wait_for(lambda: bw.state(R1) == "Idle", 20, "Idle again")
        self.assertIn("max-prefix", bw.nb(R1)["last_error"])
        bw.stop()

    def test_4_md5(self):
        """TCP MD5: wrong key never establishes; the right one does."""
        bw, bird = lab_pair(self.lab, routes6=[],
                            nb_extra=['md5 "s3cret-Key"'],
                            bird_extra='  password "wrong";\n')
        bw.start()
        bird.start()
        stays(lambda: bw.state(R1) != "Established" and
              not bird.established(), 10,
              "no session with a wrong MD5 key")
        bw.assert_alive()
        self.assertEqual(bw.nb(R1)["established_count"], 0)
        self.assertEqual(bw.count()["routes"], 0)

        # Without any key on BIRD's side: no session either.
        bird.bgp_extra = ""
        bird.reconfigure()
        stays(lambda: bw.state(R1) != "Established", 5,
              "no session without an MD5 key")

        bird.bgp_extra = '  password "s3cret-Key";\n'
        bird.reconfigure()
        bw.wait_established(R1, 30)
        routes = bw.wait_routes(4)
        self.assertEqual(project(routes), expected(
            [p for p, _ in ROUTES4]))
        bw.stop()

    def test_5_reload(self):
        """Adding/removing a neighbor by reload keeps other sessions."""
        bw, r1 = lab_pair(self.lab, routes6=[])
        bw.start()
        r1.start()
        bw.wait_established(R1)
        bw.wait_routes(4)

        # r2 appears in the config; `bgpwatchctl reload`.
        r2routes = [("192.0.2.0/24", "bgp_community.add((64512,1));"),
                    ("2001:db8:99::/48", "")]
        _, r2 = lab_pair(self.lab, routes4=r2routes[:1],
                         routes6=r2routes[1:], addr=R2, asn=AS2, name="r2",
                         bw=bw)
        r2.start()
        up0 = bw.nb(R1)["uptime"]
        time.sleep(1.2)
        bw.write_config()
        bw.reload()
        bw.wait_established(R2, 30)
        want2 = project([
            expect("192.0.2.0/24", neighbor=R2, as_path="64512",
                   communities=["64512:1"]),
            expect("2001:db8:99::/48", neighbor=R2, as_path="64512")])
        bw.wait_rib(lambda rs: project(rs) == want2, "r2's routes",
                    neighbor=R2)
        self.assertEqual(bw.count(), {"routes": 6, "ipv4": 5, "ipv6": 1})
        n1 = bw.nb(R1)
        self.assertEqual(n1["state"], "Established")
        self.assertEqual(n1["established_count"], 1, "reload reset r1")
        self.assertGreater(n1["uptime"], up0, "r1's uptime restarted")
        self.assertEqual(project(bw.routes(R1)),
                         expected([p for p, _ in ROUTES4]))

        # A broken file: reload fails, nothing changes.
        good = bw.config_text()
        with open(bw.conf, "w") as f:
            f.write(good + "neighbor 127.0.0.99 {\n  passive\n}\n")
        r = bw.ctl_raw("reload", json_out=False, check=False)
        self.assertNotEqual(r.returncode, 0, "reload of a bad file "
                            "succeeded: %r" % r.stdout)
        self.assertIn("remote-as", r.stdout + r.stderr)
        self.assertEqual(sorted(bw.neighbors_json()), [R1, R2])
        self.assertEqual(bw.state(R2), "Established")

        # r2 leaves the config; SIGHUP.
        del bw.neighbors[R2]
        bw.write_config()
        bw.sighup()
        wait_for(lambda: R2 not in bw.neighbors_json(), 15,
                 "r2 to disappear from show neighbors")
        bw.wait_rib(lambda rs: {r["neighbor"] for r in rs} == {R1} and
                    len(rs) == 4, "only r1's 4 routes")
        # r2's routes leave in slices after it (adjrib_src_detach).
        wait_for(lambda: bw.count() == {"routes": 4, "ipv4": 4, "ipv6": 0},
                 10, "the RIB's count back to r1's 4 routes")
        # BIRD's own log: `show protocols` keeps only the last error, and
        # r2 reconnects (refused: unconfigured) within a second or so.
        wait_for(lambda: "Received: Peer de-configured" in
                 open(r2.logfile).read(), 20,
                 "r2 to receive Cease/Peer de-configured")
        n1 = bw.nb(R1)
        self.assertEqual(n1["state"], "Established")
        self.assertEqual(n1["established_count"], 1, "SIGHUP reset r1")
        # r2 (still running) is refused from now on.
        stays(lambda: R2 not in bw.neighbors_json() and
              not r2.established(), 4, "r2 stays out")
        bw.stop()
