/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the userspace test programs (header only: every .c in
 * tests/user is one test program).  cmocka with TAP output; one group per
 * program so prove sees one plan.
 */
#ifndef RS_TEST_H
#define RS_TEST_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <cmocka.h>
#include "librefslab.h"
#include "rsdbg.h"

/* Call first in main(). */
static inline void rs_test_init(void)
{
	setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 1);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * A prerequisite of the test is missing (cgroup2, its memory controller,
 * debugfs, root, a module built as a module).  Inside the VM
 * (REFSLAB_VM set by tests/vm/run) the environment provides all of them,
 * so a missing one is a failure of the environment, reported with the
 * reason.  Elsewhere (make check HOST=1) the test is skipped with the
 * reason; Debian's cmocka 1.1.5 prints a skip as "not ok N # SKIP", which
 * prove counts as a failure, so a host run shows it rather than hiding it.
 */
#define rs_require(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			if (getenv("REFSLAB_VM"))			\
				fail_msg("environment: " __VA_ARGS__);	\
			print_message("# skipped: " __VA_ARGS__);	\
			print_message("\n");				\
			skip();						\
		}							\
	} while (0)

/* A heap; fails the test if the device cannot be opened. */
static inline refslab_heap *open_heap(void)
{
	refslab_heap *h = NULL;
	int err = refslab_open(&h);

	if (err)
		fail_msg("open %s: %s", REFSLAB_DEVICE, strerror(-err));
	return h;
}

/* ioctl with a hand-built number: 0 or -errno. */
static inline int rawioc(int fd, unsigned int dir, unsigned int nr,
			 unsigned int size, void *arg)
{
	if (ioctl(fd, _IOC(dir, REFSLAB_IOC_MAGIC, nr, size), arg) < 0)
		return -errno;
	return 0;
}

static inline int ioc(int fd, unsigned long cmd, void *arg)
{
	if (ioctl(fd, cmd, arg) < 0)
		return -errno;
	return 0;
}

/* A page no access is allowed to: a pointer into it faults. */
static inline void *fault_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static inline uint64_t uptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Create helpers that fail the test on error. */
static inline uint32_t mk(refslab_heap *h, uint32_t slots, uint32_t payload)
{
	uint32_t handle = 0;
	int err = refslab_create(h, slots, payload, REFSLAB_GENERAL_CACHE, &handle);

	if (err)
		fail_msg("create(%u, %u): %s", slots, payload, strerror(-err));
	assert_int_not_equal(handle, REFSLAB_NONE);
	return handle;
}

static inline uint32_t refcount(refslab_heap *h, uint32_t handle)
{
	struct refslab_stat st;
	int err = refslab_stat(h, handle, &st);

	if (err)
		fail_msg("stat(%u): %s", handle, strerror(-err));
	return st.refcount;
}

static inline uint64_t obj_id(refslab_heap *h, uint32_t handle)
{
	struct refslab_stat st;
	int err = refslab_stat(h, handle, &st);

	if (err)
		fail_msg("stat(%u): %s", handle, strerror(-err));
	return st.id;
}

static inline struct refslab_heap_stats hstats(refslab_heap *h)
{
	struct refslab_heap_stats st;
	int err = refslab_heap_stats(h, &st);

	if (err)
		fail_msg("heap stats: %s", strerror(-err));
	return st;
}

/* The figures that must not move when an operation fails. */
static inline void assert_same_use(const struct refslab_heap_stats *a,
				   const struct refslab_heap_stats *b)
{
	assert_int_equal(a->objects, b->objects);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->handles, b->handles);
	assert_int_equal(a->caches, b->caches);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->freed, b->freed);
}

#define assert_errno(expr, err) assert_int_equal((expr), -(err))
#define assert_ok(expr) assert_int_equal((expr), 0)

/* Turn automatic collection off so counts are not moved under the test. */
static inline void gc_off(refslab_heap *h)
{
	assert_ok(refslab_gc_set_enabled(h, false));
}

/*
 * debugfs "heaps": a "# pid objects ..." header, one row per open heap.
 * Sum column `col` over the rows whose pid is `pid` (0: every row).
 * Returns -1 if the file or the column cannot be read.
 */
static inline long long debugfs_heaps_sum(const char *col, int pid)
{
	char *text = NULL, *line, *save = NULL;
	int idx = -1, pidx = -1;
	long long sum = 0;

	if (rsdbg_read("heaps", &text, NULL))
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2 = NULL;
		int i = 0;
		long long val = 0, rowpid = -1;

		if (line[0] == '#') {
			for (tok = strtok_r(line + 1, " \t", &s2); tok;
			     tok = strtok_r(NULL, " \t", &s2), i++) {
				if (!strcmp(tok, col))
					idx = i;
				if (!strcmp(tok, "pid"))
					pidx = i;
			}
			continue;
		}
		if (idx < 0)
			break;
		for (tok = strtok_r(line, " \t", &s2); tok;
		     tok = strtok_r(NULL, " \t", &s2), i++) {
			if (i == idx)
				val = strtoll(tok, NULL, 0);
			if (i == pidx)
				rowpid = strtoll(tok, NULL, 0);
		}
		if (!pid || rowpid == pid)
			sum += val;
	}
	free(text);
	return idx < 0 ? -1 : sum;
}

/* Rows of debugfs "heaps" owned by pid. */
static inline int debugfs_heaps_rows(int pid)
{
	char *text = NULL, *line, *save = NULL;
	int n = 0;

	if (rsdbg_read("heaps", &text, NULL))
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && strtol(line, NULL, 0) == pid)
			n++;
	free(text);
	return n;
}

/* Sum of slabinfo's active_objs over every refslab cache; -1 if unreadable. */
static inline long long slabinfo_active(void)
{
	char *text = NULL, *line, *save = NULL;
	long long sum = 0;
	int rows = 0;

	if (rsdbg_read("slabinfo", &text, NULL))
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long long active;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld", name, &active) == 2) {
			sum += active;
			rows++;
		}
	}
	free(text);
	return rows ? sum : -1;
}

#endif /* RS_TEST_H */
