// SPDX-License-Identifier: GPL-2.0
/*
 * gc_bench: the refslab collector on the shapes tests/bench/gc_cpython.py
 * gives CPython, in the same VM:
 *
 *   garbage  N objects in 2-cycles, all garbage: time of one collection
 *   live     N objects in one big cycle, one handle kept: time of a
 *            collection that scans them all and frees nothing
 *   pause    the garbage heap again, collected while a mutator thread
 *            issues STAT ioctls on a live object of the same heap: the
 *            longest single ioctl it sees (and the collector's longest
 *            hold of the heap lock, from the statistics)
 *   bytes    memory the collector needs per tracked object: the object
 *            table's gc_refs + gc_mark, plus its buffers at their peak
 *            (queue, work stack, candidate buffers), from debugfs
 *
 * and, with --real, a real program's object graph (real_graph() below says
 * its shape), written to GRAPHFILE for gc_cpython.py --real to build the
 * same graph as CPython lists:
 *
 *   real live     every object reachable from the 3% held from outside:
 *                 time of a collection that scans them all, frees nothing
 *   real garbage  only 3% of the leaves held: time of the collection of
 *                 the rest (what refcounting alone does not free)
 *
 * Prints "bench: <key> <value>" lines (times in seconds unless named).
 * Usage: gc_bench [N]   (default 1000000)
 *        gc_bench --real N GRAPHFILE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "refslab.h"
#include "rsdbg.h"		/* REFSLAB_DEBUGFS */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (ioctl(fd, req, arg) < 0)
		die(what);
}

static struct refslab_op ops[REFSLAB_BATCH_MAX];
static unsigned int nops;

static void flush(int fd)
{
	struct refslab_batch b = { .ops = (uintptr_t)ops, .count = nops };

	if (!nops)
		return;
	xioctl(fd, REFSLAB_IOC_BATCH, &b, "batch");
	nops = 0;
}

static struct refslab_op *op(int fd, uint32_t code)
{
	struct refslab_op *o;

	if (nops == REFSLAB_BATCH_MAX)
		flush(fd);
	o = &ops[nops++];
	memset(o, 0, sizeof(*o));
	o->op = code;
	return o;
}

static uint32_t *create_n(int fd, unsigned long n)
{
	uint32_t *h = calloc(n, sizeof(*h));
	unsigned long i = 0;

	if (!h)
		die("calloc");
	while (i < n) {
		unsigned int k, m = n - i < REFSLAB_BATCH_MAX ? n - i : REFSLAB_BATCH_MAX;

		nops = 0;
		for (k = 0; k < m; k++)
			op(fd, REFSLAB_OP_CREATE)->args.create.nslots = 1;
		flush(fd);
		for (k = 0; k < m; k++)
			h[i + k] = ops[k].args.create.handle;
		i += m;
	}
	return h;
}

static void link_(int fd, uint32_t from, uint32_t to)
{
	struct refslab_op *o = op(fd, REFSLAB_OP_SET_SLOT);

	o->args.slot.handle = from;
	o->args.slot.target = to;
}

static void drop(int fd, uint32_t h)
{
	op(fd, REFSLAB_OP_DROP)->args.drop.handle = h;
}

static int heap_open_bytes(unsigned long n, unsigned long long bytes)
{
	int fd = open(REFSLAB_DEVICE, O_RDWR | O_CLOEXEC);
	struct refslab_limits l = { .max_objects = n + 64,
				    .max_handles = n + 64,
				    .max_bytes = bytes };
	struct refslab_gc_control c = { .flags = REFSLAB_GC_SET_ENABLED };

	if (fd < 0)
		die(REFSLAB_DEVICE);
	(void)ioctl(fd, REFSLAB_IOC_SET_LIMITS, &l);
	xioctl(fd, REFSLAB_IOC_GC_CONTROL, &c, "gc control");	/* off */
	return fd;
}

static int heap_open(unsigned long n)
{
	return heap_open_bytes(n, (n + 64) * 128ULL);
}

/* n objects in 2-cycles, every handle dropped. */
static void build_pairs(int fd, unsigned long n)
{
	uint32_t *h = create_n(fd, n);
	unsigned long i;

	for (i = 0; i + 1 < n; i += 2) {
		link_(fd, h[i], h[i + 1]);
		link_(fd, h[i + 1], h[i]);
	}
	for (i = 0; i < n; i++)
		drop(fd, h[i]);
	flush(fd);
	free(h);
}

static double collect(int fd, struct refslab_gc_collect *c)
{
	double t = now_s();

	memset(c, 0, sizeof(*c));
	xioctl(fd, REFSLAB_IOC_GC_COLLECT, c, "collect");
	return now_s() - t;
}

static uint64_t objects(int fd)
{
	struct refslab_heap_stats s;

	xioctl(fd, REFSLAB_IOC_HEAP_STATS, &s, "heap stats");
	return s.objects;
}

/* The gc debugfs block of the last heap of ours: "key value" lines. */
static int debugfs_heap(const char *key, unsigned long long *val)
{
	char line[256], want[64];
	int in = 0, found = 0;
	FILE *f = fopen(REFSLAB_DEBUGFS "/gc", "r");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), "heap %d", (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char k[64];

		if (!strncmp(line, "heap ", 5)) {
			in = !strncmp(line, want, strlen(want));
			continue;
		}
		if (in && sscanf(line, " %63s %llu", k, &v) == 2 &&
		    !strcmp(k, key)) {
			*val = v;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* Comment line with the phase times of our heap's last collection. */
static void show_phases(const char *what)
{
	char line[512], want[64];
	int in = 0;
	FILE *f = fopen(REFSLAB_DEBUGFS "/gc", "r");

	if (!f)
		return;
	snprintf(want, sizeof(want), "heap %d", (int)getpid());
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "heap ", 5))
			in = !strncmp(line, want, strlen(want));
		else if (in && strstr(line, "last_phase_ns"))
			printf("# %s:%s", what, line + 15);
	}
	fclose(f);
}

/* ---- a real program's object graph ---- */

static uint64_t rng = 0x5eed2026c0ffee21ULL;	/* fixed seed */

/* splitmix64 */
static uint32_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/*
 * The graph, by graph index g in [0, n):
 *   deg[g]    out-degree: 0 (30%), 1 (30%), 2 (20%), 3 (11%), else a
 *             power-law tail 4 + [0, 4 << k) with P(k) = 2^-(k+1), k <= 6
 *             (up to 259): about 2.07 references per object on average;
 *   tgt[off[g] .. off[g] + deg[g])   its slots' targets: first every node
 *             takes one free slot of an earlier node at random (a spanning
 *             forest: each node is reachable from a root), the slots left
 *             point half at a near node (g + 1..16) and half anywhere;
 *   order[k]  the node created k-th: a random permutation, so memory
 *             order is unrelated to graph order;
 *   pay[g]    payload bytes (refslab only: mixed object sizes);
 *   live[]    held in the live case: the forest's roots and 3% of the
 *             nodes at random;
 *   garb[]    held in the garbage case: 3% of the nodes, all leaves.
 */
struct real_graph {
	uint32_t n, e, nlive, ngarb;
	uint32_t *order, *deg, *off, *tgt, *pay, *live, *garb;
};

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		die("calloc");
	return p;
}

static void real_graph(struct real_graph *G, uint32_t n)
{
	static const uint32_t pays[8] = { 0, 0, 8, 16, 24, 32, 64, 128 };
	uint32_t g, e = 0, pn = 0, *pool, *src;
	unsigned char *held;

	G->n = n;
	G->deg = xcalloc(n, sizeof(uint32_t));
	G->off = xcalloc(n + 1, sizeof(uint32_t));
	G->pay = xcalloc(n, sizeof(uint32_t));
	for (g = 0; g < n; g++) {
		uint32_t r = rnd() % 100, d;

		if (r < 30)
			d = 0;
		else if (r < 60)
			d = 1;
		else if (r < 80)
			d = 2;
		else if (r < 91)
			d = 3;
		else
			d = 4 + rnd() % (4u << __builtin_ctz(rnd() | 64));
		G->deg[g] = d;
		G->off[g] = e;
		e += d;
		G->pay[g] = pays[rnd() % 8];
	}
	G->off[n] = e;
	G->e = e;
	G->tgt = xcalloc(e, sizeof(uint32_t));
	src = xcalloc(e, sizeof(uint32_t));
	pool = xcalloc(e, sizeof(uint32_t));
	held = xcalloc(n, 1);
	G->live = xcalloc(n, sizeof(uint32_t));
	G->nlive = 0;
	for (g = 0; g < n; g++) {
		uint32_t j;

		if (pn) {
			uint32_t i = rnd() % pn;

			G->tgt[pool[i]] = g;
			pool[i] = pool[--pn];
		} else {
			held[g] = 1;		/* a root of the forest */
			G->live[G->nlive++] = g;
		}
		for (j = 0; j < G->deg[g]; j++) {
			src[G->off[g] + j] = g;
			pool[pn++] = G->off[g] + j;
		}
	}
	while (pn) {
		uint32_t s = pool[--pn], r = rnd();

		G->tgt[s] = r & 1 ? (src[s] + 1 + (r >> 1) % 16) % n : rnd() % n;
	}
	for (g = 0; g < n / 33; g++) {
		uint32_t x = rnd() % n;

		if (!held[x]) {
			held[x] = 1;
			G->live[G->nlive++] = x;
		}
	}
	memset(held, 0, n);
	G->garb = xcalloc(n, sizeof(uint32_t));
	G->ngarb = 0;
	while (G->ngarb < n / 33) {
		uint32_t x = rnd() % n;

		if (!G->deg[x] && !held[x]) {	/* leaves only */
			held[x] = 1;
			G->garb[G->ngarb++] = x;
		}
	}
	G->order = xcalloc(n, sizeof(uint32_t));
	for (g = 0; g < n; g++)
		G->order[g] = g;
	for (g = n - 1; g > 0; g--) {
		uint32_t i = rnd() % (g + 1), t = G->order[g];

		G->order[g] = G->order[i];
		G->order[i] = t;
	}
	free(src);
	free(pool);
	free(held);
}

/* For gc_cpython.py --real: u32 words n, e, nlive, ngarb, then order[n],
 * deg[n], tgt[e], live[nlive], garb[ngarb], in the machine's byte order.
 */
static void real_write(const struct real_graph *G, const char *path)
{
	FILE *f = fopen(path, "wb");
	uint32_t hdr[4] = { G->n, G->e, G->nlive, G->ngarb };

	if (!f ||
	    fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
	    fwrite(G->order, 4, G->n, f) != G->n ||
	    fwrite(G->deg, 4, G->n, f) != G->n ||
	    fwrite(G->tgt, 4, G->e, f) != G->e ||
	    fwrite(G->live, 4, G->nlive, f) != G->nlive ||
	    fwrite(G->garb, 4, G->ngarb, f) != G->ngarb ||
	    fclose(f))
		die(path);
}

/* Build the graph in a fresh heap; keep the handles of @keep[0..nkeep). */
static int real_build(const struct real_graph *G, const uint32_t *keep,
		      uint32_t nkeep)
{
	uint32_t n = G->n, *h = xcalloc(n, sizeof(uint32_t));
	unsigned char *kept = xcalloc(n, 1);
	int fd = heap_open_bytes(n, (unsigned long long)n * 1024);
	uint32_t k, g, j;

	for (k = 0; k < n;) {
		uint32_t m = n - k < REFSLAB_BATCH_MAX ? n - k : REFSLAB_BATCH_MAX;
		uint32_t i;

		nops = 0;
		for (i = 0; i < m; i++) {
			struct refslab_op *o = op(fd, REFSLAB_OP_CREATE);

			o->args.create.nslots = G->deg[G->order[k + i]];
			o->args.create.payload_size = G->pay[G->order[k + i]];
		}
		flush(fd);
		for (i = 0; i < m; i++) {
			if (ops[i].result)
				die("create");
			h[G->order[k + i]] = ops[i].args.create.handle;
		}
		k += m;
	}
	for (g = 0; g < n; g++) {
		for (j = 0; j < G->deg[g]; j++) {
			struct refslab_op *o = op(fd, REFSLAB_OP_SET_SLOT);

			o->args.slot.handle = h[g];
			o->args.slot.slot = j;
			o->args.slot.target = h[G->tgt[G->off[g] + j]];
		}
	}
	for (k = 0; k < nkeep; k++)
		kept[keep[k]] = 1;
	for (k = 0; k < n; k++)		/* dropped in creation order */
		if (!kept[G->order[k]])
			drop(fd, h[G->order[k]]);
	flush(fd);
	free(kept);
	free(h);
	return fd;
}

/*
 * One collection of the real graph holding @keep[0..nkeep): its phases,
 * time and the objects it found, as "bench: gc_real_<what>_..." lines.
 */
static void real_case(const struct real_graph *G, const uint32_t *keep,
		      uint32_t nkeep, const char *what, const char *tkey)
{
	struct refslab_gc_collect c;
	int fd = real_build(G, keep, nkeep);
	uint64_t before = objects(fd);
	double t = collect(fd, &c);
	char name[32];

	if (objects(fd) != before - c.collected)
		fprintf(stderr, "gc_bench: real %s: objects %llu -> %llu, collected %llu\n",
			what, (unsigned long long)before,
			(unsigned long long)objects(fd),
			(unsigned long long)c.collected);
	snprintf(name, sizeof(name), "real %s", what);
	show_phases(name);
	printf("bench: gc_real_%s_%s_s %.4f\n", what, tkey, t);
	printf("bench: gc_real_%s_scanned %llu\n", what,
	       (unsigned long long)c.scanned);
	printf("bench: gc_real_%s_collected %llu\n", what,
	       (unsigned long long)c.collected);
	printf("bench: gc_real_%s_ns_per_object %.1f\n", what,	/* of the graph */
	       t * 1e9 / G->n);
	close(fd);
}

static int real_main(uint32_t n, const char *path)
{
	struct real_graph G;

	real_graph(&G, n);
	real_write(&G, path);
	printf("# real graph: %u objects, %u references, %u held (live), %u held (garbage)\n",
	       G.n, G.e, G.nlive, G.ngarb);
	/* live: nothing may be found (gc.sh compares with CPython's 0) */
	real_case(&G, G.live, G.nlive, "live", "scan");
	real_case(&G, G.garb, G.ngarb, "garbage", "collect");
	return 0;
}

static volatile int stop;
static double max_lat;
static unsigned long nlat;

static void *mutator(void *arg)
{
	int fd = ((int *)arg)[0];
	uint32_t h = ((int *)arg)[1];

	while (!stop) {
		struct refslab_stat s = { .handle = h };
		double t = now_s(), d;

		xioctl(fd, REFSLAB_IOC_STAT, &s, "stat");
		d = now_s() - t;
		if (d > max_lat)
			max_lat = d;
		nlat++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 && argv[1][0] != '-' ?
			  strtoul(argv[1], NULL, 0) : 1000000;
	struct refslab_gc_collect c;
	struct refslab_gc_stats st;
	unsigned long long ebytes = 0, bbytes = 0, nobj = 0;
	double t;
	uint32_t *h;
	unsigned long i;
	int fd, arg[2];
	pthread_t thr;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "--real"))
		return real_main(strtoul(argv[2], NULL, 0), argv[3]);

	/* garbage: 2-cycles */
	fd = heap_open(n);
	build_pairs(fd, n);
	t = collect(fd, &c);
	if (c.collected != n || objects(fd))
		fprintf(stderr, "gc_bench: garbage: collected %llu of %lu\n",
			(unsigned long long)c.collected, n);
	show_phases("garbage");
	printf("bench: gc_garbage_collect_s %.4f\n", t);
	printf("bench: gc_garbage_ns_per_object %.1f\n", t * 1e9 / n);
	close(fd);

	/* live: one big cycle, one handle kept */
	fd = heap_open(n);
	h = create_n(fd, n);
	for (i = 0; i < n; i++)
		link_(fd, h[i], h[(i + 1) % n]);
	for (i = 1; i < n; i++)
		drop(fd, h[i]);
	flush(fd);
	t = collect(fd, &c);
	if (c.collected || objects(fd) != n || c.scanned != n)
		fprintf(stderr, "gc_bench: live: collected %llu scanned %llu\n",
			(unsigned long long)c.collected,
			(unsigned long long)c.scanned);
	show_phases("live");
	printf("bench: gc_live_scan_s %.4f\n", t);
	printf("bench: gc_live_ns_per_object %.1f\n", t * 1e9 / n);
	debugfs_heap("entry_gc_bytes", &ebytes);
	debugfs_heap("buffer_bytes_peak", &bbytes);
	debugfs_heap("objects", &nobj);
	if (nobj)
		printf("bench: gc_extra_bytes_per_object %.2f\n",
		       (double)(ebytes + bbytes) / nobj);
	free(h);
	close(fd);

	/* pause: the garbage heap collected under a mutator */
	fd = heap_open(n + 1);
	arg[0] = fd;
	{
		struct refslab_create cr = { .nslots = 1, .payload_size = 8 };

		xioctl(fd, REFSLAB_IOC_CREATE, &cr, "create");
		arg[1] = cr.handle;
	}
	build_pairs(fd, n);
	stop = 0;
	if (pthread_create(&thr, NULL, mutator, arg))
		die("pthread_create");
	usleep(100000);
	max_lat = 0;
	t = collect(fd, &c);
	stop = 1;
	pthread_join(thr, NULL);
	st.max_pause_ns = 0;
	xioctl(fd, REFSLAB_IOC_GC_STATS, &st, "gc stats");
	show_phases("pause");
	printf("bench: gc_pause_collect_s %.4f\n", t);
	printf("bench: gc_max_pause_ms %.3f\n", max_lat * 1e3);
	printf("bench: gc_max_lock_hold_ms %.3f\n", st.max_pause_ns / 1e6);
	printf("bench: gc_max_mutator_wait_ms %.3f\n", st.max_wait_ns / 1e6);
	printf("bench: gc_pause_mutator_ioctls %lu\n", nlat);
	printf("# lock holds <10us <100us <1ms <10ms <100ms <1s <10s more:");
	for (i = 0; i < REFSLAB_GC_PAUSE_BUCKETS; i++)
		printf(" %llu", (unsigned long long)st.pauses[i]);
	printf("\n");
	close(fd);
	return 0;
}
