// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker demo: what the module does so far, step by step, in words.
 * `make run` boots the guest and runs this. Exits non-zero if any step
 * does not behave as described.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <sys/mman.h>

#include "../uapi/iobroker/swdma.h"
#include "iob_edu.h"
#include "iob_utils.h"

static int failures;

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ 0, "ok" }, { EBUSY, "EBUSY" }, { EINVAL, "EINVAL" },
	{ ENOENT, "ENOENT" }, { ENOTTY, "ENOTTY" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EPERM, "EPERM" },
};

static const char *errname(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return strerror(err);
}

/* Print one step with its outcome and check it against what we expect. */
static void step(int expect, int got, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("  %-56s -> %s\n", what, errname(got));
	if (got != expect) {
		printf("  !! expected %s\n", errname(expect));
		failures++;
	}
}

static __u64 pinned_now(int fd)
{
	__u64 pinned = 0;

	iob_pin_stats(fd, &pinned, NULL);
	return pinned;
}

/* Memory into an IOAS, then a device's TCE table, then out again. */
static void demo_mapping(int fd)
{
	size_t pg = sysconf(_SC_PAGESIZE), len = 16 * pg;
	struct iommu_iova_range r;
	__u32 ioas = 0, stdev = 0, idev = 0, hwpt = 0, hwpt2 = 0, num = 1;
	__u64 iova = MOCK_APERTURE_START, align = 0, unmapped = 0;
	char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int rc;

	if (buf == MAP_FAILED)
		return;
	memset(buf, 7, len);
	printf("Mapping memory (pages of %zu KiB):\n", pg >> 10);
	step(0, iob_ioas_alloc(fd, &ioas), "IOMMU_IOAS_ALLOC gives IOAS %u",
	     ioas);
	step(0, iob_map_fixed(fd, ioas, buf, len, iova),
	     "IOMMU_IOAS_MAP %zu KiB at IOVA 0x%llx", len >> 10,
	     (unsigned long long)iova);
	printf("  %-56s    %llu\n", "pages pinned (none: no page table yet)",
	       (unsigned long long)pinned_now(fd));
	rc = iob_mock_domain(fd, ioas, &stdev, &hwpt, &idev);
	step(0, rc, "mock device attaches: its TCE table is HWPT %u", hwpt);
	printf("  %-56s    %llu\n", "pages pinned now, once each",
	       (unsigned long long)pinned_now(fd));
	step(0, iob_check_map(fd, hwpt, iova, buf, len),
	     "every TCE points at the right page");
	rc = iob_iova_ranges(fd, ioas, &r, &num, &align);
	step(0, rc, "IOVA range [0x%llx, 0x%llx], alignment %llu",
	     (unsigned long long)r.start, (unsigned long long)r.last,
	     (unsigned long long)align);
	rc = iob_hwpt_alloc(fd, idev, ioas, 0, &hwpt2);
	step(0, rc, "IOMMU_HWPT_ALLOC: a second table, HWPT %u", hwpt2);
	step(0, iob_check_refs(fd, buf, len, 1),
	     "it maps the memory too, still pinned once per page");
	step(ENOENT, iob_unmap(fd, ioas, iova, pg, NULL),
	     "IOMMU_IOAS_UNMAP of part of the mapping");
	rc = iob_unmap(fd, ioas, iova, len, &unmapped);
	step(0, rc, "IOMMU_IOAS_UNMAP of all of it: %llu KiB",
	     (unsigned long long)unmapped >> 10);
	printf("  %-56s    %llu\n\n", "pages pinned after unmap",
	       (unsigned long long)pinned_now(fd));
	munmap(buf, len);
}

/* How many TCEs the hypervisor holds for @name's group, read back. */
/*
 * make run sets IOB_DEMO_SHOW to iobctl commands: what an administrator
 * sees of this file while the device is attached and buffers are mapped.
 */
static void show_now(void)
{
	const char *cmd = getenv("IOB_DEMO_SHOW");

	if (!cmd)
		return;
	printf("\nWhat the administrator sees now (%s):\n", cmd);
	fflush(stdout);
	step(0, system(cmd), "iobctl show");
	printf("\n");
}

static unsigned long long hw_live(const char *name)
{
	unsigned long long live = 0;
	unsigned int nwin = 0;

	edu_hw_tces(name, &nwin, &live, NULL, NULL);
	return live;
}

/* A real device's DMA through the hypervisor's TCE tables. */
static void demo_dma(int fd)
{
	static const char msg[] = "copied by edu, through iobroker's TCEs";
	__u64 ddw_iova = EDU_DDW_START + 0x10000;
	struct iommu_hw_info_iob_tce tce = {};
	struct iommu_hw_info info;
	char names[EDU_MAX][32];
	__u32 ioas = 0, hwpt = 0, hwpt2 = 0;
	size_t len = 0x10000;
	char *a, *b, *c;
	struct edu e;

	if (edu_find(names, EDU_MAX) < 1) {
		printf("(no edu device: skipping real DMA)\n\n");
		return;
	}
	printf("Real DMA through the hypervisor's TCE tables, QEMU's edu device %s:\n",
	       names[0]);
	a = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return;
	b = a + len;
	c = b + len;
	memset(a, 0, 3 * len);
	memcpy(a, msg, sizeof(msg));
	step(0, pci_bind(names[0], EDU_DRIVER), "bind it to the iobroker-pci driver");
	step(0, edu_open(&e, names[0]), "open /dev/iobroker/%s", names[0]);
	step(0, edu_bind(&e, fd), "VFIO_DEVICE_BIND_IOMMUFD: device ID %u",
	     e.dev_id);
	step(0, edu_map_bar(&e), "mmap its registers: id 0x%08x",
	     e.bar ? edu_rd32(&e, EDU_REG_ID) : 0);
	step(0, iob_hw_info(fd, e.dev_id, &tce, sizeof(tce), &info),
	     "IOMMU_GET_HW_INFO: a TCE IOMMU with %u windows", tce.max_windows);
	printf("  %-56s    [0x%llx, +%llu MiB)\n", "  32-bit window, 4 KiB pages",
	       (unsigned long long)tce.dma32_start,
	       (unsigned long long)tce.dma32_size >> 20);
	printf("  %-56s    0x%llx\n", "  64-bit window, 4K/64K/2M/16M pages, at",
	       (unsigned long long)tce.ddw_start);
	step(0, iob_ioas_alloc(fd, &ioas), "IOMMU_IOAS_ALLOC gives IOAS %u", ioas);
	step(0, edu_attach(&e, ioas, &hwpt),
	     "VFIO_DEVICE_ATTACH_IOMMUFD_PT to IOAS %u: HWPT %u", ioas, hwpt);
	step(0, iob_map_flags(fd, ioas, a, len, &(__u64){ 0x100000 },
			      IOMMU_IOAS_MAP_FIXED_IOVA |
			      IOMMU_IOAS_MAP_READABLE),
	     "map buffer A read-only at IOVA 0x100000");
	step(0, iob_map_fixed(fd, ioas, b, len, 0x200000),
	     "map buffer B read-write at IOVA 0x200000");
	printf("  %-56s    %llu\n", "TCEs in the hypervisor's table, read back",
	       hw_live(e.name));
	step(0, edu_copy(&e, 0x100000, 0x200000, sizeof(msg)),
	     "edu copies IOVA 0x100000 -> its buffer -> IOVA 0x200000");
	printf("  %-56s    \"%s\"\n", "buffer B now reads", b);
	step(0, strcmp(a, b) ? -1 : 0, "B matches A byte for byte");

	step(0, iob_hwpt_alloc_tce(fd, e.dev_id, ioas, 1 << 30, 16, 1ULL << 30,
				   &hwpt2),
	     "IOMMU_HWPT_ALLOC with a 64-bit window of 64 KiB pages");
	step(0, edu_attach(&e, hwpt2, NULL), "replace: the device moves to HWPT %u",
	     hwpt2);
	step(0, iob_map_fixed(fd, ioas, c, len, ddw_iova),
	     "map buffer C at IOVA 0x%llx", (unsigned long long)ddw_iova);
	step(0, edu_copy(&e, 0x100000, ddw_iova, sizeof(msg)),
	     "edu copies A into C, through the 64-bit window");
	step(0, strcmp(a, c) ? -1 : 0, "C matches A byte for byte");
	show_now();

	memset(b, 0, len);
	step(0, iob_unmap(fd, ioas, 0x200000, len, NULL),
	     "IOMMU_IOAS_UNMAP buffer B");
	step(0, edu_dma(&e, 0x200000, sizeof(msg), 1),
	     "edu writes to IOVA 0x200000 again");
	step(0, b[0] ? -1 : 0, "B is untouched: the write went nowhere");
	printf("  %-56s    %llu\n", "pages pinned (A and C, once each)",
	       (unsigned long long)pinned_now(fd));
	edu_close(&e);
	printf("  %-56s    %llu\n", "closed the node: TCEs left in the hypervisor",
	       hw_live(names[0]));
	step(0, iob_destroy(fd, hwpt2), "IOMMU_DESTROY HWPT %u, now unused",
	     hwpt2);
	printf("  %-56s    %llu\n\n", "pages pinned (the IOAS maps, no table)",
	       (unsigned long long)pinned_now(fd));
	iob_destroy(fd, ioas);
	munmap(a, 3 * len);
}

static int swdma_copy(int chan, __u64 src, __u64 dst, __u64 len, __u32 flags)
{
	struct iob_swdma_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.src_iova = src,
		.dst_iova = dst,
		.length = len,
	};

	return iob_ioctl(chan, IOB_SWDMA_COPY, &cmd);
}

/*
 * Kernel code moving bytes between IOVAs with the CPU: the software DMA
 * engine of iobroker_swdma.ko, which reaches the memory through an access
 * object. Without the module the demo fails: it is part of what it shows.
 */
static void demo_swdma(int fd, int have_test)
{
	size_t pg = sysconf(_SC_PAGESIZE), len = 4 * pg;
	__u64 a_iova = 0x100000, b_iova = 0x200000, align = 0;
	struct iob_swdma_set_ioas set = { .size = sizeof(set) };
	struct iob_swdma_bind bind = { .size = sizeof(bind) };
	struct iob_swdma_info info = { .size = sizeof(info) };
	__u32 ioas = 0, ioas2 = 0, num = 1;
	struct iommu_iova_range r;
	char *a, *b;
	int chan, ok;
	size_t i;

	printf("A software DMA engine: kernel code copying between IOVAs through an access:\n");
	chan = open("/dev/iob_swdma", O_RDWR | O_CLOEXEC);
	if (chan < 0) {
		printf("  !! cannot open /dev/iob_swdma: %s; is iobroker_swdma.ko loaded?\n\n",
		       strerror(errno));
		failures++;
		return;
	}
	a = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		printf("  !! mmap: %s\n\n", strerror(errno));
		failures++;
		close(chan);
		return;
	}
	b = a + len;
	for (i = 0; i < len; i++)
		a[i] = (char)(i * 7 + 1);
	memset(b, 0, len);

	printf("  %-56s -> ok\n", "open /dev/iob_swdma: a channel of the engine");
	step(0, iob_ioas_alloc(fd, &ioas), "IOMMU_IOAS_ALLOC gives IOAS %u", ioas);
	step(0, iob_map_fixed(fd, ioas, a, len, a_iova),
	     "map buffer A (a pattern) at IOVA 0x%llx",
	     (unsigned long long)a_iova);
	step(0, iob_map_fixed(fd, ioas, b, len, b_iova),
	     "map buffer B (zeros) at IOVA 0x%llx", (unsigned long long)b_iova);
	bind.iommufd = fd;
	bind.ioas_id = ioas;
	step(0, iob_ioctl(chan, IOB_SWDMA_BIND, &bind),
	     "IOB_SWDMA_BIND to IOAS %u: access object %u", ioas,
	     bind.out_access_id);
	iob_iova_ranges(fd, ioas, &r, &num, &align);
	printf("  %-56s    %llu\n", "IOVA alignment now, for pinning (PAGE_SIZE)",
	       (unsigned long long)align);

	step(0, swdma_copy(chan, a_iova, b_iova, len, 0),
	     "IOB_SWDMA_COPY %zu KiB A -> B, pinning pages", len >> 10);
	printf("  %-56s    %02x %02x %02x %02x ... %02x\n", "B now reads",
	       (unsigned char)b[0], (unsigned char)b[1], (unsigned char)b[2],
	       (unsigned char)b[3], (unsigned char)b[len - 1]);
	step(0, memcmp(a, b, len) ? -1 : 0, "B matches A byte for byte");
	memset(b, 0, len);
	step(0, swdma_copy(chan, a_iova + 3, b_iova + 5, len - 8,
			   IOB_SWDMA_COPY_RW),
	     "COPY_RW A+3 -> B+5 through iob_access_rw()");
	step(0, memcmp(a + 3, b + 5, len - 8) || b[4] || b[len - 3] ? -1 : 0,
	     "B+5 matches A+3, and not a byte more");
	if (have_test)
		printf("  %-56s    %llu\n", "pages pinned between copies",
		       (unsigned long long)pinned_now(fd));

	step(0, iob_unmap(fd, ioas, b_iova, len, NULL),
	     "IOMMU_IOAS_UNMAP buffer B");
	step(ENOENT, swdma_copy(chan, a_iova, b_iova, len, 0),
	     "IOB_SWDMA_COPY A -> where B was");
	step(0, iob_ioas_alloc(fd, &ioas2), "IOMMU_IOAS_ALLOC gives IOAS %u",
	     ioas2);
	set.ioas_id = ioas2;
	step(0, iob_ioctl(chan, IOB_SWDMA_SET_IOAS, &set),
	     "IOB_SWDMA_SET_IOAS: the channel moves to IOAS %u", ioas2);
	step(ENOENT, swdma_copy(chan, a_iova, b_iova, len, 0),
	     "IOB_SWDMA_COPY there: nothing mapped");
	step(0, iob_ioctl(chan, IOB_SWDMA_INFO, &info), "IOB_SWDMA_INFO");
	printf("  %-56s    %llu in %llu copies\n", "  bytes moved",
	       (unsigned long long)info.out_bytes_copied,
	       (unsigned long long)info.out_copies);
	printf("  %-56s    %llu\n", "  unmap callbacks (leaving an IOAS calls it)",
	       (unsigned long long)info.out_unmap_calls);
	ok = info.out_bytes_copied == 2 * len - 8 && info.out_unmap_calls;
	step(0, ok ? 0 : -1, "the engine counted both copies and the move");

	step(EBUSY, iob_destroy(fd, ioas2),
	     "IOMMU_DESTROY IOAS %u, the channel's", ioas2);
	close(chan);
	printf("  %-56s\n", "closed the channel: its access object is destroyed");
	step(0, iob_destroy(fd, ioas2), "IOMMU_DESTROY IOAS %u now", ioas2);
	step(0, iob_destroy(fd, ioas), "IOMMU_DESTROY IOAS %u", ioas);
	if (have_test)
		printf("  %-56s    %llu\n", "pages pinned afterwards",
		       (unsigned long long)pinned_now(fd));
	printf("\n");
	munmap(a, 2 * len);
}

int main(void)
{
	__u32 ioas1 = 0, ioas2 = 0, user = 0;
	int fd, rc, have_test;
	__u64 val;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("iobroker: the iommufd object model on the sPAPR TCE IOMMU\n\n");

	fd = iob_open();
	if (fd < 0) {
		perror("open " IOB_DEV);
		return 1;
	}
	printf("Opened %s: a fresh, empty object context.\n\n", IOB_DEV);

	printf("IO address spaces get the lowest free ID, starting at 1:\n");
	rc = iob_ioas_alloc(fd, &ioas1);
	step(0, rc, "IOMMU_IOAS_ALLOC gives IOAS %u", ioas1);
	rc = iob_ioas_alloc(fd, &ioas2);
	step(0, rc, "IOMMU_IOAS_ALLOC gives IOAS %u", ioas2);
	printf("\n");

	printf("Options are per IOAS or per file:\n");
	rc = iob_option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas1, &val);
	step(0, rc, "HUGE_PAGES of IOAS %u reads %llu", ioas1,
	     (unsigned long long)val);
	step(0, iob_option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas1, 0),
	     "HUGE_PAGES of IOAS %u := 0", ioas1);
	rc = iob_option_get(fd, IOMMU_OPTION_HUGE_PAGES, ioas2, &val);
	step(0, rc, "HUGE_PAGES of IOAS %u still reads %llu", ioas2,
	     (unsigned long long)val);
	step(EBUSY, iob_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1),
	     "RLIMIT_MODE := 1 while objects exist");
	printf("\n");

	printf("The errno contract:\n");
	step(ENOENT, iob_destroy(fd, 77), "IOMMU_DESTROY of ID 77, never made");
	step(ENOTTY, iob_ioctl(fd, _IO(IOMMUFD_TYPE, 0x9f), &val),
	     "ioctl number 0x9f");
	step(EOPNOTSUPP, iob_option_get(fd, 9, 0, &val), "option 9");
	step(EINVAL, iob_option_set(fd, IOMMU_OPTION_HUGE_PAGES, ioas1, 2),
	     "HUGE_PAGES := 2");
	printf("\n");

	have_test = iob_dep_alloc(fd, ioas1, &user) != ENOTTY;
	if (have_test) {
		printf("Long-term users block destroy (test object %u uses IOAS %u):\n",
		       user, ioas1);
		step(EBUSY, iob_destroy(fd, ioas1), "IOMMU_DESTROY IOAS %u",
		     ioas1);
		step(0, iob_destroy(fd, user), "IOMMU_DESTROY test object %u",
		     user);
		step(0, iob_destroy(fd, ioas1), "IOMMU_DESTROY IOAS %u",
		     ioas1);
		step(ENOENT, iob_destroy(fd, ioas1), "IOMMU_DESTROY IOAS %u again",
		     ioas1);
		printf("\n");
	} else {
		printf("(iobroker_test not loaded: skipping the dependency part)\n\n");
	}

	if (have_test) {
		demo_mapping(fd);
		demo_dma(fd);
	}
	demo_swdma(fd, have_test);

	printf("Closing the file destroys whatever is left, leaves first.\n");
	close(fd);
	if (have_test)
		printf("  %-56s    %ld\n", "objects alive in the module afterwards",
		       iob_global_objects());

	printf("\n%s\n", failures ? "DEMO FAILED" :
	       "demo finished: all steps behaved as described");
	return failures ? 1 : 0;
}
