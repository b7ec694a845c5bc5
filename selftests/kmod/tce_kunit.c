// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the TCE core (ppc_tce/tce.c) and its software backend:
 * entry encoding, window geometry and bounds, multi-level walks, clears
 * over holes, pages bigger than the IO page, one invalidation per call,
 * all-or-nothing maps.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "../../ppc_tce/tce.h"
#include "../../uapi/iobroker/iommufd.h"

static void test_encode_round_trip(struct kunit *test)
{
	static const unsigned int shifts[] = { 12, 15, 16, 21, 24, 34 };
	unsigned int i;
	u64 perm;

	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		u64 hpa = 0x123456789ULL << shifts[i], tce;

		for (perm = TCE_READ; perm <= TCE_PERM_MASK; perm++) {
			tce = tce_encode(hpa, shifts[i], perm);
			KUNIT_EXPECT_EQ(test, tce_to_hpa(tce, shifts[i]), hpa);
			KUNIT_EXPECT_EQ(test, tce_to_perm(tce), perm);
		}
		/* Bits below the IO page never leak into the address. */
		tce = tce_encode(hpa | ((1ULL << shifts[i]) - 1), shifts[i],
				 TCE_READ);
		KUNIT_EXPECT_EQ(test, tce, hpa | TCE_READ);
	}
	/* 64-bit masks: a shift of 34 must not truncate in 32 bits. */
	KUNIT_EXPECT_EQ(test, tce_page_mask(34), ~((1ULL << 34) - 1));
}

static void test_geometry_rules(struct kunit *test)
{
	const u64 sizes = SZ_4K | SZ_64K | SZ_2M | SZ_16M;
	struct tce_geometry g = {
		.offset = 0, .size = SZ_1G, .page_shift = 12, .levels = 1,
	};

	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), 0);
	g.page_shift = 13;			/* not offered */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.page_shift = 16;
	g.size = SZ_1G + SZ_64K;		/* not a power of two */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.size = SZ_16K;			/* smaller than one page */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.size = SZ_1G;
	g.offset = SZ_512M;			/* not on a multiple of size */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.offset = 1ULL << 59;			/* where a DDW goes */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), 0);
	g.levels = 2;				/* deeper than allowed */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.levels = 0;
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 5), -EINVAL);
	g.levels = 6;
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 6), -EINVAL);
	g.levels = 1;
	g.page_shift = 12;
	g.offset = 0;
	g.size = 1ULL << 45;			/* 2^33 entries */
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, sizes, 1), -EINVAL);
	g.size = 1ULL << 63;
	g.offset = 1ULL << 63;			/* last byte is 2^64 - 1 */
	g.page_shift = 34;
	KUNIT_EXPECT_EQ(test, tce_geometry_check(&g, ~0ULL, 1), 0);
}

static struct tce_pt *sw_table(struct kunit *test, u64 offset, u64 size,
			       unsigned int shift, unsigned int levels)
{
	struct tce_geometry g = {
		.offset = offset, .size = size, .page_shift = shift,
		.levels = levels,
	};
	struct tce_pt *tp = tce_sw_alloc(&g, 1, NULL, NULL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(tp));
	return tp;
}

/* A device that reaches part of its window gets that part as aperture. */
static void test_narrow_aperture(struct kunit *test)
{
	struct tce_geometry g[2] = {
		{ .offset = 0, .size = SZ_1G, .page_shift = 12, .levels = 2 },
		{ .offset = 1ULL << 59, .size = SZ_1G, .page_shift = 16,
		  .levels = 2 },
	};
	struct iob_pt_aperture in = { .start = SZ_16M, .last = SZ_1G - 1 };
	struct iob_pt_aperture out = { .start = SZ_16M, .last = SZ_1G };
	struct iob_pt_aperture back = { .start = SZ_16M, .last = SZ_16M - 1 };
	struct tce_pt *tp;

	tp = tce_sw_alloc(g, 1, &in, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tp));
	KUNIT_EXPECT_EQ(test, tp->pt.naper, 1u);
	KUNIT_EXPECT_EQ(test, tp->pt.aper[0].start, (u64)SZ_16M);
	KUNIT_EXPECT_EQ(test, tp->pt.aper[0].last, (u64)SZ_1G - 1);
	tp->pt.ops->free(&tp->pt);

	KUNIT_EXPECT_EQ(test, PTR_ERR(tce_sw_alloc(g, 1, &out, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tce_sw_alloc(g, 1, &back, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(tce_sw_alloc(g, 2, &in, NULL)),
			-EINVAL);
}

static int map1(struct tce_pt *tp, u64 iova, u64 pa, u64 len)
{
	struct iob_pt_seg seg = { .paddr = pa, .len = len };

	return tce_table_map(tp->win[0], iova, 0x7f0000000000ULL + iova, &seg, 1,
			     TCE_READ | TCE_WRITE);
}

static void test_window_bounds(struct kunit *test)
{
	u64 base = 1ULL << 59, pg = SZ_64K;
	struct tce_pt *tp = sw_table(test, base, SZ_256M, 16, 2);
	struct tce_table *t = tp->win[0];

	KUNIT_EXPECT_EQ(test, map1(tp, base - pg, 0, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, map1(tp, base + SZ_256M, 0, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, map1(tp, base + SZ_256M - pg, 0, 2 * pg),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, map1(tp, base + 4096, 0, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, map1(tp, base, 4096, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, map1(tp, base, 0, pg + 4096), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);

	KUNIT_EXPECT_EQ(test, map1(tp, base, SZ_1G, pg), 0);
	KUNIT_EXPECT_EQ(test, map1(tp, base + SZ_256M - pg, SZ_2G, pg), 0);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + 5), SZ_1G + 5);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + SZ_256M - 1),
			SZ_2G + pg - 1);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + pg), 0ull);
	/* Mapping over a mapped entry is refused and changes nothing. */
	KUNIT_EXPECT_EQ(test, map1(tp, base, SZ_4G, 2 * pg), -EEXIST);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + pg), 0ull);
	KUNIT_EXPECT_EQ(test, t->mapped, 2ull);
	tp->pt.ops->free(&tp->pt);
}

/*
 * Look-ups remember the leaf they ended in: a look-up in that leaf again
 * gets the same entry as a walk would, one in another leaf walks (and
 * finds or misses it), and a miss leaves the remembered leaf alone.
 */
static void test_tree_hint(struct kunit *test)
{
	struct tce_tree tree;
	u64 lsz, *a, *b, *c;

	KUNIT_ASSERT_EQ(test, tce_tree_init(&tree, 1ULL << 30, 3), 0);
	lsz = 1ULL << tree.level_shift;
	a = tce_tree_slot(&tree, 0, true);
	KUNIT_ASSERT_NOT_NULL(test, a);
	*a = 1;
	b = tce_tree_slot(&tree, lsz, true);
	KUNIT_ASSERT_NOT_NULL(test, b);
	*b = 2;
	c = tce_tree_slot(&tree, lsz * lsz + 7, true);
	KUNIT_ASSERT_NOT_NULL(test, c);
	*c = 3;
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_PTR_EQ(test, tce_tree_slot(&tree, 1, false), a + 1);
	KUNIT_EXPECT_PTR_EQ(test, tce_tree_slot(&tree, 0, false), a);
	KUNIT_EXPECT_EQ(test, *tce_tree_slot(&tree, lsz, false), 2ULL);
	KUNIT_EXPECT_PTR_EQ(test, tce_tree_slot(&tree, lsz + 5, false), b + 5);
	/* A missing leaf, then the leaf before the miss and another. */
	KUNIT_EXPECT_NULL(test, tce_tree_slot(&tree, 2 * lsz, false));
	KUNIT_EXPECT_PTR_EQ(test, tce_tree_slot(&tree, lsz + 6, false), b + 6);
	KUNIT_EXPECT_NULL(test, tce_tree_slot(&tree, 2 * lsz + 1, false));
	KUNIT_EXPECT_EQ(test, *tce_tree_slot(&tree, lsz * lsz + 7, false), 3ULL);
	KUNIT_EXPECT_EQ(test, *tce_tree_slot(&tree, 0, false), 1ULL);
	tce_tree_free(&tree);
	KUNIT_EXPECT_NULL(test, tree.hint);

	/* A flat tree is its own leaf. */
	KUNIT_ASSERT_EQ(test, tce_tree_init(&tree, 512, 1), 0);
	a = tce_tree_slot(&tree, 3, false);
	KUNIT_EXPECT_PTR_EQ(test, a, tree.root + 3);
	KUNIT_EXPECT_PTR_EQ(test, tce_tree_slot(&tree, 4, false), a + 1);
	tce_tree_free(&tree);
}

static void test_level_boundaries(struct kunit *test)
{
	/* 3 levels of 8192 entries: far more than the 2^20 entries used. */
	struct tce_pt *tp = sw_table(test, 0, SZ_4G, 12, 3);
	struct tce_table *t = tp->win[0];
	u64 lsz = 1ULL << t->shadow.level_shift, pg = SZ_4K;
	size_t before = t->shadow.bytes;

	KUNIT_EXPECT_EQ(test, map1(tp, (lsz - 1) * pg, SZ_1M, 2 * pg), 0);
	/* The two entries straddle two leaves. */
	KUNIT_EXPECT_GT(test, t->shadow.bytes, before);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, (lsz - 1) * pg), SZ_1M);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, lsz * pg), SZ_1M + pg);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, (lsz + 1) * pg), 0ull);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, (lsz - 1) * pg, 2 * pg), 2ull);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, lsz * pg), 0ull);
	tp->pt.ops->free(&tp->pt);
}

/*
 * A map that starts in a leaf of the shadow that exists and goes on into
 * one that does not: the check finds the first leaf once, the second is
 * made, and every entry is recorded where it belongs.
 */
static void test_map_into_a_new_leaf(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_4G, 12, 2);
	struct tce_table *t = tp->win[0];
	u64 lsz = 1ULL << t->shadow.level_shift, pg = SZ_4K, i, *shadow;
	size_t before;

	KUNIT_ASSERT_EQ(test, map1(tp, (lsz - 2) * pg, SZ_1G, pg), 0);
	before = t->shadow.bytes;
	KUNIT_ASSERT_EQ(test, map1(tp, (lsz - 1) * pg, SZ_2G, 3 * pg), 0);
	KUNIT_EXPECT_GT(test, t->shadow.bytes, before);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, tce_table_lookup(t, (lsz - 1 + i) * pg),
				SZ_2G + i * pg);
		shadow = tce_tree_slot(&t->shadow, lsz - 1 + i, false);
		KUNIT_ASSERT_NOT_NULL(test, shadow);
		KUNIT_EXPECT_EQ(test, *shadow & ~TCE_SHADOW_FLAGS,
				0x7f0000000000ULL + (lsz - 1 + i) * pg);
		KUNIT_EXPECT_EQ(test, !!(*shadow & TCE_SHADOW_FIRST), i == 0);
		KUNIT_EXPECT_EQ(test, !!(*shadow & TCE_SHADOW_LAST), i == 2);
	}
	/* Taken entries are found in either leaf, by a map from either. */
	KUNIT_EXPECT_EQ(test, map1(tp, (lsz + 1) * pg, 0, 2 * pg), -EEXIST);
	KUNIT_EXPECT_EQ(test, map1(tp, (lsz - 3) * pg, 0, 2 * pg), -EEXIST);
	KUNIT_EXPECT_EQ(test, t->mapped, 4ull);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, (lsz - 1) * pg, 3 * pg), 3ull);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, (lsz - 2) * pg, pg), 1ull);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);
	tp->pt.ops->free(&tp->pt);
}

static void test_clear_over_holes(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_4G, 12, 2);
	struct tce_table *t = tp->win[0];
	u64 kills;

	/* Two runs in leaves far apart; nothing in between exists. */
	KUNIT_ASSERT_EQ(test, map1(tp, SZ_64K, SZ_1G, SZ_64K), 0);
	KUNIT_ASSERT_EQ(test, map1(tp, SZ_2G, SZ_2G, 3 * SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, t->mapped, 19ull);
	kills = t->kills;
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, 0, SZ_4G), 19ull);
	KUNIT_EXPECT_EQ(test, t->kills, kills + 1);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_2G), 0ull);
	/* Clearing nothing invalidates nothing. */
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, 0, SZ_4G), 0ull);
	KUNIT_EXPECT_EQ(test, t->kills, kills + 1);
	tp->pt.ops->free(&tp->pt);
}

static void test_big_page_in_small_entries(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_1G, 12, 1);
	struct tce_table *t = tp->win[0];
	u64 i, *shadow;

	/* One 64 KiB page behind 4 KiB entries: sixteen entries. */
	KUNIT_ASSERT_EQ(test, map1(tp, SZ_1M, 0x40000000ULL, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, t->mapped, 16ull);
	for (i = 0; i < 16; i++) {
		KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_1M + i * SZ_4K),
				0x40000000ULL + i * SZ_4K);
		shadow = tce_tree_slot(&t->shadow, (SZ_1M >> 12) + i, false);
		KUNIT_ASSERT_NOT_NULL(test, shadow);
		KUNIT_EXPECT_EQ(test, *shadow & ~TCE_SHADOW_FLAGS,
				0x7f0000000000ULL + SZ_1M + i * SZ_4K);
		KUNIT_EXPECT_EQ(test, !!(*shadow & TCE_SHADOW_FIRST), i == 0);
		KUNIT_EXPECT_EQ(test, !!(*shadow & TCE_SHADOW_LAST), i == 15);
	}
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_1M + SZ_64K), 0ull);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, SZ_1M, SZ_64K), 16ull);
	tp->pt.ops->free(&tp->pt);
}

/* A cut makes one map call two, which can then be unmapped one by one. */
static void test_split_runs(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_1G, 12, 1);
	struct tce_table *t = tp->win[0];
	u64 *shadow;

	KUNIT_ASSERT_EQ(test, map1(tp, SZ_1M, SZ_1G, 8 * SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, tp->pt.ops->split(&tp->pt, SZ_1M + 3 * SZ_4K),
			0);
	shadow = tce_tree_slot(&t->shadow, (SZ_1M >> 12) + 2, false);
	KUNIT_EXPECT_TRUE(test, *shadow & TCE_SHADOW_LAST);
	shadow = tce_tree_slot(&t->shadow, (SZ_1M >> 12) + 3, false);
	KUNIT_EXPECT_TRUE(test, *shadow & TCE_SHADOW_FIRST);
	/* Off an IO page, outside the window, or at its start: refused. */
	KUNIT_EXPECT_EQ(test, tce_table_split(t, SZ_1M + 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, tce_table_split(t, SZ_1G), -EINVAL);
	KUNIT_EXPECT_EQ(test, tce_table_split(t, 0), -EINVAL);
	/* Where nothing is mapped, or a run already ends, nothing changes. */
	KUNIT_EXPECT_EQ(test, tce_table_split(t, SZ_2M), 0);
	KUNIT_EXPECT_EQ(test, tce_table_split(t, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, SZ_1M + 3 * SZ_4K, 5 * SZ_4K),
			5ull);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_1M + 2 * SZ_4K),
			SZ_1G + 2 * SZ_4K);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, SZ_1M, 3 * SZ_4K), 3ull);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);
	tp->pt.ops->free(&tp->pt);
}

/*
 * Trims: the runs across both ends are cut and the range unmapped in one
 * call, one invalidation; what stays unmaps later as whole runs (a run
 * left uncut would warn, and the guest panics on warnings).
 */
static void test_trim_runs(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_1G, 12, 1);
	struct tce_table *t = tp->win[0];
	u64 pg = SZ_4K, base = SZ_1M, i0 = SZ_1M >> 12, kills, *shadow;

	KUNIT_ASSERT_EQ(test, map1(tp, base, SZ_1G, 8 * pg), 0);
	kills = t->kills;
	/* Refused, changing nothing: off an IO page, outside the window. */
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, base + 100, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, base, pg + 100), -EINVAL);
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, SZ_1G - pg, 2 * pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, tp->pt.ops->trim(&tp->pt, SZ_1G, pg), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->mapped, 8ull);
	shadow = tce_tree_slot(&t->shadow, i0 + 1, false);
	KUNIT_EXPECT_FALSE(test, *shadow & (TCE_SHADOW_FIRST | TCE_SHADOW_LAST));
	KUNIT_EXPECT_EQ(test, t->kills, kills);

	/* Off the front, off the back, out of the middle. */
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, base, 2 * pg), 2ll);
	KUNIT_EXPECT_EQ(test, t->kills, kills + 1);
	KUNIT_EXPECT_TRUE(test, *tce_tree_slot(&t->shadow, i0 + 2, false) &
			  TCE_SHADOW_FIRST);
	KUNIT_EXPECT_EQ(test, tp->pt.ops->trim(&tp->pt, base + 7 * pg, pg), 0);
	KUNIT_EXPECT_TRUE(test, *tce_tree_slot(&t->shadow, i0 + 6, false) &
			  TCE_SHADOW_LAST);
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, base + 4 * pg, pg), 1ll);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + 4 * pg), 0ull);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, base + 3 * pg),
			SZ_1G + 3 * pg);
	/* Nothing there: nothing cleared, no invalidation. */
	kills = t->kills;
	KUNIT_EXPECT_EQ(test, tce_table_trim(t, base, pg), 0ll);
	KUNIT_EXPECT_EQ(test, t->kills, kills);
	/* What is left is three whole runs. */
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, base + 2 * pg, 2 * pg), 2ull);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, base + 5 * pg, 2 * pg), 2ull);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);
	tp->pt.ops->free(&tp->pt);
}

static void test_one_kill_per_call(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_4G, 12, 2);
	struct tce_table *t = tp->win[0];
	u64 n = 3 * TCE_BATCH + 5, kills = t->kills;
	struct iob_pt_seg segs[3] = {
		{ .paddr = SZ_1G, .len = TCE_BATCH * SZ_4K },
		{ .paddr = SZ_2G, .len = 2 * TCE_BATCH * SZ_4K },
		{ .paddr = SZ_4G, .len = 5 * SZ_4K },
	};

	KUNIT_ASSERT_EQ(test, tce_table_map(t, SZ_16M, SZ_16M, segs, 3,
					    TCE_READ), 0);
	KUNIT_EXPECT_EQ(test, t->kills, kills + 1);
	KUNIT_EXPECT_EQ(test, t->mapped, n);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_16M + TCE_BATCH * SZ_4K),
			(u64)SZ_2G);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, SZ_16M + (n - 1) * SZ_4K),
			(u64)SZ_4G + 4 * SZ_4K);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, SZ_16M, n * SZ_4K), n);
	KUNIT_EXPECT_EQ(test, t->kills, kills + 2);
	tp->pt.ops->free(&tp->pt);
}

static void test_xchg_returns_old(struct kunit *test)
{
	struct tce_pt *tp = sw_table(test, 0, SZ_1G, 16, 1);
	struct tce_table *t = tp->win[0];
	u64 tce = tce_encode(SZ_1G, 16, TCE_READ);

	KUNIT_EXPECT_EQ(test, tce_table_xchg(t, 7, &tce), 0);
	KUNIT_EXPECT_EQ(test, tce, 0ull);
	tce = tce_encode(SZ_2G, 16, TCE_WRITE);
	KUNIT_EXPECT_EQ(test, tce_table_xchg(t, 7, &tce), 0);
	KUNIT_EXPECT_EQ(test, tce, (u64)SZ_1G | TCE_READ);
	tce = 0;
	KUNIT_EXPECT_EQ(test, tce_table_xchg(t, 7, &tce), 0);
	KUNIT_EXPECT_EQ(test, tce, (u64)SZ_2G | TCE_WRITE);
	KUNIT_EXPECT_EQ(test, tce_table_xchg(t, SZ_1G >> 16, &tce), -EINVAL);
	tp->pt.ops->free(&tp->pt);
}

/* A backend that stores into an array and fails on a chosen put call. */
struct flaky {
	struct tce_table tbl;
	u64 entries[4 * TCE_BATCH];
	int fail_at;
	int puts;
	int clears;
};

static int flaky_put(struct tce_table *tbl, u64 idx, const u64 *tces,
		     unsigned int n)
{
	struct flaky *f = container_of(tbl, struct flaky, tbl);
	unsigned int i;

	/* Store half, then fail, as a partly applied hcall would. */
	if (++f->puts == f->fail_at)
		n /= 2;
	for (i = 0; i < n; i++)
		f->entries[idx + i] = tces[i];
	return f->puts == f->fail_at ? -EIO : 0;
}

static int flaky_clear(struct tce_table *tbl, u64 idx, unsigned int n)
{
	struct flaky *f = container_of(tbl, struct flaky, tbl);

	f->clears++;
	memset(&f->entries[idx], 0, n * sizeof(u64));
	return 0;
}

static u64 flaky_get(struct tce_table *tbl, u64 idx)
{
	return container_of(tbl, struct flaky, tbl)->entries[idx];
}

static const struct tce_table_ops flaky_ops = {
	.put = flaky_put,
	.clear = flaky_clear,
	.get = flaky_get,
};

static void test_failed_map_leaves_nothing(struct kunit *test)
{
	struct tce_geometry g = {
		.offset = 0, .size = 4 * TCE_BATCH * SZ_4K, .page_shift = 12,
		.levels = 1,
	};
	struct iob_pt_seg seg = { .paddr = SZ_1G, .len = 3 * TCE_BATCH * SZ_4K };
	struct flaky *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, tce_table_init(&f->tbl, &g, &flaky_ops), 0);
	f->fail_at = 3;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, 0, 0, &seg, 1, TCE_READ),
			-EIO);
	KUNIT_EXPECT_EQ(test, f->tbl.mapped, 0ull);
	for (i = 0; i < ARRAY_SIZE(f->entries); i++)
		KUNIT_EXPECT_EQ_MSG(test, f->entries[i], 0ull, "entry %u", i);
	/* The table is usable afterwards. */
	f->fail_at = 0;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, 0, 0, &seg, 1, TCE_READ),
			0);
	KUNIT_EXPECT_EQ(test, f->tbl.mapped, 3ull * TCE_BATCH);
	tce_table_destroy(&f->tbl);
	/* Destroy clears what is still mapped. */
	for (i = 0; i < ARRAY_SIZE(f->entries); i++)
		KUNIT_EXPECT_EQ(test, f->entries[i], 0ull);
}

static const struct tce_caps pseries_caps = {
	.dma32_start = 0,
	.dma32_size = SZ_1G,
	.ddw_start = 1ULL << 59,
	.pgsizes = SZ_4K | SZ_64K | SZ_2M | SZ_16M,
	.max_windows = 2,
	.max_levels = 1,
	.max_entries_log2 = 24,
	.ddw = true,
};

/*
 * Calls of one entry, QEMU's, take a path of their own: the same errors,
 * the same all or nothing, one invalidation, run markers on the entry.
 */
static void test_one_entry_calls(struct kunit *test)
{
	struct tce_geometry g = {
		.offset = 0, .size = 4 * TCE_BATCH * SZ_4K, .page_shift = 12,
		.levels = 1,
	};
	struct iob_pt_seg seg = { .paddr = SZ_1G, .len = SZ_4K };
	struct flaky *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	u64 kills, *shadow;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, tce_table_init(&f->tbl, &g, &flaky_ops), 0);
	kills = f->tbl.kills;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, SZ_8K, SZ_64K, &seg, 1, 0),
			-EINVAL);
	seg.paddr = SZ_1G + 8;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, SZ_8K, SZ_64K, &seg, 1,
					    TCE_READ), -EINVAL);
	seg.paddr = SZ_1G;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, g.size, SZ_64K, &seg, 1,
					    TCE_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, f->tbl.kills, kills);
	KUNIT_EXPECT_EQ(test, f->puts, 0);

	/* The backend fails: nothing stays, in it or in the shadow. */
	f->fail_at = 1;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, SZ_8K, SZ_64K, &seg, 1,
					    TCE_READ), -EIO);
	KUNIT_EXPECT_EQ(test, f->tbl.mapped, 0ull);
	KUNIT_EXPECT_EQ(test, f->entries[2], 0ull);
	KUNIT_EXPECT_EQ(test, f->clears, 1);
	KUNIT_EXPECT_EQ(test, *tce_tree_slot(&f->tbl.shadow, 2, false), 0ull);

	f->fail_at = 0;
	kills = f->tbl.kills;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, SZ_8K, SZ_64K + 5, &seg, 1,
					    TCE_READ | TCE_WRITE), 0);
	KUNIT_EXPECT_EQ(test, f->tbl.kills, kills + 1);
	KUNIT_EXPECT_EQ(test, f->entries[2],
			(u64)SZ_1G | TCE_READ | TCE_WRITE);
	shadow = tce_tree_slot(&f->tbl.shadow, 2, false);
	KUNIT_EXPECT_EQ(test, *shadow, (u64)SZ_64K | TCE_SHADOW_VALID |
			TCE_SHADOW_FIRST | TCE_SHADOW_LAST);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(&f->tbl, SZ_8K + 3),
			(u64)SZ_1G + 3);
	seg.paddr = SZ_2G;
	KUNIT_EXPECT_EQ(test, tce_table_map(&f->tbl, SZ_8K, SZ_64K, &seg, 1,
					    TCE_READ), -EEXIST);
	KUNIT_EXPECT_EQ(test, f->entries[2],
			(u64)SZ_1G | TCE_READ | TCE_WRITE);
	KUNIT_EXPECT_EQ(test, f->tbl.mapped, 1ull);

	/* One entry unmapped: one clear, one invalidation; none for a hole. */
	kills = f->tbl.kills;
	KUNIT_EXPECT_EQ(test, tce_table_unmap(&f->tbl, SZ_4K, SZ_4K), 0ull);
	KUNIT_EXPECT_EQ(test, f->tbl.kills, kills);
	KUNIT_EXPECT_EQ(test, tce_table_unmap(&f->tbl, SZ_8K, SZ_4K), 1ull);
	KUNIT_EXPECT_EQ(test, f->tbl.kills, kills + 1);
	KUNIT_EXPECT_EQ(test, f->clears, 2);
	KUNIT_EXPECT_EQ(test, f->entries[2], 0ull);
	KUNIT_EXPECT_EQ(test, *shadow, 0ull);
	KUNIT_EXPECT_EQ(test, f->tbl.mapped, 0ull);
	tce_table_destroy(&f->tbl);
}

static void test_windows_parse(struct kunit *test)
{
	struct iommu_hwpt_iob_tce req = {
		.windows = { { 0, 0, SZ_256M }, { 0, 0, SZ_4G } },
	};
	struct tce_caps one = pseries_caps;
	struct tce_geometry g[TCE_MAX_WINDOWS];
	unsigned int n;

	KUNIT_ASSERT_EQ(test, tce_windows_parse(&pseries_caps, &req, g, &n), 0);
	KUNIT_ASSERT_EQ(test, n, 2u);
	KUNIT_EXPECT_EQ(test, g[0].offset, 0ull);
	KUNIT_EXPECT_EQ(test, g[0].size, (u64)SZ_256M);
	KUNIT_EXPECT_EQ(test, g[0].page_shift, 12u);
	KUNIT_EXPECT_EQ(test, g[0].levels, 1u);
	KUNIT_EXPECT_EQ(test, g[1].offset, 1ULL << 59);
	/* Page size left to us: PAGE_SIZE, which the platform offers. */
	KUNIT_EXPECT_EQ(test, g[1].page_shift, (unsigned int)PAGE_SHIFT);

	/* A platform with one window cannot have both. */
	one.max_windows = 1;
	KUNIT_EXPECT_EQ(test, tce_windows_parse(&one, &req, g, &n), -EINVAL);
	req.windows[0].size = 0;
	KUNIT_EXPECT_EQ(test, tce_windows_parse(&one, &req, g, &n), 0);
	KUNIT_EXPECT_EQ(test, n, 1u);
	one.ddw = false;
	KUNIT_EXPECT_EQ(test, tce_windows_parse(&one, &req, g, &n), -EINVAL);

	req.__reserved = 1;
	KUNIT_EXPECT_EQ(test, tce_windows_parse(&pseries_caps, &req, g, &n),
			-EOPNOTSUPP);
	req.__reserved = 0;
	req.windows[1].page_shift = 21;
	req.windows[1].size = 1ULL << 46;	/* 2^25 entries */
	KUNIT_EXPECT_EQ(test, tce_windows_parse(&pseries_caps, &req, g, &n),
			-EINVAL);

	tce_windows_default(&pseries_caps, g, &n);
	KUNIT_EXPECT_EQ(test, n, 1u);
	KUNIT_EXPECT_EQ(test, g[0].size, (u64)SZ_1G);
	KUNIT_EXPECT_EQ(test, g[0].page_shift, 12u);
}

static void test_two_windows(struct kunit *test)
{
	const struct tce_geometry g[] = {
		{ .offset = 0, .size = SZ_256M, .page_shift = 12, .levels = 2 },
		{ .offset = 1ULL << 59, .size = SZ_4G, .page_shift = 16,
		  .levels = 3 },
	};
	struct iob_pt_seg seg = { .paddr = SZ_1G, .len = SZ_128K };
	struct tce_pt *tp = tce_sw_alloc(g, 2, NULL, NULL);
	struct iob_pt *pt;

	KUNIT_ASSERT_FALSE(test, IS_ERR(tp));
	pt = &tp->pt;
	KUNIT_EXPECT_EQ(test, pt->naper, 2u);
	KUNIT_EXPECT_EQ(test, pt->aper[1].start, 1ULL << 59);
	KUNIT_EXPECT_EQ(test, pt->aper[1].last, (1ULL << 59) + SZ_4G - 1);
	KUNIT_EXPECT_EQ(test, pt->pgsize_bitmap, (unsigned long)(SZ_4K | SZ_64K));
	/* Each call goes to the window its range is in. */
	KUNIT_EXPECT_EQ(test, pt->ops->map(pt, 1ULL << 59, 0, &seg, 1,
					   IOB_PT_READ), 0);
	KUNIT_EXPECT_EQ(test, tp->win[1]->mapped, 2ull);
	KUNIT_EXPECT_EQ(test, tp->win[0]->mapped, 0ull);
	KUNIT_EXPECT_EQ(test, pt->ops->map(pt, SZ_64K, 0, &seg, 1,
					   IOB_PT_WRITE), 0);
	KUNIT_EXPECT_EQ(test, tp->win[0]->mapped, 32ull);
	KUNIT_EXPECT_EQ(test, pt->ops->iova_to_phys(pt, (1ULL << 59) + 0x1234),
			(phys_addr_t)SZ_1G + 0x1234);
	KUNIT_EXPECT_EQ(test, pt->ops->iova_to_phys(pt, SZ_64K + SZ_4K),
			(phys_addr_t)SZ_1G + SZ_4K);
	/* Between the windows there is nothing. */
	KUNIT_EXPECT_EQ(test, pt->ops->map(pt, SZ_256M, 0, &seg, 1,
					   IOB_PT_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, pt->ops->iova_to_phys(pt, SZ_256M), 0);
	/* A 64 KiB window takes only 64 KiB aligned memory. */
	seg.paddr = SZ_1G + SZ_4K;
	KUNIT_EXPECT_EQ(test, pt->ops->map(pt, (1ULL << 59) + SZ_1M, 0, &seg, 1,
					   IOB_PT_READ), -EINVAL);
	pt->ops->unmap(pt, 1ULL << 59, SZ_128K);
	KUNIT_EXPECT_EQ(test, tp->win[1]->mapped, 0ull);
	pt->ops->free(pt);
}

/* A mirror that keeps its own copy and can be told to fail. */
struct copycat {
	struct tce_mirror m;
	u64 entries[TCE_MAX_WINDOWS][4 * TCE_BATCH];
	int fail_at;
	int puts;
	bool released;
};

static int copycat_put(struct tce_mirror *m, unsigned int w, u64 idx,
		       const u64 *tces, unsigned int n)
{
	struct copycat *c = container_of(m, struct copycat, m);

	if (++c->puts == c->fail_at)
		return -EIO;
	memcpy(&c->entries[w][idx], tces, n * sizeof(u64));
	return 0;
}

static int copycat_clear(struct tce_mirror *m, unsigned int w, u64 idx,
			 unsigned int n)
{
	struct copycat *c = container_of(m, struct copycat, m);

	memset(&c->entries[w][idx], 0, n * sizeof(u64));
	return 0;
}

static void copycat_release(struct tce_mirror *m)
{
	container_of(m, struct copycat, m)->released = true;
}

static const struct tce_mirror_ops copycat_ops = {
	.put = copycat_put,
	.clear = copycat_clear,
	.release = copycat_release,
};

static void test_mirror_follows(struct kunit *test)
{
	const struct tce_geometry g = {
		.offset = 0, .size = 4 * TCE_BATCH * SZ_4K, .page_shift = 12,
		.levels = 1,
	};
	struct iob_pt_seg seg = { .paddr = SZ_1G, .len = 3 * TCE_BATCH * SZ_4K };
	struct copycat *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct tce_table *t;
	struct tce_pt *tp;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->m.ops = &copycat_ops;
	tp = tce_sw_alloc(&g, 1, NULL, &c->m);
	KUNIT_ASSERT_FALSE(test, IS_ERR(tp));
	t = tp->win[0];
	KUNIT_ASSERT_EQ(test, tce_table_map(t, 0, 0, &seg, 1, TCE_READ), 0);
	for (i = 0; i < 3 * TCE_BATCH; i++)
		KUNIT_EXPECT_EQ(test, c->entries[0][i],
				tce_encode(SZ_1G + i * SZ_4K, 12, TCE_READ));
	KUNIT_EXPECT_EQ(test, tce_table_unmap(t, 0, seg.len), 3ull * TCE_BATCH);
	for (i = 0; i < ARRAY_SIZE(c->entries[0]); i++)
		KUNIT_EXPECT_EQ(test, c->entries[0][i], 0ull);

	/* The mirror refuses the second batch: nothing stays anywhere. */
	c->puts = 0;
	c->fail_at = 2;
	KUNIT_EXPECT_EQ(test, tce_table_map(t, 0, 0, &seg, 1, TCE_READ), -EIO);
	KUNIT_EXPECT_EQ(test, t->mapped, 0ull);
	for (i = 0; i < ARRAY_SIZE(c->entries[0]); i++)
		KUNIT_EXPECT_EQ(test, c->entries[0][i], 0ull);
	KUNIT_EXPECT_EQ(test, tce_table_lookup(t, 0), 0ull);
	KUNIT_EXPECT_FALSE(test, c->released);
	tp->pt.ops->free(&tp->pt);
	KUNIT_EXPECT_TRUE(test, c->released);
}

static struct kunit_case iob_tce_cases[] = {
	KUNIT_CASE(test_encode_round_trip),
	KUNIT_CASE(test_geometry_rules),
	KUNIT_CASE(test_window_bounds),
	KUNIT_CASE(test_narrow_aperture),
	KUNIT_CASE(test_tree_hint),
	KUNIT_CASE(test_level_boundaries),
	KUNIT_CASE(test_map_into_a_new_leaf),
	KUNIT_CASE(test_clear_over_holes),
	KUNIT_CASE(test_big_page_in_small_entries),
	KUNIT_CASE(test_split_runs),
	KUNIT_CASE(test_trim_runs),
	KUNIT_CASE(test_one_kill_per_call),
	KUNIT_CASE(test_xchg_returns_old),
	KUNIT_CASE(test_failed_map_leaves_nothing),
	KUNIT_CASE(test_one_entry_calls),
	KUNIT_CASE(test_windows_parse),
	KUNIT_CASE(test_two_windows),
	KUNIT_CASE(test_mirror_follows),
	{}
};

static struct kunit_suite iob_tce_suite = {
	.name = "iobroker_tce",
	.test_cases = iob_tce_cases,
};

kunit_test_suite(iob_tce_suite);
