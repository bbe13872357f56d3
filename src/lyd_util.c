#include "lyd_util.h"

#include <string.h>

#include <libyang/libyang.h>

const struct lyd_node *
er_lyd_child(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n;

	if (!parent)
		return NULL;
	/* libyang keeps the children of a list entry in schema order: a short walk */
	LY_LIST_FOR(lyd_child(parent), n) {
		if (!strcmp(LYD_NAME(n), name))
			return n;
	}
	return NULL;
}

const char *
er_lyd_value(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *n = er_lyd_child(parent, name);

	return n && n->schema && (n->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(n) : NULL;
}
