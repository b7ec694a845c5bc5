// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker_test: a PCI driver that uses the kernel's DMA API, for the
 * tests that put a kernel driver into an iommu group iobroker wants.
 *
 * It binds only through driver_override and does nothing with the
 * device, but because it does not set driver_managed_dma, the driver core
 * makes its device's group a DMA-API group while it is bound: iobroker
 * must then refuse to claim the group, and while iobroker owns the group
 * this driver must fail to bind.
 */
#include <linux/module.h>
#include <linux/pci.h>

#include "test.h"

static int iob_test_pci_probe(struct pci_dev *pdev,
			      const struct pci_device_id *id)
{
	return 0;
}

static void iob_test_pci_remove(struct pci_dev *pdev)
{
}

static struct pci_driver iob_test_pci_driver = {
	.name = "iobroker-test-dma",
	.probe = iob_test_pci_probe,
	.remove = iob_test_pci_remove,
};

/**
 * iob_test_pci_init() - register the DMA-API test driver
 *
 * Return: 0 or a negative errno.
 */
int iob_test_pci_init(void)
{
	return pci_register_driver(&iob_test_pci_driver);
}

/**
 * iob_test_pci_exit() - unregister it
 */
void iob_test_pci_exit(void)
{
	pci_unregister_driver(&iob_test_pci_driver);
}
