# SPDX-License-Identifier: LGPL-2.1-or-later
"""refslab from Python: a ctypes binding over librefslab (no compiled code).

refslab is a kernel module whose objects are reference counted like
CPython's and whose cycle collector works like CPython's ``gc``.  This
module drives it from Python::

    import refslab

    with refslab.Heap() as heap:          # one open file of /dev/refslab
        heap.disable()                    # like gc.disable()
        a = heap.create(slots=1)
        b = heap.create(slots=1)
        a.set_slot(0, b)                  # a -> b
        b.set_slot(0, a)                  # b -> a: a cycle
        del a, b                          # handles dropped; refcounts stay 1
        print(heap.collect())             # like gc.collect(): prints 2

A ``Heap`` is one open file of /dev/refslab: everything created through it
lives until it is closed (``close()``, ``with``, or when the Heap object is
collected).  An ``Object`` is one *handle* of the heap (a root, like a
Python variable): it drops its handle when it is collected or on
``close()``.  Several Objects may stand for the same kernel object
(``dup()``, ``get_slot()``): each holds its own handle and so one
reference.

The collector's functions have the names and meanings of the ``gc``
module where they map; they are methods of a Heap because each heap has
its own collector settings.  Where they differ:

- refslab has one generation, not three: ``get_threshold()`` and
  ``get_count()`` return 1-tuples, ``get_stats()`` a list of one dict, and
  ``collect()`` takes no generation.
- ``set_threshold(0)`` returns to the adaptive threshold (in ``gc`` a zero
  threshold disables collection: use ``disable()`` for that).
- ``get_count()`` counts candidates waiting for the collector (objects whose
  refcount went down and did not reach zero), not allocations.
- ``freeze()`` and ``unfreeze()`` return how many objects changed state
  (``gc``'s return None).
- ``collect()`` returns the number of objects the collector freed (in
  ``gc``, the unreachable objects found: the same thing here, as refslab
  objects have no finalizers and nothing is uncollectable).

Many objects of one kind at a time cost a fraction of a call each:
``Heap.create_many()``, ``Heap.drop_many()`` and ``Heap.set_slots()`` use
the module's bulk calls (CREATE_N, DROP_N, SET_SLOTS), or on a module
without them (it lacks REFSLAB_FEAT_BULK) one BATCH call per 4096
operations.

The library is found in this order: $REFSLAB_LIB (a path), librefslab.so
next to this file, ../../build/librefslab.so from it (a source tree), then
the installed soname librefslab.so.0.  Errors from the kernel are raised as
OSError with its errno (FileNotFoundError for ENOENT, and so on).
"""

import ctypes
import errno
import os

__all__ = ["Heap", "Object", "NONE", "GENERAL_CACHE", "BULK_MAX", "STATE_IMMORTAL",
           "STATE_CANDIDATE", "STATE_FROZEN", "library_path"]

NONE = 0                # no handle / an empty slot (REFSLAB_NONE)
GENERAL_CACHE = 0       # cache id: pick a size class (REFSLAB_GENERAL_CACHE)
STATE_IMMORTAL = 1 << 0
STATE_CANDIDATE = 1 << 1
STATE_FROZEN = 1 << 2
GC_NOWAIT = 1 << 0
GC_PAUSE_BUCKETS = 8

_u32 = ctypes.c_uint32
_u64 = ctypes.c_uint64
_s32 = ctypes.c_int32
BULK_MAX = 4096         # REFSLAB_BULK_MAX, and REFSLAB_BATCH_MAX


# The uapi structures (uapi/refslab.h) the library fills.
class _Stat(ctypes.Structure):
    _fields_ = [("handle", _u32), ("flags", _u32), ("refcount", _u32),
                ("nslots", _u32), ("payload_size", _u32),
                ("object_size", _u32), ("cache_id", _u32), ("state", _u32),
                ("id", _u64)]


class _HeapStats(ctypes.Structure):
    _fields_ = [(n, _u64) for n in (
        "objects", "bytes", "handles", "caches", "max_objects", "max_bytes",
        "max_handles", "max_caches", "created", "freed", "incref", "decref")]


class _GcCollect(ctypes.Structure):
    _fields_ = [("flags", _u32), ("_pad", _u32), ("collected", _u64),
                ("scanned", _u64), ("deferred", _u64)]


class _GcControl(ctypes.Structure):
    _fields_ = [("flags", _u32), ("enabled", _u32), ("threshold", _u32),
                ("adaptive", _u32)]


class _GcStats(ctypes.Structure):
    _fields_ = [("collections", _u64), ("candidates", _u64),
                ("scanned", _u64), ("collected", _u64), ("deferred", _u64),
                ("pending", _u64), ("threshold", _u32), ("enabled", _u32),
                ("frozen", _u64), ("last_ns", _u64), ("max_ns", _u64),
                ("total_ns", _u64), ("max_pause_ns", _u64),
                ("max_wait_ns", _u64), ("pauses", _u64 * GC_PAUSE_BUCKETS)]


class _SlotSet(ctypes.Structure):
    _fields_ = [("handle", _u32), ("slot", _u32), ("target", _u32),
                ("_pad", _u32)]


class _Op(ctypes.Structure):    # struct refslab_op: args as 12 words
    _fields_ = [("op", _u32), ("result", _s32), ("args", _u32 * 12)]


class _Batch(ctypes.Structure):  # struct refslab_batch_buf
    _fields_ = [("ops", ctypes.POINTER(_Op)), ("count", _u32),
                ("cap", _u32), ("done", _u32)]


def _find_library():
    here = os.path.dirname(os.path.abspath(__file__))
    env = os.environ.get("REFSLAB_LIB")
    if env:
        return env
    for cand in (os.path.join(here, "librefslab.so"),
                 os.path.join(here, "..", "..", "build", "librefslab.so")):
        if os.path.exists(cand):
            return os.path.normpath(cand)
    return "librefslab.so.0"


library_path = _find_library()
_lib = ctypes.CDLL(library_path, use_errno=True)

_P = ctypes.POINTER
_H = ctypes.c_void_p            # struct refslab_heap * (opaque)


def _proto(name, *args):
    f = getattr(_lib, name)
    f.argtypes = list(args)
    f.restype = ctypes.c_int
    return f


_open = _proto("refslab_open", _P(_H))
_open_path = _proto("refslab_open_path", ctypes.c_char_p, _P(_H))
_lib.refslab_close.argtypes = [_H]
_lib.refslab_close.restype = None
_fd = _proto("refslab_fd", _H)
_create = _proto("refslab_create", _H, _u32, _u32, _u32, _P(_u32))
_dup = _proto("refslab_dup", _H, _u32, _P(_u32))
_drop = _proto("refslab_drop", _H, _u32)
_set_slot = _proto("refslab_set_slot", _H, _u32, _u32, _u32)
_get_slot = _proto("refslab_get_slot", _H, _u32, _u32, _P(_u32))
_read = _proto("refslab_read", _H, _u32, _u64, ctypes.c_void_p, _u64)
_write = _proto("refslab_write", _H, _u32, _u64, ctypes.c_void_p, _u64)
_stat = _proto("refslab_stat", _H, _u32, _P(_Stat))
_create_n = _proto("refslab_create_n", _H, _u32, _u32, _u32, _P(_u32), _u32)
_drop_n = _proto("refslab_drop_n", _H, _P(_u32), _u32)
_set_slots = _proto("refslab_set_slots", _H, _P(_SlotSet), _u32)
_batch_run = _proto("refslab_batch_run", _H, _P(_Batch), _u32)
_lib.refslab_batch_init.argtypes = [_P(_Batch)]
_lib.refslab_batch_init.restype = None
_lib.refslab_batch_free.argtypes = [_P(_Batch)]
_lib.refslab_batch_free.restype = None
_batch_create = _proto("refslab_batch_create", _P(_Batch), _u32, _u32, _u32)
_batch_drop = _proto("refslab_batch_drop", _P(_Batch), _u32)
_batch_set_slot = _proto("refslab_batch_set_slot", _P(_Batch), _u32, _u32,
                         _u32)
_heap_stats = _proto("refslab_heap_stats", _H, _P(_HeapStats))
_gc_collect = _proto("refslab_gc_collect", _H, _u32, _P(_GcCollect))
_gc_get = _proto("refslab_gc_get", _H, _P(_GcControl))
_gc_set_enabled = _proto("refslab_gc_set_enabled", _H, ctypes.c_bool)
_gc_set_threshold = _proto("refslab_gc_set_threshold", _H, _u32)
_gc_freeze = _proto("refslab_gc_freeze", _H, _P(_u64))
_gc_unfreeze = _proto("refslab_gc_unfreeze", _H, _P(_u64))
_gc_stats = _proto("refslab_gc_stats", _H, _P(_GcStats))


def _check(err, what):
    if err:
        raise OSError(-err, "%s: %s" % (what, os.strerror(-err)))


def _batch(h, adds):
    """The fallback of the bulk calls: run adds (each a function adding one
    operation to a batch) through REFSLAB_IOC_BATCH, stopping at the first
    failure.  Returns (operations done, error or 0, their ops)."""
    b = _Batch()
    _lib.refslab_batch_init(ctypes.byref(b))
    try:
        for add in adds:
            if add(ctypes.byref(b)) < 0:
                raise MemoryError("refslab batch")
        err = _batch_run(h, ctypes.byref(b), 0)
        # copies: the batch's memory is freed below
        return b.done, err, [_Op.from_buffer_copy(b.ops[i])
                             for i in range(b.done)]
    finally:
        _lib.refslab_batch_free(ctypes.byref(b))


def _as_dict(st):
    return {name: getattr(st, name) for name, _ in st._fields_
            if not name.startswith("_")}


class Heap:
    """One heap: an open file of /dev/refslab (or path, or $REFSLAB_DEVICE).

    Closing it (close(), the end of a with block, or collection of the Heap
    object) frees every object in it; Objects of a closed heap are dead.
    """

    def __init__(self, path=None):
        h = _H()
        if path is None:
            _check(_open(ctypes.byref(h)), "open")
        else:
            _check(_open_path(os.fsencode(path), ctypes.byref(h)),
                   "open %s" % path)
        self._h = h

    # -- the heap itself --

    @property
    def closed(self):
        return self._h is None

    def _handle(self):
        if self._h is None:
            raise ValueError("operation on a closed refslab heap")
        return self._h

    def fileno(self):
        """The heap's descriptor (for poll(), fork(), SCM_RIGHTS)."""
        return _fd(self._handle())

    def close(self):
        """Close the heap: every object in it is freed."""
        if self._h is not None:
            _lib.refslab_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:       # interpreter shutdown: the library may be gone
            pass

    def create(self, slots=0, payload=0, cache=GENERAL_CACHE):
        """A new object with `slots` empty slots and `payload` zeroed bytes:
        its first handle, as an Object."""
        hd = _u32()
        _check(_create(self._handle(), slots, payload, cache,
                       ctypes.byref(hd)), "create")
        return Object(self, hd.value)

    def create_many(self, count, slots=0, payload=0, cache=GENERAL_CACHE):
        """count new objects of one shape (as create()), as a list of
        Objects, in one call per BULK_MAX.  All or nothing: if one cannot
        be made, those made are dropped and OSError is raised."""
        h, objs = self._handle(), []
        try:
            while len(objs) < count:
                n = min(count - len(objs), BULK_MAX)
                hd = (_u32 * n)()
                err = _create_n(h, slots, payload, cache, hd, n)
                if err == -errno.ENOTTY:    # no bulk calls: BATCH
                    _, err, ops = _batch(h, [
                        lambda b: _batch_create(b, slots, payload, cache)] * n)
                    hd = [op.args[4] for op in ops if not op.result]
                elif err:
                    hd = []                 # CREATE_N made nothing
                objs += [Object(self, x) for x in hd]
                _check(err, "create_many")
        except BaseException:
            self.drop_many(objs)
            raise
        return objs

    def drop_many(self, objects):
        """Close every Object of objects (open ones of this heap, each once)
        with one call per BULK_MAX: a call drops all of its handles or,
        raising OSError, none (on a module without bulk calls, those
        before the one that failed)."""
        objects = list(objects)
        if any(o.heap is not self or o.closed for o in objects) or \
                len(set(map(id, objects))) != len(objects):
            raise ValueError("drop_many: an object closed, of another heap "
                             "or given twice")
        h = self._handle()
        for k in range(0, len(objects), BULK_MAX):
            chunk = objects[k:k + BULK_MAX]
            hd = (_u32 * len(chunk))(*[o.handle for o in chunk])
            err = _drop_n(h, hd, len(chunk))
            done = len(chunk) if not err else 0
            if err == -errno.ENOTTY:
                done, err, _ = _batch(h, [
                    lambda b, x=x: _batch_drop(b, x) for x in hd])
            for o in chunk[:done]:
                o.handle = NONE
            _check(err, "drop_many")

    def set_slots(self, stores):
        """Make the slot stores of stores, (object, slot, target or None)
        triples, in order: up to BULK_MAX of them, all checked first, then
        made (on a module without bulk calls, in order until one fails)."""
        sets = []
        for o, slot, t in stores:
            if o.heap is not self or o.closed or (t is not None and (
                    t.heap is not self or t.closed)):
                raise ValueError("set_slots: an object closed or of another "
                                 "heap")
            sets.append((o.handle, slot, NONE if t is None else t.handle))
        if len(sets) > BULK_MAX:
            raise ValueError("set_slots: more than %d stores" % BULK_MAX)
        if not sets:
            return
        h = self._handle()
        arr = (_SlotSet * len(sets))(*[_SlotSet(*x) for x in sets])
        err = _set_slots(h, arr, len(sets))
        if err == -errno.ENOTTY:
            _, err, _ = _batch(h, [
                lambda b, x=x: _batch_set_slot(b, *x) for x in sets])
        _check(err, "set_slots")

    def stats(self):
        """The heap's figures and limits as a dict (objects, bytes, handles,
        caches, max_*, created, freed, incref, decref)."""
        st = _HeapStats()
        _check(_heap_stats(self._handle(), ctypes.byref(st)), "heap stats")
        return _as_dict(st)

    # -- the collector, with gc's names --

    def collect(self, nowait=False):
        """Run a full collection now (gc.collect()): the number of objects
        it freed.  With nowait=True, a collection of this heap that is
        already running raises OSError(EBUSY) instead of being waited for."""
        c = _GcCollect()
        _check(_gc_collect(self._handle(), GC_NOWAIT if nowait else 0,
                           ctypes.byref(c)), "collect")
        return c.collected

    def _control(self):
        c = _GcControl()
        _check(_gc_get(self._handle(), ctypes.byref(c)), "gc control")
        return c

    def enable(self):
        """Automatic collection on (gc.enable())."""
        _check(_gc_set_enabled(self._handle(), True), "gc enable")

    def disable(self):
        """Automatic collection off (gc.disable()); collect() still works."""
        _check(_gc_set_enabled(self._handle(), False), "gc disable")

    def isenabled(self):
        """Whether automatic collection is on (gc.isenabled())."""
        return bool(self._control().enabled)

    def get_threshold(self):
        """(threshold,): candidates that trigger an automatic collection.
        One generation, so a 1-tuple (gc's has three entries)."""
        return (self._control().threshold,)

    def set_threshold(self, threshold0, *ignored):
        """Set the threshold (gc.set_threshold()).  0 returns to the adaptive
        threshold (in gc, 0 disables collection).  Further arguments (gc's
        older generations) are accepted and ignored."""
        _check(_gc_set_threshold(self._handle(), threshold0),
               "gc threshold")

    def isadaptive(self):
        """Whether the threshold adapts (refslab only, not in gc)."""
        return bool(self._control().adaptive)

    def get_count(self):
        """(pending,): candidates waiting for the collector (objects whose
        refcount dropped without reaching zero).  gc.get_count() counts
        allocations per generation instead."""
        return (self._gc_stats().pending,)

    def freeze(self):
        """Freeze every object: collections skip them (gc.freeze()).
        Returns how many objects were frozen (gc.freeze() returns None)."""
        n = _u64()
        _check(_gc_freeze(self._handle(), ctypes.byref(n)), "gc freeze")
        return n.value

    def unfreeze(self):
        """Thaw the frozen objects (gc.unfreeze()); returns how many."""
        n = _u64()
        _check(_gc_unfreeze(self._handle(), ctypes.byref(n)), "gc unfreeze")
        return n.value

    def get_freeze_count(self):
        """Objects frozen now (gc.get_freeze_count())."""
        return self._gc_stats().frozen

    def _gc_stats(self):
        st = _GcStats()
        _check(_gc_stats(self._handle(), ctypes.byref(st)), "gc stats")
        return st

    def get_stats(self):
        """A list of one dict, like gc.get_stats() for its one generation:
        'collections', 'collected', 'uncollectable' (always 0: refslab
        objects have no finalizers), and refslab's own figures: candidates,
        scanned, deferred, pending, frozen, threshold, enabled, last_ns,
        max_ns, total_ns, max_pause_ns, max_wait_ns and pauses (a list of
        counts for <10us, <100us, <1ms, <10ms, <100ms, <1s, <10s, more)."""
        st = self._gc_stats()
        d = {"collections": st.collections, "collected": st.collected,
             "uncollectable": 0}
        for name, _ in st._fields_:
            if name not in d:
                d[name] = getattr(st, name)
        d["pauses"] = list(st.pauses)
        return [d]


class Object:
    """One handle of a Heap, standing for a kernel object.

    The handle is dropped when this Python object is collected or on
    close(); the kernel object lives while some handle or slot refers to it.
    """

    def __init__(self, heap, handle):
        self.heap = heap
        self.handle = handle

    def _h(self):
        if self.handle == NONE:
            raise ValueError("operation on a closed refslab object handle")
        return self.heap._handle()

    @property
    def closed(self):
        return self.handle == NONE

    def close(self):
        """Drop the handle now (the object goes if nothing else refers to
        it).  Closing twice, or after the heap closed, does nothing."""
        hd, self.handle = self.handle, NONE
        if hd != NONE and not self.heap.closed:
            _check(_drop(self.heap._h, hd), "drop")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:       # interpreter shutdown: the library may be gone
            pass

    def __repr__(self):
        if self.closed:
            return "<refslab.Object (closed)>"
        return "<refslab.Object handle %d>" % self.handle

    def dup(self):
        """Another handle to the same object, as a new Object."""
        hd = _u32()
        _check(_dup(self._h(), self.handle, ctypes.byref(hd)), "dup")
        return Object(self.heap, hd.value)

    def set_slot(self, slot, target):
        """Point slot at target's object (an Object), or empty it (None)."""
        t = NONE if target is None else target.handle
        if target is not None and (target.heap is not self.heap or t == NONE):
            raise ValueError("target is closed or of another heap")
        _check(_set_slot(self._h(), self.handle, slot, t), "set_slot")

    def get_slot(self, slot):
        """A new Object (handle) for the slot's object, or None if empty."""
        hd = _u32()
        _check(_get_slot(self._h(), self.handle, slot, ctypes.byref(hd)),
               "get_slot")
        return None if hd.value == NONE else Object(self.heap, hd.value)

    def read(self, offset=0, length=None):
        """length payload bytes from offset (default: to the end)."""
        if length is None:
            length = self.stat()["payload_size"] - offset
        buf = ctypes.create_string_buffer(max(length, 1))
        _check(_read(self._h(), self.handle, offset, buf, length), "read")
        return buf.raw[:length]

    def write(self, offset, data):
        """Write bytes into the payload at offset."""
        data = bytes(data)
        _check(_write(self._h(), self.handle, offset, data, len(data)),
               "write")

    def stat(self):
        """The object's figures: handle, refcount, nslots, payload_size,
        object_size, cache_id, state (STATE_* bits) and id (stable within
        the heap: equal ids are the same object)."""
        st = _Stat()
        _check(_stat(self._h(), self.handle, ctypes.byref(st)), "stat")
        return _as_dict(st)

    @property
    def refcount(self):
        """The kernel object's reference count (handles and slots)."""
        return self.stat()["refcount"]

    @property
    def id(self):
        """The object's stable id in its heap."""
        return self.stat()["id"]
