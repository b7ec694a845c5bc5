// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for how an IOVA space keeps its accesses (iopt/access.c):
 * the alignment they impose, unmap callbacks reaching every registered
 * access and no other, and unregistering waiting for a callback that is
 * still running. The parts that need user memory (pins, copies, unmaps
 * that meet pins) are tested from userspace, in iobroker_access.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "../../iopt/io_pagetable.h"

#define NACC 3

/* A fake access's record of the callbacks it got. */
struct fake_access {
	unsigned int calls;
	u64 first;
	u64 last;
	/* For the blocking one: entered, and when it may return. */
	struct completion entered;
	struct completion release;
	bool block;
};

static void fake_unmap(void *data, u64 first, u64 last)
{
	struct fake_access *fa = data;

	fa->calls++;
	fa->first = first;
	fa->last = last;
	if (fa->block) {
		complete(&fa->entered);
		wait_for_completion(&fa->release);
	}
}

static const struct iopt_access_ops fake_ops = {
	.unmap = fake_unmap,
};

static unsigned long alignment(struct iopt *iopt)
{
	unsigned long align;

	down_read(&iopt->iova_rwsem);
	align = iopt->iova_alignment;
	up_read(&iopt->iova_rwsem);
	return align;
}

static void test_access_alignment(struct kunit *test)
{
	struct iopt_access *pin, *plain;
	struct fake_access fa = {};
	struct iopt iopt;

	iopt_init(&iopt);
	KUNIT_EXPECT_EQ(test, alignment(&iopt), 1UL);
	pin = iopt_add_access(&iopt, &fake_ops, &fa, PAGE_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(pin));
	KUNIT_EXPECT_EQ(test, alignment(&iopt), PAGE_SIZE);
	plain = iopt_add_access(&iopt, &fake_ops, &fa, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(plain));
	KUNIT_EXPECT_EQ(test, alignment(&iopt), PAGE_SIZE);
	/* What is left decides: the plain access needs nothing. */
	iopt_remove_access(&iopt, pin);
	KUNIT_EXPECT_EQ(test, alignment(&iopt), 1UL);
	iopt_remove_access(&iopt, plain);
	KUNIT_EXPECT_EQ(test, alignment(&iopt), 1UL);
	KUNIT_EXPECT_EQ(test, fa.calls, 0u);
	iopt_destroy(&iopt);
}

static void test_notify_reaches_registered(struct kunit *test)
{
	struct iopt_access *acc[NACC];
	struct fake_access fa[NACC] = {};
	struct iopt iopt;
	unsigned int i;

	iopt_init(&iopt);
	for (i = 0; i < NACC; i++) {
		acc[i] = iopt_add_access(&iopt, &fake_ops, &fa[i], 1);
		KUNIT_ASSERT_FALSE(test, IS_ERR(acc[i]));
	}
	iopt_notify_unmap(&iopt, 0x10000, 0x1ffff);
	for (i = 0; i < NACC; i++) {
		KUNIT_EXPECT_EQ(test, fa[i].calls, 1u);
		KUNIT_EXPECT_EQ(test, fa[i].first, 0x10000ULL);
		KUNIT_EXPECT_EQ(test, fa[i].last, 0x1ffffULL);
	}
	/* One gone: the others hear of the next unmap, it does not. */
	iopt_remove_access(&iopt, acc[1]);
	iopt_notify_unmap(&iopt, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, fa[0].calls, 2u);
	KUNIT_EXPECT_EQ(test, fa[1].calls, 1u);
	KUNIT_EXPECT_EQ(test, fa[2].calls, 2u);
	KUNIT_EXPECT_EQ(test, fa[2].last, U64_MAX);
	iopt_remove_access(&iopt, acc[0]);
	iopt_remove_access(&iopt, acc[2]);
	/* Nobody left to tell. */
	iopt_notify_unmap(&iopt, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, fa[0].calls, 2u);
	iopt_destroy(&iopt);
}

struct bg_call {
	struct iopt *iopt;
	struct iopt_access *acc;
	struct completion done;
};

static int notify_thread(void *arg)
{
	struct bg_call *bg = arg;

	iopt_notify_unmap(bg->iopt, 0, PAGE_SIZE - 1);
	complete(&bg->done);
	return 0;
}

static int remove_thread(void *arg)
{
	struct bg_call *bg = arg;

	iopt_remove_access(bg->iopt, bg->acc);
	complete(&bg->done);
	return 0;
}

static void test_remove_waits_for_callback(struct kunit *test)
{
	struct bg_call notify = {}, remove = {};
	struct fake_access fa = { .block = true };
	struct task_struct *t;
	struct iopt iopt;
	unsigned int i;

	init_completion(&fa.entered);
	init_completion(&fa.release);
	init_completion(&notify.done);
	init_completion(&remove.done);
	iopt_init(&iopt);
	remove.acc = iopt_add_access(&iopt, &fake_ops, &fa, 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR(remove.acc));

	notify.iopt = &iopt;
	t = kthread_run(notify_thread, &notify, "iob-kunit-notify");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&fa.entered,
							    10 * HZ));

	/* The callback runs: unregistering must wait for it. */
	remove.iopt = &iopt;
	t = kthread_run(remove_thread, &remove, "iob-kunit-remove");
	if (IS_ERR(t)) {
		complete(&fa.release);
		wait_for_completion(&notify.done);
		KUNIT_FAIL(test, "no thread");
		iopt_remove_access(&iopt, remove.acc);
		iopt_destroy(&iopt);
		return;
	}
	/* It unregisters at once, so no callback can start any more... */
	for (i = 0; i < 500 && !xa_empty(&iopt.accesses); i++)
		msleep(20);
	KUNIT_EXPECT_TRUE(test, xa_empty(&iopt.accesses));
	/* ...and then waits for the one running. */
	msleep(100);
	KUNIT_EXPECT_FALSE(test, completion_done(&remove.done));

	complete(&fa.release);
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&notify.done,
							    10 * HZ));
	KUNIT_EXPECT_TRUE(test, wait_for_completion_timeout(&remove.done,
							    10 * HZ));
	KUNIT_EXPECT_EQ(test, fa.calls, 1u);
	iopt_destroy(&iopt);
}

static void test_unmap_nothing(struct kunit *test)
{
	struct fake_access fa = {};
	struct iopt_access *acc;
	struct iopt iopt;
	u64 unmapped = 1;

	iopt_init(&iopt);
	acc = iopt_add_access(&iopt, &fake_ops, &fa, PAGE_SIZE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(acc));
	/* Everything, when nothing is mapped: fine, and nobody is told. */
	KUNIT_EXPECT_EQ(test, iopt_unmap(&iopt, 0, U64_MAX, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 0ULL);
	unmapped = 1;
	KUNIT_EXPECT_EQ(test, iopt_unmap(&iopt, 0, PAGE_SIZE - 1, &unmapped),
			0);
	KUNIT_EXPECT_EQ(test, unmapped, 0ULL);
	KUNIT_EXPECT_EQ(test, fa.calls, 0u);
	iopt_remove_access(&iopt, acc);
	iopt_destroy(&iopt);
}

static struct kunit_case iob_iopt_cases[] = {
	KUNIT_CASE(test_access_alignment),
	KUNIT_CASE(test_notify_reaches_registered),
	KUNIT_CASE(test_remove_waits_for_callback),
	KUNIT_CASE(test_unmap_nothing),
	{}
};

static struct kunit_suite iob_iopt_suite = {
	.name = "iobroker_iopt",
	.test_cases = iob_iopt_cases,
};

kunit_test_suite(iob_iopt_suite);
