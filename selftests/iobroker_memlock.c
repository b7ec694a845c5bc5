// SPDX-License-Identifier: GPL-2.0
/*
 * RLIMIT_MEMLOCK against a user who tries to get around it: many files,
 * each with several IOASes, mock devices coming and going, copies between
 * IOASes, and accesses pinning with and without page tables; forked
 * children pinning their own memory, and children pinning their parent's
 * memory through a file they share, with a limit they raised. In both
 * accounting modes (per user, per process) what is charged never exceeds
 * the limit, the call that would exceed it fails with ENOMEM and leaves
 * nothing pinned or charged, and closing everything gives every page and
 * every charge back.
 *
 * Each test runs in a process of its own (the harness forks one per test),
 * which becomes a user of its own, TEST_UID, so that the user's locked_vm
 * starts at zero; it keeps every capability but CAP_IPC_LOCK (it needs
 * CAP_DAC_OVERRIDE for /dev/iommu and CAP_SYS_RESOURCE for the per-process
 * mode) and lowers RLIMIT_MEMLOCK to LIMIT pages.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"

/* The limit, in pages of PAGE_SIZE. */
#define LIMIT 64
/* The memory the tests map: three limits' worth. */
#define MEM_PAGES (3 * LIMIT)
/* What the parent holds pinned in the tests with children. */
#define PARENT 24

#define TEST_UID 54321

#define P page_size
#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

/* Mappings go to slots of two limits' worth of IOVA in the mock aperture. */
#define SLOT(n) ((__u64)MOCK_APERTURE_START + \
		 (__u64)(n) * 2 * LIMIT * page_size)

/* The random rounds over many files: at most this many, for this long. */
#define ROUNDS 800
#define ROUNDS_MS 8000

#define MAX_FDS 64
#define MAX_CHILDREN 4

static char *mem;		/* MEM_PAGES pages, shared anonymous */
static int acct_mode;		/* IOMMU_OPTION_RLIMIT_MODE of every file */
static long pinned_base;	/* the module's pins before the test */
static long peak;		/* the most pages pinned at one time */
static int stats_fd = -1;
static int fds[MAX_FDS];	/* files the teardown closes */
static pid_t children[MAX_CHILDREN];

static char *pg(unsigned int n)
{
	return mem + (size_t)n * page_size;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* This process's locked_vm and pinned_vm, in pages; -1 if unknown. */
static void read_status(long *lck, long *pin)
{
	char line[128];
	long kb;
	FILE *f = fopen("/proc/self/status", "r");

	*lck = -1;
	*pin = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			*lck = kb * 1024 / (long)page_size;
		else if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			*pin = kb * 1024 / (long)page_size;
	}
	fclose(f);
}

/* Who holds what, as the module and the process report it. */
struct figures {
	long pinned;	/* pages the module pins beyond its baseline */
	long user;	/* our user's locked_vm */
	long vmlck;	/* our process's locked_vm */
	long vmpin;	/* our process's pinned_vm */
	long charged;	/* the one of user and vmlck the limit applies to */
};

static void figures(struct figures *f)
{
	__u64 pinned = 0, locked = 0;

	if (iob_pin_stats(stats_fd, &pinned, &locked)) {
		pinned = UINT64_MAX;
		locked = UINT64_MAX;
	}
	f->pinned = (long)pinned - pinned_base;
	f->user = (long)locked;
	read_status(&f->vmlck, &f->vmpin);
	f->charged = acct_mode ? f->vmlck : f->user;
	if (f->pinned > peak)
		peak = f->pinned;
}

static bool same_figures(const struct figures *a, const struct figures *b)
{
	return a->pinned == b->pinned && a->user == b->user &&
	       a->vmlck == b->vmlck && a->vmpin == b->vmpin;
}

static void print_figures(const char *what, const struct figures *f)
{
	fprintf(stderr, "# %s: pinned %ld, user %ld, process %ld, VmPin %ld\n",
		what, f->pinned, f->user, f->vmlck, f->vmpin);
}

/*
 * Are @n pages pinned, all ours, charged where the mode says and nowhere
 * else?
 */
static bool charge_is(long n)
{
	struct figures f;

	figures(&f);
	if (f.pinned == n && f.charged == n && f.vmpin == n &&
	    (acct_mode ? f.user : f.vmlck) == 0)
		return true;
	fprintf(stderr, "# expected %ld pages pinned and charged\n", n);
	print_figures("found", &f);
	return false;
}

static long refusals;

/* @rc is ENOMEM, and nothing is pinned or charged that was not before. */
static bool refused(int rc, const struct figures *before)
{
	struct figures now;

	figures(&now);
	if (rc == ENOMEM && same_figures(before, &now)) {
		refusals++;
		return true;
	}
	fprintf(stderr, "# expected ENOMEM changing nothing, got %s\n",
		rc ? strerror(rc) : "success");
	print_figures("before", before);
	print_figures("after", &now);
	return false;
}

/* Remember @fd for the teardown; returns it. */
static int keep(int fd)
{
	int i;

	for (i = 0; fd >= 0 && i < MAX_FDS; i++) {
		if (fds[i] < 0) {
			fds[i] = fd;
			break;
		}
	}
	return fd;
}

/* Close a file keep() remembers; 0 or errno. */
static int drop(int fd)
{
	int i;

	for (i = 0; i < MAX_FDS; i++)
		if (fds[i] == fd)
			fds[i] = -1;
	return close(fd) ? errno : 0;
}

/* A /dev/iommu file in the test's accounting mode. */
static int open_file(void)
{
	int fd = iob_open();

	if (fd >= 0 && acct_mode &&
	    iob_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_access(int fd, __u32 ioas, int *afd)
{
	int rc = iob_create_access(fd, ioas, PIN, afd);

	if (!rc)
		keep(*afd);
	return rc;
}

static int set_limit(rlim_t bytes)
{
	struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };

	return setrlimit(RLIMIT_MEMLOCK, &rl) ? errno : 0;
}

/*
 * Become TEST_UID, keeping every capability but CAP_IPC_LOCK, so that what
 * we pin is charged, to a user nothing else charges.
 */
static int become_test_user(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setresuid(TEST_UID, TEST_UID, TEST_UID))
		return -1;
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].permitted &= ~(1u << CAP_IPC_LOCK);
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	data[0].inheritable = 0;
	data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	/* A new uid makes the process undumpable; /proc/self stays ours. */
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* --- children --------------------------------------------------------------- */

/* What a child found, sent to the parent through a pipe. */
struct report {
	int rc;		/* the first wrong result, 0 if none */
	int step;	/* where it came from */
	long got;	/* pages the child got pinned */
	long refused;	/* ENOMEM that changed nothing */
	long own;	/* pages of its own memory it mapped into our file */
};

struct child {
	pid_t pid;
	int report;	/* read end of the report */
	int hold;	/* write end: the child waits until this closes */
};

static void child_fail(struct report *r, int step, int rc)
{
	if (!r->rc) {
		r->rc = rc ? rc : -1;
		r->step = step;
	}
}

/* In a child: ENOMEM that changed nothing, or a failure for the report. */
static void child_refused(struct report *r, int step, int rc,
			  const struct figures *before)
{
	struct figures now;

	figures(&now);
	if (rc == ENOMEM && same_figures(before, &now))
		r->refused++;
	else
		child_fail(r, step, rc);
}

/*
 * Fork a child running @fn(@arg), which reports and then holds what it has
 * until the parent kills it.
 */
static int child_start(struct child *c, void (*fn)(struct report *, void *),
		       void *arg)
{
	int rp[2], hp[2], i;
	struct report r = {};
	char x;

	if (pipe(rp))
		return -1;
	if (pipe(hp)) {
		close(rp[0]);
		close(rp[1]);
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (!c->pid) {
		close(rp[0]);
		close(hp[1]);
		fn(&r, arg);
		if (write(rp[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		while (read(hp[0], &x, 1) > 0)
			;
		_exit(0);
	}
	close(rp[1]);
	close(hp[0]);
	c->report = rp[0];
	c->hold = hp[1];
	for (i = 0; i < MAX_CHILDREN; i++) {
		if (!children[i]) {
			children[i] = c->pid;
			break;
		}
	}
	return 0;
}

static int child_report(struct child *c, struct report *r)
{
	return read(c->report, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

/* Kill a child and reap it; its own files are closed once it is reaped. */
static int child_kill(struct child *c)
{
	int st, i;

	for (i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == c->pid)
			children[i] = 0;
	/* Still holding on, so killed rather than gone by itself. */
	kill(c->pid, SIGKILL);
	i = waitpid(c->pid, &st, 0);
	close(c->report);
	close(c->hold);
	return i == c->pid && WIFSIGNALED(st) ? 0 : -1;
}

/* --- the fixture ------------------------------------------------------------ */

FIXTURE(memlock) {
	long objects;
	long pinned;
};

FIXTURE_VARIANT(memlock) {
	int mode;
};

FIXTURE_VARIANT_ADD(memlock, per_user) {
	.mode = 0,
};

FIXTURE_VARIANT_ADD(memlock, per_process) {
	.mode = 1,
};

FIXTURE_SETUP(memlock)
{
	size_t len = (size_t)MEM_PAGES * page_size;
	int i;

	for (i = 0; i < MAX_FDS; i++)
		fds[i] = -1;
	acct_mode = variant->mode;
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
	pinned_base = self->pinned;
	ASSERT_EQ(0, become_test_user());
	stats_fd = iob_open();
	ASSERT_LE(0, stats_fd);
	/* A user of our own: nothing is charged to it yet. */
	ASSERT_TRUE(charge_is(0));
	ASSERT_EQ(0, set_limit((rlim_t)LIMIT * page_size));
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 0x5a, len);
	peak = 0;
	refusals = 0;
}

FIXTURE_TEARDOWN(memlock)
{
	int i, st;

	for (i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], &st, 0);
		}
	}
	for (i = 0; i < MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	/* Back to nothing for our user, and to where it was for the module. */
	EXPECT_TRUE(charge_is(0));
	EXPECT_EQ(0, close(stats_fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(0, buffer_unpinned(mem, (size_t)MEM_PAGES * page_size));
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
}

/* --- one file, every way to pin, at the edge of the limit ------------------ */

TEST_F(memlock, limit_edges)
{
	__u64 iova, in_fd, in_fd2, global, global2, len;
	__u32 a, b, c, item[3] = {};
	struct figures f;
	int fd, afd_a, afd_c;

	fd = keep(open_file());
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &a));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &b));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &c));
	ASSERT_EQ(0, iob_mock_domain(fd, a, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_mock_domain(fd, b, NULL, NULL, NULL));
	ASSERT_EQ(0, open_access(fd, a, &afd_a));
	ASSERT_EQ(0, open_access(fd, c, &afd_c));

	/* Maps up to the limit and not a page further. */
	ASSERT_EQ(0, iob_map_fixed(fd, a, pg(0), (LIMIT - 4) * P, SLOT(0)));
	EXPECT_TRUE(charge_is(LIMIT - 4));
	figures(&f);
	EXPECT_TRUE(refused(iob_map_fixed(fd, a, pg(LIMIT - 4), 8 * P,
					  SLOT(1)), &f));
	EXPECT_EQ(ENOENT, iob_unmap(fd, a, SLOT(1), 8 * P, NULL));
	EXPECT_EQ(0, iob_check_refs(fd, pg(LIMIT - 4), 8 * P, 0));
	ASSERT_EQ(0, iob_map_fixed(fd, a, pg(LIMIT - 4), 4 * P, SLOT(1)));
	EXPECT_TRUE(charge_is(LIMIT));
	figures(&f);
	EXPECT_TRUE(refused(iob_map_fixed(fd, a, pg(LIMIT), P, SLOT(2)), &f));

	/* A copy shares the pages: pinned and charged once, at the limit. */
	iova = SLOT(0);
	EXPECT_EQ(0, iob_copy(fd, b, &iova, a, SLOT(0), (LIMIT - 4) * P,
			      IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_TRUE(charge_is(LIMIT));
	EXPECT_EQ(0, iob_check_refs(fd, pg(0), (LIMIT - 4) * P, 1));
	/* So does an access pinning what page tables hold. */
	EXPECT_EQ(0, iob_access_pages(fd, afd_a, SLOT(0), 2 * P, pg(0), 0,
				      &item[0]));
	EXPECT_TRUE(charge_is(LIMIT));

	/* Without a page table nothing is pinned: mapping costs nothing. */
	ASSERT_EQ(0, iob_map_fixed(fd, c, pg(80), 2 * P, SLOT(0)));
	ASSERT_EQ(0, iob_map_fixed(fd, c, pg(0), (LIMIT - 4) * P, SLOT(1)));
	EXPECT_TRUE(charge_is(LIMIT));
	/* But a page table arriving, an access or a copy pins. */
	ASSERT_EQ(0, iob_obj_count(fd, &in_fd, &global));
	figures(&f);
	EXPECT_TRUE(refused(iob_mock_domain(fd, c, NULL, NULL, NULL), &f));
	ASSERT_EQ(0, iob_obj_count(fd, &in_fd2, &global2));
	EXPECT_EQ(in_fd, in_fd2);
	EXPECT_EQ(global, global2);
	EXPECT_TRUE(refused(iob_access_pages(fd, afd_c, SLOT(0), P, pg(80),
					     0, &item[1]), &f));
	/* The same memory mapped again is a pages object of its own. */
	EXPECT_TRUE(refused(iob_access_pages(fd, afd_c, SLOT(1), P, pg(0), 0,
					     &item[1]), &f));
	iova = SLOT(1);
	EXPECT_TRUE(refused(iob_copy(fd, b, &iova, c, SLOT(0), 2 * P,
				     IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA), &f));
	EXPECT_EQ(ENOENT, iob_unmap(fd, b, SLOT(1), 2 * P, NULL));

	/*
	 * Room for four pages, and calls whose first part fits: everything
	 * they pinned on the way is given back.
	 */
	ASSERT_EQ(0, iob_unmap(fd, a, SLOT(1), 4 * P, &len));
	EXPECT_EQ(4 * P, len);
	EXPECT_TRUE(charge_is(LIMIT - 4));
	ASSERT_EQ(0, iob_map_fixed(fd, c, pg(90), 2 * P, SLOT(2)));
	ASSERT_EQ(0, iob_map_fixed(fd, c, pg(92), 6 * P, SLOT(2) + 2 * P));
	figures(&f);
	/* A pin across both mappings: two pages fit, six do not. */
	EXPECT_TRUE(refused(iob_access_pages(fd, afd_c, SLOT(2), 8 * P, pg(90),
					     0, &item[1]), &f));
	EXPECT_EQ(0, iob_check_refs(fd, pg(90), 8 * P, 0));
	/* A page table: the first mapping fits, the second does not. */
	ASSERT_EQ(0, iob_obj_count(fd, &in_fd, &global));
	EXPECT_TRUE(refused(iob_mock_domain(fd, c, NULL, NULL, NULL), &f));
	ASSERT_EQ(0, iob_obj_count(fd, &in_fd2, &global2));
	EXPECT_EQ(in_fd, in_fd2);
	EXPECT_EQ(global, global2);
	EXPECT_EQ(0, iob_check_refs(fd, pg(80), 2 * P, 0));
	/* A copy of both into a page table: the same. */
	iova = SLOT(2);
	EXPECT_TRUE(refused(iob_copy(fd, b, &iova, c, SLOT(2), 8 * P,
				     IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA), &f));
	EXPECT_EQ(ENOENT, iob_unmap(fd, b, SLOT(2), 8 * P, NULL));
	EXPECT_EQ(0, iob_check_refs(fd, pg(90), 8 * P, 0));

	/* The four pages, by access pins of two mappings, and no more. */
	EXPECT_EQ(0, iob_access_pages(fd, afd_c, SLOT(0), 2 * P, pg(80), 0,
				      &item[1]));
	EXPECT_EQ(0, iob_access_pages(fd, afd_c, SLOT(2), 2 * P, pg(90), 0,
				      &item[2]));
	EXPECT_TRUE(charge_is(LIMIT));
	figures(&f);
	EXPECT_TRUE(refused(iob_access_pages(fd, afd_c, SLOT(2) + 2 * P, P,
					     pg(92), 0, &item[0]), &f));
	EXPECT_EQ(0, iob_destroy_access_pages(fd, afd_c, item[1]));
	EXPECT_EQ(0, iob_destroy_access_pages(fd, afd_c, item[2]));
	EXPECT_TRUE(charge_is(LIMIT - 4));
	/* The page tables still hold what this access pin shares. */
	EXPECT_EQ(0, iob_destroy_access_pages(fd, afd_a, item[0]));
	EXPECT_TRUE(charge_is(LIMIT - 4));

	ksft_print_msg("limit %d pages: peak %ld pinned, %ld attempts refused\n",
		       LIMIT, peak, refusals);
	EXPECT_EQ(LIMIT, peak);
	EXPECT_EQ(0, drop(afd_a));
	EXPECT_EQ(0, drop(afd_c));
	EXPECT_EQ(0, drop(fd));
	EXPECT_TRUE(charge_is(0));
}

/* --- many files, at random -------------------------------------------------- */

#define NFILES 8
#define NSPACES 3	/* two that may get a mock device, one that never does */
#define NSLOTS 6
#define NITEMS 4
#define MAX_CHUNK 12

enum {
	OP_MAP,
	OP_UNMAP,
	OP_COPY,
	OP_ATTACH,
	OP_DETACH,
	OP_PIN,
	OP_UNPIN,
	NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"map", "unmap", "copy", "attach", "detach", "pin", "unpin",
};

/* Of 100: what the rounds do. */
static const unsigned int op_weights[NR_OPS] = { 30, 18, 12, 8, 7, 15, 10 };

struct slot {
	unsigned int first;	/* first page of mem */
	unsigned int n;		/* pages; 0 for a free slot */
};

struct item {
	__u32 id;
	int slot;		/* -1 for a free item */
};

struct space {
	__u32 id;
	__u32 stdev;		/* the mock device, 0 for none */
	int afd;		/* an access that pins */
	struct slot slot[NSLOTS];
	struct item item[NITEMS];
};

struct file {
	int fd;
	struct space sp[NSPACES];
};

struct tally {
	long tried[NR_OPS];
	long refused[NR_OPS];
	long unexpected;
	long rounds;
};

static void tally_bad(struct tally *t, int op, const char *what, int rc)
{
	if (t->unexpected++ < 10)
		fprintf(stderr, "# round %ld, %s: %s (%s)\n", t->rounds,
			op_names[op], what, rc > 0 ? strerror(rc) : "-");
}

static int free_slot(struct space *sp, unsigned int *seed)
{
	unsigned int i, start = rand_r(seed);

	for (i = 0; i < NSLOTS; i++)
		if (!sp->slot[(start + i) % NSLOTS].n)
			return (start + i) % NSLOTS;
	return -1;
}

static int used_slot(struct space *sp, unsigned int *seed)
{
	unsigned int i, start = rand_r(seed);

	for (i = 0; i < NSLOTS; i++)
		if (sp->slot[(start + i) % NSLOTS].n)
			return (start + i) % NSLOTS;
	return -1;
}

static int find_item(struct space *sp, bool used, unsigned int *seed)
{
	unsigned int i, start = rand_r(seed), k;
	bool in_use;

	for (i = 0; i < NITEMS; i++) {
		k = (start + i) % NITEMS;
		in_use = sp->item[k].slot >= 0;
		if (in_use == used)
			return k;
	}
	return -1;
}

/* The unmap callback unpinned what the access held in the slot. */
static void forget_items(struct space *sp, int slot)
{
	int i;

	for (i = 0; i < NITEMS; i++)
		if (sp->item[i].slot == slot)
			sp->item[i].slot = -1;
}

static int pick_op(unsigned int *seed)
{
	unsigned int w = rand_r(seed) % 100;
	int op;

	for (op = 0; op < NR_OPS - 1; op++) {
		if (w < op_weights[op])
			break;
		w -= op_weights[op];
	}
	return op;
}

/*
 * One operation somewhere in file @f. Returns the op it ran, -1 if it
 * found nothing to do; *@rc its result, *@can_pin whether it could have
 * pinned, and *@empty_sp and *@empty_iova where nothing may be mapped if
 * it failed.
 */
static int one_op(struct file *f, unsigned int *seed, int *rc,
		  bool *can_pin, struct space **empty_sp, __u64 *empty_iova)
{
	struct space *sp = &f->sp[rand_r(seed) % NSPACES], *dst;
	int op = pick_op(seed), s, d, i;
	unsigned int first, n, off;
	__u64 iova, len;

	*can_pin = false;
	*empty_sp = NULL;
	switch (op) {
	case OP_MAP:
		s = free_slot(sp, seed);
		if (s < 0)
			return -1;
		n = 1 + rand_r(seed) % MAX_CHUNK;
		first = rand_r(seed) % (MEM_PAGES - n + 1);
		*can_pin = sp->stdev;
		*rc = iob_map_fixed(f->fd, sp->id, pg(first), n * P, SLOT(s));
		if (!*rc) {
			sp->slot[s].first = first;
			sp->slot[s].n = n;
		}
		*empty_sp = sp;
		*empty_iova = SLOT(s);
		return op;
	case OP_UNMAP:
		s = used_slot(sp, seed);
		if (s < 0)
			return -1;
		len = 0;
		*rc = iob_unmap(f->fd, sp->id, SLOT(s), sp->slot[s].n * P,
				&len);
		if (!*rc && len != sp->slot[s].n * P)
			*rc = -1;
		sp->slot[s].n = 0;
		forget_items(sp, s);
		return op;
	case OP_COPY:
		s = used_slot(sp, seed);
		dst = &f->sp[(sp - f->sp + 1 + rand_r(seed) % (NSPACES - 1)) %
			     NSPACES];
		d = free_slot(dst, seed);
		if (s < 0 || d < 0)
			return -1;
		iova = SLOT(d);
		*can_pin = dst->stdev;
		*rc = iob_copy(f->fd, dst->id, &iova, sp->id, SLOT(s),
			       sp->slot[s].n * P,
			       IOB_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
		if (!*rc)
			dst->slot[d] = sp->slot[s];
		*empty_sp = dst;
		*empty_iova = SLOT(d);
		return op;
	case OP_ATTACH:
		/* The last space never gets a page table. */
		if (sp->stdev || sp == &f->sp[NSPACES - 1])
			return -1;
		*can_pin = true;
		*rc = iob_mock_domain(f->fd, sp->id, &sp->stdev, NULL, NULL);
		if (*rc)
			sp->stdev = 0;
		return op;
	case OP_DETACH:
		if (!sp->stdev)
			return -1;
		*rc = iob_destroy(f->fd, sp->stdev);
		sp->stdev = 0;
		return op;
	case OP_PIN:
		s = used_slot(sp, seed);
		i = find_item(sp, false, seed);
		if (s < 0 || i < 0)
			return -1;
		off = rand_r(seed) % sp->slot[s].n;
		n = 1 + rand_r(seed) % (sp->slot[s].n - off);
		if (n > 4)
			n = 4;
		*can_pin = true;
		*rc = iob_access_pages(f->fd, sp->afd, SLOT(s) + off * P, n * P,
				       pg(sp->slot[s].first + off),
				       rand_r(seed) % 2 ?
				       MOCK_FLAGS_ACCESS_WRITE : 0,
				       &sp->item[i].id);
		if (!*rc)
			sp->item[i].slot = s;
		return op;
	default:
		i = find_item(sp, true, seed);
		if (i < 0)
			return -1;
		*rc = iob_destroy_access_pages(f->fd, sp->afd, sp->item[i].id);
		sp->item[i].slot = -1;
		return OP_UNPIN;
	}
}

/* Check the figures after an operation; counts what is wrong. */
static void check_round(struct tally *t, int op, int rc, bool can_pin,
			const struct figures *before, struct space *empty_sp,
			__u64 empty_iova, int fd, __u64 objs_before)
{
	struct figures now;
	__u64 objs = 0;

	figures(&now);
	t->tried[op]++;
	if (now.charged > LIMIT || now.pinned > LIMIT)
		tally_bad(t, op, "over the limit", 0);
	/* One process: every pinned page is ours, charged once. */
	if (now.charged != now.pinned || now.vmpin != now.pinned ||
	    (acct_mode ? now.user : now.vmlck))
		tally_bad(t, op, "pins and charges differ", 0);
	if (!rc)
		return;
	if (rc != ENOMEM || !can_pin) {
		tally_bad(t, op, "failed", rc);
		return;
	}
	t->refused[op]++;
	if (!same_figures(before, &now))
		tally_bad(t, op, "refused, but changed the figures", rc);
	if (empty_sp && iob_unmap(fd, empty_sp->id, empty_iova, P, NULL) !=
	    ENOENT)
		tally_bad(t, op, "refused, but mapped", rc);
	if (op == OP_ATTACH &&
	    (iob_obj_count(fd, &objs, NULL) || objs != objs_before))
		tally_bad(t, op, "refused, but left objects", rc);
}

TEST_F_TIMEOUT(memlock, many_files, 60)
{
	struct file *files = calloc(NFILES, sizeof(*files));
	unsigned int seed = 0x5eed + acct_mode, i, j, k;
	struct tally t = {};
	long refused_all = 0;
	double start;

	ASSERT_NE(NULL, files);
	for (i = 0; i < NFILES; i++) {
		files[i].fd = keep(open_file());
		ASSERT_LE(0, files[i].fd);
		for (j = 0; j < NSPACES; j++) {
			struct space *sp = &files[i].sp[j];

			ASSERT_EQ(0, iob_ioas_alloc(files[i].fd, &sp->id));
			ASSERT_EQ(0, open_access(files[i].fd, sp->id,
						 &sp->afd));
			for (k = 0; k < NITEMS; k++)
				sp->item[k].slot = -1;
		}
	}

	start = now_ms();
	while (t.rounds < ROUNDS && now_ms() - start < ROUNDS_MS) {
		struct file *f = &files[rand_r(&seed) % NFILES];
		struct space *empty_sp;
		struct figures before;
		__u64 objs = 0, iova = 0;
		bool can_pin;
		int op, rc;

		figures(&before);
		iob_obj_count(f->fd, &objs, NULL);
		op = one_op(f, &seed, &rc, &can_pin, &empty_sp, &iova);
		if (op < 0)
			continue;
		check_round(&t, op, rc, can_pin, &before, empty_sp, iova,
			    f->fd, objs);
		t.rounds++;
	}
	for (i = 0; i < NR_OPS; i++)
		refused_all += t.refused[i];
	ksft_print_msg("%ld rounds over %d files in %.0f ms: peak %ld of %d pages pinned\n",
		       t.rounds, NFILES, now_ms() - start, peak, LIMIT);
	ksft_print_msg("refused: map %ld/%ld, copy %ld/%ld, attach %ld/%ld, pin %ld/%ld\n",
		       t.refused[OP_MAP], t.tried[OP_MAP], t.refused[OP_COPY],
		       t.tried[OP_COPY], t.refused[OP_ATTACH],
		       t.tried[OP_ATTACH], t.refused[OP_PIN], t.tried[OP_PIN]);
	EXPECT_EQ(0, t.unexpected);
	EXPECT_LT(0, refused_all);
	EXPECT_LT(LIMIT / 2, peak);
	EXPECT_GE(LIMIT, peak);

	/* Close the files first, their accesses after: all given back. */
	for (i = 0; i < NFILES; i++)
		EXPECT_EQ(0, drop(files[i].fd));
	for (i = 0; i < NFILES; i++)
		for (j = 0; j < NSPACES; j++)
			EXPECT_EQ(0, drop(files[i].sp[j].afd));
	EXPECT_TRUE(charge_is(0));
	free(files);
}

/* --- children with their own memory ----------------------------------------- */

/* Map four pages of our own memory at a time, through our own file. */
static void fill_own(struct report *r, void *arg)
{
	struct figures before;
	int fd = open_file(), rc, i;
	__u32 ioas;

	if (fd < 0) {
		child_fail(r, 1, errno);
		return;
	}
	rc = iob_ioas_alloc(fd, &ioas);
	if (!rc)
		rc = iob_mock_domain(fd, ioas, NULL, NULL, NULL);
	if (rc) {
		child_fail(r, 2, rc);
		return;
	}
	for (i = 0; LIMIT + 4 * (i + 1) <= MEM_PAGES; i++) {
		figures(&before);
		rc = iob_map_fixed(fd, ioas, pg(LIMIT + 4 * i), 4 * P,
				   SLOT(i));
		if (rc) {
			child_refused(r, 3, rc, &before);
			return;
		}
		r->got += 4;
	}
	child_fail(r, 4, 0);
}

TEST_F_TIMEOUT(memlock, children_own_memory, 60)
{
	long parent = PARENT, want;
	struct child c[2];
	struct figures f;
	struct report r;
	__u32 ioas;
	int fd, i;

	fd = keep(open_file());
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, pg(0), PARENT * P, SLOT(0)));
	ASSERT_TRUE(charge_is(PARENT));

	/* Two children, one after the other, each pinning all it can. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, child_start(&c[i], fill_own, NULL));
		ASSERT_EQ(0, child_report(&c[i], &r));
		EXPECT_EQ(0, r.rc) TH_LOG("child %d, step %d", i, r.step);
		EXPECT_EQ(1, r.refused);
		/*
		 * A process's limit is its own; a user's is shared by its
		 * processes, and we hold part of it.
		 */
		want = acct_mode ? LIMIT : i ? 0 : LIMIT - PARENT;
		EXPECT_EQ(want, r.got);
		figures(&f);
		EXPECT_EQ(PARENT + (acct_mode ? (i + 1) * LIMIT :
				    LIMIT - PARENT), f.pinned);
		EXPECT_EQ(acct_mode ? 0 : LIMIT, f.user);
		/* Nothing of theirs is charged to us. */
		EXPECT_EQ(acct_mode ? PARENT : 0, f.vmlck);
		EXPECT_EQ(PARENT, f.vmpin);
	}
	/* Per process we may still fill our own limit; per user it is full. */
	if (acct_mode) {
		EXPECT_EQ(0, iob_map_fixed(fd, ioas, pg(PARENT),
					   (LIMIT - PARENT) * P, SLOT(1)));
		parent = LIMIT;
	}
	figures(&f);
	EXPECT_TRUE(refused(iob_map_fixed(fd, ioas, pg(2 * LIMIT), P, SLOT(2)),
			    &f));
	ksft_print_msg("children pinned %ld pages beside our %ld at the peak; %ld refused here\n",
		       peak - parent, parent, refusals);

	/* Their pins go with them. */
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, child_kill(&c[i]));
	EXPECT_TRUE(charge_is(parent));
	EXPECT_EQ(0, drop(fd));
	EXPECT_TRUE(charge_is(0));
}

/* --- a child pinning its parent's memory ------------------------------------ */

struct parent_file {
	int fd;
	__u32 a;	/* with a page table; PARENT pages of ours pinned */
	__u32 b;	/* without; 2 * LIMIT pages of ours mapped at SLOT(0) */
};

/*
 * Through the parent's file, with a limit of our own raised to infinity:
 * the parent's memory is charged to the parent, against the parent's
 * limit, whoever pins it.
 */
static void use_parent_file(struct report *r, void *arg)
{
	struct parent_file *pf = arg;
	struct figures before;
	__u32 item;
	int rc, afd;

	rc = set_limit(RLIM_INFINITY);
	if (rc) {
		child_fail(r, 1, rc);
		return;
	}
	figures(&before);
	rc = iob_mock_domain(pf->fd, pf->b, NULL, NULL, NULL);
	child_refused(r, 2, rc, &before);
	rc = iob_create_access(pf->fd, pf->b, PIN, &afd);
	if (rc) {
		child_fail(r, 3, rc);
		return;
	}
	rc = iob_access_pages(pf->fd, afd, SLOT(0), (LIMIT - PARENT + 1) * P,
			      pg(LIMIT), 0, &item);
	child_refused(r, 4, rc, &before);
	rc = iob_access_pages(pf->fd, afd, SLOT(0), (LIMIT - PARENT) * P,
			      pg(LIMIT), 0, &item);
	if (rc) {
		child_fail(r, 5, rc);
		return;
	}
	r->got = LIMIT - PARENT;
	figures(&before);
	rc = iob_access_pages(pf->fd, afd, SLOT(0) + (LIMIT - PARENT) * P, P,
			      pg(2 * LIMIT - PARENT), 0, &item);
	child_refused(r, 6, rc, &before);
	if (!acct_mode)
		return;
	/*
	 * Our own memory, into the parent's file: charged to our process,
	 * against our limit, not to the parent.
	 */
	rc = iob_map_fixed(pf->fd, pf->a, pg(LIMIT), LIMIT * P, SLOT(1));
	if (rc) {
		child_fail(r, 7, rc);
		return;
	}
	r->own = LIMIT;
}

TEST_F_TIMEOUT(memlock, child_in_parent_file, 60)
{
	struct parent_file pf;
	struct figures f;
	struct report r;
	struct child c;
	__u64 len;

	pf.fd = keep(open_file());
	ASSERT_LE(0, pf.fd);
	ASSERT_EQ(0, iob_ioas_alloc(pf.fd, &pf.a));
	ASSERT_EQ(0, iob_ioas_alloc(pf.fd, &pf.b));
	ASSERT_EQ(0, iob_mock_domain(pf.fd, pf.a, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_map_fixed(pf.fd, pf.a, pg(0), PARENT * P, SLOT(0)));
	ASSERT_EQ(0, iob_map_fixed(pf.fd, pf.b, pg(LIMIT), 2 * LIMIT * P,
				   SLOT(0)));
	ASSERT_TRUE(charge_is(PARENT));

	ASSERT_EQ(0, child_start(&c, use_parent_file, &pf));
	ASSERT_EQ(0, child_report(&c, &r));
	EXPECT_EQ(0, r.rc) TH_LOG("step %d", r.step);
	EXPECT_EQ(3, r.refused);
	EXPECT_EQ(LIMIT - PARENT, r.got);
	EXPECT_EQ(acct_mode ? LIMIT : 0, r.own);

	/* Our charge reached our limit, and no further. */
	figures(&f);
	EXPECT_EQ(LIMIT + r.own, f.pinned);
	EXPECT_EQ(LIMIT, f.charged);
	EXPECT_EQ(LIMIT, f.vmpin);
	EXPECT_EQ(0, acct_mode ? f.user : f.vmlck);
	EXPECT_TRUE(refused(iob_map_fixed(pf.fd, pf.a, pg(0), P, SLOT(2)), &f));
	ksft_print_msg("child refused %ld times; charged to us %ld of %d, to it %ld\n",
		       r.refused, f.charged, LIMIT, r.own);

	/* Its access went with it; its mapping in our file stays, not ours. */
	EXPECT_EQ(0, child_kill(&c));
	figures(&f);
	EXPECT_EQ(PARENT + r.own, f.pinned);
	EXPECT_EQ(PARENT, f.charged);
	EXPECT_EQ(PARENT, f.vmpin);
	if (acct_mode) {
		EXPECT_EQ(0, iob_unmap(pf.fd, pf.a, SLOT(1), LIMIT * P, &len));
		EXPECT_EQ(LIMIT * P, len);
	}
	EXPECT_TRUE(charge_is(PARENT));
	EXPECT_EQ(0, drop(pf.fd));
	EXPECT_TRUE(charge_is(0));
}

TEST_HARNESS_MAIN
