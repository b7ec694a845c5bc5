// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress, each test bounded in time: destroys against lookups
 * of the same IDs; a file closed and replaced under ioctls in flight on its
 * descriptor; maps against unmaps of one range; mock devices attaching,
 * moving between IOASes and HWPTs and going away while the IOASes are
 * mapped and unmapped; accesses pinning against unmaps, moving to another
 * IOAS and being closed; and several files, each with threads of its own,
 * mapping the same user memory. Every call must succeed or fail with an
 * errno the contract allows for it; anything else is printed with the call
 * and counted as a failure. Each test prints how many calls each thread
 * made, and ends with every file closed, no object left and nothing
 * pinned. The kernel side (KASAN, lockdep, kmemleak, hung tasks) is
 * watched by the rig.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"

/* A race runs this long, then on until every thread succeeded once. */
#define RACE_MS 1500
#define RACE_MAX_MS 10000

#define MAX_THREADS 12
#define NFILES 3
#define MAX_ID 24

#define P page_size
#define IOVA ((__u64)MOCK_APERTURE_START)
#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
#define SLOW_UNMAP MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP

/* The errnos a call may fail with, besides succeeding. */
#define ALLOW(...) ((const int[]){ __VA_ARGS__, 0 })
#define NONE ALLOW(0)

struct stress;

struct thr {
	pthread_t thread;
	const char *name;
	void (*step)(struct thr *t);
	struct stress *s;
	int idx;		/* the file it works on */
	unsigned int seed;
	unsigned int n;		/* steps done */
	atomic_long ops;
	atomic_long ok;
};

struct stress {
	atomic_int stop;
	atomic_long unexpected;
	atomic_long busy;	/* EBUSY, allowed, of any call */
	int fd;			/* the file, or the descriptor number shared */
	int fds[NFILES];
	__u32 ioas[NFILES];
	__u32 ioas2[NFILES];
	atomic_int afd[NFILES];	/* accesses, by descriptor */
	int afd2;
	__u32 stdev;		/* a mock device the threads move around */
	__u32 hwpt;		/* a HWPT the test allocated */
	atomic_long maps;
	atomic_long unmaps;
	struct thr t[MAX_THREADS];
	int nthr;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void report_bad(struct thr *t, const char *op, int rc)
{
	if (atomic_fetch_add(&t->s->unexpected, 1) < 10)
		fprintf(stderr, "# unexpected: %s: %s -> %s\n", t->name, op,
			rc > 0 ? strerror(rc) : "wrong result");
}

/*
 * Count a call of @t and judge its result: 0, or one of @allowed. Returns
 * @rc.
 */
static int check(struct thr *t, const char *op, int rc, const int *allowed)
{
	const int *a;

	atomic_fetch_add(&t->ops, 1);
	if (!rc) {
		atomic_fetch_add(&t->ok, 1);
		return 0;
	}
	if (rc == EBUSY)
		atomic_fetch_add(&t->s->busy, 1);
	for (a = allowed; *a; a++)
		if (rc == *a)
			return rc;
	report_bad(t, op, rc);
	return rc;
}

static int sys_rc(int ret)
{
	return ret < 0 ? errno : 0;
}

static void add_thread(struct stress *s, const char *name,
		       void (*step)(struct thr *t), int idx)
{
	struct thr *t = &s->t[s->nthr];

	t->name = name;
	t->step = step;
	t->s = s;
	t->idx = idx;
	t->seed = 0x2545f491 + s->nthr * 7919;
	s->nthr++;
}

static void *thr_main(void *arg)
{
	struct thr *t = arg;

	while (!atomic_load(&t->s->stop)) {
		t->step(t);
		t->n++;
	}
	return NULL;
}

static bool all_succeeded(struct stress *s)
{
	int i;

	for (i = 0; i < s->nthr; i++)
		if (!atomic_load(&s->t[i].ok))
			return false;
	return true;
}

/*
 * Run the threads for RACE_MS, then on until each has succeeded once, for
 * at most RACE_MAX_MS; report what each did. Returns the threads that
 * never succeeded, or -1 if they could not be started.
 */
static int run(struct stress *s, const char *title)
{
	double start;
	int i, j, idle = 0;
	long ms;

	atomic_store(&s->stop, 0);
	for (i = 0; i < s->nthr; i++) {
		if (pthread_create(&s->t[i].thread, NULL, thr_main,
				   &s->t[i])) {
			atomic_store(&s->stop, 1);
			for (j = 0; j < i; j++)
				pthread_join(s->t[j].thread, NULL);
			return -1;
		}
	}
	start = now_ms();
	do {
		usleep(10000);
		ms = (long)(now_ms() - start);
	} while (ms < RACE_MAX_MS && (ms < RACE_MS || !all_succeeded(s)));
	atomic_store(&s->stop, 1);
	for (i = 0; i < s->nthr; i++)
		pthread_join(s->t[i].thread, NULL);

	ksft_print_msg("%s: %ld ms, %ld EBUSY\n", title,
		       (long)(now_ms() - start), atomic_load(&s->busy));
	for (i = 0; i < s->nthr; i++) {
		ksft_print_msg("  %-10s %ld operations, %ld succeeded\n",
			       s->t[i].name, atomic_load(&s->t[i].ops),
			       atomic_load(&s->t[i].ok));
		if (!atomic_load(&s->t[i].ok))
			idle++;
	}
	return idle;
}

FIXTURE(stress) {
	struct stress s;
	long objects;
	long pinned;
};

FIXTURE_SETUP(stress)
{
	int i;

	memset(&self->s, 0, sizeof(self->s));
	self->s.fd = -1;
	self->s.afd2 = -1;
	for (i = 0; i < NFILES; i++) {
		self->s.fds[i] = -1;
		atomic_store(&self->s.afd[i], -1);
	}
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
}

FIXTURE_TEARDOWN(stress)
{
	int i;

	if (self->s.fd >= 0)
		close(self->s.fd);
	if (self->s.afd2 >= 0)
		close(self->s.afd2);
	for (i = 0; i < NFILES; i++) {
		if (self->s.fds[i] >= 0)
			close(self->s.fds[i]);
		if (atomic_load(&self->s.afd[i]) >= 0)
			close(atomic_load(&self->s.afd[i]));
	}
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
}

/* Close what the test made; 0 if every close worked. */
static int close_all(struct stress *s)
{
	int i, rc = 0, afd;

	if (s->fd >= 0)
		rc |= close(s->fd);
	s->fd = -1;
	if (s->afd2 >= 0)
		rc |= close(s->afd2);
	s->afd2 = -1;
	for (i = 0; i < NFILES; i++) {
		if (s->fds[i] >= 0)
			rc |= close(s->fds[i]);
		s->fds[i] = -1;
		afd = atomic_exchange(&s->afd[i], -1);
		if (afd >= 0)
			rc |= close(afd);
	}
	return rc;
}

/* --- IOMMU_DESTROY against lookups of the same IDs ------------------------- */

/* IDs past MAX_ID too: mock devices make three objects at a time. */
static __u32 pick(struct thr *t)
{
	return 1 + rand_r(&t->seed) % (MAX_ID + 8);
}

static void creator(struct thr *t)
{
	__u64 n = 0;
	int fd = t->s->fd;
	__u32 id = 0;

	if (check(t, "count", iob_obj_count(fd, &n, NULL), NONE) ||
	    n >= MAX_ID) {
		usleep(1000);
		return;
	}
	switch (rand_r(&t->seed) % 3) {
	case 0:
		check(t, "ioas alloc", iob_ioas_alloc(fd, &id), NONE);
		break;
	case 1:
		/* Destroyed already, or mapped by a lookup. */
		if (!check(t, "ioas alloc", iob_ioas_alloc(fd, &id), NONE))
			check(t, "map", iob_map_fixed(fd, id, buffer, 2 * P,
						      IOVA),
			      ALLOW(ENOENT, EEXIST));
		break;
	default:
		/* Gone, or a device or access, which nothing may hold. */
		check(t, "dep alloc", iob_dep_alloc(fd, pick(t), NULL),
		      ALLOW(ENOENT, EINVAL));
	}
}

static void destroyer(struct thr *t)
{
	check(t, "destroy", iob_destroy(t->s->fd, pick(t)),
	      ALLOW(ENOENT, EBUSY));
}

static void looker(struct thr *t)
{
	struct iommu_iova_range r[4];
	__u32 num = ARRAY_SIZE(r), id = pick(t), stdev = 0;
	int fd = t->s->fd;
	__u64 val, iova = 0;

	switch (rand_r(&t->seed) % 7) {
	case 0:
		check(t, "hold", iob_hold(fd, id, rand_r(&t->seed) % 2),
		      ALLOW(ENOENT));
		break;
	case 1:
		check(t, "option", iob_option_get(fd, IOMMU_OPTION_HUGE_PAGES,
						  id, &val), ALLOW(ENOENT));
		break;
	case 2:
		check(t, "iova ranges", iob_iova_ranges(fd, id, r, &num, NULL),
		      ALLOW(ENOENT));
		break;
	case 3:
		check(t, "map", iob_map_fixed(fd, id, buffer, 2 * P, IOVA),
		      ALLOW(ENOENT, EEXIST));
		break;
	case 4:
		/* Everything: ENOENT only when it is not an IOAS. */
		check(t, "unmap", iob_unmap(fd, id, 0, UINT64_MAX, NULL),
		      ALLOW(ENOENT, EBUSY));
		break;
	case 5:
		/* Copies to IOASes without page tables land below them. */
		check(t, "copy", iob_copy(fd, pick(t), &iova, id, IOVA, P,
					  IOB_RW), ALLOW(ENOENT));
		break;
	default:
		/* Not an IOAS or a HWPT: EINVAL. */
		if (!check(t, "attach", iob_mock_domain(fd, id, &stdev, NULL,
							NULL),
			   ALLOW(ENOENT, EINVAL, EADDRINUSE)))
			check(t, "destroy", iob_destroy(fd, stdev),
			      ALLOW(ENOENT, EBUSY));
	}
}

TEST_F_TIMEOUT(stress, destroy_against_lookup, 60)
{
	struct stress *s = &self->s;

	s->fd = iob_open();
	ASSERT_LE(0, s->fd);
	add_thread(s, "create", creator, 0);
	add_thread(s, "destroy", destroyer, 0);
	add_thread(s, "lookup", looker, 0);
	add_thread(s, "lookup", looker, 0);
	EXPECT_EQ(0, run(s, "destroy against lookup"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));
	EXPECT_EQ(0, close_all(s));
}

/* --- closing a file under ioctls in flight ---------------------------------- */

/*
 * A new file, as the threads expect it: IOAS 1 with the buffer's first
 * four pages at IOVA, a mock device, and an access that pins.
 */
static int setup_file(struct thr *t, int *afd)
{
	int fd = iob_open();
	__u32 ioas = 0;

	if (check(t, "open", sys_rc(fd), NONE))
		return -1;
	if (check(t, "ioas alloc", iob_ioas_alloc(fd, &ioas), NONE) ||
	    check(t, "map", iob_map_fixed(fd, ioas, buffer, 4 * P, IOVA),
		  NONE) ||
	    check(t, "attach", iob_mock_domain(fd, ioas, NULL, NULL, NULL),
		  NONE) ||
	    check(t, "create access", iob_create_access(fd, ioas, PIN, afd),
		  NONE)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The only thread that makes or closes descriptors in this test, so the
 * shared number is never taken by anything else while it is closed.
 */
static void reopener(struct thr *t)
{
	struct stress *s = t->s;
	int nfd, afd, old;

	nfd = setup_file(t, &afd);
	if (nfd < 0)
		return;
	if (rand_r(&t->seed) % 4 == 0) {
		/* Closed for a while: the calls meet no file at all. */
		check(t, "close", sys_rc(close(s->fd)), NONE);
		usleep(200);
	}
	check(t, "dup2", sys_rc(dup2(nfd, s->fd)), NONE);
	check(t, "close", sys_rc(close(nfd)), NONE);
	old = atomic_exchange(&s->afd[0], afd);
	check(t, "close access", sys_rc(close(old)), NONE);
	usleep(1000);
}

/* EBADF while the number is closed; ENOENT for IDs of a file just made. */
static void hammer_map(struct thr *t)
{
	int fd = t->s->fd;

	check(t, "map", iob_map_fixed(fd, 1, buffer + 8 * P, 2 * P,
				      IOVA + 8 * P),
	      ALLOW(EBADF, ENOENT, EEXIST));
	check(t, "unmap", iob_unmap(fd, 1, IOVA + 8 * P, 2 * P, NULL),
	      ALLOW(EBADF, ENOENT, EBUSY));
	if (t->n % 4)
		return;
	check(t, "unmap", iob_unmap(fd, 1, IOVA, 4 * P, NULL),
	      ALLOW(EBADF, ENOENT, EBUSY));
	check(t, "map", iob_map_fixed(fd, 1, buffer, 4 * P, IOVA),
	      ALLOW(EBADF, ENOENT, EEXIST));
}

static void hammer_attach(struct thr *t)
{
	struct iommu_iova_range r[4];
	__u32 num = ARRAY_SIZE(r), stdev = 0;
	int fd = t->s->fd;

	check(t, "iova ranges", iob_iova_ranges(fd, 1, r, &num, NULL),
	      ALLOW(EBADF, ENOENT));
	/* A copy without a page table may have landed outside its aperture. */
	if (check(t, "attach", iob_mock_domain(fd, 1, &stdev, NULL, NULL),
		  ALLOW(EBADF, ENOENT, EADDRINUSE)))
		return;
	/* By now the number may name another file, and the ID another object. */
	check(t, "destroy", iob_destroy(fd, stdev),
	      ALLOW(EBADF, ENOENT, EBUSY));
}

/* EBADFD once the access's descriptor is closed, or names something else. */
static void hammer_access(struct thr *t)
{
	int fd = t->s->fd, afd = atomic_load(&t->s->afd[0]);
	char tmp[64];
	__u32 item = 0;

	if (!check(t, "pin", iob_access_pages(fd, afd, IOVA, 2 * P, buffer,
					      0, &item),
		   ALLOW(EBADF, EBADFD, ENOENT, EINVAL)))
		check(t, "unpin", iob_destroy_access_pages(fd, afd, item),
		      ALLOW(EBADF, EBADFD, ENOENT));
	if (!check(t, "rw", iob_access_rw(fd, afd, IOVA + 100, tmp,
					  sizeof(tmp),
					  t->n % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0),
		   ALLOW(EBADF, EBADFD, ENOENT, EINVAL)) &&
	    memcmp(tmp, buffer + 100, sizeof(tmp)))
		report_bad(t, "rw data", -1);
}

static void hammer_copy(struct thr *t)
{
	int fd = t->s->fd;
	__u64 iova = 0, val;

	if (!check(t, "copy", iob_copy(fd, 1, &iova, 1, IOVA, P, IOB_RW),
		   ALLOW(EBADF, ENOENT)))
		check(t, "unmap copy", iob_unmap(fd, 1, iova, P, NULL),
		      ALLOW(EBADF, ENOENT, EBUSY));
	check(t, "option", iob_option_get(fd, IOMMU_OPTION_HUGE_PAGES, 1, &val),
	      ALLOW(EBADF, ENOENT));
}

TEST_F_TIMEOUT(stress, close_against_ioctls, 60)
{
	struct stress *s = &self->s;
	int afd;

	add_thread(s, "reopen", reopener, 0);
	add_thread(s, "map", hammer_map, 0);
	add_thread(s, "attach", hammer_attach, 0);
	add_thread(s, "access", hammer_access, 0);
	add_thread(s, "copy", hammer_copy, 0);
	s->fd = setup_file(&s->t[0], &afd);
	ASSERT_LE(0, s->fd);
	atomic_store(&s->afd[0], afd);
	EXPECT_EQ(0, run(s, "close against ioctls"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));
	EXPECT_EQ(0, close_all(s));
}

/* --- maps against unmaps of one range --------------------------------------- */

/* Mostly the range itself, now and then one overlapping half of it. */
static void map_unmap(struct thr *t)
{
	struct stress *s = t->s;
	__u64 iova = IOVA + (rand_r(&t->seed) % 4 ? 0 : 4 * P), len = 0;

	if (!check(t, "map", iob_map_fixed(s->fd, s->ioas[0], buffer, 8 * P,
					   iova), ALLOW(EEXIST)))
		atomic_fetch_add(&s->maps, 1);
	/* ENOENT for nothing there, or a mapping only partly inside. */
	if (check(t, "unmap", iob_unmap(s->fd, s->ioas[0], iova, 8 * P, &len),
		  ALLOW(ENOENT, EBUSY)))
		return;
	atomic_fetch_add(&s->unmaps, 1);
	if (len != 8 * P)
		report_bad(t, "unmap length", -1);
}

TEST_F_TIMEOUT(stress, map_against_unmap, 60)
{
	struct stress *s = &self->s;
	__u64 len = 1;
	long left;

	s->fd = iob_open();
	ASSERT_LE(0, s->fd);
	ASSERT_EQ(0, iob_ioas_alloc(s->fd, &s->ioas[0]));
	/* A page table, so that maps take long enough to be met. */
	ASSERT_EQ(0, iob_mock_domain(s->fd, s->ioas[0], NULL, NULL, NULL));
	add_thread(s, "map+unmap", map_unmap, 0);
	add_thread(s, "map+unmap", map_unmap, 0);
	EXPECT_EQ(0, run(s, "map against unmap"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));
	/* Every map was unmapped once, but perhaps the last. */
	ASSERT_EQ(0, iob_unmap(s->fd, s->ioas[0], 0, UINT64_MAX, &len));
	left = atomic_load(&s->maps) - atomic_load(&s->unmaps);
	ksft_print_msg("maps %ld, unmaps %ld, %ld left mapped\n",
		       atomic_load(&s->maps), atomic_load(&s->unmaps), left);
	EXPECT_EQ(left * 8 * P, len);
	EXPECT_GE(1, left);
	EXPECT_LT(0, atomic_load(&s->unmaps));
	EXPECT_EQ(0, iob_check_refs(s->fd, buffer, 8 * P, 0));
	EXPECT_EQ(0, close_all(s));
}

/* --- mock devices coming, moving and going against maps ---------------------- */

/* A device of its own: on IOAS 0, moved to IOAS 1, the HWPT, back, gone. */
static void attacher(struct thr *t)
{
	struct stress *s = t->s;
	__u32 stdev = 0, hwpt;

	if (check(t, "attach", iob_mock_domain(s->fd, s->ioas[0], &stdev,
					       &hwpt, NULL), NONE))
		return;
	check(t, "replace", iob_mock_replace(s->fd, stdev, s->ioas[1], &hwpt),
	      NONE);
	check(t, "replace", iob_mock_replace(s->fd, stdev, s->hwpt, &hwpt),
	      NONE);
	check(t, "replace", iob_mock_replace(s->fd, stdev, s->ioas[0], &hwpt),
	      NONE);
	check(t, "destroy", iob_destroy(s->fd, stdev), NONE);
}

/* Straight onto the HWPT, and gone again. */
static void hwpt_attacher(struct thr *t)
{
	struct stress *s = t->s;
	__u32 stdev = 0;

	if (!check(t, "attach", iob_mock_domain(s->fd, s->hwpt, &stdev, NULL,
						NULL), NONE))
		check(t, "destroy", iob_destroy(s->fd, stdev), NONE);
}

/* The device the test made, round the two IOASes and the HWPT. */
static void replacer(struct thr *t)
{
	struct stress *s = t->s;
	__u32 to[] = { s->ioas[1], s->hwpt, s->ioas[0] }, hwpt;

	check(t, "replace", iob_mock_replace(s->fd, s->stdev,
					     to[t->n % ARRAY_SIZE(to)], &hwpt),
	      NONE);
}

/* Its own range of IOAS t->idx: nobody else maps there. */
static void own_mapper(struct thr *t)
{
	struct stress *s = t->s;
	__u64 iova = IOVA + t->idx * 16 * P, len = 0;

	if (check(t, "map", iob_map_fixed(s->fd, s->ioas[t->idx],
					  buffer + t->idx * 4 * P, 4 * P,
					  iova), NONE))
		return;
	if (!check(t, "unmap", iob_unmap(s->fd, s->ioas[t->idx], iova, 4 * P,
					 &len), NONE) &&
	    len != 4 * P)
		report_bad(t, "unmap length", -1);
}

TEST_F_TIMEOUT(stress, attach_replace_against_map, 60)
{
	struct stress *s = &self->s;
	__u32 idev, hwpt;
	int i;

	s->fd = iob_open();
	ASSERT_LE(0, s->fd);
	ASSERT_EQ(0, iob_ioas_alloc(s->fd, &s->ioas[0]));
	ASSERT_EQ(0, iob_ioas_alloc(s->fd, &s->ioas[1]));
	ASSERT_EQ(0, iob_mock_domain(s->fd, s->ioas[0], &s->stdev, NULL,
				     &idev));
	ASSERT_EQ(0, iob_hwpt_alloc(s->fd, idev, s->ioas[0], 0, &s->hwpt));
	add_thread(s, "attach", attacher, 0);
	add_thread(s, "hwpt", hwpt_attacher, 0);
	add_thread(s, "replace", replacer, 0);
	add_thread(s, "map 0", own_mapper, 0);
	add_thread(s, "map 1", own_mapper, 1);
	EXPECT_EQ(0, run(s, "attach, replace, destroy against map"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));

	/* What is mapped now reaches every page table it should. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, iob_map_fixed(s->fd, s->ioas[i], buffer, 4 * P,
					   IOVA));
		ASSERT_EQ(0, iob_mock_replace(s->fd, s->stdev, s->ioas[i],
					      &hwpt));
		EXPECT_EQ(0, iob_check_map(s->fd, hwpt, IOVA, buffer, 4 * P));
	}
	EXPECT_EQ(0, iob_check_map(s->fd, s->hwpt, IOVA, buffer, 4 * P));
	EXPECT_EQ(0, close_all(s));
}

/* --- accesses: pins against unmaps, replace and close ------------------------ */

static void access_mapper(struct thr *t)
{
	const struct timespec pause = { 0, 200 * 1000 };
	struct stress *s = t->s;
	__u64 len = 0;

	if (check(t, "map", iob_map_fixed(s->fd, s->ioas[0], buffer, 4 * P,
					  IOVA), NONE))
		return;
	if (rand_r(&t->seed) % 2)
		nanosleep(&pause, NULL);
	/* The accesses unpin when told: never EDEADLOCK. */
	if (!check(t, "unmap", iob_unmap(s->fd, s->ioas[0], IOVA, 4 * P,
					 &len), NONE) &&
	    len != 4 * P)
		report_bad(t, "unmap length", -1);
}

/* ENOENT while unmapped, EINVAL while being unmapped. */
static void access_pinner(struct thr *t)
{
	struct stress *s = t->s;
	int afd = atomic_load(&s->afd[t->idx]);
	char tmp[64];
	__u32 item = 0;

	if (!check(t, "pin", iob_access_pages(s->fd, afd, IOVA + P, 2 * P,
					      buffer + P,
					      t->n % 2 ?
					      MOCK_FLAGS_ACCESS_WRITE : 0,
					      &item),
		   ALLOW(ENOENT, EINVAL)))
		/* The unmap callback may have unpinned it first. */
		check(t, "unpin", iob_destroy_access_pages(s->fd, afd, item),
		      ALLOW(ENOENT));
	if (!check(t, "rw", iob_access_rw(s->fd, afd, IOVA + P - 32, tmp,
					  sizeof(tmp),
					  t->n % 2 ? MOCK_ACCESS_RW_SLOW_PATH : 0),
		   ALLOW(ENOENT, EINVAL)) &&
	    memcmp(tmp, buffer + P - 32, sizeof(tmp)))
		report_bad(t, "rw data", -1);
}

/*
 * Access afd2 goes back and forth between IOAS 0, mapped now and then,
 * and IOAS 1, which holds buffer + 8 pages at IOVA; it pins wherever it is.
 */
static void access_replacer(struct thr *t)
{
	struct stress *s = t->s;
	bool second = t->n % 2;
	__u32 item = 0;

	check(t, "replace", iob_access_replace_ioas(s->fd, s->afd2,
						    s->ioas[second]), NONE);
	if (!check(t, "pin", iob_access_pages(s->fd, s->afd2, IOVA, P,
					      buffer + (second ? 8 * P : 0),
					      0, &item),
		   ALLOW(ENOENT, EINVAL)))
		check(t, "unpin", iob_destroy_access_pages(s->fd, s->afd2,
							   item),
		      ALLOW(ENOENT));
}

/*
 * Accesses made, pinned and closed with their pins; the only thread that
 * makes or closes descriptors in this test.
 */
static void access_closer(struct thr *t)
{
	struct stress *s = t->s;
	__u32 item = 0;
	int afd = -1, old;

	if (check(t, "create", iob_create_access(s->fd, s->ioas[0],
						 PIN | (t->n % 2 ? SLOW_UNMAP :
							0), &afd), NONE))
		return;
	check(t, "pin", iob_access_pages(s->fd, afd, IOVA, 4 * P, buffer, 0,
					 &item), ALLOW(ENOENT, EINVAL));
	old = atomic_exchange(&s->afd[1], afd);
	if (old >= 0)
		check(t, "close", sys_rc(close(old)), NONE);
	usleep(300);
}

/* Pins through whatever access_closer made last: EBADFD once closed. */
static void closed_pinner(struct thr *t)
{
	struct stress *s = t->s;
	int afd = atomic_load(&s->afd[1]);
	__u32 item = 0;

	if (!check(t, "pin", iob_access_pages(s->fd, afd, IOVA + 2 * P, P,
					      buffer + 2 * P, 0, &item),
		   ALLOW(ENOENT, EINVAL, EBADFD)))
		check(t, "unpin", iob_destroy_access_pages(s->fd, afd, item),
		      ALLOW(ENOENT, EBADFD));
}

TEST_F_TIMEOUT(stress, access_unmap_against_pin, 60)
{
	struct stress *s = &self->s;
	int afd;

	s->fd = iob_open();
	ASSERT_LE(0, s->fd);
	ASSERT_EQ(0, iob_ioas_alloc(s->fd, &s->ioas[0]));
	ASSERT_EQ(0, iob_ioas_alloc(s->fd, &s->ioas[1]));
	ASSERT_EQ(0, iob_mock_domain(s->fd, s->ioas[0], NULL, NULL, NULL));
	ASSERT_EQ(0, iob_map_fixed(s->fd, s->ioas[1], buffer + 8 * P, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_create_access(s->fd, s->ioas[0], PIN, &afd));
	atomic_store(&s->afd[0], afd);
	ASSERT_EQ(0, iob_create_access(s->fd, s->ioas[1], PIN, &s->afd2));
	add_thread(s, "map", access_mapper, 0);
	add_thread(s, "pin", access_pinner, 0);
	add_thread(s, "replace", access_replacer, 0);
	add_thread(s, "close", access_closer, 0);
	add_thread(s, "pin closed", closed_pinner, 0);
	EXPECT_EQ(0, run(s, "access unmap against pin"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));
	EXPECT_EQ(0, close_all(s));
}

/* --- several files at once, sharing the user's memory ----------------------- */

/* Map into IOAS A, copy into IOAS B, unmap both. */
static void file_mapper(struct thr *t)
{
	struct stress *s = t->s;
	int fd = s->fds[t->idx];
	__u64 iova = 0, len = 0;

	if (check(t, "map", iob_map_fixed(fd, s->ioas[t->idx],
					  buffer + (t->idx % 2) * 4 * P,
					  8 * P, IOVA), NONE))
		return;
	if (!check(t, "copy", iob_copy(fd, s->ioas2[t->idx], &iova,
				       s->ioas[t->idx], IOVA, 8 * P, IOB_RW),
		   NONE))
		check(t, "unmap copy", iob_unmap(fd, s->ioas2[t->idx], 0,
						 UINT64_MAX, &len), NONE);
	if (!check(t, "unmap", iob_unmap(fd, s->ioas[t->idx], IOVA, 8 * P,
					 &len), NONE) &&
	    len != 8 * P)
		report_bad(t, "unmap length", -1);
}

static void file_pinner(struct thr *t)
{
	struct stress *s = t->s;
	int fd = s->fds[t->idx], afd = atomic_load(&s->afd[t->idx]);
	const char *mem = buffer + (t->idx % 2) * 4 * P;
	char tmp[64];
	__u32 item = 0;

	if (!check(t, "pin", iob_access_pages(fd, afd, IOVA + 2 * P, 4 * P,
					      mem + 2 * P, 0, &item),
		   ALLOW(ENOENT, EINVAL)))
		check(t, "unpin", iob_destroy_access_pages(fd, afd, item),
		      ALLOW(ENOENT));
	if (!check(t, "rw", iob_access_rw(fd, afd, IOVA + 3 * P - 16, tmp,
					  sizeof(tmp), MOCK_ACCESS_RW_SLOW_PATH),
		   ALLOW(ENOENT, EINVAL)) &&
	    memcmp(tmp, mem + 3 * P - 16, sizeof(tmp)))
		report_bad(t, "rw data", -1);
}

/* Page tables for B, which the copies keep inside the aperture. */
static void file_attacher(struct thr *t)
{
	struct stress *s = t->s;
	int fd = s->fds[t->idx];
	__u32 stdev = 0;

	if (!check(t, "attach", iob_mock_domain(fd, s->ioas2[t->idx], &stdev,
						NULL, NULL), NONE))
		check(t, "destroy", iob_destroy(fd, stdev), NONE);
}

TEST_F_TIMEOUT(stress, cross_file, 60)
{
	static const char *const names[NFILES][3] = {
		{ "map 0", "pin 0", "attach 0" },
		{ "map 1", "pin 1", "attach 1" },
		{ "map 2", "pin 2", "attach 2" },
	};
	struct iommu_iova_range aperture = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};
	struct stress *s = &self->s;
	int i, afd;

	for (i = 0; i < NFILES; i++) {
		s->fds[i] = iob_open();
		ASSERT_LE(0, s->fds[i]);
		ASSERT_EQ(0, iob_ioas_alloc(s->fds[i], &s->ioas[i]));
		ASSERT_EQ(0, iob_ioas_alloc(s->fds[i], &s->ioas2[i]));
		ASSERT_EQ(0, iob_mock_domain(s->fds[i], s->ioas[i], NULL, NULL,
					     NULL));
		ASSERT_EQ(0, iob_allow_iovas(s->fds[i], s->ioas2[i], &aperture,
					     1));
		ASSERT_EQ(0, iob_create_access(s->fds[i], s->ioas[i], PIN,
					       &afd));
		atomic_store(&s->afd[i], afd);
		add_thread(s, names[i][0], file_mapper, i);
		add_thread(s, names[i][1], file_pinner, i);
		add_thread(s, names[i][2], file_attacher, i);
	}
	EXPECT_EQ(0, run(s, "files sharing memory"));
	EXPECT_EQ(0, atomic_load(&s->unexpected));
	EXPECT_EQ(0, close_all(s));
}

TEST_HARNESS_MAIN
