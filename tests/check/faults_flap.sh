#!/bin/sh
# 20 sessions flapping every second beside a peer holding the real 2015
# RIS full table (577,703 routes): the short variant (10 s of flapping,
# ~20 s in all) of the minute that make soak runs (tests/soak/flap.py).
FLAP_SECONDS=${FLAP_SECONDS:-10} exec /usr/bin/python3 tests/soak/flap.py \
    "${BUILD:-build}"
