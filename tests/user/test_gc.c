// SPDX-License-Identifier: GPL-2.0
/*
 * test_gc: the cycle collector, model-checked.
 *
 * Random graphs (cycles, self-loops, shared subgraphs, long chains) are
 * built through /dev/refslab while the test keeps an exact model; handles
 * are dropped at random, the heap is collected, and the test checks that
 * exactly the objects unreachable from live handles are gone (heap object
 * count) and walks every survivor from the handles through its slots:
 * each must be the object the model says (id, payload signature), with
 * the slot targets and the exact refcount the model says.  Then the same
 * with threads mutating while another collects (each seed's run must see
 * the collector defer changed members), a cycle and a chain of a million
 * objects, and the controls (disable/enable, thresholds with the timer
 * pass off, freeze, statistics, EINTR, NOWAIT's EBUSY, argument checking).
 *
 * Environment:
 *   REFSLAB_GC_SEEDS   number of seeds of the model test (default 2000;
 *                      300 on the debug kernel, 100 for its 32-bit build)
 *   REFSLAB_GC_SEED    first seed (default 1); a failure prints its seed
 *   REFSLAB_GC_BIG     objects in the big cycle/chain (default 1000000;
 *                      100000 for the 32-bit build on the debug kernel,
 *                      which is there for the compat ABI: see small_run())
 *   REFSLAB_GC_THREAD_OPS  operations per mutator thread (default 4000)
 *   REFSLAB_GC_TESTS   run only the tests whose names match this cmocka
 *                      pattern (e.g. "test_interrupt")
 *
 * TAP through cmocka.  Needs root for the module parameters it changes
 * (the slice budget, to make collections interleave with mutators; the
 * timer pass's interval), restored after each test.
 */
#define RS_TEST_RAW	/* its own wrappers, named as librefslab's */
#include "rs_test.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>

#define BUDGET_PARAM "/sys/module/refslab/parameters/gc_slice_budget"
#define INTERVAL_PARAM "/sys/module/refslab/parameters/gc_interval_ms"
#define THRESHOLD_MAX (1u << 24)	/* GC_CONTROL's largest threshold */

/*
 * cmocka's assertions longjmp to the test's start when they fail, which is
 * undefined from any thread but the test's own.  The helpers below, which
 * the mutator and collector threads share with the tests, fail through
 * gc_fail(): in the test's thread it is fail_msg(); in a thread that set
 * thr_fail it records the message and longjmps to that thread's own
 * start, and the test reports it after the join.
 */
struct thr_fail {
	jmp_buf jb;
	int failed;
	char msg[256];
};

static __thread struct thr_fail *thr_fail;

static void gc_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

static void gc_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (thr_fail) {
		memcpy(thr_fail->msg, msg, sizeof(msg));
		thr_fail->failed = 1;
		longjmp(thr_fail->jb, 1);
	}
	fail_msg("%s", msg);
	abort();	/* fail_msg() does not return */
}

#define gc_check(cond, ...)				\
	do {						\
		if (!(cond))				\
			gc_fail(__VA_ARGS__);		\
	} while (0)

#define gc_eq(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
									\
		if (a_ != b_)						\
			gc_fail("line %d: %s is %lld, expected %lld",	\
				__LINE__, #a, a_, b_);			\
	} while (0)

/* After the join: a thread's failure fails the test, in its thread. */
static void thr_report(const struct thr_fail *f, const char *who)
{
	if (f->failed)
		fail_msg("%s: %s", who, f->msg);
}

/*
 * The debug kernel (KASAN shadow checks on every access, kmemleak tracking,
 * lockdep, all under emulation) is several times slower per object and
 * KASAN's quarantine holds freed memory back, so the model test runs fewer
 * seeds there: it is recognised by its kmemleak file.
 */
static int debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

/*
 * The 32-bit build on the debug kernel checks the compat ABI; the sizes
 * that make the test slow there (about two minutes for a million objects)
 * are already covered by the 64-bit build on the same kernel.
 */
static int small_run(void)
{
	return debug_kernel() && sizeof(void *) == 4;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static unsigned long big_n(void)
{
	return env_ul("REFSLAB_GC_BIG", small_run() ? 100000 : 1000000);
}

static int refslab_open(void)
{
	int fd = open(REFSLAB_DEVICE, O_RDWR | O_CLOEXEC);

	gc_check(fd >= 0, "open %s: %s", REFSLAB_DEVICE, strerror(errno));
	return fd;
}

/* ioctl returning 0 or -errno */
static int rio(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static uint32_t refslab_create(int fd, uint32_t nslots, uint32_t payload)
{
	struct refslab_create c = { .nslots = nslots, .payload_size = payload };

	gc_eq(rio(fd, REFSLAB_IOC_CREATE, &c), 0);
	return c.handle;
}

static uint32_t refslab_dup(int fd, uint32_t h)
{
	struct refslab_dup d = { .handle = h };

	gc_eq(rio(fd, REFSLAB_IOC_DUP, &d), 0);
	return d.new_handle;
}

static void refslab_drop(int fd, uint32_t h)
{
	struct refslab_drop d = { .handle = h };

	gc_eq(rio(fd, REFSLAB_IOC_DROP, &d), 0);
}

static void rs_set(int fd, uint32_t h, uint32_t slot, uint32_t target)
{
	struct refslab_slot s = { .handle = h, .slot = slot, .target = target };

	gc_eq(rio(fd, REFSLAB_IOC_SET_SLOT, &s), 0);
}

static uint32_t rs_get(int fd, uint32_t h, uint32_t slot)
{
	struct refslab_slot s = { .handle = h, .slot = slot };

	gc_eq(rio(fd, REFSLAB_IOC_GET_SLOT, &s), 0);
	return s.target;
}

static void rs_write_sig(int fd, uint32_t h, uint64_t sig)
{
	struct refslab_io io = { .handle = h, .len = 8,
				 .buf = (uintptr_t)&sig };

	gc_eq(rio(fd, REFSLAB_IOC_WRITE, &io), 0);
}

static uint64_t rs_read_sig(int fd, uint32_t h)
{
	uint64_t sig = 0;
	struct refslab_io io = { .handle = h, .len = 8,
				 .buf = (uintptr_t)&sig };

	gc_eq(rio(fd, REFSLAB_IOC_READ, &io), 0);
	return sig;
}

static struct refslab_stat refslab_stat(int fd, uint32_t h)
{
	struct refslab_stat s = { .handle = h };

	gc_eq(rio(fd, REFSLAB_IOC_STAT, &s), 0);
	return s;
}

static uint64_t rs_objects(int fd)
{
	struct refslab_heap_stats s;

	memset(&s, 0, sizeof(s));
	gc_eq(rio(fd, REFSLAB_IOC_HEAP_STATS, &s), 0);
	return s.objects;
}

static struct refslab_gc_collect rs_collect(int fd)
{
	struct refslab_gc_collect c;
	int err;

	do {
		memset(&c, 0, sizeof(c));
		err = rio(fd, REFSLAB_IOC_GC_COLLECT, &c);
	} while (err == -EINTR);
	gc_eq(err, 0);
	return c;
}

static struct refslab_gc_stats refslab_gc_stats(int fd)
{
	struct refslab_gc_stats s;

	memset(&s, 0xff, sizeof(s));
	gc_eq(rio(fd, REFSLAB_IOC_GC_STATS, &s), 0);
	return s;
}

static struct refslab_gc_control rs_control(int fd, uint32_t flags,
					    uint32_t enabled, uint32_t thr)
{
	struct refslab_gc_control c = { .flags = flags, .enabled = enabled,
					.threshold = thr };

	gc_eq(rio(fd, REFSLAB_IOC_GC_CONTROL, &c), 0);
	return c;
}

static void rs_enable(int fd, int on)
{
	rs_control(fd, REFSLAB_GC_SET_ENABLED, on, 0);
}

/* ---- batch helpers for the big graphs ---- */

struct batch {
	int fd;
	struct refslab_op ops[REFSLAB_BATCH_MAX];
	unsigned int n;
};

static void batch_flush(struct batch *b)
{
	struct refslab_batch req = { .ops = (uintptr_t)b->ops, .count = b->n };
	unsigned int i;

	if (!b->n)
		return;
	gc_eq(rio(b->fd, REFSLAB_IOC_BATCH, &req), 0);
	gc_eq(req.done, b->n);
	for (i = 0; i < b->n; i++)
		gc_eq(b->ops[i].result, 0);
}

static struct refslab_op *batch_op(struct batch *b, uint32_t op)
{
	struct refslab_op *o;

	if (b->n == REFSLAB_BATCH_MAX) {
		batch_flush(b);
		b->n = 0;
	}
	o = &b->ops[b->n++];
	memset(o, 0, sizeof(*o));
	o->op = op;
	return o;
}

/* Create n objects with nslots slots; handles into h[]. */
static void big_create(struct batch *b, uint32_t *h, unsigned long n,
		       unsigned int nslots)
{
	unsigned long i, base = 0;

	b->n = 0;
	for (i = 0; i < n; i++) {
		struct refslab_op *o = batch_op(b, REFSLAB_OP_CREATE);

		if (b->n == 1)
			base = i;
		o->args.create.nslots = nslots;
		if (b->n == REFSLAB_BATCH_MAX || i == n - 1) {
			unsigned int j;

			batch_flush(b);
			for (j = 0; j < b->n; j++)
				h[base + j] = b->ops[j].args.create.handle;
			b->n = 0;
		}
	}
}

static void big_link(struct batch *b, uint32_t from, uint32_t to)
{
	struct refslab_op *o = batch_op(b, REFSLAB_OP_SET_SLOT);

	o->args.slot.handle = from;
	o->args.slot.target = to;
}

static void big_drop(struct batch *b, uint32_t h)
{
	batch_op(b, REFSLAB_OP_DROP)->args.drop.handle = h;
}

/* ---- the model ---- */

#define M_MAXOBJ	512
#define M_MAXSLOT	4
#define M_MAXH		2048

struct mobj {
	int live;		/* still in the kernel (as far as we know) */
	int nslots;
	int slot[M_MAXSLOT];	/* model object index or -1 */
	uint64_t sig;		/* its payload */
	uint64_t kid;		/* the module's id of it (STAT) */
};

struct model {
	int fd;
	unsigned int seed;
	uint64_t rng;
	struct mobj obj[M_MAXOBJ];
	int nobj;
	uint32_t hnum[M_MAXH];	/* kernel handle */
	int hobj[M_MAXH];	/* model object it names */
	int nh;
	int reach[M_MAXOBJ];
	int lo, hi;		/* objects of this model: [lo, hi) */
	int sigtag;
	int cursor;		/* where m_alloc() looks next */
	uint64_t gen;		/* objects created */
};

static uint32_t rnd(struct model *m, uint32_t n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return n ? (uint32_t)((m->rng >> 11) % n) : 0;
}

static void fail_seed(struct model *m, const char *what)
{
	print_error("seed %u: %s\n", m->seed, what);
}

static int m_reach(struct model *m);

/*
 * A model index for a new object: a fresh one, or one whose object is
 * unreachable (it can never be reached again, so the model may forget it;
 * the kernel object may still wait for the collector).
 */
static int m_alloc(struct model *m)
{
	int n;

	if (m->nobj < M_MAXOBJ)
		return m->nobj++;
	m_reach(m);
	for (n = 0; n < M_MAXOBJ; n++) {
		int i = (m->cursor + n) % M_MAXOBJ;

		if (!m->reach[i]) {
			m->cursor = i + 1;
			m->reach[i] = 1;
			return i;
		}
	}
	gc_fail("seed %u: model full", m->seed);
}

/* Indices m_alloc() can still hand out. */
static int m_room(struct model *m)
{
	int i, n = M_MAXOBJ - m->nobj;

	m_reach(m);
	for (i = 0; i < m->nobj; i++)
		n += !m->reach[i];
	return n;
}

static int m_new(struct model *m, int nslots)
{
	int i = m_alloc(m), k;
	struct mobj *o = &m->obj[i];
	uint32_t h;

	gc_check(m->nh < M_MAXH, "seed %u: model handles full", m->seed);
	o->live = 1;
	o->nslots = nslots;
	for (k = 0; k < M_MAXSLOT; k++)
		o->slot[k] = -1;
	o->sig = ((uint64_t)m->sigtag << 56) ^ ((uint64_t)m->seed << 32) ^
		 (uint64_t)++m->gen ^ 0x5e00000000000000ull;
	h = refslab_create(m->fd, nslots, 8);
	rs_write_sig(m->fd, h, o->sig);
	o->kid = refslab_stat(m->fd, h).id;
	m->hnum[m->nh] = h;
	m->hobj[m->nh] = i;
	m->nh++;
	return m->nh - 1;	/* handle index */
}

static void m_set(struct model *m, int hi, int slot, int hti)
{
	struct mobj *o = &m->obj[m->hobj[hi]];

	rs_set(m->fd, m->hnum[hi], slot, hti < 0 ? REFSLAB_NONE : m->hnum[hti]);
	o->slot[slot] = hti < 0 ? -1 : m->hobj[hti];
}

static void m_drop(struct model *m, int hi)
{
	refslab_drop(m->fd, m->hnum[hi]);
	m->nh--;
	m->hnum[hi] = m->hnum[m->nh];
	m->hobj[hi] = m->hobj[m->nh];
}

static void m_dup(struct model *m, int hi)
{
	gc_check(m->nh < M_MAXH, "seed %u: model handles full", m->seed);
	m->hnum[m->nh] = refslab_dup(m->fd, m->hnum[hi]);
	m->hobj[m->nh] = m->hobj[hi];
	m->nh++;
}

static void m_get(struct model *m, int hi, int slot)
{
	int t = m->obj[m->hobj[hi]].slot[slot];
	uint32_t h = rs_get(m->fd, m->hnum[hi], slot);

	if (t < 0) {
		gc_check(h == REFSLAB_NONE, "seed %u: GET_SLOT of an empty slot gave handle %u",
			 m->seed, h);
		return;
	}
	gc_check(h != REFSLAB_NONE, "seed %u: GET_SLOT: slot %d empty, model %d",
		 m->seed, slot, t);
	gc_check(m->nh < M_MAXH, "seed %u: model handles full", m->seed);
	m->hnum[m->nh] = h;
	m->hobj[m->nh] = t;
	m->nh++;
}

/* Objects reachable from live handles; returns how many. */
static int m_reach(struct model *m)
{
	int stack[M_MAXOBJ], sp = 0, i, k, n = 0;

	memset(m->reach, 0, sizeof(m->reach));
	for (i = 0; i < m->nh; i++) {
		int o = m->hobj[i];

		if (!m->reach[o]) {
			m->reach[o] = 1;
			stack[sp++] = o;
		}
	}
	while (sp) {
		struct mobj *o = &m->obj[stack[--sp]];

		n++;
		for (k = 0; k < o->nslots; k++) {
			int t = o->slot[k];

			if (t >= 0 && !m->reach[t]) {
				m->reach[t] = 1;
				stack[sp++] = t;
			}
		}
	}
	return n;
}

/* Refcount of o if exactly the reachable objects exist. */
static uint32_t m_ref(struct model *m, int o)
{
	uint32_t r = 0;
	int i, k;

	for (i = 0; i < m->nh; i++)
		r += m->hobj[i] == o;
	for (i = m->lo; i < m->hi; i++) {
		if (!m->reach[i])
			continue;
		for (k = 0; k < m->obj[i].nslots; k++)
			r += m->obj[i].slot[k] == o;
	}
	return r;
}

/*
 * The object a kernel handle names is model object o: the same id (a
 * freed and reused object has a new one), slot count and payload.
 */
static void m_check_object(struct model *m, uint32_t h, int o)
{
	struct refslab_stat st = refslab_stat(m->fd, h);
	uint64_t sig = rs_read_sig(m->fd, h);

	gc_check(st.id == m->obj[o].kid && st.nslots == (uint32_t)m->obj[o].nslots,
		 "seed %u: object %d is id %llu with %u slots, model id %llu with %d: freed, or a slot names another object",
		 m->seed, o, (unsigned long long)st.id, st.nslots,
		 (unsigned long long)m->obj[o].kid, m->obj[o].nslots);
	gc_check(sig == m->obj[o].sig,
		 "seed %u: object %d payload %#llx, model %#llx: object reused",
		 m->seed, o, (unsigned long long)sig,
		 (unsigned long long)m->obj[o].sig);
}

/*
 * After a collection, with no mutator running: forget the objects the
 * model cannot reach, and walk everything it can, from the handles through
 * GET_SLOT, comparing each object (id, slots, payload), each slot's target
 * and each refcount (exact: handles plus slots of reachable objects, plus
 * the walk's own handle) with the model.  So a wrong free, a wrong
 * survivor holding a reference, or a slot left pointing elsewhere all
 * show, whether or not a handle names the object.  Returns how many
 * objects are reachable.
 */
static int m_check(struct model *m)
{
	uint32_t kh[M_MAXOBJ] = { 0 }, temp[M_MAXOBJ] = { 0 };
	int want[M_MAXOBJ] = { 0 }, queue[M_MAXOBJ], qh = 0, qt = 0, i, k;
	int live = m_reach(m);

	for (i = m->lo; i < m->hi; i++)
		if (!m->reach[i])
			m->obj[i].live = 0;
	for (i = 0; i < m->nh; i++) {
		int o = m->hobj[i];

		want[o]++;
		if (!kh[o]) {
			kh[o] = m->hnum[i];
			queue[qt++] = o;
		}
	}
	while (qh < qt) {
		int o = queue[qh++];
		const struct mobj *mo = &m->obj[o];

		m_check_object(m, kh[o], o);
		for (k = 0; k < mo->nslots; k++) {
			int to = mo->slot[k];
			uint32_t t = rs_get(m->fd, kh[o], k);

			if (to < 0) {
				gc_check(t == REFSLAB_NONE,
					 "seed %u: object %d slot %d names an object, model: empty",
					 m->seed, o, k);
				continue;
			}
			gc_check(t != REFSLAB_NONE,
				 "seed %u: object %d slot %d is empty, model: object %d",
				 m->seed, o, k, to);
			want[to]++;
			m_check_object(m, t, to);
			if (!kh[to]) {
				kh[to] = temp[to] = t;
				queue[qt++] = to;
			} else {
				refslab_drop(m->fd, t);
			}
		}
	}
	gc_eq(qt, live);
	for (i = 0; i < qt; i++) {
		int o = queue[i];
		uint32_t rc = refslab_stat(m->fd, kh[o]).refcount;
		uint32_t w = want[o] + (temp[o] != 0);

		gc_check(rc == w, "seed %u: object %d refcount %u, model %u",
			 m->seed, o, rc, w);
	}
	for (i = 0; i < M_MAXOBJ; i++)
		if (temp[i])
			refslab_drop(m->fd, temp[i]);
	return live;
}

/* Random shapes and operations on the model. */
static void m_shape(struct model *m)
{
	int kind = rnd(m, 6), len, i, first, prev;

	if (m->nh + 80 >= M_MAXH || m_room(m) < 40)
		return;
	switch (kind) {
	case 0:	/* self-loop */
		i = m_new(m, 1 + rnd(m, M_MAXSLOT));
		m_set(m, i, 0, i);
		break;
	case 1:	/* cycle */
	case 2:	/* chain */
		len = 2 + rnd(m, kind == 1 ? 12 : 30);
		first = prev = m_new(m, 1 + rnd(m, M_MAXSLOT));
		for (i = 1; i < len; i++) {
			int cur = m_new(m, 1 + rnd(m, M_MAXSLOT));

			m_set(m, prev, 0, cur);
			prev = cur;
		}
		if (kind == 1)
			m_set(m, prev, 0, first);
		break;
	default:	/* a random object, maybe sharing what exists */
		i = m_new(m, rnd(m, M_MAXSLOT + 1));
		break;
	}
}

static void m_random_op(struct model *m)
{
	int hi, ht, k;
	struct mobj *o;

	if (!m->nh || rnd(m, 8) == 0) {
		m_shape(m);
		return;
	}
	hi = rnd(m, m->nh);
	o = &m->obj[m->hobj[hi]];
	switch (rnd(m, 5)) {
	case 0:
		if (m->nh < M_MAXH - 8)
			m_dup(m, hi);
		break;
	case 1:
		m_drop(m, hi);
		break;
	case 2:
	case 3:
		if (!o->nslots)
			break;
		k = rnd(m, o->nslots);
		ht = rnd(m, 6) ? (int)rnd(m, m->nh) : -1;
		m_set(m, hi, k, ht);
		break;
	case 4:
		if (o->nslots && m->nh < M_MAXH - 8)
			m_get(m, hi, rnd(m, o->nslots));
		break;
	}
}

static void model_init(struct model *m, int fd, unsigned int seed, int tag)
{
	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->seed = seed;
	m->sigtag = tag;
	m->rng = 0x9e3779b97f4a7c15ull * (seed + 1) ^ ((uint64_t)tag << 32);
	m->lo = 0;
	m->hi = M_MAXOBJ;
}

static void model_one_seed(unsigned int seed)
{
	struct model *m = calloc(1, sizeof(*m));
	int fd = refslab_open(), round, i, live;

	assert_non_null(m);
	model_init(m, fd, seed, 0);
	/* some seeds collect with the kthread also running, some without */
	if (seed & 1)
		rs_enable(fd, 0);
	for (round = 0; round < 4; round++) {
		int nops = 20 + rnd(m, 120);

		for (i = 0; i < nops; i++)
			m_random_op(m);
		/* drop a random share of the handles */
		for (i = m->nh - 1; i >= 0; i--)
			if (rnd(m, 3) == 0)
				m_drop(m, i);
		rs_collect(fd);
		live = m_check(m);
		if (rs_objects(fd) != (uint64_t)live) {
			print_error("seed %u round %d: %llu objects, model %d\n",
				    seed, round,
				    (unsigned long long)rs_objects(fd), live);
			fail();
		}
	}
	/* everything goes */
	while (m->nh)
		m_drop(m, m->nh - 1);
	rs_collect(fd);
	if (rs_objects(fd) != 0)
		fail_seed(m, "objects left after dropping every handle");
	assert_int_equal(rs_objects(fd), 0);
	close(fd);
	free(m);
}

static void test_model(void **state)
{
	unsigned long n = env_ul("REFSLAB_GC_SEEDS",
				small_run() ? 100 : debug_kernel() ? 300 : 2000);
	unsigned long first = env_ul("REFSLAB_GC_SEED", 1), s;

	(void)state;
	for (s = first; s < first + n; s++)
		model_one_seed((unsigned int)s);
	printf("# model: %lu seeds from %lu passed\n", n, first);
}

/* ---- module parameters the tests change (the VM runs as root) ---- */

struct param {
	const char *path;
	char saved[32];		/* its value before the test; "" untouched */
};

static struct param budget = { .path = BUDGET_PARAM };
static struct param interval = { .path = INTERVAL_PARAM };

/* Set a module parameter; the write must take effect. */
static void param_set(struct param *p, const char *v)
{
	char back[32] = "";
	FILE *f = fopen(p->path, "r+");

	if (!f)
		fail_msg("open %s: %s", p->path, strerror(errno));
	if (!p->saved[0] && !fgets(p->saved, sizeof(p->saved), f))
		fail_msg("read %s", p->path);
	rewind(f);
	if (fputs(v, f) < 0 || fclose(f))
		fail_msg("write %s: %s", p->path, strerror(errno));
	f = fopen(p->path, "r");
	if (!f)
		fail_msg("open %s: %s", p->path, strerror(errno));
	if (!fgets(back, sizeof(back), f) || strtoul(back, NULL, 0) != strtoul(v, NULL, 0)) {
		fclose(f);
		fail_msg("%s reads '%s' after writing %s", p->path, back, v);
	}
	fclose(f);
}

static void param_restore(struct param *p)
{
	FILE *f;

	if (!p->saved[0])
		return;
	f = fopen(p->path, "w");
	if (f) {
		fputs(p->saved, f);
		fclose(f);
	}
	p->saved[0] = 0;
}

static void restore_params(void)
{
	param_restore(&budget);
	param_restore(&interval);
}

/* Teardown of the tests that change parameters, pass or fail. */
static int restore_params_td(void **state)
{
	(void)state;
	restore_params();
	return 0;
}

/* ---- threads mutating while another collects ---- */

#define NMUT 3
#define THREAD_ROUNDS 10	/* per seed, until something was deferred */

struct mut {
	pthread_t t;
	struct model m;
	unsigned long ops;
	struct thr_fail fail;
};

struct collector {
	pthread_t t;
	int fd;
	struct thr_fail fail;
};

static volatile int mut_running;

static void mut_run(struct mut *mu)
{
	struct model *m = &mu->m;
	unsigned long i;

	for (i = 0; i < mu->ops; i++) {
		m_random_op(m);
		/* revive pattern: a new handle from a slot, then drop the parent */
		if (m->nh && rnd(m, 16) == 0) {
			int hi = rnd(m, m->nh);

			if (m->obj[m->hobj[hi]].nslots && m->nh < M_MAXH - 8) {
				m_get(m, hi, 0);
				m_drop(m, hi);
			}
		}
		if ((i & 63) == 0 && m->nh) {
			/*
			 * What a handle names is intact right now: the same
			 * object, slots and payload.  Its refcount is only
			 * bounded below here: garbage of this model the
			 * collector has not freed yet may still hold
			 * references to it.  Exact refcounts come after the
			 * final collection, and test_gc_step checks each
			 * lock drop of a collection exactly.
			 */
			int hi = rnd(m, m->nh), o = m->hobj[hi];
			uint32_t rc;

			m_reach(m);
			m_check_object(m, m->hnum[hi], o);
			rc = refslab_stat(m->fd, m->hnum[hi]).refcount;
			gc_check(rc >= m_ref(m, o),
				 "seed %u: object %d refcount %u, below the model's %u",
				 m->seed, o, rc, m_ref(m, o));
		}
	}
}

static void *mut_main(void *arg)
{
	struct mut *mu = arg;

	thr_fail = &mu->fail;
	if (!setjmp(mu->fail.jb))
		mut_run(mu);
	return NULL;
}

static void collector_run(struct collector *col)
{
	while (mut_running) {
		struct refslab_gc_collect c = { 0 };
		int err = rio(col->fd, REFSLAB_IOC_GC_COLLECT, &c);

		gc_check(err == 0 || err == -EINTR, "GC_COLLECT: %s",
			 strerror(-err));
		/* let candidates pile up so collections span many slices */
		usleep(500);
	}
}

static void *collector_main(void *arg)
{
	struct collector *col = arg;

	thr_fail = &col->fail;
	if (!setjmp(col->fail.jb))
		collector_run(col);
	return NULL;
}

/* NMUT mutators and a collector on one heap; failures reported here. */
static void thread_round(struct mut *mu, int fd)
{
	struct collector col = { .fd = fd };
	char who[64];
	int i;

	mut_running = 1;
	assert_int_equal(pthread_create(&col.t, NULL, collector_main, &col), 0);
	for (i = 0; i < NMUT; i++) {
		memset(&mu[i].fail, 0, sizeof(mu[i].fail));
		assert_int_equal(pthread_create(&mu[i].t, NULL, mut_main, &mu[i]), 0);
	}
	for (i = 0; i < NMUT; i++)
		pthread_join(mu[i].t, NULL);
	mut_running = 0;
	pthread_join(col.t, NULL);
	for (i = 0; i < NMUT; i++) {
		snprintf(who, sizeof(who), "mutator %d", i);
		thr_report(&mu[i].fail, who);
	}
	thr_report(&col.fail, "collector");
}

static void test_threads(void **state)
{
	unsigned long ops = env_ul("REFSLAB_GC_THREAD_OPS", 4000);
	unsigned long seeds = env_ul("REFSLAB_GC_THREAD_SEEDS", 4), s;
	struct mut *mu = calloc(NMUT, sizeof(*mu));
	int i;

	(void)state;
	assert_non_null(mu);
	/*
	 * Budget 1: a collection drops the lock after every object, so the
	 * mutators (slow under ASan) still land inside it often enough for
	 * every seed to defer something.
	 */
	param_set(&budget, "1");
	for (s = 1; s <= seeds; s++) {
		int fd = refslab_open(), rounds = 0;
		struct refslab_gc_stats st;
		long live = 0;

		for (i = 0; i < NMUT; i++) {
			model_init(&mu[i].m, fd, (unsigned int)(s * 100 + i), i + 1);
			mu[i].ops = ops;
		}
		/*
		 * Each seed's run must exercise the barrier (members that
		 * changed under a collection are deferred, not freed): more
		 * rounds on the same heap until it has, up to a bound.
		 */
		do {
			thread_round(mu, fd);
			rounds++;
			st = refslab_gc_stats(fd);
		} while (!st.deferred && rounds < THREAD_ROUNDS);
		rs_collect(fd);
		for (i = 0; i < NMUT; i++)
			live += m_check(&mu[i].m);
		if (rs_objects(fd) != (uint64_t)live)
			fail_msg("thread seed %lu: %llu objects, model %ld", s,
				 (unsigned long long)rs_objects(fd), live);
		st = refslab_gc_stats(fd);
		printf("# threads seed %lu: %d rounds, %ld live, %llu collections, %llu collected, %llu deferred, max pause %llu us\n",
		       s, rounds, live, (unsigned long long)st.collections,
		       (unsigned long long)st.collected,
		       (unsigned long long)st.deferred,
		       (unsigned long long)st.max_pause_ns / 1000);
		close(fd);
		if (!st.deferred) {
			free(mu);
			fail_msg("thread seed %lu: nothing deferred in %d rounds of %d mutators",
				 s, rounds, NMUT);
		}
	}
	param_restore(&budget);
	free(mu);
}

/* ---- a million ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void raise_limits(int fd, unsigned long n)
{
	struct refslab_limits l = { .max_objects = n + 16,
				    .max_handles = n + 16,
				    .max_bytes = (n + 16) * 128 };

	/* above the defaults needs CAP_SYS_RESOURCE; fine if refused */
	(void)rio(fd, REFSLAB_IOC_SET_LIMITS, &l);
}

/* A cycle of n objects, all garbage: one collection frees them all. */
static void test_big_cycle(void **state)
{
	unsigned long n = big_n(), i;
	struct batch *b = calloc(1, sizeof(*b));
	uint32_t *h = calloc(n, sizeof(*h));
	struct refslab_gc_collect c;
	int fd = refslab_open();
	double t;

	(void)state;
	assert_true(b && h && n >= 4);
	b->fd = fd;
	raise_limits(fd, n);
	rs_enable(fd, 0);
	big_create(b, h, n, 1);
	assert_int_equal(rs_objects(fd), n);
	b->n = 0;
	for (i = 0; i < n; i++)
		big_link(b, h[i], h[(i + 1) % n]);
	for (i = 0; i < n; i++)
		big_drop(b, h[i]);
	batch_flush(b);
	assert_int_equal(rs_objects(fd), n);
	t = now_s();
	c = rs_collect(fd);
	t = now_s() - t;
	printf("# cycle of %lu: collected %llu in %.3f s\n", n,
	       (unsigned long long)c.collected, t);
	assert_int_equal(c.collected, n);
	assert_int_equal(rs_objects(fd), 0);
	close(fd);
	free(h);
	free(b);
}

/*
 * A chain of n objects pointing into a garbage 2-cycle: dropping the
 * chain's handles frees it by refcount (iterative teardown, no recursion,
 * no soft lockup); the cycle is left for the collector.
 */
static void test_big_chain_from_cycle(void **state)
{
	unsigned long n = big_n(), i;
	struct batch *b = calloc(1, sizeof(*b));
	uint32_t *h = calloc(n, sizeof(*h));
	struct refslab_gc_collect c;
	int fd = refslab_open();

	(void)state;
	assert_true(b && h);
	b->fd = fd;
	raise_limits(fd, n);
	rs_enable(fd, 0);
	big_create(b, h, n, 1);
	b->n = 0;
	big_link(b, h[0], h[1]);
	big_link(b, h[1], h[0]);
	for (i = 2; i + 1 < n; i++)
		big_link(b, h[i], h[i + 1]);
	big_link(b, h[n - 1], h[0]);
	/* the cycle's handles, the chain's from its tail, then its head:
	 * the last drop tears the whole chain down in one put */
	big_drop(b, h[0]);
	big_drop(b, h[1]);
	for (i = n - 1; i > 2; i--)
		big_drop(b, h[i]);
	batch_flush(b);
	b->n = 0;
	assert_int_equal(rs_objects(fd), n);
	big_drop(b, h[2]);
	batch_flush(b);
	/* the chain went by refcount (iterative teardown), the cycle stays */
	assert_int_equal(rs_objects(fd), 2);
	c = rs_collect(fd);
	assert_int_equal(c.collected, 2);
	assert_int_equal(rs_objects(fd), 0);
	close(fd);
	free(h);
	free(b);
}

/*
 * Garbage the collector must walk as one long chain: a chain of n / 2
 * two-slot objects whose tail points back at the head, handles dropped
 * from the tail so that every object is a candidate.
 */
static void test_big_chain_gc(void **state)
{
	unsigned long n = big_n() / 2, i;
	struct batch *b = calloc(1, sizeof(*b));
	uint32_t *h = calloc(n, sizeof(*h));
	struct refslab_gc_collect c;
	int fd = refslab_open();

	(void)state;
	assert_true(b && h && n >= 4);
	b->fd = fd;
	raise_limits(fd, n);
	rs_enable(fd, 0);
	big_create(b, h, n, 2);
	/* chain 0 -> 1 -> ... -> n-1, and n-1's slot 1 back to 0 */
	for (i = 0; i + 1 < n; i++)
		big_link(b, h[i], h[i + 1]);
	{
		struct refslab_op *o = batch_op(b, REFSLAB_OP_SET_SLOT);

		o->args.slot.handle = h[n - 1];
		o->args.slot.slot = 1;
		o->args.slot.target = h[0];
	}
	/* drop from the tail: every drop leaves a candidate */
	for (i = n; i-- > 0;)
		big_drop(b, h[i]);
	batch_flush(b);
	assert_int_equal(rs_objects(fd), n);
	c = rs_collect(fd);
	assert_int_equal(c.collected, n);
	assert_int_equal(rs_objects(fd), 0);
	close(fd);
	free(h);
	free(b);
}

/* ---- controls ---- */

static int wait_objects(int fd, uint64_t want, double secs)
{
	double end = now_s() + secs;

	while (now_s() < end) {
		if (rs_objects(fd) == want)
			return 1;
		usleep(20000);
	}
	return rs_objects(fd) == want;
}

/* n garbage 2-cycles; returns the objects created */
static int make_garbage_pairs(int fd, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint32_t a = refslab_create(fd, 1, 0), b = refslab_create(fd, 1, 0);

		rs_set(fd, a, 0, b);
		rs_set(fd, b, 0, a);
		refslab_drop(fd, a);
		refslab_drop(fd, b);
	}
	return 2 * n;
}

/* The collector kthread's passes so far (debugfs gc, "kthread_passes"). */
static long long kthread_passes(void)
{
	struct rsdbg_gc g;
	uint64_t n;
	char *text = NULL;
	int err = rsdbg_read("gc", &text, NULL);

	if (err)
		fail_msg("read %s/gc: %s", rsdbg_root(), strerror(-err));
	err = rsdbg_gc_parse(text, &g);
	free(text);
	if (err)
		fail_msg("%s/gc: %s", rsdbg_root(), err == -EPROTO ? g.why : strerror(-err));
	err = rsdbg_gc_u64(&g.global, "kthread_passes", &n);
	rsdbg_gc_free(&g);
	if (err)
		fail_msg("no kthread_passes in debugfs refslab/gc");
	return (long long)n;
}

/*
 * The kthread reads gc_interval_ms when it goes to sleep: wake it (a
 * garbage pair in a heap of threshold 1) so that it sleeps again with the
 * value just written.
 */
static void kthread_nudge(void)
{
	int fd = refslab_open();

	rs_control(fd, REFSLAB_GC_SET_ENABLED | REFSLAB_GC_SET_THRESHOLD, 1, 1);
	make_garbage_pairs(fd, 1);
	assert_true(wait_objects(fd, 0, 30));
	close(fd);
	usleep(100000);
}

/*
 * Enable, disable and the threshold decide when the kthread collects a
 * heap.  The timer pass collects any enabled heap with candidates,
 * whatever its threshold, so the threshold is tested with the timer off
 * (gc_interval_ms=0): garbage below it must stay, garbage that reaches it
 * must go.  With a fast timer on, a disabled heap is never collected.
 */
static void test_disable_enable_threshold(void **state)
{
	int fd = refslab_open();
	struct refslab_gc_control c;
	struct refslab_gc_stats s;
	long long p0, p1;

	(void)state;
	/* defaults: enabled, adaptive */
	c = rs_control(fd, 0, 0, 0);
	assert_int_equal(c.enabled, 1);
	assert_int_equal(c.adaptive, 1);
	assert_true(c.threshold > 0);

	c = rs_control(fd, REFSLAB_GC_SET_ENABLED | REFSLAB_GC_SET_THRESHOLD,
		       0, 40);
	assert_int_equal(c.enabled, 0);
	assert_int_equal(c.threshold, 40);
	assert_int_equal(c.adaptive, 0);
	s = refslab_gc_stats(fd);
	assert_int_equal(s.enabled, 0);
	assert_int_equal(s.threshold, 40);

	/* disabled, 100 candidates (over the threshold), a timer pass every
	 * 50 ms: passes run, nothing is collected */
	param_set(&interval, "50");
	kthread_nudge();
	make_garbage_pairs(fd, 50);
	assert_int_equal(refslab_gc_stats(fd).pending, 100);
	p0 = kthread_passes();
	usleep(600000);
	p1 = kthread_passes();
	printf("# disabled: %lld kthread passes in 0.6 s, nothing collected\n", p1 - p0);
	assert_true(p1 - p0 >= 2);
	s = refslab_gc_stats(fd);
	assert_int_equal(s.collections, 0);
	assert_int_equal(rs_objects(fd), 100);

	/* the timer off: once the kthread has gone back to sleep with the
	 * new interval, it passes only when kicked */
	param_set(&interval, "0");
	kthread_nudge();
	p0 = kthread_passes();
	usleep(300000);
	assert_int_equal(kthread_passes(), p0);

	/* enabling kicks the kthread: over the threshold already */
	rs_enable(fd, 1);
	assert_true(wait_objects(fd, 0, 30));
	s = refslab_gc_stats(fd);
	assert_int_equal(s.collections, 1);
	assert_int_equal(s.collected, 100);
	assert_int_equal(s.pending, 0);

	/* below the threshold (30 of 40 candidates): nothing runs */
	make_garbage_pairs(fd, 15);
	assert_int_equal(refslab_gc_stats(fd).pending, 30);
	usleep(500000);
	s = refslab_gc_stats(fd);
	assert_int_equal(s.collections, 1);
	assert_int_equal(s.pending, 30);
	assert_int_equal(rs_objects(fd), 30);

	/* reaching it (40) kicks a collection */
	make_garbage_pairs(fd, 5);
	assert_true(wait_objects(fd, 0, 30));
	s = refslab_gc_stats(fd);
	assert_int_equal(s.collections, 2);
	assert_int_equal(s.collected, 140);
	assert_int_equal(s.pending, 0);
	param_restore(&interval);

	/* back to adaptive */
	c = rs_control(fd, REFSLAB_GC_SET_THRESHOLD, 0, 0);
	assert_int_equal(c.adaptive, 1);
	assert_true(c.threshold >= 1);
	close(fd);
}

static void test_freeze(void **state)
{
	int fd = refslab_open();
	struct refslab_gc_freeze f = { 0 };
	struct refslab_gc_stats s;
	uint32_t a, b, live;

	(void)state;
	rs_enable(fd, 0);
	a = refslab_create(fd, 1, 0);
	b = refslab_create(fd, 1, 0);
	live = refslab_create(fd, 1, 0);
	rs_set(fd, a, 0, b);
	rs_set(fd, b, 0, a);
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_FREEZE, &f), 0);
	assert_int_equal(f.count, 3);
	assert_true(refslab_stat(fd, a).state & REFSLAB_STATE_FROZEN);
	assert_int_equal(refslab_gc_stats(fd).frozen, 3);
	/* freezing again changes nothing */
	f.count = 0;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_FREEZE, &f), 0);
	assert_int_equal(f.count, 0);

	refslab_drop(fd, a);
	refslab_drop(fd, b);
	rs_collect(fd);
	assert_int_equal(rs_objects(fd), 3);	/* frozen garbage is kept */

	f.flags = REFSLAB_GC_UNFREEZE;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_FREEZE, &f), 0);
	assert_int_equal(f.count, 3);
	assert_false(refslab_stat(fd, live).state & REFSLAB_STATE_FROZEN);
	s = refslab_gc_stats(fd);
	assert_int_equal(s.frozen, 0);
	assert_int_equal(rs_collect(fd).collected, 2);
	assert_int_equal(rs_objects(fd), 1);
	assert_int_equal(refslab_stat(fd, live).refcount, 1);
	close(fd);
}

static void test_stats(void **state)
{
	int fd = refslab_open();
	struct refslab_gc_stats s0, s1;
	struct refslab_gc_collect c;
	uint64_t sum = 0;
	uint32_t keep;
	int i;

	(void)state;
	rs_enable(fd, 0);
	s0 = refslab_gc_stats(fd);
	assert_int_equal(s0.collections, 0);
	assert_int_equal(s0.collected, 0);
	assert_int_equal(s0.pending, 0);
	assert_int_equal(s0.frozen, 0);

	make_garbage_pairs(fd, 10);
	keep = refslab_create(fd, 1, 0);
	rs_set(fd, keep, 0, keep);	/* live self-loop */
	refslab_drop(fd, refslab_dup(fd, keep));	/* a candidate that is live */
	s0 = refslab_gc_stats(fd);
	assert_int_equal(s0.pending, 21);
	assert_true(refslab_stat(fd, keep).state & REFSLAB_STATE_CANDIDATE);

	c = rs_collect(fd);
	assert_int_equal(c.collected, 20);
	assert_int_equal(c.scanned, 21);
	s1 = refslab_gc_stats(fd);
	assert_int_equal(s1.collections, 1);
	assert_int_equal(s1.candidates, 21);
	assert_int_equal(s1.scanned, 21);
	assert_int_equal(s1.collected, 20);
	assert_int_equal(s1.deferred, 0);
	assert_int_equal(s1.pending, 0);
	assert_true(s1.last_ns > 0);
	assert_true(s1.max_ns >= s1.last_ns);
	assert_true(s1.total_ns >= s1.last_ns);
	assert_true(s1.max_pause_ns > 0 && s1.max_pause_ns <= s1.last_ns);
	for (i = 0; i < REFSLAB_GC_PAUSE_BUCKETS; i++)
		sum += s1.pauses[i];
	assert_true(sum >= 2);		/* one hold per phase at least */
	assert_false(refslab_stat(fd, keep).state & REFSLAB_STATE_CANDIDATE);
	assert_int_equal(refslab_stat(fd, keep).refcount, 2);

	/* an empty collection counts, frees nothing */
	c = rs_collect(fd);
	assert_int_equal(c.collected, 0);
	assert_int_equal(refslab_gc_stats(fd).collections, 2);
	close(fd);
}

/* A struct of an arbitrary size for the size-extensible rules. */
#define GC_IOC(nr, dir, size) _IOC(dir, REFSLAB_IOC_MAGIC, nr, size)

static void test_bad_args(void **state)
{
	int fd = refslab_open();
	struct refslab_gc_collect c;
	struct refslab_gc_control k;
	struct refslab_gc_freeze f;
	unsigned char big[sizeof(struct refslab_gc_collect) + 8];
	uint32_t thr;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.flags = 0x80;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_COLLECT, &c), -EINVAL);
	memset(&c, 0, sizeof(c));
	c.__pad = 1;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_COLLECT, &c), -EINVAL);

	memset(&k, 0, sizeof(k));
	k.flags = 0x4;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_CONTROL, &k), -EINVAL);
	k.flags = REFSLAB_GC_SET_ENABLED;
	k.enabled = 2;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_CONTROL, &k), -EINVAL);
	/* a threshold above 2^24: EINVAL, and nothing changed */
	k = rs_control(fd, 0, 0, 0);
	assert_int_equal(k.adaptive, 1);
	thr = k.threshold;
	k.flags = REFSLAB_GC_SET_THRESHOLD | REFSLAB_GC_SET_ENABLED;
	k.enabled = 0;
	k.threshold = THRESHOLD_MAX + 1;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_CONTROL, &k), -EINVAL);
	k.threshold = UINT32_MAX;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_CONTROL, &k), -EINVAL);
	k = rs_control(fd, 0, 0, 0);
	assert_int_equal(k.threshold, thr);
	assert_int_equal(k.adaptive, 1);
	assert_int_equal(k.enabled, 1);
	/* 2^24 itself is allowed */
	k = rs_control(fd, REFSLAB_GC_SET_THRESHOLD, 0, THRESHOLD_MAX);
	assert_int_equal(k.threshold, THRESHOLD_MAX);
	assert_int_equal(k.adaptive, 0);
	assert_int_equal(refslab_gc_stats(fd).threshold, THRESHOLD_MAX);

	memset(&f, 0, sizeof(f));
	f.flags = 2;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_FREEZE, &f), -EINVAL);
	memset(&f, 0, sizeof(f));
	f.__pad = 1;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_FREEZE, &f), -EINVAL);

	/* smaller than the first version */
	memset(big, 0, sizeof(big));
	assert_int_equal(rio(fd, GC_IOC(0x10, _IOC_READ | _IOC_WRITE, 8), big),
			 -EINVAL);
	assert_int_equal(rio(fd, GC_IOC(0x13, _IOC_READ, 8), big), -EINVAL);
	/* larger with a zero tail: fine; non-zero tail: E2BIG */
	assert_int_equal(rio(fd, GC_IOC(0x10, _IOC_READ | _IOC_WRITE,
					sizeof(big)), big), 0);
	big[sizeof(big) - 1] = 1;
	assert_int_equal(rio(fd, GC_IOC(0x10, _IOC_READ | _IOC_WRITE,
					sizeof(big)), big), -E2BIG);
	/* faulting pointer */
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_STATS, (void *)16), -EFAULT);
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_COLLECT, (void *)16), -EFAULT);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct intr_arg {
	int fd;
	uint32_t flags;
	volatile int started;
	int err;
	struct refslab_gc_collect c;
};

static void *intr_collect(void *p)
{
	struct intr_arg *a = p;

	memset(&a->c, 0, sizeof(a->c));
	a->c.flags = a->flags;
	a->started = 1;
	a->err = rio(a->fd, REFSLAB_IOC_GC_COLLECT, &a->c);
	return NULL;
}

/* A garbage cycle of n objects, every one a candidate. */
static void garbage_cycle(struct batch *b, uint32_t *h, unsigned long n)
{
	unsigned long i;

	big_create(b, h, n, 1);
	b->n = 0;
	for (i = 0; i < n; i++)
		big_link(b, h[i], h[(i + 1) % n]);
	for (i = 0; i < n; i++)
		big_drop(b, h[i]);
	batch_flush(b);
	b->n = 0;
	assert_int_equal(rs_objects(b->fd), n);
}

/*
 * A signal interrupts a collection: EINTR and nothing freed, or it was
 * too late and everything was.  Never half.  The test must see an EINTR:
 * a collection that ignores signals fails it.
 */
static void test_interrupt(void **state)
{
	unsigned long n = big_n() / 4;
	struct batch *b = calloc(1, sizeof(*b));
	uint32_t *h = calloc(n, sizeof(*h));
	struct sigaction sa;
	struct intr_arg a;
	pthread_t t;
	int fd = refslab_open(), tries, eintr = 0, late = 0;

	(void)state;
	assert_true(b && h);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	b->fd = fd;
	raise_limits(fd, n);
	rs_enable(fd, 0);
	garbage_cycle(b, h, n);
	for (tries = 0; tries < 12 && (!eintr || tries < 4); tries++) {
		memset(&a, 0, sizeof(a));
		a.fd = fd;
		assert_int_equal(pthread_create(&t, NULL, intr_collect, &a), 0);
		while (!a.started)
			usleep(100);
		/* later each time, then from the start again, sooner */
		usleep(tries < 6 ? 2000 + tries * 3000 : 200 * (tries - 5));
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		if (a.err == -EINTR) {
			assert_int_equal(rs_objects(fd), n);
			eintr++;
			continue;
		}
		assert_int_equal(a.err, 0);
		assert_int_equal(a.c.collected, n);
		assert_int_equal(rs_objects(fd), 0);
		late++;
		garbage_cycle(b, h, n);
	}
	printf("# %d collections interrupted (EINTR, all %lu objects kept), %d finished first\n",
	       eintr, n, late);
	if (!eintr)
		fail_msg("no EINTR in %d collections of %lu objects interrupted by a signal",
			 tries, n);
	assert_int_equal(rs_collect(fd).collected, n);
	assert_int_equal(rs_objects(fd), 0);
	close(fd);
	free(h);
	free(b);
}

/*
 * REFSLAB_GC_NOWAIT: a collection of an idle heap runs as any other; while
 * another collection of the heap runs it is refused with EBUSY, and the
 * running one finishes its work.  The running one is a long collection (a
 * big garbage cycle, a small slice budget); tried until the two overlap.
 */
static void test_nowait_busy(void **state)
{
	unsigned long n = big_n() / 4;
	struct batch *b = calloc(1, sizeof(*b));
	uint32_t *h = calloc(n, sizeof(*h));
	struct refslab_gc_collect c;
	struct intr_arg a;
	pthread_t t;
	int fd = refslab_open(), tries, busy = 0, err;

	(void)state;
	assert_true(b && h);
	b->fd = fd;
	raise_limits(fd, n);
	rs_enable(fd, 0);
	make_garbage_pairs(fd, 3);
	memset(&c, 0, sizeof(c));
	c.flags = REFSLAB_GC_NOWAIT;
	assert_int_equal(rio(fd, REFSLAB_IOC_GC_COLLECT, &c), 0);
	assert_int_equal(c.collected, 6);
	assert_int_equal(rs_objects(fd), 0);

	param_set(&budget, "16");
	for (tries = 0; tries < 10 && !busy; tries++) {
		garbage_cycle(b, h, n);
		memset(&a, 0, sizeof(a));
		a.fd = fd;
		assert_int_equal(pthread_create(&t, NULL, intr_collect, &a), 0);
		while (!a.started)
			usleep(100);
		usleep(1000 + tries * 1000);
		memset(&c, 0, sizeof(c));
		c.flags = REFSLAB_GC_NOWAIT;
		err = rio(fd, REFSLAB_IOC_GC_COLLECT, &c);
		pthread_join(t, NULL);
		assert_int_equal(a.err, 0);
		if (err == -EBUSY) {
			/* refused: the running collection freed everything */
			busy++;
			assert_int_equal(a.c.collected, n);
		} else {
			/* ran before or after the other: together, all of it */
			assert_int_equal(err, 0);
			assert_int_equal(a.c.collected + c.collected, n);
		}
		assert_int_equal(rs_objects(fd), 0);
	}
	param_restore(&budget);
	if (busy)
		printf("# NOWAIT: EBUSY on try %d\n", tries);
	if (!busy)
		fail_msg("no EBUSY from GC_COLLECT with REFSLAB_GC_NOWAIT in %d tries during a collection of %lu objects",
			 tries, n);
	close(fd);
	free(h);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_freeze),
		cmocka_unit_test(test_model),
		cmocka_unit_test_teardown(test_threads, restore_params_td),
		cmocka_unit_test(test_big_cycle),
		cmocka_unit_test(test_big_chain_from_cycle),
		cmocka_unit_test(test_big_chain_gc),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test_teardown(test_nowait_busy, restore_params_td),
		cmocka_unit_test_teardown(test_disable_enable_threshold,
					  restore_params_td),
	};

	rs_test_init();
	atexit(restore_params);
	if (getenv("REFSLAB_GC_TESTS"))
		cmocka_set_test_filter(getenv("REFSLAB_GC_TESTS"));
	return cmocka_run_group_tests_name("gc", tests, NULL, NULL);
}
