// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker-pci: real PCI devices as iobroker device objects.
 *
 * A PCI driver without an ID table: an administrator binds a device to it
 * (driver_override, then drivers_probe), and the device gets a node,
 * /dev/iobroker/<pci name>, governed by ordinary file permissions. Whoever
 * can open the node binds the device to a /dev/iommu file with the VFIO
 * cdev ioctls (uapi/iobroker/device.h), attaches it to an IOAS or HWPT of
 * that file, and reaches its BARs through mmap(), read() and write().
 *
 * The driver sets driver_managed_dma, so binding it leaves the device's
 * DMA alone; binding the node to a /dev/iommu file claims the device's
 * iommu group for that file (the pseries backend in ppc_tce/pseries.c),
 * which blocks its DMA until it is attached. Closing the node undoes the
 * binding: the device object goes (detaching it, which clears its TCEs
 * and removes its windows), bus mastering is turned off and the group is
 * given back.
 *
 * Lifetime: struct iob_pci lives as long as its node's struct device,
 * which every open file of the node keeps alive through the cdev.
 * Unbinding the driver waits until the node's last file is closed, as
 * VFIO does; unloading the module cannot happen while a file is open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "../iommufd/device.h"
#include "../iommufd/file.h"
#include "../ppc_tce/pseries.h"
#include "../ppc_tce/tce.h"
#include "../uapi/iobroker/device.h"
#include "../uapi/iobroker/iommufd.h"
#include "pci.h"

#define IOB_PCI_MINORS		256
#define IOB_PCI_REGION_SHIFT	40
#define IOB_PCI_OFFSET_MASK	((1ULL << IOB_PCI_REGION_SHIFT) - 1)

/**
 * struct iob_pci - a PCI device bound to iobroker-pci
 * @pdev: the device
 * @dev: its node, /dev/iobroker/<pci name>
 * @cdev: the character device behind @dev
 * @debugfs: its debugfs directory
 * @lock: protects everything below, and serialises bind, attach,
 *	detach and unbind
 * @nopen: open files of the node; written under @lock
 * @gone: the driver is being unbound; no new opens
 * @wq: where unbinding the driver waits for @nopen to drop to 0
 * @bound: the file the device is bound through, or NULL; written under
 *	@lock, read without it by calls on that file (iob_pci_bound())
 * @iommufd: the /dev/iommu file it is bound to; we hold a reference
 * @idev: the device object in that file
 * @tdev: the device's DMA, claimed from the platform
 * @bar: BARs mapped for read() and write(), on first use
 */
struct iob_pci {
	struct pci_dev *pdev;
	struct device dev;
	struct cdev cdev;
	struct dentry *debugfs;
	struct mutex lock;	/* everything below */
	unsigned int nopen;
	bool gone;
	wait_queue_head_t wq;
	struct file *bound;
	struct file *iommufd;
	struct iob_device *idev;
	struct tce_ps_dev *tdev;
	void __iomem *bar[PCI_STD_NUM_BARS];
};

static dev_t iob_pci_devt;
static DEFINE_IDA(iob_pci_minors);
static struct dentry *iob_pci_debugfs;

static char *iob_pci_devnode(const struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "iobroker/%s", dev_name(dev));
}

static const struct class iob_pci_class = {
	.name = "iobroker",
	.devnode = iob_pci_devnode,
};

/* --- the device object's driver -------------------------------------------- */

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
			   u32 *type)
{
	struct iob_pci *ipci = idev->priv;

	if (len < sizeof(struct iommu_hw_info_iob_tce))
		return -EINVAL;
	tce_caps_to_info(tce_ps_caps(ipci->tdev), data);
	*type = IOMMU_HW_INFO_TYPE_IOB_TCE;
	return sizeof(struct iommu_hw_info_iob_tce);
}

static const struct iob_device_ops iob_pci_device_ops = {
	.pt_alloc = iob_pci_pt_alloc,
	.set_pt = iob_pci_set_pt,
	.hw_info = iob_pci_hw_info,
};

/* --- binding ----------------------------------------------------------------- */

static void iob_pci_unmap_bars(struct iob_pci *ipci)
{
	unsigned int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (ipci->bar[i])
			pci_iounmap(ipci->pdev, ipci->bar[i]);
		ipci->bar[i] = NULL;
	}
}

static void iob_pci_unbind(struct iob_pci *ipci)
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

static long iob_pci_bind(struct iob_pci *ipci, struct file *file,
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

static long iob_pci_attach(struct iob_pci *ipci, struct file *file,
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
	replace = ipci->idev->hwpt;
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

static long iob_pci_detach(struct iob_pci *ipci, struct file *file,
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

/*
 * Is @file the one the device is bound through? Only BIND and the last
 * close of @file change the answer for @file, and neither can run while
 * a call on @file is in flight, so no lock is needed. mmap() could not
 * take @ipci->lock anyway: it runs under mmap_lock, which attach takes
 * inside @ipci->lock when it pins memory.
 */
static bool iob_pci_bound(struct iob_pci *ipci, struct file *file)
{
	return READ_ONCE(ipci->bound) == file;
}

/* --- regions ------------------------------------------------------------------ */

/* Can a BAR be mapped: memory, at least a page, on a page boundary? */
static bool iob_pci_bar_mmap_ok(struct pci_dev *pdev, unsigned int bar)
{
	return pci_resource_flags(pdev, bar) & IORESOURCE_MEM &&
	       pci_resource_len(pdev, bar) >= PAGE_SIZE &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar));
}

static long iob_pci_get_info(struct iob_pci *ipci, struct file *file,
			     struct vfio_device_info __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || !iob_pci_bound(ipci, file))
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = 0;
	info.cap_offset = 0;
	info.pad = 0;
	minsz = min_t(size_t, info.argsz, sizeof(info));
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long iob_pci_get_region_info(struct iob_pci *ipci, struct file *file,
				    struct vfio_region_info __user *arg)
{
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct pci_dev *pdev = ipci->pdev;
	struct vfio_region_info info;
	unsigned long flags;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS ||
	    !iob_pci_bound(ipci, file))
		return -EINVAL;
	info.flags = 0;
	info.size = 0;
	info.cap_offset = 0;
	info.offset = (u64)info.index << IOB_PCI_REGION_SHIFT;
	if (info.index <= VFIO_PCI_BAR5_REGION_INDEX) {
		flags = pci_resource_flags(pdev, info.index);
		if (flags & (IORESOURCE_MEM | IORESOURCE_IO)) {
			info.size = pci_resource_len(pdev, info.index);
			info.flags = VFIO_REGION_INFO_FLAG_READ |
				     VFIO_REGION_INFO_FLAG_WRITE;
		}
		if (iob_pci_bar_mmap_ok(pdev, info.index))
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
	} else if (info.index == VFIO_PCI_CONFIG_REGION_INDEX) {
		info.size = pdev->cfg_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ;
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* Read config space, a naturally aligned dword, word or byte at a time. */
static ssize_t iob_pci_config_read(struct pci_dev *pdev, char __user *buf,
				   size_t count, u64 off)
{
	size_t done = 0;
	__le32 val32;
	__le16 val16;
	u32 v32;
	u16 v16;
	u8 v8;
	int rc;

	if (off >= pdev->cfg_size)
		return -EINVAL;
	count = min_t(u64, count, pdev->cfg_size - off);
	while (done < count) {
		if (!((off + done) & 3) && count - done >= 4) {
			rc = pci_user_read_config_dword(pdev, off + done, &v32);
			val32 = cpu_to_le32(v32);
			if (!rc && copy_to_user(buf + done, &val32, 4))
				rc = -EFAULT;
			done += 4;
		} else if (!((off + done) & 1) && count - done >= 2) {
			rc = pci_user_read_config_word(pdev, off + done, &v16);
			val16 = cpu_to_le16(v16);
			if (!rc && copy_to_user(buf + done, &val16, 2))
				rc = -EFAULT;
			done += 2;
		} else {
			rc = pci_user_read_config_byte(pdev, off + done, &v8);
			if (!rc && copy_to_user(buf + done, &v8, 1))
				rc = -EFAULT;
			done += 1;
		}
		if (rc)
			return rc < 0 ? rc : -EIO;
	}
	return done;
}

/*
 * Access a BAR, a naturally aligned dword, word or byte at a time. The
 * bytes reach userspace in bus order, whatever the CPU's.
 */
static ssize_t iob_pci_bar_rw(struct iob_pci *ipci, unsigned int bar,
			      char __user *buf, size_t count, u64 off,
			      bool write)
{
	struct pci_dev *pdev = ipci->pdev;
	u64 len = pci_resource_len(pdev, bar);
	void __iomem *io;
	size_t done = 0, n;
	__le32 v32;
	__le16 v16;
	u8 v8;

	if (!(pci_resource_flags(pdev, bar) & (IORESOURCE_MEM | IORESOURCE_IO)) ||
	    off >= len)
		return -EINVAL;
	count = min_t(u64, count, len - off);
	mutex_lock(&ipci->lock);
	if (!ipci->bar[bar])
		ipci->bar[bar] = pci_iomap(pdev, bar, 0);
	io = ipci->bar[bar];
	mutex_unlock(&ipci->lock);
	if (!io)
		return -ENOMEM;
	for (; done < count; done += n) {
		void __iomem *p = io + off + done;

		if (!((off + done) & 3) && count - done >= 4) {
			n = 4;
			if (write) {
				if (copy_from_user(&v32, buf + done, n))
					return -EFAULT;
				iowrite32(le32_to_cpu(v32), p);
			} else {
				v32 = cpu_to_le32(ioread32(p));
				if (copy_to_user(buf + done, &v32, n))
					return -EFAULT;
			}
		} else if (!((off + done) & 1) && count - done >= 2) {
			n = 2;
			if (write) {
				if (copy_from_user(&v16, buf + done, n))
					return -EFAULT;
				iowrite16(le16_to_cpu(v16), p);
			} else {
				v16 = cpu_to_le16(ioread16(p));
				if (copy_to_user(buf + done, &v16, n))
					return -EFAULT;
			}
		} else {
			n = 1;
			if (write) {
				if (copy_from_user(&v8, buf + done, n))
					return -EFAULT;
				iowrite8(v8, p);
			} else {
				v8 = ioread8(p);
				if (copy_to_user(buf + done, &v8, n))
					return -EFAULT;
			}
		}
	}
	return done;
}

static ssize_t iob_pci_rw(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos, bool write)
{
	struct iob_pci *ipci = file->private_data;
	u64 index = (u64)*ppos >> IOB_PCI_REGION_SHIFT;
	u64 off = *ppos & IOB_PCI_OFFSET_MASK;
	ssize_t rc;

	if (*ppos < 0 || !iob_pci_bound(ipci, file))
		return -EINVAL;
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		rc = iob_pci_bar_rw(ipci, index, buf, count, off, write);
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX && !write)
		rc = iob_pci_config_read(ipci->pdev, buf, count, off);
	else
		rc = -EINVAL;
	if (rc > 0)
		*ppos += rc;
	return rc;
}

static ssize_t iob_pci_read(struct file *file, char __user *buf, size_t count,
			    loff_t *ppos)
{
	return iob_pci_rw(file, buf, count, ppos, false);
}

static ssize_t iob_pci_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	return iob_pci_rw(file, (char __user *)buf, count, ppos, true);
}

static int iob_pci_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct iob_pci *ipci = file->private_data;
	struct pci_dev *pdev = ipci->pdev;
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 index = pos >> IOB_PCI_REGION_SHIFT;
	u64 off = pos & IOB_PCI_OFFSET_MASK;
	u64 len = vma->vm_end - vma->vm_start, bar_len;

	if (!iob_pci_bound(ipci, file) || index > VFIO_PCI_BAR5_REGION_INDEX ||
	    !iob_pci_bar_mmap_ok(pdev, index) || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	bar_len = PAGE_ALIGN(pci_resource_len(pdev, index));
	if (off >= bar_len || len > bar_len - off)
		return -EINVAL;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return io_remap_pfn_range(vma, vma->vm_start,
				  (pci_resource_start(pdev, index) + off) >>
				  PAGE_SHIFT, len, vma->vm_page_prot);
}

/* --- the node ------------------------------------------------------------------ */

static long iob_pci_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct iob_pci *ipci = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		return iob_pci_bind(ipci, file, uarg);
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return iob_pci_attach(ipci, file, uarg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return iob_pci_detach(ipci, file, uarg);
	case VFIO_DEVICE_GET_INFO:
		return iob_pci_get_info(ipci, file, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return iob_pci_get_region_info(ipci, file, uarg);
	default:
		return -ENOTTY;
	}
}

static int iob_pci_open(struct inode *inode, struct file *file)
{
	struct iob_pci *ipci = container_of(inode->i_cdev, struct iob_pci,
					    cdev);
	int rc = 0;

	mutex_lock(&ipci->lock);
	if (ipci->gone)
		rc = -ENODEV;
	else
		ipci->nopen++;
	mutex_unlock(&ipci->lock);
	file->private_data = ipci;
	return rc;
}

static int iob_pci_release(struct inode *inode, struct file *file)
{
	struct iob_pci *ipci = file->private_data;

	mutex_lock(&ipci->lock);
	if (ipci->bound == file)
		iob_pci_unbind(ipci);
	WRITE_ONCE(ipci->nopen, ipci->nopen - 1);
	wake_up(&ipci->wq);
	mutex_unlock(&ipci->lock);
	return 0;
}

static const struct file_operations iob_pci_fops = {
	.owner = THIS_MODULE,
	.open = iob_pci_open,
	.release = iob_pci_release,
	.unlocked_ioctl = iob_pci_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = iob_pci_read,
	.write = iob_pci_write,
	.mmap = iob_pci_mmap,
};

/* --- debugfs: what the hypervisor holds ------------------------------------------ */

static int iob_pci_tces_show(struct seq_file *m, void *unused)
{
	struct iob_pci *ipci = m->private;
	struct tce_ps_window_scan win[TCE_MAX_WINDOWS];
	unsigned int nwin, i;
	int rc;

	rc = tce_ps_scan(&ipci->pdev->dev, win, &nwin);
	if (rc)
		return rc;
	for (i = 0; i < nwin; i++)
		seq_printf(m, "window %u start %#llx size %#llx page_shift %u live %llu\n",
			   i, win[i].start, win[i].size, win[i].page_shift,
			   win[i].live);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_pci_tces);

/* --- the driver -------------------------------------------------------------------- */

static void iob_pci_dev_release(struct device *dev)
{
	struct iob_pci *ipci = container_of(dev, struct iob_pci, dev);

	ida_free(&iob_pci_minors, MINOR(dev->devt));
	mutex_destroy(&ipci->lock);
	kfree(ipci);
}

static int iob_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct iob_pci *ipci;
	int minor, rc;

	/* Bridges carry other devices' DMA; only endpoints are offered. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL)
		return -EINVAL;
	minor = ida_alloc_max(&iob_pci_minors, IOB_PCI_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	ipci = kzalloc(sizeof(*ipci), GFP_KERNEL);
	if (!ipci) {
		ida_free(&iob_pci_minors, minor);
		return -ENOMEM;
	}
	ipci->pdev = pdev;
	mutex_init(&ipci->lock);
	init_waitqueue_head(&ipci->wq);
	device_initialize(&ipci->dev);
	ipci->dev.class = &iob_pci_class;
	ipci->dev.parent = &pdev->dev;
	ipci->dev.devt = MKDEV(MAJOR(iob_pci_devt), minor);
	ipci->dev.release = iob_pci_dev_release;
	rc = dev_set_name(&ipci->dev, "%s", pci_name(pdev));
	if (rc)
		goto err_put;
	cdev_init(&ipci->cdev, &iob_pci_fops);
	ipci->cdev.owner = THIS_MODULE;
	rc = cdev_device_add(&ipci->cdev, &ipci->dev);
	if (rc)
		goto err_put;
	ipci->debugfs = debugfs_create_dir(pci_name(pdev), iob_pci_debugfs);
	debugfs_create_file("tces", 0400, ipci->debugfs, ipci,
			    &iob_pci_tces_fops);
	pci_set_drvdata(pdev, ipci);
	return 0;

err_put:
	put_device(&ipci->dev);
	return rc;
}

static void iob_pci_remove(struct pci_dev *pdev)
{
	struct iob_pci *ipci = pci_get_drvdata(pdev);

	debugfs_remove_recursive(ipci->debugfs);
	cdev_device_del(&ipci->cdev, &ipci->dev);
	mutex_lock(&ipci->lock);
	ipci->gone = true;
	mutex_unlock(&ipci->lock);
	/* Open files keep the device's DMA; wait for them, as VFIO does. */
	while (!wait_event_idle_timeout(ipci->wq, !READ_ONCE(ipci->nopen),
					10 * HZ))
		pci_info(pdev, "waiting for %u open files of its node\n",
			 READ_ONCE(ipci->nopen));
	put_device(&ipci->dev);
}

static struct pci_driver iob_pci_driver = {
	.name = "iobroker-pci",
	.probe = iob_pci_probe,
	.remove = iob_pci_remove,
	.driver_managed_dma = true,
};

/**
 * iob_pci_init() - register the iobroker-pci driver and its nodes
 * @debugfs: the module's debugfs directory, where "pci" goes
 *
 * Return: 0 or a negative errno.
 */
int iob_pci_init(struct dentry *debugfs)
{
	int rc;

	rc = alloc_chrdev_region(&iob_pci_devt, 0, IOB_PCI_MINORS, "iobroker");
	if (rc)
		return rc;
	rc = class_register(&iob_pci_class);
	if (rc)
		goto err_region;
	iob_pci_debugfs = debugfs_create_dir("pci", debugfs);
	rc = pci_register_driver(&iob_pci_driver);
	if (rc)
		goto err_class;
	return 0;

err_class:
	debugfs_remove_recursive(iob_pci_debugfs);
	class_unregister(&iob_pci_class);
err_region:
	unregister_chrdev_region(iob_pci_devt, IOB_PCI_MINORS);
	return rc;
}

/**
 * iob_pci_exit() - unregister everything iob_pci_init() registered
 */
void iob_pci_exit(void)
{
	pci_unregister_driver(&iob_pci_driver);
	debugfs_remove_recursive(iob_pci_debugfs);
	class_unregister(&iob_pci_class);
	unregister_chrdev_region(iob_pci_devt, IOB_PCI_MINORS);
	ida_destroy(&iob_pci_minors);
}
