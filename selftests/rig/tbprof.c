// SPDX-License-Identifier: GPL-2.0
/*
 * tbprof: a QEMU TCG plugin for rig.sh profile. It counts, for every
 * translation block the guest runs, how many times it ran; a block is
 * named by its first guest address and its number of instructions. On
 * request it writes all the counts out, so that the difference of two
 * snapshots tells how many guest instructions, and blocks, a stretch of
 * the guest's work took, and where.
 *
 * Usage: -plugin tbprof.so,trigger=PATH. Whenever PATH appears, the
 * plugin reads a file name from it, writes the counts there (one line per
 * block: address in hex, instructions, runs), then removes PATH.
 *
 * Only a few calls of QEMU's plugin API are used (tbprof.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tbprof.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

EXPORTED int qemu_plugin_version = 1;

/*
 * One block: never freed nor moved, as QEMU's generated code adds to it.
 * The add is not atomic: two vCPUs running one block at the same moment
 * may lose a run. The profiled loop keeps one vCPU busy and the other idle.
 */
struct block {
	u64 addr;
	u64 insns;
	u64 runs;
	struct block *next;
};

#define HASH_BITS 20
static struct block *table[1 << HASH_BITS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static char trigger[4096];

static struct block *block_of(u64 addr, u64 insns)
{
	size_t h = (addr >> 2) * 0x9e3779b97f4a7c15ull >> (64 - HASH_BITS);
	struct block *b;

	pthread_mutex_lock(&table_lock);
	for (b = table[h]; b; b = b->next)
		if (b->addr == addr && b->insns == insns)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (b) {
			b->addr = addr;
			b->insns = insns;
			b->next = table[h];
			table[h] = b;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return b;
}

/* A block translated (again): count its runs in its record. */
static void translated(plugin_id id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_of(qemu_plugin_tb_vaddr(tb),
				   qemu_plugin_tb_n_insns(tb));

	(void)id;
	if (b)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64,
							 &b->runs, 1);
}

/* The counts as of now; the vCPUs go on meanwhile, which costs a block or so. */
static void write_counts(const char *name)
{
	struct block *b;
	FILE *f;
	size_t i;

	f = fopen(name, "w");
	if (!f)
		return;
	pthread_mutex_lock(&table_lock);
	for (i = 0; i < ARRAY_SIZE(table); i++)
		for (b = table[i]; b; b = b->next)
			if (b->runs)
				fprintf(f, "%llx %llu %llu\n",
					(unsigned long long)b->addr,
					(unsigned long long)b->insns,
					(unsigned long long)b->runs);
	pthread_mutex_unlock(&table_lock);
	fclose(f);
}

static void *watch(void *arg)
{
	char name[4096];
	FILE *f;

	(void)arg;
	for (;;) {
		usleep(50000);
		f = fopen(trigger, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			write_counts(name);
		}
		fclose(f);
		unlink(trigger);
	}
	return NULL;
}

EXPORTED int qemu_plugin_install(plugin_id id, const struct qemu_info *info,
				 int argc, char **argv)
{
	pthread_t thread;
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "trigger=", 8))
			snprintf(trigger, sizeof(trigger), "%s", argv[i] + 8);
	if (!trigger[0]) {
		fprintf(stderr, "tbprof: trigger=PATH is needed\n");
		return -1;
	}
	if (pthread_create(&thread, NULL, watch, NULL))
		return -1;
	pthread_detach(thread);
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	return 0;
}
