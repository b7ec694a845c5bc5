// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/iommu calling convention: ioctl numbers, the size-first
 * structure protocol, the errno contract, ID rules, and the binary layout
 * against Linux 6.12's headers.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"

#include "abi.h"
#include "iob_utils.h"

/* Every ioctl served so far, with the size of its first version. */
static const struct {
	unsigned long cmd;
	unsigned int min_size;
	unsigned int size;
} served[] = {
	{ IOMMU_DESTROY, 8, sizeof(struct iommu_destroy) },
	{ IOMMU_IOAS_ALLOC, 12, sizeof(struct iommu_ioas_alloc) },
	{ IOMMU_IOAS_ALLOW_IOVAS, 24, sizeof(struct iommu_ioas_allow_iovas) },
	{ IOMMU_IOAS_COPY, 40, sizeof(struct iommu_ioas_copy) },
	{ IOMMU_IOAS_IOVA_RANGES, 32, sizeof(struct iommu_ioas_iova_ranges) },
	{ IOMMU_IOAS_MAP, 40, sizeof(struct iommu_ioas_map) },
	{ IOMMU_IOAS_UNMAP, 24, sizeof(struct iommu_ioas_unmap) },
	{ IOMMU_OPTION, 24, sizeof(struct iommu_option) },
	{ IOMMU_VFIO_IOAS, 12, sizeof(struct iommu_vfio_ioas) },
	{ IOMMU_HWPT_INVALIDATE, 32, sizeof(struct iommu_hwpt_invalidate) },
	{ IOMMU_HWPT_SET_DIRTY_TRACKING, 16,
	  sizeof(struct iommu_hwpt_set_dirty_tracking) },
	{ IOMMU_HWPT_GET_DIRTY_BITMAP, 48,
	  sizeof(struct iommu_hwpt_get_dirty_bitmap) },
	{ IOMMU_FAULT_QUEUE_ALLOC, 16, sizeof(struct iommu_fault_alloc) },
	{ IOMMU_HWPT_ALLOC, 24, sizeof(struct iommu_hwpt_alloc) },
	{ IOMMU_GET_HW_INFO, 32, sizeof(struct iommu_hw_info) },
	{ IOMMU_TEST_CMD, offsetof(struct iommu_test_cmd, last) + 4,
	  sizeof(struct iommu_test_cmd) },
};

static int is_served(unsigned long cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(served); i++)
		if (served[i].cmd == cmd)
			return 1;
	return 0;
}

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* Two pages; the second is made inaccessible. Returns the first. */
static char *guarded_page(void)
{
	char *p = mmap(NULL, 2 * page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page_size(), page_size(), PROT_NONE))
		return NULL;
	return p;
}

static __u64 fd_objects(int fd)
{
	__u64 n = UINT64_MAX;

	iob_obj_count(fd, &n, NULL);
	return n;
}

FIXTURE(abi) {
	int fd;
};

FIXTURE_SETUP(abi)
{
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(abi)
{
	close(self->fd);
}

TEST(layout_matches_linux_6_12)
{
	unsigned int i, bad = 0;

	for (i = 0; abi_ours[i].name; i++) {
		ASSERT_NE(NULL, abi_upstream[i].name);
		ASSERT_EQ(0, strcmp(abi_ours[i].name, abi_upstream[i].name));
		if (abi_ours[i].value != abi_upstream[i].value) {
			TH_LOG("%s: iobroker %llu, Linux 6.12 %llu",
			       abi_ours[i].name,
			       (unsigned long long)abi_ours[i].value,
			       (unsigned long long)abi_upstream[i].value);
			bad++;
		}
	}
	ASSERT_EQ(NULL, abi_upstream[i].name);
	/* The list is not allowed to shrink to nothing by accident. */
	ASSERT_LT(100, i);
	ASSERT_EQ(0, bad);
}

TEST(device_node)
{
	struct stat st;
	int a, b;

	ASSERT_EQ(0, stat(IOB_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Like upstream: root only unless an administrator says otherwise. */
	EXPECT_EQ(0660, st.st_mode & 07777);
	/* Every open is its own context. */
	a = iob_open();
	b = iob_open();
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, iob_ioas_alloc(a, NULL));
	EXPECT_EQ(0, fd_objects(b));
	close(a);
	close(b);
}

TEST_F(abi, unknown_numbers_are_enotty)
{
	__u64 buf[16] = { sizeof(buf) };
	static const char types[] = { 'a', 'z', ';' + 1, ';' - 1 };
	unsigned int nr, i;

	for (nr = 0; nr < 256; nr++) {
		unsigned long cmd = _IO(IOMMUFD_TYPE, nr);

		/* VFIO's container calls: see iobroker_vfio. */
		if (is_served(cmd) || (nr >= 100 && nr <= 102) ||
		    (nr >= 112 && nr <= 114))
			continue;
		memset(buf, 0, sizeof(buf));
		buf[0] = sizeof(buf);
		EXPECT_EQ(ENOTTY, iob_ioctl(self->fd, cmd, buf)) {
			TH_LOG("nr 0x%x", nr);
		}
	}
	/* A served number with another type, direction or size. */
	for (i = 0; i < ARRAY_SIZE(types); i++)
		EXPECT_EQ(ENOTTY, iob_ioctl(self->fd,
					    _IO(types[i], IOMMUFD_CMD_DESTROY),
					    buf));
	EXPECT_EQ(ENOTTY, iob_ioctl(self->fd,
				    _IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
					  struct iommu_ioas_alloc), buf));
	EXPECT_EQ(ENOTTY, iob_ioctl(self->fd,
				    _IOR(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
					 struct iommu_destroy), buf));
	EXPECT_EQ(0, fd_objects(self->fd));
}

TEST_F(abi, bad_pointers_are_efault)
{
	char *page = guarded_page();
	unsigned int i;

	ASSERT_NE(NULL, page);
	for (i = 0; i < ARRAY_SIZE(served); i++) {
		EXPECT_EQ(EFAULT, iob_ioctl(self->fd, served[i].cmd, NULL));
		EXPECT_EQ(EFAULT, iob_ioctl(self->fd, served[i].cmd,
					    page + page_size()));
		/* The size member itself straddles into the guard page. */
		EXPECT_EQ(EFAULT, iob_ioctl(self->fd, served[i].cmd,
					    page + page_size() - 2));
		EXPECT_EQ(EFAULT, iob_ioctl(self->fd, served[i].cmd,
					    (void *)-4096L));
	}
	EXPECT_EQ(0, fd_objects(self->fd));
	munmap(page, 2 * page_size());
}

TEST_F(abi, short_structures_are_einval)
{
	__u64 buf[16];
	unsigned int i, size;

	for (i = 0; i < ARRAY_SIZE(served); i++) {
		for (size = 0; size < served[i].min_size; size++) {
			memset(buf, 0, sizeof(buf));
			memcpy(buf, &size, sizeof(__u32));
			EXPECT_EQ(EINVAL,
				  iob_ioctl(self->fd, served[i].cmd, buf)) {
				TH_LOG("cmd 0x%lx size %u", served[i].cmd,
				       size);
			}
		}
	}
	EXPECT_EQ(0, fd_objects(self->fd));
}

TEST_F(abi, zero_tail_is_accepted)
{
	char *page = guarded_page();
	struct iommu_ioas_alloc *cmd;
	unsigned int extra[] = { 1, 4, 8, 100 };
	unsigned int i;

	ASSERT_NE(NULL, page);
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		memset(page, 0, page_size());
		cmd = (void *)page;
		cmd->size = sizeof(*cmd) + extra[i];
		ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
		EXPECT_EQ(i + 1, cmd->out_ioas_id);
	}
	/* A tail reaching exactly to the end of readable memory. */
	cmd = (void *)(page + page_size() - 64);
	memset(cmd, 0, 64);
	cmd->size = 64;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(5, cmd->out_ioas_id);
	EXPECT_EQ(5, fd_objects(self->fd));
	munmap(page, 2 * page_size());
}

/*
 * A first-version struct, shorter than the kernel's, that ends right where
 * readable memory ends: reading the kernel's length would fault, and the
 * call must still see exactly its struct (here: no such device).
 */
TEST_F(abi, short_struct_at_end_of_memory)
{
	char *page = guarded_page();
	size_t first = offsetof(struct iommu_hw_info, __reserved) + 4;
	struct iommu_hw_info *cmd;

	ASSERT_NE(NULL, page);
	ASSERT_LT(first, sizeof(*cmd));
	cmd = (void *)(page + page_size() - first);
	memset(cmd, 0, first);
	cmd->size = first;
	cmd->dev_id = 12345;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, cmd));
	/* The same struct with the kernel's length but readable in full. */
	cmd = (void *)page;
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->dev_id = 12345;
	EXPECT_EQ(ENOENT, iob_ioctl(self->fd, IOMMU_GET_HW_INFO, cmd));
	munmap(page, 2 * page_size());
}

TEST_F(abi, nonzero_tail_is_e2big)
{
	char *page = guarded_page();
	struct iommu_ioas_alloc *cmd = (void *)page;
	unsigned int at[] = { 0, 3, 7, 200, 4000 };
	unsigned int i;

	ASSERT_NE(NULL, page);
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		memset(page, 0, page_size());
		cmd->size = sizeof(*cmd) + at[i] + 1;
		page[sizeof(*cmd) + at[i]] = 1;
		EXPECT_EQ(E2BIG, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	}
	/* A tail that runs into the guard page cannot be checked. */
	memset(page, 0, page_size());
	cmd = (void *)(page + page_size() - 32);
	cmd->size = 64;
	EXPECT_EQ(EFAULT, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	cmd->size = UINT32_MAX;
	EXPECT_EQ(EFAULT, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(0, fd_objects(self->fd));
	munmap(page, 2 * page_size());
}

TEST_F(abi, reply_stays_within_size)
{
	unsigned char buf[64];
	struct iommu_ioas_alloc *cmd = (void *)buf;
	unsigned int i;

	/* Exactly the first version: nothing after it is touched. */
	memset(buf, 0xa5, sizeof(buf));
	memset(buf, 0, 12);
	cmd->size = 12;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(1, cmd->out_ioas_id);
	for (i = 12; i < sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]);

	/* A longer, zero tail is neither read as input nor overwritten. */
	memset(buf, 0, sizeof(buf));
	buf[40] = 0x5a;
	cmd->size = 40;
	ASSERT_EQ(0, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(2, cmd->out_ioas_id);
	for (i = 12; i < 40; i++)
		ASSERT_EQ(0, buf[i]);
	EXPECT_EQ(0x5a, buf[40]);
}

TEST_F(abi, unknown_flags_and_reserved_are_eopnotsupp)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};
	struct iommu_test_cmd test = {
		.op = IOMMU_TEST_OP_IOB_STATS,
		.__reserved = 1,
	};
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		alloc.flags = 1u << bit;
		EXPECT_EQ(EOPNOTSUPP,
			  iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	}
	opt.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_OPTION, &opt));
	opt.__reserved = 0x8000;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->fd, IOMMU_OPTION, &opt));
	EXPECT_EQ(EOPNOTSUPP, iob_test(self->fd, &test));
	EXPECT_EQ(0, fd_objects(self->fd));
}

TEST_F(abi, unknown_ids_are_enoent)
{
	static const __u32 ids[] = { 0, 1, 2, 0x7fffffff, 0x80000000,
					0xfffffffe, 0xffffffff };
	unsigned int i;
	__u64 val;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		EXPECT_EQ(ENOENT, iob_destroy(self->fd, ids[i]));
		EXPECT_EQ(ENOENT, iob_option_get(self->fd,
						 IOMMU_OPTION_HUGE_PAGES,
						 ids[i], &val));
		EXPECT_EQ(ENOENT, iob_hold(self->fd, ids[i], 0));
	}
}

TEST_F(abi, wrong_object_type_is_enoent)
{
	__u32 ioas, obj;
	__u64 val;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &obj));
	EXPECT_EQ(ENOENT, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj, &val));
	EXPECT_EQ(ENOENT, iob_option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					 obj, 0));
	EXPECT_EQ(ENOENT, iob_kernel_destroy(self->fd, ioas));
	EXPECT_EQ(0, iob_option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas,
				    &val));
	EXPECT_EQ(1, val);
}

TEST_F(abi, ids_start_at_one_lowest_free_first)
{
	__u32 id, i;

	for (i = 1; i <= 6; i++) {
		ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id));
		ASSERT_EQ(i, id);
	}
	ASSERT_EQ(0, iob_destroy(self->fd, 4));
	ASSERT_EQ(0, iob_destroy(self->fd, 2));
	ASSERT_EQ(0, iob_dep_alloc(self->fd, 0, &id));
	EXPECT_EQ(2, id);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id));
	EXPECT_EQ(4, id);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id));
	EXPECT_EQ(7, id);
}

TEST_F(abi, failed_reply_publishes_nothing)
{
	char *page = guarded_page();
	struct iommu_ioas_alloc *cmd = (void *)page;
	__u32 id;

	ASSERT_NE(NULL, page);
	memset(page, 0, page_size());
	cmd->size = sizeof(*cmd);
	/* Readable, so the command is accepted; the reply cannot land. */
	ASSERT_EQ(0, mprotect(page, page_size(), PROT_READ));
	EXPECT_EQ(EFAULT, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(EFAULT, iob_ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	EXPECT_EQ(0, fd_objects(self->fd));
	EXPECT_EQ(ENOENT, iob_destroy(self->fd, 1));
	/* The IDs the failed calls had reserved are free again. */
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &id));
	EXPECT_EQ(1, id);
	munmap(page, 2 * page_size());
}

TEST_F(abi, later_test_ops_are_eopnotsupp)
{
	static const __u32 ops[] = {
		0, IOMMU_TEST_OP_DIRTY,
		IOMMU_TEST_OP_MD_CHECK_IOTLB, IOMMU_TEST_OP_TRIGGER_IOPF,
		IOMMU_TEST_OP_TRIGGER_IOPF + 1, IOMMU_TEST_OP_IOB_BASE - 1,
		IOMMU_TEST_OP_IOB_STATS + 1, UINT32_MAX,
	};
	struct iommu_test_cmd cmd;
	__u32 ioas;
	unsigned int i;

	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas));
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.op = ops[i];
		cmd.id = ioas;
		EXPECT_EQ(EOPNOTSUPP, iob_test(self->fd, &cmd)) {
			TH_LOG("op %u", ops[i]);
		}
	}
	EXPECT_EQ(1, fd_objects(self->fd));
}

TEST_HARNESS_MAIN
