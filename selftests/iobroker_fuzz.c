// SPDX-License-Identifier: GPL-2.0
/*
 * A structure-aware fuzzer of /dev/iommu, and of /dev/iob_swdma when the
 * sample is loaded.
 *
 * Each iteration draws one call from a stream of pseudo-random numbers that
 * depends only on the seed and the iteration's number. Its arguments come
 * mostly from what the kernel handed out before (object IDs, the IOVAs and
 * lengths of mappings, access descriptors and the IDs of their pins), else
 * from the edges (zero, the mock aperture, the pseries windows, near
 * U64_MAX, random bits); the structure's size is mostly exact, sometimes
 * short, sometimes longer with a zero or, rarely, a non-zero tail. The
 * result must be 0 or an errno that call may answer; anything else is a
 * failure, printed with the iteration, the call and its arguments.
 *
 * At the end every descriptor is closed and a fresh /dev/iommu file checks
 * that the module holds no object, no pinned page and no locked_vm beyond
 * what it held at the start. What the kernel itself reports (KASAN,
 * lockdep, kmemleak, warnings under panic_on_warn) the rig reads from the
 * console.
 *
 * All memory the kernel is pointed at lies in one reservation: buffers to
 * map (small pages, hugetlb, shared, read-only), a scratch area for what
 * the kernel writes back, the command area the structures are passed from,
 * and PROT_NONE and unmapped ranges for bad pointers. Nothing the kernel
 * may write to through a mapping or a pointer is memory the fuzzer itself
 * uses, so a wrong write cannot derail it.
 *
 * Two kinds of call are made only when asked for: --giant maps lengths up
 * to 2^62 that the kernel records without pinning, and pins only when a
 * page table or an access needs a page of them; --dep-any lets
 * IOB_DEP_ALLOC try objects that a kernel owner destroys (devices,
 * accesses). Both once drew a warning from the kernel instead of an errno;
 * those bugs are fixed, with regression tests in iobroker_access and
 * iobroker_lifetime, and the rig passes both flags.
 *
 * Replay: a failure names its iteration N. The state a call sees depends
 * on all calls before it, so "--seed S --iterations N+1 --log-from N"
 * repeats the run and shows that call; "--start-at N" runs the same
 * streams from N on, but with empty pools.
 */
#define _GNU_SOURCE
#define __SANE_USERSPACE_TYPES__
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <linux/vfio.h>

#include "../uapi/iobroker/swdma.h"
#include "iob_buffer.h"
#include "iob_nlraw.h"
#include "iob_pci.h"

#define SWDMA_DEV "/dev/iob_swdma"

#define MAX_IDS		64
#define MAX_DEVS	16
#define MAX_HWPTS	32
#define MAX_RANGES	64
#define MAX_ACCESSES	8
#define MAX_ITEMS	32
#define MAX_CHANS	4
#define FAILS_SHOWN	20
#define ERRNO_SLOTS	160
#define PROGRESS_EVERY	2000

/* The reservation everything the kernel sees lies in, and its parts. */
#define ARENA_SIZE	(128UL << 20)
#define ARENA_ALIGN	(1024UL << 20)
#define ARENA_HINT	(32UL << 40)
#define SMALL_OFF	0UL
#define SMALL_SIZE	(4UL << 20)
#define HUGE_OFF	(32UL << 20)
#define HUGE_MAX	(32UL << 20)
#define RO_OFF		(72UL << 20)
#define RO_SIZE		(512UL << 10)
#define SHARED_OFF	(76UL << 20)
#define SHARED_SIZE	(1024UL << 10)
#define SCRATCH_OFF	(80UL << 20)
#define SCRATCH_SIZE	(1024UL << 10)
#define CMD_OFF		(88UL << 20)
#define CMD_SIZE	(64UL << 10)
#define NONE_OFF	(96UL << 20)
#define HOLE_OFF	(104UL << 20)
#define HOLE_SIZE	(8UL << 20)

/* Copies through accesses and the sample stay short. */
#define RW_MAX		(256UL << 10)
/* What the test module pins or copies at most in one call. */
#define STACCESS_MAX	(16ULL << 20)
#define APERTURE_END	((__u64)MOCK_APERTURE_LAST + 1)
#define PSERIES_DDW	((__u64)1 << 59)
#define SZ_4K		4096ULL
#define SZ_2M		(2ULL << 20)

#define RC_WEIRD	(-1)

/* --- pseudo-random numbers ------------------------------------------------ */

struct rng {
	__u64 s;
};

static __u64 mix64(__u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* splitmix64 */
static __u64 rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* The stream of iteration @iter: a function of the seed and @iter only. */
static void rng_init(struct rng *r, __u64 seed, __u64 iter)
{
	r->s = mix64(mix64(seed) + iter);
}

static __u32 below(struct rng *r, __u32 n)
{
	return n ? rnd(r) % n : 0;
}

static __u64 below64(struct rng *r, __u64 n)
{
	return n ? rnd(r) % n : 0;
}

/* True @p times in a hundred. */
static bool pct(struct rng *r, unsigned int p)
{
	return below(r, 100) < p;
}

/* True @p times in a thousand. */
static bool pml(struct rng *r, unsigned int p)
{
	return below(r, 1000) < p;
}

/* --- what the kernel handed out ------------------------------------------- */

struct idpool {
	__u32 id[MAX_IDS];
	unsigned int n;
	unsigned int next;	/* the slot a new ID takes when full */
};

/* A mock device: its selftest object, device object and HWPT. */
struct dev {
	__u32 stdev;
	__u32 idev;
	__u32 hwpt;
	__u32 ioas;
	bool pseries;
};

struct hwpt {
	__u32 id;
	__u32 ioas;
	bool pseries;
	bool user;	/* from HWPT_ALLOC: goes away only when destroyed */
};

/* A mapping: where it is, and the user memory behind it (0: unknown). */
struct range {
	__u32 ioas;
	unsigned int gen;
	__u64 iova;
	__u64 len;
	__u64 va;
};

struct access {
	int fd;
	__u32 ioas;
	__u32 flags;
	unsigned int gen;
};

/* A pin of an access, as ACCESS_PAGES returned it. */
struct item {
	int fd;
	__u32 id;
	__u64 iova;
	__u64 len;
};

struct chan {
	int fd;
	bool bound;
	__u32 ioas;
	unsigned int gen;
};

enum {
	BUF_SMALL,
	BUF_HUGE,
	BUF_SHARED,
	BUF_RO,
	NR_BUFS,
};

struct ubuf {
	char *va;
	size_t len;
};

struct fuzz {
	/* Options. */
	__u64 seed;
	__u64 start;
	__u64 iterations;
	__u64 seconds;
	__u64 log_from;
	bool log;
	bool tap;
	bool dry;
	bool giant;
	bool dep_any;
	bool stop;

	/* Environment. */
	int fd;
	bool have_swdma;
	bool hugetlb;
	size_t hugetlb_size;
	char *arena;
	char *scratch;
	char *cmd;
	char *none;
	char *hole;
	size_t cmd_dirty;
	struct ubuf bufs[NR_BUFS];

	/* What the kernel handed out; IDs belong to file number @gen. */
	unsigned int gen;
	bool fresh;
	struct idpool ids;
	struct idpool ioas;
	struct idpool deps;
	struct dev devs[MAX_DEVS];
	unsigned int ndevs;
	struct hwpt hwpts[MAX_HWPTS];
	unsigned int nhwpts;
	struct range ranges[MAX_RANGES];
	unsigned int nranges;
	unsigned int next_range;
	struct access accs[MAX_ACCESSES];
	unsigned int naccs;
	struct item items[MAX_ITEMS];
	unsigned int nitems;
	unsigned int next_item;
	struct chan chans[MAX_CHANS];
	unsigned int nchans;
	/*
	 * A sPAPR TCE v2 container and its group, or -1: VFIO's with the
	 * group of the third edu, or a /dev/iommu file with the first edu's
	 * node (its name in spapr_edu) bound and attached.
	 */
	char spapr_group[32];
	char spapr_edu[32];
	int spapr_c;
	int spapr_g;
	int stale_fd;

	/* --dry-run: results made up instead of asked for. */
	struct rng dry_r;
	__u32 fake_id;
	__u64 fake_iova;

	/* The verdict. */
	unsigned long failures;
	__u64 done;
};

static struct fuzz fz;

static void pool_add(struct idpool *p, __u32 id)
{
	unsigned int i;

	if (!id)
		return;
	for (i = 0; i < p->n; i++)
		if (p->id[i] == id)
			return;
	if (p->n < MAX_IDS) {
		p->id[p->n++] = id;
		return;
	}
	p->id[p->next] = id;
	p->next = (p->next + 1) % MAX_IDS;
}

static void pool_del(struct idpool *p, __u32 id)
{
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		if (p->id[i] == id) {
			p->id[i] = p->id[--p->n];
			return;
		}
	}
}

static __u32 pool_any(struct rng *r, const struct idpool *p)
{
	return p->n ? p->id[below(r, p->n)] : 0;
}

/* Mostly an ID of @p; else nothing, an ID of another type, or made up. */
static __u32 pick_id(struct fuzz *f, struct rng *r, const struct idpool *p)
{
	unsigned int d = below(r, 100);

	if (p->n && d < 80)
		return pool_any(r, p);
	if (d < 85)
		return 0;
	if (d < 92 && f->ids.n)
		return pool_any(r, &f->ids);
	if (d < 97)
		return 1 + below(r, 64);
	return rnd(r);
}

static void hwpt_add(struct fuzz *f, __u32 id, __u32 ioas, bool pseries,
		     bool user)
{
	struct hwpt *h;
	unsigned int i;

	if (!id)
		return;
	pool_add(&f->ids, id);
	for (i = 0; i < f->nhwpts; i++) {
		if (f->hwpts[i].id == id) {
			if (ioas)
				f->hwpts[i].ioas = ioas;
			return;
		}
	}
	h = f->nhwpts < MAX_HWPTS ? &f->hwpts[f->nhwpts++] :
				    &f->hwpts[id % MAX_HWPTS];
	h->id = id;
	h->ioas = ioas;
	h->pseries = pseries;
	h->user = user;
}

static struct hwpt *hwpt_any(struct fuzz *f, struct rng *r)
{
	return f->nhwpts ? &f->hwpts[below(r, f->nhwpts)] : NULL;
}

static struct dev *dev_any(struct fuzz *f, struct rng *r)
{
	return f->ndevs ? &f->devs[below(r, f->ndevs)] : NULL;
}

static void range_add(struct fuzz *f, __u32 ioas, __u64 iova, __u64 len,
		      __u64 va)
{
	struct range *rg;

	if (f->nranges < MAX_RANGES) {
		rg = &f->ranges[f->nranges++];
	} else {
		rg = &f->ranges[f->next_range];
		f->next_range = (f->next_range + 1) % MAX_RANGES;
	}
	rg->ioas = ioas;
	rg->gen = f->gen;
	rg->iova = iova;
	rg->len = len;
	rg->va = va;
}

/* A mapping of @ioas in file @gen, or of any IOAS of it for @ioas 0. */
static struct range *range_any(struct fuzz *f, struct rng *r, __u32 ioas,
			       unsigned int gen)
{
	unsigned int idx[MAX_RANGES], n = 0, i;

	for (i = 0; i < f->nranges; i++) {
		if (f->ranges[i].gen != gen)
			continue;
		if (ioas && f->ranges[i].ioas != ioas)
			continue;
		idx[n++] = i;
	}
	return n ? &f->ranges[idx[below(r, n)]] : NULL;
}

/* The mapping that starts where @rg ends, if one is known. */
static struct range *range_after(struct fuzz *f, const struct range *rg)
{
	unsigned int i;

	for (i = 0; i < f->nranges; i++) {
		if (f->ranges[i].gen == rg->gen &&
		    f->ranges[i].ioas == rg->ioas &&
		    f->ranges[i].iova == rg->iova + rg->len)
			return &f->ranges[i];
	}
	return NULL;
}

/* Forget mappings of @ioas (all for @ioas 0) inside [first, last]. */
static void ranges_drop(struct fuzz *f, unsigned int gen, __u32 ioas,
			__u64 first, __u64 last)
{
	unsigned int i = 0;

	while (i < f->nranges) {
		struct range *rg = &f->ranges[i];

		if (rg->gen == gen && (!ioas || rg->ioas == ioas) &&
		    rg->iova >= first && rg->iova + rg->len - 1 <= last) {
			*rg = f->ranges[--f->nranges];
			continue;
		}
		i++;
	}
	if (f->next_range >= f->nranges)
		f->next_range = 0;
}

static void item_add(struct fuzz *f, int fd, __u32 id, __u64 iova,
		     __u64 len)
{
	struct item *it;

	if (f->nitems < MAX_ITEMS) {
		it = &f->items[f->nitems++];
	} else {
		it = &f->items[f->next_item];
		f->next_item = (f->next_item + 1) % MAX_ITEMS;
	}
	it->fd = fd;
	it->id = id;
	it->iova = iova;
	it->len = len;
}

static void item_del(struct fuzz *f, unsigned int i)
{
	f->items[i] = f->items[--f->nitems];
	if (f->next_item >= f->nitems)
		f->next_item = 0;
}

/* Forget the pins of @fd touching [first, last], and those of unknown IOVA. */
static void items_drop(struct fuzz *f, int fd, __u64 first, __u64 last)
{
	unsigned int i = 0;

	while (i < f->nitems) {
		struct item *it = &f->items[i];

		if (it->fd == fd &&
		    (!it->len || (it->iova <= last &&
				  it->iova + it->len - 1 >= first))) {
			item_del(f, i);
			continue;
		}
		i++;
	}
}

/* Forget every trace of object @id of the current file. */
static void forget_id(struct fuzz *f, __u32 id)
{
	unsigned int i;

	pool_del(&f->ids, id);
	pool_del(&f->ioas, id);
	pool_del(&f->deps, id);
	for (i = 0; i < f->nhwpts; i++) {
		if (f->hwpts[i].id == id) {
			f->hwpts[i] = f->hwpts[--f->nhwpts];
			break;
		}
	}
	for (i = 0; i < f->ndevs; i++) {
		if (f->devs[i].stdev == id) {
			pool_del(&f->ids, f->devs[i].idev);
			f->devs[i] = f->devs[--f->ndevs];
			break;
		}
	}
	ranges_drop(f, f->gen, id, 0, UINT64_MAX);
}

/* --- the calls ------------------------------------------------------------ */

struct call;

struct op {
	const char *name;
	void (*run)(struct fuzz *f, struct call *c);
	unsigned int weight;
	/* Errnos allowed besides those of the calling convention. */
	const int *errs;
	/* Only @errs: not even the calling convention's. */
	bool strict;
	unsigned long calls;
	unsigned long ok;
	unsigned long seen[ERRNO_SLOTS];
};

struct call {
	struct op *op;
	__u64 iter;
	struct rng r;
	char desc[480];
	size_t len;
	__u32 size;
	int rc;
	long ret;
};

static void note(struct call *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->len >= sizeof(c->desc) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(c->desc + c->len, sizeof(c->desc) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len = c->len + n < sizeof(c->desc) ? c->len + n :
							sizeof(c->desc) - 1;
}

/* What any ioctl in the size-first convention may answer. */
static const int convention_errs[] = {
	EINVAL, EFAULT, E2BIG, ENOMEM, EOPNOTSUPP, 0
};

static bool in_list(const int *list, int e)
{
	for (; *list; list++)
		if (*list == e)
			return true;
	return false;
}

static bool allowed(const struct op *op, int rc)
{
	if (!rc)
		return true;
	if (rc < 0)
		return false;
	if (in_list(op->errs, rc))
		return true;
	return !op->strict && in_list(convention_errs, rc);
}

/* --dry-run: success, or an errno the call may answer. */
static int dry_result(struct fuzz *f, struct call *c)
{
	const int *list = c->op->errs;
	unsigned int n = 0;

	if (below(&f->dry_r, 100) < 60)
		return 0;
	if (!c->op->strict && (!list[0] || below(&f->dry_r, 2)))
		list = convention_errs;
	while (list[n])
		n++;
	return n ? list[below(&f->dry_r, n)] : 0;
}

static int sys_result(struct call *c, long ret)
{
	c->ret = ret;
	if (!ret)
		return 0;
	if (ret == -1 && errno > 0)
		return errno;
	return RC_WEIRD;
}

static int do_ioctl(struct fuzz *f, struct call *c, int fd, unsigned long nr,
		    void *arg)
{
	if (f->dry)
		return dry_result(f, c);
	errno = 0;
	return sys_result(c, ioctl(fd, nr, arg));
}

/* close() of a descriptor the fuzzer owns: must succeed. */
static int do_close(struct fuzz *f, struct call *c, int fd)
{
	errno = 0;
	return sys_result(c, close(fd));
}

static int dry_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static __u32 dry_id(struct fuzz *f)
{
	return ++f->fake_id;
}

static __u64 dry_iova(struct fuzz *f, __u64 len)
{
	__u64 iova = MOCK_APERTURE_START + f->fake_iova;

	f->fake_iova += (len + page_size - 1) / page_size * page_size;
	f->fake_iova %= 1ULL << 30;
	return iova;
}

/* A pointer the kernel cannot use: PROT_NONE, unmapped, or not user's. */
static __u64 bad_ptr(struct fuzz *f, struct rng *r)
{
	switch (below(r, 5)) {
	case 0:
		return (uintptr_t)f->none + below(r, 4) * page_size;
	case 1:
		return (uintptr_t)f->hole + below(r, HOLE_SIZE / page_size) *
					    page_size;
	case 2:
		return 0;
	case 3:
		return 0xc000000000000000ULL + below(r, 1024) * page_size;
	default:
		return (1ULL << 60) | (rnd(r) & ~0xfffULL);
	}
}

/*
 * Pass the structure @st of @full bytes (first version: @min) from the
 * command area, with a size that is mostly exact and sometimes not, and
 * read back what the kernel wrote. The command area is all zero past what
 * the previous call left, so a longer size has a zero tail unless one is
 * asked for; past CMD_SIZE lies PROT_NONE.
 */
static void issue(struct fuzz *f, struct call *c, int fd, unsigned long nr,
		  void *st, __u32 full, __u32 min)
{
	struct rng *r = &c->r;
	unsigned int d = below(r, 1000);
	void *arg = f->cmd;
	size_t tail = 0;
	__u32 size = full;

	memset(f->cmd, 0, f->cmd_dirty);
	f->cmd_dirty = full;
	if (d < 850) {
		size = full;
	} else if (d < 880 && min < full) {
		size = min + below(r, full - min);
	} else if (d < 920) {
		size = below(r, min);
	} else if (d < 955) {
		size = full + 1 + below(r, 256);
	} else if (d < 970) {
		size = full + 1 + below(r, 256);
		tail = full + below(r, size - full);
	} else if (d < 980) {
		switch (below(r, 3)) {
		case 0:
			size = CMD_SIZE;
			break;
		case 1:
			size = CMD_SIZE + 1 + below(r, 4096);
			break;
		default:
			size = UINT32_MAX;
		}
	} else if (d < 988) {
		arg = (void *)(uintptr_t)bad_ptr(f, r);
	}
	memcpy(f->cmd, st, full);
	memcpy(f->cmd, &size, sizeof(size));
	if (tail) {
		f->cmd[tail] = 1 + below(r, 255);
		f->cmd_dirty = tail + 1;
	}
	c->size = size;
	if (arg == f->cmd)
		note(c, " size=%u%s", size, tail ? "+tail" : "");
	else
		note(c, " arg=%p", arg);
	c->rc = do_ioctl(f, c, fd, nr, arg);
	if (arg == f->cmd)
		memcpy(st, f->cmd, full);
	else if (f->dry)
		c->rc = EFAULT;
}

/* Did the kernel write back a member ending at @end? */
static bool replied(struct call *c, size_t end)
{
	return !c->rc && c->size >= end;
}

/* --- choosing memory, IOVAs and lengths ------------------------------------ */

static const struct ubuf *pick_buf(struct fuzz *f, struct rng *r)
{
	unsigned int d = below(r, 100);

	if (d < 40)
		return &f->bufs[BUF_SMALL];
	if (d < 70)
		return &f->bufs[BUF_HUGE];
	if (d < 85)
		return &f->bufs[BUF_SHARED];
	return &f->bufs[BUF_RO];
}

static size_t pick_offset(struct rng *r, size_t len)
{
	unsigned int d = below(r, 100);

	if (d < 65)
		return below(r, len / page_size) * page_size;
	if (d < 77)
		return below(r, len / SZ_4K) * SZ_4K;
	if (d < 85)
		return len > hpage_size ?
		       below(r, len / hpage_size) * hpage_size : 0;
	return below(r, len);
}

/* A length for memory with @room bytes left after the start. */
static __u64 pick_len(struct rng *r, size_t room)
{
	size_t pages = room / page_size;
	unsigned int d = below(r, 100);

	if (d < 45 && pages)
		return page_size * (1 + below(r, pages < 16 ? pages : 16));
	if (d < 60 && pages)
		return pages * page_size;
	if (d < 72 && room >= SZ_4K)
		return SZ_4K * (1 + below(r, room / SZ_4K < 64 ?
					  room / SZ_4K : 64));
	if (d < 82)
		return 1 + below(r, room);
	if (d < 90)
		return room >= hpage_size ? hpage_size : room;
	if (d < 96)
		return room + page_size * (1 + below(r, 4));
	return room < 2 * page_size ? room : 2 * page_size;
}

/*
 * Lengths no buffer has. With --giant, also lengths the kernel records
 * without pinning (up to 2^62 bytes), which it pins only later, when a
 * page table or an access needs them.
 */
static __u64 odd_len(struct fuzz *f, struct rng *r, __u64 va)
{
	if (f->giant && pct(r, 50))
		return (1ULL << (27 + below(r, 36))) + page_size * below(r, 4);
	switch (below(r, 4)) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	case 2:
		return UINT64_MAX - 1;
	default:
		return -va;
	}
}

/* User memory to map: mostly a buffer, sometimes what is none. */
static void pick_user(struct fuzz *f, struct rng *r, __u64 *va, __u64 *len)
{
	unsigned int d = below(r, 100);
	const struct ubuf *b;
	size_t off;

	if (d < 88) {
		b = pick_buf(f, r);
		off = pick_offset(r, b->len);
		*va = (uintptr_t)b->va + off;
		*len = pick_len(r, b->len - off);
	} else if (d < 95) {
		*va = d < 91 ? bad_ptr(f, r) :
		      (uintptr_t)f->bufs[BUF_SMALL].va + SMALL_SIZE - page_size;
		*len = page_size * (1 + below(r, 4));
	} else {
		*va = (uintptr_t)pick_buf(f, r)->va;
		*len = odd_len(f, r, *va);
	}
}

/* A fixed IOVA for @len bytes in @ioas. */
static __u64 pick_iova(struct fuzz *f, struct rng *r, __u32 ioas, __u64 len)
{
	struct range *rg = range_any(f, r, ioas, f->gen);
	unsigned int d = below(r, 100);

	if (d < 25)
		return MOCK_APERTURE_START + below(r, 256) * page_size;
	if (d < 40 && rg)
		return pct(r, 70) ? rg->iova + rg->len : rg->iova - len;
	if (d < 48 && rg)
		return rg->iova + (pct(r, 50) ? 0 : page_size);
	if (d < 58)
		return pct(r, 50) ? below(r, 1024) * 0x10000ULL :
				    PSERIES_DDW + below(r, 256) * SZ_2M;
	if (d < 68)
		return below64(r, 1ULL << 40) & ~(SZ_4K - 1);
	if (d < 75)
		return MOCK_APERTURE_START +
		       below64(r, MOCK_APERTURE_LAST - MOCK_APERTURE_START);
	if (d < 80)
		return 0;
	if (d < 85)
		return UINT64_MAX - len + 1 - below(r, 4) * page_size;
	if (d < 90)
		return UINT64_MAX;
	if (d < 95)
		return APERTURE_END - len;
	return rnd(r);
}

static __u32 pick_map_flags(struct rng *r)
{
	unsigned int d = below(r, 100);
	__u32 flags;

	if (d < 60)
		flags = IOB_RW;
	else if (d < 75)
		flags = IOMMU_IOAS_MAP_READABLE;
	else if (d < 82)
		flags = IOMMU_IOAS_MAP_WRITEABLE;
	else if (d < 86)
		flags = 0;
	else if (d < 97)
		flags = IOB_RW;
	else
		return rnd(r);
	if (pct(r, 40))
		flags |= IOMMU_IOAS_MAP_FIXED_IOVA;
	return flags;
}

/* An access descriptor; sometimes one that is none (index -1). */
static int pick_access(struct fuzz *f, struct rng *r, int *idx)
{
	*idx = -1;
	if (f->naccs && pct(r, 85)) {
		*idx = below(r, f->naccs);
		return f->accs[*idx].fd;
	}
	switch (below(r, 6)) {
	case 0:
		return f->fd;
	case 1:
		return below(r, 3);
	case 2:
		return -1;
	case 3:
		return 4096 + below(r, 4096);
	case 4:
		return f->nchans ? f->chans[0].fd : f->stale_fd;
	default:
		return f->stale_fd;
	}
}

/* --- /dev/iommu ----------------------------------------------------------- */

static const int e_destroy[] = { ENOENT, EBUSY, 0 };

static void op_destroy(struct fuzz *f, struct call *c)
{
	struct iommu_destroy cmd = {};
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);
	struct hwpt *h = hwpt_any(f, r);
	struct dev *dv = dev_any(f, r);

	if (d < 30)
		cmd.id = pick_id(f, r, &f->ioas);
	else if (d < 45 && h)
		cmd.id = h->id;
	else if (d < 55 && dv)
		cmd.id = dv->stdev;
	else if (d < 60 && dv)
		cmd.id = dv->idev;
	else if (d < 75)
		cmd.id = pick_id(f, r, &f->deps);
	else
		cmd.id = pick_id(f, r, &f->ids);
	note(c, "id=%u", cmd.id);
	issue(f, c, f->fd, IOMMU_DESTROY, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (!c->rc)
		forget_id(f, cmd.id);
}

static const int e_ioas_alloc[] = { ENOSPC, 0 };

static void op_ioas_alloc(struct fuzz *f, struct call *c)
{
	struct iommu_ioas_alloc cmd = {};
	struct rng *r = &c->r;

	if (pml(r, 30))
		cmd.flags = 1U << below(r, 32);
	note(c, "flags=%#x", cmd.flags);
	issue(f, c, f->fd, IOMMU_IOAS_ALLOC, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (f->dry && !c->rc)
		cmd.out_ioas_id = dry_id(f);
	if (replied(c, sizeof(cmd))) {
		note(c, " => ioas=%u", cmd.out_ioas_id);
		pool_add(&f->ioas, cmd.out_ioas_id);
		pool_add(&f->ids, cmd.out_ioas_id);
		f->fresh = false;
	}
}

static const int e_map[] = {
	ENOENT, EEXIST, EOVERFLOW, ENOSPC, EBUSY, EPERM, 0
};

static void op_map(struct fuzz *f, struct call *c)
{
	struct iommu_ioas_map cmd = {};
	struct rng *r = &c->r;

	cmd.ioas_id = pick_id(f, r, &f->ioas);
	cmd.flags = pick_map_flags(r);
	pick_user(f, r, &cmd.user_va, &cmd.length);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = pick_iova(f, r, cmd.ioas_id, cmd.length);
	else if (pct(r, 10))
		cmd.iova = rnd(r);
	if (pml(r, 20))
		cmd.__reserved = 1 + below(r, UINT32_MAX);
	note(c, "ioas=%u flags=%#x va=%#llx len=%#llx iova=%#llx res=%u",
	     cmd.ioas_id, cmd.flags, cmd.user_va, cmd.length, cmd.iova,
	     cmd.__reserved);
	issue(f, c, f->fd, IOMMU_IOAS_MAP, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (f->dry && !c->rc && !(cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		cmd.iova = dry_iova(f, cmd.length);
	if (replied(c, sizeof(cmd))) {
		note(c, " => iova=%#llx", cmd.iova);
		range_add(f, cmd.ioas_id, cmd.iova, cmd.length, cmd.user_va);
	}
}

static const int e_unmap[] = {
	ENOENT, EOVERFLOW, EBUSY, EDEADLOCK, 0
};

static void op_unmap(struct fuzz *f, struct call *c)
{
	struct iommu_ioas_unmap cmd = {};
	struct rng *r = &c->r;
	unsigned int d = below(r, 100), i;
	struct range *rg;
	__u64 last;

	cmd.ioas_id = pick_id(f, r, &f->ioas);
	rg = range_any(f, r, cmd.ioas_id, f->gen);
	if (d < 45 && rg) {
		cmd.iova = rg->iova;
		cmd.length = rg->len;
	} else if (d < 55) {
		cmd.iova = 0;
		cmd.length = UINT64_MAX;
	} else if (d < 63 && rg) {
		cmd.iova = rg->iova + below64(r, rg->len) / page_size *
				      page_size;
		cmd.length = page_size;
	} else if (d < 73 && rg) {
		cmd.iova = rg->iova - (pct(r, 50) ? 0 : page_size);
		cmd.length = rg->len + page_size * below(r, 64);
	} else if (d < 78) {
		cmd.iova = rg ? rg->iova : MOCK_APERTURE_START;
		cmd.length = 0;
	} else if (d < 83) {
		cmd.iova = UINT64_MAX - below(r, 4) * page_size;
		cmd.length = page_size * (2 + below(r, 4));
	} else if (d < 88) {
		cmd.iova = pct(r, 50) ? UINT64_MAX : 0;
		cmd.length = pct(r, 50) ? UINT64_MAX : UINT64_MAX - 1;
	} else if (d < 94) {
		cmd.iova = MOCK_APERTURE_START;
		cmd.length = MOCK_APERTURE_LAST - MOCK_APERTURE_START + 1;
	} else {
		cmd.iova = rnd(r);
		cmd.length = rnd(r) >> below(r, 64);
	}
	note(c, "ioas=%u iova=%#llx len=%#llx", cmd.ioas_id, cmd.iova,
	     cmd.length);
	last = cmd.iova + cmd.length - 1;
	if (!cmd.iova && cmd.length == UINT64_MAX)
		last = UINT64_MAX;
	issue(f, c, f->fd, IOMMU_IOAS_UNMAP, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (c->rc)
		return;
	if (c->size >= sizeof(cmd))
		note(c, " => unmapped=%#llx", cmd.length);
	ranges_drop(f, f->gen, cmd.ioas_id, cmd.iova, last);
	/* The callbacks of accesses that keep the contract unpinned these. */
	for (i = 0; i < f->naccs; i++) {
		struct access *a = &f->accs[i];

		if (a->gen == f->gen && a->ioas == cmd.ioas_id &&
		    !(a->flags & MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP))
			items_drop(f, a->fd, cmd.iova, last);
	}
}

static const int e_copy[] = {
	ENOENT, EEXIST, EOVERFLOW, ENOSPC, EPERM, EBUSY, 0
};

static void op_copy(struct fuzz *f, struct call *c)
{
	struct iommu_ioas_copy cmd = {};
	struct rng *r = &c->r;
	struct range *rg = range_any(f, r, 0, f->gen), *next;
	unsigned int d = below(r, 100);
	__u64 off = 0, va = 0;

	cmd.src_ioas_id = rg && pct(r, 90) ? rg->ioas :
					     pick_id(f, r, &f->ioas);
	cmd.dst_ioas_id = pct(r, 30) ? cmd.src_ioas_id :
				       pick_id(f, r, &f->ioas);
	if (rg && d < 60) {
		off = below64(r, rg->len) / page_size * page_size;
		cmd.length = pct(r, 30) ? rg->len - off :
			     page_size * (1 + below64(r, (rg->len - off +
							  page_size - 1) /
							 page_size));
	} else if (rg && d < 75) {
		cmd.length = rg->len;
	} else if (rg && d < 85) {
		next = range_after(f, rg);
		cmd.length = rg->len + (next ? next->len :
					page_size * (1 + below(r, 4)));
	} else if (rg && d < 90) {
		off = below64(r, rg->len);
		cmd.length = 1 + below64(r, rg->len - off);
	} else {
		cmd.src_iova = pct(r, 50) ? MOCK_APERTURE_START : rnd(r);
		cmd.length = pct(r, 30) ? 0 : pct(r, 50) ? UINT64_MAX :
					      page_size;
	}
	if (rg && d < 90) {
		cmd.src_iova = rg->iova + off;
		va = rg->va ? rg->va + off : 0;
	}
	cmd.flags = pick_map_flags(r);
	if (cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.dst_iova = pick_iova(f, r, cmd.dst_ioas_id, cmd.length);
	note(c, "dst=%u src=%u flags=%#x src_iova=%#llx len=%#llx dst_iova=%#llx",
	     cmd.dst_ioas_id, cmd.src_ioas_id, cmd.flags, cmd.src_iova,
	     cmd.length, cmd.dst_iova);
	issue(f, c, f->fd, IOMMU_IOAS_COPY, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (f->dry && !c->rc && !(cmd.flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		cmd.dst_iova = dry_iova(f, cmd.length);
	if (replied(c, offsetof(struct iommu_ioas_copy, src_iova))) {
		note(c, " => dst_iova=%#llx", cmd.dst_iova);
		range_add(f, cmd.dst_ioas_id, cmd.dst_iova, cmd.length, va);
	}
}

/* Where output arrays go: the scratch area, or a bad pointer. */
static __u64 out_ptr(struct fuzz *f, struct rng *r)
{
	return pct(r, 94) ? (uintptr_t)f->scratch : bad_ptr(f, r);
}

static const int e_iova_ranges[] = { ENOENT, EMSGSIZE, 0 };

static void op_iova_ranges(struct fuzz *f, struct call *c)
{
	struct iommu_ioas_iova_ranges cmd = {};
	struct rng *r = &c->r;

	cmd.ioas_id = pick_id(f, r, &f->ioas);
	cmd.num_iovas = pml(r, 20) ? UINT32_MAX : below(r, 9);
	cmd.allowed_iovas = out_ptr(f, r);
	if (pml(r, 20))
		cmd.__reserved = 1;
	note(c, "ioas=%u num=%u ptr=%#llx res=%u", cmd.ioas_id,
	     cmd.num_iovas, cmd.allowed_iovas, cmd.__reserved);
	issue(f, c, f->fd, IOMMU_IOAS_IOVA_RANGES, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (replied(c, sizeof(cmd)))
		note(c, " => num=%u align=%#llx", cmd.num_iovas,
		     cmd.out_iova_alignment);
}

static void pick_allowed(struct rng *r, struct iommu_iova_range *ir)
{
	unsigned int d = below(r, 100);

	if (d < 50) {
		ir->start = MOCK_APERTURE_START + below(r, 1024) * page_size;
		ir->last = ir->start + page_size * (1 + below(r, 1024)) - 1;
	} else if (d < 65) {
		ir->start = MOCK_APERTURE_START;
		ir->last = MOCK_APERTURE_LAST;
	} else if (d < 75) {
		ir->start = 0;
		ir->last = (1ULL << 30) - 1;
	} else if (d < 85) {
		ir->start = MOCK_APERTURE_START + below(r, 16) * page_size;
		ir->last = ir->start - below(r, 2);
	} else {
		ir->start = rnd(r);
		ir->last = ir->start + (rnd(r) >> below(r, 64));
	}
}

static const int e_allow_iovas[] = { ENOENT, EADDRINUSE, 0 };

static void op_allow_iovas(struct fuzz *f, struct call *c)
{
	struct iommu_iova_range *ranges = (void *)f->scratch;
	struct iommu_ioas_allow_iovas cmd = {};
	struct rng *r = &c->r;
	unsigned int i, n = pct(r, 25) ? 0 : 1 + below(r, 4);

	cmd.ioas_id = pick_id(f, r, &f->ioas);
	memset(ranges, 0, 8 * sizeof(*ranges));
	for (i = 0; i < n; i++)
		pick_allowed(r, &ranges[i]);
	cmd.num_iovas = pml(r, 10) ? UINT32_MAX : n;
	cmd.allowed_iovas = pct(r, 94) ? (uintptr_t)ranges : bad_ptr(f, r);
	if (pml(r, 20))
		cmd.__reserved = 1;
	note(c, "ioas=%u num=%u ptr=%#llx", cmd.ioas_id, cmd.num_iovas,
	     cmd.allowed_iovas);
	for (i = 0; i < n; i++)
		note(c, " [%#llx,%#llx]", ranges[i].start, ranges[i].last);
	issue(f, c, f->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd, sizeof(cmd),
	      sizeof(cmd));
}

static const int e_option[] = { ENOENT, EPERM, EBUSY, EADDRINUSE, 0 };

static void op_option(struct fuzz *f, struct call *c)
{
	struct iommu_option cmd = {};
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);

	if (d < 40) {
		cmd.option_id = IOMMU_OPTION_HUGE_PAGES;
		cmd.op = IOMMU_OPTION_OP_GET;
	} else if (d < 70) {
		cmd.option_id = IOMMU_OPTION_HUGE_PAGES;
		cmd.op = IOMMU_OPTION_OP_SET;
		cmd.val64 = pct(r, 95) ? below(r, 2) : rnd(r);
	} else if (d < 82) {
		cmd.option_id = IOMMU_OPTION_RLIMIT_MODE;
		cmd.op = IOMMU_OPTION_OP_GET;
	} else if (d < 92) {
		cmd.option_id = IOMMU_OPTION_RLIMIT_MODE;
		cmd.op = IOMMU_OPTION_OP_SET;
		cmd.val64 = pct(r, 90) ? below(r, 2) : 2 + below(r, 8);
	} else {
		cmd.option_id = pct(r, 50) ? below(r, 4) : rnd(r);
		cmd.op = pct(r, 50) ? below(r, 4) : rnd(r);
		cmd.val64 = rnd(r);
	}
	if (cmd.option_id == IOMMU_OPTION_HUGE_PAGES || d >= 92)
		cmd.object_id = pick_id(f, r, &f->ioas);
	else if (pct(r, 5))
		cmd.object_id = pick_id(f, r, &f->ids);
	if (pml(r, 20))
		cmd.__reserved = 1 + below(r, 0xffff);
	note(c, "option=%u op=%u object=%u val=%#llx res=%u", cmd.option_id,
	     cmd.op, cmd.object_id, cmd.val64, cmd.__reserved);
	issue(f, c, f->fd, IOMMU_OPTION, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (replied(c, sizeof(cmd)))
		note(c, " => val=%#llx", cmd.val64);
}

/* A window request for a pseries device: mostly one it can have. */
static void pick_tce(struct rng *r, struct iommu_hwpt_iob_tce *tce)
{
	static const unsigned int shifts[] = { 0, 12, 16, 21, 24 };
	struct iommu_iob_tce_window *w32 = &tce->windows[0];
	struct iommu_iob_tce_window *w64 = &tce->windows[1];
	unsigned int s;

	memset(tce, 0, sizeof(*tce));
	if (pct(r, 70)) {
		w32->size = 1ULL << (24 + below(r, 7));
		w32->page_shift = pct(r, 50) ? 0 : 12;
	}
	if (pct(r, 70)) {
		s = shifts[below(r, ARRAY_SIZE(shifts))];
		w64->page_shift = s;
		/* From one IO page to 2^24 of them, the pseries mock's most. */
		w64->size = 1ULL << ((s ? s : 16) + below(r, 25));
	}
	w32->levels = pct(r, 90) ? below(r, 2) : 1 + below(r, 4);
	w64->levels = pct(r, 90) ? below(r, 2) : 1 + below(r, 4);
	if (pct(r, 4))
		w32->size = rnd(r) >> below(r, 64);
	if (pct(r, 4))
		w64->size = rnd(r) >> below(r, 64);
	if (pct(r, 3))
		w64->page_shift = below(r, 64);
	if (pct(r, 3))
		w32->page_shift = 13 + below(r, 4);
	if (pml(r, 20))
		tce->flags = 1U << below(r, 32);
	if (pml(r, 20))
		tce->__reserved = 1;
}

static const int e_hwpt_alloc[] = { ENOENT, EADDRINUSE, ENOSPC, 0 };

static void op_hwpt_alloc(struct fuzz *f, struct call *c)
{
	struct iommu_hwpt_iob_tce *tce = (void *)f->scratch;
	struct iommu_hwpt_alloc cmd = {};
	struct rng *r = &c->r;
	struct dev *dv = dev_any(f, r);
	struct hwpt *h = hwpt_any(f, r);
	bool pseries = dv && dv->pseries;
	unsigned int d = below(r, 100);

	cmd.dev_id = dv && pct(r, 85) ? dv->idev : pick_id(f, r, &f->ids);
	if (d < 70)
		cmd.pt_id = dv && dv->ioas && pct(r, 50) ?
			    dv->ioas : pick_id(f, r, &f->ioas);
	else if (d < 80 && h)
		cmd.pt_id = h->id;
	else
		cmd.pt_id = pick_id(f, r, &f->ids);
	d = below(r, 100);
	if (d < 80)
		cmd.flags = 0;
	else if (d < 94)
		cmd.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	else if (d < 98)
		cmd.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING <<
			    below(r, 2);
	else
		cmd.flags = rnd(r);
	if (cmd.flags & IOMMU_HWPT_FAULT_ID_VALID)
		cmd.fault_id = pick_id(f, r, &f->ids);

	d = below(r, 100);
	if ((pseries && d < 60) || (!pseries && d < 10)) {
		pick_tce(r, tce);
		cmd.data_type = IOMMU_HWPT_DATA_IOB_TCE;
		cmd.data_uptr = (uintptr_t)tce;
		d = below(r, 100);
		if (d < 85)
			cmd.data_len = sizeof(*tce);
		else if (d < 90)
			cmd.data_len = below(r, sizeof(*tce));
		else if (d < 95)
			cmd.data_len = sizeof(*tce) + 1 + below(r, 64);
		else if (d < 98)
			cmd.data_len = sizeof(*tce) + 1 + below(r, 64);
		else
			cmd.data_len = 0;
		memset(tce + 1, 0, 128);
		if (d >= 95 && d < 98)
			((char *)tce)[sizeof(*tce) + below(r, cmd.data_len -
							   sizeof(*tce))] = 1;
		if (pct(r, 3))
			cmd.data_uptr = bad_ptr(f, r);
		note(c, "w32={%u,%u,%#llx} w64={%u,%u,%#llx} tflags=%#x ",
		     tce->windows[0].page_shift, tce->windows[0].levels,
		     tce->windows[0].size, tce->windows[1].page_shift,
		     tce->windows[1].levels, tce->windows[1].size,
		     tce->flags);
	} else if (d < 96) {
		cmd.data_type = IOMMU_HWPT_DATA_NONE;
		if (pct(r, 5)) {
			cmd.data_len = 1 + below(r, 64);
			cmd.data_uptr = (uintptr_t)f->scratch;
		}
	} else {
		cmd.data_type = pct(r, 50) ? IOMMU_HWPT_DATA_VTD_S1 : rnd(r);
		cmd.data_len = below(r, 64);
		cmd.data_uptr = (uintptr_t)f->scratch;
	}
	if (pml(r, 20))
		cmd.__reserved = 1;
	if (pml(r, 20))
		cmd.__reserved2 = rnd(r);
	note(c, "dev=%u pt=%u flags=%#x type=%#x len=%u ptr=%#llx fault=%u",
	     cmd.dev_id, cmd.pt_id, cmd.flags, cmd.data_type, cmd.data_len,
	     cmd.data_uptr, cmd.fault_id);
	issue(f, c, f->fd, IOMMU_HWPT_ALLOC, &cmd, sizeof(cmd),
	      offsetof(struct iommu_hwpt_alloc, data_type));
	if (f->dry && !c->rc)
		cmd.out_hwpt_id = dry_id(f);
	if (replied(c, offsetof(struct iommu_hwpt_alloc, __reserved))) {
		note(c, " => hwpt=%u", cmd.out_hwpt_id);
		hwpt_add(f, cmd.out_hwpt_id, cmd.pt_id, pseries, true);
		f->fresh = false;
	}
}

static const int e_hw_info[] = { ENOENT, 0 };

static void op_hw_info(struct fuzz *f, struct call *c)
{
	static const __u32 lens[] = { 0, 4, 8, 16, 48, 64, 256, 4096 };
	struct iommu_hw_info cmd = {};
	struct rng *r = &c->r;
	struct dev *dv = dev_any(f, r);

	cmd.dev_id = dv && pct(r, 85) ? dv->idev : pick_id(f, r, &f->ids);
	cmd.data_len = pct(r, 97) ? lens[below(r, ARRAY_SIZE(lens))] :
				    pct(r, 50) ? SCRATCH_SIZE + page_size :
						 UINT32_MAX;
	cmd.data_uptr = out_ptr(f, r);
	if (pml(r, 20))
		cmd.flags = 1U << below(r, 32);
	if (pml(r, 20))
		cmd.__reserved[below(r, 3)] = 1 + below(r, 255);
	note(c, "dev=%u len=%u ptr=%#llx flags=%#x", cmd.dev_id, cmd.data_len,
	     cmd.data_uptr, cmd.flags);
	issue(f, c, f->fd, IOMMU_GET_HW_INFO, &cmd, sizeof(cmd),
	      offsetof(struct iommu_hw_info, out_capabilities));
	if (replied(c, offsetof(struct iommu_hw_info, out_max_pasid_log2)))
		note(c, " => type=%#x len=%u", cmd.out_data_type,
		     cmd.data_len);
}

/* Numbers /dev/iommu does not serve, or served ones in another form. */
static void op_bad_ioctl(struct fuzz *f, struct call *c)
{
	static const unsigned int unserved[] = {
		0x8f, 0x90, 0x9f, 0xa1, 0xff, 0x00, 0x7f,
	};
	static const unsigned int served[] = {
		0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0xa0,
	};
	struct rng *r = &c->r;
	unsigned int nr = served[below(r, ARRAY_SIZE(served))];
	unsigned long cmd;

	switch (below(r, 5)) {
	case 0:
		cmd = _IO(IOMMUFD_TYPE, unserved[below(r, ARRAY_SIZE(unserved))]);
		break;
	case 1:
		cmd = _IOC(_IOC_WRITE, IOMMUFD_TYPE, nr, 8 + below(r, 64));
		break;
	case 2:
		cmd = _IOC(_IOC_READ | _IOC_WRITE, IOMMUFD_TYPE, nr,
			   below(r, 128));
		break;
	case 3:
		cmd = _IO(IOB_SWDMA_TYPE, below(r, 4));
		break;
	default:
		cmd = _IO('Z', nr);
	}
	memset(f->cmd, 0, f->cmd_dirty);
	f->cmd_dirty = 0;
	note(c, "cmd=%#lx", cmd);
	c->rc = do_ioctl(f, c, f->fd, cmd, f->cmd);
}

static const int e_bad_ioctl[] = { ENOTTY, 0 };

/* Close the file and open a new one; accesses and channels may stay. */
static void op_reopen(struct fuzz *f, struct call *c)
{
	bool keep = pct(&c->r, 70);
	unsigned int i;

	note(c, "fd=%d keep=%d", f->fd, keep);
	if (!keep) {
		for (i = 0; i < f->naccs; i++)
			close(f->accs[i].fd);
		for (i = 0; i < f->nchans; i++)
			close(f->chans[i].fd);
		f->naccs = 0;
		f->nchans = 0;
		f->nitems = 0;
		/* No access or channel is left to use the old mappings. */
		ranges_drop(f, f->gen, 0, 0, UINT64_MAX);
	}
	c->rc = f->dry ? 0 : do_close(f, c, f->fd);
	if (!f->dry) {
		errno = 0;
		f->fd = iob_open();
		if (f->fd < 0) {
			if (!c->rc)
				c->rc = errno ? errno : RC_WEIRD;
			f->stop = true;
		}
	}
	memset(&f->ids, 0, sizeof(f->ids));
	memset(&f->ioas, 0, sizeof(f->ioas));
	memset(&f->deps, 0, sizeof(f->deps));
	f->ndevs = 0;
	f->nhwpts = 0;
	f->gen++;
	f->fresh = true;
	f->fake_id = 0;
}

/* --- IOMMU_TEST_CMD ------------------------------------------------------- */

/*
 * A test command. Every operation's results lie in the union, which the
 * first version of the structure covers: a test command that succeeded has
 * replied.
 */
static void issue_test(struct fuzz *f, struct call *c,
		       struct iommu_test_cmd *cmd)
{
	if (pml(&c->r, 10))
		cmd->__reserved = 1 + below(&c->r, UINT32_MAX);
	issue(f, c, f->fd, IOMMU_TEST_CMD, cmd, sizeof(*cmd),
	      offsetof(struct iommu_test_cmd, last) + sizeof(cmd->last));
}

static void dev_add(struct fuzz *f, const struct iommu_test_cmd *cmd,
		    __u32 ioas, bool pseries)
{
	struct dev *dv;

	if (!cmd->mock_domain.out_stdev_id)
		return;
	dv = f->ndevs < MAX_DEVS ? &f->devs[f->ndevs++] :
				   &f->devs[cmd->mock_domain.out_stdev_id %
					    MAX_DEVS];
	dv->stdev = cmd->mock_domain.out_stdev_id;
	dv->idev = cmd->mock_domain.out_idev_id;
	dv->hwpt = cmd->mock_domain.out_hwpt_id;
	dv->ioas = ioas;
	dv->pseries = pseries;
	pool_add(&f->ids, dv->stdev);
	pool_add(&f->ids, dv->idev);
	hwpt_add(f, dv->hwpt, ioas, pseries, false);
	f->fresh = false;
}

static const int e_mock_domain[] = { ENOENT, EADDRINUSE, ENOSPC, 0 };

static __u32 pick_dev_flags(struct rng *r)
{
	static const unsigned int shifts[] = {
		12, 13, 14, 15, 16, 17, 18, 20, 21, 24
	};
	unsigned int d = below(r, 100);

	if (d < 25)
		return 0;
	if (d < 35)
		return MOCK_FLAGS_DEVICE_NO_DIRTY;
	if (d < 65)
		return MOCK_FLAGS_DEVICE_IOB_PSERIES |
		       (pct(r, 20) ? MOCK_FLAGS_DEVICE_NO_DIRTY : 0);
	if (d < 90)
		return MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(shifts[below(r,
						ARRAY_SIZE(shifts))]);
	if (d < 93)
		return MOCK_FLAGS_DEVICE_HUGE_IOVA;
	if (d < 95)
		return MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(below(r, 256));
	if (d < 97)
		return MOCK_FLAGS_DEVICE_IOB_PSERIES |
		       MOCK_FLAGS_DEVICE_IOB_PAGE_SHIFT(16);
	return rnd(r);
}

/* MOCK_DOMAIN and MOCK_DOMAIN_FLAGS, on an IOAS or a HWPT. */
static void mock_domain(struct fuzz *f, struct call *c, bool with_flags)
{
	struct iommu_test_cmd cmd = {};
	struct rng *r = &c->r;
	struct hwpt *h = hwpt_any(f, r);
	unsigned int d = below(r, 100);
	__u32 ioas = 0, flags = 0;

	if (d < 75) {
		cmd.id = pick_id(f, r, &f->ioas);
		ioas = cmd.id;
	} else if (d < 90 && h) {
		cmd.id = h->id;
		ioas = h->ioas;
	} else {
		cmd.id = pick_id(f, r, &f->ids);
	}
	if (with_flags) {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
		flags = pick_dev_flags(r);
		cmd.mock_domain_flags.dev_flags = flags;
	} else {
		cmd.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	}
	note(c, "pt=%u dev_flags=%#x", cmd.id, flags);
	issue_test(f, c, &cmd);
	if (f->dry && !c->rc) {
		cmd.mock_domain.out_stdev_id = dry_id(f);
		cmd.mock_domain.out_idev_id = dry_id(f);
		cmd.mock_domain.out_hwpt_id = h && d >= 75 ? h->id : dry_id(f);
	}
	if (!c->rc) {
		note(c, " => stdev=%u hwpt=%u idev=%u",
		     cmd.mock_domain.out_stdev_id, cmd.mock_domain.out_hwpt_id,
		     cmd.mock_domain.out_idev_id);
		dev_add(f, &cmd, ioas,
			flags & MOCK_FLAGS_DEVICE_IOB_PSERIES);
	}
}

static void op_mock_domain(struct fuzz *f, struct call *c)
{
	mock_domain(f, c, false);
}

static void op_mock_domain_flags(struct fuzz *f, struct call *c)
{
	mock_domain(f, c, true);
}

static const int e_replace[] = {
	ENOENT, EADDRINUSE, ENOSPC, EBUSY, 0
};

static void op_mock_replace(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE };
	struct rng *r = &c->r;
	struct dev *dv = dev_any(f, r);
	struct hwpt *h = hwpt_any(f, r);
	unsigned int d = below(r, 100);
	__u32 ioas = 0;

	cmd.id = dv && pct(r, 85) ? dv->stdev : pick_id(f, r, &f->ids);
	if (d < 60) {
		ioas = pick_id(f, r, &f->ioas);
		cmd.mock_domain_replace.pt_id = ioas;
	} else if (d < 90 && h) {
		cmd.mock_domain_replace.pt_id = h->id;
		ioas = h->ioas;
	} else {
		cmd.mock_domain_replace.pt_id = pick_id(f, r, &f->ids);
	}
	note(c, "stdev=%u pt=%u", cmd.id, cmd.mock_domain_replace.pt_id);
	issue_test(f, c, &cmd);
	if (f->dry && !c->rc && d < 60)
		cmd.mock_domain_replace.pt_id = dry_id(f);
	if (!c->rc && dv && dv->stdev == cmd.id) {
		note(c, " => hwpt=%u", cmd.mock_domain_replace.pt_id);
		dv->hwpt = cmd.mock_domain_replace.pt_id;
		dv->ioas = ioas;
		hwpt_add(f, dv->hwpt, ioas, dv->pseries, false);
	}
}

static const int e_add_reserved[] = {
	ENOENT, EOVERFLOW, EADDRINUSE, ENOSPC, 0
};

static void op_add_reserved(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_ADD_RESERVED };
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);
	struct range *rg;

	cmd.id = pick_id(f, r, &f->ioas);
	rg = range_any(f, r, cmd.id, f->gen);
	if (d < 30) {
		cmd.add_reserved.start = APERTURE_END -
					 page_size * (1 + below(r, 64));
		cmd.add_reserved.length = page_size * (1 + below(r, 4));
	} else if (d < 45 && rg) {
		cmd.add_reserved.start = rg->iova;
		cmd.add_reserved.length = page_size;
	} else if (d < 55) {
		cmd.add_reserved.start = UINT64_MAX - page_size + 1;
		cmd.add_reserved.length = page_size;
	} else if (d < 65) {
		cmd.add_reserved.start = MOCK_APERTURE_START;
		cmd.add_reserved.length = 0;
	} else if (d < 75) {
		cmd.add_reserved.start = UINT64_MAX - below(r, 4096);
		cmd.add_reserved.length = 2 + below(r, 1 << 20) + 4096;
	} else if (d < 85) {
		cmd.add_reserved.start = 1ULL << (40 + below(r, 20));
		cmd.add_reserved.length = 1ULL << below(r, 40);
	} else {
		cmd.add_reserved.start = rnd(r);
		cmd.add_reserved.length = rnd(r) >> below(r, 64);
	}
	note(c, "ioas=%u start=%#llx len=%#llx", cmd.id,
	     cmd.add_reserved.start, cmd.add_reserved.length);
	issue_test(f, c, &cmd);
}

static const int e_check_map[] = { ENOENT, 0 };

static void op_check_map(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_MD_CHECK_MAP };
	struct rng *r = &c->r;
	struct hwpt *h = hwpt_any(f, r);
	struct range *rg = h ? range_any(f, r, h->ioas, f->gen) : NULL;
	__u64 off, n;

	cmd.id = h && pct(r, 85) ? h->id : pick_id(f, r, &f->ids);
	if (rg && rg->len >= SZ_4K && pct(r, 85)) {
		off = below64(r, rg->len / SZ_4K) * SZ_4K;
		n = (rg->len - off) / SZ_4K;
		cmd.check_map.iova = rg->iova + off;
		cmd.check_map.length = SZ_4K * (1 + below64(r, n < 32 ? n : 32));
		if (!n)
			cmd.check_map.length = SZ_4K;
		cmd.check_map.uptr = rg->va ? rg->va + off : 0;
	} else {
		cmd.check_map.iova = MOCK_APERTURE_START + below(r, 64) * SZ_4K;
		cmd.check_map.length = SZ_4K * below(r, 4);
		cmd.check_map.uptr = (uintptr_t)f->bufs[BUF_SMALL].va;
	}
	if (pct(r, 5))
		cmd.check_map.iova += 1 + below(r, SZ_4K - 1);
	if (pct(r, 5))
		cmd.check_map.uptr = pct(r, 50) ? bad_ptr(f, r) & ~(SZ_4K - 1) :
				     (uintptr_t)f->bufs[BUF_SMALL].va;
	if (pml(r, 20))
		cmd.check_map.length = UINT64_MAX & ~(SZ_4K - 1);
	note(c, "hwpt=%u iova=%#llx len=%#llx uptr=%#llx", cmd.id,
	     cmd.check_map.iova, cmd.check_map.length, cmd.check_map.uptr);
	issue_test(f, c, &cmd);
}

static const int e_create_access[] = { ENOENT, EADDRINUSE, ENOSPC, 0 };

static void op_create_access(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_CREATE_ACCESS };
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);
	struct access *a;

	cmd.id = pick_id(f, r, &f->ioas);
	if (d < 30)
		cmd.create_access.flags = 0;
	else if (d < 85)
		cmd.create_access.flags =
			MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	else if (d < 95)
		cmd.create_access.flags =
			MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES |
			MOCK_FLAGS_ACCESS_CREATE_IOB_SLOW_UNMAP;
	else if (d < 97)
		cmd.create_access.flags =
			MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES |
			MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP;
	else
		cmd.create_access.flags = 1U << below(r, 32);
	note(c, "ioas=%u flags=%#x", cmd.id, cmd.create_access.flags);
	issue_test(f, c, &cmd);
	if (f->dry && !c->rc) {
		cmd.create_access.out_access_fd = dry_fd();
		if ((int)cmd.create_access.out_access_fd < 0)
			c->rc = ENOMEM;
	}
	if (c->rc)
		return;
	note(c, " => fd=%d", cmd.create_access.out_access_fd);
	f->fresh = false;
	if (f->naccs == MAX_ACCESSES) {
		close(cmd.create_access.out_access_fd);
		return;
	}
	a = &f->accs[f->naccs++];
	a->fd = cmd.create_access.out_access_fd;
	a->ioas = cmd.id;
	a->flags = cmd.create_access.flags;
	a->gen = f->gen;
}

/* An IOVA and length of the mappings an access sees, for a pin or a copy. */
static void pick_access_range(struct fuzz *f, struct rng *r, int idx,
			      bool pin, __u64 *iova, __u64 *len, __u64 *va)
{
	struct access *a = idx >= 0 ? &f->accs[idx] : NULL;
	struct range *rg = a ? range_any(f, r, a->ioas, a->gen) : NULL;
	__u64 cap = pin ? 16 * page_size : RW_MAX, off, room, next_len;
	unsigned int d = below(r, 100);
	struct range *next;

	*va = 0;
	if (!rg)
		rg = range_any(f, r, 0, f->gen);
	if (rg && d < 80) {
		off = below64(r, rg->len);
		if (pin || pct(r, 50))
			off = off / page_size * page_size;
		room = rg->len - off;
		*iova = rg->iova + off;
		*va = rg->va ? rg->va + off : 0;
		next = range_after(f, rg);
		d = below(r, 100);
		if (d < 70) {
			*len = 1 + below64(r, room < cap ? room : cap);
		} else if (d < 80 && pin) {
			*len = (room + page_size - 1) / page_size * page_size;
		} else if (d < 90 && next) {
			next_len = next->len < cap ? next->len : cap;
			*len = room + 1 + below64(r, next_len);
		} else {
			*len = room + 1 + below(r, page_size);
		}
		/* Copies stay short; pins may take what the module allows. */
		if (*len > (pin ? STACCESS_MAX : RW_MAX + page_size))
			*len = pin ? STACCESS_MAX : RW_MAX + page_size;
		return;
	}
	if (d < 86) {
		*iova = MOCK_APERTURE_START + below(r, 64) * page_size;
		*len = page_size;
	} else if (d < 90) {
		*iova = rg ? rg->iova : 0;
		*len = 0;
	} else if (d < 94) {
		*iova = rg ? rg->iova : MOCK_APERTURE_START;
		*len = STACCESS_MAX + 1 + below(r, 1U << 20);
	} else {
		*iova = UINT64_MAX - below(r, 4) * page_size;
		*len = page_size * (1 + below(r, 8));
	}
}

static const int e_access_pages[] = {
	EBADFD, ENOENT, EOVERFLOW, EPERM, EBADE, EBUSY, 0
};

static void op_access_pages(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_ACCESS_PAGES };
	struct rng *r = &c->r;
	__u64 iova, len, va;
	bool syz = pct(r, 10);
	int idx;

	cmd.id = pick_access(f, r, &idx);
	pick_access_range(f, r, idx, true, &iova, &len, &va);
	if (syz) {
		cmd.access_pages.flags |= MOCK_FLAGS_ACCESS_SYZ;
		/* In memory order: which mapping, then how far into it. */
		iova = below(r, 6) | (__u64)(below(r, 4) * page_size) << 32;
		va = 0;
	}
	cmd.access_pages.iova = iova;
	cmd.access_pages.length = len;
	if (pct(r, 50))
		cmd.access_pages.flags |= MOCK_FLAGS_ACCESS_WRITE;
	if (pml(r, 20))
		cmd.access_pages.flags |= 1U << below(r, 32);
	if (va && pct(r, 50))
		cmd.access_pages.uptr = va;
	else if (pct(r, 6))
		cmd.access_pages.uptr = pct(r, 50) ? bad_ptr(f, r) :
					(uintptr_t)f->bufs[BUF_SHARED].va;
	note(c, "fd=%d flags=%#x iova=%#llx len=%#llx uptr=%#llx", cmd.id,
	     cmd.access_pages.flags, cmd.access_pages.iova,
	     cmd.access_pages.length, cmd.access_pages.uptr);
	issue_test(f, c, &cmd);
	if (f->dry && !c->rc)
		cmd.access_pages.out_access_pages_id = dry_id(f);
	if (!c->rc && idx >= 0) {
		note(c, " => item=%u", cmd.access_pages.out_access_pages_id);
		item_add(f, cmd.id, cmd.access_pages.out_access_pages_id,
			 syz ? 0 : iova, syz ? 0 : len);
	}
}

static const int e_destroy_pages[] = { EBADFD, ENOENT, 0 };

static void op_destroy_pages(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES
	};
	struct rng *r = &c->r;
	int it = -1, idx;

	if (f->nitems && pct(r, 85)) {
		it = below(r, f->nitems);
		cmd.id = f->items[it].fd;
		cmd.destroy_access_pages.access_pages_id = f->items[it].id;
	} else {
		cmd.id = pick_access(f, r, &idx);
		cmd.destroy_access_pages.access_pages_id = pct(r, 50) ?
							   below(r, 64) :
							   rnd(r);
	}
	note(c, "fd=%d item=%u", cmd.id,
	     cmd.destroy_access_pages.access_pages_id);
	issue_test(f, c, &cmd);
	if (it >= 0 && (!c->rc || c->rc == ENOENT))
		item_del(f, it);
}

static const int e_access_rw[] = { EBADFD, ENOENT, EOVERFLOW, EPERM, 0 };

static void op_access_rw(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_ACCESS_RW };
	struct rng *r = &c->r;
	__u64 iova, len, va;
	int idx;

	cmd.id = pick_access(f, r, &idx);
	pick_access_range(f, r, idx, false, &iova, &len, &va);
	if (pct(r, 50))
		cmd.access_rw.flags |= MOCK_ACCESS_RW_WRITE;
	if (pct(r, 30))
		cmd.access_rw.flags |= MOCK_ACCESS_RW_SLOW_PATH;
	if (pct(r, 5)) {
		cmd.access_rw.flags |= MOCK_FLAGS_ACCESS_SYZ;
		iova = below(r, 6) | (__u64)below(r, 3 * page_size) << 32;
	}
	if (pml(r, 20))
		cmd.access_rw.flags |= 1U << below(r, 32);
	cmd.access_rw.iova = iova;
	cmd.access_rw.length = len;
	/* What does not fit in the scratch area faults on PROT_NONE. */
	cmd.access_rw.uptr = pct(r, 95) ? (uintptr_t)f->scratch + below(r, 64) :
					  bad_ptr(f, r);
	note(c, "fd=%d flags=%#x iova=%#llx len=%#llx uptr=%#llx", cmd.id,
	     cmd.access_rw.flags, cmd.access_rw.iova, cmd.access_rw.length,
	     cmd.access_rw.uptr);
	issue_test(f, c, &cmd);
}

static const int e_access_replace[] = {
	EBADFD, ENOENT, EBUSY, EADDRINUSE, 0
};

static void op_access_replace(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS
	};
	struct rng *r = &c->r;
	int idx;

	cmd.id = pick_access(f, r, &idx);
	if (idx >= 0 && f->accs[idx].gen != f->gen)
		cmd.access_replace_ioas.ioas_id = pct(r, 70) ?
						  f->accs[idx].ioas :
						  1 + below(r, 8);
	else
		cmd.access_replace_ioas.ioas_id = pick_id(f, r, &f->ioas);
	note(c, "fd=%d ioas=%u", cmd.id, cmd.access_replace_ioas.ioas_id);
	issue_test(f, c, &cmd);
	if (!c->rc && idx >= 0) {
		f->accs[idx].ioas = cmd.access_replace_ioas.ioas_id;
		/* Leaving the old IOAS unpinned everything. */
		items_drop(f, f->accs[idx].fd, 0, UINT64_MAX);
	}
}

static void op_close_access(struct fuzz *f, struct call *c)
{
	unsigned int i = below(&c->r, f->naccs);
	int fd = f->accs[i].fd;

	note(c, "fd=%d", fd);
	c->rc = do_close(f, c, fd);
	items_drop(f, fd, 0, UINT64_MAX);
	f->stale_fd = fd;
	f->accs[i] = f->accs[--f->naccs];
}

static void op_temp_limit(struct fuzz *f, struct call *c)
{
	static const __u32 limits[] = {
		12, 13, 16, 24, 64, 100, 4096, 65536, 65536, 1U << 20
	};
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT
	};
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);

	if (d < 85)
		cmd.memory_limit.limit = limits[below(r, ARRAY_SIZE(limits))];
	else if (d < 95)
		cmd.memory_limit.limit = below(r, 12);
	else
		cmd.memory_limit.limit = f->giant ? rnd(r) : 12 +
					 below(r, 1U << 24);
	note(c, "limit=%u", cmd.memory_limit.limit);
	issue_test(f, c, &cmd);
}

static const int e_dep_alloc[] = { ENOENT, ENOSPC, 0 };

/*
 * What a test object may depend on. A long-term reference on a device or an
 * access makes its owner's destroy fail, which the core answers with a
 * warning; unless --dep-any, only objects that userspace owns and that
 * cannot have gone away unseen: IOASes, test objects, mock devices and
 * HWPTs from HWPT_ALLOC.
 */
static __u32 pick_dep(struct fuzz *f, struct rng *r)
{
	struct hwpt *h = hwpt_any(f, r);
	struct dev *dv = dev_any(f, r);
	unsigned int d = below(r, 100);

	if (f->dep_any && d < 40)
		return pick_id(f, r, &f->ids);
	d = below(r, 100);
	if (d < 25)
		return 0;
	if (d < 55)
		return pool_any(r, &f->ioas);
	if (d < 75)
		return pool_any(r, &f->deps);
	if (d < 85 && dv)
		return dv->stdev;
	if (h && h->user)
		return h->id;
	return pool_any(r, &f->ioas);
}

static void op_dep_alloc(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = { .op = IOMMU_TEST_OP_IOB_DEP_ALLOC };
	struct rng *r = &c->r;

	cmd.id = pick_dep(f, r);
	note(c, "dep=%u", cmd.id);
	issue_test(f, c, &cmd);
	if (f->dry && !c->rc)
		cmd.iob_dep_alloc.out_obj_id = dry_id(f);
	if (!c->rc) {
		note(c, " => obj=%u", cmd.iob_dep_alloc.out_obj_id);
		pool_add(&f->deps, cmd.iob_dep_alloc.out_obj_id);
		pool_add(&f->ids, cmd.iob_dep_alloc.out_obj_id);
		f->fresh = false;
	}
}

static const int e_kernel_destroy[] = { ENOENT, EBUSY, 0 };

static void op_kernel_destroy(struct fuzz *f, struct call *c)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_IOB_KERNEL_DESTROY
	};
	struct rng *r = &c->r;
	struct dev *dv = dev_any(f, r);

	cmd.id = dv && pct(r, 20) ? dv->stdev : pick_id(f, r, &f->deps);
	note(c, "obj=%u", cmd.id);
	issue_test(f, c, &cmd);
	if (!c->rc)
		forget_id(f, cmd.id);
}

/* Operations iobroker does not serve, and unknown ones. */
static void op_test_bad(struct fuzz *f, struct call *c)
{
	static const __u32 unserved[] = {
		IOMMU_TEST_OP_DIRTY, IOMMU_TEST_OP_MD_CHECK_IOTLB,
		IOMMU_TEST_OP_TRIGGER_IOPF, 0,
	};
	struct iommu_test_cmd cmd = {};
	struct rng *r = &c->r;
	unsigned int d = below(r, 100);
	unsigned int i;
	__u64 v;

	if (d < 50)
		cmd.op = unserved[below(r, ARRAY_SIZE(unserved))];
	else if (d < 75)
		cmd.op = 16 + below(r, IOMMU_TEST_OP_IOB_BASE - 16);
	else
		/* Past the extensions; HOLD would sleep. */
		cmd.op = IOMMU_TEST_OP_IOB_STATS + 1 +
			 below(r, UINT32_MAX - IOMMU_TEST_OP_IOB_STATS - 1);
	cmd.id = pick_id(f, r, &f->ids);
	for (i = 0; i < 6; i++) {
		v = pct(r, 50) ? rnd(r) : 0;
		memcpy((char *)&cmd.add_reserved + i * sizeof(v), &v, sizeof(v));
	}
	note(c, "op=%#x id=%u", cmd.op, cmd.id);
	issue_test(f, c, &cmd);
}

static const int e_test_bad[] = { 0 };

/* --- /dev/iob_swdma ------------------------------------------------------- */

static struct chan *chan_any(struct fuzz *f, struct rng *r)
{
	return f->nchans ? &f->chans[below(r, f->nchans)] : NULL;
}

static void op_swdma_open(struct fuzz *f, struct call *c)
{
	struct chan *ch;
	int fd;

	errno = 0;
	fd = f->dry ? dry_fd() : open(SWDMA_DEV, O_RDWR | O_CLOEXEC);
	c->ret = fd;
	c->rc = fd < 0 ? (errno ? errno : RC_WEIRD) : 0;
	note(c, "=> fd=%d", fd);
	if (fd < 0)
		return;
	ch = &f->chans[f->nchans++];
	ch->fd = fd;
	ch->bound = false;
	ch->ioas = 0;
	ch->gen = f->gen;
}

static void op_swdma_close(struct fuzz *f, struct call *c)
{
	unsigned int i = below(&c->r, f->nchans);

	note(c, "fd=%d", f->chans[i].fd);
	c->rc = do_close(f, c, f->chans[i].fd);
	f->chans[i] = f->chans[--f->nchans];
}

static const int e_swdma_bind[] = {
	EBUSY, EBADF, EBADFD, ENOENT, EADDRINUSE, ENOSPC, 0
};

static void op_swdma_bind(struct fuzz *f, struct call *c)
{
	struct iob_swdma_bind cmd = {};
	struct rng *r = &c->r;
	struct chan *ch = chan_any(f, r);
	unsigned int d = below(r, 100);

	if (d < 85)
		cmd.iommufd = f->fd;
	else if (d < 88)
		cmd.iommufd = f->naccs ? f->accs[0].fd : 1;
	else if (d < 91)
		cmd.iommufd = ch->fd;
	else if (d < 94)
		cmd.iommufd = -1;
	else if (d < 97)
		cmd.iommufd = 1;
	else
		cmd.iommufd = 100000 + below(r, 1000);
	cmd.ioas_id = pick_id(f, r, &f->ioas);
	if (pml(r, 20))
		cmd.flags = 1U << below(r, 32);
	if (pml(r, 20))
		cmd.__reserved = 1;
	note(c, "chan=%d iommufd=%d ioas=%u flags=%#x", ch->fd, cmd.iommufd,
	     cmd.ioas_id, cmd.flags);
	issue(f, c, ch->fd, IOB_SWDMA_BIND, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (!c->rc && !ch->bound) {
		ch->bound = true;
		ch->ioas = cmd.ioas_id;
		ch->gen = f->gen;
		f->fresh = false;
		if (f->dry)
			cmd.out_access_id = dry_id(f);
		pool_add(&f->ids, cmd.out_access_id);
		note(c, " => access=%u", cmd.out_access_id);
	}
}

static const int e_swdma_set_ioas[] = {
	ENXIO, ENOENT, EADDRINUSE, EBUSY, 0
};

static void op_swdma_set_ioas(struct fuzz *f, struct call *c)
{
	struct iob_swdma_set_ioas cmd = {};
	struct rng *r = &c->r;
	struct chan *ch = chan_any(f, r);

	cmd.ioas_id = ch->gen == f->gen ? pick_id(f, r, &f->ioas) :
					  pct(r, 50) ? ch->ioas : below(r, 8);
	note(c, "chan=%d ioas=%u", ch->fd, cmd.ioas_id);
	issue(f, c, ch->fd, IOB_SWDMA_SET_IOAS, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (!c->rc && ch->bound)
		ch->ioas = cmd.ioas_id;
}

/* One side of a copy: an IOVA in the channel's IOAS. */
static __u64 pick_swdma_iova(struct fuzz *f, struct rng *r,
			     const struct chan *ch, __u64 *room)
{
	struct range *rg = range_any(f, r, ch->ioas, ch->gen);
	__u64 off;

	*room = 0;
	if (!rg || pct(r, 10))
		return pct(r, 50) ? MOCK_APERTURE_START : rnd(r);
	off = below64(r, rg->len);
	if (pct(r, 40))
		off = off / page_size * page_size;
	*room = rg->len - off;
	return rg->iova + off;
}

static const int e_swdma_copy[] = { ENXIO, EOVERFLOW, ENOENT, EPERM, 0 };

static void op_swdma_copy(struct fuzz *f, struct call *c)
{
	struct iob_swdma_copy cmd = {};
	struct rng *r = &c->r;
	struct chan *ch = chan_any(f, r);
	unsigned int d = below(r, 100);
	__u64 sroom, droom, room;

	cmd.src_iova = pick_swdma_iova(f, r, ch, &sroom);
	cmd.dst_iova = pick_swdma_iova(f, r, ch, &droom);
	room = sroom < droom ? sroom : droom;
	if (room > RW_MAX)
		room = RW_MAX;
	if (d < 75 && room)
		cmd.length = 1 + below64(r, room);
	else if (d < 85)
		cmd.length = 1 + below(r, RW_MAX);
	else if (d < 88)
		cmd.length = 0;
	else if (d < 91)
		cmd.length = IOB_SWDMA_COPY_MAX_LENGTH + 1 + below(r, 4096);
	else if (d < 94)
		cmd.length = UINT64_MAX - below(r, 4);
	else
		cmd.length = room + 1 + below(r, 2 * page_size);
	if (pct(r, 40))
		cmd.flags = IOB_SWDMA_COPY_RW;
	if (pml(r, 20))
		cmd.flags |= 1U << below(r, 32);
	note(c, "chan=%d flags=%#x src=%#llx dst=%#llx len=%#llx", ch->fd,
	     cmd.flags, cmd.src_iova, cmd.dst_iova, cmd.length);
	issue(f, c, ch->fd, IOB_SWDMA_COPY, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (c->size >= sizeof(cmd) && (!c->rc || c->rc == ENOENT))
		note(c, " => done=%#llx", cmd.out_bytes_done);
}

static void op_swdma_info(struct fuzz *f, struct call *c)
{
	struct iob_swdma_info cmd = {};
	struct rng *r = &c->r;
	struct chan *ch = chan_any(f, r);

	if (pml(r, 20))
		cmd.flags = 1U << below(r, 32);
	note(c, "chan=%d flags=%#x", ch->fd, cmd.flags);
	issue(f, c, ch->fd, IOB_SWDMA_INFO, &cmd, sizeof(cmd),
	      sizeof(cmd));
	if (replied(c, sizeof(cmd)))
		note(c, " => ioas=%u access=%u copied=%llu copies=%llu unmaps=%llu",
		     cmd.out_ioas_id, cmd.out_access_id, cmd.out_bytes_copied,
		     cmd.out_copies, cmd.out_unmap_calls);
}

/* --- the netlink family -------------------------------------------------- */

/*
 * Generic netlink requests to the iobroker family, well and badly formed:
 * any command (events too), any version, header bits and flags, a run of
 * attributes of any type and length (some right for the family, some
 * nested, some with lengths past the message), and messages cut short.
 * The kernel answers with an error message or a reply; the call's result
 * is the error it carried. The family's number is found once, by name,
 * with the same kind of raw request; the same socket also listens on the
 * monitor group with a small buffer, so that every event is built while
 * the other calls run, and drops what it cannot keep.
 */
static int nl_family = -1;
static int nl_sock = -1;

/* Set up once: the socket, the family, the monitor with a small buffer. */
static void nl_setup(struct fuzz *f)
{
	int group, rcvbuf = 8192;

	if (f->dry || nl_sock >= 0)
		return;
	nl_sock = nlraw_open();
	if (nl_sock < 0)
		return;
	nl_family = nlraw_resolve(nl_sock, &group);
	if (group > 0 && !nlraw_join(nl_sock, group))
		setsockopt(nl_sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
}

/* Put an attribute at @p: its header, then @len bytes (random, or @v). */
static size_t nl_put_attr(struct rng *r, char *p, __u16 type, __u16 len,
			  const void *v)
{
	struct nlattr *a = (struct nlattr *)p;
	__u16 i;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	for (i = 0; i < len; i++)
		p[NLA_HDRLEN + i] = v ? ((const char *)v)[i] : (char)rnd(r);
	return NLA_ALIGN(NLA_HDRLEN + len);
}

/*
 * ENOBUFS: a dump cannot start while the socket's small buffer is full of
 * events it has not read, which is how netlink answers that.
 */
static const int e_netlink[] = {
	EINVAL, ENOENT, EOPNOTSUPP, ERANGE, EMSGSIZE, ENOMEM, ENOBUFS, 0
};

static void op_netlink(struct fuzz *f, struct call *c)
{
	static union {
		struct nlmsghdr n;
		char b[NLRAW_BUF];
	} mu, ru;
	char *msg = mu.b, *reply = ru.b;
	struct nlmsghdr *n = (struct nlmsghdr *)msg;
	struct genlmsghdr *g = (struct genlmsghdr *)(msg + NLMSG_HDRLEN);
	struct rng *r = &c->r;
	size_t at = NLMSG_HDRLEN + GENL_HDRLEN, sent;
	unsigned int i, nattrs = below(r, 8);
	__u32 seq = (__u32)c->iter + 1;
	ssize_t len;

	nl_setup(f);
	n->nlmsg_type = pct(r, 95) ? nl_family : below(r, 0x40);
	n->nlmsg_flags = NLM_F_REQUEST | (pct(r, 30) ? NLM_F_DUMP : 0) |
			 (pct(r, 50) ? NLM_F_ACK : 0) |
			 (pml(r, 50) ? (below(r, 16) << 4) : 0);
	n->nlmsg_seq = seq;
	n->nlmsg_pid = 0;
	g->cmd = pct(r, 80) ? 1 + below(r, IOBROKER_CMD_MAX) :
			      below(r, 256);
	g->version = pct(r, 90) ? IOBROKER_FAMILY_VERSION : below(r, 256);
	g->reserved = pct(r, 95) ? 0 : rnd(r);
	for (i = 0; i < nattrs; i++) {
		__u16 type = pct(r, 80) ? 1 + below(r, IOBROKER_A_EVENT_MAX) :
					  below(r, 0x8000) |
					  (pct(r, 20) ? NLA_F_NESTED : 0);
		__u32 u32 = pct(r, 50) ? below(r, 8) : (__u32)rnd(r);
		__u16 alen = pct(r, 70) ? 4 : below(r, 24);

		if (at + NLA_HDRLEN + 32 > sizeof(msg))
			break;
		if (pct(r, 10) && at + 2 * NLA_HDRLEN + 8 < sizeof(msg)) {
			/* A nest around one attribute. */
			struct nlattr *nest = (struct nlattr *)(msg + at);

			at += NLA_HDRLEN;
			at += nl_put_attr(r, msg + at, below(r, 10), 4, &u32);
			nest->nla_type = type | NLA_F_NESTED;
			nest->nla_len = msg + at - (char *)nest;
			continue;
		}
		at += nl_put_attr(r, msg + at, type, alen,
				  alen == 4 && pct(r, 70) ? &u32 : NULL);
		/* Sometimes an attribute claims more than there is. */
		if (pml(r, 50))
			((struct nlattr *)(msg + at - NLA_ALIGN(NLA_HDRLEN +
								 alen)))->nla_len += 8 +
				below(r, 64);
	}
	n->nlmsg_len = at;
	sent = at;
	if (pct(r, 5))
		/*
		 * Cut short: a header that says more than was sent (never
		 * nothing at all, which the socket refuses before netlink
		 * sees it) ...
		 */
		sent = 1 + below(r, at);
	else if (pct(r, 3))
		/* ... or less than the attributes take. */
		n->nlmsg_len = below(r, at + 1);
	note(c, "type=%u cmd=%u ver=%u flags=%#x attrs=%u len=%u sent=%zu",
	     n->nlmsg_type, g->cmd, g->version, n->nlmsg_flags, nattrs,
	     n->nlmsg_len, sent);
	if (f->dry) {
		c->rc = dry_result(f, c);
		return;
	}
	if (nl_sock < 0 || nl_family < 0) {
		c->rc = RC_WEIRD;
		return;
	}
	errno = 0;
	if (send(nl_sock, msg, sent, 0) < 0) {
		c->rc = sys_result(c, -1);
		return;
	}
	/*
	 * Read what comes back, events among it, until the answer to this
	 * request (the error, or the end of a dump) or a short quiet spell:
	 * a message the kernel cannot parse gets no answer at all.
	 */
	c->rc = 0;
	for (;;) {
		struct nlmsghdr *h = (struct nlmsghdr *)reply;
		int left;

		errno = 0;
		len = nlraw_read(nl_sock, reply, 100);
		if (len < 0) {
			/* Events the small buffer dropped: not the call's. */
			if (errno == ENOBUFS)
				continue;
			break;
		}
		for (left = len; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				c->rc = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
				note(c, " => %d", c->rc);
				return;
			}
			/* A dump ends with its error, or 0. */
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					c->rc = -*(int *)NLMSG_DATA(h);
				return;
			}
		}
	}
}

/* --- VFIO's sPAPR TCE v2 container, served by iobroker ------------------------ */

#define SPAPR_DDW ((__u64)1 << 59)

static const int e_spapr_open[] = { EBUSY, ENODEV, EINVAL, EPERM, 0 };

/*
 * /dev/iommu as the container: the first edu's node bound to the file, an
 * IOAS for VFIO's calls, the v2 type, and the device attached to it.
 */
static int spapr_open_iommufd(struct fuzz *f, struct call *c)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_vfio_ioas set = {
		.size = sizeof(set),
		.op = IOMMU_VFIO_IOAS_SET,
	};
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "/dev/iobroker/%s", f->spapr_edu);
	f->spapr_c = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	f->spapr_g = open(path, O_RDWR | O_CLOEXEC);
	if (f->spapr_c < 0 || f->spapr_g < 0)
		return errno ? errno : RC_WEIRD;
	bind.iommufd = f->spapr_c;
	rc = do_ioctl(f, c, f->spapr_g, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (!rc)
		rc = do_ioctl(f, c, f->spapr_c, IOMMU_IOAS_ALLOC, &ioas);
	set.ioas_id = ioas.out_ioas_id;
	if (!rc)
		rc = do_ioctl(f, c, f->spapr_c, IOMMU_VFIO_IOAS, &set);
	if (!rc)
		rc = do_ioctl(f, c, f->spapr_c, VFIO_SET_IOMMU,
			      (void *)VFIO_SPAPR_TCE_v2_IOMMU);
	at.pt_id = ioas.out_ioas_id;
	if (!rc)
		rc = do_ioctl(f, c, f->spapr_g, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			      &at);
	return rc;
}

/*
 * A new container: mostly the third edu's group into one of VFIO's of the
 * v2 type, or of a type no backend serves now and then (the calls then
 * find none); sometimes /dev/iommu made one.
 */
static void op_spapr_open(struct fuzz *f, struct call *c)
{
	struct rng *r = &c->r;
	long type = pct(r, 95) ? VFIO_SPAPR_TCE_v2_IOMMU : below(r, 12);
	bool iommufd = f->spapr_edu[0] && pct(r, 30);

	note(c, "group=%s type=%ld", iommufd ? f->spapr_edu : f->spapr_group,
	     iommufd ? VFIO_SPAPR_TCE_v2_IOMMU : type);
	if (f->dry) {
		f->spapr_c = dry_fd();
		f->spapr_g = dry_fd();
		c->rc = 0;
		return;
	}
	if (iommufd) {
		c->rc = spapr_open_iommufd(f, c);
		if (c->rc)
			goto err_close;
		return;
	}
	f->spapr_c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	f->spapr_g = open(f->spapr_group, O_RDWR | O_CLOEXEC);
	if (f->spapr_c < 0 || f->spapr_g < 0) {
		c->rc = errno ? errno : RC_WEIRD;
		goto err_close;
	}
	c->rc = do_ioctl(f, c, f->spapr_g, VFIO_GROUP_SET_CONTAINER,
			 &f->spapr_c);
	if (c->rc)
		goto err_close;
	/* A failed SET_IOMMU leaves a container without a backend: kept. */
	c->rc = do_ioctl(f, c, f->spapr_c, VFIO_SET_IOMMU, (void *)type);
	return;

err_close:
	if (f->spapr_g >= 0)
		close(f->spapr_g);
	if (f->spapr_c >= 0)
		close(f->spapr_c);
	f->spapr_c = -1;
	f->spapr_g = -1;
}

/* Closing the group or the container first: both must leave nothing. */
static void op_spapr_close(struct fuzz *f, struct call *c)
{
	bool group_first = pct(&c->r, 50);

	note(c, "group_first=%d", group_first);
	c->rc = do_close(f, c, group_first ? f->spapr_g : f->spapr_c);
	if (!c->rc)
		c->rc = do_close(f, c, group_first ? f->spapr_c : f->spapr_g);
	f->spapr_c = -1;
	f->spapr_g = -1;
}

static const int e_spapr_call[] = {
	EINVAL, EPERM, ENXIO, EBUSY, ENOENT, ENOSPC, ENOMEM, EFAULT, ENODEV,
	ENOTTY, 0
};

/* An IO page shift: mostly what the platform has, sometimes anything. */
static __u32 spapr_shift(struct rng *r)
{
	static const __u32 shifts[] = { 12, 16, 21, 24 };

	return pct(r, 90) ? shifts[below(r, ARRAY_SIZE(shifts))] :
			    (__u32)below(r, 70);
}

/* An IOVA: in the default window, the dynamic one, or anywhere. */
static __u64 spapr_iova(struct rng *r)
{
	unsigned int d = below(r, 100);

	if (d < 45)
		return below(r, 1 << 14) * SZ_4K;
	if (d < 85)
		return SPAPR_DDW + below(r, 1 << 12) * (64 << 10);
	return rnd(r);
}

/* One of the container's calls, with the arguments a fuzzer picks. */
static void op_spapr_call(struct fuzz *f, struct call *c)
{
	struct rng *r = &c->r;
	unsigned int which = below(r, 100);
	__u64 va, len;

	pick_user(f, r, &va, &len);
	if (which < 12) {
		struct vfio_iommu_spapr_register_memory m = {
			.flags = pml(r, 20),
			.vaddr = va,
			.size = len,
		};
		bool reg = which < 8;

		note(c, "%s va=%#llx len=%#llx", reg ? "REGISTER" : "UNREGISTER",
		     va, len);
		issue(f, c, f->spapr_c, reg ? VFIO_IOMMU_SPAPR_REGISTER_MEMORY :
		      VFIO_IOMMU_SPAPR_UNREGISTER_MEMORY, &m, sizeof(m),
		      sizeof(m));
	} else if (which < 20) {
		struct vfio_iommu_spapr_tce_create cr = {
			.flags = pml(r, 20),
			.page_shift = spapr_shift(r),
			.window_size = pct(r, 90) ? 1ULL << (20 + below(r, 12)) :
						     rnd(r),
			.levels = below(r, 4),
		};

		note(c, "TCE_CREATE shift=%u size=%#llx levels=%u",
		     cr.page_shift, cr.window_size, cr.levels);
		issue(f, c, f->spapr_c, VFIO_IOMMU_SPAPR_TCE_CREATE, &cr,
		      sizeof(cr), sizeof(cr));
	} else if (which < 26) {
		struct vfio_iommu_spapr_tce_remove rm = {
			.flags = pml(r, 20),
			.start_addr = pct(r, 40) ? 0 : pct(r, 70) ? SPAPR_DDW :
				      spapr_iova(r),
		};

		note(c, "TCE_REMOVE start=%#llx", rm.start_addr);
		issue(f, c, f->spapr_c, VFIO_IOMMU_SPAPR_TCE_REMOVE, &rm,
		      sizeof(rm), sizeof(rm));
	} else if (which < 66) {
		struct vfio_iommu_type1_dma_map m = {
			.flags = pct(r, 95) ? 1 + below(r, 3) : below(r, 16),
			.vaddr = va,
			.iova = spapr_iova(r),
			.size = len,
		};

		note(c, "MAP_DMA va=%#llx iova=%#llx len=%#llx flags=%#x",
		     va, m.iova, len, m.flags);
		issue(f, c, f->spapr_c, VFIO_IOMMU_MAP_DMA, &m, sizeof(m),
		      sizeof(m));
	} else if (which < 90) {
		struct vfio_iommu_type1_dma_unmap u = {
			.flags = pml(r, 20),
			.iova = spapr_iova(r),
			.size = len,
		};

		note(c, "UNMAP_DMA iova=%#llx len=%#llx", u.iova, len);
		issue(f, c, f->spapr_c, VFIO_IOMMU_UNMAP_DMA, &u, sizeof(u),
		      sizeof(u));
	} else if (which < 95) {
		struct vfio_iommu_spapr_tce_info info = {};

		note(c, "GET_INFO");
		issue(f, c, f->spapr_c, VFIO_IOMMU_SPAPR_TCE_GET_INFO, &info,
		      sizeof(info), offsetof(typeof(info), ddw));
	} else {
		struct vfio_eeh_pe_op op = {
			.flags = pml(r, 20),
			.op = below(r, 12),
		};

		note(c, "EEH_PE_OP op=%u", op.op);
		issue(f, c, f->spapr_c, VFIO_EEH_PE_OP, &op, sizeof(op),
		      offsetof(typeof(op), err));
	}
}

/* --- the table ------------------------------------------------------------ */

enum {
	OP_DESTROY,
	OP_IOAS_ALLOC,
	OP_MAP,
	OP_UNMAP,
	OP_COPY,
	OP_IOVA_RANGES,
	OP_ALLOW_IOVAS,
	OP_OPTION,
	OP_HWPT_ALLOC,
	OP_HW_INFO,
	OP_BAD_IOCTL,
	OP_REOPEN,
	OP_MOCK_DOMAIN,
	OP_MOCK_DOMAIN_FLAGS,
	OP_MOCK_REPLACE,
	OP_ADD_RESERVED,
	OP_CHECK_MAP,
	OP_CREATE_ACCESS,
	OP_ACCESS_PAGES,
	OP_DESTROY_PAGES,
	OP_ACCESS_RW,
	OP_ACCESS_REPLACE,
	OP_CLOSE_ACCESS,
	OP_TEMP_LIMIT,
	OP_DEP_ALLOC,
	OP_KERNEL_DESTROY,
	OP_TEST_BAD,
	OP_SWDMA_OPEN,
	OP_SWDMA_BIND,
	OP_SWDMA_SET_IOAS,
	OP_SWDMA_COPY,
	OP_SWDMA_INFO,
	OP_SWDMA_CLOSE,
	OP_NETLINK,
	OP_SPAPR_OPEN,
	OP_SPAPR_CALL,
	OP_SPAPR_CLOSE,
	NR_OPS,
};

static const int e_none[] = { 0 };

/* Weights in thousandths, before op_weight() adjusts them to the state. */
static struct op ops[NR_OPS] = {
	[OP_DESTROY] = { "DESTROY", op_destroy, 45, e_destroy },
	[OP_IOAS_ALLOC] = { "IOAS_ALLOC", op_ioas_alloc, 30, e_ioas_alloc },
	[OP_MAP] = { "IOAS_MAP", op_map, 130, e_map },
	[OP_UNMAP] = { "IOAS_UNMAP", op_unmap, 85, e_unmap },
	[OP_COPY] = { "IOAS_COPY", op_copy, 50, e_copy },
	[OP_IOVA_RANGES] = { "IOAS_IOVA_RANGES", op_iova_ranges, 25,
			     e_iova_ranges },
	[OP_ALLOW_IOVAS] = { "IOAS_ALLOW_IOVAS", op_allow_iovas, 15,
			     e_allow_iovas },
	[OP_OPTION] = { "OPTION", op_option, 25, e_option },
	[OP_HWPT_ALLOC] = { "HWPT_ALLOC", op_hwpt_alloc, 40, e_hwpt_alloc },
	[OP_HW_INFO] = { "GET_HW_INFO", op_hw_info, 20, e_hw_info },
	[OP_BAD_IOCTL] = { "bad ioctl", op_bad_ioctl, 8, e_bad_ioctl, true },
	[OP_REOPEN] = { "reopen", op_reopen, 2, e_none, true },
	[OP_MOCK_DOMAIN] = { "MOCK_DOMAIN", op_mock_domain, 20,
			     e_mock_domain },
	[OP_MOCK_DOMAIN_FLAGS] = { "MOCK_DOMAIN_FLAGS", op_mock_domain_flags,
				   40, e_mock_domain },
	[OP_MOCK_REPLACE] = { "MOCK_DOMAIN_REPLACE", op_mock_replace, 30,
			      e_replace },
	[OP_ADD_RESERVED] = { "ADD_RESERVED", op_add_reserved, 8,
			      e_add_reserved },
	[OP_CHECK_MAP] = { "MD_CHECK_MAP", op_check_map, 25, e_check_map },
	[OP_CREATE_ACCESS] = { "CREATE_ACCESS", op_create_access, 30,
			       e_create_access },
	[OP_ACCESS_PAGES] = { "ACCESS_PAGES", op_access_pages, 60,
			      e_access_pages },
	[OP_DESTROY_PAGES] = { "DESTROY_ACCESS_PAGES", op_destroy_pages, 35,
			       e_destroy_pages },
	[OP_ACCESS_RW] = { "ACCESS_RW", op_access_rw, 60, e_access_rw },
	[OP_ACCESS_REPLACE] = { "ACCESS_REPLACE_IOAS", op_access_replace, 20,
				e_access_replace },
	[OP_CLOSE_ACCESS] = { "close access", op_close_access, 15, e_none,
			      true },
	[OP_TEMP_LIMIT] = { "SET_TEMP_MEMORY_LIMIT", op_temp_limit, 8,
			    e_none },
	[OP_DEP_ALLOC] = { "IOB_DEP_ALLOC", op_dep_alloc, 20, e_dep_alloc },
	[OP_KERNEL_DESTROY] = { "IOB_KERNEL_DESTROY", op_kernel_destroy, 8,
				e_kernel_destroy },
	[OP_TEST_BAD] = { "unserved test op", op_test_bad, 8, e_test_bad },
	[OP_SWDMA_OPEN] = { "swdma open", op_swdma_open, 8, e_none, true },
	[OP_SWDMA_BIND] = { "SWDMA_BIND", op_swdma_bind, 20, e_swdma_bind },
	[OP_SWDMA_SET_IOAS] = { "SWDMA_SET_IOAS", op_swdma_set_ioas, 10,
				e_swdma_set_ioas },
	[OP_SWDMA_COPY] = { "SWDMA_COPY", op_swdma_copy, 35, e_swdma_copy },
	[OP_SWDMA_INFO] = { "SWDMA_INFO", op_swdma_info, 10, e_none },
	[OP_SWDMA_CLOSE] = { "swdma close", op_swdma_close, 6, e_none,
			     true },
	[OP_NETLINK] = { "netlink", op_netlink, 40, e_netlink, true },
	[OP_SPAPR_OPEN] = { "vfio spapr open", op_spapr_open, 6,
			    e_spapr_open },
	[OP_SPAPR_CALL] = { "vfio spapr call", op_spapr_call, 60,
			    e_spapr_call, true },
	[OP_SPAPR_CLOSE] = { "vfio spapr close", op_spapr_close, 3, e_none,
			     true },
};

/* How likely each operation is now: create what is missing, cap the rest. */
static unsigned int op_weight(const struct fuzz *f, unsigned int i)
{
	unsigned int w = ops[i].weight;

	switch (i) {
	case OP_IOAS_ALLOC:
		if (!f->ioas.n)
			return 150;
		return f->ioas.n < 4 ? w : f->ioas.n < 12 ? w / 3 : 2;
	case OP_MOCK_DOMAIN:
	case OP_MOCK_DOMAIN_FLAGS:
		if (f->ndevs >= MAX_DEVS)
			return 0;
		return f->ndevs ? w : 2 * w;
	case OP_CREATE_ACCESS:
		return f->naccs < MAX_ACCESSES ? w : 0;
	case OP_ACCESS_PAGES:
	case OP_ACCESS_RW:
	case OP_ACCESS_REPLACE:
		return f->naccs ? w : w / 6;
	case OP_CLOSE_ACCESS:
		return f->naccs ? w : 0;
	case OP_OPTION:
		return f->fresh ? 150 : w;
	case OP_SWDMA_OPEN:
		if (!f->have_swdma || f->nchans >= MAX_CHANS)
			return 0;
		return f->nchans ? w : 3 * w;
	case OP_SWDMA_BIND:
	case OP_SWDMA_SET_IOAS:
	case OP_SWDMA_COPY:
	case OP_SWDMA_INFO:
	case OP_SWDMA_CLOSE:
		return f->have_swdma && f->nchans ? w : 0;
	case OP_SPAPR_OPEN:
		if (!f->spapr_group[0] || f->spapr_c >= 0)
			return 0;
		return 3 * w;
	case OP_SPAPR_CALL:
	case OP_SPAPR_CLOSE:
		return f->spapr_c >= 0 ? w : 0;
	}
	return w;
}

static struct op *pick_op(const struct fuzz *f, struct rng *r)
{
	unsigned int w[NR_OPS], total = 0, i, x;

	for (i = 0; i < NR_OPS; i++) {
		w[i] = op_weight(f, i);
		total += w[i];
	}
	x = below(r, total);
	for (i = 0; i < NR_OPS; i++) {
		if (x < w[i])
			return &ops[i];
		x -= w[i];
	}
	return &ops[OP_MAP];
}

/* --- output --------------------------------------------------------------- */

static const struct {
	int e;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
	{ EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
	{ ERANGE, "ERANGE" }, { EDEADLOCK, "EDEADLOCK" },
	{ EBADE, "EBADE" }, { EOVERFLOW, "EOVERFLOW" },
	{ EBADFD, "EBADFD" }, { EMSGSIZE, "EMSGSIZE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EADDRINUSE, "EADDRINUSE" },
	{ 524, "ENOTSUPP" },
};

static const char *errno_name(int e, char *buf, size_t len)
{
	unsigned int i;

	if (!e)
		return "0";
	for (i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].e == e)
			return errno_names[i].name;
	snprintf(buf, len, "E%d", e);
	return buf;
}

/* A line of output; a TAP comment with --tap. */
static void say(const struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->tap)
		fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	f->failures++;
	if (f->tap)
		fputs("# ", stdout);
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static const char *rc_text(const struct call *c, char *buf, size_t len)
{
	if (c->rc >= 0)
		return errno_name(c->rc, buf, len);
	snprintf(buf, len, "return value %ld without an errno", c->ret);
	return buf;
}

static void account(struct fuzz *f, struct call *c)
{
	struct op *op = c->op;
	char buf[64];

	op->calls++;
	if (!c->rc)
		op->ok++;
	else if (c->rc > 0 && c->rc < ERRNO_SLOTS)
		op->seen[c->rc]++;
	else
		op->seen[0]++;
	if (f->log && c->iter >= f->log_from)
		say(f, "%llu %s %s -> %s\n", c->iter, op->name, c->desc,
		    rc_text(c, buf, sizeof(buf)));
	if (allowed(op, c->rc))
		return;
	if (f->failures < FAILS_SHOWN) {
		fail(f, "iteration %llu: %s %s -> %s\n", c->iter, op->name,
		     c->desc, rc_text(c, buf, sizeof(buf)));
		if (f->failures == 1)
			say(f,
			    "replay: iobroker_fuzz --seed %llu --iterations %llu --log-from %llu%s%s\n",
			    f->seed, c->iter + 1, c->iter,
			    f->giant ? " --giant" : "",
			    f->dep_any ? " --dep-any" : "");
	} else {
		f->failures++;
	}
}

static void summary(const struct fuzz *f)
{
	char buf[16];
	unsigned int i, e;

	say(f, "%-22s %9s %9s  %s\n", "operation", "calls", "ok", "errnos");
	for (i = 0; i < NR_OPS; i++) {
		const struct op *op = &ops[i];

		if (f->tap)
			fputs("# ", stdout);
		printf("%-22s %9lu %9lu ", op->name, op->calls, op->ok);
		for (e = 1; e < ERRNO_SLOTS; e++)
			if (op->seen[e])
				printf(" %s:%lu", errno_name(e, buf, sizeof(buf)),
				       op->seen[e]);
		if (op->seen[0])
			printf(" other:%lu", op->seen[0]);
		putchar('\n');
	}
}

/* --- setting up and checking ---------------------------------------------- */

static size_t hugetlb_page_size(void)
{
	unsigned long kb = 0;
	char line[128];
	FILE *fp;

	fp = fopen("/proc/meminfo", "r");
	if (!fp)
		return 2UL << 20;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb ? kb << 10 : 2UL << 20;
}

static int map_at(char *at, size_t len, int prot, int flags)
{
	void *p = mmap(at, len, prot, flags | MAP_FIXED, -1, 0);

	return p == MAP_FAILED ? -1 : 0;
}

/* Lay out the arena; only the hugetlb buffer may fall back (to THP). */
static int setup_memory(struct fuzz *f)
{
	int priv = MAP_PRIVATE | MAP_ANONYMOUS;
	int rw = PROT_READ | PROT_WRITE;
	size_t huge_len;
	char *p;

	/* At the same address every run, if it is free, for the logs. */
	p = mmap((void *)ARENA_HINT, ARENA_SIZE + ARENA_ALIGN, PROT_NONE,
		 priv | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	f->arena = (char *)(((uintptr_t)p + ARENA_ALIGN - 1) &
			    ~(ARENA_ALIGN - 1));
	f->bufs[BUF_SMALL].va = f->arena + SMALL_OFF;
	f->bufs[BUF_SMALL].len = SMALL_SIZE;
	if (map_at(f->bufs[BUF_SMALL].va, SMALL_SIZE, rw, priv))
		return -1;
	madvise(f->bufs[BUF_SMALL].va, SMALL_SIZE, MADV_NOHUGEPAGE);

	f->hugetlb_size = hugetlb_page_size();
	huge_len = 2 * f->hugetlb_size;
	if (huge_len < (4UL << 20))
		huge_len = 4UL << 20;
	f->bufs[BUF_HUGE].va = f->arena + HUGE_OFF;
	f->bufs[BUF_HUGE].len = huge_len;
	f->hugetlb = huge_len <= HUGE_MAX &&
		     !map_at(f->bufs[BUF_HUGE].va, huge_len, rw,
			     priv | MAP_HUGETLB);
	if (!f->hugetlb) {
		huge_len = 4UL << 20;
		f->bufs[BUF_HUGE].len = huge_len;
		if (map_at(f->bufs[BUF_HUGE].va, huge_len, rw, priv))
			return -1;
		madvise(f->bufs[BUF_HUGE].va, huge_len, MADV_HUGEPAGE);
	}

	/* Shared memory, as the other tests map (shmem behind it). */
	f->bufs[BUF_SHARED].va = f->arena + SHARED_OFF;
	f->bufs[BUF_SHARED].len = SHARED_SIZE;
	if (map_at(f->bufs[BUF_SHARED].va, SHARED_SIZE, rw,
		   MAP_SHARED | MAP_ANONYMOUS))
		return -1;

	f->bufs[BUF_RO].va = f->arena + RO_OFF;
	f->bufs[BUF_RO].len = RO_SIZE;
	if (map_at(f->bufs[BUF_RO].va, RO_SIZE, rw, priv))
		return -1;
	memset(f->bufs[BUF_RO].va, 0xa5, RO_SIZE);
	if (mprotect(f->bufs[BUF_RO].va, RO_SIZE, PROT_READ))
		return -1;

	f->scratch = f->arena + SCRATCH_OFF;
	f->cmd = f->arena + CMD_OFF;
	f->none = f->arena + NONE_OFF;
	f->hole = f->arena + HOLE_OFF;
	if (map_at(f->scratch, SCRATCH_SIZE, rw, priv) ||
	    map_at(f->cmd, CMD_SIZE, rw, priv) ||
	    munmap(f->hole, HOLE_SIZE))
		return -1;
	memset(f->bufs[BUF_SMALL].va, 0x11, SMALL_SIZE);
	memset(f->bufs[BUF_HUGE].va, 0x22, huge_len);
	memset(f->bufs[BUF_SHARED].va, 0x33, SHARED_SIZE);
	memset(f->scratch, 0, SCRATCH_SIZE);
	memset(f->cmd, 0, CMD_SIZE);
	return 0;
}

struct snapshot {
	long objects;
	long pinned;
	__u64 locked_vm;
};

/* What the module holds, through a fresh file. */
static int snapshot(struct snapshot *s)
{
	int fd, rc;

	s->objects = iob_global_objects();
	s->pinned = module_pinned_pages();
	fd = iob_open();
	if (fd < 0)
		return errno;
	rc = iob_pin_stats(fd, NULL, &s->locked_vm);
	close(fd);
	if (!rc && (s->objects < 0 || s->pinned < 0))
		rc = EIO;
	return rc;
}

/* Close everything, then compare with the start. */
static void finish(struct fuzz *f, const struct snapshot *start)
{
	struct snapshot end;
	unsigned int i;
	int rc;

	if (!f->dry) {
		rc = iob_set_temp_memory_limit(f->fd, IOB_DEFAULT_TEMP_LIMIT);
		if (rc)
			fail(f, "restoring the temporary memory limit: %s\n",
			     strerror(rc));
	}
	for (i = 0; i < f->naccs; i++)
		if (close(f->accs[i].fd))
			fail(f, "close of access fd %d: %s\n", f->accs[i].fd,
			     strerror(errno));
	for (i = 0; i < f->nchans; i++)
		if (close(f->chans[i].fd))
			fail(f, "close of swdma fd %d: %s\n", f->chans[i].fd,
			     strerror(errno));
	f->naccs = 0;
	f->nchans = 0;
	if (f->spapr_c >= 0 && !f->dry &&
	    (close(f->spapr_g) || close(f->spapr_c)))
		fail(f, "close of the VFIO container or group: %s\n",
		     strerror(errno));
	f->spapr_c = -1;
	f->spapr_g = -1;
	if (f->dry)
		return;
	if (close(f->fd))
		fail(f, "close of /dev/iommu: %s\n", strerror(errno));
	f->fd = -1;

	rc = snapshot(&end);
	if (rc) {
		fail(f, "IOMMU_TEST_OP_IOB_STATS at the end: %s\n",
		     strerror(rc));
		return;
	}
	say(f, "end: %ld objects, %ld pinned pages, locked_vm %llu (start: %ld, %ld, %llu)\n",
	    end.objects, end.pinned, end.locked_vm, start->objects,
	    start->pinned, start->locked_vm);
	if (end.objects != start->objects)
		fail(f, "%ld objects left in the module, %ld at the start\n",
		     end.objects, start->objects);
	if (end.pinned != start->pinned)
		fail(f, "%ld pages pinned by the module, %ld at the start\n",
		     end.pinned, start->pinned);
	if (end.locked_vm != start->locked_vm)
		fail(f, "locked_vm %llu, %llu at the start\n", end.locked_vm,
		     start->locked_vm);
	for (i = 0; i < NR_BUFS; i++) {
		rc = buffer_unpinned(f->bufs[i].va, f->bufs[i].len);
		if (rc)
			fail(f, "buffer %u still pinned (MD_CHECK_REFS: %s)\n",
			     i, rc < 0 ? "no file" : strerror(rc));
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void help(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--seed N|random] [--iterations N] [--seconds N]\n"
		"          [--start-at N] [--log] [--log-from N] [--tap]\n"
		"          [--giant] [--dep-any] [--dry-run]\n"
		"  --iterations 0 runs until --seconds are up (default 20000)\n"
		"  --giant also maps lengths up to 2^62 (recorded, pinned later)\n"
		"  --dep-any lets IOB_DEP_ALLOC hold any object, kernel-owned too\n"
		"  --dry-run prints the calls it would make, makes none\n",
		prog);
	exit(2);
}

static __u64 number(const char *s, const char *prog)
{
	char *end;
	__u64 v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		help(prog);
	return v;
}

static void parse(struct fuzz *f, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 't' },
		{ "start-at", required_argument, NULL, 'a' },
		{ "log", no_argument, NULL, 'l' },
		{ "log-from", required_argument, NULL, 'L' },
		{ "tap", no_argument, NULL, 'T' },
		{ "giant", no_argument, NULL, 'g' },
		{ "dep-any", no_argument, NULL, 'd' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	f->seed = 1;
	f->iterations = 20000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "random"))
				f->seed = mix64(now() * 1e9) ^ getpid();
			else
				f->seed = number(optarg, argv[0]);
			break;
		case 'i':
			f->iterations = number(optarg, argv[0]);
			break;
		case 't':
			f->seconds = number(optarg, argv[0]);
			break;
		case 'a':
			f->start = number(optarg, argv[0]);
			break;
		case 'l':
			f->log = true;
			break;
		case 'L':
			f->log = true;
			f->log_from = number(optarg, argv[0]);
			break;
		case 'T':
			f->tap = true;
			break;
		case 'g':
			f->giant = true;
			break;
		case 'd':
			f->dep_any = true;
			break;
		case 'n':
			f->dry = true;
			break;
		default:
			help(argv[0]);
		}
	}
	if (optind != argc || (!f->iterations && !f->seconds))
		help(argv[0]);
}

/*
 * The third edu the rig gives, handed to vfio-pci, for VFIO's sPAPR
 * container, and the first, handed to iobroker-pci, for /dev/iommu's;
 * without them those calls are not made.
 */
static void spapr_prepare(struct fuzz *f)
{
	char names[EDU_MAX][32];
	int n = edu_find(names, EDU_MAX);

	if (n > 2 && !pci_bind(names[2], "vfio-pci"))
		snprintf(f->spapr_group, sizeof(f->spapr_group),
			 "/dev/vfio/%d", pci_iommu_group(names[2]));
	if (n > 0 && !pci_bind(names[0], "iobroker-pci"))
		snprintf(f->spapr_edu, sizeof(f->spapr_edu), "%s", names[0]);
}

static int start(struct fuzz *f, struct snapshot *s)
{
	int rc;

	if (setup_memory(f)) {
		fail(f, "setting up memory: %s\n", strerror(errno));
		return -1;
	}
	f->stale_fd = 4095;
	f->fresh = true;
	f->spapr_c = -1;
	f->spapr_g = -1;
	if (f->dry) {
		f->have_swdma = true;
		f->fd = -1;
		rng_init(&f->dry_r, f->seed, UINT64_MAX);
		return 0;
	}
	f->have_swdma = !access(SWDMA_DEV, F_OK);
	spapr_prepare(f);
	rc = snapshot(s);
	if (rc) {
		fail(f, "IOMMU_TEST_OP_IOB_STATS through %s: %s (is iobroker_test loaded?)\n",
		     IOB_DEV, strerror(rc));
		return -1;
	}
	f->fd = iob_open();
	if (f->fd < 0) {
		fail(f, "opening %s: %s\n", IOB_DEV, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fuzz *f = &fz;
	struct snapshot snap = {};
	__u64 it, end;
	double t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(f, argc, argv);
	if (f->tap)
		printf("TAP version 13\n1..1\n");
	say(f, "iobroker_fuzz: seed %llu, iterations %llu from %llu, seconds %llu%s%s%s%s\n",
	    f->seed, f->iterations, f->start, f->seconds,
	    f->giant ? ", giant maps" : "", f->dep_any ? ", any dep" : "",
	    f->dry ? ", dry run" : "", f->log ? ", logging" : "");
	if (!start(f, &snap)) {
		say(f, "page size %zu, hugetlb %s (%zu), swdma %s, arena %p\n",
		    page_size, f->hugetlb ? "yes" : "no (THP instead)",
		    f->hugetlb_size, f->have_swdma ? "yes" : "no", f->arena);
		if (!f->dry)
			say(f, "start: %ld objects, %ld pinned pages, locked_vm %llu\n",
			    snap.objects, snap.pinned, snap.locked_vm);
		t0 = now();
		end = f->iterations ? f->start + f->iterations : UINT64_MAX;
		for (it = f->start; it < end; it++) {
			struct call c = { .iter = it };

			if (f->stop || (f->seconds && now() - t0 >= f->seconds))
				break;
			rng_init(&c.r, f->seed, it);
			c.op = pick_op(f, &c.r);
			c.op->run(f, &c);
			account(f, &c);
			f->done++;
			if (!f->log && f->done % PROGRESS_EVERY == 0)
				say(f, "progress: %llu iterations, %.0f s, %lu failures\n",
				    f->done, now() - t0, f->failures);
		}
		say(f, "ran %llu iterations (%llu to %llu) in %.1f s\n",
		    f->done, f->start, f->start + f->done, now() - t0);
		finish(f, &snap);
		summary(f);
	}
	if (f->tap) {
		printf("%sok 1 fuzz\n", f->failures ? "not " : "");
		printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
		       !f->failures, !!f->failures);
	} else {
		printf("%s: %lu failures\n", f->failures ? "FAIL" : "PASS",
		       f->failures);
	}
	return f->failures ? 1 : 0;
}
