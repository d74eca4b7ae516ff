#!/bin/sh
# FRR (bgpd -M bmp) fed the 2015 full table and 6 RIS peers of
# updates.20160811.1600.gz by bgpfeed, exporting pre-policy BMP: our
# table per monitored peer equals FRR's Adj-RIB-In of that peer, prefix
# by prefix with AS path and origin, except the routes FRR refuses on
# input, which FRR 8.4 does not export live (asserted message by message
# on a small case first).  tests/integration/test_bmp_fulltable_frr.py,
# 127.0.2.100-119 ports 32100-32119.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3
missing=""
for t in "$PY" "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" "$BUILD/bgpfeed" \
    /usr/lib/frr/bgpd vtysh exabgp; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || missing="$missing $t"
done
ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
    missing="$missing bgpd_bmp.so"
if [ -n "$missing" ]; then
	echo "bmp_fulltable_frr: missing:$missing (make deps)" >&2
	exit 1
fi
exec "$PY" - "$@" <<'PYEOF'
import sys
sys.path.insert(0, "tests/integration")
import lib, test_bmp_fulltable_frr
if len(sys.argv) > 1:
    import unittest
    sys.exit(lib.main([unittest.TestLoader().loadTestsFromNames(
        sys.argv[1:], test_bmp_fulltable_frr)]))
sys.exit(lib.main([test_bmp_fulltable_frr]))
PYEOF
