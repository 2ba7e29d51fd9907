// SPDX-License-Identifier: GPL-2.0
/*
 * test_cgroup: slab pages are charged to the caller's memory cgroup.  A
 * child in a cgroup v2 with a small memory.max creates objects until the
 * kernel says no: it must get ENOMEM (not be OOM-killed, not hit another
 * limit first), the rest of the machine must go on (the parent, outside
 * the cgroup, still allocates), and when the child exits its charge goes
 * away and the cgroup can be removed.  Without cgroup2 or its memory
 * controller the test fails inside the VM (which mounts them) and is
 * skipped elsewhere (see rs_require()).
 */
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "rs_test.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CG_MAX		(16UL << 20)
#define PAYLOAD		30000

static char cg[256];
static char why[300] = "cgroup2 not set up";	/* when cg is empty */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

static long long read_num(const char *path, const char *key)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!key)
		return strtoll(buf, NULL, 10);
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		size_t kl = strlen(key);

		if (!strncmp(p, key, kl) && p[kl] == ' ')
			return strtoll(p + kl + 1, NULL, 10);
	}
	return -1;
}

static char *cgpath(const char *file)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	return path;
}

static int setup(void **state)
{
	char buf[256] = "";
	int fd;
	ssize_t n;

	(void)state;
	fd = open(CG_ROOT "/cgroup.controllers", O_RDONLY);
	if (fd < 0) {
		snprintf(why, sizeof(why), "no cgroup2 at " CG_ROOT ": %s", strerror(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || !strstr(buf, "memory")) {
		snprintf(why, sizeof(why), "no memory controller in " CG_ROOT "/cgroup.controllers");
		return 0;
	}
	/* may already be on; an error here shows below as a missing file */
	write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(cg, sizeof(cg), CG_ROOT "/refslab-test-%d", getpid());
	if (mkdir(cg, 0755) && errno != EEXIST) {
		snprintf(why, sizeof(why), "mkdir %s: %s", cg, strerror(errno));
		cg[0] = '\0';
		return 0;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (cg[0])
		rmdir(cg);
	return 0;
}

static void test_memcg_enomem(void **state)
{
	int res[2];
	pid_t pid;
	int status, i;
	struct {
		int err;
		int count;
		int setup;
	} r = { 0, 0, 0 };
	char num[64];
	long long cur, oom_kills;
	refslab_heap *h;
	uint32_t x;

	(void)state;
	rs_require(cg[0], "%s", why);
	rs_require(!access(cgpath("memory.max"), W_OK), "%s: %s",
		   cgpath("memory.max"), strerror(errno));
	snprintf(num, sizeof(num), "%lu", CG_MAX);
	assert_ok(write_file(cgpath("memory.max"), num));
	write_file(cgpath("memory.swap.max"), "0");	/* if there is swap */
	assert_ok(pipe(res));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		refslab_heap *ch;
		uint32_t hd;

		snprintf(num, sizeof(num), "%d", getpid());
		if (write_file(cgpath("cgroup.procs"), num))
			r.setup = 1;
		else if (refslab_open(&ch))
			r.setup = 2;
		else if (refslab_gc_set_enabled(ch, false) ||
			 refslab_set_limits(ch, UINT64_MAX / 4, UINT64_MAX / 4,
				       UINT64_MAX / 4, 0))
			r.setup = 3;	/* root may raise limits */
		while (!r.setup) {
			r.err = refslab_create(ch, 0, PAYLOAD, 0, &hd);
			if (r.err)
				break;
			r.count++;
			if (r.count > 100000)
				break;	/* nothing charged: give up */
		}
		/*
		 * The cgroup is full now: give the objects back before the
		 * pipe write needs a page of its own, or that charge (not the
		 * module's) calls the OOM killer.
		 */
		if (!r.setup)
			refslab_close(ch);
		if (write(res[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(res[1]);
	i = (int)read(res[0], &r, sizeof(r));
	close(res[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	oom_kills = read_num(cgpath("memory.events"), "oom_kill");
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d after creating objects (memory.events oom_kill %lld): "
			 "the module should fail the charge with ENOMEM, e.g. allocate slab pages with "
			 "__GFP_ACCOUNT | __GFP_RETRY_MAYFAIL", WTERMSIG(status), oom_kills);
	assert_int_equal(i, (int)sizeof(r));
	if (r.setup)
		fail_msg("child setup step %d failed", r.setup);
	print_message("# child created %d objects of %d bytes under memory.max %lu, then: %s\n",
		      r.count, PAYLOAD, CG_MAX, r.err ? strerror(-r.err) : "no error");
	assert_int_equal(r.err, -ENOMEM);
	/*
	 * The cgroup's limit stopped it: at least half the limit's worth of
	 * objects (an early ENOMEM that has nothing to do with the cgroup
	 * stops short of that), and not more than the limit allows.
	 */
	if ((unsigned long)r.count < CG_MAX / PAYLOAD / 2)
		fail_msg("ENOMEM after %d objects: less than half of the %lu that fit in memory.max",
			 r.count, CG_MAX / PAYLOAD);
	assert_true((unsigned long)r.count * PAYLOAD <= CG_MAX);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* readable (-1 is not), and no OOM kill in the cgroup */
	assert_int_equal(oom_kills, 0);
	/* The charge went away with the heap. */
	for (i = 0; i < 50; i++) {
		cur = read_num(cgpath("memory.current"), NULL);
		if (cur >= 0 && cur < (long long)CG_MAX / 4)
			break;
		usleep(100000);
	}
	print_message("# memory.current after exit: %lld\n", cur);
	assert_true(cur >= 0 && cur < (long long)CG_MAX / 4);
	/* Outside the cgroup, allocation goes on. */
	h = open_heap();
	for (i = 0; i < 16; i++)
		assert_ok(refslab_create(h, 0, PAYLOAD, 0, &x));
	refslab_close(h);
	assert_ok(rmdir(cg) ? -errno : 0);
	cg[0] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcg_enomem),
	};

	rs_test_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
