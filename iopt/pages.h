/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker pinned pages: the user memory behind IO mappings.
 */
#ifndef IOBROKER_PAGES_H
#define IOBROKER_PAGES_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "itree.h"
#include "usage.h"

struct mm_struct;
struct task_struct;
struct user_struct;

/* How a struct iopt_pages charges what it pins against RLIMIT_MEMLOCK. */
enum iopt_pages_account {
	IOPT_PAGES_ACCOUNT_NONE,	/* the mapper had CAP_IPC_LOCK */
	IOPT_PAGES_ACCOUNT_USER,	/* the user's locked_vm */
	IOPT_PAGES_ACCOUNT_MM,		/* the process's locked_vm, as VFIO */
};

/**
 * struct iopt_pages - a page-aligned range of one process's memory
 * @kref: held by every area mapping part of the range, in any IOAS
 * @mutex: protects @users, @accesses, @npinned and the chunks of @frames
 * @source_task: the mapping process (its group leader); its RLIMIT_MEMLOCK
 *	applies
 * @source_mm: its address space, where pages are pinned from
 * @source_user: the user charged in IOPT_PAGES_ACCOUNT_USER mode
 * @account: the charging mode, fixed at creation
 * @uaddr: user address of the first page
 * @npages: pages in the range
 * @writable: pinned for write, so devices may write
 * @users: page-index intervals that must stay pinned, one per user (an
 *	area filled into page tables, or a &struct iopt_pages_access); a page
 *	is pinned exactly while some interval covers it
 * @accesses: the &struct iopt_pages_access of in-kernel accesses, by their
 *	exact interval
 * @npinned: pages pinned, and charged, right now
 * @usage: the owner's counters, which follow @npinned; or NULL
 * @frames: the page frame of every pinned page, in chunks of
 *	IOPT_FRAME_CHUNK by the index of the chunk; a chunk exists while a
 *	user holds a page of it, and its frames of held pages stay put until
 *	their users let go (see iopt_pages_frames())
 * @whole: the owner's user holding every page (iopt_pages_hold_whole()),
 *	or NULL. Set before any other user comes and cleared after the last
 *	has gone; READ_ONCE() without @mutex. The users that borrow its pin
 *	are in no tree: each holds a reference on the pages, which is what
 *	keeps the owner from letting go first
 *
 * Each page is pinned and charged once however many users, areas, IOASes
 * and page tables use it; that is what makes IOMMU_IOAS_COPY free.
 */
struct iopt_pages {
	struct kref kref;
	struct mutex mutex;	/* users, accesses, npinned, frames */
	struct task_struct *source_task;
	struct mm_struct *source_mm;
	struct user_struct *source_user;
	enum iopt_pages_account account;
	unsigned long uaddr;
	unsigned long npages;
	bool writable;
	struct rb_root_cached users;
	struct rb_root_cached accesses;
	unsigned long npinned;
	struct iopt_usage *usage;
	struct xarray frames;
	struct iopt_itn *whole;
};

/*
 * Frames are kept in chunks of a page of memory: 512 frames, which cover
 * 32 MiB of 64 KiB pages or 2 MiB of 4 KiB ones.
 */
#define IOPT_FRAME_CHUNK_SHIFT	9
#define IOPT_FRAME_CHUNK	BIT(IOPT_FRAME_CHUNK_SHIFT)

/**
 * iopt_pages_frames() - the frames of held pages from a page on
 * @pages: the pages
 * @index: a page the caller holds pinned, through a user of its own, or
 *	under @pages->mutex
 * @n: set to the number of frames from @index to the end of its chunk
 *
 * Walkers of a run of held pages call this again every @n pages. Needs no
 * lock: a held page's chunk does not go away, and the chunk index is read
 * under RCU.
 *
 * Return: the frame of @index, followed in memory by those of the next
 * @n - 1 pages.
 */
static inline const unsigned long *iopt_pages_frames(struct iopt_pages *pages,
						     unsigned long index,
						     unsigned long *n)
{
	unsigned long *chunk = xa_load(&pages->frames,
				       index >> IOPT_FRAME_CHUNK_SHIFT);
	unsigned long at = index & (IOPT_FRAME_CHUNK - 1);

	*n = IOPT_FRAME_CHUNK - at;
	return chunk + at;
}

struct iopt_pages *iopt_pages_create(unsigned long uaddr, unsigned long length,
				     bool writable, bool account_mm,
				     struct iopt_pages *kept);
void iopt_pages_put(struct iopt_pages *pages);
bool iopt_pages_put_keep(struct iopt_pages *pages);

static inline void iopt_pages_get(struct iopt_pages *pages)
{
	kref_get(&pages->kref);
}

int iopt_pages_add_user(struct iopt_pages *pages, struct iopt_itn *user,
			unsigned long first, unsigned long last);
int iopt_pages_hold_whole(struct iopt_pages *pages, struct iopt_itn *user);
int iopt_pages_borrow(struct iopt_pages *pages, struct iopt_itn *user,
		      unsigned long first, unsigned long last);
void iopt_pages_remove_user(struct iopt_pages *pages, struct iopt_itn *user);
void iopt_pages_split_user(struct iopt_pages *pages, struct iopt_itn *user,
			   struct iopt_itn *rhs, unsigned long last,
			   unsigned long at);

int iopt_pages_access_pin(struct iopt_pages *pages, unsigned long first,
			  unsigned long last, struct page **out);
bool iopt_pages_access_unpin(struct iopt_pages *pages, unsigned long first,
			     unsigned long last);

/* How iopt_pages_rw() may reach the memory. */
enum {
	IOPT_PAGES_RW_WRITE = 1 << 0,	/* into the pages, else out of them */
	IOPT_PAGES_RW_KTHREAD = 1 << 1,	/* a kthread may adopt the owner's mm */
	IOPT_PAGES_RW_SLOW = 1 << 2,	/* always through pinned pages */
};

int iopt_pages_rw(struct iopt_pages *pages, unsigned long offset, void *data,
		  unsigned long length, unsigned int flags);

long iopt_pages_pinned_total(void);

/* Bytes a temporary buffer may take; tests lower it to force batching. */
extern size_t iopt_temp_memory_limit;
/* The most any temporary buffer takes, whatever the limit says. */
#define IOPT_TEMP_MEMORY_MAX SZ_1M
size_t iopt_temp_bytes(void);

#endif
