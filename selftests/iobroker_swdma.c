// SPDX-License-Identifier: GPL-2.0
/*
 * The software DMA engine (iobroker_swdma.ko, /dev/iob_swdma), the sample
 * consumer of access objects: copies of many sizes and alignments in both
 * of its modes (pinning pages, and iob_access_rw()), permissions, holes,
 * unmaps, moving between IOASes, the errno contract of its ioctls, a
 * channel outliving its /dev/iommu descriptor, and copies racing unmaps.
 * Every test runs without and with a mock device on the IOAS, and ends by
 * closing everything and checking that nothing stays pinned and no object
 * is left.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "kselftest_harness.h"

#include "../uapi/iobroker/swdma.h"
#include "iob_buffer.h"

#define SWDMA_DEV "/dev/iob_swdma"

/* Pages of each of the fixture's two buffers. */
#define BUF_PAGES 24

static int swdma_open(void)
{
	return open(SWDMA_DEV, O_RDWR | O_CLOEXEC);
}

static int swdma_bind(int chan, int iommufd, __u32 ioas, __u32 *access)
{
	struct iob_swdma_bind cmd = {
		.size = sizeof(cmd),
		.iommufd = iommufd,
		.ioas_id = ioas,
	};
	int rc = iob_ioctl(chan, IOB_SWDMA_BIND, &cmd);

	if (!rc && access)
		*access = cmd.out_access_id;
	return rc;
}

static int swdma_set_ioas(int chan, __u32 ioas)
{
	struct iob_swdma_set_ioas cmd = { .size = sizeof(cmd), .ioas_id = ioas };

	return iob_ioctl(chan, IOB_SWDMA_SET_IOAS, &cmd);
}

/* COPY; *done (if given) gets out_bytes_done, UINT64_MAX if unwritten. */
static int swdma_copy_done(int chan, __u64 src, __u64 dst, __u64 len,
			   __u32 flags, __u64 *done)
{
	struct iob_swdma_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.src_iova = src,
		.dst_iova = dst,
		.length = len,
		.out_bytes_done = UINT64_MAX,
	};
	int rc = iob_ioctl(chan, IOB_SWDMA_COPY, &cmd);

	if (done)
		*done = cmd.out_bytes_done;
	return rc;
}

static int swdma_copy(int chan, __u64 src, __u64 dst, __u64 len, __u32 flags)
{
	return swdma_copy_done(chan, src, dst, len, flags, NULL);
}

static int swdma_info(int chan, struct iob_swdma_info *info)
{
	*info = (struct iob_swdma_info){ .size = sizeof(*info) };
	return iob_ioctl(chan, IOB_SWDMA_INFO, info);
}

static __u64 unmap_calls(int chan)
{
	struct iob_swdma_info info;

	if (swdma_info(chan, &info))
		return UINT64_MAX;
	return info.out_unmap_calls;
}

static __u64 bytes_copied(int chan)
{
	struct iob_swdma_info info;

	if (swdma_info(chan, &info))
		return UINT64_MAX;
	return info.out_bytes_copied;
}

static __u64 ioas_alignment(int fd, __u32 ioas)
{
	struct iommu_iova_range r[4];
	__u32 num = ARRAY_SIZE(r);
	__u64 align = 0;

	if (iob_iova_ranges(fd, ioas, r, &num, &align))
		return 0;
	return align;
}

/* A pattern that differs between neighbouring bytes, pages and seeds. */
static void fill(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(i * 131 + (i >> 11) + seed * 17 + 1);
}

static int all_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static char *alloc_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
}

static const __u32 modes[] = { 0, IOB_SWDMA_COPY_RW };

FIXTURE(swdma) {
	int fd;
	int chan;
	__u32 ioas;
	__u32 access;
	__u32 stdev;
	size_t len;		/* bytes of each buffer */
	char *src;		/* mapped at src_iova, filled with seed 1 */
	char *dst;		/* mapped at dst_iova, zero */
	__u64 src_iova;
	__u64 dst_iova;
	long objects;
	long pinned;
};

FIXTURE_VARIANT(swdma) {
	bool mock_domain;
};

FIXTURE_VARIANT_ADD(swdma, no_domain) {
	.mock_domain = false,
};

FIXTURE_VARIANT_ADD(swdma, mock_domain) {
	.mock_domain = true,
};

FIXTURE_SETUP(swdma)
{
	self->chan = -1;
	self->objects = iob_global_objects();
	self->pinned = module_pinned_pages();
	ASSERT_LE(0, self->objects);
	ASSERT_LE(0, self->pinned);
	self->fd = iob_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &self->ioas));
	if (variant->mock_domain)
		ASSERT_EQ(0, iob_mock_domain(self->fd, self->ioas,
					     &self->stdev, NULL, NULL));

	self->len = BUF_PAGES * page_size;
	self->src = alloc_buf(self->len);
	self->dst = alloc_buf(self->len);
	ASSERT_NE(NULL, self->src);
	ASSERT_NE(NULL, self->dst);
	fill(self->src, self->len, 1);
	/* Inside the mock aperture, with room to spare between them. */
	self->src_iova = MOCK_APERTURE_START;
	self->dst_iova = MOCK_APERTURE_START + 2 * self->len;
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, self->src, self->len,
				   self->src_iova));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, self->dst, self->len,
				   self->dst_iova));

	self->chan = swdma_open();
	if (self->chan < 0)
		TH_LOG("open %s: %s; is iobroker_swdma.ko loaded?", SWDMA_DEV,
		       strerror(errno));
	ASSERT_LE(0, self->chan);
	ASSERT_EQ(0, swdma_bind(self->chan, self->fd, self->ioas,
				&self->access));
}

FIXTURE_TEARDOWN(swdma)
{
	if (self->chan >= 0)
		EXPECT_EQ(0, close(self->chan));
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	EXPECT_EQ(self->pinned, module_pinned_pages());
	EXPECT_EQ(self->objects, iob_global_objects());
	EXPECT_EQ(0, buffer_unpinned(self->src, self->len));
	EXPECT_EQ(0, buffer_unpinned(self->dst, self->len));
	munmap(self->src, self->len);
	munmap(self->dst, self->len);
}

TEST_F(swdma, bind_reports)
{
	struct iob_swdma_info info;

	ASSERT_EQ(0, swdma_info(self->chan, &info));
	EXPECT_EQ(self->ioas, info.out_ioas_id);
	EXPECT_EQ(self->access, info.out_access_id);
	EXPECT_NE(0, info.out_access_id);
	EXPECT_NE(self->ioas, info.out_access_id);
	EXPECT_EQ(0, info.out_bytes_copied);
	EXPECT_EQ(0, info.out_copies);
	/* The access belongs to the engine: userspace cannot destroy it. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->access));
	/* And it holds its IOAS. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, self->ioas));
	/* An idle channel holds no pins: unmapping never waits for it. */
	EXPECT_EQ(0, iob_unmap(self->fd, self->ioas, 0, UINT64_MAX, NULL));
}

/*
 * Sizes from one byte to more than one chunk of pages (the engine pins at
 * most 16 pages at a time), at offsets into the first page on either side
 * that pinning must round down and then copy at.
 */
TEST_F(swdma, copy_sizes_and_offsets)
{
	const size_t lens[] = {
		1, 7, page_size - 1, page_size, page_size + 1,
		3 * page_size + 5, 17 * page_size + 3,
	};
	const size_t offs[][2] = {
		{ 0, 0 }, { 1, 5 }, { page_size - 3, page_size / 2 },
		{ page_size / 2, 0 },
	};
	__u64 bytes = 0, copies = 0, done;
	struct iob_swdma_info info;
	unsigned int m, l, o;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		for (l = 0; l < ARRAY_SIZE(lens); l++) {
			for (o = 0; o < ARRAY_SIZE(offs); o++) {
				size_t len = lens[l], so = offs[o][0];
				size_t d = offs[o][1], end = d + len;

				memset(self->dst, 0, self->len);
				ASSERT_EQ(0, swdma_copy_done(self->chan,
							     self->src_iova + so,
							     self->dst_iova + d,
							     len, modes[m],
							     &done));
				EXPECT_EQ(len, done);
				ASSERT_EQ(0, memcmp(self->dst + d,
						    self->src + so, len))
					TH_LOG("mode %u len %zu src +%zu dst +%zu",
					       modes[m], len, so, d);
				/* Not a byte more on either side. */
				EXPECT_TRUE(all_zero(self->dst, d));
				EXPECT_TRUE(all_zero(self->dst + end,
						     self->len - end));
				bytes += len;
				copies++;
			}
		}
	}
	/* The source was only read. */
	fill(self->dst, self->len, 1);
	EXPECT_EQ(0, memcmp(self->dst, self->src, self->len));

	ASSERT_EQ(0, swdma_info(self->chan, &info));
	EXPECT_EQ(bytes, info.out_bytes_copied);
	EXPECT_EQ(copies, info.out_copies);
}

TEST_F(swdma, copy_within_one_buffer)
{
	unsigned int m;

	/* Source and destination ranges of the same mapping, apart. */
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		memset(self->dst, 0, self->len);
		fill(self->dst, 2 * page_size, 3 + m);
		ASSERT_EQ(0, swdma_copy(self->chan, self->dst_iova + 7,
					self->dst_iova + 12 * page_size + 1,
					2 * page_size - 7, modes[m]));
		EXPECT_EQ(0, memcmp(self->dst + 12 * page_size + 1,
				    self->dst + 7, 2 * page_size - 7));
		EXPECT_TRUE(all_zero(self->dst + 2 * page_size,
				     10 * page_size + 1));
	}
}

TEST_F(swdma, copy_across_mappings)
{
	__u64 iova = MOCK_APERTURE_START + 8 * self->len;
	char *a = alloc_buf(2 * page_size), *b = alloc_buf(2 * page_size);
	char *want = alloc_buf(4 * page_size);
	unsigned int m;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, want);
	fill(a, 2 * page_size, 5);
	fill(b, 2 * page_size, 6);
	memcpy(want, a, 2 * page_size);
	memcpy(want + 2 * page_size, b, 2 * page_size);
	/* Two buffers, back to back in IOVA, far apart in memory. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, a, 2 * page_size,
				   iova));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, b, 2 * page_size,
				   iova + 2 * page_size));
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		memset(self->dst, 0, self->len);
		ASSERT_EQ(0, swdma_copy(self->chan, iova + page_size + 10,
					self->dst_iova + 3, 2 * page_size,
					modes[m]));
		EXPECT_EQ(0, memcmp(self->dst + 3, want + page_size + 10,
				    2 * page_size));
		/* And into them, across the same boundary. */
		ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova,
					iova + page_size + 10, 2 * page_size,
					modes[m]));
		EXPECT_EQ(0, memcmp(a + page_size + 10, self->src,
				    page_size - 10));
		EXPECT_EQ(0, memcmp(b, self->src + page_size - 10,
				    page_size + 10));
		memcpy(a, want, 2 * page_size);
		memcpy(b, want + 2 * page_size, 2 * page_size);
	}
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, iova, 4 * page_size,
			       NULL));
	munmap(a, 2 * page_size);
	munmap(b, 2 * page_size);
	munmap(want, 4 * page_size);
}

/*
 * Which way each mode reaches the memory shows once the user maps other
 * pages at the source's addresses. A pinning copy reads the pages pinned
 * behind the IOVAs: with the mock device those are the old pages, while
 * without a page table nothing holds them and the pin takes what the
 * addresses map now. The iob_access_rw() mode runs in a kernel worker with
 * IOB_ACCESS_RW_KTHREAD, adopts the owner's mm and reads through its
 * addresses: always the new pages.
 */
TEST_F(swdma, modes_after_remap)
{
	size_t len = 2 * page_size;
	char *old = malloc(len);

	ASSERT_NE(NULL, old);
	memcpy(old, self->src, len);
	ASSERT_EQ(self->src, mmap(self->src, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				  -1, 0));
	fill(self->src, len, 9);
	ASSERT_NE(0, memcmp(self->src, old, len));

	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				len, 0));
	EXPECT_EQ(0, memcmp(self->dst, variant->mock_domain ? old : self->src,
			    len));
	memset(self->dst, 0, len);
	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				len, IOB_SWDMA_COPY_RW));
	EXPECT_EQ(0, memcmp(self->dst, self->src, len));
	free(old);
}

TEST_F(swdma, permissions)
{
	__u64 ro = MOCK_APERTURE_START + 8 * self->len, done;
	char *buf = alloc_buf(2 * page_size);
	unsigned int m;

	ASSERT_NE(NULL, buf);
	fill(buf, 2 * page_size, 7);
	ASSERT_EQ(0, iob_map_flags(self->fd, self->ioas, buf, 2 * page_size,
				   &ro, IOMMU_IOAS_MAP_READABLE |
				   IOMMU_IOAS_MAP_FIXED_IOVA));
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		/* Nothing is written through a read-only mapping... */
		EXPECT_EQ(EPERM, swdma_copy_done(self->chan, self->src_iova,
						 ro + 1, page_size, modes[m],
						 &done));
		EXPECT_EQ(0, done);
		/* ...which is fine to read from. */
		memset(self->dst, 0, self->len);
		ASSERT_EQ(0, swdma_copy(self->chan, ro + 1, self->dst_iova,
					page_size, modes[m]));
		EXPECT_EQ(0, memcmp(self->dst, buf + 1, page_size));
	}
	/* The read-only buffer is as it was. */
	fill(self->dst, 2 * page_size, 7);
	EXPECT_EQ(0, memcmp(self->dst, buf, 2 * page_size));
	munmap(buf, 2 * page_size);
}

TEST_F(swdma, holes)
{
	__u64 hole = MOCK_APERTURE_START + 8 * self->len, done, before;
	unsigned int m;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		EXPECT_EQ(ENOENT, swdma_copy(self->chan, hole, self->dst_iova,
					     page_size, modes[m]));
		EXPECT_EQ(ENOENT, swdma_copy(self->chan, self->src_iova, hole,
					     1, modes[m]));

		/* Past the end of the source: the part before is copied. */
		memset(self->dst, 0, self->len);
		before = bytes_copied(self->chan);
		EXPECT_EQ(ENOENT, swdma_copy_done(self->chan,
						  self->src_iova + self->len -
						  page_size, self->dst_iova,
						  2 * page_size, modes[m],
						  &done));
		EXPECT_GE(page_size, done);
		EXPECT_EQ(0, memcmp(self->dst, self->src + self->len -
				    page_size, done));
		EXPECT_EQ(before + done, bytes_copied(self->chan));

		/* The longest copy runs until the buffers end. */
		memset(self->dst, 0, self->len);
		before = bytes_copied(self->chan);
		EXPECT_EQ(ENOENT, swdma_copy_done(self->chan, self->src_iova,
						  self->dst_iova,
						  IOB_SWDMA_COPY_MAX_LENGTH,
						  modes[m], &done));
		EXPECT_GE(self->len, done);
		EXPECT_LT(0, done);
		EXPECT_EQ(0, memcmp(self->dst, self->src, done));
		EXPECT_EQ(before + done, bytes_copied(self->chan));
	}
}

TEST_F(swdma, unmap_ends_copies)
{
	__u64 calls, done;
	unsigned int m;

	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				page_size, 0));
	calls = unmap_calls(self->chan);
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, self->dst_iova,
			       self->len, NULL));
	/*
	 * The core asks the engine only when an unmap meets its pins; an
	 * idle channel has none (the race test below sees the callback).
	 */
	EXPECT_LE(calls, unmap_calls(self->chan));
	memset(self->dst, 0, self->len);
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		EXPECT_EQ(ENOENT, swdma_copy_done(self->chan, self->src_iova,
						  self->dst_iova, page_size,
						  modes[m], &done));
		EXPECT_EQ(0, done);
	}
	EXPECT_TRUE(all_zero(self->dst, self->len));

	/* Mapped again, anywhere: the engine follows the IOVAs. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, self->dst,
				   self->len, self->dst_iova + self->len));
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		memset(self->dst, 0, self->len);
		ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova,
					self->dst_iova + self->len + page_size,
					page_size, modes[m]));
		EXPECT_EQ(0, memcmp(self->dst + page_size, self->src,
				    page_size));
	}
}

TEST_F(swdma, move_to_another_ioas)
{
	char *src2 = alloc_buf(self->len), *dst2 = alloc_buf(self->len);
	struct iob_swdma_info info;
	__u32 ioas2, ioas3;
	__u64 calls;
	unsigned int m;

	ASSERT_NE(NULL, src2);
	ASSERT_NE(NULL, dst2);
	fill(src2, self->len, 2);
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas2));
	if (variant->mock_domain)
		ASSERT_EQ(0, iob_mock_domain(self->fd, ioas2, NULL, NULL,
					     NULL));
	/* Other memory at the same IOVAs. */
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas2, src2, self->len,
				   self->src_iova));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas2, dst2, self->len,
				   self->dst_iova));

	calls = unmap_calls(self->chan);
	ASSERT_EQ(0, swdma_set_ioas(self->chan, ioas2));
	/* Leaving an IOAS tells the engine to let go of all of it. */
	EXPECT_LT(calls, unmap_calls(self->chan));
	ASSERT_EQ(0, swdma_info(self->chan, &info));
	EXPECT_EQ(ioas2, info.out_ioas_id);
	EXPECT_EQ(self->access, info.out_access_id);
	EXPECT_EQ(page_size, ioas_alignment(self->fd, ioas2));
	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		memset(dst2, 0, self->len);
		ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova + 3,
					self->dst_iova, 2 * page_size,
					modes[m]));
		EXPECT_EQ(0, memcmp(dst2, src2 + 3, 2 * page_size));
	}
	EXPECT_TRUE(all_zero(self->dst, self->len));
	/* The channel holds the second IOAS now, and no longer the first. */
	EXPECT_EQ(EBUSY, iob_destroy(self->fd, ioas2));
	EXPECT_EQ(variant->mock_domain ? page_size / 2 : 1,
		  ioas_alignment(self->fd, self->ioas));

	/* Naming the IOAS the channel is on does nothing. */
	calls = unmap_calls(self->chan);
	EXPECT_EQ(0, swdma_set_ioas(self->chan, ioas2));
	EXPECT_EQ(calls, unmap_calls(self->chan));

	/* Failures leave the channel where it was. */
	EXPECT_EQ(ENOENT, swdma_set_ioas(self->chan, 9999));
	EXPECT_EQ(ENOENT, swdma_set_ioas(self->chan, self->access));
	if (self->stdev)
		EXPECT_EQ(ENOENT, swdma_set_ioas(self->chan, self->stdev));
	ASSERT_EQ(0, iob_ioas_alloc(self->fd, &ioas3));
	ASSERT_EQ(0, iob_map_fixed(self->fd, ioas3, buffer, page_size / 2,
				   MOCK_APERTURE_START));
	EXPECT_EQ(EADDRINUSE, swdma_set_ioas(self->chan, ioas3));
	ASSERT_EQ(0, swdma_info(self->chan, &info));
	EXPECT_EQ(ioas2, info.out_ioas_id);
	memset(dst2, 0, self->len);
	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				page_size, 0));
	EXPECT_EQ(0, memcmp(dst2, src2, page_size));

	/* And back. */
	ASSERT_EQ(0, swdma_set_ioas(self->chan, self->ioas));
	memset(self->dst, 0, self->len);
	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				page_size, IOB_SWDMA_COPY_RW));
	EXPECT_EQ(0, memcmp(self->dst, self->src, page_size));
	if (!variant->mock_domain)
		EXPECT_EQ(0, iob_destroy(self->fd, ioas2));
	EXPECT_EQ(0, iob_destroy(self->fd, ioas3));
	/* The teardown checks that src2 and dst2 are unpinned too. */
	close(self->chan);
	self->chan = -1;
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, buffer_unpinned(src2, self->len));
	EXPECT_EQ(0, buffer_unpinned(dst2, self->len));
	munmap(src2, self->len);
	munmap(dst2, self->len);
}

TEST_F(swdma, alignment)
{
	__u64 before = variant->mock_domain ? page_size / 2 : 1;
	struct iob_swdma_info info;
	int chan;

	/* A channel needs whole pages: the IOAS now has PAGE_SIZE. */
	EXPECT_EQ(page_size, ioas_alignment(self->fd, self->ioas));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas, buffer,
					page_size / 2,
					self->dst_iova + self->len));
	EXPECT_EQ(EINVAL, iob_map_fixed(self->fd, self->ioas, buffer,
					page_size,
					self->dst_iova + self->len +
					page_size / 2));
	EXPECT_EQ(0, close(self->chan));
	self->chan = -1;
	EXPECT_EQ(before, ioas_alignment(self->fd, self->ioas));

	/* An IOAS holding a smaller mapping refuses a channel... */
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, buffer,
				   page_size / 2,
				   self->dst_iova + self->len));
	chan = swdma_open();
	ASSERT_LE(0, chan);
	EXPECT_EQ(EADDRINUSE, swdma_bind(chan, self->fd, self->ioas, NULL));
	ASSERT_EQ(0, swdma_info(chan, &info));
	EXPECT_EQ(0, info.out_ioas_id);
	EXPECT_EQ(0, info.out_access_id);
	EXPECT_EQ(ENXIO, swdma_copy(chan, self->src_iova, self->dst_iova, 1,
				    0));
	/* ...until it is gone. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, self->dst_iova + self->len,
			       page_size / 2, NULL));
	ASSERT_EQ(0, swdma_bind(chan, self->fd, self->ioas, NULL));
	EXPECT_EQ(0, swdma_copy(chan, self->src_iova, self->dst_iova, 1, 0));
	self->chan = chan;
}

TEST_F(swdma, bind_errors)
{
	struct iob_swdma_bind cmd = { .size = sizeof(cmd) };
	__u64 in_fd, in_fd_after;
	struct iob_swdma_info info;
	int chan, pipefd[2];
	__u32 access;

	ASSERT_EQ(0, iob_obj_count(self->fd, &in_fd, NULL));
	chan = swdma_open();
	ASSERT_LE(0, chan);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));

	/* An unbound channel does nothing but bind and report. */
	EXPECT_EQ(ENXIO, swdma_copy(chan, self->src_iova, self->dst_iova, 1,
				    0));
	EXPECT_EQ(ENXIO, swdma_set_ioas(chan, self->ioas));
	ASSERT_EQ(0, swdma_info(chan, &info));
	EXPECT_EQ(0, info.out_ioas_id);
	EXPECT_EQ(0, info.out_unmap_calls);

	EXPECT_EQ(EBADF, swdma_bind(chan, -1, self->ioas, NULL));
	EXPECT_EQ(EBADF, swdma_bind(chan, 999, self->ioas, NULL));
	EXPECT_EQ(EBADFD, swdma_bind(chan, pipefd[0], self->ioas, NULL));
	EXPECT_EQ(EBADFD, swdma_bind(chan, chan, self->ioas, NULL));
	EXPECT_EQ(ENOENT, swdma_bind(chan, self->fd, 9999, NULL));
	EXPECT_EQ(ENOENT, swdma_bind(chan, self->fd, self->access, NULL));
	cmd.iommufd = self->fd;
	cmd.ioas_id = self->ioas;
	cmd.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(chan, IOB_SWDMA_BIND, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(chan, IOB_SWDMA_BIND, &cmd));
	EXPECT_EQ(EFAULT, iob_ioctl(chan, IOB_SWDMA_BIND, (void *)8));
	/* None of it left an object behind. */
	ASSERT_EQ(0, iob_obj_count(self->fd, &in_fd_after, NULL));
	EXPECT_EQ(in_fd, in_fd_after);

	ASSERT_EQ(0, swdma_bind(chan, self->fd, self->ioas, &access));
	EXPECT_NE(self->access, access);
	ASSERT_EQ(0, iob_obj_count(self->fd, &in_fd_after, NULL));
	EXPECT_EQ(in_fd + 1, in_fd_after);
	EXPECT_EQ(EBUSY, swdma_bind(chan, self->fd, self->ioas, NULL));

	/* Two channels on one IOAS work side by side. */
	memset(self->dst, 0, self->len);
	ASSERT_EQ(0, swdma_copy(chan, self->src_iova, self->dst_iova,
				page_size, 0));
	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova + page_size,
				self->dst_iova + page_size, page_size, 0));
	EXPECT_EQ(0, memcmp(self->dst, self->src, 2 * page_size));
	EXPECT_EQ(page_size, bytes_copied(chan));
	EXPECT_EQ(page_size, bytes_copied(self->chan));

	EXPECT_EQ(0, close(chan));
	ASSERT_EQ(0, iob_obj_count(self->fd, &in_fd_after, NULL));
	EXPECT_EQ(in_fd, in_fd_after);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST_F(swdma, struct_sizes_and_flags)
{
	struct {
		struct iob_swdma_copy cmd;
		__u64 tail;
	} copy = {
		.cmd = {
			.size = sizeof(copy),
			.src_iova = self->src_iova,
			.dst_iova = self->dst_iova,
			.length = 100,
		},
	};
	struct {
		struct iob_swdma_info cmd;
		__u64 tail;
	} info = { .cmd.size = sizeof(info) };
	struct {
		struct iob_swdma_set_ioas cmd;
		__u64 tail;
	} set = { .cmd = { .size = sizeof(set), .ioas_id = self->ioas } };
	struct iob_swdma_bind bind = { .size = sizeof(bind) };

	/* Longer than the kernel knows, zero past it: fine. */
	EXPECT_EQ(0, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	EXPECT_EQ(100, copy.cmd.out_bytes_done);
	EXPECT_EQ(0, iob_ioctl(self->chan, IOB_SWDMA_INFO, &info));
	EXPECT_EQ(100, info.cmd.out_bytes_copied);
	EXPECT_EQ(0, iob_ioctl(self->chan, IOB_SWDMA_SET_IOAS, &set));
	/* Not zero: E2BIG. */
	copy.tail = 1;
	EXPECT_EQ(E2BIG, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	info.tail = 1;
	EXPECT_EQ(E2BIG, iob_ioctl(self->chan, IOB_SWDMA_INFO, &info));
	set.tail = 1;
	EXPECT_EQ(E2BIG, iob_ioctl(self->chan, IOB_SWDMA_SET_IOAS, &set));
	copy.tail = 0;
	info.tail = 0;
	/* Shorter than the first version: EINVAL. */
	copy.cmd.size = sizeof(copy.cmd) - 8;
	EXPECT_EQ(EINVAL, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	copy.cmd.size = 0;
	EXPECT_EQ(EINVAL, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	info.cmd.size = sizeof(info.cmd) - 8;
	EXPECT_EQ(EINVAL, iob_ioctl(self->chan, IOB_SWDMA_INFO, &info));
	set.cmd.size = 4;
	EXPECT_EQ(EINVAL, iob_ioctl(self->chan, IOB_SWDMA_SET_IOAS, &set));
	bind.size = sizeof(bind) - 4;
	EXPECT_EQ(EINVAL, iob_ioctl(self->chan, IOB_SWDMA_BIND, &bind));
	/* Unreadable: EFAULT. */
	EXPECT_EQ(EFAULT, iob_ioctl(self->chan, IOB_SWDMA_COPY, NULL));
	EXPECT_EQ(EFAULT, iob_ioctl(self->chan, IOB_SWDMA_INFO, (void *)8));
	/* Other numbers of our type, and of iommufd's: ENOTTY. */
	EXPECT_EQ(ENOTTY, iob_ioctl(self->chan, _IO(IOB_SWDMA_TYPE, 0x04),
				    &info));
	EXPECT_EQ(ENOTTY, iob_ioctl(self->chan, IOMMU_IOAS_MAP, &info));

	copy.cmd.size = sizeof(copy.cmd);
	copy.cmd.flags = 1 << 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	copy.cmd.flags = IOB_SWDMA_COPY_RW | 1u << 31;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->chan, IOB_SWDMA_COPY, &copy));
	info.cmd.size = sizeof(info.cmd);
	info.cmd.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, iob_ioctl(self->chan, IOB_SWDMA_INFO, &info));

	/* Lengths and wrapping ranges. */
	EXPECT_EQ(EINVAL, swdma_copy(self->chan, self->src_iova,
				     self->dst_iova, 0, 0));
	EXPECT_EQ(EINVAL, swdma_copy(self->chan, self->src_iova,
				     self->dst_iova,
				     IOB_SWDMA_COPY_MAX_LENGTH + 1, 0));
	EXPECT_EQ(EOVERFLOW, swdma_copy(self->chan, UINT64_MAX - 10,
					self->dst_iova, 100, 0));
	EXPECT_EQ(EOVERFLOW, swdma_copy(self->chan, self->src_iova,
					UINT64_MAX - 10, 100,
					IOB_SWDMA_COPY_RW));
	/* The last byte of the IOVA space is fine, just not mapped. */
	EXPECT_EQ(ENOENT, swdma_copy(self->chan, self->src_iova,
				     UINT64_MAX - 99, 100, 0));
	EXPECT_EQ(ENOENT, swdma_copy(self->chan, UINT64_MAX - 99,
				     self->dst_iova, 100, IOB_SWDMA_COPY_RW));
	EXPECT_EQ(100, bytes_copied(self->chan));
}

/*
 * The /dev/iommu file may be closed first: the channel's access holds it,
 * so its IOASes and mappings live on until the channel closes, and then
 * everything goes.
 */
TEST_F(swdma, outlives_iommufd)
{
	long objects = iob_global_objects();
	__u32 ioas, ioas2;
	int fd, chan;

	ASSERT_LE(0, objects);
	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas2));
	if (variant->mock_domain)
		ASSERT_EQ(0, iob_mock_domain(fd, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, self->src, self->len,
				   MOCK_APERTURE_START));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, self->dst, self->len,
				   MOCK_APERTURE_START + self->len));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas2, self->dst, self->len,
				   MOCK_APERTURE_START));
	chan = swdma_open();
	ASSERT_LE(0, chan);
	ASSERT_EQ(0, swdma_bind(chan, fd, ioas, NULL));
	ASSERT_EQ(0, close(fd));
	EXPECT_LT(objects, iob_global_objects());

	memset(self->dst, 0, self->len);
	ASSERT_EQ(0, swdma_copy(chan, MOCK_APERTURE_START + 5,
				MOCK_APERTURE_START + self->len, 3 * page_size,
				0));
	EXPECT_EQ(0, memcmp(self->dst, self->src + 5, 3 * page_size));
	/* Its IDs still name its objects. */
	ASSERT_EQ(0, swdma_set_ioas(chan, ioas2));
	ASSERT_EQ(0, swdma_copy(chan, MOCK_APERTURE_START + page_size,
				MOCK_APERTURE_START, page_size,
				IOB_SWDMA_COPY_RW));
	EXPECT_EQ(0, memcmp(self->dst, self->src + 5 + page_size, page_size));

	ASSERT_EQ(0, close(chan));
	EXPECT_EQ(objects, iob_global_objects());
}

/*
 * One thread copies out of a range over and over while another unmaps and
 * maps it again. Copies must succeed with the right bytes or fail with
 * ENOENT (not mapped) or EINVAL (being unmapped); unmaps must always
 * succeed, which they only can if the unmap callback unpins in time
 * (EDEADLOCK otherwise). It runs for RACE_MS, and on until the callback
 * has been seen and a copy has succeeded, for at most RACE_MAX_MS.
 */
#define RACE_MS 1000
#define RACE_MAX_MS 10000
#define RACE_PAGES 4

struct race {
	int fd;
	int chan;
	__u32 ioas;
	__u64 iova;		/* where src is mapped and unmapped */
	__u64 dst_iova;
	const char *src;
	char *dst;
	atomic_int stop;
	atomic_long copied;
	atomic_long enoent;
	atomic_long einval;
	atomic_long bad;	/* another errno, or wrong bytes */
	atomic_long remaps;
	atomic_long remap_errors;
};

static void *race_copier(void *arg)
{
	size_t len = RACE_PAGES * page_size;
	struct race *r = arg;
	unsigned int i = 0;
	__u64 done;
	int rc;

	while (!atomic_load(&r->stop)) {
		__u32 mode = modes[i++ % ARRAY_SIZE(modes)];
		/* Half the copies start and end off a page boundary. */
		size_t off = i % 4 < 2 ? 0 : 3;

		memset(r->dst, 0, len);
		rc = swdma_copy_done(r->chan, r->iova + off, r->dst_iova,
				     len - 2 * off, mode, &done);
		if (!rc && !memcmp(r->dst, r->src + off, len - 2 * off)) {
			atomic_fetch_add(&r->copied, 1);
		} else if (rc == ENOENT || rc == EINVAL) {
			atomic_fetch_add(rc == ENOENT ? &r->enoent :
							&r->einval, 1);
			if (done > len - 2 * off ||
			    memcmp(r->dst, r->src + off, done))
				atomic_fetch_add(&r->bad, 1);
		} else {
			fprintf(stderr, "# copy: %s\n", rc ? strerror(rc) :
				"wrong bytes");
			atomic_fetch_add(&r->bad, 1);
		}
	}
	return NULL;
}

static void *race_remapper(void *arg)
{
	size_t len = RACE_PAGES * page_size;
	struct race *r = arg;
	int rc;

	while (!atomic_load(&r->stop)) {
		rc = iob_unmap(r->fd, r->ioas, r->iova, len, NULL);
		if (!rc)
			rc = iob_map_fixed(r->fd, r->ioas, r->src, len,
					   r->iova);
		if (rc) {
			fprintf(stderr, "# remap: %s\n", strerror(rc));
			atomic_fetch_add(&r->remap_errors, 1);
			break;
		}
		atomic_fetch_add(&r->remaps, 1);
	}
	return NULL;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

TEST_F_TIMEOUT(swdma, copy_races_unmap, 60)
{
	struct race r = {
		.fd = self->fd,
		.chan = self->chan,
		.ioas = self->ioas,
		.iova = self->src_iova,
		.dst_iova = self->dst_iova,
		.src = self->src,
		.dst = self->dst,
	};
	size_t len = RACE_PAGES * page_size;
	__u64 calls = unmap_calls(self->chan);
	pthread_t copier, remapper;
	struct timespec start;

	/* The source range is a mapping of its own, to come and go. */
	ASSERT_EQ(0, iob_unmap(self->fd, self->ioas, self->src_iova,
			       self->len, NULL));
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, self->src, len,
				   self->src_iova));

	clock_gettime(CLOCK_MONOTONIC, &start);
	ASSERT_EQ(0, pthread_create(&copier, NULL, race_copier, &r));
	ASSERT_EQ(0, pthread_create(&remapper, NULL, race_remapper, &r));
	while (elapsed_ms(&start) < RACE_MS ||
	       ((unmap_calls(self->chan) == calls ||
		 !atomic_load(&r.copied)) && elapsed_ms(&start) < RACE_MAX_MS))
		usleep(10000);
	atomic_store(&r.stop, 1);
	pthread_join(copier, NULL);
	pthread_join(remapper, NULL);

	ksft_print_msg("%ld remaps; copies: %ld ok, %ld ENOENT, %ld EINVAL; %llu callbacks\n",
		       atomic_load(&r.remaps), atomic_load(&r.copied),
		       atomic_load(&r.enoent), atomic_load(&r.einval),
		       (unsigned long long)(unmap_calls(self->chan) - calls));
	EXPECT_EQ(0, atomic_load(&r.bad));
	EXPECT_EQ(0, atomic_load(&r.remap_errors));
	EXPECT_LT(0, atomic_load(&r.copied));
	EXPECT_LT(0, atomic_load(&r.remaps));
	EXPECT_LT(calls, unmap_calls(self->chan));

	/* Whatever state it was left in, the channel still works. */
	iob_unmap(self->fd, self->ioas, self->src_iova, len, NULL);
	ASSERT_EQ(0, iob_map_fixed(self->fd, self->ioas, self->src, len,
				   self->src_iova));
	memset(self->dst, 0, self->len);
	ASSERT_EQ(0, swdma_copy(self->chan, self->src_iova, self->dst_iova,
				len, 0));
	EXPECT_EQ(0, memcmp(self->dst, self->src, len));
}

TEST_HARNESS_MAIN
