// SPDX-License-Identifier: GPL-2.0
/*
 * test_uapi: the ioctl contract of uapi/refslab.h, command by command:
 * version and features, ENOTTY for unknown numbers, the size-extensible
 * structs (smaller than REFSLAB_*_SIZE_VER0: EINVAL; at VER0 and grown by
 * hand: accepted; larger with a non-zero tail: E2BIG; larger
 * with a zero tail: accepted, output not written past the kernel's size),
 * unknown flags and non-zero padding (EINVAL, nothing changed), faulting
 * argument and buffer pointers (EFAULT, nothing changed).  Numbers are
 * built by hand with _IOC() so the sizes can be varied.
 */
#include "rs_test.h"
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define R	_IOC_READ
#define W	_IOC_WRITE
#define RW	(_IOC_READ | _IOC_WRITE)

struct cmdinfo {
	const char *name;
	unsigned int nr, dir, size, ver0;
};

static const struct cmdinfo cmds[] = {
	{ "VERSION", 0x00, R, sizeof(struct refslab_version), REFSLAB_VERSION_SIZE_VER0 },
	{ "CREATE", 0x01, RW, sizeof(struct refslab_create), REFSLAB_CREATE_SIZE_VER0 },
	{ "DUP", 0x02, RW, sizeof(struct refslab_dup), REFSLAB_DUP_SIZE_VER0 },
	{ "DROP", 0x03, W, sizeof(struct refslab_drop), REFSLAB_DROP_SIZE_VER0 },
	{ "SET_SLOT", 0x04, W, sizeof(struct refslab_slot), REFSLAB_SET_SLOT_SIZE_VER0 },
	{ "GET_SLOT", 0x05, RW, sizeof(struct refslab_slot), REFSLAB_GET_SLOT_SIZE_VER0 },
	{ "READ", 0x06, W, sizeof(struct refslab_io), REFSLAB_READ_SIZE_VER0 },
	{ "WRITE", 0x07, W, sizeof(struct refslab_io), REFSLAB_WRITE_SIZE_VER0 },
	{ "STAT", 0x08, RW, sizeof(struct refslab_stat), REFSLAB_STAT_SIZE_VER0 },
	{ "CACHE_CREATE", 0x09, RW, sizeof(struct refslab_cache_create), REFSLAB_CACHE_CREATE_SIZE_VER0 },
	{ "CACHE_DESTROY", 0x0a, W, sizeof(struct refslab_cache_destroy), REFSLAB_CACHE_DESTROY_SIZE_VER0 },
	{ "CACHE_LIST", 0x0b, RW, sizeof(struct refslab_cache_list), REFSLAB_CACHE_LIST_SIZE_VER0 },
	{ "HEAP_STATS", 0x0c, R, sizeof(struct refslab_heap_stats), REFSLAB_HEAP_STATS_SIZE_VER0 },
	{ "SET_LIMITS", 0x0d, W, sizeof(struct refslab_limits), REFSLAB_SET_LIMITS_SIZE_VER0 },
	{ "BATCH", 0x0e, RW, sizeof(struct refslab_batch), REFSLAB_BATCH_SIZE_VER0 },
	{ "HEAP_DUMP", 0x0f, RW, sizeof(struct refslab_heap_dump), REFSLAB_HEAP_DUMP_SIZE_VER0 },
	{ "GC_COLLECT", 0x10, RW, sizeof(struct refslab_gc_collect), REFSLAB_GC_COLLECT_SIZE_VER0 },
	{ "GC_CONTROL", 0x11, RW, sizeof(struct refslab_gc_control), REFSLAB_GC_CONTROL_SIZE_VER0 },
	{ "GC_FREEZE", 0x12, RW, sizeof(struct refslab_gc_freeze), REFSLAB_GC_FREEZE_SIZE_VER0 },
	{ "GC_STATS", 0x13, R, sizeof(struct refslab_gc_stats), REFSLAB_GC_STATS_SIZE_VER0 },
	{ "CREATE_N", 0x14, RW, sizeof(struct refslab_create_n), REFSLAB_CREATE_N_SIZE_VER0 },
	{ "DROP_N", 0x15, W, sizeof(struct refslab_drop_n), REFSLAB_DROP_N_SIZE_VER0 },
	{ "SET_SLOTS", 0x16, W, sizeof(struct refslab_set_slots), REFSLAB_SET_SLOTS_SIZE_VER0 },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The numbers built here are the header's. */
static void test_numbers_match_header(void **state)
{
	(void)state;
	assert_int_equal(_IOC(R, 0xB2, 0x00, 32), REFSLAB_IOC_VERSION);
	assert_int_equal(_IOC(RW, 0xB2, 0x01, 24), REFSLAB_IOC_CREATE);
	assert_int_equal(_IOC(W, 0xB2, 0x03, 8), REFSLAB_IOC_DROP);
	assert_int_equal(_IOC(RW, 0xB2, 0x14, 32), REFSLAB_IOC_CREATE_N);
	assert_int_equal(_IOC(W, 0xB2, 0x15, 16), REFSLAB_IOC_DROP_N);
	assert_int_equal(_IOC(W, 0xB2, 0x16, 16), REFSLAB_IOC_SET_SLOTS);
	assert_int_equal(_IOC(RW, 0xB2, 0x0e, 24), REFSLAB_IOC_BATCH);
	assert_int_equal(_IOC(R, 0xB2, 0x13, 168), REFSLAB_IOC_GC_STATS);
	assert_int_equal(_IOC(RW, 0xB2, 0x0f, 40), REFSLAB_IOC_HEAP_DUMP);
	assert_int_equal(sizeof(struct refslab_dump_object), 32);
	assert_int_equal(sizeof(struct refslab_dump_handle), 16);
	assert_int_equal(sizeof(struct refslab_dump_edge), 24);
	assert_int_equal(offsetof(struct refslab_heap_dump, generation), 32);
	/* Layout is the same for i386 and x86_64 (compat needs no translation). */
	assert_int_equal(sizeof(struct refslab_op), 56);
	assert_int_equal(offsetof(struct refslab_op, args), 8);
	assert_int_equal(sizeof(struct refslab_io), 32);
	assert_int_equal(sizeof(struct refslab_cache_info), 64);
	assert_int_equal(sizeof(struct refslab_gc_stats), 168);
	assert_int_equal(offsetof(struct refslab_gc_stats, frozen), 56);
}

/* The module's reference count (/sys/module/refslab/refcnt); -1 if unknown. */
static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/refslab/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* A task whose comm is @name exists. */
static int task_exists(const char *name)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int found = 0;

	assert_non_null(d);
	while (!found && (de = readdir(d))) {
		char path[300], comm[64] = "";
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
		found = !strcmp(comm, name);
	}
	closedir(d);
	return found;
}

/*
 * The skeleton's contract: a character node of mode 0660, the collector
 * kthread running, and every open heap pinning the module, so that an
 * unload is refused (EWOULDBLOCK) while one is open.
 */
static void test_device(void **state)
{
	struct stat st;
	long before, during;
	refslab_heap *h;

	(void)state;
	assert_int_equal(stat(REFSLAB_DEVICE, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_true(task_exists("refslab_gc"));

	before = module_refcnt();
	/* refslab built into the kernel would have nothing to pin */
	rs_require(before >= 0, "cannot read /sys/module/refslab/refcnt");
	h = open_heap();
	during = module_refcnt();
	assert_int_equal(during, before + 1);
	if (geteuid() == 0) {
		errno = 0;
		assert_int_equal(syscall(SYS_delete_module, "refslab", O_NONBLOCK), -1);
		assert_int_equal(errno, EWOULDBLOCK);
		assert_int_equal(module_refcnt(), during);
	}
	refslab_close(h);
	assert_int_equal(module_refcnt(), before);
}

static void test_version(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_version v;
	const uint64_t all = REFSLAB_FEAT_OBJECTS | REFSLAB_FEAT_CACHES |
			     REFSLAB_FEAT_BATCH | REFSLAB_FEAT_GC |
			     REFSLAB_FEAT_LIMITS | REFSLAB_FEAT_DUMP;

	(void)state;
	memset(&v, 0xff, sizeof(v));
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_VERSION, &v));
	assert_int_equal(v.major, REFSLAB_VERSION_MAJOR);
	assert_int_equal(v.minor, REFSLAB_VERSION_MINOR);
	assert_int_equal(v.features & all, all);
	assert_int_equal(v.max_slots, REFSLAB_MAX_SLOTS);
	assert_int_equal(v.max_payload, REFSLAB_MAX_PAYLOAD);
	assert_in_range(v.header_bytes, 1, 16);
	assert_int_equal(v.__reserved, 0);
	refslab_close(h);
}

static void test_unknown_command(void **state)
{
	refslab_heap *h = open_heap();
	char buf[256] = { 0 };
	static const unsigned int nrs[] = { 0x17, 0x18, 0x20, 0x3f, 0x40, 0xff };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		assert_errno(rawioc(refslab_fd(h), RW, nrs[i], 16, buf), ENOTTY);
		assert_errno(rawioc(refslab_fd(h), R, nrs[i], 8, buf), ENOTTY);
	}
	/* Another magic, a number refslab uses under its own magic. */
	assert_errno(ioc(refslab_fd(h), _IOC(RW, 0xB3, 0x01, 24), buf), ENOTTY);
	assert_errno(ioc(refslab_fd(h), _IOC(_IOC_NONE, 0xB2, 0x00, 0), buf), ENOTTY);
	/* Classic tty ioctl. */
	assert_errno(ioc(refslab_fd(h), TCGETS, buf), ENOTTY);
	refslab_close(h);
}

/* Smaller than the first published size: EINVAL, whatever the command. */
static void test_struct_too_small(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats before = hstats(h), after;
	char buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		unsigned int sz[3] = { 0, 4, cmds[i].ver0 - 1 };
		int k;

		for (k = 0; k < 3; k++) {
			int ret;

			memset(buf, 0, sizeof(buf));
			ret = rawioc(refslab_fd(h), cmds[i].dir, cmds[i].nr, sz[k], buf);
			if (ret != -EINVAL)
				fail_msg("%s with size %u: got %d, expected -EINVAL",
					 cmds[i].name, sz[k], ret);
		}
	}
	after = hstats(h);
	assert_same_use(&before, &after);
	refslab_close(h);
}

/*
 * A caller built against an older header passes the first published size,
 * one built against a newer header a grown struct (here by hand: CREATE's
 * plus a field a later version might add, zero).  Both reach CREATE, get a
 * handle, and see nothing written past their own struct.  With the module
 * of "make check-grown", whose CREATE struct is longer than VER0, the
 * VER0 call is the older caller on a newer kernel: its struct is read
 * zero-extended and written back at its own size.
 */
struct create_grown {
	struct refslab_create v0;
	uint64_t later;
};

static void test_struct_ver0_and_grown(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	struct {
		struct refslab_create c;
		unsigned char guard[8];
	} old = { .c = { .nslots = 1 } };
	struct {
		struct create_grown c;
		unsigned char guard[8];
	} grown = { .c = { .v0 = { .nslots = 1 } } };
	unsigned int i;

	(void)state;
	assert_int_equal(REFSLAB_CREATE_SIZE_VER0, 24);
	memset(old.guard, 0x5a, sizeof(old.guard));
	memset(grown.guard, 0x5a, sizeof(grown.guard));
	assert_ok(rawioc(fd, RW, 0x01, REFSLAB_CREATE_SIZE_VER0, &old.c));
	assert_ok(ioc(fd, _IOWR(REFSLAB_IOC_MAGIC, 0x01, struct create_grown),
		      &grown.c));
	assert_int_not_equal(old.c.handle, REFSLAB_NONE);
	assert_int_not_equal(grown.c.v0.handle, REFSLAB_NONE);
	assert_int_not_equal(grown.c.v0.handle, old.c.handle);
	assert_int_equal(refcount(h, old.c.handle), 1);
	assert_int_equal(refcount(h, grown.c.v0.handle), 1);
	assert_int_equal(grown.c.later, 0);
	for (i = 0; i < sizeof(old.guard); i++) {
		assert_int_equal(old.guard[i], 0x5a);
		assert_int_equal(grown.guard[i], 0x5a);
	}
	refslab_close(h);
}

/* Larger with a non-zero tail: E2BIG, for every command that reads its
 * argument; nothing changed. */
static void test_struct_too_big_nonzero_tail(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats before = hstats(h), after;
	char buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		unsigned int extra[3] = { 1, 8, 64 };
		int k;

		if (!(cmds[i].dir & W))
			continue;	/* output-only: nothing is read */
		for (k = 0; k < 3; k++) {
			int ret;

			memset(buf, 0, sizeof(buf));
			buf[cmds[i].size + extra[k] - 1] = 1;
			ret = rawioc(refslab_fd(h), cmds[i].dir, cmds[i].nr,
				     cmds[i].size + extra[k], buf);
			if (ret != -E2BIG)
				fail_msg("%s with %u extra bytes, last non-zero: got %d, expected -E2BIG",
					 cmds[i].name, extra[k], ret);
		}
	}
	after = hstats(h);
	assert_same_use(&before, &after);
	refslab_close(h);
}

/* Output-only structs (the _IOR commands) are not read: a larger one with
 * a non-zero tail works, and the tail is left as it was. */
static void test_output_only_tail(void **state)
{
	refslab_heap *h = open_heap();
	unsigned char buf[512];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		unsigned int j, extra = 64;
		int ret;

		if (cmds[i].dir != R)
			continue;
		n++;
		memset(buf, 0, sizeof(buf));
		memset(buf + cmds[i].size, 0x5a, extra);
		ret = rawioc(refslab_fd(h), cmds[i].dir, cmds[i].nr,
			     cmds[i].size + extra, buf);
		if (ret)
			fail_msg("%s with a non-zero tail: got %d, expected 0",
				 cmds[i].name, ret);
		for (j = cmds[i].size; j < cmds[i].size + extra; j++)
			if (buf[j] != 0x5a)
				fail_msg("%s wrote byte %u of the tail", cmds[i].name, j);
	}
	assert_int_equal(n, 3);		/* VERSION, HEAP_STATS, GC_STATS */
	/* ... and what they wrote is the real thing */
	assert_int_equal(((struct refslab_version *)buf)[0].major, 0);
	refslab_close(h);
}

/* Run cmd with its struct arg copied into a larger, zero-tailed buffer;
 * check the tail is left alone and copy the result back. */
static int big_call(int fd, const struct cmdinfo *c, void *arg)
{
	unsigned char buf[1024];
	const unsigned int extra = 40;
	unsigned int i;
	int ret;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, arg, c->size);
	ret = rawioc(fd, c->dir, c->nr, c->size + extra, buf);
	for (i = c->size; i < c->size + extra; i++)
		if (buf[i])
			fail_msg("%s wrote byte %u past its struct", c->name, i);
	memcpy(arg, buf, c->size);
	return ret;
}

static const struct cmdinfo *cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	fail_msg("no command %s", name);
	return NULL;
}

/* Larger with a zero tail: every command works as with the exact size. */
static void test_struct_bigger_zero_tail(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	struct refslab_version v = { 0 };
	struct refslab_create c = { .nslots = 2, .payload_size = 8 };
	struct refslab_dup d = { 0 };
	struct refslab_drop dr = { 0 };
	struct refslab_slot sl = { 0 };
	struct refslab_io io = { 0 };
	struct refslab_stat st = { 0 };
	struct refslab_cache_create cc = { .name = "uapi_big", .object_size = 64 };
	struct refslab_cache_destroy cd = { 0 };
	struct refslab_cache_info info[2];
	struct refslab_cache_list cl = { 0 };
	struct refslab_heap_stats hs = { 0 }, hs2;
	struct refslab_limits lim = { 0 };
	struct refslab_op op = { .op = REFSLAB_OP_STAT };
	struct refslab_batch b = { 0 };
	struct refslab_gc_collect gcc = { 0 };
	struct refslab_gc_control gctl = { 0 };
	struct refslab_gc_freeze fr = { 0 };
	struct refslab_gc_stats gs = { 0 };
	struct refslab_heap_dump hd = { .list = REFSLAB_DUMP_HANDLES };
	struct refslab_dump_handle dh[4];
	char data[8] = "abcdefg", back[8] = { 0 };

	(void)state;
	assert_ok(big_call(fd, cmd("VERSION"), &v));
	assert_int_equal(v.major, REFSLAB_VERSION_MAJOR);
	assert_ok(big_call(fd, cmd("CREATE"), &c));
	assert_int_not_equal(c.handle, REFSLAB_NONE);
	d.handle = c.handle;
	assert_ok(big_call(fd, cmd("DUP"), &d));
	assert_int_not_equal(d.new_handle, REFSLAB_NONE);
	assert_int_equal(refcount(h, c.handle), 2);
	sl.handle = c.handle;
	sl.slot = 1;
	sl.target = d.new_handle;
	assert_ok(big_call(fd, cmd("SET_SLOT"), &sl));
	assert_int_equal(refcount(h, c.handle), 3);
	sl.target = 0;
	assert_ok(big_call(fd, cmd("GET_SLOT"), &sl));
	assert_int_not_equal(sl.target, REFSLAB_NONE);
	assert_int_equal(refcount(h, c.handle), 4);
	io.handle = c.handle;
	io.len = sizeof(data);
	io.buf = uptr(data);
	assert_ok(big_call(fd, cmd("WRITE"), &io));
	io.buf = uptr(back);
	assert_ok(big_call(fd, cmd("READ"), &io));
	assert_memory_equal(data, back, sizeof(data));
	st.handle = c.handle;
	assert_ok(big_call(fd, cmd("STAT"), &st));
	assert_int_equal(st.refcount, 4);
	assert_int_equal(st.nslots, 2);
	assert_int_equal(st.payload_size, 8);
	dr.handle = sl.target;
	assert_ok(big_call(fd, cmd("DROP"), &dr));
	assert_int_equal(refcount(h, c.handle), 3);

	assert_ok(big_call(fd, cmd("CACHE_CREATE"), &cc));
	assert_int_not_equal(cc.cache_id, REFSLAB_GENERAL_CACHE);
	cl.buf = uptr(info);
	cl.count = 2;
	cl.entry_size = sizeof(info[0]);
	assert_ok(big_call(fd, cmd("CACHE_LIST"), &cl));
	assert_int_equal(cl.count, 1);
	assert_string_equal(info[0].name, "uapi_big");
	cd.cache_id = cc.cache_id;
	assert_ok(big_call(fd, cmd("CACHE_DESTROY"), &cd));

	assert_ok(big_call(fd, cmd("HEAP_STATS"), &hs));
	assert_int_equal(hs.objects, 1);
	assert_int_equal(hs.handles, 2);
	assert_ok(big_call(fd, cmd("SET_LIMITS"), &lim));	/* all unchanged */
	hs2 = hstats(h);
	assert_int_equal(hs2.max_objects, hs.max_objects);
	assert_int_equal(hs2.max_bytes, hs.max_bytes);
	assert_int_equal(hs2.max_handles, hs.max_handles);
	assert_int_equal(hs2.max_caches, hs.max_caches);

	hd.buf = uptr(dh);
	hd.count = 4;
	hd.entry_size = sizeof(dh[0]);
	assert_ok(big_call(fd, cmd("HEAP_DUMP"), &hd));
	assert_int_equal(hd.count, 2);
	assert_int_equal(hd.cursor, REFSLAB_DUMP_END);
	assert_int_equal(dh[0].handle, c.handle);

	op.args.stat.handle = c.handle;
	b.ops = uptr(&op);
	b.count = 1;
	assert_ok(big_call(fd, cmd("BATCH"), &b));
	assert_int_equal(b.done, 1);
	assert_int_equal(op.result, 0);
	assert_int_equal(op.args.stat.refcount, 3);

	/* the object is live (two handles): a collection frees nothing */
	gcc.collected = gcc.scanned = gcc.deferred = 77;
	assert_ok(big_call(fd, cmd("GC_COLLECT"), &gcc));
	assert_int_equal(gcc.collected, 0);
	assert_int_equal(gcc.deferred, 0);
	assert_true(gcc.scanned <= 1);
	assert_int_equal(refcount(h, c.handle), 3);
	/* flags 0: a read of the settings of a new heap */
	gctl.enabled = gctl.threshold = gctl.adaptive = 77;
	assert_ok(big_call(fd, cmd("GC_CONTROL"), &gctl));
	assert_int_equal(gctl.enabled, 1);
	assert_int_equal(gctl.adaptive, 1);
	assert_true(gctl.threshold >= 1 && gctl.threshold != 77);
	assert_ok(big_call(fd, cmd("GC_FREEZE"), &fr));
	assert_int_equal(fr.count, 1);
	assert_true(refslab_stat(h, c.handle, &st) == 0 && (st.state & REFSLAB_STATE_FROZEN));
	fr.flags = REFSLAB_GC_UNFREEZE;
	fr.count = 0;
	assert_ok(big_call(fd, cmd("GC_FREEZE"), &fr));
	assert_int_equal(fr.count, 1);
	assert_true(refslab_stat(h, c.handle, &st) == 0 && !(st.state & REFSLAB_STATE_FROZEN));
	memset(&gs, 0xff, sizeof(gs));
	assert_ok(big_call(fd, cmd("GC_STATS"), &gs));
	assert_true(gs.collections >= 1);
	assert_int_equal(gs.collected, 0);
	assert_int_equal(gs.frozen, 0);
	assert_int_equal(gs.enabled, 1);
	assert_int_equal(gs.threshold, gctl.threshold);
	refslab_close(h);
}

/* One command's argument with an unknown flag or non-zero padding. */
static void bad(int fd, const char *what, unsigned long nr, void *arg)
{
	int ret = ioc(fd, nr, arg);

	if (ret != -EINVAL)
		fail_msg("%s: got %d (%s), expected -EINVAL", what, ret,
			 strerror(-ret));
}

static void test_flags_and_padding(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	uint32_t a = mk(h, 2, 16), t = mk(h, 0, 0);
	struct refslab_heap_stats before, after;
	char data[16];
	uint32_t f;

	(void)state;
	gc_off(h);
	before = hstats(h);
	for (f = 0; f < 32; f++) {
		uint32_t bit = 1U << f;
		struct refslab_create c = { .flags = bit, .nslots = 1 };
		struct refslab_dup d = { .handle = a, .flags = bit };
		struct refslab_drop dr = { .handle = t, .flags = bit };
		struct refslab_slot s = { .handle = a, .slot = 0, .target = t, .flags = bit };
		struct refslab_io io = { .handle = a, .flags = bit, .len = 4, .buf = uptr(data) };
		struct refslab_stat st = { .handle = a, .flags = bit };
		struct refslab_cache_create cc = { .name = "flags", .object_size = 64, .flags = bit };
		struct refslab_cache_destroy cd = { .cache_id = 1, .flags = bit };
		struct refslab_cache_list cl = { .flags = bit, .entry_size = sizeof(struct refslab_cache_info) };
		struct refslab_limits l = { .flags = bit };
		struct refslab_gc_collect gc = { .flags = bit };
		struct refslab_gc_control ctl = { .flags = bit };
		struct refslab_gc_freeze fr = { .flags = bit };
		struct refslab_op op = { .op = REFSLAB_OP_STAT, .args.stat.handle = a };
		struct refslab_batch b = { .ops = uptr(&op), .count = 1, .flags = bit };

		bad(fd, "create flags", REFSLAB_IOC_CREATE, &c);
		bad(fd, "dup flags", REFSLAB_IOC_DUP, &d);
		bad(fd, "drop flags", REFSLAB_IOC_DROP, &dr);
		bad(fd, "set_slot flags", REFSLAB_IOC_SET_SLOT, &s);
		bad(fd, "get_slot flags", REFSLAB_IOC_GET_SLOT, &s);
		bad(fd, "read flags", REFSLAB_IOC_READ, &io);
		bad(fd, "write flags", REFSLAB_IOC_WRITE, &io);
		bad(fd, "stat flags", REFSLAB_IOC_STAT, &st);
		bad(fd, "cache_create flags", REFSLAB_IOC_CACHE_CREATE, &cc);
		bad(fd, "cache_destroy flags", REFSLAB_IOC_CACHE_DESTROY, &cd);
		bad(fd, "cache_list flags", REFSLAB_IOC_CACHE_LIST, &cl);
		bad(fd, "set_limits flags", REFSLAB_IOC_SET_LIMITS, &l);
		if (bit != REFSLAB_GC_NOWAIT)
			bad(fd, "gc_collect flags", REFSLAB_IOC_GC_COLLECT, &gc);
		if (bit != REFSLAB_GC_SET_ENABLED && bit != REFSLAB_GC_SET_THRESHOLD)
			bad(fd, "gc_control flags", REFSLAB_IOC_GC_CONTROL, &ctl);
		if (bit != REFSLAB_GC_UNFREEZE)
			bad(fd, "gc_freeze flags", REFSLAB_IOC_GC_FREEZE, &fr);
		if (bit != REFSLAB_BATCH_CONTINUE)
			bad(fd, "batch flags", REFSLAB_IOC_BATCH, &b);
	}
	/* Padding and reserved fields. */
	{
		struct refslab_create c = { .nslots = 1, .__pad = 1 };
		struct refslab_dup d = { .handle = a, .__pad = 1 };
		struct refslab_cache_list cl = { .__pad = 1, .entry_size = sizeof(struct refslab_cache_info) };
		struct refslab_limits l = { .__pad = 1 };
		struct refslab_gc_collect gc = { .__pad = 1 };
		struct refslab_gc_freeze fr = { .__pad = 1 };
		struct refslab_op op = { .op = REFSLAB_OP_STAT, .args.stat.handle = a };
		struct refslab_batch b = { .ops = uptr(&op), .count = 1, .__pad = 1 };
		struct refslab_cache_create cc = { .name = "pad", .object_size = 64 };

		bad(fd, "create pad", REFSLAB_IOC_CREATE, &c);
		bad(fd, "dup pad", REFSLAB_IOC_DUP, &d);
		bad(fd, "cache_list pad", REFSLAB_IOC_CACHE_LIST, &cl);
		bad(fd, "set_limits pad", REFSLAB_IOC_SET_LIMITS, &l);
		bad(fd, "gc_collect pad", REFSLAB_IOC_GC_COLLECT, &gc);
		bad(fd, "gc_freeze pad", REFSLAB_IOC_GC_FREEZE, &fr);
		bad(fd, "batch pad", REFSLAB_IOC_BATCH, &b);
		/* the name must be NUL padded */
		cc.name[10] = 'x';
		bad(fd, "cache_create garbage after the name's NUL", REFSLAB_IOC_CACHE_CREATE, &cc);
	}
	/* The same inside a batch: per-operation EINVAL. */
	{
		struct refslab_op ops[3] = {
			{ .op = REFSLAB_OP_CREATE, .args.create = { .flags = 1 } },
			{ .op = REFSLAB_OP_DROP, .args.drop = { .handle = t, .flags = 1 } },
			{ .op = REFSLAB_OP_CREATE, .args.create = { .__pad = 1 } },
		};
		struct refslab_batch b = { .ops = uptr(ops), .count = 3, .flags = REFSLAB_BATCH_CONTINUE };

		assert_errno(ioc(fd, REFSLAB_IOC_BATCH, &b), EINVAL);
		assert_int_equal(b.done, 3);
		assert_int_equal(ops[0].result, -EINVAL);
		assert_int_equal(ops[1].result, -EINVAL);
		assert_int_equal(ops[2].result, -EINVAL);
	}
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_int_equal(refcount(h, a), 1);
	assert_int_equal(refcount(h, t), 1);
	refslab_close(h);
}

/* The argument pointer faults: EFAULT for every command, nothing done. */
static void test_efault_arg(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats before = hstats(h), after;
	void *bad = fault_page();
	void *ptrs[3] = { NULL, bad, (char *)bad + 4096 - 4 };
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < NCMDS; i++) {
		for (k = 0; k < 3; k++) {
			int ret = rawioc(refslab_fd(h), cmds[i].dir, cmds[i].nr,
					 cmds[i].size, ptrs[k]);

			if (ret != -EFAULT)
				fail_msg("%s with arg %p: got %d, expected -EFAULT",
					 cmds[i].name, ptrs[k], ret);
		}
	}
	after = hstats(h);
	assert_same_use(&before, &after);
	munmap(bad, 4096);
	refslab_close(h);
}

/* Buffers inside the arguments fault. */
static void test_efault_buffers(void **state)
{
	refslab_heap *h = open_heap();
	int fd = refslab_fd(h);
	unsigned char *bad = fault_page();
	uint32_t a = mk(h, 1, 32);
	unsigned char data[32], back[32];
	struct refslab_heap_stats before, after;
	struct refslab_io io = { .handle = a, .len = 8, .buf = uptr(bad) };
	struct refslab_cache_list cl = { .buf = uptr(bad), .count = 4,
					 .entry_size = sizeof(struct refslab_cache_info) };
	struct refslab_batch b = { .ops = uptr(bad), .count = 1 };
	uint32_t cid;

	(void)state;
	gc_off(h);
	memset(data, 'q', sizeof(data));
	assert_ok(refslab_write(h, a, 0, data, sizeof(data)));
	assert_ok(refslab_cache_create(h, "fault", 64, 0, &cid));
	before = hstats(h);

	assert_errno(ioc(fd, REFSLAB_IOC_READ, &io), EFAULT);
	assert_errno(ioc(fd, REFSLAB_IOC_WRITE, &io), EFAULT);
	/* a buffer that starts fine and runs into the bad page */
	io.buf = uptr(bad - 4);
	assert_errno(ioc(fd, REFSLAB_IOC_WRITE, &io), EFAULT);
	io.buf = uptr(NULL);
	assert_errno(ioc(fd, REFSLAB_IOC_WRITE, &io), EFAULT);
	/* a faulting write changed nothing */
	assert_ok(refslab_read(h, a, 0, back, sizeof(back)));
	assert_memory_equal(data, back, sizeof(data));

	assert_errno(ioc(fd, REFSLAB_IOC_CACHE_LIST, &cl), EFAULT);
	assert_errno(ioc(fd, REFSLAB_IOC_BATCH, &b), EFAULT);
	{
		struct refslab_op ops[2] = {
			{ .op = REFSLAB_OP_READ, .args.io = { .handle = a, .len = 4, .buf = uptr(bad) } },
			{ .op = REFSLAB_OP_WRITE, .args.io = { .handle = a, .len = 4, .buf = uptr(bad) } },
		};

		b.ops = uptr(ops);
		b.count = 2;
		b.flags = REFSLAB_BATCH_CONTINUE;
		assert_errno(ioc(fd, REFSLAB_IOC_BATCH, &b), EFAULT);
		assert_int_equal(b.done, 2);
		assert_int_equal(ops[0].result, -EFAULT);
		assert_int_equal(ops[1].result, -EFAULT);
	}
	/* ops array in a page that is gone */
	{
		struct refslab_op *ops = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(ops != MAP_FAILED);
		munmap(ops, 4096);	/* a pointer to a page that is gone */
		b.ops = uptr(ops);
		b.count = 1;
		b.flags = 0;
		assert_errno(ioc(fd, REFSLAB_IOC_BATCH, &b), EFAULT);
	}
	assert_ok(refslab_read(h, a, 0, back, sizeof(back)));
	assert_memory_equal(data, back, sizeof(data));
	after = hstats(h);
	assert_same_use(&before, &after);
	assert_int_equal(refcount(h, a), 1);
	munmap(bad, 4096);
	refslab_close(h);
}

static void test_cache_list_entry_size(void **state)
{
	refslab_heap *h = open_heap();
	struct {
		struct refslab_cache_info info;
		uint64_t extra[2];
	} big[2];
	struct refslab_cache_info small[2];
	struct refslab_cache_list cl = { .buf = uptr(small), .count = 2 };
	uint32_t c1, c2;

	(void)state;
	assert_ok(refslab_cache_create(h, "first", 64, 0, &c1));
	assert_ok(refslab_cache_create(h, "second", 128, 0, &c2));
	cl.entry_size = sizeof(struct refslab_cache_info) - 8;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_LIST, &cl), EINVAL);
	cl.entry_size = 0;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_LIST, &cl), EINVAL);
	/* a newer, larger entry: strided, tail left alone */
	memset(big, 0, sizeof(big));
	cl.buf = uptr(big);
	cl.count = 2;
	cl.entry_size = sizeof(big[0]);
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_LIST, &cl));
	assert_int_equal(cl.count, 2);
	assert_true(!strcmp(big[0].info.name, "first") || !strcmp(big[1].info.name, "first"));
	assert_true(!strcmp(big[0].info.name, "second") || !strcmp(big[1].info.name, "second"));
	assert_int_equal(big[0].extra[0] | big[0].extra[1] | big[1].extra[0] | big[1].extra[1], 0);
	/* room for one: count says two exist */
	cl.buf = uptr(small);
	cl.count = 1;
	cl.entry_size = sizeof(small[0]);
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_LIST, &cl));
	assert_int_equal(cl.count, 2);
	/* room for none, NULL buffer: just the count */
	cl.buf = 0;
	cl.count = 0;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_CACHE_LIST, &cl));
	assert_int_equal(cl.count, 2);
	refslab_close(h);
}

static void test_batch_args(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_heap_stats before, after;
	struct refslab_op *ops = calloc(REFSLAB_BATCH_MAX + 1, sizeof(*ops));
	struct refslab_batch b = { .ops = uptr(ops) };
	uint32_t i;

	(void)state;
	assert_non_null(ops);
	gc_off(h);
	before = hstats(h);
	b.count = 0;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_BATCH, &b), EINVAL);
	for (i = 0; i <= REFSLAB_BATCH_MAX; i++)
		ops[i].op = REFSLAB_OP_CREATE;
	b.count = REFSLAB_BATCH_MAX + 1;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_BATCH, &b), EINVAL);
	after = hstats(h);
	assert_same_use(&before, &after);
	/* unknown operation codes: per-operation EINVAL */
	memset(ops, 0, 3 * sizeof(*ops));
	ops[0].op = 0;
	ops[1].op = 9;
	ops[2].op = 0xffffffffu;
	b.count = 3;
	b.flags = REFSLAB_BATCH_CONTINUE;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_BATCH, &b), EINVAL);
	assert_int_equal(b.done, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(ops[i].result, -EINVAL);
	/* without CONTINUE: stops at the first; what did not run is not
	 * written */
	b.flags = 0;
	ops[0].result = 777;
	ops[1].result = 12345;
	ops[2].result = 999;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_BATCH, &b), EINVAL);
	assert_int_equal(b.done, 1);
	assert_int_equal(ops[0].result, -EINVAL);
	assert_int_equal(ops[1].result, 12345);
	assert_int_equal(ops[2].result, 999);
	after = hstats(h);
	assert_same_use(&before, &after);
	free(ops);
	refslab_close(h);
}

static void test_gc_control_args(void **state)
{
	refslab_heap *h = open_heap();
	struct refslab_gc_control c = { 0 };
	struct refslab_gc_control c2;
	struct refslab_gc_freeze fr = { 0 };

	(void)state;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c));	/* get */
	c2 = c;
	/* flags 0 reads: the value fields are ignored */
	c2.flags = 0;
	c2.enabled = !c.enabled;
	c2.threshold = c.threshold + 17;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.enabled, c.enabled);
	assert_int_equal(c2.threshold, c.threshold);
	/* set threshold, then back to adaptive */
	memset(&c2, 0, sizeof(c2));
	c2.flags = REFSLAB_GC_SET_THRESHOLD;
	c2.threshold = 1234;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.threshold, 1234);
	assert_int_equal(c2.adaptive, 0);
	memset(&c2, 0, sizeof(c2));
	c2.flags = REFSLAB_GC_SET_THRESHOLD;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.adaptive, 1);
	/* enable / disable */
	memset(&c2, 0, sizeof(c2));
	c2.flags = REFSLAB_GC_SET_ENABLED;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.enabled, 0);
	c2.flags = REFSLAB_GC_SET_ENABLED;
	c2.enabled = 1;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.enabled, 1);
	/* the header's limits: enabled <= 1, threshold <= REFSLAB_GC_THRESHOLD_MAX */
	assert_int_equal(REFSLAB_GC_THRESHOLD_MAX, 1U << 24);
	c2.flags = REFSLAB_GC_SET_ENABLED;
	c2.enabled = 2;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2), EINVAL);
	memset(&c2, 0, sizeof(c2));
	c2.flags = REFSLAB_GC_SET_THRESHOLD;
	c2.threshold = REFSLAB_GC_THRESHOLD_MAX + 1;
	assert_errno(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2), EINVAL);
	c2.threshold = REFSLAB_GC_THRESHOLD_MAX;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_CONTROL, &c2));
	assert_int_equal(c2.threshold, REFSLAB_GC_THRESHOLD_MAX);
	assert_int_equal(c2.enabled, 1);
	/* freeze an empty heap: count 0 */
	fr.count = 99;
	assert_ok(ioc(refslab_fd(h), REFSLAB_IOC_GC_FREEZE, &fr));
	assert_int_equal(fr.count, 0);
	refslab_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_match_header),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_struct_too_small),
		cmocka_unit_test(test_struct_ver0_and_grown),
		cmocka_unit_test(test_struct_too_big_nonzero_tail),
		cmocka_unit_test(test_struct_bigger_zero_tail),
		cmocka_unit_test(test_output_only_tail),
		cmocka_unit_test(test_flags_and_padding),
		cmocka_unit_test(test_efault_arg),
		cmocka_unit_test(test_efault_buffers),
		cmocka_unit_test(test_cache_list_entry_size),
		cmocka_unit_test(test_batch_args),
		cmocka_unit_test(test_gc_control_args),
	};

	rs_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
