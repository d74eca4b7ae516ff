#!/bin/sh
# Full-table integration test: the 2015 table (updates.et-header.2015.gz,
# one peer, AS3856) goes through a real BGP session, bgpfeed -> bgpwatchd
# on loopback, and what bgpwatchd holds is compared with bgpdump's view
# of the same file:
#  - the oracle is `bgpdump -m FILE` with its A and W lines applied in
#    order (last announcement of a prefix wins, a withdrawal removes it):
#    577,703 prefixes;
#  - once bgpwatchd has the peer's End-of-RIB (so every UPDATE before it
#    is applied), `show rib count` must be exactly that number, and so
#    must the neighbor's announcements_in + withdrawals_in be bgpdump's
#    A + W lines;
#  - about 200 prefixes picked across the whole table (evenly spaced in
#    address order, plus routes with AS_SETs, aggregators, atomic
#    aggregate, MED, many communities, /32s) are looked up with
#    `show rib PREFIX`, which also gives the less specific routes (the
#    default route among them), and compared field by field with the last
#    bgpdump line for the prefix: AS path, next hop, origin, communities,
#    MED (bgpdump prints 0 when absent), atomic aggregate and aggregator;
#    the 3 withdrawn prefixes must be gone.  LOCAL_PREF is not compared:
#    the session is eBGP, where it is ignored (RFC 4271 5.1.5), and the
#    file has it on every route (100).
# No timing assertion.  Everything runs on 127.0.0.0/8; the processes are
# stopped by PID on exit.
#   BUILD=build sh tests/check/fulltable.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
FULL="$DATA/updates.et-header.2015.gz"
PY=/usr/bin/python3

for f in "$BUILD/bgpwatchd" "$BUILD/bgpfeed"; do
	[ -x "$f" ] || { echo "$f not built"; exit 1; }
done
command -v bgpdump >/dev/null 2>&1 ||
    { echo "bgpdump not found (Debian: apt-get install bgpdump)"; exit 1; }
[ -f "$FULL" ] || { echo "no $FULL (set BGPWATCH_MRT_DATA)"; exit 1; }
[ -x "$PY" ] || { echo "$PY not found"; exit 1; }

WORK=$(mktemp -d /tmp/bw-fulltable.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

bgpdump -m "$FULL" >"$WORK/full.m" 2>"$WORK/bgpdump.err" ||
    { echo "bgpdump failed:"; cat "$WORK/bgpdump.err"; exit 1; }

BENCHLIB="$(dirname "$0")/../bench" "$PY" -B - "$BUILD" "$FULL" "$WORK" <<'EOF' &
import os
import socket
import sys
import time

sys.path.insert(0, os.environ["BENCHLIB"])
from benchlib import Bgpwatchd, Feed, cleanup, poll_until

build, full, work = sys.argv[1:4]
EXPECT = 577703
fails = []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


# The oracle: bgpdump's lines applied in order.
final = {}
withdrawn = set()
nlines = 0
peer = None
for line in open(os.path.join(work, "full.m")):
    f = line.rstrip("\n").split("|")
    if f[2] == "A":
        final[f[5]] = f
        withdrawn.discard(f[5])
        peer = (f[3], int(f[4]))
        nlines += 1
    elif f[2] == "W":
        final.pop(f[5], None)
        withdrawn.add(f[5])
        nlines += 1
print("bgpdump: %d A/W lines, %d prefixes at the end, %d withdrawn"
      % (nlines, len(final), len(withdrawn)))
if len(final) != EXPECT:
    fail("bgpdump's final state has %d prefixes, not %d" %
         (len(final), EXPECT))

r = feed = None
try:
    r = Bgpwatchd(build, work, [("127.0.1.1", peer[1])], tag="ft")
    feed = Feed(build, ["--mrt", full, "--hold", "forever",
                        "127.0.0.1:%d" % r.port],
                os.path.join(work, "feed.log"))
    feed.wait_established(1, timeout=30)

    def eor():
        n = r.query("show neighbor 127.0.1.1")["neighbors"][0]
        return n["eor"]["ipv4"] is not None
    t0 = time.monotonic()
    poll_until(lambda: 1 if eor() else 0, 1, 45, 0.1,
               stop_if=lambda: not r.alive())
    print("table loaded (End-of-RIB) %.1f s after the session came up" %
          (time.monotonic() - t0))
    cnt = r.query("show rib count")
    if cnt["routes"] != len(final) or cnt["prefixes"]["ipv4"] != len(final):
        fail("show rib count: %s, bgpdump: %d" % (cnt, len(final)))
    nb = r.query("show neighbor 127.0.1.1")["neighbors"][0]
    got = nb["announcements_in"] + nb["withdrawals_in"]
    if got != nlines:
        fail("announcements_in + withdrawals_in = %d, bgpdump: %d A/W "
             "lines" % (got, nlines))
    if nb["prefixes"]["ipv4"] != len(final):
        fail("neighbor prefixes %s" % nb["prefixes"])

    # The sample: evenly spaced in address order, plus special routes.
    def key(p):
        a, _, n = p.partition("/")
        return socket.inet_aton(a), int(n)
    order = sorted(final, key=key)
    # Looked up are prefixes of /20 or longer: `show rib PREFIX` streams
    # every more specific route too, thousands for a /8.  The short ones
    # are checked all the same, as the covering routes of the others.
    step = max(1, len(order) // 150)
    sample = []
    for i in range(0, len(order), step):
        j = i
        while j < len(order) - 1 and int(order[j].split("/")[1]) < 20:
            j += 1
        sample.append(order[j])
    special = [
        lambda f: "{" in f[6],				# AS_SET
        lambda f: f[13] != "",				# aggregator
        lambda f: f[12] == "AG",			# atomic aggregate
        lambda f: f[10] not in ("", "0"),		# MED
        lambda f: len(f[11].split()) >= 6,		# communities
        lambda f: f[11] == "",				# none
        lambda f: f[7] != "IGP",			# origin
        lambda f: f[5].endswith("/32"),
    ]
    found = [[] for _ in special]
    for p in order:
        if int(p.split("/")[1]) < 20:
            continue
        for i, pred in enumerate(special):
            if len(found[i]) < 6 and pred(final[p]):
                found[i].append(p)
        if all(len(x) == 6 for x in found):
            break
    for x in found:
        sample += x
    longest = max(order, key=lambda p: len(final[p][6].split()))
    sample.append(longest)
    sample = list(dict.fromkeys(sample))
    print("checking %d sampled prefixes and %d withdrawn ones" %
          (len(sample), len(withdrawn)))

    def compare(pfx, rt):
        f = final[pfx]
        want = {
            "neighbor": "127.0.1.1",
            "as_path": f[6],
            "origin": f[7],
            "next_hop": f[8],
            "med": int(f[10] or 0),
            "communities": f[11].split(),
            "atomic_aggregate": f[12] == "AG",
            "aggregator": f[13],
        }
        agg = rt.get("aggregator")
        have = {
            "neighbor": rt["neighbor"],
            "as_path": rt["as_path"],
            "origin": rt["origin"],
            "next_hop": rt["next_hop"],
            "med": rt.get("med", 0),
            "communities": rt.get("communities", []),
            "atomic_aggregate": rt.get("atomic_aggregate", False),
            "aggregator": "%s %s" % (agg["as"], agg["address"]) if agg
            else "",
        }
        for k in want:
            if want[k] != have[k]:
                fail("%s: %s is %r, bgpdump says %r" % (pfx, k, have[k],
                                                       want[k]))

    nchecked = 0
    covering = {}
    for pfx in sample:
        doc = r.query("show rib " + pfx)
        if doc["match"] != pfx or len(doc["routes"]) != 1:
            fail("%s: match %s, %d routes" % (pfx, doc["match"],
                                              len(doc["routes"])))
            continue
        compare(pfx, doc["routes"][0])
        nchecked += 1
        # The less specific routes come along: check them too (this is
        # how the default route is checked; asking for 0.0.0.0/0 itself
        # would list the whole table as its covered routes).
        for rt in doc["covering"]:
            if rt["prefix"] not in final:
                fail("%s: covering route %s is not in bgpdump's table" %
                     (pfx, rt["prefix"]))
            elif rt["prefix"] not in covering:
                covering[rt["prefix"]] = 1
                compare(rt["prefix"], rt)
    for pfx in sorted(withdrawn):
        doc = r.query("show rib " + pfx)
        if doc["match"] == pfx:
            fail("%s: withdrawn by the peer but still there" % pfx)
    print("%d sampled routes and %d less specific ones compared" %
          (nchecked, len(covering)))
    if "0.0.0.0/0" in final and "0.0.0.0/0" not in covering:
        fail("the default route was never seen")
finally:
    if feed is not None:
        feed.stop()
    if r is not None:
        r.stop()
    cleanup()
if fails:
    print("%d failures" % len(fails))
    sys.exit(1)
print("ok")
EOF
pid=$!
wait "$pid"
rc=$?
pid=
exit $rc
