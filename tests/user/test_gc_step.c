// SPDX-License-Identifier: GPL-2.0
/*
 * test_gc_step: the collector under forced interleavings.
 *
 * With gc_slice_budget=1 every object the collector visits ends a hold of
 * the heap lock, and the debugfs file gc_step stops this process's
 * collections at each point where the lock is dropped.  At a point of its
 * choice the test runs a mutator operation (create, drop, dup, get-slot,
 * set-slot, or recycling a freed table entry into a self-linked
 * candidate), then lets the collection go on.  The oracle is a userspace
 * model of handles and slots, computed apart from the module:
 *
 *  - everything reachable from a handle after the collection is alive,
 *    with its own id, payload tag and slot targets, and a refcount of at
 *    least (exactly, once no garbage is left) its handles plus the slots
 *    of reachable objects naming it;
 *  - everything unreachable when the collection began is freed by it
 *    (when the operation made nothing unreachable, the heap holds exactly
 *    the reachable objects afterwards), and a second collection leaves
 *    exactly the reachable objects.
 *
 * Exhaustively: every operation on every handle at every point of one
 * collection, over a set of small shapes, each built on a stale candidate
 * id (an entry freed after it was buffered and reused at once).  Then
 * seeded random graphs with up to three operations at random points.
 * Also the reproducer of issue 9, without stepping, and that stepping
 * armed by a process that has exited stops no process that gets its pid
 * number later (issue 22: it was armed for the number).
 *
 *   REFSLAB_STEP_SEEDS  random cases (default 300; 500 on the debug
 *                       kernel; 30 for the 32-bit and ASan builds, which
 *                       also enumerate only shapes 0 and 2)
 *   REFSLAB_STEP_SEED   first seed (default 1)
 *
 * Needs root (module parameters, debugfs).  Runs with gc_verify on, so
 * the module checks every heap after each collection as well.
 */
#include <sched.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "rs_test.h"
#include "rs_step.h"

#define MAXO		64
#define MAXH		512
#define NSLOTS		2
#define NONE		REFSLAB_NONE

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static int debug_kernel(void)
{
	return access("/sys/kernel/debug/kmemleak", F_OK) == 0;
}

/*
 * The 32-bit and ASan builds are there for the compat ABI and for this
 * program's own memory errors; the interleavings they would explore are
 * the 64-bit build's, so they run a part of them.
 */
static int quick_build(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 1;
#else
	return sizeof(void *) == 4;
#endif
}

/* ---- the model ---- */

struct mobj {
	int slot[NSLOTS];	/* model index of the target, -1 empty */
	uint64_t tag;		/* payload: unique per object */
	uint64_t kid;		/* the module's id (STAT) */
};

struct model {
	refslab_heap *h;
	struct mobj o[MAXO];
	int n;
	int hobj[MAXH];		/* handle -> model object, -1 */
};

static uint64_t next_tag = 0x5eed0000;

static void m_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	memset(m->hobj, -1, sizeof(m->hobj));
	m->h = open_heap();
	gc_off(m->h);
}

static void m_fini(struct model *m)
{
	refslab_close(m->h);
	m->h = NULL;
}

static void m_bind(struct model *m, uint32_t hd, int obj)
{
	if (hd >= MAXH)
		fail_msg("handle %u beyond the model's table", hd);
	assert_int_equal(m->hobj[hd], -1);
	m->hobj[hd] = obj;
}

static uint32_t m_create(struct model *m)
{
	struct refslab_stat st;
	struct mobj *o;
	uint32_t hd = mk(m->h, NSLOTS, sizeof(uint64_t));

	if (m->n >= MAXO)
		fail_msg("model full");
	o = &m->o[m->n];
	o->slot[0] = o->slot[1] = -1;
	o->tag = next_tag++;
	assert_ok(refslab_write(m->h, hd, 0, &o->tag, sizeof(o->tag)));
	assert_ok(refslab_stat(m->h, hd, &st));
	o->kid = st.id;
	m_bind(m, hd, m->n++);
	return hd;
}

static uint32_t m_dup(struct model *m, uint32_t hd)
{
	uint32_t nh;

	assert_ok(refslab_dup(m->h, hd, &nh));
	m_bind(m, nh, m->hobj[hd]);
	return nh;
}

static void m_drop(struct model *m, uint32_t hd)
{
	assert_int_not_equal(m->hobj[hd], -1);
	assert_ok(refslab_drop(m->h, hd));
	m->hobj[hd] = -1;
}

static void m_set(struct model *m, uint32_t hd, int i, uint32_t t)
{
	assert_ok(refslab_set_slot(m->h, hd, i, t));
	m->o[m->hobj[hd]].slot[i] = t == NONE ? -1 : m->hobj[t];
}

static uint32_t m_get(struct model *m, uint32_t hd, int i)
{
	uint32_t t;

	assert_ok(refslab_get_slot(m->h, hd, i, &t));
	if (m->o[m->hobj[hd]].slot[i] < 0) {
		assert_int_equal(t, NONE);
		return NONE;
	}
	assert_int_not_equal(t, NONE);
	m_bind(m, t, m->o[m->hobj[hd]].slot[i]);
	return t;
}

/* A decrement to non-zero: the object becomes a candidate. */
static void m_candidate(struct model *m, uint32_t hd)
{
	m_drop(m, m_dup(m, hd));
}

static int m_reach(const struct model *m, bool *r)
{
	int stack[MAXO], sp = 0, n = 0, i, j;

	memset(r, 0, sizeof(bool) * MAXO);
	for (i = 0; i < MAXH; i++) {
		int o = m->hobj[i];

		if (o >= 0 && !r[o]) {
			r[o] = true;
			stack[sp++] = o;
		}
	}
	while (sp) {
		int o = stack[--sp];

		n++;
		for (j = 0; j < NSLOTS; j++) {
			int t = m->o[o].slot[j];

			if (t >= 0 && !r[t]) {
				r[t] = true;
				stack[sp++] = t;
			}
		}
	}
	return n;
}

static int m_handles(const struct model *m, uint32_t *out)
{
	int i, n = 0;

	for (i = 0; i < MAXH; i++)
		if (m->hobj[i] >= 0)
			out[n++] = i;
	return n;
}

/* ---- operations ---- */

enum opk { OP_DROP, OP_DUP, OP_GET, OP_SET, OP_CREATE, OP_RECYCLE, OP_KINDS };
static const char *const opname[] = {
	"drop", "dup", "get", "set", "create", "recycle",
};

struct op {
	enum opk k;
	uint32_t h, t;
	int slot;
};

/*
 * Drop @hd, then make a new self-linked candidate, which takes the entry
 * just freed if the module reuses it at once (the sequence of issue 9).
 */
static void m_recycle(struct model *m, uint32_t hd)
{
	uint32_t z;

	m_drop(m, hd);
	z = m_create(m);
	m_set(m, z, 0, z);
	m_candidate(m, z);
}

static void apply(struct model *m, const struct op *op)
{
	switch (op->k) {
	case OP_DROP:
		m_drop(m, op->h);
		break;
	case OP_DUP:
		m_dup(m, op->h);
		break;
	case OP_GET:
		m_get(m, op->h, op->slot);
		break;
	case OP_SET:
		m_set(m, op->h, op->slot, op->t);
		break;
	case OP_CREATE:
		m_create(m);
		break;
	case OP_RECYCLE:
		m_recycle(m, op->h);
		break;
	default:
		fail();
	}
}

/* Every operation on the handles the model has now. */
static int all_ops(const struct model *m, struct op *ops)
{
	uint32_t hs[MAXH];
	int nh = m_handles(m, hs), n = 0, a, b, i;

	for (a = 0; a < nh; a++) {
		ops[n++] = (struct op){ OP_DROP, hs[a], 0, 0 };
		ops[n++] = (struct op){ OP_DUP, hs[a], 0, 0 };
		ops[n++] = (struct op){ OP_RECYCLE, hs[a], 0, 0 };
		for (i = 0; i < NSLOTS; i++) {
			ops[n++] = (struct op){ OP_GET, hs[a], 0, i };
			ops[n++] = (struct op){ OP_SET, hs[a], NONE, i };
			for (b = 0; b < nh; b++)
				ops[n++] = (struct op){ OP_SET, hs[a], hs[b], i };
		}
	}
	ops[n++] = (struct op){ OP_CREATE, 0, 0, 0 };
	return n;
}

static struct op random_op(const struct model *m, unsigned int *seed)
{
	uint32_t hs[MAXH];
	int nh = m_handles(m, hs);
	struct op op = { OP_CREATE, 0, 0, 0 };

	if (!nh)
		return op;
	op.k = rand_r(seed) % OP_KINDS;
	op.h = hs[rand_r(seed) % nh];
	op.slot = rand_r(seed) % NSLOTS;
	op.t = rand_r(seed) % 4 ? hs[rand_r(seed) % nh] : NONE;
	return op;
}

/* ---- stepping one collection ---- */

/* What to do at the points of one collection. */
struct plan {
	int n;
	int point[4];		/* 1-based point */
	struct op op[4];
	bool random[4];		/* choose the op when the point comes */
	unsigned int seed;
	int applied;
};

struct plan_run {
	struct model *m;
	struct plan *p;
};

static unsigned long explored;

/* At a point of collect(): the plan's operations for it. */
static void plan_point(void *arg, int pt)
{
	struct plan_run *pr = arg;
	struct plan *p = pr->p;
	int i;

	for (i = 0; p && i < p->n; i++) {
		if (p->point[i] != pt)
			continue;
		if (p->random[i])
			p->op[i] = random_op(pr->m, &p->seed);
		apply(pr->m, &p->op[i]);
		p->applied++;
	}
}

/*
 * Run one collection of @m, stopping at each point; returns the number of
 * points it had.
 */
static int collect(struct model *m, struct plan *p, struct refslab_gc_collect *out)
{
	struct plan_run pr = { .m = m, .p = p };

	return step_collect(m->h, plan_point, &pr, out);
}

/* ---- the oracle ---- */

static void check_object(struct model *m, uint32_t hd, int o)
{
	struct refslab_stat st;
	uint64_t tag = 0;

	assert_ok(refslab_stat(m->h, hd, &st));
	if (st.id != m->o[o].kid || st.nslots != NSLOTS)
		fail_msg("object %d: id %llu nslots %u, model id %llu: a live object was freed",
			 o, (unsigned long long)st.id, st.nslots,
			 (unsigned long long)m->o[o].kid);
	assert_ok(refslab_read(m->h, hd, 0, &tag, sizeof(tag)));
	if (tag != m->o[o].tag)
		fail_msg("object %d: payload %#llx, model %#llx: a live object was freed",
			 o, (unsigned long long)tag, (unsigned long long)m->o[o].tag);
}

/*
 * Walk everything reachable through GET_SLOT and compare it with the
 * model: ids, payloads, slot targets, refcounts (exact when @exact, at
 * least the model's otherwise: unreachable objects not yet collected may
 * still name reachable ones).
 */
static void check_reachable(struct model *m, bool exact)
{
	uint32_t kh[MAXO] = { 0 }, temp[MAXO] = { 0 };
	int queue[MAXO], qh = 0, qt = 0, want[MAXO] = { 0 }, i, j;
	bool r[MAXO];

	m_reach(m, r);
	for (i = 0; i < MAXH; i++) {
		int o = m->hobj[i];

		if (o < 0)
			continue;
		want[o]++;
		if (!kh[o]) {
			kh[o] = i;
			queue[qt++] = o;
		}
	}
	while (qh < qt) {
		int o = queue[qh++];

		check_object(m, kh[o], o);
		for (j = 0; j < NSLOTS; j++) {
			int to = m->o[o].slot[j];
			uint32_t t;

			assert_ok(refslab_get_slot(m->h, kh[o], j, &t));
			if (to < 0) {
				if (t != NONE)
					fail_msg("object %d slot %d: model empty, module names an object", o, j);
				continue;
			}
			if (t == NONE)
				fail_msg("object %d slot %d: module empty, model names %d", o, j, to);
			want[to]++;
			check_object(m, t, to);
			if (!kh[to]) {
				kh[to] = t;
				temp[to] = t;
				want[to]++;	/* the walk's own handle */
				queue[qt++] = to;
			} else {
				assert_ok(refslab_drop(m->h, t));
			}
		}
	}
	for (i = 0; i < qt; i++) {
		int o = queue[i];
		struct refslab_stat st;

		assert_ok(refslab_stat(m->h, kh[o], &st));
		if (exact ? st.refcount != (uint32_t)want[o] : st.refcount < (uint32_t)want[o])
			fail_msg("object %d: refcount %u, model %s%d", o, st.refcount,
				 exact ? "" : ">= ", want[o]);
	}
	for (i = 0; i < MAXO; i++)
		if (temp[i])
			assert_ok(refslab_drop(m->h, temp[i]));
}

static uint64_t heap_objects(struct model *m)
{
	return hstats(m->h).objects;
}

/*
 * One case: @m is built; run one collection with plan @p, then check it
 * and a second, plain collection against the model.  Returns the number
 * of points of the first collection.
 */
static int run_case(struct model *m, struct plan *p, const char *what)
{
	struct refslab_gc_collect out;
	bool r0[MAXO], r1[MAXO];
	int nr0, nr1, gone = 0, points, i, n0 = m->n;
	uint64_t before, after;

	nr0 = m_reach(m, r0);
	before = heap_objects(m);
	assert_true(before >= (uint64_t)nr0);
	points = collect(m, p, &out);
	nr1 = m_reach(m, r1);
	/* unreachable now, but reachable (or new) when it began */
	for (i = 0; i < m->n; i++)
		if (!r1[i] && (i >= n0 || r0[i]))
			gone++;
	check_reachable(m, false);
	after = heap_objects(m);
	if (after < (uint64_t)nr1)
		fail_msg("%s: %llu objects left, %d reachable", what,
			 (unsigned long long)after, nr1);
	if (after > (uint64_t)(nr1 + gone))
		fail_msg("%s: %llu objects left, %d reachable, %d made unreachable during it: garbage survived",
			 what, (unsigned long long)after, nr1, gone);
	(void)collect(m, NULL, NULL);
	check_reachable(m, true);
	after = heap_objects(m);
	if (after != (uint64_t)nr1)
		fail_msg("%s: %llu objects after a second collection, %d reachable",
			 what, (unsigned long long)after, nr1);
	explored++;
	return points;
}

/* ---- shapes ---- */

/* An entry freed after its id was buffered: the next create reuses it. */
static void stale_prefix(struct model *m)
{
	uint32_t a = m_create(m);

	m_candidate(m, a);
	m_drop(m, a);
}

static void shape(struct model *m, int s)
{
	uint32_t a, b, c, d;

	stale_prefix(m);
	switch (s) {
	case 0:	/* a plain candidate in the reused entry, a garbage self-loop */
		a = m_create(m);
		m_candidate(m, a);
		b = m_create(m);
		m_set(m, b, 0, b);
		m_drop(m, b);
		break;
	case 1:	/* a live self-loop, a garbage self-loop */
		a = m_create(m);
		m_set(m, a, 0, a);
		m_candidate(m, a);
		b = m_create(m);
		m_set(m, b, 0, b);
		m_drop(m, b);
		break;
	case 2:	/* a garbage 2-cycle, a 2-cycle with an outside handle */
		a = m_create(m);
		b = m_create(m);
		m_set(m, a, 0, b);
		m_set(m, b, 0, a);
		m_drop(m, a);
		m_drop(m, b);
		c = m_create(m);
		d = m_create(m);
		m_set(m, c, 0, d);
		m_set(m, d, 0, c);
		m_drop(m, d);
		m_candidate(m, c);
		break;
	case 3:	/* a chain into a cycle, live through the chain's head */
		a = m_create(m);
		b = m_create(m);
		c = m_create(m);
		m_set(m, a, 0, b);
		m_set(m, b, 0, c);
		m_set(m, c, 0, b);
		m_drop(m, b);
		m_drop(m, c);
		break;
	case 4:	/* a 3-cycle with a handle on one member and a shared target */
		a = m_create(m);
		b = m_create(m);
		c = m_create(m);
		m_set(m, a, 0, b);
		m_set(m, b, 0, c);
		m_set(m, c, 0, a);
		m_set(m, a, 1, c);
		m_drop(m, a);
		m_drop(m, c);
		m_candidate(m, b);
		break;
	case 5:	/* a 2-cycle with two handles, a garbage cycle with a tail */
		a = m_create(m);
		b = m_create(m);
		m_set(m, a, 0, b);
		m_set(m, b, 0, a);
		m_candidate(m, a);
		m_candidate(m, b);
		c = m_create(m);
		d = m_create(m);
		m_set(m, c, 0, d);
		m_set(m, d, 0, c);
		a = m_create(m);
		m_set(m, d, 1, a);
		m_drop(m, a);
		m_drop(m, c);
		m_drop(m, d);
		break;
	default:
		fail();
	}
}

#define NSHAPES 6

static int stepping_setup(void **state)
{
	(void)state;
	step_arm();
	return 0;
}

static int stepping_teardown(void **state)
{
	(void)state;
	step_disarm();
	return 0;
}

/*
 * The protocol: points are numbered from 1, "step" outside a stop fails,
 * and another reader of the file is answered at once.
 */
static void test_protocol(void **state)
{
	char buf[32] = "";
	struct model m;
	int points, fd;

	(void)state;
	fd = open(STEP_FILE, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 6);
	assert_string_equal(buf, "armed\n");
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	errno = 0;
	assert_int_equal(write(stepfd, "step", 4), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(write(stepfd, "bogus", 5), -1);
	assert_int_equal(errno, EINVAL);
	m_init(&m);
	shape(&m, 2);
	points = run_case(&m, NULL, "protocol");
	m_fini(&m);
	/* budget 1: at least a point per candidate and per member */
	if (points < 8)
		fail_msg("only %d points with gc_slice_budget=1", points);
	printf("# shape 2 (6 objects): %d points in one collection\n", points);
}

/* Every operation at every point, for every shape. */
static void test_exhaustive(void **state)
{
	static struct op ops[256];
	unsigned long before = explored;
	int s;

	(void)state;
	for (s = 0; s < NSHAPES; s++) {
		struct model m;
		int points, nops, pt, k;

		if (quick_build() && s != 0 && s != 2)
			continue;

		m_init(&m);
		shape(&m, s);
		nops = all_ops(&m, ops);
		points = run_case(&m, NULL, "no operation");
		m_fini(&m);
		for (pt = 1; pt <= points; pt++) {
			for (k = 0; k < nops; k++) {
				struct plan p = { .n = 1, .point = { pt }, .op = { ops[k] } };
				char what[96];

				m_init(&m);
				shape(&m, s);
				snprintf(what, sizeof(what), "shape %d, %s(%u, %d, %u) at point %d",
					 s, opname[ops[k].k], ops[k].h, ops[k].slot, ops[k].t, pt);
				run_case(&m, &p, what);
				m_fini(&m);
				if (p.applied != 1)
					fail_msg("%s: the operation was not run", what);
			}
		}
		printf("# shape %d: %d points x %d operations\n", s, points, nops);
	}
	printf("# exhaustive: %lu interleavings explored\n", explored - before);
}

/* Random graphs, up to three operations at random points. */
static void test_random(void **state)
{
	unsigned long seeds = env_ul("REFSLAB_STEP_SEEDS", quick_build() ? 30 :
				     debug_kernel() ? 500 : 300);
	unsigned long first = env_ul("REFSLAB_STEP_SEED", 1), seed;
	unsigned long before = explored, ops = 0;

	(void)state;
	for (seed = first; seed < first + seeds; seed++) {
		unsigned int rs = seed;
		int n = 4 + rand_r(&rs) % 8, i, j, points;
		uint32_t hd[MAXO];
		struct plan p = { 0 };
		struct model m;
		char what[64];

		m_init(&m);
		stale_prefix(&m);
		for (i = 0; i < n; i++)
			hd[i] = m_create(&m);
		for (i = 0; i < n; i++)
			for (j = 0; j < NSLOTS; j++)
				if (rand_r(&rs) % 3)
					m_set(&m, hd[i], j, hd[rand_r(&rs) % n]);
		for (i = 0; i < n; i++) {
			if (rand_r(&rs) % 5 < 3)
				m_drop(&m, hd[i]);
			else if (rand_r(&rs) % 2)
				m_candidate(&m, hd[i]);
		}
		points = 3 * n + 8;	/* about what budget 1 gives */
		p.n = 1 + rand_r(&rs) % 3;
		p.seed = rs;
		for (i = 0; i < p.n; i++) {
			p.point[i] = 1 + rand_r(&rs) % points;
			p.random[i] = true;
		}
		snprintf(what, sizeof(what), "seed %lu", seed);
		run_case(&m, &p, what);
		ops += p.applied;
		m_fini(&m);
	}
	printf("# random: %lu graphs (seeds %lu..%lu), %lu operations run inside a collection\n",
	       explored - before, first, first + seeds - 1, ops);
}

/*
 * Issue 9 as reported, without stepping and at the default budget: a
 * member's entry is freed and reused by a self-linked candidate while
 * CANDS still has the entry's id ahead of it in the buffer.
 */
struct reuse {
	refslab_heap *h;
	uint32_t y, z;
	volatile int go, done;
	int inside;		/* the mutator finished before the collection */
};

static void *reuse_mutator(void *arg)
{
	struct reuse *r = arg;
	struct refslab_stat st;
	uint32_t dup;

	while (!r->go)
		;
	do {
		if (refslab_stat(r->h, r->y, &st))
			return NULL;
	} while ((st.state & REFSLAB_STATE_CANDIDATE) && !r->done);
	if (refslab_drop(r->h, r->y) || refslab_create(r->h, 1, 8, REFSLAB_GENERAL_CACHE, &r->z) ||
	    refslab_set_slot(r->h, r->z, 0, r->z) || refslab_dup(r->h, r->z, &dup) ||
	    refslab_drop(r->h, dup))
		r->z = NONE;
	r->inside = !r->done;
	return NULL;
}

/* Returns false when the mutator was too late to land inside CANDS. */
static bool issue9_once(unsigned long n)
{
	struct refslab_gc_collect out;
	struct reuse r = { 0 };
	struct refslab_stat st;
	uint32_t a, c, dup;
	unsigned long i;
	pthread_t t;

	r.h = open_heap();
	gc_off(r.h);
	a = mk(r.h, 1, 8);
	assert_ok(refslab_dup(r.h, a, &dup));
	assert_ok(refslab_drop(r.h, dup));
	for (i = 0; i < n; i++) {
		c = mk(r.h, 0, 0);
		assert_ok(refslab_dup(r.h, c, &dup));
		assert_ok(refslab_drop(r.h, dup));
	}
	assert_ok(refslab_drop(r.h, a));
	r.y = mk(r.h, 1, 8);
	assert_ok(refslab_dup(r.h, r.y, &dup));
	assert_ok(refslab_drop(r.h, dup));
	assert_true(refslab_stat(r.h, r.y, &st) == 0 && (st.state & REFSLAB_STATE_CANDIDATE));

	assert_int_equal(pthread_create(&t, NULL, reuse_mutator, &r), 0);
	r.go = 1;
	assert_ok(refslab_gc_collect(r.h, 0, &out));
	r.done = 1;
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_not_equal(r.z, NONE);
	assert_ok(refslab_stat(r.h, r.z, &st));
	/* its handle and its own slot; nothing here is garbage */
	if (st.refcount != 2 || out.collected != 0)
		fail_msg("Z: refcount %u (2 expected), collected %llu (0 expected): the collector freed a live object",
			 st.refcount, (unsigned long long)out.collected);
	assert_ok(refslab_gc_collect(r.h, 0, &out));
	assert_ok(refslab_stat(r.h, r.z, &st));
	assert_int_equal(st.refcount, 2);
	assert_int_equal(out.collected, 0);
	assert_int_equal(hstats(r.h).objects, n + 1);
	refslab_close(r.h);
	return r.inside;
}

static void test_issue9_reuse(void **state)
{
	unsigned long n = sizeof(void *) == 4 ? 100000 : 200000;
	int tries;

	(void)state;
	stepping_teardown(NULL);	/* the default budget, no stepping */
	for (tries = 1; tries <= 3; tries++) {
		if (issue9_once(n))
			break;
		printf("# try %d: the mutator ran after the collection ended; again\n", tries);
	}
	stepping_setup(NULL);
	if (tries > 3)
		fail_msg("the mutator never ran inside the collection: the sequence was not exercised");
}

/*
 * A process that armed stepping exits while the file that armed it lives
 * on in its child; a new process is then made with the pid number it had
 * (clone3() with set_tid, root) and collects a 2-cycle.  Its collection
 * must not stop: it is not the process that armed it.  The child holding
 * the file must not be stopped either.  Armed for the pid number, the new
 * process waited at point 1 for a "step" nobody would write.
 */
static int collect_cycle(void)
{
	struct refslab_gc_collect out;
	refslab_heap *h = NULL;
	uint32_t a = 0, b = 0;

	if (refslab_open(&h) || refslab_create(h, 1, 8, REFSLAB_GENERAL_CACHE, &a) ||
	    refslab_create(h, 1, 8, REFSLAB_GENERAL_CACHE, &b) ||
	    refslab_set_slot(h, a, 0, b) || refslab_set_slot(h, b, 0, a) ||
	    refslab_drop(h, a) || refslab_drop(h, b) ||
	    refslab_gc_collect(h, 0, &out))
		return 2;
	refslab_close(h);
	return out.collected == 2 ? 0 : 3;
}

/* Waits up to @secs for @pid; its status, or -1 (then it is killed). */
static int wait_for(pid_t pid, int secs)
{
	int st, i;

	for (i = 0; i < secs * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void test_armer_gone(void **state)
{
	int holder[2], gate[2], st, rc = -1, tries;
	pid_t armer = 0;
	char c;

	(void)state;
	stepping_teardown(NULL);	/* disarm ours; keep budget 1 */
	param_write(BUDGET_PARAM, "1");
	for (tries = 0; tries < 5 && rc < 0; tries++) {
		struct clone_args ca = { .exit_signal = SIGCHLD };
		pid_t pid, reused;

		assert_int_equal(pipe(holder), 0);
		assert_int_equal(pipe(gate), 0);
		armer = fork();
		assert_true(armer >= 0);
		if (armer == 0) {
			int fd = open(STEP_FILE, O_RDWR);

			if (fd < 0 || write(fd, "arm", 3) != 3)
				_exit(1);
			/* the file lives on in the child, which collects
			 * too once told (it is not the armer either)
			 */
			if (fork() == 0) {
				close(holder[0]);
				close(gate[1]);
				if (read(gate[0], &c, 1) != 1)
					_exit(4);
				rc = collect_cycle();
				if (write(holder[1], &rc, sizeof(rc)) != sizeof(rc))
					_exit(5);
				(void)read(gate[0], &c, 1);	/* EOF: done */
				_exit(0);
			}
			_exit(0);
		}
		close(holder[1]);
		close(gate[0]);
		assert_int_equal(waitpid(armer, &st, 0), armer);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		/* the armer is gone; its number is free: take it */
		ca.set_tid = uptr(&armer);
		ca.set_tid_size = 1;
		reused = syscall(SYS_clone3, &ca, sizeof(ca));
		if (reused == 0)
			_exit(collect_cycle());
		if (reused < 0) {
			/* someone else took the number meanwhile: again */
			close(holder[0]);
			close(gate[1]);
			printf("# clone3(set_tid=%d): %s; again\n", armer, strerror(errno));
			continue;
		}
		pid = reused;
		assert_int_equal(pid, armer);
		rc = wait_for(pid, 20);
		if (rc == -1)
			fail_msg("pid %d, reused after the process that armed gc_step exited, was stopped by it", pid);
		assert_int_equal(rc, 0);
		/* now the child that holds the armed file collects */
		assert_int_equal(write(gate[1], "g", 1), 1);
		alarm(20);
		st = read(holder[0], &rc, sizeof(rc));
		alarm(0);
		if (st != sizeof(rc))
			fail_msg("the child holding the armed file was stopped by it");
		assert_int_equal(rc, 0);
		close(gate[1]);
		close(holder[0]);
	}
	if (rc < 0)
		fail_msg("could not reuse a pid in %d tries", tries);
	/*
	 * The holder exits on EOF (it was its parent's child, not ours);
	 * its file's release disarms stepping, a moment after.
	 */
	for (tries = 0; tries < 100; tries++) {
		char buf[16] = "";
		int fd = open(STEP_FILE, O_RDONLY);

		assert_true(fd >= 0);
		st = (int)read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (st > 0 && !strcmp(buf, "off\n"))
			break;
		usleep(50000);
	}
	stepping_setup(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol),
		cmocka_unit_test(test_exhaustive),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_issue9_reuse),
		cmocka_unit_test(test_armer_gone),
	};

	rs_test_init();
	return cmocka_run_group_tests_name("gc_step", tests, stepping_setup,
					   stepping_teardown);
}
