/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * The iobroker generic netlink family: what the users of /dev/iommu hold,
 * and a monitor group of events. docs/netlink/iobroker.yaml is the
 * specification; the names and values here are what the kernel's
 * ynl-gen-c.py makes of it (make lint checks that), with kernel-doc added.
 * docs/netlink.rst describes the family.
 */
#ifndef _UAPI_IOBROKER_NETLINK_H
#define _UAPI_IOBROKER_NETLINK_H

#define IOBROKER_FAMILY_NAME	"iobroker"
#define IOBROKER_FAMILY_VERSION	1

/**
 * enum iobroker_obj_type - the type of an object
 * @IOBROKER_OBJ_TYPE_ACCESS: an in-kernel access
 * @IOBROKER_OBJ_TYPE_DEVICE: a bound device
 * @IOBROKER_OBJ_TYPE_HWPT: a hardware page table
 * @IOBROKER_OBJ_TYPE_IOAS: an IO address space
 * @IOBROKER_OBJ_TYPE_SELFTEST: a test module's object
 */
enum iobroker_obj_type {
	IOBROKER_OBJ_TYPE_ACCESS = 1,
	IOBROKER_OBJ_TYPE_DEVICE,
	IOBROKER_OBJ_TYPE_HWPT,
	IOBROKER_OBJ_TYPE_IOAS,
	IOBROKER_OBJ_TYPE_SELFTEST,
};

/**
 * enum iobroker_account_mode - whose RLIMIT_MEMLOCK pinned pages count to
 * @IOBROKER_ACCOUNT_MODE_USER: the user's, shared by all its processes
 * @IOBROKER_ACCOUNT_MODE_MM: the mapping process's, as VFIO type1 does
 */
enum iobroker_account_mode {
	IOBROKER_ACCOUNT_MODE_USER,
	IOBROKER_ACCOUNT_MODE_MM,
};

/**
 * enum iobroker_window_attrs - one window of a HWPT, nested in
 *	%IOBROKER_A_OBJECT_WINDOW
 * @IOBROKER_A_WINDOW_INDEX: u32, position among the HWPT's windows
 * @IOBROKER_A_WINDOW_START: u64, first bus address
 * @IOBROKER_A_WINDOW_SIZE: u64, bytes spanned
 * @IOBROKER_A_WINDOW_PAGE_SIZE: u64, bytes one TCE translates
 * @IOBROKER_A_WINDOW_LEVELS: u32, levels of the TCE table
 * @IOBROKER_A_WINDOW_TCES: u64, TCEs that translate something now
 * @IOBROKER_A_WINDOW_PAD: padding for 64-bit attributes
 * @__IOBROKER_A_WINDOW_MAX: one past the last
 * @IOBROKER_A_WINDOW_MAX: the last
 */
enum iobroker_window_attrs {
	IOBROKER_A_WINDOW_INDEX = 1,
	IOBROKER_A_WINDOW_START,
	IOBROKER_A_WINDOW_SIZE,
	IOBROKER_A_WINDOW_PAGE_SIZE,
	IOBROKER_A_WINDOW_LEVELS,
	IOBROKER_A_WINDOW_TCES,
	IOBROKER_A_WINDOW_PAD,

	__IOBROKER_A_WINDOW_MAX,
	IOBROKER_A_WINDOW_MAX = (__IOBROKER_A_WINDOW_MAX - 1)
};

/**
 * enum iobroker_file_attrs - an open /dev/iommu file
 * @IOBROKER_A_FILE_ID: u32, the file's number while it is open (from 1)
 * @IOBROKER_A_FILE_PID: u32, process that opened it (initial PID namespace)
 * @IOBROKER_A_FILE_UID: u32, its effective user (initial user namespace)
 * @IOBROKER_A_FILE_OBJECTS: u32, objects the file holds
 * @IOBROKER_A_FILE_PINNED: u64, pages its objects hold pinned
 * @IOBROKER_A_FILE_CHARGED: u64, of those, pages charged to a limit
 * @IOBROKER_A_FILE_ACCOUNT_MODE: u32, &enum iobroker_account_mode
 * @IOBROKER_A_FILE_PAD: padding for 64-bit attributes
 * @__IOBROKER_A_FILE_MAX: one past the last
 * @IOBROKER_A_FILE_MAX: the last
 */
enum iobroker_file_attrs {
	IOBROKER_A_FILE_ID = 1,
	IOBROKER_A_FILE_PID,
	IOBROKER_A_FILE_UID,
	IOBROKER_A_FILE_OBJECTS,
	IOBROKER_A_FILE_PINNED,
	IOBROKER_A_FILE_CHARGED,
	IOBROKER_A_FILE_ACCOUNT_MODE,
	IOBROKER_A_FILE_PAD,

	__IOBROKER_A_FILE_MAX,
	IOBROKER_A_FILE_MAX = (__IOBROKER_A_FILE_MAX - 1)
};

/**
 * enum iobroker_object_attrs - an object of a file
 * @IOBROKER_A_OBJECT_FILE: u32, the file's number
 * @IOBROKER_A_OBJECT_ID: u32, the object's ID in its file
 * @IOBROKER_A_OBJECT_TYPE: u32, &enum iobroker_obj_type
 * @IOBROKER_A_OBJECT_USERS: u32, long-term references on it
 * @IOBROKER_A_OBJECT_AREAS: u32, an IOAS's mappings
 * @IOBROKER_A_OBJECT_MAPPED: u64, bytes an IOAS's mappings cover
 * @IOBROKER_A_OBJECT_PINNED: u64, pages an IOAS's mappings hold pinned
 *	for page tables, or pages an access holds pinned
 * @IOBROKER_A_OBJECT_IOAS: u32, the IOAS of a HWPT or an access
 * @IOBROKER_A_OBJECT_HWPT: u32, the HWPT a device is attached to
 * @IOBROKER_A_OBJECT_DEV_NAME: string, the device a device object is for
 * @IOBROKER_A_OBJECT_WINDOW: nest, &enum iobroker_window_attrs, once per
 *	window of a HWPT
 * @IOBROKER_A_OBJECT_PAD: padding for 64-bit attributes
 * @__IOBROKER_A_OBJECT_MAX: one past the last
 * @IOBROKER_A_OBJECT_MAX: the last
 */
enum iobroker_object_attrs {
	IOBROKER_A_OBJECT_FILE = 1,
	IOBROKER_A_OBJECT_ID,
	IOBROKER_A_OBJECT_TYPE,
	IOBROKER_A_OBJECT_USERS,
	IOBROKER_A_OBJECT_AREAS,
	IOBROKER_A_OBJECT_MAPPED,
	IOBROKER_A_OBJECT_PINNED,
	IOBROKER_A_OBJECT_IOAS,
	IOBROKER_A_OBJECT_HWPT,
	IOBROKER_A_OBJECT_DEV_NAME,
	IOBROKER_A_OBJECT_WINDOW,
	IOBROKER_A_OBJECT_PAD,

	__IOBROKER_A_OBJECT_MAX,
	IOBROKER_A_OBJECT_MAX = (__IOBROKER_A_OBJECT_MAX - 1)
};

/**
 * enum iobroker_event_attrs - what a monitor message carries
 * @IOBROKER_A_EVENT_SEQ: u64, the event's number; a gap means loss
 * @IOBROKER_A_EVENT_FILE: u32, the file
 * @IOBROKER_A_EVENT_ID: u32, the object
 * @IOBROKER_A_EVENT_TYPE: u32, &enum iobroker_obj_type
 * @IOBROKER_A_EVENT_HWPT: u32, the HWPT attached to, or detached from
 * @IOBROKER_A_EVENT_OLD_HWPT: u32, the HWPT a replace moved away from
 * @IOBROKER_A_EVENT_DEV_NAME: string, the device
 * @IOBROKER_A_EVENT_START: u64, first address of a window or range
 * @IOBROKER_A_EVENT_SIZE: u64, its bytes
 * @IOBROKER_A_EVENT_PAGE_SIZE: u64, bytes one TCE of a window translates
 * @IOBROKER_A_EVENT_LEVELS: u32, levels of a window's table
 * @IOBROKER_A_EVENT_PID: u32, a process (initial PID namespace)
 * @IOBROKER_A_EVENT_UID: u32, a user (initial user namespace)
 * @IOBROKER_A_EVENT_PAGES: u64, pages a refused pin asked for
 * @IOBROKER_A_EVENT_LOCKED: u64, pages already charged then
 * @IOBROKER_A_EVENT_LIMIT: u64, the limit in pages
 * @IOBROKER_A_EVENT_PAD: padding for 64-bit attributes
 * @__IOBROKER_A_EVENT_MAX: one past the last
 * @IOBROKER_A_EVENT_MAX: the last
 */
enum iobroker_event_attrs {
	IOBROKER_A_EVENT_SEQ = 1,
	IOBROKER_A_EVENT_FILE,
	IOBROKER_A_EVENT_ID,
	IOBROKER_A_EVENT_TYPE,
	IOBROKER_A_EVENT_HWPT,
	IOBROKER_A_EVENT_OLD_HWPT,
	IOBROKER_A_EVENT_DEV_NAME,
	IOBROKER_A_EVENT_START,
	IOBROKER_A_EVENT_SIZE,
	IOBROKER_A_EVENT_PAGE_SIZE,
	IOBROKER_A_EVENT_LEVELS,
	IOBROKER_A_EVENT_PID,
	IOBROKER_A_EVENT_UID,
	IOBROKER_A_EVENT_PAGES,
	IOBROKER_A_EVENT_LOCKED,
	IOBROKER_A_EVENT_LIMIT,
	IOBROKER_A_EVENT_PAD,

	__IOBROKER_A_EVENT_MAX,
	IOBROKER_A_EVENT_MAX = (__IOBROKER_A_EVENT_MAX - 1)
};

/**
 * enum iobroker_cmds - the family's commands and events
 * @IOBROKER_CMD_FILE_GET: get a file, or dump the files the caller may see
 * @IOBROKER_CMD_OBJECT_GET: get an object, or dump objects
 * @IOBROKER_CMD_FILE_NEW_NTF: event, a file was opened
 * @IOBROKER_CMD_FILE_DEL_NTF: event, a file was closed
 * @IOBROKER_CMD_OBJECT_NEW_NTF: event, an object was published
 * @IOBROKER_CMD_OBJECT_DEL_NTF: event, an object was destroyed
 * @IOBROKER_CMD_DEV_BIND_NTF: event, a device was bound
 * @IOBROKER_CMD_DEV_ATTACH_NTF: event, a device was attached
 * @IOBROKER_CMD_DEV_REPLACE_NTF: event, a device changed HWPT
 * @IOBROKER_CMD_DEV_DETACH_NTF: event, a device was detached
 * @IOBROKER_CMD_DEV_UNBIND_NTF: event, a device was unbound
 * @IOBROKER_CMD_WINDOW_NEW_NTF: event, a HWPT's window came
 * @IOBROKER_CMD_WINDOW_DEL_NTF: event, a HWPT's window went
 * @IOBROKER_CMD_UNMAP_STALL_NTF: event, an unmap waits for accesses
 * @IOBROKER_CMD_UNMAP_DEADLOCK_NTF: event, an unmap gave up (EDEADLOCK)
 * @IOBROKER_CMD_RLIMIT_NTF: event, RLIMIT_MEMLOCK refused a pin
 * @__IOBROKER_CMD_MAX: one past the last
 * @IOBROKER_CMD_MAX: the last
 */
enum iobroker_cmds {
	IOBROKER_CMD_FILE_GET = 1,
	IOBROKER_CMD_OBJECT_GET,
	IOBROKER_CMD_FILE_NEW_NTF,
	IOBROKER_CMD_FILE_DEL_NTF,
	IOBROKER_CMD_OBJECT_NEW_NTF,
	IOBROKER_CMD_OBJECT_DEL_NTF,
	IOBROKER_CMD_DEV_BIND_NTF,
	IOBROKER_CMD_DEV_ATTACH_NTF,
	IOBROKER_CMD_DEV_REPLACE_NTF,
	IOBROKER_CMD_DEV_DETACH_NTF,
	IOBROKER_CMD_DEV_UNBIND_NTF,
	IOBROKER_CMD_WINDOW_NEW_NTF,
	IOBROKER_CMD_WINDOW_DEL_NTF,
	IOBROKER_CMD_UNMAP_STALL_NTF,
	IOBROKER_CMD_UNMAP_DEADLOCK_NTF,
	IOBROKER_CMD_RLIMIT_NTF,

	__IOBROKER_CMD_MAX,
	IOBROKER_CMD_MAX = (__IOBROKER_CMD_MAX - 1)
};

#define IOBROKER_MCGRP_MONITOR	"monitor"

#endif
