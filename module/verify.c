// SPDX-License-Identifier: GPL-2.0
/*
 * refslab heap verifier (debug; module parameter gc_verify=1).
 *
 * Owns nothing: it reads a heap under heap->lock and checks, independently
 * of the code that maintains them, the invariants the collector's argument
 * (gc.c) and the accounting rest on:
 *
 *  - every table entry is either free (on the free chain or in limbo,
 *    each exactly once) or holds a live object whose id is its index;
 *  - every handle and every slot of a live object names a live object of
 *    the table (so everything reachable from a handle is alive);
 *  - every object's refcount equals the handles plus the slots naming it,
 *    immortal (saturated) objects excepted;
 *  - the heap's object count, candidate count (RS_OBJ_BUFFERED flags, each
 *    of them in the candidate buffer unless the next collection scans the
 *    whole table) and frozen count match the table.
 *
 * It runs after every collection and when a heap is released.  A failure
 * is a WARN naming the heap, the object and the figures, which fails any
 * test run (tests/vm/run).  Its scratch arrays are allocated before the
 * heap lock is taken; it never changes the heap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "heap.h"
#include "object.h"
#include "verify.h"

static bool gc_verify;
module_param(gc_verify, bool, 0644);
MODULE_PARM_DESC(gc_verify,
		 "debug: check every heap's refcounts and reachability after each collection and at close");

bool rs_verify_enabled(void)
{
	return READ_ONCE(gc_verify);
}

struct rs_verify {
	struct rs_heap *h;
	const char *when;
	u32 *refs;		/* references counted per table index */
	unsigned long *seen;	/* free-chain entries / buffered candidates */
	u32 cap;
	unsigned int errors;
};

static __printf(2, 3) void rs_verify_fail(struct rs_verify *v, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (v->errors++)
		return;		/* one WARN per check; the count follows */
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	WARN(1, "refslab: heap %d verify (%s): %pV\n", v->h->owner, v->when, &vaf);
	va_end(args);
}

/* Is @o a live object of the table?  Reads only the table and @o's id. */
static bool rs_verify_live(struct rs_verify *v, const struct rs_obj *o)
{
	return o->id < v->cap && v->h->objs[o->id].obj == o;
}

static void rs_verify_chain(struct rs_verify *v, u32 head, const char *name,
			    u32 *count)
{
	u32 id = head, n = 0;

	while (id != U32_MAX) {
		if (id >= v->cap) {
			rs_verify_fail(v, "%s chain: entry %u beyond the table (%u)",
				       name, id, v->cap);
			return;
		}
		if (v->h->objs[id].obj) {
			rs_verify_fail(v, "%s chain: entry %u holds an object", name, id);
			return;
		}
		if (test_and_set_bit(id, v->seen)) {
			rs_verify_fail(v, "%s chain: entry %u twice (a loop?)", name, id);
			return;
		}
		n++;
		id = v->h->objs[id].gc_refs;
	}
	*count += n;
}

static void rs_verify_locked(struct rs_verify *v)
{
	struct rs_heap *h = v->h;
	u64 live = 0, buffered = 0, frozen = 0, handles = 0;
	u32 i, free = 0;

	/* Table entries: free exactly once, or live with the right id. */
	rs_verify_chain(v, h->objs_free, "free", &free);
	rs_verify_chain(v, h->objs_limbo, "limbo", &free);
	for (i = 0; i < v->cap; i++) {
		struct rs_obj *o = h->objs[i].obj, **slots;
		u32 j;

		if (!o) {
			if (!test_bit(i, v->seen))
				rs_verify_fail(v, "entry %u is neither live nor free", i);
			continue;
		}
		if (test_bit(i, v->seen))
			rs_verify_fail(v, "entry %u is free and holds an object", i);
		if (o->id != i || (o->flags & RS_OBJ_DEAD)) {
			rs_verify_fail(v, "entry %u holds object id %u flags %#x",
				       i, o->id, o->flags);
			continue;
		}
		live++;
		buffered += !!(o->flags & RS_OBJ_BUFFERED);
		frozen += !!(o->flags & RS_OBJ_FROZEN);
		slots = rs_obj_slots(o);
		for (j = 0; j < o->nslots; j++) {
			struct rs_obj *t = slots[j];

			if (!t)
				continue;
			if (!rs_verify_live(v, t)) {
				rs_verify_fail(v, "object %u slot %u names a dead object", i, j);
				continue;
			}
			v->refs[t->id]++;
		}
	}

	/* Handles: the roots. */
	for (i = 1; i < h->handles_cap; i++) {
		struct rs_obj *o = h->handles[i];

		if (!o)
			continue;
		handles++;
		if (!rs_verify_live(v, o)) {
			rs_verify_fail(v, "handle %u names a dead object", i);
			continue;
		}
		v->refs[o->id]++;
	}

	/* Refcount = handles + slots; saturated objects are immortal. */
	for (i = 0; i < v->cap; i++) {
		struct rs_obj *o = h->objs[i].obj;
		u32 ref;

		if (!o || o->id != i || rs_obj_immortal(o))
			continue;
		ref = refcount_read(&o->ref);
		if (ref != v->refs[i])
			rs_verify_fail(v, "object %u refcount %u, but %u handles and slots name it",
				       i, ref, v->refs[i]);
	}

	if (live != h->nobjects || live + free != v->cap)
		rs_verify_fail(v, "%llu live and %u free entries, table %u, object count %llu",
			       live, free, v->cap, h->nobjects);
	if (handles != h->nhandles)
		rs_verify_fail(v, "%llu handles in the table, count %llu",
			       handles, h->nhandles);
	if (buffered != h->gc.nbuffered)
		rs_verify_fail(v, "%llu objects BUFFERED, candidate count %u",
			       buffered, h->gc.nbuffered);
	if (frozen != h->gc.nfrozen)
		rs_verify_fail(v, "%llu objects FROZEN, frozen count %llu",
			       frozen, h->gc.nfrozen);

	/*
	 * Every BUFFERED object is in the candidate buffer, unless the next
	 * collection scans the whole table anyway (cand_overflow: a
	 * collection gave up, or an id could not be buffered).
	 */
	if (h->gc.cand_overflow)
		return;
	bitmap_zero(v->seen, v->cap);
	for (i = 0; i < h->gc.ncand; i++) {
		if (h->gc.cand[i] < v->cap)
			__set_bit(h->gc.cand[i], v->seen);
	}
	for (i = 0; i < v->cap; i++) {
		struct rs_obj *o = h->objs[i].obj;

		if (o && (o->flags & RS_OBJ_BUFFERED) && !test_bit(i, v->seen))
			rs_verify_fail(v, "object %u is BUFFERED, not in the candidate buffer",
				       i);
	}
}

void rs_heap_verify(struct rs_heap *h, const char *when)
{
	struct rs_verify v = { .h = h, .when = when };

	for (;;) {
		u32 cap;

		mutex_lock(&h->lock);
		cap = h->objs_cap;
		mutex_unlock(&h->lock);
		v.refs = kvcalloc(max(cap, 1u), sizeof(*v.refs), RS_GFP_MAYFAIL);
		v.seen = kvcalloc(BITS_TO_LONGS(max(cap, 1u)), sizeof(long),
				  RS_GFP_MAYFAIL);
		if (!v.refs || !v.seen) {
			pr_warn_ratelimited("verify (%s): no memory for %u entries, skipped\n",
					    when, cap);
			goto out;
		}
		mutex_lock(&h->lock);
		if (h->objs_cap == cap)
			break;
		mutex_unlock(&h->lock);	/* the table grew: size again */
		kvfree(v.refs);
		kvfree(v.seen);
	}
	v.cap = h->objs_cap;
	rs_verify_locked(&v);
	mutex_unlock(&h->lock);
	if (v.errors > 1)
		pr_err("heap %d verify (%s): %u problems\n", h->owner, when, v.errors);
out:
	kvfree(v.refs);
	kvfree(v.seen);
}
