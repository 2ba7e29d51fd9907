/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab slab allocator, private to its two units: slab.c, the hot core
 * (per-CPU arrays, the barn, slabs and their pages, drains), and
 * slab_ctl.c, the cold parts (cache create and destroy, size classes, the
 * shrinker and the reaper, debugfs and slabinfo, init and exit), as
 * mm/slab.h stands between mm/slub.c and mm/slab_common.c.  Nothing else
 * includes it: the rest of the module sees slab.h.  The design is at the
 * top of slab.c, the lock order in heap.h.
 */
#ifndef REFSLAB_SLAB_INTERNAL_H
#define REFSLAB_SLAB_INTERNAL_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/local_lock.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include "slab.h"
#include "slab_kasan.h"

#define RS_SLAB_HDR		64	/* descriptor room at the slab start */
#define RS_MAX_ORDER		7
#define RS_MIN_EMPTY		2	/* empty slabs kept per node */
#define RS_RZ			16	/* red zone bytes on each side */
#define RS_RZ_BYTE		0xbb
#define RS_POISON_FREE		0x6b
#define RS_POISON_END		0xa5
#define RS_SLAB_MAGIC		0x52534c4142UL	/* "RSLAB" */
#define RS_STATE_ALLOC		0xa110ca7edUL
#define RS_STATE_FREE		0xf4eedUL
/* gfp bits passed on to the page allocator and kmalloc */
#define RS_GFP_PASS	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH | \
			 __GFP_NOWARN | __GFP_RETRY_MAYFAIL | __GFP_NORETRY | \
			 __GFP_NOMEMALLOC)

/**
 * struct rs_slab - descriptor at the start of every slab
 * @magic: RS_SLAB_MAGIC ^ cache secret ^ own address (checked on flush and
 *	by the debug pointer check).
 * @cache: owning cache.
 * @list: on the node's partial or full list (under list_lock).
 * @freelist: first free object, hardened link in each free object.
 * @inuse: objects not on @freelist (allocated or in per-CPU arrays).
 * @objects: objects in this slab.
 * @stride: distance between two objects.
 * @order: page order.
 * @debug: debug layout.
 * @nid: node of the pages.
 * @cpu: CPU that last took objects from this slab (free_remote counter).
 */
struct rs_slab {
	unsigned long magic;
	struct rs_cache *cache;
	struct list_head list;
	void *freelist;
	unsigned int inuse;
	unsigned int objects;
	unsigned int stride;
	u8 order;
	u8 debug;
	u16 nid;
	int cpu;
};

/* An array (magazine) of free object pointers. */
struct rs_array {
	struct list_head list;
	unsigned int count;
	void *objs[];
};

/* Gauges shown per node or per CPU; not resettable except the hwm. */
enum rs_gauge {
	RS_G_OBJECTS,
	RS_G_OBJECTS_PARTIAL,
	RS_G_SLABS,
	RS_G_PAGES,
	RS_G_OBJECTS_HWM,
	RS_G_PAGES_HWM,
	RS_NR_GAUGES,
};

struct rs_cpu {
	local_lock_t lock;
	struct rs_array *main;
	struct rs_array *spare;
	long live;			/* allocs - frees on this CPU */
	unsigned long stat[RS_NR_STATS];
	struct work_struct drain_work;
	struct rs_cache *cache;
	bool drain_free_arrays;
	struct rs_quarantine quar;	/* KASAN only; empty otherwise */
};

struct rs_node {
	spinlock_t list_lock;		/* the slab lists and counts below */
	struct list_head partial;	/* slabs with a free object */
	struct list_head full;
	unsigned long nr_partial;
	unsigned long nr_empty;		/* inuse == 0, on partial */
	unsigned long nr_slabs;
	unsigned long nr_pages;
	unsigned long inuse;		/* objects out of slabs */
	unsigned long inuse_partial;	/* of which in partial slabs */
	unsigned long objects_hwm;
	unsigned long pages_hwm;

	spinlock_t barn_lock;		/* the depot: arrays below */
	struct list_head barn_full;
	struct list_head barn_empty;
	unsigned int nr_barn_full;
	unsigned int nr_barn_empty;
	bool barn_used;			/* touched since the last reap */
};

/* Own failslab-style knob (the stock kernel has no fault injection). */
struct rs_fault {
	u32 probability;		/* percent; 0 = off */
	u32 interval;			/* fail at most every Nth call */
	atomic_t times;			/* failures left; -1 = no limit */
	atomic_t count;			/* eligible calls seen */
};

struct rs_layout {
	unsigned int stride;
	unsigned int objects;
	unsigned int order;
	unsigned int obj_off;		/* payload offset in the stride */
	unsigned int fp_off;		/* free pointer, from the payload */
};

struct rs_stat_file {
	struct rs_cache *cache;
	int idx;			/* < RS_NR_STATS: stat, else gauge */
};

struct rs_cache {
	char name[RS_CACHE_NAME_MAX];	/* as asked */
	char dname[RS_CACHE_NAME_MAX + 24];	/* unique debugfs/slabinfo name */
	unsigned long id;		/* unique since load: in dname */
	unsigned int size;
	unsigned int align;
	void (*ctor)(void *obj);
	unsigned long secret;
	unsigned int array_cap;
	unsigned int barn_max;
	bool general;

	struct rs_layout plain;
	struct rs_layout dbg;
	bool debug;			/* new slabs get the debug layout */
	atomic_t debug_slabs;		/* debug slabs alive */

	struct rs_fault fail_alloc;
	struct rs_fault fail_page;

	struct mem_cgroup *memcg;	/* charged to (memcg.c); NULL: nobody */
	struct rs_lru_token *token;	/* on rs_lru while registered */
	bool root_lru;			/* counted in rs_reclaimable */
	bool no_debugfs;

	struct rs_cpu __percpu *cpu;
	struct rs_node **node;		/* nr_node_ids entries */
	struct mutex shrink_mutex;
	struct list_head list;		/* on rs_caches */
	struct dentry *dir;
	struct rs_stat_file files[RS_NR_STATS + RS_NR_GAUGES];
};

/* Pages of every refslab slab (slab.c); the module's workqueue (slab_ctl.c). */
extern atomic_long_t rs_pages_total;
extern struct workqueue_struct *rs_wq;

/*
 * What the shrinker can give back, in objects, over the caches of the
 * root cgroup (the general classes, caches of root heaps): each empty slab
 * kept on a partial list counts its objects, each full array in a barn
 * its objects.  Kept per CPU where those counts change (under the node's
 * list_lock or barn_lock), so that the shrinker's count for global
 * reclaim is a sum over CPUs, not a walk over caches.  A CPU's figure may
 * go negative; only the sum means anything.
 */
DECLARE_PER_CPU(long, rs_reclaimable);

static inline void rs_reclaimable_add(struct rs_cache *c, long objs)
{
	if (c->root_lru)
		this_cpu_add(rs_reclaimable, objs);
}

/*
 * For the shrink tracepoint: what a drain of a cache starts from (free
 * objects out of its slabs, pages), counted only when the event is on.
 */
struct rs_shrink_snap {
	bool on;
	unsigned long cached;
	unsigned long pages;
};

/* The hot core's own work, which the cold parts call: slab.c. */
int rs_layout_init(struct rs_cache *c);
void rs_free_slab_list(struct rs_cache *c, struct list_head *head);
unsigned long rs_node_free_empty(struct rs_cache *c, struct rs_node *n,
				 bool trylock);
unsigned long rs_barn_drain(struct rs_cache *c, struct rs_node *n,
			    bool trylock, bool half);
void rs_drain_cpu_arrays(struct rs_cache *c, struct rs_cpu *pc,
			 bool free_arrays);
void rs_drain_work_fn(struct work_struct *w);
unsigned long rs_drain(struct rs_cache *c);
void rs_shrink_begin(struct rs_cache *c, struct rs_shrink_snap *snap);
void rs_shrink_end(struct rs_cache *c, struct rs_shrink_snap *snap,
		   bool reclaim);
unsigned long rs_cache_quarantined(struct rs_cache *c);
unsigned long rs_node_sum(struct rs_cache *c, size_t off);

#endif /* REFSLAB_SLAB_INTERNAL_H */
