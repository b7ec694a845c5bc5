/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The sPAPR TCE v2 container of a /dev/iommu file: what devices and the
 * file's release need of it (iommufd/vfio_compat.c).
 */
#ifndef IOBROKER_VFIO_COMPAT_H
#define IOBROKER_VFIO_COMPAT_H

#include <linux/types.h>

struct iob_ctx;
struct iob_device;
struct iob_vfio_spapr;

struct iob_vfio_spapr *iob_vfio_container_of(struct iob_ctx *ctx, u32 id);
u32 iob_vfio_container_id(struct iob_vfio_spapr *c);
int iob_vfio_join(struct iob_vfio_spapr *c, struct iob_device *idev);
void iob_vfio_lock(struct iob_vfio_spapr *c);
void iob_vfio_unlock(struct iob_vfio_spapr *c);
void iob_vfio_leave_locked(struct iob_device *idev);
void iob_vfio_leave(struct iob_device *idev);
void iob_vfio_ctx_release(struct iob_ctx *ctx);

#endif
