/* Links, addressing and VLANs: catalogue rules 1 and 3-8. */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define P(x) er_prefix_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)
#define A(x) er_addr_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

static const struct er_interface *
interface_with(const struct er_observed *obs, const struct er_addr *addr, const struct er_prefix **ifa)
{
	return er_observed_interface_with(obs, addr, ifa);
}

/*
 * The interface of ctx->path: the configured one, else the one holding the
 * customer address. NULL with a failing detail when there is none.
 */
static const struct er_interface *
path_interface(const struct er_check_ctx *ctx)
{
	const char *name = ctx->peering->ifname[er_path_index(ctx->path)];
	const struct er_interface *ifp;
	struct er_addr cust, msee;

	if (name[0]) {
		if (!(ifp = er_observed_interface(ctx->obs, name)))
			er_detail(ctx, "%s interface %s not present", er_path_name(ctx->path), name);
		return ifp;
	}
	if ((er_ctx_link(ctx, ER_AF_INET, NULL, &cust, &msee) && (ifp = interface_with(ctx->obs, &cust, NULL))) ||
	    (er_ctx_link(ctx, ER_AF_INET6, NULL, &cust, &msee) && (ifp = interface_with(ctx->obs, &cust, NULL))))
		return ifp;
	er_detail(ctx, "no %s-interface configured and no interface holds the %s customer address",
	    er_path_name(ctx->path), er_path_name(ctx->path));
	return NULL;
}

enum er_status
er_chk_redundant_pair(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	struct er_check_ctx c = *ctx;
	const struct er_bgp_neighbor *n[2];
	struct er_addr cust, msee[2];
	int fam = p->has_v4 ? ER_AF_INET : ER_AF_INET6, i;

	if (p->ifname[0][0] && !strcmp(p->ifname[0], p->ifname[1])) {
		er_detail(ctx, "primary and secondary links both use interface %s: Microsoft requires two sessions on two links",
		    p->ifname[0]);
		return ER_FAIL;
	}
	if (!p->has_v4 && !p->has_v6) {
		er_detail(ctx, "no link subnets configured: no BGP session pair can be placed");
		return ER_FAIL;
	}
	for (i = 0; i < 2; i++) {
		const char *router;
		char why[320];
		const struct er_observed *obs = er_ctx_path_obs(ctx, (enum er_path)(i + 1), &router, why, sizeof(why));

		if (!obs) {
			er_detail(ctx, "the %s link terminates on partner %s, whose data is not available (%s)",
			    i ? "secondary" : "primary", router, why);
			return ER_UNKNOWN;
		}
		if (!router && !er_ctx_have(ctx, ER_SRC_BGP))
			return ER_UNKNOWN;
		if (router && !er_observed_ok(obs, ER_SRC_BGP)) {
			er_detail(ctx, "partner %s did not collect BGP state", router);
			return ER_UNKNOWN;
		}
		c.path = (enum er_path)(i + 1);
		er_ctx_link(&c, fam, NULL, &cust, &msee[i]);
		n[i] = er_observed_neighbor(obs, &msee[i]);
	}
	if (n[0] && n[1]) {
		const struct er_partner_cfg *r[2] = { er_peering_router(ctx->cfg, p, ER_PATH_PRIMARY),
			er_peering_router(ctx->cfg, p, ER_PATH_SECONDARY) };
		er_detail(ctx, "BGP sessions configured to %s (primary) and %s (secondary)", A(&msee[0]), A(&msee[1]));
		if (r[0] || r[1])
			er_detail_append(ctx, "; the %s link on partner %s", r[0] ? "primary" : "secondary", (r[0] ? r[0] : r[1])->name);
		return ER_PASS;
	}
	if (!n[0] && !n[1])
		er_detail(ctx, "no BGP session configured to either MSEE (%s, %s): Microsoft requires a redundant pair",
		    A(&msee[0]), A(&msee[1]));
	else
		er_detail(ctx, "only the %s link has a BGP session (to %s); none to %s on the %s link: Microsoft requires a redundant pair",
		    n[0] ? "primary" : "secondary", A(&msee[n[0] ? 0 : 1]), A(&msee[n[0] ? 1 : 0]),
		    n[0] ? "secondary" : "primary");
	return ER_FAIL;
}

static enum er_status
addressing(const struct er_check_ctx *ctx, int fam)
{
	const unsigned want = fam == ER_AF_INET ? 30 : 126;
	const struct er_interface *ifp;
	const struct er_prefix *found = NULL;
	struct er_prefix subnet;
	struct er_addr cust, msee;
	size_t i;

	er_ctx_link(ctx, fam, &subnet, &cust, &msee);
	if (!(ifp = path_interface(ctx)))
		return ER_FAIL;
	if (ifp->oper == ER_OPER_DOWN || ifp->oper == ER_OPER_LOWER_DOWN) {
		er_detail(ctx, "interface %s is down", ifp->name);
		return ER_FAIL;
	}
	for (i = 0; i < ifp->n_addrs && !found; i++)
		if (er_prefix_contains(&subnet, &ifp->addrs[i].addr))
			found = &ifp->addrs[i];
	if (!found) {
		const struct er_prefix *elsewhere;
		const struct er_interface *other = interface_with(ctx->obs, &cust, &elsewhere);
		if (other)
			er_detail(ctx, "%s is on %s, not on the configured %s", P(elsewhere), other->name, ifp->name);
		else
			er_detail(ctx, "%s has no address in %s (expected %s/%u)", ifp->name, P(&subnet), A(&cust), want);
		return ER_FAIL;
	}
	if (!er_addr_eq(&found->addr, &cust)) {
		er_detail(ctx, "%s has %s; the customer router must use the first address %s of %s (Microsoft uses %s)",
		    ifp->name, P(found), A(&cust), P(&subnet), A(&msee));
		return ER_FAIL;
	}
	if (found->len != want) {
		er_detail(ctx, "%s has %s; the link must be a /%u", ifp->name, P(found), want);
		return ER_FAIL;
	}
	if (er_observed_ok(ctx->obs, ER_SRC_BGP)) {
		const struct er_bgp_neighbor *n = er_observed_neighbor(ctx->obs, &msee);
		if (n && n->local.family && !er_addr_eq(&n->local, &cust)) {
			er_detail(ctx, "BGP session to %s uses local address %s, not %s", A(&msee), A(&n->local), A(&cust));
			return ER_FAIL;
		}
		for (i = 0; !n && i < ctx->obs->n_nbrs; i++) {
			const struct er_bgp_neighbor *o = &ctx->obs->nbrs[i];
			if (er_prefix_contains(&subnet, &o->addr)) {
				er_detail(ctx, "BGP neighbour %s is not the MSEE address %s (the second address of %s)",
				    A(&o->addr), A(&msee), P(&subnet));
				return ER_FAIL;
			}
		}
	}
	if (ifp->oper == ER_OPER_UP)
		er_detail(ctx, "%s up with %s; MSEE %s", ifp->name, P(found), A(&msee));
	else
		er_detail(ctx, "%s has %s (operational state not reported); MSEE %s", ifp->name, P(found), A(&msee));
	return ER_PASS;
}

enum er_status
er_chk_ipv4_addressing(const struct er_check_ctx *ctx)
{
	if (!ctx->peering->has_v4) {
		if (ctx->peering->has_v6) {
			er_detail(ctx, "no IPv4 link subnets configured (IPv6-only peering)");
			return ER_NA;
		}
		er_detail(ctx, "no IPv4 or IPv6 link subnets configured");
		return ER_FAIL;
	}
	return addressing(ctx, ER_AF_INET);
}

enum er_status
er_chk_ipv6_addressing(const struct er_check_ctx *ctx)
{
	if (ctx->peering->type == ER_PEERING_PUBLIC) {
		er_detail(ctx, "Azure public peering does not support IPv6");
		return ER_FAIL;
	}
	if (!er_ctx_have(ctx, ER_SRC_INTERFACES))
		return ER_UNKNOWN;
	return addressing(ctx, ER_AF_INET6);
}

static bool
on_interface(const struct er_addr_ref *r, const void *ifp)
{
	return r->ifp == ifp;
}

enum er_status
er_chk_subnet_unique(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	struct er_check_ctx c = *ctx;
	const struct er_interface *own[2] = { NULL, NULL };
	const struct er_prefix *sn[4];
	char scratch[ER_DETAIL_LEN];
	size_t n, i;
	int k;

	c.detail = scratch;
	for (k = 0; k < 2; k++) {
		c.path = (enum er_path)(k + 1);
		own[k] = path_interface(&c);
	}
	n = er_peering_subnets(p, sn);
	for (i = 0; i < n; i++) {
		/* sn[] alternates primary, secondary. */
		const struct er_addr_ref *r = er_prefix_index_overlapping(&ctx->obs->addr_idx, sn[i], on_interface, own[i % 2]);
		if (r) {
			er_detail(ctx, "%s link subnet %s is also used on %s (%s)", i % 2 ? "secondary" : "primary",
			    P(sn[i]), r->ifp->name, P(r->ifa));
			return ER_FAIL;
		}
	}
	if (!n) {
		er_detail(ctx, "no link subnets configured");
		return ER_NA;
	}
	er_detail(ctx, "link subnets used only on the peering's own interfaces");
	return ER_PASS;
}

enum er_status
er_chk_vnet_overlap(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	const struct er_circuit_cfg *c = ctx->circuit;
	struct er_check_ctx pc = *ctx;
	const struct er_prefix *sn[4];
	size_t n_sn = er_peering_subnets(p, sn), i, j, k;
	bool any_rcv = false;

	if (!n_sn) {
		er_detail(ctx, "no link subnets configured");
		return ER_NA;
	}
	for (i = 0; i < n_sn; i++)
		for (j = 0; j < c->n_vnets; j++)
			if (er_prefix_overlaps(sn[i], &c->vnets[j])) {
				er_detail(ctx, "link subnet %s overlaps VNet address space %s", P(sn[i]), P(&c->vnets[j]));
				return ER_FAIL;
			}
	if (!er_ctx_have(ctx, ER_SRC_BGP))
		return ER_UNKNOWN;
	for (k = 0; k < 2; k++) {
		const struct er_bgp_neighbor *n;
		pc.path = (enum er_path)(k + 1);
		if (!(n = er_ctx_session(&pc, 0)) || !n->have_rcv)
			continue;
		for (j = 0; j < n->n_rcv; j++) {
			/*
			 * A default route from the MSEEs is no VNet: Virtual WAN, for one,
			 * can propagate it to ExpressRoute connections. Check 270 reports it.
			 */
			if (er_prefix_is_default(&n->rcv[j].pfx))
				continue;
			any_rcv = true;
			for (i = 0; i < n_sn; i++)
				if (er_prefix_overlaps(sn[i], &n->rcv[j].pfx)) {
					er_detail(ctx, "Azure advertises %s, which overlaps link subnet %s",
					    P(&n->rcv[j].pfx), P(sn[i]));
					return ER_FAIL;
				}
		}
	}
	if (!c->n_vnets && !any_rcv) {
		er_detail(ctx, "no VNet address spaces recorded and no routes received from Azure: overlap cannot be verified");
		return ER_WARN;
	}
	if (!c->n_vnets)
		er_detail(ctx, "no overlap with the routes received from Azure (no VNet address spaces recorded)");
	else
		er_detail(ctx, "no overlap with %zu VNet address space%s%s", c->n_vnets, c->n_vnets == 1 ? "" : "s",
		    any_rcv ? " or the routes received from Azure" : "");
	return ER_PASS;
}

enum er_status
er_chk_public_link(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	const struct er_prefix *sn[4];
	size_t n = er_peering_subnets(p, sn), i;

	if (!n) {
		er_detail(ctx, "no link subnets configured");
		return ER_NA;
	}
	for (i = 0; i < n; i++)
		if (er_prefix_is_special(sn[i])) {
			er_detail(ctx, "link subnet %s is %s: %s needs public addresses you own", P(sn[i]),
			    er_prefix_is_rfc1918(sn[i]) ? (sn[i]->addr.family == ER_AF_INET ? "private (RFC 1918)" : "unique-local (fc00::/7)")
			                                : "special-purpose (not globally routable)",
			    er_peering_label(p->type));
			return ER_FAIL;
		}
	er_detail(ctx, "link subnets are public addresses");
	return ER_PASS;
}

enum er_status
er_chk_vlan_unique(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;
	size_t i;

	for (i = 0; i < c->n_peerings; i++) {
		const struct er_peering_cfg *o = &c->peerings[i];
		if (o != ctx->peering && o->enabled && o->vlan_id == ctx->peering->vlan_id) {
			er_detail(ctx, "VLAN %u is also used by the %s of circuit %s", o->vlan_id,
			    er_peering_label(o->type), c->name);
			return ER_FAIL;
		}
	}
	er_detail(ctx, "VLAN %u used by no other peering of circuit %s", ctx->peering->vlan_id, c->name);
	return ER_PASS;
}

enum er_status
er_chk_vlan_match(const struct er_check_ctx *ctx)
{
	const struct er_interface *ifp = path_interface(ctx);
	uint16_t want = ctx->peering->vlan_id;

	if (!ifp)
		return ER_FAIL;
	if (!ifp->vlan_id) {
		er_detail(ctx, "%s is not a VLAN interface: VLAN %u is tagged upstream and cannot be verified here",
		    ifp->name, want);
		return ER_NA;
	}
	if (ifp->vlan_id != want) {
		er_detail(ctx, "%s carries VLAN %u; the peering uses VLAN %u on both links", ifp->name, ifp->vlan_id, want);
		return ER_FAIL;
	}
	if (ifp->vlan_proto && ifp->vlan_proto != 0x8100) {
		er_detail(ctx, "%s tags VLAN %u with ethertype 0x%04x; ExpressRoute expects 802.1Q (0x8100)",
		    ifp->name, want, ifp->vlan_proto);
		return ER_FAIL;
	}
	er_detail(ctx, "%s carries VLAN %u (802.1Q)", ifp->name, want);
	return ER_PASS;
}

const struct er_interface *
er_ctx_interface(const struct er_check_ctx *ctx)
{
	return path_interface(ctx);
}
