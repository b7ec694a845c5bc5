// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing TCE windows: from what userspace asks for in IOMMU_HWPT_ALLOC
 * (struct iommu_hwpt_iob_tce) and what the platform offers one device
 * (struct tce_caps) to the geometry of each window. Every backend
 * validates here, before it allocates anything or calls firmware: on
 * pseries a window request that reaches the hypervisor and fails there
 * disables dynamic windows on that host bridge until reboot.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../common/export.h"
#include "../uapi/iobroker/iommufd.h"
#include "tce.h"

/* Check a window against the platform's limits on top of the core's. */
static int tce_window_check(const struct tce_caps *caps,
			    const struct tce_geometry *geo, u64 pgsizes)
{
	if (geo->levels > caps->max_levels)
		return -EINVAL;
	if (ilog2(geo->size) - geo->page_shift > caps->max_entries_log2)
		return -EINVAL;
	return tce_geometry_check(geo, pgsizes, caps->max_levels);
}

/* The IO page size a 64-bit window gets when userspace leaves it to us. */
static unsigned int tce_ddw_default_shift(const struct tce_caps *caps)
{
	return caps->pgsizes & PAGE_SIZE ? PAGE_SHIFT : 12;
}

/**
 * tce_windows_parse() - turn a window request into checked geometries
 * @caps: what the device's platform offers
 * @req: the request, already copied from userspace
 * @geo: out: up to TCE_MAX_WINDOWS windows, in ascending bus address
 * @nwin: out: how many
 *
 * Return: 0; -EOPNOTSUPP for flags or reserved members this kernel does
 * not know; -EINVAL for windows the device cannot have.
 */
int tce_windows_parse(const struct tce_caps *caps,
		      const struct iommu_hwpt_iob_tce *req,
		      struct tce_geometry *geo, unsigned int *nwin)
{
	const struct iommu_iob_tce_window *w32 = &req->windows[0];
	const struct iommu_iob_tce_window *w64 = &req->windows[1];
	unsigned int n = 0;
	int rc;

	if (req->flags || req->__reserved)
		return -EOPNOTSUPP;
	if (!w32->size && !w64->size)
		return -EINVAL;
	if (w32->size) {
		if ((w32->page_shift && w32->page_shift != 12) ||
		    w32->size > caps->dma32_size)
			return -EINVAL;
		geo[n] = (struct tce_geometry) {
			.offset = caps->dma32_start,
			.size = w32->size,
			.page_shift = 12,
			.levels = w32->levels ?: 1,
		};
		rc = tce_window_check(caps, &geo[n], SZ_4K);
		if (rc)
			return rc;
		n++;
	}
	if (w64->size) {
		if (!caps->ddw || n + 1 > caps->max_windows)
			return -EINVAL;
		geo[n] = (struct tce_geometry) {
			.offset = caps->ddw_start,
			.size = w64->size,
			.page_shift = w64->page_shift ?:
				      tce_ddw_default_shift(caps),
			.levels = w64->levels ?: 1,
		};
		rc = tce_window_check(caps, &geo[n], caps->pgsizes);
		if (rc)
			return rc;
		/* Apart from the 32-bit window, with room between them. */
		if (n && geo[0].offset + geo[0].size >= geo[n].offset)
			return -EINVAL;
		n++;
	}
	*nwin = n;
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_windows_parse);

/**
 * tce_windows_default() - the windows of a HWPT made without a request
 * @caps: what the device's platform offers
 * @geo: out: the windows
 * @nwin: out: how many
 *
 * The 32-bit window at its full size with 4 KiB IO pages: what VFIO's
 * sPAPR container gives and what every device can address. A 64-bit window
 * costs memory in proportion to its size in the guest and the hypervisor,
 * so it is made only when asked for.
 */
void tce_windows_default(const struct tce_caps *caps,
			 struct tce_geometry *geo, unsigned int *nwin)
{
	geo[0] = (struct tce_geometry) {
		.offset = caps->dma32_start,
		.size = caps->dma32_size,
		.page_shift = 12,
		.levels = 1,
	};
	*nwin = 1;
}
EXPORT_SYMBOL_IOB_TEST(tce_windows_default);

/**
 * tce_caps_to_info() - the IOMMU_GET_HW_INFO data for a platform
 * @caps: what the platform offers
 * @info: out: the user structure
 */
void tce_caps_to_info(const struct tce_caps *caps,
		      struct iommu_hw_info_iob_tce *info)
{
	memset(info, 0, sizeof(*info));
	info->flags = caps->ddw ? IOMMU_HW_INFO_IOB_TCE_DDW : 0;
	info->max_windows = caps->max_windows;
	info->pgsizes = caps->pgsizes;
	info->dma32_start = caps->dma32_start;
	info->dma32_size = caps->dma32_size;
	info->ddw_start = caps->ddw_start;
	info->max_levels = caps->max_levels;
	info->max_entries_log2 = caps->max_entries_log2;
}
EXPORT_SYMBOL_IOB_TEST(tce_caps_to_info);
