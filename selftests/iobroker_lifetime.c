// SPDX-License-Identifier: GPL-2.0
/*
 * Object lifetime: destroy and its EBUSY rules, short-term holders, kernel
 * owners, closing a file with objects alive, files shared across processes.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_utils.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* One ioctl running in another thread: a hold, or a kernel destroy. */
struct bg {
	pthread_t thread;
	int fd;
	__u32 id;
	__u32 msec;		/* for a hold */
	int kernel_destroy;
	__u32 held;		/* set by the kernel once the hold is on */
	int rc;			/* -1 while the call runs */
};

static void *bg_thread(void *arg)
{
	struct bg *b = arg;
	int rc;

	if (b->kernel_destroy)
		rc = iob_kernel_destroy(b->fd, b->id);
	else
		rc = iob_hold_flag(b->fd, b->id, b->msec, &b->held);
	__atomic_store_n(&b->rc, rc, __ATOMIC_RELEASE);
	return NULL;
}

static int bg_running(struct bg *b)
{
	return __atomic_load_n(&b->rc, __ATOMIC_ACQUIRE) == -1;
}

static int bg_start(struct bg *b, int fd, __u32 id)
{
	b->fd = fd;
	b->id = id;
	b->held = 0;
	b->rc = -1;
	return pthread_create(&b->thread, NULL, bg_thread, b);
}

static int bg_join(struct bg *b)
{
	pthread_join(b->thread, NULL);
	return b->rc;
}

/* Hold @id from another thread; returns once the hold is on. */
static int hold_start(struct bg *b, int fd, __u32 id, __u32 msec)
{
	b->kernel_destroy = 0;
	b->msec = msec;
	if (bg_start(b, fd, id))
		return -1;
	while (!__atomic_load_n(&b->held, __ATOMIC_ACQUIRE) && bg_running(b))
		usleep(1000);
	return __atomic_load_n(&b->held, __ATOMIC_ACQUIRE) ? 0 : b->rc;
}

FIXTURE(life) {
	int fd;
	long baseline;
};

FIXTURE_SETUP(life)
{
	self->baseline = iob_global_objects();
	ASSERT_LE(0, self->baseline);
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(life)
{
	close(self->fd);
	/* Every test's objects went with its file. */
	EXPECT_EQ(self->baseline, iob_global_objects());
}

TEST_F(life, double_destroy)
{
	__u32 ioas;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, ioas));
}

TEST_F(life, destroyed_ioas_is_gone)
{
	__u32 ioas;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_destroy(self->fd, ioas));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 ioas, &val));
	EXPECT_EQ(ENOENT, iob_dep_alloc(self->fd, ioas, NULL));
}

/*
 * Regression (found by iobroker_fuzz): a test object could depend on a
 * device or an access, whose kernel owners must be able to destroy them,
 * and their destroy then warned. Such dependencies are refused.
 */
TEST_F(life, no_dependency_on_kernel_owned_objects)
{
	__u32 ioas, stdev, idev, access, dep;
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
	};

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_mock_domain(self->fd, ioas, &stdev, NULL, &idev));
	EXPECT_EQ(EINVAL, iob_dep_alloc(self->fd, idev, NULL));
	/* IDs go lowest free first: the access takes the next one. */
	cmd.id = ioas;
	ASSERT_EQ(0, iob_test(self->fd, &cmd));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &dep));
	access = dep - 1;
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, access));
	EXPECT_EQ(EINVAL, iob_dep_alloc(self->fd, access, NULL));
	EXPECT_EQ(0, iob_destroy(self->fd, dep));
	/* Their owners destroy them as usual. */
	EXPECT_EQ(0, close(cmd.create_access.out_access_fd));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
	EXPECT_EQ(ENOENT, iob_dep_alloc(self->fd, idev, NULL));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, dependency_makes_destroy_ebusy)
{
	__u32 ioas, dep;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, ioas, &dep));
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
	/* The refused destroy changed nothing. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
	EXPECT_EQ(0, iob_destroy(self->fd, dep));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, chain_unwinds_from_the_leaf)
{
	__u32 id[5];
	int i;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id[0]));
	for (i = 1; i < 5; i++)
		ASSERT_EQ(0, iob_dep_alloc(self->fd, id[i - 1], &id[i]));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, id[i]));
	for (i = 4; i >= 0; i--)
		EXPECT_EQ(0, iob_destroy(self->fd, id[i]));
}

TEST_F(life, fan_in_needs_every_dependent_gone)
{
	__u32 ioas, dep[8];
	int i;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, iob_dep_alloc(self->fd, ioas, &dep[i]));
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
		EXPECT_EQ(0, iob_destroy(self->fd, dep[i]));
	}
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, close_destroys_a_graph)
{
	__u32 ioas[16], id;
	__u64 in_fd;
	int fd, i, j;

	fd = iob_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas[i]));
		id = ioas[i];
		for (j = 0; j < 8; j++)
			ASSERT_EQ(0, iob_dep_alloc(fd, j % 2 ? id : ioas[i],
						   &id));
	}
	ASSERT_EQ(0, iob_obj_count(fd, &in_fd, NULL));
	EXPECT_EQ(16 * 9, in_fd);
	EXPECT_EQ(self->baseline + 16 * 9, iob_global_objects());
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(self->baseline, iob_global_objects());
}

TEST_F(life, close_destroys_a_deep_chain)
{
	__u32 id;
	int fd, i;

	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &id));
	/* Each object depends on the one made before it. */
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, iob_dep_alloc(fd, id, &id));
	EXPECT_EQ(self->baseline + 301, iob_global_objects());
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(self->baseline, iob_global_objects());
}

TEST_F(life, close_reversed_chain)
{
	__u32 ids[64];
	int fd, i;

	/*
	 * Make the leaf the lowest ID, so that close meets objects in the
	 * reverse of the order they can go: build the chain, then recycle
	 * low IDs for new leaves.
	 */
	fd = iob_open();
	ASSERT_LE(0, fd);
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, iob_ioas_alloc(fd, &ids[i]));
	for (i = 0; i < 32; i++)
		ASSERT_EQ(0, iob_destroy(fd, ids[i]));
	ASSERT_EQ(0, iob_dep_alloc(fd, ids[63], &ids[0]));
	for (i = 1; i < 32; i++)
		ASSERT_EQ(0, iob_dep_alloc(fd, ids[i - 1], &ids[i]));
	EXPECT_EQ(1, ids[0]);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(self->baseline, iob_global_objects());
}

TEST_F(life, ids_belong_to_their_file)
{
	__u32 a, b;
	__u64 val;
	int fd2;

	fd2 = iob_open();
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &a));
	ASSERT_EQ(0, iob_ioas_alloc(fd2, &b));
	EXPECT_EQ(1, a);
	EXPECT_EQ(1, b);
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, a, 0));
	ASSERT_EQ(0, iob_option_get(fd2, IOMMU_OPTION_HUGE_PAGES, b, &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, iob_destroy(fd2, b));
	EXPECT_EQ(ENOENT, iob_destroy(fd2, b));
	EXPECT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, a,
				    &val));
	EXPECT_EQ(0, val);
	close(fd2);
}

TEST_F(life, shared_file_lives_until_last_close)
{
	__u32 ioas;
	__u64 val;
	pid_t pid;
	int st, dup_fd;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	dup_fd = dup(self->fd);
	ASSERT_LE(0, dup_fd);
	ASSERT_EQ(0, close(dup_fd));
	EXPECT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));

	/* A child shares the file: what it creates, the parent sees. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u32 id;

		if (iob_dep_alloc(self->fd, ioas, &id) || id != 2)
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
	EXPECT_EQ(0, iob_destroy(self->fd, 2));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, destroy_while_held_is_ebusy)
{
	struct bg h;
	__u32 ioas;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, hold_start(&h, self->fd, ioas, 1000));
	/* DESTROY fails while held; other readers still get through. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
	EXPECT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(0, bg_join(&h));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, kernel_destroy_waits_for_holders)
{
	struct bg h;
	__u32 obj;
	__u64 val;
	double t0, t1;

	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	t0 = now_ms();
	ASSERT_EQ(0, hold_start(&h, self->fd, obj, 1000));
	/* The hold is on; a kernel owner's destroy has to wait it out. */
	EXPECT_EQ(0, iob_kernel_destroy(self->fd, obj));
	t1 = now_ms();
	EXPECT_LE(1000.0, t1 - t0);
	EXPECT_EQ(0, bg_join(&h));
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, obj));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj, &val));
}

TEST_F(life, lookups_fail_while_kernel_destroy_waits)
{
	struct bg h, k = { .kernel_destroy = 1 };
	__u32 obj;
	int i, gone = 0;

	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	ASSERT_EQ(0, hold_start(&h, self->fd, obj, 1500));
	ASSERT_EQ(0, bg_start(&k, self->fd, obj));
	/*
	 * Once the destroyer waits, new lookups no longer find the object,
	 * while userspace DESTROY keeps failing as the object is in use.
	 */
	for (i = 0; i < 1000 && !gone && bg_running(&k); i++) {
		usleep(1000);
		gone = iob_hold(self->fd, obj, 0) == ENOENT;
	}
	EXPECT_TRUE(gone);
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, obj));
	EXPECT_TRUE(bg_running(&k));
	EXPECT_EQ(0, bg_join(&h));
	EXPECT_EQ(0, bg_join(&k));
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, obj));
}

TEST_F(life, kernel_destroy_refuses_with_dependents)
{
	__u32 obj, dep;

	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, obj, &dep));
	EXPECT_EQ(EBUSY, iob_kernel_destroy(self->fd, obj));
	/* Still intact: held, destroyed in the right order. */
	EXPECT_EQ(0, iob_hold(self->fd, obj, 0));
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, obj));
	EXPECT_EQ(0, iob_destroy(self->fd, dep));
	EXPECT_EQ(0, iob_kernel_destroy(self->fd, obj));
	EXPECT_EQ(ENOENT, iob_hold(self->fd, obj, 0));
}

TEST_F(life, hold_limits)
{
	__u32 obj;

	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	EXPECT_EQ(EINVAL, iob_hold(self->fd, obj,
				   IOMMU_TEST_IOB_HOLD_MAX_MSEC + 1));
	EXPECT_EQ(0, iob_hold(self->fd, obj, 1));
}

TEST_HARNESS_MAIN
