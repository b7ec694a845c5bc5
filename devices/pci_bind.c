// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker-pci: binding a device to a /dev/iommu file and attaching it.
 *
 * BIND claims the device's iommu group for the file (the pseries
 * backend), which blocks the device's DMA until it is attached, enables
 * the device and makes it a device object of the file's context; the
 * object's driver ops hand the core the backend's page tables. ATTACH
 * and DETACH move the device between the file's IOASes and HWPTs.
 * Closing the node undoes the binding (iob_pci_unbind()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/uaccess.h>

#include "../iommufd/device.h"
#include "../iommufd/file.h"
#include "../ppc_tce/pseries.h"
#include "../ppc_tce/tce.h"
#include "../uapi/iobroker/device.h"
#include "../uapi/iobroker/iommufd.h"
#include "pci_internal.h"

/* The device object's driver: the core asks it for page tables. */
static struct iob_pt *iob_pci_pt_alloc(struct iob_device *idev, u32 data_type,
				       const void *data, size_t len)
{
	struct iob_pci *ipci = idev->priv;

	switch (data_type) {
	case IOMMU_HWPT_DATA_NONE:
		return tce_ps_pt_alloc(ipci->tdev, NULL);
	case IOMMU_HWPT_DATA_IOB_TCE:
		return tce_ps_pt_alloc(ipci->tdev, data);
	default:
		return ERR_PTR(-EOPNOTSUPP);
	}
}

static int iob_pci_set_pt(struct iob_device *idev, struct iob_pt *pt)
{
	struct iob_pci *ipci = idev->priv;

	return tce_ps_set_pt(ipci->tdev, pt);
}

static int iob_pci_hw_info(struct iob_device *idev, void *data, size_t len,
			   u32 *type, u8 *pasid_log2)
{
	struct iob_pci *ipci = idev->priv;

	if (len < sizeof(struct iommu_hw_info_iob_tce))
		return -EINVAL;
	tce_caps_to_info(tce_ps_caps(ipci->tdev), data);
	*type = IOMMU_HW_INFO_TYPE_IOB_TCE;
	return sizeof(struct iommu_hw_info_iob_tce);
}

static const char *iob_pci_name(struct iob_device *idev)
{
	struct iob_pci *ipci = idev->priv;

	return pci_name(ipci->pdev);
}

static const struct iob_device_ops iob_pci_device_ops = {
	.pt_alloc = iob_pci_pt_alloc,
	.set_pt = iob_pci_set_pt,
	.hw_info = iob_pci_hw_info,
	.name = iob_pci_name,
};

/*
 * Undo a bind: the device object goes (detaching it clears its TCEs and
 * removes its windows), the device stops mastering and its group goes
 * back to the platform. Called with @ipci->lock held.
 */
void iob_pci_unbind(struct iob_pci *ipci)
{
	struct pci_dev *pdev = ipci->pdev;

	lockdep_assert_held(&ipci->lock);
	/* Detaches first: TCEs cleared, windows removed. */
	iob_device_unbind(ipci->idev);
	pci_clear_master(pdev);
	iob_pci_unmap_bars(ipci);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	tce_ps_release(ipci->tdev);
	fput(ipci->iommufd);
	ipci->idev = NULL;
	ipci->tdev = NULL;
	ipci->iommufd = NULL;
	WRITE_ONCE(ipci->bound, NULL);
}

/* VFIO_DEVICE_BIND_IOMMUFD */
long iob_pci_bind(struct iob_pci *ipci, struct file *file,
		  struct vfio_device_bind_iommufd __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct vfio_device_bind_iommufd bind;
	struct pci_dev *pdev = ipci->pdev;
	struct iob_device *idev;
	struct tce_ps_dev *tdev;
	struct file *iommufd;
	struct iob_ctx *ctx;
	long rc;

	if (copy_from_user(&bind, arg, minsz))
		return -EFAULT;
	if (bind.argsz < minsz || bind.flags || bind.iommufd < 0)
		return -EINVAL;

	mutex_lock(&ipci->lock);
	rc = ipci->bound == file ? -EINVAL : -EBUSY;
	if (ipci->bound)
		goto out_unlock;
	rc = -EBADF;
	iommufd = fget(bind.iommufd);
	if (!iommufd)
		goto out_unlock;
	rc = -EBADFD;
	ctx = iob_ctx_from_file(iommufd);
	if (!ctx)
		goto err_fput;
	/* Devices of one group share an owner: the /dev/iommu file. */
	tdev = tce_ps_claim(&pdev->dev, ctx);
	if (IS_ERR(tdev)) {
		rc = PTR_ERR(tdev);
		goto err_fput;
	}
	rc = pci_enable_device(pdev);
	if (rc)
		goto err_release;
	rc = pci_request_regions(pdev, "iobroker");
	if (rc)
		goto err_disable;
	/* DMA is blocked until attached; the device may master from now. */
	pci_set_master(pdev);
	ipci->tdev = tdev;
	idev = iob_device_bind(ctx, &iob_pci_device_ops, ipci);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto err_regions;
	}
	ipci->idev = idev;
	ipci->iommufd = iommufd;
	WRITE_ONCE(ipci->bound, file);
	if (put_user(idev->obj.id, &arg->out_devid)) {
		iob_pci_unbind(ipci);
		rc = -EFAULT;
		goto out_unlock;
	}
	rc = 0;
	goto out_unlock;

err_regions:
	ipci->tdev = NULL;
	pci_clear_master(pdev);
	pci_release_regions(pdev);
err_disable:
	pci_disable_device(pdev);
err_release:
	tce_ps_release(tdev);
err_fput:
	fput(iommufd);
out_unlock:
	mutex_unlock(&ipci->lock);
	return rc;
}

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT, which replaces when already attached */
long iob_pci_attach(struct iob_pci *ipci, struct file *file,
		    struct vfio_device_attach_iommufd_pt __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	struct vfio_device_attach_iommufd_pt attach;
	bool replace;
	long rc;

	if (copy_from_user(&attach, arg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz || attach.flags)
		return -EINVAL;
	mutex_lock(&ipci->lock);
	rc = -EINVAL;
	if (ipci->bound != file)
		goto out_unlock;
	/* Only calls made under ipci->lock attach or detach the device. */
	replace = iob_device_attached(ipci->idev);
	if (replace)
		rc = iob_device_replace(ipci->idev, &attach.pt_id);
	else
		rc = iob_device_attach(ipci->idev, &attach.pt_id);
	if (!rc && put_user(attach.pt_id, &arg->pt_id)) {
		/* As VFIO: a caller that cannot learn the result is detached. */
		iob_device_detach(ipci->idev);
		rc = -EFAULT;
	}
out_unlock:
	mutex_unlock(&ipci->lock);
	return rc;
}

/* VFIO_DEVICE_DETACH_IOMMUFD_PT */
long iob_pci_detach(struct iob_pci *ipci, struct file *file,
		    struct vfio_device_detach_iommufd_pt __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	struct vfio_device_detach_iommufd_pt detach;
	long rc = -EINVAL;

	if (copy_from_user(&detach, arg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz || detach.flags)
		return -EINVAL;
	mutex_lock(&ipci->lock);
	if (ipci->bound == file) {
		iob_device_detach(ipci->idev);
		rc = 0;
	}
	mutex_unlock(&ipci->lock);
	return rc;
}
