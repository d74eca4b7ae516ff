#!/bin/sh
# A subscriber that stops reading during 100,000 events: cut at its
# queue-limit with a log line, memory comes back, it resumes with
# {"from": N} without a gap (tests/faults/slowsub.py).
exec /usr/bin/python3 tests/faults/slowsub.py
