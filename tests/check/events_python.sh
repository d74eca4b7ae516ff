#!/bin/sh
# The event stream read by a neutral reader: Debian's python3-msgpack
# decodes what build/tools/evtgen wrote through the evt_* API (the log,
# then a live unix subscription with {"from": SEQ} while events keep
# coming, then TLS with a throwaway CA: server verified, client
# certificate required), checking keys, types, msgpack.Timestamp and seq
# continuity; and `bgpwatchctl events` on the same log and socket.
# Run from the top of the tree with BUILD set; exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
GEN="$BUILD/tools/evtgen"
CTL="$BUILD/bgpwatchctl"
TMP=$(mktemp -d) || exit 1
GENPID=
cleanup() {
	[ -n "$GENPID" ] && kill "$GENPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

command -v openssl >/dev/null || { echo "FAIL: no openssl command"; exit 1; }
for f in "$GEN" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
if ! "$PY" -c 'import msgpack' 2>/dev/null; then
	echo "FAIL: $PY has no msgpack (apt-get install python3-msgpack)"
	exit 1
fi

# The checker: decodes a stream of events and checks each one.
cat >"$TMP/check.py" <<'EOF'
import msgpack, socket, ssl, sys, time

TYPES = {
    "peer_up": {"peer": dict},
    "peer_down": {"peer": dict, "reason": str},
    "prefix_withdrawn": {"region": str, "prefix": str, "peer": dict,
                         "visible_peers": int, "eligible_peers": int},
    "prefix_announced": {"region": str, "prefix": str, "peer": dict,
                         "visible_peers": int, "eligible_peers": int},
}
REGION = {"region": str, "state": str, "visibility": float,
          "prefixes_visible": int, "prefixes_total": int,
          "eligible_peers": int}
for t in ("region_degraded", "region_down", "region_up", "region_unstable",
          "region_stable", "region_blind"):
    TYPES[t] = dict(REGION)
TYPES["region_up"]["duration"] = float


def check_event(ev, want_seq):
    assert isinstance(ev, dict), ev
    keys = list(ev)
    assert keys[:4] == ["v", "seq", "ts", "type"], keys
    assert ev["v"] == 1, ev
    assert ev["seq"] == want_seq, (ev["seq"], want_seq)
    ts = ev["ts"]
    assert isinstance(ts, msgpack.Timestamp), type(ts)
    now = time.time()
    assert now - 3600 < ts.to_unix() <= now + 1, ts
    assert ev["type"] in TYPES, ev["type"]
    for k, t in TYPES[ev["type"]].items():
        assert isinstance(ev[k], t), (ev["type"], k, ev[k])
    if "peer" in ev:
        assert set(ev["peer"]) == {"address", "asn"}, ev["peer"]
        assert isinstance(ev["peer"]["asn"], int)
    if "visibility" in ev:
        assert 0 <= ev["visibility"] <= 1


def unpacker():
    return msgpack.Unpacker(raw=False, timestamp=0, strict_map_key=True)


def check_log(path, first, count):
    u = unpacker()
    with open(path, "rb") as f:
        u.feed(f.read())
    seq = first
    for ev in u:
        check_event(ev, seq)
        seq += 1
    assert seq - first == count, (seq - first, count)
    types = set()
    u = unpacker()
    with open(path, "rb") as f:
        u.feed(f.read())
    for ev in u:
        types.add(ev["type"])
    assert types == set(TYPES), set(TYPES) - types


def read_stream(sock, first, last, deadline=20):
    u = unpacker()
    seq = first
    sock.settimeout(1)
    end = time.time() + deadline
    while seq <= last:
        if time.time() > end:
            raise AssertionError("timeout at seq %d, want up to %d" %
                                 (seq, last))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        if not data:
            raise AssertionError("closed at seq %d" % seq)
        u.feed(data)
        for ev in u:
            check_event(ev, seq)
            seq += 1
    return seq


def tls_context(d, with_cert=True):
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH,
                                     cafile=d + "/ca.pem")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if with_cert:
        ctx.load_cert_chain(d + "/client.pem", d + "/client.key")
    return ctx


def main():
    what = sys.argv[1]
    if what == "log":
        check_log(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif what == "unix":
        # unix SOCKET FROM LAST: {"from": FROM}, expect FROM..LAST
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        s.sendall(msgpack.packb({"from": int(sys.argv[3])}))
        read_stream(s, int(sys.argv[3]), int(sys.argv[4]))
    elif what == "unix-live":
        # {}: live from now; the first seq seen is then contiguous
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        s.sendall(msgpack.packb({}))
        s.settimeout(10)
        u = unpacker()
        while True:
            u.feed(s.recv(65536))
            evs = list(u)
            if evs:
                break
        first = evs[0]["seq"]
        for i, ev in enumerate(evs):
            check_event(ev, first + i)
        read_stream(s, first + len(evs), first + len(evs) + 5)
    elif what == "tls":
        # tls DIR PORT FROM LAST
        ctx = tls_context(sys.argv[2])
        raw = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
        s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        assert s.version() in ("TLSv1.2", "TLSv1.3"), s.version()
        s.sendall(msgpack.packb({"from": int(sys.argv[4])}))
        read_stream(s, int(sys.argv[4]), int(sys.argv[5]))
    elif what == "tls-nocert":
        # without a client certificate the server must refuse
        ctx = tls_context(sys.argv[2], with_cert=False)
        raw = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
        try:
            s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            s.settimeout(5)
            s.sendall(msgpack.packb({"from": 1}))
            data = s.recv(100)
            assert not data, "served without a client certificate"
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
            pass
    elif what == "tls-wrongca":
        # a server certificate from another CA must not verify
        ctx = ssl.create_default_context(cafile=sys.argv[2] + "/other.pem")
        raw = socket.create_connection(("127.0.0.1", int(sys.argv[3])))
        try:
            ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            raise AssertionError("server certificate accepted")
        except ssl.SSLCertVerificationError:
            pass
    elif what == "json":
        # json FILE FIRST COUNT: bgpwatchctl output
        import json, re
        seq = int(sys.argv[3])
        n = 0
        with open(sys.argv[2], encoding="utf-8") as f:
            for line in f:
                ev = json.loads(line)
                assert ev["seq"] == seq, (ev["seq"], seq)
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
                                    ev["ts"]), ev["ts"]
                seq += 1
                n += 1
        assert n == int(sys.argv[4]), (n, sys.argv[4])
    elif what == "port":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
    else:
        raise SystemExit("unknown check " + what)


main()
EOF

check() {	# description check.py arguments...
	what=$1
	shift
	if ! "$PY" "$TMP/check.py" "$@" >"$TMP/py.out" 2>&1; then
		fail "$what: $(tail -3 "$TMP/py.out")"
	fi
}

# 1. The log file: 1000 events, every type.
"$GEN" -n 1000 -l "$TMP/log.mpk" 2>"$TMP/gen.err" ||
    fail "evtgen: $(cat "$TMP/gen.err")"
check "log decoded by python" log "$TMP/log.mpk" 1 1000

# 2. bgpwatchctl events FILE: JSON lines, --from, a torn tail.
"$CTL" events "$TMP/log.mpk" >"$TMP/all.json" ||
    fail "bgpwatchctl events FILE: exit $?"
check "bgpwatchctl events FILE" json "$TMP/all.json" 1 1000
"$CTL" events --from 990 "$TMP/log.mpk" >"$TMP/from.json" ||
    fail "bgpwatchctl events --from: exit $?"
check "bgpwatchctl events --from 990" json "$TMP/from.json" 990 11
head -c 3000 "$TMP/log.mpk" >"$TMP/torn.mpk"
"$CTL" events "$TMP/torn.mpk" >"$TMP/torn.json" 2>"$TMP/torn.err"
rc=$?
[ "$rc" -eq 1 ] || fail "torn log: exit $rc, want 1"
grep -q "torn record at offset" "$TMP/torn.err" ||
    fail "torn log: no message on stderr"
# seq continues from the log after a restart (and a torn tail is cut)
"$GEN" -n 10 -l "$TMP/torn.mpk" 2>"$TMP/gen.err"
grep -q "torn record at offset" "$TMP/gen.err" ||
    fail "evtgen on a torn log: not reported"
"$CTL" events "$TMP/torn.mpk" >"$TMP/torn.json" 2>"$TMP/torn.err" ||
    fail "repaired log: exit $? $(cat "$TMP/torn.err")"
n=$(wc -l <"$TMP/torn.json")
first=$(head -1 "$TMP/torn.json" | sed 's/.*"seq":\([0-9]*\).*/\1/')
check "seq continued after restart" json "$TMP/torn.json" 1 "$n"
[ "$first" = 1 ] || fail "repaired log starts at $first"

# 3. A throwaway CA, a server and a client certificate.
(
	cd "$TMP" || exit 1
	EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $EC -keyout ca.key -out ca.pem -days 2 \
	    -subj "/CN=bgpwatch test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -x509 $EC -keyout other.key -out other.pem -days 2 \
	    -subj "/CN=another CA" &&
	openssl req $EC -keyout server.key -out server.csr \
	    -subj "/CN=127.0.0.1" &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out server.pem -days 2 -extfile server.ext &&
	openssl req $EC -keyout client.key -out client.csr \
	    -subj "/CN=subscriber" &&
	printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out client.pem -days 2 -extfile client.ext
) >"$TMP/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$TMP/openssl.log")"

# 4. Serving: 3000 logged, then 600 more every 10 ms, rotating the log.
PORT=$("$PY" "$TMP/check.py" port)
SOCK="$TMP/events.sock"
"$GEN" -n 3000 -m 600 -i 10 -l "$TMP/live.mpk" -s 100000 -k 10 \
    -u "$SOCK" -t 127.0.0.1 -p "$PORT" -c "$TMP/server.pem" \
    -K "$TMP/server.key" -a "$TMP/ca.pem" >"$TMP/serve.log" 2>&1 &
GENPID=$!
i=0
while ! grep -q serving "$TMP/serve.log" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ] || ! kill -0 "$GENPID" 2>/dev/null; then
		fail "evtgen did not start: $(tail -3 "$TMP/serve.log")"
		exit 1
	fi
	sleep 0.1
done
check "unix {from: 100} replay then live" unix "$SOCK" 100 3300
check "unix {} live" unix-live "$SOCK"
check "tls {from: 2500} with client cert" tls "$TMP" "$PORT" 2500 3600
check "tls without client cert refused" tls-nocert "$TMP" "$PORT"
check "tls server cert from another CA refused" tls-wrongca "$TMP" "$PORT"
# all 3600 are out now: without --follow the replay ends the output
"$CTL" events -e "$SOCK" --from 3590 >"$TMP/sock.json" 2>"$TMP/sock.err" ||
    fail "bgpwatchctl events -e SOCK --from: $(cat "$TMP/sock.err")"
check "bgpwatchctl events --from 3590 (socket)" json "$TMP/sock.json" 3590 11
BGPWATCH_EVENTS="$SOCK" "$CTL" events --from 3599 >"$TMP/env.json" \
    2>"$TMP/env.err" || fail "bgpwatchctl events via env: $(cat "$TMP/env.err")"
check "bgpwatchctl events (BGPWATCH_EVENTS)" json "$TMP/env.json" 3599 2
kill "$GENPID"
wait "$GENPID" 2>/dev/null
GENPID=
grep -E "evt_emit p50" "$TMP/serve.log"

[ "$failed" -eq 0 ] && echo "events_python: ok"
exit "$failed"
