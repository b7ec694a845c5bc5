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
 * memory a 1 GiB mapping costs (free memory before and after) and the cost
 * of bare long-term pinning (pin_user_pages_fast(FOLL_LONGTERM) through the
 * kernel's gup_test), the floor of any map that pins.
 *
 * Output lines, for the host to merge:
 *   B map|unmap <tables> <mem> <bytes> <usec per call> <GB/s>
 *   B kmem <tables> <mem> <KiB per GiB>
 *   B pin|unpin - <mem> <bytes> <usec per call> <GB/s>
 *   B skip <what> <why>
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

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

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		bool huge;
	} mems[] = { { "small", false }, { "huge", true } };
	unsigned int m, tables;

	if (argc > 1)
		who = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("B info %s\n", who);
	for (m = 0; m < ARRAY_SIZE(mems); m++) {
		char *buf = get_memory(mems[m].huge);

		if (!buf) {
			printf("B skip %s-memory %s\n", mems[m].name,
			       strerror(errno));
			continue;
		}
		bench_pin(mems[m].name, buf);
		for (tables = 0; tables <= 2; tables++) {
			bench_map(tables, mems[m].name, buf);
			bench_kmem(tables, mems[m].name, buf);
		}
		munmap(buf, MAX_SIZE);
	}
	return 0;
}
