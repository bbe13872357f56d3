/*
 * NETCONF <filter> (RFC 6241 subtree and :xpath) for get, get-config and
 * create-subscription. A filter becomes a list of XPath expressions once,
 * so the get path can ask which parts of the state it needs to build
 * (pushdown) before building anything.
 */
#ifndef ER_NC_FILTER_H
#define ER_NC_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "nc_err.h"

struct ly_ctx;
struct lyd_node;

struct er_nc_filter {
	bool all;      /* no filter: everything */
	char **xpaths; /* union of these (absolute, with module prefixes as libyang wants: "/mod:node") */
	size_t n;      /* 0 and !all: selects nothing (e.g. an empty subtree filter) */
};

/**
 * Read the filter parameter @p filter (the "filter" anyxml child of a get,
 * get-config or create-subscription RPC node; NULL = no filter) into @p f.
 * Returns 0, or -1 with an rpc-error in @p errs (unknown type, subtree
 * filter naming an unknown element or namespace, XPath that does not parse).
 */
int er_nc_filter_parse(const struct ly_ctx *ctx, const struct lyd_node *filter, struct er_nc_filter *f,
    struct er_nc_errs *errs);
void er_nc_filter_clear(struct er_nc_filter *f);
/**
 * er_nc_filter_parse() of a <get> whose subtree filter is @p subtree_xml
 * (the filter's content), parsed as the server parses a client's RPC: the
 * filter a known client sends, to recognise it (er_nc_filter_same).
 */
int er_nc_filter_parse_subtree(const struct ly_ctx *ctx, const char *subtree_xml, struct er_nc_filter *f,
    struct er_nc_errs *errs);
/** Whether @p a and @p b are the same expressions (so select the same nodes of any tree). */
bool er_nc_filter_same(const struct er_nc_filter *a, const struct er_nc_filter *b);

/**
 * Whether the filter may select anything at, above or below the schema
 * node @p schema_path (e.g. "/expressroute-readiness:expressroute/readiness").
 * Used to skip building parts of the state nobody asked for.
 */
bool er_nc_filter_wants(const struct ly_ctx *ctx, const struct er_nc_filter *f, const char *schema_path);

/**
 * Whether the filter may select or test config data: a config node
 * selected, or a config leaf other than a list key in a predicate (the
 * state data has the list entries with their keys). When not, a <get>
 * answers from the state data alone, without a copy of running merged in.
 */
bool er_nc_filter_wants_config(const struct ly_ctx *ctx, const struct er_nc_filter *f);

/**
 * When every expression of @p f that may reach the list @p list (a schema
 * path, "/expressroute-readiness:expressroute/readiness/check") selects
 * only entries whose leaf @p leaf has one value, as a subtree content
 * match does (<check><path>secondary</path>...</check>), that value
 * (caller frees); otherwise NULL. A filtered <get> builds only those
 * entries (a partner's fetch: nc_get.c). Conservative: an expression
 * spelled any other way makes it NULL.
 */
char *er_nc_filter_list_match(const struct ly_ctx *ctx, const struct er_nc_filter *f, const char *list,
    const char *leaf);

/**
 * The nodes of @p tree (all top-level siblings) the filter selects, as a
 * new tree with their ancestors and the ancestors' list keys, or NULL if
 * nothing is selected. Returns 0, or -1 with an rpc-error in @p errs.
 */
int er_nc_filter_apply(const struct er_nc_filter *f, const struct lyd_node *tree, struct lyd_node **out,
    struct er_nc_errs *errs);

/** Whether a notification (@p notif: the notification node, top-level) passes the filter. */
bool er_nc_filter_match(const struct er_nc_filter *f, const struct lyd_node *notif);

#endif
