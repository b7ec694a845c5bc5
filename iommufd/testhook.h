/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker test hook: lets the separately built test module serve
 * IOMMU_TEST_CMD.
 */
#ifndef IOBROKER_TESTHOOK_H
#define IOBROKER_TESTHOOK_H

#include <linux/types.h>

struct iob_ucmd;
struct module;

/**
 * struct iob_test_ops - the test module's entry points
 * @owner: the test module; held for the duration of each call
 * @cmd: serves one IOMMU_TEST_CMD call
 */
struct iob_test_ops {
	struct module *owner;
	int (*cmd)(struct iob_ucmd *ucmd);
};

bool iob_test_present(void);
int iob_test_register(const struct iob_test_ops *ops);
void iob_test_unregister(const struct iob_test_ops *ops);

#endif
