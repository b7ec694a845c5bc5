/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device as a DMA engine for end-to-end tests: finding it,
 * handing it to iobroker-pci, binding its node to a /dev/iommu file, and
 * making it copy bytes from bus addresses into its buffer and back.
 *
 * edu (hw/misc/edu.c) has a 4 KiB buffer at device address 0x40000 and
 * four DMA registers; a transfer runs about 100 ms of virtual time after
 * the command is written. Its registers are big-endian to a ppc64le
 * guest. QEMU 7.2 aborts the whole machine when a transfer reaches the
 * last byte of the buffer, so every transfer here starts at the buffer's
 * first byte and moves at most EDU_MAX_DMA bytes.
 */
#ifndef IOB_EDU_H
#define IOB_EDU_H

#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../uapi/iobroker/device.h"
#include "iob_pci.h"
#include "iob_utils.h"

#define EDU_ID		0x010000ed
#define EDU_REG_ID	0x00
#define EDU_REG_LIVE	0x04
#define EDU_REG_SRC	0x80
#define EDU_REG_DST	0x88
#define EDU_REG_COUNT	0x90
#define EDU_REG_CMD	0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_BUS	0x2
#define EDU_BUFFER	0x40000
#define EDU_MAX_DMA	2048

#define EDU_DRIVER	"iobroker-pci"

/* The DMA windows of a pseries host bridge on QEMU. */
#define EDU_DDW_START	0x800000000000000ULL

struct edu {
	char name[32];
	int fd;
	unsigned char *bar;
	size_t bar_len;
	__u32 dev_id;
};

static inline int edu_open(struct edu *e, const char *name)
{
	char path[64];

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(path, sizeof(path), "/dev/iobroker/%s", name);
	e->fd = open(path, O_RDWR);
	return e->fd < 0 ? errno : 0;
}

static inline int edu_bind(struct edu *e, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};
	int rc = iob_ioctl(e->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);

	if (!rc)
		e->dev_id = bind.out_devid;
	return rc;
}

/* Attach or replace; *@hwpt (may be NULL) gets the HWPT now used. */
static inline int edu_attach(struct edu *e, __u32 pt, __u32 *hwpt)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt,
	};
	int rc = iob_ioctl(e->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);

	if (!rc && hwpt)
		*hwpt = attach.pt_id;
	return rc;
}

static inline int edu_detach(struct edu *e)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	return iob_ioctl(e->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

static inline int edu_map_bar(struct edu *e)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_BAR0_REGION_INDEX,
	};
	void *p;
	int rc;

	rc = iob_ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &info);
	if (rc)
		return rc;
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, e->fd,
		 info.offset);
	if (p == MAP_FAILED)
		return errno;
	e->bar = p;
	e->bar_len = info.size;
	return 0;
}

static inline void edu_close(struct edu *e)
{
	if (e->bar)
		munmap(e->bar, e->bar_len);
	if (e->fd >= 0)
		close(e->fd);
	e->bar = NULL;
	e->fd = -1;
}

/*
 * Register accesses. An atomic access is one load or store of the full
 * width that the compiler can neither drop nor merge, with a full barrier:
 * what uncached device memory needs.
 */
static inline __u32 edu_rd32(struct edu *e, unsigned int reg)
{
	return be32toh(__atomic_load_n((__u32 *)(e->bar + reg),
				       __ATOMIC_SEQ_CST));
}

static inline void edu_wr32(struct edu *e, unsigned int reg, __u32 val)
{
	__atomic_store_n((__u32 *)(e->bar + reg), htobe32(val),
			 __ATOMIC_SEQ_CST);
}

static inline __u64 edu_rd64(struct edu *e, unsigned int reg)
{
	return be64toh(__atomic_load_n((__u64 *)(e->bar + reg),
				       __ATOMIC_SEQ_CST));
}

static inline void edu_wr64(struct edu *e, unsigned int reg, __u64 val)
{
	__atomic_store_n((__u64 *)(e->bar + reg), htobe64(val),
			 __ATOMIC_SEQ_CST);
}

static inline double edu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait for the running transfer to end; 0, or -1 after 20 seconds. */
static inline int edu_wait(struct edu *e)
{
	struct timespec ms = { 0, 1000000 };
	double end = edu_now() + 20;

	while (edu_rd64(e, EDU_REG_CMD) & EDU_CMD_RUN) {
		if (edu_now() > end)
			return -1;
		nanosleep(&ms, NULL);
	}
	return 0;
}

/*
 * Copy @len bytes between bus address @iova and the start of edu's
 * buffer: into the buffer, or out of it with @to_bus. 0, or -1 for a
 * length edu cannot take or a transfer that does not end.
 */
static inline int edu_dma(struct edu *e, __u64 iova, __u32 len, int to_bus)
{
	int rc;

	if (!len || len > EDU_MAX_DMA)
		return -1;
	rc = edu_wait(e);
	if (rc)
		return rc;
	edu_wr64(e, EDU_REG_SRC, to_bus ? EDU_BUFFER : iova);
	edu_wr64(e, EDU_REG_DST, to_bus ? iova : EDU_BUFFER);
	edu_wr64(e, EDU_REG_COUNT, len);
	edu_wr64(e, EDU_REG_CMD, EDU_CMD_RUN | (to_bus ? EDU_CMD_TO_BUS : 0));
	return edu_wait(e);
}

/* From one bus address to another, through edu's buffer. */
static inline int edu_copy(struct edu *e, __u64 src, __u64 dst, __u32 len)
{
	int rc = edu_dma(e, src, len, 0);

	return rc ? rc : edu_dma(e, dst, len, 1);
}

/*
 * What the hypervisor holds for @name's iommu group, read back entry by
 * entry through debugfs: the number of windows and the non-zero entries
 * in all of them; the windows' starts and page shifts if asked for.
 */
static inline int edu_hw_tces(const char *name, unsigned int *nwin,
			      unsigned long long *live,
			      unsigned long long *starts,
			      unsigned int *shifts)
{
	char path[256], line[256];
	unsigned long long start, size, n;
	unsigned int w, shift;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/iobroker/pci/%s/tces", name);
	f = fopen(path, "r");
	if (!f)
		return errno;
	*nwin = 0;
	*live = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "window %u start %llx size %llx page_shift %u live %llu",
			   &w, &start, &size, &shift, &n) != 5)
			continue;
		if (starts)
			starts[*nwin] = start;
		if (shifts)
			shifts[*nwin] = shift;
		(*nwin)++;
		*live += n;
	}
	fclose(f);
	return 0;
}

/* TCEs iobroker believes it holds in hypervisor tables, module-wide. */
static inline long long iob_hw_tces_fd(int fd)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_IOB_STATS };

	return iob_test(fd, &cmd) ? -1 : (long long)cmd.iob_stats.out_hw_tces;
}

/* The same, asked through a fresh file. */
static inline long long iob_hw_tces(void)
{
	int fd = iob_open();
	long long n;

	if (fd < 0)
		return -1;
	n = iob_hw_tces_fd(fd);
	close(fd);
	return n;
}

#endif
