/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the iobroker generic netlink family, on libnl-genl-3: a
 * socket for requests, a socket on the monitor group, and the replies and
 * events decoded into plain structures.
 *
 * Every request helper returns 0 or the errno the kernel answered with.
 */
#ifndef IOB_NL_H
#define IOB_NL_H

#include <errno.h>
#include <poll.h>
#include <linux/types.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "../uapi/iobroker/netlink.h"

struct iob_nl {
	struct nl_sock *sk;
	int family;
	int group;
};

/* A decoded event, file or object: an attribute is set if its bit is. */
struct iob_nl_item {
	int cmd;
	__u64 present;
	__u64 val[32];
	char name[32];
	unsigned int nwin;
	__u64 win[2][IOBROKER_A_WINDOW_MAX + 1];
};

#define IOB_NL_HAS(it, a) (!!((it)->present & (1ULL << (a))))

/* Decoded messages, and what the last request or receive ran into. */
struct iob_nl_list {
	struct iob_nl_item *items;
	unsigned int n;
	unsigned int max;
	int err;	/* errno from the kernel's error message */
};

/* Open a socket on the family: 0, or ENOENT if the module is not loaded. */
static inline int iob_nl_open(struct iob_nl *n)
{
	int missing = ENOENT;

	n->sk = nl_socket_alloc();
	if (!n->sk)
		return errno;
	if (genl_connect(n->sk))
		goto err;
	/* A reply, or an error, answers each request: no extra ACK. */
	nl_socket_disable_auto_ack(n->sk);
	n->family = genl_ctrl_resolve(n->sk, IOBROKER_FAMILY_NAME);
	if (n->family < 0)
		goto err;
	n->group = genl_ctrl_resolve_grp(n->sk, IOBROKER_FAMILY_NAME,
					 IOBROKER_MCGRP_MONITOR);
	if (n->group < 0)
		goto err;
	return 0;
err:
	nl_socket_free(n->sk);
	n->sk = NULL;
	return missing;
}

static inline void iob_nl_close(struct iob_nl *n)
{
	if (n->sk)
		nl_socket_free(n->sk);
	n->sk = NULL;
}

static void iob_nl_decode(struct nlattr *a, struct iob_nl_item *it)
{
	int type = nla_type(a);

	if (type <= 0 || type >= 32)
		return;
	it->present |= 1ULL << type;
	if (nla_len(a) == 4)
		it->val[type] = nla_get_u32(a);
	else if (nla_len(a) == 8)
		it->val[type] = nla_get_u64(a);
}

static int iob_nl_valid(struct nl_msg *msg, void *arg)
{
	struct iob_nl_list *l = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct iob_nl_item *it;
	struct nlattr *a, *w;
	int rem, wrem;

	if (l->n == l->max)
		return NL_OK;
	it = &l->items[l->n++];
	memset(it, 0, sizeof(*it));
	it->cmd = gh->cmd;
	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0),
			  rem) {
		int type = nla_type(a);

		if ((gh->cmd == IOBROKER_CMD_OBJECT_GET &&
		     type == IOBROKER_A_OBJECT_DEV_NAME) ||
		    (gh->cmd != IOBROKER_CMD_OBJECT_GET &&
		     gh->cmd != IOBROKER_CMD_FILE_GET &&
		     type == IOBROKER_A_EVENT_DEV_NAME)) {
			it->present |= 1ULL << type;
			snprintf(it->name, sizeof(it->name), "%s",
				 nla_get_string(a));
			continue;
		}
		if (gh->cmd == IOBROKER_CMD_OBJECT_GET &&
		    type == IOBROKER_A_OBJECT_WINDOW) {
			it->present |= 1ULL << type;
			if (it->nwin < 2) {
				nla_for_each_nested(w, a, wrem)
					if (nla_type(w) <= IOBROKER_A_WINDOW_MAX)
						it->win[it->nwin][nla_type(w)] =
							nla_len(w) == 4 ?
							nla_get_u32(w) :
							nla_get_u64(w);
			}
			it->nwin++;
			continue;
		}
		iob_nl_decode(a, it);
	}
	return NL_OK;
}

static int iob_nl_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct iob_nl_list *l = arg;

	l->err = -e->error;
	return NL_STOP;
}

/* Receive on @n until the reply is done (or, for events, nothing waits). */
static inline int iob_nl_recv(struct iob_nl *n, struct iob_nl_list *l)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc = ENOMEM;

	if (!cb)
		return rc;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, iob_nl_valid, l);
	nl_cb_err(cb, NL_CB_CUSTOM, iob_nl_error, l);
	rc = nl_recvmsgs(n->sk, cb);
	nl_cb_put(cb);
	if (l->err)
		return l->err;
	/* libnl reports a dropped event (ENOBUFS) as out of memory. */
	if (rc == -NLE_NOMEM && errno == ENOBUFS)
		return errno;
	return rc < 0 ? EIO : 0;
}

/*
 * Send @cmd with @flags and up to two u32 attributes (type 0: none), and
 * collect the replies in @l.
 */
static inline int iob_nl_request(struct iob_nl *n, int cmd, int flags,
				 int a1, __u32 v1, int a2, __u32 v2,
				 struct iob_nl_list *l)
{
	struct nl_msg *msg = nlmsg_alloc();
	int rc = ENOMEM;

	l->n = 0;
	l->err = 0;
	if (!msg)
		return rc;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, n->family, 0, flags,
			 cmd, IOBROKER_FAMILY_VERSION) ||
	    (a1 && nla_put_u32(msg, a1, v1)) || (a2 && nla_put_u32(msg, a2, v2))) {
		nlmsg_free(msg);
		return rc;
	}
	rc = nl_send_auto(n->sk, msg);
	nlmsg_free(msg);
	return rc < 0 ? EIO : iob_nl_recv(n, l);
}

/* Join the monitor group; 0 or the errno (EPERM without CAP_SYS_ADMIN). */
static inline int iob_nl_monitor(struct iob_nl *n)
{
	int rc;

	nl_socket_disable_seq_check(n->sk);
	rc = nl_socket_add_membership(n->sk, n->group);
	if (!rc)
		rc = nl_socket_set_nonblocking(n->sk);
	/* The kernel's EPERM: the group needs CAP_SYS_ADMIN. */
	if (rc)
		rc = rc == -NLE_PERM ? EPERM : EIO;
	return rc;
}

/*
 * Take the events waiting on monitor socket @n, waiting up to @ms for the
 * first. Return: 0, or ENOBUFS if the kernel reported that it dropped some.
 */
static inline int iob_nl_events(struct iob_nl *n, struct iob_nl_list *l,
				int ms)
{
	struct pollfd p = { .fd = nl_socket_get_fd(n->sk), .events = POLLIN };
	int overrun = 0, rc;

	l->err = 0;
	while (poll(&p, 1, ms) == 1) {
		rc = iob_nl_recv(n, l);
		if (rc == ENOBUFS)
			overrun = rc;
		else if (rc)
			return rc;
		ms = 0;
	}
	return overrun;
}

#endif
