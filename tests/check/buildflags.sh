#!/bin/sh
# The build honours CPPFLAGS, CFLAGS and LDFLAGS from the environment (as
# dpkg-buildflags sets them) and adds -Werror only with WERROR=1: checked
# on make's command lines (make -n into an empty build directory), then
# one object compiled and one program linked for real with Debian's
# hardening flags.
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
B="$TMP/b"
make -n --no-print-directory BUILD="$B" CPPFLAGS=-DBW_PROBE_CPP \
    CFLAGS="-O1 -DBW_PROBE_CFLAGS" LDFLAGS=-Wl,-z,bwprobe \
    "$B/bgpwatchd" >"$TMP/n" 2>&1 || fail "make -n: $(tail -3 "$TMP/n")"
cc=$(grep -c -- "-c -o $B/obj/" "$TMP/n")
grep -- "-c -o $B/obj/" "$TMP/n" | grep -v -- "-DBW_PROBE_CPP" >/dev/null &&
    fail "a compile line without CPPFLAGS"
grep -- "-c -o $B/obj/" "$TMP/n" | grep -v -- "-DBW_PROBE_CFLAGS" >/dev/null &&
    fail "a compile line without CFLAGS"
grep -- "-o $B/bgpwatchd " "$TMP/n" | grep -q -- "-Wl,-z,bwprobe" || fail "link line without LDFLAGS"
grep -q -- "-Werror" "$TMP/n" && fail "-Werror without WERROR=1"
make -n --no-print-directory BUILD="$B" WERROR=1 "$B/bgpwatchd" | grep -q -- "-Werror" ||
    fail "WERROR=1 does not add -Werror"
echo "make -n: $cc compile lines with CPPFLAGS and CFLAGS, link with LDFLAGS; -Werror only with WERROR=1"
if command -v dpkg-buildflags >/dev/null; then
	eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)"
	make -s --no-print-directory BUILD="$B" "$B/bgpfeed" >"$TMP/b.log" 2>&1 ||
	    fail "build with dpkg-buildflags: $(tail -5 "$TMP/b.log")"
	readelf -d "$B/bgpfeed" 2>/dev/null | grep -q BIND_NOW || fail "bgpfeed not linked -z now"
	[ $failed -eq 0 ] && echo "bgpfeed built with dpkg-buildflags (hardening=+all): $CPPFLAGS $LDFLAGS; BIND_NOW"
fi
exit $failed
