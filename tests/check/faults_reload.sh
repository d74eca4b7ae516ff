#!/bin/sh
# Reloads beside the real 2015 RIS full table with regions watched: one
# that changes nothing keeps the regions' index, one that adds a region
# learns the table in slices; no false event, and the loop's CPU in its
# longest stall bounded (tests/faults/reload.py).
exec /usr/bin/python3 tests/faults/reload.py "${BUILD:-build}"
