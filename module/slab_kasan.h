/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab slab allocator and generic KASAN: the shadow of refslab's own
 * slabs, the quarantine of freed objects, and the use-after-free fault
 * knob.  This header is the one place that depends on CONFIG_KASAN_GENERIC;
 * without it every helper below is an empty inline and struct
 * rs_quarantine is empty, so slab.c compiles to the same code as before.
 *
 * What is poisoned when.  KASAN knows slabs of the kernel's own allocator
 * only, so refslab keeps the shadow of its slabs itself:
 *   - a new slab: its descriptor stays accessible (list debugging reads
 *     the links in it); everything after is red zone (0xfc, "slab-out-of-
 *     bounds": red zones, free pointers outside objects, the tail), then
 *     each object is marked freed (0xfb, "use-after-free");
 *   - allocation: exactly the cache's object size is made accessible (the
 *     last, partial granule holds its count of accessible bytes, as for
 *     kmalloc); free: the object is marked freed again, after the debug
 *     checks;
 *   - a free of an object whose shadow already says freed (a double free
 *     on a plain slab; debug slabs catch it first) gets a KASAN report and
 *     is not performed;
 *   - before a slab's pages go back, its shadow is all accessible again,
 *     as alloc_pages() gave it (the page allocator then poisons it).
 * slab.c itself reads and writes free objects (freelist links, state
 * word, poison and red zone bytes) and the shadow: like mm/slub.c it is
 * built without instrumentation (Kbuild), so its memset() is __memset().
 * Every other file of the module is instrumented (slab_ctl.c too: it
 * reads counters and calls slab.c for anything that touches an object) and may touch an object
 * only between allocation and free; slab_test.c's deliberate corruptions
 * say so with kasan_disable_current().
 *
 * Freed objects wait in a quarantine before they can be reused, so that a
 * stale pointer finds a poisoned object, not a new one: per cache and per
 * CPU, in struct rs_cpu under the local lock like the arrays (no new lock,
 * and a cache's shrink and destroy reach it through the same per-CPU
 * drain as the arrays, without searching a shared queue), a FIFO of at
 * most 128 objects and 64 KiB (at least one object).  A free puts the
 * object in; when the quarantine is full, the oldest object takes the
 * ordinary free path (CPU arrays) instead.  Every drain of the CPU arrays
 * (rs_cache_shrink: debugfs shrink, rs_slab_shrink_all, cache destroy,
 * unload; the shrinker) first gives the quarantine back to the slabs, so
 * "after a shrink every page is back" holds.  Quarantined objects are
 * freed as far as the counters go: "objects" and slabinfo's active_objs
 * leave them out, free_fastpath/free_slowpath count each free when it is
 * made (one per free: the quarantine taking it counts as a fast path
 * free, the oldest object's way on is not counted again), and the
 * per-cache debugfs file "quarantined" (KASAN only) shows how many wait;
 * as objects out of their slabs they are in the node's inuse (and so in
 * objects_hwm), and rs_cache_retention_bound() allows for them.  The fault
 * knob debugfs refslab/test_use_after_free (slab_kasan.c, KASAN only)
 * reads an object after its free to prove the report comes.
 *
 * The shadow helpers write the shadow directly: only slab.c, which is not
 * instrumented (Kbuild), may call them.  Instrumented code must not touch
 * shadow memory (it has no shadow of its own, and KASAN reports the access).
 */
#ifndef REFSLAB_SLAB_KASAN_H
#define REFSLAB_SLAB_KASAN_H

#include <linux/types.h>
#include <linux/kasan.h>
#include <linux/kasan-checks.h>

struct dentry;

#ifdef CONFIG_KASAN_GENERIC

#define RS_KASAN_GRANULE	BIT(KASAN_SHADOW_SCALE_SHIFT)

/* Frees are checked and quarantined one object at a time. */
static inline bool rs_kasan_on(void)
{
	return true;
}

/*
 * Shadow values that generic KASAN names in its reports.  Its own
 * definitions (mm/kasan/kasan.h) are private to mm/; these must stay equal
 * to them: KASAN_SLAB_FREE ("use-after-free") and KASAN_SLAB_REDZONE
 * ("slab-out-of-bounds").
 */
#define RS_KASAN_FREED		0xfb
#define RS_KASAN_REDZONE	0xfc

/*
 * The quarantine: per cache and per CPU, under the CPU's local lock like
 * its arrays, a FIFO of at most RS_QUARANTINE_SLOTS objects and about
 * RS_QUARANTINE_BYTES of them (at least one object).
 */
#define RS_QUARANTINE_SLOTS	128
#define RS_QUARANTINE_BYTES	(64U * 1024)

struct rs_quarantine {
	unsigned int head;		/* oldest */
	unsigned int count;
	unsigned int cap;
	void *objs[RS_QUARANTINE_SLOTS];
};

/* Objects each CPU's quarantine of a cache with this stride holds. */
static inline unsigned int rs_quarantine_cap(unsigned int stride)
{
	return clamp_t(unsigned int, RS_QUARANTINE_BYTES / stride, 1,
		       RS_QUARANTINE_SLOTS);
}

static inline void rs_quarantine_init(struct rs_quarantine *q,
				      unsigned int stride)
{
	q->head = 0;
	q->count = 0;
	q->cap = rs_quarantine_cap(stride);
}

static inline unsigned int rs_quarantine_next(const struct rs_quarantine *q,
					      unsigned int i)
{
	return i + 1 == q->cap ? 0 : i + 1;
}

/*
 * Queue @obj.  Returns the object to free now: NULL while there is room,
 * else the oldest one, which @obj replaces.
 */
static inline void *rs_quarantine_put(struct rs_quarantine *q, void *obj)
{
	unsigned int tail;
	void *old;

	if (q->count < q->cap) {
		tail = q->head + q->count;
		if (tail >= q->cap)
			tail -= q->cap;
		q->objs[tail] = obj;
		WRITE_ONCE(q->count, q->count + 1);
		return NULL;
	}
	old = q->objs[q->head];
	q->objs[q->head] = obj;
	q->head = rs_quarantine_next(q, q->head);
	return old;
}

/* The oldest object, taken out; NULL when the quarantine is empty. */
static inline void *rs_quarantine_pop(struct rs_quarantine *q)
{
	void *obj;

	if (!q->count)
		return NULL;
	obj = q->objs[q->head];
	q->head = rs_quarantine_next(q, q->head);
	WRITE_ONCE(q->count, q->count - 1);
	return obj;
}

/* Racy peek, for the shrinker and the debugfs figure. */
static inline unsigned int rs_quarantine_count(const struct rs_quarantine *q)
{
	return READ_ONCE(q->count);
}

/* Shadow of [@addr, @addr + @size): both granule multiples. */
static inline void rs_kasan_fill(const void *addr, size_t size, u8 value)
{
	__memset(kasan_mem_to_shadow(addr), value,
		 size >> KASAN_SHADOW_SCALE_SHIFT);
}

/*
 * A new slab: everything past the descriptor (red zones, free pointers
 * outside objects, the tail) is red zone; slab.c then marks each object
 * freed.  The descriptor stays accessible: list debugging (instrumented,
 * lib/list_debug.c) reads the list links in it.
 */
static inline void rs_kasan_poison_slab(void *start, size_t size)
{
	rs_kasan_fill(start, size, RS_KASAN_REDZONE);
}

/* Before the pages go back: all accessible, as alloc_pages() gave them. */
static inline void rs_kasan_release_slab(void *start, size_t size)
{
	rs_kasan_fill(start, size, 0);
}

static inline void rs_kasan_poison_object(const void *obj, unsigned int size)
{
	rs_kasan_fill(obj, round_up(size, RS_KASAN_GRANULE), RS_KASAN_FREED);
}

/*
 * Exactly @size bytes accessible: whole granules, then the partial one
 * holding the count of its accessible bytes, as KASAN does for kmalloc.
 */
static inline void rs_kasan_unpoison_object(const void *obj, unsigned int size)
{
	u8 *shadow = kasan_mem_to_shadow(obj);

	__memset(shadow, 0, size >> KASAN_SHADOW_SCALE_SHIFT);
	if (size & (RS_KASAN_GRANULE - 1))
		shadow[size >> KASAN_SHADOW_SCALE_SHIFT] =
			size & (RS_KASAN_GRANULE - 1);
}

/*
 * Poison @obj as freed.  False if it already was (a double free or a free
 * of a pointer never handed out): then KASAN reports a use-after-free of
 * its first byte, here, and the caller must not free it.
 */
static inline bool rs_kasan_free_object(const void *obj, unsigned int size)
{
	if (*(u8 *)kasan_mem_to_shadow(obj) == RS_KASAN_FREED) {
		__kasan_check_read(obj, 1);
		return false;
	}
	rs_kasan_poison_object(obj, size);
	return true;
}

/* The fault knob (slab_kasan.c, an instrumented file). */
void rs_kasan_knob_add(struct dentry *root);
void rs_kasan_knob_remove(void);

#else /* !CONFIG_KASAN_GENERIC */

struct rs_quarantine {};

static inline bool rs_kasan_on(void)
{
	return false;
}

static inline unsigned int rs_quarantine_cap(unsigned int stride)
{
	return 0;
}

static inline void rs_quarantine_init(struct rs_quarantine *q,
				      unsigned int stride)
{
}

static inline void *rs_quarantine_put(struct rs_quarantine *q, void *obj)
{
	return obj;
}

static inline void *rs_quarantine_pop(struct rs_quarantine *q)
{
	return NULL;
}

static inline unsigned int rs_quarantine_count(const struct rs_quarantine *q)
{
	return 0;
}

static inline void rs_kasan_poison_slab(void *start, size_t size) {}
static inline void rs_kasan_release_slab(void *start, size_t size) {}
static inline void rs_kasan_poison_object(const void *obj, unsigned int size) {}
static inline void rs_kasan_unpoison_object(const void *obj,
					    unsigned int size) {}

static inline bool rs_kasan_free_object(const void *obj, unsigned int size)
{
	return true;
}

static inline void rs_kasan_knob_add(struct dentry *root) {}
static inline void rs_kasan_knob_remove(void) {}

#endif /* CONFIG_KASAN_GENERIC */

#endif /* REFSLAB_SLAB_KASAN_H */
