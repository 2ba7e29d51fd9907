/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab heaps: everything one open file of /dev/refslab owns.
 *
 * LOCK ORDER (the one place it is written down).  Every lock of the
 * module, numbered as they nest: a lock may be taken while holding only
 * locks of smaller numbers; the a/b locks of one number are never held
 * together.  [A] marks a rule checked by lockdep_assert_held() or
 * lockdep_assert_not_held() where it matters.
 *
 *  1. rs_bench_mutex (mutex, bench.c): one benchmark run; it creates,
 *     shrinks and destroys caches (4-6) under it.
 *  2a. rs_heaps_lock (mutex, heap.c): the list of heaps.  A walker that
 *     needs a heap's locks takes a reference and drops rs_heaps_lock
 *     first (the kthread's pass, debugfs "gc" [A]); debugfs "heaps"
 *     reads the figures under it without a heap lock.  A heap's final
 *     put takes it (kref_put_mutex) and drops it before freeing.
 *  2b. rs_memcgs_lock (mutex, memcg.c): the per-cgroup sets of class
 *     instances.  Taken with no other refslab lock held (heap open, and
 *     release after rs_heaps_lock is dropped); nothing is taken under it:
 *     a set's caches are made without it and destroyed after it.
 *  3. per heap:
 *     3a. heap->gc.collect_lock (mutex, gc.c): one collection of the heap
 *         at a time; heap->lock is taken in slices under it [A].  A
 *         stepped collection (gc_step.c) sleeps holding it, never
 *         heap->lock.
 *     3b. heap->lock (mutex): handles, object table, slots, refcount
 *         transitions, limits, counters, named-cache table, candidate
 *         buffer [A: rs_heap_lookup, table helpers].  Held across
 *         allocations (table growth), so reclaim, and with it the slab's
 *         shrinker, may run under it: the shrinker only trylocks.  A
 *         named cache is taken out of the table under it and destroyed
 *         after it is dropped [A], since destroy takes 5 and waits for
 *         debugfs users and work.
 *     3c. rs_gc_glock (spinlock, gc.c): the global collector figures; a
 *         leaf, taken under 3b or alone.
 *     3d. rs_step_lock (spinlock, gc_step.c): test stepping; a leaf,
 *         taken alone.
 *  -- the slab (slab.c): nothing below takes a lock above, and no heap
 *     lock is held when one of 4-6 is taken (reclaim's trylocks aside).
 *  4. cpu_hotplug_lock (the kernel's cpus_read_lock()): taken by the
 *     slab's drains (rs_cache_shrink, rs_slab_shrink_all) so that a CPU
 *     keeps its state while its arrays are drained; the CPU hotplug
 *     callback (rs_slab_cpu_dead) runs with it held for writing.  Never
 *     taken by the shrinker (reclaim must not wait for a hotplug that
 *     may be allocating).
 *  5. rs_caches_mutex (mutex, slab_ctl.c): the list of caches.  O(1) work
 *     under it for create and destroy (list_add, list_del); walks of
 *     every cache (slabinfo, the hotplug callback, rs_slab_shrink_all;
 *     the shrinker's scan only trylocks, its count takes nothing but on
 *     KASAN kernels, where it trylocks; the reaper trylocks and holds it
 *     for at most RS_REAP_BATCH caches per step).  Never held while
 *     debugfs files are removed [A: destroy].
 *  5a. the lock of a list of rs_lru (the kernel's list_lru spinlock,
 *     slab_ctl.c): the caches' shrinker tokens of one cgroup and node.
 *     Taken under 5 (register, unregister, the shrinker's scan) or alone (the
 *     shrinker's count for a cgroup); nothing is taken under it (the
 *     walk callbacks only read a cache's counts or collect it).
 *  6. cache->shrink_mutex (mutex, slab.c): one drain of a cache at a time
 *     [A]; the drain flushes per-CPU work under it, and that work takes
 *     only 7 and 8.  Destroy holds none of 5-6 [A].
 *  7. the per-CPU local_lock of a cache (struct rs_cpu): that CPU's
 *     arrays, quarantine and fast-path counters.  Slow paths that sleep
 *     drop it first; rs_barn_drain() takes it itself [A: not held].
 *  8. per node, never held together [A], each a leaf under 7 or alone:
 *     8a. node->barn_lock (spinlock): the depot of full and empty arrays.
 *     8b. node->list_lock (spinlock): the slab lists and their counts.
 *
 * Test only: slab_test.c's handoff spinlock (a leaf, taken alone).
 *
 * Neither the slab nor the collector calls back up this chain; the slab
 * shrinker never takes heap->lock or rs_heaps_lock.  The collector holds
 * heap->lock only in bounded slices, allocates nothing while it holds it
 * and frees object memory after dropping it.
 */
#ifndef REFSLAB_HEAP_H
#define REFSLAB_HEAP_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "object.h"
#include "slab.h"
#include "gc.h"
#include "memcg.h"

struct rs_cache;

/**
 * struct rs_entry - one slot of a heap's object table
 * @obj: the object, or NULL for a free entry.
 * @gc_refs: collector scratch count (owned by gc.c); for a free entry, the
 *	index of the next free entry.
 * @gc_mark: collector mark (owned by gc.c; zeroed when an object is
 *	installed in the entry).
 */
struct rs_entry {
	struct rs_obj *obj;
	u32 gc_refs;
	u32 gc_mark;
};

#define RS_MAX_NAMED_CACHES	64	/* hard cap per heap */

struct rs_named_cache {
	struct rs_cache *cache;		/* NULL: unused */
	char name[RS_CACHE_NAME_MAX];
	u32 object_size;		/* as asked */
	u32 align;
	u64 objects;			/* live objects of this heap in it */
	bool pending;			/* id not yet told: unusable */
};

/* Handle numbers stay below this: a u32, in whole bitmap words. */
#define RS_HANDLES_MAX	round_down(U32_MAX, BITS_PER_LONG)

struct rs_heap_limits {
	u64 max_objects;
	u64 max_bytes;
	u64 max_handles;
	u64 max_caches;
};

/**
 * struct rs_heap - one collection domain
 * @lock: see the lock order above.
 * @kref: one for the open file, one for each user (collector pass).
 * @node: on rs_heaps, under rs_heaps_lock.
 * @owner: tgid that opened it.
 * @id: names the heap in debugfs (`heaps`, `gc`): unique for the module's
 *	life, unlike @owner (one process may open many heaps).
 * @may_raise_limits: the credentials the file was opened with
 *	(file->f_cred, fixed for its life) hold CAP_SYS_RESOURCE: SET_LIMITS
 *	may go above the defaults, whoever calls it.
 * @handles: handle table; handles[h] is the object handle h names
 *	(handle 0 is never issued), @handles_cap entries.
 * @handles_open, @handles_full, @handles_free: where free numbers are
 *	(object.c: a bit per number in use, a bit per full word of those).
 * @handles_pending: bitmap of handles reserved but not yet published:
 *	their entry holds the object and a reference, but lookups fail
 *	(object.c, "reserve-then-install").
 * @objs: object table, @objs_cap entries; free entries are chained
 *	through gc_refs from @objs_free (U32_MAX ends the chain).
 * @objs_held: a collection runs: freed entries go to @objs_limbo (chained
 *	the same way, @objs_limbo_tail its last) instead of @objs_free, and
 *	are spliced back when it ends (object.c, rs_objs_release()).
 * @generation: changes with everything REFSLAB_IOC_HEAP_DUMP lists (objects,
 *	handles, slots, refcounts, frozen state): rs_heap_changed().
 * @gc: collector state (gc.h).
 * @memcg: the opener's memory cgroup (referenced; NULL without the memory
 *	controller): everything the heap allocates is charged to it.
 * @mcg: its general class instances (memcg.h); NULL in the root cgroup.
 */
struct rs_heap {
	/*
	 * What every object operation touches comes first, in a few cache
	 * lines: the lock, the tables, the counters and limits.
	 */
	struct mutex lock;		/* see the lock order above */
	struct rs_obj **handles;
	unsigned long *handles_open;
	unsigned long *handles_full;
	unsigned long *handles_pending;
	u32 handles_cap;
	u32 handles_free;		/* lowest possibly free handle */

	struct rs_entry *objs;
	u32 objs_cap;
	u32 objs_free;
	u32 objs_limbo, objs_limbo_tail;
	bool objs_held;
	bool closed;
	bool may_raise_limits;		/* opener had CAP_SYS_RESOURCE */

	u64 nobjects, nbytes, nhandles, ncaches;
	struct rs_heap_limits limits;
	u64 created, freed, incref, decref;
	u64 generation;
	struct rs_memcg *mcg;
	struct mem_cgroup *memcg;

	struct kref kref;
	struct list_head node;
	pid_t owner;
	u64 id;

	struct rs_gc_heap gc;

	/* 4 KiB, looked at only by named-cache objects and commands */
	struct rs_named_cache caches[RS_MAX_NAMED_CACHES];
};

extern struct mutex rs_heaps_lock;
extern struct list_head rs_heaps;

struct rs_heap *rs_heap_create(void);
void rs_heap_get(struct rs_heap *h);
void rs_heap_put(struct rs_heap *h);
/* The open file went away: mark the heap closed and drop the file's
 * reference; everything it holds goes with the last reference.
 */
void rs_heap_close(struct rs_heap *h);

/* Under h->lock: the object a handle names, or NULL. */
struct rs_obj *rs_heap_lookup(struct rs_heap *h, u32 handle);

/* Named caches, figures and limits behind the ioctls; called unlocked,
 * arguments copied in, flags unchecked by the caller.
 */
int rs_heap_cache_create(struct rs_heap *h, void *arg);
int rs_heap_cache_destroy(struct rs_heap *h, void *arg);
/* A created cache's id is reserved, as a handle is (object.h): nobody can
 * name it until this publishes it (@delivered: the caller was told) or
 * takes the cache back.
 */
void rs_heap_cache_settle(struct rs_heap *h, u32 cache_id, bool delivered);
u32 rs_heap_cache_list(struct rs_heap *h, struct refslab_cache_info *out, u32 room);
int rs_heap_stats(struct rs_heap *h, void *arg);
int rs_heap_set_limits(struct rs_heap *h, void *arg);

/*
 * Mutators take heap->lock through these, so that the time they wait while
 * a collection is active is measured (gc.stats.max_wait_ns, kept under
 * heap->lock).
 */
void rs_heap_lock_slow(struct rs_heap *h);

static inline void rs_heap_lock(struct rs_heap *h)
{
	if (!mutex_trylock(&h->lock))
		rs_heap_lock_slow(h);
}

static inline void rs_heap_unlock(struct rs_heap *h)
{
	mutex_unlock(&h->lock);
}

/* Under h->lock: what a heap dump lists changed (dump.c). */
static inline void rs_heap_changed(struct rs_heap *h)
{
	h->generation++;
}

/*
 * The heap's own memory (its tables and bitmaps, the collector's candidate
 * buffer) is charged to the heap's cgroup, whoever calls.  The scope is
 * the allocation and nothing more, as in bpf_map_kvcalloc(): a page fault
 * in a user copy allocates for the caller's mm and is the caller's charge,
 * so no user memory is ever touched while the heap's cgroup is active.
 */
static inline void *rs_heap_kvcalloc(struct rs_heap *h, size_t n, size_t size)
{
	struct mem_cgroup *old = rs_charge_begin(h->memcg);
	void *p = kvcalloc(n, size, RS_GFP_USER);

	rs_charge_end(old);
	return p;
}

static inline void *rs_heap_kvmalloc_array(struct rs_heap *h, size_t n,
					   size_t size)
{
	struct mem_cgroup *old = rs_charge_begin(h->memcg);
	void *p = kvmalloc_array(n, size, RS_GFP_USER);

	rs_charge_end(old);
	return p;
}

/* Write barrier for the collector: see gc.h. */
static inline void rs_gc_touch(struct rs_heap *h, struct rs_obj *o)
{
	if (unlikely(h->gc.active))
		__rs_gc_touch(h, o);
}

int rs_heap_init(void);
void rs_heap_exit(void);

#endif /* REFSLAB_HEAP_H */
