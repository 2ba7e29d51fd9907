#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""userspace/python/refslab.py against the loaded module, as TAP.

Debian's python3 only (no pip, no pyenv): every method of the binding, that
a dropped Python object drops its kernel handle, that collect() returns what
the kernel counts, and examples/cycle.py.  Needs /dev/refslab (and root and
debugfs for the heap-list case): the VM suite.  Each unittest case is one
TAP line.
"""
import errno
import os
import subprocess
import sys
import time
import traceback
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "userspace", "python"))
import refslab  # noqa: E402

DEBUGFS = os.environ.get("REFSLAB_DEBUGFS_DIR", "/sys/kernel/debug/refslab")


class Base(unittest.TestCase):
    def setUp(self):
        self.heap = refslab.Heap()
        self.heap.disable()     # collections only when a test asks

    def tearDown(self):
        self.heap.close()

    def figure(self, name):
        return self.heap.stats()[name]


class TestLibrary(unittest.TestCase):
    def test_found_in_the_build_tree(self):
        self.assertEqual(os.path.realpath(refslab.library_path),
                         os.path.realpath(os.path.join(TOP, "build",
                                                       "librefslab.so")))


class TestHeap(Base):
    def test_fileno_and_close(self):
        h = refslab.Heap()
        self.assertGreaterEqual(h.fileno(), 0)
        self.assertFalse(h.closed)
        h.close()
        self.assertTrue(h.closed)
        h.close()               # twice is fine
        with self.assertRaises(ValueError):
            h.create()

    def test_with_closes(self):
        with refslab.Heap() as h:
            o = h.create()
        self.assertTrue(h.closed)
        o.close()               # the heap is gone: nothing to drop
        self.assertTrue(o.closed)

    def test_collected_heap_leaves_the_module(self):
        # the heaps file lists the heaps of this process by pid
        def mine():
            with open(os.path.join(DEBUGFS, "heaps")) as f:
                return sum(1 for line in f
                           if line.split()[:1] == [str(os.getpid())])
        before = mine()
        h = refslab.Heap()
        h.create()
        self.assertEqual(mine(), before + 1)
        del h                   # CPython: __del__ at once, the file closed
        for _ in range(50):     # the collector may hold the heap a moment
            if mine() == before:
                break
            time.sleep(0.1)
        self.assertEqual(mine(), before)

    def test_open_path_error(self):
        with self.assertRaises(FileNotFoundError):
            refslab.Heap("/nonexistent/refslab")

    def test_stats(self):
        st = self.heap.stats()
        for k in ("objects", "bytes", "handles", "caches", "max_objects",
                  "created", "freed", "incref", "decref"):
            self.assertIn(k, st)
        self.assertEqual(st["objects"], 0)


class TestObjects(Base):
    def test_create_and_stat(self):
        o = self.heap.create(slots=3, payload=40)
        st = o.stat()
        self.assertEqual(st["nslots"], 3)
        self.assertEqual(st["payload_size"], 40)
        self.assertEqual(st["refcount"], 1)
        self.assertEqual(st["handle"], o.handle)
        self.assertEqual(st["state"] & refslab.STATE_FROZEN, 0)
        self.assertEqual(o.refcount, 1)
        self.assertEqual(self.figure("objects"), 1)
        self.assertEqual(self.figure("handles"), 1)
        self.assertIn("handle %d" % o.handle, repr(o))

    def test_create_error(self):
        with self.assertRaises(OSError) as cm:
            self.heap.create(slots=1 << 30)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_payload(self):
        o = self.heap.create(payload=16)
        o.write(3, b"hello")
        self.assertEqual(o.read(3, 5), b"hello")
        self.assertEqual(o.read(), b"\0\0\0hello" + b"\0" * 8)
        with self.assertRaises(OSError) as cm:
            o.write(12, b"too long")
        self.assertEqual(cm.exception.errno, errno.ERANGE)

    def test_slots(self):
        a = self.heap.create(slots=2)
        b = self.heap.create()
        a.set_slot(1, b)
        self.assertEqual(b.refcount, 2)
        self.assertIsNone(a.get_slot(0))
        got = a.get_slot(1)
        self.assertEqual(got.id, b.id)
        self.assertEqual(b.refcount, 3)         # b, the slot, got
        got.close()
        a.set_slot(1, None)
        self.assertEqual(b.refcount, 1)
        with self.assertRaises(OSError) as cm:
            a.set_slot(2, b)
        self.assertEqual(cm.exception.errno, errno.ERANGE)
        with self.assertRaises(ValueError):
            a.set_slot(0, refslab.Heap().create())

    def test_dup(self):
        a = self.heap.create()
        d = a.dup()
        self.assertNotEqual(d.handle, a.handle)
        self.assertEqual(d.id, a.id)
        self.assertEqual(a.refcount, 2)
        d.close()
        self.assertEqual(a.refcount, 1)

    def test_del_drops_the_kernel_handle(self):
        a = self.heap.create()
        keep = a.dup()
        handle = a.handle
        self.assertEqual(self.figure("handles"), 2)
        del a                   # the Python object goes: so does its handle
        self.assertEqual(self.figure("handles"), 1)
        self.assertEqual(keep.refcount, 1)
        # the kernel forgot that handle number
        ghost = refslab.Object(self.heap, handle)
        with self.assertRaises(FileNotFoundError):
            ghost.stat()
        ghost.handle = refslab.NONE     # nothing to drop
        del keep
        self.assertEqual(self.figure("handles"), 0)
        self.assertEqual(self.figure("objects"), 0)

    def test_close(self):
        a = self.heap.create()
        a.close()
        self.assertTrue(a.closed)
        self.assertEqual(self.figure("objects"), 0)
        a.close()
        with self.assertRaises(ValueError):
            a.stat()
        with self.heap.create() as b:
            self.assertEqual(b.refcount, 1)
        self.assertTrue(b.closed)
        self.assertEqual(self.figure("objects"), 0)


class TestCollector(Base):
    def cycle(self):
        a = self.heap.create(slots=1)
        b = self.heap.create(slots=1)
        a.set_slot(0, b)
        b.set_slot(0, a)
        return a, b

    def test_collect_returns_what_the_kernel_freed(self):
        a, b = self.cycle()
        del a, b
        self.assertEqual(self.figure("objects"), 2)
        freed0 = self.figure("freed")
        before = self.heap.get_stats()[0]
        n = self.heap.collect()
        after = self.heap.get_stats()[0]
        self.assertEqual(n, 2)
        self.assertEqual(after["collected"] - before["collected"], n)
        self.assertEqual(after["collections"], before["collections"] + 1)
        self.assertEqual(self.figure("freed") - freed0, n)
        self.assertEqual(self.figure("objects"), 0)
        self.assertEqual(self.heap.collect(), 0)
        self.assertEqual(self.heap.collect(nowait=True), 0)

    def test_enable_disable(self):
        self.assertFalse(self.heap.isenabled())
        self.heap.enable()
        self.assertTrue(self.heap.isenabled())
        self.heap.disable()
        self.assertFalse(self.heap.isenabled())

    def test_threshold(self):
        self.heap.set_threshold(123)
        self.assertEqual(self.heap.get_threshold(), (123,))
        self.assertFalse(self.heap.isadaptive())
        self.heap.set_threshold(7, 10, 10)      # gc's three arguments
        self.assertEqual(self.heap.get_threshold(), (7,))
        self.heap.set_threshold(0)              # back to adaptive
        self.assertTrue(self.heap.isadaptive())
        self.assertGreater(self.heap.get_threshold()[0], 0)
        self.assertFalse(self.heap.isenabled())  # a threshold does not enable
        with self.assertRaises(OSError) as cm:
            self.heap.set_threshold((1 << 24) + 1)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_get_count(self):
        self.assertEqual(self.heap.get_count(), (0,))
        a, b = self.cycle()
        del a, b                # refcounts 2 -> 1: both are candidates
        self.assertEqual(self.heap.get_count(), (2,))
        self.heap.collect()
        self.assertEqual(self.heap.get_count(), (0,))

    def test_freeze(self):
        a, b = self.cycle()
        self.assertEqual(self.heap.freeze(), 2)
        self.assertEqual(self.heap.get_freeze_count(), 2)
        self.assertTrue(a.stat()["state"] & refslab.STATE_FROZEN)
        del a, b
        self.assertEqual(self.heap.collect(), 0)   # frozen: never scanned
        self.assertEqual(self.figure("objects"), 2)
        self.assertEqual(self.heap.unfreeze(), 2)
        self.assertEqual(self.heap.get_freeze_count(), 0)
        self.assertEqual(self.heap.collect(), 2)

    def test_get_stats(self):
        st = self.heap.get_stats()
        self.assertEqual(len(st), 1)
        d = st[0]
        for k in ("collections", "collected", "uncollectable", "candidates",
                  "scanned", "deferred", "pending", "frozen", "threshold",
                  "enabled", "max_pause_ns", "max_wait_ns"):
            self.assertIsInstance(d[k], int, k)
        self.assertEqual(d["uncollectable"], 0)
        self.assertEqual(len(d["pauses"]), refslab.GC_PAUSE_BUCKETS)
        self.assertEqual(d["enabled"], 0)


class TestBulk(Base):
    """create_many, drop_many, set_slots through the bulk calls; the
    subclass below runs the same cases through their BATCH fallback."""
    no_bulk = False

    def setUp(self):
        super().setUp()
        self.batches = 0
        batch = refslab._batch

        def counted(*args):
            self.batches += 1
            return batch(*args)
        refslab._batch = counted
        if self.no_bulk:
            os.environ["REFSLAB_NO_BULK"] = "1"    # the library says ENOTTY
        self.addCleanup(setattr, refslab, "_batch", batch)
        self.addCleanup(os.environ.pop, "REFSLAB_NO_BULK", None)

    def tearDown(self):
        super().tearDown()
        # the path the class is about, and no other, was taken
        if self.no_bulk:
            self.assertGreater(self.batches, 0)
        else:
            self.assertEqual(self.batches, 0)

    def test_create_many_drop_many(self):
        for n in (1, 5, refslab.BULK_MAX + 3):
            objs = self.heap.create_many(n, slots=1, payload=8)
            self.assertEqual(len(objs), n)
            self.assertEqual(len({o.handle for o in objs}), n)
            self.assertEqual(self.figure("objects"), n)
            st = objs[-1].stat()
            self.assertEqual((st["nslots"], st["payload_size"],
                              st["refcount"]), (1, 8, 1))
            self.heap.drop_many(objs)
            self.assertTrue(all(o.closed for o in objs))
            self.assertEqual(self.figure("objects"), 0)
            self.assertEqual(self.figure("handles"), 0)

    def test_create_many_error(self):
        with self.assertRaises(OSError) as cm:
            self.heap.create_many(3, slots=1 << 30)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(OSError) as cm:
            self.heap.create_many(3, cache=60)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertEqual(self.figure("objects"), 0)
        self.assertEqual(self.figure("handles"), 0)

    def test_drop_many_checks(self):
        a, b = self.heap.create_many(2)
        with self.assertRaises(ValueError):
            self.heap.drop_many([a, a])
        with refslab.Heap() as other:
            with self.assertRaises(ValueError):
                self.heap.drop_many([a, other.create()])
        b.close()
        with self.assertRaises(ValueError):
            self.heap.drop_many([a, b])
        self.assertFalse(a.closed)
        self.assertEqual(self.figure("objects"), 1)

    def test_set_slots_cycle(self):
        a, b, c = self.heap.create_many(3, slots=2)
        self.heap.set_slots([(a, 0, b), (b, 0, a), (a, 1, c), (a, 1, None)])
        self.assertEqual((a.refcount, b.refcount, c.refcount), (2, 2, 1))
        self.heap.drop_many([a, b])
        self.assertEqual(self.figure("objects"), 3)
        self.assertEqual(self.heap.collect(), 2)
        self.assertEqual(self.figure("objects"), 1)

    def test_set_slots_error(self):
        a, b = self.heap.create_many(2, slots=1)
        with self.assertRaises(OSError) as cm:
            self.heap.set_slots([(a, 0, b), (b, 1, a)])
        self.assertEqual(cm.exception.errno, errno.ERANGE)
        if not self.no_bulk:    # all or nothing; BATCH made the first
            self.assertEqual(b.refcount, 1)
        self.assertEqual(a.refcount, 1)


class TestBulkFallback(TestBulk):
    no_bulk = True


class TestExample(unittest.TestCase):
    def test_cycle_py(self):
        p = subprocess.run([sys.executable,
                            os.path.join(TOP, "examples", "cycle.py")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=120,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("collect() freed 2 objects", p.stdout)
        self.assertRegex(p.stdout, r"after del a, b \(refcounts 1\): *objects 2")
        self.assertRegex(p.stdout, r"after collect\(\): *objects 0")


def main():
    cases = []

    def flatten(suite):
        for t in suite:
            if isinstance(t, unittest.TestSuite):
                flatten(t)
            else:
                cases.append(t)
    flatten(unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__]))
    print("1..%d" % len(cases))
    failed = 0
    for i, case in enumerate(cases, 1):
        result = unittest.TestResult()
        case.run(result)
        problems = result.errors + result.failures
        name = case.id().split(".", 1)[1]
        if problems or not result.wasSuccessful():
            failed += 1
            print("not ok %d - %s" % (i, name))
            for _, tb in problems:
                for line in tb.rstrip().splitlines():
                    print("# " + line)
        else:
            print("ok %d - %s" % (i, name))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        print("Bail out! " + traceback.format_exc().splitlines()[-1])
        sys.exit(1)
