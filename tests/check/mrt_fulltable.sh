#!/bin/sh
# A table dump taken while 10 RIS peers, a GoBGP peer and the 2015 full
# table (577,703 prefixes) are loaded equals `bgpwatchctl -j show rib`
# at that moment, as bgpdump -m reads it (mrt_archive.sh does the work).
MRT_FULLTABLE=1 exec sh "$(dirname "$0")/mrt_archive.sh"
