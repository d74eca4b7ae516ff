#!/bin/sh
# The MRT archive, end to end, with real peers and bgpdump as the oracle
# (docs/archive.md):
#  - 10 RIS peers of updates.20160811.1600.gz, each replayed by bgpfeed
#    from its own address (127.0.1.1..10), the 2015 full table (bgpfeed,
#    127.0.1.11) and a GoBGP peer (127.0.1.200, ADD-PATH) that the test
#    drives, feed bgpwatchd (127.0.1.250, a free port of 31000-31099)
#    whose mrt block writes gzip updates files and a table every 8 s;
#  - updates: for every peer, the archive's announcements and withdrawals
#    as bgpdump -m prints them (prefix, AS path, origin, next hop,
#    communities), in order, equal bgpdump's view of the input file for
#    that RIS peer; the GoBGP peer's equal what the test announced;
#  - tables: `bgpwatchctl dump table` (plain, .gz and .bz2) answers when
#    the file is complete; bgpdump -m of each equals `show rib` (prefix,
#    peer, AS path, next hop, origin, communities), ADD-PATH routes as
#    TABLE_DUMP2_AP; the scheduled dumps are there and readable; a
#    route's originated time is its own (R's routes, announced a second
#    after their session came up, carry the time they were announced);
#  - BIRD 2 fed the same 10 RIS peers dumps its table with `protocol
#    mrt`: bgpdump shows the same routes as in our dump;
#  - bgpdump reads every file written with nothing on stderr;
#  - the gzip updates file is several members (ISA-L, one per
#    256 KiB of records): zcat and Python's gzip read the same bytes as
#    bgpdump; cut inside its last member (a crash), bgpdump -m prints a
#    prefix of the whole file's lines, at least the complete members';
#  - round trip: after the dump, GoBGP withdraws region R's prefixes and
#    announces them again; `bgpwatchd -r bview updates...` then writes
#    the same prefix_* and region_* events (type, region, prefix, peer,
#    in order) as the live run did after the dump.
# Processes are stopped by PID on exit.  BUILD=build sh tests/check/mrt_archive.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
PY=/usr/bin/python3
for f in "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" "$BUILD/bgpfeed"; do
	[ -x "$f" ] || { echo "$f not built"; exit 1; }
done
for t in bgpdump gobgpd gobgp bird birdc "$PY"; do
	command -v "$t" >/dev/null 2>&1 || { echo "$t not found"; exit 1; }
done
WORK=$(mktemp -d /tmp/bw-mrt.XXXXXX) || exit 1
trap '[ -n "$KEEP" ] || rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
"$PY" -B - "$BUILD" "$DATA/updates.20160811.1600.gz" "$WORK" \
    "$DATA/updates.et-header.2015.gz" <<'EOF'
import glob
import json
import os
import signal
import socket
import subprocess
import sys
import time

import msgpack

build, feedfile, work, fullfile = sys.argv[1:5]
FULL, FULLAS = "127.0.1.11", 3856
# MRT_FULLTABLE=1 (tests/check/mrt_fulltable.sh): the 2015 full table
# joins the feeds and only the on-demand dump is checked against show rib.
FULLMODE = os.environ.get("MRT_FULLTABLE") == "1"
BW, GB, BIRD, GBAS = "127.0.1.250", "127.0.1.200", "127.0.1.251", 64521


def free_block():
    """Three free ports of 31000-31099 (another run of this test may hold
    some): bgpwatchd's, GoBGP's API, BIRD's."""
    for base in range(31000, 31090, 3):
        try:
            for addr, port in ((BW, base), (GB, base + 1),
                               (BIRD, base + 2)):
                t = socket.socket()
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((addr, port))
                t.close()
            return base, base + 1, base + 2
        except OSError:
            t.close()
    raise SystemExit("no free ports in 31000-31099")


BWPORT, GBAPI, BIRDPORT = free_block()
REGION = ["198.51.100.0/24", "203.0.113.0/24"]
TICK = "192.0.2.0/24"
fails = []
procs = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def start(argv, log):
    p = subprocess.Popen(argv, stdout=open(os.path.join(work, log), "w"),
                         stderr=subprocess.STDOUT)
    procs.append(p)
    return p


def stopall():
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_for(fn, timeout, what):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        try:
            v = fn()
            if v:
                return v
        except (OSError, ValueError, KeyError, IndexError, TypeError,
                subprocess.CalledProcessError):
            pass
        time.sleep(0.1)
    raise SystemExit("timeout waiting for " + what)


def ctl(cmd):
    r = subprocess.run([os.path.join(build, "bgpwatchctl"), "-s",
                        os.path.join(work, "bw.sock"), "-j"] + cmd.split(),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise ValueError("bgpwatchctl %s: %s" % (cmd, r.stderr.strip()))
    return json.loads(r.stdout)


def gobgp(*args):
    return subprocess.run(["gobgp", "-u", GB, "-p", str(GBAPI)] +
                          list(args), capture_output=True, text=True,
                          check=True).stdout


def bgpdump(path):
    r = subprocess.run(["bgpdump", "-m", path], capture_output=True,
                       text=True)
    err = [l for l in r.stderr.splitlines() if "logging to syslog" not in l]
    if r.returncode != 0 or err:
        fail("bgpdump -m %s: rc %d, %s" % (path, r.returncode, err[:3]))
    return [l.split("|") for l in r.stdout.splitlines()]


# The 10 RIS peers and what bgpdump says each one sent.
out = subprocess.run([os.path.join(build, "bgpfeed"), "--mrt", feedfile,
                      "--list-peers"], check=True, capture_output=True,
                     text=True).stdout
peers = []
for line in out.splitlines()[:10]:
    f = line.split()
    peers.append((f[0], int(f[1][2:]), f[2].split("=")[1]))


def aw(f):
    """bgpdump A/W line -> what the archive must show the same way."""
    if f[0].endswith("_AP"):		# ADD-PATH: the path id after the prefix
        f = f[:6] + f[7:]
    if f[2] == "W":
        return ("W", f[5])
    return ("A", f[5], f[6], f[7], f[8], f[11])


want = {src: [] for _, _, src in peers}
bymrt = {addr: src for addr, _, src in peers}
for f in bgpdump(feedfile):
    if f[2] in ("A", "W") and f[3] in bymrt:
        want[bymrt[f[3]]].append(aw(f))

def originated(path):
    """(prefix, peer) -> ORIGINATED of bgpdump's long form, in seconds."""
    import calendar
    r = subprocess.run(["bgpdump", path], capture_output=True, text=True,
                       env=dict(os.environ, TZ="UTC"))
    out, cur = {}, {}
    for line in r.stdout.splitlines() + [""]:
        if not line.strip():
            if "PREFIX" in cur and "FROM" in cur and "ORIGINATED" in cur:
                t = time.strptime(cur["ORIGINATED"], "%m/%d/%y %H:%M:%S")
                out[(cur["PREFIX"].split()[0], cur["FROM"].split()[0])] = \
                    calendar.timegm(t)
            cur = {}
        elif ": " in line:
            k, v = line.split(": ", 1)
            cur[k.strip()] = v.strip()
    return out


def route_key(f):
    """A bgpdump TABLE_DUMP2 line: (prefix, peer, AS path, origin, next
    hop, communities)."""
    if f[0] == "TABLE_DUMP2_AP":
        f = f[:6] + f[7:]
    return (f[5], f[3], f[6], f[7], f[8], f[11])


def bird_oracle(ours):
    """BIRD's own dump of the same 10 feeds has the same routes."""
    mine = sorted(route_key(f) for f in ours if f[3] != GB)
    feeds = set(src for _, _, src in peers)

    def bird_done():
        # every feed loaded: BIRD imported what bgpwatchd holds of them
        n = 0
        for line in birdc("show", "route", "count").splitlines():
            if line.startswith("Total:"):
                n = int(line.split()[1])
        return n == len(mine)
    wait_for(bird_done, 30, "BIRD to load the feeds")
    t = time.time()
    time.sleep(2.5)

    def dumps():
        res = {}
        for path in glob.glob(os.path.join(work, "bird.master*.mrt")):
            ts = int(path.rsplit(".", 2)[1])
            tab = path.split("bird.")[1].split(".")[0]
            if ts > t + 0.5 and (tab not in res or ts < res[tab][0]):
                res[tab] = (ts, path)
        return res if len(res) == 2 else None
    d = wait_for(dumps, 10, "BIRD's MRT dumps")
    time.sleep(0.5)
    theirs = []
    for _, path in d.values():
        theirs += [route_key(f) for f in bgpdump(path) if f[3] in feeds]
    theirs.sort()
    if theirs != mine:
        fail("BIRD's protocol mrt dump: %d routes, ours %d; first "
             "differences %s" % (len(theirs), len(mine),
                                 sorted(set(theirs) ^ set(mine))[:4]))
    else:
        print("BIRD's protocol mrt dump: the same %d routes" % len(mine))


conf = """local-as 65000
router-id 192.0.2.254
listen on {bw} port {port}
control "{w}/bw.sock"
eligible-after 1s
region "R" {{
    prefix {r0}
    prefix {r1}
    min-peers 1
    hold-down 1s
}}
events {{
    log "{w}/live.mpk"
}}
""".format(bw=BW, port=BWPORT, w=work, r0=REGION[0], r1=REGION[1])
with open(os.path.join(work, "replay.conf"), "w") as fh:
    fh.write(conf.replace("live.mpk", "replay.mpk"))
with open(os.path.join(work, "replay-bz2.conf"), "w") as fh:
    fh.write(conf.replace("live.mpk", "replay-bz2.mpk"))
if not FULLMODE:
    conf += 'mrt {{\n    updates "{w}/updates.%Y%m%d.%H%M%S" rotate 1h all\n' \
        '    table "{w}/sched.%H%M%S" every 8s\n    compress gzip\n}}\n' \
        .format(w=work)
conf += "neighbor %s {\n    remote-as %d\n    passive\n    add-path receive\n}\n" % (GB, GBAS)
for _, asn, src in peers + ([(None, FULLAS, FULL)] if FULLMODE else []):
    conf += "neighbor %s {\n    remote-as %d\n    passive\n}\n" % (src, asn)
with open(os.path.join(work, "bw.conf"), "w") as fh:
    fh.write(conf)
with open(os.path.join(work, "gobgp.toml"), "w") as fh:
    fh.write("""[global.config]
  as = {gas}
  router-id = "192.0.2.200"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{bw}"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "{gb}"
    remote-port = {port}
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.add-paths.config]
      send-max = 8
""".format(gas=GBAS, bw=BW, gb=GB, port=BWPORT))

# BIRD 2 takes the same 10 RIS feeds and dumps its table with its own
# `protocol mrt` every 2 s: the third opinion on the table dump.
with open(os.path.join(work, "bird.conf"), "w") as fh:
    fh.write('router id 192.0.2.251;\nprotocol device { }\n'
             'protocol mrt {\n  table "master*";\n'
             '  filename "%s/bird.%%N.%%s.mrt";\n  period 2;\n}\n' % work)
    for i, (_, asn, src) in enumerate(peers):
        fh.write("protocol bgp s%d {\n  local %s port %d as 65000;\n"
                 "  neighbor %s as %d;\n  passive on;\n  multihop;\n"
                 "  ipv4 { import all; export none; };\n"
                 "  ipv6 { import all; export none; };\n}\n" %
                 (i + 1, BIRD, BIRDPORT, src, asn))


def birdc(*args):
    return subprocess.run(["birdc", "-s", os.path.join(work, "bird.ctl")] +
                          list(args), capture_output=True, text=True,
                          check=True).stdout


try:
    start(["bird", "-f", "-c", os.path.join(work, "bird.conf"), "-s",
           os.path.join(work, "bird.ctl")], "bird.log")
    bw = start([os.path.join(build, "bgpwatchd"), "-d", "-f",
                os.path.join(work, "bw.conf")], "bw.log")
    wait_for(lambda: ctl("show rib count"), 10, "bgpwatchd")
    start(["gobgpd", "-f", os.path.join(work, "gobgp.toml"), "-p",
           "--pprof-disable", "--api-hosts", "%s:%d" % (GB, GBAPI)],
          "gobgp.log")
    wait_for(lambda: gobgp("global"), 15, "gobgpd API")
    wait_for(lambda: birdc("show", "status"), 10, "BIRD")
    for mrtpeer, asn, src in peers:
        for dst, tag in (("%s:%d" % (BW, BWPORT), "bw"),
                         ("%s:%d" % (BIRD, BIRDPORT), "bird")):
            if tag == "bird" and FULLMODE:
                continue
            # The first peer (AS59689) speaks 2-octet AS: AS_TRANS and
            # AS4_PATH in what it sends, archived as MESSAGE_AS4 with the
            # AS path made 4-octet (docs/archive.md).
            as2 = ["--as2"] if src == peers[0][2] else []
            start([os.path.join(build, "bgpfeed"), "--mrt", feedfile,
                   "--peer", mrtpeer, "--bind", src, "--hold", "forever"] +
                  as2 + [dst], "feed-%s-%s.log" % (tag, src))

    if FULLMODE:
        start([os.path.join(build, "bgpfeed"), "--mrt", fullfile, "--bind",
               FULL, "--hold", "forever", "%s:%d" % (BW, BWPORT)],
              "feed-full.log")

    def loaded():
        nbs = {n["address"]: n for n in ctl("show neighbors")["neighbors"]}
        if FULLMODE and not nbs[FULL]["eor"]["ipv4"]:
            return False
        return all(nbs[src]["state"] == "Established" and
                   nbs[src]["announcements_in"] + nbs[src]["withdrawals_in"]
                   == len(want[src]) for _, _, src in peers) and \
            nbs[GB]["state"] == "Established"
    wait_for(loaded, 60, "the 10 feeds, the full table and GoBGP")
    # R's routes come a second after every session is up: their
    # originated time in the dump is theirs, not their session's.
    time.sleep(1.1)
    t_add = int(time.time())
    for p in REGION:
        gobgp("global", "rib", "add", p, "identifier", "7", "origin",
              "igp", "aspath", "64600", "nexthop", "192.0.2.1", "community", "64521:1")
    wait_for(lambda: ctl("show rib count")["routes"] >= 2, 10, "R routes")
    time.sleep(1.5)			# every peer eligible

    # Tables on demand, three ways; each must equal `show rib`.
    rib = ctl("show rib")["routes"]
    ribset = sorted((r["prefix"], r["neighbor"], r["as_path"],
                     r["next_hop"], r["origin"],
                     " ".join(r["communities"])) for r in rib)
    views = {}
    for name in ("bview.gz",) if FULLMODE else \
            ("bview", "bview.gz", "bview.bz2"):
        path = os.path.join(work, name)
        ans = ctl("dump table " + path)
        if not os.path.exists(path) or os.path.exists(path + ".tmp"):
            fail("%s: not in place when the answer came" % name)
        if ans["routes"] != len(rib):
            fail("%s: %d routes, show rib %d" % (name, ans["routes"],
                                                 len(rib)))
        lines = bgpdump(path)
        views[name] = lines
        got = []
        for f in lines:
            if f[0] == "TABLE_DUMP2_AP":	# path id after the prefix
                f = f[:6] + f[7:]
            got.append((f[5], f[3], f[6], f[8], f[7], f[11]))
        if sorted(got) != ribset:
            fail("%s: bgpdump shows %d routes, show rib %d; first "
                 "differences %s" % (name, len(got), len(ribset),
                                     sorted(set(got) ^ set(ribset))[:4]))
        if not any(f[0] == "TABLE_DUMP2_AP" for f in lines):
            fail("%s: no ADD-PATH entries for the GoBGP peer" % name)
    # The same table, unless it changed between dumps (it did not);
    # the dump time (field 2) aside.
    same = [[f[:1] + f[2:] for f in v] for v in views.values()]
    if any(v != same[0] for v in same):
        fail("plain, gzip and bzip2 dumps differ")
    print("tables: %d routes of %d peers, bgpdump = show rib" %
          (len(rib), len(peers) + 1 + FULLMODE))
    if not FULLMODE:
        t_dump = int(time.time())
        orig = originated(os.path.join(work, "bview"))
        for p in REGION:
            t = orig.get((p, GB))
            if t is None or not t_add <= t <= t_dump:
                fail("%s of %s: originated %s, not in [%d, %d] (the "
                     "route's time, not its session's)" % (p, GB, t, t_add,
                                                          t_dump))
        print("tables: originated times of R's routes in [%d, %d]" %
              (t_add, t_dump))
    if not FULLMODE:
        bird_oracle(views["bview.gz"])
    if FULLMODE:
        stopall()
        if fails:
            sys.exit(1)
        print("mrt_fulltable: ok")
        sys.exit(0)

    # The round trip's live part, after the dump.
    time.sleep(1.1)
    t_mark = time.time()
    for p in REGION:
        gobgp("global", "rib", "del", p, "identifier", "7")
    time.sleep(2.5)
    for p in REGION:
        gobgp("global", "rib", "add", p, "identifier", "7", "origin",
              "igp", "aspath", "64600", "nexthop", "192.0.2.1", "community", "64521:1")
    time.sleep(2.5)
    gobgp("global", "rib", "add", TICK, "origin", "igp", "aspath", "64600",
          "nexthop", "192.0.2.1")			# a record after the hold-down
    time.sleep(1.0)
    t_stop = time.time()
    bw.send_signal(signal.SIGTERM)
    bw.wait(20)
finally:
    stopall()

# Updates: the archive per peer against bgpdump's view of the input.
upd = sorted(glob.glob(os.path.join(work, "updates.*.gz")))
if not upd:
    fail("no updates file")
got = {}
states = 0
for path in upd:
    for f in bgpdump(path):
        if f[0] not in ("BGP4MP_ET", "BGP4MP_ET_AP"):
            fail("%s: record %s" % (path, f[0]))
        if f[3] == GB and f[2] in ("A", "W") and f[0] != "BGP4MP_ET_AP":
            fail("GoBGP's ADD-PATH UPDATE not archived as _ADDPATH")
        if f[2] == "STATE":
            states += 1
        if f[2] in ("A", "W"):
            got.setdefault(f[3], []).append(aw(f))
for _, _, src in peers:
    g = got.get(src, [])
    if g != want[src]:
        n = next((i for i, (a, b) in enumerate(zip(g, want[src]))
                  if a != b), min(len(g), len(want[src])))
        fail("updates of %s: %d lines, input %d; first difference at %d: "
             "%s / %s" % (src, len(g), len(want[src]), n, g[n:n + 1],
                          want[src][n:n + 1]))
gbwant = [("A", p, "64521 64600", "IGP", "192.0.2.1", "64521:1")
          for p in REGION] + [("W", p) for p in REGION] + \
    [("A", p, "64521 64600", "IGP", "192.0.2.1", "64521:1")
     for p in REGION] + [("A", TICK, "64521 64600", "IGP", "192.0.2.1", "")]
if got.get(GB) != gbwant:
    fail("updates of GoBGP: %s" % got.get(GB))
if states < 2 * (len(peers) + 1):
    fail("only %d state changes archived" % states)
print("updates: %d files, %d A/W lines, %d state changes" %
      (len(upd), sum(len(v) for v in got.values()), states))

# The subtypes, read raw: MESSAGE_AS4 (4) for 2-octet and 4-octet
# sessions, ADD-PATH MESSAGE_AS4_ADDPATH (9), STATE_CHANGE_AS4 (5), and
# with `all` what we sent as MESSAGE_AS4_LOCAL (7), the peer fields the
# recipient (RFC 6396 4.4.5).  The 2-octet session's UPDATEs hold no
# AS4_PATH / AS4_AGGREGATOR any more, and its input did have AS_TRANS.
import gzip
import zlib
import struct


def attr_codes(msg):
    """The path attribute codes of a BGP UPDATE."""
    wl = struct.unpack(">H", msg[19:21])[0]
    al = struct.unpack(">H", msg[21 + wl:23 + wl])[0]
    a, end, codes = 23 + wl, 23 + wl + al, []
    while a < end:
        fl, code = msg[a], msg[a + 1]
        if fl & 0x10:
            ln, a = struct.unpack(">H", msg[a + 2:a + 4])[0], a + 4
        else:
            ln, a = msg[a + 2], a + 3
        codes.append(code)
        a += ln
    return codes


subtypes = {}
msgtypes = {}
as2_as4attrs = 0
for path in upd:
    raw = gzip.open(path).read()
    i = 0
    while i + 12 <= len(raw):
        _, typ, st, ln = struct.unpack(">IHHI", raw[i:i + 12])
        body = raw[i + 16:i + 12 + ln]
        off = 8 if st == 1 else 12		# AS fields, ifindex, AFI
        afi = struct.unpack(">H", body[off - 2:off])[0]
        alen = 4 if afi == 1 else 16
        peer = socket.inet_ntop(socket.AF_INET if afi == 1 else
                                socket.AF_INET6, body[off:off + alen])
        subtypes.setdefault(peer, set()).add((typ, st))
        if st in (4, 7):
            msg = body[off + 2 * alen:]
            msgtypes.setdefault((peer, st), set()).add(msg[18])
            if peer == peers[0][2] and st == 4 and msg[18] == 2 and \
                    set(attr_codes(msg)) & {17, 18}:
                as2_as4attrs += 1
        i += 12 + ln
for peer, want_st in ((peers[0][2], {(17, 4), (17, 5), (17, 7)}),
                      (peers[1][2], {(17, 4), (17, 5), (17, 7)}),
                      (GB, {(17, 9), (17, 5), (17, 4), (17, 7)})):
    if subtypes.get(peer) != want_st:
        fail("%s: MRT (type, subtype) %s, expected %s" %
             (peer, sorted(subtypes.get(peer, ())), sorted(want_st)))
if as2_as4attrs:
    fail("%d UPDATEs of the 2-octet session still hold AS4_PATH or "
         "AS4_AGGREGATOR" % as2_as4attrs)
if not any(int(a) > 65535 for x in want[peers[0][2]] if x[0] == "A"
           for a in x[2].replace("{", " ").replace("}", " ")
           .replace(",", " ").split()):
    fail("the 2-octet peer's input has no 4-octet AS: nothing tested")
# `all`: OPEN (1), UPDATE (2), KEEPALIVE (4) received and sent (the sent
# UPDATEs are our End-of-RIBs), and the NOTIFICATION (3) we sent as we
# stopped (Cease).
for peer in (peers[0][2], peers[1][2]):
    for st, want_t in ((4, {1, 2, 4}), (7, {1, 2, 3, 4})):
        if msgtypes.get((peer, st), set()) != want_t:
            fail("%s: subtype %d message types %s, expected %s" %
                 (peer, st, sorted(msgtypes.get((peer, st), ())),
                  sorted(want_t)))
# bgpdump tells what we sent from what we received: our OPEN to the
# 2-octet peer is MESSAGE_LOCAL, from us (AS65000) to it.
vb = subprocess.run(["bgpdump", upd[0]], capture_output=True,
                    text=True).stdout
blocks = vb.split("\n\n")
sent_open = [b for b in blocks if "TYPE: BGP4MP_ET/MESSAGE_LOCAL/Open" in b
             and ("TO: %s AS%d" % (peers[0][2], peers[0][1])) in b]
if not sent_open:
    fail("bgpdump shows no OPEN sent to %s as MESSAGE_LOCAL:\n%s" %
         (peers[0][2], "\n\n".join(b for b in blocks if "Open" in b)[:1500]))



def members(data, starts=None):
    """The decompressed lengths of a gzip file's members (their offsets
    in the file into starts)."""
    res = []
    off = 0
    while data:
        if starts is not None:
            starts.append(off)
        d = zlib.decompressobj(31)
        res.append(len(d.decompress(data)))
        if not d.eof:
            break
        off += len(data) - len(d.unused_data)
        data = d.unused_data
    return res


# Several gzip members, read alike by zcat, Python and bgpdump; a copy
# cut inside the last member (what a crash leaves) reads as a prefix.
big = max(upd, key=os.path.getsize)
gzdata = open(big, "rb").read()
starts = []
mem = members(gzdata, starts)
zc = subprocess.run(["zcat", big], capture_output=True).stdout
if len(mem) < 2 or sum(mem) != len(zc) or zc != gzip.open(big).read():
    fail("%s: members %s, zcat %d bytes, python gzip differs: %s" %
         (big, mem, len(zc), zc != gzip.open(big).read()))
cut = os.path.join(work, "cut.gz")
whole = bgpdump(big)
# 9 bytes short (the trailer), and half way into the last member (the
# last member may be small: a cut at a fixed share of the file may fall
# into an earlier one)
for keep in (len(gzdata) - 9, (starts[-1] + len(gzdata)) // 2):
    with open(cut, "wb") as fh:
        fh.write(gzdata[:keep])
    r = subprocess.run(["bgpdump", "-m", cut], capture_output=True,
                       text=True)
    part = [ln.split("|") for ln in r.stdout.splitlines()]
    # bgpdump -m of the complete members alone
    first = members(gzdata)[:-1]
    ncomplete = len([1 for ln in subprocess.run(
        ["bgpdump", "-m", "-"], input=zc[:sum(first)], capture_output=True
    ).stdout.splitlines()])
    if r.returncode != 0 or part != whole[:len(part)] or \
            len(part) < ncomplete:
        fail("%s cut at %d: bgpdump rc %d, %d lines (complete members %d, "
             "whole %d), a prefix: %s" % (big, keep, r.returncode,
                                          len(part), ncomplete, len(whole),
                                          part == whole[:len(part)]))
print("updates: %s is %d gzip members; zcat, python, bgpdump agree; cut "
      "inside the last member: a prefix" % (os.path.basename(big), len(mem)))

sched = glob.glob(os.path.join(work, "sched.*.gz"))
if not sched:
    fail("no scheduled table dump")
# (those taken before the feeds came hold no routes, but must be read)
if not any([f for f in bgpdump(path) if f[0].startswith("TABLE_DUMP2")]
           for path in sorted(sched)):
    fail("no scheduled table dump holds routes")
if glob.glob(os.path.join(work, "*.tmp")):
    fail("temporary files left: %s" % glob.glob(os.path.join(work, "*.tmp")))

# Round trip: replay the archive (table, then updates).
r = subprocess.run([os.path.join(build, "bgpwatchd"), "-d", "-f",
                    os.path.join(work, "replay.conf"), "-r",
                    os.path.join(work, "bview.gz")] + upd,
                   capture_output=True, text=True, timeout=60)
if r.returncode != 0 or "Sanitizer" in r.stderr:
    fail("replay: rc %d: %s" % (r.returncode, r.stderr[-1500:]))


def events(path, t0, t1):
    res = []
    with open(path, "rb") as fh:
        for e in msgpack.Unpacker(fh, raw=False):
            ts = e["ts"].to_unix()
            if not (t0 <= ts <= t1):
                continue
            if e["type"].startswith("prefix_"):
                res.append((e["type"], e["region"], e["prefix"],
                            e["peer"]["address"], e["peer"]["asn"]))
            elif e["type"].startswith("region_"):
                res.append((e["type"], e["region"]))
    return res


live = events(os.path.join(work, "live.mpk"), t_mark, t_stop)
rep = events(os.path.join(work, "replay.mpk"), t_mark, t_stop)
if len(live) < 6 or not any(e[0] == "region_down" for e in live) or \
        not any(e[0] == "region_up" for e in live):
    fail("live run: expected withdrawals, region_down, region_up: %s" % live)
if live != rep:
    fail("replay events differ:\n live   %s\n replay %s" % (live, rep))
else:
    print("round trip: %d prefix_/region_ events, the same in the replay"
          % len(live))

# The same archive as bzip2 (RouteViews' format): `bgpwatchd -r` reads
# bzip2 files ahead on a thread of its own when it may use two CPUs
# (lib/mrtahead.c); the events must not change.
import bz2  # noqa: E402
bzfiles = []
for path in [os.path.join(work, "bview.gz")] + upd:
    out = os.path.join(work, "bz2-" + os.path.basename(path)[:-3] + ".bz2")
    with gzip.open(path, "rb") as src, bz2.open(out, "wb") as dst:
        dst.write(src.read())
    bzfiles.append(out)
r = subprocess.run([os.path.join(build, "bgpwatchd"), "-d", "-f",
                    os.path.join(work, "replay-bz2.conf"), "-v", "-r"]
                   + bzfiles,
                   capture_output=True, text=True, timeout=60)
if r.returncode != 0 or "Sanitizer" in r.stderr:
    fail("bzip2 replay: rc %d: %s" % (r.returncode, r.stderr[-1500:]))
ahead = r.stderr.count("decompressed ahead, on a thread")
if len(os.sched_getaffinity(0)) > 1 and ahead != len(bzfiles):
    fail("bzip2 replay on %d CPUs: %d of %d files read ahead"
         % (len(os.sched_getaffinity(0)), ahead, len(bzfiles)))
rep2 = events(os.path.join(work, "replay-bz2.mpk"), t_mark, t_stop)
if live != rep2:
    fail("bzip2 replay events differ:\n live   %s\n replay %s"
         % (live, rep2))
else:
    print("round trip from bzip2 (%d CPUs, %d files read ahead): the "
          "same %d events" % (len(os.sched_getaffinity(0)), ahead,
                              len(rep2)))
# Under SAN=1: the daemon's sanitizer reports (writer thread included).
for path in glob.glob(os.path.join(work, "*.log")):
    text = open(path, errors="replace").read()
    if "Sanitizer" in text or "runtime error:" in text:
        fail("%s: sanitizer report:\n%s" % (path, text[-2000:]))
if fails:
    sys.exit(1)
print("mrt_archive: ok")
EOF
