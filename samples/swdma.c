// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker sample: a software DMA engine.
 *
 * The sample consumer of the access kAPI (<iobroker/access.h>). Userspace
 * binds a channel, one open file of /dev/iob_swdma, to an IO address space
 * of a /dev/iommu file and asks it to copy between IOVAs of that space; a
 * kernel worker does the copy with the CPU, as a DMA engine behind an
 * IOMMU would with its bus cycles. The user ABI is uapi/iobroker/swdma.h.
 *
 * The worker reaches the memory in one of two ways:
 *
 *  - pinning (the default): iob_access_pin_pages() hands it the pages
 *    behind a few pages of IOVA on each side, it copies between them and
 *    unpins them again, a chunk at a time;
 *  - iob_access_rw() (IOB_SWDMA_COPY_RW): the core copies the source into
 *    a kernel bounce buffer and the buffer into the destination.
 *
 * What a consumer that pins must get right is the unmap contract: when
 * userspace unmaps a range, or the access leaves its IOAS, the core calls
 * the consumer's unmap callback, which may return only once the consumer
 * has stopped using and has unpinned every page of the range. See
 * swdma_unmap() for how this engine keeps it, and the locking rules below
 * for how it avoids waiting on itself.
 *
 * Locking of a channel:
 *
 *  - cfg_lock: the binding (@access, @ioas_id) and the transfer. BIND,
 *    SET_IOAS and COPY hold it from start to end, so the access a copy
 *    uses cannot change or go away under it.
 *  - xfer_lock: held exactly while the engine holds pins, one chunk at a
 *    time; the unmap callback takes it to wait for that chunk. Nothing
 *    that calls iob_access_replace() or iob_access_destroy() may hold it,
 *    as both call the unmap callback and would wait for themselves.
 *
 * Order: cfg_lock, then xfer_lock (a copy holds cfg_lock while its worker
 * takes xfer_lock; SET_IOAS holds cfg_lock while the core calls the
 * callback). The core's own locks come after both; the core calls the
 * callback with none of them held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <iobroker/access.h>

#include "../uapi/iobroker/swdma.h"

/* Pages pinned on each side by one chunk of a pinning copy. */
#define SWDMA_CHUNK_PAGES	16
/* Bytes moved by one round of an iob_access_rw() copy. */
#define SWDMA_BOUNCE_SIZE	SZ_64K

/* The uapi structures have no padding a compiler could add. */
static_assert(sizeof(struct iob_swdma_bind) == 24);
static_assert(sizeof(struct iob_swdma_set_ioas) == 8);
static_assert(sizeof(struct iob_swdma_copy) == 40);
static_assert(sizeof(struct iob_swdma_info) == 40);

/**
 * struct swdma_xfer - the one copy a channel runs at a time
 * @work: runs swdma_xfer_work() on a kernel worker
 * @access: the channel's access, stable while the copy runs
 * @src: first source IOVA
 * @dst: first destination IOVA
 * @length: bytes to copy
 * @rw: copy with iob_access_rw() through @bounce instead of pinning
 * @bounce: the bounce buffer of an @rw copy, of @bounce_size bytes
 * @bounce_size: size of @bounce
 * @src_pages: the pinned source pages of the chunk in flight
 * @dst_pages: the pinned destination pages of the chunk in flight
 * @done: bytes copied so far
 * @rc: the result, 0 or a negative errno
 *
 * The COPY ioctl fills it in, runs @work and waits for it, all under the
 * channel's cfg_lock; the worker owns it in between.
 */
struct swdma_xfer {
	struct work_struct work;
	struct iob_access *access;
	unsigned long src;
	unsigned long dst;
	unsigned long length;
	bool rw;
	void *bounce;
	size_t bounce_size;
	struct page *src_pages[SWDMA_CHUNK_PAGES];
	struct page *dst_pages[SWDMA_CHUNK_PAGES];
	unsigned long done;
	int rc;
};

/**
 * struct swdma_chan - one open file of /dev/iob_swdma
 * @cfg_lock: protects @access, @ioas_id, @access_id writes and @xfer
 * @xfer_lock: held while the engine holds pins; see swdma_unmap()
 * @access: the access object, NULL until BIND succeeds
 * @ioas_id: the IOAS @access is attached to (read locklessly by INFO)
 * @access_id: @access's ID in its /dev/iommu file (likewise)
 * @xfer: the copy in flight, if any
 * @bytes_copied: bytes all copies wrote, INFO's out_bytes_copied
 * @copies: copies that succeeded
 * @unmap_calls: calls of the unmap callback
 */
struct swdma_chan {
	struct mutex cfg_lock;		/* binding and transfer */
	struct mutex xfer_lock;		/* held while we hold pins */
	struct iob_access *access;
	u32 ioas_id;
	u32 access_id;
	struct swdma_xfer xfer;
	atomic64_t bytes_copied;
	atomic64_t copies;
	atomic64_t unmap_calls;
};

/*
 * The unmap callback: [@iova, @iova + @length - 1] of the channel's IOAS
 * is about to go away, and the core wants none of its pages used or
 * pinned by us when we return.
 *
 * The engine holds pins only inside swdma_copy_pinned(), from its first
 * iob_access_pin_pages() to its last iob_access_unpin_pages(), and that
 * whole stretch runs under xfer_lock. So once we hold xfer_lock, no pin of
 * ours exists, in the range or anywhere else: the chunk in flight, if
 * there was one, has finished and unpinned. A chunk that starts after we
 * drop the lock cannot pin the range either: the core refuses pins of a
 * range while it is being unmapped (the chunk fails with EINVAL), once it
 * is gone (ENOENT), and while the access is off its IOAS. Waiting for the
 * lock is therefore all the callback must do, whatever @iova and @length
 * are; an engine with many chunks in flight would compare them with each
 * chunk and wait only for those that intersect.
 *
 * The callback runs from IOMMU_IOAS_UNMAP in another task, and from our
 * own SET_IOAS (iob_access_replace()) and release (iob_access_destroy()),
 * with none of the core's locks held. Because it waits for xfer_lock,
 * nothing may hold xfer_lock while it waits for an unmap to finish: the
 * calls of replace and destroy hold cfg_lock at most (which is why the
 * callback must never take cfg_lock), and the worker, holding xfer_lock,
 * only pins, copies and unpins, which never wait for an unmap in progress.
 */
static void swdma_unmap(void *data, unsigned long iova, unsigned long length)
{
	struct swdma_chan *chan = data;

	mutex_lock(&chan->xfer_lock);
	atomic64_inc(&chan->unmap_calls);
	mutex_unlock(&chan->xfer_lock);
}

static const struct iob_access_ops swdma_access_ops = {
	.needs_pin_pages = 1,
	.unmap = swdma_unmap,
};

/*
 * One chunk of a pinning copy: pin whole pages around the next bytes of
 * the source and of the destination, copy between them, unpin.
 *
 * Pins must start on a page boundary. Attaching an access that pins makes
 * every mapping of the IOAS page aligned (in IOVA, length and memory), so
 * the page around any mapped IOVA is mapped whole: the chunk pins from
 * the page boundary below the IOVA and copies at the offset into it.
 *
 * Return: the bytes copied, or a negative errno from the kAPI.
 */
static long swdma_copy_pinned(struct swdma_chan *chan, struct swdma_xfer *x)
{
	unsigned long src = x->src + x->done, dst = x->dst + x->done;
	size_t src_off = offset_in_page(src), dst_off = offset_in_page(dst);
	unsigned long src_pin = src - src_off, dst_pin = dst - dst_off;
	size_t len, src_pin_len, dst_pin_len, pos;
	int rc;

	/* As many bytes as fit in SWDMA_CHUNK_PAGES pages on both sides. */
	len = min_t(size_t, x->length - x->done,
		    SWDMA_CHUNK_PAGES * PAGE_SIZE - max(src_off, dst_off));
	src_pin_len = PAGE_ALIGN(src_off + len);
	dst_pin_len = PAGE_ALIGN(dst_off + len);

	mutex_lock(&chan->xfer_lock);
	rc = iob_access_pin_pages(x->access, src_pin, src_pin_len,
				  x->src_pages, IOB_ACCESS_RW_READ);
	if (rc)
		goto out_unlock;
	rc = iob_access_pin_pages(x->access, dst_pin, dst_pin_len,
				  x->dst_pages, IOB_ACCESS_RW_WRITE);
	if (rc)
		goto out_unpin_src;

	/* Copy in pieces that cross a page boundary on neither side. */
	for (pos = 0; pos < len;) {
		size_t s = src_off + pos, d = dst_off + pos;
		size_t n = min3(len - pos, PAGE_SIZE - offset_in_page(s),
				PAGE_SIZE - offset_in_page(d));
		struct page *to_page = x->dst_pages[d >> PAGE_SHIFT];
		void *from, *to;

		from = kmap_local_page(x->src_pages[s >> PAGE_SHIFT]);
		to = kmap_local_page(to_page);
		memcpy(to + offset_in_page(d), from + offset_in_page(s), n);
		kunmap_local(to);
		kunmap_local(from);
		/* The page is user memory; its user may map it elsewhere. */
		flush_dcache_page(to_page);
		pos += n;
	}

	/* Unpin exactly what was pinned: same IOVA, same length. */
	iob_access_unpin_pages(x->access, dst_pin, dst_pin_len);
out_unpin_src:
	iob_access_unpin_pages(x->access, src_pin, src_pin_len);
out_unlock:
	mutex_unlock(&chan->xfer_lock);
	if (rc)
		return rc;
	return len;
}

/*
 * One round of an iob_access_rw() copy: source into the bounce buffer,
 * bounce buffer into the destination. The core pins nothing that outlives
 * the call (with IOB_ACCESS_RW_KTHREAD it may copy from and to the user's
 * memory through its mm), so there is nothing for the unmap callback to
 * wait for and xfer_lock is not needed.
 *
 * Return: the bytes copied, or a negative errno from the kAPI.
 */
static long swdma_copy_rw(struct swdma_xfer *x)
{
	size_t len = min_t(size_t, x->length - x->done, x->bounce_size);
	int rc;

	rc = iob_access_rw(x->access, x->src + x->done, x->bounce, len,
			   IOB_ACCESS_RW_READ | IOB_ACCESS_RW_KTHREAD);
	if (rc)
		return rc;
	rc = iob_access_rw(x->access, x->dst + x->done, x->bounce, len,
			   IOB_ACCESS_RW_WRITE | IOB_ACCESS_RW_KTHREAD);
	if (rc)
		return rc;
	return len;
}

/* The worker: the whole copy, a chunk at a time, until done or an error. */
static void swdma_xfer_work(struct work_struct *work)
{
	struct swdma_xfer *x = container_of(work, struct swdma_xfer, work);
	struct swdma_chan *chan = container_of(x, struct swdma_chan, xfer);
	long n;

	while (x->done < x->length) {
		n = x->rw ? swdma_copy_rw(x) : swdma_copy_pinned(chan, x);
		if (n < 0) {
			x->rc = n;
			return;
		}
		x->done += n;
		cond_resched();
	}
}

/*
 * Read the caller's structure the way /dev/iommu does: @size first, at
 * least @min_size bytes, zero-extended if shorter than @ksize, zero past
 * @ksize if longer.
 */
static int swdma_get_cmd(void *cmd, size_t ksize, size_t min_size,
			 void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	return copy_struct_from_user(cmd, ksize, uarg, usize);
}

/* Write a reply back, no further than the caller's @size. */
static int swdma_put_cmd(void __user *uarg, const void *cmd, size_t ksize)
{
	u32 usize = *(const u32 *)cmd;

	if (copy_to_user(uarg, cmd, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

#define swdma_get(cmd, uarg, last)					\
	swdma_get_cmd(&(cmd), sizeof(cmd),				\
		      offsetofend(typeof(cmd), last), uarg)

static int swdma_bind(struct swdma_chan *chan, void __user *uarg)
{
	struct iob_swdma_bind cmd;
	struct iob_access *access;
	struct iob_ctx *ctx;
	u32 access_id;
	int rc;

	rc = swdma_get(cmd, uarg, __reserved);
	if (rc)
		return rc;
	if (cmd.flags || cmd.__reserved)
		return -EOPNOTSUPP;

	mutex_lock(&chan->cfg_lock);
	rc = -EBUSY;
	if (chan->access)
		goto out_unlock;

	ctx = iob_ctx_from_fd(cmd.iommufd);
	if (IS_ERR(ctx)) {
		rc = PTR_ERR(ctx);
		goto out_unlock;
	}
	/* The access holds the context from here on; drop our reference. */
	access = iob_access_create(ctx, &swdma_access_ops, chan, &access_id);
	iob_ctx_put(ctx);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_unlock;
	}
	rc = iob_access_attach(access, cmd.ioas_id);
	if (rc)
		goto out_destroy;

	/* Reply before publishing: a failed reply leaves the channel unbound. */
	cmd.out_access_id = access_id;
	rc = swdma_put_cmd(uarg, &cmd, sizeof(cmd));
	if (rc)
		goto out_destroy;
	chan->access = access;
	WRITE_ONCE(chan->access_id, access_id);
	WRITE_ONCE(chan->ioas_id, cmd.ioas_id);
	mutex_unlock(&chan->cfg_lock);
	return 0;

out_destroy:
	/* May call swdma_unmap(); we hold cfg_lock only, never xfer_lock. */
	iob_access_destroy(access);
out_unlock:
	mutex_unlock(&chan->cfg_lock);
	return rc;
}

static int swdma_set_ioas(struct swdma_chan *chan, void __user *uarg)
{
	struct iob_swdma_set_ioas cmd;
	int rc;

	rc = swdma_get(cmd, uarg, ioas_id);
	if (rc)
		return rc;

	mutex_lock(&chan->cfg_lock);
	rc = -ENXIO;
	if (chan->access) {
		/* Calls swdma_unmap() for the old IOAS: no xfer_lock here. */
		rc = iob_access_replace(chan->access, cmd.ioas_id);
		if (!rc)
			WRITE_ONCE(chan->ioas_id, cmd.ioas_id);
	}
	mutex_unlock(&chan->cfg_lock);
	return rc;
}

static int swdma_copy(struct swdma_chan *chan, void __user *uarg)
{
	struct swdma_xfer *x = &chan->xfer;
	struct iob_swdma_copy cmd;
	void *bounce = NULL;
	size_t bounce_size = 0;
	u64 src_last, dst_last;
	int rc;

	rc = swdma_get(cmd, uarg, out_bytes_done);
	if (rc)
		return rc;
	if (cmd.flags & ~IOB_SWDMA_COPY_RW)
		return -EOPNOTSUPP;
	if (!cmd.length || cmd.length > IOB_SWDMA_COPY_MAX_LENGTH)
		return -EINVAL;
	/* The kAPI takes IOVAs as unsigned long, narrower on 32-bit. */
	if (check_add_overflow(cmd.src_iova, cmd.length - 1, &src_last) ||
	    check_add_overflow(cmd.dst_iova, cmd.length - 1, &dst_last) ||
	    src_last > ULONG_MAX || dst_last > ULONG_MAX)
		return -EOVERFLOW;

	/*
	 * Allocate here, not in the worker, so that the memory is charged
	 * to the caller's memory cgroup.
	 */
	if (cmd.flags & IOB_SWDMA_COPY_RW) {
		bounce_size = min_t(u64, cmd.length, SWDMA_BOUNCE_SIZE);
		bounce = kmalloc(bounce_size, GFP_KERNEL_ACCOUNT);
		if (!bounce)
			return -ENOMEM;
	}

	mutex_lock(&chan->cfg_lock);
	if (!chan->access) {
		mutex_unlock(&chan->cfg_lock);
		kfree(bounce);
		return -ENXIO;
	}
	x->access = chan->access;
	x->src = cmd.src_iova;
	x->dst = cmd.dst_iova;
	x->length = cmd.length;
	x->rw = cmd.flags & IOB_SWDMA_COPY_RW;
	x->bounce = bounce;
	x->bounce_size = bounce_size;
	x->done = 0;
	x->rc = 0;
	/*
	 * Wait for the worker, uninterruptibly: the transfer lives in the
	 * channel, and it is bounded by IOB_SWDMA_COPY_MAX_LENGTH. Once
	 * flush_work() returns, the work function has returned too.
	 */
	queue_work(system_unbound_wq, &x->work);
	flush_work(&x->work);
	rc = x->rc;
	cmd.out_bytes_done = x->done;
	mutex_unlock(&chan->cfg_lock);
	kfree(bounce);

	atomic64_add(cmd.out_bytes_done, &chan->bytes_copied);
	if (!rc)
		atomic64_inc(&chan->copies);
	/* The copy's own error wins over a failed reply. */
	if (swdma_put_cmd(uarg, &cmd, sizeof(cmd)) && !rc)
		rc = -EFAULT;
	return rc;
}

static int swdma_info(struct swdma_chan *chan, void __user *uarg)
{
	struct iob_swdma_info cmd;
	int rc;

	rc = swdma_get(cmd, uarg, out_unmap_calls);
	if (rc)
		return rc;
	if (cmd.flags)
		return -EOPNOTSUPP;
	/* No lock: a snapshot, which must not wait for a copy in flight. */
	cmd.out_ioas_id = READ_ONCE(chan->ioas_id);
	cmd.out_access_id = READ_ONCE(chan->access_id);
	cmd.out_bytes_copied = atomic64_read(&chan->bytes_copied);
	cmd.out_copies = atomic64_read(&chan->copies);
	cmd.out_unmap_calls = atomic64_read(&chan->unmap_calls);
	return swdma_put_cmd(uarg, &cmd, sizeof(cmd));
}

static long swdma_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct swdma_chan *chan = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOB_SWDMA_BIND:
		return swdma_bind(chan, uarg);
	case IOB_SWDMA_SET_IOAS:
		return swdma_set_ioas(chan, uarg);
	case IOB_SWDMA_COPY:
		return swdma_copy(chan, uarg);
	case IOB_SWDMA_INFO:
		return swdma_info(chan, uarg);
	}
	return -ENOTTY;
}

static int swdma_open(struct inode *inode, struct file *file)
{
	struct swdma_chan *chan;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL_ACCOUNT);
	if (!chan)
		return -ENOMEM;
	mutex_init(&chan->cfg_lock);
	mutex_init(&chan->xfer_lock);
	INIT_WORK(&chan->xfer.work, swdma_xfer_work);
	file->private_data = chan;
	return 0;
}

static int swdma_release(struct inode *inode, struct file *file)
{
	struct swdma_chan *chan = file->private_data;

	/*
	 * No copy is running: a COPY holds a reference on the file until
	 * its worker has finished, so release cannot come before. Destroy
	 * detaches the access, which calls swdma_unmap() (we hold no lock),
	 * waits for any callback still running in another task, and drops
	 * the /dev/iommu file; no callback runs after it, so @chan can go.
	 */
	if (chan->access)
		iob_access_destroy(chan->access);
	mutex_destroy(&chan->xfer_lock);
	mutex_destroy(&chan->cfg_lock);
	kfree(chan);
	return 0;
}

static const struct file_operations swdma_fops = {
	.owner = THIS_MODULE,
	.open = swdma_open,
	.release = swdma_release,
	.unlocked_ioctl = swdma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice swdma_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iob_swdma",
	.mode = 0600,
	.fops = &swdma_fops,
};

module_misc_device(swdma_misc);

MODULE_DESCRIPTION("iobroker sample: software DMA engine over access objects");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(IOBROKER);
