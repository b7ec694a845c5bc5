// SPDX-License-Identifier: GPL-2.0
/*
 * The pseries TCE backend: the mirror. A pseries page table is a software
 * TCE table (sw.c) whose every store and clear is followed, through the
 * mirror, into the hypervisor windows of each PE translating through it;
 * a PE that attaches or switches tables gets its windows made to agree
 * with the table, entry by entry, in runs of one hypercall each. The
 * page tables are listed here for statistics.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "pseries.h"
#include "pseries_internal.h"

DEFINE_MUTEX(tce_ps_lock);	/* the lists of PEs and page tables, claims */
LIST_HEAD(tce_ps_pts);

/*
 * Take the window locks of one page table, or two in address order: a
 * page table's list of PEs changes only with all of them held.
 */
void tce_ps_lock_pts(struct tce_ps_pt *a, struct tce_ps_pt *b)
{
	unsigned int w;

	if (b && b < a)
		swap(a, b);
	/* One lockdep subclass per window: a's, then b's after them. */
	for (w = 0; w < a->tp->nwin; w++)
		mutex_lock_nested(&tce_ps_win(a, w)->lock, w);
	for (w = 0; b && w < b->tp->nwin; w++)
		mutex_lock_nested(&tce_ps_win(b, w)->lock, a->tp->nwin + w);
}

void tce_ps_unlock_pts(struct tce_ps_pt *a, struct tce_ps_pt *b)
{
	unsigned int w;

	for (w = 0; b && w < b->tp->nwin; w++)
		mutex_unlock(&tce_ps_win(b, w)->lock);
	for (w = 0; w < a->tp->nwin; w++)
		mutex_unlock(&tce_ps_win(a, w)->lock);
}

/* --- copying software windows to hardware ------------------------------- */

/*
 * For every run of at most TCE_BATCH entries set in window @w of @src
 * (and, when @dst is not NULL, not set in @dst), store the run in @pe's
 * window, or clear it there with @clear. Stops at the first error.
 */
static int tce_ps_copy_runs(struct tce_ps_pe *pe, unsigned int w,
			    struct tce_ps_pt *src, struct tce_ps_pt *dst,
			    bool clear)
{
	struct tce_table *tbl = tce_ps_win(src, w);
	u64 idx, len, dlen, k, n, *slot, *dslot;
	int rc;

	for (idx = 0; idx < tbl->nentries; idx += len) {
		slot = tce_sw_leaf(tbl, idx, &len);
		len = min(len, tbl->nentries - idx);
		if (!slot)
			continue;
		dslot = NULL;
		if (dst) {
			dslot = tce_sw_leaf(tce_ps_win(dst, w), idx, &dlen);
			len = min(len, dlen);
		}
		for (k = 0; k < len; k += n) {
			for (n = 0; k + n < len && n < TCE_BATCH; n++)
				if (!slot[k + n] || (dslot && dslot[k + n]))
					break;
			if (!n) {
				n = 1;
				continue;
			}
			rc = clear ? tce_ps_hw_clear(pe, w, idx + k, n) :
				     tce_ps_hw_put(pe, w, idx + k, &slot[k], n);
			if (rc)
				return rc;
		}
		cond_resched();
	}
	return 0;
}

/*
 * Make window @w of @pe translate as @to's does, where it translated as
 * @from's (NULL: nothing): store every entry of @to, then clear those
 * only @from has. An entry mapped in both changes from the old
 * translation to the new one in place, never passing through "blocked".
 */
int tce_ps_hw_sync(struct tce_ps_pe *pe, unsigned int w,
		   struct tce_ps_pt *from, struct tce_ps_pt *to)
{
	int rc;

	rc = tce_ps_copy_runs(pe, w, to, NULL, false);
	if (!rc && from)
		rc = tce_ps_copy_runs(pe, w, from, to, true);
	return rc;
}

/* Clear every entry of window @w of @pe that @pt maps. */
int tce_ps_hw_unsync(struct tce_ps_pe *pe, unsigned int w,
		     struct tce_ps_pt *pt)
{
	return tce_ps_copy_runs(pe, w, pt, NULL, true);
}

/* --- the mirror ------------------------------------------------------------ */

static int tce_ps_mirror_put(struct tce_mirror *m, unsigned int w, u64 idx,
			     const u64 *tces, unsigned int n)
{
	struct tce_ps_pt *pt = container_of(m, struct tce_ps_pt, mirror);
	struct tce_ps_pe *pe;
	int rc;

	lockdep_assert_held(&tce_ps_win(pt, w)->lock);
	list_for_each_entry(pe, &pt->pes, pt_node) {
		rc = tce_ps_hw_put(pe, w, idx, tces, n);
		if (rc)
			return rc;
	}
	return 0;
}

static int tce_ps_mirror_clear(struct tce_mirror *m, unsigned int w, u64 idx,
			       unsigned int n)
{
	struct tce_ps_pt *pt = container_of(m, struct tce_ps_pt, mirror);
	struct tce_ps_pe *pe;
	int rc = 0, err;

	lockdep_assert_held(&tce_ps_win(pt, w)->lock);
	list_for_each_entry(pe, &pt->pes, pt_node) {
		err = tce_ps_hw_clear(pe, w, idx, n);
		rc = rc ?: err;
	}
	return rc;
}

static void tce_ps_mirror_release(struct tce_mirror *m)
{
	struct tce_ps_pt *pt = container_of(m, struct tce_ps_pt, mirror);

	WARN_ON_ONCE(!list_empty(&pt->pes));
	/* A table whose software side could not be made was never listed. */
	mutex_lock(&tce_ps_lock);
	list_del_init(&pt->node);
	mutex_unlock(&tce_ps_lock);
	kfree(pt);
}

static const struct tce_mirror_ops tce_ps_mirror_ops = {
	.put = tce_ps_mirror_put,
	.clear = tce_ps_mirror_clear,
	.release = tce_ps_mirror_release,
};

/**
 * tce_ps_live_tces() - entries iobroker holds in hypervisor tables
 *
 * Return: over every page table, the entries it maps times the PEs that
 * translate through it.
 */
u64 tce_ps_live_tces(void)
{
	struct tce_ps_pt *pt;
	unsigned int w;
	u64 live = 0;

	mutex_lock(&tce_ps_lock);
	list_for_each_entry(pt, &tce_ps_pts, node)
		for (w = 0; w < pt->tp->nwin; w++)
			live += READ_ONCE(pt->npes) *
				READ_ONCE(tce_ps_win(pt, w)->mapped);
	mutex_unlock(&tce_ps_lock);
	return live;
}
EXPORT_SYMBOL_IOB_TEST(tce_ps_live_tces);

/**
 * tce_ps_pt_alloc() - a page table for a device's windows
 * @tdev: the device whose platform limits apply
 * @req: the windows, or NULL for the default shape
 *
 * Nothing reaches the hypervisor until a device is attached.
 *
 * Return: the page table, or an ERR_PTR: -EOPNOTSUPP or -EINVAL from
 * tce_windows_parse(), -ENOMEM.
 */
struct iob_pt *tce_ps_pt_alloc(struct tce_ps_dev *tdev,
			       const struct iommu_hwpt_iob_tce *req)
{
	const struct tce_caps *caps = &tdev->pe->caps;
	struct tce_geometry geo[TCE_MAX_WINDOWS];
	struct iommu_hwpt_iob_tce def = {};
	struct tce_ps_pt *pt;
	struct tce_pt *tp;
	unsigned int nwin, w;
	int rc;

	if (!req) {
		def.windows[0].page_shift = 12;
		def.windows[0].size = caps->dma32_size;
		req = &def;
	}
	rc = tce_windows_parse(caps, req, geo, &nwin);
	if (rc)
		return ERR_PTR(rc);
	pt = kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT);
	if (!pt)
		return ERR_PTR(-ENOMEM);
	pt->mirror.ops = &tce_ps_mirror_ops;
	pt->req = *req;
	INIT_LIST_HEAD(&pt->pes);
	INIT_LIST_HEAD(&pt->node);
	/* The hypervisor's tables are flat; the software ones need not be. */
	for (w = 0; w < nwin; w++) {
		pt->hw_levels[w] = geo[w].levels;
		geo[w].levels = tce_memory_levels(&geo[w]);
	}
	/* Frees @pt through the mirror's release if it fails. */
	tp = tce_sw_alloc(geo, nwin, NULL, &pt->mirror);
	if (IS_ERR(tp))
		return ERR_CAST(tp);
	pt->tp = tp;
	/* Listed for statistics only now that it is complete. */
	mutex_lock(&tce_ps_lock);
	list_add(&pt->node, &tce_ps_pts);
	mutex_unlock(&tce_ps_lock);
	return &tp->pt;
}
