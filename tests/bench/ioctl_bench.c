// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_bench: what an object costs through the ioctl interface, as ratios
 * to a null ioctl (/dev/refslab_null returns 0 at once) measured in the
 * same run.  Prints "bench: <key> <value>" lines for the bench framework:
 *   ioctl_null_ns              one null ioctl (the floor), ns
 *   ioctl_create_drop_ns       create + drop of one object, ns
 *   ioctl_create_drop_vs_null  that / the null ioctl (two calls per
 *                              object against one: 2 is the floor)
 *   ioctl_create_drop_per_call_vs_null  half of that: one create or drop
 *                              call against one null call
 *   ioctl_batch64_ns           per object, creates and drops 64 per call
 *   ioctl_batch64_vs_null      that / the null ioctl
 *   ioctl_bulk64_ns            per object, CREATE_N of 64 then DROP_N of
 *                              them (uapi minor 2)
 *   ioctl_bulk64_vs_null       that / the null ioctl
 *   obj_header_bytes           REFSLAB_IOC_VERSION header_bytes
 *   ioctl_2proc_scaling        two processes on two heaps: throughput
 *                              against one process alone
 *   ioctl_churn_ns_100         with 100 objects alive, drop a random one
 *                              and create one, ns (handle allocation)
 *   ioctl_churn_ns_400k        the same with 400,000 alive
 *   ioctl_churn_400k_vs_100    their ratio: 1 if finding a free handle
 *                              does not depend on how many are in use
 * Each figure is the best of a few rounds of ~0.2 s (emulation is noisy).
 * A key whose ioctl the loaded module does not know (ENOTTY: an older
 * module, as in an A/B against main) is left out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include "librefslab.h"

#define ROUNDS		3
#define ROUND_NS	200000000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ioctl_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* Runs fn(ctx, n) for n iterations, n grown until a round takes
 * ROUND_NS; returns the best ns per iteration over ROUNDS rounds. */
static double best_ns(void (*fn)(void *, unsigned long), void *ctx)
{
	unsigned long n = 64;
	double best = 1e30;
	uint64_t t;
	int r;

	for (;;) {	/* calibrate */
		t = now_ns();
		fn(ctx, n);
		t = now_ns() - t;
		if (t >= ROUND_NS / 4)
			break;
		n *= 2;
	}
	n = (unsigned long)((double)n * ROUND_NS / (double)(t ? t : 1));
	if (n < 1)
		n = 1;
	for (r = 0; r < ROUNDS; r++) {
		double per;

		t = now_ns();
		fn(ctx, n);
		t = now_ns() - t;
		per = (double)t / (double)n;
		if (per < best)
			best = per;
	}
	return best;
}

static void null_loop(void *ctx, unsigned long n)
{
	int fd = *(int *)ctx;
	struct refslab_drop d = { 0 };

	while (n--)
		if (ioctl(fd, REFSLAB_IOC_DROP, &d))
			die("null ioctl", errno);
}

static void create_drop_loop(void *ctx, unsigned long n)
{
	refslab_heap *h = ctx;
	uint32_t hd;
	int err;

	while (n--) {
		err = refslab_create(h, 2, 16, 0, &hd);
		if (!err)
			err = refslab_drop(h, hd);
		if (err)
			die("create/drop", err);
	}
}

struct batch_ctx {
	refslab_heap *h;
	struct refslab_op ops[64];
};

/* n rounds of: one batch of 64 creates, one batch of 64 drops. */
static void batch_loop(void *ctx, unsigned long n)
{
	struct batch_ctx *b = ctx;
	struct refslab_batch arg = { .ops = (uint64_t)(uintptr_t)b->ops, .count = 64 };
	int k;

	while (n--) {
		for (k = 0; k < 64; k++) {
			memset(&b->ops[k], 0, sizeof(b->ops[k]));
			b->ops[k].op = REFSLAB_OP_CREATE;
			b->ops[k].args.create.nslots = 2;
			b->ops[k].args.create.payload_size = 16;
		}
		if (ioctl(refslab_fd(b->h), REFSLAB_IOC_BATCH, &arg))
			die("batch create", errno);
		for (k = 0; k < 64; k++) {
			uint32_t hd = b->ops[k].args.create.handle;

			memset(&b->ops[k], 0, sizeof(b->ops[k]));
			b->ops[k].op = REFSLAB_OP_DROP;
			b->ops[k].args.drop.handle = hd;
		}
		if (ioctl(refslab_fd(b->h), REFSLAB_IOC_BATCH, &arg))
			die("batch drop", errno);
	}
}

struct bulk_ctx {
	refslab_heap *h;
	uint32_t hd[64];
};

/* n rounds of: CREATE_N of 64, DROP_N of those 64. */
static void bulk_loop(void *ctx, unsigned long n)
{
	struct bulk_ctx *b = ctx;
	int err;

	while (n--) {
		err = refslab_create_n(b->h, 2, 16, 0, b->hd, 64);
		if (!err)
			err = refslab_drop_n(b->h, b->hd, 64);
		if (err)
			die("bulk create/drop", err);
	}
}

struct churn_ctx {
	refslab_heap *h;
	uint32_t *live;
	uint32_t n;
	uint64_t rng;
};

static uint32_t churn_rand(struct churn_ctx *c)
{
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return (uint32_t)(c->rng >> 32);
}

/* n rounds of: drop a random live handle, create one in its place. */
static void churn_loop(void *ctx, unsigned long n)
{
	struct churn_ctx *c = ctx;
	int err;

	while (n--) {
		uint32_t i = churn_rand(c) % c->n;

		err = refslab_drop(c->h, c->live[i]);
		if (!err)
			err = refslab_create(c->h, 0, 0, 0, &c->live[i]);
		if (err)
			die("churn", err);
	}
}

/* ns per drop+create with @n objects alive, on a heap of its own. */
static double churn_ns(uint32_t n)
{
	struct churn_ctx c = { .n = n, .rng = 0x9e3779b97f4a7c15ULL };
	struct refslab_op *ops;
	uint32_t i, k, m;
	double ns;
	int err = refslab_open(&c.h);

	if (err)
		die("open", err);
	refslab_gc_set_enabled(c.h, false);
	c.live = calloc(n, sizeof(*c.live));
	ops = calloc(REFSLAB_BATCH_MAX, sizeof(*ops));
	if (!c.live || !ops)
		die("calloc", ENOMEM);
	for (i = 0; i < n; i += m) {
		struct refslab_batch b = { .ops = (uint64_t)(uintptr_t)ops };

		m = n - i < REFSLAB_BATCH_MAX ? n - i : REFSLAB_BATCH_MAX;
		memset(ops, 0, m * sizeof(*ops));
		for (k = 0; k < m; k++)
			ops[k].op = REFSLAB_OP_CREATE;
		b.count = m;
		if (ioctl(refslab_fd(c.h), REFSLAB_IOC_BATCH, &b))
			die("churn setup", errno);
		for (k = 0; k < m; k++)
			c.live[i + k] = ops[k].args.create.handle;
	}
	ns = best_ns(churn_loop, &c);
	free(ops);
	free(c.live);
	refslab_close(c.h);
	return ns;
}

/* Create+drop pairs done by one process in `ns` nanoseconds. */
static unsigned long pairs_for(uint64_t ns)
{
	refslab_heap *h;
	unsigned long pairs = 0;
	uint64_t end;
	int err = refslab_open(&h), i;

	if (err)
		die("open", err);
	refslab_gc_set_enabled(h, false);
	end = now_ns() + ns;
	while (now_ns() < end) {
		for (i = 0; i < 64; i++) {
			uint32_t hd;

			err = refslab_create(h, 2, 16, 0, &hd);
			if (!err)
				err = refslab_drop(h, hd);
			if (err)
				die("create/drop", err);
		}
		pairs += 64;
	}
	refslab_close(h);
	return pairs;
}

/* nproc processes at once, each on its own heap: total pairs per second. */
static double throughput(int nproc, uint64_t ns)
{
	int p[2], go[2], i;
	unsigned long total = 0, got;
	pid_t pid[8];

	if (pipe(p) || pipe(go))
		die("pipe", errno);
	for (i = 0; i < nproc; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork", errno);
		if (pid[i] == 0) {
			char c;

			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			got = pairs_for(ns);
			if (write(p[1], &got, sizeof(got)) != sizeof(got))
				_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	for (i = 0; i < nproc; i++)	/* start together */
		if (write(go[1], "g", 1) != 1)
			die("write", errno);
	close(go[1]);
	for (i = 0; i < nproc; i++) {
		if (read(p[0], &got, sizeof(got)) != sizeof(got))
			die("child result", EIO);
		total += got;
	}
	for (i = 0; i < nproc; i++)
		waitpid(pid[i], NULL, 0);
	close(p[0]);
	close(p[1]);
	return (double)total * 1e9 / (double)ns;
}

int main(void)
{
	struct refslab_version v;
	struct batch_ctx *b;
	double null_ns, cd_ns, b64_ns, bulk_ns = 0, t1 = 0, t2 = 0, ch100, ch400k;
	struct bulk_ctx *bulk;
	bool have_bulk;
	refslab_heap *h;
	int nfd, err, r;

	nfd = open(REFSLAB_NULL_DEVICE, O_RDWR | O_CLOEXEC);
	if (nfd < 0)
		die(REFSLAB_NULL_DEVICE, errno);
	err = refslab_open(&h);
	if (err)
		die(REFSLAB_DEVICE, err);
	err = refslab_version(h, &v);
	if (err)
		die("version", err);
	refslab_gc_set_enabled(h, false);

	null_ns = best_ns(null_loop, &nfd);
	cd_ns = best_ns(create_drop_loop, h);
	b = calloc(1, sizeof(*b));
	if (!b)
		die("calloc", ENOMEM);
	b->h = h;
	b64_ns = best_ns(batch_loop, b) / 64;
	bulk = calloc(1, sizeof(*bulk));
	if (!bulk)
		die("calloc", ENOMEM);
	bulk->h = h;
	err = refslab_create_n(h, 2, 16, 0, bulk->hd, 64);
	have_bulk = err != -ENOTTY;
	if (have_bulk) {
		if (err || (err = refslab_drop_n(h, bulk->hd, 64)))
			die("bulk", err);
		bulk_ns = best_ns(bulk_loop, bulk) / 64;
	}
	/* null again: the floor moves with the machine's load */
	{
		double again = best_ns(null_loop, &nfd);

		if (again < null_ns)
			null_ns = again;
	}
	for (r = 0; r < 3; r++) {	/* best of three each */
		double a = throughput(1, 300000000ULL);
		double c = throughput(2, 300000000ULL);

		if (a > t1)
			t1 = a;
		if (c > t2)
			t2 = c;
	}
	ch100 = churn_ns(100);
	ch400k = churn_ns(400000);
	printf("# null ioctl %.0f ns, create+drop %.0f ns, batch64 per object %.0f ns\n",
	       null_ns, cd_ns, b64_ns);
	printf("# one process %.0f pairs/s, two processes %.0f pairs/s\n", t1, t2);
	printf("bench: ioctl_null_ns %.1f\n", null_ns);
	printf("bench: ioctl_create_drop_ns %.1f\n", cd_ns);
	printf("bench: ioctl_create_drop_vs_null %.3f\n", cd_ns / null_ns);
	printf("bench: ioctl_create_drop_per_call_vs_null %.3f\n",
	       cd_ns / 2 / null_ns);
	printf("bench: ioctl_batch64_ns %.1f\n", b64_ns);
	printf("bench: ioctl_batch64_vs_null %.3f\n", b64_ns / null_ns);
	if (have_bulk) {
		printf("bench: ioctl_bulk64_ns %.1f\n", bulk_ns);
		printf("bench: ioctl_bulk64_vs_null %.3f\n", bulk_ns / null_ns);
	} else {
		printf("# no CREATE_N/DROP_N in this module (ENOTTY): ioctl_bulk64 left out\n");
	}
	printf("bench: obj_header_bytes %u\n", v.header_bytes);
	printf("bench: ioctl_2proc_scaling %.3f\n", t1 > 0 ? t2 / t1 : 0.0);
	printf("bench: ioctl_churn_ns_100 %.1f\n", ch100);
	printf("bench: ioctl_churn_ns_400k %.1f\n", ch400k);
	printf("bench: ioctl_churn_400k_vs_100 %.3f\n", ch400k / ch100);
	printf("# targets (issues 11, 20): churn_400k_vs_100 <= 1.5 %s; "
	       "create_drop_per_call_vs_null <= 1.3 %s; bulk64_vs_null <= 0.25 %s\n",
	       ch400k / ch100 <= 1.5 ? "met" : "NOT met",
	       cd_ns / 2 / null_ns <= 1.3 ? "met" : "NOT met",
	       !have_bulk ? "(no bulk)" : bulk_ns / null_ns <= 0.25 ? "met" : "NOT met");
	free(bulk);
	free(b);
	refslab_close(h);
	close(nfd);
	return 0;
}
