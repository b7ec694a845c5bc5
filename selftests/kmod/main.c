// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker_test: the test module.
 *
 * Serves IOMMU_TEST_CMD for the selftests and carries the KUnit suites of
 * the core. It is built only with IOBROKER_TEST=y, against a core built
 * the same way, whose internals it reaches through the IOBROKER_TEST
 * symbol namespace.
 *
 * The operations of Linux 6.12's iommufd_test.h that iobroker does not
 * implement yet answer EOPNOTSUPP.
 */
#include <linux/errno.h>
#include <linux/module.h>

#include "../../uapi/iobroker/iommufd_test.h"
#include "../../iommufd/device.h"
#include "../../iommufd/ioctl.h"
#include "../../iommufd/testhook.h"
#include "test.h"

MODULE_IMPORT_NS(IOBROKER);
MODULE_IMPORT_NS(IOBROKER_TEST);

static void iob_selftest_destroy(struct iob_object *obj)
{
	struct iob_selftest *st = container_of(obj, struct iob_selftest, obj);

	if (st->dep)
		iob_object_users_put(st->dep);
	if (st->idev)
		iob_device_unbind(st->idev);
}

const struct iob_object_ops iob_selftest_ops = {
	.type = IOB_OBJ_SELFTEST,
	.owner = THIS_MODULE,
	.destroy = iob_selftest_destroy,
};

static int iob_test_cmd(struct iob_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->op >= IOMMU_TEST_OP_IOB_BASE)
		return iob_test_objects(ucmd, cmd);
	return iob_test_mock(ucmd, cmd);
}

static const struct iob_test_ops iob_test_hooks = {
	.owner = THIS_MODULE,
	.cmd = iob_test_cmd,
};

static int __init iob_test_init(void)
{
	int rc;

	rc = iob_test_pci_init();
	if (rc)
		return rc;
	rc = iob_test_register(&iob_test_hooks);
	if (rc)
		iob_test_pci_exit();
	return rc;
}

static void __exit iob_test_exit(void)
{
	iob_test_unregister(&iob_test_hooks);
	iob_test_pci_exit();
}

module_init(iob_test_init);
module_exit(iob_test_exit);

MODULE_DESCRIPTION("iobroker test driver and KUnit suites");
MODULE_LICENSE("GPL");
