#!/bin/sh
# valgrind memcheck of every cmocka suite in BUILD/tests: any leak
# (definite or indirect) or memory error fails.  `make memcheck`.
#   tests/memcheck.sh BUILD
# MEMCHECK_JOBS suites (default: the cores) run at once, the two long
# ones (test_detect_model, test_trie: most of the time) first; the lines
# come out in name order.
BUILD=${1:-build}
LOGDIR="$BUILD/test-logs"
ST="$LOGDIR/.memcheck"

one() {	# test binary: its log and, in ST, "ok|FAIL seconds"
	name=$(basename "$1")
	start=$(date +%s)
	if BGPWATCH_MEMCHECK=1 timeout -k 10 "${MEMCHECK_TIMEOUT:-900}" valgrind -q \
	    --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    --track-fds=no "$1" >"$LOGDIR/memcheck-$name.log" 2>&1; then
		st=ok
	else
		st=FAIL
	fi
	echo "$st $(( $(date +%s) - start ))" >"$ST/$name.tmp"
	mv "$ST/$name.tmp" "$ST/$name"
}
if [ "$2" = --one ]; then
	one "$3"
	exit 0
fi

mkdir -p "$LOGDIR"
rm -rf "$ST"
mkdir -p "$ST"
command -v valgrind >/dev/null || { echo "memcheck: no valgrind"; exit 1; }
tests=""
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.o|*.d) continue ;; esac
	tests="$tests $t"
done
first="$BUILD/tests/test_detect_model $BUILD/tests/test_trie"
{
	for t in $first; do
		case " $tests " in *" $t "*) echo "$t" ;; esac
	done
	for t in $tests; do
		case " $first " in *" $t "*) ;; *) echo "$t" ;; esac
	done
} | xargs -P "${MEMCHECK_JOBS:-$(nproc 2>/dev/null || echo 1)}" -n 1 \
    sh "$0" "$BUILD" --one &
POOL=$!
trap 'kill "$POOL" 2>/dev/null; exit 130' INT TERM
fail=0
for t in $tests; do
	name=$(basename "$t")
	while [ ! -f "$ST/$name" ]; do
		kill -0 "$POOL" 2>/dev/null || [ -f "$ST/$name" ] || {
			echo "FAIL 0" >"$ST/$name"; break; }
		sleep 0.5
	done
	read -r st secs <"$ST/$name"
	printf '%-40s %s (%ss)\n' "memcheck/$name" "$st" "$secs"
	if [ "$st" != ok ]; then
		fail=$((fail + 1))
		grep -E '==[0-9]+==' "$LOGDIR/memcheck-$name.log" | head -n 30
	fi
done
wait "$POOL"
[ "$fail" -eq 0 ]
