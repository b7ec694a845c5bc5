/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker object store: one per open /dev/iommu file.
 *
 * See object.c for the lifetime rules and docs/lifetime.rst for the reasons
 * behind them.
 */
#ifndef IOBROKER_OBJECT_H
#define IOBROKER_OBJECT_H

#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/err.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

#include "../iopt/usage.h"

struct file;
struct iob_vfio_spapr;
struct module;

enum iob_obj_type {
	IOB_OBJ_NONE,
	IOB_OBJ_ANY = IOB_OBJ_NONE,
	IOB_OBJ_ACCESS,
	IOB_OBJ_DEVICE,
	IOB_OBJ_HWPT,
	IOB_OBJ_IOAS,
	IOB_OBJ_SELFTEST,
	IOB_OBJ_MAX,
};

/* How pinned pages of a file are charged against RLIMIT_MEMLOCK. */
enum iob_account_mode {
	IOB_ACCOUNT_USER,	/* the owning user's locked_vm (default) */
	IOB_ACCOUNT_MM,		/* the mapping process's locked_vm, as VFIO */
};

/**
 * struct iob_ctx - the state behind one open /dev/iommu file
 * @objects: all objects of the file by ID. The xarray's own lock (xa_lock)
 *	serialises ID reservation, publication, lookup and removal, and is
 *	what makes "look up and take a reference" atomic against destroy.
 * @account_mode: RLIMIT_MEMLOCK charging mode. Written under xa_lock and
 *	only while @objects is empty, so it is stable for as long as any
 *	object exists; readers use READ_ONCE().
 * @file: the open file, or NULL for a context made by in-kernel tests.
 * @vfio_ioas: the IOAS VFIO's container ioctls work on (IOMMU_VFIO_IOAS),
 *	or NULL. Not a reference: written under xa_lock, and cleared under it
 *	by iob_object_remove() when that object leaves the xarray, so a
 *	reader under xa_lock can take it short-term by trylock.
 * @vfio_type: the IOMMU type VFIO_SET_IOMMU chose, 0 before; it decides
 *	how VFIO's IOMMU ioctls are decoded. READ_ONCE()/WRITE_ONCE().
 * @vfio_spapr: the sPAPR TCE v2 container VFIO_SET_IOMMU made, or NULL.
 *	Set once (cmpxchg), read with READ_ONCE(), freed only as the file
 *	is released, which no device bound to the file outlives.
 * @nl_id: the file's number in reports and events (the netlink family),
 *	unique among open files and not soon reused; fixed
 * @owner_pid: thread group that opened the file, in the initial PID
 *	namespace; fixed
 * @owner_uid: its effective user then; fixed
 * @usage: pages the file's IOVA spaces hold pinned, and charged
 */
struct iob_ctx {
	struct xarray objects;
	enum iob_account_mode account_mode;
	struct file *file;
	struct iob_object *vfio_ioas;
	unsigned int vfio_type;
	struct iob_vfio_spapr *vfio_spapr;
	u32 nl_id;
	pid_t owner_pid;
	kuid_t owner_uid;
	struct iopt_usage usage;
};

struct iob_object;

/**
 * struct iob_object_ops - what an object type provides to the store
 * @type: the type lookups check against
 * @owner: module that implements @destroy; pinned while objects exist
 * @destroy: release everything the object holds, including the long-term
 *	references it keeps on other objects. Cannot fail. Called with no
 *	store lock held, after the object left the xarray; the core frees
 *	the memory afterwards.
 * @abort: optional; undo a creation that fails before the object was
 *	published, for types whose @destroy expects a complete object.
 */
struct iob_object_ops {
	enum iob_obj_type type;
	struct module *owner;
	void (*destroy)(struct iob_object *obj);
	void (*abort)(struct iob_object *obj);
};

/**
 * struct iob_object - header every object type starts with
 * @destroy_rwsem: read-held by short-term users (an ioctl working on the
 *	object), always taken with a trylock so that a lookup either gets
 *	the object before destroy starts or fails. Write-held by whoever
 *	destroys the object. Never held across a return to userspace.
 * @users: long-term references: one held by the xarray while the object is
 *	published, one per object or kernel owner that depends on it. A put
 *	never frees; only the destroy paths, which first make the count drop
 *	from exactly "the xarray's" to zero, free the object.
 * @id: the ID userspace sees; fixed from allocation to free
 * @ops: type operations
 * @dead: set under the write side of @destroy_rwsem and xa_lock as the
 *	object leaves the xarray; a lookup under RCU that found the object
 *	before and then gets the read side sees it and lets go
 * @rcu: defers the final kfree past concurrent up_read() tails and lookups
 *	under RCU
 */
struct iob_object {
	struct rw_semaphore destroy_rwsem;
	refcount_t users;
	u32 id;
	bool dead;
	const struct iob_object_ops *ops;
	struct rcu_head rcu;
};

struct iob_ctx *iob_ctx_alloc(void);
void iob_ctx_destroy(struct iob_ctx *ctx);
void iob_ctx_get(struct iob_ctx *ctx);
void iob_ctx_put(struct iob_ctx *ctx);
unsigned long iob_ctx_count_objects(struct iob_ctx *ctx);
long iob_objects_alive(void);

void iob_ctxs_lock(void);
void iob_ctxs_unlock(void);
struct iob_ctx *iob_ctx_find(unsigned long *nl_id);
struct iob_object *iob_object_next(struct iob_ctx *ctx, unsigned long *id,
				   enum iob_obj_type type);

struct iob_object *__iob_object_alloc(struct iob_ctx *ctx, size_t size,
				      const struct iob_object_ops *ops);
/*
 * Allocate a zeroed object of @type whose struct iob_object member is
 * @member. The header has to come first: the core frees the object through
 * the header's address.
 */
#define iob_object_alloc(ctx, type, member, ops)                              \
	({                                                                     \
		struct iob_object *__obj;                                      \
		static_assert(offsetof(type, member) == 0);                    \
		__obj = __iob_object_alloc(ctx, sizeof(type), ops);            \
		IS_ERR(__obj) ? ERR_CAST(__obj) : (type *)__obj;              \
	})

void iob_object_finalize(struct iob_ctx *ctx, struct iob_object *obj);
void iob_object_abort(struct iob_ctx *ctx, struct iob_object *obj);
void iob_object_abort_destroy(struct iob_ctx *ctx, struct iob_object *obj);

struct iob_object *iob_object_get(struct iob_ctx *ctx, u32 id,
				  enum iob_obj_type type);

/**
 * iob_object_put() - drop a reference taken by iob_object_get()
 * @obj: the object
 *
 * Inside an RCU read-side section: the memory of an object a destroyer is
 * waiting for stays valid until up_read() is done with it.
 */
static inline void iob_object_put(struct iob_object *obj)
{
	rcu_read_lock();
	up_read(&obj->destroy_rwsem);
	rcu_read_unlock();
}

void iob_object_users_get(struct iob_object *obj);
bool iob_object_users_tryget(struct iob_object *obj);
void iob_object_users_put(struct iob_object *obj);

/* How iob_object_remove() waits, and the reference its caller gives up. */
enum {
	IOB_REMOVE_WAIT = 1 << 0,	/* sleep until no ioctl holds it */
	IOB_REMOVE_OWNER = 1 << 1,	/* the owner's; kept if it stays */
	IOB_REMOVE_PUT = 1 << 2,	/* a user's; dropped whatever happens */
};

int iob_object_remove(struct iob_ctx *ctx, u32 id, struct iob_object *held,
		      unsigned int flags);

static inline enum iob_obj_type iob_object_type(const struct iob_object *obj)
{
	return obj->ops->type;
}

#endif
