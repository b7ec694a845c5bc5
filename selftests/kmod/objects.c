// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker_test: the extension operations that drive the object core
 * (IOMMU_TEST_OP_IOB_*).
 */
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/cred.h>
#include <linux/sched/user.h>
#include <linux/uaccess.h>

#include "../../iommufd/ioctl.h"
#include "../../iopt/pages.h"
#include "../../ppc_tce/pseries.h"
#include "../../uapi/iobroker/iommufd_test.h"
#include "test.h"

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
		/* Their kernel owners must always be able to destroy them. */
		if (iob_object_type(dep) == IOB_OBJ_DEVICE ||
		    iob_object_type(dep) == IOB_OBJ_ACCESS) {
			rc = -EINVAL;
			goto out_put;
		}
	}

	st = iob_object_alloc(ucmd->ctx, struct iob_selftest, obj,
			      &iob_selftest_ops);
	if (IS_ERR(st)) {
		rc = PTR_ERR(st);
		goto out_put;
	}
	st->kind = IOB_SELFTEST_DEP;
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

	rc = iob_object_remove(ucmd->ctx, obj->id, obj,
			       IOB_REMOVE_WAIT | IOB_REMOVE_OWNER);
	if (rc)
		iob_object_users_put(obj);
	return rc;
}

static int iob_test_stats(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	cmd->iob_stats.out_ctx_objects = iob_ctx_count_objects(ucmd->ctx);
	cmd->iob_stats.out_global_objects = iob_objects_alive();
	cmd->iob_stats.out_pinned_pages = iopt_pages_pinned_total();
	cmd->iob_stats.out_hw_tces = tce_ps_live_tces();
	cmd->iob_stats.out_user_locked_vm =
		atomic_long_read(&current_user()->locked_vm);
	return iob_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * iob_test_objects() - serve an IOMMU_TEST_OP_IOB_* operation
 * @ucmd: the call
 * @cmd: its command
 *
 * Return: the operation's result, -EOPNOTSUPP for an unknown one.
 */
int iob_test_objects(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	switch (cmd->op) {
	case IOMMU_TEST_OP_IOB_DEP_ALLOC:
		return iob_test_dep_alloc(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_HOLD:
		return iob_test_hold(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_KERNEL_DESTROY:
		return iob_test_kernel_destroy(ucmd, cmd);
	case IOMMU_TEST_OP_IOB_STATS:
		return iob_test_stats(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
