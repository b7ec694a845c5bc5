// SPDX-License-Identifier: GPL-2.0
/*
 * Races on the object store, each bounded in time: threads destroy objects
 * while others look them up, hold them, build on them, or destroy them the
 * kernel-owner way. Every call must end in one of the errnos the contract
 * allows, and once the file is closed every object must be gone. The
 * kernel side (KASAN, lockdep, kmemleak) is watched by the rig.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"

#define RACE_SECONDS 3
#define MAX_ID 48

struct race {
	int fd;
	__u32 ioas;		/* for the mapping races */
	__u32 ioas2;
	atomic_int stop;
	atomic_long ops;
	atomic_long unexpected;
	atomic_long busy;
	atomic_long destroyed;
};

struct worker;

/*
 * What a worker does over and over: one call, and which failures the
 * contract allows for it. EBUSY is counted apart, success of a destroy
 * action as a destroyed object.
 */
struct action {
	const char *name;
	int (*call)(struct worker *w);
	int allowed[2];
	int destroys;
};

struct worker {
	pthread_t thread;
	struct race *race;
	const struct action *action;
	unsigned int seed;
};

static __u32 pick(struct worker *w)
{
	return 1 + rand_r(&w->seed) % MAX_ID;
}

static int create(struct worker *w)
{
	if (rand_r(&w->seed) % 2)
		return iob_ioas_alloc(w->race->fd, NULL);
	return iob_dep_alloc(w->race->fd, pick(w), NULL);
}

static int destroy(struct worker *w)
{
	return iob_destroy(w->race->fd, pick(w));
}

static int lookup(struct worker *w)
{
	__u64 val;

	if (rand_r(&w->seed) % 2)
		return iob_option_get(w->race->fd, IOMMU_OPTION_HUGE_PAGES,
				      pick(w), &val);
	return iob_hold(w->race->fd, pick(w), 0);
}

static int kernel_destroy(struct worker *w)
{
	return iob_kernel_destroy(w->race->fd, pick(w));
}

static int hold(struct worker *w)
{
	return iob_hold(w->race->fd, pick(w), rand_r(&w->seed) % 3);
}

/* A dependency target may vanish, and the ID space may fill up. */
static const struct action creator = {
	"create", create, { ENOENT, ENOSPC }, 0
};

static const struct action destroyer = {
	"destroy", destroy, { ENOENT, EBUSY }, 1
};

static const struct action looker = { "lookup", lookup, { ENOENT }, 0 };

static const struct action kdestroyer = {
	"kernel destroy", kernel_destroy, { ENOENT, EBUSY }, 1
};

static const struct action holder = { "hold", hold, { ENOENT }, 0 };

/* Mapping races, on one IOAS that page tables come and go on. */
static int map_some(struct worker *w)
{
	unsigned int first = rand_r(&w->seed) % 8;
	unsigned int n = 1 + rand_r(&w->seed) % 8;

	return iob_map(w->race->fd, w->race->ioas, buffer + first * page_size,
		       n * page_size, NULL);
}

static int unmap_all(struct worker *w)
{
	return iob_unmap(w->race->fd, w->race->ioas, 0, UINT64_MAX, NULL);
}

static int attach_detach(struct worker *w)
{
	__u32 stdev;
	int rc;

	rc = iob_mock_domain(w->race->fd, w->race->ioas, &stdev, NULL, NULL);
	if (!rc)
		rc = iob_destroy(w->race->fd, stdev);
	return rc;
}

static int copy_some(struct worker *w)
{
	__u64 dst = 0, unmapped;
	int rc;

	/* Whatever is at the first mapping's usual place, if anything. */
	rc = iob_copy(w->race->fd, w->race->ioas2, &dst, w->race->ioas,
		      MOCK_APERTURE_START, page_size, IOB_RW);
	if (!rc)
		rc = iob_unmap(w->race->fd, w->race->ioas2, 0, UINT64_MAX,
			       &unmapped);
	return rc;
}

static int toggle_huge(struct worker *w)
{
	return iob_option_set(w->race->fd, IOMMU_OPTION_HUGE_PAGES,
			      w->race->ioas, rand_r(&w->seed) % 2);
}

/*
 * Maps may land outside a page table's aperture while none is attached,
 * which then refuses to attach (EADDRINUSE); unmaps meet maps in flight.
 */
static const struct action mapper = { "map", map_some, { ENOSPC }, 0 };
static const struct action unmapper = { "unmap", unmap_all, { EBUSY }, 0 };
static const struct action attacher = {
	"attach", attach_detach, { EADDRINUSE, EINVAL }, 0
};

static const struct action copier = { "copy", copy_some, { ENOENT }, 0 };
static const struct action toggler = {
	"huge pages", toggle_huge, { EINVAL, EADDRINUSE }, 0
};

/*
 * A destroy that fails with EBUSY must not hide the object from anyone:
 * lookups of an IOAS something depends on always succeed.
 */
static int destroy_in_use(struct worker *w)
{
	return iob_destroy(w->race->fd, w->race->ioas);
}

static int lookup_in_use(struct worker *w)
{
	__u64 val;

	return iob_option_get(w->race->fd, IOMMU_OPTION_HUGE_PAGES,
			      w->race->ioas, &val);
}

static const struct action busy_destroyer = {
	"destroy in use", destroy_in_use, { EBUSY, EBUSY }, 1
};

static const struct action busy_looker = {
	"lookup in use", lookup_in_use, { 0, 0 }, 0
};

static void *work(void *arg)
{
	struct worker *w = arg;
	const struct action *a = w->action;
	struct race *r = w->race;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = a->call(w);
		atomic_fetch_add(&r->ops, 1);
		if (rc == EBUSY)
			atomic_fetch_add(&r->busy, 1);
		if (!rc && a->destroys)
			atomic_fetch_add(&r->destroyed, 1);
		if (rc && rc != a->allowed[0] && rc != a->allowed[1]) {
			atomic_fetch_add(&r->unexpected, 1);
			fprintf(stderr, "# unexpected: %s -> %s\n", a->name,
				strerror(rc));
		}
	}
	return NULL;
}

/* Run the workers for RACE_SECONDS, then report; returns unexpected. */
static long run_race(struct race *r, const struct action **actions, int n,
		     const char *name)
{
	struct worker w[16];
	int i;

	atomic_store(&r->stop, 0);
	for (i = 0; i < n; i++) {
		w[i].race = r;
		w[i].action = actions[i];
		w[i].seed = 0x1234567 + i * 7919;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			return -1;
	}
	sleep(RACE_SECONDS);
	atomic_store(&r->stop, 1);
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	ksft_print_msg("%s: %ld operations, %ld destroyed, %ld EBUSY\n", name,
		       atomic_load(&r->ops), atomic_load(&r->destroyed),
		       atomic_load(&r->busy));
	return atomic_load(&r->unexpected);
}

FIXTURE(race) {
	struct race r;
	long baseline;
	long pinned;
};

FIXTURE_SETUP(race)
{
	memset(&self->r, 0, sizeof(self->r));
	self->baseline = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->baseline);
	self->r.fd = iob_open();
	ASSERT_LE(0, self->r.fd);
}

FIXTURE_TEARDOWN(race)
{
	close(self->r.fd);
	EXPECT_EQ(self->baseline, iob_global_objects());
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
}

TEST_F_TIMEOUT(race, destroy_against_lookup, 60)
{
	const struct action *actions[] = {
		&creator, &creator, &destroyer, &destroyer, &looker, &looker,
	};

	EXPECT_EQ(0, run_race(&self->r, actions, ARRAY_SIZE(actions),
			      "destroy against lookup"));
	EXPECT_LT(1000, atomic_load(&self->r.ops));
	EXPECT_LT(0, atomic_load(&self->r.destroyed));
}

TEST_F_TIMEOUT(race, kernel_destroy_against_holders, 60)
{
	const struct action *actions[] = {
		&creator, &creator, &kdestroyer, &kdestroyer, &holder, &holder,
		&looker, &destroyer,
	};

	EXPECT_EQ(0, run_race(&self->r, actions, ARRAY_SIZE(actions),
			      "kernel destroy against holders"));
	EXPECT_LT(0, atomic_load(&self->r.destroyed));
}

TEST_F_TIMEOUT(race, map_unmap_attach_copy, 60)
{
	const struct action *actions[] = {
		&mapper, &mapper, &unmapper, &attacher, &attacher, &copier,
		&toggler,
	};

	ASSERT_EQ(0, iob_ioas_alloc(self->r.fd, &self->r.ioas));
	ASSERT_EQ(0, iob_ioas_alloc(self->r.fd, &self->r.ioas2));
	ASSERT_EQ(0, iob_mock_domain(self->r.fd, self->r.ioas2, NULL, NULL,
				     NULL));
	EXPECT_EQ(0, run_race(&self->r, actions, ARRAY_SIZE(actions),
			      "map, unmap, attach, copy"));
	EXPECT_LT(0, atomic_load(&self->r.ops));
}

TEST_F_TIMEOUT(race, failed_destroy_hides_nothing, 60)
{
	const struct action *actions[] = {
		&busy_destroyer, &busy_destroyer, &busy_looker, &busy_looker,
	};

	ASSERT_EQ(0, iob_ioas_alloc(self->r.fd, &self->r.ioas));
	ASSERT_EQ(0, iob_dep_alloc(self->r.fd, self->r.ioas, NULL));
	EXPECT_EQ(0, run_race(&self->r, actions, ARRAY_SIZE(actions),
			      "failed destroy against lookup"));
	EXPECT_EQ(0, atomic_load(&self->r.destroyed));
	EXPECT_LT(1000, atomic_load(&self->r.ops));
}

struct closer_arg {
	atomic_int stop;
	atomic_long files;
	atomic_long unexpected;
};

/* Open a file, fill it with a little graph, close it; again and again. */
static void *open_fill_close(void *arg)
{
	struct closer_arg *c = arg;
	__u32 id;
	int fd, i, rc;

	while (!atomic_load(&c->stop)) {
		fd = iob_open();
		if (fd < 0) {
			atomic_fetch_add(&c->unexpected, 1);
			continue;
		}
		rc = iob_ioas_alloc(fd, &id);
		for (i = 0; !rc && i < 20; i++)
			rc = iob_dep_alloc(fd, i % 3 ? id : 1, &id);
		if (rc)
			atomic_fetch_add(&c->unexpected, 1);
		close(fd);
		atomic_fetch_add(&c->files, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, many_files_open_and_close, 60)
{
	struct closer_arg c = {};
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, open_fill_close, &c));
	sleep(RACE_SECONDS);
	atomic_store(&c.stop, 1);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ksft_print_msg("many files: %ld files filled and closed\n",
		       atomic_load(&c.files));
	EXPECT_EQ(0, atomic_load(&c.unexpected));
	EXPECT_LT(10, atomic_load(&c.files));
}

TEST_HARNESS_MAIN
