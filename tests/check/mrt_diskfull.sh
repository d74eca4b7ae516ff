#!/bin/sh
# The MRT archive's disk fills up (a 1 MiB tmpfs mounted by the test, as
# root; SKIP otherwise): the 10 RIS feeds of updates.20160811.1600 and
# their sessions are untouched (every route in the RIB), the failure is
# logged at once, counted in bgpwatch_mrt_file_errors_total, and a
# `dump table` onto the full disk answers ERR and leaves no .tmp behind.
BUILD=${BUILD:-build}
DATA=${BGPWATCH_MRT_DATA:-../shared/data/mrt}
[ "$(id -u)" = 0 ] || { echo "SKIP: mounting a tmpfs needs root"; exit 0; }
WORK=$(mktemp -d /tmp/bw-mrtfull.XXXXXX) || exit 1
mkdir "$WORK/disk"
mount -t tmpfs -o size=1m tmpfs "$WORK/disk" || exit 1
trap 'umount "$WORK/disk"; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM HUP
/usr/bin/python3 -B - "$BUILD" "$DATA/updates.20160811.1600.gz" "$WORK" <<'EOF'
import os
import signal
import subprocess
import sys
import time
import urllib.request

build, feedfile, work = sys.argv[1:4]
BW = "127.0.1.250"


def free_pair():
    """Two free ports of 31000-31099 (other tests of ours may run)."""
    import socket
    for base in range(31099, 31000, -2):
        try:
            for port in (base - 1, base):
                t = socket.socket()
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                t.bind((BW, port))
                t.close()
            return base - 1, base
        except OSError:
            t.close()
    raise SystemExit("no free ports in 31000-31099")


PORT, MPORT = free_pair()
disk = os.path.join(work, "disk")
fails, procs = [], []


def fail(msg):
    fails.append(msg)
    print("FAIL: " + msg)


def ctl(*args):
    return subprocess.run([os.path.join(build, "bgpwatchctl"), "-s",
                           os.path.join(work, "bw.sock")] + list(args),
                          capture_output=True, text=True, timeout=60)


def wait_for(fn, timeout, what):
    t = time.monotonic() + timeout
    while time.monotonic() < t:
        try:
            if fn():
                return
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise SystemExit("timeout waiting for " + what)


out = subprocess.run([os.path.join(build, "bgpfeed"), "--mrt", feedfile,
                      "--list-peers"], check=True, capture_output=True,
                     text=True).stdout
peers = [(l.split()[0], int(l.split()[1][2:]), l.split()[2][7:],
          int(l.split()[6][7:])) for l in out.splitlines()[:10]]
conf = ("local-as 65000\nrouter-id 192.0.2.254\nlisten on %s port %d\n"
        "control \"%s/bw.sock\"\nmetrics on %s port %d\n"
        "mrt {\n updates \"%s/updates.%%H%%M%%S\" rotate 1h\n}\n" %
        (BW, PORT, work, BW, MPORT, disk))
for _, asn, src, _ in peers:
    conf += "neighbor %s {\n remote-as %d\n passive\n}\n" % (src, asn)
with open(os.path.join(work, "bw.conf"), "w") as f:
    f.write(conf)
# Leave the archive about 64 KiB.
with open(os.path.join(disk, "filler"), "wb") as f:
    st = os.statvfs(disk)
    f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 65536))
logp = os.path.join(work, "bw.log")
try:
    bw = subprocess.Popen([os.path.join(build, "bgpwatchd"), "-d", "-f",
                           os.path.join(work, "bw.conf")],
                          stdout=open(logp, "w"), stderr=subprocess.STDOUT)
    procs.append(bw)
    wait_for(lambda: ctl("show", "status").returncode == 0, 10, "bgpwatchd")
    for mrtpeer, _, src, _ in peers:
        procs.append(subprocess.Popen(
            [os.path.join(build, "bgpfeed"), "--mrt", feedfile, "--peer",
             mrtpeer, "--bind", src, "--hold", "forever",
             "%s:%d" % (BW, PORT)], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL))
    want = sum(p[3] for p in peers)

    def routes():
        r = ctl("-j", "show", "rib", "count")
        import json
        return json.loads(r.stdout)["routes"] == want
    wait_for(routes, 40, "every route of the 10 feeds (%d)" % want)
    wait_for(lambda: "No space left on device" in open(logp).read(), 10,
             "the disk-full log line")
    est = ctl("-j", "show", "neighbors").stdout.count('"Established"')
    if est != 10:
        fail("%d sessions Established, not 10" % est)
    m = urllib.request.urlopen("http://%s:%d/metrics" % (BW, MPORT),
                               timeout=10).read().decode()
    errs = [l for l in m.splitlines()
            if l.startswith("bgpwatch_mrt_file_errors_total ")]
    if not errs or int(errs[0].split()[1]) < 1:
        fail("bgpwatch_mrt_file_errors_total: %s" % errs)
    r = ctl("dump", "table", os.path.join(disk, "bview"))
    if r.returncode == 0 or "table dump failed" not in r.stderr:
        fail("dump table on a full disk: %r %r" % (r.stdout, r.stderr))
    if os.path.exists(os.path.join(disk, "bview.tmp")) or \
            os.path.exists(os.path.join(disk, "bview")):
        fail("a failed dump left a file: %s" % os.listdir(disk))
    if bw.poll() is not None:
        fail("bgpwatchd exited")
finally:
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
print("".join(l for l in open(logp) if "mrt:" in l))
if "Sanitizer" in open(logp).read():
    fail("sanitizer report in the daemon's log")
if fails:
    print(open(logp).read()[-3000:])
    sys.exit(1)
print("mrt_diskfull: ok (%d routes, sessions up, error logged and counted)"
      % want)
EOF
