// SPDX-License-Identifier: GPL-2.0
/*
 * TCE windows as an iobroker page table (ptdrv/ptdrv.h): the glue every
 * TCE backend shares. Each window is one aperture of the page table; map
 * and unmap calls go to the window their range lies in. The IO page table
 * layer reserves the gaps between apertures, so no call spans two windows.
 */
#include "../common/export.h"
#include "tce.h"

/* The window holding all of [iova, iova + len), or NULL. */
static struct tce_table *tce_pt_window(struct iob_pt *pt, u64 iova, u64 len)
{
	struct tce_pt *tp = to_tce_pt(pt);
	unsigned int i;

	for (i = 0; i < tp->nwin; i++) {
		struct tce_geometry *geo = &tp->win[i]->geo;

		if (iova >= geo->offset && len <= geo->size &&
		    iova - geo->offset <= geo->size - len)
			return tp->win[i];
	}
	return NULL;
}

static int tce_pt_map(struct iob_pt *pt, u64 iova, u64 uva,
		      const struct iob_pt_seg *segs, unsigned int nsegs,
		      int prot)
{
	struct tce_table *tbl;
	u64 perm = 0, len = 0;
	unsigned int i;

	for (i = 0; i < nsegs; i++)
		len += segs[i].len;
	tbl = tce_pt_window(pt, iova, len);
	if (!tbl)
		return -EINVAL;
	if (prot & IOB_PT_READ)
		perm |= TCE_READ;
	if (prot & IOB_PT_WRITE)
		perm |= TCE_WRITE;
	return tce_table_map(tbl, iova, uva, segs, nsegs, perm);
}

static void tce_pt_unmap(struct iob_pt *pt, u64 iova, u64 len)
{
	struct tce_table *tbl = tce_pt_window(pt, iova, len);

	if (!WARN_ON_ONCE(!tbl))
		tce_table_unmap(tbl, iova, len);
}

/* Maps never span two windows: a cut between windows has nothing to do. */
static int tce_pt_split(struct iob_pt *pt, u64 iova)
{
	struct tce_table *tbl = tce_pt_window(pt, iova - 1, 2);

	return tbl ? tce_table_split(tbl, iova) : 0;
}

static int tce_pt_trim(struct iob_pt *pt, u64 iova, u64 len)
{
	struct tce_table *tbl = tce_pt_window(pt, iova, len);
	s64 rc;

	if (!tbl)
		return -EINVAL;
	rc = tce_table_trim(tbl, iova, len);
	return rc < 0 ? rc : 0;
}

static phys_addr_t tce_pt_iova_to_phys(struct iob_pt *pt, u64 iova)
{
	struct tce_table *tbl = tce_pt_window(pt, iova, 1);

	return tbl ? tce_table_lookup(tbl, iova) : 0;
}

static void tce_pt_window_info(struct iob_pt *pt, unsigned int i,
			       struct iob_pt_window *w)
{
	struct tce_table *tbl = to_tce_pt(pt)->win[i];

	w->start = tbl->geo.offset;
	w->size = tbl->geo.size;
	w->page_size = 1ULL << tbl->geo.page_shift;
	w->levels = tbl->geo.levels;
	mutex_lock(&tbl->lock);
	w->live = tbl->mapped;
	mutex_unlock(&tbl->lock);
}

static void tce_pt_free(struct iob_pt *pt)
{
	struct tce_pt *tp = to_tce_pt(pt);
	unsigned int i;

	for (i = 0; i < tp->nwin; i++)
		tce_table_destroy(tp->win[i]);
	tp->release(tp);
}

static const struct iob_pt_ops tce_pt_ops = {
	.map = tce_pt_map,
	.unmap = tce_pt_unmap,
	.split = tce_pt_split,
	.trim = tce_pt_trim,
	.iova_to_phys = tce_pt_iova_to_phys,
	.window = tce_pt_window_info,
	.free = tce_pt_free,
};

/**
 * tce_pt_init() - an iobroker page table without windows yet
 * @tp: embedded in the backend's structure
 * @release: frees that structure, after every window is destroyed
 */
void tce_pt_init(struct tce_pt *tp, void (*release)(struct tce_pt *tp))
{
	tp->pt.ops = &tce_pt_ops;
	tp->pt.pgsize_bitmap = 0;
	tp->pt.naper = 0;
	tp->nwin = 0;
	tp->release = release;
	tp->mirror = NULL;
}
EXPORT_SYMBOL_IOB_TEST(tce_pt_init);

/**
 * tce_pt_add_window() - add an initialised table as a window
 * @tp: the page table
 * @tbl: a table set up with tce_table_init(), above the last window and
 *	not touching it
 *
 * The window becomes an aperture and its IO page size one of the page
 * table's; the smallest is what mappings must be aligned to, and a mapping
 * in a window of larger pages must also suit those.
 *
 * Return: 0, or -EINVAL for one window too many or out of order.
 */
int tce_pt_add_window(struct tce_pt *tp, struct tce_table *tbl)
{
	struct iob_pt_aperture *aper = &tp->pt.aper[tp->nwin];

	if (tp->nwin == TCE_MAX_WINDOWS ||
	    (tp->nwin && tbl->geo.offset <= tp->pt.aper[tp->nwin - 1].last + 1))
		return -EINVAL;
	aper->start = tbl->geo.offset;
	aper->last = tbl->geo.offset + tbl->geo.size - 1;
	tp->pt.pgsize_bitmap |= 1UL << tbl->geo.page_shift;
	tp->win[tp->nwin++] = tbl;
	tp->pt.naper = tp->nwin;
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_pt_add_window);
