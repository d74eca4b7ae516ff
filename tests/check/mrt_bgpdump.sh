#!/bin/sh
# Cross-check of bgpwatch's MRT reader and UPDATE codec against bgpdump:
# for every MRT file in the data dir, `bgpdump -m FILE` and
# `$BUILD/tools/mrtdump FILE` must print the same lines, in the same
# order.  Before the line comparison the script compares, and reports on
# failure, the coarser views: counts of A/W/B/STATE lines, the sets of
# prefixes, and the AS path of every line.
#
# Normalisations, each for a documented bgpdump quirk or an intentional
# difference, and nothing else:
#  1. IPv6 text.  bgpdump's own inet_ntop (an old BSD copy) shortens a
#     single zero group to "::" (2001:7f8:30::2:1:0:8447); bgpwatch prints
#     RFC 5952 text, which never does (4.2.2: 2001:7f8:30:0:2:1:0:8447).
#     bgpdump's addresses whose "::" stands for exactly one group are
#     rewritten with ":0:" (v6norm below).  Seen in updates.20100722.
#  2. Rejected UPDATEs.  updates.nlri_mask_trailing_bits.gz holds one
#     UPDATE whose NLRI field ends in a cut prefix (length 11, no bytes
#     left).  bgpdump prints the whole prefixes before the cut; bgpwatch
#     treats a syntactically incorrect NLRI field as RFC 7606 5.3 says
#     (session reset), announces nothing and mrtdump reports the error.
#     REJECT lists such records as file|timestamp|peer: their bgpdump
#     lines are dropped, and mrtdump must report exactly one error per
#     entry; any other mrtdump error fails the check.
# Known bgpdump 1.6 quirks that the data set does not trigger, hence not
# normalised (a new data file that has them fails here, on purpose, until
# a rule is added): MESSAGE_LOCAL_ADDPATH subtypes printed as received
# with the local address and AS, and MED/LOCAL_PREF printed signed on
# MP_REACH IPv4 lines.  See the comment atop tests/tools/mrtdump.c.
# Everything else must match byte for byte: next hops (NEXT_HOP or the
# MP_REACH one), LOCAL_PREF/MED (0 when absent), communities, AG/NAG,
# aggregator, ADD-PATH ids, BGP4MP_ET microseconds, STATE lines, and the
# IPv4 multicast MP_REACH/MP_UNREACH routes that bgpdump also prints.
#
#   BUILD=build sh tests/check/mrt_bgpdump.sh
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
MRTDUMP="$BUILD/tools/mrtdump"

REJECT="updates.nlri_mask_trailing_bits.gz|1289168632|12.0.1.63"

if ! command -v bgpdump >/dev/null 2>&1; then
	echo "bgpdump not found (Debian: apt-get install bgpdump)"
	exit 1
fi
if [ ! -x "$MRTDUMP" ]; then
	echo "$MRTDUMP not built"
	exit 1
fi
if [ ! -d "$DATA" ]; then
	echo "no data dir $DATA (set BGPWATCH_MRT_DATA)"
	exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mrt_bgpdump.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

# Normalisation 1: bgpdump's one-group "::" back to ":0:" (RFC 5952).
cat >"$TMP/v6norm.awk" <<'EOF'
BEGIN { FS = OFS = "|" }
function v6fix(s,   plen, n, i, g, parts) {
	plen = ""
	if ((i = index(s, "/")) > 0) {
		plen = substr(s, i)
		s = substr(s, 1, i - 1)
	}
	n = split(s, parts, ":")
	g = 0
	for (i = 1; i <= n; i++)
		if (parts[i] != "")
			g += index(parts[i], ".") ? 2 : 1
	if (g != 7)
		return s plen
	if (substr(s, 1, 2) == "::")
		sub(/^::/, "0:", s)
	else if (substr(s, length(s) - 1) == "::")
		sub(/::$/, ":0", s)
	else
		sub(/::/, ":0:", s)
	return s plen
}
{
	for (i = 1; i <= NF; i++)
		if (index($i, "::"))
			$i = v6fix($i)
	print
}
EOF

# Normalisation 2: drops the lines of records bgpwatch rejects.
# $1: file name.  Prints "timestamp|peer" keys, one a line.
rejects() {
	echo "$REJECT" | tr ' ' '\n' | awk -F'|' -v f="$1" \
	    '$1 == f { print $2 "|" $3 }'
}

# Field of the prefix and of the AS path: ADD-PATH lines carry the path
# id after the prefix.
#   A/B: fmt|ts|A|peer|as|prefix|[id|]path|...   W: fmt|ts|W|peer|as|prefix
view() {	# $1 file, $2 prefixes|paths|counts
	case $2 in
	counts)
		cut -d'|' -f1,3 "$1" | sort | uniq -c ;;
	prefixes)
		awk -F'|' '$3 != "STATE" { print $1 "|" $3 "|" $6 }' "$1" |
		    sort -u ;;
	paths)
		awk -F'|' '$3 == "A" || $3 == "B" {
			print $6 "|" ($1 ~ /_AP$/ ? $8 : $7) }' "$1" ;;
	esac
}

fail=0
nfiles=0
for f in "$DATA"/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	case $name in
	*.md|*.txt) continue ;;
	esac
	nfiles=$((nfiles + 1))

	bgpdump -m "$f" 2>/dev/null | awk -f "$TMP/v6norm.awk" >"$TMP/b.raw"
	rejects "$name" >"$TMP/rej"
	expect_err=$(wc -l <"$TMP/rej" | tr -d ' ')
	if [ "$expect_err" -gt 0 ]; then
		awk -F'|' 'NR == FNR { drop[$0] = 1; next }
		    !(($2 "|" $4) in drop)' "$TMP/rej" "$TMP/b.raw" >"$TMP/b"
	else
		mv "$TMP/b.raw" "$TMP/b"
	fi
	"$MRTDUMP" "$f" >"$TMP/m" 2>"$TMP/err"
	nerr=$(wc -l <"$TMP/err" | tr -d ' ')

	for v in counts prefixes paths; do
		view "$TMP/b" $v >"$TMP/b.$v"
		view "$TMP/m" $v >"$TMP/m.$v"
	done
	what=""
	if [ "$nerr" -ne "$expect_err" ]; then
		what="mrtdump reported $nerr errors, $expect_err expected"
	elif ! cmp -s "$TMP/b.counts" "$TMP/m.counts"; then
		what="line counts differ"
	elif ! cmp -s "$TMP/b.prefixes" "$TMP/m.prefixes"; then
		what="prefix sets differ"
	elif ! cmp -s "$TMP/b.paths" "$TMP/m.paths"; then
		what="AS paths differ"
	elif ! cmp -s "$TMP/b" "$TMP/m"; then
		what="lines differ"
	fi

	counts=$(cut -d'|' -f3 "$TMP/m" | sort | uniq -c |
	    awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
	if [ -z "$what" ]; then
		printf '%-36s ok: %s lines identical (%s)' "$name" \
		    "$(wc -l <"$TMP/m" | tr -d ' ')" "${counts:-none}"
		[ "$expect_err" -gt 0 ] &&
		    printf '; %s rejected UPDATE as expected' "$expect_err"
		echo
		continue
	fi
	fail=1
	echo "$name FAILED: $what"
	echo "  bgpdump: $(wc -l <"$TMP/b" | tr -d ' ') lines, mrtdump: $(wc -l <"$TMP/m" | tr -d ' ') lines"
	sed -n '1,5s/^/  mrtdump stderr: /p' "$TMP/err"
	case $what in
	"line counts differ")
		diff "$TMP/b.counts" "$TMP/m.counts" | sed 's/^/  /' ;;
	"prefix sets differ")
		diff "$TMP/b.prefixes" "$TMP/m.prefixes" |
		    sed -n '1,20s/^/  /p' ;;
	esac
	echo "  first differing lines (< bgpdump, > mrtdump):"
	diff "$TMP/b" "$TMP/m" | sed -n '1,20s/^/  /p'
done

if [ "$nfiles" -eq 0 ]; then
	echo "no MRT files in $DATA"
	exit 1
fi
exit $fail
