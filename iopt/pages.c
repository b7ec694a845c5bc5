// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker pinned pages.
 *
 * A struct iopt_pages stands for a range of one process's memory that
 * userspace mapped with IOMMU_IOAS_MAP. Nothing is pinned when it is made:
 * pages are pinned (FOLL_LONGTERM, in batches) when a user needs them, in
 * practice when an area over them is filled into the page tables of an
 * IOAS, and unpinned when the last user covering a page lets go. Users are
 * page-index intervals in @users; what to pin or unpin is always "the part
 * of my interval no other interval covers", so a page shared by several
 * areas, IOASes or page tables is pinned and charged exactly once.
 *
 * The page frame numbers of pinned pages live in @frames, which is the
 * one place the IO page table layer reads them from when it maps a page
 * table, and the one place they are unpinned from. Page tables are never
 * read back. @frames is sparse: chunks of IOPT_FRAME_CHUNK frames, each
 * made when a page of it is first held and freed when no user holds a
 * page of it any more, so what it costs follows what is pinned, not the
 * length of the mapping.
 *
 * In-kernel accesses pin intervals of their own (struct iopt_pages_access),
 * which sit in @users like any other, and copy through iopt_pages_rw().
 *
 * Pages are pinned from the address space of the process that mapped them,
 * through pin_user_pages_remote() when the caller is another process, and
 * charged to that process (or its user): see account.c.
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/sched/user.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../common/export.h"
#include "../common/fault.h"
#include "account.h"
#include "pages.h"

/* Pages pinned by the whole module, for tests and statistics. */
static atomic_long_t iopt_pinned_total = ATOMIC_LONG_INIT(0);

/**
 * iopt_pages_pinned_total() - pages the module holds pinned
 *
 * Return: the count, over all files.
 */
long iopt_pages_pinned_total(void)
{
	return atomic_long_read(&iopt_pinned_total);
}
EXPORT_SYMBOL_IOB_TEST(iopt_pages_pinned_total);

/* Upper bound for temporary buffers; tests lower it to force batching. */
size_t iopt_temp_memory_limit = 65536;
EXPORT_SYMBOL_IOB_TEST(iopt_temp_memory_limit);

/**
 * iopt_pages_create() - describe a user range; pins nothing yet
 * @uaddr: user address of the first byte
 * @length: bytes
 * @writable: devices will be allowed to write
 * @account_mm: charge the process rather than its user
 * @kept: memory of earlier pages, from iopt_pages_put_keep(), to use
 *	instead of a new allocation, or NULL; still the caller's on error
 *
 * The calling process becomes the source: its memory, its limit.
 *
 * Return: the pages with one reference, or an ERR_PTR (-EOVERFLOW for a
 * range that wraps, -ENOMEM).
 */
struct iopt_pages *iopt_pages_create(unsigned long uaddr, unsigned long length,
				     bool writable, bool account_mm,
				     struct iopt_pages *kept)
{
	unsigned long start = uaddr & PAGE_MASK, end;
	struct iopt_pages *pages = kept;

	if (check_add_overflow(uaddr, length, &end) ||
	    end > ULONG_MAX - PAGE_SIZE + 1)
		return ERR_PTR(-EOVERFLOW);
	end = PAGE_ALIGN(end);

	if (pages)
		memset(pages, 0, sizeof(*pages));
	else
		pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	pages->users = RB_ROOT_CACHED;
	pages->accesses = RB_ROOT_CACHED;
	xa_init_flags(&pages->frames, XA_FLAGS_ACCOUNT);
	pages->uaddr = start;
	pages->npages = (end - start) >> PAGE_SHIFT;
	pages->writable = writable;

	pages->source_task = current->group_leader;
	get_task_struct(pages->source_task);
	pages->source_mm = current->mm;
	mmgrab(pages->source_mm);
	pages->source_user = get_uid(current_user());
	if (capable(CAP_IPC_LOCK))
		pages->account = IOPT_PAGES_ACCOUNT_NONE;
	else if (account_mm)
		pages->account = IOPT_PAGES_ACCOUNT_MM;
	else
		pages->account = IOPT_PAGES_ACCOUNT_USER;
	return pages;
}

/* Let go of everything the pages refer to; their memory stays. */
static void iopt_pages_teardown(struct kref *kref)
{
	struct iopt_pages *pages = container_of(kref, struct iopt_pages, kref);

	WARN_ON_ONCE(pages->npinned ||
		     !RB_EMPTY_ROOT(&pages->users.rb_root) ||
		     !RB_EMPTY_ROOT(&pages->accesses.rb_root));
	/* Every chunk went with the last user holding a page of it. */
	if (WARN_ON_ONCE(!xa_empty(&pages->frames)))
		xa_destroy(&pages->frames);
	put_task_struct(pages->source_task);
	mmdrop(pages->source_mm);
	free_uid(pages->source_user);
	mutex_destroy(&pages->mutex);
}

static void iopt_pages_release(struct kref *kref)
{
	iopt_pages_teardown(kref);
	kfree(container_of(kref, struct iopt_pages, kref));
}

/**
 * iopt_pages_put() - drop a reference
 * @pages: the pages; freed with the last reference, when nothing is pinned
 */
void iopt_pages_put(struct iopt_pages *pages)
{
	kref_put(&pages->kref, iopt_pages_release);
}

/**
 * iopt_pages_put_keep() - drop a reference, keeping the memory of the last
 * @pages: the pages
 *
 * Return: true if that was the last reference: the pages let go of
 * everything they held, and their memory is the caller's, for
 * iopt_pages_create() or kfree().
 */
bool iopt_pages_put_keep(struct iopt_pages *pages)
{
	return kref_put(&pages->kref, iopt_pages_teardown);
}

/* --- the frames of pinned pages ------------------------------------------ */

/* The chunk holding the frame of page @index, or NULL if none was made. */
static unsigned long *iopt_frames_chunk(struct iopt_pages *pages,
					unsigned long index)
{
	return xa_load(&pages->frames, index >> IOPT_FRAME_CHUNK_SHIFT);
}

/* Store the frames of @n pinned pages from page @index on. */
static void iopt_frames_store(struct iopt_pages *pages, unsigned long index,
			      struct page **page, unsigned long n)
{
	unsigned long at, k, run, *chunk;

	while (n) {
		chunk = iopt_frames_chunk(pages, index);
		at = index & (IOPT_FRAME_CHUNK - 1);
		run = min(n, IOPT_FRAME_CHUNK - at);
		for (k = 0; k < run; k++)
			chunk[at + k] = page_to_pfn(page[k]);
		index += run;
		page += run;
		n -= run;
	}
}

/*
 * Free the chunks of [first, last] that no user holds a page of any more.
 * Called under @pages->mutex once the users are as they will stay.
 */
static void iopt_frames_trim(struct iopt_pages *pages, unsigned long first,
			     unsigned long last)
{
	unsigned long c, cfirst, clast;
	unsigned long *chunk;

	lockdep_assert_held(&pages->mutex);
	/* Only the chunks that exist: the range may be far larger. */
	xa_for_each_range(&pages->frames, c, chunk,
			  first >> IOPT_FRAME_CHUNK_SHIFT,
			  last >> IOPT_FRAME_CHUNK_SHIFT) {
		cfirst = c << IOPT_FRAME_CHUNK_SHIFT;
		clast = min(cfirst + IOPT_FRAME_CHUNK - 1, pages->npages - 1);
		if (!iopt_itree_iter_first(&pages->users, cfirst, clast))
			kfree(xa_erase(&pages->frames, c));
		cond_resched();
	}
}

/*
 * Make the chunks [first, last] needs, each a page of memory however long
 * the mapping is. Called for one batch of pins at a time, so that what is
 * allocated follows what is pinned, never the length asked for. On
 * failure the caller trims.
 */
static int iopt_frames_prepare(struct iopt_pages *pages, unsigned long first,
			       unsigned long last)
{
	unsigned long c, *chunk;
	int rc;

	lockdep_assert_held(&pages->mutex);
	for (c = first >> IOPT_FRAME_CHUNK_SHIFT;
	     c <= last >> IOPT_FRAME_CHUNK_SHIFT; c++) {
		if (xa_load(&pages->frames, c))
			continue;
		chunk = kmalloc_array(IOPT_FRAME_CHUNK, sizeof(*chunk),
				      GFP_KERNEL_ACCOUNT);
		if (!chunk)
			return -ENOMEM;
		rc = xa_err(xa_store(&pages->frames, c, chunk,
				     GFP_KERNEL_ACCOUNT));
		if (rc) {
			kfree(chunk);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Unpin [first, last], by runs of contiguous frames, dirtying them. */
static void iopt_pages_unpin_span(struct iopt_pages *pages,
				  unsigned long first, unsigned long last)
{
	unsigned long i, n = 0, start = 0, run = 0;
	const unsigned long *frame = NULL;

	for (i = first; i <= last; i++, frame++, n--) {
		if (!n)
			frame = iopt_pages_frames(pages, i, &n);
		if (run && *frame == start + run) {
			run++;
			continue;
		}
		if (run)
			unpin_user_page_range_dirty_lock(pfn_to_page(start),
							 run, pages->writable);
		start = *frame;
		run = 1;
	}
	if (run)
		unpin_user_page_range_dirty_lock(pfn_to_page(start), run,
						 pages->writable);
}

/**
 * iopt_temp_bytes() - what a temporary buffer may take now
 *
 * The limit tests set, capped at IOPT_TEMP_MEMORY_MAX: a limit far above
 * the default must make batches larger, not allocations impossible.
 *
 * Return: bytes.
 */
size_t iopt_temp_bytes(void)
{
	return min_t(size_t, READ_ONCE(iopt_temp_memory_limit),
		     IOPT_TEMP_MEMORY_MAX);
}

static unsigned long iopt_pages_batch(void)
{
	return max_t(size_t, iopt_temp_bytes() / sizeof(struct page *), 1);
}

/* Pin pages [first, last] into @frames; nothing is left pinned on error. */
static int iopt_pages_pin_span(struct iopt_pages *pages, unsigned long first,
			       unsigned long last, struct page **buf,
			       unsigned long bufn)
{
	unsigned int gup = FOLL_LONGTERM | (pages->writable ? FOLL_WRITE : 0);
	struct mm_struct *mm = pages->source_mm;
	bool remote = current->mm != mm;
	unsigned long n = last - first + 1, done = 0;
	int locked = 0, rc = 0;

	if (remote && !mmget_not_zero(mm))
		return -EFAULT;
	while (done < n) {
		unsigned long addr = pages->uaddr + ((first + done) << PAGE_SHIFT);
		long want = min(n - done, bufn), got;

		if (iob_should_fail()) {
			rc = -EFAULT;
			break;
		}
		rc = iopt_frames_prepare(pages, first + done,
					 first + done + want - 1);
		if (rc)
			break;
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
		iopt_frames_store(pages, first + done, buf, got);
		done += got;
	}
	if (remote) {
		if (locked)
			mmap_read_unlock(mm);
		mmput(mm);
	}
	if (rc && done)
		iopt_pages_unpin_span(pages, first, first + done - 1);
	return rc;
}

/* Tell the owner's counters that @n pages were pinned (or unpinned). */
static void iopt_pages_count(struct iopt_pages *pages, long n)
{
	if (!pages->usage)
		return;
	atomic_long_add(n, &pages->usage->pinned);
	if (pages->account != IOPT_PAGES_ACCOUNT_NONE)
		atomic_long_add(n, &pages->usage->charged);
}

/* Charge, then pin, the uncovered span [first, last]. */
static int iopt_pages_pin_hole(struct iopt_pages *pages, unsigned long first,
			       unsigned long last, struct page **buf,
			      unsigned long bufn)
{
	unsigned long n = last - first + 1;
	int rc;

	rc = iopt_account_pin(pages, n);
	if (rc)
		return rc;
	rc = iopt_pages_pin_span(pages, first, last, buf, bufn);
	if (rc) {
		iopt_account_unpin(pages, n);
		return rc;
	}
	pages->npinned += n;
	atomic_long_add(n, &iopt_pinned_total);
	iopt_pages_count(pages, n);
	return 0;
}

static void iopt_pages_unpin_hole(struct iopt_pages *pages, unsigned long first,
				  unsigned long last)
{
	iopt_pages_unpin_span(pages, first, last);
	iopt_account_unpin(pages, last - first + 1);
	pages->npinned -= last - first + 1;
	atomic_long_sub(last - first + 1, &iopt_pinned_total);
	iopt_pages_count(pages, -(long)(last - first + 1));
}

/* Unpin whatever in [first, last] no user covers. */
static void iopt_pages_unpin_holes(struct iopt_pages *pages,
				   unsigned long first, unsigned long last)
{
	u64 hs, hl, pos = first;

	while (pos <= last &&
	       iopt_itree_first_hole(&pages->users, pos, last, &hs, &hl)) {
		iopt_pages_unpin_hole(pages, hs, hl);
		pos = hl + 1;
	}
}

/*
 * Pin and charge whatever in [first, last] no user holds yet, and insert
 * @user over the interval. Nothing changes on error.
 */
static int iopt_pages_hold(struct iopt_pages *pages, struct iopt_itn *user,
			   unsigned long first, unsigned long last)
{
	unsigned long bufn = min(iopt_pages_batch(), last - first + 1);
	struct page **buf = NULL;
	u64 hs, hl, pos = first;
	int rc = 0;

	lockdep_assert_held(&pages->mutex);
	if (WARN_ON_ONCE(first > last || last >= pages->npages))
		return -EINVAL;
	/* Pages another user holds already (registered memory) need no buffer. */
	if (iopt_itree_first_hole(&pages->users, first, last, &hs, &hl)) {
		buf = kmalloc_array(bufn, sizeof(*buf), GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	while (pos <= last &&
	       iopt_itree_first_hole(&pages->users, pos, last, &hs, &hl)) {
		rc = iopt_pages_pin_hole(pages, hs, hl, buf, bufn);
		if (rc) {
			/* The holes before this one are ours to give back. */
			if (hs > first)
				iopt_pages_unpin_holes(pages, first, hs - 1);
			iopt_frames_trim(pages, first, last);
			goto out_free;
		}
		pos = hl + 1;
	}
	user->start = first;
	user->last = last;
	iopt_itree_insert(user, &pages->users);
out_free:
	kfree(buf);
	return rc;
}

/* Take @user out and unpin what nobody else holds. */
static void iopt_pages_release_user(struct iopt_pages *pages,
				    struct iopt_itn *user)
{
	lockdep_assert_held(&pages->mutex);
	iopt_itree_remove(user, &pages->users);
	iopt_pages_unpin_holes(pages, user->start, user->last);
	iopt_frames_trim(pages, user->start, user->last);
}

/**
 * iopt_pages_add_user() - keep pages [@first, @last] pinned for a user
 * @pages: the pages
 * @user: the user's interval node, unused until iopt_pages_remove_user()
 * @first: first page index
 * @last: last page index, inclusive
 *
 * Pins and charges the pages no other user holds. On return the frames of
 * the whole interval are in @pages->frames and stay there until the user is
 * removed.
 *
 * Return: 0; -ENOMEM when over RLIMIT_MEMLOCK or out of memory; -EFAULT
 * if the memory is gone (unmapped, or its process exited); or what pinning
 * reported. Nothing changes on error.
 */
int iopt_pages_add_user(struct iopt_pages *pages, struct iopt_itn *user,
			unsigned long first, unsigned long last)
{
	int rc;

	mutex_lock(&pages->mutex);
	rc = iopt_pages_hold(pages, user, first, last);
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_pages_remove_user() - let go of a user's interval
 * @pages: the pages
 * @user: a node added by iopt_pages_add_user()
 *
 * Unpins and uncharges the pages no other user still holds. Cannot fail.
 */
void iopt_pages_remove_user(struct iopt_pages *pages, struct iopt_itn *user)
{
	/* A borrower's interval was never in the tree. */
	if (RB_EMPTY_NODE(&user->rb))
		return;
	mutex_lock(&pages->mutex);
	if (user == pages->whole)
		WRITE_ONCE(pages->whole, NULL);
	iopt_pages_release_user(pages, user);
	mutex_unlock(&pages->mutex);
}

/**
 * iopt_pages_hold_whole() - pin every page, for the owner of the pages
 * @pages: the pages, with no user yet
 * @user: the owner's interval node
 *
 * What VFIO's sPAPR API calls registered memory: pinned and charged once,
 * up front, for as long as the owner keeps it. Users that come through
 * iopt_pages_borrow() then only borrow its pin. The owner must not let go
 * (iopt_pages_remove_user()) while a borrower is left, which it knows from
 * the pages' references.
 *
 * Return: as iopt_pages_add_user().
 */
int iopt_pages_hold_whole(struct iopt_pages *pages, struct iopt_itn *user)
{
	int rc;

	if (WARN_ON_ONCE(READ_ONCE(pages->whole)))
		return -EINVAL;
	rc = iopt_pages_add_user(pages, user, 0, pages->npages - 1);
	if (!rc)
		WRITE_ONCE(pages->whole, user);
	return rc;
}

/**
 * iopt_pages_borrow() - iopt_pages_add_user() on the owner's pin
 * @pages: the pages
 * @user: the user's interval node
 * @first: first page index
 * @last: last page index, inclusive
 *
 * While the owner holds every page (iopt_pages_hold_whole()) the user only
 * records its interval, touching neither the tree of users nor the pages'
 * lock: that is what makes mapping one IO page of registered memory
 * cheap. The caller keeps the owner from letting go first, as the pages'
 * references tell it. Otherwise the same as iopt_pages_add_user().
 *
 * Return: as iopt_pages_add_user().
 */
int iopt_pages_borrow(struct iopt_pages *pages, struct iopt_itn *user,
		      unsigned long first, unsigned long last)
{
	if (!READ_ONCE(pages->whole))
		return iopt_pages_add_user(pages, user, first, last);
	user->start = first;
	user->last = last;
	RB_CLEAR_NODE(&user->rb);
	return 0;
}

/**
 * iopt_pages_split_user() - make two users of one user's interval
 * @pages: the pages
 * @user: a node added by iopt_pages_add_user(); keeps its pages up to
 *	@last
 * @rhs: an unused node; takes the pages from @at on
 * @last: last page index @user keeps, inside its interval
 * @at: first page index of @rhs, inside @user's interval, after its
 *	first, and @last + 1, or @last itself when the cut falls inside a
 *	page that both halves then hold
 *
 * The pages held stay the same, so nothing is pinned, unpinned or charged.
 */
void iopt_pages_split_user(struct iopt_pages *pages, struct iopt_itn *user,
			   struct iopt_itn *rhs, unsigned long last,
			   unsigned long at)
{
	if (RB_EMPTY_NODE(&user->rb)) {
		rhs->start = at;
		rhs->last = user->last;
		user->last = last;
		RB_CLEAR_NODE(&rhs->rb);
		return;
	}
	mutex_lock(&pages->mutex);
	iopt_itree_remove(user, &pages->users);
	rhs->start = at;
	rhs->last = user->last;
	user->last = last;
	iopt_itree_insert(user, &pages->users);
	iopt_itree_insert(rhs, &pages->users);
	mutex_unlock(&pages->mutex);
}

/* --- pins of in-kernel accesses ------------------------------------------- */

/**
 * struct iopt_pages_access - the pins of one exact page interval by accesses
 * @hold: the interval in &iopt_pages.users, which keeps the pages pinned
 * @key: the same interval in &iopt_pages.accesses, to find it again
 * @refs: pins of exactly this interval not yet unpinned
 *
 * Accesses pin and unpin the same intervals, so pins of an interval that
 * is already held only count; the pages under it are pinned once however
 * many accesses, areas and page tables hold them.
 */
struct iopt_pages_access {
	struct iopt_itn hold;
	struct iopt_itn key;
	unsigned int refs;
};

static struct iopt_pages_access *
iopt_pages_access_find(struct iopt_pages *pages, unsigned long first,
		       unsigned long last)
{
	struct iopt_itn *node;

	lockdep_assert_held(&pages->mutex);
	for (node = iopt_itree_iter_first(&pages->accesses, first, last); node;
	     node = iopt_itree_iter_next(node, first, last))
		if (node->start == first && node->last == last)
			return container_of(node, struct iopt_pages_access,
					    key);
	return NULL;
}

/**
 * iopt_pages_access_pin() - pin pages [@first, @last] for an access
 * @pages: the pages
 * @first: first page index
 * @last: last page index, inclusive
 * @out: filled with the @last - @first + 1 pages
 *
 * Undone by iopt_pages_access_unpin() of the same interval.
 *
 * Return: 0, or what iopt_pages_add_user() returns; nothing changes on
 * error.
 */
int iopt_pages_access_pin(struct iopt_pages *pages, unsigned long first,
			  unsigned long last, struct page **out)
{
	const unsigned long *frame = NULL;
	struct iopt_pages_access *pa;
	unsigned long i, n = 0;
	int rc = 0;

	mutex_lock(&pages->mutex);
	pa = iopt_pages_access_find(pages, first, last);
	if (pa) {
		pa->refs++;
	} else {
		pa = kzalloc(sizeof(*pa), GFP_KERNEL_ACCOUNT);
		if (!pa) {
			rc = -ENOMEM;
			goto out_unlock;
		}
		rc = iopt_pages_hold(pages, &pa->hold, first, last);
		if (rc) {
			kfree(pa);
			goto out_unlock;
		}
		pa->key.start = first;
		pa->key.last = last;
		iopt_itree_insert(&pa->key, &pages->accesses);
		pa->refs = 1;
	}
	for (i = first; i <= last; i++, frame++, n--) {
		if (!n)
			frame = iopt_pages_frames(pages, i, &n);
		*out++ = pfn_to_page(*frame);
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_pages_access_unpin() - undo one iopt_pages_access_pin()
 * @pages: the pages
 * @first: first page index of the pin
 * @last: last page index of the pin
 *
 * Return: false, changing nothing, if no pin of exactly that interval
 * exists.
 */
bool iopt_pages_access_unpin(struct iopt_pages *pages, unsigned long first,
			     unsigned long last)
{
	struct iopt_pages_access *pa;

	mutex_lock(&pages->mutex);
	pa = iopt_pages_access_find(pages, first, last);
	if (pa && !--pa->refs) {
		iopt_itree_remove(&pa->key, &pages->accesses);
		iopt_pages_release_user(pages, &pa->hold);
		kfree(pa);
	}
	mutex_unlock(&pages->mutex);
	return pa;
}

/* --- copies for accesses -------------------------------------------------- */

/* Through the owner's address space, which the caller is running in. */
static int iopt_pages_rw_user(struct iopt_pages *pages, unsigned long offset,
			      void *data, unsigned long length, bool write)
{
	void __user *uptr = (void __user *)(pages->uaddr + offset);

	if (write)
		return copy_to_user(uptr, data, length) ? -EFAULT : 0;
	return copy_from_user(data, uptr, length) ? -EFAULT : 0;
}

/* Pin one page of the owner's memory for the length of a copy. */
static int iopt_pages_pin_brief(struct iopt_pages *pages, unsigned long index,
				bool write, struct page **page)
{
	struct mm_struct *mm = pages->source_mm;
	int locked = 1;
	long got;

	if (iob_should_fail() || !mmget_not_zero(mm))
		return -EFAULT;
	mmap_read_lock(mm);
	got = pin_user_pages_remote(mm, pages->uaddr + (index << PAGE_SHIFT),
				    1, write ? FOLL_WRITE : 0, page, &locked);
	if (locked)
		mmap_read_unlock(mm);
	mmput(mm);
	if (got == 1)
		return 0;
	return got < 0 ? got : -EFAULT;
}

/*
 * Page by page through kernel mappings: pages somebody holds pinned are
 * used as they are, even once their process is gone; the others are
 * pinned from the owner's address space only for their own copy.
 */
static int iopt_pages_rw_slow(struct iopt_pages *pages, unsigned long offset,
			      void *data, unsigned long length, bool write)
{
	unsigned long index = offset >> PAGE_SHIFT;
	unsigned long in_page = offset & ~PAGE_MASK, held;
	int rc = 0;

	mutex_lock(&pages->mutex);
	while (length) {
		unsigned long n = min(length, PAGE_SIZE - in_page);
		struct page *page;
		void *kaddr;
		bool brief;

		brief = !iopt_itree_iter_first(&pages->users, index, index);
		if (brief) {
			rc = iopt_pages_pin_brief(pages, index, write, &page);
			if (rc)
				break;
		} else {
			page = pfn_to_page(*iopt_pages_frames(pages, index,
							      &held));
		}
		kaddr = kmap_local_page(page);
		if (write)
			memcpy(kaddr + in_page, data, n);
		else
			memcpy(data, kaddr + in_page, n);
		kunmap_local(kaddr);
		if (brief)
			unpin_user_pages_dirty_lock(&page, 1, write);
		else if (write)
			set_page_dirty_lock(page);
		data += n;
		length -= n;
		in_page = 0;
		index++;
		cond_resched();
	}
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_pages_rw() - copy between a kernel buffer and the memory
 * @pages: the pages
 * @offset: byte offset from the start of @pages (page aligned address
 *	@pages->uaddr)
 * @data: kernel buffer
 * @length: bytes, at least one, inside @pages
 * @flags: IOPT_PAGES_RW_*
 *
 * From the owner's own process, or from a kernel thread that may adopt
 * its mm, the copy goes through the user addresses; anywhere else, or
 * with IOPT_PAGES_RW_SLOW, through the pages themselves. Like a device's
 * DMA, the copy does not check that the process still maps at these
 * addresses what is pinned there.
 *
 * Return: 0; -EPERM writing into memory that was not mapped writable;
 * -EFAULT if the memory is gone.
 */
int iopt_pages_rw(struct iopt_pages *pages, unsigned long offset, void *data,
		  unsigned long length, unsigned int flags)
{
	bool write = flags & IOPT_PAGES_RW_WRITE;
	struct mm_struct *mm = pages->source_mm;
	int rc;

	if (write && !pages->writable)
		return -EPERM;
	if (WARN_ON_ONCE(!length || offset + length < offset ||
			 offset + length > pages->npages << PAGE_SHIFT))
		return -EINVAL;
	if (flags & IOPT_PAGES_RW_SLOW)
		return iopt_pages_rw_slow(pages, offset, data, length, write);
	if (current->mm == mm)
		return iopt_pages_rw_user(pages, offset, data, length, write);
	if (!(flags & IOPT_PAGES_RW_KTHREAD) ||
	    !(current->flags & PF_KTHREAD) || current->mm ||
	    !mmget_not_zero(mm))
		return iopt_pages_rw_slow(pages, offset, data, length, write);
	kthread_use_mm(mm);
	rc = iopt_pages_rw_user(pages, offset, data, length, write);
	kthread_unuse_mm(mm);
	mmput(mm);
	return rc;
}
