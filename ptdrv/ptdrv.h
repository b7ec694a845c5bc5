/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker page-table driver interface.
 *
 * The IO page table layer (iopt/) maps user memory into hardware page
 * tables only through this interface; it never calls a driver directly.
 * A driver (the TCE backends in ppc_tce/) hands out a struct iob_pt for a
 * device, says where the table can translate (its apertures) and with
 * which IO page sizes, and maps and unmaps runs of physically contiguous
 * memory on request.
 */
#ifndef IOBROKER_PTDRV_H
#define IOBROKER_PTDRV_H

#include <linux/types.h>

#define IOB_PT_MAX_APERTURES 2

/* IOMMU_READ/IOMMU_WRITE of the device's view: what DMA may do. */
#define IOB_PT_READ	0x1
#define IOB_PT_WRITE	0x2

/**
 * struct iob_pt_aperture - an IOVA range a page table translates
 * @start: first IOVA
 * @last: last IOVA, inclusive
 */
struct iob_pt_aperture {
	u64 start;
	u64 last;
};

/**
 * struct iob_pt_seg - physically contiguous memory to map
 * @paddr: physical address, aligned to the table's smallest IO page
 * @len: length in bytes, a multiple of the smallest IO page
 */
struct iob_pt_seg {
	phys_addr_t paddr;
	u64 len;
};

/**
 * struct iob_pt_window - what a driver reports of one aperture
 * @start: first IOVA
 * @size: bytes it spans
 * @page_size: bytes one entry translates
 * @levels: levels of the table behind it
 * @live: entries that translate something right now
 */
struct iob_pt_window {
	u64 start;
	u64 size;
	u64 page_size;
	u32 levels;
	u64 live;
};

struct iob_pt;

/**
 * struct iob_pt_ops - what a page-table driver implements
 * @map: map @nsegs segments back to back from @iova; @uva is the user
 *	address behind @iova, which drivers may record. Either everything
 *	is mapped or, on error, nothing is. Called with no iobroker lock a
 *	driver could need; may sleep.
 * @unmap: remove all translations in [@iova, @iova + @len). Always
 *	covers whole earlier @map calls, as cut by @split. Cannot fail.
 * @split: a mapping made by one @map call across @iova is from now on two,
 *	one ending just before @iova and one starting there, which later
 *	@unmap calls may remove one at a time. @iova is aligned to the
 *	granule. Return: 0, or -EINVAL if the table maps that place with
 *	IO pages larger than the granule, which would have to be cut
 * @trim: optional; @split at @iova and at @iova + @len, then @unmap of
 *	[@iova, @iova + @len), in one call: how a mapping shrinks at one
 *	end. Return: 0, or -EINVAL as @split, having changed nothing
 * @iova_to_phys: the physical address @iova translates to, or 0
 * @window: describe aperture @i (below &iob_pt.naper) in @w, for reports;
 *	may sleep. Optional
 * @free: release the table; nothing is mapped any more
 */
struct iob_pt_ops {
	int (*map)(struct iob_pt *pt, u64 iova, u64 uva,
		   const struct iob_pt_seg *segs, unsigned int nsegs,
		   int prot);
	void (*unmap)(struct iob_pt *pt, u64 iova, u64 len);
	int (*split)(struct iob_pt *pt, u64 iova);
	int (*trim)(struct iob_pt *pt, u64 iova, u64 len);
	phys_addr_t (*iova_to_phys)(struct iob_pt *pt, u64 iova);
	void (*window)(struct iob_pt *pt, unsigned int i,
		       struct iob_pt_window *w);
	void (*free)(struct iob_pt *pt);
};

/**
 * struct iob_pt - a hardware page table, as the IO page table layer sees it
 * @ops: the driver's operations
 * @pgsize_bitmap: IO page sizes the table maps; the smallest is the
 *	granule every mapping must be aligned to
 * @naper: number of valid entries in @aper
 * @aper: the IOVA ranges the table translates, sorted, disjoint
 */
struct iob_pt {
	const struct iob_pt_ops *ops;
	unsigned long pgsize_bitmap;
	unsigned int naper;
	struct iob_pt_aperture aper[IOB_PT_MAX_APERTURES];
};

static inline unsigned long iob_pt_granule(const struct iob_pt *pt)
{
	return pt->pgsize_bitmap & -pt->pgsize_bitmap;
}

/*
 * Describe aperture @i of @pt for reports: the driver's own account, or,
 * for a driver without a window op, what the aperture and the granule say
 * (no levels, no live entries).
 */
static inline void iob_pt_describe(struct iob_pt *pt, unsigned int i,
				   struct iob_pt_window *w)
{
	if (pt->ops->window) {
		pt->ops->window(pt, i, w);
		return;
	}
	*w = (struct iob_pt_window){
		.start = pt->aper[i].start,
		.size = pt->aper[i].last - pt->aper[i].start + 1,
		.page_size = iob_pt_granule(pt),
	};
}

#endif
