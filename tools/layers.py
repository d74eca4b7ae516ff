#!/usr/bin/python3
"""Checks the daemon's layering: every #include "x.h" in bgpd/, include/
and bgpfeed/ must name a header of a layer the including file may use.

The layers, bottom up (docs/architecture.md):
  codec   include/ of proto/: the pure codec
  lib     log, json, slab, sock, loop, mrtfile
  conf    configuration
  rib     trie, rib, intern and the door (adjrib)
  detect  regions, visibility; detect_door adapts it to the door
  event   records, schema, fan-out, log, outputs, reader, JSON
  bgp     transport, FSM, peer registry
  mrt     replay
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

LAYERS = {
    "codec": "bgpwatch buf bgp update mrt".split(),
    "lib": "log json slab sock loop mrtfile".split(),
    "conf": "config parse printconf".split(),
    "rib": "trie rib intern adjrib".split(),
    "detect": "detect detect_priv region rirstats detect_door".split(),
    "event": ("evt_format evt_build evt_schema evt_fanout evt_log "
              "evt_output evt_stream evt_stream_listen evt_reader "
              "evt_json").split(),
    "bgp": "session fsm peer".split(),
    "mrt": "replay".split(),
    "core": "core".split(),
    "ctl": ("control control_cmd control_priv metrics view view_memory "
            "view_neighbors view_regions view_rib view_route "
            "view_status").split(),
    "main": "bgpwatchd".split(),
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
    "core": {"codec", "lib", "conf", "rib", "detect", "event", "bgp",
             "core"},
    "ctl": {"codec", "lib", "conf", "rib", "detect", "event", "bgp",
            "core", "ctl"},
    "main": set(LAYERS),
}
CLI_OK = {"evt_reader", "evt_json", "evt_format", "control"}
LAYER_OF = {m: l for l, ms in LAYERS.items() for m in ms}
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"', re.M)


def check(path, bad):
    stem = os.path.splitext(os.path.basename(path))[0]
    text = open(path, encoding="utf-8").read()
    cli = stem == "bgpwatchctl" or path.startswith("bgpfeed/")
    layer = LAYER_OF.get(stem)
    if layer is None and not cli:
        bad.append("%s: not in any layer (add it to tools/layers.py)" % path)
        return
    for m in INC.finditer(text):
        hdr = os.path.basename(m.group(1))
        hl = LAYER_OF.get(hdr)
        if hdr == stem or (hl is None and path.startswith("bgpfeed/")):
            continue
        if hl is None:
            bad.append("%s: includes %s.h, which is in no layer" %
                       (path, hdr))
        elif cli:
            if hl not in ("codec", "lib", "conf") and hdr not in CLI_OK:
                bad.append("%s: the CLI/bgpfeed may not include %s.h (%s)"
                           % (path, hdr, hl))
        elif hl not in USES[layer]:
            bad.append("%s (%s) may not include %s.h (%s)" %
                       (path, layer, hdr, hl))


def main():
    bad = []
    n = 0
    for d in ("include", "bgpd", "bgpfeed"):
        for f in sorted(os.listdir(d)):
            if f.endswith((".c", ".h")):
                check(os.path.join(d, f), bad)
                n += 1
    for b in bad:
        print(b)
    print("layers: %d files, %d violations" % (n, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
