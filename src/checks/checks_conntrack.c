/*
 * NAT session exhaustion beyond the table fill (rule 33, N16: "You must
 * monitor the NAT pool and ensure that you are not starved of NAT
 * sessions"): the kernel's own failure counters, and the source ports the
 * configured pool can give.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "util.h"

/*
 * insert_failed (a NAT tuple clash or a full bucket), drop (no entry could
 * be made: the table is full) and early_drop (an unconfirmed entry evicted
 * to make room) are cumulative since the table was created, so only a rise
 * between two polls says something is failing now.
 */
enum er_status
er_chk_conntrack_drops(const struct er_check_ctx *ctx)
{
	const struct er_observed *o = ctx->obs, *b = ctx->prev_obs;
	unsigned long long di, dd, de;

	if (!o->have_ct_stats) {
		er_detail(ctx, "per-CPU conntrack statistics (/proc/net/stat/nf_conntrack) not reported");
		return ER_UNKNOWN;
	}
	/* Counters below the baseline: the table was recreated (module reload), no baseline. */
	if (!b || !b->have_ct_stats || o->ct_insert_failed < b->ct_insert_failed || o->ct_drop < b->ct_drop ||
	    o->ct_early_drop < b->ct_early_drop) {
		er_detail(ctx, "insert_failed %llu, drop %llu, early_drop %llu since the table was created; "
		    "no earlier poll to compare (a rise between two polls warns)",
		    (unsigned long long)o->ct_insert_failed, (unsigned long long)o->ct_drop,
		    (unsigned long long)o->ct_early_drop);
		return ER_PASS;
	}
	di = o->ct_insert_failed - b->ct_insert_failed;
	dd = o->ct_drop - b->ct_drop;
	de = o->ct_early_drop - b->ct_early_drop;
	if (di || dd || de) {
		er_detail(ctx, "since the previous poll (%llds ago) insert_failed rose by %llu, drop by %llu, early_drop "
		    "by %llu: connections (NAT sessions toward Microsoft among them) are being refused",
		    o->collected_at - b->collected_at, di, dd, de);
		return ER_WARN;
	}
	er_detail(ctx, "no insert failure or drop since the previous poll (%llds ago)", o->collected_at - b->collected_at);
	return ER_PASS;
}

/* Source ports per pool address: 1024-65535, the range nf_nat picks from for a clash. */
#define PORTS_PER_ADDR 64512ull

/*
 * Linux NAT needs a distinct source port per pool address only among
 * connections to the same destination address, port and protocol; every
 * conntrack entry counted against one destination is the worst case, and
 * Microsoft 365 concentrates many clients on few front-end addresses. The
 * conntrack count is host-wide (it includes traffic that is not NATed),
 * so this over-estimates: a warning, never a fail.
 */
enum er_status
er_chk_pool_ports(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *p = ctx->peering;
	unsigned long long addrs = 0, ports, count = ctx->obs->conntrack_count;
	const unsigned pct = 80; /* as nat-conntrack-usage warns for the table */
	size_t i;

	if (!ctx->obs->conntrack_max) {
		er_detail(ctx, "conntrack table size not reported");
		return ER_UNKNOWN;
	}
	for (i = 0; i < p->n_nat_pool; i++) {
		const struct er_prefix *x = &p->nat_pool[i];
		unsigned host = er_addr_maxlen(&x->addr) - x->len;
		if (x->addr.family != ER_AF_INET)
			continue;
		addrs += host >= 32 ? 1ull << 32 : 1ull << host;
	}
	if (!addrs) {
		er_detail(ctx, "no IPv4 NAT pool configured");
		return ER_NA;
	}
	ports = addrs * PORTS_PER_ADDR;
	if (count * 100 >= ports * pct) {
		er_detail(ctx, "%llu connections tracked, %llu%% of the %llu source ports a pool of %llu address%s gives "
		    "toward one destination and protocol (warning at %u%%): widen the NAT pool",
		    count, count * 100 / ports, ports, addrs, addrs == 1 ? "" : "es", pct);
		return ER_WARN;
	}
	er_detail(ctx, "%llu connections tracked; a pool of %llu address%s gives %llu source ports per destination and "
	    "protocol", count, addrs, addrs == 1 ? "" : "es", ports);
	return ER_PASS;
}
