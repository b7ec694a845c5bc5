// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker object store.
 *
 * Every open /dev/iommu file owns a context holding its objects in an
 * xarray, keyed by a 31-bit ID that starts at 1. An object moves through
 * these states:
 *
 *   reserved   __iob_object_alloc() took an ID and stored XA_ZERO_ENTRY
 *              under it: the ID is taken but lookups see nothing.
 *   published  iob_object_finalize() stored the object; it can be found.
 *   removed    a destroy path erased it from the xarray; nobody can find
 *              it any more, its destroy op runs and its memory is freed.
 *
 * A creator that fails before finalize calls iob_object_abort*() and the
 * ID is released as if it was never taken. An object an ioctl creates for
 * userspace (an IOAS, a HWPT of IOMMU_HWPT_ALLOC) is finalized only after
 * the reply carrying its ID was written, with nothing that can fail in
 * between, so it is visible if and only if userspace was told its ID.
 * Objects the kernel makes on the side of another operation are finalized
 * as soon as they are complete, before that operation's reply: a device
 * at bind, an automatic HWPT when a device attaches to an IOAS. Another
 * thread of the file can find them by their ID from then on (and cannot
 * destroy them: their owner holds them). If the reply then cannot be
 * written, the operation is undone: the device is unbound, or detached,
 * and an automatic HWPT left without devices goes away.
 *
 * Two counts keep a published object alive:
 *
 *  - destroy_rwsem, read side: short-term users. An ioctl takes it with
 *    iob_object_get() for the duration of one call. Lookups use a trylock:
 *    an object that is being destroyed is simply not found. The fast path
 *    looks up under RCU and checks @dead, set before a successful destroy
 *    lets go of the write side; if that fails, it looks again under
 *    xa_lock, which IOMMU_DESTROY holds while it has the write side, so
 *    that a destroy that fails with EBUSY never makes the object look
 *    gone. (A destroy by a kernel owner, which sleeps for the write side,
 *    hides the object while it waits, as documented there.)
 *
 *  - users: long-term users. The xarray holds one; every object that
 *    depends on this one (a page table on its IOAS, ...) and every kernel
 *    owner holds one more. iob_object_users_get() may only be called while
 *    holding a short-term or long-term reference already.
 *
 * Every destroy goes through iob_object_remove(), which needs the write
 * side (no ioctl is using the object) and users to drop from one to zero
 * (nothing depends on it). Its flags make the differences:
 *
 *  - from userspace (IOMMU_DESTROY) it must not sleep: the write side by
 *    trylock, under xa_lock, else EBUSY;
 *  - from a kernel owner it must succeed: it sleeps in down_write() until
 *    in-flight ioctls are done, then removes the object if the only
 *    long-term users left are the xarray and the owner itself;
 *  - an object the kernel made for a user goes with its last user, if no
 *    ioctl holds it right now;
 *  - closing the file destroys every object with nothing depending on it,
 *    over and over, so dependents always go before what they depend on.
 *
 * Freeing: no put path frees. Dropping a users reference never reaches
 * zero (the xarray's reference is only taken away by a destroy path), and
 * dropping a short-term reference is an up_read(). up_read() can still be
 * touching the semaphore after a waiting writer has been let in, so the
 * destroyer frees the memory only after an RCU grace period and
 * iob_object_put() does its up_read() inside an RCU read-side section.
 * This is the use-after-free upstream iommufd had with the same design in
 * 2023, closed by construction here.
 *
 * Each object type gets its own lockdep class for destroy_rwsem, so that
 * holding one object while destroying another of a different type is not
 * reported as recursion.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "../common/event.h"
#include "../common/export.h"
#include "../common/fault.h"
#include "object.h"

static bool iob_object_tryhold(struct iob_object *obj, enum iob_obj_type type);

/* Objects alive in all contexts, reserved ones included; for tests. */
static atomic_long_t iob_alive = ATOMIC_LONG_INIT(0);

static struct lock_class_key iob_destroy_keys[IOB_OBJ_MAX];
static const char *const iob_destroy_names[IOB_OBJ_MAX] = {
	[IOB_OBJ_NONE] = "iob_none_destroy_rwsem",
	[IOB_OBJ_ACCESS] = "iob_access_destroy_rwsem",
	[IOB_OBJ_DEVICE] = "iob_device_destroy_rwsem",
	[IOB_OBJ_HWPT] = "iob_hwpt_destroy_rwsem",
	[IOB_OBJ_IOAS] = "iob_ioas_destroy_rwsem",
	[IOB_OBJ_SELFTEST] = "iob_selftest_destroy_rwsem",
};

/*
 * Every context by its netlink number, so that reports can find them. The
 * xarray's lock covers adding and removing; iob_ctxs_mutex is held by
 * whoever reads contexts found here (a netlink dump), and a context leaves
 * under it before it is torn down, so a context found under the mutex
 * stays until the mutex is released. Taken before any object's locks.
 */
static DEFINE_XARRAY_ALLOC1(iob_ctxs);
static DEFINE_MUTEX(iob_ctxs_mutex);
static u32 iob_ctxs_next;

/* Report a file's coming or going. */
static void iob_ctx_event(struct iob_ctx *ctx, enum iob_event_kind kind)
{
	struct iob_event ev = {
		.kind = kind,
		.file = ctx->nl_id,
		.pid = ctx->owner_pid,
		.uid = from_kuid(&init_user_ns, ctx->owner_uid),
	};

	if (iob_event_wanted())
		iob_event_send(&ev);
}

/**
 * iob_ctx_alloc() - create an empty object context
 *
 * The calling process and its effective user become the context's owner.
 *
 * Return: the context, or NULL when out of memory.
 */
struct iob_ctx *iob_ctx_alloc(void)
{
	struct iob_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	xa_init_flags(&ctx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	ctx->account_mode = IOB_ACCOUNT_USER;
	ctx->owner_pid = task_tgid_nr(current);
	ctx->owner_uid = current_euid();
	/* Cyclic numbers: a listener does not mistake a new file for one gone. */
	if (xa_alloc_cyclic(&iob_ctxs, &ctx->nl_id, ctx, xa_limit_31b,
			    &iob_ctxs_next, GFP_KERNEL_ACCOUNT) < 0) {
		kfree(ctx);
		return NULL;
	}
	iob_ctx_event(ctx, IOB_EV_FILE_NEW);
	return ctx;
}
EXPORT_SYMBOL_IOB_TEST(iob_ctx_alloc);

/**
 * iob_ctx_get() - take a reference on a context
 * @ctx: a context the caller already holds, through a reference or its
 *	file
 *
 * The reference keeps the /dev/iommu file open, and so the context and
 * its objects alive, after userspace has closed it.
 */
void iob_ctx_get(struct iob_ctx *ctx)
{
	if (ctx->file)
		get_file(ctx->file);
}
EXPORT_SYMBOL_IOB(iob_ctx_get);

/**
 * iob_ctx_put() - drop a reference taken by iob_ctx_get() or
 *	iob_ctx_from_fd()
 * @ctx: the context; gone with the last reference to its file
 */
void iob_ctx_put(struct iob_ctx *ctx)
{
	if (ctx->file)
		fput(ctx->file);
}
EXPORT_SYMBOL_IOB(iob_ctx_put);

static void iob_object_free(struct iob_object *obj)
{
	struct module *owner = obj->ops->owner;

	kfree_rcu(obj, rcu);
	atomic_long_dec(&iob_alive);
	module_put(owner);
}

/* The object has left the xarray and has no users: tear it down. */
static void iob_object_release(struct iob_object *obj)
{
	obj->ops->destroy(obj);
	iob_object_free(obj);
}

/**
 * iob_ctx_destroy() - destroy every object of a context, then the context
 * @ctx: context with no ioctl running and no kernel owner left
 *
 * Objects nothing depends on go first; their destruction drops the
 * references they held, which turns the objects they depended on into
 * leaves for the next pass. A pass that destroys nothing means a reference
 * was leaked; the remaining objects are leaked too rather than freed while
 * something may still point at them.
 */
void iob_ctx_destroy(struct iob_ctx *ctx)
{
	struct iob_object *obj;
	unsigned long id;

	/* Out of reports first; a dump reading the context is waited for. */
	mutex_lock(&iob_ctxs_mutex);
	xa_erase(&iob_ctxs, ctx->nl_id);
	mutex_unlock(&iob_ctxs_mutex);
	while (!xa_empty(&ctx->objects)) {
		unsigned int done = 0;

		/*
		 * No ioctl runs on a file being released; waiting for the
		 * write side anyway makes a short-term holder we do not know
		 * about a hang lockdep can see, not a use after free.
		 */
		xa_for_each(&ctx->objects, id, obj)
			if (!iob_object_remove(ctx, id, obj, IOB_REMOVE_WAIT))
				done++;
		if (WARN_ON_ONCE(!done))
			break;
	}
	xa_destroy(&ctx->objects);
	iob_ctx_event(ctx, IOB_EV_FILE_DEL);
	kfree(ctx);
}
EXPORT_SYMBOL_IOB_TEST(iob_ctx_destroy);

/**
 * iob_ctxs_lock() - keep the contexts iob_ctx_find() finds from going
 *
 * Taken before any lock of a context or its objects.
 */
void iob_ctxs_lock(void)
{
	mutex_lock(&iob_ctxs_mutex);
}
EXPORT_SYMBOL_IOB_TEST(iob_ctxs_lock);

/**
 * iob_ctxs_unlock() - let contexts go again
 */
void iob_ctxs_unlock(void)
{
	mutex_unlock(&iob_ctxs_mutex);
}
EXPORT_SYMBOL_IOB_TEST(iob_ctxs_unlock);

/**
 * iob_ctx_find() - the context with the lowest number from @nl_id on
 * @nl_id: in: where to start; out: the number of the context found
 *
 * Under iob_ctxs_lock(); the context stays valid until iob_ctxs_unlock().
 *
 * Return: the context, or NULL if there is none from @nl_id on.
 */
struct iob_ctx *iob_ctx_find(unsigned long *nl_id)
{
	lockdep_assert_held(&iob_ctxs_mutex);
	return xa_find(&iob_ctxs, nl_id, U32_MAX, XA_PRESENT);
}
EXPORT_SYMBOL_IOB_TEST(iob_ctx_find);

/**
 * iob_object_next() - hold the published object with the lowest ID from
 *	@id on
 * @ctx: the context, kept alive by the caller
 * @id: in: where to start; out: the ID of the object found
 * @type: only objects of this type, or IOB_OBJ_ANY
 *
 * Objects being destroyed are skipped. Release with iob_object_put().
 *
 * Return: the object held short-term, or NULL if there is none.
 */
struct iob_object *iob_object_next(struct iob_ctx *ctx, unsigned long *id,
				   enum iob_obj_type type)
{
	struct iob_object *obj;

	xa_lock(&ctx->objects);
	for (obj = xa_find(&ctx->objects, id, U32_MAX, XA_PRESENT); obj;
	     obj = xa_find_after(&ctx->objects, id, U32_MAX, XA_PRESENT))
		if (iob_object_tryhold(obj, type))
			break;
	xa_unlock(&ctx->objects);
	return obj;
}
EXPORT_SYMBOL_IOB_TEST(iob_object_next);

/**
 * iob_ctx_count_objects() - number of published objects in a context
 * @ctx: the context
 *
 * Return: the count; reserved IDs are not included.
 */
unsigned long iob_ctx_count_objects(struct iob_ctx *ctx)
{
	unsigned long n = 0, id;
	void *entry;

	xa_lock(&ctx->objects);
	xa_for_each(&ctx->objects, id, entry)
		n++;
	xa_unlock(&ctx->objects);
	return n;
}
EXPORT_SYMBOL_IOB_TEST(iob_ctx_count_objects);

/**
 * iob_objects_alive() - number of objects alive in the whole module
 *
 * Return: objects allocated and not yet freed, in all contexts.
 */
long iob_objects_alive(void)
{
	return atomic_long_read(&iob_alive);
}
EXPORT_SYMBOL_IOB_TEST(iob_objects_alive);

/**
 * __iob_object_alloc() - allocate an object and reserve its ID
 * @ctx: context the object will live in
 * @size: size of the containing structure, header first
 * @ops: type operations; @ops->owner is pinned until the object is freed
 *
 * The object is invisible to lookups until iob_object_finalize().
 *
 * Return: the object header, or an ERR_PTR.
 */
struct iob_object *__iob_object_alloc(struct iob_ctx *ctx, size_t size,
				      const struct iob_object_ops *ops)
{
	struct iob_object *obj;
	int rc;

	if (WARN_ON_ONCE(ops->type <= IOB_OBJ_NONE || ops->type >= IOB_OBJ_MAX))
		return ERR_PTR(-EINVAL);
	if (!try_module_get(ops->owner))
		return ERR_PTR(-ENODEV);

	obj = iob_should_fail() ? NULL : kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj) {
		rc = -ENOMEM;
		goto err_module;
	}
	__init_rwsem(&obj->destroy_rwsem, iob_destroy_names[ops->type],
		     &iob_destroy_keys[ops->type]);
	refcount_set(&obj->users, 1);
	obj->ops = ops;

	rc = xa_alloc(&ctx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		/* A full ID space is an allocation failure to the caller. */
		if (rc == -EBUSY)
			rc = -ENOSPC;
		goto err_free;
	}
	atomic_long_inc(&iob_alive);
	return obj;

err_free:
	kfree(obj);
err_module:
	module_put(ops->owner);
	return ERR_PTR(rc);
}
EXPORT_SYMBOL_IOB_TEST(__iob_object_alloc);

/* Report an object's publication or destruction. */
static void iob_object_event(struct iob_ctx *ctx, enum iob_event_kind kind,
			     u32 id, enum iob_obj_type type)
{
	struct iob_event ev = {
		.kind = kind,
		.file = ctx->nl_id,
		.id = id,
		.type = type,
	};

	if (iob_event_wanted())
		iob_event_send(&ev);
}

/**
 * iob_object_finalize() - make a reserved object visible
 * @ctx: the object's context
 * @obj: object returned by iob_object_alloc()
 *
 * From here on the object can only go away through a destroy path.
 */
void iob_object_finalize(struct iob_ctx *ctx, struct iob_object *obj)
{
	void *old;

	old = xa_store(&ctx->objects, obj->id, obj, GFP_KERNEL);
	/* Storing over a reserved slot needs no memory and cannot fail. */
	WARN_ON_ONCE(old);
	iob_object_event(ctx, IOB_EV_OBJECT_NEW, obj->id, iob_object_type(obj));
}
EXPORT_SYMBOL_IOB_TEST(iob_object_finalize);

/**
 * iob_object_abort() - drop a reserved object that holds nothing
 * @ctx: the object's context
 * @obj: object that was never finalized and has no type state to undo
 */
void iob_object_abort(struct iob_ctx *ctx, struct iob_object *obj)
{
	void *old;

	old = xa_erase(&ctx->objects, obj->id);
	WARN_ON_ONCE(old);
	iob_object_free(obj);
}
EXPORT_SYMBOL_IOB_TEST(iob_object_abort);

/**
 * iob_object_abort_destroy() - undo a reserved object and what it holds
 * @ctx: the object's context
 * @obj: object that was never finalized
 *
 * Runs the type's abort op, or its destroy op if it has none.
 */
void iob_object_abort_destroy(struct iob_ctx *ctx, struct iob_object *obj)
{
	if (obj->ops->abort)
		obj->ops->abort(obj);
	else
		obj->ops->destroy(obj);
	iob_object_abort(ctx, obj);
}
EXPORT_SYMBOL_IOB_TEST(iob_object_abort_destroy);

/* Take @obj short-term if it is there, of @type, and not being destroyed. */
/*
 * The entry at @id, or NULL for none or a reserved ID; under the caller's
 * RCU read-side section, so without the one xa_load() would take again.
 */
static struct iob_object *iob_object_peek(struct iob_ctx *ctx, u32 id)
{
	XA_STATE(xas, &ctx->objects, id);
	void *entry;

	/* A retry entry means a node changed under the walk: walk again. */
	for (;;) {
		entry = xas_load(&xas);
		if (!xa_is_retry(entry))
			break;
		xas_reset(&xas);
	}
	return xa_is_internal(entry) ? NULL : entry;
}

static bool iob_object_tryhold(struct iob_object *obj, enum iob_obj_type type)
{
	return obj && (type == IOB_OBJ_ANY || iob_object_type(obj) == type) &&
	       down_read_trylock(&obj->destroy_rwsem);
}

/**
 * iob_object_get() - look up an object and hold it short-term
 * @ctx: context to search
 * @id: object ID from userspace
 * @type: required type, or IOB_OBJ_ANY
 *
 * The reference keeps the object from being destroyed until
 * iob_object_put(). It must be dropped before returning to userspace.
 *
 * Return: the object, or ERR_PTR(-ENOENT) if no published object of that
 * type has that ID or the object is being destroyed.
 */
struct iob_object *iob_object_get(struct iob_ctx *ctx, u32 id,
				  enum iob_obj_type type)
{
	struct iob_object *obj;

	if (iob_should_fail())
		return ERR_PTR(-ENOENT);
	/*
	 * Fast path: the memory of anything found stays valid for the RCU
	 * read-side section, and a destroy that went through marks the
	 * object dead before letting go of the write side.
	 */
	rcu_read_lock();
	obj = iob_object_peek(ctx, id);
	if (iob_object_tryhold(obj, type)) {
		if (likely(!obj->dead)) {
			rcu_read_unlock();
			return obj;
		}
		up_read(&obj->destroy_rwsem);
	}
	rcu_read_unlock();

	/*
	 * Slow path, under the lock IOMMU_DESTROY holds for its whole try:
	 * a destroy that fails cannot make the object look gone here.
	 */
	xa_lock(&ctx->objects);
	obj = xa_load(&ctx->objects, id);
	if (!iob_object_tryhold(obj, type))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ctx->objects);
	return obj;
}
EXPORT_SYMBOL_IOB_TEST(iob_object_get);

/**
 * iob_object_users_get() - take a long-term reference
 * @obj: object the caller already holds, short-term or long-term
 *
 * While the reference is held, IOMMU_DESTROY of @obj fails with EBUSY.
 */
void iob_object_users_get(struct iob_object *obj)
{
	refcount_inc(&obj->users);
}
EXPORT_SYMBOL_IOB_TEST(iob_object_users_get);

/**
 * iob_object_users_tryget() - take a long-term reference unless dying
 * @obj: an object whose memory the caller knows to be valid, e.g. through
 *	a list its destroy op removes it from under a lock the caller holds
 *
 * Return: true if the reference was taken; false if a destroy path has
 * already claimed the object.
 */
bool iob_object_users_tryget(struct iob_object *obj)
{
	return refcount_inc_not_zero(&obj->users);
}
EXPORT_SYMBOL_IOB_TEST(iob_object_users_tryget);

/**
 * iob_object_users_put() - drop a long-term reference
 * @obj: the object
 *
 * Never frees: the xarray still holds its own reference.
 */
void iob_object_users_put(struct iob_object *obj)
{
	refcount_dec(&obj->users);
}
EXPORT_SYMBOL_IOB_TEST(iob_object_users_put);

/**
 * iob_object_remove() - destroy a published object: the only way one goes
 * @ctx: the object's context
 * @id: the object's ID
 * @held: the object, if the caller keeps it from being freed (a long-term
 *	reference, or the file being released); NULL for IOMMU_DESTROY, which
 *	looks @id up under the same lock that removes it
 * @flags: how to wait and which reference the caller gives up; with any
 *	flag, @held is required:
 *
 *	%IOB_REMOVE_WAIT: sleep in down_write() until the ioctls holding the
 *	object short-term have dropped it (lookups fail from the moment this
 *	starts); without it, an object in use is -EBUSY at once and nothing
 *	sleeps. The caller must hold nothing such an ioctl could wait for.
 *
 *	%IOB_REMOVE_OWNER: the caller holds a long-term reference as the
 *	object's owner; it is consumed if the object goes and kept if not.
 *
 *	%IOB_REMOVE_PUT: the caller drops a long-term reference whatever
 *	happens, and the object goes only if that was its last user; for
 *	objects the kernel made on its own account, which go with their last
 *	user.
 *
 * The object goes if the write side of its destroy_rwsem can be had (no
 * ioctl is using it) and its users drop from one to zero (only the
 * xarray's is left): it leaves the xarray, its type's destroy op runs and
 * its memory is freed after an RCU grace period (see the top of the file).
 *
 * Return: 0; -ENOENT if @held is NULL and @id names nothing (or only a
 * reserved ID); -EBUSY if another object depends on it or, without
 * %IOB_REMOVE_WAIT, an ioctl is using it: then nothing changed but the
 * reference of %IOB_REMOVE_PUT.
 */
int iob_object_remove(struct iob_ctx *ctx, u32 id, struct iob_object *held,
		      unsigned int flags)
{
	bool drop = flags & (IOB_REMOVE_OWNER | IOB_REMOVE_PUT);
	struct iob_object *obj = held;
	enum iob_obj_type type;
	bool locked = true;

	if (WARN_ON_ONCE(flags && !held))
		return -EINVAL;
	if (flags & IOB_REMOVE_WAIT)
		down_write(&obj->destroy_rwsem);
	xa_lock(&ctx->objects);
	if (!obj) {
		obj = xa_load(&ctx->objects, id);
		if (!obj) {
			xa_unlock(&ctx->objects);
			return -ENOENT;
		}
	}
	if (drop)
		refcount_dec(&obj->users);
	if (!(flags & IOB_REMOVE_WAIT))
		locked = down_write_trylock(&obj->destroy_rwsem);
	if (locked && refcount_dec_if_one(&obj->users)) {
		__xa_erase(&ctx->objects, id);
		if (ctx->vfio_ioas == obj)
			ctx->vfio_ioas = NULL;
		/* For lookups that found it before the erase. */
		obj->dead = true;
		xa_unlock(&ctx->objects);
		up_write(&obj->destroy_rwsem);
		type = iob_object_type(obj);
		iob_object_release(obj);
		iob_object_event(ctx, IOB_EV_OBJECT_DEL, id, type);
		return 0;
	}
	if (flags & IOB_REMOVE_OWNER)
		refcount_inc(&obj->users);
	/* Let go of the write side first: see iob_object_get(). */
	if (locked)
		up_write(&obj->destroy_rwsem);
	xa_unlock(&ctx->objects);
	return -EBUSY;
}
EXPORT_SYMBOL_IOB_TEST(iob_object_remove);
