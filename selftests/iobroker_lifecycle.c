// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle: run by the rig after the suite has unloaded the
 * modules. While any file of a module is open (/dev/iommu, a device node,
 * an access descriptor, a /dev/iob_swdma channel) unloading it is
 * refused; once the files are closed it unloads, with nothing pinned and
 * nothing left in debugfs or /dev. Then load, use and unload cycles, after
 * which the rig's kmemleak step looks for leaks. Each test leaves the
 * modules unloaded.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

/* First: <linux/vfio.h>, before the headers that stand in for it. */
#include "iob_vfio.h"

#include "../uapi/iobroker/swdma.h"
#include "iob_access.h"
#include "iob_buffer.h"
#include "iob_edu.h"
#include "iob_nl.h"
#include "iob_pci.h"

#define CYCLES 8

static const char *const mods[] = {
	"iobroker", "iobroker_test", "iobroker_swdma",
};

static int load(const char *name)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "/lib/modules/%s.ko", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	rc = syscall(SYS_finit_module, fd, "", 0) ? errno : 0;
	close(fd);
	return rc;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? errno : 0;
}

static int loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

static int load_all(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		rc = load(mods[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static void unload_all(void)
{
	int i;

	for (i = ARRAY_SIZE(mods) - 1; i >= 0; i--)
		if (loaded(mods[i]))
			unload(mods[i]);
}

/* Is the generic netlink family registered? */
static int family_there(void)
{
	struct iob_nl n;

	if (iob_nl_open(&n))
		return 0;
	iob_nl_close(&n);
	return 1;
}

/* Nothing of the modules is left once they are gone. */
static int all_gone(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mods); i++)
		if (loaded(mods[i]))
			return 0;
	return !family_there() &&
	       access("/dev/iommu", F_OK) && access("/dev/iob_swdma", F_OK) &&
	       access("/sys/kernel/debug/iobroker", F_OK) &&
	       access("/sys/kernel/debug/fail_iobroker", F_OK);
}

FIXTURE(lifecycle) {
	char *mem;
	size_t len;
};

FIXTURE_SETUP(lifecycle)
{
	/* The suite unloaded everything before this program. */
	ASSERT_TRUE(all_gone());
	self->len = 4 * page_size;
	self->mem = mmap(NULL, self->len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 1, self->len);
}

FIXTURE_TEARDOWN(lifecycle)
{
	unload_all();
	EXPECT_TRUE(all_gone());
	munmap(self->mem, self->len);
}

/* The first edu, which iobroker-pci takes again whenever it loads. */
static char edu_name[32];

static int swdma_bind(int chan, int fd, __u32 ioas)
{
	struct iob_swdma_bind cmd = {
		.size = sizeof(cmd),
		.iommufd = fd,
		.ioas_id = ioas,
	};

	return iob_ioctl(chan, IOB_SWDMA_BIND, &cmd);
}

static int swdma_copy(int chan, __u64 src, __u64 dst, __u64 len)
{
	struct iob_swdma_copy cmd = {
		.size = sizeof(cmd),
		.src_iova = src,
		.dst_iova = dst,
		.length = len,
	};

	return iob_ioctl(chan, IOB_SWDMA_COPY, &cmd);
}

#define IOVA ((__u64)MOCK_APERTURE_START)

TEST_F_TIMEOUT(lifecycle, unload_refused_while_files_open, 120)
{
	int fd, afd, chan, probe;
	struct edu e = { .fd = -1 };
	__u32 ioas, item;

	ASSERT_EQ(0, load_all());
	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, self->mem, self->len, IOVA));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_create_access(fd, ioas,
				       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				       &afd));
	ASSERT_EQ(0, iob_access_pages(fd, afd, IOVA, page_size, self->mem, 0,
				      &item));
	chan = open("/dev/iob_swdma", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, chan);
	ASSERT_EQ(0, swdma_bind(chan, fd, ioas));
	ASSERT_NE(0, edu_name[0]);
	ASSERT_EQ(0, edu_open(&e, edu_name));
	ASSERT_EQ(0, edu_bind(&e, fd));

	/* Each module is held by its open files (and by its users). */
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker_swdma"));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker_test"));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker"));
	EXPECT_EQ(0, close(chan));
	EXPECT_EQ(0, unload("iobroker_swdma"));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker_test"));
	/*
	 * The access's descriptor, then the mock device, which lives as
	 * long as the file: the bound device node holds that too.
	 */
	EXPECT_EQ(0, close(afd));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker_test"));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker_test"));
	edu_close(&e);
	EXPECT_EQ(0, unload("iobroker_test"));

	/* A device node alone, and a /dev/iommu file alone, hold the broker. */
	ASSERT_EQ(0, edu_open(&e, edu_name));
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker"));
	edu_close(&e);
	probe = iob_open();
	ASSERT_LE(0, probe);
	EXPECT_EQ(EWOULDBLOCK, unload("iobroker"));
	close(probe);
	EXPECT_EQ(0, unload("iobroker"));
	EXPECT_TRUE(all_gone());
}

/*
 * Without iobroker_test, IOMMU_TEST_CMD is ENOTTY before any argument is
 * looked at, as on a kernel built without upstream's test driver; with
 * it, the calling convention applies again.
 */
TEST_F_TIMEOUT(lifecycle, test_cmd_without_test_module, 120)
{
	struct {
		struct iommu_test_cmd cmd;
		char tail[64];
	} big;
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOB_STATS,
	};
	__u32 tiny = 4;
	int fd;

	ASSERT_EQ(0, load("iobroker"));
	fd = iob_open();
	ASSERT_LE(0, fd);
	memset(&big, 0xff, sizeof(big));
	big.cmd.size = sizeof(big);
	EXPECT_EQ(ENOTTY, iob_ioctl(fd, IOMMU_TEST_CMD, &cmd));
	EXPECT_EQ(ENOTTY, iob_ioctl(fd, IOMMU_TEST_CMD, &tiny));
	EXPECT_EQ(ENOTTY, iob_ioctl(fd, IOMMU_TEST_CMD, NULL));
	EXPECT_EQ(ENOTTY, iob_ioctl(fd, IOMMU_TEST_CMD, &big));

	ASSERT_EQ(0, load("iobroker_test"));
	EXPECT_EQ(0, iob_ioctl(fd, IOMMU_TEST_CMD, &cmd));
	EXPECT_EQ(EINVAL, iob_ioctl(fd, IOMMU_TEST_CMD, &tiny));
	EXPECT_EQ(EFAULT, iob_ioctl(fd, IOMMU_TEST_CMD, NULL));
	EXPECT_EQ(E2BIG, iob_ioctl(fd, IOMMU_TEST_CMD, &big));
	close(fd);
}

/* Load, use everything, close, unload; again and again. */
TEST_F_TIMEOUT(lifecycle, load_use_unload_cycles, 600)
{
	char tmp[256];
	unsigned int i;

	for (i = 0; i < CYCLES; i++) {
		struct edu e = { .fd = -1 };
		__u32 ioas, item;
		int fd, afd, chan;

		ASSERT_EQ(0, load_all()) TH_LOG("cycle %u", i);
		fd = iob_open();
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
		ASSERT_EQ(0, iob_map_fixed(fd, ioas, self->mem, self->len / 2,
					   IOVA));
		ASSERT_EQ(0, iob_map_fixed(fd, ioas, self->mem + self->len / 2,
					   self->len / 2, IOVA + self->len));
		ASSERT_EQ(0, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
		ASSERT_EQ(0, iob_create_access(fd, ioas,
					       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					       &afd));
		ASSERT_EQ(0, iob_access_pages(fd, afd, IOVA, page_size, NULL,
					      0, &item));
		ASSERT_EQ(0, iob_access_rw(fd, afd, IOVA + 7, tmp,
					   sizeof(tmp), 0));
		chan = open("/dev/iob_swdma", O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, chan);
		ASSERT_EQ(0, swdma_bind(chan, fd, ioas));
		ASSERT_EQ(0, swdma_copy(chan, IOVA, IOVA + self->len,
					page_size));
		ASSERT_EQ(0, edu_open(&e, edu_name)) TH_LOG("cycle %u", i);
		ASSERT_EQ(0, edu_bind(&e, fd));
		ASSERT_EQ(0, edu_attach(&e, ioas, NULL));
		EXPECT_LT(0, iob_hw_tces());

		/* Files closed in the worst order: the iommufd first. */
		close(fd);
		close(chan);
		close(afd);
		edu_close(&e);
		EXPECT_EQ(0, module_pinned_pages()) TH_LOG("cycle %u", i);
		EXPECT_EQ(0, iob_global_objects()) TH_LOG("cycle %u", i);
		EXPECT_EQ(0, iob_hw_tces()) TH_LOG("cycle %u", i);
		EXPECT_EQ(0, buffer_unpinned(self->mem, self->len));
		unload_all();
		ASSERT_TRUE(all_gone()) TH_LOG("cycle %u", i);
	}
	ksft_print_msg("%u cycles of load, use and unload\n", CYCLES);
}

/* Run iobctl with @args; its exit status, and its stderr in @err. */
static int run_iobctl(const char *args, char *err, size_t len)
{
	char cmd[256];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "/bin/iobctl %s 2>&1 >/dev/null", args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < len && fgets(err + n, len - n, p))
		n = strlen(err);
	err[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The netlink family comes and goes with the module. A listener does not
 * keep the module: it unloads under it, the listener gets nothing more,
 * and a new family after the next load starts with no members. iobctl
 * says what is wrong when the module is missing.
 */
TEST_F_TIMEOUT(lifecycle, netlink_family_follows_module, 120)
{
	struct iob_nl_list l = {};
	struct iob_nl_item items[64];
	struct iob_nl mon = {}, mon2 = {};
	char err[512];
	__u32 ioas;
	int fd;

	l.items = items;
	l.max = ARRAY_SIZE(items);
	EXPECT_EQ(ENOENT, iob_nl_open(&mon));
	EXPECT_NE(0, run_iobctl("show", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "module is not loaded")) TH_LOG("%s", err);
	EXPECT_NE(0, run_iobctl("monitor", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "module is not loaded")) TH_LOG("%s", err);

	ASSERT_EQ(0, load_all());
	ASSERT_EQ(0, iob_nl_open(&mon));
	ASSERT_EQ(0, iob_nl_monitor(&mon));
	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	close(fd);
	ASSERT_EQ(0, iob_nl_events(&mon, &l, 1000));
	/* file-new, object-new, object-del, file-del. */
	EXPECT_EQ(4, l.n);
	EXPECT_EQ(0, run_iobctl("show files", err, sizeof(err))) TH_LOG("%s", err);

	/* The listener's socket stays open across the unload. */
	unload_all();
	ASSERT_TRUE(all_gone());
	ASSERT_EQ(0, load_all());
	ASSERT_EQ(0, iob_nl_open(&mon2));
	fd = iob_open();
	ASSERT_LE(0, fd);
	close(fd);
	l.n = 0;
	EXPECT_EQ(0, iob_nl_events(&mon, &l, 500));
	EXPECT_EQ(0, l.n);
	iob_nl_close(&mon);
	iob_nl_close(&mon2);
}

/*
 * vfio_iommu_spapr_tce's rules a VFIO user may rely on, as Linux 6.12
 * gives them, run against whichever backend serves @c (a container of
 * the v2 type with a group in): 0 if every call got the errno listed,
 * else the number of the first call that did not.
 */
/* Count a call; true if it did not answer @want. */
static bool step(int *n, long want, long got)
{
	++*n;
	return got != want;
}

static int spapr_rules(int c, unsigned char *b, bool vfio_own)
{
	const __u64 k4 = 4096, k64 = 65536, ddw = (__u64)1 << 59;
	struct vfio_iommu_spapr_tce_info info;
	__u64 start = 0;
	int n = 0, status;
	pid_t pid;

	if (step(&n, EPERM, spapr_map(c, b, 0, k4, SPAPR_RW)))
		return n;
	if (step(&n, EINVAL, spapr_register(c, b + k4, k64)))
		return n;
	if (step(&n, 0, spapr_register(c, b, 2 * k64)))
		return n;
	if (step(&n, EBUSY, spapr_register(c, b, 2 * k64)))
		return n;
	if (step(&n, EINVAL, spapr_register(c, b + k64, 2 * k64)))
		return n;
	if (step(&n, 0, spapr_info(c, &info)))
		return n;
	if (step(&n, 0, spapr_map(c, b, 0x10000, k4, SPAPR_RW)))
		return n;
	if (step(&n, ENXIO, spapr_map(c, b, ddw, k64, SPAPR_RW)))
		return n;
	if (step(&n, EINVAL, spapr_map(c, b, 0x20000, k4, 4)))
		return n;
	if (step(&n, EINVAL, spapr_map(c, b, 0x20000, k4, 0)))
		return n;
	if (step(&n, EINVAL, spapr_map(c, b + 8, 0x20000, k4, SPAPR_RW)))
		return n;
	if (step(&n, EINVAL, spapr_unmap(c, 0x10000, k4, 1)))
		return n;
	if (step(&n, EINVAL, spapr_unmap(c, 0x10000, 100, 0)))
		return n;
	/*
	 * Unregistering mapped memory: iobroker says EBUSY. Linux 6.12's
	 * backend returns 0 but keeps the registration pinned with nothing
	 * pointing at it, and the process's exit then WARNs
	 * (destroy_context(), which panics this guest): not asked of it.
	 */
	if (!vfio_own && step(&n, EBUSY, spapr_unregister(c, b, 2 * k64)))
		return n;
	/* Over an existing TCE: replaced. */
	if (step(&n, 0, spapr_map(c, b + k64, 0x10000, k4, SPAPR_RW)))
		return n;
	if (step(&n, 0, spapr_map(c, b, 0x40000, 4 * k4, SPAPR_RW)))
		return n;
	/* One TCE out of the middle of a map; then nothing. */
	if (step(&n, 0, spapr_unmap(c, 0x41000, k4, 0)))
		return n;
	if (step(&n, 0, spapr_unmap(c, 0x200000, k64, 0)))
		return n;
	if (step(&n, 0, spapr_unmap(c, 0, 1 << 20, 0)))
		return n;
	if (step(&n, ENOENT, spapr_unregister(c, b, k64)))
		return n;
	if (step(&n, 0, spapr_unregister(c, b, 2 * k64)))
		return n;
	if (step(&n, 0, spapr_create(c, 16, 1 << 30, 1, &start)))
		return n;
	if (step(&n, ddw, start))
		return n;
	if (step(&n, ENOSPC, spapr_create(c, 16, 1 << 30, 1, &start)))
		return n;
	if (step(&n, 0, spapr_remove(c, ddw)))
		return n;
	if (step(&n, 0, spapr_remove(c, 0)))
		return n;
	if (step(&n, EINVAL, spapr_remove(c, 0)))
		return n;
	/* The container is bound to this process now. */
	pid = fork();
	if (pid < 0)
		return n;
	if (!pid)
		_exit(spapr_info(c, &info));
	if (step(&n, pid, waitpid(pid, &status, 0)))
		return n;
	if (step(&n, EPERM, WEXITSTATUS(status)))
		return n;
	return 0;
}

/* A container of the v2 type with edu @name's group in; 0 or an errno. */
static int spapr_container(const char *name, int *c, int *g)
{
	int nodev = ENODEV;

	*c = open(VFIO_CONTAINER_DEV, O_RDWR | O_CLOEXEC);
	*g = vfio_group_open(name);
	if (*c < 0 || *g < 0)
		return nodev;
	return vfio_set_container(*g, *c) ?:
	       vfio_set_iommu(*c, VFIO_SPAPR_TCE_v2_IOMMU);
}

/* The module's reference count, or -1. */
static long mod_refs(const char *mod)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	if (sysfs_read(path, val, sizeof(val)))
		return -1;
	return strtol(val, NULL, 10);
}

/* Whether iobroker serves @name's group: its debugfs knows the group. */
static int iobroker_serves(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/iobroker/vfio/%d",
		 pci_iommu_group(name));
	return !access(path, F_OK);
}

/*
 * VFIO takes the backend registered last first: with its own sPAPR
 * backend loaded before iobroker, iobroker serves new containers, and
 * cannot be unloaded while one is open; once it is gone, VFIO's serves
 * them. The same list of rules gets the same errnos from both.
 */
TEST_F_TIMEOUT(lifecycle, vfio_backend_order, 120)
{
	unsigned char *b;
	char names[EDU_MAX][32];
	int c, g;
	long iob;

	ASSERT_LE(3, edu_find(names, EDU_MAX));
	b = mmap(NULL, 4 * 65536, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, load("vfio_iommu_spapr_tce"));
	ASSERT_EQ(0, load_all());

	iob = mod_refs("iobroker");
	ASSERT_LE(0, iob);
	ASSERT_EQ(0, mod_refs("vfio_iommu_spapr_tce"));
	ASSERT_EQ(0, spapr_container(names[2], &c, &g));
	EXPECT_TRUE(iobroker_serves(names[2]));
	/* VFIO holds the serving backend's module for the container. */
	EXPECT_LT(iob, mod_refs("iobroker"));
	EXPECT_EQ(0, mod_refs("vfio_iommu_spapr_tce"));
	EXPECT_EQ(0, spapr_rules(c, b, false));
	close(g);
	close(c);
	EXPECT_EQ(iob, mod_refs("iobroker"));

	unload_all();
	ASSERT_TRUE(all_gone());
	ASSERT_EQ(0, spapr_container(names[2], &c, &g));
	EXPECT_EQ(1, mod_refs("vfio_iommu_spapr_tce"));
	EXPECT_EQ(0, spapr_rules(c, b, true));
	close(g);
	close(c);
	EXPECT_EQ(0, unload("vfio_iommu_spapr_tce"));
	vfio_release_dev(names[2]);
	munmap(b, 4 * 65536);
}

/* Have iobroker-pci take the first edu whenever it registers. */
__attribute__((constructor)) static void find_edu(void)
{
	char names[EDU_MAX][32], path[512];

	if (edu_find(names, EDU_MAX) <= 0)
		return;
	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver_override",
		 names[0]);
	if (pci_unbind(names[0]) || sysfs_write(path, EDU_DRIVER))
		return;
	snprintf(edu_name, sizeof(edu_name), "%s", names[0]);
}

TEST_HARNESS_MAIN
