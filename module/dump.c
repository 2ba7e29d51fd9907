// SPDX-License-Identifier: GPL-2.0
/*
 * refslab heap dumps: the pages of REFSLAB_IOC_HEAP_DUMP.
 *
 * Owns: reading a heap's object table, handle table and slots into a
 * kernel buffer, one page per call.  The uapi header says what a caller
 * sees.
 *
 * Locking: a page is taken in one hold of heap->lock (rs_heap_lock(), so
 * a wait caused by the collector is measured as any mutator's), which makes
 * each page a snapshot; ioctl.c copies the buffer to userspace after the
 * lock is dropped.  The work of a hold is bounded twice: a page holds at
 * most REFSLAB_DUMP_PAGE_MAX entries, and looks at most RS_DUMP_SCAN table
 * entries or slots, so a sparse table or a heap of a million objects never
 * holds the lock longer than a few thousand steps.  Consistency across
 * pages is the caller's: heap->generation (heap.h) changes with everything
 * a dump lists, and each page reports it.
 *
 * A running collection.  Between its slices, everything in the object
 * table is alive except the members the collector has proved to be
 * garbage and is freeing (rs_gc_doomed(): from its decision to the end of
 * the collection).  Those are skipped, and so are their slots: a slot of a
 * garbage object may point at garbage that was already freed, so it must
 * not be read.  Slots of live objects only point at live objects (a slot
 * holds a reference, and nothing outside the garbage points into it), and
 * entries freed meanwhile are empty (limbo entries have no object).
 */
#include <linux/bitmap.h>
#include "heap.h"
#include "object.h"
#include "slab.h"
#include "gc.h"
#include "dump.h"

/* Table entries or slots one page may look at. */
#define RS_DUMP_SCAN		(4 * REFSLAB_DUMP_PAGE_MAX)
/* Edge cursor: object id above, slot below. */
#define RS_DUMP_SLOT_BITS	16

static_assert(BIT(RS_DUMP_SLOT_BITS) > REFSLAB_MAX_SLOTS);
static_assert(sizeof(struct refslab_dump_object) == 32);
static_assert(sizeof(struct refslab_dump_handle) == 16);
static_assert(sizeof(struct refslab_dump_edge) == 24);

size_t rs_dump_entry_size(u32 list)
{
	switch (list) {
	case REFSLAB_DUMP_OBJECTS:
		return sizeof(struct refslab_dump_object);
	case REFSLAB_DUMP_HANDLES:
		return sizeof(struct refslab_dump_handle);
	case REFSLAB_DUMP_EDGES:
		return sizeof(struct refslab_dump_edge);
	}
	return 0;
}

/* The live object of table entry @id, or NULL. */
static struct rs_obj *rs_dump_obj(struct rs_heap *h, u32 id)
{
	struct rs_obj *o = h->objs[id].obj;

	if (!o || rs_gc_doomed(h, id))
		return NULL;
	return o;
}

static u32 rs_dump_objects(struct rs_heap *h, struct refslab_heap_dump *d,
			   struct refslab_dump_object *out, u32 room)
{
	u32 n = 0, budget = RS_DUMP_SCAN;
	u64 id;

	for (id = d->cursor; id < h->objs_cap && n < room && budget;
	     id++, budget--) {
		struct rs_obj *o = rs_dump_obj(h, id);
		struct refslab_dump_object *e = &out[n];

		if (!o)
			continue;
		e->id = id;
		e->refcount = rs_obj_refcount(o);
		e->nslots = o->nslots;
		e->payload_size = o->payload_size;
		e->cache_id = o->cls;
		e->state = rs_obj_state(o);
		e->object_size = rs_cache_object_size(rs_obj_cache(h, o));
		n++;
	}
	d->cursor = id < h->objs_cap ? id : REFSLAB_DUMP_END;
	return n;
}

/* Published handles only: a reserved one is nobody's yet (object.c). */
static u32 rs_dump_handles(struct rs_heap *h, struct refslab_heap_dump *d,
			   struct refslab_dump_handle *out, u32 room)
{
	u32 n = 0, budget = RS_DUMP_SCAN;
	unsigned long hnd;

	if (d->cursor >= h->handles_cap) {
		d->cursor = REFSLAB_DUMP_END;
		return 0;
	}
	hnd = d->cursor;
	while (n < room && budget) {
		hnd = find_next_bit(h->handles_open, h->handles_cap, hnd);
		if (hnd >= h->handles_cap)
			break;
		budget--;
		/* bit 0 is always set: handle 0 is never issued */
		if (hnd && !test_bit(hnd, h->handles_pending)) {
			out[n].handle = hnd;
			out[n].__pad = 0;
			out[n].id = h->handles[hnd]->id;
			n++;
		}
		hnd++;
	}
	d->cursor = hnd < h->handles_cap ? hnd : REFSLAB_DUMP_END;
	return n;
}

static u32 rs_dump_edges(struct rs_heap *h, struct refslab_heap_dump *d,
			 struct refslab_dump_edge *out, u32 room)
{
	u32 n = 0, budget = RS_DUMP_SCAN;
	u64 id = d->cursor >> RS_DUMP_SLOT_BITS;
	u32 slot = d->cursor & (BIT(RS_DUMP_SLOT_BITS) - 1);

	while (id < h->objs_cap && n < room && budget) {
		struct rs_obj *o = rs_dump_obj(h, id);
		struct rs_obj **slots;

		budget--;
		if (o) {
			slots = rs_obj_slots(o);
			for (; slot < o->nslots && n < room && budget;
			     slot++, budget--) {
				if (!slots[slot])
					continue;
				out[n].id = id;
				out[n].slot = slot;
				out[n].__pad = 0;
				out[n].target = slots[slot]->id;
				n++;
			}
			if (slot < o->nslots)
				break;	/* the page is full inside this object */
		}
		id++;
		slot = 0;
	}
	d->cursor = id < h->objs_cap ?
		    (id << RS_DUMP_SLOT_BITS) | slot : REFSLAB_DUMP_END;
	return n;
}

u32 rs_heap_dump(struct rs_heap *h, struct refslab_heap_dump *d, void *buf,
		 u32 room)
{
	u32 n = 0;

	room = min(room, REFSLAB_DUMP_PAGE_MAX);
	rs_heap_lock(h);
	d->generation = h->generation;
	if (!room)
		goto out;
	switch (d->list) {
	case REFSLAB_DUMP_OBJECTS:
		n = rs_dump_objects(h, d, buf, room);
		break;
	case REFSLAB_DUMP_HANDLES:
		n = rs_dump_handles(h, d, buf, room);
		break;
	case REFSLAB_DUMP_EDGES:
		n = rs_dump_edges(h, d, buf, room);
		break;
	}
out:
	rs_heap_unlock(h);
	return n;
}
