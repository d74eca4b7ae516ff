#!/bin/sh
# eligible-after 0s: the routes that arrive in the same read as the
# session's KEEPALIVE make events like every later route
# (tests/check/eligible_zero.py).
exec /usr/bin/python3 tests/check/eligible_zero.py "${BUILD:-build}"
