/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The iobroker netlink family over a bare AF_NETLINK socket, for programs
 * that send what no library would (the fuzzer) or only need to listen
 * (the benchmark): open a socket, resolve the family and its monitor group
 * by name through the generic netlink controller, wait for a message.
 */
#ifndef IOB_NLRAW_H
#define IOB_NLRAW_H

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../uapi/iobroker/netlink.h"

#define NLRAW_BUF 16384

/* A non-blocking generic netlink socket, or -1. */
static inline int nlraw_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_GENERIC);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait up to @ms for a message, read it into @buf (NLRAW_BUF bytes). */
static inline ssize_t nlraw_read(int fd, void *buf, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return recv(fd, buf, NLRAW_BUF, 0);
}

/* The attribute after @a in a run of @left bytes, or NULL at the end. */
static inline struct nlattr *nlraw_next(struct nlattr *a, int *left)
{
	*left -= NLA_ALIGN(a->nla_len);
	a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	return *left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= *left ? a : NULL;
}

/* The first attribute of a run of @left bytes at @p, or NULL. */
static inline struct nlattr *nlraw_first(void *p, int left)
{
	struct nlattr *a = p;

	return left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left ? a : NULL;
}

static inline void *nlraw_data(struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

/* The number of the monitor group in CTRL_ATTR_MCAST_GROUPS @groups. */
static inline int nlraw_monitor(struct nlattr *groups)
{
	int gl = groups->nla_len - NLA_HDRLEN, ml, id;
	struct nlattr *g, *m;
	bool ours;

	for (g = nlraw_first(nlraw_data(groups), gl); g;
	     g = nlraw_next(g, &gl)) {
		id = -1;
		ours = false;
		ml = g->nla_len - NLA_HDRLEN;
		for (m = nlraw_first(nlraw_data(g), ml); m;
		     m = nlraw_next(m, &ml)) {
			if (m->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = *(__u32 *)nlraw_data(m);
			if (m->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				ours = !strcmp(nlraw_data(m),
					       IOBROKER_MCGRP_MONITOR);
		}
		if (ours)
			return id;
	}
	return -1;
}

/*
 * The family's number, or -1 if it is not registered; its monitor group's
 * number in *@group (-1 if none).
 */
static inline int nlraw_resolve(int fd, int *group)
{
	static union {
		struct nlmsghdr n;
		char b[NLRAW_BUF];
	} u;
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		char name[16];
	} req = {
		.n.nlmsg_len = sizeof(req),
		.n.nlmsg_type = GENL_ID_CTRL,
		.n.nlmsg_flags = NLM_F_REQUEST,
		.g.cmd = CTRL_CMD_GETFAMILY,
		.g.version = 1,
		.a.nla_len = NLA_HDRLEN + sizeof(IOBROKER_FAMILY_NAME),
		.a.nla_type = CTRL_ATTR_FAMILY_NAME,
		.name = IOBROKER_FAMILY_NAME,
	};
	int family = -1, left;
	struct nlattr *a;
	ssize_t len;

	*group = -1;
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		return -1;
	len = nlraw_read(fd, u.b, 2000);
	if (len < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) ||
	    u.n.nlmsg_type != GENL_ID_CTRL)
		return -1;
	left = u.n.nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	for (a = nlraw_first(u.b + NLMSG_HDRLEN + GENL_HDRLEN, left); a;
	     a = nlraw_next(a, &left)) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			family = *(__u16 *)nlraw_data(a);
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS)
			*group = nlraw_monitor(a);
	}
	return family;
}

/* Join the monitor group on @fd: 0 or the errno. */
static inline int nlraw_join(int fd, int group)
{
	return setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			  sizeof(group)) ? errno : 0;
}

#endif
