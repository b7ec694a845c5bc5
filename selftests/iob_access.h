/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for access objects: in-kernel users of an IOAS, which the test
 * module hands out as file descriptors (IOMMU_TEST_OP_CREATE_ACCESS) and
 * drives through IOMMU_TEST_CMD on any iommufd file, naming the access by
 * its descriptor in @id.
 *
 * Like iob_utils.h, every wrapper returns 0 or the errno of the failed
 * ioctl; results come back through pointers.
 */
#ifndef IOB_ACCESS_H
#define IOB_ACCESS_H

#include "iob_utils.h"

/*
 * An access to IOAS @ioas with MOCK_FLAGS_ACCESS_CREATE_* @flags; its file
 * descriptor in *@access_fd. Closing that descriptor destroys the access.
 */
static inline int iob_create_access(int fd, __u32 ioas, __u32 flags,
				    int *access_fd)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas,
		.create_access.flags = flags,
	};
	int rc = iob_test(fd, &cmd);

	if (!rc) {
		if (access_fd)
			*access_fd = cmd.create_access.out_access_fd;
		else
			close(cmd.create_access.out_access_fd);
	}
	return rc;
}

/*
 * Pin [@iova, @iova + @len) through @access_fd, with MOCK_FLAGS_ACCESS_*
 * @flags; unless @uptr is NULL the kernel checks that the pages pinned are
 * those at @uptr. The item that holds the pin in *@item.
 */
static inline int iob_access_pages(int fd, int access_fd, __u64 iova,
				   __u64 len, const void *uptr, __u32 flags,
				   __u32 *item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = access_fd,
		.access_pages = {
			.flags = flags,
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)uptr,
		},
	};
	int rc = iob_test(fd, &cmd);

	if (!rc && item)
		*item = cmd.access_pages.out_access_pages_id;
	return rc;
}

/* Unpin what item @item of @access_fd holds. */
static inline int iob_destroy_access_pages(int fd, int access_fd, __u32 item)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = access_fd,
		.destroy_access_pages.access_pages_id = item,
	};

	return iob_test(fd, &cmd);
}

/*
 * Copy @len bytes between @buf and the IOAS at @iova: into the IOAS with
 * MOCK_ACCESS_RW_WRITE in @flags, out of it otherwise.
 */
static inline int iob_access_rw(int fd, int access_fd, __u64 iova, void *buf,
				__u64 len, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = {
			.iova = iova,
			.length = len,
			.uptr = (uintptr_t)buf,
			.flags = flags,
		},
	};

	return iob_test(fd, &cmd);
}

/* Move @access_fd to IOAS @ioas. */
static inline int iob_access_replace_ioas(int fd, int access_fd, __u32 ioas)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = access_fd,
		.access_replace_ioas.ioas_id = ioas,
	};

	return iob_test(fd, &cmd);
}

#endif
