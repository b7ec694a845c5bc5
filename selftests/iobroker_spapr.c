// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO's sPAPR TCE v2 container served by iobroker: edu devices bound to
 * vfio-pci, driven through /dev/vfio/vfio and their group files the way
 * QEMU's pseries VFIO code and DPDK drive them, with DMA checked byte for
 * byte in both windows and the hypervisor's TCEs read back (H_GET_TCE).
 * The rules vfio_iommu_spapr_tce gives its users are checked errno for
 * errno. The same cases run again on /dev/iommu (variant "iommufd"): the
 * file made a v2 container with VFIO_SET_IOMMU, the edu bound to it
 * through its iobroker-pci node and attached to the container's IOAS.
 *
 * The rig puts edu0 and edu1 behind one host bridge (one iommu group) and
 * edu2 behind another.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"
#include "iob_vfio.h"

#define SZ_4K 0x1000ULL
#define SZ_64K 0x10000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL
#define DDW EDU_DDW_START
#define BUF_LEN (4 * 1024 * 1024ULL)
#define LEN 2048

static char edu_names[EDU_MAX][32];
static int edu_count;

__attribute__((constructor)) static void edu_list(void)
{
	edu_count = edu_find(edu_names, EDU_MAX);
}

/* A recognisable pattern, different for each @seed. */
static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

FIXTURE(spapr) {
	int container;
	int group;
	int grp_id;	/* the VFIO group's number, -1 on /dev/iommu */
	struct edu e;
	unsigned char *buf;
	__u32 ioas;	/* the file's IOAS on /dev/iommu */
	long objects;
	long pinned;
	long locked;
};

FIXTURE_VARIANT(spapr) {
	bool iommufd;
};

/* VFIO's own container, with the edu bound to vfio-pci. */
FIXTURE_VARIANT_ADD(spapr, vfio) {
	.iommufd = false,
};

/* /dev/iommu as the container, with the edu bound to iobroker-pci. */
FIXTURE_VARIANT_ADD(spapr, iommufd) {
	.iommufd = true,
};

/*
 * The TCEs the hypervisor holds for the fixture's device, read back, and
 * optionally how many windows; -1 if that cannot be read.
 */
static long long live_tces(int grp_id, unsigned int *nwin)
{
	unsigned long long live = 0;
	unsigned int n = 0;

	if (grp_id >= 0)
		return vfio_live_tces(grp_id, nwin);
	if (edu_hw_tces(edu_names[2], &n, &live, NULL, NULL))
		return -1;
	if (nwin)
		*nwin = n;
	return live;
}

/*
 * VFIO's container, as QEMU starts it (hw/vfio/container-legacy.c): open
 * the container and the group, API version, the extensions in QEMU's
 * order of preference, the group into the container, then the v2 type.
 * Or /dev/iommu: pins charged to the process as VFIO charges them, an
 * IOAS for VFIO's calls, the v2 type, and the device bound and attached
 * to that IOAS, which puts it in the container.
 */
FIXTURE_SETUP(spapr)
{
	__u32 ioas = 0, pt = 0;

	ASSERT_GE(edu_count, 3) TH_LOG("the rig gives three edu devices");
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	self->locked = vm_pages("VmLck:");
	self->group = -1;
	self->grp_id = -1;
	self->container = open(variant->iommufd ? "/dev/iommu" :
			       VFIO_CONTAINER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container);
	ASSERT_EQ(VFIO_API_VERSION,
		  vfio_value(self->container, VFIO_GET_API_VERSION, 0));
	if (variant->iommufd) {
		ASSERT_EQ(0, iob_option_set(self->container,
					    IOMMU_OPTION_RLIMIT_MODE, 0, 1));
		ASSERT_EQ(0, pci_bind(edu_names[2], EDU_DRIVER));
		ASSERT_EQ(0, edu_open(&self->e, edu_names[2]));
		ASSERT_EQ(0, edu_bind(&self->e, self->container));
		ASSERT_EQ(0, iob_ioas_alloc(self->container, &ioas));
		ASSERT_EQ(0, iob_vfio_ioas(self->container,
					   IOMMU_VFIO_IOAS_SET, &ioas));
		self->ioas = ioas;
	} else {
		/* First hit wins: the backend must not answer for type1. */
		ASSERT_EQ(0, vfio_value(self->container, VFIO_CHECK_EXTENSION,
					VFIO_TYPE1v2_IOMMU));
		ASSERT_EQ(0, vfio_value(self->container, VFIO_CHECK_EXTENSION,
					VFIO_TYPE1_IOMMU));
		self->group = vfio_group_open(edu_names[2]);
		ASSERT_LE(0, self->group);
		self->grp_id = pci_iommu_group(edu_names[2]);
		ASSERT_EQ(0, vfio_set_container(self->group, self->container));
	}
	ASSERT_EQ(1, vfio_value(self->container, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, vfio_set_iommu(self->container, VFIO_SPAPR_TCE_v2_IOMMU));
	if (variant->iommufd) {
		ASSERT_EQ(0, edu_attach(&self->e, ioas, &pt));
		ASSERT_EQ(ioas, pt);
		ASSERT_EQ(0, edu_map_bar(&self->e));
	} else {
		ASSERT_EQ(0, vfio_edu_open(&self->e, self->group,
					   edu_names[2]));
	}
	self->buf = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	fill(self->buf, BUF_LEN, 1);
}

FIXTURE_TEARDOWN(spapr)
{
	edu_close(&self->e);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	/* Nothing left: no TCE, no pin, no charge, no object. */
	EXPECT_EQ(0, iob_hw_tces());
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->locked, vm_pages("VmLck:"));
	EXPECT_EQ(self->objects, iob_global_objects());
	munmap(self->buf, BUF_LEN);
	vfio_release_dev(edu_names[2]);
}

/* Copy @len bytes from bus address @src to @dst through edu's buffer. */
static int dma_copy(struct edu *e, __u64 src, __u64 dst)
{
	return edu_copy(e, src, dst, LEN);
}

/*
 * QEMU's sequence for a pseries guest with a 32-bit window of 4 KiB IO
 * pages and a 64-bit one of 64 KiB pages: register the RAM, learn the
 * windows, remove the default one, create the guest's windows raising
 * the levels until the host takes them (the start must match the
 * guest's), then map and unmap one IO page at a time as the guest writes
 * its TCEs; at the end, windows and memory go.
 */
TEST_F(spapr, qemu_sequence)
{
	struct vfio_iommu_spapr_tce_info info;
	unsigned char *b = self->buf;
	unsigned int nwin;
	__u64 start, i;

	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN));
	ASSERT_EQ(0, spapr_info(self->container, &info));
	ASSERT_EQ(VFIO_IOMMU_SPAPR_INFO_DDW,
		  info.flags & VFIO_IOMMU_SPAPR_INFO_DDW);
	ASSERT_EQ(0, info.dma32_window_start);
	ASSERT_NE(0, info.dma32_window_size);
	ASSERT_NE(0, info.ddw.pgsizes & SZ_4K);
	ASSERT_NE(0, info.ddw.pgsizes & SZ_64K);
	ASSERT_LE(1, info.ddw.max_dynamic_windows_supported);
	ASSERT_LE(1, info.ddw.levels);

	ASSERT_EQ(0, spapr_remove(self->container, info.dma32_window_start));
	ASSERT_EQ(0, spapr_create_like_qemu(self->container, 12, 256 << 20,
					    &start));
	ASSERT_EQ(0, start);
	ASSERT_EQ(0, spapr_create_like_qemu(self->container, 16, SZ_1G,
					    &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(0, live_tces(self->grp_id, &nwin));
	ASSERT_EQ(2, nwin);

	/* The guest maps 16 pages of 4 KiB and 4 of 64 KiB, one at a time. */
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, spapr_map(self->container, b + i * SZ_4K,
				       0x100000 + i * SZ_4K, SZ_4K, SPAPR_RW));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, spapr_map(self->container,
				       b + SZ_64K * (4 + i),
				       DDW + SZ_64K * i, SZ_64K, SPAPR_RW));
	ASSERT_EQ(20, live_tces(self->grp_id, NULL));

	/* From the 32-bit window into the 64-bit one, and back. */
	memset(b + 4 * SZ_64K, 0, SZ_64K);
	ASSERT_EQ(0, dma_copy(&self->e, 0x100000 + 2 * SZ_4K, DDW));
	ASSERT_EQ(0, memcmp(b + 2 * SZ_4K, b + 4 * SZ_64K, LEN));
	fill(b + 5 * SZ_64K, LEN, 9);
	ASSERT_EQ(0, dma_copy(&self->e, DDW + SZ_64K, 0x100000 + 3 * SZ_4K));
	ASSERT_EQ(0, memcmp(b + 5 * SZ_64K, b + 3 * SZ_4K, LEN));

	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, spapr_unmap(self->container,
					 0x100000 + i * SZ_4K, SZ_4K, 0));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, spapr_unmap(self->container, DDW + SZ_64K * i,
					 SZ_64K, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_remove(self->container, DDW));
	ASSERT_EQ(0, spapr_remove(self->container, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, &nwin));
	ASSERT_EQ(0, nwin);
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN));
}

/*
 * DPDK's sequence (lib/eal/linux/eal_vfio.c): remove the default window,
 * make one window of the huge page size that covers all memory, map every
 * memory segment whole, unmap them whole.
 */
TEST_F(spapr, dpdk_sequence)
{
	unsigned char *seg;
	__u64 start, seglen = 8 * SZ_2M;

	seg = mmap(NULL, seglen, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	ASSERT_NE(MAP_FAILED, seg) TH_LOG("the rig reserves 2 MiB huge pages");
	fill(seg, seglen, 3);
	ASSERT_EQ(0, spapr_remove(self->container, 0));
	ASSERT_EQ(0, spapr_register(self->container, seg, seglen));
	ASSERT_EQ(0, spapr_create(self->container, 21, SZ_1G, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(0, spapr_map(self->container, seg, start, seglen,
			       SPAPR_RW));
	ASSERT_EQ(8, live_tces(self->grp_id, NULL));
	memset(seg + 5 * SZ_2M, 0, LEN);
	ASSERT_EQ(0, dma_copy(&self->e, start + SZ_2M + 128,
			      start + 5 * SZ_2M));
	ASSERT_EQ(0, memcmp(seg + SZ_2M + 128, seg + 5 * SZ_2M, LEN));
	ASSERT_EQ(0, spapr_unmap(self->container, start, seglen, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, seg, seglen));
	ASSERT_EQ(0, spapr_remove(self->container, start));
	munmap(seg, seglen);
}

/* After the type is set, the container asks the backend: still v2 only. */
TEST_F(spapr, extensions)
{
	long eeh = vfio_value(self->container, VFIO_CHECK_EXTENSION, VFIO_EEH);
	struct vfio_eeh_pe_op op = {
		.argsz = sizeof(op),
		.op = VFIO_EEH_PE_GET_STATE,
	};

	ASSERT_EQ(1, vfio_value(self->container, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, vfio_value(self->container, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_IOMMU));
	ASSERT_EQ(0, vfio_value(self->container, VFIO_CHECK_EXTENSION,
				VFIO_TYPE1v2_IOMMU));
	ASSERT_TRUE(eeh == 0 || eeh == 1);
	/* v1's calls are not served; nor is type1's GET_INFO number's twin. */
	ASSERT_EQ(-ENOTTY, vfio_value(self->container, VFIO_IOMMU_ENABLE, 0));
	ASSERT_EQ(-ENOTTY, vfio_value(self->container, VFIO_IOMMU_DISABLE, 0));
	/*
	 * QEMU's host bridges have no EEH: the platform finds no PE for the
	 * group, as it would for vfio_iommu_spapr_tce.
	 */
	if (!eeh)
		ASSERT_EQ(ENODEV, iob_ioctl(self->container, VFIO_EEH_PE_OP,
					    &op));
}

/* Registration: its errnos, and MAP_DMA before any (EPERM). */
TEST_F(spapr, rules_registration)
{
	unsigned char *b = self->buf;

	ASSERT_EQ(EPERM, spapr_map(self->container, b, 0, SZ_4K, SPAPR_RW));
	ASSERT_EQ(EPERM, spapr_unmap(self->container, 0, SZ_4K, 0));
	ASSERT_EQ(EPERM, spapr_unregister(self->container, b, SZ_64K));
	ASSERT_EQ(EINVAL, spapr_register(self->container, b + SZ_4K, SZ_64K));
	ASSERT_EQ(EINVAL, spapr_register(self->container, b, SZ_4K));
	/*
	 * A length far beyond the memory fails where the memory ends: what
	 * is allocated follows what is pinned, not the length asked for (the
	 * fuzzer's 2^43-byte registration once ran the guest out of memory).
	 */
	ASSERT_EQ(EFAULT, spapr_register(self->container, b, 1ULL << 50));
	ASSERT_EQ(0, spapr_register(self->container, b, 2 * SZ_64K));
	ASSERT_EQ(EBUSY, spapr_register(self->container, b, 2 * SZ_64K));
	ASSERT_EQ(EINVAL, spapr_register(self->container, b + SZ_64K,
					 2 * SZ_64K));
	ASSERT_EQ(0, spapr_register(self->container, b + 2 * SZ_64K, SZ_64K));
	/* Back to back regions map as one. */
	ASSERT_EQ(0, spapr_map(self->container, b + SZ_64K, 0, 2 * SZ_64K,
			       SPAPR_RW));
	ASSERT_EQ(32, live_tces(self->grp_id, NULL));
	ASSERT_EQ(ENOENT, spapr_unregister(self->container, b, SZ_64K));
	ASSERT_EQ(ENOENT, spapr_unregister(self->container, b + 3 * SZ_64K,
					   SZ_64K));
	ASSERT_EQ(EBUSY, spapr_unregister(self->container, b, 2 * SZ_64K));
	ASSERT_EQ(EBUSY, spapr_unregister(self->container, b + 2 * SZ_64K,
					  SZ_64K));
	ASSERT_EQ(0, spapr_unmap(self->container, 0, 2 * SZ_64K, 0));
	ASSERT_EQ(0, spapr_unregister(self->container, b, 2 * SZ_64K));
	ASSERT_EQ(0, spapr_unregister(self->container, b + 2 * SZ_64K,
				      SZ_64K));
	/* Enabled for good, but only registered memory maps. */
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, 0, SZ_4K, SPAPR_RW));
	ASSERT_EQ(0, spapr_unmap(self->container, 0, SZ_4K, 0));
}

/* MAP_DMA: windows, alignment, flags, and replacing what is mapped. */
TEST_F(spapr, rules_map)
{
	unsigned char *b = self->buf;
	__u64 start;

	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN / 2));
	/* The default window is made on first need: 4 KiB pages at 0. */
	ASSERT_EQ(0, spapr_map(self->container, b, 0x10000, SZ_4K, SPAPR_RW));
	ASSERT_EQ(1, live_tces(self->grp_id, NULL));
	ASSERT_EQ(ENXIO, spapr_map(self->container, b, DDW, SZ_64K,
				   SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, 0x20000, SZ_4K, 4));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, 0x20000, SZ_4K, 0));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b + 8, 0x20000, SZ_4K,
				    SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, 0x20008, SZ_4K,
				    SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, 0x20000, 100,
				    SPAPR_RW));
	/* Memory past the registered half. */
	ASSERT_EQ(EINVAL, spapr_map(self->container, b + BUF_LEN / 2,
				    0x20000, SZ_4K, SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(self->container,
				    b + BUF_LEN / 2 - SZ_4K, 0x20000,
				    2 * SZ_4K, SPAPR_RW));

	/* A 64-bit window; a range running off its end. */
	ASSERT_EQ(0, spapr_create(self->container, 16, 1 << 20, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, DDW + (1 << 20) -
				    SZ_64K, 2 * SZ_64K, SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b, DDW, SZ_4K,
				    SPAPR_RW));
	ASSERT_EQ(1, live_tces(self->grp_id, NULL));

	/* Mapping over a TCE replaces it: the device then sees the new page. */
	fill(b + SZ_64K, SZ_64K, 5);
	fill(b + 2 * SZ_64K, SZ_64K, 6);
	ASSERT_EQ(0, spapr_map(self->container, b + SZ_64K, DDW, SZ_64K,
			       SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b + 2 * SZ_64K, DDW, SZ_64K,
			       SPAPR_RW));
	ASSERT_EQ(2, live_tces(self->grp_id, NULL));
	memset(b, 0, LEN);
	ASSERT_EQ(0, dma_copy(&self->e, DDW, 0x10000));
	ASSERT_EQ(0, memcmp(b, b + 2 * SZ_64K, LEN));
	/* Replacing the middle of a longer map keeps both ends. */
	ASSERT_EQ(0, spapr_map(self->container, b + 4 * SZ_64K, 0x40000,
			       4 * SZ_4K, SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b + 2 * SZ_64K, 0x41000,
			       SZ_4K, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(6, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, dma_copy(&self->e, 0x41000, 0x10000));
	ASSERT_EQ(0, memcmp(b, b + 2 * SZ_64K, LEN));
	ASSERT_EQ(0, dma_copy(&self->e, 0x43000, 0x10000));
	ASSERT_EQ(0, memcmp(b, b + 4 * SZ_64K + 3 * SZ_4K, LEN));
	ASSERT_EQ(0, spapr_unmap(self->container, 0, 1 << 20, 0));
	ASSERT_EQ(0, spapr_unmap(self->container, DDW, 1 << 20, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN / 2));
}

/* The device reads IO page @i of a run at @io as the memory mapped there. */
static int run_page_is(struct edu *e, __u64 io, __u64 i, unsigned char *dst,
		       const unsigned char *mem)
{
	memset(dst, 0, LEN);
	if (dma_copy(e, io + i * SZ_4K, 0x10000))
		return -1;
	return memcmp(dst, mem, LEN) ? -1 : 0;
}

/*
 * QEMU's maps: @n IO pages of @mem one per call from bus address @io, each
 * filled with its own bytes first; 0 or the first map's errno.
 */
static int map_page_by_page(int c, unsigned char *mem, __u64 io,
			    unsigned int n, unsigned int seed)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		fill(mem + i * SZ_4K, LEN, seed + i);
		rc = spapr_map(c, mem + i * SZ_4K, io + i * SZ_4K, SZ_4K,
			       SPAPR_RW);
		if (rc)
			return rc;
	}
	return 0;
}

/* Whether the device reads IO pages 0 to @n - 1 at @io as @mem's. */
static int run_pages_are(struct edu *e, __u64 io, unsigned int n,
			 unsigned char *dst, const unsigned char *mem)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (run_page_is(e, io, i, dst, mem + i * SZ_4K))
			return -1;
	return 0;
}

/*
 * QEMU maps one IO page after another: each map grows the mapping before
 * it (iopt_extend_io_pages()). Unmaps take pages off either end of such a
 * run or out of its middle, maps fill the holes again or replace a page,
 * and memory out of order or with another protection starts a mapping of
 * its own. Throughout, the device reads every page as the memory mapped
 * there, and the hypervisor holds exactly the TCEs mapped.
 */
TEST_F(spapr, page_runs)
{
	unsigned char *b = self->buf, *dst = b + 256 * SZ_4K;
	const __u64 io = 0x200000, io2 = 0x300000;
	__u64 i, unmapped;
	long long n;

	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN));
	ASSERT_EQ(0, spapr_map(self->container, dst, 0x10000, SZ_4K,
			       SPAPR_RW));
	ASSERT_EQ(0, map_page_by_page(self->container, b, io, 8, 20));
	ASSERT_EQ(9, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_pages_are(&self->e, io, 8, dst, b));

	/* Off the front, off the back, out of the middle. */
	ASSERT_EQ(0, spapr_unmap(self->container, io, SZ_4K, 0));
	ASSERT_EQ(0, spapr_unmap(self->container, io + 7 * SZ_4K, SZ_4K, 0));
	ASSERT_EQ(0, spapr_unmap(self->container, io + 4 * SZ_4K, SZ_4K, 0));
	ASSERT_EQ(6, live_tces(self->grp_id, NULL));
	for (i = 1; i < 7; i++)
		if (i != 4)
			ASSERT_EQ(0, run_page_is(&self->e, io, i, dst,
						 b + i * SZ_4K));

	/* Page 4 grows the run before it, page 0 starts one of its own. */
	ASSERT_EQ(0, spapr_map(self->container, b + 4 * SZ_4K,
			       io + 4 * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b, io, SZ_4K, SPAPR_RW));
	ASSERT_EQ(8, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_pages_are(&self->e, io, 7, dst, b));

	/* A page inside a run replaced: the device sees the new memory. */
	fill(b + 40 * SZ_4K, LEN, 40);
	ASSERT_EQ(0, spapr_map(self->container, b + 40 * SZ_4K,
			       io + 2 * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(8, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_page_is(&self->e, io, 2, dst, b + 40 * SZ_4K));
	ASSERT_EQ(0, run_page_is(&self->e, io, 1, dst, b + SZ_4K));
	ASSERT_EQ(0, run_page_is(&self->e, io, 3, dst, b + 3 * SZ_4K));

	/* Memory out of order, then another protection, after the run. */
	fill(b + 50 * SZ_4K, 2 * SZ_4K, 50);
	ASSERT_EQ(0, spapr_map(self->container, b + 50 * SZ_4K,
			       io + 7 * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b + 51 * SZ_4K,
			       io + 8 * SZ_4K, SZ_4K, VFIO_DMA_MAP_FLAG_READ));
	ASSERT_EQ(10, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_page_is(&self->e, io, 7, dst, b + 50 * SZ_4K));
	ASSERT_EQ(0, run_page_is(&self->e, io, 8, dst, b + 51 * SZ_4K));

	/*
	 * On /dev/iommu, the file's own IOMMU_IOAS_UNMAP sees a run as one
	 * mapping: pages 3 and 4 go together or not at all.
	 */
	if (variant->iommufd) {
		ASSERT_EQ(ENOENT, iob_unmap(self->container, self->ioas,
					    io + 3 * SZ_4K, SZ_4K, NULL));
		ASSERT_EQ(0, iob_unmap(self->container, self->ioas,
				       io + 3 * SZ_4K, 2 * SZ_4K, &unmapped));
		ASSERT_EQ(2 * SZ_4K, unmapped);
		ASSERT_EQ(8, live_tces(self->grp_id, NULL));
	}

	/*
	 * A run grown over the front of the mapping after it: page 2 of a
	 * run of two, a mapping of two pages after it. The run takes over
	 * one page at a time, each replacing the page that was there.
	 */
	n = live_tces(self->grp_id, NULL);
	for (i = 0; i < 4; i++)
		fill(b + (100 + i) * SZ_4K, LEN, 100 + i);
	fill(b + 120 * SZ_4K, 2 * SZ_4K, 120);
	ASSERT_EQ(0, spapr_map(self->container, b + 100 * SZ_4K, io2, SZ_4K,
			       SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b + 101 * SZ_4K,
			       io2 + SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(0, spapr_map(self->container, b + 120 * SZ_4K,
			       io2 + 2 * SZ_4K, 2 * SZ_4K, SPAPR_RW));
	ASSERT_EQ(n + 4, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_map(self->container, b + 102 * SZ_4K,
			       io2 + 2 * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(n + 4, live_tces(self->grp_id, NULL));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, run_page_is(&self->e, io2, i, dst,
					 b + (100 + i) * SZ_4K));
	ASSERT_EQ(0, run_page_is(&self->e, io2, 3, dst, b + 121 * SZ_4K));
	ASSERT_EQ(0, spapr_map(self->container, b + 103 * SZ_4K,
			       io2 + 3 * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(n + 4, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_page_is(&self->e, io2, 3, dst, b + 103 * SZ_4K));
	/* On /dev/iommu, one mapping: its half is ENOENT, its whole goes. */
	if (variant->iommufd) {
		ASSERT_EQ(ENOENT, iob_unmap(self->container, self->ioas, io2,
					    2 * SZ_4K, NULL));
		ASSERT_EQ(0, iob_unmap(self->container, self->ioas, io2,
				       4 * SZ_4K, &unmapped));
		ASSERT_EQ(4 * SZ_4K, unmapped);
		ASSERT_EQ(n, live_tces(self->grp_id, NULL));
	}

	ASSERT_EQ(0, spapr_unmap(self->container, 0, 1 << 24, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN));
}

/*
 * A guest that maps its memory one IO page at a time makes as many calls
 * as it has pages: hundreds of thousands for a large 64-bit window. Runs
 * of them are one mapping each, so they stay far inside the module's
 * bound on mappings per IOAS (max_ioas_areas), here lowered to 4: 64
 * pages in order are one mapping, three pages out of order take the rest,
 * and a fifth mapping is refused with ENOSPC, leaving everything as it was.
 */
TEST_F(spapr, page_runs_and_the_area_limit)
{
	const char *param = "/sys/module/iobroker/parameters/max_ioas_areas";
	unsigned char *b = self->buf;
	const __u64 io = 0x400000;
	char old[32];
	__u64 i;

	ASSERT_EQ(0, sysfs_read(param, old, sizeof(old)));
	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN));
	ASSERT_EQ(0, sysfs_write(param, "4"));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(0, spapr_map(self->container, b + i * SZ_4K,
				       io + i * SZ_4K, SZ_4K, SPAPR_RW));
	for (i = 1; i <= 3; i++)
		EXPECT_EQ(0, spapr_map(self->container, b + (200 - i) * SZ_4K,
				       io + (64 + i) * SZ_4K, SZ_4K,
				       SPAPR_RW));
	EXPECT_EQ(ENOSPC, spapr_map(self->container, b + 300 * SZ_4K,
				    io + 100 * SZ_4K, SZ_4K, SPAPR_RW));
	EXPECT_EQ(67, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, sysfs_write(param, old));
	ASSERT_EQ(0, spapr_unmap(self->container, 0, 1 << 24, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN));
}

/*
 * Each map finds the memory registered when it is made. A run of pages
 * in order stops where one registration ends and the next begins, though
 * their addresses are back to back. Memory unregistered is EINVAL to map
 * at once, and memory registered again at the same addresses, after the
 * process put new pages there, is mapped with its new pages.
 */
TEST_F(spapr, page_runs_and_registrations)
{
	unsigned char *b = self->buf, *dst = b + 256 * SZ_4K;
	unsigned char *b2 = b + BUF_LEN / 2, *at = b2 - 2 * SZ_4K;
	const __u64 io = 0x200000;
	__u64 i, unmapped;

	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN / 2));
	ASSERT_EQ(0, spapr_register(self->container, b2, BUF_LEN / 2));
	ASSERT_EQ(0, spapr_map(self->container, dst, 0x10000, SZ_4K,
			       SPAPR_RW));
	/* The last two pages of the first registration, two of the next. */
	ASSERT_EQ(0, map_page_by_page(self->container, at, io, 4, 60));
	ASSERT_EQ(5, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_pages_are(&self->e, io, 4, dst, at));
	/* Two mappings, one per registration, as /dev/iommu's IOAS sees. */
	if (variant->iommufd) {
		ASSERT_EQ(ENOENT, iob_unmap(self->container, self->ioas, io,
					    3 * SZ_4K, NULL));
		ASSERT_EQ(0, iob_unmap(self->container, self->ioas,
				       io + 2 * SZ_4K, 2 * SZ_4K, &unmapped));
		ASSERT_EQ(2 * SZ_4K, unmapped);
	} else {
		ASSERT_EQ(0, spapr_unmap(self->container, io + 2 * SZ_4K,
					 2 * SZ_4K, 0));
	}
	ASSERT_EQ(3, live_tces(self->grp_id, NULL));

	/* The second registration goes: its memory is no longer mappable. */
	ASSERT_EQ(0, spapr_unregister(self->container, b2, BUF_LEN / 2));
	ASSERT_EQ(EINVAL, spapr_map(self->container, b2, io + 2 * SZ_4K,
				    SZ_4K, SPAPR_RW));
	ASSERT_EQ(3, live_tces(self->grp_id, NULL));

	/* New pages at the same addresses, registered again. */
	ASSERT_EQ(b2, mmap(b2, BUF_LEN / 2, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	fill(b2, 2 * SZ_4K, 70);
	ASSERT_EQ(0, spapr_register(self->container, b2, BUF_LEN / 2));
	for (i = 2; i < 4; i++)
		ASSERT_EQ(0, spapr_map(self->container, at + i * SZ_4K,
				       io + i * SZ_4K, SZ_4K, SPAPR_RW));
	ASSERT_EQ(5, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, run_pages_are(&self->e, io, 4, dst, at));

	ASSERT_EQ(0, spapr_unmap(self->container, 0, 1 << 24, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, b2, BUF_LEN / 2));
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN / 2));
}

/*
 * How often the hypervisor window in slot @w of the fixture's device was
 * made, from its debugfs file; -1 if it cannot be read.
 */
static int window_made(int grp_id, unsigned int w)
{
	char path[128], line[256];
	unsigned long long start, size, live;
	unsigned int i, shift, made;
	int found = -1;
	FILE *f;

	if (grp_id >= 0)
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/iobroker/vfio/%d/tces", grp_id);
	else
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/iobroker/pci/%s/tces", edu_names[2]);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "window %u start %llx size %llx page_shift %u live %llu made %u",
			   &i, &start, &size, &shift, &live, &made) == 6 &&
		    i == w)
			found = made;
	fclose(f);
	return found;
}

/*
 * QEMU makes the 64-bit window beside the 32-bit one, and a guest may
 * remove it again: the 32-bit window stays as it is in the hypervisor
 * (never made again, its TCEs never gone), so DMA through it goes on.
 */
TEST_F(spapr, windows_kept)
{
	unsigned char *b = self->buf;
	unsigned int nwin;
	int made0;
	__u64 start;

	ASSERT_EQ(0, spapr_register(self->container, b, BUF_LEN / 2));
	ASSERT_EQ(0, spapr_remove(self->container, 0));
	ASSERT_EQ(0, spapr_create(self->container, 12, 256 << 20, 1, &start));
	ASSERT_EQ(0, start);
	ASSERT_EQ(0, spapr_map(self->container, b, 0x100000, 4 * SZ_4K,
			       SPAPR_RW));
	made0 = window_made(self->grp_id, 0);
	ASSERT_LE(1, made0);

	ASSERT_EQ(0, spapr_create(self->container, 16, SZ_1G, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(4, live_tces(self->grp_id, &nwin));
	ASSERT_EQ(2, nwin);
	ASSERT_EQ(made0, window_made(self->grp_id, 0));
	ASSERT_EQ(0, spapr_map(self->container, b + SZ_64K, DDW, SZ_64K,
			       SPAPR_RW));
	memset(b + SZ_64K, 0, LEN);
	ASSERT_EQ(0, dma_copy(&self->e, 0x100000, DDW));
	ASSERT_EQ(0, memcmp(b, b + SZ_64K, LEN));

	ASSERT_EQ(0, spapr_remove(self->container, DDW));
	ASSERT_EQ(4, live_tces(self->grp_id, &nwin));
	ASSERT_EQ(1, nwin);
	ASSERT_EQ(made0, window_made(self->grp_id, 0));
	ASSERT_EQ(0, dma_copy(&self->e, 0x100000, 0x102000));
	ASSERT_EQ(0, memcmp(b, b + 2 * SZ_4K, LEN));

	ASSERT_EQ(0, spapr_unmap(self->container, 0x100000, 4 * SZ_4K, 0));
	ASSERT_EQ(0, spapr_remove(self->container, 0));
	ASSERT_EQ(0, spapr_unregister(self->container, b, BUF_LEN / 2));
}

/* UNMAP_DMA: any run of IO pages, flags 0, no size written back. */
TEST_F(spapr, rules_unmap)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = 0x105000,
		.size = SZ_4K,
	};
	unsigned char *b = self->buf;

	ASSERT_EQ(0, spapr_register(self->container, b, SZ_64K));
	ASSERT_EQ(0, spapr_map(self->container, b, 0x100000, SZ_64K,
			       SPAPR_RW));
	ASSERT_EQ(16, live_tces(self->grp_id, NULL));
	ASSERT_EQ(EINVAL, spapr_unmap(self->container, 0x105000, SZ_4K,
				      VFIO_DMA_UNMAP_FLAG_ALL));
	ASSERT_EQ(EINVAL, spapr_unmap(self->container, 0x105000, 100, 0));
	ASSERT_EQ(EINVAL, spapr_unmap(self->container, 0x105100, SZ_4K, 0));
	ASSERT_EQ(ENXIO, spapr_unmap(self->container, DDW, SZ_4K, 0));
	ASSERT_EQ(0, iob_ioctl(self->container, VFIO_IOMMU_UNMAP_DMA, &unmap));
	ASSERT_EQ(SZ_4K, unmap.size);
	ASSERT_EQ(15, live_tces(self->grp_id, NULL));
	/* The pages on both sides still reach memory. */
	ASSERT_EQ(0, dma_copy(&self->e, 0x104000, 0x106000));
	ASSERT_EQ(0, memcmp(b + 0x4000, b + 0x6000, LEN));
	/* Unmapping what is not mapped succeeds. */
	ASSERT_EQ(0, spapr_unmap(self->container, 0x105000, SZ_4K, 0));
	ASSERT_EQ(0, spapr_unmap(self->container, 0x200000, 2 * SZ_64K, 0));
	ASSERT_EQ(0, spapr_unmap(self->container, 0x100000, 2 * SZ_64K, 0));
	ASSERT_EQ(0, live_tces(self->grp_id, NULL));
	ASSERT_EQ(0, spapr_unregister(self->container, b, SZ_64K));
}

/* Windows: what TCE_CREATE and TCE_REMOVE refuse. */
TEST_F(spapr, rules_windows)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr),
		.flags = 1,
		.page_shift = 16,
		.window_size = SZ_1G,
	};
	__u64 start;

	ASSERT_EQ(EINVAL, iob_ioctl(self->container,
				    VFIO_IOMMU_SPAPR_TCE_CREATE, &cr));
	cr.flags = 0;
	cr.argsz = 8;
	ASSERT_EQ(EINVAL, iob_ioctl(self->container,
				    VFIO_IOMMU_SPAPR_TCE_CREATE, &cr));
	/* The pending default window is made first, at the bridge's 0. */
	ASSERT_EQ(EINVAL, spapr_create(self->container, 13, SZ_1G, 1, NULL));
	ASSERT_EQ(EINVAL, spapr_create(self->container, 16, SZ_1G + SZ_64K, 1,
				       NULL));
	ASSERT_EQ(0, spapr_create(self->container, 16, SZ_1G, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(ENOSPC, spapr_create(self->container, 16, SZ_1G, 1, NULL));
	ASSERT_EQ(ENOSPC, spapr_create(self->container, 12, 1 << 20, 1, NULL));
	ASSERT_EQ(EINVAL, spapr_remove(self->container, 1ULL << 40));
	ASSERT_EQ(0, spapr_remove(self->container, DDW + SZ_64K));
	ASSERT_EQ(0, spapr_remove(self->container, 0));
	ASSERT_EQ(EINVAL, spapr_remove(self->container, 0));
	ASSERT_EQ(EINVAL, spapr_remove(self->container, DDW));
	/* With both slots free a DDW-shaped window still goes at 2^59. */
	ASSERT_EQ(0, spapr_create(self->container, 16, SZ_1G, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(0, spapr_create(self->container, 12, 1 << 20, 1, &start));
	ASSERT_EQ(0, start);
}

/* Calls from another process than the one the container is bound to. */
TEST_F(spapr, other_mm)
{
	struct vfio_iommu_spapr_tce_info info;
	int status;
	pid_t pid;

	/* Before any binding call, anyone may ask. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(spapr_info(self->container, &info));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));

	ASSERT_EQ(0, spapr_register(self->container, self->buf, SZ_64K));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (spapr_info(self->container, &info) != EPERM ||
		    spapr_map(self->container, self->buf, 0, SZ_4K,
			      SPAPR_RW) != EPERM ||
		    spapr_register(self->container, self->buf + SZ_64K,
				   SZ_64K) != EPERM ||
		    spapr_remove(self->container, 0) != EPERM)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, spapr_info(self->container, &info));
	ASSERT_EQ(0, spapr_unregister(self->container, self->buf, SZ_64K));
}

/*
 * Drop CAP_IPC_LOCK, which spares a caller RLIMIT_MEMLOCK (and, in
 * iobroker as in iommufd, the charge itself); 0 or an errno.
 */
static int drop_ipc_lock(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[0].effective &= ~(1U << CAP_IPC_LOCK);
	data[0].permitted &= ~(1U << CAP_IPC_LOCK);
	return syscall(SYS_capset, &hdr, data) ? errno : 0;
}

/*
 * Registered memory is charged once to the process's locked_vm, however
 * often it is mapped, and RLIMIT_MEMLOCK refuses what goes beyond it.
 */
TEST_F(spapr, charged_once)
{
	struct rlimit lim = { 256 << 10, 256 << 10 };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long before;
		__u64 i;

		if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &lim))
			_exit(10);
		before = vm_pages("VmLck:");
		if (spapr_register(self->container, self->buf, 4 * SZ_64K) ||
		    vm_pages("VmLck:") != before + 4)
			_exit(11);
		for (i = 0; i < 4; i++)
			if (spapr_map(self->container, self->buf, i << 20,
				      4 * SZ_64K, SPAPR_RW))
				_exit(12);
		if (vm_pages("VmLck:") != before + 4 ||
		    live_tces(self->grp_id, NULL) != 256)
			_exit(13);
		/* Over the limit: VFIO's errno, and nothing kept. */
		if (spapr_register(self->container, self->buf + 4 * SZ_64K,
				   SZ_64K) != ENOMEM ||
		    vm_pages("VmLck:") != before + 4)
			_exit(14);
		if (spapr_unmap(self->container, 0, 4 << 20, 0) ||
		    spapr_unregister(self->container, self->buf,
				     4 * SZ_64K) ||
		    vm_pages("VmLck:") != before)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
}

/*
 * Two groups in one container: edu0's (which edu1 shares) and edu2's.
 * They share the windows and every mapping; a group that leaves takes
 * its TCEs along and leaves the other's alone.
 */
TEST(two_groups)
{
	long objects = iob_global_objects(), pinned = module_pinned_pages();
	int c, g0, g2, id0, id2;
	struct edu e0, e2;
	unsigned char *b;
	__u64 start;

	ASSERT_GE(edu_count, 3);
	b = mmap(NULL, SZ_64K * 4, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	fill(b, SZ_64K * 4, 2);
	c = open(VFIO_CONTAINER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, pci_bind(edu_names[1], "vfio-pci"));
	g0 = vfio_group_open(edu_names[0]);
	g2 = vfio_group_open(edu_names[2]);
	ASSERT_LE(0, g0);
	ASSERT_LE(0, g2);
	id0 = pci_iommu_group(edu_names[0]);
	id2 = pci_iommu_group(edu_names[2]);
	ASSERT_NE(id0, id2);
	ASSERT_EQ(0, vfio_set_container(g0, c));
	ASSERT_EQ(0, vfio_set_iommu(c, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, spapr_register(c, b, SZ_64K * 4));
	ASSERT_EQ(0, spapr_remove(c, 0));
	ASSERT_EQ(0, spapr_create(c, 16, SZ_1G, 1, &start));
	ASSERT_EQ(0, spapr_map(c, b, DDW, SZ_64K * 2, SPAPR_RW));
	/* The second group joins a container with windows and mappings. */
	ASSERT_EQ(0, vfio_set_container(g2, c));
	ASSERT_EQ(2, vfio_live_tces(id0, NULL));
	ASSERT_EQ(2, vfio_live_tces(id2, NULL));
	ASSERT_EQ(0, spapr_map(c, b + 2 * SZ_64K, DDW + 2 * SZ_64K, SZ_64K,
			       SPAPR_RW));
	ASSERT_EQ(3, vfio_live_tces(id0, NULL));
	ASSERT_EQ(3, vfio_live_tces(id2, NULL));
	ASSERT_EQ(0, vfio_edu_open(&e0, g0, edu_names[0]));
	ASSERT_EQ(0, vfio_edu_open(&e2, g2, edu_names[2]));
	memset(b + 3 * SZ_64K, 0, SZ_64K);
	ASSERT_EQ(0, edu_dma(&e0, DDW + 128, LEN, 0));
	ASSERT_EQ(0, edu_dma(&e0, DDW + 2 * SZ_64K, LEN, 1));
	ASSERT_EQ(0, memcmp(b + 128, b + 2 * SZ_64K, LEN));
	ASSERT_EQ(0, edu_dma(&e2, DDW + SZ_64K, LEN, 0));
	ASSERT_EQ(0, edu_dma(&e2, DDW + 2 * SZ_64K + 4096, LEN, 1));
	ASSERT_EQ(0, memcmp(b + SZ_64K, b + 2 * SZ_64K + 4096, LEN));

	/* edu0's group leaves: edu2 carries on. */
	edu_close(&e0);
	ASSERT_EQ(0, iob_ioctl(g0, VFIO_GROUP_UNSET_CONTAINER, NULL));
	ASSERT_EQ(-1, vfio_live_tces(id0, NULL));
	ASSERT_EQ(3, vfio_live_tces(id2, NULL));
	ASSERT_EQ(0, edu_dma(&e2, DDW + 128, LEN, 0));
	ASSERT_EQ(0, edu_dma(&e2, DDW + SZ_64K, LEN, 1));
	ASSERT_EQ(0, memcmp(b + 128, b + SZ_64K, LEN));
	edu_close(&e2);
	close(g0);
	close(g2);
	close(c);
	ASSERT_EQ(0, iob_hw_tces());
	ASSERT_EQ(pinned, module_pinned_pages());
	ASSERT_EQ(objects, iob_global_objects());
	munmap(b, SZ_64K * 4);
	vfio_release_dev(edu_names[0]);
	vfio_release_dev(edu_names[1]);
	vfio_release_dev(edu_names[2]);
}

/* Live TCEs of @name's device as read back, or -1. */
static long long dev_live(const char *name, unsigned int *nwin)
{
	unsigned long long live = 0;
	unsigned int n = 0;

	if (edu_hw_tces(name, &n, &live, NULL, NULL))
		return -1;
	if (nwin)
		*nwin = n;
	return live;
}

/*
 * /dev/iommu as a v2 container, past what its cases share with VFIO's:
 * when VFIO_SET_IOMMU takes the type, devices coming in and out
 * (attach, replace in and out, detach, unbind) with DMA, and the file
 * closed before its devices.
 */
TEST(iommufd_container)
{
	long objects = iob_global_objects(), pinned = module_pinned_pages();
	struct vfio_iommu_spapr_tce_info info = { .argsz = sizeof(info) };
	__u32 ioas, other, pt, hwpt;
	struct edu e0, e2;
	unsigned int nwin;
	unsigned char *b;
	__u64 start;
	int fd;

	b = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	fill(b, BUF_LEN, 5);
	ASSERT_EQ(0, pci_bind(edu_names[0], EDU_DRIVER));
	ASSERT_EQ(0, pci_bind(edu_names[2], EDU_DRIVER));
	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &other));
	ASSERT_EQ(0, edu_open(&e0, edu_names[0]));
	ASSERT_EQ(0, edu_bind(&e0, fd));
	ASSERT_EQ(0, edu_map_bar(&e0));
	ASSERT_EQ(0, edu_open(&e2, edu_names[2]));
	ASSERT_EQ(0, edu_bind(&e2, fd));
	ASSERT_EQ(0, edu_map_bar(&e2));

	/* No IOAS for VFIO's calls, then one in use. */
	ASSERT_EQ(-ENODEV, vfio_value(fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, iob_vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &ioas));
	ASSERT_EQ(0, edu_attach(&e2, ioas, NULL));
	ASSERT_EQ(-EBUSY, vfio_value(fd, VFIO_SET_IOMMU,
				     VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, edu_detach(&e2));
	ASSERT_EQ(0, vfio_value(fd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU));
	/* One type for the container's life; it answers for v2 alone. */
	ASSERT_EQ(-EINVAL, vfio_value(fd, VFIO_SET_IOMMU,
				      VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(-EINVAL, vfio_value(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(0, vfio_value(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU));
	ASSERT_EQ(1, vfio_value(fd, VFIO_CHECK_EXTENSION,
				VFIO_SPAPR_TCE_v2_IOMMU));
	/* It holds its IOAS; with no device it has no platform yet. */
	ASSERT_EQ(EBUSY, iob_destroy(fd, ioas));
	ASSERT_EQ(ENXIO, spapr_info(fd, &info));

	/* edu2 joins; the default window comes with the first map. */
	ASSERT_EQ(0, edu_attach(&e2, ioas, &pt));
	ASSERT_EQ(ioas, pt);
	ASSERT_EQ(0, spapr_info(fd, &info));
	ASSERT_EQ(0, spapr_register(fd, b, BUF_LEN));
	ASSERT_EQ(0, spapr_map(fd, b, 0x100000, SZ_64K, SPAPR_RW));
	ASSERT_EQ(0, spapr_create(fd, 16, SZ_1G, 1, &start));
	ASSERT_EQ(DDW, start);
	ASSERT_EQ(0, spapr_map(fd, b + SZ_64K, DDW, SZ_64K, SPAPR_RW));
	ASSERT_EQ(17, dev_live(edu_names[2], &nwin));
	ASSERT_EQ(2, nwin);

	/* edu0 joins late, gets every TCE at once, and its DMA arrives. */
	ASSERT_EQ(0, edu_attach(&e0, ioas, &pt));
	ASSERT_EQ(ioas, pt);
	ASSERT_EQ(17, dev_live(edu_names[0], NULL));
	memset(b + SZ_64K, 0, LEN);
	ASSERT_EQ(0, edu_copy(&e0, 0x100000 + 64, DDW, LEN));
	ASSERT_EQ(0, memcmp(b + 64, b + SZ_64K, LEN));

	/* Replaced out, to another IOAS, and back in; edu2 untouched. */
	ASSERT_EQ(0, edu_attach(&e0, other, &pt));
	ASSERT_NE(other, pt);
	ASSERT_EQ(0, dev_live(edu_names[0], NULL));
	ASSERT_EQ(17, dev_live(edu_names[2], NULL));
	ASSERT_EQ(0, edu_attach(&e0, ioas, &pt));
	ASSERT_EQ(ioas, pt);
	ASSERT_EQ(17, dev_live(edu_names[0], NULL));
	/* Detached: out, its DMA blocked; the container goes on. */
	ASSERT_EQ(0, edu_detach(&e0));
	ASSERT_EQ(0, dev_live(edu_names[0], &nwin));
	ASSERT_EQ(0, nwin);
	ASSERT_EQ(0, spapr_unmap(fd, DDW, SZ_64K, 0));
	ASSERT_EQ(16, dev_live(edu_names[2], NULL));

	/*
	 * A HWPT of the file's own on the container's IOAS, with edu0 on it:
	 * it gets the container's mappings, like any HWPT of an IOAS, and is
	 * not in the container.
	 */
	ASSERT_EQ(0, iob_hwpt_alloc_tce(fd, e0.dev_id, ioas, 256ULL << 20, 16,
					SZ_1G, &hwpt));
	ASSERT_EQ(0, edu_attach(&e0, hwpt, &pt));
	ASSERT_EQ(hwpt, pt);
	ASSERT_EQ(16, dev_live(edu_names[0], NULL));
	ASSERT_EQ(0, spapr_map(fd, b + SZ_64K, 0x200000, SZ_4K, SPAPR_RW));
	ASSERT_EQ(17, dev_live(edu_names[0], NULL));
	ASSERT_EQ(17, dev_live(edu_names[2], NULL));
	/*
	 * The HWPT's 32-bit window ends at 256 MiB, inside the container's:
	 * a run of pages stops there, EINVAL, and nothing changes.
	 */
	ASSERT_EQ(0, spapr_map(fd, b + 4 * SZ_64K, (256ULL << 20) - SZ_4K,
			       SZ_4K, SPAPR_RW));
	ASSERT_EQ(EINVAL, spapr_map(fd, b + 4 * SZ_64K + SZ_4K, 256ULL << 20,
				    SZ_4K, SPAPR_RW));
	ASSERT_EQ(18, dev_live(edu_names[0], NULL));
	ASSERT_EQ(18, dev_live(edu_names[2], NULL));
	ASSERT_EQ(0, spapr_unmap(fd, (256ULL << 20) - SZ_4K, SZ_4K, 0));
	ASSERT_EQ(17, dev_live(edu_names[0], NULL));

	/*
	 * The file closed first: the devices keep it until they go; then
	 * the mappings leave both page tables before the registration goes.
	 */
	close(fd);
	ASSERT_EQ(17, dev_live(edu_names[2], NULL));
	edu_close(&e2);
	ASSERT_EQ(17, dev_live(edu_names[0], NULL));
	edu_close(&e0);
	EXPECT_EQ(0, iob_hw_tces());
	EXPECT_EQ(pinned, module_pinned_pages());
	EXPECT_EQ(objects, iob_global_objects());
	munmap(b, BUF_LEN);
	vfio_release_dev(edu_names[0]);
	vfio_release_dev(edu_names[2]);
}

/*
 * Close orders: the container before the group, the group before the
 * container, and a process that exits with everything open and mapped.
 * Each leaves no TCE, pin, charge or object.
 */
static void populate(struct __test_metadata *_metadata, int *c, int *g,
		     struct edu *e, unsigned char *b)
{
	__u64 start;

	*c = open(VFIO_CONTAINER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *c);
	*g = vfio_group_open(edu_names[2]);
	ASSERT_LE(0, *g);
	ASSERT_EQ(0, vfio_set_container(*g, *c));
	ASSERT_EQ(0, vfio_set_iommu(*c, VFIO_SPAPR_TCE_v2_IOMMU));
	ASSERT_EQ(0, vfio_edu_open(e, *g, edu_names[2]));
	ASSERT_EQ(0, spapr_register(*c, b, 4 * SZ_64K));
	ASSERT_EQ(0, spapr_create(*c, 16, SZ_1G, 1, &start));
	ASSERT_EQ(0, spapr_map(*c, b, DDW, 4 * SZ_64K, SPAPR_RW));
	ASSERT_EQ(0, spapr_map(*c, b, 0, 4 * SZ_64K, SPAPR_RW));
	ASSERT_EQ(68, vfio_live_tces(pci_iommu_group(edu_names[2]), NULL));
	ASSERT_EQ(0, edu_dma(e, DDW, LEN, 0));
}

static void closed_clean(struct __test_metadata *_metadata, int order)
{
	long objects = iob_global_objects(), pinned = module_pinned_pages();
	unsigned char *b;
	int status;
	pid_t pid;

	b = mmap(NULL, 4 * SZ_64K, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	/* In a child charged for what it pins (no CAP_IPC_LOCK). */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long locked;
		struct edu e;
		int c, g;

		ASSERT_EQ(0, drop_ipc_lock());
		locked = vm_pages("VmLck:");
		populate(_metadata, &c, &g, &e, b);
		ASSERT_EQ(locked + 4, vm_pages("VmLck:"));
		if (order < 2) {
			edu_close(&e);
			close(order ? g : c);
			close(order ? c : g);
			ASSERT_EQ(locked, vm_pages("VmLck:"));
			ASSERT_EQ(0, iob_hw_tces());
		}
		_exit(_metadata->exit_code);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, iob_hw_tces());
	ASSERT_EQ(pinned, module_pinned_pages());
	ASSERT_EQ(objects, iob_global_objects());
	munmap(b, 4 * SZ_64K);
	vfio_release_dev(edu_names[2]);
}

TEST(close_container_first)
{
	closed_clean(_metadata, 0);
}

TEST(close_group_first)
{
	closed_clean(_metadata, 1);
}

TEST(close_by_exit)
{
	closed_clean(_metadata, 2);
}

/*
 * Two VFIO_SET_IOMMU(v2) calls racing on one /dev/iommu file while the
 * test maps and unmaps on the file's IOAS. Both calls may find the IOAS
 * empty and build a container; the one that loses the publication frees
 * its own on the spot. That container has registered nothing, so it must
 * leave the IOAS alone: it used to unmap everything on it, which took
 * away a map of the file's own, or WARNed over one in flight.
 */
#define TYPE_RACE_SECONDS 3

struct type_race {
	int fd;
	pthread_barrier_t go, done;
	int setters_left;
	long rc[2];
	int quit;
};

struct type_setter {
	struct type_race *race;
	int idx;
};

static void *type_setter(void *arg)
{
	struct type_setter *t = arg;
	struct type_race *r = t->race;

	for (;;) {
		pthread_barrier_wait(&r->go);
		if (__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE))
			return NULL;
		r->rc[t->idx] = vfio_value(r->fd, VFIO_SET_IOMMU,
					   VFIO_SPAPR_TCE_v2_IOMMU);
		__atomic_fetch_sub(&r->setters_left, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->done);
	}
}

TEST(set_iommu_race)
{
	long objects = iob_global_objects(), pinned = module_pinned_pages();
	long rounds = 0, won = 0, lost = 0, busy = 0, maps = 0;
	struct type_setter t[2];
	struct type_race r = { 0 };
	pthread_t th[2];
	__u64 unmapped;
	time_t end;
	__u32 ioas;
	void *b;
	int i;

	b = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 3));
	ASSERT_EQ(0, pthread_barrier_init(&r.done, NULL, 3));
	for (i = 0; i < 2; i++) {
		t[i].race = &r;
		t[i].idx = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, type_setter, &t[i]));
	}
	end = time(NULL) + TYPE_RACE_SECONDS;
	while (time(NULL) < end) {
		r.fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, iob_ioas_alloc(r.fd, &ioas));
		ASSERT_EQ(0, iob_vfio_ioas(r.fd, IOMMU_VFIO_IOAS_SET, &ioas));
		r.setters_left = 2;
		pthread_barrier_wait(&r.go);
		/* Whatever the file's own map meets, it stays until unmapped. */
		do {
			ASSERT_EQ(0, iob_map_fixed(r.fd, ioas, b, SZ_64K,
						   SZ_1G));
			unmapped = 0;
			ASSERT_EQ(0, iob_unmap(r.fd, ioas, SZ_1G, SZ_64K,
					       &unmapped));
			ASSERT_EQ(SZ_64K, unmapped);
			maps++;
		} while (__atomic_load_n(&r.setters_left, __ATOMIC_ACQUIRE));
		pthread_barrier_wait(&r.done);
		/* One container at most; the other call EINVAL or EBUSY. */
		for (i = 0; i < 2; i++) {
			if (!r.rc[i])
				continue;
			ASSERT_TRUE(r.rc[i] == -EINVAL || r.rc[i] == -EBUSY)
				TH_LOG("SET_IOMMU: %s", strerror(-r.rc[i]));
			busy += r.rc[i] == -EBUSY;
			lost += r.rc[i] == -EINVAL;
		}
		ASSERT_FALSE(!r.rc[0] && !r.rc[1]);
		won += !r.rc[0] || !r.rc[1];
		/* The container holds the IOAS for the file's life. */
		if (!r.rc[0] || !r.rc[1])
			ASSERT_EQ(EBUSY, iob_destroy(r.fd, ioas));
		ASSERT_EQ(0, close(r.fd));
		rounds++;
	}
	__atomic_store_n(&r.quit, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&r.go);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ksft_print_msg("%ld rounds: %ld containers, %ld EINVAL, %ld EBUSY, %ld maps\n",
		       rounds, won, lost, busy, maps);
	ASSERT_LT(0, won);
	ASSERT_EQ(objects, iob_global_objects());
	ASSERT_EQ(pinned, module_pinned_pages());
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.done);
	munmap(b, SZ_64K);
}

TEST_HARNESS_MAIN
