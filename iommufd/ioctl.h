/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker ioctl layer: one command in flight.
 */
#ifndef IOBROKER_IOCTL_H
#define IOBROKER_IOCTL_H

#include <linux/minmax.h>
#include <linux/types.h>
#include <linux/uaccess.h>

struct file;
struct iob_ctx;

/**
 * struct iob_ucmd - one ioctl call being served
 * @ctx: the file's object context
 * @ubuffer: the caller's structure
 * @user_size: the size the caller declared in its first member
 * @cmd: kernel copy of the structure, as long as the kernel's version of
 *	it, with anything the caller did not pass zeroed
 */
struct iob_ucmd {
	struct iob_ctx *ctx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * iob_ucmd_respond() - copy the command structure back to userspace
 * @ucmd: the call
 * @len: how much of the kernel's structure carries results
 *
 * Writes no more than the caller declared. Creation handlers call this
 * before publishing the new object, so a failed copy leaves nothing behind.
 *
 * Return: 0 or -EFAULT.
 */
static inline int iob_ucmd_respond(struct iob_ucmd *ucmd, size_t len)
{
	size_t n = min_t(size_t, len, ucmd->user_size);

	return copy_to_user(ucmd->ubuffer, ucmd->cmd, n) ? -EFAULT : 0;
}

long iob_ioctl(struct file *file, unsigned int cmd, unsigned long uarg);

/* Handlers, one per ioctl; each lives with the object type it serves. */
int iob_destroy_ioctl(struct iob_ucmd *ucmd);
int iob_get_hw_info_ioctl(struct iob_ucmd *ucmd);
int iob_hwpt_alloc_ioctl(struct iob_ucmd *ucmd);
int iob_hwpt_invalidate_ioctl(struct iob_ucmd *ucmd);
int iob_hwpt_set_dirty_tracking_ioctl(struct iob_ucmd *ucmd);
int iob_hwpt_get_dirty_bitmap_ioctl(struct iob_ucmd *ucmd);
int iob_fault_alloc_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_alloc_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_allow_iovas_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_copy_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_iova_ranges_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_map_ioctl(struct iob_ucmd *ucmd);
int iob_ioas_unmap_ioctl(struct iob_ucmd *ucmd);
int iob_option_ioctl(struct iob_ucmd *ucmd);
int iob_test_ioctl(struct iob_ucmd *ucmd);
int iob_vfio_ioas_ioctl(struct iob_ucmd *ucmd);

/* VFIO's container ioctls, whose numbers lie below IOMMUFD_CMD_BASE. */
long iob_vfio_ioctl(struct iob_ctx *ctx, unsigned int cmd, unsigned long arg);

#endif
