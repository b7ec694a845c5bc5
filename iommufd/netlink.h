/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker's generic netlink family: reports and the monitor group.
 */
#ifndef IOBROKER_NETLINK_H
#define IOBROKER_NETLINK_H

int iob_netlink_init(void);
void iob_netlink_exit(void);

#endif
