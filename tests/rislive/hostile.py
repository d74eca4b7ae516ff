"""Hostile clients against the RIS Live stream, while a good client
reads and a BGP session feeds: malformed JSON, unknown types, bad
filters and binary frames get ris_error (the connection stays); an
oversized message gets close 1009; unmasked and garbage frames a close;
bad HTTP heads 400/404/405/431; slowloris and idle clients are cut at
idle-timeout; a subscribe flood is refused then cut; subscriptions past
max-subscriptions and clients past max-clients are refused; a client
from outside the allow-list is refused; a client that never reads is
cut at queue-limit.  The good client must get every message throughout.

usage: hostile.py URL SRC_OK READY_FILE DONE_FILE
Every wait has a timeout; exit 0 = pass."""
import asyncio, base64, json, os, socket, sys, time
import websockets

URL, SRC, READY, DONE = sys.argv[1:5]
HOST, PORT = URL.split("/")[2].split(":")
PORT = int(PORT)
fail = []


def check(c, what):
    print(("ok   " if c else "FAIL ") + what, flush=True)
    if not c:
        fail.append(what)


def connect(**kw):
    return websockets.connect(URL, open_timeout=5, close_timeout=2,
                              max_size=None, local_addr=(SRC, 0), **kw)


async def raw_conn():
    return await asyncio.wait_for(asyncio.open_connection(
        HOST, PORT, local_addr=(SRC, 0)), 5)


async def raw_ws():
    """A raw socket after a correct handshake."""
    r, w = await raw_conn()
    key = base64.b64encode(os.urandom(16)).decode()
    w.write(("GET /v1/ws/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
    head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101"), head
    return r, w


def frame(payload, opcode=1, mask=True):
    b = bytes([0x80 | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        b += bytes([m | n])
    elif n < 65536:
        b += bytes([m | 126]) + n.to_bytes(2, "big")
    else:
        b += bytes([m | 127]) + n.to_bytes(8, "big")
    if mask:
        k = os.urandom(4)
        b += k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))
    else:
        b += payload
    return b


async def closed_within(r, secs):
    """Reads until EOF; returns the seconds it took, or None."""
    t0 = time.time()
    try:
        while True:
            d = await asyncio.wait_for(r.read(65536), secs)
            if not d:
                return time.time() - t0
    except (asyncio.TimeoutError, ConnectionError):
        return None if time.time() - t0 >= secs else time.time() - t0


async def http(req):
    r, w = await raw_conn()
    w.write(req)
    try:
        resp = await asyncio.wait_for(r.read(4096), 5)
    except ConnectionError:
        resp = b""
    w.close()
    return resp


class Good:
    """Reads everything, pings every second (idle-timeout is short)."""
    def __init__(self):
        self.n = 0
        self.closed = False
        self.last = time.time()

    async def run(self):
        async with connect() as ws:
            await ws.send(json.dumps({"type": "ris_subscribe", "data": {
                "type": "UPDATE", "socketOptions": {"acknowledge": True}}}))
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert m["type"] == "ris_subscribe_ok"
            self.ready = True

            async def pinger():
                while True:
                    await asyncio.sleep(1)
                    await ws.send('{"type":"ping"}')
            pt = asyncio.create_task(pinger())
            try:
                async for m in ws:
                    o = json.loads(m)
                    if o["type"] == "ris_message":
                        self.n += 1
                        self.last = time.time()
            except websockets.ConnectionClosed:
                pass
            finally:
                pt.cancel()
            self.closed = True


async def errors():
    async with connect() as ws:
        cases = [
            ("{bad", "malformed JSON"),
            ("[1,2]", "an object"),
            ('{"type":"nope"}', "unknown message type"),
            ('{"type":"ris_subscribe","data":{"prefix":"300.0.0.0/8"}}',
             "prefix"),
            ('{"type":"ris_subscribe","data":{"bogus":1}}', "unknown"),
            ('{"type":"ris_subscribe","data":{"path":"1,x"}}', "path"),
            ('{"type":"ris_subscribe","data":{"type":"FOO"}}', "type"),
            ('{"type":"ris_subscribe","data":{"moreSpecific":"yes"}}',
             "boolean"),
            ('{"type":"ris_subscribe","data":{"socketOptions":{"x":1}}}',
             "socketOptions"),
            ('{"type":"ris_subscribe","data":[]}', "object"),
            ('{"type":"bgpwatch_subscribe","data":{"from":-1}}', "from"),
            ('{"type":"ris_subscribe","data":{"peer":"nope"}}', "peer"),
            ('"\\u0000"', "JSON"),
            ('{"type":"x","type":"y"}', "malformed JSON"),
        ]
        for msg, word in cases:
            await ws.send(msg)
            o = json.loads(await asyncio.wait_for(ws.recv(), 5))
            check(o["type"] == "ris_error" and word in o["data"]["message"],
                  "ris_error for %s: %s" % (msg[:40], o["data"]))
        await ws.send(b"\x00\x01binary")
        o = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(o["type"] == "ris_error", "ris_error for a binary frame")
        await ws.send('{"type":"ping"}')
        o = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(o["type"] == "pong", "still served after the errors")


async def too_big():
    async with connect() as ws:
        await ws.send('{"type":"ping","pad":"%s"}' % ("x" * 9000))
        try:
            await asyncio.wait_for(ws.recv(), 5)
            check(False, "oversized message closes")
        except websockets.ConnectionClosed as e:
            check(e.code == 1009, "oversized message: close 1009 (%s)" %
                  e.code)


async def bad_frames():
    r, w = await raw_ws()
    w.write(frame(b'{"type":"ping"}', mask=False))     # servers need masks
    t = await closed_within(r, 5)
    check(t is not None, "unmasked frame: closed")
    r, w = await raw_ws()
    w.write(os.urandom(64) + b"\xff" * 64)
    t = await closed_within(r, 5)
    check(t is not None, "garbage frames: closed")
    r, w = await raw_ws()
    w.write(frame(b"ab", opcode=3))                    # reserved opcode
    t = await closed_within(r, 5)
    check(t is not None, "reserved opcode: closed")
    r, w = await raw_ws()                              # 2^62 byte frame
    w.write(bytes([0x81, 0xff]) + (1 << 62).to_bytes(8, "big") + b"abcd")
    t = await closed_within(r, 5)
    check(t is not None, "huge frame header: closed")


async def bad_http():
    resp = await http(b"GARBAGE\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 400"), "garbage request: 400")
    resp = await http(b"POST /v1/ws/ HTTP/1.1\r\nHost: x\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 405"), "POST: 405")
    resp = await http(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 404"), "unknown path: 404")
    resp = await http(b"GET /v1/ws/ HTTP/1.1\r\nHost: x\r\nUpgrade: "
                      b"websocket\r\nConnection: Upgrade\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 400"), "upgrade without key: 400")
    resp = await http(b"GET / HTTP/1.1\r\nX: " + b"a" * 20000)
    check(resp.startswith(b"HTTP/1.1 431"), "huge head: 431")
    resp = await http(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 200") and b"<!DOCTYPE html>" in resp,
          "GET /: the status page")


async def slowloris():
    r, w = await raw_conn()
    w.write(b"GET /v1/ws/ HTTP/1.1\r\n")
    t0 = time.time()
    closed = False
    while time.time() - t0 < 8:
        try:
            w.write(b"X")
            await w.drain()
        except ConnectionError:
            closed = True
            break
        try:
            d = await asyncio.wait_for(r.read(100), 0.5)
            if not d:
                closed = True
                break
        except asyncio.TimeoutError:
            pass
        except ConnectionError:
            closed = True
            break
    check(closed and time.time() - t0 < 6,
          "slowloris cut in %.1f s" % (time.time() - t0))


async def idle():
    r, w = await raw_ws()
    t = await closed_within(r, 8)
    check(t is not None and 2 < t < 6, "idle client cut at idle-timeout "
          "(%s s)" % (t if t is None else round(t, 1)))


async def flood():
    async with connect() as ws:
        n_err, code = 0, None
        try:
            for i in range(1000):
                await ws.send(json.dumps({"type": "ris_subscribe", "data": {
                    "prefix": "10.%d.0.0/16" % (i % 250), "path": i}}))
        except websockets.ConnectionClosed:
            pass
        try:
            while True:
                o = json.loads(await asyncio.wait_for(ws.recv(), 5))
                n_err += o["type"] == "ris_error"
        except websockets.ConnectionClosed as e:
            code = e.code
        except asyncio.TimeoutError:
            pass
        check(n_err > 0 and code == 1008, "subscribe flood: %d ris_error, "
              "then close %s" % (n_err, code))


async def many_subs():
    async with connect() as ws:
        for i in range(30):
            await ws.send(json.dumps({"type": "ris_subscribe", "data": {
                "prefix": "10.%d.0.0/16" % i,
                "socketOptions": {"acknowledge": True}}}))
        oks = errs = 0
        for i in range(30):
            o = json.loads(await asyncio.wait_for(ws.recv(), 5))
            oks += o["type"] == "ris_subscribe_ok"
            errs += o["type"] == "ris_error" and \
                "too many subscriptions" in o["data"]["message"]
        check(oks == 20 and errs == 10, "max-subscriptions 20: %d ok, "
              "%d refused" % (oks, errs))


async def max_clients(good):
    conns = []
    refused = 0
    try:
        for i in range(12):
            try:
                conns.append(await connect().__aenter__())
            except websockets.InvalidStatusCode as e:
                refused += e.status_code == 503
    finally:
        for c in conns:
            await c.close()
    # The good client holds one of the 8.
    check(len(conns) == 7 and refused == 5, "max-clients 8: %d more "
          "accepted, %d refused with 503" % (len(conns), refused))


async def denied():
    r, w = await asyncio.wait_for(asyncio.open_connection(
        HOST, PORT, local_addr=("127.0.0.1", 0)), 5)
    w.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        d = await asyncio.wait_for(r.read(100), 5)
    except ConnectionError:
        d = b""
    check(d == b"", "client outside the allow-list refused")


async def main():
    good = Good()
    gt = asyncio.create_task(good.run())
    t0 = time.time()
    while not getattr(good, "ready", False):
        if time.time() - t0 > 5 or gt.done():
            check(False, "good client subscribed")
            return
        await asyncio.sleep(0.05)
    for f in (errors, too_big, bad_frames, bad_http, denied, many_subs,
              flood):
        await asyncio.wait_for(f(), 20)
    await asyncio.wait_for(max_clients(good), 20)
    await asyncio.gather(slowloris(), idle())
    # A client that subscribes to everything with raw and never reads.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((SRC, 0))
    s.settimeout(5)
    s.connect((HOST, PORT))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /v1/ws/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % key).encode())
    head = s.recv(4096)
    check(head.startswith(b"HTTP/1.1 101"), "never-reading client upgraded")
    s.sendall(frame(json.dumps({"type": "ris_subscribe", "data": {
        "socketOptions": {"includeRaw": True}}}).encode()))
    open(READY, "w").write("ready\n")
    # The feed runs now; the good client must get all of it.
    t0 = time.time()
    while not os.path.exists(DONE) and time.time() - t0 < 40:
        await asyncio.sleep(0.2)
    check(os.path.exists(DONE), "the feed ran")
    # Until the good client has as many UPDATEs as the feed sent (DONE
    # holds the count), then 0.5 s for any extra; without a count, 1.5 s
    # of silence.  A loaded machine is slow, not silent for good.
    want = open(DONE).read().strip() if os.path.exists(DONE) else ""
    want = int(want) if want.isdigit() else None
    while time.time() - t0 < 60 and not good.closed and (
            (want is not None and good.n < want) or
            time.time() - good.last < (0.5 if want is not None else 1.5)):
        await asyncio.sleep(0.2)
    check(not good.closed, "the good client stayed connected")
    print("good client: %d UPDATEs" % good.n, flush=True)
    open(READY + ".count", "w").write("%d\n" % good.n)
    # The never-reading client was cut: reading now ends in EOF/reset.
    s.settimeout(0.2)
    got, eof = 0, False
    t0 = time.time()
    while time.time() - t0 < 10:
        try:
            d = s.recv(1 << 20)
        except socket.timeout:
            continue
        except ConnectionError:
            eof = True
            break
        if not d:
            eof = True
            break
        got += len(d)
    check(eof, "never-reading client cut (%d bytes were queued)" % got)
    gt.cancel()


asyncio.run(main())
print("FAILED: %s" % fail if fail else "ok")
sys.exit(1 if fail else 0)
