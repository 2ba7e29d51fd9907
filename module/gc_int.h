/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the collector's two files: gc.c (the algorithm, the argument
 * for it and the mutator hooks) and gc_ctl.c (module parameters, the
 * kthread, the REFSLAB_IOC_GC_* commands, per-heap set-up, the figures
 * and debugfs).  Nothing else includes this.
 */
#ifndef REFSLAB_GC_INT_H
#define REFSLAB_GC_INT_H

#include <linux/bits.h>
#include "gc.h"

#define RS_GC_THRESHOLD_MIN	256u
#define RS_GC_THRESHOLD_MAX	BIT(24)

/* Module parameters (gc_ctl.c has their descriptions). */
extern unsigned int rs_gc_slice_budget;
extern unsigned int rs_gc_slice_us;
extern unsigned int rs_gc_threshold;

enum rs_gc_phase {
	RS_GC_START,
	RS_GC_CANDS,
	RS_GC_MARK,
	RS_GC_SCAN,
	RS_GC_FREE,
	RS_GC_DETACH,
	RS_GC_DONE,
	RS_GC_PHASES = RS_GC_DONE
};

extern const char * const rs_gc_phase_name[RS_GC_PHASES];

/*
 * gc.c.  rs_gc_collect(): one collection of @h, h->gc.collect_lock held;
 * 0, -EINTR (a signal, nothing freed) or -ENOMEM (no buffers, nothing
 * done).  rs_gc_maybe_kick(): heap->lock held; wakes the kthread if the
 * heap's candidates reached its threshold.  rs_gc_yield(): between two
 * holds of heap->lock, let waiting mutators have it first.
 */
int rs_gc_collect(struct rs_heap *h, bool intr,
		  struct refslab_gc_collect *out);
void rs_gc_maybe_kick(struct rs_heap *h);
void rs_gc_yield(struct rs_heap *h);

/*
 * gc_ctl.c: the figures.  rs_gc_count_pause() counts a hold of heap->lock
 * in @s; rs_gc_stats_add() adds one collection's figures; the _global
 * forms do the same for the figures summed over every heap.
 */
void rs_gc_count_pause(struct refslab_gc_stats *s, u64 ns);
void rs_gc_stats_add(struct refslab_gc_stats *s,
		     const struct refslab_gc_stats *d);
void rs_gc_global_pause(u64 ns);
void rs_gc_global_add(const struct refslab_gc_stats *d);

#endif /* REFSLAB_GC_INT_H */
