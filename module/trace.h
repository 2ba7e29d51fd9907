/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab tracepoints: the events of the system "refslab" under tracefs
 * (/sys/kernel/tracing/events/refslab/), for perf, trace-cmd and bpftrace.
 *
 * A tracepoint that is not enabled is a static branch over a no-op (a
 * jump label): the call sites pass only pointers and values they already
 * have, and whatever must be computed for an event (cache names, sizes,
 * counts summed over CPUs) is computed in TP_fast_assign, which runs only
 * when the event is on, or behind trace_<event>_enabled().
 *
 * Identities a user can match to debugfs (/sys/kernel/debug/refslab/):
 *   heap   the heap's id: the "id" column of "heaps" and the "heap PID id
 *	    ID:" sections of "gc", unique for the module's life;
 *   pid    the tgid of the process that opened the heap (the "pid" column
 *	    of "heaps"; a process may have several heaps open);
 *   id     an object's index in its heap's object table (REFSLAB_IOC_STAT
 *	    reports it); unique among the heap's live objects, reused after
 *	    the object is freed;
 *   cache  the cache's name, as in "slabinfo" and "caches/" (a named
 *	    cache of a heap as it was asked for);
 *   epoch  the number of the heap's collection (gc_start, gc_phase and
 *	    gc_end of one collection carry the same).
 *
 * Strings are fixed arrays rather than __string(): __assign_str() lost its
 * second argument in 6.10, and names here are short and bounded.
 *
 * Only trace.c defines CREATE_TRACE_POINTS; slab.c, object.c and gc.c
 * include this header to call the trace_<event>() functions.
 */
#ifndef REFSLAB_TRACE_DEFS_H
#define REFSLAB_TRACE_DEFS_H
/* obj_free's "by": who freed the object. */
#define RS_FREED_REFCOUNT	0
#define RS_FREED_COLLECTOR	1
#define RS_FREED_CLOSE		2
#endif

#undef TRACE_SYSTEM
#define TRACE_SYSTEM refslab

#if !defined(REFSLAB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define REFSLAB_TRACE_H

#include <linux/tracepoint.h>
#include "heap.h"
#include "object.h"
#include "slab.h"

/*
 * An object was created: table entry @id, held by @handle; @size is the
 * slab bytes it occupies in @cache (what the heap's byte count charges).
 */
TRACE_EVENT(obj_create,
	    TP_PROTO(struct rs_heap *h, struct rs_obj *o, u32 handle),
	    TP_ARGS(h, o, handle),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u32, id)
			     __field(u32, handle)
			     __field(u32, nslots)
			     __field(u32, payload)
			     __field(u32, size)
			     __array(char, cache, RS_CACHE_NAME_MAX)),
	    TP_fast_assign(struct rs_cache *c = rs_obj_cache(h, o);

			   __entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->id = o->id;
			   __entry->handle = handle;
			   __entry->nslots = o->nslots;
			   __entry->payload = o->payload_size;
			   __entry->size = rs_cache_object_size(c);
			   strscpy(__entry->cache, rs_cache_name(c), RS_CACHE_NAME_MAX);),
	    TP_printk("heap=%llu pid=%d id=%u handle=%u nslots=%u payload=%u size=%u cache=%s",
		      __entry->heap, __entry->pid, __entry->id, __entry->handle,
		      __entry->nslots, __entry->payload, __entry->size,
		      __entry->cache)
);

/*
 * An object died, @by (RS_FREED_*): its refcount reached zero in a
 * mutator (refcount); the collector freed it (collector: a member of
 * garbage, or an object only garbage referenced, so that gc_end's
 * "collected" is the number of obj_free events by=collector of that
 * collection); or its heap went away with it alive (close).  Its memory
 * goes back to the cache right after.
 */
TRACE_EVENT(obj_free,
	    TP_PROTO(struct rs_heap *h, struct rs_obj *o, u32 by),
	    TP_ARGS(h, o, by),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u32, id)
			     __field(u32, by)
			     __field(u32, nslots)
			     __field(u32, payload)
			     __field(u32, size)
			     __array(char, cache, RS_CACHE_NAME_MAX)),
	    TP_fast_assign(struct rs_cache *c = rs_obj_cache(h, o);

			   __entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->id = o->id;
			   __entry->by = by;
			   __entry->nslots = o->nslots;
			   __entry->payload = o->payload_size;
			   __entry->size = rs_cache_object_size(c);
			   strscpy(__entry->cache, rs_cache_name(c), RS_CACHE_NAME_MAX);),
	    TP_printk("heap=%llu pid=%d id=%u nslots=%u payload=%u size=%u cache=%s by=%s",
		      __entry->heap, __entry->pid, __entry->id, __entry->nslots,
		      __entry->payload, __entry->size, __entry->cache,
		      __print_symbolic(__entry->by,
				       { RS_FREED_REFCOUNT, "refcount" },
				       { RS_FREED_COLLECTOR, "collector" },
				       { RS_FREED_CLOSE, "close" }))
);

/*
 * A collection started: @candidates objects are in the candidate buffer
 * (every object of the heap when @full), @kthread: the refslab_gc kthread
 * runs it, else a REFSLAB_IOC_GC_COLLECT.
 */
TRACE_EVENT(gc_start,
	    TP_PROTO(struct rs_heap *h, u32 epoch, bool full, bool kthread),
	    TP_ARGS(h, epoch, full, kthread),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u32, epoch)
			     __field(u64, candidates)
			     __field(u64, objects)
			     __field(u8, full)
			     __field(u8, kthread)),
	    TP_fast_assign(__entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->epoch = epoch;
			   __entry->candidates = h->gc.nbuffered;
			   __entry->objects = h->nobjects;
			   __entry->full = full;
			   __entry->kthread = kthread;),
	    TP_printk("heap=%llu pid=%d epoch=%u candidates=%llu objects=%llu full=%u kthread=%u",
		      __entry->heap, __entry->pid, __entry->epoch, __entry->candidates,
		      __entry->objects, __entry->full, __entry->kthread)
);

/*
 * A phase of a collection ended (cands, mark, scan, free, detach): @ns is
 * the time it worked with the heap lock held; @members objects are
 * in the collection so far, @kept of them proved reachable.
 */
TRACE_EVENT(gc_phase,
	    TP_PROTO(struct rs_heap *h, u32 epoch, const char *phase, u64 ns,
		     u32 members, u32 kept),
	    TP_ARGS(h, epoch, phase, ns, members, kept),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u32, epoch)
			     __array(char, phase, 8)
			     __field(u64, ns)
			     __field(u32, members)
			     __field(u32, kept)),
	    TP_fast_assign(__entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->epoch = epoch;
			   strscpy(__entry->phase, phase, sizeof(__entry->phase));
			   __entry->ns = ns;
			   __entry->members = members;
			   __entry->kept = kept;),
	    TP_printk("heap=%llu pid=%d epoch=%u phase=%s ns=%llu members=%u kept=%u",
		      __entry->heap, __entry->pid, __entry->epoch, __entry->phase, __entry->ns,
		      __entry->members, __entry->kept)
);

/*
 * A collection ended, as REFSLAB_IOC_GC_STATS counts it: candidates
 * examined, members scanned, objects collected (freed by the collector)
 * and deferred (changed under it, kept for the next one); @ns from start
 * to end, @held_ns of it with the heap lock held, @max_hold_ns the longest
 * single hold (the longest pause a mutator could see); @aborted: the heap
 * was closed or a signal came before it could decide (nothing freed).
 */
TRACE_EVENT(gc_end,
	    TP_PROTO(struct rs_heap *h, u32 epoch, u64 candidates, u64 scanned,
		     u64 collected, u64 deferred, u64 ns, u64 held_ns,
		     u64 max_hold_ns, u32 slices, bool aborted),
	    TP_ARGS(h, epoch, candidates, scanned, collected, deferred, ns,
		    held_ns, max_hold_ns, slices, aborted),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u32, epoch)
			     __field(u64, candidates)
			     __field(u64, scanned)
			     __field(u64, collected)
			     __field(u64, deferred)
			     __field(u64, ns)
			     __field(u64, held_ns)
			     __field(u64, max_hold_ns)
			     __field(u32, slices)
			     __field(u8, aborted)),
	    TP_fast_assign(__entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->epoch = epoch;
			   __entry->candidates = candidates;
			   __entry->scanned = scanned;
			   __entry->collected = collected;
			   __entry->deferred = deferred;
			   __entry->ns = ns;
			   __entry->held_ns = held_ns;
			   __entry->max_hold_ns = max_hold_ns;
			   __entry->slices = slices;
			   __entry->aborted = aborted;),
	    TP_printk("heap=%llu pid=%d epoch=%u candidates=%llu scanned=%llu collected=%llu deferred=%llu ns=%llu held_ns=%llu max_hold_ns=%llu slices=%u aborted=%u",
		      __entry->heap, __entry->pid, __entry->epoch, __entry->candidates,
		      __entry->scanned, __entry->collected, __entry->deferred,
		      __entry->ns, __entry->held_ns, __entry->max_hold_ns,
		      __entry->slices, __entry->aborted)
);

/*
 * A mutator waited @ns for its heap's lock while the collector held it
 * or took it meanwhile (what REFSLAB_IOC_GC_STATS' max_wait_ns keeps the
 * maximum of); waits behind other mutators only are not reported.
 */
TRACE_EVENT(mutator_wait,
	    TP_PROTO(struct rs_heap *h, u64 ns),
	    TP_ARGS(h, ns),
	    TP_STRUCT__entry(__field(u64, heap)
			     __field(pid_t, pid)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->heap = h->id;
			   __entry->pid = h->owner;
			   __entry->ns = ns;),
	    TP_printk("heap=%llu pid=%d ns=%llu", __entry->heap, __entry->pid, __entry->ns)
);

/*
 * A slab's pages were taken from (slab_alloc) or given back to
 * (slab_free) the page allocator: 2^order pages on NUMA node @node,
 * holding @objects objects; @total_pages is what every refslab cache
 * holds afterwards.
 */
DECLARE_EVENT_CLASS(rs_slab_class,
		    TP_PROTO(struct rs_cache *c, unsigned int order, int node,
			     unsigned int objects),
		    TP_ARGS(c, order, node, objects),
		    TP_STRUCT__entry(__array(char, cache, RS_CACHE_NAME_MAX)
				     __field(u32, order)
				     __field(s32, node)
				     __field(u32, pages)
				     __field(u32, objects)
				     __field(u64, total_pages)),
		    TP_fast_assign(strscpy(__entry->cache, rs_cache_name(c), RS_CACHE_NAME_MAX);
				   __entry->order = order;
				   __entry->node = node;
				   __entry->pages = 1U << order;
				   __entry->objects = objects;
				   __entry->total_pages = rs_slab_total_pages();),
		    TP_printk("cache=%s order=%u node=%d pages=%u objects=%u total_pages=%llu",
			      __entry->cache, __entry->order, __entry->node,
			      __entry->pages, __entry->objects, __entry->total_pages)
);

DEFINE_EVENT(rs_slab_class, slab_alloc,
	     TP_PROTO(struct rs_cache *c, unsigned int order, int node,
		      unsigned int objects),
	     TP_ARGS(c, order, node, objects)
);

DEFINE_EVENT(rs_slab_class, slab_free,
	     TP_PROTO(struct rs_cache *c, unsigned int order, int node,
		      unsigned int objects),
	     TP_ARGS(c, order, node, objects)
);

/*
 * A cache gave back what it held: @objects free objects went from its
 * per-CPU arrays, depot and quarantine back to its slabs, and @pages of
 * its pages went to the page allocator (reported only when either is
 * non-zero).  @reclaim: the shrinker under memory pressure (which only
 * queues the drain of the CPU arrays, so its count may leave them out),
 * else a drain (debugfs "shrink", a cache's destroy, the unload).
 */
TRACE_EVENT(shrink,
	    TP_PROTO(struct rs_cache *c, unsigned long objects, unsigned long pages,
		     bool reclaim),
	    TP_ARGS(c, objects, pages, reclaim),
	    TP_STRUCT__entry(__array(char, cache, RS_CACHE_NAME_MAX)
			     __field(u64, objects)
			     __field(u64, pages)
			     __field(u8, reclaim)),
	    TP_fast_assign(strscpy(__entry->cache, rs_cache_name(c), RS_CACHE_NAME_MAX);
			   __entry->objects = objects;
			   __entry->pages = pages;
			   __entry->reclaim = reclaim;),
	    TP_printk("cache=%s objects=%llu pages=%llu reclaim=%u",
		      __entry->cache, __entry->objects, __entry->pages,
		      __entry->reclaim)
);

#endif /* REFSLAB_TRACE_H */

/* define_trace.h includes this file again from TRACE_INCLUDE_PATH (module/
 * under Kbuild's -I$(src), see Kbuild), so the out-of-tree build finds it.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH module
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
