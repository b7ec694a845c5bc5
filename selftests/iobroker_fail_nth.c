// SPDX-License-Identifier: GPL-2.0
/*
 * Fault-injection sweep. Each test runs one sequence of calls that
 * succeeds, then runs it again with the Nth failure point of the calling
 * thread made to fail (/proc/thread-self/fail-nth), for N = 1, 2, ...
 * until a run meets fewer than N points. The points are every slab and
 * page allocation (failslab, fail_page_alloc) and iobroker's own
 * (fail_iobroker: object allocation and lookup, pinning, accounting, TCE
 * programming, brief pins of copies). Whatever fails, after the files are
 * closed the module must hold no pinned page, no TCE and no object, and
 * the user's locked_vm must be back; a WARN panics the guest and kmemleak
 * runs at the end of the suite. Each test prints how many points its
 * sequence reached.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"
#include "iob_edu.h"
#include "iob_pci.h"

#define IOVA ((__u64)MOCK_APERTURE_START)
#define DDW ((__u64)1 << 59)
/* A sequence that needs more points than this is a test bug. */
#define MAX_POINTS 5000

/* This thread's fail-nth: each test runs in a process of its own. */
static int nth_fd = -1;
static int injection_ready;

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * Let every allocation be failed, GFP_KERNEL ones included, and keep the
 * log quiet: what is looked for is a splat, not the injections.
 */
static int setup_injection(void)
{
	DIR *d = opendir("/sys/kernel/debug");
	struct dirent *de;
	char path[512];

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/verbose",
			 de->d_name);
		write_str(path, "0");
	}
	closedir(d);
	if (write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
		      "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem",
		      "N"))
		return -1;
	return access("/sys/kernel/debug/fail_iobroker/probability", F_OK);
}

static void set_nth(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	/* Disabling can itself meet the failure: then try again. */
	while (pwrite(nth_fd, buf, len, 0) != len && errno == EFAULT)
		;
}

/* Points left before the failure; 0 once it was injected. */
static unsigned int get_nth(void)
{
	char buf[16] = "";
	ssize_t n;

	n = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/* Failures injected so far at iobroker's own points. */
static long own_injected(void)
{
	char buf[32] = "";
	int fd = open("/sys/kernel/debug/fail_iobroker/injected", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* What a sequence opened, for the sweep to close; -1 for nothing. */
struct seq {
	int fd;
	int afd;
	struct edu e;
	struct edu e2;
	char *mem;
	size_t len;
};

typedef int (*seq_fn)(struct seq *s);

/* The first edu the rig gives, handed to iobroker-pci. */
static char edu_name[32];

static void seq_close(struct seq *s)
{
	if (s->afd >= 0)
		close(s->afd);
	edu_close(&s->e);
	edu_close(&s->e2);
	if (s->fd >= 0)
		close(s->fd);
	s->afd = -1;
	s->fd = -1;
}

/* ioas.c: alloc, ranges, allowed ranges, map, copy, option, unmap. */
static int seq_ioas(struct seq *s)
{
	struct iommu_iova_range r[4] = {
		{ .start = IOVA, .last = IOVA + 64 * s->len - 1 },
	};
	__u32 num = 1, a, b;
	__u64 align, iova = IOVA, dst = 0, got;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &a))
		return -1;
	if (iob_ioas_alloc(s->fd, &b))
		return -1;
	if (iob_allow_iovas(s->fd, a, r, 1))
		return -1;
	num = ARRAY_SIZE(r);
	if (iob_iova_ranges(s->fd, a, r, &num, &align))
		return -1;
	if (iob_map_fixed(s->fd, a, s->mem, s->len, iova))
		return -1;
	if (iob_map(s->fd, a, s->mem, s->len, &iova))
		return -1;
	if (iob_copy(s->fd, b, &dst, a, IOVA, s->len, IOB_RW))
		return -1;
	if (iob_option_get(s->fd, IOMMU_OPTION_HUGE_PAGES, b, &got))
		return -1;
	if (iob_unmap(s->fd, a, IOVA, s->len, NULL))
		return -1;
	if (iob_unmap(s->fd, b, 0, UINT64_MAX, NULL))
		return -1;
	if (iob_destroy(s->fd, b))
		return -1;
	return 0;
}

/* A mock device: pins and TCEs at attach, more at map, checked. */
static int seq_mock_domain(struct seq *s)
{
	__u32 ioas, stdev, hwpt;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &ioas))
		return -1;
	if (iob_map_fixed(s->fd, ioas, s->mem, s->len / 2, IOVA))
		return -1;
	if (iob_mock_domain(s->fd, ioas, &stdev, &hwpt, NULL))
		return -1;
	if (iob_map_fixed(s->fd, ioas, s->mem + s->len / 2, s->len / 2,
			  IOVA + s->len))
		return -1;
	if (iob_check_map(s->fd, hwpt, IOVA, s->mem, s->len / 2))
		return -1;
	if (iob_unmap(s->fd, ioas, 0, UINT64_MAX, NULL))
		return -1;
	if (iob_destroy(s->fd, stdev))
		return -1;
	return 0;
}

/*
 * VFIO's type1 on /dev/iommu: a container over a mock device's IOAS, one
 * MAP_DMA, an UNMAP_DMA from its middle (two cuts) and one of the rest.
 */
static int seq_vfio_type1(struct seq *s)
{
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)s->mem,
		.iova = IOVA,
		.size = s->len,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = IOVA + page_size,
		.size = 2 * page_size,
	};

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &set.ioas_id))
		return -1;
	if (iob_mock_domain(s->fd, set.ioas_id, NULL, NULL, NULL))
		return -1;
	if (iob_ioctl(s->fd, IOMMU_VFIO_IOAS, &set))
		return -1;
	if (ioctl(s->fd, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU))
		return -1;
	if (iob_ioctl(s->fd, VFIO_IOMMU_MAP_DMA, &map))
		return -1;
	if (iob_ioctl(s->fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -1;
	if (unmap.size != 2 * page_size)
		return -1;
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	unmap.iova = 0;
	unmap.size = 0;
	if (iob_ioctl(s->fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -1;
	return unmap.size == s->len - 2 * page_size ? 0 : -1;
}

/* Replace: a device between two IOASes, through a HWPT of its own. */
static int seq_replace(struct seq *s)
{
	__u32 a, b, stdev, idev, hwpt2, cur;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &a))
		return -1;
	if (iob_ioas_alloc(s->fd, &b))
		return -1;
	if (iob_map_fixed(s->fd, a, s->mem, s->len, IOVA))
		return -1;
	if (iob_map_fixed(s->fd, b, s->mem, s->len, IOVA + s->len))
		return -1;
	if (iob_mock_domain(s->fd, a, &stdev, NULL, &idev))
		return -1;
	if (iob_hwpt_alloc(s->fd, idev, b, 0, &hwpt2))
		return -1;
	if (iob_mock_replace(s->fd, stdev, hwpt2, &cur))
		return -1;
	if (iob_mock_replace(s->fd, stdev, a, &cur))
		return -1;
	if (iob_destroy(s->fd, hwpt2))
		return -1;
	return 0;
}

/* TCE windows: a pseries-shaped mock, a HWPT with a 64-bit window. */
static int seq_tce_windows(struct seq *s)
{
	__u32 a, b, stdev, idev, hwpt;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &a))
		return -1;
	if (iob_ioas_alloc(s->fd, &b))
		return -1;
	if (iob_mock_domain_flags(s->fd, a, MOCK_FLAGS_DEVICE_IOB_PSERIES,
				  &stdev, NULL, &idev))
		return -1;
	if (iob_map_fixed(s->fd, a, s->mem, s->len, 1ULL << 20))
		return -1;
	if (iob_hwpt_alloc_tce(s->fd, idev, b, 1ULL << 28, 16, 1ULL << 32,
			       &hwpt))
		return -1;
	if (iob_map_fixed(s->fd, b, s->mem, s->len, DDW))
		return -1;
	if (iob_mock_replace(s->fd, stdev, hwpt, NULL))
		return -1;
	if (iob_unmap(s->fd, b, DDW, s->len, NULL))
		return -1;
	return 0;
}

/* An access: pin, copies on both paths, an unmap its callback serves. */
static int seq_access(struct seq *s)
{
	char tmp[256];
	__u32 ioas, item;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &ioas))
		return -1;
	if (iob_create_access(s->fd, ioas,
			      MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			      &s->afd))
		return -1;
	if (iob_map_fixed(s->fd, ioas, s->mem, s->len, IOVA))
		return -1;
	if (iob_access_pages(s->fd, s->afd, IOVA, 2 * page_size, s->mem, 0,
			     &item))
		return -1;
	if (iob_access_rw(s->fd, s->afd, IOVA + 100, tmp, sizeof(tmp), 0))
		return -1;
	if (iob_access_rw(s->fd, s->afd, IOVA + page_size - 100, tmp,
			  sizeof(tmp),
			  MOCK_ACCESS_RW_SLOW_PATH | MOCK_ACCESS_RW_WRITE))
		return -1;
	/* Past the pinned pages the slow path pins briefly. */
	if (iob_access_rw(s->fd, s->afd, IOVA + 3 * page_size, tmp,
			  sizeof(tmp), MOCK_ACCESS_RW_SLOW_PATH))
		return -1;
	if (iob_unmap(s->fd, ioas, IOVA, s->len, NULL))
		return -1;
	if (iob_destroy_access_pages(s->fd, s->afd, item) != ENOENT)
		return -1;
	return 0;
}

/* An access pinning under a page table, then moved to another IOAS. */
static int seq_access_replace(struct seq *s)
{
	char tmp[64];
	__u32 a, b, item;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (iob_ioas_alloc(s->fd, &a))
		return -1;
	if (iob_ioas_alloc(s->fd, &b))
		return -1;
	if (iob_mock_domain(s->fd, a, NULL, NULL, NULL))
		return -1;
	if (iob_map_fixed(s->fd, a, s->mem, s->len, IOVA))
		return -1;
	if (iob_map_fixed(s->fd, b, s->mem, s->len, IOVA))
		return -1;
	if (iob_create_access(s->fd, a,
			      MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
			      &s->afd))
		return -1;
	if (iob_access_pages(s->fd, s->afd, IOVA, page_size, NULL, 0, &item))
		return -1;
	if (iob_access_replace_ioas(s->fd, s->afd, b))
		return -1;
	if (iob_access_rw(s->fd, s->afd, IOVA, tmp, sizeof(tmp), 0))
		return -1;
	if (iob_access_pages(s->fd, s->afd, IOVA, page_size, NULL, 0, &item))
		return -1;
	return 0;
}

/* A real device: bind, attach (windows, hypercalls), map, detach. */
static int seq_edu(struct seq *s)
{
	__u32 ioas, hwpt;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (edu_open(&s->e, edu_name))
		return -1;
	if (edu_bind(&s->e, s->fd))
		return -1;
	if (iob_ioas_alloc(s->fd, &ioas))
		return -1;
	if (iob_map_fixed(s->fd, ioas, s->mem, s->len, 1ULL << 20))
		return -1;
	if (edu_attach(&s->e, ioas, &hwpt))
		return -1;
	if (iob_map_fixed(s->fd, ioas, s->mem, s->len, 1ULL << 22))
		return -1;
	if (iob_unmap(s->fd, ioas, 1ULL << 20, s->len, NULL))
		return -1;
	if (edu_detach(&s->e))
		return -1;
	return 0;
}

/*
 * The third edu, which is in another group than the first: handed to
 * vfio-pci for VFIO's container (its group's file in spapr_group), or to
 * iobroker-pci as a second group of /dev/iommu's; "" if none.
 */
static char edu2_name[32];
static char spapr_group[32];

/*
 * The calls of a sPAPR TCE v2 container @s->fd, with a device in it:
 * registration, windows remade, maps that replace and unmaps that cut
 * inside a page.
 */
static int spapr_calls(struct seq *s)
{
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg),
		.vaddr = (__u64)(unsigned long)s->mem,
		.size = s->len,
	};
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr),
		.page_shift = 16,
		.window_size = 1ULL << 30,
		.levels = 1,
	};
	struct vfio_iommu_spapr_tce_remove rm = { .argsz = sizeof(rm) };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (__u64)(unsigned long)s->mem,
		.iova = DDW,
		.size = s->len,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = DDW + page_size,
		.size = page_size,
	};

	if (iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &reg) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_MAP_DMA, &map))
		return -1;
	/* One page over again, then one page out of the middle. */
	map.size = page_size;
	map.iova = DDW + page_size;
	if (iob_ioctl(s->fd, VFIO_IOMMU_MAP_DMA, &map) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -1;
	/* The 32-bit window: 4 KiB TCEs, cut inside a page. */
	cr.page_shift = 12;
	cr.window_size = 1ULL << 20;
	map.iova = 0;
	map.size = 4 * 4096;
	unmap.iova = 4096;
	unmap.size = 4096;
	if (iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_MAP_DMA, &map) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -1;
	/*
	 * The 64-bit window removed beside the 32-bit one that stays, made
	 * again and mapped: the 32-bit window is kept in the hypervisor.
	 */
	rm.start_addr = DDW;
	if (iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm))
		return -1;
	cr.page_shift = 16;
	cr.window_size = 1ULL << 30;
	map.iova = DDW;
	map.size = page_size;
	if (iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr) ||
	    iob_ioctl(s->fd, VFIO_IOMMU_MAP_DMA, &map))
		return -1;
	return iob_ioctl(s->fd, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm) ? -1 : 0;
}

/*
 * VFIO's own container through vfio-pci, served by iobroker: the group
 * into a container, then the container's calls. The container is @s->fd,
 * the group @s->afd.
 */
static int seq_vfio_spapr(struct seq *s)
{
	s->fd = open("/dev/vfio/vfio", O_RDWR);
	if (s->fd < 0)
		return -1;
	s->afd = open(spapr_group, O_RDWR);
	if (s->afd < 0)
		return -1;
	if (iob_ioctl(s->afd, VFIO_GROUP_SET_CONTAINER, &s->fd) ||
	    ioctl(s->fd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU))
		return -1;
	return spapr_calls(s);
}

/*
 * /dev/iommu as the container: the v2 type on the IOAS of VFIO's calls,
 * the first and the third edu (two groups, so that a failed window change
 * takes one group back) bound and attached to it, then the container's
 * calls, and the first device out and back in.
 */
static int seq_iommufd_spapr(struct seq *s)
{
	__u32 ioas, other;

	s->fd = iob_open();
	if (s->fd < 0)
		return -1;
	if (edu_open(&s->e, edu_name) || edu_bind(&s->e, s->fd) ||
	    edu_open(&s->e2, edu2_name) || edu_bind(&s->e2, s->fd) ||
	    iob_ioas_alloc(s->fd, &ioas) || iob_ioas_alloc(s->fd, &other) ||
	    iob_vfio_ioas(s->fd, IOMMU_VFIO_IOAS_SET, &ioas) ||
	    ioctl(s->fd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU) ||
	    edu_attach(&s->e, ioas, NULL) || edu_attach(&s->e2, ioas, NULL) ||
	    spapr_calls(s))
		return -1;
	if (edu_attach(&s->e, other, NULL) || edu_attach(&s->e, ioas, NULL) ||
	    edu_detach(&s->e))
		return -1;
	return 0;
}

struct baseline {
	long objects;
	long pinned;
	long long tces;
	__u64 locked;
};

static void measure(struct baseline *b)
{
	int fd = iob_open();

	b->objects = iob_global_objects();
	b->pinned = module_pinned_pages();
	b->tces = iob_hw_tces();
	b->locked = UINT64_MAX;
	if (fd >= 0) {
		iob_pin_stats(fd, NULL, &b->locked);
		close(fd);
	}
}

/* Objects go with their file's release; give a slow guest a moment. */
static void settle(const struct baseline *want, struct baseline *now)
{
	int i;

	for (i = 0; i < 200; i++) {
		measure(now);
		if (!memcmp(want, now, sizeof(*now)))
			return;
		usleep(10000);
	}
}

static void run_seq(seq_fn fn, struct seq *s, int *rc)
{
	s->fd = -1;
	s->afd = -1;
	s->e.fd = -1;
	s->e.bar = NULL;
	*rc = fn(s);
}

/* Sweep every failure point of @fn; returns how many it reached. */
static unsigned int sweep(struct __test_metadata *_metadata,
			  const char *name, seq_fn fn)
{
	struct baseline want, now;
	struct seq s = { .fd = -1, .afd = -1, .e.fd = -1, .e2.fd = -1 };
	long own0, own;
	unsigned int n;
	int rc;

	s.len = 8 * page_size;
	s.mem = mmap(NULL, s.len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s.mem);
	memset(s.mem, 0x5a, s.len);
	measure(&want);
	ASSERT_LE(0, want.objects);
	ASSERT_EQ(0, want.tces);

	/* Unhindered, the sequence works. */
	run_seq(fn, &s, &rc);
	seq_close(&s);
	ASSERT_EQ(0, rc);
	settle(&want, &now);
	ASSERT_EQ(0, memcmp(&want, &now, sizeof(now)));

	own0 = own_injected();
	ASSERT_LE(0, own0);
	for (n = 1; n <= MAX_POINTS; n++) {
		unsigned int left;

		set_nth(n);
		run_seq(fn, &s, &rc);
		left = get_nth();
		set_nth(0);
		seq_close(&s);
		settle(&want, &now);
		EXPECT_EQ(want.objects, now.objects) TH_LOG("%s: point %u", name, n);
		EXPECT_EQ(want.pinned, now.pinned) TH_LOG("%s: point %u", name, n);
		EXPECT_EQ(want.tces, now.tces) TH_LOG("%s: point %u", name, n);
		EXPECT_EQ(want.locked, now.locked) TH_LOG("%s: point %u", name, n);
		EXPECT_EQ(0, buffer_unpinned(s.mem, s.len)) TH_LOG("%s: point %u", name, n);
		if (memcmp(&want, &now, sizeof(now)))
			break;
		if (left) {
			/* Nothing failed: the whole sequence ran, and worked. */
			EXPECT_EQ(0, rc) TH_LOG("%s: clean run %u failed", name, n);
			break;
		}
	}
	ASSERT_GE(MAX_POINTS, n);
	munmap(s.mem, s.len);
	own = own_injected() - own0;
	ksft_print_msg("%s: %u failure points (%ld of them iobroker's own), nothing left behind\n",
		       name, n - 1, own);
	/* The sweep went through the module's own points too. */
	EXPECT_LT(0, own);
	return n - 1;
}

FIXTURE(fail_nth) {
	int unused;
};

/* One sequence to sweep. */
FIXTURE_VARIANT(fail_nth) {
	const char *name;
	seq_fn fn;
	bool edu;
	bool spapr;
	bool edu2;
};

FIXTURE_VARIANT_ADD(fail_nth, ioas) {
	.name = "ioas",
	.fn = seq_ioas,
};

FIXTURE_VARIANT_ADD(fail_nth, mock_domain) {
	.name = "mock_domain",
	.fn = seq_mock_domain,
};

FIXTURE_VARIANT_ADD(fail_nth, vfio_type1) {
	.name = "vfio_type1",
	.fn = seq_vfio_type1,
};

FIXTURE_VARIANT_ADD(fail_nth, replace) {
	.name = "replace",
	.fn = seq_replace,
};

FIXTURE_VARIANT_ADD(fail_nth, tce_windows) {
	.name = "tce_windows",
	.fn = seq_tce_windows,
};

FIXTURE_VARIANT_ADD(fail_nth, access) {
	.name = "access",
	.fn = seq_access,
};

FIXTURE_VARIANT_ADD(fail_nth, access_replace) {
	.name = "access_replace",
	.fn = seq_access_replace,
};

FIXTURE_VARIANT_ADD(fail_nth, edu) {
	.name = "edu",
	.fn = seq_edu,
	.edu = true,
};

FIXTURE_VARIANT_ADD(fail_nth, vfio_spapr) {
	.name = "vfio_spapr",
	.fn = seq_vfio_spapr,
	.spapr = true,
};

FIXTURE_VARIANT_ADD(fail_nth, iommufd_spapr) {
	.name = "iommufd_spapr",
	.fn = seq_iommufd_spapr,
	.edu = true,
	.edu2 = true,
};

FIXTURE_SETUP(fail_nth)
{
	ASSERT_TRUE(injection_ready) TH_LOG("fault injection is not set up");
	if (variant->edu)
		ASSERT_NE(0, edu_name[0]) TH_LOG("the rig gives edu devices");
	if (variant->spapr || variant->edu2)
		ASSERT_NE(0, edu2_name[0]) TH_LOG("the rig gives three edu devices");
	/* The third edu goes to the driver the sequence needs. */
	if (variant->spapr)
		ASSERT_EQ(0, pci_bind(edu2_name, "vfio-pci"));
	if (variant->edu2)
		ASSERT_EQ(0, pci_bind(edu2_name, EDU_DRIVER));
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, nth_fd);
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (nth_fd >= 0)
		close(nth_fd);
}

/*
 * A sweep runs its sequence once for every failure point, some 200 times
 * for the sPAPR containers with two groups, each run making windows with
 * hypercalls; under emulation with KASAN and lockdep that takes longer
 * than the harness's default 30 s guard against a hang.
 */
TEST_F_TIMEOUT(fail_nth, sweep, 300)
{
	EXPECT_LT(10, sweep(_metadata, variant->name, variant->fn));
}

__attribute__((constructor)) static void prepare_injection(void)
{
	char names[EDU_MAX][32];

	int n = edu_find(names, EDU_MAX);

	if (n > 0 && !pci_bind(names[0], EDU_DRIVER))
		snprintf(edu_name, sizeof(edu_name), "%s", names[0]);
	if (n > 2) {
		snprintf(edu2_name, sizeof(edu2_name), "%s", names[2]);
		snprintf(spapr_group, sizeof(spapr_group), "/dev/vfio/%d",
			 pci_iommu_group(names[2]));
	}
	injection_ready = !setup_injection();
}

TEST_HARNESS_MAIN
