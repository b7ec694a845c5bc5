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
 * struct iommu_iova_range - an IOVA range
 * @start: first IOVA
 * @last: last IOVA, inclusive
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - ioctl(IOMMU_IOAS_IOVA_RANGES)
 * @size: sizeof(struct iommu_ioas_iova_ranges)
 * @ioas_id: the IOAS
 * @num_iovas: in: how many entries @allowed_iovas has room for; out: how
 *	many ranges there are
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct iommu_iova_range
 * @out_iova_alignment: what IOVAs and lengths given to IOMMU_IOAS_MAP and
 *	IOMMU_IOAS_COPY must be multiples of
 *
 * Report the IOVA ranges mappings can use: everything the IOAS's page
 * tables translate, minus reserved ranges. A new IOAS allows the whole
 * 64-bit space; every page table attached narrows it to its apertures, and
 * detaching widens it again, so ask again after attaching or detaching.
 *
 * The ranges are written in ascending order, as many as fit. If they do
 * not all fit, the call fails with EMSGSIZE but still sets @num_iovas to
 * the number needed (and @out_iova_alignment), so the caller can retry
 * with a larger array.
 *
 * @out_iova_alignment is 1 for an IOAS without page tables. With page
 * tables it is their largest smallest IO page; it can exceed PAGE_SIZE
 * only for a TCE window whose IO page is larger (an iobroker extension).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct iommu_ioas_allow_iovas - ioctl(IOMMU_IOAS_ALLOW_IOVAS)
 * @size: sizeof(struct iommu_ioas_allow_iovas)
 * @ioas_id: the IOAS
 * @num_iovas: number of entries in @allowed_iovas; 0 clears the list
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct iommu_iova_range
 *
 * Replace the IOAS's list of allowed ranges. From then on nothing may
 * reserve IOVAs inside them: attaching a page table whose apertures do not
 * cover them fails with EADDRINUSE, so IOMMU_IOAS_IOVA_RANGES never
 * reports less than this list. Automatic IOVA selection in IOMMU_IOAS_MAP
 * and IOMMU_IOAS_COPY picks IOVAs only inside allowed ranges, when there
 * are any; fixed IOVAs are not limited by them.
 *
 * Each range needs start < last (EINVAL) and must not overlap another
 * range of the list (EINVAL). If a range overlaps a reserved range already
 * in the IOAS, the call fails with EADDRINUSE and the old list stays.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum iommufd_ioas_map_flags - flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY
 * @IOMMU_IOAS_MAP_FIXED_IOVA: map exactly at the given IOVA; without it
 *	the kernel chooses one and returns it
 * @IOMMU_IOAS_MAP_WRITEABLE: devices may write to the memory
 * @IOMMU_IOAS_MAP_READABLE: devices may read the memory
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)
 * @size: sizeof(struct iommu_ioas_map)
 * @flags: enum iommufd_ioas_map_flags; READABLE or WRITEABLE is required
 * @ioas_id: the IOAS
 * @__reserved: must be 0
 * @user_va: the first byte of memory to map
 * @length: bytes to map
 * @iova: in, with FIXED_IOVA: where to map; out: where the memory went
 *
 * Map @length bytes of the caller's memory at @user_va into the IOAS. The
 * IOVA, the length and the offset of @user_va within its page must be
 * multiples of the IOAS's IOVA alignment (EINVAL). A fixed IOVA must not
 * overlap a mapping (EEXIST) or a reserved range (EINVAL). A chosen IOVA
 * keeps the alignment of @user_va, so that large pages stay large, and is
 * never 0; ENOSPC if nothing fits.
 *
 * Memory is pinned, and charged to RLIMIT_MEMLOCK, only once the IOAS has
 * a page table; mapping into an IOAS without one only records the range.
 * Pinning fails with EFAULT for memory that is not there and ENOMEM above
 * the limit, and then nothing is mapped.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_copy - ioctl(IOMMU_IOAS_COPY)
 * @size: sizeof(struct iommu_ioas_copy)
 * @flags: enum iommufd_ioas_map_flags; READABLE or WRITEABLE is required
 * @dst_ioas_id: the IOAS to map into
 * @src_ioas_id: the IOAS whose mappings to copy
 * @length: bytes
 * @dst_iova: in, with FIXED_IOVA: where to map; out: where it went
 * @src_iova: first IOVA to copy from
 *
 * Map the memory behind [@src_iova, @src_iova + @length) of the source
 * IOAS into the destination IOAS, which may be the same one. The source
 * range must be entirely covered by mappings lying back to back (ENOENT
 * otherwise); it may start and end inside them. The copy shares the
 * pinned pages of the source: nothing is pinned or charged again. WRITEABLE
 * needs memory that was mapped writeable (EPERM). The destination rules
 * are those of IOMMU_IOAS_MAP.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/**
 * struct iommu_ioas_unmap - ioctl(IOMMU_IOAS_UNMAP)
 * @size: sizeof(struct iommu_ioas_unmap)
 * @ioas_id: the IOAS
 * @iova: first IOVA of the range
 * @length: in: bytes in the range; out: bytes unmapped
 *
 * Remove every mapping inside the range. A mapping is removed whole or not
 * at all: if one is only partly inside, the call fails with ENOENT and
 * (unlike Linux, which may already have removed mappings below it)
 * changes nothing. A range without mappings also gives ENOENT, except for
 * @iova 0 and @length U64_MAX, which means everything and succeeds even
 * when there is nothing. EBUSY if a map or unmap of the range is still in
 * flight.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_hwpt_alloc_flags - flags of IOMMU_HWPT_ALLOC
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: the table may later parent nested tables;
 *	accepted and recorded, as nesting is not offered on TCE hardware
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: track DMA writes; not supported
 *	(EOPNOTSUPP), TCE tables have no dirty bits
 * @IOMMU_HWPT_FAULT_ID_VALID: @fault_id names a fault queue; not supported
 *	(EOPNOTSUPP)
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
};

/**
 * enum iommu_hwpt_data_type - what IOMMU_HWPT_ALLOC's data describes
 * @IOMMU_HWPT_DATA_NONE: no data: a page table of the device's default
 *	shape
 * @IOMMU_HWPT_DATA_VTD_S1: Intel VT-d stage-1 table; not supported
 * @IOMMU_HWPT_DATA_IOB_TCE: iobroker extension: the DMA windows of a TCE
 *	table, &struct iommu_hwpt_iob_tce
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_IOB_TCE = 0x1000,
};

/**
 * struct iommu_iob_tce_window - one DMA window of a TCE table
 * @page_shift: log2 of the IO page size; 0 picks 4 KiB for the 32-bit
 *	window and PAGE_SIZE (or 4 KiB, if PAGE_SIZE is not offered) for the
 *	64-bit one
 * @levels: depth of the hardware table, from 1 to the device's
 *	&iommu_hw_info_iob_tce.max_levels; 0 means 1
 * @size: bytes of bus address space, a power of two; 0 for no window
 */
struct iommu_iob_tce_window {
	__u32 page_shift;
	__u32 levels;
	__aligned_u64 size;
};

/**
 * struct iommu_hwpt_iob_tce - IOMMU_HWPT_ALLOC data, IOMMU_HWPT_DATA_IOB_TCE
 * @flags: must be 0
 * @__reserved: must be 0
 * @windows: [0] the 32-bit window, at &iommu_hw_info_iob_tce.dma32_start,
 *	with 4 KiB IO pages and at most dma32_size bytes; [1] the 64-bit
 *	(dynamic) window, at ddw_start, with any IO page size in pgsizes
 *
 * iobroker extension. A POWER IOMMU translates only inside its DMA
 * windows, and every window has its own IO page size. This chooses them;
 * the HWPT's IOVA space is exactly the windows, which IOMMU_IOAS_IOVA_RANGES
 * reports once the HWPT is made. At least one window must have a size.
 * A mapping must be aligned to the IO page size of the window it lies in,
 * and large IO pages need memory that is contiguous and aligned to match
 * (hugetlbfs or transparent huge pages).
 *
 * Errors: EOPNOTSUPP for non-zero @flags or @__reserved; EINVAL for a
 * window the device cannot have: wrong page size, size not a power of two
 * or beyond the limits, a 64-bit window on a device without them, no
 * window at all.
 */
struct iommu_hwpt_iob_tce {
	__u32 flags;
	__u32 __reserved;
	struct iommu_iob_tce_window windows[2];
};

/**
 * struct iommu_hwpt_alloc - ioctl(IOMMU_HWPT_ALLOC)
 * @size: sizeof(struct iommu_hwpt_alloc)
 * @flags: enum iommufd_hwpt_alloc_flags
 * @dev_id: the device the table is made for; it picks the hardware
 * @pt_id: the IOAS whose mappings the table will hold
 * @out_hwpt_id: ID of the new hardware page table
 * @__reserved: must be 0
 * @data_type: enum iommu_hwpt_data_type
 * @data_len: bytes at @data_uptr; 0 exactly when @data_type is NONE
 * @data_uptr: user pointer to the type's data
 * @fault_id: fault queue, with IOMMU_HWPT_FAULT_ID_VALID
 * @__reserved2: ignored, as in Linux 6.12
 *
 * Make a hardware page table (HWPT) for the device's IOMMU that maps
 * everything the IOAS maps, now and later. The device is not attached;
 * attach it, or others of the same kind, through the device's own
 * interface. The HWPT keeps the IOAS from being destroyed (EBUSY) and
 * can be destroyed once no device is attached to it.
 *
 * Errors: EOPNOTSUPP for unsupported flags or data types or a non-zero
 * @__reserved; EINVAL for a @data_len that does not match @data_type or a
 * @pt_id that is not an IOAS; ENOENT for an unknown @dev_id; what
 * attaching the table to the IOAS can give (EADDRINUSE, EINVAL, EFAULT,
 * ENOMEM).
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/**
 * enum iommu_hw_info_type - what IOMMU_GET_HW_INFO's data describes
 * @IOMMU_HW_INFO_TYPE_NONE: nothing; the device's IOMMU reports no data
 * @IOMMU_HW_INFO_TYPE_DEFAULT: asked for with IOMMU_HW_INFO_FLAG_INPUT_TYPE:
 *	whatever type the device has
 * @IOMMU_HW_INFO_TYPE_INTEL_VTD: Intel VT-d registers; never reported
 * @IOMMU_HW_INFO_TYPE_IOB_TCE: iobroker extension: a POWER TCE IOMMU,
 *	&struct iommu_hw_info_iob_tce
 */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_IOB_TCE = 0x1000,
};

/**
 * enum iommufd_hw_capabilities - generic IOMMU capabilities
 * @IOMMU_HW_CAP_DIRTY_TRACKING: the IOMMU records DMA writes; never set
 *	by iobroker, TCE tables have no dirty bits
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: PASID execute permission; never set
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: PASID privileged mode; never set
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

/**
 * enum iommu_hw_info_iob_tce_flags - &iommu_hw_info_iob_tce.flags
 * @IOMMU_HW_INFO_IOB_TCE_DDW: the device can have a 64-bit (dynamic) DMA
 *	window
 */
enum iommu_hw_info_iob_tce_flags {
	IOMMU_HW_INFO_IOB_TCE_DDW = 1 << 0,
};

/**
 * struct iommu_hw_info_iob_tce - IOMMU_HW_INFO_TYPE_IOB_TCE data
 * @flags: enum iommu_hw_info_iob_tce_flags
 * @max_windows: windows one HWPT may have at once, 1 or 2
 * @pgsizes: IO page sizes a 64-bit window may use, one bit per size
 *	(bit n set: 2^n bytes); the 32-bit window always uses 4 KiB
 * @dma32_start: bus address of the 32-bit window
 * @dma32_size: its largest size in bytes
 * @ddw_start: bus address of a 64-bit window
 * @max_levels: deepest hardware table the platform builds
 * @max_entries_log2: a window holds at most 2^max_entries_log2 IO pages
 *
 * iobroker extension. See &struct iommu_hwpt_iob_tce for how to ask for
 * windows.
 */
struct iommu_hw_info_iob_tce {
	__u32 flags;
	__u32 max_windows;
	__aligned_u64 pgsizes;
	__aligned_u64 dma32_start;
	__aligned_u64 dma32_size;
	__aligned_u64 ddw_start;
	__u32 max_levels;
	__u32 max_entries_log2;
};

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - flags of
 *	&iommu_hwpt_set_dirty_tracking
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: turn tracking on, else off
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING)
 * @size: sizeof(struct iommu_hwpt_set_dirty_tracking)
 * @flags: enum iommufd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: the HWPT
 * @__reserved: must be 0
 *
 * Start or stop recording which IOVAs devices wrote to. TCE tables keep
 * no dirty bits, so no HWPT here can: the answer is EOPNOTSUPP, as Linux
 * gives for a page table whose driver cannot track.
 *
 * Errors: EOPNOTSUPP for unknown @flags; ENOENT if @hwpt_id is not a
 * HWPT; then EOPNOTSUPP.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, \
					  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - flags of
 *	&iommu_hwpt_get_dirty_bitmap
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: read the bits without clearing
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP)
 * @size: sizeof(struct iommu_hwpt_get_dirty_bitmap)
 * @hwpt_id: the HWPT
 * @flags: enum iommufd_hwpt_get_dirty_bitmap_flags
 * @__reserved: must be 0
 * @iova: first IOVA of the range to report
 * @length: bytes of the range
 * @page_size: bytes one bit of the bitmap stands for
 * @data: user address of the bitmap
 *
 * Read (and clear) the record of IOVAs devices wrote to. No HWPT here
 * records any: after Linux's checks of the range, EOPNOTSUPP.
 *
 * Errors: EOPNOTSUPP for unknown @flags or a non-zero @__reserved; ENOENT
 * if @hwpt_id is not a HWPT; EINVAL for no @length, no @page_size, or a
 * range not aligned to the IOAS's alignment or to @page_size; EOVERFLOW
 * for a range that wraps; then EOPNOTSUPP.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, \
					IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * struct iommu_fault_alloc - ioctl(IOMMU_FAULT_QUEUE_ALLOC)
 * @size: sizeof(struct iommu_fault_alloc)
 * @flags: must be 0
 * @out_fault_id: the queue's ID
 * @out_fault_fd: the file to read faults from
 *
 * Make a queue of I/O page faults for HWPTs to report to. A TCE device
 * never faults to its user (a DMA to an IOVA without a TCE is an EEH
 * error, not a fault to resolve), so there are no fault queues: the answer
 * is EOPNOTSUPP, and so is IOMMU_HWPT_FAULT_ID_VALID in IOMMU_HWPT_ALLOC.
 *
 * Errors: EOPNOTSUPP.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/**
 * enum iommu_hwpt_invalidate_data_type - &iommu_hwpt_invalidate.data_type
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: Intel VT-d first-stage entries;
 *	never served here
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
};

/**
 * struct iommu_hwpt_invalidate - ioctl(IOMMU_HWPT_INVALIDATE)
 * @size: sizeof(struct iommu_hwpt_invalidate)
 * @hwpt_id: a nested HWPT whose caches to invalidate
 * @data_uptr: an array of @entry_num entries of @entry_len bytes
 * @data_type: enum iommu_hwpt_invalidate_data_type of the entries
 * @entry_len: bytes per entry, at most PAGE_SIZE
 * @entry_num: in: entries at @data_uptr, at most 2^19; out: how many were
 *	done
 * @__reserved: must be 0
 *
 * Invalidate what a user-managed (nested) page table caches. A TCE table
 * has no second stage, so there is no nested HWPT to name: after the
 * checks of the structure, every @hwpt_id gives ENOENT, and @entry_num
 * comes back as 0 (written back on every error but EFAULT, as in Linux).
 *
 * Errors: EOPNOTSUPP for a non-zero @__reserved; EINVAL for entries
 * without a pointer or a length, longer than PAGE_SIZE or more than 2^19;
 * ENOENT.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/**
 * enum iommufd_hw_info_flags - &iommu_hw_info.flags
 * @IOMMU_HW_INFO_FLAG_INPUT_TYPE: @in_data_type says which type of data
 *	the caller wants; without it, the device's own type
 */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/**
 * struct iommu_hw_info - ioctl(IOMMU_GET_HW_INFO)
 * @size: sizeof(struct iommu_hw_info)
 * @flags: enum iommufd_hw_info_flags
 * @dev_id: a device bound to this file
 * @data_len: in: bytes at @data_uptr; out: bytes of data the kernel has,
 *	which may be more than were copied
 * @data_uptr: where to copy the IOMMU's data; a longer buffer has its
 *	tail zeroed, a shorter one gets the start of the data
 * @in_data_type: with IOMMU_HW_INFO_FLAG_INPUT_TYPE, the enum
 *	iommu_hw_info_type wanted: IOMMU_HW_INFO_TYPE_DEFAULT or the
 *	device's own type (EOPNOTSUPP for any other)
 * @out_data_type: enum iommu_hw_info_type of the data
 * @out_max_pasid_log2: width of the device's PASIDs; 0 for every TCE
 *	device (only a test module's mock device may report more)
 * @__reserved: must be 0
 * @out_capabilities: enum iommufd_hw_capabilities
 *
 * Describe the IOMMU in front of a device, so that userspace can choose
 * HWPT shapes it accepts. @data_len 0 is allowed and only reports the
 * length. @flags and @in_data_type are those of later Linux releases,
 * which the 6.12 stable series' selftests use.
 *
 * Errors: EOPNOTSUPP for unknown @flags, non-zero @__reserved or a type
 * the device does not have; ENOENT for an unknown @dev_id; EFAULT for a
 * buffer that cannot be written.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

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

/**
 * enum iommufd_vfio_ioas_op - what IOMMU_VFIO_IOAS does
 * @IOMMU_VFIO_IOAS_GET: return the IOAS VFIO's container ioctls on this
 *	file use in @ioas_id; ENODEV if there is none
 * @IOMMU_VFIO_IOAS_SET: make @ioas_id that IOAS; ENOENT if it is not one
 * @IOMMU_VFIO_IOAS_CLEAR: forget it; the IOAS itself stays
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

/**
 * struct iommu_vfio_ioas - ioctl(IOMMU_VFIO_IOAS)
 * @size: sizeof(struct iommu_vfio_ioas)
 * @ioas_id: the IOAS to use (SET), or the one in use (GET)
 * @op: one of enum iommufd_vfio_ioas_op
 * @__reserved: must be 0
 *
 * Choose the IOAS that VFIO's type1 container ioctls on this /dev/iommu
 * file (VFIO_IOMMU_MAP_DMA and the others) work on. The file does not
 * hold the IOAS by this: destroying it leaves the file without one. A
 * non-zero @__reserved or an unknown @op gives EOPNOTSUPP. Only GET writes
 * back, and only @ioas_id.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

#endif
