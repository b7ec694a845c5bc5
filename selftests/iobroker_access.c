// SPDX-License-Identifier: GPL-2.0
/*
 * Access objects: in-kernel users of an IOAS, driven through the test
 * module's CREATE_ACCESS, ACCESS_PAGES, DESTROY_ACCESS_PAGES, ACCESS_RW and
 * ACCESS_REPLACE_IOAS. Creation and the IOVA alignment a pinning access
 * imposes; pins, what they cost and their errnos; the unmap contract (the
 * access unpins, slowly, or not at all); moving an access to another IOAS;
 * copies at every offset around page and mapping boundaries; the memory of
 * a forked child, alive or gone; closing the files in either order; and
 * races, each bounded in time, of pins, copies and replaces against
 * unmaps and closes. Variants: no page table, one mock device. Every test
 * ends by closing its files and checking that nothing stays pinned or
 * charged and no object is left.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_buffer.h"

#define MP (page_size / 2)	/* the mock's IO page */
#define P page_size
#define IOVA ((__u64)MOCK_APERTURE_START)

#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
#define IGNORE_UNMAP MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP
#define SLOW_UNMAP MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP
#define PIN_WRITE MOCK_FLAGS_ACCESS_WRITE
#define RW_WRITE MOCK_ACCESS_RW_WRITE
#define RW_SLOW MOCK_ACCESS_RW_SLOW_PATH

/* The test module's limit on one pin or copy. */
#define OP_MAX (16ULL << 20)

/* What an unmap that gets no help from an access may take. */
#define UNMAP_BOUND_MS 5000

/* Races run this long, and longer until both sides made progress. */
#define RACE_MS 1000
#define RACE_MAX_MS 10000

#define MAX_ACCESS 8

#define PARENT_BYTE 0x11
#define CHILD_BYTE 0x22
#define ACCESS_BYTE 0x33

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static long ms_since(double start)
{
	return (long)(now_ms() - start);
}

/* Our user's locked_vm in pages, through a fresh file. */
static __u64 user_locked_vm(void)
{
	__u64 locked = UINT64_MAX;
	int fd = iob_open();

	if (fd < 0)
		return UINT64_MAX;
	if (iob_pin_stats(fd, NULL, &locked))
		locked = UINT64_MAX;
	close(fd);
	return locked;
}

static __u64 pinned_now(int fd)
{
	__u64 pinned = UINT64_MAX;

	iob_pin_stats(fd, &pinned, NULL);
	return pinned;
}

static __u64 ioas_alignment(int fd, __u32 ioas)
{
	struct iommu_iova_range r[8];
	__u32 num = ARRAY_SIZE(r);
	__u64 align = 0;

	if (iob_iova_ranges(fd, ioas, r, &num, &align))
		return 0;
	return align;
}

/* The size of a hugetlb page, from /proc/meminfo. */
static size_t hugetlb_size(void)
{
	char line[128];
	long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return hpage_size;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? (size_t)kb << 10 : hpage_size;
}

/* Bytes nobody would guess, quickly: xorshift, eight bytes per step. */
static void fill_random(void *p, size_t len, __u64 seed)
{
	unsigned char *c = p;
	__u64 x = seed * 0x9e3779b97f4a7c15ULL | 1;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7)) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		c[i] = x >> ((i & 7) * 8);
	}
}

static size_t count_bytes(const char *p, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len && p[i] == c; i++)
		;
	return i;
}

/*
 * Drop CAP_IPC_LOCK, so that what gets pinned from memory we map from now
 * on is charged to our user, and let that user lock @pages more.
 */
static int charge_pins(unsigned long pages)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct rlimit rl;

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~(1u << CAP_IPC_LOCK);
	data[0].permitted &= ~(1u << CAP_IPC_LOCK);
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	rl.rlim_cur = (user_locked_vm() + pages) * page_size;
	rl.rlim_max = rl.rlim_cur;
	return setrlimit(RLIMIT_MEMLOCK, &rl);
}

/*
 * Accesses a test has open, which the teardown closes if the test could
 * not. Each test runs in a process of its own.
 */
static int open_afds[MAX_ACCESS];

FIXTURE(access) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u64 unit;		/* IOVA alignment with no access */
	pid_t child;		/* a mapper the teardown kills */
	long objects;
	long pinned;
	__u64 locked;
};

FIXTURE_VARIANT(access) {
	bool mock_domain;
};

FIXTURE_VARIANT_ADD(access, no_domain) {
	.mock_domain = false,
};

FIXTURE_VARIANT_ADD(access, mock_domain) {
	.mock_domain = true,
};

FIXTURE_SETUP(access)
{
	int i;

	for (i = 0; i < MAX_ACCESS; i++)
		open_afds[i] = -1;
	self->fd = -1;
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	self->locked = user_locked_vm();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
	ASSERT_NE(UINT64_MAX, self->locked);
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas_id));
	self->unit = 1;
	if (variant->mock_domain) {
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id,
					     &self->stdev_id, &self->hwpt_id,
					     NULL));
		self->unit = MP;
	}
	ASSERT_EQ(self->unit, ioas_alignment(self->fd, self->ioas_id));
}

FIXTURE_TEARDOWN(access)
{
	int i, st;

	for (i = 0; i < MAX_ACCESS; i++)
		if (open_afds[i] >= 0)
			close(open_afds[i]);
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, &st, 0);
	}
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
	EXPECT_EQ(self->locked, user_locked_vm());
	EXPECT_EQ(self->objects, iob_global_objects());
}

/* An access on @ioas, which the teardown closes if the test does not. */
static int open_access(int fd, __u32 ioas, __u32 flags, int *afd)
{
	int i, rc;

	for (i = 0; i < MAX_ACCESS && open_afds[i] >= 0; i++)
		;
	rc = iob_create_access(fd, ioas, flags, afd);
	if (rc)
		return rc;
	if (i < MAX_ACCESS)
		open_afds[i] = *afd;
	return 0;
}

static int close_access(int afd)
{
	int i;

	for (i = 0; i < MAX_ACCESS; i++)
		if (open_afds[i] == afd)
			open_afds[i] = -1;
	return close(afd) ? errno : 0;
}

/* --- creation and alignment ----------------------------------------------- */

TEST_F(access, create_rules)
{
	static const __u32 bad[] = {
		1 << 1, 1 << 2, 1 << 15, 1 << 18, 1U << 31,
	};
	static const __u32 good[] = {
		0, PIN, PIN | IGNORE_UNMAP, PIN | SLOW_UNMAP,
	};
	int afd[ARRAY_SIZE(good)], probe, fd2;
	__u64 before, after;
	unsigned int i, j;

	ASSERT_EQ(0, iob_obj_count(self->fd, &before, NULL));
	/* The lowest free descriptor, which the first access must get. */
	probe = dup(self->fd);
	ASSERT_LE(0, probe);
	ASSERT_EQ(0, close(probe));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(EOPNOTSUPP, iob_create_access(self->fd,
							self->ioas_id,
							bad[i], NULL));
		EXPECT_EQ(EOPNOTSUPP, iob_create_access(self->fd,
							self->ioas_id,
							bad[i] | PIN, NULL));
	}
	EXPECT_EQ(ENOENT, iob_create_access(self->fd, 0, PIN, NULL));
	EXPECT_EQ(ENOENT, iob_create_access(self->fd, self->ioas_id + 1000,
					    PIN, NULL));
	if (self->stdev_id) {
		EXPECT_EQ(ENOENT, iob_create_access(self->fd, self->hwpt_id,
						    PIN, NULL));
		EXPECT_EQ(ENOENT, iob_create_access(self->fd, self->stdev_id,
						    0, NULL));
	}
	/* IDs are per file. */
	fd2 = iob_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(ENOENT, iob_create_access(fd2, self->ioas_id, 0, NULL));
	ASSERT_EQ(0, close(fd2));
	/* The failures left neither an object nor a descriptor behind. */
	ASSERT_EQ(0, iob_obj_count(self->fd, &after, NULL));
	EXPECT_EQ(before, after);

	/* Several accesses on one IOAS, each its own close-on-exec file. */
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, open_access(self->fd, self->ioas_id, good[i],
					 &afd[i]));
		EXPECT_EQ(FD_CLOEXEC, fcntl(afd[i], F_GETFD) & FD_CLOEXEC);
		for (j = 0; j < i; j++)
			EXPECT_NE(afd[j], afd[i]);
	}
	EXPECT_EQ(probe, afd[0]);
	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(0, close_access(afd[i]));
	ASSERT_EQ(0, iob_obj_count(self->fd, &after, NULL));
	EXPECT_EQ(before, after);
	/* With no access left the IOAS can go. */
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_destroy(self->fd, self->ioas_id));
}

TEST_F(access, pin_raises_alignment)
{
	const __u64 u = self->unit;
	const struct {
		__u64 mem;
		__u64 iova;
		__u64 len;
	} off[] = {
		{ u, 0, P },		/* memory inside a page */
		{ 0, u, P },		/* IOVA inside a page */
		{ 0, 0, P + u },	/* length not of whole pages */
	};
	int plain, pin, pin2;
	__u64 iova, before, after;
	unsigned int i;

	/* An access that does not pin does not care. */
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &plain));
	EXPECT_EQ(u, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &pin));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));

	/* Every mapping must now be made of whole pages. */
	for (i = 0; i < ARRAY_SIZE(off); i++)
		EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas_id,
						buffer + off[i].mem,
						off[i].len,
						IOVA + off[i].iova));
	EXPECT_EQ(EINVAL, iob_map(self->fd, self->ioas_id, buffer + u, P,
				  &iova));
	EXPECT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, P, IOVA));
	ASSERT_EQ(0, iob_map(self->fd, self->ioas_id, buffer + P, P, &iova));
	EXPECT_EQ(0, iova % page_size);

	/* The alignment holds while any pinning access is attached. */
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &pin2));
	EXPECT_EQ(0, close_access(pin));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));
	EXPECT_EQ(0, close_access(pin2));
	EXPECT_EQ(u, ioas_alignment(self->fd, self->ioas_id));
	EXPECT_EQ(0, close_access(plain));
	EXPECT_EQ(u, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, NULL));

	/* A mapping not of whole pages keeps a pinning access away. */
	ASSERT_EQ(0, iob_obj_count(self->fd, &before, NULL));
	for (i = 0; i < ARRAY_SIZE(off); i++) {
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id,
					   buffer + off[i].mem, off[i].len,
					   IOVA + off[i].iova));
		EXPECT_EQ(EADDRINUSE, iob_create_access(self->fd,
							self->ioas_id, PIN,
							NULL));
		EXPECT_EQ(u, ioas_alignment(self->fd, self->ioas_id));
		ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &plain));
		EXPECT_EQ(0, close_access(plain));
		ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id,
				       IOVA + off[i].iova, off[i].len, NULL));
	}
	ASSERT_EQ(0, iob_obj_count(self->fd, &after, NULL));
	EXPECT_EQ(before, after);
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &pin));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));
}

TEST_F(access, access_holds_its_ioas)
{
	static const __u32 flags[] = { 0, PIN };
	unsigned int i;
	__u32 ioas2;
	int afd;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
		ASSERT_EQ(0, open_access(self->fd, ioas2, flags[i], &afd));
		EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas2));
		/* Still there, and still usable. */
		EXPECT_EQ(0, iob_map_fixed(self->fd, ioas2, buffer, P, IOVA));
		EXPECT_EQ(0, close_access(afd));
		EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
		EXPECT_EQ(ENOENT, iob_destroy(self->fd, ioas2));
	}
}

/* --- pins ----------------------------------------------------------------- */

TEST_F(access, pins_counted_once)
{
	const __u64 n = 4, len = n * P;
	__u64 p0, l0, p, l, held;
	__u32 a, b, stdev, hwpt;
	int afd;

	/* Charge what gets pinned to our user, so locked_vm shows it. */
	ASSERT_EQ(0, charge_pins(64));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p0, &l0));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, len,
				   IOVA));
	/* A page table pins at map time; otherwise nothing is pinned yet. */
	held = self->stdev_id ? n : 0;
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0 + held, p);
	EXPECT_EQ(l0 + held, l);

	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, buffer, 0,
				      &a));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0 + n, p);
	EXPECT_EQ(l0 + n, l);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len, 1));

	/* A second item over the same pages pins nothing more. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, buffer,
				      PIN_WRITE, &b));
	EXPECT_NE(a, b);
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0 + n, p);
	EXPECT_EQ(l0 + n, l);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len, 1));

	if (self->stdev_id) {
		stdev = self->stdev_id;
		hwpt = self->hwpt_id;
	} else {
		/* Nor does a page table filled over the access's pins. */
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, &stdev,
					     &hwpt, NULL));
		EXPECT_EQ(0, iob_check_map(self->fd, hwpt, IOVA, buffer, len));
		ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
		EXPECT_EQ(p0 + n, p);
		EXPECT_EQ(l0 + n, l);
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len, 1));
	}

	/* The pages stay pinned, and charged, while anybody holds them. */
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0 + n, p);
	EXPECT_EQ(l0 + n, l);
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, IOVA, buffer, len));
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
	self->stdev_id = 0;
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0, p);
	EXPECT_EQ(l0, l);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len, 0));

	/* With no page table an item's pin lives and dies with it. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, P, buffer + P,
				      0, &a));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0 + 1, p);
	EXPECT_EQ(l0 + 1, l);
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	ASSERT_EQ(0, iob_pin_stats(self->fd, &p, &l));
	EXPECT_EQ(p0, p);
	EXPECT_EQ(l0, l);
}

TEST_F(access, pin_errnos)
{
	const __u64 ro = IOVA + 8 * P;
	int plain, afd, efd;
	__u64 p0, iova;
	__u32 item;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	iova = ro;
	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, buffer + 4 * P,
				   4 * P, &iova, IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &plain));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	p0 = pinned_now(self->fd);

	/* Only an access that said it would pin may. */
	EXPECT_EQ(EOPNOTSUPP, iob_access_pages(self->fd, plain, IOVA, P,
					       buffer, 0, &item));
	/* Over 16 MiB is refused outright; 16 MiB is looked up. */
	EXPECT_EQ(ENOMEM, iob_access_pages(self->fd, afd, IOVA, OP_MAX + 1,
					   NULL, 0, &item));
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA, OP_MAX, NULL,
					   0, &item));
	EXPECT_EQ(EOPNOTSUPP, iob_access_pages(self->fd, afd, IOVA, P, buffer,
					       1 << 1, &item));
	EXPECT_EQ(EOPNOTSUPP, iob_access_pages(self->fd, afd, IOVA, P, buffer,
					       1U << 31, &item));
	EXPECT_EQ(EINVAL, iob_access_pages(self->fd, afd, IOVA, 0, buffer, 0,
					   &item));
	EXPECT_EQ(EOVERFLOW, iob_access_pages(self->fd, afd,
					      UINT64_MAX - P + 1, 2 * P, NULL,
					      0, &item));
	/* A pin starts on a page of the mapped memory. */
	EXPECT_EQ(EINVAL, iob_access_pages(self->fd, afd, IOVA + 1, P, NULL,
					   0, &item));
	EXPECT_EQ(EINVAL, iob_access_pages(self->fd, afd, IOVA + P / 2, P,
					   NULL, 0, &item));
	/* Every byte of it must be mapped. */
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA + 4 * P, P,
					   NULL, 0, &item));
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA + 3 * P, 2 * P,
					   NULL, 0, &item));
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA - P, 2 * P,
					   NULL, 0, &item));
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, ro - P, 2 * P, NULL,
					   0, &item));
	/* Pins for writing need a writeable mapping. */
	EXPECT_EQ(EPERM, iob_access_pages(self->fd, afd, ro, P, buffer + 4 * P,
					  PIN_WRITE, &item));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, ro, P, buffer + 4 * P, 0,
				      &item));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer,
				      PIN_WRITE, &item));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
	/* Only access descriptors name accesses. */
	EXPECT_EQ(EBADFD, iob_access_pages(self->fd, self->fd, IOVA, P, buffer,
					   0, &item));
	EXPECT_EQ(EBADFD, iob_access_pages(self->fd, -1, IOVA, P, buffer, 0,
					   &item));
	EXPECT_EQ(EBADFD, iob_access_pages(self->fd, efd, IOVA, P, buffer, 0,
					   &item));

	/* None of the failures left anything pinned. */
	EXPECT_EQ(p0, pinned_now(self->fd));
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 8 * P, 0));
	close(efd);
}

TEST_F(access, pin_every_page)
{
	const unsigned int n = 8;
	const __u32 elsewhere = self->stdev_id ? 1 : 0;
	unsigned int k, m;
	__u32 a, b;
	int afd;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, n * P,
				   IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	for (k = 0; k < n; k++) {
		__u64 iova = IOVA + k * P;
		char *mem = buffer + k * P;

		for (m = 1; k + m <= n; m++) {
			ASSERT_EQ(0, iob_access_pages(self->fd, afd, iova,
						      m * P, mem, 0, &a))
				TH_LOG("page %u, %u pages", k, m);
			/*
			 * Down to one byte of the last page: the same pages,
			 * and still pinned once.
			 */
			ASSERT_EQ(0, iob_access_pages(self->fd, afd, iova,
						      (m - 1) * P + 1, mem,
						      PIN_WRITE, &b))
				TH_LOG("page %u, %u pages", k, m);
			EXPECT_EQ(0, iob_check_refs(self->fd, mem, m * P, 1));
			if (k)
				EXPECT_EQ(0, iob_check_refs(self->fd, buffer,
							    k * P, elsewhere));
			if (k + m < n)
				EXPECT_EQ(0, iob_check_refs(self->fd,
							    mem + m * P,
							    (n - k - m) * P,
							    elsewhere));
			ASSERT_EQ(0, iob_destroy_access_pages(self->fd, afd,
							      a));
			ASSERT_EQ(0, iob_destroy_access_pages(self->fd, afd,
							      b));
		}
		/* One byte past the mapping is too many. */
		EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, iova,
						   (n - k) * P + 1, NULL, 0,
						   &a));
	}
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, n * P, elsewhere));
}

TEST_F(access, pin_across_areas)
{
	const __u32 elsewhere = self->stdev_id ? 1 : 0;
	__u64 p0, iova;
	unsigned int i;
	__u32 a;
	int afd;

	/* Three mappings back to back of contiguous memory... */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id,
					   buffer + 2 * i * P, 2 * P,
					   IOVA + 2 * i * P));
	/* ...and a fourth of memory from elsewhere right after them. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 8 * P,
				   2 * P, IOVA + 6 * P));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	p0 = pinned_now(self->fd);

	/* Through all three, checked against the memory. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, 4 * P,
				      buffer + P, 0, &a));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + P, 4 * P, 1));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, P, elsewhere));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 5 * P, P, elsewhere));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 6 * P, buffer, 0,
				      &a));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));

	/*
	 * Into the fourth the pages are not those at the next user address,
	 * and a failed check keeps nothing pinned; without the check the pin
	 * holds exactly the pages mapped.
	 */
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA + 5 * P, 2 * P,
					  buffer + 5 * P, 0, &a));
	EXPECT_EQ(p0, pinned_now(self->fd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 5 * P, 2 * P, NULL,
				      0, &a));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 5 * P, P, 1));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 8 * P, P, 1));
	/* buffer + 6 * P is not mapped at all. */
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 6 * P, P, 0));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 9 * P, P, elsewhere));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));

	/* A hole fails the pin and gives back what it got before the hole. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA + 2 * P, 2 * P,
			       NULL));
	/* A page table let go of what it mapped there. */
	p0 = pinned_now(self->fd);
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
					   buffer + P, 0, &a));
	EXPECT_EQ(p0, pinned_now(self->fd));

	/* So does a read-only mapping for a write pin. */
	iova = IOVA + 2 * P;
	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, buffer + 2 * P,
				   2 * P, &iova, IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_FIXED_IOVA));
	p0 = pinned_now(self->fd);
	EXPECT_EQ(EPERM, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
					  buffer + P, PIN_WRITE, &a));
	EXPECT_EQ(p0, pinned_now(self->fd));
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 8 * P, 0));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
				      buffer + P, 0, &a));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + P, 2 * P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));

	/* All four: eight pages, each pinned once. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 8 * P, NULL, 0,
				      &a));
	EXPECT_EQ(p0 + (self->stdev_id ? 0 : 8), pinned_now(self->fd));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 6 * P, 1));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 8 * P, 2 * P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(p0, pinned_now(self->fd));
}

TEST_F(access, pin_checks_user_pages)
{
	__u64 p0;
	__u32 a;
	int afd;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	p0 = pinned_now(self->fd);
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA, P, buffer + P,
					  0, &a));
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA, 2 * P,
					  buffer + 2 * P, 0, &a));
	/* Off by a page either way. */
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA + P, 3 * P,
					  buffer, 0, &a));
	EXPECT_EQ(p0, pinned_now(self->fd));
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P, 0));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 3 * P, P,
				      buffer + 3 * P, 0, &a));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
}

TEST_F(access, destroy_pages_rules)
{
	__u32 a, b;
	int afd, afd2;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd2));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 2 * P, buffer, 0,
				      &a));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 2 * P, buffer, 0,
				      &b));
	EXPECT_NE(a, b);
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd,
						   0xdeadbeef));
	/* Items belong to their access. */
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd2, a));
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd2, b));
	EXPECT_EQ(EBADFD, iob_destroy_access_pages(self->fd, self->fd, a));
	EXPECT_EQ(EBADFD, iob_destroy_access_pages(self->fd, -1, a));

	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, a));
	/* The other item still holds the pages. */
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 2 * P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, b));
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P, 0));
}

TEST_F(access, hugetlb_pins_outlive_page_table)
{
	const size_t huge = hugetlb_size(), len = 2 * huge;
	__u32 a, b, stdev, hwpt;
	char tmp[32], *buf;
	int afd;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE,
		   -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	fill_random(buf + huge - P, 2 * P, 3);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buf, len, IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	/* One page inside the first huge page, two across the boundary. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, P, buf + P, 0,
				      &a));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + huge - P, 2 * P,
				      buf + huge - P, 0, &b));
	if (self->stdev_id) {
		stdev = self->stdev_id;
		hwpt = self->hwpt_id;
	} else {
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, &stdev,
					     &hwpt, NULL));
	}
	EXPECT_EQ(0, iob_check_map(self->fd, hwpt, IOVA, buf, len));

	/* The page table goes while the access holds parts of huge pages. */
	EXPECT_EQ(0, iob_destroy(self->fd, stdev));
	self->stdev_id = 0;
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA + huge - 16, tmp,
				   sizeof(tmp), RW_SLOW));
	EXPECT_EQ(0, memcmp(tmp, buf + huge - 16, sizeof(tmp)));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, close_access(afd));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, len, NULL));
	EXPECT_EQ(0, munmap(buf, len));
}

/* --- the unmap contract --------------------------------------------------- */

TEST_F(access, unmap_unpins)
{
	__u32 a, b, c, d;
	__u64 p0, len;
	char tmp[16];
	int afd;

	p0 = pinned_now(self->fd);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 4 * P,
				   4 * P, IOVA + 8 * P));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
				      buffer + P, 0, &a));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 4 * P, buffer,
				      PIN_WRITE, &c));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 8 * P, P,
				      buffer + 4 * P, 0, &b));

	/* The access is told, unpins what it holds there, the unmap works. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, 4 * P, &len));
	EXPECT_EQ(4 * P, len);
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, c));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P, 0));
	EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA, P, NULL, 0,
					   &a));
	/* Items elsewhere stay. */
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 4 * P, P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));

	/* Everything at once. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 9 * P, 2 * P,
				      buffer + 5 * P, 0, &d));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &len));
	EXPECT_EQ(4 * P, len);
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, d));
	EXPECT_EQ(p0, pinned_now(self->fd));

	/* The access goes on working. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer, 0, &a));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, sizeof(tmp), 0));
	EXPECT_EQ(0, memcmp(tmp, buffer, sizeof(tmp)));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
}

TEST_F(access, slow_unmap)
{
	__u32 item[3];
	__u64 len;
	unsigned int i;
	double start;
	long ms;
	int afd;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 4 * P,
				   2 * P, IOVA + 4 * P));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN | SLOW_UNMAP,
				 &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer, 0,
				      &item[0]));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 3 * P, 2 * P,
				      buffer + 3 * P, 0, &item[1]));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 5 * P, P,
				      buffer + 5 * P, PIN_WRITE, &item[2]));

	/* The callback takes its time; the unmap waits for it and works. */
	start = now_ms();
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, 6 * P, &len));
	ms = ms_since(start);
	EXPECT_EQ(6 * P, len);
	EXPECT_LE(MOCK_ACCESS_IOB_SLOW_UNMAP_MSEC - 1, ms);
	EXPECT_GT(UNMAP_BOUND_MS, ms);
	for (i = 0; i < ARRAY_SIZE(item); i++)
		EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd,
							   item[i]));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 6 * P, 0));
}

TEST_F(access, ignored_unmap_fails)
{
	const __u64 len = 4 * P;
	__u32 a, b, c;
	__u64 done;
	double start;
	char *tmp;
	int afd;

	fill_random(buffer, len, 5);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, len,
				   IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer + 8 * P,
				   2 * P, IOVA + 8 * P));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN | IGNORE_UNMAP,
				 &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, P, buffer + P,
				      0, &a));

	/* Where it holds nothing the access is not asked. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA + 8 * P, 2 * P,
			       &done));
	EXPECT_EQ(2 * P, done);

	/*
	 * It never unpins: the unmap gives up in bounded time, having
	 * unmapped nothing.
	 */
	start = now_ms();
	EXPECT_EQ(EDEADLOCK, iob_unmap(self->fd, self->ioas_id, IOVA, len,
				       &done));
	EXPECT_GT(UNMAP_BOUND_MS, ms_since(start));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer, P,
					IOVA + 2 * P));
	if (self->stdev_id)
		EXPECT_EQ(0, iob_check_map(self->fd, self->hwpt_id, IOVA,
					   buffer, len));
	/* The access still reaches all of it, and may still pin. */
	tmp = malloc(len);
	ASSERT_NE(NULL, tmp);
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, len, 0));
	EXPECT_EQ(0, memcmp(tmp, buffer, len));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, len, RW_SLOW));
	EXPECT_EQ(0, memcmp(tmp, buffer, len));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer, 0, &b));

	/* The next unmap fails the same way, of the range or of all. */
	start = now_ms();
	EXPECT_EQ(EDEADLOCK, iob_unmap(self->fd, self->ioas_id, IOVA, len,
				       &done));
	EXPECT_EQ(EDEADLOCK, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				       &done));
	EXPECT_GT(2 * UNMAP_BOUND_MS, ms_since(start));
	EXPECT_EQ(EEXIST, iob_map_fixed(self->fd, self->ioas_id, buffer, P,
					IOVA));

	/* Once the items are gone it works. */
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, len, &done));
	EXPECT_EQ(len, done);

	/* Closing the access unpins too. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, len,
				   IOVA));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, buffer, 0,
				      &c));
	EXPECT_EQ(0, close_access(afd));
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, len, &done));
	EXPECT_EQ(len, done);
	free(tmp);
}

/* One IOMMU_IOAS_UNMAP in a thread of its own. */
struct bg_unmap {
	pthread_t thread;
	int fd;
	__u32 ioas;
	__u64 iova;
	__u64 len;
	atomic_int *go;		/* spin until it is set, if given */
	atomic_int started;
	atomic_int done;
	int rc;
	__u64 unmapped;
	long ms;
};

static void *bg_unmap_fn(void *arg)
{
	struct bg_unmap *u = arg;
	double start;

	while (u->go && !atomic_load(u->go))
		sched_yield();
	atomic_store(&u->started, 1);
	start = now_ms();
	u->unmapped = 0;
	u->rc = iob_unmap(u->fd, u->ioas, u->iova, u->len, &u->unmapped);
	u->ms = ms_since(start);
	atomic_store(&u->done, 1);
	return NULL;
}

static int bg_unmap_start(struct bg_unmap *u, int fd, __u32 ioas, __u64 iova,
			  __u64 len, atomic_int *go)
{
	u->fd = fd;
	u->ioas = ioas;
	u->iova = iova;
	u->len = len;
	u->go = go;
	atomic_store(&u->started, 0);
	atomic_store(&u->done, 0);
	return pthread_create(&u->thread, NULL, bg_unmap_fn, u);
}

TEST_F(access, pin_refused_during_unmap)
{
	unsigned int round, n, i;
	long refused = 0, gone = 0, early = 0, other = 0;
	__u32 item, ids[256];
	int afd, rc;

	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN | SLOW_UNMAP,
				 &afd));
	/* Mostly the first round shows it; the others allow for bad luck. */
	for (round = 0; round < 10 && !refused; round++) {
		struct bg_unmap u;

		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   4 * P, IOVA));
		/* A pin, so that the unmap calls back and waits 20 ms. */
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer,
					      0, &item));
		ASSERT_EQ(0, bg_unmap_start(&u, self->fd, self->ioas_id, IOVA,
					    4 * P, NULL));
		while (!atomic_load(&u.started))
			sched_yield();
		/* Pin elsewhere in the range for as long as the unmap runs. */
		n = 0;
		while (!atomic_load(&u.done)) {
			__u32 id;

			rc = iob_access_pages(self->fd, afd, IOVA + 2 * P, P,
					      buffer + 2 * P, 0, &id);
			if (!rc && n < ARRAY_SIZE(ids)) {
				/* Before the unmap got to it. */
				ids[n++] = id;
				early++;
			} else if (!rc) {
				iob_destroy_access_pages(self->fd, afd, id);
				early++;
			} else if (rc == EINVAL) {
				refused++;
			} else if (rc == ENOENT) {
				gone++;
			} else if (other++ < 5) {
				fprintf(stderr, "# pin during unmap: %s\n",
					strerror(rc));
			}
		}
		pthread_join(u.thread, NULL);
		EXPECT_EQ(0, u.rc);
		EXPECT_EQ(4 * P, u.unmapped);
		EXPECT_GT(UNMAP_BOUND_MS, u.ms);
		/* It took back every pin, those that beat it included. */
		EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd,
							   item));
		for (i = 0; i < n; i++)
			EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd,
								   afd,
								   ids[i]));
		EXPECT_EQ(ENOENT, iob_access_pages(self->fd, afd, IOVA + 2 * P,
						   P, NULL, 0, &item));
	}
	ksft_print_msg("%u rounds: pins refused %ld, after %ld, before %ld\n",
		       round, refused, gone, early);
	EXPECT_EQ(0, other);
	EXPECT_LT(0, refused);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P, 0));
}

/* --- moving an access ----------------------------------------------------- */

TEST_F(access, replace_ioas)
{
	const __u64 len = 4 * P;
	__u32 ioas2, a, b;
	__u64 p0;
	char *tmp;
	int afd;

	fill_random(buffer, 12 * P, 7);
	tmp = malloc(len);
	ASSERT_NE(NULL, tmp);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, len,
				   IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas2, buffer + 8 * P, len,
				   IOVA));
	p0 = pinned_now(self->fd);
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 2 * P, buffer, 0,
				      &a));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));
	EXPECT_EQ(1, ioas_alignment(self->fd, ioas2));

	ASSERT_EQ(0, iob_access_replace_ioas(self->fd, afd, ioas2));
	/* Leaving, it unpinned everything it held in the old IOAS. */
	EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(p0, pinned_now(self->fd));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len,
				    self->stdev_id ? 1 : 0));
	/* Its alignment moved with it. */
	EXPECT_EQ(self->unit, ioas_alignment(self->fd, self->ioas_id));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, ioas2));

	/* Now it reaches the new IOAS's memory. */
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, len, 0));
	EXPECT_EQ(0, memcmp(tmp, buffer + 8 * P, len));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, len, RW_SLOW));
	EXPECT_EQ(0, memcmp(tmp, buffer + 8 * P, len));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer + 8 * P,
				      0, &b));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 8 * P, P, 1));
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA, P, buffer, 0,
					  &a));

	/* Only to IOASes; a failure leaves it where it was, pins and all. */
	EXPECT_EQ(ENOENT, iob_access_replace_ioas(self->fd, afd, 0));
	EXPECT_EQ(ENOENT, iob_access_replace_ioas(self->fd, afd, ioas2 + 1000));
	if (self->stdev_id) {
		EXPECT_EQ(ENOENT, iob_access_replace_ioas(self->fd, afd,
							  self->hwpt_id));
		EXPECT_EQ(ENOENT, iob_access_replace_ioas(self->fd, afd,
							  self->stdev_id));
	}
	EXPECT_EQ(EBADFD, iob_access_replace_ioas(self->fd, self->fd,
						  self->ioas_id));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 8 * P, P, 1));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, tmp, P, 0));
	EXPECT_EQ(0, memcmp(tmp, buffer + 8 * P, P));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, b));

	/* The old IOAS is free to go; the new one is held. */
	if (self->stdev_id) {
		EXPECT_EQ(0, iob_destroy(self->fd, self->stdev_id));
		self->stdev_id = 0;
	}
	EXPECT_EQ(0, iob_destroy(self->fd, self->ioas_id));
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas2));
	EXPECT_EQ(0, close_access(afd));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
	free(tmp);
}

TEST_F(access, failed_replace_keeps_pins)
{
	__u32 ioas2, a;
	int afd;

	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	/* ioas2 holds a mapping no pinning access can live with. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas2, buffer + 1, P, IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 2 * P, buffer, 0,
				      &a));
	EXPECT_EQ(EADDRINUSE, iob_access_replace_ioas(self->fd, afd, ioas2));
	EXPECT_EQ(1, ioas_alignment(self->fd, ioas2));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));
	/* Still on the first IOAS, with its pin. */
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 2 * P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));

	/* Onto the IOAS it is on already: nothing changes. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer, 0, &a));
	EXPECT_EQ(0, iob_access_replace_ioas(self->fd, afd, self->ioas_id));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, P, 1));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, a));
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas_id));
}

/* --- copies --------------------------------------------------------------- */

/*
 * Up to three mappings back to back from @iova, and a shadow of what the
 * IOAS should read as there, kept up to date by rw_one().
 */
struct view {
	__u64 iova;
	unsigned int n;
	struct {
		char *mem;
		__u64 len;
	} seg[3];
	__u64 len;
	char *shadow;
};

static char *view_mem(struct view *v, __u64 off)
{
	unsigned int i;

	for (i = 0; i < v->n; i++) {
		if (off < v->seg[i].len)
			return v->seg[i].mem + off;
		off -= v->seg[i].len;
	}
	return NULL;
}

static int view_map(int fd, __u32 ioas, struct view *v)
{
	unsigned int i;
	__u64 off = 0;
	int rc;

	for (i = 0; i < v->n; i++) {
		rc = iob_map_fixed(fd, ioas, v->seg[i].mem, v->seg[i].len,
				   v->iova + off);
		if (rc)
			return rc;
		off += v->seg[i].len;
	}
	v->len = off;
	v->shadow = malloc(off);
	if (!v->shadow)
		return -1;
	for (i = 0, off = 0; i < v->n; off += v->seg[i++].len)
		memcpy(v->shadow + off, v->seg[i].mem, v->seg[i].len);
	return 0;
}

static bool view_matches(struct view *v, __u64 off, __u64 len)
{
	__u64 i;

	for (i = off; i < off + len && i < v->len; i++)
		if (*view_mem(v, i) != v->shadow[i])
			return false;
	return true;
}

#define RW_SWEEP_LEN 16
#define RW_SWEEP_BEFORE 12
#define RW_SWEEP_AFTER 4
#define RW_CANARY 0xa5

/*
 * Read [@off, @off + @len) of @v and compare, byte for byte and without a
 * byte written past @len; then write fresh bytes there and check that
 * exactly they landed. 0, an errno, or -1 (read wrong), -2 (read wrote
 * past the end), -3 (write landed wrong).
 */
static int rw_one(int fd, int afd, struct view *v, __u64 off, __u64 len,
		  __u32 flags, __u64 *seed)
{
	unsigned char got[RW_SWEEP_LEN + 8], put[RW_SWEEP_LEN];
	__u64 lo = off > 8 ? off - 8 : 0;
	unsigned int i;
	int rc;

	memset(got, RW_CANARY, sizeof(got));
	rc = iob_access_rw(fd, afd, v->iova + off, got, len, flags);
	if (rc)
		return rc;
	if (memcmp(got, v->shadow + off, len))
		return -1;
	for (i = len; i < sizeof(got); i++)
		if (got[i] != RW_CANARY)
			return -2;
	fill_random(put, len, (*seed)++);
	rc = iob_access_rw(fd, afd, v->iova + off, put, len,
			   flags | RW_WRITE);
	if (rc)
		return rc;
	memcpy(v->shadow + off, put, len);
	return view_matches(v, lo, off - lo + len + 8) ? 0 : -3;
}

/* Every offset close to @boundary, every length up to RW_SWEEP_LEN. */
static void rw_sweep(struct __test_metadata *_metadata, int fd, int afd,
		     struct view *v, __u64 boundary, __u32 flags)
{
	__u64 off, len, seed = boundary ^ flags;

	for (off = boundary - RW_SWEEP_BEFORE;
	     off < boundary + RW_SWEEP_AFTER; off++)
		for (len = 1; len <= RW_SWEEP_LEN; len++)
			ASSERT_EQ(0, rw_one(fd, afd, v, off, len, flags,
					    &seed))
				TH_LOG("offset %#llx length %llu flags %#x",
				       (unsigned long long)off,
				       (unsigned long long)len, flags);
}

/* All of @v in one read and one write. */
static int rw_whole(int fd, int afd, struct view *v, __u32 flags)
{
	char *got = malloc(v->len), *put = malloc(v->len);
	int rc = ENOMEM;

	if (!got || !put)
		goto out;
	rc = iob_access_rw(fd, afd, v->iova, got, v->len, flags);
	if (rc)
		goto out;
	rc = -1;
	if (memcmp(got, v->shadow, v->len))
		goto out;
	fill_random(put, v->len, v->len ^ flags);
	rc = iob_access_rw(fd, afd, v->iova, put, v->len, flags | RW_WRITE);
	if (rc)
		goto out;
	memcpy(v->shadow, put, v->len);
	rc = view_matches(v, 0, v->len) ? 0 : -3;
out:
	free(got);
	free(put);
	return rc;
}

TEST_F(access, rw_sweep)
{
	struct view v = {
		.iova = IOVA,
		.n = 1,
		.seg = { { buffer, buffer_size } },
	};
	int afd;

	fill_random(buffer, buffer_size, 1);
	ASSERT_EQ(0, view_map(self->fd, self->ioas_id, &v));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &afd));
	rw_sweep(_metadata, self->fd, afd, &v, P, 0);
	rw_sweep(_metadata, self->fd, afd, &v, P, RW_SLOW);
	EXPECT_EQ(0, rw_whole(self->fd, afd, &v, 0));
	EXPECT_EQ(0, rw_whole(self->fd, afd, &v, RW_SLOW));
	free(v.shadow);
}

TEST_F(access, rw_across_areas)
{
	/* Three mappings of scattered memory, the middle one a page. */
	struct view v = {
		.iova = IOVA,
		.n = 3,
		.seg = {
			{ buffer, 2 * P },
			{ buffer + 8 * P, P },
			{ buffer + 4 * P, 2 * P },
		},
	};
	static const __u32 flags[] = { 0, RW_SLOW };
	unsigned int i;
	__u32 item;
	int afd;

	fill_random(buffer, buffer_size, 2);
	ASSERT_EQ(0, view_map(self->fd, self->ioas_id, &v));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		rw_sweep(_metadata, self->fd, afd, &v, 2 * P, flags[i]);
		rw_sweep(_metadata, self->fd, afd, &v, 3 * P, flags[i]);
		EXPECT_EQ(0, rw_whole(self->fd, afd, &v, flags[i]));
	}
	/* The slow path through pages the access holds pinned. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, v.len, NULL, 0,
				      &item));
	rw_sweep(_metadata, self->fd, afd, &v, 2 * P, RW_SLOW);
	EXPECT_EQ(0, rw_whole(self->fd, afd, &v, RW_SLOW));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
	free(v.shadow);
}

TEST_F(access, rw_unaligned_mapping)
{
	/*
	 * Memory starting inside a page; without a page table at an IOVA
	 * inside one too.
	 */
	const __u64 mo = self->stdev_id ? MP : 1;
	const __u64 io = self->stdev_id ? 0 : 3;
	struct view v = {
		.iova = IOVA + io,
		.n = 1,
		.seg = { { buffer + mo, 4 * P } },
	};
	int afd;

	fill_random(buffer, buffer_size, 3);
	ASSERT_EQ(0, view_map(self->fd, self->ioas_id, &v));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &afd));
	rw_sweep(_metadata, self->fd, afd, &v, P - mo, 0);
	rw_sweep(_metadata, self->fd, afd, &v, P - mo, RW_SLOW);
	EXPECT_EQ(0, rw_whole(self->fd, afd, &v, 0));
	EXPECT_EQ(0, rw_whole(self->fd, afd, &v, RW_SLOW));
	free(v.shadow);
}

/*
 * Which path a copy took shows once the user maps other pages at the
 * mapped addresses: the fast path, in the owner's own process, copies
 * through its addresses and sees the new pages; the slow path copies
 * through the pages held pinned behind the IOVAs (by the mock device, or
 * by an item) and sees the old ones, and with nothing pinned, pins what
 * the addresses map now.
 */
TEST_F(access, rw_paths_after_remap)
{
	size_t len = 2 * P;
	char *mem, *old, *cur, *got;
	__u32 item = 0;
	int afd, pin;

	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	old = malloc(len);
	cur = malloc(len);
	got = malloc(len);
	ASSERT_NE(NULL, old);
	ASSERT_NE(NULL, cur);
	ASSERT_NE(NULL, got);
	fill_random(mem, len, 21);
	memcpy(old, mem, len);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, mem, len, IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &afd));
	/* Without a page table, an item holds the pages. */
	if (!self->stdev_id) {
		ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &pin));
		ASSERT_EQ(0, iob_access_pages(self->fd, pin, IOVA, len, mem,
					      0, &item));
	}

	/* New pages at the same addresses, with other bytes. */
	ASSERT_EQ(mem, mmap(mem, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0));
	fill_random(mem, len, 22);
	memcpy(cur, mem, len);
	ASSERT_NE(0, memcmp(mem, old, len));

	ASSERT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, 0));
	EXPECT_EQ(0, memcmp(got, mem, len));
	ASSERT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, RW_SLOW));
	EXPECT_EQ(0, memcmp(got, old, len));
	/* A slow write lands in the pinned pages, not in the new ones. */
	memset(got, ACCESS_BYTE, P);
	ASSERT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, P,
				   RW_SLOW | RW_WRITE));
	EXPECT_EQ(0, memcmp(mem, cur, len));
	ASSERT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, RW_SLOW));
	EXPECT_EQ(P, count_bytes(got, len, ACCESS_BYTE));
	EXPECT_EQ(0, memcmp(got + P, old + P, P));

	if (!self->stdev_id) {
		/* Nothing pinned any more: the slow path sees the new pages. */
		EXPECT_EQ(0, iob_destroy_access_pages(self->fd, pin, item));
		ASSERT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len,
					   RW_SLOW));
		EXPECT_EQ(0, memcmp(got, mem, len));
		EXPECT_EQ(0, close_access(pin));
	}
	EXPECT_EQ(0, close_access(afd));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, len, NULL));
	free(old);
	free(cur);
	free(got);
	munmap(mem, len);
}

/*
 * Regression (found by iobroker_fuzz): an IOAS with no page table records
 * a mapping of any length, and pinning one page of a huge one asked for a
 * frame array of the whole of it, beyond what kvcalloc() takes, which
 * warned. Frames are kept in chunks now, made for what is pinned: the
 * first and the last page of a 2^44-byte mapping pin at the cost of a
 * chunk each, and only those two pages are pinned. No page table's window
 * is that large, so a device cannot attach (EADDRINUSE); the huge mapping
 * still unmaps. A temporary-memory limit far above the default is capped
 * rather than turned into giant allocations.
 */
TEST_F(access, huge_mapping_pins_sparsely)
{
	const __u64 huge = 1ULL << 44;
	__u32 first, last, ioas;
	long pinned;
	char *mem;
	int afd;

	mem = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	if (self->stdev_id) {
		/* With a page table the map itself pins, and fails. */
		EXPECT_NE(0, iob_map_fixed(self->fd, self->ioas_id, mem, huge,
					   IOVA));
		munmap(mem, huge);
		return;
	}
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, mem, huge, IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	pinned = module_pinned_pages();
	EXPECT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, mem, 0, &first));
	EXPECT_EQ(0, iob_access_pages(self->fd, afd, IOVA + huge - P, P,
				      mem + huge - P, 0, &last));
	EXPECT_EQ(pinned + 2, module_pinned_pages());
	EXPECT_EQ(EADDRINUSE, iob_mock_domain(self->fd, self->ioas_id, NULL,
					      NULL, NULL));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, first));
	EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, last));
	EXPECT_EQ(pinned, module_pinned_pages());
	EXPECT_EQ(0, close_access(afd));
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, huge, NULL));
	munmap(mem, huge);

	/* Batches no bigger than the cap: a normal map works. */
	ASSERT_EQ(0, iob_set_temp_memory_limit(self->fd, UINT32_MAX));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_mock_domain(self->fd, ioas, NULL, NULL, NULL));
	EXPECT_EQ(0, iob_map_fixed(self->fd, ioas, buffer, 8 * P, IOVA));
	EXPECT_EQ(0, iob_unmap(self->fd, ioas, IOVA, 8 * P, NULL));
	EXPECT_EQ(0, iob_set_temp_memory_limit(self->fd,
					       IOB_DEFAULT_TEMP_LIMIT));
}

TEST_F(access, rw_errnos)
{
	const __u64 ro = IOVA + 8 * P;
	char tmp[64], before[8];
	int afd[2], efd;
	unsigned int i;
	__u64 iova;

	fill_random(buffer, 8 * P, 4);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	iova = ro;
	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas_id, buffer + 4 * P,
				   4 * P, &iova, IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &afd[0]));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd[1]));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	memcpy(before, buffer + 4 * P, sizeof(before));

	for (i = 0; i < ARRAY_SIZE(afd); i++) {
		int a = afd[i];

		EXPECT_EQ(ENOMEM, iob_access_rw(self->fd, a, IOVA, tmp,
						OP_MAX + 1, 0));
		EXPECT_EQ(EINVAL, iob_access_rw(self->fd, a, IOVA, tmp, 0, 0));
		EXPECT_EQ(EOVERFLOW, iob_access_rw(self->fd, a, UINT64_MAX,
						   tmp, 2, 0));
		/* Every byte must be mapped. */
		EXPECT_EQ(ENOENT, iob_access_rw(self->fd, a, IOVA + 4 * P,
						tmp, 1, 0));
		EXPECT_EQ(ENOENT, iob_access_rw(self->fd, a, IOVA + 4 * P - 1,
						tmp, 2, 0));
		EXPECT_EQ(ENOENT, iob_access_rw(self->fd, a, IOVA - 1, tmp, 2,
						0));
		EXPECT_EQ(ENOENT, iob_access_rw(self->fd, a, IOVA + 4 * P - 1,
						tmp, 2, RW_WRITE));
		/* Writes need a writeable mapping; reads do not. */
		EXPECT_EQ(EPERM, iob_access_rw(self->fd, a, ro, tmp, 8,
					       RW_WRITE));
		EXPECT_EQ(EPERM, iob_access_rw(self->fd, a, ro, tmp, 8,
					       RW_WRITE | RW_SLOW));
		EXPECT_EQ(0, iob_access_rw(self->fd, a, ro, tmp, 8, 0));
		EXPECT_EQ(0, memcmp(tmp, buffer + 4 * P, 8));
		EXPECT_EQ(0, iob_access_rw(self->fd, a, ro, tmp, 8, RW_SLOW));
		EXPECT_EQ(0, memcmp(tmp, buffer + 4 * P, 8));
		EXPECT_EQ(EOPNOTSUPP, iob_access_rw(self->fd, a, IOVA, tmp, 8,
						    1 << 1));
		EXPECT_EQ(EOPNOTSUPP, iob_access_rw(self->fd, a, IOVA, tmp, 8,
						    1 << 3));
		EXPECT_EQ(EOPNOTSUPP, iob_access_rw(self->fd, a, IOVA, tmp, 8,
						    1U << 31));
		/* Our side of the copy must be there too. */
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, a, IOVA, (void *)8,
						8, 0));
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, a, IOVA, (void *)8,
						8, RW_WRITE));
	}
	EXPECT_EQ(EBADFD, iob_access_rw(self->fd, self->fd, IOVA, tmp, 8, 0));
	EXPECT_EQ(EBADFD, iob_access_rw(self->fd, -1, IOVA, tmp, 8, 0));
	EXPECT_EQ(EBADFD, iob_access_rw(self->fd, efd, IOVA, tmp, 8, 0));
	/* The refused writes wrote nothing. */
	EXPECT_EQ(0, memcmp(before, buffer + 4 * P, sizeof(before)));
	close(efd);
}

/* --- another process's memory --------------------------------------------- */

/* A forked child that maps its own memory into our IOAS. */
struct mapper {
	pid_t pid;
	int ready;		/* it writes 'R' once mapped */
	int go;			/* closing it lets it finish */
};

/*
 * Fork a child that writes CHILD_BYTE over the private @buf (so that it
 * has pages of its own), maps it at IOVA of @ioas through the inherited
 * @fd and says so. Unless @wait it then exits; otherwise it waits until
 * let go, and exits 0 only if its memory is CHILD_BYTE but for ACCESS_BYTE
 * at [@mark, @mark + @mark_len), which the parent writes through an access.
 */
static int fork_mapper(struct mapper *m, int fd, __u32 ioas, char *buf,
		       size_t len, bool wait, size_t mark, size_t mark_len)
{
	int ready[2], go[2];
	char c = 'R';
	size_t i;

	if (pipe2(ready, O_CLOEXEC))
		return -1;
	if (pipe2(go, O_CLOEXEC)) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	m->pid = fork();
	if (!m->pid) {
		close(ready[0]);
		close(go[1]);
		memset(buf, CHILD_BYTE, len);
		if (iob_map_fixed(fd, ioas, buf, len, IOVA))
			c = 'F';
		if (write(ready[1], &c, 1) != 1 || c != 'R')
			_exit(1);
		if (!wait)
			_exit(0);
		if (read(go[0], &c, 1) < 0)
			_exit(2);
		for (i = 0; i < len; i++)
			if (buf[i] != (i >= mark && i < mark + mark_len ?
				       ACCESS_BYTE : CHILD_BYTE))
				_exit(3);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	m->ready = ready[0];
	m->go = go[1];
	if (m->pid < 0 || read(m->ready, &c, 1) != 1 || c != 'R')
		return -1;
	return 0;
}

/* Let the child finish and reap it: its exit status, or -1. */
static int reap_mapper(struct mapper *m)
{
	int st;

	close(m->go);
	close(m->ready);
	if (waitpid(m->pid, &st, 0) != m->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST_F(access, fork_present)
{
	const size_t len = 4 * P, mark = P + 10, mark_len = 100;
	char *buf, *want, *got;
	__u32 item, a, stdev;
	struct mapper m;
	__u64 p;
	int afd;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, PARENT_BYTE, len);
	want = malloc(len);
	got = malloc(len);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, got);
	memset(want, CHILD_BYTE, len);
	ASSERT_EQ(0, fork_mapper(&m, self->fd, self->ioas_id, buf, len, true,
				 mark, mark_len));
	self->child = m.pid;
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));

	/* The pages pinned are the child's, not those at our address. */
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, NULL, 0,
				      &item));
	EXPECT_EQ(EBADE, iob_access_pages(self->fd, afd, IOVA, P, buf, 0, &a));
	/* Copies reach the child's memory; ours is not its owner. */
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, 0));
	EXPECT_EQ(0, memcmp(got, want, len));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, RW_SLOW));
	EXPECT_EQ(0, memcmp(got, want, len));
	memset(want + mark, ACCESS_BYTE, mark_len);
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA + mark, want + mark,
				   mark_len, RW_WRITE));
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, 0));
	EXPECT_EQ(0, memcmp(got, want, len));
	EXPECT_EQ(len, count_bytes(buf, len, PARENT_BYTE));
	/* The child sees the write, and is gone. */
	EXPECT_EQ(0, reap_mapper(&m));
	self->child = 0;

	/* What the access holds pinned outlives the child's memory. */
	memset(got, 0, len);
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, 0));
	EXPECT_EQ(0, memcmp(got, want, len));
	memset(got, 0, len);
	EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA + P - 8, got, 16,
				   RW_SLOW));
	EXPECT_EQ(0, memcmp(got, want + P - 8, 16));
	if (!self->stdev_id) {
		/* A page table can be filled from those pins alone... */
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas_id, &stdev,
					     NULL, NULL));
		EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
		/* ...and then holds the pages by itself. */
		memset(got, 0, len);
		EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len, 0));
		EXPECT_EQ(0, memcmp(got, want, len));
		EXPECT_EQ(0, iob_destroy(self->fd, stdev));
		/* With nothing pinned there is nowhere to find the pages. */
		p = pinned_now(self->fd);
		EXPECT_EQ(self->pinned, p);
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, afd, IOVA, got, len,
						0));
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, afd, IOVA, got, 16,
						RW_SLOW));
		EXPECT_EQ(EFAULT, iob_access_pages(self->fd, afd, IOVA, P,
						   NULL, 0, &item));
		EXPECT_EQ(p, pinned_now(self->fd));
	} else {
		/* The page table pinned them when the child mapped them. */
		EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
		memset(got, 0, len);
		EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len,
					   RW_SLOW));
		EXPECT_EQ(0, memcmp(got, want, len));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, NULL,
					      0, &item));
		EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
	}
	EXPECT_EQ(0, munmap(buf, len));
	free(want);
	free(got);
}

TEST_F(access, fork_gone)
{
	const size_t len = 4 * P;
	int plain, afd;
	struct mapper m;
	__u32 item;
	char *buf, *got;
	__u64 p;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, PARENT_BYTE, len);
	got = malloc(len);
	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, fork_mapper(&m, self->fd, self->ioas_id, buf, len, false,
				 0, 0));
	self->child = m.pid;
	ASSERT_EQ(0, reap_mapper(&m));
	self->child = 0;
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, 0, &plain));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));

	if (!self->stdev_id) {
		/* Nothing pinned the child's pages, and its memory is gone. */
		p = pinned_now(self->fd);
		EXPECT_EQ(EFAULT, iob_access_pages(self->fd, afd, IOVA, len,
						   NULL, 0, &item));
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, plain, IOVA, got,
						len, 0));
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, plain, IOVA, got, 16,
						0));
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, afd, IOVA, got, len,
						RW_SLOW));
		memset(got, ACCESS_BYTE, 16);
		EXPECT_EQ(EFAULT, iob_access_rw(self->fd, afd, IOVA, got, 16,
						RW_WRITE));
		EXPECT_EQ(EFAULT, iob_mock_domain(self->fd, self->ioas_id,
						  NULL, NULL, NULL));
		EXPECT_EQ(p, pinned_now(self->fd));
	} else {
		/* The page table pinned them in the child. */
		EXPECT_EQ(0, iob_access_rw(self->fd, plain, IOVA, got, len, 0));
		EXPECT_EQ(len, count_bytes(got, len, CHILD_BYTE));
		memset(got, 0, len);
		EXPECT_EQ(0, iob_access_rw(self->fd, afd, IOVA, got, len,
					   RW_SLOW));
		EXPECT_EQ(len, count_bytes(got, len, CHILD_BYTE));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, NULL,
					      0, &item));
		EXPECT_EQ(0, iob_destroy_access_pages(self->fd, afd, item));
	}
	/* Ours never changed. */
	EXPECT_EQ(len, count_bytes(buf, len, PARENT_BYTE));
	EXPECT_EQ(0, munmap(buf, len));
	free(got);
}

/* --- lifetime ------------------------------------------------------------- */

TEST_F(access, access_outlives_iommufd_file)
{
	const __u64 len = 4 * P;
	__u32 a, b;
	char *got;
	int afd, fd2;
	__u64 n;

	fill_random(buffer, len, 6);
	got = malloc(len);
	ASSERT_NE(NULL, got);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, len,
				   IOVA));
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, 2 * P, buffer, 0,
				      &a));

	/* The access holds the file: closing ours takes nothing away. */
	EXPECT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_LT(self->objects, iob_global_objects());
	fd2 = iob_open();
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, iob_access_rw(fd2, afd, IOVA, got, len, 0));
	EXPECT_EQ(0, memcmp(got, buffer, len));
	EXPECT_EQ(0, iob_access_rw(fd2, afd, IOVA, got, len, RW_SLOW));
	EXPECT_EQ(0, memcmp(got, buffer, len));
	EXPECT_EQ(0, iob_access_pages(fd2, afd, IOVA + 2 * P, P,
				      buffer + 2 * P, 0, &b));
	EXPECT_EQ(0, iob_destroy_access_pages(fd2, afd, b));
	EXPECT_EQ(0, iob_check_refs(fd2, buffer, 2 * P, 1));

	/* Closing the access lets everything go. */
	EXPECT_EQ(0, close_access(afd));
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(0, iob_check_refs(fd2, buffer, len, 0));
	ASSERT_EQ(0, iob_obj_count(fd2, &n, NULL));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, close(fd2));
	free(got);
}

TEST_F(access, close_unpins)
{
	static const __u32 flags[] = {
		PIN, PIN | IGNORE_UNMAP, PIN | SLOW_UNMAP,
	};
	const __u64 len = 8 * P;
	__u32 item;
	__u64 p0, done;
	unsigned int i;
	int afd;

	p0 = pinned_now(self->fd);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   len, IOVA));
		ASSERT_EQ(0, open_access(self->fd, self->ioas_id, flags[i],
					 &afd));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, len, buffer,
					      0, &item));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
					      buffer + P, PIN_WRITE, &item));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 7 * P, P,
					      buffer + 7 * P, 0, &item));
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len, 1));
		EXPECT_EQ(p0 + 8, pinned_now(self->fd));
		EXPECT_EQ(0, close_access(afd));
		EXPECT_EQ(p0 + (self->stdev_id ? 8 : 0), pinned_now(self->fd));
		EXPECT_EQ(0, iob_check_refs(self->fd, buffer, len,
					    self->stdev_id ? 1 : 0));
		/* Nothing is left to hold up an unmap. */
		ASSERT_EQ(0, iob_unmap(self->fd, self->ioas_id, IOVA, len,
				       &done));
		EXPECT_EQ(len, done);
		EXPECT_EQ(p0, pinned_now(self->fd));
	}
	if (!self->stdev_id)
		EXPECT_EQ(0, iob_destroy(self->fd, self->ioas_id));
}

/* --- races ---------------------------------------------------------------- */

static void note(atomic_long *count, const char *what, int rc)
{
	if (atomic_fetch_add(count, 1) < 5)
		fprintf(stderr, "# unexpected: %s -> %s\n", what,
			rc < 0 ? "wrong data" : strerror(rc));
}

/*
 * Let a race run RACE_MS, and then on until both counters moved, for at
 * most RACE_MAX_MS; then stop it.
 */
static void race_run(atomic_int *stop, atomic_long *a, atomic_long *b)
{
	double start = now_ms();

	while (ms_since(start) < RACE_MS ||
	       ((!atomic_load(a) || !atomic_load(b)) &&
		ms_since(start) < RACE_MAX_MS))
		usleep(10000);
	atomic_store(stop, 1);
}

/* Start @n threads running @fn[i] on @arg; on failure stop and reap them. */
static int start_threads(pthread_t *t, void *(*const *fn)(void *), int n,
			 void *arg, atomic_int *stop)
{
	int i, j;

	for (i = 0; i < n; i++) {
		if (pthread_create(&t[i], NULL, fn[i], arg)) {
			atomic_store(stop, 1);
			for (j = 0; j < i; j++)
				pthread_join(t[j], NULL);
			return -1;
		}
	}
	return 0;
}

static void join_threads(pthread_t *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* (a) Pins against maps and unmaps of the range. */
struct pin_race {
	int fd;
	int afd;
	__u32 ioas;
	atomic_int stop;
	atomic_long pins;
	atomic_long refused;
	atomic_long gone;
	atomic_long unpinned;	/* the unmap took the item first */
	atomic_long unmaps;
	atomic_long unexpected;
};

static void *pin_race_mapper(void *arg)
{
	const struct timespec pause = { 0, 200 * 1000 };
	struct pin_race *r = arg;
	unsigned int seed = 1;
	__u64 len;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_map_fixed(r->fd, r->ioas, buffer, 4 * P, IOVA);
		if (rc)
			note(&r->unexpected, "map", rc);
		/* Now and then leave the pins a moment. */
		if (rand_r(&seed) % 2)
			nanosleep(&pause, NULL);
		rc = iob_unmap(r->fd, r->ioas, IOVA, 4 * P, &len);
		if (rc)
			note(&r->unexpected, "unmap", rc);
		else if (len != 4 * P)
			note(&r->unexpected, "unmap length", -1);
		else
			atomic_fetch_add(&r->unmaps, 1);
	}
	return NULL;
}

static void *pin_race_pinner(void *arg)
{
	struct pin_race *r = arg;
	unsigned int n = 0;
	__u32 item;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_access_pages(r->fd, r->afd, IOVA + P, 2 * P,
				      buffer + P, n++ % 2 ? PIN_WRITE : 0,
				      &item);
		if (rc == ENOENT) {
			atomic_fetch_add(&r->gone, 1);
		} else if (rc == EINVAL) {
			atomic_fetch_add(&r->refused, 1);
		} else if (rc) {
			note(&r->unexpected, "pin", rc);
		} else {
			atomic_fetch_add(&r->pins, 1);
			rc = iob_destroy_access_pages(r->fd, r->afd, item);
			if (rc == ENOENT)
				atomic_fetch_add(&r->unpinned, 1);
			else if (rc)
				note(&r->unexpected, "destroy pages", rc);
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(access, race_pin_against_unmap, 60)
{
	static void *(*const fn[])(void *) = {
		pin_race_mapper, pin_race_pinner,
	};
	struct pin_race r = { .fd = self->fd, .ioas = self->ioas_id };
	pthread_t t[ARRAY_SIZE(fn)];
	__u64 len = 1;

	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &r.afd));
	ASSERT_EQ(0, start_threads(t, fn, ARRAY_SIZE(fn), &r, &r.stop));
	race_run(&r.stop, &r.pins, &r.unmaps);
	join_threads(t, ARRAY_SIZE(fn));
	ksft_print_msg("pins %ld (%ld taken back), refused %ld, gone %ld; unmaps %ld\n",
		       atomic_load(&r.pins), atomic_load(&r.unpinned),
		       atomic_load(&r.refused), atomic_load(&r.gone),
		       atomic_load(&r.unmaps));
	EXPECT_EQ(0, atomic_load(&r.unexpected));
	EXPECT_LT(0, atomic_load(&r.pins));
	EXPECT_LT(0, atomic_load(&r.unmaps));
	/* Nothing is left mapped, nor pinned. */
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX, &len));
	EXPECT_EQ(0, len);
	EXPECT_EQ(0, close_access(r.afd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
}

/* (b) Copies, and pins, against closing the access. */
struct close_race {
	int fd;
	int afd;
	bool pin;
	atomic_long ok;
	atomic_long unexpected;
	int last;
};

static void *close_race_worker(void *arg)
{
	struct close_race *r = arg;
	unsigned int n = 0;
	char tmp[64];
	__u32 item;
	int rc;

	for (;;) {
		rc = iob_access_rw(r->fd, r->afd, IOVA + P - 32, tmp,
				   sizeof(tmp), n++ % 2 ? RW_SLOW : 0);
		if (rc)
			break;
		if (memcmp(tmp, buffer + P - 32, sizeof(tmp)))
			note(&r->unexpected, "rw", -1);
		atomic_fetch_add(&r->ok, 1);
		if (!r->pin)
			continue;
		rc = iob_access_pages(r->fd, r->afd, IOVA, 2 * P, buffer, 0,
				      &item);
		if (rc)
			break;
		/* Closed in between: release unpins it. */
		rc = iob_destroy_access_pages(r->fd, r->afd, item);
		if (rc)
			break;
	}
	r->last = rc;
	if (rc != EBADFD && rc != EBADF)
		note(&r->unexpected, "after close", rc);
	return NULL;
}

TEST_F_TIMEOUT(access, race_rw_against_close, 60)
{
	unsigned int rounds = 0;
	long copies = 0;
	__u64 before, after;
	double start;

	fill_random(buffer, 4 * P, 8);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_obj_count(self->fd, &before, NULL));
	start = now_ms();
	while ((rounds < 4 || ms_since(start) < RACE_MS) &&
	       ms_since(start) < RACE_MAX_MS) {
		struct close_race r = { .fd = self->fd, .pin = rounds % 2 };
		pthread_t t;
		double wait;

		ASSERT_EQ(0, open_access(self->fd, self->ioas_id,
					 r.pin ? PIN : 0, &r.afd));
		ASSERT_EQ(0, pthread_create(&t, NULL, close_race_worker, &r));
		/* Close while it copies, after a varying number of copies. */
		wait = now_ms();
		while (atomic_load(&r.ok) < 1 + rounds % 8 &&
		       ms_since(wait) < 2000)
			sched_yield();
		EXPECT_EQ(0, close_access(r.afd));
		pthread_join(t, NULL);
		EXPECT_EQ(0, atomic_load(&r.unexpected));
		EXPECT_LT(0, atomic_load(&r.ok));
		copies += atomic_load(&r.ok);
		rounds++;
	}
	ksft_print_msg("%u accesses closed while copying, %ld copies\n",
		       rounds, copies);
	/* The accesses are gone with their files, and so are their pins. */
	ASSERT_EQ(0, iob_obj_count(self->fd, &after, NULL));
	EXPECT_EQ(before, after);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P,
				    self->stdev_id ? 1 : 0));
}

/* (c) Replaces back and forth against pins and copies. */
struct replace_race {
	int fd;
	int afd;
	__u32 ioas[2];
	atomic_int stop;
	atomic_long replaces;
	atomic_long pins;
	atomic_long copies;
	atomic_long missed;
	atomic_long unexpected;
};

static bool replace_race_allowed(int rc)
{
	return rc == ENOENT || rc == EINVAL;
}

static void *replace_race_replacer(void *arg)
{
	struct replace_race *r = arg;
	unsigned int n = 0;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_access_replace_ioas(r->fd, r->afd, r->ioas[++n % 2]);
		if (!rc)
			atomic_fetch_add(&r->replaces, 1);
		else if (replace_race_allowed(rc))
			atomic_fetch_add(&r->missed, 1);
		else
			note(&r->unexpected, "replace", rc);
	}
	return NULL;
}

static void *replace_race_pinner(void *arg)
{
	struct replace_race *r = arg;
	__u32 item;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_access_pages(r->fd, r->afd, IOVA, 2 * P, NULL, 0,
				      &item);
		if (replace_race_allowed(rc)) {
			atomic_fetch_add(&r->missed, 1);
			continue;
		}
		if (rc) {
			note(&r->unexpected, "pin", rc);
			continue;
		}
		atomic_fetch_add(&r->pins, 1);
		/* The replace may have taken it already. */
		rc = iob_destroy_access_pages(r->fd, r->afd, item);
		if (rc && rc != ENOENT)
			note(&r->unexpected, "destroy pages", rc);
	}
	return NULL;
}

static void *replace_race_copier(void *arg)
{
	struct replace_race *r = arg;
	unsigned int n = 0;
	char tmp[64];
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_access_rw(r->fd, r->afd, IOVA + P - 32, tmp,
				   sizeof(tmp), n++ % 2 ? RW_SLOW : 0);
		if (replace_race_allowed(rc)) {
			atomic_fetch_add(&r->missed, 1);
			continue;
		}
		if (rc) {
			note(&r->unexpected, "rw", rc);
			continue;
		}
		/* All from one IOAS or all from the other. */
		if (memcmp(tmp, buffer + P - 32, sizeof(tmp)) &&
		    memcmp(tmp, buffer + 9 * P - 32, sizeof(tmp)))
			note(&r->unexpected, "rw", -1);
		atomic_fetch_add(&r->copies, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(access, race_replace_against_pin_and_rw, 60)
{
	static void *(*const fn[])(void *) = {
		replace_race_replacer, replace_race_pinner,
		replace_race_copier,
	};
	struct replace_race r = { .fd = self->fd };
	pthread_t t[ARRAY_SIZE(fn)];
	__u32 ioas2;

	fill_random(buffer, 12 * P, 9);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				   IOVA));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas2, buffer + 8 * P, 4 * P,
				   IOVA));
	r.ioas[0] = self->ioas_id;
	r.ioas[1] = ioas2;
	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN, &r.afd));
	ASSERT_EQ(0, start_threads(t, fn, ARRAY_SIZE(fn), &r, &r.stop));
	race_run(&r.stop, &r.replaces, &r.pins);
	join_threads(t, ARRAY_SIZE(fn));
	ksft_print_msg("replaces %ld, pins %ld, copies %ld, missed %ld\n",
		       atomic_load(&r.replaces), atomic_load(&r.pins),
		       atomic_load(&r.copies), atomic_load(&r.missed));
	EXPECT_EQ(0, atomic_load(&r.unexpected));
	EXPECT_LT(0, atomic_load(&r.replaces));
	EXPECT_LT(0, atomic_load(&r.pins));
	EXPECT_LT(0, atomic_load(&r.copies));
	EXPECT_EQ(0, close_access(r.afd));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer + 8 * P, 4 * P, 0));
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P,
				    self->stdev_id ? 1 : 0));
}

TEST_F_TIMEOUT(access, race_slow_unmaps_overlap, 60)
{
	long ok = 0, busy = 0, missed = 0, unexpected = 0;
	unsigned int rounds = 0, i, j;
	__u64 sum, left;
	__u32 item[3];
	double start;
	int afd;

	ASSERT_EQ(0, open_access(self->fd, self->ioas_id, PIN | SLOW_UNMAP,
				 &afd));
	start = now_ms();
	while ((rounds < 4 || ms_since(start) < RACE_MS) &&
	       ms_since(start) < RACE_MAX_MS) {
		struct bg_unmap u[2];
		atomic_int go = 0;
		bool all_ok = true;

		/* Two mappings, pinned in each and across the boundary. */
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id, buffer,
					   2 * P, IOVA));
		ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas_id,
					   buffer + 2 * P, 2 * P,
					   IOVA + 2 * P));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA, P, buffer,
					      0, &item[0]));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + P, 2 * P,
					      buffer + P, 0, &item[1]));
		ASSERT_EQ(0, iob_access_pages(self->fd, afd, IOVA + 3 * P, P,
					      buffer + 3 * P, PIN_WRITE,
					      &item[2]));
		/* Both, and the second alone, at the same time. */
		ASSERT_EQ(0, bg_unmap_start(&u[0], self->fd, self->ioas_id,
					    IOVA, 4 * P, &go));
		if (bg_unmap_start(&u[1], self->fd, self->ioas_id,
				   IOVA + 2 * P, 2 * P, &go)) {
			atomic_store(&go, 1);
			pthread_join(u[0].thread, NULL);
			ASSERT_TRUE(false);
		}
		atomic_store(&go, 1);
		pthread_join(u[0].thread, NULL);
		pthread_join(u[1].thread, NULL);

		sum = 0;
		for (j = 0; j < 2; j++) {
			EXPECT_GT(UNMAP_BOUND_MS, u[j].ms);
			if (!u[j].rc) {
				ok++;
				sum += u[j].unmapped;
				continue;
			}
			all_ok = false;
			if (u[j].rc == ENOENT) {
				missed++;
			} else if (u[j].rc == EBUSY) {
				busy++;
			} else {
				unexpected++;
				TH_LOG("unmap %u: %s", j, strerror(u[j].rc));
			}
		}
		/* Whatever is left goes now; nothing was unmapped twice. */
		left = 0;
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				       &left));
		EXPECT_GE(4 * P, sum + left);
		if (all_ok)
			EXPECT_EQ(4 * P, sum + left);
		left = 1;
		EXPECT_EQ(0, iob_unmap(self->fd, self->ioas_id, 0, UINT64_MAX,
				       &left));
		EXPECT_EQ(0, left);
		for (i = 0; i < ARRAY_SIZE(item); i++)
			EXPECT_EQ(ENOENT, iob_destroy_access_pages(self->fd,
								   afd,
								   item[i]));
		rounds++;
	}
	ksft_print_msg("%u rounds: unmaps done %ld, found none %ld, busy %ld\n",
		       rounds, ok, missed, busy);
	EXPECT_EQ(0, unexpected);
	EXPECT_LT(0, ok);
	EXPECT_EQ(0, iob_check_refs(self->fd, buffer, 4 * P, 0));
	EXPECT_EQ(0, close_access(afd));
}

TEST_HARNESS_MAIN
