// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker.ko: the iommufd object model on IBM POWER's sPAPR TCE IOMMU.
 *
 * The module's entry, the one file above every layer: it brings up the
 * core (the netlink family, then the /dev/iommu file) and then the drivers that bind real devices
 * to it, handing each the debugfs directory it puts its files in, and
 * takes them down in the reverse order. Nothing calls back up here.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/module.h>

#include "common/fault.h"
#include "devices/pci.h"
#include "devices/vfio.h"
#include "iommufd/file.h"
#include "iommufd/netlink.h"

static struct dentry *iob_debugfs;

static int __init iob_init(void)
{
	int rc;

	iob_debugfs = debugfs_create_dir("iobroker", NULL);
	iob_fault_init();
	/* Events have their sink before anything can emit one. */
	rc = iob_netlink_init();
	if (rc)
		goto err_debugfs;
	rc = iob_file_init(iob_debugfs);
	if (rc)
		goto err_netlink;
	rc = iob_pci_init(iob_debugfs);
	if (rc)
		goto err_file;
	rc = iob_vfio_init(iob_debugfs);
	if (rc)
		goto err_pci;
	return 0;

err_pci:
	iob_pci_exit();
err_file:
	iob_file_exit();
err_netlink:
	iob_netlink_exit();
err_debugfs:
	iob_fault_exit();
	debugfs_remove_recursive(iob_debugfs);
	return rc;
}

static void __exit iob_exit(void)
{
	iob_vfio_exit();
	iob_pci_exit();
	iob_file_exit();
	iob_netlink_exit();
	iob_fault_exit();
	debugfs_remove_recursive(iob_debugfs);
}

module_init(iob_init);
module_exit(iob_exit);

MODULE_DESCRIPTION("iommufd object model for the sPAPR TCE IOMMU");
MODULE_LICENSE("GPL");
