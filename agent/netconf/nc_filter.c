#include "nc_filter.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libyang/libyang.h>

#include "log.h"
#include "util.h"

/*
 * A subtree filter becomes XPaths by walking it alongside the schema:
 * every filter element is resolved to the schema nodes it names (one, or
 * several for an element without namespace), so the expressions carry
 * libyang's module prefixes and a typo is reported instead of silently
 * selecting nothing.
 */

#define NC_NS_BASE "urn:ietf:params:xml:ns:netconf:base:1.0"

/* ---- small strings ---- */

struct sb {
	char *s;
	size_t len, cap;
};

static void sb_addf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_addf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xreallocarray(b->s, b->cap, 1);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The buffer's string (never NULL); ownership passes to the caller. */
static char *
sb_take(struct sb *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

/*
 * @p v as an XPath 1.0 literal. XPath has no escapes: a value holding both
 * quote characters is spelled as concat() of pieces.
 */
static void
sb_literal(struct sb *b, const char *v)
{
	const char *p, *q;
	bool first = true;

	if (!strchr(v, '\'')) {
		sb_addf(b, "'%s'", v);
		return;
	}
	if (!strchr(v, '"')) {
		sb_addf(b, "\"%s\"", v);
		return;
	}
	sb_addf(b, "concat(");
	for (p = v; *p; p = q) {
		if (*p == '\'') {
			q = p + 1;
			sb_addf(b, "%s\"'\"", first ? "" : ", ");
		} else {
			q = strchr(p, '\'');
			if (!q)
				q = p + strlen(p);
			sb_addf(b, "%s'%.*s'", first ? "" : ", ", (int)(q - p), p);
		}
		first = false;
	}
	sb_addf(b, ")");
}

static bool
xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* @p v without leading and trailing XML white space, or NULL if nothing is left. */
static char *
trimmed(const char *v)
{
	size_t len;
	char *t;

	if (!v)
		return NULL;
	while (xml_space(*v))
		v++;
	len = strlen(v);
	while (len && xml_space(v[len - 1]))
		len--;
	if (!len)
		return NULL;
	t = xcalloc(len + 1, 1);
	memcpy(t, v, len);
	return t;
}

/* ---- filter struct ---- */

static void
add_xpath(struct er_nc_filter *f, char *xpath)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (!strcmp(f->xpaths[i], xpath)) {
			free(xpath);
			return;
		}
	}
	f->xpaths = xreallocarray(f->xpaths, f->n + 1, sizeof(*f->xpaths));
	f->xpaths[f->n++] = xpath;
}

void
er_nc_filter_clear(struct er_nc_filter *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->xpaths[i]);
	free(f->xpaths);
	memset(f, 0, sizeof(*f));
}

int
er_nc_filter_parse_subtree(const struct ly_ctx *ctx, const char *subtree_xml, struct er_nc_filter *f,
    struct er_nc_errs *errs)
{
	struct lyd_node *env = NULL, *op = NULL, *n = NULL;
	struct ly_in *in = NULL;
	char *rpc = NULL;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	if (asprintf(&rpc,
	        "<rpc message-id=\"1\" xmlns=\"urn:ietf:params:xml:ns:netconf:base:1.0\"><get>"
	        "<filter type=\"subtree\">%s</filter></get></rpc>",
	        subtree_xml) < 0)
		fatalx("out of memory");
	if (ly_in_new_memory(rpc, &in) == LY_SUCCESS &&
	    lyd_parse_op(ctx, NULL, in, LYD_XML, LYD_TYPE_RPC_NETCONF, &env, &op) == LY_SUCCESS) {
		for (n = lyd_child(op); n && strcmp(LYD_NAME(n), "filter"); n = n->next)
			;
		if (n)
			rc = er_nc_filter_parse(ctx, n, f, errs);
	}
	if (!n)
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "the filter does not parse: %s",
		    ly_errmsg(ctx) ? ly_errmsg(ctx) : "no <filter>");
	ly_in_free(in, 0);
	lyd_free_all(env);
	lyd_free_all(op);
	free(rpc);
	return rc;
}

bool
er_nc_filter_same(const struct er_nc_filter *a, const struct er_nc_filter *b)
{
	size_t i;

	if (a->all != b->all || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->xpaths[i], b->xpaths[i]))
			return false;
	return true;
}

/* ---- subtree filter ---- */

struct conv {
	const struct ly_ctx *ctx;
	struct er_nc_filter *f;
	struct er_nc_errs *errs;
};

enum elem_kind { E_SELECT, E_CONTAIN, E_CONTENT };

/* One element of a subtree filter, read from a schema or an opaque node. */
struct elem {
	const char *name;
	const struct lys_module *mod; /* NULL: any module (no namespace) */
	char *value;                  /* trimmed text; NULL: none */
	const struct lyd_node *child; /* first child element */
	enum elem_kind kind;
	const struct lysc_node **match; /* schema nodes it names */
	size_t n_match;
};

static void
elem_free(struct elem *e)
{
	free(e->value);
	free(e->match);
}

static const char *
schema_where(const struct lysc_node *sparent, char *buf, size_t len)
{
	if (!sparent)
		return "at the top level";
	snprintf(buf, len, "under ");
	lysc_path(sparent, LYSC_PATH_DATA, buf + 6, len - 6);
	return buf;
}

static void
add_match(struct elem *e, const struct lysc_node *s)
{
	e->match = xreallocarray(e->match, e->n_match + 1, sizeof(*e->match));
	e->match[e->n_match++] = s;
}

/* Data nodes (and notifications) named e->name in e->mod (any module if NULL) below @p sparent (NULL: top level). */
static void
find_schema(const struct ly_ctx *ctx, const struct lysc_node *sparent, struct elem *e)
{
	const struct lysc_node *s;
	const struct lys_module *m;
	uint32_t idx = 0;

	if (sparent) {
		for (s = NULL; (s = lys_getnext(s, sparent, NULL, 0));)
			if (!(s->nodetype & (LYS_RPC | LYS_ACTION)) && !strcmp(s->name, e->name) &&
			    (!e->mod || s->module == e->mod))
				add_match(e, s);
		return;
	}
	for (;;) {
		if (e->mod)
			m = idx++ ? NULL : e->mod;
		else
			m = ly_ctx_get_module_iter(ctx, &idx);
		if (!m)
			break;
		if (!m->implemented || !m->compiled)
			continue;
		for (s = NULL; (s = lys_getnext(s, NULL, m->compiled, 0));)
			if (!(s->nodetype & (LYS_RPC | LYS_ACTION)) && !strcmp(s->name, e->name))
				add_match(e, s);
	}
}

/* The module a namespace of an opaque node names; *any set when the element matches every module. */
static int
opaq_module(struct conv *c, const struct lyd_node_opaq *o, const struct lys_module **mod)
{
	const char *ns = o->name.module_ns;
	struct er_nc_err *err;

	*mod = NULL;
	/*
	 * No namespace is RFC 6241's wildcard. An element left in the NETCONF
	 * base namespace (the client's default namespace on <rpc>) is one too:
	 * ietf-netconf defines no data nodes, so nothing else could be meant.
	 */
	if (!ns || !*ns || (o->format == LY_VALUE_XML && !strcmp(ns, NC_NS_BASE)))
		return 0;
	if (o->format == LY_VALUE_XML)
		*mod = ly_ctx_get_module_implemented_ns(c->ctx, ns);
	else
		*mod = ly_ctx_get_module_implemented(c->ctx, ns);
	if (*mod)
		return 0;
	err = er_nc_errs_add(c->errs, NC_ERR_UNKNOWN_NS, NC_ERR_TYPE_APP, NULL,
	    "subtree filter: element \"%s\" is in namespace \"%s\", which no YANG module of this server has",
	    o->name.name, ns);
	er_nc_err_set(&err->bad_elem, o->name.name);
	er_nc_err_set(&err->bad_ns, ns);
	return -1;
}

static int
attr_error(struct conv *c, const char *elem, const char *attr)
{
	struct er_nc_err *err;

	err = er_nc_errs_add(c->errs, NC_ERR_UNKNOWN_ATTR, NC_ERR_TYPE_APP, NULL,
	    "subtree filter: attribute match expressions are not supported (attribute \"%s\" on element \"%s\")", attr,
	    elem);
	er_nc_err_set(&err->bad_attr, attr);
	er_nc_err_set(&err->bad_elem, elem);
	return -1;
}

/* Read filter element @p n found under schema node @p sparent. */
static int
elem_read(struct conv *c, const struct lyd_node *n, const struct lysc_node *sparent, struct elem *e)
{
	struct er_nc_err *err;
	char where[512];
	size_t i, terms;

	memset(e, 0, sizeof(*e));
	e->child = lyd_child(n);
	if (n->schema) {
		e->name = n->schema->name;
		e->mod = n->schema->module;
		if (n->meta)
			return attr_error(c, e->name, n->meta->name);
		if (n->schema->nodetype & LYD_NODE_TERM)
			e->value = trimmed(lyd_get_value(n));
	} else {
		const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;

		e->name = o->name.name;
		if (o->attr)
			return attr_error(c, e->name, o->attr->name.name);
		if (opaq_module(c, o, &e->mod) < 0)
			return -1;
		if (!e->child)
			e->value = trimmed(o->value);
	}
	find_schema(c->ctx, sparent, e);
	if (!e->n_match) {
		err = er_nc_errs_add(c->errs, NC_ERR_UNKNOWN_ELEM, NC_ERR_TYPE_APP, NULL,
		    "subtree filter: no node \"%s\" %s%s %s", e->name, e->mod ? "of module " : "in any module",
		    e->mod ? e->mod->name : "", schema_where(sparent, where, sizeof(where)));
		er_nc_err_set(&err->bad_elem, e->name);
		return -1;
	}
	if (e->child) {
		e->kind = E_CONTAIN;
	} else if (e->value) {
		/* A content match: only leaves and leaf-lists can hold one. */
		for (i = terms = 0; i < e->n_match; i++) {
			if (e->match[i]->nodetype & LYD_NODE_TERM)
				e->match[terms++] = e->match[i];
		}
		if (!terms) {
			err = er_nc_errs_add(c->errs, NC_ERR_BAD_ELEM, NC_ERR_TYPE_APP, NULL,
			    "subtree filter: element \"%s\" holds text but is not a leaf (no content match possible)",
			    e->name);
			er_nc_err_set(&err->bad_elem, e->name);
			return -1;
		}
		e->n_match = terms;
		e->kind = E_CONTENT;
	} else {
		e->kind = E_SELECT;
	}
	return 0;
}

/* Location step for schema node @p s below @p sparent: the module prefix only where the module changes. */
static void
sb_step(struct sb *b, const struct lysc_node *sparent, const struct lysc_node *s)
{
	if (!sparent || sparent->module != s->module)
		sb_addf(b, "%s:%s", s->module->name, s->name);
	else
		sb_addf(b, "%s", s->name);
}

static int sibling_set(struct conv *c, const struct lyd_node *first, const struct lysc_node *sparent, const char *path);

/* Output of element @p e (schema match @p s) in a sibling set whose parent instances are @p base. */
static int
emit(struct conv *c, const struct elem *e, const struct lysc_node *sparent, const struct lysc_node *s, const char *base)
{
	struct sb b = { 0 };
	char *path;
	int rc = 0;

	sb_addf(&b, "%s/", base);
	sb_step(&b, sparent, s);
	switch (e->kind) {
	case E_CONTENT:
		/* Below a parent the predicate already holds; a leaf-list keeps only the matching entry. */
		if (!sparent || s->nodetype == LYS_LEAFLIST) {
			sb_addf(&b, "[.=");
			sb_literal(&b, e->value);
			sb_addf(&b, "]");
		}
		add_xpath(c->f, sb_take(&b));
		break;
	case E_SELECT:
		add_xpath(c->f, sb_take(&b));
		break;
	case E_CONTAIN:
		path = sb_take(&b);
		rc = sibling_set(c, e->child, s, path);
		free(path);
		break;
	}
	return rc;
}

/*
 * The sibling set @p first (filter elements with one parent) whose parent
 * is schema node @p sparent with instances @p path (NULL, "": top level).
 * RFC 6241 6.2.5: the content match nodes are ANDed into a predicate on
 * the parent; when they hold, the output is the content match nodes plus
 * the selection and containment siblings, or the whole parent when there
 * are none.
 */
static int
sibling_set(struct conv *c, const struct lyd_node *first, const struct lysc_node *sparent, const char *path)
{
	struct elem *v = NULL;
	struct sb pred = { 0 };
	const struct lyd_node *n;
	size_t i, j, cnt = 0, content = 0;
	char *base = NULL;
	int rc = 0;

	for (n = first; n; n = n->next)
		cnt++;
	v = xcalloc(cnt ? cnt : 1, sizeof(*v));
	for (n = first, i = 0; n; n = n->next, i++) {
		if ((rc = elem_read(c, n, sparent, &v[i])) < 0)
			goto out;
		if (v[i].kind == E_CONTENT)
			content++;
	}
	if (!sparent) {
		/* The top level has no parent entry to constrain: every element stands alone. */
		for (i = 0; i < cnt; i++)
			for (j = 0; j < v[i].n_match && !rc; j++)
				rc = emit(c, &v[i], NULL, v[i].match[j], "");
		goto out;
	}
	sb_addf(&pred, "%s", path);
	for (i = 0; i < cnt; i++) {
		if (v[i].kind != E_CONTENT)
			continue;
		sb_addf(&pred, "[");
		for (j = 0; j < v[i].n_match; j++) {
			sb_addf(&pred, "%s", j ? " or " : "");
			sb_step(&pred, sparent, v[i].match[j]);
			sb_addf(&pred, "=");
			sb_literal(&pred, v[i].value);
		}
		sb_addf(&pred, "]");
	}
	base = sb_take(&pred);
	if (content == cnt) {
		add_xpath(c->f, base);
		base = NULL;
		goto out;
	}
	for (i = 0; i < cnt; i++)
		for (j = 0; j < v[i].n_match && !rc; j++)
			rc = emit(c, &v[i], sparent, v[i].match[j], base);
out:
	for (i = 0; i < cnt; i++)
		elem_free(&v[i]);
	free(v);
	free(base);
	return rc;
}

/*
 * Filter content that is not a data tree: its text (libyang prints LYB
 * content as XML) parsed again as data, unknown nodes kept opaque.
 */
static int
reparse(struct conv *c, const struct lyd_node *filter, struct lyd_node **tree)
{
	const struct lyd_node_any *any = (const struct lyd_node_any *)filter;
	LYD_FORMAT fmt = any->value_type == LYD_ANYDATA_JSON ? LYD_JSON : LYD_XML;
	char *text = NULL, *t;
	LY_ERR r;

	*tree = NULL;
	if (lyd_any_value_str(filter, &text) != LY_SUCCESS) {
		er_nc_errs_add(c->errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot read the filter content");
		return -1;
	}
	t = trimmed(text);
	if (!t) {
		free(text);
		return 0;
	}
	free(t);
	r = lyd_parse_data_mem(c->ctx, text, fmt, LYD_PARSE_ONLY | LYD_PARSE_OPAQ, 0, tree);
	free(text);
	if (r != LY_SUCCESS) {
		const struct ly_err_item *e = ly_err_last(c->ctx);

		er_nc_errs_add(c->errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL,
		    "subtree filter content is not well-formed: %s", e && e->msg ? e->msg : "parse error");
		ly_err_clean((struct ly_ctx *)c->ctx, NULL);
		lyd_free_all(*tree);
		*tree = NULL;
		return -1;
	}
	return 0;
}

static int
parse_subtree(struct conv *c, const struct lyd_node *filter)
{
	const struct lyd_node *content = NULL;
	struct lyd_node *own = NULL;
	int rc;

	if (filter->schema && (filter->schema->nodetype & LYD_NODE_ANY)) {
		const struct lyd_node_any *any = (const struct lyd_node_any *)filter;

		if (any->value_type == LYD_ANYDATA_DATATREE)
			content = any->value.tree;
		else if (any->value.str && reparse(c, filter, &own) < 0)
			return -1;
		else
			content = own;
	} else {
		content = lyd_child(filter);
	}
	/* Empty filter: RFC 6241 6.4.2, nothing is selected. */
	rc = content ? sibling_set(c, lyd_first_sibling(content), NULL, "") : 0;
	lyd_free_all(own);
	return rc;
}

/* ---- XPath filter ---- */

static int
parse_xpath(struct conv *c, const char *select)
{
	struct lyd_node *dummy = NULL;
	struct ly_set *set = NULL;
	char *xp = trimmed(select);
	LY_ERR r;

	if (!xp) {
		er_nc_errs_add(c->errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL,
		    "XPath filter: the select expression is empty");
		return -1;
	}
	/*
	 * Evaluate once on an empty document: catches syntax errors, unknown
	 * module prefixes and expressions that are not node-sets.
	 */
	if (lyd_new_opaq(NULL, c->ctx, "filter-check", NULL, NULL, "erready", &dummy) != LY_SUCCESS) {
		er_nc_errs_add(c->errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "out of memory");
		free(xp);
		return -1;
	}
	r = lyd_find_xpath3(NULL, dummy, xp, NULL, &set);
	ly_set_free(set, NULL);
	lyd_free_all(dummy);
	if (r != LY_SUCCESS) {
		const struct ly_err_item *e = ly_err_last(c->ctx);

		er_nc_errs_add(c->errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL,
		    "XPath filter \"%s\" is not valid: %s", xp, e && e->msg ? e->msg : "evaluation failed");
		ly_err_clean((struct ly_ctx *)c->ctx, NULL);
		free(xp);
		return -1;
	}
	add_xpath(c->f, xp);
	return 0;
}

/* The unqualified type and select attributes: ietf-netconf metadata on the anyxml, attributes on an opaque node. */
static void
filter_attrs(const struct lyd_node *filter, const char **type, const char **select)
{
	const struct lyd_meta *m;
	const struct lyd_attr *a;

	*type = *select = NULL;
	if (filter->schema) {
		for (m = filter->meta; m; m = m->next) {
			if (strcmp(m->annotation->module->name, "ietf-netconf"))
				continue;
			if (!strcmp(m->name, "type"))
				*type = lyd_get_meta_value(m);
			else if (!strcmp(m->name, "select"))
				*select = lyd_get_meta_value(m);
		}
		return;
	}
	for (a = ((const struct lyd_node_opaq *)filter)->attr; a; a = a->next) {
		if (!strcmp(a->name.name, "type"))
			*type = a->value;
		else if (!strcmp(a->name.name, "select"))
			*select = a->value;
	}
}

int
er_nc_filter_parse(const struct ly_ctx *ctx, const struct lyd_node *filter, struct er_nc_filter *f,
    struct er_nc_errs *errs)
{
	struct conv c = { ctx, f, errs };
	const char *type, *select;
	struct er_nc_err *err;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!filter) {
		f->all = true;
		return 0;
	}
	filter_attrs(filter, &type, &select);
	/* No type: subtree (ietf-netconf: "If missing, the default value is subtree"), unless a select is there. */
	if (!type)
		type = select ? "xpath" : "subtree";
	if (!strcmp(type, "xpath")) {
		if (!select) {
			err = er_nc_errs_add(errs, NC_ERR_MISSING_ATTR, NC_ERR_TYPE_PROT, NULL,
			    "an XPath filter needs a select attribute");
			er_nc_err_set(&err->bad_attr, "select");
			er_nc_err_set(&err->bad_elem, "filter");
			return -1;
		}
		rc = parse_xpath(&c, select);
	} else if (!strcmp(type, "subtree")) {
		if (select) {
			err = er_nc_errs_add(errs, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, NULL,
			    "the select attribute is only allowed with type=\"xpath\"");
			er_nc_err_set(&err->bad_attr, "select");
			er_nc_err_set(&err->bad_elem, "filter");
			return -1;
		}
		rc = parse_subtree(&c, filter);
	} else {
		err = er_nc_errs_add(errs, NC_ERR_BAD_ATTR, NC_ERR_TYPE_PROT, NULL,
		    "unknown filter type \"%s\" (expected \"subtree\" or \"xpath\")", type);
		er_nc_err_set(&err->bad_attr, "type");
		er_nc_err_set(&err->bad_elem, "filter");
		return -1;
	}
	if (rc < 0)
		er_nc_filter_clear(f);
	return rc;
}

/* ---- pushdown ---- */

static bool
ancestor_or_self(const struct lysc_node *anc, const struct lysc_node *n)
{
	for (; n; n = n->parent)
		if (n == anc)
			return true;
	return false;
}

/* Whether @p xpath may select or test a node at, above or below schema node @p s. */
static bool
xpath_wants(const struct ly_ctx *ctx, const char *xpath, const struct lysc_node *s)
{
	struct ly_set *set = NULL;
	bool want = false;
	uint32_t j;

	/* A node inside @p s is selected or tested by a predicate. */
	if (lys_find_xpath_atoms(ctx, NULL, xpath, 0, &set) != LY_SUCCESS)
		return true;
	for (j = 0; j < set->count && !want; j++)
		want = ancestor_or_self(s, set->snodes[j]);
	ly_set_free(set, NULL);
	if (want)
		return true;
	/* Or a selected node contains @p s. */
	set = NULL;
	if (lys_find_xpath(ctx, NULL, xpath, 0, &set) != LY_SUCCESS)
		return true;
	for (j = 0; j < set->count && !want; j++)
		want = ancestor_or_self(set->snodes[j], s);
	ly_set_free(set, NULL);
	return want;
}

bool
er_nc_filter_wants(const struct ly_ctx *ctx, const struct er_nc_filter *f, const char *schema_path)
{
	const struct lysc_node *s;
	bool want = false;
	size_t i;

	if (f->all)
		return true;
	if (!f->n)
		return false;
	s = lys_find_path(ctx, NULL, schema_path, 0);
	if (!s) {
		ly_err_clean((struct ly_ctx *)ctx, NULL);
		return true; /* cannot tell: build it */
	}
	for (i = 0; i < f->n && !want; i++)
		want = xpath_wants(ctx, f->xpaths[i], s);
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	return want;
}

/*
 * The value of "[leaf='value']" right after @p list in @p xpath, when the
 * rest can only select inside those entries; NULL otherwise. Only the
 * spelling a subtree content match becomes (sibling_set) is recognised:
 * anything else (a union, a parent or other axis, a function) is NULL, so
 * the caller builds every entry.
 */
static char *
list_value(const char *xpath, const char *list, const char *leaf)
{
	size_t ll = strlen(list), lf = strlen(leaf);
	const char *p = xpath, *end;
	char q, *v;

	if (strncmp(p, list, ll) || p[ll] != '[' || strncmp(p + ll + 1, leaf, lf) || p[ll + 1 + lf] != '=')
		return NULL;
	p += ll + 1 + lf + 1;
	q = *p++;
	if ((q != '\'' && q != '"') || !(end = strchr(p, q)) || end[1] != ']')
		return NULL;
	if (end[2] && end[2] != '/' && end[2] != '[')
		return NULL;
	if (strchr(end + 2, '|') || strchr(end + 2, '(') || strstr(end + 2, "..") || strstr(end + 2, "::"))
		return NULL;
	v = xcalloc((size_t)(end - p) + 1, 1);
	memcpy(v, p, (size_t)(end - p));
	return v;
}

char *
er_nc_filter_list_match(const struct ly_ctx *ctx, const struct er_nc_filter *f, const char *list, const char *leaf)
{
	const struct lysc_node *s;
	char *value = NULL, *v;
	size_t i;

	if (f->all || !f->n)
		return NULL;
	if (!(s = lys_find_path(ctx, NULL, list, 0)) || s->nodetype != LYS_LIST) {
		ly_err_clean((struct ly_ctx *)ctx, NULL);
		return NULL;
	}
	for (i = 0; i < f->n; i++) {
		if (!xpath_wants(ctx, f->xpaths[i], s))
			continue;
		v = list_value(f->xpaths[i], list, leaf);
		if (!v || (value && strcmp(v, value))) {
			free(v);
			free(value);
			value = NULL;
			break;
		}
		free(value);
		value = v;
	}
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	return value;
}

bool
er_nc_filter_wants_config(const struct ly_ctx *ctx, const struct er_nc_filter *f)
{
	struct ly_set *set;
	bool want = false;
	size_t i;
	uint32_t j;

	if (f->all)
		return true;
	for (i = 0; i < f->n && !want; i++) {
		/* a config leaf that is not a list key, selected or tested by a predicate */
		set = NULL;
		if (lys_find_xpath_atoms(ctx, NULL, f->xpaths[i], 0, &set) != LY_SUCCESS) {
			want = true;
			break;
		}
		for (j = 0; j < set->count && !want; j++) {
			const struct lysc_node *s = set->snodes[j];
			want = (s->flags & LYS_CONFIG_W) && (s->nodetype & LYD_NODE_TERM) && !lysc_is_key(s);
		}
		ly_set_free(set, NULL);
		if (want)
			break;
		/* a config node selected (a key too: running may hold an entry the last evaluation has not) */
		set = NULL;
		if (lys_find_xpath(ctx, NULL, f->xpaths[i], 0, &set) != LY_SUCCESS) {
			want = true;
			break;
		}
		for (j = 0; j < set->count && !want; j++)
			want = (set->snodes[j]->flags & LYS_CONFIG_W) != 0;
		ly_set_free(set, NULL);
	}
	ly_err_clean((struct ly_ctx *)ctx, NULL);
	return want;
}

/* ---- applying ---- */

/* Data node -> selection state and its copy in the output, by pointer. */
struct pent {
	const struct lyd_node *k;
	struct lyd_node *copy;
	uint8_t sel;
};

#define SEL_KEYS 1 /* the entry with its keys only (a key leaf was selected) */
#define SEL_FULL 2 /* the node with its whole subtree */

struct pmap {
	struct pent *v;
	size_t cap, n; /* cap: power of two */
};

static size_t
phash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static struct pent *
pmap_get(const struct pmap *m, const struct lyd_node *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = phash(k) & (m->cap - 1); m->v[i].k; i = (i + 1) & (m->cap - 1))
		if (m->v[i].k == k)
			return &m->v[i];
	return NULL;
}

/* The entry of @p k, created zeroed if absent; *created tells which. Pointers into the map die on the next put. */
static struct pent *
pmap_put(struct pmap *m, const struct lyd_node *k, bool *created)
{
	struct pent *e;
	size_t i;

	if ((e = pmap_get(m, k))) {
		*created = false;
		return e;
	}
	if ((m->n + 1) * 2 > m->cap) {
		struct pmap g = { xcalloc(m->cap ? m->cap * 2 : 64, sizeof(*g.v)), m->cap ? m->cap * 2 : 64, 0 };

		for (i = 0; i < m->cap; i++) {
			if (m->v[i].k) {
				bool dummy;

				*pmap_put(&g, m->v[i].k, &dummy) = m->v[i];
			}
		}
		free(m->v);
		*m = g;
	}
	for (i = phash(k) & (m->cap - 1); m->v[i].k; i = (i + 1) & (m->cap - 1))
		;
	m->v[i].k = k;
	m->n++;
	*created = true;
	return &m->v[i];
}

/* Whether an ancestor of @p n is selected with its whole subtree. */
static bool
covered(const struct pmap *m, const struct lyd_node *n)
{
	const struct pent *e;
	const struct lyd_node *p;

	for (p = lyd_parent(n); p; p = lyd_parent(p))
		if ((e = pmap_get(m, p)) && (e->sel & SEL_FULL))
			return true;
	return false;
}

/* Copy @p n into the output @p out: its ancestors (lists with their keys) once, then @p n. */
static int
place(struct pmap *m, const struct lyd_node *n, bool full, struct lyd_node **out)
{
	const struct lyd_node *anc[64], **chain = anc, *p;
	struct lyd_node *parent = NULL, *dup;
	struct pent *e;
	size_t depth = 0, i;
	uint32_t opts;
	bool created;
	int rc = 0;

	for (p = lyd_parent(n); p; p = lyd_parent(p))
		depth++;
	if (depth > ARRAY_SIZE(anc))
		chain = xcalloc(depth, sizeof(*chain));
	for (p = lyd_parent(n), i = depth; p; p = lyd_parent(p))
		chain[--i] = p;
	for (i = 0; i <= depth; i++) {
		p = i < depth ? chain[i] : n;
		if ((e = pmap_get(m, p)) && e->copy) {
			parent = e->copy;
			continue;
		}
		/* Ancestors alone (a list with its keys), the node itself with its subtree. */
		opts = i == depth && full ? LYD_DUP_RECURSIVE : 0;
		if (lyd_dup_single(p, (struct lyd_node_inner *)parent, opts, &dup) != LY_SUCCESS) {
			rc = -1;
			break;
		}
		if (!parent) {
			if (!*out)
				*out = dup;
			else if (lyd_insert_sibling(*out, dup, out) != LY_SUCCESS) {
				lyd_free_tree(dup);
				rc = -1;
				break;
			}
		}
		pmap_put(m, p, &created)->copy = dup;
		parent = dup;
	}
	if (chain != anc)
		free(chain);
	return rc;
}

int
er_nc_filter_apply(const struct er_nc_filter *f, const struct lyd_node *tree, struct lyd_node **out,
    struct er_nc_errs *errs)
{
	const struct lyd_node **order = NULL, *n;
	struct pmap m = { 0 };
	struct ly_set *set;
	size_t i, n_order = 0, cap = 0;
	uint32_t j;
	struct pent *e;
	bool created;
	int rc = 0;

	*out = NULL;
	if (!tree || (!f->all && !f->n))
		return 0;
	tree = lyd_first_sibling(tree);
	if (f->all) {
		if (lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE, out) == LY_SUCCESS)
			return 0;
		goto fail;
	}
	/* Every selected node once, in the order found; a selected key stands for its list entry. */
	for (i = 0; i < f->n; i++) {
		set = NULL;
		if (lyd_find_xpath3(NULL, tree, f->xpaths[i], NULL, &set) != LY_SUCCESS) {
			free(order);
			free(m.v);
			goto fail;
		}
		for (j = 0; j < set->count; j++) {
			uint8_t sel = SEL_FULL;

			n = set->dnodes[j];
			if (n->schema && lysc_is_key(n->schema) && lyd_parent(n)) {
				n = lyd_parent(n);
				sel = SEL_KEYS;
			}
			e = pmap_put(&m, n, &created);
			e->sel |= sel;
			if (created) {
				ER_GROW(order, n_order, cap);
				order[n_order++] = n;
			}
		}
		ly_set_free(set, NULL);
	}
	for (i = 0; i < n_order && !rc; i++) {
		if (covered(&m, order[i]))
			continue;
		rc = place(&m, order[i], pmap_get(&m, order[i])->sel & SEL_FULL, out);
	}
	free(order);
	free(m.v);
	if (!rc)
		return 0;
fail:
	{
		const struct ly_err_item *le = ly_err_last(LYD_CTX(tree));

		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "applying the filter failed: %s",
		    le && le->msg ? le->msg : "libyang error");
		ly_err_clean((struct ly_ctx *)LYD_CTX(tree), NULL);
	}
	lyd_free_all(*out);
	*out = NULL;
	return -1;
}

bool
er_nc_filter_match(const struct er_nc_filter *f, const struct lyd_node *notif)
{
	struct ly_set *set;
	bool hit = false;
	size_t i;

	if (f->all)
		return true;
	if (!notif)
		return false;
	while (lyd_parent(notif))
		notif = lyd_parent(notif);
	notif = lyd_first_sibling(notif);
	for (i = 0; i < f->n && !hit; i++) {
		set = NULL;
		if (lyd_find_xpath3(NULL, notif, f->xpaths[i], NULL, &set) == LY_SUCCESS)
			hit = set->count > 0;
		ly_set_free(set, NULL);
	}
	ly_err_clean((struct ly_ctx *)LYD_CTX(notif), NULL);
	return hit;
}
