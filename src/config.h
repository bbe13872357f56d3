/*
 * The running configuration as plain C values, derived from the validated
 * libyang tree by the datastore. Checks read only this, never the tree, so
 * evaluation is fast and independent of libyang.
 */
#ifndef ER_CONFIG_H
#define ER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"

struct lyd_node;

#define ER_IFNAMSIZ 16
#define ER_GUID_LEN 36

enum er_conn_model {
	ER_MODEL_UNSET = 0,
	ER_MODEL_CLOUD_EXCHANGE,
	ER_MODEL_P2P_ETHERNET,
	ER_MODEL_ANY_TO_ANY,
	ER_MODEL_DIRECT,
};
enum er_service_layer { ER_LAYER_2 = 0, ER_LAYER_MANAGED_3 };
enum er_sku_tier { ER_TIER_UNSET = 0, ER_TIER_LOCAL, ER_TIER_STANDARD, ER_TIER_PREMIUM };
enum er_sku_family { ER_FAMILY_UNSET = 0, ER_FAMILY_METERED, ER_FAMILY_UNLIMITED };
enum er_prov_state {
	ER_PROV_UNSET = 0,
	ER_PROV_NOT_PROVISIONED,
	ER_PROV_PROVISIONING,
	ER_PROV_PROVISIONED,
	ER_PROV_DEPROVISIONING,
};
enum er_qos_profile { ER_QOS_NONE = 0, ER_QOS_CURRENT, ER_QOS_LEGACY_2016 };
enum er_bgp_source { ER_BGPSRC_AUTO = 0, ER_BGPSRC_FRR, ER_BGPSRC_BIRD, ER_BGPSRC_NONE };
/* Values of the YANG typedef resiliency-tier and the MIB's ErResiliencyTier; ordered by strength. */
enum er_res_tier { ER_RTIER_NONE = 1, ER_RTIER_STANDARD, ER_RTIER_HIGH, ER_RTIER_MAXIMUM };

/* A partner router (agent/partner): some links terminate there. */
struct er_partner_cfg {
	char name[65];
	struct er_addr addr;
	uint16_t port;
	char user[33];
	char *key_file; /* relative: under the state directory */
	char *host_key; /* "type base64 [comment]" or "SHA256:..." */
	uint32_t timeout_ms;
};

/* A resiliency group (resiliency-group[name]). */
struct er_group_cfg {
	char name[65];
	enum er_res_tier intended; /* standard, high or maximum */
	char *description;
};

/* Index 0 is the primary path, 1 the secondary: ER_PATH_x - 1. */
struct er_peering_cfg {
	enum er_peering_type type;
	bool enabled;
	uint16_t vlan_id;
	uint32_t customer_asn;
	bool has_md5; /* the key itself stays in the datastore */
	bool has_v4, has_v6;
	struct er_prefix v4[2]; /* /30 link subnets */
	struct er_prefix v6[2]; /* /126 link subnets */
	/* The /29 and /125 as written when a family is given as one block (len 0 for the pair form). */
	struct er_prefix v4_block, v6_block;
	char ifname[2][ER_IFNAMSIZ];
	int router[2]; /* where each link terminates: index in cfg->agent.partners, -1 = this router */
	bool bfd_expected;
	struct er_prefix *adv_public;
	size_t n_adv_public;
	char registry[8];
	struct er_prefix *nat_pool;
	size_t n_nat_pool;
	enum er_qos_profile qos;
	uint8_t limit_warn_pct;
};

/* circuit_copy() in config.c copies every pointer of er_circuit_cfg and er_peering_cfg: add new ones there. */
struct er_circuit_cfg {
	char name[65];
	char service_key[ER_GUID_LEN + 1]; /* "" when not recorded */
	char *provider;                    /* NULL when not recorded */
	char *location;
	char *secondary_location; /* ExpressRoute Metro: where the secondary lands; NULL = location */
	int group;                /* index in cfg->groups, -1 = none */
	enum er_conn_model model;
	enum er_service_layer layer;
	uint32_t bandwidth_mbps; /* 0 when not recorded */
	enum er_sku_tier tier;
	enum er_sku_family family;
	enum er_prov_state prov_state;
	char created[11]; /* YYYY-MM-DD or "" */
	bool maintenance;
	struct er_prefix *vnets;
	size_t n_vnets;
	struct er_peering_cfg *peerings;
	size_t n_peerings;
};

enum er_snmp_mode { ER_SNMP_AUTO = 0, ER_SNMP_SUBAGENT, ER_SNMP_MASTER };
enum er_snmp_auth { ER_SNMP_AUTH_SHA = 0, ER_SNMP_AUTH_SHA256, ER_SNMP_AUTH_SHA512 };
enum er_snmp_priv { ER_SNMP_PRIV_AES = 0, ER_SNMP_PRIV_AES256 };

struct er_snmp_user {
	char name[33];
	enum er_snmp_auth auth;
	char *auth_key; /* write-only in every view */
	enum er_snmp_priv priv;
	char *priv_key;
	bool read_write;
};

struct er_trap_sink {
	struct er_addr addr;
	uint16_t port;
	char community[65];
};

struct er_snmp_cfg {
	bool enabled;
	enum er_snmp_mode mode;
	char *agentx_socket;
	uint16_t ping_interval;
	char **listen; /* Net-SNMP transport specs */
	size_t n_listen;
	char community[65];
	struct er_prefix *community_src;
	size_t n_community_src;
	struct er_snmp_user *users;
	size_t n_users;
	struct er_trap_sink *sinks;
	size_t n_sinks;
	uint32_t queue_size;
	uint32_t rate;
};

struct er_netconf_user {
	char name[33];
	char **keys; /* authorized keys, "type base64 [comment]" */
	size_t n_keys;
	char *password; /* crypt(3) hash, NULL if none */
};

/* The YANG default of agent/netconf/unix-socket/path (also erreadyd --netconf-relay's). */
#define ER_NC_DEFAULT_SOCKET "/run/erready/netconf.sock"

struct er_netconf_cfg {
	bool enabled;
	bool ssh_enabled;
	char ssh_address[46];
	uint16_t ssh_port;
	char *host_key; /* relative: under the state directory */
	bool unix_enabled;
	char *unix_path;
	unsigned unix_mode;
	char unix_group[33]; /* "" = erreadyd's */
	struct er_netconf_user *users;
	size_t n_users;
	uint16_t max_sessions;
	uint16_t max_sessions_per_user;
	uint16_t unix_reserved_sessions;
	uint16_t hello_timeout;
	uint32_t idle_timeout;
	uint32_t event_log_size;
	uint32_t max_message_size; /* bytes of one client message */
	uint32_t max_buffered;     /* bytes of client messages held across sessions */
	struct er_nc_conn_limits {   /* agent/netconf/ssh/connection-limits; times in seconds */
		uint16_t startups_start, startups_rate, startups_full, per_source;
		uint16_t login_grace;
		uint32_t pen_authfail, pen_noauth, pen_grace, pen_min, pen_max;
		uint16_t log_burst, log_interval;
	} limits;
};

struct er_agent_cfg {
	uint32_t poll_interval;
	uint32_t alert_hold_down;
	char router_name[65]; /* agent/router-name, else the host name */
	struct er_partner_cfg *partners;
	size_t n_partners;
	enum er_bgp_source bgp_source;
	char *frr_pathspace;
	char *bird_socket;
	struct er_snmp_cfg snmp;
	struct er_netconf_cfg netconf;
};

struct er_config {
	int refs; /* managed by the datastore (atomic) */
	char subscription_id[ER_GUID_LEN + 1];
	bool microsoft_365;
	struct er_addr *internet_nbrs;
	size_t n_internet_nbrs;
	struct er_circuit_cfg *circuits;
	size_t n_circuits;
	struct er_group_cfg *groups;
	size_t n_groups;
	struct er_agent_cfg agent;
	/* Indexes built once, so checks stay O(log n) per lookup. */
	const char **peering_ifnames; /* sorted, every configured peering interface */
	size_t n_peering_ifnames;
	struct er_prefix *link_subnets; /* sorted, every link subnet (they never overlap) */
	size_t n_link_subnets;
};

/**
 * Build the C view of a validated tree. Returns 0, or -1 with a message
 * "<path>: <reason>" in @p err for a semantic error that YANG cannot
 * express (overlapping subnets, duplicate interfaces).
 */
int er_config_from_tree(const struct lyd_node *tree, struct er_config **out, char *err, size_t errlen);
/**
 * er_config_from_tree(), and on error the data path of the node the user
 * wrote that is at fault in @p where ("" when no single node is), so a
 * caller holding the file can name its line.
 */
int er_config_from_tree_at(const struct lyd_node *tree, struct er_config **out, char *err, size_t errlen, char *where,
    size_t wherelen);
/**
 * er_config_from_tree_at() of a @p tree that differs from the one @p prev
 * was built from only in the circuits named in @p keys (a scoped datastore
 * txn): the other circuits are copied from @p prev. Same result, at the
 * cost of the changed circuits plus the indexes.
 */
int er_config_from_tree_reusing(const struct lyd_node *tree, const struct er_config *prev, const char *const *keys,
    size_t nkeys, struct er_config **out, char *err, size_t errlen, char *where, size_t wherelen);
void er_config_free(struct er_config *cfg);
/** (Re)build the indexes of a config put together by hand (the collector's scope, collect_wire.h). */
void er_config_build_indexes(struct er_config *cfg);
/** Shared, immutable configs: snapshots keep the one they were evaluated with. */
const struct er_config *er_config_ref(const struct er_config *cfg);
void er_config_unref(const struct er_config *cfg);

const struct er_circuit_cfg *er_config_circuit(const struct er_config *cfg, const char *name);
const struct er_peering_cfg *er_circuit_peering(const struct er_circuit_cfg *c, enum er_peering_type t);
/** The partner router on which link @p path of @p p terminates, or NULL when it is this router. */
const struct er_partner_cfg *er_peering_router(const struct er_config *cfg, const struct er_peering_cfg *p,
    enum er_path path);
/** "standard", "high", ... */
const char *er_res_tier_name(enum er_res_tier t);
/** @p name is the interface of some peering. */
bool er_config_is_peering_interface(const struct er_config *cfg, const char *name);
/** The link subnet (of any peering) that covers @p p, or NULL. */
const struct er_prefix *er_config_link_subnet_covering(const struct er_config *cfg, const struct er_prefix *p);
/** The first link subnet that @p p covers (equal or more specific), or NULL. */
const struct er_prefix *er_config_link_subnet_within(const struct er_config *cfg, const struct er_prefix *p);
/** The link subnets of @p p (IPv4 primary, secondary, then IPv6); returns how many (0, 2 or 4). */
size_t er_peering_subnets(const struct er_peering_cfg *p, const struct er_prefix *out[4]);
/** The customer (first usable) and MSEE (second) address of a link subnet. */
void er_link_addrs(const struct er_prefix *subnet, struct er_addr *customer, struct er_addr *msee);

const char *er_conn_model_name(enum er_conn_model m);
const char *er_tier_name(enum er_sku_tier t);
const char *er_family_name(enum er_sku_family f);
const char *er_prov_state_name(enum er_prov_state s);
const char *er_qos_profile_name(enum er_qos_profile p);

#endif
