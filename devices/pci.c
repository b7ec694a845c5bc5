// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker-pci: real PCI devices as iobroker device objects; this file is
 * the driver and each device's node. Binding is in pci_bind.c, regions in
 * pci_region.c.
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
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "../ppc_tce/pseries.h"
#include "../ppc_tce/tce.h"
#include "pci.h"
#include "pci_internal.h"

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

/**
 * iob_tces_show() - one line per window the hypervisor holds for a device
 * @m: the debugfs file
 * @dev: the device; every device of its group shares the windows
 *
 * Read back entry by entry (H_GET_TCE); for tests and debugging.
 *
 * Return: 0 or -ENODEV.
 */
int iob_tces_show(struct seq_file *m, struct device *dev)
{
	struct tce_ps_window_scan win[TCE_MAX_WINDOWS];
	unsigned int nwin, i;
	int rc;

	rc = tce_ps_scan(dev, win, &nwin);
	if (rc)
		return rc;
	for (i = 0; i < nwin; i++)
		seq_printf(m, "window %u start %#llx size %#llx page_shift %u live %llu made %u\n",
			   i, win[i].start, win[i].size, win[i].page_shift,
			   win[i].live, win[i].made);
	return 0;
}

static int iob_pci_tces_show(struct seq_file *m, void *unused)
{
	struct iob_pci *ipci = m->private;

	return iob_tces_show(m, &ipci->pdev->dev);
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
