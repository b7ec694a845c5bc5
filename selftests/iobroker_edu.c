// SPDX-License-Identifier: GPL-2.0
/*
 * End to end on real TCE tables: QEMU's edu devices, bound to
 * iobroker-pci and driven from userspace, copy bytes between IOVAs that
 * iobroker maps into the hypervisor's TCE tables, and the bytes are
 * checked in the user's pages. The rig puts edu0 and edu1 on one host
 * bridge (one iommu group) and edu2 on another.
 *
 * What the hypervisor holds is read back entry by entry (H_GET_TCE)
 * through debugfs, so "no TCE left" is checked in the real tables.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"
#include "iob_edu.h"

#define SZ_64K 0x10000ULL
#define SZ_2M 0x200000ULL
#define SZ_256M 0x10000000ULL
#define SZ_1G 0x40000000ULL
#define IOVA_A 0x100000ULL
#define IOVA_B 0x200000ULL
#define LEN 2048

static char edu_names[EDU_MAX][32];
static int edu_count;

/* Hand every edu to iobroker-pci once; the tests share them. */
__attribute__((constructor)) static void edu_claim_all(void)
{
	int i;

	edu_count = edu_find(edu_names, EDU_MAX);
	for (i = 0; i < edu_count; i++)
		pci_bind(edu_names[i], EDU_DRIVER);
}

/* A fresh 64 KiB page filled with @byte. */
static unsigned char *page_of(int byte)
{
	unsigned char *p = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, byte, SZ_64K);
	return p;
}

/* A recognisable pattern, different for each @seed. */
static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

static int all_bytes(const unsigned char *p, size_t len, int byte)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != byte)
			return 0;
	return 1;
}

/* Entries the hypervisor holds for @name's group, all windows together. */
static long long live_tces(const char *name)
{
	unsigned long long live = 0;
	unsigned int nwin = 0;

	if (edu_hw_tces(name, &nwin, &live, NULL, NULL))
		return -1;
	return live;
}

/*
 * Files a process leaves open are closed when it exits, but a file that
 * one of them holds (the /dev/iommu file a bound node keeps) may be
 * released a moment later by a worker. Wait until the module is back to
 * @objects objects, for at most ten seconds.
 */
static void settle(long objects)
{
	int i;

	for (i = 0; i < 1000 && iob_global_objects() != objects; i++)
		usleep(10000);
}

FIXTURE(edu) {
	int iommufd;
	__u32 ioas_id;
	struct edu e;
	unsigned char *a, *b;
	long objects;
	long pinned;
};

FIXTURE_SETUP(edu)
{
	ASSERT_GE(edu_count, 3) TH_LOG("the rig gives three edu devices");
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_EQ(0, iob_hw_tces());
	self->iommufd = iob_open();
	ASSERT_LE(0, self->iommufd);
	ASSERT_EQ(0, iob_ioas_alloc(self->iommufd, &self->ioas_id));
	ASSERT_EQ(0, edu_open(&self->e, edu_names[0]));
	ASSERT_EQ(0, edu_bind(&self->e, self->iommufd));
	ASSERT_EQ(0, edu_map_bar(&self->e));
	self->a = page_of(0);
	self->b = page_of(0);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
	fill(self->a, SZ_64K, 1);
}

FIXTURE_TEARDOWN(edu)
{
	edu_close(&self->e);
	if (self->iommufd >= 0)
		close(self->iommufd);
	EXPECT_EQ(0, iob_hw_tces());
	EXPECT_EQ(0, live_tces(edu_names[0]));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->objects, iob_global_objects());
	munmap(self->a, SZ_64K);
	munmap(self->b, SZ_64K);
}

TEST_F(edu, device_info)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct iommu_hw_info_iob_tce tce;
	struct iommu_hw_info hw;
	unsigned char raw[4];
	__u16 vendor;

	ASSERT_EQ(0, iob_ioctl(self->e.fd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(VFIO_DEVICE_FLAGS_PCI, info.flags);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(0, info.num_irqs);
	EXPECT_EQ(1 << 20, self->e.bar_len);

	/* The id register, through the mapping and through read(). */
	EXPECT_EQ(EDU_ID, edu_rd32(&self->e, EDU_REG_ID));
	edu_wr32(&self->e, EDU_REG_LIVE, 0x12345678);
	EXPECT_EQ(~0x12345678u, edu_rd32(&self->e, EDU_REG_LIVE));
	ASSERT_EQ(4, pread(self->e.fd, raw, 4, 0));
	EXPECT_EQ(0x01, raw[0]);
	EXPECT_EQ(0xed, raw[3]);

	/* BAR 0 is memory: read, write, mmap; BAR 1 does not exist. */
	ASSERT_EQ(0, iob_ioctl(self->e.fd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
		  VFIO_REGION_INFO_FLAG_MMAP, reg.flags);
	EXPECT_EQ(1 << 20, reg.size);
	EXPECT_EQ(0, reg.offset);
	reg.index = 1;
	ASSERT_EQ(0, iob_ioctl(self->e.fd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(0, reg.flags);
	EXPECT_EQ(0, reg.size);
	EXPECT_EQ(1ULL << 40, reg.offset);

	/* Config space can be read, not written. */
	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ASSERT_EQ(0, iob_ioctl(self->e.fd, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ, reg.flags);
	EXPECT_LE(256, reg.size);
	ASSERT_EQ(2, pread(self->e.fd, &vendor, 2, reg.offset));
	EXPECT_EQ(EDU_VENDOR, le16toh(vendor));
	EXPECT_EQ(-1, pwrite(self->e.fd, &vendor, 2, reg.offset));
	EXPECT_EQ(EINVAL, errno);

	/* The windows the platform offers. */
	ASSERT_EQ(0, iob_hw_info(self->iommufd, self->e.dev_id, &tce,
				 sizeof(tce), &hw));
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_IOB_TCE, hw.out_data_type);
	EXPECT_EQ(0, tce.dma32_start);
	EXPECT_EQ(SZ_1G, tce.dma32_size);
	EXPECT_EQ(2, tce.max_windows);
	EXPECT_EQ(IOMMU_HW_INFO_IOB_TCE_DDW, tce.flags);
	EXPECT_TRUE(tce.pgsizes & SZ_64K);
	EXPECT_EQ(1, tce.max_levels);
	EXPECT_EQ(EDU_DDW_START, tce.ddw_start);
}

TEST_F(edu, dma_32bit_window)
{
	struct iommu_iova_range r[2];
	__u32 hwpt, num = 2;
	unsigned long long starts[2] = {}, live = 0;
	unsigned int nwin = 0, shifts[2] = {};

	/* Before attach, the device has no window at all. */
	ASSERT_EQ(0, edu_hw_tces(self->e.name, &nwin, &live, NULL, NULL));
	EXPECT_EQ(0, nwin);

	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, &hwpt));
	ASSERT_EQ(0, iob_iova_ranges(self->iommufd, self->ioas_id, r, &num,
				     NULL));
	ASSERT_EQ(1, num);
	EXPECT_EQ(0, r[0].start);
	EXPECT_EQ(SZ_1G - 1, r[0].last);
	ASSERT_EQ(0, iob_map_flags(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, &(__u64){ IOVA_A },
				   IOMMU_IOAS_MAP_FIXED_IOVA |
				   IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	/* 4 KiB TCEs: sixteen per 64 KiB page, in the real table. */
	EXPECT_EQ(32, iob_hw_tces());
	ASSERT_EQ(0, edu_hw_tces(self->e.name, &nwin, &live, starts, shifts));
	EXPECT_EQ(1, nwin);
	EXPECT_EQ(0, starts[0]);
	EXPECT_EQ(12, shifts[0]);
	EXPECT_EQ(32, live);

	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	EXPECT_TRUE(all_bytes(self->b + LEN, SZ_64K - LEN, 0));
	/* Across a 4 KiB TCE boundary, at an odd offset. */
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A + 0x3f00, IOVA_B + 0x8f01,
			      LEN));
	EXPECT_EQ(0, memcmp(self->a + 0x3f00, self->b + 0x8f01, LEN));
}

TEST_F(edu, dma_64bit_window)
{
	__u32 hwpt, cur;
	__u64 ddw_iova = EDU_DDW_START + 3 * SZ_64K;
	unsigned long long starts[2] = {}, live = 0;
	unsigned int nwin = 0, shifts[2] = {};

	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					self->ioas_id, SZ_256M, 16, SZ_1G,
					&hwpt));
	ASSERT_EQ(0, edu_attach(&self->e, hwpt, &cur));
	EXPECT_EQ(hwpt, cur);
	ASSERT_EQ(0, edu_hw_tces(self->e.name, &nwin, &live, starts, shifts));
	ASSERT_EQ(2, nwin);
	EXPECT_EQ(0, starts[0]);
	EXPECT_EQ(12, shifts[0]);
	EXPECT_EQ(EDU_DDW_START, starts[1]);
	EXPECT_EQ(16, shifts[1]);

	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, ddw_iova));
	/* Sixteen 4 KiB entries and one 64 KiB entry. */
	EXPECT_EQ(17, iob_hw_tces());
	EXPECT_EQ(17, live_tces(self->e.name));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, ddw_iova + 0x100, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b + 0x100, LEN));
	/* And back, from the 64-bit window to the 32-bit one. */
	memset(self->a, 0, LEN);
	ASSERT_EQ(0, edu_copy(&self->e, ddw_iova + 0x100, IOVA_A, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b + 0x100, LEN));

	ASSERT_EQ(0, edu_detach(&self->e));
	EXPECT_EQ(0, iob_hw_tces());
	ASSERT_EQ(0, iob_destroy(self->iommufd, hwpt));
}

TEST_F(edu, dma_64bit_window_alone)
{
	__u64 ia = EDU_DDW_START + SZ_64K, ib = EDU_DDW_START + 2 * SZ_64K;
	unsigned long long starts[2] = {}, live = 0;
	unsigned int nwin = 0, shifts[2] = {};
	__u32 hwpt, round;

	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					self->ioas_id, 0, 16, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, ia));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, ib));
	/* Twice: detaching leaves the PE ready for the same windows. */
	for (round = 0; round < 2; round++) {
		memset(self->b, 0, SZ_64K);
		fill(self->a, SZ_64K, round + 3);
		ASSERT_EQ(0, edu_attach(&self->e, hwpt, NULL));
		ASSERT_EQ(0, edu_hw_tces(self->e.name, &nwin, &live, starts,
					 shifts));
		ASSERT_EQ(1, nwin);
		EXPECT_EQ(EDU_DDW_START, starts[0]);
		EXPECT_EQ(16, shifts[0]);
		EXPECT_EQ(2, live);
		ASSERT_EQ(0, edu_copy(&self->e, ia + 8, ib + 16, LEN));
		EXPECT_EQ(0, memcmp(self->a + 8, self->b + 16, LEN));
		ASSERT_EQ(0, edu_detach(&self->e));
	}
	ASSERT_EQ(0, iob_destroy(self->iommufd, hwpt));
}

/*
 * The rig's fourth edu sits on a host bridge that puts a dynamic window at
 * bus address 0 (and its 32-bit window at 1 << 59, which Linux 6.12 keeps
 * in a 32-bit field, tce32_start, and so reports as 0: that window is of
 * no use to anyone there). iobroker learns where the dynamic window goes
 * from the platform when it claims the PE, reports it, and a HWPT with
 * that window alone translates there.
 */
TEST_F(edu, ddw_where_the_platform_puts_it)
{
	struct iommu_hw_info_iob_tce tce = {};
	unsigned long long starts[2] = {}, live = 0;
	unsigned int nwin = 0, shifts[2] = {};
	struct iommu_hw_info hw;
	struct edu e3;
	__u32 hwpt;

	ASSERT_GE(edu_count, 4) TH_LOG("the rig gives four edu devices");
	ASSERT_EQ(0, edu_open(&e3, edu_names[3]));
	ASSERT_EQ(0, edu_bind(&e3, self->iommufd));
	ASSERT_EQ(0, edu_map_bar(&e3));
	ASSERT_EQ(0, iob_hw_info(self->iommufd, e3.dev_id, &tce, sizeof(tce),
				 &hw));
	EXPECT_EQ(0, tce.ddw_start);
	EXPECT_EQ(2, tce.max_windows);

	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, e3.dev_id,
					self->ioas_id, 0, 16, SZ_1G, &hwpt));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, SZ_64K));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, 2 * SZ_64K));
	ASSERT_EQ(0, edu_attach(&e3, hwpt, NULL));
	ASSERT_EQ(0, edu_hw_tces(e3.name, &nwin, &live, starts, shifts));
	ASSERT_EQ(1, nwin);
	EXPECT_EQ(0, starts[0]);
	EXPECT_EQ(16, shifts[0]);
	EXPECT_EQ(2, live);
	ASSERT_EQ(0, edu_copy(&e3, SZ_64K + 8, 2 * SZ_64K + 16, LEN));
	EXPECT_EQ(0, memcmp(self->a + 8, self->b + 16, LEN));
	ASSERT_EQ(0, edu_detach(&e3));
	ASSERT_EQ(0, iob_destroy(self->iommufd, hwpt));
	edu_close(&e3);
	EXPECT_EQ(0, live_tces(edu_names[3]));
}

TEST_F(edu, dma_huge_io_pages)
{
	__u64 iova = EDU_DDW_START + 4 * SZ_2M;
	unsigned char *h;
	__u32 hwpt;

	if (hpage_size != SZ_2M)
		SKIP(return, "huge pages are not 2 MiB here");
	h = mmap(NULL, 2 * SZ_2M, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, h);
	memset(h, 0, 2 * SZ_2M);
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					self->ioas_id, SZ_256M, 21, SZ_1G,
					&hwpt));
	ASSERT_EQ(0, edu_attach(&self->e, hwpt, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, h,
				   2 * SZ_2M, iova));
	EXPECT_EQ(16 + 2, live_tces(self->e.name));
	/* Into the second 2 MiB IO page, near its end. */
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, iova + 2 * SZ_2M - 3 * LEN,
			      LEN));
	EXPECT_EQ(0, memcmp(self->a, h + 2 * SZ_2M - 3 * LEN, LEN));
	ASSERT_EQ(0, edu_detach(&self->e));
	ASSERT_EQ(0, iob_destroy(self->iommufd, hwpt));
	ASSERT_EQ(0, iob_unmap(self->iommufd, self->ioas_id, iova, 2 * SZ_2M,
			       NULL));
	munmap(h, 2 * SZ_2M);
}

TEST_F(edu, unmap_and_permissions_stop_dma)
{
	unsigned char *c = page_of(0x77);

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, NULL));
	ASSERT_EQ(0, iob_map_flags(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, &(__u64){ IOVA_A },
				   IOMMU_IOAS_MAP_FIXED_IOVA |
				   IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));

	/* Unmapped: the device's write goes nowhere. */
	ASSERT_EQ(0, iob_unmap(self->iommufd, self->ioas_id, IOVA_B, SZ_64K,
			       NULL));
	EXPECT_EQ(16, live_tces(self->e.name));
	memset(self->b, 0, SZ_64K);
	ASSERT_EQ(0, edu_dma(&self->e, IOVA_B, LEN, 1));
	EXPECT_TRUE(all_bytes(self->b, SZ_64K, 0));

	/* Read-only for the device: its write does not land either. */
	ASSERT_EQ(0, edu_dma(&self->e, IOVA_A + 0x800, LEN, 1));
	fill(self->b, SZ_64K, 1);
	EXPECT_EQ(0, memcmp(self->a, self->b, SZ_64K));
	memset(self->b, 0, SZ_64K);

	/* The IOVA mapped again, to other memory: only that changes. */
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, c, SZ_64K,
				   IOVA_B));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, c, LEN));
	EXPECT_TRUE(all_bytes(self->b, SZ_64K, 0));
	ASSERT_EQ(0, edu_detach(&self->e));
	munmap(c, SZ_64K);
}

TEST_F(edu, replace_while_mapped)
{
	unsigned char *c = page_of(0);
	__u32 ioas2, hwpt2, hwpt3, auto1, cur;
	__u64 ddw_iova = EDU_DDW_START + SZ_64K;

	ASSERT_NE(NULL, c);
	/* Two IOASes map the same IOVAs to different memory. */
	ASSERT_EQ(0, iob_ioas_alloc(self->iommufd, &ioas2));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, ioas2, self->a, SZ_64K,
				   IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, ioas2, c, SZ_64K, IOVA_B));
	ASSERT_EQ(0, iob_hwpt_alloc(self->iommufd, self->e.dev_id, ioas2, 0,
				    &hwpt2));

	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, &auto1));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	EXPECT_TRUE(all_bytes(c, SZ_64K, 0));

	/* Same windows: the entries change in place. */
	ASSERT_EQ(0, edu_attach(&self->e, hwpt2, &cur));
	EXPECT_EQ(hwpt2, cur);
	EXPECT_EQ(32, live_tces(self->e.name));
	fill(self->a, SZ_64K, 2);
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, c, LEN));
	EXPECT_NE(0, memcmp(self->a, self->b, LEN));

	/* Other windows: made again, and the new ones work at once. */
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id, ioas2,
					SZ_256M, 16, SZ_1G, &hwpt3));
	ASSERT_EQ(0, edu_attach(&self->e, hwpt3, &cur));
	EXPECT_EQ(hwpt3, cur);
	EXPECT_EQ(32, live_tces(self->e.name));
	fill(self->a, SZ_64K, 3);
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B + LEN, LEN));
	EXPECT_EQ(0, memcmp(self->a, c + LEN, LEN));
	/* Once only hwpt3 is left, the IOAS can map its 64-bit window. */
	EXPECT_EQ(0, iob_destroy(self->iommufd, hwpt2));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, ioas2, self->b, SZ_64K,
				   ddw_iova));
	EXPECT_EQ(16 + 16 + 1, live_tces(self->e.name));
	EXPECT_EQ(16 + 16 + 1, iob_hw_tces());
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, ddw_iova, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));

	/* Back to the first IOAS: a new automatic HWPT, as before. */
	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, &cur));
	EXPECT_EQ(32, live_tces(self->e.name));
	fill(self->a, SZ_64K, 4);
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));

	ASSERT_EQ(0, edu_detach(&self->e));
	EXPECT_EQ(0, iob_destroy(self->iommufd, hwpt3));
	EXPECT_EQ(0, iob_destroy(self->iommufd, ioas2));
	munmap(c, SZ_64K);
}

TEST_F(edu, close_device_while_mapped)
{
	__u64 pinned;

	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	EXPECT_EQ(32, live_tces(self->e.name));

	edu_close(&self->e);
	/* The platform's own window is back, and it is empty. */
	EXPECT_EQ(0, live_tces(self->e.name));
	EXPECT_EQ(0, iob_hw_tces());
	/* The IOAS keeps its mappings, but nothing needs the pages pinned. */
	ASSERT_EQ(0, iob_pin_stats(self->iommufd, &pinned, NULL));
	EXPECT_EQ(self->pinned, pinned);
	EXPECT_EQ(0, buffer_unpinned(self->a, SZ_64K));
	EXPECT_EQ(0, iob_unmap(self->iommufd, self->ioas_id, IOVA_A, SZ_64K,
			       NULL));
}

TEST_F(edu, close_iommufd_first)
{
	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	/* The bound device keeps the /dev/iommu file, and DMA, alive. */
	ASSERT_EQ(0, close(self->iommufd));
	self->iommufd = -1;
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	EXPECT_EQ(32, iob_hw_tces());
	EXPECT_LT(self->pinned, module_pinned_pages());
	/* The teardown checks that closing the node leaves nothing. */
}

TEST_F(edu, process_exit_while_mapped)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct edu e;
		int fd = iob_open();
		__u32 ioas;

		/* edu1 shares edu0's group, which the parent's file owns. */
		if (fd < 0 || iob_ioas_alloc(fd, &ioas) ||
		    edu_open(&e, edu_names[1]) || edu_bind(&e, fd) ||
		    edu_map_bar(&e) || edu_attach(&e, ioas, NULL) ||
		    iob_map_fixed(fd, ioas, self->a, SZ_64K, IOVA_A) ||
		    iob_map_fixed(fd, ioas, self->b, SZ_64K, IOVA_B) ||
		    edu_copy(&e, IOVA_A, IOVA_B, LEN))
			_exit(1);
		_exit(memcmp(self->a, self->b, LEN) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(1, WEXITSTATUS(status));
	settle(self->objects + 2);

	edu_close(&self->e);
	close(self->iommufd);
	self->iommufd = -1;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct edu e;
		int fd = iob_open();
		__u32 ioas;

		if (fd < 0 || iob_ioas_alloc(fd, &ioas) ||
		    edu_open(&e, edu_names[0]) || edu_bind(&e, fd) ||
		    edu_map_bar(&e) || edu_attach(&e, ioas, NULL) ||
		    iob_map_fixed(fd, ioas, self->a, SZ_64K, IOVA_A) ||
		    iob_map_fixed(fd, ioas, self->b, SZ_64K, IOVA_B) ||
		    edu_copy(&e, IOVA_A, IOVA_B, LEN))
			_exit(1);
		/* Exit with everything open, mapped and attached. */
		_exit(memcmp(self->a, self->b, LEN) ? 2 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	settle(self->objects);
}

TEST_F(edu, bad_calls)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = self->iommufd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 9 };
	struct edu other;
	int null = open("/dev/null", O_RDWR);
	char byte;
	__u32 hwpt;

	/* Before BIND only BIND works; ioctls the node does not know. */
	ASSERT_EQ(0, edu_open(&other, edu_names[2]));
	EXPECT_EQ(EINVAL, edu_attach(&other, self->ioas_id, NULL));
	EXPECT_EQ(EINVAL, edu_detach(&other));
	EXPECT_EQ(EINVAL, edu_map_bar(&other));
	EXPECT_EQ(-1, pread(other.fd, &byte, 1, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED,
				   other.fd, 0));
	EXPECT_EQ(ENOTTY, iob_ioctl(other.fd, _IO(VFIO_TYPE, VFIO_BASE + 1),
				    &bind));
	/* Malformed BINDs. */
	bind.argsz = 12;
	EXPECT_EQ(EINVAL, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	bind.argsz = sizeof(bind);
	bind.flags = 1;
	EXPECT_EQ(EINVAL, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	bind.flags = 0;
	bind.iommufd = -1;
	EXPECT_EQ(EINVAL, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	bind.iommufd = 1000;
	EXPECT_EQ(EBADF, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	bind.iommufd = null;
	EXPECT_EQ(EBADFD, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD, &bind));
	EXPECT_EQ(EFAULT, iob_ioctl(other.fd, VFIO_DEVICE_BIND_IOMMUFD,
				    (void *)8));
	edu_close(&other);

	/* One binding per device. */
	EXPECT_EQ(EINVAL, edu_bind(&self->e, self->iommufd));
	ASSERT_EQ(0, edu_open(&other, edu_names[0]));
	EXPECT_EQ(EBUSY, edu_bind(&other, self->iommufd));
	edu_close(&other);

	/* Malformed ATTACHes and regions of a bound device. */
	EXPECT_EQ(ENOENT, edu_attach(&self->e, 0, NULL));
	EXPECT_EQ(ENOENT, edu_attach(&self->e, 9999, NULL));
	EXPECT_EQ(EINVAL, edu_attach(&self->e, self->e.dev_id, NULL));
	attach.argsz = 8;
	attach.pt_id = self->ioas_id;
	EXPECT_EQ(EINVAL, iob_ioctl(self->e.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				    &attach));
	attach.argsz = sizeof(attach);
	attach.flags = 1;
	EXPECT_EQ(EINVAL, iob_ioctl(self->e.fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				    &attach));
	EXPECT_EQ(EINVAL, iob_ioctl(self->e.fd, VFIO_DEVICE_GET_REGION_INFO,
				    &reg));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_64K, PROT_READ, MAP_PRIVATE,
				   self->e.fd, 0));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED,
				   self->e.fd, 1 << 20));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED,
				   self->e.fd, 7ULL << 40));
	EXPECT_EQ(-1, pread(self->e.fd, &byte, 1, 1 << 20));
	/* The device object belongs to the node: DESTROY is refused. */
	EXPECT_EQ(EBUSY, iob_destroy(self->iommufd, self->e.dev_id));

	/*
	 * Windows that are wrong stop before the hypervisor sees them: a
	 * failed request there would disable dynamic windows until reboot.
	 */
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					     self->ioas_id, 0, 13, SZ_1G,
					     NULL));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					     self->ioas_id, 0, 16,
					     1ULL << 41, NULL));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					     self->ioas_id, 2 * SZ_1G, 0, 0,
					     NULL));
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->iommufd, self->e.dev_id,
					self->ioas_id, 0, 16, SZ_1G, &hwpt));
	ASSERT_EQ(0, edu_attach(&self->e, hwpt, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, EDU_DDW_START));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, EDU_DDW_START + SZ_64K));
	ASSERT_EQ(0, edu_copy(&self->e, EDU_DDW_START, EDU_DDW_START + SZ_64K,
			      LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	EXPECT_EQ(EBUSY, iob_destroy(self->iommufd, hwpt));
	ASSERT_EQ(0, edu_detach(&self->e));
	/* Detaching twice is allowed. */
	EXPECT_EQ(0, edu_detach(&self->e));
	EXPECT_EQ(0, iob_destroy(self->iommufd, hwpt));
	close(null);
}

TEST_F(edu, one_group_one_hwpt)
{
	struct edu e1;
	__u32 h0, h1, hwpt2;
	int fd2 = iob_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, edu_open(&e1, edu_names[1]));
	/* edu1 shares edu0's group: another /dev/iommu file cannot have it. */
	EXPECT_EQ(EPERM, edu_bind(&e1, fd2));
	ASSERT_EQ(0, edu_bind(&e1, self->iommufd));
	ASSERT_EQ(0, edu_map_bar(&e1));

	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, &h0));
	ASSERT_EQ(0, edu_attach(&e1, self->ioas_id, &h1));
	EXPECT_EQ(h0, h1);
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	/* One PE, one set of TCEs, two devices using them. */
	EXPECT_EQ(32, iob_hw_tces());
	ASSERT_EQ(0, edu_copy(&e1, IOVA_A, IOVA_B + 0x100, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b + 0x100, LEN));

	/* The devices of a group cannot go separate ways... */
	ASSERT_EQ(0, iob_hwpt_alloc(self->iommufd, e1.dev_id, self->ioas_id, 0,
				    &hwpt2));
	EXPECT_EQ(EINVAL, edu_attach(&e1, hwpt2, NULL));
	ASSERT_EQ(0, edu_copy(&e1, IOVA_A, IOVA_B + 0x200, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b + 0x200, LEN));
	/* ...but the last one attached may move. */
	ASSERT_EQ(0, edu_detach(&self->e));
	ASSERT_EQ(0, edu_attach(&e1, hwpt2, NULL));
	ASSERT_EQ(0, edu_copy(&e1, IOVA_A, IOVA_B + 0x300, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b + 0x300, LEN));
	ASSERT_EQ(0, edu_detach(&e1));
	EXPECT_EQ(0, iob_destroy(self->iommufd, hwpt2));
	edu_close(&e1);
	close(fd2);
}

TEST_F(edu, kernel_driver_in_group)
{
	char drv[64];

	/* Give edu0's group back, then let a kernel driver use edu1. */
	edu_close(&self->e);
	ASSERT_EQ(0, pci_bind(edu_names[1], "iobroker-test-dma"));
	ASSERT_EQ(0, edu_open(&self->e, edu_names[0]));
	EXPECT_EQ(EPERM, edu_bind(&self->e, self->iommufd));
	ASSERT_EQ(0, pci_bind(edu_names[1], EDU_DRIVER));
	ASSERT_EQ(0, edu_bind(&self->e, self->iommufd));
	/* While the group is owned, no kernel driver can take edu1. */
	ASSERT_EQ(0, pci_unbind(edu_names[1]));
	EXPECT_NE(0, pci_bind(edu_names[1], "iobroker-test-dma"));
	pci_driver_of(edu_names[1], drv, sizeof(drv));
	EXPECT_STREQ("", drv);
	ASSERT_EQ(0, pci_bind(edu_names[1], EDU_DRIVER));
	ASSERT_EQ(0, edu_map_bar(&self->e));
}

TEST_F(edu, one_hwpt_two_groups)
{
	struct edu e2;
	__u32 h0, h2;

	ASSERT_EQ(0, edu_open(&e2, edu_names[2]));
	ASSERT_EQ(0, edu_bind(&e2, self->iommufd));
	ASSERT_EQ(0, edu_map_bar(&e2));
	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, &h0));
	ASSERT_EQ(0, edu_attach(&e2, self->ioas_id, &h2));
	/* Same platform limits: one HWPT, mirrored into both PEs. */
	EXPECT_EQ(h0, h2);
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	EXPECT_EQ(64, iob_hw_tces());
	EXPECT_EQ(32, live_tces(edu_names[0]));
	EXPECT_EQ(32, live_tces(edu_names[2]));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	ASSERT_EQ(0, edu_copy(&e2, IOVA_A + LEN, IOVA_B + LEN, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, 2 * LEN));
	/* An unmap reaches both. */
	ASSERT_EQ(0, iob_unmap(self->iommufd, self->ioas_id, IOVA_B, SZ_64K,
			       NULL));
	EXPECT_EQ(16, live_tces(edu_names[0]));
	EXPECT_EQ(16, live_tces(edu_names[2]));
	edu_close(&e2);
	EXPECT_EQ(0, live_tces(edu_names[2]));
	EXPECT_EQ(16, live_tces(edu_names[0]));
}

TEST_F(edu, node_permissions)
{
	char path[64];
	int status;
	pid_t pid;

	edu_close(&self->e);
	snprintf(path, sizeof(path), "/dev/iobroker/%s", edu_names[0]);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit lim = { 64 << 20, 64 << 20 };

		setrlimit(RLIMIT_MEMLOCK, &lim);
		if (setresuid(65534, 65534, 65534))
			_exit(10);
		/* Root's nodes are closed to others. */
		_exit(open(path, O_RDWR) < 0 && errno == EACCES ? 0 : 11);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, chmod(path, 0666));
	ASSERT_EQ(0, chmod(IOB_DEV, 0666));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit lim = { 64 << 20, 64 << 20 };
		struct edu e;
		__u32 ioas;
		int fd;

		setrlimit(RLIMIT_MEMLOCK, &lim);
		if (setresuid(65534, 65534, 65534))
			_exit(10);
		/* Granted by the node's mode, nothing else: DMA works. */
		fd = iob_open();
		if (fd < 0 || iob_ioas_alloc(fd, &ioas) ||
		    edu_open(&e, edu_names[0]) || edu_bind(&e, fd) ||
		    edu_map_bar(&e) || edu_attach(&e, ioas, NULL) ||
		    iob_map_fixed(fd, ioas, self->a, SZ_64K, IOVA_A) ||
		    iob_map_fixed(fd, ioas, self->b, SZ_64K, IOVA_B) ||
		    edu_copy(&e, IOVA_A, IOVA_B, LEN))
			_exit(12);
		_exit(memcmp(self->a, self->b, LEN) ? 13 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	chmod(path, 0600);
	chmod(IOB_DEV, 0660);
	settle(self->objects + 1);
}

TEST_F(edu, driver_unbind_waits_for_close)
{
	char path[512], drv[64];
	int status;
	pid_t pid;

	ASSERT_EQ(0, edu_attach(&self->e, self->ioas_id, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->a,
				   SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_map_fixed(self->iommufd, self->ioas_id, self->b,
				   SZ_64K, IOVA_B));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The node must not stay open through the child's copy. */
		edu_close(&self->e);
		_exit(pci_unbind(edu_names[0]));
	}
	/* The unbind waits while the node is open; DMA goes on. */
	usleep(300000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ASSERT_EQ(0, edu_copy(&self->e, IOVA_A, IOVA_B, LEN));
	EXPECT_EQ(0, memcmp(self->a, self->b, LEN));
	edu_close(&self->e);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	pci_driver_of(edu_names[0], drv, sizeof(drv));
	EXPECT_STREQ("", drv);
	snprintf(path, sizeof(path), "/dev/iobroker/%s", edu_names[0]);
	EXPECT_NE(0, access(path, F_OK));
	ASSERT_EQ(0, pci_bind(edu_names[0], EDU_DRIVER));
	EXPECT_EQ(0, access(path, F_OK));
}

TEST_HARNESS_MAIN
