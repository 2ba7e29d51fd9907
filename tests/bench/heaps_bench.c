// SPDX-License-Identifier: GPL-2.0
/*
 * heaps_bench: what many small heaps cost in memory, where the memory
 * cgroups they are opened in matter (an object's slab pages belong to the
 * cgroup of its heap: module/memcg.c).  Prints "bench: <key> <value>":
 *   heaps_1000x10_pages_root  slab pages the module holds with 1,000 heaps
 *                             of 10 16-byte objects open, made in the
 *                             root cgroup, over what it held before
 *   heaps_1000x10_pages       the same, the heaps made in one non-root
 *                             memory cgroup
 *   heaps_100cg_x10_pages     100 heaps of 10 such objects, each made in
 *                             a memory cgroup of its own
 *   heaps_100cg_x10_kib       memory.current summed over those 100
 *                             cgroups (slabs, caches, heaps, tables)
 * Slab pages are read from <debugfs>/refslab/slabinfo (num_slabs times
 * pagesperslab of every cache).  Needs root, debugfs and cgroup2 with the
 * memory controller (the VM has them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "librefslab.h"

#define SLABINFO	"/sys/kernel/debug/refslab/slabinfo"
#define CG		"/sys/fs/cgroup/refslab-bench"
#define HEAPS		1000
#define OBJS		10
#define CGROUPS		100

static void die(const char *what, int err)
{
	fprintf(stderr, "heaps_bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die(path, errno);
}

static long long get(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f || fscanf(f, "%lld", &v) != 1)
		die(path, errno ? errno : EINVAL);
	fclose(f);
	return v;
}

/* Slab pages of every refslab cache. */
static long slab_pages(void)
{
	char line[512];
	long total = 0, pps, slabs;
	FILE *f = fopen(SLABINFO, "r");

	if (!f)
		die(SLABINFO, errno);
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		/* name active num objsize perslab pagesperslab : tunables
		 * l b s : slabdata active_slabs num_slabs shared */
		if (sscanf(line, "%63s %*u %*u %*u %*u %ld : tunables %*u %*u %*u : slabdata %*u %ld",
			   name, &pps, &slabs) != 3)
			die("slabinfo line", EINVAL);
		total += pps * slabs;
	}
	fclose(f);
	return total;
}

static void join(const char *dir)
{
	char path[300], pid[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d", getpid());
	put(path, pid);
}

static refslab_heap *heap_of_ten(void)
{
	refslab_heap *h;
	uint32_t hd;
	int err, i;

	err = refslab_open(&h);
	if (err)
		die("open", err);
	for (i = 0; i < OBJS; i++) {
		err = refslab_create(h, 0, 0, 0, &hd);
		if (err)
			die("create", err);
	}
	return h;
}

/* Pages held with HEAPS heaps of OBJS objects open, made where we are. */
static long thousand_heaps(void)
{
	static refslab_heap *h[HEAPS];
	long before = slab_pages(), pages;
	int i;

	for (i = 0; i < HEAPS; i++)
		h[i] = heap_of_ten();
	pages = slab_pages() - before;
	for (i = 0; i < HEAPS; i++)
		refslab_close(h[i]);
	return pages;
}

int main(void)
{
	static refslab_heap *h[CGROUPS];
	struct rlimit rl;
	char dir[256];
	long before, pages;
	long long kib = 0;
	int i;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < HEAPS + 64) {
		rl.rlim_cur = rl.rlim_max < HEAPS + 64 ? rl.rlim_max : HEAPS + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	printf("bench: heaps_1000x10_pages_root %ld\n", thousand_heaps());

	put("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(CG, 0755) && errno != EEXIST)
		die(CG, errno);
	put(CG "/cgroup.subtree_control", "+memory");
	if (mkdir(CG "/one", 0755) && errno != EEXIST)
		die(CG "/one", errno);
	join(CG "/one");
	pages = thousand_heaps();
	join("/sys/fs/cgroup");
	printf("bench: heaps_1000x10_pages %ld\n", pages);

	before = slab_pages();
	for (i = 0; i < CGROUPS; i++) {
		snprintf(dir, sizeof(dir), CG "/cg%d", i);
		if (mkdir(dir, 0755) && errno != EEXIST)
			die(dir, errno);
		join(dir);
		h[i] = heap_of_ten();
	}
	join("/sys/fs/cgroup");
	pages = slab_pages() - before;
	for (i = 0; i < CGROUPS; i++) {
		char path[300];

		snprintf(path, sizeof(path), CG "/cg%d/memory.current", i);
		kib += get(path) / 1024;
	}
	printf("bench: heaps_100cg_x10_pages %ld\n", pages);
	printf("bench: heaps_100cg_x10_kib %lld\n", kib);
	for (i = 0; i < CGROUPS; i++) {
		refslab_close(h[i]);
		snprintf(dir, sizeof(dir), CG "/cg%d", i);
		rmdir(dir);
	}
	rmdir(CG "/one");
	rmdir(CG);
	return 0;
}
