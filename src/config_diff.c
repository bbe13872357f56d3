#include "config_diff.h"

#include <libyang/libyang.h>
#include <stdbool.h>
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

/* Equal values: libyang keeps canonical values in its dictionary, so equal pointers are the common case. */
static bool
same_value(const struct lyd_node *a, const struct lyd_node *b)
{
	const char *x = lyd_get_value(a), *y = lyd_get_value(b);

	return x == y || (x && y && !strcmp(x, y));
}

/* @p a and @p b (same schema node) are the same list entry or leaf-list value. */
static bool
same_instance(const struct lyd_node *a, const struct lyd_node *b)
{
	const struct lyd_node *ka, *kb;

	if (a->schema->nodetype == LYS_LEAFLIST)
		return same_value(a, b);
	if (a->schema->nodetype != LYS_LIST)
		return true;
	for (ka = lyd_child(a), kb = lyd_child(b); ka && kb && lysc_is_key(ka->schema); ka = ka->next, kb = kb->next)
		if (ka->schema != kb->schema || !same_value(ka, kb))
			return false;
	return true;
}

/*
 * The instance of @p n among @p first's siblings. Both trees come from one
 * another (a transaction copies running), so the entry at the cursor is
 * nearly always it; otherwise libyang's hash lookup finds it.
 */
static const struct lyd_node *
find(const struct lyd_node *first, const struct lyd_node **cursor, const struct lyd_node *n)
{
	const struct lyd_node *c = *cursor;
	struct lyd_node *m = NULL;

	if (c && c->schema == n->schema && same_instance(c, n))
		m = (struct lyd_node *)c;
	else if (first && lyd_find_sibling_first(first, n, &m) != LY_SUCCESS)
		m = NULL;
	if (m)
		*cursor = m->next;
	return m;
}

static void
add(struct diff_out *o, const char *op, const struct lyd_node *n)
{
	char *p = safe_path(n);

	out_add(o, op, p ? p : n->schema->name);
	free(p);
}

/*
 * Created, deleted and replaced nodes between two sibling lists, in the
 * new tree's order, deletions after. A created or deleted node is one
 * change, whatever lies below it. Linear in the size of the trees, with
 * no allocation but for the paths printed: this runs on every commit.
 */
static void
walk(const struct lyd_node *old, const struct lyd_node *new, struct diff_out *o)
{
	const struct lyd_node *n, *m, *cur;

	cur = old;
	LY_LIST_FOR(new, n) {
		if (!(n->schema->flags & LYS_CONFIG_W))
			continue;
		if (!(m = find(old, &cur, n)))
			add(o, "create", n);
		else if (n->schema->nodetype & LYD_NODE_TERM) {
			if (n->schema->nodetype == LYS_LEAF && !same_value(m, n))
				add(o, "replace", n);
		} else
			walk(lyd_child(m), lyd_child(n), o);
	}
	cur = new;
	LY_LIST_FOR(old, n)
		if ((n->schema->flags & LYS_CONFIG_W) && !find(new, &cur, n))
			add(o, "delete", n);
}

/* The paths collected, with " and N more" when @p o had to stop; NULL when nothing changed. */
static char *
finish(struct diff_out *o)
{
	char tail[48];

	if (!o->n)
		return NULL;
	if (o->more) {
		snprintf(tail, sizeof(tail), " and %zu more", o->more);
		o->buf = xreallocarray(o->buf, o->len + strlen(tail) + 1, 1);
		memcpy(o->buf + o->len, tail, strlen(tail) + 1);
	}
	return o->buf;
}

char *
er_config_diff_paths(const struct lyd_node *old, const struct lyd_node *new, size_t max)
{
	struct diff_out o;

	memset(&o, 0, sizeof(o));
	o.max = max ? max : 1;
	walk(old, new, &o);
	return finish(&o);
}

/* @p n is an entry of list schema @p ls whose key is one of @p keys. */
static bool
in_scope(const struct lyd_node *n, const struct lysc_node *ls, const char *const *keys, size_t nkeys)
{
	const struct lyd_node *k;
	const char *v;
	size_t i;

	if (n->schema != ls || !(k = lyd_child(n)) || !k->schema || !lysc_is_key(k->schema))
		return false;
	v = lyd_get_value(k);
	for (i = 0; i < nkeys; i++)
		if (!strcmp(v, keys[i]))
			return true;
	return false;
}

char *
er_config_diff_paths_scoped(const struct lyd_node *old, const struct lyd_node *new, const struct lysc_node *top,
    const char *list, const char *const *keys, size_t nkeys, size_t max)
{
	const struct lyd_node *ot = NULL, *nt = NULL, *n, *m, *cur;
	const struct lysc_node *ls = top ? lys_find_child(top, top->module, list, 0, LYS_LIST, 0) : NULL;
	struct diff_out o;

	LY_LIST_FOR(old, n)
		if (n->schema == top)
			ot = n;
	LY_LIST_FOR(new, n)
		if (n->schema == top)
			nt = n;
	if (!ls || !ot || !nt)
		return er_config_diff_paths(old, new, max);
	memset(&o, 0, sizeof(o));
	o.max = max ? max : 1;
	/*
	 * walk() of the top container, skipping what cannot differ: the same
	 * changes in the same order (the new tree's, deletions after), at the
	 * cost of the entries in scope, not of the whole config.
	 */
	cur = lyd_child(ot);
	LY_LIST_FOR(lyd_child(nt), n) {
		if (!in_scope(n, ls, keys, nkeys))
			continue;
		if (!(m = find(lyd_child(ot), &cur, n)))
			add(&o, "create", n);
		else
			walk(lyd_child(m), lyd_child(n), &o);
	}
	cur = lyd_child(nt);
	LY_LIST_FOR(lyd_child(ot), n)
		if (in_scope(n, ls, keys, nkeys) && !find(lyd_child(nt), &cur, n))
			add(&o, "delete", n);
	return finish(&o);
}

bool
er_config_log_change(const char *who, const struct lyd_node *old, const struct lyd_node *new)
{
	char *what = er_config_diff_paths(old, new, ER_CONFIG_DIFF_LOG_MAX);

	if (what)
		log_notice("config changed by %s: %s", who, what);
	free(what);
	return what != NULL;
}
