/*
 * NETCONF rpc-errors collected while a request is processed, turned into
 * one <rpc-reply> with every <rpc-error> at the end. Kept apart from
 * libnetconf2's error trees so the edit and filter engines can be tested
 * without a session.
 */
#ifndef ER_NC_ERR_H
#define ER_NC_ERR_H

#include <stddef.h>
#include <stdint.h>

#include <nc_server.h>

struct er_nc_err {
	NC_ERR tag;
	NC_ERR_TYPE type;   /* layer: NC_ERR_TYPE_PROT, _APP, _RPC */
	char *path;         /* <error-path>: instance-identifier of the node, NULL if none */
	char *msg;          /* <error-message>, English, says what was wrong */
	char *bad_elem;     /* <bad-element> (unknown/missing/bad element, bad attribute) */
	char *bad_attr;     /* <bad-attribute> */
	char *bad_ns;       /* <bad-namespace> (unknown-namespace) */
	char *app_tag;      /* <error-app-tag>, e.g. "data-not-unique", NULL if none */
	uint32_t sid;       /* <session-id> of lock-denied: the holder */
};

struct er_nc_errs {
	struct er_nc_err *v;
	size_t n;
};

/** Append an error; @p path may be NULL; the message is printf-formatted. Returns the new entry. */
struct er_nc_err *er_nc_errs_add(struct er_nc_errs *e, NC_ERR tag, NC_ERR_TYPE type, const char *path,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** Set a string field of @p err (copies; NULL clears). */
void er_nc_err_set(char **field, const char *value);
void er_nc_errs_clear(struct er_nc_errs *e);
/** An rpc-reply carrying every error in @p e (which must not be empty). */
struct nc_server_reply *er_nc_errs_reply(const struct ly_ctx *ctx, const struct er_nc_errs *e);

#endif
