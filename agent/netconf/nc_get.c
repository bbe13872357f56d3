/*
 * get and get-config (RFC 6241 7.1, 7.7; with-defaults RFC 6243; the
 * monitoring and stream lists of RFC 6022 and 5277): the expressroute
 * config and state, the YANG library, and an unfiltered <get>'s cached
 * part spliced in as text (nc_get.h), printed without a libyang tree for
 * its bulk (state_xml.h) and released once a newer snapshot is published.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>
#include <nc_server.h>

#include "datastore.h"
#include "log.h"
#include "lyd_util.h"
#include "model.h"
#include "nc_ds.h"
#include "nc_err.h"
#include "nc_get.h"
#include "nc_guard.h"
#include "nc_internal.h"
#include "nc_log.h"
#include "nc_nacm.h"
#include "nc_rpc.h"
#include "partner.h"
#include "state_tree.h"
#include "state_xml.h"
#include "util.h"

#define ER_TOP "/" ER_YANG_MODULE ":expressroute"

/*
 * The expressroute part (config and state) of an unfiltered <get> with
 * defaults explicit, printed once for one snapshot and datastore
 * generation: only its text is kept (no libyang tree between gets), and it
 * is released once a newer snapshot is published (er_nc_get_expire). Shared
 * by the sessions; read-only once made, freed by its last reference.
 */
struct full_cache {
	int refs; /* under O's lock */
	struct er_snapshot *snap;
	unsigned long gen;
	struct er_nc_text *text;
};

/*
 * The config part of an unfiltered <get> (expressroute, secrets stripped,
 * printed by libyang) for one generation of running: a commit changes it,
 * an evaluation does not, so each evaluation's first <get> only splices the
 * state into it (er_state_xml_splice). Shared like full_cache.
 */
struct conf_cache {
	int refs; /* under O's lock */
	unsigned long gen;
	char *text;
	size_t len;
};

/* All under the agent lock. */
static struct {
	/* the expressroute part of the last unfiltered <get> */
	struct full_cache *full;
	/* the config printed for it */
	struct conf_cache *conf;
	unsigned long long splice_nonce;
	unsigned long splice_n;
} O;

/* an observation and its evaluation are under way (er_nc_collecting): nothing is cached. Atomic. */
static bool collecting;

static bool
wants(const struct er_nc_filter *f, const char *path)
{
	return er_nc_filter_wants(er_nc_ctx(), f, path);
}

static void
add_netconf_state(struct lyd_node **data)
{
	const struct lys_module *m = ly_ctx_get_module_implemented(er_nc_ctx(), "ietf-netconf-monitoring");
	struct lyd_node *ns, *caps, *dss, *schemas, *sess, *stats, *n;
	const struct lys_module *mod;
	const char **cpblts;
	uint32_t idx = 0;
	int i;
	char b[64];

	if (!m || lyd_new_inner(NULL, m, "netconf-state", 0, &ns) != LY_SUCCESS)
		return;
	lyd_new_inner(ns, m, "capabilities", 0, &caps);
	cpblts = nc_server_get_cpblts(er_nc_ctx());
	for (i = 0; cpblts && cpblts[i]; i++) {
		lyd_new_term(caps, m, "capability", cpblts[i], 0, NULL);
		lydict_remove(er_nc_ctx(), cpblts[i]);
	}
	free(cpblts);
	lyd_new_inner(ns, m, "datastores", 0, &dss);
	er_nc_lock();
	for (i = 0; i <= DS_STARTUP; i++) {
		lyd_new_list(dss, m, "datastore", 0, &n, er_nc_ds_names[i]);
		if (er_nc_ops_lock_holder(i)) {
			struct lyd_node *l, *g;
			lyd_new_inner(n, m, "locks", 0, &l);
			lyd_new_inner(l, m, "global-lock", 0, &g);
			snprintf(b, sizeof(b), "%u", er_nc_ops_lock_holder(i));
			lyd_new_term(g, m, "locked-by-session", b, 0, NULL);
			lyd_new_term(g, m, "locked-time", er_nc_time_str((long long)er_nc_ds_lock_time(i) * 1000000, b, sizeof(b)),
			    0, NULL);
		}
	}
	er_nc_unlock();
	lyd_new_inner(ns, m, "schemas", 0, &schemas);
	while ((mod = ly_ctx_get_module_iter(er_nc_ctx(), &idx))) {
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
	const struct lys_module *m = ly_ctx_get_module_implemented(er_nc_ctx(), "nc-notifications");
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

/*
 * The results of one path only, when the filter can select no other: a
 * partner holding the primary links asks for the secondary links' results
 * with a content match on their path (partner.c), and at 100 circuits
 * building the other two thirds only to filter them away was most of its
 * answer time.
 */
static unsigned
checks_of_path(const struct er_nc_filter *f)
{
	char *v = er_nc_filter_list_match(er_nc_ctx(), f, ER_TOP "/readiness/check", "path");
	unsigned t = 0;

	if (v && !strcmp(v, "primary"))
		t = ER_ST_CHECKS_PRIMARY;
	else if (v && !strcmp(v, "secondary"))
		t = ER_ST_CHECKS_SECONDARY;
	free(v);
	return t;
}

/* Nodes of a part the filter cannot select are not built (a partner's fetch: see state_tree.h). */
static unsigned
state_trims(const struct er_nc_filter *f, unsigned parts)
{
	static const char *const desc[] = { ER_TOP "/readiness/check/name", ER_TOP "/readiness/check/area",
		ER_TOP "/readiness/check/severity", ER_TOP "/readiness/check/rule", ER_TOP "/readiness/check/since" };
	static const char *const refs[] = { ER_TOP "/readiness/check/code", ER_TOP "/readiness/check/circuit",
		ER_TOP "/readiness/check/peering" };
	unsigned t = 0;
	size_t i;

	if (parts & ER_ST_CHECKS) {
		t |= ER_ST_CHECKS_LEAN | ER_ST_CHECKS_NO_REFS | checks_of_path(f);
		for (i = 0; i < ARRAY_SIZE(desc); i++)
			if (wants(f, desc[i]))
				t &= ~(unsigned)ER_ST_CHECKS_LEAN;
		for (i = 0; i < ARRAY_SIZE(refs); i++)
			if (wants(f, refs[i]))
				t &= ~(unsigned)ER_ST_CHECKS_NO_REFS;
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
		return er_nc_reply_any(rpc, tree, LYD_ANYDATA_DATATREE, wd);
	xml = print_data(tree, wd);
	lyd_free_all(tree);
	if (!xml)
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
	return er_nc_reply_any(rpc, xml, LYD_ANYDATA_XML, wd);
}

/* Only the expressroute part: the NACM config beside it has its own place in the reply (add_acm). */
static void
strip_other_modules(struct lyd_node **data)
{
	struct lyd_node *n, *next;

	LY_LIST_FOR_SAFE(*data, next, n)
		if (!n->schema || strcmp(n->schema->module->name, ER_YANG_MODULE)) {
			if (n == *data)
				*data = next;
			lyd_free_tree(n);
		}
}

/*
 * The ietf-netconf-acm config of @p ds and, for <get>, its counters
 * (RFC 8341 denied-*): kept out of the cached expressroute part, whose
 * counters would be stale.
 */
static void
add_acm(enum dsid ds, bool config_only, struct lyd_node **data)
{
	struct er_nc_errs errs = { NULL, 0 };
	struct lyd_node *tree = NULL, *acm = NULL;
	const struct lyd_node *src = NULL, *n;

	er_nc_lock();
	/* running and the candidate are at hand: copy only their /nacm, not a large config */
	if (ds == DS_RUNNING)
		src = er_ds_running(er_nc_env->ds);
	else if (ds == DS_CANDIDATE)
		src = er_nc_cand_tree();
	else if (er_nc_ds_copy(ds, NULL, &tree, &errs) == 0)
		src = tree;
	LY_LIST_FOR(src, n)
		if (n->schema && !strcmp(n->schema->name, "nacm") && !strcmp(n->schema->module->name, "ietf-netconf-acm") &&
		    lyd_dup_single(n, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &acm) != LY_SUCCESS)
			acm = NULL;
	er_nc_unlock();
	er_nc_errs_clear(&errs);
	lyd_free_all(tree);
	if (!acm && !config_only) {
		const struct lys_module *m = ly_ctx_get_module_implemented(er_nc_ctx(), "ietf-netconf-acm");
		if (m)
			lyd_new_inner(NULL, m, "nacm", 0, &acm);
	}
	if (!acm)
		return;
	if (!config_only)
		er_nacm_counters_state(acm);
	lyd_insert_sibling(*data, acm, data);
}

/*
 * The expressroute part of a <get> or <get-config>: config of @p ds (none
 * for DS_NONE) and, for <get>, the state parts asked for.
 */
static int
er_data(enum dsid ds, bool config_only, unsigned parts, struct er_snapshot *snap, struct lyd_node **data,
    struct er_nc_errs *errs)
{
	struct lyd_node *st = NULL;

	if (ds != DS_NONE) {
		er_nc_lock();
		if (er_nc_ds_copy(ds, NULL, data, errs) < 0) {
			er_nc_unlock();
			return -1;
		}
		er_nc_unlock();
		strip_other_modules(data);
		er_ds_strip_secrets(*data);
	}
	if (!config_only && parts && snap && er_state_tree_parts(snap, er_nc_ctx(), parts, &st) == 0 && st) {
		if (!*data)
			*data = st;
		else if (lyd_merge_siblings(data, st, LYD_MERGE_DESTRUCT) != LY_SUCCESS)
			lyd_free_all(st);
	}
	return 0;
}

/*
 * An unfiltered <get>'s expressroute part (config and all state), printed
 * once while neither the published snapshot nor running has changed: an
 * NMS polling the full state between two evaluations pays for it once per
 * evaluation, not per poll.
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
	er_snapshot_unref(f->snap);
	er_nc_text_unref(f->text);
	free(f);
}

static void
full_release(struct full_cache *f)
{
	struct full_cache *dead;

	er_nc_lock();
	dead = full_drop(f);
	er_nc_unlock();
	full_free(dead);
}

static ssize_t
buf_write(void *arg, const void *d, size_t n)
{
	er_buf_add(arg, d, n);
	return (ssize_t)n;
}

#define ER_OPEN "<expressroute xmlns=\"" ER_YANG_NS "\">"
#define ER_CLOSE "</expressroute>"

/*
 * The readiness container of @p snap, from its XML printer (state_xml.h),
 * or, when that printer cannot vouch for a value, cut from the libyang
 * print of the tree state_tree.c builds (which then decides, as before).
 */
static int
readiness_text(struct er_snapshot *snap, struct er_buf *b)
{
	const unsigned parts = ER_ST_SUMMARY | ER_ST_COLLECTORS | ER_ST_CHECKS | ER_ST_HOST;
	struct lyd_node *rd = NULL;
	char *x, *open, *close;

	if (er_state_xml_readiness(snap, er_nc_ctx(), parts, NULL, NULL, b) == 0)
		return 0;
	if (er_state_tree_parts(snap, er_nc_ctx(), parts, &rd) < 0 || !rd)
		return 0; /* as er_data: the state is left out */
	x = er_ds_print_mem(rd, LYD_XML, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT);
	lyd_free_all(rd);
	if (!x)
		return -1;
	if ((open = strstr(x, "<readiness")) && (close = strstr(x, ER_CLOSE)) && close > open)
		er_buf_add(b, open, (size_t)(close - open));
	free(x);
	return 0;
}

/* Append @p data (taken; NULL: nothing) to @p b as a full <get> prints it; -1 (and @p b freed) on failure. */
static int
print_taken(struct lyd_node *data, struct er_buf *b)
{
	LY_ERR r = data ? lyd_print_clb(buf_write, b, data, LYD_XML,
	                      LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT)
	                : LY_SUCCESS;

	lyd_free_all(data);
	if (r != LY_SUCCESS) {
		er_buf_free(b);
		return -1;
	}
	return 0;
}

static void
conf_release(struct conf_cache *c)
{
	bool dead;

	if (!c)
		return;
	er_nc_lock();
	dead = --c->refs == 0;
	er_nc_unlock();
	if (dead) {
		free(c->text);
		free(c);
	}
}

/* The printed config of running (a reference), from the cache while running has not changed. */
static struct conf_cache *
conf_get(struct er_nc_errs *errs)
{
	struct conf_cache *c = NULL, *old = NULL;
	struct lyd_node *data = NULL;
	struct er_buf b = { 0 };
	unsigned long gen;

	er_nc_lock();
	gen = er_ds_generation(er_nc_env->ds);
	if (O.conf && O.conf->gen == gen) {
		c = O.conf;
		c->refs++;
	}
	er_nc_unlock();
	if (c)
		return c;
	if (er_data(DS_RUNNING, true, 0, NULL, &data, errs) < 0)
		return NULL;
	if (print_taken(data, &b) < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	c->gen = gen;
	c->len = b.len;
	if (b.len)
		c->text = xreallocarray(b.p, b.len, 1);
	else
		free(b.p);
	er_nc_lock();
	/* kept only when running did not change while it was printed */
	if (er_ds_generation(er_nc_env->ds) == gen) {
		old = O.conf;
		O.conf = c;
		c->refs++;
	}
	er_nc_unlock();
	conf_release(old);
	return c;
}

/*
 * The text of an unfiltered <get>'s expressroute part, with defaults
 * explicit: the config printed by libyang with the circuit, group and
 * partner state (nested in the config) spliced in from the snapshot
 * (er_state_xml_splice; a libyang tree of both when it cannot), then the
 * readiness container, the last child of /expressroute and all state,
 * printed straight from the snapshot. The tree is freed before readiness
 * is printed.
 *
 * The cached text is what a reader with full read access gets: a user
 * whose NACM rules may hide part of it gets a tree of their own, pruned
 * (er_nc_op_get), never this text.
 */
static struct er_nc_text *
full_print(struct er_snapshot *snap, struct er_nc_errs *errs)
{
	struct lyd_node *data = NULL;
	struct er_buf b = { 0 };
	size_t cl = strlen(ER_CLOSE), empty = SIZE_MAX;
	struct conf_cache *conf = conf_get(errs);
	int spliced = -1;

	/* the config printed by libyang, the state of its circuits, groups and partners spliced in from the snapshot */
	if (!conf)
		return NULL;
	if (conf->len)
		spliced = er_state_xml_splice(snap, er_nc_ctx(), conf->text, conf->len, &b);
	conf_release(conf);
	/* else (running changed since the evaluation, a value the printer cannot vouch for) as a libyang tree */
	if (spliced < 0 && er_data(DS_RUNNING, false, ER_ST_CIRCUITS | ER_ST_RESILIENCY, snap, &data, errs) < 0)
		return NULL;
	if (print_taken(data, &b) < 0)
		return NULL;
	/* <expressroute xmlns="...">...</expressroute>, or <expressroute xmlns="..."/> when empty */
	if (b.len >= cl && !memcmp(er_buf_data(&b) + b.len - cl, ER_CLOSE, cl))
		b.len -= cl;
	else if (b.len >= 2 && !memcmp(er_buf_data(&b) + b.len - 2, "/>", 2) &&
	    !strncmp(er_buf_data(&b), "<expressroute ", 14) && !memchr(er_buf_data(&b) + 1, '<', b.len - 1)) {
		b.len--;
		er_buf_data(&b)[b.len - 1] = '>';
	}
	else if (b.len) {
		er_buf_free(&b);
		return NULL; /* not the one subtree expected */
	}
	/* libyang printed nothing (no config, no circuit): readiness alone, under /expressroute */
	if (!b.len) {
		er_buf_add(&b, ER_OPEN, strlen(ER_OPEN));
		empty = b.len;
	}
	if (readiness_text(snap, &b) < 0) {
		er_buf_free(&b);
		return NULL;
	}
	if (b.len == empty)
		b.len = 0; /* nothing at all, as libyang prints an empty NP container */
	if (b.len)
		er_buf_add(&b, ER_CLOSE, cl);
	er_buf_add(&b, "", 1);
	/* the buffer doubled as it grew: give back what is not text before it is kept */
	return er_nc_text_new(xreallocarray(b.p, b.len, 1), b.len - 1); /* off is 0: nothing was eaten */
}

/* The expressroute part of an unfiltered <get> for the current snapshot and config (a reference). */
static struct full_cache *
full_get(struct er_nc_errs *errs)
{
	struct er_snapshot *snap = er_nc_env->snapshot();
	struct full_cache *f = NULL, *dead = NULL;
	struct er_nc_text *t;
	unsigned long gen;

	er_nc_lock();
	gen = er_ds_generation(er_nc_env->ds);
	if (O.full && O.full->snap == snap && O.full->gen == gen) {
		f = O.full;
		f->refs++;
	}
	er_nc_unlock();
	if (f) {
		er_snapshot_unref(snap);
		return f;
	}
	if (!(t = full_print(snap, errs))) {
		er_snapshot_unref(snap);
		if (!errs->n)
			er_nc_errs_add(errs, NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->refs = 1;
	f->snap = snap; /* the reference is kept: its address cannot be reused while cached */
	f->gen = gen;
	f->text = t;
	er_nc_lock();
	if (er_ds_generation(er_nc_env->ds) == gen && !__atomic_load_n(&collecting, __ATOMIC_ACQUIRE)) {
		dead = full_drop(O.full);
		O.full = f;
		f->refs++;
	}
	er_nc_unlock();
	full_free(dead);
	return f;
}

/*
 * The collector thread starts (@p on) or has ended an observation and its
 * evaluation. The cached reply is of the snapshot about to be replaced: the
 * main loop releases it (er_nc_get_expire, which the collector's poke
 * brings on) rather than after the new one is published, and a <get>
 * meanwhile is printed for itself, not kept. So the reply text (80 MB at
 * 10,000 sessions) and a poll's parse and evaluation are not in memory
 * together: the peak is the larger of them, not their sum. A <get> in that
 * window costs a first get's time (the same as the first after it would).
 * No lock: the collector thread never takes the agent lock (daemon.c
 * joins it with that lock held).
 */
void
er_nc_collecting(bool on)
{
	__atomic_store_n(&collecting, on, __ATOMIC_RELEASE);
}

/*
 * A partner router's fetch (partner.h er_partner_filter: one filter for
 * each path its results may be narrowed to) is answered from the snapshot
 * as text (er_state_xml_partner), without a state tree to build, filter
 * and print: at 100 circuits ~5 ms of CPU instead of ~33 ms. A filter is
 * recognised by its expressions, so any client sending the same filter
 * gets the same bytes the generic path would print (tests/unit/
 * test_state_trims.c compares them).
 */
static struct {
	pthread_once_t once;
	struct er_nc_filter f[3]; /* by enum er_path: ER_PATH_NONE, _PRIMARY, _SECONDARY */
	bool ok[3];
} PF = { PTHREAD_ONCE_INIT, { { false, NULL, 0 } }, { false } };

static void
partner_filters_init(void)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct er_nc_errs errs = { NULL, 0 };
		char *fx = er_partner_filter_path((enum er_path)i);

		PF.ok[i] = er_nc_filter_parse_subtree(er_nc_ctx(), fx, &PF.f[i], &errs) == 0 && !PF.f[i].all;
		if (!PF.ok[i])
			log_warnx("netconf: the partner filter does not parse: partners get the generic answer");
		er_nc_errs_clear(&errs);
		free(fx);
	}
}

/* The path a partner's filter narrows its results to (ER_PATH_NONE: all of them), or -1 when @p f is not one. */
static int
partner_filter_of(const struct er_nc_filter *f)
{
	int i;

	if (f->all)
		return -1;
	pthread_once(&PF.once, partner_filters_init);
	for (i = 0; i < 3; i++)
		if (PF.ok[i] && er_nc_filter_same(f, &PF.f[i]))
			return i;
	return -1;
}

/* The answer to a partner's fetch for the current snapshot, or NULL (then the generic path answers). */
static struct er_nc_text *
partner_text(enum er_path only)
{
	struct er_snapshot *snap = er_nc_env->snapshot();
	struct er_buf b = { 0 };

	if (!snap)
		return NULL;
	if (er_state_xml_partner(snap, er_nc_ctx(), only, &b) < 0) {
		er_snapshot_unref(snap);
		er_buf_free(&b);
		return NULL;
	}
	er_snapshot_unref(snap);
	er_buf_add(&b, "", 1);
	return er_nc_text_new(xreallocarray(b.p, b.len, 1), b.len - 1);
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
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
	}
	er_nc_lock();
	snprintf(marker, sizeof(marker), "<!--erready-splice-%016llx-%lu-->", O.splice_nonce, ++O.splice_n);
	er_nc_unlock();
	if (asprintf(&v, "%s%s", marker, x) < 0)
		fatalx("out of memory");
	free(x);
	er_nc_guard_splice(ss->guard, marker, t);
	return er_nc_reply_any(rpc, v, LYD_ANYDATA_XML, wd);
}

/*
 * A filtered reply: printed here and spliced in by the session's guard in
 * 64 KiB chunks. libnetconf2's own writer sends 1 KiB chunks, each one a
 * hop through the guard and the SSH relay threads: a partner's 470 KB
 * answer at 100 circuits took ~0.5 s of those hops on a loaded machine,
 * against ~30 ms of CPU. Without a guard, libnetconf2 prints it.
 */
static struct nc_server_reply *
reply_filtered(struct er_nc_sess *ss, const struct lyd_node *rpc, struct lyd_node *out, NC_WD_MODE wd)
{
	char *xml;

	if (!ss->guard || !out)
		return reply_data(rpc, out, wd);
	xml = print_data(out, wd);
	lyd_free_all(out);
	if (!xml)
		return er_nc_fail1(NC_ERR_OP_FAILED, NC_ERR_TYPE_APP, NULL, "%s", "cannot print the reply");
	return reply_spliced(ss, rpc, NULL, er_nc_text_new(xml, strlen(xml)), wd);
}

struct nc_server_reply *
er_nc_op_get(struct er_nc_sess *ss, const struct lyd_node *rpc, bool config_only)
{
	struct er_nc_filter f = { false, NULL, 0 };
	struct er_nc_errs errs = { NULL, 0 };
	struct lyd_node *data = NULL, *out = NULL;
	enum dsid ds = DS_RUNNING;
	NC_WD_MODE wd;
	struct er_nc_text *text = NULL;
	bool bad;
	int pf;

	wd = er_nc_wd_mode(rpc, &bad);
	if (config_only && (ds = er_nc_which_ds(rpc, "source", NULL)) == DS_NONE)
		return er_nc_missing1("source", "get-config needs a <source> datastore");
	if (er_nc_filter_parse(er_nc_ctx(), er_lyd_child(rpc, "filter"), &f, &errs) < 0)
		return er_nc_fail(&errs);
	if (!config_only && f.all && ss->guard && wd == NC_WD_EXPLICIT && !er_nacm_read_restricted(ss->nacm)) {
		/*
		 * explicit (the default) goes out as text printed once per
		 * evaluation; users whose rules may hide parts of it get a tree of
		 * their own below (the text has no node marked
		 * nacm:default-deny-all: the secrets are stripped from it)
		 */
		struct full_cache *fc = full_get(&errs);
		if (!fc) {
			er_nc_filter_clear(&f);
			return er_nc_fail(&errs);
		}
		text = er_nc_text_ref(fc->text);
		full_release(fc);
	} else if (!config_only && ss->guard && wd == NC_WD_EXPLICIT && !er_nacm_read_restricted(ss->nacm) &&
	    (pf = partner_filter_of(&f)) >= 0 && (text = partner_text((enum er_path)pf))) {
		/* a partner's fetch, printed from the snapshot: nothing else to add (the filter selects nothing else) */
	} else if (!config_only && f.all) {
		/* the other with-defaults modes, and restricted readers, print a tree of their own */
		struct er_snapshot *snap = er_nc_env->snapshot();
		int rc = er_data(DS_RUNNING, false, ER_ST_ALL, snap, &data, &errs);
		er_snapshot_unref(snap);
		if (rc < 0) {
			er_nc_filter_clear(&f);
			return er_nc_fail(&errs);
		}
	} else if (wants(&f, ER_TOP)) {
		unsigned parts = config_only ? 0 : state_parts(&f);
		struct er_snapshot *snap = parts ? er_nc_env->snapshot() : NULL;
		/* state only (a partner's fetch): no copy of running to merge the state into and filter away */
		int rc = er_data(config_only || er_nc_filter_wants_config(er_nc_ctx(), &f) ? ds : DS_NONE, config_only,
		    parts, snap, &data, &errs);
		er_snapshot_unref(snap);
		if (rc < 0) {
			er_nc_filter_clear(&f);
			return er_nc_fail(&errs);
		}
	}
	if (!config_only) {
		if (wants(&f, "/ietf-yang-library:yang-library") || wants(&f, "/ietf-yang-library:modules-state")) {
			struct lyd_node *yl = NULL;
			if (ly_ctx_get_yanglib_data(er_nc_ctx(), &yl, "%u", ly_ctx_get_change_count(er_nc_ctx())) == LY_SUCCESS && yl)
				lyd_insert_sibling(data, yl, &data);
		}
		if (wants(&f, "/ietf-netconf-monitoring:netconf-state"))
			add_netconf_state(&data);
		if (wants(&f, "/nc-notifications:netconf"))
			add_streams(&data);
	}
	if (wants(&f, "/ietf-netconf-acm:nacm"))
		add_acm(ds, config_only, &data);
	if (f.all)
		out = data;
	else {
		if (er_nc_filter_apply(&f, data, &out, &errs) < 0) {
			lyd_free_all(data);
			er_nc_filter_clear(&f);
			return er_nc_fail(&errs);
		}
		lyd_free_all(data);
	}
	/* RFC 8341 3.4.5: what the user may not read is left out, silently */
	er_nacm_prune(ss->nacm, &out);
	if (text) {
		er_nc_filter_clear(&f);
		return reply_spliced(ss, rpc, out, text, wd);
	}
	if (!f.all) {
		er_nc_filter_clear(&f);
		return reply_filtered(ss, rpc, out, wd);
	}
	er_nc_filter_clear(&f);
	return reply_data(rpc, out, wd);
}

void
er_nc_get_init(void)
{
	memset(&O, 0, sizeof(O));
	/* splice markers are unguessable, so no client-chosen text can pass for one */
	if (getrandom(&O.splice_nonce, sizeof(O.splice_nonce), 0) != sizeof(O.splice_nonce))
		O.splice_nonce = (unsigned long long)time(NULL) * 2654435761ULL ^ (unsigned long long)getpid();
}

void
er_nc_get_expire(void)
{
	struct er_snapshot *snap;
	struct full_cache *dead = NULL;

	if (!O.full)
		return;
	snap = er_nc_env->snapshot();
	if (O.full->snap != snap || __atomic_load_n(&collecting, __ATOMIC_ACQUIRE)) {
		dead = full_drop(O.full);
		O.full = NULL;
	}
	er_snapshot_unref(snap);
	full_free(dead);
}

void
er_nc_get_fini(void)
{
	int i;

	/* no session is left to hold a reference */
	if (O.conf && --O.conf->refs == 0) {
		free(O.conf->text);
		free(O.conf);
	}
	O.conf = NULL;
	/* the filters were parsed in the server's context: cleared with it (once per process) */
	for (i = 0; i < 3; i++) {
		er_nc_filter_clear(&PF.f[i]);
		PF.ok[i] = false;
	}
	full_free(full_drop(O.full));
	O.full = NULL;
	memset(&O, 0, sizeof(O));
}
