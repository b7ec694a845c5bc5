// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker pinned pages.
 *
 * A struct iob_pages stands for a range of one process's memory that
 * userspace mapped with IOMMU_IOAS_MAP. Nothing is pinned when it is made:
 * pages are pinned (FOLL_LONGTERM, in batches) when a user needs them, in
 * practice when an area over them is filled into the page tables of an
 * IOAS, and unpinned when the last user covering a page lets go. Users are
 * page-index intervals in @users; what to pin or unpin is always "the part
 * of my interval no other interval covers", so a page shared by several
 * areas, IOASes or page tables is pinned and charged exactly once.
 *
 * The page frame numbers of pinned pages live in @pfns, which is the one
 * place the IO page table layer reads them from when it maps a page table,
 * and the one place they are unpinned from. Page tables are never read
 * back.
 *
 * Pages are pinned from the address space of the process that mapped them,
 * through pin_user_pages_remote() when the caller is another process, and
 * charged to that process (or its user): see account.c.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "../iommufd/export.h"
#include "account.h"
#include "pages.h"

/* Pages pinned by the whole module, for tests and statistics. */
static atomic_long_t iob_pinned_total = ATOMIC_LONG_INIT(0);

/**
 * iob_pages_pinned_total() - pages the module holds pinned
 *
 * Return: the count, over all files.
 */
long iob_pages_pinned_total(void)
{
	return atomic_long_read(&iob_pinned_total);
}
EXPORT_SYMBOL_IOB_TEST(iob_pages_pinned_total);

/* Upper bound for temporary buffers; tests lower it to force batching. */
size_t iob_temp_memory_limit = 65536;
EXPORT_SYMBOL_IOB_TEST(iob_temp_memory_limit);

/**
 * iob_pages_create() - describe a user range; pins nothing yet
 * @uaddr: user address of the first byte
 * @length: bytes
 * @writable: devices will be allowed to write
 * @account_mm: charge the process rather than its user
 *
 * The calling process becomes the source: its memory, its limit.
 *
 * Return: the pages with one reference, or an ERR_PTR (-EOVERFLOW for a
 * range that wraps, -ENOMEM).
 */
struct iob_pages *iob_pages_create(unsigned long uaddr, unsigned long length,
				   bool writable, bool account_mm)
{
	unsigned long start = uaddr & PAGE_MASK, end;
	struct iob_pages *pages;

	if (check_add_overflow(uaddr, length, &end) ||
	    end > ULONG_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EOVERFLOW);
	end = PAGE_ALIGN(end);

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->users = RB_ROOT_CACHED;
	pages->uaddr = start;
	pages->npages = (end - start) >> PAGE_SHIFT;
	pages->writable = writable;

	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_user = get_uid(current_user());
	if (capable(CAP_IPC_LOCK))
		pages->account = IOB_PAGES_ACCOUNT_NONE;
	else if (account_mm)
		pages->account = IOB_PAGES_ACCOUNT_MM;
	else
		pages->account = IOB_PAGES_ACCOUNT_USER;
	return pages;
}

static void iob_pages_release(struct kref *kref)
{
	struct iob_pages *pages = container_of(kref, struct iob_pages, kref);

	WARN_ON_ONCE(pages->npinned ||
		     !RB_EMPTY_ROOT(&pages->users.rb_root));
	put_task_struct(pages->source_task);
	mmdrop(pages->source_mm);
	free_uid(pages->source_user);
	kvfree(pages->pfns);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}

/**
 * iob_pages_put() - drop a reference
 * @pages: the pages; freed with the last reference, when nothing is pinned
 */
void iob_pages_put(struct iob_pages *pages)
{
	kref_put(&pages->kref, iob_pages_release);
}

/* Unpin [first, last], by runs of contiguous frames, dirtying them. */
static void iob_pages_unpin_span(struct iob_pages *pages, unsigned long first,
				 unsigned long last)
{
	unsigned long i = first;

	while (i <= last) {
		unsigned long run = 1;

		while (i + run <= last &&
		       pages->pfns[i + run] == pages->pfns[i] + run)
			run++;
		unpin_user_page_range_dirty_lock(pfn_to_page(pages->pfns[i]),
						 run, pages->writable);
		i += run;
	}
}

static unsigned long iob_pages_batch(void)
{
	return max_t(size_t, iob_temp_memory_limit / sizeof(struct page *), 1);
}

/* Pin pages [first, last] into @pfns; nothing is left pinned on error. */
static int iob_pages_pin_span(struct iob_pages *pages, unsigned long first,
			      unsigned long last, struct page **buf,
			      unsigned long bufn)
{
	unsigned int gup = FOLL_LONGTERM | (pages->writable ? FOLL_WRITE : 0);
	struct mm_struct *mm = pages->source_mm;
	bool remote = current->mm != mm;
	unsigned long n = last - first + 1, done = 0, i;
	int locked = 0, rc = 0;

	if (remote && !mmget_not_zero(mm))
		return -EFAULT;
	while (done < n) {
		unsigned long addr = pages->uaddr + ((first + done) << PAGE_SHIFT);
		long want = min(n - done, bufn), got;

		if (remote) {
			if (!locked) {
				mmap_read_lock(mm);
				locked = 1;
			}
			got = pin_user_pages_remote(mm, addr, want, gup, buf,
						    &locked);
		} else {
			got = pin_user_pages_fast(addr, want, gup, buf);
		}
		if (got <= 0) {
			rc = got ? got : -EFAULT;
			break;
		}
		for (i = 0; i < got; i++)
			pages->pfns[first + done + i] = page_to_pfn(buf[i]);
		done += got;
	}
	if (remote) {
		if (locked)
			mmap_read_unlock(mm);
		mmput(mm);
	}
	if (rc && done)
		iob_pages_unpin_span(pages, first, first + done - 1);
	return rc;
}

/* Charge, then pin, the uncovered span [first, last]. */
static int iob_pages_pin_hole(struct iob_pages *pages, unsigned long first,
			      unsigned long last, struct page **buf,
			      unsigned long bufn)
{
	unsigned long n = last - first + 1;
	int rc;

	rc = iob_account_pin(pages, n);
	if (rc)
		return rc;
	rc = iob_pages_pin_span(pages, first, last, buf, bufn);
	if (rc) {
		iob_account_unpin(pages, n);
		return rc;
	}
	pages->npinned += n;
	atomic_long_add(n, &iob_pinned_total);
	return 0;
}

static void iob_pages_unpin_hole(struct iob_pages *pages, unsigned long first,
				 unsigned long last)
{
	iob_pages_unpin_span(pages, first, last);
	iob_account_unpin(pages, last - first + 1);
	pages->npinned -= last - first + 1;
	atomic_long_sub(last - first + 1, &iob_pinned_total);
}

/* Unpin whatever in [first, last] no user covers. */
static void iob_pages_unpin_holes(struct iob_pages *pages, unsigned long first,
				  unsigned long last)
{
	u64 hs, hl, pos = first;

	while (pos <= last &&
	       iob_itree_first_hole(&pages->users, pos, last, &hs, &hl)) {
		iob_pages_unpin_hole(pages, hs, hl);
		pos = hl + 1;
	}
}

/**
 * iob_pages_add_user() - keep pages [@first, @last] pinned for a user
 * @pages: the pages
 * @user: the user's interval node, unused until iob_pages_remove_user()
 * @first: first page index
 * @last: last page index, inclusive
 *
 * Pins and charges the pages no other user holds. On return the frames of
 * the whole interval are in @pages->pfns and stay there until the user is
 * removed.
 *
 * Return: 0; -ENOMEM when over RLIMIT_MEMLOCK or out of memory; -EFAULT
 * if the memory is gone (unmapped, or its process exited); or what pinning
 * reported. Nothing changes on error.
 */
int iob_pages_add_user(struct iob_pages *pages, struct iob_itn *user,
		       unsigned long first, unsigned long last)
{
	unsigned long bufn = min(iob_pages_batch(), last - first + 1);
	struct page **buf;
	u64 hs, hl, pos = first;
	int rc = 0;

	if (WARN_ON_ONCE(first > last || last >= pages->npages))
		return -EINVAL;
	buf = kmalloc_array(bufn, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	mutex_lock(&pages->mutex);
	if (!pages->pfns) {
		pages->pfns = kvcalloc(pages->npages, sizeof(*pages->pfns),
				       GFP_KERNEL_ACCOUNT);
		if (!pages->pfns) {
			rc = -ENOMEM;
			goto out_unlock;
		}
	}
	while (pos <= last &&
	       iob_itree_first_hole(&pages->users, pos, last, &hs, &hl)) {
		rc = iob_pages_pin_hole(pages, hs, hl, buf, bufn);
		if (rc) {
			/* The holes before this one are ours to give back. */
			if (hs > first)
				iob_pages_unpin_holes(pages, first, hs - 1);
			goto out_free;
		}
		pos = hl + 1;
	}
	user->start = first;
	user->last = last;
	iob_itree_insert(user, &pages->users);
out_free:
	if (!pages->npinned) {
		kvfree(pages->pfns);
		pages->pfns = NULL;
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	kfree(buf);
	return rc;
}

/**
 * iob_pages_remove_user() - let go of a user's interval
 * @pages: the pages
 * @user: a node added by iob_pages_add_user()
 *
 * Unpins and uncharges the pages no other user still holds. Cannot fail.
 */
void iob_pages_remove_user(struct iob_pages *pages, struct iob_itn *user)
{
	mutex_lock(&pages->mutex);
	iob_itree_remove(user, &pages->users);
	iob_pages_unpin_holes(pages, user->start, user->last);
	if (!pages->npinned) {
		kvfree(pages->pfns);
		pages->pfns = NULL;
	}
	mutex_unlock(&pages->mutex);
}
