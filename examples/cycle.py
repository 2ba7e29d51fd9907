#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The refslab demo (tests/scenarios/demo.refslab) in Python.

Objects and links, reference counts freeing what they can, then a 2-cycle
that reference counting cannot free, and the collector freeing it: what
CPython's gc does for Python objects, done by the kernel for refslab's.

Run it as root with refslab.ko loaded, from the source tree (it finds
userspace/python/refslab.py and build/librefslab.so) or with the binding
installed:  sudo python3 examples/cycle.py
"""
import os
import sys

try:
    import refslab
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "userspace", "python"))
    import refslab


def show(heap, what):
    st = heap.stats()
    print("%-44s objects %d, handles %d, bytes %d" %
          (what + ":", st["objects"], st["handles"], st["bytes"]))
    return st


def main():
    with refslab.Heap() as heap:
        heap.disable()                  # collect by hand: predictable figures

        print("== objects and links ==")
        shopping = heap.create(slots=2, payload=16)
        shopping.write(0, b"shopping list")
        milk = heap.create(slots=1, payload=8)
        milk.write(0, b"milk")
        eggs = heap.create(slots=1, payload=8)
        eggs.write(0, b"eggs")
        shopping.set_slot(0, milk)
        shopping.set_slot(1, eggs)
        print("refcounts: list %d, milk %d, eggs %d (a handle, and a slot)" %
              (shopping.refcount, milk.refcount, eggs.refcount))
        show(heap, "three objects")

        print("== dropping handles: the list still holds milk and eggs ==")
        del milk, eggs                  # Python drops the handles
        show(heap, "after del milk, eggs")
        first = shopping.get_slot(0)
        print("the list's slot 0 holds %r" % first.read(0, 4))
        first.close()

        print("== dropping the list frees all three at once ==")
        del shopping
        show(heap, "after del shopping")

        print("== a cycle: a <-> b, then every handle dropped ==")
        a = heap.create(slots=1, payload=8)
        b = heap.create(slots=1, payload=8)
        a.set_slot(0, b)
        b.set_slot(0, a)
        print("refcounts: a %d, b %d" % (a.refcount, b.refcount))
        del a, b
        st = show(heap, "after del a, b (refcounts 1)")
        print("pending candidates (get_count): %d" % heap.get_count()[0])

        print("== the collector finds them unreachable ==")
        freed = heap.collect()
        print("collect() freed %d objects" % freed)
        st = show(heap, "after collect()")
        gs = heap.get_stats()[0]
        print("collector: %d collections, %d collected, longest pause %d ns" %
              (gs["collections"], gs["collected"], gs["max_pause_ns"]))
        return 0 if freed == 2 and st["objects"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
