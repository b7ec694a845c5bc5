// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_OPTION: RLIMIT_MODE (per file, privileged, only while the file is
 * empty) and HUGE_PAGES (per IOAS), and what the ioctl writes back.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "iob_utils.h"

FIXTURE(opt) {
	int fd;
};

FIXTURE_SETUP(opt)
{
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(opt)
{
	close(self->fd);
}

TEST_F(opt, rlimit_mode_defaults_to_user)
{
	__u64 val;

	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(0, val);
}

TEST_F(opt, rlimit_mode_set_and_get)
{
	__u64 val;

	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(0, val);
}

TEST_F(opt, rlimit_mode_is_per_file)
{
	__u64 val;
	int fd2 = iob_open();

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_EQ(0, iob_option_get(fd2, IOMMU_OPTION_RLIMIT_MODE, 0, &val));
	EXPECT_EQ(0, val);
	close(fd2);
}

TEST_F(opt, rlimit_mode_bad_values_are_einval)
{
	static const __u64 bad[] = { 2, 3, 0x100000000ull, UINT64_MAX };
	unsigned int i;
	__u64 val;

	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(EINVAL, iob_option_set(self->fd,
						 IOMMU_OPTION_RLIMIT_MODE, 0,
						 bad[i]));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(1, val);
}

TEST_F(opt, rlimit_mode_takes_no_object)
{
	__u32 ioas;
	__u64 val;

	EXPECT_EQ(EOPNOTSUPP, iob_option_set(self->fd,
					     IOMMU_OPTION_RLIMIT_MODE, 1, 1));
	EXPECT_EQ(EOPNOTSUPP, iob_option_get(self->fd,
					     IOMMU_OPTION_RLIMIT_MODE, 1,
					     &val));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	EXPECT_EQ(EOPNOTSUPP, iob_option_get(self->fd,
					     IOMMU_OPTION_RLIMIT_MODE, ioas,
					     &val));
}

TEST_F(opt, rlimit_mode_is_frozen_by_any_object)
{
	__u32 ioas, obj;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	EXPECT_EQ(EBUSY, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					1));
	/* Reading stays allowed. */
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, iob_destroy(self->fd, ioas));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));

	/* Objects of other types count as well. */
	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	EXPECT_EQ(EBUSY, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
					0));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				    &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, iob_destroy(self->fd, obj));
	EXPECT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
}

/* Drop CAP_SYS_RESOURCE from all capability sets of this process. */
static int drop_sys_resource(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	int word = CAP_SYS_RESOURCE / 32;
	__u32 bit = 1u << (CAP_SYS_RESOURCE % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[word].effective &= ~bit;
	data[word].permitted &= ~bit;
	data[word].inheritable &= ~bit;
	return syscall(SYS_capset, &hdr, data);
}

TEST_F(opt, rlimit_mode_needs_cap_sys_resource)
{
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		__u64 val = 7;

		if (drop_sys_resource())
			_exit(10);
		if (iob_option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1) !=
		    EPERM)
			_exit(11);
		/* Reading needs no privilege. */
		if (iob_option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				   &val) || val != 0)
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(opt, unknown_op_and_option_are_eopnotsupp)
{
	static const __u16 ops[] = { 2, 3, 0x8000, 0xffff };
	static const __u32 options[] = { 2, 3, 0x1000, UINT32_MAX };
	__u32 ioas;
	unsigned int i;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		val = 0;
		EXPECT_EQ(EOPNOTSUPP, iob_option(self->fd,
						 IOMMU_OPTION_RLIMIT_MODE,
						 ops[i], 0, &val));
		EXPECT_EQ(EOPNOTSUPP, iob_option(self->fd,
						 IOMMU_OPTION_HUGE_PAGES,
						 ops[i], ioas, &val));
	}
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		EXPECT_EQ(EOPNOTSUPP, iob_option_get(self->fd, options[i], 0,
						     &val));
		EXPECT_EQ(EOPNOTSUPP, iob_option_get(self->fd, options[i],
						     ioas, &val));
	}
}

TEST_F(opt, huge_pages_default_set_get)
{
	__u32 ioas;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    0));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    0));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    1));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(1, val);
}

TEST_F(opt, huge_pages_bad_values_are_einval)
{
	static const __u64 bad[] = { 2, 0x100000000ull, UINT64_MAX };
	__u32 ioas;
	unsigned int i;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    0));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(EINVAL, iob_option_set(self->fd,
						 IOMMU_OPTION_HUGE_PAGES, ioas,
						 bad[i]));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(0, val);
}

TEST_F(opt, huge_pages_needs_an_ioas)
{
	__u32 ioas, obj;
	__u64 val;

	/* No object named: ENOENT, as upstream's global_options expects. */
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, 0,
					 &val));
	EXPECT_EQ(ENOENT, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, 0,
					 1));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, ioas, &obj));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj, &val));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj + 1, &val));
	ASSERT_EQ(0, iob_destroy(self->fd, obj));
	ASSERT_EQ(0, iob_destroy(self->fd, ioas));
	EXPECT_EQ(ENOENT, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 ioas, 0));
}

TEST_F(opt, huge_pages_is_per_ioas)
{
	__u32 a, b;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &a));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &b));
	ASSERT_EQ(0, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES, a, 0));
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, b,
				    &val));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, a,
				    &val));
	EXPECT_EQ(0, val);
}

TEST_F(opt, only_val64_is_written_back)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET,
		.object_id = 99,
		.val64 = 0x1234,
	};
	__u32 ioas;

	/* On failure nothing is written. */
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0x1234, cmd.val64);

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	cmd.object_id = ioas;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(1, cmd.val64);
	EXPECT_EQ(sizeof(cmd), cmd.size);
	EXPECT_EQ(IOMMU_OPTION_HUGE_PAGES, cmd.option_id);
	EXPECT_EQ(IOMMU_OPTION_OP_GET, cmd.op);
	EXPECT_EQ(ioas, cmd.object_id);

	/* A set reports the value it stored. */
	cmd.op = IOMMU_OPTION_OP_SET;
	cmd.val64 = 0;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, cmd.val64);
}

TEST_HARNESS_MAIN
