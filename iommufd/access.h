/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker access objects: what the core offers beyond the in-kernel API
 * of include/iobroker/access.h, for the test module.
 */
#ifndef IOBROKER_ACCESS_PRIV_H
#define IOBROKER_ACCESS_PRIV_H

#include <linux/types.h>
#include <iobroker/access.h>

int iob_access_ioas_nth_area(struct iob_access *access, unsigned int nth,
			     u64 *iova);
struct iob_object;
void iob_access_report(struct iob_object *obj, u32 *ioas_id, u64 *npages);

#endif
