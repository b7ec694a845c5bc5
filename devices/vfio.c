// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker as VFIO's IOMMU backend for VFIO_SPAPR_TCE_v2_IOMMU.
 *
 * VFIO's group and container API stays VFIO's: /dev/vfio/vfio, group files
 * and vfio-pci, which keeps everything on the device side (config space,
 * interrupts, reset, EEH for the device). What VFIO hands a backend is
 * the container's IOMMU: iobroker registers for it ahead of
 * vfio_iommu_spapr_tce (vfio_register_iommu_driver() puts the last
 * registered first), answers VFIO_CHECK_EXTENSION for the v2 type only,
 * and serves each container from the core's sPAPR container
 * (iommufd/spapr.c): an object context with one IOAS, whose page table is
 * a pseries TCE page table every group of the container translates
 * through (ppc_tce/pseries_pe.c). This file is the platform side: groups,
 * their windows' limits, moving them between page tables, EEH.
 *
 * Locking: the container's lock (iob_spapr_lock()) protects its list of
 * groups; VFIO serialises attach, detach and release of one container
 * with its group_lock, and calls nothing of ours with a lock we take.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include <asm/eeh.h>
#include <asm/iommu.h>

#include "../iommufd/spapr.h"
#include "../ppc_tce/pseries.h"
#include "../ppc_tce/tce.h"
#include "pci.h"
#include "vfio.h"
#include "vfio_ops.h"

/**
 * struct iob_vfio_group - a VFIO group in one of our containers
 * @node: in &iob_vfio_container.groups
 * @grp: the group; VFIO holds it, and owns its DMA
 * @tdev: the pseries backend's handle on its PE
 * @dir: its debugfs directory
 */
struct iob_vfio_group {
	struct list_head node;
	struct iommu_group *grp;
	struct tce_ps_dev *tdev;
	struct dentry *dir;
};

/**
 * struct iob_vfio_container - what VFIO knows as the container's IOMMU data
 * @sp: the core's container
 * @groups: its groups, under the container's lock
 * @ngroups: how many
 */
struct iob_vfio_container {
	struct iob_spapr *sp;
	struct list_head groups;
	unsigned int ngroups;
};

static struct dentry *iob_vfio_debugfs;

static struct iob_vfio_group *iob_vfio_first(struct iob_vfio_container *c)
{
	return list_first_entry_or_null(&c->groups, struct iob_vfio_group,
					node);
}

/* --- the platform side of the core's container --------------------------------- */

static int iob_vfio_caps(void *drv, struct iob_spapr_caps *caps)
{
	struct iob_vfio_group *g = iob_vfio_first(drv);
	const struct tce_caps *tc;
	struct iommu_table_group *tg;

	if (!g)
		return -ENXIO;
	tg = iommu_group_get_iommudata(g->grp);
	tc = tce_ps_caps(g->tdev);
	*caps = (struct iob_spapr_caps) {
		.dma32_start = tg->tce32_start,
		.dma32_size = tg->tce32_size,
		.ddw_start = tc->ddw_start,
		.pgsizes = tg->pgsizes,
		.max_dynamic_windows = tg->max_dynamic_windows_supported,
		.max_levels = tg->max_levels,
	};
	return 0;
}

static struct iob_pt *iob_vfio_pt_alloc(void *drv,
					const struct iommu_hwpt_iob_tce *req)
{
	struct iob_vfio_group *g = iob_vfio_first(drv);

	return g ? tce_ps_pt_alloc(g->tdev, req) : ERR_PTR(-ENXIO);
}

static void *iob_vfio_group_next(void *drv, void *group)
{
	struct iob_vfio_container *c = drv;
	struct iob_vfio_group *g = group;

	if (!g)
		return iob_vfio_first(c);
	return list_is_last(&g->node, &c->groups) ? NULL :
						     list_next_entry(g, node);
}

static int iob_vfio_group_set_pt(void *drv, void *group, struct iob_pt *pt)
{
	struct iob_vfio_group *g = group;

	return tce_ps_set_pt(g->tdev, pt);
}

#ifdef CONFIG_EEH
/* The EEH option each of VFIO's option operations sets. */
static const int iob_vfio_eeh_option[] = {
	[VFIO_EEH_PE_DISABLE] = EEH_OPT_DISABLE,
	[VFIO_EEH_PE_ENABLE] = EEH_OPT_ENABLE,
	[VFIO_EEH_PE_UNFREEZE_IO] = EEH_OPT_THAW_MMIO,
	[VFIO_EEH_PE_UNFREEZE_DMA] = EEH_OPT_THAW_DMA,
};

/* The reset each of VFIO's reset operations asks for. */
static const int iob_vfio_eeh_reset[] = {
	[VFIO_EEH_PE_RESET_DEACTIVATE] = EEH_RESET_DEACTIVATE,
	[VFIO_EEH_PE_RESET_HOT] = EEH_RESET_HOT,
	[VFIO_EEH_PE_RESET_FUNDAMENTAL] = EEH_RESET_FUNDAMENTAL,
};

/*
 * VFIO_EEH_PE_OP on one group, checked as vfio_iommu_spapr_tce checks it:
 * no PE is ENODEV, then a short argsz or any flag EINVAL, and an unknown
 * operation EINVAL; error injection needs its longer structure.
 */
static long iob_vfio_eeh_group(struct iommu_group *grp, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_eeh_pe_op, op);
	struct vfio_eeh_pe_op op;
	struct eeh_pe *pe;

	pe = eeh_iommu_group_to_pe(grp);
	if (!pe)
		return -ENODEV;
	if (copy_from_user(&op, (void __user *)arg, minsz))
		return -EFAULT;
	if (op.argsz < minsz || op.flags)
		return -EINVAL;
	if (op.op <= VFIO_EEH_PE_UNFREEZE_DMA)
		return eeh_pe_set_option(pe, iob_vfio_eeh_option[op.op]);
	if (op.op >= VFIO_EEH_PE_RESET_DEACTIVATE &&
	    op.op <= VFIO_EEH_PE_RESET_FUNDAMENTAL)
		return eeh_pe_reset(pe, iob_vfio_eeh_reset[op.op], true);
	if (op.op == VFIO_EEH_PE_GET_STATE)
		return eeh_pe_get_state(pe);
	if (op.op == VFIO_EEH_PE_CONFIGURE)
		return eeh_pe_configure(pe);
	if (op.op != VFIO_EEH_PE_INJECT_ERR)
		return -EINVAL;
	minsz = offsetofend(struct vfio_eeh_pe_op, err.mask);
	if (op.argsz < minsz)
		return -EINVAL;
	if (copy_from_user(&op, (void __user *)arg, minsz))
		return -EFAULT;
	return eeh_pe_inject_err(pe, op.err.type, op.err.func, op.err.addr,
				 op.err.mask);
}

static bool iob_vfio_eeh_enabled(void)
{
	return eeh_enabled();
}
#else
static long iob_vfio_eeh_group(struct iommu_group *grp, unsigned long arg)
{
	return -ENODEV;
}

static bool iob_vfio_eeh_enabled(void)
{
	return false;
}
#endif

/* Every group in turn; the first error ends it, as in VFIO's backend. */
static long iob_vfio_eeh(void *drv, unsigned long arg)
{
	struct iob_vfio_container *c = drv;
	struct iob_vfio_group *g;
	long rc = 0;

	list_for_each_entry(g, &c->groups, node) {
		rc = iob_vfio_eeh_group(g->grp, arg);
		if (rc)
			break;
	}
	return rc;
}

static const struct iob_spapr_ops iob_vfio_spapr_ops = {
	.caps = iob_vfio_caps,
	.pt_alloc = iob_vfio_pt_alloc,
	.group_next = iob_vfio_group_next,
	.group_set_pt = iob_vfio_group_set_pt,
	.eeh = iob_vfio_eeh,
};

/* --- debugfs: what the hypervisor holds for a group ----------------------------- */

static int iob_vfio_first_dev(struct device *dev, void *data)
{
	*(struct device **)data = dev;
	return 1;
}

static int iob_vfio_tces_show(struct seq_file *m, void *unused)
{
	struct iommu_group *grp = m->private;
	struct device *dev = NULL;

	iommu_group_for_each_dev(grp, &dev, iob_vfio_first_dev);
	return dev ? iob_tces_show(m, dev) : -ENODEV;
}
DEFINE_SHOW_ATTRIBUTE(iob_vfio_tces);

/* --- VFIO's calls ---------------------------------------------------------------- */

static void *iob_vfio_open(unsigned long arg)
{
	struct iob_vfio_container *c;
	struct iob_spapr *sp;

	if (arg != VFIO_SPAPR_TCE_v2_IOMMU)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&c->groups);
	sp = iob_spapr_create(&iob_vfio_spapr_ops, c);
	if (IS_ERR(sp)) {
		kfree(c);
		return sp;
	}
	c->sp = sp;
	return c;
}

static void iob_vfio_release(void *data)
{
	struct iob_vfio_container *c = data;

	iob_spapr_destroy(c->sp);
	kfree(c);
}

static long iob_vfio_ioctl(void *data, unsigned int cmd, unsigned long arg)
{
	struct iob_vfio_container *c = data;

	if (cmd == VFIO_CHECK_EXTENSION) {
		if (arg == VFIO_EEH)
			return iob_vfio_eeh_enabled();
		return iob_spapr_check_extension(arg);
	}
	if (!c)
		return -EINVAL;
	return iob_spapr_ioctl(c->sp, cmd, arg);
}

static struct iob_vfio_group *iob_vfio_find(struct iob_vfio_container *c,
					    struct iommu_group *grp)
{
	struct iob_vfio_group *g;

	list_for_each_entry(g, &c->groups, node)
		if (g->grp == grp)
			return g;
	return NULL;
}

/*
 * A group joins: it must have dynamic windows (the v2 API needs them) and
 * the same platform as the groups already in; it then translates through
 * the container's page table, if there is one yet.
 */
static int iob_vfio_attach_group(void *data, struct iommu_group *grp,
				 enum iob_vfio_group_type type)
{
	struct iob_vfio_container *c = data;
	struct iommu_table_group *tg, *tg0;
	struct iob_vfio_group *g, *first;
	struct iob_pt *pt;
	char name[16];
	int rc;

	if (type != IOB_VFIO_IOMMU)
		return -EINVAL;
	iob_spapr_lock(c->sp);
	tg = iommu_group_get_iommudata(grp);
	rc = -ENODEV;
	if (!tg)
		goto out_unlock;
	rc = -EINVAL;
	if (!tg->max_dynamic_windows_supported)
		goto out_unlock;
	rc = -EBUSY;
	if (iob_vfio_find(c, grp))
		goto out_unlock;
	first = iob_vfio_first(c);
	rc = -EPERM;
	if (first) {
		tg0 = iommu_group_get_iommudata(first->grp);
		if (tg0->ops->create_table != tg->ops->create_table)
			goto out_unlock;
	}
	rc = -ENOMEM;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		goto out_unlock;
	g->grp = grp;
	g->tdev = tce_ps_claim_group(grp);
	if (IS_ERR(g->tdev)) {
		rc = PTR_ERR(g->tdev);
		goto err_free;
	}
	pt = iob_spapr_pt(c->sp);
	if (pt) {
		rc = tce_ps_set_pt(g->tdev, pt);
		if (rc)
			goto err_release;
	}
	list_add_tail(&g->node, &c->groups);
	iob_spapr_groups_changed(c->sp, ++c->ngroups);
	snprintf(name, sizeof(name), "%d", iommu_group_id(grp));
	g->dir = debugfs_create_dir(name, iob_vfio_debugfs);
	debugfs_create_file("tces", 0400, g->dir, grp, &iob_vfio_tces_fops);
	iob_spapr_unlock(c->sp);
	return 0;

err_release:
	tce_ps_release(g->tdev);
err_free:
	kfree(g);
out_unlock:
	iob_spapr_unlock(c->sp);
	return rc;
}

/* A group leaves: its TCEs are cleared and its windows removed. */
static void iob_vfio_detach_group(void *data, struct iommu_group *grp)
{
	struct iob_vfio_container *c = data;
	struct iob_vfio_group *g;

	iob_spapr_lock(c->sp);
	g = iob_vfio_find(c, grp);
	if (!WARN_ON_ONCE(!g)) {
		debugfs_remove_recursive(g->dir);
		list_del(&g->node);
		iob_spapr_groups_changed(c->sp, --c->ngroups);
		tce_ps_release(g->tdev);
		kfree(g);
	}
	iob_spapr_unlock(c->sp);
}

static const struct iob_vfio_driver_ops iob_vfio_driver_ops = {
	.name = "iobroker-spapr-tce-v2",
	.owner = THIS_MODULE,
	.open = iob_vfio_open,
	.release = iob_vfio_release,
	.ioctl = iob_vfio_ioctl,
	.attach_group = iob_vfio_attach_group,
	.detach_group = iob_vfio_detach_group,
};

/**
 * iob_vfio_init() - register as VFIO's sPAPR TCE v2 backend
 * @debugfs: iobroker's debugfs directory
 *
 * Return: 0, or what VFIO's registration returns.
 */
int iob_vfio_init(struct dentry *debugfs)
{
	int rc;

	iob_vfio_debugfs = debugfs_create_dir("vfio", debugfs);
	rc = vfio_register_iommu_driver(iob_vfio_ops(&iob_vfio_driver_ops));
	if (rc)
		debugfs_remove_recursive(iob_vfio_debugfs);
	return rc;
}

/**
 * iob_vfio_exit() - unregister; no container can be using us
 *
 * VFIO holds a reference on this module for every container it serves,
 * so by the time the module goes, none is left.
 */
void iob_vfio_exit(void)
{
	vfio_unregister_iommu_driver(iob_vfio_ops(&iob_vfio_driver_ops));
	debugfs_remove_recursive(iob_vfio_debugfs);
}
