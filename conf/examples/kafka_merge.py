#!/usr/bin/python3
"""
kafka_merge.py: several bgpwatch collectors as one (docs/scale-out.md).

Reads the events that N bgpwatchd collectors publish to one Kafka topic
(events { kafka { ... } }, docs/kafka.md) and merges their region events
into one global view:

  - a region is DOWN globally when every collector that watches it says
    down (collectors that are blind, with no eligible peer, abstain);
  - it is UP again as soon as one collector says up;
  - otherwise it is DEGRADED.

Every change of the global state is printed as one JSON line on stdout:
  {"region": "KP", "state": "down", "previous": "up", "ts": "...",
   "collectors": {"c1": "down", "c2": "down", "c3": "down"},
   "by": {"collector": "c3", "seq": 812}}

Duplicates are dropped: the output is at-least-once across restarts
(docs/kafka.md), and a resent event has a seq at or below one already
seen for its (collector, key), as each key's events keep their order in
their partition.  A `gap` event (events a collector could not deliver)
is reported on stderr.

Which collectors watch a region: those named with --collectors (state
unknown counts as up until they say otherwise), and every collector that
has sent an event about it.

Needs Debian's python3-confluent-kafka and python3-msgpack.
  kafka_merge.py --brokers HOST:PORT[,...] [--topic T] [--group G]
                 [--collectors c1,c2,c3] [--from-beginning]
                 [--idle-exit SECONDS]
"""
import argparse
import json
import sys
import time

import msgpack
from confluent_kafka import Consumer, KafkaException

REGION_TYPES = {"region_up", "region_down", "region_degraded",
                "region_blind", "region_unstable", "region_stable"}


class Merger:
    def __init__(self, collectors=(), out=sys.stdout):
        self.declared = set(collectors)
        self.state = {}         # region -> {collector: state}
        self.glob = {}          # region -> global state
        self.seen = {}          # (collector, key) -> highest seq
        self.out = out
        self.dups = 0

    def duplicate(self, ev, key):
        k = (ev.get("collector", "?"), key)
        if ev["seq"] <= self.seen.get(k, 0):
            self.dups += 1
            return True
        self.seen[k] = ev["seq"]
        return False

    @staticmethod
    def combine(states):
        votes = [s for s in states.values() if s != "blind"]
        if not votes:
            return "blind"
        if "up" in votes:
            return "up"
        if all(s == "down" for s in votes):
            return "down"
        return "degraded"

    def event(self, ev, key=None):
        """One decoded event; returns the global change it made, or None."""
        if key is None:
            key = ev.get("region") or ev.get("type")
        if self.duplicate(ev, key):
            return None
        if ev.get("type") == "gap":
            print("collector %s: events %s..%s lost: %s" %
                  (ev.get("collector"), ev.get("first"), ev.get("last"),
                   ev.get("reason")), file=sys.stderr, flush=True)
            return None
        if ev.get("type") not in REGION_TYPES or "state" not in ev:
            return None
        region = ev["region"]
        st = self.state.setdefault(region,
                                   {c: "up" for c in self.declared})
        st[ev.get("collector", "?")] = ev["state"]
        new = self.combine(st)
        old = self.glob.get(region, "up")
        self.glob[region] = new
        if new == old:
            return None
        change = {"region": region, "state": new, "previous": old,
                  "ts": ts_text(ev.get("ts")), "collectors": dict(st),
                  "by": {"collector": ev.get("collector"),
                         "seq": ev["seq"]}}
        print(json.dumps(change, sort_keys=False), file=self.out,
              flush=True)
        return change


def ts_text(ts):
    if isinstance(ts, msgpack.Timestamp):
        ns = ts.to_unix_nano()
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
            ns // 10**9)) + ".%06dZ" % (ns % 10**9 // 1000)
    return ts


def decode(value):
    if value[:1] == b"{":
        return json.loads(value)        # format json
    return msgpack.unpackb(value, raw=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", default="bgpwatch.events")
    ap.add_argument("--group", default="bgpwatch-merge")
    ap.add_argument("--collectors", default="",
                    help="comma-separated collector-ids expected to watch "
                    "every region")
    ap.add_argument("--from-beginning", action="store_true",
                    help="read the topic from its start (new group)")
    ap.add_argument("--idle-exit", type=float, default=0,
                    help="exit after this many seconds without a message")
    a = ap.parse_args()
    m = Merger([c for c in a.collectors.split(",") if c])
    c = Consumer({"bootstrap.servers": a.brokers, "group.id": a.group,
                  "enable.auto.commit": True,
                  "auto.offset.reset": "earliest" if a.from_beginning
                  else "latest"})
    c.subscribe([a.topic])
    last = time.monotonic()
    try:
        while not a.idle_exit or time.monotonic() - last < a.idle_exit:
            msg = c.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                print("kafka: %s" % msg.error(), file=sys.stderr)
                continue
            last = time.monotonic()
            hdr = dict(msg.headers() or [])
            # The type header spares decoding what we do not merge.
            t = hdr.get("type", b"").decode()
            if t and t not in REGION_TYPES and t != "gap":
                continue
            try:
                ev = decode(msg.value())
            except (ValueError, msgpack.UnpackException) as e:
                print("bad message at %s/%d/%d: %s" % (
                    msg.topic(), msg.partition(), msg.offset(), e),
                    file=sys.stderr)
                continue
            key = msg.key().decode() if msg.key() else None
            m.event(ev, key)
    except KeyboardInterrupt:
        pass
    except KafkaException as e:
        print("kafka: %s" % e, file=sys.stderr)
        return 1
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
