// SPDX-License-Identifier: GPL-2.0
/*
 * cache_bench: many named caches of one name.  Each of N heaps (open
 * files of /dev/refslab) creates a cache called "same"; every cache gets
 * its own debugfs directory and slabinfo line.  Picking that name once
 * searched the list of caches for each candidate suffix (O(k*n) per
 * cache); now the cache id makes it unique, so the whole run should take
 * time linear in N.  Prints "bench: <key> <value>" lines:
 *   cache_create_1k_s          1,000 creates (each in its own heap), s
 *   cache_create_10k_s         10,000 creates, s
 *   cache_create_10k_vs_1k     time per create at 10,000 / at 1,000
 *                              (1 when linear, 10 when quadratic)
 *   cache_destroy_10k_s        closing the 10,000 heaps, which destroys
 *                              their caches, s
 * Needs root (RLIMIT_NOFILE is raised to N + 64).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <refslab.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "cache_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Open @n heaps, then time one create of "same" in each; close them all. */
static double run(int n, double *close_s)
{
	struct refslab_cache_create a;
	double t0, t;
	int *fd = calloc(n, sizeof(*fd));
	int i;

	if (!fd)
		die("calloc");
	for (i = 0; i < n; i++) {
		fd[i] = open("/dev/refslab", O_RDWR | O_CLOEXEC);
		if (fd[i] < 0)
			die("open /dev/refslab");
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		strcpy(a.name, "same");
		a.object_size = 64;
		if (ioctl(fd[i], REFSLAB_IOC_CACHE_CREATE, &a))
			die("REFSLAB_IOC_CACHE_CREATE");
	}
	t = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < n; i++)
		close(fd[i]);
	if (close_s)
		*close_s = now_s() - t0;
	free(fd);
	return t;
}

int main(void)
{
	struct rlimit rl = { 10000 + 64, 10000 + 64 };
	double t1k, t10k, c10k;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit RLIMIT_NOFILE");
	run(100, NULL);		/* warm up */
	t1k = run(1000, NULL);
	t10k = run(10000, &c10k);
	printf("bench: cache_create_1k_s %.3f\n", t1k);
	printf("bench: cache_create_10k_s %.3f\n", t10k);
	printf("bench: cache_create_10k_vs_1k %.3f\n", (t10k / 10000) / (t1k / 1000));
	printf("bench: cache_destroy_10k_s %.3f\n", c10k);
	return 0;
}
