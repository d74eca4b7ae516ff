#!/usr/bin/python3
"""Writes conf/grafana/bgpwatch.json, the Grafana dashboard (docs/lab.md).

One row per panel below: title, type, PromQL queries (legend), unit.
Edit the table and run `/usr/bin/python3 tools/lab_grafana.py` rather
than the JSON; `make lab-test` asks Prometheus every query.
"""
import json
import sys

PANELS = [
    ("Region visibility", "timeseries",
     [("bgpwatch_region_visibility_ratio", "{{region}}")], "percentunit", 12),
    ("Region states", "state-timeline",
     [("max by (region, state) (bgpwatch_region_state) == 1",
       "{{region}} {{state}}")], "none", 12),
    ("Peer states (1 = Established)", "state-timeline",
     [("bgpwatch_peer_up", "{{peer}}")], "none", 12),
    ("Prefixes per peer", "timeseries",
     [("sum by (peer) (bgpwatch_peer_routes)", "{{peer}}")], "short", 12),
    ("Events per second", "timeseries",
     [("sum by (type) (rate(bgpwatch_events_total[1m]))", "{{type}}")],
     "ops", 8),
    ("Event loop stall", "timeseries",
     [("bgpwatch_loop_max_stall_seconds", "worst stall"),
      ("rate(bgpwatch_loop_stalls_over_50ms_total[5m])",
       "stalls over 50 ms per second")], "s", 8),
    ("Memory per subsystem", "timeseries",
     [("bgpwatch_memory_bytes", "{{subsystem}}")], "bytes", 8),
]


def panel(i, x, y, title, kind, queries, unit, width):
    p = {
        "id": i + 1,
        "title": title,
        "type": kind,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [{"refId": chr(ord("A") + k), "expr": q,
                     "legendFormat": leg,
                     "datasource": {"type": "prometheus",
                                    "uid": "${datasource}"}}
                    for k, (q, leg) in enumerate(queries)],
    }
    if kind == "state-timeline":
        p["fieldConfig"]["defaults"]["mappings"] = []
    return p


def main():
    panels, x, y, rowh = [], 0, 0, 0
    for i, (title, kind, queries, unit, width) in enumerate(PANELS):
        if x + width > 24:
            x, y = 0, y + 8
        panels.append(panel(i, x, y, title, kind, queries, unit, width))
        x += width
    dash = {
        "title": "bgpwatch",
        "uid": "bgpwatch",
        "description": "bgpwatch: regions, peers, events, event loop, "
                       "memory (conf/grafana/bgpwatch.json, written by "
                       "tools/lab_grafana.py; docs/lab.md)",
        "tags": ["bgp", "bgpwatch"],
        "schemaVersion": 36,
        "version": 1,
        "editable": True,
        "time": {"from": "now-1h", "to": "now"},
        "refresh": "10s",
        "templating": {"list": [{
            "name": "datasource", "label": "Prometheus",
            "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0}]},
        "annotations": {"list": []},
        "panels": panels,
    }
    out = sys.argv[1] if len(sys.argv) > 1 else "conf/grafana/bgpwatch.json"
    with open(out, "w") as f:
        json.dump(dash, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
