// SPDX-License-Identifier: GPL-2.0
/*
 * iobroker events: the one sink every layer reports to (see event.h).
 */
#include "event.h"

/* Set once before /dev/iommu exists and cleared after it is gone. */
const struct iob_event_sink *iob_event_sink;

/**
 * iob_event_set_sink() - hand the emitters a sink, or take it back
 * @sink: the sink, or NULL
 *
 * Only while nothing can emit: at module init and exit.
 */
void iob_event_set_sink(const struct iob_event_sink *sink)
{
	WRITE_ONCE(iob_event_sink, sink);
}

/**
 * iob_event_send() - deliver an event, if anything takes it
 * @ev: the event, filled after iob_event_wanted() said yes
 */
void iob_event_send(const struct iob_event *ev)
{
	const struct iob_event_sink *sink = READ_ONCE(iob_event_sink);

	if (sink)
		sink->send(ev);
}
