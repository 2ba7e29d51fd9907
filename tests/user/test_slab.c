// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace test of refslab's slab debugfs views (run as root with the
 * module loaded and debugfs mounted): slabinfo is in the /proc/slabinfo
 * 2.1 format and agrees with the per-cache counters, counters reset when
 * 0 is written, a shrink write gives every page of an empty cache back,
 * two heaps may name a cache alike, a closed heap's caches go away, the
 * fault injection knobs make a create fail with a clean ENOMEM, and (on
 * a KASAN kernel) freed objects wait in the quarantine without counting
 * as live, until a shrink gives them and their pages back.
 * Objects are made through the raw ioctls so the test does not depend on
 * librefslab.  TAP output through cmocka.
 */
#include "rs_test.h"
#include <sys/stat.h>

#define HEADER2	"# name            <active_objs> <num_objs> <objsize> " \
		"<objperslab> <pagesperslab> : tunables <limit> " \
		"<batchcount> <sharedfactor> : slabdata <active_slabs> " \
		"<num_slabs> <sharedavail>\n"

struct slabline {
	char name[64];
	unsigned long active, num, slabs_active, slabs, shared;
	unsigned int objsize, perslab, pages, limit, batch, factor;
};

static unsigned int cache_create(int fd, const char *name, unsigned int size)
{
	struct refslab_cache_create a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.object_size = size;
	assert_int_equal(ioctl(fd, REFSLAB_IOC_CACHE_CREATE, &a), 0);
	assert_int_not_equal(a.cache_id, REFSLAB_GENERAL_CACHE);
	return a.cache_id;
}

static unsigned int obj_create(int fd, unsigned int cache_id,
			       unsigned int payload)
{
	struct refslab_create a;

	memset(&a, 0, sizeof(a));
	a.cache_id = cache_id;
	a.payload_size = payload;
	assert_int_equal(ioctl(fd, REFSLAB_IOC_CREATE, &a), 0);
	return a.handle;
}

static void obj_drop(int fd, unsigned int handle)
{
	struct refslab_drop a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	assert_int_equal(ioctl(fd, REFSLAB_IOC_DROP, &a), 0);
}

static int write_file(const char *cache, const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	dbg_path(path, sizeof(path), "caches/%s/%s", cache, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static int dir_exists(const char *cache)
{
	char path[256];
	struct stat st;

	dbg_path(path, sizeof(path), "caches/%s", cache);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * A heap is freed on its last close, which a collector pass may hold
 * back for a moment: wait up to 5 s for the cache's directory to go.
 */
static int dir_gone(const char *cache)
{
	int i;

	for (i = 0; i < 500 && dir_exists(cache); i++)
		usleep(10000);
	return !dir_exists(cache);
}

/* Parse slabinfo; fills @want's line if present.  Returns lines parsed. */
/*
 * slabinfo through the common parser (rsdbg_slabinfo_parse), with the
 * checks every row must pass; @want's row in @out when listed.  Returns
 * the number of rows.
 */
static int read_slabinfo(const char *want, struct slabline *out, int *found)
{
	struct rsdbg_slabinfo si;
	char *text = NULL, line2[512] = "", *nl;
	size_t i;
	int n;

	*found = 0;
	assert_int_equal(rsdbg_read("slabinfo", &text, NULL), 0);
	nl = strchr(text, '\n');
	assert_non_null(nl);
	snprintf(line2, sizeof(line2), "%.*s", (int)strcspn(nl + 1, "\n") + 1, nl + 1);
	assert_string_equal(line2, HEADER2);
	free(text);
	rs_slabinfo(&si);
	for (i = 0; i < si.n; i++) {
		const struct rsdbg_slab *r = &si.rows[i];
		struct slabline s;

		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "%s", r->name);
		s.active = r->active_objs;
		s.num = r->num_objs;
		s.objsize = r->objsize;
		s.perslab = r->objperslab;
		s.pages = r->pagesperslab;
		s.limit = r->limit;
		s.batch = r->batchcount;
		s.factor = r->sharedfactor;
		s.slabs_active = r->active_slabs;
		s.slabs = r->num_slabs;
		s.shared = r->sharedavail;
		assert_true(s.objsize > 0 && s.perslab > 0 && s.pages > 0);
		assert_true((unsigned long)s.objsize * s.perslab <=
			    (unsigned long)s.pages * 4096);
		/* waste within a slab at most 1/8 for the general classes */
		if (!strncmp(s.name, "rs-", 3))
			assert_true(((unsigned long)s.pages * 4096 -
				     (unsigned long)s.objsize * s.perslab) * 8 <=
				    (unsigned long)s.pages * 4096);
		assert_true(s.num == (unsigned long)s.slabs * s.perslab);
		assert_true(s.slabs_active <= s.slabs);
		if (want && !strcmp(s.name, want)) {
			*out = s;
			*found = 1;
		}
	}
	n = (int)si.n;
	rsdbg_slabinfo_free(&si);
	return n;
}

static void test_slabinfo_format(void **state)
{
	struct slabline s;
	int found;

	(void)state;
	assert_true(read_slabinfo("rs-64", &s, &found) > 10);
	assert_true(found);
	assert_true(s.objsize >= 64);	/* more with slab_debug=1 */
}

static void test_named_cache_counts(void **state)
{
	char cname[32], name[64];
	struct slabline s;
	unsigned int id, hb, h[500];
	int fd, found, i;

	(void)state;
	fd = open_dev();
	hb = header_bytes(fd);
	snprintf(cname, sizeof(cname), "tsl%d", (int)getpid());
	id = cache_create(fd, cname, 200);
	named_dir(cname, name, sizeof(name));
	assert_true(dir_exists(name));
	for (i = 0; i < 500; i++)
		h[i] = obj_create(fd, id, 200 - hb);
	read_slabinfo(name, &s, &found);
	assert_true(found);
	assert_int_equal(s.active, 500);
	assert_true(s.num >= 500);
	assert_int_equal(counter(name, "objects"), 500);
	assert_true(counter(name, "objects_hwm") >= 500);
	assert_int_equal(counter(name, "alloc_fastpath") +
			 counter(name, "alloc_slowpath"), 500);
	assert_int_equal(counter(name, "slabs"), s.slabs);
	assert_int_equal(counter(name, "pages"), s.slabs * s.pages);
	for (i = 0; i < 250; i++)
		obj_drop(fd, h[i]);
	assert_int_equal(counter(name, "objects"), 250);
	assert_int_equal(counter(name, "free_fastpath") +
			 counter(name, "free_slowpath"), 250);
	for (i = 250; i < 500; i++)
		obj_drop(fd, h[i]);
	assert_int_equal(counter(name, "objects"), 0);
	close(fd);
	/* the heap's caches go with it */
	assert_true(dir_gone(name));
}

static void test_counters_reset(void **state)
{
	char cname[32], name[64];
	unsigned int id, hb, h[64];
	int fd, i;

	(void)state;
	fd = open_dev();
	hb = header_bytes(fd);
	snprintf(cname, sizeof(cname), "tsr%d", (int)getpid());
	id = cache_create(fd, cname, 128);
	named_dir(cname, name, sizeof(name));
	for (i = 0; i < 64; i++)
		h[i] = obj_create(fd, id, 128 - hb);
	assert_true(counter(name, "alloc_fastpath") +
		    counter(name, "alloc_slowpath") == 64);
	assert_int_equal(write_file(name, "alloc_fastpath", "0"), 0);
	assert_int_equal(write_file(name, "alloc_slowpath", "0"), 0);
	assert_int_equal(counter(name, "alloc_fastpath"), 0);
	assert_int_equal(counter(name, "alloc_slowpath"), 0);
	/* only 0 resets; gauges are not resettable */
	assert_int_equal(write_file(name, "alloc_fastpath", "5"), -EINVAL);
	assert_int_equal(write_file(name, "objects", "0"), -EPERM);
	assert_int_equal(counter(name, "objects"), 64);
	/*
	 * A high-water mark restarts from the current value, not from 0:
	 * with 64 objects live (and none cached in per-CPU arrays after the
	 * shrink) it restarts at 64, and at the pages those sit in.
	 */
	assert_true(counter(name, "objects_hwm") >= 64);
	assert_true(counter(name, "pages_hwm") > 0);
	assert_int_equal(write_file(name, "shrink", "1"), 0);
	assert_int_equal(write_file(name, "objects_hwm", "0"), 0);
	assert_int_equal(write_file(name, "pages_hwm", "0"), 0);
	assert_int_equal(counter(name, "objects_hwm"), 64);
	assert_true(counter(name, "pages") > 0);
	assert_int_equal(counter(name, "pages_hwm"), counter(name, "pages"));
	for (i = 0; i < 64; i++)
		obj_drop(fd, h[i]);
	assert_int_equal(write_file(name, "shrink", "1"), 0);
	assert_int_equal(write_file(name, "objects_hwm", "0"), 0);
	assert_int_equal(write_file(name, "pages_hwm", "0"), 0);
	assert_int_equal(counter(name, "objects_hwm"), 0);
	assert_int_equal(counter(name, "pages_hwm"), 0);
	close(fd);
}

static void test_shrink_gives_pages_back(void **state)
{
	char cname[32], name[64];
	unsigned int id, hb, *h;
	int fd, i, n = 3000;

	(void)state;
	h = calloc(n, sizeof(*h));
	assert_non_null(h);
	fd = open_dev();
	hb = header_bytes(fd);
	snprintf(cname, sizeof(cname), "tss%d", (int)getpid());
	id = cache_create(fd, cname, 1000);
	named_dir(cname, name, sizeof(name));
	for (i = 0; i < n; i++)
		h[i] = obj_create(fd, id, 1000 - hb);
	assert_true(counter(name, "pages") >= (unsigned long long)n * 1000 / 4096);
	for (i = 0; i < n; i++)
		obj_drop(fd, h[i]);
	assert_int_equal(counter(name, "objects"), 0);
	assert_int_equal(write_file(name, "shrink", "1"), 0);
	assert_int_equal(counter(name, "pages"), 0);
	assert_int_equal(counter(name, "slabs"), 0);
	assert_int_equal(counter(name, "alloc_slab"),
			 counter(name, "free_slab"));
	assert_int_equal(write_file(name, "shrink", "2"), -EINVAL);
	close(fd);
	free(h);
}

static void test_same_name_two_heaps(void **state)
{
	char name[32], first[64], second[64];
	int fd1, fd2;

	(void)state;
	fd1 = open_dev();
	fd2 = open_dev();
	snprintf(name, sizeof(name), "tsn%d", (int)getpid());
	cache_create(fd1, name, 64);
	named_dir(name, first, sizeof(first));
	cache_create(fd2, name, 96);
	assert_int_equal(named_dirs(name, NULL, 0), 2);
	assert_true(dir_exists(first));
	close(fd1);
	assert_true(dir_gone(first));
	named_dir(name, second, sizeof(second));
	assert_string_not_equal(first, second);
	close(fd2);
	assert_true(dir_gone(second));
}

/*
 * Many heaps name a cache alike: each gets its own directory at once
 * (the name costs no search: the id makes it unique), and each goes with
 * its heap.  make bench times 10,000 (cache_create_10k_s).
 */
static void test_same_name_many_heaps(void **state)
{
	enum { N = 200 };
	char name[32];
	int fd[N], i;

	(void)state;
	snprintf(name, sizeof(name), "tsm%d", (int)getpid());
	for (i = 0; i < N; i++) {
		fd[i] = open_dev();
		cache_create(fd[i], name, 64 + 8 * (i % 4));
		assert_int_equal(named_dirs(name, NULL, 0), i + 1);
	}
	for (i = 0; i < N; i++)
		close(fd[i]);
	for (i = 0; i < 500 && named_dirs(name, NULL, 0); i++)
		usleep(10000);
	assert_int_equal(named_dirs(name, NULL, 0), 0);
}

static struct refslab_heap_stats heap_stats(int fd)
{
	struct refslab_heap_stats s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(ioctl(fd, REFSLAB_IOC_HEAP_STATS, &s), 0);
	return s;
}

/* Nothing of a failed create shows in the heap's figures. */
static void assert_same_heap(const struct refslab_heap_stats *a,
			     const struct refslab_heap_stats *b)
{
	assert_int_equal(a->objects, b->objects);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->handles, b->handles);
	assert_int_equal(a->created, b->created);
}

static int create_errno(int fd, unsigned int cache_id, unsigned int nslots,
			unsigned int payload)
{
	struct refslab_create a;

	memset(&a, 0, sizeof(a));
	a.cache_id = cache_id;
	a.nslots = nslots;
	a.payload_size = payload;
	if (ioctl(fd, REFSLAB_IOC_CREATE, &a))
		return errno;
	assert_int_not_equal(a.handle, REFSLAB_NONE);
	return 0;
}

/*
 * The fault injection knobs through the ioctls: an object allocation
 * (fail_alloc, counted down by times) and a slab page allocation
 * (fail_page, in a new named cache that has no slab yet) each fail a
 * create with a clean ENOMEM: the heap's figures do not move, the cache
 * counts the failure, and the next create works once the knob is off.
 */
static void test_fault_injection(void **state)
{
	/* two slots and no payload: the 32-byte class with a 16-byte header */
	const unsigned int nslots = 2, payload = 0;
	char cls[32], fp[64];
	struct refslab_heap_stats before, after;
	unsigned long long failed;
	unsigned int cid, h;
	int fd = open_dev();

	(void)state;
	snprintf(cls, sizeof(cls), "rs-%u", header_bytes(fd) + nslots * 8 + payload);
	assert_true(dir_exists(cls));
	failed = counter(cls, "alloc_failed");

	/* fail_alloc: one failure, then the knob is spent */
	before = heap_stats(fd);
	assert_int_equal(write_file(cls, "fail_alloc/times", "1"), 0);
	assert_int_equal(write_file(cls, "fail_alloc/probability", "100"), 0);
	assert_int_equal(create_errno(fd, REFSLAB_GENERAL_CACHE, nslots, payload), ENOMEM);
	after = heap_stats(fd);
	assert_same_heap(&before, &after);
	assert_int_equal(counter(cls, "alloc_failed"), failed + 1);
	assert_int_equal(create_errno(fd, REFSLAB_GENERAL_CACHE, nslots, payload), 0);
	assert_int_equal(heap_stats(fd).objects, before.objects + 1);
	assert_int_equal(write_file(cls, "fail_alloc/probability", "0"), 0);
	assert_int_equal(write_file(cls, "fail_alloc/times", "4294967295"), 0);

	/* fail_page: a fresh cache must get a slab page for its first object */
	cid = cache_create(fd, "rs-fault-page", 200);
	named_dir("rs-fault-page", fp, sizeof(fp));
	assert_int_equal(counter(fp, "slabs"), 0);
	assert_int_equal(write_file(fp, "fail_page/probability", "100"), 0);
	before = heap_stats(fd);
	assert_int_equal(create_errno(fd, cid, 0, 8), ENOMEM);
	after = heap_stats(fd);
	assert_same_heap(&before, &after);
	assert_int_equal(counter(fp, "slabs"), 0);
	assert_int_equal(counter(fp, "alloc_failed"), 1);
	assert_int_equal(write_file(fp, "fail_page/probability", "0"), 0);
	h = obj_create(fd, cid, 8);
	assert_int_equal(counter(fp, "slabs"), 1);
	obj_drop(fd, h);
	close(fd);
	assert_true(dir_gone(fp));
}

/*
 * KASAN kernels only (main() leaves it out without the per-cache
 * "quarantined" file): dropped objects wait in the quarantine.  They are not live (objects, slabinfo), their
 * frees are counted, they keep their slabs, and a shrink gives it all back.
 */
static void test_quarantine_accounting(void **state)
{
	char cname[32], name[64];
	struct slabline s;
	unsigned int id, hb, h[300];
	unsigned long long q;
	int fd, found, i, n = 300;

	(void)state;
	fd = open_dev();
	hb = header_bytes(fd);
	snprintf(cname, sizeof(cname), "tsq%d", (int)getpid());
	id = cache_create(fd, cname, 256);
	named_dir(cname, name, sizeof(name));
	for (i = 0; i < n; i++)
		h[i] = obj_create(fd, id, 256 - hb);
	assert_int_equal(counter(name, "quarantined"), 0);
	for (i = 0; i < n; i++)
		obj_drop(fd, h[i]);
	assert_int_equal(counter(name, "objects"), 0);
	assert_int_equal(counter(name, "free_fastpath") +
			 counter(name, "free_slowpath"), n);
	q = counter(name, "quarantined");
	assert_true(q > 0 && q <= (unsigned long long)n);
	read_slabinfo(name, &s, &found);
	assert_true(found);
	assert_int_equal(s.active, 0);
	assert_true(counter(name, "pages") > 0);
	assert_int_equal(write_file(name, "shrink", "1"), 0);
	assert_int_equal(counter(name, "quarantined"), 0);
	assert_int_equal(counter(name, "pages"), 0);
	assert_int_equal(counter(name, "alloc_slab"),
			 counter(name, "free_slab"));
	assert_int_equal(counter(name, "free_fastpath") +
			 counter(name, "free_slowpath"), n);
	close(fd);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slabinfo_format),
		cmocka_unit_test(test_named_cache_counts),
		cmocka_unit_test(test_counters_reset),
		cmocka_unit_test(test_shrink_gives_pages_back),
		cmocka_unit_test(test_same_name_two_heaps),
		cmocka_unit_test(test_same_name_many_heaps),
		cmocka_unit_test(test_fault_injection),
		cmocka_unit_test(test_quarantine_accounting),	/* last */
	};
	char path[256];

	rs_test_init();
	if (access(dbg_path(path, sizeof(path), "caches/rs-64/quarantined"), F_OK))
		rs_leave_out(tests, test_quarantine_accounting,
			     "no KASAN quarantine (kernel without KASAN)");
	return cmocka_run_group_tests_name("slab debugfs", tests, NULL, NULL);
}
