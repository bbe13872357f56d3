#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "cfgfile.h"
#include "collect.h"
#include "config_diff.h"
#include "datastore.h"
#include "eval.h"
#include "events.h"
#include "log.h"
#include "nc_schema.h"
#include "nc_ops.h"
#include "nc_view.h"
#include "observed.h"
#include "partner_client.h"
#include "privsep.h"
#include "snmp_agent.h"
#include "snmp_mib.h"
#include "util.h"

#define EXIT_BAD_CONFIG 4
#define EXIT_NO_USER 67 /* EX_NOUSER */
#define MAX_POLLFDS 256

struct result {
	struct er_snapshot *snap;
	struct er_mib *mib;
	bool collected; /* from a fresh collection (not a re-evaluation) */
};

static struct {
	const struct er_daemon_opts *o;
	struct er_ds *ds;
	/* shared with the collector thread, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, now;
	bool reeval;                 /* the config changed: evaluate the last observation again */
	uint64_t collect_due_ms;     /* a fresh collection then (after a config change); 0: none */
	const struct er_config *cfg; /* what the next collection evaluates with */
	struct er_snapshot *cur;     /* published; prev of the next evaluation */
	struct result posted;        /* waiting for the main thread */
	int wake[2];                 /* collector -> main */
	unsigned long published;     /* snapshots from fresh collections published so far */
	pthread_cond_t published_cond;
	/*
	 * The agent lock: the datastore, the views' state and Net-SNMP. The main
	 * thread holds it except while it sleeps in poll(); NETCONF session
	 * threads take it for the length of an operation.
	 */
	pthread_mutex_t agent;
	int poke[2];                 /* any thread -> main: timers changed */
	struct er_nc_env nc_env;
	/* main thread only */
	int sig[2];
	pthread_t worker;
	struct er_partners *partners; /* collector thread only */
	struct er_privsep *ps;        /* the collector process (privsep.h) */
} D;

static int
sig_write_fd(void)
{
	return D.sig[1];
}

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sig_write_fd(), &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}

static uint64_t
now_ms(void)
{
	return er_now_us() / 1000;
}

static void poke(void);

/* @p prev: the previous collection, so counters (TCP-MD5 failures) can be read as a rise. */
static struct er_observed *
observe(const struct er_config *cfg, const struct er_observed *prev)
{
	struct er_collect_opts co;
	char err[ER_ERRLEN];
	struct er_observed *obs;

	if (D.o->observed_path) {
		if (!(obs = er_observed_load_json(D.o->observed_path, err, sizeof(err)))) {
			log_warnx("observed-state file: %s", err);
			obs = er_observed_new();
			er_observed_finalize(obs);
		}
		return obs;
	}
	er_collect_opts_init(&co, cfg);
	co.timeout_ms = D.o->timeout_ms;
	co.prev = prev;
	/* fail closed: without its collector the service stops, and systemd restarts both */
	if (!(obs = er_privsep_collect(D.ps, &co, err, sizeof(err)))) {
		log_warnx("%s: exiting", err);
		_exit(ER_EXIT_PRIVSEP);
	}
	return obs;
}

/*
 * The collector thread. It collects every poll interval, at once when asked
 * (D.now: SIGHUP, evaluate-now), and about a second after the last config
 * change (the config says which sessions and interfaces matter). A config
 * change also makes it evaluate its last observation again at once
 * (D.reeval), so a burst of NETCONF commits costs one evaluation per round
 * here, not one per commit on the session's thread.
 */
#define CONFIG_COLLECT_DELAY_MS 1000
/*
 * During a burst of commits, re-evaluations take at most about a quarter
 * of a core: after one that took E ms the next waits until 3 E ms have
 * passed. The first commit after a quiet spell is evaluated at once.
 */
#define REEVAL_IDLE_FACTOR 3

static void *
worker_main(void *arg)
{
	struct er_observed *last = NULL; /* the newest observation */
	uint64_t next_poll_ms = now_ms() + (uint64_t)D.cfg->agent.poll_interval * 1000;
	uint64_t reeval_ok_ms = 0; /* no re-evaluation before (REEVAL_IDLE_FACTOR) */

	(void)arg;
	/* named, so ps -L, top -H and the benchmarks tell its CPU from the views' */
	pthread_setname_np(pthread_self(), "er-collector");
	pthread_mutex_lock(&D.lock);
	while (!D.stop) {
		const struct er_config *cfg;
		struct er_snapshot *prev, *snap;
		struct er_observed *obs;
		struct er_mib *mib;
		struct timespec until;
		unsigned char c = 1;
		uint64_t due, t;
		bool collect;
		int tries = 0;

		while (!D.stop && !D.now && !(D.reeval && now_ms() >= reeval_ok_ms)) {
			due = next_poll_ms;
			if (D.collect_due_ms && D.collect_due_ms < due)
				due = D.collect_due_ms;
			if (D.reeval && reeval_ok_ms < due)
				due = reeval_ok_ms;
			if ((t = now_ms()) >= due)
				break;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += (time_t)((due - t) / 1000);
			until.tv_nsec += (long)((due - t) % 1000) * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&D.cond, &D.lock, &until);
		}
		if (D.stop)
			break;
		t = now_ms();
		collect = D.now || t >= next_poll_ms || (D.collect_due_ms && t >= D.collect_due_ms);
		if (collect) {
			D.now = false;
			D.collect_due_ms = 0;
		}
		D.reeval = false;
		cfg = er_config_ref(D.cfg);
		prev = er_snapshot_ref(D.cur);
		pthread_mutex_unlock(&D.lock);

		if (collect) {
			er_nc_collecting(true);
			poke(); /* the main loop releases the cached <get> reply */
			/* partners answer while the host is collected; waits at most their timeouts */
			er_partners_sync(D.partners, cfg);
			er_partners_kick(D.partners);
			obs = observe(cfg, last ? last : prev->obs);
			er_partners_attach(D.partners, obs);
			er_observed_unref(last);
			last = er_observed_ref(obs);
		} else
			obs = er_observed_ref(last ? last : prev->obs);
		t = now_ms();
		for (;;) {
			snap = er_evaluate(cfg, obs, prev, (long long)time(NULL));
			pthread_mutex_lock(&D.lock);
			/* the config changed while evaluating: again with the new one (a few times at most) */
			if (D.cfg == cfg || ++tries > 3 || D.stop)
				break;
			er_config_unref(cfg);
			cfg = er_config_ref(D.cfg);
			D.reeval = false;
			pthread_mutex_unlock(&D.lock);
			er_snapshot_unref(snap);
		}
		pthread_mutex_unlock(&D.lock);
		if (collect)
			er_nc_collecting(false);
		mib = er_mib_new(snap); /* the view's index is built here, off the main thread */
		if (!collect)
			reeval_ok_ms = now_ms() + (now_ms() - t) * REEVAL_IDLE_FACTOR;
		er_observed_unref(obs);
		er_config_unref(cfg);
		er_snapshot_unref(prev);
		if (collect)
			next_poll_ms = now_ms() + (uint64_t)snap->cfg->agent.poll_interval * 1000;

		pthread_mutex_lock(&D.lock);
		er_snapshot_unref(D.posted.snap);
		er_mib_free(D.posted.mib);
		D.posted.collected = collect || D.posted.collected;
		D.posted.snap = snap;
		D.posted.mib = mib;
		if (write(D.wake[1], &c, 1) < 0) {
			/* full: the main thread has a wakeup pending anyway */
		}
	}
	pthread_mutex_unlock(&D.lock);
	er_observed_unref(last);
	return NULL;
}

/*
 * One line per collector whose status (or daemon) changed since @p old, the
 * daemon's own message with it; nothing when nothing changed. The first
 * collection (@p old NULL) says where each source stands.
 */
static void
log_sources(const struct er_observed *old, const struct er_observed *obs)
{
	int i;

	if (old == obs)
		return; /* a re-evaluation of the same observation */
	for (i = 0; i < ER_SRC_COUNT; i++) {
		const struct er_source_status *a = old ? &old->src[i] : NULL, *b = &obs->src[i];
		bool ok = b->status == ER_COLL_OK || b->status == ER_COLL_DISABLED;

		if (a && a->status == b->status && !strcmp(a->daemon, b->daemon))
			continue;
		log_msg(ok ? (a ? ER_LOG_NOTICE : ER_LOG_INFO) : ER_LOG_WARN, "collector %s: %s%s%s%s%s%s%s%s",
		    er_source_name((enum er_source)i), a ? er_collector_status_name(a->status) : "",
		    a ? " -> " : "", er_collector_status_name(b->status), b->daemon[0] ? " (" : "", b->daemon,
		    b->daemon[0] ? ")" : "", b->message[0] ? ": " : "", b->message);
	}
}

/*
 * libyang's messages. Its errors are also stored and reported by whoever
 * called it (an rpc-error, a "bad configuration" line), so here they are
 * debug detail; its warnings are warnings.
 */
static void
ly_log_cb(LY_LOG_LEVEL level, const char *msg, const char *path)
{
	log_msg(level == LY_LLWRN ? ER_LOG_WARN : ER_LOG_DEBUG, "libyang: %s%s%s", msg, path ? " at " : "", path ? path : "");
}

/* Make @p snap the published snapshot; send the events that lead to it. */
static void
publish(struct er_snapshot *snap, struct er_mib *mib, bool collected)
{
	struct er_event_list evs = { NULL, 0, 0 };
	struct er_snapshot *old;

	pthread_mutex_lock(&D.lock);
	old = D.cur;
	D.cur = snap;
	pthread_mutex_unlock(&D.lock);

	er_events_diff(old, snap, &evs);
	log_sources(old ? old->obs : NULL, snap->obs);
	if (!old || old->overall.readiness != snap->overall.readiness)
		log_msg(snap->overall.readiness == ER_READY ? ER_LOG_NOTICE : ER_LOG_WARN,
		    "readiness %s%s%s (%u pass, %u warn, %u fail, %u unknown)", old ? er_readiness_name(old->overall.readiness) : "",
		    old ? " -> " : "", er_readiness_name(snap->overall.readiness), snap->overall.count[ER_PASS],
		    snap->overall.count[ER_WARN], snap->overall.count[ER_FAIL], snap->overall.count[ER_UNKNOWN]);
	er_snmp_publish(mib ? mib : er_mib_new(snap));
	if (evs.n) {
		er_snmp_notify(&evs, now_ms());
		er_nc_notify(&evs, now_ms());
	}
	if (collected) {
		pthread_mutex_lock(&D.lock);
		D.published++;
		pthread_cond_broadcast(&D.published_cond);
		pthread_mutex_unlock(&D.lock);
	}
	er_event_list_free(&evs);
	er_snapshot_unref(old);
	/* The old snapshot was built in the collector thread's arena: give its pages back. */
	malloc_trim(0);
}

static void
poke(void)
{
	unsigned char c = 1;

	if (write(D.poke[1], &c, 1) < 0) {
		/* full: a poke is pending */
	}
}

/*
 * Running changed: the collector evaluates with the new config from now
 * on and both views follow its settings. @p here (SNMP SET, SIGHUP, on the
 * main thread): evaluate it on the last host state at once, so an SNMP
 * manager reading back what it set sees it, and collect afresh now.
 * Otherwise (NETCONF, agent lock held in a session thread): the collector
 * thread re-evaluates its last observation at once and publishes it; the
 * commit does not wait for that, so a burst of commits is not a burst of
 * evaluations. A fresh collection follows a second after the last change.
 */
static void
adopt_config(bool here)
{
	const struct er_config *cfg = er_ds_config(D.ds);

	pthread_mutex_lock(&D.lock);
	er_config_unref(D.cfg);
	D.cfg = er_config_ref(cfg);
	if (here) {
		D.now = true;
	} else {
		D.reeval = true;
		D.collect_due_ms = now_ms() + CONFIG_COLLECT_DELAY_MS;
	}
	pthread_cond_signal(&D.cond);
	pthread_mutex_unlock(&D.lock);
	er_snmp_reconfigure(cfg);
	er_nc_reconfigure(cfg);
	if (here)
		publish(er_evaluate(cfg, D.cur->obs, D.cur, (long long)time(NULL)), NULL, false);
	else
		poke();
	er_config_unref(cfg);
}

static void
config_changed(void *arg)
{
	(void)arg;
	adopt_config(true);
}

static void
config_changed_async(void *arg)
{
	(void)arg;
	adopt_config(false);
}

static struct er_snapshot *
snapshot_ref(void)
{
	struct er_snapshot *s;

	pthread_mutex_lock(&D.lock);
	s = er_snapshot_ref(D.cur);
	pthread_mutex_unlock(&D.lock);
	return s;
}

/* evaluate-now: a fresh collection, published within @p timeout_ms. */
static int
evaluate_now(unsigned timeout_ms)
{
	struct timespec until;
	unsigned long want;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&D.lock);
	/* the collection starting now is published as the second one from here at the latest */
	want = D.published + (D.now ? 2 : 1);
	D.now = true;
	pthread_cond_signal(&D.cond);
	while (D.published < want && rc == 0)
		if (pthread_cond_timedwait(&D.published_cond, &D.lock, &until) == ETIMEDOUT)
			rc = -1;
	pthread_mutex_unlock(&D.lock);
	return rc;
}

static void
take_posted(void)
{
	struct result r;
	unsigned char buf[64];
	bool pending;

	while (read(D.wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&D.lock);
	r = D.posted;
	memset(&D.posted, 0, sizeof(D.posted));
	pthread_mutex_unlock(&D.lock);
	if (!r.snap)
		return;
	pthread_mutex_lock(&D.lock);
	pending = D.reeval;
	pthread_mutex_unlock(&D.lock);
	if (r.snap->cfg != D.cfg && !pending) {
		/*
		 * Evaluated with a config that has changed since (SNMP SET,
		 * SIGHUP): redo it with the current one. After a NETCONF commit
		 * the collector thread re-evaluates anyway (pending): publish
		 * this one meanwhile, it holds the newer observation.
		 */
		struct er_snapshot *s = er_evaluate(D.cfg, r.snap->obs, D.cur, r.snap->evaluated_at);
		er_snapshot_unref(r.snap);
		er_mib_free(r.mib);
		r.snap = s;
		r.mib = NULL;
	}
	publish(r.snap, r.mib, r.collected);
}

static void
reload(void)
{
	char err[ER_ERRLEN], who[300];
	struct lyd_node *old = NULL;
	uint64_t left;

	/* the rule of every writer while a confirmed commit is pending (nc_view.h) */
	if (er_nc_confirm_pending(&left)) {
		log_warnx("SIGHUP: configuration not reloaded, the running one stays: a NETCONF confirmed commit is "
			  "pending (rolled back in %llu s unless confirmed); send SIGHUP again once it is confirmed, "
			  "cancelled or rolled back",
		    (unsigned long long)left);
		return;
	}
	if (er_ds_running(D.ds) && lyd_dup_siblings(er_ds_running(D.ds), NULL, LYD_DUP_RECURSIVE, &old) != LY_SUCCESS)
		fatalx("out of memory");
	if (er_ds_load_file(D.ds, D.o->config_path, err, sizeof(err)) < 0) {
		log_warnx("SIGHUP: configuration not reloaded, the running one stays: %s", err);
		lyd_free_all(old);
		return;
	}
	snprintf(who, sizeof(who), "SIGHUP (reload of %s)", D.o->config_path);
	/* an operator's SIGHUP gets its answer even when the file is as it was */
	if (!er_config_log_change(who, old, er_ds_running(D.ds)))
		log_info("SIGHUP: configuration reloaded from %s, nothing changed", D.o->config_path);
	lyd_free_all(old);
	config_changed(NULL);
}

/* Started as root, the user's; in any case no capability but CAP_NET_BIND_SERVICE until bound. */
static int
drop_begin(const struct er_config *cfg)
{
	const struct er_creds *c = er_privsep_creds(D.ps);
	struct er_view_paths vp = { D.o->state_dir ? D.o->state_dir : ER_DEFAULT_STATE_DIR, D.o->config_path,
		cfg->agent.netconf.enabled && cfg->agent.netconf.unix_enabled ? cfg->agent.netconf.unix_path : NULL,
		cfg->agent.netconf.unix_group };
	char err[ER_ERRLEN];

	if (er_privdrop_view_begin(c, &vp, err, sizeof(err)) < 0) {
		log_warnx("cannot drop privileges: %s", err);
		return -1;
	}
	return 0;
}

static void
log_privileges(void)
{
	const struct er_creds *c = er_privsep_creds(D.ps);
	pid_t pid = er_privsep_collector_pid(D.ps);
	char coll[64] = "";

	if (pid > 0)
		snprintf(coll, sizeof(coll), "; collector process %ld", (long)pid);
	if (c->root && c->uid == 0)
		log_warnx("--user %s: no user switch, both processes stay uid 0 (each with one capability at most; "
			  "this one none%s)", c->user, coll);
	else if (c->root)
		log_info("privileges dropped: user %s, no capability%s (CAP_NET_ADMIN)", c->user, coll);
	else
		log_info("not started as root: running as uid %u without a user switch, no capability left%s", (unsigned)getuid(),
		    coll);
}

static int
pipe_nb(int p[2])
{
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

int
er_daemon_run(const struct er_daemon_opts *o)
{
	char err[ER_ERRLEN];
	struct er_snmp_env env;
	struct sigaction sa;
	sigset_t all, old;
	const struct er_config *cfg;
	struct er_observed *obs;
	bool stop = false;
	int rc = 0;

	memset(&D, 0, sizeof(D));
	D.o = o;
	pthread_condattr_t ca;

	/* The collector process first, while this one has a single thread and nothing open. */
	if (!(D.ps = er_privsep_start(o->user, !o->observed_path, err, sizeof(err)))) {
		log_warnx("%s", err);
		return EXIT_NO_USER;
	}

	/*
	 * With TZ unset glibc's tzset() stats /etc/localtime on every call, and
	 * libyang calls it for every date-and-time value it stores: a thousand
	 * stat()s per state tree. TZ=":/etc/localtime" is the same zone, read once.
	 */
	if (!getenv("TZ"))
		setenv("TZ", ":/etc/localtime", 0);
	tzset();

	pthread_mutex_init(&D.lock, NULL);
	pthread_mutex_init(&D.agent, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a clock step must not move the next poll */
	pthread_cond_init(&D.cond, &ca);
	pthread_cond_init(&D.published_cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pipe_nb(D.wake) < 0 || pipe_nb(D.sig) < 0 || pipe_nb(D.poke) < 0)
		fatal("pipe");
	/* The NETCONF modules go into the datastore's context: edits and replies share it. */
	if (!(D.ds = er_ds_new_with(er_nc_ctx_hook, err, sizeof(err))))
		fatalx("%s", err);
	ly_set_log_clb(ly_log_cb, 1);
	ly_log_options(LY_LOLOG | LY_LOSTORE);
	/* a save killed half-way leaves a temporary copy with every secret in it */
	if (er_cfgfile_clean_temp(o->config_path, err, sizeof(err)) < 0)
		log_warnx("stale temporary files not removed: %s", err);
	if (er_ds_load_file(D.ds, o->config_path, err, sizeof(err)) < 0) {
		log_warnx("bad configuration: %s", err);
		er_ds_free(D.ds);
		er_privsep_free(D.ps);
		return EXIT_BAD_CONFIG;
	}
	cfg = er_ds_config(D.ds);
	D.cfg = cfg;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* First evaluation before serving, so the views never answer from nothing. */
	obs = observe(cfg, NULL);
	D.cur = er_evaluate(cfg, obs, NULL, (long long)time(NULL));
	er_observed_unref(obs);
	/* partner links read unknown until the partners answered: ask them at once, not a poll later */
	if (cfg->agent.n_partners)
		D.now = true;
	log_sources(NULL, D.cur->obs);
	if (!cfg->n_circuits)
		log_notice("no circuit configured: add one with a NETCONF edit-config, or in %s then SIGHUP",
		    o->config_path);
	log_msg(D.cur->overall.readiness == ER_READY ? ER_LOG_NOTICE : ER_LOG_WARN, "readiness %s at start (%zu checks)",
	    er_readiness_name(D.cur->overall.readiness), D.cur->n_results);

	if (drop_begin(cfg) < 0) {
		rc = 1;
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.ds = D.ds;
	env.config_path = o->config_path;
	env.state_dir = o->state_dir;
	env.config_changed = config_changed;
	if (cfg->agent.snmp.enabled) {
		if (er_snmp_start(&cfg->agent.snmp, &env, err, sizeof(err)) < 0) {
			log_warnx("SNMP: %s", err);
			rc = 1;
			goto out;
		}
		er_snmp_reconfigure(cfg);
		er_snmp_publish(er_mib_new(D.cur));
	}
	pthread_mutex_lock(&D.agent);
	if (cfg->agent.netconf.enabled) {
		struct er_nc_env ne = { D.ds, o->config_path, o->state_dir ? o->state_dir : ER_DEFAULT_STATE_DIR, &D.agent,
			snapshot_ref, config_changed_async, evaluate_now, poke, &er_nc_operations };
		D.nc_env = ne;
		if (er_nc_start(D.cfg, &D.nc_env, err, sizeof(err)) < 0) {
			log_warnx("NETCONF: %s", err);
			rc = 1;
			goto out_nc;
		}
	}

	/* bound: nothing left to keep (before the collector thread, which takes no signal) */
	if (er_privdrop_view_end(err, sizeof(err)) < 0) {
		log_warnx("cannot drop the last capabilities: %s", err);
		rc = 1;
		goto out_nc;
	}
	log_privileges();

	/* The collector thread gets no signals: they all come to the main loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	D.partners = er_partners_new(o->state_dir ? o->state_dir : ER_DEFAULT_STATE_DIR);
	if (pthread_create(&D.worker, NULL, worker_main, NULL) != 0)
		fatalx("cannot start the collector thread");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("erreadyd running (poll every %u s)", cfg->agent.poll_interval);

	while (!stop) {
		struct pollfd pfd[MAX_POLLFDS];
		int timeout = -1, n;
		size_t nsnmp;
		uint64_t t = now_ms();

		pfd[0].fd = D.sig[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = D.wake[0];
		pfd[1].events = POLLIN;
		pfd[2].fd = D.poke[0];
		pfd[2].events = POLLIN;
		nsnmp = er_snmp_poll_prepare(pfd + 3, MAX_POLLFDS - 3, &timeout, t);
		er_nc_poll_timeout(&timeout, t);
		pthread_mutex_unlock(&D.agent);
		n = poll(pfd, 3 + nsnmp, timeout);
		if (n < 0 && errno != EINTR)
			fatal("poll");
		pthread_mutex_lock(&D.agent);
		if (n > 0 && (pfd[2].revents & POLLIN)) {
			unsigned char b[64];
			while (read(D.poke[0], b, sizeof(b)) > 0)
				;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			unsigned char sigs[16];
			ssize_t k = read(D.sig[0], sigs, sizeof(sigs)), i;
			for (i = 0; i < k; i++) {
				char how[128];
				if (sigs[i] == SIGHUP)
					reload();
				else if (sigs[i] == SIGCHLD) {
					if (er_privsep_collector_gone(D.ps, how, sizeof(how))) {
						log_warnx("collector process %s: exiting", how);
						_exit(ER_EXIT_PRIVSEP);
					}
				} else {
					log_info("signal %d: stopping", sigs[i]);
					stop = true;
				}
			}
		}
		if (n > 0 && (pfd[1].revents & POLLIN))
			take_posted();
		er_snmp_poll_process(pfd + 3, n > 0 ? nsnmp : 0, now_ms());
		er_nc_process(now_ms());
	}
	/*
	 * The collector thread and the partner fetch threads first (they take
	 * D.lock only): a partner's libssh session must be gone before the
	 * NETCONF server tears libssh down.
	 */
	pthread_mutex_lock(&D.lock);
	D.stop = true;
	pthread_cond_signal(&D.cond);
	pthread_mutex_unlock(&D.lock);
	pthread_join(D.worker, NULL);
	er_partners_free(D.partners);
	D.partners = NULL;
	er_nc_stop();
	pthread_mutex_unlock(&D.agent);
	goto out;
out_nc:
	er_nc_stop();
	pthread_mutex_unlock(&D.agent);
out:
	er_snmp_stop();
	er_snapshot_unref(D.posted.snap);
	er_mib_free(D.posted.mib);
	er_snapshot_unref(D.cur);
	er_config_unref(D.cfg);
	er_ds_free(D.ds);
	close(D.wake[0]);
	close(D.wake[1]);
	close(D.sig[0]);
	close(D.sig[1]);
	close(D.poke[0]);
	close(D.poke[1]);
	pthread_mutex_destroy(&D.lock);
	pthread_mutex_destroy(&D.agent);
	pthread_cond_destroy(&D.cond);
	pthread_cond_destroy(&D.published_cond);
	er_privsep_free(D.ps);
	return rc;
}
