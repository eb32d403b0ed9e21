#!/usr/bin/env python3
"""Paired timing of two commands: python3 scripts/pair.py N "COMMAND A" "COMMAND B".

Runs A and B in ABBA order N times (N pairs), each pair's ratio taken within
the pair so that the machine's state is alike for both, and prints the median
of the pair-by-pair ratios B/A (wall time from perf_counter, CPU time of the
process tree from wait4) with their interquartile ranges. This machine's noise
makes 20 pairs too few for differences of 2-3%; use 60.

The commands are split with shlex and run without a shell; their output is
discarded. A command that fails stops the measurement.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def timed(argv):
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{shlex.join(argv)} failed ({os.waitstatus_to_exitcode(status)})")
    return wall, usage.ru_utime + usage.ru_stime


def quartiles(values):
    q = statistics.quantiles(values, n=4)
    return f"{statistics.median(values):.3f} (IQR {q[0]:.3f}-{q[2]:.3f})"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pairs = int(sys.argv[1])
    a, b = shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
    timed(a), timed(b)  # warm the page cache for both
    walls, cpus, a_walls, b_walls = [], [], [], []
    for i in range(pairs):
        order = (a, b) if i % 2 == 0 else (b, a)
        results = {id(cmd): timed(cmd) for cmd in order}
        (aw, ac), (bw, bc) = results[id(a)], results[id(b)]
        walls.append(bw / aw)
        cpus.append(bc / ac)
        a_walls.append(aw)
        b_walls.append(bw)
    print(f"pairs {pairs}: A median {statistics.median(a_walls):.3f} s, B median {statistics.median(b_walls):.3f} s")
    print(f"B/A wall {quartiles(walls)}")
    print(f"B/A cpu  {quartiles(cpus)}")


if __name__ == "__main__":
    main()
