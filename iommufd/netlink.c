// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker's generic netlink family, "iobroker": what the users of
 * /dev/iommu hold, and a monitor group of events.
 *
 * docs/netlink/iobroker.yaml is the specification. The policies and the
 * operations below are written as the kernel's ynl-gen-c.py would make
 * them from it (make lint compares them), apart from what the generator
 * cannot say: the family stays in the initial network namespace, and the
 * monitor group needs CAP_SYS_ADMIN.
 *
 * This file sits beside the ioctl dispatch: it reads contexts and objects
 * through the store (object.c) and the types' own report helpers, and
 * nothing calls it. Events reach it through the sink it hands every layer
 * (common/event.h).
 *
 * Who sees what: a file is visible to its owner (the effective user that
 * opened it) and to CAP_SYS_ADMIN; an object is visible with its file.
 * The capability is that of the requesting socket's opener and of the
 * caller (netlink_capable()); for a dump it is taken when the dump starts,
 * in the requester's context. GENL_ADMIN_PERM would test CAP_NET_ADMIN,
 * which is not what guards other users' memory, so no operation uses it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "../common/event.h"
#include "../ptdrv/ptdrv.h"
#include "../uapi/iobroker/netlink.h"
#include "access.h"
#include "device.h"
#include "ioas.h"
#include "netlink.h"
#include "object.h"
#include "vfio_compat.h"

/* The store's type numbers are the uapi's. */
static_assert((int)IOB_OBJ_ACCESS == (int)IOBROKER_OBJ_TYPE_ACCESS);
static_assert((int)IOB_OBJ_DEVICE == (int)IOBROKER_OBJ_TYPE_DEVICE);
static_assert((int)IOB_OBJ_HWPT == (int)IOBROKER_OBJ_TYPE_HWPT);
static_assert((int)IOB_OBJ_IOAS == (int)IOBROKER_OBJ_TYPE_IOAS);
static_assert((int)IOB_OBJ_SELFTEST == (int)IOBROKER_OBJ_TYPE_SELFTEST);
static_assert((int)IOB_ACCOUNT_USER == (int)IOBROKER_ACCOUNT_MODE_USER);
static_assert((int)IOB_ACCOUNT_MM == (int)IOBROKER_ACCOUNT_MODE_MM);

enum iobroker_nl_groups {
	IOBROKER_NLGRP_MONITOR,
};

static struct genl_family iob_nl_family;

/* --- who asks ------------------------------------------------------------ */

/**
 * struct iob_nl_dump - a dump's state, in &netlink_callback.ctx
 * @uid: the requester's effective user
 * @admin: the requester has CAP_SYS_ADMIN: it sees every file
 * @file: only this file, or 0 for all
 * @type: only objects of this type, or IOB_OBJ_ANY
 * @next_file: the file to go on with
 * @next_obj: the object of @next_file to go on with
 */
struct iob_nl_dump {
	kuid_t uid;
	bool admin;
	u32 file;
	u32 type;
	unsigned long next_file;
	unsigned long next_obj;
};

static struct iob_nl_dump *iob_nl_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_DUMP_CTX_FITS(struct iob_nl_dump);
	return (struct iob_nl_dump *)cb->ctx;
}

static bool iob_nl_may_see(kuid_t uid, bool admin, struct iob_ctx *ctx)
{
	return admin || uid_eq(uid, ctx->owner_uid);
}

/* --- filling messages ---------------------------------------------------- */

static int iob_nl_fill_file(struct sk_buff *skb, struct iob_ctx *ctx)
{
	if (nla_put_u32(skb, IOBROKER_A_FILE_ID, ctx->nl_id) ||
	    nla_put_u32(skb, IOBROKER_A_FILE_PID, ctx->owner_pid) ||
	    nla_put_u32(skb, IOBROKER_A_FILE_UID,
			from_kuid(&init_user_ns, ctx->owner_uid)) ||
	    nla_put_u32(skb, IOBROKER_A_FILE_OBJECTS,
			iob_ctx_count_objects(ctx)) ||
	    nla_put_u64_64bit(skb, IOBROKER_A_FILE_PINNED,
			      atomic_long_read(&ctx->usage.pinned),
			      IOBROKER_A_FILE_PAD) ||
	    nla_put_u64_64bit(skb, IOBROKER_A_FILE_CHARGED,
			      atomic_long_read(&ctx->usage.charged),
			      IOBROKER_A_FILE_PAD) ||
	    nla_put_u32(skb, IOBROKER_A_FILE_ACCOUNT_MODE,
			READ_ONCE(ctx->account_mode)))
		return -EMSGSIZE;
	return 0;
}

static int iob_nl_fill_ioas(struct sk_buff *skb, struct iob_object *obj)
{
	struct iob_ioas *ioas = container_of(obj, struct iob_ioas, obj);
	struct iopt_stats st;

	iopt_stats(&ioas->iopt, &st);
	if (nla_put_u32(skb, IOBROKER_A_OBJECT_AREAS,
			min_t(unsigned long, st.areas, U32_MAX)) ||
	    nla_put_u64_64bit(skb, IOBROKER_A_OBJECT_MAPPED, st.mapped,
			      IOBROKER_A_OBJECT_PAD) ||
	    nla_put_u64_64bit(skb, IOBROKER_A_OBJECT_PINNED, st.pinned,
			      IOBROKER_A_OBJECT_PAD))
		return -EMSGSIZE;
	return 0;
}

static int iob_nl_fill_hwpt(struct sk_buff *skb, struct iob_object *obj)
{
	struct iob_hwpt *hwpt = container_of(obj, struct iob_hwpt, obj);
	struct iob_pt *pt = hwpt->pt;
	struct iob_pt_window w;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u32(skb, IOBROKER_A_OBJECT_IOAS, hwpt->ioas->obj.id))
		return -EMSGSIZE;
	for (i = 0; i < pt->naper; i++) {
		iob_pt_describe(pt, i, &w);
		nest = nla_nest_start(skb, IOBROKER_A_OBJECT_WINDOW);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_u32(skb, IOBROKER_A_WINDOW_INDEX, i) ||
		    nla_put_u64_64bit(skb, IOBROKER_A_WINDOW_START, w.start,
				      IOBROKER_A_WINDOW_PAD) ||
		    nla_put_u64_64bit(skb, IOBROKER_A_WINDOW_SIZE, w.size,
				      IOBROKER_A_WINDOW_PAD) ||
		    nla_put_u64_64bit(skb, IOBROKER_A_WINDOW_PAGE_SIZE,
				      w.page_size, IOBROKER_A_WINDOW_PAD) ||
		    (w.levels &&
		     nla_put_u32(skb, IOBROKER_A_WINDOW_LEVELS, w.levels)) ||
		    nla_put_u64_64bit(skb, IOBROKER_A_WINDOW_TCES, w.live,
				      IOBROKER_A_WINDOW_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

static int iob_nl_fill_device(struct sk_buff *skb, struct iob_object *obj)
{
	struct iob_device *idev = container_of(obj, struct iob_device, obj);
	const char *name = iob_device_name(idev);
	u32 hwpt, ioas = 0;

	mutex_lock(&idev->lock);
	hwpt = idev->hwpt ? idev->hwpt->obj.id : 0;
	/* In a sPAPR container: the container's IOAS, for want of a HWPT. */
	if (idev->container)
		ioas = iob_vfio_container_id(idev->container);
	mutex_unlock(&idev->lock);
	if ((hwpt && nla_put_u32(skb, IOBROKER_A_OBJECT_HWPT, hwpt)) ||
	    (ioas && nla_put_u32(skb, IOBROKER_A_OBJECT_IOAS, ioas)) ||
	    (name && nla_put_string(skb, IOBROKER_A_OBJECT_DEV_NAME, name)))
		return -EMSGSIZE;
	return 0;
}

static int iob_nl_fill_access(struct sk_buff *skb, struct iob_object *obj)
{
	u64 npages;
	u32 ioas;

	iob_access_report(obj, &ioas, &npages);
	if ((ioas && nla_put_u32(skb, IOBROKER_A_OBJECT_IOAS, ioas)) ||
	    nla_put_u64_64bit(skb, IOBROKER_A_OBJECT_PINNED, npages,
			      IOBROKER_A_OBJECT_PAD))
		return -EMSGSIZE;
	return 0;
}

/* @obj is held short-term, @ctx by iob_ctxs_lock(). */
static int iob_nl_fill_object(struct sk_buff *skb, struct iob_ctx *ctx,
			      struct iob_object *obj)
{
	if (nla_put_u32(skb, IOBROKER_A_OBJECT_FILE, ctx->nl_id) ||
	    nla_put_u32(skb, IOBROKER_A_OBJECT_ID, obj->id) ||
	    nla_put_u32(skb, IOBROKER_A_OBJECT_TYPE, iob_object_type(obj)) ||
	    /* Not counting the store's own reference. */
	    nla_put_u32(skb, IOBROKER_A_OBJECT_USERS,
			refcount_read(&obj->users) - 1))
		return -EMSGSIZE;
	switch (iob_object_type(obj)) {
	case IOB_OBJ_IOAS:
		return iob_nl_fill_ioas(skb, obj);
	case IOB_OBJ_HWPT:
		return iob_nl_fill_hwpt(skb, obj);
	case IOB_OBJ_DEVICE:
		return iob_nl_fill_device(skb, obj);
	case IOB_OBJ_ACCESS:
		return iob_nl_fill_access(skb, obj);
	default:
		return 0;
	}
}

/* --- file-get ------------------------------------------------------------ */

/* A visible context by number, under iob_ctxs_lock(); or NULL. */
static struct iob_ctx *iob_nl_ctx(u32 nl_id, kuid_t uid, bool admin)
{
	unsigned long id = nl_id;
	struct iob_ctx *ctx = iob_ctx_find(&id);

	if (!ctx || id != nl_id || !iob_nl_may_see(uid, admin, ctx))
		return NULL;
	return ctx;
}

/*
 * Reply to a do request with @obj, held short-term, or with @ctx itself if
 * @obj is NULL; @ctx is visible and kept by iob_ctxs_lock().
 */
static int iob_nl_reply(struct genl_info *info, struct iob_ctx *ctx,
			struct iob_object *obj)
{
	struct sk_buff *msg;
	void *hdr;
	int rc;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	rc = obj ? iob_nl_fill_object(msg, ctx, obj) :
		   iob_nl_fill_file(msg, ctx);
	if (rc) {
		nlmsg_free(msg);
		return rc;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int iobroker_nl_file_get_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct iob_ctx *ctx;
	int rc = -ENOENT;

	if (GENL_REQ_ATTR_CHECK(info, IOBROKER_A_FILE_ID))
		return -EINVAL;
	iob_ctxs_lock();
	ctx = iob_nl_ctx(nla_get_u32(info->attrs[IOBROKER_A_FILE_ID]),
			 current_euid(), netlink_capable(skb, CAP_SYS_ADMIN));
	if (ctx)
		rc = iob_nl_reply(info, ctx, NULL);
	else
		NL_SET_BAD_ATTR(info->extack, info->attrs[IOBROKER_A_FILE_ID]);
	iob_ctxs_unlock();
	return rc;
}

/*
 * Who asks counts as the dump's requester is when it starts: later parts
 * run in whichever task reads the socket.
 */
static void iob_nl_who(struct netlink_callback *cb)
{
	struct iob_nl_dump *d = iob_nl_dump_ctx(cb);

	d->uid = current_euid();
	d->admin = netlink_capable(cb->skb, CAP_SYS_ADMIN);
}

/*
 * The files' dump takes no attribute. Without a policy the core would
 * ignore any, so they are refused here, as a do's policy would.
 */
static int iob_nl_file_dump_start(struct netlink_callback *cb)
{
	if (nlmsg_attrlen(cb->nlh, GENL_HDRLEN)) {
		NL_SET_ERR_MSG(cb->extack, "a dump of files takes no attribute");
		return -EINVAL;
	}
	iob_nl_who(cb);
	return 0;
}

/*
 * Start a dump message. Return: the header, or NULL when @skb is full.
 */
static void *iob_nl_dump_put(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &iob_nl_family, NLM_F_MULTI,
			   genl_info_dump(cb)->genlhdr->cmd);
}

static int iobroker_nl_file_get_dumpit(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	struct iob_nl_dump *d = iob_nl_dump_ctx(cb);
	struct iob_ctx *ctx;
	int rc = 0;
	void *hdr;

	iob_ctxs_lock();
	for (; (ctx = iob_ctx_find(&d->next_file)); d->next_file++) {
		if (!iob_nl_may_see(d->uid, d->admin, ctx))
			continue;
		hdr = iob_nl_dump_put(skb, cb);
		if (!hdr) {
			rc = -EMSGSIZE;
			break;
		}
		rc = iob_nl_fill_file(skb, ctx);
		if (rc) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	iob_ctxs_unlock();
	/* A full message goes; the next call goes on from this file. */
	return rc == -EMSGSIZE && skb->len ? skb->len : rc;
}

/* --- object-get ---------------------------------------------------------- */

static int iobroker_nl_object_get_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct iob_object *obj;
	struct iob_ctx *ctx;
	int rc = -ENOENT;

	if (GENL_REQ_ATTR_CHECK(info, IOBROKER_A_OBJECT_FILE) ||
	    GENL_REQ_ATTR_CHECK(info, IOBROKER_A_OBJECT_ID))
		return -EINVAL;
	iob_ctxs_lock();
	ctx = iob_nl_ctx(nla_get_u32(info->attrs[IOBROKER_A_OBJECT_FILE]),
			 current_euid(), netlink_capable(skb, CAP_SYS_ADMIN));
	if (!ctx) {
		NL_SET_BAD_ATTR(info->extack,
				info->attrs[IOBROKER_A_OBJECT_FILE]);
		goto out;
	}
	obj = iob_object_get(ctx, nla_get_u32(info->attrs[IOBROKER_A_OBJECT_ID]),
			     IOB_OBJ_ANY);
	if (IS_ERR(obj)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[IOBROKER_A_OBJECT_ID]);
		goto out;
	}
	rc = iob_nl_reply(info, ctx, obj);
	iob_object_put(obj);
out:
	iob_ctxs_unlock();
	return rc;
}

/* As for files, and the filters, which the policy has checked. */
static int iob_nl_object_dump_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = genl_info_dump(cb)->attrs;
	struct iob_nl_dump *d = iob_nl_dump_ctx(cb);

	iob_nl_who(cb);
	if (attrs[IOBROKER_A_OBJECT_FILE])
		d->file = nla_get_u32(attrs[IOBROKER_A_OBJECT_FILE]);
	if (attrs[IOBROKER_A_OBJECT_TYPE])
		d->type = nla_get_u32(attrs[IOBROKER_A_OBJECT_TYPE]);
	d->next_file = d->file;
	return 0;
}

/* Dump the objects of @ctx from d->next_obj on. */
static int iob_nl_dump_objects(struct sk_buff *skb, struct netlink_callback *cb,
			       struct iob_ctx *ctx)
{
	struct iob_nl_dump *d = iob_nl_dump_ctx(cb);
	struct iob_object *obj;
	void *hdr;
	int rc;

	for (; (obj = iob_object_next(ctx, &d->next_obj, d->type));
	     d->next_obj++) {
		hdr = iob_nl_dump_put(skb, cb);
		rc = hdr ? iob_nl_fill_object(skb, ctx, obj) : -EMSGSIZE;
		iob_object_put(obj);
		if (rc) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			return rc;
		}
		genlmsg_end(skb, hdr);
	}
	return 0;
}

static int iobroker_nl_object_get_dumpit(struct sk_buff *skb,
					 struct netlink_callback *cb)
{
	struct iob_nl_dump *d = iob_nl_dump_ctx(cb);
	struct iob_ctx *ctx;
	int rc = 0;

	iob_ctxs_lock();
	for (; (ctx = iob_ctx_find(&d->next_file)); d->next_file++) {
		if (d->file && d->next_file != d->file)
			break;
		if (iob_nl_may_see(d->uid, d->admin, ctx)) {
			rc = iob_nl_dump_objects(skb, cb, ctx);
			if (rc)
				break;
		}
		d->next_obj = 0;
	}
	iob_ctxs_unlock();
	return rc == -EMSGSIZE && skb->len ? skb->len : rc;
}

/* --- the family ---------------------------------------------------------- */

/* IOBROKER_CMD_FILE_GET - do */
static const struct nla_policy iobroker_file_get_nl_policy[IOBROKER_A_FILE_ID + 1] = {
	[IOBROKER_A_FILE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* IOBROKER_CMD_OBJECT_GET - do */
static const struct nla_policy iobroker_object_get_do_nl_policy[IOBROKER_A_OBJECT_ID + 1] = {
	[IOBROKER_A_OBJECT_FILE] = NLA_POLICY_MIN(NLA_U32, 1),
	[IOBROKER_A_OBJECT_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* IOBROKER_CMD_OBJECT_GET - dump */
static const struct nla_policy iobroker_object_get_dump_nl_policy[IOBROKER_A_OBJECT_TYPE + 1] = {
	[IOBROKER_A_OBJECT_FILE] = NLA_POLICY_MIN(NLA_U32, 1),
	[IOBROKER_A_OBJECT_TYPE] = NLA_POLICY_RANGE(NLA_U32, 1, 5),
};

static const struct genl_split_ops iobroker_nl_ops[] = {
	{
		.cmd		= IOBROKER_CMD_FILE_GET,
		.doit		= iobroker_nl_file_get_doit,
		.policy		= iobroker_file_get_nl_policy,
		.maxattr	= IOBROKER_A_FILE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= IOBROKER_CMD_FILE_GET,
		.start		= iob_nl_file_dump_start,
		.dumpit		= iobroker_nl_file_get_dumpit,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= IOBROKER_CMD_OBJECT_GET,
		.doit		= iobroker_nl_object_get_doit,
		.policy		= iobroker_object_get_do_nl_policy,
		.maxattr	= IOBROKER_A_OBJECT_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= IOBROKER_CMD_OBJECT_GET,
		.start		= iob_nl_object_dump_start,
		.dumpit		= iobroker_nl_object_get_dumpit,
		.policy		= iobroker_object_get_dump_nl_policy,
		.maxattr	= IOBROKER_A_OBJECT_TYPE,
		.flags		= GENL_CMD_CAP_DUMP,
	},
};

/* Events show every user's objects: joining needs CAP_SYS_ADMIN. */
static const struct genl_multicast_group iobroker_nl_mcgrps[] = {
	[IOBROKER_NLGRP_MONITOR] = {
		.name = IOBROKER_MCGRP_MONITOR,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

/* Not netnsok: the family exists in the initial network namespace only. */
static struct genl_family iob_nl_family __ro_after_init = {
	.name		= IOBROKER_FAMILY_NAME,
	.version	= IOBROKER_FAMILY_VERSION,
	.netnsok	= false,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= iobroker_nl_ops,
	.n_split_ops	= ARRAY_SIZE(iobroker_nl_ops),
	.mcgrps		= iobroker_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(iobroker_nl_mcgrps),
};

/* --- events -------------------------------------------------------------- */

/*
 * Events are numbered and sent under one mutex, so that listeners get them
 * in the order of their numbers. A number is taken only for an event that
 * is built for listeners, so a listener that sees a gap lost events: the
 * kernel could not allocate the message, or the listener's socket was
 * full. The mutex is the innermost lock of the module: emitters may hold
 * any other, and nothing is taken under it but netlink's own.
 */
static DEFINE_MUTEX(iob_nl_event_mutex);
static u64 iob_nl_seq;	/* under iob_nl_event_mutex */

/* Which attributes each kind carries, and its command. */
#define IOB_EV_OBJ (BIT(IOBROKER_A_EVENT_FILE) | BIT(IOBROKER_A_EVENT_ID))
#define IOB_EV_RANGE (IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_START) |	\
		      BIT(IOBROKER_A_EVENT_SIZE))
static const struct {
	u8 cmd;
	u32 attrs;
} iob_nl_events[IOB_EV_MAX] = {
	[IOB_EV_FILE_NEW] = {
		IOBROKER_CMD_FILE_NEW_NTF,
		BIT(IOBROKER_A_EVENT_FILE) | BIT(IOBROKER_A_EVENT_PID) |
		BIT(IOBROKER_A_EVENT_UID),
	},
	[IOB_EV_FILE_DEL] = {
		IOBROKER_CMD_FILE_DEL_NTF, BIT(IOBROKER_A_EVENT_FILE),
	},
	[IOB_EV_OBJECT_NEW] = {
		IOBROKER_CMD_OBJECT_NEW_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_TYPE),
	},
	[IOB_EV_OBJECT_DEL] = {
		IOBROKER_CMD_OBJECT_DEL_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_TYPE),
	},
	[IOB_EV_DEV_BIND] = {
		IOBROKER_CMD_DEV_BIND_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_DEV_NAME),
	},
	[IOB_EV_DEV_ATTACH] = {
		IOBROKER_CMD_DEV_ATTACH_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_HWPT),
	},
	[IOB_EV_DEV_REPLACE] = {
		IOBROKER_CMD_DEV_REPLACE_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_HWPT) |
		BIT(IOBROKER_A_EVENT_OLD_HWPT),
	},
	[IOB_EV_DEV_DETACH] = {
		IOBROKER_CMD_DEV_DETACH_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_HWPT),
	},
	[IOB_EV_DEV_UNBIND] = {
		IOBROKER_CMD_DEV_UNBIND_NTF,
		IOB_EV_OBJ | BIT(IOBROKER_A_EVENT_DEV_NAME),
	},
	[IOB_EV_WINDOW_NEW] = {
		IOBROKER_CMD_WINDOW_NEW_NTF,
		IOB_EV_RANGE | BIT(IOBROKER_A_EVENT_PAGE_SIZE) |
		BIT(IOBROKER_A_EVENT_LEVELS),
	},
	[IOB_EV_WINDOW_DEL] = {
		IOBROKER_CMD_WINDOW_DEL_NTF, IOB_EV_RANGE,
	},
	[IOB_EV_UNMAP_STALL] = {
		IOBROKER_CMD_UNMAP_STALL_NTF, IOB_EV_RANGE,
	},
	[IOB_EV_UNMAP_DEADLOCK] = {
		IOBROKER_CMD_UNMAP_DEADLOCK_NTF, IOB_EV_RANGE,
	},
	[IOB_EV_RLIMIT] = {
		IOBROKER_CMD_RLIMIT_NTF,
		BIT(IOBROKER_A_EVENT_PID) | BIT(IOBROKER_A_EVENT_UID) |
		BIT(IOBROKER_A_EVENT_PAGES) | BIT(IOBROKER_A_EVENT_LOCKED) |
		BIT(IOBROKER_A_EVENT_LIMIT),
	},
};

static bool iob_nl_wanted(void)
{
	return genl_has_listeners(&iob_nl_family, &init_net,
				  IOBROKER_NLGRP_MONITOR);
}

/* The attributes of @ev (with @want) and their values, in order. */
static int iob_nl_fill_event(struct sk_buff *skb, const struct iob_event *ev,
			     u32 want, u64 seq)
{
	const struct {
		int type;
		bool wide;
		u64 value;
	} vals[] = {
		{ IOBROKER_A_EVENT_FILE, false, ev->file },
		{ IOBROKER_A_EVENT_ID, false, ev->id },
		{ IOBROKER_A_EVENT_TYPE, false, ev->type },
		{ IOBROKER_A_EVENT_HWPT, false, ev->hwpt },
		{ IOBROKER_A_EVENT_OLD_HWPT, false, ev->old_hwpt },
		{ IOBROKER_A_EVENT_START, true, ev->start },
		{ IOBROKER_A_EVENT_SIZE, true, ev->size },
		{ IOBROKER_A_EVENT_PAGE_SIZE, true, ev->page_size },
		{ IOBROKER_A_EVENT_LEVELS, false, ev->levels },
		{ IOBROKER_A_EVENT_PID, false, ev->pid },
		{ IOBROKER_A_EVENT_UID, false, ev->uid },
		{ IOBROKER_A_EVENT_PAGES, true, ev->pages },
		{ IOBROKER_A_EVENT_LOCKED, true, ev->locked },
		{ IOBROKER_A_EVENT_LIMIT, true, ev->limit },
	};
	unsigned int i;
	int rc;

	if (nla_put_u64_64bit(skb, IOBROKER_A_EVENT_SEQ, seq,
			      IOBROKER_A_EVENT_PAD))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		if (!(want & BIT(vals[i].type)))
			continue;
		rc = vals[i].wide ? nla_put_u64_64bit(skb, vals[i].type,
						      vals[i].value,
						      IOBROKER_A_EVENT_PAD) :
				    nla_put_u32(skb, vals[i].type, vals[i].value);
		if (rc)
			return rc;
	}
	if (want & BIT(IOBROKER_A_EVENT_DEV_NAME) && ev->dev_name &&
	    nla_put_string(skb, IOBROKER_A_EVENT_DEV_NAME, ev->dev_name))
		return -EMSGSIZE;
	return 0;
}

static void iob_nl_send(const struct iob_event *ev)
{
	u32 want = iob_nl_events[ev->kind].attrs;
	struct sk_buff *skb;
	size_t size;
	void *hdr;

	/* Every attribute at its widest, the name at its length. */
	size = nla_total_size_64bit(sizeof(u64)) * 7 +
	       nla_total_size(sizeof(u32)) * 9;
	if (ev->dev_name)
		size += nla_total_size(strlen(ev->dev_name) + 1);

	mutex_lock(&iob_nl_event_mutex);
	iob_nl_seq++;
	skb = genlmsg_new(size, GFP_KERNEL);
	if (!skb)
		goto out_unlock;
	hdr = genlmsg_put(skb, 0, 0, &iob_nl_family, 0,
			  iob_nl_events[ev->kind].cmd);
	if (!hdr || iob_nl_fill_event(skb, ev, want, iob_nl_seq)) {
		/* Sized for every attribute: cannot happen. */
		WARN_ON_ONCE(1);
		nlmsg_free(skb);
		goto out_unlock;
	}
	genlmsg_end(skb, hdr);
	/* With nobody left listening it is simply dropped. */
	genlmsg_multicast(&iob_nl_family, skb, 0, IOBROKER_NLGRP_MONITOR,
			  GFP_KERNEL);
out_unlock:
	mutex_unlock(&iob_nl_event_mutex);
}

static const struct iob_event_sink iob_nl_sink = {
	.wanted = iob_nl_wanted,
	.send = iob_nl_send,
};

/**
 * iob_netlink_init() - register the family and take events
 *
 * Before /dev/iommu exists, so that no event is emitted without a sink.
 *
 * Return: 0, or genl_register_family()'s error.
 */
int iob_netlink_init(void)
{
	int rc;

	rc = genl_register_family(&iob_nl_family);
	if (rc) {
		pr_err("cannot register the generic netlink family (%d)\n", rc);
		return rc;
	}
	iob_event_set_sink(&iob_nl_sink);
	return 0;
}

/**
 * iob_netlink_exit() - stop events and unregister the family
 *
 * After /dev/iommu is gone: no file, object or emitter is left. A dump in
 * progress holds the module, so none runs either.
 */
void iob_netlink_exit(void)
{
	iob_event_set_sink(NULL);
	genl_unregister_family(&iob_nl_family);
}
