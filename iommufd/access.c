// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker access objects: the in-kernel API of include/iobroker/access.h.
 *
 * An access is an object (IOB_OBJ_ACCESS) of a /dev/iommu file with no
 * ioctl of its own: kernel code creates it, attaches it to one IOAS at a
 * time and reaches that IOAS's memory through it. It holds a reference on
 * the file (so the context outlives it), a long-term reference on its IOAS
 * while attached, and its consumer holds a long-term reference on it, so
 * IOMMU_DESTROY of its ID answers EBUSY and only iob_access_destroy()
 * removes it.
 *
 * Changing the IOAS (attach, replace, detach, destroy) goes like this,
 * under @ioas_lock: @ioas is cleared, so new pins and copies fail with
 * ENOENT while unpins still find the old IOAS through @ioas_unpin; the
 * access registers with the new IOAS; then, with @ioas_lock dropped
 * because the consumer unpins from inside it, the consumer's unmap
 * callback is called for everything, and the old registration is removed,
 * which waits for callbacks the old IOAS is running. A second change that
 * comes meanwhile finds @ioas != @ioas_unpin and fails with EBUSY.
 */
#include <linux/err.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>

#include "../common/export.h"
#include "access.h"
#include "ioas.h"

/* The kAPI's copy flags go down to the IO page table as they are. */
static_assert(IOB_ACCESS_RW_WRITE == IOPT_RW_WRITE);
static_assert(IOB_ACCESS_RW_KTHREAD == IOPT_RW_KTHREAD);
static_assert(IOB_ACCESS_RW_SLOW_PATH == IOPT_RW_SLOW);

#define IOB_ACCESS_RW_FLAGS \
	(IOB_ACCESS_RW_WRITE | IOB_ACCESS_RW_KTHREAD | IOB_ACCESS_RW_SLOW_PATH)

/**
 * struct iob_access - an in-kernel user of an IOAS
 * @obj: object header
 * @ctx: the file's context; the access holds a reference on the file
 * @ops: the consumer's callbacks
 * @data: passed to them
 * @iova_alignment: PAGE_SIZE if the consumer pins pages, else 1
 * @ioas_lock: protects @ioas, @ioas_unpin, @reg and @npins, and
 *	serialises pins, copies and changes of IOAS
 * @ioas: where pins and copies go; NULL while detached or changing
 * @ioas_unpin: the IOAS the access is registered with, where unpins go;
 *	holds a long-term reference on it
 * @reg: the registration with @ioas_unpin's IO page table
 * @npins: pins not yet unpinned
 * @npages: pages those pins cover, for reports
 */
struct iob_access {
	struct iob_object obj;
	struct iob_ctx *ctx;
	const struct iob_access_ops *ops;
	void *data;
	unsigned long iova_alignment;
	struct mutex ioas_lock;	/* ioas, ioas_unpin, reg, npins, npages */
	struct iob_ioas *ioas;
	struct iob_ioas *ioas_unpin;
	struct iopt_access *reg;
	unsigned long npins;
	unsigned long npages;
};

/* Pages a pin of [iova, iova + length) covers; the range does not wrap. */
static unsigned long iob_access_span(unsigned long iova, unsigned long length)
{
	return ((iova + length - 1) >> PAGE_SHIFT) - (iova >> PAGE_SHIFT) + 1;
}

/* The IO page table's callback: [iova, last] is going away. */
static void iob_access_iopt_unmap(void *data, u64 iova, u64 last)
{
	struct iob_access *access = data;
	unsigned long length;

	/* The whole 64-bit space has no length; it is "up to the end". */
	if (check_add_overflow(last - iova, 1, &length))
		length = ULONG_MAX;
	access->ops->unmap(access->data, iova, length);
}

static const struct iopt_access_ops iob_access_iopt_ops = {
	.unmap = iob_access_iopt_unmap,
};

static int iob_access_change_ioas(struct iob_access *access,
				  struct iob_ioas *new)
{
	struct iob_ioas *cur = access->ioas_unpin;
	struct iopt_access *cur_reg = access->reg, *new_reg = NULL;

	lockdep_assert_held(&access->ioas_lock);
	if (access->ioas != cur)
		return -EBUSY;
	if (cur == new)
		return 0;

	access->ioas = NULL;
	if (new) {
		new_reg = iopt_add_access(&new->iopt, &iob_access_iopt_ops,
					  access, access->iova_alignment);
		if (IS_ERR(new_reg)) {
			access->ioas = cur;
			return PTR_ERR(new_reg);
		}
		iob_object_users_get(&new->obj);
	}
	if (cur) {
		mutex_unlock(&access->ioas_lock);
		if (access->ops->unmap)
			access->ops->unmap(access->data, 0, ULONG_MAX);
		iopt_remove_access(&cur->iopt, cur_reg);
		mutex_lock(&access->ioas_lock);
		/* The consumer broke the unmap contract; its pins stay. */
		WARN_ONCE(access->npins,
			  "iobroker: access %u left its IOAS with %lu pins\n",
			  access->obj.id, access->npins);
		iob_object_users_put(&cur->obj);
	}
	access->ioas = new;
	access->ioas_unpin = new;
	access->reg = new_reg;
	return 0;
}

static int iob_access_change_ioas_id(struct iob_access *access, u32 ioas_id)
{
	struct iob_ioas *ioas;
	int rc;

	lockdep_assert_held(&access->ioas_lock);
	ioas = iob_ioas_get(access->ctx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iob_access_change_ioas(access, ioas);
	iob_ioas_put(ioas);
	return rc;
}

static void iob_access_destroy_obj(struct iob_object *obj)
{
	struct iob_access *access = container_of(obj, struct iob_access, obj);

	mutex_lock(&access->ioas_lock);
	if (access->ioas_unpin)
		WARN_ON(iob_access_change_ioas(access, NULL));
	mutex_unlock(&access->ioas_lock);
	mutex_destroy(&access->ioas_lock);
}

static const struct iob_object_ops iob_access_obj_ops = {
	.type = IOB_OBJ_ACCESS,
	.owner = THIS_MODULE,
	.destroy = iob_access_destroy_obj,
};

/**
 * iob_access_create() - create an access object
 * @ctx: the /dev/iommu file's context (iob_ctx_from_fd()); the access
 *	takes its own reference on it
 * @ops: the consumer's callbacks; must outlive the access
 * @data: passed to @ops
 * @id: set to the object's ID in @ctx, for telling userspace
 *
 * The access starts detached. The consumer owns it until
 * iob_access_destroy().
 *
 * Return: the access; ERR_PTR(-EINVAL) if @ops needs pinned pages but has
 * no unmap callback; -ENOMEM, -ENOSPC (no free ID).
 */
struct iob_access *iob_access_create(struct iob_ctx *ctx,
				     const struct iob_access_ops *ops,
				     void *data, u32 *id)
{
	struct iob_access *access;

	if (ops->needs_pin_pages && !ops->unmap)
		return ERR_PTR(-EINVAL);
	access = iob_object_alloc(ctx, struct iob_access, obj,
				  &iob_access_obj_ops);
	if (IS_ERR(access))
		return access;
	access->ctx = ctx;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? PAGE_SIZE : 1;
	mutex_init(&access->ioas_lock);

	/* The consumer's reference, until iob_access_destroy(). */
	iob_object_users_get(&access->obj);
	iob_ctx_get(ctx);
	iob_object_finalize(ctx, &access->obj);
	*id = access->obj.id;
	return access;
}
EXPORT_SYMBOL_IOB(iob_access_create);

/**
 * iob_access_destroy() - destroy an access
 * @access: from iob_access_create(); the consumer must not use it any
 *	more, from any thread
 *
 * Detaches the access if it is attached, which calls its unmap callback
 * for everything, and waits for callbacks already running. So the caller
 * must not hold anything its unmap callback waits for.
 */
void iob_access_destroy(struct iob_access *access)
{
	struct iob_ctx *ctx = access->ctx;

	/* Only a reference of another object could stop it: none exists. */
	WARN_ON(iob_object_remove(ctx, access->obj.id, &access->obj,
				  IOB_REMOVE_WAIT | IOB_REMOVE_OWNER));
	iob_ctx_put(ctx);
}
EXPORT_SYMBOL_IOB(iob_access_destroy);

/**
 * iob_access_attach() - attach a detached access to an IOAS
 * @access: the access
 * @ioas_id: the IOAS, in the access's context
 *
 * For an access that pins pages, the IOAS's IOVA alignment becomes at
 * least PAGE_SIZE.
 *
 * Return: 0; -EINVAL if the access is attached already; -ENOENT if
 * @ioas_id is not an IOAS; -EADDRINUSE if a mapping of the IOAS is not
 * aligned as the access needs; -ENOMEM.
 */
int iob_access_attach(struct iob_access *access, u32 ioas_id)
{
	int rc = -EINVAL;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas_unpin)
		rc = iob_access_change_ioas_id(access, ioas_id);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_IOB(iob_access_attach);

/**
 * iob_access_replace() - move an attached access to another IOAS
 * @access: the access
 * @ioas_id: the new IOAS; its current one is a no-op
 *
 * The unmap callback runs for everything of the old IOAS first; pins and
 * copies fail with ENOENT until the move is done.
 *
 * Return: 0; -ENOENT if the access is not attached or @ioas_id is not an
 * IOAS; -EBUSY if another change of IOAS is in progress; -EADDRINUSE,
 * -ENOMEM as iob_access_attach(). On error the access stays where it was.
 */
int iob_access_replace(struct iob_access *access, u32 ioas_id)
{
	int rc = -ENOENT;

	mutex_lock(&access->ioas_lock);
	if (access->ioas_unpin)
		rc = iob_access_change_ioas_id(access, ioas_id);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_IOB(iob_access_replace);

/**
 * iob_access_detach() - detach an access from its IOAS
 * @access: an attached access, with no other change of IOAS in progress
 *
 * The unmap callback runs for everything first.
 */
void iob_access_detach(struct iob_access *access)
{
	mutex_lock(&access->ioas_lock);
	if (!WARN_ON(!access->ioas_unpin))
		WARN_ON(iob_access_change_ioas(access, NULL));
	mutex_unlock(&access->ioas_lock);
}
EXPORT_SYMBOL_IOB(iob_access_detach);

static int iob_access_check_range(unsigned long iova, unsigned long length)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return 0;
}

/**
 * iob_access_pin_pages() - pin the pages behind IOVAs
 * @access: an access whose ops have needs_pin_pages
 * @iova: first IOVA; must be the start of a page of the memory, which it
 *	is whenever it is a multiple of PAGE_SIZE
 * @length: bytes
 * @out_pages: filled with the pages covering [@iova, @iova + @length),
 *	one per PAGE_SIZE; the caller may kmap them
 * @flags: IOB_ACCESS_RW_WRITE if the caller will write into them
 *
 * The pages stay pinned until iob_access_unpin_pages() of the same range,
 * which the consumer must call from its unmap callback at the latest.
 * Pages also mapped by page tables or pinned by other accesses are pinned
 * and charged once.
 *
 * Return: 0; -EINVAL for a zero length, a consumer without
 * needs_pin_pages, a range that starts (or crosses between mappings)
 * inside a page, or one being unmapped; -EOVERFLOW if it wraps; -ENOENT
 * if the access is not attached or the range is not mapped from end to
 * end; -EPERM if a mapping does not allow the access; -ENOMEM (also over
 * RLIMIT_MEMLOCK); -EFAULT if the memory is gone.
 */
int iob_access_pin_pages(struct iob_access *access, unsigned long iova,
			 unsigned long length, struct page **out_pages,
			 unsigned int flags)
{
	int rc;

	if (!access->ops->needs_pin_pages || flags & ~IOB_ACCESS_RW_FLAGS)
		return -EINVAL;
	rc = iob_access_check_range(iova, length);
	if (rc)
		return rc;

	mutex_lock(&access->ioas_lock);
	rc = -ENOENT;
	if (access->ioas)
		rc = iopt_access_pin(&access->ioas->iopt, iova, length,
				     out_pages, flags & IOB_ACCESS_RW_WRITE);
	if (!rc) {
		access->npins++;
		access->npages += iob_access_span(iova, length);
	}
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_IOB(iob_access_pin_pages);

/**
 * iob_access_report() - what an access holds, for reports
 * @obj: the access's object, held by the caller
 * @ioas_id: set to the ID of the IOAS it is attached to, or 0
 * @npages: set to the pages its pins cover
 */
void iob_access_report(struct iob_object *obj, u32 *ioas_id, u64 *npages)
{
	struct iob_access *access = container_of(obj, struct iob_access, obj);

	mutex_lock(&access->ioas_lock);
	*ioas_id = access->ioas ? access->ioas->obj.id : 0;
	*npages = access->npages;
	mutex_unlock(&access->ioas_lock);
}

/**
 * iob_access_unpin_pages() - undo iob_access_pin_pages()
 * @access: the access
 * @iova: exactly as pinned
 * @length: exactly as pinned
 *
 * The caller must have stopped using the pages. Works while the access is
 * changing IOAS, for pins made in the old one.
 */
void iob_access_unpin_pages(struct iob_access *access, unsigned long iova,
			    unsigned long length)
{
	if (WARN_ON(iob_access_check_range(iova, length)))
		return;

	mutex_lock(&access->ioas_lock);
	if (!WARN_ON(!access->ioas_unpin || !access->npins) &&
	    !WARN_ON(!iopt_access_unpin(&access->ioas_unpin->iopt, iova,
					length))) {
		access->npins--;
		access->npages -= iob_access_span(iova, length);
	}
	mutex_unlock(&access->ioas_lock);
}
EXPORT_SYMBOL_IOB(iob_access_unpin_pages);

/**
 * iob_access_rw() - copy between a kernel buffer and the memory at IOVAs
 * @access: the access
 * @iova: first IOVA, any alignment
 * @data: kernel buffer
 * @length: bytes
 * @flags: IOB_ACCESS_RW_WRITE to copy @data into the IOAS, else out of
 *	it; IOB_ACCESS_RW_KTHREAD from a kernel thread
 *
 * Needs no pins. In the memory owner's process, and in a kernel thread
 * with IOB_ACCESS_RW_KTHREAD, the copy goes through the owner's user
 * addresses; elsewhere through the pages, pinned for the copy unless
 * something already holds them. Like DMA, it does not check what the
 * owner maps at those addresses now.
 *
 * Return: 0; -EINVAL for a zero length, unknown flags or a range being
 * unmapped; -EOVERFLOW if it wraps; -ENOENT if the access is not attached
 * or the range is not mapped from end to end; -EPERM if a mapping does not
 * allow the direction; -EFAULT if the memory is gone. On error part of the
 * copy may have happened.
 */
int iob_access_rw(struct iob_access *access, unsigned long iova, void *data,
		  size_t length, unsigned int flags)
{
	int rc;

	if (flags & ~IOB_ACCESS_RW_FLAGS)
		return -EINVAL;
	rc = iob_access_check_range(iova, length);
	if (rc)
		return rc;

	mutex_lock(&access->ioas_lock);
	rc = -ENOENT;
	if (access->ioas)
		rc = iopt_access_rw(&access->ioas->iopt, iova, data, length,
				    flags);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_IOB(iob_access_rw);

/**
 * iob_access_ioas_nth_area() - where the nth mapping of the access's IOAS
 *	starts
 * @access: the access
 * @nth: 0 for the lowest mapping
 * @iova: set to its IOVA
 *
 * For the test module's syzkaller mode.
 *
 * Return: 0, or -ENOENT if the access is detached or there are not that
 * many mappings.
 */
int iob_access_ioas_nth_area(struct iob_access *access, unsigned int nth,
			     u64 *iova)
{
	int rc = -ENOENT;

	mutex_lock(&access->ioas_lock);
	if (access->ioas)
		rc = iopt_nth_area(&access->ioas->iopt, nth, iova);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_IOB_TEST(iob_access_ioas_nth_area);
