// SPDX-License-Identifier: GPL-2.0
/*
 * test_objects: every object, cache, limit and batch ioctl through
 * librefslab: the success path with exact refcounts after each step, and
 * each documented error (ENOENT for handles never issued, dropped or
 * another heap's; ERANGE for slots and payload ranges; EINVAL, EEXIST,
 * EBUSY for caches; EDQUOT at limits; EPERM raising a limit without
 * CAP_SYS_RESOURCE) with the heap's figures unchanged by the failure.
 * Automatic collection is turned off in every heap so counts hold still.
 */
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "rs_test.h"

static refslab_heap *heap(void)
{
	refslab_heap *h = open_heap();

	gc_off(h);
	return h;
}

static void test_create(void **state)
{
	refslab_heap *h = heap();
	struct refslab_version v;
	struct refslab_stat st;
	struct refslab_heap_stats hs0 = hstats(h), hs;
	unsigned char buf[REFSLAB_MAX_PAYLOAD];
	static const uint32_t shapes[][2] = {
		{ 0, 0 }, { 1, 0 }, { 0, 1 }, { 2, 16 }, { 7, 100 },
		{ REFSLAB_MAX_SLOTS, 0 }, { 0, REFSLAB_MAX_PAYLOAD },
		{ 3, 4000 },
	};
	uint32_t handles[8];
	size_t i, j;

	(void)state;
	assert_ok(refslab_version(h, &v));
	for (i = 0; i < 8; i++) {
		handles[i] = mk(h, shapes[i][0], shapes[i][1]);
		for (j = 0; j < i; j++)
			assert_int_not_equal(handles[i], handles[j]);
		assert_ok(refslab_stat(h, handles[i], &st));
		assert_int_equal(st.handle, handles[i]);
		assert_int_equal(st.refcount, 1);
		assert_int_equal(st.nslots, shapes[i][0]);
		assert_int_equal(st.payload_size, shapes[i][1]);
		assert_int_equal(st.cache_id, REFSLAB_GENERAL_CACHE);
		assert_int_equal(st.state & REFSLAB_STATE_IMMORTAL, 0);
		assert_true(st.object_size >= v.header_bytes + shapes[i][1]);
		for (j = 0; j < i; j++)
			assert_true(obj_id(h, handles[j]) != st.id);
		/* payload zeroed */
		if (shapes[i][1]) {
			memset(buf, 0xa5, sizeof(buf));
			assert_ok(refslab_read(h, handles[i], 0, buf, shapes[i][1]));
			for (j = 0; j < shapes[i][1]; j++)
				if (buf[j])
					fail_msg("payload byte %zu not zero", j);
		}
		/* slots empty */
		if (shapes[i][0]) {
			uint32_t t = 99;

			assert_ok(refslab_get_slot(h, handles[i], shapes[i][0] - 1, &t));
			assert_int_equal(t, REFSLAB_NONE);
		}
	}
	hs = hstats(h);
	assert_int_equal(hs.objects, hs0.objects + 8);
	assert_int_equal(hs.handles, hs0.handles + 8);
	assert_int_equal(hs.created, hs0.created + 8);
	assert_true(hs.bytes > hs0.bytes);
	/* a payload written, the object dropped, a new one is zeroed again */
	memset(buf, 0x5a, 4000);
	assert_ok(refslab_write(h, handles[7], 0, buf, 4000));
	assert_ok(refslab_drop(h, handles[7]));
	handles[7] = mk(h, 3, 4000);
	assert_ok(refslab_read(h, handles[7], 0, buf, 4000));
	for (j = 0; j < 4000; j++)
		if (buf[j])
			fail_msg("reused object: payload byte %zu not zero", j);
	refslab_close(h);
}

static void test_create_errors(void **state)
{
	refslab_heap *h = heap();
	struct refslab_heap_stats before = hstats(h), after;
	uint32_t hd = 77, cid;

	(void)state;
	assert_errno(refslab_create(h, REFSLAB_MAX_SLOTS + 1, 0, 0, &hd), EINVAL);
	assert_errno(refslab_create(h, UINT32_MAX, 0, 0, &hd), EINVAL);
	assert_errno(refslab_create(h, 0, REFSLAB_MAX_PAYLOAD + 1, 0, &hd), EINVAL);
	assert_errno(refslab_create(h, 0, UINT32_MAX, 0, &hd), EINVAL);
	assert_errno(refslab_create(h, 1, 8, 12345, &hd), ENOENT);
	assert_errno(refslab_create(h, 1, 8, UINT32_MAX, &hd), ENOENT);
	assert_int_equal(hd, 77);
	after = hstats(h);
	assert_same_use(&before, &after);
	/* too big for a named cache */
	assert_ok(refslab_cache_create(h, "small", 32, 0, &cid));
	before = hstats(h);
	assert_errno(refslab_create(h, 0, 64, cid, &hd), EINVAL);
	assert_errno(refslab_create(h, 64, 0, cid, &hd), EINVAL);
	after = hstats(h);
	assert_same_use(&before, &after);
	refslab_close(h);
}

static void test_dup_drop(void **state)
{
	refslab_heap *h = heap();
	uint32_t a = mk(h, 1, 8), b, c, x;
	struct refslab_heap_stats hs0 = hstats(h), hs;

	(void)state;
	assert_ok(refslab_dup(h, a, &b));
	assert_int_not_equal(a, b);
	assert_int_equal(refcount(h, a), 2);
	assert_int_equal(refcount(h, b), 2);
	assert_true(obj_id(h, a) == obj_id(h, b));
	assert_ok(refslab_dup(h, b, &c));
	assert_int_equal(refcount(h, a), 3);
	hs = hstats(h);
	assert_int_equal(hs.handles, hs0.handles + 2);
	assert_int_equal(hs.objects, hs0.objects);
	assert_ok(refslab_drop(h, a));
	assert_int_equal(refcount(h, c), 2);
	/* a is gone as a handle */
	assert_errno(refslab_drop(h, a), ENOENT);
	assert_errno(refslab_dup(h, a, &x), ENOENT);
	{
		struct refslab_stat st;

		assert_errno(refslab_stat(h, a, &st), ENOENT);
	}
	assert_ok(refslab_drop(h, b));
	assert_int_equal(refcount(h, c), 1);
	hs = hstats(h);
	assert_int_equal(hs.objects, hs0.objects);
	assert_ok(refslab_drop(h, c));
	hs = hstats(h);
	assert_int_equal(hs.objects, hs0.objects - 1);
	assert_int_equal(hs.freed, hs0.freed + 1);
	assert_int_equal(hs.handles, hs0.handles - 1);
	/* never issued, NONE */
	assert_errno(refslab_drop(h, REFSLAB_NONE), ENOENT);
	assert_errno(refslab_drop(h, 1000000), ENOENT);
	assert_errno(refslab_drop(h, UINT32_MAX), ENOENT);
	assert_errno(refslab_dup(h, REFSLAB_NONE, &x), ENOENT);
	assert_errno(refslab_dup(h, 999999, &x), ENOENT);
	hs0 = hstats(h);
	assert_int_equal(hs0.objects, 0);
	assert_int_equal(hs0.handles, 0);
	refslab_close(h);
}

static void test_other_heaps_handles(void **state)
{
	refslab_heap *h1 = heap(), *h2 = heap();
	uint32_t a1 = mk(h1, 1, 0), b2, x;
	struct refslab_stat st;
	int i;

	(void)state;
	/* h2 issues handles h1 never did */
	for (i = 0; i < 5; i++)
		b2 = mk(h2, 1, 0);
	assert_true(b2 != a1);
	assert_errno(refslab_stat(h1, b2, &st), ENOENT);
	assert_errno(refslab_dup(h1, b2, &x), ENOENT);
	assert_errno(refslab_drop(h1, b2), ENOENT);
	assert_errno(refslab_set_slot(h1, a1, 0, b2), ENOENT);
	assert_errno(refslab_set_slot(h1, b2, 0, a1), ENOENT);
	assert_errno(refslab_read(h1, b2, 0, &x, 0), ENOENT);
	assert_int_equal(refcount(h1, a1), 1);
	assert_int_equal(refcount(h2, b2), 1);
	assert_int_equal(hstats(h1).objects, 1);
	assert_int_equal(hstats(h2).objects, 5);
	refslab_close(h1);
	/* h2 unaffected by h1's close */
	assert_int_equal(hstats(h2).objects, 5);
	refslab_close(h2);
}

static void test_slots(void **state)
{
	refslab_heap *h = heap();
	uint32_t a = mk(h, 3, 0), b = mk(h, 0, 8), c = mk(h, 1, 0), t = 0;
	struct refslab_heap_stats before, after;

	(void)state;
	assert_ok(refslab_set_slot(h, a, 0, b));
	assert_int_equal(refcount(h, b), 2);
	assert_int_equal(refcount(h, a), 1);
	assert_ok(refslab_set_slot(h, a, 1, b));
	assert_int_equal(refcount(h, b), 3);
	/* overwrite: old target down, new up */
	assert_ok(refslab_set_slot(h, a, 1, c));
	assert_int_equal(refcount(h, b), 2);
	assert_int_equal(refcount(h, c), 2);
	/* same target again: unchanged */
	assert_ok(refslab_set_slot(h, a, 1, c));
	assert_int_equal(refcount(h, c), 2);
	/* get: a new handle, +1 */
	before = hstats(h);
	assert_ok(refslab_get_slot(h, a, 0, &t));
	assert_int_not_equal(t, REFSLAB_NONE);
	assert_int_not_equal(t, b);
	assert_true(obj_id(h, t) == obj_id(h, b));
	assert_int_equal(refcount(h, b), 3);
	after = hstats(h);
	assert_int_equal(after.handles, before.handles + 1);
	assert_ok(refslab_drop(h, t));
	assert_int_equal(refcount(h, b), 2);
	/* get an empty slot: NONE, no handle */
	before = hstats(h);
	t = 55;
	assert_ok(refslab_get_slot(h, a, 2, &t));
	assert_int_equal(t, REFSLAB_NONE);
	after = hstats(h);
	assert_int_equal(after.handles, before.handles);
	/* self reference */
	assert_ok(refslab_set_slot(h, c, 0, c));
	assert_int_equal(refcount(h, c), 3);
	assert_ok(refslab_set_slot(h, c, 0, REFSLAB_NONE));
	assert_int_equal(refcount(h, c), 2);
	/* errors, nothing changes */
	before = hstats(h);
	assert_errno(refslab_set_slot(h, a, 3, b), ERANGE);
	assert_errno(refslab_set_slot(h, a, UINT32_MAX, b), ERANGE);
	assert_errno(refslab_set_slot(h, b, 0, a), ERANGE);	/* no slots */
	assert_errno(refslab_get_slot(h, a, 3, &t), ERANGE);
	assert_errno(refslab_get_slot(h, b, 0, &t), ERANGE);
	assert_errno(refslab_set_slot(h, a, 0, 4242), ENOENT);
	assert_errno(refslab_set_slot(h, 4242, 0, b), ENOENT);
	assert_errno(refslab_get_slot(h, 4242, 0, &t), ENOENT);
	assert_errno(refslab_set_slot(h, REFSLAB_NONE, 0, b), ENOENT);
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_int_equal(refcount(h, a), 1);
	assert_int_equal(refcount(h, b), 2);
	assert_int_equal(refcount(h, c), 2);
	/* unlink everything */
	assert_ok(refslab_set_slot(h, a, 0, REFSLAB_NONE));
	assert_ok(refslab_set_slot(h, a, 1, REFSLAB_NONE));
	assert_int_equal(refcount(h, b), 1);
	assert_int_equal(refcount(h, c), 1);
	refslab_close(h);
}

/* Dropping the root of a chain and a tree frees everything only it held. */
static void test_teardown(void **state)
{
	refslab_heap *h = heap();
	struct refslab_heap_stats hs0 = hstats(h), hs;
	uint32_t root = mk(h, 2, 0), prev = root, x, keep = 0;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		x = mk(h, 2, 8);
		assert_ok(refslab_set_slot(h, prev, 0, x));
		if (i == 100)
			assert_ok(refslab_dup(h, x, &keep));	/* an outside ref */
		if (prev != root)
			assert_ok(refslab_drop(h, prev));
		prev = x;
	}
	assert_ok(refslab_drop(h, prev));
	hs = hstats(h);
	assert_int_equal(hs.objects, hs0.objects + 201);
	assert_int_equal(hs.handles, hs0.handles + 2);
	assert_int_equal(refcount(h, keep), 2);	/* the handle and its parent */
	assert_ok(refslab_drop(h, root));
	hs = hstats(h);
	/* the first 101 (root and chain up to keep's parent) are gone */
	assert_int_equal(hs.objects, hs0.objects + 100);
	assert_int_equal(refcount(h, keep), 1);
	assert_ok(refslab_drop(h, keep));
	hs = hstats(h);
	assert_int_equal(hs.objects, hs0.objects);
	assert_int_equal(hs.freed, hs0.freed + 201);
	assert_int_equal(hs.handles, hs0.handles);
	refslab_close(h);
}

static void test_payload(void **state)
{
	refslab_heap *h = heap();
	uint32_t a = mk(h, 0, 100), z = mk(h, 0, 0);
	unsigned char buf[128], back[128], zero[128] = { 0 };
	struct refslab_heap_stats before, after;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	assert_ok(refslab_write(h, a, 0, buf, 100));
	assert_ok(refslab_read(h, a, 0, back, 100));
	assert_memory_equal(buf, back, 100);
	assert_ok(refslab_write(h, a, 90, "0123456789", 10));	/* ends at the end */
	assert_ok(refslab_read(h, a, 88, back, 12));
	assert_memory_equal(back, buf + 88, 2);
	assert_memory_equal(back + 2, "0123456789", 10);
	assert_ok(refslab_read(h, a, 99, back, 1));
	assert_int_equal(back[0], '9');
	/* out of range: ERANGE, nothing written */
	before = hstats(h);
	assert_errno(refslab_write(h, a, 91, "0123456789", 10), ERANGE);
	assert_errno(refslab_write(h, a, 100, "x", 1), ERANGE);
	assert_errno(refslab_write(h, a, 0, zero, 101), ERANGE);
	assert_errno(refslab_read(h, a, 0, back, 101), ERANGE);
	assert_errno(refslab_read(h, a, 1000, back, 1), ERANGE);
	assert_errno(refslab_read(h, a, UINT64_MAX, back, 2), ERANGE);	/* overflows */
	assert_errno(refslab_write(h, a, UINT64_MAX, zero, 2), ERANGE);
	assert_errno(refslab_write(h, a, 2, zero, UINT64_MAX), ERANGE);
	assert_errno(refslab_read(h, a, 50, back, UINT64_MAX - 10), ERANGE);
	assert_errno(refslab_write(h, a, 1ULL << 32, zero, 1), ERANGE);
	assert_errno(refslab_read(h, z, 0, back, 1), ERANGE);
	assert_errno(refslab_write(h, 4242, 0, zero, 1), ENOENT);
	assert_errno(refslab_read(h, 4242, 0, back, 1), ENOENT);
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_ok(refslab_read(h, a, 0, back, 100));
	assert_memory_equal(back, buf, 88);
	assert_memory_equal(back + 90, "0123456789", 10);
	/* a write whose buffer faults half way changes nothing */
	{
		unsigned char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		assert_true(pg != MAP_FAILED);
		assert_ok(mprotect(pg + 4096, 4096, PROT_NONE));
		memset(pg + 4096 - 50, 'Z', 50);
		assert_errno(refslab_write(h, a, 0, pg + 4096 - 50, 100), EFAULT);
		assert_ok(refslab_read(h, a, 0, back, 100));
		assert_memory_equal(back, buf, 88);
		assert_memory_equal(back + 90, "0123456789", 10);
		/* a read into a faulting buffer: EFAULT */
		assert_errno(refslab_read(h, a, 0, pg + 4096 - 50, 100), EFAULT);
		munmap(pg, 8192);
	}
	assert_int_equal(refcount(h, a), 1);
	refslab_close(h);
}

static void test_stat(void **state)
{
	refslab_heap *h = heap();
	struct refslab_stat st, st2;
	uint32_t a = mk(h, 4, 40), b;

	(void)state;
	assert_ok(refslab_stat(h, a, &st));
	assert_ok(refslab_dup(h, a, &b));
	assert_ok(refslab_stat(h, b, &st2));
	assert_int_equal(st2.handle, b);
	assert_int_equal(st2.refcount, 2);
	assert_true(st.id == st2.id);
	assert_int_equal(st.nslots, st2.nslots);
	assert_int_equal(st.object_size, st2.object_size);
	assert_errno(refslab_stat(h, REFSLAB_NONE, &st), ENOENT);
	assert_errno(refslab_stat(h, 31337, &st), ENOENT);
	assert_ok(refslab_drop(h, b));
	assert_errno(refslab_stat(h, b, &st), ENOENT);
	refslab_close(h);
}

static void test_caches(void **state)
{
	refslab_heap *h = heap();
	struct refslab_cache_info info[4];
	struct refslab_stat st;
	struct refslab_heap_stats before, after;
	uint32_t c1, c2, x, n, a, b;
	static const char *const badnames[] = {
		"", "has space", "a/b", "tab\there", "\xc3\xa9t\xc3\xa9", "semi;colon",
		"caf\xe9", "\xc0", ".", "..",
		"0123456789012345678901234567890",	/* 31: fine, tested below */
	};
	/* The grammar allows a leading dot, dots and dashes anywhere. */
	static const char *const goodnames[] = { ".dot", "...x", "-", "_.-", "Z9" };
	size_t i;

	(void)state;
	assert_ok(refslab_cache_create(h, "nodes-64.v1_a", 64, 0, &c1));
	assert_int_not_equal(c1, REFSLAB_GENERAL_CACHE);
	assert_ok(refslab_cache_create(h, "big", 1000, 64, &c2));
	assert_int_not_equal(c1, c2);
	assert_int_equal(hstats(h).caches, 2);
	a = 0;
	assert_ok(refslab_create(h, 1, 16, c1, &a));
	assert_ok(refslab_stat(h, a, &st));
	assert_int_equal(st.cache_id, c1);
	assert_true(st.object_size >= 64);
	assert_ok(refslab_create(h, 0, 500, c2, &b));
	assert_ok(refslab_cache_list(h, info, 4, &n));
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (info[i].cache_id == c1) {
			assert_string_equal(info[i].name, "nodes-64.v1_a");
			assert_int_equal(info[i].object_size, 64);
			assert_true(info[i].slab_size >= 64);
			assert_int_equal(info[i].objects, 1);
			assert_true(info[i].slabs >= 1);
		} else {
			assert_int_equal(info[i].cache_id, c2);
			assert_int_equal(info[i].align, 64);
			assert_int_equal(info[i].slab_size % 64, 0);
		}
	}
	assert_ok(refslab_cache_lookup(h, "big", &x));
	assert_int_equal(x, c2);
	/* errors */
	before = hstats(h);
	assert_errno(refslab_cache_destroy(h, c1), EBUSY);
	assert_errno(refslab_cache_create(h, "big", 64, 0, &x), EEXIST);
	assert_errno(refslab_cache_destroy(h, 9999), ENOENT);
	assert_errno(refslab_cache_destroy(h, REFSLAB_GENERAL_CACHE), ENOENT);
	for (i = 0; i < 10; i++)
		if (refslab_cache_create(h, badnames[i], 64, 0, &x) != -EINVAL)
			fail_msg("cache name '%s' accepted", badnames[i]);
	assert_errno(refslab_cache_create(h, "sz0", 0, 0, &x), EINVAL);
	assert_errno(refslab_cache_create(h, "al3", 64, 3, &x), EINVAL);
	assert_errno(refslab_cache_create(h, "al_huge", 64, 1U << 20, &x), EINVAL);
	{
		/* 32 characters, no NUL: straight through the ioctl */
		struct refslab_cache_create cc = { .object_size = 64 };

		memset(cc.name, 'n', sizeof(cc.name));
		assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_CREATE, &cc), EINVAL);
	}
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_ok(refslab_cache_create(h, badnames[10], 64, 8, &x));	/* 31 chars */
	assert_ok(refslab_cache_destroy(h, x));
	for (i = 0; i < sizeof(goodnames) / sizeof(goodnames[0]); i++) {
		int err = refslab_cache_create(h, goodnames[i], 64, 0, &x);

		if (err)
			fail_msg("cache name '%s': %s", goodnames[i], strerror(-err));
		assert_ok(refslab_cache_destroy(h, x));
	}
	assert_errno(refslab_cache_destroy(h, x), ENOENT);
	/* empty the cache: destroy works; its id is then unknown */
	assert_ok(refslab_drop(h, a));
	assert_ok(refslab_cache_destroy(h, c1));
	assert_errno(refslab_create(h, 1, 16, c1, &a), ENOENT);
	assert_ok(refslab_cache_list(h, info, 4, &n));
	assert_int_equal(n, 1);
	assert_int_equal(hstats(h).caches, 1);
	/* the name is free again */
	assert_ok(refslab_cache_create(h, "nodes-64.v1_a", 64, 0, &c1));
	/* close with a live object in a named cache: all goes */
	refslab_close(h);
}

static uint64_t default_limit(const char *which)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st = hstats(h);

	refslab_close(h);
	if (!strcmp(which, "objects"))
		return st.max_objects;
	return st.max_handles;
}

static void test_limits(void **state)
{
	refslab_heap *h = heap();
	struct refslab_heap_stats before, after;
	uint32_t a, b, c, x = 0;
	struct refslab_batch_buf bt;
	int i;

	(void)state;
	/* objects */
	assert_ok(refslab_set_limits(h, 3, 0, 0, 0));
	assert_int_equal(hstats(h).max_objects, 3);
	a = mk(h, 2, 0);
	b = mk(h, 2, 0);
	c = mk(h, 2, 0);
	before = hstats(h);
	assert_errno(refslab_create(h, 0, 0, 0, &x), EDQUOT);
	after = hstats(h);
	assert_same_use(&before, &after);
	/* dup and links need no object: fine */
	assert_ok(refslab_dup(h, a, &x));
	assert_ok(refslab_drop(h, x));
	/* batch: each create all-or-nothing */
	refslab_batch_init(&bt);
	assert_ok(refslab_drop(h, c));
	for (i = 0; i < 3; i++)
		refslab_batch_create(&bt, 0, 0, 0);
	assert_errno(refslab_batch_run(h, &bt, REFSLAB_BATCH_CONTINUE), EDQUOT);
	assert_int_equal(bt.done, 3);
	assert_int_equal(refslab_batch_op(&bt, 0)->result, 0);
	assert_int_equal(refslab_batch_op(&bt, 1)->result, -EDQUOT);
	assert_int_equal(refslab_batch_op(&bt, 2)->result, -EDQUOT);
	c = refslab_batch_handle(&bt, 0);
	assert_int_equal(hstats(h).objects, 3);
	refslab_batch_free(&bt);

	/* handles */
	assert_ok(refslab_set_limits(h, 0, 0, 4, 0));
	assert_ok(refslab_dup(h, a, &x));		/* 4 handles */
	before = hstats(h);
	assert_errno(refslab_dup(h, a, &x), EDQUOT);
	assert_ok(refslab_set_slot(h, a, 0, b));
	assert_errno(refslab_get_slot(h, a, 0, &x), EDQUOT);
	assert_int_equal(refcount(h, b), 2);
	after = hstats(h);
	assert_same_use(&before, &after);

	/* lowering below current use is allowed; growth fails */
	assert_ok(refslab_set_limits(h, 1, 0, 2, 0));
	before = hstats(h);
	assert_errno(refslab_create(h, 0, 0, 0, &x), EDQUOT);
	after = hstats(h);
	assert_same_use(&before, &after);
	refslab_close(h);

	/* bytes */
	h = heap();
	a = mk(h, 0, 1000);
	before = hstats(h);
	assert_ok(refslab_set_limits(h, 0, before.bytes + 100, 0, 0));
	assert_errno(refslab_create(h, 0, 4000, 0, &x), EDQUOT);
	after = hstats(h);
	assert_same_use(&before, &after);
	/* caches */
	assert_ok(refslab_set_limits(h, 0, 0, 0, 1));
	assert_ok(refslab_cache_create(h, "one", 64, 0, &x));
	assert_errno(refslab_cache_create(h, "two", 64, 0, &x), EDQUOT);
	assert_int_equal(hstats(h).caches, 1);
	/* 0 leaves a limit unchanged */
	before = hstats(h);
	assert_ok(refslab_set_limits(h, 0, 0, 0, 0));
	after = hstats(h);
	assert_int_equal(before.max_objects, after.max_objects);
	assert_int_equal(before.max_bytes, after.max_bytes);
	assert_int_equal(before.max_handles, after.max_handles);
	assert_int_equal(before.max_caches, after.max_caches);
	refslab_close(h);
}

/* Drop CAP_SYS_RESOURCE from this process (it stays root otherwise, so it
 * can still open the device). */
static int drop_cap_sys_resource(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_SYS_RESOURCE / 32].effective &= ~(1U << (CAP_SYS_RESOURCE % 32));
	data[CAP_SYS_RESOURCE / 32].permitted &= ~(1U << (CAP_SYS_RESOURCE % 32));
	data[CAP_SYS_RESOURCE / 32].inheritable &= ~(1U << (CAP_SYS_RESOURCE % 32));
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int set_max_objects(int fd, uint64_t n)
{
	struct refslab_limits l = { .max_objects = n };

	return ioctl(fd, REFSLAB_IOC_SET_LIMITS, &l) ? -errno : 0;
}

/*
 * Raising a limit above the default needs CAP_SYS_RESOURCE in the
 * credentials the file was opened with, whoever calls: a process without
 * it gets EPERM on its own heap; a descriptor it opened and passed over
 * SCM_RIGHTS to a process that has it still gets EPERM; a descriptor root
 * opened lets the process without it raise.
 */
static void test_limits_eperm(void **state)
{
	uint64_t dflt = default_limit("objects");
	refslab_heap *h = heap();
	int sv[2], fd, status;
	pid_t pid;

	(void)state;
	rs_require(getuid() == 0, "not root: cannot test what root may do");
	rs_require(dflt < UINT64_MAX / 2,
		   "max_objects has no finite default to go above (%llu)",
		   (unsigned long long)dflt);
	assert_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int own;

		if (drop_cap_sys_resource())
			_exit(10);
		own = open(REFSLAB_DEVICE, O_RDWR | O_CLOEXEC);
		if (own < 0)
			_exit(11);
		if (set_max_objects(own, dflt + 1) != -EPERM)	/* above: EPERM */
			_exit(12);
		if (set_max_objects(own, 10) || set_max_objects(own, dflt))
			_exit(13);				/* lower, back: fine */
		/* root opened h: its opener's credentials decide */
		if (set_max_objects(refslab_fd(h), dflt + 2))
			_exit(14);
		if (send_fd(sv[1], own))
			_exit(15);
		_exit(0);
	}
	close(sv[1]);		/* recv_fd() sees the end if the child fails */
	fd = recv_fd(sv[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(hstats(h).max_objects, dflt + 2);
	/* The child's descriptor, in the hands of root: still EPERM. */
	assert_true(fd >= 0);
	assert_errno(set_max_objects(fd, dflt + 1), EPERM);
	assert_ok(set_max_objects(fd, 5));
	close(fd);
	close(sv[0]);
	/* root's own descriptor may raise */
	assert_ok(refslab_set_limits(h, dflt + 3, 0, 0, 0));
	assert_int_equal(hstats(h).max_objects, dflt + 3);
	refslab_close(h);
}

static void test_batch(void **state)
{
	refslab_heap *h = heap();
	struct refslab_batch_buf b;
	struct refslab_heap_stats before, after;
	char out[8] = { 0 };
	uint32_t a = mk(h, 2, 8), n1, n2, n3;
	int i;

	(void)state;
	refslab_batch_init(&b);
	/* all good */
	assert_int_equal(refslab_batch_create(&b, 1, 4, 0), 0);
	assert_int_equal(refslab_batch_dup(&b, a), 1);
	assert_int_equal(refslab_batch_write(&b, a, 2, "wxyz", 4), 2);
	assert_int_equal(refslab_batch_read(&b, a, 0, out, 8), 3);
	assert_int_equal(refslab_batch_set_slot(&b, a, 1, a), 4);
	assert_int_equal(refslab_batch_get_slot(&b, a, 1), 5);
	assert_int_equal(refslab_batch_stat(&b, a), 6);
	assert_ok(refslab_batch_run(h, &b, 0));
	assert_int_equal(b.done, 7);
	for (i = 0; i < 7; i++)
		assert_int_equal(refslab_batch_op(&b, i)->result, 0);
	n1 = refslab_batch_handle(&b, 0);
	n2 = refslab_batch_handle(&b, 1);
	n3 = refslab_batch_handle(&b, 5);
	assert_int_not_equal(n1, REFSLAB_NONE);
	assert_true(obj_id(h, n2) == obj_id(h, a));
	assert_true(obj_id(h, n3) == obj_id(h, a));
	assert_memory_equal(out, "\0\0wxyz\0\0", 8);
	/* stat ran after dup, set_slot, get_slot: 1 + 1 + 1 + 1 */
	assert_int_equal(refslab_batch_op(&b, 6)->args.stat.refcount, 4);
	assert_int_equal(refcount(h, a), 4);
	assert_int_equal(refcount(h, n1), 1);

	/* a failure in the middle, no CONTINUE: stops, later ops untouched */
	refslab_batch_reset(&b);
	refslab_batch_dup(&b, a);
	refslab_batch_drop(&b, 4242);
	refslab_batch_dup(&b, a);
	refslab_batch_op(&b, 2)->result = 777;
	before = hstats(h);
	assert_errno(refslab_batch_run(h, &b, 0), ENOENT);
	assert_int_equal(b.done, 2);
	assert_int_equal(refslab_batch_op(&b, 0)->result, 0);
	assert_int_equal(refslab_batch_op(&b, 1)->result, -ENOENT);
	assert_int_equal(refslab_batch_op(&b, 2)->result, 777);
	after = hstats(h);
	assert_int_equal(after.handles, before.handles + 1);	/* the first dup stays */
	assert_int_equal(refcount(h, a), 5);

	/* same with CONTINUE: all run, first error returned */
	refslab_batch_reset(&b);
	refslab_batch_dup(&b, a);
	refslab_batch_set_slot(&b, a, 9, a);
	refslab_batch_read(&b, a, 7, out, 2);
	refslab_batch_dup(&b, a);
	assert_errno(refslab_batch_run(h, &b, REFSLAB_BATCH_CONTINUE), ERANGE);
	assert_int_equal(b.done, 4);
	assert_int_equal(refslab_batch_op(&b, 0)->result, 0);
	assert_int_equal(refslab_batch_op(&b, 1)->result, -ERANGE);
	assert_int_equal(refslab_batch_op(&b, 2)->result, -ERANGE);
	assert_int_equal(refslab_batch_op(&b, 3)->result, 0);
	assert_int_equal(refcount(h, a), 7);

	/* a batch dropping everything it made */
	refslab_batch_reset(&b);
	for (i = 0; i < 64; i++)
		refslab_batch_create(&b, 0, 8, 0);
	assert_ok(refslab_batch_run(h, &b, 0));
	before = hstats(h);
	{
		uint32_t hs[64];

		for (i = 0; i < 64; i++)
			hs[i] = refslab_batch_handle(&b, i);
		refslab_batch_reset(&b);
		for (i = 0; i < 64; i++)
			refslab_batch_drop(&b, hs[i]);
	}
	assert_ok(refslab_batch_run(h, &b, 0));
	after = hstats(h);
	assert_int_equal(after.objects, before.objects - 64);
	assert_int_equal(after.freed, before.freed + 64);
	refslab_batch_free(&b);
	refslab_close(h);
}

/* Counters: incref/decref move with each operation. */
static void test_counters(void **state)
{
	refslab_heap *h = heap();
	struct refslab_heap_stats s0, s1;
	uint32_t a = mk(h, 1, 0), b;

	(void)state;
	s0 = hstats(h);
	assert_ok(refslab_dup(h, a, &b));
	assert_ok(refslab_set_slot(h, a, 0, a));
	assert_ok(refslab_set_slot(h, a, 0, REFSLAB_NONE));
	assert_ok(refslab_drop(h, b));
	s1 = hstats(h);
	assert_int_equal(s1.incref, s0.incref + 2);
	assert_int_equal(s1.decref, s0.decref + 2);
	refslab_close(h);
}

/* Closing a heap with live objects, links, a cycle and a named cache in
 * use: debugfs shows the heap while open and nothing of it after, and the
 * caches' live objects (slabinfo active_objs) are back where they were. */
static void test_close_debugfs(void **state)
{
	long long active0 = slabinfo_active(), objs0, active1;
	refslab_heap *h;
	uint32_t a, b, cid, x;
	int i;

	(void)state;
	if (active0 < 0)
		fail_msg("cannot read %s/slabinfo", rsdbg_root());
	objs0 = debugfs_heaps_sum("objects", 0);
	assert_true(objs0 >= 0);
	h = heap();
	assert_ok(refslab_cache_create(h, "closing", 96, 0, &cid));
	for (i = 0; i < 50; i++) {
		a = mk(h, 2, 24);
		b = mk(h, 2, 24);
		assert_ok(refslab_set_slot(h, a, 0, b));
		assert_ok(refslab_set_slot(h, b, 0, a));
		assert_ok(refslab_create(h, 1, 8, cid, &x));
		assert_ok(refslab_set_slot(h, a, 1, x));
		if (i % 2) {
			assert_ok(refslab_drop(h, a));	/* leave garbage cycles */
			assert_ok(refslab_drop(h, b));
		}
	}
	assert_int_equal(debugfs_heaps_sum("objects", getpid()), 150);
	assert_int_equal(debugfs_heaps_sum("caches", getpid()), 1);
	active1 = slabinfo_active();
	assert_true(active1 >= active0 + 150);
	refslab_close(h);
	assert_int_equal(debugfs_heaps_rows(getpid()), 0);
	assert_int_equal(debugfs_heaps_sum("objects", 0), objs0);
	assert_int_equal(slabinfo_active(), active0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_dup_drop),
		cmocka_unit_test(test_other_heaps_handles),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_teardown),
		cmocka_unit_test(test_payload),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_caches),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_limits_eperm),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_close_debugfs),
	};

	rs_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
