#!/bin/sh
# BMP-monitored peers' UPDATEs in the MRT updates archive, read back with
# bgpdump -m and compared with FRR's own view of each peer
# (tests/integration/test_bmp_mrt.py, 127.0.2.x ports 32060-32070).
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3
missing=""
for t in "$PY" "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" "$BUILD/bgpfeed" \
    /usr/lib/frr/bgpd vtysh exabgp bgpdump; do
	command -v "$t" >/dev/null 2>&1 || [ -x "$t" ] || missing="$missing $t"
done
ls /usr/lib/*/frr/modules/bgpd_bmp.so >/dev/null 2>&1 ||
    missing="$missing bgpd_bmp.so"
if [ -n "$missing" ]; then
	echo "bmp_mrt: missing:$missing (make deps)" >&2
	exit 1
fi
exec "$PY" - "$@" <<'PYEOF'
import sys
sys.path.insert(0, "tests/integration")
import lib, test_bmp_mrt
sys.exit(lib.main([test_bmp_mrt]))
PYEOF
