#include "state_tree.h"

#include <libyang/libyang.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "datastore.h"
#include "partner.h"
#include "util.h"

struct st {
	const struct lys_module *mod;
	int failed;
};

static struct lyd_node *
inner(struct st *st, struct lyd_node *parent, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_new_inner(parent, st->mod, name, 0, &n) != LY_SUCCESS)
		st->failed = 1;
	return n;
}

static struct lyd_node *
list1(struct st *st, struct lyd_node *parent, const char *name, const char *key)
{
	struct lyd_node *n = NULL;

	if (lyd_new_list(parent, st->mod, name, 0, &n, key) != LY_SUCCESS)
		st->failed = 1;
	return n;
}

static void __attribute__((format(printf, 4, 5)))
term(struct st *st, struct lyd_node *parent, const char *name, const char *fmt, ...)
{
	char buf[ER_DETAIL_LEN + 64];
	va_list ap;

	if (!parent)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (lyd_new_term(parent, st->mod, name, buf, 0, NULL) != LY_SUCCESS)
		st->failed = 1;
}

static void
summary(struct st *st, struct lyd_node *parent, const struct er_summary *sum, long long at)
{
	char ts[32];

	term(st, parent, "readiness", "%s", er_readiness_name(sum->readiness));
	term(st, parent, "last-evaluation", "%s", er_time_str(at, ts, sizeof(ts)));
	term(st, parent, "checks-pass", "%u", sum->count[ER_PASS]);
	term(st, parent, "checks-warn", "%u", sum->count[ER_WARN]);
	term(st, parent, "checks-fail", "%u", sum->count[ER_FAIL]);
	term(st, parent, "checks-unknown", "%u", sum->count[ER_UNKNOWN]);
}

static void
session(struct st *st, struct lyd_node *link, const struct er_bgp_neighbor *n, const struct er_observed *obs)
{
	char a[ER_PREFIX_STRLEN];
	const struct er_bfd_peer *b = er_observed_bfd(obs, &n->addr);
	struct lyd_node *s = list1(st, link, "bgp-session", er_addr_str(&n->addr, a, sizeof(a)));
	size_t i;

	if (!s)
		return;
	if (n->local.family)
		term(st, s, "local-address", "%s", er_addr_str(&n->local, a, sizeof(a)));
	if (n->state)
		term(st, s, "state", "%s", er_bgp_state_name(n->state));
	term(st, s, "uptime", "%u", n->uptime);
	if (n->remote_as)
		term(st, s, "remote-as", "%u", n->remote_as);
	if (n->local_as)
		term(st, s, "local-as", "%u", n->local_as);
	if (n->hold_time)
		term(st, s, "hold-time", "%u", n->hold_time);
	if (n->keepalive)
		term(st, s, "keepalive", "%u", n->keepalive);
	term(st, s, "prefixes-received", "%u",
	    n->have_rcv ? (unsigned)n->n_rcv : n->pfx_rcvd[ER_AFI_V4] + n->pfx_rcvd[ER_AFI_V6]);
	term(st, s, "prefixes-advertised", "%u", er_neighbor_adv_count(n, ER_AFI_V4) + er_neighbor_adv_count(n, ER_AFI_V6));
	term(st, s, "bfd-state", "%s", er_bfd_state_name(b ? b->state : ER_BFD_NONE));
	if (n->last_error[0])
		term(st, s, "last-error", "%s", n->last_error);
	/* What a partner router needs for rule 21 across routers and route-set parity. */
	for (i = 0; n->have_adv && i < n->n_adv; i++) {
		const struct er_route *r = &n->adv[i];
		const uint32_t *path = er_route_path(n, r);
		struct lyd_node *rn = list1(st, s, "advertised-route", er_prefix_str(&r->pfx, a, sizeof(a)));
		char asp[256] = "";
		unsigned k;

		for (k = 0; k < r->path_len; k++)
			strlcatf(asp, sizeof(asp), "%s%u", k ? " " : "", path[k]);
		term(st, rn, "as-path", "%s", asp);
	}
}

static void
links(struct st *st, struct lyd_node *peering, const struct er_peering_cfg *p, const struct er_snapshot *snap)
{
	static const char *const oper[] = { "unknown", "up", "down", "lower-layer-down" };
	struct lyd_node *state = NULL;
	int k, fam;

	for (k = 0; k < 2; k++) {
		const char *router;
		char why[320];
		/* A link on a partner router: the partner's data, when it is fresh. */
		const struct er_observed *obs = er_link_obs(snap->cfg, snap->obs, snap->evaluated_at, p,
		    (enum er_path)(k + 1), &router, why, sizeof(why));
		const struct er_interface *ifp = er_observed_interface(obs, p->ifname[k]);
		struct lyd_node *link;
		char buf[ER_PREFIX_STRLEN];
		size_t i;

		if (!state)
			state = inner(st, peering, "state");
		if (!(link = list1(st, state, "link", k ? "secondary" : "primary")))
			return;
		term(st, link, "observed-by", "%s", router ? router : "local");
		if (router) {
			const struct er_partner_view *pv = er_observed_partner(snap->obs, router);
			if (pv && pv->evaluated_at)
				term(st, link, "observed-age", "%u", er_partner_view_age(pv, snap->evaluated_at));
		} else {
			term(st, link, "observed-age", "0");
		}
		if (!obs) {
			if (p->ifname[k][0])
				term(st, link, "interface", "%s", p->ifname[k]);
			continue;
		}
		if (p->ifname[k][0]) {
			term(st, link, "interface", "%s", p->ifname[k]);
			if (er_observed_ok(obs, ER_SRC_INTERFACES))
				term(st, link, "oper-status", "%s", ifp ? oper[ifp->oper] : "not-present");
		}
		if (ifp) {
			if (ifp->mtu)
				term(st, link, "mtu", "%u", ifp->mtu);
			if (ifp->vlan_id)
				term(st, link, "vlan-id", "%u", ifp->vlan_id);
			for (i = 0; i < ifp->n_addrs; i++)
				term(st, link, "address", "%s", er_prefix_str(&ifp->addrs[i], buf, sizeof(buf)));
		}
		for (fam = 0; fam < 2; fam++) {
			const struct er_bgp_neighbor *n;
			if (er_link_session(obs, p, k, fam, &n) && n)
				session(st, link, n, obs);
		}
	}
}

static void
checks(struct st *st, struct lyd_node *rd, const struct er_snapshot *s, unsigned parts)
{
	bool lean = (parts & ER_ST_CHECKS_LEAN) != 0, refs = !(parts & ER_ST_CHECKS_NO_REFS);
	enum er_path only = (parts & ER_ST_CHECKS_PRIMARY) ? ER_PATH_PRIMARY
	    : (parts & ER_ST_CHECKS_SECONDARY)             ? ER_PATH_SECONDARY
							   : ER_PATH_NONE;
	size_t i;

	for (i = 0; i < s->n_results; i++) {
		const struct er_result *r = &s->results[i];
		char id[256], ts[32];
		struct lyd_node *c;

		if (only && r->path != only)
			continue;
		c = list1(st, rd, "check", er_result_id(r, id, sizeof(id)));
		if (!lean)
			term(st, c, "name", "%s", r->def->name);
		if (refs)
			term(st, c, "code", "%u", r->def->code);
		if (!lean)
			term(st, c, "area", "%s", er_area_name(r->def->area));
		if (r->circuit[0] && refs)
			term(st, c, "circuit", "%s", r->circuit);
		if (r->peering && refs)
			term(st, c, "peering", "%s", er_peering_name(r->peering));
		if (r->path)
			term(st, c, "path", "%s", er_path_name(r->path));
		term(st, c, "status", "%s", er_status_name(r->status));
		if (!lean)
			term(st, c, "severity", "%s", er_severity_name(r->def->severity));
		if (r->detail[0])
			term(st, c, "detail", "%s", r->detail);
		if (lean)
			continue;
		term(st, c, "rule", "%s", r->def->rule);
		term(st, c, "since", "%s", er_time_str(r->since, ts, sizeof(ts)));
	}
}

static void
host_facts(struct st *st, struct lyd_node *rd, const struct er_observed *obs)
{
	static const char *const match[] = { "any", "dscp-in", "dscp-not-in", "other" };
	struct lyd_node *nat = inner(st, rd, "nat"), *qos = inner(st, rd, "qos");
	char idx[24], buf[ER_PREFIX_STRLEN];
	size_t i, j;
	int v;

	for (i = 0; i < obs->n_nat; i++) {
		const struct er_nat_rule *r = &obs->nat[i];
		struct lyd_node *n;
		snprintf(idx, sizeof(idx), "%zu", i + 1);
		if (!(n = list1(st, nat, "rule", idx)))
			break;
		if (r->family[0])
			term(st, n, "family", "%s", r->family);
		if (r->hook[0])
			term(st, n, "hook", "%s", r->hook);
		if (r->oif[0])
			term(st, n, "output-interface", "%s", r->oif);
		term(st, n, "action", "%s", r->action == ER_NAT_MASQUERADE ? "masquerade" : "snat");
		for (j = 0; j < r->n_xlat; j++)
			term(st, n, "translated", "%s", er_prefix_str(&r->xlat[j], buf, sizeof(buf)));
		term(st, n, "packets", "%llu", (unsigned long long)r->packets);
	}
	if (er_observed_ok(obs, ER_SRC_CONNTRACK)) {
		term(st, nat, "conntrack-count", "%u", obs->conntrack_count);
		term(st, nat, "conntrack-max", "%u", obs->conntrack_max);
	}
	for (i = 0; i < obs->n_dscp; i++) {
		const struct er_dscp_rule *r = &obs->dscp[i];
		struct lyd_node *n;
		snprintf(idx, sizeof(idx), "%zu", i + 1);
		if (!(n = list1(st, qos, "dscp-rule", idx)))
			break;
		if (r->ifname[0])
			term(st, n, "interface", "%s", r->ifname);
		term(st, n, "direction", "%s", r->dir == ER_DIR_INGRESS ? "ingress" : "egress");
		term(st, n, "set-dscp", "%u", r->set_dscp);
		term(st, n, "match", "%s", match[r->match]);
		for (v = 0; v < 64; v++)
			if (r->match_set & (1ull << v))
				term(st, n, "match-dscp", "%d", v);
		term(st, n, "packets", "%llu", (unsigned long long)r->packets);
	}
	for (i = 0; i < obs->n_queues; i++) {
		const struct er_queue *q = &obs->queues[i];
		struct lyd_node *n = list1(st, qos, "queue", q->ifname);
		if (!n)
			break;
		if (q->qdisc[0])
			term(st, n, "qdisc", "%s", q->qdisc);
		term(st, n, "classful", "%s", q->classful ? "true" : "false");
		term(st, n, "ef-priority-class", "%s", q->ef_priority ? "true" : "false");
		if (q->rate_bps)
			term(st, n, "rate", "%llu", (unsigned long long)q->rate_bps);
	}
}

/* resiliency-group/state and agent/partner/state. */
static void
resiliency(struct st *st, struct lyd_node *top, const struct er_snapshot *s)
{
	const struct er_config *cfg = s->cfg;
	struct lyd_node *agent = NULL;
	size_t i;

	for (i = 0; i < cfg->n_groups; i++) {
		struct lyd_node *g = list1(st, top, "resiliency-group", cfg->groups[i].name), *gs = inner(st, g, "state");
		term(st, gs, "tier-intended", "%s", er_res_tier_name(cfg->groups[i].intended));
		term(st, gs, "tier-reached", "%s", er_res_tier_name(s->groups[i].reached));
		if (s->groups[i].reason[0])
			term(st, gs, "reason", "%s", s->groups[i].reason);
	}
	for (i = 0; i < cfg->agent.n_partners; i++) {
		const struct er_partner_cfg *pc = &cfg->agent.partners[i];
		const struct er_partner_view *pv = er_observed_partner(s->obs, pc->name);
		struct lyd_node *p, *ps;
		char why[320];
		bool fresh;

		if (!agent)
			agent = inner(st, top, "agent");
		p = list1(st, agent, "partner", pc->name);
		ps = inner(st, p, "state");
		if (!pv) {
			term(st, ps, "status", "%s", "not-contacted");
			continue;
		}
		fresh = er_partner_view_fresh(pv, s->evaluated_at, cfg->agent.poll_interval, why, sizeof(why));
		term(st, ps, "status", "%s",
		    er_partner_status_name(!fresh && pv->status == ER_PARTNER_OK ? ER_PARTNER_STALE : pv->status));
		if (!fresh)
			term(st, ps, "message", "%s", why);
		if (pv->evaluated_at)
			term(st, ps, "data-age", "%u", er_partner_view_age(pv, s->evaluated_at));
		term(st, ps, "duration", "%u", pv->duration_ms);
		term(st, ps, "bytes", "%u", pv->bytes);
	}
}

int
er_state_tree(const struct er_snapshot *s, const struct ly_ctx *ctx, struct lyd_node **out)
{
	return er_state_tree_parts(s, ctx, ER_ST_ALL, out);
}

int
er_state_tree_parts(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts, struct lyd_node **out)
{
	struct st st = { ly_ctx_get_module_implemented(ctx, ER_YANG_MODULE), 0 };
	struct lyd_node *top = NULL, *rd;
	size_t c, p;
	int src;

	*out = NULL;
	if (!st.mod || lyd_new_inner(NULL, st.mod, "expressroute", 0, &top) != LY_SUCCESS)
		return -1;
	for (c = 0; (parts & ER_ST_CIRCUITS) && c < s->cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &s->cfg->circuits[c];
		struct lyd_node *cn = list1(&st, top, "circuit", cc->name);
		if (!cn)
			break;
		for (p = 0; p < cc->n_peerings; p++) {
			struct lyd_node *pn = list1(&st, cn, "peering", er_peering_name(cc->peerings[p].type));
			if (pn)
				links(&st, pn, &cc->peerings[p], s);
		}
		if (!(parts & ER_ST_NO_CIRCUIT_STATE))
			summary(&st, inner(&st, cn, "state"), &s->circuit[c], s->evaluated_at);
	}
	if (parts & ER_ST_RESILIENCY)
		resiliency(&st, top, s);
	if (!(parts & (ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS | ER_ST_HOST)))
		goto done;
	rd = inner(&st, top, "readiness");
	if (parts & ER_ST_SUMMARY)
		summary(&st, rd, &s->overall, s->evaluated_at);
	for (src = 0; (parts & ER_ST_COLLECTORS) && src < ER_SRC_COUNT; src++) {
		const struct er_source_status *ss = &s->obs->src[src];
		struct lyd_node *cn = list1(&st, rd, "collector", er_source_name((enum er_source)src));
		term(&st, cn, "status", "%s", er_collector_status_name(ss->status ? ss->status : ER_COLL_DISABLED));
		if (ss->daemon[0])
			term(&st, cn, "daemon", "%s", ss->daemon);
		if (ss->message[0])
			term(&st, cn, "message", "%s", ss->message);
		else if (!ss->status)
			term(&st, cn, "message", "not collected");
		term(&st, cn, "duration", "%u", ss->duration_ms);
	}
	if (parts & ER_ST_CHECKS)
		checks(&st, rd, s, parts);
	if (parts & ER_ST_HOST)
		host_facts(&st, rd, s->obs);
done:
	if (st.failed) {
		lyd_free_all(top);
		return -1;
	}
	*out = top;
	return 0;
}
