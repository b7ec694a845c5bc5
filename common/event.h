/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker events: where every layer reports what the monitor group of
 * the netlink family (iommufd/netlink.c) tells its listeners.
 *
 * The layers that see events happen (the object store, devices, HWPTs,
 * the IO page tables, accounting) sit below the netlink family or are
 * files it reads, so they cannot call it. The family hands its sink down
 * instead: it sets one at module init, before /dev/iommu exists, and
 * clears it at exit, after the last file is gone, so no emitter ever runs
 * without one or races a change. Like export.h and fault.h, this header
 * depends on nothing of the module.
 *
 * An emitter first asks iob_event_wanted(), which is one test of the
 * group's listeners, and builds the event only if someone listens.
 */
#ifndef IOBROKER_EVENT_H
#define IOBROKER_EVENT_H

#include <linux/compiler.h>
#include <linux/types.h>

/* What happened; each kind is one notification of the family. */
enum iob_event_kind {
	IOB_EV_FILE_NEW,
	IOB_EV_FILE_DEL,
	IOB_EV_OBJECT_NEW,
	IOB_EV_OBJECT_DEL,
	IOB_EV_DEV_BIND,
	IOB_EV_DEV_ATTACH,
	IOB_EV_DEV_REPLACE,
	IOB_EV_DEV_DETACH,
	IOB_EV_DEV_UNBIND,
	IOB_EV_WINDOW_NEW,
	IOB_EV_WINDOW_DEL,
	IOB_EV_UNMAP_STALL,
	IOB_EV_UNMAP_DEADLOCK,
	IOB_EV_RLIMIT,
	IOB_EV_MAX,
};

/**
 * struct iob_event - one event; which members count depends on @kind
 * @kind: what happened
 * @file: the file's number (its context's netlink ID)
 * @id: the object
 * @type: the object's type (enum iob_obj_type, the uapi's values)
 * @hwpt: the HWPT a device is attached to now, or was detached from
 * @old_hwpt: the HWPT a replace moved the device away from
 * @levels: levels of a window's TCE table
 * @pid: a process, in the initial PID namespace
 * @uid: a user, in the initial user namespace
 * @dev_name: the device's name, valid for the call
 * @start: first address of a window or an IOVA range
 * @size: bytes of it
 * @page_size: bytes a window's TCE translates
 * @pages: pages a refused pin asked for
 * @locked: pages charged when it was refused
 * @limit: the limit it hit, in pages
 */
struct iob_event {
	enum iob_event_kind kind;
	u32 file;
	u32 id;
	u32 type;
	u32 hwpt;
	u32 old_hwpt;
	u32 levels;
	u32 pid;
	u32 uid;
	const char *dev_name;
	u64 start;
	u64 size;
	u64 page_size;
	u64 pages;
	u64 locked;
	u64 limit;
};

/**
 * struct iob_event_sink - where events go
 * @wanted: whether anyone listens right now; cheap, no lock
 * @send: deliver one event; process context, may sleep, with any
 *	iobroker lock held: it takes none of them
 */
struct iob_event_sink {
	bool (*wanted)(void);
	void (*send)(const struct iob_event *ev);
};

extern const struct iob_event_sink *iob_event_sink;

void iob_event_set_sink(const struct iob_event_sink *sink);

/* Is an event worth building? */
static inline bool iob_event_wanted(void)
{
	const struct iob_event_sink *sink = READ_ONCE(iob_event_sink);

	return sink && sink->wanted();
}

void iob_event_send(const struct iob_event *ev);

#endif
