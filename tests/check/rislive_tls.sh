#!/bin/sh
# wss:// with client certificates: a throwaway CA signs the server's and
# a client's certificate; a client with its certificate subscribes and
# gets a ris_message from a real session (bgpfeed), a client without one
# and a client with a certificate of another CA are refused (counted as
# tls drops), plain ws:// on the wss port gets nothing.  Every client runs
# under timeout.  Exit 0 = pass.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
TMP=$(mktemp -d) || exit 1
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && sleep 0.2
	[ -n "$KEEP" ] || rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; [ -f "$TMP/d.log" ] && tail -20 "$TMP/d.log"; exit 1; }
command -v openssl >/dev/null || fail "no openssl command"
A=127.0.4.1
(
	cd "$TMP" || exit 1
	EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $EC -keyout ca.key -out ca.pem -days 2 \
	    -subj "/CN=rislive test CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign &&
	openssl req -x509 $EC -keyout other.key -out other.pem -days 2 \
	    -subj "/CN=another CA" &&
	openssl req $EC -keyout server.key -out server.csr -subj "/CN=$A" &&
	printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' $A \
	    >server.ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out server.pem -days 2 -extfile server.ext &&
	openssl req $EC -keyout client.key -out client.csr -subj "/CN=cl" &&
	printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out client.pem -days 2 -extfile client.ext &&
	chmod 600 ./*.key
) >"$TMP/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$TMP/openssl.log")"
cat >"$TMP/bgpwatchd.conf" <<CONF
local-as 65000
router-id 192.0.2.254
listen on $A port 34050
control "$TMP/ctl.sock"
neighbor 127.0.4.51 { remote-as 64999; passive }
metrics on $A port 34051
websocket on $A port 34052 cert "$TMP/server.pem" key "$TMP/server.key" ca "$TMP/ca.pem"
CONF
chmod 600 "$TMP/bgpwatchd.conf"	# it names a key: it must be private
"$BUILD/bgpwatchd" -d -f "$TMP/bgpwatchd.conf" >"$TMP/d.log" 2>&1 &
DPID=$!
i=0
until grep -q "rislive: wss://" "$TMP/d.log"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "daemon did not start"
	kill -0 $DPID 2>/dev/null || fail "daemon exited"
	sleep 0.1
done
cat >"$TMP/tls.py" <<'PYEOF'
import asyncio, json, ssl, subprocess, sys
import websockets
A, T, FEED = sys.argv[1], sys.argv[2], sys.argv[3:]
URL = "wss://%s:34052/v1/ws/" % A
fail = []

def check(c, what):
    print(("ok   " if c else "FAIL ") + what, flush=True)
    if not c:
        fail.append(what)

def ctx(cert):
    c = ssl.create_default_context(cafile=T + "/ca.pem")
    if cert:
        c.load_cert_chain(T + "/%s.pem" % cert, T + "/%s.key" % cert)
    return c

async def refused(cert):
    try:
        async with websockets.connect(URL, ssl=ctx(cert), open_timeout=5,
                                      close_timeout=1) as ws:
            await ws.send('{"type":"ping"}')
            await asyncio.wait_for(ws.recv(), 3)
        return False
    except (ssl.SSLError, OSError, websockets.WebSocketException,
            asyncio.TimeoutError, EOFError):
        return True

async def main():
    async with websockets.connect(URL, ssl=ctx("client"), open_timeout=5,
                                  close_timeout=1) as ws:
        await ws.send(json.dumps({"type": "ris_subscribe", "data": {
            "type": "UPDATE", "socketOptions": {"acknowledge": True}}}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(m["type"] == "ris_subscribe_ok", "wss with a client cert: "
              "subscribed")
        p = await asyncio.create_subprocess_exec(*FEED,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check(m["type"] == "ris_message" and m["data"]["type"] == "UPDATE"
              and m["data"]["peer"] == "127.0.4.51", "an UPDATE over wss")
        await asyncio.wait_for(p.wait(), 20)
    check(await refused(None), "no client certificate: refused")
    check(await refused("other"), "another CA's certificate: refused")
    try:
        async with websockets.connect("ws://%s:34052/v1/ws/" % A,
                                      open_timeout=3, close_timeout=1):
            check(False, "plain ws on the wss port refused")
    except (OSError, websockets.WebSocketException, asyncio.TimeoutError,
            EOFError):
        check(True, "plain ws on the wss port refused")

asyncio.run(main())
sys.exit(1 if fail else 0)
PYEOF
timeout 60 "$PY" "$TMP/tls.py" $A "$TMP" timeout 20 "$BUILD/bgpfeed" \
    --synthetic 100 --bind 127.0.4.51 --local-as 64999 $A:34050 ||
    fail "wss clients"
# The worker thread publishes its counters every 100 ms or after a turn:
# on a busy machine the refusal may not be in the snapshot yet, so poll.
i=0
while :; do
	timeout 5 "$PY" -c "import urllib.request as u; print(u.urlopen('http://$A:34051/metrics', timeout=3).read().decode())" >"$TMP/metrics.txt" || fail "metrics"
	grep -q '^bgpwatch_rislive_drops_total{reason="tls"} [1-9]' \
	    "$TMP/metrics.txt" && break
	i=$((i + 1))
	[ $i -gt 50 ] && fail "no tls drop counted: $(grep rislive_drops "$TMP/metrics.txt")"
	sleep 0.1
done
kill -0 $DPID || fail "daemon died"
echo "rislive_tls: ok"
