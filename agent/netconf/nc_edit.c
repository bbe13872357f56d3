#include "nc_edit.h"

#include "datastore.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "log.h"
#include "util.h"

/* Namespace of the "operation" attribute (RFC 6241 section 7.2). */
#define NC_BASE_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

enum op { OP_NONE = 0, OP_MERGE, OP_REPLACE, OP_CREATE, OP_DELETE, OP_REMOVE };

static const char *const op_names[] = { "none", "merge", "replace", "create", "delete", "remove" };

/* Where a user-ordered entry goes (RFC 7950 sections 7.7.9 and 7.8.6). */
enum where { AT_KEEP = 0, AT_FIRST, AT_LAST, AT_BEFORE, AT_AFTER };

struct pos {
	enum where where;
	struct lyd_node *anchor; /* AT_BEFORE, AT_AFTER */
};

struct edit {
	const struct ly_ctx *ctx;
	struct lyd_node **root; /* first top-level sibling of the tree being edited */
	bool cont;              /* continue-on-error */
	struct er_nc_errs *errs;
	size_t failed;
};

/* ---- messages and paths ---- */

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	return s;
}

/* Add an error; takes @p path (may be NULL). */
static struct er_nc_err *
report(struct edit *ed, NC_ERR tag, NC_ERR_TYPE type, char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static struct er_nc_err *
report(struct edit *ed, NC_ERR tag, NC_ERR_TYPE type, char *path, const char *fmt, ...)
{
	struct er_nc_err *err;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	err = er_nc_errs_add(ed->errs, tag, type, path, "%s", msg);
	free(msg);
	free(path);
	return err;
}

/* One more failed node: -1 ends the edit, 0 goes on with the next node (continue-on-error). */
static int
failed(struct edit *ed)
{
	ed->failed++;
	return ed->cont ? 0 : -1;
}

static char *
data_path(const struct lyd_node *n)
{
	char *p = lyd_path(n, LYD_PATH_STD, NULL, 0);

	if (!p)
		fatalx("out of memory");
	return p;
}

/*
 * Path of an opaque edit node (its parent is never opaque: the subtree of
 * an opaque node is not looked into). lyd_path() does not handle opaque
 * nodes at the top level. @p mod is its module when known.
 */
static char *
opaq_path(const struct lyd_node *e, const struct lys_module *mod)
{
	const struct lyd_node *parent = lyd_parent(e);
	char *pp = parent ? data_path(parent) : NULL, *p;
	bool pfx = mod && (!parent || !parent->schema || parent->schema->module != mod);

	p = xasprintf("%s/%s%s%s", pp ? pp : "", pfx ? mod->name : "", pfx ? ":" : "", LYD_NAME(e));
	free(pp);
	return p;
}

/* How a message names a node: bandwidth, circuit[name='x'], listen[.='udp:...']. */
static void
label(const struct lyd_node *n, char *buf, size_t len)
{
	const struct lyd_node *k;

	buf[0] = '\0';
	strlcatf(buf, len, "%s", LYD_NAME(n));
	if (!n->schema)
		return;
	if (n->schema->nodetype == LYS_LIST) {
		for (k = lyd_child(n); k && k->schema && lysc_is_key(k->schema); k = k->next)
			strlcatf(buf, len, "[%s='%s']", k->schema->name, lyd_get_value(k));
	} else if (n->schema->nodetype == LYS_LEAFLIST)
		strlcatf(buf, len, "[.='%s']", lyd_get_value(n));
}

/* A libyang call failed on schema node @p e of the edit: operation-failed with its reason. */
static void
ly_report(struct edit *ed, const struct lyd_node *e, const char *what)
{
	const char *why = ly_errmsg(ed->ctx);
	char name[256];

	label(e, name, sizeof(name));
	report(ed, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, data_path(e), "cannot %s %s: %s", what, name,
	    why ? why : "libyang error");
}

static int
ly_failed(struct edit *ed, const struct lyd_node *e, const char *what)
{
	ly_report(ed, e, what);
	return failed(ed);
}

/* @p e is in the edit; @p s its schema node (an opaque leaf to delete has one too). */
static int
data_missing(struct edit *ed, const struct lyd_node *e, const struct lysc_node *s, enum op op)
{
	char *path = e->schema ? data_path(e) : opaq_path(e, s->module), name[256];

	label(e, name, sizeof(name));
	if (op == OP_DELETE)
		report(ed, NC_ERR_DATA_MISSING, NC_ERR_TYPE_APP, path, "cannot delete %s: it does not exist", name);
	else
		report(ed, NC_ERR_DATA_MISSING, NC_ERR_TYPE_APP, path,
		    "%s does not exist, and operation none does not create it", name);
	return failed(ed);
}

static int
data_exists(struct edit *ed, const struct lyd_node *t)
{
	char name[256];

	label(t, name, sizeof(name));
	report(ed, NC_ERR_DATA_EXISTS, NC_ERR_TYPE_APP, data_path(t), "cannot create %s: it already exists", name);
	return failed(ed);
}

/* ---- what an edit node asks for ---- */

/* The node's own operation attribute: 1 with @p op set, 0 when it has none, -1 with @p bad for a bad value. */
static int
own_op(const struct lyd_node *e, enum op *op, const char **bad)
{
	const struct lyd_meta *m;
	const struct lyd_attr *a;
	const char *v = NULL;
	int i;

	if (e->schema) {
		for (m = e->meta; m && !v; m = m->next)
			if (!strcmp(m->name, "operation") && !strcmp(m->annotation->module->name, "ietf-netconf"))
				v = lyd_get_meta_value(m);
	} else {
		for (a = ((const struct lyd_node_opaq *)e)->attr; a && !v; a = a->next)
			if (!strcmp(a->name.name, "operation") && a->name.module_ns &&
			    (!strcmp(a->name.module_ns, NC_BASE_NS) || !strcmp(a->name.module_ns, "ietf-netconf")))
				v = a->value;
	}
	if (!v)
		return 0;
	for (i = OP_MERGE; i <= OP_REMOVE; i++) {
		if (!strcmp(v, op_names[i])) {
			*op = (enum op)i;
			return 1;
		}
	}
	*bad = v;
	return -1;
}

static void
bad_operation(struct edit *ed, const struct lyd_node *e, char *path, const char *value)
{
	struct er_nc_err *err;

	err = report(ed, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, path,
	    "invalid operation \"%s\" on %s: expected merge, replace, create, delete or remove", value, LYD_NAME(e));
	er_nc_err_set(&err->bad_attr, "operation");
	er_nc_err_set(&err->bad_elem, LYD_NAME(e));
}

/*
 * Check @p value against the type of @p s; on failure @p why gets
 * libyang's reason (and the error libyang stored is dropped).
 */
static bool
value_ok(const struct ly_ctx *ctx, const struct lysc_node *s, const char *value, char *why, size_t len)
{
	struct ly_err_item *before = ly_err_last(ctx), *e;
	LY_ERR r;

	r = lyd_value_validate(ctx, s, value, strlen(value), NULL, NULL, NULL);
	if (r == LY_SUCCESS || r == LY_EINCOMPLETE)
		return true;
	e = ly_err_last(ctx);
	snprintf(why, len, "%s", e && e != before && e->msg ? e->msg : "not a value of its type");
	if (e && e != before)
		ly_err_clean((struct ly_ctx *)ctx, e);
	return false;
}

/* @p why: libyang's reason, from value_ok(). */
static int
invalid_value(struct edit *ed, char *path, const struct lysc_node *s, const char *what, const char *value,
    const char *why)
{
	if (er_ds_is_secret(s)) {
		/* write-only: the value stays out of the message, libyang's reason included */
		report(ed, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, path,
		    "invalid value for %s (not shown: write-only): %s", what,
		    *value && strstr(why, value) ? "not a value of its type" : why);
	} else
		report(ed, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, path, "invalid value \"%s\" for %s: %s", value, what,
		    why);
	return -1;
}

static int
state_data(struct edit *ed, char *path, const char *name)
{
	report(ed, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, path,
	    "%s is state data (config false): it cannot be configured", name);
	return -1;
}

/* The opaque child of @p e named @p name in namespace @p ns, if any. */
static const struct lyd_node_opaq *
opaq_child(const struct lyd_node *e, const char *name, const char *ns)
{
	const struct lyd_node *c;
	const struct lyd_node_opaq *o;

	LY_LIST_FOR(lyd_child(e), c) {
		o = (const struct lyd_node_opaq *)c;
		if (!c->schema && !strcmp(o->name.name, name) && o->name.module_ns && !strcmp(o->name.module_ns, ns))
			return o;
	}
	return NULL;
}

/*
 * An opaque node: say why libyang left it so (unknown namespace, unknown
 * element, bad operation attribute, state data, invalid value, list
 * without its key) and return -1. Or set @p op and @p sp and return 0 for
 * an empty leaf (<bandwidth/>) to delete or remove, whose value does not
 * matter, 1 for a leaf or leaf-list whose value is valid after all (the
 * check libyang runs on opaque content reads "0100" as octal).
 */
static int
opaque_check(struct edit *ed, const struct lyd_node *e, enum op inherited, enum op *op, const struct lysc_node **sp)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)e, *k;
	const struct lyd_node *parent = lyd_parent(e);
	const struct lys_module *mod = NULL;
	const struct lysc_node *s = NULL, *ks;
	const char *name = o->name.name, *ns = o->name.module_ns, *bad;
	struct er_nc_err *err;
	char *path, *kpath, what[256], why[512];
	int r;

	if (ns)
		mod = ly_ctx_get_module_implemented_ns(ed->ctx, ns);
	if (!mod) {
		err = report(ed, NC_ERR_UNKNOWN_NS, NC_ERR_TYPE_APP, parent ? data_path(parent) : NULL,
		    "element \"%s\" is in namespace \"%s\", which is not a data model of this server", name,
		    ns ? ns : "");
		er_nc_err_set(&err->bad_elem, name);
		er_nc_err_set(&err->bad_ns, ns ? ns : "");
		return -1;
	}
	s = lys_find_child(parent ? parent->schema : NULL, mod, name, 0, 0, 0);
	path = opaq_path(e, mod);
	if (!s || !(s->nodetype & (LYS_CONTAINER | LYS_LIST | LYS_LEAF | LYS_LEAFLIST | LYS_ANYDATA))) {
		if (parent)
			err = report(ed, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP, path,
			    "unknown element \"%s\": %s has no such child in module %s", name, LYD_NAME(parent),
			    mod->name);
		else
			err = report(ed, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP, path,
			    "unknown element \"%s\": module %s has no such top-level node", name, mod->name);
		er_nc_err_set(&err->bad_elem, name);
		return -1;
	}
	if ((r = own_op(e, op, &bad)) < 0) {
		bad_operation(ed, e, path, bad);
		return -1;
	}
	if (r == 0)
		*op = inherited;
	if (s->flags & LYS_CONFIG_R)
		return state_data(ed, path, name);
	if (s->nodetype == LYS_LEAF && (*op == OP_DELETE || *op == OP_REMOVE) && !o->value[0] && !o->child) {
		free(path);
		*sp = s;
		return 0;
	}
	if (s->nodetype & LYD_NODE_TERM) {
		if (!value_ok(ed->ctx, s, o->value, why, sizeof(why)))
			return invalid_value(ed, path, s, name, o->value, why);
		free(path);
		*sp = s;
		return 1;
	}
	if (s->nodetype == LYS_LIST) {
		for (ks = lysc_node_child(s); ks && lysc_is_key(ks); ks = ks->next) {
			if (!(k = opaq_child(e, ks->name, mod->ns))) {
				err = report(ed, NC_ERR_MISSING_ELEM, NC_ERR_TYPE_APP, path,
				    "%s entry without its key \"%s\"", name, ks->name);
				er_nc_err_set(&err->bad_elem, ks->name);
				return -1;
			}
			if (!value_ok(ed->ctx, ks, k->value, why, sizeof(why))) {
				kpath = xasprintf("%s/%s", path, ks->name);
				free(path);
				snprintf(what, sizeof(what), "key %s of %s", ks->name, name);
				return invalid_value(ed, kpath, ks, what, k->value, why);
			}
		}
	}
	report(ed, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, path, "%s could not be parsed as its schema says", name);
	return -1;
}

static bool
is_key(const struct lyd_node *n)
{
	return n->schema && lysc_is_key(n->schema);
}

/*
 * Checks of one edit node before anything changes: the node is known and
 * valid (not opaque), its operation attribute, config true, the operation
 * attributes of list keys. Sets @p op (own or @p inherited) and @p sp, the
 * schema node. -1 (reported) when it fails; 1 for an opaque leaf or
 * leaf-list whose value is valid all the same (see opaque_check()).
 */
static int
check_node(struct edit *ed, const struct lyd_node *e, enum op inherited, enum op *op, const struct lysc_node **sp)
{
	const struct lyd_node *k;
	struct er_nc_err *err;
	const char *bad;
	enum op kop;
	int r;

	if (!e->schema)
		return opaque_check(ed, e, inherited, op, sp);
	*sp = e->schema;
	if ((r = own_op(e, op, &bad)) < 0) {
		bad_operation(ed, e, data_path(e), bad);
		return -1;
	}
	if (r == 0)
		*op = inherited;
	if (e->schema->flags & LYS_CONFIG_R)
		return state_data(ed, data_path(e), e->schema->name);
	if (e->schema->nodetype != LYS_LIST)
		return 0;
	for (k = lyd_child(e); k && is_key(k); k = k->next) {
		if ((r = own_op(k, &kop, &bad)) < 0) {
			bad_operation(ed, k, data_path(k), bad);
			return -1;
		}
		if (r > 0 && kop != *op) {
			err = report(ed, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, data_path(k),
			    "operation \"%s\" on key %s differs from \"%s\" of its %s entry: keys cannot be changed",
			    op_names[kop], k->schema->name, op_names[*op], e->schema->name);
			er_nc_err_set(&err->bad_attr, "operation");
			er_nc_err_set(&err->bad_elem, k->schema->name);
			return -1;
		}
	}
	return 0;
}

/* check_node() without a report. */
static int
check_quiet(struct edit *ed, const struct lyd_node *e, enum op inherited, enum op *op, const struct lysc_node **sp)
{
	struct er_nc_errs *keep = ed->errs, scratch = { NULL, 0 };
	int r;

	ed->errs = &scratch;
	r = check_node(ed, e, inherited, op, sp);
	ed->errs = keep;
	er_nc_errs_clear(&scratch);
	return r;
}

/* Whether applying @p e to missing data would create some (merge, replace or create below none). */
static bool
wants_create(struct edit *ed, const struct lyd_node *e, enum op inherited)
{
	const struct lysc_node *s;
	const struct lyd_node *c;
	enum op op;

	if (check_quiet(ed, e, inherited, &op, &s) < 0)
		return false;
	if (op == OP_MERGE || op == OP_REPLACE || op == OP_CREATE)
		return true;
	if (op != OP_NONE || !(s->nodetype & LYD_NODE_INNER))
		return false;
	LY_LIST_FOR(lyd_child(e), c) {
		if (!is_key(c) && wants_create(ed, c, op))
			return true;
	}
	return false;
}

/* The content of a delete or remove is not applied, but it must be a valid edit all the same. */
static int
check_subtree(struct edit *ed, const struct lyd_node *e, enum op op)
{
	const struct lysc_node *s;
	const struct lyd_node *c;
	enum op cop;

	LY_LIST_FOR(lyd_child(e), c) {
		if (is_key(c))
			continue;
		if (check_node(ed, c, op, &cop, &s) < 0 || check_subtree(ed, c, cop) < 0)
			return -1;
	}
	return 0;
}

/* ---- user-ordered entries: yang:insert, yang:value, yang:key ---- */

static const char *
yang_meta(const struct lyd_node *e, const char *name)
{
	const struct lyd_meta *m;

	for (m = e->meta; m; m = m->next)
		if (!strcmp(m->name, name) && !strcmp(m->annotation->module->name, "yang"))
			return lyd_get_meta_value(m);
	return NULL;
}

/* Resolve where a created or merged user-ordered entry goes, before anything changes. */
static int
insert_pos(struct edit *ed, struct lyd_node *tparent, const struct lyd_node *e, struct pos *p)
{
	const char *ins = yang_meta(e, "insert"), *attr, *ref;
	struct lyd_node *first = tparent ? lyd_child(tparent) : *ed->root;
	struct er_nc_err *err;

	p->where = AT_KEEP;
	p->anchor = NULL;
	if (!ins)
		return 0;
	if (!strcmp(ins, "first"))
		p->where = AT_FIRST;
	else if (!strcmp(ins, "last"))
		p->where = AT_LAST;
	else if (!strcmp(ins, "before"))
		p->where = AT_BEFORE;
	else if (!strcmp(ins, "after"))
		p->where = AT_AFTER;
	if (p->where != AT_BEFORE && p->where != AT_AFTER)
		return 0;
	/* the entry to go next to: yang:value of a leaf-list, yang:key (predicates) of a list */
	attr = e->schema->nodetype == LYS_LEAFLIST ? "value" : "key";
	if (!(ref = yang_meta(e, attr))) {
		err = report(ed, NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, data_path(e),
		    "insert %s on %s without the %s attribute", ins, e->schema->name, attr);
	} else if (first && lyd_find_sibling_val(first, e->schema, ref, 0, &p->anchor) == LY_SUCCESS)
		return 0;
	else {
		err = report(ed, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, data_path(e),
		    "insert %s \"%s\": %s has no such entry", ins, ref, e->schema->name);
		er_nc_err_set(&err->app_tag, "missing-instance");
	}
	er_nc_err_set(&err->bad_attr, attr);
	er_nc_err_set(&err->bad_elem, e->schema->name);
	return -1;
}

/* Move @p n (in the tree) where @p p says. */
static LY_ERR
place(struct lyd_node *n, const struct pos *p)
{
	struct lyd_node *i;

	switch (p->where) {
	case AT_KEEP:
		break;
	case AT_FIRST:
		for (i = lyd_first_sibling(n); i && i->schema != n->schema; i = i->next)
			;
		if (i && i != n)
			return lyd_insert_before(i, n);
		break;
	case AT_LAST:
		for (i = n; i->next && i->next->schema == n->schema; i = i->next)
			;
		if (i != n)
			return lyd_insert_after(i, n);
		break;
	case AT_BEFORE:
		if (p->anchor != n)
			return lyd_insert_before(p->anchor, n);
		break;
	case AT_AFTER:
		if (p->anchor != n)
			return lyd_insert_after(p->anchor, n);
		break;
	}
	return LY_SUCCESS;
}

/* ---- changing the target ---- */

/* place() for an existing entry, keeping the first top-level sibling right. */
static LY_ERR
move(struct edit *ed, struct lyd_node *tparent, struct lyd_node *t, const struct pos *p)
{
	LY_ERR r = place(t, p);

	if (!tparent)
		*ed->root = lyd_first_sibling(t);
	return r;
}

/* Free @p t, keeping the first top-level sibling right. */
static void
drop(struct edit *ed, struct lyd_node *t)
{
	struct lyd_node *other = t->next ? t->next : t->prev != t ? t->prev : NULL;
	bool top = !t->parent;

	lyd_free_tree(t);
	if (top)
		*ed->root = other ? lyd_first_sibling(other) : NULL;
}

/*
 * A new node from @p e alone (list keys come with it, metadata does not),
 * in place of @p t if that exists (a default, or data being replaced).
 */
static struct lyd_node *
new_node(struct edit *ed, struct lyd_node *tparent, struct lyd_node *t, const struct lyd_node *e, struct pos *p)
{
	struct lyd_node *n = NULL;
	bool inserted = false;
	LY_ERR r;

	if (lyd_dup_single(e, NULL, LYD_DUP_NO_META, &n) != LY_SUCCESS) {
		ly_report(ed, e, "create");
		return NULL;
	}
	if (t && lysc_is_userordered(e->schema)) {
		/* a replaced entry keeps its place unless told otherwise */
		if (p->anchor == t)
			p->where = AT_KEEP;
		r = lyd_insert_before(t, n);
		if (r == LY_SUCCESS)
			drop(ed, t);
	} else {
		if (t)
			drop(ed, t);
		r = tparent ? lyd_insert_child(tparent, n) : lyd_insert_sibling(*ed->root, n, ed->root);
	}
	if (r == LY_SUCCESS) {
		inserted = true;
		r = place(n, p);
	}
	if (!tparent && *ed->root)
		*ed->root = lyd_first_sibling(*ed->root);
	if (r != LY_SUCCESS) {
		ly_report(ed, e, "insert");
		if (inserted)
			drop(ed, n);
		else
			lyd_free_tree(n);
		return NULL;
	}
	return n;
}

static int apply_node(struct edit *ed, struct lyd_node *tparent, bool pmissing, const struct lyd_node *e,
    enum op inherited);

/* Apply the children of @p e (keys excepted) below @p t; @p missing: @p t does not exist. */
static int
children(struct edit *ed, struct lyd_node *t, bool missing, const struct lyd_node *e, enum op op)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(e), c) {
		if (is_key(c))
			continue;
		if (apply_node(ed, t, missing, c, op) < 0)
			return -1;
	}
	return 0;
}

/* create, replace, or merge of missing data: a new node from @p e, then its content. */
static int
create(struct edit *ed, struct lyd_node *tparent, struct lyd_node *t, const struct lyd_node *e, enum op op,
    struct pos *p)
{
	struct lyd_node *n = new_node(ed, tparent, t, e, p);

	if (!n)
		return failed(ed);
	if (e->schema->nodetype & LYD_NODE_INNER)
		return children(ed, n, false, e, op);
	return 0;
}

static int
merge(struct edit *ed, struct lyd_node *tparent, struct lyd_node *t, const struct lyd_node *e, struct pos *p)
{
	LY_ERR r;

	if (!t)
		return create(ed, tparent, t, e, OP_MERGE, p);
	if (e->schema->nodetype & LYD_NODE_INNER) {
		if (move(ed, tparent, t, p) != LY_SUCCESS)
			return ly_failed(ed, e, "move");
		return children(ed, t, false, e, OP_MERGE);
	}
	if (e->schema->nodetype == LYS_LEAF) {
		/* LY_EEXIST: only the default flag went; LY_ENOT: same value */
		r = lyd_change_term(t, lyd_get_value(e));
		if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT)
			return ly_failed(ed, e, "set");
		return 0;
	}
	if (e->schema->nodetype == LYS_LEAFLIST && !(t->flags & LYD_DEFAULT)) {
		if (move(ed, tparent, t, p) != LY_SUCCESS)
			return ly_failed(ed, e, "move");
		return 0;
	}
	/* a default leaf-list entry made explicit, anydata: a new node */
	return create(ed, tparent, t, e, OP_MERGE, p);
}

/*
 * An opaque leaf or leaf-list with a valid value: apply a real node made
 * from it, in a scratch copy of its edit parents (for paths), with the
 * operation already found.
 */
static int
apply_opaque_term(struct edit *ed, struct lyd_node *tparent, bool pmissing, const struct lyd_node *e,
    const struct lysc_node *s, enum op op)
{
	const struct lyd_node *parent = lyd_parent(e);
	struct lyd_node *copy = NULL, *real = NULL;
	const char *why;
	int r;

	if ((parent && lyd_dup_single(parent, NULL, LYD_DUP_WITH_PARENTS | LYD_DUP_NO_META, &copy) != LY_SUCCESS) ||
	    lyd_new_term(copy, s->module, s->name, ((const struct lyd_node_opaq *)e)->value, 0, &real) != LY_SUCCESS) {
		why = ly_errmsg(ed->ctx);
		report(ed, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, opaq_path(e, s->module), "cannot read %s: %s", s->name,
		    why ? why : "libyang error");
		lyd_free_all(copy);
		return failed(ed);
	}
	r = apply_node(ed, tparent, pmissing, real, op);
	lyd_free_all(real);
	return r;
}

/*
 * Apply edit node @p e below @p tparent (NULL: the top level); @p pmissing:
 * the parent does not exist and will not (operation none above). Returns
 * -1 to end the edit.
 */
static int
apply_node(struct edit *ed, struct lyd_node *tparent, bool pmissing, const struct lyd_node *e, enum op inherited)
{
	struct lyd_node *t = NULL, *first;
	struct pos p = { AT_KEEP, NULL };
	const struct lysc_node *s;
	enum op op;

	int r;

	if ((r = check_node(ed, e, inherited, &op, &s)) < 0)
		return failed(ed);
	if (r > 0)
		return apply_opaque_term(ed, tparent, pmissing, e, s, op);
	/* from here on @p e is a schema node, or an empty opaque leaf to delete or remove */
	if (pmissing) {
		if (op == OP_REMOVE)
			return check_subtree(ed, e, op) < 0 ? failed(ed) : 0;
		if (op == OP_NONE && (s->nodetype & LYD_NODE_INNER))
			return children(ed, NULL, true, e, op);
		/* merge, replace and create never get here: wants_create() said no */
		return data_missing(ed, e, s, op == OP_DELETE ? OP_DELETE : OP_NONE);
	}
	first = tparent ? lyd_child(tparent) : *ed->root;
	if (first && e->schema && (s->nodetype & (LYS_LIST | LYS_LEAFLIST)))
		lyd_find_sibling_first(first, e, &t);
	else if (first)
		lyd_find_sibling_val(first, s, NULL, 0, &t);
	if (lysc_is_userordered(s) && (op == OP_MERGE || op == OP_REPLACE || op == OP_CREATE) &&
	    insert_pos(ed, tparent, e, &p) < 0)
		return failed(ed);

	switch (op) {
	case OP_MERGE:
		return merge(ed, tparent, t, e, &p);
	case OP_REPLACE:
		return create(ed, tparent, t, e, op, &p);
	case OP_CREATE:
		/* a default exists only as long as nothing else does */
		if (t && !(t->flags & LYD_DEFAULT))
			return data_exists(ed, t);
		return create(ed, tparent, t, e, op, &p);
	case OP_DELETE:
	case OP_REMOVE:
		if (check_subtree(ed, e, op) < 0)
			return failed(ed);
		if (!t || (t->flags & LYD_DEFAULT))
			return op == OP_DELETE ? data_missing(ed, e, s, op) : 0;
		drop(ed, t);
		return 0;
	case OP_NONE:
		if (t)
			return (s->nodetype & LYD_NODE_INNER) ? children(ed, t, false, e, op) : 0;
		if (!(s->nodetype & LYD_NODE_INNER))
			return data_missing(ed, e, s, op);
		/* create the path only for data that some descendant creates */
		if (wants_create(ed, e, op))
			return create(ed, tparent, NULL, e, op, &p);
		return children(ed, NULL, true, e, op);
	}
	return 0;
}

static int
edit_apply(struct lyd_node **target, const struct lyd_node *edit, enum er_nc_defop defop, enum er_nc_errop errop,
    bool scratch, struct er_nc_errs *errs)
{
	struct edit ed = { 0 };
	struct lyd_node *work = NULL;
	const struct lyd_node *e;
	enum op top = defop == ER_NC_DEFOP_REPLACE ? OP_REPLACE : defop == ER_NC_DEFOP_NONE ? OP_NONE : OP_MERGE;

	if (!edit)
		return 0;
	ed.ctx = LYD_CTX(edit);
	ed.cont = errop == ER_NC_CONTINUE_ON_ERROR;
	ed.errs = errs;
	if (ed.cont || scratch)
		work = *target;
	else if (*target &&
	    lyd_dup_siblings(*target, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &work) != LY_SUCCESS) {
		report(&ed, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot copy the target configuration: %s",
		    ly_errmsg(ed.ctx) ? ly_errmsg(ed.ctx) : "libyang error");
		return -1;
	}
	/* stop-on-error and rollback-on-error work on a copy, swapped in only when all applied */
	ed.root = &work;
	for (e = lyd_first_sibling(edit); e; e = e->next)
		if (apply_node(&ed, NULL, false, e, top) < 0)
			break;
	if (!ed.cont && ed.failed) {
		if (scratch)
			*target = work; /* half edited: the caller throws it away */
		else
			lyd_free_all(work);
		return -1;
	}
	/*
	 * Defaults of what the edit created, and of leaves it deleted, as
	 * validation would add them: a candidate set with test-option "set" is
	 * not validated, and with-defaults report-all must still show them.
	 * A scratch target is the caller's to validate (which adds them) or
	 * to complete: walking a 1000-circuit tree here for a one-leaf edit
	 * would double the cost of the edit.
	 */
	if (!scratch && lyd_new_implicit_all(&work, ed.ctx, LYD_IMPLICIT_NO_STATE, NULL) != LY_SUCCESS) {
		report(&ed, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot add default values: %s",
		    ly_errmsg(ed.ctx) ? ly_errmsg(ed.ctx) : "libyang error");
		ed.failed++;
		if (!ed.cont) {
			if (scratch)
				*target = work;
			else
				lyd_free_all(work);
			return -1;
		}
	}
	if (!ed.cont && !scratch)
		lyd_free_all(*target);
	*target = work;
	return ed.failed ? -1 : 0;
}

int
er_nc_edit_apply(struct lyd_node **target, const struct lyd_node *edit, enum er_nc_defop defop,
    enum er_nc_errop errop, struct er_nc_errs *errs)
{
	return edit_apply(target, edit, defop, errop, false, errs);
}

int
er_nc_edit_apply_scratch(struct lyd_node **target, const struct lyd_node *edit, enum er_nc_defop defop,
    enum er_nc_errop errop, struct er_nc_errs *errs)
{
	return edit_apply(target, edit, defop, errop, true, errs);
}
