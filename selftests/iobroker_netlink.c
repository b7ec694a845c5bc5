// SPDX-License-Identifier: GPL-2.0
/*
 * The iobroker generic netlink family, from a listener written on
 * libnl-genl-3 as an administrator's tool would be: the events of a
 * scripted life of an edu device, in order and numbered without a gap;
 * a device moving between HWPTs; dumps and gets against the state the
 * test built; what an unprivileged user may see and join; a flood a slow
 * listener cannot keep up with, whose every loss shows; and no event built
 * while nobody listens.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "iob_access.h"
#include "iob_edu.h"
#include "iob_nl.h"
#include "iob_pci.h"

#define SZ_64K 0x10000ULL
#define SZ_256M 0x10000000ULL
#define SZ_1G 0x40000000ULL
#define MAX_ITEMS 8192
#define IOVA_A 0x100000ULL
#define IOVA_M ((__u64)MOCK_APERTURE_START)
#define PIN MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES
#define IGNORE_UNMAP MOCK_FLAGS_ACCESS_CREATE_IOB_IGNORE_UNMAP
#define NOBODY 65534

static char edu_names[EDU_MAX][32];
static int edu_count;
static long page;

__attribute__((constructor)) static void claim(void)
{
	int i;

	page = sysconf(_SC_PAGESIZE);
	edu_count = edu_find(edu_names, EDU_MAX);
	for (i = 0; i < edu_count; i++)
		pci_bind(edu_names[i], EDU_DRIVER);
}

/* What an expected event says; 0 and "" mean "not checked". */
struct want {
	int cmd;
	__u32 id, type, hwpt, old_hwpt;
	__u64 start, size, page_size;
	const char *name;
};

#define EV(x) IOBROKER_A_EVENT_##x

/* Does event @it match @w? Logs the first difference. */
static int event_is(struct __test_metadata *_metadata,
		    const struct iob_nl_item *it, const struct want *w,
		    unsigned int i)
{
	const struct {
		const char *what;
		__u64 want;
		int attr;
	} f[] = {
		{ "id", w->id, EV(ID) },
		{ "type", w->type, EV(TYPE) },
		{ "hwpt", w->hwpt, EV(HWPT) },
		{ "old-hwpt", w->old_hwpt, EV(OLD_HWPT) },
		{ "start", w->start, EV(START) },
		{ "size", w->size, EV(SIZE) },
		{ "page-size", w->page_size, EV(PAGE_SIZE) },
	};
	unsigned int j;

	if (it->cmd != w->cmd) {
		TH_LOG("event %u: command %d, wanted %d", i, it->cmd,
		       w->cmd);
		return 0;
	}
	for (j = 0; j < ARRAY_SIZE(f); j++) {
		if (!f[j].want || it->val[f[j].attr] == f[j].want)
			continue;
		TH_LOG("event %u (command %d): %s %llu, wanted %llu", i,
		       w->cmd, f[j].what,
		       (unsigned long long)it->val[f[j].attr],
		       (unsigned long long)f[j].want);
		return 0;
	}
	if (w->name && strcmp(w->name, it->name)) {
		TH_LOG("event %u (command %d): device %s, wanted %s", i,
		       w->cmd, it->name, w->name);
		return 0;
	}
	return 1;
}

/* Keep only the events of file @file, in order, and check their numbers. */
static unsigned int of_file(struct __test_metadata *_metadata,
			    struct iob_nl_list *l, __u32 file,
			    struct iob_nl_item *out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < l->n; i++) {
		if (i)
			EXPECT_EQ(l->items[i - 1].val[EV(SEQ)] + 1,
				  l->items[i].val[EV(SEQ)]);
		if (l->items[i].val[EV(FILE)] == file && n < max)
			out[n++] = l->items[i];
	}
	return n;
}

FIXTURE(nl) {
	struct iob_nl req;
	struct iob_nl mon;
	struct iob_nl_list l;
	struct iob_nl_list e;
	long objects;
};

FIXTURE_SETUP(nl)
{
	self->objects = iob_global_objects();
	ASSERT_EQ(0, iob_nl_open(&self->req));
	ASSERT_EQ(0, iob_nl_open(&self->mon));
	ASSERT_EQ(0, iob_nl_monitor(&self->mon));
	self->l.max = MAX_ITEMS;
	self->l.items = calloc(MAX_ITEMS, sizeof(*self->l.items));
	self->e.max = MAX_ITEMS;
	self->e.items = calloc(MAX_ITEMS, sizeof(*self->e.items));
	ASSERT_NE(NULL, self->l.items);
	ASSERT_NE(NULL, self->e.items);
}

FIXTURE_TEARDOWN(nl)
{
	iob_nl_close(&self->req);
	iob_nl_close(&self->mon);
	free(self->l.items);
	free(self->e.items);
	EXPECT_EQ(self->objects, iob_global_objects());
}

/* The number /dev/iommu file @fd goes by: its file-new event's. */
static __u32 file_id(struct iob_nl *mon, struct iob_nl_list *e)
{
	unsigned int i;

	e->n = 0;
	if (iob_nl_events(mon, e, 2000))
		return 0;
	for (i = 0; i < e->n; i++)
		if (e->items[i].cmd == IOBROKER_CMD_FILE_NEW_NTF &&
		    e->items[i].val[EV(PID)] == (__u64)getpid())
			return e->items[i].val[EV(FILE)];
	return 0;
}

/* Wait for file-del of @file, collecting into @e; 0 when seen. */
static int until_closed(struct iob_nl *mon, struct iob_nl_list *e,
			__u32 file)
{
	unsigned int i, tries;

	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < e->n; i++)
			if (e->items[i].cmd == IOBROKER_CMD_FILE_DEL_NTF &&
			    e->items[i].val[EV(FILE)] == file)
				return 0;
		iob_nl_events(mon, e, 100);
	}
	return -1;
}

/*
 * The scripted life: map, an edu device bound and attached to a
 * HWPT with a 64-bit window, an access that will not unpin, and close.
 */
TEST_F(nl, edu_life_in_order)
{
	unsigned char *buf;
	struct iob_nl_item got[64];
	__u32 file, ioas, hwpt, cur, dev, access = 0;
	unsigned int n, i;
	struct edu e;
	__u64 done;
	int fd, afd;

	ASSERT_GE(edu_count, 1);
	buf = mmap(NULL, SZ_64K, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, SZ_64K);

	fd = iob_open();
	ASSERT_LE(0, fd);
	file = file_id(&self->mon, &self->e);
	ASSERT_NE(0, file);
	self->e.n = 0;
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, edu_open(&e, edu_names[0]));
	ASSERT_EQ(0, edu_bind(&e, fd));
	dev = e.dev_id;
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, buf, SZ_64K, IOVA_A));
	ASSERT_EQ(0, iob_hwpt_alloc_tce(fd, dev, ioas, SZ_256M, 16, SZ_1G,
					&hwpt));
	ASSERT_EQ(0, edu_attach(&e, hwpt, &cur));
	ASSERT_EQ(0, iob_create_access(fd, ioas, PIN | IGNORE_UNMAP, &afd));
	ASSERT_EQ(0, iob_access_pages(fd, afd, IOVA_A, page, buf, 0, NULL));
	EXPECT_EQ(EDEADLOCK, iob_unmap(fd, ioas, IOVA_A, SZ_64K, &done));
	close(afd);
	ASSERT_EQ(0, edu_detach(&e));
	edu_close(&e);
	close(fd);
	ASSERT_EQ(0, until_closed(&self->mon, &self->e, file));
	n = of_file(_metadata, &self->e, file, got, ARRAY_SIZE(got));
	{
		const struct want want[] = {
			{ IOBROKER_CMD_OBJECT_NEW_NTF, .id = ioas,
			  .type = IOBROKER_OBJ_TYPE_IOAS },
			{ IOBROKER_CMD_OBJECT_NEW_NTF, .id = dev,
			  .type = IOBROKER_OBJ_TYPE_DEVICE },
			{ IOBROKER_CMD_DEV_BIND_NTF, .id = dev,
			  .name = edu_names[0] },
			{ IOBROKER_CMD_OBJECT_NEW_NTF, .id = hwpt,
			  .type = IOBROKER_OBJ_TYPE_HWPT },
			{ IOBROKER_CMD_WINDOW_NEW_NTF, .id = hwpt,
			  .size = SZ_256M, .page_size = 4096 },
			{ IOBROKER_CMD_WINDOW_NEW_NTF, .id = hwpt,
			  .start = EDU_DDW_START, .size = SZ_1G,
			  .page_size = SZ_64K },
			{ IOBROKER_CMD_DEV_ATTACH_NTF, .id = dev,
			  .hwpt = hwpt },
			{ IOBROKER_CMD_OBJECT_NEW_NTF, .id = access,
			  .type = IOBROKER_OBJ_TYPE_ACCESS },
			{ IOBROKER_CMD_UNMAP_STALL_NTF, .id = ioas,
			  .start = IOVA_A, .size = SZ_64K },
			{ IOBROKER_CMD_UNMAP_DEADLOCK_NTF, .id = ioas,
			  .start = IOVA_A, .size = SZ_64K },
			{ IOBROKER_CMD_OBJECT_DEL_NTF, .id = access,
			  .type = IOBROKER_OBJ_TYPE_ACCESS },
			{ IOBROKER_CMD_DEV_DETACH_NTF, .id = dev,
			  .hwpt = hwpt },
			{ IOBROKER_CMD_DEV_UNBIND_NTF, .id = dev,
			  .name = edu_names[0] },
			{ IOBROKER_CMD_OBJECT_DEL_NTF, .id = dev,
			  .type = IOBROKER_OBJ_TYPE_DEVICE },
			{ IOBROKER_CMD_WINDOW_DEL_NTF, .id = hwpt,
			  .size = SZ_256M },
			{ IOBROKER_CMD_WINDOW_DEL_NTF, .id = hwpt,
			  .start = EDU_DDW_START, .size = SZ_1G },
			{ IOBROKER_CMD_OBJECT_DEL_NTF, .id = hwpt,
			  .type = IOBROKER_OBJ_TYPE_HWPT },
			{ IOBROKER_CMD_OBJECT_DEL_NTF, .id = ioas,
			  .type = IOBROKER_OBJ_TYPE_IOAS },
			{ IOBROKER_CMD_FILE_DEL_NTF, .id = 0 },
		};

		for (i = 0; n != ARRAY_SIZE(want) && i < n; i++)
			TH_LOG("got command %d id %llu", got[i].cmd,
			       (unsigned long long)got[i].val[EV(ID)]);
		ASSERT_EQ(ARRAY_SIZE(want), n);
		for (i = 0; i < n; i++)
			EXPECT_TRUE(event_is(_metadata, &got[i], &want[i], i));
		/* The windows say what their tables are. */
		EXPECT_LT(0, got[4].val[EV(LEVELS)]);
		EXPECT_LT(0, got[5].val[EV(LEVELS)]);
	}
	munmap(buf, SZ_64K);
}

/* A device moving to another IOAS: replaced, and its old HWPT goes. */
TEST_F(nl, replace_in_order)
{
	__u32 file, ioas, ioas2, stdev, hwpt, hwpt2, dev;
	struct iob_nl_item got[64];
	struct want want[3];
	unsigned int n, i, j;
	int fd;

	fd = iob_open();
	ASSERT_LE(0, fd);
	file = file_id(&self->mon, &self->e);
	ASSERT_NE(0, file);
	self->e.n = 0;
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, &stdev, &hwpt, &dev));
	ASSERT_EQ(0, iob_mock_replace(fd, stdev, ioas2, &hwpt2));
	ASSERT_NE(hwpt, hwpt2);
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 1000));
	n = of_file(_metadata, &self->e, file, got, ARRAY_SIZE(got));
	for (i = 0; i < n && got[i].cmd != IOBROKER_CMD_DEV_REPLACE_NTF; i++)
		;
	ASSERT_GT(n, i + 2);
	want[0] = (struct want){ IOBROKER_CMD_DEV_REPLACE_NTF, .id = dev,
				 .hwpt = hwpt2, .old_hwpt = hwpt };
	want[1] = (struct want){ IOBROKER_CMD_WINDOW_DEL_NTF, .id = hwpt };
	want[2] = (struct want){ IOBROKER_CMD_OBJECT_DEL_NTF, .id = hwpt,
				 .type = IOBROKER_OBJ_TYPE_HWPT };
	for (j = 0; j < 3; j++)
		EXPECT_TRUE(event_is(_metadata, &got[i + j], &want[j], i + j));
	/* Before it: the new HWPT came, with its window. */
	ASSERT_LE(2, i);
	EXPECT_EQ(IOBROKER_CMD_OBJECT_NEW_NTF, got[i - 2].cmd);
	EXPECT_EQ(hwpt2, got[i - 2].val[EV(ID)]);
	EXPECT_EQ(IOBROKER_CMD_WINDOW_NEW_NTF, got[i - 1].cmd);
	EXPECT_EQ(hwpt2, got[i - 1].val[EV(ID)]);
	close(fd);
}

static const struct iob_nl_item *find(const struct iob_nl_list *l,
				      int attr_file, __u32 file,
				      int attr_id, __u32 id)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		if (l->items[i].val[attr_file] == file &&
		    (!attr_id || l->items[i].val[attr_id] == id))
			return &l->items[i];
	return NULL;
}

#define OBJ(x) IOBROKER_A_OBJECT_##x
#define FILE_A(x) IOBROKER_A_FILE_##x

/* Dumps and gets agree with what the test built. */
TEST_F(nl, dumps_match_state)
{
	const __u64 len = 4 * page;
	__u32 file, ioas, stdev, hwpt, dev, access = 0;
	const struct iob_nl_item *it;
	unsigned int i, count = 0;
	char *buf;
	int fd, afd;

	buf = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	fd = iob_open();
	ASSERT_LE(0, fd);
	file = file_id(&self->mon, &self->e);
	ASSERT_NE(0, file);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, iob_mock_domain(fd, ioas, &stdev, &hwpt, &dev));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, buf, len, IOVA_M));
	ASSERT_EQ(0, iob_map_fixed(fd, ioas, buf + len, len, IOVA_M + len));
	ASSERT_EQ(0, iob_create_access(fd, ioas, PIN, &afd));
	ASSERT_EQ(0, iob_access_pages(fd, afd, IOVA_M, page, buf, 0, NULL));
	self->e.n = 0;
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	for (i = 0; i < self->e.n; i++)
		if (self->e.items[i].cmd == IOBROKER_CMD_OBJECT_NEW_NTF &&
		    self->e.items[i].val[EV(TYPE)] == IOBROKER_OBJ_TYPE_ACCESS)
			access = self->e.items[i].val[EV(ID)];
	ASSERT_NE(0, access);

	/* The file: its owner, objects and pages; root is charged nothing. */
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET,
				    NLM_F_DUMP, 0, 0, 0, 0, &self->l));
	it = find(&self->l, FILE_A(ID), file, 0, 0);
	ASSERT_NE(NULL, it);
	EXPECT_EQ(getpid(), it->val[FILE_A(PID)]);
	EXPECT_EQ(0, it->val[FILE_A(UID)]);
	/* IOAS, mock device object, device, HWPT, access. */
	EXPECT_EQ(5, it->val[FILE_A(OBJECTS)]);
	EXPECT_EQ(2 * len / page, it->val[FILE_A(PINNED)]);
	EXPECT_EQ(0, it->val[FILE_A(CHARGED)]);
	EXPECT_TRUE(IOB_NL_HAS(it, FILE_A(ACCOUNT_MODE)));
	EXPECT_EQ(IOBROKER_ACCOUNT_MODE_USER, it->val[FILE_A(ACCOUNT_MODE)]);
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET, 0,
				    FILE_A(ID), file, 0, 0, &self->l));
	ASSERT_EQ(1, self->l.n);
	EXPECT_EQ(2 * len / page, self->l.items[0].val[FILE_A(PINNED)]);

	/* Its objects, each as it is. */
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
				    NLM_F_DUMP, OBJ(FILE), file, 0, 0,
				    &self->l));
	EXPECT_EQ(5, self->l.n);
	for (i = 0; i < self->l.n; i++)
		EXPECT_EQ(file, self->l.items[i].val[OBJ(FILE)]);
	it = find(&self->l, OBJ(FILE), file, OBJ(ID), ioas);
	ASSERT_NE(NULL, it);
	EXPECT_EQ(IOBROKER_OBJ_TYPE_IOAS, it->val[OBJ(TYPE)]);
	EXPECT_EQ(2, it->val[OBJ(AREAS)]);
	EXPECT_EQ(2 * len, it->val[OBJ(MAPPED)]);
	EXPECT_EQ(2 * len / page, it->val[OBJ(PINNED)]);
	/* The HWPT and the access depend on it. */
	EXPECT_EQ(2, it->val[OBJ(USERS)]);
	it = find(&self->l, OBJ(FILE), file, OBJ(ID), hwpt);
	ASSERT_NE(NULL, it);
	EXPECT_EQ(IOBROKER_OBJ_TYPE_HWPT, it->val[OBJ(TYPE)]);
	EXPECT_EQ(ioas, it->val[OBJ(IOAS)]);
	ASSERT_LE(1, it->nwin);
	EXPECT_EQ(0, it->win[0][IOBROKER_A_WINDOW_INDEX]);
	EXPECT_LT(0, it->win[0][IOBROKER_A_WINDOW_LEVELS]);
	ASSERT_NE(0, it->win[0][IOBROKER_A_WINDOW_PAGE_SIZE]);
	EXPECT_EQ(2 * len / it->win[0][IOBROKER_A_WINDOW_PAGE_SIZE],
		  it->win[0][IOBROKER_A_WINDOW_TCES]);
	it = find(&self->l, OBJ(FILE), file, OBJ(ID), dev);
	ASSERT_NE(NULL, it);
	EXPECT_EQ(IOBROKER_OBJ_TYPE_DEVICE, it->val[OBJ(TYPE)]);
	EXPECT_EQ(hwpt, it->val[OBJ(HWPT)]);
	EXPECT_STREQ("mock", it->name);
	it = find(&self->l, OBJ(FILE), file, OBJ(ID), access);
	ASSERT_NE(NULL, it);
	EXPECT_EQ(IOBROKER_OBJ_TYPE_ACCESS, it->val[OBJ(TYPE)]);
	EXPECT_EQ(ioas, it->val[OBJ(IOAS)]);
	EXPECT_EQ(1, it->val[OBJ(PINNED)]);

	/* Filtered by type, across every file, and one by one. */
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
				    NLM_F_DUMP, OBJ(TYPE),
				    IOBROKER_OBJ_TYPE_IOAS, 0, 0, &self->l));
	for (i = 0; i < self->l.n; i++) {
		EXPECT_EQ(IOBROKER_OBJ_TYPE_IOAS,
			  self->l.items[i].val[OBJ(TYPE)]);
		count += self->l.items[i].val[OBJ(FILE)] == file;
	}
	EXPECT_EQ(1, count);
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET, 0,
				    OBJ(FILE), file, OBJ(ID), ioas, &self->l));
	ASSERT_EQ(1, self->l.n);
	EXPECT_EQ(2 * len, self->l.items[0].val[OBJ(MAPPED)]);

	/* What is not there, and what is not asked right. */
	EXPECT_EQ(ENOENT, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
					 0, OBJ(FILE), file, OBJ(ID), 9999,
					 &self->l));
	EXPECT_EQ(ENOENT, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET, 0,
					 FILE_A(ID), 0x7fffffff, 0, 0,
					 &self->l));
	EXPECT_EQ(EINVAL, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
					 0, OBJ(FILE), file, 0, 0, &self->l));
	/* Values outside the policy's bounds: the core's ERANGE. */
	EXPECT_EQ(ERANGE, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET, 0,
					 FILE_A(ID), 0, 0, 0, &self->l));
	EXPECT_EQ(ERANGE, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
					 NLM_F_DUMP, OBJ(TYPE), 6, 0, 0,
					 &self->l));
	EXPECT_EQ(ERANGE, iob_nl_request(&self->req, IOBROKER_CMD_OBJECT_GET,
					 NLM_F_DUMP, OBJ(FILE), 0, 0, 0,
					 &self->l));
	/* A dump of files takes no attribute at all. */
	EXPECT_EQ(EINVAL, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET,
					 NLM_F_DUMP, FILE_A(ID), file, 0, 0,
					 &self->l));
	/* Events are not requests. */
	EXPECT_EQ(EOPNOTSUPP, iob_nl_request(&self->req,
					     IOBROKER_CMD_OBJECT_NEW_NTF, 0,
					     0, 0, 0, 0, &self->l));

	close(afd);
	close(fd);
	/* Once closed, the file is gone from the dump. */
	ASSERT_EQ(0, until_closed(&self->mon, &self->e, file));
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET,
				    NLM_F_DUMP, 0, 0, 0, 0, &self->l));
	EXPECT_EQ(NULL, find(&self->l, FILE_A(ID), file, 0, 0));
	munmap(buf, 2 * len);
}

/* Drop root for good, staying in group root so /dev/iommu opens. */
static int become_nobody(void)
{
	return setresuid(NOBODY, NOBODY, NOBODY);
}

/*
 * As user nobody: the child's own file, with its charge, and nothing of
 * root's; no monitor. Exit status: 0, or the number of the failed check.
 */
static int unprivileged(__u32 root_file)
{
	struct iob_nl_list l = { .max = MAX_ITEMS };
	struct iob_nl req, mon;
	__u32 ioas, stdev, me = 0;
	unsigned int i;
	char *buf;
	int fd;

	l.items = calloc(MAX_ITEMS, sizeof(*l.items));
	buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!l.items || buf == MAP_FAILED || become_nobody())
		return 1;
	fd = iob_open();
	if (fd < 0 || iob_ioas_alloc(fd, &ioas) ||
	    iob_mock_domain(fd, ioas, &stdev, NULL, NULL) ||
	    iob_map(fd, ioas, buf, 4 * page, NULL))
		return 2;
	if (iob_nl_open(&req) || iob_nl_open(&mon))
		return 3;
	if (iob_nl_monitor(&mon) != EPERM)
		return 4;
	if (iob_nl_request(&req, IOBROKER_CMD_FILE_GET, NLM_F_DUMP, 0, 0, 0,
			   0, &l))
		return 5;
	/* Exactly one file: its own, charged what it pins. */
	if (l.n != 1 || l.items[0].val[FILE_A(UID)] != NOBODY ||
	    l.items[0].val[FILE_A(PID)] != (__u64)getpid() ||
	    l.items[0].val[FILE_A(PINNED)] != 4 ||
	    l.items[0].val[FILE_A(CHARGED)] != 4)
		return 6;
	me = l.items[0].val[FILE_A(ID)];
	if (iob_nl_request(&req, IOBROKER_CMD_FILE_GET, 0, FILE_A(ID),
			   root_file, 0, 0, &l) != ENOENT)
		return 7;
	if (iob_nl_request(&req, IOBROKER_CMD_OBJECT_GET, 0, OBJ(FILE),
			   root_file, OBJ(ID), 1, &l) != ENOENT)
		return 8;
	if (iob_nl_request(&req, IOBROKER_CMD_OBJECT_GET, NLM_F_DUMP, 0, 0, 0,
			   0, &l) || !l.n)
		return 9;
	for (i = 0; i < l.n; i++)
		if (l.items[i].val[OBJ(FILE)] != me)
			return 10;
	if (iob_nl_request(&req, IOBROKER_CMD_OBJECT_GET, NLM_F_DUMP,
			   OBJ(FILE), root_file, 0, 0, &l) || l.n)
		return 11;
	if (iob_nl_request(&req, IOBROKER_CMD_FILE_GET, 0, FILE_A(ID), me, 0,
			   0, &l) || l.n != 1)
		return 12;
	iob_nl_close(&req);
	iob_nl_close(&mon);
	close(fd);
	return 0;
}

TEST_F(nl, unprivileged_sees_only_its_own)
{
	struct rlimit rl = { 64 << 20, 64 << 20 };
	__u32 file, ioas;
	pid_t pid;
	int fd, st;

	fd = iob_open();
	ASSERT_LE(0, fd);
	file = file_id(&self->mon, &self->e);
	ASSERT_NE(0, file);
	ASSERT_EQ(0, iob_ioas_alloc(fd, &ioas));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		setrlimit(RLIMIT_MEMLOCK, &rl);
		_exit(unprivileged(file));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	/* Root sees root's file, and the child's came and went. */
	ASSERT_EQ(0, iob_nl_request(&self->req, IOBROKER_CMD_FILE_GET, 0,
				    FILE_A(ID), file, 0, 0, &self->l));
	EXPECT_EQ(1, self->l.n);
	close(fd);
}

/* Refused pins say who and how much. */
TEST_F(nl, rlimit_refusal)
{
	const struct iob_nl_item *it = NULL;
	__u32 ioas, stdev;
	unsigned int i;
	char *buf;
	pid_t pid;
	int st;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct rlimit rl = { 2 * page, 2 * page };
		int fd;

		buf = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (buf == MAP_FAILED || become_nobody() ||
		    setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(1);
		fd = iob_open();
		if (fd < 0 || iob_ioas_alloc(fd, &ioas) ||
		    iob_mock_domain(fd, ioas, &stdev, NULL, NULL))
			_exit(2);
		_exit(iob_map(fd, ioas, buf, 8 * page, NULL) == ENOMEM ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_EQ(0, WEXITSTATUS(st));
	self->e.n = 0;
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 1000));
	for (i = 0; i < self->e.n; i++)
		if (self->e.items[i].cmd == IOBROKER_CMD_RLIMIT_NTF)
			it = &self->e.items[i];
	ASSERT_NE(NULL, it);
	EXPECT_EQ(pid, it->val[EV(PID)]);
	EXPECT_EQ(NOBODY, it->val[EV(UID)]);
	EXPECT_EQ(8, it->val[EV(PAGES)]);
	EXPECT_EQ(2, it->val[EV(LIMIT)]);
	EXPECT_GE(2, it->val[EV(LOCKED)]);
}

static int churn(int fd, unsigned int n);

/*
 * In another network namespace the family does not exist: it cannot be
 * resolved, a request to its number is ENOENT, and a socket there that
 * joins the group by number hears none of the events that follow.
 */
static int other_netns(int family, int group, int ready, int go)
{
	struct iob_nl_list l = { .max = 16 };
	struct iob_nl n;
	char c = 0;
	int rc;

	l.items = calloc(l.max, sizeof(*l.items));
	if (!l.items || unshare(CLONE_NEWNET))
		return 1;
	if (iob_nl_open(&n) != ENOENT)
		return 2;
	n.sk = nl_socket_alloc();
	if (!n.sk || genl_connect(n.sk))
		return 3;
	nl_socket_disable_auto_ack(n.sk);
	n.family = family;
	n.group = group;
	rc = iob_nl_request(&n, IOBROKER_CMD_FILE_GET, NLM_F_DUMP, 0, 0, 0, 0,
			    &l);
	if (rc != ENOENT)
		return 4;
	if (iob_nl_monitor(&n))
		return 5;
	/* Joined: let the parent make events, and wait until it has. */
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		return 6;
	l.n = 0;
	if (iob_nl_events(&n, &l, 500) || l.n)
		return 7;
	return 0;
}

TEST_F(nl, other_netns_has_no_family)
{
	int ready[2], go[2], fd, st;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(other_netns(self->req.family, self->req.group, ready[1],
				  go[0]));
	ASSERT_EQ(1, read(ready[0], &c, 1));
	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, churn(fd, 5));
	close(fd);
	/* The events went out: this listener, in the first namespace, got them. */
	self->e.n = 0;
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	EXPECT_LE(12, self->e.n);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* Make @n IOASes and destroy them: 2 * @n events. */
static int churn(int fd, unsigned int n)
{
	__u32 ioas;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (iob_ioas_alloc(fd, &ioas) || iob_destroy(fd, ioas))
			return -1;
	return 0;
}

/* The sequence number of the last event in @l, or 0. */
static __u64 last_seq(const struct iob_nl_list *l)
{
	return l->n ? l->items[l->n - 1].val[EV(SEQ)] : 0;
}

/*
 * A listener that does not read while a flood passes: the kernel drops
 * what does not fit, says so once (ENOBUFS), and every lost event shows
 * as a gap in the numbers. Nothing is lost silently: what arrived plus
 * the gaps is exactly what was sent.
 */
TEST_F(nl, overrun_is_reported)
{
	const unsigned int flood = 1000;
	__u64 before, after, gaps = 0, got = 0, prev;
	unsigned int i;
	int fd, rc;

	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, churn(fd, 1));
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	before = last_seq(&self->e);
	ASSERT_NE(0, before);
	ASSERT_EQ(0, nl_socket_set_buffer_size(self->mon.sk, 4096, 0));

	ASSERT_EQ(0, churn(fd, flood / 2));
	self->e.n = 0;
	rc = iob_nl_events(&self->mon, &self->e, 500);
	EXPECT_EQ(ENOBUFS, rc);
	prev = before;
	for (i = 0; i < self->e.n; i++) {
		__u64 seq = self->e.items[i].val[EV(SEQ)];

		ASSERT_LT(prev, seq);
		gaps += seq - prev - 1;
		got++;
		prev = seq;
	}
	/* Drained: the next event arrives, numbered after the flood. */
	ASSERT_EQ(0, churn(fd, 1));
	self->e.n = 0;
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	ASSERT_EQ(2, self->e.n);
	after = self->e.items[0].val[EV(SEQ)];
	gaps += after - prev - 1;
	TH_LOG("flood of %u: %llu arrived, %llu lost", flood,
	       (unsigned long long)got, (unsigned long long)gaps);
	EXPECT_EQ(flood, after - before - 1);
	EXPECT_EQ(flood, got + gaps);
	EXPECT_LT(0, gaps);
	close(fd);
}

/*
 * Events are built only for listeners: while nobody listens, none is
 * numbered, so the first event after a listener joins again follows the
 * last one the previous listener got.
 */
TEST_F(nl, nothing_built_without_listeners)
{
	__u64 seq;
	int fd;

	fd = iob_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, churn(fd, 1));
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	seq = last_seq(&self->e);
	ASSERT_NE(0, seq);
	iob_nl_close(&self->mon);

	ASSERT_EQ(0, churn(fd, 100));
	ASSERT_EQ(0, iob_nl_open(&self->mon));
	ASSERT_EQ(0, iob_nl_monitor(&self->mon));
	ASSERT_EQ(0, churn(fd, 1));
	self->e.n = 0;
	ASSERT_EQ(0, iob_nl_events(&self->mon, &self->e, 500));
	ASSERT_EQ(2, self->e.n);
	EXPECT_EQ(seq + 1, self->e.items[0].val[EV(SEQ)]);
	close(fd);
}

TEST_HARNESS_MAIN
