// SPDX-License-Identifier: GPL-2.0
/*
 * iobctl: show what the users of /dev/iommu hold, and follow it, through
 * the iobroker generic netlink family (docs/netlink.rst, docs/iobctl.8).
 *
 *   iobctl [-j [-p]] show [files|objects|devices|windows] [file N] [type T]
 *   iobctl [-j] monitor [--count N] [--rcvbuf BYTES]
 *
 * Built on libnl-genl-3. Text output is one line per item or event; -j
 * prints a JSON array for show and JSON Lines for monitor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "../../uapi/iobroker/netlink.h"

#define IOBCTL_VERSION "1.0"

/* How an attribute is printed. */
enum kind { K_U32, K_U64, K_HEX, K_STR, K_TYPE, K_MODE, K_NEST };

struct attr {
	const char *name;
	enum kind kind;
};

static const struct attr window_attrs[IOBROKER_A_WINDOW_MAX + 1] = {
	[IOBROKER_A_WINDOW_INDEX] = { "index", K_U32 },
	[IOBROKER_A_WINDOW_START] = { "start", K_HEX },
	[IOBROKER_A_WINDOW_SIZE] = { "size", K_HEX },
	[IOBROKER_A_WINDOW_PAGE_SIZE] = { "page-size", K_U64 },
	[IOBROKER_A_WINDOW_LEVELS] = { "levels", K_U32 },
	[IOBROKER_A_WINDOW_TCES] = { "tces", K_U64 },
};

static const struct attr file_attrs[IOBROKER_A_FILE_MAX + 1] = {
	[IOBROKER_A_FILE_ID] = { "file", K_U32 },
	[IOBROKER_A_FILE_PID] = { "pid", K_U32 },
	[IOBROKER_A_FILE_UID] = { "uid", K_U32 },
	[IOBROKER_A_FILE_OBJECTS] = { "objects", K_U32 },
	[IOBROKER_A_FILE_PINNED] = { "pinned", K_U64 },
	[IOBROKER_A_FILE_CHARGED] = { "charged", K_U64 },
	[IOBROKER_A_FILE_ACCOUNT_MODE] = { "account", K_MODE },
};

static const struct attr object_attrs[IOBROKER_A_OBJECT_MAX + 1] = {
	[IOBROKER_A_OBJECT_FILE] = { "file", K_U32 },
	[IOBROKER_A_OBJECT_ID] = { "id", K_U32 },
	[IOBROKER_A_OBJECT_TYPE] = { "type", K_TYPE },
	[IOBROKER_A_OBJECT_USERS] = { "users", K_U32 },
	[IOBROKER_A_OBJECT_AREAS] = { "areas", K_U32 },
	[IOBROKER_A_OBJECT_MAPPED] = { "mapped", K_U64 },
	[IOBROKER_A_OBJECT_PINNED] = { "pinned", K_U64 },
	[IOBROKER_A_OBJECT_IOAS] = { "ioas", K_U32 },
	[IOBROKER_A_OBJECT_HWPT] = { "hwpt", K_U32 },
	[IOBROKER_A_OBJECT_DEV_NAME] = { "dev-name", K_STR },
	[IOBROKER_A_OBJECT_WINDOW] = { "window", K_NEST },
};

static const struct attr event_attrs[IOBROKER_A_EVENT_MAX + 1] = {
	[IOBROKER_A_EVENT_SEQ] = { "seq", K_U64 },
	[IOBROKER_A_EVENT_FILE] = { "file", K_U32 },
	[IOBROKER_A_EVENT_ID] = { "id", K_U32 },
	[IOBROKER_A_EVENT_TYPE] = { "type", K_TYPE },
	[IOBROKER_A_EVENT_HWPT] = { "hwpt", K_U32 },
	[IOBROKER_A_EVENT_OLD_HWPT] = { "old-hwpt", K_U32 },
	[IOBROKER_A_EVENT_DEV_NAME] = { "dev-name", K_STR },
	[IOBROKER_A_EVENT_START] = { "start", K_HEX },
	[IOBROKER_A_EVENT_SIZE] = { "size", K_HEX },
	[IOBROKER_A_EVENT_PAGE_SIZE] = { "page-size", K_U64 },
	[IOBROKER_A_EVENT_LEVELS] = { "levels", K_U32 },
	[IOBROKER_A_EVENT_PID] = { "pid", K_U32 },
	[IOBROKER_A_EVENT_UID] = { "uid", K_U32 },
	[IOBROKER_A_EVENT_PAGES] = { "pages", K_U64 },
	[IOBROKER_A_EVENT_LOCKED] = { "locked", K_U64 },
	[IOBROKER_A_EVENT_LIMIT] = { "limit", K_U64 },
};

static const char *const event_names[IOBROKER_CMD_MAX + 1] = {
	[IOBROKER_CMD_FILE_NEW_NTF] = "file-new",
	[IOBROKER_CMD_FILE_DEL_NTF] = "file-del",
	[IOBROKER_CMD_OBJECT_NEW_NTF] = "object-new",
	[IOBROKER_CMD_OBJECT_DEL_NTF] = "object-del",
	[IOBROKER_CMD_DEV_BIND_NTF] = "dev-bind",
	[IOBROKER_CMD_DEV_ATTACH_NTF] = "dev-attach",
	[IOBROKER_CMD_DEV_REPLACE_NTF] = "dev-replace",
	[IOBROKER_CMD_DEV_DETACH_NTF] = "dev-detach",
	[IOBROKER_CMD_DEV_UNBIND_NTF] = "dev-unbind",
	[IOBROKER_CMD_WINDOW_NEW_NTF] = "window-new",
	[IOBROKER_CMD_WINDOW_DEL_NTF] = "window-del",
	[IOBROKER_CMD_UNMAP_STALL_NTF] = "unmap-stall",
	[IOBROKER_CMD_UNMAP_DEADLOCK_NTF] = "unmap-deadlock",
	[IOBROKER_CMD_RLIMIT_NTF] = "rlimit",
};

static const char *const type_names[] = {
	[IOBROKER_OBJ_TYPE_ACCESS] = "access",
	[IOBROKER_OBJ_TYPE_DEVICE] = "device",
	[IOBROKER_OBJ_TYPE_HWPT] = "hwpt",
	[IOBROKER_OBJ_TYPE_IOAS] = "ioas",
	[IOBROKER_OBJ_TYPE_SELFTEST] = "selftest",
};

static const char *const mode_names[] = {
	[IOBROKER_ACCOUNT_MODE_USER] = "user",
	[IOBROKER_ACCOUNT_MODE_MM] = "mm",
};

/* What the command line asked for. */
static struct {
	bool json;
	bool pretty;
	const char *what;	/* files, objects, devices, windows */
	__u32 file;
	__u32 type;
	unsigned long count;	/* monitor: stop after this many events */
	int rcvbuf;
} opt;

static int kernel_err;		/* errno of the kernel's error message */
static unsigned long printed;	/* items of show, for the JSON commas */
static bool done;		/* monitor: --count events were printed */

/* --- output ------------------------------------------------------------- */

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *name_of(const char *const *names, size_t n, __u32 v)
{
	return v < n && names[v] ? names[v] : NULL;
}

/* Open a record: a line in text, an object in JSON. */
static void rec_open(void)
{
	if (opt.json)
		printf("{");
}

static void rec_close(void)
{
	printf(opt.json ? (opt.pretty ? "\n  }" : "}") : "\n");
}

/* One key and its value, after @n keys of the same record. */
static void field(unsigned int n, const char *key, const char *str,
		  __u64 num, bool hex)
{
	if (opt.json) {
		printf("%s", n ? (opt.pretty ? ",\n    " : ",") :
				 (opt.pretty ? "\n    " : ""));
		json_string(key);
		printf(opt.pretty ? ": " : ":");
		if (str)
			json_string(str);
		else
			printf("%llu", (unsigned long long)num);
		return;
	}
	printf("%s%s ", n ? " " : "", key);
	if (str)
		printf("%s", str);
	else if (hex)
		printf("%#llx", (unsigned long long)num);
	else
		printf("%llu", (unsigned long long)num);
}

/* Print attribute @a, described by @set; returns the fields written. */
static unsigned int put_attr(unsigned int n, const struct attr *set,
			     size_t max, struct nlattr *a)
{
	int type = nla_type(a);
	const struct attr *d;
	const char *s;
	__u64 v;

	if (type <= 0 || (size_t)type > max || !set[type].name)
		return 0;
	d = &set[type];
	switch (d->kind) {
	case K_STR:
		/* The kernel's strings end in a NUL; skip one that does not. */
		if (nla_len(a) < 1 || ((char *)nla_data(a))[nla_len(a) - 1])
			return 0;
		field(n, d->name, nla_get_string(a), 0, false);
		return 1;
	case K_NEST:
		return 0;
	default:
		break;
	}
	/* Numbers are u32 or u64; anything shorter is not one. */
	if (nla_len(a) < (int)sizeof(__u32))
		return 0;
	v = nla_len(a) >= (int)sizeof(__u64) ? nla_get_u64(a) : nla_get_u32(a);
	s = NULL;
	if (d->kind == K_TYPE)
		s = name_of(type_names, sizeof(type_names) / sizeof(*type_names),
			    v);
	if (d->kind == K_MODE)
		s = name_of(mode_names, sizeof(mode_names) / sizeof(*mode_names),
			    v);
	field(n, d->name, s, v, d->kind == K_HEX);
	return 1;
}

/* --- show ---------------------------------------------------------------- */

static struct nlattr *find(struct nlattr *attrs, int len, int type)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, attrs, len, rem)
		if (nla_type(a) == type)
			return a;
	return NULL;
}

static void item_begin(void)
{
	if (opt.json)
		printf("%s%s", printed ? "," : "", opt.pretty ? "\n  " : "");
	printed++;
	rec_open();
}

/* A window line: the HWPT's file and ID, then the window's attributes. */
static void show_window(struct nlattr *attrs, int len, struct nlattr *w)
{
	struct nlattr *a, *f = find(attrs, len, IOBROKER_A_OBJECT_FILE);
	struct nlattr *id = find(attrs, len, IOBROKER_A_OBJECT_ID);
	unsigned int n = 0;
	int rem;

	item_begin();
	if (f)
		field(n++, "file", NULL, nla_get_u32(f), false);
	if (id)
		field(n++, "hwpt", NULL, nla_get_u32(id), false);
	nla_for_each_nested(a, w, rem)
		n += put_attr(n, window_attrs, IOBROKER_A_WINDOW_MAX, a);
	rec_close();
}

static int show_one(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *attrs = genlmsg_attrdata(gh, 0), *a;
	int len = genlmsg_attrlen(gh, 0), rem;
	unsigned int n = 0, nwin = 0;

	(void)arg;
	if (!strcmp(opt.what, "windows")) {
		nla_for_each_attr(a, attrs, len, rem)
			if (nla_type(a) == IOBROKER_A_OBJECT_WINDOW)
				show_window(attrs, len, a);
		return NL_OK;
	}
	item_begin();
	nla_for_each_attr(a, attrs, len, rem) {
		if (gh->cmd == IOBROKER_CMD_FILE_GET) {
			n += put_attr(n, file_attrs, IOBROKER_A_FILE_MAX, a);
			continue;
		}
		if (nla_type(a) == IOBROKER_A_OBJECT_WINDOW) {
			nwin++;
			continue;
		}
		n += put_attr(n, object_attrs, IOBROKER_A_OBJECT_MAX, a);
	}
	if (!opt.json && !strcmp(opt.what, "devices") &&
	    !find(attrs, len, IOBROKER_A_OBJECT_HWPT))
		field(n++, "hwpt", "detached", 0, false);
	if (nwin)
		field(n++, "windows", NULL, nwin, false);
	rec_close();
	return NL_OK;
}

/* The kernel's answer to a request that failed: keep its errno. */
static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	(void)arg;
	kernel_err = -e->error;
	return NL_STOP;
}

/*
 * Build the request: a dump, filtered by file and type for objects, or,
 * for "show files file N", a get of that one file.
 */
static struct nl_msg *show_request(int family)
{
	bool files = !strcmp(opt.what, "files");
	struct nl_msg *msg = nlmsg_alloc();
	__u32 type = opt.type;
	int flags = NLM_F_DUMP;

	if (!strcmp(opt.what, "devices"))
		type = IOBROKER_OBJ_TYPE_DEVICE;
	else if (!strcmp(opt.what, "windows"))
		type = IOBROKER_OBJ_TYPE_HWPT;
	if (files && opt.file)
		flags = 0;
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, files ? IOBROKER_CMD_FILE_GET :
				 IOBROKER_CMD_OBJECT_GET,
				 IOBROKER_FAMILY_VERSION) ||
	    (files && opt.file &&
	     nla_put_u32(msg, IOBROKER_A_FILE_ID, opt.file)) ||
	    (!files && opt.file &&
	     nla_put_u32(msg, IOBROKER_A_OBJECT_FILE, opt.file)) ||
	    (!files && type && nla_put_u32(msg, IOBROKER_A_OBJECT_TYPE, type))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int show(struct nl_sock *sk, int family)
{
	struct nl_msg *msg = show_request(family);
	int rc;

	if (!msg) {
		fprintf(stderr, "iobctl: out of memory\n");
		return 1;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, show_one, NULL);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, NULL);
	if (opt.json)
		printf("[");
	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc >= 0)
		rc = nl_recvmsgs_default(sk);
	if (opt.json)
		printf("%s]\n", printed && opt.pretty ? "\n" : "");
	if (kernel_err) {
		fprintf(stderr, "iobctl: the kernel refused the request: %s\n",
			strerror(kernel_err));
		return 1;
	}
	if (rc == -NLE_DUMP_INTR) {
		/* What was printed is complete, but not one moment's state. */
		fprintf(stderr, "iobctl: the state changed during the dump; run it again\n");
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "iobctl: %s\n", nl_geterror(rc));
		return 1;
	}
	return 0;
}

/* --- monitor ------------------------------------------------------------- */

static __u64 last_seq;
static bool seen_seq;		/* last_seq holds an event's number */

/* "[2026-01-02T03:04:05.123456]", or the JSON value of the same. */
static void stamp(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char t[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld", t, (long)tv.tv_usec);
}

/* A record of the monitor's own: loss or overrun. */
static void note(const char *event, __u64 count, __u64 from, __u64 to)
{
	char ts[40];

	stamp(ts, sizeof(ts));
	if (opt.json) {
		printf("{\"time\":\"%s\",\"event\":\"%s\"", ts, event);
		if (count)
			printf(",\"count\":%llu,\"first\":%llu,\"last\":%llu",
			       (unsigned long long)count,
			       (unsigned long long)from,
			       (unsigned long long)to);
		printf("}\n");
	} else if (count) {
		printf("[%s] lost %llu events (seq %llu..%llu)\n", ts,
		       (unsigned long long)count, (unsigned long long)from,
		       (unsigned long long)to);
	} else {
		printf("[%s] overrun: the kernel dropped events\n", ts);
	}
}

/*
 * One event: its time, number and name, then its other attributes in
 * the order the kernel put them. A number more than one past the last
 * one means events were lost in between; it is said first.
 */
static int monitor_one(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *attrs = genlmsg_attrdata(gh, 0), *a;
	int len = genlmsg_attrlen(gh, 0), rem;
	struct nlattr *seq = find(attrs, len, IOBROKER_A_EVENT_SEQ);
	const char *name = name_of(event_names, IOBROKER_CMD_MAX + 1, gh->cmd);
	unsigned int n = 0;
	char ts[40];
	__u64 s = 0;

	(void)arg;
	if (!name)
		return NL_OK;
	if (seq && nla_len(seq) >= (int)sizeof(__u64)) {
		s = nla_get_u64(seq);
		if (seen_seq && s > last_seq + 1)
			note("lost", s - last_seq - 1, last_seq + 1, s - 1);
		last_seq = s;
		seen_seq = true;
	} else {
		seq = NULL;
	}
	stamp(ts, sizeof(ts));
	if (opt.json) {
		printf("{\"time\":\"%s\"", ts);
		n = 1;
	} else {
		printf("[%s] ", ts);
	}
	if (seq)
		field(n++, "seq", NULL, s, false);
	if (opt.json)
		field(n, "event", name, 0, false);
	else
		printf("%s%s", n ? " " : "", name);
	n++;
	nla_for_each_attr(a, attrs, len, rem)
		if (nla_type(a) != IOBROKER_A_EVENT_SEQ)
			n += put_attr(n, event_attrs, IOBROKER_A_EVENT_MAX, a);
	rec_close();
	if (opt.json)
		printf("\n");
	if (opt.count && !--opt.count)
		done = true;
	return NL_STOP;
}

/* Its only work is to interrupt the wait in watch(). */
static void on_signal(int sig)
{
	(void)sig;
}

/*
 * Join the monitor group, then print events until SIGINT, SIGTERM or
 * --count. libnl retries a read a signal interrupts, so the socket is
 * non-blocking and the wait is ppoll()'s. The two signals are blocked
 * everywhere but in that wait, so one that comes while an event is read
 * ends the next wait at once, and a wait that ends with EINTR was ended
 * by one of them: no other signal has a handler here.
 */
static int watch(struct nl_sock *sk)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait;
	struct pollfd p;
	int group, rc;

	group = genl_ctrl_resolve_grp(sk, IOBROKER_FAMILY_NAME,
				      IOBROKER_MCGRP_MONITOR);
	if (group < 0) {
		fprintf(stderr, "iobctl: the iobroker family has no monitor group: %s\n",
			nl_geterror(group));
		return 1;
	}
	nl_socket_disable_seq_check(sk);
	rc = nl_socket_add_membership(sk, group);
	if (rc == -NLE_PERM) {
		fprintf(stderr, "iobctl: joining the monitor group needs CAP_SYS_ADMIN\n");
		return 1;
	}
	if (rc) {
		fprintf(stderr, "iobctl: cannot join the monitor group: %s\n",
			nl_geterror(rc));
		return 1;
	}
	rc = opt.rcvbuf ? nl_socket_set_buffer_size(sk, opt.rcvbuf, 0) : 0;
	if (rc) {
		fprintf(stderr, "iobctl: cannot set the receive buffer: %s\n",
			nl_geterror(rc));
		return 1;
	}
	rc = nl_socket_set_nonblocking(sk);
	if (rc) {
		fprintf(stderr, "iobctl: cannot listen: %s\n", nl_geterror(rc));
		return 1;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_one, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait);
	sigdelset(&wait, SIGINT);
	sigdelset(&wait, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	p.fd = nl_socket_get_fd(sk);
	p.events = POLLIN;
	while (!done) {
		if (ppoll(&p, 1, NULL, &wait) < 0) {
			if (errno == EINTR)
				return 0;
			perror("iobctl: poll");
			return 1;
		}
		/*
		 * One message per call, so that --count stops where it says.
		 * libnl reports the kernel's ENOBUFS (events dropped because
		 * the socket was full) as out of memory; the socket goes on.
		 */
		rc = nl_recvmsgs_default(sk);
		if (rc == -NLE_NOMEM && errno == ENOBUFS) {
			note("overrun", 0, 0, 0);
		} else if (rc < 0) {
			fprintf(stderr, "iobctl: %s\n", nl_geterror(rc));
			return 1;
		}
	}
	return 0;
}

/* --- the command line ---------------------------------------------------- */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: iobctl [-j [-p]] show [files|objects|devices|windows] [file N] [type T]\n"
		"       iobctl [-j] monitor [--count N] [--rcvbuf BYTES]\n"
		"       iobctl -h | --help | -V | --version\n"
		"\n"
		"  -j  JSON: an array for show, one object per line for monitor\n"
		"  -p  pretty-print the JSON of show\n"
		"  N   a file's number: its objects, or with files that file only\n"
		"  T   access, device, hwpt, ioas or selftest (objects only)\n"
		"\n"
		"Other users' files and the monitor need CAP_SYS_ADMIN (iobctl(8)).\n");
}

static bool number(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	return *s && !*end && !errno && *s != '-';
}

/* Parse what follows "show" or "monitor"; false on a bad argument. */
static bool parse(int argc, char **argv, bool mon)
{
	unsigned long v;
	size_t t;
	int i = 0;

	if (!mon && i < argc && (!strcmp(argv[i], "files") ||
				 !strcmp(argv[i], "objects") ||
				 !strcmp(argv[i], "devices") ||
				 !strcmp(argv[i], "windows")))
		opt.what = argv[i++];
	for (; i < argc; i += 2) {
		if (i + 1 >= argc)
			return false;
		if (!mon && !strcmp(argv[i], "file") && number(argv[i + 1], &v) &&
		    v && v <= UINT32_MAX) {
			opt.file = v;
			continue;
		}
		if (!mon && !strcmp(argv[i], "type")) {
			opt.type = 0;
			for (t = 1; t < sizeof(type_names) / sizeof(*type_names); t++)
				if (!strcmp(argv[i + 1], type_names[t]))
					opt.type = t;
			if (!opt.type)
				return false;
			continue;
		}
		if (mon && !strcmp(argv[i], "--count") &&
		    number(argv[i + 1], &v) && v) {
			opt.count = v;
			continue;
		}
		if (mon && !strcmp(argv[i], "--rcvbuf") &&
		    number(argv[i + 1], &v) && v && v <= INT32_MAX) {
			opt.rcvbuf = v;
			continue;
		}
		return false;
	}
	if (mon)
		return true;
	/*
	 * Without a view a filter means objects, and no filter files. Only
	 * objects take a type: devices and windows have theirs, and files
	 * none.
	 */
	if (!opt.what)
		opt.what = opt.file || opt.type ? "objects" : "files";
	return !opt.type || !strcmp(opt.what, "objects");
}

int main(int argc, char **argv)
{
	struct nl_sock *sk;
	bool mon = false;
	int i, family, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "-p")) {
			opt.json |= argv[i][1] == 'j';
			opt.pretty |= argv[i][1] == 'p';
			continue;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("iobctl %s, family %s version %d\n",
			       IOBCTL_VERSION, IOBROKER_FAMILY_NAME,
			       IOBROKER_FAMILY_VERSION);
			return 0;
		}
		print_usage(stderr);
		return 2;
	}
	if (i < argc && !strcmp(argv[i], "monitor"))
		mon = true;
	else if (i < argc && strcmp(argv[i], "show"))
		i = argc + 1;
	if (i > argc || (opt.pretty && (!opt.json || mon)) ||
	    !parse(argc - i - 1, argv + i + 1, mon)) {
		print_usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "iobctl: cannot open a generic netlink socket\n");
		return 1;
	}
	nl_socket_disable_auto_ack(sk);
	family = genl_ctrl_resolve(sk, IOBROKER_FAMILY_NAME);
	if (family == -NLE_OBJ_NOTFOUND) {
		fprintf(stderr, "iobctl: the iobroker module is not loaded");
		fprintf(stderr, " (no generic netlink family \"%s\")\n",
			IOBROKER_FAMILY_NAME);
		nl_socket_free(sk);
		return 1;
	}
	if (family < 0) {
		fprintf(stderr, "iobctl: cannot look up the family \"%s\": %s\n",
			IOBROKER_FAMILY_NAME, nl_geterror(family));
		nl_socket_free(sk);
		return 1;
	}
	rc = mon ? watch(sk) : show(sk, family);
	nl_socket_free(sk);
	return rc;
}
