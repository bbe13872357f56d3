/*
 * ExpressRoute Direct tagging (rule 9): on a Direct port the customer tags
 * each peering with 802.1Q (Dot1Q) or two 802.1Q tags (QinQ), ethertype
 * 0x8100, never 802.1ad's 0x88a8; with Dot1Q the C-Tag must be unique on
 * the port pair across every circuit and peering.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"

/* The interface that carries @p path of @p p, in @p obs (NULL when absent). */
static const struct er_interface *
link_if(const struct er_observed *obs, const struct er_peering_cfg *p, int path)
{
	return p->ifname[path][0] ? er_observed_interface(obs, p->ifname[path]) : NULL;
}

/*
 * Another Direct peering link than ours with the same VLAN on the same port
 * (the same lower interface), or NULL. @p where names it.
 */
static const struct er_interface *
same_ctag(const struct er_check_ctx *ctx, const struct er_interface *ifp, char *where, size_t len)
{
	size_t c, p;
	int k;

	for (c = 0; c < ctx->cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &ctx->cfg->circuits[c];
		if (cc->model != ER_MODEL_DIRECT)
			continue;
		for (p = 0; p < cc->n_peerings; p++) {
			const struct er_peering_cfg *pc = &cc->peerings[p];
			for (k = 0; k < 2; k++) {
				const struct er_interface *o = link_if(ctx->obs, pc, k);
				if (!o || o == ifp || (cc == ctx->circuit && pc == ctx->peering))
					continue;
				if (o->vlan_id == ifp->vlan_id && !strcmp(o->link, ifp->link)) {
					snprintf(where, len, "circuit %s, %s peering (%s)", cc->name, er_peering_name(pc->type),
					    o->name);
					return o;
				}
			}
		}
	}
	return NULL;
}

enum er_status
er_chk_direct_tagging(const struct er_check_ctx *ctx)
{
	const struct er_interface *ifp = er_ctx_interface(ctx), *outer;
	char where[160];

	if (!ifp)
		return ER_FAIL;
	if (!ifp->vlan_id) {
		er_detail(ctx, "%s is not a VLAN interface: the 802.1Q tags are added upstream and cannot be verified here",
		    ifp->name);
		return ER_NA;
	}
	if (ifp->vlan_proto && ifp->vlan_proto != 0x8100) {
		er_detail(ctx, "%s tags VLAN %u with ethertype 0x%04x: ExpressRoute Direct takes 802.1Q tags only "
		    "(Ethertype 0x8100)", ifp->name, ifp->vlan_id, ifp->vlan_proto);
		return ER_FAIL;
	}
	outer = ifp->link[0] ? er_observed_interface(ctx->obs, ifp->link) : NULL;
	if (outer && outer->vlan_id) {
		if (outer->vlan_proto && outer->vlan_proto != 0x8100) {
			er_detail(ctx, "QinQ: the outer tag (S-Tag %u on %s) uses ethertype 0x%04x: ExpressRoute Direct's "
			    "QinQ uses 802.1Q (0x8100) for both tags", outer->vlan_id, outer->name, outer->vlan_proto);
			return ER_FAIL;
		}
		er_detail(ctx, "QinQ: S-Tag %u on %s, C-Tag %u on %s, both 802.1Q (0x8100)", outer->vlan_id, outer->name,
		    ifp->vlan_id, ifp->name);
		return ER_PASS;
	}
	if (!ifp->link[0]) {
		er_detail(ctx, "Dot1Q: VLAN %u on %s (802.1Q); its port is not visible here, so its uniqueness on the "
		    "port pair is not verified", ifp->vlan_id, ifp->name);
		return ER_PASS;
	}
	if (same_ctag(ctx, ifp, where, sizeof(where))) {
		er_detail(ctx, "Dot1Q: VLAN %u on %s is also used by %s on the same port %s: the C-Tag must be unique "
		    "across all circuits and peerings of the ExpressRoute Direct port pair", ifp->vlan_id, ifp->name, where,
		    ifp->link);
		return ER_FAIL;
	}
	er_detail(ctx, "Dot1Q: VLAN %u on %s (802.1Q), used by no other Direct circuit or peering on port %s",
	    ifp->vlan_id, ifp->name, ifp->link);
	return ER_PASS;
}
