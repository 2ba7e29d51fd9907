// SPDX-License-Identifier: GPL-2.0
/*
 * refslab heaps: one per open file of /dev/refslab.
 *
 * Owns: the global list of heaps, each heap's lifetime (kref), its limits
 * and their module-parameter defaults, its named caches, and its figures.
 *
 * Locking: rs_heaps_lock (mutex) guards rs_heaps; a heap is freed when
 * its last reference goes, which is taken off the list under
 * rs_heaps_lock (kref_put_mutex), so list walkers that take a reference
 * under the lock never see a dying heap.  heap->lock guards the rest; the
 * lock order is in heap.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/ktime.h>
#include "heap.h"
#include "object.h"
#include "verify.h"

static unsigned long rs_max_objects = 1UL << 20;
module_param_named(max_objects, rs_max_objects, ulong, 0644);
MODULE_PARM_DESC(max_objects, "default per-heap limit on live objects");

static unsigned long rs_max_bytes = 256UL << 20;
module_param_named(max_bytes, rs_max_bytes, ulong, 0644);
MODULE_PARM_DESC(max_bytes, "default per-heap limit on slab bytes its objects occupy");

static unsigned long rs_max_handles = 1UL << 20;
module_param_named(max_handles, rs_max_handles, ulong, 0644);
MODULE_PARM_DESC(max_handles, "default per-heap limit on handles");

static unsigned long rs_max_caches = 16;
module_param_named(max_caches, rs_max_caches, ulong, 0644);
MODULE_PARM_DESC(max_caches, "default per-heap limit on named caches (at most 64)");

/* Guards rs_heaps, the list of every heap (see heap.h for the order). */
DEFINE_MUTEX(rs_heaps_lock);
LIST_HEAD(rs_heaps);
static u64 rs_heap_last_id;	/* under rs_heaps_lock; ids start at 1 */

static void rs_default_limits(struct rs_heap_limits *l)
{
	l->max_objects = READ_ONCE(rs_max_objects);
	l->max_bytes = READ_ONCE(rs_max_bytes);
	l->max_handles = READ_ONCE(rs_max_handles);
	l->max_caches = min_t(u64, READ_ONCE(rs_max_caches), RS_MAX_NAMED_CACHES);
}

struct rs_heap *rs_heap_create(void)
{
	struct rs_heap *h = kzalloc(sizeof(*h), RS_GFP_USER);

	if (!h)
		return NULL;
	if (rs_memcg_open(&h->memcg, &h->mcg)) {
		kfree(h);
		return NULL;
	}
	mutex_init(&h->lock);
	kref_init(&h->kref);
	h->owner = task_tgid_nr(current);
	h->objs_free = U32_MAX;
	h->objs_limbo = U32_MAX;
	rs_default_limits(&h->limits);
	rs_gc_heap_init(h);
	mutex_lock(&rs_heaps_lock);
	h->id = ++rs_heap_last_id;
	list_add_tail(&h->node, &rs_heaps);
	mutex_unlock(&rs_heaps_lock);
	return h;
}

void rs_heap_get(struct rs_heap *h)
{
	kref_get(&h->kref);
}

/*
 * A named cache taken out of the heap's table (under heap->lock, with no
 * object pinning it: nobody can allocate from it or name it any more) is
 * destroyed after the lock is dropped: destroy takes rs_caches_mutex,
 * removes debugfs files and flushes work on every CPU (heap.h, rule 5).
 */
static void rs_heap_cache_put_away(struct rs_heap *h, struct rs_cache *c)
{
	lockdep_assert_not_held(&h->lock);
	/* No object pinned it (caches[].objects), so none is live. */
	WARN_ON_ONCE(rs_cache_destroy(c));
}

/* Called by kref_put_mutex() with rs_heaps_lock held; drops it. */
static void rs_heap_release(struct kref *kref)
{
	struct rs_heap *h = container_of(kref, struct rs_heap, kref);
	int i;

	list_del(&h->node);
	mutex_unlock(&rs_heaps_lock);

	if (rs_verify_enabled())
		rs_heap_verify(h, "release");
	rs_obj_free_all(h);
	for (i = 0; i < RS_MAX_NAMED_CACHES; i++) {
		if (h->caches[i].cache)
			rs_heap_cache_put_away(h, h->caches[i].cache);
	}
	rs_gc_heap_destroy(h);
	kvfree(h->objs);
	kvfree(h->handles);
	kvfree(h->handles_open);
	kvfree(h->handles_full);
	kvfree(h->handles_pending);
	/* every object is freed: the cgroup's charge and pin can go */
	rs_memcg_close(h->memcg, h->mcg);
	mutex_destroy(&h->lock);
	kfree(h);
}

void rs_heap_put(struct rs_heap *h)
{
	kref_put_mutex(&h->kref, rs_heap_release, &rs_heaps_lock);
}

void rs_heap_close(struct rs_heap *h)
{
	/* Handles are the roots: with the file gone nothing can reach the
	 * objects, so they all go with the last reference (the collector may
	 * briefly hold one).
	 */
	rs_heap_lock(h);
	h->closed = true;
	rs_heap_unlock(h);
	rs_heap_put(h);
}

/* ---- named caches ---- */

/*
 * Exactly the uapi grammar: [A-Za-z0-9_.-]{1,31} but not "." or "..",
 * NUL padded.  Not isalnum(): the kernel's ctype takes bytes 0xc0-0xff for
 * (Latin-1) letters, and such names would reach debugfs and slabinfo.
 */
static bool rs_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static bool rs_name_ok(const char *name)
{
	size_t len = strnlen(name, RS_CACHE_NAME_MAX), i;

	if (len == 0 || len == RS_CACHE_NAME_MAX ||
	    !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (!rs_name_char_ok(name[i]))
			return false;
	for (; i < RS_CACHE_NAME_MAX; i++)	/* NUL padded */
		if (name[i])
			return false;
	return true;
}

int rs_heap_cache_create(struct rs_heap *h, void *arg)
{
	struct refslab_cache_create *a = arg;
	struct rs_named_cache *nc = NULL;
	struct rs_cache *c;
	int i, err;

	if (a->flags)
		return -EINVAL;
	if (!rs_name_ok(a->name))
		return -EINVAL;
	if (a->object_size < RS_OBJ_HEADER_BYTES ||
	    a->object_size > RS_MAX_CLASS_SIZE)
		return -EINVAL;
	if (a->align && (!is_power_of_2(a->align) || a->align > PAGE_SIZE))
		return -EINVAL;

	/* Reserve the entry under the lock, create the cache outside it. */
	rs_heap_lock(h);
	err = -EDQUOT;
	if (h->ncaches >= h->limits.max_caches)
		goto unlock;
	err = -EEXIST;
	for (i = 0; i < RS_MAX_NAMED_CACHES; i++)
		if (h->caches[i].name[0] &&
		    !strncmp(h->caches[i].name, a->name, RS_CACHE_NAME_MAX))
			goto unlock;
	err = -EDQUOT;
	for (i = 0; i < RS_MAX_NAMED_CACHES; i++) {
		if (!h->caches[i].name[0]) {
			nc = &h->caches[i];
			break;
		}
	}
	if (!nc)
		goto unlock;
	memcpy(nc->name, a->name, RS_CACHE_NAME_MAX);
	nc->object_size = a->object_size;
	nc->align = a->align;
	nc->objects = 0;
	h->ncaches++;
	rs_heap_unlock(h);

	/*
	 * Objects start with an atomic refcount and hold pointers.  A heap of
	 * a memory cgroup charges the cache (pages, arrays, metadata) to it.
	 */
	c = rs_cache_create_charged(a->name,
				    ALIGN(a->object_size, sizeof(void *)),
				    max_t(u32, a->align, sizeof(void *)),
				    h->mcg ? h->memcg : NULL, 0);

	rs_heap_lock(h);
	if (!c) {
		memset(nc, 0, sizeof(*nc));
		h->ncaches--;
		err = -ENOMEM;
		goto unlock;
	}
	nc->cache = c;
	nc->pending = true;
	a->cache_id = nc - h->caches + 1;
	err = 0;
unlock:
	rs_heap_unlock(h);
	return err;
}

int rs_heap_cache_destroy(struct rs_heap *h, void *arg)
{
	struct refslab_cache_destroy *a = arg;
	struct rs_named_cache *nc;
	struct rs_cache *c;
	int err;

	if (a->flags)
		return -EINVAL;
	if (a->cache_id == REFSLAB_GENERAL_CACHE || a->cache_id > RS_MAX_NAMED_CACHES)
		return -ENOENT;
	rs_heap_lock(h);
	nc = &h->caches[a->cache_id - 1];
	err = -ENOENT;
	if (!nc->cache || nc->pending)
		goto unlock;
	err = -EBUSY;
	if (nc->objects)
		goto unlock;
	c = nc->cache;
	memset(nc, 0, sizeof(*nc));
	h->ncaches--;
	rs_heap_unlock(h);
	rs_heap_cache_put_away(h, c);
	return 0;
unlock:
	rs_heap_unlock(h);
	return err;
}

void rs_heap_cache_settle(struct rs_heap *h, u32 cache_id, bool delivered)
{
	struct rs_named_cache *nc;
	struct rs_cache *c = NULL;

	if (WARN_ON_ONCE(cache_id == REFSLAB_GENERAL_CACHE ||
			 cache_id > RS_MAX_NAMED_CACHES))
		return;
	rs_heap_lock(h);
	nc = &h->caches[cache_id - 1];
	if (WARN_ON_ONCE(!nc->cache || !nc->pending)) {
		rs_heap_unlock(h);
		return;
	}
	if (delivered) {
		nc->pending = false;
	} else {
		/* Nobody could name it, so it holds no object. */
		c = nc->cache;
		memset(nc, 0, sizeof(*nc));
		h->ncaches--;
	}
	rs_heap_unlock(h);
	if (c)
		rs_heap_cache_put_away(h, c);
}

/* Fill up to @room entries of @out; returns how many caches exist. */
u32 rs_heap_cache_list(struct rs_heap *h, struct refslab_cache_info *out, u32 room)
{
	u32 n = 0;
	int i;

	rs_heap_lock(h);
	for (i = 0; i < RS_MAX_NAMED_CACHES; i++) {
		struct rs_named_cache *nc = &h->caches[i];
		struct refslab_cache_info *ci;

		if (!nc->cache || nc->pending)
			continue;
		if (n < room) {
			ci = &out[n];
			memset(ci, 0, sizeof(*ci));
			memcpy(ci->name, nc->name, RS_CACHE_NAME_MAX);
			ci->cache_id = i + 1;
			ci->object_size = nc->object_size;
			ci->slab_size = rs_cache_object_size(nc->cache);
			ci->align = nc->align;
			ci->objects = nc->objects;
			ci->slabs = rs_cache_slabs(nc->cache);
		}
		n++;
	}
	rs_heap_unlock(h);
	return n;
}

int rs_heap_stats(struct rs_heap *h, void *arg)
{
	struct refslab_heap_stats *s = arg;

	memset(s, 0, sizeof(*s));
	rs_heap_lock(h);
	s->objects = h->nobjects;
	s->bytes = h->nbytes;
	s->handles = h->nhandles;
	s->caches = h->ncaches;
	s->max_objects = h->limits.max_objects;
	s->max_bytes = h->limits.max_bytes;
	s->max_handles = h->limits.max_handles;
	s->max_caches = h->limits.max_caches;
	s->created = h->created;
	s->freed = h->freed;
	s->incref = h->incref;
	s->decref = h->decref;
	rs_heap_unlock(h);
	return 0;
}

int rs_heap_set_limits(struct rs_heap *h, void *arg)
{
	struct refslab_limits *a = arg;
	struct rs_heap_limits def, n;

	if (a->flags || a->__pad)
		return -EINVAL;
	rs_default_limits(&def);
	if (!h->may_raise_limits &&
	    (a->max_objects > def.max_objects || a->max_bytes > def.max_bytes ||
	     a->max_handles > def.max_handles || a->max_caches > def.max_caches))
		return -EPERM;
	rs_heap_lock(h);
	n = h->limits;
	if (a->max_objects)
		n.max_objects = a->max_objects;
	if (a->max_bytes)
		n.max_bytes = a->max_bytes;
	if (a->max_handles)
		n.max_handles = a->max_handles;
	if (a->max_caches)
		n.max_caches = min_t(u64, a->max_caches, RS_MAX_NAMED_CACHES);
	h->limits = n;
	rs_heap_unlock(h);
	return 0;
}

/* The collector times the wait and lets a waiting mutator in (gc.c). */
void rs_heap_lock_slow(struct rs_heap *h)
{
	rs_gc_lock_wait(h);
}

int rs_heap_init(void)
{
	return 0;
}

void rs_heap_exit(void)
{
	WARN_ON(!list_empty(&rs_heaps));
}
