/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the iobroker selftests.
 *
 * The iob_*() wrappers return 0 or the errno of the failed ioctl, so a
 * test states the errno it expects: ASSERT_EQ(ENOENT, iob_destroy(fd, 0)).
 */
#ifndef IOB_UTILS_H
#define IOB_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../uapi/iobroker/iommufd.h"
#include "../uapi/iobroker/iommufd_test.h"

#define IOB_DEV "/dev/iommu"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* ioctl() as an errno: 0 on success. */
static inline int iob_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static inline int iob_open(void)
{
	return open(IOB_DEV, O_RDWR | O_CLOEXEC);
}

static inline int iob_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return iob_ioctl(fd, IOMMU_DESTROY, &cmd);
}

static inline int iob_ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int rc = iob_ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);

	if (!rc && id)
		*id = cmd.out_ioas_id;
	return rc;
}

/* IOMMU_VFIO_IOAS: @op on the IOAS of VFIO's calls, *@id in and out. */
static inline int iob_vfio_ioas(int fd, __u16 op, __u32 *id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = op,
		.ioas_id = id ? *id : 0,
	};
	int rc = iob_ioctl(fd, IOMMU_VFIO_IOAS, &cmd);

	if (!rc && id)
		*id = cmd.ioas_id;
	return rc;
}

static inline int iob_option(int fd, __u32 option, __u16 op,
			     __u32 object, __u64 *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option,
		.op = op,
		.object_id = object,
		.val64 = *val,
	};
	int rc = iob_ioctl(fd, IOMMU_OPTION, &cmd);

	*val = cmd.val64;
	return rc;
}

static inline int iob_option_get(int fd, __u32 option, __u32 object,
				 __u64 *val)
{
	*val = UINT64_MAX;
	return iob_option(fd, option, IOMMU_OPTION_OP_GET, object, val);
}

static inline int iob_option_set(int fd, __u32 option, __u32 object,
				 __u64 val)
{
	return iob_option(fd, option, IOMMU_OPTION_OP_SET, object, &val);
}

static inline int iob_test(int fd, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	return iob_ioctl(fd, IOMMU_TEST_CMD, cmd);
}

/* Test object depending on @dep (0: on nothing); its ID in *id. */
static inline int iob_dep_alloc(int fd, __u32 dep, __u32 *id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_IOB_DEP_ALLOC,
		.id = dep,
	};
	int rc = iob_test(fd, &cmd);

	if (!rc && id)
		*id = cmd.iob_dep_alloc.out_obj_id;
	return rc;
}

/*
 * Hold object @id like an ioctl in flight, for @msec; *@held (if given)
 * turns 1 as soon as the hold has begun.
 */
static inline int iob_hold_flag(int fd, __u32 id, __u32 msec,
				__u32 *held)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_IOB_HOLD,
		.id = id,
		.iob_hold.msec = msec,
		.iob_hold.held_uptr = (uintptr_t)held,
	};

	return iob_test(fd, &cmd);
}

static inline int iob_hold(int fd, __u32 id, __u32 msec)
{
	return iob_hold_flag(fd, id, msec, NULL);
}

static inline int iob_kernel_destroy(int fd, __u32 id)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_IOB_KERNEL_DESTROY,
		.id = id,
	};

	return iob_test(fd, &cmd);
}

/* Objects published in @fd, and allocated in the whole module. */
static inline int iob_obj_count(int fd, __u64 *in_fd, __u64 *global)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_IOB_STATS };
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (in_fd)
			*in_fd = cmd.iob_stats.out_ctx_objects;
		if (global)
			*global = cmd.iob_stats.out_global_objects;
	}
	return rc;
}

/* Pages the module holds pinned, and the locked_vm of our user. */
static inline int iob_pin_stats(int fd, __u64 *pinned, __u64 *user_locked)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_IOB_STATS };
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (pinned)
			*pinned = cmd.iob_stats.out_pinned_pages;
		if (user_locked)
			*user_locked = cmd.iob_stats.out_user_locked_vm;
	}
	return rc;
}

#define IOB_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* IOMMU_IOAS_MAP with explicit flags; *iova is in/out. */
static inline int iob_map_flags(int fd, __u32 ioas, const void *buf,
				__u64 len, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova ? *iova : 0,
	};
	int rc = iob_ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	if (!rc && iova)
		*iova = cmd.iova;
	return rc;
}

/* Map read/write at a kernel-chosen IOVA, returned in *iova if asked. */
static inline int iob_map(int fd, __u32 ioas, const void *buf, __u64 len,
			  __u64 *iova)
{
	__u64 chosen = 0;
	int rc = iob_map_flags(fd, ioas, buf, len, &chosen, IOB_RW);

	if (!rc && iova)
		*iova = chosen;
	return rc;
}

/* Map read/write at exactly @iova. */
static inline int iob_map_fixed(int fd, __u32 ioas, const void *buf,
				__u64 len, __u64 iova)
{
	return iob_map_flags(fd, ioas, buf, len, &iova,
			     IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

/* Unmap [iova, iova + len); *unmapped gets the bytes removed. */
static inline int iob_unmap(int fd, __u32 ioas, __u64 iova, __u64 len,
			    __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int rc = iob_ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	if (!rc && unmapped)
		*unmapped = cmd.length;
	return rc;
}

static inline int iob_copy(int fd, __u32 dst, __u64 *dst_iova, __u32 src,
			   __u64 src_iova, __u64 len, __u32 flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int rc = iob_ioctl(fd, IOMMU_IOAS_COPY, &cmd);

	if (!rc)
		*dst_iova = cmd.dst_iova;
	return rc;
}

/* IOMMU_IOAS_IOVA_RANGES into @ranges of room @*num; *num gets the count. */
static inline int iob_iova_ranges(int fd, __u32 ioas,
				  struct iommu_iova_range *ranges, __u32 *num,
				  __u64 *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int rc = iob_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);

	*num = cmd.num_iovas;
	if (align)
		*align = cmd.out_iova_alignment;
	return rc;
}

static inline int iob_allow_iovas(int fd, __u32 ioas,
				  const struct iommu_iova_range *ranges,
				  __u32 num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return iob_ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

static inline int iob_hwpt_alloc(int fd, __u32 dev, __u32 pt, __u32 flags,
				 __u32 *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
	};
	int rc = iob_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && hwpt)
		*hwpt = cmd.out_hwpt_id;
	return rc;
}

/* IOMMU_HWPT_ALLOC with data of @data_type, @len bytes at @data. */
static inline int iob_hwpt_alloc_data(int fd, __u32 dev, __u32 pt,
				      __u32 flags, __u32 data_type,
				      const void *data, __u32 len,
				      __u32 *hwpt)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev,
		.pt_id = pt,
		.data_type = data_type,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = iob_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc && hwpt)
		*hwpt = cmd.out_hwpt_id;
	return rc;
}

/* A HWPT of TCE windows: @size0 bytes of 32-bit window, @size1 of 64-bit. */
static inline int iob_hwpt_alloc_tce(int fd, __u32 dev, __u32 pt,
				     __u64 size0, __u32 shift1, __u64 size1,
				     __u32 *hwpt)
{
	struct iommu_hwpt_iob_tce tce = {
		.windows = {
			{ .page_shift = 12, .size = size0 },
			{ .page_shift = shift1, .size = size1 },
		},
	};

	return iob_hwpt_alloc_data(fd, dev, pt, 0, IOMMU_HWPT_DATA_IOB_TCE,
				   &tce, sizeof(tce), hwpt);
}

/* IOMMU_GET_HW_INFO into @len bytes at @data; @cmd gets the results. */
static inline int iob_hw_info(int fd, __u32 dev, void *data, __u32 len,
			      struct iommu_hw_info *cmd)
{
	*cmd = (struct iommu_hw_info) {
		.size = sizeof(*cmd),
		.dev_id = dev,
		.data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	return iob_ioctl(fd, IOMMU_GET_HW_INFO, cmd);
}

/* A mock device attached to @pt (IOAS or HWPT); any out pointer may be NULL. */
static inline int iob_mock_domain_flags(int fd, __u32 pt, __u32 dev_flags,
					__u32 *stdev, __u32 *hwpt,
					__u32 *idev)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt,
		.mock_domain_flags.dev_flags = dev_flags,
	};
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (stdev)
			*stdev = cmd.mock_domain_flags.out_stdev_id;
		if (hwpt)
			*hwpt = cmd.mock_domain_flags.out_hwpt_id;
		if (idev)
			*idev = cmd.mock_domain_flags.out_idev_id;
	}
	return rc;
}

static inline int iob_mock_domain(int fd, __u32 pt, __u32 *stdev,
				  __u32 *hwpt, __u32 *idev)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt,
	};
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (stdev)
			*stdev = cmd.mock_domain.out_stdev_id;
		if (hwpt)
			*hwpt = cmd.mock_domain.out_hwpt_id;
		if (idev)
			*idev = cmd.mock_domain.out_idev_id;
	}
	return rc;
}

/* Move mock device @stdev to @pt; *hwpt gets the HWPT it now uses. */
static inline int iob_mock_replace(int fd, __u32 stdev, __u32 pt, __u32 *hwpt)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev,
		.mock_domain_replace.pt_id = pt,
	};
	int rc = iob_test(fd, &cmd);

	if (!rc && hwpt)
		*hwpt = cmd.mock_domain_replace.pt_id;
	return rc;
}

/* Does @hwpt translate [iova, iova + len) to the memory at @buf? */
static inline int iob_check_map(int fd, __u32 hwpt, __u64 iova,
				const void *buf, __u64 len)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt,
		.check_map = {
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
		},
	};

	return iob_test(fd, &cmd);
}

/* Is every small page of [buf, buf + len) pinned exactly @refs times? */
static inline int iob_check_refs(int fd, const void *buf, __u64 len,
				 __u32 refs)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = {
			.length = len,
			.uptr = (uintptr_t)buf,
			.refs = refs,
		},
	};

	return iob_test(fd, &cmd);
}

static inline int iob_add_reserved(int fd, __u32 ioas, __u64 start,
				   __u64 len)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas,
		.add_reserved = { .start = start, .length = len },
	};

	return iob_test(fd, &cmd);
}

static inline int iob_set_temp_memory_limit(int fd, __u32 limit)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit.limit = limit,
	};

	return iob_test(fd, &cmd);
}

#define IOB_DEFAULT_TEMP_LIMIT 65536

/*
 * Objects alive in the whole module, asked through a fresh file that
 * holds none itself; -1 if that fails.
 */
static inline long iob_global_objects(void)
{
	__u64 global = 0;
	int fd = iob_open();

	if (fd < 0)
		return -1;
	if (iob_obj_count(fd, NULL, &global))
		global = (__u64)-1;
	close(fd);
	return (long)global;
}

#endif
