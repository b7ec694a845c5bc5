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
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_IOB_OBJ_COUNT };
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (in_fd)
			*in_fd = cmd.iob_obj_count.out_ctx_objects;
		if (global)
			*global = cmd.iob_obj_count.out_global_objects;
	}
	return rc;
}

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
