/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memory the IOAS selftests map: a huge-page aligned, shared anonymous
 * buffer (shared, so that a forked child maps the same pages), and the
 * checks every test ends with.
 */
#ifndef IOB_BUFFER_H
#define IOB_BUFFER_H

#include <stdlib.h>
#include <sys/mman.h>

#include "iob_utils.h"

static size_t page_size;
static size_t hpage_size;
static size_t buffer_size;
static char *buffer;

static size_t read_hpage_size(void)
{
	unsigned long val = 0;
	FILE *f;

	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (fscanf(f, "%lu", &val) != 1)
			val = 0;
		fclose(f);
	}
	return val ? val : 2UL << 20;
}

__attribute__((constructor)) static void setup_buffer(void)
{
	void *p;

	page_size = sysconf(_SC_PAGE_SIZE);
	hpage_size = read_hpage_size();
	buffer_size = 16 * page_size;
	/* Reserve twice the size, then place the buffer on a huge page. */
	p = mmap(NULL, buffer_size + hpage_size, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		abort();
	buffer = (char *)(((uintptr_t)p + hpage_size - 1) & ~(hpage_size - 1));
	if (mmap(buffer, buffer_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		abort();
	memset(buffer, 0x5a, buffer_size);
}

/* Pages pinned by the whole module, through a fresh file. */
static long module_pinned_pages(void)
{
	__u64 pinned = 0;
	int fd = iob_open();

	if (fd < 0)
		return -1;
	if (iob_pin_stats(fd, &pinned, NULL))
		pinned = (__u64)-1;
	close(fd);
	return (long)pinned;
}

/* No page of [buf, buf + len) is pinned, asked through a fresh file. */
static inline int buffer_unpinned(const void *buf, size_t len)
{
	int fd = iob_open(), rc;

	if (fd < 0)
		return -1;
	rc = iob_check_refs(fd, buf, len, 0);
	close(fd);
	return rc;
}

/* What this process's status says about a Vm* counter, in pages. */
static inline long vm_pages(const char *field)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			kb = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return kb < 0 ? -1 : kb * 1024 / (long)page_size;
}

#endif
