/*
 * Routes Microsoft sends on private peering (rule 41). F22/FAQ 03/31/2026:
 * "a maximum of 1000 IPv4 prefixes advertised on a single ExpressRoute
 * connection" and, dual stack, "a maximum of 100 IPv6 prefixes"; beyond it
 * "The connection between the ExpressRoute circuit and the gateway
 * disconnects". The session carries the union of every connection's
 * prefixes, so the customer edge cannot split the count per connection: at
 * or above the limit one connection may be at it (or several are summed).
 * That is worth a warning, never a fail.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "util.h"


/* Received routes of family @p afi: counted from the list when collected, else the counter. */
static uint32_t
rcvd_count(const struct er_bgp_neighbor *n, int afi)
{
	uint8_t fam = afi == ER_AFI_V4 ? ER_AF_INET : ER_AF_INET6;
	uint32_t cnt = 0;
	size_t i;

	if (!n->have_rcv)
		return n->pfx_rcvd[afi];
	for (i = 0; i < n->n_rcv; i++)
		if (n->rcv[i].pfx.addr.family == fam)
			cnt++;
	return cnt;
}

static enum er_status
received_limit(const struct er_check_ctx *ctx, int afi)
{
	const uint32_t limit = afi == ER_AFI_V4 ? 1000 : 100;
	const char *fam = afi == ER_AFI_V4 ? "IPv4" : "IPv6";
	int fams[2] = { ER_AF_INET, ER_AF_INET6 }, i;
	uint32_t count = 0;
	size_t up = 0;

	for (i = 0; i < 2; i++) {
		struct er_addr cust, msee;
		const struct er_bgp_neighbor *n;
		if (!er_ctx_link(ctx, fams[i], NULL, &cust, &msee) || !(n = er_observed_neighbor(ctx->obs, &msee)) ||
		    n->state != ER_BGP_ESTABLISHED)
			continue;
		up++;
		count += rcvd_count(n, afi);
	}
	if (!up) {
		er_detail(ctx, "no Established session on the %s link: nothing received to count", er_path_name(ctx->path));
		return ER_NA;
	}
	if (count >= limit) {
		er_detail(ctx, "receiving %u %s prefixes: Azure sends at most %u per ExpressRoute connection and disconnects "
		    "a connection (gateway) above it; summarize VNet address spaces", count, fam, limit);
		return ER_WARN;
	}
	er_detail(ctx, "receiving %u %s prefix%s, below the %u per connection", count, fam, count == 1 ? "" : "es", limit);
	return ER_PASS;
}

enum er_status
er_chk_received_limit_v4(const struct er_check_ctx *ctx)
{
	return received_limit(ctx, ER_AFI_V4);
}

enum er_status
er_chk_received_limit_v6(const struct er_check_ctx *ctx)
{
	return received_limit(ctx, ER_AFI_V6);
}
