"""
bgpfeed replays a real MRT update file (40 RIS peers) into bgpwatchd, one
session per MRT peer from 127.0.1.N; each neighbor's table must then equal
what applying that peer's records of `bgpdump -m FILE` in order gives.
"""
import os
import subprocess
import time
import unittest

from lib import BGPFEED, Bgpwatchd, LabTest, run, wait_for

MRT = "/work/shared/data/mrt/updates.20160811.1600.gz"

# A STATE record that leaves Established ends that MRT session: the peer's
# routes are gone (bgpfeed closes its session and opens a new one for the
# records that follow).  In this file only peers that never send an UPDATE
# have STATE records; bgpfeed opens no session for those.
STATE_CLEARS = True


def bgpfeed_ready():
    """None if build/bgpfeed can replay MRT files, else why not."""
    if not os.access(BGPFEED, os.X_OK):
        return "%s not built" % BGPFEED
    r = subprocess.run([BGPFEED, "--help"], capture_output=True, text=True,
                       timeout=10)
    out = r.stdout + r.stderr
    if "not yet implemented" in out or "--mrt" not in out:
        return "bgpfeed not functional yet (%s)" % out.strip()[:80]
    return None


def mrt_model(path):
    """
    Applies `bgpdump -m` records in order.  Returns (peers, tables):
    peers = [(mrt_peer_ip, asn)] in order of first appearance in an
    UPDATE (A or W: the order of bgpfeed's sources 127.0.1.N), tables =
    {mrt_peer_ip: {prefix: (as_path, origin, communities)}}.
    """
    out = run(["bgpdump", "-m", path], timeout=120).stdout
    peers = []
    seen = set()
    tables = {}
    for line in out.splitlines():
        f = line.split("|")
        if len(f) < 6 or f[0] != "BGP4MP":
            continue
        kind, ip, asn = f[2], f[3], int(f[4])
        if ip not in seen and kind in ("A", "W"):
            seen.add(ip)
            peers.append((ip, asn))
        t = tables.setdefault(ip, {})
        if kind == "A":
            comms = f[11].split() if f[11] else []
            t[f[5]] = (f[6], f[7], comms)
        elif kind == "W":
            t.pop(f[5], None)
        elif kind == "STATE":
            if STATE_CLEARS and f[6] != "6":
                t.clear()
    return peers, tables


class TestFeed(LabTest):

    def test_8_mrt_replay(self):
        why = bgpfeed_ready()
        if why:
            raise unittest.SkipTest(why)
        peers, tables = mrt_model(MRT)
        self.assertEqual(len(tables), 40)
        self.assertEqual(len(peers), 35)     # 5 peers only flap
        local = {ip: "127.0.1.%d" % (i + 1) for i, (ip, _) in
                 enumerate(peers)}
        # bgpfeed's own view of the file agrees (source, AS, final count).
        listed = {}
        for ln in run([BGPFEED, "--mrt", MRT, "--list-peers"]).stdout \
                .splitlines():
            w = ln.split()
            kv = dict(x.split("=", 1) for x in w[2:] if "=" in x)
            listed[w[0]] = (w[1], kv.get("source"), int(kv.get("routes")))
        self.assertEqual(listed, {ip: ("AS%d" % asn, local[ip],
                                       len(tables[ip]))
                                  for ip, asn in peers})

        bw = Bgpwatchd(self.lab)
        for ip, asn in peers:
            bw.neighbor(local[ip], asn, "passive",
                        'description "%s"' % ip)
        bw.start()
        feed = self.lab.start("bgpfeed", [
            BGPFEED, "--mrt", MRT, "--hold", "300",
            "%s:%d" % (bw.listen, bw.port)])

        want_counts = {local[ip]: len(tables[ip]) for ip, _ in peers}

        def counts_match():
            if not feed.alive():
                return "bgpfeed exited"
            nbs = bw.neighbors_json()
            got = {a: n["prefixes"]["ipv4"] + n["prefixes"]["ipv6"]
                   for a, n in nbs.items()}
            return got == want_counts or None
        wait_for(counts_match, 60, "per-neighbor route counts %r"
                 % want_counts, interval=1)
        self.assertTrue(feed.alive(), "bgpfeed exited %r early"
                        % feed.p.returncode)
        time.sleep(1)

        bad = []
        for ip, asn in peers:
            addr = local[ip]
            routes = bw.routes(addr)
            got = {r["prefix"]: (r["as_path"], r["origin"],
                                 r["communities"]) for r in routes}
            if len(got) != len(routes):
                bad.append("%s (%s): duplicate prefixes" % (addr, ip))
            if got != tables[ip]:
                miss = set(tables[ip]) - set(got)
                extra = set(got) - set(tables[ip])
                diff = [p for p in set(got) & set(tables[ip])
                        if got[p] != tables[ip][p]]
                bad.append("%s (%s AS%d): %d missing %r, %d extra %r, "
                           "%d differ %r" % (
                               addr, ip, asn, len(miss), sorted(miss)[:3],
                               len(extra), sorted(extra)[:3], len(diff),
                               [(p, got[p], tables[ip][p])
                                for p in diff[:2]]))
        self.assertEqual(bad, [], "\n".join(bad))
        nbs = bw.neighbors_json()
        for ip, asn in peers:
            n = nbs[local[ip]]
            self.assertEqual((n["state"], n["remote_as"],
                              n["established_count"]),
                             ("Established", asn, 1), local[ip])
            self.assertEqual(n["treat_as_withdraw"], 0, local[ip])
        total = sum(len(t) for t in tables.values())
        self.assertEqual(bw.count()["routes"], total)
        self.assertTrue(feed.alive(), "bgpfeed ended before --hold")
        feed.stop()
        bw.stop()
        # Its events (peer_up/peer_down...) are valid per the schema.
        self.assertGreater(bw.events_checked, 0, "no events were logged")
