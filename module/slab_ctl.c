// SPDX-License-Identifier: GPL-2.0
/*
 * refslab slab allocator, the cold parts: what runs once per cache, per
 * reclaim or per read of debugfs, never per object.  slab.c has the hot
 * core and the design; slab_internal.h the structs both share.
 *
 * Owns: the list of caches (rs_caches, rs_caches_mutex) and cache create
 * and destroy; the general size classes and their lookup table; the
 * shrinker (memory-cgroup aware through rs_lru) and the reaper of idle
 * barn stock; the CPU hotplug callback; debugfs (caches/<name>/ and
 * slabinfo); init and exit.  What each takes is rules 4-8 of heap.h's
 * lock order.
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
#include <linux/list_lru.h>
#include <linux/random.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include "slab_internal.h"
#include "compat.h"
#include "trace.h"

static bool slab_debug;
module_param(slab_debug, bool, 0444);
MODULE_PARM_DESC(slab_debug, "Debug checks (poison, red zones, double free) on every refslab cache");

static const char * const rs_stat_names[RS_NR_STATS] = {
	"alloc_fastpath", "alloc_slowpath", "free_fastpath", "free_slowpath",
	"free_remote", "alloc_slab", "free_slab", "array_refill",
	"array_flush", "alloc_failed", "debug_errors",
};

static const char * const rs_gauge_names[RS_NR_GAUGES] = {
	"objects", "objects_partial", "slabs", "pages", "objects_hwm",
	"pages_hwm",
};

#define RS_REAP_INTERVAL	(2 * HZ)

static LIST_HEAD(rs_caches);
static DEFINE_MUTEX(rs_caches_mutex);
static atomic_long_t rs_cache_ids = ATOMIC_LONG_INIT(0);
static int rs_cpuhp_state;		/* dynamic CPU hotplug state, or 0 */
static struct dentry *rs_slab_root;
static struct dentry *rs_caches_dir;
static struct dentry *rs_slabinfo_file;
struct workqueue_struct *rs_wq;
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
