// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO's container API on /dev/iommu, as Linux 6.12's iommufd answers it.
 *
 * A program written for a VFIO container (QEMU, DPDK, SPDK) opens
 * /dev/iommu instead of /dev/vfio/vfio, chooses an IOAS for the container
 * calls with IOMMU_VFIO_IOAS, and then speaks VFIO: API version,
 * extensions, VFIO_SET_IOMMU, and the IOMMU ioctls of the type it chose,
 * which all work on that IOAS. The numbers of those ioctls are shared by
 * every VFIO IOMMU type while their structures are not (type1's GET_INFO
 * is not sPAPR's), so the IOMMU ioctls are decoded through the ops of the
 * type in use; a file that has not chosen one yet is decoded as type1v2,
 * as Linux does. The checks of every call come in Linux 6.12's order.
 *
 * Type1 (version 1) differs from type1v2 in one thing: an unmap may take
 * part of what one map made. As in Linux, choosing it turns large pages
 * off on the IOAS, and an unmap on an IOAS with large pages off first cuts
 * the mappings at both ends of its range, whichever type asked for it.
 *
 * VFIO_SPAPR_TCE_v2_IOMMU, which Linux's iommufd does not offer, makes the
 * IOAS a container of the core's sPAPR kind (iommufd/spapr.c), the one
 * VFIO's own containers get from devices/vfio.c: registered memory, DMA
 * windows, and maps and unmaps with vfio_iommu_spapr_tce's rules. Its
 * groups are the file's devices: one joins the container by attaching to
 * its IOAS, and leaves by detaching or unbinding.
 */
#include <linux/align.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/iommufd.h"
#include "device.h"
#include "ioas.h"
#include "ioctl.h"
#include "object.h"
#include "spapr.h"
#include "vfio_compat.h"

/* The IOAS of the container calls, held short-term; -ENODEV if none. */
static struct iob_ioas *iob_vfio_ioas_get(struct iob_ctx *ctx)
{
	struct iob_object *obj;

	/* The pointer is cleared under xa_lock as its object goes. */
	xa_lock(&ctx->objects);
	obj = ctx->vfio_ioas;
	if (obj && !down_read_trylock(&obj->destroy_rwsem))
		obj = NULL;
	xa_unlock(&ctx->objects);
	if (!obj)
		return ERR_PTR(-ENODEV);
	return container_of(obj, struct iob_ioas, obj);
}

/* IOMMU_VFIO_IOAS */
int iob_vfio_ioas_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iob_ctx *ctx = ucmd->ctx;
	struct iob_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = iob_vfio_ioas_get(ctx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		cmd->ioas_id = ioas->obj.id;
		iob_ioas_put(ioas);
		return iob_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iob_ioas_get(ctx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		/* Held short-term: it cannot leave the xarray meanwhile. */
		xa_lock(&ctx->objects);
		ctx->vfio_ioas = &ioas->obj;
		xa_unlock(&ctx->objects);
		iob_ioas_put(ioas);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		xa_lock(&ctx->objects);
		ctx->vfio_ioas = NULL;
		xa_unlock(&ctx->objects);
		return 0;
	}
	return -EOPNOTSUPP;
}

/* --- type1v2 ---------------------------------------------------------- */

/*
 * IO page sizes a container user may rely on: those all page tables have
 * in common, with every size below PAGE_SIZE folded into PAGE_SIZE (a CPU
 * page is the least anyone can map), and never below the IOAS's alignment.
 */
static u64 iob_vfio_pgsizes(struct iopt *iopt, u64 alignment)
{
	unsigned long sizes = iopt_pgsize_bitmap(iopt);

	if (sizes & (PAGE_SIZE - 1)) {
		sizes &= PAGE_MASK;
		sizes |= PAGE_SIZE;
	}
	return max_t(u64, sizes, alignment);
}

/* Where the IOVA range capability's entries go, one at a time. */
struct iob_vfio_ranges {
	struct vfio_iova_range __user *out;
	size_t room;		/* bytes of the caller's buffer for the cap */
	u32 count;
};

static int iob_vfio_range_out(void *arg, u64 start, u64 last)
{
	struct iob_vfio_ranges *r = arg;
	struct vfio_iova_range range = { .start = start, .end = last };
	size_t end = sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
		     (r->count + 1) * sizeof(range);

	/* Entries that do not fit are counted all the same. */
	if (r->room >= end &&
	    copy_to_user(&r->out[r->count], &range, sizeof(range)))
		return -EFAULT;
	r->count++;
	return 0;
}

/*
 * Write the capability chain after the info struct: how many more
 * mappings the IOAS takes, then its usable IOVA ranges. Each capability,
 * each range entry and each link is written only where the caller's
 * @argsz has room for all of it; nothing goes past @argsz. The size the
 * whole chain needs is returned in *@total, and *@alignment is the
 * IOAS's IOVA alignment.
 */
static int iob_vfio_write_caps(struct iob_ioas *ioas, void __user *base,
			       u32 argsz, u32 *total, u64 *alignment)
{
	struct vfio_iommu_type1_info_dma_avail avail = {
		.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
		.header.version = 1,
		.avail = min_t(unsigned long, iopt_areas_left(&ioas->iopt),
			       U32_MAX),
	};
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
		.header.version = 1,
	};
	u32 at_avail = sizeof(struct vfio_iommu_type1_info);
	u32 at_ranges = at_avail + ALIGN(sizeof(avail), sizeof(u64));
	struct iob_vfio_ranges r = {
		.out = base + at_ranges + sizeof(cap),
		.room = argsz > at_ranges ? argsz - at_ranges : 0,
	};
	int rc;

	if (argsz >= at_avail + sizeof(avail) &&
	    copy_to_user(base + at_avail, &avail, sizeof(avail)))
		return -EFAULT;
	/* The link from the first capability, once the second starts. */
	if (argsz >= at_ranges &&
	    put_user(at_ranges, (u32 __user *)(base + at_avail +
				offsetof(struct vfio_info_cap_header, next))))
		return -EFAULT;

	rc = iopt_walk_ranges(&ioas->iopt, iob_vfio_range_out, &r, alignment);
	if (rc)
		return rc;
	cap.nr_iovas = r.count;
	if (r.room >= sizeof(cap) &&
	    copy_to_user(base + at_ranges, &cap, sizeof(cap)))
		return -EFAULT;
	*total = at_ranges + sizeof(cap) + r.count * sizeof(struct vfio_iova_range);
	return 0;
}

static long iob_vfio_type1_get_info(struct iob_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info info = {};
	struct iob_ioas *ioas;
	u64 alignment;
	size_t reply;
	u32 total;
	int rc;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	reply = min_t(size_t, info.argsz, sizeof(info));

	ioas = iob_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iob_vfio_write_caps(ioas, arg, info.argsz, &total, &alignment);
	if (!rc)
		info.iova_pgsizes = iob_vfio_pgsizes(&ioas->iopt, alignment);
	iob_ioas_put(ioas);
	if (rc)
		return rc;

	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.cap_offset = info.argsz >= total ? sizeof(info) : 0;
	/* How much the caller needs for everything. */
	info.argsz = total;
	return copy_to_user(arg, &info, reply) ? -EFAULT : 0;
}

static long iob_vfio_type1_map_dma(struct iob_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	u32 known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_iommu_type1_dma_map map;
	struct iopt_mapping m;
	struct iob_ioas *ioas;
	bool account_mm;
	int prot = 0;
	u64 iova;
	int rc;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || map.flags & ~known)
		return -EINVAL;
	ioas = iob_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOB_PT_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOB_PT_WRITE;
	/* A mapping no device may use: refused, as VFIO's type1 does. */
	rc = -EINVAL;
	if (!prot)
		goto out_put;
	account_mm = READ_ONCE(ctx->account_mode) == IOB_ACCOUNT_MM;
	rc = iopt_mapping_user(&m, &ioas->iopt, map.vaddr, map.size,
			       prot & IOB_PT_WRITE, account_mm);
	if (!rc) {
		iova = map.iova;
		rc = iopt_map(&ioas->iopt, &m, &iova, prot, true, NULL, NULL);
		iopt_mapping_release(&m);
	}
out_put:
	iob_ioas_put(ioas);
	return rc;
}

static long iob_vfio_type1_unmap_dma(struct iob_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	u64 last, unmapped = 0;
	struct iob_ioas *ioas;
	int rc;

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	/* Dirty bitmaps and new user addresses are not offered. */
	if (unmap.argsz < minsz || unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;
	ioas = iob_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		rc = -EINVAL;
		if (unmap.iova || unmap.size)
			goto out_put;
		rc = iopt_unmap(&ioas->iopt, 0, U64_MAX, &unmapped);
	} else if (!unmap.size) {
		rc = -EINVAL;
	} else if (check_add_overflow(unmap.iova, unmap.size - 1, &last)) {
		rc = -EOVERFLOW;
	} else {
		rc = 0;
		/*
		 * Large pages off: the mappings may be cut, type1 style. A
		 * range from IOVA 0 has no mapping before it to cut off.
		 */
		if (!iopt_large_pages(&ioas->iopt)) {
			rc = iopt_cut(&ioas->iopt, last);
			if (!rc && unmap.iova)
				rc = iopt_cut(&ioas->iopt, unmap.iova - 1);
		}
		/* Unlike IOMMU_IOAS_UNMAP, a range with nothing in it is fine. */
		if (!rc)
			rc = iopt_unmap(&ioas->iopt, unmap.iova, last,
					&unmapped);
	}
	/* The caller learns what went, whatever else happened. */
	unmap.size = unmapped;
	if (copy_to_user(arg, &unmap, minsz))
		rc = -EFAULT;
out_put:
	iob_ioas_put(ioas);
	return rc;
}

/**
 * struct iob_vfio_iommu - how VFIO's IOMMU ioctls read for one IOMMU type
 * @get_info: VFIO_IOMMU_GET_INFO
 * @map_dma: VFIO_IOMMU_MAP_DMA
 * @unmap_dma: VFIO_IOMMU_UNMAP_DMA
 */
struct iob_vfio_iommu {
	long (*get_info)(struct iob_ctx *ctx, void __user *arg);
	long (*map_dma)(struct iob_ctx *ctx, void __user *arg);
	long (*unmap_dma)(struct iob_ctx *ctx, void __user *arg);
};

/*
 * Both type1 versions: their structures are the same, and what differs
 * (cutting mappings) follows the IOAS's large pages setting.
 */
static const struct iob_vfio_iommu iob_vfio_type1 = {
	.get_info = iob_vfio_type1_get_info,
	.map_dma = iob_vfio_type1_map_dma,
	.unmap_dma = iob_vfio_type1_unmap_dma,
};

/* The decoder of the type the file chose; type1's before any choice. */
static const struct iob_vfio_iommu *iob_vfio_iommu_of(struct iob_ctx *ctx)
{
	switch (READ_ONCE(ctx->vfio_type)) {
	case 0:
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
		return &iob_vfio_type1;
	}
	return NULL;
}

/* --- sPAPR TCE v2 ----------------------------------------------------- */

/**
 * struct iob_vfio_spapr - the sPAPR TCE v2 container of a /dev/iommu file
 * @sp: the core's container, on the IOAS VFIO_SET_IOMMU found
 * @ioas_id: that IOAS's ID: a device attaching to it joins the container
 * @devs: the devices in it (&iob_device.container_item), under the
 *	container's lock (iob_spapr_lock())
 * @ndevs: how many
 *
 * Lock order: a device's lock, then the container's.
 */
struct iob_vfio_spapr {
	struct iob_spapr *sp;
	u32 ioas_id;
	struct list_head devs;
	unsigned int ndevs;
};

static struct iob_device *iob_vfio_spapr_first(struct iob_vfio_spapr *c)
{
	return list_first_entry_or_null(&c->devs, struct iob_device,
					container_item);
}

/* What the device's IOMMU reports; EINVAL if it is not a TCE IOMMU. */
static int iob_vfio_tce_info(struct iob_device *idev,
			     struct iommu_hw_info_iob_tce *info)
{
	u32 type = IOMMU_HW_INFO_TYPE_NONE;
	u8 pasid_log2 = 0;
	int rc;

	if (!idev->ops->hw_info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	rc = idev->ops->hw_info(idev, info, sizeof(*info), &type, &pasid_log2);
	if (rc < 0)
		return rc;
	return type == IOMMU_HW_INFO_TYPE_IOB_TCE ? 0 : -EINVAL;
}

static int iob_vfio_spapr_caps(void *drv, struct iob_spapr_caps *caps)
{
	struct iob_device *idev = iob_vfio_spapr_first(drv);
	struct iommu_hw_info_iob_tce info;

	if (!idev || iob_vfio_tce_info(idev, &info))
		return -ENXIO;
	*caps = (struct iob_spapr_caps) {
		.dma32_start = info.dma32_start,
		.dma32_size = info.dma32_size,
		.ddw_start = info.ddw_start,
		.pgsizes = info.pgsizes,
		.max_dynamic_windows = info.flags & IOMMU_HW_INFO_IOB_TCE_DDW ?
				       info.max_windows : 0,
		.max_levels = info.max_levels,
	};
	return 0;
}

static struct iob_pt *iob_vfio_spapr_pt_alloc(void *drv,
					      const struct iommu_hwpt_iob_tce *req)
{
	struct iob_device *idev = iob_vfio_spapr_first(drv);

	if (!idev)
		return ERR_PTR(-ENXIO);
	return idev->ops->pt_alloc(idev, IOMMU_HWPT_DATA_IOB_TCE, req,
				   sizeof(*req));
}

static void *iob_vfio_spapr_next(void *drv, void *group)
{
	struct iob_vfio_spapr *c = drv;
	struct iob_device *idev = group;

	if (!idev)
		return iob_vfio_spapr_first(c);
	return list_is_last(&idev->container_item, &c->devs) ? NULL :
		list_next_entry(idev, container_item);
}

static int iob_vfio_spapr_set_pt(void *drv, void *group, struct iob_pt *pt)
{
	struct iob_device *idev = group;

	return idev->ops->set_pt(idev, pt);
}

/* The devices of /dev/iommu have no EEH PE operations here. */
static long iob_vfio_spapr_eeh(void *drv, unsigned long arg)
{
	return -ENODEV;
}

static const struct iob_spapr_ops iob_vfio_spapr_ops = {
	.caps = iob_vfio_spapr_caps,
	.pt_alloc = iob_vfio_spapr_pt_alloc,
	.group_next = iob_vfio_spapr_next,
	.group_set_pt = iob_vfio_spapr_set_pt,
	.eeh = iob_vfio_spapr_eeh,
};

/* The container, if VFIO_SET_IOMMU made one; stable until release. */
static struct iob_vfio_spapr *iob_vfio_spapr_of(struct iob_ctx *ctx)
{
	/* Pairs with the cmpxchg() that published it. */
	return smp_load_acquire(&ctx->vfio_spapr);
}

/* VFIO_SET_IOMMU(VFIO_SPAPR_TCE_v2_IOMMU) on the IOAS of the calls. */
static long iob_vfio_spapr_set(struct iob_ctx *ctx)
{
	struct iob_vfio_spapr *c;
	struct iob_ioas *ioas;
	long rc;

	/* One type for the life of a container, as in VFIO. */
	if (iob_vfio_spapr_of(ctx))
		return -EINVAL;
	ioas = iob_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* The container's rules hold only for what it made itself. */
	rc = -EBUSY;
	if (!iopt_is_empty(&ioas->iopt))
		goto out_put;
	rc = -ENOMEM;
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		goto out_put;
	INIT_LIST_HEAD(&c->devs);
	c->ioas_id = ioas->obj.id;
	c->sp = iob_spapr_create_on(&iob_vfio_spapr_ops, c, ctx, ioas);
	if (IS_ERR(c->sp)) {
		rc = PTR_ERR(c->sp);
		kfree(c);
		goto out_put;
	}
	rc = 0;
	if (cmpxchg_release(&ctx->vfio_spapr, NULL, c)) {
		iob_spapr_destroy(c->sp);
		kfree(c);
		rc = -EINVAL;
	} else {
		WRITE_ONCE(ctx->vfio_type, VFIO_SPAPR_TCE_v2_IOMMU);
	}
out_put:
	iob_ioas_put(ioas);
	return rc;
}

/**
 * iob_vfio_container_of() - the file's sPAPR container, if @id is its IOAS
 * @ctx: the file's context
 * @id: an object ID a device is to attach to
 *
 * Return: the container, valid while the file is; NULL if @id is not the
 * IOAS of one.
 */
struct iob_vfio_spapr *iob_vfio_container_of(struct iob_ctx *ctx, u32 id)
{
	struct iob_vfio_spapr *c = iob_vfio_spapr_of(ctx);

	return c && c->ioas_id == id ? c : NULL;
}

/**
 * iob_vfio_container_id() - the ID a device in a container reports
 * @c: the container
 *
 * Return: the ID of its IOAS.
 */
u32 iob_vfio_container_id(struct iob_vfio_spapr *c)
{
	return c->ioas_id;
}

/**
 * iob_vfio_join() - a device joins a container, as a group joins VFIO's
 * @c: the container
 * @idev: the device, locked, in no container; detached, or attached to a
 *	HWPT it is being replaced from (the caller lets go of that HWPT)
 *
 * The device must have a TCE IOMMU with dynamic windows (EINVAL) of the
 * same driver as the devices in already (EPERM); it then translates
 * through the container's page table, or has its DMA blocked while there
 * is no window.
 *
 * Return: 0 or a negative errno, with nothing changed.
 */
int iob_vfio_join(struct iob_vfio_spapr *c, struct iob_device *idev)
{
	struct iommu_hw_info_iob_tce info;
	struct iob_device *first;
	struct iob_pt *pt;
	int rc;

	lockdep_assert_held(&idev->lock);
	iob_spapr_lock(c->sp);
	rc = iob_vfio_tce_info(idev, &info);
	if (rc)
		goto out_unlock;
	rc = -EINVAL;
	if (!(info.flags & IOMMU_HW_INFO_IOB_TCE_DDW))
		goto out_unlock;
	first = iob_vfio_spapr_first(c);
	rc = -EPERM;
	if (first && first->ops != idev->ops)
		goto out_unlock;
	pt = iob_spapr_pt(c->sp);
	rc = idev->ops->set_pt(idev, pt);
	if (rc)
		goto out_unlock;
	list_add_tail(&idev->container_item, &c->devs);
	iob_spapr_groups_changed(c->sp, ++c->ndevs);
	idev->container = c;
out_unlock:
	iob_spapr_unlock(c->sp);
	return rc;
}

/**
 * iob_vfio_lock() - keep a container's devices where they are
 * @c: the container
 *
 * Taken after the lock of a device; nothing else may be held.
 */
void iob_vfio_lock(struct iob_vfio_spapr *c)
{
	iob_spapr_lock(c->sp);
}

/**
 * iob_vfio_unlock() - let go of iob_vfio_lock()
 * @c: the container
 */
void iob_vfio_unlock(struct iob_vfio_spapr *c)
{
	iob_spapr_unlock(c->sp);
}

/**
 * iob_vfio_leave_locked() - take a device out of its container's list
 * @idev: the device, locked, in a container also locked, and moved to
 *	another page table already
 */
void iob_vfio_leave_locked(struct iob_device *idev)
{
	struct iob_vfio_spapr *c = idev->container;

	lockdep_assert_held(&idev->lock);
	list_del(&idev->container_item);
	iob_spapr_groups_changed(c->sp, --c->ndevs);
	idev->container = NULL;
}

/**
 * iob_vfio_leave() - a device leaves its container, its DMA blocked
 * @idev: the device, locked, in a container
 */
void iob_vfio_leave(struct iob_device *idev)
{
	struct iob_vfio_spapr *c = idev->container;

	lockdep_assert_held(&idev->lock);
	iob_vfio_lock(c);
	/* Blocking cannot fail. */
	WARN_ON_ONCE(idev->ops->set_pt(idev, NULL));
	iob_vfio_leave_locked(idev);
	iob_vfio_unlock(c);
}

/**
 * iob_vfio_ctx_release() - free the file's container, as the file goes
 * @ctx: the context, with no device bound any more
 *
 * Its TCEs, windows and registered memory go; the IOAS goes with the
 * file's other objects.
 */
void iob_vfio_ctx_release(struct iob_ctx *ctx)
{
	struct iob_vfio_spapr *c = ctx->vfio_spapr;

	if (!c)
		return;
	iob_spapr_destroy(c->sp);
	kfree(c);
	ctx->vfio_spapr = NULL;
}

/* --- the container ioctls -------------------------------------------- */

/*
 * VFIO_CHECK_EXTENSION: the extension is the argument itself. Once the
 * file is a sPAPR container, the answers are that type's, as a VFIO
 * container asks its backend once it has one.
 */
static long iob_vfio_check_extension(struct iob_ctx *ctx, unsigned long ext)
{
	struct iob_ioas *ioas;

	if (iob_vfio_spapr_of(ctx))
		return iob_spapr_check_extension(ext);
	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_SPAPR_TCE_v2_IOMMU:
		return iob_spapr_check_extension(ext);
	case VFIO_DMA_CC_IOMMU:
		/* POWER's DMA is coherent with the CPU caches, always. */
		ioas = iob_vfio_ioas_get(ctx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		iob_ioas_put(ioas);
		return 1;
	default:
		return 0;
	}
}

/* VFIO_SET_IOMMU: the type is the argument itself. */
static long iob_vfio_set_iommu(struct iob_ctx *ctx, unsigned long type)
{
	struct iob_ioas *ioas;
	int rc = 0;

	if (type == VFIO_SPAPR_TCE_v2_IOMMU)
		return iob_vfio_spapr_set(ctx);
	if (type != VFIO_TYPE1v2_IOMMU && type != VFIO_TYPE1_IOMMU)
		return -EINVAL;
	if (iob_vfio_spapr_of(ctx))
		return -EINVAL;
	ioas = iob_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/*
	 * Type1 unmaps parts of mappings, which a large IO page could not
	 * follow: as in Linux, it turns them off, which is refused (EINVAL)
	 * once the IOAS has mappings in a page table.
	 */
	if (type == VFIO_TYPE1_IOMMU)
		rc = iopt_set_large_pages(&ioas->iopt, false);
	if (!rc)
		WRITE_ONCE(ctx->vfio_type, type);
	iob_ioas_put(ioas);
	return rc;
}

/**
 * iob_vfio_ioctl() - serve one of VFIO's container ioctls on /dev/iommu
 * @ctx: the file's context
 * @cmd: the ioctl number, one of VFIO's below IOMMUFD_CMD_BASE
 * @arg: the caller's argument: a value or a pointer, as VFIO defines it
 *
 * Return: what VFIO defines for the call; -ENOTTY for a number that is
 * not one of the container ioctls served here.
 */
long iob_vfio_ioctl(struct iob_ctx *ctx, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	const struct iob_vfio_iommu *ops;
	struct iob_vfio_spapr *c;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return iob_vfio_check_extension(ctx, arg);
	case VFIO_SET_IOMMU:
		return iob_vfio_set_iommu(ctx, arg);
	}

	c = iob_vfio_spapr_of(ctx);
	if (c)
		return iob_spapr_ioctl(c->sp, cmd, arg);

	ops = iob_vfio_iommu_of(ctx);
	if (!ops)
		return -ENOTTY;
	switch (cmd) {
	case VFIO_IOMMU_GET_INFO:
		return ops->get_info(ctx, uarg);
	case VFIO_IOMMU_MAP_DMA:
		return ops->map_dma(ctx, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		return ops->unmap_dma(ctx, uarg);
	}
	return -ENOTTY;
}
