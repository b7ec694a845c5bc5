// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the object store (iommufd/object.c): IDs, publication,
 * short-term and long-term references, the three destroy paths, and the
 * walks the netlink family's reports make.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pid.h>

#include "../../iommufd/object.h"

#define LOG_MAX 16

struct destroy_log {
	u32 ids[LOG_MAX];
	unsigned int n;
};

/* A test object: may depend on another one and logs its destruction. */
struct tobj {
	struct iob_object obj;
	struct iob_object *dep;
	struct destroy_log *log;
};

static void tobj_destroy(struct iob_object *obj)
{
	struct tobj *t = container_of(obj, struct tobj, obj);

	if (t->dep)
		iob_object_users_put(t->dep);
	if (t->log && t->log->n < LOG_MAX)
		t->log->ids[t->log->n++] = obj->id;
}

static const struct iob_object_ops tobj_ops = {
	.type = IOB_OBJ_SELFTEST,
	.owner = THIS_MODULE,
	.destroy = tobj_destroy,
};

/* Destroy @obj the way its kernel owner does. */
static int iob_kernel_remove(struct iob_ctx *ctx, struct iob_object *obj)
{
	return iob_object_remove(ctx, obj->id, obj,
				 IOB_REMOVE_WAIT | IOB_REMOVE_OWNER);
}

struct fixture {
	struct iob_ctx *ctx;
	struct destroy_log log;
	long alive_before;
};

static int obj_test_init(struct kunit *test)
{
	struct fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->alive_before = iob_objects_alive();
	f->ctx = iob_ctx_alloc();
	KUNIT_ASSERT_NOT_NULL(test, f->ctx);
	test->priv = f;
	return 0;
}

static void obj_test_exit(struct kunit *test)
{
	struct fixture *f = test->priv;

	if (f->ctx)
		iob_ctx_destroy(f->ctx);
	/* Whatever a test left behind went with the context. */
	KUNIT_EXPECT_EQ(test, iob_objects_alive(), f->alive_before);
}

/* Make a test object; publish it unless @reserve_only. */
static struct tobj *tobj_new(struct kunit *test, struct iob_object *dep,
			     bool reserve_only)
{
	struct fixture *f = test->priv;
	struct tobj *t;

	t = iob_object_alloc(f->ctx, struct tobj, obj, &tobj_ops);
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	t->log = &f->log;
	if (dep) {
		iob_object_users_get(dep);
		t->dep = dep;
	}
	if (!reserve_only)
		iob_object_finalize(f->ctx, &t->obj);
	return t;
}

static void test_reserved_is_invisible(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *t = tobj_new(test, NULL, true);
	struct iob_object *got;

	KUNIT_EXPECT_EQ(test, t->obj.id, 1u);
	KUNIT_EXPECT_PTR_EQ(test, iob_object_get(f->ctx, 1, IOB_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 1, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, iob_ctx_count_objects(f->ctx), 0ul);

	iob_object_finalize(f->ctx, &t->obj);
	got = iob_object_get(f->ctx, 1, IOB_OBJ_ANY);
	KUNIT_EXPECT_PTR_EQ(test, got, &t->obj);
	if (!IS_ERR(got))
		iob_object_put(got);
	KUNIT_EXPECT_EQ(test, iob_ctx_count_objects(f->ctx), 1ul);
}

static void test_abort_releases_id(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *a = tobj_new(test, NULL, false);
	struct tobj *b = tobj_new(test, &a->obj, true);
	struct tobj *c;

	KUNIT_EXPECT_EQ(test, b->obj.id, 2u);
	iob_object_abort_destroy(f->ctx, &b->obj);
	/* The abort ran destroy, which dropped the reference on a. */
	KUNIT_EXPECT_EQ(test, f->log.n, 1u);
	KUNIT_EXPECT_EQ(test, refcount_read(&a->obj.users), 1u);

	c = tobj_new(test, NULL, false);
	KUNIT_EXPECT_EQ(test, c->obj.id, 2u);
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, a->obj.id, NULL, 0), 0);
}

static void test_ids_lowest_free_first(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *t[4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		t[i] = tobj_new(test, NULL, false);
		KUNIT_EXPECT_EQ(test, t[i]->obj.id, i + 1);
	}
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 2, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 3, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, tobj_new(test, NULL, false)->obj.id, 2u);
	KUNIT_EXPECT_EQ(test, tobj_new(test, NULL, false)->obj.id, 3u);
	KUNIT_EXPECT_EQ(test, tobj_new(test, NULL, false)->obj.id, 5u);
}

static void test_get_checks_id_and_type(struct kunit *test)
{
	static const u32 bad_ids[] = { 0, 2, 0x7fffffff, 0x80000000, U32_MAX };
	struct fixture *f = test->priv;
	struct tobj *t = tobj_new(test, NULL, false);
	struct iob_object *got;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_ids); i++)
		KUNIT_EXPECT_PTR_EQ(test,
				    iob_object_get(f->ctx, bad_ids[i],
						   IOB_OBJ_ANY),
				    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_PTR_EQ(test, iob_object_get(f->ctx, 1, IOB_OBJ_IOAS),
			    ERR_PTR(-ENOENT));
	got = iob_object_get(f->ctx, 1, IOB_OBJ_SELFTEST);
	KUNIT_EXPECT_PTR_EQ(test, got, &t->obj);
	if (!IS_ERR(got))
		iob_object_put(got);
}

static void test_user_destroy_rules(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *a = tobj_new(test, NULL, false);
	struct tobj *b = tobj_new(test, &a->obj, false);
	struct iob_object *held;

	/* Long-term user: b depends on a. */
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 1, NULL, 0), -EBUSY);
	KUNIT_EXPECT_EQ(test, f->log.n, 0u);

	/* Short-term user: an "ioctl" holds b. */
	held = iob_object_get(f->ctx, b->obj.id, IOB_OBJ_ANY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(held));
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 2, NULL, 0), -EBUSY);
	iob_object_put(held);

	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 2, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 2, NULL, 0), -ENOENT);
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 1, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, f->log.n, 2u);
	KUNIT_EXPECT_EQ(test, f->log.ids[0], 2u);
	KUNIT_EXPECT_EQ(test, f->log.ids[1], 1u);
	KUNIT_EXPECT_EQ(test, iob_ctx_count_objects(f->ctx), 0ul);
}

static void test_kernel_destroy_busy(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *a = tobj_new(test, NULL, false);
	struct tobj *b = tobj_new(test, &a->obj, false);

	/* Owner reference on a; b's dependency keeps it busy. */
	iob_object_users_get(&a->obj);
	KUNIT_EXPECT_EQ(test, iob_kernel_remove(f->ctx, &a->obj),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, f->log.n, 0u);
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, b->obj.id, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, iob_kernel_remove(f->ctx, &a->obj), 0);
	KUNIT_EXPECT_EQ(test, f->log.n, 2u);
	KUNIT_EXPECT_EQ(test, iob_ctx_count_objects(f->ctx), 0ul);
}

struct kdestroy {
	struct iob_ctx *ctx;
	struct iob_object *obj;
	struct completion done;
	int rc;
};

static int kdestroy_thread(void *data)
{
	struct kdestroy *kd = data;

	kd->rc = iob_kernel_remove(kd->ctx, kd->obj);
	complete(&kd->done);
	return 0;
}

static void test_kernel_destroy_waits(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *a = tobj_new(test, NULL, false);
	struct task_struct *task;
	struct iob_object *held;
	struct kdestroy kd = {
		.ctx = f->ctx,
		.obj = &a->obj,
		.rc = -1,
	};

	init_completion(&kd.done);
	held = iob_object_get(f->ctx, 1, IOB_OBJ_ANY);
	KUNIT_ASSERT_FALSE(test, IS_ERR(held));
	iob_object_users_get(&a->obj);

	task = kthread_run(kdestroy_thread, &kd, "iob-kunit-destroy");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	msleep(100);
	/* The destroyer waits for us, and lookups already fail. */
	KUNIT_EXPECT_FALSE(test, completion_done(&kd.done));
	KUNIT_EXPECT_EQ(test, f->log.n, 0u);
	KUNIT_EXPECT_PTR_EQ(test, iob_object_get(f->ctx, 1, IOB_OBJ_ANY),
			    ERR_PTR(-ENOENT));
	KUNIT_EXPECT_EQ(test, iob_object_remove(f->ctx, 1, NULL, 0), -EBUSY);

	iob_object_put(held);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&kd.done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, kd.rc, 0);
	KUNIT_EXPECT_EQ(test, f->log.n, 1u);
	KUNIT_EXPECT_EQ(test, iob_ctx_count_objects(f->ctx), 0ul);
}

static void test_ctx_destroy_leaves_first(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *a = tobj_new(test, NULL, false);	/* id 1 */
	struct tobj *b = tobj_new(test, &a->obj, false);	/* id 2, on a */
	struct tobj *c;
	struct tobj *d;
	unsigned int i, pos[6] = {};

	c = tobj_new(test, &b->obj, false);		/* id 3, on b */
	d = tobj_new(test, &a->obj, false);		/* id 4, on a */
	tobj_new(test, NULL, false);			/* id 5, alone */
	KUNIT_EXPECT_EQ(test, d->obj.id, 4u);
	KUNIT_EXPECT_EQ(test, c->obj.id, 3u);

	iob_ctx_destroy(f->ctx);
	f->ctx = NULL;

	KUNIT_ASSERT_EQ(test, f->log.n, 5u);
	for (i = 0; i < f->log.n; i++)
		pos[f->log.ids[i]] = i;
	KUNIT_EXPECT_LT(test, pos[3], pos[2]);
	KUNIT_EXPECT_LT(test, pos[2], pos[1]);
	KUNIT_EXPECT_LT(test, pos[4], pos[1]);
}

static void test_alive_counts_reserved(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *t = tobj_new(test, NULL, true);

	KUNIT_EXPECT_EQ(test, iob_objects_alive(), f->alive_before + 1);
	iob_object_abort(f->ctx, &t->obj);
	KUNIT_EXPECT_EQ(test, iob_objects_alive(), f->alive_before);
	KUNIT_EXPECT_EQ(test, f->log.n, 0u);
}

/*
 * What the netlink family walks: files by number, and the published
 * objects of a file in order of ID, reserved ones and other types left
 * out; a destroyed file is no longer found.
 */
static void test_report_walks(struct kunit *test)
{
	struct fixture *f = test->priv;
	struct tobj *t1 = tobj_new(test, NULL, true);
	struct tobj *t2 = tobj_new(test, NULL, false);
	struct tobj *t3 = tobj_new(test, NULL, false);
	struct iob_ctx *other = iob_ctx_alloc(), *found;
	struct iob_object *obj;
	unsigned long id;
	u32 gone;

	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NE(test, other->nl_id, f->ctx->nl_id);
	KUNIT_EXPECT_EQ(test, other->owner_pid, task_tgid_nr(current));
	iob_ctxs_lock();
	id = f->ctx->nl_id;
	KUNIT_EXPECT_PTR_EQ(test, iob_ctx_find(&id), f->ctx);
	KUNIT_EXPECT_EQ(test, id, (unsigned long)f->ctx->nl_id);
	id = other->nl_id;
	KUNIT_EXPECT_PTR_EQ(test, iob_ctx_find(&id), other);
	iob_ctxs_unlock();

	id = 0;
	obj = iob_object_next(f->ctx, &id, IOB_OBJ_ANY);
	KUNIT_EXPECT_PTR_EQ(test, obj, &t2->obj);
	KUNIT_EXPECT_EQ(test, id, (unsigned long)t2->obj.id);
	if (obj)
		iob_object_put(obj);
	id++;
	obj = iob_object_next(f->ctx, &id, IOB_OBJ_SELFTEST);
	KUNIT_EXPECT_PTR_EQ(test, obj, &t3->obj);
	if (obj)
		iob_object_put(obj);
	id++;
	KUNIT_EXPECT_NULL(test, iob_object_next(f->ctx, &id, IOB_OBJ_ANY));
	id = 0;
	KUNIT_EXPECT_NULL(test, iob_object_next(f->ctx, &id, IOB_OBJ_IOAS));

	gone = other->nl_id;
	iob_ctx_destroy(other);
	iob_ctxs_lock();
	id = gone;
	found = iob_ctx_find(&id);
	KUNIT_EXPECT_TRUE(test, !found || id != gone);
	iob_ctxs_unlock();
	iob_object_finalize(f->ctx, &t1->obj);
}

static struct kunit_case iob_object_cases[] = {
	KUNIT_CASE(test_reserved_is_invisible),
	KUNIT_CASE(test_abort_releases_id),
	KUNIT_CASE(test_ids_lowest_free_first),
	KUNIT_CASE(test_get_checks_id_and_type),
	KUNIT_CASE(test_user_destroy_rules),
	KUNIT_CASE(test_kernel_destroy_busy),
	KUNIT_CASE(test_kernel_destroy_waits),
	KUNIT_CASE(test_ctx_destroy_leaves_first),
	KUNIT_CASE(test_alive_counts_reserved),
	KUNIT_CASE(test_report_walks),
	{}
};

static struct kunit_suite iob_object_suite = {
	.name = "iobroker_object",
	.init = obj_test_init,
	.exit = obj_test_exit,
	.test_cases = iob_object_cases,
};

kunit_test_suite(iob_object_suite);
