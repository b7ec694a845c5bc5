// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_IOAS_MAP and IOMMU_IOAS_UNMAP throughput, the same binary against
 * iobroker and against the kernel's own iommufd, through the ABI they
 * share and upstream's test commands (mock devices).
 *
 * For each kind of memory (small pages, hugetlb pages), each number of
 * page tables (none; a mock device's; that and a second HWPT) and each size
 * from 64 KiB to 1 GiB, maps and unmaps the same prefaulted buffer over and
 * over and reports microseconds per call and GB/s. Also reports the kernel
 * memory a 1 GiB mapping costs (free memory before and after), what one
 * page pinned in a 64 GiB mapping costs, and the cost
 * of bare long-term pinning (pin_user_pages_fast(FOLL_LONGTERM) through the
 * kernel's gup_test), the floor of any map that pins.
 *
 * Real TCE tables: the first edu device maps and unmaps the same sizes
 * into the hypervisor's tables, through iobroker-pci in the iobroker
 * guest and through VFIO's sPAPR TCE v2 container in the reference
 * guest, both in the 32-bit window (4 KiB TCEs) and in a 64-bit window of
 * 64 KiB TCEs, of small-page and hugetlb memory, in two pairs that do the
 * same work: memory nothing has pinned yet (IOAS_MAP against
 * REGISTER_MEMORY plus MAP_DMA, and back), and memory pinned once up front
 * (IOAS_COPY from a mapping of it against MAP_DMA of registered memory,
 * and back).
 *
 * VFIO's sPAPR TCE v2 container, one client for both: the same VFIO calls
 * on the same edu, sizes and windows, served by iobroker's VFIO backend in
 * the iobroker guest and by vfio_iommu_spapr_tce in the reference guest;
 * the pairs above, and QEMU's pattern of one IO page per MAP_DMA.
 *
 * Access objects: through the test module's access operations, which both
 * kernels serve alike, pins and unpins of an IOAS range with nothing else
 * pinned (ACCESS_PAGES, DESTROY_ACCESS_PAGES) and copies out of and into
 * it (ACCESS_RW) on the fast path, in the owner's process, and on the
 * slow path, through the pages; sizes up to the test module's 16 MiB.
 *
 * Usage: iobroker_bench WHO [PART...], WHO "iobroker" or "upstream", PART
 * any of "pin", "map" (with the kernel memory a mapping costs), "tce",
 * "vfio" and "access"; all of them by default. iobroker_bench WHO loop
 * SECS runs QEMU's pattern on VFIO's container for the rig's instruction
 * profile; iobroker_bench WHO pages runs it once in each window, briefly,
 * for the rig to repeat in one boot with the backends taking turns.
 *
 * Output lines, for the host to merge:
 *   B map|unmap <tables> <mem> <bytes> <usec per call> <GB/s>
 *   B copy|uncopy <tables> <mem> <bytes> <usec per call> <GB/s>
 *   B kmem <tables> <mem> <KiB per GiB>
 *   B sparse <KiB for one page pinned in a 64 GiB mapping>
 *   B pin|unpin - <mem> <bytes> <usec per call> <GB/s>
 *   B tce pinmap|unmapunpin|map|unmap <window> <bytes> <usec> <GB/s>
 *   B vfio pinmap|unmapunpin|map|unmap|map1|unmap1 <window> <bytes> <usec>
 *	<GB/s>
 *   B pages <who> map1|unmap1 <window> <bytes> <usec> <GB/s>
 *   B access pin|unpin|read|write|sread|swrite <mem> <bytes> <usec> <GB/s>
 *   B listen none|monitor <bytes> <usec per map+unmap> <GB/s>
 *   B skip <what> <why>
 *   B module <name> <load address>, B loop start <who>,
 *	B loop end <who> <calls> <usec per call> (the loop)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>

#include <linux/vfio.h>

#include "iob_access.h"
#include "iob_nlraw.h"
#include "iob_pci.h"
#include "iob_utils.h"
#include "mm/gup_test.h"

#define GiB (1024UL * 1024 * 1024)
/* GUP flags, from the kernel's internal enum, for gup_test. */
#define FOLL_WRITE 0x1
#define FOLL_LONGTERM 0x100
#define MAX_SIZE GiB
#define MIN_SIZE (64UL << 10)
/* Per case: at least this many calls, and about this much time. */
#define MIN_CALLS 3
#define CASE_NSEC 400000000L

static const char *who = "?";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *get_memory(bool huge)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (huge ? MAP_HUGETLB : 0);
	char *p = mmap(NULL, MAX_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (!huge)
		madvise(p, MAX_SIZE, MADV_NOHUGEPAGE);
	/* Fault everything in now; pinning should not pay for zeroing. */
	memset(p, 1, MAX_SIZE);
	return p;
}

/*
 * Free memory in KiB: MemFree, plus the pages parked on per-CPU free lists,
 * which MemFree does not count and which the next allocations come from.
 */
static long mem_free_kb(void)
{
	long kb = -1, pcp = 0, count;
	char line[128];
	FILE *f;

	/* Fold the per-CPU counters, or small changes stay invisible. */
	f = fopen("/proc/sys/vm/stat_refresh", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &count) == 1)
			pcp += count;
	fclose(f);
	return kb + pcp * (sysconf(_SC_PAGESIZE) >> 10);
}

/* An IOAS with @tables page tables: a mock device's, then a manual HWPT. */
static int setup(int fd, unsigned int tables, __u32 *ioas)
{
	__u32 idev;
	int rc;

	rc = iob_ioas_alloc(fd, ioas);
	if (!rc && tables >= 1)
		rc = iob_mock_domain(fd, *ioas, NULL, NULL, &idev);
	if (!rc && tables >= 2)
		rc = iob_hwpt_alloc(fd, idev, *ioas, 0, NULL);
	return rc;
}

static void report(const char *what, unsigned int tables, const char *mem,
		   unsigned long size, double ns, unsigned long calls)
{
	double per = ns / calls;

	printf("B %s %u %s %lu %.1f %.3f\n", what, tables, mem, size,
	       per / 1e3, size / per);
}

static void bench_map(unsigned int tables, const char *mem, char *buf)
{
	unsigned long size, calls;
	double map_ns, unmap_ns, t;
	__u64 iova;
	__u32 ioas;
	int fd, rc;

	for (size = MIN_SIZE; size <= MAX_SIZE; size *= 4) {
		fd = iob_open();
		rc = fd < 0 ? errno : setup(fd, tables, &ioas);
		if (rc) {
			printf("B skip map-%u-%s %s\n", tables, mem,
			       strerror(rc));
			if (fd >= 0)
				close(fd);
			return;
		}
		map_ns = 0;
		unmap_ns = 0;
		for (calls = 0; calls < MIN_CALLS ||
		     (map_ns + unmap_ns < CASE_NSEC && calls < 100000);
		     calls++) {
			t = now_ns();
			rc = iob_map(fd, ioas, buf, size, &iova);
			map_ns += now_ns() - t;
			if (rc)
				break;
			t = now_ns();
			rc = iob_unmap(fd, ioas, iova, size, NULL);
			unmap_ns += now_ns() - t;
			if (rc)
				break;
		}
		close(fd);
		if (rc) {
			printf("B skip map-%u-%s-%lu %s\n", tables, mem, size,
			       strerror(rc));
			continue;
		}
		report("map", tables, mem, size, map_ns, calls);
		report("unmap", tables, mem, size, unmap_ns, calls);
	}
}

/*
 * Table programming alone: IOMMU_IOAS_COPY of memory another IOAS already
 * holds pinned (through a mock device of its own) into an IOAS with
 * @tables page tables, and its unmap, which leaves the memory pinned. With
 * bare pinning, the floor of a map that pins.
 */
static void bench_copy(unsigned int tables, const char *mem, char *buf)
{
	unsigned long size, calls;
	double copy_ns, uncopy_ns, t;
	__u32 src = 0, dst = 0, idev;
	__u64 from, iova;
	int fd, rc;

	fd = iob_open();
	rc = fd < 0 ? errno : iob_ioas_alloc(fd, &src);
	if (!rc)
		rc = iob_mock_domain(fd, src, NULL, NULL, &idev);
	if (!rc)
		rc = iob_map(fd, src, buf, MAX_SIZE, &from);
	if (!rc)
		rc = setup(fd, tables, &dst);
	if (rc) {
		printf("B skip copy-%u-%s %s\n", tables, mem, strerror(rc));
		if (fd >= 0)
			close(fd);
		return;
	}
	for (size = MIN_SIZE; size <= MAX_SIZE && !rc; size *= 4) {
		copy_ns = 0;
		uncopy_ns = 0;
		for (calls = 0; calls < MIN_CALLS ||
		     (copy_ns + uncopy_ns < CASE_NSEC && calls < 100000);
		     calls++) {
			iova = 0;
			t = now_ns();
			rc = iob_copy(fd, dst, &iova, src, from, size, IOB_RW);
			copy_ns += now_ns() - t;
			if (rc)
				break;
			t = now_ns();
			rc = iob_unmap(fd, dst, iova, size, NULL);
			uncopy_ns += now_ns() - t;
			if (rc)
				break;
		}
		if (rc) {
			printf("B skip copy-%u-%s-%lu %s\n", tables, mem, size,
			       strerror(rc));
			break;
		}
		report("copy", tables, mem, size, copy_ns, calls);
		report("uncopy", tables, mem, size, uncopy_ns, calls);
	}
	close(fd);
}

/* Kernel memory that mapping 1 GiB costs, in KiB. */
static void bench_kmem(unsigned int tables, const char *mem, char *buf)
{
	long before, after;
	__u64 iova;
	__u32 ioas;
	int fd, rc;

	fd = iob_open();
	rc = fd < 0 ? errno : setup(fd, tables, &ioas);
	if (!rc) {
		before = mem_free_kb();
		rc = iob_map(fd, ioas, buf, MAX_SIZE, &iova);
		after = mem_free_kb();
	}
	if (rc)
		printf("B skip kmem-%u-%s %s\n", tables, mem, strerror(rc));
	else
		printf("B kmem %u %s %ld\n", tables, mem, before - after);
	if (fd >= 0)
		close(fd);
}

/*
 * Kernel memory that pinning one page of a 64 GiB mapping costs, in KiB:
 * the mapping is made with no page table (nothing pinned), then an access
 * pins its first page. What each side keeps per pinned page shows here,
 * not per page of the mapping.
 */
static void bench_sparse(void)
{
	const unsigned long len = 64 * GiB;
	long before = 0, after = 0;
	__u32 ioas = 0, item;
	__u64 iova;
	int fd, afd = -1, rc;
	char *mem;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		printf("B skip sparse %s\n", strerror(errno));
		return;
	}
	mem[0] = 1;
	fd = iob_open();
	rc = fd < 0 ? errno : iob_ioas_alloc(fd, &ioas);
	if (!rc)
		rc = iob_map(fd, ioas, mem, len, &iova);
	if (!rc)
		rc = iob_create_access(fd, ioas,
				       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				       &afd);
	if (!rc) {
		before = mem_free_kb();
		rc = iob_access_pages(fd, afd, iova, sysconf(_SC_PAGESIZE),
				      mem, 0, &item);
		after = mem_free_kb();
	}
	if (rc)
		printf("B skip sparse %s\n", strerror(rc));
	else
		printf("B sparse %ld\n", before - after);
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	munmap(mem, len);
}

static void bench_pin(const char *mem, char *buf)
{
	struct gup_test gup = {};
	unsigned long size;
	int fd;

	fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	if (fd < 0) {
		printf("B skip pin-%s %s\n", mem, strerror(errno));
		return;
	}
	for (size = MIN_SIZE; size <= MAX_SIZE; size *= 4) {
		double get_ns = 0, put_ns = 0;
		unsigned long calls;

		for (calls = 0; calls < MIN_CALLS ||
		     (get_ns + put_ns < CASE_NSEC && calls < 100000);
		     calls++) {
			gup.addr = (uintptr_t)buf;
			gup.size = size;
			/* The batch and the call a map pins with. */
			gup.nr_pages_per_call = 8192;
			gup.gup_flags = FOLL_WRITE | FOLL_LONGTERM;
			if (ioctl(fd, PIN_FAST_BENCHMARK, &gup)) {
				printf("B skip pin-%s %s\n", mem,
				       strerror(errno));
				close(fd);
				return;
			}
			get_ns += gup.get_delta_usec * 1e3;
			put_ns += gup.put_delta_usec * 1e3;
		}
		report("pin", 0, mem, size, get_ns, calls);
		report("unpin", 0, mem, size, put_ns, calls);
	}
	close(fd);
}

/* --- real TCE tables on edu ------------------------------------------------ */

#define DDW_START 0x800000000000000ULL
#define DDW_SIZE (4 * GiB)
/* Where iobroker keeps the pinned source of IOAS_COPY, in the 64-bit window. */
#define PINNED_IOVA (DDW_START + 2 * GiB)

/*
 * One way to map into edu's TCE tables. @pin maps memory with nothing of
 * it pinned yet (IOAS_MAP; VFIO's REGISTER_MEMORY then MAP_DMA) and
 * @unpin undoes that, unpinning it. @prepin pins the whole buffer once
 * (an IOAS mapping of it in the 64-bit window; REGISTER_MEMORY), after
 * which @map maps pinned memory (IOAS_COPY from that mapping; MAP_DMA) and
 * @unmap unmaps it, leaving it pinned (IOAS_UNMAP; UNMAP_DMA).
 */
struct tce_way {
	int (*setup)(const char *dev, bool ddw, __u64 *base);
	int (*pin)(char *buf, __u64 iova, unsigned long size);
	int (*unpin)(char *buf, __u64 iova, unsigned long size);
	int (*prepin)(char *buf, unsigned long size);
	int (*map)(char *buf, __u64 iova, unsigned long size);
	int (*unmap)(char *buf, __u64 iova, unsigned long size);
	void (*teardown)(void);
};

static int iob_fd = -1, dev_fd = -1;
static __u32 tce_ioas;

/*
 * Both windows in both cases, as VFIO has them once a 64-bit window is
 * made: the 32-bit one of 4 KiB TCEs and a 64-bit one of 64 KiB TCEs,
 * which also holds the pinned source for IOAS_COPY.
 */
static int iob_tce_setup(const char *dev, bool ddw, __u64 *base)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_hwpt_iob_tce tce = {
		.windows[0] = { .page_shift = 12, .size = GiB },
		.windows[1] = { .page_shift = 16, .size = DDW_SIZE },
	};
	char path[64];
	int rc;

	rc = pci_bind(dev, "iobroker-pci");
	if (rc)
		return rc;
	iob_fd = iob_open();
	snprintf(path, sizeof(path), "/dev/iobroker/%s", dev);
	dev_fd = open(path, O_RDWR);
	if (iob_fd < 0 || dev_fd < 0)
		return errno;
	rc = iob_ioas_alloc(iob_fd, &tce_ioas);
	bind.iommufd = iob_fd;
	if (!rc)
		rc = iob_ioctl(dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (!rc)
		rc = iob_hwpt_alloc_data(iob_fd, bind.out_devid, tce_ioas, 0,
					 IOMMU_HWPT_DATA_IOB_TCE, &tce,
					 sizeof(tce), &attach.pt_id);
	if (!rc)
		rc = iob_ioctl(dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	*base = ddw ? DDW_START : 0;
	return rc;
}

static int iob_tce_pin(char *buf, __u64 iova, unsigned long size)
{
	return iob_map_fixed(iob_fd, tce_ioas, buf, size, iova);
}

static int iob_tce_unmap(char *buf, __u64 iova, unsigned long size)
{
	return iob_unmap(iob_fd, tce_ioas, iova, size, NULL);
}

static int iob_tce_prepin(char *buf, unsigned long size)
{
	return iob_map_fixed(iob_fd, tce_ioas, buf, size, PINNED_IOVA);
}

static int iob_tce_copy(char *buf, __u64 iova, unsigned long size)
{
	return iob_copy(iob_fd, tce_ioas, &iova, tce_ioas, PINNED_IOVA, size,
			IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			IOMMU_IOAS_MAP_WRITEABLE);
}

static void iob_tce_teardown(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	if (iob_fd >= 0)
		close(iob_fd);
	dev_fd = -1;
	iob_fd = -1;
}

static const struct tce_way iob_way = {
	.setup = iob_tce_setup,
	.pin = iob_tce_pin,
	.unpin = iob_tce_unmap,
	.prepin = iob_tce_prepin,
	.map = iob_tce_copy,
	.unmap = iob_tce_unmap,
	.teardown = iob_tce_teardown,
};

static int container_fd = -1, group_fd = -1;

static int vfio_register(char *buf, unsigned long size, bool reg)
{
	struct vfio_iommu_spapr_register_memory mem = {
		.argsz = sizeof(mem),
		.vaddr = (uintptr_t)buf,
		.size = size,
	};

	return iob_ioctl(container_fd, reg ? VFIO_IOMMU_SPAPR_REGISTER_MEMORY :
			 VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, &mem);
}

static int vfio_tce_setup(const char *dev, bool ddw, __u64 *base)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_spapr_tce_create create = {
		.argsz = sizeof(create),
		.page_shift = 16,
		.window_size = DDW_SIZE,
		.levels = 1,
	};
	char path[64];
	int rc;

	rc = pci_bind(dev, "vfio-pci");
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/dev/vfio/%d", pci_iommu_group(dev));
	container_fd = open("/dev/vfio/vfio", O_RDWR);
	group_fd = open(path, O_RDWR);
	if (container_fd < 0 || group_fd < 0)
		return errno;
	rc = iob_ioctl(group_fd, VFIO_GROUP_GET_STATUS, &status);
	/* Every device of the group must be VFIO's or driverless. */
	if (!rc && !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		rc = EBUSY;
	if (!rc)
		rc = iob_ioctl(group_fd, VFIO_GROUP_SET_CONTAINER,
			       &container_fd);
	if (!rc && ioctl(container_fd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_v2_IOMMU))
		rc = errno;
	/* Creating the 64-bit window makes the pending 32-bit one too. */
	if (!rc)
		rc = iob_ioctl(container_fd, VFIO_IOMMU_SPAPR_TCE_CREATE,
			       &create);
	*base = ddw ? create.start_addr : 0;
	return rc;
}

static int vfio_tce_map(char *buf, __u64 iova, unsigned long size)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = size,
	};

	return iob_ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &map);
}

static int vfio_tce_unmap(char *buf, __u64 iova, unsigned long size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	return iob_ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

static int vfio_tce_pin(char *buf, __u64 iova, unsigned long size)
{
	int rc = vfio_register(buf, size, true);

	if (!rc) {
		rc = vfio_tce_map(buf, iova, size);
		if (rc)
			vfio_register(buf, size, false);
	}
	return rc;
}

static int vfio_tce_unpin(char *buf, __u64 iova, unsigned long size)
{
	return vfio_tce_unmap(buf, iova, size) ?: vfio_register(buf, size,
								false);
}

static int vfio_tce_prepin(char *buf, unsigned long size)
{
	return vfio_register(buf, size, true);
}

static void vfio_tce_teardown(void)
{
	if (group_fd >= 0)
		close(group_fd);
	if (container_fd >= 0)
		close(container_fd);
	group_fd = -1;
	container_fd = -1;
}

static const struct tce_way vfio_way = {
	.setup = vfio_tce_setup,
	.pin = vfio_tce_pin,
	.unpin = vfio_tce_unpin,
	.prepin = vfio_tce_prepin,
	.map = vfio_tce_map,
	.unmap = vfio_tce_unmap,
	.teardown = vfio_tce_teardown,
};

/* "tce", or "vfio" while the same VFIO client runs in both guests. */
static const char *tce_tag = "tce";

static void report_tce(const char *what, const char *win, unsigned long size,
		       double ns, unsigned long calls)
{
	double per = ns / calls;

	/* "pages" lines carry their side: one boot has two. */
	if (!strcmp(tce_tag, "pages"))
		printf("B pages %s", who);
	else
		printf("B %s", tce_tag);
	printf(" %s %s %lu %.2f %.4f\n", what, win, size, per / 1e3,
	       size / per);
}

/*
 * Map and unmap every size in one window, with @map and @unmap, reported
 * as @map_name and @unmap_name.
 */
static int tce_sizes(int (*map)(char *, __u64, unsigned long),
		     int (*unmap)(char *, __u64, unsigned long),
		     const char *map_name, const char *unmap_name,
		     const char *win, char *buf, __u64 base)
{
	unsigned long size, calls;
	double map_ns, unmap_ns, t;
	int rc = 0;

	for (size = MIN_SIZE; size <= MAX_SIZE && !rc; size *= 4) {
		map_ns = 0;
		unmap_ns = 0;
		for (calls = 0; calls < MIN_CALLS ||
		     (map_ns + unmap_ns < CASE_NSEC && calls < 100000);
		     calls++) {
			t = now_ns();
			rc = map(buf, base, size);
			map_ns += now_ns() - t;
			if (rc)
				break;
			t = now_ns();
			rc = unmap(buf, base, size);
			unmap_ns += now_ns() - t;
			if (rc)
				break;
		}
		if (rc) {
			printf("B skip %s-%s-%s-%lu %s\n", tce_tag, map_name,
			       win, size, strerror(rc));
			break;
		}
		report_tce(map_name, win, size, map_ns, calls);
		report_tce(unmap_name, win, size, unmap_ns, calls);
	}
	return rc;
}

/* The IO pages one call maps in QEMU's pattern, and how many calls. */
#define PAGES_CALLS 256

/*
 * QEMU's pattern: a guest writes its TCEs one at a time, and QEMU turns
 * each into a MAP_DMA (or UNMAP_DMA) of one IO page, here at consecutive
 * IOVAs from registered memory. Reported per call, as size @page.
 */
static int tce_pages(const struct tce_way *way, const char *win, char *buf,
		     __u64 base, unsigned long page)
{
	double map_ns = 0, unmap_ns = 0, t;
	unsigned long i, calls = 0;
	int rc = 0;

	while (!rc && (calls < PAGES_CALLS * MIN_CALLS ||
		       (map_ns + unmap_ns < CASE_NSEC && calls < 100000))) {
		t = now_ns();
		for (i = 0; i < PAGES_CALLS && !rc; i++)
			rc = way->map(buf + i * page, base + i * page, page);
		map_ns += now_ns() - t;
		t = now_ns();
		for (i = 0; i < PAGES_CALLS && !rc; i++)
			rc = way->unmap(buf + i * page, base + i * page, page);
		unmap_ns += now_ns() - t;
		calls += PAGES_CALLS;
	}
	if (rc) {
		printf("B skip %s-pages-%s %s\n", tce_tag, win, strerror(rc));
		return rc;
	}
	report_tce("map1", win, page, map_ns, calls);
	report_tce("unmap1", win, page, unmap_ns, calls);
	return 0;
}

/*
 * Each window, each kind of memory: first memory nothing has pinned
 * (pin and map, unmap and unpin), then memory pinned once up front (map,
 * unmap), then, for the VFIO client, QEMU's one IO page per call.
 */
static void bench_tce(bool vfio)
{
	const struct tce_way *way = vfio ? &vfio_way : &iob_way;
	static const char * const mems[] = { "small", "huge" };
	char names[EDU_MAX][32], win[32];
	unsigned int ddw, m;
	char *buf;
	__u64 base;
	int rc;

	if (edu_find(names, EDU_MAX) < 1) {
		printf("B skip tce-edu not-found\n");
		return;
	}
	for (m = 0; m < ARRAY_SIZE(mems); m++) {
		buf = get_memory(m == 1);
		if (!buf) {
			printf("B skip tce-%s-memory %s\n", mems[m],
			       strerror(errno));
			continue;
		}
		for (ddw = 0; ddw <= 1; ddw++) {
			snprintf(win, sizeof(win), "%s-%s",
				 ddw ? "64bit-64K" : "32bit-4K", mems[m]);
			rc = way->setup(names[0], ddw, &base);
			if (!rc)
				rc = tce_sizes(way->pin, way->unpin, "pinmap",
					       "unmapunpin", win, buf, base);
			if (!rc)
				rc = way->prepin(buf, MAX_SIZE);
			if (!rc)
				rc = tce_sizes(way->map, way->unmap, "map",
					       "unmap", win, buf, base);
			if (!rc && vfio)
				rc = tce_pages(way, win, buf, base,
					       ddw ? 64 << 10 : 4 << 10);
			if (rc)
				printf("B skip tce-%s %s\n", win,
				       strerror(rc));
			way->teardown();
		}
		munmap(buf, MAX_SIZE);
	}
}

/*
 * QEMU's pattern alone, in each window, on memory just large enough:
 * rig.sh runs this over and over in one boot, iobroker's VFIO backend and
 * vfio_iommu_spapr_tce taking turns, so that both meet the same moments of
 * a host whose speed drifts under them. Return: the exit status.
 */
static int bench_pages(void)
{
	unsigned long size = PAGES_CALLS * (64UL << 10);
	char names[EDU_MAX][32], win[32];
	unsigned int ddw;
	__u64 base;
	char *buf;
	int rc = 0;

	if (edu_find(names, EDU_MAX) < 1) {
		printf("B skip pages edu-not-found\n");
		return 1;
	}
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("B skip pages %s\n", strerror(errno));
		return 1;
	}
	madvise(buf, size, MADV_NOHUGEPAGE);
	memset(buf, 1, size);
	tce_tag = "pages";
	for (ddw = 0; ddw <= 1 && !rc; ddw++) {
		/* The windows' names of bench_tce(), for the same rows. */
		snprintf(win, sizeof(win), "%s-small",
			 ddw ? "64bit-64K" : "32bit-4K");
		rc = vfio_way.setup(names[0], ddw, &base);
		if (!rc)
			rc = vfio_way.prepin(buf, size);
		if (!rc)
			rc = tce_pages(&vfio_way, win, buf, base,
				       ddw ? 64 << 10 : 4 << 10);
		else
			printf("B skip pages-%s %s\n", win, strerror(rc));
		vfio_way.teardown();
	}
	munmap(buf, size);
	return !!rc;
}

/* --- access objects -------------------------------------------------------- */

/* The test module's limit on one pin or copy. */
#define ACCESS_MAX_SIZE (16UL << 20)

static void report_access(const char *what, const char *mem,
			  unsigned long size, double ns, unsigned long calls)
{
	double per = ns / calls;

	printf("B access %s %s %lu %.1f %.3f\n", what, mem, size, per / 1e3,
	       size / per);
}

/* Time @calls ACCESS_RW of @size bytes at @iova; 0 or the errno. */
static int time_rw(int fd, int afd, __u64 iova, char *tmp,
		   unsigned long size, __u32 flags, double *ns,
		   unsigned long *calls)
{
	double t0 = now_ns();
	int rc = 0;

	for (*calls = 0; !rc && (*calls < MIN_CALLS ||
				 (now_ns() - t0 < CASE_NSEC / 2 &&
				  *calls < 100000)); ++*calls)
		rc = iob_access_rw(fd, afd, iova, tmp, size, flags);
	*ns = now_ns() - t0;
	return rc;
}

static void bench_access(const char *mem, char *buf)
{
	static const struct {
		const char *name;
		__u32 flags;
	} rws[] = {
		{ "read", 0 },
		{ "write", MOCK_ACCESS_RW_WRITE },
		{ "sread", MOCK_ACCESS_RW_SLOW_PATH },
		{ "swrite", MOCK_ACCESS_RW_SLOW_PATH | MOCK_ACCESS_RW_WRITE },
	};
	unsigned long size, calls;
	double pin_ns, unpin_ns, t, ns;
	char *tmp = malloc(ACCESS_MAX_SIZE);
	int fd, afd = -1, rc;
	unsigned int i;
	__u32 ioas = 0, item;
	__u64 iova;

	for (size = MIN_SIZE; tmp && size <= ACCESS_MAX_SIZE; size *= 4) {
		fd = iob_open();
		rc = fd < 0 ? errno : iob_ioas_alloc(fd, &ioas);
		if (!rc)
			rc = iob_map(fd, ioas, buf, size, &iova);
		if (!rc)
			rc = iob_create_access(fd, ioas,
					       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					       &afd);
		pin_ns = 0;
		unpin_ns = 0;
		for (calls = 0; !rc && (calls < MIN_CALLS ||
					(pin_ns + unpin_ns < CASE_NSEC &&
					 calls < 100000)); calls++) {
			t = now_ns();
			rc = iob_access_pages(fd, afd, iova, size, NULL, 0,
					      &item);
			pin_ns += now_ns() - t;
			if (rc)
				break;
			t = now_ns();
			rc = iob_destroy_access_pages(fd, afd, item);
			unpin_ns += now_ns() - t;
		}
		if (!rc) {
			report_access("pin", mem, size, pin_ns, calls);
			report_access("unpin", mem, size, unpin_ns, calls);
		}
		for (i = 0; !rc && i < ARRAY_SIZE(rws); i++) {
			rc = time_rw(fd, afd, iova, tmp, size, rws[i].flags,
				     &ns, &calls);
			if (!rc)
				report_access(rws[i].name, mem, size, ns,
					      calls);
		}
		if (rc)
			printf("B skip access-%s-%lu %s\n", mem, size,
			       strerror(rc));
		if (afd >= 0)
			close(afd);
		afd = -1;
		if (fd >= 0)
			close(fd);
	}
	free(tmp);
}

/* Is @part among the parts named on the command line (all if none)? */
/* --- a listener on the monitor group --------------------------------------- */

/* The monitor socket, and an eventfd that tells the listener to stop. */
struct listen_fds {
	int nl;
	int stop;
};

/*
 * Read whatever the monitor group sends until told to stop. It sleeps in
 * poll() with no timeout: a thread that woke every few milliseconds would
 * be timed instead of the module, since under TCG the idle vCPU it wakes
 * slows the busy one.
 */
static void *listener(void *arg)
{
	static char buf[NLRAW_BUF];
	const struct listen_fds *l = arg;
	struct pollfd p[2] = {
		{ .fd = l->nl, .events = POLLIN },
		{ .fd = l->stop, .events = POLLIN },
	};

	while (poll(p, 2, -1) >= 0 && !p[1].revents)
		if (p[0].revents)
			recv(l->nl, buf, sizeof(buf), MSG_DONTWAIT);
	return NULL;
}

static double median3(const double *v)
{
	double lo = v[0] < v[1] ? v[0] : v[1];
	double hi = v[0] < v[1] ? v[1] : v[0];

	return v[2] < lo ? lo : v[2] > hi ? hi : v[2];
}

/* Time map + unmap of @size with one page table; usec per pair, or < 0. */
static double time_pairs(int fd, __u32 ioas, char *buf, unsigned long size)
{
	unsigned long calls;
	double ns = 0, t;
	__u64 iova;

	for (calls = 0; calls < MIN_CALLS ||
	     (ns < CASE_NSEC / 2 && calls < 100000); calls++) {
		t = now_ns();
		if (iob_map(fd, ioas, buf, size, &iova) ||
		    iob_unmap(fd, ioas, iova, size, NULL))
			return -1;
		ns += now_ns() - t;
	}
	return ns / calls / 1e3;
}

/*
 * What a listener on the monitor group costs a map and unmap (with a
 * mock device's page table, so that memory is pinned and mapped): the
 * same pairs with nobody listening and with a thread reading the group,
 * alternating three times per size so that drift hits both alike; the
 * median of each.
 */
static void bench_listen(const char *mem, char *buf)
{
	unsigned long size;
	int nl, family, group, fd, r, rc;
	struct listen_fds l;
	double none[3], mon[3];
	pthread_t th;
	__u32 ioas;

	nl = nlraw_open();
	family = nl < 0 ? -1 : nlraw_resolve(nl, &group);
	if (family < 0 || group < 0) {
		printf("B skip listen-%s no-family\n", mem);
		if (nl >= 0)
			close(nl);
		return;
	}
	fd = iob_open();
	rc = fd < 0 ? errno : setup(fd, 1, &ioas);
	for (size = 1UL << 20; !rc && size <= MAX_SIZE; size *= 16) {
		for (r = 0; r < 3 && !rc; r++) {
			none[r] = time_pairs(fd, ioas, buf, size);
			l.nl = nl;
			l.stop = eventfd(0, EFD_CLOEXEC);
			rc = l.stop < 0 ? errno : nlraw_join(nl, group);
			if (!rc)
				rc = pthread_create(&th, NULL, listener, &l);
			mon[r] = rc ? -1 : time_pairs(fd, ioas, buf, size);
			if (!rc) {
				eventfd_write(l.stop, 1);
				pthread_join(th, NULL);
			}
			if (l.stop >= 0)
				close(l.stop);
			setsockopt(nl, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP,
				   &group, sizeof(group));
			if (none[r] < 0 || mon[r] < 0)
				rc = rc ? rc : EIO;
		}
		if (rc)
			break;
		none[1] = median3(none);
		mon[1] = median3(mon);
		printf("B listen none %s %lu %.1f %.3f\n", mem, size, none[1],
		       size / (none[1] * 1e3));
		printf("B listen monitor %s %lu %.1f %.3f\n", mem, size,
		       mon[1], size / (mon[1] * 1e3));
	}
	if (rc)
		printf("B skip listen-%s %s\n", mem, strerror(rc));
	if (fd >= 0)
		close(fd);
	close(nl);
}

/*
 * For rig.sh profile: QEMU's pattern, as in tce_pages(), for @secs
 * seconds without a break, between two marks the host watches for to
 * take its snapshots of the guest's instruction counts. First the load
 * address of each module, so that the host can name what it counts.
 * Return: the exit status.
 */
static int bench_loop(unsigned int secs)
{
	char names[EDU_MAX][32], line[512], name[64], addr[32];
	double start, end;
	unsigned long calls = 0, i;
	__u64 base;
	FILE *f;
	char *buf;
	int rc;

	f = fopen("/proc/modules", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %*s %*s %*s %*s %31s", name, addr) == 2)
			printf("B module %s %s\n", name, addr);
	if (f)
		fclose(f);
	if (edu_find(names, EDU_MAX) < 1) {
		printf("B skip loop edu-not-found\n");
		return 1;
	}
	buf = get_memory(false);
	if (!buf) {
		printf("B skip loop %s\n", strerror(errno));
		return 1;
	}
	rc = vfio_way.setup(names[0], false, &base);
	if (!rc)
		rc = vfio_way.prepin(buf, MAX_SIZE);
	printf("B loop start %s\n", who);
	start = now_ns();
	end = start + secs * 1e9;
	while (!rc && now_ns() < end) {
		for (i = 0; i < PAGES_CALLS && !rc; i++)
			rc = vfio_way.map(buf + i * 4096, base + i * 4096, 4096);
		for (i = 0; i < PAGES_CALLS && !rc; i++)
			rc = vfio_way.unmap(buf + i * 4096, base + i * 4096,
					    4096);
		calls += 2 * PAGES_CALLS;
	}
	printf("B loop end %s %lu %.2f\n", who, calls,
	       (now_ns() - start) / 1e3 / (calls ? calls : 1));
	if (rc)
		printf("B skip loop %s\n", strerror(rc));
	vfio_way.teardown();
	munmap(buf, MAX_SIZE);
	return !!rc;
}

static bool wanted(int argc, char **argv, const char *part)
{
	int i;

	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], part))
			return true;
	return argc <= 2;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		bool huge;
	} mems[] = { { "small", false }, { "huge", true } };
	bool pin, map, access, listen;
	unsigned int m, tables;

	if (argc > 1)
		who = argv[1];
	/* Not a part: only rig.sh profile asks for it. */
	if (argc == 4 && !strcmp(argv[2], "loop")) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		return bench_loop(atoi(argv[3]));
	}
	if (argc == 3 && !strcmp(argv[2], "pages")) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		return bench_pages();
	}
	pin = wanted(argc, argv, "pin");
	map = wanted(argc, argv, "map");
	access = wanted(argc, argv, "access");
	/* The reference kernel has no such family. */
	listen = wanted(argc, argv, "listen") && !strcmp(who, "iobroker");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("B info %s\n", who);
	for (m = 0; m < ARRAY_SIZE(mems) && (pin || map || access || listen); m++) {
		char *buf = get_memory(mems[m].huge);

		if (!buf) {
			printf("B skip %s-memory %s\n", mems[m].name,
			       strerror(errno));
			continue;
		}
		if (pin)
			bench_pin(mems[m].name, buf);
		for (tables = 0; tables <= 2 && map; tables++) {
			bench_map(tables, mems[m].name, buf);
			if (tables)
				bench_copy(tables, mems[m].name, buf);
			bench_kmem(tables, mems[m].name, buf);
		}
		if (access)
			bench_access(mems[m].name, buf);
		if (listen)
			bench_listen(mems[m].name, buf);
		munmap(buf, MAX_SIZE);
	}
	if (map)
		bench_sparse();
	if (wanted(argc, argv, "tce"))
		bench_tce(strcmp(who, "iobroker"));
	/*
	 * The same VFIO client in both guests: iobroker's VFIO backend in
	 * one, vfio_iommu_spapr_tce in the other.
	 */
	if (wanted(argc, argv, "vfio")) {
		tce_tag = "vfio";
		bench_tce(true);
	}
	return 0;
}
