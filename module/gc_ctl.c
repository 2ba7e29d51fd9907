// SPDX-License-Identifier: GPL-2.0
/*
 * refslab cycle collector: everything around the algorithm (gc.c has the
 * algorithm and the argument for it).
 *
 * Owns: the module parameters gc_slice_budget, gc_slice_us, gc_threshold
 * and gc_interval_ms; the refslab_gc kthread, which collects a heap that
 * was kicked (its candidates reached the threshold) or, every
 * gc_interval_ms, any heap with candidates; the REFSLAB_IOC_GC_* commands;
 * the per-heap state's set-up and tear-down; the figures summed over every
 * heap since load and the debugfs file "gc".
 *
 * Locking (order in heap.h): the kthread walks rs_heaps under
 * rs_heaps_lock only to pick a heap and take a reference on it; a
 * collection takes heap->gc.collect_lock (gc.c takes heap->lock in
 * slices); the figures summed over every heap are under rs_gc_glock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include "heap.h"
#include "gc_int.h"
#include "gc_step.h"

unsigned int rs_gc_slice_budget = 2048;
module_param_named(gc_slice_budget, rs_gc_slice_budget, uint, 0644);
MODULE_PARM_DESC(gc_slice_budget,
		 "collector work (objects + slots) per hold of a heap lock");

unsigned int rs_gc_slice_us = 1000;
module_param_named(gc_slice_us, rs_gc_slice_us, uint, 0644);
MODULE_PARM_DESC(gc_slice_us,
		 "longest the collector holds a heap lock, in microseconds (0: budget only)");

unsigned int rs_gc_threshold = 10000;
module_param_named(gc_threshold, rs_gc_threshold, uint, 0644);
MODULE_PARM_DESC(gc_threshold, "initial candidate threshold of a new heap");

static unsigned int gc_interval_ms = 2000;
module_param(gc_interval_ms, uint, 0644);
MODULE_PARM_DESC(gc_interval_ms,
		 "period of the collector's timer pass (0: off)");

static struct task_struct *rs_gc_task;
static DECLARE_WAIT_QUEUE_HEAD(rs_gc_wq);
static atomic_t rs_gc_kicks = ATOMIC_INIT(0);
static struct dentry *rs_gc_dentry;

/* Figures summed over every heap since load. */
static DEFINE_SPINLOCK(rs_gc_glock);
static struct refslab_gc_stats rs_gc_global;
static u64 rs_gc_kthread_passes;

const char * const rs_gc_phase_name[RS_GC_PHASES] = {
	"start", "cands", "mark", "scan", "free", "detach",
};

/* ---- figures ---- */

static unsigned int rs_gc_bucket(u64 ns)
{
	unsigned int b = 0;
	u64 lim = 10 * NSEC_PER_USEC;

	while (b < REFSLAB_GC_PAUSE_BUCKETS - 1 && ns >= lim) {
		lim *= 10;
		b++;
	}
	return b;
}

/* A hold of heap->lock that lasted @ns, in @s's pause figures. */
void rs_gc_count_pause(struct refslab_gc_stats *s, u64 ns)
{
	if (ns > s->max_pause_ns)
		s->max_pause_ns = ns;
	s->pauses[rs_gc_bucket(ns)]++;
}

/* Add one collection's figures @d to @s. */
void rs_gc_stats_add(struct refslab_gc_stats *s,
		     const struct refslab_gc_stats *d)
{
	s->collections += d->collections;
	s->candidates += d->candidates;
	s->scanned += d->scanned;
	s->collected += d->collected;
	s->deferred += d->deferred;
	s->last_ns = d->last_ns;
	s->max_ns = max(s->max_ns, d->max_ns);
	s->total_ns += d->total_ns;
	s->max_wait_ns = max(s->max_wait_ns, d->max_wait_ns);
}

void rs_gc_global_pause(u64 ns)
{
	spin_lock(&rs_gc_glock);
	rs_gc_count_pause(&rs_gc_global, ns);
	spin_unlock(&rs_gc_glock);
}

void rs_gc_global_add(const struct refslab_gc_stats *d)
{
	spin_lock(&rs_gc_glock);
	rs_gc_stats_add(&rs_gc_global, d);
	spin_unlock(&rs_gc_glock);
}

void rs_gc_kick(struct rs_heap *h)
{
	WRITE_ONCE(h->gc.kicked, true);
	atomic_inc(&rs_gc_kicks);
	wake_up(&rs_gc_wq);
}

/* ---- the kthread ---- */

static void rs_gc_pass(bool periodic)
{
	static u64 seq;

	seq++;
	for (;;) {
		struct rs_heap *h, *found = NULL;

		mutex_lock(&rs_heaps_lock);
		list_for_each_entry(h, &rs_heaps, node) {
			struct rs_gc_heap *g = &h->gc;

			if (g->pass_seq == seq)
				continue;
			g->pass_seq = seq;
			if (READ_ONCE(h->closed) || !READ_ONCE(g->enabled))
				continue;
			if (READ_ONCE(g->kicked) ||
			    (periodic && (READ_ONCE(g->nbuffered) ||
					  READ_ONCE(g->cand_overflow)))) {
				rs_heap_get(h);
				found = h;
				break;
			}
		}
		mutex_unlock(&rs_heaps_lock);
		if (!found)
			return;
		if (mutex_trylock(&found->gc.collect_lock)) {
			rs_gc_collect(found, false, NULL);
			mutex_unlock(&found->gc.collect_lock);
		}
		rs_heap_put(found);
		if (kthread_should_stop())
			return;
		cond_resched();
	}
}

static int rs_gc_thread(void *unused)
{
	while (!kthread_should_stop()) {
		unsigned int ms = READ_ONCE(gc_interval_ms);
		long t = ms ? msecs_to_jiffies(ms) : MAX_SCHEDULE_TIMEOUT;
		long left;

		left = wait_event_interruptible_timeout(rs_gc_wq,
							atomic_read(&rs_gc_kicks) ||
							kthread_should_stop(),
							t);
		if (kthread_should_stop())
			break;
		atomic_set(&rs_gc_kicks, 0);
		spin_lock(&rs_gc_glock);
		rs_gc_kthread_passes++;
		spin_unlock(&rs_gc_glock);
		rs_gc_pass(ms && left == 0);
	}
	return 0;
}

/* ---- ioctls ---- */

/*
 * The REFSLAB_IOC_GC_* commands, behind ioctl.c's command table: arguments
 * are copied in (and out) by it, flags are checked here.
 */

static_assert(RS_GC_THRESHOLD_MAX == REFSLAB_GC_THRESHOLD_MAX);

int rs_gc_op_collect(struct rs_heap *h, void *arg)
{
	struct refslab_gc_collect *c = arg;
	int err;

	if ((c->flags & ~REFSLAB_GC_NOWAIT) || c->__pad)
		return -EINVAL;
	if (c->flags & REFSLAB_GC_NOWAIT) {
		if (!mutex_trylock(&h->gc.collect_lock))
			return -EBUSY;
	} else if (mutex_lock_interruptible(&h->gc.collect_lock)) {
		return -EINTR;
	}
	err = rs_gc_collect(h, true, c);
	mutex_unlock(&h->gc.collect_lock);
	return err;
}

int rs_gc_op_control(struct rs_heap *h, void *arg)
{
	struct refslab_gc_control *c = arg;
	struct rs_gc_heap *g = &h->gc;

	if (c->flags & ~(REFSLAB_GC_SET_ENABLED | REFSLAB_GC_SET_THRESHOLD))
		return -EINVAL;
	if ((c->flags & REFSLAB_GC_SET_ENABLED) && c->enabled > 1)
		return -EINVAL;
	if ((c->flags & REFSLAB_GC_SET_THRESHOLD) &&
	    c->threshold > REFSLAB_GC_THRESHOLD_MAX)
		return -EINVAL;
	rs_heap_lock(h);
	if (c->flags & REFSLAB_GC_SET_ENABLED)
		g->enabled = c->enabled;
	if (c->flags & REFSLAB_GC_SET_THRESHOLD) {
		g->adaptive = !c->threshold;
		g->threshold = c->threshold ? c->threshold : rs_gc_threshold;
		if (!g->threshold)
			g->threshold = 1;
	}
	c->enabled = g->enabled;
	c->threshold = g->threshold;
	c->adaptive = g->adaptive;
	if (c->flags)
		rs_gc_maybe_kick(h);
	rs_heap_unlock(h);
	return 0;
}

int rs_gc_op_freeze(struct rs_heap *h, void *arg)
{
	struct refslab_gc_freeze *f = arg;
	struct rs_gc_heap *g = &h->gc;
	bool thaw;
	u64 count = 0;
	u32 i = 0;

	if ((f->flags & ~REFSLAB_GC_UNFREEZE) || f->__pad)
		return -EINVAL;
	thaw = f->flags & REFSLAB_GC_UNFREEZE;
	/* Never concurrently with a collection: its members stay as marked. */
	if (mutex_lock_interruptible(&g->collect_lock))
		return -EINTR;
	for (;;) {
		unsigned int budget = max(rs_gc_slice_budget, 64u);
		bool done;

		rs_heap_lock(h);
		for (; i < h->objs_cap && budget; i++, budget--) {
			struct rs_obj *o = h->objs[i].obj;

			if (!o || !!(o->flags & RS_OBJ_FROZEN) != thaw)
				continue;
			o->flags ^= RS_OBJ_FROZEN;
			rs_heap_changed(h);
			if (thaw)
				g->nfrozen--;
			else
				g->nfrozen++;
			count++;
		}
		done = i >= h->objs_cap;
		/* Thawed objects were never candidates: look at them all. */
		if (done && thaw && count)
			g->cand_overflow = true;
		rs_heap_unlock(h);
		if (done)
			break;
		rs_gc_yield(h);
	}
	mutex_unlock(&g->collect_lock);
	f->count = count;
	return 0;
}

static void rs_gc_snapshot(struct rs_heap *h, struct refslab_gc_stats *s)
{
	struct rs_gc_heap *g = &h->gc;

	*s = g->stats;
	s->pending = g->nbuffered;
	s->threshold = g->threshold;
	s->enabled = g->enabled;
	s->frozen = g->nfrozen;
}

int rs_gc_op_stats(struct rs_heap *h, void *arg)
{
	struct refslab_gc_stats *s = arg;

	rs_heap_lock(h);
	rs_gc_snapshot(h, s);
	rs_heap_unlock(h);
	return 0;
}

/* ---- per-heap state ---- */

void rs_gc_heap_init(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;

	memset(g, 0, sizeof(*g));
	mutex_init(&g->collect_lock);
	atomic_set(&g->waiters, 0);
	g->enabled = true;
	g->adaptive = true;
	g->threshold = max(rs_gc_threshold, 1u);
}

void rs_gc_heap_destroy(struct rs_heap *h)
{
	struct rs_gc_heap *g = &h->gc;

	kvfree(g->cand);
	g->cand = NULL;
	g->ncand = 0;
	g->cand_cap = 0;
	mutex_destroy(&g->collect_lock);
}

/* ---- debugfs ---- */

static void rs_gc_show_stats(struct seq_file *m, const char *pfx,
			     const struct refslab_gc_stats *s)
{
	unsigned int i;

	seq_printf(m, "%scollections %llu\n", pfx, s->collections);
	seq_printf(m, "%scandidates %llu\n", pfx, s->candidates);
	seq_printf(m, "%sscanned %llu\n", pfx, s->scanned);
	seq_printf(m, "%scollected %llu\n", pfx, s->collected);
	seq_printf(m, "%sdeferred %llu\n", pfx, s->deferred);
	seq_printf(m, "%slast_ns %llu\n", pfx, s->last_ns);
	seq_printf(m, "%smax_ns %llu\n", pfx, s->max_ns);
	seq_printf(m, "%stotal_ns %llu\n", pfx, s->total_ns);
	seq_printf(m, "%smax_pause_ns %llu\n", pfx, s->max_pause_ns);
	seq_printf(m, "%smax_wait_ns %llu\n", pfx, s->max_wait_ns);
	seq_printf(m, "%spauses", pfx);
	for (i = 0; i < REFSLAB_GC_PAUSE_BUCKETS; i++)
		seq_printf(m, " %llu", s->pauses[i]);
	seq_puts(m, "\n");
}

void rs_gc_show_heap(struct seq_file *m, struct rs_heap *h)
{
	struct refslab_gc_stats s;
	u64 peak, entries, objects, phase[RS_GC_PHASES];
	bool adaptive;
	int i;

	lockdep_assert_not_held(&rs_heaps_lock);
	mutex_lock(&h->lock);
	memcpy(phase, h->gc.phase_ns, sizeof(phase));
	rs_gc_snapshot(h, &s);
	adaptive = h->gc.adaptive;
	peak = h->gc.peak_bytes;
	entries = h->objs_cap;
	objects = h->nobjects;
	mutex_unlock(&h->lock);
	seq_printf(m, "  enabled %u\n  threshold %u\n  adaptive %u\n",
		   s.enabled, s.threshold, adaptive);
	seq_printf(m, "  pending %llu\n  frozen %llu\n", s.pending, s.frozen);
	seq_printf(m, "  objects %llu\n  table_entries %llu\n", objects, entries);
	seq_printf(m, "  entry_gc_bytes %llu\n  buffer_bytes_peak %llu\n",
		   entries * (sizeof(u32) * 2), peak);
	seq_puts(m, "  last_phase_ns");
	for (i = 1; i < RS_GC_PHASES; i++)
		seq_printf(m, " %s=%llu", rs_gc_phase_name[i], phase[i]);
	seq_puts(m, "\n");
	rs_gc_show_stats(m, "  ", &s);
}

static int rs_gc_debugfs_show(struct seq_file *m, void *unused)
{
	struct refslab_gc_stats s;
	struct rs_heap *h;
	u64 passes;

	spin_lock(&rs_gc_glock);
	s = rs_gc_global;
	passes = rs_gc_kthread_passes;
	spin_unlock(&rs_gc_glock);
	seq_puts(m, "global:\n");
	seq_printf(m, "  kthread_passes %llu\n  slice_budget %u\n  interval_ms %u\n",
		   passes, rs_gc_slice_budget, gc_interval_ms);
	rs_gc_show_stats(m, "  ", &s);

	/*
	 * Each heap is read under its own lock, which a busy heap holds for a
	 * while: never with rs_heaps_lock held, which every open, final close
	 * and the kthread need.  A reference keeps the heap, and so its place
	 * in the list, while the global lock is dropped; the reference on the
	 * previous heap is given back outside it (a final put takes it).
	 */
	mutex_lock(&rs_heaps_lock);
	h = list_first_entry_or_null(&rs_heaps, struct rs_heap, node);
	if (h)
		rs_heap_get(h);
	mutex_unlock(&rs_heaps_lock);
	while (h) {
		struct rs_heap *next;

		seq_printf(m, "heap %d id %llu%s:\n", h->owner, h->id,
			   READ_ONCE(h->closed) ? " (closed)" : "");
		rs_gc_show_heap(m, h);
		mutex_lock(&rs_heaps_lock);
		next = list_is_last(&h->node, &rs_heaps) ? NULL :
		       list_next_entry(h, node);
		if (next)
			rs_heap_get(next);
		mutex_unlock(&rs_heaps_lock);
		rs_heap_put(h);
		h = next;
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rs_gc_debugfs);

int rs_gc_init(struct dentry *debugfs_root)
{
	struct task_struct *t;

	t = kthread_run(rs_gc_thread, NULL, "refslab_gc");
	if (IS_ERR(t))
		return PTR_ERR(t);
	rs_gc_task = t;
	rs_gc_dentry = debugfs_create_file("gc", 0444, debugfs_root, NULL,
					   &rs_gc_debugfs_fops);
	rs_step_init(debugfs_root);
	return 0;
}

void rs_gc_exit(void)
{
	rs_step_exit();
	debugfs_remove(rs_gc_dentry);
	rs_gc_dentry = NULL;
	if (rs_gc_task)
		kthread_stop(rs_gc_task);
	rs_gc_task = NULL;
}
