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
 * The shrinker is memory-cgroup aware (rs_lru, "shrinker & reaper"
 * below): reclaim inside a cgroup (memory.high, memory.reclaim) gives
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
 * KASAN (generic, the debug kernel; all of it in slab_kasan.h, nothing
 * without CONFIG_KASAN_GENERIC: slab.c's object code is then unchanged).
 * KASAN knows slabs of the kernel's own allocator only, so refslab keeps
 * the shadow of its slabs itself:
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
 * Every other file of the module is instrumented and may touch an object
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
 * Locking (rules 4-8 of heap.h's order, which has them all):
 *   cpus_read_lock (drains)
 *     -> rs_caches_mutex (cache list) [-> rs_lru's list lock, a leaf]
 *       -> cache->shrink_mutex (one drain of a cache at a time)
 *         -> per-CPU local_lock -> node barn_lock | node list_lock
 * barn_lock and list_lock are never held together.  The CPU hotplug
 * callback runs under the hotplug lock held for writing and takes
 * rs_caches_mutex.  Create and destroy hold rs_caches_mutex only for
 * list_add/list_del: a cache's debugfs name needs no search (its id), and
 * its debugfs files go and its work is flushed with no lock held.
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
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/ratelimit.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/kmemleak.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include "slab.h"
#include "compat.h"
#include "slab_kasan.h"
#include "trace.h"

static bool slab_debug;
module_param(slab_debug, bool, 0444);
MODULE_PARM_DESC(slab_debug, "Debug checks (poison, red zones, double free) on every refslab cache");

#define RS_SLAB_HDR		64	/* descriptor room at the slab start */
#define RS_MAX_ORDER		7
#define RS_MIN_EMPTY		2	/* empty slabs kept per node */
#define RS_REAP_INTERVAL	(2 * HZ)
#define RS_RZ			16	/* red zone bytes on each side */
#define RS_RZ_BYTE		0xbb
#define RS_POISON_FREE		0x6b
#define RS_POISON_END		0xa5
#define RS_SLAB_MAGIC		0x52534c4142UL	/* "RSLAB" */
#define RS_STATE_ALLOC		0xa110ca7edUL
#define RS_STATE_FREE		0xf4eedUL
/* gfp bits passed on to the page allocator and kmalloc */
#define RS_GFP_PASS	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH | \
			 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NORETRY | \
			 __GFP_NOMEMALLOC)

/**
 * struct rs_slab - descriptor at the start of every slab
 * @magic: RS_SLAB_MAGIC ^ cache secret ^ own address (checked on flush and
 *	by the debug pointer check).
 * @cache: owning cache.
 * @list: on the node's partial or full list (under list_lock).
 * @freelist: first free object, hardened link in each free object.
 * @inuse: objects not on @freelist (allocated or in per-CPU arrays).
 * @objects: objects in this slab.
 * @stride: distance between two objects.
 * @order: page order.
 * @debug: debug layout.
 * @nid: node of the pages.
 * @cpu: CPU that last took objects from this slab (free_remote counter).
 */
struct rs_slab {
	unsigned long magic;
	struct rs_cache *cache;
	struct list_head list;
	void *freelist;
	unsigned int inuse;
	unsigned int objects;
	unsigned int stride;
	u8 order;
	u8 debug;
	u16 nid;
	int cpu;
};

/* An array (magazine) of free object pointers. */
struct rs_array {
	struct list_head list;
	unsigned int count;
	void *objs[];
};

static const char * const rs_stat_names[RS_NR_STATS] = {
	"alloc_fastpath", "alloc_slowpath", "free_fastpath", "free_slowpath",
	"free_remote", "alloc_slab", "free_slab", "array_refill",
	"array_flush", "alloc_failed", "debug_errors",
};

/* Gauges shown per node or per CPU; not resettable except the hwm. */
enum rs_gauge {
	RS_G_OBJECTS,
	RS_G_OBJECTS_PARTIAL,
	RS_G_SLABS,
	RS_G_PAGES,
	RS_G_OBJECTS_HWM,
	RS_G_PAGES_HWM,
	RS_NR_GAUGES,
};

static const char * const rs_gauge_names[RS_NR_GAUGES] = {
	"objects", "objects_partial", "slabs", "pages", "objects_hwm",
	"pages_hwm",
};

struct rs_cpu {
	local_lock_t lock;
	struct rs_array *main;
	struct rs_array *spare;
	long live;			/* allocs - frees on this CPU */
	unsigned long stat[RS_NR_STATS];
	struct work_struct drain_work;
	struct rs_cache *cache;
	bool drain_free_arrays;
	struct rs_quarantine quar;	/* KASAN only; empty otherwise */
};

struct rs_node {
	spinlock_t list_lock;		/* the slab lists and counts below */
	struct list_head partial;	/* slabs with a free object */
	struct list_head full;
	unsigned long nr_partial;
	unsigned long nr_empty;		/* inuse == 0, on partial */
	unsigned long nr_slabs;
	unsigned long nr_pages;
	unsigned long inuse;		/* objects out of slabs */
	unsigned long inuse_partial;	/* of which in partial slabs */
	unsigned long objects_hwm;
	unsigned long pages_hwm;

	spinlock_t barn_lock;		/* the depot: arrays below */
	struct list_head barn_full;
	struct list_head barn_empty;
	unsigned int nr_barn_full;
	unsigned int nr_barn_empty;
	bool barn_used;			/* touched since the last reap */
};

/* Own failslab-style knob (the stock kernel has no fault injection). */
struct rs_fault {
	u32 probability;		/* percent; 0 = off */
	u32 interval;			/* fail at most every Nth call */
	atomic_t times;			/* failures left; -1 = no limit */
	atomic_t count;			/* eligible calls seen */
};

struct rs_layout {
	unsigned int stride;
	unsigned int objects;
	unsigned int order;
	unsigned int obj_off;		/* payload offset in the stride */
	unsigned int fp_off;		/* free pointer, from the payload */
};

struct rs_stat_file {
	struct rs_cache *cache;
	int idx;			/* < RS_NR_STATS: stat, else gauge */
};

struct rs_cache {
	char name[RS_CACHE_NAME_MAX];	/* as asked */
	char dname[RS_CACHE_NAME_MAX + 24];	/* unique debugfs/slabinfo name */
	unsigned long id;		/* unique since load: in dname */
	unsigned int size;
	unsigned int align;
	void (*ctor)(void *obj);
	unsigned long secret;
	unsigned int array_cap;
	unsigned int barn_max;
	bool general;

	struct rs_layout plain;
	struct rs_layout dbg;
	bool debug;			/* new slabs get the debug layout */
	atomic_t debug_slabs;		/* debug slabs alive */

	struct rs_fault fail_alloc;
	struct rs_fault fail_page;

	struct mem_cgroup *memcg;	/* charged to (memcg.c); NULL: nobody */
	struct rs_lru_token *token;	/* on rs_lru while registered */
	bool root_lru;			/* counted in rs_reclaimable */
	bool no_debugfs;

	struct rs_cpu __percpu *cpu;
	struct rs_node **node;		/* nr_node_ids entries */
	struct mutex shrink_mutex;
	struct list_head list;		/* on rs_caches */
	struct dentry *dir;
	struct rs_stat_file files[RS_NR_STATS + RS_NR_GAUGES];
};

static LIST_HEAD(rs_caches);
static DEFINE_MUTEX(rs_caches_mutex);
static atomic_long_t rs_cache_ids = ATOMIC_LONG_INIT(0);
static int rs_cpuhp_state;		/* dynamic CPU hotplug state, or 0 */
static atomic_long_t rs_pages_total = ATOMIC_LONG_INIT(0);
static struct dentry *rs_slab_root;
static struct dentry *rs_caches_dir;
static struct dentry *rs_slabinfo_file;
static struct workqueue_struct *rs_wq;
static struct delayed_work rs_reap_work;
/*
 * Where the reaper goes on (under rs_caches_mutex; NULL: at the start of
 * rs_caches).  It reaps RS_REAP_BATCH caches per hold of the mutex, so
 * creates and destroys never wait behind a walk of every cache; a
 * destroy of the cache it points at moves it to the next one.
 */
static struct rs_cache *rs_reap_next;
#define RS_REAP_BATCH		64
static struct shrinker *rs_shrinker;
/*
 * Caches with a debugfs directory (about 20 inodes each): any heap can
 * make named caches, so beyond this many the rest show in slabinfo only.
 */
#define RS_DEBUGFS_CACHES_MAX	256
static atomic_t rs_debugfs_caches;

/*
 * General size classes: 8-byte steps to 64, then four steps per power of
 * two.  65536 is left out: no slab order up to RS_MAX_ORDER fits it with
 * waste <= 1/8 next to the descriptor; 81920 serves it.
 */
static const unsigned int rs_class_sizes[] = {
	8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256,
	320, 384, 448, 512, 640, 768, 896, 1024, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192, 10240, 12288, 14336,
	16384, 20480, 24576, 28672, 32768, 40960, 49152, 57344, 81920,
};

#define RS_NR_CLASSES	ARRAY_SIZE(rs_class_sizes)
static_assert(RS_NR_CLASSES == RS_NR_SIZE_CLASSES);
static struct rs_cache *rs_classes[RS_NR_CLASSES];
struct rs_class_lut rs_class_lut[RS_CLASS_LUT_MAX / 8 + 1];

static void rs_debugfs_add(struct rs_cache *c);
static void rs_debugfs_del(struct rs_cache *c);

/*
 * The shrinker is memory-cgroup aware.  The kernel calls a memcg-aware
 * shrinker for a cgroup only once its bit is set in that cgroup's shrinker
 * map, and a module can set it only through a list_lru: so each cache has
 * a token on rs_lru, allocated (kmem_cache_alloc_lru()) under the cache's
 * cgroup, which puts it on that cgroup's list.  Reclaim inside a cgroup
 * (memory.high, memory.reclaim) counts and scans the caches on its list;
 * the root cgroup's reclaim (global reclaim) uses rs_reclaimable below and
 * walks every cache.  Tokens are added and removed under rs_caches_mutex
 * (register/unregister), so a scan that holds it finds only live caches.
 */
struct rs_lru_token {
	struct list_head lru;
	struct rs_cache *cache;
};

static struct kmem_cache *rs_token_cache;
static struct list_lru rs_lru;
static bool rs_lru_ready;

/*
 * What the shrinker can give back, in objects, over the caches of the
 * root cgroup (the general classes, caches of root heaps): each empty slab
 * kept on a partial list counts its objects, each full array in a barn
 * its objects.  Kept per CPU where those counts change (under the node's
 * list_lock or barn_lock), so that the shrinker's count for global
 * reclaim is a sum over CPUs, not a walk over caches.  A CPU's figure may
 * go negative; only the sum means anything.
 */
static DEFINE_PER_CPU(long, rs_reclaimable);

static inline void rs_reclaimable_add(struct rs_cache *c, long objs)
{
	if (c->root_lru)
		this_cpu_add(rs_reclaimable, objs);
}

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

static int rs_layout_init(struct rs_cache *c)
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

static void rs_free_slab_list(struct rs_cache *c, struct list_head *head)
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
static unsigned long rs_node_free_empty(struct rs_cache *c, struct rs_node *n,
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
static unsigned long rs_barn_drain(struct rs_cache *c, struct rs_node *n,
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
static void rs_drain_cpu_arrays(struct rs_cache *c, struct rs_cpu *pc,
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

static void rs_drain_work_fn(struct work_struct *w)
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

/*
 * For the shrink tracepoint: what a drain of a cache starts from (free
 * objects out of its slabs, pages), counted only when the event is on.
 */
struct rs_shrink_snap {
	bool on;
	unsigned long cached;
	unsigned long pages;
};

/* Free objects out of the slabs: CPU arrays, barns, quarantines. */
static unsigned long rs_cache_cached(struct rs_cache *c)
{
	unsigned long inuse = 0, live = rs_cache_live_objects(c);
	int nid;

	for_each_node(nid)
		inuse += READ_ONCE(c->node[nid]->inuse);
	return inuse > live ? inuse - live : 0;
}

static void rs_shrink_begin(struct rs_cache *c, struct rs_shrink_snap *snap)
{
	snap->on = trace_shrink_enabled();
	if (snap->on) {
		snap->cached = rs_cache_cached(c);
		snap->pages = rs_cache_pages(c);
	}
}

/* Reports what went back since rs_shrink_begin(), if anything did. */
static void rs_shrink_end(struct rs_cache *c, struct rs_shrink_snap *snap,
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
static unsigned long rs_drain(struct rs_cache *c)
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
static unsigned long rs_cache_quarantined(struct rs_cache *c)
{
	unsigned long sum = 0;
	int cpu;

	if (!rs_quarantine_cap(c->plain.stride))
		return 0;
	for_each_possible_cpu(cpu)
		sum += rs_quarantine_count(&per_cpu_ptr(c->cpu, cpu)->quar);
	return sum;
}

static unsigned long rs_node_sum(struct rs_cache *c, size_t off)
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

unsigned long rs_slab_shrink_all(void)
{
	struct rs_cache *c;
	unsigned long pages = 0;

	cpus_read_lock();
	mutex_lock(&rs_caches_mutex);
	list_for_each_entry(c, &rs_caches, list)
		pages += rs_drain(c);
	mutex_unlock(&rs_caches_mutex);
	cpus_read_unlock();
	return pages;
}

unsigned long rs_slab_total_pages(void)
{
	return atomic_long_read(&rs_pages_total);
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

/* -------------------------------------------------------- create/destroy */

static struct rs_cache *rs_cache_new(const char *name, unsigned int size,
				     unsigned int align, void (*ctor)(void *),
				     gfp_t gfp)
{
	struct rs_cache *c;
	size_t nlen;
	int cpu, nid;

	if (!name || !size || size > RS_MAX_CLASS_SIZE)
		return NULL;
	nlen = strnlen(name, RS_CACHE_NAME_MAX);
	if (!nlen || nlen >= RS_CACHE_NAME_MAX || strchr(name, '/'))
		return NULL;
	if (!align)
		align = sizeof(void *);
	if (!is_power_of_2(align) || align > PAGE_SIZE)
		return NULL;
	align = max_t(unsigned int, align, sizeof(void *));

	c = kzalloc(sizeof(*c), gfp);
	if (!c)
		return NULL;
	c->root_lru = true;
	/* under the cache's cgroup (set_active_memcg()): on its list */
	c->token = kmem_cache_alloc_lru(rs_token_cache, &rs_lru, gfp);
	if (!c->token)
		goto err;
	INIT_LIST_HEAD(&c->token->lru);
	c->token->cache = c;
	strscpy(c->name, name, sizeof(c->name));
	c->size = size;
	c->align = align;
	c->ctor = ctor;
	c->secret = get_random_long() | 1;
	c->debug = slab_debug;
	mutex_init(&c->shrink_mutex);
	INIT_LIST_HEAD(&c->list);
	atomic_set(&c->fail_alloc.times, -1);
	atomic_set(&c->fail_page.times, -1);
	c->fail_alloc.interval = 1;
	c->fail_page.interval = 1;
	if (rs_layout_init(c))
		goto err;
	c->array_cap = clamp_t(unsigned int, 16384 / c->plain.stride, 4, 128);
	c->barn_max = clamp_t(unsigned int,
			      (256 * 1024) / (c->array_cap * c->plain.stride),
			      4, 16);

	/*
	 * The percpu allocator drops __GFP_RETRY_MAYFAIL when it populates
	 * a chunk; __GFP_NORETRY is what keeps it from the OOM killer.
	 */
	c->cpu = alloc_percpu_gfp(struct rs_cpu,
				  gfp & __GFP_RETRY_MAYFAIL ? gfp | __GFP_NORETRY : gfp);
	if (!c->cpu)
		goto err;
	for_each_possible_cpu(cpu) {
		struct rs_cpu *pc = per_cpu_ptr(c->cpu, cpu);

		local_lock_init(&pc->lock);
		INIT_WORK(&pc->drain_work, rs_drain_work_fn);
		pc->cache = c;
		rs_quarantine_init(&pc->quar, c->plain.stride);
	}
	c->node = kcalloc(nr_node_ids, sizeof(*c->node), gfp);
	if (!c->node)
		goto err;
	for_each_node(nid) {
		struct rs_node *n;

		n = kzalloc_node(sizeof(*n), gfp, nid);
		if (!n)
			goto err;
		spin_lock_init(&n->list_lock);
		spin_lock_init(&n->barn_lock);
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->full);
		INIT_LIST_HEAD(&n->barn_full);
		INIT_LIST_HEAD(&n->barn_empty);
		c->node[nid] = n;
	}
	return c;
err:
	if (c->node)
		for_each_node(nid)
			kfree(c->node[nid]);
	kfree(c->node);
	free_percpu(c->cpu);
	if (c->token)
		kmem_cache_free(rs_token_cache, c->token);
	kfree(c);
	return NULL;
}

static void rs_cache_free_meta(struct rs_cache *c)
{
	int nid;

	for_each_node(nid)
		kfree(c->node[nid]);
	kfree(c->node);
	free_percpu(c->cpu);
	kmem_cache_free(rs_token_cache, c->token);
	kfree(c);
}

/*
 * The debugfs and slabinfo name, unique without a search: a general class
 * keeps its name ("rs-64"), any other cache gets "<name>@<id>" with an id
 * never reused while the module is loaded.  '@' is in no general class
 * name and in no name a heap may give (heap.c), so two names never meet,
 * however many caches share one name.
 */
static void rs_cache_register(struct rs_cache *c, bool general)
{
	c->general = general;
	c->id = atomic_long_inc_return(&rs_cache_ids);
	if (general)
		strscpy(c->dname, c->name, sizeof(c->dname));
	else
		snprintf(c->dname, sizeof(c->dname), "%s@%lu", c->name, c->id);
	if (c->memcg) {
		/*
		 * debugfs allocates its inodes and dentries with GFP_KERNEL
		 * from accounted caches: charged to a cgroup at its limit,
		 * that would run its OOM killer.  A user's cache is made
		 * for a heap, so they are charged to nobody (the root
		 * cgroup), as the kernel's own debugfs files are; at most
		 * RS_DEBUGFS_CACHES_MAX caches get them.
		 */
		struct mem_cgroup *root = c->memcg, *old;

		while (parent_mem_cgroup(root))
			root = parent_mem_cgroup(root);
		old = set_active_memcg(root);
		rs_debugfs_add(c);
		set_active_memcg(old);
	} else {
		rs_debugfs_add(c);
	}
	mutex_lock(&rs_caches_mutex);
	list_add_tail(&c->list, &rs_caches);
	rs_list_lru_add_obj(&rs_lru, &c->token->lru);
	mutex_unlock(&rs_caches_mutex);
}

struct rs_cache *rs_cache_create(const char *name, unsigned int size,
				 unsigned int align, void (*ctor)(void *))
{
	struct rs_cache *c = rs_cache_new(name, size, align, ctor, GFP_KERNEL);

	if (c)
		rs_cache_register(c, false);
	return c;
}

/*
 * A cache a user process asks for (a heap's named cache, its cgroup's
 * instance of a class): its metadata fails with ENOMEM rather than run
 * the OOM killer (RS_GFP_USER), like everything a user can trigger.
 */
struct rs_cache *rs_cache_create_charged(const char *name, unsigned int size,
					 unsigned int align,
					 struct mem_cgroup *memcg,
					 unsigned int flags)
{
	struct mem_cgroup *old;
	struct rs_cache *c;

	if (!memcg) {
		/* no memory controller: nobody to charge */
		c = rs_cache_new(name, size, align, NULL, RS_GFP_MAYFAIL);
		if (c)
			rs_cache_register(c, false);
		return c;
	}
	/* the metadata too: a cgroup that makes caches pays for them */
	old = set_active_memcg(memcg);
	c = rs_cache_new(name, size, align, NULL, RS_GFP_USER);
	set_active_memcg(old);
	if (!c)
		return NULL;
	c->memcg = memcg;
	c->root_lru = !parent_mem_cgroup(memcg);
	c->no_debugfs = flags & RS_CACHE_NO_DEBUGFS;
	rs_cache_register(c, false);
	return c;
}

/*
 * Free every page of @c, whatever state (unload path and destroy).  @c is
 * off rs_caches and its debugfs files are gone, so nothing can reach it
 * but drain work queued before: once that is flushed, on every possible
 * CPU (it may run on another CPU than it was queued on, if that one went
 * offline), each CPU's arrays, an offline CPU's too, are drained from
 * here without taking anything but the node locks.
 */
static void rs_cache_release(struct rs_cache *c)
{
	struct rs_shrink_snap snap;
	int cpu, nid;

	rs_shrink_begin(c, &snap);
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(c->cpu, cpu)->drain_work);
	for_each_possible_cpu(cpu)
		rs_drain_cpu_arrays(c, per_cpu_ptr(c->cpu, cpu), true);
	for_each_node(nid)
		rs_barn_drain(c, c->node[nid], false, false);
	for_each_node(nid) {
		struct rs_node *n = c->node[nid];
		LIST_HEAD(all);

		struct rs_slab *s;

		spin_lock(&n->list_lock);
		list_for_each_entry(s, &n->partial, list)
			if (!s->inuse)
				rs_reclaimable_add(c, -(long)s->objects);
		list_splice_init(&n->partial, &all);
		list_splice_init(&n->full, &all);
		n->nr_partial = 0;
		n->nr_empty = 0;
		n->nr_slabs = 0;
		n->nr_pages = 0;
		spin_unlock(&n->list_lock);
		rs_free_slab_list(c, &all);
	}
	rs_shrink_end(c, &snap, false);
}

/* Take @c off the list, then its debugfs files (waits for their users). */
static void rs_cache_unregister(struct rs_cache *c)
{
	mutex_lock(&rs_caches_mutex);
	if (rs_reap_next == c)
		rs_reap_next = list_is_last(&c->list, &rs_caches) ? NULL :
			       list_next_entry(c, list);
	list_del(&c->list);
	rs_list_lru_del_obj(&rs_lru, &c->token->lru);
	mutex_unlock(&rs_caches_mutex);
	rs_debugfs_del(c);
}

/*
 * Sleeps: flushes work and frees pages.  Under rs_caches_mutex only the
 * list_del (O(1)); the caller holds no heap lock and none of rules 4-8 of
 * heap.h's order.
 */
int rs_cache_destroy(struct rs_cache *c)
{
	unsigned long live;

	if (!c)
		return 0;
	might_sleep();
	lockdep_assert_not_held(&rs_caches_mutex);
	lockdep_assert_not_held(&c->shrink_mutex);
	live = rs_cache_live_objects(c);
	if (live)
		return -EBUSY;
	rs_cache_unregister(c);
	rs_cache_release(c);
	if (rs_cache_slabs(c))
		pr_err("cache %s: slabs left at destroy\n", c->dname);
	rs_cache_free_meta(c);
	return 0;
}

int rs_size_class_index_search(size_t size)
{
	unsigned int lo = 0, hi = RS_NR_CLASSES;

	if (!size || size > RS_MAX_CLASS_SIZE)
		return -1;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (rs_class_sizes[mid] < size)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct rs_cache *rs_size_class_search(size_t size)
{
	int idx = rs_size_class_index_search(size);

	return idx < 0 ? NULL : rs_classes[idx];
}

unsigned int rs_size_class_bytes(unsigned int idx)
{
	return idx < RS_NR_CLASSES ? rs_class_sizes[idx] : 0;
}

/* ------------------------------------------------------ shrinker & reaper */

/* What the shrinker can give back from @c, in objects (racy peeks). */
static unsigned long rs_cache_reclaimable(struct rs_cache *c)
{
	unsigned long n = 0;
	int nid;

	for_each_node(nid) {
		n += READ_ONCE(c->node[nid]->nr_barn_full) * c->array_cap;
		n += READ_ONCE(c->node[nid]->nr_empty) * c->plain.objects;
	}
	return n + rs_cache_quarantined(c);
}

static bool rs_shrink_in_memcg(struct shrink_control *sc)
{
	return sc->memcg && parent_mem_cgroup(sc->memcg);
}

/* list_lru walk callbacks, under the list's lock: the cache is live. */
static enum lru_status rs_count_one(struct list_head *item,
				    struct list_lru_one *list,
				    spinlock_t *lock, void *arg)
{
	struct rs_lru_token *t = container_of(item, struct rs_lru_token, lru);

	*(unsigned long *)arg += rs_cache_reclaimable(t->cache);
	return LRU_SKIP;
}

#define RS_SCAN_BATCH	32	/* caches of a cgroup per scan call */

struct rs_scan_batch {
	unsigned int n;
	struct rs_cache *c[RS_SCAN_BATCH];
};

static enum lru_status rs_scan_one(struct list_head *item,
				   struct list_lru_one *list,
				   spinlock_t *lock, void *arg)
{
	struct rs_lru_token *t = container_of(item, struct rs_lru_token, lru);
	struct rs_scan_batch *b = arg;

	if (b->n == RS_SCAN_BATCH)
		return LRU_SKIP;
	b->c[b->n++] = t->cache;
	return LRU_ROTATE;	/* the next scan starts with another cache */
}

/*
 * Global reclaim (the root cgroup): the per-CPU sums of the root
 * cgroup's caches (rs_reclaimable), no walk and no lock (with KASAN the
 * quarantines count too, and those are walked: debug kernels only).
 * Reclaim inside a cgroup: the caches on its list of rs_lru, that is
 * its class instances and its heaps' named caches, not all of them.
 * Never SHRINK_EMPTY for a cgroup: the kernel would clear the cgroup's
 * bit, which only a token's arrival on an empty list sets again.
 */
static unsigned long rs_shrink_count(struct shrinker *sh,
				     struct shrink_control *sc)
{
	long sum = 0;
	int cpu;

	if (rs_shrink_in_memcg(sc)) {
		unsigned long n = 0, walk = ULONG_MAX;

		if (READ_ONCE(rs_lru_ready))
			list_lru_walk_one(&rs_lru, sc->nid, sc->memcg,
					  rs_count_one, &n, &walk);
		return n;
	}
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu(rs_reclaimable, cpu));
	if (sum < 0)
		sum = 0;
	if (IS_ENABLED(CONFIG_KASAN_GENERIC) && mutex_trylock(&rs_caches_mutex)) {
		struct rs_cache *c;

		list_for_each_entry(c, &rs_caches, list)
			sum += rs_cache_quarantined(c);
		mutex_unlock(&rs_caches_mutex);
	}
	return sum ? sum : SHRINK_EMPTY;
}

/* For the bench: the shrinker's count, as global reclaim runs it. */
unsigned long rs_slab_shrink_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };

	return rs_shrink_count(rs_shrinker, &sc);
}

/*
 * Give back what @c keeps: barns and empty slabs now, CPU arrays and
 * quarantines through each CPU's drain work.  rs_caches_mutex held (the
 * cache stays).  Returns objects given back, 0 if @c is being drained.
 */
static unsigned long rs_shrink_cache(struct rs_cache *c)
{
	struct rs_shrink_snap snap;
	unsigned long freed = 0;
	int cpu, nid;

	lockdep_assert_held(&rs_caches_mutex);
	if (!mutex_trylock(&c->shrink_mutex))
		return 0;
	rs_shrink_begin(c, &snap);
	for_each_node(nid) {
		struct rs_node *n = c->node[nid];

		freed += rs_barn_drain(c, n, true, false);
		freed += rs_node_free_empty(c, n, true) * c->plain.objects;
	}
	/*
	 * CPU arrays and quarantines: ask each CPU that has some,
	 * asynchronously, to give them back (a racy peek is enough).
	 * Not under cpus_read_lock() (reclaim must not wait for a
	 * hotplug that may be allocating): work queued on a CPU
	 * going offline runs on another one, which drains its own
	 * arrays instead, harmlessly; the offline CPU's are drained
	 * by rs_slab_cpu_dead(), and destroy flushes the work on
	 * every possible CPU before the cache goes.
	 */
	for_each_online_cpu(cpu) {
		struct rs_cpu *pc = per_cpu_ptr(c->cpu, cpu);

		if (!READ_ONCE(pc->main) && !READ_ONCE(pc->spare) &&
		    !rs_quarantine_count(&pc->quar))
			continue;
		WRITE_ONCE(pc->drain_free_arrays, true);
		queue_work_on(cpu, rs_wq, &pc->drain_work);
	}
	rs_shrink_end(c, &snap, true);
	mutex_unlock(&c->shrink_mutex);
	return freed;
}

static unsigned long rs_shrink_scan(struct shrinker *sh,
				    struct shrink_control *sc)
{
	unsigned long freed = 0;
	struct rs_cache *c;

	if (!mutex_trylock(&rs_caches_mutex))
		return SHRINK_STOP;
	if (rs_shrink_in_memcg(sc)) {
		/* up to RS_SCAN_BATCH caches of the cgroup, in turn */
		struct rs_scan_batch b = { .n = 0 };
		unsigned long walk = ULONG_MAX;
		unsigned int i;

		list_lru_walk_one(&rs_lru, sc->nid, sc->memcg, rs_scan_one,
				  &b, &walk);
		for (i = 0; i < b.n && freed < sc->nr_to_scan; i++)
			freed += rs_shrink_cache(b.c[i]);
	} else {
		list_for_each_entry(c, &rs_caches, list) {
			freed += rs_shrink_cache(c);
			if (freed >= sc->nr_to_scan)
				break;
		}
	}
	mutex_unlock(&rs_caches_mutex);
	return freed ? freed : SHRINK_STOP;
}

/*
 * CPU hotplug: @cpu is dead (nothing runs on it until it comes back), and
 * this runs on another CPU with the hotplug lock held for writing, so no
 * rs_drain_all_cpus() runs either.  Its arrays and quarantines go back to
 * the slabs now: an offline CPU holds no free object of any cache, and
 * its counters stay where they are (every sum is over possible CPUs).
 */
static int rs_slab_cpu_dead(unsigned int cpu)
{
	struct rs_cache *c;

	mutex_lock(&rs_caches_mutex);
	list_for_each_entry(c, &rs_caches, list)
		rs_drain_cpu_arrays(c, per_cpu_ptr(c->cpu, cpu), true);
	mutex_unlock(&rs_caches_mutex);
	return 0;
}

/* Test hook: one shrinker pass as memory pressure would run it. */
unsigned long rs_slab_test_shrinker(unsigned long nr)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL,
		.nr_to_scan = nr,
	};
	unsigned long count = rs_shrink_count(rs_shrinker, &sc);

	if (count == SHRINK_EMPTY || !count)
		return 0;
	return rs_shrink_scan(rs_shrinker, &sc);
}

/*
 * Each step reaps at most RS_REAP_BATCH caches and goes on at the next
 * tick until it has been round them all; then it sleeps RS_REAP_INTERVAL.
 */
static void rs_reap_fn(struct work_struct *w)
{
	unsigned long delay = RS_REAP_INTERVAL;
	struct rs_cache *c;
	int done = 0;

	/*
	 * trylock: rs_caches_mutex is held around flushes of work on rs_wq
	 * (rs_slab_shrink_all), and this work runs on rs_wq.
	 */
	if (!mutex_trylock(&rs_caches_mutex))
		goto out;
	c = rs_reap_next ?: list_first_entry(&rs_caches, struct rs_cache, list);
	for (; !list_entry_is_head(c, &rs_caches, list);
	     c = list_next_entry(c, list)) {
		int nid;

		if (done++ == RS_REAP_BATCH)
			break;
		if (!mutex_trylock(&c->shrink_mutex))
			continue;
		for_each_node(nid) {
			struct rs_node *n = c->node[nid];
			bool idle;

			spin_lock(&n->barn_lock);
			idle = !n->barn_used;
			n->barn_used = false;
			spin_unlock(&n->barn_lock);
			if (idle)
				rs_barn_drain(c, n, false, true);
		}
		mutex_unlock(&c->shrink_mutex);
	}
	rs_reap_next = list_entry_is_head(c, &rs_caches, list) ? NULL : c;
	if (rs_reap_next)
		delay = 1;
	mutex_unlock(&rs_caches_mutex);
out:
	queue_delayed_work(rs_wq, &rs_reap_work, delay);
}

/* ---------------------------------------------------------------- debugfs */

static int rs_stat_show(struct seq_file *m, void *v)
{
	struct rs_stat_file *f = m->private;
	struct rs_cache *c = f->cache;
	unsigned long sum = 0;
	int cpu, nid;

	/* over possible CPUs: an offline CPU's counts still count */
	if (f->idx < RS_NR_STATS) {
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(c->cpu, cpu)->stat[f->idx]);
		seq_printf(m, "%lu", sum);
		for_each_possible_cpu(cpu) {
			unsigned long x = READ_ONCE(per_cpu_ptr(c->cpu, cpu)->stat[f->idx]);

			if (x)
				seq_printf(m, " C%d=%lu", cpu, x);
		}
		seq_putc(m, '\n');
		return 0;
	}
	if (f->idx == RS_NR_STATS + RS_G_OBJECTS) {
		seq_printf(m, "%lu", rs_cache_live_objects(c));
		for_each_possible_cpu(cpu) {
			long x = READ_ONCE(per_cpu_ptr(c->cpu, cpu)->live);

			if (x)
				seq_printf(m, " C%d=%ld", cpu, x);
		}
		seq_putc(m, '\n');
		return 0;
	}
	{
		static const size_t offs[RS_NR_GAUGES] = {
			[RS_G_OBJECTS_PARTIAL] = offsetof(struct rs_node, inuse_partial),
			[RS_G_SLABS] = offsetof(struct rs_node, nr_slabs),
			[RS_G_PAGES] = offsetof(struct rs_node, nr_pages),
			[RS_G_OBJECTS_HWM] = offsetof(struct rs_node, objects_hwm),
			[RS_G_PAGES_HWM] = offsetof(struct rs_node, pages_hwm),
		};
		size_t off = offs[f->idx - RS_NR_STATS];

		seq_printf(m, "%lu", rs_node_sum(c, off));
		for_each_node(nid) {
			unsigned long x = READ_ONCE(*(unsigned long *)((char *)c->node[nid] + off));

			if (x)
				seq_printf(m, " N%d=%lu", nid, x);
		}
		seq_putc(m, '\n');
	}
	return 0;
}

static int rs_stat_open(struct inode *inode, struct file *file)
{
	return single_open(file, rs_stat_show, inode->i_private);
}

static ssize_t rs_stat_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct rs_stat_file *f = ((struct seq_file *)file->private_data)->private;
	struct rs_cache *c = f->cache;
	unsigned long val;
	int err, cpu, nid;

	err = kstrtoul_from_user(ubuf, len, 0, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;
	if (f->idx < RS_NR_STATS) {
		for_each_possible_cpu(cpu)
			per_cpu_ptr(c->cpu, cpu)->stat[f->idx] = 0;
		return len;
	}
	if (f->idx != RS_NR_STATS + RS_G_OBJECTS_HWM &&
	    f->idx != RS_NR_STATS + RS_G_PAGES_HWM)
		return -EPERM;
	/* a high-water mark restarts from the current value */
	for_each_node(nid) {
		struct rs_node *n = c->node[nid];

		spin_lock(&n->list_lock);
		n->objects_hwm = n->inuse;
		n->pages_hwm = n->nr_pages;
		spin_unlock(&n->list_lock);
	}
	return len;
}

static const struct file_operations rs_stat_fops = {
	.owner = THIS_MODULE,
	.open = rs_stat_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = rs_stat_write,
	.release = single_release,
};

static int rs_quarantined_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu\n", rs_cache_quarantined(m->private));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rs_quarantined);

static ssize_t rs_shrink_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct rs_cache *c = file->private_data;
	unsigned long val;
	int err;

	err = kstrtoul_from_user(ubuf, len, 0, &val);
	if (err)
		return err;
	if (val != 1)
		return -EINVAL;
	rs_cache_shrink(c);
	return len;
}

static const struct file_operations rs_shrink_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = rs_shrink_write,
	.llseek = noop_llseek,
};

static ssize_t rs_debug_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct rs_cache *c = file->private_data;
	char buf[4];
	int n = scnprintf(buf, sizeof(buf), "%d\n", READ_ONCE(c->debug));

	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static ssize_t rs_debug_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct rs_cache *c = file->private_data;
	bool val;
	int err;

	err = kstrtobool_from_user(ubuf, len, &val);
	if (err)
		return err;
	rs_cache_set_debug(c, val);
	return len;
}

static const struct file_operations rs_debug_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rs_debug_read,
	.write = rs_debug_write,
	.llseek = default_llseek,
};

static void rs_fault_debugfs(struct dentry *dir, const char *name,
			     struct rs_fault *f)
{
	struct dentry *d = debugfs_create_dir(name, dir);

	debugfs_create_u32("probability", 0600, d, &f->probability);
	debugfs_create_u32("interval", 0600, d, &f->interval);
	debugfs_create_atomic_t("times", 0600, d, &f->times);
}

/* No lock: the name is the cache's own, and nobody can see it yet. */
static void rs_debugfs_add(struct rs_cache *c)
{
	struct dentry *d;
	int i;

	if (!rs_caches_dir || c->no_debugfs)
		return;
	/* made and removed with no lock held: count without one */
	if (atomic_inc_return(&rs_debugfs_caches) > RS_DEBUGFS_CACHES_MAX) {
		atomic_dec(&rs_debugfs_caches);
		return;
	}
	d = debugfs_create_dir(c->dname, rs_caches_dir);
	c->dir = d;
	for (i = 0; i < RS_NR_STATS + RS_NR_GAUGES; i++) {
		const char *name = i < RS_NR_STATS ? rs_stat_names[i] :
				   rs_gauge_names[i - RS_NR_STATS];
		bool rw = i < RS_NR_STATS ||
			  i == RS_NR_STATS + RS_G_OBJECTS_HWM ||
			  i == RS_NR_STATS + RS_G_PAGES_HWM;

		c->files[i].cache = c;
		c->files[i].idx = i;
		debugfs_create_file(name, rw ? 0600 : 0400, d, &c->files[i],
				    &rs_stat_fops);
	}
	debugfs_create_file("shrink", 0200, d, c, &rs_shrink_fops);
	if (rs_quarantine_cap(c->plain.stride))
		debugfs_create_file("quarantined", 0400, d, c,
				    &rs_quarantined_fops);
	debugfs_create_file("debug", 0600, d, c, &rs_debug_fops);
	rs_fault_debugfs(d, "fail_alloc", &c->fail_alloc);
	rs_fault_debugfs(d, "fail_page", &c->fail_page);
}

/* rs_caches_mutex held */
static void rs_debugfs_del(struct rs_cache *c)
{
	if (!c->dir)
		return;
	debugfs_remove_recursive(c->dir);
	c->dir = NULL;
	atomic_dec(&rs_debugfs_caches);
}

/* /proc/slabinfo version 2.1, one line per cache. */
static int rs_slabinfo_show(struct seq_file *m, void *v)
{
	const struct rs_layout *l;
	struct rs_cache *c;

	seq_puts(m, "slabinfo - version: 2.1\n");
	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	mutex_lock(&rs_caches_mutex);
	list_for_each_entry(c, &rs_caches, list) {
		unsigned long slabs = 0, objs = 0, active_slabs = 0, shared = 0;
		int nid;

		for_each_node(nid) {
			struct rs_node *n = c->node[nid];
			struct rs_slab *s;

			spin_lock(&n->list_lock);
			list_for_each_entry(s, &n->partial, list)
				objs += s->objects;
			list_for_each_entry(s, &n->full, list)
				objs += s->objects;
			slabs += n->nr_slabs;
			active_slabs += n->nr_slabs - n->nr_empty;
			spin_unlock(&n->list_lock);
			shared += READ_ONCE(n->nr_barn_full) * c->array_cap;
		}
		/* the layout new slabs get (debug slabs are bigger) */
		l = READ_ONCE(c->debug) ? &c->dbg : &c->plain;
		seq_printf(m, "%-17s %6lu %6lu %6u %4u %4u : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu\n",
			   c->dname, rs_cache_live_objects(c), objs,
			   l->stride, l->objects, 1U << l->order,
			   c->array_cap, c->array_cap, 0U, active_slabs,
			   slabs, shared);
	}
	mutex_unlock(&rs_caches_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rs_slabinfo);

/* ------------------------------------------------------------- init/exit */

bool rs_slab_ready(void)
{
	return !!rs_wq;
}

int rs_slab_init(struct dentry *debugfs_root)
{
	int err = rs_slab_setup(debugfs_root);

	if (err)
		return err;
	err = rs_slab_selftest_maybe();
	if (err)
		rs_slab_exit();
	return err;
}

int rs_slab_setup(struct dentry *debugfs_root)
{
	unsigned int i;
	int err;

	rs_wq = alloc_workqueue("refslab", WQ_MEM_RECLAIM, 0);
	if (!rs_wq)
		return -ENOMEM;
	err = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "refslab:dead",
					NULL, rs_slab_cpu_dead);
	if (err < 0)
		goto err;
	rs_cpuhp_state = err;
	if (!IS_ERR_OR_NULL(debugfs_root)) {
		rs_slab_root = debugfs_root;
		rs_slabinfo_file = debugfs_create_file("slabinfo", 0400,
						       debugfs_root, NULL,
						       &rs_slabinfo_fops);
		rs_caches_dir = debugfs_create_dir("caches", debugfs_root);
		rs_kasan_knob_add(debugfs_root);
	}
	rs_shrinker = rs_shrinker_create("refslab", SHRINKER_MEMCG_AWARE,
					 rs_shrink_count, rs_shrink_scan);
	rs_token_cache = KMEM_CACHE(rs_lru_token, 0);
	if (!rs_shrinker || !rs_token_cache) {
		err = -ENOMEM;
		goto err;
	}
	err = list_lru_init_memcg(&rs_lru, rs_shrinker);
	if (err)
		goto err;
	WRITE_ONCE(rs_lru_ready, true);
	INIT_DELAYED_WORK(&rs_reap_work, rs_reap_fn);
	for (i = 0; i < RS_NR_CLASSES; i++) {
		char name[RS_CACHE_NAME_MAX];

		snprintf(name, sizeof(name), "rs-%u", rs_class_sizes[i]);
		rs_classes[i] = rs_cache_new(name, rs_class_sizes[i], 0, NULL,
					     GFP_KERNEL);
		if (rs_classes[i])
			rs_cache_register(rs_classes[i], true);
		if (!rs_classes[i]) {
			err = -ENOMEM;
			goto err;
		}
	}
	for (i = 1; i < ARRAY_SIZE(rs_class_lut); i++) {
		struct rs_cache *c = rs_size_class_search(i * 8);

		rs_class_lut[i].cache = c;
		rs_class_lut[i].stride = rs_cache_object_size(c);
		rs_class_lut[i].index = rs_size_class_index_search(i * 8);
	}
	queue_delayed_work(rs_wq, &rs_reap_work, RS_REAP_INTERVAL);
	return 0;
err:
	rs_slab_exit();
	return err;
}

void rs_slab_exit(void)
{
	struct rs_cache *c, *t;
	unsigned int i;

	if (rs_shrinker) {
		rs_shrinker_destroy(rs_shrinker);
		rs_shrinker = NULL;
	}
	if (rs_lru_ready)
		cancel_delayed_work_sync(&rs_reap_work);
	/* A CPU going offline from here keeps its arrays: release takes them. */
	if (rs_cpuhp_state > 0) {
		cpuhp_remove_state_nocalls(rs_cpuhp_state);
		rs_cpuhp_state = 0;
	}
	memset(rs_class_lut, 0, sizeof(rs_class_lut));
	for (i = 0; i < RS_NR_CLASSES; i++)
		rs_classes[i] = NULL;
	/* Named caches left by a buggy user and the general classes. */
	list_for_each_entry_safe(c, t, &rs_caches, list) {
		unsigned long live = rs_cache_live_objects(c);

		if (live)
			pr_err("cache %s: %lu objects still live at unload\n",
			       c->dname, live);
		rs_cache_unregister(c);
		rs_cache_release(c);
		rs_cache_free_meta(c);
	}
	if (rs_slab_root) {
		rs_kasan_knob_remove();
		debugfs_remove(rs_slabinfo_file);
		rs_slabinfo_file = NULL;
		debugfs_remove_recursive(rs_caches_dir);
		rs_caches_dir = NULL;
		rs_slab_root = NULL;
	}
	if (rs_wq) {
		destroy_workqueue(rs_wq);
		rs_wq = NULL;
	}
	if (rs_lru_ready) {
		WRITE_ONCE(rs_lru_ready, false);
		list_lru_destroy(&rs_lru);
	}
	kmem_cache_destroy(rs_token_cache);
	rs_token_cache = NULL;
	if (atomic_long_read(&rs_pages_total))
		pr_err("%ld pages still held at exit\n",
		       atomic_long_read(&rs_pages_total));
}
