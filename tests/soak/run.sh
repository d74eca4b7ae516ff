#!/bin/sh
# make soak DURATION=SECONDS: tests/soak/soak.py under the given build.
#   tests/soak/run.sh BUILD DURATION [INTERVAL]
exec /usr/bin/python3 tests/soak/soak.py "${1:-build}" "${2:-600}" ${3:+"$3"}
