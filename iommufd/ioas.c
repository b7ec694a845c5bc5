// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker IO address spaces: the object, and the ioctls that work on its
 * mappings. The checks here are about the ioctl's structure, in the order
 * Linux 6.12 makes them; everything about IOVAs and memory is in iopt/.
 */
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/iommufd.h"
#include "ioas.h"
#include "ioctl.h"

static void iob_ioas_destroy(struct iob_object *obj)
{
	struct iob_ioas *ioas = container_of(obj, struct iob_ioas, obj);

	/* Every HWPT holds a reference, so none is left. */
	WARN_ON_ONCE(!list_empty(&ioas->hwpts));
	iopt_destroy(&ioas->iopt);
	mutex_destroy(&ioas->mutex);
}

static const struct iob_object_ops iob_ioas_ops = {
	.type = IOB_OBJ_IOAS,
	.owner = THIS_MODULE,
	.destroy = iob_ioas_destroy,
};

/* A new IOAS of @ctx, not yet published. */
static struct iob_ioas *iob_ioas_new(struct iob_ctx *ctx)
{
	struct iob_ioas *ioas;

	ioas = iob_object_alloc(ctx, struct iob_ioas, obj, &iob_ioas_ops);
	if (IS_ERR(ioas))
		return ioas;
	iopt_init(&ioas->iopt);
	ioas->iopt.owner.usage = &ctx->usage;
	ioas->iopt.owner.file = ctx->nl_id;
	ioas->iopt.owner.id = ioas->obj.id;
	mutex_init(&ioas->mutex);
	INIT_LIST_HEAD(&ioas->hwpts);
	return ioas;
}

/**
 * iob_ioas_create() - an IOAS made by the kernel for its own use
 * @ctx: a context no file exposes, whose owner destroys it with the
 *	context (the sPAPR container)
 *
 * Return: the published IOAS, or an ERR_PTR (-ENOMEM).
 */
struct iob_ioas *iob_ioas_create(struct iob_ctx *ctx)
{
	struct iob_ioas *ioas = iob_ioas_new(ctx);

	if (!IS_ERR(ioas))
		iob_object_finalize(ctx, &ioas->obj);
	return ioas;
}

/* IOMMU_IOAS_ALLOC */
int iob_ioas_alloc_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iob_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iob_ioas_new(ucmd->ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cmd->out_ioas_id = ioas->obj.id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iob_object_abort_destroy(ucmd->ctx, &ioas->obj);
		return rc;
	}
	iob_object_finalize(ucmd->ctx, &ioas->obj);
	return 0;
}

static int iob_map_prot(u32 flags)
{
	int prot = 0;

	if (flags & IOMMU_IOAS_MAP_READABLE)
		prot |= IOB_PT_READ;
	if (flags & IOMMU_IOAS_MAP_WRITEABLE)
		prot |= IOB_PT_WRITE;
	return prot;
}

#define IOB_MAP_FLAGS (IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE | \
		       IOMMU_IOAS_MAP_READABLE)

/*
 * The last step of a map or copy, before its mapping goes live: write the
 * reply. If that fails, iopt_map() takes out exactly what this call made,
 * which no other call could see yet, so a failed call leaves nothing.
 */
struct iob_map_reply {
	struct iob_ucmd *ucmd;
	u64 *iova;
	size_t len;
};

static int iob_map_reply(void *arg, u64 iova)
{
	struct iob_map_reply *reply = arg;

	*reply->iova = iova;
	return iob_ucmd_respond(reply->ucmd, reply->len);
}

/* IOMMU_IOAS_MAP */
int iob_ioas_map_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	struct iob_map_reply reply = {
		.ucmd = ucmd,
		.iova = &cmd->iova,
		.len = sizeof(*cmd),
	};
	struct iopt_mapping m;
	struct iob_ioas *ioas;
	bool account_mm;
	u64 iova;
	int prot = iob_map_prot(cmd->flags);
	int rc;

	if (cmd->flags & ~IOB_MAP_FLAGS || cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= U64_MAX || cmd->length >= U64_MAX)
		return -EOVERFLOW;
	if (!prot)
		return -EINVAL;
	ioas = iob_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	account_mm = READ_ONCE(ucmd->ctx->account_mode) == IOB_ACCOUNT_MM;
	rc = iopt_mapping_user(&m, &ioas->iopt, cmd->user_va, cmd->length,
			       prot & IOB_PT_WRITE, account_mm);
	if (!rc) {
		iova = cmd->iova;
		rc = iopt_map(&ioas->iopt, &m, &iova, prot,
			      cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA,
			      iob_map_reply, &reply);
		iopt_mapping_release(&m);
	}
	iob_ioas_put(ioas);
	return rc;
}

/*
 * IOMMU_IOAS_COPY. As in Linux 6.12, a bad source range is reported before
 * a missing destination IOAS; the destination is looked up first all the
 * same, so that no area is made for a copy it has no room for.
 */
int iob_ioas_copy_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	struct iob_map_reply reply = {
		.ucmd = ucmd,
		.iova = &cmd->dst_iova,
		.len = sizeof(*cmd),
	};
	int prot = iob_map_prot(cmd->flags);
	struct iob_ioas *src, *dst;
	struct iopt_mapping m;
	u64 iova;
	int rc;

	if (cmd->flags & ~IOB_MAP_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->length >= U64_MAX || cmd->src_iova >= U64_MAX ||
	    cmd->dst_iova >= U64_MAX)
		return -EOVERFLOW;
	if (!prot)
		return -EINVAL;
	src = iob_ioas_get(ucmd->ctx, cmd->src_ioas_id);
	if (IS_ERR(src))
		return PTR_ERR(src);
	dst = iob_ioas_get(ucmd->ctx, cmd->dst_ioas_id);
	rc = iopt_mapping_copy(&m, &src->iopt, cmd->src_iova, cmd->length,
			       IS_ERR(dst) ? NULL : &dst->iopt);
	iob_ioas_put(src);
	if (IS_ERR(dst))
		return rc ?: PTR_ERR(dst);
	if (!rc) {
		iova = cmd->dst_iova;
		rc = iopt_map(&dst->iopt, &m, &iova, prot,
			      cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA,
			      iob_map_reply, &reply);
		iopt_mapping_release(&m);
	}
	iob_ioas_put(dst);
	return rc;
}

/* IOMMU_IOAS_UNMAP */
int iob_ioas_unmap_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iob_ioas *ioas;
	u64 last, unmapped;
	int rc;

	ioas = iob_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		last = U64_MAX;
	} else if (cmd->iova >= U64_MAX || cmd->length >= U64_MAX) {
		rc = -EOVERFLOW;
		goto out_put;
	} else if (!cmd->length) {
		rc = -EINVAL;
		goto out_put;
	} else if (check_add_overflow(cmd->iova, cmd->length - 1, &last)) {
		rc = -EOVERFLOW;
		goto out_put;
	}
	rc = iopt_unmap(&ioas->iopt, cmd->iova, last, &unmapped);
	/* Nothing there is an error, unless the range is everything. */
	if (!rc && !unmapped && !(cmd->iova == 0 && last == U64_MAX))
		rc = -ENOENT;
	if (!rc) {
		cmd->length = unmapped;
		rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	}
out_put:
	iob_ioas_put(ioas);
	return rc;
}

/* Where IOMMU_IOAS_IOVA_RANGES puts the ranges, one at a time. */
struct iob_ranges_out {
	struct iommu_iova_range __user *ranges;
	u32 room;
	u32 count;
};

static int iob_range_out(void *arg, u64 start, u64 last)
{
	struct iob_ranges_out *out = arg;
	struct iommu_iova_range r = { .start = start, .last = last };

	/* Ranges past the room are counted, so the caller learns how many. */
	if (out->count < out->room &&
	    copy_to_user(&out->ranges[out->count], &r, sizeof(r)))
		return -EFAULT;
	out->count++;
	return 0;
}

/* IOMMU_IOAS_IOVA_RANGES */
int iob_ioas_iova_ranges_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iob_ranges_out out = {
		.ranges = u64_to_user_ptr(cmd->allowed_iovas),
		.room = cmd->num_iovas,
	};
	struct iob_ioas *ioas;
	u64 align;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iob_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_walk_ranges(&ioas->iopt, iob_range_out, &out, &align);
	iob_ioas_put(ioas);
	if (rc)
		return rc;

	cmd->num_iovas = out.count;
	cmd->out_iova_alignment = align;
	/* The caller learns the count it needs even when it gets EMSGSIZE. */
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && out.count > out.room)
		rc = -EMSGSIZE;
	return rc;
}

/* Read the caller's ranges into a tree of struct iopt_itn. */
static int iob_read_ranges(struct rb_root_cached *tree,
			   struct iommu_iova_range __user *ranges, u32 count)
{
	struct iommu_iova_range r;
	struct iopt_itn *node;
	u32 i;

	for (i = 0; i < count; i++) {
		if (copy_from_user(&r, &ranges[i], sizeof(r)))
			return -EFAULT;
		if (r.start >= r.last ||
		    iopt_itree_iter_first(tree, r.start, r.last))
			return -EINVAL;
		/* One small allocation per range, however many there are. */
		node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
		if (!node)
			return -ENOMEM;
		node->start = r.start;
		node->last = r.last;
		iopt_itree_insert(node, tree);
		cond_resched();
	}
	return 0;
}

/* IOMMU_IOAS_ALLOW_IOVAS */
int iob_ioas_allow_iovas_ioctl(struct iob_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct iob_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	ioas = iob_ioas_get(ucmd->ctx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iob_read_ranges(&allowed, u64_to_user_ptr(cmd->allowed_iovas),
			     cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allowed(&ioas->iopt, &allowed);
	/* The old list on success, the rejected one on failure. */
	iopt_free_tree(&allowed);
	iob_ioas_put(ioas);
	return rc;
}

/**
 * iob_ioas_option_huge_pages() - IOMMU_OPTION_HUGE_PAGES on one IOAS
 * @ctx: the file's context
 * @cmd: the option command
 *
 * As in Linux 6.12, the object is looked up before the operation is
 * looked at.
 *
 * Return: 0, -ENOENT if @cmd->object_id is not an IOAS, -EOPNOTSUPP for
 * an operation other than GET and SET, -EINVAL for a value other than 0
 * or 1 or a change the IOAS cannot make now, -EADDRINUSE if mappings are
 * not aligned for PAGE_SIZE-only mapping.
 */
int iob_ioas_option_huge_pages(struct iob_ctx *ctx, struct iommu_option *cmd)
{
	struct iob_ioas *ioas;
	int rc = 0;

	ioas = iob_ioas_get(ctx, cmd->object_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->op == IOMMU_OPTION_OP_GET)
		cmd->val64 = iopt_large_pages(&ioas->iopt);
	else if (cmd->op != IOMMU_OPTION_OP_SET)
		rc = -EOPNOTSUPP;
	else if (cmd->val64 > 1)
		rc = -EINVAL;
	else
		rc = iopt_set_large_pages(&ioas->iopt, cmd->val64);

	iob_ioas_put(ioas);
	return rc;
}
