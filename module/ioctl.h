/* SPDX-License-Identifier: GPL-2.0 */
/* refslab ioctl dispatch: /dev/refslab and the do-nothing /dev/refslab_null. */
#ifndef REFSLAB_IOCTL_H
#define REFSLAB_IOCTL_H

int rs_ioctl_init(void);
void rs_ioctl_exit(void);

/*
 * Copy in a command's argument struct of the kernel's size @ksize from a
 * caller's of @usize bytes: smaller than the first published size (the
 * current one) is EINVAL; copy_struct_from_user() handles a larger one
 * (E2BIG unless its tail is zero).  For every unit's ioctl handlers.
 */
int rs_ioctl_in(void *k, size_t ksize, const void __user *u, unsigned int usize);

#endif /* REFSLAB_IOCTL_H */
