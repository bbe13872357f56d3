/* NAT (rules 28, 30, 32), QoS (rules 35-38) and capacity (rule 40). */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define P(x) er_prefix_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

static bool
is_postrouting(const struct er_nat_rule *r)
{
	return !r->hook[0] || !strcmp(r->hook, "postrouting");
}

static bool
is_ipv4_family(const struct er_nat_rule *r)
{
	return strcmp(r->family, "ip6") != 0;
}

/* A rule for interface @p ifname ("" in a rule = every interface). */
static bool
applies_to(const char *rule_if, const char *ifname)
{
	return !rule_if[0] || (ifname[0] && !strcmp(rule_if, ifname));
}

static bool
in_prefixes(const struct er_prefix *list, size_t n, const struct er_prefix *p)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (er_prefix_covers(&list[i], p))
			return true;
	return false;
}

/* Checks that match rules to interfaces need both interfaces named. */
static bool
interfaces_named(const struct er_check_ctx *ctx)
{
	int k;

	for (k = 0; k < 2; k++)
		if (er_link_here(ctx->peering, k) && !ctx->peering->ifname[k][0]) {
			er_detail(ctx, "no %s-interface configured: rules toward it cannot be matched",
			    k ? "secondary" : "primary");
			return false;
		}
	return true;
}

static enum er_status
pool_config(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	size_t i;

	for (i = 0; i < pc->n_nat_pool; i++) {
		const struct er_prefix *p = &pc->nat_pool[i];
		if (p->addr.family != ER_AF_INET)
			continue;
		if (er_prefix_is_special(p)) {
			er_detail(ctx, "NAT pool %s is not a public prefix: Microsoft accepts only public addresses", P(p));
			return ER_FAIL;
		}
		if ((pc->type == ER_PEERING_MICROSOFT || pc->n_adv_public) &&
		    !in_prefixes(pc->adv_public, pc->n_adv_public, p)) {
			er_detail(ctx, "NAT pool %s is not within the declared advertised-public-prefix: return traffic has no route",
			    P(p));
			return ER_FAIL;
		}
	}
	return ER_PASS;
}

/* Addresses that never source traffic toward Microsoft: loopback, link-local. */
static bool
host_only(const struct er_prefix *a)
{
	return a->addr.bytes[0] == 127 || (a->addr.bytes[0] == 169 && a->addr.bytes[1] == 254);
}

/* The interface faces an Internet BGP neighbour (edge/internet-bgp-neighbor). */
static bool
internet_facing(const struct er_config *cfg, const struct er_interface *ifp)
{
	size_t i, j;

	for (i = 0; i < ifp->n_addrs; i++)
		for (j = 0; j < cfg->n_internet_nbrs; j++)
			if (er_prefix_contains(&ifp->addrs[i], &cfg->internet_nbrs[j]))
				return true;
	return false;
}

/*
 * Rule 28 without SNAT. Routing requirements (03/12/2026): "Traffic
 * destined for Microsoft cloud services must use valid public IPv4
 * addresses before it enters the Microsoft network"; NAT is the recommended
 * way, not the requirement. Microsoft's ACLs admit the advertised public
 * prefixes, so sources inside them need no NAT. What the host shows of its
 * sources: the IPv4 addresses (and so the connected LANs) of its other
 * interfaces. The peering links, the Internet link, loopback and link-local
 * addresses source nothing toward Microsoft. LANs behind further routers
 * are not visible here; the declared prefixes bound what Microsoft accepts
 * from them in any case. @p what names the links without SNAT.
 */
static enum er_status
judge_sources(const struct er_check_ctx *ctx, const char *what)
{
	const struct er_peering_cfg *pc = ctx->peering;
	const struct er_prefix *first = NULL;
	const char *first_if = NULL;
	size_t i, a, n = 0;

	if (!er_observed_ok(ctx->obs, ER_SRC_INTERFACES)) {
		er_detail(ctx, "no SNAT or masquerade rule for traffic leaving %s, and interface state not collected: the sources cannot be judged",
		    what);
		return ER_UNKNOWN;
	}
	for (i = 0; i < ctx->obs->n_ifs; i++) {
		const struct er_interface *ifp = &ctx->obs->ifs[i];
		if (er_config_is_peering_interface(ctx->cfg, ifp->name) || internet_facing(ctx->cfg, ifp))
			continue;
		for (a = 0; a < ifp->n_addrs; a++) {
			const struct er_prefix *src = &ifp->addrs[a];
			if (src->addr.family != ER_AF_INET || host_only(src))
				continue;
			if (!in_prefixes(pc->adv_public, pc->n_adv_public, src)) {
				er_detail(ctx, "no SNAT or masquerade rule for traffic leaving %s, and source %s on %s is %s: Microsoft accepts only public sources within the advertised-public-prefix",
				    what, P(src), ifp->name,
				    er_prefix_is_rfc1918(src) ? "private (RFC 1918)"
				    : er_prefix_is_special(src) ? "not a public address" : "outside the declared advertised-public-prefix");
				return ER_FAIL;
			}
			if (!n++) {
				first = src;
				first_if = ifp->name;
			}
		}
	}
	if (!n) {
		er_detail(ctx, "no SNAT or masquerade rule for traffic leaving %s, and no LAN address on this host shows the sources: make sure they are within the advertised-public-prefix",
		    what);
		return ER_WARN;
	}
	er_detail(ctx, "no SNAT toward %s; the host's sources (%zu LAN address%s, e.g. %s on %s) are within the declared advertised-public-prefix",
	    what, n, n == 1 ? "" : "es", P(first), first_if);
	return ER_PASS;
}

enum er_status
er_chk_snat(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	const struct er_observed *obs = ctx->obs;
	const char *masq[2];
	char no_snat[2 * ER_IFNAMSIZ + 48] = "";
	size_t i, j, n_masq = 0;
	enum er_status st;
	int k;

	if (pool_config(ctx) != ER_PASS)
		return ER_FAIL;
	if (!interfaces_named(ctx))
		return ER_UNKNOWN;
	for (k = 0; k < 2; k++) {
		const char *ifname = pc->ifname[k];
		const struct er_nat_rule *found = NULL;

		if (!er_link_here(pc, k))
			continue;
		for (i = 0; i < obs->n_nat && !found; i++) {
			const struct er_nat_rule *r = &obs->nat[i];
			if (is_postrouting(r) && is_ipv4_family(r) && applies_to(r->oif, ifname))
				found = r;
		}
		if (!found) {
			strlcatf(no_snat, sizeof(no_snat), "%s%s (%s link)", no_snat[0] ? " and " : "", ifname,
			    k ? "secondary" : "primary");
			continue;
		}
		if (found->action == ER_NAT_MASQUERADE) {
			masq[n_masq++] = ifname;
			continue;
		}
		for (j = 0; j < found->n_xlat; j++) {
			const struct er_prefix *x = &found->xlat[j];
			if (er_prefix_is_special(x)) {
				er_detail(ctx, "SNAT toward %s translates to %s, not a public address: Microsoft accepts only public sources",
				    ifname, P(x));
				return ER_FAIL;
			}
			if (pc->n_nat_pool && !in_prefixes(pc->nat_pool, pc->n_nat_pool, x)) {
				er_detail(ctx, "SNAT toward %s translates to %s, outside the configured nat-pool", ifname, P(x));
				return ER_FAIL;
			}
		}
	}
	/* Public sources need no NAT: judge them only where there is none. */
	if (no_snat[0] && (st = judge_sources(ctx, no_snat)) != ER_PASS)
		return st;
	if (n_masq) {
		er_detail(ctx, "masquerade toward %s%s%s uses the link address: configure a NAT pool (HC24 advises against link addresses)",
		    masq[0], n_masq == 2 ? " and " : "", n_masq == 2 ? masq[1] : "");
		return ER_WARN;
	}
	if (no_snat[0])
		return ER_PASS; /* judge_sources() wrote the detail */
	if (er_link_here(pc, 0) && er_link_here(pc, 1))
		er_detail(ctx, "traffic toward %s and %s is source-NATed to public addresses", pc->ifname[0], pc->ifname[1]);
	else
		er_detail(ctx, "traffic toward %s is source-NATed to public addresses (the %s link is checked on %s)",
		    pc->ifname[er_link_here(pc, 0) ? 0 : 1], er_link_here(pc, 0) ? "secondary" : "primary",
		    er_peering_router(ctx->cfg, pc, er_link_here(pc, 0) ? ER_PATH_SECONDARY : ER_PATH_PRIMARY)->name);
	return ER_PASS;
}

enum er_status
er_chk_pool_not_link(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	const struct er_config *cfg = ctx->cfg;
	size_t i, j;

	for (i = 0; i < pc->n_nat_pool; i++) {
		const struct er_prefix *pool = &pc->nat_pool[i], *hit = er_config_link_subnet_covering(cfg, pool);
		/* A pool as large as a link range or larger: scan the (sorted) subnets it may contain. */
		for (j = 0; !hit && j < cfg->n_link_subnets; j++)
			if (er_prefix_covers(pool, &cfg->link_subnets[j]))
				hit = &cfg->link_subnets[j];
		if (hit) {
			er_detail(ctx, "NAT pool %s overlaps link subnet %s: use addresses outside the link ranges",
			    P(pool), P(hit));
			return ER_WARN;
		}
	}
	er_detail(ctx, "NAT pool outside every link subnet");
	return ER_PASS;
}

/* SNAT rules toward ExpressRoute interfaces are not the Internet edge. */
static bool
toward_expressroute(const struct er_addr_ref *r, const void *cfg)
{
	return !is_postrouting(r->rule) ||
	    (r->rule->oif[0] && er_config_is_peering_interface(cfg, r->rule->oif));
}

enum er_status
er_chk_separate_edge(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	size_t k;

	for (k = 0; k < pc->n_nat_pool; k++) {
		const struct er_addr_ref *r =
		    er_prefix_index_overlapping(&ctx->obs->snat_idx, &pc->nat_pool[k], toward_expressroute, ctx->cfg);
		if (r) {
			er_detail(ctx, "the Microsoft NAT pool %s is also used for traffic leaving %s: use a separate edge and pool for the Internet",
			    P(&pc->nat_pool[k]), r->rule->oif[0] ? r->rule->oif : "any interface");
			return ER_FAIL;
		}
	}
	er_detail(ctx, "Microsoft NAT pool used only toward ExpressRoute");
	return ER_PASS;
}

/*
 * N16: "monitor the NAT pool and ensure that you are not starved of NAT
 * sessions". New flows fail once the conntrack table is full.
 */
enum er_status
er_chk_conntrack(const struct er_check_ctx *ctx)
{
	uint64_t count = ctx->obs->conntrack_count, max = ctx->obs->conntrack_max;
	unsigned pct;

	if (!max) {
		er_detail(ctx, "conntrack table size not reported");
		return ER_UNKNOWN;
	}
	pct = (unsigned)(count * 100 / max);
	if (pct >= 95) {
		er_detail(ctx, "conntrack table %u%% full (%llu of %llu): new NAT sessions toward Microsoft are about to be dropped",
		    pct, (unsigned long long)count, (unsigned long long)max);
		return ER_FAIL;
	}
	if (pct >= 80) {
		er_detail(ctx, "conntrack table %u%% full (%llu of %llu): raise nf_conntrack_max or widen the NAT pool",
		    pct, (unsigned long long)count, (unsigned long long)max);
		return ER_WARN;
	}
	er_detail(ctx, "conntrack table %u%% full (%llu of %llu)", pct, (unsigned long long)count,
	    (unsigned long long)max);
	return ER_PASS;
}

/* "46, 34, 18, 10, 0": high values first, as the QoS table lists them. */
static const char *
dscp_list(uint64_t set, char *buf, size_t len)
{
	int v;

	buf[0] = '\0';
	for (v = 63; v >= 0; v--)
		if (set & (1ull << v))
			strlcatf(buf, len, "%s%d", buf[0] ? ", " : "", v);
	return buf;
}

#define DSCPS(s) dscp_list((s), (char[200]){ 0 }, 200)

static bool
egress_rule_for(const struct er_dscp_rule *r, const char *ifname)
{
	return r->dir == ER_DIR_EGRESS && applies_to(r->ifname, ifname);
}

enum er_status
er_chk_dscp_values(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	uint64_t allowed = er_qos_allowed(pc->qos), seen = 0;
	size_t i;
	int k;

	for (i = 0; i < ctx->obs->n_dscp; i++) {
		const struct er_dscp_rule *r = &ctx->obs->dscp[i];
		for (k = 0; k < 2; k++) {
			if (!er_link_here(pc, k) || !egress_rule_for(r, pc->ifname[k]))
				continue;
			if (!(allowed & (1ull << r->set_dscp))) {
				er_detail(ctx, "a rule toward %s sets DSCP %u, not in the %s profile (%s)",
				    r->ifname[0] ? r->ifname : pc->ifname[k], r->set_dscp, er_qos_profile_name(pc->qos),
				    DSCPS(allowed));
				return ER_FAIL;
			}
			seen |= 1ull << r->set_dscp;
		}
	}
	if (!seen)
		er_detail(ctx, "no rule toward Microsoft sets a DSCP value outside the %s profile (%s)",
		    er_qos_profile_name(pc->qos), DSCPS(allowed));
	else
		er_detail(ctx, "DSCP values set toward Microsoft (%s) are all in the %s profile", DSCPS(seen),
		    er_qos_profile_name(pc->qos));
	return ER_PASS;
}

enum er_status
er_chk_dscp_remark(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	uint64_t allowed = er_qos_allowed(pc->qos);
	size_t i;
	int k;

	if (!interfaces_named(ctx))
		return ER_UNKNOWN;
	for (k = 0; k < 2; k++) {
		const struct er_dscp_rule *found = NULL;

		if (!er_link_here(pc, k))
			continue;
		for (i = 0; i < ctx->obs->n_dscp && !found; i++) {
			const struct er_dscp_rule *r = &ctx->obs->dscp[i];
			if (egress_rule_for(r, pc->ifname[k]) && r->set_dscp == 0 &&
			    (r->match == ER_DSCP_NOT_IN || r->match == ER_DSCP_ANY))
				found = r;
		}
		if (!found) {
			er_detail(ctx, "no rule toward %s rewrites DSCP values outside %s to 0 (AF31 26, for one, would reach Microsoft)",
			    pc->ifname[k], DSCPS(allowed));
			return ER_FAIL;
		}
		if (found->match_set & ~allowed) {
			er_detail(ctx, "the re-mark rule toward %s keeps DSCP %s, not in the %s profile",
			    pc->ifname[k], DSCPS(found->match_set & ~allowed), er_qos_profile_name(pc->qos));
			return ER_FAIL;
		}
	}
	er_detail(ctx, "DSCP values outside %s are rewritten to 0 toward Microsoft", DSCPS(allowed));
	return ER_PASS;
}

enum er_status
er_chk_ef_queue(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	const char *ifname = pc->ifname[er_path_index(ctx->path)];
	const uint64_t keep = (1ull << 46) | (1ull << 34) | (1ull << 18);
	const struct er_queue *q;
	size_t i;

	if (!ifname[0]) {
		er_detail(ctx, "no %s-interface configured: its queues cannot be checked", er_path_name(ctx->path));
		return ER_UNKNOWN;
	}
	for (i = 0; i < ctx->obs->n_dscp; i++) {
		const struct er_dscp_rule *r = &ctx->obs->dscp[i];
		uint64_t hit;
		if (!egress_rule_for(r, ifname))
			continue;
		if (r->match == ER_DSCP_ANY)
			hit = keep & ~(1ull << r->set_dscp);
		else if (r->match == ER_DSCP_IN)
			hit = r->match_set & keep & ~(1ull << r->set_dscp);
		else if (r->match == ER_DSCP_NOT_IN)
			hit = keep & ~r->match_set & ~(1ull << r->set_dscp);
		else
			hit = 0;
		if (hit) {
			er_detail(ctx, "a rule toward %s rewrites DSCP %s to %u: Skype/Teams markings must be preserved",
			    ifname, DSCPS(hit), r->set_dscp);
			return ER_FAIL;
		}
	}
	if (!(q = er_observed_queue(ctx->obs, ifname))) {
		er_detail(ctx, "no queueing discipline on %s: voice (EF 46) needs its own priority class", ifname);
		return ER_FAIL;
	}
	if (!q->classful) {
		er_detail(ctx, "%s uses %s, a classless qdisc: voice (EF 46) needs its own priority class", ifname,
		    q->qdisc[0] ? q->qdisc : "a qdisc");
		return ER_FAIL;
	}
	if (!q->ef_priority) {
		er_detail(ctx, "%s's %s has no priority class fed by DSCP 46", ifname, q->qdisc[0] ? q->qdisc : "root qdisc");
		return ER_FAIL;
	}
	er_detail(ctx, "%s: %s with a priority class for EF (46)", ifname, q->qdisc[0] ? q->qdisc : "classful qdisc");
	return ER_PASS;
}

enum er_status
er_chk_qos_scope(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	size_t i;
	int k;

	for (i = 0; i < ctx->obs->n_dscp; i++)
		for (k = 0; k < 2; k++)
			if (er_link_here(pc, k) && pc->ifname[k][0] && egress_rule_for(&ctx->obs->dscp[i], pc->ifname[k])) {
				er_detail(ctx, "DSCP marking toward %s is %s (informational)", pc->ifname[k],
				    pc->type == ER_PEERING_PRIVATE ? "kept by Azure but not used for prioritisation (Q23)"
				                                   : "reset to 0 by Microsoft (Q19)");
				return ER_PASS;
			}
	er_detail(ctx, "no QoS requirement on %s (Q16: Microsoft peering only)", er_peering_label(pc->type));
	return ER_PASS;
}

/* "1000 Mbps", or "1000.5 Mbps" when not a whole number of Mbps. */
static const char *
mbps(uint64_t bps, char *buf, size_t len)
{
	if (bps % 1000000 == 0)
		snprintf(buf, len, "%llu Mbps", (unsigned long long)(bps / 1000000));
	else
		snprintf(buf, len, "%.3f Mbps", (double)bps / 1e6);
	return buf;
}

#define MBPS(x) mbps((x), (char[48]){ 0 }, 48)

enum er_status
er_chk_bandwidth_shaper(const struct er_check_ctx *ctx)
{
	const char *ifname = ctx->peering->ifname[er_path_index(ctx->path)];
	uint64_t bw = (uint64_t)ctx->circuit->bandwidth_mbps * 1000000ull;
	const struct er_queue *q;

	if (!ifname[0]) {
		er_detail(ctx, "no %s-interface configured: its shaper cannot be checked", er_path_name(ctx->path));
		return ER_UNKNOWN;
	}
	/* No queue on an interface that does not exist is not "not shaped": judge it as the link checks do. */
	if (!er_ctx_have(ctx, ER_SRC_INTERFACES))
		return ER_UNKNOWN;
	if (!er_observed_interface(ctx->obs, ifname)) {
		er_detail(ctx, "%s interface %s not present", er_path_name(ctx->path), ifname);
		return ER_FAIL;
	}
	q = er_observed_queue(ctx->obs, ifname);
	if (q && q->rate_bps > bw) {
		er_detail(ctx, "%s shapes to %s, above the %u Mbps circuit: the excess is not guaranteed and may be dropped",
		    ifname, MBPS(q->rate_bps), ctx->circuit->bandwidth_mbps);
		return ER_WARN;
	}
	if (q && q->rate_bps)
		er_detail(ctx, "%s shapes to %s, within the %u Mbps circuit", ifname, MBPS(q->rate_bps),
		    ctx->circuit->bandwidth_mbps);
	else
		er_detail(ctx, "%s not shaped; Microsoft polices the circuit at %u Mbps", ifname, ctx->circuit->bandwidth_mbps);
	return ER_PASS;
}
