#!/bin/sh
# The container lab in make check (docs/lab.md).
#
# 1. Always (a few seconds): the lab's files are valid and agree with each
#    other.  bgpwatchd -n on the lab's and the image's configurations,
#    bird -p, gobgpd --dry-run, vtysh --dryrun, promtool check config; the
#    Grafana dashboard is what tools/lab_grafana.py writes; the
#    Containerfile is multi-stage on ARG BASE, non-root, with volumes,
#    ports and a HEALTHCHECK; compose.yaml, the containerlab topology and
#    tools/lab.sh give every container the same address.
# 2. Then the whole lab, `sh tools/lab.sh test` (= make lab-test: images,
#    sessions on port 179 from the containers' addresses, the North Korea
#    story, GTSM and MD5 across the FRR hop, Prometheus), unless
#      - podman cannot run here (one line says why), or
#      - this is the SAN=1 run (the image holds a plain build; the lab ran
#        in the plain make check already), or
#      - LAB=0.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
PY=/usr/bin/python3
fail() { echo "lab check: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------ 1. static
"$BUILD/bgpwatchd" -n -f conf/lab/bgpwatchd.conf || fail "bgpwatchd -n conf/lab/bgpwatchd.conf"
"$BUILD/bgpwatchd" -n -f conf/bgpwatchd.container.conf || fail "bgpwatchd -n conf/bgpwatchd.container.conf"
for b in bird1 bird2; do
	bird -p -c conf/lab/$b.conf || fail "bird -p conf/lab/$b.conf"
done
gobgpd --dry-run -f conf/lab/gobgpd.toml >/dev/null 2>&1 || fail "gobgpd --dry-run conf/lab/gobgpd.toml"
vtysh --dryrun -f conf/lab/frr.conf >/dev/null || fail "vtysh --dryrun conf/lab/frr.conf"
promtool check config conf/lab/prometheus/prometheus.yml >/dev/null 2>&1 ||
    fail "promtool check config conf/lab/prometheus/prometheus.yml"
T=$(mktemp -d "${TMPDIR:-/tmp}/bgpwatch-labcheck.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
$PY tools/lab_grafana.py "$T/dash.json" || fail "tools/lab_grafana.py"
cmp -s "$T/dash.json" conf/grafana/bgpwatch.json ||
    fail "conf/grafana/bgpwatch.json is not what tools/lab_grafana.py writes (run it)"
$PY tools/lab_queries.py conf/grafana/bgpwatch.json >"$T/q.txt" || fail "tools/lab_queries.py"
for w in "Region visibility" "Region states" "Peer states" "Prefixes per peer" \
    "Events per second" "Event loop stall" "Memory per subsystem"; do
	grep -q "\"title\": \"$w" conf/grafana/bgpwatch.json || fail "dashboard has no panel \"$w\""
done
[ "$(wc -l <"$T/q.txt")" -ge 7 ] || fail "fewer than 7 dashboard queries"

$PY - <<'EOF' || fail "Containerfile / compose.yaml / bgpwatch.clab.yml / tools/lab.sh disagree"
import re, sys, yaml
ok = True
def bad(msg):
    global ok
    print("lab check:", msg, file=sys.stderr)
    ok = False

cf = open("Containerfile").read().replace("\\\n", " ")
froms = re.findall(r"^FROM\s+(\S+)", cf, re.M)
if len(froms) < 2 or any(f != "${BASE}" for f in froms):
    bad("Containerfile: want two or more stages, each FROM ${BASE}: %s" % froms)
if not re.search(r"^ARG BASE=\S*debian:bookworm-slim", cf, re.M):
    bad("Containerfile: ARG BASE must default to debian:bookworm-slim")
for want in (r"^USER bgpwatch", r"^VOLUME .*/etc/bgpwatch.*/var/lib/bgpwatch",
             r"^EXPOSE 179/tcp 7179/tcp 9179/tcp", r"^HEALTHCHECK .*show.*status",
             r"^COPY --from=build"):
    if not re.search(want, cf, re.M):
        bad("Containerfile: no line matching %s" % want)
if re.search(r"^RUN .*(-dev|build-essential)", cf.split("\nFROM ${BASE}\n")[-1], re.M):
    bad("Containerfile: -dev packages in the runtime stage")

# The addresses: tools/lab.sh is the reference.
sh = open("tools/lab.sh").read().replace("\\\n", " ")
want = {}
for line in sh.split("\n"):
    m = re.match(r"\s*run \$\{C\}(\w+) ", line)
    if not m:
        continue
    for ip in re.findall(r":ip=([\d.]+|\$BW_ADDR)", line):
        want.setdefault(m.group(1), set()).add(ip.replace("$BW_ADDR", "172.30.38.10"))
if len(want) != 6:
    bad("tools/lab.sh: expected 6 containers with addresses, found %s" % sorted(want))

comp = yaml.safe_load(open("conf/lab/compose.yaml"))
got = {}
for name, svc in comp["services"].items():
    for net in (svc.get("networks") or {}).values():
        got.setdefault(name, set()).add(net["ipv4_address"])
if got != want:
    bad("compose.yaml addresses %s != tools/lab.sh %s" % (got, want))
for n in comp["networks"].values():
    if not n.get("internal"):
        bad("compose.yaml: network %s is not internal" % n.get("name"))

clab = yaml.safe_load(open("conf/lab/bgpwatch.clab.yml"))
got = {}
for name, node in clab["topology"]["nodes"].items():
    for e in node.get("exec", []):
        m = re.match(r"ip addr add ([\d.]+)/", e)
        if m:
            got.setdefault(name, set()).add(m.group(1))
if got != want:
    bad("bgpwatch.clab.yml addresses %s != tools/lab.sh %s" % (got, want))

# Every neighbor of bgpwatchd's lab configuration is a container.
conf = open("conf/lab/bgpwatchd.conf").read()
nbs = set(re.findall(r"^neighbor ([\d.]+)", conf, re.M))
peers = set().union(*[v for k, v in want.items() if k not in ("bgpwatchd", "prometheus")])
if not nbs <= peers or len(nbs) != 4:
    bad("bgpwatchd.conf neighbors %s not 4 of the routers' addresses %s" % (nbs, peers))
sys.exit(0 if ok else 1)
EOF
rm -rf "$T"
echo "lab check: static checks ok (configurations valid; Containerfile, compose.yaml, containerlab topology and tools/lab.sh agree)"

# ------------------------------------------------------------ 2. the lab
case $BUILD in
*san*)
	echo "lab check: SKIPPED the container lab in the SAN=1 run: its image is built from the sources with the plain flags, and the plain make check ran it"
	exit 0 ;;
esac
if [ "${LAB:-1}" = 0 ]; then
	echo "lab check: SKIPPED the container lab: LAB=0"
	exit 0
fi
if ! why=$(sh tools/lab.sh check); then
	echo "lab check: SKIPPED the container lab: ${why#lab: }"
	exit 0
fi
exec sh tools/lab.sh test
