#!/bin/sh
# systemd: the daemon speaks sd_notify(3)'s datagram protocol -- READY=1
# once it serves, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around
# a SIGHUP reload, STOPPING=1 on SIGTERM -- received on a socket of our
# own (path and abstract "@" forms).  The installed unit passes
# `systemd-analyze verify` and `systemd-analyze security` rates it at
# most 2.0; those two are skipped, saying so, only where
# systemd-analyze is missing or cannot run at all.
# Addresses: 127.0.5.1, ports 35030-35039.
BUILD=${BUILD:-build}
D="$(pwd)/$BUILD/bgpwatchd"
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

cat >"$TMP/bw.conf" <<CONF
local-as 65000
router-id 192.0.2.254
listen on 127.0.5.1 port 35031
control "$TMP/ctl.sock"
CONF
for form in path abstract; do
	/usr/bin/python3 - "$D" "$TMP" "$form" <<'PY' || failed=1
import os, signal, socket, subprocess, sys, time
d, tmp, form = sys.argv[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if form == "path":
    name = os.path.join(tmp, "notify.sock")
    s.bind(name)
else:
    name = "@bgpwatch-test-notify-%d" % os.getpid()
    s.bind("\0" + name[1:])
s.settimeout(10)
env = dict(os.environ, NOTIFY_SOCKET=name)
p = subprocess.Popen([d, "-d", "-f", tmp + "/bw.conf"], env=env,
                     stderr=subprocess.PIPE, text=True)
def recv(what):
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        p.kill()
        print("FAIL (%s): no %s datagram; stderr: %s" % (form, what, p.stderr.read()))
        sys.exit(1)
    fields = dict(l.split("=", 1) for l in msg.split("\n") if "=" in l)
    if fields.get(what) != "1":
        p.kill()
        print("FAIL (%s): got %r, want %s=1" % (form, msg, what))
        sys.exit(1)
    return fields
got = []
f = recv("READY")
if not os.path.exists(tmp + "/ctl.sock"):
    print("FAIL (%s): READY before the control socket exists" % form); p.kill(); sys.exit(1)
got.append("READY(%s)" % f.get("STATUS"))
p.send_signal(signal.SIGHUP)
f = recv("RELOADING")
now = time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6
if abs(int(f.get("MONOTONIC_USEC", 0)) - now) > 5e6:
    print("FAIL (%s): MONOTONIC_USEC %s, now %d" % (form, f.get("MONOTONIC_USEC"), now)); p.kill(); sys.exit(1)
got.append("RELOADING")
recv("READY"); got.append("READY")
p.send_signal(signal.SIGTERM)
recv("STOPPING"); got.append("STOPPING")
rc = p.wait(10)
if rc != 0:
    print("FAIL (%s): exit %d" % (form, rc)); sys.exit(1)
print("sd_notify over a %s socket: %s" % (form, ", ".join(got)))
PY
done

# The unit as make install writes it, installed under a prefix of our
# own (not a DESTDIR) so that its ExecStart= exists for verify.
P="$TMP/p"
make -s --no-print-directory install BUILD="$BUILD" PREFIX="$P" \
    SYSCONFDIR="$P/etc" STATEDIR="$P/var/lib/bgpwatch" \
    RUNDIR="$P/run/bgpwatch" >"$TMP/install.log" 2>&1 || {
	fail "make install: $(tail -5 "$TMP/install.log")"; exit 1; }
UNIT="$P/lib/systemd/system/bgpwatchd.service"
[ -f "$UNIT" ] || { fail "no $UNIT"; exit 1; }
grep -qx "ExecStart=$P/sbin/bgpwatchd -d -f $P/etc/bgpwatch/bgpwatchd.conf" "$UNIT" ||
    fail "ExecStart not substituted: $(grep ExecStart= "$UNIT")"
for k in Type=notify User=bgpwatch AmbientCapabilities=CAP_NET_BIND_SERVICE \
    CapabilityBoundingSet=CAP_NET_BIND_SERVICE NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes \
    StateDirectory=bgpwatch RuntimeDirectory=bgpwatch \
    ConfigurationDirectory=bgpwatch SystemCallFilter=@system-service \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"; do
	grep -qx "$k" "$UNIT" || fail "unit lacks $k"
done
if ! command -v systemd-analyze >/dev/null ||
    ! systemd-analyze --version >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze is not available: verify and security not run"
	exit $failed
fi
# verify, with the installed man pages on MANPATH (Documentation= links).
MANPATH="$P/share/man" systemd-analyze verify "$UNIT" >"$TMP/verify" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$TMP/verify")"
[ -s "$TMP/verify" ] && fail "systemd-analyze verify said: $(cat "$TMP/verify")"
[ -s "$TMP/verify" ] || echo "systemd-analyze verify: clean"
systemd-analyze security --offline=true "$UNIT" \
    >"$TMP/sec" 2>&1
exp=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$TMP/sec")
if [ -z "$exp" ]; then
	fail "systemd-analyze security gave no level: $(tail -3 "$TMP/sec")"
else
	echo "systemd-analyze security: exposure $exp (at most 2.0)"
	awk -v e="$exp" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exp > 2.0"
fi
exit $failed
