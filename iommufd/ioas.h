/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker IO address space objects.
 */
#ifndef IOBROKER_IOAS_H
#define IOBROKER_IOAS_H

#include <linux/err.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "../iopt/io_pagetable.h"
#include "object.h"

struct iommu_option;

/**
 * struct iob_ioas - an IO address space
 * @obj: object header
 * @iopt: its IOVA space and mappings
 * @mutex: protects @hwpts
 * @hwpts: the HWPTs made for this IOAS (&struct iob_hwpt.item); each holds
 *	a long-term reference on the IOAS
 */
struct iob_ioas {
	struct iob_object obj;
	struct iopt iopt;
	struct mutex mutex;	/* protects hwpts */
	struct list_head hwpts;
};

static inline struct iob_ioas *iob_ioas_get(struct iob_ctx *ctx, u32 id)
{
	struct iob_object *obj = iob_object_get(ctx, id, IOB_OBJ_IOAS);

	return IS_ERR(obj) ? ERR_CAST(obj) :
			     container_of(obj, struct iob_ioas, obj);
}

static inline void iob_ioas_put(struct iob_ioas *ioas)
{
	iob_object_put(&ioas->obj);
}

struct iob_ioas *iob_ioas_create(struct iob_ctx *ctx);
int iob_ioas_option_huge_pages(struct iob_ctx *ctx, struct iommu_option *cmd);

#endif
