#!/usr/bin/python3
"""
Which core the receivers of `make bench` run on (tests/bench/run.sh).

The cores of a VM need not be equal: on the 2-core VM of this project's
measurements (docs/performance.md, "The two cores") core 0 ran the same
pure computation 1.6-1.7 times slower than core 1, whatever the program,
so a receiver's CPU time depended on where the scheduler put it (the
"bimodal" one-session loads and replays of earlier runs).  Every
receiver of a comparison (bgpwatchd, BIRD, GoBGP, a replay) therefore
runs on the same core, and the feeders (bgpfeed) on the others.

Calibration: the same loop, pinned to each core in turn, three rounds,
the least CPU time of each; the receivers take the fastest core.

  cores.py        prints "RECV FEED REF" (e.g. "1 0 0.038": the receivers'
                  core, the feeders', the loop's CPU seconds on the
                  receivers' core), the table on stderr
benchlib.core_speed() runs the same loop again after a measurement, so a
run can say whether its core was slowed meanwhile (scale.py's "core"
column).
Environment: BENCH_CPU=N (the receivers' core, no calibration),
BENCH_CPU=none (no pinning: prints nothing).
"""
import os
import sys
import time


def loop_cpu(cpu):
    os.sched_setaffinity(0, {cpu})
    t = time.process_time()
    s = 0
    for i in range(1500000):
        s += i * i
    return time.process_time() - t


def main():
    cpus = sorted(os.sched_getaffinity(0))
    want = os.environ.get("BENCH_CPU", "auto")
    if want == "none" or len(cpus) < 2:
        return
    best = {c: min(loop_cpu(c) for _ in range(3)) for c in cpus}
    os.sched_setaffinity(0, set(cpus))
    if want != "auto":
        recv = int(want)
    else:
        recv = min(cpus, key=lambda c: best[c])
    fast = min(best.values())
    sys.stderr.write("   calibration loop, CPU s per core (least of 3): %s;"
                     " receivers on cpu%d\n" %
                     (", ".join("cpu%d %.3f (%.2fx)" % (c, best[c],
                                                       best[c] / fast)
                                for c in cpus), recv))
    feed = [c for c in cpus if c != recv] or [recv]
    print(recv, ",".join(str(c) for c in feed), "%.4f" % best[recv])


if __name__ == "__main__":
    main()
