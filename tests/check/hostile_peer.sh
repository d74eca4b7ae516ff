#!/bin/sh
# Malformed and misordered input from a raw BGP speaker: the right
# NOTIFICATION every time, the daemon keeps running (tests/hostile/peer.py).
exec /usr/bin/python3 tests/hostile/peer.py "${BUILD:-build}"
