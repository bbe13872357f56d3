/*
 * Enumerations shared by the config, the observed state, the checks and
 * both views. Numeric values are those of the YANG enums and the MIB
 * textual conventions: change all three together.
 */
#ifndef ER_MODEL_H
#define ER_MODEL_H

enum er_peering_type {
	ER_PEERING_NONE = 0,
	ER_PEERING_PRIVATE = 1,
	ER_PEERING_MICROSOFT = 2,
	ER_PEERING_PUBLIC = 3,
};
#define ER_PEERING_MASK(t) (1u << (t))
#define ER_PEERINGS_ALL (ER_PEERING_MASK(ER_PEERING_PRIVATE) | ER_PEERING_MASK(ER_PEERING_MICROSOFT) | ER_PEERING_MASK(ER_PEERING_PUBLIC))
#define ER_PEERINGS_MSFT_PUB (ER_PEERING_MASK(ER_PEERING_MICROSOFT) | ER_PEERING_MASK(ER_PEERING_PUBLIC))

enum er_path { ER_PATH_NONE = 0, ER_PATH_PRIMARY = 1, ER_PATH_SECONDARY = 2 };

enum er_readiness { ER_READY = 1, ER_DEGRADED = 2, ER_NOT_READY = 3, ER_UNKNOWN_READINESS = 4 };

enum er_status { ER_PASS = 1, ER_WARN = 2, ER_FAIL = 3, ER_UNKNOWN = 4, ER_NA = 5 };

enum er_severity { ER_SEV_CRITICAL = 1, ER_SEV_MAJOR = 2, ER_SEV_MINOR = 3, ER_SEV_INFO = 4 };

enum er_area {
	ER_AREA_CONFIG = 1,
	ER_AREA_LINK = 2,
	ER_AREA_BGP = 3,
	ER_AREA_NAT = 4,
	ER_AREA_QOS = 5,
	ER_AREA_CAPACITY = 6,
	ER_AREA_RESILIENCY = 7,
};

enum er_bgp_state {
	ER_BGP_UNKNOWN = 0,
	ER_BGP_IDLE = 1,
	ER_BGP_CONNECT = 2,
	ER_BGP_ACTIVE = 3,
	ER_BGP_OPENSENT = 4,
	ER_BGP_OPENCONFIRM = 5,
	ER_BGP_ESTABLISHED = 6,
};

enum er_bfd_state { ER_BFD_ADMIN_DOWN = 1, ER_BFD_DOWN = 2, ER_BFD_INIT = 3, ER_BFD_UP = 4, ER_BFD_NONE = 5 };

enum er_source {
	ER_SRC_BGP = 0,
	ER_SRC_INTERFACES,
	ER_SRC_NAT,
	ER_SRC_QOS,
	ER_SRC_CONNTRACK,
	ER_SRC_COUNT
};
#define ER_SRC_MASK(s) (1u << (s))

enum er_collector_status { ER_COLL_OK = 1, ER_COLL_ERROR = 2, ER_COLL_TIMEOUT = 3, ER_COLL_DISABLED = 4 };

const char *er_peering_name(enum er_peering_type t);       /* "azure-private" ... */
const char *er_peering_label(enum er_peering_type t);      /* "Azure private peering" ... */
const char *er_path_name(enum er_path p);                  /* "primary" / "secondary" */
const char *er_readiness_name(enum er_readiness r);        /* "ready" ... */
const char *er_status_name(enum er_status s);              /* "pass" ... */
const char *er_severity_name(enum er_severity s);
const char *er_area_name(enum er_area a);
const char *er_bgp_state_name(enum er_bgp_state s);        /* "established" ... */
const char *er_bgp_state_label(enum er_bgp_state s);       /* "Established" ... */
const char *er_bfd_state_name(enum er_bfd_state s);
const char *er_source_name(enum er_source s);              /* "bgp" ... */
const char *er_collector_status_name(enum er_collector_status s);

/* Reverse lookups for parsers; return 0 (or -1 for er_source) when unknown. */
enum er_peering_type er_peering_from_name(const char *s);
enum er_bgp_state er_bgp_state_from_name(const char *s);   /* case-insensitive */
enum er_bfd_state er_bfd_state_from_name(const char *s);
int er_source_from_name(const char *s);
enum er_collector_status er_collector_status_from_name(const char *s);

#endif
