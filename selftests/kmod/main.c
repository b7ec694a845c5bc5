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
 * implement yet fall to the default case and answer EOPNOTSUPP.
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "../../uapi/iobroker/iommufd_test.h"
#include "../../iommufd/ioctl.h"
#include "../../iommufd/object.h"
#include "../../iommufd/testhook.h"

MODULE_IMPORT_NS(IOBROKER_TEST);

/**
 * struct iob_selftest - object made by IOMMU_TEST_OP_IOB_DEP_ALLOC
 * @obj: object header
 * @dep: the object this one holds a long-term reference on, or NULL
 */
struct iob_selftest {
	struct iob_object obj;
	struct iob_object *dep;
};

static void iob_selftest_destroy(struct iob_object *obj)
{
	struct iob_selftest *st = container_of(obj, struct iob_selftest, obj);

	if (st->dep)
		iob_object_users_put(st->dep);
}

static const struct iob_object_ops iob_selftest_ops = {
	.type = IOB_OBJ_SELFTEST,
	.owner = THIS_MODULE,
	.destroy = iob_selftest_destroy,
};

static int iob_test_dep_alloc(struct iob_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	struct iob_object *dep = NULL;
	struct iob_selftest *st;
	int rc;

	if (cmd->id) {
		dep = iob_object_get(ucmd->ctx, cmd->id, IOB_OBJ_ANY);
		if (IS_ERR(dep))
			return PTR_ERR(dep);
	}

	st = iob_object_alloc(ucmd->ctx, struct iob_selftest, obj,
			      &iob_selftest_ops);
	if (IS_ERR(st)) {
		rc = PTR_ERR(st);
		goto out_put;
	}
	if (dep) {
		/* The short-term hold makes taking a long-term one safe. */
		iob_object_users_get(dep);
		st->dep = dep;
	}

	cmd->iob_dep_alloc.out_obj_id = st->obj.id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		iob_object_abort_destroy(ucmd->ctx, &st->obj);
	else
		iob_object_finalize(ucmd->ctx, &st->obj);
out_put:
	if (dep)
		iob_object_put(dep);
	return rc;
}

static int iob_test_hold(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	u32 __user *held = u64_to_user_ptr(cmd->iob_hold.held_uptr);
	struct iob_object *obj;
	int rc = 0;

	if (cmd->iob_hold.__reserved)
		return -EOPNOTSUPP;
	if (cmd->iob_hold.msec > IOMMU_TEST_IOB_HOLD_MAX_MSEC)
		return -EINVAL;
	obj = iob_object_get(ucmd->ctx, cmd->id, IOB_OBJ_ANY);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (held && put_user(1, held))
		rc = -EFAULT;
	/* Interruptible, so that a killed test does not linger here. */
	if (!rc)
		msleep_interruptible(cmd->iob_hold.msec);
	iob_object_put(obj);
	return rc;
}

static int iob_test_kernel_destroy(struct iob_ucmd *ucmd,
				   struct iommu_test_cmd *cmd)
{
	struct iob_object *obj;
	int rc;

	obj = iob_object_get(ucmd->ctx, cmd->id, IOB_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* Become a kernel owner, then destroy as one. */
	iob_object_users_get(obj);
	iob_object_put(obj);

	rc = iob_object_destroy_kernel(ucmd->ctx, obj);
	if (rc)
		iob_object_users_put(obj);
	return rc;
}

static int iob_test_obj_count(struct iob_ucmd *ucmd,
			      struct iommu_test_cmd *cmd)
{
	cmd->iob_obj_count.out_ctx_objects = iob_ctx_count_objects(ucmd->ctx);
	cmd->iob_obj_count.out_global_objects = iob_objects_alive();
	return iob_ucmd_respond(ucmd, sizeof(*cmd));
}

static int iob_test_cmd(struct iob_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_TEST_OP_IOB_DEP_ALLOC:
		return iob_test_dep_alloc(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_HOLD:
		return iob_test_hold(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_KERNEL_DESTROY:
		return iob_test_kernel_destroy(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_OBJ_COUNT:
		return iob_test_obj_count(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}

static const struct iob_test_ops iob_test_hooks = {
	.owner = THIS_MODULE,
	.cmd = iob_test_cmd,
};

static int __init iob_test_init(void)
{
	return iob_test_register(&iob_test_hooks);
}

static void __exit iob_test_exit(void)
{
	iob_test_unregister(&iob_test_hooks);
}

module_init(iob_test_init);
module_exit(iob_test_exit);

MODULE_DESCRIPTION("iobroker test driver and KUnit suites");
MODULE_LICENSE("GPL");
