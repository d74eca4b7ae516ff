"""bgpwatch_subscribe against the event log: `from` 1 replays every
event of the log (bgpwatchctl events prints the same JSON), a later
`from` resumes there, a region filter keeps only that region's events,
and a type filter only those types.  usage: events_check.py URL LOG_JSON"""
import asyncio, json, sys
import websockets

URL, LOG = sys.argv[1:3]
log = [json.loads(l) for l in open(LOG) if l.strip()]
fail = []


def check(c, what):
    if not c:
        fail.append(what)
        print("FAIL:", what, flush=True)


async def fetch(sub, n_expected):
    got = []
    async with websockets.connect(URL, open_timeout=5,
                                  close_timeout=2) as ws:
        await ws.send(json.dumps({"type": "bgpwatch_subscribe",
                                  "data": sub}))
        ok = json.loads(await asyncio.wait_for(ws.recv(), 5))
        check(ok["type"] == "bgpwatch_subscribe_ok", "subscribe ok")
        check(ok["data"]["next_seq"] == log[-1]["seq"] + 1, "next_seq")
        while len(got) < n_expected:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), 3))
            except asyncio.TimeoutError:
                break
            check(m["type"] == "bgpwatch_event", "bgpwatch_event")
            got.append(m["data"])
        try:
            extra = await asyncio.wait_for(ws.recv(), 0.5)
            check(False, "nothing more than expected: " + extra[:200])
        except asyncio.TimeoutError:
            pass
    return got


async def main():
    check(len(log) >= 3, "the log has events (%d)" % len(log))
    check(any(e.get("region") == "R190" for e in log),
          "an event of region R190 in the log")
    got = await fetch({"from": 1}, len(log))
    check(got == log, "from 1: every logged event, equal to the log")
    mid = log[len(log) // 2]["seq"]
    want = [e for e in log if e["seq"] >= mid]
    got = await fetch({"from": mid}, len(want))
    check(got == want, "resume from seq %d" % mid)
    want = [e for e in log if e.get("region") == "R190"]
    got = await fetch({"from": 1, "region": "R190"}, len(want))
    check(got == want and want, "region filter")
    want = [e for e in log if e["type"] in ("peer_up", "peer_down")]
    got = await fetch({"from": 1, "type": ["peer_up", "peer_down"]},
                      len(want))
    check(got == want and want, "type filter")
    print("events: %d in the log, replays equal" % len(log))


asyncio.run(main())
print("FAILED" if fail else "ok")
sys.exit(1 if fail else 0)
