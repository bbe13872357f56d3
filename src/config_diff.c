#include "config_diff.h"

#include <libyang/libyang.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* The log names at most this many changes; the rest are counted. */
#define ER_CONFIG_DIFF_LOG_MAX 8

struct diff_out {
	char *buf;
	size_t len, cap;
	size_t n, max, more;
	char last[1024];
};

static void
out_add(struct diff_out *o, const char *op, const char *path)
{
	char item[1024];
	size_t k;

	snprintf(item, sizeof(item), "%s %s", op, path);
	if (!strcmp(item, o->last)) /* several entries of one leaf-list */
		return;
	memcpy(o->last, item, sizeof(item));
	if (o->n >= o->max) {
		o->more++;
		return;
	}
	k = strlen(item) + 3;
	if (o->len + k >= o->cap) {
		o->cap = (o->len + k) * 2;
		o->buf = xreallocarray(o->buf, o->cap, 1);
	}
	o->len += (size_t)snprintf(o->buf + o->len, o->cap - o->len, "%s%s", o->n ? ", " : "", item);
	o->n++;
}

/* A data path with no value in it: a leaf-list entry's own path would end in its value. */
static char *
safe_path(const struct lyd_node *n)
{
	char *parent, *p = NULL;

	if (n->schema->nodetype != LYS_LEAFLIST)
		return lyd_path(n, LYD_PATH_STD, NULL, 0);
	if (!lyd_parent(n)) {
		if (asprintf(&p, "/%s:%s", n->schema->module->name, n->schema->name) < 0)
			p = NULL;
		return p;
	}
	parent = lyd_path(lyd_parent(n), LYD_PATH_STD, NULL, 0);
	if (parent && asprintf(&p, "%s/%s", parent, n->schema->name) < 0)
		p = NULL;
	free(parent);
	return p;
}

/*
 * In a libyang diff every node carries yang:operation or inherits its
 * parent's; under "none" each child has its own. A created, deleted or
 * replaced node is one change, whatever lies below it.
 */
static void
walk(const struct lyd_node *first, struct diff_out *o)
{
	const struct lyd_node *n;

	LY_LIST_FOR(first, n) {
		struct lyd_meta *m = lyd_find_meta(n->meta, NULL, "yang:operation");
		const char *op = m ? lyd_get_meta_value(m) : "none";

		if (strcmp(op, "none")) {
			char *p = safe_path(n);
			out_add(o, op, p ? p : n->schema->name);
			free(p);
		} else
			walk(lyd_child(n), o);
	}
}

char *
er_config_diff_paths(const struct lyd_node *old, const struct lyd_node *new, size_t max)
{
	struct lyd_node *diff = NULL;
	struct diff_out o;
	char tail[48];

	memset(&o, 0, sizeof(o));
	o.max = max ? max : 1;
	if (lyd_diff_siblings(old, new, 0, &diff) != LY_SUCCESS)
		return xstrdup("(the change could not be computed)");
	walk(diff, &o);
	lyd_free_all(diff);
	if (!o.n)
		return NULL;
	if (o.more) {
		snprintf(tail, sizeof(tail), " and %zu more", o.more);
		o.buf = xreallocarray(o.buf, o.len + strlen(tail) + 1, 1);
		memcpy(o.buf + o.len, tail, strlen(tail) + 1);
	}
	return o.buf;
}

void
er_config_log_change(const char *who, const struct lyd_node *old, const struct lyd_node *new)
{
	char *what = er_config_diff_paths(old, new, ER_CONFIG_DIFF_LOG_MAX);

	if (what)
		log_notice("config changed by %s: %s", who, what);
	free(what);
}
