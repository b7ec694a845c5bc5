// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO's container API on /dev/iommu: IOMMU_VFIO_IOAS, then the calls a
 * VFIO type1 or type1v2 user makes, with Linux 6.12's structures from <linux/vfio.h>
 * and its errnos in its order, against mock page tables. The sPAPR TCE
 * v2 type on /dev/iommu runs on edu devices, in iobroker_spapr.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"

/* A VFIO ioctl whose argument is a value, as an errno or its result. */
static long vfio_value(int fd, unsigned long cmd, unsigned long arg)
{
	long rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

static int vfio_map(int fd, const void *buf, __u64 iova, __u64 len,
		    __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = len,
	};

	return iob_ioctl(fd, VFIO_IOMMU_MAP_DMA, &map);
}

static int vfio_unmap(int fd, __u64 iova, __u64 len, __u32 flags,
		      __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = len,
	};
	int rc = iob_ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap);

	if (unmapped)
		*unmapped = unmap.size;
	return rc;
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

FIXTURE(vfio) {
	int fd;
	__u32 ioas;
	__u32 hwpt;
	long objects;
	long pinned;
};

FIXTURE_SETUP(vfio)
{
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas));
}

FIXTURE_TEARDOWN(vfio)
{
	close(self->fd);
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
}

/* Make @ioas, with a mock device's page table, the container's. */
static int use_ioas(int fd, __u32 ioas, __u32 *hwpt)
{
	int rc = iob_mock_domain(fd, ioas, NULL, hwpt, NULL);

	if (!rc)
		rc = iob_vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas);
	if (!rc && vfio_value(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		rc = EINVAL;
	return rc;
}

TEST_F(vfio, container_calls_without_an_ioas)
{
	struct vfio_iommu_type1_info info = { .argsz = 1 };
	struct vfio_iommu_type1_dma_map map = { .argsz = 1 };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = 1 };

	EXPECT_EQ(VFIO_API_VERSION,
		  vfio_value(self->fd, VFIO_GET_API_VERSION, 0));
	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_UNMAP_ALL));
	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1_IOMMU));
	/* sPAPR's v2 type too (iobroker_spapr); not its v1, nor the rest. */
	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(0, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_IOMMU));
	EXPECT_EQ(0, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_UPDATE_VADDR));
	EXPECT_EQ(0, vfio_value(self->fd, VFIO_CHECK_EXTENSION, 12345));
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				      VFIO_DMA_CC_IOMMU));

	/* The type is checked before the IOAS. */
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_TYPE1_IOMMU));
	EXPECT_EQ(-EINVAL, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_NOIOMMU_IOMMU));
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(-EINVAL, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_IOMMU));

	/* The structure is checked before the IOAS. */
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	info.argsz = sizeof(info);
	EXPECT_EQ(ENODEV, iob_ioctl(self->fd, VFIO_IOMMU_GET_INFO, &info));
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	map.argsz = sizeof(map);
	map.flags = 1u << 31;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	map.flags = VFIO_DMA_MAP_FLAG_VADDR;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	map.flags = RW;
	EXPECT_EQ(ENODEV, iob_ioctl(self->fd, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.argsz = sizeof(unmap);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	EXPECT_EQ(EINVAL, iob_ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	unmap.flags = 0;
	EXPECT_EQ(ENODEV, iob_ioctl(self->fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_EQ(EFAULT, iob_ioctl(self->fd, VFIO_IOMMU_MAP_DMA, NULL));

	/* Other numbers below iommufd's base are nobody's. */
	EXPECT_EQ(ENOTTY, iob_ioctl(self->fd, _IO(VFIO_TYPE, 0x7f), NULL));
	EXPECT_EQ(ENOTTY, iob_ioctl(self->fd, VFIO_DEVICE_GET_INFO, NULL));
	EXPECT_EQ(ENOTTY, iob_ioctl(self->fd,
				    VFIO_IOMMU_SPAPR_REGISTER_MEMORY, NULL));
}

TEST_F(vfio, choosing_the_ioas)
{
	struct iommu_vfio_ioas cmd = { .size = sizeof(cmd) };
	__u32 id = 0, other;

	EXPECT_EQ(ENODEV, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	EXPECT_EQ(ENOENT, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = self->ioas;
	ASSERT_EQ(0, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	ASSERT_EQ(0, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	EXPECT_EQ(self->ioas, id);
	EXPECT_EQ(0, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, NULL));
	EXPECT_EQ(ENODEV, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));

	cmd.op = 3;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_VFIO_IOAS, &cmd));
	cmd.op = IOMMU_VFIO_IOAS_GET;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_VFIO_IOAS, &cmd));

	/* Not a reference: the IOAS can go, and takes the choice along. */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &other));
	ASSERT_EQ(0, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &other));
	ASSERT_EQ(0, iob_destroy(self->fd, other));
	EXPECT_EQ(ENODEV, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ(-ENODEV, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_v2_IOMMU));
	EXPECT_EQ(-EINVAL, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_IOMMU));
	/* And a new object with the same ID is not chosen by that. */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id));
	EXPECT_EQ(other, id);
	EXPECT_EQ(ENODEV, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
}

TEST_F(vfio, map_and_unmap)
{
	__u64 iova = MOCK_APERTURE_START, unmapped;
	size_t half = buffer_size / 2;

	ASSERT_EQ(0, use_ioas(self->fd, self->ioas, &self->hwpt));
	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_DMA_CC_IOMMU));
	ASSERT_EQ(0, vfio_map(self->fd, buffer, iova, buffer_size, RW));
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt, iova, buffer,
				   buffer_size));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, buffer_size, 1));
	EXPECT_EQ(EEXIST, vfio_map(self->fd, buffer, iova + half, half, RW));
	/* A mapping no device may use is refused, as by VFIO's type1. */
	EXPECT_EQ(EINVAL, vfio_map(self->fd, buffer, iova + 2 * buffer_size,
				   half, 0));
	EXPECT_EQ(EINVAL, vfio_map(self->fd, buffer, iova + 1, half, RW));

	/* Part of a mapping cannot go with type1v2, and nothing goes. */
	EXPECT_EQ(ENOENT, vfio_unmap(self->fd, iova, half, 0, &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(EINVAL, vfio_unmap(self->fd, iova, 0, 0, &unmapped));
	EXPECT_EQ(EOVERFLOW, vfio_unmap(self->fd, 2, UINT64_MAX, 0, NULL));
	ASSERT_EQ(0, vfio_unmap(self->fd, iova, buffer_size, 0, &unmapped));
	EXPECT_EQ(buffer_size, unmapped);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, buffer_size, 0));
	/* Unlike IOMMU_IOAS_UNMAP, an empty range is no error. */
	unmapped = 1;
	EXPECT_EQ(0, vfio_unmap(self->fd, iova, buffer_size, 0, &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(ENOENT, iob_unmap(self->fd, self->ioas, iova, buffer_size,
				    NULL));

	/* Everything: only with IOVA and size 0, and fine when empty. */
	ASSERT_EQ(0, vfio_map(self->fd, buffer, iova, half,
			      VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(0, vfio_map(self->fd, buffer + half, iova + buffer_size,
			      half, VFIO_DMA_MAP_FLAG_WRITE));
	EXPECT_EQ(EINVAL, vfio_unmap(self->fd, iova, 0,
				     VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	EXPECT_EQ(EINVAL, vfio_unmap(self->fd, 0, half,
				     VFIO_DMA_UNMAP_FLAG_ALL, NULL));
	ASSERT_EQ(0, vfio_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				&unmapped));
	EXPECT_EQ(buffer_size, unmapped);
	ASSERT_EQ(0, vfio_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				&unmapped));
	EXPECT_EQ(0, unmapped);
}

/*
 * Where a type1v2 user finds things in GET_INFO's reply with one IOVA
 * range: the info struct, the DMA_AVAIL capability (padded to 8 bytes),
 * the IOVA_RANGE capability and its one entry.
 */
#define AT_AVAIL sizeof(struct vfio_iommu_type1_info)
#define AT_RANGES (AT_AVAIL + 16)
#define AT_RANGE (AT_RANGES + sizeof(struct vfio_iommu_type1_info_cap_iova_range))
#define FULL_INFO (AT_RANGE + sizeof(struct vfio_iova_range))

TEST_F(vfio, info_and_capabilities)
{
	unsigned char raw[FULL_INFO + 64];
	struct vfio_iommu_type1_info *info = (void *)raw;
	struct vfio_iommu_type1_info_dma_avail *avail = (void *)&raw[AT_AVAIL];
	struct vfio_iommu_type1_info_cap_iova_range *ranges =
		(void *)&raw[AT_RANGES];
	struct vfio_iova_range *range = (void *)&raw[AT_RANGE];
	__u32 argsz;
	size_t at;

	ASSERT_EQ(0, use_ioas(self->fd, self->ioas, &self->hwpt));
	ASSERT_EQ(72, FULL_INFO);
	ASSERT_EQ(0, vfio_map(self->fd, buffer, MOCK_APERTURE_START,
			      buffer_size, RW));

	memset(raw, 0xa5, sizeof(raw));
	info->argsz = sizeof(raw);
	ASSERT_EQ(0, iob_ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
	EXPECT_EQ(FULL_INFO, info->argsz);
	EXPECT_EQ(VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS, info->flags);
	EXPECT_EQ(AT_AVAIL, info->cap_offset);
	/* A CPU page at least, and nothing the mock cannot map. */
	EXPECT_NE(0, info->iova_pgsizes & page_size);
	EXPECT_EQ(0, info->iova_pgsizes & (page_size - 1));

	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, avail->header.id);
	EXPECT_EQ(1, avail->header.version);
	EXPECT_EQ(AT_RANGES, avail->header.next);
	/* The bound on areas, less the one mapping made. */
	EXPECT_EQ((1u << 18) - 1, avail->avail);

	EXPECT_EQ(VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, ranges->header.id);
	EXPECT_EQ(1, ranges->header.version);
	EXPECT_EQ(0, ranges->header.next);
	ASSERT_EQ(1, ranges->nr_iovas);
	EXPECT_EQ(MOCK_APERTURE_START, range->start);
	EXPECT_EQ(MOCK_APERTURE_LAST, range->end);
	for (at = FULL_INFO; at < sizeof(raw); at++)
		ASSERT_EQ(0xa5, raw[at]);

	/* Every shorter buffer: nothing past argsz, no chain unless whole. */
	for (argsz = AT_AVAIL - 8; argsz < FULL_INFO; argsz++) {
		memset(raw, 0xa5, sizeof(raw));
		info->argsz = argsz;
		ASSERT_EQ(0, iob_ioctl(self->fd, VFIO_IOMMU_GET_INFO, info));
		EXPECT_EQ(FULL_INFO, info->argsz);
		EXPECT_NE(0, info->iova_pgsizes);
		if (argsz >= AT_AVAIL)
			EXPECT_EQ(0, info->cap_offset);
		for (at = argsz; at < sizeof(raw); at++)
			ASSERT_EQ(0xa5, raw[at]) {
				TH_LOG("argsz %u: byte %zu written", argsz, at);
			}
	}
}

/*
 * Type1 (version 1) unmaps parts of mappings: choosing it turns large
 * pages off, and each unmap cuts the mappings at its ends first. What is
 * left stays mapped and pinned; what went is neither.
 */
TEST_F(vfio, type1_unmaps_parts)
{
	__u64 iova = MOCK_APERTURE_START, unmapped, huge;
	size_t pg = page_size;
	int access_fd;
	__u32 item;

	EXPECT_EQ(1, vfio_value(self->fd, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas, NULL, &self->hwpt,
				     NULL));
	ASSERT_EQ(0, iob_vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &self->ioas));

	/* Too late once the IOAS has mappings in a page table. */
	ASSERT_EQ(0, vfio_map(self->fd, buffer, iova, buffer_size, RW));
	EXPECT_EQ(-EINVAL, vfio_value(self->fd, VFIO_SET_IOMMU,
				      VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas, &huge));
	EXPECT_EQ(1, huge);
	ASSERT_EQ(0, vfio_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				NULL));
	ASSERT_EQ(0, vfio_value(self->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				    self->ioas, &huge));
	EXPECT_EQ(0, huge);

	/* One map, then its second page, then pages 4 to 6 across a cut. */
	ASSERT_EQ(0, vfio_map(self->fd, buffer, iova, 8 * pg, RW));
	ASSERT_EQ(0, vfio_unmap(self->fd, iova + pg, pg, 0, &unmapped));
	EXPECT_EQ(pg, unmapped);
	ASSERT_EQ(0, vfio_unmap(self->fd, iova + 4 * pg, 3 * pg, 0,
				&unmapped));
	EXPECT_EQ(3 * pg, unmapped);
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt, iova, buffer, pg));
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt, iova + 2 * pg,
				   buffer + 2 * pg, 2 * pg));
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt, iova + 7 * pg,
				   buffer + 7 * pg, pg));
	EXPECT_NE(0, iob_check_map(self->fd, self->hwpt, iova + pg,
				   buffer + pg, pg));
	EXPECT_NE(0, iob_check_map(self->fd, self->hwpt, iova + 5 * pg,
				   buffer + 5 * pg, pg));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, pg, 1));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + pg, pg, 0));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 2 * pg, 2 * pg, 1));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 4 * pg, 3 * pg, 0));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 7 * pg, pg, 1));

	/* A cut inside a page is refused, and nothing goes. */
	EXPECT_EQ(EINVAL, vfio_unmap(self->fd, iova + 2 * pg + pg / 2, pg, 0,
				     &unmapped));
	EXPECT_EQ(0, unmapped);
	EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt, iova + 2 * pg,
				   buffer + 2 * pg, 2 * pg));

	/* Nor can a mapping be cut where an access holds pins. */
	ASSERT_EQ(0, iob_create_access(self->fd, self->ioas,
				       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				       &access_fd));
	ASSERT_EQ(0, iob_access_pages(self->fd, access_fd, iova + 2 * pg, pg,
				      buffer + 2 * pg, 0, &item));
	EXPECT_EQ(EINVAL, vfio_unmap(self->fd, iova + 3 * pg, pg, 0,
				     &unmapped));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, access_fd, item));
	close(access_fd);
	ASSERT_EQ(0, vfio_unmap(self->fd, iova + 3 * pg, pg, 0, &unmapped));
	EXPECT_EQ(pg, unmapped);

	/* Everything left: the pieces of the first map. */
	ASSERT_EQ(0, vfio_unmap(self->fd, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL,
				&unmapped));
	EXPECT_EQ(3 * pg, unmapped);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 8 * pg, 0));
}

TEST_HARNESS_MAIN
