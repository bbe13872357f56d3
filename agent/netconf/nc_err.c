#include "nc_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct er_nc_err *
er_nc_errs_add(struct er_nc_errs *e, NC_ERR tag, NC_ERR_TYPE type, const char *path, const char *fmt, ...)
{
	struct er_nc_err *err;
	va_list ap;
	char *msg;

	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	err = &e->v[e->n++];
	memset(err, 0, sizeof(*err));
	err->tag = tag;
	err->type = type;
	err->path = path ? xstrdup(path) : NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("out of memory");
	va_end(ap);
	err->msg = msg;
	return err;
}

void
er_nc_err_set(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

void
er_nc_errs_clear(struct er_nc_errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->v[i].path);
		free(e->v[i].msg);
		free(e->v[i].bad_elem);
		free(e->v[i].bad_attr);
		free(e->v[i].bad_ns);
		free(e->v[i].app_tag);
	}
	free(e->v);
	e->v = NULL;
	e->n = 0;
}

static struct lyd_node *
one(const struct ly_ctx *ctx, const struct er_nc_err *x)
{
	const char *elem = x->bad_elem ? x->bad_elem : "";
	const char *attr = x->bad_attr ? x->bad_attr : "";
	struct lyd_node *n;

	switch (x->tag) {
	case NC_ERR_MISSING_ATTR:
	case NC_ERR_BAD_ATTR:
	case NC_ERR_UNKNOWN_ATTR:
		n = nc_err(ctx, x->tag, x->type, attr, elem);
		break;
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_BAD_ELEM:
	case NC_ERR_UNKNOWN_ELEM:
		n = nc_err(ctx, x->tag, x->type, elem);
		break;
	case NC_ERR_UNKNOWN_NS:
		n = nc_err(ctx, x->tag, x->type, elem, x->bad_ns ? x->bad_ns : "");
		break;
	case NC_ERR_LOCK_DENIED:
		n = nc_err(ctx, x->tag, x->sid);
		break;
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
	case NC_ERR_MALFORMED_MSG:
		n = nc_err(ctx, x->tag);
		break;
	default:
		n = nc_err(ctx, x->tag, x->type);
		break;
	}
	if (!n)
		return NULL;
	if (x->path)
		nc_err_set_path(n, x->path);
	if (x->app_tag)
		nc_err_set_app_tag(n, x->app_tag);
	if (x->msg)
		nc_err_set_msg(n, x->msg, "en");
	return n;
}

struct nc_server_reply *
er_nc_errs_reply(const struct ly_ctx *ctx, const struct er_nc_errs *e)
{
	struct nc_server_reply *r = NULL;
	size_t i;

	for (i = 0; i < e->n; i++) {
		struct lyd_node *n = one(ctx, &e->v[i]);
		if (!n)
			continue;
		if (!r)
			r = nc_server_reply_err(n);
		else
			nc_server_reply_add_err(r, n);
	}
	if (!r)
		r = nc_server_reply_err(nc_err(ctx, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP));
	return r;
}
