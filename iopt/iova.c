// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO page tables: the IOVA space itself. What mappings must be
 * aligned to, the reserved ranges (outside the page tables' apertures, or
 * reserved by tests) and the allowed ones (what userspace asked to keep
 * usable), the ranges IOMMU_IOAS_IOVA_RANGES reports, and where a mapping
 * may go. Nothing here touches memory or page tables.
 */
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "../ptdrv/ptdrv.h"
#include "internal.h"
#include "io_pagetable.h"

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

/* Drop the reserved ranges of @owner. */
void iopt_unreserve(struct iopt *iopt, const void *owner)
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
int iopt_alloc_iova(struct iopt *iopt, u64 *iova, unsigned long uptr,
		    u64 length)
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
int iopt_check_iova(struct iopt *iopt, u64 iova, u64 length)
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

/* Reserve what lies outside @pt's apertures, in its name. */
int iopt_reserve_outside(struct iopt *iopt, struct iob_pt *pt)
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

/* Free every reserved range, when the IOVA space goes. */
void iopt_free_reserved(struct iopt *iopt)
{
	struct iopt_itn *node;

	while ((node = iopt_itree_iter_first(&iopt->reserved, 0, U64_MAX))) {
		iopt_itree_remove(node, &iopt->reserved);
		kfree(container_of(node, struct iopt_reserved, node));
		cond_resched();
	}
	iopt->nreserved = 0;
}
