// SPDX-License-Identifier: GPL-2.0
/*
 * The interval tree instance behind iopt/itree.h, and hole finding.
 */
#include <linux/interval_tree_generic.h>

#include "../common/export.h"
#include "itree.h"

#define ITN_START(n) ((n)->start)
#define ITN_LAST(n) ((n)->last)
#define ITN_LINKAGE /* external: declared in itree.h */

INTERVAL_TREE_DEFINE(struct iopt_itn, rb, u64, subtree_last, ITN_START,
		     ITN_LAST, ITN_LINKAGE, iopt_itree)

/**
 * iopt_itree_first_hole() - the first gap in a range not covered by nodes
 * @root: the tree; its nodes may overlap each other
 * @start: first value of the range
 * @last: last value of the range, inclusive
 * @hole_start: set to the gap's first value
 * @hole_last: set to the gap's last value
 *
 * Return: true if [@start, @last] has a value no node covers.
 */
bool iopt_itree_first_hole(struct rb_root_cached *root, u64 start, u64 last,
			   u64 *hole_start, u64 *hole_last)
{
	struct iopt_itn *node;
	u64 pos = start;

	for (node = iopt_itree_iter_first(root, start, last); node;
	     node = iopt_itree_iter_next(node, start, last)) {
		if (node->start > pos)
			break;
		if (node->last >= last)
			return false;
		pos = max(pos, node->last + 1);
	}
	*hole_start = pos;
	*hole_last = node ? node->start - 1 : last;
	return true;
}

/**
 * iopt_itree_set_last() - move the end of a node in its tree
 * @node: a node in a tree
 * @last: its new last index, which must not make it overlap a node it did
 *	not overlap before
 *
 * The tree is ordered by start, so only the largest last of the subtrees
 * above the node changes.
 */
void iopt_itree_set_last(struct iopt_itn *node, u64 last)
{
	node->last = last;
	iopt_itree_augment_propagate(&node->rb, NULL);
}
