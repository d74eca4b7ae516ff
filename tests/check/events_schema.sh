#!/bin/sh
# docs/events.schema.json against docs/events.md, with Debian's
# python3-jsonschema: the schema is a valid draft-07 schema; every JSON
# example of docs/events.md validates; every event type that
# docs/events.md gives a section has a rule in the schema and the
# reverse; and a broken example (a key of the wrong type, a missing
# key, an unknown type) is rejected.  The events real daemons produce
# are validated by tests/check/kafka_*.sh.
PY=/usr/bin/python3
exec "$PY" -B - <<'PYEOF'
import json, re, sys
import jsonschema

schema = json.load(open("docs/events.schema.json"))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema)
fails = 0
docs = open("docs/events.md").read()
examples = [json.loads(l) for l in docs.splitlines() if l.startswith('{"v":1')]
for ev in examples:
    for e in v.iter_errors(ev):
        print("FAIL: docs example seq %s (%s): %s" % (ev["seq"], ev["type"], e.message))
        fails += 1
documented = set()
for h in re.findall(r"^### (.+)$", docs, re.M):
    documented |= {t.strip() for t in h.split(",") if re.fullmatch(r"[a-z_]+", t.strip())}
in_schema = set(schema["properties"]["type"]["enum"])
ruled = {r["if"]["properties"]["type"]["const"] for r in schema["allOf"]}
for t in sorted(documented - in_schema):
    print("FAIL: %s documented in docs/events.md, not in the schema" % t); fails += 1
for t in sorted(in_schema - documented):
    print("FAIL: %s in the schema, not documented in docs/events.md" % t); fails += 1
for t in sorted(in_schema - ruled):
    print("FAIL: %s has no rule in the schema" % t); fails += 1
bad = dict(examples[0]); bad["seq"] = "1"
worse = dict(examples[0]); del worse["peer"]
odd = dict(examples[0]); odd["type"] = "no_such_type"
for name, ev in (("seq as a string", bad), ("peer missing", worse), ("unknown type", odd)):
    if v.is_valid(ev):
        print("FAIL: %s accepted" % name); fails += 1
print("%d examples, %d types documented, %d in the schema: %s" % (
    len(examples), len(documented), len(in_schema), "FAIL" if fails else "ok"))
sys.exit(1 if fails else 0)
PYEOF
