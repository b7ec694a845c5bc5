/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pseries TCE backend: real devices behind the sPAPR TCE IOMMU of a
 * PAPR hypervisor (PowerVM, KVM, QEMU's pseries machine).
 */
#ifndef IOBROKER_TCE_PSERIES_H
#define IOBROKER_TCE_PSERIES_H

#include <linux/types.h>

struct device;
struct iommu_group;
struct iob_pt;
struct iommu_hwpt_iob_tce;
struct tce_caps;
struct tce_ps_dev;

/**
 * struct tce_ps_window_scan - what the hypervisor holds for one window
 * @start: bus address of the window
 * @size: bytes
 * @page_shift: log2 of the IO page size
 * @live: entries that are not zero
 * @made: how often iobroker made the PE's window in this slot
 */
struct tce_ps_window_scan {
	u64 start;
	u64 size;
	unsigned int page_shift;
	u64 live;
	unsigned int made;
};

#ifdef CONFIG_PPC_PSERIES

struct tce_ps_dev *tce_ps_claim(struct device *dev, void *owner);
struct tce_ps_dev *tce_ps_claim_group(struct iommu_group *grp);
void tce_ps_release(struct tce_ps_dev *tdev);
const struct tce_caps *tce_ps_caps(struct tce_ps_dev *tdev);
struct iob_pt *tce_ps_pt_alloc(struct tce_ps_dev *tdev,
			       const struct iommu_hwpt_iob_tce *req);
int tce_ps_set_pt(struct tce_ps_dev *tdev, struct iob_pt *pt);
u64 tce_ps_live_tces(void);
int tce_ps_scan(struct device *dev, struct tce_ps_window_scan *win,
		unsigned int *nwin);

#else

static inline u64 tce_ps_live_tces(void)
{
	return 0;
}

#endif

#endif
