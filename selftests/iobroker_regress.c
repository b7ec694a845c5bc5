// SPDX-License-Identifier: GPL-2.0
/*
 * Regression tests for defects a hostile review found, each written
 * before its fix and failing on the code before it:
 *
 *  - allocations sized by userspace: IOMMU_IOAS_COPY doubling a range of
 *    one-byte mappings until an array of one slot per area was past what
 *    kmalloc() can give (a WARN, so a panic with panic_on_warn), and
 *    IOMMU_IOAS_IOVA_RANGES with more holes than one kmalloc() holds;
 *    now an IOAS holds a bounded number of areas and reserved ranges, and
 *    nothing is sized by either;
 *  - a pseries page table listed for statistics before it was complete;
 *  - kernel-chosen IOVAs for IO pages larger than a PMD (16 MiB TCEs);
 *  - IOMMU_IOAS_COPY making areas that break the IOAS's alignment;
 *  - the rollback of a map whose reply cannot be written, racing with
 *    other threads' unmaps and maps of the same IOVAs;
 *  - errnos that differed from Linux 6.12's for the same bad input.
 *
 * Some tests build hundreds of thousands of objects in the kernel, up to
 * the bounds; under TCG, KASAN and kmemleak that takes a minute or two.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"
#include "iob_edu.h"

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30U << 26)
#endif

#define SZ_16M 0x1000000ULL
#define SZ_1G 0x40000000ULL
#define BASE_IOVA 0x10000000000ULL
#define AREA_LIMIT_PARAM "/sys/module/iobroker/parameters/max_ioas_areas"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long read_long(const char *path)
{
	char val[32];

	if (sysfs_read(path, val, sizeof(val)))
		return -1;
	return strtol(val, NULL, 0);
}

FIXTURE(regress) {
	int fd;
	__u32 ioas;
	long objects;
	long pinned;
};

FIXTURE_SETUP(regress)
{
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas));
}

FIXTURE_TEARDOWN(regress)
{
	EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->objects, iob_global_objects());
}

/*
 * Item 1, as the review found it: one byte mapped with no page table,
 * then the range copied onto its own tail, doubling the number of areas
 * each time. Nothing is pinned, so RLIMIT_MEMLOCK never stops it; the
 * area limit of the IOAS does, with ENOSPC, at exactly its value.
 */
TEST_F_TIMEOUT(regress, copy_doubling_stops_at_area_limit, 600)
{
	__u64 len = 1, areas = 1, iova, unmapped;
	double start = now();
	long limit;
	__u32 other;
	int rc;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer, 1,
				   BASE_IOVA));
	for (;;) {
		iova = BASE_IOVA + len;
		rc = iob_copy(self->fd, self->ioas, &iova, self->ioas,
			      BASE_IOVA, len,
			      IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
		if (rc)
			break;
		len *= 2;
		areas *= 2;
		/* Past 2^20 areas, where the old code warned. */
		if (areas > (1ULL << 21))
			break;
	}
	TH_LOG("%llu areas in %.1f s, then %s", (unsigned long long)areas,
	       now() - start, strerror(rc));
	limit = read_long(AREA_LIMIT_PARAM);
	ASSERT_LT(0, limit);
	ASSERT_EQ(ENOSPC, rc);
	/* The limit is a power of two, so doubling reaches it exactly. */
	ASSERT_EQ((__u64)limit, areas);

	/*
	 * At the limit: one more area is refused; one less makes room, and
	 * [BASE_IOVA - 1, BASE_IOVA + len - 2] is then as many areas as an
	 * IOAS may hold, back to back.
	 */
	EXPECT_EQ(ENOSPC, iob_map_fixed(self->fd, self->ioas, buffer, 1,
					BASE_IOVA - 1));
	iova = BASE_IOVA - 1;
	EXPECT_EQ(ENOSPC, iob_copy(self->fd, self->ioas, &iova, self->ioas,
				   BASE_IOVA, 1,
				   IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, BASE_IOVA + len - 1, 1,
			       &unmapped));
	EXPECT_EQ(1, unmapped);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer, 1,
				   BASE_IOVA - 1));

	/*
	 * The largest copy there can be: every area of the IOAS, in one call,
	 * into an empty IOAS, where the kernel chooses the IOVA.
	 */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &other));
	start = now();
	iova = 0;
	ASSERT_EQ(0, iob_copy(self->fd, other, &iova, self->ioas,
			      BASE_IOVA - 1, len, IOB_RW));
	TH_LOG("one copy of %ld areas in %.1f s", limit, now() - start);
	ASSERT_EQ(0, iob_unmap(self->fd, other, 0, UINT64_MAX, &unmapped));
	EXPECT_EQ(len, unmapped);
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, 0, UINT64_MAX,
			       &unmapped));
	EXPECT_EQ(len, unmapped);
}

/*
 * Item 1, the IOVA ranges: reserved bytes with a gap between each two,
 * added until the kernel refuses, make one hole more than there are
 * reserved ranges. 2^20 of them were one more than a kmalloc()ed array of
 * ranges could hold; an IOAS now holds at most 65536 reserved ranges,
 * and the reply streams the holes.
 */
#define MAX_RESERVED 65536

TEST_F_TIMEOUT(regress, iova_ranges_bounded_and_streamed, 600)
{
	struct iommu_iova_range *r;
	double start = now();
	__u32 i, nres, nholes, num = 0;
	__u64 align;
	int rc = 0;

	for (i = 0; i < (1U << 20) && !rc; i++)
		rc = iob_add_reserved(self->fd, self->ioas, 2ULL * i + 1, 1);
	nres = rc ? i - 1 : i;
	nholes = nres + 1;
	TH_LOG("%u reserved ranges in %.1f s, then %s", nres, now() - start,
	       strerror(rc));

	EXPECT_EQ(EMSGSIZE, iob_iova_ranges(self->fd, self->ioas, NULL, &num,
					    &align));
	EXPECT_EQ(nholes, num);
	r = mmap(NULL, nholes * sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	/* Room for all but the last: the first ones arrive, EMSGSIZE. */
	num = nholes - 1;
	EXPECT_EQ(EMSGSIZE, iob_iova_ranges(self->fd, self->ioas, r, &num,
					    NULL));
	EXPECT_EQ(nholes, num);
	EXPECT_EQ(2ULL * (nres - 1), r[nres - 1].start);
	num = nholes;
	ASSERT_EQ(0, iob_iova_ranges(self->fd, self->ioas, r, &num, &align));
	ASSERT_EQ(nholes, num);
	EXPECT_EQ(1, align);
	for (i = 0; i < nres; i++) {
		ASSERT_EQ(2ULL * i, r[i].start);
		ASSERT_EQ(2ULL * i, r[i].last);
	}
	EXPECT_EQ(2ULL * nres, r[nres].start);
	EXPECT_EQ(UINT64_MAX, r[nres].last);
	munmap(r, nholes * sizeof(*r));

	EXPECT_EQ(ENOSPC, rc);
	EXPECT_EQ(MAX_RESERVED, nres);
}

/*
 * Item 1, TCE tables: a window's size is the caller's choice, up to the
 * platform's most entries. The largest one is built from levels of at
 * most a page, whatever depth the hypervisor's table has; one entry
 * more is EINVAL.
 */
TEST_F(regress, largest_tce_windows)
{
	__u32 idev, stdev, hwpt;

	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, self->ioas,
					   MOCK_FLAGS_DEVICE_IOB_PSERIES,
					   &stdev, NULL, &idev));
	EXPECT_EQ(0, iob_hwpt_alloc_tce(self->fd, idev, self->ioas, 0, 12,
					1ULL << 36, &hwpt));
	EXPECT_EQ(0, iob_destroy(self->fd, hwpt));
	EXPECT_EQ(0, iob_hwpt_alloc_tce(self->fd, idev, self->ioas, 0, 16,
					1ULL << 40, &hwpt));
	EXPECT_EQ(0, iob_destroy(self->fd, hwpt));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_tce(self->fd, idev, self->ioas, 0,
					     12, 1ULL << 37, &hwpt));
	EXPECT_EQ(EINVAL, iob_hwpt_alloc_tce(self->fd, idev, self->ioas,
					     1ULL << 30, 16, 1ULL << 41,
					     &hwpt));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
}

/*
 * Item 2: a pseries page table must not be listed for statistics before
 * it is complete. HWPT_ALLOC and DESTROY on an edu device, over and over,
 * against a reader of IOMMU_TEST_OP_IOB_STATS on another file.
 */
struct stats_race {
	atomic_int stop;
	long reads;
	long errors;
};

static void *stats_reader(void *arg)
{
	struct stats_race *s = arg;
	int fd = iob_open();

	if (fd < 0) {
		s->errors++;
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		if (iob_hw_tces_fd(fd) < 0)
			s->errors++;
		s->reads++;
	}
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(regress, pseries_hwpt_alloc_against_stats, 120)
{
	struct stats_race s = { 0 };
	char names[EDU_MAX][32];
	long allocs = 0;
	struct edu e;
	pthread_t th;
	__u32 hwpt;
	double end;

	ASSERT_LE(1, edu_find(names, EDU_MAX));
	ASSERT_EQ(0, pci_bind(names[0], EDU_DRIVER));
	ASSERT_EQ(0, edu_open(&e, names[0]));
	ASSERT_EQ(0, edu_bind(&e, self->fd));
	ASSERT_EQ(0, pthread_create(&th, NULL, stats_reader, &s));
	end = now() + 5;
	while (now() < end) {
		/* The default window, then both windows. */
		ASSERT_EQ(0, iob_hwpt_alloc(self->fd, e.dev_id, self->ioas, 0,
					    &hwpt));
		ASSERT_EQ(0, iob_destroy(self->fd, hwpt));
		ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, e.dev_id,
						self->ioas, 1ULL << 28, 16,
						1ULL << 32, &hwpt));
		ASSERT_EQ(0, iob_destroy(self->fd, hwpt));
		allocs += 2;
	}
	atomic_store(&s.stop, 1);
	pthread_join(th, NULL);
	TH_LOG("%ld page tables made and freed, %ld statistics read",
	       allocs, s.reads);
	EXPECT_LT(0, s.reads);
	EXPECT_EQ(0, s.errors);
	edu_close(&e);
}

/*
 * Item 3: IO pages of 16 MiB make the IOAS's alignment larger than a PMD;
 * a map whose memory is that aligned gets a kernel-chosen IOVA too. The
 * memory is a 1 GiB huge page, which the rig reserves at boot: 16 MiB
 * IO pages need memory that is physically contiguous that far.
 */
static void *giant_page(void)
{
	void *p = mmap(NULL, SZ_1G, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		       MAP_HUGE_1GB | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST_F(regress, kernel_iova_for_16m_io_pages_mock)
{
	__u32 hwpt, num = 1;
	struct iommu_iova_range range;
	__u64 iova = 0, iova2 = 0, align;
	char *g = giant_page();

	ASSERT_NE(NULL, g) TH_LOG("the rig reserves one 1 GiB huge page");
	memset(g, 0x3c, 2 * SZ_16M);
	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, self->ioas,
					   MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(24),
					   NULL, &hwpt, NULL));
	ASSERT_EQ(0, iob_iova_ranges(self->fd, self->ioas, &range, &num,
				     &align));
	ASSERT_EQ(SZ_16M, align);

	ASSERT_EQ(0, iob_map(self->fd, self->ioas, g, 2 * SZ_16M, &iova));
	EXPECT_EQ(0, iova % SZ_16M);
	EXPECT_LE(MOCK_APERTURE_START, iova);
	EXPECT_GE(MOCK_APERTURE_LAST, iova + 2 * SZ_16M - 1);
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, iova, g, 2 * SZ_16M));
	ASSERT_EQ(0, iob_map(self->fd, self->ioas, g + 2 * SZ_16M, SZ_16M,
			     &iova2));
	EXPECT_EQ(0, iova2 % SZ_16M);
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, iova2, g + 2 * SZ_16M,
				   SZ_16M));
	/* Memory less aligned than the IO page cannot be mapped. */
	EXPECT_EQ(EINVAL, iob_map(self->fd, self->ioas, g + page_size,
				  SZ_16M, NULL));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
	munmap(g, SZ_1G);
}

/* Item 3 on real TCE tables: edu DMA through a window of 16 MiB TCEs. */
TEST_F_TIMEOUT(regress, kernel_iova_for_16m_io_pages_edu, 120)
{
	char names[EDU_MAX][32];
	unsigned char *g = giant_page();
	__u64 iova = 0;
	struct edu e;
	__u32 hwpt;
	size_t i;

	ASSERT_NE(NULL, g) TH_LOG("the rig reserves one 1 GiB huge page");
	ASSERT_LE(1, edu_find(names, EDU_MAX));
	ASSERT_EQ(0, pci_bind(names[0], EDU_DRIVER));
	ASSERT_EQ(0, edu_open(&e, names[0]));
	ASSERT_EQ(0, edu_bind(&e, self->fd));
	ASSERT_EQ(0, edu_map_bar(&e));
	/* Only a 64-bit window, of 16 MiB TCEs. */
	ASSERT_EQ(0, iob_hwpt_alloc_tce(self->fd, e.dev_id, self->ioas, 0, 24,
					SZ_1G, &hwpt));
	ASSERT_EQ(0, edu_attach(&e, hwpt, NULL));

	for (i = 0; i < EDU_MAX_DMA; i++)
		g[i] = (unsigned char)(i * 7 + 3);
	memset(g + SZ_16M, 0, EDU_MAX_DMA + 0x100);
	ASSERT_EQ(0, iob_map(self->fd, self->ioas, g, 2 * SZ_16M, &iova));
	EXPECT_EQ(0, iova % SZ_16M);
	EXPECT_LE(EDU_DDW_START, iova);
	/* From the first TCE to the second. */
	ASSERT_EQ(0, edu_copy(&e, iova, iova + SZ_16M + 0x100, EDU_MAX_DMA));
	EXPECT_EQ(0, memcmp(g, g + SZ_16M + 0x100, EDU_MAX_DMA));

	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
	ASSERT_EQ(0, edu_detach(&e));
	ASSERT_EQ(0, iob_destroy(self->fd, hwpt));
	edu_close(&e);
	munmap(g, SZ_1G);
}

/*
 * Item 4: areas copied from an IOAS of alignment 1 into one of PAGE_SIZE
 * must each be aligned there, not only the whole range.
 */
TEST_F(regress, copy_keeps_every_area_aligned)
{
	__u64 cut = 100, iova, num = 1;
	__u32 dst, stdev, flags;

	/*
	 * One page of IOVA in two back to back areas, split at byte 100;
	 * each area starts at the beginning of a page of memory, so only
	 * the IOVA and the length of the second one are out of line.
	 */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer, cut,
				   BASE_IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer + page_size,
				   page_size - cut, BASE_IOVA + cut));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &dst));
	/* Large pages off: the destination needs PAGE_SIZE alignment. */
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, dst,
				    0));

	iova = MOCK_APERTURE_START;
	EXPECT_EQ(EINVAL, iob_copy(self->fd, dst, &iova, self->ioas,
				   BASE_IOVA, page_size,
				   IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	iova = 0;
	EXPECT_EQ(EINVAL, iob_copy(self->fd, dst, &iova, self->ioas,
				   BASE_IOVA, page_size, IOB_RW));
	/* Nothing went in, so a mock device still attaches. */
	EXPECT_EQ(0, iob_unmap(self->fd, dst, 0, UINT64_MAX, &num));
	EXPECT_EQ(0, num);
	flags = MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(__builtin_ctzl(page_size));
	ASSERT_EQ(0, iob_mock_domain_flags(self->fd, dst, flags, &stdev, NULL,
					   NULL));
	/* A copy of whole pages still works. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer + 2 * page_size,
				   page_size, BASE_IOVA + 4 * page_size));
	iova = MOCK_APERTURE_START;
	EXPECT_EQ(0, iob_copy(self->fd, dst, &iova, self->ioas,
			      BASE_IOVA + 4 * page_size, page_size,
			      IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
}

/*
 * Item 5: a map whose reply cannot be written fails with EFAULT and must
 * take back exactly what it made, while another thread unmaps and maps
 * the same IOVA. The other thread must never meet the failed call's
 * mapping, and its own mapping must never vanish.
 */
#define RACE_IOVA (BASE_IOVA + (1ULL << 30))

struct reply_race {
	int fd;
	__u32 ioas;
	struct iommu_ioas_map *cmd;	/* in a read-only page */
	atomic_int stop;
	long efault;
	long other;
};

static void *failing_mapper(void *arg)
{
	struct reply_race *r = arg;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_ioctl(r->fd, IOMMU_IOAS_MAP, r->cmd);
		if (rc == EFAULT)
			r->efault++;
		else if (rc != EEXIST)
			r->other++;
	}
	return NULL;
}

TEST_F_TIMEOUT(regress, failed_reply_rollback_is_exact, 120)
{
	struct reply_race r = { .fd = self->fd, .ioas = self->ioas };
	const __u64 la = 2 * page_size, lb = page_size;
	long mine = 0, saw_failed = 0, vanished = 0, odd = 0;
	__u64 unmapped;
	pthread_t th;
	double end;
	int rc;

	r.cmd = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r.cmd);
	*r.cmd = (struct iommu_ioas_map) {
		.size = sizeof(*r.cmd),
		.flags = IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = self->ioas,
		.user_va = (uintptr_t)buffer,
		.length = la,
		.iova = RACE_IOVA,
	};
	ASSERT_EQ(0, mprotect(r.cmd, page_size, PROT_READ));
	ASSERT_EQ(0, pthread_create(&th, NULL, failing_mapper, &r));

	end = now() + 5;
	while (now() < end) {
		rc = iob_map_fixed(self->fd, self->ioas, buffer + la, lb,
				   RACE_IOVA);
		if (rc == EEXIST) {
			/* Only the failing call can be there: clear it. */
			rc = iob_unmap(self->fd, self->ioas, RACE_IOVA, la,
				       &unmapped);
			if (!rc)
				saw_failed++;
			else if (rc != EBUSY && rc != ENOENT)
				odd++;
			continue;
		}
		if (rc) {
			odd++;
			continue;
		}
		mine++;
		rc = iob_unmap(self->fd, self->ioas, RACE_IOVA, lb, &unmapped);
		if (rc || unmapped != lb)
			vanished++;
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	TH_LOG("%ld maps of mine, %ld EFAULTs, %ld failed mappings met, %ld of mine vanished",
	       mine, r.efault, saw_failed, vanished);
	EXPECT_LT(0, mine);
	EXPECT_LT(0, r.efault);
	EXPECT_EQ(0, r.other);
	EXPECT_EQ(0, odd);
	EXPECT_EQ(0, saw_failed);
	EXPECT_EQ(0, vanished);
	/* The failed calls left nothing behind. */
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas, 0, UINT64_MAX,
			       &unmapped));
	EXPECT_EQ(0, unmapped);
	munmap(r.cmd, page_size);
}

/* Item 6: the errno Linux 6.12 gives for the same bad input. */
TEST_F(regress, errno_parity_with_linux)
{
	__u64 iova = 0, val = 7;
	__u32 bad = 9999;

	/* IOAS_COPY: the source range is checked before the destination. */
	EXPECT_EQ(EINVAL, iob_copy(self->fd, bad, &iova, self->ioas, 0, 0,
				   IOB_RW));
	EXPECT_EQ(EOVERFLOW, iob_copy(self->fd, bad, &iova, self->ioas,
				      1ULL << 63, (1ULL << 63) + 1, IOB_RW));
	EXPECT_EQ(ENOENT, iob_copy(self->fd, bad, &iova, self->ioas,
				   BASE_IOVA, 1, IOB_RW));
	EXPECT_EQ(ENOENT, iob_copy(self->fd, self->ioas, &iova, bad, 0, 0,
				   IOB_RW));

	/* HUGE_PAGES: the object is looked up before the operation. */
	EXPECT_EQ(ENOENT, iob_option(self->fd, IOMMU_OPTION_HUGE_PAGES, 2, 0,
				     &val));
	EXPECT_EQ(ENOENT, iob_option(self->fd, IOMMU_OPTION_HUGE_PAGES, 2, bad,
				     &val));
	EXPECT_EQ(EOPNOTSUPP, iob_option(self->fd, IOMMU_OPTION_HUGE_PAGES, 2,
					 self->ioas, &val));

	/* RLIMIT_MODE: a file holding objects is busy, whatever the value. */
	EXPECT_EQ(EBUSY, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					2));
	EXPECT_EQ(EBUSY, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					1));
	EXPECT_EQ(0, iob_destroy(self->fd, self->ioas));
	EXPECT_EQ(EINVAL, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					 2));
	EXPECT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
}

TEST_HARNESS_MAIN
