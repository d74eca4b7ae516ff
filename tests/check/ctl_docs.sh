#!/bin/sh
# Docs that tell the truth: every bgpwatchctl command that docs/control.md
# names (the rows of its Commands table, and the `bgpwatchctl events` line)
# is run against a live bgpwatchd, with its placeholders filled in, with
# and without its optional parts, as text and as JSON (-j).  A non-zero
# exit, "not implemented" in the output, or JSON that does not parse is a
# failure.  Also: every command of the daemon's dispatch table
# (bgpd/ctl/control.c) is in the docs.  127.0.6.x, ports 36010-36019.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
exec /usr/bin/python3 - <<'PYEOF'
import json, os, re, shutil, signal, subprocess, sys, tempfile, time

BIN = os.path.abspath(os.environ.get("BUILD", "build"))
BW, CTL = os.path.join(BIN, "bgpwatchd"), os.path.join(BIN, "bgpwatchctl")
TMP = tempfile.mkdtemp(prefix="bgpwatch-ctldocs-")
NB = "127.0.6.12"
passed = failed = 0


def check(cond, what):
    global passed, failed
    passed += bool(cond)
    failed += not cond
    print("%s %s" % ("ok  " if cond else "FAIL", what))


conf = os.path.join(TMP, "bw.conf")
with open(conf, "w") as f:
    f.write("""local-as 65000
router-id 192.0.2.254
listen on 127.0.6.11 port 36011
control "{t}/bw.sock"
neighbor {nb} {{
    remote-as 64512
    description "docs test peer"
    passive
}}
region "KP" {{
    prefix 175.45.176.0/22
}}
events {{
    log "{t}/events.mpk"
    subscribe unix "{t}/events.sock"
}}
""".format(t=TMP, nb=NB))
log = open(os.path.join(TMP, "bw.log"), "wb")
bw = subprocess.Popen([BW, "-d", "-f", conf], stdout=log, stderr=log)


def ctl(*args):
    return subprocess.run([CTL, "-s", os.path.join(TMP, "bw.sock")] +
                          list(args), capture_output=True, text=True,
                          timeout=30)


try:
    for _ in range(50):
        if ctl("show", "status").returncode == 0:
            break
        time.sleep(0.2)
    with open("docs/control.md") as f:
        doc = f.read()
    sect = doc[doc.index("## Commands"):]
    sect = sect[:sect.index("\n#", 5)]      # the table, not the notes
    rows = re.findall(r"^\| `([^`]+)` \|", sect, re.M)
    check(len(rows) >= 10, "docs/control.md names %d commands" % len(rows))
    fill = {"ADDR": NB, "ADDRESS": NB, "PREFIX": "175.45.176.0/22",
            "AS": "131279", "A:B": "64512:100", "A:B:C": "64512:1:2",
            "NAME": "KP", "MESSAGE": "docs test", "SEQ": "1",
            "SOCKET": os.path.join(TMP, "events.sock"),
            "FILE": os.path.join(TMP, "events.mpk")}

    def concrete(cmd, optional):
        # [x] keeps x (optional=True) or drops it; A | B takes A
        cmd = re.sub(r"\[([^\[\]]*)\]",
                     lambda m: m.group(1) if optional else "", cmd)
        words = []
        for w in cmd.replace("|", " | ").split():
            if w == "|":
                break
            if w == "FILE" and words[:2] == ["dump", "table"]:
                w = os.path.join(TMP, "table.mrt")   # never the log
            words.append(fill.get(w, w))
        return words

    seen = set()
    for row in rows:
        for optional in (False, True):
            words = concrete(row, optional)
            key = " ".join(words)
            if key in seen:
                continue
            seen.add(key)
            for js in (False, True):
                r = ctl(*(["-j"] if js else []) + words)
                out = r.stdout + r.stderr
                ok = r.returncode == 0 and "not implemented" not in \
                    out.lower()
                if ok and js:
                    try:
                        json.loads(r.stdout)
                    except ValueError as e:
                        ok = False
                        out = "bad JSON: %s" % e
                check(ok, "bgpwatchctl %s%s%s" % ("-j " if js else "", key,
                      "" if ok else " -> %r" % out[:200]))
    # bgpwatchctl's own `events` (not on the control socket)
    ev = re.search(r"`bgpwatchctl (events [^`]*)`", doc)
    check(ev is not None, "docs/control.md names bgpwatchctl events")
    if ev:
        forms = [["events", "--from", "1", "-e", fill["SOCKET"]],
                 ["events", fill["FILE"]]]
        for words in forms:
            r = ctl(*words)
            lines = [json.loads(l) for l in r.stdout.splitlines()]
            # no peer here: maybe no events; opsview.sh checks them
            check(r.returncode == 0 and all("seq" in l for l in lines),
                  "bgpwatchctl %s (%d events)" %
                  (" ".join(words), len(lines)))
    # every command the daemon knows is documented
    with open("bgpd/ctl/control.c") as f:
        src = f.read()
    table = re.findall(r'\{ "([a-z]+)", (?:"([a-z]+)"|NULL), control_', src)
    for w1, w2 in table:
        name = (w1 + " " + w2).strip()
        check(any(r == name or r.startswith(name + " ") for r in rows) or
              ("`%s" % name) in doc, "%s is documented" % name)
    usage = subprocess.run([CTL, "-h"], capture_output=True, text=True)
    text = usage.stdout + usage.stderr
    for row in rows:
        check(" ".join(row.split()[:2]).replace("ADDR", "ADDRESS") in text
              or row.split()[0] in text, "usage has %s" % row.split()[0:2])
finally:
    bw.send_signal(signal.SIGTERM)
    try:
        rc = bw.wait(10)
    except subprocess.TimeoutExpired:
        bw.kill()
        rc = bw.wait()
    check(rc == 0, "bgpwatchd exits 0")
    if failed:
        with open(os.path.join(TMP, "bw.log"), errors="replace") as f:
            sys.stderr.write(f.read()[-3000:])
    shutil.rmtree(TMP, ignore_errors=True)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
