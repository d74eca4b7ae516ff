#!/bin/sh
# fdatasync takes 1.2 s (LD_PRELOAD shim): the loop keeps serving, the
# sync runs on its thread (tests/faults/slowdisk.py).
exec /usr/bin/python3 tests/faults/slowdisk.py
