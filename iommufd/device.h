/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker devices and hardware page tables: the interface for the drivers
 * that turn a device into an iobroker device object (the PCI driver, the
 * test module's mock devices).
 */
#ifndef IOBROKER_DEVICE_H
#define IOBROKER_DEVICE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "object.h"

struct iob_device;
struct iob_ioas;
struct iob_vfio_spapr;
struct iob_pt;

/**
 * struct iob_device_ops - what a device driver provides
 * @pt_alloc: make a page table this device can translate through, empty,
 *	of the shape @data (of type @data_type, @len bytes) asks for, or of
 *	the device's default shape for IOMMU_HWPT_DATA_NONE
 * @set_pt: make the device translate through @pt instead of whatever it
 *	used before; NULL blocks its DMA. Returns -EINVAL, changing
 *	nothing, if the device cannot use @pt; must not fail for NULL.
 *	Other errors (firmware, memory) also leave the device as it was.
 * @hw_info: fill up to @len bytes at @data with what IOMMU_GET_HW_INFO
 *	reports for the device, set @type to its enum iommu_hw_info_type and
 *	@pasid_log2 to the width of the device's PASIDs (left at 0 if it has
 *	none), and return the length, or a negative errno; may be NULL (type
 *	NONE)
 * @name: the name of the device the object stands for (a PCI address),
 *	valid while it is bound, for reports; may be NULL
 *
 * A page table made for one device may be shared by other devices of the
 * same driver; @set_pt decides.
 */
struct iob_device_ops {
	struct iob_pt *(*pt_alloc)(struct iob_device *idev, u32 data_type,
				   const void *data, size_t len);
	int (*set_pt)(struct iob_device *idev, struct iob_pt *pt);
	int (*hw_info)(struct iob_device *idev, void *data, size_t len,
		       u32 *type, u8 *pasid_log2);
	const char *(*name)(struct iob_device *idev);
};

/* The longest data any driver's hw_info reports. */
#define IOB_HW_INFO_MAX 64

struct iob_hwpt;

/**
 * struct iob_device - a device bound to an iobroker file
 * @obj: object header; the binding driver owns a long-term reference
 * @ctx: the file it is bound to
 * @ops: its driver
 * @priv: the driver's data
 * @lock: protects @hwpt and @container, and serialises attach, replace
 *	and detach
 * @hwpt: the HWPT the device translates through, or NULL; the device
 *	holds a long-term reference on it
 * @container: the file's sPAPR container the device is in, attached to its
 *	IOAS after VFIO_SET_IOMMU(VFIO_SPAPR_TCE_v2_IOMMU), or NULL; it then
 *	translates through the container's page table and @hwpt is NULL
 * @container_item: in the container's list of devices, under its lock
 */
struct iob_device {
	struct iob_object obj;
	struct iob_ctx *ctx;
	const struct iob_device_ops *ops;
	void *priv;
	struct mutex lock;	/* protects hwpt, container */
	struct iob_hwpt *hwpt;
	struct iob_vfio_spapr *container;
	struct list_head container_item;
};

/**
 * struct iob_hwpt - a hardware page table object
 * @obj: object header
 * @ioas: the IOAS whose mappings it holds; long-term reference
 * @pt: the driver's page table
 * @drv: the driver that made @pt; only its devices can use it
 * @item: in the IOAS's list, under its mutex
 * @ctx: the file it is in
 * @automatic: made by the kernel for an attach to an IOAS, and destroyed
 *	when its last device leaves
 */
struct iob_hwpt {
	struct iob_object obj;
	struct iob_ioas *ioas;
	struct iob_pt *pt;
	const struct iob_device_ops *drv;
	struct list_head item;
	struct iob_ctx *ctx;
	bool automatic;
};

/**
 * iob_device_attached() - whether a device is attached
 * @idev: the device, its attach and detach calls serialised by the caller
 *
 * Return: true if it uses a HWPT or is in a sPAPR container.
 */
static inline bool iob_device_attached(struct iob_device *idev)
{
	return idev->hwpt || idev->container;
}

struct iob_device *iob_device_bind(struct iob_ctx *ctx,
				   const struct iob_device_ops *ops,
				   void *priv);
void iob_device_unbind(struct iob_device *idev);
int iob_device_attach(struct iob_device *idev, u32 *pt_id);
int iob_device_replace(struct iob_device *idev, u32 *pt_id);
void iob_device_detach(struct iob_device *idev);
const char *iob_device_name(struct iob_device *idev);

struct iob_hwpt *iob_hwpt_get(struct iob_ctx *ctx, u32 id);
void iob_hwpt_publish(struct iob_hwpt *hwpt);
struct iob_hwpt *iob_hwpt_create(struct iob_ctx *ctx, struct iob_ioas *ioas,
				 struct iob_device *idev, u32 data_type,
				 const void *data, size_t len, bool automatic);
void iob_hwpt_put_user(struct iob_ctx *ctx, struct iob_hwpt *hwpt);

#endif
