// SPDX-License-Identifier: GPL-2.0
/*
 * refslab KUnit suites (built only with CONFIG_KUNIT).  KUnit runs a
 * module's suites when it is loaded, before its init function: the slab
 * suite brings the slab allocator up for itself (rs_slab_setup, no
 * debugfs) and down again after.  Each case wraps one self-test of
 * slab_test.c, the same function selftest=1 runs, and expects inside the
 * case that none of its expectations failed; rs_test_fail() prints each
 * failed one ("selftest NAME: expectation failed at line N: COND") just
 * before the case's "not ok".  No locking of its own.
 */
#include <kunit/test.h>
#include "slab.h"
#include "slab_test.h"

static void rs_kunit_run(struct kunit *test, const char *name,
			 void (*fn)(struct rs_test *t))
{
	struct rs_test t = { .name = name };

	fn(&t);
	KUNIT_EXPECT_EQ_MSG(test, t.failures, 0,
			    "%d expectation(s) of selftest %s failed, each printed above with its line",
			    t.failures, name);
}

#define RS_KUNIT_CASE(fn)						\
static void rs_kunit_##fn(struct kunit *test)				\
{									\
	rs_kunit_run(test, #fn, rs_slab_test_##fn);			\
}

RS_KUNIT_CASE(classes)
RS_KUNIT_CASE(create_destroy)
RS_KUNIT_CASE(align)
RS_KUNIT_CASE(cross_cpu)
RS_KUNIT_CASE(concurrent)
RS_KUNIT_CASE(debug)
RS_KUNIT_CASE(hardening)
RS_KUNIT_CASE(shrink)
RS_KUNIT_CASE(fault)
RS_KUNIT_CASE(free_bulk)

static struct kunit_case rs_slab_cases[] = {
	KUNIT_CASE(rs_kunit_classes),
	KUNIT_CASE(rs_kunit_create_destroy),
	KUNIT_CASE(rs_kunit_align),
	KUNIT_CASE(rs_kunit_cross_cpu),
	KUNIT_CASE(rs_kunit_concurrent),
	KUNIT_CASE(rs_kunit_debug),
	KUNIT_CASE(rs_kunit_hardening),
	KUNIT_CASE(rs_kunit_shrink),
	KUNIT_CASE(rs_kunit_fault),
	KUNIT_CASE(rs_kunit_free_bulk),
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
