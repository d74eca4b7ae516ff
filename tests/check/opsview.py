"""Driven by tests/check/opsview.sh (see there).  Debian's python3."""
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import msgpack

BUILD = os.environ.get("BUILD", "build")
BIN = os.path.abspath(BUILD)
BW, CTL = os.path.join(BIN, "bgpwatchd"), os.path.join(BIN, "bgpwatchctl")
BW_ADDR, GB_ADDR = "127.0.6.1", "127.0.6.2"
BW_PORT, GB_PORT, GB_API, METRICS = 36001, 36002, 36003, 36090
TMP = tempfile.mkdtemp(prefix="bgpwatch-opsview-")
PROCS = []
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok   %s" % what)
    else:
        failed += 1
        print("FAIL %s" % what)
    sys.stdout.flush()


def wait_for(fn, timeout, what):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:          # noqa: BLE001 (polled)
            last = e
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s (last %r)" % (what, last))


def start(name, argv, **kw):
    log = open(os.path.join(TMP, name + ".log"), "ab")
    p = subprocess.Popen(argv, stdout=kw.pop("stdout", log), stderr=log,
                         stdin=subprocess.DEVNULL, **kw)
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def text(name):
    with open(os.path.join(TMP, name + ".log"), errors="replace") as f:
        return f.read()


def ctl(*args, check_rc=True):
    r = subprocess.run([CTL, "-s", os.path.join(TMP, "bw.sock")] +
                       list(args), capture_output=True, text=True,
                       timeout=30)
    if check_rc and r.returncode != 0:
        raise AssertionError("bgpwatchctl %s: %s" % (" ".join(args),
                                                      r.stderr))
    return r


def ctlj(*args):
    return json.loads(ctl("-j", *args).stdout)


def gobgp(*args):
    return subprocess.run(["gobgp", "-u", "127.0.0.1", "-p", str(GB_API)] +
                          list(args), capture_output=True, text=True,
                          timeout=30)


CONF = """local-as 65000
router-id 192.0.2.254
listen on {bw} port {bwp}
control "{tmp}/bw.sock"
connect-retry 1s
eligible-after 2s
metrics on {bw} port {mp}
neighbor {gb} {{
    remote-as 64512
    description "lab \\"r1\\" upstream"
    hold-time {hold}
    port {gbp}
    local-address {bw}
}}
region "KP" {{
    prefix 175.45.176.0/22
    hold-down 1s
}}
events {{
    log "{tmp}/events.mpk"
    subscribe unix "{tmp}/events.sock"
}}
{extra}
"""


def write_conf(hold=9, extra=""):
    with open(os.path.join(TMP, "bw.conf"), "w") as f:
        f.write(CONF.format(bw=BW_ADDR, bwp=BW_PORT, tmp=TMP, mp=METRICS,
                            gb=GB_ADDR, gbp=GB_PORT, hold=hold, extra=extra))


def start_bw():
    p = start("bgpwatchd", [BW, "-d", "-f", os.path.join(TMP, "bw.conf")])
    wait_for(lambda: ctl("show", "status", check_rc=False).returncode == 0,
             10, "control socket")
    return p


def start_gobgp():
    with open(os.path.join(TMP, "gobgp.toml"), "w") as f:
        f.write("""[global.config]
  as = 64512
  router-id = "192.0.2.2"
  port = {gbp}
  local-address-list = ["{gb}"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "{bw}"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "{gb}"
    remote-port = {bwp}
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
""".format(gb=GB_ADDR, gbp=GB_PORT, bw=BW_ADDR, bwp=BW_PORT))
    p = start("gobgpd", ["gobgpd", "-f", os.path.join(TMP, "gobgp.toml"),
                         "-p", "--pprof-disable", "--api-hosts",
                         "127.0.0.1:%d" % GB_API])
    wait_for(lambda: gobgp("global").returncode == 0, 15, "gobgp API")
    for i in range(4):
        gobgp("global", "rib", "add", "175.45.%d.0/24" % (176 + i),
              "origin", "igp", "aspath", "4837,131279", "nexthop",
              "192.0.2.2", "community", "64512:100")
    gobgp("global", "rib", "add", "10.0.0.0/24", "origin", "igp",
          "aspath", "64600", "nexthop", "192.0.2.2")
    return p


def nb():
    return ctlj("show", "neighbor", GB_ADDR)["neighbors"][0]


def established():
    return nb()["state"] == "Established"


def http_req(method):
    """(status, headers, body) of METHOD /metrics."""
    c = http.client.HTTPConnection(BW_ADDR, METRICS, timeout=10)
    try:
        c.request(method, "/metrics")
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def metrics():
    st, _, body = http_req("GET")
    assert st == 200, st
    return body.decode()


def metric(body, name, **labels):
    want = ",".join('%s="%s"' % kv for kv in labels.items())
    for line in body.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r'([a-z_:]+)(\{.*\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        if all(('%s="%s"' % kv) in (m.group(2) or "")
               for kv in labels.items()):
            return float(m.group(3))
    raise KeyError("%s{%s}" % (name, want))


def events():
    with open(os.path.join(TMP, "events.mpk"), "rb") as f:
        return list(msgpack.Unpacker(f, raw=False, timestamp=3))


def of_type(t):
    return [e for e in events() if e["type"] == t]


def main():
    write_conf()
    bw = start_bw()
    gb = start_gobgp()
    wait_for(established, 30, "session Established")
    wait_for(lambda: ctlj("show", "rib", "count")["routes"] == 5, 20,
             "5 routes")

    # --- logging at start-up
    log = text("bgpwatchd")
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                     r"(info|warning|error|debug|notice|crit) \S")
    lines = [l for l in log.splitlines() if l]
    check(lines and all(iso.match(l) for l in lines),
          "every -d line has an ISO-8601 timestamp and a severity")
    check("info BGP: listening on %s port %d" % (BW_ADDR, BW_PORT) in log,
          "start-up names the BGP listener")
    check("info control socket %s/bw.sock: listening" % TMP in log,
          "start-up names the control socket")
    check("info metrics: listening on http://%s:%d/metrics" %
          (BW_ADDR, METRICS) in log, "start-up names the metrics address")
    check("info event listener unix %s/events.sock" % TMP in log,
          "start-up names the event listener")
    check(re.search(r"info neighbor %s: state OpenConfirm -> Established"
                    % re.escape(GB_ADDR), log) is not None,
          "session transitions are logged at info")

    # --- region up, metrics
    wait_for(lambda: metric(metrics(), "bgpwatch_region_state",
                            region="KP", state="up") == 1, 20,
             "region KP up in metrics")
    body = metrics()
    with open(os.path.join(TMP, "metrics.txt"), "w") as f:
        f.write(body)
    r = subprocess.run(["promtool", "check", "metrics"], input=body,
                       capture_output=True, text=True)
    check(r.returncode == 0, "promtool check metrics on the live output "
          "(%s)" % (r.stdout + r.stderr).strip()[:300])
    for st, v in (("up", 1), ("down", 0), ("degraded", 0), ("blind", 0)):
        check(metric(body, "bgpwatch_region_state", region="KP",
                     state=st) == v, "bgpwatch_region_state{state=%s} %d"
              % (st, v))
    check(metric(body, "bgpwatch_region_visibility_ratio", region="KP")
          == 1.0, "visibility 1")
    check(metric(body, "bgpwatch_region_units", region="KP") == 4 and
          metric(body, "bgpwatch_region_units_visible", region="KP") == 4,
          "units 4 of 4")
    check(metric(body, "bgpwatch_region_prefixes_visible", region="KP")
          == 4, "4 prefixes visible")
    check(metric(body, "bgpwatch_region_eligible_peers", region="KP") == 1,
          "1 eligible peer")
    check(metric(body, "bgpwatch_region_state_seconds", region="KP") >= 0,
          "time in state")
    check(metric(body, "bgpwatch_peer_eligible", peer=GB_ADDR,
                 description='lab \\"r1\\" upstream') == 1,
          "peer eligible, with its (escaped) description")
    check(metric(body, "bgpwatch_events_total", type="peer_up") == 1,
          "events_total{peer_up} 1")
    check(metric(body, "bgpwatch_events_total", type="region_up") >= 1,
          "events_total{region_up}")
    last = max(e["seq"] for e in events())
    check(metric(body, "bgpwatch_event_last_seq") == last,
          "event_last_seq is the log's last seq (%d)" % last)
    check(metric(body, "bgpwatch_event_log_write_errors_total") == 0,
          "no log write errors")
    check(metric(body, "bgpwatch_subscribers", output="stream") == 0,
          "no subscribers yet")
    check(metric(body, "bgpwatch_build_info") == 1, "build_info")
    check(metric(body, "process_resident_memory_bytes") > 1e6, "RSS")
    check(metric(body, "process_open_fds") > 3, "open fds")
    check("region KP: region_up (blind -> up)" in text("bgpwatchd") or
          "region KP: region_up" in text("bgpwatchd"),
          "region events are logged")
    st, hdr, hb = http_req("HEAD")
    check(st == 200 and int(hdr.get("Content-Length", "0")) > 1000 and
          hb == b"", "HEAD /metrics: 200, a length, no body")

    # --- show rib filters, show neighbor
    def routes(*a):
        return ctlj("show", "rib", *a)["routes"]
    check(len(routes("source-as", "131279")) == 4, "show rib source-as")
    check(len(routes("source-as", "AS64600")) == 1, "source-as AS64600")
    check(len(routes("peer-as", "64512")) == 5, "show rib peer-as")
    check(len(routes("peer-as", "64999")) == 0, "peer-as no match")
    check(sorted(r["prefix"] for r in routes("community", "64512:100")) ==
          ["175.45.%d.0/24" % i for i in range(176, 180)],
          "show rib community")
    check(len(routes("source-as", "131279", "community", "64512:100",
                     "neighbor", GB_ADDR)) == 4, "filters combine")
    check(len(routes("community", "1:2:3")) == 0, "large community")
    t = ctl("show", "rib", "source-as", "131279").stdout
    check(t.count("131279") == 4 and "10.0.0.0/24" not in t,
          "show rib source-as, text")
    bad = ctl("show", "rib", "community", "70000:1", check_rc=False)
    check(bad.returncode != 0 and "usage" in bad.stderr,
          "bad community is refused")
    n = nb()
    check(n["eligible"] is True and n["description"] ==
          'lab "r1" upstream', "show neighbor: eligible, description")
    check("Eligible for regions: yes" in ctl("show", "neighbor",
                                             GB_ADDR).stdout,
          "show neighbor text: eligibility")
    usage = subprocess.run([CTL], capture_output=True, text=True).stderr
    check(all(c in usage for c in (
        "show neighbors", "show neighbor ADDRESS", "show rib", "show rib "
        "count", "show regions", "show region NAME", "show memory",
        "show status", "neighbor ADDRESS down", "neighbor ADDRESS up",
        "neighbor ADDRESS clear", "reload", "dump table", "events")),
        "usage lists every command")

    # events --follow from here on, across a restart
    fol_out = open(os.path.join(TMP, "follow.out"), "wb")
    fol = start("follow", [CTL, "events", "--from", "1", "--follow", "-e",
                           os.path.join(TMP, "events.sock")],
                stdout=fol_out)

    # --- neighbor down "message": GoBGP gets the shutdown communication
    seq0 = max(e["seq"] for e in events())
    r = ctl("neighbor", GB_ADDR, "down", "maintenance window 42")
    check("down" in r.stdout, "neighbor down answers")
    wait_for(lambda: of_type("peer_down"), 10, "peer_down")
    pd = of_type("peer_down")[-1]
    check(pd.get("notification") == "sent" and pd.get("code") == 6 and
          pd.get("subcode") == 2, "peer_down: sent 6/2 (%r)" % pd)
    check("administrative shutdown" in pd["reason"].lower() and
          "maintenance window 42" in pd["reason"], "peer_down reason")
    time.sleep(2)
    check(nb()["state"] == "Idle" and nb()["admin_down"] is True,
          "stays Idle while down")
    gl = text("gobgpd")
    check("maintenance window 42" in gl or "maintenance window 42" in
          gobgp("neighbor", BW_ADDR).stdout,
          "GoBGP received the RFC 9003 shutdown message")
    check(re.search(r"warning neighbor %s: sending NOTIFICATION Cease, "
                    % re.escape(GB_ADDR), text("bgpwatchd")) is not None,
          "the NOTIFICATION is logged")
    wait_for(lambda: metric(metrics(), "bgpwatch_region_state",
                            region="KP", state="up") == 0, 15,
             "region leaves up")
    check(re.search(r"info region KP: region_(blind|down)",
                    text("bgpwatchd")) is not None,
          "the region's change is logged")
    check(metric(metrics(), "bgpwatch_peer_eligible", peer=GB_ADDR) == 0,
          "not eligible while down")
    r = ctl("neighbor", GB_ADDR, "clear", check_rc=False)
    check(r.returncode != 0 and "up first" in r.stderr,
          "clear of a down neighbor is refused")
    ctl("neighbor", GB_ADDR, "up")
    wait_for(established, 30, "Established after up")
    check(True, "neighbor up: Established again")

    # --- clear
    npd = len(of_type("peer_down"))
    ctl("neighbor", GB_ADDR, "clear", "new", "filters")
    wait_for(lambda: len(of_type("peer_down")) > npd, 10, "peer_down")
    pd = of_type("peer_down")[-1]
    check(pd.get("code") == 6 and pd.get("subcode") == 4 and
          "administrative reset" in pd["reason"].lower(), "clear: Cease 6/4")
    wait_for(established, 30, "Established after clear")
    check(True, "neighbor clear: Established again")

    # --- reload that resets the peer
    npd = len(of_type("peer_down"))
    write_conf(hold=12)
    ctl("reload")
    wait_for(lambda: len(of_type("peer_down")) > npd, 10, "peer_down")
    pd = of_type("peer_down")[-1]
    check(pd.get("notification") == "sent" and pd.get("code") == 6 and
          pd.get("subcode") == 6 and "other configuration change" in
          pd["reason"].lower() and "administrative shutdown" not in
          pd["reason"].lower(), "reload reset: Cease/Other "
          "Configuration Change (%s)" % pd["reason"])
    check("configuration reloaded from" in text("bgpwatchd"),
          "a good reload is logged")
    wait_for(established, 30, "Established after reload")

    # --- failed reload: every error logged, the config kept
    write_conf(hold=12, extra="bogus-keyword 1\nregion \"X\" {\n"
               "    prefix 300.0.0.0/8\n}\n")
    r = ctl("reload", check_rc=False)
    check(r.returncode != 0 and "reload failed" in r.stderr,
          "bgpwatchctl reload reports the failure")
    errs = [l for l in text("bgpwatchd").splitlines()
            if "warning reload: " in l and "bw.conf:" in l]
    check(len(errs) >= 2, "every error of the failed reload is logged "
          "(%d)" % len(errs))
    check("failed (%d errors), keeping the running" % len(errs) in
          text("bgpwatchd"), "the failure is summarised")
    os.kill(bw.pid, signal.SIGHUP)
    wait_for(lambda: text("bgpwatchd").count("SIGHUP: reloading") == 1,
             5, "SIGHUP logged")

    def counted():
        body = metrics()
        return (metric(body, "bgpwatch_reloads_total", result="failure") ==
                2 and metric(body, "bgpwatch_reloads_total",
                             result="success") == 1 and
                metric(body, "bgpwatch_last_reload_successful") == 0)
    # The reload ends off the loop: wait for it (0.5 s was short at load).
    try:
        wait_for(counted, 15, "the SIGHUP reload counted")
    except AssertionError:
        pass
    check(counted(), "reload counters")
    check(established(), "the session survived the failed reloads")
    write_conf(hold=12)

    # --- restart: events --follow resumes from last + 1
    check(stop(bw) == 0, "bgpwatchd exits 0 on SIGTERM")
    before = max(e["seq"] for e in events())    # with its peer_down
    bw = start_bw()
    wait_for(established, 30, "Established after restart")
    wait_for(lambda: "reconnected" in text("follow"), 15, "reconnect")
    last = wait_for(lambda: max(e["seq"] for e in events()) > before + 1
                    and max(e["seq"] for e in events()), 20, "new events")

    def followed():
        with open(os.path.join(TMP, "follow.out")) as f:
            return [json.loads(l)["seq"] for l in f if l.endswith("\n")]
    # Until --follow has printed them (a fixed 1 s was short at load).
    try:
        wait_for(lambda: max(followed(), default=0) >= last, 20,
                 "--follow to print seq %d" % last)
    except AssertionError:
        pass
    stop(fol)
    fol_out.close()
    seqs = followed()
    check("resuming from seq %d" % (before + 1) in text("follow"),
          "--follow: note on stderr, resuming from last+1 (%d)" %
          (before + 1))
    check(seqs == list(range(1, max(seqs) + 1)) and max(seqs) > before,
          "--follow: every seq once, in order, across the restart "
          "(1..%d)" % max(seqs))
    check(fol.returncode == -signal.SIGTERM, "--follow kept running")

    # every event, peer_down's new keys included, against the schema
    import jsonschema
    with open("docs/events.schema.json") as f:
        schema = json.load(f)
    r = subprocess.run([CTL, "events", os.path.join(TMP, "events.mpk")],
                       capture_output=True, text=True, timeout=30)
    evs = [json.loads(l) for l in r.stdout.splitlines()]
    bad = []
    for e in evs:
        try:
            jsonschema.validate(e, schema)
        except jsonschema.ValidationError as ex:
            bad.append("%s: %s" % (e.get("type"), ex.message))
    check(evs and not bad, "%d events valid against docs/events.schema."
          "json %s" % (len(evs), bad[:2]))

    stop(gb)
    check(stop(bw) == 0, "bgpwatchd exits 0")
    log = text("bgpwatchd")
    check(not any(s in log for s in ("AddressSanitizer", "runtime error:",
                                     "LeakSanitizer")), "no sanitizer report")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:              # noqa: BLE001
        failed += 1
        print("FAIL %s: %s" % (type(e).__name__, e))
    finally:
        for p in PROCS:
            stop(p)
        if failed:
            for name in ("bgpwatchd", "gobgpd", "follow"):
                try:
                    t = text(name).splitlines()[-40:]
                except OSError:
                    continue
                sys.stderr.write("--- %s\n%s\n" % (name, "\n".join(t)))
        if not os.environ.get("KEEP"):
            shutil.rmtree(TMP, ignore_errors=True)
        else:
            print("kept %s" % TMP)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)
