/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker: what one owner's IO page tables hold pinned, for reports.
 */
#ifndef IOBROKER_USAGE_H
#define IOBROKER_USAGE_H

#include <linux/atomic.h>
#include <linux/types.h>

/**
 * struct iopt_usage - pages pinned on behalf of one owner (a file)
 * @pinned: pages pinned, each once however many mappings share it
 * @charged: of those, pages charged against an RLIMIT_MEMLOCK
 *
 * Updated with atomics where pages are pinned and unpinned (pages.c);
 * read without a lock, so a reader sees some recent value.
 */
struct iopt_usage {
	atomic_long_t pinned;
	atomic_long_t charged;
};

/**
 * struct iopt_owner - who an IOVA space belongs to, as its events say
 * @usage: the owner's counters, which the IOVA space's pages update;
 *	outlives every IOVA space and pages of the owner; or NULL
 * @file: the owner's file number, for events
 * @id: the IOAS's object ID, for events
 */
struct iopt_owner {
	struct iopt_usage *usage;
	u32 file;
	u32 id;
};

#endif
