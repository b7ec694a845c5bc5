/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interval trees of 64-bit closed ranges [start, last], for IOVAs and page
 * indices. Our own instance of the kernel's generic interval tree, so the
 * module does not depend on the kernel having CONFIG_INTERVAL_TREE.
 */
#ifndef IOBROKER_ITREE_H
#define IOBROKER_ITREE_H

#include <linux/rbtree.h>
#include <linux/types.h>

struct iopt_itn {
	struct rb_node rb;
	u64 start;
	u64 last;
	u64 subtree_last;
};

void iopt_itree_insert(struct iopt_itn *node, struct rb_root_cached *root);
void iopt_itree_remove(struct iopt_itn *node, struct rb_root_cached *root);
/* Nodes overlapping [start, last] come in ascending order of start. */
struct iopt_itn *iopt_itree_iter_first(struct rb_root_cached *root, u64 start,
				       u64 last);
struct iopt_itn *iopt_itree_iter_next(struct iopt_itn *node, u64 start,
				      u64 last);

void iopt_itree_set_last(struct iopt_itn *node, u64 last);

bool iopt_itree_first_hole(struct rb_root_cached *root, u64 start, u64 last,
			   u64 *hole_start, u64 *hole_last);

#endif
