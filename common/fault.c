// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker fault injection: the fault attribute behind iob_should_fail().
 * See fault.h. Built only into test builds.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "fault.h"

static DECLARE_FAULT_ATTR(iob_fail_attr);
static struct dentry *iob_fail_dir;
/* Failures injected at the module's own points, in fail_iobroker/injected. */
static atomic_t iob_fail_injected = ATOMIC_INIT(0);

/**
 * iob_should_fail() - should this failure point fail now?
 *
 * Return: true if the fault attribute says so.
 */
bool iob_should_fail(void)
{
	if (!should_fail(&iob_fail_attr, 1))
		return false;
	atomic_inc(&iob_fail_injected);
	return true;
}

/**
 * iob_fault_init() - publish /sys/kernel/debug/fail_iobroker
 *
 * Without it the points never fail; that is no reason to fail loading.
 */
void iob_fault_init(void)
{
	iob_fail_dir = fault_create_debugfs_attr("fail_iobroker", NULL,
						 &iob_fail_attr);
	if (IS_ERR(iob_fail_dir)) {
		iob_fail_dir = NULL;
		return;
	}
	debugfs_create_atomic_t("injected", 0400, iob_fail_dir,
				&iob_fail_injected);
}

/**
 * iob_fault_exit() - remove what iob_fault_init() published
 */
void iob_fault_exit(void)
{
	debugfs_remove_recursive(iob_fail_dir);
}
