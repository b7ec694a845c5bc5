// SPDX-License-Identifier: GPL-2.0
/*
 * The software TCE backend: a powernv-style multi-level table in kernel
 * memory. Nothing reads it but the CPU, so it backs mock devices in tests
 * on any architecture, and lets tests see exactly what a backend is asked
 * to store, clear and invalidate.
 */
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../iommufd/export.h"
#include "tce.h"

struct tce_sw {
	struct tce_pt tp;
	struct tce_tree hw;	/* the table a device would walk */
};

static struct tce_sw *to_sw(struct tce_table *tbl)
{
	return container_of(tbl, struct tce_sw, tp.tbl);
}

static int tce_sw_put(struct tce_table *tbl, u64 idx, const u64 *tces,
		      unsigned int n)
{
	struct tce_sw *sw = to_sw(tbl);
	u64 i, len, *slot;

	for (i = 0; i < n; i += len) {
		slot = tce_tree_leaf(&sw->hw, idx + i, true, &len);
		if (!slot)
			return -ENOMEM;
		len = min_t(u64, len, n - i);
		memcpy(slot, &tces[i], len * sizeof(*slot));
	}
	return 0;
}

static int tce_sw_clear(struct tce_table *tbl, u64 idx, unsigned int n)
{
	struct tce_sw *sw = to_sw(tbl);
	u64 end = idx + n, len, *slot;

	for (; idx < end; idx += len) {
		slot = tce_tree_leaf(&sw->hw, idx, false, &len);
		len = min(len, end - idx);
		if (slot)
			memset(slot, 0, len * sizeof(*slot));
	}
	return 0;
}

static u64 tce_sw_get(struct tce_table *tbl, u64 idx)
{
	u64 *slot = tce_tree_slot(&to_sw(tbl)->hw, idx, false);

	return slot ? *slot : 0;
}

static void tce_sw_release(struct tce_table *tbl)
{
	struct tce_sw *sw = to_sw(tbl);

	tce_tree_free(&sw->hw);
	kfree(sw);
}

/* There is no cache to invalidate; the core counts the calls. */
static const struct tce_table_ops tce_sw_ops = {
	.put = tce_sw_put,
	.clear = tce_sw_clear,
	.get = tce_sw_get,
	.release = tce_sw_release,
};

/**
 * tce_sw_alloc() - a software TCE table for a window
 * @geo: the window; any IO page size from 4 KiB up, up to five levels
 *
 * Return: the table as a page table, or an ERR_PTR.
 */
struct tce_pt *tce_sw_alloc(const struct tce_geometry *geo)
{
	struct tce_sw *sw;
	int rc;

	rc = tce_geometry_check(geo, ~0ULL, TCE_MAX_LEVELS);
	if (rc)
		return ERR_PTR(rc);
	sw = kzalloc(sizeof(*sw), GFP_KERNEL_ACCOUNT);
	if (!sw)
		return ERR_PTR(-ENOMEM);
	rc = tce_tree_init(&sw->hw, geo->size >> geo->page_shift, geo->levels);
	if (rc)
		goto err_free;
	rc = tce_pt_init(&sw->tp, geo, &tce_sw_ops);
	if (rc)
		goto err_tree;
	return &sw->tp;

err_tree:
	tce_tree_free(&sw->hw);
err_free:
	kfree(sw);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_IOB_TEST(tce_sw_alloc);
