#!/bin/sh
# The operator's view (issue 11, points 6-9), against a live bgpwatchd and
# a real GoBGP peer on 127.0.6.x, ports 36000-36099:
#   logging: -d lines carry an ISO-8601 timestamp and a severity; start-up
#     names the BGP listener, control socket and metrics address; region
#     events and session transitions are logged; a failed reload logs
#     every error, a good one its success;
#   metrics: `promtool check metrics` on the live output; region state
#     set, visibility, peer eligibility with description, events by type,
#     last seq, reloads; HEAD /metrics;
#   bgpwatchctl: show rib source-as / peer-as / community; show neighbor
#     eligibility; neighbor down "message" (Cease/Administrative Shutdown
#     with the RFC 9003 message, seen by GoBGP), up, clear;
#   peer_down carries notification/code/subcode; a reload reset says Cease
#     / Other Configuration Change;
#   events --follow survives a daemon restart, resuming from last+1.
# Prints "N passed, N failed"; exit status 0 only if none failed.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
for t in /usr/bin/python3 "$BUILD/bgpwatchd" "$BUILD/bgpwatchctl" gobgpd \
    gobgp promtool; do
	command -v "$t" >/dev/null 2>&1 || { echo "FAIL: missing $t"; \
	    echo "0 passed, 1 failed"; exit 1; }
done
exec /usr/bin/python3 tests/check/opsview.py
