#!/bin/sh
# The event log's disk fills up (a tmpfs mounted by the test, as root):
# one clear error, no crash, the events held and written when space comes
# back; an overflowing backlog leaves a gap record (tests/faults/diskfull.py).
exec /usr/bin/python3 tests/faults/diskfull.py
