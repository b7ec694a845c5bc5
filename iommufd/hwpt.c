// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker hardware page tables (HWPTs): a driver's page table, made for
 * one IOAS and holding all of its mappings, as an object userspace can name
 * (IOMMU_HWPT_ALLOC) or the kernel makes on its own when a device attaches
 * to an IOAS. Each HWPT holds a long-term reference on its IOAS; each
 * device attached to it holds one on the HWPT.
 */
#include <linux/bits.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/iommufd.h"
#include "device.h"
#include "../common/event.h"
#include "../common/export.h"
#include "ioas.h"
#include "ioctl.h"

/* Report each window of a HWPT that comes or goes with it. */
static void iob_hwpt_window_events(struct iob_hwpt *hwpt,
				   enum iob_event_kind kind)
{
	struct iob_pt *pt = hwpt->pt;
	struct iob_pt_window w;
	unsigned int i;

	if (!iob_event_wanted())
		return;
	for (i = 0; i < pt->naper; i++) {
		struct iob_event ev = {
			.kind = kind,
			.file = hwpt->ctx->nl_id,
			.id = hwpt->obj.id,
		};

		iob_pt_describe(pt, i, &w);
		ev.start = w.start;
		ev.size = w.size;
		ev.page_size = w.page_size;
		ev.levels = w.levels;
		iob_event_send(&ev);
	}
}

static void iob_hwpt_destroy(struct iob_object *obj)
{
	struct iob_hwpt *hwpt = container_of(obj, struct iob_hwpt, obj);
	struct iob_ioas *ioas = hwpt->ioas;

	iob_hwpt_window_events(hwpt, IOB_EV_WINDOW_DEL);
	mutex_lock(&ioas->mutex);
	list_del_init(&hwpt->item);
	mutex_unlock(&ioas->mutex);
	iopt_remove_pt(&ioas->iopt, hwpt->pt);
	hwpt->pt->ops->free(hwpt->pt);
	iob_object_users_put(&ioas->obj);
}

static const struct iob_object_ops iob_hwpt_ops = {
	.type = IOB_OBJ_HWPT,
	.owner = THIS_MODULE,
	.destroy = iob_hwpt_destroy,
};

/**
 * iob_hwpt_get() - look up a HWPT and hold it short-term
 * @ctx: the context
 * @id: the ID
 *
 * Return: the HWPT or ERR_PTR(-ENOENT).
 */
struct iob_hwpt *iob_hwpt_get(struct iob_ctx *ctx, u32 id)
{
	struct iob_object *obj = iob_object_get(ctx, id, IOB_OBJ_HWPT);

	return IS_ERR(obj) ? ERR_CAST(obj) :
			     container_of(obj, struct iob_hwpt, obj);
}
EXPORT_SYMBOL_IOB_TEST(iob_hwpt_get);

/**
 * iob_hwpt_publish() - make a HWPT from iob_hwpt_create() visible
 * @hwpt: the HWPT, in its IOAS's list
 */
void iob_hwpt_publish(struct iob_hwpt *hwpt)
{
	iob_object_finalize(hwpt->ctx, &hwpt->obj);
	iob_hwpt_window_events(hwpt, IOB_EV_WINDOW_NEW);
}
EXPORT_SYMBOL_IOB_TEST(iob_hwpt_publish);

/**
 * iob_hwpt_create() - make a HWPT for an IOAS, not yet published
 * @ctx: the context
 * @ioas: the IOAS, held by the caller
 * @idev: a device the page table must suit, held by the caller
 * @data_type: enum iommu_hwpt_data_type
 * @data: the type's data, in kernel memory
 * @len: its length
 * @automatic: made by the kernel for an attach
 *
 * The page table is made and filled with everything the IOAS maps. The
 * caller adds the HWPT to @ioas->hwpts and publishes it, or destroys it
 * with iob_object_abort_destroy() without holding @ioas->mutex.
 *
 * Return: the HWPT, or an ERR_PTR from the driver or from attaching the
 * page table to the IOAS.
 */
struct iob_hwpt *iob_hwpt_create(struct iob_ctx *ctx, struct iob_ioas *ioas,
				 struct iob_device *idev, u32 data_type,
				 const void *data, size_t len, bool automatic)
{
	struct iob_hwpt *hwpt;
	struct iob_pt *pt;
	int rc;

	hwpt = iob_object_alloc(ctx, struct iob_hwpt, obj, &iob_hwpt_ops);
	if (IS_ERR(hwpt))
		return hwpt;
	INIT_LIST_HEAD(&hwpt->item);
	hwpt->ctx = ctx;

	pt = idev->ops->pt_alloc(idev, data_type, data, len);
	if (IS_ERR(pt)) {
		rc = PTR_ERR(pt);
		goto err_abort;
	}
	rc = iopt_add_pt(&ioas->iopt, pt);
	if (rc) {
		pt->ops->free(pt);
		goto err_abort;
	}
	iob_object_users_get(&ioas->obj);
	hwpt->ioas = ioas;
	hwpt->pt = pt;
	hwpt->drv = idev->ops;
	hwpt->automatic = automatic;
	return hwpt;

err_abort:
	iob_object_abort(ctx, &hwpt->obj);
	return ERR_PTR(rc);
}

/**
 * iob_hwpt_put_user() - a device lets go of its HWPT
 * @ctx: the HWPT's context
 * @hwpt: the HWPT; an automatic one goes away with its last device
 */
void iob_hwpt_put_user(struct iob_ctx *ctx, struct iob_hwpt *hwpt)
{
	if (hwpt->automatic)
		iob_object_remove(ctx, hwpt->obj.id, &hwpt->obj,
				  IOB_REMOVE_PUT);
	else
		iob_object_users_put(&hwpt->obj);
}

/*
 * NEST_PARENT is accepted and means nothing: no HWPT can have nested ones
 * here, so being their parent changes nothing.
 */
#define IOB_HWPT_FLAGS IOMMU_HWPT_ALLOC_NEST_PARENT

/* Every data type IOMMU_HWPT_ALLOC understands, in its kernel form. */
union iob_hwpt_data {
	struct iommu_hwpt_iob_tce iob_tce;
};

/*
 * Copy the data of @cmd into @data. Its length may differ from the
 * kernel's structure as for any extensible structure: shorter than the
 * first version is EINVAL, longer with a non-zero tail is E2BIG.
 */
static int iob_hwpt_copy_data(struct iommu_hwpt_alloc *cmd,
			      union iob_hwpt_data *data, size_t *len)
{
	switch (cmd->data_type) {
	case IOMMU_HWPT_DATA_NONE:
		*len = 0;
		return 0;
	case IOMMU_HWPT_DATA_IOB_TCE:
		*len = sizeof(data->iob_tce);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (cmd->data_len < *len)
		return -EINVAL;
	return copy_struct_from_user(data, *len,
				     u64_to_user_ptr(cmd->data_uptr),
				     cmd->data_len);
}

/* IOMMU_HWPT_ALLOC */
int iob_hwpt_alloc_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iob_object *pt_obj, *dev_obj;
	union iob_hwpt_data data;
	struct iob_device *idev;
	struct iob_hwpt *hwpt;
	struct iob_ioas *ioas;
	size_t len;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	/* Data exactly when there is a type to describe. */
	if (!cmd->data_type != !cmd->data_len)
		return -EINVAL;
	dev_obj = iob_object_get(ucmd->ctx, cmd->dev_id, IOB_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iob_device, obj);
	pt_obj = iob_object_get(ucmd->ctx, cmd->pt_id, IOB_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_dev;
	}
	/* A HWPT as parent would ask for nesting, which TCE cannot do. */
	rc = iob_object_type(pt_obj) == IOB_OBJ_HWPT ? -EOPNOTSUPP : -EINVAL;
	if (iob_object_type(pt_obj) != IOB_OBJ_IOAS)
		goto out_put_pt;
	rc = -EOPNOTSUPP;
	if (cmd->flags & ~IOB_HWPT_FLAGS)
		goto out_put_pt;
	rc = iob_hwpt_copy_data(cmd, &data, &len);
	if (rc)
		goto out_put_pt;

	ioas = container_of(pt_obj, struct iob_ioas, obj);
	hwpt = iob_hwpt_create(ucmd->ctx, ioas, idev, cmd->data_type,
			       len ? &data : NULL, len, false);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_put_pt;
	}
	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iob_object_abort_destroy(ucmd->ctx, &hwpt->obj);
		goto out_put_pt;
	}
	mutex_lock(&ioas->mutex);
	list_add_tail(&hwpt->item, &ioas->hwpts);
	mutex_unlock(&ioas->mutex);
	iob_hwpt_publish(hwpt);
out_put_pt:
	iob_object_put(pt_obj);
out_put_dev:
	iob_object_put(dev_obj);
	return rc;
}

/* The most entries one IOMMU_HWPT_INVALIDATE may name, as in Linux. */
#define IOB_INVALIDATE_MAX_ENTRIES BIT(19)

/*
 * IOMMU_HWPT_INVALIDATE. TCE tables have no second stage, so no HWPT is
 * ever nested: once the structure passes Linux's checks, the ID names
 * nothing that can be invalidated. As Linux does, the count of entries
 * done (none) is written back whatever the error.
 */
int iob_hwpt_invalidate_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	int rc = -ENOENT;

	if (cmd->__reserved)
		rc = -EOPNOTSUPP;
	else if (cmd->entry_num &&
		 (!cmd->data_uptr || !cmd->entry_len ||
		  cmd->entry_len > PAGE_SIZE ||
		  cmd->entry_num > IOB_INVALIDATE_MAX_ENTRIES))
		rc = -EINVAL;
	cmd->entry_num = 0;
	if (iob_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/*
 * IOMMU_HWPT_SET_DIRTY_TRACKING. TCE tables keep no dirty bits: once the
 * flags and the ID pass Linux's checks, the answer is Linux's for a page
 * table whose driver cannot track.
 */
int iob_hwpt_set_dirty_tracking_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iob_hwpt *hwpt;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	hwpt = iob_hwpt_get(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	iob_object_put(&hwpt->obj);
	return -EOPNOTSUPP;
}

/* The range of a dirty bitmap, checked as Linux 6.12 checks it. */
static int iob_dirty_range_check(struct iommu_hwpt_get_dirty_bitmap *cmd,
				 unsigned long align)
{
	u64 last;

	if (!cmd->length)
		return -EINVAL;
	if (check_add_overflow(cmd->iova, cmd->length - 1, &last) ||
	    cmd->iova > ULONG_MAX || last > ULONG_MAX)
		return -EOVERFLOW;
	if ((cmd->iova & (align - 1)) || ((last + 1) & (align - 1)))
		return -EINVAL;
	if (!cmd->page_size)
		return -EINVAL;
	if ((cmd->iova & (cmd->page_size - 1)) ||
	    ((last + 1) & (cmd->page_size - 1)))
		return -EINVAL;
	return 0;
}

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: no HWPT records dirty IOVAs. The range is
 * checked as Linux checks it, against the alignment of the HWPT's IOAS,
 * before the answer a driver without dirty tracking gets.
 */
int iob_hwpt_get_dirty_bitmap_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iob_hwpt *hwpt;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = iob_hwpt_get(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = iob_dirty_range_check(cmd, iopt_alignment(&hwpt->ioas->iopt));
	iob_object_put(&hwpt->obj);
	return rc ?: -EOPNOTSUPP;
}

/*
 * IOMMU_FAULT_QUEUE_ALLOC. A TCE device never faults to its user, so
 * there is no fault queue to make, whatever the flags.
 */
int iob_fault_alloc_ioctl(struct iob_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}
