/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tbprof.c uses of QEMU's TCG plugin API. QEMU's own header is not
 * installed by Debian, so the few calls are declared here, as version 1 of
 * the API has them (QEMU 4.2 to 8.x): an identifier per plugin, an opaque
 * translation block, a callback when a block is translated, and an inline
 * add to a counter each time the block runs.
 */
#ifndef TBPROF_H
#define TBPROF_H

#include <stddef.h>

#define EXPORTED __attribute__((visibility("default")))

typedef unsigned long long u64;
typedef u64 plugin_id;

struct qemu_plugin_tb;
struct qemu_info;

/* The one inline operation: add an immediate to a 64-bit counter. */
#define INLINE_ADD_U64 0

void qemu_plugin_register_vcpu_tb_trans_cb(plugin_id id,
					   void (*cb)(plugin_id id,
						      struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      int op, void *ptr, u64 imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
u64 qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

#endif
