// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker RLIMIT_MEMLOCK accounting.
 *
 * Every pinned page is charged once, when it is pinned, and uncharged when
 * it is unpinned, always against what the struct iopt_pages recorded when
 * userspace mapped the memory, so the books balance whoever does the
 * pinning and even after the mapping process has exited:
 *
 *  - user mode (default): the user's locked_vm, shared by all of the
 *    user's processes like io_uring does, checked against the mapping
 *    process's RLIMIT_MEMLOCK;
 *  - mm mode (IOMMU_OPTION_RLIMIT_MODE = 1): the process's own locked_vm,
 *    as VFIO type1 charges it;
 *  - none: the mapper had CAP_IPC_LOCK; no limit applies.
 *
 * The process's pinned_vm counts the pages in every mode.
 */
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#include "../common/event.h"
#include "../common/fault.h"
#include "account.h"
#include "pages.h"

#if !(defined(CONFIG_NET) || defined(CONFIG_IO_URING) ||		\
	defined(CONFIG_VFIO_PCI_ZDEV_KVM) || IS_ENABLED(CONFIG_IOMMUFD) ||	\
	defined(CONFIG_SECRETMEM))
#error "per-user accounting needs user_struct::locked_vm"
#endif

/* Tell the monitor that the limit refused @npages with @locked charged. */
static void iopt_refused(struct iopt_pages *pages, unsigned long npages,
			 unsigned long locked)
{
	struct iob_event ev = {
		.kind = IOB_EV_RLIMIT,
		.pid = task_tgid_nr(pages->source_task),
		.uid = from_kuid(&init_user_ns, pages->source_user->uid),
		.pages = npages,
		.locked = locked,
		.limit = task_rlimit(pages->source_task, RLIMIT_MEMLOCK) >>
			 PAGE_SHIFT,
	};

	if (iob_event_wanted())
		iob_event_send(&ev);
}

static int iopt_charge_user(struct iopt_pages *pages, unsigned long npages)
{
	unsigned long limit, cur, next;

	limit = task_rlimit(pages->source_task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	cur = atomic_long_read(&pages->source_user->locked_vm);
	do {
		if (check_add_overflow(cur, npages, &next) || next > limit) {
			iopt_refused(pages, npages, cur);
			return -ENOMEM;
		}
	} while (!atomic_long_try_cmpxchg(&pages->source_user->locked_vm, &cur,
					  next));
	return 0;
}

static int iopt_charge_mm(struct iopt_pages *pages, unsigned long npages,
			  bool inc)
{
	struct mm_struct *mm = pages->source_mm;
	unsigned long locked;
	int rc;

	mmap_write_lock(mm);
	rc = __account_locked_vm(mm, npages, inc, pages->source_task, false);
	locked = mm->locked_vm;
	mmap_write_unlock(mm);
	if (rc == -ENOMEM)
		iopt_refused(pages, npages, locked);
	return rc;
}

/**
 * iopt_account_pin() - charge pages about to be pinned
 * @pages: where they come from
 * @npages: how many
 *
 * Return: 0, or -ENOMEM if the charge would exceed RLIMIT_MEMLOCK.
 */
int iopt_account_pin(struct iopt_pages *pages, unsigned long npages)
{
	int rc = 0;

	if (iob_should_fail())
		return -ENOMEM;
	if (pages->account == IOPT_PAGES_ACCOUNT_USER)
		rc = iopt_charge_user(pages, npages);
	else if (pages->account == IOPT_PAGES_ACCOUNT_MM)
		rc = iopt_charge_mm(pages, npages, true);
	if (!rc)
		atomic64_add(npages, &pages->source_mm->pinned_vm);
	return rc;
}

/**
 * iopt_account_unpin() - give back the charge for unpinned pages
 * @pages: where they came from
 * @npages: how many
 */
void iopt_account_unpin(struct iopt_pages *pages, unsigned long npages)
{
	if (pages->account == IOPT_PAGES_ACCOUNT_USER)
		atomic_long_sub(npages, &pages->source_user->locked_vm);
	else if (pages->account == IOPT_PAGES_ACCOUNT_MM)
		iopt_charge_mm(pages, npages, false);
	atomic64_sub(npages, &pages->source_mm->pinned_vm);
}
