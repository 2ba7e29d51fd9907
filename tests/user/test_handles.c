// SPDX-License-Identifier: GPL-2.0
/*
 * test_handles: when a handle number (or cache id) becomes usable, and
 * what a failed copy-out undoes (uapi/refslab.h: a command that makes a handle writes
 * its result back first; the batch call writes each group of results back
 * before its handles become usable, and a read-only ops array runs
 * nothing).
 *
 * The races are made deterministic with userfaultfd: the kernel's copy
 * blocks in a fault that a second thread of this program handles, and
 * while it is blocked that thread looks at the handle table, creates an
 * object of its own and then makes the copy fail (mprotect), so the test
 * can check that the failed copy took back only what its own call made.
 */
#include "rs_test.h"
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>


#define PAGE 4096

static void *map_page(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* ---- the userfaultfd side ---- */

/*
 * One fault, handled by fault_thread(): it records what a STAT of @probe
 * gives while the kernel is blocked, creates an object of its own on the
 * heap, makes @protect read-only and lets the fault go on.
 */
struct fault_ctx {
	int uffd;
	int fd;			/* the heap */
	char *page;		/* registered page */
	bool wp;		/* write-protect fault, else a missing page */
	void *protect;		/* made read-only before the fault is resolved */
	uint32_t probe;
	bool cache;		/* probe and create a cache, not an object */
	int faults;		/* faults seen (0 or 1) */
	int probe_ret;		/* STAT of @probe while blocked */
	int create_ret;
	uint32_t other;		/* the handle this thread created */
	int resolve_ret;
	pthread_t thread;
};

static int rawfd(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static void *fault_thread(void *arg)
{
	struct fault_ctx *c = arg;
	struct pollfd p = { .fd = c->uffd, .events = POLLIN };
	static char src[PAGE] __attribute__((aligned(PAGE)));
	struct refslab_stat st = { .handle = c->probe };
	struct refslab_create cr = { .payload_size = 8 };
	struct uffd_msg msg;

	if (poll(&p, 1, 20000) != 1)
		return NULL;
	if (read(c->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	c->faults++;
	if (c->cache) {
		struct refslab_cache_destroy cd = { .cache_id = c->probe };
		struct refslab_cache_create cc = { .name = "other", .object_size = 64 };

		c->probe_ret = rawfd(c->fd, REFSLAB_IOC_CACHE_DESTROY, &cd);
		c->create_ret = rawfd(c->fd, REFSLAB_IOC_CACHE_CREATE, &cc);
		c->other = cc.cache_id;
	} else {
		c->probe_ret = rawfd(c->fd, REFSLAB_IOC_STAT, &st);
		c->create_ret = rawfd(c->fd, REFSLAB_IOC_CREATE, &cr);
		c->other = cr.handle;
	}
	if (mprotect(c->protect, PAGE, PROT_READ))
		c->resolve_ret = -errno;
	if (c->wp) {
		struct uffdio_writeprotect w = {
			.range = { .start = uptr(c->page), .len = PAGE },
		};

		if (ioctl(c->uffd, UFFDIO_WRITEPROTECT, &w))
			c->resolve_ret = -errno;
	} else {
		struct uffdio_copy cp = {
			.dst = uptr(c->page), .src = uptr(src), .len = PAGE,
		};

		memset(src, 'u', sizeof(src));
		if (ioctl(c->uffd, UFFDIO_COPY, &cp))
			c->resolve_ret = -errno;
	}
	return NULL;
}

/*
 * @c is zeroed by the caller (or has .cache set).
 * Register @page with a new userfaultfd (missing-page faults, or write
 * protection with @wp) and start the thread that handles its one fault.
 * Skips the test where userfaultfd is not available.
 */
static void fault_start(struct fault_ctx *c, int fd, char *page, bool wp,
			void *protect, uint32_t probe)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = uptr(page), .len = PAGE },
		.mode = wp ? UFFDIO_REGISTER_MODE_WP : UFFDIO_REGISTER_MODE_MISSING,
	};

	c->fd = fd;
	c->page = page;
	c->wp = wp;
	c->protect = protect;
	c->probe = probe;
	c->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (c->uffd < 0) {
		print_message("# userfaultfd: %s\n", strerror(errno));
		skip();
	}
	assert_int_equal(ioctl(c->uffd, UFFDIO_API, &api), 0);
	assert_int_equal(ioctl(c->uffd, UFFDIO_REGISTER, &reg), 0);
	if (wp) {
		struct uffdio_writeprotect w = {
			.range = reg.range, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
		};

		assert_int_equal(ioctl(c->uffd, UFFDIO_WRITEPROTECT, &w), 0);
	}
	assert_int_equal(pthread_create(&c->thread, NULL, fault_thread, c), 0);
}

static void fault_end(struct fault_ctx *c)
{
	assert_int_equal(pthread_join(c->thread, NULL), 0);
	close(c->uffd);
	assert_int_equal(c->resolve_ret, 0);
}

/* ---- single calls ---- */

/*
 * CREATE's copy-out blocks (its argument is write-protected): the number
 * it reserved is not usable by anyone meanwhile, another thread's CREATE
 * gets another number, and when the copy-out fails only the reservation
 * goes; the other thread's handle stays.
 */
static void test_create_copyout_blocked(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	char *page = map_page();
	struct refslab_create *cr = (struct refslab_create *)page;
	struct refslab_heap_stats st;
	struct fault_ctx c = { 0 };

	(void)state;
	gc_off(h);
	memset(cr, 0, sizeof(*cr));
	cr->payload_size = 16;
	/* A fresh heap issues 1 first: the number this CREATE reserves. */
	fault_start(&c, fd, page, true, page, 1);
	assert_errno(ioc(fd, REFSLAB_IOC_CREATE, cr), EFAULT);
	fault_end(&c);

	assert_int_equal(c.faults, 1);
	assert_int_equal(c.probe_ret, -ENOENT);	/* reserved, not usable */
	assert_int_equal(c.create_ret, 0);
	assert_int_equal(c.other, 2);		/* 1 was taken */
	assert_int_equal(refcount(h, c.other), 1);
	assert_errno(refslab_stat(h, 1, &(struct refslab_stat){ 0 }), ENOENT);
	st = hstats(h);
	assert_int_equal(st.objects, 1);
	assert_int_equal(st.handles, 1);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.freed, 1);
	/* The released number is the lowest free one again. */
	assert_int_equal(mk(h, 0, 8), 1);
	munmap(page, PAGE);
	refslab_close(h);
}

/*
 * The same for CACHE_CREATE and its cache id: while the copy-out blocks,
 * another thread cannot destroy the new cache by guessing its id, gets
 * another id for its own cache, and that cache survives the failed call.
 */
static void test_cache_create_copyout_blocked(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	char *page = map_page();
	struct refslab_cache_create *cc = (struct refslab_cache_create *)page;
	struct refslab_cache_info info[4];
	struct fault_ctx c = { .cache = true };
	uint32_t n = 99, x;

	(void)state;
	memset(cc, 0, sizeof(*cc));
	strcpy(cc->name, "mine");
	cc->object_size = 64;
	fault_start(&c, fd, page, true, page, 1);	/* a heap's first cache id */
	assert_errno(ioc(fd, REFSLAB_IOC_CACHE_CREATE, cc), EFAULT);
	fault_end(&c);

	assert_int_equal(c.faults, 1);
	assert_int_equal(c.probe_ret, -ENOENT);	/* reserved, not usable */
	assert_int_equal(c.create_ret, 0);
	assert_int_equal(c.other, 2);
	assert_ok(refslab_cache_list(h, info, 4, &n));
	assert_int_equal(n, 1);
	assert_string_equal(info[0].name, "other");
	assert_int_equal(info[0].cache_id, c.other);
	assert_int_equal(hstats(h).caches, 1);
	/* The name and the id are free again. */
	assert_ok(refslab_cache_create(h, "mine", 64, 0, &x));
	assert_int_equal(x, 1);
	munmap(page, PAGE);
	refslab_close(h);
}

/* DUP and GET_SLOT into a read-only struct: EFAULT, no handle, no ref. */
static void test_copyout_readonly(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	uint32_t a = mk(h, 1, 8), t = mk(h, 0, 8);
	struct refslab_heap_stats before, after;
	char *page = map_page();

	(void)state;
	gc_off(h);
	assert_ok(refslab_set_slot(h, a, 0, t));
	assert_ok(refslab_drop(h, t));
	before = hstats(h);

	memset(page, 0, PAGE);
	((struct refslab_dup *)page)->handle = a;
	assert_ok(mprotect(page, PAGE, PROT_READ));
	assert_errno(ioc(fd, REFSLAB_IOC_DUP, page), EFAULT);
	assert_int_equal(refcount(h, a), 1);

	assert_ok(mprotect(page, PAGE, PROT_READ | PROT_WRITE));
	memset(page, 0, PAGE);
	((struct refslab_slot *)page)->handle = a;
	assert_ok(mprotect(page, PAGE, PROT_READ));
	assert_errno(ioc(fd, REFSLAB_IOC_GET_SLOT, page), EFAULT);

	after = hstats(h);
	assert_same_use(&before, &after);
	assert_int_equal(after.incref, before.incref + 2);
	assert_int_equal(after.decref, before.decref + 2);
	/* The slot's target still has only the slot's reference. */
	{
		struct refslab_slot s = { .handle = a, .slot = 0 };

		assert_ok(ioc(fd, REFSLAB_IOC_GET_SLOT, &s));
		assert_int_equal(refcount(h, s.target), 2);
	}
	munmap(page, PAGE);
	refslab_close(h);
}

/* ---- batch ---- */

static int run_batch(int fd, struct refslab_op *ops, uint32_t n, uint32_t flags,
		     uint32_t *done)
{
	struct refslab_batch b = { .ops = uptr(ops), .count = n, .flags = flags };
	int ret = ioc(fd, REFSLAB_IOC_BATCH, &b);

	*done = b.done;
	return ret;
}

/* A read-only [DROP x]: nothing runs, x stays, done 0. */
static void test_batch_readonly_drop(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	uint32_t x = mk(h, 0, 8), done = 99;
	struct refslab_op *ops = map_page();
	struct refslab_heap_stats before, after;

	(void)state;
	gc_off(h);
	memset(ops, 0, PAGE);
	ops[0].op = REFSLAB_OP_DROP;
	ops[0].args.drop.handle = x;
	assert_ok(mprotect(ops, PAGE, PROT_READ));
	before = hstats(h);
	assert_errno(run_batch(fd, ops, 1, 0, &done), EFAULT);
	assert_int_equal(done, 0);
	assert_int_equal(refcount(h, x), 1);
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_int_equal(after.decref, before.decref);
	munmap(ops, PAGE);
	refslab_close(h);
}

/* A read-only array of creates runs nothing: no object is made and freed. */
static void test_batch_readonly_create(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	struct refslab_op *ops = map_page();
	struct refslab_heap_stats before, after;
	uint32_t done = 99, i;

	(void)state;
	gc_off(h);
	memset(ops, 0, PAGE);
	for (i = 0; i < 20; i++)
		ops[i].op = REFSLAB_OP_CREATE;
	assert_ok(mprotect(ops, PAGE, PROT_READ));
	before = hstats(h);
	assert_errno(run_batch(fd, ops, 20, REFSLAB_BATCH_CONTINUE, &done), EFAULT);
	assert_int_equal(done, 0);
	after = hstats(h);
	assert_same_use(&before, &after);
	munmap(ops, PAGE);
	refslab_close(h);
}

/*
 * The ops array becomes read-only in the middle of a group: [CREATE
 * (reserves h), DROP h, WRITE(own object, buf = a missing page)].  While
 * the WRITE waits for its page, another thread finds h unusable and
 * creates an object of its own; the write-back then fails.  Only the
 * batch's reservation is released: the other thread's handle stays.
 * (Before reservations, DROP h ran, the other thread got h, and the failed
 * write-back dropped h again: the other thread's handle.)
 */
static void test_batch_writeback_fails(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	uint32_t a = mk(h, 0, 8), done = 99, made;
	struct refslab_op *ops = map_page();
	char *buf = map_page(), back[8];
	struct refslab_heap_stats st;
	struct fault_ctx c = { 0 };

	(void)state;
	gc_off(h);
	memset(ops, 0, PAGE);
	made = a + 1;		/* the number the CREATE reserves */
	ops[0].op = REFSLAB_OP_CREATE;
	ops[1].op = REFSLAB_OP_DROP;
	ops[1].args.drop.handle = made;
	ops[2].op = REFSLAB_OP_WRITE;
	ops[2].args.io = (struct refslab_io){ .handle = a, .len = 8, .buf = uptr(buf) };

	fault_start(&c, fd, buf, false, ops, made);
	assert_errno(run_batch(fd, ops, 3, REFSLAB_BATCH_CONTINUE, &done), EFAULT);
	fault_end(&c);

	assert_int_equal(c.faults, 1);
	assert_int_equal(c.probe_ret, -ENOENT);
	assert_int_equal(c.create_ret, 0);
	assert_int_not_equal(c.other, made);
	/* The group ran (done counts it) ... */
	assert_int_equal(done, 3);
	/* ... its results were not written (the array is read-only) ... */
	assert_int_equal(ops[0].args.create.handle, 0);
	assert_int_equal(ops[0].result, 0);
	/* ... the WRITE's effect stands ... */
	assert_ok(refslab_read(h, a, 0, back, sizeof(back)));
	assert_memory_equal(back, "uuuuuuuu", 8);
	/* ... the CREATE's handle was released, the other thread's stays. */
	assert_errno(refslab_stat(h, made, &(struct refslab_stat){ 0 }), ENOENT);
	assert_int_equal(refcount(h, c.other), 1);
	assert_int_equal(refcount(h, a), 1);
	st = hstats(h);
	assert_int_equal(st.objects, 2);
	assert_int_equal(st.handles, 2);
	assert_int_equal(st.created, 3);
	assert_int_equal(st.freed, 1);
	munmap(ops, PAGE);
	munmap(buf, PAGE);
	refslab_close(h);
}

/*
 * The reproducer as filed: the array is read-only from the start
 * and its WRITE's buffer a missing userfaultfd page.  Nothing runs, so the
 * fault is never taken and nothing is created or dropped.
 */
static void test_batch_readonly_with_fault(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	uint32_t a = mk(h, 0, 8), done = 99;
	struct refslab_op *ops = map_page();
	char *buf = map_page();
	struct refslab_heap_stats before, after;
	struct fault_ctx c = { 0 };
	struct refslab_create cr = { 0 };

	(void)state;
	gc_off(h);
	memset(ops, 0, PAGE);
	ops[0].op = REFSLAB_OP_CREATE;
	ops[1].op = REFSLAB_OP_DROP;
	ops[1].args.drop.handle = a + 1;
	ops[2].op = REFSLAB_OP_WRITE;
	ops[2].args.io = (struct refslab_io){ .handle = a, .len = 8, .buf = uptr(buf) };
	assert_ok(mprotect(ops, PAGE, PROT_READ));
	before = hstats(h);
	fault_start(&c, fd, buf, false, ops, a + 1);
	assert_errno(run_batch(fd, ops, 3, 0, &done), EFAULT);
	assert_int_equal(done, 0);
	after = hstats(h);
	assert_same_use(&before, &after);
	/* Let the handler go: touch the page ourselves. */
	*(volatile char *)buf;
	fault_end(&c);
	assert_int_equal(c.faults, 1);
	assert_int_equal(c.create_ret, 0);
	assert_int_equal(c.other, a + 1);
	assert_ok(ioc(fd, REFSLAB_IOC_CREATE, &cr));
	assert_int_equal(cr.handle, a + 2);
	assert_int_equal(refcount(h, a), 1);
	munmap(ops, PAGE);
	munmap(buf, PAGE);
	refslab_close(h);
}

/*
 * Handles a batch makes are usable once their group's results are
 * written back, by any later operation: a DROP in a later group works,
 * one in the same group gets ENOENT.
 */
static void test_batch_handles_usable_after_writeback(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	struct refslab_op ops[12];
	uint32_t done, i;

	(void)state;
	gc_off(h);
	memset(ops, 0, sizeof(ops));
	ops[0].op = REFSLAB_OP_CREATE;		/* handle 1 */
	ops[1].op = REFSLAB_OP_STAT;
	ops[1].args.stat.handle = 1;		/* same group: not yet */
	for (i = 2; i < 11; i++)
		ops[i].op = REFSLAB_OP_CREATE;	/* handles 2..10 */
	ops[11].op = REFSLAB_OP_DROP;
	ops[11].args.drop.handle = 1;		/* a later group: ioctl.c runs 8 */
	assert_errno(run_batch(fd, ops, 12, REFSLAB_BATCH_CONTINUE, &done), ENOENT);
	assert_int_equal(done, 12);
	assert_int_equal(ops[0].args.create.handle, 1);
	assert_int_equal(ops[1].result, -ENOENT);
	assert_int_equal(ops[11].result, 0);
	assert_errno(refslab_stat(h, 1, &(struct refslab_stat){ 0 }), ENOENT);
	assert_int_equal(hstats(h).handles, 9);
	refslab_close(h);
}

/*
 * Numbers are reused lowest free first, across bitmap words (the kernel
 * keeps a bit per number in use and a bit per full word of those).
 */
static void test_lowest_free_reuse(void **state)
{
	static const uint32_t gaps[] = { 200, 64, 5, 129, 63, 128 };
	static const uint32_t order[] = { 5, 63, 64, 128, 129, 200 };
	refslab_heap *h = open_heap();
	uint32_t i, n = 300;

	(void)state;
	gc_off(h);
	for (i = 1; i <= n; i++)
		assert_int_equal(mk(h, 0, 0), i);
	for (i = 0; i < 6; i++)
		assert_ok(refslab_drop(h, gaps[i]));
	for (i = 0; i < 6; i++)
		assert_int_equal(mk(h, 0, 0), order[i]);
	assert_int_equal(mk(h, 0, 0), n + 1);
	/* Drop every handle of a full word, then one below it. */
	for (i = 64; i < 128; i++)
		assert_ok(refslab_drop(h, i));
	assert_ok(refslab_drop(h, 10));
	assert_int_equal(mk(h, 0, 0), 10);
	for (i = 64; i < 128; i++)
		assert_int_equal(mk(h, 0, 0), i);
	assert_int_equal(mk(h, 0, 0), n + 2);
	assert_int_equal(hstats(h).handles, n + 2);
	refslab_close(h);
}

/*
 * The userfaultfd cases need the syscall; a kernel built without it (the
 * debug kernel) runs the others, and says which it left out of the plan
 * (cmocka 1.1.5 prints a skip as "not ok", which prove counts as failed).
 */
static bool have_userfaultfd(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 && errno == ENOSYS)
		return false;
	if (fd >= 0)
		close(fd);
	return true;	/* other errors show in the tests themselves */
}

int main(void)
{
	struct CMUnitTest tests[] = {
		/* these four block a copy-out in a userfaultfd fault */
		cmocka_unit_test(test_create_copyout_blocked),
		cmocka_unit_test(test_cache_create_copyout_blocked),
		cmocka_unit_test(test_batch_writeback_fails),
		cmocka_unit_test(test_batch_readonly_with_fault),
		cmocka_unit_test(test_copyout_readonly),
		cmocka_unit_test(test_batch_readonly_drop),
		cmocka_unit_test(test_batch_readonly_create),
		cmocka_unit_test(test_batch_handles_usable_after_writeback),
		cmocka_unit_test(test_lowest_free_reuse),
	};

	rs_test_init();
	if (!have_userfaultfd()) {
		static const char why[] = "this kernel has no userfaultfd (ENOSYS)";

		rs_leave_out(tests, test_create_copyout_blocked, why);
		rs_leave_out(tests, test_cache_create_copyout_blocked, why);
		rs_leave_out(tests, test_batch_writeback_fails, why);
		rs_leave_out(tests, test_batch_readonly_with_fault, why);
	}
	return cmocka_run_group_tests_name("handles", tests, NULL, NULL);
}
