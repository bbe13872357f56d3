/*
 * Internal to the NETCONF operations (nc_ops.c, nc_ds.c, nc_get.c): the
 * agent's libyang context and lock, an RPC's parameters, and the replies
 * and rpc-errors every operation builds.
 */
#ifndef ER_NC_RPC_H
#define ER_NC_RPC_H

#include <stdbool.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "nc_err.h"

/** The agent's libyang context. */
struct ly_ctx *er_nc_ctx(void);
/** The agent lock, under which the datastores and the operations' state are touched. */
void er_nc_lock(void);
void er_nc_unlock(void);

/** The reply carrying @p errs, which are cleared. */
struct nc_server_reply *er_nc_fail(struct er_nc_errs *errs);
/** missing-element naming @p elem (RFC 6241 appendix A: bad-element). */
struct nc_server_reply *er_nc_missing1(const char *elem, const char *msg);
/** One rpc-error. */
struct nc_server_reply *er_nc_fail1(NC_ERR tag, NC_ERR_TYPE type, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** The data tree of an anydata/anyxml node (an inline <config>), or NULL. */
struct lyd_node *er_nc_any_tree(const struct lyd_node *any);
/** The with-defaults mode an RPC asks for; *@p bad when it names an unknown one. */
NC_WD_MODE er_nc_wd_mode(const struct lyd_node *rpc, bool *bad);
/** <rpc-reply><data>value</data></rpc-reply>; takes @p value (a tree or, for get-schema, a string). */
struct nc_server_reply *er_nc_reply_any(const struct lyd_node *rpc, void *value, LYD_ANYDATA_VALUETYPE type,
    NC_WD_MODE wd);
/** Turn a datastore validation message ("edit: /path: reason") into an rpc-error. */
void er_nc_validation_error(struct er_nc_errs *errs, const char *msg);

#endif
