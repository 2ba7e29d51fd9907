// SPDX-License-Identifier: GPL-2.0
/*
 * refslab slab allocator: owns every cache, slab and page refslab objects
 * live in.
 *
 * Layout.  A slab is 2^order pages taken with alloc_pages(__GFP_COMP); its
 * first RS_SLAB_HDR bytes hold the descriptor (struct rs_slab), the objects
 * follow at a fixed stride, from the first multiple of the cache's
 * alignment past the descriptor (rs_obj_start()): the slab is page aligned
 * and the stride a multiple of the alignment, so every object is aligned
 * as asked, up to PAGE_SIZE.  Any object pointer finds its slab through
 * virt_to_head_page() + page_address().  A free object inside a slab links
 * to the next one through a pointer stored XOR the cache secret and the
 * address it is stored at (always on).  Debug slabs (slab_debug=1 or the
 * cache's debugfs "debug" switch) add a left and right red zone, a state
 * word and poison; the layout is per slab, so the switch is safe to flip at
 * any time: it applies to slabs made afterwards.
 *
 * Fast path.  Each CPU has two arrays of free object pointers ("main" and
 * "spare", magazines) under a local_lock.  refslab allocates and frees only
 * in process context (never in IRQ context), so local_lock() (preemption
 * off on !PREEMPT_RT) is enough and cheaper than local_lock_irqsave().
 * Alloc pops from main, free pushes to main: no atomic read-modify-write.
 * Per-CPU counters are plain increments under the same lock.
 *
 * PREEMPT_RT.  There local_lock() is a per-CPU sleeping lock taken with
 * migration disabled, and spinlocks are rtmutexes: code under the local
 * lock can be preempted, but it stays on its CPU (this_cpu_ptr() and
 * smp_processor_id() under it are stable) and whoever preempts it must
 * take the same lock to touch that CPU's arrays.  So nothing may rely on
 * preemption being off: the arrays and the counters the fast path bumps
 * (pc->live, alloc/free fast/slowpath, array_refill, array_flush) are
 * written only under the local lock, even from the slow paths, or for an
 * offline CPU by the drain under cpus_read_lock() (a this_cpu_inc() from
 * another task on the CPU could otherwise land in the middle of such a
 * plain increment); the counters only slow paths bump
 * (alloc_slab, free_slab, free_remote, alloc_failed, debug_errors) only
 * with this_cpu ops.  What runs outside the local lock reads the CPU only
 * as a hint (rs_new_slab()'s s->cpu, rs_flush_objs()'s remote count)
 * through raw_smp_processor_id().  Every lock is taken in process
 * context; the slow paths sleep (allocate pages) only after dropping the
 * local lock, and under it allocate only with GFP_NOWAIT.
 *
 * Slow path.  An empty main is swapped with a non-empty spare, then with a
 * full array from the node's depot ("barn", under barn_lock), then refilled
 * in one batch from the node's partial slabs (under list_lock); only when
 * no slab has a free object is a new slab allocated, with the local lock
 * dropped (the caller may sleep).  A full main goes to spare, then to the
 * barn; when the barn is full, the array is flushed back to its slabs.  A
 * remote free (object taken on another CPU) is just a push on the freeing
 * CPU's array; flushes return each object to whichever slab it came from.
 *
 * Giving back.  A slab that becomes empty is kept only while the node has
 * fewer than RS_MIN_EMPTY empty slabs, otherwise its pages are freed at
 * once.  A shrinker (trylock only), a periodic reaper of idle barn stock and
 * rs_cache_shrink() (debugfs "shrink") give back arrays and empty slabs.
 * The shrinker is memory-cgroup aware (rs_lru, "shrinker & reaper" in
 * slab_ctl.c): reclaim inside a cgroup (memory.high, memory.reclaim) gives
 * back that cgroup's arrays and empty slabs.  Its count for global reclaim
 * is a per-CPU sum kept where empty slabs and full barn arrays come and
 * go (rs_reclaimable), not a walk over the caches; the reaper goes round
 * the caches RS_REAP_BATCH at a time.
 *
 * Accounting.  Event counters are per CPU, summed when read (debugfs
 * caches/<name>/, "<sum> C<cpu>=n", writing 0 resets them).  "objects" is
 * the exact live count (per-CPU alloc minus free); slabs, pages,
 * objects_partial and the high-water marks are per node, under list_lock:
 * objects_hwm is the peak of objects out of slabs (live or cached in
 * arrays), an upper bound of the live peak; writing 0 restarts a mark from
 * the current value.  free_remote counts objects flushed back to a slab
 * from a CPU other than the one that last refilled from that slab (the
 * fast path itself cannot tell).  slabinfo has one /proc/slabinfo 2.1
 * line per cache, in the layout new slabs get.
 *
 * KASAN (generic, the debug kernel): refslab keeps the shadow of its own
 * slabs and a quarantine of freed objects; what is poisoned when, and why
 * slab.c is built without instrumentation, is told in slab_kasan.h.
 *
 * Charging.  A cache made with rs_cache_create_charged() belongs to one
 * memory cgroup (memcg.c: per-cgroup instances of the general classes and
 * the named caches of a cgroup's heaps): its slab pages and CPU arrays are
 * allocated with __GFP_ACCOUNT under set_active_memcg() of that cgroup, and
 * its metadata when it is made, so they are charged there whichever task
 * allocates or frees (a remote free's array, the collector's frees).  Any
 * other cache charges nobody: its pages may hold objects of many cgroups.
 * Per-cgroup instances get no debugfs directory (slabinfo shows them as
 * rs-<size>@<cgroup inode>@<id>), and at most RS_DEBUGFS_CACHES_MAX caches
 * get one at all, so that heaps making named caches cannot add debugfs inodes
 * without bound.
 *
 * Files.  slab.c is the hot core: everything above that runs per
 * allocation or free, and the drains that share its helpers.  The cold
 * parts are in slab_ctl.c (create and destroy, the size classes, the
 * shrinker and the reaper, debugfs and slabinfo, init and exit); the
 * structs both see are in slab_internal.h.
 *
 * Locking: rules 4-8 of the lock order in heap.h, the one place it is
 * written down (cpu_hotplug_lock, rs_caches_mutex and its rs_lru lists,
 * cache->shrink_mutex, the per-CPU local_lock, then a node's barn_lock or
 * list_lock, never both).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/local_lock.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/random.h>
#include <linux/workqueue.h>
#include <linux/cpu.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <linux/kmemleak.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include "slab_internal.h"
#include "compat.h"
#include "trace.h"

atomic_long_t rs_pages_total = ATOMIC_LONG_INIT(0);
DEFINE_PER_CPU(long, rs_reclaimable);

/* ---------------------------------------------------------------- helpers */

static inline void rs_stat(struct rs_cpu *pc, enum rs_cache_stat_id s)
{
	pc->stat[s]++;
}

static void rs_stat_slow(struct rs_cache *c, enum rs_cache_stat_id s)
{
	this_cpu_inc(c->cpu->stat[s]);
}

/*
 * What @c allocates (slab pages, arrays) is charged to its memory cgroup,
 * never to the caller's: the gfp it passes on gets __GFP_ACCOUNT only for
 * a charged cache, and rs_charge() makes that cache's cgroup the one the
 * kernel charges until rs_uncharge().
 */
static inline gfp_t rs_charge(struct rs_cache *c, gfp_t gfp,
			      struct mem_cgroup **old)
{
	gfp &= RS_GFP_PASS;
	if (!c->memcg)
		return gfp;
	*old = set_active_memcg(c->memcg);
	return gfp | __GFP_ACCOUNT;
}

static inline void rs_uncharge(struct rs_cache *c, struct mem_cgroup *old)
{
	if (c->memcg)
		set_active_memcg(old);
}

static inline struct rs_slab *rs_obj_slab(const void *obj)
{
	return page_address(virt_to_head_page(obj));
}

static inline unsigned long rs_slab_magic(struct rs_cache *c,
					  struct rs_slab *s)
{
	return RS_SLAB_MAGIC ^ c->secret ^ (unsigned long)s;
}

/* Offset of the first object: past the descriptor, at the alignment. */
static inline unsigned int rs_obj_start(unsigned int align)
{
	return max_t(unsigned int, RS_SLAB_HDR, align);
}

static inline void *rs_slab_base(struct rs_slab *s)
{
	return (char *)s + rs_obj_start(s->cache->align);
}

static inline void **rs_fp_addr(struct rs_cache *c, struct rs_slab *s,
				void *obj)
{
	const struct rs_layout *l = s->debug ? &c->dbg : &c->plain;

	return (void **)((char *)obj + l->fp_off);
}

static inline void rs_set_fp(struct rs_cache *c, struct rs_slab *s,
			     void *obj, void *next)
{
	void **p = rs_fp_addr(c, s, obj);

	*p = (void *)((unsigned long)next ^ c->secret ^ (unsigned long)p);
}

static inline void *rs_get_fp(struct rs_cache *c, struct rs_slab *s,
			      void *obj)
{
	void **p = rs_fp_addr(c, s, obj);

	return (void *)((unsigned long)*p ^ c->secret ^ (unsigned long)p);
}

static inline unsigned long *rs_state_addr(struct rs_cache *c, void *obj)
{
	return (unsigned long *)((char *)obj + ALIGN(c->size, 8) + RS_RZ);
}

static void rs_report(struct rs_cache *c, const void *obj, const char *what)
{
	rs_stat_slow(c, RS_DEBUG_ERRORS);
	pr_err_ratelimited("cache %s: %s, object %p\n", c->dname, what, obj);
}

static bool rs_fault_hit(struct rs_fault *f)
{
	u32 p = READ_ONCE(f->probability);
	u32 interval = READ_ONCE(f->interval);
	int times;

	if (!p)
		return false;
	if (atomic_read(&f->times) == 0)
		return false;
	if (interval > 1 && atomic_inc_return(&f->count) % interval)
		return false;
	if (p < 100 && get_random_u32_below(100) >= p)
		return false;
	times = atomic_read(&f->times);
	if (times > 0 && atomic_dec_if_positive(&f->times) < 0)
		return false;
	return true;
}

/* ----------------------------------------------------------------- layout */

static void rs_pick_order(struct rs_layout *l, unsigned int start)
{
	unsigned int order, best = 0, best_waste = UINT_MAX, best_n = 0;

	for (order = 0; order <= RS_MAX_ORDER; order++) {
		unsigned int bytes = PAGE_SIZE << order;
		unsigned int n, waste;

		if (bytes < start + l->stride)
			continue;
		n = (bytes - start) / l->stride;
		waste = bytes - n * l->stride;
		if (waste * 8 <= bytes) {
			l->order = order;
			l->objects = n;
			return;
		}
		/* compare waste fractions: waste/bytes */
		if (best_n == 0 || (u64)waste * (PAGE_SIZE << best) <
		    (u64)best_waste * bytes) {
			best = order;
			best_waste = waste;
			best_n = n;
		}
	}
	l->order = best;
	l->objects = best_n;
}

int rs_layout_init(struct rs_cache *c)
{
	unsigned int a = c->align;

	/* Plain: free pointer in the object unless a ctor owns its bytes. */
	if (c->ctor) {
		c->plain.fp_off = ALIGN(c->size, sizeof(void *));
		c->plain.stride = ALIGN(c->plain.fp_off + sizeof(void *), a);
	} else {
		c->plain.fp_off = 0;
		c->plain.stride = ALIGN(max_t(unsigned int, c->size,
					      sizeof(void *)), a);
	}
	c->plain.obj_off = 0;
	rs_pick_order(&c->plain, rs_obj_start(a));

	/* Debug: [left rz][object][right rz][state][free pointer] */
	c->dbg.obj_off = ALIGN(RS_RZ, a);
	c->dbg.fp_off = ALIGN(c->size, 8) + RS_RZ + sizeof(unsigned long);
	c->dbg.stride = ALIGN(c->dbg.obj_off + c->dbg.fp_off + sizeof(void *),
			      a);
	rs_pick_order(&c->dbg, rs_obj_start(a));
	if (!c->plain.objects || !c->dbg.objects)
		return -EINVAL;
	return 0;
}

/* ------------------------------------------------------------ debug checks */

static void rs_debug_init_obj(struct rs_cache *c, void *obj)
{
	memset((char *)obj - RS_RZ, RS_RZ_BYTE, RS_RZ);
	memset((char *)obj + c->size, RS_RZ_BYTE,
	       ALIGN(c->size, 8) + RS_RZ - c->size);
	if (!c->ctor) {
		memset(obj, RS_POISON_FREE, c->size);
		((u8 *)obj)[c->size - 1] = RS_POISON_END;
	}
	*rs_state_addr(c, obj) = RS_STATE_FREE ^ (unsigned long)obj;
}

static bool rs_check_bytes(const u8 *p, u8 val, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (p[i] != val)
			return false;
	return true;
}

/* Red zones intact?  Repairs them so one overflow is reported once. */
static bool rs_check_rz(struct rs_cache *c, void *obj)
{
	u8 *left = (u8 *)obj - RS_RZ;
	u8 *right = (u8 *)obj + c->size;
	unsigned int rn = ALIGN(c->size, 8) + RS_RZ - c->size;
	bool ok = true;

	if (!rs_check_bytes(left, RS_RZ_BYTE, RS_RZ)) {
		rs_report(c, obj, "left red zone overwritten");
		memset(left, RS_RZ_BYTE, RS_RZ);
		ok = false;
	}
	if (!rs_check_bytes(right, RS_RZ_BYTE, rn)) {
		rs_report(c, obj, "right red zone overwritten");
		memset(right, RS_RZ_BYTE, rn);
		ok = false;
	}
	return ok;
}

/* Is @obj an object start of @c?  Returns its slab or NULL (reported). */
static struct rs_slab *rs_find_slab_checked(struct rs_cache *c, void *obj)
{
	struct rs_slab *s;
	unsigned long off;
	const struct rs_layout *l;

	if (!virt_addr_valid(obj)) {
		rs_report(c, obj, "free of a pointer outside the direct map");
		return NULL;
	}
	s = rs_obj_slab(obj);
	/* The page may be anybody's: read its first word unchecked. */
	if (READ_ONCE_NOCHECK(s->magic) != rs_slab_magic(c, s)) {
		rs_report(c, obj, "free of a pointer that is not an object of this cache");
		return NULL;
	}
	l = s->debug ? &c->dbg : &c->plain;
	off = (unsigned long)obj - (unsigned long)rs_slab_base(s);
	if ((unsigned long)obj < (unsigned long)rs_slab_base(s) ||
	    off / l->stride >= s->objects ||
	    off % l->stride != l->obj_off) {
		rs_report(c, obj, "free of a pointer that is not an object start");
		return NULL;
	}
	return s;
}

/* Debug free: false means "do not free" (already reported). */
static bool rs_debug_free(struct rs_cache *c, void *obj)
{
	struct rs_slab *s = rs_find_slab_checked(c, obj);
	unsigned long *st;

	if (!s)
		return false;
	if (!s->debug)
		return true;
	st = rs_state_addr(c, obj);
	if (*st == (RS_STATE_FREE ^ (unsigned long)obj)) {
		rs_report(c, obj, "double free");
		return false;
	}
	if (*st != (RS_STATE_ALLOC ^ (unsigned long)obj)) {
		rs_report(c, obj, "object state word corrupted");
		return false;
	}
	rs_check_rz(c, obj);
	if (!c->ctor) {
		memset(obj, RS_POISON_FREE, c->size);
		((u8 *)obj)[c->size - 1] = RS_POISON_END;
	}
	*st = RS_STATE_FREE ^ (unsigned long)obj;
	return true;
}

static void rs_debug_alloc(struct rs_cache *c, void *obj)
{
	struct rs_slab *s = rs_obj_slab(obj);
	unsigned long *st;

	if (!s->debug)
		return;
	st = rs_state_addr(c, obj);
	if (*st != (RS_STATE_FREE ^ (unsigned long)obj))
		rs_report(c, obj, "allocated object was not free (state word corrupted)");
	rs_check_rz(c, obj);
	if (!c->ctor) {
		u8 *p = obj;

		if (!rs_check_bytes(p, RS_POISON_FREE, c->size - 1) ||
		    p[c->size - 1] != RS_POISON_END)
			rs_report(c, obj, "poison overwritten (write after free)");
	}
	*st = RS_STATE_ALLOC ^ (unsigned long)obj;
}

/* ------------------------------------------------------------------ slabs */

static void rs_node_hwm(struct rs_node *n)
{
	if (n->inuse > n->objects_hwm)
		n->objects_hwm = n->inuse;
	if (n->nr_pages > n->pages_hwm)
		n->pages_hwm = n->nr_pages;
}

/* A new slab with all objects on its freelist, not on any list yet. */
static struct rs_slab *rs_new_slab(struct rs_cache *c, gfp_t gfp)
{
	bool debug = READ_ONCE(c->debug);
	const struct rs_layout *l = debug ? &c->dbg : &c->plain;
	struct mem_cgroup *old;
	struct rs_slab *s;
	struct page *page;
	void *obj, *prev = NULL;
	unsigned int i;

	if (unlikely(READ_ONCE(c->fail_page.probability)) &&
	    rs_fault_hit(&c->fail_page))
		return NULL;
	gfp = rs_charge(c, gfp, &old);
	page = alloc_pages(gfp | __GFP_COMP | __GFP_NOWARN, l->order);
	rs_uncharge(c, old);
	if (!page)
		return NULL;
	s = page_address(page);
	/* let kmemleak see pointers stored in our objects (never reported) */
	kmemleak_alloc(s, PAGE_SIZE << l->order, 0, gfp);
	s->cache = c;
	INIT_LIST_HEAD(&s->list);
	s->inuse = 0;
	s->objects = l->objects;
	s->stride = l->stride;
	s->order = l->order;
	s->debug = debug;
	s->nid = page_to_nid(page);
	s->cpu = raw_smp_processor_id();
	s->freelist = NULL;
	if (debug)
		atomic_inc(&c->debug_slabs);
	/* Link in address order: refills hand out ascending addresses. */
	obj = (char *)rs_slab_base(s) + l->obj_off +
	      (size_t)(l->objects - 1) * l->stride;
	for (i = 0; i < l->objects; i++, obj = (char *)obj - l->stride) {
		if (debug)
			rs_debug_init_obj(c, obj);
		if (c->ctor)
			c->ctor(obj);
		rs_set_fp(c, s, obj, prev);
		prev = obj;
	}
	s->freelist = prev;
	/* KASAN: all red zone but the descriptor, then each object freed */
	rs_kasan_poison_slab((char *)s + RS_SLAB_HDR,
			     (PAGE_SIZE << l->order) - RS_SLAB_HDR);
	for (i = 0, obj = prev; i < l->objects; i++) {
		rs_kasan_poison_object(obj, c->size);
		obj = (char *)obj + l->stride;
	}
	/* magic last: the slab is valid only once it is fully built */
	s->magic = rs_slab_magic(c, s);
	atomic_long_add(1UL << l->order, &rs_pages_total);
	rs_stat_slow(c, RS_ALLOC_SLAB);
	trace_slab_alloc(c, l->order, s->nid, l->objects);
	return s;
}

static void rs_free_slab(struct rs_cache *c, struct rs_slab *s)
{
	unsigned int order = s->order;

	if (s->debug)
		atomic_dec(&c->debug_slabs);
	s->magic = 0;
	rs_kasan_release_slab((char *)s + RS_SLAB_HDR,
			      (PAGE_SIZE << order) - RS_SLAB_HDR);
	kmemleak_free(s);
	atomic_long_sub(1UL << order, &rs_pages_total);
	trace_slab_free(c, order, s->nid, s->objects);
	__free_pages(virt_to_page(s), order);
}

void rs_free_slab_list(struct rs_cache *c, struct list_head *head)
{
	struct rs_slab *s, *t;

	list_for_each_entry_safe(s, t, head, list) {
		list_del(&s->list);
		rs_free_slab(c, s);
		this_cpu_inc(c->cpu->stat[RS_FREE_SLAB]);
	}
}

/* Put a fresh slab on its node's partial list. */
static void rs_add_slab(struct rs_cache *c, struct rs_slab *s)
{
	struct rs_node *n = c->node[s->nid];

	spin_lock(&n->list_lock);
	list_add(&s->list, &n->partial);
	n->nr_partial++;
	n->nr_empty++;
	rs_reclaimable_add(c, s->objects);
	n->nr_slabs++;
	n->nr_pages += 1UL << s->order;
	rs_node_hwm(n);
	spin_unlock(&n->list_lock);
}

/*
 * Take up to @want objects from the node's partial slabs into @objs.
 * Returns how many.  Caller holds nothing but may hold the local lock.
 */
static unsigned int rs_refill(struct rs_cache *c, struct rs_node *n,
			      void **objs, unsigned int want)
{
	unsigned int got = 0;
	int cpu = smp_processor_id();

	lockdep_assert_not_held(&n->barn_lock);
	spin_lock(&n->list_lock);
	while (got < want && !list_empty(&n->partial)) {
		struct rs_slab *s = list_first_entry(&n->partial,
						     struct rs_slab, list);
		unsigned int before = s->inuse;
		unsigned long lo = (unsigned long)rs_slab_base(s);
		unsigned long hi = lo + (unsigned long)s->objects * s->stride;

		while (got < want && s->freelist) {
			void *obj = s->freelist;
			void *next = rs_get_fp(c, s, obj);

			if (next && ((unsigned long)next < lo ||
				     (unsigned long)next >= hi)) {
				/* Lose the rest of this slab, keep running. */
				rs_report(c, obj, "freelist pointer corrupted");
				next = NULL;
				s->inuse = s->objects - 1;
			}
			s->freelist = next;
			s->inuse++;
			objs[got++] = obj;
		}
		s->cpu = cpu;
		if (!before) {
			n->nr_empty--;
			rs_reclaimable_add(c, -(long)s->objects);
		}
		n->inuse += s->inuse - before;
		if (!s->freelist) {
			list_move(&s->list, &n->full);
			n->nr_partial--;
			n->inuse_partial -= before;
		} else {
			n->inuse_partial += s->inuse - before;
		}
	}
	rs_node_hwm(n);
	spin_unlock(&n->list_lock);
	return got;
}

/*
 * Return @nr objects to their slabs (any node).  Empty slabs beyond the
 * retention are freed after the lock is dropped.  Counts remote frees.
 */
static void rs_flush_objs(struct rs_cache *c, void **objs, unsigned int nr)
{
	LIST_HEAD(to_free);
	unsigned long remote = 0;
	int cpu = raw_smp_processor_id();
	unsigned int i = 0;

	while (i < nr) {
		/* one run of objects of one node under its lock */
		struct rs_slab *s = rs_obj_slab(objs[i]);
		struct rs_node *n;

		n = s->magic == rs_slab_magic(c, s) ? c->node[s->nid] :
						       c->node[numa_mem_id()];
		lockdep_assert_not_held(&n->barn_lock);
		spin_lock(&n->list_lock);
		for (; i < nr; i++) {
			void *obj = objs[i];

			s = rs_obj_slab(obj);
			if (unlikely(s->magic != rs_slab_magic(c, s))) {
				rs_report(c, obj,
					  "flushed pointer is not an object of this cache (leaked)");
				continue;
			}
			if (c->node[s->nid] != n)
				break;
			if (s->cpu != cpu)
				remote++;
			rs_set_fp(c, s, obj, s->freelist);
			s->freelist = obj;
			n->inuse--;
			if (s->inuse == s->objects) {
				/* full -> partial */
				list_move(&s->list, &n->partial);
				n->nr_partial++;
				n->inuse_partial += s->inuse;
			}
			s->inuse--;
			n->inuse_partial--;
			if (s->inuse)
				continue;
			if (n->nr_empty < RS_MIN_EMPTY) {
				n->nr_empty++;
				rs_reclaimable_add(c, s->objects);
				list_move_tail(&s->list, &n->partial);
			} else {
				list_move(&s->list, &to_free);
				n->nr_partial--;
				n->nr_slabs--;
				n->nr_pages -= 1UL << s->order;
			}
		}
		spin_unlock(&n->list_lock);
	}
	if (remote)
		this_cpu_add(c->cpu->stat[RS_FREE_REMOTE], remote);
	rs_free_slab_list(c, &to_free);
}

/* Free every empty slab of the node (shrink).  Returns pages freed. */
unsigned long rs_node_free_empty(struct rs_cache *c, struct rs_node *n,
				 bool trylock)
{
	struct rs_slab *s, *t;
	unsigned long pages = 0;
	LIST_HEAD(to_free);

	if (trylock) {
		if (!spin_trylock(&n->list_lock))
			return 0;
	} else {
		spin_lock(&n->list_lock);
	}
	list_for_each_entry_safe(s, t, &n->partial, list) {
		if (s->inuse)
			continue;
		list_move(&s->list, &to_free);
		n->nr_partial--;
		n->nr_empty--;
		rs_reclaimable_add(c, -(long)s->objects);
		n->nr_slabs--;
		n->nr_pages -= 1UL << s->order;
		pages += 1UL << s->order;
	}
	spin_unlock(&n->list_lock);
	rs_free_slab_list(c, &to_free);
	return pages;
}

/* ------------------------------------------------------------------- barn */

static struct rs_array *rs_array_new(struct rs_cache *c, gfp_t gfp)
{
	struct mem_cgroup *old;
	struct rs_array *a;

	gfp = rs_charge(c, gfp, &old);
	a = kmalloc(struct_size(a, objs, c->array_cap), gfp | __GFP_NOWARN);
	rs_uncharge(c, old);
	if (a)
		a->count = 0;
	return a;
}

static struct rs_array *rs_barn_get(struct rs_cache *c, struct rs_node *n,
				    bool full)
{
	struct rs_array *a = NULL;
	struct list_head *h = full ? &n->barn_full : &n->barn_empty;

	lockdep_assert_not_held(&n->list_lock);
	spin_lock(&n->barn_lock);
	n->barn_used = true;
	if (!list_empty(h)) {
		a = list_first_entry(h, struct rs_array, list);
		list_del(&a->list);
		if (full) {
			n->nr_barn_full--;
			rs_reclaimable_add(c, -(long)a->count);
		} else {
			n->nr_barn_empty--;
		}
	}
	spin_unlock(&n->barn_lock);
	return a;
}

/* Put @a in the barn; false if there is no room for it. */
static bool rs_barn_put(struct rs_cache *c, struct rs_node *n,
			struct rs_array *a, bool full)
{
	bool ok = false;

	lockdep_assert_not_held(&n->list_lock);
	spin_lock(&n->barn_lock);
	n->barn_used = true;
	if (full && n->nr_barn_full < c->barn_max) {
		list_add(&a->list, &n->barn_full);
		n->nr_barn_full++;
		rs_reclaimable_add(c, a->count);
		ok = true;
	} else if (!full && n->nr_barn_empty < c->barn_max) {
		list_add(&a->list, &n->barn_empty);
		n->nr_barn_empty++;
		ok = true;
	}
	spin_unlock(&n->barn_lock);
	return ok;
}

static void rs_put_empty_array(struct rs_cache *c, struct rs_node *n,
			       struct rs_array *a)
{
	if (!rs_barn_put(c, n, a, false))
		kfree(a);
}

/*
 * Drain a node's barn.  Returns objects given back to slabs.  Never called
 * with the local lock held (it takes it to count the flushes).
 */
unsigned long rs_barn_drain(struct rs_cache *c, struct rs_node *n,
			    bool trylock, bool half)
{
	struct rs_array *a, *t;
	unsigned long objs = 0, flushed = 0;
	unsigned int take;
	LIST_HEAD(full);
	LIST_HEAD(empty);

	lockdep_assert_not_held(raw_cpu_ptr(&c->cpu->lock));
	lockdep_assert_not_held(&n->list_lock);
	if (trylock) {
		if (!spin_trylock(&n->barn_lock))
			return 0;
	} else {
		spin_lock(&n->barn_lock);
	}
	take = half ? (n->nr_barn_full + 1) / 2 : n->nr_barn_full;
	while (take--) {
		a = list_first_entry(&n->barn_full, struct rs_array, list);
		list_move(&a->list, &full);
		n->nr_barn_full--;
		rs_reclaimable_add(c, -(long)a->count);
	}
	list_splice_init(&n->barn_empty, &empty);
	n->nr_barn_empty = 0;
	spin_unlock(&n->barn_lock);

	list_for_each_entry_safe(a, t, &full, list) {
		rs_flush_objs(c, a->objs, a->count);
		flushed++;
		objs += a->count;
		kfree(a);
	}
	list_for_each_entry_safe(a, t, &empty, list)
		kfree(a);
	/* array_flush is a fast-path counter: written under the local lock */
	if (flushed) {
		local_lock(&c->cpu->lock);
		this_cpu_ptr(c->cpu)->stat[RS_ARRAY_FLUSH] += flushed;
		local_unlock(&c->cpu->lock);
	}
	return objs;
}

/* -------------------------------------------------------------- fast path */

/*
 * Called and returns with the local lock held; drops it only to allocate.
 * (Balanced, so that sparse sees the same lock context on PREEMPT_RT, whose
 * local_lock() is an annotated spinlock, as elsewhere.)
 */
static void *rs_alloc_slow(struct rs_cache *c, gfp_t gfp)
	__must_hold(&c->cpu->lock)
{
	struct rs_cpu *pc;
	struct rs_array *a;
	struct rs_node *n;
	struct rs_slab *s;
	void *obj;

	lockdep_assert_held(this_cpu_ptr(&c->cpu->lock));
	for (;;) {
		pc = this_cpu_ptr(c->cpu);
		a = pc->main;
		if (a && a->count) {
			obj = a->objs[--a->count];
			pc->live++;
			rs_stat(pc, RS_ALLOC_SLOWPATH);
			return obj;
		}
		if (pc->spare && pc->spare->count) {
			pc->main = pc->spare;
			pc->spare = a;
			continue;
		}
		n = c->node[numa_mem_id()];
		a = rs_barn_get(c, n, true);
		if (a) {
			if (pc->main) {
				if (!pc->spare)
					pc->spare = pc->main;
				else
					rs_put_empty_array(c, n, pc->main);
			}
			pc->main = a;
			continue;
		}
		if (!pc->main) {
			a = rs_barn_get(c, n, false);
			if (!a) {
				local_unlock(&c->cpu->lock);
				a = rs_array_new(c, gfp);
				local_lock(&c->cpu->lock);
				if (!a)
					break;
				pc = this_cpu_ptr(c->cpu);
			}
			if (pc->main)
				rs_put_empty_array(c, n, a);
			else
				pc->main = a;
			continue;
		}
		a = pc->main;
		a->count = rs_refill(c, n, a->objs, c->array_cap);
		if (a->count) {
			rs_stat(pc, RS_ARRAY_REFILL);
			continue;
		}
		local_unlock(&c->cpu->lock);
		s = rs_new_slab(c, gfp);
		if (s)
			rs_add_slab(c, s);
		local_lock(&c->cpu->lock);
		if (!s)
			break;
	}
	rs_stat_slow(c, RS_ALLOC_FAILED);
	return NULL;
}

void *rs_cache_alloc(struct rs_cache *c, gfp_t gfp)
{
	struct rs_cpu *pc;
	struct rs_array *a;
	void *obj;

	if (unlikely(READ_ONCE(c->fail_alloc.probability)) &&
	    rs_fault_hit(&c->fail_alloc)) {
		rs_stat_slow(c, RS_ALLOC_FAILED);
		return NULL;
	}
	might_alloc(gfp);

	local_lock(&c->cpu->lock);
	pc = this_cpu_ptr(c->cpu);
	a = pc->main;
	if (likely(a && a->count)) {
		obj = a->objs[--a->count];
		pc->live++;
		rs_stat(pc, RS_ALLOC_FASTPATH);
	} else {
		obj = rs_alloc_slow(c, gfp);
	}
	local_unlock(&c->cpu->lock);
	if (unlikely(!obj))
		return NULL;
	if (unlikely(atomic_read(&c->debug_slabs)))
		rs_debug_alloc(c, obj);
	rs_kasan_unpoison_object(obj, c->size);
	if (unlikely(gfp & __GFP_ZERO))
		memset(obj, 0, c->size);
	return obj;
}

/* Local lock held; main is missing or full. */
static void rs_free_slow(struct rs_cache *c, struct rs_cpu *pc, void *obj)
{
	struct rs_node *n = c->node[numa_mem_id()];
	struct rs_array *a = pc->main;

	lockdep_assert_held(&pc->lock);
	rs_stat(pc, RS_FREE_SLOWPATH);
	if (a && pc->spare && pc->spare->count < c->array_cap) {
		pc->main = pc->spare;
		pc->spare = a;
		goto push;
	}
	if (a && !pc->spare) {
		pc->spare = a;
		pc->main = NULL;
	} else if (a) {
		/* main and spare are full: main goes to the barn or slabs */
		if (!rs_barn_put(c, n, a, true)) {
			rs_flush_objs(c, a->objs, a->count);
			a->count = 0;
			rs_stat(pc, RS_ARRAY_FLUSH);
			goto push;
		}
		pc->main = NULL;
	}
	a = rs_barn_get(c, n, false);
	if (!a)
		a = rs_array_new(c, GFP_NOWAIT);
	if (!a) {
		rs_flush_objs(c, &obj, 1);
		return;
	}
	pc->main = a;
push:
	pc->main->objs[pc->main->count++] = obj;
}

void rs_cache_free(struct rs_cache *c, void *obj)
{
	struct rs_cpu *pc;
	struct rs_array *a;

	if (unlikely(!obj))
		return;
	if (unlikely(READ_ONCE(c->debug) || atomic_read(&c->debug_slabs)) &&
	    !rs_debug_free(c, obj))
		return;
	if (unlikely(!rs_kasan_free_object(obj, c->size))) {
		rs_report(c, obj, "double free (KASAN shadow)");
		return;
	}

	local_lock(&c->cpu->lock);
	pc = this_cpu_ptr(c->cpu);
	a = pc->main;
	pc->live--;
	/* KASAN: @obj waits in the quarantine, the oldest there goes on */
	obj = rs_quarantine_put(&pc->quar, obj);
	if (unlikely(!obj)) {
		/* counted now: free counters are the user's frees */
		rs_stat(pc, RS_FREE_FASTPATH);
	} else if (likely(a && a->count < c->array_cap)) {
		a->objs[a->count++] = obj;
		rs_stat(pc, RS_FREE_FASTPATH);
	} else {
		rs_free_slow(c, pc, obj);
	}
	local_unlock(&c->cpu->lock);
}

/*
 * Free @nr objects of @c at once, as kmem_cache_free_bulk() does: past the
 * CPU arrays, straight back into their slabs (rs_flush_objs(): one
 * list_lock hold per run of objects of one node, each object's memory
 * written once, for its free pointer; empty slabs beyond the retention go
 * back).  For a caller that frees many objects together (the collector's
 * garbage), where the arrays would only overflow into the barn and be
 * flushed there.  The counters see @nr slow-path frees.  Debug slabs and
 * KASAN check and quarantine each free: they take rs_cache_free().
 */
void rs_cache_free_bulk(struct rs_cache *c, unsigned int nr, void **objs)
{
	struct rs_cpu *pc;
	unsigned int i;

	if (!nr)
		return;
	if (rs_kasan_on() || unlikely(READ_ONCE(c->debug) ||
				      atomic_read(&c->debug_slabs))) {
		for (i = 0; i < nr; i++)
			rs_cache_free(c, objs[i]);
		return;
	}
	local_lock(&c->cpu->lock);
	pc = this_cpu_ptr(c->cpu);
	pc->live -= nr;
	pc->stat[RS_FREE_SLOWPATH] += nr;
	local_unlock(&c->cpu->lock);
	rs_flush_objs(c, objs, nr);
}

/* ---------------------------------------------------------------- drains */

/* KASAN: the CPU's quarantine back to the slabs, oldest first. */
static void rs_quarantine_drain(struct rs_cache *c, struct rs_cpu *pc)
{
	void *batch[16];
	unsigned int n = 0;
	void *obj;

	while ((obj = rs_quarantine_pop(&pc->quar))) {
		batch[n++] = obj;
		if (n == ARRAY_SIZE(batch)) {
			rs_flush_objs(c, batch, n);
			n = 0;
		}
	}
	if (n)
		rs_flush_objs(c, batch, n);
}

/*
 * Empty a CPU's quarantine and arrays into the slabs.  Runs on that CPU
 * under its local lock, or from any CPU when nothing else can touch @pc:
 * its CPU is offline and the hotplug lock is held (rs_slab_cpu_dead,
 * rs_drain_all_cpus), or nobody can reach the cache any more
 * (rs_cache_release).
 */
void rs_drain_cpu_arrays(struct rs_cache *c, struct rs_cpu *pc,
			 bool free_arrays)
{
	struct rs_array *a;

	rs_quarantine_drain(c, pc);
	a = pc->main;
	if (a && a->count) {
		rs_flush_objs(c, a->objs, a->count);
		a->count = 0;
		pc->stat[RS_ARRAY_FLUSH]++;
	}
	a = pc->spare;
	if (a && a->count) {
		rs_flush_objs(c, a->objs, a->count);
		a->count = 0;
		pc->stat[RS_ARRAY_FLUSH]++;
	}
	if (free_arrays) {
		kfree(pc->main);
		kfree(pc->spare);
		pc->main = NULL;
		pc->spare = NULL;
	}
}

void rs_drain_work_fn(struct work_struct *w)
{
	struct rs_cpu *wpc = container_of(w, struct rs_cpu, drain_work);
	struct rs_cache *c = wpc->cache;

	local_lock(&c->cpu->lock);
	rs_drain_cpu_arrays(c, this_cpu_ptr(c->cpu),
			    READ_ONCE(wpc->drain_free_arrays));
	local_unlock(&c->cpu->lock);
}

/*
 * Drain every CPU's arrays and wait for it.  The caller holds
 * cpus_read_lock() (rule 4 of heap.h's order): a CPU online here stays
 * online until its work has run on it, and an offline CPU, drained in
 * place, cannot come back meanwhile.  Every possible CPU's work is
 * flushed: work the shrinker queued on a CPU that went offline since runs
 * on another CPU, and must not outlive the cache.
 */
static void rs_drain_all_cpus(struct rs_cache *c, bool free_arrays)
{
	int cpu;

	lockdep_assert_held(&c->shrink_mutex);
	for_each_possible_cpu(cpu) {
		struct rs_cpu *pc = per_cpu_ptr(c->cpu, cpu);

		if (cpu_online(cpu)) {
			WRITE_ONCE(pc->drain_free_arrays, free_arrays);
			queue_work_on(cpu, rs_wq, &pc->drain_work);
		} else {
			rs_drain_cpu_arrays(c, pc, free_arrays);
		}
	}
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(c->cpu, cpu)->drain_work);
}

/* Free objects out of the slabs: CPU arrays, barns, quarantines. */
static unsigned long rs_cache_cached(struct rs_cache *c)
{
	unsigned long inuse = 0, live = rs_cache_live_objects(c);
	int nid;

	for_each_node(nid)
		inuse += READ_ONCE(c->node[nid]->inuse);
	return inuse > live ? inuse - live : 0;
}

void rs_shrink_begin(struct rs_cache *c, struct rs_shrink_snap *snap)
{
	snap->on = trace_shrink_enabled();
	if (snap->on) {
		snap->cached = rs_cache_cached(c);
		snap->pages = rs_cache_pages(c);
	}
}

/* Reports what went back since rs_shrink_begin(), if anything did. */
void rs_shrink_end(struct rs_cache *c, struct rs_shrink_snap *snap,
		   bool reclaim)
{
	unsigned long cached, pages;

	if (!snap->on)
		return;
	cached = rs_cache_cached(c);
	pages = rs_cache_pages(c);
	cached = snap->cached > cached ? snap->cached - cached : 0;
	pages = snap->pages > pages ? snap->pages - pages : 0;
	if (cached || pages)
		trace_shrink(c, cached, pages, reclaim);
}

/*
 * Give back everything cached: CPU arrays, the barns, the empty slabs.
 * cpus_read_lock() held.  Returns pages freed.
 */
unsigned long rs_drain(struct rs_cache *c)
{
	unsigned long before = rs_cache_pages(c), after;
	struct rs_shrink_snap snap;
	int nid;

	mutex_lock(&c->shrink_mutex);
	rs_shrink_begin(c, &snap);
	rs_drain_all_cpus(c, true);
	for_each_node(nid) {
		rs_barn_drain(c, c->node[nid], false, false);
		rs_node_free_empty(c, c->node[nid], false);
	}
	rs_shrink_end(c, &snap, false);
	mutex_unlock(&c->shrink_mutex);
	after = rs_cache_pages(c);
	return before > after ? before - after : 0;
}

unsigned long rs_cache_shrink(struct rs_cache *c)
{
	unsigned long pages;

	cpus_read_lock();
	pages = rs_drain(c);
	cpus_read_unlock();
	return pages;
}

/* ------------------------------------------------------------- accounting */

unsigned long rs_cache_live_objects(struct rs_cache *c)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(c->cpu, cpu)->live);
	return sum > 0 ? sum : 0;
}

/* KASAN: objects freed but held in the quarantines (0 without KASAN). */
unsigned long rs_cache_quarantined(struct rs_cache *c)
{
	unsigned long sum = 0;
	int cpu;

	if (!rs_quarantine_cap(c->plain.stride))
		return 0;
	for_each_possible_cpu(cpu)
		sum += rs_quarantine_count(&per_cpu_ptr(c->cpu, cpu)->quar);
	return sum;
}

unsigned long rs_node_sum(struct rs_cache *c, size_t off)
{
	unsigned long sum = 0;
	int nid;

	for_each_node(nid)
		sum += READ_ONCE(*(unsigned long *)((char *)c->node[nid] + off));
	return sum;
}

unsigned long rs_cache_slabs(struct rs_cache *c)
{
	return rs_node_sum(c, offsetof(struct rs_node, nr_slabs));
}

unsigned long rs_cache_pages(struct rs_cache *c)
{
	return rs_node_sum(c, offsetof(struct rs_node, nr_pages));
}

unsigned long rs_cache_stat(struct rs_cache *c, enum rs_cache_stat_id id)
{
	unsigned long sum = 0;
	int cpu;

	if (id >= RS_NR_STATS)
		return 0;
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(c->cpu, cpu)->stat[id]);
	return sum;
}

unsigned int rs_cache_object_size(const struct rs_cache *c)
{
	return c->plain.stride;
}

const char *rs_cache_name(const struct rs_cache *c)
{
	return c->name;
}

unsigned int rs_cache_objs_per_slab(const struct rs_cache *c)
{
	return c->plain.objects;
}

unsigned int rs_cache_order(const struct rs_cache *c)
{
	return c->plain.order;
}

unsigned long rs_cache_retention_bound(const struct rs_cache *c)
{
	/* objects cached in arrays and barns, plus retained empty slabs */
	unsigned long objs = (unsigned long)c->array_cap *
			     (2 * num_possible_cpus() +
			      2 * c->barn_max * nr_node_ids);
	unsigned int quar = rs_quarantine_cap(c->plain.stride);

	/* KASAN: and the objects each CPU's quarantine holds */
	if (quar)
		objs += (unsigned long)quar * num_possible_cpus();

	return (DIV_ROUND_UP(objs, c->plain.objects) +
		RS_MIN_EMPTY * nr_node_ids) << c->plain.order;
}

void rs_cache_set_debug(struct rs_cache *c, bool on)
{
	WRITE_ONCE(c->debug, on);
	/* Drop slabs of the old layout that nothing uses. */
	rs_cache_shrink(c);
}

void rs_cache_set_fault(struct rs_cache *c, bool page, unsigned int prob,
			unsigned int interval, int times)
{
	struct rs_fault *f = page ? &c->fail_page : &c->fail_alloc;

	WRITE_ONCE(f->probability, 0);
	WRITE_ONCE(f->interval, interval);
	atomic_set(&f->times, times);
	atomic_set(&f->count, 0);
	WRITE_ONCE(f->probability, prob);
}

/*
 * Test hook: address of the stored (hardened) link of the first free
 * object on @obj's slab freelist, NULL if the freelist is empty.
 */
void **rs_slab_test_freelist_slot(void *obj)
{
	struct rs_slab *s = rs_obj_slab(obj);
	struct rs_cache *c = s->cache;
	struct rs_node *n = c->node[s->nid];
	void **slot = NULL;

	spin_lock(&n->list_lock);
	if (s->freelist)
		slot = rs_fp_addr(c, s, s->freelist);
	spin_unlock(&n->list_lock);
	return slot;
}

/*
 * Test hook: this CPU's quarantine of @c (KASAN) back to its arrays, oldest
 * first, so that the next allocation takes the object freed last, as it
 * does without a quarantine.  Nothing without KASAN.
 */
void rs_slab_test_quarantine_flush(struct rs_cache *c)
{
	struct rs_cpu *pc;
	struct rs_array *a;
	void *obj;

	local_lock(&c->cpu->lock);
	pc = this_cpu_ptr(c->cpu);
	while ((obj = rs_quarantine_pop(&pc->quar))) {
		a = pc->main;
		if (a && a->count < c->array_cap)
			a->objs[a->count++] = obj;
		else
			rs_flush_objs(c, &obj, 1);
	}
	local_unlock(&c->cpu->lock);
}

