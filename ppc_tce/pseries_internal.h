/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pseries TCE backend: what its files share with each other and
 * nobody else. pseries_hcall.c talks to the hypervisor, pseries_mirror.c
 * keeps the hypervisor's windows in step with the software tables, and
 * pseries_pe.c owns PEs and makes their windows; each uses only those
 * before it. The rules (terms, locks, firmware) are at the top of
 * pseries_pe.c.
 */
#ifndef IOBROKER_TCE_PSERIES_INTERNAL_H
#define IOBROKER_TCE_PSERIES_INTERNAL_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "../uapi/iobroker/iommufd.h"
#include "tce.h"

struct iommu_group;
struct iommu_table;
struct iommu_table_group;

/* Entries in one H_PUT_TCE_INDIRECT list: one 4 KiB page of them. */
#define TCE_PS_LIST_ENTRIES	(SZ_4K / sizeof(__be64))
static_assert(TCE_BATCH <= TCE_PS_LIST_ENTRIES);

/*
 * Bus address PAPR hypervisors usually give a dynamic window beside the
 * default one; where a PE can have both, the address is asked of the
 * platform instead (tce_ps_find_ddw()).
 */
#define TCE_PS_DDW_START	BIT_ULL(59)

/*
 * Entries per window we allow: the guest kernel keeps 8 bytes per entry
 * (the table's userspace view) and QEMU another 8, both allocated when
 * the window is made. 2^24 entries is a 1 TiB window of 64 KiB pages.
 */
#define TCE_PS_MAX_ENTRIES_LOG2	24

/* How often a busy hypervisor is asked again before we give up. */
#define TCE_PS_BUSY_RETRIES	1000

struct tce_ps_pt;

/**
 * struct tce_ps_pe - a PE (iommu group) whose DMA iobroker owns
 * @node: in tce_ps_pes
 * @grp: the group; we hold a reference
 * @id: its number, for messages
 * @tg: its table group
 * @caps: the windows it can have
 * @nclaims: devices claimed through tce_ps_claim(), under tce_ps_lock
 * @lock: protects the members below
 * @pt: the page table it translates through, or NULL (DMA blocked)
 * @nattached: devices of the PE attached to @pt
 * @hw: the hypervisor windows made for @pt, one per window of @pt
 * @pt_node: in @pt's list of PEs
 * @list: per window, a 4 KiB H_PUT_TCE_INDIRECT list; used under the
 *	software window's lock
 * @made: per window slot, how often its hypervisor window was made, for
 *	tests
 */
struct tce_ps_pe {
	struct list_head node;
	struct iommu_group *grp;
	int id;
	struct iommu_table_group *tg;
	struct tce_caps caps;
	unsigned int nclaims;
	struct mutex lock;	/* attach state */
	struct tce_ps_pt *pt;
	unsigned int nattached;
	struct iommu_table *hw[TCE_MAX_WINDOWS];
	struct list_head pt_node;
	__be64 *list[TCE_MAX_WINDOWS];
	unsigned int made[TCE_MAX_WINDOWS];
};

/**
 * struct tce_ps_pt - a pseries page table
 * @mirror: how the software tables reach the PEs
 * @tp: the software tables
 * @req: the windows it was made with, to check other PEs against
 * @hw_levels: levels of each window's hypervisor table
 * @node: in tce_ps_pts once the page table is complete, under tce_ps_lock
 * @pes: the PEs translating through it; see the locking rules above
 * @npes: their number, for statistics
 */
struct tce_ps_pt {
	struct tce_mirror mirror;
	struct tce_pt *tp;
	struct iommu_hwpt_iob_tce req;
	unsigned int hw_levels[TCE_MAX_WINDOWS];
	struct list_head node;
	struct list_head pes;
	unsigned int npes;
};

/**
 * struct tce_ps_dev - a device whose DMA iobroker owns
 * @dev: the device
 * @pe: its PE
 * @attached: counted in @pe->nattached
 */
struct tce_ps_dev {
	struct device *dev;
	struct tce_ps_pe *pe;
	bool attached;
};

/* tce_ps_lock guards the lists of PEs and page tables, and claims. */
extern struct mutex tce_ps_lock;
extern struct list_head tce_ps_pts;

static inline struct tce_ps_pt *to_ps_pt(struct iob_pt *pt)
{
	return container_of(to_tce_pt(pt)->mirror, struct tce_ps_pt, mirror);
}

static inline struct tce_table *tce_ps_win(struct tce_ps_pt *pt, unsigned int w)
{
	return pt->tp->win[w];
}

/* pseries_hcall.c */
int tce_ps_hw_put(struct tce_ps_pe *pe, unsigned int w, u64 idx,
		  const u64 *tces, unsigned int n);
int tce_ps_hw_clear(struct tce_ps_pe *pe, unsigned int w, u64 idx,
		    unsigned int n);

/* pseries_mirror.c */
void tce_ps_lock_pts(struct tce_ps_pt *a, struct tce_ps_pt *b);
void tce_ps_unlock_pts(struct tce_ps_pt *a, struct tce_ps_pt *b);
int tce_ps_hw_sync(struct tce_ps_pe *pe, unsigned int w,
		   struct tce_ps_pt *from, struct tce_ps_pt *to);
int tce_ps_hw_unsync(struct tce_ps_pe *pe, unsigned int w,
		     struct tce_ps_pt *pt);

#endif
