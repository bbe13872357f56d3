#include "datastore.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <libyang/libyang.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfile.h"
#include "config_diff.h"
#include "log.h"
#include "util.h"

extern const char er_yang_module_text[];
extern const char er_nacm_module_text[];

struct er_ds {
	struct ly_ctx *ctx;
	struct lyd_node *running;
	/*
	 * A copy of running (flags included) for the next txn to take, or
	 * NULL. A commit whose changes are known to lie in some list entries
	 * (er_ds_txn_tree_scoped) turns the old running into it by patching
	 * those entries, where it used to free one whole tree per commit and
	 * copy one per edit.
	 */
	struct lyd_node *spare;
	struct er_config *cfg;
	unsigned long generation;
	er_ds_write_fn write_fn;
};

struct er_ds_txn {
	struct er_ds *ds;
	struct lyd_node *tree;
	struct er_config *prepared;
	/* the tree began as a copy of running at generation base_gen */
	bool from_running;
	unsigned long base_gen;
	/* what may differ from that running: all, or the entries keys[] of list below top */
	bool scope_all;
	const struct lysc_node *top;
	char *list;
	char **keys;
	size_t nkeys;
};

static struct er_config *
config_ref(struct er_config *cfg)
{
	return (struct er_config *)er_config_ref(cfg);
}

void
er_ds_config_unref(const struct er_config *cfg)
{
	er_config_unref(cfg);
}

/*
 * The first stored libyang error as "<origin>: line N: <path>: <reason>",
 * then clear them. libyang 2.1 reports locations as
 * 'Data location "/a/b", line number 27.' (or Schema location).
 */
/*
 * libyang names a missing mandatory node by its schema path only; find the
 * first data instance that lacks it so the user sees which list entry.
 */
static void
mandatory_data_path(const struct lyd_node *tree, char *path, size_t len)
{
	char *slash = strrchr(path, '/'), *xpath = NULL, dpath[512], leaf[128];
	struct ly_set *set = NULL;

	if (!tree || !slash || slash == path)
		return;
	snprintf(leaf, sizeof(leaf), "%s", strchr(slash + 1, ':') ? strchr(slash + 1, ':') + 1 : slash + 1);
	if (asprintf(&xpath, "%.*s[not(%s)]", (int)(slash - path), path, leaf) < 0)
		return;
	if (lyd_find_xpath(tree, xpath, &set) == LY_SUCCESS && set->count &&
	    lyd_path(set->dnodes[0], LYD_PATH_STD, dpath, sizeof(dpath))) {
		path[0] = '\0';
		strlcatf(path, len, "%s/%s", dpath, leaf);
	}
	ly_set_free(set, NULL);
	free(xpath);
}

static void
ly_error_text_tree(const struct ly_ctx *ctx, const struct lyd_node *tree, const char *origin, char *err,
    size_t errlen)
{
	struct ly_err_item *e = ly_err_first(ctx);
	const char *msg = e && e->msg ? e->msg : "invalid data";
	char path[512] = "", where[32] = "";
	const char *p = e ? e->path : NULL, *q, *line;

	if (p && (q = strstr(p, "location \"")) && (q = strchr(q, '"'))) {
		const char *end = strchr(q + 1, '"');
		if (end)
			snprintf(path, sizeof(path), "%.*s", (int)(end - q - 1), q + 1);
	} else if (p && !strcasestr(p, "line number "))
		snprintf(path, sizeof(path), "%s", p);
	if (p && strstr(p, "Schema location") && !strncmp(msg, "Mandatory node", 14))
		mandatory_data_path(tree, path, sizeof(path));
	if (p && (line = strcasestr(p, "line number ")))
		snprintf(where, sizeof(where), "line %d: ", atoi(line + 12));
	snprintf(err, errlen, "%s: %s%s%s%s", origin, where, path, path[0] ? ": " : "", msg);
	ly_err_clean((struct ly_ctx *)ctx, NULL);
}

static void
ly_error_text(const struct ly_ctx *ctx, const char *origin, char *err, size_t errlen)
{
	ly_error_text_tree(ctx, NULL, origin, err, errlen);
}

struct er_ds *
er_ds_new(char *err, size_t errlen)
{
	return er_ds_new_with(NULL, err, errlen);
}

struct er_ds *
er_ds_new_with(er_ds_ctx_hook hook, char *err, size_t errlen)
{
	struct er_ds *ds = xcalloc(1, sizeof(*ds));
	char cerr[ER_ERRLEN];

	/* Keep libyang quiet: its errors are reported through our messages. */
	ly_log_options(LY_LOSTORE);
	if (ly_ctx_new(NULL, hook ? 0 : LY_CTX_NO_YANGLIBRARY, &ds->ctx) != LY_SUCCESS) {
		snprintf(err, errlen, "cannot create the libyang context");
		free(ds);
		return NULL;
	}
	/* Extra modules go in before any data tree exists: adding one later recompiles the context. */
	if (hook && hook(ds->ctx, err, errlen) < 0) {
		ly_ctx_destroy(ds->ctx);
		free(ds);
		return NULL;
	}
	/*
	 * RFC 8341 access control is configured with ietf-netconf-acm data
	 * kept beside ours: in running, edited by the same operations, saved
	 * in the same file (README "NETCONF access control").
	 */
	if (lys_parse_mem(ds->ctx, er_nacm_module_text, LYS_IN_YANG, NULL) != LY_SUCCESS) {
		ly_error_text(ds->ctx, "ietf-netconf-acm", err, errlen);
		er_ds_free(ds);
		return NULL;
	}
	if (lys_parse_mem(ds->ctx, er_yang_module_text, LYS_IN_YANG, NULL) != LY_SUCCESS) {
		ly_error_text(ds->ctx, ER_YANG_MODULE, err, errlen);
		er_ds_free(ds);
		return NULL;
	}
	ds->write_fn = write;
	if (er_config_from_tree(NULL, &ds->cfg, cerr, sizeof(cerr)) < 0) {
		snprintf(err, errlen, "%s", cerr);
		er_ds_free(ds);
		return NULL;
	}
	config_ref(ds->cfg);
	return ds;
}

void
er_ds_free(struct er_ds *ds)
{
	if (!ds)
		return;
	er_ds_config_unref(ds->cfg);
	lyd_free_all(ds->running);
	lyd_free_all(ds->spare);
	ly_ctx_destroy(ds->ctx);
	free(ds);
}

struct ly_ctx *
er_ds_ctx(const struct er_ds *ds)
{
	return ds->ctx;
}

/* lyd_print_clb() writes many small pieces: a doubling buffer, where lyd_print_mem() reallocs each time */
static ssize_t
membuf_write(void *arg, const void *data, size_t len)
{
	er_buf_add(arg, data, len);
	return (ssize_t)len;
}

char *
er_ds_print_mem(const struct lyd_node *tree, int lyd_format, uint32_t lyd_options)
{
	struct er_buf b = { 0 };

	if (tree && lyd_print_clb(membuf_write, &b, tree, (LYD_FORMAT)lyd_format, lyd_options) != LY_SUCCESS) {
		er_buf_free(&b);
		return NULL;
	}
	er_buf_add(&b, "", 1); /* off is 0: nothing was eaten */
	return b.p;
}

const struct lyd_node *
er_ds_running(const struct er_ds *ds)
{
	return ds->running;
}

const struct er_config *
er_ds_config(struct er_ds *ds)
{
	return config_ref(ds->cfg);
}

unsigned long
er_ds_generation(const struct er_ds *ds)
{
	return ds->generation;
}

void
er_ds_set_write_fn(struct er_ds *ds, er_ds_write_fn fn)
{
	ds->write_fn = fn ? fn : write;
}

static LYD_FORMAT
detect_format(const char *data, enum er_ds_format fmt)
{
	if (fmt == ER_FMT_JSON)
		return LYD_JSON;
	if (fmt == ER_FMT_XML)
		return LYD_XML;
	while (*data == ' ' || *data == '\t' || *data == '\n' || *data == '\r')
		data++;
	return *data == '<' ? LYD_XML : LYD_JSON;
}

/* validate: libyang (types, ranges, patterns, mandatory, when) */
static int
validate_tree(struct er_ds *ds, struct lyd_node **tree, const char *origin, char *err, size_t errlen)
{
	if (lyd_validate_all(tree, ds->ctx, LYD_VALIDATE_NO_STATE, NULL) != LY_SUCCESS) {
		ly_error_text_tree(ds->ctx, *tree, origin, err, errlen);
		return -1;
	}
	return 0;
}

/* Leaf values the same for the user: prefixes by their network (libyang keeps the canonical form). */
static bool
same_value(const char *a, size_t alen, const char *b)
{
	struct er_prefix pa, pb, na, nb;
	char buf[128];

	if (alen >= sizeof(buf))
		return false;
	memcpy(buf, a, alen);
	buf[alen] = '\0';
	if (er_prefix_parse(buf, false, false, &pa) == 0 && er_prefix_parse(b, false, false, &pb) == 0) {
		er_prefix_network(&pa, &na);
		er_prefix_network(&pb, &nb);
		return er_prefix_cmp(&na, &nb) == 0;
	}
	return !strcmp(buf, b);
}

/*
 * The line of the @p nth (from 0) leaf @p name whose value is @p value in
 * the JSON or XML @p text, 0 when not found. libyang keeps no line numbers
 * in a data tree, so an error found after parsing (a rule YANG cannot
 * express) is located in the text again: list entries and leaves keep
 * their document order in the tree, so the nth such leaf in the tree is
 * the nth in the file.
 */
static unsigned
leaf_line(const char *text, LYD_FORMAT lf, const char *name, const char *value, size_t nth)
{
	size_t nlen = strlen(name);
	const char *p = text, *v, *end;

	while ((p = strstr(p, name))) {
		const char *after = p + nlen;
		bool hit = false;

		if (p > text && (p[-1] == '"' || p[-1] == ':' || p[-1] == '<')) {
			if (lf == LYD_JSON && *after == '"') {
				for (v = after + 1; *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'; v++)
					;
				if (*v == ':') {
					for (v++; *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'; v++)
						;
					if (*v == '"' && (end = strchr(v + 1, '"')))
						hit = same_value(v + 1, (size_t)(end - v - 1), value);
				}
			} else if (lf == LYD_XML && (*after == '>' || *after == ' ') && (v = strchr(after, '>')) &&
			    v[-1] != '/') {
				for (v++; *v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'; v++)
					;
				for (end = v; *end && *end != '<' && *end != ' ' && *end != '\t' && *end != '\r' &&
				     *end != '\n';
				     end++)
					;
				hit = same_value(v, (size_t)(end - v), value);
			}
		}
		if (hit && nth-- == 0) {
			unsigned line = 1;
			for (v = text; v < p; v++)
				line += *v == '\n';
			return line;
		}
		p = after;
	}
	return 0;
}

/* The line in @p text of the node at data path @p where of @p tree, 0 when it cannot be told. */
static unsigned
node_line(const struct lyd_node *tree, const char *text, LYD_FORMAT lf, const char *where)
{
	const struct lyd_node *node = NULL, *top, *n;
	const char *name, *value;
	size_t nth = 0;

	if (!where[0] || lyd_find_path(tree, where, 0, (struct lyd_node **)&node) != LY_SUCCESS || !node->schema ||
	    !(node->schema->nodetype & LYD_NODE_TERM))
		return 0;
	name = node->schema->name;
	value = lyd_get_value(node);
	LY_LIST_FOR(tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (n == node)
				return leaf_line(text, lf, name, value, nth);
			if (n->schema && (n->schema->nodetype & LYD_NODE_TERM) && !(n->flags & LYD_DEFAULT) &&
			    !strcmp(n->schema->name, name) && same_value(lyd_get_value(n), strlen(lyd_get_value(n)), value))
				nth++;
			LYD_TREE_DFS_END(top, n);
		}
	}
	return 0;
}

/*
 * prepare: build the C view, with the rules YANG cannot express. With the
 * @p text the tree was parsed from, the message names the line as libyang's
 * own ("<origin>: line N: <path>: <reason>").
 */
static int
prepare_tree(const struct lyd_node *tree, const char *text, LYD_FORMAT lf, const char *origin, struct er_config **cfg,
    char *err, size_t errlen)
{
	char cerr[ER_ERRLEN], where[256];
	unsigned line;

	if (er_config_from_tree_at(tree, cfg, cerr, sizeof(cerr), where, sizeof(where)) < 0) {
		if (text && (line = node_line(tree, text, lf, where)))
			snprintf(err, errlen, "%s: line %u: %s", origin, line, cerr);
		else
			snprintf(err, errlen, "%s: %s", origin, cerr);
		return -1;
	}
	return 0;
}

/* apply: cannot fail. @p old_kept: the caller has taken the old running tree. */
static void
apply_tree_keep(struct er_ds *ds, struct lyd_node *tree, struct er_config *cfg, bool old_kept)
{
	if (!old_kept)
		lyd_free_all(ds->running);
	/* a spare copy of the old running is no copy of the new one */
	lyd_free_all(ds->spare);
	ds->spare = NULL;
	ds->running = tree;
	er_ds_config_unref(ds->cfg);
	ds->cfg = config_ref(cfg);
	ds->generation++;
}

static void
apply_tree(struct er_ds *ds, struct lyd_node *tree, struct er_config *cfg)
{
	apply_tree_keep(ds, tree, cfg, false);
}

int
er_ds_parse(struct er_ds *ds, const char *data, enum er_ds_format fmt, const char *origin,
    struct lyd_node **tree, char *err, size_t errlen)
{
	*tree = NULL;
	ly_err_clean(ds->ctx, NULL);
	if (lyd_parse_data_mem(ds->ctx, data, detect_format(data, fmt),
	        LYD_PARSE_STRICT | LYD_PARSE_NO_STATE | LYD_PARSE_ONLY, 0, tree) != LY_SUCCESS) {
		ly_error_text(ds->ctx, origin, err, errlen);
		lyd_free_all(*tree);
		*tree = NULL;
		return -1;
	}
	if (validate_tree(ds, tree, origin, err, errlen) < 0) {
		lyd_free_all(*tree);
		*tree = NULL;
		return -1;
	}
	return 0;
}

/*
 * Whether @p tree holds anything of our module the user wrote: validation
 * adds the top container with its defaults even to an empty tree, flagged
 * LYD_DEFAULT, so an empty file, "{}", an empty container or a file cut
 * after its first member name (libyang 2.1 accepts '{"x":' at EOF) all
 * come out without a single explicit node.
 */
static bool
has_module_data(const struct lyd_node *tree)
{
	const struct lyd_node *n;

	LY_LIST_FOR(tree, n) {
		if (n->schema && !strcmp(n->schema->module->name, ER_YANG_MODULE) && !(n->flags & LYD_DEFAULT))
			return true;
	}
	return false;
}

int
er_ds_load_mem(struct er_ds *ds, const char *data, enum er_ds_format fmt, const char *origin,
    char *err, size_t errlen)
{
	struct lyd_node *tree;
	struct er_config *cfg;

	if (er_ds_parse(ds, data, fmt, origin, &tree, err, errlen) < 0)
		return -1;
	/* A file is the whole configuration: one without our data would silently drop every circuit. */
	if (!has_module_data(tree)) {
		snprintf(err, errlen, "%s: no /%s:expressroute data: an empty or truncated file is not a configuration",
		    origin, ER_YANG_MODULE);
		lyd_free_all(tree);
		return -1;
	}
	if (prepare_tree(tree, data, detect_format(data, fmt), origin, &cfg, err, errlen) < 0) {
		lyd_free_all(tree);
		return -1;
	}
	apply_tree(ds, tree, cfg);
	return 0;
}

int
er_ds_load_file(struct er_ds *ds, const char *path, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.');
	enum er_ds_format fmt = ER_FMT_AUTO;
	char *data;
	int rc;

	if (dot && !strcmp(dot, ".json"))
		fmt = ER_FMT_JSON;
	else if (dot && !strcmp(dot, ".xml"))
		fmt = ER_FMT_XML;
	if (!(data = er_cfgfile_read(path, ER_CFGFILE_MAX, err, errlen)))
		return -1;
	rc = er_ds_load_mem(ds, data, fmt, path, err, errlen);
	free(data);
	return rc;
}

int
er_ds_parse_file(struct er_ds *ds, const char *path, struct lyd_node **tree, char *err, size_t errlen)
{
	char *data;
	int rc;

	*tree = NULL;
	if (!(data = er_cfgfile_read(path, ER_CFGFILE_MAX, err, errlen)))
		return -1;
	rc = er_ds_parse(ds, data, ER_FMT_AUTO, path, tree, err, errlen);
	free(data);
	return rc;
}

struct er_ds_txn *
er_ds_txn_begin(struct er_ds *ds)
{
	return er_ds_txn_begin_from(ds, ds->running);
}

struct er_ds_txn *
er_ds_txn_begin_from(struct er_ds *ds, const struct lyd_node *tree)
{
	struct er_ds_txn *txn = xcalloc(1, sizeof(*txn));

	txn->ds = ds;
	txn->scope_all = true;
	if (tree && tree == ds->running) {
		txn->from_running = true;
		txn->base_gen = ds->generation;
		txn->scope_all = false; /* nothing changed yet */
		if (ds->spare) {
			txn->tree = ds->spare;
			ds->spare = NULL;
			return txn;
		}
	}
	if (tree && lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &txn->tree) != LY_SUCCESS)
		fatalx("cannot copy a config tree");
	return txn;
}

static void
scope_clear(struct er_ds_txn *txn)
{
	size_t i;

	for (i = 0; i < txn->nkeys; i++)
		free(txn->keys[i]);
	free(txn->keys);
	free(txn->list);
	txn->keys = NULL;
	txn->list = NULL;
	txn->nkeys = 0;
}

/* Anything in the tree may change from here on. */
static void
scope_everything(struct er_ds_txn *txn)
{
	txn->scope_all = true;
	scope_clear(txn);
}

/* Write access: whatever the caller changes is validated again at commit. */
struct lyd_node **
er_ds_txn_tree(struct er_ds_txn *txn)
{
	er_config_free(txn->prepared);
	txn->prepared = NULL;
	scope_everything(txn);
	return &txn->tree;
}

struct lyd_node **
er_ds_txn_tree_scoped(struct er_ds_txn *txn, const struct lysc_node *top, const char *list, const char *const *keys,
    size_t n)
{
	size_t i;

	er_config_free(txn->prepared);
	txn->prepared = NULL;
	if (!txn->scope_all && (!top || top->nodetype != LYS_CONTAINER || top->parent || !list ||
	                           (txn->top && (txn->top != top || strcmp(txn->list, list)))))
		scope_everything(txn);
	if (txn->scope_all)
		return &txn->tree;
	if (!txn->top) {
		txn->top = top;
		txn->list = xstrdup(list);
	}
	txn->keys = xreallocarray(txn->keys, txn->nkeys + n + 1, sizeof(*txn->keys));
	for (i = 0; i < n; i++)
		txn->keys[txn->nkeys++] = xstrdup(keys[i]);
	return &txn->tree;
}

char *
er_ds_txn_diff_paths(const struct er_ds_txn *txn, size_t max)
{
	if (txn->from_running && txn->base_gen == txn->ds->generation && !txn->scope_all) {
		if (!txn->nkeys)
			return NULL; /* nothing in scope: nothing changed */
		return er_config_diff_paths_scoped(txn->ds->running, txn->tree, txn->top, txn->list,
		    (const char *const *)txn->keys, txn->nkeys, max);
	}
	return er_config_diff_paths(txn->ds->running, txn->tree, max);
}

const struct lyd_node *
er_ds_txn_peek(const struct er_ds_txn *txn)
{
	return txn->tree;
}

bool
er_ds_txn_validated(const struct er_ds_txn *txn)
{
	return txn->prepared != NULL;
}

int
er_ds_txn_set(struct er_ds_txn *txn, const char *xpath, const char *value, char *err, size_t errlen)
{
	struct lyd_node *node = NULL;

	er_config_free(txn->prepared);
	txn->prepared = NULL;
	scope_everything(txn);
	ly_err_clean(txn->ds->ctx, NULL);
	if (lyd_new_path(txn->tree, txn->ds->ctx, xpath, value, LYD_NEW_PATH_UPDATE,
	        txn->tree ? NULL : &node) != LY_SUCCESS) {
		ly_error_text(txn->ds->ctx, xpath, err, errlen);
		return -1;
	}
	if (!txn->tree)
		txn->tree = node;
	return 0;
}

int
er_ds_txn_merge(struct er_ds_txn *txn, const char *data, enum er_ds_format fmt, char *err, size_t errlen)
{
	struct lyd_node *edit = NULL;

	ly_err_clean(txn->ds->ctx, NULL);
	if (lyd_parse_data_mem(txn->ds->ctx, data, detect_format(data, fmt),
	        LYD_PARSE_STRICT | LYD_PARSE_NO_STATE | LYD_PARSE_ONLY, 0, &edit) != LY_SUCCESS) {
		ly_error_text(txn->ds->ctx, "edit", err, errlen);
		lyd_free_all(edit);
		return -1;
	}
	er_config_free(txn->prepared);
	txn->prepared = NULL;
	scope_everything(txn);
	if (lyd_merge_siblings(&txn->tree, edit, LYD_MERGE_DESTRUCT) != LY_SUCCESS) {
		ly_error_text(txn->ds->ctx, "edit", err, errlen);
		return -1;
	}
	return 0;
}

int
er_ds_txn_validate(struct er_ds_txn *txn, char *err, size_t errlen)
{
	er_config_free(txn->prepared);
	txn->prepared = NULL;
	/* libyang may add or remove nodes anywhere (defaults, when) */
	scope_everything(txn);
	ly_err_clean(txn->ds->ctx, NULL);
	if (validate_tree(txn->ds, &txn->tree, "edit", err, errlen) < 0)
		return -1;
	return prepare_tree(txn->tree, NULL, LYD_JSON, "edit", &txn->prepared, err, errlen);
}

/* The key value of list entry @p n (its first child), or NULL. */
static const char *
entry_key(const struct lyd_node *n)
{
	const struct lyd_node *k = lyd_child(n);

	return k && k->schema && (k->schema->flags & LYS_KEY) ? lyd_get_value(k) : NULL;
}

/*
 * prepare_tree() of the txn's tree; for a scoped txn on the current
 * running, the circuits out of scope come from running's C view instead
 * of the tree (er_config_from_tree_reusing): same view, a fraction of the
 * cost on a large config.
 */
static int
prepare_txn(struct er_ds_txn *txn, char *err, size_t errlen)
{
	struct er_ds *ds = txn->ds;
	char cerr[ER_ERRLEN], where[256];

	if (txn->scope_all || !txn->from_running || txn->base_gen != ds->generation || !ds->running || !txn->top ||
	    strcmp(txn->list, "circuit"))
		return prepare_tree(txn->tree, NULL, LYD_JSON, "edit", &txn->prepared, err, errlen);
	if (er_config_from_tree_reusing(txn->tree, ds->cfg, (const char *const *)txn->keys, txn->nkeys, &txn->prepared,
	        cerr, sizeof(cerr), where, sizeof(where)) < 0) {
		snprintf(err, errlen, "edit: %s", cerr);
		return -1;
	}
	return 0;
}

int
er_ds_txn_validate_entries(struct er_ds_txn *txn, const char *list, const char *const *keys, size_t n, char *err,
    size_t errlen)
{
	struct lyd_node *top = NULL, *tmp = NULL, *ttop = NULL, *s, *c, *next;
	size_t i;

	/*
	 * The top-level container whose children are the list's entries (the
	 * other top-level nodes, ietf-netconf-acm's nacm, are copied whole: a
	 * few rules), or the whole tree.
	 */
	LY_LIST_FOR(txn->tree, s) {
		if (!s->schema || s->schema->nodetype != LYS_CONTAINER ||
		    !lys_find_child(s->schema, s->schema->module, list, 0, LYS_LIST, 0))
			continue;
		if (top)
			return er_ds_txn_validate(txn, err, errlen);
		top = s;
	}
	if (!top)
		return er_ds_txn_validate(txn, err, errlen);
	er_config_free(txn->prepared);
	txn->prepared = NULL;
	ly_err_clean(txn->ds->ctx, NULL);
	LY_LIST_FOR(txn->tree, s) {
		struct lyd_node *d = NULL;

		if (lyd_dup_single(s, NULL, LYD_DUP_WITH_FLAGS | (s == top ? 0 : LYD_DUP_RECURSIVE), &d) != LY_SUCCESS ||
		    (tmp && lyd_insert_sibling(tmp, d, &tmp) != LY_SUCCESS))
			fatalx("cannot copy a config tree");
		if (!tmp)
			tmp = d;
		if (s == top)
			ttop = d;
	}
	LY_LIST_FOR(lyd_child(top), c) {
		const char *k = NULL;
		bool want = !c->schema || c->schema->nodetype != LYS_LIST || strcmp(c->schema->name, list);

		if (!want && (k = entry_key(c)))
			for (i = 0; i < n && !want; i++)
				want = !strcmp(keys[i], k);
		if (want && lyd_dup_single(c, (struct lyd_node_inner *)ttop, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, NULL) !=
			LY_SUCCESS)
			fatalx("cannot copy a config tree");
	}
	if (validate_tree(txn->ds, &tmp, "edit", err, errlen) < 0) {
		lyd_free_all(tmp);
		return -1;
	}
	/*
	 * The validated entries' contents (defaults added, false when-nodes
	 * gone) replace their originals' in place: a system-ordered entry
	 * cannot be inserted at a position, and the order must not change.
	 */
	/* validation may have added top-level defaults before our copy: find it again */
	LY_LIST_FOR(tmp, ttop)
		if (ttop->schema == top->schema)
			break;
	LY_LIST_FOR_SAFE(ttop ? lyd_child(ttop) : NULL, next, c) {
		struct lyd_node *orig = NULL, *ch, *nx;

		if (!c->schema || c->schema->nodetype != LYS_LIST || strcmp(c->schema->name, list))
			continue;
		if (lyd_find_sibling_first(lyd_child(top), c, &orig) != LY_SUCCESS || !orig)
			continue;
		LY_LIST_FOR_SAFE(lyd_child(orig), nx, ch)
			if (!ch->schema || !(ch->schema->flags & LYS_KEY))
				lyd_free_tree(ch);
		LY_LIST_FOR_SAFE(lyd_child(c), nx, ch)
			if (!ch->schema || !(ch->schema->flags & LYS_KEY)) {
				lyd_unlink_tree(ch);
				if (lyd_insert_child(orig, ch) != LY_SUCCESS)
					fatalx("cannot rebuild a config tree");
			}
		orig->flags = c->flags;
	}
	lyd_free_all(tmp);
	return prepare_txn(txn, err, errlen);
}

/* The entry of list schema @p ls with key value @p key among @p first and its siblings, or NULL. */
static struct lyd_node *
find_entry(struct lyd_node *first, const struct lysc_node *ls, const char *key)
{
	struct lyd_node *c;
	const char *k;

	LY_LIST_FOR(first, c)
		if (c->schema == ls && (k = entry_key(c)) && !strcmp(k, key))
			return c;
	return NULL;
}

/* The top-level sibling of @p tree whose schema is @p top, or NULL. */
static struct lyd_node *
find_top(struct lyd_node *tree, const struct lysc_node *top)
{
	struct lyd_node *n;

	LY_LIST_FOR(tree, n)
		if (n->schema == top)
			return n;
	return NULL;
}

/* Same top-level siblings, and the same children of @p dtop and @p stop in the same order (list entries by key). */
static bool
same_shape(const struct lyd_node *dst, const struct lyd_node *src, const struct lyd_node *dtop,
    const struct lyd_node *stop)
{
	const struct lyd_node *d, *s;
	const char *dk, *sk;

	for (d = dst, s = src; d && s; d = d->next, s = s->next)
		if (d->schema != s->schema)
			return false;
	if (d || s)
		return false;
	for (d = lyd_child(dtop), s = lyd_child(stop); d && s; d = d->next, s = s->next) {
		if (d->schema != s->schema || d->flags != s->flags)
			return false;
		if (d->schema && d->schema->nodetype == LYS_LIST) {
			dk = entry_key(d);
			sk = entry_key(s);
			if (dk != sk && (!dk || !sk || strcmp(dk, sk)))
				return false;
		}
	}
	return !d && !s;
}

/*
 * Make @p dst, a tree equal to @p src but for the entries in the scope of
 * @p txn, equal to it: those entries copied from @p src (flags included),
 * nothing else touched. 0 when done and checked, -1 when @p dst cannot be
 * trusted to equal @p src (the caller frees it).
 */
static int
patch_scope(const struct er_ds_txn *txn, struct lyd_node *dst, struct lyd_node *src)
{
	struct lyd_node *dtop = find_top(dst, txn->top), *stop = find_top(src, txn->top), *d, *s, *ch, *nx;
	const struct lysc_node *ls;
	size_t i;

	if (!dtop || !stop || !(ls = lys_find_child(txn->top, txn->top->module, txn->list, 0, LYS_LIST, 0)))
		return -1;
	for (i = 0; i < txn->nkeys; i++) {
		d = find_entry(lyd_child(dtop), ls, txn->keys[i]);
		s = find_entry(lyd_child(stop), ls, txn->keys[i]);
		if (d && s) {
			/* in place, as er_ds_txn_validate_entries does: a system-ordered entry has no position to insert at */
			LY_LIST_FOR_SAFE(lyd_child(d), nx, ch)
				if (!ch->schema || !(ch->schema->flags & LYS_KEY))
					lyd_free_tree(ch);
			LY_LIST_FOR(lyd_child(s), ch)
				if ((!ch->schema || !(ch->schema->flags & LYS_KEY)) &&
				    lyd_dup_single(ch, (struct lyd_node_inner *)d, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS,
				        NULL) != LY_SUCCESS)
					return -1;
			d->flags = s->flags;
		} else if (s) {
			if (lyd_dup_single(s, (struct lyd_node_inner *)dtop, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, NULL) !=
			    LY_SUCCESS)
				return -1;
		} else if (d)
			lyd_free_tree(d);
	}
	dtop->flags = stop->flags;
	/* an entry replaced or created goes last: where it went in @p src too, or this is no copy */
	return same_shape(dst, src, dtop, stop) ? 0 : -1;
}

/* Keep @p tree, a copy of running but for @p txn's scope, as the spare copy; or free it. */
static void
keep_spare(struct er_ds_txn *txn, struct lyd_node *tree)
{
	struct er_ds *ds = txn->ds;

	if (!tree)
		return;
	if (ds->spare || txn->scope_all || !txn->from_running || !ds->running ||
	    (txn->nkeys && patch_scope(txn, tree, ds->running) < 0)) {
		lyd_free_all(tree);
		return;
	}
	ds->spare = tree;
}

int
er_ds_txn_commit(struct er_ds_txn *txn, char *err, size_t errlen)
{
	/* validated and untouched since (SNMP reserve, a NETCONF candidate): not again */
	int rc = txn->prepared ? 0 : er_ds_txn_validate(txn, err, errlen);
	struct er_ds *ds = txn->ds;
	struct lyd_node *old;

	if (rc == 0) {
		/* the old running is the txn's base: patched to the new one, it is the next txn's copy */
		bool recycle = txn->from_running && txn->base_gen == ds->generation && !txn->scope_all;

		old = ds->running;
		apply_tree_keep(ds, txn->tree, txn->prepared, recycle);
		txn->tree = NULL;
		txn->prepared = NULL;
		if (recycle)
			keep_spare(txn, old);
	}
	er_ds_txn_abort(txn);
	return rc;
}

void
er_ds_txn_abort(struct er_ds_txn *txn)
{
	if (!txn)
		return;
	/* running did not change since the txn began: its tree, patched back, is a copy of running */
	if (txn->tree && txn->from_running && txn->base_gen == txn->ds->generation)
		keep_spare(txn, txn->tree);
	else
		lyd_free_all(txn->tree);
	er_config_free(txn->prepared);
	scope_clear(txn);
	free(txn);
}

/* Write-only leaves: accepted in edits, never returned by a read or named in a message. */
static const char *const secrets[] = {
	"/expressroute-readiness:expressroute/circuit/peering/md5-key",
	"/expressroute-readiness:expressroute/agent/snmp/user/auth-key",
	"/expressroute-readiness:expressroute/agent/snmp/user/priv-key",
	"/expressroute-readiness:expressroute/agent/netconf/user/password",
	/* SNMPv2c communities are passwords too (issue 16) */
	"/expressroute-readiness:expressroute/agent/snmp/community",
	"/expressroute-readiness:expressroute/agent/snmp/trap-sink/community",
};

bool
er_ds_is_secret(const struct lysc_node *s)
{
	char buf[256];
	size_t k;

	if (!s || s->nodetype != LYS_LEAF || !lysc_path(s, LYSC_PATH_DATA, buf, sizeof(buf)))
		return false;
	for (k = 0; k < ARRAY_SIZE(secrets); k++)
		if (!strcmp(buf, secrets[k]))
			return true;
	return false;
}

void
er_ds_strip_secrets(struct lyd_node *tree)
{
	struct ly_set *set = NULL;
	uint32_t i;
	size_t k;

	for (k = 0; tree && k < ARRAY_SIZE(secrets); k++) {
		if (lyd_find_xpath(tree, secrets[k], &set) != LY_SUCCESS)
			continue;
		for (i = 0; i < set->count; i++)
			lyd_free_tree(set->dnodes[i]);
		ly_set_free(set, NULL);
		set = NULL;
	}
}

char *
er_ds_print(const struct er_ds *ds, enum er_ds_format fmt, bool with_secrets)
{
	return er_ds_print_tree(ds->running, fmt, with_secrets);
}

char *
er_ds_print_tree(const struct lyd_node *tree, enum er_ds_format fmt, bool with_secrets)
{
	struct lyd_node *copy = NULL;
	char *out = NULL;
	LYD_FORMAT lf = fmt == ER_FMT_XML ? LYD_XML : LYD_JSON;

	if (tree) {
		if (lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE, &copy) != LY_SUCCESS)
			fatalx("cannot copy the running config");
		if (!with_secrets)
			er_ds_strip_secrets(copy);
	}
	if (!copy || !(out = er_ds_print_mem(copy, lf, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT)) || !out[0]) {
		free(out);
		out = xstrdup(lf == LYD_JSON ? "{\n}\n" : "");
	}
	lyd_free_all(copy);
	return out;
}

static int
write_all(const struct er_ds *ds, int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = ds->write_fn(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
er_ds_save(const struct er_ds *ds, const char *path, char *err, size_t errlen)
{
	return er_ds_save_tree(ds, ds->running, path, err, errlen);
}

int
er_ds_save_tree(const struct er_ds *ds, const struct lyd_node *tree, const char *path, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.');
	char *data = NULL, *tmp = NULL, *dircopy = NULL, *target;
	int fd = -1, dfd = -1, rc = -1;

	/* through a symbolic link: replace the file it names, the link stays (README "Config file") */
	if (!(target = er_cfgfile_target(path, err, errlen)))
		return -1;
	data = er_ds_print_tree(tree, dot && !strcmp(dot, ".xml") ? ER_FMT_XML : ER_FMT_JSON, true);
	dircopy = xstrdup(target);
	path = target;
	/* mkostemp creates the file 0600: no byte of it is ever readable by others */
	if (asprintf(&tmp, "%s" ER_CFGFILE_TMP "XXXXXX", path) < 0) {
		tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: cannot create temporary file: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto cleanup;
	}
	if (fchmod(fd, 0600) < 0 || write_all(ds, fd, data, strlen(data)) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(errno));
		goto cleanup;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: cannot close: %s", tmp, strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
		goto cleanup;
	}
	free(tmp);
	tmp = NULL;
	/* The rename is durable only once the directory entry is. */
	if ((dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY)) < 0 || fsync(dfd) < 0) {
		snprintf(err, errlen, "%s: cannot sync directory: %s", path, strerror(errno));
		goto cleanup;
	}
	rc = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(dircopy);
	free(data);
	free(target);
	return rc;
}
