/*
 * RFC 8341 NACM rule evaluation (nc_nacm.h). A request compiles the rules
 * of its user once (er_nacm_new): the rule-lists whose group names one of
 * the user's groups (or "*"), flattened in their configured order, so a
 * decision is the first matching rule or, when none matches, the
 * extension or default the RFC names.
 */
#include "nc_nacm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lyd_util.h"
#include "util.h"

#define ACM "ietf-netconf-acm"

enum rule_type { RT_ANY = 0, RT_RPC, RT_NOTIF, RT_PATH };

struct rule {
	char *module;   /* "*" or a module name */
	enum rule_type type;
	char *name;     /* rpc-name / notification-name ("*" or a name), or the path */
	unsigned ops;   /* ER_NACM_* bits */
	bool permit;
};

struct er_nacm {
	char *user;
	bool enforced;
	bool read_permit, write_permit, exec_permit;
	struct rule *rules;
	size_t n;
};

/* The nodes a data-node rule's path names in the tree being checked, sorted by address. */
struct named {
	const struct lyd_node **v;
	size_t n;
};

/* The path rules evaluated on the tree being checked. */
struct bound {
	const struct er_nacm *nacm;
	struct named *sets; /* per rule; empty when not a path rule or the path names nothing */
};

static unsigned
parse_ops(const char *v)
{
	static const struct {
		const char *name;
		unsigned bit;
	} bits[] = {
		{ "create", ER_NACM_CREATE }, { "read", ER_NACM_READ }, { "update", ER_NACM_UPDATE },
		{ "delete", ER_NACM_DELETE }, { "exec", ER_NACM_EXEC },
	};
	char *copy, *tok, *save = NULL;
	unsigned ops = 0;
	size_t i;

	if (!v)
		return 0;
	if (!strcmp(v, "*"))
		return ER_NACM_CREATE | ER_NACM_READ | ER_NACM_UPDATE | ER_NACM_DELETE | ER_NACM_EXEC;
	copy = xstrdup(v);
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		for (i = 0; i < ARRAY_SIZE(bits); i++)
			if (!strcmp(tok, bits[i].name))
				ops |= bits[i].bit;
	free(copy);
	return ops;
}

static bool
leaf_is(const struct lyd_node *parent, const char *name, const char *value)
{
	const char *v = er_lyd_value(parent, name);

	return v && !strcmp(v, value);
}

/* Whether leaf-list @p name of @p parent holds @p value. */
static bool
leaflist_has(const struct lyd_node *parent, const char *name, const char *value)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(parent), c)
		if (c->schema && !strcmp(c->schema->name, name) && !strcmp(lyd_get_value(c), value))
			return true;
	return false;
}

/* Whether rule-list @p rl applies to a user in groups @p groups (n of them). */
static bool
list_applies(const struct lyd_node *rl, const char *const *groups, size_t n)
{
	size_t i;

	if (leaflist_has(rl, "group", "*"))
		return true;
	for (i = 0; i < n; i++)
		if (leaflist_has(rl, "group", groups[i]))
			return true;
	return false;
}

static void
add_rule(struct er_nacm *nacm, const struct lyd_node *r)
{
	struct rule *x;
	const char *v;

	nacm->rules = xreallocarray(nacm->rules, nacm->n + 1, sizeof(*nacm->rules));
	x = &nacm->rules[nacm->n++];
	memset(x, 0, sizeof(*x));
	x->module = xstrdup((v = er_lyd_value(r, "module-name")) ? v : "*");
	if ((v = er_lyd_value(r, "rpc-name")))
		x->type = RT_RPC;
	else if ((v = er_lyd_value(r, "notification-name")))
		x->type = RT_NOTIF;
	else if ((v = er_lyd_value(r, "path")))
		x->type = RT_PATH;
	x->name = v ? xstrdup(v) : NULL;
	x->ops = parse_ops(er_lyd_value(r, "access-operations"));
	x->permit = leaf_is(r, "action", "permit");
}

struct er_nacm *
er_nacm_new(const struct lyd_node *cfg, const char *user, bool recovery)
{
	struct er_nacm *nacm = xcalloc(1, sizeof(*nacm));
	const struct lyd_node *top = NULL, *n, *g, *rl, *r;
	const char **groups = NULL;
	size_t ng = 0;

	nacm->user = xstrdup(user ? user : "");
	LY_LIST_FOR(cfg, n)
		if (n->schema && !strcmp(n->schema->name, "nacm") && !strcmp(n->schema->module->name, ACM))
			top = n;
	/* the module's defaults when there is no /nacm */
	nacm->enforced = !recovery && !leaf_is(top, "enable-nacm", "false");
	nacm->read_permit = !leaf_is(top, "read-default", "deny");
	nacm->write_permit = leaf_is(top, "write-default", "permit");
	nacm->exec_permit = !leaf_is(top, "exec-default", "deny");
	if (!nacm->enforced)
		return nacm;
	LY_LIST_FOR(lyd_child(er_lyd_child(top, "groups")), g)
		if (g->schema && !strcmp(g->schema->name, "group") && leaflist_has(g, "user-name", nacm->user)) {
			groups = xreallocarray(groups, ng + 1, sizeof(*groups));
			groups[ng++] = er_lyd_value(g, "name");
		}
	LY_LIST_FOR(lyd_child(top), rl) {
		if (!rl->schema || strcmp(rl->schema->name, "rule-list") || !list_applies(rl, groups, ng))
			continue;
		LY_LIST_FOR(lyd_child(rl), r)
			if (r->schema && !strcmp(r->schema->name, "rule"))
				add_rule(nacm, r);
	}
	free(groups);
	return nacm;
}

void
er_nacm_free(struct er_nacm *nacm)
{
	size_t i;

	if (!nacm)
		return;
	for (i = 0; i < nacm->n; i++) {
		free(nacm->rules[i].module);
		free(nacm->rules[i].name);
	}
	free(nacm->rules);
	free(nacm->user);
	free(nacm);
}

bool
er_nacm_enforced(const struct er_nacm *nacm)
{
	return nacm && nacm->enforced;
}

const char *
er_nacm_user(const struct er_nacm *nacm)
{
	return nacm ? nacm->user : "";
}

const char *
er_nacm_op_name(unsigned op)
{
	switch (op) {
	case ER_NACM_CREATE:
		return "create";
	case ER_NACM_READ:
		return "read";
	case ER_NACM_UPDATE:
		return "update";
	case ER_NACM_DELETE:
		return "delete";
	default:
		return "exec";
	}
}

static bool
module_matches(const struct rule *r, const struct lys_module *m)
{
	return !strcmp(r->module, "*") || (m && !strcmp(r->module, m->name));
}

static bool
name_matches(const struct rule *r, const char *name)
{
	return !strcmp(r->name, "*") || !strcmp(r->name, name);
}

/* Whether @p s or an ancestor carries nacm:@p ext (libyang compiles the extension instances onto the node). */
static bool
has_ext(const struct lysc_node *s, const char *ext)
{
	LY_ARRAY_COUNT_TYPE u;

	for (; s; s = s->parent)
		LY_ARRAY_FOR(s->exts, u) {
			const struct lysc_ext *d = s->exts[u].def;
			if (d && d->module && !strcmp(d->module->name, ACM) && !strcmp(d->name, ext))
				return true;
		}
	return false;
}

/*
 * RFC 6241's ietf-netconf module marks kill-session and delete-config
 * nacm:default-deny-all; the copy erreadyd loads (Debian's libyuma-base,
 * revision 2011-06-01 as first published) carries no extensions, so the
 * RFC's marks are restated here.
 */
static bool
rpc_deny_all(const struct lysc_node *rpc)
{
	if (has_ext(rpc, "default-deny-all"))
		return true;
	return !strcmp(rpc->module->name, "ietf-netconf") &&
	    (!strcmp(rpc->name, "kill-session") || !strcmp(rpc->name, "delete-config"));
}

bool
er_nacm_rpc_allowed(const struct er_nacm *nacm, const struct lysc_node *rpc)
{
	size_t i;

	if (!er_nacm_enforced(nacm) || !rpc)
		return true;
	/* RFC 8341 3.4.4: close-session is always permitted */
	if (!strcmp(rpc->module->name, "ietf-netconf") && !strcmp(rpc->name, "close-session"))
		return true;
	for (i = 0; i < nacm->n; i++) {
		const struct rule *r = &nacm->rules[i];
		if (!(r->ops & ER_NACM_EXEC) || !module_matches(r, rpc->module) || (r->type != RT_ANY && r->type != RT_RPC))
			continue;
		if (r->type == RT_RPC && !name_matches(r, rpc->name))
			continue;
		return r->permit;
	}
	if (rpc_deny_all(rpc))
		return false;
	return nacm->exec_permit;
}

bool
er_nacm_notif_allowed(const struct er_nacm *nacm, const struct lysc_node *notif)
{
	size_t i;

	if (!er_nacm_enforced(nacm) || !notif)
		return true;
	/* RFC 8341 3.4.6: replayComplete and notificationComplete are never filtered */
	if (!strcmp(notif->module->name, "nc-notifications") &&
	    (!strcmp(notif->name, "replayComplete") || !strcmp(notif->name, "notificationComplete")))
		return true;
	for (i = 0; i < nacm->n; i++) {
		const struct rule *r = &nacm->rules[i];
		if (!(r->ops & ER_NACM_READ) || !module_matches(r, notif->module) ||
		    (r->type != RT_ANY && r->type != RT_NOTIF))
			continue;
		if (r->type == RT_NOTIF && !name_matches(r, notif->name))
			continue;
		return r->permit;
	}
	if (has_ext(notif, "default-deny-all"))
		return false;
	return nacm->read_permit;
}

bool
er_nacm_read_restricted(const struct er_nacm *nacm)
{
	size_t i;

	if (!er_nacm_enforced(nacm))
		return false;
	if (!nacm->read_permit)
		return true;
	for (i = 0; i < nacm->n; i++)
		if (!nacm->rules[i].permit && (nacm->rules[i].ops & ER_NACM_READ) &&
		    (nacm->rules[i].type == RT_ANY || nacm->rules[i].type == RT_PATH))
			return true;
	return false;
}

static int
ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const void *const *)a, y = (uintptr_t)*(const void *const *)b;

	return x < y ? -1 : x > y;
}

/*
 * Evaluate the path rules on @p tree (the first of its top-level
 * siblings). The nodes are kept sorted: a <get> of 10,000 BGP sessions asks
 * about a million nodes, each against every node a path names.
 */
static void
bind_paths(struct bound *b, const struct er_nacm *nacm, const struct lyd_node *tree)
{
	struct ly_set *set;
	size_t i;

	b->nacm = nacm;
	b->sets = xcalloc(nacm->n ? nacm->n : 1, sizeof(*b->sets));
	for (i = 0; tree && i < nacm->n; i++) {
		set = NULL;
		if (nacm->rules[i].type != RT_PATH)
			continue;
		/* a path naming nothing of this tree (or not parsing) matches nothing */
		if (lyd_find_xpath(tree, nacm->rules[i].name, &set) != LY_SUCCESS) {
			ly_err_clean((struct ly_ctx *)LYD_CTX(tree), NULL);
			continue;
		}
		if (set->count) {
			b->sets[i].v = xcalloc(set->count, sizeof(*b->sets[i].v));
			memcpy(b->sets[i].v, set->dnodes, set->count * sizeof(*b->sets[i].v));
			b->sets[i].n = set->count;
			qsort(b->sets[i].v, b->sets[i].n, sizeof(*b->sets[i].v), ptr_cmp);
		}
		ly_set_free(set, NULL);
	}
}

static void
unbind(struct bound *b)
{
	size_t i;

	for (i = 0; i < b->nacm->n; i++)
		free(b->sets[i].v);
	free(b->sets);
}

/* Whether @p n or an ancestor is one of the nodes in @p set (a path names a node and its subtree). */
static bool
under(const struct named *set, const struct lyd_node *n)
{
	if (!set->n)
		return false;
	for (; n; n = lyd_parent(n))
		if (bsearch(&n, set->v, set->n, sizeof(*set->v), ptr_cmp))
			return true;
	return false;
}

/* RFC 8341 3.4.5: may the user perform @p op (one bit) on data node @p n? */
static bool
node_allowed(const struct bound *b, const struct lyd_node *n, unsigned op)
{
	const struct er_nacm *nacm = b->nacm;
	size_t i;

	if (!er_nacm_enforced(nacm) || !n->schema)
		return true;
	for (i = 0; i < nacm->n; i++) {
		const struct rule *r = &nacm->rules[i];
		if (!(r->ops & op) || !module_matches(r, n->schema->module) || (r->type != RT_ANY && r->type != RT_PATH))
			continue;
		if (r->type == RT_PATH && !under(&b->sets[i], n))
			continue;
		return r->permit;
	}
	if (has_ext(n->schema, "default-deny-all"))
		return false;
	if (op == ER_NACM_READ)
		return nacm->read_permit;
	if (has_ext(n->schema, "default-deny-write"))
		return false;
	return nacm->write_permit;
}

static void prune_siblings(const struct bound *b, struct lyd_node **first);

static void
prune_below(const struct bound *b, struct lyd_node *parent)
{
	struct lyd_node *first = lyd_child(parent);

	if (first)
		prune_siblings(b, &first);
}

static void
prune_siblings(const struct bound *b, struct lyd_node **first)
{
	struct lyd_node *n, *next;

	LY_LIST_FOR_SAFE(*first, next, n) {
		/* keys go with their entry */
		if (n->schema && (n->schema->flags & LYS_KEY))
			continue;
		if (!node_allowed(b, n, ER_NACM_READ)) {
			if (n == *first)
				*first = next;
			lyd_free_tree(n);
			continue;
		}
		if (n->schema && (n->schema->nodetype & (LYS_CONTAINER | LYS_LIST | LYS_NOTIF | LYS_RPC | LYS_ACTION)))
			prune_below(b, n);
	}
}

void
er_nacm_prune(const struct er_nacm *nacm, struct lyd_node **tree)
{
	struct bound b;

	if (!er_nacm_enforced(nacm) || !*tree)
		return;
	bind_paths(&b, nacm, *tree);
	prune_siblings(&b, tree);
	unbind(&b);
}

void
er_nacm_prune_children(const struct er_nacm *nacm, struct lyd_node *parent)
{
	struct lyd_node *top = parent;
	struct bound b;

	if (!er_nacm_enforced(nacm) || !lyd_child(parent))
		return;
	while (lyd_parent(top))
		top = lyd_parent(top);
	bind_paths(&b, nacm, lyd_first_sibling(top));
	prune_below(&b, parent);
	unbind(&b);
}

/* The yang:operation of a diff node ("create", "delete", "replace", "none"), or @p inherited. */
static const char *
diff_op(const struct lyd_node *n, const char *inherited)
{
	const struct lyd_meta *m;

	LY_LIST_FOR(n->meta, m)
		if (!strcmp(m->name, "operation") && !strcmp(m->annotation->module->name, "yang"))
			return lyd_get_meta_value(m);
	return inherited;
}

/*
 * A non-presence container only organises its children (RFC 7950 7.5.1):
 * creating or deleting one is creating or deleting what is in it, which is
 * what is checked. Its creation is often implicit (a first leaf set under
 * agent/snmp), and would otherwise need a rule of its own.
 */
static bool
np_container(const struct lyd_node *n)
{
	return n->schema && n->schema->nodetype == LYS_CONTAINER && !(n->schema->flags & LYS_PRESENCE);
}

/* The first node of subtree @p n (DFS) the user may not create, or NULL. */
static const struct lyd_node *
create_denied(const struct bound *b, const struct lyd_node *n)
{
	const struct lyd_node *e;

	LYD_TREE_DFS_BEGIN(n, e) {
		/* default values come with their parent: nobody wrote them */
		if (!np_container(e) && !(e->flags & LYD_DEFAULT) && !node_allowed(b, e, ER_NACM_CREATE))
			return e;
		LYD_TREE_DFS_END(n, e);
	}
	return NULL;
}

static const struct lyd_node *
write_denied(const struct bound *b, const struct lyd_node *first, const char *inherited, unsigned *op)
{
	const struct lyd_node *n, *d;

	LY_LIST_FOR(first, n) {
		const char *o = diff_op(n, inherited);

		if (!strcmp(o, "create")) {
			if ((d = create_denied(b, n))) {
				*op = ER_NACM_CREATE;
				return d;
			}
			continue;
		}
		/* RFC 8341 3.4.5: deleting a node needs delete access to it; its descendants go with it */
		if (!strcmp(o, "delete")) {
			if (np_container(n)) {
				if ((d = write_denied(b, lyd_child(n), "delete", op)))
					return d;
				continue;
			}
			if (!node_allowed(b, n, ER_NACM_DELETE)) {
				*op = ER_NACM_DELETE;
				return n;
			}
			continue;
		}
		if (!strcmp(o, "replace") && !node_allowed(b, n, ER_NACM_UPDATE)) {
			*op = ER_NACM_UPDATE;
			return n;
		}
		if ((d = write_denied(b, lyd_child(n), "none", op)))
			return d;
	}
	return NULL;
}

/*
 * Whether the first rule that can match a write is one permitting every
 * write to every module (the admin's rule): then no node needs checking,
 * and a large config is not compared for nothing.
 */
static bool
writes_all_permitted(const struct er_nacm *nacm)
{
	const unsigned w = ER_NACM_CREATE | ER_NACM_UPDATE | ER_NACM_DELETE;
	size_t i;

	for (i = 0; i < nacm->n; i++) {
		const struct rule *r = &nacm->rules[i];
		if (!(r->ops & w) || (r->type != RT_ANY && r->type != RT_PATH))
			continue;
		return r->type == RT_ANY && !strcmp(r->module, "*") && (r->ops & w) == w && r->permit;
	}
	return false;
}

int
er_nacm_check_write(const struct er_nacm *nacm, const struct lyd_node *before, const struct lyd_node *after,
    char *path, size_t pathlen, unsigned *op)
{
	struct lyd_node *diff = NULL;
	const struct lyd_node *d;
	struct bound b;

	if (!er_nacm_enforced(nacm) || writes_all_permitted(nacm))
		return 0;
	if (lyd_diff_siblings(before, after, 0, &diff) != LY_SUCCESS)
		return -1;
	if (!diff)
		return 0;
	bind_paths(&b, nacm, diff);
	d = write_denied(&b, diff, "none", op);
	if (d && !lyd_path(d, LYD_PATH_STD, path, pathlen))
		snprintf(path, pathlen, "/%s:%s", d->schema->module->name, d->schema->name);
	unbind(&b);
	lyd_free_all(diff);
	return d ? 1 : 0;
}

static uint32_t denied[3];

void
er_nacm_count(enum er_nacm_denial what)
{
	__atomic_add_fetch(&denied[what], 1, __ATOMIC_RELAXED);
}

void
er_nacm_counters_reset(void)
{
	size_t i;

	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		__atomic_store_n(&denied[i], 0, __ATOMIC_RELAXED);
}

void
er_nacm_counters_state(struct lyd_node *nacm)
{
	static const char *const leaf[] = { "denied-operations", "denied-data-writes", "denied-notifications" };
	const struct lys_module *m = lyd_owner_module(nacm);
	char b[16];
	size_t i;

	for (i = 0; i < sizeof(leaf) / sizeof(leaf[0]); i++) {
		snprintf(b, sizeof(b), "%u", __atomic_load_n(&denied[i], __ATOMIC_RELAXED));
		lyd_new_term(nacm, m, leaf[i], b, 0, NULL);
	}
}
