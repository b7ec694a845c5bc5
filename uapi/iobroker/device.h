/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobroker: the user ABI of a PCI device node, /dev/iobroker/<device>.
 *
 * A PCI device bound to the iobroker-pci driver gets a character device.
 * Opening it and binding it to a /dev/iommu file makes the device an
 * object of that file, which userspace then attaches to an IOAS or a HWPT.
 * The flow is the one of VFIO's device cdev (Linux 6.12): the ioctls below
 * have the numbers and structure layouts of the VFIO ioctls of the same
 * name, so code written for a VFIO cdev's bind, attach and region calls
 * works here unchanged. iobroker offers only these; it has no interrupts,
 * no reset and no writable config space.
 *
 * A program that also needs the rest of VFIO's ABI includes
 * <linux/vfio.h> first: this header then adds nothing, since all it
 * declares is declared there alike.
 *
 * Who may use a device is decided by the permissions of its node. All
 * devices of an iommu group must be bound to the same /dev/iommu file (or
 * have no driver); a device whose group is in use by a kernel driver, or
 * bound to another file, cannot be bound. Closing the node (and
 * unmapping its regions) unbinds the device: its DMA is blocked, every
 * TCE iobroker stored for it is cleared and the device object goes away.
 */
#ifndef _UAPI_IOBROKER_DEVICE_H
#define _UAPI_IOBROKER_DEVICE_H

/*
 * <linux/vfio.h> came first and has all of this: its guard is VFIO_H as
 * installed, _UAPIVFIO_H in the kernel tree.
 */
#if !defined(VFIO_H) && !defined(_UAPIVFIO_H)

#include <linux/ioctl.h>
#include <linux/types.h>

#define VFIO_TYPE	(';')
#define VFIO_BASE	100

/**
 * struct vfio_device_info - ioctl(VFIO_DEVICE_GET_INFO)
 * @argsz: bytes the caller passes, at least up to @num_irqs
 * @flags: out: VFIO_DEVICE_FLAGS_PCI
 * @num_regions: out: VFIO_PCI_NUM_REGIONS
 * @num_irqs: out: 0, interrupts are not offered
 * @cap_offset: out: 0, there are no capability chains
 * @pad: out: 0
 *
 * Errors: EINVAL for a short @argsz or a device not bound yet; EFAULT.
 */
struct vfio_device_info {
	__u32 argsz;
	__u32 flags;
	__u32 num_regions;
	__u32 num_irqs;
	__u32 cap_offset;
	__u32 pad;
};

/**
 * enum vfio_device_info_flags - &vfio_device_info.flags
 * @VFIO_DEVICE_FLAGS_PCI: a PCI device
 */
enum vfio_device_info_flags {
	VFIO_DEVICE_FLAGS_PCI = 1 << 1,
};

#define VFIO_DEVICE_GET_INFO	_IO(VFIO_TYPE, VFIO_BASE + 7)

/**
 * struct vfio_region_info - ioctl(VFIO_DEVICE_GET_REGION_INFO)
 * @argsz: bytes the caller passes, at least up to @offset
 * @flags: out: VFIO_REGION_INFO_FLAG_* for what the region allows
 * @index: in: one of the VFIO_PCI_*_REGION_INDEX values
 * @cap_offset: out: 0
 * @size: out: bytes; 0 for a region the device does not have
 * @offset: out: where the region starts in the node's file offsets,
 *	for read(), write() and mmap()
 *
 * Memory BARs can be read, written and, when they are at least a page
 * and page aligned, mapped. I/O port BARs can be read and written. The
 * config region can be read. The ROM and VGA regions are not offered.
 *
 * Errors: EINVAL for a short @argsz, an unknown @index or a device not
 * bound yet; EFAULT.
 */
struct vfio_region_info {
	__u32 argsz;
	__u32 flags;
	__u32 index;
	__u32 cap_offset;
	__aligned_u64 size;
	__aligned_u64 offset;
};

/**
 * enum vfio_region_info_flags - &vfio_region_info.flags
 * @VFIO_REGION_INFO_FLAG_READ: read() works
 * @VFIO_REGION_INFO_FLAG_WRITE: write() works
 * @VFIO_REGION_INFO_FLAG_MMAP: mmap() works
 */
enum vfio_region_info_flags {
	VFIO_REGION_INFO_FLAG_READ = 1 << 0,
	VFIO_REGION_INFO_FLAG_WRITE = 1 << 1,
	VFIO_REGION_INFO_FLAG_MMAP = 1 << 2,
};

#define VFIO_DEVICE_GET_REGION_INFO	_IO(VFIO_TYPE, VFIO_BASE + 8)

/**
 * enum vfio_pci_region_index - the regions of a PCI device
 * @VFIO_PCI_BAR0_REGION_INDEX: BAR 0
 * @VFIO_PCI_BAR1_REGION_INDEX: BAR 1
 * @VFIO_PCI_BAR2_REGION_INDEX: BAR 2
 * @VFIO_PCI_BAR3_REGION_INDEX: BAR 3
 * @VFIO_PCI_BAR4_REGION_INDEX: BAR 4
 * @VFIO_PCI_BAR5_REGION_INDEX: BAR 5
 * @VFIO_PCI_ROM_REGION_INDEX: expansion ROM; not offered
 * @VFIO_PCI_CONFIG_REGION_INDEX: config space, read-only
 * @VFIO_PCI_VGA_REGION_INDEX: legacy VGA; not offered
 * @VFIO_PCI_NUM_REGIONS: the number of regions
 *
 * Region i starts at file offset i << 40.
 */
enum vfio_pci_region_index {
	VFIO_PCI_BAR0_REGION_INDEX,
	VFIO_PCI_BAR1_REGION_INDEX,
	VFIO_PCI_BAR2_REGION_INDEX,
	VFIO_PCI_BAR3_REGION_INDEX,
	VFIO_PCI_BAR4_REGION_INDEX,
	VFIO_PCI_BAR5_REGION_INDEX,
	VFIO_PCI_ROM_REGION_INDEX,
	VFIO_PCI_CONFIG_REGION_INDEX,
	VFIO_PCI_VGA_REGION_INDEX,
	VFIO_PCI_NUM_REGIONS = 9,
};

/**
 * struct vfio_device_bind_iommufd - ioctl(VFIO_DEVICE_BIND_IOMMUFD)
 * @argsz: bytes the caller passes, at least up to @out_devid
 * @flags: must be 0
 * @iommufd: an open /dev/iommu file
 * @out_devid: the device's ID in that file, for IOMMU_HWPT_ALLOC,
 *	IOMMU_GET_HW_INFO and the like
 *
 * Take over the device's DMA for the file: the device's iommu group is
 * claimed (its DMA is blocked until attached), bus mastering is enabled
 * and the device becomes a device object. Until this succeeds, no other
 * call on the node is allowed. The binding holds the /dev/iommu file
 * open; it ends when the node is closed.
 *
 * Errors: EINVAL for a short @argsz, non-zero @flags, a negative
 * @iommufd or a node that is bound already; EBADF if @iommufd is not an
 * open file; EBADFD if it is not a /dev/iommu file; EBUSY if the device
 * is bound through another open of its node; EPERM if its group is owned
 * by another /dev/iommu file or used by a kernel driver; ENODEV if the
 * device is not behind an IOMMU iobroker drives; ENOMEM; EFAULT.
 */
struct vfio_device_bind_iommufd {
	__u32 argsz;
	__u32 flags;
	__s32 iommufd;
	__u32 out_devid;
};

#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

/**
 * struct vfio_device_attach_iommufd_pt - ioctl(VFIO_DEVICE_ATTACH_IOMMUFD_PT)
 * @argsz: bytes the caller passes, at least up to @pt_id
 * @flags: must be 0
 * @pt_id: in: an IOAS or a HWPT of the bound file; out: the HWPT the
 *	device now translates through (for an IOAS, one the kernel made or
 *	reused)
 *
 * Attach the device, or move an attached device to another IOAS or HWPT
 * (replace). Devices of one iommu group translate through the same HWPT.
 *
 * Errors: EINVAL for a short @argsz, non-zero @flags, a device not bound,
 * a @pt_id that is neither IOAS nor HWPT, a HWPT made for another kind
 * of device or with windows this device cannot have, or a group whose
 * other devices use another HWPT; ENOENT for an unknown @pt_id; what
 * making the windows reports (ENODEV, EPERM, ENOMEM, EIO); EFAULT.
 */
struct vfio_device_attach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
	__u32 pt_id;
};

#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

/**
 * struct vfio_device_detach_iommufd_pt - ioctl(VFIO_DEVICE_DETACH_IOMMUFD_PT)
 * @argsz: bytes the caller passes, at least up to @flags
 * @flags: must be 0
 *
 * Block the device's DMA: its TCEs are cleared and its windows removed
 * when no device of its group is attached any more. Detaching a device
 * that is not attached does nothing.
 *
 * Errors: EINVAL for a short @argsz, non-zero @flags or a device not
 * bound; EFAULT.
 */
struct vfio_device_detach_iommufd_pt {
	__u32 argsz;
	__u32 flags;
};

#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)

#endif /* !VFIO_H && !_UAPIVFIO_H */

#endif
