#!/bin/sh
# tools/lab.sh: the container lab (docs/lab.md), driven with podman.
#
#   sh tools/lab.sh images   build what is missing: the Debian base image
#                            (mmdebstrap + podman import, cached), the
#                            bgpwatch image (Containerfile), the routers'
#                            and Prometheus' images (conf/lab/Containerfile.router)
#   sh tools/lab.sh run      images, lab up, the North Korea story, events
#                            printed as JSON lines, lab down  (make lab)
#   sh tools/lab.sh test     the same with assertions, plus GTSM, MD5 and
#                            Prometheus checks                (make lab-test)
#   sh tools/lab.sh down     removes the lab's containers and networks
#   sh tools/lab.sh check    only checks podman can run here (exit 0/1, one line why)
#
# The lab is the network of conf/lab/compose.yaml: two internal podman
# networks (nothing routed out, no DNS), bgpwatchd on 172.30.38.10, BIRD
# AS4837 (.11), GoBGP AS3356 (.12), FRR AS1299 (.13, also on the edge
# network as 172.30.39.13) and BIRD AS2914 on the edge network
# (172.30.39.14, one routed hop through FRR), Prometheus (.20).  Every
# session uses port 179.  KEEP=1 leaves the lab running (and its files);
# `sh tools/lab.sh down` removes it.  Only containers and networks named
# bgpwatch-lab-* are ever touched.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$TOP/conf/lab/containers.conf}"
PY=/usr/bin/python3
MODE=${1:-run}
# One lab at a time on this machine (its names and addresses are fixed).
case $MODE in
run|test|images|down)
	if [ -z "${LAB_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
		LAB_LOCKED=1 exec flock "${TMPDIR:-/tmp}/bgpwatch-lab.lock" sh "$TOP/tools/lab.sh" "$@"
	fi ;;
esac

BASE_IMG=${LAB_BASE:-localhost/bgpwatch-base:bookworm}
IMG_BW=localhost/bgpwatch:lab
IMG_BIRD=localhost/bgpwatch-lab-bird:bookworm
IMG_GOBGP=localhost/bgpwatch-lab-gobgp:bookworm
IMG_FRR=localhost/bgpwatch-lab-frr:bookworm
IMG_PROM=localhost/bgpwatch-lab-prometheus:bookworm
NET_CORE=bgpwatch-lab-core
NET_EDGE=bgpwatch-lab-edge
SUB_CORE=172.30.38.0/24
SUB_EDGE=172.30.39.0/24
C=bgpwatch-lab-         # container name prefix
CONTAINERS="${C}bird2 ${C}bird1 ${C}gobgp ${C}frr ${C}prometheus ${C}bgpwatchd"
BW_ADDR=172.30.38.10
HOLD=3                  # region KP's hold-down in conf/lab/bgpwatchd.conf
KP="175.45.176.0/24 175.45.177.0/24 175.45.178.0/24 175.45.179.0/24"

say() { echo "lab: $*" >&2; }
die() {
	echo "lab: FAILED: $*" >&2
	if [ "$MODE" != images ] && [ -n "${RUNDIR:-}" ]; then
		for c in $CONTAINERS; do
			podman container exists "$c" 2>/dev/null || continue
			echo "----- podman logs $c (last 15 lines)" >&2
			podman logs --tail 15 "$c" 2>&1 | sed 's/^/    /' >&2
		done
	fi
	exit 1
}

# ------------------------------------------------------------ can it run
podman_ok() {
	if ! command -v podman >/dev/null 2>&1; then
		WHY="podman is not installed (make deps installs it)"; return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		WHY="the lab needs root (podman networks with fixed addresses, nsenter for the routed hop)"; return 1
	fi
	if ! command -v runc >/dev/null 2>&1; then
		WHY="runc is not installed (make deps installs it)"; return 1
	fi
	if ! podman info >/dev/null 2>&1; then
		WHY="podman info fails: $(podman info 2>&1 | tail -n 1)"; return 1
	fi
	return 0
}

# ------------------------------------------------------------ images
mirror() {
	# The Debian mirror apt is configured with (deb822 or one-line).
	m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
	[ -n "$m" ] || m=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
	    /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

base_image() {
	podman image exists "$BASE_IMG" && return 0
	command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap missing (make deps)"
	t=$(mktemp -d "${TMPDIR:-/tmp}/bgpwatch-lab-base.XXXXXX") || exit 1
	say "building $BASE_IMG with mmdebstrap from $(mirror) (cached afterwards)"
	if ! mmdebstrap --variant=minbase --include=ca-certificates bookworm \
	    "$t/base.tar" "$(mirror)" >"$t/mmdebstrap.log" 2>&1; then
		tail -n 20 "$t/mmdebstrap.log" >&2
		rm -rf "$t"
		die "mmdebstrap failed"
	fi
	podman import "$t/base.tar" "$BASE_IMG" >/dev/null || { rm -rf "$t"; die "podman import failed"; }
	rm -rf "$t"
}

build() {	# image containerfile context [build-arg...]
	img=$1 file=$2 ctx=$3
	shift 3
	log=$(mktemp "${TMPDIR:-/tmp}/bgpwatch-lab-build.XXXXXX")
	BUILDLOG=$log
	# podman's layer cache makes an unchanged image a matter of seconds.
	if ! podman build --layers --format docker --build-arg BASE="$BASE_IMG" "$@" \
	    -t "$img" -f "$file" "$ctx" >"$log" 2>&1; then
		tail -n 25 "$log" >&2
		rm -f "$log"
		die "podman build $img failed"
	fi
	rm -f "$log"
	BUILDLOG=
}

images() {
	t0=$(date +%s)
	base_image
	say "building the images (bgpwatch from the Containerfile; BIRD, GoBGP, FRR, Prometheus from Debian packages)"
	# The build stage gets a tag of its own so that pruning the previous
	# images never drops its cached -dev packages layer.
	build localhost/bgpwatch-build:lab Containerfile . --target build
	build "$IMG_BW" Containerfile .
	build "$IMG_BIRD" conf/lab/Containerfile.router conf/lab --build-arg PKGS=bird2
	build "$IMG_GOBGP" conf/lab/Containerfile.router conf/lab --build-arg PKGS=gobgpd
	build "$IMG_FRR" conf/lab/Containerfile.router conf/lab --build-arg PKGS=frr
	build "$IMG_PROM" conf/lab/Containerfile.router conf/lab --build-arg PKGS=prometheus
	podman image prune -f >/dev/null 2>&1	# dangling layers of rebuilt images
	say "images ready in $(($(date +%s) - t0)) s"
}

# ------------------------------------------------------------ up / down
down() {
	for c in $CONTAINERS; do
		podman rm -f -t 1 -v "$c" >/dev/null 2>&1
	done
	for n in $NET_CORE $NET_EDGE; do
		podman network rm -f "$n" >/dev/null 2>&1
	done
	return 0
}

x() { podman exec "$@"; }			# x CONTAINER cmd...
bw() { podman exec ${C}bgpwatchd bgpwatchctl "$@"; }

nsroute() {	# container prefix via
	pid=$(podman inspect -f '{{.State.Pid}}' "$1") || die "no $1"
	nsenter -t "$pid" -n ip route replace "$2" via "$3" ||
	    die "route $2 via $3 in $1"
}

up() {
	down
	RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/bgpwatch-lab.XXXXXX") || exit 1
	# The configurations are copied, so the test can change bird2's.
	cp conf/lab/bgpwatchd.conf conf/lab/bird1.conf conf/lab/bird2.conf \
	    conf/lab/gobgpd.toml conf/lab/frr.conf conf/lab/daemons "$RUNDIR"/
	mkdir -p "$RUNDIR/rules"
	cp conf/prometheus/*.yml "$RUNDIR/rules/" 2>/dev/null
	chmod -R a+rX "$RUNDIR"
	# bgpwatchd's file holds an MD5 key: bgpwatchd starts only if nobody
	# but its owner, the image's user bgpwatch, can read it.
	bwuid=$(podman run --rm --entrypoint id $IMG_BW -u 2>/dev/null) ||
	    die "no uid for the image's user"
	chown "$bwuid" "$RUNDIR/bgpwatchd.conf" && chmod 600 "$RUNDIR/bgpwatchd.conf" ||
	    die "chown $bwuid $RUNDIR/bgpwatchd.conf"
	podman network create --internal --disable-dns --subnet $SUB_CORE $NET_CORE >/dev/null ||
	    die "podman network create $NET_CORE"
	podman network create --internal --disable-dns --subnet $SUB_EDGE $NET_EDGE >/dev/null ||
	    die "podman network create $NET_EDGE"
	# (podman without systemd logs that it cannot schedule HEALTHCHECK
	# runs: expected here, test_sessions runs it by hand.)
	run() {
		podman run -d --name "$@" >/dev/null 2>"$RUNDIR/podman-run.err"
		_rc=$?
		grep -v 'systemd connection' "$RUNDIR/podman-run.err" >&2
		[ $_rc -eq 0 ] || die "podman run $1"
	}
	run ${C}frr --hostname frr --network $NET_CORE:ip=172.30.38.13 \
	    --network $NET_EDGE:ip=172.30.39.13 \
	    --sysctl net.ipv4.ip_forward=1 --cap-add NET_ADMIN,NET_RAW,SYS_ADMIN \
	    -v "$RUNDIR/frr.conf:/etc/frr/frr.conf:ro" \
	    -v "$RUNDIR/daemons:/etc/frr/daemons:ro" \
	    $IMG_FRR sh -c '/usr/lib/frr/frrinit.sh start && exec sleep infinity'
	run ${C}bgpwatchd --hostname bgpwatchd --health-interval disable --network $NET_CORE:ip=$BW_ADDR \
	    --sysctl net.ipv4.ip_unprivileged_port_start=0 \
	    -v "$RUNDIR/bgpwatchd.conf:/etc/bgpwatch/bgpwatchd.conf:ro" $IMG_BW
	# The routed hop: bgpwatchd reaches the edge network through frr,
	# bird2 the core network.  Set from outside: no container needs
	# NET_ADMIN for it (compose.yaml does it with a one-shot service).
	nsroute ${C}bgpwatchd $SUB_EDGE 172.30.38.13
	run ${C}bird1 --hostname bird1 --network $NET_CORE:ip=172.30.38.11 \
	    -v "$RUNDIR/bird1.conf:/etc/bird/bird.conf:ro" \
	    $IMG_BIRD bird -f -c /etc/bird/bird.conf -s /run/bird/bird.ctl
	run ${C}bird2 --hostname bird2 --network $NET_EDGE:ip=172.30.39.14 \
	    -v "$RUNDIR/bird2.conf:/etc/bird/bird.conf" \
	    $IMG_BIRD sh -c 'sleep 1; exec bird -f -c /etc/bird/bird.conf -s /run/bird/bird.ctl'
	nsroute ${C}bird2 $SUB_CORE 172.30.39.13
	run ${C}gobgp --hostname gobgp --network $NET_CORE:ip=172.30.38.12 \
	    -v "$RUNDIR/gobgpd.toml:/etc/gobgp/gobgpd.toml:ro" \
	    $IMG_GOBGP gobgpd -f /etc/gobgp/gobgpd.toml --pprof-disable \
	    --api-hosts 127.0.0.1:50051
	run ${C}prometheus --hostname prometheus --network $NET_CORE:ip=172.30.38.20 \
	    -v "$TOP/conf/lab/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" \
	    -v "$RUNDIR/rules:/etc/prometheus/rules:ro" \
	    $IMG_PROM prometheus --config.file=/etc/prometheus/prometheus.yml \
	    --storage.tsdb.path=/var/lib/prometheus/lab \
	    --web.listen-address=0.0.0.0:9090
	# GoBGP's routes come from its CLI.
	wait_for 20 "gobgpd's API" x ${C}gobgp gobgp global >/dev/null
	for p in $KP; do gobgp_kp add "$p"; done
	for p in 198.18.30.0/24 198.18.31.0/24 203.0.113.0/24; do
		x ${C}gobgp gobgp global rib add -a ipv4 "$p" aspath 64496 >/dev/null ||
		    die "gobgp global rib add $p"
	done
}

# ------------------------------------------------------------ helpers
wait_for() {	# seconds what command...
	_t=$(($1 * 5)) _what=$2
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		_t=$((_t - 1))
		[ $_t -gt 0 ] || die "timed out waiting for $_what"
		sleep 0.2
	done
}

gobgp_kp() {	# add|del prefix
	if [ "$1" = add ]; then
		x ${C}gobgp gobgp global rib add -a ipv4 "$2" aspath 131279 >/dev/null
	else
		x ${C}gobgp gobgp global rib del -a ipv4 "$2" >/dev/null
	fi || die "gobgp global rib $1 $2"
}

kp() {	# withdraw|announce router
	case $2 in
	bird1|bird2)
		[ "$1" = withdraw ] && a=disable || a=enable
		x ${C}$2 birdc -s /run/bird/bird.ctl $a kp >/dev/null ||
		    die "birdc $a kp at $2" ;;
	gobgp)
		[ "$1" = withdraw ] && a=del || a=add
		for p in $KP; do gobgp_kp $a "$p"; done ;;
	frr)
		[ "$1" = withdraw ] && a="no network" || a="network"
		set -- -c "configure terminal" -c "router bgp 1299" \
		    -c "address-family ipv4 unicast"
		for p in $KP; do set -- "$@" -c "$a $p route-map KP"; done
		x ${C}frr vtysh "$@" >/dev/null || die "vtysh $a at frr" ;;
	esac
}

# Neighbors as "address state" lines.
neighbors() {
	bw -j show neighbors 2>/dev/null | $PY -c '
import json, sys
for n in json.load(sys.stdin)["neighbors"]:
    print(n["address"], n["state"], n.get("prefixes", {}).get("ipv4", 0))'
}
state_of() { neighbors | awk -v a="$1" '$1 == a { print $2 }'; }
established() { [ "$(state_of "$1")" = Established ]; }
not_est() { ! established "$1"; }
all_established() {
	[ "$(neighbors | awk '$2 == "Established"' | wc -l)" -eq 4 ]
}
# All four count for visibility (End-of-RIB, or eligible-after: GoBGP
# sends no End-of-RIB without graceful restart).
eligible_all() {
	bw -j show regions 2>/dev/null | grep -q '"eligible_peers":4'
}

LOG=/var/lib/bgpwatch/events.mpk
NEXT=1
events() { bw events --from "$NEXT" $LOG 2>/dev/null; }
count() { events | grep -c "\"type\":\"$1\""; }
at_least() { [ "$(count "$1")" -ge "$2" ]; }
none_of() { [ "$(count "$1")" -eq 0 ]; }
show() {
	events >"$RUNDIR/out.json" || true
	cat "$RUNDIR/out.json"
	_last=$(sed -n 's/^{"v":1,"seq":\([0-9]*\),.*/\1/p' "$RUNDIR/out.json" | tail -n 1)
	[ -z "$_last" ] || NEXT=$((_last + 1))
}

# nstat counter in a container's network namespace (TcpExt...).
nstat_of() {
	pid=$(podman inspect -f '{{.State.Pid}}' "$1")
	nsenter -t "$pid" -n nstat -az "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# ------------------------------------------------------------ the story
story() {
	say "[1/6] bgpwatchd ($BW_ADDR, AS65000) peers on port 179 with AS4837 (bird1, 172.30.38.11), AS3356 (gobgp, .12), AS1299 (frr, .13), all with GTSM, and AS2914 (bird2, 172.30.39.14) one routed hop away through frr with TCP MD5 and GTSM; each announces KP's four /24s (origin AS131279)"
	wait_for 60 "4 sessions Established" all_established
	wait_for 30 "the 4 upstreams eligible" eligible_all
	wait_for 30 "region KP up" at_least region_up 1
	sleep 0.5
	neighbors | sed 's/^/lab:   neighbor /' >&2
	show
	say "[2/6] AS4837 (bird1) withdraws KP: 3 of 4 upstreams still carry it, KP stays up"
	kp withdraw bird1
	wait_for 15 "4 prefix_withdrawn from AS4837" at_least prefix_withdrawn 4
	sleep $((HOLD + 1))
	none_of region_down || die "region_down while 3 of 4 upstreams carry KP"
	show
	say "[3/6] AS3356 (gobgp) withdraws KP: 2 of 4 still carry it, half the eligible peers, which is enough (the default min-peers, docs/regions.md): KP stays up"
	kp withdraw gobgp
	wait_for 15 "4 prefix_withdrawn from AS3356" at_least prefix_withdrawn 4
	sleep $((HOLD + 1))
	none_of region_down || die "region_down while 2 of 4 upstreams carry KP"
	show
	say "[4/6] AS1299 (frr) withdraws KP: only AS2914 (bird2, behind frr) carries it; region_down (visibility 0) after the ${HOLD} s hold-down"
	kp withdraw frr
	wait_for 15 "4 prefix_withdrawn from AS1299" at_least prefix_withdrawn 4
	wait_for $((HOLD + 15)) "region_down" at_least region_down 1
	show
	say "[5/6] AS2914 (bird2) withdraws KP too: nobody carries it"
	kp withdraw bird2
	wait_for 15 "4 prefix_withdrawn from AS2914" at_least prefix_withdrawn 4
	show
	say "[6/6] all four announce KP again: prefix_announced, region_up after the hold-down"
	for r in bird1 gobgp frr bird2; do kp announce $r; done
	wait_for 15 "16 prefix_announced" at_least prefix_announced 16
	wait_for $((HOLD + 15)) "region_up" at_least region_up 1
	show
}

# ------------------------------------------------------------ the tests
bird2_conf() {	# sed expression: bird2 reconfigured with a changed file
	sed "$1" conf/lab/bird2.conf >"$RUNDIR/bird2.conf"
	x ${C}bird2 birdc -s /run/bird/bird.ctl configure >/dev/null ||
	    die "birdc configure at bird2"
}

# not_established SECONDS ADDR: never Established during SECONDS.
not_established() {
	_n=$(($1 * 2))
	while [ $_n -gt 0 ]; do
		established "$2" && return 1
		sleep 0.5
		_n=$((_n - 1))
	done
	return 0
}

test_sessions() {
	say "test: every session Established, from the containers' own addresses"
	for a in 172.30.38.11 172.30.38.12 172.30.38.13 172.30.39.14; do
		established $a || die "$a not Established: $(neighbors | tr '\n' ';')"
	done
	# The TCP connections themselves: bgpwatchd's sockets on port 179
	# with the peers' addresses (not a NAT or a proxy).
	pid=$(podman inspect -f '{{.State.Pid}}' ${C}bgpwatchd)
	nsenter -t "$pid" -n ss -Htn state established >"$RUNDIR/ss.txt"
	for a in 172.30.38.11 172.30.38.12 172.30.38.13 172.30.39.14; do
		grep -q "$BW_ADDR:.* $a:\|$BW_ADDR:179 *$a:" "$RUNDIR/ss.txt" ||
		    die "no TCP connection from $a in bgpwatchd: $(cat "$RUNDIR/ss.txt")"
		grep "$a:" "$RUNDIR/ss.txt" | grep -q ':179 ' ||
		    die "connection with $a not on port 179"
	done
	# bird2's routes crossed the hop: its AS path, seen in bgpwatchd.
	bw -j show rib neighbor 172.30.39.14 >"$RUNDIR/rib2.json" 2>&1 ||
	    die "show rib neighbor 172.30.39.14"
	grep -q '"as_path":"2914 131279"' "$RUNDIR/rib2.json" ||
	    die "no KP route with path 2914 131279 from bird2"
	grep -q '"as_path":"3356 131279"' "$RUNDIR/rib2.json" &&
	    die "bird2's RIB shows another peer's route"
	for a in 172.30.38.11:4837 172.30.38.12:3356 172.30.38.13:1299 172.30.39.14:2914; do
		bw -j show rib neighbor "${a%:*}" 175.45.177.0/24 | grep -q "\"as_path\":\"${a#*:} 131279\"" ||
		    die "175.45.177.0/24 from ${a%:*} without path ${a#*:} 131279"
	done
	# The image's HEALTHCHECK (bgpwatchctl show status), run once by hand:
	# podman's periodic runs need systemd timers, so the lab disables them.
	podman healthcheck run ${C}bgpwatchd >/dev/null 2>&1 ||
	    die "HEALTHCHECK of the bgpwatch image failed"
	[ "$(podman inspect -f '{{.State.Health.Status}}' ${C}bgpwatchd 2>/dev/null)" = healthy ] ||
	    die "bgpwatchd container not healthy"
	say "test:   ok: 4 sessions on port 179 from 172.30.38.11-13 and 172.30.39.14 (across frr), KP routes with the right AS paths, HEALTHCHECK healthy"
}

test_events() {
	say "test: events of the story"
	bw events $LOG >"$RUNDIR/all.json" || die "bgpwatchctl events"
	c() { grep "\"type\":\"$1\"" "$RUNDIR/all.json" | grep -c "$2"; }
	[ "$(c peer_up '')" -ge 4 ] || die "fewer than 4 peer_up"
	for a in 172.30.38.11 172.30.38.12 172.30.38.13 172.30.39.14; do
		[ "$(c prefix_withdrawn "\"address\":\"$a\"")" -eq 4 ] ||
		    die "not 4 prefix_withdrawn from $a"
		[ "$(c prefix_announced "\"address\":\"$a\"")" -ge 4 ] ||
		    die "no prefix_announced from $a"
	done
	[ "$(c region_down '"region":"KP"')" -eq 1 ] || die "not exactly one region_down"
	grep '"type":"region_down"' "$RUNDIR/all.json" | grep -q '"visibility":0.0' ||
	    die "region_down without visibility 0"
	[ "$(c region_up '"duration":')" -ge 1 ] || die "no region_up with a duration"
	say "test:   ok: $(wc -l <"$RUNDIR/all.json") events: peer_up x4, 4 prefix_withdrawn and prefix_announced per peer, region_down (visibility 0), region_up with duration"
}

test_gtsm() {
	say "test: GTSM: bird2 without ttl security sends TTL 2 (multihop 2); after frr it arrives with TTL 1 < 254 and bgpwatchd refuses the session"
	d0=$(nstat_of ${C}bgpwatchd TcpExtTCPMinTTLDrop)
	bird2_conf 's/^  ttl security on;.*/  ttl security off;/'
	wait_for 20 "bird2's session to go down" not_est 172.30.39.14
	not_established 6 172.30.39.14 || die "session with TTL 1 Established despite ttl-security"
	d1=$(nstat_of ${C}bgpwatchd TcpExtTCPMinTTLDrop)
	[ "${d1:-0}" -gt "${d0:-0}" ] ||
	    die "TcpExtTCPMinTTLDrop did not grow in bgpwatchd ($d0 -> $d1)"
	say "test:   ok: not Established for 6 s, bgpwatchd's kernel dropped $((d1 - d0)) segments below the minimum TTL (TcpExtTCPMinTTLDrop)"
	bird2_conf 's/^XX//'
	wait_for 40 "bird2 Established again with GTSM" established 172.30.39.14
	say "test:   ok: with ttl security on (TTL 255, 254 after the hop) Established again"
}

test_md5() {
	say "test: TCP MD5: bird2 with a wrong key is refused"
	m0=$(nstat_of ${C}bgpwatchd TcpExtTCPMD5Failure)
	bird2_conf 's/password "bgpwatch-lab-key"/password "wrong-key"/'
	wait_for 20 "bird2's session to go down" not_est 172.30.39.14
	not_established 6 172.30.39.14 || die "session Established with a wrong MD5 key"
	m1=$(nstat_of ${C}bgpwatchd TcpExtTCPMD5Failure)
	[ "${m1:-0}" -gt "${m0:-0}" ] ||
	    die "TcpExtTCPMD5Failure did not grow in bgpwatchd ($m0 -> $m1)"
	say "test:   ok: not Established for 6 s, $((m1 - m0)) segments with a bad MD5 signature dropped (TcpExtTCPMD5Failure)"
	bird2_conf 's/^XX//'
	wait_for 40 "bird2 Established again with the right key" established 172.30.39.14
	say "test:   ok: with the right key Established again"
}

promq() {	# expr: number of series Prometheus returns
	x ${C}prometheus promtool query instant -o json http://127.0.0.1:9090 "$1" 2>/dev/null |
	    $PY -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0
}

rules_loaded() {
	x ${C}prometheus promtool query instant -o json http://127.0.0.1:9090 \
	    'sum(prometheus_rule_group_rules)' 2>/dev/null |
	    $PY -c 'import json,sys; r=json.load(sys.stdin); sys.exit(not r or int(float(r[0]["value"][1])) != int(sys.argv[1]))' "$1"
}
scraped() { [ "$(promq 'up{job="bgpwatch"} == 1')" -ge 1 ]; }

test_prometheus() {
	say "test: Prometheus scrapes bgpwatchd; every query of the dashboard (conf/grafana/bgpwatch.json) and of the alert rules (conf/prometheus/*.yml) returns data"
	wait_for 30 "Prometheus ready" promq 'up'
	wait_for 30 "up{job=\"bgpwatch\"} == 1" scraped
	sleep 3	# a few more scrapes: rates need two samples
	# The names bgpwatchd exports, as Prometheus stored them.
	x ${C}prometheus promtool query instant -o json http://127.0.0.1:9090 \
	    'count by (__name__) ({job="bgpwatch"})' 2>/dev/null | $PY -c '
import json, sys
for s in json.load(sys.stdin):
    print(s["metric"]["__name__"])' >"$RUNDIR/names.txt"
	[ -s "$RUNDIR/names.txt" ] || die "Prometheus holds no bgpwatch metrics"
	rules=$(ls conf/prometheus/*.yml 2>/dev/null)
	[ -n "$rules" ] || say "test:   (no conf/prometheus/*.yml alert rules in this tree)"
	$PY tools/lab_queries.py conf/grafana/bgpwatch.json $rules >"$RUNDIR/queries.txt" ||
	    die "tools/lab_queries.py"
	# The shipped alert rules are loaded (Prometheus scrapes itself).
	if [ -n "$rules" ]; then
		want=$(cat $rules | grep -c '^[[:space:]]*- alert:')
		wait_for 20 "the alert rules loaded" rules_loaded "$want"
		say "test:   ok: Prometheus loaded the $want alert rules of $(echo $rules)"
	fi
	n=0 bad=0
	tab=$(printf '\t')
	while IFS="$tab" read -r q names; do
		n=$((n + 1))
		r=$(promq "$q")
		[ "$r" -gt 0 ] && continue
		sleep 2
		r=$(promq "$q")
		[ "$r" -gt 0 ] && continue
		miss=""
		for m in $(echo "$names" | tr ',' ' '); do
			grep -qx "$m" "$RUNDIR/names.txt" || miss="$miss $m"
		done
		if [ -n "$miss" ]; then
			echo "lab:   NO DATA (bgpwatchd exports no$miss): $q" >&2
		else
			echo "lab:   NO DATA: $q" >&2
		fi
		bad=$((bad + 1))
	done <"$RUNDIR/queries.txt"
	[ $n -gt 0 ] || die "no queries found"
	[ $bad -eq 0 ] || die "$bad of $n queries returned no data"
	say "test:   ok: $n queries, each returns data"
}

# ------------------------------------------------------------ main
case $MODE in
check)
	if podman_ok; then echo "lab: podman can run here"; exit 0; fi
	echo "lab: $WHY"; exit 1 ;;
down) down; exit 0 ;;
images)
	podman_ok || die "$WHY"
	images; exit 0 ;;
run|test) ;;
*) echo "usage: sh tools/lab.sh run|test|images|down|check" >&2; exit 2 ;;
esac

podman_ok || die "$WHY"
BUILDLOG=
cleanup() {
	trap - EXIT INT TERM HUP
	[ -n "$BUILDLOG" ] && rm -f "$BUILDLOG"
	if [ -n "${KEEP:-}" ]; then
		say "KEEP=1: the lab is still running (podman ps; sh tools/lab.sh down removes it); files in ${RUNDIR:-}"
	else
		down
		[ -n "${RUNDIR:-}" ] && rm -rf "$RUNDIR"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
START=$(date +%s)
images
up
story
if [ "$MODE" = test ]; then
	test_sessions
	test_events
	test_gtsm
	test_md5
	test_prometheus
fi
say "done in $(($(date +%s) - START)) s"
exit 0
