/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker: the /dev/iommu file, for the module's entry and for drivers
 * that bind devices to an open file's context.
 */
#ifndef IOBROKER_FILE_H
#define IOBROKER_FILE_H

struct dentry;
struct file;
struct iob_ctx;

int iob_file_init(struct dentry *debugfs);
void iob_file_exit(void);
struct iob_ctx *iob_ctx_from_file(struct file *file);

#endif
