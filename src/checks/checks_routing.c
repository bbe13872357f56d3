/*
 * Checks on the host's routing toward Microsoft: the path the kernel would
 * take to what the MSEEs advertise (rule 32).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define P(p) er_prefix_str((p), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)
#define A(a) er_addr_str((a), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

/*
 * The interface of link @p k of the peering: the configured name, else the
 * interface holding the customer address of the link's IPv4 or IPv6 subnet.
 */
static const char *
peering_ifname(const struct er_check_ctx *ctx, int k)
{
	const struct er_peering_cfg *pc = ctx->peering;
	const struct er_interface *ifp = NULL;
	struct er_addr cust, msee;

	if (pc->ifname[k][0])
		return pc->ifname[k];
	if (pc->has_v4) {
		er_link_addrs(&pc->v4[k], &cust, &msee);
		ifp = er_observed_interface_with(ctx->obs, &cust, NULL);
	}
	if (!ifp && pc->has_v6) {
		er_link_addrs(&pc->v6[k], &cust, &msee);
		ifp = er_observed_interface_with(ctx->obs, &cust, NULL);
	}
	return ifp ? ifp->name : "";
}

/* The MSEE sessions of the peering (IPv4 and IPv6, both links); returns how many were found. */
static size_t
peering_sessions(const struct er_check_ctx *ctx, const struct er_bgp_neighbor *out[4])
{
	const struct er_prefix *sub[4];
	size_t ns = er_peering_subnets(ctx->peering, sub), i, n = 0;

	for (i = 0; i < ns; i++) {
		struct er_addr cust, msee;
		const struct er_bgp_neighbor *nb;
		er_link_addrs(sub[i], &cust, &msee);
		if ((nb = er_observed_neighbor(ctx->obs, &msee)))
			out[n++] = nb;
	}
	return n;
}

static int
pfx_cmp(const void *a, const void *b)
{
	return er_prefix_cmp(a, b);
}

enum er_status
er_chk_msft_route_via_peering(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *nbrs[4];
	const char *ifs[2] = { peering_ifname(ctx, 0), peering_ifname(ctx, 1) };
	const struct er_route_lookup *bad = NULL;
	size_t nn = peering_sessions(ctx, nbrs), i, j, received = 0, looked = 0, n_bad = 0;
	struct er_prefix *rcv = NULL;
	bool have_rcv = false, established = false;
	char where[2 * ER_OBS_IFNAMSIZ + 8];

	snprintf(where, sizeof(where), "%s/%s", ifs[0][0] ? ifs[0] : "?", ifs[1][0] ? ifs[1] : "?");
	/* Both MSEEs send the same prefixes: count each once. */
	for (i = 0; i < nn; i++) {
		if (nbrs[i]->state != ER_BGP_ESTABLISHED)
			continue; /* a down session receives nothing (rule 2 reports it) */
		established = true;
		if (!nbrs[i]->have_rcv)
			continue;
		have_rcv = true;
		rcv = xreallocarray(rcv, received + nbrs[i]->n_rcv + 1, sizeof(*rcv));
		for (j = 0; j < nbrs[i]->n_rcv; j++)
			er_prefix_network(&nbrs[i]->rcv[j].pfx, &rcv[received++]);
	}
	if (received)
		qsort(rcv, received, sizeof(*rcv), pfx_cmp);
	for (i = j = 0; i < received; i++)
		if (!j || er_prefix_cmp(&rcv[j - 1], &rcv[i]) != 0)
			rcv[j++] = rcv[i];
	received = j;
	for (i = 0; i < received; i++) {
		const struct er_route_lookup *l = er_observed_lookup(ctx->obs, &rcv[i]);
		if (!l)
			continue;
		looked++;
		if (l->type == ER_RT_UNICAST && l->oif[0] &&
		    ((ifs[0][0] && !strcmp(l->oif, ifs[0])) || (ifs[1][0] && !strcmp(l->oif, ifs[1]))))
			continue;
		if (!n_bad++)
			bad = l;
	}
	free(rcv);
	if (!established) {
		er_detail(ctx, "no %s session Established: nothing received to look up", er_peering_label(ctx->peering->type));
		return ER_NA;
	}
	if (!have_rcv) {
		er_detail(ctx, "the routes received from the MSEEs were not collected: the path toward Microsoft cannot be verified");
		return ER_UNKNOWN;
	}
	if (!received) {
		er_detail(ctx, "no prefixes received from Microsoft to look up (a missing route filter is rule 24)");
		return ER_NA;
	}
	if (!looked) {
		er_detail(ctx, "the host's routes toward the %zu prefix%s received from Microsoft were not looked up", received,
		    received == 1 ? "" : "es");
		return ER_UNKNOWN;
	}
	if (bad) {
		if (bad->type != ER_RT_UNICAST)
			er_detail(ctx, "the host has %s route toward %s (received from Microsoft)",
			    bad->type == ER_RT_NONE ? "no" : er_route_type_name(bad->type), P(&bad->pfx));
		else
			er_detail(ctx, "traffic toward %s (received from Microsoft) leaves through %s%s%s, not the %s "
			    "interfaces %s: it takes another edge than ExpressRoute", P(&bad->pfx), bad->oif,
			    bad->gateway.family ? " via " : "", bad->gateway.family ? A(&bad->gateway) : "",
			    er_peering_label(ctx->peering->type), where);
		if (n_bad > 1)
			er_detail_append(ctx, " (%zu of %zu prefixes looked up)", n_bad, looked);
		return ER_FAIL;
	}
	er_detail(ctx, "traffic toward the %zu prefix%s received from Microsoft leaves through %s", looked,
	    looked == 1 ? "" : "es", where);
	if (looked < received)
		er_detail_append(ctx, " (%zu of %zu looked up)", looked, received);
	return ER_PASS;
}

/*
 * Rules 25 and 26 read every path of the prefixes received from the MSEEs
 * of the peering (er_observed.pfx_paths).
 */

/* The path of @p pp from one of the peering's MSEEs, best first; NULL if none. */
static const struct er_bgp_path *
msee_path(const struct er_prefix_paths *pp, const struct er_bgp_neighbor *const nbrs[4], size_t nn)
{
	const struct er_bgp_path *found = NULL;
	size_t i, k;

	for (i = 0; i < pp->n_paths; i++)
		for (k = 0; k < nn; k++)
			if (er_addr_eq(&pp->paths[i].peer, &nbrs[k]->addr) && (!found || pp->paths[i].best))
				found = &pp->paths[i];
	return found;
}

static bool
from_msee(const struct er_bgp_path *p, const struct er_bgp_neighbor *const nbrs[4], size_t nn)
{
	size_t k;

	for (k = 0; k < nn; k++)
		if (er_addr_eq(&p->peer, &nbrs[k]->addr))
			return true;
	return false;
}

/*
 * Shared preamble: NA when no MSEE session is Established, unknown when
 * routes were received but their paths not collected, NA when nothing was
 * received. Returns 0 to go on.
 */
static enum er_status
paths_collected(const struct er_check_ctx *ctx, const struct er_bgp_neighbor *const nbrs[4], size_t nn,
    size_t n_from_msee)
{
	bool established = false, received = false;
	size_t i;

	for (i = 0; i < nn; i++) {
		if (nbrs[i]->state != ER_BGP_ESTABLISHED)
			continue;
		established = true;
		received |= nbrs[i]->have_rcv ? nbrs[i]->n_rcv > 0 : nbrs[i]->pfx_rcvd[ER_AFI_V4] + nbrs[i]->pfx_rcvd[ER_AFI_V6] > 0;
	}
	if (!established) {
		er_detail(ctx, "no %s session Established: nothing received", er_peering_label(ctx->peering->type));
		return ER_NA;
	}
	if (n_from_msee)
		return 0;
	if (received) {
		er_detail(ctx, "the BGP paths of the prefixes received from Microsoft were not collected");
		return ER_UNKNOWN;
	}
	er_detail(ctx, "no prefixes received from Microsoft (a missing route filter is rule 24)");
	return ER_NA;
}

/*
 * Names of AS 12076 communities, from Microsoft's routing document: the
 * service values and the region values of R16 (2016), and the services
 * added by 2023 (the catalogue's section 5). West US 2 and West Central US
 * changed value in 2019, so 51022/51023 are left unnamed.
 */
static const char *
community_name(uint16_t v)
{
	static const struct {
		uint16_t v;
		const char *name;
	} names[] = {
		{ 5010, "Exchange" }, { 5020, "SharePoint" }, { 5030, "Skype for Business" }, { 5040, "CRM Online" },
		{ 5050, "Azure Global Services" }, { 5060, "Azure Active Directory" }, { 5070, "Azure Resource Manager" },
		{ 5100, "Other Office 365 Services" }, { 5220, "Defender for Identity" }, { 5250, "PSTN" },
		{ 51002, "West Europe" }, { 51003, "North Europe" }, { 51004, "East US" }, { 51005, "East US 2" },
		{ 51006, "West US" }, { 51007, "North Central US" }, { 51008, "South Central US" }, { 51009, "Central US" },
		{ 51010, "East Asia" }, { 51011, "Southeast Asia" }, { 51012, "Japan East" }, { 51013, "Japan West" },
		{ 51014, "Brazil South" }, { 51015, "Australia East" }, { 51016, "Australia Southeast" },
		{ 51017, "India Central" }, { 51018, "India West" }, { 51019, "India South" }, { 51020, "Canada Central" },
		{ 51021, "Canada East" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].v == v)
			return names[i].name;
	return v >= 51000 && v <= 51999 ? "a region" : NULL;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

enum er_status
er_chk_msft_communities(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *nbrs[4];
	const struct er_prefix_paths *untagged = NULL;
	size_t nn = peering_sessions(ctx, nbrs), i, j, k, n_from = 0, n_untagged = 0, n_comm = 0;
	uint32_t comm[64];
	enum er_status st;

	for (i = 0; i < ctx->obs->n_pfx_paths; i++) {
		const struct er_prefix_paths *pp = &ctx->obs->pfx_paths[i];
		bool any = false, tagged = false;
		for (j = 0; j < pp->n_paths; j++) {
			const struct er_bgp_path *p = &pp->paths[j];
			if (!from_msee(p, nbrs, nn))
				continue;
			any = true;
			for (k = 0; k < p->n_comm; k++) {
				size_t m;
				if (p->comm[k] >> 16 != 12076)
					continue;
				tagged = true;
				for (m = 0; m < n_comm && comm[m] != p->comm[k]; m++)
					;
				if (m == n_comm && n_comm < ARRAY_SIZE(comm))
					comm[n_comm++] = p->comm[k];
			}
		}
		if (!any)
			continue;
		n_from++;
		if (!tagged && !n_untagged++)
			untagged = pp;
	}
	if ((st = paths_collected(ctx, nbrs, nn, n_from)) != 0)
		return st;
	if (n_untagged == n_from) {
		er_detail(ctx, "none of the %zu prefix%s received from Microsoft carries an AS 12076 community: Microsoft "
		    "tags its routes with their region and service, so a provider or a policy in between removed them "
		    "and community-based routing will not match", n_from, n_from == 1 ? "" : "es");
		return ER_WARN;
	}
	if (n_untagged) {
		er_detail(ctx, "%zu of %zu prefixes received from Microsoft carry no AS 12076 community (%s first): a "
		    "provider or a policy in between removed them", n_untagged, n_from, P(&untagged->pfx));
		return ER_WARN;
	}
	qsort(comm, n_comm, sizeof(*comm), u32_cmp);
	er_detail(ctx, "received");
	for (i = 0; i < n_comm; i++) {
		const char *name = community_name((uint16_t)(comm[i] & 0xffff));
		er_detail_append(ctx, "%s 12076:%u%s%s%s", i ? "," : "", comm[i] & 0xffff, name ? " (" : "",
		    name ? name : "", name ? ")" : "");
	}
	er_detail_append(ctx, " on %zu prefix%s from Microsoft", n_from, n_from == 1 ? "" : "es");
	return ER_PASS;
}

static bool
internet_peer(const struct er_config *cfg, const struct er_addr *a)
{
	size_t i;

	for (i = 0; i < cfg->n_internet_nbrs; i++)
		if (er_addr_eq(&cfg->internet_nbrs[i], a))
			return true;
	return false;
}

/* A path's local preference: its attribute, else the default (100 in FRR and BIRD). */
static uint32_t
local_pref(const struct er_bgp_path *p)
{
	return p->has_local_pref ? p->local_pref : 100;
}

enum er_status
er_chk_prefer_expressroute(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *nbrs[4];
	const struct er_prefix_paths *fail = NULL, *warn = NULL;
	const struct er_bgp_path *fail_best = NULL, *fail_inet = NULL, *warn_inet = NULL;
	size_t nn = peering_sessions(ctx, nbrs), i, j, n_from = 0, both = 0, n_fail = 0, n_warn = 0;
	uint32_t lp_msee = 0, lp_inet = 0;
	enum er_status st;

	for (i = 0; i < ctx->obs->n_pfx_paths; i++) {
		const struct er_prefix_paths *pp = &ctx->obs->pfx_paths[i];
		const struct er_bgp_path *ms = msee_path(pp, nbrs, nn), *inet = NULL, *best = NULL;
		if (!ms)
			continue;
		n_from++;
		for (j = 0; j < pp->n_paths; j++) {
			if (pp->paths[j].best)
				best = &pp->paths[j];
			if (internet_peer(ctx->cfg, &pp->paths[j].peer) && (!inet || local_pref(&pp->paths[j]) > local_pref(inet)))
				inet = &pp->paths[j];
		}
		if (!inet)
			continue;
		both++;
		if (!best || !from_msee(best, nbrs, nn)) {
			if (!n_fail++) {
				fail = pp;
				fail_best = best;
				fail_inet = inet;
			}
		} else if (local_pref(best) <= local_pref(inet)) {
			if (!n_warn++) {
				warn = pp;
				warn_inet = inet;
			}
		} else {
			lp_msee = local_pref(best);
			lp_inet = local_pref(inet);
		}
	}
	if ((st = paths_collected(ctx, nbrs, nn, n_from)) != 0)
		return st;
	if (fail) {
		const struct er_bgp_path *ms = msee_path(fail, nbrs, nn);
		if (fail_best && internet_peer(ctx->cfg, &fail_best->peer))
			er_detail(ctx, "the best path toward %s is from Internet neighbour %s (local-pref %u, AS path of %u), not "
			    "from Microsoft (local-pref %u, AS path of %u): traffic to Microsoft leaves by the Internet; set a "
			    "higher local-pref on routes from AS 12076", P(&fail->pfx), A(&fail_best->peer), local_pref(fail_best),
			    fail_best->as_path_len, local_pref(ms), ms->as_path_len);
		else
			er_detail(ctx, "the best path toward %s (also from Internet neighbour %s) is not Microsoft's", P(&fail->pfx),
			    A(&fail_inet->peer));
		if (n_fail > 1)
			er_detail_append(ctx, " (%zu of %zu such prefixes)", n_fail, both);
		return ER_FAIL;
	}
	if (warn) {
		er_detail(ctx, "%s is also received from Internet neighbour %s with the same local-pref (%u): Microsoft's "
		    "path wins only on AS-path length or a tie-break, and a maintenance prepend on ExpressRoute would move "
		    "the traffic to the Internet; set a higher local-pref on routes from AS 12076", P(&warn->pfx),
		    A(&warn_inet->peer), local_pref(warn_inet));
		if (n_warn > 1)
			er_detail_append(ctx, " (%zu of %zu such prefixes)", n_warn, both);
		return ER_WARN;
	}
	if (!both) {
		er_detail(ctx, "none of the %zu prefix%s received from Microsoft is also received from an Internet neighbour",
		    n_from, n_from == 1 ? "" : "es");
		return ER_PASS;
	}
	er_detail(ctx, "the %zu prefix%s also received from an Internet neighbour prefer%s Microsoft's path (local-pref "
	    "%u over %u)", both, both == 1 ? "" : "es", both == 1 ? "s" : "", lp_msee, lp_inet);
	return ER_PASS;
}
