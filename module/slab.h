/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab slab allocator: caches of fixed-size objects carved from pages
 * the module takes from the page allocator itself.  See slab.c for the
 * design and its locking.
 */
#ifndef REFSLAB_SLAB_H
#define REFSLAB_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>

struct dentry;
struct rs_cache;
struct mem_cgroup;

#define RS_CACHE_NAME_MAX	32	/* with the NUL */
#define RS_MAX_CLASS_SIZE	(80U * 1024)	/* largest general size class */

/*
 * gfp for every allocation a user process can trigger: it fails (ENOMEM)
 * rather than invoking the OOM killer, global or of a memory cgroup
 * (__GFP_RETRY_MAYFAIL; the memcg charge then fails instead of killing).
 * RS_GFP_USER is also charged to the memory cgroup set_active_memcg()
 * names (memcg.h), else the caller's; RS_GFP_MAYFAIL charges nobody.
 */
#define RS_GFP_MAYFAIL	(GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
#define RS_GFP_USER	(RS_GFP_MAYFAIL | __GFP_ACCOUNT)

struct rs_cache *rs_cache_create(const char *name, unsigned int size,
				 unsigned int align, void (*ctor)(void *));
/* -EBUSY (and nothing changed) while objects of the cache are alive. */
int rs_cache_destroy(struct rs_cache *c);
/*
 * A cache whose slab pages, CPU arrays and metadata are charged to @memcg
 * (NULL: to nobody, as rs_cache_create()), whoever allocates from it; the
 * caller keeps a css reference on @memcg until the cache is destroyed.
 */
#define RS_CACHE_NO_DEBUGFS	0x1	/* no caches/<name>/ (slabinfo only) */
struct rs_cache *rs_cache_create_charged(const char *name, unsigned int size,
					 unsigned int align,
					 struct mem_cgroup *memcg,
					 unsigned int flags);
void *rs_cache_alloc(struct rs_cache *c, gfp_t gfp);
void rs_cache_free(struct rs_cache *c, void *obj);
/* Many objects of @c at once, straight into their slabs (process context). */
void rs_cache_free_bulk(struct rs_cache *c, unsigned int nr, void **objs);

/* Bytes each object of @c occupies in its slab (size rounded up). */
unsigned int rs_cache_object_size(const struct rs_cache *c);

/*
 * The general size classes up to RS_CLASS_LUT_MAX bytes by 8-byte step,
 * so that the object layer finds an object's class (on every create and
 * free, and for each object the collector frees) with one load instead of
 * a search and two calls.  Filled while the classes are created, cleared
 * when they go.
 */
#define RS_CLASS_LUT_MAX	1024U
struct rs_class_lut {
	struct rs_cache *cache;
	unsigned int stride;		/* rs_cache_object_size(cache) */
	unsigned int index;		/* of the class, for rs_size_class_index() */
};

extern struct rs_class_lut rs_class_lut[RS_CLASS_LUT_MAX / 8 + 1];

struct rs_cache *rs_size_class_search(size_t size);

/*
 * The general classes by index (0 .. RS_NR_SIZE_CLASSES - 1): memcg.c
 * keeps an instance of each per memory cgroup.
 */
#define RS_NR_SIZE_CLASSES	48
int rs_size_class_index_search(size_t size);
unsigned int rs_size_class_bytes(unsigned int idx);

/* Index of the smallest general class holding @size; -1 if none. */
static inline int rs_size_class_index(size_t size)
{
	if (size && size <= RS_CLASS_LUT_MAX)
		return rs_class_lut[(size + 7) >> 3].index;
	return rs_size_class_index_search(size);
}

/* The smallest general size class holding @size bytes, NULL if none. */
static inline struct rs_cache *rs_size_class(size_t size)
{
	if (size && size <= RS_CLASS_LUT_MAX)
		return rs_class_lut[(size + 7) >> 3].cache;
	return rs_size_class_search(size);
}

/* rs_cache_object_size(rs_size_class(@size)); 0 if there is no class. */
static inline unsigned int rs_size_class_stride(size_t size)
{
	struct rs_cache *c;

	if (size && size <= RS_CLASS_LUT_MAX)
		return rs_class_lut[(size + 7) >> 3].stride;
	c = rs_size_class_search(size);
	return c ? rs_cache_object_size(c) : 0;
}

const char *rs_cache_name(const struct rs_cache *c);
/* Live objects and slabs (exact; sums the per-CPU counters). */
unsigned long rs_cache_live_objects(struct rs_cache *c);
unsigned long rs_cache_slabs(struct rs_cache *c);
/* Give back every cached array and empty slab; returns pages freed. */
unsigned long rs_cache_shrink(struct rs_cache *c);

int rs_slab_init(struct dentry *debugfs_root);
void rs_slab_exit(void);
/* Pages currently held by all refslab caches. */
unsigned long rs_slab_total_pages(void);
/* rs_cache_shrink() every cache; returns pages freed. */
unsigned long rs_slab_shrink_all(void);

/*
 * Below: for the self-tests, KUnit and the benchmark (the object layer
 * needs none of it).
 */
enum rs_cache_stat_id {
	RS_ALLOC_FASTPATH,
	RS_ALLOC_SLOWPATH,
	RS_FREE_FASTPATH,
	RS_FREE_SLOWPATH,
	RS_FREE_REMOTE,
	RS_ALLOC_SLAB,
	RS_FREE_SLAB,
	RS_ARRAY_REFILL,
	RS_ARRAY_FLUSH,
	RS_ALLOC_FAILED,
	RS_DEBUG_ERRORS,
	RS_NR_STATS,
};

/* Event counter summed over the CPUs. */
unsigned long rs_cache_stat(struct rs_cache *c, enum rs_cache_stat_id id);
/* Pages held by @c (slabs, whatever their state). */
unsigned long rs_cache_pages(struct rs_cache *c);
unsigned int rs_cache_objs_per_slab(const struct rs_cache *c);
unsigned int rs_cache_order(const struct rs_cache *c);
/*
 * Most pages @c may keep once every object is freed (arrays, depot,
 * retained empty slabs), before any shrink.
 */
unsigned long rs_cache_retention_bound(const struct rs_cache *c);
/* Debug layout for slabs made from now on (cache "debug" switch). */
void rs_cache_set_debug(struct rs_cache *c, bool on);
/*
 * Fault injection: @page selects page (slab) allocation, else object
 * allocation.  @prob percent (0 = off), fail at most every @interval-th
 * call, at most @times times (-1: no limit).
 */
void rs_cache_set_fault(struct rs_cache *c, bool page, unsigned int prob,
			unsigned int interval, int times);

/* Test hooks (slab_test.c). */
void **rs_slab_test_freelist_slot(void *obj);
void rs_slab_test_quarantine_flush(struct rs_cache *c);
unsigned long rs_slab_test_shrinker(unsigned long nr);
/* The shrinker's count (bench.c times it against the number of caches). */
unsigned long rs_slab_shrink_count(void);

/*
 * KUnit runs a module's suites before its init: the suites bring the slab
 * up themselves (without debugfs or self-tests) when it is not ready.
 */
bool rs_slab_ready(void);
int rs_slab_setup(struct dentry *debugfs_root);

/* Module parameter selftest=1: run the slab self-tests at load. */
extern bool rs_selftest;
/* Runs the slab self-tests if selftest=1; 0 or -EINVAL (a test failed). */
int rs_slab_selftest_maybe(void);

#endif /* REFSLAB_SLAB_H */
