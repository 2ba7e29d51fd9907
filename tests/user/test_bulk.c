// SPDX-License-Identifier: GPL-2.0
/*
 * test_bulk: REFSLAB_IOC_CREATE_N, DROP_N and SET_SLOTS (uapi minor 2).
 *
 * Each command's success path (one object, a chunk, several chunks, the
 * maximum), every errno its header documents but ENOMEM (which needs the
 * kernel or a cgroup out of memory: test_cgroup covers the charge paths
 * these share with CREATE), and all-or-nothing: a limit reached in a later
 * chunk of CREATE_N, a handles[] that faults on its second page, a bad or
 * repeated handle in DROP_N, a bad triple after good ones in SET_SLOTS;
 * after each, the heap's figures are as before and no handle is usable.
 *
 * test_bulk_under_collection: the write barrier sees the references bulk
 * calls make.  A collection is stopped (debugfs gc_step, gc_slice_budget
 * 1, gc_verify on; tests/user/rs_step.h) at each of its points in turn;
 * there SET_SLOTS moves the only path to an object into an object the
 * collector may already have scanned, and DROP_N drops the old path.  The
 * object must survive with the exact refcount, and the garbage cycle
 * beside it must be freed.  Without the barrier (rs_gc_touch() doing
 * nothing) the object is freed at the points after the collector
 * blackened its new holder: the count of objects left, and gc_verify,
 * fail there.
 */
#include "rs_test.h"
#include "rs_step.h"

#define PAGE		4096

/* Every figure of the heap, as HEAP_STATS gives them. */
static void assert_same_stats(const struct refslab_heap_stats *a,
			      const struct refslab_heap_stats *b)
{
	assert_same_use(a, b);
	assert_int_equal(a->incref, b->incref);
	assert_int_equal(a->decref, b->decref);
}

/* No handle in [1, n] is usable. */
static void assert_no_handles(refslab_heap *h, uint32_t n)
{
	struct refslab_stat st;
	uint32_t i;

	for (i = 1; i <= n; i++)
		assert_errno(refslab_stat(h, i, &st), ENOENT);
}

static int create_n_raw(refslab_heap *h, struct refslab_create_n *c)
{
	return ioc(refslab_fd(h), REFSLAB_IOC_CREATE_N, c);
}

static void test_bulk_version(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_version v;

	(void)state;
	assert_ok(refslab_version(h, &v));
	assert_true(v.minor >= 2);
	assert_true(v.features & REFSLAB_FEAT_BULK);
	refslab_close(h);
}

/* 1, a chunk, several chunks with a remainder, the maximum. */
static void test_create_n_drop_n(void **state)
{
	static const uint32_t counts[] = { 1, 64, 65, 200, REFSLAB_BULK_MAX };
	uint32_t *hd = calloc(REFSLAB_BULK_MAX, sizeof(*hd));
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;
	struct refslab_stat s;
	unsigned int k;
	uint32_t i;

	(void)state;
	assert_non_null(hd);
	gc_off(h);
	st0 = hstats(h);
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		uint32_t n = counts[k];

		memset(hd, 0xff, REFSLAB_BULK_MAX * sizeof(*hd));
		assert_ok(refslab_create_n(h, 3, 40, 0, hd, n));
		st = hstats(h);
		assert_int_equal(st.objects, n);
		assert_int_equal(st.handles, n);
		assert_int_equal(st.created, st0.created + n);
		for (i = 0; i < n; i++) {
			/* a fresh heap: numbers from 1, lowest first */
			assert_int_equal(hd[i], i + 1);
			assert_ok(refslab_stat(h, hd[i], &s));
			assert_int_equal(s.refcount, 1);
			assert_int_equal(s.nslots, 3);
			assert_int_equal(s.payload_size, 40);
		}
		if (n < REFSLAB_BULK_MAX)	/* nothing past count */
			assert_int_equal(hd[n], 0xffffffffu);
		/* the payload is zeroed, the slots empty */
		{
			uint8_t buf[40], zero[40] = { 0 };
			uint32_t t;

			assert_ok(refslab_read(h, hd[n - 1], 0, buf, sizeof(buf)));
			assert_memory_equal(buf, zero, sizeof(buf));
			assert_ok(refslab_get_slot(h, hd[0], 2, &t));
			assert_int_equal(t, REFSLAB_NONE);
		}
		assert_ok(refslab_drop_n(h, hd, n));
		st = hstats(h);
		assert_int_equal(st.objects, 0);
		assert_int_equal(st.handles, 0);
		assert_int_equal(st.freed, st0.freed + n);
		assert_no_handles(h, n < 8 ? n : 8);
		st0 = st;
	}
	free(hd);
	refslab_close(h);
}

/* Named caches: the objects come from it; too small or unknown fails. */
static void test_create_n_named(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0;
	struct refslab_stat s;
	uint32_t hd[70], scratch[3], id;

	(void)state;
	gc_off(h);
	assert_ok(refslab_cache_create(h, "bulk", 64, 0, &id));
	assert_ok(refslab_create_n(h, 2, 16, id, hd, 70));
	assert_ok(refslab_stat(h, hd[69], &s));
	assert_int_equal(s.cache_id, id);
	/* the cache is pinned by its objects */
	assert_errno(refslab_cache_destroy(h, id), EBUSY);
	st0 = hstats(h);
	/* handles[] is output only: failed calls may write it */
	assert_errno(refslab_create_n(h, 0, 64, id, scratch, 3), EINVAL);
	assert_errno(refslab_create_n(h, 0, 0, id + 1, scratch, 3), ENOENT);
	assert_errno(refslab_create_n(h, 0, 0, 65, scratch, 3), ENOENT);
	{
		struct refslab_heap_stats st = hstats(h);

		assert_same_stats(&st0, &st);
	}
	assert_ok(refslab_drop_n(h, hd, 70));
	/* no pin is left behind by the failed calls */
	assert_ok(refslab_cache_destroy(h, id));
	refslab_close(h);
}

static void test_create_n_einval(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;
	uint32_t hd[8];
	struct refslab_create_n c;

	(void)state;
	gc_off(h);
	st0 = hstats(h);
#define TRY(field, value)						\
	do {								\
		memset(&c, 0, sizeof(c));				\
		c.handles = uptr(hd);					\
		c.count = 4;						\
		c.field = (value);					\
		assert_errno(create_n_raw(h, &c), EINVAL);		\
	} while (0)
	TRY(flags, 1);
	TRY(__pad, 1);
	TRY(count, 0);
	TRY(count, REFSLAB_BULK_MAX + 1);
	TRY(nslots, REFSLAB_MAX_SLOTS + 1);
	TRY(payload_size, REFSLAB_MAX_PAYLOAD + 1);
#undef TRY
	st = hstats(h);
	assert_same_stats(&st0, &st);
	assert_no_handles(h, 8);
	refslab_close(h);
}

/*
 * EDQUOT in a later chunk: 100 objects allowed, 10 alive, 150 asked: the
 * first chunk of 64 goes in, the second stops at the limit.  Nothing is
 * left, the figures are as before; then each limit alone.
 */
static void test_create_n_edquot(void **state)
{
	uint32_t hd[150], mine[10], i;
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;

	(void)state;
	gc_off(h);
	assert_ok(refslab_create_n(h, 0, 0, 0, mine, 10));
	assert_ok(refslab_set_limits(h, 100, 0, 0, 0));
	st0 = hstats(h);
	assert_errno(refslab_create_n(h, 0, 0, 0, hd, 150), EDQUOT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	for (i = 11; i <= 160; i++)
		assert_errno(refslab_stat(h, i, &(struct refslab_stat){ 0 }), ENOENT);
	/* exactly up to the limit works */
	assert_ok(refslab_create_n(h, 0, 0, 0, hd, 90));
	assert_errno(refslab_create_n(h, 0, 0, 0, mine, 1), EDQUOT);
	assert_ok(refslab_drop_n(h, hd, 90));

	/* handles limit, then bytes limit */
	assert_ok(refslab_set_limits(h, 1000, 0, 50, 0));
	st0 = hstats(h);
	assert_errno(refslab_create_n(h, 0, 0, 0, hd, 41), EDQUOT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	assert_ok(refslab_set_limits(h, 1000, st0.bytes + 16 * 100, 1000, 0));
	st0 = hstats(h);
	assert_errno(refslab_create_n(h, 0, 0, 0, hd, 101), EDQUOT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	refslab_close(h);
}

/*
 * handles[] faults: NULL, a read-only array, and an array whose second
 * page is not mapped (the first 1024 handles fit, the rest do not).
 * EFAULT, and nothing happened.
 */
static void test_create_n_efault(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;
	char *two;
	uint32_t *hd;

	(void)state;
	gc_off(h);
	two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(two != MAP_FAILED);
	assert_ok(mprotect(two + PAGE, PAGE, PROT_NONE));
	st0 = hstats(h);
	assert_errno(refslab_create_n(h, 0, 0, 0, NULL, 4), EFAULT);
	hd = (uint32_t *)two;
	assert_errno(refslab_create_n(h, 0, 8, 0, hd, 2000), EFAULT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	assert_no_handles(h, 2000);
	assert_ok(mprotect(two, PAGE, PROT_READ));
	assert_errno(refslab_create_n(h, 0, 8, 0, hd, 4), EFAULT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	assert_no_handles(h, 8);
	/* the page is written before anything is made; once it can be, fine */
	assert_ok(mprotect(two, 2 * PAGE, PROT_READ | PROT_WRITE));
	assert_ok(refslab_create_n(h, 0, 8, 0, hd, 2000));
	assert_int_equal(hd[1999], 2000);
	assert_ok(refslab_drop_n(h, hd, 2000));
	munmap(two, 2 * PAGE);
	refslab_close(h);
}

/*
 * A handles[] page that is mapped but not yet touched (the fault-free write
 * under the lock cannot fill it): the handles still arrive.
 */
static void test_create_n_fresh_pages(void **state)
{
	refslab_heap *h = open_heap();
	size_t bytes = REFSLAB_BULK_MAX * sizeof(uint32_t);
	uint32_t *hd, i;

	(void)state;
	gc_off(h);
	hd = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hd != MAP_FAILED);
	assert_ok(refslab_create_n(h, 1, 0, 0, hd, REFSLAB_BULK_MAX));
	for (i = 0; i < REFSLAB_BULK_MAX; i++)
		assert_int_equal(refcount(h, hd[i]), 1);
	assert_ok(refslab_drop_n(h, hd, REFSLAB_BULK_MAX));
	munmap(hd, bytes);
	refslab_close(h);
}

static void test_drop_n_errors(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;
	struct refslab_drop_n d;
	uint32_t hd[300], bad[3], i;

	(void)state;
	gc_off(h);
	assert_ok(refslab_create_n(h, 0, 0, 0, hd, 300));
	st0 = hstats(h);
	/* a bad handle at the end of a long array: nothing dropped */
	memcpy(bad, hd, sizeof(bad));
	hd[299] = 9999;
	assert_errno(refslab_drop_n(h, hd, 300), ENOENT);
	hd[299] = 300;
	hd[150] = REFSLAB_NONE;
	assert_errno(refslab_drop_n(h, hd, 300), ENOENT);
	hd[150] = 151;
	/* a handle twice, in another chunk */
	hd[280] = hd[3];
	assert_errno(refslab_drop_n(h, hd, 300), ENOENT);
	hd[280] = 281;
	/* twice in a row */
	bad[1] = bad[0];
	assert_errno(refslab_drop_n(h, bad, 3), ENOENT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	for (i = 0; i < 300; i++)
		assert_int_equal(refcount(h, hd[i]), 1);
	/* EINVAL and EFAULT */
	assert_errno(refslab_drop_n(h, hd, 0), EINVAL);
	assert_errno(refslab_drop_n(h, hd, REFSLAB_BULK_MAX + 1), EINVAL);
	memset(&d, 0, sizeof(d));
	d.handles = uptr(hd);
	d.count = 1;
	d.flags = 1;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_DROP_N, &d), EINVAL);
	assert_errno(refslab_drop_n(h, fault_page(), 2), EFAULT);
	assert_errno(refslab_drop_n(h, NULL, 2), EFAULT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	/* an object with two handles: both dropped, it dies once */
	assert_ok(refslab_dup(h, hd[0], &bad[0]));
	bad[1] = hd[0];
	assert_ok(refslab_drop_n(h, bad, 2));
	assert_ok(refslab_drop_n(h, hd + 1, 299));
	st = hstats(h);
	assert_int_equal(st.objects, 0);
	assert_int_equal(st.handles, 0);
	refslab_close(h);
}

static void test_set_slots(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_slot_set ss[5];
	uint32_t hd[4], t;

	(void)state;
	gc_off(h);
	assert_ok(refslab_create_n(h, 2, 0, 0, hd, 4));
	/* a chain 0 -> 1 -> 2 -> 3, then slot 1 of 0 set twice: last wins */
	ss[0] = (struct refslab_slot_set){ hd[0], 0, hd[1], 0 };
	ss[1] = (struct refslab_slot_set){ hd[1], 0, hd[2], 0 };
	ss[2] = (struct refslab_slot_set){ hd[2], 0, hd[3], 0 };
	ss[3] = (struct refslab_slot_set){ hd[0], 1, hd[2], 0 };
	ss[4] = (struct refslab_slot_set){ hd[0], 1, hd[3], 0 };
	assert_ok(refslab_set_slots(h, ss, 5));
	assert_ok(refslab_get_slot(h, hd[1], 0, &t));
	assert_int_equal(obj_id(h, t), obj_id(h, hd[2]));
	assert_ok(refslab_drop(h, t));
	assert_int_equal(refcount(h, hd[1]), 2);
	assert_int_equal(refcount(h, hd[2]), 2);
	assert_int_equal(refcount(h, hd[3]), 3);
	/* emptying drops the references; dropping the handles frees all */
	ss[0] = (struct refslab_slot_set){ hd[0], 1, REFSLAB_NONE, 0 };
	assert_ok(refslab_set_slots(h, ss, 1));
	assert_int_equal(refcount(h, hd[3]), 2);
	assert_ok(refslab_drop_n(h, hd + 1, 3));
	assert_int_equal(hstats(h).objects, 4);
	assert_ok(refslab_drop(h, hd[0]));
	assert_int_equal(hstats(h).objects, 0);
	refslab_close(h);
}

/* A bad triple after good ones: nothing changed. */
static void test_set_slots_errors(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats st0, st;
	struct refslab_slot_set ss[3];
	struct refslab_set_slots a;
	uint32_t hd[2], t;

	(void)state;
	gc_off(h);
	assert_ok(refslab_create_n(h, 2, 0, 0, hd, 2));
	st0 = hstats(h);
	ss[0] = (struct refslab_slot_set){ hd[0], 0, hd[1], 0 };
	ss[1] = (struct refslab_slot_set){ hd[1], 0, hd[0], 0 };
#define BAD(hd_, slot_, target_, pad_, err)				\
	do {								\
		ss[2].handle = (hd_);					\
		ss[2].slot = (slot_);					\
		ss[2].target = (target_);				\
		ss[2].__pad = (pad_);					\
		assert_errno(refslab_set_slots(h, ss, 3), err);		\
	} while (0)
	BAD(99, 0, hd[0], 0, ENOENT);
	BAD(hd[0], 0, 99, 0, ENOENT);
	BAD(REFSLAB_NONE, 0, hd[0], 0, ENOENT);
	BAD(hd[0], 2, hd[1], 0, ERANGE);
	BAD(hd[0], 0, hd[1], 1, EINVAL);
#undef BAD
	assert_errno(refslab_set_slots(h, ss, 0), EINVAL);
	assert_errno(refslab_set_slots(h, ss, REFSLAB_BULK_MAX + 1), EINVAL);
	memset(&a, 0, sizeof(a));
	a.triples = uptr(ss);
	a.count = 1;
	a.flags = 1;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_SET_SLOTS, &a), EINVAL);
	assert_errno(refslab_set_slots(h, fault_page(), 1), EFAULT);
	st = hstats(h);
	assert_same_stats(&st0, &st);
	assert_ok(refslab_get_slot(h, hd[0], 0, &t));
	assert_int_equal(t, REFSLAB_NONE);
	assert_int_equal(refcount(h, hd[1]), 1);
	refslab_close(h);
}

/* ---- under a stepped collection ---- */

/* The bulk calls of the case below, made at a stop of the collector. */
struct move {
	refslab_heap *h;
	uint32_t r, x;
	int at;
};

static void do_move(void *arg, int pt)
{
	const struct move *m = arg;
	struct refslab_slot_set ss[2] = {
		{ m->r, 0, REFSLAB_NONE, 0 },
		{ m->x, 0, REFSLAB_NONE, 0 },
	};
	uint32_t y;

	if (pt != m->at)
		return;
	/* R.0 = Y, X.0 = NONE in one call: Y's only path moves to R */
	assert_ok(refslab_get_slot(m->h, m->x, 0, &y));
	ss[0].target = y;
	assert_ok(refslab_set_slots(m->h, ss, 2));
	assert_ok(refslab_drop_n(m->h, &y, 1));
	assert_ok(refslab_drop_n(m->h, &m->x, 1));	/* X dies */
}

/*
 * The case: R and X, two candidates with a handle each (dup + drop made
 * them candidates, R first: the collector takes, and blackens, R before
 * X); X's slot 0 holds Y, which nothing else names, so MARK leaves Y
 * with gc_refs 0; a garbage cycle C <-> D beside.  At point @at of the
 * collection: SET_SLOTS { R.0 = Y, X.0 = NONE }, then DROP_N { x }: Y is
 * reachable only through R, whose slots the collector may have followed
 * already, and X, which led to it, is gone.  Without the write barrier
 * (rs_gc_touch() making R a root again) a point after R is blackened
 * frees Y under R's slot.  Returns the points seen.
 */
static int bulk_case(int at)
{
	struct refslab_slot_set ss[2];
	uint32_t hd[5], r2, x2, t;
	struct move m = { .at = at };
	uint64_t left;
	int points;

	m.h = open_heap();
	gc_off(m.h);
	assert_ok(refslab_create_n(m.h, 2, 8, 0, hd, 5));
	m.r = hd[0];
	m.x = hd[1];
	ss[0] = (struct refslab_slot_set){ m.x, 0, hd[2], 0 };
	ss[1] = (struct refslab_slot_set){ hd[3], 0, hd[4], 0 };
	assert_ok(refslab_set_slots(m.h, ss, 2));
	ss[0] = (struct refslab_slot_set){ hd[4], 0, hd[3], 0 };
	assert_ok(refslab_set_slots(m.h, ss, 1));
	assert_ok(refslab_drop_n(m.h, hd + 2, 3));	/* Y; C <-> D: garbage */
	assert_ok(refslab_dup(m.h, m.r, &r2));
	assert_ok(refslab_drop(m.h, r2));		/* R: a candidate */
	assert_ok(refslab_dup(m.h, m.x, &x2));
	assert_ok(refslab_drop(m.h, x2));		/* X: the next one */

	points = step_collect(m.h, do_move, &m, NULL);
	left = hstats(m.h).objects;
	if (at < 1 || at > points) {	/* no move was made */
		assert_int_equal(left, 3);	/* R, X, Y */
		refslab_close(m.h);
		return points;
	}
	/* before any slot is read: a freed Y would be read through R's */
	if (left != 2)
		fail_msg("move at point %d of %d: %llu objects left, R and Y expected%s",
			 at, points, (unsigned long long)left,
			 left < 2 ? ": a live object was freed" : "");
	assert_ok(refslab_get_slot(m.h, m.r, 0, &t));
	if (t == REFSLAB_NONE)
		fail_msg("point %d: R's slot lost Y", at);
	assert_int_equal(refcount(m.h, t), 2);	/* the slot and t */
	assert_ok(refslab_drop(m.h, t));
	/* and a second collection finds nothing more */
	step_collect(m.h, NULL, NULL, NULL);
	assert_int_equal(hstats(m.h).objects, 2);
	refslab_close(m.h);
	return points;
}

static void test_bulk_under_collection(void **state)
{
	int at, points;

	(void)state;
	rs_require(!access(STEP_FILE, W_OK), "%s: %s", STEP_FILE, strerror(errno));
	step_arm();
	points = bulk_case(0);
	assert_true(points >= 4);
	for (at = 1; at <= points; at++)
		bulk_case(at);
	print_message("# the move made at each of %d points of a collection\n",
		      points);
	step_disarm();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bulk_version),
		cmocka_unit_test(test_create_n_drop_n),
		cmocka_unit_test(test_create_n_named),
		cmocka_unit_test(test_create_n_einval),
		cmocka_unit_test(test_create_n_edquot),
		cmocka_unit_test(test_create_n_efault),
		cmocka_unit_test(test_create_n_fresh_pages),
		cmocka_unit_test(test_drop_n_errors),
		cmocka_unit_test(test_set_slots),
		cmocka_unit_test(test_set_slots_errors),
		cmocka_unit_test(test_bulk_under_collection),
	};

	rs_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
