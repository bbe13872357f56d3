/*
 * The catalogue of ExpressRoute checks: one table entry per rule of
 * expressroute-rules.md, each a function of (config, observed state) ->
 * status + a detail an operator can act on.
 */
#ifndef ER_CHECKS_H
#define ER_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "model.h"
#include "observed.h"

#define ER_DETAIL_LEN 384

enum er_scope {
	ER_SCOPE_ACCOUNT = 0, /* once */
	ER_SCOPE_CIRCUIT,     /* once per circuit */
	ER_SCOPE_PEERING,     /* once per peering */
	ER_SCOPE_PATH,        /* once per link of a peering */
};

struct er_check_ctx {
	const struct er_config *cfg;
	const struct er_observed *obs;
	const struct er_observed *prev_obs;   /* the poll before obs, NULL if none (counters' rise) */
	const struct er_circuit_cfg *circuit; /* NULL for account checks */
	const struct er_peering_cfg *peering; /* NULL above peering scope */
	enum er_path path;                    /* ER_PATH_NONE above path scope */
	char *detail;                         /* ER_DETAIL_LEN bytes */
	long long now;                        /* evaluation time: the age of partner data */
};

typedef enum er_status (*er_check_fn)(const struct er_check_ctx *ctx);

struct er_check_def {
	const char *name;   /* stable, e.g. "bgp-both-established" */
	uint32_t code;      /* rule * 10 + variant; 900+ config records */
	enum er_area area;
	enum er_severity severity;
	enum er_scope scope;
	unsigned peerings;  /* ER_PEERING_MASK()s it applies to (peering/path scope) */
	unsigned needs;     /* ER_SRC_MASK()s whose data it needs */
	bool host_bgp;      /* not applicable when the provider runs BGP (managed layer 3) */
	const char *rule;   /* catalogue rule and sources */
	er_check_fn fn;
	/* Optional: ER_NA (with a detail) when the rule does not apply, else 0. Runs before the source test. */
	er_check_fn applies;
	/* Year of the oldest source document with the rule as checked (the catalogue's era tags). */
	uint16_t since;
};

/** The catalogue, sorted by code. */
const struct er_check_def *er_checks(size_t *n);
const struct er_check_def *er_check_by_code(uint32_t code);
const struct er_check_def *er_check_by_name(const char *name);

/**
 * Run one check in @p ctx: applicability (peering type, disabled peering,
 * managed layer 3), then unknown if a needed source is not ok, then fn.
 */
enum er_status er_check_run(const struct er_check_def *def, const struct er_check_ctx *ctx);

/* Helpers for check functions (checks_*.c). */
void er_detail(const struct er_check_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void er_detail_append(const struct er_check_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Source @p s is ok; else writes the unknown detail and returns false. */
bool er_ctx_have(const struct er_check_ctx *ctx, enum er_source s);
/** 0 for primary, 1 for secondary. */
int er_path_index(enum er_path p);
/** "primary"/"secondary" link subnets, customer and MSEE address of ctx->path, family 4 or 6. */
bool er_ctx_link(const struct er_check_ctx *ctx, int family, struct er_prefix *subnet,
    struct er_addr *customer, struct er_addr *msee);
/**
 * The observed state that holds link @p path of @p p: @p obs for a link on
 * this router, the partner's data for a link on a partner router (see
 * partner.h). NULL when that partner's data is missing or stale, with the
 * reason in @p why. @p router (may be NULL) gets the partner's name, or
 * NULL for this router.
 */
const struct er_observed *er_link_obs(const struct er_config *cfg, const struct er_observed *obs, long long now,
    const struct er_peering_cfg *p, enum er_path path, const char **router, char *why, size_t whylen);
/**
 * The BGP session of link @p k (0 primary, 1 secondary) of @p p in address
 * family @p fam (0 IPv4, 1 IPv6): false when @p p has no subnet of that
 * family; else true, with the session to that subnet's MSEE address in
 * @p obs in @p n (NULL when @p obs has none).
 */
bool er_link_session(const struct er_observed *obs, const struct er_peering_cfg *p, int k, int fam,
    const struct er_bgp_neighbor **n);
/** er_link_obs() for ctx->peering. */
const struct er_observed *er_ctx_path_obs(const struct er_check_ctx *ctx, enum er_path path, const char **router,
    char *why, size_t whylen);
/**
 * Link @p k (0 primary, 1 secondary) of @p p terminates on this router.
 * Host-state checks of a peering (NAT, DSCP rules) look only at such links:
 * the partner router checks its own with its own host state.
 */
static inline bool
er_link_here(const struct er_peering_cfg *p, int k)
{
	return p->router[k] < 0;
}
/** The observed BGP session to the MSEE of ctx->path (IPv4 first, else IPv6). */
const struct er_bgp_neighbor *er_ctx_session(const struct er_check_ctx *ctx, int family);
/** Every configured link subnet (all circuits) overlapping/containing... helpers */
bool er_cfg_is_link_subnet(const struct er_config *cfg, const struct er_prefix *p);
/** The interface of ctx->path (configured, else the one with the customer address); NULL with a detail if none. */
const struct er_interface *er_ctx_interface(const struct er_check_ctx *ctx);
/** The DSCP values allowed by a profile, as a bit set. */
uint64_t er_qos_allowed(enum er_qos_profile p);

/* Check functions, by file. */
enum er_status er_chk_subscription(const struct er_check_ctx *ctx);
enum er_status er_chk_m365_msft_peering(const struct er_check_ctx *ctx);
enum er_status er_chk_service_key(const struct er_check_ctx *ctx);
enum er_status er_chk_provider(const struct er_check_ctx *ctx);
enum er_status er_chk_location(const struct er_check_ctx *ctx);
enum er_status er_chk_bandwidth(const struct er_check_ctx *ctx);
enum er_status er_chk_sku(const struct er_check_ctx *ctx);
enum er_status er_chk_provisioned(const struct er_check_ctx *ctx);
enum er_status er_chk_public_deprecated(const struct er_check_ctx *ctx);

enum er_status er_chk_redundant_pair(const struct er_check_ctx *ctx);
enum er_status er_chk_ipv4_addressing(const struct er_check_ctx *ctx);
enum er_status er_chk_ipv6_addressing(const struct er_check_ctx *ctx);
enum er_status er_chk_subnet_unique(const struct er_check_ctx *ctx);
enum er_status er_chk_vnet_overlap(const struct er_check_ctx *ctx);
enum er_status er_chk_public_link(const struct er_check_ctx *ctx);
enum er_status er_chk_vlan_unique(const struct er_check_ctx *ctx);
enum er_status er_chk_vlan_match(const struct er_check_ctx *ctx);
enum er_status er_chk_direct_tagging(const struct er_check_ctx *ctx);

enum er_status er_chk_established(const struct er_check_ctx *ctx);
enum er_status er_chk_peer_as(const struct er_check_ctx *ctx);
enum er_status er_chk_customer_asn(const struct er_check_ctx *ctx);
enum er_status er_chk_doc_asn_path(const struct er_check_ctx *ctx);
enum er_status er_chk_private_asn_msft(const struct er_check_ctx *ctx);
enum er_status er_chk_md5(const struct er_check_ctx *ctx);
enum er_status er_chk_timers(const struct er_check_ctx *ctx);
enum er_status er_chk_bfd(const struct er_check_ctx *ctx);
enum er_status er_chk_prefix_limit_v4(const struct er_check_ctx *ctx);
enum er_status er_chk_prefix_limit_v6(const struct er_check_ctx *ctx);
enum er_status er_chk_no_default_private(const struct er_check_ctx *ctx);
enum er_status er_chk_declared_prefixes(const struct er_check_ctx *ctx);
enum er_status er_chk_identical_adv(const struct er_check_ctx *ctx);
enum er_status er_chk_internet_overlap(const struct er_check_ctx *ctx);
enum er_status er_chk_link_not_advertised(const struct er_check_ctx *ctx);
enum er_status er_chk_route_filter(const struct er_check_ctx *ctx);
enum er_status er_chk_default_route_private(const struct er_check_ctx *ctx);

enum er_status er_chk_snat(const struct er_check_ctx *ctx);
enum er_status er_chk_pool_not_link(const struct er_check_ctx *ctx);
enum er_status er_chk_separate_edge(const struct er_check_ctx *ctx);
enum er_status er_chk_conntrack(const struct er_check_ctx *ctx);
enum er_status er_chk_dscp_values(const struct er_check_ctx *ctx);
enum er_status er_chk_dscp_remark(const struct er_check_ctx *ctx);
enum er_status er_chk_ef_queue(const struct er_check_ctx *ctx);
enum er_status er_chk_qos_scope(const struct er_check_ctx *ctx);
enum er_status er_chk_bandwidth_shaper(const struct er_check_ctx *ctx);

enum er_status er_chk_msft_route_via_peering(const struct er_check_ctx *ctx);
enum er_status er_chk_msft_communities(const struct er_check_ctx *ctx);
enum er_status er_chk_prefer_expressroute(const struct er_check_ctx *ctx);
enum er_status er_chk_msee_neighbor(const struct er_check_ctx *ctx);
enum er_status er_chk_ip_mtu(const struct er_check_ctx *ctx);
enum er_status er_chk_no_vrrp(const struct er_check_ctx *ctx);
enum er_status er_chk_received_limit_v4(const struct er_check_ctx *ctx);
enum er_status er_chk_received_limit_v6(const struct er_check_ctx *ctx);
enum er_status er_chk_conntrack_drops(const struct er_check_ctx *ctx);
enum er_status er_chk_pool_ports(const struct er_check_ctx *ctx);
enum er_status er_chk_separate_routers(const struct er_check_ctx *ctx);
enum er_status er_chk_partner_reachable(const struct er_check_ctx *ctx);
enum er_status er_chk_resiliency_tier(const struct er_check_ctx *ctx);
/**
 * The resiliency tier group @p group of @p cfg reaches at @p now, with
 * why in @p reason. Returns -1 when it is not known (a link of one of its
 * circuits is not observed).
 */
int er_group_tier(const struct er_config *cfg, const struct er_observed *obs, long long now, size_t group,
    enum er_res_tier *out, char *reason, size_t len);
enum er_status er_chk_route_parity(const struct er_check_ctx *ctx);

#endif
