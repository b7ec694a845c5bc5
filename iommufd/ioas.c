// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO address spaces.
 *
 * An IOAS is the object userspace maps its memory into and attaches page
 * tables and devices to. Its mappings arrive with the io_pagetable layer;
 * for now it carries its settings.
 */
#include <linux/module.h>

#include "../uapi/iobroker/iommufd.h"
#include "ioas.h"
#include "ioctl.h"

static void iob_ioas_destroy(struct iob_object *obj)
{
	struct iob_ioas *ioas = container_of(obj, struct iob_ioas, obj);

	mutex_destroy(&ioas->lock);
}

static const struct iob_object_ops iob_ioas_ops = {
	.type = IOB_OBJ_IOAS,
	.owner = THIS_MODULE,
	.destroy = iob_ioas_destroy,
};

/* IOMMU_IOAS_ALLOC */
int iob_ioas_alloc_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iob_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iob_object_alloc(ucmd->ctx, struct iob_ioas, obj, &iob_ioas_ops);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_init(&ioas->lock);
	ioas->large_pages = true;

	cmd->out_ioas_id = ioas->obj.id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iob_object_abort_destroy(ucmd->ctx, &ioas->obj);
		return rc;
	}
	iob_object_finalize(ucmd->ctx, &ioas->obj);
	return 0;
}

/**
 * iob_ioas_option_huge_pages() - IOMMU_OPTION_HUGE_PAGES on one IOAS
 * @ctx: the file's context
 * @cmd: the option command; @cmd->op is already known to be GET or SET
 *
 * Return: 0, -ENOENT if @cmd->object_id is not an IOAS, -EINVAL for a
 * value other than 0 or 1.
 */
int iob_ioas_option_huge_pages(struct iob_ctx *ctx, struct iommu_option *cmd)
{
	struct iob_ioas *ioas;
	int rc = 0;

	ioas = iob_ioas_get(ctx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	mutex_lock(&ioas->lock);
	if (cmd->op == IOMMU_OPTION_OP_GET)
		cmd->val64 = ioas->large_pages;
	else if (cmd->val64 > 1)
		rc = -EINVAL;
	else
		ioas->large_pages = cmd->val64;
	mutex_unlock(&ioas->lock);

	iob_ioas_put(ioas);
	return rc;
}
