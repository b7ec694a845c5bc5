/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker as VFIO's IOMMU backend for the sPAPR TCE v2 container.
 */
#ifndef IOBROKER_DEVICES_VFIO_H
#define IOBROKER_DEVICES_VFIO_H

struct dentry;

#if defined(CONFIG_PPC_PSERIES) && IS_ENABLED(CONFIG_VFIO_CONTAINER)

int iob_vfio_init(struct dentry *debugfs);
void iob_vfio_exit(void);

#else

/* Without VFIO's container, or a pseries platform, there is nothing to serve. */
static inline int iob_vfio_init(struct dentry *debugfs)
{
	return 0;
}

static inline void iob_vfio_exit(void)
{
}

#endif

#endif
