// SPDX-License-Identifier: GPL-2.0
/*
 * refslab in-kernel benchmark: a refslab cache against a SLUB kmem_cache
 * of the same object size, side by side in one run.
 *
 * debugfs <root>/bench/slab: write "run" (or "run SIZE") to run it (the
 * write returns when it is done, seconds under emulation); read it for
 * "key value" lines.  The SLUB cache gets a constructor, so SLUB does not
 * zero objects even where init_on_alloc=1; the output says both.
 *
 * Each measurement runs in kthreads bound to the CPUs it is about; the
 * two allocators are measured alternately, three times, best kept.
 *
 * debugfs <root>/bench/frag: write "run" (or "run OBJECTS") for the
 * fragmentation figures of refslab's size classes and SLUB's kmalloc
 * caches after a random half of mixed-size objects is freed
 * (rs_bench_frag()).
 * Locking: rs_bench_mutex serialises runs and guards the result text.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include "slab.h"
#include "bench.h"

#define RS_B_PAIRS	200000UL	/* alloc+free pairs per measurement */
#define RS_B_BULK_OBJS	200000UL	/* objects per bulk measurement */
#define RS_B_REMOTE_K	1000UL		/* objects per remote handoff */
#define RS_B_REMOTE_OBJS 200000UL
#define RS_B_MILLION	1000000UL
#define RS_B_REPS	3
#define RS_B_OUT	4096

static DEFINE_MUTEX(rs_bench_mutex);
static char rs_bench_out[RS_B_OUT];

enum rs_bkind { RS_B_PAIR, RS_B_BULK, RS_B_ALLOC, RS_B_FREE };

struct rs_bjob {
	enum rs_bkind kind;
	bool slub;
	void *cache;
	void **objs;
	unsigned long n;		/* objects per round */
	unsigned long rounds;
	u64 ns;
	int err;
	/* remote ping-pong; NULL otherwise */
	struct completion *mine, *theirs;
	struct rs_bjob *peer;		/* consumer: frees peer->n objects */
	struct completion *go;
	struct completion done;
};

/*
 * The loops are always inlined with a constant @slub, so each allocator
 * gets its own copy and neither pays for an indirect call.
 */
static __always_inline void *rs_b_alloc(void *c, bool slub)
{
	return slub ? kmem_cache_alloc(c, GFP_KERNEL) :
		      rs_cache_alloc(c, GFP_KERNEL);
}

static __always_inline void rs_b_free(void *c, void *o, bool slub)
{
	if (slub)
		kmem_cache_free(c, o);
	else
		rs_cache_free(c, o);
}

static __always_inline int rs_b_pairs(void *c, unsigned long n, u64 *ns,
				      bool slub)
{
	u64 t0 = ktime_get_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		void *o = rs_b_alloc(c, slub);

		if (!o)
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(o);
		rs_b_free(c, o, slub);
	}
	*ns += ktime_get_ns() - t0;
	return 0;
}

static __always_inline int rs_b_alloc_n(void *c, void **objs,
					unsigned long n, bool slub)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		objs[i] = rs_b_alloc(c, slub);
		if (!objs[i]) {
			while (i--)
				rs_b_free(c, objs[i], slub);
			return -ENOMEM;
		}
	}
	return 0;
}

static __always_inline void rs_b_free_n(void *c, void **objs,
					unsigned long n, bool slub)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		rs_b_free(c, objs[i], slub);
}

static int rs_bjob_pairs(struct rs_bjob *j, u64 *ns)
{
	return j->slub ? rs_b_pairs(j->cache, j->n, ns, true) :
			 rs_b_pairs(j->cache, j->n, ns, false);
}

static int rs_bjob_alloc(struct rs_bjob *j)
{
	return j->slub ? rs_b_alloc_n(j->cache, j->objs, j->n, true) :
			 rs_b_alloc_n(j->cache, j->objs, j->n, false);
}

static void rs_bjob_free(struct rs_bjob *j)
{
	if (j->slub)
		rs_b_free_n(j->cache, j->objs, j->n, true);
	else
		rs_b_free_n(j->cache, j->objs, j->n, false);
}

static int rs_bjob_thread(void *arg)
{
	struct rs_bjob *j = arg;
	unsigned long r;
	u64 ns = 0;
	int err = 0;

	wait_for_completion(j->go);
	switch (j->kind) {
	case RS_B_PAIR:
		err = rs_bjob_pairs(j, &ns);
		break;
	case RS_B_BULK: {
		/* one clock read around all rounds: slow under emulation */
		u64 t0 = ktime_get_ns();

		for (r = 0; r < j->rounds && !err; r++) {
			err = rs_bjob_alloc(j);
			if (!err)
				rs_bjob_free(j);
		}
		ns = ktime_get_ns() - t0;
		break;
	}
	case RS_B_ALLOC:	/* remote producer */
		for (r = 0; r < j->rounds; r++) {
			u64 t0 = ktime_get_ns();

			if (!err)
				err = rs_bjob_alloc(j);
			ns += ktime_get_ns() - t0;
			if (err)
				j->n = 0;	/* nothing for the consumer */
			complete(j->mine);
			wait_for_completion(j->theirs);
		}
		break;
	case RS_B_FREE:		/* remote consumer */
		for (r = 0; r < j->rounds; r++) {
			u64 t0;

			wait_for_completion(j->theirs);
			j->n = READ_ONCE(j->peer->n);
			t0 = ktime_get_ns();
			rs_bjob_free(j);
			ns += ktime_get_ns() - t0;
			complete(j->mine);
		}
		break;
	}
	j->ns = ns;
	j->err = err;
	complete(&j->done);
	return 0;
}

/* Run @nr jobs at once, job i on @cpus[i]. */
static int rs_bench_run_jobs(struct rs_bjob *jobs, const int *cpus, int nr)
{
	struct completion go;
	struct task_struct *k;
	int i, started = 0, err = 0;

	init_completion(&go);
	for (i = 0; i < nr; i++) {
		jobs[i].go = &go;
		init_completion(&jobs[i].done);
		k = kthread_create(rs_bjob_thread, &jobs[i], "rs-bench/%d",
				   cpus[i]);
		if (IS_ERR(k)) {
			err = PTR_ERR(k);
			break;
		}
		kthread_bind(k, cpus[i]);
		wake_up_process(k);
		started++;
	}
	if (err) {
		/* let the started ones run with nothing to do */
		for (i = 0; i < started; i++) {
			jobs[i].rounds = 0;
			jobs[i].n = 0;
			jobs[i].kind = RS_B_BULK;
		}
	}
	complete_all(&go);
	for (i = 0; i < started; i++) {
		wait_for_completion(&jobs[i].done);
		if (jobs[i].err && !err)
			err = jobs[i].err;
	}
	return err;
}

struct rs_bench_ctx {
	struct rs_cache *rc;
	struct kmem_cache *sc;
	void **objs;		/* RS_B_MILLION entries */
	int cpu0, cpu1;
	int err;
};

static void *rs_bench_cache(struct rs_bench_ctx *x, bool slub)
{
	return slub ? (void *)x->sc : (void *)x->rc;
}

/* ns for one kind of job on one CPU, best of RS_B_REPS */
static u64 rs_bench_one(struct rs_bench_ctx *x, bool slub,
			enum rs_bkind kind, unsigned long n,
			unsigned long rounds)
{
	u64 best = U64_MAX;
	int rep;

	for (rep = 0; rep < RS_B_REPS && !x->err; rep++) {
		struct rs_bjob j = {
			.kind = kind, .slub = slub,
			.cache = rs_bench_cache(x, slub),
			.objs = x->objs, .n = n, .rounds = rounds,
		};

		x->err = rs_bench_run_jobs(&j, &x->cpu0, 1);
		best = min(best, j.ns);
	}
	return best;
}

/*
 * Throughput on both CPUs at once over throughput on one, the two
 * measured alternately (load on the host drifts), best of 2 * RS_B_REPS
 * each: 2 * t(1 CPU) / t(2 CPUs, the slower one), in thousandths.
 */
static u64 rs_bench_two(struct rs_bench_ctx *x, bool slub, unsigned long n)
{
	int cpus[2] = { x->cpu0, x->cpu1 };
	u64 best1 = U64_MAX, best2 = U64_MAX;
	int rep;

	for (rep = 0; rep < 2 * RS_B_REPS && !x->err; rep++) {
		struct rs_bjob j[2] = {
			{ .kind = RS_B_PAIR, .slub = slub, .n = n,
			  .cache = rs_bench_cache(x, slub) },
			{ .kind = RS_B_PAIR, .slub = slub, .n = n,
			  .cache = rs_bench_cache(x, slub) },
		};

		x->err = rs_bench_run_jobs(j, cpus, 1);
		best1 = min(best1, j[0].ns);
		if (x->err)
			break;
		j[0].ns = 0;
		x->err = rs_bench_run_jobs(j, cpus, 2);
		best2 = min(best2, max(j[0].ns, j[1].ns));
	}
	return div64_u64(2000 * best1, best2 ?: 1);
}

/* Alloc K on cpu0, free them on cpu1, repeat: total ns of both sides */
static u64 rs_bench_remote(struct rs_bench_ctx *x, bool slub)
{
	int cpus[2] = { x->cpu0, x->cpu1 };
	unsigned long rounds = RS_B_REMOTE_OBJS / RS_B_REMOTE_K;
	u64 best = U64_MAX;
	int rep;

	for (rep = 0; rep < RS_B_REPS && !x->err; rep++) {
		struct completion a_done, b_done;
		struct rs_bjob j[2] = {
			{ .kind = RS_B_ALLOC, .slub = slub, .n = RS_B_REMOTE_K,
			  .rounds = rounds, .objs = x->objs,
			  .cache = rs_bench_cache(x, slub),
			  .mine = &a_done, .theirs = &b_done },
			{ .kind = RS_B_FREE, .slub = slub, .n = RS_B_REMOTE_K,
			  .rounds = rounds, .objs = x->objs,
			  .cache = rs_bench_cache(x, slub),
			  .mine = &b_done, .theirs = &a_done },
		};

		j[1].peer = &j[0];
		init_completion(&a_done);
		init_completion(&b_done);
		x->err = rs_bench_run_jobs(j, cpus, 2);
		best = min(best, j[0].ns + j[1].ns);
	}
	return best;
}

static void rs_bench_ctor(void *obj)
{
}

/* a/b with three decimals, into @buf (RS_RATIO_LEN) */
#define RS_RATIO_LEN	32
static const char *rs_ratio(char *buf, u64 a, u64 b)
{
	u64 m = div64_u64(a * 1000, b ?: 1);

	snprintf(buf, RS_RATIO_LEN, "%llu.%03llu", div64_u64(m, 1000),
		 m - div64_u64(m, 1000) * 1000);
	return buf;
}

static int rs_bench_slab(unsigned int size, char *out, size_t cap,
			 size_t *lenp)
{
	static const unsigned long bulk_n[] = { 1, 10, 100, 1000, 10000 };
	struct rs_bench_ctx x = {};
	size_t len = 0;
	u64 rs_t, sl_t;
	unsigned long i, pages;
	char rb[RS_RATIO_LEN];

#define OUT(...) (len += scnprintf(out + len, cap - len, __VA_ARGS__))

	x.cpu0 = cpumask_first(cpu_online_mask);
	x.cpu1 = cpumask_next(x.cpu0, cpu_online_mask);
	if (x.cpu1 >= nr_cpu_ids)
		x.cpu1 = -1;
	x.objs = vmalloc(array_size(RS_B_MILLION, sizeof(void *)));
	x.rc = rs_cache_create("bench", size, 0, NULL);
	x.sc = kmem_cache_create("refslab_bench", size, 0, 0, rs_bench_ctor);
	if (!x.objs || !x.rc || !x.sc) {
		x.err = -ENOMEM;
		goto out;
	}
	OUT("object_size %u\n", size);
	OUT("refslab_object_size %u\n", rs_cache_object_size(x.rc));
	OUT("slub_ctor 1\n");
	OUT("init_on_alloc %d\n", want_init_on_alloc(GFP_KERNEL) ? 1 : 0);
	OUT("cpus %u\n", num_online_cpus());

	/* warm both up */
	rs_bench_one(&x, false, RS_B_BULK, 10000, 1);
	rs_bench_one(&x, true, RS_B_BULK, 10000, 1);

	/* (1) alloc+free pairs on one hot CPU */
	rs_t = rs_bench_one(&x, false, RS_B_PAIR, RS_B_PAIRS, 0);
	sl_t = rs_bench_one(&x, true, RS_B_PAIR, RS_B_PAIRS, 0);
	OUT("pair_ns_refslab %llu\n", div64_u64(rs_t, RS_B_PAIRS));
	OUT("pair_ns_slub %llu\n", div64_u64(sl_t, RS_B_PAIRS));
	OUT("slab_pair_ratio %s\n", rs_ratio(rb, rs_t, sl_t));

	/* (2) N allocs then N frees */
	for (i = 0; i < ARRAY_SIZE(bulk_n) && !x.err; i++) {
		unsigned long n = bulk_n[i], rounds = RS_B_BULK_OBJS / n;

		rs_t = rs_bench_one(&x, false, RS_B_BULK, n, rounds);
		sl_t = rs_bench_one(&x, true, RS_B_BULK, n, rounds);
		OUT("bulk%lu_ns_refslab %llu\n", n,
		    div64_u64(rs_t, n * rounds));
		OUT("bulk%lu_ns_slub %llu\n", n, div64_u64(sl_t, n * rounds));
		OUT("bulk%lu_ratio %s\n", n, rs_ratio(rb, rs_t, sl_t));
		if (n == 10000)
			OUT("slab_bulk10k_ratio %s\n", rs_ratio(rb, rs_t, sl_t));
	}

	if (x.cpu1 >= 0 && !x.err) {
		/* (3) both CPUs at once: throughput(2) / throughput(1) */
		rs_t = rs_bench_two(&x, false, RS_B_PAIRS);
		sl_t = rs_bench_two(&x, true, RS_B_PAIRS);
		OUT("slab_2cpu_scaling %s\n", rs_ratio(rb, rs_t, 1000));
		OUT("slub_2cpu_scaling %s\n", rs_ratio(rb, sl_t, 1000));

		/* (4) alloc on one CPU, free on the other */
		rs_t = rs_bench_remote(&x, false);
		sl_t = rs_bench_remote(&x, true);
		OUT("remote_ns_refslab %llu\n",
		    div64_u64(rs_t, RS_B_REMOTE_OBJS));
		OUT("remote_ns_slub %llu\n", div64_u64(sl_t, RS_B_REMOTE_OBJS));
		OUT("slab_remote_ratio %s\n", rs_ratio(rb, rs_t, sl_t));
	}

	/* (5) 1M objects allocated, all freed: pages the cache keeps */
	if (!x.err) {
		rs_cache_shrink(x.rc);
		x.err = rs_b_alloc_n(x.rc, x.objs, RS_B_MILLION, false);
		if (!x.err) {
			pages = rs_cache_pages(x.rc);
			rs_b_free_n(x.rc, x.objs, RS_B_MILLION, false);
			OUT("million_pages_peak %lu\n", pages);
			OUT("slab_pages_after_free %lu\n",
			    rs_cache_pages(x.rc));
			OUT("slab_pages_retention_bound %lu\n",
			    rs_cache_retention_bound(x.rc));
			rs_cache_shrink(x.rc);
			OUT("slab_pages_after_shrink %lu\n",
			    rs_cache_pages(x.rc));
		}
	}
	if (x.err)
		OUT("error %d\n", x.err);
out:
#undef OUT
	*lenp = len;
	if (x.rc && rs_cache_destroy(x.rc))
		pr_err("bench: cache not empty after the run\n");
	kmem_cache_destroy(x.sc);
	vfree(x.objs);
	return x.err;
}

/*
 * The shrinker's count with 10,000 caches against 100: it must not walk
 * the caches (issue 22), so its time must not grow with them.
 */
#define RS_B_COUNT_CALLS	20000
#define RS_B_CACHES_FEW		100
#define RS_B_CACHES_MANY	10000

static u64 rs_bench_count_ns(void)
{
	unsigned long i, sink = 0;
	u64 t0 = ktime_get_ns();

	for (i = 0; i < RS_B_COUNT_CALLS; i++)
		sink += rs_slab_shrink_count();
	barrier_data(&sink);
	return ktime_get_ns() - t0;
}

static int rs_bench_shrink_count(char *out, size_t cap, size_t *lenp)
{
	struct rs_cache **c;
	u64 few = 0, many = 0;
	char rb[RS_RATIO_LEN];
	size_t len = *lenp;
	int i, n = 0, err = 0;

	c = vzalloc(array_size(RS_B_CACHES_MANY, sizeof(*c)));
	if (!c)
		return -ENOMEM;
	while (n < RS_B_CACHES_MANY) {
		c[n] = rs_cache_create("bench-count", 64, 0, NULL);
		if (!c[n]) {
			err = -ENOMEM;
			break;
		}
		n++;
		if (n == RS_B_CACHES_FEW)
			few = rs_bench_count_ns();
		cond_resched();
	}
	if (!err) {
		many = rs_bench_count_ns();
		len += scnprintf(out + len, cap - len,
				 "shrink_count_ns_%d %llu\nshrink_count_ns_%d %llu\n",
				 RS_B_CACHES_FEW, div64_u64(few, RS_B_COUNT_CALLS),
				 RS_B_CACHES_MANY, div64_u64(many, RS_B_COUNT_CALLS));
		len += scnprintf(out + len, cap - len,
				 "shrink_count_10k_vs_100 %s\n",
				 rs_ratio(rb, many, few));
	}
	for (i = 0; i < n; i++)
		rs_cache_destroy(c[i]);
	vfree(c);
	*lenp = len;
	return err;
}

/*
 * Fragmentation (issue 20): n objects of mixed sizes, 16 to 512 bytes
 * from a fixed seed, then a random half freed (each object with
 * probability 1/2, the same objects in both allocators).  Utilisation is
 * the live objects' requested bytes over the bytes of the slab pages that
 * hold them: for refslab, caches of the sizes of its general classes (made
 * for the run, so that nothing else's objects count); for SLUB, kmalloc()
 * itself, its slab pages read from the kernel's NR_SLAB_UNRECLAIMABLE_B
 * before and after (what other code allocates meanwhile, and the per-CPU
 * drift of that counter, a few hundred pages at most, count too).  Then
 * each shrinks: the pages it gave back.
 */
#define RS_F_MIN	16
#define RS_F_MAX	512
#define RS_F_FREED	0x8000	/* in sizes[]: this object is freed */
#define RS_F_SEED	0x20261208ULL

/* xorshift64*: the same sequence on every run */
static u32 rs_f_rand(u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 0x2545F4914F6CDD1DULL) >> 32;
}

struct rs_frag {
	unsigned long n;
	u16 *sizes;
	void **objs;
	/* refslab: a cache per class size, and which one serves each size */
	struct rs_cache *caches[RS_F_MAX / 8 + 1];
	u8 which[RS_F_MAX / 8 + 1];
	unsigned int ncaches;
	u64 live;
};

static unsigned long rs_frag_rs_pages(struct rs_frag *f)
{
	unsigned long pages = 0;
	unsigned int i;

	for (i = 0; i < f->ncaches; i++)
		pages += rs_cache_pages(f->caches[i]);
	return pages;
}

static unsigned long rs_frag_slub_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
}

/* Every kmalloc cache (of each type) gives back its free slabs. */
static void rs_frag_slub_shrink(void)
{
	int t, i;

	for (t = 0; t < NR_KMALLOC_TYPES; t++)
		for (i = 0; i <= KMALLOC_SHIFT_HIGH; i++)
			if (kmalloc_caches[t][i])
				kmem_cache_shrink(kmalloc_caches[t][i]);
}

static int rs_frag_caches(struct rs_frag *f)
{
	unsigned int size, i;

	for (size = RS_F_MIN; size <= RS_F_MAX; size += 8) {
		unsigned int stride = rs_size_class_stride(size);

		for (i = 0; i < f->ncaches; i++)
			if (rs_cache_object_size(f->caches[i]) == stride)
				break;
		if (i == f->ncaches) {
			f->caches[i] = rs_cache_create("bench-frag", stride, 0,
						       NULL);
			if (!f->caches[i])
				return -ENOMEM;
			f->ncaches++;
		}
		f->which[size / 8] = i;
	}
	return 0;
}

static void *rs_frag_alloc(struct rs_frag *f, unsigned long i, bool slub)
{
	unsigned int size = f->sizes[i] & ~RS_F_FREED;

	if (slub)
		return kmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	return rs_cache_alloc(f->caches[f->which[DIV_ROUND_UP(size, 8)]],
			      GFP_KERNEL | __GFP_NOWARN);
}

static void rs_frag_free(struct rs_frag *f, unsigned long i, bool slub)
{
	unsigned int size = f->sizes[i] & ~RS_F_FREED;

	if (slub)
		kfree(f->objs[i]);
	else
		rs_cache_free(f->caches[f->which[DIV_ROUND_UP(size, 8)]],
			      f->objs[i]);
}

/* Allocate every object, then free the marked half: 0, or -ENOMEM with
 * everything freed.
 */
static int rs_frag_fill(struct rs_frag *f, bool slub)
{
	unsigned long i;

	for (i = 0; i < f->n; i++) {
		f->objs[i] = rs_frag_alloc(f, i, slub);
		if (!f->objs[i]) {
			while (i--)
				rs_frag_free(f, i, slub);
			return -ENOMEM;
		}
		if (!(i & 4095))
			cond_resched();
	}
	for (i = 0; i < f->n; i++)
		if (f->sizes[i] & RS_F_FREED)
			rs_frag_free(f, i, slub);
	return 0;
}

/* Free the half rs_frag_fill() kept. */
static void rs_frag_empty(struct rs_frag *f, bool slub)
{
	unsigned long i;

	for (i = 0; i < f->n; i++) {
		if (!(f->sizes[i] & RS_F_FREED))
			rs_frag_free(f, i, slub);
		if (!(i & 4095))
			cond_resched();
	}
}

static size_t rs_frag_out(char *out, size_t cap, size_t len, const char *who,
			  u64 live, unsigned long pages, unsigned long after)
{
	char rb[RS_RATIO_LEN];

	return len + scnprintf(out + len, cap - len,
			       "%s_frag_util %s\n%s_frag_pages %lu\n"
			       "%s_frag_pages_after_shrink %lu\n"
			       "%s_frag_pages_given_back %lu\n",
			       who, rs_ratio(rb, live, (u64)pages * PAGE_SIZE),
			       who, pages, who, after, who,
			       pages > after ? pages - after : 0);
}

static int rs_bench_frag(unsigned long n, char *out, size_t cap, size_t *lenp)
{
	struct rs_frag *f = kzalloc(sizeof(*f), GFP_KERNEL);
	unsigned long i, base, pages, after;
	u64 seed = RS_F_SEED;
	size_t len = 0;
	int err = -ENOMEM;

	if (!f)
		return -ENOMEM;
	f->n = n;
	f->sizes = vmalloc(array_size(n, sizeof(*f->sizes)));
	f->objs = vmalloc(array_size(n, sizeof(*f->objs)));
	if (!f->sizes || !f->objs)
		goto out;
	err = rs_frag_caches(f);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		f->sizes[i] = RS_F_MIN + rs_f_rand(&seed) % (RS_F_MAX - RS_F_MIN + 1);
		if (rs_f_rand(&seed) & 1)
			f->sizes[i] |= RS_F_FREED;
		else
			f->live += f->sizes[i];
	}
	len += scnprintf(out + len, cap - len,
			 "frag_objects %lu\nfrag_live_bytes %llu\n", n, f->live);

	err = rs_frag_fill(f, false);
	if (err)
		goto out;
	pages = rs_frag_rs_pages(f);
	for (i = 0; i < f->ncaches; i++)
		rs_cache_shrink(f->caches[i]);
	after = rs_frag_rs_pages(f);
	len = rs_frag_out(out, cap, len, "slab", f->live, pages, after);
	rs_frag_empty(f, false);

	rs_frag_slub_shrink();
	base = rs_frag_slub_pages();
	err = rs_frag_fill(f, true);
	if (err)
		goto out;
	after = rs_frag_slub_pages();
	pages = after > base ? after - base : 0;
	rs_frag_slub_shrink();
	after = rs_frag_slub_pages();
	after = after > base ? after - base : 0;
	len = rs_frag_out(out, cap, len, "slub", f->live, pages, after);
	rs_frag_empty(f, true);
out:
	if (err)
		len += scnprintf(out + len, cap - len, "error %d\n", err);
	for (i = 0; i < f->ncaches; i++)
		if (rs_cache_destroy(f->caches[i]))
			pr_err("bench: frag cache not empty after the run\n");
	vfree(f->sizes);
	vfree(f->objs);
	kfree(f);
	*lenp = len;
	return err;
}

/*
 * The files under bench/: "slab" runs rs_bench_slab() and the shrinker's
 * count ("run [OBJECT_SIZE]", 64 by default), "frag" runs rs_bench_frag()
 * ("run [OBJECTS]", a million by default).  Each keeps its last result.
 */
struct rs_bench_file {
	bool frag;
	char *out;
	size_t cap, len;
};

#define RS_F_OUT	512
static char rs_frag_text[RS_F_OUT];
static struct rs_bench_file rs_bench_files[] = {
	{ .frag = false, .out = rs_bench_out, .cap = RS_B_OUT },
	{ .frag = true, .out = rs_frag_text, .cap = RS_F_OUT },
};

#define RS_F_OBJECTS_MAX	4000000U

static ssize_t rs_bench_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	struct rs_bench_file *bf = file->private_data;
	unsigned int arg = bf->frag ? 1000000 : 64;
	char buf[32];
	size_t n = min(len, sizeof(buf) - 1);
	int err;

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	strim(buf);
	if (strncmp(buf, "run", 3) || (buf[3] && buf[3] != ' '))
		return -EINVAL;
	if (buf[3] && kstrtouint(buf + 4, 0, &arg))
		return -EINVAL;
	if (bf->frag ? !arg || arg > RS_F_OBJECTS_MAX : arg < 8 || arg > 4096)
		return -EINVAL;
	mutex_lock(&rs_bench_mutex);
	bf->len = 0;
	if (bf->frag) {
		err = rs_bench_frag(arg, bf->out, bf->cap, &bf->len);
	} else {
		err = rs_bench_slab(arg, bf->out, bf->cap, &bf->len);
		if (!err)
			err = rs_bench_shrink_count(bf->out, bf->cap, &bf->len);
	}
	mutex_unlock(&rs_bench_mutex);
	return err ? err : len;
}

static ssize_t rs_bench_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	struct rs_bench_file *bf = file->private_data;
	ssize_t ret;

	mutex_lock(&rs_bench_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, bf->out, bf->len);
	mutex_unlock(&rs_bench_mutex);
	return ret;
}

static const struct file_operations rs_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = rs_bench_read,
	.write = rs_bench_write,
	.llseek = default_llseek,
};

/* Removed with the debugfs root at unload. */
static struct dentry *rs_bench_dir;

void rs_bench_init(struct dentry *debugfs_root)
{
	if (IS_ERR_OR_NULL(debugfs_root))
		return;
	rs_bench_dir = debugfs_create_dir("bench", debugfs_root);
	debugfs_create_file("slab", 0600, rs_bench_dir, &rs_bench_files[0],
			    &rs_bench_fops);
	debugfs_create_file("frag", 0600, rs_bench_dir, &rs_bench_files[1],
			    &rs_bench_fops);
}
