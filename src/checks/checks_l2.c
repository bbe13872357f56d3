/*
 * The link as layer 2 sees it: the MSEE answering ARP/ND (Microsoft's
 * "ARP availability", rule 3 variant 1), IP MTU (rule 10) and no router
 * redundancy protocol (rule 12).
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define P(x) er_prefix_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)
#define A(x) er_addr_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

/* Status order for combining two results: fail > warn > pass. */
static int
rank(enum er_status s)
{
	return s == ER_FAIL ? 3 : s == ER_WARN ? 2 : s == ER_PASS ? 1 : 0;
}

/*
 * One family's MSEE address in the neighbour table. The detail of a
 * failing family goes to @p bad, of a passing one to @p good.
 */
static enum er_status
msee_neigh(const struct er_check_ctx *ctx, int fam, const char *ifname, char *good, char *bad, size_t len)
{
	const char *proto = fam == ER_AF_INET ? "ARP" : "neighbour discovery";
	static const char *const names[] = { "none", "reachable", "stale", "failed", "incomplete", "permanent" };
	const struct er_neighbor_entry *ne;
	const struct er_bgp_neighbor *n;
	struct er_prefix subnet;
	struct er_addr cust, msee;

	er_ctx_link(ctx, fam, &subnet, &cust, &msee);
	ne = er_observed_neigh(ctx->obs, &msee, ifname);
	if (ne && (ne->state == ER_NEIGH_FAILED || ne->state == ER_NEIGH_INCOMPLETE)) {
		/* T17: an empty ARP table means the first-address rule or the tags are wrong. */
		snprintf(bad, len, "MSEE %s does not answer %s on %s (%s): check that this router has %s, the first "
		    "address of %s, and that the VLAN (C-Tag) and any S-Tag match the circuit",
		    A(&msee), proto, ne->ifname, names[ne->state], A(&cust), P(&subnet));
		return ER_FAIL;
	}
	if (ne && ne->state != ER_NEIGH_OTHER) {
		/* Reachable and stale alternate as the entry ages: not worth a changing detail. */
		snprintf(good, len, "MSEE %s answers %s on %s%s", A(&msee), proto, ne->ifname,
		    ne->state == ER_NEIGH_PERMANENT ? " (permanent: a static entry, not verified)" : "");
		return ER_PASS;
	}
	n = er_observed_ok(ctx->obs, ER_SRC_BGP) ? er_observed_neighbor(ctx->obs, &msee) : NULL;
	if (n && n->state == ER_BGP_ESTABLISHED) {
		/* Entries expire; an Established session proves layer 2 works. */
		snprintf(good, len, "MSEE %s: no %s entry, but the BGP session over it is Established", A(&msee), proto);
		return ER_PASS;
	}
	snprintf(bad, len, "no %s entry for MSEE %s and no Established BGP session to it: layer 2 to the MSEE is unverified",
	    proto, A(&msee));
	return ER_WARN;
}

enum er_status
er_chk_msee_neighbor(const struct er_check_ctx *ctx)
{
	const char *ifname = ctx->peering->ifname[er_path_index(ctx->path)];
	char good[2][ER_DETAIL_LEN] = { "", "" }, bad[2][ER_DETAIL_LEN] = { "", "" };
	enum er_status st = ER_NA, s;
	int fams[2] = { ER_AF_INET, ER_AF_INET6 }, i, worst = -1;

	for (i = 0; i < 2; i++) {
		if (fams[i] == ER_AF_INET ? !ctx->peering->has_v4 : !ctx->peering->has_v6)
			continue;
		s = msee_neigh(ctx, fams[i], ifname[0] ? ifname : NULL, good[i], bad[i], ER_DETAIL_LEN);
		if (rank(s) > rank(st)) {
			st = s;
			worst = i;
		}
	}
	if (worst < 0) {
		er_detail(ctx, "no link subnets configured");
		return ER_NA;
	}
	if (st != ER_PASS) {
		er_detail(ctx, "%s", bad[worst]);
		return st;
	}
	er_detail(ctx, "%s%s%s", good[0], good[0][0] && good[1][0] ? "; " : "", good[1]);
	return ER_PASS;
}

/*
 * DIR24 states "IP MTU 1500 bytes" for the MSEE interfaces of ExpressRoute
 * Direct. For provider circuits Microsoft states no interface MTU, only
 * that "ExpressRoute supports the MTU of 1,400 bytes" end to end (FAQ
 * 03/31/2026); the MSEE is the same router, so a different MTU on the
 * customer side is a likely mismatch there too, but a warning, not a fail.
 */
enum er_status
er_chk_ip_mtu(const struct er_check_ctx *ctx)
{
	const struct er_interface *ifp = er_ctx_interface(ctx);
	bool direct = ctx->circuit->model == ER_MODEL_DIRECT;

	if (!ifp)
		return ER_FAIL;
	if (!ifp->mtu) {
		er_detail(ctx, "%s: MTU not reported", ifp->name);
		return ER_UNKNOWN;
	}
	if (ifp->mtu == 1500) {
		er_detail(ctx, "%s has IP MTU 1500, as the MSEE", ifp->name);
		return ER_PASS;
	}
	if (direct)
		er_detail(ctx, "%s has IP MTU %u; ExpressRoute Direct MSEE interfaces use IP MTU 1500: set 1500",
		    ifp->name, ifp->mtu);
	else
		er_detail(ctx, "%s has IP MTU %u; Microsoft states IP MTU 1500 for the MSEE (ExpressRoute Direct) and "
		    "1,400 bytes end to end: set 1500 unless the provider documents another MTU",
		    ifp->name, ifp->mtu);
	return direct ? ER_FAIL : ER_WARN;
}

/*
 * Virtual router MACs: VRRP (RFC 5798) 00:00:5e:00:01:VRID for IPv4 and
 * 00:00:5e:00:02:VRID for IPv6; HSRP version 1 00:00:0c:07:ac:XX, version 2
 * 00:00:0c:9f:f0:00-0f:ff, for IPv6 00:05:73:a0:00:00-0f:ff. keepalived's
 * use_vmac puts the VRRP one on a macvlan over the peering interface.
 */
static const char *
virtual_mac(const struct er_interface *ifp)
{
	const uint8_t *m = ifp->mac;

	if (ifp->mac_len != 6)
		return NULL;
	if (m[0] == 0x00 && m[1] == 0x00 && m[2] == 0x5e && m[3] == 0x00 && (m[4] == 0x01 || m[4] == 0x02))
		return m[4] == 0x01 ? "VRRP (IPv4)" : "VRRP (IPv6)";
	if (m[0] == 0x00 && m[1] == 0x00 && m[2] == 0x0c && ((m[3] == 0x07 && m[4] == 0xac) ||
	    (m[3] == 0x9f && (m[4] & 0xf0) == 0xf0)))
		return "HSRP";
	if (m[0] == 0x00 && m[1] == 0x05 && m[2] == 0x73 && m[3] == 0xa0 && (m[4] & 0xf0) == 0x00)
		return "HSRP (IPv6)";
	return NULL;
}

/* FAIL with a detail when @p c (the peering interface @p ifp or one on it) shows a redundancy protocol. */
static bool
redundancy_on(const struct er_check_ctx *ctx, const struct er_interface *ifp, const struct er_interface *c)
{
	static const char tail[] = "Microsoft supports no router redundancy protocol on ExpressRoute; the BGP session "
				   "pair provides redundancy";
	char where[ER_OBS_IFNAMSIZ + 48], mac[ER_MAC_STRLEN];
	const char *what = virtual_mac(c);
	int k;

	snprintf(where, sizeof(where), "%s%s%s%s", c->name, c != ifp ? " (" : "",
	    c != ifp ? (c->kind[0] ? c->kind : "interface") : "", c != ifp ? " on the peering interface)" : "");
	if (what) {
		er_detail(ctx, "%s has %s, %s %s virtual MAC: %s", where, er_mac_str(c->mac, mac),
		    what[0] == 'H' ? "an" : "a", what, tail);
		return true;
	}
	/* keepalived without use_vmac keeps the real MAC but joins VRRP's group. */
	for (k = 0; k < ER_RRG_COUNT; k++)
		if (c->rr_groups & (1 << k)) {
			er_detail(ctx, "%s has joined %s, the %s multicast group: %s", where, er_rr_group_addr(k),
			    er_rr_group_proto(k), tail);
			return true;
		}
	return false;
}

enum er_status
er_chk_no_vrrp(const struct er_check_ctx *ctx)
{
	const struct er_interface *ifp = er_ctx_interface(ctx);
	size_t i;

	if (!ifp)
		return ER_FAIL;
	if (redundancy_on(ctx, ifp, ifp))
		return ER_FAIL;
	for (i = 0; i < ctx->obs->n_ifs; i++)
		if (!strcmp(ctx->obs->ifs[i].link, ifp->name) && redundancy_on(ctx, ifp, &ctx->obs->ifs[i]))
			return ER_FAIL;
	er_detail(ctx, "no VRRP or HSRP virtual MAC or multicast group on %s or an interface on it%s", ifp->name,
	    ifp->mac_len ? "" : " (its own MAC not reported)");
	return ER_PASS;
}
