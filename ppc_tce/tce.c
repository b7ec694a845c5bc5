// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker TCE core.
 *
 * Indices: everything below the geometry check works with entry indices
 * relative to the window (bus address minus offset, shifted by the IO page
 * shift), so 0 is the window's first entry whatever its bus address.
 *
 * Batching: a map or unmap call hands entries to the backend TCE_BATCH at a
 * time and invalidates once, for the whole range, after the last one. A
 * map that fails part way clears what it had stored, so callers see all or
 * nothing.
 *
 * The shadow: for each mapped entry, the user address of the IO page (the
 * low bits carry TCE_SHADOW_* flags). Only the core writes it, under the
 * table lock. Its first and last markers let unmap check that it removes
 * whole earlier map calls, the invariant the IO page table layer keeps.
 */
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "../common/export.h"
#include "../common/fault.h"
#include "tce.h"

/* Entries of a table are counted with 32 bits on every platform we know. */
#define TCE_MAX_ENTRIES_SHIFT	32

/**
 * tce_geometry_check() - validate a window before anything is allocated
 * @geo: the proposed window
 * @pgsizes: bitmap of IO page sizes the platform offers
 * @max_levels: deepest table the backend can build
 *
 * Return: 0, or -EINVAL naming no particular member: the window is not
 * one this platform can build.
 */
int tce_geometry_check(const struct tce_geometry *geo, u64 pgsizes,
		       unsigned int max_levels)
{
	u64 last;

	if (geo->page_shift < 12 || geo->page_shift > 34 ||
	    !(pgsizes & (1ULL << geo->page_shift)))
		return -EINVAL;
	if (!is_power_of_2(geo->size) || geo->size < (1ULL << geo->page_shift))
		return -EINVAL;
	if (ilog2(geo->size) - geo->page_shift > TCE_MAX_ENTRIES_SHIFT)
		return -EINVAL;
	/* Windows sit on a multiple of their size and do not wrap. */
	if (geo->offset & (geo->size - 1) ||
	    check_add_overflow(geo->offset, geo->size - 1, &last))
		return -EINVAL;
	if (!geo->levels || geo->levels > min(max_levels, TCE_MAX_LEVELS))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_geometry_check);

static size_t tce_level_bytes(const struct tce_tree *tree)
{
	return sizeof(u64) << tree->level_shift;
}

static u64 *tce_level_alloc(struct tce_tree *tree)
{
	u64 *level;

	/*
	 * A window's size is userspace's choice. The backends deepen their
	 * trees until levels stay small (tce_memory_levels()); should a
	 * level still be past what the page allocator can give, that is
	 * ENOMEM, not a warning.
	 */
	level = alloc_pages_exact(tce_level_bytes(tree),
				  GFP_KERNEL_ACCOUNT | __GFP_ZERO |
				  __GFP_NOWARN);
	if (level)
		tree->bytes += tce_level_bytes(tree);
	return level;
}

static void tce_level_free(struct tce_tree *tree, u64 *level)
{
	free_pages_exact(level, tce_level_bytes(tree));
	tree->bytes -= tce_level_bytes(tree);
}

/* The level a directory entry points at. */
static u64 *tce_dir_next(u64 ent)
{
	return phys_to_virt(ent & PAGE_MASK);
}

/**
 * tce_tree_init() - set up an empty tree
 * @tree: the tree
 * @entries: entries it must hold, a power of two
 * @levels: depth
 *
 * Each level holds at least a page worth of entries, as on powernv, so a
 * deep tree over a small window simply leaves most of its top unused.
 *
 * Return: 0 or -ENOMEM.
 */
int tce_tree_init(struct tce_tree *tree, u64 entries, unsigned int levels)
{
	unsigned int shift = ilog2(entries);

	tree->levels = levels;
	tree->level_shift = max_t(unsigned int, DIV_ROUND_UP(shift, levels),
				  PAGE_SHIFT - 3);
	tree->bytes = 0;
	tree->hint = NULL;
	tree->root = tce_level_alloc(tree);
	return tree->root ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IOB_TEST(tce_tree_init);

static void tce_tree_free_level(struct tce_tree *tree, u64 *level,
				unsigned int depth)
{
	u64 i;

	if (depth + 1 < tree->levels) {
		for (i = 0; i < (1ULL << tree->level_shift); i++)
			if (level[i] & TCE_PERM_MASK)
				tce_tree_free_level(tree, tce_dir_next(level[i]),
						    depth + 1);
	}
	tce_level_free(tree, level);
}

/**
 * tce_tree_free() - free every level of a tree
 * @tree: the tree
 */
void tce_tree_free(struct tce_tree *tree)
{
	if (tree->root)
		tce_tree_free_level(tree, tree->root, 0);
	tree->root = NULL;
	tree->hint = NULL;
}
EXPORT_SYMBOL_IOB_TEST(tce_tree_free);

/* Entries covered by one entry of level @depth (0 is the top). */
static unsigned int tce_span_shift(const struct tce_tree *tree,
				   unsigned int depth)
{
	return tree->level_shift * (tree->levels - 1 - depth);
}

/**
 * tce_tree_walk() - find the entry for an index from the top of the tree
 * @tree: the tree
 * @idx: the index
 * @alloc: create missing levels on the way
 *
 * What tce_tree_slot() does when @idx is not in the leaf it remembers; the
 * leaf found is remembered in its place.
 *
 * Return: the entry, or NULL if a level is missing and @alloc is false, or
 * could not be allocated.
 */
u64 *tce_tree_walk(struct tce_tree *tree, u64 idx, bool alloc)
{
	u64 mask = (1ULL << tree->level_shift) - 1;
	u64 nr = idx >> tree->level_shift;
	u64 *level = tree->root;
	unsigned int depth;

	for (depth = 0; depth + 1 < tree->levels; depth++) {
		u64 *ent = &level[(idx >> tce_span_shift(tree, depth)) & mask];

		if (!(*ent & TCE_PERM_MASK)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = tce_level_alloc(tree);
			if (!next)
				return NULL;
			*ent = virt_to_phys(next) | TCE_READ | TCE_WRITE;
		}
		level = tce_dir_next(*ent);
	}
	tree->hint = level;
	tree->hint_nr = nr;
	return &level[idx & mask];
}
EXPORT_SYMBOL_IOB_TEST(tce_tree_walk);

/**
 * tce_tree_populate() - make sure every level for a range of indices exists
 * @tree: the tree
 * @idx: first index
 * @n: number of indices
 *
 * Levels stay allocated until the tree is freed, so after this the slots
 * of the range can be found without allocating.
 *
 * Return: 0 or -ENOMEM.
 */
int tce_tree_populate(struct tce_tree *tree, u64 idx, u64 n)
{
	u64 leaf = 1ULL << tree->level_shift, i;

	for (i = idx; i < idx + n; i = round_down(i, leaf) + leaf)
		if (!tce_tree_slot(tree, i, true))
			return -ENOMEM;
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_tree_populate);

/**
 * tce_table_init() - set up a table for a validated window
 * @tbl: the table
 * @geo: the window, checked with tce_geometry_check()
 * @ops: the backend
 *
 * Return: 0 or -ENOMEM.
 */
int tce_table_init(struct tce_table *tbl, const struct tce_geometry *geo,
		   const struct tce_table_ops *ops)
{
	int rc;

	tbl->geo = *geo;
	tbl->nentries = geo->size >> geo->page_shift;
	tbl->ops = ops;
	tbl->mapped = 0;
	tbl->kills = 0;
	tbl->stage = kmalloc_array(TCE_BATCH, sizeof(u64), GFP_KERNEL_ACCOUNT);
	if (!tbl->stage)
		return -ENOMEM;
	rc = tce_tree_init(&tbl->shadow, tbl->nentries, geo->levels);
	if (rc) {
		kfree(tbl->stage);
		return rc;
	}
	mutex_init(&tbl->lock);
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_table_init);

static void tce_kill(struct tce_table *tbl, u64 idx, u64 n)
{
	lockdep_assert_held(&tbl->lock);
	if (tbl->ops->kill)
		tbl->ops->kill(tbl, idx, n);
	tbl->kills++;
}

/*
 * Clear the entries of [idx, idx + n) that the shadow records as mapped,
 * in runs of consecutive recorded entries of at most TCE_BATCH within one
 * leaf, and forget them in the shadow; leaves never made are skipped.
 * Entries the backend holds but the shadow does not record (a batch whose
 * store failed) are not seen: their caller clears them itself. A backend
 * that refuses to clear gets a warning, as nothing sensible is left to do.
 * With @check_runs, the first entry cleared must begin an earlier map call
 * and the last one end one (else a warning): an unmap covers whole map
 * calls. Does not invalidate. Returns the number of entries cleared.
 */
static noinline u64 tce_clear_range(struct tce_table *tbl, u64 idx, u64 n,
				    bool check_runs)
{
	u64 end = idx + n, cleared = 0, first = 0, last = 0, len, k, start;
	u64 *slot;

	lockdep_assert_held(&tbl->lock);
	for (; idx < end; idx += len) {
		slot = tce_tree_leaf(&tbl->shadow, idx, false, &len);
		len = min(len, end - idx);
		if (!slot)
			continue;
		for (k = 0; k < len;) {
			while (k < len && !slot[k])
				k++;
			for (start = k; k < len && slot[k] &&
			     k - start < TCE_BATCH; k++) {
				if (!cleared++)
					first = slot[k];
				last = slot[k];
				slot[k] = 0;
			}
			/* Nothing sensible is left to do if the backend refuses. */
			if (k > start)
				WARN_ON_ONCE(tbl->ops->clear(tbl, idx + start,
							     k - start));
		}
	}
	if (check_runs && cleared)
		WARN_ON_ONCE(!(first & TCE_SHADOW_FIRST) ||
			     !(last & TCE_SHADOW_LAST));
	tbl->mapped -= cleared;
	return cleared;
}

/* tce_clear_range() of one entry, as QEMU unmaps: no runs to look for. */
static u64 tce_clear_one(struct tce_table *tbl, u64 idx, bool check_runs)
{
	u64 *slot, old;

	lockdep_assert_held(&tbl->lock);
	slot = tce_tree_slot(&tbl->shadow, idx, false);
	if (!slot || !*slot)
		return 0;
	old = *slot;
	*slot = 0;
	WARN_ON_ONCE(tbl->ops->clear(tbl, idx, 1));
	if (check_runs)
		WARN_ON_ONCE(!(old & TCE_SHADOW_FIRST) ||
			     !(old & TCE_SHADOW_LAST));
	tbl->mapped--;
	return 1;
}

/*
 * Is any entry of [idx, idx + n) mapped? *@missing is set if a leaf of the
 * range does not exist yet.
 */
static bool tce_any_mapped(struct tce_table *tbl, u64 idx, u64 n,
			   bool *missing)
{
	u64 end = idx + n, len, k, *slot;

	*missing = false;
	for (; idx < end; idx += len) {
		slot = tce_tree_leaf(&tbl->shadow, idx, false, &len);
		len = min(len, end - idx);
		if (!slot)
			*missing = true;
		for (k = 0; slot && k < len; k++)
			if (slot[k])
				return true;
	}
	return false;
}

/* Convert a bus address range to indices; false if outside the window. */
static inline bool tce_range(struct tce_table *tbl, u64 iova, u64 len,
			     u64 *idx, u64 *n)
{
	u64 pgmask = (1ULL << tbl->geo.page_shift) - 1;

	if (!len || (iova | len) & pgmask || iova < tbl->geo.offset)
		return false;
	*idx = (iova - tbl->geo.offset) >> tbl->geo.page_shift;
	*n = len >> tbl->geo.page_shift;
	return *idx < tbl->nentries && *n <= tbl->nentries - *idx;
}

/* Hand the staged entries to the backend and record them in the shadow. */
static int tce_flush_stage(struct tce_table *tbl, u64 idx, unsigned int n,
			   u64 uva, bool first, bool last)
{
	u64 mask = tce_page_mask(tbl->geo.page_shift), len, k, *slot;
	u64 pgsize = 1ULL << tbl->geo.page_shift;
	unsigned int i;
	int rc;

	/* A failure point standing for the backend's (a hypercall's). */
	rc = iob_should_fail() ? -ENOMEM : tbl->ops->put(tbl, idx, tbl->stage,
							 n);
	if (rc)
		return rc;
	/* The leaves were populated before the first batch. */
	for (i = 0; i < n; i += len) {
		slot = tce_tree_leaf(&tbl->shadow, idx + i, false, &len);
		len = min_t(u64, len, n - i);
		for (k = 0; k < len; k++)
			slot[k] = ((uva + (i + k) * pgsize) & mask) |
				  TCE_SHADOW_VALID;
		/* The ends of the map call, while their leaf is at hand. */
		if (first && !i)
			slot[0] |= TCE_SHADOW_FIRST;
		if (last && i + len == n)
			slot[len - 1] |= TCE_SHADOW_LAST;
	}
	tbl->mapped += n;
	return 0;
}

/*
 * tce_table_map() of one entry, as QEMU maps: one look-up of the shadow
 * (making its leaf if need be), one store, one record; no staging.
 */
static int tce_table_map_one(struct tce_table *tbl, u64 idx, u64 uva, u64 tce)
{
	u64 *slot;
	int rc;

	mutex_lock(&tbl->lock);
	slot = tce_tree_slot(&tbl->shadow, idx, true);
	if (!slot || *slot) {
		rc = slot ? -EEXIST : -ENOMEM;
		goto out_unlock;
	}
	/* A failure point standing for the backend's (a hypercall's). */
	rc = iob_should_fail() ? -ENOMEM : tbl->ops->put(tbl, idx, &tce, 1);
	if (!rc) {
		*slot = (uva & tce_page_mask(tbl->geo.page_shift)) |
			TCE_SHADOW_VALID | TCE_SHADOW_FIRST | TCE_SHADOW_LAST;
		tbl->mapped++;
	} else {
		/* As for a failed batch: the backend may hold it or not. */
		WARN_ON_ONCE(tbl->ops->clear(tbl, idx, 1));
	}
	tce_kill(tbl, idx, 1);
out_unlock:
	mutex_unlock(&tbl->lock);
	return rc;
}

/* tce_table_map() of more than one entry: checked, staged and batched. */
static noinline int tce_table_map_runs(struct tce_table *tbl, u64 iova,
				       u64 uva, const struct iob_pt_seg *segs,
				       unsigned int nsegs, u64 perm)
{
	u64 pgsize = 1ULL << tbl->geo.page_shift;
	u64 idx0, n = 0, done = 0, i;
	unsigned int s, staged = 0;
	bool missing;
	int rc = 0;

	if (!perm || perm & ~TCE_PERM_MASK)
		return -EINVAL;
	for (s = 0; s < nsegs; s++) {
		if ((segs[s].paddr | segs[s].len) & (pgsize - 1) || !segs[s].len)
			return -EINVAL;
		n += segs[s].len >> tbl->geo.page_shift;
	}
	if (!tce_range(tbl, iova, n << tbl->geo.page_shift, &idx0, &i) || i != n)
		return -EINVAL;

	mutex_lock(&tbl->lock);
	if (tce_any_mapped(tbl, idx0, n, &missing)) {
		rc = -EEXIST;
		goto out_unlock;
	}
	rc = missing ? tce_tree_populate(&tbl->shadow, idx0, n) : 0;
	if (rc)
		goto out_unlock;

	for (s = 0; s < nsegs && !rc; s++) {
		u64 pa;

		for (pa = segs[s].paddr; pa < segs[s].paddr + segs[s].len;
		     pa += pgsize) {
			tbl->stage[staged++] = tce_encode(pa, tbl->geo.page_shift,
							  perm);
			if (staged < TCE_BATCH && done + staged < n)
				continue;
			rc = tce_flush_stage(tbl, idx0 + done, staged,
					     uva + done * pgsize, !done,
					     done + staged == n);
			if (rc)
				break;
			done += staged;
			staged = 0;
		}
	}
	if (rc) {
		/*
		 * The batches stored whole are in the shadow; the one whose
		 * store failed is not, and may be partly in the backend.
		 */
		tce_clear_range(tbl, idx0, done, false);
		if (staged)
			WARN_ON_ONCE(tbl->ops->clear(tbl, idx0 + done, staged));
	}
	tce_kill(tbl, idx0, n);
out_unlock:
	mutex_unlock(&tbl->lock);
	return rc;
}

/**
 * tce_table_map() - map physical segments from a bus address, all or nothing
 * @tbl: the table
 * @iova: bus address of the first IO page
 * @uva: user address behind @iova, recorded in the shadow
 * @segs: the memory, each segment aligned to the IO page size
 * @nsegs: number of segments
 * @perm: TCE_READ and/or TCE_WRITE
 *
 * Return: 0; -EINVAL for a range outside the window or misaligned memory;
 * -EEXIST if an entry is already mapped; -ENOMEM; or the backend's error.
 */
int tce_table_map(struct tce_table *tbl, u64 iova, u64 uva,
		  const struct iob_pt_seg *segs, unsigned int nsegs, u64 perm)
{
	u64 idx, n;

	/* One IO page, the call QEMU makes most: no staging, no batches. */
	if (nsegs == 1 && segs[0].len == 1ULL << tbl->geo.page_shift) {
		if (!perm || perm & ~TCE_PERM_MASK ||
		    segs[0].paddr & (segs[0].len - 1) ||
		    !tce_range(tbl, iova, segs[0].len, &idx, &n))
			return -EINVAL;
		return tce_table_map_one(tbl, idx, uva,
					 tce_encode(segs[0].paddr,
						    tbl->geo.page_shift, perm));
	}
	return tce_table_map_runs(tbl, iova, uva, segs, nsegs, perm);
}
EXPORT_SYMBOL_IOB_TEST(tce_table_map);

/**
 * tce_table_unmap() - clear every mapped entry of a bus address range
 * @tbl: the table
 * @iova: first bus address
 * @len: length, a multiple of the IO page size
 *
 * Return: the number of entries that were mapped.
 */
u64 tce_table_unmap(struct tce_table *tbl, u64 iova, u64 len)
{
	u64 idx, n, cleared;

	if (WARN_ON_ONCE(!tce_range(tbl, iova, len, &idx, &n)))
		return 0;
	mutex_lock(&tbl->lock);
	cleared = n == 1 ? tce_clear_one(tbl, idx, true) :
			   tce_clear_range(tbl, idx, n, true);
	if (cleared)
		tce_kill(tbl, idx, n);
	mutex_unlock(&tbl->lock);
	return cleared;
}
EXPORT_SYMBOL_IOB_TEST(tce_table_unmap);

/*
 * If one map call mapped entries @idx - 1 and @idx, record them as two
 * from now on. @idx is above 0 and inside the window.
 */
static inline void tce_cut_run(struct tce_table *tbl, u64 idx)
{
	u64 *before, *after;

	lockdep_assert_held(&tbl->lock);
	before = tce_tree_slot(&tbl->shadow, idx - 1, false);
	after = tce_tree_slot(&tbl->shadow, idx, false);
	if (before && after && *before & TCE_SHADOW_VALID &&
	    *after & TCE_SHADOW_VALID && !(*after & TCE_SHADOW_FIRST)) {
		*before |= TCE_SHADOW_LAST;
		*after |= TCE_SHADOW_FIRST;
	}
}

/**
 * tce_table_split() - let an unmap stop or start at a bus address
 * @tbl: the table
 * @iova: a bus address inside the window, not its first
 *
 * If one map call mapped the entries on both sides of @iova, the shadow
 * records them as two from now on, so that tce_table_unmap() may clear
 * either side alone; else nothing changes.
 *
 * Return: 0, or -EINVAL if @iova is not on an IO page boundary or not
 * inside the window.
 */
int tce_table_split(struct tce_table *tbl, u64 iova)
{
	u64 idx, n;

	if (!tce_range(tbl, iova, 1ULL << tbl->geo.page_shift, &idx, &n) ||
	    !idx)
		return -EINVAL;
	mutex_lock(&tbl->lock);
	tce_cut_run(tbl, idx);
	mutex_unlock(&tbl->lock);
	return 0;
}
EXPORT_SYMBOL_IOB_TEST(tce_table_split);

/**
 * tce_table_trim() - unmap a range, cutting the map calls across its ends
 * @tbl: the table
 * @iova: first bus address
 * @len: length, a multiple of the IO page size
 *
 * tce_table_split() at both ends of the range, then tce_table_unmap() of
 * it, under one hold of the lock: for an unmap at one end of a mapping,
 * whose other part stays.
 *
 * Return: the number of entries that were mapped, or -EINVAL (nothing
 * changed) if the range is not on IO page boundaries inside the window.
 */
s64 tce_table_trim(struct tce_table *tbl, u64 iova, u64 len)
{
	u64 idx, n, cleared;

	if (!tce_range(tbl, iova, len, &idx, &n))
		return -EINVAL;
	mutex_lock(&tbl->lock);
	if (idx)
		tce_cut_run(tbl, idx);
	if (idx + n < tbl->nentries)
		tce_cut_run(tbl, idx + n);
	cleared = n == 1 ? tce_clear_one(tbl, idx, true) :
			   tce_clear_range(tbl, idx, n, true);
	if (cleared)
		tce_kill(tbl, idx, n);
	mutex_unlock(&tbl->lock);
	return cleared;
}
EXPORT_SYMBOL_IOB_TEST(tce_table_trim);

/**
 * tce_table_xchg() - store one entry and return the one it replaces
 * @tbl: the table
 * @idx: index relative to the window
 * @tce: in: the new entry; out: the old one
 *
 * For backends and tests that manage single entries; the shadow is left
 * alone.
 *
 * Return: 0, -EINVAL for an index outside the window, or the backend's
 * error (then nothing changed).
 */
int tce_table_xchg(struct tce_table *tbl, u64 idx, u64 *tce)
{
	u64 old;
	int rc;

	if (idx >= tbl->nentries)
		return -EINVAL;
	mutex_lock(&tbl->lock);
	old = tbl->ops->get(tbl, idx);
	rc = tbl->ops->put(tbl, idx, tce, 1);
	if (!rc) {
		tce_kill(tbl, idx, 1);
		*tce = old;
	}
	mutex_unlock(&tbl->lock);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(tce_table_xchg);

/**
 * tce_table_lookup() - translate a bus address
 * @tbl: the table
 * @iova: the bus address
 *
 * Return: the physical address, or 0 if @iova is not mapped.
 */
u64 tce_table_lookup(struct tce_table *tbl, u64 iova)
{
	u64 pgmask = (1ULL << tbl->geo.page_shift) - 1, idx, n, tce;

	if (!tce_range(tbl, iova & ~pgmask, pgmask + 1, &idx, &n))
		return 0;
	mutex_lock(&tbl->lock);
	tce = tbl->ops->get(tbl, idx);
	mutex_unlock(&tbl->lock);
	if (!tce_to_perm(tce))
		return 0;
	return tce_to_hpa(tce, tbl->geo.page_shift) | (iova & pgmask);
}
EXPORT_SYMBOL_IOB_TEST(tce_table_lookup);

/**
 * tce_table_destroy() - clear whatever is still mapped and free the table
 * @tbl: the table
 */
void tce_table_destroy(struct tce_table *tbl)
{
	mutex_lock(&tbl->lock);
	if (tbl->mapped && tce_clear_range(tbl, 0, tbl->nentries, false))
		tce_kill(tbl, 0, tbl->nentries);
	mutex_unlock(&tbl->lock);
	tce_tree_free(&tbl->shadow);
	kfree(tbl->stage);
	mutex_destroy(&tbl->lock);
	if (tbl->ops->release)
		tbl->ops->release(tbl);
}
EXPORT_SYMBOL_IOB_TEST(tce_table_destroy);
