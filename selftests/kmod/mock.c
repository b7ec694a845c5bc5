// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker_test: mock devices and the operations of Linux 6.12's
 * iommufd_test.h that iobroker implements.
 *
 * A mock device is a device object whose page tables are software TCE
 * tables: a 2 GiB window of two levels, IO pages of half PAGE_SIZE (as
 * upstream's mock has) but never below the 4 KiB of the smallest TCE,
 * unless the extension flag asks for another size, and the aperture of
 * upstream's mock, [MOCK_APERTURE_START, MOCK_APERTURE_LAST]. Mock devices
 * of the same IO page size can share a table.
 */
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "../../iommufd/device.h"
#include "../../iommufd/ioas.h"
#include "../../iommufd/ioctl.h"
#include "../../iopt/pages.h"
#include "../../ppc_tce/tce.h"
#include "../../uapi/iobroker/iommufd_test.h"
#include "test.h"

#define MOCK_WINDOW_SIZE BIT_ULL(31)

static struct iob_pt *mock_pt_alloc(struct iob_device *idev, u32 data_type,
				    const void *data, size_t len)
{
	struct iob_selftest *st = idev->priv;
	struct tce_geometry geo = {
		.offset = 0,
		.size = MOCK_WINDOW_SIZE,
		.page_shift = st->page_shift,
		.levels = 2,
	};
	/* Upstream's mock reaches only this part of its domain. */
	const struct iob_pt_aperture aper = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};
	struct tce_pt *tp;

	/* As upstream's mock: data only describes nested tables. */
	if (data_type != IOMMU_HWPT_DATA_NONE)
		return ERR_PTR(-EOPNOTSUPP);
	tp = tce_sw_alloc(&geo, 1, &aper, NULL);
	return IS_ERR(tp) ? ERR_CAST(tp) : &tp->pt;
}

static int mock_set_pt(struct iob_device *idev, struct iob_pt *pt)
{
	struct iob_selftest *st = idev->priv;

	if (pt && iob_pt_granule(pt) != 1UL << st->page_shift)
		return -EINVAL;
	st->pt = pt;
	return 0;
}

static int mock_hw_info(struct iob_device *idev, void *data, size_t len,
			u32 *type, u8 *pasid_log2)
{
	struct iob_selftest *st = idev->priv;
	struct iommu_test_hw_info *info = data;

	if (len < sizeof(*info))
		return -EINVAL;
	*pasid_log2 = st->pasid_log2;
	info->flags = 0;
	info->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return sizeof(*info);
}

/* Reports name every mock device the same: there is no bus behind it. */
static const char *mock_name(struct iob_device *idev)
{
	return "mock";
}

static const struct iob_device_ops mock_ops = {
	.pt_alloc = mock_pt_alloc,
	.set_pt = mock_set_pt,
	.hw_info = mock_hw_info,
	.name = mock_name,
};

/* What QEMU's pseries machine offers a device on its own host bridge. */
static const struct tce_caps mock_pseries_caps = {
	.dma32_start = 0,
	.dma32_size = SZ_1G,
	.ddw_start = 1ULL << 59,
	.pgsizes = SZ_4K | SZ_64K | SZ_2M | SZ_16M,
	.max_windows = 2,
	.max_levels = 1,
	.max_entries_log2 = 24,
	.ddw = true,
};

static struct iob_pt *mock_pseries_pt_alloc(struct iob_device *idev,
					    u32 data_type, const void *data,
					    size_t len)
{
	struct tce_geometry geo[TCE_MAX_WINDOWS];
	unsigned int nwin, i;
	struct tce_pt *tp;
	int rc;

	switch (data_type) {
	case IOMMU_HWPT_DATA_NONE:
		tce_windows_default(&mock_pseries_caps, geo, &nwin);
		break;
	case IOMMU_HWPT_DATA_IOB_TCE:
		rc = tce_windows_parse(&mock_pseries_caps, data, geo, &nwin);
		if (rc)
			return ERR_PTR(rc);
		break;
	default:
		return ERR_PTR(-EOPNOTSUPP);
	}
	/* The hypervisor's tables are flat; ours need not be. */
	for (i = 0; i < nwin; i++)
		geo[i].levels = tce_memory_levels(&geo[i]);
	tp = tce_sw_alloc(geo, nwin, NULL, NULL);
	return IS_ERR(tp) ? ERR_CAST(tp) : &tp->pt;
}

static int mock_pseries_set_pt(struct iob_device *idev, struct iob_pt *pt)
{
	struct iob_selftest *st = idev->priv;

	st->pt = pt;
	return 0;
}

static int mock_pseries_hw_info(struct iob_device *idev, void *data,
				size_t len, u32 *type, u8 *pasid_log2)
{
	if (len < sizeof(struct iommu_hw_info_iob_tce))
		return -EINVAL;
	tce_caps_to_info(&mock_pseries_caps, data);
	*type = IOMMU_HW_INFO_TYPE_IOB_TCE;
	return sizeof(struct iommu_hw_info_iob_tce);
}

/* Mock devices with pseries windows: MOCK_FLAGS_DEVICE_IOB_PSERIES. */
static const struct iob_device_ops mock_pseries_ops = {
	.pt_alloc = mock_pseries_pt_alloc,
	.set_pt = mock_pseries_set_pt,
	.hw_info = mock_pseries_hw_info,
	.name = mock_name,
};

static int mock_domain(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd,
		       u32 dev_flags)
{
	unsigned int shift = (dev_flags & MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT_MASK) >>
			     8;
	struct iob_selftest *st;
	struct iob_device *idev;
	u32 pt_id = cmd->id;
	int rc;

	if (dev_flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		return -EOPNOTSUPP;
	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY |
			  MOCK_FLAGS_DEVICE_PASID |
			  MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT_MASK |
			  MOCK_FLAGS_DEVICE_IOB_PSERIES))
		return -EINVAL;
	/* A pseries mock is a PCI function of a PE: no PASIDs. */
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID &&
	    dev_flags & MOCK_FLAGS_DEVICE_IOB_PSERIES)
		return -EINVAL;
	if (shift && (shift < 12 || shift > 24))
		return -EINVAL;
	/* A pseries mock's page sizes come from its windows. */
	if (shift && dev_flags & MOCK_FLAGS_DEVICE_IOB_PSERIES)
		return -EINVAL;

	st = iob_object_alloc(ucmd->ctx, struct iob_selftest, obj,
			      &iob_selftest_ops);
	if (IS_ERR(st))
		return PTR_ERR(st);
	st->kind = IOB_SELFTEST_MOCK;
	st->page_shift = shift ?: max(PAGE_SHIFT - 1, 12);
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID)
		st->pasid_log2 = MOCK_PASID_WIDTH;

	idev = iob_device_bind(ucmd->ctx,
			       dev_flags & MOCK_FLAGS_DEVICE_IOB_PSERIES ?
			       &mock_pseries_ops : &mock_ops, st);
	if (IS_ERR(idev)) {
		iob_object_abort(ucmd->ctx, &st->obj);
		return PTR_ERR(idev);
	}
	st->idev = idev;
	rc = iob_device_attach(idev, &pt_id);
	if (rc)
		goto err_destroy;

	cmd->mock_domain.out_stdev_id = st->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev->obj.id;
	rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto err_destroy;
	iob_object_finalize(ucmd->ctx, &st->obj);
	return 0;

err_destroy:
	/* Unbinds the device, which detaches it first. */
	iob_object_abort_destroy(ucmd->ctx, &st->obj);
	return rc;
}

static int mock_domain_replace(struct iob_ucmd *ucmd,
			       struct iommu_test_cmd *cmd)
{
	struct iob_selftest *st;
	struct iob_object *obj;
	u32 pt_id = cmd->mock_domain_replace.pt_id;
	int rc;

	obj = iob_object_get(ucmd->ctx, cmd->id, IOB_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	st = container_of(obj, struct iob_selftest, obj);
	rc = -EINVAL;
	if (st->kind == IOB_SELFTEST_MOCK)
		rc = iob_device_replace(st->idev, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = iob_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iob_object_put(obj);
	return rc;
}

/**
 * iob_test_user_phys() - the physical address behind a user address
 * @uaddr: an address of the calling process
 * @pa: set to the physical address
 *
 * The page is looked up, not pinned.
 *
 * Return: 0, or -EFAULT (or what the lookup returned) if nothing is there.
 */
int iob_test_user_phys(unsigned long uaddr, phys_addr_t *pa)
{
	struct page *page;
	long n;

	n = get_user_pages_fast(uaddr & PAGE_MASK, 1, 0, &page);
	if (n < 0)
		return n;
	if (n != 1)
		return -EFAULT;
	*pa = page_to_phys(page) + (uaddr & ~PAGE_MASK);
	put_page(page);
	return 0;
}

/*
 * Check 4 KiB at a time, the smallest IO page any mock table has; each
 * user page is looked up once.
 */
static int md_check_map(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->check_map.uptr, end, page = 1;
	u64 iova = cmd->check_map.iova, len = cmd->check_map.length;
	struct iob_hwpt *hwpt;
	phys_addr_t pa = 0;
	int rc = 0;

	if ((iova | len | uptr) & (SZ_4K - 1) ||
	    check_add_overflow(uptr, (unsigned long)len, &end))
		return -EINVAL;
	hwpt = iob_hwpt_get(ucmd->ctx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	if (hwpt->drv != &mock_ops && hwpt->drv != &mock_pseries_ops) {
		rc = -EINVAL;
		goto out_put;
	}
	for (; len; len -= SZ_4K, iova += SZ_4K, uptr += SZ_4K) {
		if ((uptr & PAGE_MASK) != page) {
			page = uptr & PAGE_MASK;
			rc = iob_test_user_phys(page, &pa);
			if (rc)
				break;
		}
		if (hwpt->pt->ops->iova_to_phys(hwpt->pt, iova) !=
		    pa + (uptr & ~PAGE_MASK)) {
			rc = -EINVAL;
			break;
		}
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
	}
out_put:
	iob_object_put(&hwpt->obj);
	return rc;
}

static int md_check_refs(struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->check_refs.uptr, end;
	u64 len = cmd->check_refs.length;

	if ((uptr | len) & ~PAGE_MASK ||
	    check_add_overflow(uptr, (unsigned long)len, &end))
		return -EINVAL;
	for (; len; len -= PAGE_SIZE, uptr += PAGE_SIZE) {
		struct page *page;
		unsigned int pins;
		long n;

		n = get_user_pages_fast(uptr, 1, 0, &page);
		if (n < 0)
			return n;
		if (n != 1)
			return -EFAULT;
		/* Pins of large folios are not counted per page. */
		pins = page_ref_count(page) / GUP_PIN_COUNTING_BIAS;
		put_page(page);
		if (!PageCompound(page) && pins != cmd->check_refs.refs)
			return -EIO;
	}
	return 0;
}

static int add_reserved(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	u64 start = cmd->add_reserved.start, last;
	struct iob_ioas *ioas;
	int rc;

	if (!cmd->add_reserved.length)
		return -EINVAL;
	if (check_add_overflow(start, cmd->add_reserved.length - 1, &last))
		return -EOVERFLOW;
	ioas = iob_ioas_get(ucmd->ctx, cmd->id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = iopt_reserve(&ioas->iopt, start, last, NULL);
	iob_ioas_put(ioas);
	return rc;
}

static int set_temp_memory_limit(struct iommu_test_cmd *cmd)
{
	/* One run of a batch: a frame number and a count. */
	if (cmd->memory_limit.limit < sizeof(unsigned long) + sizeof(u32))
		return -EINVAL;
	WRITE_ONCE(iopt_temp_memory_limit, cmd->memory_limit.limit);
	return 0;
}

/**
 * iob_test_mock() - serve one of upstream's test operations
 * @ucmd: the call
 * @cmd: its command
 *
 * Return: the operation's result, -EOPNOTSUPP for the ones iobroker does
 * not implement. The access operations are in access.c.
 */
int iob_test_mock(struct iob_ucmd *ucmd, struct iommu_test_cmd *cmd)
{
	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return add_reserved(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
		return mock_domain(ucmd, cmd, 0);
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return mock_domain(ucmd, cmd, cmd->mock_domain_flags.dev_flags);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return md_check_refs(cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		return set_temp_memory_limit(cmd);
	default:
		return iob_test_access(ucmd, cmd);
	}
}
