// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO page tables: the IOVA space of an IOAS as a whole, and the
 * page tables that map it. The IOVA space itself (alignment, reserved and
 * allowed ranges, choosing IOVAs) is in iova.c, the mappings in area.c,
 * in-kernel accesses in access.c; the rules they all keep are these.
 *
 * An IOAS's IOVA space holds areas (mappings), reserved ranges (outside the
 * attached page tables' apertures, or reserved by tests) and allowed ranges
 * (what userspace asked to keep usable). Areas point into shared struct
 * iopt_pages; a page is pinned only while some area over it is filled into
 * the page tables, which is exactly while the IOAS has a page table.
 *
 * Invariants, under iova_rwsem:
 *  - every live area is mapped in every page table of @pts, if there
 *    is one, each with whole map calls that an unmap of the whole area
 *    covers;
 *  - areas never overlap each other or a reserved range;
 *  - every area, live or not, is aligned (IOVA, length, offset in its
 *    first page) to @iova_alignment, and lies inside every page table's
 *    apertures. iopt_insert_areas(), the one place areas come in, checks
 *    new areas; whatever raises the alignment (a page table, an access
 *    that pins, large pages turned off) checks the existing ones first;
 *  - no map or copy takes the areas past iopt_max_areas (which root may
 *    lower below what an IOVA space holds already), nor does anything
 *    take the reserved ranges past IOPT_MAX_RESERVED.
 *
 * A map builds its areas first (struct iopt_mapping), then reserves its
 * IOVA range with them not yet live, fills them into the page tables
 * without holding iova_rwsem, lets its caller write the ioctl's reply, and
 * only then makes them live (a release store, no lock: see
 * iopt_area_live()); until then they are its alone, and a failure
 * at any step takes out exactly them. An unmap that meets an area not yet
 * live answers EBUSY. Unmap checks its whole range before it removes
 * anything, so it either removes every area it covers or none.
 *
 * VFIO's sPAPR API maps and unmaps any run of IO pages. Its maps may grow
 * the live area that ends just before them instead (iopt_extend_io_pages()),
 * filling the page tables under the write side of iova_rwsem, and its
 * unmaps shrink an area from either end (iopt_clear_io_pages()); both only
 * for areas that borrow the whole pin of registered memory and have no
 * access pinning in them.
 */
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "../ptdrv/ptdrv.h"
#include "internal.h"
#include "io_pagetable.h"
#include "pages.h"

/**
 * iopt_init() - an empty IOVA space
 * @iopt: to initialise
 */
void iopt_init(struct iopt *iopt)
{
	init_rwsem(&iopt->pts_rwsem);
	init_rwsem(&iopt->iova_rwsem);
	iopt->areas = RB_ROOT_CACHED;
	iopt->allowed = RB_ROOT_CACHED;
	iopt->reserved = RB_ROOT_CACHED;
	xa_init_flags(&iopt->pts, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	iopt->pt0 = NULL;
	iopt->npts = 0;
	iopt->nareas = 0;
	iopt->nreserved = 0;
	iopt->iova_alignment = 1;
	iopt->large_pages = true;
	xa_init_flags(&iopt->accesses, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&iopt->access_wq);
	iopt->spare = NULL;
	iopt->owner = (struct iopt_owner){};
}
EXPORT_SYMBOL_IOB_TEST(iopt_init);

/**
 * iopt_stats() - what an IOVA space maps, for reports
 * @iopt: the IOVA space
 * @stats: filled with its areas, the bytes its live areas map, and the
 *	pages its filled areas hold pinned (counted per area: two areas
 *	over the same memory count it twice)
 *
 * Walks every area, under the read side of the IOVA lock.
 */
void iopt_stats(struct iopt *iopt, struct iopt_stats *stats)
{
	struct iopt_area *area;

	*stats = (struct iopt_stats){};
	down_read(&iopt->iova_rwsem);
	stats->areas = iopt->nareas;
	for (area = iopt_area_first(iopt, 0, U64_MAX); area;
	     area = iopt_area_next(area, 0, U64_MAX)) {
		if (!iopt_area_live(area))
			continue;
		stats->mapped += iopt_area_length(area);
		if (area->filled)
			stats->pinned += (area->pages_node.last -
					  area->pages_node.start + 1);
	}
	up_read(&iopt->iova_rwsem);
}
EXPORT_SYMBOL_IOB_TEST(iopt_stats);

/* --- adding and removing page tables -------------------------------------- */

/**
 * iopt_add_pt() - make a page table map this IOVA space
 * @iopt: the IOVA space
 * @pt: the page table, empty
 *
 * Everything mapped so far is mapped into @pt too; if it is the first page
 * table, that is when the memory gets pinned.
 *
 * Return: 0; -EINVAL if the table's IO page is larger than PAGE_SIZE while
 * large pages are off; -EADDRINUSE if a mapping or an allowed range lies
 * outside the table's apertures or is not aligned to its IO page; -ENOSPC
 * if the IOVA space holds too many reserved ranges to add the table's; or
 * what pinning and mapping report (-EFAULT, -ENOMEM, ...). Nothing changes
 * on error.
 */
int iopt_add_pt(struct iopt *iopt, struct iob_pt *pt)
{
	unsigned long granule = iob_pt_granule(pt), align;
	struct iopt_area *area, *done;
	bool first;
	u32 id;
	int rc;

	down_write(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	/* The first page table is the one that needs the pages pinned. */
	first = !iopt->npts;
	rc = -EINVAL;
	if (!granule || (granule > PAGE_SIZE && !iopt->large_pages))
		goto out_unlock;
	align = max(iopt->iova_alignment, granule);
	rc = iopt_check_alignment(iopt, align);
	if (rc)
		goto out_unlock;
	rc = iopt_reserve_outside(iopt, pt);
	if (rc)
		goto out_unreserve;

	for (area = iopt_area_first(iopt, 0, U64_MAX); area;
	     area = iopt_area_next(area, 0, U64_MAX)) {
		rc = first ? iopt_pin_area(area) : 0;
		if (!rc) {
			rc = iopt_map_area(area, pt, iopt->large_pages);
			if (rc && first)
				iopt_pages_remove_user(area->pages,
						       &area->pages_node);
		}
		if (rc)
			break;
		area->filled = true;
		cond_resched();
	}
	if (!rc)
		rc = xa_alloc(&iopt->pts, &id, pt, xa_limit_31b,
			      GFP_KERNEL_ACCOUNT);
	if (rc) {
		for (done = iopt_area_first(iopt, 0, U64_MAX); done != area;
		     done = iopt_area_next(done, 0, U64_MAX)) {
			pt->ops->unmap(pt, done->node.start,
				       iopt_area_length(done));
			if (first) {
				iopt_pages_remove_user(done->pages,
						       &done->pages_node);
				done->filled = false;
			}
		}
		goto out_unreserve;
	}
	iopt->npts++;
	iopt->pt0 = xa_load(&iopt->pts, 0);
	iopt->iova_alignment = align;
	goto out_unlock;

out_unreserve:
	iopt_unreserve(iopt, pt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->pts_rwsem);
	return rc;
}

/**
 * iopt_remove_pt() - stop a page table mapping this IOVA space
 * @iopt: the IOVA space
 * @pt: a page table added with iopt_add_pt()
 *
 * Everything is unmapped from @pt; if it was the last page table, the
 * memory is unpinned. Cannot fail.
 */
void iopt_remove_pt(struct iopt *iopt, struct iob_pt *pt)
{
	struct iopt_area *area;
	unsigned long id;
	struct iob_pt *cur;

	down_write(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	xa_for_each(&iopt->pts, id, cur)
		if (cur == pt)
			break;
	if (WARN_ON_ONCE(cur != pt))
		goto out_unlock;

	for (area = iopt_area_first(iopt, 0, U64_MAX); area;
	     area = iopt_area_next(area, 0, U64_MAX)) {
		if (iopt->npts == 1) {
			iopt_unfill_area(iopt, area);
		} else {
			pt->ops->unmap(pt, area->node.start,
				       iopt_area_length(area));
		}
	}
	/*
	 * The indices stay 0 to npts - 1 (iopt_pt_at()): the last table
	 * moves into the slot. Overwriting an entry allocates nothing.
	 */
	if (id != iopt->npts - 1)
		xa_store(&iopt->pts, id, xa_load(&iopt->pts, iopt->npts - 1),
			 GFP_KERNEL);
	xa_erase(&iopt->pts, iopt->npts - 1);
	iopt->npts--;
	iopt->pt0 = xa_load(&iopt->pts, 0);
	iopt_unreserve(iopt, pt);
	iopt->iova_alignment = iopt_wanted_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->pts_rwsem);
}

/**
 * iopt_pgsize_bitmap() - the IO page sizes every page table can map
 * @iopt: the IOVA space
 *
 * Return: the sizes all page tables of @iopt have in common; every size
 * (ULONG_MAX) while there is none.
 */
unsigned long iopt_pgsize_bitmap(struct iopt *iopt)
{
	unsigned long sizes = ULONG_MAX, i;
	struct iob_pt *pt;

	down_read(&iopt->pts_rwsem);
	xa_for_each(&iopt->pts, i, pt)
		sizes &= pt->pgsize_bitmap;
	up_read(&iopt->pts_rwsem);
	return sizes;
}
EXPORT_SYMBOL_IOB_TEST(iopt_pgsize_bitmap);

/**
 * iopt_set_large_pages() - IOMMU_OPTION_HUGE_PAGES
 * @iopt: the IOVA space
 * @enable: allow contiguous memory to map as large runs
 *
 * Return: 0; -EINVAL when turning large pages off while page tables hold
 * mappings, or while a page table's IO page is larger than PAGE_SIZE;
 * -EADDRINUSE if a mapping is not aligned to PAGE_SIZE.
 */
int iopt_set_large_pages(struct iopt *iopt, bool enable)
{
	unsigned long align, i;
	struct iob_pt *pt;
	int rc = 0;

	down_write(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	if (enable) {
		iopt->large_pages = true;
		iopt->iova_alignment = iopt_wanted_alignment(iopt);
		goto out_unlock;
	}
	if (!iopt->large_pages)
		goto out_unlock;
	rc = -EINVAL;
	if (iopt->npts && !RB_EMPTY_ROOT(&iopt->areas.rb_root))
		goto out_unlock;
	xa_for_each(&iopt->pts, i, pt)
		if (iob_pt_granule(pt) > PAGE_SIZE)
			goto out_unlock;
	align = max_t(unsigned long, iopt->iova_alignment, PAGE_SIZE);
	rc = iopt_check_alignment(iopt, align);
	if (!rc) {
		iopt->large_pages = false;
		iopt->iova_alignment = align;
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->pts_rwsem);
	return rc;
}

/**
 * iopt_is_empty() - whether nothing maps or uses the IOVA space
 * @iopt: the IOVA space
 *
 * Return: true with no area, no page table and no access, as of now.
 */
bool iopt_is_empty(struct iopt *iopt)
{
	bool empty;

	down_read(&iopt->pts_rwsem);
	down_read(&iopt->iova_rwsem);
	empty = !iopt->nareas && !iopt->npts && xa_empty(&iopt->accesses);
	up_read(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	return empty;
}

/**
 * iopt_large_pages() - IOMMU_OPTION_HUGE_PAGES, read side
 * @iopt: the IOVA space
 *
 * Return: whether contiguous memory may map as large runs.
 */
bool iopt_large_pages(struct iopt *iopt)
{
	bool on;

	down_read(&iopt->iova_rwsem);
	on = iopt->large_pages;
	up_read(&iopt->iova_rwsem);
	return on;
}

/**
 * iopt_destroy() - unmap everything and free the IOVA space's state
 * @iopt: with no page table left
 */
void iopt_destroy(struct iopt *iopt)
{
	u64 unmapped;

	/* Accesses hold a reference on their IOAS; none can be left. */
	WARN_ON_ONCE(iopt->npts || !xa_empty(&iopt->accesses));
	WARN_ON_ONCE(iopt_unmap(iopt, 0, U64_MAX, &unmapped));
	iopt_drop_spare(iopt);
	iopt_free_reserved(iopt);
	iopt_free_tree(&iopt->allowed);
	xa_destroy(&iopt->pts);
	xa_destroy(&iopt->accesses);
}
EXPORT_SYMBOL_IOB_TEST(iopt_destroy);
