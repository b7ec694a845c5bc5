/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Symbol exports of the iobroker core.
 *
 * The in-kernel API that include/iobroker/ declares is exported in the
 * IOBROKER namespace in every build.
 *
 * The core's internal functions are exported only in a test build
 * (IOBROKER_TEST=y), in the IOBROKER_TEST namespace, for the test module
 * and its KUnit suites. A production build exports none of them.
 */
#ifndef IOBROKER_EXPORT_H
#define IOBROKER_EXPORT_H

#include <linux/build_bug.h>
#include <linux/export.h>

/* The in-kernel API (include/iobroker/), in every build. */
#define EXPORT_SYMBOL_IOB(sym) EXPORT_SYMBOL_NS_GPL(sym, IOBROKER)

#ifdef IOBROKER_TEST
#define EXPORT_SYMBOL_IOB_TEST(sym) EXPORT_SYMBOL_NS_GPL(sym, IOBROKER_TEST)
#else
/* Nothing to export; expands to a no-op that still takes the semicolon. */
#define EXPORT_SYMBOL_IOB_TEST(sym) static_assert(1, #sym)
#endif

#endif
