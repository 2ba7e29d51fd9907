#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPython's gc on the shapes tests/bench/gc_bench.c gives refslab.

  garbage  N objects in 2-cycles, all garbage: time of gc.collect()
  live     N objects in one big cycle, one reference kept: time of
           gc.collect() (scans them all, frees nothing)
  pause    gc.collect() is stop-the-world: its pause on the garbage heap
           is the whole collection (best of the runs)

Objects are small gc-tracked instances with one reference slot and
nothing else (__slots__ = ("slot",): no __dict__, no weak references, which
refslab objects do not have either), the closest CPython has to a refslab
object with one slot.
With --real, the graph gc_bench --real wrote to GRAPHFILE (a real
program's shape, see real_graph() in gc_bench.c), built as CPython lists in
the same creation order, each list holding its node's slot targets:

  real live     everything reachable from the nodes held: gc.collect()
                time, nothing found
  real garbage  only the held leaves kept: gc.collect() time and the number
                of objects it found (refslab must collect as many)

Prints "bench: <key> <value>" lines; times in seconds.
Usage: gc_cpython.py [N] [RUNS]
       gc_cpython.py --real GRAPHFILE
"""
import array
import gc
import sys
import time


class Obj:
    __slots__ = ("slot",)

    def __init__(self):
        self.slot = None


def garbage(n):
    gc.disable()
    for _ in range(n // 2):
        a = Obj()
        b = Obj()
        a.slot = b
        b.slot = a
    del a, b
    t = time.perf_counter()
    found = gc.collect()
    t = time.perf_counter() - t
    gc.enable()
    return t, found


def live(n):
    gc.disable()
    first = prev = Obj()
    for _ in range(n - 1):
        cur = Obj()
        prev.slot = cur
        prev = cur
    prev.slot = first
    del prev, cur
    gc.collect()        # settle anything else first
    t = time.perf_counter()
    found = gc.collect()
    t = time.perf_counter() - t
    first.slot = None   # break it so the next run starts clean
    del first
    gc.enable()
    return t, found


def real_load(path):
    with open(path, "rb") as f:
        hdr = array.array("I")
        hdr.fromfile(f, 4)
        n, e, nlive, ngarb = hdr
        parts = []
        for count in (n, n, e, nlive, ngarb):
            a = array.array("I")
            a.fromfile(f, count)
            parts.append(a)
    return parts


def real_build(order, deg, tgt):
    nodes = [None] * len(deg)
    for g in order:
        nodes[g] = [None] * deg[g]
    o = 0
    get = nodes.__getitem__
    for g, d in enumerate(deg):
        if d:
            nodes[g][:] = map(get, tgt[o:o + d])
            o += d
    return nodes


def real_case(graph, keep):
    order, deg, tgt = graph[:3]
    gc.disable()
    gc.collect()
    nodes = real_build(order, deg, tgt)
    held = [nodes[g] for g in keep]
    del nodes           # refcounting frees what no cycle keeps
    t = time.perf_counter()
    found = gc.collect()
    t = time.perf_counter() - t
    del held
    gc.collect()
    gc.enable()
    return t, found


def real_main(path):
    graph = real_load(path)
    live, garb = graph[3], graph[4]
    t, found = real_case(graph, live)
    print("bench: cpython_real_live_scan_s %.4f" % t)
    print("bench: cpython_real_live_collected %d" % found)
    t, found = real_case(graph, garb)
    print("bench: cpython_real_garbage_collect_s %.4f" % t)
    print("bench: cpython_real_garbage_collected %d" % found)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--real":
        real_main(sys.argv[2])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    gc.collect()
    g = min(garbage(n)[0] for _ in range(runs))
    lv = min(live(n)[0] for _ in range(runs))
    print("bench: cpython_version %d.%d" % sys.version_info[:2])
    print("bench: cpython_garbage_collect_s %.4f" % g)
    print("bench: cpython_live_scan_s %.4f" % lv)
    print("bench: cpython_full_pause_s %.4f" % g)


if __name__ == "__main__":
    main()
