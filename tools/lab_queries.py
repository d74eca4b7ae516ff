#!/usr/bin/python3
"""Prints the PromQL queries make lab-test asks Prometheus, one a line:
QUERY<TAB>METRICS (the bgpwatch_* names it reads, comma-separated).

  tools/lab_queries.py DASHBOARD.json [ALERT-RULES.yml...]

Every target `expr` of the Grafana dashboard as it is; for alert rules,
each metric an `expr` reads (a rule's condition is normally empty: the
metrics under it must not be).
"""
import json
import re
import sys

NAME = re.compile(r"\b(bgpwatch_[a-zA-Z0-9_]+)\b")


def exprs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield v
            else:
                yield from exprs(v)
    elif isinstance(node, list):
        for v in node:
            yield from exprs(v)


def main():
    seen = set()
    out = []
    with open(sys.argv[1]) as f:
        for e in exprs(json.load(f)):
            out.append((e, sorted(set(NAME.findall(e)))))
    for path in sys.argv[2:]:
        import yaml
        with open(path) as f:
            doc = yaml.safe_load(f)
        for e in exprs(doc):
            for m in sorted(set(NAME.findall(e))):
                out.append((m, [m]))
    for q, names in out:
        if q in seen:
            continue
        seen.add(q)
        print("%s\t%s" % (q.replace("\n", " ").replace("\t", " "),
                          ",".join(names)))


if __name__ == "__main__":
    main()
