// SPDX-License-Identifier: GPL-2.0
/*
 * test_dump: REFSLAB_IOC_HEAP_DUMP and refslab_heap_dump().
 *
 * What a dump lists (objects with their figures, published handles, one
 * edge per non-empty slot) against what the test built; every documented
 * error (EINVAL: unknown list, flags, entry_size; EFAULT: the buffer) and
 * the size-extensible entries; the generation, which must change with
 * every change a dump can see (between two pages too) and stay put
 * otherwise; the page bounds; a million objects dumped in pages; the
 * library's retry under a concurrent mutator; and dumps taken while a
 * collection runs in slices of one object (gc_slice_budget=1: needs root),
 * which must never list an edge to an object that is not there.
 *
 * Environment: REFSLAB_DUMP_BIG objects in the big heap (default 1000000
 * for the plain 64-bit build; 200000 for the 32-bit and sanitizer builds,
 * which are there for the compat ABI and for userspace memory errors, and
 * the page walk is the same at any size).
 */
#include "rs_test.h"
#include <pthread.h>

#define BUDGET_PARAM "/sys/module/refslab/parameters/gc_slice_budget"

#if defined(__SANITIZE_ADDRESS__)
#define RS_SANITIZED 1
#else
#define RS_SANITIZED 0
#endif

static unsigned long big_n(void)
{
	const char *v = getenv("REFSLAB_DUMP_BIG");

	if (v && *v)
		return strtoul(v, NULL, 0);
	return sizeof(void *) == 4 || RS_SANITIZED ? 200000 : 1000000;
}

/* One raw page; 0 or -errno. */
static int page(refslab_heap *h, struct refslab_heap_dump *d)
{
	return ioc(refslab_fd(h), REFSLAB_IOC_HEAP_DUMP, d);
}

static uint64_t generation(refslab_heap *h)
{
	struct refslab_heap_dump d = {
		.list = REFSLAB_DUMP_OBJECTS,
		.entry_size = sizeof(struct refslab_dump_object),
	};

	assert_ok(page(h, &d));
	assert_int_equal(d.count, 0);
	assert_int_equal(d.cursor, 0);
	return d.generation;
}

static struct refslab_dump *dump(refslab_heap *h)
{
	struct refslab_dump *d = NULL;
	int err = refslab_heap_dump(h, &d);

	if (err)
		fail_msg("refslab_heap_dump: %s", strerror(-err));
	assert_non_null(d);
	return d;
}

/* Objects come in id order (assert_consistent() checks it): bisect. */
static const struct refslab_dump_object *find_obj(const struct refslab_dump *d,
						  uint64_t id)
{
	size_t lo = 0, hi = d->nobjects;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->objects[mid].id == id)
			return &d->objects[mid];
		if (d->objects[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int has_handle(const struct refslab_dump *d, uint32_t handle, uint64_t id)
{
	size_t i;

	for (i = 0; i < d->nhandles; i++)
		if (d->handles[i].handle == handle)
			return d->handles[i].id == id && !d->handles[i].__pad;
	return 0;
}

static int has_edge(const struct refslab_dump *d, uint64_t id, uint32_t slot,
		    uint64_t target)
{
	size_t i;

	for (i = 0; i < d->nedges; i++)
		if (d->edges[i].id == id && d->edges[i].slot == slot)
			return d->edges[i].target == target && !d->edges[i].__pad;
	return 0;
}

/* The dump's object @handle names has the figures STAT reports. */
static void assert_obj_is_stat(refslab_heap *h, const struct refslab_dump *d,
			       uint32_t handle)
{
	struct refslab_stat st;
	const struct refslab_dump_object *o;

	assert_ok(refslab_stat(h, handle, &st));
	o = find_obj(d, st.id);
	if (!o)
		fail_msg("object %llu (handle %u) not in the dump",
			 (unsigned long long)st.id, handle);
	assert_int_equal(o->refcount, st.refcount);
	assert_int_equal(o->nslots, st.nslots);
	assert_int_equal(o->payload_size, st.payload_size);
	assert_int_equal(o->cache_id, st.cache_id);
	assert_int_equal(o->state, st.state);
	assert_int_equal(o->object_size, st.object_size);
}

/*
 * Checks that hold for any consistent dump of a heap no collection is
 * freeing from: lists sorted, every handle and edge names a listed object,
 * and each refcount is its handles plus the edges into it.
 */
static void assert_consistent(const struct refslab_dump *d)
{
	uint64_t maxid = 0;
	uint32_t *in;
	size_t i;

	for (i = 0; i < d->nobjects; i++) {
		if (i && d->objects[i].id <= d->objects[i - 1].id)
			fail_msg("objects out of order at %zu", i);
		maxid = d->objects[i].id;
	}
	in = calloc(maxid + 1, sizeof(*in));
	assert_non_null(in);
	for (i = 0; i < d->nhandles; i++) {
		if (i && d->handles[i].handle <= d->handles[i - 1].handle)
			fail_msg("handles out of order at %zu", i);
		if (d->handles[i].id > maxid || !find_obj(d, d->handles[i].id))
			fail_msg("handle %u names object %llu, not listed",
				 d->handles[i].handle,
				 (unsigned long long)d->handles[i].id);
		in[d->handles[i].id]++;
	}
	for (i = 0; i < d->nedges; i++) {
		const struct refslab_dump_edge *e = &d->edges[i];

		if (i && (e->id < e[-1].id ||
			  (e->id == e[-1].id && e->slot <= e[-1].slot)))
			fail_msg("edges out of order at %zu", i);
		if (e->target > maxid || !find_obj(d, e->id) ||
		    !find_obj(d, e->target))
			fail_msg("edge %llu.%u -> %llu: an end is not listed",
				 (unsigned long long)e->id, e->slot,
				 (unsigned long long)e->target);
		in[e->target]++;
	}
	for (i = 0; i < d->nobjects; i++) {
		const struct refslab_dump_object *o = &d->objects[i];

		if (o->state & REFSLAB_STATE_IMMORTAL)
			continue;
		if (o->refcount != in[o->id])
			fail_msg("object %llu: refcount %u, %u handles and edges",
				 (unsigned long long)o->id, o->refcount, in[o->id]);
	}
	free(in);
}

/* A small graph: every object, handle and edge as built. */
static void test_contents(void **state)
{
	refslab_heap *h = open_heap();
	uint32_t a, b, c, c2, dd, cid, t;
	uint64_t ia, ib, ic, id;
	struct refslab_dump *d;
	size_t i;

	(void)state;
	gc_off(h);
	d = dump(h);
	assert_int_equal(d->nobjects, 0);
	assert_int_equal(d->nhandles, 0);
	assert_int_equal(d->nedges, 0);
	refslab_dump_free(d);

	assert_ok(refslab_cache_create(h, "dumpc", 256, 0, &cid));
	a = mk(h, 2, 16);
	b = mk(h, 1, 0);
	c = mk(h, 0, 100);
	assert_ok(refslab_create(h, 3, 8, cid, &dd));
	assert_ok(refslab_dup(h, c, &c2));
	assert_ok(refslab_set_slot(h, a, 0, b));
	assert_ok(refslab_set_slot(h, a, 1, c));
	assert_ok(refslab_set_slot(h, b, 0, a));
	assert_ok(refslab_set_slot(h, dd, 2, dd));	/* a self-loop */
	assert_ok(refslab_set_slot(h, dd, 1, c));
	assert_ok(refslab_set_slot(h, dd, 1, REFSLAB_NONE));	/* made a candidate */
	ia = obj_id(h, a);
	ib = obj_id(h, b);
	ic = obj_id(h, c);
	id = obj_id(h, dd);

	d = dump(h);
	assert_int_equal(d->tries, 1);
	assert_int_equal(d->nobjects, 4);
	assert_int_equal(d->nhandles, 5);
	assert_int_equal(d->nedges, 4);
	assert_obj_is_stat(h, d, a);
	assert_obj_is_stat(h, d, b);
	assert_obj_is_stat(h, d, c);
	assert_obj_is_stat(h, d, dd);
	assert_int_equal(find_obj(d, ic)->refcount, 3);
	assert_true(find_obj(d, ic)->state & REFSLAB_STATE_CANDIDATE);
	assert_int_equal(find_obj(d, id)->cache_id, cid);
	assert_true(has_handle(d, a, ia));
	assert_true(has_handle(d, b, ib));
	assert_true(has_handle(d, c, ic));
	assert_true(has_handle(d, c2, ic));
	assert_true(has_handle(d, dd, id));
	assert_true(has_edge(d, ia, 0, ib));
	assert_true(has_edge(d, ia, 1, ic));
	assert_true(has_edge(d, ib, 0, ia));
	assert_true(has_edge(d, id, 2, id));
	assert_consistent(d);
	refslab_dump_free(d);

	/* frozen shows; a handle get_slot made is listed once published */
	assert_ok(refslab_gc_freeze(h, NULL));
	assert_ok(refslab_get_slot(h, b, 0, &t));
	d = dump(h);
	for (i = 0; i < d->nobjects; i++)
		assert_true(d->objects[i].state & REFSLAB_STATE_FROZEN);
	assert_true(has_handle(d, t, ia));
	assert_int_equal(d->nhandles, 6);
	assert_consistent(d);
	refslab_dump_free(d);
	assert_ok(refslab_gc_unfreeze(h, NULL));

	/* dropped: gone from the dump with what only it held */
	assert_ok(refslab_drop(h, c));
	assert_ok(refslab_drop(h, c2));
	assert_ok(refslab_set_slot(h, a, 1, REFSLAB_NONE));
	d = dump(h);
	assert_null(find_obj(d, ic));
	assert_int_equal(d->nobjects, 3);
	assert_int_equal(d->nedges, 3);
	assert_consistent(d);
	refslab_dump_free(d);
	refslab_close(h);
}

/* Every documented error; nothing is written back on one. */
static void test_errors(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_dump_object objs[4];
	struct refslab_heap_dump d, want;
	void *bad = fault_page();
	void *ro;

	(void)state;
	mk(h, 1, 0);
	mk(h, 1, 0);
	memset(&want, 0, sizeof(want));
	want.list = REFSLAB_DUMP_OBJECTS;
	want.buf = uptr(objs);
	want.count = 4;
	want.entry_size = sizeof(objs[0]);

	d = want;
	assert_ok(page(h, &d));		/* the base case works */
	assert_int_equal(d.count, 2);
	assert_int_equal(d.cursor, REFSLAB_DUMP_END);

#define BAD(field, value, err) do {					\
		d = want;						\
		d.field = (value);					\
		d.generation = 77;					\
		assert_errno(page(h, &d), err);				\
		assert_int_equal(d.generation, 77);			\
		assert_int_equal(d.count, want.count);			\
	} while (0)
	BAD(flags, 1, EINVAL);
	BAD(flags, 0x80000000u, EINVAL);
	BAD(list, 0, EINVAL);
	BAD(list, REFSLAB_DUMP_EDGES + 1, EINVAL);
	BAD(list, ~0u, EINVAL);
	BAD(entry_size, 0, EINVAL);
	BAD(entry_size, sizeof(objs[0]) - 1, EINVAL);
	BAD(entry_size, REFSLAB_DUMP_ENTRY_MAX + 1, EINVAL);
	BAD(buf, uptr(bad), EFAULT);
	BAD(buf, 0, EFAULT);
	BAD(buf, uptr(bad) - sizeof(objs[0]), EFAULT);	/* the second entry faults */
	/* the handle and edge lists check their own entry size */
	d = want;
	d.list = REFSLAB_DUMP_HANDLES;
	d.entry_size = sizeof(struct refslab_dump_handle) - 1;
	assert_errno(page(h, &d), EINVAL);
	d.list = REFSLAB_DUMP_EDGES;
	d.entry_size = sizeof(struct refslab_dump_edge) - 1;
	assert_errno(page(h, &d), EINVAL);
	/* a read-only buffer */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(ro != MAP_FAILED);
	BAD(buf, uptr(ro), EFAULT);
#undef BAD

	/* count 0: nothing read or written, any buffer */
	d = want;
	d.buf = uptr(bad);
	d.count = 0;
	d.cursor = 1;
	assert_ok(page(h, &d));
	assert_int_equal(d.count, 0);
	assert_int_equal(d.cursor, 1);
	/* the end and past it */
	d = want;
	d.cursor = REFSLAB_DUMP_END;
	assert_ok(page(h, &d));
	assert_int_equal(d.count, 0);
	assert_int_equal(d.cursor, REFSLAB_DUMP_END);
	d = want;
	d.cursor = 1ULL << 40;
	d.list = REFSLAB_DUMP_HANDLES;
	d.entry_size = sizeof(struct refslab_dump_handle);
	assert_ok(page(h, &d));
	assert_int_equal(d.count, 0);
	assert_int_equal(d.cursor, REFSLAB_DUMP_END);
	munmap(ro, 4096);
	munmap(bad, 4096);
	refslab_close(h);
}

/* Entries larger than the kernel's: written at their stride, tails kept. */
static void test_entry_size(void **state)
{
	refslab_heap *h = open_heap();
	const size_t big = REFSLAB_DUMP_ENTRY_MAX;
	unsigned char *buf = malloc(3 * big);
	struct refslab_dump_edge *e;
	struct refslab_heap_dump d = {
		.list = REFSLAB_DUMP_EDGES, .count = 3, .entry_size = big,
	};
	uint32_t a = mk(h, 2, 0), b = mk(h, 0, 0);
	size_t i, j;

	(void)state;
	assert_non_null(buf);
	assert_ok(refslab_set_slot(h, a, 0, b));
	assert_ok(refslab_set_slot(h, a, 1, a));
	memset(buf, 0x5a, 3 * big);
	d.buf = uptr(buf);
	assert_ok(page(h, &d));
	assert_int_equal(d.count, 2);
	assert_int_equal(d.cursor, REFSLAB_DUMP_END);
	for (i = 0; i < 2; i++) {
		e = (struct refslab_dump_edge *)(buf + i * big);
		assert_int_equal(e->id, obj_id(h, a));
		assert_int_equal(e->slot, i);
		assert_int_equal(e->target, obj_id(h, i ? a : b));
		assert_int_equal(e->__pad, 0);
		for (j = sizeof(*e); j < big; j++)
			if (buf[i * big + j] != 0x5a)
				fail_msg("entry %zu: byte %zu of its tail written", i, j);
	}
	for (j = 2 * big; j < 3 * big; j++)
		assert_int_equal(buf[j], 0x5a);
	free(buf);
	refslab_close(h);
}

/* What changes the generation, and what does not. */
static void test_generation(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_dump_object objs[2];
	struct refslab_heap_dump d = {
		.list = REFSLAB_DUMP_OBJECTS, .count = 1,
		.entry_size = sizeof(objs[0]),
	};
	struct refslab_gc_collect gc;
	struct refslab_stat st;
	uint32_t a, b, x, t;
	uint64_t g, g2;
	char byte;

	(void)state;
	gc_off(h);
	g = generation(h);
#define CHANGES(expr) do {						\
		assert_ok(expr);					\
		g2 = generation(h);					\
		if (g2 == g)						\
			fail_msg("%s left the generation at %llu", #expr,\
				 (unsigned long long)g);		\
		g = g2;							\
	} while (0)
#define KEEPS(expr) do {						\
		(void)(expr);						\
		g2 = generation(h);					\
		if (g2 != g)						\
			fail_msg("%s changed the generation", #expr);	\
	} while (0)
	CHANGES(refslab_create(h, 2, 4, REFSLAB_GENERAL_CACHE, &a));
	CHANGES(refslab_create(h, 1, 0, REFSLAB_GENERAL_CACHE, &b));
	CHANGES(refslab_dup(h, a, &x));
	CHANGES(refslab_drop(h, x));
	CHANGES(refslab_set_slot(h, a, 0, b));
	CHANGES(refslab_set_slot(h, b, 0, a));
	CHANGES(refslab_get_slot(h, a, 0, &t));
	CHANGES(refslab_drop(h, t));
	CHANGES(refslab_set_slot(h, a, 1, a));
	CHANGES(refslab_set_slot(h, a, 1, REFSLAB_NONE));
	CHANGES(refslab_gc_freeze(h, NULL));
	KEEPS(refslab_gc_freeze(h, NULL));	/* frozen already */
	CHANGES(refslab_gc_unfreeze(h, NULL));
	KEEPS(refslab_stat(h, a, &st));
	KEEPS(refslab_read(h, a, 0, &byte, 1));
	KEEPS(refslab_write(h, a, 0, "z", 1));
	KEEPS(refslab_drop(h, 999));
	KEEPS(refslab_set_slot(h, a, 5, b));	/* ERANGE */
	/* a collection that frees nothing changes nothing listed */
	KEEPS(refslab_gc_collect(h, 0, &gc));
	assert_int_equal(gc.collected, 0);

	/* between two pages */
	d.buf = uptr(objs);
	assert_ok(page(h, &d));
	assert_int_equal(d.count, 1);
	assert_int_not_equal(d.cursor, REFSLAB_DUMP_END);
	g = d.generation;
	assert_int_equal(g, generation(h));
	assert_ok(refslab_drop(h, b));	/* b lives on in a's slot */
	d.count = 1;
	assert_ok(page(h, &d));
	assert_int_not_equal(d.generation, g);
	g = d.generation;
	/* the collector freeing the cycle */
	assert_ok(refslab_drop(h, a));
	g = generation(h);
	CHANGES(refslab_gc_collect(h, 0, &gc));
	assert_int_equal(gc.collected, 2);
#undef CHANGES
#undef KEEPS
	refslab_close(h);
}

/* Batches: a chain of n objects with one slot, only its head keeps a
 * handle (returned). */
static uint32_t build_chain(refslab_heap *h, unsigned long n)
{
	enum { K = 2000 };
	struct refslab_batch_buf bt;
	uint32_t head = mk(h, 1, 0), prev = head, nw[K];
	unsigned long left = n - 1;
	uint32_t i, k;

	refslab_batch_init(&bt);
	while (left) {
		k = left < K ? (uint32_t)left : K;
		refslab_batch_reset(&bt);
		for (i = 0; i < k; i++)
			assert_true(refslab_batch_create(&bt, 1, 0, 0) >= 0);
		assert_ok(refslab_batch_run(h, &bt, 0));
		for (i = 0; i < k; i++)
			nw[i] = refslab_batch_handle(&bt, i);
		refslab_batch_reset(&bt);
		assert_true(refslab_batch_set_slot(&bt, prev, 0, nw[0]) >= 0);
		if (prev != head)
			assert_true(refslab_batch_drop(&bt, prev) >= 0);
		for (i = 0; i + 1 < k; i++) {
			assert_true(refslab_batch_set_slot(&bt, nw[i], 0, nw[i + 1]) >= 0);
			assert_true(refslab_batch_drop(&bt, nw[i]) >= 0);
		}
		assert_ok(refslab_batch_run(h, &bt, 0));
		prev = nw[k - 1];
		left -= k;
	}
	if (prev != head)
		assert_ok(refslab_drop(h, prev));
	refslab_batch_free(&bt);
	return head;
}

/*
 * A million objects: the raw pages respect the page bound and report one
 * generation; the library's dump is the chain that was built.
 */
static void test_million(void **state)
{
	refslab_heap *h = open_heap();
	unsigned long n = big_n(), pages = 0, total = 0, i;
	struct refslab_dump_object *buf = malloc(4 * REFSLAB_DUMP_PAGE_MAX * sizeof(*buf));
	struct refslab_heap_dump d = {
		.list = REFSLAB_DUMP_OBJECTS, .entry_size = sizeof(*buf),
	};
	struct refslab_dump *dp;
	uint64_t g, maxid, cur, *next;
	uint32_t head;

	(void)state;
	assert_non_null(buf);
	gc_off(h);
	head = build_chain(h, n);
	assert_int_equal(hstats(h).objects, n);
	g = generation(h);
	d.buf = uptr(buf);
	do {
		d.count = 4 * REFSLAB_DUMP_PAGE_MAX;
		assert_ok(page(h, &d));
		assert_true(d.count <= REFSLAB_DUMP_PAGE_MAX);
		assert_int_equal(d.generation, g);
		total += d.count;
		pages++;
	} while (d.cursor != REFSLAB_DUMP_END);
	assert_int_equal(total, n);
	assert_true(pages >= n / REFSLAB_DUMP_PAGE_MAX);
	print_message("# %lu objects in %lu pages\n", total, pages);
	free(buf);

	dp = dump(h);
	assert_int_equal(dp->tries, 1);
	assert_int_equal(dp->generation, g);
	assert_int_equal(dp->nobjects, n);
	assert_int_equal(dp->nhandles, 1);
	assert_int_equal(dp->nedges, n - 1);
	assert_int_equal(dp->handles[0].handle, head);
	/* follow the chain from the head: every object once */
	maxid = dp->objects[n - 1].id;
	next = malloc((maxid + 1) * sizeof(*next));
	assert_non_null(next);
	for (i = 0; i <= maxid; i++)
		next[i] = UINT64_MAX;
	for (i = 0; i < dp->nedges; i++) {
		assert_int_equal(dp->edges[i].slot, 0);
		assert_true(dp->edges[i].id <= maxid);
		next[dp->edges[i].id] = dp->edges[i].target;
	}
	cur = dp->handles[0].id;
	for (i = 1; i < n; i++) {
		uint64_t t = next[cur];

		if (t > maxid)
			fail_msg("the chain ends after %lu objects", i);
		next[cur] = UINT64_MAX - 1;	/* visited */
		cur = t;
	}
	assert_int_equal(next[cur], UINT64_MAX);	/* the tail */
	for (i = 0; i < n; i++)
		assert_int_equal(dp->objects[i].refcount, 1);
	free(next);
	refslab_dump_free(dp);
	refslab_close(h);
}

/* ---- dumps against a concurrent mutator ---- */

struct churn {
	refslab_heap *h;
	uint32_t a, b;
	volatile int stop;
	volatile unsigned int delay_us;	/* between rounds */
	unsigned long ops;
};

/*
 * Slots only: a handle that dup or create has reserved but not yet
 * returned counts in its object's refcount and is not listed, so a dump
 * taken in that window would not add up.
 */
static void *churn_fn(void *arg)
{
	struct churn *c = arg;

	while (!c->stop) {
		if (!refslab_set_slot(c->h, c->b, 0, c->a) &&
		    !refslab_set_slot(c->h, c->a, 0, c->b) &&
		    !refslab_set_slot(c->h, c->b, 0, REFSLAB_NONE) &&
		    !refslab_set_slot(c->h, c->a, 0, REFSLAB_NONE))
			c->ops++;
		usleep(c->delay_us);
	}
	return NULL;
}

/*
 * Each dump the library returns is one snapshot (refcounts match handles
 * and edges) though another thread changes the heap all along; a change
 * between its pages makes it start over.  How often the mutator gets in
 * depends on how fast a dump is (KASAN makes it ten times slower), so the
 * mutator backs off each time a dump gives up: the test needs dumps that
 * succeed under a mutator, not a race won at one speed.
 */
static void test_retry(void **state)
{
	refslab_heap *h = open_heap();
	struct churn c = { .h = h, .delay_us = 300 };
	pthread_t th;
	unsigned int ok = 0, again = 0, retried = 0, i;

	(void)state;
	gc_off(h);
	build_chain(h, 3000);
	c.a = mk(h, 1, 0);
	c.b = mk(h, 1, 0);
	assert_int_equal(pthread_create(&th, NULL, churn_fn, &c), 0);
	for (i = 0; i < 40; i++) {
		struct refslab_dump *d = NULL;
		int err = refslab_heap_dump(h, &d);

		if (err == -EAGAIN) {
			again++;
			if (c.delay_us < 200000)
				c.delay_us *= 2;
			continue;
		}
		assert_ok(err);
		assert_int_equal(d->nobjects, 3002);
		assert_consistent(d);
		if (d->tries > 1)
			retried++;
		ok++;
		refslab_dump_free(d);
	}
	c.stop = 1;
	pthread_join(th, NULL);
	print_message("# %u dumps, %u after a retry, %u gave up; %lu mutator rounds, %u us apart at the end\n",
		      ok, retried, again, c.ops, c.delay_us);
	assert_true(ok > 0);
	assert_true(c.ops > 0);
	refslab_close(h);
}

/* ---- dumps while the collector frees, one object per slice ---- */

struct collector {
	refslab_heap *h;
	volatile int done;
	struct refslab_gc_collect out;
	int err;
};

static void *collect_fn(void *arg)
{
	struct collector *c = arg;

	c->err = refslab_gc_collect(c->h, 0, &c->out);
	c->done = 1;
	return NULL;
}

static char budget_saved[32];

static void param_write(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	if (fputs(v, f) < 0 || fclose(f))
		fail_msg("write %s: %s", path, strerror(errno));
}

/*
 * A live chain, and garbage 2-cycles each pointing into the chain.  While
 * the collector works through them a slice at a time, raw pages never list
 * an edge to an id that is not one of those objects, nor an edge out of a
 * live object to garbage; a library dump that succeeds lists every live
 * object and has no edge to an unlisted object.  Afterwards the dump is
 * the live chain alone.  (On the debug kernel KASAN watches the reads.)
 */
static void test_during_collection(void **state)
{
	enum { LIVE = 2000, PAIRS = 20000 };
	refslab_heap *h = open_heap();
	struct collector col = { .h = h };
	struct refslab_dump_edge *edges = malloc(REFSLAB_DUMP_PAGE_MAX * sizeof(*edges));
	unsigned char *kind;	/* by id: 1 live, 2 garbage */
	uint64_t maxid = 0, *live_ids;
	unsigned long pages = 0, dumps = 0, i, j;
	uint32_t head, cur, t, g1, g2;
	struct refslab_dump *d;
	pthread_t th;
	FILE *f;

	(void)state;
	assert_non_null(edges);
	f = fopen(BUDGET_PARAM, "r");
	rs_require(f && geteuid() == 0, "root and %s", BUDGET_PARAM);
	assert_non_null(fgets(budget_saved, sizeof(budget_saved), f));
	fclose(f);
	gc_off(h);

	head = build_chain(h, LIVE);
	live_ids = calloc(LIVE, sizeof(*live_ids));
	kind = calloc(4 * (LIVE + 2 * PAIRS) + 16, 1);
	assert_non_null(live_ids);
	assert_non_null(kind);
	/* walk the chain for its ids: a handle per step, dropped behind */
	cur = head;
	assert_ok(refslab_dup(h, head, &cur));
	for (i = 0; i < LIVE; i++) {
		live_ids[i] = obj_id(h, cur);
		kind[live_ids[i]] = 1;
		maxid = live_ids[i] > maxid ? live_ids[i] : maxid;
		if (i + 1 < LIVE) {
			assert_ok(refslab_get_slot(h, cur, 0, &t));
			assert_ok(refslab_drop(h, cur));
			cur = t;
		}
	}
	/* cur: the chain's tail, still held */
	for (i = 0; i < PAIRS; i++) {
		g1 = mk(h, 2, 0);
		g2 = mk(h, 1, 0);
		assert_ok(refslab_set_slot(h, g1, 0, g2));
		assert_ok(refslab_set_slot(h, g2, 0, g1));
		assert_ok(refslab_set_slot(h, g1, 1, cur));
		kind[obj_id(h, g1)] = 2;
		kind[obj_id(h, g2)] = 2;
		maxid = obj_id(h, g1) > maxid ? obj_id(h, g1) : maxid;
		maxid = obj_id(h, g2) > maxid ? obj_id(h, g2) : maxid;
		assert_ok(refslab_drop(h, g1));
		assert_ok(refslab_drop(h, g2));
	}
	assert_ok(refslab_drop(h, cur));
	assert_true(maxid < 4 * (LIVE + 2 * PAIRS) + 16);

	param_write(BUDGET_PARAM, "1");
	assert_int_equal(pthread_create(&th, NULL, collect_fn, &col), 0);
	while (!col.done) {
		struct refslab_heap_dump p = {
			.list = REFSLAB_DUMP_EDGES, .buf = uptr(edges),
			.entry_size = sizeof(*edges),
		};
		int err;

		do {
			p.count = REFSLAB_DUMP_PAGE_MAX;
			assert_ok(page(h, &p));
			for (j = 0; j < p.count; j++) {
				const struct refslab_dump_edge *e = &edges[j];

				if (e->id > maxid || e->target > maxid ||
				    !kind[e->id] || !kind[e->target])
					fail_msg("edge %llu.%u -> %llu: no such object",
						 (unsigned long long)e->id, e->slot,
						 (unsigned long long)e->target);
				if (kind[e->id] == 1 && kind[e->target] != 1)
					fail_msg("live %llu points at garbage %llu",
						 (unsigned long long)e->id,
						 (unsigned long long)e->target);
			}
			pages++;
		} while (p.cursor != REFSLAB_DUMP_END && !col.done);

		err = refslab_heap_dump(h, &d);
		if (err == -EAGAIN)
			continue;
		assert_ok(err);
		for (j = 0; j < LIVE; j++)
			if (!find_obj(d, live_ids[j]))
				fail_msg("live object %llu not listed",
					 (unsigned long long)live_ids[j]);
		for (j = 0; j < d->nedges; j++)
			if (!find_obj(d, d->edges[j].target))
				fail_msg("edge to %llu, which is not listed",
					 (unsigned long long)d->edges[j].target);
		dumps++;
		refslab_dump_free(d);
	}
	pthread_join(th, NULL);
	param_write(BUDGET_PARAM, budget_saved);
	budget_saved[0] = 0;
	assert_ok(col.err);
	assert_int_equal(col.out.collected, 2 * PAIRS);
	print_message("# %lu edge pages and %lu dumps during the collection\n",
		      pages, dumps);
	assert_true(pages > 0);

	d = dump(h);
	assert_int_equal(d->nobjects, LIVE);
	assert_int_equal(d->nedges, LIVE - 1);
	assert_int_equal(d->nhandles, 1);
	assert_consistent(d);
	refslab_dump_free(d);
	free(edges);
	free(kind);
	free(live_ids);
	refslab_close(h);
}

/* The slice budget goes back even when the test failed half-way. */
static int restore_budget(void **state)
{
	(void)state;
	if (budget_saved[0])
		param_write(BUDGET_PARAM, budget_saved);
	budget_saved[0] = 0;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contents),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_entry_size),
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_retry),
		cmocka_unit_test_teardown(test_during_collection,
					  restore_budget),
		cmocka_unit_test(test_million),
	};

	rs_test_init();
	return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
