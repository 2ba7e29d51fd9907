/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slab self-tests, listed once: RS_SLAB_TEST(name) for each static
 * rs_slab_test_<name>() of slab_test.c.  No include guard: the file that
 * includes it defines RS_SLAB_TEST() first.  slab_test.c makes its table
 * from it (selftest=1), kunit.c its KUnit cases.
 */
RS_SLAB_TEST(classes)
RS_SLAB_TEST(create_destroy)
RS_SLAB_TEST(align)
RS_SLAB_TEST(cross_cpu)
RS_SLAB_TEST(concurrent)
RS_SLAB_TEST(debug)
RS_SLAB_TEST(hardening)
RS_SLAB_TEST(shrink)
RS_SLAB_TEST(fault)
RS_SLAB_TEST(free_bulk)
