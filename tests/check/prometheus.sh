#!/bin/sh
# conf/prometheus/alerts.yml: valid rules (promtool check rules), and the
# alerts fire as tests/prometheus/*.yml say (promtool test rules): region
# down / degraded / blind, peer down, no eligible peers, event log errors.
# The live exposition is checked by tests/check/opsview.sh.
cd "$(dirname "$0")/../.." || exit 1
command -v promtool >/dev/null 2>&1 || { echo "FAIL: missing promtool \
(make deps)"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
if promtool check rules conf/prometheus/alerts.yml; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
fi
for t in tests/prometheus/*.yml; do
	if promtool test rules "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $t"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
