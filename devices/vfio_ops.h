/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of VFIO's private header (drivers/vfio/vfio.h) an IOMMU
 * backend needs, declared here because distributions do not install that
 * header. The layout must be the one of the kernel the module is built
 * for, so it is kept honest twice over (Kbuild, docs/vfio.rst):
 *  - where the kernel's source tree is at hand (the rig, any build with a
 *    full tree), vfio_ops_check.c is compiled against the real header and
 *    asserts at compile time that the size, every member's offset and
 *    every member's type agree;
 *  - elsewhere, Kbuild refuses a kernel whose version this copy was not
 *    checked against (IOB_VFIO_OPS_CHECKED).
 */
#ifndef IOBROKER_VFIO_OPS_H
#define IOBROKER_VFIO_OPS_H

#include <linux/types.h>
#include <linux/vfio.h>

struct iommu_domain;
struct iommu_group;
struct module;
struct page;
struct vfio_device;

/* The kernel series whose vfio.h this copy was checked against. */
#define IOB_VFIO_OPS_CHECKED	"6.12"

/* enum vfio_group_type: what kind of group joins a container. */
enum iob_vfio_group_type {
	IOB_VFIO_IOMMU,			/* a real device behind an IOMMU */
	IOB_VFIO_EMULATED_IOMMU,	/* mdev: no DMA of its own */
	IOB_VFIO_NO_IOMMU,		/* no IOMMU at all (noiommu mode) */
};

/**
 * struct iob_vfio_driver_ops - Linux 6.12's struct vfio_iommu_driver_ops
 * @name: the backend's name
 * @owner: the module VFIO takes a reference on while a container uses it
 * @open: a new container chose an IOMMU type this backend said it has
 * @release: the container's last group left, or its file closed
 * @ioctl: every container ioctl VFIO does not answer itself; called with
 *	a NULL container for VFIO_CHECK_EXTENSION before a type is chosen
 * @attach_group: a group joins the container (VFIO already owns its DMA)
 * @detach_group: a group leaves the container
 * @pin_pages: for emulated IOMMU groups (mdev); optional
 * @unpin_pages: the same; optional
 * @register_device: a device of an attached group opened; optional
 * @unregister_device: the same, closed; optional, but set together with
 *	@register_device
 * @dma_rw: CPU access to IOVAs for emulated groups; optional
 * @group_iommu_domain: the domain behind a group, for KVM on x86; optional
 */
struct iob_vfio_driver_ops {
	char *name;
	struct module *owner;
	void *(*open)(unsigned long arg);
	void (*release)(void *iommu_data);
	long (*ioctl)(void *iommu_data, unsigned int cmd, unsigned long arg);
	int (*attach_group)(void *iommu_data, struct iommu_group *group,
			    enum iob_vfio_group_type type);
	void (*detach_group)(void *iommu_data, struct iommu_group *group);
	int (*pin_pages)(void *iommu_data, struct iommu_group *group,
			 dma_addr_t user_iova, int npage, int prot,
			 struct page **pages);
	void (*unpin_pages)(void *iommu_data, dma_addr_t user_iova, int npage);
	void (*register_device)(void *iommu_data, struct vfio_device *vdev);
	void (*unregister_device)(void *iommu_data, struct vfio_device *vdev);
	int (*dma_rw)(void *iommu_data, dma_addr_t user_iova, void *data,
		      size_t count, bool write);
	struct iommu_domain *(*group_iommu_domain)(void *iommu_data,
						   struct iommu_group *group);
};

/*
 * VFIO's exports take its own struct, which only the check sees; these
 * take ours, whose layout the check proved the same.
 */
struct vfio_iommu_driver_ops;
int vfio_register_iommu_driver(const struct vfio_iommu_driver_ops *ops);
void vfio_unregister_iommu_driver(const struct vfio_iommu_driver_ops *ops);

static inline const struct vfio_iommu_driver_ops *
iob_vfio_ops(const struct iob_vfio_driver_ops *ops)
{
	return (const struct vfio_iommu_driver_ops *)ops;
}

#endif
