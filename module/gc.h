/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab cycle collector: trial deletion over candidates (Bacon & Rajan)
 * in bounded slices of heap->lock, run by the refslab_gc kthread or by a
 * synchronous collect.  See gc.c for the algorithm and heap.h for locks.
 */
#ifndef REFSLAB_GC_H
#define REFSLAB_GC_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/mutex.h>
#include "uapi/refslab.h"
#include "object.h"

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
 * @dirty: the collector's work stack of member ids whose slots must be
 *	(re)traversed; the write barrier pushes objects changed during this
 *	collection (preallocated by the collector, NULL when inactive).
 * @ndirty, @dirty_cap: used and allocated entries of @dirty.
 * @dirty_overflow: a push found @dirty full: the collector sweeps its
 *	member list for pending marks before it may decide.
 * @mark: epoch << 4 of the active collection (what member marks carry).
 * @doomed: the mark of a collection that has decided and is freeing its
 *	white members, else 0 (rs_gc_doomed()).
 * @ndeferred: members changed under the active collection.
 * @holding: the collector holds heap->lock right now (lockless reads).
 * @lock_seq: bumped each time the collector takes heap->lock.
 * @waiters: mutators blocked on heap->lock; the collector lets them in
 *	before it takes the lock again.
 * @kicked: the kthread was asked to collect this heap.
 * @no_alloc: the collector holds heap->lock: rs_gc_decref() must not grow
 *	the candidate buffer (it sets @cand_overflow if it is full).
 * @pass_seq: kthread pass that last looked at the heap (rs_heaps_lock).
 * @peak_bytes: most buffer memory the last collection held.
 * @phase_ns: heap->lock time of each phase of the last collection.
 * @stats: figures reported through the ioctl and debugfs.
 */
struct rs_gc_heap {
	struct mutex collect_lock;	/* see heap.h for the order */
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

	u32 mark;
	u32 doomed;
	u32 lock_seq;
	atomic_t waiters;		/* mutators in rs_gc_lock_wait() */
	u64 ndeferred;
	bool holding;
	bool kicked;
	bool no_alloc;
	u64 pass_seq;
	u64 peak_bytes;
	u64 phase_ns[6];		/* time per phase, last collection */
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
 * rs_gc_forget(): @o is being detached (it died); the caller clears its
 *	table entry (gc_mark too).  Only a buffered or frozen object has
 *	collector state elsewhere: the call is made for those alone, which
 *	the collector's garbage never is.
 * rs_gc_created(): a new object was installed.
 */
void __rs_gc_touch(struct rs_heap *h, struct rs_obj *o);
void rs_gc_decref(struct rs_heap *h, struct rs_obj *o);
void __rs_gc_forget(struct rs_heap *h, struct rs_obj *o);
void rs_gc_created(struct rs_heap *h, struct rs_obj *o);

static inline void rs_gc_forget(struct rs_heap *h, struct rs_obj *o)
{
	if (o->flags & (RS_OBJ_BUFFERED | RS_OBJ_FROZEN))
		__rs_gc_forget(h, o);
}

/* heap->lock held: object table entry @id holds garbage the running
 * collection is freeing (it must not be reported, nor its slots read).
 */
bool rs_gc_doomed(struct rs_heap *h, u32 id);

/*
 * The commands REFSLAB_IOC_GC_*, called by ioctl.c's command table without
 * any lock, arguments copied in: they check flags and padding, return 0 or
 * a negative errno and fill the out fields.
 */
int rs_gc_op_collect(struct rs_heap *h, void *arg);
int rs_gc_op_control(struct rs_heap *h, void *arg);
int rs_gc_op_freeze(struct rs_heap *h, void *arg);
int rs_gc_op_stats(struct rs_heap *h, void *arg);

/*
 * rs_heap_lock()'s slow path (heap.c): wait for heap->lock as a mutator.
 * The collector yields the lock between slices to such waiters, and a
 * wait that the collector caused is recorded (stats.max_wait_ns).
 */
void rs_gc_lock_wait(struct rs_heap *h);

/* Print @h's collector figures (for a per-heap debugfs file). */
struct seq_file;
void rs_gc_show_heap(struct seq_file *m, struct rs_heap *h);

/* Wake the kthread for @h (threshold reached). Any context but NMI. */
void rs_gc_kick(struct rs_heap *h);

int rs_gc_init(struct dentry *debugfs_root);
void rs_gc_exit(void);

#endif /* REFSLAB_GC_H */
