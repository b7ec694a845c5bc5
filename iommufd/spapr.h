/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VFIO's sPAPR TCE v2 container, served from iobroker objects: the IOMMU
 * calls of VFIO_SPAPR_TCE_v2_IOMMU (memory registration, DMA windows,
 * maps and unmaps) with vfio_iommu_spapr_tce's rules, on one IOAS.
 * Whoever has the groups hands down the platform's part through &struct
 * iob_spapr_ops: devices/vfio.c for VFIO's own containers, and
 * iommufd/vfio_compat.c for /dev/iommu, whose devices stand for groups.
 */
#ifndef IOBROKER_SPAPR_H
#define IOBROKER_SPAPR_H

#include <linux/types.h>

struct iob_ctx;
struct iob_ioas;
struct iob_pt;
struct iob_spapr;
struct iommu_hwpt_iob_tce;

/**
 * struct iob_spapr_caps - what a container's groups can have
 * @dma32_start: bus address of the default (32-bit) window
 * @dma32_size: its size as the platform reports it
 * @ddw_start: bus address of a dynamic (64-bit) window
 * @pgsizes: IO page sizes windows may use, one bit per size
 * @max_dynamic_windows: windows the platform can make, 0 for none
 * @max_levels: deepest table it builds
 */
struct iob_spapr_caps {
	u64 dma32_start;
	u64 dma32_size;
	u64 ddw_start;
	u64 pgsizes;
	u32 max_dynamic_windows;
	u32 max_levels;
};

/**
 * struct iob_spapr_ops - the platform side of a container
 * @caps: what the container's groups can have; fails with -ENXIO when it
 *	has none
 * @pt_alloc: a page table with the windows @req, fit for every group
 * @group_next: the group after @group, the first for NULL; NULL after
 *	the last
 * @group_set_pt: make @group translate through @pt (NULL: DMA blocked,
 *	which cannot fail); on error the group is as it was
 * @eeh: VFIO_EEH_PE_OP on every group, @arg the user's structure
 *
 * Called with the container's lock held; @drv is what iob_spapr_create()
 * was given.
 */
struct iob_spapr_ops {
	int (*caps)(void *drv, struct iob_spapr_caps *caps);
	struct iob_pt *(*pt_alloc)(void *drv,
				   const struct iommu_hwpt_iob_tce *req);
	void *(*group_next)(void *drv, void *group);
	int (*group_set_pt)(void *drv, void *group, struct iob_pt *pt);
	long (*eeh)(void *drv, unsigned long arg);
};

struct iob_spapr *iob_spapr_create(const struct iob_spapr_ops *ops,
				   void *drv);
struct iob_spapr *iob_spapr_create_on(const struct iob_spapr_ops *ops,
				      void *drv, struct iob_ctx *ctx,
				      struct iob_ioas *ioas);
void iob_spapr_destroy(struct iob_spapr *sp);
long iob_spapr_ioctl(struct iob_spapr *sp, unsigned int cmd,
		     unsigned long arg);
long iob_spapr_check_extension(unsigned long type);
void iob_spapr_lock(struct iob_spapr *sp);
void iob_spapr_unlock(struct iob_spapr *sp);
struct iob_pt *iob_spapr_pt(struct iob_spapr *sp);
void iob_spapr_groups_changed(struct iob_spapr *sp, unsigned int ngroups);

#endif
