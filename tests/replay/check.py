#!/usr/bin/python3
"""Replay check: bgpwatchd -r on real RIS updates, cross-checked.

Builds a region from the busiest prefixes of an MRT file, replays the file
with `bgpwatchd -r`, decodes the event log with Debian's python msgpack
(not our decoder), and compares the prefix events with a model computed
from `bgpdump -m` (the neutral oracle): a peer that had no path for a
member prefix and gets one -> prefix_announced; a peer that loses its path
-> prefix_withdrawn; a peer going down (STATE) -> no prefix events.

Usage: check.py BUILD MRTFILE
"""
import collections
import os
import subprocess
import sys
import tempfile

import msgpack

BUILD, MRT = sys.argv[1], sys.argv[2]


def bgpdump_lines():
    out = subprocess.run(["bgpdump", "-m", MRT], capture_output=True,
                         text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines()]


def canon(addr):
    """bgpdump shortens a single zero IPv6 group to '::'; we do not."""
    import ipaddress
    return str(ipaddress.ip_address(addr))


def main():
    lines = bgpdump_lines()
    counts = collections.Counter(f[5] for f in lines if f[2] in ("A", "W"))
    members = [p for p, _ in counts.most_common(12)]
    model = collections.Counter()
    has = set()
    downs = 0
    up = {}
    for f in lines:
        # A replayed peer is up from first sight and after any UPDATE;
        # BGP4MP|ts|STATE|peer|as|old|new leaving Established (6) ends
        # its session (one peer_down), entering it starts it again.
        peer = canon(f[3])
        if f[2] == "STATE":
            has = {k for k in has if k[0] != peer}
            if f[5] == "6" and up.get(peer, True):
                downs += 1
            up[peer] = f[6] == "6"
            continue
        up[peer] = True
        if f[2] not in ("A", "W") or f[5] not in members:
            continue
        key = (canon(f[3]), f[5])
        if f[2] == "A" and key not in has:
            has.add(key)
            model[("prefix_announced",) + key] += 1
        elif f[2] == "W" and key in has:
            has.discard(key)
            model[("prefix_withdrawn",) + key] += 1

    tmp = tempfile.mkdtemp(prefix="bw-replay-")
    log = os.path.join(tmp, "ev.mpk")
    conf = os.path.join(tmp, "r.conf")
    with open(conf, "w") as f:
        f.write("local-as 65000\nrouter-id 192.0.2.254\n")
        f.write('region "R" {\n')
        for p in members:
            f.write("    prefix %s\n" % p)
        f.write("    hold-down 30s\n}\n")
        f.write('events {\n    log "%s"\n}\n' % log)
    r = subprocess.run([os.path.join(BUILD, "bgpwatchd"), "-f", conf, "-r",
                        MRT], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        print("bgpwatchd -r exited %d:\n%s" % (r.returncode, r.stderr[-2000:]))
        return 1

    got = collections.Counter()
    seqs = []
    got_downs = 0
    with open(log, "rb") as f:
        for ev in msgpack.Unpacker(f, raw=False):
            seqs.append(ev["seq"])
            assert ev["v"] == 1, ev
            assert isinstance(ev["ts"], msgpack.Timestamp), ev
            if ev["type"] == "peer_down":
                got_downs += 1
                assert ev["reason"] == "MRT state change", ev
            if ev["type"] in ("prefix_announced", "prefix_withdrawn"):
                assert ev["region"] == "R", ev
                assert ev["peer"]["address"] and ev["peer"]["asn"] > 0, ev
                assert 0 <= ev["visible_peers"] <= ev["eligible_peers"], ev
                got[(ev["type"], ev["peer"]["address"], ev["prefix"])] += 1
    ok = True
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        print("seq not contiguous")
        ok = False
    if got_downs != downs:
        print("peer_down: bgpwatchd %d, bgpdump STATE lines leaving "
              "Established %d" % (got_downs, downs))
        ok = False
    if got != model:
        ok = False
        for k in sorted(set(got) | set(model)):
            if got[k] != model[k]:
                print("mismatch %s: bgpwatchd %d, bgpdump model %d" %
                      (k, got[k], model[k]))
    print("%s: %d member prefixes, %d prefix events (model %d), "
          "%d peer_down (model %d), %d events"
          % (os.path.basename(MRT), len(members), sum(got.values()),
             sum(model.values()), got_downs, downs, len(seqs)))
    if ok:
        subprocess.run(["rm", "-rf", tmp])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
