// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that devices/vfio_ops.h matches the kernel it is
 * built for: compiled only where that kernel's drivers/vfio/vfio.h is at
 * hand (Kbuild adds its directory), it emits no code and fails the build
 * on any difference in size, alignment, member offset, member type or the
 * group types' values.
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/stddef.h>

#include <vfio.h>
#include "vfio_ops.h"

#define THEIRS struct vfio_iommu_driver_ops
#define OURS struct iob_vfio_driver_ops

/* Typed null pointers, for the members' types; never dereferenced. */
static THEIRS *const theirs __maybe_unused;
static OURS *const ours __maybe_unused;

static_assert(sizeof(THEIRS) == sizeof(OURS));
static_assert(__alignof__(THEIRS) == __alignof__(OURS));

static_assert(offsetof(THEIRS, name) == offsetof(OURS, name));
static_assert(sizeof_field(THEIRS, name) == sizeof_field(OURS, name));
static_assert(__same_type(theirs->name, ours->name));
static_assert(offsetof(THEIRS, owner) == offsetof(OURS, owner));
static_assert(sizeof_field(THEIRS, owner) == sizeof_field(OURS, owner));
static_assert(__same_type(theirs->owner, ours->owner));
static_assert(offsetof(THEIRS, open) == offsetof(OURS, open));
static_assert(sizeof_field(THEIRS, open) == sizeof_field(OURS, open));
static_assert(__same_type(theirs->open, ours->open));
static_assert(offsetof(THEIRS, release) == offsetof(OURS, release));
static_assert(sizeof_field(THEIRS, release) == sizeof_field(OURS, release));
static_assert(__same_type(theirs->release, ours->release));
static_assert(offsetof(THEIRS, ioctl) == offsetof(OURS, ioctl));
static_assert(sizeof_field(THEIRS, ioctl) == sizeof_field(OURS, ioctl));
static_assert(__same_type(theirs->ioctl, ours->ioctl));
static_assert(offsetof(THEIRS, attach_group) == offsetof(OURS, attach_group));
static_assert(sizeof_field(THEIRS, attach_group) == sizeof_field(OURS, attach_group));
static_assert(offsetof(THEIRS, detach_group) == offsetof(OURS, detach_group));
static_assert(sizeof_field(THEIRS, detach_group) == sizeof_field(OURS, detach_group));
static_assert(__same_type(theirs->detach_group, ours->detach_group));
static_assert(offsetof(THEIRS, pin_pages) == offsetof(OURS, pin_pages));
static_assert(sizeof_field(THEIRS, pin_pages) == sizeof_field(OURS, pin_pages));
static_assert(__same_type(theirs->pin_pages, ours->pin_pages));
static_assert(offsetof(THEIRS, unpin_pages) == offsetof(OURS, unpin_pages));
static_assert(sizeof_field(THEIRS, unpin_pages) == sizeof_field(OURS, unpin_pages));
static_assert(__same_type(theirs->unpin_pages, ours->unpin_pages));
static_assert(offsetof(THEIRS, register_device) == offsetof(OURS, register_device));
static_assert(sizeof_field(THEIRS, register_device) == sizeof_field(OURS, register_device));
static_assert(__same_type(theirs->register_device, ours->register_device));
static_assert(offsetof(THEIRS, unregister_device) == offsetof(OURS, unregister_device));
static_assert(sizeof_field(THEIRS, unregister_device) == sizeof_field(OURS, unregister_device));
static_assert(__same_type(theirs->unregister_device, ours->unregister_device));
static_assert(offsetof(THEIRS, dma_rw) == offsetof(OURS, dma_rw));
static_assert(sizeof_field(THEIRS, dma_rw) == sizeof_field(OURS, dma_rw));
static_assert(__same_type(theirs->dma_rw, ours->dma_rw));
static_assert(offsetof(THEIRS, group_iommu_domain) == offsetof(OURS, group_iommu_domain));
static_assert(sizeof_field(THEIRS, group_iommu_domain) == sizeof_field(OURS, group_iommu_domain));
static_assert(__same_type(theirs->group_iommu_domain, ours->group_iommu_domain));

/* attach_group differs only in naming the group type enum its own way. */
static_assert(sizeof(enum vfio_group_type) ==
	      sizeof(enum iob_vfio_group_type));
static_assert((int)VFIO_IOMMU == (int)IOB_VFIO_IOMMU);
static_assert((int)VFIO_EMULATED_IOMMU == (int)IOB_VFIO_EMULATED_IOMMU);
static_assert((int)VFIO_NO_IOMMU == (int)IOB_VFIO_NO_IOMMU);
static_assert(__same_type(theirs->attach_group(NULL, NULL, VFIO_IOMMU),
			  ours->attach_group(NULL, NULL, IOB_VFIO_IOMMU)));
