/* SPDX-License-Identifier: GPL-2.0 */
/* refslab ioctl dispatch: /dev/refslab and the do-nothing /dev/refslab_null. */
#ifndef REFSLAB_IOCTL_H
#define REFSLAB_IOCTL_H

int rs_ioctl_init(void);
void rs_ioctl_exit(void);

#endif /* REFSLAB_IOCTL_H */
