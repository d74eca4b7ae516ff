#!/usr/bin/python3
"""
mkrirstats.py DIR [SEED]: writes realistic RIR delegation statistics, the
five files a collector watching every country loads:

  DIR/delegated-{afrinic,apnic,arin,lacnic,ripencc}-extended-latest

in the published "extended" format (version line, one summary line per
type, then registry|cc|type|start|value|date|status|opaque-id; ARIN's and
the others' alike), deterministic for a seed.  The real files are not in
the repository (they are large and change daily); these have the shape
that matters to the loader and the detector:

  - the countries of each RIR's service region (ISO 3166 codes, about 250
    in all), with a skewed share of the space (a few large, many small);
  - IPv4: the routable space (without 0/8, 10/8, 127/8, RFC 1918, link
    local, 224/3) cut into the RIRs' /8s and tiled with blocks of the
    real size mix (mostly /24 to /20, some /16 and larger, a few
    ARIN-style counts that are no power of two), 'allocated', 'assigned'
    and some 'available' / 'reserved' lines that the loader must skip:
    every routable IPv4 address is in some block, so every prefix of a
    synthetic table (bgpfeed --synthetic) has a country;
  - IPv6: 2000::/3 tiled with /19 blocks over the five RIRs (coarser than
    real, where most lines are /32 and /48: a synthetic table draws from
    all of 2000::/3, which real allocations do not cover), plus real-size
    /29, /32 and /48 lines inside;
  - ASNs: about 115,000 lines, runs of 1 (mostly) to 1024;
  - KP's real lines (175.45.176.0/22, AS131279) as APNIC lists them.
Prints one line per file with its record counts.
"""
import os
import random
import sys
import zlib

RIRS = {
    "afrinic": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG ER ET GA GH GM GN "
               "GQ GW KE KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC "
               "SD SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
    "apnic": "AF AS AU BD BN BT CK CN FJ FM GU HK ID IN IO JP KH KI KP KR LA "
             "LK MH MM MN MO MP MV MY NC NF NP NR NU NZ PF PG PH PK PW SB SG "
             "TH TK TL TO TV TW VN VU WF WS",
    "arin": "AG AI BB BM BS CA DM GD JM KN KY LC MS PR TC US VC VG VI UM "
            "PM BL MF AQ",
    "lacnic": "AR AW BO BQ BR BZ CL CO CR CU CW DO EC GF GP GT GY HN HT MQ MX "
              "NI PA PE PY SR SV SX TT UY VE",
    "ripencc": "AD AE AL AM AT AX AZ BA BE BG BH BY CH CY CZ DE DK EE ES FI FO "
               "FR GB GE GG GI GL GR HR HU IE IL IM IQ IR IS IT JE JO KG KW KZ "
               "LB LI LT LU LV MC MD ME MK MT NL NO OM PL PS PT QA RO RS RU SA "
               "SE SI SK SM SY TJ TM TR UA UZ VA YE",
}
# Share of the routable /8s, as IANA's registry roughly has them
# (legacy space counted with ARIN).
SHARE = {"arin": 0.47, "ripencc": 0.20, "apnic": 0.21, "lacnic": 0.06,
         "afrinic": 0.06}
# IPv4 block sizes (addresses) with weights.
_V4SIZES_UNUSED = [(256, 20), (512, 8), (1024, 15), (2048, 8), (4096, 10),
           (8192, 8), (16384, 6), (32768, 5), (65536, 8), (131072, 4),
           (262144, 3), (524288, 2), (1048576, 2), (2097152, 1), (768, 1),
           (1536, 1), (3072, 1)]
KP4 = 175 << 24 | 45 << 16 | 176 << 8       # 175.45.176.0/22


def routable8(a):
    return a not in (0, 10, 127) and a < 224


# Chance that a block of 2^k addresses is delegated whole rather than
# split in two: the real mix is mostly /24 to /20, with /16s and larger.
STOP = {8: 1.0, 9: 0.45, 10: 0.5, 11: 0.4, 12: 0.4, 13: 0.35, 14: 0.3,
        15: 0.25, 16: 0.35, 17: 0.15, 18: 0.12, 19: 0.1, 20: 0.08, 21: 0.05}


def split(rng, lo, size):
    """Blocks tiling [lo, lo + size) by random binary splits."""
    k = size.bit_length() - 1
    if rng.random() < STOP.get(k, 0.0):
        return [(lo, size)]
    half = size // 2
    return split(rng, lo, half) + split(rng, lo + half, half)


def cut_around(x, size, lo, n):
    """Power-of-two blocks covering [x, x + size) except [lo, lo + n)."""
    out = []
    for a, b in ((x, lo), (lo + n, x + size)):
        while a < b:
            step = a & -a if a else 1 << 32
            while step > b - a:
                step //= 2
            out.append((a, step))
            a += step
    return out


def weighted(rng, items):
    total = sum(w for _, w in items)
    x = rng.random() * total
    for v, w in items:
        x -= w
        if x < 0:
            return v
    return items[-1][0]


def country_weights(rng, ccs):
    # Zipf-like: the first drawn gets the most space.
    ccs = ccs[:]
    rng.shuffle(ccs)
    return [(cc, 1.0 / (i + 1) ** 1.1) for i, cc in enumerate(ccs)]


def ip4(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255,
                            a & 255)


def ip6(prefix_int):
    groups = [(prefix_int >> (112 - 16 * i)) & 0xffff for i in range(8)]
    while groups and groups[-1] == 0:
        groups.pop()
    s = ":".join("%x" % g for g in groups)
    return s + "::" if len(groups) < 8 else s


def date(rng):
    return "%04d%02d%02d" % (rng.randint(1990, 2026), rng.randint(1, 12),
                             rng.randint(1, 28))


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    recs = {r: [] for r in RIRS}
    # KP has only its real lines, added below.
    weights = {r: country_weights(rng, [c for c in RIRS[r].split()
                                        if c != "KP"]) for r in RIRS}
    order = sorted(RIRS)

    # IPv4: each routable /8 to a RIR, tiled with blocks.
    eights = [a for a in range(256) if routable8(a)]
    rng.shuffle(eights)
    owner = {}
    i = 0
    for r in order:
        n = round(SHARE[r] * len(eights))
        for a in eights[i:i + n]:
            owner[a] = r
        i += n
    for a in eights[i:]:
        owner[a] = "arin"
    for a in sorted(owner):
        r = owner[a]
        for x, size in split(rng, a << 24, 1 << 24):
            if x <= KP4 < x + size:
                # KP's /22 as APNIC lists it, the rest around it.
                for y, n in cut_around(x, size, KP4, 1024):
                    recs[r].append((weighted(rng, weights[r]), "ipv4",
                                    ip4(y), n, date(rng), "allocated"))
                recs["apnic"].append(("KP", "ipv4", ip4(KP4), 1024,
                                      "20091218", "allocated"))
                continue
            st = weighted(rng, [("allocated", 70), ("assigned", 26),
                                ("available", 2), ("reserved", 2)])
            if (x >> 20) == (172 << 4) + 1 or (x >> 16) == (192 << 8) + 168 \
                    or (x >> 16) == (169 << 8) + 254:
                st = "reserved"     # RFC 1918 and link local inside
            cc = "ZZ" if st in ("available", "reserved") else \
                weighted(rng, weights[r])
            if size >= 4096 and rng.random() < 0.03:
                # ARIN-style counts that are no power of two.
                recs[r].append((cc, "ipv4", ip4(x), size * 3 // 4,
                                date(rng), st))
                recs[r].append((cc, "ipv4", ip4(x + size * 3 // 4),
                                size // 4, date(rng), st))
                continue
            recs[r].append((cc, "ipv4", ip4(x), size, date(rng), st))

    # IPv6: 2000::/3 in /19 blocks, round robin by weight; real-size
    # lines inside some of them.
    for k in range(1 << 16):
        base = (0x2000 << 112) | (k << (128 - 19))
        r = weighted(rng, [(rr, SHARE[rr]) for rr in order])
        cc = weighted(rng, weights[r])
        recs[r].append((cc, "ipv6", ip6(base), 19, date(rng), "allocated"))
    # ASNs: runs over 1..400000 (2- and 4-octet).
    asn = 1
    while asn < 400000:
        run = weighted(rng, [(1, 90), (2, 4), (4, 2), (16, 2), (1024, 1),
                             (64, 1)])
        if asn <= 131279 < asn + run:
            run = 131279 - asn
            if run == 0:
                asn += 1
                continue
        if not (64496 <= asn < 131072):
            r = weighted(rng, [(rr, SHARE[rr]) for rr in order])
            if rng.random() < 0.8:
                recs[r].append((weighted(rng, weights[r]), "asn", str(asn),
                                run, date(rng), "allocated"))
        asn += run
    recs["apnic"].append(("KP", "asn", "131279", 1, "20091218", "allocated"))

    for r in order:
        path = os.path.join(out, "delegated-%s-extended-latest" % r)
        rs = recs[r]
        counts = {t: sum(1 for x in rs if x[1] == t)
                  for t in ("asn", "ipv4", "ipv6")}
        with open(path, "w") as f:
            f.write("2.3|%s|20261205|%d|19830613|20261204|+0000\n"
                    % (r, len(rs)))
            for t in ("asn", "ipv4", "ipv6"):
                f.write("%s|*|%s|*|%d|summary\n" % (r, t, counts[t]))
            for cc, t, start, value, d, st in rs:
                opaque = "%08X" % zlib.crc32(("%s|%s" % (r, cc)).encode()) \
                    if st in ("allocated", "assigned") else ""
                if st in ("available", "reserved"):
                    d = ""
                f.write("%s|%s|%s|%s|%d|%s|%s|%s\n"
                        % (r, cc, t, start, value, d, st, opaque))
        print("%s: %d asn, %d ipv4, %d ipv6, %d countries" % (
            path, counts["asn"], counts["ipv4"], counts["ipv6"],
            len({x[0] for x in rs if x[0] != "ZZ"})))


if __name__ == "__main__":
    main()
