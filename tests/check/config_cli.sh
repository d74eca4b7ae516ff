#!/bin/sh
# bgpwatchd -n on real files: exit codes, silence on success, and the
# "FILE:LINE: message" format of errors.  Run from the top of the tree
# with BUILD set (tests/run.sh does); exit 0 = pass.
BUILD=${BUILD:-build}
D="$BUILD/bgpwatchd"
DATA=tests/data/config
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# expect_ok FILE: exit 0 and no output at all.
expect_ok() {
	"$D" -n -f "$1" >"$TMP/out" 2>&1
	rc=$?
	[ "$rc" -eq 0 ] || fail "$1: exit $rc, want 0: $(head -3 "$TMP/out")"
	[ -s "$TMP/out" ] && fail "$1: -n printed something: $(head -3 "$TMP/out")"
}

# expect_err FILE FIRST-LINE: exit 1, first stderr line exact, every
# stderr line in FILE:LINE: form, nothing on stdout.
expect_err() {
	"$D" -n -f "$1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$1: exit $rc, want 1"
	[ -s "$TMP/out" ] && fail "$1: output on stdout"
	first=$(head -1 "$TMP/err")
	[ "$first" = "$2" ] || fail "$1: got '$first', want '$2'"
	if grep -Ev '^[^:]+:[0-9]+: .+' "$TMP/err" >/dev/null; then
		fail "$1: malformed error line: $(grep -Ev '^[^:]+:[0-9]+: ' "$TMP/err" | head -1)"
	fi
}

[ -x "$D" ] || { echo "FAIL: $D not built"; exit 1; }

for f in conf/bgpwatchd.conf $DATA/interfaces.conf $DATA/full.conf \
    $DATA/include-main.conf $DATA/ipv6.conf $DATA/minimal.conf; do
	expect_ok "$f"
done

expect_err $DATA/bad-keyword.conf \
    "$DATA/bad-keyword.conf:5: unknown keyword \"remote_as\" in neighbor block"
expect_err $DATA/bad-many.conf \
    "$DATA/bad-many.conf:1: local-as 0 is reserved (RFC 7607)"
[ "$(wc -l <"$TMP/err")" -eq 5 ] || fail "bad-many.conf: want 5 errors"
expect_err $DATA/loop-a.conf \
    "$DATA/loop-b.conf:2: include loop: \"$DATA/loop-a.conf\" is already being read"
expect_err $DATA/include-missing.conf \
    "$DATA/include-missing.conf:3: cannot open \"$DATA/does-not-exist.conf\": No such file or directory"
expect_err "$TMP/none.conf" \
    "$TMP/none.conf:0: cannot open \"$TMP/none.conf\": No such file or directory"
printf 'local-as 65000\nrouter-id 192.0.2.1\nregion "X" {\n\tprefix 10.0.0.1/8\n}\n' \
    >"$TMP/bits.conf"
expect_err "$TMP/bits.conf" \
    "$TMP/bits.conf:4: prefix 10.0.0.1/8 has host bits set (the masked prefix is 10.0.0.0/8)"

# -n -v prints the canonical config, which is itself valid and stable.
"$D" -n -v -f $DATA/full.conf >"$TMP/p1.conf" || fail "-n -v failed"
grep -q '^local-as 4200000001$' "$TMP/p1.conf" || fail "-n -v: no local-as"
"$D" -n -v -f "$TMP/p1.conf" >"$TMP/p2.conf" || fail "printed config invalid"
cmp -s "$TMP/p1.conf" "$TMP/p2.conf" || fail "printed config not stable"

# Without -n, a bad file is reported the same way before anything starts.
"$D" -f $DATA/bad-keyword.conf 2>"$TMP/err"
[ $? -eq 1 ] && grep -q 'bad-keyword.conf:5: unknown keyword' "$TMP/err" ||
    fail "daemon mode: config errors not reported"

# -n reads the RIR stats files: bad lines are FILE:LINE errors, a missing
# file only a warning with -v.
printf 'local-as 65000\nrouter-id 192.0.2.1\nrir-stats "%s"\n' \
    "$PWD/tests/data/rirstats/bad-arin" >"$TMP/rir.conf"
"$D" -n -f "$TMP/rir.conf" 2>"$TMP/err" && fail "-n accepted bad stats"
grep -q 'bad-arin:4: bad country code "us"' "$TMP/err" ||
    fail "-n: stats error not reported as FILE:LINE"
printf 'local-as 65000\nrouter-id 192.0.2.1\nrir-stats "%s"\n' \
    "$TMP/missing" >"$TMP/rir2.conf"
"$D" -n -v -f "$TMP/rir2.conf" 2>"$TMP/err" >/dev/null ||
    fail "-n: missing stats fatal"
grep -q 'warning: not found' "$TMP/err" || fail "-n: no missing-file warning"

# Usage errors.
"$D" -x >/dev/null 2>&1 && fail "-x accepted"
"$D" -n -f conf/bgpwatchd.conf extra >/dev/null 2>&1 && fail "extra args accepted"

[ "$failed" -eq 0 ] && echo "config_cli: ok"
exit "$failed"
