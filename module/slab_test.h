/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refslab slab self-tests: the same functions run at load (selftest=1)
 * and as KUnit cases (kunit.c, CONFIG_KUNIT only).
 */
#ifndef REFSLAB_SLAB_TEST_H
#define REFSLAB_SLAB_TEST_H

/**
 * struct rs_test - one running test
 * @name: test name, printed with each failed expectation.
 * @failures: expectations that did not hold.
 */
struct rs_test {
	const char *name;
	int failures;
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

void rs_slab_test_classes(struct rs_test *t);
void rs_slab_test_create_destroy(struct rs_test *t);
void rs_slab_test_align(struct rs_test *t);
void rs_slab_test_cross_cpu(struct rs_test *t);
void rs_slab_test_concurrent(struct rs_test *t);
void rs_slab_test_debug(struct rs_test *t);
void rs_slab_test_hardening(struct rs_test *t);
void rs_slab_test_shrink(struct rs_test *t);
void rs_slab_test_fault(struct rs_test *t);
void rs_slab_test_free_bulk(struct rs_test *t);

#endif /* REFSLAB_SLAB_TEST_H */
