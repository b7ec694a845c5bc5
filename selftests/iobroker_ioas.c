// SPDX-License-Identifier: GPL-2.0
/*
 * IO address spaces: map, unmap, copy, IOVA ranges, allowed and reserved
 * ranges, options, with no page table, with one or two mock devices (which
 * share one automatic HWPT), and with batches forced down to a single
 * entry. Every test ends by closing its file and checking that nothing
 * stays pinned and no object is left.
 */
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"

#define MP (page_size / 2)	/* the mock's IO page */

FIXTURE(ioas) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 device_id;
	__u64 base_iova;
	long objects;
	long pinned;
};

FIXTURE_VARIANT(ioas) {
	unsigned int mock_domains;
	unsigned int memory_limit;
};

FIXTURE_VARIANT_ADD(ioas, no_domain) {
	.mock_domains = 0,
};

FIXTURE_VARIANT_ADD(ioas, mock_domain) {
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(ioas, two_mock_domain) {
	.mock_domains = 2,
};

/* Temporary buffers of 16 bytes: one segment, two pages per batch. */
FIXTURE_VARIANT_ADD(ioas, mock_domain_limit) {
	.mock_domains = 1,
	.memory_limit = 16,
};

FIXTURE_SETUP(ioas)
{
	unsigned int i;

	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas_id));
	ASSERT_EQ(0, iob_set_temp_memory_limit(self->fd,
					       variant->memory_limit ?:
					       IOB_DEFAULT_TEMP_LIMIT));
	for (i = 0; i < variant->mock_domains; i++) {
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id,
					     &self->stdev_id, &self->hwpt_id,
					     &self->device_id));
		self->base_iova = MOCK_APERTURE_START;
	}
}

FIXTURE_TEARDOWN(ioas)
{
	EXPECT_EQ(0, iob_set_temp_memory_limit(self->fd,
					       IOB_DEFAULT_TEMP_LIMIT));
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
	EXPECT_EQ(self->objects, iob_global_objects());
}

TEST_F(ioas, destroy_rules)
{
	if (self->stdev_id) {
		/* The HWPT of the mock device holds the IOAS. */
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->ioas_id));
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->hwpt_id));
		/* Devices belong to their driver. */
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->device_id));
		EXPECT_EQ(0, iob_destroy(self->fd, self->stdev_id));
		EXPECT_EQ(ENOENT, iob_destroy(self->fd, self->device_id));
		self->stdev_id = 0;
		if (variant->mock_domains > 1) {
			/* The other device still uses the shared HWPT. */
			EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->hwpt_id));
			return;
		}
		/* The automatic HWPT went with its last device. */
		EXPECT_EQ(ENOENT, iob_destroy(self->fd, self->hwpt_id));
	}
	EXPECT_EQ(0, iob_destroy(self->fd, self->ioas_id));
}

TEST_F(ioas, attach_to_hwpt)
{
	__u32 stdev, hwpt;

	if (!self->stdev_id) {
		EXPECT_EQ(ENOENT, iob_mock_domain(self->fd, 0, NULL, NULL,
						  NULL));
		return;
	}
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->hwpt_id, &stdev, &hwpt,
				     NULL));
	EXPECT_EQ(self->hwpt_id, hwpt);
	/* A device is not a page table. */
	EXPECT_EQ(EINVAL, iob_mock_domain(self->fd, self->device_id, NULL,
					  NULL, NULL));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
}

TEST_F(ioas, areas_do_not_block_destroy)
{
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   self->base_iova));
	/* Mappings do not hold an IOAS; page tables do. */
	EXPECT_EQ(self->stdev_id ? EBUSY : 0,
		  iob_destroy(self->fd, self->ioas_id));
}

TEST_F(ioas, same_page_many_times)
{
	unsigned int i;

	/* Ten mappings of one page: ten pins; close takes them all. */
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   page_size,
					   self->base_iova + i * page_size));
	if (self->stdev_id)
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, page_size, 10));
}

TEST_F(ioas, area_rules)
{
	__u64 b = self->base_iova, len;
	unsigned int i;

	for (i = 0; i < 10; i++)
		EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id,
					    b + i * page_size, page_size,
					    NULL));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   page_size, b + i * page_size));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id,
				       b + i * page_size, page_size, &len));
		EXPECT_EQ(page_size, len);
	}

	/* Mappings are never split or trimmed. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
				   2 * page_size, b + 16 * page_size));
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id,
				    b + 16 * page_size, page_size, NULL));
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id,
				    b + 17 * page_size, page_size, NULL));

	/* Fixed maps over any part of it collide. */
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer,
					2 * page_size, b + 16 * page_size));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer,
					page_size, b + 16 * page_size));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer,
					page_size, b + 17 * page_size));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer,
					2 * page_size, b + 15 * page_size));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer,
					3 * page_size, b + 15 * page_size));

	/* Everything, then everything of nothing. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &len));
	EXPECT_EQ(2 * page_size, len);
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &len));
	EXPECT_EQ(0, len);
}

TEST_F(ioas, unmap_takes_whole_areas_only)
{
	__u64 b = self->base_iova + 4 * page_size, len;
	unsigned int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   8 * page_size,
					   b + i * 16 * page_size));
	/* Ranges cutting into the first or last area. */
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id, b - 4 * page_size,
				    8 * page_size, NULL));
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id,
				    b + 52 * page_size, 8 * page_size, NULL));
	/*
	 * A range holding three areas whole and cutting the fourth fails
	 * and, unlike upstream, leaves all four mapped.
	 */
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id, b,
				    52 * page_size, NULL));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id,
						buffer, page_size,
						b + i * 16 * page_size));
	/* Holes inside the range are fine. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, b - 4 * page_size,
			       64 * page_size, &len));
	EXPECT_EQ(32 * page_size, len);
}

TEST_F(ioas, auto_iova)
{
	struct iommu_iova_range allowed = {};
	__u64 iovas[10], len;
	unsigned int i;

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, page_size,
				     &iovas[i]));
	for (i = 0; i < 10; i++) {
		EXPECT_NE(0, iovas[i]);
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iovas[i],
				       page_size, NULL));
	}

	/* IOVAs keep the alignment the length asks for. */
	for (i = 0; i < 10; i++) {
		len = (i + 1) * page_size;
		/* Without a page table even absent memory is only recorded. */
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id,
				     self->stdev_id ? buffer :
						      (void *)(1UL << 31),
				     len, &iovas[i]));
		EXPECT_EQ(0, iovas[i] % (1UL << __builtin_ctzl(len)));
	}
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iovas[i],
				       (i + 1) * page_size, NULL));

	/* Reserved ranges are stepped around. */
	ASSERT_EQ(0, iob_add_reserved(self->fd, self->ioas_id, 4 * page_size,
				      100 * page_size));
	for (i = 0; i < 10; i++) {
		len = (i + 1) * page_size;
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, len,
				     &iovas[i]));
		EXPECT_TRUE(iovas[i] + len <= 4 * page_size ||
			    iovas[i] >= 104 * page_size);
	}
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iovas[i],
				       (i + 1) * page_size, NULL));

	/* Allowed ranges may not cover reserved ones... */
	allowed.start = page_size;
	allowed.last = 600 * page_size;
	EXPECT_EQ(EADDRINUSE, iob_allow_iovas(self->fd, self->ioas_id,
					      &allowed, 1));
	/* ...and then IOVAs come from them. */
	allowed.start = self->stdev_id ? MOCK_APERTURE_START + page_size :
					 200 * page_size;
	allowed.last = allowed.start + 400 * page_size - 1;
	ASSERT_EQ(0, iob_allow_iovas(self->fd, self->ioas_id, &allowed, 1));
	for (i = 0; i < 10; i++) {
		len = (i + 1) * page_size;
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, len,
				     &iovas[i]));
		EXPECT_LE(allowed.start, iovas[i]);
		EXPECT_GE(allowed.last, iovas[i] + len - 1);
		EXPECT_EQ(0, iovas[i] % (1UL << __builtin_ctzl(len)));
	}
	for (i = 0; i < 10; i++)
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, iovas[i],
				       (i + 1) * page_size, NULL));
	/* Fixed maps are not limited by allowed ranges. */
	EXPECT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   self->base_iova + 1000 * page_size));
}

TEST_F(ioas, aperture_limits)
{
	__u64 iova, end = (__u64)MOCK_APERTURE_LAST + 1;
	unsigned int i;

	if (!self->stdev_id) {
		/* A mapping outside the aperture keeps a device away. */
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   page_size, end));
		EXPECT_EQ(EADDRINUSE, iob_mock_domain(self->fd,
						      self->ioas_id, NULL,
						      NULL, NULL));
		ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, end,
				       page_size, NULL));
		EXPECT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, NULL,
					     NULL, NULL));
		return;
	}
	/* Straddling either end of the aperture is straddling a reserve. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					2 * page_size, end - page_size));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					2 * page_size,
					MOCK_APERTURE_START - page_size));
	EXPECT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   end - page_size));
	/* Chosen IOVAs stay inside, even when little room is left. */
	ASSERT_EQ(0, iob_add_reserved(self->fd, self->ioas_id,
				      MOCK_APERTURE_START,
				      end - MOCK_APERTURE_START -
				      4 * page_size));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer,
				     page_size, &iova));
		EXPECT_LE(end - 4 * page_size, iova);
		EXPECT_GT(end, iova + page_size - 1);
	}
	EXPECT_EQ(ENOSPC, iob_map(self->fd, self->ioas_id, buffer, page_size,
				  &iova));
}

TEST_F(ioas, allowed_blocks_reserving)
{
	struct iommu_iova_range allowed = {
		.start = self->base_iova,
		.last = self->base_iova + 600 * page_size,
	};

	ASSERT_EQ(0, iob_allow_iovas(self->fd, self->ioas_id, &allowed, 1));
	EXPECT_EQ(EADDRINUSE, iob_add_reserved(self->fd, self->ioas_id,
					       self->base_iova + page_size,
					       page_size));
	/* An empty list clears it. */
	ASSERT_EQ(0, iob_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	EXPECT_EQ(0, iob_add_reserved(self->fd, self->ioas_id,
				      self->base_iova + page_size, page_size));
	EXPECT_EQ(EADDRINUSE, iob_allow_iovas(self->fd, self->ioas_id,
					      &allowed, 1));
	/* A fixed map into a reserved range is EINVAL, not EADDRINUSE. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer,
					page_size,
					self->base_iova + page_size));
}

TEST_F(ioas, allow_iovas_rules)
{
	struct iommu_iova_range r[3] = {
		{ .start = 1ULL << 25, .last = (1ULL << 26) - 1 },
		{ .start = 1ULL << 26, .last = (1ULL << 27) - 1 },
		{ .start = 1ULL << 28, .last = 1ULL << 28 },
	};
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->ioas_id,
		.num_iovas = 1,
		.__reserved = 1,
		.allowed_iovas = (uintptr_t)r,
	};

	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_IOAS_ALLOW_IOVAS,
					&cmd));
	/* Touching ranges are fine; a single address is not a range. */
	EXPECT_EQ(0, iob_allow_iovas(self->fd, self->ioas_id, r, 2));
	EXPECT_EQ(EINVAL, iob_allow_iovas(self->fd, self->ioas_id, r, 3));
	r[2] = r[0];
	r[2].last = r[2].start + 1;
	EXPECT_EQ(EINVAL, iob_allow_iovas(self->fd, self->ioas_id, r, 3));
	r[1].last = r[1].start - 1;
	EXPECT_EQ(EINVAL, iob_allow_iovas(self->fd, self->ioas_id, &r[1], 1));
	EXPECT_EQ(EFAULT, iob_allow_iovas(self->fd, self->ioas_id,
					  (void *)8, 1));
	EXPECT_EQ(ENOENT, iob_allow_iovas(self->fd, 999, r, 1));
}

TEST_F(ioas, copy_area)
{
	__u64 iova;
	__u32 ioas2;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   self->base_iova));
	/* Within the same IOAS, writeable only. */
	iova = self->base_iova + page_size;
	EXPECT_EQ(0, iob_copy(self->fd, self->ioas_id, &iova, self->ioas_id,
			      self->base_iova, page_size,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_WRITEABLE));
	/* Into another IOAS, even at IOVA 0. */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	iova = 0;
	EXPECT_EQ(0, iob_copy(self->fd, ioas2, &iova, self->ioas_id,
			      self->base_iova, page_size,
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_WRITEABLE));
	/* Onto itself: EEXIST. */
	iova = self->base_iova;
	EXPECT_EQ(EEXIST, iob_copy(self->fd, self->ioas_id, &iova,
				   self->ioas_id, self->base_iova, page_size,
				   IOMMU_IOAS_MAP_FIXED_IOVA | IOB_RW));
	/* Not mapped at the source. */
	EXPECT_EQ(ENOENT, iob_copy(self->fd, ioas2, &iova, self->ioas_id,
				   self->base_iova + 8 * page_size, page_size,
				   IOB_RW));
}

TEST_F(ioas, copy_needs_a_writeable_source)
{
	__u64 iova = self->base_iova, dst = 0;

	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, buffer, page_size,
				   &iova, IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(EPERM, iob_copy(self->fd, self->ioas_id, &dst,
				  self->ioas_id, iova, page_size, IOB_RW));
	EXPECT_EQ(0, iob_copy(self->fd, self->ioas_id, &dst, self->ioas_id,
			      iova, page_size, IOMMU_IOAS_MAP_READABLE));
}

/*
 * An unmap keeps the memory of the mapping it freed for the next map:
 * whatever it was, the next mapping is only what its own call says. A
 * writeable mapping of two pages gives way to a read-only one of three
 * pages elsewhere in the buffer, then to one of a single page; each maps
 * and pins exactly its own pages, and close frees the kept memory.
 */
TEST_F(ioas, map_after_unmap_is_new)
{
	__u64 iova, dst = 0;

	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, 2 * page_size,
			     &iova));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, 2 * page_size,
			       NULL));

	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, buffer + page_size,
				   3 * page_size, &iova,
				   IOMMU_IOAS_MAP_READABLE));
	EXPECT_EQ(EPERM, iob_copy(self->fd, self->ioas_id, &dst,
				  self->ioas_id, iova, page_size, IOB_RW));
	if (self->stdev_id) {
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id, iova,
					   buffer + page_size, 3 * page_size));
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, page_size, 0));
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer + page_size,
					    3 * page_size, 1));
	}
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, 3 * page_size,
			       NULL));

	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer + 5 * page_size,
			     page_size, &iova));
	EXPECT_EQ(0, iob_copy(self->fd, self->ioas_id, &dst, self->ioas_id,
			      iova, page_size, IOB_RW));
	if (self->stdev_id) {
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id, iova,
					   buffer + 5 * page_size, page_size));
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 5 * page_size,
					    0));
		/* The copy shares the pages: still pinned once. */
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 5 * page_size,
					    page_size, 1));
	}
}

TEST_F(ioas, copy_across_area_boundaries)
{
	__u64 dst = 0, len;
	__u32 ioas2;

	/* Three back to back mappings; copy a range cutting two of them. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
				   2 * page_size, self->base_iova));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id,
				   buffer + 2 * page_size, 2 * page_size,
				   self->base_iova + 2 * page_size));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id,
				   buffer + 4 * page_size, 2 * page_size,
				   self->base_iova + 4 * page_size));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_copy(self->fd, ioas2, &dst, self->ioas_id,
			      self->base_iova + page_size, 4 * page_size,
			      IOB_RW));
	/* One mapping per source piece: one page, two pages, one page. */
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, ioas2, dst, 2 * page_size,
				    NULL));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 6 * page_size,
				    self->stdev_id ? 1 : 0));
	ASSERT_EQ(0, iob_unmap(self->fd, ioas2, dst, 4 * page_size, &len));
	EXPECT_EQ(4 * page_size, len);
	/* A gap at the source ends the copy. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id,
			       self->base_iova + 2 * page_size, 2 * page_size,
			       NULL));
	EXPECT_EQ(ENOENT, iob_copy(self->fd, ioas2, &dst, self->ioas_id,
				   self->base_iova, 6 * page_size, IOB_RW));
}

TEST_F(ioas, iova_ranges)
{
	struct iommu_iova_range *r = (void *)buffer;
	__u32 num = buffer_size / sizeof(*r);
	__u64 align;

	ASSERT_EQ(0, iob_iova_ranges(self->fd, self->ioas_id, r, &num,
				     &align));
	ASSERT_EQ(1, num);
	if (self->stdev_id) {
		EXPECT_EQ(MOCK_APERTURE_START, r[0].start);
		EXPECT_EQ(MOCK_APERTURE_LAST, r[0].last);
		EXPECT_EQ(MP, align);
	} else {
		EXPECT_EQ(0, r[0].start);
		EXPECT_EQ(UINT64_MAX, r[0].last);
		EXPECT_EQ(1, align);
	}

	/* Too small a buffer: EMSGSIZE, the count, nothing written. */
	memset(r, 0, 2 * sizeof(*r));
	num = 0;
	EXPECT_EQ(EMSGSIZE, iob_iova_ranges(self->fd, self->ioas_id, r, &num,
					    NULL));
	EXPECT_EQ(1, num);
	EXPECT_EQ(0, r[0].start);
	EXPECT_EQ(0, r[0].last);

	ASSERT_EQ(0, iob_add_reserved(self->fd, self->ioas_id, page_size,
				      page_size));
	num = buffer_size / sizeof(*r);
	ASSERT_EQ(0, iob_iova_ranges(self->fd, self->ioas_id, r, &num, NULL));
	if (self->stdev_id) {
		/* It falls outside the aperture anyway. */
		EXPECT_EQ(1, num);
	} else {
		ASSERT_EQ(2, num);
		EXPECT_EQ(0, r[0].start);
		EXPECT_EQ(page_size - 1, r[0].last);
		EXPECT_EQ(2 * page_size, r[1].start);
		EXPECT_EQ(UINT64_MAX, r[1].last);
	}

	memset(r, 0, 2 * sizeof(*r));
	num = 1;
	if (self->stdev_id) {
		EXPECT_EQ(0, iob_iova_ranges(self->fd, self->ioas_id, r, &num,
					     NULL));
		EXPECT_EQ(1, num);
	} else {
		EXPECT_EQ(EMSGSIZE, iob_iova_ranges(self->fd, self->ioas_id, r,
						    &num, NULL));
		EXPECT_EQ(2, num);
		EXPECT_EQ(page_size - 1, r[0].last);
	}
	EXPECT_EQ(0, r[1].start);
	EXPECT_EQ(0, r[1].last);
	EXPECT_EQ(EFAULT, iob_iova_ranges(self->fd, self->ioas_id,
					  (void *)8, &num, NULL));
}

TEST_F(ioas, huge_pages_option)
{
	__u64 val;

	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, &val));
	EXPECT_EQ(1, val);
	/* Allowed with page tables as long as nothing is mapped. */
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, 0));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(EINVAL, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 self->ioas_id, 2));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, 1));
	if (!self->stdev_id)
		return;
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   self->base_iova));
	EXPECT_EQ(EINVAL, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 self->ioas_id, 0));
}

/*
 * Every length up to 2 * PAGE_SIZE would take too long under emulation:
 * the small ones, the two on each side of every mock page multiple, and a
 * stride through the rest.
 */
static __u64 next_len(__u64 len)
{
	__u64 next_mp = (len / MP + 1) * MP;

	if (len < 64 || len % MP < 2 || len % MP >= MP - 2)
		return len + 1;
	return len + 509 < next_mp - 2 ? len + 509 : next_mp - 2;
}

TEST_F(ioas, auto_iova_alignment)
{
	__u64 iova = 0, len;

	for (len = 1; len < 2 * page_size; len = next_len(len)) {
		if (self->stdev_id && len % MP) {
			EXPECT_EQ(EINVAL, iob_map(self->fd, self->ioas_id,
						  buffer, len, &iova));
			continue;
		}
		ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer, len,
				     &iova));
		ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, iova, len,
				       NULL));
	}
}

TEST_F(ioas, alignment_follows_huge_pages)
{
	__u64 start = MOCK_APERTURE_START;

	if (self->stdev_id)
		return;
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   start));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, 0));
	/* Now mappings must start on a page boundary of memory. */
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id, buffer + MP,
					page_size, start + page_size));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, 0));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas_id, 1));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + MP,
				   page_size, start + page_size));
	/* And back is refused while a mapping is not so aligned. */
	EXPECT_EQ(EADDRINUSE, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					     self->ioas_id, 0));
	/* Likewise attaching a mock device, whose IO page is MP. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 1,
				   page_size, start + 1));
	EXPECT_EQ(EADDRINUSE, iob_mock_domain(self->fd, self->ioas_id, NULL,
					      NULL, NULL));
}

TEST_F(ioas, copy_sweep)
{
	__u64 last = MOCK_APERTURE_START + buffer_size - 1, src, dst;
	__u32 ioas2;

	/* Without a page table, mappings of odd lengths are fine. */
	if (!self->stdev_id)
		last--;
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
				   last - MOCK_APERTURE_START + 1,
				   MOCK_APERTURE_START));
	for (src = MOCK_APERTURE_START - page_size; src <= last; src += 511) {
		dst = MOCK_APERTURE_START;
		if (src < MOCK_APERTURE_START || src + MP - 1 > last) {
			EXPECT_EQ(ENOENT, iob_copy(self->fd, ioas2, &dst,
						   self->ioas_id, src, MP,
						   IOMMU_IOAS_MAP_FIXED_IOVA |
						   IOMMU_IOAS_MAP_WRITEABLE));
			continue;
		}
		ASSERT_EQ(0, iob_copy(self->fd, ioas2, &dst, self->ioas_id,
				      src, MP, IOMMU_IOAS_MAP_FIXED_IOVA |
				      IOMMU_IOAS_MAP_WRITEABLE));
		ASSERT_EQ(0, iob_unmap(self->fd, ioas2, dst, MP, NULL));
	}
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
}

TEST_F(ioas, map_errnos)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOB_RW,
		.ioas_id = self->ioas_id,
		.user_va = (uintptr_t)buffer,
		.length = page_size,
	};

	cmd.flags = IOB_RW | (1 << 3);
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IOB_RW;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;
	cmd.length = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.length = page_size;
	cmd.iova = UINT64_MAX;
	EXPECT_EQ(EOVERFLOW, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.iova = 0;
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IOB_RW;
	cmd.length = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.length = page_size;
	cmd.ioas_id = self->ioas_id + 100;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.ioas_id = self->ioas_id;
	/* User addresses that wrap. */
	cmd.user_va = UINT64_MAX - page_size + 1;
	cmd.length = 2 * page_size;
	EXPECT_EQ(EOVERFLOW, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	/* A fixed IOVA whose end wraps. */
	cmd.user_va = (uintptr_t)buffer;
	cmd.flags = IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA;
	cmd.iova = UINT64_MAX - page_size + 1;
	EXPECT_EQ(EOVERFLOW, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	/* A mapping id is not an IOAS. */
	if (self->stdev_id) {
		cmd.ioas_id = self->hwpt_id;
		EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	}
}

TEST_F(ioas, unmap_errnos)
{
	EXPECT_EQ(EOVERFLOW, iob_unmap(self->fd, self->ioas_id, 5, UINT64_MAX,
				       NULL));
	EXPECT_EQ(EOVERFLOW, iob_unmap(self->fd, self->ioas_id, UINT64_MAX,
				       1, NULL));
	EXPECT_EQ(EOVERFLOW, iob_unmap(self->fd, self->ioas_id,
				       UINT64_MAX - 5, 10, NULL));
	EXPECT_EQ(EINVAL, iob_unmap(self->fd, self->ioas_id, 0, 0, NULL));
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas_id + 100, 0,
				    UINT64_MAX, NULL));
}

TEST_F(ioas, absent_memory)
{
	void *absent = mmap(NULL, 2 * page_size, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u64 iova = MOCK_APERTURE_START;

	ASSERT_NE(MAP_FAILED, absent);
	ASSERT_EQ(0, munmap(absent, 2 * page_size));
	if (!self->stdev_id) {
		/* Nothing is pinned without a page table... */
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, absent,
					   page_size, iova));
		/* ...so the device that needs it finds out. */
		EXPECT_EQ(EFAULT, iob_mock_domain(self->fd, self->ioas_id,
						  NULL, NULL, NULL));
		return;
	}
	EXPECT_EQ(EFAULT, iob_map_fixed(self->fd, self->ioas_id, absent,
					page_size, iova));
	/* Nothing was left reserved. */
	EXPECT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, page_size,
				   iova));
}

TEST_F(ioas, pins_only_with_page_tables)
{
	__u64 pinned;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
				   buffer_size, MOCK_APERTURE_START));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &pinned, NULL));
	if (self->stdev_id) {
		EXPECT_EQ(self->pinned + buffer_size / page_size, pinned);
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, buffer_size, 1));
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id,
					   MOCK_APERTURE_START, buffer,
					   buffer_size));
	} else {
		EXPECT_EQ(self->pinned, pinned);
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, buffer_size, 0));
		/* The first page table pins and maps what is there. */
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id,
					     &self->stdev_id, &self->hwpt_id,
					     NULL));
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id,
					   MOCK_APERTURE_START, buffer,
					   buffer_size));
		ASSERT_EQ(0, iob_pin_stats(self->fd, &pinned, NULL));
		EXPECT_EQ(self->pinned + buffer_size / page_size, pinned);
		/* And the last one to go unpins it. */
		ASSERT_EQ(0, iob_destroy(self->fd, self->stdev_id));
		self->stdev_id = 0;
		ASSERT_EQ(0, iob_pin_stats(self->fd, &pinned, NULL));
		EXPECT_EQ(self->pinned, pinned);
	}
}

/* A child maps the buffer into our file, then exits or waits. */
static pid_t map_in_child(int fd, __u32 ioas, bool wait_for_parent,
			  int *evfd, int *pipefd)
{
	pid_t pid;

	if (wait_for_parent) {
		*evfd = eventfd(0, EFD_CLOEXEC);
		if (*evfd < 0 || pipe(pipefd))
			return -1;
	}
	pid = fork();
	if (pid)
		return pid;
	if (iob_map_fixed(fd, ioas, buffer, buffer_size, MOCK_APERTURE_START))
		_exit(1);
	if (wait_for_parent) {
		char c;
		__u64 one = 1;

		close(pipefd[1]);
		if (write(*evfd, &one, sizeof(one)) != sizeof(one))
			_exit(2);
		/* Returns when the parent closes its end. */
		if (read(pipefd[0], &c, 1) < 0)
			_exit(3);
	}
	_exit(0);
}

TEST_F(ioas, fork_gone)
{
	pid_t pid;
	int st;

	pid = map_in_child(self->fd, self->ioas_id, false, NULL, NULL);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	if (self->stdev_id) {
		/* Pinned by the child's map; its mm can go. */
		EXPECT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, NULL,
					     NULL, NULL));
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id,
					   MOCK_APERTURE_START, buffer,
					   buffer_size));
	} else {
		/* The pages must come from an address space that is gone. */
		EXPECT_EQ(EFAULT, iob_mock_domain(self->fd, self->ioas_id,
						  NULL, NULL, NULL));
	}
}

TEST_F(ioas, fork_present)
{
	int pipefd[2], evfd, st;
	__u32 hwpt;
	__u64 one;
	pid_t pid;

	pid = map_in_child(self->fd, self->ioas_id, true, &evfd, pipefd);
	ASSERT_LT(0, pid);
	close(pipefd[0]);
	ASSERT_EQ(sizeof(one), read(evfd, &one, sizeof(one)));
	/* Pinned from the child's address space, which is still there. */
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, NULL, &hwpt,
				     NULL));
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, MOCK_APERTURE_START,
				   buffer, buffer_size));
	close(pipefd[1]);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(evfd);
}

TEST_HARNESS_MAIN
