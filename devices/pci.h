/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker-pci: real PCI devices as iobroker device objects.
 */
#ifndef IOBROKER_DEVICES_PCI_H
#define IOBROKER_DEVICES_PCI_H

#ifdef CONFIG_PPC_PSERIES

int iob_pci_init(void);
void iob_pci_exit(void);

#else

/* Only the pseries TCE backend drives real devices so far. */
static inline int iob_pci_init(void)
{
	return 0;
}

static inline void iob_pci_exit(void)
{
}

#endif

#endif
