/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab slab self-tests: the same functions run at load (selftest=1)
 * and as KUnit cases (kunit.c, CONFIG_KUNIT only).
 */
#ifndef REFSLAB_SLAB_TEST_H
#define REFSLAB_SLAB_TEST_H

struct kunit;

/**
 * struct rs_test - one running test
 * @name: test name, printed with each failed expectation.
 * @failures: expectations that did not hold.
 * @kunit: the KUnit case running it (kunit.c), or NULL at load
 *	(selftest=1): each failed expectation is then a KUnit expectation
 *	failure of that case, reported with the case.
 */
struct rs_test {
	const char *name;
	int failures;
	struct kunit *kunit;
};

void rs_test_fail(struct rs_test *t, int line, const char *what);

#define RS_EXPECT(t, cond)					\
	do {							\
		if (!(cond))					\
			rs_test_fail((t), __LINE__, #cond);	\
	} while (0)

struct rs_slab_test {
	const char *name;
	void (*fn)(struct rs_test *t);
};

/* The slab self-tests, in slab_test_list.h's order; ends with a NULL name. */
extern const struct rs_slab_test rs_slab_tests[];

#endif /* REFSLAB_SLAB_TEST_H */
