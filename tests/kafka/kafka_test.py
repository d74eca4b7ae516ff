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
refused  the brokers refuse records for good (mock: the next Produce
         requests fail with MESSAGE_TOO_LARGE, as a broker with a smaller
         message.max.bytes would): a record that
         failed KAFKA_MAX_FAILS (5) times as the oldest unacknowledged
         one is skipped with a `gap` event (reason "the brokers refused
         it"); every other event arrives, and the output goes on.  Then
         the topic as a whole is refused for a while
         (TOPIC_AUTHORIZATION_FAILED): nothing is skipped, the events
         wait and all arrive.
slowdisk every fdatasync() takes 1.2 s (tests/faults/slowsync.c,
         LD_PRELOAD; 3 s under SAN=1) while events flow: the state file
         is rewritten on the tick and synced on a thread, so the control
         socket answers within 500 ms throughout (1.5 s under SAN=1; in
         the loop, each sync held it 1.2 s), the state file still
         advances, every event arrives, and the slow sync is logged.
secure   TLS and SASL for real through tests/kafka/kafkaproxy.py (the
         mock speaks neither): sasl_ssl SCRAM-SHA-256 with a client
         certificate, a wrong password (nothing acknowledged, then all
         after the right one), sasl_plaintext PLAIN, ssl with an
         untrusted broker certificate (nothing, then all with the right
         CA); the consumer reads through the same front.

Every event read is validated against docs/events.schema.json.
  /usr/bin/python3 tests/kafka/kafka_test.py BUILD SCENARIO
"""
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafkalib as K  # noqa: E402

BUILD = sys.argv[1]
WHAT = sys.argv[2]
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "..", "docs", "events.schema.json")
MERGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "..", "conf", "examples", "kafka_merge.py")
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
    # The feeder reconnects: events after the restart, however slowly.
    K.wait_for(lambda: d.last_seq() > last_kill + 100, 30,
               "events after the restart")
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
    # At least 8 s and 5,000 events of outage: a SAN=1 daemon on a busy
    # machine logs fewer than 5,000 in 8 s, so go on sampling (up to 60 s).
    while len(samples) < 16 or (d.last_seq() - start < 5000 and
                                len(samples) < 120):
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


def scenario_gap(work):
    """The log keeps little (max-size 64K keep 1) and the brokers are
    down long enough for unsent events to be rotated away: once they are
    back, a gap event names exactly the events that never made it, and
    everything else arrives."""
    mock = K.Mock(BUILD, port=33060)
    d = K.Daemon(BUILD, work, "g1", 33016, ["127.0.3.16"], mock.bootstrap,
                 "g1", queue=100, log_opts="max-size 64K keep 1")
    for b in (1, 2, 3):
        mock.down(b)
    for _ in range(3):
        K.feed(BUILD, 33016, "127.0.3.16", prefixes=400)
    time.sleep(1)
    for b in (1, 2, 3):
        mock.up(b)
    last = d.last_seq()
    msgs = K.consume(mock.bootstrap, group="g", idle=3)
    evs = [K.decode(m[4]) for m in msgs]
    gaps = [e for e in evs if e["type"] == "gap"]
    have = {e["seq"] for e in evs}
    for g in gaps:
        have |= set(range(g["first"], g["last"] + 1))
    missing = [s for s in range(1, last + 1) if s not in have]
    say("gap: %d events logged, %d in the topic, gaps %s" % (
        last, len(evs), [(g["first"], g["last"], g["reason"])
                         for g in gaps]))
    if not gaps:
        fail("no gap event though the log rotated unsent events away")
    if missing:
        fail("%d events neither in the topic nor in a gap: %s"
             % (len(missing), missing[:10]))
    lost = sum(g["last"] - g["first"] + 1 for g in gaps)
    if lost + len(evs) - len(gaps) < last:
        fail("gaps cover %d, topic %d of %d" % (lost, len(evs), last))
    val = K.schema_validator(SCHEMA)
    for g in gaps:
        for e in val.iter_errors(K.to_json(g)):
            fail("gap event not valid: %s" % e.message)
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_nolog(work):
    """No event log: nothing to read back, so events that find the queue
    full during an outage are lost, and gap events say which; every seq
    is in the topic or in a gap, and memory stays flat."""
    mock = K.Mock(BUILD, port=33090)
    d = K.Daemon(BUILD, work, "n1", 33017, ["127.0.3.17"], mock.bootstrap,
                 "n1", queue=100, nolog=True)
    for b in (1, 2, 3):
        mock.down(b)
    for _ in range(2):
        K.feed(BUILD, 33017, "127.0.3.17", prefixes=400)
    rss = d.rss_kb()
    for b in (1, 2, 3):
        mock.up(b)
    time.sleep(2)
    K.feed(BUILD, 33017, "127.0.3.17", prefixes=100)
    msgs = K.consume(mock.bootstrap, group="n", idle=3)
    evs = [K.decode(m[4]) for m in msgs]
    gaps = [e for e in evs if e["type"] == "gap"]
    top = max(e["seq"] for e in evs)
    have = {e["seq"] for e in evs}
    for g in gaps:
        have |= set(range(g["first"], g["last"] + 1))
    missing = [s for s in range(1, top + 1) if s not in have]
    say("no log: %d in the topic up to seq %d, %d gap events, RSS %d kB"
        % (len(evs), top, len(gaps), rss))
    if not gaps:
        fail("no gap event though the queue overflowed without a log")
    if missing:
        fail("%d seqs neither in the topic nor in a gap: %s"
             % (len(missing), missing[:10]))
    if top < 850:
        fail("the events after the outage did not arrive (top %d)" % top)
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_json(work):
    mock = K.Mock(BUILD, port=33030)
    d = K.Daemon(BUILD, work, "c3", 33012, ["127.0.3.14"], mock.bootstrap,
                 "c3", fmt="json",
                 extra="metrics on 127.0.3.2 port 33019\n")
    K.feed(BUILD, 33012, "127.0.3.14", prefixes=300)
    time.sleep(1.5)
    d.wait_drained()
    msgs = K.consume(mock.bootstrap, group="d", want=d.last_seq())
    say("format json:")
    check_topic(d, msgs, fmt="json")
    # The metrics say the same.
    import urllib.request
    text = urllib.request.urlopen("http://127.0.3.2:33019/metrics",
                                  timeout=10).read().decode()
    got = {}
    for line in text.splitlines():
        if line.startswith("bgpwatch_kafka_") and "{" not in line:
            k, v = line.split()
            got[k] = float(v)
    say("metrics: %s" % got)
    if got.get("bgpwatch_kafka_acked_seq") != d.last_seq() or \
            got.get("bgpwatch_kafka_inflight_events") != 0 or \
            got.get("bgpwatch_kafka_connected") != 1 or \
            got.get("bgpwatch_kafka_acked_total") != d.last_seq():
        fail("kafka metrics %s, last seq %d" % (got, d.last_seq()))
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_slowdisk(work):
    asan = b"__asan_init" in open(os.path.join(BUILD, "bgpwatchd"),
                                  "rb").read()
    sync_ms, bound = (3000, 1.5) if asan else (1200, 0.5)
    so = os.path.join(work, "slowsync.so")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", so,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "..", "faults", "slowsync.c"), "-ldl"],
                   check=True)
    mock = K.Mock(BUILD, port=33110)
    # A SAN=1 daemon: the shim comes first in the link order.
    d = K.Daemon(BUILD, work, "s1", 33115, ["127.0.3.19"], mock.bootstrap,
                 "s1", env={"LD_PRELOAD": so, "SLOWSYNC_MS": str(sync_ms),
                            "ASAN_OPTIONS": "verify_asan_link_order=0:"
                            "quarantine_size_mb=1"})
    loop = K.FeedLoop(BUILD, 33115, "127.0.3.19", prefixes=300, pause=0.05)
    K.wait_for(lambda: d.acked() > 0, 30, "the first events acked")
    acked0 = d.acked()
    worst, n = 0.0, 0
    end = time.monotonic() + 6
    while time.monotonic() < end:
        t = time.monotonic()
        d.query("show neighbors")
        worst = max(worst, time.monotonic() - t)
        n += 1
        time.sleep(0.02)
    acked1 = d.acked()
    loop.stop()
    d.wait_drained(60)
    with open(os.path.join(work, "s1.log"), errors="replace") as f:
        text = f.read()
    say("slow disk (fdatasync %.1f s): %d control requests, slowest %.0f ms; "
        "state file %d -> %d meanwhile" % (sync_ms / 1000, n, worst * 1000,
                                           acked0, acked1))
    if worst > bound:
        fail("the control socket took %.0f ms while the state file was "
             "synced" % (worst * 1000))
    if acked1 <= acked0:
        fail("the state file stood still (%d) while events flowed" % acked0)
    if "kafka: state file" not in text or "off the event loop" not in text:
        fail("no slow state file sync logged")
    msgs = K.consume(mock.bootstrap, group="s", want=d.last_seq())
    check_topic(d, msgs)
    d.kill(signal.SIGTERM)
    mock.stop()


def scenario_refused(work):
    mock = K.Mock(BUILD, port=33070)
    d = K.Daemon(BUILD, work, "r1", 33073, ["127.0.3.18"], mock.bootstrap,
                 "r1", extra="metrics on 127.0.3.2 port 33074\n",
                 kafka_opts='\t\toption "topic.metadata.refresh.interval.ms"'
                 ' "1000"\n')
    K.feed(BUILD, 33073, "127.0.3.18", prefixes=20)
    d.wait_drained()
    before = d.last_seq()
    # Every Produce request fails until 40 have: each resend of the
    # oldest record is one request at least, so it fails 5 times.
    mock.cmd("err 40 10")
    K.feed(BUILD, 33073, "127.0.3.18", prefixes=20)
    K.wait_for(lambda: metrics(33074).get(
        "bgpwatch_kafka_lost_events_total", 0) > 0, 30, "a refused event")
    time.sleep(1)
    # Afterwards the output goes on as before.
    K.feed(BUILD, 33073, "127.0.3.18", prefixes=20)
    d.wait_drained()
    m = metrics(33074)
    last = d.last_seq()
    msgs = K.consume(mock.bootstrap, group="r", idle=3)
    evs = [K.decode(x[4]) for x in msgs]
    gaps = [e for e in evs if e["type"] == "gap"]
    have = {e["seq"] for e in evs}
    skipped = set()
    for g in gaps:
        skipped |= set(range(g["first"], g["last"] + 1))
    say("refused: %d events logged (%d before the errors), %d messages, "
        "gaps %s, delivery errors %d, lost %d" % (
            last, before, len(evs),
            [(g["first"], g["last"], g["reason"]) for g in gaps],
            m.get("bgpwatch_kafka_delivery_errors_total", -1),
            m.get("bgpwatch_kafka_lost_events_total", -1)))
    if not gaps:
        fail("no gap event though the brokers refused records")
    for g in gaps:
        if not g["reason"].startswith("the brokers refused it"):
            fail("gap reason %r" % g["reason"])
        if g.get("output") != "kafka":
            fail("gap output %r" % g.get("output"))
    if any(s <= before for s in skipped):
        fail("events from before the errors skipped: %s" % sorted(skipped))
    missing = [s for s in range(1, last + 1)
               if s not in have and s not in skipped]
    if missing:
        fail("%d events neither in the topic nor in a gap: %s"
             % (len(missing), missing[:10]))
    both = sorted(have & set().union(*[
        range(g["first"], g["last"] + 1) for g in gaps
        if "not all" not in g["reason"]]))
    if both:
        fail("events both in the topic and in a gap: %s" % both[:10])
    if m.get("bgpwatch_kafka_lost_events_total") != len(skipped):
        fail("lost_events_total %s, gaps cover %d" % (
            m.get("bgpwatch_kafka_lost_events_total"), len(skipped)))
    # Skipped only after the retry limit: 5 failed deliveries each.
    if m.get("bgpwatch_kafka_delivery_errors_total", 0) < 5 * len(skipped):
        fail("%s delivery errors for %d skipped events (5 each at least)"
             % (m.get("bgpwatch_kafka_delivery_errors_total"),
                len(skipped)))
    if m.get("bgpwatch_kafka_acked_seq") != last:
        fail("acked %s, last %d" % (m.get("bgpwatch_kafka_acked_seq"),
                                    last))
    val = K.schema_validator(SCHEMA)
    for e in evs:
        for err in val.iter_errors(K.to_json(e)):
            fail("seq %d (%s) not valid: %s" % (e["seq"], e["type"],
                                                err.message))
            break
    if fails:
        for e in d.events():
            if e["seq"] > before:
                say("  log: %d %s %s" % (e["seq"], e["type"], {
                    k: e[k] for k in ("first", "last", "reason") if k in e}))
        say("  topic: %s" % sorted(have))

    # b. The topic as a whole is refused for a while (authorization
    # revoked: librdkafka then fails every record at once until its
    # metadata is refreshed): nothing is skipped, the events wait.
    mock.cmd("err 10 29")
    K.feed(BUILD, 33073, "127.0.3.18", prefixes=20)
    d.wait_drained()
    m2 = metrics(33074)
    last2 = d.last_seq()
    msgs = K.consume(mock.bootstrap, group="r2", idle=3)
    have2 = {K.decode(x[4])["seq"] for x in msgs}
    missing = [s for s in range(last + 1, last2 + 1) if s not in have2]
    say("topic refused: events %d..%d, delivery errors %d, lost %d" % (
        last + 1, last2, m2.get("bgpwatch_kafka_delivery_errors_total") -
        m.get("bgpwatch_kafka_delivery_errors_total"),
        m2.get("bgpwatch_kafka_lost_events_total")))
    if missing:
        fail("after the topic was refused, %d events missing: %s"
             % (len(missing), missing[:10]))
    if m2.get("bgpwatch_kafka_lost_events_total") != \
            m.get("bgpwatch_kafka_lost_events_total"):
        fail("events skipped while the topic as a whole was refused")
    if m2.get("bgpwatch_kafka_delivery_errors_total") == \
            m.get("bgpwatch_kafka_delivery_errors_total"):
        fail("no delivery error: the topic was not refused")
    d.kill(signal.SIGTERM)
    mock.stop()


def refused(d, acked, logged, what):
    """Feeds 20 prefixes to d, whose broker must refuse it: waits until
    their events are logged and the daemon has logged the refusal (the
    fixed 2 s were short for a SAN daemon at load), then gives a wrong
    acknowledgement 1 s more to show."""
    last = d.last_seq()
    K.feed(BUILD, 33069, "127.0.3.19", prefixes=20)
    K.wait_for(lambda: d.last_seq() > last, 30, "the new events logged")
    try:
        K.wait_for(logged, 30, what)
    except RuntimeError:
        fail("bgpwatchd did not log " + what)
    time.sleep(1)


def scenario_secure(work):
    """TLS and SASL for real: the mock cluster speaks neither, so a front
    (tests/kafka/kafkaproxy.py: Python's ssl, the Kafka SASL exchange)
    listens where the brokers say they are (kafkamock -A) and forwards to
    them.  Both bgpwatchd and the independent consumer go through it."""
    c = K.make_certs(work)
    mock = K.Mock(BUILD, port=33063, advertise=33066)
    plog = os.path.join(work, "proxy.log")
    pw = "s3cret pw"
    px = K.Proxy(33066, 33063, plog, tls=(c["srv.pem"], c["srv.key"]),
                 client_ca=c["ca.pem"], sasl="SCRAM-SHA-256",
                 user="bgpwatch", password=pw)
    tls = '\t\ttls ca "%s" cert "%s" key "%s"\n' % (
        c["ca.pem"], c["cli.pem"], c["cli.key"])
    sasl = '\t\tsasl scram-sha-256 user "bgpwatch" password "%s"\n' % pw
    d = K.Daemon(BUILD, work, "s1", 33069, ["127.0.3.19"], mock.bootstrap,
                 "s1", kafka_opts=tls + sasl)
    cconf = {"security.protocol": "sasl_ssl", "ssl.ca.location": c["ca.pem"],
             "ssl.certificate.location": c["cli.pem"],
             "ssl.key.location": c["cli.key"],
             "sasl.mechanisms": "SCRAM-SHA-256", "sasl.username": "bgpwatch",
             "sasl.password": pw}

    def proxy_log():
        with open(plog) as f:
            return f.read()

    def daemon_log():
        with open(os.path.join(work, "s1.log"), errors="replace") as f:
            return f.read()

    # a. sasl_ssl: SCRAM-SHA-256, the server verified against our CA (and
    # its name, 127.0.3.1), our client certificate verified by it.
    K.feed(BUILD, 33069, "127.0.3.19", prefixes=50)
    d.wait_drained(30)
    msgs = K.consume(mock.bootstrap, group="s1", want=d.last_seq(),
                     conf=cconf)
    say("a. sasl_ssl, SCRAM-SHA-256, client certificate:")
    check_topic(d, msgs)
    for want in ("client bgpwatchd", "SCRAM-SHA-256 authenticated as "
                 "bgpwatch"):
        if want not in proxy_log():
            fail("proxy log lacks %r" % want)

    # b. A wrong password: nothing is acknowledged, the events wait; the
    # right one again (reload): they all arrive.
    acked = d.acked()
    d.rewrite('password "%s"' % pw, 'password "wrong"')
    refused(d, acked, lambda: "SASL authentication error" in daemon_log(),
            "the SASL authentication error")
    say("b. wrong password: acked %d -> %d, last %d" % (
        acked, d.acked(), d.last_seq()))
    if d.acked() != acked:
        fail("events acknowledged with a wrong password")
    d.rewrite('password "wrong"', 'password "%s"' % pw)
    d.wait_drained(30)
    msgs = K.consume(mock.bootstrap, group="s2", want=d.last_seq(),
                     conf=cconf)
    check_topic(d, msgs, dup_above=acked, exact=False)

    # c. sasl_plaintext, PLAIN (the front without TLS).
    px.stop()
    px = K.Proxy(33066, 33063, plog, sasl="PLAIN", user="bgpwatch",
                 password=pw)
    acked = d.acked()
    d.rewrite(tls + sasl,
              '\t\tsasl plain user "bgpwatch" password "%s"\n' % pw)
    K.feed(BUILD, 33069, "127.0.3.19", prefixes=20)
    d.wait_drained(30)
    pconf = {"security.protocol": "sasl_plaintext",
             "sasl.mechanisms": "PLAIN", "sasl.username": "bgpwatch",
             "sasl.password": pw}
    msgs = K.consume(mock.bootstrap, group="s3", want=d.last_seq(),
                     conf=pconf)
    say("c. sasl_plaintext, PLAIN:")
    check_topic(d, msgs, dup_above=acked, exact=False)
    if "PLAIN authenticated as bgpwatch" not in proxy_log():
        fail("proxy log lacks the PLAIN authentication")

    # d. ssl alone, the brokers' certificate from a CA we do not trust:
    # nothing goes out; trusting the right CA, everything does.
    px.stop()
    px = K.Proxy(33066, 33063, plog, tls=(c["srv.pem"], c["srv.key"]))
    acked = d.acked()
    d.rewrite('\t\tsasl plain user "bgpwatch" password "%s"\n' % pw,
              '\t\ttls ca "%s"\n' % c["other.pem"])
    refused(d, acked, lambda: "certificate verify failed" in daemon_log(),
            "the certificate failure")
    say("d. untrusted broker certificate: acked %d -> %d, last %d" % (
        acked, d.acked(), d.last_seq()))
    if d.acked() != acked:
        fail("events acknowledged by a broker whose certificate we do "
             "not trust")
    d.rewrite('\t\ttls ca "%s"\n' % c["other.pem"],
              '\t\ttls ca "%s"\n' % c["ca.pem"])
    d.wait_drained(30)
    msgs = K.consume(mock.bootstrap, group="s4", want=d.last_seq(),
                     conf={"security.protocol": "ssl",
                           "ssl.ca.location": c["ca.pem"]})
    say("   then the right CA:")
    check_topic(d, msgs, dup_above=acked, exact=False)
    d.kill(signal.SIGTERM)
    px.stop()
    mock.stop()


def metrics(port):
    import urllib.request
    text = urllib.request.urlopen("http://127.0.3.2:%d/metrics" % port,
                                  timeout=10).read().decode()
    got = {}
    for line in text.splitlines():
        if line.startswith("bgpwatch_kafka_") and "{" not in line:
            k, v = line.split()
            got[k] = float(v)
    return got


def region_states(d, region="KP"):
    return [ev["state"] for ev in d.events()
            if ev["type"].startswith("region_") and ev.get("region") == region]


def scenario_collectors(work):
    """Three collectors, each with its own BIRD peer, one topic; the
    example merger (conf/examples/kafka_merge.py) must report KP down only
    once the peers of all three have lost it, and up again as soon as one
    has it back."""
    mock = K.Mock(BUILD, port=33040)
    ds, birds = [], []
    kp = 'region "KP" {\n\tprefix 175.45.176.0/22\n\thold-down 1s\n}\n'
    for i in range(3):
        peer = "127.0.3.%d" % (21 + i)
        ds.append(K.Daemon(BUILD, work, "m%d" % (i + 1), 33041 + i, [peer],
                           mock.bootstrap, "c%d" % (i + 1), extra=kp))
        birds.append(K.Bird(work, "b%d" % (i + 1), peer, 33051 + i,
                            33041 + i))
    merger = K.spawn([sys.executable, "-u", MERGE, "--brokers",
                      mock.bootstrap, "--group", "merge-test",
                      "--from-beginning", "--collectors", "c1,c2,c3"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                     text=True)
    lines = []
    threading.Thread(target=lambda: [lines.append(json.loads(x))
                                     for x in merger.stdout],
                     daemon=True).start()

    def kp_seen(d, state):
        return lambda: state in region_states(d)

    # Every collector sees KP from its eligible peer.
    for d in ds:
        K.wait_for(lambda d=d: d.region("KP")["state"] == "up" and
                   d.region("KP")["eligible_peers"] == 1, 30,
                   d.tag + " KP up")
    for i in range(3):
        birds[i].withdraw()
        K.wait_for(kp_seen(ds[i], "down"), 20, ds[i].tag + " KP down")
        ds[i].wait_drained(20)
        time.sleep(1.0 if i < 2 else 0)
        kp = [x for x in lines if x["region"] == "KP"]
        if i < 2 and kp:
            fail("merger reported %s with %d of 3 collectors down"
                 % (kp, i + 1))
        say("collector c%d: KP down; merger: %s" %
            (i + 1, [x["state"] for x in kp]))
    K.wait_for(lambda: any(x["state"] == "down" and x["region"] == "KP"
                           for x in lines), 15,
               "the merger to report KP down")
    birds[1].restore()
    K.wait_for(kp_seen(ds[1], "up"), 20, "m2 KP up")
    K.wait_for(lambda: lines and lines[-1]["state"] == "up", 15,
               "the merger to report KP up")
    lines = [x for x in lines if x["region"] == "KP"]
    got = [(x["region"], x["state"]) for x in lines]
    say("merger: %s" % got)
    if got != [("KP", "down"), ("KP", "up")]:
        fail("merger output %s, want KP down then up" % got)
    if lines[0]["collectors"] != {"c1": "down", "c2": "down", "c3": "down"}:
        fail("merger down with %s" % lines[0]["collectors"])
    if lines[1]["by"]["collector"] != "c2":
        fail("merger up by %s, not c2" % lines[1]["by"])
    # Every event of the three collectors, as consumed, against the logs
    # and the schema; keys (regions, peers) stay ordered per collector.
    msgs = K.consume(mock.bootstrap, group="all",
                     want=sum(d.last_seq() for d in ds))
    for d in ds:
        c = d.tag.replace("m", "c")
        mine = [m for m in msgs if dict(m[3]).get("collector") == c.encode()]
        say("collector %s:" % c)
        check_topic(d, mine)
    K.stop(merger)
    for b in birds:
        b.stop()
    for d in ds:
        d.kill(signal.SIGTERM)
    mock.stop()


def main():
    work = tempfile.mkdtemp(prefix="bw-kafka.")
    try:
        {"stream": scenario_stream, "outage": scenario_outage,
         "json": scenario_json, "gap": scenario_gap,
         "nolog": scenario_nolog, "refused": scenario_refused,
         "secure": scenario_secure, "slowdisk": scenario_slowdisk,
         "collectors": scenario_collectors}[WHAT](work)
    except Exception as e:  # noqa: BLE001
        fail("%s: %s" % (type(e).__name__, e))
    finally:
        K.cleanup()
        for f in os.listdir(work):
            if f.endswith(".log"):
                with open(os.path.join(work, f), errors="replace") as fp:
                    t = fp.read()
                if "Sanitizer" in t or "runtime error:" in t:
                    fail("%s: sanitizer report" % f)
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
