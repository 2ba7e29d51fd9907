// SPDX-License-Identifier: GPL-2.0
/*
 * refslab KUnit suites (built only with CONFIG_KUNIT).  KUnit runs a
 * module's suites when it is loaded, before its init function: the slab
 * suite brings the slab allocator up for itself (rs_slab_setup, no
 * debugfs) and down again after.  Each case is one self-test of
 * slab_test.c, the same function selftest=1 runs, from the one list of
 * them (slab_test_list.h); each of its expectations that fails is a KUnit
 * expectation failure of the case (rs_test_fail()), with the line and
 * the condition.  No locking of its own.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include "slab.h"
#include "slab_test.h"

/* Run the self-test @name (slab_test.c's table) as the case @test. */
static void rs_kunit_run(struct kunit *test, const char *name)
{
	const struct rs_slab_test *st;
	struct rs_test t = { .name = name, .kunit = test };

	for (st = rs_slab_tests; st->name; st++)
		if (!strcmp(st->name, name))
			break;
	KUNIT_ASSERT_NOT_NULL_MSG(test, st->name, "no self-test %s", name);
	st->fn(&t);
}

#define RS_SLAB_TEST(fn)						\
static void rs_kunit_##fn(struct kunit *test)				\
{									\
	rs_kunit_run(test, #fn);					\
}

#include "slab_test_list.h"
#undef RS_SLAB_TEST

static struct kunit_case rs_slab_cases[] = {
#define RS_SLAB_TEST(fn) KUNIT_CASE(rs_kunit_##fn),
#include "slab_test_list.h"
#undef RS_SLAB_TEST
	{}
};

static bool rs_kunit_own_slab;

static int rs_kunit_slab_init(struct kunit_suite *suite)
{
	int err;

	if (rs_slab_ready())
		return 0;
	err = rs_slab_setup(NULL);
	if (!err)
		rs_kunit_own_slab = true;
	return err;
}

static void rs_kunit_slab_exit(struct kunit_suite *suite)
{
	if (rs_kunit_own_slab) {
		rs_slab_exit();
		rs_kunit_own_slab = false;
	}
}

static struct kunit_suite rs_slab_suite = {
	.name = "refslab-slab",
	.suite_init = rs_kunit_slab_init,
	.suite_exit = rs_kunit_slab_exit,
	.test_cases = rs_slab_cases,
};

kunit_test_suites(&rs_slab_suite);
