// SPDX-License-Identifier: GPL-2.0
/*
 * refslab cycle collector: the algorithm and the argument for it.
 *
 * Owns: the per-heap collector state (struct rs_gc_heap, the gc_refs and
 * gc_mark fields of the object table, RS_OBJ_DOOMED), one collection
 * (rs_gc_collect()) and the mutator hooks.  gc_ctl.c has the rest: the
 * refslab_gc kthread, the REFSLAB_IOC_GC_* ioctls, the module parameters,
 * the figures and the debugfs file "gc".
 *
 * Locking (order in heap.h): a collection holds heap->gc.collect_lock from
 * start to end and heap->lock only in slices of at most gc_slice_budget
 * units (one per object visited, one per slot followed).  Everything the
 * collector allocates is allocated before it takes heap->lock; object
 * memory is given back after it drops it.  The write barrier
 * (__rs_gc_touch) and the other hooks run with heap->lock held by a
 * mutator.
 *
 * ALGORITHM.  Trial deletion (Bacon & Rajan 2001; CPython's gc_refs) over
 * the candidates: objects whose refcount was decremented to a non-zero
 * value.  Every garbage cycle contains one, because the last reference
 * from outside into a garbage set was removed by a decrement of one of its
 * members that left it above zero.  The candidate buffer holds object ids
 * (never pointers) and RS_OBJ_BUFFERED says an object is in it.  A
 * collection with epoch E:
 *
 *  1. CANDS.  Take the candidate buffer (mutators start a fresh one) and,
 *     slice by slice, mark each candidate still alive, still BUFFERED and
 *     not yet a member: clear BUFFERED, set gc_mark = E (a "member"),
 *     gc_refs = refcount, append its id to the queue.  (A member found
 *     BUFFERED again was decremented after it was marked: that flag is
 *     the next collection's, and is left alone.)  If a candidate could not
 *     be buffered earlier (cand_overflow), every object of the table is a
 *     candidate.
 *  2. MARK.  Breadth-first through the slots of the queue: each edge from
 *     a member to a member decrements the target's gc_refs; a target not
 *     yet marked is marked first (gc_refs = refcount) and queued.  The
 *     queue is the member list.  Frozen and immortal (saturated) objects
 *     are never members: they are roots and their slots are not followed.
 *  3. SCAN.  Roots are the members with gc_refs > 0 and the members
 *     changed since they were marked.  Whatever a root reaches through the
 *     current slots is made BLACK (kept), using a work stack of ids.
 *  4. Decision, in one hold of heap->lock: when the member list has been
 *     swept, the work stack is empty and nothing overflowed it, the
 *     members that are not BLACK ("white") are garbage.  Each queue entry
 *     is one member (see Identity), and each member is counted once when
 *     it turns BLACK, so when the count reaches the queue length there is
 *     no white member and the collection ends here.
 *  5. FREE.  First mark every white member RS_OBJ_DOOMED in its header
 *     and compact their ids to the front of the queue.  Then, for each
 *     white member: clear its slots, putting those whose target is not
 *     DOOMED (rs_obj_put_deferred: what dies of it is torn down a budget
 *     at a time, rs_obj_teardown, so freeing is bounded per hold too).
 *     DETACH: detach every white member (rs_obj_detach_many: the heap's
 *     counters once per slice) and give the memory back after dropping
 *     the lock (rs_obj_free_list: in bulk, a batch per cache straight
 *     into the slabs, rs_cache_free_bulk).  The flag is what lets FREE
 *     tell garbage from the header it reads to follow the slot, where the
 *     mark would cost the target's table entry too; it needs no clearing,
 *     as every DOOMED object is detached by the same collection, and
 *     only the collector can reach it meanwhile (see below).  FREE reads
 *     the headers of garbage targets, so DETACH, which gives garbage
 *     memory back, begins only after FREE's last slice; every white
 *     member's slots are read once, in FREE's second pass.
 *
 * Identity.  The collector keeps object ids, never pointers, across its
 * lock drops: the queue, the work stack and the candidate buffer hold
 * table indices.  An index names one object only as long as its entry is
 * not reused, so from the first slice of a collection to its last a freed
 * entry is not given out again: object.c keeps it in limbo
 * (rs_objs_hold/rs_objs_unhold) and the table grows instead.  So within a
 * collection an id names the object it named when it was queued, or
 * nothing once that object died (its gc_mark is cleared then, so it is no
 * member any more).  Ids in the candidate buffer taken at the start may
 * predate the collection (an entry reused before it began, or the same id
 * buffered twice); CANDS takes an object only when it is BUFFERED and not
 * yet a member, and MARK enqueues only non-members, so every member is in
 * the queue exactly once, and MARK reads the slots of each member at most
 * once.  Without the hold, a member that died and whose entry was reused
 * by a new candidate would be queued a second time under the same id and
 * its slots counted twice, driving gc_refs of a live object to zero.
 *
 * CONCURRENCY.  Between slices mutators run.  While a collection is active
 * the write barrier runs before every change of an object's refcount or
 * slots; if the object is a member it gets DIRTY and PENDING and its id is
 * pushed on the work stack (if the stack is full, dirty_overflow makes
 * the collector sweep the member list for PENDING marks).  A PENDING
 * member is a root: SCAN blackens it and (re)traverses its current slots.
 *
 * Why white members are garbage.  Let X be a white member at the decision
 * time T.  X is not DIRTY (every DIRTY member is PENDING, and every
 * PENDING one is blackened before T), so X's refcount and the multiset of
 * references into it (handles and slots) have not changed since X was
 * marked at tm(X): any change goes through the barrier.  Every edge MARK
 * subtracted from gc_refs(X) was a distinct slot (Y, i) read at a time >=
 * tm(X) (the edge that first reaches X is read when X is marked), so it is
 * one of those references, and gc_refs(X) = refcount - (edges counted)
 * >= 0.  X white means gc_refs(X) = 0: every reference into X is a slot
 * of a member, none is a handle.  Each such member Y is white too: at T
 * the black set is closed under current slots (a black object's slots are
 * traversed when it is blackened and again each time it changes, because
 * the change makes it PENDING; the decision waits for no PENDING object),
 * so a black Y would have made X black.  So the white set W is closed
 * under predecessors at T: no handle reaches it and no object outside it
 * points into it.  Mutators reach objects only through handles and slots
 * of reachable objects, so from T on nothing can reach, revive or change
 * W; the collector frees it alone.  The objects W points at from outside
 * are not in W and get a normal put.
 *
 * A revival (dup, get-slot, set-slot, batch) while the collector decides
 * goes through the barrier before the decision, because it needs heap->lock
 * which the deciding slice holds; the revived object becomes a root and
 * wins.  This is the AF_UNIX lesson (CVE-2021-0920: MSG_PEEK duplicated a
 * reference without the collector's lock): there is no path that creates
 * a reference without heap->lock.  A handle that CREATE, DUP or GET_SLOT
 * reserves (object.c: reserve, copy out, publish) holds its reference,
 * taken through rs_obj_get_locked() and so the barrier, from the
 * reservation on: the collector counts it like any handle.  Publishing
 * changes no count, and a reservation given back is dropped by
 * rs_obj_put_locked(), the barrier again.  The bulk calls add no new
 * path: CREATE_N installs each object as CREATE does (rs_obj_install:
 * rs_gc_created, the handle reserved with its reference), DROP_N hides
 * its handles (reserved again, their references still counted) and puts
 * them with rs_obj_put_locked(), and SET_SLOTS stores through
 * rs_slot_store(), SET_SLOT's barrier.  Nor does a batch group
 * (object.c, rs_group_*): in one hold of heap->lock it runs the single
 * commands' locked bodies (rs_dup_locked, rs_drop_locked,
 * rs_set_slot_locked) and installs the objects it made before the hold
 * with rs_obj_install, as CREATE does; its results and handles are
 * written back in the hold, and a handle it could not write stays
 * reserved, its reference counted, until it is written or dropped.  A
 * table entry is given out only from the free chain, which a collection
 * holds still (Identity).
 *
 * Deferral.  Whatever cannot be proved dead is kept: dirty members, members
 * reached only through a frozen, immortal or not-followed object (the
 * queue is preallocated; if it is full an edge to an unmarked object is
 * simply not followed: the target keeps its count, so what it reaches is
 * rooted).  Garbage can become unreachable only through a decrement, and
 * a decrement during the collection buffers its object again (BUFFERED
 * was cleared when it was marked), so nothing needs to be handed back,
 * except when the collection gives up or could not follow an edge: then
 * cand_overflow makes the next collection scan the whole table.
 *
 * Bounded pauses.  Every phase keeps a cursor and works at most
 * gc_slice_budget units per hold (an object with many slots may overshoot
 * by its slot count, at most REFSLAB_MAX_SLOTS); FREE's teardown of what
 * the garbage held alone is spread over holds the same way.  The decision
 * loop waits for a slice that ends with the work stack empty; if mutators
 * keep it busy the budget doubles every 16 slices, which bounds the number
 * of slices at the price of a longer hold only under that contention.
 * FREE never takes the doubled budget (rs_gc_reserve()).  The clock is
 * read once per RS_GC_CLOCK_UNITS units, to end a hold at gc_slice_us.
 *
 * Heap dumps.  From the decision to the end of the collection, gc.doomed
 * holds its mark, so that REFSLAB_IOC_HEAP_DUMP (dump.c) skips the white
 * members (rs_gc_doomed()) and never reads their slots, which may point
 * at white members already freed.
 *
 * Generations.  Long-lived objects are not rescanned: only candidates and
 * what they reach are examined; gc.freeze() is REFSLAB_IOC_GC_FREEZE.
 *
 * Checking it.  gc_slice_budget=1 makes every object a slice; the
 * debugfs file gc_step stops a test's collection at each lock drop so the
 * test can run any mutator operation there (tests/user/test_gc_step.c
 * enumerates them against a userspace model); gc_verify=1 checks each
 * heap's refcounts and reachability after every collection (verify.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "heap.h"
#include "object.h"
#include "gc_int.h"
#include "verify.h"
#include "gc_step.h"
#include "trace.h"

/* entry.gc_mark: the collection's epoch above the colour bits. */
#define RS_GC_BLACK		0x1u	/* reachable from a root: kept */
#define RS_GC_PENDING		0x2u	/* slots must be (re)traversed */
#define RS_GC_DIRTY		0x4u	/* changed during this collection */
#define RS_GC_FLAGS		0xfu
#define RS_GC_EPOCH_SHIFT	4
#define RS_GC_EPOCH_MAX		(U32_MAX >> RS_GC_EPOCH_SHIFT)

#define RS_GC_CLOCK_UNITS	64	/* budget units between clock reads */
#define RS_GC_FREE_BUDGET_MAX	BIT(20)	/* see rs_gc_reserve() */

static_assert(ARRAY_SIZE(((struct rs_gc_heap *)0)->phase_ns) == RS_GC_PHASES);

/* One collection; lives on the collector's stack. */
struct rs_gc_run {
	struct rs_heap *h;
	enum rs_gc_phase phase;
	u32 mark;
	bool full;		/* every object of the table is a candidate */
	bool lost;		/* an edge was not followed: full scan next */
	bool grow;		/* the queue must grow before going on */
	bool nogrow;		/* it could not: edges may be dropped */
	bool intr;		/* a signal aborts (synchronous collect) */
	bool kthread;
	u32 *cand;		/* the candidate buffer taken from the heap */
	u32 ncand, cand_cap;
	u32 *q;			/* members, in marking order */
	u32 qcap, qn;
	u32 qwant;		/* first size when the queue is allocated */
	u64 peak;		/* most buffer bytes held at once */
	u64 phase_ns[RS_GC_PHASES];	/* time in each phase, lock held */
	u32 *stack;		/* installed as h->gc.dirty while active */
	u32 scap;
	u32 cur;		/* cursor of the current phase */
	u32 nwhite;		/* garbage ids compacted at q[0..nwhite) */
	bool doomed;		/* ... all of them, and RS_OBJ_DOOMED (FREE) */
	u32 nblack;		/* members made BLACK (each once) */
	u32 sweeps;		/* SCAN sweeps of the member list */
	u32 late_slices;	/* SCAN slices after the first sweep */
	long budget;
	long clock_at;		/* read the clock when budget reaches it */
	u64 t0;			/* when the collection was called */
	u64 t_lock;
	u64 deadline;		/* end of this hold by the clock */
	u64 held, max_hold;	/* lock held: in all, longest hold */
	u32 slices;		/* holds of heap->lock */
	u64 examined, scanned, freed;
	struct rs_obj *tear;	/* dead, slots not yet put (FREE) */
	struct rs_freelist fl;
	bool stepped;		/* test stepping (gc_step) applies */
};

static inline bool rs_gc_member(const struct rs_entry *e, u32 mark)
{
	return (e->gc_mark & ~RS_GC_FLAGS) == mark;
}

/* refcount_t saturates at REFCOUNT_SATURATED, which reads above INT_MAX. */
static inline bool rs_gc_immortal(struct rs_obj *o)
{
	return refcount_read(&o->ref) > INT_MAX;
}

/* ---- candidate buffer (heap->lock held) ---- */

/*
 * Drop stale ids (dead objects, or objects no longer BUFFERED) and
 * duplicates from the candidate buffer.  A duplicate can exist when an
 * entry is reused: the old object's id stays in the buffer.
 */
static void rs_gc_cand_compact(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;
	u32 i, n = 0;

	for (i = 0; i < g->ncand; i++) {
		u32 id = g->cand[i];
		struct rs_obj *o;

		if (id >= h->objs_cap)
			continue;
		o = h->objs[id].obj;
		if (!o || !(o->flags & RS_OBJ_BUFFERED))
			continue;
		o->flags &= ~RS_OBJ_BUFFERED;	/* later copies are dropped */
		g->cand[n++] = id;
	}
	for (i = 0; i < n; i++)
		h->objs[g->cand[i]].obj->flags |= RS_OBJ_BUFFERED;
	g->ncand = n;
}

/*
 * Install @buf (@cap entries) as the candidate buffer if it is larger than
 * the current one and holds its contents; returns what the caller must
 * kvfree() after dropping heap->lock.
 */
static u32 *rs_gc_cand_install(struct rs_heap *h, u32 *buf, u32 cap)
{
	struct rs_gc_heap *g = &h->gc;
	u32 *old;

	if (cap <= g->cand_cap || cap < g->ncand)
		return buf;
	if (g->ncand)
		memcpy(buf, g->cand, g->ncand * sizeof(*buf));
	old = g->cand;
	g->cand = buf;
	g->cand_cap = cap;
	return old;
}

static u32 rs_gc_cand_want(u32 n)
{
	return max_t(u32, 64, n + n / 2 + 16);
}

/* Mutator context, heap->lock held: make room for one more candidate. */
static bool rs_gc_cand_room(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;
	u32 cap, *buf;

	if (g->ncand < g->cand_cap)
		return true;
	if (g->ncand > 2 * g->nbuffered + 64) {
		rs_gc_cand_compact(h);
		if (g->ncand < g->cand_cap)
			return true;
	}
	if (g->no_alloc || g->cand_cap >= U32_MAX / 2)
		return false;
	cap = rs_gc_cand_want(g->cand_cap);
	buf = rs_heap_kvmalloc_array(h, cap, sizeof(*buf));
	if (!buf)
		return false;
	kvfree(rs_gc_cand_install(h, buf, cap));
	return true;
}

void rs_gc_maybe_kick(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;

	if (!g->enabled || g->kicked)
		return;
	if (g->nbuffered >= g->threshold ||
	    (g->nbuffered && g->allocs_since >= 4ULL * g->threshold))
		rs_gc_kick(h);
}

void rs_gc_decref(struct rs_heap *h, struct rs_obj *o)
{
	struct rs_gc_heap *g = &h->gc;

	if (o->flags & (RS_OBJ_BUFFERED | RS_OBJ_FROZEN | RS_OBJ_DEAD))
		return;
	if (!rs_gc_cand_room(h)) {
		g->cand_overflow = true;
		return;
	}
	g->cand[g->ncand++] = o->id;
	o->flags |= RS_OBJ_BUFFERED;
	g->nbuffered++;
	rs_gc_maybe_kick(h);
}

void rs_gc_created(struct rs_heap *h, struct rs_obj *o)
{
	h->gc.allocs_since++;
	rs_gc_maybe_kick(h);
}

void __rs_gc_forget(struct rs_heap *h, struct rs_obj *o)
{
	struct rs_gc_heap *g = &h->gc;

	if (o->flags & RS_OBJ_BUFFERED) {
		o->flags &= ~RS_OBJ_BUFFERED;
		g->nbuffered--;
	}
	if (o->flags & RS_OBJ_FROZEN) {
		o->flags &= ~RS_OBJ_FROZEN;
		g->nfrozen--;
	}
}

/*
 * Heap dumps (dump.c) skip the members a collection has proved to be
 * garbage, from its decision until it ends: their slots may point at
 * garbage already freed.
 */
bool rs_gc_doomed(struct rs_heap *h, u32 id)
{
	const struct rs_entry *e = &h->objs[id];

	lockdep_assert_held(&h->lock);
	return h->gc.doomed && rs_gc_member(e, h->gc.doomed) &&
	       !(e->gc_mark & RS_GC_BLACK);
}

/* ---- write barrier (heap->lock held, collection active) ---- */

static inline void rs_gc_push(struct rs_gc_heap *g, u32 id)
{
	if (g->ndirty < g->dirty_cap)
		g->dirty[g->ndirty++] = id;
	else
		g->dirty_overflow = true;
}

void __rs_gc_touch(struct rs_heap *h, struct rs_obj *o)
{
	struct rs_gc_heap *g = &h->gc;
	struct rs_entry *e;
	u32 m;

	if (o->id >= h->objs_cap)
		return;
	e = &h->objs[o->id];
	m = e->gc_mark;
	if (e->obj != o || (m & ~RS_GC_FLAGS) != g->mark)
		return;
	if (!(m & RS_GC_DIRTY)) {
		m |= RS_GC_DIRTY;
		g->ndeferred++;
	}
	if (!(m & RS_GC_PENDING)) {
		m |= RS_GC_PENDING;
		rs_gc_push(g, o->id);
	}
	e->gc_mark = m;
}

/* ---- lock holds of the collector ---- */

static void rs_gc_lock(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	unsigned int shift = min(r->late_slices / 16, 16u);

	lockdep_assert_held(&h->gc.collect_lock);	/* 3a, then 3b */
	mutex_lock(&h->lock);
	WRITE_ONCE(h->gc.holding, true);
	WRITE_ONCE(h->gc.lock_seq, h->gc.lock_seq + 1);
	r->t_lock = ktime_get_ns();
	r->budget = (long)max(rs_gc_slice_budget, 1u) << shift;
	r->clock_at = r->budget - RS_GC_CLOCK_UNITS;
	r->deadline = U64_MAX;
	if (rs_gc_slice_us && !shift)
		r->deadline = r->t_lock + (u64)rs_gc_slice_us * NSEC_PER_USEC;
}

/*
 * Is the slice's budget spent?  The clock ends the hold early when the
 * machine is slow (emulation, a loaded host); it is read once per
 * RS_GC_CLOCK_UNITS units of budget.  The phases keep @budget and
 * @clock_at in locals for their loops (see "Slice-local state").
 */
static inline bool rs_gc_spent(const struct rs_gc_run *r, long *budget,
			       long *clock_at)
{
	if (unlikely(*budget <= *clock_at)) {
		*clock_at = *budget - RS_GC_CLOCK_UNITS;
		if (ktime_get_ns() > r->deadline)
			*budget = 0;
	}
	return *budget <= 0;
}

static void rs_gc_unlock(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	u64 d = ktime_get_ns() - r->t_lock;

	rs_gc_count_pause(&h->gc.stats, d);
	r->held += d;
	r->max_hold = max(r->max_hold, d);
	r->slices++;
	WRITE_ONCE(h->gc.holding, false);
	mutex_unlock(&h->lock);
	rs_gc_global_pause(d);
}

void rs_gc_lock_wait(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;
	u32 seq = READ_ONCE(g->lock_seq);
	bool gc = READ_ONCE(g->holding);
	u64 t0 = ktime_get_ns(), d;

	atomic_inc(&g->waiters);
	mutex_lock(&h->lock);
	atomic_dec(&g->waiters);
	if (!gc && g->lock_seq == seq)
		return;		/* waited on other mutators only */
	d = ktime_get_ns() - t0;
	if (d > g->stats.max_wait_ns)
		g->stats.max_wait_ns = d;
	trace_mutator_wait(h, d);
}

/*
 * Between two slices: a mutual exclusion lock that is released and taken
 * again at once is usually taken again by the same task, and a mutator
 * blocked on it would wait for the whole collection.  So when mutators
 * wait, let them have the lock first (bounded, in case one is slow to be
 * scheduled).
 */
void rs_gc_yield(struct rs_heap *h)
{
	u64 until;

	cond_resched();
	if (!atomic_read(&h->gc.waiters))
		return;
	until = ktime_get_ns() + 2 * NSEC_PER_MSEC;
	while (atomic_read(&h->gc.waiters) && ktime_get_ns() < until) {
		cond_resched();
		cpu_relax();
	}
}

/* ---- test stepping (gc_step.c) ---- */

static void rs_gc_step_begin(struct rs_gc_run *r)
{
	r->stepped = !r->kthread && rs_step_begin();
}

/* A point: heap->lock is not held; @r->phase runs next. */
static void rs_gc_step(struct rs_gc_run *r)
{
	lockdep_assert_not_held(&r->h->lock);
	if (unlikely(r->stepped))
		r->stepped = rs_step_point(rs_gc_phase_name[r->phase]);
}

static void rs_gc_step_end(struct rs_gc_run *r)
{
	if (unlikely(r->stepped))
		rs_step_end();
}

/* ---- the phases; each runs with heap->lock held and spends r->budget ---- */

/*
 * Slice-local state.  Each phase copies what its loop changes (cursor,
 * queue length, budget, counters) into locals and writes them back when
 * the slice ends: the loops store into u32 arrays (the queue, gc_mark,
 * gc_refs), which the compiler must otherwise assume may be the run's own
 * u32 fields, reloading them at every step.  The table (h->objs) may move
 * between slices when it grows, never within one.
 */

/*
 * A phase's slice ends: its cursor and budget go back to @r; when the
 * phase is @done, @next begins at cursor 0.
 */
static inline void rs_gc_slice_end(struct rs_gc_run *r, u32 cur, long budget,
				   long clock_at, bool done,
				   enum rs_gc_phase next)
{
	r->cur = done ? 0 : cur;
	r->budget = budget;
	r->clock_at = clock_at;
	if (done)
		r->phase = next;
}

/*
 * The table entry of the target of the next non-empty slot among
 * @slots[*@i..@n), with *@i moved past it; NULL when none is left.
 */
static inline struct rs_entry *rs_gc_next_target(struct rs_entry *objs,
						 struct rs_obj **slots,
						 unsigned int n,
						 unsigned int *i)
{
	while (*i < n) {
		struct rs_obj *t = slots[(*i)++];

		if (t)
			return &objs[t->id];
	}
	return NULL;
}

/* Mark @o (entry @e, id @id) a member and append it to the queue. */
static inline bool rs_gc_enqueue(struct rs_gc_run *r, u32 *q, u32 *qn,
				 u32 qcap, struct rs_entry *e,
				 struct rs_obj *o, u32 id)
{
	if ((o->flags & RS_OBJ_FROZEN) || rs_gc_immortal(o))
		return false;
	if (*qn == qcap) {
		r->lost = true;	/* not followed: its targets stay rooted */
		return false;
	}
	e->gc_mark = r->mark;
	e->gc_refs = refcount_read(&o->ref);
	q[(*qn)++] = id;
	return true;
}

static void rs_gc_cands(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_entry *objs = h->objs;
	const u32 cap = h->objs_cap, mark = r->mark;
	const u32 end = r->full ? cap : r->ncand;
	u32 *q = r->q, *cand = r->full ? NULL : q;
	const u32 qcap = r->qcap;
	u32 cur = r->cur, qn = r->qn, unbuffered = 0;
	long budget = r->budget, clock_at = r->clock_at;
	u64 examined = 0;

	while (cur < end && !rs_gc_spent(r, &budget, &clock_at)) {
		u32 id = cand ? cand[cur] : cur;
		struct rs_entry *e;
		struct rs_obj *o;

		if (qn == qcap && !r->nogrow) {
			r->grow = true;
			break;
		}
		cur++;
		budget--;
		if (id >= cap)
			continue;
		e = &objs[id];
		o = e->obj;
		/*
		 * A member's BUFFERED flag was set by a decrement after it was
		 * marked (this id is a duplicate): it is the next collection's.
		 */
		if (!o || rs_gc_member(e, mark))
			continue;
		if (o->flags & RS_OBJ_BUFFERED) {
			o->flags &= ~RS_OBJ_BUFFERED;
			unbuffered++;
		} else if (cand) {
			continue;	/* stale id */
		}
		examined++;
		rs_gc_enqueue(r, q, &qn, qcap, e, o, id);
	}
	h->gc.nbuffered -= unbuffered;
	r->examined += examined;
	r->qn = qn;
	rs_gc_slice_end(r, cur, budget, clock_at, cur >= end, RS_GC_MARK);
}

static void rs_gc_mark(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_entry *objs = h->objs;
	const u32 cap = h->objs_cap, mark = r->mark;
	u32 *q = r->q, cur = r->cur, qn = r->qn;
	const u32 qcap = r->qcap;
	long budget = r->budget, clock_at = r->clock_at;
	u64 scanned = 0;

	while (cur < qn && !rs_gc_spent(r, &budget, &clock_at)) {
		u32 id = q[cur];
		struct rs_entry *e, *te;
		struct rs_obj *o, **slots;
		unsigned int i, n;

		if (id >= cap) {
			cur++;
			continue;
		}
		e = &objs[id];
		o = e->obj;
		if (o && qcap - qn < o->nslots && !r->nogrow) {
			r->grow = true;	/* room for every target first */
			break;
		}
		cur++;
		budget--;
		if (!o || !rs_gc_member(e, mark))
			continue;	/* died meanwhile */
		if (e->gc_mark & RS_GC_PENDING)
			continue;	/* changed: a root, no need to look */
		scanned++;
		n = o->nslots;
		slots = rs_obj_slots(o);
		i = 0;
		while ((te = rs_gc_next_target(objs, slots, n, &i))) {
			if (rs_gc_member(te, mark)) {
				if (te->gc_refs)
					te->gc_refs--;
			} else if (rs_gc_enqueue(r, q, &qn, qcap, te, te->obj,
						 te - objs)) {
				te->gc_refs--;
			}
		}
		budget -= n;
	}
	r->scanned += scanned;
	r->qn = qn;
	rs_gc_slice_end(r, cur, budget, clock_at, cur >= qn, RS_GC_SCAN);
}

/*
 * Blacken the PENDING member @e and what it leads to while the budget
 * lasts: each blackened member marks PENDING the members its slots reach;
 * all but the last are pushed on the work stack, the last is blackened
 * next, so that a chain needs no stack traffic.  A member left when the
 * budget is spent is pushed too.
 */
static void rs_gc_follow(struct rs_gc_run *r, struct rs_entry *e)
{
	struct rs_gc_heap *g = &r->h->gc;
	struct rs_entry *objs = r->h->objs;
	const u32 mark = r->mark;
	long budget = r->budget, clock_at = r->clock_at;
	u32 nblack = r->nblack;

	while (e) {
		struct rs_obj *o, **slots;
		struct rs_entry *te, *next = NULL;
		unsigned int i, n;

		if (rs_gc_spent(r, &budget, &clock_at)) {
			rs_gc_push(g, e - objs);
			break;
		}
		if (!(e->gc_mark & RS_GC_BLACK))
			nblack++;
		e->gc_mark = (e->gc_mark & ~RS_GC_PENDING) | RS_GC_BLACK;
		o = e->obj;
		n = o->nslots;
		slots = rs_obj_slots(o);
		i = 0;
		while ((te = rs_gc_next_target(objs, slots, n, &i))) {
			if (!rs_gc_member(te, mark) ||
			    (te->gc_mark & (RS_GC_BLACK | RS_GC_PENDING)))
				continue;
			te->gc_mark |= RS_GC_BLACK | RS_GC_PENDING;
			nblack++;
			if (next)
				rs_gc_push(g, next - objs);
			next = te;
		}
		budget -= 1 + n;
		e = next;
	}
	r->nblack = nblack;
	r->budget = budget;
	r->clock_at = clock_at;
}

static void rs_gc_drain(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;

	while (g->ndirty && r->budget > 0) {
		u32 id = g->dirty[--g->ndirty];
		struct rs_entry *e;

		if (id >= h->objs_cap)
			continue;
		e = &h->objs[id];
		if (e->obj && rs_gc_member(e, r->mark) &&
		    (e->gc_mark & RS_GC_PENDING))
			rs_gc_follow(r, e);
	}
}

/* Returns true when the white members are proved garbage. */
static bool rs_gc_scan(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;
	struct rs_entry *objs = h->objs;
	const u32 cap = h->objs_cap, mark = r->mark, qn = r->qn;
	const u32 *q = r->q;
	u32 cur = r->cur;
	long budget, clock_at;

	rs_gc_drain(r);
	budget = r->budget;
	clock_at = r->clock_at;
	while (cur < qn && !rs_gc_spent(r, &budget, &clock_at)) {
		u32 id = q[cur++];
		struct rs_entry *e;
		u32 m;

		budget--;
		if (id >= cap)
			continue;
		e = &objs[id];
		m = e->gc_mark;
		if ((m & ~RS_GC_FLAGS) != mark || !e->obj)
			continue;
		if ((m & RS_GC_PENDING) ||
		    (!(m & RS_GC_BLACK) && e->gc_refs)) {
			e->gc_mark = m | RS_GC_PENDING;
			r->budget = budget;
			r->clock_at = clock_at;
			rs_gc_follow(r, e);
			rs_gc_drain(r);
			budget = r->budget;
			clock_at = r->clock_at;
		}
	}
	r->cur = cur;
	r->budget = budget;
	r->clock_at = clock_at;
	if (cur < qn || g->ndirty) {
		if (r->sweeps)
			r->late_slices++;
		return false;
	}
	r->sweeps++;
	if (g->dirty_overflow) {
		/* a PENDING mark may be outside the stack: sweep again */
		g->dirty_overflow = false;
		r->cur = 0;
		r->late_slices++;
		return false;
	}
	return true;
}

/*
 * FREE, first pass: mark each white member RS_OBJ_DOOMED in its header and
 * compact the white ids to q[0..nwhite), so that the second pass tells a
 * garbage target from a live one by the header it reads anyway (t->flags)
 * instead of the target's table entry: one memory line per slot, not two.
 */
static void rs_gc_doom(struct rs_gc_run *r)
{
	struct rs_entry *objs = r->h->objs;
	const u32 cap = r->h->objs_cap, mark = r->mark, qn = r->qn;
	u32 *q = r->q, cur = r->cur, nwhite = r->nwhite;
	long budget = r->budget, clock_at = r->clock_at;

	while (cur < qn && !rs_gc_spent(r, &budget, &clock_at)) {
		u32 id = q[cur++];
		struct rs_entry *e;

		budget--;
		if (id >= cap)
			continue;
		e = &objs[id];
		if (!e->obj || !rs_gc_member(e, mark) ||
		    (e->gc_mark & RS_GC_BLACK))
			continue;
		e->obj->flags |= RS_OBJ_DOOMED;
		q[nwhite++] = id;
	}
	r->nwhite = nwhite;
	r->doomed = cur >= qn;
	rs_gc_slice_end(r, cur, budget, clock_at, r->doomed, RS_GC_FREE);
}

/*
 * FREE, second pass: drop the references the white members q[0..nwhite)
 * hold on objects that live on.
 */
static void rs_gc_free(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_entry *objs = h->objs;
	const u32 nwhite = r->nwhite;
	const u32 *q = r->q;
	u32 cur = r->cur;
	long budget = r->budget, clock_at = r->clock_at;

	while (!rs_gc_spent(r, &budget, &clock_at)) {
		struct rs_obj *o, *t, **slots;
		unsigned int i, n;

		if (r->tear && !rs_obj_teardown(h, &r->tear, &r->fl, &budget))
			break;
		if (cur >= nwhite)
			break;
		o = objs[q[cur++]].obj;
		budget--;
		n = o->nslots;
		slots = rs_obj_slots(o);
		for (i = 0; i < n; i++) {
			t = slots[i];
			if (!t || (t->flags & RS_OBJ_DOOMED))
				continue;	/* garbage too: no count to drop */
			/*
			 * Cleared before the put, which may kill t; slots into
			 * garbage are left: rs_obj_detach_many() does not read
			 * them and nothing else can reach the object.  What
			 * dies is torn down a budget at a time (r->tear).
			 */
			slots[i] = NULL;
			rs_obj_put_deferred(h, t, &r->tear);
		}
		budget -= n;
	}
	rs_gc_slice_end(r, cur, budget, clock_at, cur >= nwhite && !r->tear,
			RS_GC_DETACH);
}

/*
 * Detach the white members q[0..nwhite), a budget at a time.  FREE left
 * only live white members there, and nothing can reach them since the
 * decision: no check is needed before rs_obj_detach_many().
 */
static void rs_gc_detach(struct rs_gc_run *r)
{
	long units = min_t(long, r->budget, r->nwhite - r->cur);

	if (units > 0) {
		rs_obj_detach_many(r->h, r->q + r->cur, units, &r->fl);
		r->cur += units;
		r->budget -= units;
	}
	if (r->cur >= r->nwhite)
		r->phase = RS_GC_DONE;
}

/* ---- a collection ---- */

/* Epochs wrapped (after 2^28 collections): forget every old mark. */
static void rs_gc_clear_marks(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	u32 i = 0;

	for (;;) {
		rs_gc_lock(r);
		for (; i < h->objs_cap && r->budget > 0; i++, r->budget--)
			h->objs[i].gc_mark = 0;
		if (i >= h->objs_cap) {
			h->gc.epoch = 0;
			return;		/* lock held */
		}
		rs_gc_unlock(r);
		cond_resched();
	}
}

/* First slice: heap->lock held. */
static void rs_gc_start(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;

	if (g->epoch >= RS_GC_EPOCH_MAX) {
		rs_gc_unlock(r);
		rs_gc_clear_marks(r);
	}
	g->epoch++;
	r->mark = g->epoch << RS_GC_EPOCH_SHIFT;

	r->cand = g->cand;
	r->ncand = g->ncand;
	r->cand_cap = g->cand_cap;
	g->cand = NULL;
	g->ncand = 0;
	g->cand_cap = 0;
	r->full = g->cand_overflow;
	g->cand_overflow = false;
	if (!r->full) {
		/*
		 * The queue is the candidate buffer itself: CANDS writes the
		 * member it keeps at q[qn] with qn <= its read cursor, and
		 * MARK appends (the buffer grows between slices if needed).
		 */
		r->q = r->cand;
		r->qcap = r->cand_cap;
		r->cand = NULL;
	} else {
		r->qwant = h->objs_cap + 64;
		r->grow = true;
	}
	g->kicked = false;
	g->allocs_since = 0;

	g->dirty = r->stack;
	g->dirty_cap = r->scap;
	g->ndirty = 0;
	g->dirty_overflow = false;
	g->ndeferred = 0;
	g->mark = r->mark;
	g->active = true;
	rs_objs_hold(h);
	r->phase = RS_GC_CANDS;
	r->cur = 0;
	trace_gc_start(h, g->epoch, r->full, r->kthread);
}

static void rs_gc_stop_barrier(struct rs_gc_run *r)
{
	struct rs_gc_heap *g = &r->h->gc;

	g->active = false;
	g->dirty = NULL;
	g->dirty_cap = 0;
	g->ndirty = 0;
	g->mark = 0;
}

/* Last slice: heap->lock held. */
static void rs_gc_finish(struct rs_gc_run *r, u64 ns, bool aborted)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;
	u64 freed = r->freed + r->fl.count;
	const struct refslab_gc_stats d = {
		.collections = 1,
		.candidates = r->examined,
		.scanned = r->scanned,
		.collected = freed,
		.deferred = g->ndeferred,
		.last_ns = ns,
		.max_ns = ns,
		.total_ns = ns,
		/* heap.c's rs_heap_lock_slow() keeps the heap's max_wait_ns */
		.max_wait_ns = g->stats.max_wait_ns,
	};

	rs_objs_unhold(h);
	g->doomed = 0;
	if (r->lost || aborted)
		g->cand_overflow = true;
	rs_gc_stats_add(&g->stats, &d);
	rs_gc_global_add(&d);

	/* Adaptive threshold: found little -> wait for more; much -> less. */
	if (g->adaptive && !aborted && r->examined) {
		if (freed * 4 < r->examined)
			g->threshold = min(g->threshold * 2, RS_GC_THRESHOLD_MAX);
		else if (freed * 2 >= r->examined)
			g->threshold = max(g->threshold / 2,
					   min(rs_gc_threshold, RS_GC_THRESHOLD_MIN));
	}
	rs_gc_maybe_kick(h);
}

/*
 * Make sure the candidate buffer has room for the puts of one FREE slice,
 * so that rs_gc_decref() never allocates under the collector's hold.
 * A FREE slice spends at most the base budget, never the one SCAN doubled
 * under contention (up to gc_slice_budget << 16), and at most
 * RS_GC_FREE_BUDGET_MAX: its puts (one per unit, plus one object's slots
 * past the end, for the members and for the teardown) stay within a
 * bounded reservation.  Called with heap->lock held; may drop and retake
 * it.
 */
static void rs_gc_reserve(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;
	const long most = min_t(long, max(READ_ONCE(rs_gc_slice_budget), 1u),
				RS_GC_FREE_BUDGET_MAX);
	u32 room = most + 2 * REFSLAB_MAX_SLOTS;
	u32 cap, *buf;

	if (g->cand_cap - g->ncand >= room)
		goto out;
	cap = rs_gc_cand_want(g->ncand + room);
	rs_gc_unlock(r);
	buf = kvmalloc_array(cap, sizeof(*buf), RS_GFP_USER);
	rs_gc_step(r);
	rs_gc_lock(r);
	if (buf) {
		buf = rs_gc_cand_install(h, buf, cap);
		if (buf) {
			rs_gc_unlock(r);
			kvfree(buf);
			rs_gc_step(r);
			rs_gc_lock(r);
		}
	}
out:
	if (r->budget > most) {
		r->budget = most;
		r->clock_at = most - RS_GC_CLOCK_UNITS;
	}
}

static bool rs_gc_should_abort(struct rs_gc_run *r)
{
	if (READ_ONCE(r->h->closed))
		return true;
	if (r->intr && signal_pending(current))
		return true;
	return r->kthread && kthread_should_stop();
}

/* Between slices, without heap->lock: the queue is the collector's own. */
static void rs_gc_grow_queue(struct rs_gc_run *r)
{
	u32 cap, *q;

	if (r->qcap >= U32_MAX / 8) {
		r->nogrow = true;
		return;
	}
	cap = max(r->qcap * 2 + REFSLAB_MAX_SLOTS, r->qwant);
	q = kvmalloc_array(cap, sizeof(*q), RS_GFP_USER);
	if (!q) {
		r->nogrow = true;	/* go on conservatively */
		return;
	}
	if (r->qn)
		memcpy(q, r->q, r->qn * sizeof(*q));
	kvfree(r->q);
	r->q = q;
	r->qcap = cap;
}

/* SCAN's slice: when it decides, the white members are garbage. */
static void rs_gc_scan_slice(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;

	if (!rs_gc_scan(r))
		return;
	/* decided: nothing can reach the white set */
	rs_gc_stop_barrier(r);
	/* every member black: nothing to free */
	r->phase = r->nblack >= r->qn ? RS_GC_DONE : RS_GC_FREE;
	r->cur = 0;
	if (r->phase == RS_GC_FREE) {
		/* the white set leaves heap dumps now */
		h->gc.doomed = r->mark;
		rs_heap_changed(h);
	}
}

/* One slice of the current phase, heap->lock held; timed per phase. */
static void rs_gc_slice(struct rs_gc_run *r)
{
	struct rs_gc_heap *g = &r->h->gc;
	enum rs_gc_phase ph = r->phase;
	u64 ts = ktime_get_ns(), bytes;

	switch (ph) {
	case RS_GC_CANDS:
		rs_gc_cands(r);
		break;
	case RS_GC_MARK:
		rs_gc_mark(r);
		break;
	case RS_GC_SCAN:
		rs_gc_scan_slice(r);
		break;
	case RS_GC_FREE:
		rs_gc_reserve(r);
		if (!r->doomed) {
			rs_gc_doom(r);
			break;
		}
		g->no_alloc = true;
		rs_gc_free(r);
		g->no_alloc = false;
		break;
	case RS_GC_DETACH:
		rs_gc_detach(r);
		break;
	default:
		break;
	}
	r->phase_ns[ph] += ktime_get_ns() - ts;
	if (r->phase != ph)
		trace_gc_phase(r->h, g->epoch, rs_gc_phase_name[ph],
			       r->phase_ns[ph], r->qn, r->nblack);
	bytes = (u64)(r->qcap + r->scap + g->cand_cap) * sizeof(u32);
	if (r->cand)
		bytes += (u64)r->cand_cap * sizeof(u32);
	r->peak = max(r->peak, bytes);
}

/*
 * The slices of one collection, from its start to its end or until it
 * gives up (heap closed, signal, kthread stopping): each takes heap->lock,
 * works a slice, drops the lock, gives back the memory of what it freed,
 * and lets mutators in.  Returns 0 or -EINTR.
 */
static int rs_gc_slices(struct rs_gc_run *r)
{
	struct rs_heap *h = r->h;
	struct rs_gc_heap *g = &h->gc;

	for (;;) {
		bool done = false;

		if (r->grow) {
			rs_gc_grow_queue(r);
			r->grow = false;
		}
		rs_gc_lock(r);
		if (r->phase == RS_GC_START) {
			if (rs_gc_should_abort(r)) {
				rs_gc_unlock(r);
				return r->intr && signal_pending(current) ?
				       -EINTR : 0;
			}
			rs_gc_start(r);
		}
		if (r->phase < RS_GC_FREE && rs_gc_should_abort(r)) {
			rs_gc_stop_barrier(r);
			rs_gc_finish(r, ktime_get_ns() - r->t0, true);
			rs_gc_unlock(r);
			return r->intr && signal_pending(current) ? -EINTR : 0;
		}
		rs_gc_slice(r);
		if (r->phase == RS_GC_DONE) {
			g->peak_bytes = r->peak;
			memcpy(g->phase_ns, r->phase_ns, sizeof(g->phase_ns));
			rs_gc_finish(r, ktime_get_ns() - r->t0, false);
			done = true;
		}
		rs_gc_unlock(r);
		if (r->fl.count) {
			r->freed += r->fl.count;
			rs_obj_free_list(h, &r->fl);
			rs_freelist_init(&r->fl);
		}
		if (done)
			return 0;
		rs_gc_step(r);
		rs_gc_yield(h);
	}
}

/*
 * One collection of @h; h->gc.collect_lock held.  Returns 0, -EINTR (a
 * signal, nothing freed) or -ENOMEM (no buffers; nothing done).
 */
int rs_gc_collect(struct rs_heap *h, bool intr,
		  struct refslab_gc_collect *out)
{
	struct rs_gc_heap *g = &h->gc;
	struct rs_gc_run r = {
		.h = h,
		.intr = intr,
		.kthread = !!(current->flags & PF_KTHREAD),
		.t0 = ktime_get_ns(),
	};
	struct mem_cgroup *charged;
	u32 want;
	int err;

	/*
	 * The queues are the heap's memory, charged to its cgroup whether
	 * the kthread or a process in another cgroup runs the collection.
	 */
	charged = rs_charge_begin(h->memcg);
	/*
	 * The work stack has a fixed size (overflow costs a sweep of the
	 * queue, not correctness); the queue is the candidate buffer taken
	 * over at the start, or allocated for a full scan.
	 */
	lockdep_assert_held(&g->collect_lock);
	rs_freelist_init(&r.fl);
	rs_gc_step_begin(&r);
	mutex_lock(&h->lock);
	want = g->cand_overflow ? h->objs_cap : g->nbuffered;
	mutex_unlock(&h->lock);
	r.scap = clamp_t(u32, want / 16, 256, 16384);
	r.stack = kvmalloc_array(r.scap, sizeof(*r.stack), RS_GFP_USER);
	if (!r.stack) {
		err = -ENOMEM;
		goto out_free;
	}
	err = rs_gc_slices(&r);
	if (trace_gc_end_enabled() && r.phase != RS_GC_START)
		trace_gc_end(h, g->epoch, r.examined, r.scanned, r.freed,
			     g->ndeferred, ktime_get_ns() - r.t0, r.held,
			     r.max_hold, r.slices, r.phase != RS_GC_DONE);
	if (out) {
		out->collected = r.freed;
		out->scanned = r.scanned;
		out->deferred = r.phase == RS_GC_DONE ? g->ndeferred : 0;
	}
	if (rs_verify_enabled())
		rs_heap_verify(h, "after a collection");
out_free:
	rs_gc_step_end(&r);
	kvfree(r.cand);
	kvfree(r.stack);
	kvfree(r.q);
	rs_charge_end(charged);
	return err;
}
