// SPDX-License-Identifier: GPL-2.0
/*
 * refslab collector stepping, for tests/user/test_gc_step.
 *
 * Owns: the debugfs file "gc_step" (root only) and its state.  A
 * synchronous collection run by the process that armed it stops at every
 * point where the collector has dropped heap->lock (gc.c calls
 * rs_step_point() there), until the test writes "step".  Meanwhile the
 * test runs the mutator operation of its choice, so every interleaving of
 * one collection with a few operations can be enumerated.  The kthread's
 * collections never stop.  Protocol:
 *
 *   write "arm"     stop the writer's collections (disarmed at close)
 *   read            by the file that armed it: blocks until a collection
 *                   stops or ends, then "wait N PHASE" (at point N, PHASE
 *                   runs next) or "end N" (it ended after N points); any
 *                   other reader gets "off" or "armed" at once
 *   write "step"    let the stopped collection go on to its next point
 *   write "disarm"
 *
 * Stepping is armed for the writer's process as a struct pid, referenced
 * until it is disarmed, never for a pid number: if that process exits
 * while the file that armed it lives on (in a child, or passed over a
 * socket), no process that gets the number later is ever stopped.
 *
 * Locking: rs_step_lock (a spinlock, taken alone) guards the state; the
 * collector waits for "step" on rs_step_wq without any lock of its own
 * but the heap's collect_lock (heap.h), which the test never needs.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include "gc_step.h"

enum rs_step_state { RS_STEP_IDLE, RS_STEP_RUNNING, RS_STEP_WAITING, RS_STEP_ENDED };

static DEFINE_SPINLOCK(rs_step_lock);
static DECLARE_WAIT_QUEUE_HEAD(rs_step_wq);
static struct {
	struct pid *tgid;		/* armed for this process (a reference); NULL: off */
	struct file *owner;		/* the file that armed it */
	enum rs_step_state state;
	u32 point;
	const char *next;		/* the phase that runs after the point */
	bool go;
} rs_step;
static struct dentry *rs_step_dentry;

bool rs_step_begin(void)
{
	bool on = false;

	if (READ_ONCE(rs_step.tgid) != task_tgid(current))
		return false;
	spin_lock(&rs_step_lock);
	if (rs_step.tgid == task_tgid(current)) {
		on = true;
		rs_step.state = RS_STEP_RUNNING;
		rs_step.point = 0;
	}
	spin_unlock(&rs_step_lock);
	return on;
}

static bool rs_step_released(struct pid *tgid)
{
	return READ_ONCE(rs_step.go) || READ_ONCE(rs_step.tgid) != tgid;
}

bool rs_step_point(const char *next)
{
	struct pid *tgid = task_tgid(current);

	spin_lock(&rs_step_lock);
	if (rs_step.tgid != tgid) {
		spin_unlock(&rs_step_lock);
		return false;
	}
	rs_step.point++;
	rs_step.next = next;
	rs_step.state = RS_STEP_WAITING;
	rs_step.go = false;
	spin_unlock(&rs_step_lock);
	wake_up_all(&rs_step_wq);
	return !wait_event_killable(rs_step_wq, rs_step_released(tgid));
}

void rs_step_end(void)
{
	spin_lock(&rs_step_lock);
	if (rs_step.tgid == task_tgid(current))
		rs_step.state = RS_STEP_ENDED;
	spin_unlock(&rs_step_lock);
	wake_up_all(&rs_step_wq);
}

static bool rs_step_reportable(void)
{
	enum rs_step_state st = READ_ONCE(rs_step.state);

	return st == RS_STEP_WAITING || st == RS_STEP_ENDED;
}

static ssize_t rs_step_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char line[48];
	loff_t pos = 0;	/* the owner reads one report per read() */
	int n;

	/* Only the file that armed stepping waits; a reader of every
	 * debugfs file (refslabctl stats, cat) gets the state at once.
	 */
	if (READ_ONCE(rs_step.owner) == file &&
	    wait_event_interruptible(rs_step_wq, rs_step_reportable()))
		return -EINTR;
	spin_lock(&rs_step_lock);
	if (rs_step.owner != file) {
		n = scnprintf(line, sizeof(line), "%s\n",
			      rs_step.tgid ? "armed" : "off");
		spin_unlock(&rs_step_lock);
		return simple_read_from_buffer(ubuf, count, ppos, line, n);
	} else if (rs_step.state == RS_STEP_WAITING) {
		n = scnprintf(line, sizeof(line), "wait %u %s\n", rs_step.point,
			      rs_step.next);
	} else if (rs_step.state == RS_STEP_ENDED) {
		n = scnprintf(line, sizeof(line), "end %u\n", rs_step.point);
		rs_step.state = RS_STEP_IDLE;
	} else {
		n = scnprintf(line, sizeof(line), "idle\n");
	}
	spin_unlock(&rs_step_lock);
	return simple_read_from_buffer(ubuf, count, &pos, line, n);
}

/* rs_step_lock held; returns the reference to put once it is dropped. */
static struct pid *rs_step_disarm(void)
{
	struct pid *tgid = rs_step.tgid;

	rs_step.tgid = NULL;
	rs_step.owner = NULL;
	rs_step.state = RS_STEP_IDLE;
	return tgid;
}

static ssize_t rs_step_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct pid *put = NULL;
	char cmd[16];
	ssize_t err = count;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = 0;
	strim(cmd);
	spin_lock(&rs_step_lock);
	if (!strcmp(cmd, "arm")) {
		if (rs_step.tgid && rs_step.owner != file) {
			err = -EBUSY;
		} else {
			put = rs_step.tgid;
			rs_step.tgid = get_pid(task_tgid(current));
			rs_step.owner = file;
			rs_step.state = RS_STEP_IDLE;
		}
	} else if (!strcmp(cmd, "step")) {
		if (rs_step.owner != file || rs_step.state != RS_STEP_WAITING) {
			err = -EINVAL;
		} else {
			rs_step.go = true;
			rs_step.state = RS_STEP_RUNNING;
		}
	} else if (!strcmp(cmd, "disarm")) {
		if (rs_step.owner == file)
			put = rs_step_disarm();
	} else {
		err = -EINVAL;
	}
	spin_unlock(&rs_step_lock);
	put_pid(put);
	wake_up_all(&rs_step_wq);
	return err;
}

static int rs_step_release(struct inode *inode, struct file *file)
{
	struct pid *put = NULL;

	spin_lock(&rs_step_lock);
	if (rs_step.owner == file)
		put = rs_step_disarm();
	spin_unlock(&rs_step_lock);
	put_pid(put);
	wake_up_all(&rs_step_wq);
	return 0;
}

static const struct file_operations rs_step_fops = {
	.owner = THIS_MODULE,
	.read = rs_step_read,
	.write = rs_step_write,
	.release = rs_step_release,
	.llseek = noop_llseek,
};

void rs_step_init(struct dentry *debugfs_root)
{
	rs_step_dentry = debugfs_create_file("gc_step", 0600, debugfs_root,
					     NULL, &rs_step_fops);
}

void rs_step_exit(void)
{
	debugfs_remove(rs_step_dentry);
	rs_step_dentry = NULL;
}
