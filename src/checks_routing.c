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
