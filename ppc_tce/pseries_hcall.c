// SPDX-License-Identifier: GPL-2.0
/*
 * The pseries TCE backend: hypercalls. Storing and clearing runs of
 * entries in a PE's hypervisor windows (H_PUT_TCE_INDIRECT, 512 entries
 * a call, and H_STUFF_TCE, where the hypervisor has them; H_PUT_TCE one
 * entry at a time where not), asking again while the hypervisor is busy,
 * and the errno of each return code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/sched.h>

#include <asm/firmware.h>
#include <asm/hvcall.h>
#include <asm/iommu.h>

#include "pseries_internal.h"

static int tce_ps_errno(long rc)
{
	switch (rc) {
	case H_SUCCESS:
		return 0;
	case H_PARAMETER:
	case H_P2:
	case H_P3:
	case H_P4:
		return -EINVAL;
	case H_NOT_ENOUGH_RESOURCES:
	case H_NO_MEM:
		return -ENOMEM;
	case H_FUNCTION:
		return -EOPNOTSUPP;
	case H_PRIVILEGE:
	case H_PERMISSION:
		return -EPERM;
	default:
		return -EIO;
	}
}

/* Ask again while the hypervisor is busy; @rc is the first answer. */
static noinline long tce_ps_hcall_busy(long rc, unsigned long opcode,
				       unsigned long liobn, unsigned long ioba,
				       unsigned long arg, unsigned long count)
{
	unsigned int tries;

	for (tries = 1; tries < TCE_PS_BUSY_RETRIES; tries++) {
		if (H_IS_LONG_BUSY(rc))
			msleep(get_longbusy_msecs(rc));
		else if (rc == H_BUSY)
			cond_resched();
		else
			break;
		rc = plpar_hcall_norets(opcode, liobn, ioba, arg, count);
	}
	return rc;
}

/*
 * A hypercall without results, asked again while the hypervisor is busy
 * (at most TCE_PS_BUSY_RETRIES times in all). The first answer is nearly
 * always the last: the retries stay out of the way of the common case.
 */
static inline long tce_ps_hcall(unsigned long opcode, unsigned long liobn,
				unsigned long ioba, unsigned long arg,
				unsigned long count)
{
	long rc = plpar_hcall_norets(opcode, liobn, ioba, arg, count);

	if (likely(rc == H_SUCCESS))
		return rc;
	return tce_ps_hcall_busy(rc, opcode, liobn, ioba, arg, count);
}

static u64 tce_ps_ioba(struct iommu_table *tbl, u64 idx)
{
	return (tbl->it_offset + idx) << tbl->it_page_shift;
}

/* Store @n entries of window @w of @pe from index @idx. */
int tce_ps_hw_put(struct tce_ps_pe *pe, unsigned int w, u64 idx,
		  const u64 *tces, unsigned int n)
{
	struct iommu_table *tbl = pe->hw[w];
	u64 ioba = tce_ps_ioba(tbl, idx), pgsize = 1ULL << tbl->it_page_shift;
	unsigned int i;
	long rc = H_SUCCESS;

	if (n > 1 && firmware_has_feature(FW_FEATURE_PUT_TCE_IND)) {
		for (i = 0; i < n; i++)
			pe->list[w][i] = cpu_to_be64(tces[i]);
		rc = tce_ps_hcall(H_PUT_TCE_INDIRECT, tbl->it_index, ioba,
				  __pa(pe->list[w]), n);
	} else {
		for (i = 0; i < n && rc == H_SUCCESS; i++)
			rc = tce_ps_hcall(H_PUT_TCE, tbl->it_index,
					  ioba + i * pgsize, tces[i], 0);
	}
	if (rc != H_SUCCESS)
		pr_err_ratelimited("group %d: storing %u TCEs at %#llx failed: %ld\n",
				   pe->id, n, ioba, rc);
	return tce_ps_errno(rc);
}

/* Clear @n entries of window @w of @pe from index @idx. */
int tce_ps_hw_clear(struct tce_ps_pe *pe, unsigned int w, u64 idx,
		    unsigned int n)
{
	struct iommu_table *tbl = pe->hw[w];
	u64 ioba = tce_ps_ioba(tbl, idx), pgsize = 1ULL << tbl->it_page_shift;
	unsigned int i;
	long rc = H_SUCCESS;

	if (firmware_has_feature(FW_FEATURE_STUFF_TCE)) {
		rc = tce_ps_hcall(H_STUFF_TCE, tbl->it_index, ioba, 0, n);
	} else {
		for (i = 0; i < n && rc == H_SUCCESS; i++)
			rc = tce_ps_hcall(H_PUT_TCE, tbl->it_index,
					  ioba + i * pgsize, 0, 0);
	}
	if (rc != H_SUCCESS)
		pr_err_ratelimited("group %d: clearing %u TCEs at %#llx failed: %ld\n",
				   pe->id, n, ioba, rc);
	return tce_ps_errno(rc);
}
