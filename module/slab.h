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

#define RS_CACHE_NAME_MAX	32	/* with the NUL */
#define RS_MAX_CLASS_SIZE	(80U * 1024)	/* largest general size class */

/*
 * gfp for allocations made on behalf of a user process: charged to its
 * memory cgroup, fails (ENOMEM) rather than invoking the OOM killer.
 */
#define RS_GFP_USER	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct rs_cache *rs_cache_create(const char *name, unsigned int size,
				 unsigned int align, void (*ctor)(void *));
/* -EBUSY (and nothing changed) while objects of the cache are alive. */
int rs_cache_destroy(struct rs_cache *c);
void *rs_cache_alloc(struct rs_cache *c, gfp_t gfp);
void rs_cache_free(struct rs_cache *c, void *obj);

/* The smallest general size class holding @size bytes, NULL if none. */
struct rs_cache *rs_size_class(size_t size);
/* Bytes each object of @c occupies in its slab (size rounded up). */
unsigned int rs_cache_object_size(const struct rs_cache *c);
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

#endif /* REFSLAB_SLAB_H */
