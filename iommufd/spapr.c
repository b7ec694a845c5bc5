// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO's sPAPR TCE v2 container on iobroker objects.
 *
 * A container is an object context of its own, with no file (netlink
 * reports it like one), holding one IOAS. The IOMMU calls of
 * VFIO_SPAPR_TCE_v2_IOMMU work on it with the rules vfio_iommu_spapr_tce
 * gives its users in Linux 6.12, in its order of checks:
 *
 *  - every call but VFIO_CHECK_EXTENSION comes from the process the
 *    container is bound to (the first to register memory or change a
 *    window), or fails with EPERM;
 *  - registered memory (VFIO_IOMMU_SPAPR_REGISTER_MEMORY) is pinned and
 *    charged to that process's locked_vm once, through an iopt_pages user
 *    of its own; maps share those pages, so nothing they map is pinned or
 *    charged again, and a region cannot be unregistered while mapped;
 *  - MAP_DMA is EPERM until some memory was registered, maps only
 *    registered memory, and replaces what was mapped there before;
 *  - UNMAP_DMA takes any run of IO pages of a window, mapped or not;
 *  - an IOVA outside every window is ENXIO;
 *  - the windows (VFIO_IOMMU_SPAPR_TCE_CREATE/REMOVE) are those of the
 *    one page table the IOAS maps into, which every group of the container
 *    translates through. The default window is made on first need unless
 *    removed before, as vfio_iommu_spapr_tce does.
 *
 * Mappings are IOAS areas over the registrations' pages, whose pin they
 * borrow. A map whose range is taken clears it, cutting what it replaces
 * at IO page boundaries (iopt_clear_io_pages()), and maps again; an unmap
 * is cut the same way. The differences from vfio_iommu_spapr_tce are in
 * docs/vfio.rst.
 *
 * Locking: the container's mutex serialises its calls, its groups coming
 * and going (the owner of the groups takes it through iob_spapr_lock())
 * and so the windows, the regions and the binding to a process.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "../iopt/itree.h"
#include "../iopt/pages.h"
#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/iommufd.h"
#include "ioas.h"
#include "object.h"
#include "spapr.h"

/* Registered regions one container may hold. */
#define IOB_SPAPR_MAX_REGIONS	BIT(16)

/* The IO page size of the default window, as vfio_iommu_spapr_tce makes it. */
#define IOB_SPAPR_DEFAULT_SHIFT	12

/**
 * struct iob_spapr_region - registered memory
 * @node: its user addresses, in &iob_spapr.regions
 * @pages: the memory; maps take references on it
 * @pin: the user of @pages that keeps all of it pinned while registered
 */
struct iob_spapr_region {
	struct iopt_itn node;
	struct iopt_pages *pages;
	struct iopt_itn pin;
};

/**
 * struct iob_spapr - a container
 * @ops: the platform side, from the owner of the groups
 * @drv: its argument
 * @own_ctx: @ctx was made for the container and goes with it; else it is
 *	a /dev/iommu file's, and the container holds @ioas long-term
 * @lock: serialises everything below
 * @mm: the process the container is bound to, grabbed; NULL before
 * @ctx: the context the container's objects live in
 * @ioas: its IOAS
 * @regions: registered memory by user address
 * @nregions: how many
 * @hint: the region the last map looked up to grow a mapping, or NULL;
 *	looked at first, as QEMU maps page after page of one region
 * @enabled: memory was registered once: maps are allowed from then on
 * @def_pending: the default window is to be made on first need
 * @ngroups: groups in the container
 * @win: the windows of @pt, by slot: [0] the default window, [1] the
 *	dynamic one; a size of 0 for none
 * @win_start: the bus address of each, as the platform placed it
 * @pt: the page table every group translates through, or NULL while
 *	there is no window
 */
struct iob_spapr {
	const struct iob_spapr_ops *ops;
	void *drv;
	bool own_ctx;
	struct mutex lock;	/* everything below */
	struct mm_struct *mm;
	struct iob_ctx *ctx;
	struct iob_ioas *ioas;
	struct rb_root_cached regions;
	unsigned long nregions;
	struct iob_spapr_region *hint;
	bool enabled;
	bool def_pending;
	unsigned int ngroups;
	struct iommu_hwpt_iob_tce win;
	u64 win_start[2];
	struct iob_pt *pt;
};

/**
 * iob_spapr_check_extension() - VFIO_CHECK_EXTENSION before a type is set
 * @type: the extension asked about
 *
 * Only the v2 type is served: VFIO falls back to another backend for
 * type1 and for sPAPR's version 1.
 *
 * Return: 1 for VFIO_SPAPR_TCE_v2_IOMMU, else 0.
 */
long iob_spapr_check_extension(unsigned long type)
{
	return type == VFIO_SPAPR_TCE_v2_IOMMU;
}

static struct iob_spapr *iob_spapr_alloc(const struct iob_spapr_ops *ops,
					 void *drv, struct iob_ctx *ctx,
					 struct iob_ioas *ioas)
{
	struct iob_spapr *sp;

	sp = kzalloc(sizeof(*sp), GFP_KERNEL_ACCOUNT);
	if (!sp)
		return NULL;
	sp->ops = ops;
	sp->drv = drv;
	sp->ctx = ctx;
	sp->ioas = ioas;
	mutex_init(&sp->lock);
	sp->regions = RB_ROOT_CACHED;
	return sp;
}

/**
 * iob_spapr_create() - a new, empty container with a context of its own
 * @ops: the platform side
 * @drv: passed to @ops
 *
 * Its pins are charged to the process, as VFIO charges them.
 *
 * Return: the container, or an ERR_PTR (-ENOMEM).
 */
struct iob_spapr *iob_spapr_create(const struct iob_spapr_ops *ops,
				   void *drv)
{
	struct iob_spapr *sp;
	struct iob_ctx *ctx;
	struct iob_ioas *ioas;

	ctx = iob_ctx_alloc();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->account_mode = IOB_ACCOUNT_MM;
	ioas = iob_ioas_create(ctx);
	if (IS_ERR(ioas)) {
		iob_ctx_destroy(ctx);
		return ERR_CAST(ioas);
	}
	sp = iob_spapr_alloc(ops, drv, ctx, ioas);
	if (!sp) {
		iob_ctx_destroy(ctx);
		return ERR_PTR(-ENOMEM);
	}
	sp->own_ctx = true;
	return sp;
}

/**
 * iob_spapr_create_on() - a new container on an IOAS of a /dev/iommu file
 * @ops: the platform side
 * @drv: passed to @ops
 * @ctx: the file's context
 * @ioas: an IOAS of @ctx, held short-term by the caller; the container holds it
 *	long-term from here on, so it cannot be destroyed before the
 *	container
 *
 * Pins are charged as the file's accounting mode says.
 *
 * Return: the container, or an ERR_PTR (-ENOMEM).
 */
struct iob_spapr *iob_spapr_create_on(const struct iob_spapr_ops *ops,
				      void *drv, struct iob_ctx *ctx,
				      struct iob_ioas *ioas)
{
	struct iob_spapr *sp;

	sp = iob_spapr_alloc(ops, drv, ctx, ioas);
	if (!sp)
		return ERR_PTR(-ENOMEM);
	iob_object_users_get(&ioas->obj);
	return sp;
}

static void iob_spapr_region_free(struct iob_spapr_region *r)
{
	iopt_pages_remove_user(r->pages, &r->pin);
	iopt_pages_put(r->pages);
	kfree(r);
}

/**
 * iob_spapr_destroy() - free a container with no group left
 * @sp: the container
 *
 * Its mappings, windows and registered memory go: no pin, charge or TCE
 * is left.
 */
void iob_spapr_destroy(struct iob_spapr *sp)
{
	struct iopt_itn *node;
	u64 unmapped;

	WARN_ON_ONCE(sp->ngroups);
	if (sp->pt) {
		iopt_remove_pt(&sp->ioas->iopt, sp->pt);
		sp->pt->ops->free(sp->pt);
	}
	/*
	 * Maps of registered memory borrow its pins, so they go first (on a
	 * file's IOAS, as the file goes, with whatever else it maps: no call
	 * runs and no access is left to refuse). Then registered memory goes,
	 * while the context, whose counters its pins are on, is still there.
	 * A container that never registered memory has no map to take out,
	 * and leaves a file's IOAS alone: it may be one that lost the race
	 * to be the file's container, on an IOAS in use meanwhile.
	 */
	if (sp->nregions)
		WARN_ON_ONCE(iopt_unmap(&sp->ioas->iopt, 0, U64_MAX,
					&unmapped));
	while ((node = iopt_itree_iter_first(&sp->regions, 0, ULONG_MAX))) {
		iopt_itree_remove(node, &sp->regions);
		iob_spapr_region_free(container_of(node,
						   struct iob_spapr_region,
						   node));
		cond_resched();
	}
	/*
	 * An IOAS of its own goes with its context, and its maps' page
	 * references; a file's IOAS is only let go of.
	 */
	if (sp->own_ctx)
		iob_ctx_destroy(sp->ctx);
	else
		iob_object_users_put(&sp->ioas->obj);
	if (sp->mm)
		mmdrop(sp->mm);
	mutex_destroy(&sp->lock);
	kfree(sp);
}

/**
 * iob_spapr_lock() - hold a container still, for its groups' owner
 * @sp: the container
 */
void iob_spapr_lock(struct iob_spapr *sp)
{
	mutex_lock(&sp->lock);
}

/**
 * iob_spapr_unlock() - let go of iob_spapr_lock()
 * @sp: the container
 */
void iob_spapr_unlock(struct iob_spapr *sp)
{
	mutex_unlock(&sp->lock);
}

/**
 * iob_spapr_pt() - the page table a group joining the container must use
 * @sp: the container, locked
 *
 * Return: the page table, or NULL while there is no window.
 */
struct iob_pt *iob_spapr_pt(struct iob_spapr *sp)
{
	lockdep_assert_held(&sp->lock);
	return sp->pt;
}

/**
 * iob_spapr_groups_changed() - a group joined or left
 * @sp: the container, locked
 * @ngroups: how many it has now
 *
 * The first group to join a container without a default window makes
 * that window pending, as in vfio_iommu_spapr_tce.
 */
void iob_spapr_groups_changed(struct iob_spapr *sp, unsigned int ngroups)
{
	lockdep_assert_held(&sp->lock);
	if (!sp->ngroups && ngroups && !sp->win.windows[0].size)
		sp->def_pending = true;
	sp->ngroups = ngroups;
}

/* --- windows ------------------------------------------------------------------ */

/* Bus address and IO page shift of window slot @slot, if it exists. */
static bool iob_spapr_slot(struct iob_spapr *sp, unsigned int slot,
			   u64 *start, u64 *size, unsigned int *shift)
{
	const struct iommu_iob_tce_window *w = &sp->win.windows[slot];

	if (!w->size)
		return false;
	*start = sp->win_start[slot];
	*size = w->size;
	*shift = w->page_shift;
	return true;
}

/* The window slot holding @iova, or -ENXIO. */
static int iob_spapr_find(struct iob_spapr *sp, u64 iova, u64 *start,
			  u64 *size, unsigned int *shift)
{
	unsigned int slot;

	for (slot = 0; slot < ARRAY_SIZE(sp->win.windows); slot++)
		if (iob_spapr_slot(sp, slot, start, size, shift) &&
		    iova >= *start && iova - *start < *size)
			return slot;
	return -ENXIO;
}

/*
 * Move every group to @pt, all or nothing: on error the groups moved go
 * back to the current page table, and one that cannot is left blocked.
 */
static int iob_spapr_move_groups(struct iob_spapr *sp, struct iob_pt *pt)
{
	const struct iob_spapr_ops *ops = sp->ops;
	void *g, *undo;
	int rc = 0;

	for (g = ops->group_next(sp->drv, NULL); g;
	     g = ops->group_next(sp->drv, g)) {
		rc = ops->group_set_pt(sp->drv, g, pt);
		if (rc)
			break;
	}
	if (!rc)
		return 0;
	for (undo = ops->group_next(sp->drv, NULL); undo != g;
	     undo = ops->group_next(sp->drv, undo))
		if (ops->group_set_pt(sp->drv, undo, sp->pt)) {
			pr_warn_ratelimited("a sPAPR container's group is blocked: its old windows could not be made again\n");
			WARN_ON_ONCE(ops->group_set_pt(sp->drv, undo, NULL));
		}
	return rc;
}

/*
 * Make the windows @req: a page table with them is filled from the IOAS,
 * every group moves to it, and the old one goes. All or nothing.
 */
static int iob_spapr_set_windows(struct iob_spapr *sp,
				 const struct iommu_hwpt_iob_tce *req)
{
	struct iopt *iopt = &sp->ioas->iopt;
	struct iob_pt *old = sp->pt, *pt = NULL;
	int rc;

	lockdep_assert_held(&sp->lock);
	if (req->windows[0].size || req->windows[1].size) {
		pt = sp->ops->pt_alloc(sp->drv, req);
		if (IS_ERR(pt))
			return PTR_ERR(pt);
		rc = iopt_add_pt(iopt, pt);
		if (rc) {
			pt->ops->free(pt);
			return rc;
		}
	}
	rc = iob_spapr_move_groups(sp, pt);
	if (rc) {
		if (pt) {
			iopt_remove_pt(iopt, pt);
			pt->ops->free(pt);
		}
		return rc;
	}
	if (old) {
		iopt_remove_pt(iopt, old);
		old->ops->free(old);
	}
	sp->pt = pt;
	sp->win = *req;
	return 0;
}

/*
 * Make a window in the first free slot that can take it: the default slot
 * for a request of the default window's shape, else the dynamic one.
 */
static int iob_spapr_create_window(struct iob_spapr *sp,
				   const struct iob_spapr_caps *caps,
				   u32 page_shift, u64 size, u32 levels,
				   u64 *start)
{
	struct iommu_hwpt_iob_tce req = sp->win;
	unsigned int slot;
	int rc;

	if (!req.windows[0].size && page_shift == IOB_SPAPR_DEFAULT_SHIFT &&
	    size <= caps->dma32_size)
		slot = 0;
	else if (!req.windows[1].size)
		slot = 1;
	else
		return -ENOSPC;
	if (page_shift >= BITS_PER_LONG || !(caps->pgsizes & BIT(page_shift)))
		return -EINVAL;
	req.windows[slot] = (struct iommu_iob_tce_window) {
		.page_shift = page_shift,
		.levels = levels,
		.size = size,
	};
	rc = iob_spapr_set_windows(sp, &req);
	if (rc)
		return rc;
	*start = slot ? caps->ddw_start : caps->dma32_start;
	sp->win_start[slot] = *start;
	return 0;
}

/* Make the default window that the first group's arrival promised. */
static noinline int iob_spapr_make_default_window(struct iob_spapr *sp)
{
	struct iob_spapr_caps caps;
	u64 start;
	int rc;

	if (!sp->ngroups)
		return -ENODEV;
	rc = sp->ops->caps(sp->drv, &caps);
	if (rc)
		return rc;
	rc = iob_spapr_create_window(sp, &caps, IOB_SPAPR_DEFAULT_SHIFT,
				     rounddown_pow_of_two(caps.dma32_size), 1,
				     &start);
	if (!rc)
		sp->def_pending = false;
	return rc;
}

/* The default window, if it is still to be made: a test per call. */
static inline int iob_spapr_default_window(struct iob_spapr *sp)
{
	lockdep_assert_held(&sp->lock);
	return sp->def_pending ? iob_spapr_make_default_window(sp) : 0;
}

/* Bind the container to the calling process, as its first binding call. */
static int iob_spapr_bind_mm(struct iob_spapr *sp)
{
	if (sp->mm)
		return sp->mm == current->mm ? 0 : -EPERM;
	if (!current->mm)
		return -ESRCH;
	sp->mm = current->mm;
	mmgrab(sp->mm);
	return 0;
}

/* Copy in the first @minsz bytes of an argsz-first structure. */
static __always_inline int iob_spapr_copy_in(void *cmd, unsigned long arg,
					     size_t minsz)
{
	u32 argsz;

	if (copy_from_user(cmd, (void __user *)arg, minsz))
		return -EFAULT;
	memcpy(&argsz, cmd, sizeof(argsz));
	return argsz < minsz ? -EINVAL : 0;
}

/* --- the calls ---------------------------------------------------------------- */

static long iob_spapr_get_info(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_spapr_tce_info info;
	size_t minsz = offsetofend(typeof(info), dma32_window_size);
	size_t ddwsz = offsetofend(typeof(info), ddw);
	struct iob_spapr_caps caps;
	int rc;

	if (!sp->ngroups || sp->ops->caps(sp->drv, &caps))
		return -ENXIO;
	rc = iob_spapr_copy_in(&info, arg, minsz);
	if (rc)
		return rc;
	info.dma32_window_start = caps.dma32_start;
	info.dma32_window_size = caps.dma32_size;
	info.flags = 0;
	memset(&info.ddw, 0, sizeof(info.ddw));
	if (caps.max_dynamic_windows) {
		info.flags |= VFIO_IOMMU_SPAPR_INFO_DDW;
		info.ddw.pgsizes = caps.pgsizes;
		info.ddw.max_dynamic_windows_supported =
			caps.max_dynamic_windows;
		info.ddw.levels = caps.max_levels;
	}
	if (info.argsz >= ddwsz)
		minsz = ddwsz;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * The window of [iova, iova + size), for a map or an unmap: ENXIO outside
 * every window, EINVAL for a range not on its IO pages or past its end.
 */
static int iob_spapr_range(struct iob_spapr *sp, u64 iova, u64 size,
			   u64 vaddr, unsigned int *shift)
{
	u64 start, wsize, mask;
	int rc;

	rc = iob_spapr_find(sp, iova, &start, &wsize, shift);
	if (rc < 0)
		return rc;
	mask = BIT_ULL(*shift) - 1;
	if ((size | vaddr | iova) & mask)
		return -EINVAL;
	if (size > wsize - (iova - start))
		return -EINVAL;
	return 0;
}

/* Cut the mappings at both ends of [iova, last] and unmap what is inside. */
static int iob_spapr_clear(struct iob_spapr *sp, u64 iova, u64 last)
{
	return iopt_clear_io_pages(&sp->ioas->iopt, iova, last);
}

/*
 * The registered memory behind [vaddr, vaddr + size), as back to back
 * areas of @m: EINVAL where some of it is not registered.
 */
static int iob_spapr_collect(struct iob_spapr *sp, struct iopt_mapping *m,
			     u64 vaddr, u64 size)
{
	u64 last = vaddr + size - 1, pos = vaddr, to;
	struct iob_spapr_region *r;
	struct iopt_itn *node;
	int rc;

	iopt_mapping_start(m);
	for (node = iopt_itree_iter_first(&sp->regions, vaddr, last); node;
	     node = iopt_itree_iter_next(node, vaddr, last)) {
		if (node->start > pos)
			break;
		r = container_of(node, struct iob_spapr_region, node);
		to = min(last, node->last);
		rc = iopt_mapping_pages(m, r->pages,
					pos - r->pages->uaddr, to - pos + 1);
		if (rc) {
			iopt_mapping_release(m);
			return rc;
		}
		if (to == last)
			return 0;
		pos = to + 1;
		cond_resched();
	}
	iopt_mapping_release(m);
	return -EINVAL;
}

/*
 * Map by growing the mapping that ends at @iova - 1, where it maps the
 * memory just before @vaddr in the registration that holds all of @vaddr
 * to @vaddr + @size - 1 (iopt_extend_io_pages()): QEMU maps one IO page
 * per call, in order. What is mapped in the way is replaced. -ENOENT
 * where no mapping can grow so.
 */
static int iob_spapr_extend(struct iob_spapr *sp, u64 vaddr, u64 iova,
			    u64 size, int prot)
{
	struct iopt *iopt = &sp->ioas->iopt;
	struct iob_spapr_region *r = sp->hint;
	u64 last = vaddr + size - 1;
	struct iopt_itn *node;
	int rc;

	if (!r || r->node.start > vaddr || r->node.last < last) {
		node = iopt_itree_iter_first(&sp->regions, vaddr, last);
		if (!node || node->start > vaddr || node->last < last)
			return -ENOENT;
		r = container_of(node, struct iob_spapr_region, node);
		sp->hint = r;
	}
	rc = iopt_extend_io_pages(iopt, r->pages, vaddr - r->pages->uaddr, iova,
				  size, prot);
	if (rc == -EEXIST) {
		rc = iob_spapr_clear(sp, iova, iova + size - 1);
		if (!rc)
			rc = iopt_extend_io_pages(iopt, r->pages,
						  vaddr - r->pages->uaddr,
						  iova, size, prot);
	}
	return rc;
}

static long iob_spapr_map(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_type1_dma_map map;
	struct iopt_mapping m;
	unsigned int shift;
	int prot = 0, rc;
	u64 iova;

	if (!sp->enabled)
		return -EPERM;
	rc = iob_spapr_copy_in(&map, arg, offsetofend(typeof(map), size));
	if (rc)
		return rc;
	if (map.flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		return -EINVAL;
	rc = iob_spapr_default_window(sp);
	if (rc)
		return rc;
	rc = iob_spapr_range(sp, map.iova, map.size, map.vaddr, &shift);
	if (rc)
		return rc;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOB_PT_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOB_PT_WRITE;
	if (!prot)
		return -EINVAL;
	if (!map.size)
		return 0;
	if (map.vaddr > ULONG_MAX - map.size + 1)
		return -EINVAL;
	rc = iob_spapr_extend(sp, map.vaddr, map.iova, map.size, prot);
	if (rc != -ENOENT)
		return rc;
	rc = iob_spapr_collect(sp, &m, map.vaddr, map.size);
	if (rc)
		return rc;
	iova = map.iova;
	rc = iopt_map(&sp->ioas->iopt, &m, &iova, prot, true, NULL, NULL);
	/*
	 * What is mapped there already is replaced: cleared, then the map
	 * again. A map that failed later than its check has no areas left.
	 */
	if (rc == -EEXIST && m.count) {
		rc = iob_spapr_clear(sp, map.iova, map.iova + map.size - 1);
		if (!rc)
			rc = iopt_map(&sp->ioas->iopt, &m, &iova, prot, true,
				      NULL, NULL);
	}
	iopt_mapping_release(&m);
	return rc;
}

static long iob_spapr_unmap(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned int shift;
	int rc;

	if (!sp->enabled)
		return -EPERM;
	rc = iob_spapr_copy_in(&unmap, arg,
			       offsetofend(typeof(unmap), size));
	if (rc)
		return rc;
	if (unmap.flags)
		return -EINVAL;
	rc = iob_spapr_default_window(sp);
	if (rc)
		return rc;
	rc = iob_spapr_range(sp, unmap.iova, unmap.size, 0, &shift);
	if (rc)
		return rc;
	if (!unmap.size)
		return 0;
	return iob_spapr_clear(sp, unmap.iova, unmap.iova + unmap.size - 1);
}

static long iob_spapr_register(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_spapr_register_memory reg;
	struct iob_spapr_region *r;
	struct iopt_pages *pages;
	struct iopt_itn *node;
	u64 last;
	int rc;

	rc = iob_spapr_bind_mm(sp);
	if (rc)
		return rc;
	rc = iob_spapr_copy_in(&reg, arg, offsetofend(typeof(reg), size));
	if (rc)
		return rc;
	if (reg.flags)
		return -EINVAL;
	/* As VFIO: an end that wraps, even to 0, is EINVAL. */
	if ((reg.vaddr | reg.size) & ~PAGE_MASK || !reg.size ||
	    check_add_overflow(reg.vaddr, reg.size, &last) ||
	    last > ULONG_MAX)
		return -EINVAL;
	last--;
	node = iopt_itree_iter_first(&sp->regions, reg.vaddr, last);
	if (node)
		return node->start == reg.vaddr && node->last == last ?
		       -EBUSY : -EINVAL;
	if (sp->nregions >= IOB_SPAPR_MAX_REGIONS)
		return -ENOSPC;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	pages = iopt_pages_create(reg.vaddr, reg.size, true,
				  READ_ONCE(sp->ctx->account_mode) ==
				  IOB_ACCOUNT_MM, NULL);
	if (IS_ERR(pages)) {
		kfree(r);
		return PTR_ERR(pages);
	}
	pages->usage = &sp->ctx->usage;
	rc = iopt_pages_hold_whole(pages, &r->pin);
	if (rc) {
		iopt_pages_put(pages);
		kfree(r);
		return rc;
	}
	r->pages = pages;
	r->node.start = reg.vaddr;
	r->node.last = last;
	iopt_itree_insert(&r->node, &sp->regions);
	sp->nregions++;
	sp->enabled = true;
	return 0;
}

static long iob_spapr_unregister(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_spapr_register_memory reg;
	struct iob_spapr_region *r;
	struct iopt_itn *node;
	u64 last;
	int rc;

	if (!sp->mm)
		return -EPERM;
	rc = iob_spapr_copy_in(&reg, arg, offsetofend(typeof(reg), size));
	if (rc)
		return rc;
	if (reg.flags)
		return -EINVAL;
	if ((reg.vaddr | reg.size) & ~PAGE_MASK)
		return -EINVAL;
	if (!reg.size || check_add_overflow(reg.vaddr, reg.size - 1, &last))
		return -ENOENT;
	node = iopt_itree_iter_first(&sp->regions, reg.vaddr, last);
	if (!node || node->start != reg.vaddr || node->last != last)
		return -ENOENT;
	r = container_of(node, struct iob_spapr_region, node);
	/* Every area mapping it holds a reference. */
	if (kref_read(&r->pages->kref) > 1)
		return -EBUSY;
	iopt_itree_remove(&r->node, &sp->regions);
	sp->nregions--;
	if (sp->hint == r)
		sp->hint = NULL;
	iob_spapr_region_free(r);
	return 0;
}

static long iob_spapr_tce_create(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_spapr_tce_create create;
	size_t minsz = offsetofend(typeof(create), start_addr);
	struct iob_spapr_caps caps;
	int rc;

	rc = iob_spapr_bind_mm(sp);
	if (rc)
		return rc;
	if (!sp->ngroups)
		return -ENXIO;
	rc = iob_spapr_copy_in(&create, arg, minsz);
	if (rc)
		return rc;
	if (create.flags)
		return -EINVAL;
	rc = iob_spapr_default_window(sp);
	if (rc)
		return rc;
	rc = sp->ops->caps(sp->drv, &caps);
	if (rc)
		return rc;
	rc = iob_spapr_create_window(sp, &caps, create.page_shift,
				     create.window_size, create.levels,
				     &create.start_addr);
	if (rc)
		return rc;
	return copy_to_user((void __user *)arg, &create, minsz) ? -EFAULT : 0;
}

static long iob_spapr_tce_remove(struct iob_spapr *sp, unsigned long arg)
{
	struct vfio_iommu_spapr_tce_remove remove;
	struct iommu_hwpt_iob_tce req;
	unsigned int shift;
	u64 start, size;
	int slot, rc;

	rc = iob_spapr_bind_mm(sp);
	if (rc)
		return rc;
	if (!sp->ngroups)
		return -ENXIO;
	rc = iob_spapr_copy_in(&remove, arg,
			       offsetofend(typeof(remove), start_addr));
	if (rc)
		return rc;
	if (remove.flags)
		return -EINVAL;
	if (sp->def_pending && !remove.start_addr) {
		sp->def_pending = false;
		return 0;
	}
	slot = iob_spapr_find(sp, remove.start_addr, &start, &size, &shift);
	if (slot < 0)
		return -EINVAL;
	/* Its mappings go first: nothing else may hold its IOVAs. */
	rc = iob_spapr_clear(sp, start, start + size - 1);
	if (rc)
		return rc;
	req = sp->win;
	req.windows[slot] = (struct iommu_iob_tce_window) {};
	return iob_spapr_set_windows(sp, &req);
}

/**
 * iob_spapr_ioctl() - a container call VFIO passes on
 * @sp: the container
 * @cmd: the ioctl
 * @arg: its argument, a user pointer for all but value ioctls
 *
 * Return: 0 or what the call answers, or a negative errno as
 * vfio_iommu_spapr_tce gives it; -ENOTTY for calls of other types.
 */
long iob_spapr_ioctl(struct iob_spapr *sp, unsigned int cmd,
		     unsigned long arg)
{
	long rc;

	mutex_lock(&sp->lock);
	if (sp->mm && sp->mm != current->mm) {
		rc = -EPERM;
		goto out_unlock;
	}
	switch (cmd) {
	case VFIO_IOMMU_SPAPR_TCE_GET_INFO:
		rc = iob_spapr_get_info(sp, arg);
		break;
	case VFIO_IOMMU_MAP_DMA:
		rc = iob_spapr_map(sp, arg);
		break;
	case VFIO_IOMMU_UNMAP_DMA:
		rc = iob_spapr_unmap(sp, arg);
		break;
	case VFIO_IOMMU_SPAPR_REGISTER_MEMORY:
		rc = iob_spapr_register(sp, arg);
		break;
	case VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY:
		rc = iob_spapr_unregister(sp, arg);
		break;
	case VFIO_EEH_PE_OP:
		rc = sp->ops->eeh(sp->drv, arg);
		break;
	case VFIO_IOMMU_SPAPR_TCE_CREATE:
		rc = iob_spapr_tce_create(sp, arg);
		break;
	case VFIO_IOMMU_SPAPR_TCE_REMOVE:
		rc = iob_spapr_tce_remove(sp, arg);
		break;
	default:
		/* ENABLE and DISABLE are version 1 only. */
		rc = -ENOTTY;
	}
out_unlock:
	mutex_unlock(&sp->lock);
	return rc;
}
