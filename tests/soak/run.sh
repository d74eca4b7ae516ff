#!/bin/sh
# make soak DURATION=SECONDS: the steady-load soak (tests/soak/soak.py),
# then a minute of 20 sessions flapping beside a full table
# (tests/soak/flap.py; FLAP_SECONDS, FLAP_TABLE), then the BMP full-table
# check through GoBGP (tests/soak/bmp_fulltable.sh).
#   tests/soak/run.sh BUILD DURATION [INTERVAL]
/usr/bin/python3 tests/soak/soak.py "${1:-build}" "${2:-600}" ${3:+"$3"} ||
    exit 1
/usr/bin/python3 tests/soak/flap.py "${1:-build}" || exit 1
BUILD="${1:-build}" exec sh tests/soak/bmp_fulltable.sh
