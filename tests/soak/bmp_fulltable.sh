#!/bin/sh
# The BMP full-table check (make soak): GoBGP fed the 2015 full table
# (577,703 prefixes) and 6 RIS peers by bgpfeed, exporting BMP with
# route-monitoring-policy "all"; our pre-policy, post-policy and Loc-RIB
# tables per monitored peer equal GoBGP's own, prefix by prefix with AS
# path (tests/integration/test_bmp_gobgp.py with BMP_FULLTABLE=1; the
# partial variant is tests/check/bmp_gobgp.sh).  Takes minutes: GoBGP
# itself is the slow part.
#   BUILD=build sh tests/soak/bmp_fulltable.sh
BMP_FULLTABLE=1 exec sh "$(dirname "$0")/../check/bmp_gobgp.sh"
