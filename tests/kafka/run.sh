#!/bin/sh
# One scenario of tests/kafka/kafka_test.py, for the tests/check/kafka_*.sh
# wrappers: checks that what it needs is there (our binaries, the mock
# cluster's tool, Debian's Python modules), then runs it.
#   BUILD=build sh tests/kafka/run.sh SCENARIO
BUILD=${BUILD:-build}
PY=/usr/bin/python3
for f in "$BUILD/bgpwatchd" "$BUILD/bgpfeed" "$BUILD/tools/kafkamock"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
"$PY" -c 'import confluent_kafka, jsonschema, msgpack' || {
	echo "FAIL: $PY needs python3-confluent-kafka, python3-jsonschema," \
	    "python3-msgpack (make deps)"; exit 1; }
exec "$PY" -B tests/kafka/kafka_test.py "$BUILD" "$1"
