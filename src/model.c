#include "model.h"

#include <strings.h>
#include <string.h>

#include "util.h"

#define NAME_OF(tbl, v) ((unsigned)(v) < ARRAY_SIZE(tbl) && (tbl)[v] ? (tbl)[v] : "unknown")

static const char *const peering_names[] = { "none", "azure-private", "microsoft", "azure-public" };
static const char *const peering_labels[] = { "account", "Azure private peering", "Microsoft peering",
	"Azure public peering" };
static const char *const path_names[] = { "none", "primary", "secondary" };
static const char *const readiness_names[] = { NULL, "ready", "degraded", "not-ready", "unknown" };
static const char *const status_names[] = { NULL, "pass", "warn", "fail", "unknown", "not-applicable" };
static const char *const severity_names[] = { NULL, "critical", "major", "minor", "info" };
static const char *const area_names[] = { NULL, "config", "link", "bgp", "nat", "qos", "capacity", "resiliency" };
static const char *const bgp_names[] = { "unknown", "idle", "connect", "active", "opensent",
	"openconfirm", "established" };
static const char *const bgp_labels[] = { "Unknown", "Idle", "Connect", "Active", "OpenSent",
	"OpenConfirm", "Established" };
static const char *const bfd_names[] = { NULL, "admin-down", "down", "init", "up", "none" };
static const char *const source_names[] = { "bgp", "interfaces", "nat", "qos", "conntrack" };
static const char *const coll_names[] = { NULL, "ok", "error", "timeout", "disabled" };

const char *er_peering_name(enum er_peering_type t) { return NAME_OF(peering_names, t); }
const char *er_peering_label(enum er_peering_type t) { return NAME_OF(peering_labels, t); }
const char *er_path_name(enum er_path p) { return NAME_OF(path_names, p); }
const char *er_readiness_name(enum er_readiness r) { return NAME_OF(readiness_names, r); }
const char *er_status_name(enum er_status s) { return NAME_OF(status_names, s); }
const char *er_severity_name(enum er_severity s) { return NAME_OF(severity_names, s); }
const char *er_area_name(enum er_area a) { return NAME_OF(area_names, a); }
const char *er_bgp_state_name(enum er_bgp_state s) { return NAME_OF(bgp_names, s); }
const char *er_bgp_state_label(enum er_bgp_state s) { return NAME_OF(bgp_labels, s); }
const char *er_bfd_state_name(enum er_bfd_state s) { return NAME_OF(bfd_names, s); }
const char *er_source_name(enum er_source s) { return NAME_OF(source_names, s); }
const char *er_collector_status_name(enum er_collector_status s) { return NAME_OF(coll_names, s); }

static int
lookup(const char *const *tbl, size_t n, const char *s, int nocase)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (tbl[i] && (nocase ? !strcasecmp(tbl[i], s) : !strcmp(tbl[i], s)))
			return (int)i;
	return -1;
}

enum er_peering_type
er_peering_from_name(const char *s)
{
	int i = lookup(peering_names, ARRAY_SIZE(peering_names), s, 0);

	return i < 0 ? ER_PEERING_NONE : (enum er_peering_type)i;
}

enum er_bgp_state
er_bgp_state_from_name(const char *s)
{
	int i = lookup(bgp_names, ARRAY_SIZE(bgp_names), s, 1);

	return i < 0 ? ER_BGP_UNKNOWN : (enum er_bgp_state)i;
}

enum er_bfd_state
er_bfd_state_from_name(const char *s)
{
	int i = lookup(bfd_names, ARRAY_SIZE(bfd_names), s, 1);

	return i < 0 ? 0 : (enum er_bfd_state)i;
}

int
er_source_from_name(const char *s)
{
	return lookup(source_names, ARRAY_SIZE(source_names), s, 0);
}

enum er_collector_status
er_collector_status_from_name(const char *s)
{
	int i = lookup(coll_names, ARRAY_SIZE(coll_names), s, 0);

	return i < 0 ? 0 : (enum er_collector_status)i;
}
