#!/usr/bin/python3
"""Checks the daemon's layering: every #include "x.h" in include/, lib/,
bgpd/ and its folders, bgpctl/ and bgpfeed/ must name a header of a
layer the including file may use.  A file's layer is its folder.  The
Makefile enforces the same rule at compile time (-I per folder) and link
time (one archive per folder); this check names the offending line and
also covers the CLI's narrower allowance.

The layers, bottom up (docs/architecture.md):
  codec   include/ of proto/: the pure codec
  lib     log, json, slab, sock, loop, mrtfile
  conf    configuration
  rib     trie, rib, intern and the door (adjrib)
  detect  regions, visibility; detect_door adapts it to the door
  event   records, schema, fan-out, log, outputs, reader, JSON
  bgp     transport, FSM, peer registry
  mrt     replay, archive writer
  bmp     BMP station (an input)
  rislive RIS Live WebSocket stream (a message-tap output)
  core    core.c
  ctl     control socket, views, metrics
  main    bgpwatchd.c
Arrows point down only: rib never sees detect, bgp never sees detect or
event, nothing below core sees core.  bgpwatchctl may use only codec, lib,
conf, the event reader/JSON printer and control.h.  Exit 1 on a violation.
"""
import os
import re
import sys

# The layer of a file is its folder (docs/architecture.md).
FOLDERS = {
    "include": "codec", "lib": "lib", "bgpd/conf": "conf",
    "bgpd/rib": "rib", "bgpd/detect": "detect", "bgpd/event": "event",
    "bgpd/bgp": "bgp", "bgpd/mrt": "mrt", "bgpd/bmp": "bmp",
    "bgpd/rislive": "rislive", "bgpd": "core",
    "bgpd/ctl": "ctl", "bgpctl": "cli", "bgpfeed": "cli",
}
USES = {
    "codec": {"codec"},
    "lib": {"codec", "lib"},
    "conf": {"codec", "lib", "conf"},
    "rib": {"codec", "lib", "conf", "rib"},
    "detect": {"codec", "lib", "conf", "rib", "detect"},
    "event": {"codec", "lib", "conf", "detect", "event"},
    "bgp": {"codec", "lib", "conf", "rib", "bgp"},
    "mrt": {"codec", "lib", "conf", "rib", "mrt"},
    "bmp": {"codec", "lib", "conf", "rib", "bmp"},
    "rislive": {"codec", "lib", "conf", "rib", "rislive"},
    "core": {"codec", "lib", "conf", "rib", "detect", "event", "bgp",
             "mrt", "bmp", "rislive", "core"},
    "ctl": {"codec", "lib", "conf", "rib", "detect", "event", "bgp",
            "mrt", "bmp", "rislive", "core", "ctl"},
}
CLI_OK = {"evt_reader", "evt_json", "evt_format", "control"}
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def layer_of(path):
    return FOLDERS.get(os.path.dirname(path))


def check(path, headers, bad):
    stem = os.path.splitext(os.path.basename(path))[0]
    text = open(path, encoding="utf-8").read()
    layer = layer_of(path)
    if stem == "bgpwatchd":
        return                  # main composes everything
    for m in INC.finditer(text):
        hdr = m.group(1)
        where = headers.get(hdr)
        if where is None or where == os.path.dirname(path):
            continue            # system-style or same folder
        hl = FOLDERS[where]
        if layer == "cli":
            if hl not in ("codec", "lib", "conf") and hdr not in CLI_OK:
                bad.append("%s: the CLI/bgpfeed may not include %s.h (%s)"
                           % (path, hdr, hl))
        elif hl not in USES[layer]:
            bad.append("%s (%s) may not include %s.h (%s)" %
                       (path, layer, hdr, hl))


def main():
    bad = []
    files = []
    headers = {}
    for d in FOLDERS:
        if not os.path.isdir(d):
            continue            # a layer not written yet
        for f in sorted(os.listdir(d)):
            if f.endswith(".h"):
                headers[f[:-2]] = d
            if f.endswith((".c", ".h")):
                files.append(os.path.join(d, f))
    for f in files:
        check(f, headers, bad)
    for b in bad:
        print(b)
    print("layers: %d files, %d violations" % (len(files), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
