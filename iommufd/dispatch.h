/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker ioctl dispatch table, exposed for its KUnit suite.
 */
#ifndef IOBROKER_DISPATCH_H
#define IOBROKER_DISPATCH_H

#include <linux/types.h>

struct iob_ucmd;

/**
 * struct iob_ioctl_op - how one ioctl number is served
 * @size: size of the kernel's version of the structure
 * @min_size: bytes up to the end of the last member of the structure's
 *	first version; shorter calls get EINVAL
 * @handler: does the work; NULL for a number that is not served
 * @present: if set, whether the number is served right now; when it says
 *	no, the call is ENOTTY before its structure is read, as on a kernel
 *	without the feature
 *
 * Every ioctl is _IO(IOMMUFD_TYPE, nr): the number carries no size or
 * direction, so the slot says all there is to know about it.
 */
struct iob_ioctl_op {
	u16 size;
	u16 min_size;
	int (*handler)(struct iob_ucmd *ucmd);
	bool (*present)(void);
};

const struct iob_ioctl_op *iob_ioctl_table(unsigned int *count);
size_t iob_ioctl_buffer_size(void);

#endif
