/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab objects: a 16-byte header, nslots reference slots, a payload.
 * See object.c for lifetime rules and heap.h for the lock that guards them.
 */
#ifndef REFSLAB_OBJECT_H
#define REFSLAB_OBJECT_H

#include <linux/types.h>
#include <linux/refcount.h>
#include "uapi/refslab.h"

struct rs_heap;
struct rs_cache;

#define RS_OBJ_HEADER_BYTES	16

/* rs_obj.flags */
#define RS_OBJ_BUFFERED	0x01	/* in the heap's candidate buffer */
#define RS_OBJ_FROZEN	0x02	/* frozen: the collector never scans it */
#define RS_OBJ_DEAD	0x04	/* detached, waiting to be freed */
#define RS_OBJ_SLOTTED	0x08	/* a slot was set once: teardown walks them */
#define RS_OBJ_DOOMED	0x10	/* gc.c: proved garbage (FREE to DETACH) */

/**
 * struct rs_obj - header of a refcounted object (16 bytes)
 * @ref: strong references: handles plus slots pointing here.  Saturates
 *	(refcount_t); a saturated object is immortal.
 * @id: index of the object in its heap's object table (heap->objs).
 * @payload_size: payload bytes, as asked at creation.
 * @nslots: number of reference slots.
 * @cls: which cache it came from (see object.c: general class or a named
 *	cache of the heap).
 * @flags: RS_OBJ_*; changed only under the heap lock.
 *
 * Followed in memory by struct rs_obj *slots[nslots], then the payload.
 * Everything but @ref is changed only under heap->lock; @ref too, except
 * that reads are lockless.
 */
struct rs_obj {
	refcount_t ref;
	u32 id;
	u32 payload_size;
	u16 nslots;
	u8 cls;
	u8 flags;
};

static inline struct rs_obj **rs_obj_slots(struct rs_obj *o)
{
	return (struct rs_obj **)(o + 1);
}

static inline u8 *rs_obj_payload(struct rs_obj *o)
{
	return (u8 *)(rs_obj_slots(o) + o->nslots);
}

/*
 * A list of detached objects whose memory is given back after the heap
 * lock is dropped.  The link reuses the dead object's first 8 bytes.
 */
struct rs_freelist {
	struct rs_obj *head;
	unsigned long count;
};

static inline void rs_freelist_init(struct rs_freelist *fl)
{
	fl->head = NULL;
	fl->count = 0;
}

/*
 * All of these are called with heap->lock held.
 *
 * rs_obj_get_locked(): take a reference (saturating).
 * rs_obj_put_locked(): drop one; at zero the object is detached and torn
 *	down iteratively (its slot targets are put in turn); everything that
 *	died is appended to @fl.  A decrement to non-zero makes the object a
 *	collector candidate.
 * rs_obj_put_deferred(): the same, but an object that dies is only
 *	detached and pushed on @work; rs_obj_teardown() puts the slot targets
 *	of the objects on @work (pushing those that die in turn) and moves
 *	them to @fl, until *@budget (one per object plus one per slot) runs
 *	out; it returns true when @work is empty.  Objects on @work are dead
 *	and unreachable, so @work may be kept across a drop of heap->lock
 *	(the collector bounds its frees per hold this way).
 * rs_obj_detach_many(): take the objects of table entries @ids[0..n) out
 *	of the table and the heap's accounting (counters updated once) and
 *	append them to @fl, without looking at their slots or refcounts: the
 *	collector's garbage, whose slots it has handled and which nothing can
 *	reach any more (gc.c).
 */
void rs_obj_get_locked(struct rs_heap *h, struct rs_obj *o);
void rs_obj_put_locked(struct rs_heap *h, struct rs_obj *o, struct rs_freelist *fl);
void rs_obj_put_deferred(struct rs_heap *h, struct rs_obj *o,
			 struct rs_obj **work);
bool rs_obj_teardown(struct rs_heap *h, struct rs_obj **work,
		     struct rs_freelist *fl, long *budget);
void rs_obj_detach_many(struct rs_heap *h, const u32 *ids, u32 n,
			struct rs_freelist *fl);

/*
 * The collector's hold on table entries (heap->lock held): between
 * rs_objs_hold() and rs_objs_unhold() no freed entry is reused, so an
 * object table index names at most one object.
 */
void rs_objs_hold(struct rs_heap *h);
void rs_objs_unhold(struct rs_heap *h);

/* Without heap->lock: give the memory of everything on @fl back to the
 * slab caches (cond_resched()s as it goes).
 */
void rs_obj_free_list(struct rs_heap *h, struct rs_freelist *fl);

/* Free every object of a heap at its final put, without bookkeeping. */
void rs_obj_free_all(struct rs_heap *h);

struct rs_cache *rs_obj_cache(struct rs_heap *h, const struct rs_obj *o);
bool rs_obj_immortal(const struct rs_obj *o);
/* What REFSLAB_IOC_STAT and the heap dump report (heap->lock held). */
u32 rs_obj_refcount(const struct rs_obj *o);
u32 rs_obj_state(const struct rs_obj *o);

/*
 * The object operations behind the ioctls and the batch call.  Called
 * without locks; arguments are already copied in (handles out aside, see
 * RS_UNDELIVERED below); they validate flags and
 * padding, return 0 or a negative errno, and fill the out fields.  On
 * error nothing changed.
 *
 * A handle an operation makes (create's handle, dup's new_handle,
 * get_slot's target) is only reserved: nobody can name it until the
 * caller, once the number has reached userspace, passes it to
 * rs_handles_publish(); if it could not be reported, rs_handles_release()
 * takes the reservation back, dropping the reference it held.  Both are
 * called without locks and skip REFSLAB_NONE.
 */
void rs_handles_publish(struct rs_heap *h, const u32 *handles, unsigned int n);
void rs_handles_release(struct rs_heap *h, const u32 *handles, unsigned int n);

/*
 * The exception to "no user memory below ioctl.c": a command that makes
 * handles may be given @out, where their numbers go.  They are then
 * written in the same hold of heap->lock that made them, with page faults
 * disabled, and published at once: no second hold.  If a page needs a
 * fault, rs_op_create() returns RS_UNDELIVERED with the handle reserved
 * (the caller writes it and publishes or releases it as above), and
 * rs_op_create_n() writes them with the lock dropped itself.
 */
#define RS_UNDELIVERED	1

/* Objects per hold of heap->lock in CREATE_N, handles in DROP_N. */
#define RS_BULK_CHUNK		64
#define RS_BULK_DROP_CHUNK	256

/**
 * struct rs_shape - what a create asked for, checked, and where it goes
 * @cache: the cache the objects come from (pinned if named).
 * @bytes: header, slots and payload.
 * @stride: slab bytes per object: what the byte count and limit see.
 * @nslots: header field (rs_obj).
 * @payload_size: header field.
 * @cls: header field: 0, or the named cache's id.
 */
struct rs_shape {
	struct rs_cache *cache;
	size_t bytes;
	u32 stride;
	u32 nslots, payload_size;
	u8 cls;
};

/* Operations per batch group (ioctl.c): one hold of heap->lock each. */
#define RS_GROUP_MAX	8

/**
 * struct rs_group - one batch group's hold of heap->lock (object.c)
 * @fl: what the group's operations freed: given back after the hold.
 * @obj: per operation, the object its create will install, made before
 *	the hold; NULL once installed, or for any other operation.
 * @cache: the cache @obj came from.
 * @stride: @obj's slab bytes.
 * @err: per operation, the error its create gets (checked before the
 *	hold: shape, memory), or 0.
 * @n: operations in the group.
 */
struct rs_group {
	struct rs_freelist fl;
	struct rs_obj *obj[RS_GROUP_MAX];
	struct rs_cache *cache[RS_GROUP_MAX];
	u32 stride[RS_GROUP_MAX];
	int err[RS_GROUP_MAX];
	u32 n;
};

/*
 * A batch group in one hold (the batch call, ioctl.c): rs_group_begin()
 * makes the objects of @ops' creates of a general cache, then takes
 * heap->lock; rs_group_op() runs operation @j of the group with its
 * arguments checked as the command's (0 or -errno), or returns -EAGAIN
 * for one it does not run in the hold (READ, WRITE, a named cache's
 * create): the caller runs that one's command between rs_group_pause()
 * and rs_group_resume().  rs_group_deliver(), still in the hold, writes
 * @ops[0..n) back to @u with page faults disabled and, if that worked,
 * publishes the handles in @made (REFSLAB_NONE skipped); false if a page
 * needed a fault (the caller writes them back and publishes or releases
 * them the slow way).  rs_group_end() drops the lock and frees what the
 * group's operations freed and the objects no create used.
 */
void rs_group_begin(struct rs_heap *h, struct rs_group *g,
		    const struct refslab_op *ops, u32 n);
int rs_group_op(struct rs_heap *h, struct rs_group *g, u32 j,
		struct refslab_op *op);
void rs_group_pause(struct rs_heap *h);
void rs_group_resume(struct rs_heap *h);
bool rs_group_deliver(struct rs_heap *h, struct refslab_op __user *u,
		      const struct refslab_op *ops, u32 n, const u32 *made);
void rs_group_end(struct rs_heap *h, struct rs_group *g);

int rs_op_create(struct rs_heap *h, struct refslab_create *a, u32 __user *out);
/*
 * CREATE_N of @a->count (checked by the caller) objects, all or nothing:
 * @hd (room for count) gets the handles, @out the copy the caller sees.
 * On error nothing was made and the heap's figures are as before.
 */
int rs_op_create_n(struct rs_heap *h, const struct refslab_create_n *a,
		   u32 *hd, u32 __user *out);
/* DROP_N, SET_SLOTS: arrays copied in, count checked; all or nothing. */
int rs_op_drop_n(struct rs_heap *h, const u32 *hd, u32 count);
int rs_op_set_slots(struct rs_heap *h, const struct refslab_slot_set *ss,
		    u32 count);
int rs_op_dup(struct rs_heap *h, void *arg);
int rs_op_drop(struct rs_heap *h, void *arg);
int rs_op_set_slot(struct rs_heap *h, void *arg);
int rs_op_get_slot(struct rs_heap *h, void *arg);
int rs_op_io(struct rs_heap *h, struct refslab_io *a, bool write);
int rs_op_stat(struct rs_heap *h, void *arg);

#endif /* REFSLAB_OBJECT_H */
