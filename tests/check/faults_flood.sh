#!/bin/sh
# 2,000 connects in 10 s (configured and unconfigured sources, garbage,
# half-open) and a peer that stops reading, beside an established
# session that must keep its routes (tests/faults/flood.py).
exec /usr/bin/python3 tests/faults/flood.py
