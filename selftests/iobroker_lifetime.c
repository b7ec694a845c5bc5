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

struct holder {
	pthread_t thread;
	int fd;
	__u32 id;
	__u32 msec;
	__u32 held;
	int rc;
};

static void *hold_thread(void *arg)
{
	struct holder *h = arg;

	__atomic_store_n(&h->rc, iob_hold_flag(h->fd, h->id, h->msec,
					       &h->held), __ATOMIC_RELEASE);
	return NULL;
}

/* Start holding @id from another thread; returns once the hold is on. */
static int hold_start(struct holder *h, int fd, __u32 id, __u32 msec)
{
	h->fd = fd;
	h->id = id;
	h->msec = msec;
	h->held = 0;
	h->rc = -1;
	if (pthread_create(&h->thread, NULL, hold_thread, h))
		return -1;
	/* The kernel sets held; rc is set when the ioctl returns. */
	while (!__atomic_load_n(&h->held, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&h->rc, __ATOMIC_ACQUIRE) == -1)
		usleep(1000);
	return __atomic_load_n(&h->held, __ATOMIC_ACQUIRE) ? 0 : h->rc;
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
	struct holder h;
	__u32 ioas;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, hold_start(&h, self->fd, ioas, 1000));
	/* DESTROY fails while held; other readers still get through. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas));
	EXPECT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	pthread_join(h.thread, NULL);
	EXPECT_EQ(0, h.rc);
	EXPECT_EQ(0, iob_destroy(self->fd, ioas));
}

TEST_F(life, kernel_destroy_waits_for_holders)
{
	struct holder h;
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
	pthread_join(h.thread, NULL);
	EXPECT_EQ(0, h.rc);
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, obj));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj, &val));
}

struct kdestroyer {
	pthread_t thread;
	int fd;
	__u32 id;
	int rc;
	int done;
};

static void *kdestroy_thread(void *arg)
{
	struct kdestroyer *k = arg;

	k->rc = iob_kernel_destroy(k->fd, k->id);
	__atomic_store_n(&k->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F(life, lookups_fail_while_kernel_destroy_waits)
{
	struct kdestroyer k = { .rc = -1 };
	struct holder h;
	__u32 obj;
	int i, gone = 0;

	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	ASSERT_EQ(0, hold_start(&h, self->fd, obj, 1500));
	k.fd = self->fd;
	k.id = obj;
	ASSERT_EQ(0, pthread_create(&k.thread, NULL, kdestroy_thread, &k));
	/*
	 * Once the destroyer waits, new lookups no longer find the object,
	 * while userspace DESTROY keeps failing as the object is in use.
	 */
	for (i = 0; i < 1000 && !gone &&
	     !__atomic_load_n(&k.done, __ATOMIC_ACQUIRE); i++) {
		usleep(1000);
		gone = iob_hold(self->fd, obj, 0) == ENOENT;
	}
	EXPECT_TRUE(gone);
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, obj));
	EXPECT_EQ(0, __atomic_load_n(&k.done, __ATOMIC_ACQUIRE));
	pthread_join(h.thread, NULL);
	pthread_join(k.thread, NULL);
	EXPECT_EQ(0, h.rc);
	EXPECT_EQ(0, k.rc);
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
