#include "checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partner.h"
#include "util.h"

#define PRIV ER_PEERING_MASK(ER_PEERING_PRIVATE)
#define MSFT ER_PEERING_MASK(ER_PEERING_MICROSOFT)
#define PUB ER_PEERING_MASK(ER_PEERING_PUBLIC)
#define ALL (PRIV | MSFT | PUB)
#define S_BGP ER_SRC_MASK(ER_SRC_BGP)
#define S_IF ER_SRC_MASK(ER_SRC_INTERFACES)
#define S_NAT ER_SRC_MASK(ER_SRC_NAT)
#define S_QOS ER_SRC_MASK(ER_SRC_QOS)
#define S_CT ER_SRC_MASK(ER_SRC_CONNTRACK)

/* Applicability tests that need no host state. */
static enum er_status
na(const struct er_check_ctx *ctx, const char *why)
{
	er_detail(ctx, "%s", why);
	return ER_NA;
}

static enum er_status
has_ipv6(const struct er_check_ctx *ctx)
{
	return ctx->peering->has_v6 ? 0 : na(ctx, "no IPv6 link subnets configured");
}

static enum er_status
bfd_expected(const struct er_check_ctx *ctx)
{
	return ctx->peering->bfd_expected ? 0 : na(ctx, "BFD not expected (bfd-expected is false)");
}

static enum er_status
has_md5(const struct er_check_ctx *ctx)
{
	return ctx->peering->has_md5 ? 0 : na(ctx, "no MD5 key configured (optional)");
}

static enum er_status
qos_profile(const struct er_check_ctx *ctx)
{
	return ctx->peering->qos != ER_QOS_NONE ? 0 : na(ctx, "QoS profile none");
}

static enum er_status
has_bandwidth(const struct er_check_ctx *ctx)
{
	return ctx->circuit->bandwidth_mbps ? 0 : na(ctx, "no circuit bandwidth recorded");
}

static enum er_status
has_nat_pool(const struct er_check_ctx *ctx)
{
	return ctx->peering->n_nat_pool ? 0 : na(ctx, "no NAT pool configured");
}

static enum er_status
has_partner(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;

	return p->router[0] >= 0 || p->router[1] >= 0 ? 0 : na(ctx, "both links terminate on this router: no partner router");
}

static enum er_status
in_group(const struct er_check_ctx *ctx)
{
	return ctx->circuit->group >= 0 ? 0 : na(ctx, "circuit in no resiliency group");
}

static enum er_status
has_private_in_group(const struct er_check_ctx *ctx)
{
	const struct er_circuit_cfg *c = ctx->circuit;
	size_t i, n = 0;

	if (c->group < 0)
		return na(ctx, "circuit in no resiliency group");
	for (i = 0; i < ctx->cfg->n_circuits; i++)
		n += ctx->cfg->circuits[i].group == c->group;
	if (n < 2) {
		er_detail(ctx, "the only circuit of resiliency group %s", ctx->cfg->groups[c->group].name);
		return ER_NA;
	}
	if (!er_circuit_peering(c, ER_PEERING_PRIVATE) || !er_circuit_peering(c, ER_PEERING_PRIVATE)->enabled)
		return na(ctx, "no Azure private peering on this circuit");
	return 0;
}

static enum er_status
has_internet_nbrs(const struct er_check_ctx *ctx)
{
	return ctx->cfg->n_internet_nbrs ? 0 : na(ctx, "no Internet BGP neighbours recorded (edge/internet-bgp-neighbor)");
}

static enum er_status
is_direct(const struct er_check_ctx *ctx)
{
	return ctx->circuit->model == ER_MODEL_DIRECT ? 0
	    : na(ctx, "not an ExpressRoute Direct circuit (connectivity-model): the provider tags the VLANs");
}

/* RF17: only circuits configured on or after 2017-08-01 need a route filter. */
static enum er_status
needs_route_filter(const struct er_check_ctx *ctx)
{
	if (ctx->circuit->created[0] && strcmp(ctx->circuit->created, "2017-08-01") < 0) {
		er_detail(ctx, "circuit created %s, before route filters were required (2017-08-01)", ctx->circuit->created);
		return ER_NA;
	}
	return 0;
}

/* Sorted by code; codes are stable identifiers (MIB index, scripts). */
static const struct er_check_def catalogue[] = {
	{ "link-redundant-pair", 10, ER_AREA_LINK, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, 0, true,
	    "1: a redundant pair of BGP sessions per peering (P16, C16, P25)", er_chk_redundant_pair, NULL, 2016 },
	{ "link-separate-routers", 11, ER_AREA_RESILIENCY, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, 0, true,
	    "1: primary and secondary on two routers: 'If you terminate both the primary and secondary connections ... on the same CPE, you're compromising the high availability' (designing-for-high-availability-with-expressroute, 06/28/2019)",
	    er_chk_separate_routers, NULL, 2019 },
	{ "partner-agent-reachable", 13, ER_AREA_RESILIENCY, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, 0, true,
	    "1: the partner router's erreadyd answers, so the link it terminates is checked (design-architecture-for-resiliency, 07/16/2024)",
	    er_chk_partner_reachable, has_partner, 2024 },
	{ "bgp-both-established", 20, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "2: both BGP sessions Established for the availability SLA (R16-R26)", er_chk_established, NULL, 2016 },
	{ "link-ipv4-addressing", 30, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_IF, true,
	    "3: IPv4 /30 per link, customer first address, MSEE second (R16-R26)", er_chk_ipv4_addressing, NULL, 2016 },
	{ "link-msee-arp-nd", 31, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_IF, true,
	    "3: the MSEE answers ARP/ND on the link, the first step of Microsoft's troubleshooting (T17, 1/5/2017); "
	    "without a mapping \"Ensure the first IP address of the /30 subnet ... Azure always uses the second IP "
	    "address for MSEEs\" and \"Verify if the customer (C-Tag) and service (S-Tag) VLAN tags match\" "
	    "(expressroute-troubleshooting-arp-resource-manager, 09/08/2026)",
	    er_chk_msee_neighbor, NULL, 2017 },
	{ "link-ipv6-addressing", 40, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, 0, true,
	    "4: IPv6 /126 per link, customer first address, MSEE second (R19, R23, HC24)", er_chk_ipv6_addressing, has_ipv6, 2019 },
	{ "link-subnet-unique", 50, ER_AREA_LINK, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, S_IF, true,
	    "5: link subnets unique per peering and circuit (R16)", er_chk_subnet_unique, NULL, 2016 },
	{ "link-vnet-overlap", 60, ER_AREA_LINK, ER_SEV_MAJOR, ER_SCOPE_PEERING, PRIV, 0, true,
	    "6: private peering subnets must not overlap Azure VNets or routes from Azure, default route aside (routing 03/12/2026: \"can't overlap with address ranges used for virtual networks in Azure\")",
	    er_chk_vnet_overlap, NULL, 2016 },
	{ "link-public-addresses", 70, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PEERING, MSFT | PUB, 0, true,
	    "7: public, owned link addresses on Microsoft and public peering (R16, C16, PC19)", er_chk_public_link, NULL, 2016 },
	{ "link-vlan-unique", 80, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PEERING, ALL, 0, true,
	    "8: VLAN ID unique per peering within the circuit (HP19, HC24)", er_chk_vlan_unique, NULL, 2019 },
	{ "link-vlan-match", 81, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_IF, true,
	    "8: same VLAN ID on primary and secondary links (HP19, HC24, F16)", er_chk_vlan_match, NULL, 2016 },
	{ "link-direct-tagging", 90, ER_AREA_LINK, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_IF, true,
	    "9: ExpressRoute Direct: 802.1Q (Dot1Q) or two 802.1Q tags (QinQ), never 802.1ad; a Dot1Q C-Tag unique on "
	    "the port pair (expressroute-erdirect-about, 03/28/2024: \"Ethertype = 0x8100\", \"unique across all circuits "
	    "and peerings on the ExpressRoute Direct port pair\")", er_chk_direct_tagging, is_direct, 2018 },
	{ "link-ip-mtu", 100, ER_AREA_LINK, ER_SEV_MAJOR, ER_SCOPE_PATH, ALL, S_IF, true,
	    "10: IP MTU 1500 on the peering links: ExpressRoute Direct MSEE interfaces \"IP MTU 1500 bytes\" "
	    "(DIR24, 03/28/2024), fail on Direct; for provider circuits Microsoft states only \"ExpressRoute supports "
	    "the MTU of 1,400 bytes\" end to end (FAQ, 03/31/2026), so another MTU warns", er_chk_ip_mtu, NULL, 2024 },
	{ "link-no-vrrp-hsrp", 120, ER_AREA_LINK, ER_SEV_MAJOR, ER_SCOPE_PATH, ALL, S_IF, true,
	    "12: no VRRP/HSRP virtual MAC or multicast group on the peering links or a macvlan on them: \"Microsoft "
	    "does not support any "
	    "router redundancy protocols (e.g., HSRP, VRRP) ... We rely on a redundant pair of BGP sessions\" "
	    "(R16, 08/10/2016)", er_chk_no_vrrp, NULL, 2016 },
	{ "bgp-peer-as", 130, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "13: Microsoft peers from AS 12076 (R16-R26)", er_chk_peer_as, NULL, 2016 },
	{ "bgp-customer-asn", 140, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "14: customer ASN not 65515-65520 and as configured (R16, HP19)", er_chk_customer_asn, NULL, 2016 },
	{ "bgp-as-path-documentation", 141, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, S_BGP, true,
	    "14: no AS 64496-64511 in advertised AS paths: refused on Microsoft peering, a warning elsewhere (routing 03/12/2026: \"aren't allowed in the path\")", er_chk_doc_asn_path, NULL, 2023 },
	{ "bgp-private-asn-microsoft", 142, ER_AREA_BGP, ER_SEV_MINOR, ER_SCOPE_PEERING, MSFT, 0, true,
	    "14: private ASN on Microsoft peering needs manual validation and is stripped (R19)", er_chk_private_asn_msft, NULL, 2019 },
	{ "bgp-md5", 150, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "15: optional MD5 key, the same on both sides: a down session while the kernel refuses MD5 segments is a key "
	    "mismatch (R16 2016: \"If required, an MD5 hash can be configured\"; T17 1/5/2017: key \"same on MSEE and "
	    "PE-MSEE pair\"; HP19)", er_chk_md5, has_md5, 2016 },
	{ "bgp-timers", 160, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "16: keepalive >= 3 s and hold time >= 10 s (F16, F22, BFD20)", er_chk_timers, NULL, 2016 },
	{ "bgp-bfd", 170, ER_AREA_BGP, ER_SEV_MINOR, ER_SCOPE_PATH, PRIV | MSFT, S_BGP, true,
	    "17: BFD up to both MSEEs, expected unless bfd-expected is false; missing warns (expressroute-bfd 06/30/2023: \"configured by default under all the newly created ExpressRoute private and Microsoft peering interfaces\")",
	    er_chk_bfd, bfd_expected, 2018 },
	{ "bgp-prefix-limit-ipv4", 180, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, ALL, S_BGP, true,
	    "18: IPv4 prefixes advertised within 4000/10000 (private) or 200 (Microsoft, public) (R16, R23)", er_chk_prefix_limit_v4, NULL, 2016 },
	{ "bgp-prefix-limit-ipv6", 181, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, PRIV | MSFT, S_BGP, true,
	    "18: IPv6 prefixes advertised within 100 (private) or 200 (Microsoft) (R23, PC19)", er_chk_prefix_limit_v6, has_ipv6, 2023 },
	{ "bgp-no-default-or-private", 190, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, MSFT | PUB, S_BGP, true,
	    "19: no default route or RFC 1918 prefix on Microsoft and public peering (R16)", er_chk_no_default_private, NULL, 2016 },
	{ "bgp-declared-prefixes", 200, ER_AREA_BGP, ER_SEV_CRITICAL, ER_SCOPE_PATH, MSFT, S_BGP, true,
	    "20: only the declared public prefixes on Microsoft peering (HP19, R19, F22)", er_chk_declared_prefixes, NULL, 2016 },
	{ "bgp-identical-advertisements", 210, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PEERING, ALL, S_BGP, true,
	    "21: identical routes advertised on primary and secondary (R16)", er_chk_identical_adv, NULL, 2016 },
	{ "bgp-no-internet-overlap", 220, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT | PUB, S_BGP, true,
	    "22: no Internet route equal to or more specific than a prefix or NAT pool sent to Microsoft; none over the pool before 2018-12-13 (routing 03/12/2026: \"advertise a more specific range over ExpressRoute\")", er_chk_internet_overlap, has_internet_nbrs, 2016 },
	{ "bgp-link-subnets-not-advertised", 230, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PATH, MSFT | PUB, S_BGP, true,
	    "23: peering link subnets not advertised to Microsoft (N16)", er_chk_link_not_advertised, NULL, 2016 },
	{ "bgp-route-filter", 240, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PATH, MSFT, S_BGP, true,
	    "24: a route filter attached: prefixes received on Microsoft peering (RF17)", er_chk_route_filter, needs_route_filter, 2017 },
	{ "bgp-communities-microsoft", 250, ER_AREA_BGP, ER_SEV_INFO, ER_SCOPE_PEERING, MSFT | PUB, S_BGP, true,
	    "25: the AS 12076 region and service communities of the routes received from Microsoft (R16, 08/10/2016: "
	    "\"Microsoft will tag prefixes advertised through public peering and Microsoft peering with appropriate BGP "
	    "community values indicating the region the prefixes are hosted in\")", er_chk_msft_communities, NULL, 2016 },
	{ "bgp-prefer-expressroute", 260, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT | PUB, S_BGP, true,
	    "26: prefixes from AS 12076 preferred by local-pref over the same prefixes from the Internet (F22, "
	    "03/24/2022: \"You must implement the Local Preference attribute ... always preferred on your ExpressRoute "
	    "circuit(s)\")", er_chk_prefer_expressroute, has_internet_nbrs, 2022 },
	{ "bgp-default-route-private", 270, ER_AREA_BGP, ER_SEV_MINOR, ER_SCOPE_PEERING, PRIV, S_BGP, true,
	    "27: default route on private peering reported (routing 03/12/2026: it blocks the Internet path from Azure and \"breaks Windows and other VM license activation\")",
	    er_chk_default_route_private, NULL, 2016 },
	{ "nat-snat-public", 280, ER_AREA_NAT, ER_SEV_CRITICAL, ER_SCOPE_PEERING, MSFT | PUB, S_NAT, false,
	    "28: public IPv4 sources toward Microsoft: SNAT to public addresses, or LAN sources within the advertised-public-prefix (routing 03/12/2026: \"must use valid public IPv4 addresses before it enters the Microsoft network\")", er_chk_snat, NULL, 2016 },
	{ "nat-pool-not-link", 300, ER_AREA_NAT, ER_SEV_MINOR, ER_SCOPE_PEERING, MSFT | PUB, 0, false,
	    "30: NAT pool not taken from the link subnets (HC24)", er_chk_pool_not_link, has_nat_pool, 2024 },
	{ "nat-separate-edge", 320, ER_AREA_NAT, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT, S_NAT, false,
	    "32: Microsoft NAT pool not used for Internet traffic (W23)", er_chk_separate_edge, has_nat_pool, 2023 },
	{ "route-microsoft-via-peering", 321, ER_AREA_BGP, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT | PUB, S_BGP | S_IF, true,
	    "32: the host's route toward prefixes received from Microsoft leaves through the peering (W23, 06/30/2023: "
	    "\"use a separate proxy/edge to connect to Microsoft than the one you use for the Internet\")",
	    er_chk_msft_route_via_peering, NULL, 2023 },
	{ "nat-conntrack-usage", 330, ER_AREA_NAT, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT | PUB, S_CT, false,
	    "33: connection tracking (NAT sessions) not near exhaustion (N16)", er_chk_conntrack, NULL, 2016 },
	{ "nat-conntrack-drops", 331, ER_AREA_NAT, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT | PUB, S_CT, false,
	    "33: conntrack insert_failed/drop/early_drop not rising between two polls: \"You must monitor the NAT pool "
	    "and ensure that you are not starved of NAT sessions\" (N16, 07/19/2016)", er_chk_conntrack_drops, NULL, 2016 },
	{ "nat-pool-ports", 332, ER_AREA_NAT, ER_SEV_MINOR, ER_SCOPE_PEERING, MSFT | PUB, S_CT, false,
	    "33: tracked connections within 80% of the NAT pool's source ports (64512 per address and destination; "
	    "the count is host-wide, so a warning only) (N16, 07/19/2016)", er_chk_pool_ports, has_nat_pool, 2016 },
	{ "qos-dscp-values", 350, ER_AREA_QOS, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT, S_QOS, false,
	    "35: only the DSCP values of the QoS profile toward Microsoft (Q16, Q19, Q23)", er_chk_dscp_values, qos_profile, 2016 },
	{ "qos-remark-others", 360, ER_AREA_QOS, ER_SEV_MAJOR, ER_SCOPE_PEERING, MSFT, S_QOS, false,
	    "36: other DSCP values rewritten to 0 toward Microsoft (Q16)", er_chk_dscp_remark, qos_profile, 2016 },
	{ "qos-ef-queue", 370, ER_AREA_QOS, ER_SEV_MAJOR, ER_SCOPE_PATH, MSFT, S_QOS, false,
	    "37: EF (46) in its own priority queue, 46/34/18 not re-marked (Q16, RFC 3246)", er_chk_ef_queue, qos_profile, 2016 },
	{ "qos-scope", 380, ER_AREA_QOS, ER_SEV_INFO, ER_SCOPE_PEERING, PRIV | PUB, S_QOS, false,
	    "38: QoS requirements apply to Microsoft peering only (Q16, Q19, Q23)", er_chk_qos_scope, NULL, 2016 },
	{ "capacity-shaper", 400, ER_AREA_CAPACITY, ER_SEV_MINOR, ER_SCOPE_PATH, ALL, S_QOS, false,
	    "40: egress shaped to at most the circuit bandwidth (F16, F22, DIR24)", er_chk_bandwidth_shaper, has_bandwidth, 2016 },
	{ "bgp-received-limit-ipv4", 410, ER_AREA_BGP, ER_SEV_MINOR, ER_SCOPE_PATH, PRIV, S_BGP, true,
	    "41: IPv4 prefixes received on private peering below \"a maximum of 1000 IPv4 prefixes advertised on a single "
	    "ExpressRoute connection\"; above it \"The connection between the ExpressRoute circuit and the gateway "
	    "disconnects\" (FAQ, 03/24/2022 and 03/31/2026); a warning: the session sums all connections",
	    er_chk_received_limit_v4, NULL, 2022 },
	{ "bgp-received-limit-ipv6", 411, ER_AREA_BGP, ER_SEV_MINOR, ER_SCOPE_PATH, PRIV, S_BGP, true,
	    "41: IPv6 prefixes received on private peering below \"a maximum of 100 IPv6 prefixes on a single "
	    "ExpressRoute connection\" (dual stack; FAQ, 03/24/2022 and 03/31/2026); a warning only",
	    er_chk_received_limit_v6, has_ipv6, 2022 },
	{ "resiliency-tier", 420, ER_AREA_RESILIENCY, ER_SEV_MAJOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "42 (extends the catalogue): intended tier reached; Maximum = 'a pair of circuits across two distinct locations', High = 'a single circuit across two sites' (design-architecture-for-resiliency, 07/16/2024)",
	    er_chk_resiliency_tier, in_group, 2024 },
	{ "resiliency-route-parity", 430, ER_AREA_RESILIENCY, ER_SEV_MINOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "43 (extends the catalogue): 'Verify that identical routes are being advertised over both redundant circuits' (evaluate-circuit-resiliency, 06/24/2024; resiliency-insights, 03/26/2025)",
	    er_chk_route_parity, has_private_in_group, 2024 },
	{ "config-subscription", 901, ER_AREA_CONFIG, ER_SEV_MAJOR, ER_SCOPE_ACCOUNT, 0, 0, false,
	    "section 2: a valid Azure subscription recorded (P16, P25)", er_chk_subscription, NULL, 2016 },
	{ "config-service-key", 902, ER_AREA_CONFIG, ER_SEV_MAJOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2: the circuit's service key (a GUID) recorded (C16, T17)", er_chk_service_key, NULL, 2016 },
	{ "config-provider", 903, ER_AREA_CONFIG, ER_SEV_MINOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2: connectivity provider and connectivity model recorded (P16, L18, CM20)", er_chk_provider, NULL, 2016 },
	{ "config-peering-location", 904, ER_AREA_CONFIG, ER_SEV_MINOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2: peering location recorded (L18, F22)", er_chk_location, NULL, 2016 },
	{ "config-bandwidth", 905, ER_AREA_CONFIG, ER_SEV_MAJOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2 and 40: a valid circuit bandwidth (F16, DIR24)", er_chk_bandwidth, NULL, 2016 },
	{ "config-sku", 906, ER_AREA_CONFIG, ER_SEV_MINOR, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2: SKU tier and family recorded (F22, T17)", er_chk_sku, NULL, 2016 },
	{ "config-provisioned", 907, ER_AREA_CONFIG, ER_SEV_CRITICAL, ER_SCOPE_CIRCUIT, 0, 0, false,
	    "section 2: provider provisioning state Provisioned (W23, T17)", er_chk_provisioned, NULL, 2016 },
	{ "config-m365-microsoft-peering", 908, ER_AREA_CONFIG, ER_SEV_MAJOR, ER_SCOPE_ACCOUNT, 0, 0, false,
	    "section 2: Microsoft 365 over ExpressRoute needs a Microsoft peering (P25, R23, F22)", er_chk_m365_msft_peering, NULL, 2016 },
	{ "config-public-peering-deprecated", 909, ER_AREA_CONFIG, ER_SEV_MINOR, ER_SCOPE_PEERING, PUB, 0, false,
	    "section 2: Azure public peering is deprecated (R19)", er_chk_public_deprecated, NULL, 2019 },
};

const struct er_check_def *
er_checks(size_t *n)
{
	*n = ARRAY_SIZE(catalogue);
	return catalogue;
}

const struct er_check_def *
er_check_by_code(uint32_t code)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(catalogue); i++)
		if (catalogue[i].code == code)
			return &catalogue[i];
	return NULL;
}

const struct er_check_def *
er_check_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(catalogue); i++)
		if (!strcmp(catalogue[i].name, name))
			return &catalogue[i];
	return NULL;
}

void
er_detail(const struct er_check_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->detail, ER_DETAIL_LEN, fmt, ap);
	va_end(ap);
}

void
er_detail_append(const struct er_check_ctx *ctx, const char *fmt, ...)
{
	char buf[ER_DETAIL_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strlcatf(ctx->detail, ER_DETAIL_LEN, "%s", buf);
}

static const char *const source_labels[] = { "BGP", "interface", "NAT", "QoS", "conntrack" };

static enum er_status
source_unknown(const struct er_check_ctx *ctx, enum er_source s)
{
	const struct er_source_status *ss = ctx->obs ? &ctx->obs->src[s] : NULL;

	if (!ss || ss->status == 0) {
		er_detail(ctx, "%s state not collected", source_labels[s]);
		return ER_UNKNOWN;
	}
	er_detail(ctx, "%s state not available: ", source_labels[s]);
	if (ss->status == ER_COLL_DISABLED)
		er_detail_append(ctx, "%s", ss->daemon[0] ? ss->daemon : "source disabled");
	else
		er_detail_append(ctx, "%s%s%s", ss->daemon, ss->daemon[0] ? " " : "",
		    er_collector_status_name(ss->status));
	if (ss->message[0])
		er_detail_append(ctx, ss->status == ER_COLL_DISABLED ? ": %s" : " (%s)", ss->message);
	return ER_UNKNOWN;
}

bool
er_link_session(const struct er_observed *obs, const struct er_peering_cfg *p, int k, int fam,
    const struct er_bgp_neighbor **n)
{
	const struct er_prefix *sn = fam ? (p->has_v6 ? &p->v6[k] : NULL) : (p->has_v4 ? &p->v4[k] : NULL);
	struct er_addr cust, msee;

	*n = NULL;
	if (!sn)
		return false;
	er_link_addrs(sn, &cust, &msee);
	*n = er_observed_neighbor(obs, &msee);
	return true;
}

const struct er_observed *
er_link_obs(const struct er_config *cfg, const struct er_observed *obs, long long now, const struct er_peering_cfg *p,
    enum er_path path, const char **router, char *why, size_t whylen)
{
	const struct er_partner_cfg *pc = er_peering_router(cfg, p, path);
	const struct er_partner_view *pv;

	if (router)
		*router = pc ? pc->name : NULL;
	if (!pc)
		return obs;
	if (!(pv = er_observed_partner(obs, pc->name))) {
		snprintf(why, whylen, "not contacted yet");
		return NULL;
	}
	if (!er_partner_view_fresh(pv, now, cfg->agent.poll_interval, why, whylen))
		return NULL;
	return pv->obs;
}

const struct er_observed *
er_ctx_path_obs(const struct er_check_ctx *ctx, enum er_path path, const char **router, char *why, size_t whylen)
{
	return er_link_obs(ctx->cfg, ctx->obs, ctx->now, ctx->peering, path, router, why, whylen);
}

/*
 * A per-link check of a link on a partner router is the partner's own
 * verdict: it holds that link's whole host state (interface, BGP, NAT,
 * QoS) and evaluated it with the same configuration. Without fresh
 * partner data the check is unknown, never pass or fail.
 */
static enum er_status
partner_result(const struct er_check_def *def, const struct er_check_ctx *ctx)
{
	const struct er_partner_cfg *pc = er_peering_router(ctx->cfg, ctx->peering, ctx->path);
	const struct er_partner_view *pv = er_observed_partner(ctx->obs, pc->name);
	const struct er_partner_result *r;
	char why[320];

	if (!er_ctx_path_obs(ctx, ctx->path, NULL, why, sizeof(why))) {
		er_detail(ctx, "the %s link terminates on partner %s, whose data is not available (%s)",
		    er_path_name(ctx->path), pc->name, why);
		return ER_UNKNOWN;
	}
	if (!(r = er_partner_view_result(pv, ctx->circuit->name, ctx->peering->type, def->code, ctx->path))) {
		er_detail(ctx, "partner %s did not report this check for its %s link", pc->name, er_path_name(ctx->path));
		return ER_UNKNOWN;
	}
	er_detail(ctx, "on %s: %s", pc->name, r->detail);
	return r->status;
}

enum er_status
er_check_run(const struct er_check_def *def, const struct er_check_ctx *ctx)
{
	unsigned s;

	ctx->detail[0] = '\0';
	if (ctx->peering && !(def->peerings & ER_PEERING_MASK(ctx->peering->type))) {
		er_detail(ctx, "does not apply to %s", er_peering_label(ctx->peering->type));
		return ER_NA;
	}
	if (ctx->peering) {
		if (!ctx->peering->enabled) {
			er_detail(ctx, "%s is disabled", er_peering_label(ctx->peering->type));
			return ER_NA;
		}
		if (def->host_bgp && ctx->circuit->layer == ER_LAYER_MANAGED_3) {
			er_detail(ctx, "managed layer 3: the provider runs BGP with the MSEEs");
			return ER_NA;
		}
	}
	/* Applicability depends on the configuration only: the same on both routers. */
	if (def->applies && def->applies(ctx) == ER_NA)
		return ER_NA;
	if (def->scope == ER_SCOPE_PATH && ctx->peering->router[er_path_index(ctx->path)] >= 0)
		return partner_result(def, ctx);
	for (s = 0; s < ER_SRC_COUNT; s++)
		if ((def->needs & ER_SRC_MASK(s)) && !er_observed_ok(ctx->obs, (enum er_source)s))
			return source_unknown(ctx, (enum er_source)s);
	return def->fn(ctx);
}

bool
er_ctx_have(const struct er_check_ctx *ctx, enum er_source s)
{
	if (er_observed_ok(ctx->obs, s))
		return true;
	source_unknown(ctx, s);
	return false;
}

int
er_path_index(enum er_path p)
{
	return p == ER_PATH_SECONDARY ? 1 : 0;
}

bool
er_ctx_link(const struct er_check_ctx *ctx, int family, struct er_prefix *subnet,
    struct er_addr *customer, struct er_addr *msee)
{
	const struct er_peering_cfg *p = ctx->peering;
	int i = er_path_index(ctx->path);
	const struct er_prefix *sn;

	if (family == ER_AF_INET ? !p->has_v4 : !p->has_v6)
		return false;
	sn = family == ER_AF_INET ? &p->v4[i] : &p->v6[i];
	if (subnet)
		*subnet = *sn;
	er_link_addrs(sn, customer, msee);
	return true;
}

const struct er_bgp_neighbor *
er_ctx_session(const struct er_check_ctx *ctx, int family)
{
	struct er_addr cust, msee;
	const struct er_bgp_neighbor *n = NULL;

	char why[320];
	const struct er_observed *obs = er_ctx_path_obs(ctx, ctx->path, NULL, why, sizeof(why));

	if (!obs)
		return NULL;
	if ((family == 0 || family == ER_AF_INET) && er_ctx_link(ctx, ER_AF_INET, NULL, &cust, &msee))
		n = er_observed_neighbor(obs, &msee);
	if (!n && (family == 0 || family == ER_AF_INET6) && er_ctx_link(ctx, ER_AF_INET6, NULL, &cust, &msee))
		n = er_observed_neighbor(obs, &msee);
	return n;
}

bool
er_cfg_is_link_subnet(const struct er_config *cfg, const struct er_prefix *p)
{
	return er_config_link_subnet_covering(cfg, p) != NULL;
}

uint64_t
er_qos_allowed(enum er_qos_profile prof)
{
	/* Q19/Q23: EF 46, AF41 34, AF21 18, AF11 10, CS0; Q16 adds CS3 24. */
	uint64_t set = (1ull << 46) | (1ull << 34) | (1ull << 18) | (1ull << 10) | 1ull;

	if (prof == ER_QOS_LEGACY_2016)
		set |= 1ull << 24;
	return set;
}
