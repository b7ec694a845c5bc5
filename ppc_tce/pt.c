// SPDX-License-Identifier: GPL-2.0
/*
 * A TCE table as an iobroker page table (ptdrv/ptdrv.h): the glue every
 * TCE backend shares. One table is one window: one aperture, one IO page
 * size.
 */
#include "../iommufd/export.h"
#include "tce.h"

static int tce_pt_map(struct iob_pt *pt, u64 iova, u64 uva,
		      const struct iob_pt_seg *segs, unsigned int nsegs,
		      int prot)
{
	u64 perm = 0;

	if (prot & IOB_PT_READ)
		perm |= TCE_READ;
	if (prot & IOB_PT_WRITE)
		perm |= TCE_WRITE;
	return tce_table_map(&to_tce_pt(pt)->tbl, iova, uva, segs, nsegs,
			     perm);
}

static void tce_pt_unmap(struct iob_pt *pt, u64 iova, u64 len)
{
	tce_table_unmap(&to_tce_pt(pt)->tbl, iova, len);
}

static phys_addr_t tce_pt_iova_to_phys(struct iob_pt *pt, u64 iova)
{
	return tce_table_lookup(&to_tce_pt(pt)->tbl, iova);
}

static void tce_pt_free(struct iob_pt *pt)
{
	tce_table_destroy(&to_tce_pt(pt)->tbl);
}

static const struct iob_pt_ops tce_pt_ops = {
	.map = tce_pt_map,
	.unmap = tce_pt_unmap,
	.iova_to_phys = tce_pt_iova_to_phys,
	.free = tce_pt_free,
};

/**
 * tce_pt_init() - set up the table and the page table view of it
 * @tp: embedded in the backend's structure
 * @geo: the window, already validated
 * @ops: the backend
 *
 * Return: 0 or -ENOMEM.
 */
int tce_pt_init(struct tce_pt *tp, const struct tce_geometry *geo,
		const struct tce_table_ops *ops)
{
	int rc;

	rc = tce_table_init(&tp->tbl, geo, ops);
	if (rc)
		return rc;
	tp->pt.ops = &tce_pt_ops;
	tp->pt.pgsize_bitmap = 1UL << geo->page_shift;
	tp->pt.naper = 1;
	tp->pt.aper[0].start = geo->offset;
	tp->pt.aper[0].last = geo->offset + geo->size - 1;
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_pt_init);
