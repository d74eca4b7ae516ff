"""RIS Live stream check: an independent client (Debian's
python3-websockets) opens one connection per filter form, then the
feeds run; every ris_message must equal bgpdump's view of the MRT
records (peer, path, origin, next hop, MED, communities, aggregator,
announcements, withdrawals) and each filtered connection must get
exactly the messages that an independent implementation of the filter
selects from the unfiltered stream.

usage: stream_check.py URL HOST READY_FILE ORACLE MAP...
  MAP is MRT_PEER=LOCAL_ADDR (bgpfeed replays MRT_PEER from LOCAL_ADDR)
Every wait has a timeout; exit 0 = pass."""
import asyncio, collections, ipaddress, json, sys, time
import websockets

URL, HOST, READY, ORACLE = sys.argv[1:5]
PEERMAP = dict(a.split("=") for a in sys.argv[5:])   # mrt peer -> local
LOCALS = set(PEERMAP.values())

FILTERS = {
    "all": {"socketOptions": {"includeRaw": True}},
    "peer": {"peer": PEERMAP["37.49.232.7"], "type": "UPDATE"},
    "pfx_more": {"prefix": "190.0.0.0/8"},
    "pfx_exact": {"prefix": ["203.33.30.0/24", "190.255.160.0/21"],
                  "moreSpecific": False},
    "pfx_less": {"prefix": "190.255.160.0/22", "moreSpecific": False,
                 "lessSpecific": True},
    "pfx_v6": {"prefix": "2000::/3"},
    "path_end": {"path": "3816$"},
    "path_start": {"path": "^49463,6939"},
    "path_mid": {"path": "1299,12956"},
    "path_int": {"path": 13193},
    "require_wd": {"require": "withdrawals", "type": "UPDATE"},
    "require_ann": {"require": "announcements"},
    "type_ka": {"type": "KEEPALIVE"},
    "type_open": {"type": "OPEN"},
    "state": {"type": "RIS_PEER_STATE"},
    "host_ours": {"host": HOST, "type": "UPDATE"},
    "host_other": {"host": "rrc99"},
    "union": None,       # two subscriptions: the union is served
    "unsub": None,       # subscribed, then unsubscribed: nothing
}

fail = []


def check(cond, what):
    if not cond:
        fail.append(what)
        print("FAIL:", what, flush=True)


def prefixes(d):
    ann = [p for a in d.get("announcements", []) for p in a["prefixes"]]
    return ann, d.get("withdrawals", [])


def flat_path(path):
    out = []
    for e in path:
        out.extend(e if isinstance(e, list) else [e])
    return out


def path_match(pat, path):
    p = flat_path(path)
    if isinstance(pat, int):
        return pat in p
    s, e = pat.startswith("^"), pat.endswith("$")
    want = [int(x) for x in pat.strip("^$").split(",")]
    n = len(want)
    starts = range(0, len(p) - n + 1)
    if s:
        starts = [0] if len(p) >= n else []
    if e:
        starts = [len(p) - n] if len(p) >= n else []
    return any(p[i:i + n] == want for i in starts)


def pfx_match(f, d):
    fl = f["prefix"] if isinstance(f["prefix"], list) else [f["prefix"]]
    more, less = f.get("moreSpecific", True), f.get("lessSpecific", False)
    ann, wd = prefixes(d)
    for p in ann + wd:
        pn = ipaddress.ip_network(p)
        for q in fl:
            qn = ipaddress.ip_network(q)
            if pn.version != qn.version:
                continue
            if pn == qn or (more and pn.subnet_of(qn)) or \
                    (less and qn.subnet_of(pn)):
                return True
    return False


def matches(f, d):
    if f is None:
        return True
    if "type" in f and d["type"] != f["type"]:
        return False
    if "host" in f and d["host"] != f["host"]:
        return False
    if "peer" in f and d["peer"] != f["peer"]:
        return False
    if f.get("require") == "withdrawals" and not d.get("withdrawals"):
        return False
    if f.get("require") == "announcements" and not d.get("announcements"):
        return False
    if "path" in f and (d["type"] != "UPDATE" or
                        not path_match(f["path"], d.get("path", []))):
        return False
    if "prefix" in f and (d["type"] != "UPDATE" or not pfx_match(f, d)):
        return False
    return True


def fmt_path(path):
    return " ".join("{" + ",".join(map(str, e)) + "}" if isinstance(e, list)
                    else str(e) for e in path)


def as_bgpdump(d):
    """The bgpdump -m lines (without timestamp) of one ris_message."""
    mrt = {v: k for k, v in PEERMAP.items()}[d["peer"]]
    out = []
    for p in d.get("withdrawals", []):
        out.append("W|%s|%s|%s" % (mrt, d["peer_asn"], p))
    comm = " ".join("%d:%d" % tuple(c) for c in d["community"])
    for a in d.get("announcements", []):
        nh = a["next_hop"].split(",")[0]
        for p in a["prefixes"]:
            out.append("A|%s|%s|%s|%s|%s|%s|%s|%s|%s" % (
                mrt, d["peer_asn"], p, fmt_path(d["path"]), d["origin"], nh,
                d.get("med", 0), comm, d.get("aggregator", "")))
    return out


def oracle_lines():
    want = collections.Counter()
    for line in open(ORACLE):
        f = line.rstrip("\n").split("|")
        if f[0] != "BGP4MP" or f[3] not in PEERMAP:
            continue
        if f[2] == "W":
            want["W|%s|%s|%s" % (f[3], f[4], f[5])] += 1
        elif f[2] == "A":
            agg = f[13].replace(" ", ":") if len(f) > 13 else ""
            want["A|%s|%s|%s|%s|%s|%s|%s|%s|%s" % (
                f[3], f[4], f[5], f[6], f[7], f[8], f[10], f[11], agg)] += 1
    return want


def check_shape(d):
    check(isinstance(d["timestamp"], float), "timestamp is a float")
    check(isinstance(d["peer_asn"], str), "peer_asn is a string")
    check(isinstance(d["id"], str) and d["host"] == HOST, "id, host")
    if d["type"] == "UPDATE":
        check(isinstance(d["path"], list), "path is a list")
        check(all(isinstance(c, list) and len(c) == 2
                  for c in d["community"]), "community as pairs")
        if "announcements" in d:
            check(all(set(a) == {"next_hop", "prefixes"}
                      for a in d["announcements"]), "announcement keys")


async def client(name, sub, got, ready):
    async with websockets.connect(URL + "?client=" + name, max_size=None,
                                  open_timeout=5, close_timeout=2) as ws:
        subs = [sub]
        if name == "union":
            subs = [{"type": "UPDATE", "peer": PEERMAP["37.49.236.145"]},
                    {"type": "UPDATE", "path": "3816$"}]
        for s in subs:
            s = dict(s or {})
            s.setdefault("socketOptions", {})["acknowledge"] = True
            await ws.send(json.dumps({"type": "ris_subscribe", "data": s}))
            ok = json.loads(await asyncio.wait_for(ws.recv(), 5))
            check(ok["type"] == "ris_subscribe_ok", name + " acknowledged")
            check(ok["data"]["subscription"] == s, name + " ack echoes")
        if name == "unsub":
            await ws.send(json.dumps({"type": "ris_unsubscribe",
                                      "data": subs[0]}))
        await ws.send(json.dumps({"type": "ping"}))
        pong = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(pong == {"type": "pong", "data": None}, name + " pong")
        ready.add(name)
        while True:
            try:
                m = await ws.recv()
            except websockets.ConnectionClosed:
                check(False, name + " closed early")
                return
            o = json.loads(m)
            check(o["type"] == "ris_message", name + " type " + o["type"])
            got.append(o["data"])


async def main():
    got = {n: [] for n in FILTERS}
    ready = set()
    tasks = [asyncio.create_task(client(n, f, got[n], ready))
             for n, f in FILTERS.items()]
    t0 = time.time()
    while len(ready) < len(FILTERS):
        check(time.time() - t0 < 10, "clients ready in 10 s")
        if fail:
            return
        await asyncio.sleep(0.05)
    open(READY, "w").write("ready\n")
    # The feeds end their sessions: wait for every peer's "down".
    t0 = time.time()
    while True:
        downs = {d["peer"] for d in got["all"]
                 if d["type"] == "RIS_PEER_STATE" and d["state"] == "down"}
        if downs >= LOCALS:
            break
        if time.time() - t0 > 40:
            check(False, "every peer down within 40 s (%s)" % downs)
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    allm = got["all"]
    for d in allm:
        check_shape(d)
    have = collections.Counter()
    for d in allm:
        if d["type"] == "UPDATE":
            have.update(as_bgpdump(d))
            raw = bytes.fromhex(d["raw"])
            check(raw[:16] == b"\xff" * 16 and
                  int.from_bytes(raw[16:18], "big") == len(raw) and
                  raw[18] == 2, "raw is the UPDATE")
    want = oracle_lines()
    print("stream: %d messages, %d routes; bgpdump: %d routes" % (
        len(allm), sum(have.values()), sum(want.values())))
    check(sum(want.values()) > 1000, "the oracle has the records")
    if have != want:
        print("missing:", list((want - have).items())[:5])
        print("extra:", list((have - want).items())[:5])
    check(have == want, "UPDATEs equal bgpdump's records")
    ids = lambda L: sorted((d["peer"], d["id"]) for d in L)
    for name, f in FILTERS.items():
        if name == "all":
            continue
        if name == "union":
            exp = [d for d in allm if matches(
                {"type": "UPDATE", "peer": PEERMAP["37.49.236.145"]}, d)
                or matches({"type": "UPDATE", "path": "3816$"}, d)]
        elif name == "unsub":
            exp = []
        else:
            exp = [d for d in allm if matches(f, d)]
        print("%-12s %5d messages (expected %d)" % (name, len(got[name]),
                                                    len(exp)))
        check(ids(got[name]) == ids(exp), name + " gets what its filter "
              "selects, nothing else")
        if name not in ("host_other", "unsub"):
            check(len(exp) > 0, name + " selects something")
    opens = [d for d in got["type_open"]]
    check(any(d["direction"] == "received" and d["asn"] == 49463
              for d in opens), "OPEN received from AS49463")
    # RIS Live's states (its collectors are ExaBGP): "connected" when the
    # TCP connection is up, "up" when Established, "down" when lost; per
    # peer in that order, once each for one session.
    for a in LOCALS:
        st = [d["state"] for d in got["state"] if d["peer"] == a]
        check(st == ["connected", "up", "down"],
              "RIS_PEER_STATE of %s: %s" % (a, st))


asyncio.run(main())
print("FAILED" if fail else "ok")
sys.exit(1 if fail else 0)
