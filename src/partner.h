/*
 * What a partner router's erreadyd reported about the links that terminate
 * there (Microsoft's recommended design: the primary and the secondary link
 * of a circuit on two routers). The data is the partner's own YANG state,
 * fetched over NETCONF (agent/partner_client.c); this module turns the
 * partner's <get> reply into observed state and check results, and says
 * whether they are fresh enough to use.
 */
#ifndef ER_PARTNER_H
#define ER_PARTNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checks.h"
#include "config.h"
#include "observed.h"

struct lyd_node;
struct ly_ctx;

/* Values: YANG agent/partner/state/status position + 1. */
enum er_partner_status {
	ER_PARTNER_OK = 1,
	ER_PARTNER_REFUSED,
	ER_PARTNER_AUTH,
	ER_PARTNER_HOSTKEY,
	ER_PARTNER_TIMEOUT,
	ER_PARTNER_STALE,
	ER_PARTNER_ERROR,
	ER_PARTNER_NOT_CONTACTED,
};

/* One of the partner's check results for a link it terminates. */
struct er_partner_result {
	char circuit[65];
	enum er_peering_type peering;
	enum er_path path;
	uint32_t code;
	enum er_status status;
	char detail[ER_DETAIL_LEN];
};

/* One partner's last answer; immutable once built, shared by reference. */
struct er_partner_view {
	int refs;
	char name[65];
	enum er_partner_status status; /* of the last fetch */
	char message[256];             /* why it failed; "" when ok */
	long long evaluated_at;        /* the partner's last evaluation (its clock); 0 = none */
	long long fetched_at;          /* when the data was fetched (our clock) */
	uint32_t duration_ms;
	uint32_t bytes;
	/* The partner's own links only: interfaces, BGP sessions with their advertised routes, BFD. */
	struct er_observed *obs;
	struct er_partner_result *results; /* sorted by (circuit, peering, code, path) */
	size_t n_results;
};

struct er_partner_view *er_partner_view_new(const char *name);
struct er_partner_view *er_partner_view_ref(struct er_partner_view *pv);
void er_partner_view_unref(struct er_partner_view *pv);
/** Attach a partner's view to @p obs (takes a reference; released with obs). */
void er_observed_add_partner(struct er_observed *obs, struct er_partner_view *pv);
/** The view of partner @p name in @p obs, or NULL when none was attached. */
const struct er_partner_view *er_observed_partner(const struct er_observed *obs, const char *name);

/**
 * Fill @p pv from the partner's state tree (the data of its <get> reply,
 * rooted at /expressroute-readiness:expressroute): typed nodes (parsed
 * with the module) or, under the anydata er_partner_reply_module() has in
 * its place, opaque ones; every value used is checked either way. Only
 * links the partner observed itself are taken (observed-by "local").
 * Returns 0, or -1 with a reason in @p err (and pv unchanged but for
 * status/message): a value of the wrong form refuses the whole reply.
 */
int er_partner_view_from_tree(struct er_partner_view *pv, const struct lyd_node *data, char *err, size_t errlen);

/**
 * er_partner_view_from_tree() on the XML text of the reply's <data>
 * content (@p xml), parsed in @p ctx: with the module loaded (typed and
 * strict), or with er_partner_reply_module() (opaque, as the fetch reads).
 */
int er_partner_view_parse(struct er_partner_view *pv, const struct ly_ctx *ctx, const char *xml, char *err,
    size_t errlen);

/** Record a failed fetch: the data is dropped, the status and reason kept. */
void er_partner_view_fail(struct er_partner_view *pv, enum er_partner_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * The data of @p pv may be used at @p now: the last fetch succeeded and
 * the partner evaluated at most two poll intervals ago. Otherwise writes
 * the reason ("connection refused: ...", "stale: data 75 s old, more than
 * two poll intervals (60 s)") into @p why and returns false.
 */
bool er_partner_view_fresh(const struct er_partner_view *pv, long long now, uint32_t poll_interval, char *why,
    size_t whylen);
/* For partner_reply.c: forget @p pv's data; the order of pv->results. */
void er_partner_view_drop(struct er_partner_view *pv);
int er_partner_result_cmp(const void *a, const void *b);

/** Seconds since the partner evaluated its data (0 when in the future or unknown). */
uint32_t er_partner_view_age(const struct er_partner_view *pv, long long now);

/** The partner's result for one check of one of its links, or NULL. */
const struct er_partner_result *er_partner_view_result(const struct er_partner_view *pv, const char *circuit,
    enum er_peering_type peering, uint32_t code, enum er_path path);

/**
 * Read the key of one of a partner's per-link check results from its list
 * key `id` ("bgp-both-established/er-ams-1/azure-private/secondary", eval.c
 * er_result_id): the check (known to this catalogue: its code), circuit,
 * peering and path. Returns 0, or -1 (r zeroed) for anything else: another
 * shape, an unknown check or peering, a circuit name longer than 64.
 */
int er_partner_check_id(const char *id, struct er_partner_result *r);

/** "ok", "connection-refused", ... (the YANG enum names). */
const char *er_partner_status_name(enum er_partner_status st);

/** Canonical text form, for golden-file tests. */
void er_partner_view_dump(const struct er_partner_view *pv, FILE *out);

/**
 * The subtree filter of the <get> a router sends its partner: the state
 * of the links the partner observed itself, the last evaluation time, the
 * collectors and the check results (their id, status and detail: the
 * partner's verdict on its own links).
 */
extern const char ER_PARTNER_FILTER[];
/**
 * ER_PARTNER_FILTER narrowed for partner @p name of @p cfg: when every link
 * on that partner is a secondary (or every one a primary), only the check
 * results of that path are asked for (a content match on their path: a
 * third of the reply). Caller frees.
 */
char *er_partner_filter(const struct er_config *cfg, const char *name);
/** The filter er_partner_filter() writes for results of path @p only (ER_PATH_NONE: every result). Caller frees. */
char *er_partner_filter_path(enum er_path only);

/**
 * Load into @p ctx the module in the form a partner's reply is read with:
 * expressroute-readiness with /expressroute as one anydata node. libyang
 * then keeps the partner's data as opaque nodes, neither typed nor
 * indexed (at 100 circuits two thirds of the fetch's CPU was typing it
 * inside the <rpc-reply>), and er_partner_view_from_tree() checks each
 * value it reads. Returns 0, or -1 with a reason in @p err.
 */
int er_partner_reply_module(struct ly_ctx *ctx, char *err, size_t errlen);

#endif
