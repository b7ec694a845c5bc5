/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker TCE core: what every TCE backend shares.
 *
 * A TCE (translation control entry) is one 64-bit entry of a POWER IOMMU
 * table: the real address of an IO page with the low page_shift bits clear,
 * ORed with a read bit and a write bit. A table covers one DMA window: a
 * power-of-two range of bus addresses starting at the window's offset, one
 * entry per IO page. The core validates window geometry, encodes and
 * decodes entries, walks multi-level trees, keeps a per-entry shadow and
 * batches updates so that a whole map or unmap call costs one invalidation.
 * Backends only store, clear, read and invalidate entries: in memory (the
 * software backend) or through the hypervisor (pseries).
 */
#ifndef IOBROKER_TCE_H
#define IOBROKER_TCE_H

#include <linux/container_of.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "../ptdrv/ptdrv.h"

#define TCE_READ	0x1ULL	/* the device may read memory */
#define TCE_WRITE	0x2ULL	/* the device may write memory */
#define TCE_PERM_MASK	(TCE_READ | TCE_WRITE)

/* Entries handed to a backend at once; H_PUT_TCE_INDIRECT's limit. */
#define TCE_BATCH	512

#define TCE_MAX_LEVELS	5

/**
 * struct tce_geometry - the shape of one DMA window
 * @offset: bus address of the first entry
 * @size: bytes of bus address space, a power of two
 * @page_shift: log2 of the IO page size
 * @levels: depth of the table, 1 for a flat table
 */
struct tce_geometry {
	u64 offset;
	u64 size;
	unsigned int page_shift;
	unsigned int levels;
};

int tce_geometry_check(const struct tce_geometry *geo, u64 pgsizes,
		       unsigned int max_levels);

static inline u64 tce_page_mask(unsigned int page_shift)
{
	return ~((1ULL << page_shift) - 1);
}

static inline u64 tce_encode(u64 hpa, unsigned int page_shift, u64 perm)
{
	return (hpa & tce_page_mask(page_shift)) | (perm & TCE_PERM_MASK);
}

static inline u64 tce_to_hpa(u64 tce, unsigned int page_shift)
{
	return tce & tce_page_mask(page_shift);
}

static inline u64 tce_to_perm(u64 tce)
{
	return tce & TCE_PERM_MASK;
}

/**
 * struct tce_tree - a multi-level array of 64-bit entries
 * @root: the top level
 * @levels: number of levels
 * @level_shift: log2 of the entries per level
 * @bytes: memory held by all levels
 * @hint: the leaf the last look-up ended in, or NULL
 * @hint_nr: that leaf's number (an index shifted right by @level_shift)
 *
 * Lower levels are allocated when first written. A directory entry holds
 * the physical address of the level below ORed with TCE_READ | TCE_WRITE,
 * as powernv hardware expects; an entry with neither bit is absent.
 *
 * Levels stay until the tree is freed, so the leaf of the last look-up
 * stays valid: the next look-up in the same leaf (the common case, as
 * calls come in order) is a compare instead of a walk. The owner
 * serialises every call on one tree, look-ups included (a TCE table's
 * lock).
 */
struct tce_tree {
	u64 *root;
	unsigned int levels;
	unsigned int level_shift;
	size_t bytes;
	u64 *hint;
	u64 hint_nr;
};

int tce_tree_init(struct tce_tree *tree, u64 entries, unsigned int levels);
void tce_tree_free(struct tce_tree *tree);
u64 *tce_tree_walk(struct tce_tree *tree, u64 idx, bool alloc);
int tce_tree_populate(struct tce_tree *tree, u64 idx, u64 n);

/**
 * tce_tree_slot() - find the entry for an index
 * @tree: the tree
 * @idx: the index
 * @alloc: create missing levels on the way
 *
 * Inline for the common case, an index in the leaf of the last look-up;
 * else tce_tree_walk().
 *
 * Return: the entry, or NULL if a level is missing and @alloc is false, or
 * could not be allocated.
 */
static inline u64 *tce_tree_slot(struct tce_tree *tree, u64 idx, bool alloc)
{
	if (tree->hint && tree->hint_nr == idx >> tree->level_shift)
		return &tree->hint[idx & ((1ULL << tree->level_shift) - 1)];
	return tce_tree_walk(tree, idx, alloc);
}

/**
 * tce_tree_leaf() - the entries from an index to the end of its leaf
 * @tree: the tree
 * @idx: the index
 * @alloc: create missing levels on the way
 * @len: set to the number of entries from @idx to the end of its leaf
 *
 * Entries within a leaf are contiguous in memory, so callers walk a range
 * one leaf at a time instead of one entry at a time.
 *
 * Return: the entry of @idx, or NULL if its leaf is missing and @alloc is
 * false, or could not be allocated; @len is set in every case.
 */
static inline u64 *tce_tree_leaf(struct tce_tree *tree, u64 idx, bool alloc,
				 u64 *len)
{
	u64 leaf = 1ULL << tree->level_shift;

	*len = leaf - (idx & (leaf - 1));
	return tce_tree_slot(tree, idx, alloc);
}

struct tce_table;

/**
 * struct tce_table_ops - what a backend does with entries
 * @put: store @n encoded entries from index @idx (relative to the window)
 * @clear: zero @n entries from @idx
 * @get: read one entry
 * @kill: invalidate cached translations of @n entries from @idx
 * @release: free the backend's part of the table
 *
 * Indices given to @put and @clear never cross a TCE_BATCH boundary of
 * the call's own range.
 */
struct tce_table_ops {
	int (*put)(struct tce_table *tbl, u64 idx, const u64 *tces,
		   unsigned int n);
	int (*clear)(struct tce_table *tbl, u64 idx, unsigned int n);
	u64 (*get)(struct tce_table *tbl, u64 idx);
	void (*kill)(struct tce_table *tbl, u64 idx, u64 n);
	void (*release)(struct tce_table *tbl);
};

/* Shadow entry: the user address of the IO page, plus these flags. */
#define TCE_SHADOW_VALID	0x1ULL
#define TCE_SHADOW_FIRST	0x2ULL	/* first entry of a map call */
#define TCE_SHADOW_LAST		0x4ULL	/* last entry of a map call */
#define TCE_SHADOW_FLAGS	0x7ULL

/**
 * struct tce_table - one DMA window
 * @geo: its geometry
 * @nentries: entries in the window
 * @ops: the backend
 * @lock: serialises all updates of the table and its shadow
 * @shadow: per entry, the user address mapped there and run markers, in
 *	the spirit of powerpc's it_userspace; lives as long as the table
 * @stage: TCE_BATCH encoded entries on their way to the backend
 * @mapped: entries currently mapped
 * @kills: invalidations issued, for tests and statistics
 */
struct tce_table {
	struct tce_geometry geo;
	u64 nentries;
	const struct tce_table_ops *ops;
	struct mutex lock;	/* all updates of the entries and the shadow */
	struct tce_tree shadow;
	u64 *stage;
	u64 mapped;
	u64 kills;
};

int tce_table_init(struct tce_table *tbl, const struct tce_geometry *geo,
		   const struct tce_table_ops *ops);
void tce_table_destroy(struct tce_table *tbl);
int tce_table_map(struct tce_table *tbl, u64 iova, u64 uva,
		  const struct iob_pt_seg *segs, unsigned int nsegs, u64 perm);
u64 tce_table_unmap(struct tce_table *tbl, u64 iova, u64 len);
int tce_table_split(struct tce_table *tbl, u64 iova);
s64 tce_table_trim(struct tce_table *tbl, u64 iova, u64 len);
int tce_table_xchg(struct tce_table *tbl, u64 idx, u64 *tce);
u64 tce_table_lookup(struct tce_table *tbl, u64 iova);

#define TCE_MAX_WINDOWS 2

/**
 * struct tce_pt - TCE windows offered as an iobroker page table
 * @pt: what the IO page table layer sees: one aperture per window
 * @nwin: number of windows
 * @win: the windows' tables, in ascending order of bus address
 * @release: frees the backend's structure once every window is destroyed
 * @mirror: hardware that follows the tables, or NULL
 *
 * A POWER page table is a set of DMA windows, each a TCE table with its
 * own IO page size: the 32-bit default window and a 64-bit dynamic one.
 * Backends embed this in their own structure.
 */
struct tce_pt {
	struct iob_pt pt;
	unsigned int nwin;
	struct tce_table *win[TCE_MAX_WINDOWS];
	void (*release)(struct tce_pt *tp);
	struct tce_mirror *mirror;
};

void tce_pt_init(struct tce_pt *tp, void (*release)(struct tce_pt *tp));
int tce_pt_add_window(struct tce_pt *tp, struct tce_table *tbl);

static inline struct tce_pt *to_tce_pt(struct iob_pt *pt)
{
	return container_of(pt, struct tce_pt, pt);
}

/**
 * struct tce_caps - the windows a platform can give one device
 * @dma32_start: bus address of the 32-bit default window
 * @dma32_size: its largest size, a power of two
 * @ddw_start: bus address of a dynamic window
 * @pgsizes: IO page sizes dynamic windows may use (the default window
 *	always uses 4 KiB pages)
 * @max_windows: how many windows can exist at once
 * @max_levels: deepest table the platform builds
 * @max_entries_log2: log2 of the most entries a window may have
 * @ddw: dynamic windows can be made at all
 */
struct tce_caps {
	u64 dma32_start;
	u64 dma32_size;
	u64 ddw_start;
	u64 pgsizes;
	u32 max_windows;
	u32 max_levels;
	u32 max_entries_log2;
	bool ddw;
};

/*
 * Depth of an in-memory tree for a window: at least @levels, and deep
 * enough that no level is larger than a page, so that a large window
 * costs memory only where it is mapped.
 */
static inline unsigned int tce_memory_levels(const struct tce_geometry *geo)
{
	unsigned int bits = ilog2(geo->size) - geo->page_shift;

	return max_t(unsigned int, geo->levels,
		     DIV_ROUND_UP(bits, PAGE_SHIFT - 3));
}

struct iommu_hwpt_iob_tce;
struct iommu_hw_info_iob_tce;

int tce_windows_parse(const struct tce_caps *caps,
		      const struct iommu_hwpt_iob_tce *req,
		      struct tce_geometry *geo, unsigned int *nwin);
void tce_windows_default(const struct tce_caps *caps,
			 struct tce_geometry *geo, unsigned int *nwin);
void tce_caps_to_info(const struct tce_caps *caps,
		      struct iommu_hw_info_iob_tce *info);

struct tce_mirror;

/**
 * struct tce_mirror_ops - copying software tables to hardware
 * @put: store @n encoded entries of window @win from index @idx
 * @clear: clear @n entries of window @win from index @idx
 * @release: the software tables are gone
 *
 * Called with the window's table lock held, after the software table was
 * updated; a failed @put makes the core clear the range again.
 */
struct tce_mirror_ops {
	int (*put)(struct tce_mirror *m, unsigned int win, u64 idx,
		   const u64 *tces, unsigned int n);
	int (*clear)(struct tce_mirror *m, unsigned int win, u64 idx,
		     unsigned int n);
	void (*release)(struct tce_mirror *m);
};

/**
 * struct tce_mirror - hardware that follows software TCE tables
 * @ops: what to do on each update
 */
struct tce_mirror {
	const struct tce_mirror_ops *ops;
};

/*
 * The software backend: tables in kernel memory, for tests and mocks, and
 * the source the pseries backend programs the hypervisor's tables from.
 */
struct tce_pt *tce_sw_alloc(const struct tce_geometry *geo, unsigned int nwin,
			    const struct iob_pt_aperture *aper,
			    struct tce_mirror *mirror);
u64 *tce_sw_leaf(struct tce_table *tbl, u64 idx, u64 *len);

#endif
