/*
 * What every NETCONF operation uses: the agent's libyang context and
 * lock, an RPC's parameters, and its reply or rpc-error (nc_rpc.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "datastore.h"
#include "lyd_util.h"
#include "nc_err.h"
#include "nc_internal.h"
#include "nc_rpc.h"
#include "util.h"

struct ly_ctx *
er_nc_ctx(void)
{
	return er_ds_ctx(er_nc_env->ds);
}

void
er_nc_lock(void)
{
	pthread_mutex_lock(er_nc_env->lock);
}

void
er_nc_unlock(void)
{
	pthread_mutex_unlock(er_nc_env->lock);
}

struct nc_server_reply *
er_nc_fail(struct er_nc_errs *errs)
{
	struct nc_server_reply *r = er_nc_errs_reply(er_nc_ctx(), errs);

	er_nc_errs_clear(errs);
	return r;
}

/* missing-element naming @p elem (RFC 6241 appendix A: bad-element). */
struct nc_server_reply *
er_nc_missing1(const char *elem, const char *msg)
{
	struct er_nc_errs errs = { NULL, 0 };

	er_nc_err_set(&er_nc_errs_add(&errs, NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, NULL, "%s", msg)->bad_elem, elem);
	return er_nc_fail(&errs);
}

struct nc_server_reply *
er_nc_fail1(NC_ERR tag, NC_ERR_TYPE type, const char *path, const char *fmt, ...)
{
	struct er_nc_errs errs = { NULL, 0 };
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	er_nc_errs_add(&errs, tag, type, path, "%s", msg ? msg : "out of memory");
	free(msg);
	return er_nc_fail(&errs);
}

struct lyd_node *
er_nc_any_tree(const struct lyd_node *any)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	if (!a || a->value_type != LYD_ANYDATA_DATATREE)
		return NULL;
	return a->value.tree;
}

NC_WD_MODE
er_nc_wd_mode(const struct lyd_node *rpc, bool *bad)
{
	const struct lyd_node *c;

	*bad = false;
	LY_LIST_FOR(lyd_child(rpc), c) {
		const char *v;
		if (strcmp(LYD_NAME(c), "with-defaults") || !c->schema)
			continue;
		v = lyd_get_value(c);
		if (!strcmp(v, "report-all"))
			return NC_WD_ALL;
		if (!strcmp(v, "report-all-tagged"))
			return NC_WD_ALL_TAG;
		if (!strcmp(v, "trim"))
			return NC_WD_TRIM;
		if (!strcmp(v, "explicit"))
			return NC_WD_EXPLICIT;
		*bad = true;
	}
	return NC_WD_EXPLICIT;
}

/* <rpc-reply><data>value</data></rpc-reply>; takes @p value (a tree or, for get-schema, a string). */
struct nc_server_reply *
er_nc_reply_any(const struct lyd_node *rpc, void *value, LYD_ANYDATA_VALUETYPE type, NC_WD_MODE wd)
{
	struct lyd_node *out = NULL;

	if (lyd_dup_single(rpc, NULL, 0, &out) != LY_SUCCESS ||
	    lyd_new_any(out, NULL, "data", value, 1, type, 1, NULL) != LY_SUCCESS) {
		lyd_free_all(out);
		if (type == LYD_ANYDATA_DATATREE)
			lyd_free_all(value);
		else
			free(value);
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot build the reply");
	}
	return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}

/* Turn a datastore validation message ("edit: /path: reason") into an rpc-error. */
void
er_nc_validation_error(struct er_nc_errs *errs, const char *msg)
{
	const char *m = msg, *colon;
	char path[1024] = "";
	struct er_nc_err *e;
	NC_ERR tag = NC_ERR_OP_FAILED;
	const char *app = NULL;

	if (!strncmp(m, "edit: ", 6))
		m += 6;
	if (m[0] == '/' && (colon = strstr(m, ": "))) {
		snprintf(path, sizeof(path), "%.*s", (int)(colon - m), m);
		m = colon + 2;
	}
	if (strstr(m, "Mandatory node") || strstr(m, "mandatory")) {
		tag = NC_ERR_DATA_MISSING;
	} else if (strstr(m, "Must condition")) {
		app = "must-violation";
	} else if (strstr(m, "Unique data")) {
		app = "data-not-unique";
	} else if (strstr(m, "Too many")) {
		app = "too-many-elements";
	} else if (strstr(m, "Too few")) {
		app = "too-few-elements";
	} else if (strstr(m, "nvalid leafref") || strstr(m, "instance-required")) {
		tag = NC_ERR_DATA_MISSING;
		app = "instance-required";
	}
	e = er_nc_errs_add(errs, tag, NC_ERR_TYPE_APP, path[0] ? path : NULL, "%s", m);
	if (app)
		er_nc_err_set(&e->app_tag, app);
}
