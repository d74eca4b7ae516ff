#!/bin/sh
# bgpwatchd -r on real RIS update files: prefix events cross-checked with
# a bgpdump model, the log decoded by Debian's python msgpack.
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
rc=0
for f in updates.20160811.1600.gz updates.20070211.0141.gz updates.20100722.2015.gz; do
	/usr/bin/python3 tests/replay/check.py "${BUILD:-build}" "$DATA/$f" || rc=1
done
exit $rc
