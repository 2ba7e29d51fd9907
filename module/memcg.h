/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab memory cgroup charging: per-cgroup instances of the general size
 * classes, so that an object's memory is charged to the memory cgroup of
 * the heap that owns it.  See memcg.c.
 */
#ifndef REFSLAB_MEMCG_H
#define REFSLAB_MEMCG_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/memcontrol.h>
#include <linux/sched/mm.h>
#include "slab.h"

/**
 * struct rs_memcg - the general size classes of one memory cgroup
 * @memcg: the cgroup (a css reference is held for the life of the set).
 * @kref: one per heap opened in @memcg.
 * @node: on rs_memcgs, under rs_memcgs_lock.
 * @classes: instance of general class i, made on first use; set once
 *	(cmpxchg), then fixed until the set goes with its last heap.
 */
struct rs_memcg {
	struct mem_cgroup *memcg;
	struct kref kref;
	struct list_head node;
	struct rs_cache *classes[RS_NR_SIZE_CLASSES];
};

/*
 * The memory cgroup of the calling process, referenced, and its set of
 * class instances (NULL in the root cgroup or without a memory
 * controller: the global classes serve those heaps).  0 or -ENOMEM.
 */
int rs_memcg_open(struct mem_cgroup **memcg, struct rs_memcg **set);
/* Drop what rs_memcg_open() gave; the heap's objects are all freed. */
void rs_memcg_close(struct mem_cgroup *memcg, struct rs_memcg *set);

/* The instance of the class of @bytes in @m, made if needed; NULL: ENOMEM. */
struct rs_cache *rs_memcg_class_get(struct rs_memcg *m, size_t bytes);

/* The instance an object of @bytes was allocated from (it exists). */
static inline struct rs_cache *rs_memcg_class(struct rs_memcg *m, size_t bytes)
{
	return READ_ONCE(m->classes[rs_size_class_index(bytes)]);
}

/*
 * Charge what the current task allocates with __GFP_ACCOUNT to @memcg
 * (NULL: to the task's own cgroup) until rs_charge_end(): whoever calls,
 * a heap's tables and the collector's queues go to the heap's cgroup.
 */
static inline struct mem_cgroup *rs_charge_begin(struct mem_cgroup *memcg)
{
	return set_active_memcg(memcg);
}

static inline void rs_charge_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}

#endif /* REFSLAB_MEMCG_H */
