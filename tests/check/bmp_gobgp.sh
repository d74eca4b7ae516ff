#!/bin/sh
# GoBGP exporting BMP with route-monitoring-policy "all" (pre-policy,
# post-policy and Loc-RIB), fed 6 RIS peers of updates.20160811.1600.gz
# by bgpfeed: our table per monitored peer and view equals GoBGP's own,
# prefix by prefix with AS path (tests/integration/test_bmp_gobgp.py,
# 127.0.2.80-99 ports 32080-32099).  The full-table variant is
# tests/soak/bmp_fulltable.sh.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3
missing=""
for t in "$PY" "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" "$BUILD/bgpfeed" \
    gobgpd gobgp; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "bmp_gobgp: missing:$missing (make deps)" >&2
	exit 1
fi
exec "$PY" - "$@" <<'PYEOF'
import sys
sys.path.insert(0, "tests/integration")
import lib, test_bmp_gobgp
sys.exit(lib.main([test_bmp_gobgp]))
PYEOF
