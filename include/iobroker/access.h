/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker in-kernel API: access objects, for kernel code that reads,
 * writes or pins the memory behind the IOVAs of a user's IO address space
 * without a device doing DMA through an IOMMU (software device models,
 * emulated or mediated devices, DMA engines done in software).
 *
 * The calls are exported in the IOBROKER symbol namespace; a consumer
 * says MODULE_IMPORT_NS(IOBROKER). They mirror Linux 6.12's
 * iommufd_access_*() calls one for one, with an iob_ prefix. See
 * docs/access.rst for the rules, the locking and a worked sample.
 */
#ifndef IOBROKER_ACCESS_H
#define IOBROKER_ACCESS_H

#include <linux/bits.h>
#include <linux/types.h>

struct file;
struct iob_access;
struct iob_ctx;
struct page;

/* Flags of iob_access_rw() and iob_access_pin_pages(). */
#define IOB_ACCESS_RW_READ	0
#define IOB_ACCESS_RW_WRITE	BIT(0)
/*
 * The caller is a kernel thread with no mm of its own (a workqueue worker,
 * a kthread): iob_access_rw() may switch to the memory owner's mm and copy
 * with copy_{to,from}_user() instead of pinning. Ignored in any other
 * context.
 */
#define IOB_ACCESS_RW_KTHREAD	BIT(1)
/* Take the pinning path even where a faster one would do; for tests. */
#define IOB_ACCESS_RW_SLOW_PATH	BIT(2)

/**
 * struct iob_access_ops - what a consumer gives iob_access_create()
 * @needs_pin_pages: the consumer will call iob_access_pin_pages(); every
 *	mapping of the IOAS it attaches to must then be page aligned, which
 *	raises the IOAS's IOVA alignment to at least PAGE_SIZE
 * @unmap: required with @needs_pin_pages. Called for every access of an
 *	IOAS when an unmap there meets pages an access holds pinned, with the
 *	span of the pinned mappings; and for this access alone when it leaves
 *	its IOAS (replace, detach, destroy), with @iova 0 and @length
 *	ULONG_MAX, meaning everything. Runs with no iobroker lock held,
 *	possibly at the same time as other calls of this consumer. Before it
 *	returns, the consumer must have stopped using and unpinned
 *	(iob_access_unpin_pages()) every pin that intersects the range; pins
 *	and copies in the range fail with EINVAL meanwhile. It must not wait
 *	for anything that waits for the unmap, such as a lock held around
 *	iob_access_destroy(), iob_access_replace() or iob_access_detach().
 *
 * A consumer that keeps pins makes the unmap fail with EDEADLOCK after a
 * few retries. See docs/access.rst.
 */
struct iob_access_ops {
	u8 needs_pin_pages : 1;
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

/*
 * A /dev/iommu file's context. iob_ctx_from_fd() returns it with a
 * reference the caller drops with iob_ctx_put(); iob_ctx_from_file() takes
 * none (the caller holds the file).
 */
struct iob_ctx *iob_ctx_from_file(struct file *file);
struct iob_ctx *iob_ctx_from_fd(int fd);
void iob_ctx_get(struct iob_ctx *ctx);
void iob_ctx_put(struct iob_ctx *ctx);

/*
 * The calls; their kernel-doc is in iommufd/access.c. The access holds its
 * own reference on the context. iob_access_destroy() detaches (calling
 * @unmap), waits for callbacks still running, and frees.
 */

struct iob_access *iob_access_create(struct iob_ctx *ctx,
				     const struct iob_access_ops *ops,
				     void *data, u32 *id);
void iob_access_destroy(struct iob_access *access);
int iob_access_attach(struct iob_access *access, u32 ioas_id);
int iob_access_replace(struct iob_access *access, u32 ioas_id);
void iob_access_detach(struct iob_access *access);
int iob_access_pin_pages(struct iob_access *access, unsigned long iova,
			 unsigned long length, struct page **out_pages,
			 unsigned int flags);
void iob_access_unpin_pages(struct iob_access *access, unsigned long iova,
			    unsigned long length);
int iob_access_rw(struct iob_access *access, unsigned long iova, void *data,
		  size_t length, unsigned int flags);

#endif
