/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the userspace test programs (header only: every .c in
 * tests/user is one test program, and every one includes this first).
 * cmocka with TAP output; one group per program so prove sees one plan;
 * a case the kernel cannot run is left out with rs_leave_out(), never by
 * cmocka's private API.  The device (open_heap, open_dev), debugfs (one
 * parser: rsdbg.h) and the figures every program checks are here.
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
#include <glob.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <cmocka.h>
#include "refslab.h"
/*
 * The tests that drive the ioctls only through their own wrappers (test_gc
 * names them as librefslab does) define RS_TEST_RAW before including this:
 * they get the harness without librefslab.
 */
#ifndef RS_TEST_RAW
#include "librefslab.h"
#endif
#include "rsdbg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Call first in main().  REFSLAB_TEST_FILTER (a cmocka pattern: * and ?)
 * runs only the cases whose names match (make check-grown).
 */
static inline void rs_test_init(void)
{
	const char *filter = getenv("REFSLAB_TEST_FILTER");

	setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 1);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/*
 * Leave the case named fn out of tests[] (the kernel lacks what it
 * needs), saying why in a TAP comment.  cmocka leaves an entry with no
 * functions out of its plan, so the plan counts only the cases that run
 * and the array keeps its size (cmocka_run_group_tests takes it whole).
 * A name not in tests[] stops the program: a typo must not hide a case.
 *	rs_leave_out(tests, test_quarantine, "no KASAN quarantine");
 */
#define rs_leave_out(tests, fn, ...) \
	rs_leave_out_((tests), ARRAY_SIZE(tests), #fn, __VA_ARGS__)

__attribute__((format(printf, 4, 5)))
static inline void rs_leave_out_(struct CMUnitTest *tests, size_t n,
				 const char *name, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	for (i = 0; i < n; i++)
		if (tests[i].name && !strcmp(tests[i].name, name))
			break;
	if (i == n) {
		printf("Bail out! rs_leave_out: no case %s\n", name);
		exit(1);
	}
	printf("# %s not run: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	memset(&tests[i], 0, sizeof(tests[i]));
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

/*
 * The device opened raw, for the tests of the ioctls below librefslab:
 * the descriptor, or -1 with errno set (a worker thread reports it).
 */
static inline int rs_open_dev(void)
{
	return open(REFSLAB_DEVICE, O_RDWR | O_CLOEXEC);
}

/* The same; fails the test if the device cannot be opened. */
static inline int open_dev(void)
{
	int fd = rs_open_dev();

	if (fd < 0)
		fail_msg("open %s: %s", REFSLAB_DEVICE, strerror(errno));
	return fd;
}

static inline unsigned int header_bytes(int fd)
{
	struct refslab_version v;

	memset(&v, 0, sizeof(v));
	assert_int_equal(ioctl(fd, REFSLAB_IOC_VERSION, &v), 0);
	return v.header_bytes;
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

#define assert_errno(expr, err) assert_int_equal((expr), -(err))
#define assert_ok(expr) assert_int_equal((expr), 0)

#ifndef RS_TEST_RAW
/* ---- through librefslab ---- */

/* A heap; fails the test if the device cannot be opened. */
static inline refslab_heap *open_heap(void)
{
	refslab_heap *h = NULL;
	int err = refslab_open(&h);

	if (err)
		fail_msg("open %s: %s", REFSLAB_DEVICE, strerror(-err));
	return h;
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

/* Turn automatic collection off so counts are not moved under the test. */
static inline void gc_off(refslab_heap *h)
{
	assert_ok(refslab_gc_set_enabled(h, false));
}

#endif /* RS_TEST_RAW */

/* A path under refslab's debugfs directory (rsdbg_root()), printf-style. */
__attribute__((format(printf, 3, 4)))
static inline char *dbg_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s/", rsdbg_root());

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

/*
 * Directories of named caches called @name under debugfs caches/:
 * "<name>@<id>", the id unique while the module is loaded.  Returns how
 * many; the first in @out.
 */
static inline int named_dirs(const char *name, char *out, size_t len)
{
	char pat[256];
	glob_t g;
	size_t i;
	int n;

	dbg_path(pat, sizeof(pat), "caches/%s@*", name);
	if (glob(pat, 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		const char *id = strrchr(g.gl_pathv[i], '@') + 1;

		/* nothing but the id after the '@' */
		assert_true(*id && strspn(id, "0123456789") == strlen(id));
	}
	if (out)
		snprintf(out, len, "%s", strrchr(g.gl_pathv[0], '/') + 1);
	n = (int)g.gl_pathc;
	globfree(&g);
	return n;
}

/* The one directory of this process's named cache @name. */
static inline void named_dir(const char *name, char *out, size_t len)
{
	assert_int_equal(named_dirs(name, out, len), 1);
}

/* First number of a cache's counter file ("<sum> C0=n ..."). */
static inline unsigned long long counter(const char *cache, const char *file)
{
	char path[256];
	unsigned long long v = ~0ULL;
	FILE *f;

	dbg_path(path, sizeof(path), "caches/%s/%s", cache, file);
	f = fopen(path, "r");
	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	assert_int_equal(fscanf(f, "%llu", &v), 1);
	fclose(f);
	return v;
}

/*
 * debugfs "heaps" (rsdbg_table_parse): sum column `col` over the rows
 * whose pid is `pid` (0: every row).  Returns -1 if the file or the
 * column cannot be read.
 */
static inline long long debugfs_heaps_sum(const char *col, int pid)
{
	struct rsdbg_table t;
	char *text = NULL;
	long long sum = 0;
	int idx, pidx;
	size_t r;

	if (rsdbg_read("heaps", &text, NULL))
		return -1;
	if (rsdbg_table_parse(text, &t)) {
		free(text);
		rsdbg_table_free(&t);
		return -1;
	}
	free(text);
	idx = rsdbg_table_col(&t, col);
	pidx = rsdbg_table_col(&t, "pid");
	for (r = 0; idx >= 0 && r < t.nrows; r++)
		if (!pid || (pidx >= 0 && rsdbg_table_u64(&t, r, pidx) == (uint64_t)pid))
			sum += (long long)rsdbg_table_u64(&t, r, idx);
	rsdbg_table_free(&t);
	return idx < 0 ? -1 : sum;
}

/* Rows of debugfs "heaps" owned by pid; -1 if unreadable. */
static inline int debugfs_heaps_rows(int pid)
{
	struct rsdbg_table t;
	char *text = NULL;
	int n = 0, pidx;
	size_t r;

	if (rsdbg_read("heaps", &text, NULL))
		return -1;
	if (rsdbg_table_parse(text, &t)) {
		free(text);
		rsdbg_table_free(&t);
		return -1;
	}
	free(text);
	pidx = rsdbg_table_col(&t, "pid");
	for (r = 0; pidx >= 0 && r < t.nrows; r++)
		if (rsdbg_table_u64(&t, r, pidx) == (uint64_t)pid)
			n++;
	rsdbg_table_free(&t);
	return pidx < 0 ? -1 : n;
}

/*
 * debugfs "slabinfo" parsed (rsdbg_slabinfo_parse), or the test fails
 * with what did not parse.  Free with rsdbg_slabinfo_free().
 */
static inline void rs_slabinfo(struct rsdbg_slabinfo *si)
{
	char *text = NULL;
	int err = rsdbg_read("slabinfo", &text, NULL);

	if (err)
		fail_msg("read %s/slabinfo: %s", rsdbg_root(), strerror(-err));
	err = rsdbg_slabinfo_parse(text, si);
	free(text);
	if (err)
		fail_msg("%s/slabinfo: %s", rsdbg_root(),
			 err == -EPROTO ? si->why : strerror(-err));
}

/* Sum of slabinfo's active_objs over every refslab cache; -1 if unreadable. */
static inline long long slabinfo_active(void)
{
	struct rsdbg_slabinfo si;
	char *text = NULL;
	long long sum = 0;
	size_t i;

	if (rsdbg_read("slabinfo", &text, NULL))
		return -1;
	if (rsdbg_slabinfo_parse(text, &si))
		si.n = 0;
	free(text);
	for (i = 0; i < si.n; i++)
		sum += (long long)si.rows[i].active_objs;
	i = si.n;
	rsdbg_slabinfo_free(&si);
	return i ? sum : -1;
}

#endif /* RS_TEST_H */
