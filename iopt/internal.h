/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker IO page tables: what the files of iopt/ share with each other
 * and nobody else. iova.c is at the bottom (the IOVA space), area.c uses
 * it (mappings), io_pagetable.c uses both (page tables coming and going);
 * access.c sits beside area.c, which tells it of unmaps.
 */
#ifndef IOBROKER_IOPT_INTERNAL_H
#define IOBROKER_IOPT_INTERNAL_H

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/types.h>

#include "io_pagetable.h"

struct iob_pt;

/* The offset of an area's first byte in its first page. */
static inline unsigned long iopt_area_page_offset(struct iopt_area *area)
{
	return area->pages_offset & ~PAGE_MASK;
}

/* iova.c, all with iova_rwsem held for writing */
int iopt_alloc_iova(struct iopt *iopt, u64 *iova, unsigned long uptr,
		    u64 length);
int iopt_check_iova(struct iopt *iopt, u64 iova, u64 length);
int iopt_reserve_outside(struct iopt *iopt, struct iob_pt *pt);
void iopt_unreserve(struct iopt *iopt, const void *owner);
void iopt_free_reserved(struct iopt *iopt);

/* area.c */
int iopt_pin_area(struct iopt_area *area);
int iopt_map_area(struct iopt_area *area, struct iob_pt *pt, bool large_pages);
void iopt_unfill_area(struct iopt *iopt, struct iopt_area *area);
void iopt_drop_spare(struct iopt *iopt);

/*
 * Page table @i of @iopt, or NULL past the last: their indices run from 0
 * to npts - 1 without a hole, so the walks that every map and unmap makes
 * load by index, which is far cheaper than stepping an xarray walk to
 * the next entry. Caller holds pts_rwsem.
 */
static inline struct iob_pt *iopt_pt_at(struct iopt *iopt, unsigned long i)
{
	if (i >= iopt->npts)
		return NULL;
	return i ? xa_load(&iopt->pts, i) : iopt->pt0;
}

/*
 * Yield between the areas of a walk that may be long. Most walks have one
 * area: checking first keeps them from calling out of the module.
 */
static inline void iopt_yield(void)
{
	if (need_resched())
		cond_resched();
}

#endif
