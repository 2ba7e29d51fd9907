#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
# Every --json output of refslabctl (TAP, run under prove in the VM with the
# module loaded, as root): it must parse with Python's json module with no
# key twice (an object_pairs_hook that rejects duplicates) and no NaN, and
# its figures must equal what the ioctls report, read here directly with
# struct layouts from uapi/refslab.h.  Two heaps of this process must be
# told apart in `stats --json` by their ids.
# The plan comes last (TAP allows it).  REFSLABCTL overrides the binary (default: build/refslabctl).
import fcntl
import json
import os
import struct
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
CTL = os.environ.get("REFSLABCTL", os.path.join(here, "..", "build", "refslabctl"))
DEV = "/dev/refslab"

# uapi/refslab.h: _IOR(0xB2, nr, struct) on x86
MAGIC = 0xB2


def ior(nr, size):
    return (2 << 30) | (size << 16) | (MAGIC << 8) | nr


def iowr(nr, size):
    return (3 << 30) | (size << 16) | (MAGIC << 8) | nr


VERSION = ("=IIQIIII", 0x00, ior,
           ["major", "minor", "features", "max_slots", "max_payload", "header_bytes", "_r"])
HEAP_STATS = ("=12Q", 0x0C, ior,
              ["objects", "bytes", "handles", "caches", "max_objects", "max_bytes",
               "max_handles", "max_caches", "created", "freed", "incref", "decref"])
GC_STATS = ("=6QII6Q8Q", 0x13, ior,
            ["collections", "candidates", "scanned", "collected", "deferred", "pending",
             "threshold", "enabled", "frozen", "last_ns", "max_ns", "total_ns",
             "max_pause_ns", "max_wait_ns"] + ["p%d" % i for i in range(8)])
STAT = ("=8IQ", 0x08, iowr,
        ["handle", "flags", "refcount", "nslots", "payload_size", "object_size",
         "cache_id", "state", "id"])


def ioctl(fd, what, *args):
    fmt, nr, mk, names = what
    size = struct.calcsize(fmt)
    buf = bytearray(size)
    if args:
        struct.pack_into(fmt[:1] + "I", buf, 0, *args)
    fcntl.ioctl(fd, mk(nr, size), buf)
    return dict(zip(names, struct.unpack(fmt, buf)))


class Dup(Exception):
    pass


def strict_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise Dup("duplicate key %r" % k)
        d[k] = v
    return d


def bad_constant(name):
    raise ValueError("not JSON: %s" % name)


def strict_loads(text):
    return json.loads(text, object_pairs_hook=strict_pairs, parse_constant=bad_constant)


n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        failed += 1
        if diag:
            for line in str(diag).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return cond


def ctl(fd, *args):
    cmd = [CTL] + (["--fd=%d" % fd] if fd is not None else []) + list(args)
    p = subprocess.run(cmd, pass_fds=(fd,) if fd is not None else (),
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    return p.stdout


def ctl_json(name, fd, *args):
    """Run a --json command; its parsed output, or None (a failed test)."""
    try:
        out = ctl(fd, *args)
        val = strict_loads(out)
    except (RuntimeError, ValueError, Dup) as e:
        ok(False, "%s: valid JSON, no key twice" % name, e)
        return None
    ok(True, "%s: valid JSON, no key twice" % name)
    return val


def all_numbers(d, skip=()):
    return all(isinstance(v, int) and not isinstance(v, bool)
               for k, v in d.items() if k not in skip)



# The check itself must catch what it is for.
try:
    strict_loads('{"heap": 1, "heap": 2}')
    ok(False, "the strict loader rejects a duplicate key")
except Dup:
    ok(True, "the strict loader rejects a duplicate key")

a = os.open(DEV, os.O_RDWR)
b = os.open(DEV, os.O_RDWR)
for fd in (a, b):
    ctl(fd, "gc", "disable")		# nothing moves behind the test's back
ctl(a, "cache", "create", "jsoncache", "64", "--align=16")
ha = int(ctl(a, "create", "--slots=2", "--payload", "8", "--cache=jsoncache"))
hb = [int(ctl(b, "create", "--slots=1")) for _ in range(3)]
ctl(b, "link", str(hb[0]), "0", str(hb[1]))
ctl(b, "collect")

# version
v = ctl_json("version", None, "version", "--json")
kv = ioctl(a, VERSION)
ok(v is not None and v["module"] is not None and
   all(v["module"][k] == kv[k] for k in ("major", "minor", "max_slots", "max_payload",
                                          "header_bytes"))
   and v["module"]["feature_mask"] == kv["features"],
   "version: module figures equal REFSLAB_IOC_VERSION", v)
ok(v is not None and isinstance(v["module"]["features"], list) and
   v["librefslab"] == v["refslabctl"], "version: features an array, library version", v)

# heap, per-verb and global --json
h = ctl_json("heap --json", a, "heap", "--json")
kh = ioctl(a, HEAP_STATS)
ok(h == {k: kh[k] for k in HEAP_STATS[3]}, "heap: every figure equals REFSLAB_IOC_HEAP_STATS",
   "%s\n%s" % (h, kh))
h2 = ctl_json("--json heap", a, "--json", "heap")
ok(h2 == h, "--json heap (global option) equals heap --json", h2)

# gc stats and gc show
g = ctl_json("gc stats", b, "gc", "stats", "--json")
kg = ioctl(b, GC_STATS)
want = {k: kg[k] for k in GC_STATS[3][:14]}
want["enabled"] = bool(kg["enabled"])
want["pauses"] = [kg["p%d" % i] for i in range(8)]
ok(g == want, "gc stats: figures equal REFSLAB_IOC_GC_STATS, pauses an array of 8",
   "%s\n%s" % (g, want))
ok(g is not None and g["collections"] >= 1, "gc stats: the collect is counted", g)
gs = ctl_json("gc show", b, "gc", "show", "--json")
ok(gs is not None and gs["enabled"] is False and gs["threshold"] == kg["threshold"] and
   isinstance(gs["adaptive"], bool), "gc show: enabled false, threshold as the ioctl", gs)

# stat
s = ctl_json("stat", a, "stat", "--json", str(ha))
ks = ioctl(a, STAT, ha)
ok(isinstance(s, list) and len(s) == 1 and s[0]["handle"] == ha and
   s[0]["object"] == ks["id"] and s[0]["refcount"] == ks["refcount"] == 1 and
   s[0]["slots"] == ks["nslots"] == 2 and s[0]["payload"] == ks["payload_size"] == 8 and
   s[0]["object_size"] == ks["object_size"] and s[0]["cache"] == ks["cache_id"] and
   s[0]["state"] == [], "stat: an array, figures equal REFSLAB_IOC_STAT", "%s\n%s" % (s, ks))
s3 = ctl_json("stat of three", b, "stat", "--json", *map(str, hb))
ok(isinstance(s3, list) and [x["handle"] for x in s3] == hb and
   [x["refcount"] for x in s3] == [ioctl(b, STAT, x)["refcount"] for x in hb],
   "stat of three handles: three objects, in order", s3)

# cache list
c = ctl_json("cache list", a, "cache", "list", "--json")
ok(isinstance(c, list) and len(c) == 1 and c[0]["name"] == "jsoncache" and
   c[0]["size"] == 64 and c[0]["align"] == 16 and c[0]["objects"] == 1 and
   c[0]["id"] == ks["cache_id"] and all_numbers(c[0], ("name",)),
   "cache list: the cache, its id the object's cache", c)

# limits and collect
lim = ctl_json("limits", a, "limits", "--json")
ok(lim == {"objects": kh["max_objects"], "bytes": kh["max_bytes"],
           "handles": kh["max_handles"], "caches": kh["max_caches"]},
   "limits: equal the heap's limits", lim)
col = ctl_json("collect", b, "collect", "--json")
ok(col is not None and set(col) == {"collected", "scanned", "deferred"} and all_numbers(col),
   "collect: three numbers", col)

# stats: the debugfs views
st = ctl_json("stats", None, "stats", "--json")
if st is None:
    st = {}
ok(set(st) == {"slabinfo", "heaps", "gc", "caches"}, "stats: slabinfo, heaps, gc, caches",
   list(st))
rows = st.get("slabinfo", [])
ok(len(rows) > 0 and all(isinstance(r["name"], str) and all_numbers(r, ("name",))
                         for r in rows) and any(r["name"].startswith("jsoncache") for r in rows),
   "stats: slabinfo rows, names and numbers, the named cache among them", rows[:2])
mine = [r for r in st.get("heaps", []) if r.get("pid") == os.getpid()]
ok(len(mine) == 2 and all(all_numbers(r) for r in mine), "stats: heaps has this process's two heaps",
   st.get("heaps"))
ids = sorted(r["id"] for r in mine)
ok(len(set(ids)) == 2 and all(i > 0 for i in ids), "stats: the two heaps have distinct ids", ids)
by_objects = {r["objects"]: r for r in mine}
ka, kb = ioctl(a, HEAP_STATS), ioctl(b, HEAP_STATS)
ra, rb = by_objects.get(ka["objects"]), by_objects.get(kb["objects"])
ok(ra is not None and rb is not None and ra is not rb and
   all(ra[k] == ka[k] for k in ("objects", "handles", "caches", "created", "max_objects")) and
   all(rb[k] == kb[k] for k in ("objects", "handles", "caches", "created", "max_objects")),
   "stats: each heap's row equals its REFSLAB_IOC_HEAP_STATS", "%s\n%s\n%s" % (mine, ka, kb))
gc = st.get("gc", {})
ok(set(gc) == {"global", "heaps"} and isinstance(gc["heaps"], list),
   "stats: gc has a global object and a heaps array", list(gc))
glob = gc.get("global", {})
ok(isinstance(glob.get("pauses"), list) and len(glob["pauses"]) == 8 and
   all_numbers(glob, ("pauses",)), "stats: gc global figures numbers, pauses an array of 8", glob)
gmine = [x for x in gc.get("heaps", []) if x.get("pid") == os.getpid()]
ok(len(gmine) == 2 and sorted(x["id"] for x in gmine) == ids, "stats: gc heaps carry the same two ids", gmine)
ok(len(gmine) == 2 and all(x["closed"] is False for x in gmine), "stats: gc heaps of open files are not closed", gmine)
gb = [x for x in gmine if rb is not None and x["id"] == rb["id"]]
kg = ioctl(b, GC_STATS)
ok(len(gb) == 1 and gb[0]["collections"] == kg["collections"] and
   gb[0]["pauses"] == [kg["p%d" % i] for i in range(8)] and gb[0]["enabled"] == 0,
   "stats: gc figures of heap b equal its REFSLAB_IOC_GC_STATS", "%s\n%s" % (gb, kg))
ok(len(gmine) == 2 and all(isinstance(x.get("last_phase_ns"), dict) and
                           all_numbers(x["last_phase_ns"]) for x in gmine),
   "stats: last_phase_ns an object of numbers", gmine)
caches = st.get("caches", {})
jc = [v for k, v in caches.items() if k.startswith("jsoncache")] if isinstance(caches, dict) else []
ok(len(jc) >= 1 and all(isinstance(x.get("objects"), int) for x in jc),
   "stats: caches has the named cache with its objects", list(caches)[:5])

os.close(a)
os.close(b)
print("1..%d" % n)
sys.exit(1 if failed else 0)
