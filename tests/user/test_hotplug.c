// SPDX-License-Identifier: GPL-2.0
/*
 * refslab's slab under CPU hotplug (root, the module loaded, debugfs, and
 * a CPU 1 that can go offline: the VM's second vCPU).
 *
 *  - dead_cpu_drains: objects freed on CPU 1 wait in its per-CPU arrays
 *    (under KASAN, in its quarantine); when CPU 1 goes offline they go
 *    back to their slabs at once, so the cache's slabinfo line shows no
 *    active slab, and the counters of the offline CPU still count.
 *  - stress: CPU 1 goes offline and online again and again while threads
 *    allocate and free (on CPU 1 when they can), write shrink, and create
 *    and destroy named caches (and close heaps that hold some).  After it
 *    no object is lost from the counts (each heap created what it freed,
 *    each cache's allocations equal its frees, with CPU 1 offline and
 *    online) and a shrink gives every page of every cache back.
 *
 * Raw ioctls, TAP through cmocka.  CPU 1 is online again when it ends.
 */
#include "rs_test.h"
#include <glob.h>
#include <pthread.h>
#include <sched.h>
#include <refslab.h>

#define CPU1		"/sys/devices/system/cpu/cpu1/online"
#define NWORKERS	2
#define BATCH		64

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* CPU 1 on or off; an offline can be refused for a moment (EBUSY). */
static int cpu1_set(int on)
{
	int i, err = 0;

	for (i = 0; i < 100; i++) {
		err = write_str(CPU1, on ? "1" : "0");
		if (err != -EBUSY && err != -EAGAIN)
			break;
		usleep(10000);
	}
	return err;
}

static int cpu1_online(void)
{
	char c = 0;
	int fd = open(CPU1, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		CPU_SET(0, &set);
		CPU_SET(1, &set);
	}
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static int cache_create(int fd, const char *name, unsigned int size,
			unsigned int *id)
{
	struct refslab_cache_create a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.object_size = size;
	if (ioctl(fd, REFSLAB_IOC_CACHE_CREATE, &a))
		return -errno;
	*id = a.cache_id;
	return 0;
}

static int cache_destroy(int fd, unsigned int id)
{
	struct refslab_cache_destroy a;

	memset(&a, 0, sizeof(a));
	a.cache_id = id;
	return ioctl(fd, REFSLAB_IOC_CACHE_DESTROY, &a) ? -errno : 0;
}

static int obj_create(int fd, unsigned int cache_id, unsigned int payload,
		      unsigned int *handle)
{
	struct refslab_create a;

	memset(&a, 0, sizeof(a));
	a.cache_id = cache_id;
	a.payload_size = payload;
	if (ioctl(fd, REFSLAB_IOC_CREATE, &a))
		return -errno;
	*handle = a.handle;
	return 0;
}

static int obj_drop(int fd, unsigned int handle)
{
	struct refslab_drop a;

	memset(&a, 0, sizeof(a));
	a.handle = handle;
	return ioctl(fd, REFSLAB_IOC_DROP, &a) ? -errno : 0;
}

static struct refslab_heap_stats heap_stats(int fd)
{
	struct refslab_heap_stats s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(ioctl(fd, REFSLAB_IOC_HEAP_STATS, &s), 0);
	return s;
}

static void shrink(const char *dname)
{
	char path[256];

	dbg_path(path, sizeof(path), "caches/%s/shrink", dname);
	assert_int_equal(write_str(path, "1"), 0);
}

/* slabinfo: @dname's active_objs and active_slabs; -1 if not listed. */
static int slabinfo(const char *dname, unsigned long *objs,
		    unsigned long *slabs)
{
	struct rsdbg_slabinfo si;
	const struct rsdbg_slab *r;

	rs_slabinfo(&si);
	r = rsdbg_slab_find(&si, dname);
	if (r) {
		*objs = r->active_objs;
		*slabs = r->active_slabs;
	}
	rsdbg_slabinfo_free(&si);
	return r ? 0 : -1;
}

static void cpu1_required(void)
{
	rs_require(access(CPU1, W_OK) == 0,
		   "%s not writable (root, a CPU 1 that can go offline)", CPU1);
	if (cpu1_online() != 1)
		assert_int_equal(cpu1_set(1), 0);
}

/*
 * Objects freed on CPU 1 wait in its arrays; CPU 1 going offline gives
 * them back to their slabs before any shrink.  Before it, some slab of
 * the cache must be active (else the test proves nothing).
 */
static void test_dead_cpu_drains(void **state)
{
	const unsigned int n = 16;
	unsigned int id, hb, h[16], i;
	unsigned long objs, slabs;
	char name[32], dname[64];
	int fd;

	(void)state;
	cpu1_required();
	fd = open_dev();
	assert_true(fd >= 0);
	hb = header_bytes(fd);
	snprintf(name, sizeof(name), "thd%d", (int)getpid());
	assert_int_equal(cache_create(fd, name, 1000, &id), 0);
	named_dir(name, dname, sizeof(dname));

	assert_int_equal(pin(1), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(obj_create(fd, id, 1000 - hb, &h[i]), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(obj_drop(fd, h[i]), 0);
	assert_int_equal(pin(-1), 0);
	assert_int_equal(counter(dname, "objects"), 0);
	assert_int_equal(slabinfo(dname, &objs, &slabs), 0);
	assert_int_equal(objs, 0);
	if (slabs == 0)
		fail_msg("no active slab after freeing on CPU 1: the objects did not stay in CPU 1's arrays");

	assert_int_equal(cpu1_set(0), 0);
	assert_int_equal(slabinfo(dname, &objs, &slabs), 0);
	if (slabs != 0)
		fail_msg("%lu slabs still active with CPU 1 offline: its arrays were not drained", slabs);
	/* the offline CPU's counters still count */
	assert_int_equal(counter(dname, "alloc_fastpath") +
			 counter(dname, "alloc_slowpath"), n);
	assert_int_equal(counter(dname, "free_fastpath") +
			 counter(dname, "free_slowpath"), n);
	assert_int_equal(cpu1_set(1), 0);
	shrink(dname);
	assert_int_equal(counter(dname, "pages"), 0);
	close(fd);
}

/* ---- stress ---- */

struct worker {
	pthread_t t;
	int fd;
	unsigned int cache_id;
	char dname[64];
	unsigned int hb;
	unsigned long rounds;
	int err;		/* first error (negative errno), 0 if none */
	const char *what;
};

static volatile int stop;

static void werr(struct worker *w, int err, const char *what)
{
	if (err && !w->err) {
		w->err = err;
		w->what = what;
	}
}

/*
 * Create a batch (named cache and general classes alternately, pinned to
 * CPU 1 every other round when it is online), drop the half kept from the
 * round before, keep half of this one: frees land on the other CPU too.
 */
static void *alloc_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int kept[BATCH / 2], h[BATCH];
	unsigned int nkept = 0, i, seed = (unsigned int)getpid() ^ w->cache_id;

	while (!stop && !w->err) {
		pin(w->rounds & 1 ? 1 : -1);	/* fails while CPU 1 is offline */
		for (i = 0; i < BATCH; i++) {
			unsigned int payload = rand_r(&seed) % 600;
			int named = i & 1;

			werr(w, obj_create(w->fd, named ? w->cache_id : REFSLAB_GENERAL_CACHE,
					   named ? 1000 - w->hb : payload, &h[i]),
			     "create");
		}
		for (i = 0; i < nkept; i++)
			werr(w, obj_drop(w->fd, kept[i]), "drop kept");
		for (i = 0; i < BATCH; i++) {
			if (i % 2 == 0 && i / 2 < BATCH / 2)
				kept[i / 2] = h[i];
			else
				werr(w, obj_drop(w->fd, h[i]), "drop");
		}
		nkept = BATCH / 2;
		w->rounds++;
	}
	for (i = 0; i < nkept; i++)
		werr(w, obj_drop(w->fd, kept[i]), "drop kept at end");
	pin(-1);
	return NULL;
}

static void *shrink_worker(void *arg)
{
	struct worker *ws = arg;
	char path[256];
	int i;

	while (!stop) {
		for (i = 0; i < NWORKERS; i++) {
			dbg_path(path, sizeof(path), "caches/%s/shrink",
				 ws[i].dname);
			werr(&ws[NWORKERS], write_str(path, "1"), "shrink named");
		}
		dbg_path(path, sizeof(path), "caches/rs-64/shrink");
		werr(&ws[NWORKERS], write_str(path, "1"), "shrink rs-64");
		ws[NWORKERS].rounds++;
		usleep(2000);
	}
	return NULL;
}

/* Named caches come and go: destroyed empty, or with their heap. */
static void *cache_worker(void *arg)
{
	struct worker *w = arg;
	unsigned int id, h[8], i;
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "thc%d", (int)getpid());
	fd = rs_open_dev();
	werr(w, fd < 0 ? -errno : 0, "open");
	while (fd >= 0 && !stop && !w->err) {
		int err = cache_create(fd, name, 200, &id);

		werr(w, err, "cache create");
		if (err)
			break;
		for (i = 0; i < 8; i++)
			werr(w, obj_create(fd, id, 100, &h[i]), "create in cache");
		if (w->rounds % 4 == 3) {
			close(fd);	/* the cache goes with the heap */
			fd = rs_open_dev();
			werr(w, fd < 0 ? -errno : 0, "reopen");
		} else {
			for (i = 0; i < 8; i++)
				werr(w, obj_drop(fd, h[i]), "drop in cache");
			werr(w, cache_destroy(fd, id), "cache destroy");
		}
		w->rounds++;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void check_worker(struct worker *w, const char *who)
{
	if (w->err)
		fail_msg("%s: %s: %s", who, w->what, strerror(-w->err));
}

/* Every allocation of the cache was freed, and nothing failed. */
static void check_counts(const char *dname)
{
	unsigned long long a, f;

	assert_int_equal(counter(dname, "objects"), 0);
	a = counter(dname, "alloc_fastpath") + counter(dname, "alloc_slowpath");
	f = counter(dname, "free_fastpath") + counter(dname, "free_slowpath");
	if (a != f || a == 0)
		fail_msg("cache %s: %llu allocations, %llu frees", dname, a, f);
	assert_int_equal(counter(dname, "alloc_failed"), 0);
}

static void test_stress(void **state)
{
	struct worker ws[NWORKERS + 2];
	struct worker *sw = &ws[NWORKERS], *cw = &ws[NWORKERS + 1];
	pthread_t st;
	char name[32];
	int i, cycles = 8, offline = 0;

	(void)state;
	cpu1_required();
	memset(ws, 0, sizeof(ws));
	stop = 0;
	for (i = 0; i < NWORKERS; i++) {
		ws[i].fd = open_dev();
		assert_true(ws[i].fd >= 0);
		ws[i].hb = header_bytes(ws[i].fd);
		snprintf(name, sizeof(name), "ths%d-%d", (int)getpid(), i);
		assert_int_equal(cache_create(ws[i].fd, name, 1000,
					      &ws[i].cache_id), 0);
		named_dir(name, ws[i].dname, sizeof(ws[i].dname));
	}
	for (i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&ws[i].t, NULL, alloc_worker,
						&ws[i]), 0);
	assert_int_equal(pthread_create(&st, NULL, shrink_worker, ws), 0);
	assert_int_equal(pthread_create(&cw->t, NULL, cache_worker, cw), 0);

	for (i = 0; i < cycles; i++) {
		usleep(30000);
		if (cpu1_set(0))
			break;
		offline++;
		usleep(30000);
		if (cpu1_set(1))
			break;
	}
	stop = 1;
	for (i = 0; i < NWORKERS; i++)
		pthread_join(ws[i].t, NULL);
	pthread_join(st, NULL);
	pthread_join(cw->t, NULL);
	if (cpu1_online() != 1)
		assert_int_equal(cpu1_set(1), 0);
	print_message("# %d offline/online cycles; rounds: alloc %lu %lu, shrink %lu, caches %lu\n",
		      offline, ws[0].rounds, ws[1].rounds, sw->rounds,
		      cw->rounds);
	assert_int_equal(offline, cycles);
	for (i = 0; i < NWORKERS; i++)
		check_worker(&ws[i], "alloc worker");
	check_worker(sw, "shrink worker");
	check_worker(cw, "cache worker");
	for (i = 0; i < NWORKERS; i++)
		assert_true(ws[i].rounds > 0);
	assert_true(cw->rounds > 0);

	/* Counts with CPU 1 offline (its counters must still count), then online. */
	assert_int_equal(cpu1_set(0), 0);
	for (i = 0; i < NWORKERS; i++) {
		struct refslab_heap_stats s = heap_stats(ws[i].fd);

		assert_int_equal(s.objects, 0);
		assert_int_equal(s.created, s.freed);
		assert_true(s.created >= ws[i].rounds * BATCH);
		check_counts(ws[i].dname);
	}
	assert_int_equal(cpu1_set(1), 0);
	for (i = 0; i < NWORKERS; i++) {
		check_counts(ws[i].dname);
		shrink(ws[i].dname);
		assert_int_equal(counter(ws[i].dname, "pages"), 0);
		assert_int_equal(counter(ws[i].dname, "slabs"), 0);
		assert_int_equal(counter(ws[i].dname, "alloc_slab"),
				 counter(ws[i].dname, "free_slab"));
		close(ws[i].fd);
	}
}

/* A counter of a cache that may go meanwhile: -1 once it is gone. */
static long long counter_if(const char *dname, const char *file)
{
	char path[256];
	long long v = -1;
	FILE *f;

	dbg_path(path, sizeof(path), "caches/%s/%s", dname, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * Last: with every heap of this program closed (and none other open in
 * the VM), every cache is empty and a shrink leaves no page.  A heap is
 * freed at its last reference, which a collector pass may hold a moment.
 */
static void test_all_pages_back(void **state)
{
	long long pages = 0, p;
	char path[256];
	glob_t g;
	size_t i;
	int tries;

	(void)state;
	for (tries = 0; tries < 500; tries++) {
		assert_int_equal(glob(dbg_path(path, sizeof(path), "caches/*"), 0, NULL, &g), 0);
		pages = 0;
		for (i = 0; i < g.gl_pathc; i++) {
			const char *d = strrchr(g.gl_pathv[i], '/') + 1;

			snprintf(path, sizeof(path), "%s/shrink", g.gl_pathv[i]);
			if (write_str(path, "1"))
				continue;	/* a cache that went */
			p = counter_if(d, "pages");
			if (p > 0)
				pages += p;
		}
		globfree(&g);
		if (!pages)
			break;
		usleep(10000);
	}
	if (pages)
		fail_msg("%lld pages held by refslab caches after shrinking each", pages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_cpu_drains),
		cmocka_unit_test(test_stress),
		cmocka_unit_test(test_all_pages_back),
	};

	rs_test_init();
	return cmocka_run_group_tests_name("slab under CPU hotplug", tests,
					   NULL, NULL);
}
