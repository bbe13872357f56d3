/*
 * Events derived by diffing two consecutive snapshots: what SNMP traps and
 * NETCONF notifications report (the YANG notifications readiness-changed,
 * check-status-changed, bgp-session-changed, redundancy-lost and
 * redundancy-restored). Pure: no policy here; hold-down, maintenance
 * suppression and rate limits belong to the views' alerting.
 */
#ifndef ER_EVENTS_H
#define ER_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eval.h"

enum er_event_kind {
	ER_EV_READINESS_CHANGED = 1,
	ER_EV_CHECK_STATUS_CHANGED,
	ER_EV_BGP_SESSION_CHANGED,
	ER_EV_REDUNDANCY_LOST,
	ER_EV_REDUNDANCY_RESTORED,
};

struct er_event {
	enum er_event_kind kind;
	long long time;
	char circuit[65]; /* "" for the overall readiness and account checks */
	bool maintenance; /* the circuit is in maintenance (alerts suppressed) */
	enum er_peering_type peering;
	enum er_path path;
	struct er_addr neighbor; /* BGP and redundancy events */
	uint32_t code;           /* check events */
	char check_id[192];
	enum er_severity severity;
	int old_value, new_value; /* readiness, check status or BGP state, by kind */
	uint8_t sessions_up;      /* redundancy events: links of the peering still Established */
	uint32_t checks_fail;     /* readiness events: failing checks now */
	char router[65];          /* the reporting router (agent/router-name): both routers of a circuit alert */
	char detail[ER_DETAIL_LEN];
};

struct er_event_list {
	struct er_event *v;
	size_t n, cap;
};

/**
 * Append to @p out the events that lead from @p old to @p cur (in that
 * order: session changes, redundancy, check changes, readiness). With
 * @p old NULL (the first evaluation) there are none. Sessions are compared
 * only when BGP state was collected in both snapshots.
 */
void er_events_diff(const struct er_snapshot *old, const struct er_snapshot *cur, struct er_event_list *out);
void er_event_list_free(struct er_event_list *l);
const char *er_event_kind_name(enum er_event_kind k); /* YANG notification name */

#endif
