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
static size_t rs_bench_len;

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

static ssize_t rs_bench_write(struct file *file, const char __user *ubuf,
			      size_t len, loff_t *ppos)
{
	char buf[32];
	unsigned int size = 64;
	size_t n = min(len, sizeof(buf) - 1);
	int err;

	if (copy_from_user(buf, ubuf, n))
		return -EFAULT;
	buf[n] = 0;
	strim(buf);
	if (strncmp(buf, "run", 3) || (buf[3] && buf[3] != ' '))
		return -EINVAL;
	if (buf[3] && (kstrtouint(buf + 4, 0, &size) || size < 8 ||
		       size > 4096))
		return -EINVAL;
	mutex_lock(&rs_bench_mutex);
	err = rs_bench_slab(size, rs_bench_out, RS_B_OUT, &rs_bench_len);
	if (!err)
		err = rs_bench_shrink_count(rs_bench_out, RS_B_OUT,
					    &rs_bench_len);
	mutex_unlock(&rs_bench_mutex);
	return err ? err : len;
}

static ssize_t rs_bench_read(struct file *file, char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&rs_bench_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, rs_bench_out,
				      rs_bench_len);
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
	debugfs_create_file("slab", 0600, rs_bench_dir, NULL, &rs_bench_fops);
}
