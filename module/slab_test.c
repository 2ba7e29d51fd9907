// SPDX-License-Identifier: GPL-2.0
/*
 * refslab slab self-tests.  Each test makes its own caches, checks exact
 * counters and leaves nothing behind.  They run at load with selftest=1
 * (load fails if one fails) and as KUnit cases on kernels with KUnit.
 * Locking: none of their own beyond the handoff spinlock of the
 * concurrent test; work that must happen on a given CPU runs through
 * work_on_cpu() or a kthread bound to that CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/spinlock.h>
#include <linux/random.h>
#include <linux/kasan.h>
#ifdef CONFIG_KUNIT
#include <kunit/test.h>
#endif
#include "slab.h"
#include "slab_test.h"

bool rs_selftest;
module_param_named(selftest, rs_selftest, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the in-kernel self-tests at load; load fails if one fails");

void rs_test_fail(struct rs_test *t, int line, const char *what)
{
	t->failures++;
#ifdef CONFIG_KUNIT
	if (t->kunit) {
		KUNIT_FAIL(t->kunit, "slab_test.c:%d: expected %s", line, what);
		return;
	}
#endif
	pr_err("selftest %s: expectation failed at line %d: %s\n", t->name,
	       line, what);
}

static int rs_other_cpu(int cpu)
{
	int o = cpumask_next(cpu, cpu_online_mask);

	if (o >= nr_cpu_ids)
		o = cpumask_first(cpu_online_mask);
	return o;
}

/* Free every object and shrink: the cache must hold no page after. */
static void rs_expect_clean(struct rs_test *t, struct rs_cache *c)
{
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);
	rs_cache_shrink(c);
	RS_EXPECT(t, rs_cache_pages(c) == 0);
	RS_EXPECT(t, rs_cache_slabs(c) == 0);
}

/* ------------------------------------------------------------------ tests */

static void rs_slab_test_classes(struct rs_test *t)
{
	size_t sz;
	struct rs_cache *prev = NULL;

	RS_EXPECT(t, !rs_size_class(0));
	RS_EXPECT(t, !rs_size_class(RS_MAX_CLASS_SIZE + 1));
	RS_EXPECT(t, rs_size_class_index(0) < 0);
	RS_EXPECT(t, rs_size_class_index(RS_MAX_CLASS_SIZE + 1) < 0);
	/* header + 1024 slots + 64 KiB payload must fit the biggest class */
	RS_EXPECT(t, rs_size_class(16 + 1024 * 8 + 65536));
	for (sz = 1; sz <= RS_MAX_CLASS_SIZE; sz += (sz < 512 ? 1 : 97)) {
		struct rs_cache *c = rs_size_class(sz);
		unsigned long slab, used;

		RS_EXPECT(t, c);
		if (!c)
			return;
		RS_EXPECT(t, rs_cache_object_size(c) >= sz);
		/* the index memcg.c keeps its instances by names the same class */
		RS_EXPECT(t, rs_size_class_bytes(rs_size_class_index(sz)) ==
			  rs_size_class_bytes(rs_size_class_index_search(sz)));
		RS_EXPECT(t, rs_size_class_bytes(rs_size_class_index(sz)) >= sz &&
			  rs_size_class_bytes(rs_size_class_index(sz)) <=
			  rs_cache_object_size(c));
		if (c == prev)
			continue;
		/* smallest class that holds sz */
		RS_EXPECT(t, !prev || rs_cache_object_size(prev) < sz);
		prev = c;
		slab = PAGE_SIZE << rs_cache_order(c);
		used = (unsigned long)rs_cache_objs_per_slab(c) *
		       rs_cache_object_size(c);
		/* waste inside a slab (descriptor included) at most 1/8 */
		RS_EXPECT(t, (slab - used) * 8 <= slab);
	}
}

static void rs_slab_test_create_destroy(struct rs_test *t)
{
	struct rs_cache *c, *c2;
	void **objs;
	unsigned int i, n = 1000;

	/* size/align sanity */
	RS_EXPECT(t, !rs_cache_create("rs-t-bad", 0, 0, NULL));
	RS_EXPECT(t, !rs_cache_create("rs-t-bad", RS_MAX_CLASS_SIZE + 1, 0,
				      NULL));
	RS_EXPECT(t, !rs_cache_create("rs-t-bad", 64, 3, NULL));
	RS_EXPECT(t, !rs_cache_create("rs-t-bad", 64, 2 * PAGE_SIZE, NULL));
	RS_EXPECT(t, !rs_cache_create("", 64, 0, NULL));
	RS_EXPECT(t, !rs_cache_create("a/b", 64, 0, NULL));
	RS_EXPECT(t, !rs_cache_create("0123456789012345678901234567890123",
				      64, 0, NULL));

	c = rs_cache_create("rs-t-cd", 100, 64, NULL);
	RS_EXPECT(t, c);
	if (!c)
		return;
	/* the same name twice is fine (debugfs gets a unique one) */
	c2 = rs_cache_create("rs-t-cd", 100, 0, NULL);
	RS_EXPECT(t, c2);
	RS_EXPECT(t, rs_cache_object_size(c) >= 100);
	RS_EXPECT(t, rs_cache_object_size(c) % 64 == 0);

	objs = kvmalloc_array(n, sizeof(void *), GFP_KERNEL);
	RS_EXPECT(t, objs);
	if (!objs)
		goto out;
	for (i = 0; i < n; i++) {
		objs[i] = rs_cache_alloc(c, GFP_KERNEL);
		RS_EXPECT(t, objs[i]);
		if (!objs[i])
			break;
		RS_EXPECT(t, IS_ALIGNED((unsigned long)objs[i], 64));
		memset(objs[i], 0x5c, 100);
	}
	n = i;
	RS_EXPECT(t, rs_cache_live_objects(c) == n);
	RS_EXPECT(t, rs_cache_destroy(c) == -EBUSY);
	/* nothing changed: still usable, same count */
	RS_EXPECT(t, rs_cache_live_objects(c) == n);
	for (i = 0; i < n / 2; i++)
		rs_cache_free(c, objs[i]);
	RS_EXPECT(t, rs_cache_live_objects(c) == n - n / 2);
	RS_EXPECT(t, rs_cache_destroy(c) == -EBUSY);
	for (i = n / 2; i < n; i++)
		rs_cache_free(c, objs[i]);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);
	RS_EXPECT(t, rs_cache_slabs(c) > 0);
	kvfree(objs);
out:
	RS_EXPECT(t, rs_cache_destroy(c) == 0);
	RS_EXPECT(t, rs_cache_destroy(c2) == 0);
}

/* Allocate @n objects of @c: each must sit at a multiple of @align. */
static void rs_align_check(struct rs_test *t, struct rs_cache *c,
			   unsigned int size, unsigned int align, bool debug,
			   void **objs, unsigned int n)
{
	unsigned int k;

	rs_cache_set_debug(c, debug);
	for (k = 0; k < n; k++) {
		unsigned long off;

		objs[k] = rs_cache_alloc(c, GFP_KERNEL);
		RS_EXPECT(t, objs[k]);
		if (!objs[k])
			break;
		off = (unsigned long)objs[k] & (align - 1);
		if (off)
			pr_err("selftest align: size %u align %u debug %d: object at %lu mod align\n",
			       size, align, debug, off);
		RS_EXPECT(t, !off);
		memset(objs[k], 0x3c, size);
	}
	while (k--)
		rs_cache_free(c, objs[k]);
}

/*
 * Every power-of-two alignment up to PAGE_SIZE is honoured, in the plain
 * and the debug layout, in every slab (objects start past the descriptor
 * at the alignment, not at descriptor + k * stride).
 */
static void rs_slab_test_align(struct rs_test *t)
{
	static const unsigned int sizes[] = { 24, 100, 200, 1000, 3000 };
	unsigned int align, i, n = 64;
	void **objs;

	objs = kmalloc_array(n, sizeof(void *), GFP_KERNEL);
	RS_EXPECT(t, objs);
	if (!objs)
		return;
	for (align = 8; align <= PAGE_SIZE; align *= 2) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			struct rs_cache *c;

			c = rs_cache_create("rs-t-align", sizes[i], align, NULL);
			RS_EXPECT(t, c);
			if (!c)
				continue;
			RS_EXPECT(t, rs_cache_object_size(c) % align == 0);
			rs_align_check(t, c, sizes[i], align, false, objs, n);
			/* slabs made after the debug switch */
			rs_align_check(t, c, sizes[i], align, true, objs, n);
			rs_cache_set_debug(c, false);
			rs_expect_clean(t, c);
			RS_EXPECT(t, rs_cache_destroy(c) == 0);
		}
	}
	kfree(objs);
}

/* ---------------------------------------------------- objects across CPUs */

struct rs_xfer {
	struct rs_cache *c;
	void **objs;
	unsigned int n;
	unsigned int got;
	int alloc_cpu, free_cpu;	/* where the work really ran */
};

/* 0 if all n objects were allocated, -ENOMEM if one was refused. */
static long rs_xfer_alloc(void *arg)
{
	struct rs_xfer *x = arg;
	unsigned int i;

	x->alloc_cpu = raw_smp_processor_id();
	for (i = 0; i < x->n; i++) {
		x->objs[i] = rs_cache_alloc(x->c, GFP_KERNEL);
		if (!x->objs[i])
			break;
		/* each object carries its own address: overlaps show up */
		*(unsigned long *)x->objs[i] = (unsigned long)x->objs[i];
	}
	x->got = i;
	return i == x->n ? 0 : -ENOMEM;
}

/* The number of objects whose contents were overwritten while live. */
static long rs_xfer_free(void *arg)
{
	struct rs_xfer *x = arg;
	unsigned int i, bad = 0;

	x->free_cpu = raw_smp_processor_id();
	for (i = 0; i < x->got; i++) {
		if (*(unsigned long *)x->objs[i] != (unsigned long)x->objs[i])
			bad++;
		rs_cache_free(x->c, x->objs[i]);
	}
	return bad;
}

static void rs_slab_test_cross_cpu(struct rs_test *t)
{
	int a = cpumask_first(cpu_online_mask), b = rs_other_cpu(a);
	struct rs_xfer x = { .n = 5000 };
	int round;

	x.c = rs_cache_create("rs-t-xcpu", 48, 0, NULL);
	RS_EXPECT(t, x.c);
	if (!x.c)
		return;
	x.objs = kvmalloc_array(x.n, sizeof(void *), GFP_KERNEL);
	RS_EXPECT(t, x.objs);
	if (!x.objs)
		goto out;
	for (round = 0; round < 4; round++) {
		int from = round & 1 ? b : a, to = round & 1 ? a : b;

		RS_EXPECT(t, work_on_cpu(from, rs_xfer_alloc, &x) == 0);
		RS_EXPECT(t, x.got == x.n);
		RS_EXPECT(t, x.alloc_cpu == from);
		RS_EXPECT(t, rs_cache_live_objects(x.c) == x.got);
		RS_EXPECT(t, work_on_cpu(to, rs_xfer_free, &x) == 0);
		RS_EXPECT(t, x.free_cpu == to);
		RS_EXPECT(t, rs_cache_live_objects(x.c) == 0);
	}
	/* objects taken on one CPU went back through the other's arrays */
	rs_cache_shrink(x.c);
	if (a != b)
		RS_EXPECT(t, rs_cache_stat(x.c, RS_FREE_REMOTE) > 0);
	RS_EXPECT(t, rs_cache_stat(x.c, RS_ALLOC_FASTPATH) +
		     rs_cache_stat(x.c, RS_ALLOC_SLOWPATH) == 4 * x.n);
	RS_EXPECT(t, rs_cache_stat(x.c, RS_FREE_FASTPATH) +
		     rs_cache_stat(x.c, RS_FREE_SLOWPATH) == 4 * x.n);
	RS_EXPECT(t, rs_cache_stat(x.c, RS_ALLOC_SLAB) ==
		     rs_cache_stat(x.c, RS_FREE_SLAB));
	rs_expect_clean(t, x.c);
	kvfree(x.objs);
out:
	RS_EXPECT(t, rs_cache_destroy(x.c) == 0);
}

/*
 * Both CPUs at once, objects handed from one CPU to the other.  The two
 * threads wait for each other before they start, and go on past their
 * rounds (up to a bound) until each has freed an object the other
 * allocated: the test is about the two running together, so it checks
 * that they did.
 */
#define RS_RING		512
#define RS_CONC_ROUNDS	300
#define RS_CONC_MAX	(20 * RS_CONC_ROUNDS)

struct rs_conc {
	struct rs_cache *c;
	spinlock_t lock;		/* ring, head, tail */
	void *ring[RS_RING];
	unsigned int head, tail;	/* under lock */
	atomic_t bad, failed;
	atomic_t arrived;		/* start barrier: threads there */
	int parties;			/* threads that run the body */
	atomic_t crossed[2];		/* objects of the other one each freed */
	struct completion done[2];
};

struct rs_conc_arg {
	struct rs_conc *cc;
	int idx;
};

/*
 * Each object carries its own address (overlaps show up) and the index of
 * the thread that allocated it.  @idx < 0: not freed by a thread.
 */
static void rs_conc_free(struct rs_conc *cc, int idx, void *p)
{
	unsigned long *w = p;

	if (w[0] != (unsigned long)p)
		atomic_inc(&cc->bad);
	else if (idx >= 0 && w[1] != (unsigned long)idx)
		atomic_inc(&cc->crossed[idx]);
	rs_cache_free(cc->c, p);
}

static bool rs_conc_crossed(struct rs_conc *cc)
{
	return cc->parties == 1 ||
	       (atomic_read(&cc->crossed[0]) && atomic_read(&cc->crossed[1]));
}

/* The rounds, then more until both have crossed, up to a bound. */
static bool rs_conc_more(struct rs_conc *cc, int r)
{
	return r < RS_CONC_ROUNDS || (r < RS_CONC_MAX && !rs_conc_crossed(cc));
}

static int rs_conc_thread(void *arg)
{
	struct rs_conc_arg *ca = arg;
	struct rs_conc *cc = ca->cc;
	unsigned long *mine[64];
	int r, i;

	atomic_inc(&cc->arrived);
	while (atomic_read(&cc->arrived) < cc->parties)
		cond_resched();
	for (r = 0; rs_conc_more(cc, r); r++) {
		for (i = 0; i < 64; i++) {
			mine[i] = rs_cache_alloc(cc->c, GFP_KERNEL);
			if (!mine[i]) {
				atomic_inc(&cc->failed);
				continue;
			}
			mine[i][0] = (unsigned long)mine[i];
			mine[i][1] = ca->idx;
		}
		for (i = 0; i < 64; i++) {
			void *o = mine[i];

			if (!o)
				continue;
			/* every other object crosses to the other CPU */
			if (i & 1) {
				spin_lock(&cc->lock);
				if (cc->head - cc->tail < RS_RING) {
					cc->ring[cc->head++ % RS_RING] = o;
					o = NULL;
				}
				spin_unlock(&cc->lock);
			} else {
				spin_lock(&cc->lock);
				if (cc->head != cc->tail) {
					void *p = cc->ring[cc->tail++ % RS_RING];

					spin_unlock(&cc->lock);
					rs_conc_free(cc, ca->idx, p);
				} else {
					spin_unlock(&cc->lock);
				}
			}
			if (o)
				rs_conc_free(cc, ca->idx, o);
		}
		cond_resched();
	}
	complete(&cc->done[ca->idx]);
	return 0;
}

static void rs_slab_test_concurrent(struct rs_test *t)
{
	int a = cpumask_first(cpu_online_mask), b = rs_other_cpu(a);
	struct task_struct *k[2];
	struct rs_conc_arg ca[2];
	struct rs_conc *cc;
	int i;

	cc = kzalloc(sizeof(*cc), GFP_KERNEL);
	RS_EXPECT(t, cc);
	if (!cc)
		return;
	cc->c = rs_cache_create("rs-t-conc", 200, 0, NULL);
	RS_EXPECT(t, cc->c);
	if (!cc->c)
		goto out;
	spin_lock_init(&cc->lock);
	init_completion(&cc->done[0]);
	init_completion(&cc->done[1]);
	cc->parties = a == b ? 1 : 2;
	for (i = 0; i < 2; i++) {
		ca[i].cc = cc;
		ca[i].idx = i;
	}
	if (a == b) {
		/* one CPU: run the body once and complete the other half */
		rs_conc_thread(&ca[0]);
		complete(&cc->done[1]);
		goto join;
	}
	k[0] = kthread_create(rs_conc_thread, &ca[0], "rs-test/%d", a);
	k[1] = kthread_create(rs_conc_thread, &ca[1], "rs-test/%d", b);
	RS_EXPECT(t, !IS_ERR(k[0]) && !IS_ERR(k[1]));
	if (IS_ERR(k[0]) || IS_ERR(k[1])) {
		/* never started: stop them without running the body */
		for (i = 0; i < 2; i++)
			if (!IS_ERR(k[i]))
				kthread_stop(k[i]);
		goto destroy;
	}
	kthread_bind(k[0], a);
	kthread_bind(k[1], b);
	wake_up_process(k[0]);
	wake_up_process(k[1]);
join:
	wait_for_completion(&cc->done[0]);
	wait_for_completion(&cc->done[1]);
	/* what is still in the ring */
	while (cc->head != cc->tail)
		rs_conc_free(cc, -1, cc->ring[cc->tail++ % RS_RING]);
	RS_EXPECT(t, atomic_read(&cc->bad) == 0);
	RS_EXPECT(t, atomic_read(&cc->failed) == 0);
	/* each thread freed objects the other allocated, on its own CPU */
	RS_EXPECT(t, rs_conc_crossed(cc));
	rs_expect_clean(t, cc->c);
	/* ... and they went back to slabs another CPU had refilled from */
	if (a != b)
		RS_EXPECT(t, rs_cache_stat(cc->c, RS_FREE_REMOTE) > 0);
destroy:
	RS_EXPECT(t, rs_cache_destroy(cc->c) == 0);
out:
	kfree(cc);
}

/* ----------------------------------------------------------- debug checks */

struct rs_dbg {
	struct rs_test *t;
	struct rs_cache *c;
	struct rs_cache *other;
};

static unsigned long rs_errs(struct rs_cache *c)
{
	return rs_cache_stat(c, RS_DEBUG_ERRORS);
}

/*
 * The corruptions below are deliberate, and slab.c's own checks must catch
 * them: KASAN (which sees refslab's slabs) must not report them first.
 */
static void rs_poke(u8 *p, u8 val)
{
	kasan_disable_current();
	*p = val;
	kasan_enable_current();
}

/* Runs on one CPU so a freed object comes back from the same array. */
static long rs_debug_body(void *arg)
{
	struct rs_dbg *d = arg;
	struct rs_test *t = d->t;
	struct rs_cache *c = d->c;
	unsigned int size = 40;	/* as created */
	unsigned long e0;
	u8 *p, *q;
	void *k;

	/* clean use: no error */
	e0 = rs_errs(c);
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	memset(p, 0x11, size);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_errs(c) == e0);

	/* double free: reported once, not performed */
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	rs_cache_free(c, p);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_errs(c) == e0 + 1);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);

	/* write after free: poison checked when the object comes back */
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	rs_cache_free(c, p);
	rs_poke(&p[3], 0x42);
	/* with KASAN, p waits in the quarantine: let it out */
	rs_slab_test_quarantine_flush(c);
	q = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, q == p);
	RS_EXPECT(t, rs_errs(c) == e0 + 2);
	if (q)
		rs_cache_free(c, q);
	RS_EXPECT(t, rs_errs(c) == e0 + 2);

	/* right red zone: one byte past the end */
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	rs_poke(&p[size], 0);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_errs(c) == e0 + 3);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);

	/* left red zone: one byte before the start */
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	rs_poke(&p[-1], 0);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_errs(c) == e0 + 4);

	/* pointers that are not objects of this cache */
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		return 0;
	rs_cache_free(c, p + 8);		/* inside an object */
	RS_EXPECT(t, rs_errs(c) == e0 + 5);
	k = kmalloc(64, GFP_KERNEL);		/* a SLUB object */
	if (k) {
		rs_cache_free(c, k);
		RS_EXPECT(t, rs_errs(c) == e0 + 6);
		kfree(k);
	} else {
		e0--;
	}
	q = rs_cache_alloc(d->other, GFP_KERNEL);	/* another cache's */
	RS_EXPECT(t, q);
	if (q) {
		rs_cache_free(c, q);
		RS_EXPECT(t, rs_errs(c) == e0 + 7);
		rs_cache_free(d->other, q);
	}
	RS_EXPECT(t, rs_cache_live_objects(c) == 1);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);
	RS_EXPECT(t, rs_errs(d->other) == 0);
	RS_EXPECT(t, rs_errs(c) == e0 + 7);
	return 0;
}

static void rs_slab_test_debug(struct rs_test *t)
{
	struct rs_dbg d = { .t = t };

	d.c = rs_cache_create("rs-t-debug", 40, 0, NULL);
	d.other = rs_cache_create("rs-t-debug-other", 40, 0, NULL);
	RS_EXPECT(t, d.c && d.other);
	if (!d.c || !d.other)
		goto out;
	rs_cache_set_debug(d.c, true);
	rs_cache_set_debug(d.other, true);
	work_on_cpu(cpumask_first(cpu_online_mask), rs_debug_body, &d);
	rs_expect_clean(t, d.c);
	rs_expect_clean(t, d.other);
	/* switching off with no slab left: plain slabs again, no checks */
	rs_cache_set_debug(d.c, false);
	{
		unsigned long e0 = rs_errs(d.c);
		void *p = rs_cache_alloc(d.c, GFP_KERNEL);

		RS_EXPECT(t, p);
		if (p)
			rs_cache_free(d.c, p);
		RS_EXPECT(t, rs_errs(d.c) == e0);
	}
	rs_expect_clean(t, d.c);
out:
	if (d.c)
		RS_EXPECT(t, rs_cache_destroy(d.c) == 0);
	if (d.other)
		RS_EXPECT(t, rs_cache_destroy(d.other) == 0);
}

/* A corrupted freelist link is caught (always on), not followed. */
static long rs_hardening_body(void *arg)
{
	struct rs_dbg *d = arg;
	struct rs_test *t = d->t;
	struct rs_cache *c = d->c;
	unsigned int i, n = rs_cache_objs_per_slab(c) * 2;
	void **objs, **slot;
	void *p;

	objs = kvmalloc_array(n, sizeof(void *), GFP_KERNEL);
	RS_EXPECT(t, objs);
	if (!objs)
		return 0;
	p = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, p);
	if (!p)
		goto out;
	slot = rs_slab_test_freelist_slot(p);
	RS_EXPECT(t, slot);
	if (slot) {
		/* a free object: KASAN must not report the deliberate write */
		kasan_disable_current();
		*slot = (void *)((unsigned long)*slot ^ (1UL << 44));
		kasan_enable_current();
	}
	for (i = 0; i < n; i++) {
		objs[i] = rs_cache_alloc(c, GFP_KERNEL);
		RS_EXPECT(t, objs[i]);
		if (!objs[i])
			break;
	}
	RS_EXPECT(t, rs_cache_stat(c, RS_DEBUG_ERRORS) == 1);
	while (i--)
		rs_cache_free(c, objs[i]);
	rs_cache_free(c, p);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);
out:
	kvfree(objs);
	return 0;
}

static void rs_slab_test_hardening(struct rs_test *t)
{
	struct rs_dbg d = { .t = t };

	d.c = rs_cache_create("rs-t-harden", 8, 0, NULL);
	RS_EXPECT(t, d.c);
	if (!d.c)
		return;
	/*
	 * Hardening is always on: test it on plain slabs even when
	 * slab_debug=1 (a plain slab outlives one array refill).
	 */
	rs_cache_set_debug(d.c, false);
	work_on_cpu(cpumask_first(cpu_online_mask), rs_hardening_body, &d);
	/* the slab with lost objects is still freed at destroy */
	RS_EXPECT(t, rs_cache_destroy(d.c) == 0);
}

/* --------------------------------------------------------------- shrink */

static void rs_slab_test_shrink(struct rs_test *t)
{
	int a = cpumask_first(cpu_online_mask), b = rs_other_cpu(a);
	struct rs_xfer x = { .n = 0 };
	unsigned long pages, held;

	x.c = rs_cache_create("rs-t-shrink", 512, 0, NULL);
	RS_EXPECT(t, x.c);
	if (!x.c)
		return;
	/* more than the cache may keep cached once all is freed */
	x.n = ((rs_cache_retention_bound(x.c) >> rs_cache_order(x.c)) + 40) *
	      rs_cache_objs_per_slab(x.c);
	x.objs = kvmalloc_array(x.n, sizeof(void *), GFP_KERNEL);
	RS_EXPECT(t, x.objs);
	if (!x.objs)
		goto out;
	RS_EXPECT(t, work_on_cpu(a, rs_xfer_alloc, &x) == 0);
	RS_EXPECT(t, x.got == x.n);
	pages = rs_cache_pages(x.c);
	RS_EXPECT(t, pages >= 40UL << rs_cache_order(x.c));
	RS_EXPECT(t, work_on_cpu(b, rs_xfer_free, &x) == 0);
	/* without a shrink: empty slabs went back beyond the retention */
	held = rs_cache_pages(x.c);
	RS_EXPECT(t, held <= rs_cache_retention_bound(x.c));
	RS_EXPECT(t, held < pages);
	/* the shrinker gives back the depot stock and empty slabs */
	rs_slab_test_shrinker(ULONG_MAX);
	RS_EXPECT(t, rs_cache_pages(x.c) <= held);
	/* a shrink gives back everything, arrays of both CPUs included */
	rs_cache_shrink(x.c);
	RS_EXPECT(t, rs_cache_pages(x.c) == 0);
	RS_EXPECT(t, rs_cache_stat(x.c, RS_ALLOC_SLAB) ==
		     rs_cache_stat(x.c, RS_FREE_SLAB));
	kvfree(x.objs);
out:
	rs_expect_clean(t, x.c);
	RS_EXPECT(t, rs_cache_destroy(x.c) == 0);
}

/* -------------------------------------------------------- fault injection */

static void rs_slab_test_fault(struct rs_test *t)
{
	struct rs_cache *c;
	void *objs[16];
	unsigned int i, nulls;

	c = rs_cache_create("rs-t-fault", 96, 0, NULL);
	RS_EXPECT(t, c);
	if (!c)
		return;

	/* object allocation: three failures, then success */
	rs_cache_set_fault(c, false, 100, 1, 3);
	for (i = 0, nulls = 0; i < 8; i++) {
		objs[i] = rs_cache_alloc(c, GFP_KERNEL);
		nulls += !objs[i];
		RS_EXPECT(t, (i < 3) == !objs[i]);
	}
	RS_EXPECT(t, nulls == 3);
	RS_EXPECT(t, rs_cache_stat(c, RS_ALLOC_FAILED) == 3);
	RS_EXPECT(t, rs_cache_live_objects(c) == 8 - 3);
	for (i = 0; i < 8; i++)
		rs_cache_free(c, objs[i]);
	rs_expect_clean(t, c);

	/* interval 2: every other call fails */
	rs_cache_set_fault(c, false, 100, 2, -1);
	for (i = 0, nulls = 0; i < 16; i++) {
		objs[i] = rs_cache_alloc(c, GFP_KERNEL);
		nulls += !objs[i];
	}
	RS_EXPECT(t, nulls == 8);
	for (i = 0; i < 16; i++)
		rs_cache_free(c, objs[i]);
	rs_cache_set_fault(c, false, 0, 1, -1);
	rs_expect_clean(t, c);

	/* page allocation fails: NULL, no slab, nothing leaked */
	rs_cache_set_fault(c, true, 100, 1, -1);
	objs[0] = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, !objs[0]);
	RS_EXPECT(t, rs_cache_pages(c) == 0);
	RS_EXPECT(t, rs_cache_live_objects(c) == 0);
	rs_cache_free(c, objs[0]);
	rs_cache_set_fault(c, true, 0, 1, -1);
	objs[0] = rs_cache_alloc(c, GFP_KERNEL);
	RS_EXPECT(t, objs[0]);
	rs_cache_free(c, objs[0]);
	rs_expect_clean(t, c);
	RS_EXPECT(t, rs_cache_destroy(c) == 0);
}

/* -------------------------------------------------------------- bulk free */

static unsigned long rs_frees(struct rs_cache *c)
{
	return rs_cache_stat(c, RS_FREE_FASTPATH) +
	       rs_cache_stat(c, RS_FREE_SLOWPATH);
}

/*
 * rs_cache_free_bulk(): objects of many slabs, freed in an order unrelated
 * to their slabs (every other one, then the rest backwards): the live
 * count is exact after each call and each free counts once.  On a plain
 * cache without KASAN they go straight back to their slabs (slow-path
 * frees), so the slabs emptied beyond the retention are gone at once; on a
 * debug cache (second pass) each free is checked on its own.  The objects
 * can be allocated again.
 */
static void rs_slab_test_free_bulk(struct rs_test *t)
{
	struct rs_cache *c;
	unsigned int n, i, k, pass;
	unsigned long frees, slow;
	void **objs, **batch;

	c = rs_cache_create("rs-t-bulk", 200, 0, NULL);
	RS_EXPECT(t, c);
	if (!c)
		return;
	n = ((rs_cache_retention_bound(c) >> rs_cache_order(c)) + 8) *
	    rs_cache_objs_per_slab(c);
	objs = kvmalloc_array(n, sizeof(*objs), GFP_KERNEL);
	batch = kvmalloc_array(n, sizeof(*batch), GFP_KERNEL);
	RS_EXPECT(t, objs && batch);
	for (pass = 0; objs && batch && pass < 2; pass++) {
		bool direct = !pass && !IS_ENABLED(CONFIG_KASAN_GENERIC);

		rs_cache_set_debug(c, pass);
		for (i = 0; i < n; i++) {
			objs[i] = rs_cache_alloc(c, GFP_KERNEL);
			if (!objs[i])
				break;
		}
		RS_EXPECT(t, i == n);
		if (i < n) {
			while (i--)
				rs_cache_free(c, objs[i]);
			break;
		}
		frees = rs_frees(c);
		slow = rs_cache_stat(c, RS_FREE_SLOWPATH);
		for (i = 0, k = 0; i < n; i += 2)
			batch[k++] = objs[i];
		rs_cache_free_bulk(c, k, batch);
		RS_EXPECT(t, rs_cache_live_objects(c) == n - k);
		RS_EXPECT(t, rs_frees(c) - frees == k);
		for (i = n - 1 - (n & 1), k = 0; i < n; i -= 2)
			batch[k++] = objs[i];
		RS_EXPECT(t, k == n / 2);
		rs_cache_free_bulk(c, k, batch);
		RS_EXPECT(t, rs_cache_live_objects(c) == 0);
		RS_EXPECT(t, rs_frees(c) - frees == n);
		if (direct) {
			RS_EXPECT(t, rs_cache_stat(c, RS_FREE_SLOWPATH) - slow == n);
			RS_EXPECT(t, rs_cache_pages(c) <=
				     rs_cache_retention_bound(c));
		}
		objs[0] = rs_cache_alloc(c, GFP_KERNEL);
		RS_EXPECT(t, objs[0]);
		rs_cache_free_bulk(c, 1, objs);
		rs_cache_free_bulk(c, 0, objs);
		RS_EXPECT(t, rs_cache_live_objects(c) == 0);
	}
	rs_cache_set_debug(c, false);
	kvfree(batch);
	kvfree(objs);
	rs_expect_clean(t, c);
	RS_EXPECT(t, rs_cache_destroy(c) == 0);
}

/* ---------------------------------------------------------------- driver */

const struct rs_slab_test rs_slab_tests[] = {
#define RS_SLAB_TEST(fn) { #fn, rs_slab_test_##fn },
#include "slab_test_list.h"
#undef RS_SLAB_TEST
	{}
};

int rs_slab_selftest_maybe(void)
{
	unsigned int i, failed = 0;

	if (!rs_selftest)
		return 0;
	for (i = 0; rs_slab_tests[i].name; i++) {
		struct rs_test t = { .name = rs_slab_tests[i].name };

		rs_slab_tests[i].fn(&t);
		pr_info("selftest slab/%s: %s\n", t.name,
			t.failures ? "FAIL" : "ok");
		failed += !!t.failures;
	}
	/* at load nothing else allocates: every page must be back */
	rs_slab_shrink_all();
	if (rs_slab_total_pages()) {
		pr_err("selftest slab: %lu pages held after shrinking every cache\n",
		       rs_slab_total_pages());
		failed++;
	}
	pr_info("selftest slab: %u of %u failed\n", failed, i);
	return failed ? -EINVAL : 0;
}
