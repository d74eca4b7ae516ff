#!/bin/sh
# The man pages: `mandoc -T lint` finds no warning or error in any of
# them, each renders with its NAME section, and tools/mancheck.py finds
# every parser keyword in bgpwatchd.conf(5), every control command in
# bgpwatchctl(8) and every option of each program in its page.
failed=0
fail() { echo "FAIL: $*"; failed=1; }
command -v mandoc >/dev/null || { echo "FAIL: mandoc not installed (make deps)"; exit 1; }
n=0
for m in docs/man/bgpwatchd.8 docs/man/bgpwatchctl.8 \
    docs/man/bgpwatchd.conf.5 docs/man/bgpfeed.1; do
	[ -f "$m" ] || { fail "$m missing"; continue; }
	out=$(mandoc -T lint -W warning "$m" 2>&1)
	[ -n "$out" ] && fail "mandoc -T lint $m: $out"
	name=$(basename "$m" | sed 's/\.[0-9]$//')
	mandoc -T ascii "$m" | col -b | grep -q "^NAME" || fail "$m: no NAME section"
	mandoc -T ascii "$m" | col -b | grep -q "^ *$name - " || fail "$m: NAME is not $name - ...'"
	n=$((n + 1))
done
echo "mandoc -T lint: $n pages clean"
/usr/bin/python3 tools/mancheck.py . || failed=1
exit $failed
