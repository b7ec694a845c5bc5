/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker RLIMIT_MEMLOCK accounting of pinned pages.
 */
#ifndef IOBROKER_ACCOUNT_H
#define IOBROKER_ACCOUNT_H

struct iob_pages;

int iob_account_pin(struct iob_pages *pages, unsigned long npages);
void iob_account_unpin(struct iob_pages *pages, unsigned long npages);

#endif
