/* One fetch thread per partner router (see partner_client.h). */
#include "partner_client.h"

#include <errno.h>
#include <libssh/libssh.h>
#include <libyang/libyang.h>
#include <nc_client.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "datastore.h"
#include "log.h"
#include "nc_schema.h"
#include "partner.h"
#include "util.h"

struct client {
	int refs; /* the set and the thread, under lock */
	struct er_partner_cfg cfg;
	char key_path[4096];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked, busy;
	uint64_t kicked_ms;                /* when the running fetch was asked for */
	unsigned long asked, answered;     /* fetch generations */
	struct er_partner_view *view;      /* the latest answer */
	char *filter;                      /* of the <get>: follows the config (er_partners_sync) */
	/* thread only */
	struct ly_ctx *ctx;                /* the session's YANG context (client_ctx) */
	struct nc_session *nc;
	struct ssh_counter_struct rx;      /* bytes libssh read on the session's socket (ssh_set_counters) */
	enum er_partner_status last_status; /* logged once per change */
	char last_message[256];
};

struct er_partners {
	char state_dir[4096];
	struct client **v;
	size_t n;
};

static uint64_t
now_ms(void)
{
	return er_now_us() / 1000;
}

/* CPU time of the calling thread: the share of a fetch spent here, apart from waiting on the partner. */
static uint64_t
thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static pthread_once_t client_once = PTHREAD_ONCE_INIT;

static void
client_init(void)
{
	nc_client_init();
}

static void
client_unref(struct client *c)
{
	bool last;

	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	if (c->nc)
		nc_session_free(c->nc, NULL);
	ly_ctx_destroy(c->ctx);
	er_partner_view_unref(c->view);
	free(c->filter);
	free(c->cfg.key_file);
	free(c->cfg.host_key);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

/* Unpadded base64, as ssh-keygen prints SHA256 fingerprints. */
static void
b64(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = t[v >> 18 & 63];
		out[o++] = t[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = t[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = t[v & 63];
	}
	out[o] = '\0';
}

/* The partner's host key is the configured key, or has the configured SHA256 fingerprint. */
static bool
host_key_ok(ssh_session s, const char *want, char *why, size_t whylen)
{
	ssh_key srv = NULL, cfgk = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char fp[128] = "";
	bool ok = false;

	if (ssh_get_server_publickey(s, &srv) != SSH_OK) {
		snprintf(why, whylen, "no host key from the server");
		return false;
	}
	if (ssh_get_publickey_hash(srv, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0) {
		memcpy(fp, "SHA256:", 7);
		b64(hash, hlen, fp + 7, sizeof(fp) - 7);
		ssh_clean_pubkey_hash(&hash);
	}
	if (!strncmp(want, "SHA256:", 7)) {
		ok = fp[0] && !strcmp(fp, want);
	} else {
		char type[64], blob[8192];
		if (sscanf(want, "%63s %8191s", type, blob) == 2 &&
		    ssh_pki_import_pubkey_base64(blob, ssh_key_type_from_name(type), &cfgk) == SSH_OK)
			ok = ssh_key_cmp(srv, cfgk, SSH_KEY_CMP_PUBLIC) == 0;
		ssh_key_free(cfgk);
	}
	if (!ok)
		snprintf(why, whylen, "the partner's host key %s is not the configured one", fp[0] ? fp : "(unreadable)");
	ssh_key_free(srv);
	return ok;
}

/*
 * A connected, authenticated NETCONF session to the partner, or NULL with
 * the status and reason. libssh does the transport so that every stage has
 * the deadline and its own failure: refused, host key, auth, timeout.
 */
static struct nc_session *
connect_partner(struct client *c, enum er_partner_status *st, char *why, size_t whylen)
{
	ssh_session s = ssh_new();
	ssh_key key = NULL;
	char addr[ER_PREFIX_STRLEN];
	int port = c->cfg.port, rc;
	long sec = (long)(c->cfg.timeout_ms / 1000), usec = (long)(c->cfg.timeout_ms % 1000) * 1000;
	bool no = false;
	int yes = 1;
	struct nc_session *nc;

	*st = ER_PARTNER_ERROR;
	if (!s) {
		snprintf(why, whylen, "cannot create an SSH session");
		return NULL;
	}
	/* the reply's size as it came over the wire, without printing the parsed reply again to count it */
	memset(&c->rx, 0, sizeof(c->rx));
	ssh_set_counters(s, NULL, &c->rx);
	er_addr_str(&c->cfg.addr, addr, sizeof(addr));
	ssh_options_set(s, SSH_OPTIONS_HOST, addr);
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, c->cfg.user);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
	/* nothing from ~/.ssh: the host key is the configured one */
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	/* request and reply: no Nagle wait for the server's delayed ACK (40 ms a round) */
	ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes);
	if (ssh_connect(s) != SSH_OK) {
		const char *e = ssh_get_error(s);
		*st = strstr(e, "imeout") || strstr(e, "timed out") ? ER_PARTNER_TIMEOUT : ER_PARTNER_REFUSED;
		snprintf(why, whylen, "%s port %d: %s", addr, port, e);
		goto fail;
	}
	if (!host_key_ok(s, c->cfg.host_key, why, whylen)) {
		*st = ER_PARTNER_HOSTKEY;
		goto fail;
	}
	if (ssh_pki_import_privkey_file(c->key_path, NULL, NULL, NULL, &key) != SSH_OK) {
		*st = ER_PARTNER_AUTH;
		snprintf(why, whylen, "cannot read the key file %.200s", c->key_path);
		goto fail;
	}
	rc = ssh_userauth_publickey(s, NULL, key);
	ssh_key_free(key);
	if (rc != SSH_AUTH_SUCCESS) {
		*st = rc == SSH_AUTH_ERROR && strstr(ssh_get_error(s), "imeout") ? ER_PARTNER_TIMEOUT : ER_PARTNER_AUTH;
		snprintf(why, whylen, "user %s: public key refused%s%s", c->cfg.user, rc == SSH_AUTH_ERROR ? ": " : "",
		    rc == SSH_AUTH_ERROR ? ssh_get_error(s) : "");
		goto fail;
	}
	/* libnetconf2 takes the session (and frees it on failure) */
	if (!(nc = nc_connect_libssh(s, c->ctx))) {
		snprintf(why, whylen, "no NETCONF session (subsystem or <hello> failed)");
		return NULL;
	}
	return nc;
fail:
	ssh_disconnect(s);
	ssh_free(s);
	return NULL;
}

/* The <data> anydata of a <get> reply (libnetconf2 parsed the reply in our context). */
static const struct lyd_node_any *
reply_data(const struct lyd_node *op)
{
	const struct lyd_node *n = op;

	if (n && strcmp(LYD_NAME(n), "data"))
		LY_LIST_FOR(lyd_child(op), n) {
			if (!strcmp(LYD_NAME(n), "data"))
				break;
		}
	if (!n || !n->schema || !(n->schema->nodetype & LYS_ANYDATA))
		return NULL;
	return (const struct lyd_node_any *)n;
}

/* The partner's data from the anydata: its tree when libnetconf2 parsed one, else its text parsed here alike. */
static int
view_from_reply(struct client *c, struct er_partner_view *pv, const struct lyd_node_any *any, char *why, size_t whylen)
{
	char *xml = NULL;
	int rc;

	if (any->value_type == LYD_ANYDATA_DATATREE)
		return er_partner_view_from_tree(pv, any->value.tree, why, whylen);
	if (lyd_any_value_str((const struct lyd_node *)any, &xml) != LY_SUCCESS || !xml) {
		snprintf(why, whylen, "the reply has no data");
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "%s", why);
		return -1;
	}
	rc = er_partner_view_parse(pv, c->ctx, xml, why, whylen);
	free(xml);
	return rc;
}

/* One fetch: a new view, never NULL. */
static struct er_partner_view *
fetch(struct client *c)
{
	struct er_partner_view *pv = er_partner_view_new(c->cfg.name);
	uint64_t t0 = now_ms(), cpu0 = thread_cpu_us(), msgid, t_reply, rx0;
	struct nc_rpc *rpc = NULL;
	struct lyd_node *envp = NULL, *op = NULL;
	enum er_partner_status st;
	char why[256], *filter;
	const struct lyd_node_any *any;
	NC_MSG_TYPE m;
	int left;
	bool reused;

	pv->fetched_at = (long long)time(NULL);
	pthread_mutex_lock(&c->lock);
	filter = xstrdup(c->filter ? c->filter : ER_PARTNER_FILTER);
	pthread_mutex_unlock(&c->lock);
	rpc = nc_rpc_get(filter, NC_WD_UNKNOWN, NC_PARAMTYPE_FREE);
	/* The session of the last poll is reused; when it is gone (the partner restarted), a new one says why. */
	reused = c->nc != NULL;
again:
	if (!c->nc && !(c->nc = connect_partner(c, &st, why, sizeof(why)))) {
		er_partner_view_fail(pv, st, "%s", why);
		goto done;
	}
	rx0 = c->rx.in_bytes;
	left = (int)c->cfg.timeout_ms - (int)(now_ms() - t0);
	if (left <= 0 || (m = nc_send_rpc(c->nc, rpc, left, &msgid)) != NC_MSG_RPC) {
		if (left > 0 && reused) {
			reused = false;
			nc_session_free(c->nc, NULL);
			c->nc = NULL;
			goto again;
		}
		er_partner_view_fail(pv, left <= 0 ? ER_PARTNER_TIMEOUT : ER_PARTNER_ERROR, "cannot send the <get>");
		goto drop;
	}
	do {
		left = (int)c->cfg.timeout_ms - (int)(now_ms() - t0);
		lyd_free_all(envp);
		lyd_free_all(op);
		envp = op = NULL;
		m = left > 0 ? nc_recv_reply(c->nc, rpc, msgid, left, &envp, &op) : NC_MSG_WOULDBLOCK;
	} while (m == NC_MSG_NOTIF);
	if (m == NC_MSG_WOULDBLOCK) {
		er_partner_view_fail(pv, ER_PARTNER_TIMEOUT, "no reply within %u ms", c->cfg.timeout_ms);
		goto drop;
	}
	if (m == NC_MSG_ERROR && reused) {
		reused = false;
		nc_session_free(c->nc, NULL);
		c->nc = NULL;
		goto again;
	}
	if (m != NC_MSG_REPLY || !(any = reply_data(op))) {
		er_partner_view_fail(pv, ER_PARTNER_ERROR, "the partner answered the <get> with an error");
		goto drop;
	}
	t_reply = now_ms();
	if (view_from_reply(c, pv, any, why, sizeof(why)) < 0)
		goto drop;
	pv->bytes = (uint32_t)(c->rx.in_bytes - rx0);
	log_debug("partner %s: reply after %llu ms, read in %llu ms", c->cfg.name, (unsigned long long)(t_reply - t0),
	    (unsigned long long)(now_ms() - t_reply));
	goto done;
drop:
	/* a session that failed once is not trusted with the next request */
	nc_session_free(c->nc, NULL);
	c->nc = NULL;
done:
	lyd_free_all(envp);
	lyd_free_all(op);
	nc_rpc_free(rpc);
	pv->duration_ms = (uint32_t)(now_ms() - t0);
	log_debug("partner %s: %s, %u bytes in %u ms (%.1f ms CPU here)", c->cfg.name, er_partner_status_name(pv->status),
	    pv->bytes, pv->duration_ms, (double)(thread_cpu_us() - cpu0) / 1000.0);
	return pv;
}

static void
log_change(struct client *c, const struct er_partner_view *pv)
{
	if (pv->status == c->last_status && !strcmp(pv->message, c->last_message))
		return;
	if (pv->status == ER_PARTNER_OK)
		log_info("partner %s: connected (reply of %u bytes in %u ms)", c->cfg.name, pv->bytes, pv->duration_ms);
	else
		log_warnx("partner %s: %s: %s", c->cfg.name, er_partner_status_name(pv->status), pv->message);
	c->last_status = pv->status;
	snprintf(c->last_message, sizeof(c->last_message), "%s", pv->message);
}

static void *
client_main(void *arg)
{
	struct client *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		struct er_partner_view *pv;

		while (!c->stop && !c->kicked)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->stop)
			break;
		c->kicked = false;
		c->busy = true;
		pthread_mutex_unlock(&c->lock);

		pv = fetch(c);
		log_change(c, pv);

		pthread_mutex_lock(&c->lock);
		er_partner_view_unref(c->view);
		c->view = pv;
		c->busy = false;
		c->answered = c->asked;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	client_unref(c);
	return NULL;
}

/*
 * The session's YANG context: the NETCONF modules libnetconf2 needs, and
 * expressroute-readiness in the form a reply is read with
 * (er_partner_reply_module). libnetconf2 loads nothing into a context
 * that has the modules a server announces.
 */
static struct ly_ctx *
client_ctx(char *err, size_t errlen)
{
	struct ly_ctx *ctx = NULL;

	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIR_CWD, &ctx) != LY_SUCCESS) {
		snprintf(err, errlen, "cannot create a YANG context");
		return NULL;
	}
	if (er_nc_ctx_hook(ctx, err, errlen) < 0)
		goto fail;
	if (er_partner_reply_module(ctx, err, errlen) < 0)
		goto fail;
	return ctx;
fail:
	ly_ctx_destroy(ctx);
	return NULL;
}

static struct client *
client_new(const struct er_partner_cfg *pc, const char *state_dir)
{
	struct client *c = xcalloc(1, sizeof(*c));
	char err[ER_ERRLEN];

	c->refs = 2;
	c->cfg = *pc;
	c->cfg.key_file = xstrdup(pc->key_file);
	c->cfg.host_key = xstrdup(pc->host_key);
	if (pc->key_file[0] == '/')
		snprintf(c->key_path, sizeof(c->key_path), "%s", pc->key_file);
	else
		snprintf(c->key_path, sizeof(c->key_path), "%s/%s", state_dir, pc->key_file);
	c->last_status = ER_PARTNER_NOT_CONTACTED;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (!(c->ctx = client_ctx(err, sizeof(err))))
		fatalx("partner %s: %s", pc->name, err);
	pthread_once(&client_once, client_init);
	if (pthread_create(&c->thread, NULL, client_main, c) != 0)
		fatalx("partner %s: cannot start its thread", pc->name);
	return c;
}

/*
 * Stop @p c. With @p join, wait for its thread (at exit: the fetch in
 * progress ends within its own deadlines, and nothing of libssh may run
 * while the process tears down); without, let it end on its own (a config
 * change must not hold the collector thread).
 */
static void
client_stop(struct client *c, bool join)
{
	pthread_t t = c->thread;

	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (join)
		pthread_join(t, NULL);
	else
		pthread_detach(t);
	client_unref(c);
}

struct er_partners *
er_partners_new(const char *state_dir)
{
	struct er_partners *ps = xcalloc(1, sizeof(*ps));

	snprintf(ps->state_dir, sizeof(ps->state_dir), "%s", state_dir);
	return ps;
}

void
er_partners_free(struct er_partners *ps)
{
	size_t i;

	if (!ps)
		return;
	for (i = 0; i < ps->n; i++)
		client_stop(ps->v[i], true);
	free(ps->v);
	free(ps);
}

static bool
same_cfg(const struct er_partner_cfg *a, const struct er_partner_cfg *b)
{
	return !strcmp(a->name, b->name) && er_addr_eq(&a->addr, &b->addr) && a->port == b->port &&
	    !strcmp(a->user, b->user) && !strcmp(a->key_file, b->key_file) && !strcmp(a->host_key, b->host_key) &&
	    a->timeout_ms == b->timeout_ms;
}

void
er_partners_sync(struct er_partners *ps, const struct er_config *cfg)
{
	struct client **v = cfg->agent.n_partners ? xcalloc(cfg->agent.n_partners, sizeof(*v)) : NULL;
	size_t i, j;

	for (i = 0; i < cfg->agent.n_partners; i++) {
		const struct er_partner_cfg *pc = &cfg->agent.partners[i];
		for (j = 0; j < ps->n && !v[i]; j++)
			if (ps->v[j] && same_cfg(&ps->v[j]->cfg, pc)) {
				v[i] = ps->v[j];
				ps->v[j] = NULL;
			}
		if (!v[i])
			v[i] = client_new(pc, ps->state_dir);
		pthread_mutex_lock(&v[i]->lock);
		free(v[i]->filter);
		v[i]->filter = er_partner_filter(cfg, pc->name);
		pthread_mutex_unlock(&v[i]->lock);
	}
	for (j = 0; j < ps->n; j++)
		if (ps->v[j])
			client_stop(ps->v[j], false);
	free(ps->v);
	ps->v = v;
	ps->n = cfg->agent.n_partners;
}

void
er_partners_kick(struct er_partners *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		struct client *c = ps->v[i];
		pthread_mutex_lock(&c->lock);
		/* a fetch still running (a hung partner) is not queued behind */
		if (!c->busy) {
			c->kicked = true;
			c->kicked_ms = now_ms();
			c->asked++;
			pthread_cond_broadcast(&c->cond);
		}
		pthread_mutex_unlock(&c->lock);
	}
}

void
er_partners_attach(struct er_partners *ps, struct er_observed *obs)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		struct client *c = ps->v[i];
		uint64_t deadline;
		struct er_partner_view *pv;

		pthread_mutex_lock(&c->lock);
		deadline = c->kicked_ms + c->cfg.timeout_ms;
		while (c->answered != c->asked && now_ms() < deadline) {
			struct timespec until;
			uint64_t left = deadline - now_ms();
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += (time_t)(left / 1000);
			until.tv_nsec += (long)(left % 1000) * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&c->cond, &c->lock, &until);
		}
		/* still in the fetch past its deadline (this poll's, or an older one not kicked again): a hung partner */
		if (c->answered != c->asked || (c->busy && now_ms() >= deadline)) {
			pv = er_partner_view_new(c->cfg.name);
			er_partner_view_fail(pv, ER_PARTNER_TIMEOUT, "no answer within %u ms", c->cfg.timeout_ms);
			pv->fetched_at = (long long)time(NULL);
			if (c->last_status != ER_PARTNER_TIMEOUT) {
				log_warnx("partner %s: timeout: no answer within %u ms", c->cfg.name, c->cfg.timeout_ms);
				c->last_status = ER_PARTNER_TIMEOUT;
				c->last_message[0] = '\0';
			}
		} else {
			pv = c->view ? er_partner_view_ref(c->view) : er_partner_view_new(c->cfg.name);
		}
		pthread_mutex_unlock(&c->lock);
		er_observed_add_partner(obs, pv);
		er_partner_view_unref(pv);
	}
}
