/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker RLIMIT_MEMLOCK accounting of pinned pages.
 */
#ifndef IOBROKER_ACCOUNT_H
#define IOBROKER_ACCOUNT_H

struct iopt_pages;

int iopt_account_pin(struct iopt_pages *pages, unsigned long npages);
void iopt_account_unpin(struct iopt_pages *pages, unsigned long npages);

#endif
