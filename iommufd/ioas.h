/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker IO address space objects.
 */
#ifndef IOBROKER_IOAS_H
#define IOBROKER_IOAS_H

#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "object.h"

struct iommu_option;

/**
 * struct iob_ioas - an IO address space
 * @obj: object header
 * @lock: protects the IOAS's settings below
 * @large_pages: contiguous memory may be mapped with IO pages larger than
 *	PAGE_SIZE (IOMMU_OPTION_HUGE_PAGES)
 */
struct iob_ioas {
	struct iob_object obj;
	struct mutex lock;	/* protects large_pages */
	bool large_pages;
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

int iob_ioas_option_huge_pages(struct iob_ctx *ctx, struct iommu_option *cmd);

#endif
