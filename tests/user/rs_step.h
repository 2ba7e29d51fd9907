/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stepping the collector, for the test programs that force interleavings
 * with it (test_gc_step, test_bulk).  step_arm() sets gc_slice_budget=1
 * (every object the collector visits ends a hold of the heap lock) and
 * gc_verify on, and arms the debugfs file gc_step for this process;
 * step_collect() runs one collection of a heap in a thread and, at each
 * point where the collector dropped the lock, calls the test's function
 * before letting it go on; step_disarm() puts the parameters back.
 * Include after rs_test.h.
 */
#ifndef RS_STEP_H
#define RS_STEP_H

#include <pthread.h>
#include <signal.h>
#include "rs_test.h"

#define STEP_FILE	"/sys/kernel/debug/refslab/gc_step"
#define BUDGET_PARAM	"/sys/module/refslab/parameters/gc_slice_budget"
#define VERIFY_PARAM	"/sys/module/refslab/parameters/gc_verify"

static char saved_budget[32], saved_verify[32];
static int stepfd = -1;

/* Write a module parameter and read it back. */
static inline void param_write(const char *path, const char *val)
{
	char back[32] = "";
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("open %s: %s", path, strerror(errno));
	if (fputs(val, f) < 0 || fclose(f))
		fail_msg("write %s to %s: %s", val, path, strerror(errno));
	f = fopen(path, "r");
	if (!f || !fgets(back, sizeof(back), f))
		fail_msg("read back %s", path);
	fclose(f);
	back[strcspn(back, "\n")] = 0;
	if (strcmp(back, val))
		fail_msg("%s reads %s after writing %s", path, back, val);
}

static inline void param_save(const char *path, char *val, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(val, len, f))
		fail_msg("read %s: %s", path, strerror(errno));
	fclose(f);
	val[strcspn(val, "\n")] = 0;
}

static inline void step_on_alarm(int sig)
{
	(void)sig;	/* only interrupts a read of gc_step that hangs */
}

/*
 * Budget 1, gc_verify on (the module WARNs on a bad heap), stepping armed;
 * step_disarm() gives the parameters their values from before the first
 * step_arm() back.
 */
static inline void step_arm(void)
{
	struct sigaction sa = { .sa_handler = step_on_alarm };

	/* the values before the first arm: a disarm and arm again keep them */
	if (!saved_budget[0])
		param_save(BUDGET_PARAM, saved_budget, sizeof(saved_budget));
	if (!saved_verify[0])
		param_save(VERIFY_PARAM, saved_verify, sizeof(saved_verify));
	param_write(BUDGET_PARAM, "1");
	param_write(VERIFY_PARAM, "Y");
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: a read can time out */
	stepfd = open(STEP_FILE, O_RDWR);
	if (stepfd < 0)
		fail_msg("open %s: %s", STEP_FILE, strerror(errno));
	if (write(stepfd, "arm", 3) != 3)
		fail_msg("arm %s: %s", STEP_FILE, strerror(errno));
}

static inline void step_disarm(void)
{
	if (stepfd >= 0)
		close(stepfd);
	stepfd = -1;
	if (saved_budget[0])
		param_write(BUDGET_PARAM, saved_budget);
	if (saved_verify[0])
		param_write(VERIFY_PARAM, saved_verify);
}

struct step_collector {
	refslab_heap *h;
	struct refslab_gc_collect out;
	int err;
};

static inline void *step_collect_main(void *arg)
{
	struct step_collector *c = arg;
	sigset_t set;

	/* the main thread's read timeout is not for this thread */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	c->err = refslab_gc_collect(c->h, 0, &c->out);
	return NULL;
}

/* Called at point @pt (numbered from 1) of a stepped collection. */
typedef void (*step_fn)(void *arg, int pt);

/*
 * One collection of @h, stopped at each of its points, where @fn (if not
 * NULL) runs; returns the number of points.  The collection must succeed;
 * its figures go to @out if not NULL.
 */
static inline int step_collect(refslab_heap *h, step_fn fn, void *arg,
			       struct refslab_gc_collect *out)
{
	struct step_collector c = { .h = h };
	int points = -1;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, step_collect_main, &c), 0);
	for (;;) {
		char buf[64], phase[16];
		unsigned int pt;
		ssize_t n;

		alarm(60);
		n = read(stepfd, buf, sizeof(buf) - 1);
		alarm(0);
		if (n <= 0)
			fail_msg("read %s: %s (collect: %s)", STEP_FILE,
				 n ? strerror(errno) : "EOF", strerror(-c.err));
		buf[n] = 0;
		if (sscanf(buf, "end %d", &points) == 1)
			break;
		if (sscanf(buf, "wait %u %15s", &pt, phase) != 2)
			fail_msg("%s said '%s'", STEP_FILE, buf);
		if (fn)
			fn(arg, (int)pt);
		if (write(stepfd, "step", 4) != 4)
			fail_msg("write step: %s", strerror(errno));
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	if (c.err)
		fail_msg("collect: %s", strerror(-c.err));
	if (out)
		*out = c.out;
	return points;
}

#endif /* RS_STEP_H */
