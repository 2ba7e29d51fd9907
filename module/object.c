// SPDX-License-Identifier: GPL-2.0
/*
 * refslab objects: creation, references, slots, payload and teardown.
 *
 * Owns: the object header (object.h) and the operations behind the object
 * ioctls (rs_op_*), which the ioctl dispatcher and the batch call share.
 *
 * Locking: every change to an object (its refcount, slots, payload, flags)
 * and to the heap's handle and object tables is made under heap->lock, a
 * mutex; refcount reads are also done under it.  Slab memory is allocated
 * before the lock is taken and given back after it is dropped: teardown
 * under the lock only detaches dead objects onto a freelist.  User memory
 * is never touched with the lock held: payload reads and writes go through
 * a bounce buffer, so a faulting buffer changes nothing.
 *
 * Refcounts saturate: an increment that would reach rs_ref_max leaves the
 * object immortal (REFCOUNT_SATURATED), and puts on it are ignored, so a
 * saturated object is never freed early; it goes with its heap.
 *
 * Teardown is iterative: a dead object's slots are walked from a worklist
 * threaded through dead headers, never by recursion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include "heap.h"
#include "object.h"
#include "trace.h"

static unsigned int rs_ref_max = 0x3fffffff;
module_param_named(ref_max, rs_ref_max, uint, 0644);
MODULE_PARM_DESC(ref_max,
		 "refcount at which an object saturates and becomes immortal (2..0x3fffffff)");

static_assert(sizeof(struct rs_obj) == RS_OBJ_HEADER_BYTES);

static u32 rs_ref_limit(void)
{
	return clamp_t(u32, READ_ONCE(rs_ref_max), 2, 0x3fffffff);
}

bool rs_obj_immortal(const struct rs_obj *o)
{
	return refcount_read(&o->ref) == REFCOUNT_SATURATED;
}

static size_t rs_obj_bytes(u32 nslots, u32 payload)
{
	return sizeof(struct rs_obj) + (size_t)nslots * sizeof(struct rs_obj *) +
	       payload;
}

/* The cache an object lives in: a named cache of the heap, or the general
 * size class its size maps to.
 */
struct rs_cache *rs_obj_cache(struct rs_heap *h, const struct rs_obj *o)
{
	size_t bytes;

	if (o->cls)
		return h->caches[o->cls - 1].cache;
	bytes = rs_obj_bytes(o->nslots, o->payload_size);
	/* a heap of a memory cgroup: that cgroup's instance of the class */
	if (h->mcg)
		return rs_memcg_class(h->mcg, bytes);
	return rs_size_class(bytes);
}

/* Slab bytes @o occupies: what the heap's byte count and limit see. */
static unsigned int rs_obj_slab_bytes(struct rs_heap *h, const struct rs_obj *o)
{
	if (o->cls)
		return rs_cache_object_size(h->caches[o->cls - 1].cache);
	return rs_size_class_stride(rs_obj_bytes(o->nslots, o->payload_size));
}

/* The freelist link lives in the first 8 bytes of a dead object. */
static struct rs_obj **rs_dead_link(struct rs_obj *o)
{
	return (struct rs_obj **)o;
}

static void rs_push(struct rs_obj **list, struct rs_obj *o)
{
	*rs_dead_link(o) = *list;
	*list = o;
}

/*
 * Give table entry @id back.  While a collection runs (rs_objs_hold()), an
 * id must name at most one object, because the collector keeps ids across
 * its lock drops (gc.c, "Identity"): a freed entry then waits in limbo
 * until rs_objs_unhold() splices it onto the free chain.
 */
static void rs_objs_release(struct rs_heap *h, u32 id)
{
	struct rs_entry *e = &h->objs[id];

	if (unlikely(h->objs_held)) {
		if (h->objs_limbo == U32_MAX)
			h->objs_limbo_tail = id;
		e->gc_refs = h->objs_limbo;
		h->objs_limbo = id;
		return;
	}
	e->gc_refs = h->objs_free;
	h->objs_free = id;
}

void rs_objs_hold(struct rs_heap *h)
{
	lockdep_assert_held(&h->lock);
	h->objs_held = true;
}

void rs_objs_unhold(struct rs_heap *h)
{
	lockdep_assert_held(&h->lock);
	h->objs_held = false;
	if (h->objs_limbo == U32_MAX)
		return;
	h->objs[h->objs_limbo_tail].gc_refs = h->objs_free;
	h->objs_free = h->objs_limbo;
	h->objs_limbo = U32_MAX;
}

/*
 * Take @o out of the table; returns its slab bytes, which the caller takes
 * off the heap's accounting with the other counters (rs_obj_uncount()).
 */
static unsigned int rs_obj_unmap(struct rs_heap *h, struct rs_obj *o)
{
	struct rs_entry *e = &h->objs[o->id];

	/* the collector frees only while it holds the lock (gc.c) */
	trace_obj_free(h, o, h->gc.holding ? RS_FREED_COLLECTOR : RS_FREED_REFCOUNT);
	rs_gc_forget(h, o);
	o->flags |= RS_OBJ_DEAD;
	e->obj = NULL;
	e->gc_mark = 0;
	rs_objs_release(h, o->id);
	return rs_obj_slab_bytes(h, o);
}

static void rs_obj_uncount(struct rs_heap *h, u32 n, u64 bytes)
{
	rs_heap_changed(h);
	h->nobjects -= n;
	h->nbytes -= bytes;
	h->freed += n;
	/* A named cache stays pinned (caches[].objects) until the memory is
	 * back in it: rs_obj_free_list() unpins.
	 */
}

/* Take @o out of the table and the accounting; it must not be linked yet. */
static void rs_obj_unlink(struct rs_heap *h, struct rs_obj *o)
{
	rs_obj_uncount(h, 1, rs_obj_unmap(h, o));
}

void rs_obj_detach_many(struct rs_heap *h, const u32 *ids, u32 n,
			struct rs_freelist *fl)
{
	u64 bytes = 0;
	u32 i;

	lockdep_assert_held(&h->lock);
	for (i = 0; i < n; i++) {
		struct rs_obj *o = h->objs[ids[i]].obj;

		bytes += rs_obj_unmap(h, o);
		rs_push(&fl->head, o);
	}
	fl->count += n;
	rs_obj_uncount(h, n, bytes);
}

void rs_obj_get_locked(struct rs_heap *h, struct rs_obj *o)
{
	lockdep_assert_held(&h->lock);
	if (rs_obj_immortal(o))
		return;
	rs_gc_touch(h, o);
	rs_heap_changed(h);
	h->incref++;
	if (refcount_read(&o->ref) + 1 >= rs_ref_limit())
		refcount_set(&o->ref, REFCOUNT_SATURATED);
	else
		refcount_inc(&o->ref);
}

/* Drop one reference; true if it was the last (the caller detaches). */
static bool rs_obj_dec(struct rs_heap *h, struct rs_obj *o)
{
	if (rs_obj_immortal(o))
		return false;
	rs_gc_touch(h, o);
	rs_heap_changed(h);
	h->decref++;
	if (refcount_dec_and_test(&o->ref))
		return true;
	rs_gc_decref(h, o);
	return false;
}

void rs_obj_put_deferred(struct rs_heap *h, struct rs_obj *o,
			 struct rs_obj **work)
{
	lockdep_assert_held(&h->lock);
	if (!rs_obj_dec(h, o))
		return;
	rs_obj_unlink(h, o);
	rs_push(work, o);
}

bool rs_obj_teardown(struct rs_heap *h, struct rs_obj **work,
		     struct rs_freelist *fl, long *budget)
{
	unsigned long n = 0;

	lockdep_assert_held(&h->lock);
	while (*work && *budget > 0) {
		struct rs_obj *cur = *work;
		struct rs_obj **slots = rs_obj_slots(cur);
		u32 i;

		*work = *rs_dead_link(cur);
		/* slots start empty: none to put unless one was ever set */
		for (i = 0; i < cur->nslots && (cur->flags & RS_OBJ_SLOTTED); i++) {
			struct rs_obj *t = slots[i];

			if (!t)
				continue;
			slots[i] = NULL;
			rs_obj_put_deferred(h, t, work);
		}
		rs_push(&fl->head, cur);
		fl->count++;
		*budget -= 1 + cur->nslots;
		if (!(++n & 1023))
			cond_resched();
	}
	return !*work;
}

void rs_obj_put_locked(struct rs_heap *h, struct rs_obj *o, struct rs_freelist *fl)
{
	struct rs_obj *work = NULL;
	long unbounded = LONG_MAX;

	rs_obj_put_deferred(h, o, &work);
	rs_obj_teardown(h, &work, fl, &unbounded);
}

/*
 * A long list (the collector's garbage) goes back in bulk, a batch per
 * cache (rs_cache_free_bulk()); a few batches fill at once, because
 * garbage of mixed sizes comes interleaved.
 */
#define RS_FREE_BULK_MIN	256
#define RS_FREE_BATCHES		8
#define RS_FREE_BATCH		126

struct rs_free_batch {
	struct rs_cache *cache;
	unsigned int n;
	void *objs[RS_FREE_BATCH];
};

static void rs_free_batch_flush(struct rs_free_batch *b)
{
	rs_cache_free_bulk(b->cache, b->n, b->objs);
	b->n = 0;
}

/* @o goes to its cache's batch, or to an empty one, or the fullest is freed. */
static void rs_free_batched(struct rs_free_batch *b, struct rs_cache *c,
			    void *o)
{
	struct rs_free_batch *t = NULL, *empty = NULL, *full = b;
	int i;

	for (i = 0; i < RS_FREE_BATCHES; i++) {
		if (b[i].n && b[i].cache == c) {
			t = &b[i];
			break;
		}
		if (!b[i].n)
			empty = empty ?: &b[i];
		else if (b[i].n > full->n)
			full = &b[i];
	}
	if (!t) {
		t = empty;
		if (!t) {
			rs_free_batch_flush(full);
			t = full;
		}
		t->cache = c;
	}
	t->objs[t->n++] = o;
	if (t->n == RS_FREE_BATCH)
		rs_free_batch_flush(t);
}

void rs_obj_free_list(struct rs_heap *h, struct rs_freelist *fl)
{
	/* cleared below on first use, not by the compiler on every call */
	u32 unpin[RS_MAX_NAMED_CACHES] __uninitialized;
	struct rs_free_batch *b = NULL;
	struct rs_obj *o = fl->head;
	unsigned long n = 0, named = 0;
	int i;

	if (fl->count >= RS_FREE_BULK_MIN)
		b = kcalloc(RS_FREE_BATCHES, sizeof(*b),
			    GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	while (o) {
		struct rs_obj *next = *rs_dead_link(o);
		struct rs_cache *c = rs_obj_cache(h, o);

		if (o->cls) {
			/* cleared on first use: most lists hold no named object */
			if (!named++)
				memset(unpin, 0, sizeof(unpin));
			unpin[o->cls - 1]++;
		}
		if (b)
			rs_free_batched(b, c, o);
		else
			rs_cache_free(c, o);
		o = next;
		if (!(++n & 1023))
			cond_resched();
	}
	if (b) {
		for (i = 0; i < RS_FREE_BATCHES; i++)
			if (b[i].n)
				rs_free_batch_flush(&b[i]);
		kfree(b);
	}
	rs_freelist_init(fl);
	if (!named)
		return;
	rs_heap_lock(h);
	for (i = 0; i < RS_MAX_NAMED_CACHES; i++)
		h->caches[i].objects -= unpin[i];
	rs_heap_unlock(h);
}

/* Release everything a heap still holds, at its final put: nobody else can
 * see the heap any more, so no refcount bookkeeping is needed.
 */
void rs_obj_free_all(struct rs_heap *h)
{
	u32 i;

	for (i = 0; i < h->objs_cap; i++) {
		struct rs_obj *o = h->objs[i].obj;

		if (!o)
			continue;
		h->objs[i].obj = NULL;
		trace_obj_free(h, o, RS_FREED_CLOSE);
		rs_cache_free(rs_obj_cache(h, o), o);
		if (!(i & 1023))
			cond_resched();
	}
}

/* ---- table helpers (heap->lock held) ---- */

static int rs_grow(struct rs_heap *h, void **table, u32 *cap, size_t esize,
		   u64 want)
{
	u64 ncap = max_t(u64, *cap ? (u64)*cap * 2 : 64, want);
	void *n;

	if (ncap > U32_MAX - 1)
		ncap = U32_MAX - 1;
	if (ncap < want)
		return -EDQUOT;
	n = rs_heap_kvcalloc(h, ncap, esize);
	if (!n)
		return -ENOMEM;
	if (*table)
		memcpy(n, *table, (size_t)*cap * esize);
	kvfree(*table);
	*table = n;
	*cap = ncap;
	return 0;
}

/*
 * Handles follow the descriptor table's reserve-then-install model
 * (get_unused_fd_flags() + fd_install()).  An operation that makes a
 * handle reserves a number: the entry holds the object and the reference
 * the handle will own, and counts against the handles limit, but the
 * number is in handles_pending and every lookup fails on it (ENOENT).
 * Only after ioctl.c has written the number to the caller does it
 * publish it; if that copy fails it releases the reservation instead.  So
 * no number is usable before its owner was told of it, and undoing a
 * failed copy can never hit a number someone else holds.
 */

/*
 * Finding a free number is amortized O(1), as in the descriptor table
 * (fs/file.c): handles_open has a bit per number in use (reserved or
 * published; bit 0 is set for good, 0 is never issued), handles_full a bit
 * per handles_open word with no zero bit, and handles_free is the lowest
 * number that may be free (every number below it is in use).  A search
 * skips 64 full words per handles_full bit.
 */

static unsigned long *rs_bitmap_grow(struct rs_heap *h, unsigned long *old,
				     u64 oldbits, u64 bits)
{
	unsigned long *n = rs_heap_kvcalloc(h, BITS_TO_LONGS(bits), sizeof(long));

	if (n && old)
		bitmap_copy(n, old, oldbits);
	return n;
}

/* Grow the handle table and its bitmaps so that handle @want fits. */
static int rs_handles_grow(struct rs_heap *h, u64 want)
{
	u64 cap = h->handles_cap, ncap;
	unsigned long *open, *full, *pending;
	struct rs_obj **t;

	ncap = max_t(u64, cap ? cap * 2 : 64, want + 1);
	ncap = min_t(u64, round_up(ncap, BITS_PER_LONG), RS_HANDLES_MAX);
	if (ncap <= want)
		return -EDQUOT;
	t = rs_heap_kvcalloc(h, ncap, sizeof(*t));
	open = rs_bitmap_grow(h, h->handles_open, cap, ncap);
	full = rs_bitmap_grow(h, h->handles_full, cap / BITS_PER_LONG,
			      ncap / BITS_PER_LONG);
	pending = rs_bitmap_grow(h, h->handles_pending, cap, ncap);
	if (!t || !open || !full || !pending) {
		kvfree(t);
		kvfree(open);
		kvfree(full);
		kvfree(pending);
		return -ENOMEM;
	}
	if (cap)
		memcpy(t, h->handles, cap * sizeof(*t));
	else
		__set_bit(0, open);
	kvfree(h->handles);
	kvfree(h->handles_open);
	kvfree(h->handles_full);
	kvfree(h->handles_pending);
	h->handles = t;
	h->handles_open = open;
	h->handles_full = full;
	h->handles_pending = pending;
	h->handles_cap = ncap;
	return 0;
}

/* The lowest free handle number, growing the table if needed; nothing is
 * taken yet.
 */
static int rs_handle_find(struct rs_heap *h, u32 *out)
{
	u32 cap = h->handles_cap, start = h->handles_free, word;
	int err;

	if (h->nhandles >= h->limits.max_handles)
		return -EDQUOT;
	/* most often the lowest free number is in the word it starts in */
	if (start < cap) {
		unsigned long free = ~h->handles_open[start / BITS_PER_LONG] >>
				     (start % BITS_PER_LONG);

		if (free) {
			*out = start + __ffs(free);
			if (*out < cap)
				return 0;
		}
	}
	if (start < cap) {
		word = find_next_zero_bit(h->handles_full, cap / BITS_PER_LONG,
					  start / BITS_PER_LONG);
		start = max_t(u32, start, word * BITS_PER_LONG);
		if (start < cap)
			start = find_next_zero_bit(h->handles_open, cap, start);
	}
	if (start >= cap) {
		start = max_t(u32, cap, 1);
		err = rs_handles_grow(h, start);
		if (err)
			return err;
	}
	*out = start;
	return 0;
}

/* Reserve @handle (from rs_handle_find()) for @o; the caller's reference
 * on @o becomes the handle's.
 */
static void rs_handle_reserve(struct rs_heap *h, u32 handle, struct rs_obj *o)
{
	u32 word = handle / BITS_PER_LONG;

	h->handles[handle] = o;
	__set_bit(handle, h->handles_open);
	if (h->handles_open[word] == ~0UL)
		__set_bit(word, h->handles_full);
	__set_bit(handle, h->handles_pending);
	h->handles_free = handle + 1;
	h->nhandles++;
}

struct rs_obj *rs_heap_lookup(struct rs_heap *h, u32 handle)
{
	lockdep_assert_held(&h->lock);
	if (handle == REFSLAB_NONE || handle >= h->handles_cap ||
	    test_bit(handle, h->handles_pending))
		return NULL;
	return h->handles[handle];
}

/* Take a handle out of the table (published or reserved alike); the
 * caller owns the reference it held.
 */
static struct rs_obj *rs_handle_clear(struct rs_heap *h, u32 handle)
{
	struct rs_obj *o = h->handles[handle];

	h->handles[handle] = NULL;
	rs_heap_changed(h);
	__clear_bit(handle, h->handles_open);
	__clear_bit(handle / BITS_PER_LONG, h->handles_full);
	__clear_bit(handle, h->handles_pending);
	h->nhandles--;
	if (handle < h->handles_free)
		h->handles_free = handle;
	return o;
}

static struct rs_obj *rs_handle_remove(struct rs_heap *h, u32 handle)
{
	if (!rs_heap_lookup(h, handle))
		return NULL;
	return rs_handle_clear(h, handle);
}

/* A handle reserved by this call: the number and the entry are ours. */
static bool rs_handle_reserved(struct rs_heap *h, u32 handle)
{
	return handle != REFSLAB_NONE && handle < h->handles_cap &&
	       !WARN_ON_ONCE(!test_bit(handle, h->handles_pending));
}

/* Any handle in @handles: a batch group of drops takes no lock here. */
static bool rs_handles_any(const u32 *handles, unsigned int n)
{
	while (n--)
		if (handles[n] != REFSLAB_NONE)
			return true;
	return false;
}

void rs_handles_publish(struct rs_heap *h, const u32 *handles, unsigned int n)
{
	unsigned int i;

	if (!rs_handles_any(handles, n))
		return;
	rs_heap_lock(h);
	for (i = 0; i < n; i++) {
		if (rs_handle_reserved(h, handles[i])) {
			__clear_bit(handles[i], h->handles_pending);
			rs_heap_changed(h);
		}
	}
	rs_heap_unlock(h);
}

void rs_handles_release(struct rs_heap *h, const u32 *handles, unsigned int n)
{
	struct rs_freelist fl;
	unsigned int i;

	if (!rs_handles_any(handles, n))
		return;
	rs_freelist_init(&fl);
	rs_heap_lock(h);
	for (i = 0; i < n; i++) {
		if (rs_handle_reserved(h, handles[i]))
			rs_obj_put_locked(h, rs_handle_clear(h, handles[i]), &fl);
	}
	rs_heap_unlock(h);
	rs_obj_free_list(h, &fl);
}

static int rs_objs_reserve(struct rs_heap *h)
{
	u32 old = h->objs_cap, i;
	int err;

	if (h->objs_free != U32_MAX)
		return 0;
	err = rs_grow(h, (void **)&h->objs, &h->objs_cap, sizeof(*h->objs),
		      (u64)old + 1);
	if (err)
		return err;
	for (i = h->objs_cap; i-- > old;) {
		h->objs[i].gc_refs = h->objs_free;
		h->objs_free = i;
	}
	return 0;
}

/* ---- operations ---- */

/*
 * The handles @hd[0..n) reach the caller while heap->lock is held: the
 * only user access below ioctl.c, made with page faults disabled, so it
 * neither sleeps nor takes mmap_lock under the mutex.  False if a page was
 * not present or not writable: the caller writes them the slow way (with
 * the lock dropped) and publishes after.
 */
static bool rs_handles_put_nofault(u32 __user *u, const u32 *hd, unsigned int n)
{
	bool ok = false;
	unsigned int i;

	pagefault_disable();
	if (user_access_begin(u, n * sizeof(*u))) {
		for (i = 0; i < n; i++)
			unsafe_put_user(hd[i], &u[i], fault);
		ok = true;
fault:
		user_access_end();
	}
	pagefault_enable();
	return ok;
}

/* Under heap->lock: @hd[0..n), reserved by this call, become usable. */
static void rs_handles_publish_locked(struct rs_heap *h, const u32 *hd,
				      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		__clear_bit(hd[i], h->handles_pending);
	rs_heap_changed(h);
}

/*
 * Under heap->lock: take back an object this call made and never issued
 * (its handle still reserved, so nobody could name it, slot it or take a
 * reference).  It counts as neither created nor freed.
 */
static void rs_obj_unmake(struct rs_heap *h, u32 handle, struct rs_freelist *fl)
{
	struct rs_obj *o = rs_handle_clear(h, handle);

	rs_obj_unlink(h, o);
	rs_push(&fl->head, o);
	fl->count++;
	h->created--;
	h->freed--;
}

static void rs_shape_unpin(struct rs_heap *h, const struct rs_shape *s, u32 n)
{
	if (!s->cls || !n)
		return;
	rs_heap_lock(h);
	h->caches[s->cls - 1].objects -= n;
	rs_heap_unlock(h);
}

/*
 * Check a create's shape and find its cache.  A named cache is pinned for
 * @n objects (caches[].objects), so that it cannot be destroyed before
 * they are installed; an object that is not made gives its pin back with
 * rs_shape_unpin(), one that dies does so in rs_obj_free_list().
 */
static int rs_shape_get(struct rs_heap *h, u32 nslots, u32 payload,
			u32 cache_id, u32 n, struct rs_shape *s)
{
	struct rs_named_cache *nc;
	u32 size;

	if (nslots > REFSLAB_MAX_SLOTS || payload > REFSLAB_MAX_PAYLOAD)
		return -EINVAL;
	s->bytes = rs_obj_bytes(nslots, payload);
	s->nslots = nslots;
	s->payload_size = payload;
	s->cls = 0;
	if (cache_id == REFSLAB_GENERAL_CACHE) {
		s->cache = rs_size_class(s->bytes);
		if (!s->cache)
			return -EINVAL;
		s->stride = rs_size_class_stride(s->bytes);
		if (h->mcg) {
			s->cache = rs_memcg_class_get(h->mcg, s->bytes);
			if (!s->cache)
				return -ENOMEM;
		}
		return 0;
	}
	if (cache_id > RS_MAX_NAMED_CACHES)
		return -ENOENT;
	/* The cache cannot go away under us: destroy needs heap->lock and
	 * refuses while objects live, and the pin counts as objects.
	 */
	rs_heap_lock(h);
	nc = &h->caches[cache_id - 1];
	s->cache = nc->pending ? NULL : nc->cache;	/* id not yet told */
	size = nc->object_size;
	if (s->cache)
		nc->objects += n;
	rs_heap_unlock(h);
	if (!s->cache)
		return -ENOENT;
	s->cls = cache_id;
	if (s->bytes > size) {
		rs_shape_unpin(h, s, n);
		return -EINVAL;
	}
	s->stride = rs_cache_object_size(s->cache);
	return 0;
}

/* A new object of shape @s, refcount 1, not yet in the heap; no lock. */
static struct rs_obj *rs_obj_new(const struct rs_shape *s)
{
	struct rs_obj *o = rs_cache_alloc(s->cache, RS_GFP_USER);

	if (!o)
		return NULL;
	memset(o, 0, s->bytes);
	refcount_set(&o->ref, 1);
	o->payload_size = s->payload_size;
	o->nslots = s->nslots;
	o->cls = s->cls;
	return o;
}

/*
 * Under heap->lock: count @o (of @stride slab bytes) in the heap and give
 * it a reserved handle (rs_handle_reserve()).  -EDQUOT or -ENOMEM, with
 * nothing changed.
 */
static int rs_obj_install(struct rs_heap *h, struct rs_obj *o, u32 stride,
			  u32 *handle)
{
	struct rs_entry *e;
	int err;

	if (h->nobjects >= h->limits.max_objects ||
	    h->nbytes + stride > h->limits.max_bytes)
		return -EDQUOT;
	err = rs_objs_reserve(h) ?: rs_handle_find(h, handle);
	if (err)
		return err;
	o->id = h->objs_free;
	e = &h->objs[o->id];
	h->objs_free = e->gc_refs;
	e->obj = o;
	e->gc_refs = 0;
	e->gc_mark = 0;
	h->nobjects++;
	h->nbytes += stride;
	h->created++;
	rs_handle_reserve(h, *handle, o);
	rs_gc_created(h, o);
	trace_obj_create(h, o, *handle);
	rs_heap_changed(h);
	return 0;
}

int rs_op_create(struct rs_heap *h, struct refslab_create *a, u32 __user *out)
{
	struct rs_shape s;
	struct rs_obj *o;
	u32 handle;
	int err;

	if (a->flags || a->__pad)
		return -EINVAL;
	err = rs_shape_get(h, a->nslots, a->payload_size, a->cache_id, 1, &s);
	if (err)
		return err;
	o = rs_obj_new(&s);
	if (!o) {
		rs_shape_unpin(h, &s, 1);
		return -ENOMEM;
	}
	rs_heap_lock(h);
	err = rs_obj_install(h, o, s.stride, &handle);
	if (!err && out) {
		if (rs_handles_put_nofault(out, &handle, 1))
			rs_handles_publish_locked(h, &handle, 1);
		else
			err = RS_UNDELIVERED;
	}
	rs_heap_unlock(h);
	if (err < 0) {
		rs_cache_free(s.cache, o);
		rs_shape_unpin(h, &s, 1);
		return err;
	}
	a->handle = handle;
	return err;
}

/*
 * CREATE_N: chunks of RS_BULK_CHUNK objects, each allocated before its
 * hold of heap->lock, installed in it with reserved handles and written
 * out in it (fault-free).  The last hold publishes every handle of the
 * call; until then any of them can be taken back, which is how an error
 * in a later chunk leaves nothing behind.
 */
int rs_op_create_n(struct rs_heap *h, const struct refslab_create_n *a,
		   u32 *hd, u32 __user *out)
{
	struct rs_obj *objs[RS_BULK_CHUNK] __uninitialized;
	bool written = true, published = false;
	struct rs_freelist fl;
	u32 made = 0, n, i;
	struct rs_shape s;
	int err;

	err = rs_shape_get(h, a->nslots, a->payload_size, a->cache_id,
			   a->count, &s);
	if (err)
		return err;
	while (made < a->count) {
		n = min_t(u32, a->count - made, RS_BULK_CHUNK);
		for (i = 0; i < n; i++) {
			objs[i] = rs_obj_new(&s);
			if (!objs[i])
				break;
		}
		if (i < n) {
			while (i--)
				rs_cache_free(s.cache, objs[i]);
			err = -ENOMEM;
			goto unmake;
		}
		rs_heap_lock(h);
		for (i = 0; i < n; i++) {
			err = rs_obj_install(h, objs[i], s.stride, &hd[made + i]);
			if (err)
				break;
		}
		if (err) {
			rs_heap_unlock(h);
			made += i;	/* installed: taken back below */
			while (i < n)
				rs_cache_free(s.cache, objs[i++]);
			goto unmake;
		}
		if (written)
			written = rs_handles_put_nofault(out + made, hd + made, n);
		made += n;
		if (made == a->count && written) {
			rs_handles_publish_locked(h, hd, made);
			published = true;
		}
		rs_heap_unlock(h);
		if (made < a->count)
			cond_resched();
	}
	if (published)
		return 0;
	/* A page of handles[] needed a fault: write them all the slow way. */
	if (!copy_to_user(out, hd, made * sizeof(*hd))) {
		rs_heap_lock(h);
		rs_handles_publish_locked(h, hd, made);
		rs_heap_unlock(h);
		return 0;
	}
	err = -EFAULT;

unmake:
	rs_freelist_init(&fl);
	rs_heap_lock(h);
	for (i = 0; i < made; i++)
		rs_obj_unmake(h, hd[i], &fl);
	rs_heap_unlock(h);
	rs_obj_free_list(h, &fl);	/* unpins what it frees */
	rs_shape_unpin(h, &s, a->count - made);
	return err;
}

/* The bodies of DUP, DROP, SET_SLOT, GET_SLOT and STAT, under heap->lock
 * (flags checked by the caller): the single commands and batch groups.
 */
static int rs_dup_locked(struct rs_heap *h, struct refslab_dup *a)
{
	struct rs_obj *o = rs_heap_lookup(h, a->handle);
	u32 handle;
	int err;

	if (!o)
		return -ENOENT;
	err = rs_handle_find(h, &handle);
	if (err)
		return err;
	rs_obj_get_locked(h, o);
	rs_handle_reserve(h, handle, o);
	a->new_handle = handle;
	return 0;
}

static int rs_drop_locked(struct rs_heap *h, u32 handle, struct rs_freelist *fl)
{
	struct rs_obj *o = rs_handle_remove(h, handle);

	if (!o)
		return -ENOENT;
	rs_obj_put_locked(h, o, fl);
	return 0;
}

int rs_op_dup(struct rs_heap *h, void *arg)
{
	struct refslab_dup *a = arg;
	int err;

	if (a->flags || a->__pad)
		return -EINVAL;
	rs_heap_lock(h);
	err = rs_dup_locked(h, a);
	rs_heap_unlock(h);
	return err;
}

int rs_op_drop(struct rs_heap *h, void *arg)
{
	struct refslab_drop *a = arg;
	struct rs_freelist fl;
	int err;

	if (a->flags)
		return -EINVAL;
	rs_freelist_init(&fl);
	rs_heap_lock(h);
	err = rs_drop_locked(h, a->handle, &fl);
	rs_heap_unlock(h);
	if (!err)
		rs_obj_free_list(h, &fl);
	return err;
}

/*
 * DROP_N: the first hold checks every handle and takes it out of view
 * (it is marked reserved, so every lookup, a repeat in @hd included,
 * fails from then on); then RS_BULK_DROP_CHUNK at a time are dropped, one
 * hold each, their objects freed after it.
 */
int rs_op_drop_n(struct rs_heap *h, const u32 *hd, u32 count)
{
	struct rs_freelist fl;
	u32 i, end;

	rs_heap_lock(h);
	for (i = 0; i < count; i++) {
		if (!rs_heap_lookup(h, hd[i])) {
			while (i--)
				__clear_bit(hd[i], h->handles_pending);
			rs_heap_unlock(h);
			return -ENOENT;
		}
		__set_bit(hd[i], h->handles_pending);
	}
	rs_heap_changed(h);
	for (i = 0; i < count; i = end) {
		end = min_t(u32, count, i + RS_BULK_DROP_CHUNK);
		rs_freelist_init(&fl);
		if (i)
			rs_heap_lock(h);
		for (; i < end; i++)
			rs_obj_put_locked(h, rs_handle_clear(h, hd[i]), &fl);
		rs_heap_unlock(h);
		rs_obj_free_list(h, &fl);
	}
	return 0;
}

/*
 * Under heap->lock: point slot @slot of @o at @t (NULL empties it).  The
 * write barrier sees @o (its slots change) and @t (its refcount does);
 * what the old target loses goes on @fl.
 */
static void rs_slot_store(struct rs_heap *h, struct rs_obj *o, u32 slot,
			  struct rs_obj *t, struct rs_freelist *fl)
{
	struct rs_obj *old = rs_obj_slots(o)[slot];

	rs_gc_touch(h, o);
	if (t) {
		rs_obj_get_locked(h, t);
		o->flags |= RS_OBJ_SLOTTED;
	}
	rs_obj_slots(o)[slot] = t;
	rs_heap_changed(h);
	if (old)
		rs_obj_put_locked(h, old, fl);
}

/* Under heap->lock: check one slot store; 0, -ENOENT or -ERANGE. */
static int rs_slot_check(struct rs_heap *h, u32 handle, u32 slot, u32 target,
			 struct rs_obj **o, struct rs_obj **t)
{
	*o = rs_heap_lookup(h, handle);
	*t = NULL;
	if (target != REFSLAB_NONE)
		*t = rs_heap_lookup(h, target);
	if (!*o || (target != REFSLAB_NONE && !*t))
		return -ENOENT;
	if (slot >= (*o)->nslots)
		return -ERANGE;
	return 0;
}

static int rs_set_slot_locked(struct rs_heap *h, const struct refslab_slot *a,
			      struct rs_freelist *fl)
{
	struct rs_obj *o, *t;
	int err = rs_slot_check(h, a->handle, a->slot, a->target, &o, &t);

	if (!err)
		rs_slot_store(h, o, a->slot, t, fl);
	return err;
}

int rs_op_set_slot(struct rs_heap *h, void *arg)
{
	struct refslab_slot *a = arg;
	struct rs_freelist fl;
	int err;

	if (a->flags)
		return -EINVAL;
	rs_freelist_init(&fl);
	rs_heap_lock(h);
	err = rs_set_slot_locked(h, a, &fl);
	rs_heap_unlock(h);
	rs_obj_free_list(h, &fl);
	return err;
}

/*
 * SET_SLOTS: every store is checked, then all are made, in one hold (a
 * store cannot make a later check fail: handles hold their objects, and a
 * slot count never changes).
 */
int rs_op_set_slots(struct rs_heap *h, const struct refslab_slot_set *ss,
		    u32 count)
{
	struct rs_obj *o, *t;
	struct rs_freelist fl;
	int err = 0;
	u32 i;

	for (i = 0; i < count; i++)
		if (ss[i].__pad)
			return -EINVAL;
	rs_freelist_init(&fl);
	rs_heap_lock(h);
	for (i = 0; i < count && !err; i++)
		err = rs_slot_check(h, ss[i].handle, ss[i].slot, ss[i].target,
				    &o, &t);
	for (i = 0; i < count && !err; i++) {
		rs_slot_check(h, ss[i].handle, ss[i].slot, ss[i].target, &o, &t);
		rs_slot_store(h, o, ss[i].slot, t, &fl);
	}
	rs_heap_unlock(h);
	rs_obj_free_list(h, &fl);
	return err;
}

static int rs_get_slot_locked(struct rs_heap *h, struct refslab_slot *a)
{
	struct rs_obj *o = rs_heap_lookup(h, a->handle), *t;
	u32 handle = REFSLAB_NONE;
	int err;

	if (!o)
		return -ENOENT;
	if (a->slot >= o->nslots)
		return -ERANGE;
	t = rs_obj_slots(o)[a->slot];
	if (t) {
		err = rs_handle_find(h, &handle);
		if (err)
			return err;
		rs_obj_get_locked(h, t);
		rs_handle_reserve(h, handle, t);
	}
	a->target = handle;
	return 0;
}

int rs_op_get_slot(struct rs_heap *h, void *arg)
{
	struct refslab_slot *a = arg;
	int err;

	if (a->flags)
		return -EINVAL;
	rs_heap_lock(h);
	err = rs_get_slot_locked(h, a);
	rs_heap_unlock(h);
	return err;
}

/* Payload I/O.  @write: user -> object.  The bounce buffer keeps user
 * copies out of heap->lock and makes a faulting write change nothing.
 */
int rs_op_io(struct rs_heap *h, struct refslab_io *a, bool write)
{
	void __user *ubuf = u64_to_user_ptr(a->buf);
	struct rs_obj *o;
	u8 stackbuf[128];
	u8 *buf = stackbuf;
	int err = 0;

	if (a->flags)
		return -EINVAL;
	if (a->len > REFSLAB_MAX_PAYLOAD || a->offset > REFSLAB_MAX_PAYLOAD)
		return -ERANGE;	/* cannot fit any payload; also no overflow */
	if (a->len > sizeof(stackbuf)) {
		buf = kvmalloc(a->len, RS_GFP_USER);
		if (!buf)
			return -ENOMEM;
	}
	if (write && copy_from_user(buf, ubuf, a->len)) {
		err = -EFAULT;
		goto out;
	}
	rs_heap_lock(h);
	o = rs_heap_lookup(h, a->handle);
	if (!o)
		err = -ENOENT;
	else if (a->offset + a->len > o->payload_size)
		err = -ERANGE;
	else if (write)
		memcpy(rs_obj_payload(o) + a->offset, buf, a->len);
	else
		memcpy(buf, rs_obj_payload(o) + a->offset, a->len);
	rs_heap_unlock(h);
	if (!err && !write && copy_to_user(ubuf, buf, a->len))
		err = -EFAULT;
out:
	if (buf != stackbuf)
		kvfree(buf);
	return err;
}

u32 rs_obj_refcount(const struct rs_obj *o)
{
	return rs_obj_immortal(o) ? U32_MAX : refcount_read(&o->ref);
}

u32 rs_obj_state(const struct rs_obj *o)
{
	u32 state = 0;

	if (rs_obj_immortal(o))
		state |= REFSLAB_STATE_IMMORTAL;
	if (o->flags & RS_OBJ_BUFFERED)
		state |= REFSLAB_STATE_CANDIDATE;
	if (o->flags & RS_OBJ_FROZEN)
		state |= REFSLAB_STATE_FROZEN;
	return state;
}

static int rs_stat_locked(struct rs_heap *h, struct refslab_stat *a)
{
	struct rs_obj *o = rs_heap_lookup(h, a->handle);

	if (!o)
		return -ENOENT;
	a->refcount = rs_obj_refcount(o);
	a->state = rs_obj_state(o);
	a->nslots = o->nslots;
	a->payload_size = o->payload_size;
	a->object_size = rs_cache_object_size(rs_obj_cache(h, o));
	a->cache_id = o->cls;
	a->id = o->id;
	return 0;
}

int rs_op_stat(struct rs_heap *h, void *arg)
{
	struct refslab_stat *a = arg;
	int err;

	if (a->flags)
		return -EINVAL;
	rs_heap_lock(h);
	err = rs_stat_locked(h, a);
	rs_heap_unlock(h);
	return err;
}

/*
 * ---- batch groups ----
 *
 * The batch call (ioctl.c) runs a group of operations in one hold of
 * heap->lock: rs_group_begin() makes the objects of the group's creates
 * (general caches: no lock needed to find the cache) before it takes the
 * lock; rs_group_op() runs one operation with the single command's body,
 * what dies going on the group's freelist; rs_group_deliver() writes the
 * group's results back fault-free and publishes the handles it made in
 * the same hold; rs_group_end() drops the lock, frees what died and the
 * objects no create used.  An operation that touches user memory (READ,
 * WRITE) or a named cache (whose pin takes the lock) is not run here
 * (-EAGAIN): the caller runs its command between rs_group_pause() and
 * rs_group_resume().  Every reference made or dropped goes through the
 * same install, put and slot store as the single commands, so through the
 * collector's barrier (gc.c).
 */
void rs_group_begin(struct rs_heap *h, struct rs_group *g,
		    const struct refslab_op *ops, u32 n)
{
	struct rs_shape s;
	u32 j;

	rs_freelist_init(&g->fl);
	for (j = 0; j < n; j++) {
		const struct refslab_create *c = &ops[j].args.create;

		g->obj[j] = NULL;
		g->err[j] = 0;
		if (ops[j].op != REFSLAB_OP_CREATE || c->flags || c->__pad ||
		    c->cache_id != REFSLAB_GENERAL_CACHE)
			continue;
		g->err[j] = rs_shape_get(h, c->nslots, c->payload_size,
					 REFSLAB_GENERAL_CACHE, 1, &s);
		if (g->err[j])
			continue;
		g->obj[j] = rs_obj_new(&s);
		g->cache[j] = s.cache;
		g->stride[j] = s.stride;
		if (!g->obj[j])
			g->err[j] = -ENOMEM;
	}
	g->n = n;
	rs_heap_lock(h);
}

static int rs_group_create(struct rs_heap *h, struct rs_group *g, u32 j,
			   struct refslab_create *a)
{
	int err;

	if (g->err[j])
		return g->err[j];
	if (!g->obj[j])
		return -EAGAIN;
	err = rs_obj_install(h, g->obj[j], g->stride[j], &a->handle);
	if (!err)
		g->obj[j] = NULL;	/* the heap's now */
	return err;
}

int rs_group_op(struct rs_heap *h, struct rs_group *g, u32 j,
		struct refslab_op *op)
{
	lockdep_assert_held(&h->lock);
	switch (op->op) {
	case REFSLAB_OP_CREATE:
		return rs_group_create(h, g, j, &op->args.create);
	case REFSLAB_OP_DUP:
		if (op->args.dup.flags || op->args.dup.__pad)
			return -EINVAL;
		return rs_dup_locked(h, &op->args.dup);
	case REFSLAB_OP_DROP:
		if (op->args.drop.flags)
			return -EINVAL;
		return rs_drop_locked(h, op->args.drop.handle, &g->fl);
	case REFSLAB_OP_SET_SLOT:
		if (op->args.slot.flags)
			return -EINVAL;
		return rs_set_slot_locked(h, &op->args.slot, &g->fl);
	case REFSLAB_OP_GET_SLOT:
		if (op->args.slot.flags)
			return -EINVAL;
		return rs_get_slot_locked(h, &op->args.slot);
	case REFSLAB_OP_STAT:
		if (op->args.stat.flags)
			return -EINVAL;
		return rs_stat_locked(h, &op->args.stat);
	}
	return -EAGAIN;
}

void rs_group_pause(struct rs_heap *h)
{
	rs_heap_unlock(h);
}

void rs_group_resume(struct rs_heap *h)
{
	rs_heap_lock(h);
}

bool rs_group_deliver(struct rs_heap *h, struct refslab_op __user *u,
		      const struct refslab_op *ops, u32 n, const u32 *made)
{
	u32 j;

	lockdep_assert_held(&h->lock);
	if (copy_to_user_nofault(u, ops, n * sizeof(*ops)))
		return false;
	for (j = 0; j < n; j++)
		if (made[j] != REFSLAB_NONE)
			__clear_bit(made[j], h->handles_pending);
	rs_heap_changed(h);
	return true;
}

void rs_group_end(struct rs_heap *h, struct rs_group *g)
{
	u32 j;

	rs_heap_unlock(h);
	rs_obj_free_list(h, &g->fl);
	for (j = 0; j < g->n; j++)
		if (g->obj[j])
			rs_cache_free(g->cache[j], g->obj[j]);
}
