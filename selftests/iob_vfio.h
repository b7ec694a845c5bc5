/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO's group and container API as its users call it: edu devices bound
 * to vfio-pci, a container on /dev/vfio/vfio, the sPAPR TCE v2 calls, and
 * the device's BAR and config space through its VFIO device file.
 *
 * Every helper returns 0 or an errno (as iob_ioctl() does), so a test
 * states the errno it expects.
 */
#ifndef IOB_VFIO_H
#define IOB_VFIO_H

#include <stdlib.h>
#include <sys/mman.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "iob_edu.h"

#define VFIO_CONTAINER_DEV	"/dev/vfio/vfio"

/* A VFIO call whose argument is a value: its result, or -errno. */
static inline long vfio_value(int fd, unsigned long cmd, unsigned long arg)
{
	long rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

/* Hand @name to vfio-pci and open its group; the group fd or -errno. */
static inline int vfio_group_open(const char *name)
{
	char path[64];
	int grp, fd;

	if (pci_bind(name, "vfio-pci"))
		return -ENODEV;
	grp = pci_iommu_group(name);
	if (grp < 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "/dev/vfio/%d", grp);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Give @name back: no driver, and no driver_override. */
static inline void vfio_release_dev(const char *name)
{
	char path[512];

	pci_unbind(name);
	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver_override",
		 name);
	sysfs_write(path, "\n");
}

static inline int vfio_set_container(int group, int container)
{
	return iob_ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
}

static inline int vfio_set_iommu(int container, long type)
{
	long rc = vfio_value(container, VFIO_SET_IOMMU, type);

	return rc < 0 ? -rc : 0;
}

static inline int spapr_register(int c, const void *va, __u64 size)
{
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg),
		.vaddr = (__u64)(unsigned long)va,
		.size = size,
	};

	return iob_ioctl(c, VFIO_IOMMU_SPAPR_REGISTER_MEMORY, &reg);
}

static inline int spapr_unregister(int c, const void *va, __u64 size)
{
	struct vfio_iommu_spapr_register_memory reg = {
		.argsz = sizeof(reg),
		.vaddr = (__u64)(unsigned long)va,
		.size = size,
	};

	return iob_ioctl(c, VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, &reg);
}

static inline int spapr_info(int c, struct vfio_iommu_spapr_tce_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	return iob_ioctl(c, VFIO_IOMMU_SPAPR_TCE_GET_INFO, info);
}

static inline int spapr_create(int c, __u32 shift, __u64 size, __u32 levels,
			       __u64 *start)
{
	struct vfio_iommu_spapr_tce_create cr = {
		.argsz = sizeof(cr),
		.page_shift = shift,
		.window_size = size,
		.levels = levels,
	};
	int rc = iob_ioctl(c, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr);

	if (!rc && start)
		*start = cr.start_addr;
	return rc;
}

/*
 * TCE_CREATE as QEMU calls it (hw/vfio/spapr.c): a first guess at the
 * levels from the table's size, then one more level at a time until the
 * host takes it.
 */
static inline int spapr_create_like_qemu(int c, __u32 shift, __u64 size,
					 __u64 *start)
{
	unsigned int host_shift = __builtin_ctzl(sysconf(_SC_PAGESIZE));
	unsigned int total = __builtin_ctzll((size >> shift) * 8);
	unsigned int per_level = host_shift + 8;
	unsigned int levels = total / per_level + !!(total % per_level);
	unsigned int max_levels = (64 - shift) / host_shift;
	int rc = EINVAL;

	for (; levels <= max_levels; levels++) {
		rc = spapr_create(c, shift, size, levels, start);
		if (!rc)
			break;
	}
	return rc;
}

static inline int spapr_remove(int c, __u64 start)
{
	struct vfio_iommu_spapr_tce_remove rm = {
		.argsz = sizeof(rm),
		.start_addr = start,
	};

	return iob_ioctl(c, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm);
}

static inline int spapr_map(int c, const void *va, __u64 iova, __u64 size,
			    __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(unsigned long)va,
		.iova = iova,
		.size = size,
	};

	return iob_ioctl(c, VFIO_IOMMU_MAP_DMA, &map);
}

#define SPAPR_RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static inline int spapr_unmap(int c, __u64 iova, __u64 size, __u32 flags)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};

	return iob_ioctl(c, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

/*
 * A VFIO device file @fd of the edu named @name as an edu, with its BAR
 * mapped and memory decoding and bus mastering on; 0 or an errno. @e
 * owns @fd from then on, also on error.
 */
static inline int vfio_edu_device(struct edu *e, int fd, const char *name)
{
	struct vfio_region_info cfg = {
		.argsz = sizeof(cfg),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	int rc, eio = EIO;
	__u16 cmd;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->fd = fd;
	rc = iob_ioctl(e->fd, VFIO_DEVICE_GET_REGION_INFO, &cfg);
	if (rc)
		return rc;
	if (pread(e->fd, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return eio;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(e->fd, &cmd, sizeof(cmd), cfg.offset + PCI_COMMAND) !=
	    sizeof(cmd))
		return eio;
	return edu_map_bar(e);
}

/* The device of @group named @name as an edu, as vfio_edu_device(). */
static inline int vfio_edu_open(struct edu *e, int group, const char *name)
{
	int fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name);

	if (fd < 0) {
		memset(e, 0, sizeof(*e));
		e->fd = -1;
		return errno;
	}
	return vfio_edu_device(e, fd, name);
}

/*
 * The windows the hypervisor holds for VFIO group @grp, read back entry by
 * entry (H_GET_TCE) through iobroker's debugfs: how many, their starts and
 * IO page shifts if asked for (room for two), and the live entries of all
 * of them; -1 when iobroker does not serve the group.
 */
static inline long long vfio_windows(int grp, unsigned int *nwin,
				     unsigned long long *starts,
				     unsigned int *shifts)
{
	char path[128], line[256];
	unsigned long long start, size, n, live = 0;
	unsigned int w, shift, count = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/debug/iobroker/vfio/%d/tces", grp);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "window %u start %llx size %llx page_shift %u live %llu",
			   &w, &start, &size, &shift, &n) == 5) {
			if (starts && count < 2)
				starts[count] = start;
			if (shifts && count < 2)
				shifts[count] = shift;
			live += n;
			count++;
		}
	fclose(f);
	if (nwin)
		*nwin = count;
	return live;
}

/* The same, only the count of windows and live entries. */
static inline long long vfio_live_tces(int grp, unsigned int *nwin)
{
	return vfio_windows(grp, nwin, NULL, NULL);
}

#endif
