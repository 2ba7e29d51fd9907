// SPDX-License-Identifier: GPL-2.0
/*
 * test_share: one heap used at once by threads, by forked processes and
 * by a process that received the descriptor with SCM_RIGHTS.  Workers
 * hammer create / link / get / dup / drop on a shared root object; at the
 * end every refcount is checked against what the slots say (exact), the
 * heap's object and handle counts are exact, and closing a heap with live
 * objects (cycles included) frees them all, checked through debugfs.
 *
 * Workers never call cmocka (threads, children): they count unexpected
 * errors and report them; the checks run in the main thread.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include "rs_test.h"

#define NSLOTS	16
#define NPOOL	8
#define ITERS	1500
#define NWORK	4

struct shared {
	refslab_heap *h;
	uint32_t root;
	uint32_t pool[NPOOL];
	uint64_t pool_id[NPOOL];
	pthread_barrier_t *start;	/* threads only: all start at once */
	int inflight, max_inflight;	/* workers running, most at once */
};

struct worker {
	struct shared *sh;
	unsigned int seed;
	int errors;
	int first_err;
	int first_op;
};

/*
 * What a slot of the root can hold, seen through a handle of our own: a
 * pool object (its pool handle and ours: at least 2) or an object made by
 * case 0 (no slots, 8 bytes of payload; its slot, its maker's handle for a
 * moment and one GET handle per worker at most).
 */
static bool plausible(const struct shared *sh, const struct refslab_stat *st)
{
	int j;

	for (j = 0; j < NPOOL; j++)
		if (st->id == sh->pool_id[j])
			return st->payload_size == 4 && st->nslots == 0 &&
			       st->refcount >= 2;
	return st->payload_size == 8 && st->nslots == 0 &&
	       st->refcount >= 1 && st->refcount <= 2 + NWORK;
}

/* One worker's random mix; every operation must succeed. */
static void hammer(struct worker *w)
{
	struct shared *sh = w->sh;
	unsigned int seed = w->seed;
	int i;

	for (i = 0; i < ITERS; i++) {
		uint32_t s = (uint32_t)rand_r(&seed) % NSLOTS, x, t;
		uint32_t p = sh->pool[(uint32_t)rand_r(&seed) % NPOOL];
		struct refslab_stat st;
		int op = rand_r(&seed) % 6, err = 0;

		switch (op) {
		case 0:	/* new object into a slot, our handle dropped */
			err = refslab_create(sh->h, 0, 8, 0, &x);
			if (!err)
				err = refslab_set_slot(sh->h, sh->root, s, x);
			if (!err)
				err = refslab_drop(sh->h, x);
			break;
		case 1:	/* a pool object into a slot */
			err = refslab_set_slot(sh->h, sh->root, s, p);
			break;
		case 2:	/* take what a slot holds, look, let go */
			err = refslab_get_slot(sh->h, sh->root, s, &t);
			if (!err && t != REFSLAB_NONE) {
				err = refslab_stat(sh->h, t, &st);
				if (!err && !plausible(sh, &st))
					err = -EBADE;
				if (!err)
					err = refslab_drop(sh->h, t);
			}
			break;
		case 3:	/* a second handle for a while */
			err = refslab_dup(sh->h, p, &x);
			if (!err)
				err = refslab_drop(sh->h, x);
			break;
		case 4:
			err = refslab_set_slot(sh->h, sh->root, s, REFSLAB_NONE);
			break;
		case 5:	/* batch: create, dup, drop both */
		{
			struct refslab_batch_buf b;

			refslab_batch_init(&b);
			refslab_batch_create(&b, 1, 0, 0);
			refslab_batch_dup(&b, p);
			err = refslab_batch_run(sh->h, &b, 0);
			if (!err) {
				uint32_t h0 = refslab_batch_handle(&b, 0);
				uint32_t h1 = refslab_batch_handle(&b, 1);

				refslab_batch_reset(&b);
				refslab_batch_set_slot(&b, h0, 0, p);
				refslab_batch_drop(&b, h0);
				refslab_batch_drop(&b, h1);
				err = refslab_batch_run(sh->h, &b, 0);
			}
			refslab_batch_free(&b);
			break;
		}
		}
		if (err) {
			if (!w->errors) {
				w->first_err = err;
				w->first_op = op;
			}
			w->errors++;
		}
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	int now, max;

	pthread_barrier_wait(sh->start);
	now = __atomic_add_fetch(&sh->inflight, 1, __ATOMIC_SEQ_CST);
	max = __atomic_load_n(&sh->max_inflight, __ATOMIC_SEQ_CST);
	while (now > max &&
	       !__atomic_compare_exchange_n(&sh->max_inflight, &max, now, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	hammer(w);
	__atomic_sub_fetch(&sh->inflight, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void setup_shared(struct shared *sh, refslab_heap *h)
{
	int i;

	sh->h = h;
	gc_off(h);
	sh->root = mk(h, NSLOTS, 0);
	for (i = 0; i < NPOOL; i++) {
		sh->pool[i] = mk(h, 0, 4);
		sh->pool_id[i] = obj_id(h, sh->pool[i]);
	}
	sh->start = NULL;
	sh->inflight = 0;
	sh->max_inflight = 0;
}

/* Exact refcounts from the slots' contents; then everything dropped. */
static void check_shared(struct shared *sh, int extra_handles)
{
	refslab_heap *h = sh->h;
	uint64_t pool_id[NPOOL];
	uint32_t expect[NPOOL];
	struct refslab_heap_stats hs = hstats(h);
	uint64_t others = 0;
	int i, j;

	for (i = 0; i < NPOOL; i++) {
		pool_id[i] = obj_id(h, sh->pool[i]);
		expect[i] = 1;
	}
	for (i = 0; i < NSLOTS; i++) {
		uint32_t t;
		struct refslab_stat st;

		assert_ok(refslab_get_slot(h, sh->root, i, &t));
		if (t == REFSLAB_NONE)
			continue;
		assert_ok(refslab_stat(h, t, &st));
		assert_ok(refslab_drop(h, t));
		for (j = 0; j < NPOOL; j++)
			if (st.id == pool_id[j])
				break;
		if (j < NPOOL) {
			expect[j]++;
		} else {
			others++;
			/* a created object: only the slot holds it */
			assert_int_equal(st.refcount - 1, 1);
		}
	}
	for (i = 0; i < NPOOL; i++)
		if (refcount(h, sh->pool[i]) != expect[i])
			fail_msg("pool object %d: refcount %u, slots say %u", i,
				 refcount(h, sh->pool[i]), expect[i]);
	assert_int_equal(refcount(h, sh->root), 1);
	assert_int_equal(hs.handles, 1 + NPOOL + extra_handles);
	assert_int_equal(hs.objects, 1 + NPOOL + others);
	assert_int_equal(hs.created - hs.freed, hs.objects);
	/* drop the root: the created objects go; the pool stays */
	assert_ok(refslab_drop(h, sh->root));
	for (i = 0; i < NPOOL; i++)
		assert_int_equal(refcount(h, sh->pool[i]), 1);
	for (i = 0; i < NPOOL; i++)
		assert_ok(refslab_drop(h, sh->pool[i]));
	hs = hstats(h);
	assert_int_equal(hs.objects, 0);
	assert_int_equal(hs.handles, extra_handles);
	assert_int_equal(hs.created, hs.freed);
	assert_int_equal(hs.bytes, 0);
}

static void report(struct worker *w, int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		if (w[i].errors) {
			print_message("# worker %d (seed %u): %d errors, first %s in op %d\n",
				      i, w[i].seed, w[i].errors,
				      strerror(-w[i].first_err), w[i].first_op);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static unsigned int base_seed;

static void test_threads(void **state)
{
	struct shared sh;
	struct worker w[NWORK];
	pthread_t th[NWORK];
	pthread_barrier_t start;
	int i;

	(void)state;
	setup_shared(&sh, open_heap());
	assert_int_equal(pthread_barrier_init(&start, NULL, NWORK), 0);
	sh.start = &start;
	for (i = 0; i < NWORK; i++) {
		w[i] = (struct worker){ .sh = &sh, .seed = base_seed + i };
		assert_int_equal(pthread_create(&th[i], NULL, thread_main, &w[i]), 0);
	}
	for (i = 0; i < NWORK; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	report(w, NWORK);
	/* they ran at the same time, not one after the other */
	print_message("# at most %d of %d workers at once\n", sh.max_inflight, NWORK);
	assert_true(sh.max_inflight >= 2);
	check_shared(&sh, 0);
	refslab_close(sh.h);
}

/* Children hammer through the inherited descriptor; exit code = errors. */
static pid_t spawn(struct shared *sh, unsigned int seed)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct worker w = { .sh = sh, .seed = seed };

		hammer(&w);
		_exit(w.errors > 99 ? 99 : w.errors);
	}
	return pid;
}

static void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("child %d: %s %d", pid,
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void test_fork(void **state)
{
	struct shared sh;
	struct worker w = { .seed = base_seed + 100 };
	pid_t pid[3];
	int i;

	(void)state;
	setup_shared(&sh, open_heap());
	w.sh = &sh;
	for (i = 0; i < 3; i++)
		pid[i] = spawn(&sh, base_seed + 10 + i);
	hammer(&w);
	for (i = 0; i < 3; i++)
		wait_ok(pid[i]);
	report(&w, 1);
	/* the children's copies of the descriptor are closed: still alive */
	check_shared(&sh, 0);
	refslab_close(sh.h);
}

/*
 * The child closes the descriptor it inherited and works only on the one
 * it receives over a socketpair: the same heap, reached by SCM_RIGHTS.
 */
static void test_scm_rights(void **state)
{
	struct shared sh;
	struct worker w = { .seed = base_seed + 200 };
	int sv[2], fd;
	pid_t pid;
	char c = 'h';
	struct iovec iov = { &c, 1 };
	char ctrl[CMSG_SPACE(sizeof(int))];
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctrl, .msg_controllen = sizeof(ctrl),
	};
	struct cmsghdr *cm;

	(void)state;
	assert_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	setup_shared(&sh, open_heap());
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct worker cw = { .sh = &sh, .seed = base_seed + 300 };
		struct refslab_stat st;
		int nfd;

		close(refslab_release(sh.h));
		if (refslab_from_fd(-1, &sh.h) != -EBADF)
			_exit(97);
		/* without the message, the handles mean nothing here */
		if (refslab_stat(NULL, sh.root, &st) != -EBADF)
			_exit(99);
		if (recvmsg(sv[1], &m, 0) != 1)
			_exit(100);
		cm = CMSG_FIRSTHDR(&m);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			_exit(101);
		memcpy(&nfd, CMSG_DATA(cm), sizeof(nfd));
		if (refslab_from_fd(nfd, &sh.h))
			_exit(96);
		hammer(&cw);
		_exit(cw.errors > 98 ? 98 : cw.errors);
	}
	fd = refslab_fd(sh.h);
	memset(ctrl, 0, sizeof(ctrl));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	assert_int_equal(sendmsg(sv[0], &m, 0), 1);
	w.sh = &sh;
	hammer(&w);
	wait_ok(pid);
	report(&w, 1);
	check_shared(&sh, 0);
	close(sv[0]);
	close(sv[1]);
	refslab_close(sh.h);
}

/* A process exits holding objects, cycles and a named cache: all freed. */
static void test_close_frees(void **state)
{
	int ready[2], go[2];
	pid_t pid;
	long long before, during, after = -1;
	char c;
	int i;

	(void)state;
	before = debugfs_heaps_sum("objects", 0);
	if (before < 0)
		fail_msg("cannot read %s/heaps", rsdbg_root());
	assert_ok(pipe(ready));
	assert_ok(pipe(go));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		refslab_heap *h;
		uint32_t a, b, cid;
		int k;

		if (refslab_open(&h))
			_exit(1);
		refslab_gc_set_enabled(h, false);
		for (k = 0; k < 300; k++) {
			if (refslab_create(h, 1, 16, 0, &a) || refslab_create(h, 1, 16, 0, &b) ||
			    refslab_set_slot(h, a, 0, b) || refslab_set_slot(h, b, 0, a))
				_exit(2);
			if (k % 2 && (refslab_drop(h, a) || refslab_drop(h, b)))
				_exit(3);	/* a garbage cycle */
		}
		if (refslab_cache_create(h, "doomed", 64, 0, &cid) ||
		    refslab_create(h, 0, 8, cid, &a))
			_exit(4);
		if (write(ready[1], "r", 1) != 1)
			_exit(5);
		if (read(go[0], &c, 1) != 1)
			_exit(6);
		_exit(0);	/* no close: exit does it */
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	during = debugfs_heaps_sum("objects", 0);
	assert_int_equal(during - before, 601);
	assert_int_equal(debugfs_heaps_rows(pid), 1);
	assert_int_equal(write(go[1], "g", 1), 1);
	wait_ok(pid);
	/* the release may finish just after the exit is reaped */
	for (i = 0; i < 50; i++) {
		after = debugfs_heaps_sum("objects", 0);
		if (after == before && debugfs_heaps_rows(pid) == 0)
			break;
		usleep(100000);
	}
	assert_int_equal(after, before);
	assert_int_equal(debugfs_heaps_rows(pid), 0);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * Closing our own heap with live objects (cycles included) frees them all,
 * as debugfs shows, and leaves another heap of the same process, with live
 * objects and a cycle of its own, as it was.
 */
static void test_close_own(void **state)
{
	refslab_heap *h = open_heap(), *other = open_heap();
	long long before = debugfs_heaps_sum("objects", 0);
	uint32_t a, b, oa, ob, oc;
	uint64_t ida, idb, idc;
	char pa[8] = "other-a", back[8];
	int i;

	(void)state;
	if (before < 0)
		fail_msg("cannot read %s/heaps", rsdbg_root());
	gc_off(h);
	gc_off(other);
	oa = mk(other, 1, 8);
	ob = mk(other, 1, 8);
	oc = mk(other, 0, 8);
	assert_ok(refslab_set_slot(other, oa, 0, ob));
	assert_ok(refslab_set_slot(other, ob, 0, oa));
	assert_ok(refslab_write(other, oa, 0, pa, sizeof(pa)));
	ida = obj_id(other, oa);
	idb = obj_id(other, ob);
	idc = obj_id(other, oc);
	for (i = 0; i < 100; i++) {
		a = mk(h, 2, 32);
		b = mk(h, 2, 32);
		assert_ok(refslab_set_slot(h, a, 0, b));
		assert_ok(refslab_set_slot(h, b, 1, a));
	}
	assert_int_equal(hstats(h).objects, 200);
	assert_int_equal(debugfs_heaps_sum("objects", 0), before + 203);
	refslab_close(h);
	assert_int_equal(debugfs_heaps_sum("objects", 0), before + 3);
	/* the other heap: the same objects, links, refcounts and payload */
	assert_int_equal(hstats(other).objects, 3);
	assert_int_equal(obj_id(other, oa), ida);
	assert_int_equal(obj_id(other, ob), idb);
	assert_int_equal(obj_id(other, oc), idc);
	assert_int_equal(refcount(other, oa), 2);
	assert_int_equal(refcount(other, ob), 2);
	assert_int_equal(refcount(other, oc), 1);
	assert_ok(refslab_get_slot(other, oa, 0, &b));
	assert_int_equal(obj_id(other, b), idb);
	assert_ok(refslab_drop(other, b));
	assert_ok(refslab_read(other, oa, 0, back, sizeof(back)));
	assert_memory_equal(back, pa, sizeof(pa));
	refslab_close(other);
	assert_int_equal(debugfs_heaps_sum("objects", 0), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_scm_rights),
		cmocka_unit_test(test_close_frees),
		cmocka_unit_test(test_close_own),
	};
	const char *s = getenv("RS_SEED");

	rs_test_init();
	base_seed = s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL);
	printf("# seed %u (RS_SEED=%u replays)\n", base_seed, base_seed);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
