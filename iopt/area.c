// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO page tables: areas, the mappings of an IOVA space. How a
 * map or copy builds its areas, puts them in the IOVA space, pins their
 * pages and fills them into every page table, and makes them live; and
 * how an unmap, having asked in-kernel accesses to let go, takes them out.
 * The rules all of it keeps are at the top of io_pagetable.c.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../common/event.h"
#include "../common/export.h"
#include "../ptdrv/ptdrv.h"
#include "internal.h"
#include "io_pagetable.h"
#include "pages.h"

/* --- page tables ----------------------------------------------------------- */

/* Segments a map keeps on the stack rather than allocating. */
#define IOPT_FEW_SEGS 4

/*
 * What one map into the page tables covers: a whole area, or the new end
 * of one (iopt_extend_io_pages()).
 */
struct iopt_span {
	struct iopt_pages *pages;
	u64 offset;		/* byte offset into @pages */
	u64 iova;
	u64 length;
	int prot;
};

/*
 * Map a span into one page table, from the frames its pages hold pinned.
 * Physically contiguous memory goes down as one segment unless large pages
 * are off; segments go down in batches, each batch one map call. On error
 * the calls made so far are undone.
 */
static noinline int iopt_map_span_pages(const struct iopt_span *span,
					struct iob_pt *pt, bool large_pages)
{
	struct iopt_pages *pages = span->pages;
	u64 pos = span->offset, end = pos + span->length;
	u64 call_iova = span->iova, done = 0, batch_len = 0;
	struct iob_pt_seg *segs, few[IOPT_FEW_SEGS];
	const unsigned long *frame = NULL;
	unsigned int nsegs = 0, max_segs = (end - pos) / PAGE_SIZE + 2;
	unsigned long left = 0;
	int rc = 0;

	/* The maps of a page or two (VFIO's sPAPR users make many) need none. */
	if (max_segs <= IOPT_FEW_SEGS) {
		segs = few;
	} else {
		max_segs = clamp_t(size_t, iopt_temp_bytes() / sizeof(*segs), 1,
				   max_segs);
		segs = max_segs <= IOPT_FEW_SEGS ? few :
		       kmalloc_array(max_segs, sizeof(*segs), GFP_KERNEL);
		if (!segs)
			return -ENOMEM;
	}

	/* One page a step, so the frames are read in order. */
	while (pos < end) {
		unsigned long in_page = pos & ~PAGE_MASK;
		u64 len = min_t(u64, PAGE_SIZE - in_page, end - pos);
		phys_addr_t pa;

		if (!left)
			frame = iopt_pages_frames(pages, pos >> PAGE_SHIFT,
						  &left);
		pa = PFN_PHYS(*frame) + in_page;
		frame++;
		left--;

		if (large_pages && nsegs &&
		    segs[nsegs - 1].paddr + segs[nsegs - 1].len == pa) {
			segs[nsegs - 1].len += len;
		} else {
			if (nsegs == max_segs) {
				rc = pt->ops->map(pt, call_iova,
						  pages->uaddr + span->offset + done,
						  segs, nsegs, span->prot);
				if (rc)
					goto out_unwind;
				done += batch_len;
				call_iova += batch_len;
				batch_len = 0;
				nsegs = 0;
			}
			segs[nsegs].paddr = pa;
			segs[nsegs].len = len;
			nsegs++;
		}
		batch_len += len;
		pos += len;
	}
	rc = pt->ops->map(pt, call_iova, pages->uaddr + span->offset + done,
			  segs, nsegs, span->prot);
	if (!rc)
		goto out_free;
out_unwind:
	if (done)
		pt->ops->unmap(pt, span->iova, done);
out_free:
	if (segs != few)
		kfree(segs);
	return rc;
}

/*
 * iopt_map_span_pages(), straight to the page table for a span inside one
 * page (QEMU's IO pages are smaller than the kernel's on ppc64): one
 * segment, one frame.
 */
static __always_inline int iopt_map_span(const struct iopt_span *span,
					 struct iob_pt *pt, bool large_pages)
{
	unsigned long in_page = span->offset & ~PAGE_MASK, left;
	struct iob_pt_seg seg;

	if (span->length > PAGE_SIZE - in_page)
		return iopt_map_span_pages(span, pt, large_pages);
	seg.paddr = PFN_PHYS(*iopt_pages_frames(span->pages,
						span->offset >> PAGE_SHIFT,
						&left)) + in_page;
	seg.len = span->length;
	return pt->ops->map(pt, span->iova, span->pages->uaddr + span->offset,
			    &seg, 1, span->prot);
}

static void iopt_area_span(struct iopt_area *area, struct iopt_span *span)
{
	span->pages = area->pages;
	span->offset = area->pages_offset;
	span->iova = area->node.start;
	span->length = iopt_area_length(area);
	span->prot = area->prot;
}

/* Map one area into one page table (iopt_map_span()). */
int iopt_map_area(struct iopt_area *area, struct iob_pt *pt, bool large_pages)
{
	struct iopt_span span;

	iopt_area_span(area, &span);
	return iopt_map_span(&span, pt, large_pages);
}

/* Keep the area's pages pinned for as long as it is filled. */
int iopt_pin_area(struct iopt_area *area)
{
	unsigned long first = area->pages_offset >> PAGE_SHIFT;
	unsigned long last = (area->pages_offset + iopt_area_length(area) - 1) >>
			     PAGE_SHIFT;

	if (area->borrow)
		return iopt_pages_borrow(area->pages, &area->pages_node, first,
					 last);
	return iopt_pages_add_user(area->pages, &area->pages_node, first, last);
}

/* Map a span into every page table, all or nothing. */
static int iopt_map_span_all(struct iopt *iopt, const struct iopt_span *span)
{
	struct iob_pt *pt;
	unsigned long i, j;
	int rc = 0;

	lockdep_assert_held(&iopt->pts_rwsem);
	for (i = 0; (pt = iopt_pt_at(iopt, i)); i++) {
		rc = iopt_map_span(span, pt, iopt->large_pages);
		if (rc)
			break;
	}
	for (j = 0; rc && j < i; j++) {
		pt = iopt_pt_at(iopt, j);
		pt->ops->unmap(pt, span->iova, span->length);
	}
	return rc;
}

/* Pin the area's pages and map them into every page table. */
static int iopt_fill_area(struct iopt *iopt, struct iopt_area *area)
{
	struct iopt_span span;
	int rc;

	rc = iopt_pin_area(area);
	if (rc)
		return rc;
	iopt_area_span(area, &span);
	rc = iopt_map_span_all(iopt, &span);
	if (rc) {
		iopt_pages_remove_user(area->pages, &area->pages_node);
		return rc;
	}
	area->filled = true;
	return 0;
}

/* Unmap the area from every page table and let its pages go. */
void iopt_unfill_area(struct iopt *iopt, struct iopt_area *area)
{
	struct iob_pt *pt;
	unsigned long i;

	if (!area->filled)
		return;
	for (i = 0; (pt = iopt_pt_at(iopt, i)); i++)
		pt->ops->unmap(pt, area->node.start, iopt_area_length(area));
	iopt_pages_remove_user(area->pages, &area->pages_node);
	area->filled = false;
}

/* --- areas ----------------------------------------------------------------- */

/*
 * The most areas one IOAS may hold. Each area is an allocation of its own,
 * charged to the caller's memory cgroup, and no allocation anywhere is
 * sized by the number of areas; what this bounds is how long the calls
 * that walk every area of an IOAS (attaching a page table, unmapping
 * everything, closing) hold its locks, however the areas were made:
 * IOMMU_IOAS_COPY doubles them with each call and pins nothing, so
 * RLIMIT_MEMLOCK never stops it. 2^18 areas are enough to map every 4 KiB
 * IO page of the 1 GiB default window on its own; a host that needs more
 * raises the parameter.
 */
static unsigned int iopt_max_areas = 1U << 18;
module_param_named(max_ioas_areas, iopt_max_areas, uint, 0644);
MODULE_PARM_DESC(max_ioas_areas,
		 "Most mappings one IO address space may hold; a map or copy past it fails with ENOSPC (default 262144)");

static unsigned long iopt_area_limit(void)
{
	return READ_ONCE(iopt_max_areas);
}

/**
 * iopt_areas_left() - how many more areas the IOVA space may hold
 * @iopt: the IOVA space
 *
 * Return: the room under the max_ioas_areas bound, as of now.
 */
unsigned long iopt_areas_left(struct iopt *iopt)
{
	unsigned long limit = iopt_area_limit(), used = READ_ONCE(iopt->nareas);

	return used < limit ? limit - used : 0;
}
EXPORT_SYMBOL_IOB_TEST(iopt_areas_left);

static void iopt_free_area(struct iopt_area *area)
{
	iopt_pages_put(area->pages);
	kfree(area);
}

/* Free a spare: an area and the memory of the pages it pointed at. */
static void iopt_free_spare(struct iopt_area *spare)
{
	if (spare) {
		kfree(spare->pages);
		kfree(spare);
	}
}

/*
 * Free an area an unmap took out. If it held the last reference on its
 * pages and the IOVA space has no spare, the two become the spare, which
 * the next map of user memory takes instead of allocating: a program that
 * maps and unmaps one buffer over and over allocates nothing.
 */
static void iopt_retire_area(struct iopt *iopt, struct iopt_area *area)
{
	if (!iopt_pages_put_keep(area->pages)) {
		kfree(area);
		return;
	}
	if (cmpxchg(&iopt->spare, NULL, area))
		iopt_free_spare(area);
}

/**
 * iopt_drop_spare() - free what an IOVA space keeps for its next map
 * @iopt: the IOVA space, going away
 */
void iopt_drop_spare(struct iopt *iopt)
{
	iopt_free_spare(xchg(&iopt->spare, NULL));
}

static void iopt_remove_area(struct iopt *iopt, struct iopt_area *area)
{
	lockdep_assert_held_write(&iopt->iova_rwsem);
	iopt_itree_remove(&area->node, &iopt->areas);
	WRITE_ONCE(iopt->nareas, iopt->nareas - 1);
}

/* Start an empty mapping. */
static void iopt_mapping_init(struct iopt_mapping *m)
{
	INIT_LIST_HEAD(&m->areas);
	m->count = 0;
	m->length = 0;
}

/*
 * Append @length bytes of @pages from byte @offset to @m as one area, at
 * offset m->length of the mapping; the area takes over the caller's
 * reference on @pages, also on error.
 */
static int iopt_mapping_add(struct iopt_mapping *m, struct iopt_pages *pages,
			    unsigned long offset, u64 length,
			    struct iopt_area *kept)
{
	struct iopt_area *area = kept;

	if (m->count >= iopt_area_limit()) {
		iopt_pages_put(pages);
		kfree(kept);
		return -ENOSPC;
	}
	if (area)
		memset(area, 0, sizeof(*area));
	else
		area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
	if (!area) {
		iopt_pages_put(pages);
		return -ENOMEM;
	}
	area->pages = pages;
	area->pages_offset = offset;
	area->node.start = m->length;
	area->node.last = m->length + length - 1;
	list_add_tail(&area->mapping, &m->areas);
	m->count++;
	m->length += length;
	return 0;
}

/**
 * iopt_mapping_release() - free the areas a mapping still holds
 * @m: a mapping from iopt_mapping_user() or iopt_mapping_copy(); after
 *	iopt_map() it holds nothing more, whatever the result, unless the map
 *	failed before its areas entered the IOVA space
 */
void iopt_mapping_release(struct iopt_mapping *m)
{
	struct iopt_area *area, *next;

	list_for_each_entry_safe(area, next, &m->areas, mapping) {
		list_del(&area->mapping);
		iopt_free_area(area);
		iopt_yield();
	}
	iopt_mapping_init(m);
}

/**
 * iopt_mapping_user() - a mapping of user memory (IOMMU_IOAS_MAP)
 * @m: the mapping to fill
 * @iopt: the IOVA space it is for
 * @uptr: user address of the first byte, in the calling process
 * @length: bytes
 * @writable: devices will be allowed to write
 * @account_mm: charge pins to the process rather than its user
 *
 * Nothing is pinned yet: the memory is pinned only once an IOAS with page
 * tables maps it.
 *
 * Return: 0; -EINVAL for no length, one too large to describe or one
 * @iopt's alignment refuses; -EOVERFLOW for a range that wraps; -ENOMEM.
 * @m is empty on error.
 */
int iopt_mapping_user(struct iopt_mapping *m, struct iopt *iopt,
		      unsigned long uptr, u64 length, bool writable,
		      bool account_mm)
{
	struct iopt_pages *pages;
	struct iopt_area *spare;

	iopt_mapping_init(m);
	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	/*
	 * A length the IOVA space refuses costs no allocation: a racy look,
	 * made again under the lock, once the range is known not to wrap
	 * (which is reported first).
	 */
	if (length & (READ_ONCE(iopt->iova_alignment) - 1) &&
	    uptr <= ULONG_MAX - PAGE_SIZE + 1 - length)
		return -EINVAL;
	spare = xchg(&iopt->spare, NULL);
	pages = iopt_pages_create(uptr, length, writable, account_mm,
				  spare ? spare->pages : NULL);
	if (IS_ERR(pages)) {
		iopt_free_spare(spare);
		return PTR_ERR(pages);
	}
	pages->usage = iopt->owner.usage;
	return iopt_mapping_add(m, pages, uptr & ~PAGE_MASK, length, spare);
}

/**
 * iopt_mapping_pages() - add part of pinned-by-someone memory to a mapping
 * @m: the mapping, from iopt_mapping_init() through an earlier call, or
 *	empty
 * @pages: memory described by iopt_pages_create(), which may already be
 *	pinned through a user of its own (sPAPR's registered memory); the
 *	new area takes a reference
 * @offset: byte offset into @pages of the first byte
 * @length: bytes
 *
 * The area comes after those @m already holds. Whatever @pages' users
 * keep pinned is not pinned or charged again when the area is filled, and
 * while the owner holds all of @pages (iopt_pages_hold_whole()) the area
 * only borrows that pin: the caller must keep the owner from letting go
 * while the area exists.
 *
 * Return: 0; -EINVAL for a range outside @pages or no length; -ENOSPC
 * for more areas than an IOVA space may hold; -ENOMEM. On error @m is
 * left as it was.
 */
int iopt_mapping_pages(struct iopt_mapping *m, struct iopt_pages *pages,
		       unsigned long offset, u64 length)
{
	u64 end;
	int rc;

	if (!length || check_add_overflow((u64)offset, length, &end) ||
	    end > (u64)pages->npages << PAGE_SHIFT)
		return -EINVAL;
	iopt_pages_get(pages);
	rc = iopt_mapping_add(m, pages, offset, length, NULL);
	if (!rc)
		list_last_entry(&m->areas, struct iopt_area, mapping)->borrow =
			true;
	return rc;
}

/**
 * iopt_mapping_start() - an empty mapping, for iopt_mapping_pages()
 * @m: the mapping
 */
void iopt_mapping_start(struct iopt_mapping *m)
{
	iopt_mapping_init(m);
}

/*
 * Walk the back to back live areas covering [start, last] of @iopt, whose
 * iova_rwsem is held, calling @fn for the part of each in the range.
 * Return: 0, -ENOENT if the range has a gap or an area that is not live
 * yet, or what @fn returned.
 */
static int iopt_walk_range(struct iopt *iopt, u64 start, u64 last,
			   int (*fn)(struct iopt_mapping *m,
				     struct iopt_area *area, u64 pos, u64 to),
			   struct iopt_mapping *m)
{
	struct iopt_area *area;
	u64 pos = start, to;
	int rc;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
		if (area->node.start > pos || !iopt_area_live(area))
			return -ENOENT;
		to = min(last, area->node.last);
		rc = fn(m, area, pos, to);
		if (rc)
			return rc;
		if (to == last)
			return 0;
		pos = to + 1;
		cond_resched();
	}
	return -ENOENT;
}

static int iopt_count_area(struct iopt_mapping *m, struct iopt_area *area,
			   u64 pos, u64 to)
{
	m->count++;
	return 0;
}

static int iopt_copy_area(struct iopt_mapping *m, struct iopt_area *area,
			  u64 pos, u64 to)
{
	iopt_pages_get(area->pages);
	return iopt_mapping_add(m, area->pages,
				area->pages_offset + (pos - area->node.start),
				to - pos + 1, NULL);
}

/**
 * iopt_mapping_copy() - a mapping of the memory behind IOVAs (IOMMU_IOAS_COPY)
 * @m: the mapping to fill
 * @src: the IOVA space the memory is mapped in
 * @start: first IOVA; any byte range fully covered by back to back
 *	mappings will do
 * @length: bytes
 * @dst: the IOVA space the mapping is for, or NULL to check the source
 *	range only and leave @m empty (for a caller that reports a missing
 *	destination after the source's errors)
 *
 * One area for each mapping the range meets, sharing its pages: nothing
 * is pinned or charged twice. The range is checked and its mappings
 * counted before any area is made, so a copy that cannot go ahead costs
 * no allocation; then the areas are made one by one, and no allocation is
 * sized by how many there are.
 *
 * Return: 0; -EINVAL for no length; -EOVERFLOW for a range that wraps;
 * -ENOENT if part of the range is not mapped (or is being mapped);
 * -ENOSPC if @dst has no room for that many more areas (it is checked
 * again when they go in); -ENOMEM. @m is empty on error.
 */
int iopt_mapping_copy(struct iopt_mapping *m, struct iopt *src, u64 start,
		      u64 length, struct iopt *dst)
{
	unsigned long limit = iopt_area_limit(), used;
	u64 last;
	int rc;

	iopt_mapping_init(m);
	if (!length)
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;

	down_read(&src->iova_rwsem);
	rc = iopt_walk_range(src, start, last, iopt_count_area, m);
	if (rc || !dst)
		goto out_unlock;
	/* @dst may be @src, whose lock is held: a racy look is enough. */
	used = READ_ONCE(dst->nareas);
	if (m->count > limit || used > limit - m->count) {
		rc = -ENOSPC;
		goto out_unlock;
	}
	m->count = 0;
	rc = iopt_walk_range(src, start, last, iopt_copy_area, m);
out_unlock:
	up_read(&src->iova_rwsem);
	if (rc || !dst)
		iopt_mapping_release(m);
	return rc;
}

/*
 * Insert the areas of @m into @iopt from @iova on, not yet live; they stay
 * on @m's list, which only this map walks, until they are live. This is
 * the one place areas enter an IOVA space, so it keeps the invariants: the
 * area limit, and every area's IOVA, length and offset in its first page
 * aligned to the IOVA space's alignment.
 */
static int iopt_insert_areas(struct iopt *iopt, struct iopt_mapping *m,
			     u64 iova, int prot)
{
	unsigned long align = iopt->iova_alignment, limit = iopt_area_limit();
	struct iopt_area *area;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (m->count > limit || iopt->nareas > limit - m->count)
		return -ENOSPC;
	list_for_each_entry(area, &m->areas, mapping) {
		if ((prot & IOB_PT_WRITE) && !area->pages->writable)
			return -EPERM;
		if (((iova + area->node.start) | iopt_area_length(area) |
		     iopt_area_page_offset(area)) & (align - 1))
			return -EINVAL;
	}
	list_for_each_entry(area, &m->areas, mapping) {
		area->node.start += iova;
		area->node.last += iova;
		area->prot = prot;
		iopt_itree_insert(&area->node, &iopt->areas);
		iopt_yield();
	}
	WRITE_ONCE(iopt->nareas, iopt->nareas + m->count);
	return 0;
}

/*
 * Take out the areas of a map in progress: they are not live, so no
 * unmap, copy or access can have touched them.
 */
static void iopt_map_abort(struct iopt *iopt, struct iopt_mapping *m)
{
	struct iopt_area *area, *next;

	lockdep_assert_held(&iopt->pts_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);
	list_for_each_entry_safe(area, next, &m->areas, mapping) {
		list_del(&area->mapping);
		iopt_unfill_area(iopt, area);
		iopt_remove_area(iopt, area);
		iopt_free_area(area);
		cond_resched();
	}
	iopt_mapping_init(m);
}

/**
 * iopt_map() - map a mapping into an IOVA space
 * @iopt: the IOVA space
 * @m: from iopt_mapping_user() or iopt_mapping_copy(); its areas move into
 *	@iopt, or are freed if the map fails after they did
 * @iova: in: the IOVA if @fixed; out: where the mapping went
 * @prot: IOB_PT_READ and/or IOB_PT_WRITE
 * @fixed: map exactly at *@iova
 * @confirm: if not NULL, called with @arg and the IOVA, with no lock held,
 *	once the mapping is in every page table and before anything else can
 *	see it; an error from it undoes the map exactly and is returned
 * @arg: for @confirm
 *
 * The IOVA range is first reserved with areas that are not live: unmaps
 * of it get EBUSY and copies and accesses do not see it. Only when the
 * areas are filled, and @confirm agreed, do they go live, so a map that
 * fails at any step removes exactly what it made and nothing else.
 *
 * Return: 0; -EINVAL for a length, IOVA or memory not aligned to the IOVA
 * space's alignment, or an IOVA in a reserved range; -EEXIST if a mapping
 * is in the way; -ENOSPC if no IOVA fits or the IOVA space would hold too
 * many areas; -EPERM for a writeable mapping of memory that is not;
 * -EOVERFLOW; what pinning and page tables report; what @confirm returns.
 */
int iopt_map(struct iopt *iopt, struct iopt_mapping *m, u64 *iova,
	     int prot, bool fixed, int (*confirm)(void *arg, u64 iova),
	     void *arg)
{
	struct iopt_area *area, *next;
	int rc;

	area = list_first_entry_or_null(&m->areas, struct iopt_area, mapping);
	if (WARN_ON_ONCE(!area))
		return -EINVAL;
	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = -EINVAL;
	if (m->length & (iopt->iova_alignment - 1))
		goto out_unlock;
	if (fixed)
		rc = iopt_check_iova(iopt, *iova, m->length);
	else
		rc = iopt_alloc_iova(iopt, iova,
				     area->pages->uaddr + area->pages_offset,
				     m->length);
	if (!rc)
		rc = iopt_insert_areas(iopt, m, *iova, prot);
	if (rc)
		goto out_unlock;
	up_write(&iopt->iova_rwsem);

	/* Pinning and page tables take their time: the areas are ours. */
	if (iopt->npts) {
		list_for_each_entry(area, &m->areas, mapping) {
			rc = iopt_fill_area(iopt, area);
			if (rc)
				goto out_abort;
		}
	}
	up_read(&iopt->pts_rwsem);

	if (confirm) {
		rc = confirm(arg, *iova);
		if (rc) {
			down_read(&iopt->pts_rwsem);
			goto out_abort;
		}
	}

	/*
	 * Going live takes no lock: each area is complete, and whoever finds
	 * it live (under iova_rwsem, with an acquire) may use it from then on.
	 * An area leaves this map's list first, since an unmap of it reuses
	 * the list head, and this map does not touch it after.
	 */
	list_for_each_entry_safe(area, next, &m->areas, mapping) {
		list_del(&area->mapping);
		/* Pairs with the acquire in iopt_area_live(). */
		smp_store_release(&area->live, true);
		iopt_yield();
	}
	iopt_mapping_init(m);
	return 0;

out_abort:
	down_write(&iopt->iova_rwsem);
	iopt_map_abort(iopt, m);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	return rc;
}

/* How many times an unmap asks accesses to unpin before it gives up. */
#define IOPT_UNMAP_TRIES 8

/* Take back the marks an unmap put on the areas of [start, last]. */
static void iopt_unmark(struct iopt *iopt, u64 start, u64 last,
			const void *me)
{
	struct iopt_area *area;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last))
		if (area->unmapper == me)
			area->unmapper = NULL;
}

/*
 * Check that an unmap of [start, last] can go ahead, and list its areas on
 * @doomed (through their mapping list, which a live area does not use);
 * then mark them so that accesses stop pinning there, and find the span of
 * those accesses still hold pinned: *@pinned_first to *@pinned_last, if
 * any. The list means nothing unless this returns 0.
 */
static int iopt_unmap_prepare(struct iopt *iopt, u64 start, u64 last,
			      const void *me, struct list_head *doomed,
			      u64 *pinned_first, u64 *pinned_last)
{
	/* Without accesses nothing can pin: no mark is needed. */
	bool mark = !xa_empty(&iopt->accesses);
	struct iopt_area *area;
	bool pinned = false;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	INIT_LIST_HEAD(doomed);
	/* On an error the caller takes back the marks made so far. */
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
		if (!iopt_area_live(area) ||
		    (area->unmapper && area->unmapper != me))
			return -EBUSY;
		if (area->node.start < start || area->node.last > last)
			return -ENOENT;
		list_add_tail(&area->mapping, doomed);
		if (!mark)
			continue;
		area->unmapper = me;
		if (!atomic_read(&area->access_pins))
			continue;
		if (!pinned)
			*pinned_first = area->node.start;
		*pinned_last = area->node.last;
		pinned = true;
	}
	return pinned ? -EAGAIN : 0;
}

/* Report that an unmap waits for accesses to unpin [first, last], or gave up. */
static void iopt_unmap_event(struct iopt *iopt, enum iob_event_kind kind,
			     u64 first, u64 last)
{
	struct iob_event ev = {
		.kind = kind,
		.file = iopt->owner.file,
		.id = iopt->owner.id,
		.start = first,
		.size = last - first + 1,
	};

	if (iob_event_wanted())
		iob_event_send(&ev);
}

/**
 * iopt_unmap() - remove every mapping inside a range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA
 * @unmapped: set to the bytes unmapped
 *
 * All or nothing: the range is checked before anything is removed. If
 * in-kernel accesses hold pages of the range pinned, the areas are first
 * closed to new pins, the accesses are told (with no lock held) and must
 * unpin; an access that does not is asked again a few times, with short
 * sleeps in between, and then the unmap gives up.
 *
 * A range with nothing in it unmaps nothing and succeeds: whether that is
 * an error is for the caller's API to say (IOMMU_IOAS_UNMAP says ENOENT,
 * VFIO_IOMMU_UNMAP_DMA says no).
 *
 * Return: 0; -ENOENT if a mapping is only partly inside the range; -EBUSY
 * if a map or unmap of the range is in flight; -EDEADLOCK if an access
 * kept its pins. Nothing is unmapped on error.
 */
int iopt_unmap(struct iopt *iopt, u64 start, u64 last, u64 *unmapped)
{
	unsigned int tries = 0;
	u64 total = 0, pfirst, plast;
	struct iopt_area *area, *next;
	/* Any address unique to this call tells its marks from others'. */
	const void *me = &tries;
	LIST_HEAD(doomed);
	int rc;

again:
	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = iopt_unmap_prepare(iopt, start, last, me, &doomed, &pfirst,
				&plast);
	if (rc == -EAGAIN && tries == IOPT_UNMAP_TRIES) {
		pr_warn_ratelimited("iobroker: an access kept IOVAs %#llx-%#llx pinned; unmap fails with EDEADLOCK\n",
				    pfirst, plast);
		iopt_unmap_event(iopt, IOB_EV_UNMAP_DEADLOCK, pfirst, plast);
		rc = -EDEADLOCK;
	}
	if (rc == -EAGAIN) {
		up_write(&iopt->iova_rwsem);
		up_read(&iopt->pts_rwsem);
		/* Told once and still pinned: from here on it waits. */
		if (tries == 1)
			iopt_unmap_event(iopt, IOB_EV_UNMAP_STALL, pfirst,
					 plast);
		if (tries)
			usleep_range(tries * USEC_PER_MSEC,
				     2 * tries * USEC_PER_MSEC);
		tries++;
		iopt_notify_unmap(iopt, pfirst, plast);
		goto again;
	}
	if (rc) {
		iopt_unmark(iopt, start, last, me);
		INIT_LIST_HEAD(&doomed);
	}
	list_for_each_entry_safe(area, next, &doomed, mapping) {
		iopt_unfill_area(iopt, area);
		iopt_remove_area(iopt, area);
		total += iopt_area_length(area);
		iopt_retire_area(iopt, area);
		cond_resched();
	}
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	*unmapped = total;
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iopt_unmap);

/*
 * Split @area so that a new area starts at IOVA @at. The two halves share
 * the pages and, if the area is filled, hold the same pinned pages between
 * them and stay mapped as they are: with large pages off every page table
 * maps one IO page per page at most, so each half can later be unmapped on
 * its own.
 */
static int iopt_split_area(struct iopt *iopt, struct iopt_area *area, u64 at,
			   bool ask_pts)
{
	u64 delta = at - area->node.start;
	struct iopt_area *rhs;
	struct iob_pt *pt;
	unsigned long i;
	int rc;

	lockdep_assert_held(&iopt->pts_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!iopt_area_live(area) || area->unmapper)
		return -EBUSY;
	if ((at | (area->pages_offset + delta)) & (iopt->iova_alignment - 1))
		return -EINVAL;
	/* Pins of accesses are kept by the area's range: they cannot follow. */
	if (atomic_read(&area->access_pins))
		return -EINVAL;
	/*
	 * A large IO page over the cut could not be unmapped by halves. As
	 * in Linux, a cut is refused outright while large pages are on,
	 * unless the caller knows its page tables map every IO page by
	 * itself and lets their split op decide.
	 */
	if (area->filled && iopt->large_pages && !ask_pts)
		return -EINVAL;
	if (iopt->nareas >= iopt_area_limit())
		return -ENOSPC;
	rhs = kzalloc(sizeof(*rhs), GFP_KERNEL_ACCOUNT);
	if (!rhs)
		return -ENOMEM;
	/* A table that refuses keeps a cut made by another: that is harmless. */
	if (area->filled) {
		for (i = 0; (pt = iopt_pt_at(iopt, i)); i++) {
			rc = pt->ops->split(pt, at);
			if (rc) {
				kfree(rhs);
				return rc;
			}
		}
	}

	iopt_pages_get(area->pages);
	rhs->pages = area->pages;
	rhs->pages_offset = area->pages_offset + delta;
	rhs->prot = area->prot;
	rhs->borrow = area->borrow;
	rhs->live = true;
	rhs->filled = area->filled;
	INIT_LIST_HEAD(&rhs->mapping);
	/* A cut inside a page leaves that page to both halves. */
	if (area->filled)
		iopt_pages_split_user(area->pages, &area->pages_node,
				      &rhs->pages_node,
				      (rhs->pages_offset - 1) >> PAGE_SHIFT,
				      rhs->pages_offset >> PAGE_SHIFT);
	iopt_itree_remove(&area->node, &iopt->areas);
	rhs->node.start = at;
	rhs->node.last = area->node.last;
	area->node.last = at - 1;
	iopt_itree_insert(&area->node, &iopt->areas);
	iopt_itree_insert(&rhs->node, &iopt->areas);
	WRITE_ONCE(iopt->nareas, iopt->nareas + 1);
	return 0;
}

/* Cut at @last + 1; see iopt_cut() and iopt_cut_io_pages(). */
static int iopt_cut_at(struct iopt *iopt, u64 last, bool ask_pts)
{
	struct iopt_area *area;
	int rc = 0;

	if (last == U64_MAX)
		return 0;
	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	area = iopt_area_first(iopt, last, last);
	if (area && area->node.last != last)
		rc = iopt_split_area(iopt, area, last + 1, ask_pts);
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	return rc;
}

/**
 * iopt_cut() - end a mapping at an IOVA, splitting the one that crosses it
 * @iopt: the IOVA space
 * @last: the IOVA that is to be the last byte of a mapping
 *
 * For VFIO's type1 API, which unmaps parts of what was mapped in one
 * call: cut at both ends of the range first, then unmap it. Cutting where
 * no mapping crosses does nothing. Needs large pages off if the mapping is
 * in a page table.
 *
 * Return: 0; -EINVAL if the cut is not aligned to the IOVA space's
 * alignment (in IOVA and in memory), an in-kernel access holds pins in the
 * mapping, or large pages are on and the mapping is in a page table;
 * -EBUSY if the mapping is being mapped or unmapped; -ENOSPC if the IOVA
 * space holds as many mappings as it may; -ENOMEM.
 */
int iopt_cut(struct iopt *iopt, u64 last)
{
	return iopt_cut_at(iopt, last, false);
}
EXPORT_SYMBOL_IOB_TEST(iopt_cut);

/*
 * Whether @area may grow or shrink at its ends in place: live, filled, with
 * no unmap waiting on it and no access pinning in it, and borrowing the
 * whole pin of registered memory, so that its interval of pages is only
 * bookkeeping, in no tree. Under the write side of iova_rwsem.
 */
static inline bool iopt_area_resizable(struct iopt_area *area)
{
	return iopt_area_live(area) && area->filled && area->borrow &&
	       !area->unmapper && !atomic_read(&area->access_pins) &&
	       RB_EMPTY_NODE(&area->pages_node.rb);
}

/**
 * iopt_extend_io_pages() - map IO pages by growing the mapping before them
 * @iopt: the IOVA space
 * @pages: registered memory, which its owner holds pinned whole
 * @offset: byte offset into @pages of the first byte
 * @iova: first IOVA
 * @length: bytes
 * @prot: IOB_PT_READ and/or IOB_PT_WRITE
 *
 * For VFIO's sPAPR TCE API, which maps and unmaps any run of IO pages, and
 * whose main user (QEMU) maps one IO page per call, at consecutive IOVAs
 * of consecutive memory. Where the mapping that ends at @iova - 1 borrows
 * @pages up to @offset with @prot, it grows over the new range instead of
 * a mapping of its own taking the range: nothing is allocated, and a run
 * mapped page by page is one mapping in the IOVA space, which the unmaps
 * of iopt_clear_io_pages() shrink from either end. The page tables map
 * the new range with a call of its own, as for a mapping of its own.
 *
 * Return: 0; -ENOENT if no mapping can grow so (the caller maps the range
 * with iopt_map(), which reports what is wrong with it); -EEXIST if a
 * mapping is in the way; -EINVAL if a reserved range is; what the page
 * tables report. Nothing changes on error.
 */
int iopt_extend_io_pages(struct iopt *iopt, struct iopt_pages *pages,
			 unsigned long offset, u64 iova, u64 length, int prot)
{
	struct iopt_span span;
	struct iopt_area *area;
	u64 last, end;
	int rc = -ENOENT;

	if (!iova || !length || check_add_overflow(iova, length - 1, &last) ||
	    check_add_overflow((u64)offset, length, &end) ||
	    end > (u64)pages->npages << PAGE_SHIFT)
		return -ENOENT;
	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	if (!iopt->npts || !xa_empty(&iopt->accesses) ||
	    (iova | length) & (iopt->iova_alignment - 1))
		goto out_unlock;
	/*
	 * One look-up finds the mapping to grow and, as areas never overlap,
	 * the one after it is the only one that could be in the way. The
	 * checks of iopt_check_iova() in its order: alignment and overflow
	 * are known good, then reserved ranges, then mappings.
	 */
	area = iopt_area_first(iopt, iova - 1, last);
	if (!area || area->node.last != iova - 1 || area->pages != pages ||
	    area->prot != prot || !iopt_area_resizable(area) ||
	    area->pages_offset + iopt_area_length(area) != offset)
		goto out_unlock;
	if (iopt_itree_iter_first(&iopt->reserved, iova, last)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (iopt_area_next(area, iova, last)) {
		rc = -EEXIST;
		goto out_unlock;
	}

	/* The new range goes into the page tables as an area would. */
	span.pages = pages;
	span.offset = offset;
	span.iova = iova;
	span.length = length;
	span.prot = prot;
	rc = iopt_map_span_all(iopt, &span);
	if (rc)
		goto out_unlock;
	iopt_itree_set_last(&area->node, last);
	area->pages_node.last = (end - 1) >> PAGE_SHIFT;
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	return rc;
}

/*
 * Take [start, last] off the front or the back of @area, the one mapping
 * there, without cutting it in two: the page tables are cut at the new
 * end, the range unmapped, and the area's end moved. Moving the start
 * keeps the tree's order, as the area still lies after the one before.
 * Return: 0; -ENOENT if the range is not at one end of an area that can
 * shrink in place (nor the whole area); -EINVAL for a cut off the
 * alignment; what a page table's cut reports.
 */
static int iopt_trim_area(struct iopt *iopt, struct iopt_area *area,
			  u64 start, u64 last)
{
	bool front = area->node.start == start, back = area->node.last == last;
	u64 len = last - start + 1, cut = front ? last + 1 : start;
	struct iob_pt *pt;
	unsigned long i;
	int rc;

	lockdep_assert_held(&iopt->pts_rwsem);
	lockdep_assert_held_write(&iopt->iova_rwsem);
	/* Neither end is the middle; both are the whole area. */
	if (front == back || start < area->node.start ||
	    last > area->node.last || !iopt_area_resizable(area))
		return -ENOENT;
	if ((cut | (area->pages_offset + (cut - area->node.start))) &
	    (iopt->iova_alignment - 1))
		return -EINVAL;
	/*
	 * One page table (the common case) cuts and unmaps in one call; with
	 * more, every cut is made before anything is unmapped, so that one
	 * refused leaves every table as it was.
	 */
	pt = iopt_pt_at(iopt, 0);
	if (iopt->npts == 1 && pt->ops->trim) {
		rc = pt->ops->trim(pt, start, len);
		if (rc)
			return rc;
		goto moved;
	}
	for (i = 0; (pt = iopt_pt_at(iopt, i)); i++) {
		rc = pt->ops->split(pt, cut);
		if (rc)
			return rc;
	}
	for (i = 0; (pt = iopt_pt_at(iopt, i)); i++)
		pt->ops->unmap(pt, start, len);
moved:
	if (front) {
		area->node.start = cut;
		area->pages_offset += len;
		area->pages_node.start = area->pages_offset >> PAGE_SHIFT;
	} else {
		iopt_itree_set_last(&area->node, start - 1);
		area->pages_node.last = (area->pages_offset +
					 iopt_area_length(area) - 1) >>
					PAGE_SHIFT;
	}
	return 0;
}

/**
 * iopt_clear_io_pages() - unmap every IO page in a range, cutting mappings
 * @iopt: the IOVA space
 * @start: first IOVA, on an IO page boundary of every page table
 * @last: last IOVA, just before one
 *
 * For VFIO's sPAPR TCE API: the mappings that cross either end are cut
 * there (iopt_cut_io_pages()) and everything inside goes, in one pass
 * under the IOVA space's locks; a range with nothing in it costs one
 * look, and a range at either end of a mapping of registered memory only
 * shrinks it. Where in-kernel accesses might hold pins it falls back to
 * the cuts and iopt_unmap(), which asks them to unpin.
 *
 * Return: 0; what iopt_cut_io_pages() or iopt_unmap() return. A failed
 * cut leaves the range as it was; cuts made before it stay, which changes
 * no translation.
 */
int iopt_clear_io_pages(struct iopt *iopt, u64 start, u64 last)
{
	struct iopt_area *area, *next;
	LIST_HEAD(doomed);
	u64 unmapped, pfirst, plast;
	int rc = 0;

	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	if (!xa_empty(&iopt->accesses))
		goto slow;
	area = iopt_area_first(iopt, start, last);
	if (!area)
		goto out_unlock;
	rc = iopt_trim_area(iopt, area, start, last);
	if (rc != -ENOENT)
		goto out_unlock;
	rc = 0;
	if (area->node.start < start) {
		rc = iopt_split_area(iopt, area, start, true);
		area = NULL;
	}
	/* An area from @start on that reaches @last is the one to cut there. */
	if (!area || area->node.last < last)
		area = iopt_area_first(iopt, last, last);
	if (!rc && area && area->node.last != last)
		rc = iopt_split_area(iopt, area, last + 1, true);
	if (!rc)
		rc = iopt_unmap_prepare(iopt, start, last, &rc, &doomed,
					&pfirst, &plast);
	if (rc)
		goto out_unlock;
	list_for_each_entry_safe(area, next, &doomed, mapping) {
		iopt_unfill_area(iopt, area);
		iopt_remove_area(iopt, area);
		iopt_retire_area(iopt, area);
		iopt_yield();
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	return rc;

slow:
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	if (start)
		rc = iopt_cut_io_pages(iopt, start - 1);
	if (!rc)
		rc = iopt_cut_io_pages(iopt, last);
	return rc ?: iopt_unmap(iopt, start, last, &unmapped);
}

/**
 * iopt_cut_io_pages() - iopt_cut() for page tables of single IO pages
 * @iopt: the IOVA space
 * @last: the IOVA that is to be the last byte of a mapping
 *
 * For VFIO's sPAPR TCE API, which unmaps and replaces any run of TCEs:
 * a TCE table maps every IO page of a window by itself, however large the
 * contiguous memory behind it, so the cut is left to each page table's
 * split op, with large pages on or off.
 *
 * Return: as iopt_cut(), with -EINVAL for a cut a page table refuses
 * (not on one of its IO page boundaries) instead of for large pages.
 */
int iopt_cut_io_pages(struct iopt *iopt, u64 last)
{
	return iopt_cut_at(iopt, last, true);
}
