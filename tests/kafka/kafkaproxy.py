"""
A TLS and SASL front for librdkafka's mock cluster, which speaks neither
(docs/kafka.md, "TLS and SASL").  For each broker it listens on
LISTEN_PORT+i and forwards to MOCK_PORT+i; build/tools/kafkamock -A makes
the brokers advertise the front's ports, so clients that follow the
metadata come back through it.

TLS is real TLS (Python's ssl, OpenSSL): the server certificate must
verify against the client's CA and name 127.0.3.1; with --client-ca the
client must present a certificate signed by it.  SASL is the Kafka
protocol's own exchange, answered here before any request reaches the
mock: ApiVersions is forwarded and its answer gains SaslHandshake (v0-1)
and SaslAuthenticate (v0-1); SaslHandshake picks the mechanism;
SaslAuthenticate carries PLAIN (RFC 4616) or SCRAM-SHA-256/512 (RFC 5802,
RFC 7677: salted password, client proof checked, server signature sent).
A wrong password gets SASL_AUTHENTICATION_FAILED and the connection is
closed, as a Kafka broker does.  After authentication bytes are copied
both ways untouched.

  /usr/bin/python3 kafkaproxy.py --addr 127.0.3.1 --listen PORT --mock PORT
      [--brokers 3] [--tls CERT KEY [--client-ca CA]]
      [--sasl PLAIN|SCRAM-SHA-256|SCRAM-SHA-512 --user U --password P]

Prints "ready" once listening; each connection's outcome goes to stderr.
"""
import argparse
import base64
import hashlib
import hmac
import os
import select
import socket
import ssl
import struct
import sys
import threading

API_SASL_HANDSHAKE = 17
API_VERSIONS = 18
API_SASL_AUTHENTICATE = 36
ERR_UNSUPPORTED_SASL_MECHANISM = 33
ERR_ILLEGAL_SASL_STATE = 34
ERR_SASL_AUTHENTICATION_FAILED = 58


def log(msg):
    sys.stderr.write("kafkaproxy: %s\n" % msg)
    sys.stderr.flush()


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError
        buf += d
    return buf


def recv_frame(s):
    n, = struct.unpack(">i", recv_exact(s, 4))
    if n < 0 or n > 1 << 26:
        raise ValueError("frame of %d bytes" % n)
    return recv_exact(s, n)


def send_frame(s, payload):
    s.sendall(struct.pack(">i", len(payload)) + payload)


def kstr(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def kbytes(b):
    return struct.pack(">i", len(b)) + b


def add_sasl_apis(resp, ver):
    """An ApiVersions response (v0-2, non-flexible) with SaslHandshake
    and SaslAuthenticate added."""
    corr, err, n = struct.unpack(">ihi", resp[:10])
    if err != 0:
        return resp
    rest = resp[10:]
    keys = rest[:6 * n]
    have = {struct.unpack(">h", keys[i:i + 2])[0] for i in range(0, len(keys), 6)}
    add = b""
    for key in (API_SASL_HANDSHAKE, API_SASL_AUTHENTICATE):
        if key not in have:
            add += struct.pack(">hhh", key, 0, 1)
            n += 1
    return struct.pack(">ihi", corr, err, n) + keys + add + rest[len(keys):]


class Scram:
    def __init__(self, mech, user, password):
        self.h = hashlib.sha256 if mech == "SCRAM-SHA-256" else hashlib.sha512
        self.hname = "sha256" if mech == "SCRAM-SHA-256" else "sha512"
        self.user, self.password = user, password
        self.step = 0

    def _hmac(self, key, msg):
        return hmac.new(key, msg, self.h).digest()

    def next(self, data):
        """Returns (ok, server message); ok None: more to come."""
        msg = data.decode()
        if os.environ.get("KAFKAPROXY_DEBUG"):
            log("scram step %d: %r" % (self.step, msg))
        if self.step == 0:
            # n,,n=USER,r=CNONCE
            parts = msg.split(",", 2)
            if len(parts) < 3 or parts[0] not in ("n", "y"):
                return False, b""
            self.client_first_bare = parts[2]
            attrs = dict(a.split("=", 1) for a in self.client_first_bare.split(",")
                         if "=" in a)
            name = attrs.get("n", "").replace("=2C", ",").replace("=3D", "=")
            self.name_ok = name == self.user
            self.nonce = attrs.get("r", "") + base64.b64encode(
                os.urandom(18)).decode()
            self.salt = os.urandom(16)
            self.iters = 4096
            self.server_first = "r=%s,s=%s,i=%d" % (
                self.nonce, base64.b64encode(self.salt).decode(), self.iters)
            self.step = 1
            return None, self.server_first.encode()
        if self.step == 1:
            self.step = 2
            if ",p=" not in msg:
                return False, b""
            without_proof, proof = msg.rsplit(",p=", 1)
            attrs = dict(a.split("=", 1) for a in without_proof.split(",")
                         if "=" in a)
            # As Apache Kafka >= 3.8.1 checks it: librdkafka before 2.6.1
            # (Debian's 2.0.2) sends its own nonce once more in front of
            # the server's (librdkafka #4895); 3.8.0's exact comparison
            # refused it.
            if not attrs.get("r", "").endswith(self.nonce) or \
                    not self.name_ok:
                return False, b""
            salted = hashlib.pbkdf2_hmac(self.hname, self.password.encode(),
                                         self.salt, self.iters)
            client_key = self._hmac(salted, b"Client Key")
            stored_key = self.h(client_key).digest()
            auth_msg = ",".join((self.client_first_bare, self.server_first,
                                 without_proof)).encode()
            sig = self._hmac(stored_key, auth_msg)
            want = bytes(a ^ b for a, b in zip(client_key, sig))
            try:
                got = base64.b64decode(proof)
            except ValueError:
                return False, b""
            if not hmac.compare_digest(want, got):
                return False, b""
            server_key = self._hmac(salted, b"Server Key")
            return True, ("v=" + base64.b64encode(
                self._hmac(server_key, auth_msg)).decode()).encode()
        return False, b""


def authenticate(c, up, args, peer):
    """The SASL exchange on client socket c; True once authenticated."""
    mech = None
    scram = None
    while True:
        frame = recv_frame(c)
        key, ver, corr, cidlen = struct.unpack(">hhih", frame[:10])
        body = frame[10 + max(cidlen, 0):]
        if key == API_VERSIONS:
            send_frame(up, frame)
            resp = recv_frame(up)
            if ver <= 2:
                resp = add_sasl_apis(resp, ver)
            send_frame(c, resp)
            continue
        if key == API_SASL_HANDSHAKE:
            n, = struct.unpack(">h", body[:2])
            want = body[2:2 + n].decode()
            ok = want == args.sasl
            out = struct.pack(">ihi", corr, 0 if ok else
                              ERR_UNSUPPORTED_SASL_MECHANISM, 1) + kstr(args.sasl)
            send_frame(c, out)
            if not ok:
                log("%s: mechanism %s refused" % (peer, want))
                return False
            mech = want
            if mech.startswith("SCRAM-"):
                scram = Scram(mech, args.user, args.password)
            continue
        if key == API_SASL_AUTHENTICATE and mech is not None:
            n, = struct.unpack(">i", body[:4])
            data = body[4:4 + n]
            if mech == "PLAIN":
                parts = data.split(b"\0")
                ok = (len(parts) == 3 and parts[1].decode() == args.user and
                      parts[2].decode() == args.password)
                server = b""
            else:
                ok, server = scram.next(data)
            err = 0 if ok is not False else ERR_SASL_AUTHENTICATION_FAILED
            out = struct.pack(">ih", corr, err)
            out += kstr("Authentication failed: Invalid username or password") \
                if err else struct.pack(">h", -1)
            out += kbytes(server)
            if ver >= 1:
                out += struct.pack(">q", 0)
            send_frame(c, out)
            if ok is False:
                log("%s: %s authentication failed" % (peer, mech))
                return False
            if ok:
                log("%s: %s authenticated as %s" % (peer, mech, args.user))
                return True
            continue
        # Anything else before authentication: refused, as a broker does.
        log("%s: request %d before authentication" % (peer, key))
        send_frame(c, struct.pack(">ih", corr, ERR_ILLEGAL_SASL_STATE))
        return False


def pump(c, up):
    socks = [c, up]
    while True:
        if isinstance(c, ssl.SSLSocket) and c.pending():
            ready = [c]
        else:
            ready, _, _ = select.select(socks, [], [], 5)
        for s in ready:
            d = s.recv(1 << 16)
            if not d:
                return
            (up if s is c else c).sendall(d)


def serve(conn, peer, mock, ctx, args):
    up = None
    try:
        if ctx is not None:
            conn.settimeout(10)
            conn = ctx.wrap_socket(conn, server_side=True)
            conn.settimeout(None)
            cert = conn.getpeercert()
            log("%s: TLS %s%s" % (peer, conn.version(), ", client %s" % dict(
                x[0] for x in cert["subject"]).get("commonName")
                if cert else ""))
        up = socket.create_connection(mock, timeout=10)
        up.settimeout(None)
        if args.sasl and not authenticate(conn, up, args, peer):
            return
        pump(conn, up)
    except (OSError, EOFError, ValueError, ssl.SSLError) as e:
        log("%s: %s" % (peer, e))
    finally:
        for s in (conn, up):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass


def listener(port, mock, ctx, args):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, port))
    ls.listen(16)
    return ls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", default="127.0.3.1")
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--mock", type=int, required=True)
    ap.add_argument("--brokers", type=int, default=3)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--client-ca")
    ap.add_argument("--sasl", choices=("PLAIN", "SCRAM-SHA-256",
                                       "SCRAM-SHA-512"))
    ap.add_argument("--user", default="")
    ap.add_argument("--password", default="")
    args = ap.parse_args()
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*args.tls)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
    lss = {}
    for i in range(args.brokers):
        ls = listener(args.listen + i, None, ctx, args)
        lss[ls] = (args.addr, args.mock + i)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(list(lss), [], [])
        for ls in ready:
            conn, peer = ls.accept()
            threading.Thread(target=serve, daemon=True,
                             args=(conn, "%s:%d" % peer, lss[ls], ctx,
                                   args)).start()


main()
