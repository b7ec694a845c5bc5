/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker-pci: real PCI devices as iobroker device objects.
 */
#ifndef IOBROKER_DEVICES_PCI_H
#define IOBROKER_DEVICES_PCI_H

struct dentry;
struct device;
struct seq_file;

#ifdef CONFIG_PPC_PSERIES

int iob_pci_init(struct dentry *debugfs);
void iob_pci_exit(void);
int iob_tces_show(struct seq_file *m, struct device *dev);

#else

/* Only the pseries TCE backend drives real devices so far. */
static inline int iob_pci_init(struct dentry *debugfs)
{
	return 0;
}

static inline void iob_pci_exit(void)
{
}

#endif

#endif
