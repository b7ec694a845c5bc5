// SPDX-License-Identifier: GPL-2.0
/*
 * RLIMIT_MEMLOCK accounting of pinned pages: per user by default, per
 * process with IOMMU_OPTION_RLIMIT_MODE, nothing for CAP_IPC_LOCK, and
 * pinned_vm always; charged when pages are pinned (at map with a page
 * table, or at attach), once however often they are mapped, and given back
 * to the last page on unmap, close and after the mapper has exited.
 *
 * Each test runs in its own process (the harness forks one per test), which
 * drops CAP_IPC_LOCK and lowers its limit to what the user has charged
 * already plus a few pages.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "iob_buffer.h"

static __u64 user_locked(int fd)
{
	__u64 locked = UINT64_MAX;

	iob_pin_stats(fd, NULL, &locked);
	return locked;
}

/* Drop CAP_IPC_LOCK unless @keep, and allow @pages more to be locked. */
static int limit_self(int fd, unsigned long pages, bool keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	struct rlimit rl;

	if (!keep) {
		if (syscall(SYS_capget, &hdr, data))
			return -1;
		data[0].effective &= ~(1u << CAP_IPC_LOCK);
		data[0].permitted &= ~(1u << CAP_IPC_LOCK);
		if (syscall(SYS_capset, &hdr, data))
			return -1;
	}
	rl.rlim_cur = (user_locked(fd) + pages) * page_size;
	rl.rlim_max = rl.rlim_cur;
	return setrlimit(RLIMIT_MEMLOCK, &rl);
}

/* Run @fn(@fd) in a child; returns its exit status. */
static int in_child(int (*fn)(int fd), int fd)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(fd));
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* A fresh file with an IOAS and a mock device on it. */
static int open_with_device(__u32 *ioas)
{
	int fd = iob_open();

	if (fd < 0 || iob_ioas_alloc(fd, ioas) ||
	    iob_mock_domain(fd, *ioas, NULL, NULL, NULL))
		return -1;
	return fd;
}

FIXTURE(rlimit) {
	long pinned;
	long objects;
};

FIXTURE_SETUP(rlimit)
{
	self->pinned = module_pinned_pages();
	self->objects = iob_global_objects();
}

FIXTURE_TEARDOWN(rlimit)
{
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(0, buffer_unpinned(buffer, buffer_size));
}

TEST_F(rlimit, user_limit)
{
	__u64 iova, base;
	__u32 ioas;
	int fd = open_with_device(&ioas);

	ASSERT_LE(0, fd);
	base = user_locked(fd);
	ASSERT_EQ(0, limit_self(fd, 4, false));
	ASSERT_EQ(0, iob_map(fd, ioas, buffer, 4 * page_size, &iova));
	EXPECT_EQ(base + 4, user_locked(fd));
	EXPECT_EQ(ENOMEM, iob_map(fd, ioas, buffer + 4 * page_size, page_size,
				  NULL));
	/* The refused map charged nothing and left nothing pinned. */
	EXPECT_EQ(base + 4, user_locked(fd));
	EXPECT_EQ(0, iob_check_refs(fd, buffer + 4 * page_size, page_size, 0));
	ASSERT_EQ(0, iob_unmap(fd, ioas, iova, 4 * page_size, NULL));
	EXPECT_EQ(base, user_locked(fd));
	ASSERT_EQ(0, iob_map(fd, ioas, buffer + 4 * page_size, page_size,
			     NULL));
	EXPECT_EQ(base + 1, user_locked(fd));
	close(fd);
	fd = iob_open();
	EXPECT_EQ(base, user_locked(fd));
	close(fd);
}

TEST_F(rlimit, charged_at_attach)
{
	__u64 base, iova = MOCK_APERTURE_START;
	__u32 ioas, stdev;
	int fd = iob_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	base = user_locked(fd);
	ASSERT_EQ(0, limit_self(fd, 4, false));
	/* Without a page table nothing is pinned, so nothing is charged. */
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, buffer, 8 * page_size, iova));
	EXPECT_EQ(base, user_locked(fd));
	EXPECT_EQ(ENOMEM, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
	EXPECT_EQ(base, user_locked(fd));
	ASSERT_EQ(0, iob_unmap(fd, ioas, iova, 8 * page_size, NULL));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, buffer, 4 * page_size, iova));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, &stdev, NULL, NULL));
	EXPECT_EQ(base + 4, user_locked(fd));
	/* The last page table going unpins and uncharges. */
	ASSERT_EQ(0, iob_destroy(fd, stdev));
	EXPECT_EQ(base, user_locked(fd));
	close(fd);
}

TEST_F(rlimit, copies_charge_once)
{
	__u64 iova, iova2 = 0, base;
	__u32 ioas, ioas2;
	int fd = open_with_device(&ioas);

	ASSERT_LE(0, fd);
	base = user_locked(fd);
	ASSERT_EQ(0, limit_self(fd, 4, false));
	ASSERT_EQ(0, iob_map(fd, ioas, buffer, 4 * page_size, &iova));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas2, NULL, NULL, NULL));
	EXPECT_EQ(0, iob_copy(fd, ioas2, &iova2, ioas, iova, 4 * page_size,
			      IOB_RW));
	EXPECT_EQ(0, iob_copy(fd, ioas, &iova2, ioas, iova, 4 * page_size,
			      IOB_RW));
	EXPECT_EQ(base + 4, user_locked(fd));
	EXPECT_EQ(0, iob_check_refs(fd, buffer, 4 * page_size, 1));
	close(fd);
}

TEST_F(rlimit, process_mode)
{
	long locked, pinned;
	struct rlimit rl;
	__u64 base, iova;
	__u32 ioas;
	int fd = iob_open();

	ASSERT_LE(0, fd);
	/* Needs CAP_SYS_RESOURCE, which we keep. */
	ASSERT_EQ(0, iob_option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	base = user_locked(fd);
	locked = vm_pages("VmLck:");
	pinned = vm_pages("VmPin:");
	ASSERT_LE(0, locked);
	ASSERT_EQ(0, limit_self(fd, 0, false));
	/* This process's own limit, against its own count. */
	rl.rlim_cur = (locked + 4) * page_size;
	rl.rlim_max = rl.rlim_cur;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_map(fd, ioas, buffer, 4 * page_size, &iova));
	EXPECT_EQ(locked + 4, vm_pages("VmLck:"));
	EXPECT_EQ(pinned + 4, vm_pages("VmPin:"));
	EXPECT_EQ(base, user_locked(fd));
	EXPECT_EQ(ENOMEM, iob_map(fd, ioas, buffer, page_size, NULL));
	ASSERT_EQ(0, iob_unmap(fd, ioas, iova, 4 * page_size, NULL));
	EXPECT_EQ(locked, vm_pages("VmLck:"));
	EXPECT_EQ(pinned, vm_pages("VmPin:"));
	close(fd);
}

TEST_F(rlimit, cap_ipc_lock_exempt)
{
	long pinned = vm_pages("VmPin:");
	__u64 base, iova;
	__u32 ioas;
	int fd = open_with_device(&ioas);

	ASSERT_LE(0, fd);
	base = user_locked(fd);
	ASSERT_EQ(0, limit_self(fd, 1, true));
	ASSERT_EQ(0, iob_map(fd, ioas, buffer, 8 * page_size, &iova));
	EXPECT_EQ(base, user_locked(fd));
	/* pinned_vm counts it all the same. */
	EXPECT_EQ(pinned + 8, vm_pages("VmPin:"));
	ASSERT_EQ(0, iob_unmap(fd, ioas, iova, 8 * page_size, NULL));
	EXPECT_EQ(pinned, vm_pages("VmPin:"));
	close(fd);
}

/* Pin three pages through @fd, charged to our user, and exit. */
static int pin_three_pages(int fd)
{
	__u32 ioas;

	if (limit_self(fd, 16, false) || iob_ioas_alloc(fd, &ioas) ||
	    iob_mock_domain(fd, ioas, NULL, NULL, NULL) ||
	    iob_map_fixed(fd, ioas, buffer, 3 * page_size,
			  MOCK_APERTURE_START))
		return 1;
	return 0;
}

TEST_F(rlimit, user_limit_spans_processes)
{
	__u64 base, unmapped;
	__u32 ioas;
	int fd = iob_open(), fd2;

	ASSERT_LE(0, fd);
	base = user_locked(fd);
	/* Another process of ours holds three pages through fd. */
	ASSERT_EQ(0, in_child(pin_three_pages, fd));
	EXPECT_EQ(base + 3, user_locked(fd));

	fd2 = open_with_device(&ioas);
	ASSERT_LE(0, fd2);
	/* Room for four pages, three of them taken by the other process. */
	ASSERT_EQ(0, limit_self(fd2, 1, false));
	EXPECT_EQ(ENOMEM, iob_map(fd2, ioas, buffer + 4 * page_size,
				  2 * page_size, NULL));
	EXPECT_EQ(0, iob_map(fd2, ioas, buffer + 4 * page_size, page_size,
			     NULL));
	close(fd2);

	/* Charged to a user whose process is gone, until unmapped. */
	EXPECT_EQ(base + 3, user_locked(fd));
	ASSERT_EQ(0, iob_unmap(fd, 1, 0, UINT64_MAX, &unmapped));
	EXPECT_EQ(3 * page_size, unmapped);
	EXPECT_EQ(base, user_locked(fd));
	close(fd);
}

TEST_HARNESS_MAIN
