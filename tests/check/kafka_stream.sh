#!/bin/sh
# The Kafka output, scenario "stream" of tests/kafka/kafka_test.py (which
# says what is checked): bgpwatchd publishes to librdkafka's mock cluster
# (build/tools/kafkamock, 3 brokers on 127.0.3.1:330xx), an independent
# consumer (Debian's python3-confluent-kafka) reads the topic back, and
# every event is validated against docs/events.schema.json.
exec sh tests/kafka/run.sh stream
