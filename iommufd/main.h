/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker: what the module's front (main.c) offers the rest of it.
 */
#ifndef IOBROKER_MAIN_H
#define IOBROKER_MAIN_H

struct dentry;
struct file;
struct iob_ctx;

struct iob_ctx *iob_ctx_from_file(struct file *file);
struct dentry *iob_debugfs_dir(void);

#endif
