// SPDX-License-Identifier: GPL-2.0
/*
 * DPDK's own VFIO code on iobroker. Debian's build of DPDK 22.11's EAL
 * (lib/eal/linux/eal_vfio.c), linked in as it ships, sets up an edu bound
 * to vfio-pci the way a DPDK driver's probe does (rte_vfio_setup_device()):
 * it makes its default container sPAPR TCE v2, removes the default window,
 * makes one window of its hugepage size over all its memory, and registers
 * and maps every memory segment. The test checks from outside what DPDK
 * did (the hypervisor's TCEs, read back through debugfs) and that edu's DMA
 * between buffers of DPDK's heap, at the IOVAs DPDK gives them, arrives;
 * then a map of memory DPDK does not own (rte_vfio_container_dma_map())
 * and DPDK's attempt to unmap it. The EAL starts once per process, so
 * each case runs it in a child, and the parent checks that the child's
 * exit left no TCE, pin or object behind.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"
#include "iob_vfio.h"

#define SZ_2M 0x200000ULL
#define LEN 2048

static char edu_names[EDU_MAX][32];
static int edu_count;

__attribute__((constructor)) static void edu_list(void)
{
	edu_count = edu_find(edu_names, EDU_MAX);
}

/* The EAL as a small DPDK program starts it: one core, 32 MiB of 2 MiB pages. */
static int eal_start(void)
{
	/* The EAL may rewrite its arguments: writable copies. */
	static char args[][32] = {
		"iobroker_dpdk", "-l", "0", "--in-memory", "--no-telemetry",
		"-m", "32", "--iova-mode=va", "--log-level=lib.eal:error",
	};
	char *argv[ARRAY_SIZE(args) + 1];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(args); i++)
		argv[i] = args[i];
	argv[i] = NULL;
	/* Where the EAL keeps its runtime files; the guest has no /var. */
	mkdir("/var", 0755);
	mkdir("/var/run", 0755);
	return rte_eal_init(i, argv) < 0 ? rte_errno : 0;
}

/* Bytes and page size of DPDK's memory segments. */
struct seg_sum {
	__u64 bytes;
	__u64 page;
};

static int seg_add(const struct rte_memseg_list *msl,
		   const struct rte_memseg *ms, void *arg)
{
	struct seg_sum *sum = arg;

	sum->bytes += ms->len;
	sum->page = ms->hugepage_sz;
	return 0;
}

/* What a case does in its child, once edu is set up in DPDK's container. */
typedef void (*dpdk_case)(struct __test_metadata *_metadata, struct edu *e,
			  int grp);

/*
 * Run @fn in a child that starts the EAL and has DPDK set edu up, after
 * checking what DPDK made; then check in the parent that the child's exit
 * left nothing.
 */
static void with_dpdk(struct __test_metadata *_metadata, dpdk_case fn)
{
	long objects = iob_global_objects(), pinned = module_pinned_pages();
	const char *name;
	int status;
	pid_t pid;

	/*
	 * DPDK takes only a window at bus address 0, which QEMU gives when
	 * the PHB's dma64_win_addr says so: the rig's fourth edu, behind
	 * phb3, whose default window it moved out of the way to 1 << 59.
	 */
	ASSERT_GE(edu_count, 4) TH_LOG("the rig gives four edu devices");
	name = edu_names[3];
	ASSERT_EQ(0, pci_bind(name, "vfio-pci"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct vfio_device_info info = { .argsz = sizeof(info) };
		struct seg_sum sum = { 0 };
		unsigned long long starts[2] = { 1, 1 };
		unsigned int nwin = 0, shifts[2] = {};
		struct edu e;
		int fd = -1, grp = -1;

		ASSERT_EQ(0, eal_start());
		ASSERT_EQ(1, rte_vfio_is_enabled("vfio"));
		ASSERT_EQ(0, rte_vfio_setup_device(PCI_SYSFS "/devices", name,
						   &fd, &info));
		ASSERT_EQ(1, rte_vfio_get_group_num(PCI_SYSFS "/devices",
						    name, &grp));
		ASSERT_EQ(0, rte_memseg_walk(seg_add, &sum));
		ASSERT_NE(0, sum.bytes);
		/*
		 * iobroker serves the group (its debugfs knows it), with the
		 * one window DPDK made at 0 in its hugepage size, and one TCE
		 * for each page of every segment.
		 */
		ASSERT_EQ(sum.bytes / sum.page,
			  vfio_windows(grp, &nwin, starts, shifts));
		ASSERT_EQ(1, nwin);
		ASSERT_EQ(0, starts[0]);
		ASSERT_EQ(sum.page, 1ULL << shifts[0]);

		ASSERT_EQ(0, vfio_edu_device(&e, fd, name));
		fn(_metadata, &e, grp);
		/* The file is DPDK's to close. */
		e.fd = -1;
		edu_close(&e);
		ASSERT_EQ(0, rte_vfio_release_device(PCI_SYSFS "/devices",
						     name, fd));
		rte_eal_cleanup();
		_exit(_metadata->exit_code);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, iob_hw_tces());
	ASSERT_EQ(pinned, module_pinned_pages());
	ASSERT_EQ(objects, iob_global_objects());
	vfio_release_dev(name);
}

/* A pattern different for each @seed. */
static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 11 + seed * 7 + 3);
}

/* edu copies between two buffers of DPDK's heap, at DPDK's IOVAs. */
static void heap_dma(struct __test_metadata *_metadata, struct edu *e,
		     int grp)
{
	unsigned char *src, *dst;
	rte_iova_t s, d;

	src = rte_malloc(NULL, LEN, 4096);
	dst = rte_malloc(NULL, LEN, 4096);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	s = rte_malloc_virt2iova(src);
	d = rte_malloc_virt2iova(dst);
	ASSERT_NE(RTE_BAD_IOVA, s);
	ASSERT_NE(RTE_BAD_IOVA, d);
	fill(src, LEN, 1);
	memset(dst, 0, LEN);
	ASSERT_EQ(0, edu_copy(e, s, d, LEN));
	ASSERT_EQ(0, memcmp(src, dst, LEN));
	rte_free(src);
	rte_free(dst);
}

TEST(eal_sets_up_and_dma_arrives)
{
	with_dpdk(_metadata, heap_dma);
}

/*
 * Memory of the program's own, a 2 MiB huge page, mapped for DMA at IOVA
 * 0 (inside DPDK's window, below its segments) through DPDK's container
 * API and used by edu. DPDK 22.11 then cannot unmap it, on either
 * backend: it sends its sPAPR UNMAP_DMA in the layout of a map (struct
 * vfio_iommu_type1_dma_map), so the kernel reads the map's vaddr field as
 * the IOVA and its iova field as the size, here 0 and 0, and nothing is
 * unmapped. Its UNREGISTER_MEMORY then finds the memory still mapped:
 * iobroker answers EBUSY and DPDK reports the failure, where
 * vfio_iommu_spapr_tce answers 0 and orphans the registration
 * (docs/vfio.rst). The map stays, usable, until the container goes.
 */
static void user_map(struct __test_metadata *_metadata, struct edu *e,
		     int grp)
{
	long long before = vfio_live_tces(grp, NULL);
	unsigned char *ext, *src;
	rte_iova_t s;

	ext = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	ASSERT_NE(MAP_FAILED, ext);
	memset(ext, 0, SZ_2M);
	ASSERT_EQ(0, rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD,
						(uintptr_t)ext, 0, SZ_2M));
	ASSERT_EQ(before + 1, vfio_live_tces(grp, NULL));

	src = rte_malloc(NULL, LEN, 4096);
	ASSERT_NE(NULL, src);
	s = rte_malloc_virt2iova(src);
	fill(src, LEN, 2);
	ASSERT_EQ(0, edu_copy(e, s, 0x1000, LEN));
	ASSERT_EQ(0, memcmp(src, ext + 0x1000, LEN));

	ASSERT_EQ(-1, rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD,
						   (uintptr_t)ext, 0, SZ_2M));
	ASSERT_EQ(before + 1, vfio_live_tces(grp, NULL));
	fill(src, LEN, 3);
	ASSERT_EQ(0, edu_copy(e, s, 0x2000, LEN));
	ASSERT_EQ(0, memcmp(src, ext + 0x2000, LEN));
	rte_free(src);
}

TEST(eal_maps_memory_of_its_user)
{
	with_dpdk(_metadata, user_map);
}

TEST_HARNESS_MAIN
