// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker test hook.
 *
 * IOMMU_TEST_CMD is always in the dispatch table; it answers ENOTTY, like
 * a kernel without a test driver, until the test module registers, and
 * does so before anything of the call's structure is read. A call
 * pins the test module for its duration, so the module cannot go away
 * under a running command; the ops pointer itself is read under RCU and
 * unregistering waits for a grace period, so it cannot go away between the
 * read and the pin.
 */
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

#include "../common/export.h"
#include "ioctl.h"
#include "testhook.h"

static const struct iob_test_ops __rcu *iob_test_ops;
/* Serialises register and unregister. */
static DEFINE_MUTEX(iob_test_lock);

/**
 * iob_test_register() - install the test module's entry points
 * @ops: entry points, valid until iob_test_unregister()
 *
 * Return: 0, or -EBUSY if a test module is already registered.
 */
int iob_test_register(const struct iob_test_ops *ops)
{
	int rc = 0;

	mutex_lock(&iob_test_lock);
	if (rcu_access_pointer(iob_test_ops))
		rc = -EBUSY;
	else
		rcu_assign_pointer(iob_test_ops, ops);
	mutex_unlock(&iob_test_lock);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iob_test_register);

/**
 * iob_test_unregister() - remove the entry points again
 * @ops: what iob_test_register() installed
 *
 * On return no caller can reach @ops any more.
 */
void iob_test_unregister(const struct iob_test_ops *ops)
{
	mutex_lock(&iob_test_lock);
	if (rcu_access_pointer(iob_test_ops) == ops)
		RCU_INIT_POINTER(iob_test_ops, NULL);
	mutex_unlock(&iob_test_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_IOB_TEST(iob_test_unregister);

/**
 * iob_test_present() - is a test module registered?
 *
 * For the dispatcher, which answers IOMMU_TEST_CMD with ENOTTY before
 * reading its structure when none is. The answer may be stale by the
 * time the call runs; iob_test_ioctl() checks again.
 *
 * Return: true if one is.
 */
bool iob_test_present(void)
{
	return rcu_access_pointer(iob_test_ops);
}

/* IOMMU_TEST_CMD */
int iob_test_ioctl(struct iob_ucmd *ucmd)
{
	const struct iob_test_ops *ops;
	struct module *owner;
	int rc;

	rcu_read_lock();
	ops = rcu_dereference(iob_test_ops);
	if (ops && !try_module_get(ops->owner))
		ops = NULL;
	rcu_read_unlock();
	if (!ops)
		return -ENOTTY;

	owner = ops->owner;
	rc = ops->cmd(ucmd);
	module_put(owner);
	return rc;
}
