// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker-pci: the device's regions, as VFIO lays them out. Region i
 * starts at file offset i << 40: BARs 0 to 5, read and written with
 * read() and write() and memory BARs mapped with mmap(); config space,
 * read only. Both go through one helper that cuts an access into
 * naturally aligned dwords, words and bytes, in bus (little-endian) byte
 * order whatever the CPU's.
 */
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include "pci_internal.h"

/* Can a BAR be mapped: memory, at least a page, on a page boundary? */
static bool iob_pci_bar_mmap_ok(struct pci_dev *pdev, unsigned int bar)
{
	return pci_resource_flags(pdev, bar) & IORESOURCE_MEM &&
	       pci_resource_len(pdev, bar) >= PAGE_SIZE &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar));
}

/* VFIO_DEVICE_GET_INFO */
long iob_pci_get_info(struct iob_pci *ipci, struct file *file,
		      struct vfio_device_info __user *arg)
{
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || !iob_pci_bound(ipci, file))
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = 0;
	info.cap_offset = 0;
	info.pad = 0;
	minsz = min_t(size_t, info.argsz, sizeof(info));
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/* VFIO_DEVICE_GET_REGION_INFO */
long iob_pci_get_region_info(struct iob_pci *ipci, struct file *file,
			     struct vfio_region_info __user *arg)
{
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct pci_dev *pdev = ipci->pdev;
	struct vfio_region_info info;
	unsigned long flags;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_REGIONS ||
	    !iob_pci_bound(ipci, file))
		return -EINVAL;
	info.flags = 0;
	info.size = 0;
	info.cap_offset = 0;
	info.offset = (u64)info.index << IOB_PCI_REGION_SHIFT;
	if (info.index <= VFIO_PCI_BAR5_REGION_INDEX) {
		flags = pci_resource_flags(pdev, info.index);
		if (flags & (IORESOURCE_MEM | IORESOURCE_IO)) {
			info.size = pci_resource_len(pdev, info.index);
			info.flags = VFIO_REGION_INFO_FLAG_READ |
				     VFIO_REGION_INFO_FLAG_WRITE;
		}
		if (iob_pci_bar_mmap_ok(pdev, info.index))
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
	} else if (info.index == VFIO_PCI_CONFIG_REGION_INDEX) {
		info.size = pdev->cfg_size;
		info.flags = VFIO_REGION_INFO_FLAG_READ;
	}
	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * One naturally aligned access of @width bytes (4, 2 or 1) at @off of a
 * region: reads set *@val, writes take it. Return 0 or a negative errno.
 */
typedef int (*iob_pci_access_fn)(void *region, u64 off, unsigned int width,
				 u32 *val, bool write);

/*
 * Copy @count bytes between @buf and a region from @off, in naturally
 * aligned accesses as wide as alignment and length allow, so that every
 * register is read and written with its own width.
 */
static ssize_t iob_pci_aligned_rw(void *region, iob_pci_access_fn access,
				  char __user *buf, size_t count, u64 off,
				  bool write)
{
	unsigned int width;
	size_t done;
	__le32 bus;
	u32 val;
	int rc;

	for (done = 0; done < count; done += width) {
		u64 pos = off + done;

		if (!(pos & 3) && count - done >= 4)
			width = 4;
		else if (!(pos & 1) && count - done >= 2)
			width = 2;
		else
			width = 1;
		/* The low bytes of a little-endian word are the first ones. */
		bus = 0;
		if (write) {
			if (copy_from_user(&bus, buf + done, width))
				return -EFAULT;
			val = le32_to_cpu(bus);
		}
		rc = access(region, pos, width, &val, write);
		if (rc)
			return rc;
		if (!write) {
			bus = cpu_to_le32(val);
			if (copy_to_user(buf + done, &bus, width))
				return -EFAULT;
		}
	}
	return done;
}

/* Config space: reads only, through the PCI core's user accessors. */
static int iob_pci_config_access(void *region, u64 off, unsigned int width,
				 u32 *val, bool write)
{
	struct pci_dev *pdev = region;
	u16 v16;
	u8 v8;
	int rc;

	if (write)
		return -EINVAL;
	switch (width) {
	case 4:
		rc = pci_user_read_config_dword(pdev, off, val);
		break;
	case 2:
		rc = pci_user_read_config_word(pdev, off, &v16);
		*val = v16;
		break;
	default:
		rc = pci_user_read_config_byte(pdev, off, &v8);
		*val = v8;
		break;
	}
	return rc < 0 ? rc : rc ? -EIO : 0;
}

/* A BAR, through its mapping for the kernel. */
struct iob_pci_bar_region {
	void __iomem *io;
};

static int iob_pci_bar_access(void *region, u64 off, unsigned int width,
			      u32 *val, bool write)
{
	void __iomem *p = ((struct iob_pci_bar_region *)region)->io + off;

	switch (width) {
	case 4:
		if (write)
			iowrite32(*val, p);
		else
			*val = ioread32(p);
		break;
	case 2:
		if (write)
			iowrite16(*val, p);
		else
			*val = ioread16(p);
		break;
	default:
		if (write)
			iowrite8(*val, p);
		else
			*val = ioread8(p);
		break;
	}
	return 0;
}

static ssize_t iob_pci_config_rw(struct pci_dev *pdev, char __user *buf,
				 size_t count, u64 off, bool write)
{
	if (write || off >= pdev->cfg_size)
		return -EINVAL;
	count = min_t(u64, count, pdev->cfg_size - off);
	return iob_pci_aligned_rw(pdev, iob_pci_config_access, buf, count, off,
				  false);
}

static ssize_t iob_pci_bar_rw(struct iob_pci *ipci, unsigned int bar,
			      char __user *buf, size_t count, u64 off,
			      bool write)
{
	struct pci_dev *pdev = ipci->pdev;
	u64 len = pci_resource_len(pdev, bar);
	struct iob_pci_bar_region region;

	if (!(pci_resource_flags(pdev, bar) & (IORESOURCE_MEM | IORESOURCE_IO)) ||
	    off >= len)
		return -EINVAL;
	count = min_t(u64, count, len - off);
	mutex_lock(&ipci->lock);
	if (!ipci->bar[bar])
		ipci->bar[bar] = pci_iomap(pdev, bar, 0);
	region.io = ipci->bar[bar];
	mutex_unlock(&ipci->lock);
	if (!region.io)
		return -ENOMEM;
	return iob_pci_aligned_rw(&region, iob_pci_bar_access, buf, count, off,
				  write);
}

/* Unmap what read() and write() mapped of the BARs, at unbind. */
void iob_pci_unmap_bars(struct iob_pci *ipci)
{
	unsigned int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (ipci->bar[i])
			pci_iounmap(ipci->pdev, ipci->bar[i]);
		ipci->bar[i] = NULL;
	}
}

static ssize_t iob_pci_rw(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos, bool write)
{
	struct iob_pci *ipci = file->private_data;
	u64 index = (u64)*ppos >> IOB_PCI_REGION_SHIFT;
	u64 off = *ppos & IOB_PCI_OFFSET_MASK;
	ssize_t rc;

	if (*ppos < 0 || !iob_pci_bound(ipci, file))
		return -EINVAL;
	if (index <= VFIO_PCI_BAR5_REGION_INDEX)
		rc = iob_pci_bar_rw(ipci, index, buf, count, off, write);
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		rc = iob_pci_config_rw(ipci->pdev, buf, count, off, write);
	else
		rc = -EINVAL;
	if (rc > 0)
		*ppos += rc;
	return rc;
}

/* read() of a region. */
ssize_t iob_pci_read(struct file *file, char __user *buf, size_t count,
		     loff_t *ppos)
{
	return iob_pci_rw(file, buf, count, ppos, false);
}

/* write() of a BAR. */
ssize_t iob_pci_write(struct file *file, const char __user *buf,
		      size_t count, loff_t *ppos)
{
	return iob_pci_rw(file, (char __user *)buf, count, ppos, true);
}

/* BARs of memory, shared mappings only. */
int iob_pci_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct iob_pci *ipci = file->private_data;
	struct pci_dev *pdev = ipci->pdev;
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	u64 index = pos >> IOB_PCI_REGION_SHIFT;
	u64 off = pos & IOB_PCI_OFFSET_MASK;
	u64 len = vma->vm_end - vma->vm_start, bar_len;

	if (!iob_pci_bound(ipci, file) || index > VFIO_PCI_BAR5_REGION_INDEX ||
	    !iob_pci_bar_mmap_ok(pdev, index) || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	bar_len = PAGE_ALIGN(pci_resource_len(pdev, index));
	if (off >= bar_len || len > bar_len - off)
		return -EINVAL;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	return io_remap_pfn_range(vma, vma->vm_start,
				  (pci_resource_start(pdev, index) + off) >>
				  PAGE_SHIFT, len, vma->vm_page_prot);
}
