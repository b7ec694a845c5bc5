// SPDX-License-Identifier: GPL-2.0
/*
 * One side of the ABI comparison. Built twice: with ABI_UPSTREAM defined,
 * against Linux 6.12's iommufd.h and iommufd_test.h, producing
 * abi_upstream[]; without it, against iobroker's headers, producing
 * abi_ours[]. The two objects are linked into iobroker_abi.
 */
#include <stddef.h>
#include <stdint.h>

#include "abi.h"

#ifdef ABI_UPSTREAM
#include <linux/iommufd.h>
#include "iommufd_test.h"
#define ABI_TABLE abi_upstream
#else
#include "../uapi/iobroker/iommufd_test.h"
#define ABI_TABLE abi_ours
#endif

#define ABI_CONST(c) { #c, (__u64)(c) },
#define ABI_SIZE(type) { "sizeof(" #type ")", sizeof(type) },
#define ABI_OFFSET(type, m) { "offsetof(" #type ", " #m ")", offsetof(type, m) },
#define ABI_MSIZE(type, m) { "sizeof(" #type "." #m ")", sizeof(((type *)0)[0].m) },

const struct abi_fact ABI_TABLE[] = {
#include "abi_list.h"
	{ NULL, 0 }
};
