#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The refslab:* tracepoints (module/trace.h), with refslab loaded (run by
tests/run-tests.sh under prove, in the VM or with make check HOST=1):

 1. every event is in tracefs (/sys/kernel/tracing, mounted if it is not)
    with its fields;
 2. with refslab:* enabled, `refslabctl run tests/scenarios/trace.refslab` must
    show exactly what the scenario does: 5 obj_create, 3 obj_free
    by=refcount, the 2-cycle freed by=collector, one collection whose
    gc_start/gc_phase/gc_end say 2 candidates, 2 scanned, 2 collected, its
    named cache's slab taken (slab_alloc) and given back (shrink,
    slab_free) when it is destroyed; every event of the process names one
    heap (its id, as the "id" column of debugfs refslab/heaps);
 3. mutator_wait: build/gc_bench's pause case (a thread issuing ioctls
    while the heap is collected, in long slices) must wait, and the longest
    mutator_wait event must equal the max_wait_ns the heap's statistics
    report;
 4. the `perf stat -e 'refslab:*'` line of README.md, run as written,
    counts the scenario's events.

Inside the VM a missing prerequisite (tracefs, the events, perf) fails.
Written in Python, not shell: on the debug kernel under emulation every
process costs seconds, and the checks below would take hundreds of them.
"""
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TR = "/sys/kernel/tracing"
PARAMS = "/sys/module/refslab/parameters"
EVENTS = {
    "obj_create": "heap pid id handle nslots payload size cache",
    "obj_free": "heap pid id by nslots payload size cache",
    "gc_start": "heap pid epoch candidates objects full kthread",
    "gc_phase": "heap pid epoch phase ns members kept",
    "gc_end": "heap pid epoch candidates scanned collected deferred ns held_ns "
              "max_hold_ns slices aborted",
    "mutator_wait": "heap pid ns",
    "slab_alloc": "cache order node pages objects total_pages",
    "slab_free": "cache order node pages objects total_pages",
    "shrink": "cache objects pages reclaim",
}
PLAN = 10
n = 0


def result(good, what, *diag):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if good else "not ok", n, what))
    if not good:
        for d in diag:
            for line in str(d).splitlines():
                print("# " + line)
    sys.stdout.flush()
    return good


def put(path, text):
    with open(path, "w") as f:
        f.write(text)


def get(path):
    with open(path) as f:
        return f.read()


# One event of the trace: "  task-pid [cpu] flags  ts: name: k=v k=v ..."
LINE = re.compile(r"^.*?: ([a-z_]+): (.*)$")


def read_trace(keep):
    """The refslab events of the trace buffer for which keep(fields) holds,
    in order, as (name, {field: value})."""
    out = []
    for line in get(TR + "/trace").splitlines():
        if line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m or m.group(1) not in EVENTS:
            continue
        f = dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)
        if keep(f):
            out.append((m.group(1), f))
    return out


def of(events, name):
    return [f for e, f in events if e == name]


def run_traced(argv, keep, **kw):
    """Run argv with the trace buffer cleared first; its events after."""
    put(TR + "/trace", "")
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, **kw)
    p.stdout_text = p.communicate()[0]
    return p, read_trace(lambda f: keep(p, f))


def main():
    print("1..%d" % PLAN)
    os.chdir(REPO)
    ctl = os.path.join(REPO, "build/refslabctl")

    # ---- 1. tracefs and the events
    if not os.path.isdir(TR + "/events"):
        subprocess.run(["mount", "-t", "tracefs", "nodev", TR])
    missing = [e for e in EVENTS
               if not os.path.isfile("%s/events/refslab/%s/format" % (TR, e))]
    if not result(os.path.isdir(TR + "/events") and not missing,
                  "tracefs at %s has refslab:{%s}" % (TR, ",".join(EVENTS)),
                  "missing: %s" % (missing or "tracefs itself")):
        return 1
    bad = []
    for e, fields in EVENTS.items():
        fmt = get("%s/events/refslab/%s/format" % (TR, e))
        have = re.findall(r"field:[^;]*?\b(\w+)(?:\[\d+\])?;", fmt)
        bad += ["%s.%s" % (e, f) for f in fields.split() if f not in have]
    result(not bad, "each event's format has its fields", "missing: %s" % bad)

    # ---- 2. the scenario, traced
    put(TR + "/tracing_on", "0")
    put(TR + "/buffer_size_kb", "2048")
    put(TR + "/events/refslab/enable", "1")
    put(TR + "/tracing_on", "1")
    try:
        p, ev = run_traced([ctl, "run", "trace.refslab"],
                           lambda p, f: f.get("pid") == str(p.pid) or
                           f.get("cache") == "traced",
                           cwd=os.path.join(REPO, "tests/scenarios"))
    finally:
        put(TR + "/events/refslab/enable", "0")
    pid = str(p.pid)
    result(p.returncode == 0,
           "refslabctl run trace.refslab (pid %s) with refslab:* enabled" % pid,
           "status %d" % p.returncode, p.stdout_text)

    # Which object is which: the creates, in order a b c d e.  The general
    # classes: the smallest holding header (16 bytes), slots and payload:
    # 16 + 16 + 100 -> rs-160, 16 + 1000 -> rs-1024, 16 + 8 + 8 -> rs-32;
    # size is the cache's stride, at least that.
    creates = of(ev, "obj_create")
    want = [(1, 24, "traced", 64), (1, 24, "traced", 64), (2, 100, "rs-160", 160),
            (0, 1000, "rs-1024", 1024), (1, 8, "rs-32", 32)]
    hid = creates[0]["heap"] if creates else None
    good = len(creates) == 5 and all(
        c["pid"] == pid and int(c["nslots"]) == w[0] and
        int(c["payload"]) == w[1] and c["cache"] == w[2] and int(c["size"]) >= w[3]
        for c, w in zip(creates, want))
    # one heap: every event of the process names the same heap id
    good = good and all(f.get("heap", hid) == hid for e, f in ev)
    result(good, "5 obj_create, pid=%s heap=%s, with the scenario's slots, "
           "payloads and caches" % (pid, hid), *creates)
    ids = [c.get("id") for c in creates] + [None] * 5

    frees = of(ev, "obj_free")
    by_rc = [f["id"] for f in frees if f["by"] == "refcount"]
    by_gc = [f for f in frees if f["by"] == "collector"]
    result(len(frees) == 5 and by_rc == [ids[3], ids[2], ids[4]] and
           sorted(f["id"] for f in by_gc) == sorted(ids[:2]) and
           all(f["cache"] == "traced" and f["pid"] == pid for f in by_gc),
           "obj_free: d, c, e by=refcount in that order; a and b (cache "
           "traced) by=collector", "ids a..e: %s" % ids[:5], *frees)

    starts, ends = of(ev, "gc_start"), of(ev, "gc_end")
    start = starts[0] if starts else {}
    end = ends[0] if ends else {}
    epoch = start.get("epoch")
    phases = [f for f in of(ev, "gc_phase") if f["epoch"] == epoch]
    want_start = dict(heap=hid, pid=pid, epoch=epoch, candidates="2", objects="2",
                      full="0", kthread="0")
    want_end = dict(heap=hid, pid=pid, epoch=epoch, candidates="2", scanned="2",
                    collected="2", deferred="0", aborted="0")
    result(len(starts) == 1 and len(ends) == 1 and start == want_start and
           all(end.get(k) == v for k, v in want_end.items()) and
           [f["phase"] for f in phases] == ["cands", "mark", "scan", "free", "detach"] and
           (phases[-1]["members"], phases[-1]["kept"]) == ("2", "0"),
           "one collection: gc_start candidates=2, phases cands..detach, "
           "gc_end scanned=2 collected=2", "start: %s" % starts,
           "phases: %s" % phases, "end: %s" % ends)

    # the collector's two frees come between gc_start and gc_end
    order = [e if e != "obj_free" else "free_" + f["by"] for e, f in ev]
    pos = [i for i, e in enumerate(order) if e == "free_collector"]
    inside = "gc_start" in order and "gc_end" in order and len(pos) == 2 and \
        all(order.index("gc_start") < i < order.index("gc_end") for i in pos)
    hold, held, ns = (int(end.get(k, 0)) for k in ("max_hold_ns", "held_ns", "ns"))
    result(0 < hold <= held <= ns and int(end.get("slices", 0)) >= 1 and inside,
           "gc_end: 0 < max_hold_ns %d <= held_ns %d <= ns %d; the "
           "collector's frees inside it" % (hold, held, ns),
           "end: %s" % end, "events: %s" % order)

    sa = [f for f in of(ev, "slab_alloc") if f["cache"] == "traced"]
    sf = [f for f in of(ev, "slab_free") if f["cache"] == "traced"]
    sh = [f for f in of(ev, "shrink") if f["cache"] == "traced" and f["reclaim"] == "0"]
    pages_a = sum(int(f["pages"]) for f in sa)
    pages_f = sum(int(f["pages"]) for f in sf)
    objs = sum(int(f["objects"]) for f in sa)
    # shrink's objects: what the CPU arrays held (a refill takes a batch of
    # the slab's objects, and a and b went back to them): at least those
    result(len(sa) >= 1 and pages_a == pages_f and
           all(int(f["pages"]) == 1 << int(f["order"]) for f in sa + sf) and
           len(sh) == 1 and 2 <= int(sh[0]["objects"]) <= objs and
           int(sh[0]["pages"]) == pages_a,
           "cache traced: slab_alloc of %d pages, given back by shrink "
           "(objects=%s) and slab_free" % (pages_a, sh[0]["objects"] if sh else "?"),
           "slab_alloc: %s" % sa, "slab_free: %s" % sf, "shrink: %s" % sh)

    # ---- 3. mutator_wait, against the heap's max_wait_ns.  Long holds (one
    # slice per phase) make a wait likely; a run that sees none runs again
    # on 20000 pairs, twice at most.  Under emulation on a loaded host the
    # two vCPUs may never run at the same time, and then no mutator meets
    # a hold: the check is the equality, longest event = max_wait_ns, which
    # is then no event and 0 (the line says how many waits were seen).
    old = {k: get("%s/%s" % (PARAMS, k)).strip()
           for k in ("gc_slice_budget", "gc_slice_us")}
    put(PARAMS + "/gc_slice_budget", "1000000")
    put(PARAMS + "/gc_slice_us", "0")
    put(TR + "/events/refslab/mutator_wait/enable", "1")
    try:
        for pairs in ("2000", "20000", "20000"):
            p, ev = run_traced([os.path.join(REPO, "build/gc_bench"), pairs],
                               lambda p, f: f.get("pid") == str(p.pid))
            waits = [int(f["ns"]) for f in of(ev, "mutator_wait")]
            if waits:
                break
            print("# gc_bench %s: no mutator wait" % pairs)
    finally:
        put(TR + "/events/refslab/mutator_wait/enable", "0")
        for k, v in old.items():
            put("%s/%s" % (PARAMS, k), v)
    m = re.search(r"^bench: gc_max_mutator_wait_ms (\S+)$", p.stdout_text, re.M)
    max_ms = float(m.group(1)) if m else -1
    result(p.returncode == 0 and max_ms >= 0 and
           abs(max(waits or [0]) / 1e6 - max_ms) <= 0.0005,
           "mutator_wait: %d waits while gc_bench collected, longest %s ns = "
           "its max_wait_ns" % (len(waits), max(waits) if waits else None),
           "gc_bench status %d, max_wait %s ms" % (p.returncode, max_ms),
           p.stdout_text)

    # ---- 4. the README's perf line, as written
    m = re.search(r"^perf stat -e 'refslab:\*'.*$", get("README.md"), re.M)
    if not m:
        result(False, "README.md has a perf stat -e 'refslab:*' line")
        return 0
    line = m.group(0)
    p = subprocess.run(["bash", "-c", line], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    counts = {}
    for l in p.stderr.splitlines():
        w = l.split()
        if len(w) >= 2 and w[1].startswith("refslab:"):
            counts[w[1][8:]] = int(w[0].replace(",", "")) if w[0][0].isdigit() else -1
    got = [counts.get(e) for e in
           ("obj_create", "obj_free", "gc_start", "gc_phase", "gc_end", "mutator_wait")]
    result(p.returncode == 0 and got == [5, 5, 1, 5, 1, 0] and
           counts.get("slab_alloc", 0) >= 1,
           "README: %s (obj_create 5, obj_free 5, gc_start 1, gc_phase 5, "
           "gc_end 1)" % line, "status %d, counts %s" % (p.returncode, counts),
           p.stderr)
    return 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        try:
            put(TR + "/events/refslab/enable", "0")
            put(TR + "/trace", "")
        except OSError:
            pass
    sys.exit(rc if n == PLAN else 1)
