/*
 * Observed host state, as the collectors (or a JSON snapshot file) report
 * it: flat lists of what the host has. Evaluation matches them to the
 * configured peerings. Built once per collection, then read-only.
 */
#ifndef ER_OBSERVED_H
#define ER_OBSERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"

#define ER_OBS_IFNAMSIZ 16

struct er_partner_view;

struct er_source_status {
	enum er_collector_status status; /* 0 = never collected */
	char daemon[16];
	char message[256];
	uint32_t duration_ms;
};

/* One advertised or received route; its AS path lives in the neighbour's path pool. */
struct er_route {
	struct er_prefix pfx;
	uint32_t path_off;
	uint16_t path_len;
};

enum { ER_AFI_V4 = 0, ER_AFI_V6 = 1, ER_AFI_COUNT };

struct er_bgp_neighbor {
	struct er_addr addr;
	struct er_addr local; /* family 0 when unknown */
	char ifname[ER_OBS_IFNAMSIZ];
	uint32_t remote_as, local_as;
	enum er_bgp_state state;
	uint32_t uptime;
	uint16_t hold_time, keepalive; /* negotiated; 0 when unknown */
	uint32_t pfx_rcvd[ER_AFI_COUNT], pfx_adv[ER_AFI_COUNT];
	char last_error[128];
	uint32_t md5_failures;
	/* Route lists, sorted by prefix; have_* false when not collected. */
	bool have_adv, have_rcv;
	struct er_route *adv;
	size_t n_adv;
	struct er_route *rcv;
	size_t n_rcv;
	uint32_t *paths; /* AS path pool for adv and rcv */
	size_t n_paths;
};

/*
 * The kernel's TCP-MD5 counters (TcpExt of /proc/net/netstat in the
 * namespace erreadyd runs in). They count segments dropped for their MD5
 * option on every socket of the host, not per session: check 150 says how
 * it attributes them.
 */
struct er_tcp_md5 {
	bool have;
	uint64_t failure;    /* TCPMD5Failure: signed with another key */
	uint64_t not_found;  /* TCPMD5NotFound: unsigned, a key was expected */
	uint64_t unexpected; /* TCPMD5Unexpected: signed, no key on this socket */
	bool have_rise;      /* two readings compared: the previous poll's, or a short watch */
	uint64_t rise;       /* the three together, from the earlier reading to this one */
	uint32_t watched_ms; /* time between the two readings */
	long long last_rise_at; /* unix time of the latest reading that saw them rise; 0 = never */
};

struct er_bfd_peer {
	struct er_addr peer;
	char ifname[ER_OBS_IFNAMSIZ];
	enum er_bfd_state state;
};

enum er_oper { ER_OPER_UNKNOWN = 0, ER_OPER_UP, ER_OPER_DOWN, ER_OPER_LOWER_DOWN };

struct er_interface {
	char name[ER_OBS_IFNAMSIZ];
	enum er_oper oper;
	uint32_t mtu;
	char kind[16];
	uint16_t vlan_id;    /* 0 = not a VLAN */
	uint16_t vlan_proto; /* 0x8100 or 0x88a8 */
	uint8_t mac[6];      /* link-layer address (IFLA_ADDRESS), when mac_len is 6 */
	uint8_t mac_len;     /* 0 = not reported or not Ethernet-like */
	char link[ER_OBS_IFNAMSIZ];   /* the interface this one sits on (IFLA_LINK), "" if none here */
	char master[ER_OBS_IFNAMSIZ]; /* bond or bridge it is enslaved to (IFLA_MASTER); "" = none */
	uint8_t rr_groups;   /* ER_RRG_* router-redundancy multicast groups joined (procfs) */
	struct er_prefix *addrs; /* interface addresses, host bits kept */
	size_t n_addrs;
};

/* Multicast groups of router redundancy protocols (er_interface.rr_groups). */
enum {
	ER_RRG_VRRP4 = 1 << 0, /* 224.0.0.18 */
	ER_RRG_VRRP6 = 1 << 1, /* ff02::12 */
	ER_RRG_HSRP2 = 1 << 2, /* 224.0.0.102 (HSRP version 2, also GLBP) */
	ER_RRG_HSRP6 = 1 << 3, /* ff02::66 */
	ER_RRG_COUNT = 4
};
/** The group address of ER_RRG_ bit number @p i ("224.0.0.18") and its protocol ("VRRP"). */
const char *er_rr_group_addr(int i);
const char *er_rr_group_proto(int i);

enum er_neigh_state {
	ER_NEIGH_OTHER = 0,
	ER_NEIGH_REACHABLE,
	ER_NEIGH_STALE, /* also delay and probe: being confirmed */
	ER_NEIGH_FAILED,
	ER_NEIGH_INCOMPLETE,
	ER_NEIGH_PERMANENT, /* static: never confirmed, never fails */
};

struct er_neighbor_entry {
	struct er_addr addr;
	char ifname[ER_OBS_IFNAMSIZ];
	enum er_neigh_state state;
};

enum er_nat_action { ER_NAT_SNAT = 1, ER_NAT_MASQUERADE };

struct er_nat_rule {
	char family[8];
	char hook[16];
	char oif[ER_OBS_IFNAMSIZ]; /* "" = any output interface */
	enum er_nat_action action;
	struct er_prefix *xlat;
	size_t n_xlat;
	uint64_t packets;
};

enum er_direction { ER_DIR_EGRESS = 0, ER_DIR_INGRESS };
enum er_dscp_match { ER_DSCP_ANY = 0, ER_DSCP_IN, ER_DSCP_NOT_IN, ER_DSCP_OTHER };

struct er_dscp_rule {
	char ifname[ER_OBS_IFNAMSIZ]; /* "" = every interface */
	enum er_direction dir;
	uint8_t set_dscp;
	enum er_dscp_match match;
	uint64_t match_set; /* bit n = DSCP n */
	uint64_t packets;
};

struct er_queue {
	char ifname[ER_OBS_IFNAMSIZ];
	char qdisc[16];
	bool classful;
	bool ef_priority;
	uint64_t rate_bps; /* 0 = not shaped */
};

/*
 * Rule 32: the route the host would use toward a prefix received from
 * Microsoft, as the kernel answers RTM_GETROUTE for its first address.
 */
enum er_route_type {
	ER_RT_NONE = 0, /* no route: the kernel answered "network unreachable" */
	ER_RT_UNICAST,
	ER_RT_BLACKHOLE,
	ER_RT_UNREACHABLE,
	ER_RT_PROHIBIT,
	ER_RT_LOCAL,
	ER_RT_OTHER,
};

struct er_route_lookup {
	struct er_prefix pfx;      /* the received prefix */
	enum er_route_type type;
	char oif[ER_OBS_IFNAMSIZ]; /* output interface, "" without one */
	struct er_addr gateway;    /* family 0: directly connected or none */
};

/*
 * Rules 25 and 26: every path the BGP daemon holds for one prefix received
 * from Microsoft, whichever neighbour sent it (an MSEE, an Internet transit).
 */
#define ER_PATH_COMMUNITIES 8
struct er_bgp_path {
	struct er_addr peer;
	bool best;
	bool has_local_pref; /* false: no LOCAL_PREF attribute (FRR, eBGP): the daemon's default */
	uint32_t local_pref;
	uint16_t as_path_len;
	uint8_t n_comm;                     /* standard communities; the first ER_PATH_COMMUNITIES kept */
	uint32_t comm[ER_PATH_COMMUNITIES]; /* ASN << 16 | value */
};

struct er_prefix_paths {
	struct er_prefix pfx;
	struct er_bgp_path *paths;
	size_t n_paths;
};

/* One prefix in a sorted index: an interface address, or an SNAT target. */
struct er_addr_ref {
	struct er_prefix net;            /* the network (host bits cleared) */
	const struct er_interface *ifp;  /* interface index: owner */
	const struct er_nat_rule *rule;  /* SNAT index: owner */
	const struct er_prefix *ifa;     /* the prefix as observed, host bits kept */
};

struct er_prefix_index {
	struct er_addr_ref *v; /* sorted by net */
	size_t n;
};

struct er_observed {
	int refs;
	long long collected_at; /* unix time */
	struct er_source_status src[ER_SRC_COUNT];

	struct er_bgp_neighbor *nbrs; /* sorted by address */
	size_t n_nbrs;
	struct er_bfd_peer *bfd;
	size_t n_bfd;
	struct er_tcp_md5 tcp_md5;

	struct er_interface *ifs; /* sorted by name */
	size_t n_ifs;
	struct er_prefix_index addr_idx; /* every interface address; built by er_observed_finalize() */
	struct er_neighbor_entry *neigh;
	size_t n_neigh;

	struct er_nat_rule *nat;
	size_t n_nat;
	uint32_t conntrack_count, conntrack_max;
	/* Sums over CPUs of /proc/net/stat/nf_conntrack; have_ct_stats false when not read. */
	bool have_ct_stats;
	uint64_t ct_insert_failed, ct_drop, ct_early_drop;
	struct er_prefix_index snat_idx; /* every SNAT target prefix */

	struct er_route_lookup *lookups; /* sorted by prefix; only prefixes received from Microsoft */
	size_t n_lookups;
	struct er_prefix_paths *pfx_paths; /* sorted by prefix; the same prefixes */
	size_t n_pfx_paths;

	struct er_dscp_rule *dscp;
	size_t n_dscp;
	struct er_queue *queues;
	size_t n_queues;

	/*
	 * What partner routers reported (agent/partner), one per partner;
	 * references held. Attached and released by src/partner.c
	 * (er_observed_add_partner): the observation does not know their type.
	 */
	struct er_partner_view **partners;
	size_t n_partners;
	void (*release_partners)(struct er_observed *obs);
};

struct er_observed *er_observed_new(void);
void er_observed_free(struct er_observed *obs);
struct er_observed *er_observed_ref(struct er_observed *obs);
void er_observed_unref(struct er_observed *obs);

/** Sort lists so lookups are binary searches; call once after filling. */
void er_observed_finalize(struct er_observed *obs);

bool er_observed_ok(const struct er_observed *obs, enum er_source s);
const struct er_bgp_neighbor *er_observed_neighbor(const struct er_observed *obs, const struct er_addr *a);
const struct er_interface *er_observed_interface(const struct er_observed *obs, const char *name);
/**
 * The neighbour (ARP/ND) entry for @p a on @p ifname, else on any
 * interface (@p ifname NULL: any); NULL if none. O(log n).
 */
const struct er_neighbor_entry *er_observed_neigh(const struct er_observed *obs, const struct er_addr *a,
    const char *ifname);
const struct er_bfd_peer *er_observed_bfd(const struct er_observed *obs, const struct er_addr *a);
/**
 * The first entry of @p idx overlapping @p p for which @p skip (may be
 * NULL) returns false. O(log n) per prefix length of @p p.
 */
const struct er_addr_ref *er_prefix_index_overlapping(const struct er_prefix_index *idx, const struct er_prefix *p,
    bool (*skip)(const struct er_addr_ref *r, const void *arg), const void *arg);
/** The interface holding address @p a, and that address with its length. */
const struct er_interface *er_observed_interface_with(const struct er_observed *obs, const struct er_addr *a,
    const struct er_prefix **ifa);
/** The route lookup done for received prefix @p p, or NULL. */
const struct er_route_lookup *er_observed_lookup(const struct er_observed *obs, const struct er_prefix *p);
/** Every path the BGP daemon holds for received prefix @p p, or NULL when not collected. */
const struct er_prefix_paths *er_observed_prefix_paths(const struct er_observed *obs, const struct er_prefix *p);
/** "none", "unicast", "blackhole", ...; er_route_type_parse returns -1 for an unknown name. */
const char *er_route_type_name(enum er_route_type t);
int er_route_type_parse(const char *s, enum er_route_type *out);
const struct er_queue *er_observed_queue(const struct er_observed *obs, const char *ifname);
/** The BGP neighbour's AS path of @p r. */
const uint32_t *er_route_path(const struct er_bgp_neighbor *n, const struct er_route *r);
/** Routes of family @p afi in @p n's advertised list (counted from the list, or the counter if none). */
uint32_t er_neighbor_adv_count(const struct er_bgp_neighbor *n, int afi);

void er_observed_set_status(struct er_observed *obs, enum er_source s, enum er_collector_status st,
    const char *daemon, uint32_t duration_ms, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/**
 * Load observed state from a JSON snapshot (the format is described in
 * README "Observed-state snapshots"). On error returns NULL with
 * "<file>: <json path>: <reason>" in @p err.
 */
struct er_observed *er_observed_load_json(const char *path, char *err, size_t errlen);
struct er_observed *er_observed_parse_json(const char *text, const char *origin, char *err, size_t errlen);

#endif
