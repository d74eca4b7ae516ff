"""
The Kafka output against librdkafka's mock cluster (3 brokers, real
protocol on 127.0.3.1:330xx), read back by an independent consumer
(python3-confluent-kafka).  Scenarios (argv[2]):

stream   bgpwatchd (collector c1, two bgpfeed peers) publishes while
         broker 2 is set down and up again: every event of the log is in
         the topic exactly once, keyed by region (peer events: the peer),
         in order per key, in one partition per key, with the headers v,
         seq, type and collector, the value equal to the log's record;
         then bgpwatchd is killed with SIGKILL mid-stream and restarted:
         nothing is missing, and the only duplicates are events after
         the seq the state file held at the kill (docs/kafka.md).
outage   every broker down while events keep coming: the state file
         stands still, RSS stays flat (the backlog is the log's), and
         once the brokers are back the backlog drains, nothing missing.
json     format json: the values are JSON documents of the same events.

Every event read is validated against docs/events.schema.json.
  /usr/bin/python3 tests/kafka/kafka_test.py BUILD SCENARIO
"""
import collections
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafkalib as K  # noqa: E402

BUILD = sys.argv[1]
WHAT = sys.argv[2]
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "..", "docs", "events.schema.json")
fails = []


def fail(msg):
    fails.append(msg)
    if len(fails) <= 20:
        print("FAIL: " + msg, flush=True)


def say(msg):
    print(msg, flush=True)


def check_topic(d, msgs, fmt="msgpack", dup_above=None, exact=True):
    """msgs against the log of d.  dup_above: seqs above it may come
    twice (after a SIGKILL).  Returns the number of duplicates."""
    logged = {ev["seq"]: ev for ev in d.events()}
    val = K.schema_validator(SCHEMA)
    seen = collections.Counter()
    bykey = collections.defaultdict(list)
    nbad = 0
    for part, off, key, hdr, value in msgs:
        ev = K.decode(value, fmt)
        seq = ev["seq"]
        seen[seq] += 1
        want = logged.get(seq)
        if want is None:
            fail("seq %d in the topic, not in the log" % seq)
            continue
        if fmt == "msgpack" and ev != want:
            fail("seq %d: value differs from the log" % seq)
        if fmt == "json" and K.to_json(want) != ev:
            fail("seq %d: JSON value differs from the log: %s / %s"
                 % (seq, ev, K.to_json(want)))
        h = {k: v.decode() for k, v in hdr.items()}
        if (h.get("v") != "1" or h.get("seq") != str(seq) or
                h.get("type") != ev["type"] or
                h.get("collector") != ev["collector"]):
            fail("seq %d: headers %s" % (seq, h))
        wkey = ev.get("region") or (ev.get("peer") or {}).get("address") \
            or ev["type"]
        if key is None or key.decode() != wkey:
            fail("seq %d: key %r, want %r" % (seq, key, wkey))
        bykey[wkey].append((part, off, seq))
        errs = list(val.iter_errors(K.to_json(ev)))
        if errs and nbad < 5:
            nbad += 1
            fail("seq %d (%s) not valid: %s" % (seq, ev["type"],
                                                errs[0].message))
    missing = [s for s in logged if s not in seen]
    if missing:
        fail("%d logged events not in the topic, e.g. %s"
             % (len(missing), missing[:10]))
    dups = [s for s, n in seen.items() if n > 1]
    if dups and (exact or any(s <= dup_above for s in dups)):
        fail("%d duplicates, e.g. %s (allowed above %s)"
             % (len(dups), sorted(dups)[:10], dup_above))
    for key, lst in bykey.items():
        parts = {p for p, _, _ in lst}
        if len(parts) != 1:
            fail("key %s spread over partitions %s" % (key, parts))
            continue
        lst.sort()
        seqs = [s for _, _, s in lst]
        # Per key in order: increasing, except that a resend after a
        # restart starts again from the state file's seq.
        back = [(a, b) for a, b in zip(seqs, seqs[1:]) if b <= a]
        if back and (exact or any(b <= dup_above for a, b in back)):
            fail("key %s out of order: %s" % (key, back[:5]))
    types = collections.Counter(logged[s]["type"] for s in logged)
    say("  %d messages, %d logged events (%s), %d keys, %d duplicates"
        % (len(msgs), len(logged), dict(types), len(bykey), len(dups)))
    return len(dups)


def scenario_stream(work):
    mock = K.Mock(BUILD, port=33000)
    d = K.Daemon(BUILD, work, "c1", 33010, ["127.0.3.11", "127.0.3.12"],
                 mock.bootstrap, "c1")
    loop = K.FeedLoop(BUILD, 33010, "127.0.3.11", prefixes=400)
    K.wait_for(lambda: d.acked() > 2000, 30, "the first events acked")
    say("broker 2 down at seq %d" % d.last_seq())
    mock.down(2)
    time.sleep(2.5)
    mock.up(2)
    say("broker 2 up at seq %d" % d.last_seq())
    time.sleep(1.5)
    loop.stop()
    d.wait_drained()
    msgs = K.consume(mock.bootstrap, group="a", want=d.last_seq())
    say("a. one session, a broker down and up:")
    check_topic(d, msgs)

    first = d.last_seq()
    loop = K.FeedLoop(BUILD, 33010, "127.0.3.11", prefixes=400)
    K.wait_for(lambda: d.last_seq() > first + 2000, 30, "more events")
    d.kill(signal.SIGKILL)
    at_kill = d.acked()
    last_kill = d.last_seq()
    say("SIGKILL at logged seq %d, state file %d" % (last_kill, at_kill))
    time.sleep(0.5)
    d.start()
    time.sleep(2)
    loop.stop()
    d.wait_drained()
    if d.last_seq() <= last_kill:
        fail("no events after the restart")
    msgs = K.consume(mock.bootstrap, group="b",
                     want=d.last_seq() + last_kill - at_kill)
    say("b. SIGKILL and restart (resent above %d):" % at_kill)
    check_topic(d, msgs, dup_above=at_kill, exact=False)
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_outage(work):
    mock = K.Mock(BUILD, port=33020)
    d = K.Daemon(BUILD, work, "c2", 33011, ["127.0.3.13"], mock.bootstrap,
                 "c2", queue=1000)
    loop = K.FeedLoop(BUILD, 33011, "127.0.3.13", prefixes=400, pause=0.05)
    K.wait_for(lambda: d.acked() > 2000, 30, "the first events acked")
    for b in (1, 2, 3):
        mock.down(b)
    time.sleep(1)
    acked0 = d.acked()
    start = d.last_seq()
    samples = []
    for _ in range(16):
        time.sleep(0.5)
        samples.append(d.rss_kb())
    backlog = d.last_seq() - d.acked()
    say("outage: %d events logged meanwhile, backlog %d, acked %d -> %d, "
        "RSS kB %s" % (d.last_seq() - start, backlog, acked0, d.acked(),
                       samples))
    if d.last_seq() - start < 5000:
        fail("too few events during the outage: %d" % (d.last_seq() -
                                                        start))
    if backlog < 4000:
        fail("backlog %d: the brokers were not down?" % backlog)
    base = min(samples[:4])
    if max(samples[4:]) - base > 6 * 1024:
        fail("RSS grew from %d to %d kB during the outage"
             % (base, max(samples[4:])))
    for b in (1, 2, 3):
        mock.up(b)
    t0 = time.monotonic()
    loop.stop()
    d.wait_drained(60)
    say("backlog drained %.1f s after the brokers came back"
        % (time.monotonic() - t0))
    msgs = K.consume(mock.bootstrap, group="c", want=d.last_seq())
    check_topic(d, msgs, dup_above=acked0, exact=False)
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_json(work):
    mock = K.Mock(BUILD, port=33030)
    d = K.Daemon(BUILD, work, "c3", 33012, ["127.0.3.14"], mock.bootstrap,
                 "c3", fmt="json")
    K.feed(BUILD, 33012, "127.0.3.14", prefixes=300)
    time.sleep(1.5)
    d.wait_drained()
    msgs = K.consume(mock.bootstrap, group="d", want=d.last_seq())
    say("format json:")
    check_topic(d, msgs, fmt="json")
    d.kill(signal.SIGTERM)
    mock.stop()


def main():
    work = tempfile.mkdtemp(prefix="bw-kafka.")
    try:
        {"stream": scenario_stream, "outage": scenario_outage,
         "json": scenario_json}[WHAT](work)
    except Exception as e:  # noqa: BLE001
        fail("%s: %s" % (type(e).__name__, e))
    finally:
        K.cleanup()
        if fails:
            for f in os.listdir(work):
                if f.endswith(".log"):
                    say("--- " + f)
                    with open(os.path.join(work, f)) as fp:
                        say("".join(fp.readlines()[-15:]))
        shutil.rmtree(work, ignore_errors=True)
    say("%s: %s" % (WHAT, "FAIL" if fails else "ok"))
    sys.exit(1 if fails else 0)


main()
