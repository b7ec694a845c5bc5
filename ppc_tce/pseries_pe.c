// SPDX-License-Identifier: GPL-2.0
/*
 * The pseries TCE backend: PEs, their ownership and their windows.
 *
 * Under a PAPR hypervisor the TCE tables belong to the hypervisor: the
 * guest asks for a DMA window with an RTAS call (through the platform's
 * iommu_table_group ops), gets a window number (LIOBN) back, and stores,
 * clears and reads entries with hypercalls. A window exists per PE (on
 * QEMU, per PCI host bridge), at a bus address the hypervisor picks, and
 * a PE has at most two.
 *
 * An iobroker page table therefore cannot be the hypervisor's table
 * itself: a HWPT exists before any device is attached, is filled from
 * its IOAS at once, may be attached to devices of several PEs, and a
 * device moves between HWPTs with replace. So a pseries page table is a
 * set of software TCE tables (ppc_tce/sw.c), the source of truth, with
 * this backend as their mirror: while a PE translates through the page
 * table, the PE has hypervisor windows of the same geometry, programmed
 * from the software tables when the PE is attached and updated with every
 * map and unmap after that (write-through). Detaching clears every entry
 * it programmed before the windows are removed, as the platform does not
 * clear them itself.
 *
 * Terms: a PE is struct tce_ps_pe, one per iommu group we own; a device
 * is struct tce_ps_dev, one per claimed struct device; a page table is
 * struct tce_ps_pt.
 *
 * Locks, outermost first:
 *  - tce_ps_lock: the lists of PEs and page tables, claims and releases;
 *  - tce_ps_pe.lock: what a PE translates through, its windows, and its
 *    attached devices;
 *  - the software windows' table locks (tce_table.lock), taken in window
 *    order, and for two page tables in address order: a page table's
 *    list of PEs changes only with all of them held, and a map or unmap
 *    walks it with its own window's lock held;
 *  - the platform's dma_win_init_mutex, inside the group ops.
 *
 * Firmware: a window request that fails inside the hypervisor puts the
 * host bridge on a list that refuses dynamic windows until reboot. Every
 * window is therefore validated (tce_windows_parse()) before it reaches
 * firmware, and a page table is checked against each PE's limits again at
 * attach time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include <asm/iommu.h>

#include "../common/export.h"
#include "../common/fault.h"
#include "pseries.h"
#include "pseries_internal.h"

static LIST_HEAD(tce_ps_pes);

/*
 * The platform's window calls. Linux 6.12's pseries code does not survive
 * a failed allocation inside them: spapr_tce_create_table(), putting the
 * default window back, parses the property it may have failed to
 * recreate and dereferences NULL. So a fault-injection sweep is held off
 * while they run, and a failure point of ours in front of the two that
 * may fail stands for the platform failing.
 */
static long tce_ps_create_table(struct iommu_table_group *tg, int num,
				u32 page_shift, u64 size, u32 levels,
				struct iommu_table **tbl)
{
	unsigned int nth;
	long rc;

	if (iob_should_fail())
		return -ENOMEM;
	nth = iob_fault_hold();
	rc = tg->ops->create_table(tg, num, page_shift, size, levels, tbl);
	iob_fault_resume(nth);
	return rc;
}

static long tce_ps_set_window(struct iommu_table_group *tg, int num,
			      struct iommu_table *tbl)
{
	unsigned int nth;
	long rc;

	if (iob_should_fail())
		return -ENOMEM;
	nth = iob_fault_hold();
	rc = tg->ops->set_window(tg, num, tbl);
	iob_fault_resume(nth);
	return rc;
}

static long tce_ps_unset_window(struct iommu_table_group *tg, int num)
{
	unsigned int nth = iob_fault_hold();
	long rc;

	rc = tg->ops->unset_window(tg, num);
	iob_fault_resume(nth);
	return rc;
}

/* Remove @pe's window @w, if made. */
static void tce_ps_drop_window(struct tce_ps_pe *pe, unsigned int w)
{
	long rc;

	if (!pe->hw[w])
		return;
	rc = tce_ps_unset_window(pe->tg, w);
	if (rc)
		pr_warn("group %d: removing window %u failed (%ld)\n", pe->id, w,
			rc);
	iommu_tce_table_put(pe->hw[w]);
	pe->hw[w] = NULL;
}

/* Remove @pe's windows from @from on, the 64-bit one first, as the platform needs. */
static void tce_ps_drop_windows_from(struct tce_ps_pe *pe, unsigned int from)
{
	unsigned int w;

	for (w = TCE_MAX_WINDOWS; w-- > from;)
		tce_ps_drop_window(pe, w);
}

static void tce_ps_drop_windows(struct tce_ps_pe *pe)
{
	tce_ps_drop_windows_from(pe, 0);
}

/*
 * Zero every entry the hypervisor holds for @pe. Taking ownership removes
 * the default window only from the guest's view: the platform code asks
 * the hypervisor to remove it only for windows it describes in the
 * dynamic format, so a PAPR hypervisor may keep it enabled with whatever
 * the kernel's DMA API left in it. Making the default window resets the
 * PE, which empties every table; removing it again leaves the guest's
 * view as it was, with no window.
 */
static int tce_ps_reset(struct tce_ps_pe *pe)
{
	struct iommu_table *tbl;
	long rc;

	rc = tce_ps_create_table(pe->tg, 0, 12, pe->caps.dma32_size, 1, &tbl);
	if (rc)
		return rc;
	rc = tce_ps_unset_window(pe->tg, 0);
	iommu_tce_table_put(tbl);
	return rc;
}

/* Make @pe's window @w for window @w of @pt; on error it has none. */
static int tce_ps_make_window(struct tce_ps_pe *pe, struct tce_ps_pt *pt,
			      unsigned int w)
{
	const struct tce_table *sw = tce_ps_win(pt, w);
	struct iommu_table *tbl;
	long rc;

	lockdep_assert_held(&pe->lock);
	rc = tce_ps_create_table(pe->tg, w, sw->geo.page_shift, sw->geo.size,
				 pt->hw_levels[w], &tbl);
	if (rc)
		return rc;
	rc = tce_ps_set_window(pe->tg, w, tbl);
	if (!rc && (tbl->it_offset << tbl->it_page_shift != sw->geo.offset ||
		    tbl->it_page_shift != sw->geo.page_shift ||
		    tbl->it_size != sw->nentries)) {
		pr_warn("group %d: window %u is at %#lx, not %#llx\n", pe->id, w,
			tbl->it_offset << tbl->it_page_shift, sw->geo.offset);
		rc = -EINVAL;
	}
	/*
	 * KVM may attach a guest's TCE table to this one. Its handlers give
	 * every TCE back to userspace only while the table has a userspace
	 * view, which the platform allocates without checking; without one
	 * KVM would clear entries behind the IOAS (docs/vfio.rst).
	 */
	if (!rc && !tbl->it_userspace)
		rc = -ENOMEM;
	pe->hw[w] = tbl;
	pe->made[w]++;
	if (rc)
		tce_ps_drop_window(pe, w);
	return rc;
}

/* Make @pe's windows for @pt from window @from on; on error none of those. */
static int tce_ps_make_windows_from(struct tce_ps_pe *pe, struct tce_ps_pt *pt,
				    unsigned int from)
{
	unsigned int w;
	int rc;

	for (w = from; w < pt->tp->nwin; w++) {
		rc = tce_ps_make_window(pe, pt, w);
		if (rc) {
			tce_ps_drop_windows_from(pe, from);
			return rc;
		}
	}
	return 0;
}

/* @pe translates through nothing; make it translate through @pt. */
static int tce_ps_attach_pt(struct tce_ps_pe *pe, struct tce_ps_pt *pt)
{
	unsigned int w, done;
	int rc;

	lockdep_assert_held(&pe->lock);
	rc = tce_ps_make_windows_from(pe, pt, 0);
	if (rc)
		return rc;
	tce_ps_lock_pts(pt, NULL);
	for (done = 0; done < pt->tp->nwin && !rc; done++)
		rc = tce_ps_hw_sync(pe, done, NULL, pt);
	if (rc) {
		for (w = 0; w < done; w++)
			tce_ps_hw_unsync(pe, w, pt);
	} else {
		list_add(&pe->pt_node, &pt->pes);
		WRITE_ONCE(pt->npes, pt->npes + 1);
		pe->pt = pt;
	}
	tce_ps_unlock_pts(pt, NULL);
	if (rc)
		tce_ps_drop_windows(pe);
	return rc;
}

/* Clear what @pe's windows hold and remove them: DMA is blocked. */
static void tce_ps_detach_pt(struct tce_ps_pe *pe)
{
	struct tce_ps_pt *pt = pe->pt;
	unsigned int w;

	lockdep_assert_held(&pe->lock);
	tce_ps_lock_pts(pt, NULL);
	for (w = 0; w < pt->tp->nwin; w++)
		if (tce_ps_hw_unsync(pe, w, pt))
			pr_warn("group %d: window %u not fully cleared\n",
				pe->id, w);
	list_del(&pe->pt_node);
	WRITE_ONCE(pt->npes, pt->npes - 1);
	pe->pt = NULL;
	tce_ps_unlock_pts(pt, NULL);
	tce_ps_drop_windows(pe);
}

/* Whether @a and @b have the same windows in slots 0 to @n - 1. */
static bool tce_ps_same_windows(struct tce_ps_pt *a, struct tce_ps_pt *b,
				unsigned int n)
{
	unsigned int w;

	if (n > a->tp->nwin || n > b->tp->nwin)
		return false;
	for (w = 0; w < n; w++) {
		const struct tce_geometry *ga = &tce_ps_win(a, w)->geo;
		const struct tce_geometry *gb = &tce_ps_win(b, w)->geo;

		if (ga->offset != gb->offset || ga->size != gb->size ||
		    ga->page_shift != gb->page_shift ||
		    a->hw_levels[w] != b->hw_levels[w])
			return false;
	}
	return true;
}

/*
 * Move @pe from @from to @to, which have the same windows: the windows
 * stay and every entry is rewritten in place. On error @pe is back on
 * @from as far as the hypervisor lets us.
 */
static int tce_ps_switch_pt(struct tce_ps_pe *pe, struct tce_ps_pt *from,
			    struct tce_ps_pt *to)
{
	unsigned int w, done;
	int rc = 0;

	lockdep_assert_held(&pe->lock);
	tce_ps_lock_pts(from, to);
	for (done = 0; done < to->tp->nwin && !rc; done++)
		rc = tce_ps_hw_sync(pe, done, from, to);
	if (rc) {
		for (w = 0; w < done; w++)
			if (tce_ps_hw_sync(pe, w, to, from))
				pr_warn("group %d: window %u not restored\n",
					pe->id, w);
	} else {
		list_move(&pe->pt_node, &to->pes);
		WRITE_ONCE(from->npes, from->npes - 1);
		WRITE_ONCE(to->npes, to->npes + 1);
		pe->pt = to;
	}
	tce_ps_unlock_pts(from, to);
	return rc;
}

/*
 * Move @pe from @from to @to, which have the same windows in the slots
 * both have and differ in the windows after them: the common windows stay
 * and are rewritten in place, so DMA through them never fails, while the
 * windows only @to has are made and those only @from has removed (the
 * 64-bit window made or removed beside a 32-bit one that stays, as VFIO's
 * users do). On error @pe is back on @from as far as the hypervisor lets
 * us.
 */
static int tce_ps_reshape_pt(struct tce_ps_pe *pe, struct tce_ps_pt *from,
			     struct tce_ps_pt *to)
{
	unsigned int keep = min(from->tp->nwin, to->tp->nwin), w, done;
	int rc;

	lockdep_assert_held(&pe->lock);
	rc = tce_ps_make_windows_from(pe, to, keep);
	if (rc)
		return rc;
	tce_ps_lock_pts(from, to);
	for (done = 0; done < to->tp->nwin && !rc; done++)
		rc = tce_ps_hw_sync(pe, done, done < keep ? from : NULL, to);
	if (rc) {
		for (w = 0; w < done; w++)
			if (w >= keep)
				tce_ps_hw_unsync(pe, w, to);
			else if (tce_ps_hw_sync(pe, w, to, from))
				pr_warn("group %d: window %u not restored\n",
					pe->id, w);
	} else {
		for (w = keep; w < from->tp->nwin; w++)
			if (tce_ps_hw_unsync(pe, w, from))
				pr_warn("group %d: window %u not fully cleared\n",
					pe->id, w);
		list_move(&pe->pt_node, &to->pes);
		WRITE_ONCE(from->npes, from->npes - 1);
		WRITE_ONCE(to->npes, to->npes + 1);
		pe->pt = to;
	}
	tce_ps_unlock_pts(from, to);
	/* Either way, the windows past the common ones are not @pe->pt's. */
	tce_ps_drop_windows_from(pe, pe->pt->tp->nwin);
	return rc;
}

/* Can @pe have @pt's windows? */
static int tce_ps_check_fit(struct tce_ps_pe *pe, struct tce_ps_pt *pt)
{
	struct tce_geometry geo[TCE_MAX_WINDOWS];
	unsigned int nwin, w;

	if (tce_windows_parse(&pe->caps, &pt->req, geo, &nwin) ||
	    nwin != pt->tp->nwin)
		return -EINVAL;
	for (w = 0; w < nwin; w++)
		if (geo[w].offset != tce_ps_win(pt, w)->geo.offset)
			return -EINVAL;
	return 0;
}

/* --- the interface ---------------------------------------------------------- */

/**
 * tce_ps_set_pt() - make a device translate through a page table
 * @tdev: the device
 * @ipt: a page table from tce_ps_pt_alloc(), or NULL to block DMA
 *
 * All devices of a PE translate through the same page table: a device
 * cannot switch while another device of its PE is attached. Switching
 * between page tables with the same windows rewrites the entries in
 * place, so DMA to an IOVA both map never fails; so does a switch that
 * only adds or removes windows after the ones both have, for those. Any
 * other switch removes the PE's windows and makes them again, and DMA is
 * blocked in between.
 *
 * Return: 0; -EINVAL if the PE cannot have the page table's windows or
 * another device of the PE uses another page table; or what the platform
 * or the hypervisor report (-ENODEV, -EPERM, -ENOMEM, -EIO). On error
 * the device translates as before, unless putting the old windows back
 * failed too, which leaves its DMA blocked.
 */
int tce_ps_set_pt(struct tce_ps_dev *tdev, struct iob_pt *ipt)
{
	struct tce_ps_pt *new = ipt ? to_ps_pt(ipt) : NULL, *cur;
	struct tce_ps_pe *pe = tdev->pe;
	int rc = 0;

	mutex_lock(&pe->lock);
	cur = pe->pt;
	if (!new) {
		if (tdev->attached) {
			tdev->attached = false;
			if (!--pe->nattached && cur)
				tce_ps_detach_pt(pe);
		}
		goto out_unlock;
	}
	if (cur == new)
		goto out_attached;
	if (pe->nattached > tdev->attached) {
		rc = -EINVAL;
		goto out_unlock;
	}
	rc = tce_ps_check_fit(pe, new);
	if (rc)
		goto out_unlock;
	if (!cur) {
		rc = tce_ps_attach_pt(pe, new);
	} else if (cur->tp->nwin == new->tp->nwin &&
		   tce_ps_same_windows(cur, new, cur->tp->nwin)) {
		rc = tce_ps_switch_pt(pe, cur, new);
	} else if (tce_ps_same_windows(cur, new, min(cur->tp->nwin,
						     new->tp->nwin))) {
		rc = tce_ps_reshape_pt(pe, cur, new);
	} else {
		tce_ps_detach_pt(pe);
		rc = tce_ps_attach_pt(pe, new);
		if (rc && tce_ps_attach_pt(pe, cur))
			pr_warn("group %d: DMA blocked: the old windows could not be made again\n",
				pe->id);
	}
	if (rc)
		goto out_unlock;
out_attached:
	if (!tdev->attached) {
		tdev->attached = true;
		pe->nattached++;
	}
out_unlock:
	mutex_unlock(&pe->lock);
	return rc;
}

/**
 * tce_ps_caps() - the windows a device can have
 * @tdev: the device
 *
 * Return: its PE's limits.
 */
const struct tce_caps *tce_ps_caps(struct tce_ps_dev *tdev)
{
	return &tdev->pe->caps;
}

static void tce_ps_read_caps(struct tce_ps_pe *pe)
{
	struct iommu_table_group *tg = pe->tg;
	struct tce_caps *caps = &pe->caps;

	caps->dma32_start = tg->tce32_start;
	caps->dma32_size = rounddown_pow_of_two(tg->tce32_size);
	caps->ddw_start = TCE_PS_DDW_START;
	caps->pgsizes = tg->pgsizes;
	/* 1 means a dynamic window replaces the default one. */
	caps->ddw = tg->max_dynamic_windows_supported != 0;
	caps->max_windows = tg->max_dynamic_windows_supported >= 2 ? 2 : 1;
	caps->max_levels = tg->max_levels ?: 1;
	caps->max_entries_log2 = TCE_PS_MAX_ENTRIES_LOG2;
}

/*
 * Where the platform puts a dynamic window beside the default one: the
 * hypervisor chooses, and a window must be made where it is, so one small
 * window is made and removed again to see. QEMU's PHB uses its
 * dma64_win_addr property, 1 << 59 unless set otherwise (DPDK wants 0). A
 * PE that cannot have two windows keeps the usual address; so does one
 * whose probe fails, which then fails the same way for a real window.
 */
static void tce_ps_find_ddw(struct tce_ps_pe *pe)
{
	struct tce_caps *caps = &pe->caps;
	struct iommu_table *tbl;
	unsigned int shift;

	if (!caps->ddw || caps->max_windows < 2 || !caps->pgsizes)
		return;
	shift = __ffs(caps->pgsizes);
	if (tce_ps_create_table(pe->tg, 1, shift, BIT_ULL(shift + 1), 1, &tbl))
		return;
	caps->ddw_start = tbl->it_offset << tbl->it_page_shift;
	if (tce_ps_unset_window(pe->tg, 1))
		pr_warn("group %d: removing the probe window failed\n", pe->id);
	iommu_tce_table_put(tbl);
}

static struct tce_ps_pe *tce_ps_find_pe(struct iommu_group *grp)
{
	struct tce_ps_pe *pe;

	lockdep_assert_held(&tce_ps_lock);
	list_for_each_entry(pe, &tce_ps_pes, node)
		if (pe->grp == grp)
			return pe;
	return NULL;
}

/* Free @pe; the caller drops its reference on the group. */
static void tce_ps_free_pe(struct tce_ps_pe *pe)
{
	unsigned int w;

	for (w = 0; w < TCE_MAX_WINDOWS; w++)
		kfree(pe->list[w]);
	mutex_destroy(&pe->lock);
	kfree(pe);
}

static struct tce_ps_pe *tce_ps_new_pe(struct iommu_group *grp,
				       struct iommu_table_group *tg)
{
	struct tce_ps_pe *pe;
	unsigned int w;

	pe = kzalloc(sizeof(*pe), GFP_KERNEL_ACCOUNT);
	if (!pe)
		return NULL;
	pe->grp = grp;
	pe->id = iommu_group_id(grp);
	pe->tg = tg;
	mutex_init(&pe->lock);
	INIT_LIST_HEAD(&pe->pt_node);
	tce_ps_read_caps(pe);
	for (w = 0; w < TCE_MAX_WINDOWS; w++) {
		/* Power-of-two kmalloc sizes are aligned to their size. */
		pe->list[w] = kmalloc(SZ_4K, GFP_KERNEL_ACCOUNT);
		if (!pe->list[w] || !IS_ALIGNED((unsigned long)pe->list[w],
						SZ_4K))
			goto err_free;
	}
	return pe;

err_free:
	tce_ps_free_pe(pe);
	return NULL;
}

/* Claim @grp, and @dev with @owner unless NULL; see tce_ps_claim(). */
static struct tce_ps_dev *tce_ps_claim_grp(struct iommu_group *grp,
					   struct device *dev, void *owner)
{
	struct iommu_table_group *tg;
	struct tce_ps_dev *tdev;
	struct tce_ps_pe *pe;
	int rc;

	tg = iommu_group_get_iommudata(grp);
	rc = -ENODEV;
	if (!tg || !tg->ops || !tg->ops->create_table ||
	    !tg->ops->set_window || !tg->ops->unset_window)
		goto err_put;
	rc = -ENOMEM;
	tdev = kzalloc(sizeof(*tdev), GFP_KERNEL_ACCOUNT);
	if (!tdev)
		goto err_put;
	if (dev) {
		rc = iommu_device_claim_dma_owner(dev, owner);
		if (rc)
			goto err_free;
	}

	mutex_lock(&tce_ps_lock);
	pe = tce_ps_find_pe(grp);
	if (pe) {
		iommu_group_put(grp);
	} else {
		pe = tce_ps_new_pe(grp, tg);
		rc = pe ? tce_ps_reset(pe) : -ENOMEM;
		if (!rc)
			tce_ps_find_ddw(pe);
		if (rc) {
			if (pe)
				tce_ps_free_pe(pe);
			mutex_unlock(&tce_ps_lock);
			goto err_release;
		}
		list_add(&pe->node, &tce_ps_pes);
	}
	pe->nclaims++;
	mutex_unlock(&tce_ps_lock);
	tdev->dev = dev;
	tdev->pe = pe;
	return tdev;

err_release:
	if (dev)
		iommu_device_release_dma_owner(dev);
err_free:
	kfree(tdev);
err_put:
	iommu_group_put(grp);
	return ERR_PTR(rc);
}

/**
 * tce_ps_claim() - own a device's DMA
 * @dev: a device bound to a driver with driver_managed_dma
 * @owner: the DMA-ownership cookie; devices of one group must share it
 *
 * From here on no kernel driver can use the device's group for DMA, and
 * every TCE of the group is zero: the device's DMA is blocked until it is
 * attached to a page table.
 *
 * Return: the device, or an ERR_PTR: -ENODEV if it is not behind a
 * pseries TCE IOMMU, -EPERM if its group is owned by someone else or
 * used by a kernel driver, -EBUSY, -ENOMEM.
 */
struct tce_ps_dev *tce_ps_claim(struct device *dev, void *owner)
{
	struct iommu_group *grp = iommu_group_get(dev);

	if (!grp)
		return ERR_PTR(-ENODEV);
	return tce_ps_claim_grp(grp, dev, owner);
}

/**
 * tce_ps_claim_group() - own the windows of a group whose DMA VFIO owns
 * @grp: a group VFIO claimed (iommu_group_claim_dma_owner()) for a
 *	container; the caller holds a reference until tce_ps_release()
 *
 * As tce_ps_claim() for a whole group, without claiming its DMA again: the
 * handle stands for every device of the group, and its DMA is blocked
 * until it is attached to a page table.
 *
 * Return: the handle, or an ERR_PTR: -ENODEV if the group is not behind a
 * pseries TCE IOMMU, -EBUSY if iobroker already owns it, -ENOMEM.
 */
struct tce_ps_dev *tce_ps_claim_group(struct iommu_group *grp)
{
	struct tce_ps_pe *pe;

	mutex_lock(&tce_ps_lock);
	pe = tce_ps_find_pe(grp);
	mutex_unlock(&tce_ps_lock);
	if (pe)
		return ERR_PTR(-EBUSY);
	/* A reference of its own, which the PE keeps and drops. */
	iommu_group_ref_get(grp);
	return tce_ps_claim_grp(grp, NULL, NULL);
}

/**
 * tce_ps_release() - give a device's DMA back to the kernel
 * @tdev: from tce_ps_claim()
 *
 * Detaches it first. When the last device of its group is released, the
 * platform makes the group's default window again for the kernel's DMA
 * API.
 */
void tce_ps_release(struct tce_ps_dev *tdev)
{
	struct tce_ps_pe *pe = tdev->pe;

	tce_ps_set_pt(tdev, NULL);
	mutex_lock(&tce_ps_lock);
	if (--pe->nclaims)
		pe = NULL;
	else
		list_del(&pe->node);
	mutex_unlock(&tce_ps_lock);
	if (tdev->dev)
		iommu_device_release_dma_owner(tdev->dev);
	if (pe) {
		iommu_group_put(pe->grp);
		tce_ps_free_pe(pe);
	}
	kfree(tdev);
}

/**
 * tce_ps_scan() - read back every entry of a device's windows
 * @dev: a device behind a pseries TCE IOMMU, claimed or not
 * @win: out: one record per window, room for TCE_MAX_WINDOWS
 * @nwin: out: how many windows the group has
 *
 * Asks the hypervisor for each entry (H_GET_TCE), whoever made the
 * window: iobroker, or the kernel's DMA API once ownership is released.
 * Slow, for tests and debugging.
 *
 * Return: 0 or -ENODEV.
 */
int tce_ps_scan(struct device *dev, struct tce_ps_window_scan *win,
		unsigned int *nwin)
{
	struct iommu_table_group *tg;
	struct iommu_group *grp;
	struct iommu_table *tbl;
	struct tce_ps_pe *pe;
	unsigned int i, n = 0;
	unsigned long e;

	grp = iommu_group_get(dev);
	if (!grp)
		return -ENODEV;
	tg = iommu_group_get_iommudata(grp);
	if (!tg) {
		iommu_group_put(grp);
		return -ENODEV;
	}
	mutex_lock(&tce_ps_lock);
	pe = tce_ps_find_pe(grp);
	if (pe)
		mutex_lock(&pe->lock);
	for (i = 0; i < IOMMU_TABLE_GROUP_MAX_TABLES && n < TCE_MAX_WINDOWS;
	     i++) {
		tbl = tg->tables[i];
		if (!tbl || !tbl->it_ops->get)
			continue;
		win[n].start = tbl->it_offset << tbl->it_page_shift;
		win[n].size = (u64)tbl->it_size << tbl->it_page_shift;
		win[n].page_shift = tbl->it_page_shift;
		win[n].live = 0;
		win[n].made = pe && i < TCE_MAX_WINDOWS ? pe->made[i] : 0;
		for (e = 0; e < tbl->it_size; e++) {
			if (tbl->it_ops->get(tbl, tbl->it_offset + e))
				win[n].live++;
			if (!(e & 1023))
				cond_resched();
		}
		n++;
	}
	if (pe)
		mutex_unlock(&pe->lock);
	mutex_unlock(&tce_ps_lock);
	iommu_group_put(grp);
	*nwin = n;
	return 0;
}
