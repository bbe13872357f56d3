/*
 * Resiliency: the links of a circuit on two routers (rule 1 variants 11
 * and 13) and the circuits of a resiliency group (420 tier, 430 route-set
 * parity), after Microsoft's high-availability and resiliency guidance:
 * designing-for-high-availability-with-expressroute (06/28/2019),
 * design-architecture-for-resiliency (07/16/2024),
 * evaluate-circuit-resiliency (06/24/2024) and resiliency-insights
 * (03/26/2025).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "partner.h"
#include "util.h"

#define P(x) er_prefix_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

/*
 * The physical port under an interface: follow VLAN/macvlan parents down
 * to the last one, then a bond master if it has one. NULL when the
 * interface is not observed.
 */
static const char *
port_of(const struct er_observed *obs, const char *name)
{
	const struct er_interface *ifp = er_observed_interface(obs, name);
	int depth;

	/* Stacks are shallow (VLAN on macvlan on bond); the bound guards against a loop in bad input. */
	for (depth = 0; ifp && ifp->link[0] && depth < 8; depth++) {
		const struct er_interface *up = er_observed_interface(obs, ifp->link);
		if (!up)
			return ifp->link;
		ifp = up;
	}
	if (!ifp)
		return NULL;
	return ifp->master[0] ? ifp->master : ifp->name;
}

enum er_status
er_chk_separate_routers(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	const struct er_partner_cfg *r[2] = { er_peering_router(ctx->cfg, p, ER_PATH_PRIMARY),
		er_peering_router(ctx->cfg, p, ER_PATH_SECONDARY) };
	const char *port[2] = { NULL, NULL };
	int i;

	if (r[0] || r[1]) {
		er_detail(ctx, "primary on %s, secondary on %s: two routers (Microsoft HA guidance)",
		    r[0] ? r[0]->name : "this router", r[1] ? r[1]->name : "this router");
		return ER_PASS;
	}
	if (p->ifname[0][0] && p->ifname[1][0] && er_observed_ok(ctx->obs, ER_SRC_INTERFACES))
		for (i = 0; i < 2; i++)
			port[i] = port_of(ctx->obs, p->ifname[i]);
	if (port[0] && port[1] && !strcmp(port[0], port[1])) {
		er_detail(ctx, "primary (%s) and secondary (%s) share the physical port %s of this router: one port, cable or device failure takes both down (Microsoft HA guidance)",
		    p->ifname[0], p->ifname[1], port[0]);
		return ER_WARN;
	}
	er_detail(ctx, "primary and secondary terminate on the same router: one device failure takes both down (Microsoft HA guidance)");
	return ER_WARN;
}

enum er_status
er_chk_partner_reachable(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	int i;

	for (i = 0; i < 2; i++) {
		enum er_path path = (enum er_path)(i + 1);
		const struct er_partner_cfg *pc = er_peering_router(ctx->cfg, p, path);
		const struct er_partner_view *pv;
		char why[320];

		if (!pc)
			continue;
		if (!er_ctx_path_obs(ctx, path, NULL, why, sizeof(why))) {
			er_detail(ctx, "partner %s (%s link) not usable: %s", pc->name, er_path_name(path), why);
			return ER_WARN;
		}
		pv = er_observed_partner(ctx->obs, pc->name);
		er_detail(ctx, "partner %s (%s link) answered; its data is %u s old", pc->name, er_path_name(path),
		    er_partner_view_age(pv, ctx->now));
		return ER_PASS;
	}
	er_detail(ctx, "both links terminate on this router: no partner router");
	return ER_NA;
}

/*
 * Resiliency tiers (design-architecture-for-resiliency, 07/16/2024):
 * Standard = one circuit, both links in one peering location; High =
 * ExpressRoute Metro (one circuit over two peering locations of a metro);
 * Maximum = two or more circuits in distinct peering locations, each
 * fully redundant. A circuit is fully redundant when every enabled peering
 * has both links on two routers and every session of both links is
 * Established.
 */
enum redundancy { RED_FULL, RED_NOT, RED_UNKNOWN };

static enum redundancy
circuit_redundancy(const struct er_config *cfg, const struct er_observed *gobs, long long now,
    const struct er_circuit_cfg *c, char *why, size_t len)
{
	size_t i;
	int k, f;

	for (i = 0; i < c->n_peerings; i++) {
		const struct er_peering_cfg *p = &c->peerings[i];
		if (!p->enabled)
			continue;
		if (p->router[0] < 0 && p->router[1] < 0) {
			snprintf(why, len, "%s %s: both links on one router", c->name, er_peering_name(p->type));
			return RED_NOT;
		}
		for (k = 0; k < 2; k++) {
			const char *router;
			char w[320];
			const struct er_observed *obs = er_link_obs(cfg, gobs, now, p, (enum er_path)(k + 1), &router, w,
			    sizeof(w));
			if (!obs || !er_observed_ok(obs, ER_SRC_BGP)) {
				snprintf(why, len, "%s %s %s link not observed (%.200s)", c->name, er_peering_name(p->type),
				    k ? "secondary" : "primary", obs ? "BGP state not collected" : w);
				return RED_UNKNOWN;
			}
			for (f = 0; f < 2; f++) {
				const struct er_bgp_neighbor *n;
				if (!er_link_session(obs, p, k, f, &n))
					continue;
				if (!n || n->state != ER_BGP_ESTABLISHED) {
					snprintf(why, len, "%s %s %s session not Established", c->name, er_peering_name(p->type),
					    k ? "secondary" : "primary");
					return RED_NOT;
				}
			}
		}
	}
	return RED_FULL;
}

static const char *
location_of(const struct er_circuit_cfg *c)
{
	return c->location ? c->location : "";
}

int
er_group_tier(const struct er_config *cfg, const struct er_observed *obs, long long now, size_t group,
    enum er_res_tier *out, char *reason, size_t len)
{
	const struct er_group_cfg *g = &cfg->groups[group];
	enum er_res_tier reached;
	const struct er_circuit_cfg *first_full = NULL, *second_loc = NULL, *same_loc = NULL, *metro = NULL;
	const struct er_circuit_cfg *not_full = NULL, *no_loc = NULL;
	size_t i, n = 0, n_full = 0;
	char why[384] = "", w[384];

	for (i = 0; i < cfg->n_circuits; i++) {
		const struct er_circuit_cfg *c = &cfg->circuits[i];
		enum redundancy red;
		if (c->group != (int)group)
			continue;
		n++;
		red = circuit_redundancy(cfg, obs, now, c, w, sizeof(w));
		if (red == RED_UNKNOWN) {
			snprintf(reason, len, "group %s: tier not known: %s", g->name, w);
			*out = ER_RTIER_NONE;
			return -1;
		}
		if (red == RED_NOT) {
			if (!not_full) {
				not_full = c;
				snprintf(why, sizeof(why), "%s", w);
			}
			continue;
		}
		n_full++;
		if (!c->location) {
			no_loc = no_loc ? no_loc : c;
		} else if (!first_full) {
			first_full = c;
		} else if (!second_loc && strcmp(location_of(c), location_of(first_full))) {
			second_loc = c;
		} else if (!strcmp(location_of(c), location_of(first_full))) {
			same_loc = same_loc ? same_loc : c;
		}
		if (c->secondary_location && c->location && strcmp(c->secondary_location, c->location))
			metro = metro ? metro : c;
	}
	if (!n_full)
		reached = ER_RTIER_NONE;
	else if (!not_full && first_full && second_loc)
		reached = ER_RTIER_MAXIMUM;
	else if (metro)
		reached = ER_RTIER_HIGH;
	else
		reached = ER_RTIER_STANDARD;

	snprintf(reason, len, "group %s (%zu circuit%s) reaches %s, intended %s", g->name, n, n == 1 ? "" : "s",
	    er_res_tier_name(reached), er_res_tier_name(g->intended));
	if (reached == ER_RTIER_MAXIMUM)
		strlcatf(reason, len, ": %s (%s) and %s (%s) in distinct peering locations, each fully redundant",
		    first_full->name, location_of(first_full), second_loc->name, location_of(second_loc));
	else if (not_full)
		strlcatf(reason, len, ": %s", why);
	else if (g->intended == ER_RTIER_MAXIMUM && n < 2)
		strlcatf(reason, len, ": Maximum needs two or more circuits in distinct peering locations");
	else if (g->intended == ER_RTIER_MAXIMUM && no_loc)
		strlcatf(reason, len, ": %s has no peering-location recorded", no_loc->name);
	else if (g->intended == ER_RTIER_MAXIMUM && same_loc)
		strlcatf(reason, len, ": %s and %s are both in %s (Maximum needs distinct peering locations)",
		    first_full->name, same_loc->name, location_of(first_full));
	else if (reached == ER_RTIER_HIGH)
		strlcatf(reason, len, ": %s is an ExpressRoute Metro circuit (%s and %s)", metro->name, location_of(metro),
		    metro->secondary_location);
	*out = reached;
	return 0;
}

enum er_status
er_chk_resiliency_tier(const struct er_check_ctx *ctx)
{
	enum er_res_tier reached;

	if (er_group_tier(ctx->cfg, ctx->obs, ctx->now, (size_t)ctx->circuit->group, &reached, ctx->detail,
	        ER_DETAIL_LEN) < 0)
		return ER_UNKNOWN;
	return reached >= ctx->cfg->groups[ctx->circuit->group].intended ? ER_PASS : ER_FAIL;
}

/* The private-peering routes a circuit advertises (primary link first, else the secondary). */
static const struct er_bgp_neighbor *
advertised(const struct er_check_ctx *ctx, const struct er_circuit_cfg *c, char *why, size_t len)
{
	const struct er_peering_cfg *p = er_circuit_peering(c, ER_PEERING_PRIVATE);
	int k;

	if (!p || !p->enabled || (!p->has_v4 && !p->has_v6)) {
		snprintf(why, len, "%s has no Azure private peering with link subnets", c->name);
		return NULL;
	}
	for (k = 0; k < 2; k++) {
		const struct er_prefix *sn = p->has_v4 ? &p->v4[k] : &p->v6[k];
		const struct er_observed *obs;
		const struct er_bgp_neighbor *n;
		struct er_addr cust, msee;
		char w[320];

		if (!(obs = er_link_obs(ctx->cfg, ctx->obs, ctx->now, p, (enum er_path)(k + 1), NULL, w, sizeof(w))) ||
		    !er_observed_ok(obs, ER_SRC_BGP))
			continue;
		er_link_addrs(sn, &cust, &msee);
		if ((n = er_observed_neighbor(obs, &msee)) && n->state == ER_BGP_ESTABLISHED && n->have_adv)
			return n;
	}
	snprintf(why, len, "routes advertised on %s private peering not observed (no Established session with collected routes)",
	    c->name);
	return NULL;
}

static bool
has_route(const struct er_bgp_neighbor *n, const struct er_prefix *p, const struct er_route **out)
{
	size_t lo = 0, hi = n->n_adv;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = er_prefix_cmp(&n->adv[mid].pfx, p);
		if (!c) {
			if (out)
				*out = &n->adv[mid];
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* AS path length beyond the first (origin) ASN run: how much a route is prepended. */
static unsigned
prepends(const struct er_bgp_neighbor *n, const struct er_route *r)
{
	const uint32_t *path = er_route_path(n, r);
	unsigned k, cnt = 0;

	for (k = 1; k < r->path_len; k++)
		if (path[k] == path[0])
			cnt++;
	return cnt;
}

enum er_status
er_chk_route_parity(const struct er_check_ctx *ctx)
{
	const struct er_config *cfg = ctx->cfg;
	const struct er_circuit_cfg *me = ctx->circuit;
	const struct er_bgp_neighbor *mine, *other;
	const char *prepend_other = NULL;
	unsigned prepend_me = 0, prepend_them = 0;
	size_t i, j, missing = 0, extra = 0, shown = 0;
	char why[384];

	if (!(mine = advertised(ctx, me, why, sizeof(why)))) {
		er_detail(ctx, "%s", why);
		return ER_UNKNOWN;
	}
	er_detail(ctx, "missing on %s:", me->name);
	for (i = 0; i < cfg->n_circuits; i++) {
		const struct er_circuit_cfg *c = &cfg->circuits[i];
		if (c == me || c->group != me->group)
			continue;
		if (!(other = advertised(ctx, c, why, sizeof(why)))) {
			er_detail(ctx, "%s", why);
			return ER_UNKNOWN;
		}
		for (j = 0; j < other->n_adv; j++) {
			const struct er_route *r = &other->adv[j], *m;
			if (!has_route(mine, &r->pfx, &m)) {
				if (shown++ < 8)
					er_detail_append(ctx, " %s (advertised on %s)", P(&r->pfx), c->name);
				missing++;
			} else if (!prepend_other && prepends(other, r) != prepends(mine, m)) {
				prepend_other = c->name;
				prepend_me = prepends(mine, m);
				prepend_them = prepends(other, r);
			}
		}
		for (j = 0; j < mine->n_adv; j++)
			extra += !has_route(other, &mine->adv[j].pfx, NULL);
	}
	if (missing) {
		if (shown > 8)
			er_detail_append(ctx, " and %zu more", shown - 8);
		er_detail_append(ctx, ": the circuits of group %s advertise different route sets (Microsoft: identical routes over redundant circuits)",
		    cfg->groups[me->group].name);
		return ER_WARN;
	}
	er_detail(ctx, "advertises every prefix of the other circuits of group %s (%zu on %s", cfg->groups[me->group].name,
	    mine->n_adv, me->name);
	if (extra)
		er_detail_append(ctx, ", %zu of them missing elsewhere: see those circuits", extra);
	er_detail_append(ctx, ")");
	/* Informational: prepending is how customers choose the active circuit. */
	if (prepend_other)
		er_detail_append(ctx, "; AS-path prepends differ: %u on %s, %u on %s (selects the active circuit)", prepend_me,
		    me->name, prepend_them, prepend_other);
	return extra ? ER_WARN : ER_PASS;
}
