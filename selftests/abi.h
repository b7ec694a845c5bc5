/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOB_ABI_H
#define IOB_ABI_H

#include <linux/types.h>

/* A named number: a structure size, a member offset, a constant. */
struct abi_fact {
	const char *name;
	__u64 value;
};

extern const struct abi_fact abi_ours[];
extern const struct abi_fact abi_upstream[];

#endif
