#!/bin/sh
# The BMP station with real exporters (FRR bgpd -M bmp, GoBGP) fed by
# ExaBGP, and hostile BMP from a feeder (tests/integration/test_bmp.py),
# on 127.0.2.x ports 32000-32099.  Exit status 0 only if all pass.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3
missing=""
for t in "$PY" "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" /usr/lib/frr/bgpd \
    vtysh gobgpd gobgp exabgp; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || missing="$missing $t"
done
[ -f /usr/lib/x86_64-linux-gnu/frr/modules/bgpd_bmp.so ] ||
    ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
    missing="$missing bgpd_bmp.so"
if [ -n "$missing" ]; then
	echo "bmp: missing:$missing (make deps)" >&2
	exit 1
fi
exec "$PY" - "$@" <<'PYEOF'
import sys
sys.path.insert(0, "tests/integration")
import lib, test_bmp
if len(sys.argv) > 1:
    import unittest
    sys.exit(lib.main([unittest.TestLoader().loadTestsFromNames(
        sys.argv[1:], test_bmp)]))
sys.exit(lib.main([test_bmp]))
PYEOF
