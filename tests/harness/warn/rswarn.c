// SPDX-License-Identifier: GPL-2.0
/*
 * rswarn: the VM runner's self-test module.  Loads quietly, or raises a
 * kernel warning at load when warn=1, so the self-test can prove that a
 * warning in the guest fails the run.  No state, no locking.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/bug.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "raise a WARN() at load (default: no)");

static int __init rswarn_init(void)
{
	WARN(warn, "rswarn: injected warning for the runner self-test\n");
	pr_info("rswarn: loaded (warn=%d)\n", warn);
	return 0;
}

static void __exit rswarn_exit(void)
{
	pr_info("rswarn: unloaded\n");
}

module_init(rswarn_init);
module_exit(rswarn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("refslab VM runner self-test: injects a kernel warning on request");

