#!/bin/sh
# kill -9 during a full-table load and a burst of events, then restart:
# the event log is whole, seq continues, a subscriber resumes without a
# gap or a duplicate (tests/faults/kill9.py).
exec /usr/bin/python3 tests/faults/kill9.py
