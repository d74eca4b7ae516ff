#!/bin/sh
# `user NAME`: the real daemon, started as root, becomes NAME once its
# sockets and log are open (/proc/PID/status: every uid and gid NAME's,
# no supplementary groups, CapEff/CapPrm exactly CAP_NET_BIND_SERVICE),
# still answers on its control socket, and a reload can open a listener
# on port 179 (the kept capability at work).  A config holding an md5
# key refuses to start while group or others can read it.  Skipped (exit
# 0 with SKIP) when not root: dropping privileges needs them.
# Addresses: 127.0.5.1, ports 35000-35009 (the operator range).
BUILD=${BUILD:-build}
# Port 179 is anyone's on a shared machine: as root, run in a network
# namespace of our own (loopback only), where nothing else listens.
if [ "$(id -u)" = 0 ] && [ -z "$BW_NETNS" ] && unshare -n true 2>/dev/null; then
	exec env BW_NETNS=1 unshare -n sh -c 'ip link set lo up && exec sh "$0"' "$0"
fi
D="$(pwd)/$BUILD/bgpwatchd"
C="$(pwd)/$BUILD/bgpwatchctl"
U=bgpwatch
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: not root (dropping privileges needs root)"
	exit 0
fi
id "$U" >/dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin "$U" || exit 1
UID_U=$(id -u "$U"); GID_U=$(id -g "$U")
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

mkdir "$TMP/state" && chown "$U:" "$TMP/state"
conf() {	# extra-listen-line
	cat <<CONF
local-as 65000
router-id 192.0.2.254
listen on 127.0.5.1 port 35001
$1
control "$TMP/ctl.sock"
user "$U"
neighbor 127.0.5.2 {
	remote-as 64511
	passive
	md5 "not-for-your-eyes"
}
events {
	log "$TMP/state/events.mpk"
}
metrics on 127.0.5.1 port 35002
CONF
}

# 1. A key others can read: refused, with the file:line and the fix.
conf "" >"$TMP/bw.conf"
chmod 644 "$TMP/bw.conf"
if "$D" -d -f "$TMP/bw.conf" >"$TMP/out" 2>&1; then
	fail "started with an md5 key in a 0644 file"
fi
grep -q "bw.conf:10: holds a secret (md5).*mode 0644.*chmod 600" "$TMP/out" ||
    fail "refusal message: $(cat "$TMP/out")"
chmod 640 "$TMP/bw.conf"
"$D" -d -f "$TMP/bw.conf" >"$TMP/out" 2>&1 && fail "started with a 0640 file"
# -n checks the grammar only; -n -v warns.
"$D" -n -f "$TMP/bw.conf" || fail "-n refused a group-readable file"
"$D" -n -v -f "$TMP/bw.conf" 2>&1 >/dev/null | grep -q "^warning: .*holds a secret" ||
    fail "-n -v did not warn"

# 2. 0600 and owned by the user (so that reloads can read it): starts,
# and drops.
chmod 600 "$TMP/bw.conf"
chown "$U:" "$TMP/bw.conf"
"$D" -d -f "$TMP/bw.conf" >"$TMP/bw.log" 2>&1 &
PID=$!
i=0
until [ -S "$TMP/ctl.sock" ] && grep -q "running as user" "$TMP/bw.log"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $PID 2>/dev/null; then
		fail "daemon did not come up: $(cat "$TMP/bw.log")"
		exit 1
	fi
	sleep 0.1
done
ST=/proc/$PID/status
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' $ST)
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' $ST)
groups=$(awk '/^Groups:/ {$1=""; print}' $ST | tr -d ' ')
capeff=$(awk '/^CapEff:/ {print $2}' $ST)
capprm=$(awk '/^CapPrm:/ {print $2}' $ST)
capinh=$(awk '/^CapInh:/ {print $2}' $ST)
capamb=$(awk '/^CapAmb:/ {print $2}' $ST)
echo "Uid: $uids  Gid: $gids  Groups: '$groups'  CapEff: $capeff CapPrm: $capprm"
[ "$uids" = "$UID_U $UID_U $UID_U $UID_U" ] || fail "Uid: $uids, want $UID_U x4"
[ "$gids" = "$GID_U $GID_U $GID_U $GID_U" ] || fail "Gid: $gids, want $GID_U x4"
[ -z "$groups" ] || [ "$groups" = "$GID_U" ] || fail "Groups: $groups"
# CAP_NET_BIND_SERVICE is capability 10: bit 0x400.
[ "$capeff" = 0000000000000400 ] || fail "CapEff $capeff, want 0000000000000400"
[ "$capprm" = 0000000000000400 ] || fail "CapPrm $capprm, want 0000000000000400"
[ "$capinh" = 0000000000000000 ] || fail "CapInh $capinh"
[ "${capamb:-0000000000000000}" = 0000000000000000 ] || fail "CapAmb $capamb"
grep -q "running as user $U (uid $UID_U, gid $GID_U), keeping CAP_NET_BIND_SERVICE" \
    "$TMP/bw.log" || fail "no 'running as user' line"
"$C" -s "$TMP/ctl.sock" show neighbors >"$TMP/nb" 2>&1 ||
    fail "control socket after the drop: $(cat "$TMP/nb")"
grep -q 127.0.5.2 "$TMP/nb" || fail "show neighbors: $(cat "$TMP/nb")"
# The event log became the user's (rotation reopens it as the user).
[ "$(stat -c %U "$TMP/state/events.mpk")" = "$U" ] ||
    fail "event log owner $(stat -c %U "$TMP/state/events.mpk")"

# 3. Reload adds a listener on port 179: only CAP_NET_BIND_SERVICE allows
# it to an unprivileged process.
conf "listen on 127.0.5.1 port 179" >"$TMP/bw.conf"
"$C" -s "$TMP/ctl.sock" reload >"$TMP/rl" 2>&1 || fail "reload: $(cat "$TMP/rl")"
i=0	# up to 10 s: a fixed 0.3 s is short on a loaded machine
until ss -Hltnp 'sport = :179' 2>/dev/null | grep -q "127.0.5.1:179.*pid=$PID,"; do
	i=$((i + 1))
	[ $i -gt 100 ] &&
	    fail "no listener on 127.0.5.1:179 after reload: $(ss -Hltnp 'sport = :179')"
	sleep 0.1
done
# A reload cannot make the secret readable by others either.
chmod 644 "$TMP/bw.conf"
"$C" -s "$TMP/ctl.sock" reload >"$TMP/rl" 2>&1 && fail "reload accepted a 0644 file"
grep -q "holds a secret" "$TMP/rl" || fail "reload refusal: $(cat "$TMP/rl")"
chmod 600 "$TMP/bw.conf"
kill -0 $PID || fail "daemon died"
kill $PID
wait $PID
rc=$?
PID=
[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"

# 4. A user that does not exist: a clear refusal, not a silent root.
sed "s/^user .*/user \"no-such-user-bw\"/" "$TMP/bw.conf" >"$TMP/nouser.conf"
chmod 600 "$TMP/nouser.conf"
"$D" -d -f "$TMP/nouser.conf" >"$TMP/out" 2>&1 && fail "started as no-such-user-bw"
grep -q "no-such-user-bw: no such user" "$TMP/out" || fail "no-user message: $(cat "$TMP/out")"
[ $failed -eq 0 ] && echo "privdrop: ok"
exit $failed
