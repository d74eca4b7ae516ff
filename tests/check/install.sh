#!/bin/sh
# The install trial of issue 11, as a new operator follows the README and
# the man pages: `make install DESTDIR=...` puts the programs, the man
# pages, the unit, a working default config and the state directory in
# place and builds no test tool; the installed man pages are found by
# man(1); a second install keeps the operator's config.  Then the
# installed daemon, with the installed config (its paths moved into the
# DESTDIR and its listeners onto the test address), is started as the
# unprivileged bgpwatch user the way the systemd unit starts it (uid
# bgpwatch, ambient CAP_NET_BIND_SERVICE), binds port 179, and serves
# region metrics in Prometheus text.  Needs root (useradd, setpriv);
# without it only the file checks run.
# Addresses: 127.0.5.40, ports 179 and 35040-35049.
BUILD=${BUILD:-build}
# Port 179 is anyone's on a shared machine: as root, run in a network
# namespace of our own (loopback only), where nothing else listens.
if [ "$(id -u)" = 0 ] && [ -z "$BW_NETNS" ] && unshare -n true 2>/dev/null; then
	exec env BW_NETNS=1 unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
TMP=$(mktemp -d) || exit 1
chmod 755 "$TMP"
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && sleep 0.3
	rm -rf "$TMP"
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
D="$TMP/dest"
P=/usr/local

# make install builds the three programs and nothing else.
make -n --no-print-directory install BUILD="$TMP/fresh" DESTDIR="$D" >"$TMP/dry" 2>&1
grep -E "tests/tools|tests/test_|cmocka|fuzz" "$TMP/dry" >"$TMP/bad" &&
    fail "make install would build test tools: $(head -3 "$TMP/bad")"
grep -q "bgpwatchd.o" "$TMP/dry" || fail "make -n install builds no daemon?"

make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$D" >"$TMP/install.log" 2>&1 ||
    { fail "make install: $(tail -5 "$TMP/install.log")"; exit 1; }
for f in sbin/bgpwatchd bin/bgpwatchctl bin/bgpfeed share/man/man8/bgpwatchd.8 \
    share/man/man8/bgpwatchctl.8 share/man/man5/bgpwatchd.conf.5 \
    share/man/man1/bgpfeed.1 lib/systemd/system/bgpwatchd.service \
    lib/sysusers.d/bgpwatch.conf share/doc/bgpwatch/README.md; do
	[ -f "$D$P/$f" ] || fail "not installed: $P/$f"
done
for f in /etc/bgpwatch/bgpwatchd.conf /etc/bgpwatch/bgpwatchd.conf.example \
    /var/lib/bgpwatch/delegated-apnic-extended-latest; do
	[ -f "$D$f" ] || fail "not installed: $f"
done
progs=$(find "$D" -type f -perm -u+x | sed "s|^$D||" | sort | tr '\n' ' ')
[ "$progs" = "$P/bin/bgpfeed $P/bin/bgpwatchctl $P/sbin/bgpwatchd " ] ||
    fail "executables installed: $progs"
[ "$(stat -c %a "$D/etc/bgpwatch/bgpwatchd.conf")" = 640 ] ||
    fail "config mode $(stat -c %a "$D/etc/bgpwatch/bgpwatchd.conf")"
"$D$P/sbin/bgpwatchd" -n -f "$D/etc/bgpwatch/bgpwatchd.conf" ||
    fail "the installed default config does not pass -n"
for m in bgpwatchd bgpwatchctl bgpwatchd.conf bgpfeed; do
	MANPATH="$D$P/share/man" man -w "$m" >/dev/null 2>&1 ||
	    fail "man -w $m: not found in the installed tree"
done
MANPATH="$D$P/share/man" man 5 bgpwatchd.conf 2>/dev/null | grep -q "user" ||
    fail "man 5 bgpwatchd.conf does not render"
echo "# the operator's line" >>"$D/etc/bgpwatch/bgpwatchd.conf"
make -s --no-print-directory install BUILD="$BUILD" DESTDIR="$D" >"$TMP/install2.log" 2>&1 ||
    fail "second make install: $(tail -3 "$TMP/install2.log")"
tail -1 "$D/etc/bgpwatch/bgpwatchd.conf" | grep -q "the operator's line" ||
    fail "a second make install overwrote the config"
grep -q "keeping" "$TMP/install2.log" || fail "second install did not say it kept the config"

if [ "$(id -u)" != 0 ]; then
	echo "SKIP: not root: the start as the bgpwatch user is not tried"
	exit $failed
fi
U=bgpwatch
id "$U" >/dev/null 2>&1 || fail "make install as root did not create user $U"
[ "$(stat -c %U "$D/var/lib/bgpwatch")" = "$U" ] || fail "state directory not $U's"

# The operator's edits: listen on the test address (port 179 kept), the
# metrics port, and the state inside the DESTDIR.
C="$D/etc/bgpwatch/bgpwatchd.conf"
sed -i -e "s|/var/lib/bgpwatch|$D/var/lib/bgpwatch|g" -e "s|/run/bgpwatch|$D/run/bgpwatch|g" \
    -e "s|^listen on 0.0.0.0 port 179|listen on 127.0.5.40 port 179|" -e "/^listen on :: /d" \
    -e "s|^metrics on 127.0.0.1 port 9179|metrics on 127.0.5.40 port 35041|" "$C"
grep -q "^listen on 127.0.5.40 port 179" "$C" && grep -q "port 35041" "$C" ||
    { fail "installed config not as expected: $(cat "$C")"; exit 1; }
"$D$P/sbin/bgpwatchd" -n -f "$C" || fail "-n on the edited config"

# As the unit starts it: uid and gid bgpwatch, CAP_NET_BIND_SERVICE ambient.
setpriv --reuid="$U" --regid="$U" --init-groups --inh-caps=+net_bind_service \
    --ambient-caps=+net_bind_service --no-new-privs \
    "$D$P/sbin/bgpwatchd" -d -f "$C" >"$TMP/bw.log" 2>&1 &
PID=$!
i=0
until curl -sf http://127.0.5.40:35041/metrics >"$TMP/metrics" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		fail "installed daemon did not serve metrics: $(cat "$TMP/bw.log")"
		exit 1
	fi
	sleep 0.1
done
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$PID/status)
want=$(id -u $U)
[ "$uid" = "$want $want $want $want" ] || fail "daemon Uid $uid, want $want"
ss -Hltn 'sport = :179' | grep -q "127.0.5.40:179" || fail "no listener on 127.0.5.40:179"
"$D$P/bin/bgpwatchctl" -s "$D/run/bgpwatch/bgpwatchd.sock" show regions >"$TMP/regions" 2>&1 ||
    fail "bgpwatchctl show regions: $(cat "$TMP/regions")"
grep -q KP "$TMP/regions" || fail "region KP not shown: $(cat "$TMP/regions")"
/usr/bin/python3 - "$TMP/metrics" <<'PY' || failed=1
import re, sys
text = open(sys.argv[1]).read()
fams = set(re.findall(r"^# TYPE (\S+)", text, re.M))
region = [l for l in text.splitlines() if l.startswith("bgpwatch_region") and 'region="KP"' in l]
print("metrics: %d families, %d region KP samples, e.g. %s" % (len(fams), len(region), region[:2]))
ok = len(fams) >= 5 and "bgpwatch_rib_routes" in fams
# Region metrics: required as soon as the daemon has them (issue 11,
# point 7: bgpwatch_region_state); before that, the families there are.
src = open("bgpd/ctl/metrics.c").read() + "".join(
    open(f).read() for f in __import__("glob").glob("bgpd/ctl/*.c"))
if "bgpwatch_region_state" in src:
    ok = ok and any(l.startswith("bgpwatch_region_state{") for l in region)
sys.exit(0 if ok else 1)
PY
kill $PID; wait $PID; rc=$?; PID=
[ $rc -eq 0 ] || fail "exit status $rc"
[ $failed -eq 0 ] && echo "install trial: ok"
exit $failed
