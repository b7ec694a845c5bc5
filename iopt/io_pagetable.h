/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker IO page tables: the IOVA space of one IOAS and what is mapped in
 * it. See io_pagetable.c for the rules.
 */
#ifndef IOBROKER_IO_PAGETABLE_H
#define IOBROKER_IO_PAGETABLE_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/container_of.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "itree.h"
#include "usage.h"

struct iopt_pages;
struct iob_pt;
struct page;

/**
 * struct iopt_area - one mapping: an IOVA range over a slice of user memory
 * @node: the IOVA range, in &iopt.areas
 * @pages_node: the page indices this area holds pinned, in
 *	&iopt_pages.users, while @filled
 * @mapping: in &iopt_mapping.areas from when the area is made until it is
 *	live, and in the list of an unmap removing it; only the call making
 *	or unmapping it walks those lists
 * @pages: the memory; shared with other areas after IOMMU_IOAS_COPY
 * @pages_offset: bytes from the start of @pages to the area's first byte
 * @prot: IOB_PT_READ and/or IOB_PT_WRITE
 * @live: fully set up; false while a map is still filling page tables,
 *	when the IOVA range is only reserved. Set once, by the map, with a
 *	release and no lock; read with iopt_area_live()
 * @filled: the pages are pinned and mapped in every page table
 * @borrow: the area borrows the pin of the pages' owner when filled
 *	(iopt_pages_borrow()); fixed
 * @access_pins: pins in-kernel accesses hold inside the area; changed
 *	under the read side of &iopt.iova_rwsem, so stable under the
 *	write side
 * @unmapper: the unmap that is waiting for accesses to unpin the area, or
 *	NULL; while set, accesses may not pin or copy in the area. Under
 *	&iopt.iova_rwsem
 */
struct iopt_area {
	struct iopt_itn node;
	struct iopt_itn pages_node;
	struct list_head mapping;
	struct iopt_pages *pages;
	unsigned long pages_offset;
	int prot;
	bool live;
	bool filled;
	bool borrow;
	atomic_t access_pins;
	const void *unmapper;
};

/**
 * struct iopt_access_ops - how an IOVA space reaches an access's owner
 * @unmap: [@iova, @last] is about to be unmapped; every pin the access
 *	holds there must be unpinned before this returns. Called with no lock
 *	of the IOVA space held.
 */
struct iopt_access_ops {
	void (*unmap)(void *data, u64 iova, u64 last);
};

/**
 * struct iopt_access - an access registered with an IOVA space
 * @ops: its owner's callbacks
 * @data: passed to them
 * @iova_alignment: what the access needs mappings aligned to
 * @id: index in &iopt.accesses
 * @notifying: callbacks running right now; under the xarray's lock
 */
struct iopt_access {
	const struct iopt_access_ops *ops;
	void *data;
	unsigned long iova_alignment;
	u32 id;
	unsigned int notifying;
};

/**
 * struct iopt - the IOVA space of an IOAS
 * @pts_rwsem: write side held to add or remove a page table; read side
 *	held by every map, copy and unmap for their whole duration, so page
 *	tables do not come and go under them
 * @iova_rwsem: protects the three trees, @iova_alignment and @large_pages
 * @areas: the mappings, &struct iopt_area; never overlapping
 * @allowed: ranges userspace wants kept usable (IOMMU_IOAS_ALLOW_IOVAS)
 * @reserved: ranges no mapping may use, &struct iopt_reserved: outside a
 *	page table's apertures, or reserved by a test
 * @pts: the page tables (struct iob_pt) mapping this IOVA space,
 *	indices 0 to @npts - 1 with no hole, kept so by iopt_remove_pt();
 *	changed under both semaphores' write side
 * @pt0: the page table at index 0 of @pts, or NULL: the one most IOVA
 *	spaces have, found without a look into the xarray. Changed with @pts
 * @npts: number of page tables
 * @nareas: areas in @areas, live or not; at most the module's
 *	max_ioas_areas parameter. Written under the write side of
 *	@iova_rwsem; a copy into this IOVA space reads it without the lock,
 *	to refuse early what would not fit
 * @nreserved: ranges in @reserved, at most IOPT_MAX_RESERVED
 * @iova_alignment: what mappings must be aligned to: 1 with no page
 *	table, else the largest of the tables' smallest IO pages, at least
 *	PAGE_SIZE without @large_pages
 * @large_pages: contiguous memory may map as large runs
 * @accesses: the registered &struct iopt_access; changed under the
 *	write side of @iova_rwsem and the xarray's lock, walked under either
 * @access_wq: where removing an access waits for its callbacks to end
 * @spare: an area, and the memory of the pages it was over, that an unmap
 *	freed and the next map of user memory takes instead of allocating;
 *	or NULL. Only ever swapped whole, with xchg() and cmpxchg()
 * @owner: who the IOVA space belongs to, set by its owner after
 *	iopt_init() and fixed from then on; its pages count to its usage
 *
 * Lock order: pts_rwsem, iova_rwsem, iopt_pages.mutex, then whatever a
 * page table driver takes. Access callbacks run with none of them held.
 */
struct iopt {
	struct rw_semaphore pts_rwsem;
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached areas;
	struct rb_root_cached allowed;
	struct rb_root_cached reserved;
	struct xarray pts;
	struct iob_pt *pt0;
	unsigned int npts;
	unsigned long nareas;
	unsigned int nreserved;
	unsigned long iova_alignment;
	bool large_pages;
	struct xarray accesses;
	wait_queue_head_t access_wq;
	struct iopt_area *spare;
	struct iopt_owner owner;
};

/**
 * struct iopt_reserved - an IOVA range no mapping may use
 * @node: the range
 * @owner: who reserved it (a page table, or NULL for a test)
 */
struct iopt_reserved {
	struct iopt_itn node;
	const void *owner;
};

static inline struct iopt_area *iopt_to_area(struct iopt_itn *node)
{
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

/* Areas overlapping [start, last] come in ascending order. */
static inline struct iopt_area *iopt_area_first(struct iopt *iopt,
						u64 start, u64 last)
{
	return iopt_to_area(iopt_itree_iter_first(&iopt->areas, start, last));
}

static inline struct iopt_area *iopt_area_next(struct iopt_area *area,
					       u64 start, u64 last)
{
	return iopt_to_area(iopt_itree_iter_next(&area->node, start, last));
}

/* What mappings must be aligned to now: a racy look, for checks. */
static inline unsigned long iopt_alignment(struct iopt *iopt)
{
	return READ_ONCE(iopt->iova_alignment);
}

/* Is the area live? Everything its map set up is then visible. */
static inline bool iopt_area_live(struct iopt_area *area)
{
	/* Pairs with the release in iopt_map(). */
	return smp_load_acquire(&area->live);
}

static inline u64 iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

void iopt_init(struct iopt *iopt);
void iopt_destroy(struct iopt *iopt);

/**
 * struct iopt_stats - what iopt_stats() reports
 * @areas: areas, live or not
 * @mapped: bytes the live areas cover
 * @pinned: pages the filled areas hold pinned
 */
struct iopt_stats {
	unsigned long areas;
	u64 mapped;
	u64 pinned;
};

void iopt_stats(struct iopt *iopt, struct iopt_stats *stats);

/**
 * struct iopt_mapping - a mapping being made: its areas until they are live
 * @areas: the areas, &struct iopt_area, in order of IOVA, back to back;
 *	before they enter an IOVA space, their IOVAs are offsets from the
 *	start of the mapping
 * @count: how many
 * @length: bytes they cover
 *
 * Built by iopt_mapping_user() or iopt_mapping_copy(), mapped by
 * iopt_map(), freed by iopt_mapping_release(). Lives on its caller's
 * stack; its areas are allocated one by one, so no allocation is sized by
 * how many there are.
 */
struct iopt_mapping {
	struct list_head areas;
	unsigned long count;
	u64 length;
};

int iopt_mapping_user(struct iopt_mapping *m, struct iopt *iopt,
		      unsigned long uptr, u64 length, bool writable,
		      bool account_mm);
int iopt_mapping_copy(struct iopt_mapping *m, struct iopt *src, u64 start,
		      u64 length, struct iopt *dst);
void iopt_mapping_start(struct iopt_mapping *m);
int iopt_mapping_pages(struct iopt_mapping *m, struct iopt_pages *pages,
		       unsigned long offset, u64 length);
void iopt_mapping_release(struct iopt_mapping *m);
int iopt_map(struct iopt *iopt, struct iopt_mapping *m, u64 *iova,
	     int prot, bool fixed, int (*confirm)(void *arg, u64 iova),
	     void *arg);
int iopt_unmap(struct iopt *iopt, u64 start, u64 last, u64 *unmapped);
int iopt_cut(struct iopt *iopt, u64 last);
int iopt_cut_io_pages(struct iopt *iopt, u64 last);
int iopt_clear_io_pages(struct iopt *iopt, u64 start, u64 last);
int iopt_extend_io_pages(struct iopt *iopt, struct iopt_pages *pages,
			 unsigned long offset, u64 iova, u64 length, int prot);

int iopt_reserve(struct iopt *iopt, u64 start, u64 last,
		 const void *owner);
int iopt_set_allowed(struct iopt *iopt, struct rb_root_cached *allowed);
/* Called for each range [start, last]; non-zero stops the walk. */
typedef int (*iopt_range_fn)(void *arg, u64 start, u64 last);

int iopt_walk_ranges(struct iopt *iopt, iopt_range_fn fn, void *arg,
		     u64 *alignment);

int iopt_add_pt(struct iopt *iopt, struct iob_pt *pt);
void iopt_remove_pt(struct iopt *iopt, struct iob_pt *pt);
int iopt_set_large_pages(struct iopt *iopt, bool enable);
bool iopt_large_pages(struct iopt *iopt);
bool iopt_is_empty(struct iopt *iopt);
unsigned long iopt_pgsize_bitmap(struct iopt *iopt);
unsigned long iopt_areas_left(struct iopt *iopt);

void iopt_free_tree(struct rb_root_cached *root);
unsigned long iopt_wanted_alignment(struct iopt *iopt);
int iopt_check_alignment(struct iopt *iopt, unsigned long align);
void iopt_notify_unmap(struct iopt *iopt, u64 first, u64 last);

struct iopt_access *iopt_add_access(struct iopt *iopt,
				    const struct iopt_access_ops *ops,
					void *data, unsigned long alignment);
void iopt_remove_access(struct iopt *iopt, struct iopt_access *acc);
int iopt_access_pin(struct iopt *iopt, u64 iova, u64 length,
		    struct page **out, bool write);
bool iopt_access_unpin(struct iopt *iopt, u64 iova, u64 length);
/* How iopt_access_rw() copies. */
#define IOPT_RW_WRITE	BIT(0)	/* into the IOVAs, else out of them */
#define IOPT_RW_KTHREAD	BIT(1)	/* a kthread may adopt the owner's mm */
#define IOPT_RW_SLOW	BIT(2)	/* always through pinned pages */

int iopt_access_rw(struct iopt *iopt, u64 iova, void *data, u64 length,
		   unsigned int flags);
int iopt_nth_area(struct iopt *iopt, unsigned int nth, u64 *iova);

#endif
