// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker ioctl dispatch.
 *
 * One table, indexed by the ioctl's number minus IOMMUFD_CMD_BASE, says for
 * each ioctl how big its structure is, how short a caller's version of it
 * may be, and which handler serves it. The caller's structure is copied
 * once, into an on-stack buffer big enough for any of them, with
 * copy_struct_from_user(): a shorter structure is zero-extended, a longer
 * one must be zero past what the kernel knows (E2BIG otherwise). Handlers
 * then follow one shape: look up and hold the objects they need, do the
 * work, copy the reply back, and only then publish what they created.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/ioctl.h>
#include <linux/kernel.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../uapi/iobroker/iommufd.h"
#include "../uapi/iobroker/iommufd_test.h"
#include "dispatch.h"
#include "../common/export.h"
#include "ioctl.h"
#include "testhook.h"

/* Big enough for the structure of any ioctl in the table. */
union iob_ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hwpt_invalidate hwpt_invalidate;
	struct iommu_hwpt_set_dirty_tracking set_dirty;
	struct iommu_hwpt_get_dirty_bitmap get_dirty;
	struct iommu_fault_alloc fault_alloc;
	struct iommu_ioas_alloc ioas_alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map ioas_map;
	struct iommu_ioas_unmap ioas_unmap;
	struct iommu_option option;
	struct iommu_test_cmd test;
	struct iommu_vfio_ioas vfio_ioas;
};

#define IOB_IOCTL_IF(_cmd, _handler, _struct, _last_v1, _present)             \
	[_IOC_NR(_cmd) - IOMMUFD_CMD_BASE] = {                                 \
		.size = sizeof(_struct) +                                      \
			BUILD_BUG_ON_ZERO(sizeof(_struct) >                    \
					  sizeof(union iob_ucmd_buffer)) +     \
			BUILD_BUG_ON_ZERO(offsetof(_struct, size)),            \
		.min_size = offsetofend(_struct, _last_v1),                    \
		.handler = (_handler),                                         \
		.present = (_present),                                         \
	}
#define IOB_IOCTL(_cmd, _handler, _struct, _last_v1)                          \
	IOB_IOCTL_IF(_cmd, _handler, _struct, _last_v1, NULL)

static const struct iob_ioctl_op iob_ioctl_ops[] = {
	IOB_IOCTL(IOMMU_DESTROY, iob_destroy_ioctl, struct iommu_destroy, id),
	IOB_IOCTL(IOMMU_GET_HW_INFO, iob_get_hw_info_ioctl, struct iommu_hw_info,
		  __reserved),
	IOB_IOCTL(IOMMU_HWPT_ALLOC, iob_hwpt_alloc_ioctl,
		  struct iommu_hwpt_alloc, __reserved),
	IOB_IOCTL(IOMMU_HWPT_INVALIDATE, iob_hwpt_invalidate_ioctl,
		  struct iommu_hwpt_invalidate, __reserved),
	IOB_IOCTL(IOMMU_HWPT_SET_DIRTY_TRACKING,
		  iob_hwpt_set_dirty_tracking_ioctl,
		  struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOB_IOCTL(IOMMU_HWPT_GET_DIRTY_BITMAP, iob_hwpt_get_dirty_bitmap_ioctl,
		  struct iommu_hwpt_get_dirty_bitmap, data),
	IOB_IOCTL(IOMMU_FAULT_QUEUE_ALLOC, iob_fault_alloc_ioctl,
		  struct iommu_fault_alloc, out_fault_fd),
	IOB_IOCTL(IOMMU_IOAS_ALLOC, iob_ioas_alloc_ioctl,
		  struct iommu_ioas_alloc, out_ioas_id),
	IOB_IOCTL(IOMMU_IOAS_ALLOW_IOVAS, iob_ioas_allow_iovas_ioctl,
		  struct iommu_ioas_allow_iovas, allowed_iovas),
	IOB_IOCTL(IOMMU_IOAS_COPY, iob_ioas_copy_ioctl, struct iommu_ioas_copy,
		  src_iova),
	IOB_IOCTL(IOMMU_IOAS_IOVA_RANGES, iob_ioas_iova_ranges_ioctl,
		  struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOB_IOCTL(IOMMU_IOAS_MAP, iob_ioas_map_ioctl, struct iommu_ioas_map,
		  iova),
	IOB_IOCTL(IOMMU_IOAS_UNMAP, iob_ioas_unmap_ioctl,
		  struct iommu_ioas_unmap, length),
	IOB_IOCTL(IOMMU_OPTION, iob_option_ioctl, struct iommu_option, val64),
	IOB_IOCTL(IOMMU_VFIO_IOAS, iob_vfio_ioas_ioctl, struct iommu_vfio_ioas,
		  __reserved),
	/* Served only while the test module is loaded. */
	IOB_IOCTL_IF(IOMMU_TEST_CMD, iob_test_ioctl, struct iommu_test_cmd,
		     last, iob_test_present),
};

/**
 * iob_ioctl_table() - the dispatch table, for its tests
 * @count: set to the number of slots
 *
 * Return: the table.
 */
const struct iob_ioctl_op *iob_ioctl_table(unsigned int *count)
{
	*count = ARRAY_SIZE(iob_ioctl_ops);
	return iob_ioctl_ops;
}
EXPORT_SYMBOL_IOB_TEST(iob_ioctl_table);

/**
 * iob_ioctl_buffer_size() - size of the on-stack command buffer
 *
 * Return: the size in bytes.
 */
size_t iob_ioctl_buffer_size(void)
{
	return sizeof(union iob_ucmd_buffer);
}
EXPORT_SYMBOL_IOB_TEST(iob_ioctl_buffer_size);

/**
 * iob_ioctl() - serve one ioctl on a /dev/iommu file
 * @file: the file, whose private data is its context
 * @cmd: ioctl number
 * @uarg: the caller's structure
 *
 * The file's unlocked_ioctl itself: the path every call takes has no
 * wrapper in front. Numbers below IOMMUFD_CMD_BASE are VFIO's container
 * ioctls and go to iob_vfio_ioctl().
 *
 * Return: the handler's result, or -ENOTTY for a number not in the table
 * or not served now, -EFAULT if the structure cannot be read, -EINVAL if
 * it is shorter than its first version, -E2BIG if it has non-zero bytes
 * the kernel does not know.
 */
long iob_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	unsigned int slot = _IOC_NR(cmd) - IOMMUFD_CMD_BASE;
	void __user *arg = (void __user *)uarg;
	const struct iob_ioctl_op *op;
	/* Written by the copy in for op->size bytes before any use. */
	union iob_ucmd_buffer buf __uninitialized;
	struct iob_ucmd ucmd = {
		.ctx = file->private_data,
		.ubuffer = arg,
		.cmd = &buf,
	};
	int rc;

	/* Below the base lie VFIO's numbers, of the same type. */
	if (_IOC_NR(cmd) < IOMMUFD_CMD_BASE)
		return iob_vfio_ioctl(ucmd.ctx, cmd, uarg);
	if (slot >= ARRAY_SIZE(iob_ioctl_ops))
		return -ENOTTY;
	op = &iob_ioctl_ops[slot];
	/* Other types, or numbers with a size or direction, are not ours. */
	if (!op->handler || cmd != _IO(IOMMUFD_TYPE, _IOC_NR(cmd)))
		return -ENOTTY;
	if (op->present && !op->present())
		return -ENOTTY;

	/*
	 * Every user access ends in a flush of the L1 data cache on CPUs
	 * that need it, which costs more than the rest of a small ioctl. So
	 * read our length of the struct at once and look at its size after:
	 * when the caller's struct is exactly ours, as for every program
	 * built against these headers, that single read is the copy in. A
	 * struct of another length, or one that faults (it may end before
	 * our length does), goes the usual way, so the result is the same.
	 */
	if (!copy_from_user(&buf, arg, op->size)) {
		memcpy(&ucmd.user_size, &buf, sizeof(ucmd.user_size));
		if (ucmd.user_size == op->size)
			return op->handler(&ucmd);
	}

	if (get_user(ucmd.user_size, (u32 __user *)arg))
		return -EFAULT;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	rc = copy_struct_from_user(&buf, op->size, arg, ucmd.user_size);
	if (rc)
		return rc;
	return op->handler(&ucmd);
}
