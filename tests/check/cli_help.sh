#!/bin/sh
# -h/--help and -V/--version on every binary: usage on stdout and exit 0,
# "PROG VERSION" with the one version of lib/version.c; an unknown option
# exits non-zero with the usage on stderr.
BUILD=${BUILD:-build}
failed=0
fail() { echo "FAIL: $*"; failed=1; }
V=$(sed -n 's/^#define BGPWATCH_RELEASE[[:space:]]*"\(.*\)"/\1/p' lib/version.c)
[ -n "$V" ] || { echo "FAIL: no BGPWATCH_RELEASE in lib/version.c"; exit 1; }
for p in bgpwatchd bgpwatchctl bgpfeed; do
	b="$BUILD/$p"
	for o in -V --version; do
		out=$("$b" $o 2>/dev/null); rc=$?
		[ $rc -eq 0 ] || fail "$p $o: exit $rc"
		[ "$out" = "$p $V" ] || fail "$p $o: '$out', want '$p $V'"
	done
	for o in -h --help; do
		"$b" $o >"${TMPDIR:-/tmp}/cli_help.$$" 2>/dev/null; rc=$?
		[ $rc -eq 0 ] || fail "$p $o: exit $rc"
		head -1 "${TMPDIR:-/tmp}/cli_help.$$" | grep -q "^usage: $p" ||
		    fail "$p $o: no usage on stdout"
	done
	"$b" -Z >/dev/null 2>"${TMPDIR:-/tmp}/cli_help.$$"; rc=$?
	[ $rc -ne 0 ] || fail "$p -Z: exit 0"
	grep -q "usage: $p" "${TMPDIR:-/tmp}/cli_help.$$" || fail "$p -Z: no usage on stderr"
	echo "$p: -V '$p $V', -h usage"
done
rm -f "${TMPDIR:-/tmp}/cli_help.$$"
# The daemon reports the same version over its control socket (show
# status) -- checked in tests/test_control.c against bgpwatch_version().
exit $failed
