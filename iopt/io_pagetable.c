// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO page tables.
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
 * only then makes them live; until then they are its alone, and a failure
 * at any step takes out exactly them. An unmap that meets an area not yet
 * live answers EBUSY. Unmap checks its whole range before it removes
 * anything, so it either removes every area it covers or none.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "../ptdrv/ptdrv.h"
#include "io_pagetable.h"
#include "pages.h"

static unsigned long iopt_area_page_offset(struct iopt_area *area)
{
	return area->pages_offset & ~PAGE_MASK;
}

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
	iopt->npts = 0;
	iopt->nareas = 0;
	iopt->nreserved = 0;
	iopt->iova_alignment = 1;
	iopt->large_pages = true;
	xa_init_flags(&iopt->accesses, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	init_waitqueue_head(&iopt->access_wq);
}
EXPORT_SYMBOL_IOB_TEST(iopt_init);

/* --- alignment ----------------------------------------------------------- */

/**
 * iopt_wanted_alignment() - the IOVA alignment the IOVA space needs now
 * @iopt: the IOVA space, its iova_rwsem held
 *
 * Return: the largest of what large pages, page tables and accesses need.
 */
unsigned long iopt_wanted_alignment(struct iopt *iopt)
{
	unsigned long align = iopt->large_pages ? 1 : PAGE_SIZE;
	struct iopt_access *acc;
	struct iob_pt *pt;
	unsigned long i;

	lockdep_assert_held(&iopt->iova_rwsem);
	xa_for_each(&iopt->pts, i, pt)
		align = max(align, iob_pt_granule(pt));
	xa_for_each(&iopt->accesses, i, acc)
		align = max(align, acc->iova_alignment);
	return align;
}

/**
 * iopt_check_alignment() - can every area live with an alignment?
 * @iopt: the IOVA space, its iova_rwsem held
 * @align: the alignment
 *
 * Return: 0, or -EADDRINUSE if an area's IOVA, length or offset in its
 * first page is not a multiple of @align.
 */
int iopt_check_alignment(struct iopt *iopt, unsigned long align)
{
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, U64_MAX); area;
	     area = iopt_area_next(area, 0, U64_MAX)) {
		if ((area->node.start | iopt_area_length(area) |
		     iopt_area_page_offset(area)) & (align - 1))
			return -EADDRINUSE;
		cond_resched();
	}
	return 0;
}

/* --- reserved and allowed ranges ------------------------------------------ */

static bool iopt_tree_hits(struct rb_root_cached *root, u64 start, u64 last)
{
	return iopt_itree_iter_first(root, start, last);
}

/*
 * The most reserved ranges one IOVA space may hold. A page table reserves
 * at most three; the rest come from tests. It bounds the walks that choose
 * IOVAs and report IOMMU_IOAS_IOVA_RANGES.
 */
#define IOPT_MAX_RESERVED 65536

static int __iopt_reserve(struct iopt *iopt, u64 start, u64 last,
			  const void *owner)
{
	struct iopt_reserved *res;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (iopt_tree_hits(&iopt->areas, start, last) ||
	    iopt_tree_hits(&iopt->allowed, start, last))
		return -EADDRINUSE;
	if (iopt->nreserved >= IOPT_MAX_RESERVED)
		return -ENOSPC;
	res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->node.start = start;
	res->node.last = last;
	res->owner = owner;
	iopt_itree_insert(&res->node, &iopt->reserved);
	iopt->nreserved++;
	return 0;
}

/**
 * iopt_reserve() - keep mappings out of an IOVA range
 * @iopt: the IOVA space
 * @start: first IOVA
 * @last: last IOVA
 * @owner: who reserves; iopt_destroy() drops everything
 *
 * Return: 0, -EADDRINUSE if a mapping or an allowed range is in the way,
 * -ENOSPC if the IOVA space holds IOPT_MAX_RESERVED ranges already,
 * -ENOMEM.
 */
int iopt_reserve(struct iopt *iopt, u64 start, u64 last,
		 const void *owner)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = __iopt_reserve(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iopt_reserve);

static void iopt_unreserve(struct iopt *iopt, const void *owner)
{
	struct iopt_itn *node, *next;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	for (node = iopt_itree_iter_first(&iopt->reserved, 0, U64_MAX); node;
	     node = next) {
		struct iopt_reserved *res =
			container_of(node, struct iopt_reserved, node);

		next = iopt_itree_iter_next(node, 0, U64_MAX);
		if (res->owner != owner)
			continue;
		iopt_itree_remove(node, &iopt->reserved);
		iopt->nreserved--;
		kfree(res);
	}
}

/**
 * iopt_free_tree() - free every node of a tree of bare struct iopt_itn
 * @root: the tree; empty afterwards
 */
void iopt_free_tree(struct rb_root_cached *root)
{
	struct iopt_itn *node;

	while ((node = iopt_itree_iter_first(root, 0, U64_MAX))) {
		iopt_itree_remove(node, root);
		kfree(node);
	}
}

/**
 * iopt_set_allowed() - replace the allowed ranges
 * @iopt: the IOVA space
 * @allowed: a tree of struct iopt_itn; on success its nodes move into
 *	@iopt and it holds the old ones, on failure it is left as it was
 *
 * Return: 0, or -EADDRINUSE if a new range overlaps a reserved one.
 */
int iopt_set_allowed(struct iopt *iopt, struct rb_root_cached *allowed)
{
	struct rb_root_cached old;
	struct iopt_itn *node;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	for (node = iopt_itree_iter_first(allowed, 0, U64_MAX); node;
	     node = iopt_itree_iter_next(node, 0, U64_MAX)) {
		if (iopt_tree_hits(&iopt->reserved, node->start, node->last)) {
			rc = -EADDRINUSE;
			goto out_unlock;
		}
	}
	old = iopt->allowed;
	iopt->allowed = *allowed;
	*allowed = old;
out_unlock:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_walk_ranges() - walk the IOVA ranges mappings may use
 * @iopt: the IOVA space
 * @fn: called for each hole between reserved ranges, in ascending order,
 *	with the read side of the IOVA space's iova_rwsem held (it may fault
 *	on user memory); a non-zero return stops the walk
 * @arg: for @fn
 * @alignment: set to the current IOVA alignment
 *
 * The ranges are handed over one at a time, never gathered into an
 * array: there can be one more of them than there are reserved ranges.
 *
 * Return: 0, or what @fn returned.
 */
int iopt_walk_ranges(struct iopt *iopt, iopt_range_fn fn, void *arg,
		     u64 *alignment)
{
	u64 pos = 0, hs, hl;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	*alignment = iopt->iova_alignment;
	while (iopt_itree_first_hole(&iopt->reserved, pos, U64_MAX, &hs, &hl)) {
		rc = fn(arg, hs, hl);
		if (rc || hl == U64_MAX)
			break;
		pos = hl + 1;
		cond_resched();
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}

/* --- choosing IOVAs -------------------------------------------------------- */

/* The first area or reserved range overlapping [start, last], if any. */
static struct iopt_itn *iopt_obstacle(struct iopt *iopt, u64 start,
				      u64 last)
{
	struct iopt_itn *a, *r;

	a = iopt_itree_iter_first(&iopt->areas, start, last);
	r = iopt_itree_iter_first(&iopt->reserved, start, last);

	if (!a || (r && r->last > a->last))
		return r;
	return a;
}

/* First fit of @length in [start, last], aligned; false if none. */
static bool iopt_fit(struct iopt *iopt, u64 start, u64 last, u64 length,
		     u64 align, unsigned long page_offset, u64 *iova)
{
	u64 pos = start, cand, cand_last;
	struct iopt_itn *obstacle;

	for (;;) {
		if (check_add_overflow(pos, align - 1, &cand))
			return false;
		cand = (cand & ~(align - 1)) | page_offset;
		if (cand > last || check_add_overflow(cand, length - 1,
						      &cand_last) ||
		    cand_last > last)
			return false;
		obstacle = iopt_obstacle(iopt, cand, cand_last);
		if (!obstacle) {
			*iova = cand;
			return true;
		}
		if (obstacle->last >= last)
			return false;
		pos = obstacle->last + 1;
	}
}

/*
 * Pick an IOVA for @length bytes of memory at user address @uptr. The IOVA
 * keeps the natural alignment of the address, up to a PMD (so transparent
 * huge pages stay mappable as such) or the IOVA space's own alignment if
 * that is larger (IO pages larger than a PMD, such as 16 MiB TCEs), and
 * its offset within the page. Memory less aligned than the IOVA space
 * needs is EINVAL. IOVA 0 and the top page are never chosen. With allowed
 * ranges, only they count.
 */
static int iopt_alloc_iova(struct iopt *iopt, u64 *iova,
			   unsigned long uptr, u64 length)
{
	unsigned long page_offset = uptr & ~PAGE_MASK;
	u64 align, max_align = PAGE_SIZE, lo = PAGE_SIZE;
	u64 hi = U64_MAX - PAGE_SIZE;
	struct iopt_itn *span;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (!length || length >= U64_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow_of_two(length);
	if (uptr)
		align = min_t(u64, align, 1ULL << __ffs(uptr));
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	max_align = HPAGE_PMD_SIZE;
#endif
	max_align = max_t(u64, max_align, iopt->iova_alignment);
	align = min(align, max_align);
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&iopt->allowed.rb_root))
		return iopt_fit(iopt, lo, hi, length, align, page_offset,
				iova) ? 0 : -ENOSPC;
	for (span = iopt_itree_iter_first(&iopt->allowed, lo, hi); span;
	     span = iopt_itree_iter_next(span, lo, hi)) {
		if (iopt_fit(iopt, max(span->start, lo), min(span->last, hi),
			     length, align, page_offset, iova))
			return 0;
	}
	return -ENOSPC;
}

/* A fixed IOVA: aligned, no reserved range, no mapping in the way. */
static int iopt_check_iova(struct iopt *iopt, u64 iova, u64 length)
{
	u64 last;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iopt_tree_hits(&iopt->reserved, iova, last))
		return -EINVAL;
	if (iopt_tree_hits(&iopt->areas, iova, last))
		return -EEXIST;
	return 0;
}

/* --- page tables ----------------------------------------------------------- */

/*
 * Map one area into one page table, from the frames its pages hold pinned.
 * Physically contiguous memory goes down as one segment unless large pages
 * are off; segments go down in batches, each batch one map call. On error
 * the calls made so far are undone.
 */
static int iopt_map_area(struct iopt_area *area, struct iob_pt *pt,
			 bool large_pages)
{
	struct iopt_pages *pages = area->pages;
	u64 pos = area->pages_offset, end = pos + iopt_area_length(area);
	u64 call_iova = area->node.start, done = 0, batch_len = 0;
	unsigned int nsegs = 0, max_segs;
	struct iob_pt_seg *segs;
	int rc = 0;

	max_segs = clamp_t(size_t, iopt_temp_bytes() / sizeof(*segs), 1,
			   (end - pos) / PAGE_SIZE + 2);
	segs = kmalloc_array(max_segs, sizeof(*segs), GFP_KERNEL);
	if (!segs)
		return -ENOMEM;

	while (pos < end) {
		unsigned long in_page = pos & ~PAGE_MASK;
		u64 len = min_t(u64, PAGE_SIZE - in_page, end - pos);
		phys_addr_t pa = PFN_PHYS(pages->pfns[pos >> PAGE_SHIFT]) +
				 in_page;

		if (large_pages && nsegs &&
		    segs[nsegs - 1].paddr + segs[nsegs - 1].len == pa) {
			segs[nsegs - 1].len += len;
		} else {
			if (nsegs == max_segs) {
				rc = pt->ops->map(pt, call_iova,
						  pages->uaddr + area->pages_offset + done,
						  segs, nsegs, area->prot);
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
	rc = pt->ops->map(pt, call_iova,
			  pages->uaddr + area->pages_offset + done, segs,
			  nsegs, area->prot);
	if (!rc)
		goto out_free;
out_unwind:
	if (done)
		pt->ops->unmap(pt, area->node.start, done);
out_free:
	kfree(segs);
	return rc;
}

/* Keep the area's pages pinned for as long as it is filled. */
static int iopt_pin_area(struct iopt_area *area)
{
	unsigned long first = area->pages_offset >> PAGE_SHIFT;
	unsigned long last = (area->pages_offset + iopt_area_length(area) - 1) >>
			     PAGE_SHIFT;

	return iopt_pages_add_user(area->pages, &area->pages_node, first, last);
}

/* Pin the area's pages and map them into every page table. */
static int iopt_fill_area(struct iopt *iopt, struct iopt_area *area)
{
	struct iob_pt *pt;
	unsigned long i, j;
	int rc;

	lockdep_assert_held(&iopt->pts_rwsem);
	rc = iopt_pin_area(area);
	if (rc)
		return rc;
	xa_for_each(&iopt->pts, i, pt) {
		rc = iopt_map_area(area, pt, iopt->large_pages);
		if (rc)
			goto err_unmap;
	}
	area->filled = true;
	return 0;

err_unmap:
	xa_for_each(&iopt->pts, j, pt) {
		if (j >= i)
			break;
		pt->ops->unmap(pt, area->node.start, iopt_area_length(area));
	}
	iopt_pages_remove_user(area->pages, &area->pages_node);
	return rc;
}

static void iopt_unfill_area(struct iopt *iopt, struct iopt_area *area)
{
	struct iob_pt *pt;
	unsigned long i;

	if (!area->filled)
		return;
	xa_for_each(&iopt->pts, i, pt)
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

static void iopt_free_area(struct iopt_area *area)
{
	iopt_pages_put(area->pages);
	kfree(area);
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
			    unsigned long offset, u64 length)
{
	struct iopt_area *area;

	if (m->count >= iopt_area_limit()) {
		iopt_pages_put(pages);
		return -ENOSPC;
	}
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
		cond_resched();
	}
	iopt_mapping_init(m);
}

/**
 * iopt_mapping_user() - a mapping of user memory (IOMMU_IOAS_MAP)
 * @m: the mapping to fill
 * @uptr: user address of the first byte, in the calling process
 * @length: bytes
 * @writable: devices will be allowed to write
 * @account_mm: charge pins to the process rather than its user
 *
 * Nothing is pinned yet: the memory is pinned only once an IOAS with page
 * tables maps it.
 *
 * Return: 0; -EINVAL for no length or one too large to describe;
 * -EOVERFLOW for a range that wraps; -ENOMEM. @m is empty on error.
 */
int iopt_mapping_user(struct iopt_mapping *m, unsigned long uptr, u64 length,
		      bool writable, bool account_mm)
{
	struct iopt_pages *pages;

	iopt_mapping_init(m);
	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	pages = iopt_pages_create(uptr, length, writable, account_mm);
	if (IS_ERR(pages))
		return PTR_ERR(pages);
	return iopt_mapping_add(m, pages, uptr & ~PAGE_MASK, length);
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
		if (area->node.start > pos || !area->live)
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
				to - pos + 1);
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
	unsigned long align = iopt->iova_alignment;
	struct iopt_area *area;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (m->count > iopt_area_limit() ||
	    iopt->nareas > iopt_area_limit() - m->count)
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
		cond_resched();
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

	down_write(&iopt->iova_rwsem);
	list_for_each_entry_safe(area, next, &m->areas, mapping) {
		list_del(&area->mapping);
		area->live = true;
		cond_resched();
	}
	up_write(&iopt->iova_rwsem);
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
 * Check that an unmap of [start, last] can go ahead; then mark its areas
 * so that accesses stop pinning there, and find the span of those
 * accesses still hold pinned: *@pinned_first to *@pinned_last, if any.
 */
static int iopt_unmap_prepare(struct iopt *iopt, u64 start, u64 last,
			      const void *me, u64 *pinned_first,
			      u64 *pinned_last)
{
	struct iopt_area *area;
	bool pinned = false;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
		if (!area->live || (area->unmapper && area->unmapper != me))
			return -EBUSY;
		if (area->node.start < start || area->node.last > last)
			return -ENOENT;
	}
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last)) {
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

/**
 * iopt_unmap() - IOMMU_IOAS_UNMAP: remove every mapping inside a range
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
 * Return: 0; -ENOENT if a mapping is only partly inside the range, or if
 * nothing is mapped there (unless the range is everything); -EBUSY if a
 * map or unmap of the range is in flight; -EDEADLOCK if an access kept
 * its pins. Nothing is unmapped on error.
 */
int iopt_unmap(struct iopt *iopt, u64 start, u64 last, u64 *unmapped)
{
	unsigned int tries = 0;
	u64 total = 0, pfirst, plast;
	struct iopt_area *area;
	/* Any address unique to this call tells its marks from others'. */
	const void *me = &tries;
	int rc;

again:
	down_read(&iopt->pts_rwsem);
	down_write(&iopt->iova_rwsem);
	rc = iopt_unmap_prepare(iopt, start, last, me, &pfirst, &plast);
	if (rc == -EAGAIN && tries == IOPT_UNMAP_TRIES) {
		pr_warn_ratelimited("iobroker: an access kept IOVAs %#llx-%#llx pinned; unmap fails with EDEADLOCK\n",
				    pfirst, plast);
		rc = -EDEADLOCK;
	}
	if (rc == -EAGAIN) {
		up_write(&iopt->iova_rwsem);
		up_read(&iopt->pts_rwsem);
		if (tries)
			usleep_range(tries * USEC_PER_MSEC,
				     2 * tries * USEC_PER_MSEC);
		tries++;
		iopt_notify_unmap(iopt, pfirst, plast);
		goto again;
	}
	if (rc)
		iopt_unmark(iopt, start, last, me);
	while (!rc && (area = iopt_area_first(iopt, start, last))) {
		iopt_unfill_area(iopt, area);
		iopt_remove_area(iopt, area);
		total += iopt_area_length(area);
		iopt_free_area(area);
		cond_resched();
	}
	up_write(&iopt->iova_rwsem);
	up_read(&iopt->pts_rwsem);
	if (!rc && !total && !(start == 0 && last == U64_MAX))
		rc = -ENOENT;
	*unmapped = total;
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iopt_unmap);

/* --- adding and removing page tables -------------------------------------- */

/* Reserve what lies outside @pt's apertures, in its name. */
static int iopt_reserve_outside(struct iopt *iopt, struct iob_pt *pt)
{
	u64 pos = 0;
	unsigned int i;
	int rc;

	for (i = 0; i < pt->naper; i++) {
		if (pt->aper[i].start > pos) {
			rc = __iopt_reserve(iopt, pos, pt->aper[i].start - 1, pt);
			if (rc)
				return rc;
		}
		if (pt->aper[i].last == U64_MAX)
			return 0;
		pos = pt->aper[i].last + 1;
	}
	return __iopt_reserve(iopt, pos, U64_MAX, pt);
}

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
	xa_erase(&iopt->pts, id);
	iopt->npts--;
	iopt_unreserve(iopt, pt);
	iopt->iova_alignment = iopt_wanted_alignment(iopt);
out_unlock:
	up_write(&iopt->iova_rwsem);
	up_write(&iopt->pts_rwsem);
}

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
	struct iopt_itn *node;
	u64 unmapped;

	/* Accesses hold a reference on their IOAS; none can be left. */
	WARN_ON_ONCE(iopt->npts || !xa_empty(&iopt->accesses));
	WARN_ON_ONCE(iopt_unmap(iopt, 0, U64_MAX, &unmapped));
	while ((node = iopt_itree_iter_first(&iopt->reserved, 0, U64_MAX))) {
		iopt_itree_remove(node, &iopt->reserved);
		kfree(container_of(node, struct iopt_reserved, node));
		cond_resched();
	}
	iopt_free_tree(&iopt->allowed);
	xa_destroy(&iopt->pts);
	xa_destroy(&iopt->accesses);
}
EXPORT_SYMBOL_IOB_TEST(iopt_destroy);
