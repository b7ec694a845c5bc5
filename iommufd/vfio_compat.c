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
 */
#include <linux/align.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/iommufd.h"
#include "ioas.h"
#include "ioctl.h"
#include "object.h"

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

/* --- the container ioctls -------------------------------------------- */

/* VFIO_CHECK_EXTENSION: the extension is the argument itself. */
static long iob_vfio_check_extension(struct iob_ctx *ctx, unsigned long ext)
{
	struct iob_ioas *ioas;

	switch (ext) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
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

	if (type != VFIO_TYPE1v2_IOMMU && type != VFIO_TYPE1_IOMMU)
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

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return iob_vfio_check_extension(ctx, arg);
	case VFIO_SET_IOMMU:
		return iob_vfio_set_iommu(ctx, arg);
	}

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
