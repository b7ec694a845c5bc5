/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iobroker: the test-only ioctl IOMMU_TEST_CMD.
 *
 * It exists only while the iobroker_test module is loaded; without it the
 * ioctl gives ENOTTY. The command number, the structure layout and the
 * operation numbers follow Linux 6.12's drivers/iommu/iommufd/iommufd_test.h,
 * so upstream's selftests and syzkaller descriptions can drive this module.
 * Operations numbered from IOMMU_TEST_OP_IOB_BASE are iobroker extensions;
 * their arguments fit inside the union so the structure keeps upstream's
 * size and the offset of @last.
 */
#ifndef _UAPI_IOBROKER_IOMMUFD_TEST_H
#define _UAPI_IOBROKER_IOMMUFD_TEST_H

#include <linux/types.h>
#include "iommufd.h"

enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN,
	IOMMU_TEST_OP_MD_CHECK_MAP,
	IOMMU_TEST_OP_MD_CHECK_REFS,
	IOMMU_TEST_OP_CREATE_ACCESS,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_RW,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
	IOMMU_TEST_OP_DIRTY,
	IOMMU_TEST_OP_MD_CHECK_IOTLB,
	IOMMU_TEST_OP_TRIGGER_IOPF,
};

/*
 * iobroker extensions, for testing the object core:
 *
 * IOMMU_TEST_OP_IOB_DEP_ALLOC: create a test object. If @id is not 0 the new
 *	object takes a long-term reference on object @id, which then cannot be
 *	destroyed before the test object is; EINVAL for a device or an access,
 *	which only their kernel owners destroy. Returns the new ID in
 *	iob_dep_alloc.out_obj_id. The test object is destroyed by IOMMU_DESTROY.
 * IOMMU_TEST_OP_IOB_HOLD: look up object @id as any ioctl would and keep
 *	that short-term reference for iob_hold.msec milliseconds (at most
 *	IOMMU_TEST_IOB_HOLD_MAX_MSEC) before returning. If iob_hold.held_uptr
 *	is not 0, the __u32 it points to is set to 1 once the object is held,
 *	so another thread can tell when the hold has begun.
 * IOMMU_TEST_OP_IOB_KERNEL_DESTROY: destroy test object @id the way a
 *	kernel owner does: wait for every short-term holder to finish instead
 *	of failing with EBUSY. Fails with EBUSY if another object depends on it.
 * IOMMU_TEST_OP_IOB_STATS: report the number of objects published in
 *	this file, the number of objects allocated in the whole module
 *	(including those not yet published or not yet freed), the pages the
 *	module holds pinned, the locked_vm charged to the caller's user, and
 *	the TCEs the module has stored in hypervisor tables and not cleared.
 */
enum {
	IOMMU_TEST_OP_IOB_BASE = 0x1000,
	IOMMU_TEST_OP_IOB_DEP_ALLOC = IOMMU_TEST_OP_IOB_BASE,
	IOMMU_TEST_OP_IOB_HOLD,
	IOMMU_TEST_OP_IOB_KERNEL_DESTROY,
	IOMMU_TEST_OP_IOB_STATS,
};

#define IOMMU_TEST_IOB_HOLD_MAX_MSEC 10000

enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/*
 * iobroker extensions to create_access.flags, for testing the unmap
 * contract of access objects:
 *
 * MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP: the access's unmap callback
 *	unpins nothing, as a broken consumer would. An IOMMU_IOAS_UNMAP of a
 *	range it holds pinned then fails with EDEADLOCK and unmaps nothing.
 *	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES and closing the access fd still
 *	unpin.
 * MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP: the callback sleeps for
 *	MOCK_ACCESS_IOB_SLOW_UNMAP_MSEC before it unpins, as a consumer that
 *	first waits for its transfers to finish would.
 */
enum {
	MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP = 1 << 16,
	MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP = 1 << 17,
};

#define MOCK_ACCESS_IOB_SLOW_UNMAP_MSEC 20

enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/*
 * A mock device made with MOCK_FLAGS_DEVICE_PASID reports PASIDs this wide
 * in IOMMU_GET_HW_INFO. The flag and the width are the test ABI of the
 * Linux 6.12 stable series' selftests; iobroker attaches no PASIDs.
 */
#define MOCK_PASID_WIDTH 20

/*
 * iobroker extension: bits 8 to 15 of mock_domain_flags.dev_flags give the
 * IO page shift of the mock device's TCE tables, from 12 to 24; 0 keeps
 * upstream's mock page, half of PAGE_SIZE. A shift above PAGE_SHIFT makes a
 * table of large IO pages, which only large folios can be mapped into.
 * MOCK_FLAGS_DEVICE_HUGE_IOVA is not supported (EOPNOTSUPP): a TCE table has
 * one page size.
 */
#define MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(shift) ((shift) << 8)
#define MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT_MASK (0xff << 8)

/*
 * iobroker extension: a mock device with the DMA windows of a device on
 * QEMU's pseries machine: IOMMU_GET_HW_INFO reports
 * IOMMU_HW_INFO_TYPE_IOB_TCE with a 1 GiB 32-bit window at 0 and 64-bit
 * windows at 1 << 59 with 4 KiB, 64 KiB, 2 MiB or 16 MiB IO pages, and
 * IOMMU_HWPT_ALLOC takes IOMMU_HWPT_DATA_IOB_TCE. Its tables are software
 * TCE tables. Cannot be combined with MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT.
 */
enum {
	MOCK_FLAGS_DEVICE_IOB_PSERIES = 1 << 16,
};

enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/**
 * struct iommu_test_cmd - ioctl(IOMMU_TEST_CMD)
 * @size: sizeof(struct iommu_test_cmd)
 * @op: the operation, one of the IOMMU_TEST_OP_* values
 * @id: the object the operation works on, where it needs one
 * @__reserved: must be 0
 * @add_reserved: IOMMU_TEST_OP_ADD_RESERVED arguments
 * @mock_domain: IOMMU_TEST_OP_MOCK_DOMAIN results
 * @mock_domain_flags: IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS arguments and results
 * @mock_domain_replace: IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE arguments
 * @check_map: IOMMU_TEST_OP_MD_CHECK_MAP arguments
 * @check_refs: IOMMU_TEST_OP_MD_CHECK_REFS arguments
 * @create_access: IOMMU_TEST_OP_CREATE_ACCESS arguments and results
 * @destroy_access_pages: IOMMU_TEST_OP_DESTROY_ACCESS_PAGES arguments
 * @access_pages: IOMMU_TEST_OP_ACCESS_PAGES arguments and results
 * @access_rw: IOMMU_TEST_OP_ACCESS_RW arguments
 * @memory_limit: IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT arguments
 * @access_replace_ioas: IOMMU_TEST_OP_ACCESS_REPLACE_IOAS arguments
 * @dirty: IOMMU_TEST_OP_DIRTY arguments and results
 * @check_iotlb: IOMMU_TEST_OP_MD_CHECK_IOTLB arguments
 * @trigger_iopf: IOMMU_TEST_OP_TRIGGER_IOPF arguments
 * @iob_dep_alloc: IOMMU_TEST_OP_IOB_DEP_ALLOC results (extension)
 * @iob_hold: IOMMU_TEST_OP_IOB_HOLD arguments (extension)
 * @iob_stats: IOMMU_TEST_OP_IOB_STATS results (extension)
 * @last: marks the end of the first version of the structure
 *
 * Operations that a later iobroker version implements, or that do not apply
 * to it, give EOPNOTSUPP; an unknown @op gives EOPNOTSUPP as well.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 out_obj_id;
		} iob_dep_alloc;
		struct {
			__u32 msec;
			__u32 __reserved;
			__aligned_u64 held_uptr;
		} iob_hold;
		struct {
			__aligned_u64 out_ctx_objects;
			__aligned_u64 out_global_objects;
			__aligned_u64 out_pinned_pages;
			__aligned_u64 out_user_locked_vm;
			__aligned_u64 out_hw_tces;
		} iob_stats;
	};
	__u32 last;
};

#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* IOMMU_GET_HW_INFO of a mock device without MOCK_FLAGS_DEVICE_IOB_PSERIES. */
#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

/**
 * struct iommu_test_hw_info - IOMMU_HW_INFO_TYPE_SELFTEST data
 * @flags: always 0
 * @test_reg: always IOMMU_HW_INFO_SELFTEST_REGVAL
 */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

#endif
