#!/bin/sh
# 20 sessions flapping every second beside a peer holding the real 2015
# RIS full table (577,703 routes): the short variant (10 s of flapping,
# ~20 s in all) of the minute that make soak runs (tests/soak/flap.py).
# The event loop's longest stall (its own probe) must stay under
# FLAP_MAX_STALL_MS: a session that comes back while the flush of its
# previous one runs must not make the daemon walk the table at once
# (1-3 s before that was fixed; 250 ms leaves room for a busy machine).
FLAP_SECONDS=${FLAP_SECONDS:-10} FLAP_MAX_STALL_MS=${FLAP_MAX_STALL_MS:-250} \
    exec /usr/bin/python3 tests/soak/flap.py "${BUILD:-build}"
