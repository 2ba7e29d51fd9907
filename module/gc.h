/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab cycle collector: trial deletion over candidates (Bacon & Rajan)
 * in bounded slices of heap->lock, run by the refslab_gc kthread or by a
 * synchronous collect.  See gc.c for the algorithm and heap.h for locks.
 */
#ifndef REFSLAB_GC_H
#define REFSLAB_GC_H

#include <linux/types.h>
#include <linux/mutex.h>
#include "uapi/refslab.h"

struct rs_heap;
struct rs_obj;
struct dentry;

/**
 * struct rs_gc_heap - per-heap collector state, inside struct rs_heap
 * @collect_lock: one collection of this heap at a time (above heap->lock).
 * @active: a collection is between its first and last slice; mutators
 *	then report every object they change (rs_gc_touch()).
 * @epoch: number of the current collection; marks carry it.
 * @cand: candidate buffer: object table indices (heap->lock).
 * @ncand, @cand_cap: used and allocated entries of @cand.
 * @cand_overflow: a candidate could not be buffered: the next collection
 *	scans the whole object table.
 * @dirty: indices of marked objects changed during this collection.
 * @ndirty, @dirty_cap, @dirty_overflow: likewise.
 * @stats: figures reported through the ioctl and debugfs.
 */
struct rs_gc_heap {
	struct mutex collect_lock;
	bool active;
	bool enabled;
	bool adaptive;
	bool cand_overflow;
	bool dirty_overflow;
	u32 epoch;
	u32 threshold;

	u32 *cand;
	u32 ncand, cand_cap;
	u32 nbuffered;			/* objects with RS_OBJ_BUFFERED */

	u32 *dirty;
	u32 ndirty, dirty_cap;

	u64 allocs_since;		/* objects created since last pass */
	u64 nfrozen;
	struct refslab_gc_stats stats;
};

void rs_gc_heap_init(struct rs_heap *h);
/* The heap is being torn down: free the buffers. */
void rs_gc_heap_destroy(struct rs_heap *h);

/*
 * Hooks called by object.c / heap.c with heap->lock held.
 * rs_gc_touch() (inline in heap.h): @o's refcount or slots are about to
 *	change; calls __rs_gc_touch() while a collection is active.
 * rs_gc_decref(): @o's refcount dropped and is still above zero.
 * rs_gc_forget(): @o is being detached (it died).
 * rs_gc_created(): a new object was installed.
 */
void __rs_gc_touch(struct rs_heap *h, struct rs_obj *o);
void rs_gc_decref(struct rs_heap *h, struct rs_obj *o);
void rs_gc_forget(struct rs_heap *h, struct rs_obj *o);
void rs_gc_created(struct rs_heap *h, struct rs_obj *o);

/* The ioctls REFSLAB_IOC_GC_*: @arg is the user pointer, @usize the size
 * encoded in the command.  Called without any lock.
 */
long rs_gc_ioctl(struct rs_heap *h, unsigned int cmd, void __user *arg,
		 unsigned int usize);

/* Wake the kthread for @h (threshold reached). Any context but NMI. */
void rs_gc_kick(struct rs_heap *h);

int rs_gc_init(struct dentry *debugfs_root);
void rs_gc_exit(void);

#endif /* REFSLAB_GC_H */
