// SPDX-License-Identifier: GPL-2.0
/*
 * TCE windows without hardware: mock devices with the geometry of a
 * pseries device (MOCK_FLAGS_DEVICE_IOB_PSERIES). IOMMU_GET_HW_INFO, HWPTs
 * whose windows userspace chooses, IOVA ranges that follow the windows,
 * mappings in windows of different IO page sizes, and every way a window
 * request can be wrong.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"

#define SZ_64K 0x10000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_256M 0x10000000ULL
#define SZ_1G 0x40000000ULL
#define DDW_START 0x800000000000000ULL

FIXTURE(tce) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	long objects;
	long pinned;
};

FIXTURE_SETUP(tce)
{
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, self->ioas_id,
					   MOCK_FLAGS_DEVICE_IOB_PSERIES,
					   &self->stdev_id, &self->hwpt_id,
					   &self->idev_id));
}

FIXTURE_TEARDOWN(tce)
{
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
	EXPECT_EQ(self->objects, iob_global_objects());
}

/* The IOAS's IOVA ranges must be exactly @want (pairs of start, last). */
static int ranges_are(int fd, __u32 ioas, const __u64 *want, unsigned int n)
{
	struct iommu_iova_range r[4];
	__u32 num = 4, i;

	if (iob_iova_ranges(fd, ioas, r, &num, NULL) || num != n)
		return -1;
	for (i = 0; i < n; i++)
		if (r[i].start != want[2 * i] || r[i].last != want[2 * i + 1])
			return -1;
	return 0;
}

TEST_F(tce, hw_info)
{
	struct iommu_hw_info_iob_tce info;
	struct iommu_hw_info cmd;
	unsigned char big[sizeof(info) + 16];
	unsigned int i;

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, iob_hw_info(self->fd, self->idev_id, &info, sizeof(info),
				 &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, cmd.out_data_type);
	EXPECT_EQ(sizeof(info), cmd.data_len);
	EXPECT_EQ(0, cmd.out_capabilities);
	EXPECT_EQ(0, cmd.out_max_pasid_log2);
	EXPECT_EQ(IOMMU_HW_INFO_IOB_TCE_DDW, info.flags);
	EXPECT_EQ(2, info.max_windows);
	EXPECT_EQ((1ULL << 12) | SZ_64K | SZ_2M | (1ULL << 24), info.pgsizes);
	EXPECT_EQ(0, info.dma32_start);
	EXPECT_EQ(SZ_1G, info.dma32_size);
	EXPECT_EQ(DDW_START, info.ddw_start);
	EXPECT_EQ(1, info.max_levels);
	EXPECT_EQ(24, info.max_entries_log2);

	/* A longer buffer gets a zeroed tail, a shorter one a prefix. */
	memset(big, 0xa5, sizeof(big));
	ASSERT_EQ(0, iob_hw_info(self->fd, self->idev_id, big, sizeof(big),
				 &cmd));
	EXPECT_EQ(sizeof(info), cmd.data_len);
	EXPECT_EQ(0, memcmp(big, &info, sizeof(info)));
	for (i = sizeof(info); i < sizeof(big); i++)
		EXPECT_EQ(0, big[i]);
	memset(big, 0xa5, sizeof(big));
	ASSERT_EQ(0, iob_hw_info(self->fd, self->idev_id, big, 4, &cmd));
	EXPECT_EQ(sizeof(info), cmd.data_len);
	EXPECT_EQ(0, memcmp(big, &info, 4));
	for (i = 4; i < sizeof(big); i++)
		EXPECT_EQ(0xa5, big[i]);
	/* Asking only for the length. */
	ASSERT_EQ(0, iob_hw_info(self->fd, self->idev_id, NULL, 0, &cmd));
	EXPECT_EQ(sizeof(info), cmd.data_len);
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, cmd.out_data_type);
}

TEST_F(tce, hw_info_errors)
{
	struct iommu_hw_info_iob_tce info;
	struct iommu_test_hw_info test_info = {};
	struct iommu_hw_info cmd;
	__u32 idev;

	cmd = (struct iommu_hw_info) {
		.size = sizeof(cmd), .flags = 1 << 1, .dev_id = self->idev_id,
	};
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	/* Asking for a type: the device's own, or the default, only. */
	cmd.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_IOB_TCE;
	EXPECT_EQ(0, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, cmd.out_data_type);
	/* The reply said how much data there is; ask for none again. */
	cmd.data_len = 0;
	cmd.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	EXPECT_EQ(0, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, cmd.out_data_type);
	EXPECT_EQ(0, cmd.out_max_pasid_log2);
	cmd.flags = 0;
	cmd.__reserved[2] = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_EQ(ENOENT, iob_hw_info(self->fd, 0, &info, sizeof(info), &cmd));
	EXPECT_EQ(ENOENT, iob_hw_info(self->fd, self->ioas_id, &info,
				      sizeof(info), &cmd));
	EXPECT_EQ(ENOENT, iob_hw_info(self->fd, self->hwpt_id, &info,
				      sizeof(info), &cmd));
	EXPECT_EQ(EFAULT, iob_hw_info(self->fd, self->idev_id, (void *)8,
				      sizeof(info), &cmd));
	/* The first version of the structure ends before out_capabilities. */
	cmd = (struct iommu_hw_info) {
		.size = offsetof(struct iommu_hw_info, out_capabilities),
		.dev_id = self->idev_id,
		.out_capabilities = 77,
	};
	EXPECT_EQ(0, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, cmd.out_data_type);
	EXPECT_EQ(77, cmd.out_capabilities);
	cmd.size = offsetof(struct iommu_hw_info, out_data_type);
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, &cmd));

	/* A plain mock device answers as upstream's mock does. */
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, NULL, NULL,
				     &idev));
	ASSERT_EQ(0, iob_hw_info(self->fd, idev, &test_info,
				 sizeof(test_info), &cmd));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, cmd.out_data_type);
	EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, test_info.test_reg);
	EXPECT_EQ(0, test_info.flags);
	EXPECT_EQ(0, cmd.out_max_pasid_log2);

	/* The 6.12 stable series' PASID-capable mock device. */
	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, self->ioas_id,
					   MOCK_FLAGS_DEVICE_PASID, NULL, NULL,
					   &idev));
	ASSERT_EQ(0, iob_hw_info(self->fd, idev, &test_info,
				 sizeof(test_info), &cmd));
	EXPECT_EQ(MOCK_PASID_WIDTH, cmd.out_max_pasid_log2);
	EXPECT_EQ(EINVAL, iob_mock_domain_flags(self->fd, self->ioas_id,
						MOCK_FLAGS_DEVICE_PASID |
						MOCK_FLAGS_DEVICE_IOB_PSERIES,
						NULL, NULL, NULL));
}

TEST_F(tce, default_window)
{
	const __u64 want[] = { 0, SZ_1G - 1 };
	__u64 iova, align;
	struct iommu_iova_range r[2];
	__u32 num = 2;

	/* Attaching to the IOAS made the default shape: the 32-bit window. */
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 1));
	ASSERT_EQ(0, iob_iova_ranges(self->fd, self->ioas_id, r, &num,
				     &align));
	EXPECT_EQ(4096, align);
	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, page_size,
			     &iova));
	EXPECT_LT(iova, SZ_1G);
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id, iova, buffer,
				   page_size));
	/* Nothing beyond the window. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					page_size, SZ_1G));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					page_size, DDW_START));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, page_size,
			       NULL));
}

TEST_F(tce, two_windows)
{
	const __u64 want[] = { 0, SZ_256M - 1, DDW_START, DDW_START + SZ_1G - 1 };
	const __u64 one[] = { 0, SZ_1G - 1 };
	__u32 hwpt, cur;
	__u64 iova;

	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, self->idev_id, self->ioas_id,
					SZ_256M, 16, SZ_1G, &hwpt));
	/* The IOAS now offers what both HWPTs translate. */
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 1));
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_id, hwpt, &cur));
	EXPECT_EQ(hwpt, cur);
	/* The automatic HWPT went with its last device. */
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, self->hwpt_id));
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 2));

	/* A 64 KiB page in each window. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, SZ_64K,
				   0x10000));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + SZ_64K,
				   SZ_64K, DDW_START + SZ_64K));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, 0x10000, buffer, SZ_64K));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, DDW_START + SZ_64K,
				   buffer + SZ_64K, SZ_64K));
	/* The 64-bit window takes only what suits its 64 KiB IO pages. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					SZ_64K, DDW_START + 3 * SZ_64K + 4096));
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id,
				    DDW_START + 3 * SZ_64K + 4096, SZ_64K,
				    NULL));
	/* The 32-bit window takes 4 KiB granules of the same memory. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 4096,
				   8192, SZ_1M + 4096));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, SZ_1M + 4096,
				   buffer + 4096, 8192));
	/* Nothing between the windows or beyond them. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					SZ_64K, SZ_256M));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					SZ_64K, DDW_START + SZ_1G));
	/* The allocator fills the lowest window first. */
	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, buffer_size,
			     &iova));
	EXPECT_LT(iova, SZ_256M);
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));

	/* Back to the IOAS: a fresh automatic HWPT with the default shape. */
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_id, self->ioas_id,
				      &cur));
	EXPECT_NE(hwpt, cur);
	EXPECT_EQ(0, iob_destroy(self->fd, hwpt));
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, one, 1));
}

TEST_F(tce, small_window_spills_to_ddw)
{
	const __u64 want[] = { 0, SZ_1M - 1, DDW_START, DDW_START + SZ_1G - 1 };
	__u64 iova;
	__u32 hwpt, cur;
	size_t len = 2 * SZ_1M;
	char *buf;

	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, self->idev_id, self->ioas_id,
					SZ_1M, 0, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_id, hwpt, &cur));
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 2));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buf, len, &iova));
	EXPECT_GE(iova, DDW_START);
	EXPECT_EQ(0, iova % SZ_64K);
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, iova, buf, len));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, len, NULL));
	munmap(buf, len);
}

TEST_F(tce, ddw_alone)
{
	const __u64 want[] = { DDW_START, DDW_START + SZ_1G - 1 };
	__u32 hwpt, cur;

	/* A 64-bit window alone: the IOVA space is only that. */
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, self->idev_id, self->ioas_id,
					0, 16, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_id, hwpt, &cur));
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 1));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, SZ_64K,
				   DDW_START + SZ_64K));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, DDW_START + SZ_64K, buffer,
				   SZ_64K));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					SZ_64K, 0));
	/* Its IO pages are 64 KiB, the whole HWPT's granule. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer, 4096,
					DDW_START + 4 * SZ_64K));
}

/*
 * Small pages faulted in from the top down: the page allocator hands out
 * ascending frames, so no two neighbours are physically in order and no
 * 2 MiB run of them is contiguous.
 */
static char *scattered_pages(size_t len)
{
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (buf == MAP_FAILED)
		return NULL;
	madvise(buf, len, MADV_NOHUGEPAGE);
	for (off = len; off; off -= page_size)
		buf[off - page_size] = 1;
	return buf;
}

TEST_F(tce, huge_io_pages)
{
	size_t len = 2 * hpage_size;
	__u32 hwpt, cur;
	char *buf, *small;

	if (hpage_size != SZ_2M)
		SKIP(return, "huge pages are not 2 MiB here");
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	small = scattered_pages(4 * SZ_2M);
	ASSERT_NE(NULL, small);
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, self->idev_id, self->ioas_id,
					SZ_1M, 21, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_id, hwpt, &cur));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buf, len,
				   DDW_START + SZ_2M));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, DDW_START + SZ_2M, buf,
				   len));
	/* Small pages cannot make a 2 MiB IO page... */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id,
					(char *)(((uintptr_t)small + SZ_2M - 1) &
						 ~(SZ_2M - 1)),
					SZ_2M, DDW_START + 8 * SZ_2M));
	/* ...nor can half of a huge page, though the 32-bit window can. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buf,
					SZ_1M, DDW_START + 16 * SZ_2M));
	EXPECT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buf, SZ_1M, 0));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, 0, buf, SZ_1M));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	munmap(small, 4 * SZ_2M);
	munmap(buf, len);
}

TEST_F(tce, window_requests)
{
	struct iommu_hwpt_iob_tce good = {
		.windows = { { 12, 1, SZ_256M }, { 16, 1, SZ_1G } },
	}, req;
	struct {
		struct iommu_hwpt_iob_tce tce;
		__u64 tail;
	} longer = { .tce = good };
	long objects = iob_global_objects();
	__u32 hwpt, idev;
	unsigned int i;
	static const struct {
		const char *what;
		unsigned int win;
		__u32 page_shift, levels;
		__u64 size;
	} bad[] = {
		{ "no window", 0, 12, 0, 0 },
		{ "32-bit window with 64K pages", 0, 16, 0, SZ_256M },
		{ "32-bit window too big", 0, 12, 0, 2 * SZ_1G },
		{ "size not a power of two", 0, 12, 0, 3 * SZ_1M },
		{ "size below one page", 1, 16, 0, 4096 },
		{ "page size not offered", 1, 13, 0, SZ_1G },
		{ "page size beyond any", 1, 40, 0, 1ULL << 50 },
		{ "too many entries", 1, 12, 0, 1ULL << 37 },
		{ "two levels", 1, 16, 2, SZ_1G },
		{ "two levels, 32-bit", 0, 12, 2, SZ_256M },
	};

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		req = good;
		if (!bad[i].size && !bad[i].win)
			req.windows[1].size = 0;
		req.windows[bad[i].win] = (struct iommu_iob_tce_window) {
			.page_shift = bad[i].page_shift,
			.levels = bad[i].levels,
			.size = bad[i].size,
		};
		EXPECT_EQ(EINVAL, iob_hwpt_alloc_data(self->fd, self->idev_id,
						      self->ioas_id, 0,
						      IOMMU_HWPT_DATA_IOB_TCE,
						      &req, sizeof(req), NULL))
			TH_LOG("%s", bad[i].what);
	}
	req = good;
	req.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_hwpt_alloc_data(self->fd, self->idev_id,
						  self->ioas_id, 0,
						  IOMMU_HWPT_DATA_IOB_TCE,
						  &req, sizeof(req), NULL));
	req = good;
	req.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_hwpt_alloc_data(self->fd, self->idev_id,
						  self->ioas_id, 0,
						  IOMMU_HWPT_DATA_IOB_TCE,
						  &req, sizeof(req), NULL));
	/* Length rules of an extensible structure. */
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_data(self->fd, self->idev_id,
					      self->ioas_id, 0,
					      IOMMU_HWPT_DATA_IOB_TCE, &good,
					      sizeof(good) - 8, NULL));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_data(self->fd, self->idev_id,
					      self->ioas_id, 0,
					      IOMMU_HWPT_DATA_IOB_TCE, &good,
					      0, NULL));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_data(self->fd, self->idev_id,
					      self->ioas_id, 0,
					      IOMMU_HWPT_DATA_NONE, &good,
					      sizeof(good), NULL));
	EXPECT_EQ(EFAULT, iob_hwpt_alloc_data(self->fd, self->idev_id,
					      self->ioas_id, 0,
					      IOMMU_HWPT_DATA_IOB_TCE,
					      (void *)8, sizeof(good), NULL));
	EXPECT_EQ(EOPNOTSUPP, iob_hwpt_alloc_data(self->fd, self->idev_id,
						  self->ioas_id, 0, 0xdead,
						  &good, sizeof(good), NULL));
	longer.tail = 1;
	EXPECT_EQ(E2BIG, iob_hwpt_alloc_data(self->fd, self->idev_id,
					     self->ioas_id, 0,
					     IOMMU_HWPT_DATA_IOB_TCE, &longer,
					     sizeof(longer), NULL));
	EXPECT_EQ(objects, iob_global_objects());
	longer.tail = 0;
	ASSERT_EQ(0, iob_hwpt_alloc_data(self->fd, self->idev_id,
					 self->ioas_id, 0,
					 IOMMU_HWPT_DATA_IOB_TCE, &longer,
					 sizeof(longer), &hwpt));
	EXPECT_EQ(0, iob_destroy(self->fd, hwpt));

	/* A device that does not have TCE windows refuses the data. */
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, NULL, NULL,
				     &idev));
	EXPECT_EQ(EOPNOTSUPP, iob_hwpt_alloc_data(self->fd, idev,
						  self->ioas_id, 0,
						  IOMMU_HWPT_DATA_IOB_TCE,
						  &good, sizeof(good), NULL));
}

TEST_F(tce, mappings_outside_windows)
{
	__u32 ioas, hwpt;

	/* A mapping the windows cannot hold keeps the HWPT from being made. */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas, buffer, page_size,
				   2 * SZ_1G));
	EXPECT_EQ(EADDRINUSE, iob_hwpt_alloc(self->fd, self->idev_id, ioas, 0,
					     &hwpt));
	EXPECT_EQ(EADDRINUSE, iob_hwpt_alloc_tce(self->fd, self->idev_id, ioas,
						 SZ_1M, 16, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_unmap(self->fd, ioas, 2 * SZ_1G, page_size, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas, buffer, page_size,
				   DDW_START));
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, self->idev_id, ioas, SZ_1M,
					16, SZ_1G, &hwpt));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, DDW_START, buffer,
				   page_size));
	EXPECT_EQ(0, iob_destroy(self->fd, hwpt));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(tce, mixed_drivers)
{
	const __u64 want[] = { MOCK_APERTURE_START, SZ_1G - 1 };
	__u32 stdev, hwpt;

	/* A plain mock cannot use the pseries mock's table, or the reverse. */
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, &stdev, &hwpt,
				     NULL));
	EXPECT_NE(self->hwpt_id, hwpt);
	EXPECT_EQ(0, ranges_are(self->fd, self->ioas_id, want, 1));
	EXPECT_EQ(EINVAL, iob_mock_replace(self->fd, stdev, self->hwpt_id,
					   NULL));
	EXPECT_EQ(EINVAL, iob_mock_replace(self->fd, self->stdev_id, hwpt,
					   NULL));
	EXPECT_EQ(EINVAL, iob_mock_domain_flags(self->fd, self->ioas_id,
						MOCK_FLAGS_DEVICE_IOB_PSERIES |
						MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(16),
						NULL, NULL, NULL));
}

TEST_HARNESS_MAIN
