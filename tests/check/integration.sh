#!/bin/sh
# Integration tests: bgpwatchd against real BGP speakers (BIRD, GoBGP,
# ExaBGP) and bgpfeed on 127.0.0.0/8, with the binaries of $BUILD.  Prints
# one line per scenario (ok / FAIL / SKIP) and "N passed, N failed"; exit
# status 0 only if none failed.  Details of failures (with the tails of
# every log) go to stderr.
#   BUILD=build sh tests/check/integration.sh [MODULE[.TestClass[.test]] ...]
# e.g. `sh tests/check/integration.sh test_bird.TestBird.test_4_md5`.
# KEEP=1 keeps each test's temporary directory.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
PY=/usr/bin/python3	# Debian's, with python3-msgpack

missing=""
for t in "$PY" "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" bird birdc gobgpd \
    gobgp exabgp bgpdump; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "FAIL: missing:$missing (make deps; make)"
	echo "0 passed, 1 failed"
	exit 1
fi

exec "$PY" - "$@" <<'PYEOF'
import importlib, sys, unittest
sys.path.insert(0, "tests/integration")
import lib
MODULES = ["test_bird", "test_gobgp", "test_exabgp", "test_feed", "test_events",
           "test_via"]
sel = sys.argv[1:]
if not sel:
    sys.exit(lib.main([importlib.import_module(m) for m in MODULES]))
suite = unittest.TestSuite()
for name in sel:
    mod = name.split(".")[0]
    importlib.import_module(mod)
    suite.addTests(unittest.defaultTestLoader.loadTestsFromName(name))
sys.exit(lib.main([suite]))
PYEOF
