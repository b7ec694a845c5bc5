// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker: the /dev/iommu misc device, whose every open file gets its own
 * object context, and the core's debugfs files. module.c brings it up
 * before the drivers that bind devices to those contexts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <iobroker/access.h>

#include "../common/export.h"
#include "file.h"
#include "ioctl.h"
#include "object.h"
#include "vfio_compat.h"

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
	/* No device is bound any more: each held the file. */
	iob_vfio_ctx_release(file->private_data);
	iob_ctx_destroy(file->private_data);
	return 0;
}

static const struct file_operations iob_fops = {
	.owner = THIS_MODULE,
	.open = iob_fops_open,
	.release = iob_fops_release,
	.unlocked_ioctl = iob_ioctl,
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

static int iob_objects_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%ld\n", iob_objects_alive());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(iob_objects);

/**
 * iob_file_init() - register /dev/iommu
 * @debugfs: the module's debugfs directory, for the core's files
 *
 * Return: 0, or the misc device's error (-EBUSY when the kernel's own
 * iommufd has the name).
 */
int iob_file_init(struct dentry *debugfs)
{
	int rc;

	rc = misc_register(&iob_misc);
	if (rc) {
		pr_err("cannot register /dev/iommu (%d); is the kernel's own iommufd loaded?\n",
		       rc);
		return rc;
	}
	debugfs_create_file("objects", 0400, debugfs, NULL, &iob_objects_fops);
	return 0;
}

/**
 * iob_file_exit() - unregister /dev/iommu
 *
 * Its files hold the module, so none is open any more.
 */
void iob_file_exit(void)
{
	misc_deregister(&iob_misc);
}
