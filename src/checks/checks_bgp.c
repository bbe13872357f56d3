/* BGP sessions and advertisements: catalogue rules 2 and 13-24. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "util.h"

#define P(x) er_prefix_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)
#define A(x) er_addr_str((x), (char[ER_PREFIX_STRLEN]){ 0 }, ER_PREFIX_STRLEN)

#define MICROSOFT_AS 12076u

/* The sessions a link should have: one per configured address family. */
struct path_sessions {
	size_t n;
	struct er_addr msee[2];
	const struct er_bgp_neighbor *nbr[2]; /* NULL when not configured on the host */
	const char *router;                   /* the partner the link terminates on, NULL = this router */
	bool unknown;                         /* on a partner whose data is not available (why) */
	char why[320];
};

static void
sessions_of(const struct er_check_ctx *ctx, enum er_path path, struct path_sessions *ps)
{
	struct er_check_ctx c = *ctx;
	struct er_addr cust;
	int fams[2] = { ER_AF_INET, ER_AF_INET6 }, i;

	const struct er_observed *obs = er_ctx_path_obs(ctx, path, &ps->router, ps->why, sizeof(ps->why));

	c.path = path;
	ps->n = 0;
	ps->unknown = !obs || !er_observed_ok(obs, ER_SRC_BGP);
	if (obs && ps->unknown)
		snprintf(ps->why, sizeof(ps->why), "BGP state not collected there");
	for (i = 0; i < 2; i++) {
		if (!er_ctx_link(&c, fams[i], NULL, &cust, &ps->msee[ps->n]))
			continue;
		ps->nbr[ps->n] = er_observed_neighbor(obs, &ps->msee[ps->n]);
		ps->n++;
	}
}

static bool
path_established(const struct er_check_ctx *ctx, enum er_path path)
{
	struct path_sessions ps;
	size_t i;

	sessions_of(ctx, path, &ps);
	for (i = 0; i < ps.n; i++)
		if (!ps.nbr[i] || ps.nbr[i]->state != ER_BGP_ESTABLISHED)
			return false;
	return ps.n > 0;
}

static enum er_path
other_path(enum er_path p)
{
	return p == ER_PATH_PRIMARY ? ER_PATH_SECONDARY : ER_PATH_PRIMARY;
}

static enum er_status
no_subnets(const struct er_check_ctx *ctx)
{
	er_detail(ctx, "no link subnets configured");
	return ER_NA;
}

enum er_status
er_chk_established(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const char *pn = er_path_name(ctx->path);
	size_t i;

	sessions_of(ctx, ctx->path, &ps);
	if (!ps.n)
		return no_subnets(ctx);
	for (i = 0; i < ps.n; i++) {
		const struct er_bgp_neighbor *n = ps.nbr[i];
		if (!n) {
			er_detail(ctx, "no BGP session configured to MSEE %s on the %s link", A(&ps.msee[i]), pn);
			return ER_FAIL;
		}
		if (n->state != ER_BGP_ESTABLISHED) {
			struct path_sessions other;
			sessions_of(ctx, other_path(ctx->path), &other);
			er_detail(ctx, "%s session to %s is %s, not Established: %s", pn, A(&n->addr),
			    er_bgp_state_label(n->state),
			    other.unknown ? "redundancy unknown"
			    : path_established(ctx, other_path(ctx->path)) ? "redundancy lost, availability SLA void"
			                                                  : "both sessions down, peering outage");
			if (other.unknown)
				er_detail_append(ctx, " (the %s link on partner %s is not observed: %s)",
				    er_path_name(other_path(ctx->path)), other.router ? other.router : "-", other.why);
			if (n->last_error[0])
				er_detail_append(ctx, " (last error: %s)", n->last_error);
			return ER_FAIL;
		}
	}
	if (ps.n == 2)
		er_detail(ctx, "%s sessions to %s and %s Established", pn, A(&ps.msee[0]), A(&ps.msee[1]));
	else
		er_detail(ctx, "%s session to %s Established", pn, A(&ps.msee[0]));
	return ER_PASS;
}

/* Iterate the sessions of ctx->path that exist; NA when none does. */
#define FOR_EACH_SESSION(ctx, ps, i, n)                  \
	sessions_of(ctx, (ctx)->path, &(ps));            \
	for ((i) = 0; (i) < (ps).n; (i)++)               \
		if (((n) = (ps).nbr[i]) != NULL)

static enum er_status
no_session(const struct er_check_ctx *ctx, const struct path_sessions *ps)
{
	if (!ps->n)
		return no_subnets(ctx);
	er_detail(ctx, "no BGP session to %s on the %s link", A(&ps->msee[0]), er_path_name(ctx->path));
	return ER_NA;
}

enum er_status
er_chk_peer_as(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	size_t i, seen = 0;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		seen++;
		if (!n->remote_as) {
			er_detail(ctx, "peer AS of the session to %s not reported", A(&n->addr));
			return ER_UNKNOWN;
		}
		if (n->remote_as != MICROSOFT_AS) {
			er_detail(ctx, "session to %s has peer AS %u, not Microsoft's 12076", A(&n->addr), n->remote_as);
			return ER_FAIL;
		}
	}
	if (!seen)
		return no_session(ctx, &ps);
	er_detail(ctx, "peer AS 12076");
	return ER_PASS;
}

static bool
azure_reserved(uint32_t as)
{
	return as >= 65515 && as <= 65520;
}

enum er_status
er_chk_customer_asn(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	uint32_t want = ctx->peering->customer_asn;
	size_t i, seen = 0;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		seen++;
		if (!n->local_as) {
			er_detail(ctx, "local AS of the session to %s not reported", A(&n->addr));
			return ER_UNKNOWN;
		}
		if (azure_reserved(n->local_as)) {
			er_detail(ctx, "session to %s uses local AS %u, reserved by Azure (65515-65520)", A(&n->addr), n->local_as);
			return ER_FAIL;
		}
		if (n->local_as != want) {
			er_detail(ctx, "session to %s uses local AS %u; the peering's customer ASN is %u", A(&n->addr),
			    n->local_as, want);
			return ER_FAIL;
		}
	}
	if (!seen)
		return no_session(ctx, &ps);
	er_detail(ctx, "local AS %u as configured", want);
	return ER_PASS;
}

static bool
documentation_as(uint32_t as)
{
	return as >= 64496 && as <= 64511;
}

static bool
private_as(uint32_t as)
{
	return (as >= 64512 && as <= 65534) || (as >= 4200000000u && as <= 4294967294u);
}

/* Sessions of both links of the peering (up to 4). */
static size_t
peering_sessions(const struct er_check_ctx *ctx, const struct er_bgp_neighbor *out[4])
{
	struct path_sessions ps;
	size_t n = 0, i;
	int k;

	for (k = ER_PATH_PRIMARY; k <= ER_PATH_SECONDARY; k++) {
		sessions_of(ctx, (enum er_path)k, &ps);
		for (i = 0; i < ps.n; i++)
			if (ps.nbr[i])
				out[n++] = ps.nbr[i];
	}
	return n;
}

/*
 * The routing document (03/12/2026) refuses documentation ASNs in the
 * Microsoft peering section only ("Also, AS numbers 64496 through 64511
 * reserved by IANA for documentation purposes aren't allowed in the
 * path."): elsewhere they are a configuration smell, not a refusal.
 */
static enum er_status
doc_asn_found(const struct er_check_ctx *ctx, const struct er_route *rt, const struct er_bgp_neighbor *n, uint32_t as)
{
	if (ctx->peering->type == ER_PEERING_MICROSOFT) {
		er_detail(ctx, "%s advertised to %s carries documentation AS %u in its AS path (64496-64511 are refused on Microsoft peering)",
		    P(&rt->pfx), A(&n->addr), as);
		return ER_FAIL;
	}
	er_detail(ctx, "%s advertised to %s carries documentation AS %u in its AS path (Microsoft refuses 64496-64511 on Microsoft peering; use a real ASN here too)",
	    P(&rt->pfx), A(&n->addr), as);
	return ER_WARN;
}

enum er_status
er_chk_doc_asn_path(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *s[4];
	size_t n = peering_sessions(ctx, s), i, r, k, collected = 0, uncollected = 0;

	if (!n) {
		er_detail(ctx, "no BGP session to either MSEE");
		return ER_NA;
	}
	for (i = 0; i < n; i++) {
		if (!s[i]->have_adv) {
			if (s[i]->state == ER_BGP_ESTABLISHED)
				uncollected++;
			continue;
		}
		collected++;
		for (r = 0; r < s[i]->n_adv; r++) {
			const struct er_route *rt = &s[i]->adv[r];
			const uint32_t *path = er_route_path(s[i], rt);
			for (k = 0; k < rt->path_len; k++)
				if (documentation_as(path[k]))
					return doc_asn_found(ctx, rt, s[i], path[k]);
		}
	}
	if (uncollected) {
		er_detail(ctx, "advertised routes not collected");
		return ER_UNKNOWN;
	}
	if (!collected) {
		er_detail(ctx, "no Established session: nothing advertised");
		return ER_NA;
	}
	er_detail(ctx, "no documentation AS in advertised AS paths");
	return ER_PASS;
}

enum er_status
er_chk_private_asn_msft(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *s[4];
	uint32_t asn = ctx->peering->customer_asn;
	size_t n, i, r, k;

	if (private_as(asn)) {
		er_detail(ctx, "private customer ASN %u on Microsoft peering needs manual validation, and Microsoft removes private ASNs from the AS path",
		    asn);
		return ER_WARN;
	}
	if (!er_ctx_have(ctx, ER_SRC_BGP))
		return ER_UNKNOWN;
	n = peering_sessions(ctx, s);
	for (i = 0; i < n; i++)
		for (r = 0; s[i]->have_adv && r < s[i]->n_adv; r++) {
			const struct er_route *rt = &s[i]->adv[r];
			const uint32_t *path = er_route_path(s[i], rt);
			for (k = 0; k < rt->path_len; k++)
				if (private_as(path[k])) {
					er_detail(ctx, "%s advertised to %s has private AS %u in its path; Microsoft strips it",
					    P(&rt->pfx), A(&s[i]->addr), path[k]);
					return ER_WARN;
				}
		}
	er_detail(ctx, "public customer ASN %u", asn);
	return ER_PASS;
}

/* A failure counted this long ago still explains a session that is down (several BGP connect retries). */
#define MD5_RECENT_S 600

/* The BGP daemon's own last error names the MD5 option. */
static bool
md5_error(const char *e)
{
	return strcasestr(e, "md5") || strcasestr(e, "password") || strcasestr(e, "tcp authentication");
}

/*
 * Sessions of every peering with an MD5 key that are down, host-wide: the
 * kernel counts refused segments for the whole namespace, so these are
 * the ones its counters can be attributed to.
 */
static size_t
keyed_sessions_down(const struct er_check_ctx *ctx)
{
	const struct er_config *cfg = ctx->cfg;
	size_t c, p, k, n, down = 0;

	for (c = 0; cfg && c < cfg->n_circuits; c++)
		for (p = 0; p < cfg->circuits[c].n_peerings; p++) {
			const struct er_peering_cfg *pc = &cfg->circuits[c].peerings[p];
			const struct er_prefix *sn[4];
			if (!pc->has_md5 || !pc->enabled)
				continue;
			n = er_peering_subnets(pc, sn);
			for (k = 0; k < n; k++) {
				struct er_addr cust, msee;
				const struct er_bgp_neighbor *b;
				er_link_addrs(sn[k], &cust, &msee);
				if ((b = er_observed_neighbor(ctx->obs, &msee)) && b->state != ER_BGP_ESTABLISHED)
					down++;
			}
		}
	return down;
}

/*
 * A session with a key that is down: a key mismatch (the kernel refused
 * the MSEE's segments for their MD5 option) or a silent MSEE (nothing
 * arrives, nothing is refused).
 */
static enum er_status
md5_down(const struct er_check_ctx *ctx, const struct er_bgp_neighbor *n)
{
	const struct er_tcp_md5 *m = &ctx->obs->tcp_md5;
	const char *st = er_bgp_state_label(n->state);
	unsigned long long total = (unsigned long long)(m->failure + m->not_found + m->unexpected);
	unsigned secs;
	size_t k;

	if (n->md5_failures) {
		er_detail(ctx, "session to %s is %s with %u TCP MD5 failures: the key differs from the one set in Azure",
		    A(&n->addr), st, n->md5_failures);
		return ER_FAIL;
	}
	if (md5_error(n->last_error)) {
		er_detail(ctx, "session to %s is %s and the BGP daemon reports \"%s\": the key differs from the one set in Azure",
		    A(&n->addr), st, n->last_error);
		return ER_FAIL;
	}
	if (!m->have) {
		er_detail(ctx, "session to %s is %s with an MD5 key configured (TCP-MD5 counters not readable): check that it "
		               "matches the key set in Azure", A(&n->addr), st);
		return ER_WARN;
	}
	k = keyed_sessions_down(ctx);
	secs = (m->watched_ms + 999) / 1000;
	if (m->have_rise && (m->rise || (m->last_rise_at && ctx->obs->collected_at - m->last_rise_at <= MD5_RECENT_S))) {
		er_detail(ctx, "session to %s is %s and the kernel refuses segments for their MD5 option ", A(&n->addr), st);
		if (m->rise)
			er_detail_append(ctx, "(%llu in the last %u s", (unsigned long long)m->rise, secs);
		else
			er_detail_append(ctx, "(the latest %lld s ago", ctx->obs->collected_at - m->last_rise_at);
		er_detail_append(ctx, "; TCPMD5Failure %llu, NotFound %llu, Unexpected %llu are host-wide, attributed to the %zu "
		                      "down session%s with a key): the key differs from the one set in Azure",
		    (unsigned long long)m->failure, (unsigned long long)m->not_found, (unsigned long long)m->unexpected, k,
		    k == 1 ? "" : "s");
		return ER_FAIL;
	}
	if (m->have_rise)
		er_detail(ctx, "session to %s is %s and the MSEE is silent: the kernel's TCP-MD5 counters did not rise in the "
		               "last %u s, so nothing it sent was refused for the key (not a mismatch seen from here)",
		    A(&n->addr), st, secs);
	else if (total)
		er_detail(ctx, "session to %s is %s and %llu TCP-MD5 failures were counted on this host, in one reading that "
		               "cannot tell whether they are recent: check that the key matches the one set in Azure",
		    A(&n->addr), st, total);
	else
		er_detail(ctx, "session to %s is %s and the MSEE is silent: no TCP-MD5 failure counted on this host so far, so "
		               "nothing it sent was refused for the key (not a mismatch seen from here)",
		    A(&n->addr), st);
	return ER_WARN;
}

enum er_status
er_chk_md5(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	size_t i, seen = 0;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		seen++;
		if (n->state != ER_BGP_ESTABLISHED)
			return md5_down(ctx, n);
	}
	if (!seen)
		return no_session(ctx, &ps);
	er_detail(ctx, "MD5 key configured; session Established");
	return ER_PASS;
}

enum er_status
er_chk_timers(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	size_t i, seen = 0;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		if (n->state != ER_BGP_ESTABLISHED) {
			er_detail(ctx, "session to %s not Established: no timers negotiated", A(&n->addr));
			return ER_NA;
		}
		seen++;
		if (!n->keepalive && !n->hold_time) {
			er_detail(ctx, "timers of the session to %s not reported", A(&n->addr));
			return ER_UNKNOWN;
		}
		if (n->keepalive < 3 || n->hold_time < 10) {
			er_detail(ctx, "session to %s negotiated keepalive %u s and hold %u s, below Microsoft's minimum of 3 s and 10 s",
			    A(&n->addr), n->keepalive, n->hold_time);
			return ER_FAIL;
		}
	}
	if (!seen)
		return no_session(ctx, &ps);
	n = ps.nbr[0] ? ps.nbr[0] : ps.nbr[1];
	er_detail(ctx, "keepalive %u s, hold %u s", n->keepalive, n->hold_time);
	return ER_PASS;
}

/*
 * expressroute-bfd (06/30/2023): the MSEEs run BFD by default, but "To
 * enable BFD under an already existing private or Microsoft peering, you'll
 * need to reset the peering. This will need to be done on circuits
 * configured with private peering before August 2018 and Microsoft peering
 * before January 2020." The circuit's created date is the only date the
 * model has: a circuit created before then may carry such a peering.
 */
static const char *
bfd_reset_cutoff(const struct er_check_ctx *ctx, const char **label)
{
	const char *cutoff = ctx->peering->type == ER_PEERING_MICROSOFT ? "2020-01-01" : "2018-08-01";

	*label = ctx->peering->type == ER_PEERING_MICROSOFT ? "January 2020" : "August 2018";
	return ctx->circuit->created[0] && strcmp(ctx->circuit->created, cutoff) < 0 ? cutoff : NULL;
}

/*
 * A missing session is a warning: Microsoft recommends BFD on the customer
 * edge (design-architecture-for-resiliency, 07/16/2024) but BGP still works
 * without it. A configured session that is not up is a failure.
 */
static enum er_status
bfd_missing(const struct er_check_ctx *ctx, const struct er_addr *msee)
{
	const char *label;

	er_detail(ctx, "no BFD session to %s: Microsoft runs BFD on the MSEEs and recommends it on the customer edge for fast failover",
	    A(msee));
	if (bfd_reset_cutoff(ctx, &label))
		er_detail_append(ctx, " (circuit created %s: %s configured before %s needs a peering reset to get BFD on the MSEEs)",
		    ctx->circuit->created, er_peering_label(ctx->peering->type), label);
	return ER_WARN;
}

enum er_status
er_chk_bfd(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	size_t i;

	sessions_of(ctx, ctx->path, &ps);
	if (!ps.n)
		return no_subnets(ctx);
	for (i = 0; i < ps.n; i++) {
		const struct er_bfd_peer *b = er_observed_bfd(ctx->obs, &ps.msee[i]);
		if (!b)
			return bfd_missing(ctx, &ps.msee[i]);
		if (b->state != ER_BFD_UP) {
			er_detail(ctx, "BFD to %s is %s: failover falls back to the BGP hold timer", A(&ps.msee[i]),
			    er_bfd_state_name(b->state));
			return ER_FAIL;
		}
	}
	er_detail(ctx, "BFD up to %s", A(&ps.msee[0]));
	if (ps.n == 2)
		er_detail_append(ctx, " and %s", A(&ps.msee[1]));
	return ER_PASS;
}

static enum er_status
prefix_limit(const struct er_check_ctx *ctx, int afi)
{
	const struct er_peering_cfg *p = ctx->peering;
	const char *fam = afi == ER_AFI_V4 ? "IPv4" : "IPv6";
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	const struct er_bgp_neighbor *down = NULL;
	uint32_t limit, count = 0;
	size_t i, seen = 0;
	bool up = false; /* an Established session of this family */
	int af = afi == ER_AFI_V4 ? ER_AF_INET : ER_AF_INET6;

	if (p->type == ER_PEERING_PRIVATE)
		limit = afi == ER_AFI_V6 ? 100 : ctx->circuit->tier == ER_TIER_PREMIUM ? 10000 : 4000;
	else
		limit = 200;
	FOR_EACH_SESSION(ctx, ps, i, n) {
		seen++;
		count += er_neighbor_adv_count(n, afi);
		if (n->addr.family != af)
			continue;
		if (n->state == ER_BGP_ESTABLISHED) {
			up = true;
			continue;
		}
		/*
		 * The last error outlives the reset that caused it: it counts only
		 * while the session is down, and only for the family it carries.
		 */
		if (strcasestr(n->last_error, "maximum number of prefixes") || strcasestr(n->last_error, "prefix limit")) {
			er_detail(ctx, "Microsoft dropped the session to %s for exceeding the prefix limit (last error: %s)",
			    A(&n->addr), n->last_error);
			return ER_FAIL;
		}
		if (!down)
			down = n;
	}
	if (!seen)
		return no_session(ctx, &ps);
	/*
	 * A session that is down advertises nothing: "0 prefixes, within the
	 * limit" would pass the very session Microsoft dropped for crossing it
	 * once the daemon's last error no longer says so (BIRD's next connect
	 * attempt, FRR's "BFD down" overwrite it within seconds). Without an
	 * Established session of this family there is nothing to count.
	 */
	if (down && !up) {
		er_detail(ctx, "session to %s is %s, not Established: nothing advertised to count", A(&down->addr),
		    er_bgp_state_label(down->state));
		if (down->last_error[0])
			er_detail_append(ctx, " (last error: %s, not the prefix limit)", down->last_error);
		return ER_NA;
	}
	if (count > limit) {
		er_detail(ctx, "advertising %u %s prefixes on the %s link; Microsoft accepts %u and drops the session above it",
		    count, fam, er_path_name(ctx->path), limit);
		return ER_FAIL;
	}
	if ((uint64_t)count * 100 >= (uint64_t)limit * p->limit_warn_pct) {
		er_detail(ctx, "advertising %u %s prefixes, %u%% of the %u limit (warning at %u%%)", count, fam,
		    (unsigned)((uint64_t)count * 100 / limit), limit, p->limit_warn_pct);
		return ER_WARN;
	}
	er_detail(ctx, "advertising %u %s prefix%s, limit %u", count, fam, count == 1 ? "" : "es", limit);
	return ER_PASS;
}

enum er_status
er_chk_prefix_limit_v4(const struct er_check_ctx *ctx)
{
	return prefix_limit(ctx, ER_AFI_V4);
}

enum er_status
er_chk_prefix_limit_v6(const struct er_check_ctx *ctx)
{
	return prefix_limit(ctx, ER_AFI_V6);
}

/*
 * Run @p bad over the advertised routes of every session of ctx->path.
 * @p bad returns a reason for a forbidden route, NULL for a good one.
 */
typedef const char *(*route_judge)(const struct er_check_ctx *ctx, const struct er_prefix *p);

static enum er_status
judge_advertised(const struct er_check_ctx *ctx, route_judge bad, const char *what, const char *ok)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	size_t i, r, seen = 0;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		const struct er_prefix *first = NULL;
		const char *why = NULL;
		size_t nbad = 0;

		if (!n->have_adv) {
			if (n->state != ER_BGP_ESTABLISHED)
				continue;
			er_detail(ctx, "routes advertised to %s not collected", A(&n->addr));
			return ER_UNKNOWN;
		}
		seen++;
		for (r = 0; r < n->n_adv; r++) {
			const char *w = bad(ctx, &n->adv[r].pfx);
			if (w && !nbad++) {
				first = &n->adv[r].pfx;
				why = w;
			}
		}
		if (nbad) {
			er_detail(ctx, "advertises %s (%s)", P(first), why);
			if (nbad > 1)
				er_detail_append(ctx, " and %zu more", nbad - 1);
			er_detail_append(ctx, " to %s: %s", A(&n->addr), what);
			return ER_FAIL;
		}
	}
	if (!seen) {
		if (!ps.n)
			return no_subnets(ctx);
		er_detail(ctx, "no Established session on the %s link: nothing advertised", er_path_name(ctx->path));
		return ER_NA;
	}
	er_detail(ctx, "%s", ok);
	return ER_PASS;
}

static const char *
judge_default_private(const struct er_check_ctx *ctx, const struct er_prefix *p)
{
	(void)ctx;
	if (er_prefix_is_default(p))
		return "default route";
	if (er_prefix_is_rfc1918(p))
		return p->addr.family == ER_AF_INET ? "RFC 1918" : "unique-local";
	return NULL;
}

enum er_status
er_chk_no_default_private(const struct er_check_ctx *ctx)
{
	return judge_advertised(ctx, judge_default_private,
	    "Microsoft peering must carry no default route and no private prefix",
	    "no default route or private prefix advertised");
}

static const char *
judge_declared(const struct er_check_ctx *ctx, const struct er_prefix *p)
{
	const struct er_peering_cfg *pc = ctx->peering;
	size_t i;

	if (er_prefix_is_special(p))
		return "not a public prefix";
	for (i = 0; i < pc->n_adv_public; i++)
		if (er_prefix_covers(&pc->adv_public[i], p))
			return NULL;
	return "not declared in advertised-public-prefix";
}

enum er_status
er_chk_declared_prefixes(const struct er_check_ctx *ctx)
{
	const struct er_peering_cfg *pc = ctx->peering;
	size_t i;

	if (!pc->n_adv_public) {
		er_detail(ctx, "no advertised-public-prefix declared: Microsoft accepts only declared, registered public prefixes");
		return ER_FAIL;
	}
	for (i = 0; i < pc->n_adv_public; i++)
		if (er_prefix_is_special(&pc->adv_public[i])) {
			er_detail(ctx, "declared prefix %s is not a public prefix", P(&pc->adv_public[i]));
			return ER_FAIL;
		}
	return judge_advertised(ctx, judge_declared,
	    "Microsoft accepts only the declared public prefixes",
	    "only declared public prefixes advertised");
}

/* Prefixes in @p a missing from @p b (both sorted); the first one in *first. */
static size_t
missing_from(const struct er_bgp_neighbor *a, const struct er_bgp_neighbor *b, const struct er_prefix **first)
{
	size_t i = 0, j = 0, miss = 0;

	while (i < a->n_adv) {
		int c = j < b->n_adv ? er_prefix_cmp(&a->adv[i].pfx, &b->adv[j].pfx) : -1;
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			if (!miss++)
				*first = &a->adv[i].pfx;
			i++;
		} else
			j++;
	}
	return miss;
}

enum er_status
er_chk_identical_adv(const struct er_check_ctx *ctx)
{
	struct path_sessions pri, sec;
	size_t i, same;

	sessions_of(ctx, ER_PATH_PRIMARY, &pri);
	sessions_of(ctx, ER_PATH_SECONDARY, &sec);
	if (!pri.n)
		return no_subnets(ctx);
	if (pri.unknown || sec.unknown) {
		const struct path_sessions *u = pri.unknown ? &pri : &sec;
		er_detail(ctx, "the %s link terminates on partner %s, whose data is not available (%s)",
		    u == &pri ? "primary" : "secondary", u->router ? u->router : "-", u->why);
		return ER_UNKNOWN;
	}
	for (i = 0; i < pri.n; i++) {
		const struct er_bgp_neighbor *a = pri.nbr[i], *b = sec.nbr[i];
		const struct er_prefix *fa = NULL, *fb = NULL;
		size_t ma, mb;

		if (!a || !b || a->state != ER_BGP_ESTABLISHED || b->state != ER_BGP_ESTABLISHED) {
			er_detail(ctx, "both sessions must be Established to compare their advertisements");
			return ER_NA;
		}
		if (!a->have_adv || !b->have_adv) {
			er_detail(ctx, "routes advertised to %s not collected", A(!a->have_adv ? &a->addr : &b->addr));
			return ER_UNKNOWN;
		}
		ma = missing_from(a, b, &fa);
		mb = missing_from(b, a, &fb);
		if (ma || mb) {
			er_detail(ctx, "primary and secondary advertisements differ:");
			if (ma)
				er_detail_append(ctx, " %zu only to %s (e.g. %s)", ma, A(&a->addr), P(fa));
			if (ma && mb)
				er_detail_append(ctx, ",");
			if (mb)
				er_detail_append(ctx, " %zu only to %s (e.g. %s)", mb, A(&b->addr), P(fb));
			return ER_FAIL;
		}
	}
	for (i = 0, same = 0; i < pri.n; i++)
		same += pri.nbr[i]->n_adv;
	er_detail(ctx, "primary and secondary advertise the same %zu prefix%s", same, same == 1 ? "" : "es");
	if (pri.router || sec.router)
		er_detail_append(ctx, " (%s link on partner %s)", pri.router ? "primary" : "secondary",
		    pri.router ? pri.router : sec.router);
	return ER_PASS;
}

/*
 * Rule 22. Routing requirements (03/12/2026): "Don't advertise the same
 * public IP route to the public Internet and over ExpressRoute. ... If you
 * can't achieve this condition, make sure you advertise a more specific
 * range over ExpressRoute than the one on the Internet connection." Return
 * traffic follows the longest match: an Internet route equal to or more
 * specific than one sent to Microsoft (or than the NAT pool) pulls it to the
 * Internet; a covering, less specific Internet route loses and is fine.
 *
 * The 2016 NAT document (07/19/2016) was stricter: "The NAT IP pool
 * advertised to Microsoft must not be advertised to the Internet." The
 * oldest routing document read that allows a covering Internet range is
 * dated 12/13/2018, so circuits created before that day (the circuit's
 * created date is the only date the model has) are held to the 2016 text
 * for the pool: any Internet route overlapping it fails.
 */
#define INTERNET_COVER_SINCE "2018-12-13"

/*
 * Walks what goes to Microsoft: declared prefixes, advertised routes, then
 * the NAT pools. A default route sent to Microsoft is rule 19's failure and
 * Microsoft drops it; it attracts no return traffic, so it is skipped here.
 */
struct ms_iter {
	const struct er_peering_cfg *pc;
	const struct er_bgp_neighbor *s[4];
	size_t ns, phase, i, r;
};

static void
ms_iter_init(const struct er_check_ctx *ctx, struct ms_iter *it)
{
	it->pc = ctx->peering;
	it->ns = peering_sessions(ctx, it->s);
	it->phase = it->i = it->r = 0;
}

/* The next prefix, *pool telling whether it is a NAT pool; NULL at the end. */
static const struct er_prefix *
ms_iter_next(struct ms_iter *it, bool *pool)
{
	*pool = false;
	if (it->phase == 0) {
		if (it->i < it->pc->n_adv_public)
			return &it->pc->adv_public[it->i++];
		it->phase = 1;
		it->i = 0;
	}
	if (it->phase == 1) {
		for (; it->i < it->ns; it->i++, it->r = 0)
			while (it->s[it->i]->have_adv && it->r < it->s[it->i]->n_adv) {
				const struct er_prefix *p = &it->s[it->i]->adv[it->r++].pfx;
				if (!er_prefix_is_default(p))
					return p;
			}
		it->phase = 2;
		it->i = 0;
	}
	if (it->i < it->pc->n_nat_pool) {
		*pool = true;
		return &it->pc->nat_pool[it->i++];
	}
	return NULL;
}

static bool
strict_pool_era(const struct er_check_ctx *ctx)
{
	return ctx->circuit->created[0] && strcmp(ctx->circuit->created, INTERNET_COVER_SINCE) < 0;
}

/* Judge one route sent to an Internet neighbour; ER_PASS when it is harmless. */
static enum er_status
judge_internet_route(const struct er_check_ctx *ctx, const struct er_bgp_neighbor *inet, const struct er_prefix *ip)
{
	const struct er_prefix *m, *cover = NULL;
	bool pool, cover_pool = false;
	struct ms_iter it;

	/* Equal first: the same route on both sides is the plainest case to report. */
	ms_iter_init(ctx, &it);
	while ((m = ms_iter_next(&it, &pool)))
		if (!er_prefix_cmp(m, ip)) {
			er_detail(ctx, "%s is advertised both to Microsoft and to Internet neighbour %s: return traffic may take the Internet (asymmetric routing)",
			    P(ip), A(&inet->addr));
			return ER_FAIL;
		} else if (!cover && er_prefix_covers(m, ip)) {
			cover = m;
			cover_pool = pool;
		}
	if (cover) {
		er_detail(ctx, "Internet neighbour %s is sent %s, more specific than %s %s: return traffic for it takes the Internet (asymmetric routing); advertise the more specific range over ExpressRoute",
		    A(&inet->addr), P(ip), cover_pool ? "the NAT pool" : "the advertised", P(cover));
		return ER_FAIL;
	}
	if (!strict_pool_era(ctx))
		return ER_PASS;
	ms_iter_init(ctx, &it);
	while ((m = ms_iter_next(&it, &pool)))
		if (pool && er_prefix_overlaps(m, ip)) {
			er_detail(ctx, "Internet neighbour %s is sent %s, which covers the NAT pool %s: circuit created %s, before a covering Internet range was allowed (" INTERNET_COVER_SINCE "); the 2016 NAT document forbids the pool on the Internet",
			    A(&inet->addr), P(ip), P(m), ctx->circuit->created);
			return ER_FAIL;
		}
	return ER_PASS;
}

enum er_status
er_chk_internet_overlap(const struct er_check_ctx *ctx)
{
	const struct er_config *cfg = ctx->cfg;
	enum er_status st;
	size_t i, r;

	for (i = 0; i < cfg->n_internet_nbrs; i++) {
		const struct er_bgp_neighbor *inet = er_observed_neighbor(ctx->obs, &cfg->internet_nbrs[i]);
		if (!inet) {
			er_detail(ctx, "Internet neighbour %s not found in the BGP state", A(&cfg->internet_nbrs[i]));
			return ER_UNKNOWN;
		}
		if (!inet->have_adv) {
			if (inet->state != ER_BGP_ESTABLISHED)
				continue;
			er_detail(ctx, "routes advertised to Internet neighbour %s not collected", A(&inet->addr));
			return ER_UNKNOWN;
		}
		for (r = 0; r < inet->n_adv; r++)
			if ((st = judge_internet_route(ctx, inet, &inet->adv[r].pfx)) != ER_PASS)
				return st;
	}
	er_detail(ctx, "no route sent to the %zu Internet neighbour%s is equal to or more specific than a prefix advertised to Microsoft or the NAT pool",
	    cfg->n_internet_nbrs, cfg->n_internet_nbrs == 1 ? "" : "s");
	return ER_PASS;
}

static const char *
judge_link_subnet(const struct er_check_ctx *ctx, const struct er_prefix *p)
{
	if (er_cfg_is_link_subnet(ctx->cfg, p))
		return "a peering link subnet";
	if (!er_prefix_is_default(p) && er_config_link_subnet_within(ctx->cfg, p))
		return "it contains a peering link subnet";
	return NULL;
}

enum er_status
er_chk_link_not_advertised(const struct er_check_ctx *ctx)
{
	return judge_advertised(ctx, judge_link_subnet,
	    "peering addresses must not be advertised to Microsoft",
	    "no peering link subnet advertised");
}

enum er_status
er_chk_route_filter(const struct er_check_ctx *ctx)
{
	struct path_sessions ps;
	const struct er_bgp_neighbor *n;
	size_t i, seen = 0;
	uint32_t rcvd = 0, got;

	FOR_EACH_SESSION(ctx, ps, i, n) {
		if (n->state != ER_BGP_ESTABLISHED) {
			er_detail(ctx, "session to %s not Established", A(&n->addr));
			return ER_NA;
		}
		seen++;
		got = n->have_rcv ? (uint32_t)n->n_rcv : n->pfx_rcvd[ER_AFI_V4] + n->pfx_rcvd[ER_AFI_V6];
		rcvd += got;
		if (!got) {
			er_detail(ctx, "session to %s is Established but receives no prefixes: attach a route filter allowing the needed service communities",
			    A(&n->addr));
			return ER_FAIL;
		}
	}
	if (!seen)
		return no_session(ctx, &ps);
	er_detail(ctx, "receiving %u prefix%s from Microsoft", rcvd, rcvd == 1 ? "" : "es");
	return ER_PASS;
}

/* The first default route (0.0.0.0/0, ::/0) in @p r, or NULL. */
static const struct er_prefix *
default_in(const struct er_route *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (er_prefix_is_default(&r[i].pfx))
			return &r[i].pfx;
	return NULL;
}

/*
 * Rule 27. Routing requirements (03/12/2026), "Advertising default routes":
 * "If you advertise default routes into private peering, you block the
 * internet path from Azure" and "Advertising default routes breaks Windows
 * and other VM license activation." Allowed, so a warning to act on (KMS
 * user-defined routes), not a failure. A default route received from Azure
 * (Virtual WAN can propagate one) sends the edge's unmatched traffic to
 * Azure: reported the same way, so that it is a decision, not an accident.
 */
enum er_status
er_chk_default_route_private(const struct er_check_ctx *ctx)
{
	const struct er_bgp_neighbor *s[4];
	const struct er_prefix *d;
	struct path_sessions ps;
	size_t n = 0, i, exchanged = 0;
	int k;

	/* Routes are exchanged on this router's links; a partner checks its own. */
	for (k = ER_PATH_PRIMARY; k <= ER_PATH_SECONDARY; k++) {
		if (!er_link_here(ctx->peering, er_path_index((enum er_path)k)))
			continue;
		sessions_of(ctx, (enum er_path)k, &ps);
		for (i = 0; i < ps.n; i++)
			if (ps.nbr[i])
				s[n++] = ps.nbr[i];
	}
	if (!n) {
		er_detail(ctx, "no BGP session to either MSEE");
		return ER_NA;
	}
	for (i = 0; i < n; i++) {
		if (s[i]->state != ER_BGP_ESTABLISHED)
			continue;
		if (!s[i]->have_adv || !s[i]->have_rcv) {
			er_detail(ctx, "routes exchanged with %s not collected", A(&s[i]->addr));
			return ER_UNKNOWN;
		}
		exchanged++;
		if ((d = default_in(s[i]->adv, s[i]->n_adv))) {
			er_detail(ctx, "%s is advertised to %s: Azure then blocks the VNets' Internet path, and a default route \"breaks Windows and other VM license activation\" (add user-defined routes for KMS)",
			    P(d), A(&s[i]->addr));
			return ER_WARN;
		}
		if ((d = default_in(s[i]->rcv, s[i]->n_rcv))) {
			er_detail(ctx, "%s is received from %s (Virtual WAN can propagate one): traffic with no more specific route leaves through ExpressRoute to Azure; make sure that is intended",
			    P(d), A(&s[i]->addr));
			return ER_WARN;
		}
	}
	if (!exchanged) {
		er_detail(ctx, "no Established session: no routes exchanged");
		return ER_NA;
	}
	er_detail(ctx, "no default route advertised to or received from the MSEEs");
	return ER_PASS;
}
