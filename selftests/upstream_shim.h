/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced into every file of Linux's own iommufd selftests (selftests/Makefile
 * builds them unmodified from the kernel source tree). The 6.12 stable series
 * took a later version of tools/testing/selftests/iommu/ without the matching
 * change to drivers/iommu/iommufd/iommufd_test.h and include/uapi/linux/
 * iommufd.h, so the tests name five things their own tree does not define.
 * Each gets the value later Linux gives it; iobroker serves those values.
 */
#ifndef IOBROKER_UPSTREAM_SHIM_H
#define IOBROKER_UPSTREAM_SHIM_H

/*
 * iommufd_test.h: the mock device flag (bit 2) that makes a device PASID
 * capable, and the PASID width such a device reports in IOMMU_GET_HW_INFO.
 */
#define MOCK_FLAGS_DEVICE_PASID 0x4
#define MOCK_PASID_WIDTH 20

/*
 * linux/iommufd.h: IOMMU_GET_HW_INFO's "any type" request, and the flag
 * (bit 0) saying that the caller names the type it wants.
 */
#define IOMMU_HW_INFO_TYPE_DEFAULT 0
#define IOMMU_HW_INFO_FLAG_INPUT_TYPE 0x1

/*
 * struct iommu_hw_info: later Linux makes the wanted type (in) and the
 * reported type (out) one u32 in a union; here both names are that field.
 */
#define in_data_type out_data_type

/*
 * The harness's guard against a hung case, 30 s, is set for real machines;
 * the rig runs the suite in an emulated guest with KASAN, lockdep and
 * kmemleak. There, iommufd_ioas.no_domain.ioas_iova_alloc (131070 map
 * and unmap pairs) took 20 to 31 s, against 1 to 2 s for iobroker and for
 * Linux's own iommufd alike in the rig's guests without those debug
 * options: the guard is scaled by that factor, four, and no case is
 * otherwise changed. Redefining it after the harness is included makes
 * every TEST_F() of the suite use it; no case of the suite sets its own.
 */
#include "kselftest_harness.h"
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 120

#endif /* IOBROKER_UPSTREAM_SHIM_H */
