#!/bin/sh
# The layering of docs/architecture.md as a test, three ways, each shown
# able to fail on a violation planted in a copy of the tree:
#  - tools/layers.py: no file includes a header above its folder's layer;
#  - compile time: a folder sees only the headers below it (-I per folder);
#  - link time: a test links only its layer's archives, so a call upwards
#    is an undefined reference.
# Also: bgpwatchctl links no event server code (nm).
set -e
B=${BUILD:-build}
/usr/bin/python3 tools/layers.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r Makefile include proto lib bgpd bgpctl bgpfeed tests tools "$tmp/"
fresh() { rm -rf "$tmp/bgpd/rib"; cp -r bgpd/rib "$tmp/bgpd/"; }

printf '#include "detect.h"\n' >> "$tmp/bgpd/rib/adjrib.c"
if (cd "$tmp" && /usr/bin/python3 tools/layers.py >/dev/null); then
	echo "layers.py missed rib -> detect"; exit 1
fi
if make -C "$tmp" -s BUILD=b b/obj/bgpd/rib/adjrib.o >/dev/null 2>&1; then
	echo "compiling rib/adjrib.c with detect.h did not fail"; exit 1
fi
fresh
# An upward call without the header: compiles, must not link.
printf 'void detect_free(void *);\nvoid layers_planted(void);\nvoid layers_planted(void) { detect_free(0); }\n' \
    >> "$tmp/bgpd/rib/trie.c"
printf 'void layers_planted(void);\nstatic void (*volatile keep)(void) = layers_planted;\n' \
    >> "$tmp/tests/test_trie.c"
make -C "$tmp" -s BUILD=b b/obj/bgpd/rib/trie.o >/dev/null 2>&1 || {
	echo "the planted call should compile"; exit 1; }
if make -C "$tmp" -s BUILD=b b/tests/test_trie >"$tmp/link.log" 2>&1; then
	echo "test_trie linked a call from rib up to detect"; exit 1
fi
grep -q "undefined reference to .detect_free" "$tmp/link.log" || {
	cat "$tmp/link.log"; echo "expected an undefined reference"; exit 1; }

# Names anchored at their start: a sanitizer runtime has symbols such as
# __sanitizer::...detect_leaks that are not ours.
n=$(nm "$B/bgpwatchctl" | grep -ciE ' [a-z] (ssl_ctx|evt_stream|fanout|evt_log_|sock_pause|adjrib|fsm_|detect_)' || true)
if [ "$n" != 0 ]; then
	echo "bgpwatchctl links $n server symbols"; exit 1
fi
echo "layers: ok"
