#!/bin/sh
# The layering of docs/architecture.md as a test: no module includes a
# header above it (tools/layers.py), a violation planted in a copy of the
# tree is caught (so the check can fail), and bgpwatchctl links no event
# server code.
set -e
/usr/bin/python3 tools/layers.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r include bgpd bgpfeed tools "$tmp/"
printf '#include "detect.h"\n' >> "$tmp/bgpd/adjrib.c"
if (cd "$tmp" && /usr/bin/python3 tools/layers.py >/dev/null); then
	echo "layers.py missed rib -> detect"; exit 1
fi
n=$(nm "${BUILD:-build}/bgpwatchctl" | grep -ciE 'ssl_ctx|evt_stream|fanout|evt_log_|sock_pause' || true)
if [ "$n" != 0 ]; then
	echo "bgpwatchctl links $n server symbols"; exit 1
fi
echo "layers: ok"
