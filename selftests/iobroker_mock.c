// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping through mock page tables: every alignment, pins counted page by
 * page, tables filled from memory already pinned, replacing a device's
 * table, HWPT_ALLOC, and tables of large IO pages that only large folios
 * fit. Variants: one or two mock devices, small pages or hugetlb pages.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"

#define MP (page_size / 2)

FIXTURE(mock) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_ids[2];
	__u32 hwpt_ids[2];
	__u32 idev_ids[2];
	char *buf;
	size_t buf_size;
	long objects;
	long pinned;
};

FIXTURE_VARIANT(mock) {
	unsigned int devices;
	bool hugepages;
};

FIXTURE_VARIANT_ADD(mock, one_device) {
	.devices = 1,
};

FIXTURE_VARIANT_ADD(mock, two_devices) {
	.devices = 2,
};

FIXTURE_VARIANT_ADD(mock, one_device_hugepage) {
	.devices = 1,
	.hugepages = true,
};

FIXTURE_VARIANT_ADD(mock, two_devices_hugepage) {
	.devices = 2,
	.hugepages = true,
};

FIXTURE_SETUP(mock)
{
	int flags = MAP_SHARED | MAP_ANONYMOUS;
	unsigned int i;

	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas_id));
	for (i = 0; i < variant->devices; i++)
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id,
					     &self->stdev_ids[i],
					     &self->hwpt_ids[i],
					     &self->idev_ids[i]));
	/* Devices of one kind on one IOAS share one automatic HWPT. */
	if (variant->devices == 2)
		ASSERT_EQ(self->hwpt_ids[0], self->hwpt_ids[1]);

	self->buf_size = 8 * page_size;
	if (variant->hugepages) {
		flags |= MAP_HUGETLB | MAP_POPULATE;
		self->buf_size = 2 * hpage_size;
	}
	self->buf = mmap(NULL, self->buf_size, PROT_READ | PROT_WRITE, flags,
			 -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	memset(self->buf, 0x3c, self->buf_size);
}

FIXTURE_TEARDOWN(mock)
{
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(self->buf, self->buf_size));
	EXPECT_EQ(self->objects, iob_global_objects());
	munmap(self->buf, self->buf_size);
}

/* Pages of [buf, buf + len), widened to whole pages. */
static void page_span(const char *buf, size_t len, char **first,
		      size_t *bytes)
{
	uintptr_t start = (uintptr_t)buf & ~(page_size - 1);
	uintptr_t end = ((uintptr_t)buf + len + page_size - 1) &
			~(page_size - 1);

	*first = (char *)start;
	*bytes = end - start;
}

TEST_F(mock, basic)
{
	__u64 iova, pinned;
	char *half;

	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, page_size,
			     &iova));
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_ids[0], iova, buffer,
				   page_size));

	/* Memory missing at the end, then at the start: EFAULT, no trace. */
	half = self->buf + self->buf_size / 2;
	ASSERT_EQ(0, munmap(half, self->buf_size / 2));
	EXPECT_EQ(EFAULT, iob_map(self->fd, self->ioas_id, self->buf,
				  self->buf_size, &iova));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &pinned, NULL));
	EXPECT_EQ(self->pinned + 1, pinned);
	ASSERT_EQ(0, munmap(self->buf, self->buf_size / 2));
	EXPECT_EQ(EFAULT, iob_map(self->fd, self->ioas_id, self->buf,
				  self->buf_size, &iova));
	/* The fixture unmaps it again. */
	self->buf = mmap(self->buf, self->buf_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
}

TEST_F(mock, read_only_pin_unshares)
{
	__u64 iova = 0;
	char *p;
	int fd;

	fd = open("/proc/self/exe", O_RDONLY);
	ASSERT_LE(0, fd);
	p = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, p, page_size,
				   &iova, IOMMU_IOAS_MAP_READABLE));
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_ids[0], iova, p,
				   page_size));
	/* The pin took a private copy; writing must not move the page. */
	memset(p, 1, page_size);
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_ids[0], iova, p,
				   page_size));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, page_size,
			       NULL));
	munmap(p, page_size);
}

TEST_F(mock, all_alignments)
{
	size_t step = variant->hugepages ? self->buf_size / 16 : MP;
	size_t start, end, bytes;
	char *first;
	__u64 iova;

	ASSERT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 0));
	for (start = 0; start < self->buf_size; start += step) {
		for (end = start + step; end <= self->buf_size; end += step) {
			ASSERT_EQ(0, iob_map(self->fd, self->ioas_id,
					     self->buf + start, end - start,
					     &iova));
			ASSERT_EQ(0, iob_check_map(self->fd,
						   self->hwpt_ids[0], iova,
						   self->buf + start,
						   end - start));
			/* Each page pinned once, whatever the sharing. */
			page_span(self->buf + start, end - start, &first,
				  &bytes);
			ASSERT_EQ(0, iob_check_refs(self->fd, first, bytes,
						    1));
			ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova,
					       end - start, NULL));
		}
	}
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(mock, new_table_fills_from_pins)
{
	__u32 small = MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(12);
	size_t step = variant->hugepages ? self->buf_size / 8 : MP;
	size_t start, end, bytes;
	__u32 stdev, hwpt;
	char *first;
	__u64 iova;

	for (start = 0; start < self->buf_size; start += 2 * step) {
		for (end = start + step; end <= self->buf_size;
		     end += 3 * step) {
			ASSERT_EQ(0, iob_map(self->fd, self->ioas_id,
					     self->buf + start, end - start,
					     &iova));
			/*
			 * A device with 4 KiB IO pages cannot share the
			 * table: it gets its own, filled from the pages
			 * pinned already, not pinned again.
			 */
			ASSERT_EQ(0, iob_mock_domain_flags(self->fd,
							   self->ioas_id, small,
							   &stdev, &hwpt,
							   NULL));
			ASSERT_NE(self->hwpt_ids[0], hwpt);
			ASSERT_EQ(0, iob_check_map(self->fd, hwpt, iova,
						   self->buf + start,
						   end - start));
			page_span(self->buf + start, end - start, &first,
				  &bytes);
			ASSERT_EQ(0, iob_check_refs(self->fd, first, bytes,
						    1));
			ASSERT_EQ(0, iob_destroy(self->fd, stdev));
			/* Its HWPT went with it; the pins stay. */
			ASSERT_EQ(ENOENT, iob_destroy(self->fd, hwpt));
			ASSERT_EQ(0, iob_check_refs(self->fd, first, bytes,
						    1));
			ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova,
					       end - start, NULL));
		}
	}
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 0));
}

TEST_F(mock, copy_keeps_pages_pinned_once)
{
	__u64 iova, iova2 = 0;
	__u32 ioas2, stdev2, hwpt2;

	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, self->buf,
			     self->buf_size, &iova));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_mock_domain(self->fd, ioas2, &stdev2, &hwpt2, NULL));
	ASSERT_EQ(0, iob_copy(self->fd, ioas2, &iova2, self->ioas_id, iova,
			      self->buf_size, IOB_RW));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt2, iova2, self->buf,
				   self->buf_size));
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 1));
	/* The copy holds the pages after the original goes. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, self->buf_size,
			       NULL));
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 1));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt2, iova2, self->buf,
				   self->buf_size));
	ASSERT_EQ(0, iob_unmap(self->fd, ioas2, iova2, self->buf_size, NULL));
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 0));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev2));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
}

TEST_F(mock, replace)
{
	__u32 ioas2, hwpt;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[0], ioas2,
				      &hwpt));
	EXPECT_NE(self->hwpt_ids[0], hwpt);
	if (variant->devices == 1) {
		/* The old automatic HWPT lost its only device. */
		EXPECT_EQ(ENOENT, iob_mock_replace(self->fd,
						   self->stdev_ids[0],
						   self->hwpt_ids[0], NULL));
	}
	/* Replacing with what it has is a no-op. */
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[0], ioas2,
				      &self->hwpt_ids[0]));
	EXPECT_EQ(hwpt, self->hwpt_ids[0]);
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas2));
	if (variant->devices == 2) {
		/* The second device kept the first HWPT alive. */
		ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[0],
					      self->hwpt_ids[1], &hwpt));
		EXPECT_EQ(self->hwpt_ids[1], hwpt);
		self->hwpt_ids[0] = hwpt;
	}
	ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[0],
				      self->ioas_id, &self->hwpt_ids[0]));
	/* ioas2's automatic HWPT went with the device. */
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
	EXPECT_EQ(ENOENT, iob_mock_replace(self->fd, 0, self->ioas_id, NULL));
	EXPECT_EQ(ENOENT, iob_mock_replace(self->fd, self->stdev_ids[0],
					   ioas2, NULL));
	EXPECT_EQ(EINVAL, iob_mock_replace(self->fd, self->stdev_ids[0],
					   self->idev_ids[0], NULL));
}

TEST_F(mock, alloc_hwpt)
{
	__u32 h0, h1, stdev;
	unsigned int i;

	for (i = 0; i < variant->devices; i++) {
		EXPECT_EQ(EOPNOTSUPP,
			  iob_hwpt_alloc(self->fd, self->idev_ids[i],
					 self->ioas_id,
					 ~IOMMU_HWPT_ALLOC_NEST_PARENT, NULL));
		EXPECT_EQ(EOPNOTSUPP,
			  iob_hwpt_alloc(self->fd, self->idev_ids[i],
					 self->ioas_id,
					 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					 NULL));
		ASSERT_EQ(0, iob_hwpt_alloc(self->fd, self->idev_ids[i],
					    self->ioas_id, 0, &h0));
		ASSERT_EQ(0, iob_hwpt_alloc(self->fd, self->idev_ids[i],
					    self->ioas_id,
					    IOMMU_HWPT_ALLOC_NEST_PARENT, &h1));
		/* Made, not attached: a new table of the IOAS. */
		EXPECT_NE(self->hwpt_ids[0], h0);
		ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[i], h0,
					      NULL));
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, h0));
		ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[i], h1,
					      NULL));
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, h1));
		ASSERT_EQ(0, iob_mock_replace(self->fd, self->stdev_ids[i],
					      self->ioas_id,
					      &self->hwpt_ids[i]));
		EXPECT_EQ(0, iob_destroy(self->fd, h1));
		/* A new device straight onto a manual HWPT. */
		ASSERT_EQ(0, iob_mock_domain(self->fd, h0, &stdev, NULL,
					     NULL));
		EXPECT_EQ(0, iob_destroy(self->fd, stdev));
		EXPECT_EQ(0, iob_destroy(self->fd, h0));
	}
}

TEST_F(mock, hwpt_alloc_errnos)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->idev_ids[0],
		.pt_id = self->ioas_id,
	};

	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	cmd.data_len = 8;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	cmd.data_len = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_len = 8;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_type = IOMMU_HWPT_DATA_NONE;
	cmd.data_len = 0;
	/* Not a device; not an IOAS; a HWPT would mean nesting. */
	cmd.dev_id = self->ioas_id;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.dev_id = self->idev_ids[0];
	cmd.pt_id = self->idev_ids[0];
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.pt_id = 9999;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.pt_id = self->hwpt_ids[0];
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	/* A version-one structure of 24 bytes works. */
	cmd.pt_id = self->ioas_id;
	cmd.size = 24;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	EXPECT_EQ(0, iob_destroy(self->fd, cmd.out_hwpt_id));
}

/* No HWPT is nested on TCE: invalidation finds none, after Linux's checks. */
TEST_F(mock, invalidate_finds_no_nested_hwpt)
{
	__u64 entry[4] = {};
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = self->hwpt_ids[0],
		.data_uptr = (uintptr_t)entry,
		.entry_len = sizeof(entry),
		.entry_num = 1,
	};

	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	EXPECT_EQ(0, cmd.entry_num);
	cmd.hwpt_id = self->ioas_id;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	cmd.entry_num = 1;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	EXPECT_EQ(0, cmd.entry_num);
	cmd.__reserved = 0;
	cmd.entry_num = 1;
	cmd.data_uptr = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	cmd.data_uptr = (uintptr_t)entry;
	cmd.entry_num = 1;
	cmd.entry_len = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	cmd.entry_num = 1;
	cmd.entry_len = page_size + 1;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	cmd.entry_len = sizeof(entry);
	cmd.entry_num = (1u << 19) + 1;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
	/* No entries: only the ID is looked at. */
	cmd.entry_num = 0;
	cmd.data_uptr = 0;
	cmd.hwpt_id = self->hwpt_ids[0];
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &cmd));
}

/*
 * Dirty tracking and fault queues: TCE hardware has neither, and the
 * answers are Linux's for a driver without them, after Linux's checks.
 */
TEST_F(mock, no_dirty_tracking_no_fault_queues)
{
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = self->hwpt_ids[0],
	};
	struct iommu_hwpt_get_dirty_bitmap get = {
		.size = sizeof(get),
		.hwpt_id = self->hwpt_ids[0],
		.iova = MOCK_APERTURE_START,
		.length = 4 * page_size,
		.page_size = page_size,
		.data = (uintptr_t)buffer,
	};
	struct iommu_fault_alloc fault = { .size = sizeof(fault) };

	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd,
					IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	set.flags = 0;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd,
					IOMMU_HWPT_SET_DIRTY_TRACKING, &set));
	set.hwpt_id = self->ioas_id;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
				    &set));
	set.flags = 2;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd,
					IOMMU_HWPT_SET_DIRTY_TRACKING, &set));

	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
					&get));
	get.length = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &get));
	get.length = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				       &get));
	get.length = 4 * page_size;
	get.page_size = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &get));
	get.page_size = 8 * page_size;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &get));
	get.page_size = page_size;
	get.iova += 1;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &get));
	get.hwpt_id = self->ioas_id;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &get));
	get.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
					&get));
	get.__reserved = 0;
	get.flags = 2;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
					&get));

	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_FAULT_QUEUE_ALLOC,
					&fault));
	fault.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_FAULT_QUEUE_ALLOC,
					&fault));
}

TEST_F(mock, large_io_pages)
{
	__u32 large = MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(__builtin_ctzl(hpage_size));
	__u32 ioas2, stdev, hwpt;
	__u64 iova, align;
	__u32 num = 1;
	struct iommu_iova_range r;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	/* Without large pages, a table of large IO pages cannot be used. */
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas2,
				    0));
	EXPECT_EQ(EINVAL, iob_mock_domain_flags(self->fd, ioas2, large, NULL,
						NULL, NULL));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas2,
				    1));
	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, ioas2, large, &stdev,
					   &hwpt, NULL));
	ASSERT_EQ(0, iob_iova_ranges(self->fd, ioas2, &r, &num, &align));
	EXPECT_EQ(hpage_size, align);
	EXPECT_EQ(EINVAL, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 ioas2, 0));
	if (variant->hugepages) {
		/* Huge pages map as huge IO pages. */
		ASSERT_EQ(0, iob_map(self->fd, ioas2, self->buf,
				     self->buf_size, &iova));
		EXPECT_EQ(0, iova % hpage_size);
		EXPECT_EQ(0, iob_check_map(self->fd, hwpt, iova, self->buf,
					   self->buf_size));
		ASSERT_EQ(0, iob_unmap(self->fd, ioas2, iova, self->buf_size,
				       NULL));
	} else {
		/* A huge page's worth of small pages is not contiguous. */
		char *raw = mmap(NULL, 2 * hpage_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *small;

		ASSERT_NE(MAP_FAILED, raw);
		small = (char *)(((uintptr_t)raw + hpage_size - 1) &
				 ~(hpage_size - 1));
		ASSERT_EQ(0, madvise(small, hpage_size, MADV_NOHUGEPAGE));
		memset(small, 1, hpage_size);
		EXPECT_EQ(EINVAL, iob_map(self->fd, ioas2, small, hpage_size,
					  &iova));
		EXPECT_EQ(0, iob_check_refs(self->fd, small, hpage_size, 0));
		munmap(raw, 2 * hpage_size);
	}
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
}

TEST_F(mock, huge_pages_off_maps_the_same)
{
	__u32 ioas2, hwpt, stdev;
	__u64 iova;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas2,
				    0));
	ASSERT_EQ(0, iob_mock_domain(self->fd, ioas2, &stdev, &hwpt, NULL));
	ASSERT_EQ(0, iob_map(self->fd, ioas2, self->buf, self->buf_size,
			     &iova));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, iova, self->buf,
				   self->buf_size));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
	EXPECT_EQ(0, iob_check_refs(self->fd, self->buf, self->buf_size, 0));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
}

TEST_HARNESS_MAIN
