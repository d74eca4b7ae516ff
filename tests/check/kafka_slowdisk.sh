#!/bin/sh
# The Kafka output, scenario "slowdisk" of tests/kafka/kafka_test.py (which
# says what is checked): bgpwatchd publishes to librdkafka's mock cluster
# (build/tools/kafkamock, 3 brokers on 127.0.3.1:330xx), an independent
# consumer (Debian's python3-confluent-kafka) reads the topic back, and
# every event is validated against docs/events.schema.json.  Here every
# fdatasync takes 1.2 s: the state file is synced off the loop.
BUILD=${BUILD:-build}
PY=/usr/bin/python3
for f in "$BUILD/bgpwatchd" "$BUILD/bgpfeed" "$BUILD/tools/kafkamock"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
"$PY" -c 'import confluent_kafka, jsonschema, msgpack' || {
	echo "FAIL: $PY needs python3-confluent-kafka, python3-jsonschema," \
	    "python3-msgpack (make deps)"; exit 1; }
exec "$PY" -B tests/kafka/kafka_test.py "$BUILD" slowdisk
