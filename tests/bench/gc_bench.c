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
 * Prints "bench: <key> <value>" lines (times in seconds unless named).
 * Usage: gc_bench [N]   (default 1000000)
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

static int heap_open(unsigned long n)
{
	int fd = open(REFSLAB_DEVICE, O_RDWR | O_CLOEXEC);
	struct refslab_limits l = { .max_objects = n + 64,
				    .max_handles = n + 64,
				    .max_bytes = (n + 64) * 128 };
	struct refslab_gc_control c = { .flags = REFSLAB_GC_SET_ENABLED };

	if (fd < 0)
		die(REFSLAB_DEVICE);
	(void)ioctl(fd, REFSLAB_IOC_SET_LIMITS, &l);
	xioctl(fd, REFSLAB_IOC_GC_CONTROL, &c, "gc control");	/* off */
	return fd;
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
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	struct refslab_gc_collect c;
	struct refslab_gc_stats st;
	unsigned long long ebytes = 0, bbytes = 0, nobj = 0;
	double t;
	uint32_t *h;
	unsigned long i;
	int fd, arg[2];
	pthread_t thr;

	setvbuf(stdout, NULL, _IOLBF, 0);

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
