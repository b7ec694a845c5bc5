// SPDX-License-Identifier: GPL-2.0
/*
 * The software TCE backend: powernv-style multi-level tables in kernel
 * memory, one per window. Nothing reads them but the CPU, so they build on
 * any architecture; they back mock devices in tests and let tests see
 * exactly what a backend is asked to store, clear and invalidate. Like
 * every TCE table, their IO pages are 4 KiB at least, whatever the
 * kernel's page size.
 *
 * A mirror may follow the tables: every update is made here first and
 * then handed to it. The pseries backend is such a mirror: the
 * hypervisor's tables exist only while a device is attached, and these
 * tables are what they are programmed from.
 */
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../common/export.h"
#include "tce.h"

struct tce_sw;

struct tce_sw_win {
	struct tce_table tbl;
	struct tce_tree hw;	/* the table a device would walk */
	struct tce_sw *sw;	/* the page table it is a window of */
	unsigned int nr;	/* index in tce_sw.win */
};

struct tce_sw {
	struct tce_pt tp;
	struct tce_sw_win win[TCE_MAX_WINDOWS];
};

static struct tce_sw_win *to_win(struct tce_table *tbl)
{
	return container_of(tbl, struct tce_sw_win, tbl);
}

static struct tce_tree *to_hw(struct tce_table *tbl)
{
	return &to_win(tbl)->hw;
}

/* The mirror of @tbl's page table and the window's number, if any. */
static struct tce_mirror *tce_sw_mirror(struct tce_table *tbl,
					unsigned int *win)
{
	*win = to_win(tbl)->nr;
	return to_win(tbl)->sw->tp.mirror;
}

/* Store @n entries in the software table. */
static noinline int tce_sw_store(struct tce_table *tbl, u64 idx,
				 const u64 *tces, unsigned int n)
{
	u64 i, len, *slot;

	for (i = 0; i < n; i += len) {
		slot = tce_tree_leaf(to_hw(tbl), idx + i, true, &len);
		if (!slot)
			return -ENOMEM;
		len = min_t(u64, len, n - i);
		memcpy(slot, &tces[i], len * sizeof(*slot));
	}
	return 0;
}

/* Zero @n entries of the software table, skipping leaves never made. */
static noinline void tce_sw_zero(struct tce_table *tbl, u64 idx,
				 unsigned int n)
{
	u64 i, len, *slot;

	for (i = idx; i < idx + n; i += len) {
		slot = tce_tree_leaf(to_hw(tbl), i, false, &len);
		len = min(len, idx + n - i);
		if (slot)
			memset(slot, 0, len * sizeof(*slot));
	}
}

/* Single entries, most calls, are stored in place of the loops. */
static int tce_sw_put(struct tce_table *tbl, u64 idx, const u64 *tces,
		      unsigned int n)
{
	struct tce_mirror *mirror;
	unsigned int win;
	u64 *slot;
	int rc;

	if (n == 1) {
		slot = tce_tree_slot(to_hw(tbl), idx, true);
		if (!slot)
			return -ENOMEM;
		*slot = *tces;
	} else {
		rc = tce_sw_store(tbl, idx, tces, n);
		if (rc)
			return rc;
	}
	mirror = tce_sw_mirror(tbl, &win);
	return mirror ? mirror->ops->put(mirror, win, idx, tces, n) : 0;
}

static int tce_sw_clear(struct tce_table *tbl, u64 idx, unsigned int n)
{
	struct tce_mirror *mirror;
	unsigned int win;
	u64 *slot;

	if (n == 1) {
		slot = tce_tree_slot(to_hw(tbl), idx, false);
		if (slot)
			*slot = 0;
	} else {
		tce_sw_zero(tbl, idx, n);
	}
	mirror = tce_sw_mirror(tbl, &win);
	return mirror ? mirror->ops->clear(mirror, win, idx, n) : 0;
}

static u64 tce_sw_get(struct tce_table *tbl, u64 idx)
{
	u64 *slot = tce_tree_slot(to_hw(tbl), idx, false);

	return slot ? *slot : 0;
}

static void tce_sw_release_table(struct tce_table *tbl)
{
	tce_tree_free(to_hw(tbl));
}

/* There is no cache to invalidate; the core counts the calls. */
static const struct tce_table_ops tce_sw_ops = {
	.put = tce_sw_put,
	.clear = tce_sw_clear,
	.get = tce_sw_get,
	.release = tce_sw_release_table,
};

static void tce_sw_release(struct tce_pt *tp)
{
	struct tce_sw *sw = container_of(tp, struct tce_sw, tp);

	if (tp->mirror)
		tp->mirror->ops->release(tp->mirror);
	kfree(sw);
}

/**
 * tce_sw_leaf() - the stored entries from an index to the end of its leaf
 * @tbl: a window of a software page table, its lock held
 * @idx: index in the window
 * @len: set to the number of entries from @idx to the end of the leaf
 *
 * For a mirror that copies the whole table to new hardware.
 *
 * Return: the entry of @idx, or NULL if nothing was ever stored in that
 * leaf.
 */
u64 *tce_sw_leaf(struct tce_table *tbl, u64 idx, u64 *len)
{
	lockdep_assert_held(&tbl->lock);
	return tce_tree_leaf(to_hw(tbl), idx, false, len);
}
EXPORT_SYMBOL_IOB_TEST(tce_sw_leaf);

/**
 * tce_sw_alloc() - software TCE windows
 * @geo: the windows, in ascending order of bus address; any IO page size
 *	from 4 KiB up, up to five levels
 * @nwin: how many, at most TCE_MAX_WINDOWS
 * @aper: with one window, the part of it the device can reach, which
 *	becomes the page table's aperture instead of the whole window; or
 *	NULL
 * @mirror: hardware to keep in step with the tables, or NULL; released
 *	when the page table is freed, also if this fails
 *
 * Return: the windows as a page table, or an ERR_PTR (-EINVAL for a
 * window or an aperture that cannot be, -ENOMEM).
 */
struct tce_pt *tce_sw_alloc(const struct tce_geometry *geo, unsigned int nwin,
			    const struct iob_pt_aperture *aper,
			    struct tce_mirror *mirror)
{
	struct tce_sw *sw;
	unsigned int i;
	int rc = 0;

	if (!nwin || nwin > TCE_MAX_WINDOWS)
		rc = -EINVAL;
	for (i = 0; i < nwin && !rc; i++)
		rc = tce_geometry_check(&geo[i], ~0ULL, TCE_MAX_LEVELS);
	if (!rc && aper &&
	    (nwin != 1 || aper->start > aper->last ||
	     aper->start < geo->offset ||
	     aper->last > geo->offset + geo->size - 1))
		rc = -EINVAL;
	sw = rc ? NULL : kzalloc(sizeof(*sw), GFP_KERNEL_ACCOUNT);
	if (!sw) {
		if (mirror)
			mirror->ops->release(mirror);
		return ERR_PTR(rc ?: -ENOMEM);
	}
	tce_pt_init(&sw->tp, tce_sw_release);
	sw->tp.mirror = mirror;
	for (i = 0; i < nwin; i++) {
		struct tce_sw_win *win = &sw->win[i];

		win->sw = sw;
		win->nr = i;

		rc = tce_tree_init(&win->hw, geo[i].size >> geo[i].page_shift,
				   geo[i].levels);
		if (rc)
			break;
		rc = tce_table_init(&win->tbl, &geo[i], &tce_sw_ops);
		if (rc) {
			tce_tree_free(&win->hw);
			break;
		}
		rc = tce_pt_add_window(&sw->tp, &win->tbl);
		if (rc) {
			tce_table_destroy(&win->tbl);
			break;
		}
	}
	if (rc) {
		sw->tp.pt.ops->free(&sw->tp.pt);
		return ERR_PTR(rc);
	}
	if (aper)
		sw->tp.pt.aper[0] = *aper;
	return &sw->tp;
}
EXPORT_SYMBOL_IOB_TEST(tce_sw_alloc);
