// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker ioctls that are not about one object type: IOMMU_DESTROY and
 * IOMMU_OPTION.
 */
#include <linux/capability.h>
#include <linux/errno.h>
#include <linux/uaccess.h>

#include "../uapi/iobroker/iommufd.h"
#include "ioas.h"
#include "ioctl.h"
#include "object.h"

/* IOMMU_DESTROY */
int iob_destroy_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iob_object_remove(ucmd->ctx, cmd->id, NULL, 0);
}

/*
 * IOMMU_OPTION_RLIMIT_MODE: a property of the whole file, which may only
 * change while the file holds no object, so that every pinned page of the
 * file is charged one way and uncharged the same way. The checks come in
 * Linux 6.12's order: object, operation, capability, objects, value.
 */
static int iob_option_rlimit_mode(struct iob_ctx *ctx,
				  struct iommu_option *cmd)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = READ_ONCE(ctx->account_mode) == IOB_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;

	/* Objects are reserved under this lock, so none can appear now. */
	xa_lock(&ctx->objects);
	if (!xa_empty(&ctx->objects))
		rc = -EBUSY;
	else if (cmd->val64 > 1)
		rc = -EINVAL;
	else
		WRITE_ONCE(ctx->account_mode,
			   cmd->val64 ? IOB_ACCOUNT_MM : IOB_ACCOUNT_USER);
	xa_unlock(&ctx->objects);
	return rc;
}

/* IOMMU_OPTION */
int iob_option_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommu_option __user *uptr = ucmd->ubuffer;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iob_option_rlimit_mode(ucmd->ctx, cmd);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iob_ioas_option_huge_pages(ucmd->ctx, cmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only the value travels back; the rest of the caller's copy stays. */
	return put_user(cmd->val64, &uptr->val64) ? -EFAULT : 0;
}
