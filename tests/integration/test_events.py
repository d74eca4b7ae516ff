"""
Events against real BGP peers: three BIRD "upstreams" (AS 4837, 3356,
1299) feed one bgpwatchd watching North Korea's space, and the event log
is decoded with Python's msgpack (not bgpwatch's own reader).

One lab serves every scenario (starting BIRD and settling the peers is
most of the cost): each test first brings the peers and routes to the
state it needs, then marks the last seq and checks the events after it.
Tests run in file order; any one of them can also run alone
(`sh tests/check/integration.sh test_events.TestEvents.test_05_...`).

Regions of the lab (hold-down 2 s, eligible-after 2 s):
  KP    prefix 175.45.176.0/22 + origin-as 131279
  KPC   country KP only, from tests/data/rirstats (APNIC, 20141222)
  DOC6  prefix 2001:db8:100::/47 (IPv6 over MP-BGP)
Every upstream announces 175.45.176.0/24..179.0/24 with the path
"UPSTREAM 131279", 2001:db8:100::/48 and 2001:db8:101::/48 with
"UPSTREAM 64500", and background routes that belong to no region.
"""
import atexit
import json
import os
import socket
import threading
import time
import unittest

import msgpack

import lib
from lib import Bgpwatchd, Bird, Lab, run, wait_for

HOLD = 2.0                  # hold-down of every region (s)
ELIGIBLE_AFTER = 2          # s
QUIET = HOLD + 1.0          # how long "no region event" is watched
RIRSTATS = os.path.join(lib.TOP, "tests", "data", "rirstats",
                        "delegated-apnic-extended-latest")

PEERS = [("r1", "127.0.0.11", 4837),      # China Unicom, KP's real upstream
         ("r2", "127.0.0.12", 3356),
         ("r3", "127.0.0.13", 1299)]
ADDR = {n: a for n, a, _ in PEERS}
ASN = {n: s for n, _, s in PEERS}

KP24 = ["175.45.176.0/24", "175.45.177.0/24", "175.45.178.0/24",
        "175.45.179.0/24"]
KP22 = "175.45.176.0/22"
O198 = "198.51.100.0/24"           # outside KP's prefix list, AS131279's
V6 = ["2001:db8:100::/48", "2001:db8:101::/48"]
BG4 = [("192.0.2.0/24", 64496), ("203.0.113.0/24", 64497),
       ("198.18.0.0/24", 64498), ("198.18.1.0/24", 64498),
       ("198.19.0.0/16", 64499)]
BG6 = [("2001:db8:ffff::/48", 64499)]
KP_VIA = "prefix 175.45.176.0/22, origin-as 131279"
KPC_VIA = "country KP (delegated-apnic-extended-latest 20141222)"
REGIONS = ("KP", "KPC", "DOC6")
PREFIX_EVENTS = ("prefix_withdrawn", "prefix_announced")


def prepend(*asns):
    # BIRD prepends its own AS on export: path "UPSTREAM *asns".
    return " ".join("bgp_path.prepend(%d);" % a for a in reversed(asns))


def tsf(ev):
    """The msgpack timestamp (ext -1) as float seconds."""
    ts = ev["ts"]
    assert isinstance(ts, msgpack.Timestamp), \
        "ts is %r, not a msgpack Timestamp (ext -1)" % (ts,)
    return ts.to_unix()


def peer(name):
    return {"address": ADDR[name], "asn": ASN[name]}


def schema_errors(ev):
    """ev (decoded msgpack) against docs/events.schema.json (lib.py)."""
    return lib.schema_errors(ev)


def read_log(path):
    """(events, raw bytes, [offset of each event]) of an event log."""
    with open(path, "rb") as f:
        raw = f.read()
    u = msgpack.Unpacker(raw=False)
    u.feed(raw)
    evs, offs = [], []
    while True:
        off = u.tell()
        try:
            ev = next(u)
        except StopIteration:
            break
        evs.append(ev)
        offs.append(off)
    return evs, raw, offs


class Subscriber:
    """A unix-socket subscriber that sends {"from": N} and collects bytes."""

    def __init__(self, path, frm):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.s.sendall(msgpack.packb({"from": frm}))
        self.s.settimeout(0.2)
        self.buf = bytearray()
        self.eof = False
        self.stop = False
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not d:
                break
            with self.lock:
                self.buf += d
        self.eof = True

    def data(self):
        with self.lock:
            return bytes(self.buf)

    def events(self):
        u = msgpack.Unpacker(raw=False)
        u.feed(self.data())
        return list(u)

    def close(self):
        self.stop = True
        self.t.join(2)
        self.s.close()


class TestEvents(unittest.TestCase):
    lab = None
    broken = None
    failed = False
    o198 = False            # 198.51.100.0/24 is part of the baseline
    outage = None           # (region_down event, outage start ts) of KP
    stopped = False         # bgpwatchd stopped on purpose

    # ------------------------------------------------------------ the lab

    @classmethod
    def _build(cls):
        lab = cls.lab = Lab("test_events")
        cls.log = lab.path("events.mpk")
        cls.evsock = lab.path("events.sock")
        extra = """eligible-after %ds
rir-stats "%s"
region "KP" {
    prefix 175.45.176.0/22
    origin-as 131279
    hold-down %gs
}
region "KPC" {
    country KP
    hold-down %gs
}
region "DOC6" {
    prefix 2001:db8:100::/47
    hold-down %gs
}
events {
    log "%s"
    subscribe unix "%s"
}
""" % (ELIGIBLE_AFTER, RIRSTATS, HOLD, HOLD, HOLD, cls.log, cls.evsock)
        cls.bw = Bgpwatchd(lab, extra=extra)
        cls.birds = {}
        cls.want = {}
        for name, addr, asn in PEERS:
            # keepalive 1: BIRD 2.0.12 sometimes holds its first UPDATEs
            # until its next keepalive (seen when bgpwatchd's KEEPALIVE
            # and End-of-RIB reach it in one segment); with keepalive 3
            # the initial table can then come after eligible-after (2 s)
            # and make prefix_announced events.  With 1 s it never does.
            b = Bird(lab, name, addr, asn, cls.bw,
                     bgp_extra="  keepalive time 1;\n")
            cls.bw.neighbor(addr, asn, "port %d" % b.port)
            cls.birds[name] = b
            cls.want[name] = cls.default_routes()
            cls.apply(name, write_only=True)
        cls.bw.start()
        for b in cls.birds.values():
            b.start()
        atexit.register(cls._close)

    @classmethod
    def _close(cls):
        if cls.lab is not None:
            if cls.failed:
                cls._dump_events()
            cls.lab.close(cls.failed)
            cls.lab = None

    @classmethod
    def _dump_events(cls):
        try:
            evs = read_log(cls.log)[0]
        except OSError:
            return
        p = cls.lab.path("events.jsonl")
        with open(p, "w") as f:
            for e in evs:
                e = dict(e)
                e["ts"] = "%.6f" % tsf(e)
                f.write(json.dumps(e) + "\n")
        cls.lab.logs.append(p)

    @classmethod
    def default_routes(cls):
        return {"kp": True, "agg": False, "o198": cls.o198, "v6": set(V6)}

    @classmethod
    def apply(cls, name, write_only=False, **change):
        """Sets what BIRD `name` announces; reconfigures a running BIRD."""
        w = cls.want[name]
        w.update(change)
        b = cls.birds[name]
        b.routes4, b.routes6 = cls.routes_for(w)
        if not write_only:
            b.reconfigure()

    @staticmethod
    def routes_for(w):
        r4 = [(p, prepend(a)) for p, a in BG4]
        if w["kp"]:
            r4 += [(p, prepend(131279)) for p in KP24]
        if w["agg"]:
            r4.append((KP22, prepend(131279)))
        if w["o198"]:
            r4.append((O198, prepend(131279)))
        r6 = [(p, prepend(a)) for p, a in BG6]
        r6 += [(p, prepend(64500)) for p in V6 if p in w["v6"]]
        return r4, r6

    def setUp(self):
        cls = type(self)
        if cls.broken:
            self.fail("the lab could not be set up: %s" % cls.broken)
        if cls.lab is None:
            try:
                cls._build()
            except Exception as e:
                cls.broken = "%s: %s" % (type(e).__name__, e)
                cls.failed = True
                raise
        r = getattr(self, "_outcome", None)
        res = getattr(r, "result", None) if r else None
        self._nfail = len(res.failures) + len(res.errors) if res else 0

    def tearDown(self):
        r = getattr(self, "_outcome", None)
        res = getattr(r, "result", None) if r else None
        if res is not None and \
                len(res.failures) + len(res.errors) > self._nfail:
            type(self).failed = True
            self._dump_events()
            self.lab.dump_logs()

    # ---------------------------------------------------------- the events

    def events(self, since=0, type=None, region=None, peer_name=None,
               prefix=None):
        """Events with seq > since (from the log), filtered."""
        out = []
        for e in read_log(self.log)[0]:
            if e["seq"] <= since:
                continue
            if type is not None and e["type"] not in (
                    (type,) if isinstance(type, str) else type):
                continue
            if region is not None and e.get("region") != region:
                continue
            if peer_name is not None and \
                    (e.get("peer") or {}).get("address") != ADDR[peer_name]:
                continue
            if prefix is not None and e.get("prefix") != prefix:
                continue
            out.append(e)
        return out

    def last_seq(self):
        evs = read_log(self.log)[0]
        return evs[-1]["seq"] if evs else 0

    def wait_events(self, n, timeout=10, what=None, **filt):
        """Waits until at least n events match filt; returns them."""
        def f():
            evs = self.events(**filt)
            return evs if len(evs) >= n else None
        return wait_for(f, timeout, what or "%d events %r" % (n, filt),
                        interval=0.05)

    def region_state(self, region):
        evs = self.events(type=("region_up", "region_down",
                                "region_degraded", "region_blind"),
                          region=region)
        return evs[-1]["state"] if evs else "blind"

    def assert_no_events(self, since, what, **filt):
        evs = self.events(since=since, **filt)
        self.assertEqual(evs, [], "%s: %s" % (what, "\n".join(
            json.dumps({k: (tsf(e) if k == "ts" else v)
                        for k, v in e.items()}) for e in evs)))

    def check_structure(self):
        """Every record: v 1, keys v, seq, ts, type first, seq + 1 each."""
        evs = read_log(self.log)[0]
        prev = None
        for e in evs:
            self.assertEqual(list(e)[:4], ["v", "seq", "ts", "type"], e)
            self.assertEqual(e["v"], 1, e)
            tsf(e)
            if prev is not None:
                self.assertEqual(e["seq"], prev["seq"] + 1,
                                 "seq gap/duplicate after %r" % prev)
                self.assertGreaterEqual(tsf(e), tsf(prev) - 0.001)
            prev = e
        # docs/events.schema.json holds for every event (the JSON form).
        for e in evs:
            errs = [x.message for x in schema_errors(e)]
            self.assertEqual(errs, [], "not valid per the schema: %r" % e)
        # No background prefix ever makes an event.
        bg = {p for p, _ in BG4 + BG6}
        self.assertEqual([e for e in evs if e.get("prefix") in bg], [])

    # ----------------------------------------------------------- baseline

    def baseline(self, o198=None):
        """All three sessions up and eligible, the default routes, every
        region up.  Returns the seq to look after."""
        cls = type(self)
        if o198 is not None:
            cls.o198 = o198
        bw = self.bw
        if cls.stopped:             # by test_11, on purpose
            cls.stopped = False
            bw.start()
        bw.assert_alive()
        for name, b in self.birds.items():
            if b.proc is None or not b.proc.alive():
                cls.want[name] = cls.default_routes()
                cls.apply(name, write_only=True)
                b.start()
                continue
            if (b.routes4, b.routes6) != \
                    cls.routes_for(cls.default_routes()):
                cls.want[name] = cls.default_routes()
                cls.apply(name)
            if "disabled" in b.birdc("show", "protocols", "bw"):
                b.birdc("enable", "bw")

        def eligible():
            nbs = bw.neighbors_json()
            for _, addr, _ in PEERS:
                n = nbs.get(addr)
                if not n or n["state"] != "Established":
                    return False
                eor = n.get("eor") or {}
                if not (eor.get("ipv4") and eor.get("ipv6")) and \
                        n["uptime"] < ELIGIBLE_AFTER + 1:
                    return False
            return True
        wait_for(eligible, 40, "3 sessions established and eligible")
        # The routes everyone should have now.
        n4 = len(BG4) + 4 + (1 if cls.o198 else 0)
        n6 = len(BG6) + 2
        for _, addr, _ in PEERS:
            wait_for(lambda: bw.nb(addr)["prefixes"] ==
                     {"ipv4": n4, "ipv6": n6}, 15,
                     "%s: %d IPv4 and %d IPv6 routes" % (addr, n4, n6))
        for r in REGIONS:
            wait_for(lambda: self.region_state(r) == "up", 3 * HOLD + 10,
                     "region %s up" % r)
        time.sleep(0.3)     # a last event of the settling, if any
        return self.last_seq()

    # ---------------------------------------------------------- scenarios

    def test_01_one_peer_withdraws(self):
        """1. One upstream withdraws KP: prefix_withdrawn, no region event."""
        mark = self.baseline()
        t0 = time.time()
        self.apply("r1", kp=False)
        evs = self.wait_events(4, since=mark, type="prefix_withdrawn",
                               region="KP")
        time.sleep(0.3)
        evs = self.events(since=mark, type="prefix_withdrawn", region="KP")
        self.assertEqual(sorted(e["prefix"] for e in evs), KP24)
        for e in evs:
            self.assertEqual(e["peer"], peer("r1"))
            self.assertEqual(e["visible_peers"], 2, e)
            self.assertEqual(e["eligible_peers"], 3, e)
            self.assertEqual(e["as_path"], "4837 131279", e)
            self.assertEqual(e["via"], "prefix", e)
            self.assertEqual(e["via_detail"], KP22, e)
            self.assertNotIn("via_file", e)
            self.assertGreaterEqual(tsf(e), t0 - 0.05)
            self.assertLess(tsf(e), time.time())
        # Only r1's withdrawals, in KP and (by country) in KPC.
        allp = self.events(since=mark, type=PREFIX_EVENTS)
        self.assertEqual(sorted((e["region"], e["prefix"]) for e in allp),
                         sorted([("KP", p) for p in KP24] +
                                [("KPC", p) for p in KP24]))
        self.assertEqual({e["peer"]["address"] for e in allp}, {ADDR["r1"]})
        # 2 of 3 still carry it: the region stays up.
        time.sleep(QUIET)
        self.assert_no_events(mark, "region event with 2 of 3 peers",
                              type=("region_down", "region_degraded",
                                    "region_up", "region_blind"))
        mark2 = self.last_seq()
        self.apply("r1", kp=True)
        evs = self.wait_events(4, since=mark2, type="prefix_announced",
                               region="KP")
        self.assertEqual(sorted(e["prefix"] for e in evs), KP24)
        for e in evs:
            self.assertEqual(e["peer"], peer("r1"))
            self.assertEqual(e["visible_peers"], 3, e)
            self.assertEqual(e["eligible_peers"], 3, e)
            self.assertEqual(e["as_path"], "4837 131279", e)
        self.assert_no_events(mark, "region event", region="KP",
                              type=("region_down", "region_degraded",
                                    "region_up"))
        self.check_structure()

    def take_down(self):
        """Every upstream withdraws KP; waits for region_down.  Returns
        (region_down event, ts when visibility fell below 90%)."""
        mark = self.baseline()
        t0 = time.time()
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=False)
        wd = self.wait_events(12, since=mark, type="prefix_withdrawn",
                              region="KP")
        self.assertGreaterEqual(tsf(wd[0]), t0 - 0.05)
        # Per prefix: 2, 1, 0 peers left, in that order.
        for p in KP24:
            self.assertEqual([e["visible_peers"] for e in wd
                              if e["prefix"] == p], [2, 1, 0], p)
            self.assertEqual({e["peer"]["asn"] for e in wd
                              if e["prefix"] == p}, {4837, 3356, 1299})
        # The first unit under quorum (1 peer of 3) starts the outage,
        # the last one makes visibility 0.
        below = [tsf(e) for e in wd if e["visible_peers"] == 1]
        start, last = min(below), max(below)
        downs = self.wait_events(1, since=mark, timeout=HOLD + 10,
                                 type="region_down", region="KP")
        seen = time.time()
        down = downs[0]
        # Not before hold-down (by its ts and by the clock), not long after.
        self.assertGreaterEqual(tsf(down) - start, HOLD - 0.05,
                                "region_down before hold-down")
        self.assertGreaterEqual(seen - start, HOLD - 0.05)
        self.assertLessEqual(tsf(down) - last, HOLD + 1.0,
                             "region_down long after hold-down")
        return down, start, mark

    def test_02_all_withdraw_region_down(self):
        """2. Every upstream withdraws: region_down after hold-down."""
        down, start, mark = self.take_down()
        type(self).outage = (down, start)
        for k, v in {"region": "KP", "state": "down", "previous": "up",
                     "visibility": 0.0, "prefixes_visible": 0,
                     "prefixes_total": 4, "units_visible": 0,
                     "units_total": 4, "eligible_peers": 3,
                     "min_peers": 2, "via": KP_VIA}.items():
            self.assertEqual(down.get(k), v, "%s of %r" % (k, down))
        self.assertNotIn("duration", down)
        # Straight from up to down: no region_degraded on the way.
        self.assertEqual([e["type"] for e in self.events(
            since=mark, region="KP", type=("region_up", "region_down",
                                           "region_degraded"))],
                         ["region_down"])
        # The country-only region sees the same outage.
        kpc = self.wait_events(1, since=mark, timeout=3,
                               type="region_down", region="KPC")[0]
        for k, v in {"visibility": 0.0, "prefixes_total": 4,
                     "units_total": 4, "previous": "up",
                     "via": KPC_VIA}.items():
            self.assertEqual(kpc.get(k), v, "%s of %r" % (k, kpc))
        self.assert_no_events(mark, "DOC6 was not touched", region="DOC6")
        self.check_structure()

    def test_03_restore_after_down(self):
        """7. Restored after the outage: region_up with its duration."""
        if self.region_state("KP") == "down" and type(self).outage:
            down, start = type(self).outage
        else:
            down, start, _ = self.take_down()
        # Let the outage last about 4 s in all.
        time.sleep(max(0.0, start + 4.0 - time.time()))
        mark = self.last_seq()
        t0 = time.time()
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=True)
        ann = self.wait_events(12, since=mark, type="prefix_announced",
                               region="KP")
        self.assertGreaterEqual(tsf(ann[0]), t0 - 0.05)
        for p in KP24:
            self.assertEqual([e["visible_peers"] for e in ann
                              if e["prefix"] == p], [1, 2, 3], p)
        back = max(tsf(e) for e in ann if e["visible_peers"] == 2)
        ups = self.wait_events(1, since=mark, timeout=HOLD + 10,
                               type="region_up", region="KP")
        up = ups[0]
        for k, v in {"state": "up", "previous": "down", "visibility": 1.0,
                     "prefixes_visible": 4, "units_visible": 4,
                     "units_total": 4, "eligible_peers": 3,
                     "worst_visibility": 0.0}.items():
            self.assertEqual(up.get(k), v, "%s of %r" % (k, up))
        self.assertGreaterEqual(tsf(up) - back, HOLD - 0.05)
        self.assertLessEqual(tsf(up) - back, HOLD + 1.0)
        # duration: from below 90% to back above it, both when the
        # condition began.
        self.assertIsInstance(up["duration"], float)
        self.assertAlmostEqual(up["duration"], back - start, delta=0.3,
                               msg="duration %r, outage %.3f..%.3f" % (
                                   up["duration"], start, back))
        self.assertGreater(up["duration"], 3.0)
        self.assertEqual([e["type"] for e in self.events(
            since=mark, region="KP", type=("region_up", "region_down",
                                           "region_degraded"))],
                         ["region_up"])
        self.check_structure()

    def test_04_flap_shorter_than_hold_down(self):
        """3. All withdraw and re-announce within hold-down: no region
        event, only prefix events."""
        mark = self.baseline()
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=False)
        wd = self.wait_events(12, since=mark, type="prefix_withdrawn",
                              region="KP", timeout=HOLD)
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=True)
        ann = self.wait_events(12, since=mark, type="prefix_announced",
                               region="KP", timeout=HOLD)
        start = min(tsf(e) for e in wd if e["visible_peers"] == 1)
        back = max(tsf(e) for e in ann if e["visible_peers"] == 2)
        self.assertLess(back - start, HOLD - 0.2,
                        "the lab is too slow: the flap took %.2fs"
                        % (back - start))
        for p in KP24:
            self.assertEqual([e["visible_peers"] for e in wd
                              if e["prefix"] == p], [2, 1, 0])
            self.assertEqual([e["visible_peers"] for e in ann
                              if e["prefix"] == p], [1, 2, 3])
        time.sleep(max(0.0, back + QUIET - time.time()))
        self.assert_no_events(mark, "region event for a flap shorter "
                              "than hold-down",
                              type=("region_down", "region_degraded",
                                    "region_up", "region_blind"))
        self.assertEqual(len(self.events(since=mark, type=PREFIX_EVENTS,
                                         region="KP")), 24)
        self.check_structure()

    def test_05_covering_aggregate(self):
        """4. The /24s are withdrawn everywhere but a covering /22 stays:
        the space is visible, no region_down."""
        mark = self.baseline()
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=False, agg=True)
        wd = self.wait_events(12, since=mark, type="prefix_withdrawn",
                              region="KP")
        ann = self.wait_events(3, since=mark, type="prefix_announced",
                               region="KP")
        self.assertEqual(sorted(e["prefix"] for e in wd),
                         sorted(KP24 * 3))
        # Per exact prefix the /24s are gone everywhere ...
        for p in KP24:
            self.assertEqual(min(e["visible_peers"] for e in wd
                                 if e["prefix"] == p), 0)
        # ... and the /22 is there: a member itself (equal to the
        # region's prefix).
        self.assertEqual([e["prefix"] for e in ann], [KP22] * 3)
        self.assertEqual(sorted(e["peer"]["asn"] for e in ann),
                         [1299, 3356, 4837])
        self.assertEqual(sorted(e["visible_peers"] for e in ann), [1, 2, 3])
        for e in ann:
            self.assertEqual(e["via"], "prefix")
            self.assertEqual(e["as_path"], "%d 131279" % e["peer"]["asn"])
        t = max(tsf(e) for e in wd + ann)
        time.sleep(max(0.0, t + QUIET - time.time()))
        self.assert_no_events(mark, "region event while a /22 covers the "
                              "/24s", type=("region_down",
                                            "region_degraded", "region_up"))
        # Back to the /24s.
        mark2 = self.last_seq()
        for n in ("r1", "r2", "r3"):
            self.apply(n, kp=True, agg=False)
        self.wait_events(12, since=mark2, type="prefix_announced",
                         region="KP")
        wd2 = self.wait_events(3, since=mark2, type="prefix_withdrawn",
                               region="KP")
        self.assertEqual([e["prefix"] for e in wd2], [KP22] * 3)
        self.check_structure()

    def test_06_country(self):
        """9. country KP (RIR stats fixture) membership: via country."""
        mark = self.baseline()
        # The country region came up from blind at the start with the
        # four /24s as its baseline.
        first = self.events(type="region_up", region="KPC")[0]
        self.assertEqual(first["previous"], "blind")
        self.assertEqual(first["via"], KPC_VIA)
        self.assertEqual(first["units_total"], 4)
        b = self.birds["r2"]
        b.routes4 = [r for r in b.routes4 if r[0] != "175.45.178.0/24"]
        b.reconfigure()
        kpc = self.wait_events(1, since=mark, type="prefix_withdrawn",
                               region="KPC")
        time.sleep(0.3)
        kpc = self.events(since=mark, type="prefix_withdrawn", region="KPC")
        self.assertEqual(len(kpc), 1, kpc)
        e = kpc[0]
        for k, v in {"prefix": "175.45.178.0/24", "peer": peer("r2"),
                     "visible_peers": 2, "eligible_peers": 3,
                     "as_path": "3356 131279", "via": "country",
                     "via_file": "delegated-apnic-extended-latest",
                     "via_date": "20141222"}.items():
            self.assertEqual(e.get(k), v, "%s of %r" % (k, e))
        self.assertIn(KP22, e["via_detail"])
        self.assertIn("KP", e["via_detail"])
        # The same withdrawal in KP says "prefix" (the first rule wins).
        kp = self.events(since=mark, type="prefix_withdrawn", region="KP")
        self.assertEqual([(x["prefix"], x["via"]) for x in kp],
                         [("175.45.178.0/24", "prefix")])
        self.assertNotIn("via_file", kp[0])
        self.apply("r2")                # back
        self.wait_events(1, since=mark, type="prefix_announced",
                         region="KPC")
        self.check_structure()

    def test_07_origin_as(self):
        """8. A prefix outside the list, originated by AS131279, joins KP
        (via origin-as) and stays a member after it is withdrawn."""
        mark = self.baseline()
        for n in ("r1", "r2", "r3"):
            self.apply(n, o198=True)
        ann = self.wait_events(3, since=mark, type="prefix_announced",
                               region="KP")
        self.assertEqual([e["prefix"] for e in ann], [O198] * 3)
        for e in ann:
            self.assertEqual(e["via"], "origin-as", e)
            self.assertEqual(e["via_detail"], "AS131279", e)
            self.assertEqual(e["as_path"], "%d 131279" % e["peer"]["asn"])
        # In the country region too: AS131279 is KP's by the RIR file.
        kpc = self.wait_events(3, since=mark, type="prefix_announced",
                               region="KPC")
        for e in kpc:
            self.assertEqual((e["prefix"], e["via"]), (O198, "origin-as"))
            self.assertEqual(e.get("via_file"),
                             "delegated-apnic-extended-latest", e)
        # Visible for longer than hold-down: part of the baseline.
        time.sleep(HOLD + 1.0)
        mark2 = self.last_seq()
        self.apply("r1", o198=False)
        wd = self.wait_events(1, since=mark2, type="prefix_withdrawn",
                              region="KP")
        e = wd[0]
        for k, v in {"prefix": O198, "peer": peer("r1"), "visible_peers": 2,
                     "eligible_peers": 3, "as_path": "4837 131279",
                     "via": "origin-as", "via_detail": "AS131279"}.items():
            self.assertEqual(e.get(k), v, "%s of %r" % (k, e))
        self.apply("r2", o198=False)
        self.apply("r3", o198=False)
        wd = self.wait_events(3, since=mark2, type="prefix_withdrawn",
                              region="KP")
        self.assertEqual([x["visible_peers"] for x in wd], [2, 1, 0])
        self.assertEqual({x["via"] for x in wd}, {"origin-as"})
        # Still a member: its /24 is 1 of 5 units, now missing.
        deg = self.wait_events(1, since=mark2, timeout=HOLD + 10,
                               type=("region_degraded", "region_down"),
                               region="KP")[0]
        members = set(KP24) | {x["prefix"] for x in self.events(
            type=PREFIX_EVENTS, region="KP")}
        for k, v in {"type": "region_degraded", "state": "degraded",
                     "previous": "up", "units_total": 5,
                     "units_visible": 4, "visibility": 0.8,
                     "prefixes_visible": 4,
                     "prefixes_total": len(members)}.items():
            self.assertEqual(deg.get(k), v, "%s of %r" % (k, deg))
        self.assertGreaterEqual(tsf(deg) - tsf(wd[1]), HOLD - 0.05)
        # Back: region_up from degraded.
        mark3 = self.last_seq()
        for n in ("r1", "r2", "r3"):
            self.apply(n, o198=True)
        type(self).o198 = True
        up = self.wait_events(1, since=mark3, timeout=HOLD + 10,
                              type="region_up", region="KP")[0]
        self.assertEqual(up["previous"], "degraded")
        self.assertAlmostEqual(up["worst_visibility"], 0.8, places=6)
        self.assertEqual(up["units_total"], 5)
        self.assertEqual(up["visibility"], 1.0)
        self.check_structure()

    def test_08_ipv6(self):
        """10. IPv6 region over MP-BGP: prefix_withdrawn with the IPv6
        prefix; /48 units (1 of 2 lost: degraded at 0.5)."""
        mark = self.baseline()
        self.apply("r1", v6={V6[0]})
        e = self.wait_events(1, since=mark, type="prefix_withdrawn",
                             region="DOC6")[0]
        for k, v in {"prefix": "2001:db8:101::/48", "peer": peer("r1"),
                     "visible_peers": 2, "eligible_peers": 3,
                     "as_path": "4837 64500", "via": "prefix",
                     "via_detail": "2001:db8:100::/47"}.items():
            self.assertEqual(e.get(k), v, "%s of %r" % (k, e))
        self.apply("r2", v6={V6[0]})
        self.apply("r3", v6={V6[0]})
        wd = self.wait_events(3, since=mark, type="prefix_withdrawn",
                              region="DOC6")
        self.assertEqual([x["visible_peers"] for x in wd], [2, 1, 0])
        deg = self.wait_events(1, since=mark, timeout=HOLD + 10,
                               type=("region_degraded", "region_down"),
                               region="DOC6")[0]
        for k, v in {"type": "region_degraded", "visibility": 0.5,
                     "units_visible": 1, "units_total": 2,
                     "prefixes_visible": 1, "prefixes_total": 2}.items():
            self.assertEqual(deg.get(k), v, "%s of %r" % (k, deg))
        self.assert_no_events(mark, "IPv6 changes touch only DOC6",
                              region="KP")
        mark2 = self.last_seq()
        for n in ("r1", "r2", "r3"):
            self.apply(n, v6=set(V6))
        ann = self.wait_events(3, since=mark2, type="prefix_announced",
                               region="DOC6")
        self.assertEqual({x["prefix"] for x in ann}, {"2001:db8:101::/48"})
        self.wait_events(1, since=mark2, timeout=HOLD + 10,
                         type="region_up", region="DOC6")
        self.check_structure()

    def test_09_session_drop(self):
        """5. One upstream dies (kill -9): peer_down with a reason, no
        prefix_withdrawn, no region event; back: no prefix events."""
        mark = self.baseline()
        self.birds["r1"].proc.kill9()
        pd = self.wait_events(1, since=mark, type="peer_down")
        t = time.time()
        e = pd[0]
        self.assertEqual(e["peer"], peer("r1"))
        self.assertEqual(e["eligible_peers"], 2)
        self.assertIsInstance(e["reason"], str)
        self.assertTrue(e["reason"], "empty reason")
        self.assertIs(e["graceful_restart"], False)
        time.sleep(max(0.0, t + QUIET - time.time()))
        self.assert_no_events(mark, "prefix events for a session going "
                              "down", type=PREFIX_EVENTS)
        self.assert_no_events(mark, "region events for a session going "
                              "down", type=("region_down", "region_up",
                                            "region_degraded",
                                            "region_blind"))
        # It comes back: its initial table is news to nobody.
        mark2 = self.last_seq()
        self.birds["r1"].start()
        pu = self.wait_events(1, since=mark2, type="peer_up", timeout=30)
        self.assertEqual(pu[0]["peer"], peer("r1"))
        self.baseline()
        self.assert_no_events(mark2, "events of r1's initial table",
                              type=PREFIX_EVENTS)
        self.check_structure()

    def test_10_all_sessions_drop(self):
        """6. Every session drops: region_blind at once, never down."""
        mark = self.baseline()
        for n in ("r1", "r2", "r3"):
            self.birds[n].birdc("disable", "bw")
        pd = self.wait_events(3, since=mark, type="peer_down")
        self.assertEqual(sorted(e["peer"]["asn"] for e in pd),
                         [1299, 3356, 4837])
        self.assertEqual([e["eligible_peers"] for e in pd], [2, 1, 0])
        for e in pd:
            self.assertIn("Cease", e["reason"], e)
            self.assertIn("dministrative", e["reason"], e)
        blind = self.wait_events(3, since=mark, type="region_blind",
                                 timeout=3)
        self.assertEqual(sorted(e["region"] for e in blind),
                         sorted(REGIONS))
        for e in blind:
            self.assertEqual((e["state"], e["previous"],
                              e["eligible_peers"]), ("blind", "up", 0), e)
            self.assertLess(tsf(e) - tsf(pd[-1]), 0.5,
                            "region_blind not at once")
        time.sleep(QUIET)
        self.assert_no_events(mark, "a blind region is never down",
                              type=("region_down", "region_degraded",
                                    "prefix_withdrawn"))
        # Back: the first state after blind settles for hold-down.
        mark2 = self.last_seq()
        for n in ("r1", "r2", "r3"):
            self.birds[n].birdc("enable", "bw")
        self.wait_events(3, since=mark2, type="peer_up", timeout=30)
        ups = self.wait_events(3, since=mark2, type="region_up",
                               timeout=HOLD + 20)
        for e in ups:
            self.assertEqual(e["previous"], "blind", e)
        self.assert_no_events(mark, "down after blind",
                              type=("region_down", "region_degraded"))
        self.check_structure()

    def test_11_seq_across_restart_and_subscribers(self):
        """11. seq continues across a restart; {"from": N} subscribers get
        N.. from the log, then live events: no gap, no duplicate."""
        self.baseline()
        evs, raw, offs = read_log(self.log)
        # A subscriber from the very first event, while events happen.
        s1 = Subscriber(self.evsock, 1)
        try:
            mark = self.last_seq()
            self.apply("r1", kp=False)
            self.wait_events(8, since=mark, type="prefix_withdrawn")
            self.apply("r1", kp=True)
            self.wait_events(8, since=mark, type="prefix_announced")
            log_raw = read_log(self.log)[1]
            wait_for(lambda: len(s1.data()) >= len(log_raw), 10,
                     "subscriber 1 to catch up with the log")
            # Exactly the bytes of the log: the same records, in order.
            self.assertEqual(s1.data()[:len(log_raw)], log_raw)
            got = [e["seq"] for e in s1.events()]
            self.assertEqual(got, list(range(1, len(got) + 1)))
        finally:
            s1.close()

        # SIGTERM, then start again on the same log.
        self.bw.stop()
        evs, raw, offs = read_log(self.log)
        last = evs[-1]["seq"]
        u = msgpack.Unpacker(raw=False)
        u.feed(raw)
        for _ in u:
            pass
        self.assertEqual(u.tell(), len(raw),
                         "the log does not end with a whole record")
        self.bw.start()
        first = self.wait_events(1, since=last, timeout=30)[0]
        self.assertEqual(self.events(since=0)[len(evs)]["seq"], last + 1,
                         "first seq after the restart")
        self.assertEqual(first["seq"], last + 1)
        self.assertGreater(tsf(first), tsf(evs[-1]))
        # A subscriber from a few events before the restart, connected
        # while the sessions come back.
        frm = max(1, last - 5)
        s2 = Subscriber(self.evsock, frm)
        try:
            self.baseline()
            mark = self.last_seq()
            self.apply("r2", kp=False)
            self.wait_events(8, since=mark, type="prefix_withdrawn")
            self.apply("r2", kp=True)
            self.wait_events(8, since=mark, type="prefix_announced")
            evs, log_raw, offs = read_log(self.log)
            i = [e["seq"] for e in evs].index(frm)
            want = log_raw[offs[i]:]
            wait_for(lambda: len(s2.data()) >= len(want), 10,
                     "subscriber 2 to catch up with the log")
            self.assertEqual(s2.data()[:len(want)], want)
            got = [e["seq"] for e in s2.events()]
            self.assertEqual(got, list(range(frm, frm + len(got))))
            self.assertIn(last + 1, got)
        finally:
            s2.close()
        # bgpwatchctl reads the same log.
        r = run([lib.BGPWATCHCTL, "events", self.log])
        js = [json.loads(ln) for ln in r.stdout.splitlines()]
        self.assertEqual([e["seq"] for e in js],
                         [e["seq"] for e in read_log(self.log)[0]])
        self.check_structure()
        # A clean exit (status 0, no sanitizer report) after all of it.
        type(self).stopped = True
        self.bw.stop()


if __name__ == "__main__":
    import sys
    sys.exit(lib.main([sys.modules[__name__]]))
