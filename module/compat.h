/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab kernel compatibility: the one place where the kernel APIs of the
 * kernels refslab is built for differ (Debian 12 ships 6.1, 6.12 and
 * 6.12-rt).  Each wrapper below is the interface the rest of the module
 * uses, keyed on LINUX_VERSION_CODE here and nowhere else; a new
 * difference gets a wrapper here, not an #if in a .c file.
 */
#ifndef REFSLAB_COMPAT_H
#define REFSLAB_COMPAT_H

#include <linux/version.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/list_lru.h>

/*
 * Shrinkers.  Up to 6.6 the caller owns struct shrinker and hands it to
 * register_shrinker(); 6.7 made shrinkers kernel-allocated (so that
 * reclaim can walk them under RCU), with shrinker_alloc(),
 * shrinker_register() and shrinker_free().  Both kernels get the second
 * shape here: rs_shrinker_create() returns a registered shrinker or NULL,
 * rs_shrinker_destroy() unregisters and frees it.  @flags: SHRINKER_*
 * (SHRINKER_MEMCG_AWARE gets the shrinker an id for a list_lru).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
static inline struct shrinker *
rs_shrinker_create(const char *name, unsigned int flags,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *sh = shrinker_alloc(flags, "%s", name);

	if (!sh)
		return NULL;
	sh->count_objects = count;
	sh->scan_objects = scan;
	sh->seeks = DEFAULT_SEEKS;
	shrinker_register(sh);
	return sh;
}

static inline void rs_shrinker_destroy(struct shrinker *sh)
{
	shrinker_free(sh);
}
#else
static inline struct shrinker *
rs_shrinker_create(const char *name, unsigned int flags,
		   unsigned long (*count)(struct shrinker *,
					  struct shrink_control *),
		   unsigned long (*scan)(struct shrinker *,
					 struct shrink_control *))
{
	struct shrinker *sh = kzalloc(sizeof(*sh), GFP_KERNEL);

	if (!sh)
		return NULL;
	sh->flags = flags;
	sh->count_objects = count;
	sh->scan_objects = scan;
	sh->seeks = DEFAULT_SEEKS;
	if (register_shrinker(sh, "%s", name)) {
		kfree(sh);
		return NULL;
	}
	return sh;
}

static inline void rs_shrinker_destroy(struct shrinker *sh)
{
	unregister_shrinker(sh);
	kfree(sh);
}
#endif

/*
 * list_lru: up to 6.7 list_lru_add()/list_lru_del() find the node and the
 * memory cgroup of an item from the memory it sits in; 6.8 made those
 * explicit and kept the old behaviour as list_lru_add_obj()/_del_obj().
 * refslab wants the old behaviour on both.
 */
static inline bool rs_list_lru_add_obj(struct list_lru *lru,
				       struct list_head *item)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return list_lru_add_obj(lru, item);
#else
	return list_lru_add(lru, item);
#endif
}

static inline bool rs_list_lru_del_obj(struct list_lru *lru,
				       struct list_head *item)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	return list_lru_del_obj(lru, item);
#else
	return list_lru_del(lru, item);
#endif
}

#endif /* REFSLAB_COMPAT_H */
