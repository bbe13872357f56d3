/*
 * Alerting policy between the events of two snapshots and a view that sends
 * them (SNMP traps; NETCONF notifications later): maintenance suppression,
 * hold-down, a bounded queue and a rate limit. One instance per view, driven
 * by the daemon's loop; no I/O, no clock of its own (times are passed in,
 * in milliseconds on any monotonic clock).
 */
#ifndef ER_ALERTS_H
#define ER_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct er_alerts;

struct er_alerts_stats {
	uint64_t queued;     /* accepted into the send queue */
	uint64_t sent;       /* handed to the view by er_alerts_pop() */
	uint64_t suppressed; /* maintenance */
	uint64_t cancelled;  /* reverted within the hold-down */
	uint64_t dropped;    /* queue overflow (oldest first) */
};

struct er_alerts *er_alerts_new(void);
void er_alerts_free(struct er_alerts *a);
/** Settings: hold-down in seconds, queue bound, most alerts per second. */
void er_alerts_configure(struct er_alerts *a, uint32_t hold_down_s, uint32_t queue_size, uint32_t rate);

/**
 * Take the events of one evaluation. Events of circuits in maintenance are
 * dropped; the others wait for the hold-down: a change that reverts before
 * its hold-down ends (a session that flaps back) is never sent.
 */
void er_alerts_push(struct er_alerts *a, const struct er_event_list *evs, uint64_t now_ms);
/**
 * The next alert ready to send (hold-down over, within the rate), oldest
 * first. Returns false when there is none now.
 */
bool er_alerts_pop(struct er_alerts *a, uint64_t now_ms, struct er_event *out);
/** Give back the alert just popped (it could not be sent): it goes first again. */
void er_alerts_unpop(struct er_alerts *a, const struct er_event *ev);
/** When er_alerts_pop() may next return something; UINT64_MAX if never without a push. */
uint64_t er_alerts_next_ms(const struct er_alerts *a, uint64_t now_ms);
size_t er_alerts_pending(const struct er_alerts *a); /* waiting for hold-down or queued */
void er_alerts_stats(const struct er_alerts *a, struct er_alerts_stats *st);

#endif
