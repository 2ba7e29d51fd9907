// SPDX-License-Identifier: GPL-2.0
/*
 * test_batch_bulk: refslab_batch_run_bulk() (librefslab 0.3), which
 * refslabctl's batch blocks use, gives every operation the result and
 * outputs refslab_batch_run() gives it, and leaves the heap the same.
 *
 * The oracle is the BATCH ioctl itself: the same operations run on two
 * heaps set up alike, one through refslab_batch_run(), the other through
 * refslab_batch_run_bulk(); the ops arrays (results, handles made), done,
 * the return value, every heap figure and every refcount must be equal.
 * The batch mixes runs long enough for a bulk call, short runs and other
 * operations, runs that fail in the middle (a bad or repeated handle, an
 * unknown cache, a limit reached), with and without
 * REFSLAB_BATCH_CONTINUE.  Which calls were made is counted (this program
 * defines ioctl(), so librefslab's calls come through it): with the bulk
 * calls there are CREATE_N, DROP_N and SET_SLOTS calls, and with
 * $REFSLAB_NO_BULK (the library answers -ENOTTY as an older module does)
 * none, everything through BATCH.
 */
#include <sys/syscall.h>
#include "rs_test.h"

#define SETUP	8	/* objects made before the batch: handles 1..8 */

static unsigned int ioctls[256];

/* Every ioctl of this program, librefslab's included, counted by number. */
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (_IOC_TYPE(req) == REFSLAB_IOC_MAGIC)
		ioctls[_IOC_NR(req)]++;
	return syscall(SYS_ioctl, fd, req, arg);
}

static unsigned int calls(unsigned long cmd)
{
	return ioctls[_IOC_NR(cmd)];
}

static void add(int idx)
{
	assert_true(idx >= 0);
}

/* The batch both heaps run; handles 1..SETUP exist, each with 2 slots. */
static void build(struct refslab_batch_buf *b)
{
	int i;

	for (i = 0; i < 6; i++)		/* a bulk run */
		add(refslab_batch_create(b, 1, 8, REFSLAB_GENERAL_CACHE));
	for (i = 0; i < 2; i++)		/* too short: BATCH */
		add(refslab_batch_create(b, 0, 0, REFSLAB_GENERAL_CACHE));
	add(refslab_batch_stat(b, 1));
	add(refslab_batch_set_slot(b, 1, 0, 2));
	add(refslab_batch_set_slot(b, 2, 0, 1));
	add(refslab_batch_set_slot(b, 3, 1, 4));
	add(refslab_batch_set_slot(b, 4, 0, 5));
	add(refslab_batch_set_slot(b, 3, 1, REFSLAB_NONE));
	add(refslab_batch_drop(b, 6));
	add(refslab_batch_drop(b, 7));
	add(refslab_batch_drop(b, 8));
	add(refslab_batch_drop(b, 3));
	for (i = 0; i < 5; i++)		/* handles 3, 6, 7, 8, ... again */
		add(refslab_batch_create(b, 2, 0, REFSLAB_GENERAL_CACHE));
	/* a run that fails in its middle: a bad handle, then a repeat */
	add(refslab_batch_drop(b, 2));
	add(refslab_batch_drop(b, 999));
	add(refslab_batch_drop(b, 2));
	add(refslab_batch_drop(b, 5));
	add(refslab_batch_dup(b, 1));
	for (i = 0; i < 4; i++)		/* an unknown cache */
		add(refslab_batch_create(b, 0, 0, 60));
	add(refslab_batch_set_slot(b, 1, 1, 4));
	add(refslab_batch_set_slot(b, 4, 1, 1));
	add(refslab_batch_set_slot(b, 4, 2, 1));	/* ERANGE */
	add(refslab_batch_set_slot(b, 1, 0, REFSLAB_NONE));
	for (i = 0; i < 8; i++)
		add(refslab_batch_create(b, 0, 16, REFSLAB_GENERAL_CACHE));
	add(refslab_batch_drop(b, 1));
}

static refslab_heap *setup(uint64_t max_objects)
{
	refslab_heap *h = open_heap();
	int i;

	gc_off(h);
	for (i = 1; i <= SETUP; i++)
		assert_int_equal(mk(h, 2, 0), i);
	if (max_objects)
		assert_ok(refslab_set_limits(h, max_objects, 0, 0, 0));
	return h;
}

/* Every refcount of handles below 64, or 0 for no handle. */
static void refcounts(refslab_heap *h, uint32_t *rc)
{
	struct refslab_stat st;
	uint32_t i;

	rc[0] = 0;
	for (i = 1; i < 64; i++)
		rc[i] = refslab_stat(h, i, &st) ? 0 : st.refcount;
}

static void compare(uint32_t flags, uint64_t max_objects, bool no_bulk)
{
	struct refslab_batch_buf a, b;
	struct refslab_heap_stats sa, sb;
	refslab_heap *ha = setup(max_objects), *hb = setup(max_objects);
	uint32_t rca[64], rcb[64], i;
	unsigned int bulk;
	int ea, eb;

	refslab_batch_init(&a);
	refslab_batch_init(&b);
	build(&a);
	build(&b);
	ea = refslab_batch_run(ha, &a, flags);
	if (no_bulk)
		setenv("REFSLAB_NO_BULK", "1", 1);
	memset(ioctls, 0, sizeof(ioctls));
	eb = refslab_batch_run_bulk(hb, &b, flags);
	bulk = calls(REFSLAB_IOC_CREATE_N) + calls(REFSLAB_IOC_DROP_N) +
	       calls(REFSLAB_IOC_SET_SLOTS);
	unsetenv("REFSLAB_NO_BULK");
	print_message("# flags %u, max_objects %llu%s: %d, done %u; %u bulk calls, %u BATCH\n",
		      flags, (unsigned long long)max_objects,
		      no_bulk ? ", REFSLAB_NO_BULK" : "", eb, b.done, bulk,
		      calls(REFSLAB_IOC_BATCH));
	assert_int_not_equal(ea, 0);	/* the batch has failures */
	assert_int_equal(eb, ea);
	assert_int_equal(b.done, a.done);
	assert_int_equal(b.count, a.count);
	for (i = 0; i < a.count; i++) {
		if (memcmp(&a.ops[i], &b.ops[i], sizeof(a.ops[i])))
			fail_msg("op %u (code %u): result %d vs %d, handle %u vs %u",
				 i, a.ops[i].op, a.ops[i].result, b.ops[i].result,
				 refslab_batch_handle(&a, i), refslab_batch_handle(&b, i));
	}
	sa = hstats(ha);
	sb = hstats(hb);
	assert_same_use(&sa, &sb);
	assert_int_equal(sa.incref, sb.incref);
	assert_int_equal(sa.decref, sb.decref);
	refcounts(ha, rca);
	refcounts(hb, rcb);
	assert_memory_equal(rca, rcb, sizeof(rca));
	if (no_bulk)
		assert_int_equal(bulk, 0);
	else if (b.done > 17)	/* past the runs of each kind */
		assert_true(calls(REFSLAB_IOC_CREATE_N) && calls(REFSLAB_IOC_DROP_N) &&
			    calls(REFSLAB_IOC_SET_SLOTS));
	else
		assert_true(bulk > 0);
	refslab_batch_free(&a);
	refslab_batch_free(&b);
	refslab_close(ha);
	refslab_close(hb);
}

static void test_stop_at_failure(void **state)
{
	(void)state;
	compare(0, 0, false);
	compare(0, 0, true);
}

static void test_continue(void **state)
{
	(void)state;
	compare(REFSLAB_BATCH_CONTINUE, 0, false);
	compare(REFSLAB_BATCH_CONTINUE, 0, true);
}

/* A limit reached inside bulk runs (after the 6 + 2 creates, then later). */
static void test_limit_inside_runs(void **state)
{
	(void)state;
	compare(REFSLAB_BATCH_CONTINUE, SETUP + 10, false);
	compare(REFSLAB_BATCH_CONTINUE, SETUP + 18, false);
	compare(0, SETUP + 4, false);
	compare(REFSLAB_BATCH_CONTINUE, SETUP + 10, true);
}

/* All of one bulk run: one call, each op's handle as CREATE_N made it. */
static void test_all_bulk(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_batch_buf b;
	struct refslab_stat st;
	uint32_t i;

	(void)state;
	gc_off(h);
	refslab_batch_init(&b);
	for (i = 0; i < 100; i++)
		add(refslab_batch_create(&b, 3, 5, REFSLAB_GENERAL_CACHE));
	memset(ioctls, 0, sizeof(ioctls));
	assert_ok(refslab_batch_run_bulk(h, &b, 0));
	assert_int_equal(b.done, 100);
	assert_int_equal(calls(REFSLAB_IOC_CREATE_N), 1);
	assert_int_equal(calls(REFSLAB_IOC_BATCH), 0);
	for (i = 0; i < 100; i++) {
		assert_int_equal(b.ops[i].result, 0);
		assert_int_equal(refslab_batch_handle(&b, i), i + 1);
		assert_ok(refslab_stat(h, i + 1, &st));
		assert_int_equal(st.nslots, 3);
	}
	refslab_batch_reset(&b);
	for (i = 0; i < 100; i++)
		add(refslab_batch_drop(&b, i + 1));
	assert_ok(refslab_batch_run_bulk(h, &b, 0));
	assert_int_equal(calls(REFSLAB_IOC_DROP_N), 1);
	assert_int_equal(hstats(h).objects, 0);
	refslab_batch_free(&b);
	refslab_close(h);
}

/* What the kernel refuses as a whole, the library passes on as before. */
static void test_refused_whole(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_batch_buf b;

	(void)state;
	refslab_batch_init(&b);
	assert_errno(refslab_batch_run_bulk(h, &b, 0), EINVAL);
	assert_int_equal(b.done, 0);
	add(refslab_batch_create(&b, 0, 0, REFSLAB_GENERAL_CACHE));
	assert_errno(refslab_batch_run_bulk(h, &b, 0x80), EINVAL);
	assert_int_equal(b.done, 0);
	assert_int_equal(hstats(h).objects, 0);
	refslab_batch_free(&b);
	refslab_close(h);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_at_failure),
		cmocka_unit_test(test_continue),
		cmocka_unit_test(test_limit_inside_runs),
		cmocka_unit_test(test_all_bulk),
		cmocka_unit_test(test_refused_whole),
	};

	rs_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
