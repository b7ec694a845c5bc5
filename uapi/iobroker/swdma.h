/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobroker sample: the user ABI of the software DMA engine, /dev/iob_swdma.
 *
 * The engine (module iobroker_swdma, samples/swdma.c) moves bytes between
 * IOVAs of an IO address space of a /dev/iommu file, as a DMA engine
 * behind an IOMMU would, but with the CPU: it reaches the memory through
 * an access object of the iobroker kAPI, not through a page table. It is
 * the sample consumer of that kAPI (include/iobroker/access.h).
 *
 * Each open file of /dev/iob_swdma is one channel. A channel is bound once
 * to an IOAS of a /dev/iommu file (IOB_SWDMA_BIND), may move to another
 * IOAS of that file (IOB_SWDMA_SET_IOAS), copies (IOB_SWDMA_COPY) and
 * reports what it did (IOB_SWDMA_INFO). Closing the channel ends the
 * binding. While bound, the channel keeps the /dev/iommu file's objects
 * alive even if every descriptor of that file is closed.
 */
#ifndef _UAPI_IOBROKER_SWDMA_H
#define _UAPI_IOBROKER_SWDMA_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The ioctl type byte. It is private to /dev/iob_swdma (unassigned in
 * Linux 6.12's ioctl-number.rst, and not registered there): these numbers
 * mean nothing on any other file.
 */
#define IOB_SWDMA_TYPE		0xBA

/**
 * DOC: Calling convention
 *
 * The calls follow /dev/iommu's convention. Each ioctl takes a pointer to a
 * structure whose first member is a __u32 @size, the number of bytes the
 * caller passes; the ioctl number encodes no size. A caller may pass a
 * longer structure than the kernel knows if the extra bytes are zero, and
 * out_* members are written back only up to @size bytes.
 *
 * Errors common to all calls:
 *
 *  - ENOTTY: not an ioctl of this file;
 *  - EFAULT: the structure cannot be read or written back;
 *  - EINVAL: @size is shorter than the structure's first version, or the
 *    values do not make sense together;
 *  - E2BIG: @size is longer than the kernel knows and a byte past what it
 *    knows is not zero;
 *  - EOPNOTSUPP: a flag or reserved member holds a value not supported;
 *  - ENXIO: the channel is not bound (every call but BIND and INFO).
 *
 * A channel runs one BIND, SET_IOAS or COPY at a time; a second caller
 * waits for the first. INFO never waits.
 */
enum {
	IOB_SWDMA_CMD_BIND = 0x00,
	IOB_SWDMA_CMD_SET_IOAS = 0x01,
	IOB_SWDMA_CMD_COPY = 0x02,
	IOB_SWDMA_CMD_INFO = 0x03,
};

/**
 * struct iob_swdma_bind - ioctl(IOB_SWDMA_BIND)
 * @size: sizeof(struct iob_swdma_bind)
 * @flags: must be 0
 * @iommufd: an open /dev/iommu file descriptor
 * @ioas_id: the IOAS of that file to work on
 * @out_access_id: ID of the access object the channel made in that file
 * @__reserved: must be 0
 *
 * Bind the channel to an IOAS: the engine creates an access object in the
 * file (an object userspace sees but cannot destroy: EBUSY) and attaches it
 * to the IOAS. From now on every mapping of that IOAS must be aligned to
 * PAGE_SIZE, in IOVA, length and memory, which IOMMU_IOAS_IOVA_RANGES
 * reports as its alignment; mappings that are not are refused.
 *
 * The binding holds the /dev/iommu file, so the IOAS and its mappings stay
 * usable through the channel after @iommufd is closed, until the channel
 * is closed.
 *
 * Errors: EBUSY if the channel is already bound (use IOB_SWDMA_SET_IOAS);
 * EBADF if @iommufd is not an open descriptor; EBADFD if it is not a
 * /dev/iommu file; ENOENT if @ioas_id is not an IOAS of it; EADDRINUSE if a
 * mapping of the IOAS is not aligned to PAGE_SIZE; ENOMEM.
 */
struct iob_swdma_bind {
	__u32 size;
	__u32 flags;
	__s32 iommufd;
	__u32 ioas_id;
	__u32 out_access_id;
	__u32 __reserved;
};

#define IOB_SWDMA_BIND		_IO(IOB_SWDMA_TYPE, IOB_SWDMA_CMD_BIND)

/**
 * struct iob_swdma_set_ioas - ioctl(IOB_SWDMA_SET_IOAS)
 * @size: sizeof(struct iob_swdma_set_ioas)
 * @ioas_id: an IOAS of the file the channel is bound to
 *
 * Move the bound channel to another IOAS of the same /dev/iommu file; later
 * copies use its IOVAs. Naming the IOAS the channel is on does nothing. On
 * error the channel stays where it was.
 *
 * Errors: ENOENT if @ioas_id is not an IOAS of the file; EADDRINUSE if a
 * mapping of it is not aligned to PAGE_SIZE; ENOMEM.
 */
struct iob_swdma_set_ioas {
	__u32 size;
	__u32 ioas_id;
};

#define IOB_SWDMA_SET_IOAS	_IO(IOB_SWDMA_TYPE, IOB_SWDMA_CMD_SET_IOAS)

/**
 * enum iob_swdma_copy_flags - &iob_swdma_copy.flags
 * @IOB_SWDMA_COPY_RW: copy through a kernel bounce buffer with
 *	iob_access_rw() instead of pinning the pages and copying between
 *	them; the result is the same, the kAPI path is another
 */
enum iob_swdma_copy_flags {
	IOB_SWDMA_COPY_RW = 1 << 0,
};

/* The longest copy one IOB_SWDMA_COPY does: 64 MiB. */
#define IOB_SWDMA_COPY_MAX_LENGTH	(64ULL << 20)

/**
 * struct iob_swdma_copy - ioctl(IOB_SWDMA_COPY)
 * @size: sizeof(struct iob_swdma_copy)
 * @flags: 0 or IOB_SWDMA_COPY_RW
 * @src_iova: first IOVA to read, in the channel's IOAS
 * @dst_iova: first IOVA to write, in the channel's IOAS
 * @length: bytes to copy, 1 to IOB_SWDMA_COPY_MAX_LENGTH
 * @out_bytes_done: bytes copied
 *
 * Copy @length bytes from @src_iova to @dst_iova; any alignment of either
 * is fine. The source must be mapped readable, the destination writeable,
 * each by one or more back to back mappings. The copy runs on a kernel
 * worker, a piece at a time, and the call returns when it has finished or
 * failed. If the two ranges overlap, in IOVA or in the memory behind them,
 * what the destination then holds is undefined.
 *
 * @out_bytes_done is written back on success and on the errors the copy
 * itself meets (those below): the first @out_bytes_done bytes of the
 * destination hold the source's bytes. Bytes after them may or may not
 * have been written.
 *
 * An IOMMU_IOAS_UNMAP of either range never waits for more than the piece
 * in flight; the copy then fails.
 *
 * Errors: EINVAL if @length is 0 or too long, or if a range is being
 * unmapped at that moment; EOVERFLOW if a range wraps around; ENOENT if a
 * byte of a range is not mapped; EPERM if the source is not readable or
 * the destination not writeable; EFAULT if the memory behind a mapping is
 * gone; ENOMEM.
 */
struct iob_swdma_copy {
	__u32 size;
	__u32 flags;
	__aligned_u64 src_iova;
	__aligned_u64 dst_iova;
	__aligned_u64 length;
	__aligned_u64 out_bytes_done;
};

#define IOB_SWDMA_COPY		_IO(IOB_SWDMA_TYPE, IOB_SWDMA_CMD_COPY)

/**
 * struct iob_swdma_info - ioctl(IOB_SWDMA_INFO)
 * @size: sizeof(struct iob_swdma_info)
 * @flags: must be 0
 * @out_ioas_id: the IOAS the channel is on; 0 if it is not bound
 * @out_access_id: its access object's ID in the /dev/iommu file; 0 if none
 * @out_bytes_copied: bytes written by all copies of the channel, including
 *	the @out_bytes_done of failed ones
 * @out_copies: copies that succeeded
 * @out_unmap_calls: times the core called the channel's unmap callback,
 *	which it does when the channel leaves an IOAS (SET_IOAS), and when
 *	an IOMMU_IOAS_UNMAP meets pages the engine holds pinned; an unmap
 *	of memory the engine is not using need not call it
 *
 * What the channel is bound to and what it has done. It does not wait for
 * a copy in flight, so a copy's bytes show when it has finished.
 */
struct iob_swdma_info {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
	__u32 out_access_id;
	__aligned_u64 out_bytes_copied;
	__aligned_u64 out_copies;
	__aligned_u64 out_unmap_calls;
};

#define IOB_SWDMA_INFO		_IO(IOB_SWDMA_TYPE, IOB_SWDMA_CMD_INFO)

#endif
