/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iobroker fault injection: the module's own failure points.
 *
 * In a test build (IOBROKER_TEST=y) on a kernel with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, iob_should_fail() consults the fault
 * attribute /sys/kernel/debug/fail_iobroker, which takes the usual knobs
 * (probability, times, ...) and counts towards a task's
 * /proc/<pid>/task/<tid>/fail-nth like failslab does. Elsewhere it is
 * false and costs nothing. Like export.h, this header depends on nothing
 * of the module, so every layer may use it.
 */
#ifndef IOBROKER_FAULT_H
#define IOBROKER_FAULT_H

#include <linux/sched.h>
#include <linux/types.h>

#if defined(IOBROKER_TEST) && defined(CONFIG_FAULT_INJECTION_DEBUG_FS)
bool iob_should_fail(void);
void iob_fault_init(void);
void iob_fault_exit(void);

/*
 * Hold off a fail-nth sweep of the calling task across code outside the
 * module that cannot take a failed allocation; the count resumes after.
 */
static inline unsigned int iob_fault_hold(void)
{
	unsigned int nth = current->fail_nth;

	current->fail_nth = 0;
	return nth;
}

static inline void iob_fault_resume(unsigned int nth)
{
	current->fail_nth = nth;
}
#else
static inline unsigned int iob_fault_hold(void)
{
	return 0;
}

static inline void iob_fault_resume(unsigned int nth)
{
}

static inline bool iob_should_fail(void)
{
	return false;
}

static inline void iob_fault_init(void)
{
}

static inline void iob_fault_exit(void)
{
}
#endif

#endif
