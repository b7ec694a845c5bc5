// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker_test: the access operations of Linux 6.12's iommufd_test.h.
 *
 * IOMMU_TEST_OP_CREATE_ACCESS makes an access object attached to an IOAS
 * and hands userspace a file descriptor for it; closing the descriptor
 * destroys the access. IOMMU_TEST_OP_ACCESS_PAGES pins a range through it
 * and records the pin as an item with an ID, which
 * IOMMU_TEST_OP_DESTROY_ACCESS_PAGES unpins; the unmap callback unpins the
 * items a range being unmapped touches. IOMMU_TEST_OP_ACCESS_RW copies
 * between the caller's buffer and IOVAs.
 *
 * One mutex per access covers pinning and recording an item, so an unmap
 * callback, which takes it too, either sees the item or runs before the
 * pin and makes it fail. A real consumer with a faster pin path needs its
 * own way to the same guarantee.
 */
#include <linux/anon_inodes.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../../iommufd/access.h"
#include "../../iommufd/ioctl.h"
#include "../../uapi/iobroker/iommufd_test.h"
#include "test.h"

/* Upstream's cap on what one operation pins or copies. */
#define STACCESS_MAX_LENGTH SZ_16M

#define STACCESS_CREATE_FLAGS (MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES | \
			       MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP | \
			       MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP)

static_assert((unsigned int)MOCK_ACCESS_RW_WRITE == IOB_ACCESS_RW_WRITE);
static_assert((unsigned int)MOCK_ACCESS_RW_SLOW_PATH ==
	      IOB_ACCESS_RW_SLOW_PATH);

/**
 * struct staccess - the access behind one test access fd
 * @access: the access object
 * @file: the fd's file
 * @flags: create_access.flags
 * @lock: protects @items and @next_id; held across a pin and its record
 * @items: the pins, &struct staccess_item
 * @next_id: the ID of the next item
 */
struct staccess {
	struct iob_access *access;
	struct file *file;
	u32 flags;
	struct mutex lock;	/* items, next_id */
	struct list_head items;
	unsigned int next_id;
};

/**
 * struct staccess_item - one pin
 * @node: in &staccess.items
 * @iova: first IOVA pinned
 * @length: bytes pinned
 * @id: what userspace calls it
 */
struct staccess_item {
	struct list_head node;
	unsigned long iova;
	unsigned long length;
	unsigned int id;
};

static const struct file_operations staccess_fops;

static void staccess_unpin_item(struct staccess *st,
				struct staccess_item *item)
{
	lockdep_assert_held(&st->lock);
	iob_access_unpin_pages(st->access, item->iova, item->length);
	list_del(&item->node);
	kfree(item);
}

/* Unpin every item that touches [iova, last]. */
static void staccess_unpin_range(struct staccess *st, unsigned long iova,
				 unsigned long last)
{
	struct staccess_item *item, *next;

	mutex_lock(&st->lock);
	list_for_each_entry_safe(item, next, &st->items, node) {
		if (item->iova > last || item->iova + item->length - 1 < iova)
			continue;
		staccess_unpin_item(st, item);
	}
	mutex_unlock(&st->lock);
}

static void staccess_unmap(void *data, unsigned long iova,
			   unsigned long length)
{
	struct staccess *st = data;
	unsigned long last;

	if (check_add_overflow(iova, length - 1, &last))
		last = ULONG_MAX;
	if (st->flags & MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP)
		msleep(MOCK_ACCESS_IOB_SLOW_UNMAP_MSEC);
	/*
	 * The broken consumer ignores unmaps, but not the access leaving its
	 * IOAS, which must find nothing pinned.
	 */
	if ((st->flags & MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP) &&
	    !(iova == 0 && length == ULONG_MAX))
		return;
	staccess_unpin_range(st, iova, last);
}

static const struct iob_access_ops staccess_ops_pin = {
	.needs_pin_pages = 1,
	.unmap = staccess_unmap,
};

static const struct iob_access_ops staccess_ops = {
	.unmap = staccess_unmap,
};

static int staccess_release(struct inode *inode, struct file *file)
{
	struct staccess *st = file->private_data;

	if (st->access) {
		staccess_unpin_range(st, 0, ULONG_MAX);
		iob_access_destroy(st->access);
	}
	mutex_destroy(&st->lock);
	kfree(st);
	return 0;
}

static const struct file_operations staccess_fops = {
	.owner = THIS_MODULE,
	.release = staccess_release,
};

/* The access behind @fd, with a reference on its file: fput() it. */
static struct staccess *staccess_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADFD);
	if (file->f_op != &staccess_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

static int create_access(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	u32 flags = cmd->create_access.flags;
	struct iob_access *access;
	struct staccess *st;
	int fd, rc;
	u32 id;

	if (flags & ~STACCESS_CREATE_FLAGS)
		return -EOPNOTSUPP;
	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return -ENOMEM;
	st->flags = flags;
	mutex_init(&st->lock);
	INIT_LIST_HEAD(&st->items);
	st->file = anon_inode_getfile("[iobroker_test_access]", &staccess_fops,
				      st, O_RDWR);
	if (IS_ERR(st->file)) {
		rc = PTR_ERR(st->file);
		mutex_destroy(&st->lock);
		kfree(st);
		return rc;
	}
	/* From here the file owns @st: fput() frees it. */
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		rc = fd;
		goto out_fput;
	}
	access = iob_access_create(ucmd->ctx,
				   flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES ?
				   &staccess_ops_pin : &staccess_ops, st, &id);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_put_fd;
	}
	rc = iob_access_attach(access, cmd->id);
	if (rc)
		goto out_destroy;
	cmd->create_access.out_access_fd = fd;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_destroy;
	st->access = access;
	fd_install(fd, st->file);
	return 0;

out_destroy:
	iob_access_destroy(access);
out_put_fd:
	put_unused_fd(fd);
out_fput:
	fput(st->file);
	return rc;
}

/*
 * Syzkaller cannot know the IOVAs its maps got, so in its mode the 64-bit
 * IOVA holds, in memory order, which mapping and how far into it. Like
 * upstream, a mapping that does not exist gives IOVA 0.
 */
static unsigned long staccess_syz_iova(struct staccess *st, const u64 *iova)
{
	struct {
		u32 nth_area;
		u32 offset;
	} syz;
	u64 start;

	memcpy(&syz, iova, sizeof(syz));
	if (iob_access_ioas_nth_area(st->access, syz.nth_area, &start))
		return 0;
	return start + syz.offset;
}

/* Are @pages the pages the caller maps from @uptr on? */
static int staccess_check_pages(unsigned long uptr, struct page **pages,
				unsigned long npages)
{
	for (; npages; npages--, pages++, uptr += PAGE_SIZE) {
		phys_addr_t pa;
		int rc;

		rc = iob_test_user_phys(uptr, &pa);
		if (rc)
			return rc;
		if (pa != page_to_phys(*pages))
			return -EBADE;
	}
	return 0;
}

static unsigned long staccess_npages(unsigned long iova,
				     unsigned long length)
{
	unsigned long last;

	/* The pin refuses these; one page keeps the array valid meanwhile. */
	if (!length || check_add_overflow(iova, length - 1, &last))
		return 1;
	return (last >> PAGE_SHIFT) - (iova >> PAGE_SHIFT) + 1;
}

static int access_pages(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	unsigned long length = cmd->access_pages.length;
	unsigned long uptr = cmd->access_pages.uptr;
	u32 flags = cmd->access_pages.flags;
	unsigned long iova = cmd->access_pages.iova, npages;
	struct staccess_item *item;
	struct staccess *st;
	struct page **pages;
	int rc;

	if (length > STACCESS_MAX_LENGTH)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	st = staccess_get(cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	rc = -EOPNOTSUPP;
	if (!(st->flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES))
		goto out_fput;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = staccess_syz_iova(st, &cmd->access_pages.iova);

	npages = staccess_npages(iova, length);
	rc = -ENOMEM;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		goto out_fput;
	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!item)
		goto out_free;

	mutex_lock(&st->lock);
	rc = iob_access_pin_pages(st->access, iova, length, pages,
				  flags & MOCK_FLAGS_ACCESS_WRITE ?
				  IOB_ACCESS_RW_WRITE : IOB_ACCESS_RW_READ);
	if (rc)
		goto out_unlock;
	/* Syzkaller passes no buffer to compare with. */
	if (uptr) {
		rc = staccess_check_pages(uptr - (iova & ~PAGE_MASK), pages,
					  npages);
		if (rc)
			goto out_unpin;
	}
	item->iova = iova;
	item->length = length;
	item->id = st->next_id++;
	cmd->access_pages.out_access_pages_id = item->id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_unpin;
	list_add_tail(&item->node, &st->items);
	item = NULL;
	goto out_unlock;

out_unpin:
	iob_access_unpin_pages(st->access, iova, length);
out_unlock:
	mutex_unlock(&st->lock);
	kfree(item);
out_free:
	kvfree(pages);
out_fput:
	fput(st->file);
	return rc;
}

static int destroy_access_pages(struct iommu_test_cmd *cmd)
{
	unsigned int id = cmd->destroy_access_pages.access_pages_id;
	struct staccess_item *item;
	struct staccess *st;
	int rc = -ENOENT;

	st = staccess_get(cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	mutex_lock(&st->lock);
	list_for_each_entry(item, &st->items, node) {
		if (item->id != id)
			continue;
		staccess_unpin_item(st, item);
		rc = 0;
		break;
	}
	mutex_unlock(&st->lock);
	fput(st->file);
	return rc;
}

static int access_rw(struct iommu_test_cmd *cmd)
{
	void __user *ubuf = u64_to_user_ptr(cmd->access_rw.uptr);
	unsigned long length = cmd->access_rw.length;
	unsigned long iova = cmd->access_rw.iova;
	u32 flags = cmd->access_rw.flags;
	bool write = flags & MOCK_ACCESS_RW_WRITE;
	struct staccess *st;
	void *buf;
	int rc;

	if (length > STACCESS_MAX_LENGTH)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	st = staccess_get(cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	rc = -ENOMEM;
	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto out_fput;
	rc = -EFAULT;
	if (write && copy_from_user(buf, ubuf, length))
		goto out_free;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = staccess_syz_iova(st, &cmd->access_rw.iova);
	rc = iob_access_rw(st->access, iova, buf, length,
			   flags & (MOCK_ACCESS_RW_WRITE |
				    MOCK_ACCESS_RW_SLOW_PATH));
	if (!rc && !write && copy_to_user(ubuf, buf, length))
		rc = -EFAULT;
out_free:
	kvfree(buf);
out_fput:
	fput(st->file);
	return rc;
}

static int access_replace_ioas(struct iommu_test_cmd *cmd)
{
	struct staccess *st;
	int rc;

	st = staccess_get(cmd->id);
	if (IS_ERR(st))
		return PTR_ERR(st);
	rc = iob_access_replace(st->access, cmd->access_replace_ioas.ioas_id);
	fput(st->file);
	return rc;
}

/**
 * iob_test_access() - serve one of the access operations
 * @ucmd: the call
 * @cmd: its command
 *
 * Return: the operation's result, -EOPNOTSUPP if @cmd->op is not one.
 */
int iob_test_access(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	switch (cmd->op) {
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return access_replace_ioas(cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return destroy_access_pages(cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return access_rw(cmd);
	default:
		return -EOPNOTSUPP;
	}
}
