/*
 * NETCONF operations (RFC 6241, 6243, 6022, 5277) over the datastore:
 * running (the daemon's), candidate (shared, kept here), startup (the
 * config file), locks, confirmed commit, subscriptions. Every handler runs
 * in its session's thread; datastore state is touched under the agent lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "config_diff.h"
#include "datastore.h"
#include "eval.h"
#include "log.h"
#include "lyd_util.h"
#include "model.h"
#include "nc_edit.h"
#include "nc_err.h"
#include "nc_guard.h"
#include "nc_internal.h"
#include "nc_log.h"
#include "state_tree.h"
#include "util.h"

#define NC_NS "urn:ietf:params:xml:ns:netconf:base:1.0"
#define ER_TOP "/" ER_YANG_MODULE ":expressroute"
#define EVALUATE_NOW_TIMEOUT_MS 60000

enum dsid { DS_RUNNING = 0, DS_CANDIDATE, DS_STARTUP, DS_INLINE, DS_NONE };
static const char *const ds_names[] = { "running", "candidate", "startup" };

/* All under the agent lock. */
/*
 * The expressroute part (config and state) of an unfiltered <get>, for one
 * snapshot and datastore generation, and its text once printed. Shared by
 * the sessions; read-only once made, freed by its last reference.
 */
struct full_cache {
	int refs; /* under O's lock */
	struct er_snapshot *snap;
	unsigned long gen;
	struct lyd_node *tree;
	struct er_nc_text *text; /* with-defaults explicit; under O's lock */
};

static struct {
	/* the candidate: NULL is the same as running; validated when er_ds_txn_validated() */
	struct er_ds_txn *cand;
	uint32_t lock_sid[3];
	time_t lock_time[3];
	/* a confirmed commit waiting for its confirmation */
	bool cc;
	uint32_t cc_sid;     /* the session that must confirm (no persist) */
	char *cc_persist;    /* persist id, NULL: bound to cc_sid */
	struct lyd_node *cc_rollback;
	uint64_t cc_deadline_ms;
	long long cc_deadline_real_us;
	char *cc_path;
	/* the expressroute part of the last unfiltered <get> */
	struct full_cache *full;
	unsigned long long splice_nonce;
	unsigned long splice_n;
} O;

/*
 * Who is changing running on this thread, for the log line of the change:
 * set per RPC by er_nc_dispatch, and by a confirmed commit's rollback.
 */
static __thread char who[200];

/* The log names at most this many changed paths of one commit. */
#define ER_NC_LOG_CHANGES_MAX 8

static struct ly_ctx *
ctx(void)
{
	return er_ds_ctx(er_nc_env->ds);
}

static void
lock(void)
{
	pthread_mutex_lock(er_nc_env->lock);
}

static void
unlock(void)
{
	pthread_mutex_unlock(er_nc_env->lock);
}

static struct nc_server_reply *
fail(struct er_nc_errs *errs)
{
	struct nc_server_reply *r = er_nc_errs_reply(ctx(), errs);

	er_nc_errs_clear(errs);
	return r;
}

/* missing-element naming @p elem (RFC 6241 appendix A: bad-element). */
static struct nc_server_reply *
missing1(const char *elem, const char *msg)
{
	struct er_nc_errs errs = { NULL, 0 };

	er_nc_err_set(&er_nc_errs_add(&errs, NC_ERR_MISSING_ELEM, NC_ERR_TYPE_PROT, NULL, "%s", msg)->bad_elem, elem);
	return fail(&errs);
}

static struct nc_server_reply *__attribute__((format(printf, 4, 5)))
fail1(NC_ERR tag, NC_ERR_TYPE type, const char *path, const char *fmt, ...)
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
	return fail(&errs);
}

/* The datastore named in <target> or <source>. */
static enum dsid
which_ds(const struct lyd_node *rpc, const char *param, const struct lyd_node **inline_cfg)
{
	const struct lyd_node *p = er_lyd_child(rpc, param), *c;

	if (!p)
		return DS_NONE;
	c = lyd_child(p);
	if (!c)
		return DS_NONE;
	if (!strcmp(LYD_NAME(c), "running"))
		return DS_RUNNING;
	if (!strcmp(LYD_NAME(c), "candidate"))
		return DS_CANDIDATE;
	if (!strcmp(LYD_NAME(c), "startup"))
		return DS_STARTUP;
	if (!strcmp(LYD_NAME(c), "config")) {
		if (inline_cfg)
			*inline_cfg = c;
		return DS_INLINE;
	}
	return DS_NONE;
}

static struct lyd_node *
any_tree(const struct lyd_node *any)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	if (!a || a->value_type != LYD_ANYDATA_DATATREE)
		return NULL;
	return a->value.tree;
}

static NC_WD_MODE
wd_mode(const struct lyd_node *rpc, bool *bad)
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
static struct nc_server_reply *
reply_any(const struct lyd_node *rpc, void *value, LYD_ANYDATA_VALUETYPE type, NC_WD_MODE wd)
{
	struct lyd_node *out = NULL;

	if (lyd_dup_single(rpc, NULL, 0, &out) != LY_SUCCESS ||
	    lyd_new_any(out, NULL, "data", value, 1, type, 1, NULL) != LY_SUCCESS) {
		lyd_free_all(out);
		if (type == LYD_ANYDATA_DATATREE)
			lyd_free_all(value);
		else
			free(value);
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot build the reply");
	}
	return nc_server_reply_data(out, wd, NC_PARAMTYPE_FREE);
}

/* Turn a datastore validation message ("edit: /path: reason") into an rpc-error. */
static void
validation_error(struct er_nc_errs *errs, const char *msg)
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

static bool
locked_by_other(enum dsid ds, uint32_t sid, struct er_nc_errs *errs)
{
	struct er_nc_err *e;

	if (ds > DS_STARTUP || !O.lock_sid[ds] || O.lock_sid[ds] == sid)
		return false;
	e = er_nc_errs_add(errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL,
	    "the %s datastore is locked by session %u", ds_names[ds], O.lock_sid[ds]);
	e->sid = O.lock_sid[ds];
	return true;
}

static const struct lyd_node *
cand_tree(void)
{
	return O.cand ? er_ds_txn_peek(O.cand) : er_ds_running(er_nc_env->ds);
}

/* The startup datastore: the config file. NULL when there is none; -1 on error. */
static int
startup_tree(struct lyd_node **out, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	*out = NULL;
	if (access(er_nc_env->startup_path, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (er_ds_parse_file(er_nc_env->ds, er_nc_env->startup_path, out, err, sizeof(err)) < 0) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "startup: %s", err);
		return -1;
	}
	return 0;
}

/* A copy of the tree of @p ds (with secrets). */
static int
ds_copy(enum dsid ds, const struct lyd_node *inline_cfg, struct lyd_node **out, struct er_nc_errs *errs)
{
	const struct lyd_node *src = NULL;

	*out = NULL;
	switch (ds) {
	case DS_RUNNING:
		src = er_ds_running(er_nc_env->ds);
		break;
	case DS_CANDIDATE:
		src = cand_tree();
		break;
	case DS_STARTUP:
		return startup_tree(out, errs);
	case DS_INLINE: {
		/* an inline <config>: a whole configuration, checked like a file */
		struct lyd_node *t = any_tree(inline_cfg);
		char *xml, err[ER_ERRLEN];
		int rc;
		if (!t || !(xml = er_ds_print_mem(t, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK)))
			return 0;
		rc = er_ds_parse(er_nc_env->ds, xml, ER_FMT_XML, "config", out, err, sizeof(err));
		free(xml);
		if (rc < 0) {
			er_nc_errs_add(errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, "%s", err);
			return -1;
		}
		return 0;
	}
	case DS_NONE:
		break;
	}
	if (src && lyd_dup_siblings(src, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, out) != LY_SUCCESS) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "out of memory");
		return -1;
	}
	return 0;
}

/* A transaction holding @p tree (taken). */
static struct er_ds_txn *
txn_of(struct lyd_node *tree)
{
	struct er_ds_txn *txn = er_ds_txn_begin_from(er_nc_env->ds, NULL);

	*er_ds_txn_tree(txn) = tree;
	return txn;
}

/* Make the tree of @p txn (taken) the running config. Returns 0, or -1 with errors. */
static int
commit_txn(struct er_ds_txn *txn, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN], *what;

	/* the change, in paths, before running is replaced (the txn holds the new tree) */
	what = er_config_diff_paths(er_ds_running(er_nc_env->ds), er_ds_txn_peek(txn), ER_NC_LOG_CHANGES_MAX);
	if (er_ds_txn_commit(txn, err, sizeof(err)) < 0) {
		free(what);
		validation_error(errs, err);
		return -1;
	}
	if (what)
		log_notice("config changed by %s: %s", who[0] ? who : "NETCONF", what);
	free(what);
	er_nc_env->config_changed(NULL);
	return 0;
}

static int
commit_tree(struct lyd_node *tree, struct er_nc_errs *errs)
{
	return commit_txn(txn_of(tree), errs);
}

/* Validate @p txn, keeping what it prepared for a commit. */
static int
validate_txn(struct er_ds_txn *txn, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	if (er_ds_txn_validate(txn, err, sizeof(err)) < 0) {
		validation_error(errs, err);
		return -1;
	}
	return 0;
}

static int
validate_tree(struct lyd_node **tree, struct er_nc_errs *errs)
{
	struct er_ds_txn *txn = txn_of(*tree);
	int rc = validate_txn(txn, errs);

	*tree = *er_ds_txn_tree(txn); /* validation adds defaults */
	*er_ds_txn_tree(txn) = NULL;
	er_ds_txn_abort(txn);
	return rc;
}

static int
save_startup(const struct lyd_node *tree, struct er_nc_errs *errs)
{
	char err[ER_ERRLEN];

	if (er_ds_save_tree(er_nc_env->ds, tree, er_nc_env->startup_path, err, sizeof(err)) < 0) {
		er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "startup: %s", err);
		return -1;
	}
	return 0;
}

static void
cand_set(struct er_ds_txn *txn)
{
	er_ds_txn_abort(O.cand);
	O.cand = txn;
}

static void
cand_reset(void)
{
	cand_set(NULL);
}

/* ------------------------------------------------------------------ */
/* confirmed commit */

static void
cc_clear(void)
{
	lyd_free_all(O.cc_rollback);
	O.cc_rollback = NULL;
	free(O.cc_persist);
	O.cc_persist = NULL;
	O.cc = false;
	O.cc_sid = 0;
	if (O.cc_path)
		unlink(O.cc_path);
}

static char *
one_line(const struct lyd_node *tree)
{
	char *s = tree ? er_ds_print_mem(tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK) : NULL;

	if (!s || !s[0]) {
		free(s);
		return xstrdup("{}");
	}
	return s;
}

/* The pending confirmed commit in the state directory, so a restart still rolls it back. */
static void
cc_save(void)
{
	char *tmp = NULL, *rb = one_line(O.cc_rollback), *cur = one_line(er_ds_running(er_nc_env->ds));
	FILE *f;
	int fd;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", O.cc_path) < 0)
		fatalx("out of memory");
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		log_warnx("confirmed commit: cannot save %s: %s", O.cc_path, strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		fchmod(fd, 0600);
		fprintf(f, "%lld %u %s\n%s\n%s\n", O.cc_deadline_real_us, O.cc_sid, O.cc_persist ? O.cc_persist : "-", rb,
		    cur);
		if (fflush(f) != 0 || fsync(fd) < 0 || fclose(f) != 0 || rename(tmp, O.cc_path) < 0)
			log_warnx("confirmed commit: cannot save %s: %s", O.cc_path, strerror(errno));
	}
	unlink(tmp);
	free(tmp);
	free(rb);
	free(cur);
}

static void
cc_rollback(const char *why)
{
	struct er_nc_errs errs = { NULL, 0 };
	struct lyd_node *rb = O.cc_rollback;

	O.cc_rollback = NULL;
	snprintf(who, sizeof(who), "NETCONF confirmed-commit rollback (%s)", why);
	if (commit_tree(rb, &errs) < 0)
		log_warnx("confirmed commit: rollback (%s) refused: %s", why, errs.n ? errs.v[0].msg : "?");
	else
		log_info("confirmed commit: rolled back (%s)", why);
	er_nc_errs_clear(&errs);
	cc_clear();
}

static int
parse_cfg_line(const char *line, struct lyd_node **tree)
{
	char err[ER_ERRLEN];

	*tree = NULL;
	if (!strcmp(line, "{}"))
		return 0;
	return er_ds_parse(er_nc_env->ds, line, ER_FMT_JSON, "confirmed-commit", tree, err, sizeof(err));
}

/* At start: a confirmed commit was pending when erreadyd stopped. */
static void
cc_restore(void)
{
	FILE *f = fopen(O.cc_path, "re");
	char *l1 = NULL, *l2 = NULL, *l3 = NULL, persist[512];
	size_t c1 = 0, c2 = 0, c3 = 0;
	long long deadline;
	unsigned sid;
	struct lyd_node *rb = NULL, *cur = NULL;
	struct er_nc_errs errs = { NULL, 0 };

	if (!f)
		return;
	if (getline(&l1, &c1, f) <= 0 || getline(&l2, &c2, f) <= 0 || getline(&l3, &c3, f) <= 0 ||
	    sscanf(l1, "%lld %u %511s", &deadline, &sid, persist) != 3) {
		log_warnx("confirmed commit: %s is unreadable; ignored", O.cc_path);
		goto out;
	}
	l2[strcspn(l2, "\n")] = '\0';
	l3[strcspn(l3, "\n")] = '\0';
	if (parse_cfg_line(l2, &rb) < 0 || parse_cfg_line(l3, &cur) < 0) {
		log_warnx("confirmed commit: %s does not parse; ignored", O.cc_path);
		goto out;
	}
	O.cc_rollback = rb;
	rb = NULL;
	if (!strcmp(persist, "-")) {
		cc_rollback("the session that made it ended with erreadyd's restart");
		goto out;
	}
	if (deadline <= er_nc_now_real_us()) {
		cc_rollback("its timeout passed while erreadyd was stopped");
		goto out;
	}
	snprintf(who, sizeof(who), "NETCONF confirmed commit restored at start");
	if (commit_tree(cur, &errs) < 0) {
		cur = NULL;
		cc_rollback("the confirmed config no longer validates");
		goto out;
	}
	cur = NULL;
	O.cc = true;
	O.cc_persist = xstrdup(persist);
	O.cc_deadline_real_us = deadline;
	O.cc_deadline_ms = er_nc_now_ms() + (uint64_t)((deadline - er_nc_now_real_us()) / 1000);
	log_info("confirmed commit (persist id %s) restored; rolls back in %lld s unless confirmed", persist,
	    (deadline - er_nc_now_real_us()) / 1000000);
out:
	er_nc_errs_clear(&errs);
	lyd_free_all(rb);
	lyd_free_all(cur);
	free(l1);
	free(l2);
	free(l3);
	fclose(f);
	if (!O.cc)
		cc_clear();
}

/* ------------------------------------------------------------------ */
/* get, get-config */

static bool
wants(const struct er_nc_filter *f, const char *path)
{
	return er_nc_filter_wants(ctx(), f, path);
}

static void
add_netconf_state(struct lyd_node **data)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx(), "ietf-netconf-monitoring");
	struct lyd_node *ns, *caps, *dss, *schemas, *sess, *stats, *n;
	const struct lys_module *mod;
	const char **cpblts;
	uint32_t idx = 0;
	int i;
	char b[64];

	if (!m || lyd_new_inner(NULL, m, "netconf-state", 0, &ns) != LY_SUCCESS)
		return;
	lyd_new_inner(ns, m, "capabilities", 0, &caps);
	cpblts = nc_server_get_cpblts(ctx());
	for (i = 0; cpblts && cpblts[i]; i++) {
		lyd_new_term(caps, m, "capability", cpblts[i], 0, NULL);
		lydict_remove(ctx(), cpblts[i]);
	}
	free(cpblts);
	lyd_new_inner(ns, m, "datastores", 0, &dss);
	lock();
	for (i = 0; i <= DS_STARTUP; i++) {
		lyd_new_list(dss, m, "datastore", 0, &n, ds_names[i]);
		if (O.lock_sid[i]) {
			struct lyd_node *l, *g;
			lyd_new_inner(n, m, "locks", 0, &l);
			lyd_new_inner(l, m, "global-lock", 0, &g);
			snprintf(b, sizeof(b), "%u", O.lock_sid[i]);
			lyd_new_term(g, m, "locked-by-session", b, 0, NULL);
			lyd_new_term(g, m, "locked-time", er_nc_time_str((long long)O.lock_time[i] * 1000000, b, sizeof(b)),
			    0, NULL);
		}
	}
	unlock();
	lyd_new_inner(ns, m, "schemas", 0, &schemas);
	while ((mod = ly_ctx_get_module_iter(ctx(), &idx))) {
		LY_ARRAY_COUNT_TYPE u;
		if (lyd_new_list(schemas, m, "schema", 0, &n, mod->name, mod->revision ? mod->revision : "", "yang") ==
		    LY_SUCCESS) {
			lyd_new_term(n, m, "namespace", mod->ns, 0, NULL);
			lyd_new_term(n, m, "location", "NETCONF", 0, NULL);
		}
		if (!mod->parsed)
			continue;
		LY_ARRAY_FOR(mod->parsed->includes, u) {
			const struct lysp_submodule *sm = mod->parsed->includes[u].submodule;
			if (sm && lyd_new_list(schemas, m, "schema", 0, &n, sm->name,
			              sm->revs ? sm->revs[0].date : "", "yang") == LY_SUCCESS) {
				lyd_new_term(n, m, "namespace", mod->ns, 0, NULL);
				lyd_new_term(n, m, "location", "NETCONF", 0, NULL);
			}
		}
	}
	lyd_new_inner(ns, m, "sessions", 0, &sess);
	er_nc_sessions_state(sess);
	lyd_new_inner(ns, m, "statistics", 0, &stats);
	er_nc_statistics_state(stats);
	lyd_insert_sibling(*data, ns, data);
}

static void
add_streams(struct lyd_node **data)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx(), "nc-notifications");
	struct lyd_node *top, *streams, *s;
	char b[64];

	if (!m || lyd_new_inner(NULL, m, "netconf", 0, &top) != LY_SUCCESS)
		return;
	lyd_new_inner(top, m, "streams", 0, &streams);
	if (lyd_new_list(streams, m, "stream", 0, &s, "NETCONF") == LY_SUCCESS) {
		lyd_new_term(s, m, "description",
		    "expressroute-readiness notifications: readiness, check status, BGP sessions, redundancy", 0, NULL);
		lyd_new_term(s, m, "replaySupport", "true", 0, NULL);
		lyd_new_term(s, m, "replayLogCreationTime", er_nc_time_str(er_nc_log_created(er_nc_events), b, sizeof(b)),
		    0, NULL);
	}
	lyd_insert_sibling(*data, top, data);
}

/* Nodes of a part the filter cannot select are not built (a partner's fetch: see state_tree.h). */
static unsigned
state_trims(const struct er_nc_filter *f, unsigned parts)
{
	static const char *const desc[] = { ER_TOP "/readiness/check/name", ER_TOP "/readiness/check/area",
		ER_TOP "/readiness/check/severity", ER_TOP "/readiness/check/rule", ER_TOP "/readiness/check/since" };
	unsigned t = 0;
	size_t i;

	if (parts & ER_ST_CHECKS) {
		t |= ER_ST_CHECKS_LEAN;
		for (i = 0; i < ARRAY_SIZE(desc); i++)
			if (wants(f, desc[i]))
				t &= ~(unsigned)ER_ST_CHECKS_LEAN;
	}
	if ((parts & ER_ST_CIRCUITS) && !wants(f, ER_TOP "/circuit/state"))
		t |= ER_ST_NO_CIRCUIT_STATE;
	return t;
}

static unsigned
state_parts(const struct er_nc_filter *f)
{
	static const struct {
		const char *path;
		unsigned part;
	} p[] = {
		{ ER_TOP "/circuit/state", ER_ST_CIRCUITS },
		{ ER_TOP "/circuit/peering/state", ER_ST_CIRCUITS },
		{ ER_TOP "/readiness/readiness", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/last-evaluation", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/checks-pass", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/checks-warn", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/checks-fail", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/checks-unknown", ER_ST_SUMMARY },
		{ ER_TOP "/readiness/collector", ER_ST_COLLECTORS },
		{ ER_TOP "/readiness/check", ER_ST_CHECKS },
		{ ER_TOP "/readiness/nat", ER_ST_HOST },
		{ ER_TOP "/readiness/qos", ER_ST_HOST },
		{ ER_TOP "/resiliency-group/state", ER_ST_RESILIENCY },
		{ ER_TOP "/agent/partner/state", ER_ST_RESILIENCY },
	};
	unsigned parts = 0;
	size_t i;

	if (f->all)
		return ER_ST_ALL;
	for (i = 0; i < ARRAY_SIZE(p); i++)
		if (!(parts & p[i].part) && wants(f, p[i].path))
			parts |= p[i].part;
	return parts | state_trims(f, parts);
}

/*
 * Print @p tree (not taken) as the XML of a reply's <data>, with-defaults
 * as @p wd asks. libyang 2.1 tags defaults (report-all-tagged) in the
 * ietf-netconf-with-defaults module's namespace; RFC 6243 section 6 names
 * urn:ietf:params:xml:ns:netconf:default:1.0: the declaration is rewritten.
 * Only report-all-tagged replies go this way: libnetconf2 sends a text
 * value as one base:1.1 chunk, and ncclient's framing parser re-decodes its
 * whole buffer on every read until a chunk is complete (quadratic: +145 ms
 * for a 4.9 MB chunk), while a tree is streamed in small chunks.
 */
#define LY_WD_DECL "xmlns:ncwd=\"urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults\""
#define RFC_WD_DECL "xmlns:ncwd=\"urn:ietf:params:xml:ns:netconf:default:1.0\""

static char *
print_data(const struct lyd_node *tree, NC_WD_MODE wd)
{
	uint32_t o = LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK;
	char *xml = NULL, *p;

	switch (wd) {
	case NC_WD_ALL:
		o |= LYD_PRINT_WD_ALL;
		break;
	case NC_WD_ALL_TAG:
		o |= LYD_PRINT_WD_ALL_TAG;
		break;
	case NC_WD_TRIM:
		o |= LYD_PRINT_WD_TRIM;
		break;
	default:
		o |= LYD_PRINT_WD_EXPLICIT;
		break;
	}
	if (!(xml = er_ds_print_mem(tree, LYD_XML, o)))
		return NULL;
	if (wd == NC_WD_ALL_TAG) {
		/* the RFC's declaration is shorter: rewrite in place */
		size_t lin = strlen(LY_WD_DECL), lout = strlen(RFC_WD_DECL), len = strlen(xml);
		char *w = xml, *r = xml;
		while ((p = strstr(r, LY_WD_DECL))) {
			memmove(w, r, (size_t)(p - r));
			w += p - r;
			memcpy(w, RFC_WD_DECL, lout);
			w += lout;
			r = p + lin;
		}
		memmove(w, r, (size_t)(xml + len - r) + 1);
	}
	return xml;
}

/* <rpc-reply><data>tree</data></rpc-reply>; takes @p tree. */
static struct nc_server_reply *
reply_data(const struct lyd_node *rpc, struct lyd_node *tree, NC_WD_MODE wd)
{
	char *xml;

	if (wd != NC_WD_ALL_TAG)
		return reply_any(rpc, tree, LYD_ANYDATA_DATATREE, wd);
	xml = print_data(tree, wd);
	lyd_free_all(tree);
	if (!xml)
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
	return reply_any(rpc, xml, LYD_ANYDATA_XML, wd);
}

/* The expressroute part of a <get> or <get-config>: config of @p ds and, for <get>, the state parts asked for. */
static int
er_data(enum dsid ds, bool config_only, unsigned parts, struct er_snapshot *snap, struct lyd_node **data,
    struct er_nc_errs *errs)
{
	struct lyd_node *st = NULL;

	lock();
	if (ds_copy(ds, NULL, data, errs) < 0) {
		unlock();
		return -1;
	}
	unlock();
	er_ds_strip_secrets(*data);
	if (!config_only && parts && snap && er_state_tree_parts(snap, ctx(), parts, &st) == 0 && st) {
		if (!*data)
			*data = st;
		else if (lyd_merge_siblings(data, st, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
			lyd_free_all(st);
	}
	return 0;
}

/*
 * An unfiltered <get>'s expressroute part (config and all state), copied
 * from a cached tree while neither the published snapshot nor running has
 * changed: an NMS polling the full state between two evaluations pays for
 * building 1000 sessions' state once per evaluation, not per poll.
 */
/* Drop a reference (O's lock held); returns the cache if it must be freed, after unlocking. */
static struct full_cache *
full_drop(struct full_cache *f)
{
	return f && --f->refs == 0 ? f : NULL;
}

static void
full_free(struct full_cache *f)
{
	if (!f)
		return;
	lyd_free_all(f->tree);
	er_snapshot_unref(f->snap);
	er_nc_text_unref(f->text);
	free(f);
}

static void
full_release(struct full_cache *f)
{
	struct full_cache *dead;

	lock();
	dead = full_drop(f);
	unlock();
	full_free(dead);
}

/* The expressroute part of an unfiltered <get> for the current snapshot and config (a reference). */
static struct full_cache *
full_get(struct er_nc_errs *errs)
{
	struct er_snapshot *snap = er_nc_env->snapshot();
	struct full_cache *f = NULL, *dead = NULL;
	struct lyd_node *data = NULL;
	unsigned long gen;

	lock();
	gen = er_ds_generation(er_nc_env->ds);
	if (O.full && O.full->snap == snap && O.full->gen == gen) {
		f = O.full;
		f->refs++;
	}
	unlock();
	if (f) {
		er_snapshot_unref(snap);
		return f;
	}
	if (er_data(DS_RUNNING, false, ER_ST_ALL, snap, &data, errs) < 0) {
		er_snapshot_unref(snap);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->refs = 1;
	f->snap = snap; /* the reference is kept: its address cannot be reused while cached */
	f->gen = gen;
	f->tree = data;
	lock();
	if (er_ds_generation(er_nc_env->ds) == gen) {
		dead = full_drop(O.full);
		O.full = f;
		f->refs++;
	}
	unlock();
	full_free(dead);
	return f;
}

/* Its text, printed by the first session that asks (a reference). */
static struct er_nc_text *
full_text(struct full_cache *f)
{
	struct er_nc_text *t;
	char *x;

	lock();
	t = er_nc_text_ref(f->text);
	unlock();
	if (t)
		return t;
	x = f->tree ? er_ds_print_mem(f->tree, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT)
		    : xstrdup("");
	if (!x)
		return NULL;
	t = er_nc_text_new(x, strlen(x));
	lock();
	if (!f->text)
		f->text = er_nc_text_ref(t);
	unlock();
	return t;
}

/*
 * Reply with the printed expressroute text @p t (taken) followed by @p rest:
 * libnetconf2 sends a marker comment in its place, and the session's guard
 * puts the text there on the way out (er_nc_guard_splice), in 64 KiB chunks.
 */
static struct nc_server_reply *
reply_spliced(struct er_nc_sess *ss, const struct lyd_node *rpc, struct lyd_node *rest, struct er_nc_text *t,
    NC_WD_MODE wd)
{
	char marker[64], *x, *v;

	x = rest ? er_ds_print_mem(rest, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT)
		 : xstrdup("");
	lyd_free_all(rest);
	if (!x) {
		er_nc_text_unref(t);
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
	}
	lock();
	snprintf(marker, sizeof(marker), "<!--erready-splice-%016llx-%lu-->", O.splice_nonce, ++O.splice_n);
	unlock();
	if (asprintf(&v, "%s%s", marker, x) < 0)
		fatalx("out of memory");
	free(x);
	er_nc_guard_splice(ss->guard, marker, t);
	return reply_any(rpc, v, LYD_ANYDATA_XML, wd);
}

static struct nc_server_reply *
op_get(struct er_nc_sess *ss, const struct lyd_node *rpc, bool config_only)
{
	struct er_nc_filter f = { false, NULL, 0 };
	struct er_nc_errs errs = { NULL, 0 };
	struct lyd_node *data = NULL, *out = NULL;
	enum dsid ds = DS_RUNNING;
	NC_WD_MODE wd;
	struct er_nc_text *text = NULL;
	bool bad;

	wd = wd_mode(rpc, &bad);
	if (config_only && (ds = which_ds(rpc, "source", NULL)) == DS_NONE)
		return missing1("source", "get-config needs a <source> datastore");
	if (er_nc_filter_parse(ctx(), er_lyd_child(rpc, "filter"), &f, &errs) < 0)
		return fail(&errs);
	if (!config_only && f.all) {
		struct full_cache *fc = full_get(&errs);
		if (!fc) {
			er_nc_filter_clear(&f);
			return fail(&errs);
		}
		/* explicit (the default) goes out as text printed once; the other modes print a copy */
		if (ss->guard && wd == NC_WD_EXPLICIT)
			text = full_text(fc);
		if (!text && fc->tree &&
		    lyd_dup_siblings(fc->tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &data) != LY_SUCCESS)
			fatalx("out of memory");
		full_release(fc);
	} else if (wants(&f, ER_TOP)) {
		unsigned parts = config_only ? 0 : state_parts(&f);
		struct er_snapshot *snap = parts ? er_nc_env->snapshot() : NULL;
		int rc = er_data(ds, config_only, parts, snap, &data, &errs);
		er_snapshot_unref(snap);
		if (rc < 0) {
			er_nc_filter_clear(&f);
			return fail(&errs);
		}
	}
	if (!config_only) {
		if (wants(&f, "/ietf-yang-library:yang-library") || wants(&f, "/ietf-yang-library:modules-state")) {
			struct lyd_node *yl = NULL;
			if (ly_ctx_get_yanglib_data(ctx(), &yl, "%u", ly_ctx_get_change_count(ctx())) == LY_SUCCESS && yl)
				lyd_insert_sibling(data, yl, &data);
		}
		if (wants(&f, "/ietf-netconf-monitoring:netconf-state"))
			add_netconf_state(&data);
		if (wants(&f, "/nc-notifications:netconf"))
			add_streams(&data);
	}
	if (f.all)
		out = data;
	else {
		if (er_nc_filter_apply(&f, data, &out, &errs) < 0) {
			lyd_free_all(data);
			er_nc_filter_clear(&f);
			return fail(&errs);
		}
		lyd_free_all(data);
	}
	er_nc_filter_clear(&f);
	if (text)
		return reply_spliced(ss, rpc, out, text, wd);
	return reply_data(rpc, out, wd);
}

/* ------------------------------------------------------------------ */
/* edit-config and friends */

/*
 * The circuits an edit names when it names nothing else (no other part of
 * the config, no operation on the expressroute container, not
 * default-operation replace): then only those need libyang's validation
 * (er_ds_txn_validate_entries). false: validate everything.
 */
static bool
edit_circuits(const struct lyd_node *edit, enum er_nc_defop defop, const char **keys, size_t max, size_t *n)
{
	const struct lyd_node *c;
	const struct lyd_meta *m;

	*n = 0;
	if (defop == ER_NC_DEFOP_REPLACE || !edit || edit->next || !edit->schema ||
	    strcmp(edit->schema->name, "expressroute") || strcmp(edit->schema->module->name, ER_YANG_MODULE))
		return false;
	LY_LIST_FOR(edit->meta, m)
		if (!strcmp(m->name, "operation"))
			return false;
	LY_LIST_FOR(lyd_child(edit), c) {
		const struct lyd_node *k = lyd_child(c);
		if (!c->schema || c->schema->nodetype != LYS_LIST || strcmp(c->schema->name, "circuit") || *n >= max ||
		    !k || !k->schema || !(k->schema->flags & LYS_KEY))
			return false;
		keys[(*n)++] = lyd_get_value(k);
	}
	return *n > 0;
}

/* Validate an edited @p txn: only the circuits the edit names when its base was valid. */
static int
validate_edit(struct er_ds_txn *txn, bool base_valid, const struct lyd_node *edit, enum er_nc_defop defop,
    struct er_nc_errs *errs)
{
	const char *keys[64];
	char err[ER_ERRLEN];
	size_t n;

	if (!base_valid || !edit_circuits(edit, defop, keys, 64, &n))
		return validate_txn(txn, errs);
	if (er_ds_txn_validate_entries(txn, "circuit", keys, n, err, sizeof(err)) < 0) {
		validation_error(errs, err);
		return -1;
	}
	return 0;
}

static struct nc_server_reply *
op_edit_config(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = which_ds(rpc, "target", NULL);
	const char *v;
	enum er_nc_defop defop = ER_NC_DEFOP_MERGE;
	enum er_nc_errop errop = ER_NC_STOP_ON_ERROR;
	enum { TEST_THEN_SET, SET, TEST_ONLY } test = TEST_THEN_SET;
	const struct lyd_node *cfg = er_lyd_child(rpc, "config");
	struct er_ds_txn *txn;
	bool base_valid;
	int rc;

	if (target == DS_NONE)
		return missing1("target", "edit-config needs a <target> datastore");
	if (target != DS_RUNNING && target != DS_CANDIDATE)
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "edit-config target must be running or candidate");
	if (!cfg)
		return fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "edit-config needs <config> (the :url capability is not supported)");
	if ((v = er_lyd_value(rpc, "default-operation")))
		defop = !strcmp(v, "replace") ? ER_NC_DEFOP_REPLACE : !strcmp(v, "none") ? ER_NC_DEFOP_NONE : ER_NC_DEFOP_MERGE;
	if ((v = er_lyd_value(rpc, "error-option")))
		errop = !strcmp(v, "continue-on-error") ? ER_NC_CONTINUE_ON_ERROR
		    : !strcmp(v, "rollback-on-error")   ? ER_NC_ROLLBACK_ON_ERROR
							: ER_NC_STOP_ON_ERROR;
	if ((v = er_lyd_value(rpc, "test-option")))
		test = !strcmp(v, "set") ? SET : !strcmp(v, "test-only") ? TEST_ONLY : TEST_THEN_SET;

	lock();
	if (locked_by_other(target, sid, &errs)) {
		unlock();
		return fail(&errs);
	}
	/* running is always valid; the candidate is when its edits were validated */
	base_valid = target == DS_RUNNING || !O.cand || er_ds_txn_validated(O.cand);
	txn = er_ds_txn_begin_from(er_nc_env->ds, target == DS_RUNNING ? er_ds_running(er_nc_env->ds) : cand_tree());
	/* the txn's tree is already a copy: the edit engine need not copy it again */
	rc = er_nc_edit_apply_scratch(er_ds_txn_tree(txn), any_tree(cfg), defop, errop, &errs);
	if (rc < 0 && errop != ER_NC_CONTINUE_ON_ERROR) {
		er_ds_txn_abort(txn);
		unlock();
		return fail(&errs);
	}
	if (test == TEST_ONLY) {
		validate_edit(txn, base_valid, any_tree(cfg), defop, &errs);
		er_ds_txn_abort(txn);
	} else if (target == DS_RUNNING) {
		/* running is always valid: :set on running still validates */
		if (validate_edit(txn, base_valid, any_tree(cfg), defop, &errs) == 0)
			commit_txn(txn, &errs);
		else
			er_ds_txn_abort(txn);
	} else if (test == SET) {
		/* not validated (the commit will): its defaults as validation would add them */
		if (lyd_new_implicit_all(er_ds_txn_tree(txn), ctx(), LYD_IMPLICIT_NO_STATE, NULL) != LY_SUCCESS)
			er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot add default values: %s",
			    ly_errmsg(ctx()) ? ly_errmsg(ctx()) : "libyang error");
		cand_set(txn);
	} else if (validate_edit(txn, base_valid, any_tree(cfg), defop, &errs) == 0) {
		/* validated now, the commit applies it without validating it again */
		cand_set(txn);
	} else
		er_ds_txn_abort(txn);
	unlock();
	if (errs.n)
		return fail(&errs);
	return nc_server_reply_ok();
}

static struct nc_server_reply *
op_copy_config(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	const struct lyd_node *inl = NULL;
	enum dsid target = which_ds(rpc, "target", NULL), source = which_ds(rpc, "source", &inl);
	struct lyd_node *tree = NULL;

	if (!lyd_child(er_lyd_child(rpc, "target")))
		return missing1("target", "copy-config needs a <target> datastore");
	if (!lyd_child(er_lyd_child(rpc, "source")))
		return missing1("source", "copy-config needs a <source> datastore or <config>");
	if (target == DS_NONE || target == DS_INLINE || source == DS_NONE)
		return fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "copy-config: target and source must be running, candidate or startup (source also <config>); "
		    ":url is not supported");
	if (target == source)
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "copy-config: source and target are both %s",
		    ds_names[target]);
	lock();
	if (locked_by_other(target, sid, &errs) || ds_copy(source, inl, &tree, &errs) < 0) {
		unlock();
		return fail(&errs);
	}
	if (target == DS_RUNNING)
		commit_tree(tree, &errs);
	else if (target == DS_CANDIDATE) {
		struct er_ds_txn *txn = txn_of(tree);
		if (validate_txn(txn, &errs) == 0)
			cand_set(txn);
		else
			er_ds_txn_abort(txn);
	} else if (validate_tree(&tree, &errs) < 0)
		lyd_free_all(tree);
	else {
		save_startup(tree, &errs);
		lyd_free_all(tree);
	}
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_delete_config(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = which_ds(rpc, "target", NULL);

	if (!lyd_child(er_lyd_child(rpc, "target")))
		return missing1("target", "delete-config needs a <target> datastore");
	if (target != DS_STARTUP)
		return fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s",
		    "delete-config: only startup can be deleted");
	lock();
	if (!locked_by_other(target, sid, &errs))
		save_startup(NULL, &errs);
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_validate(const struct lyd_node *rpc)
{
	struct er_nc_errs errs = { NULL, 0 };
	const struct lyd_node *inl = NULL;
	enum dsid source = which_ds(rpc, "source", &inl);
	struct lyd_node *tree = NULL;

	if (!lyd_child(er_lyd_child(rpc, "source")))
		return missing1("source", "validate needs a <source> datastore or <config>");
	if (source == DS_NONE)
		return fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "%s", "validate: :url is not supported");
	lock();
	if (ds_copy(source, inl, &tree, &errs) == 0)
		validate_tree(&tree, &errs);
	unlock();
	lyd_free_all(tree);
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_lock(const struct lyd_node *rpc, uint32_t sid, bool take)
{
	struct er_nc_errs errs = { NULL, 0 };
	enum dsid target = which_ds(rpc, "target", NULL);
	struct er_nc_err *e;

	if (target == DS_NONE)
		return missing1("target", take ? "lock needs a <target> datastore" : "unlock needs a <target> datastore");
	if (target > DS_STARTUP)
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s", "lock target must be a datastore");
	lock();
	if (take) {
		if (O.lock_sid[target]) {
			e = er_nc_errs_add(&errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL,
			    "the %s datastore is already locked by session %u", ds_names[target], O.lock_sid[target]);
			e->sid = O.lock_sid[target];
		} else if (target == DS_CANDIDATE && O.cand) {
			e = er_nc_errs_add(&errs, NC_ERR_LOCK_DENIED, NC_ERR_TYPE_PROT, NULL, "%s",
			    "the candidate has changes not committed or discarded (RFC 6241 7.5): discard-changes first");
			e->sid = 0;
		} else {
			O.lock_sid[target] = sid;
			O.lock_time[target] = time(NULL);
		}
	} else {
		if (O.lock_sid[target] != sid)
			er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL,
			    O.lock_sid[target] ? "the %s datastore is locked by another session" : "the %s datastore is not locked",
			    ds_names[target]);
		else
			O.lock_sid[target] = 0;
	}
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_discard(uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };

	lock();
	if (!locked_by_other(DS_CANDIDATE, sid, &errs))
		cand_reset();
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_commit(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	bool confirmed = er_lyd_child(rpc, "confirmed") != NULL;
	const char *persist = er_lyd_value(rpc, "persist"), *persist_id = er_lyd_value(rpc, "persist-id"), *v;
	uint32_t timeout = (v = er_lyd_value(rpc, "confirm-timeout")) ? (uint32_t)strtoul(v, NULL, 10) : 600;
	struct lyd_node *before = NULL;

	lock();
	if (locked_by_other(DS_RUNNING, sid, &errs) || locked_by_other(DS_CANDIDATE, sid, &errs))
		goto out;
	if (O.cc) {
		/* this commit confirms or extends the pending one */
		if (O.cc_persist) {
			if (!persist_id || strcmp(persist_id, O.cc_persist)) {
				er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
				    persist_id ? "persist-id does not match the pending confirmed commit"
					       : "a confirmed commit with persist is pending: give its persist-id");
				goto out;
			}
		} else if (O.cc_sid != sid) {
			er_nc_errs_add(&errs, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
			    "a confirmed commit of session %u is pending; only that session can confirm it", O.cc_sid);
			goto out;
		}
	} else if (persist_id) {
		er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "persist-id given but no confirmed commit is pending");
		goto out;
	}
	if (confirmed && !O.cc && er_ds_running(er_nc_env->ds) &&
	    lyd_dup_siblings(er_ds_running(er_nc_env->ds), NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &before) !=
		LY_SUCCESS)
		fatalx("out of memory");
	/*
	 * The candidate's transaction becomes running, not a copy of it; one
	 * validated by its edit-config is not validated again. A failed
	 * validation leaves the candidate as it was. An unchanged candidate
	 * changes nothing.
	 */
	if (O.cand) {
		if (!er_ds_txn_validated(O.cand) && validate_txn(O.cand, &errs) < 0) {
			lyd_free_all(before);
			goto out;
		}
		commit_txn(O.cand, &errs);
		O.cand = NULL;
		if (errs.n) {
			lyd_free_all(before);
			goto out;
		}
	}
	if (confirmed) {
		if (!O.cc) {
			O.cc = true;
			O.cc_rollback = before;
		}
		O.cc_sid = sid;
		free(O.cc_persist);
		O.cc_persist = persist ? xstrdup(persist) : NULL;
		O.cc_deadline_ms = er_nc_now_ms() + (uint64_t)timeout * 1000;
		O.cc_deadline_real_us = er_nc_now_real_us() + (long long)timeout * 1000000;
		cc_save();
		log_info("NETCONF: confirmed commit by session %u: rolls back in %u s unless confirmed", sid, timeout);
		if (er_nc_env->wake)
			er_nc_env->wake();
	} else if (O.cc) {
		log_info("NETCONF: confirmed commit confirmed by session %u", sid);
		lyd_free_all(O.cc_rollback);
		O.cc_rollback = NULL;
		cc_clear();
	}
out:
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static struct nc_server_reply *
op_cancel_commit(const struct lyd_node *rpc, uint32_t sid)
{
	struct er_nc_errs errs = { NULL, 0 };
	const char *persist_id = er_lyd_value(rpc, "persist-id");

	lock();
	if (!O.cc)
		er_nc_errs_add(&errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_PROT, NULL, "%s", "no confirmed commit is pending");
	else if (O.cc_persist && (!persist_id || strcmp(persist_id, O.cc_persist)))
		er_nc_errs_add(&errs, NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "persist-id does not match the pending confirmed commit");
	else if (!O.cc_persist && O.cc_sid != sid)
		er_nc_errs_add(&errs, NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL,
		    "the pending confirmed commit belongs to session %u", O.cc_sid);
	else
		cc_rollback("cancel-commit");
	unlock();
	return errs.n ? fail(&errs) : nc_server_reply_ok();
}

static void
kill_one(struct er_nc_sess *ss, void *arg)
{
	ss->killed = true;
	ss->killed_by = *(uint32_t *)arg;
	er_nc_sess_wake(ss);
}

static struct nc_server_reply *
op_kill_session(const struct lyd_node *rpc, uint32_t sid)
{
	const char *v = er_lyd_value(rpc, "session-id");
	uint32_t id = v ? (uint32_t)strtoul(v, NULL, 10) : 0;

	if (!id)
		return v ? fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s", "session-id 0 names no session")
			 : missing1("session-id", "kill-session needs a session-id");
	if (id == sid)
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "%s",
		    "kill-session of the current session: use close-session");
	if (!er_nc_sess_with(id, kill_one, &sid))
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_PROT, NULL, "no session %s", v);
	log_info("NETCONF: session %u killed by session %u", id, sid);
	return nc_server_reply_ok();
}

static struct nc_server_reply *
op_get_schema(const struct lyd_node *rpc)
{
	const char *id = er_lyd_value(rpc, "identifier"), *ver = er_lyd_value(rpc, "version"), *fmt = er_lyd_value(rpc, "format");
	const struct lys_module *mod = NULL;
	const struct lysp_submodule *sub = NULL;
	LYS_OUTFORMAT of = LYS_OUT_YANG;
	char *txt = NULL;

	if (!id)
		return missing1("identifier", "get-schema needs an identifier");
	if (fmt && strstr(fmt, "yin"))
		of = LYS_OUT_YIN;
	else if (fmt && !strstr(fmt, "yang"))
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, NULL, "get-schema: format %s is not supported (yang, yin)",
		    fmt);
	mod = ver && *ver ? ly_ctx_get_module(ctx(), id, ver) : ly_ctx_get_module_latest(ctx(), id);
	if (!mod)
		sub = ver && *ver ? ly_ctx_get_submodule(ctx(), id, ver) : ly_ctx_get_submodule_latest(ctx(), id);
	if (!mod && !sub)
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "/ietf-netconf-monitoring:get-schema/identifier",
		    "no schema %s in the requested version", id);
	if ((mod ? lys_print_mem(&txt, mod, of, 0) : lys_print_submodule(NULL, sub, of, 0, 0)) != LY_SUCCESS || !txt)
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "cannot print schema %s", id);
	return reply_any(rpc, txt, LYD_ANYDATA_STRING, NC_WD_EXPLICIT);
}

static struct nc_server_reply *
op_evaluate_now(const struct lyd_node *rpc)
{
	struct er_snapshot *snap;
	struct lyd_node *out = NULL;
	const struct lys_module *m = lyd_owner_module(rpc);
	const struct er_summary *sum;
	char b[64];

	if (er_nc_env->evaluate_now(EVALUATE_NOW_TIMEOUT_MS) < 0)
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s",
		    "the evaluation did not finish in time (collectors are still running)");
	snap = er_nc_env->snapshot();
	if (lyd_dup_single(rpc, NULL, 0, &out) != LY_SUCCESS) {
		er_snapshot_unref(snap);
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot build the reply");
	}
	sum = &snap->overall;
	lyd_new_term(out, m, "readiness", er_readiness_name(sum->readiness), 1, NULL);
	lyd_new_term(out, m, "last-evaluation", er_time_str(snap->evaluated_at, b, sizeof(b)), 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_PASS]);
	lyd_new_term(out, m, "checks-pass", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_WARN]);
	lyd_new_term(out, m, "checks-warn", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_FAIL]);
	lyd_new_term(out, m, "checks-fail", b, 1, NULL);
	snprintf(b, sizeof(b), "%u", sum->count[ER_UNKNOWN]);
	lyd_new_term(out, m, "checks-unknown", b, 1, NULL);
	er_snapshot_unref(snap);
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

/* ------------------------------------------------------------------ */
/* notifications (RFC 5277) */

static struct nc_server_reply *
op_subscribe(const struct lyd_node *rpc, struct er_nc_sess *ss)
{
	struct er_nc_errs errs = { NULL, 0 };
	const char *stream = er_lyd_value(rpc, "stream"), *start = er_lyd_value(rpc, "startTime"),
		   *stop = er_lyd_value(rpc, "stopTime");
	long long start_us = 0, stop_us = 0, now = er_nc_now_real_us();
	struct er_nc_filter f = { false, NULL, 0 };

	if (ss->subscribed)
		return fail1(NC_ERR_IN_USE, NC_ERR_TYPE_PROT, NULL, "%s", "this session already has a subscription");
	if (stream && strcmp(stream, "NETCONF"))
		return fail1(NC_ERR_INVALID_VALUE, NC_ERR_TYPE_APP, "/notifications:create-subscription/stream",
		    "no stream %s (the one stream is NETCONF)", stream);
	if (start && er_nc_time_parse(start, &start_us) < 0)
		return fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "startTime %s is not a date-and-time", start);
	if (stop && er_nc_time_parse(stop, &stop_us) < 0)
		return fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "stopTime %s is not a date-and-time", stop);
	if (stop && !start)
		return missing1("startTime", "stopTime needs startTime (RFC 5277 2.1.1)");
	if (start && start_us > now)
		return fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "startTime %s is in the future", start);
	if (stop && stop_us < start_us)
		return fail1(NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, NULL, "stopTime %s is earlier than startTime", stop);
	if (er_nc_filter_parse(ctx(), er_lyd_child(rpc, "filter"), &f, &errs) < 0)
		return fail(&errs);
	er_nc_filter_clear(&ss->filter);
	ss->filter = f;
	ss->replay_end = er_nc_log_next_seq(er_nc_events);
	ss->cursor = start ? er_nc_log_seek(er_nc_events, start_us) : ss->replay_end;
	ss->replaying = start != NULL;
	ss->stop_us = stop ? stop_us : 0;
	ss->subscribed = true;
	nc_session_inc_notif_status(ss->s);
	er_nc_sess_wake(ss); /* deliver after this reply */
	return nc_server_reply_ok();
}

static int
send_marker(struct er_nc_sess *ss, const char *name)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(ctx(), "nc-notifications");
	struct lyd_node *n = NULL;

	if (!m || lyd_new_inner(NULL, m, name, 0, &n) != LY_SUCCESS)
		return -1;
	return er_nc_send_notif(ss, n, er_nc_now_real_us());
}

static int
sub_end(struct er_nc_sess *ss)
{
	/* libnetconf2 sends notifications only while the session's notif status is set: the marker first */
	int rc = send_marker(ss, "notificationComplete");

	ss->subscribed = false;
	nc_session_dec_notif_status(ss->s);
	er_nc_filter_clear(&ss->filter);
	return rc;
}

int
er_nc_ops_deliver(struct er_nc_sess *ss)
{
	struct er_nc_entry e;

	while (ss->subscribed) {
		if (ss->replaying && ss->cursor >= ss->replay_end) {
			ss->replaying = false;
			if (send_marker(ss, "replayComplete") < 0)
				return -1;
			continue;
		}
		if (er_nc_log_get(er_nc_events, ss->cursor, &e) < 0)
			break;
		ss->cursor = e.seq + 1;
		if (ss->stop_us && e.time_us > ss->stop_us) {
			lyd_free_all(e.tree);
			if (ss->replaying) {
				ss->replaying = false;
				if (send_marker(ss, "replayComplete") < 0)
					return -1;
			}
			return sub_end(ss);
		}
		if (!er_nc_filter_match(&ss->filter, e.tree)) {
			lyd_free_all(e.tree);
			continue;
		}
		if (er_nc_send_notif(ss, e.tree, e.time_us) < 0)
			return -1;
	}
	if (ss->subscribed && !ss->replaying && ss->stop_us && er_nc_now_real_us() >= ss->stop_us)
		return sub_end(ss);
	return 0;
}

uint64_t
er_nc_ops_sub_deadline(const struct er_nc_sess *ss)
{
	long long left;

	if (!ss->subscribed || !ss->stop_us)
		return UINT64_MAX;
	left = ss->stop_us - er_nc_now_real_us();
	return er_nc_now_ms() + (left > 0 ? (uint64_t)(left / 1000) + 1 : 0);
}

/* ------------------------------------------------------------------ */

struct nc_server_reply *
er_nc_dispatch(struct lyd_node *rpc, struct nc_session *s)
{
	struct er_nc_sess *ss = er_nc_sess_of(s);
	const char *mod = lyd_owner_module(rpc)->name, *op = LYD_NAME(rpc);
	uint32_t sid = nc_session_get_id(s);

	if (!ss)
		return fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "session not ready");
	snprintf(who, sizeof(who), "NETCONF user \"%s\" session %u (%s%s%s)", ss->user, sid,
	    ss->unix_transport ? "UNIX socket" : "SSH", ss->host[0] ? " from " : "", ss->host);
	if (!strcmp(mod, "ietf-netconf")) {
		if (!strcmp(op, "get"))
			return op_get(ss, rpc, false);
		if (!strcmp(op, "get-config"))
			return op_get(ss, rpc, true);
		if (!strcmp(op, "edit-config"))
			return op_edit_config(rpc, sid);
		if (!strcmp(op, "copy-config"))
			return op_copy_config(rpc, sid);
		if (!strcmp(op, "delete-config"))
			return op_delete_config(rpc, sid);
		if (!strcmp(op, "lock"))
			return op_lock(rpc, sid, true);
		if (!strcmp(op, "unlock"))
			return op_lock(rpc, sid, false);
		if (!strcmp(op, "validate"))
			return op_validate(rpc);
		if (!strcmp(op, "commit"))
			return op_commit(rpc, sid);
		if (!strcmp(op, "discard-changes"))
			return op_discard(sid);
		if (!strcmp(op, "cancel-commit"))
			return op_cancel_commit(rpc, sid);
		if (!strcmp(op, "kill-session"))
			return op_kill_session(rpc, sid);
	} else if (!strcmp(mod, "ietf-netconf-monitoring") && !strcmp(op, "get-schema")) {
		return op_get_schema(rpc);
	} else if (!strcmp(mod, "notifications") && !strcmp(op, "create-subscription")) {
		return op_subscribe(rpc, ss);
	} else if (!strcmp(mod, ER_YANG_MODULE) && !strcmp(op, "evaluate-now")) {
		return op_evaluate_now(rpc);
	}
	return fail1(NC_ERR_OP_NOT_SUPPORTED, NC_ERR_TYPE_PROT, NULL, "operation %s is not supported", op);
}

int
er_nc_ops_init(const struct er_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	memset(&O, 0, sizeof(O));
	/* splice markers are unguessable, so no client-chosen text can pass for one */
	if (getrandom(&O.splice_nonce, sizeof(O.splice_nonce), 0) != sizeof(O.splice_nonce))
		O.splice_nonce = (unsigned long long)time(NULL) * 2654435761ULL ^ (unsigned long long)getpid();
	if (asprintf(&O.cc_path, "%s/confirmed-commit", er_nc_env->state_dir) < 0)
		fatalx("out of memory");
	cc_restore();
	return 0;
}

void
er_nc_ops_fini(void)
{
	/* A pending confirmed commit stays in its file: the next start rolls it back or restores it. */
	lyd_free_all(O.cc_rollback);
	free(O.cc_persist);
	free(O.cc_path);
	cand_reset();
	full_free(full_drop(O.full));
	O.full = NULL;
	memset(&O, 0, sizeof(O));
}

void
er_nc_ops_session_end(struct er_nc_sess *ss)
{
	int i;

	for (i = 0; i <= DS_STARTUP; i++)
		if (O.lock_sid[i] == ss->id) {
			O.lock_sid[i] = 0;
			if (i == DS_CANDIDATE)
				cand_reset(); /* RFC 6241 8.3.5.2: the holder's uncommitted changes go */
		}
	if (O.cc && !O.cc_persist && O.cc_sid == ss->id)
		cc_rollback("the session that made it ended");
}

void
er_nc_ops_timeout(int *timeout_ms, uint64_t now_ms)
{
	int t;

	if (!O.cc)
		return;
	t = O.cc_deadline_ms <= now_ms ? 0 : (int)(O.cc_deadline_ms - now_ms > 3600000 ? 3600000 : O.cc_deadline_ms - now_ms);
	if (*timeout_ms < 0 || t < *timeout_ms)
		*timeout_ms = t;
}

void
er_nc_ops_process(uint64_t now_ms)
{
	if (O.cc && now_ms >= O.cc_deadline_ms)
		cc_rollback("confirm-timeout passed");
}

uint32_t
er_nc_ops_lock_holder(int ds)
{
	return O.lock_sid[ds];
}
