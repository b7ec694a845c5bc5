/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker_test: what its files share.
 */
#ifndef IOBROKER_KMOD_TEST_H
#define IOBROKER_KMOD_TEST_H

#include "../../iommufd/object.h"

struct iob_device;
struct iob_pt;
struct iob_ucmd;
struct iommu_test_cmd;

enum iob_selftest_kind {
	IOB_SELFTEST_DEP,	/* IOMMU_TEST_OP_IOB_DEP_ALLOC */
	IOB_SELFTEST_MOCK,	/* a mock device, IOMMU_TEST_OP_MOCK_DOMAIN */
};

/**
 * struct iob_selftest - a test object (IOB_OBJ_SELFTEST)
 * @obj: object header
 * @kind: what it is
 * @dep: for IOB_SELFTEST_DEP, the object it depends on, or NULL
 * @idev: for IOB_SELFTEST_MOCK, the device, owned by this object
 * @page_shift: for IOB_SELFTEST_MOCK, the IO page size its tables use
 * @pt: for IOB_SELFTEST_MOCK, the table the device translates through
 */
struct iob_selftest {
	struct iob_object obj;
	enum iob_selftest_kind kind;
	struct iob_object *dep;
	struct iob_device *idev;
	unsigned int page_shift;
	u8 pasid_log2;
	struct iob_pt *pt;
};

extern const struct iob_object_ops iob_selftest_ops;

int iob_test_objects(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd);

#ifdef CONFIG_PCI
int iob_test_pci_init(void);
void iob_test_pci_exit(void);
#else
static inline int iob_test_pci_init(void)
{
	return 0;
}

static inline void iob_test_pci_exit(void)
{
}
#endif
int iob_test_mock(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd);
int iob_test_access(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd);
int iob_test_user_phys(unsigned long uaddr, phys_addr_t *pa);

#endif
