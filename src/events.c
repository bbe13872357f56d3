#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

const char *
er_event_kind_name(enum er_event_kind k)
{
	static const char *const n[] = { "", "readiness-changed", "check-status-changed", "bgp-session-changed",
		"redundancy-lost", "redundancy-restored" };
	return (unsigned)k < ARRAY_SIZE(n) ? n[k] : "";
}

void
er_event_list_free(struct er_event_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct er_event *
add(struct er_event_list *l, enum er_event_kind kind, long long t, const struct er_circuit_cfg *c)
{
	struct er_event *e;

	ER_GROW(l->v, l->n, l->cap);
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->time = t;
	if (c) {
		snprintf(e->circuit, sizeof(e->circuit), "%s", c->name);
		e->maintenance = c->maintenance;
	}
	return e;
}

/* State of the session to @p msee, ER_BGP_UNKNOWN when the host has none. */
static enum er_bgp_state
session_state(const struct er_observed *obs, const struct er_addr *msee)
{
	const struct er_bgp_neighbor *n = er_observed_neighbor(obs, msee);

	return n ? n->state : ER_BGP_UNKNOWN;
}

/*
 * The observed state of link @p k of @p p in snapshot @p s: this router's,
 * or the partner's when the link terminates there. NULL when that is not
 * known (the partner's data is missing or stale, or BGP was not collected
 * there): unknown is not a session change.
 */
static const struct er_observed *
link_obs(const struct er_snapshot *s, const struct er_peering_cfg *p, int k)
{
	char why[320];
	const struct er_observed *obs = er_link_obs(s->cfg, s->obs, s->evaluated_at, p, (enum er_path)(k + 1), NULL, why,
	    sizeof(why));

	return obs && er_observed_ok(obs, ER_SRC_BGP) ? obs : NULL;
}

/* A link is up when every session configured on it is Established. */
static bool
link_up(const struct er_observed *obs, const struct er_peering_cfg *p, int k)
{
	const struct er_prefix *sn[4];
	size_t n = er_peering_subnets(p, sn), i;
	struct er_addr cust, msee;

	for (i = (size_t)k; i < n; i += 2) {
		er_link_addrs(sn[i], &cust, &msee);
		if (session_state(obs, &msee) != ER_BGP_ESTABLISHED)
			return false;
	}
	return n > 0;
}

static void
session_events(const struct er_snapshot *old, const struct er_snapshot *cur, struct er_event_list *out)
{
	const struct er_config *cfg = cur->cfg;
	size_t c, p, i;
	int k;

	for (c = 0; c < cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &cfg->circuits[c];
		const struct er_circuit_cfg *oc = er_config_circuit(old->cfg, cc->name);

		for (p = 0; oc && p < cc->n_peerings; p++) {
			const struct er_peering_cfg *pc = &cc->peerings[p];
			const struct er_peering_cfg *op = er_circuit_peering(oc, pc->type);
			const struct er_prefix *sn[4];
			size_t n = er_peering_subnets(pc, sn);
			int up_old = 0, up_new = 0;
			struct er_addr changed = { 0, { 0 } };
			const struct er_observed *ob[2][2]; /* [old, cur][link] */
			bool known = true;

			if (!op || !pc->enabled || cc->layer == ER_LAYER_MANAGED_3)
				continue;
			for (k = 0; k < 2; k++) {
				ob[0][k] = link_obs(old, op, k);
				ob[1][k] = link_obs(cur, pc, k);
				known = known && ob[0][k] && ob[1][k];
			}
			/* sn[] alternates primary, secondary per family. */
			for (i = 0; i < n; i++) {
				struct er_addr cust, msee;
				enum er_bgp_state was, is;
				struct er_event *e;

				if (!ob[0][i % 2] || !ob[1][i % 2])
					continue;
				er_link_addrs(sn[i], &cust, &msee);
				was = session_state(ob[0][i % 2], &msee);
				is = session_state(ob[1][i % 2], &msee);
				if ((was == ER_BGP_ESTABLISHED) == (is == ER_BGP_ESTABLISHED))
					continue;
				if (!changed.family)
					changed = msee;
				e = add(out, ER_EV_BGP_SESSION_CHANGED, cur->evaluated_at, cc);
				e->peering = pc->type;
				e->path = (enum er_path)(i % 2 + 1);
				e->neighbor = msee;
				e->old_value = was;
				e->new_value = is;
				{
					const struct er_bgp_neighbor *nb = er_observed_neighbor(ob[1][i % 2], &msee);
					char a[ER_PREFIX_STRLEN];
					snprintf(e->detail, sizeof(e->detail), "%s session to %s %s -> %s%s%s",
					    er_path_name(e->path), er_addr_str(&msee, a, sizeof(a)), er_bgp_state_label(was),
					    er_bgp_state_label(is), nb && nb->last_error[0] ? ": " : "",
					    nb && nb->last_error[0] ? nb->last_error : "");
				}
			}
			if (!known)
				continue;
			for (k = 0; k < 2; k++) {
				up_old += link_up(ob[0][k], op, k);
				up_new += link_up(ob[1][k], pc, k);
			}
			if ((up_old == 2) != (up_new == 2)) {
				struct er_event *e = add(out, up_new == 2 ? ER_EV_REDUNDANCY_RESTORED : ER_EV_REDUNDANCY_LOST,
				    cur->evaluated_at, cc);
				char a[ER_PREFIX_STRLEN];

				e->peering = pc->type;
				e->neighbor = changed;
				e->sessions_up = (uint8_t)up_new;
				if (up_new == 2)
					snprintf(e->detail, sizeof(e->detail), "%s: both links Established again",
					    er_peering_label(pc->type));
				else
					snprintf(e->detail, sizeof(e->detail), "%s: %d of 2 links Established (%s down)%s",
					    er_peering_label(pc->type), up_new,
					    changed.family ? er_addr_str(&changed, a, sizeof(a)) : "a session",
					    up_new ? ": redundancy lost, availability SLA void" : ": peering outage");
				/* Which link: the one whose sessions changed. */
				for (k = 0; k < 2; k++)
					if (link_up(ob[0][k], op, k) != link_up(ob[1][k], pc, k))
						e->path = (enum er_path)(k + 1);
			}
		}
	}
}

/* Both result lists are sorted by key (eval.c): one merge pass. */
static void
check_events(const struct er_snapshot *old, const struct er_snapshot *cur, struct er_event_list *out)
{
	size_t i = 0, j = 0;

	while (i < old->n_results && j < cur->n_results) {
		const struct er_result *a = &old->results[i], *b = &cur->results[j];
		int c = er_result_key_cmp(a, b);
		struct er_event *e;

		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		i++;
		j++;
		if (a->status == b->status)
			continue;
		e = add(out, ER_EV_CHECK_STATUS_CHANGED, cur->evaluated_at,
		    b->circuit_idx >= 0 ? &cur->cfg->circuits[b->circuit_idx] : NULL);
		e->peering = b->peering;
		e->path = b->path;
		e->code = b->def->code;
		e->severity = b->def->severity;
		er_result_id(b, e->check_id, sizeof(e->check_id));
		e->old_value = a->status;
		e->new_value = b->status;
		snprintf(e->detail, sizeof(e->detail), "%s", b->detail);
	}
}

static void
readiness_events(const struct er_snapshot *old, const struct er_snapshot *cur, struct er_event_list *out)
{
	size_t c;

	for (c = 0; c < cur->cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &cur->cfg->circuits[c];
		const struct er_circuit_cfg *oc = er_config_circuit(old->cfg, cc->name);
		struct er_event *e;

		if (!oc || old->circuit[oc - old->cfg->circuits].readiness == cur->circuit[c].readiness)
			continue;
		e = add(out, ER_EV_READINESS_CHANGED, cur->evaluated_at, cc);
		e->old_value = old->circuit[oc - old->cfg->circuits].readiness;
		e->new_value = cur->circuit[c].readiness;
		e->checks_fail = cur->circuit[c].count[ER_FAIL];
		snprintf(e->detail, sizeof(e->detail), "circuit %s: %s -> %s (%u failing)", cc->name,
		    er_readiness_name((enum er_readiness)e->old_value), er_readiness_name((enum er_readiness)e->new_value),
		    cur->circuit[c].count[ER_FAIL]);
	}
	if (old->overall.readiness != cur->overall.readiness) {
		struct er_event *e = add(out, ER_EV_READINESS_CHANGED, cur->evaluated_at, NULL);
		e->old_value = old->overall.readiness;
		e->new_value = cur->overall.readiness;
		e->checks_fail = cur->overall.count[ER_FAIL];
		snprintf(e->detail, sizeof(e->detail), "overall: %s -> %s (%u failing)",
		    er_readiness_name(old->overall.readiness), er_readiness_name(cur->overall.readiness),
		    cur->overall.count[ER_FAIL]);
	}
}

void
er_events_diff(const struct er_snapshot *old, const struct er_snapshot *cur, struct er_event_list *out)
{
	size_t i;

	if (!old)
		return;
	/* Unknown is not a session change: compare sessions only when both were observed. */
	if (er_observed_ok(old->obs, ER_SRC_BGP) && er_observed_ok(cur->obs, ER_SRC_BGP))
		session_events(old, cur, out);
	check_events(old, cur, out);
	readiness_events(old, cur, out);
	for (i = 0; i < out->n; i++)
		snprintf(out->v[i].router, sizeof(out->v[i].router), "%s", cur->cfg->agent.router_name);
}
