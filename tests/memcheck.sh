#!/bin/sh
# valgrind memcheck of every cmocka suite in BUILD/tests: any leak
# (definite or indirect) or memory error fails.  `make memcheck`.
#   tests/memcheck.sh BUILD
BUILD=${1:-build}
LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"
command -v valgrind >/dev/null || { echo "memcheck: no valgrind"; exit 1; }
fail=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	name=$(basename "$t")
	log="$LOGDIR/memcheck-$name.log"
	start=$(date +%s)
	if BGPWATCH_MEMCHECK=1 timeout -k 10 "${MEMCHECK_TIMEOUT:-900}" valgrind -q \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --track-fds=no "$t" >"$log" 2>&1; then
		st=ok
	else
		st=FAIL
		fail=$((fail + 1))
	fi
	printf '%-40s %s (%ss)\n' "memcheck/$name" "$st" \
	    "$(( $(date +%s) - start ))"
	[ "$st" = FAIL ] && grep -E '==[0-9]+==' "$log" | head -n 30
done
[ "$fail" -eq 0 ]
