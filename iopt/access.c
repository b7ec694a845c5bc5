// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO page tables: in-kernel accesses.
 *
 * An access is kernel code that reaches the memory behind IOVAs with the
 * CPU rather than through a device's page table. It registers with the
 * IOVA space (iopt_add_access()), and then pins pages of areas or copies
 * through them. This layer knows nothing of access objects: it calls the
 * owner back through the ops it was given.
 *
 * Rules:
 *  - pins, unpins and copies walk back to back live areas under the read
 *    side of iova_rwsem, so no area they use can go while they work;
 *  - an area counts the pins accesses hold in it (@access_pins); an unmap
 *    meeting a pinned area marks it (@unmapper), which refuses new pins and
 *    copies there, drops every lock and calls each registered access's
 *    unmap callback, which must unpin before it returns (io_pagetable.c);
 *  - callbacks run with a count held on their registration
 *    (@notifying, under the xarray's lock), so iopt_remove_access() can
 *    wait until none runs any more, and no callback starts after it.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "../ptdrv/ptdrv.h"
#include "io_pagetable.h"
#include "pages.h"

/* iopt_access_rw() hands its flags to the pages as they are. */
static_assert(IOPT_RW_WRITE == IOPT_PAGES_RW_WRITE);
static_assert(IOPT_RW_KTHREAD == IOPT_PAGES_RW_KTHREAD);
static_assert(IOPT_RW_SLOW == IOPT_PAGES_RW_SLOW);

/**
 * iopt_add_access() - register an access with an IOVA space
 * @iopt: the IOVA space
 * @ops: the owner's callbacks
 * @data: passed to them
 * @alignment: the IOVA alignment the access needs (PAGE_SIZE to pin pages)
 *
 * Return: the registration, or ERR_PTR(-EADDRINUSE) if a mapping is not
 * aligned to @alignment, or ERR_PTR(-ENOMEM).
 */
struct iopt_access *iopt_add_access(struct iopt *iopt,
				    const struct iopt_access_ops *ops,
					void *data, unsigned long alignment)
{
	struct iopt_access *acc;
	unsigned long align;
	int rc;

	acc = kzalloc(sizeof(*acc), GFP_KERNEL_ACCOUNT);
	if (!acc)
		return ERR_PTR(-ENOMEM);
	acc->ops = ops;
	acc->data = data;
	acc->iova_alignment = alignment;

	down_write(&iopt->iova_rwsem);
	align = max(iopt->iova_alignment, alignment);
	rc = iopt_check_alignment(iopt, align);
	if (!rc)
		rc = xa_alloc(&iopt->accesses, &acc->id, acc, xa_limit_31b,
			      GFP_KERNEL_ACCOUNT);
	if (!rc)
		iopt->iova_alignment = align;
	up_write(&iopt->iova_rwsem);
	if (rc) {
		kfree(acc);
		return ERR_PTR(rc == -EBUSY ? -ENOSPC : rc);
	}
	return acc;
}
EXPORT_SYMBOL_IOB_TEST(iopt_add_access);

static bool iopt_access_quiet(struct iopt *iopt,
			      struct iopt_access *acc)
{
	bool quiet;

	xa_lock(&iopt->accesses);
	quiet = !acc->notifying;
	xa_unlock(&iopt->accesses);
	return quiet;
}

/**
 * iopt_remove_access() - unregister an access
 * @iopt: the IOVA space
 * @acc: what iopt_add_access() returned; freed here
 *
 * Waits for callbacks of @acc that are running; none starts afterwards.
 * The caller must not hold anything those callbacks may wait for.
 */
void iopt_remove_access(struct iopt *iopt, struct iopt_access *acc)
{
	down_write(&iopt->iova_rwsem);
	WARN_ON_ONCE(xa_erase(&iopt->accesses, acc->id) != acc);
	iopt->iova_alignment = iopt_wanted_alignment(iopt);
	up_write(&iopt->iova_rwsem);
	wait_event(iopt->access_wq, iopt_access_quiet(iopt, acc));
	kfree(acc);
}
EXPORT_SYMBOL_IOB_TEST(iopt_remove_access);

/**
 * iopt_notify_unmap() - tell every access that IOVAs are going away
 * @iopt: the IOVA space, with none of its locks held
 * @first: first IOVA
 * @last: last IOVA
 */
void iopt_notify_unmap(struct iopt *iopt, u64 first, u64 last)
{
	struct iopt_access *acc;
	unsigned long index = 0;

	xa_lock(&iopt->accesses);
	while ((acc = xa_find(&iopt->accesses, &index, ULONG_MAX,
			      XA_PRESENT))) {
		acc->notifying++;
		xa_unlock(&iopt->accesses);
		acc->ops->unmap(acc->data, first, last);
		xa_lock(&iopt->accesses);
		if (!--acc->notifying)
			wake_up_all(&iopt->access_wq);
		index++;
	}
	xa_unlock(&iopt->accesses);
}
EXPORT_SYMBOL_IOB_TEST(iopt_notify_unmap);

/*
 * A walk over the back to back areas that cover [iova, last]: each step is
 * the part of one area, at IOVA @pos, @len bytes long, starting @byte into
 * the area's pages. @done is set once a step reached @last.
 */
struct iopt_walk {
	u64 last;
	u64 pos;
	u64 len;
	unsigned long byte;
	struct iopt_area *area;
	bool done;
};

static struct iopt_area *iopt_walk_set(struct iopt_walk *w,
				       struct iopt_area *area)
{
	/* A gap, or a map still in flight, ends the walk early. */
	if (!area || area->node.start > w->pos || !iopt_area_live(area))
		return NULL;
	w->len = min(w->last, area->node.last) - w->pos + 1;
	w->byte = area->pages_offset + (w->pos - area->node.start);
	w->area = area;
	return area;
}

static struct iopt_area *iopt_walk_first(struct iopt_walk *w,
					 struct iopt *iopt, u64 iova,
					u64 last)
{
	lockdep_assert_held(&iopt->iova_rwsem);
	w->last = last;
	w->pos = iova;
	w->area = NULL;
	w->done = false;
	return iopt_walk_set(w, iopt_area_first(iopt, iova, last));
}

static struct iopt_area *iopt_walk_next(struct iopt_walk *w)
{
	if (w->pos + w->len - 1 == w->last) {
		w->done = true;
		return NULL;
	}
	w->pos += w->len;
	return iopt_walk_set(w, iopt_area_next(w->area, w->pos, w->last));
}

static unsigned long iopt_walk_first_page(struct iopt_walk *w)
{
	return w->byte >> PAGE_SHIFT;
}

static unsigned long iopt_walk_last_page(struct iopt_walk *w)
{
	return (w->byte + w->len - 1) >> PAGE_SHIFT;
}

static bool iopt_area_allows(struct iopt_area *area, bool write)
{
	return area->prot & (write ? IOB_PT_WRITE : IOB_PT_READ);
}

/* Unpin the steps of [iova, last]; false if one has no such pin. */
static bool iopt_unpin_range(struct iopt *iopt, u64 iova, u64 last)
{
	struct iopt_area *area;
	struct iopt_walk w;
	bool found = true;

	for (area = iopt_walk_first(&w, iopt, iova, last); area;
	     area = iopt_walk_next(&w)) {
		if (iopt_pages_access_unpin(area->pages,
					    iopt_walk_first_page(&w),
					   iopt_walk_last_page(&w)))
			atomic_dec(&area->access_pins);
		else
			found = false;
	}
	return found && w.done;
}

/**
 * iopt_access_pin() - pin the pages behind [@iova, @iova + @length)
 * @iopt: the IOVA space
 * @iova: first IOVA; its byte must start a page of the memory
 * @length: bytes, at least one, not wrapping
 * @out: filled with one page per page of memory the range touches
 * @write: the caller will write; the mappings must allow it
 *
 * The range may span back to back areas if each boundary between them is
 * a page boundary of the memory.
 *
 * Return: 0; -ENOENT if the range is not mapped from end to end; -EINVAL
 * if it starts, or crosses between areas, inside a page, or if an unmap of
 * it is in progress; -EPERM if a mapping does not allow the access; or
 * what pinning returns. Nothing is left pinned on error.
 */
int iopt_access_pin(struct iopt *iopt, u64 iova, u64 length,
		    struct page **out, bool write)
{
	u64 last = iova + length - 1;
	struct iopt_area *area;
	struct iopt_walk w;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_walk_first(&w, iopt, iova, last); area;
	     area = iopt_walk_next(&w)) {
		bool inner = w.pos + w.len - 1 != last;

		if (area->unmapper || (w.byte & ~PAGE_MASK) ||
		    (inner && ((w.byte + w.len) & ~PAGE_MASK))) {
			rc = -EINVAL;
			break;
		}
		if (!iopt_area_allows(area, write)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_pages_access_pin(area->pages,
					   iopt_walk_first_page(&w),
					   iopt_walk_last_page(&w), out);
		if (rc)
			break;
		atomic_inc(&area->access_pins);
		out += iopt_walk_last_page(&w) - iopt_walk_first_page(&w) + 1;
	}
	if (!rc && !w.done)
		rc = -ENOENT;
	/* Give back the steps before the one that failed. */
	if (rc && w.pos > iova)
		WARN_ON_ONCE(!iopt_unpin_range(iopt, iova, w.pos - 1));
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_access_unpin() - undo iopt_access_pin() of the same range
 * @iopt: the IOVA space
 * @iova: as given to iopt_access_pin()
 * @length: as given to iopt_access_pin()
 *
 * Return: false if the range was not pinned so; what of it was is
 * unpinned anyway.
 */
bool iopt_access_unpin(struct iopt *iopt, u64 iova, u64 length)
{
	bool ok;

	down_read(&iopt->iova_rwsem);
	ok = iopt_unpin_range(iopt, iova, iova + length - 1);
	up_read(&iopt->iova_rwsem);
	return ok;
}

/**
 * iopt_access_rw() - copy between a kernel buffer and [@iova, @iova + @length)
 * @iopt: the IOVA space
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes, at least one, not wrapping
 * @flags: IOPT_RW_*
 *
 * Return: 0; -ENOENT if the range is not mapped from end to end; -EINVAL
 * if an unmap of it is in progress; -EPERM if a mapping does not allow
 * the direction; -EFAULT if the memory is gone. On error, part of the
 * copy may have been done.
 */
int iopt_access_rw(struct iopt *iopt, u64 iova, void *data, u64 length,
		   unsigned int flags)
{
	bool write = flags & IOPT_RW_WRITE;
	u64 last = iova + length - 1;
	struct iopt_area *area;
	struct iopt_walk w;
	int rc = 0;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_walk_first(&w, iopt, iova, last); area;
	     area = iopt_walk_next(&w)) {
		if (area->unmapper) {
			rc = -EINVAL;
			break;
		}
		if (!iopt_area_allows(area, write)) {
			rc = -EPERM;
			break;
		}
		rc = iopt_pages_rw(area->pages, w.byte, data, w.len, flags);
		if (rc)
			break;
		data += w.len;
	}
	if (!rc && !w.done)
		rc = -ENOENT;
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_nth_area() - where the nth mapping starts
 * @iopt: the IOVA space
 * @nth: 0 for the lowest mapping
 * @iova: set to its first IOVA
 *
 * Return: 0, or -ENOENT if there are not that many mappings.
 */
int iopt_nth_area(struct iopt *iopt, unsigned int nth, u64 *iova)
{
	struct iopt_area *area;
	int rc = -ENOENT;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, U64_MAX); area;
	     area = iopt_area_next(area, 0, U64_MAX)) {
		if (nth--)
			continue;
		*iova = area->node.start;
		rc = 0;
		break;
	}
	up_read(&iopt->iova_rwsem);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iopt_nth_area);
