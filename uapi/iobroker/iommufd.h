/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobroker: the /dev/iommu user ABI.
 *
 * Every ioctl declared here is binary compatible with the one of the same
 * name in Linux 6.12's include/uapi/linux/iommufd.h: same number, same
 * structure layout, same errno meanings. A program written against the
 * upstream header works unchanged against iobroker. Definitions that exist
 * only in iobroker are marked "iobroker extension" and use values upstream
 * has not assigned.
 *
 * A program includes either this header or <linux/iommufd.h>, not both.
 */
#ifndef _UAPI_IOBROKER_IOMMUFD_H
#define _UAPI_IOBROKER_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

/**
 * DOC: Calling convention
 *
 * Each ioctl takes a pointer to a structure whose first member is a __u32
 * @size that userspace sets to the number of bytes it is passing. The ioctl
 * number does not encode a size, so a structure can grow at its end in later
 * versions:
 *
 *  - a caller that passes fewer bytes than the kernel knows about gets the
 *    missing tail treated as zero, as long as it passes at least the first
 *    version of the structure;
 *  - a caller that passes more bytes than the kernel knows about must leave
 *    the extra bytes zero.
 *
 * Output members (named out_*) and in/out members are written back only up
 * to @size bytes. The errno values have fixed meanings across all ioctls:
 *
 *  - ENOTTY: the ioctl number is not one this file implements;
 *  - E2BIG: the structure is longer than the kernel understands and a byte
 *    past the understood part is not zero;
 *  - EOPNOTSUPP: the structure is understood, but a known member (flags,
 *    an operation selector, a reserved member) holds a value this kernel
 *    does not support;
 *  - EINVAL: every member is understood, but the combination of values is
 *    wrong, or @size is shorter than the first version of the structure;
 *  - ENOENT: an object ID or IOVA named in the structure does not exist;
 *  - EFAULT: the structure, or memory it points to, cannot be accessed;
 *  - ENOMEM: out of memory;
 *  - EOVERFLOW: arithmetic on the given values would overflow.
 *
 * Individual ioctls document further errnos they can return.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
};

/**
 * struct iommu_destroy - ioctl(IOMMU_DESTROY)
 * @size: sizeof(struct iommu_destroy)
 * @id: ID of the object to destroy
 *
 * Destroy an object that userspace created. Objects are held in a
 * dependency graph: a page table keeps its IO address space alive, a device
 * keeps its page table alive. An object that something else still depends
 * on, or that a kernel user owns, is not destroyed and the call fails with
 * EBUSY; so does a call that races with another ioctl using the same object.
 * The call never sleeps waiting for either to go away. An @id that names no
 * object gives ENOENT.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/**
 * struct iommu_ioas_alloc - ioctl(IOMMU_IOAS_ALLOC)
 * @size: sizeof(struct iommu_ioas_alloc)
 * @flags: must be 0
 * @out_ioas_id: ID of the new IO address space
 *
 * Create an IO address space (IOAS): a set of IOVA to user memory mappings
 * that page tables and devices can later be attached to. Object IDs are
 * positive, at most 2^31 - 1, unique within the open file, and the lowest
 * free ID is handed out first.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/**
 * enum iommufd_option - the options IOMMU_OPTION can read or change
 * @IOMMU_OPTION_RLIMIT_MODE: how pinned pages are charged against
 *	RLIMIT_MEMLOCK for this file. 0 (the default) charges the user that
 *	owns the mapping process, 1 charges the mapping process itself, as
 *	VFIO does. A per-file option: @object_id must be 0. Changing it needs
 *	CAP_SYS_RESOURCE (EPERM otherwise) and is refused with EBUSY once the
 *	file holds any object.
 * @IOMMU_OPTION_HUGE_PAGES: whether contiguous memory may be mapped with
 *	IO pages larger than PAGE_SIZE. 1 (the default) allows it, 0 maps
 *	everything PAGE_SIZE by PAGE_SIZE, which is mostly useful to measure
 *	the difference. A per-IOAS option: @object_id is the IOAS ID.
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - what IOMMU_OPTION does with the option
 * @IOMMU_OPTION_OP_SET: store @val64 as the option's new value
 * @IOMMU_OPTION_OP_GET: return the option's value in @val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - ioctl(IOMMU_OPTION)
 * @size: sizeof(struct iommu_option)
 * @option_id: one of enum iommufd_option
 * @op: one of enum iommufd_option_ops
 * @__reserved: must be 0
 * @object_id: the object the option belongs to, or 0 for per-file options
 * @val64: the value to set, or the value read back
 *
 * Read or change one option. An unknown @option_id or @op, or a non-zero
 * @__reserved, gives EOPNOTSUPP; a value the option does not accept gives
 * EINVAL; an @object_id that does not name an object of the right type
 * gives ENOENT. Only @val64 is written back, and only on success.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

#endif
