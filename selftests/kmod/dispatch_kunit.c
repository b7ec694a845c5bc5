// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the ioctl dispatch table (iommufd/dispatch.c): every
 * served number sits in its own slot, is a plain _IO() number of the
 * iommufd type, and has sizes that agree with the uapi structures.
 */
#include <kunit/test.h>
#include <linux/ioctl.h>
#include <linux/module.h>

#include "../../uapi/iobroker/iommufd.h"
#include "../../uapi/iobroker/iommufd_test.h"
#include "../../iommufd/dispatch.h"

/* The numbers the table must serve, and only those. */
static const unsigned int served[] = {
	IOMMU_DESTROY, IOMMU_GET_HW_INFO, IOMMU_HWPT_ALLOC, IOMMU_IOAS_ALLOC,
	IOMMU_IOAS_ALLOW_IOVAS, IOMMU_IOAS_COPY, IOMMU_IOAS_IOVA_RANGES,
	IOMMU_IOAS_MAP, IOMMU_IOAS_UNMAP, IOMMU_OPTION, IOMMU_TEST_CMD,
	IOMMU_VFIO_IOAS, IOMMU_HWPT_INVALIDATE, IOMMU_HWPT_SET_DIRTY_TRACKING,
	IOMMU_HWPT_GET_DIRTY_BITMAP, IOMMU_FAULT_QUEUE_ALLOC,
};

static void test_served_numbers(struct kunit *test)
{
	const struct iob_ioctl_op *ops;
	unsigned int n, i, j, count = 0;

	for (j = 0; j < ARRAY_SIZE(served); j++) {
		KUNIT_EXPECT_EQ(test, _IOC_TYPE(served[j]), (unsigned int)';');
		KUNIT_EXPECT_EQ(test, _IOC_DIR(served[j]),
				(unsigned int)_IOC_NONE);
		KUNIT_EXPECT_EQ(test, _IOC_SIZE(served[j]), 0u);
	}
	ops = iob_ioctl_table(&n);
	KUNIT_EXPECT_EQ(test, n, _IOC_NR(IOMMU_TEST_CMD) - IOMMUFD_CMD_BASE + 1);
	for (i = 0; i < n; i++) {
		bool want = false;

		for (j = 0; j < ARRAY_SIZE(served); j++)
			want |= _IOC_NR(served[j]) == IOMMUFD_CMD_BASE + i;
		KUNIT_EXPECT_EQ_MSG(test, !!ops[i].handler, want, "slot %u", i);
		count += !!ops[i].handler;
	}
	KUNIT_EXPECT_EQ(test, count, (unsigned int)ARRAY_SIZE(served));
}

static void test_sizes_are_consistent(struct kunit *test)
{
	const struct iob_ioctl_op *ops;
	unsigned int n, i;

	ops = iob_ioctl_table(&n);
	for (i = 0; i < n; i++) {
		if (!ops[i].handler)
			continue;
		/* Room for at least the size member itself. */
		KUNIT_EXPECT_GE(test, ops[i].min_size, (u16)sizeof(__u32));
		KUNIT_EXPECT_LE(test, ops[i].min_size, ops[i].size);
		KUNIT_EXPECT_LE(test, (size_t)ops[i].size,
				iob_ioctl_buffer_size());
	}
}

static const struct iob_ioctl_op *find(struct kunit *test, unsigned int cmd)
{
	const struct iob_ioctl_op *ops;
	unsigned int n;

	ops = iob_ioctl_table(&n);
	KUNIT_ASSERT_LT(test, _IOC_NR(cmd) - IOMMUFD_CMD_BASE, n);
	return &ops[_IOC_NR(cmd) - IOMMUFD_CMD_BASE];
}

static void test_sizes_match_uapi(struct kunit *test)
{
	const struct iob_ioctl_op *op;

	op = find(test, IOMMU_DESTROY);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_destroy));
	KUNIT_EXPECT_EQ(test, op->min_size, (u16)8);

	op = find(test, IOMMU_IOAS_ALLOC);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_ioas_alloc));
	KUNIT_EXPECT_EQ(test, op->min_size, (u16)12);

	op = find(test, IOMMU_OPTION);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_option));
	KUNIT_EXPECT_EQ(test, op->min_size, (u16)24);

	op = find(test, IOMMU_IOAS_MAP);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_ioas_map));
	KUNIT_EXPECT_EQ(test, op->min_size, (u16)40);

	op = find(test, IOMMU_HWPT_ALLOC);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_hwpt_alloc));
	KUNIT_EXPECT_EQ(test, op->min_size, (u16)24);

	op = find(test, IOMMU_TEST_CMD);
	KUNIT_EXPECT_EQ(test, op->size, (u16)sizeof(struct iommu_test_cmd));
	KUNIT_EXPECT_EQ(test, op->min_size,
			(u16)offsetofend(struct iommu_test_cmd, last));
}

static struct kunit_case iob_dispatch_cases[] = {
	KUNIT_CASE(test_served_numbers),
	KUNIT_CASE(test_sizes_are_consistent),
	KUNIT_CASE(test_sizes_match_uapi),
	{}
};

static struct kunit_suite iob_dispatch_suite = {
	.name = "iobroker_dispatch",
	.test_cases = iob_dispatch_cases,
};

kunit_test_suite(iob_dispatch_suite);
