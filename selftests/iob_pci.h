/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI devices through sysfs, for tests and benchmarks: finding QEMU's edu
 * devices and moving them between drivers.
 */
#ifndef IOB_PCI_H
#define IOB_PCI_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define EDU_MAX		4
#define PCI_SYSFS	"/sys/bus/pci"

static inline int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static inline int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? errno : 0;
}

static int edu_cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The PCI names of all edu devices, sorted; returns how many. */
static inline int edu_find(char names[][32], int max)
{
	char path[512], val[32];
	struct dirent *de;
	DIR *d = opendir(PCI_SYSFS "/devices");
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/vendor",
			 de->d_name);
		if (sysfs_read(path, val, sizeof(val)) ||
		    strtoul(val, NULL, 0) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/device",
			 de->d_name);
		if (sysfs_read(path, val, sizeof(val)) ||
		    strtoul(val, NULL, 0) != EDU_DEVICE)
			continue;
		snprintf(names[n++], 32, "%.31s", de->d_name);
	}
	closedir(d);
	qsort(names, n, 32, edu_cmp_names);
	return n;
}

/* The driver bound to a PCI device, "" if none. */
static inline void pci_driver_of(const char *name, char *drv, size_t len)
{
	char path[512], link[512];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver", name);
	n = readlink(path, link, sizeof(link) - 1);
	drv[0] = 0;
	if (n > 0) {
		link[n] = 0;
		snprintf(drv, len, "%s", strrchr(link, '/') + 1);
	}
}

/* Unbind whatever driver @name has; 0 or an errno. */
static inline int pci_unbind(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver/unbind",
		 name);
	if (access(path, F_OK))
		return 0;
	return sysfs_write(path, name);
}

/* Bind @name to @driver (unbinding another one first); 0 or an errno. */
static inline int pci_bind(const char *name, const char *driver)
{
	char path[512], cur[64];
	int rc;

	pci_driver_of(name, cur, sizeof(cur));
	if (!strcmp(cur, driver))
		return 0;
	rc = pci_unbind(name);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/driver_override",
		 name);
	rc = sysfs_write(path, driver);
	if (rc)
		return rc;
	sysfs_write(PCI_SYSFS "/drivers_probe", name);
	pci_driver_of(name, cur, sizeof(cur));
	return strcmp(cur, driver) ? ENODEV : 0;
}

/* The iommu group number of @name, or -1. */
static inline int pci_iommu_group(const char *name)
{
	char path[512], link[512];
	ssize_t n;

	snprintf(path, sizeof(path), PCI_SYSFS "/devices/%s/iommu_group",
		 name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = 0;
	return atoi(strrchr(link, '/') + 1);
}

#endif
