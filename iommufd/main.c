// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker: the iommufd object model on IBM POWER's sPAPR TCE IOMMU.
 *
 * This file is the module's front: the /dev/iommu misc device, whose every
 * open file gets its own object context, and the debugfs directory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <iobroker/access.h>

#include "../devices/pci.h"
#include "export.h"
#include "fault.h"
#include "ioctl.h"
#include "main.h"
#include "object.h"

static int iob_fops_open(struct inode *inode, struct file *file)
{
	struct iob_ctx *ctx;

	ctx = iob_ctx_alloc();
	if (!ctx)
		return -ENOMEM;
	ctx->file = file;
	file->private_data = ctx;
	return 0;
}

static int iob_fops_release(struct inode *inode, struct file *file)
{
	iob_ctx_destroy(file->private_data);
	return 0;
}

static long iob_fops_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return iob_ioctl(file->private_data, cmd, (void __user *)arg);
}

static const struct file_operations iob_fops = {
	.owner = THIS_MODULE,
	.open = iob_fops_open,
	.release = iob_fops_release,
	.unlocked_ioctl = iob_fops_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/**
 * iob_ctx_from_file() - the context of an open /dev/iommu file
 * @file: any open file
 *
 * The caller keeps the context alive by keeping a reference on @file.
 *
 * Return: the context, or NULL if @file is not a /dev/iommu file.
 */
struct iob_ctx *iob_ctx_from_file(struct file *file)
{
	return file->f_op == &iob_fops ? file->private_data : NULL;
}
EXPORT_SYMBOL_IOB(iob_ctx_from_file);

/**
 * iob_ctx_from_fd() - the context of an open /dev/iommu file, by fd
 * @fd: a file descriptor of the calling process
 *
 * The caller owns a reference on the context: iob_ctx_put() when done.
 *
 * Return: the context; ERR_PTR(-EBADF) if @fd is not open,
 * ERR_PTR(-EBADFD) if it is not a /dev/iommu file.
 */
struct iob_ctx *iob_ctx_from_fd(int fd)
{
	struct file *file = fget(fd);
	struct iob_ctx *ctx;

	if (!file)
		return ERR_PTR(-EBADF);
	ctx = iob_ctx_from_file(file);
	if (!ctx) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return ctx;
}
EXPORT_SYMBOL_IOB(iob_ctx_from_fd);

static struct miscdevice iob_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.nodename = "iommu",
	.mode = 0660,
	.fops = &iob_fops,
};

static struct dentry *iob_debugfs;

/**
 * iob_debugfs_dir() - the module's debugfs directory
 *
 * Return: the directory, or an error pointer debugfs calls accept.
 */
struct dentry *iob_debugfs_dir(void)
{
	return iob_debugfs;
}

static int iob_objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%ld\n", iob_objects_alive());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_objects);

static int __init iob_init(void)
{
	int rc;

	rc = misc_register(&iob_misc);
	if (rc) {
		pr_err("cannot register /dev/iommu (%d); is the kernel's own iommufd loaded?\n",
		       rc);
		return rc;
	}
	iob_debugfs = debugfs_create_dir("iobroker", NULL);
	debugfs_create_file("objects", 0400, iob_debugfs, NULL,
			    &iob_objects_fops);
	iob_fault_init();
	rc = iob_pci_init();
	if (rc) {
		iob_fault_exit();
		debugfs_remove_recursive(iob_debugfs);
		misc_deregister(&iob_misc);
	}
	return rc;
}

static void __exit iob_exit(void)
{
	iob_pci_exit();
	iob_fault_exit();
	debugfs_remove_recursive(iob_debugfs);
	misc_deregister(&iob_misc);
}

module_init(iob_init);
module_exit(iob_exit);

MODULE_DESCRIPTION("iommufd object model for the sPAPR TCE IOMMU");
MODULE_LICENSE("GPL");
