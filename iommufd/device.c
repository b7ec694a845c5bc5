// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker devices: binding a device to a file, and attaching it to an
 * IOAS or a HWPT.
 *
 * A driver binds a device to a file and owns the device object from then
 * on: userspace cannot destroy it (EBUSY), and it goes away when the
 * driver unbinds it, which detaches it first. Attaching to a HWPT uses
 * that HWPT; attaching to an IOAS reuses an automatic HWPT of the same
 * driver on that IOAS that the device can use, or makes one. Automatic
 * HWPTs go away with their last device.
 *
 * Locks: iob_device.lock, then iob_ioas.mutex, then the IO page table's.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../uapi/iobroker/iommufd.h"
#include "device.h"
#include "../common/event.h"
#include "../common/export.h"
#include "ioas.h"
#include "ioctl.h"
#include "vfio_compat.h"

static void iob_device_destroy(struct iob_object *obj)
{
	struct iob_device *idev = container_of(obj, struct iob_device, obj);

	/* Unbind detached it; a user closing the file never gets here. */
	WARN_ON_ONCE(idev->hwpt || idev->container);
	mutex_destroy(&idev->lock);
}

static const struct iob_object_ops iob_device_ops = {
	.type = IOB_OBJ_DEVICE,
	.owner = THIS_MODULE,
	.destroy = iob_device_destroy,
};

/**
 * iob_device_name() - the name of the device behind a device object
 * @idev: the device, bound
 *
 * Return: its driver's name for it, or NULL if the driver gives none.
 */
const char *iob_device_name(struct iob_device *idev)
{
	return idev->ops->name ? idev->ops->name(idev) : NULL;
}

/* Report a change of @idev: its HWPT is now @hwpt, was @old. */
static void iob_device_event(struct iob_device *idev, enum iob_event_kind kind,
			     struct iob_hwpt *hwpt, struct iob_hwpt *old)
{
	struct iob_event ev = {
		.kind = kind,
		.file = idev->ctx->nl_id,
		.id = idev->obj.id,
		.hwpt = hwpt ? hwpt->obj.id : 0,
		.old_hwpt = old ? old->obj.id : 0,
	};

	if (!iob_event_wanted())
		return;
	if (kind == IOB_EV_DEV_BIND || kind == IOB_EV_DEV_UNBIND)
		ev.dev_name = iob_device_name(idev);
	iob_event_send(&ev);
}

/**
 * iob_device_bind() - make a device object in a file's context
 * @ctx: the context
 * @ops: the driver
 * @priv: the driver's data
 *
 * The caller owns the object until iob_device_unbind(); its ID is
 * @idev->obj.id.
 *
 * Return: the device, or an ERR_PTR.
 */
struct iob_device *iob_device_bind(struct iob_ctx *ctx,
				   const struct iob_device_ops *ops,
				   void *priv)
{
	struct iob_device *idev;

	idev = iob_object_alloc(ctx, struct iob_device, obj, &iob_device_ops);
	if (IS_ERR(idev))
		return idev;
	idev->ctx = ctx;
	idev->ops = ops;
	idev->priv = priv;
	mutex_init(&idev->lock);
	/* The driver's reference. */
	iob_object_users_get(&idev->obj);
	iob_object_finalize(ctx, &idev->obj);
	iob_device_event(idev, IOB_EV_DEV_BIND, NULL, NULL);
	return idev;
}
EXPORT_SYMBOL_IOB_TEST(iob_device_bind);

/* Switch @idev to the automatic HWPT of @ioas, made if needed. */
static struct iob_hwpt *iob_device_auto_hwpt(struct iob_device *idev,
					     struct iob_ioas *ioas,
					     struct iob_hwpt *cur)
{
	struct iob_hwpt *hwpt;
	int rc;

	mutex_lock(&ioas->mutex);
	list_for_each_entry(hwpt, &ioas->hwpts, item) {
		if (!hwpt->automatic || hwpt->drv != idev->ops)
			continue;
		if (hwpt == cur)
			goto out_unlock;
		/* It may be on its way out since its last device left. */
		if (!iob_object_users_tryget(&hwpt->obj))
			continue;
		rc = idev->ops->set_pt(idev, hwpt->pt);
		if (!rc)
			goto out_unlock;
		iob_object_users_put(&hwpt->obj);
		/* EINVAL means this device cannot use it: try the next. */
		if (rc != -EINVAL) {
			hwpt = ERR_PTR(rc);
			goto out_unlock;
		}
	}

	hwpt = iob_hwpt_create(idev->ctx, ioas, idev, 0, NULL, 0, true);
	if (IS_ERR(hwpt))
		goto out_unlock;
	rc = idev->ops->set_pt(idev, hwpt->pt);
	if (rc) {
		mutex_unlock(&ioas->mutex);
		iob_object_abort_destroy(idev->ctx, &hwpt->obj);
		return ERR_PTR(rc);
	}
	list_add_tail(&hwpt->item, &ioas->hwpts);
	iob_object_users_get(&hwpt->obj);
	iob_hwpt_publish(hwpt);
out_unlock:
	mutex_unlock(&ioas->mutex);
	return hwpt;
}

/*
 * Switch @idev to what @pt_id names, returning the HWPT with a long-term
 * reference for the device, or @cur itself (no new reference) if that is
 * what the device uses already.
 */
static struct iob_hwpt *iob_device_switch(struct iob_device *idev, u32 pt_id,
					  struct iob_hwpt *cur)
{
	struct iob_hwpt *hwpt;
	struct iob_object *obj;
	int rc;

	lockdep_assert_held(&idev->lock);
	obj = iob_object_get(idev->ctx, pt_id, IOB_OBJ_ANY);
	if (IS_ERR(obj))
		return ERR_CAST(obj);

	switch (iob_object_type(obj)) {
	case IOB_OBJ_IOAS:
		hwpt = iob_device_auto_hwpt(idev,
					    container_of(obj, struct iob_ioas,
							 obj), cur);
		break;
	case IOB_OBJ_HWPT:
		hwpt = container_of(obj, struct iob_hwpt, obj);
		if (hwpt == cur)
			break;
		rc = hwpt->drv == idev->ops ? idev->ops->set_pt(idev, hwpt->pt) :
					      -EINVAL;
		if (rc)
			hwpt = ERR_PTR(rc);
		else
			iob_object_users_get(&hwpt->obj);
		break;
	default:
		hwpt = ERR_PTR(-EINVAL);
	}
	iob_object_put(obj);
	return hwpt;
}

/**
 * iob_device_attach() - attach a detached device to an IOAS or a HWPT
 * @idev: the device
 * @pt_id: in: an IOAS or HWPT ID; out: the HWPT the device now uses
 *
 * Attaching to the IOAS of the file's sPAPR container (VFIO_SET_IOMMU)
 * joins the container instead; @pt_id is then left as it is.
 *
 * Return: 0; -EINVAL if the device is attached already, @pt_id is neither
 * an IOAS nor a HWPT, or the device cannot use the HWPT; -ENOENT if
 * @pt_id names nothing; or what making an automatic HWPT or joining the
 * container gives.
 */
int iob_device_attach(struct iob_device *idev, u32 *pt_id)
{
	struct iob_vfio_spapr *c;
	struct iob_hwpt *hwpt;
	int rc = 0;

	mutex_lock(&idev->lock);
	if (idev->hwpt || idev->container) {
		rc = -EINVAL;
		goto out_unlock;
	}
	c = iob_vfio_container_of(idev->ctx, *pt_id);
	if (c) {
		rc = iob_vfio_join(c, idev);
		if (!rc)
			iob_device_event(idev, IOB_EV_DEV_ATTACH, NULL, NULL);
		goto out_unlock;
	}
	hwpt = iob_device_switch(idev, *pt_id, NULL);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	idev->hwpt = hwpt;
	*pt_id = hwpt->obj.id;
	iob_device_event(idev, IOB_EV_DEV_ATTACH, hwpt, NULL);
out_unlock:
	mutex_unlock(&idev->lock);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iob_device_attach);

/**
 * iob_device_replace() - move an attached device to another IOAS or HWPT
 * @idev: the device
 * @pt_id: in: an IOAS or HWPT ID; out: the HWPT the device now uses
 *
 * The device switches without passing through a blocked state. The old
 * HWPT, if automatic and left without devices, goes away. A device moves
 * into or out of the file's sPAPR container the same way, into a
 * container without a window blocked.
 *
 * Return: 0, -EINVAL if the device is not attached, or as for
 * iob_device_attach().
 */
int iob_device_replace(struct iob_device *idev, u32 *pt_id)
{
	struct iob_hwpt *old, *hwpt;
	struct iob_vfio_spapr *c;
	int rc = 0;

	mutex_lock(&idev->lock);
	old = idev->hwpt;
	if (!old && !idev->container) {
		rc = -EINVAL;
		goto out_unlock;
	}
	c = iob_vfio_container_of(idev->ctx, *pt_id);
	if (c) {
		if (c == idev->container)
			goto out_unlock;
		rc = iob_vfio_join(c, idev);
		if (rc)
			goto out_unlock;
		idev->hwpt = NULL;
		iob_device_event(idev, IOB_EV_DEV_REPLACE, NULL, old);
		iob_hwpt_put_user(idev->ctx, old);
		goto out_unlock;
	}
	/* Out of the container: it must not move the device meanwhile. */
	c = idev->container;
	if (c)
		iob_vfio_lock(c);
	hwpt = iob_device_switch(idev, *pt_id, old);
	if (!IS_ERR(hwpt) && c)
		iob_vfio_leave_locked(idev);
	if (c)
		iob_vfio_unlock(c);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	*pt_id = hwpt->obj.id;
	if (hwpt != old) {
		idev->hwpt = hwpt;
		iob_device_event(idev, IOB_EV_DEV_REPLACE, hwpt, old);
		if (old)
			iob_hwpt_put_user(idev->ctx, old);
	}
out_unlock:
	mutex_unlock(&idev->lock);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iob_device_replace);

static void __iob_device_detach(struct iob_device *idev)
{
	struct iob_hwpt *hwpt = idev->hwpt;

	lockdep_assert_held(&idev->lock);
	if (idev->container) {
		iob_vfio_leave(idev);
		iob_device_event(idev, IOB_EV_DEV_DETACH, NULL, NULL);
		return;
	}
	if (!hwpt)
		return;
	WARN_ON_ONCE(idev->ops->set_pt(idev, NULL));
	idev->hwpt = NULL;
	iob_device_event(idev, IOB_EV_DEV_DETACH, hwpt, NULL);
	iob_hwpt_put_user(idev->ctx, hwpt);
}

/**
 * iob_device_detach() - block the device's DMA and let go of its HWPT
 * @idev: the device; nothing happens if it is not attached
 */
void iob_device_detach(struct iob_device *idev)
{
	mutex_lock(&idev->lock);
	__iob_device_detach(idev);
	mutex_unlock(&idev->lock);
}
EXPORT_SYMBOL_IOB_TEST(iob_device_detach);

/**
 * iob_device_unbind() - detach and destroy a device object
 * @idev: from iob_device_bind()
 *
 * Waits for ioctls that hold the device to finish.
 */
void iob_device_unbind(struct iob_device *idev)
{
	iob_device_detach(idev);
	iob_device_event(idev, IOB_EV_DEV_UNBIND, NULL, NULL);
	/* Nothing depends on a device, so this cannot be refused. */
	WARN_ON_ONCE(iob_object_remove(idev->ctx, idev->obj.id, &idev->obj,
				       IOB_REMOVE_WAIT | IOB_REMOVE_OWNER));
}
EXPORT_SYMBOL_IOB_TEST(iob_device_unbind);

/* IOMMU_GET_HW_INFO */
int iob_get_hw_info_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *udata = u64_to_user_ptr(cmd->data_uptr);
	u8 data[IOB_HW_INFO_MAX] __aligned(8) = {};
	struct iob_object *obj;
	struct iob_device *idev;
	u32 type = IOMMU_HW_INFO_TYPE_NONE, want = IOMMU_HW_INFO_TYPE_DEFAULT;
	u8 pasid_log2 = 0;
	u32 copy;
	int len = 0, rc;

	if (cmd->flags & ~IOMMU_HW_INFO_FLAG_INPUT_TYPE ||
	    memchr_inv(cmd->__reserved, 0, sizeof(cmd->__reserved)))
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE)
		want = cmd->in_data_type;
	obj = iob_object_get(ucmd->ctx, cmd->dev_id, IOB_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iob_device, obj);
	if (idev->ops->hw_info) {
		len = idev->ops->hw_info(idev, data, sizeof(data), &type,
					 &pasid_log2);
		if (len < 0) {
			rc = len;
			goto out_put;
		}
	}
	/* A device has the one type it has; asking for another fails. */
	rc = -EOPNOTSUPP;
	if (want != IOMMU_HW_INFO_TYPE_DEFAULT && want != type)
		goto out_put;
	copy = min_t(u32, cmd->data_len, len);
	rc = -EFAULT;
	if (copy_to_user(udata, data, copy))
		goto out_put;
	/* A longer buffer gets its tail zeroed, so old fields read as 0. */
	if (cmd->data_len > copy && clear_user(udata + copy,
					       cmd->data_len - copy))
		goto out_put;
	cmd->data_len = len;
	cmd->out_data_type = type;
	cmd->out_max_pasid_log2 = pasid_log2;
	cmd->out_capabilities = 0;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iob_object_put(obj);
	return rc;
}
