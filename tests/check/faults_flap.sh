#!/bin/sh
# 20 sessions flapping every second beside a peer holding the real 2015
# RIS full table (577,703 routes): the short variant (10 s of flapping,
# ~20 s in all) of the minute that make soak runs (tests/soak/flap.py).
# The event loop's longest stall (its own probe) must stay under
# FLAP_MAX_STALL_MS of wall-clock time, and the part of it the loop ran
# under FLAP_MAX_STALL_CPU_MS: a session that comes back while the flush
# of its previous one runs must not make the daemon walk the table at
# once (before that was fixed, at load 10-14: 0.4-1.3 s, 110-240 ms of
# it running; after: 100-190 ms, 13-22 ms running, twice 93-104 ms
# outside the flush path).  The bounds leave room for a busy machine.
# Under SAN=1 the daemon runs 2-3 times slower (ASan, UBSan): the bounds
# are wider there; they still catch a walk of the table.
case ${BUILD:-build} in
*san*) wall=1000 cpu=400 ;;
*) wall=250 cpu=150 ;;
esac
FLAP_SECONDS=${FLAP_SECONDS:-10} FLAP_MAX_STALL_MS=${FLAP_MAX_STALL_MS:-$wall} \
    FLAP_MAX_STALL_CPU_MS=${FLAP_MAX_STALL_CPU_MS:-$cpu} \
    exec /usr/bin/python3 tests/soak/flap.py "${BUILD:-build}"
