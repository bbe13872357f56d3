/* Configuration records a host cannot verify (catalogue section 2). */
#include <string.h>
#include <strings.h>

#include "checks.h"

enum er_status
er_chk_subscription(const struct er_check_ctx *ctx)
{
	if (!ctx->cfg->subscription_id[0]) {
		er_detail(ctx, "no Azure subscription id recorded (account/subscription-id); ExpressRoute needs a valid, active subscription");
		return ER_FAIL;
	}
	er_detail(ctx, "subscription %s recorded", ctx->cfg->subscription_id);
	return ER_PASS;
}

enum er_status
er_chk_m365_msft_peering(const struct er_check_ctx *ctx)
{
	const struct er_config *cfg = ctx->cfg;
	const char *non_premium = NULL;
	size_t i;
	bool found = false;

	if (!cfg->microsoft_365) {
		er_detail(ctx, "Microsoft 365 not used over ExpressRoute");
		return ER_NA;
	}
	for (i = 0; i < cfg->n_circuits; i++) {
		const struct er_peering_cfg *p = er_circuit_peering(&cfg->circuits[i], ER_PEERING_MICROSOFT);
		if (p && p->enabled) {
			found = true;
			if (cfg->circuits[i].tier != ER_TIER_PREMIUM && !non_premium)
				non_premium = cfg->circuits[i].name;
		}
	}
	if (!found) {
		er_detail(ctx, "Microsoft 365 is in use but no circuit has an enabled Microsoft peering");
		return ER_FAIL;
	}
	if (non_premium) {
		er_detail(ctx, "circuit %s carries Microsoft 365 without the Premium add-on (F22: enable Premium for Microsoft 365)",
		    non_premium);
		return ER_WARN;
	}
	er_detail(ctx, "Microsoft 365 reached over an enabled Microsoft peering");
	return ER_PASS;
}

enum er_status
er_chk_service_key(const struct er_check_ctx *ctx)
{
	if (!ctx->circuit->service_key[0]) {
		er_detail(ctx, "no service key recorded for circuit %s", ctx->circuit->name);
		return ER_FAIL;
	}
	er_detail(ctx, "service key %s", ctx->circuit->service_key);
	return ER_PASS;
}

enum er_status
er_chk_provider(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;

	if (!c->provider) {
		er_detail(ctx, "no connectivity provider recorded for circuit %s", c->name);
		return ER_FAIL;
	}
	if (c->model == ER_MODEL_UNSET) {
		er_detail(ctx, "provider %s, but no connectivity model recorded", c->provider);
		return ER_FAIL;
	}
	if ((c->model == ER_MODEL_DIRECT) != (strcasecmp(c->provider, "ExpressRoute Direct") == 0)) {
		er_detail(ctx, "provider '%s' does not match connectivity model %s (ExpressRoute Direct circuits have provider 'ExpressRoute Direct')",
		    c->provider, er_conn_model_name(c->model));
		return ER_FAIL;
	}
	er_detail(ctx, "provider %s, %s", c->provider, er_conn_model_name(c->model));
	return ER_PASS;
}

enum er_status
er_chk_location(const struct er_check_ctx *ctx)
{
	if (!ctx->circuit->location) {
		er_detail(ctx, "no peering location recorded for circuit %s", ctx->circuit->name);
		return ER_FAIL;
	}
	er_detail(ctx, "peering location %s", ctx->circuit->location);
	return ER_PASS;
}

enum er_status
er_chk_bandwidth(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;

	if (!c->bandwidth_mbps) {
		er_detail(ctx, "no bandwidth recorded for circuit %s", c->name);
		return ER_FAIL;
	}
	/* DIR24: 40 and 100 Gbps circuits exist only on ExpressRoute Direct ports. */
	if (c->bandwidth_mbps >= 40000 && c->model != ER_MODEL_DIRECT) {
		if (c->model)
			er_detail(ctx, "%u Mbps is offered only on ExpressRoute Direct, not %s", c->bandwidth_mbps,
			    er_conn_model_name(c->model));
		else
			er_detail(ctx, "%u Mbps is offered only on ExpressRoute Direct; no connectivity model is recorded",
			    c->bandwidth_mbps);
		return ER_FAIL;
	}
	if (c->model == ER_MODEL_DIRECT && c->bandwidth_mbps < 1000) {
		er_detail(ctx, "%u Mbps is not offered on ExpressRoute Direct (1 Gbps and up)", c->bandwidth_mbps);
		return ER_FAIL;
	}
	er_detail(ctx, "%u Mbps", c->bandwidth_mbps);
	return ER_PASS;
}

enum er_status
er_chk_sku(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;

	if (!c->tier || !c->family) {
		er_detail(ctx, "SKU %s not recorded for circuit %s", !c->tier ? "tier" : "family", c->name);
		return ER_FAIL;
	}
	er_detail(ctx, "SKU %s/%s", er_tier_name(c->tier), er_family_name(c->family));
	return ER_PASS;
}

enum er_status
er_chk_provisioned(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;

	if (c->prov_state == ER_PROV_PROVISIONED) {
		er_detail(ctx, "provider provisioning state provisioned");
		return ER_PASS;
	}
	if (!c->prov_state)
		er_detail(ctx, "provider provisioning state not recorded; peering needs Provisioned");
	else if (c->prov_state == ER_PROV_DEPROVISIONING)
		er_detail(ctx, "provider provisioning state is deprovisioning: the provider is taking the circuit down");
	else
		er_detail(ctx, "provider provisioning state is %s, not provisioned: the provider has not finished the circuit",
		    er_prov_state_name(c->prov_state));
	return ER_FAIL;
}

enum er_status
er_chk_public_deprecated(const struct er_check_ctx *ctx)
{
	er_detail(ctx, "Azure public peering is deprecated and not available for new circuits; plan a move to Microsoft peering");
	return ER_WARN;
}
