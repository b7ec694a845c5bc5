/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker-pci: what its files share with each other and nobody else.
 * pci.c is the driver and the node, and hands the node's calls to
 * pci_bind.c (binding to a /dev/iommu file, attach, detach) and to
 * pci_region.c (the device's regions: config space and BARs), which
 * pci_bind.c uses too.
 */
#ifndef IOBROKER_DEVICES_PCI_INTERNAL_H
#define IOBROKER_DEVICES_PCI_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../uapi/iobroker/device.h"

struct file;
struct iob_device;
struct tce_ps_dev;
struct vm_area_struct;

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

/*
 * Is @file the one the device is bound through? Only BIND and the last
 * close of @file change the answer for @file, and neither can run while
 * a call on @file is in flight, so no lock is needed. mmap() could not
 * take @ipci->lock anyway: it runs under mmap_lock, which attach takes
 * inside @ipci->lock when it pins memory.
 */
static inline bool iob_pci_bound(struct iob_pci *ipci, struct file *file)
{
	return READ_ONCE(ipci->bound) == file;
}

/* pci_bind.c */
long iob_pci_bind(struct iob_pci *ipci, struct file *file,
		  struct vfio_device_bind_iommufd __user *arg);
long iob_pci_attach(struct iob_pci *ipci, struct file *file,
		    struct vfio_device_attach_iommufd_pt __user *arg);
long iob_pci_detach(struct iob_pci *ipci, struct file *file,
		    struct vfio_device_detach_iommufd_pt __user *arg);
void iob_pci_unbind(struct iob_pci *ipci);

/* pci_region.c */
long iob_pci_get_info(struct iob_pci *ipci, struct file *file,
		      struct vfio_device_info __user *arg);
long iob_pci_get_region_info(struct iob_pci *ipci, struct file *file,
			     struct vfio_region_info __user *arg);
ssize_t iob_pci_read(struct file *file, char __user *buf, size_t count,
		     loff_t *ppos);
ssize_t iob_pci_write(struct file *file, const char __user *buf,
		      size_t count, loff_t *ppos);
int iob_pci_mmap(struct file *file, struct vm_area_struct *vma);
void iob_pci_unmap_bars(struct iob_pci *ipci);

#endif
