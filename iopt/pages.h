/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker pinned pages: the user memory behind IO mappings.
 */
#ifndef IOBROKER_PAGES_H
#define IOBROKER_PAGES_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "itree.h"

struct mm_struct;
struct task_struct;
struct user_struct;

/* How a struct iob_pages charges what it pins against RLIMIT_MEMLOCK. */
enum iob_pages_account {
	IOB_PAGES_ACCOUNT_NONE,	/* the mapper had CAP_IPC_LOCK */
	IOB_PAGES_ACCOUNT_USER,	/* the user's locked_vm */
	IOB_PAGES_ACCOUNT_MM,	/* the process's locked_vm, as VFIO does */
};

/**
 * struct iob_pages - a page-aligned range of one process's memory
 * @kref: held by every area mapping part of the range, in any IOAS
 * @mutex: protects @users, @accesses, @npinned and @pfns
 * @source_task: the mapping process (its group leader); its RLIMIT_MEMLOCK
 *	applies
 * @source_mm: its address space, where pages are pinned from
 * @source_user: the user charged in IOB_PAGES_ACCOUNT_USER mode
 * @account: the charging mode, fixed at creation
 * @uaddr: user address of the first page
 * @npages: pages in the range
 * @writable: pinned for write, so devices may write
 * @users: page-index intervals that must stay pinned, one per user (an
 *	area filled into page tables, or a &struct iob_pages_access); a page
 *	is pinned exactly while some interval covers it
 * @accesses: the &struct iob_pages_access of in-kernel accesses, by their
 *	exact interval
 * @npinned: pages pinned, and charged, right now
 * @pfns: the page frame of every pinned page, indexed like the range;
 *	allocated while anything is pinned
 *
 * Each page is pinned and charged once however many users, areas, IOASes
 * and page tables use it; that is what makes IOMMU_IOAS_COPY free.
 */
struct iob_pages {
	struct kref kref;
	struct mutex mutex;	/* users, accesses, npinned, pfns */
	struct task_struct *source_task;
	struct mm_struct *source_mm;
	struct user_struct *source_user;
	enum iob_pages_account account;
	unsigned long uaddr;
	unsigned long npages;
	bool writable;
	struct rb_root_cached users;
	struct rb_root_cached accesses;
	unsigned long npinned;
	unsigned long *pfns;
};

struct iob_pages *iob_pages_create(unsigned long uaddr, unsigned long length,
				   bool writable, bool account_mm);
void iob_pages_put(struct iob_pages *pages);

static inline void iob_pages_get(struct iob_pages *pages)
{
	kref_get(&pages->kref);
}

int iob_pages_add_user(struct iob_pages *pages, struct iob_itn *user,
		       unsigned long first, unsigned long last);
void iob_pages_remove_user(struct iob_pages *pages, struct iob_itn *user);

int iob_pages_access_pin(struct iob_pages *pages, unsigned long first,
			 unsigned long last, struct page **out);
bool iob_pages_access_unpin(struct iob_pages *pages, unsigned long first,
			    unsigned long last);

/* How iob_pages_rw() may reach the memory. */
enum {
	IOB_PAGES_RW_WRITE = 1 << 0,	/* into the pages, else out of them */
	IOB_PAGES_RW_KTHREAD = 1 << 1,	/* a kthread may adopt the owner's mm */
	IOB_PAGES_RW_SLOW = 1 << 2,	/* always through pinned pages */
};

int iob_pages_rw(struct iob_pages *pages, unsigned long offset, void *data,
		 unsigned long length, unsigned int flags);

long iob_pages_pinned_total(void);

/* Bytes a temporary buffer may take; tests lower it to force batching. */
extern size_t iob_temp_memory_limit;
/* The most any temporary buffer takes, whatever the limit says. */
#define IOB_TEMP_MEMORY_MAX SZ_1M
size_t iob_temp_bytes(void);

#endif
