#include "nc_view.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libyang/libyang.h>
#include <nc_server.h>

#include "privdrop.h"
#include "alerts.h"
#include "datastore.h"
#include "log.h"
#include "nc_guard.h"
#include "nc_internal.h"
#include "nc_gate.h"
#include "nc_ssh.h"
#include "nc_log.h"
#include "util.h"

#define NOTIF_SEND_TIMEOUT_MS 5000

const struct er_nc_env *er_nc_env;
struct er_nc_log *er_nc_events;

static struct {
	bool running;
	volatile bool stop;
	pthread_mutex_t lock; /* the session list and the settings below */
	struct er_nc_sess *sessions;
	unsigned n_sessions, n_handshakes;
	uint16_t max_sessions;
	uint16_t max_per_user;   /* handshakes and sessions of one user name */
	uint16_t unix_reserved;  /* places SSH cannot take */
	struct user_places { char user[64]; unsigned n; } *places; /* per user, n > 0 */
	size_t n_places;
	struct er_nc_gate *unix_log; /* rate limit of the UNIX refusal lines (its log part only) */
	uint32_t idle_timeout;
	struct er_nc_limits limits; /* of client messages, shared by every guard */
	struct er_netconf_user *users; /* copy of the configured users */
	size_t n_users;
	bool ssh;
	char host_key[4096];
	int unix_fd;
	char unix_path[108];
	int unix_stop[2];
	pthread_t unix_acceptor;
	bool unix_acceptor_started;
	struct er_alerts *alerts;
	long long start_us;
	/* ietf-netconf-monitoring statistics */
	uint32_t in_sessions, dropped_sessions, in_bad_hellos;
} S = { .unix_fd = -1, .unix_stop = { -1, -1 } };

uint64_t
er_nc_now_ms(void)
{
	return er_now_us() / 1000;
}

long long
er_nc_now_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long long
er_nc_start_time_us(void)
{
	return S.start_us;
}

/* ------------------------------------------------------------------ */
/* users and authentication (called in SSH connection threads) */

static void
users_free(struct er_netconf_user *u, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < u[i].n_keys; j++)
			free(u[i].keys[j]);
		free(u[i].keys);
		free(u[i].password);
	}
	free(u);
}

static struct er_netconf_user *
users_copy(const struct er_netconf_user *src, size_t n)
{
	struct er_netconf_user *u = xcalloc(n ? n : 1, sizeof(*u));
	size_t i, j;

	for (i = 0; i < n; i++) {
		memcpy(u[i].name, src[i].name, sizeof(u[i].name));
		u[i].password = src[i].password ? xstrdup(src[i].password) : NULL;
		u[i].n_keys = src[i].n_keys;
		u[i].keys = xcalloc(src[i].n_keys ? src[i].n_keys : 1, sizeof(char *));
		for (j = 0; j < src[i].n_keys; j++)
			u[i].keys[j] = xstrdup(src[i].keys[j]);
	}
	return u;
}

static const struct er_netconf_user *
user_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < S.n_users; i++)
		if (!strcmp(S.users[i].name, name))
			return &S.users[i];
	return NULL;
}

/* "type base64 [comment]" against the key the client offers */
static bool
key_matches(const char *line, const ssh_key offered)
{
	char type[64], *b64;
	const char *sp = strchr(line, ' ');
	ssh_key k = NULL;
	bool ok = false;
	size_t len;

	if (!sp || (size_t)(sp - line) >= sizeof(type))
		return false;
	memcpy(type, line, (size_t)(sp - line));
	type[sp - line] = '\0';
	b64 = xstrdup(sp + 1);
	len = strcspn(b64, " ");
	b64[len] = '\0';
	if (ssh_pki_import_pubkey_base64(b64, ssh_key_type_from_name(type), &k) == SSH_OK)
		ok = ssh_key_cmp(k, offered, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(k);
	free(b64);
	return ok;
}

/* One line per refused login; the user name is the client's: no control characters reach the log. */
static void
log_auth_failure(const char *host, const char *name, const char *method)
{
	char user[65];
	size_t i;

	snprintf(user, sizeof(user), "%s", name ? name : "");
	for (i = 0; user[i]; i++)
		if ((unsigned char)user[i] < 0x20 || user[i] == 0x7f || user[i] == '"')
			user[i] = '?';
	log_warnx("NETCONF: authentication failure: SSH from %s, user \"%s\", method %s", host, user, method);
}

static bool
pubkey_ok(const char *name, const ssh_key key, const char *host)
{
	const struct er_netconf_user *u;
	bool ok = false;
	size_t i;

	pthread_mutex_lock(&S.lock);
	if ((u = user_find(name)))
		for (i = 0; !ok && i < u->n_keys; i++)
			ok = key_matches(u->keys[i], key);
	pthread_mutex_unlock(&S.lock);
	if (!ok)
		log_auth_failure(host, name, "publickey");
	return ok;
}

static bool
password_ok(const char *name, const char *password, const char *host)
{
	const struct er_netconf_user *u;
	struct crypt_data cd;
	char *hash = NULL;
	bool ok = false;

	pthread_mutex_lock(&S.lock);
	if ((u = user_find(name)) && u->password)
		hash = xstrdup(u->password);
	pthread_mutex_unlock(&S.lock);
	if (hash && password) {
		const char *h;
		memset(&cd, 0, sizeof(cd));
		h = crypt_r(password, hash, &cd);
		ok = h && h[0] != '*' && !strcmp(h, hash);
	}
	free(hash);
	if (!ok)
		log_auth_failure(host, name, "password");
	return ok;
}

/* Password login is offered only while some user has a password. */
static bool
password_offered(void)
{
	bool any = false;
	size_t i;

	pthread_mutex_lock(&S.lock);
	for (i = 0; i < S.n_users; i++)
		if (S.users[i].password)
			any = true;
	pthread_mutex_unlock(&S.lock);
	return any;
}

/* ------------------------------------------------------------------ */
/* host key */

static int
host_key_ready(const char *path, char *err, size_t errlen)
{
	struct stat st;
	ssh_key key = NULL;
	char *b64 = NULL;
	int fd;
	size_t len;

	if (stat(path, &st) == 0) {
		if (st.st_mode & 077)
			log_warnx("NETCONF: host key %s is readable by others (mode %04o); it should be 0600", path,
			    (unsigned)(st.st_mode & 07777));
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
			snprintf(err, errlen, "host key %s: not a private key libssh can read", path);
			return -1;
		}
		ssh_key_free(key);
		return 0;
	}
	if (errno != ENOENT) {
		snprintf(err, errlen, "host key %s: %s", path, strerror(errno));
		return -1;
	}
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &b64) != SSH_OK) {
		ssh_key_free(key);
		snprintf(err, errlen, "host key %s: cannot generate an ed25519 key", path);
		return -1;
	}
	ssh_key_free(key);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "host key %s: cannot create: %s", path, strerror(errno));
		ssh_string_free_char(b64);
		return -1;
	}
	len = strlen(b64);
	if (write(fd, b64, len) != (ssize_t)len || fsync(fd) < 0) {
		snprintf(err, errlen, "host key %s: cannot write: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		ssh_string_free_char(b64);
		return -1;
	}
	close(fd);
	ssh_string_free_char(b64);
	log_info("NETCONF: created SSH host key %s (ed25519)", path);
	return 0;
}

/* ------------------------------------------------------------------ */
/* sessions */

struct er_nc_sess *
er_nc_sess_of(const struct nc_session *s)
{
	return nc_session_get_data(s);
}

bool
er_nc_sess_with(uint32_t id, void (*fn)(struct er_nc_sess *ss, void *arg), void *arg)
{
	struct er_nc_sess *ss;
	bool found = false;

	pthread_mutex_lock(&S.lock);
	for (ss = S.sessions; ss; ss = ss->next)
		if (ss->id == id) {
			fn(ss, arg);
			found = true;
			break;
		}
	pthread_mutex_unlock(&S.lock);
	return found;
}

void
er_nc_sess_wake(struct er_nc_sess *ss)
{
	unsigned char c = 1;

	if (write(ss->wake[1], &c, 1) < 0) {
		/* full: a wakeup is pending */
	}
}

void
er_nc_sessions_state(struct lyd_node *sessions)
{
	const struct lys_module *mod = lyd_owner_module(sessions);
	struct er_nc_sess *ss;
	char b[64];

	pthread_mutex_lock(&S.lock);
	for (ss = S.sessions; ss; ss = ss->next) {
		struct lyd_node *n;
		snprintf(b, sizeof(b), "%u", ss->id);
		if (!ss->s || lyd_new_list(sessions, mod, "session", 0, &n, b) != LY_SUCCESS)
			continue;
		/* ietf-netconf-monitoring@2010-10-04 has no identity for a UNIX socket; it carries the SSH channel's framing */
		lyd_new_term(n, mod, "transport", "netconf-ssh", 0, NULL);
		lyd_new_term(n, mod, "username", ss->user, 0, NULL);
		if (ss->host[0])
			lyd_new_term(n, mod, "source-host", ss->host, 0, NULL);
		er_nc_time_str((long long)ss->login * 1000000, b, sizeof(b));
		lyd_new_term(n, mod, "login-time", b, 0, NULL);
		snprintf(b, sizeof(b), "%u", ss->in_rpcs);
		lyd_new_term(n, mod, "in-rpcs", b, 0, NULL);
		snprintf(b, sizeof(b), "%u", ss->in_bad_rpcs);
		lyd_new_term(n, mod, "in-bad-rpcs", b, 0, NULL);
		snprintf(b, sizeof(b), "%u", ss->out_rpc_errors);
		lyd_new_term(n, mod, "out-rpc-errors", b, 0, NULL);
		snprintf(b, sizeof(b), "%u", ss->out_notifications);
		lyd_new_term(n, mod, "out-notifications", b, 0, NULL);
	}
	pthread_mutex_unlock(&S.lock);
}

void
er_nc_statistics_state(struct lyd_node *stats)
{
	const struct lys_module *mod = lyd_owner_module(stats);
	char b[64];

	lyd_new_term(stats, mod, "netconf-start-time", er_nc_time_str(S.start_us, b, sizeof(b)), 0, NULL);
	pthread_mutex_lock(&S.lock);
	snprintf(b, sizeof(b), "%u", S.in_bad_hellos);
	lyd_new_term(stats, mod, "in-bad-hellos", b, 0, NULL);
	snprintf(b, sizeof(b), "%u", S.in_sessions);
	lyd_new_term(stats, mod, "in-sessions", b, 0, NULL);
	snprintf(b, sizeof(b), "%u", S.dropped_sessions);
	lyd_new_term(stats, mod, "dropped-sessions", b, 0, NULL);
	pthread_mutex_unlock(&S.lock);
}

/* Handshakes and sessions of @p user, under S.lock. */
static struct user_places *
places_of(const char *user, bool create)
{
	size_t i;

	for (i = 0; i < S.n_places; i++)
		if (!strcmp(S.places[i].user, user))
			return &S.places[i];
	if (!create)
		return NULL;
	S.places = xreallocarray(S.places, S.n_places + 1, sizeof(*S.places));
	memset(&S.places[S.n_places], 0, sizeof(S.places[0]));
	snprintf(S.places[S.n_places].user, sizeof(S.places[0].user), "%s", user);
	return &S.places[S.n_places++];
}

/* A handshake or session of @p user ended; under S.lock. */
static void
places_put(const char *user)
{
	struct user_places *p = places_of(user, false);

	if (p && !--p->n)
		*p = S.places[--S.n_places];
}

/*
 * Reserve a place for a new connection of @p user; NULL when it may have
 * one, else why not. Places are kept so that nobody locks the operators
 * out: SSH leaves unix-reserved-sessions of max-sessions to the UNIX
 * socket, one user name has at most max-sessions-per-user, and root on the
 * UNIX socket (@p recovery, uid 0 by SO_PEERCRED) always gets in: it is the
 * recovery path, as RFC 8341's recovery session.
 */
static const char *
slot_take(const char *user, bool unix_transport, bool recovery)
{
	const char *why = NULL;
	struct user_places *p;
	unsigned cap;

	pthread_mutex_lock(&S.lock);
	p = places_of(user, true);
	cap = unix_transport ? S.max_sessions :
	    S.max_sessions > S.unix_reserved ? (unsigned)(S.max_sessions - S.unix_reserved) : 1u;
	if (S.stop)
		why = "erreadyd stopping";
	else if (recovery)
		;
	else if (p->n >= S.max_per_user)
		why = "max-sessions-per-user reached";
	else if (S.n_sessions + S.n_handshakes >= cap)
		why = unix_transport ? "max-sessions reached" : "max-sessions reached (the rest is kept for the UNIX socket)";
	if (!why) {
		S.n_handshakes++;
		p->n++;
	} else if (!p->n)
		places_put(user);
	pthread_mutex_unlock(&S.lock);
	return why;
}

static void
sess_free(struct er_nc_sess *ss)
{
	er_close_fds(ss->wake, 2);
	er_nc_filter_clear(&ss->filter);
	free(ss);
}

static int
sess_poll_timeout(struct er_nc_sess *ss, uint64_t now)
{
	uint64_t until = UINT64_MAX, sub = er_nc_env->ops->sub_deadline(ss);
	uint32_t idle;

	pthread_mutex_lock(&S.lock);
	idle = S.idle_timeout;
	pthread_mutex_unlock(&S.lock);
	if (idle && !ss->subscribed)
		until = ss->last_rpc_ms + (uint64_t)idle * 1000;
	if (sub < until)
		until = sub;
	if (until == UINT64_MAX)
		return -1;
	return until <= now ? 0 : (int)((until - now) > 3600000 ? 3600000 : until - now);
}

static void
sess_count(struct er_nc_sess *ss, int r)
{
	pthread_mutex_lock(&S.lock);
	if (r & NC_PSPOLL_RPC)
		ss->in_rpcs++;
	if (r & NC_PSPOLL_BAD_RPC) {
		ss->in_rpcs++;
		ss->in_bad_rpcs++;
	}
	if (r & NC_PSPOLL_REPLY_ERROR)
		ss->out_rpc_errors++;
	pthread_mutex_unlock(&S.lock);
}

/* The guard answered a client message itself (its thread). */
static void
guard_bad(void *arg, uint32_t sid, const char *why)
{
	struct er_nc_sess *ss = arg;

	pthread_mutex_lock(&S.lock);
	ss->in_rpcs++;
	ss->in_bad_rpcs++;
	ss->out_rpc_errors++;
	pthread_mutex_unlock(&S.lock);
	log_info("NETCONF: session %u: rejected a message: %s", sid, why);
}

/* Read and answer everything the session has pending. Returns -1 when it ended. */
static int
sess_drain(struct er_nc_sess *ss)
{
	struct nc_session *x;
	int r;

	for (;;) {
		r = nc_ps_poll(ss->ps, 0, &x);
		if (r & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC)) {
			ss->last_rpc_ms = er_nc_now_ms();
			sess_count(ss, r);
		}
		if (r & (NC_PSPOLL_SESSION_TERM | NC_PSPOLL_SESSION_ERROR | NC_PSPOLL_ERROR | NC_PSPOLL_NOSESSIONS))
			return -1;
		if (r & NC_PSPOLL_TIMEOUT)
			return 0;
		if (!(r & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC | NC_PSPOLL_SSH_MSG)))
			return 0;
	}
}

static void *
sess_main(void *arg)
{
	struct er_nc_sess *ss = arg, **pp;
	const char *why = "closed";

	{
		/* the hello runs here, so a client that stalls holds only its own thread */
		NC_MSG_TYPE m = NC_MSG_ERROR;
		int inner = -1;

		/* the guard reads the client; libnetconf2 gets what it passes on */
		if ((ss->guard = er_nc_guard_start(ss->fd, er_ds_ctx(er_nc_env->ds), &S.limits, guard_bad, ss, &S.stop,
			 &inner)))
			ss->fd = inner;
		else
			log_warnx("NETCONF: cannot start the message guard for a client: %s", strerror(errno));
		if (ss->guard)
			m = nc_accept_inout(ss->fd, ss->fd, ss->user, &ss->s);
		if (m != NC_MSG_HELLO) {
			char summary[160] = "";
			bool log = true;

			pthread_mutex_lock(&S.lock);
			S.n_handshakes--;
			places_put(ss->user);
			S.in_bad_hellos++;
			/* a local flood of silent clients: a few lines, then one summary per interval */
			if (S.unix_log && ss->unix_transport)
				log = er_nc_gate_log_ok(S.unix_log, er_nc_now_ms(), summary, sizeof(summary));
			pthread_mutex_unlock(&S.lock);
			if (summary[0])
				log_warnx("NETCONF: UNIX socket: %s", summary);
			if (log)
				log_info("NETCONF: %s client (user %s%s%s) did not complete its hello",
				    ss->unix_transport ? "UNIX" : "SSH", ss->user, ss->host[0] ? ", from " : "", ss->host);
			close(ss->fd); /* libnetconf2 never closes the fds of nc_accept_inout() */
			er_nc_guard_join(ss->guard);
			sess_free(ss);
			nc_thread_destroy();
			return NULL;
		}
	}
	ss->id = nc_session_get_id(ss->s);
	ss->login = time(NULL);
	ss->last_rpc_ms = er_nc_now_ms();
	nc_session_set_data(ss->s, ss);
	ss->ps = nc_ps_new();
	nc_ps_add_session(ss->ps, ss->s);
	pthread_mutex_lock(&S.lock);
	S.n_handshakes--;
	S.in_sessions++;
	S.n_sessions++;
	ss->next = S.sessions;
	S.sessions = ss;
	pthread_mutex_unlock(&S.lock);
	log_info("NETCONF: session %u opened (%s, user %s%s%s)", ss->id, ss->unix_transport ? "UNIX" : "SSH", ss->user,
	    ss->host[0] ? ", from " : "", ss->host);

	/* Anything that came with the hello is already buffered. */
	if (sess_drain(ss) < 0)
		goto end;
	while (!S.stop) {
		struct pollfd pfd[2] = { { ss->fd, POLLIN, 0 }, { ss->wake[0], POLLIN, 0 } };
		int n = poll(pfd, 2, sess_poll_timeout(ss, er_nc_now_ms()));
		uint64_t now = er_nc_now_ms();
		uint32_t idle;

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			unsigned char buf[64];
			while (read(ss->wake[0], buf, sizeof(buf)) > 0)
				;
		}
		if (ss->killed) {
			nc_session_set_term_reason(ss->s, NC_SESSION_TERM_KILLED);
			nc_session_set_killed_by(ss->s, ss->killed_by);
			why = "killed";
			break;
		}
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if (sess_drain(ss) < 0)
				break;
		}
		if (ss->subscribed && er_nc_env->ops->deliver(ss) < 0) {
			why = "broken while sending notifications";
			break;
		}
		pthread_mutex_lock(&S.lock);
		idle = S.idle_timeout;
		pthread_mutex_unlock(&S.lock);
		if (idle && !ss->subscribed && now >= ss->last_rpc_ms + (uint64_t)idle * 1000) {
			nc_session_set_term_reason(ss->s, NC_SESSION_TERM_TIMEOUT);
			why = "idle timeout";
			break;
		}
	}
end:
	if (S.stop)
		why = "erreadyd stopping";
	pthread_mutex_lock(&S.lock);
	for (pp = &S.sessions; *pp; pp = &(*pp)->next)
		if (*pp == ss) {
			*pp = ss->next;
			break;
		}
	S.n_sessions--;
	places_put(ss->user);
	if (ss->killed || !strcmp(why, "idle timeout"))
		S.dropped_sessions++;
	pthread_mutex_unlock(&S.lock);

	pthread_mutex_lock(er_nc_env->lock);
	er_nc_env->ops->session_end(ss);
	pthread_mutex_unlock(er_nc_env->lock);

	log_info("NETCONF: session %u %s", ss->id, why);
	nc_ps_del_session(ss->ps, ss->s);
	nc_ps_free(ss->ps);
	if (nc_session_get_status(ss->s) == NC_STATUS_RUNNING)
		nc_session_set_status(ss->s, NC_STATUS_INVALID);
	nc_session_free(ss->s, NULL);
	close(ss->fd);
	er_nc_guard_join(ss->guard);
	sess_free(ss);
	nc_thread_destroy();
	return NULL;
}

static int
sess_spawn(struct er_nc_sess *ss)
{
	pthread_attr_t a;
	sigset_t all, old;
	int rc;

	if (pipe2(ss->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	sigdelset(&all, er_privdrop_signal()); /* capabilities dropped per thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&ss->th, &a, sess_main, ss);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
	return rc ? -1 : 0;
}

/* nc_ssh.c: a connection authenticated, with a netconf subsystem; @p fd carries it. */
static bool
ssh_handed(int fd, const char *user, const char *host)
{
	struct er_nc_sess *ss;
	const char *why;

	if ((why = slot_take(user, false, false))) {
		pthread_mutex_lock(&S.lock);
		S.dropped_sessions++;
		pthread_mutex_unlock(&S.lock);
		log_warnx("NETCONF: %s, SSH session of %s from %s closed", why, user, host);
		close(fd);
		return false;
	}
	ss = xcalloc(1, sizeof(*ss));
	ss->fd = fd;
	ss->wake[0] = ss->wake[1] = -1;
	snprintf(ss->user, sizeof(ss->user), "%s", user);
	snprintf(ss->host, sizeof(ss->host), "%s", host);
	if (sess_spawn(ss) < 0) {
		log_warnx("NETCONF: cannot serve the SSH session from %s", host);
		pthread_mutex_lock(&S.lock);
		S.n_handshakes--;
		places_put(ss->user);
		pthread_mutex_unlock(&S.lock);
		close(fd);
		sess_free(ss);
		return false;
	}
	return true;
}

static void
ssh_failed(const char *host, const char *why, bool log)
{
	pthread_mutex_lock(&S.lock);
	S.in_bad_hellos++;
	pthread_mutex_unlock(&S.lock);
	if (log)
		log_info("NETCONF: SSH connection from %s: %s", host, why);
}

static const struct er_nc_ssh_hooks ssh_hooks = {
	.pubkey_ok = pubkey_ok,
	.password_ok = password_ok,
	.password_offered = password_offered,
	.session = ssh_handed,
	.failed = ssh_failed,
};

static void *
unix_acceptor(void *arg)
{
	(void)arg;
	while (!S.stop) {
		struct pollfd pfd[2] = { { S.unix_fd, POLLIN, 0 }, { S.unix_stop[0], POLLIN, 0 } };
		struct er_nc_sess *ss;
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		struct passwd pw, *pwp = NULL;
		char pwbuf[1024];
		const char *why;
		bool have_cred;
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (S.stop || (pfd[1].revents & POLLIN))
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		if ((fd = accept4(S.unix_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		ss = xcalloc(1, sizeof(*ss));
		ss->fd = fd;
		ss->unix_transport = true;
		ss->wake[0] = ss->wake[1] = -1;
		have_cred = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0;
		if (have_cred && getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 && pwp)
			snprintf(ss->user, sizeof(ss->user), "%s", pw.pw_name);
		else
			snprintf(ss->user, sizeof(ss->user), "uid%u", have_cred ? (unsigned)cred.uid : 0u);
		/* only root on the local socket bypasses access control (RFC 8341 3.2) */
		ss->recovery = have_cred && cred.uid == 0;
		if ((why = slot_take(ss->user, true, have_cred && cred.uid == 0))) {
			char summary[160];
			bool log;

			pthread_mutex_lock(&S.lock);
			S.dropped_sessions++;
			log = er_nc_gate_log_ok(S.unix_log, er_nc_now_ms(), summary, sizeof(summary));
			pthread_mutex_unlock(&S.lock);
			if (summary[0])
				log_warnx("NETCONF: UNIX socket: %s", summary);
			if (log)
				log_warnx("NETCONF: %s, UNIX connection of %s closed", why, ss->user);
			close(fd);
			sess_free(ss);
			continue;
		}
		if (sess_spawn(ss) < 0) {
			pthread_mutex_lock(&S.lock);
			S.n_handshakes--;
			places_put(ss->user);
			pthread_mutex_unlock(&S.lock);
			close(fd);
			sess_free(ss);
		}
	}
	return NULL;
}

static int
unix_listen(const struct er_netconf_cfg *c, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat st;
	char dir[sizeof(sa.sun_path)], *slash;
	gid_t gid = (gid_t)-1;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(c->unix_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "unix-socket path %s is too long", c->unix_path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->unix_path);
	snprintf(dir, sizeof(dir), "%s", c->unix_path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "unix-socket directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (c->unix_group[0]) {
		struct group gr, *grp = NULL;
		char buf[4096];
		if (getgrnam_r(c->unix_group, &gr, buf, sizeof(buf), &grp) != 0 || !grp) {
			snprintf(err, errlen, "unix-socket group %s: no such group", c->unix_group);
			return -1;
		}
		gid = grp->gr_gid;
	}
	/* A socket left by a previous run goes; a live one or anything else at that path stays. */
	if (lstat(c->unix_path, &st) == 0) {
		int probe;
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "unix-socket path %s exists and is not a socket", c->unix_path);
			return -1;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
		    connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			snprintf(err, errlen, "unix-socket %s is in use by another process", c->unix_path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(c->unix_path);
	}
	/*
	 * Bound under a temporary name, given its mode and group, listening, and
	 * only then renamed into place: a client that sees the path can connect
	 * (no ECONNREFUSED while the daemon starts) and never to a socket with
	 * the umask's mode. A path too long for the suffix is bound in place.
	 */
	{
		char tmp[sizeof(sa.sun_path)];
		int n = snprintf(tmp, sizeof(tmp), "%s.%ld", c->unix_path, (long)getpid());
		const char *at = n > 0 && (size_t)n < sizeof(tmp) ? tmp : c->unix_path;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at);
		if (at != c->unix_path)
			unlink(at);
		if ((S.unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
		    bind(S.unix_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			snprintf(err, errlen, "unix-socket %s: %s", c->unix_path, strerror(errno));
			er_close_fds(&S.unix_fd, 1);
			return -1;
		}
		if (chmod(at, c->unix_mode) < 0 || (gid != (gid_t)-1 && chown(at, (uid_t)-1, gid) < 0) ||
		    listen(S.unix_fd, 64) < 0 || (at != c->unix_path && rename(at, c->unix_path) < 0)) {
			snprintf(err, errlen, "unix-socket %s: %s", c->unix_path, strerror(errno));
			unlink(at);
			er_close_fds(&S.unix_fd, 1);
			return -1;
		}
	}
	snprintf(S.unix_path, sizeof(S.unix_path), "%s", c->unix_path);
	return 0;
}

static void
nc_log_cb(const struct nc_session *s, NC_VERB_LEVEL level, const char *msg)
{
	uint32_t id = s ? nc_session_get_id(s) : 0;

	if (level == NC_VERB_ERROR)
		log_warnx("NETCONF%s%.0u: %s", id ? " session " : "", id, msg);
	else if (level == NC_VERB_WARNING)
		log_notice("NETCONF%s%.0u: %s", id ? " session " : "", id, msg);
	else
		log_debug("NETCONF: %s", msg);
}

static char *
state_path(const char *state_dir, const char *name)
{
	char *p = NULL;

	if (name[0] == '/')
		return xstrdup(name);
	if (asprintf(&p, "%s/%s", state_dir, name) < 0)
		fatalx("out of memory");
	return p;
}

/* agent/netconf/ssh/connection-limits into nc_ssh.c's gate; the YANG file's units are seconds */
static void
ssh_limits(const struct er_nc_conn_limits *l)
{
	struct er_nc_gate_cfg g = {
		.start = l->startups_start < l->startups_full ? l->startups_start : l->startups_full,
		.rate = l->startups_rate,
		.full = l->startups_full,
		.per_source = l->per_source,
		.penalty_authfail_ms = l->pen_authfail * 1000,
		.penalty_noauth_ms = l->pen_noauth * 1000,
		.penalty_grace_ms = l->pen_grace * 1000,
		.penalty_min_ms = l->pen_min * 1000,
		.penalty_max_ms = l->pen_max * 1000,
		.log_burst = l->log_burst,
		.log_interval_ms = l->log_interval * 1000u,
	};

	er_nc_ssh_configure(&g, l->login_grace * 1000u);
}

static void
settings(const struct er_config *cfg)
{
	const struct er_netconf_cfg *c = &cfg->agent.netconf;

	pthread_mutex_lock(&S.lock);
	users_free(S.users, S.n_users);
	S.users = users_copy(c->users, c->n_users);
	S.n_users = c->n_users;
	S.idle_timeout = c->idle_timeout;
	S.max_sessions = c->max_sessions;
	S.max_per_user = c->max_sessions_per_user;
	S.unix_reserved = c->unix_reserved_sessions;
	{
		struct er_nc_gate_cfg lg = { .log_burst = c->limits.log_burst, .log_interval_ms = c->limits.log_interval * 1000u };

		if (S.unix_log)
			er_nc_gate_configure(S.unix_log, &lg);
		else
			S.unix_log = er_nc_gate_new(&lg);
	}
	pthread_mutex_unlock(&S.lock);
	er_nc_limits_set(&S.limits, c->max_message_size, c->max_buffered);
	ssh_limits(&c->limits);
	nc_server_set_hello_timeout(c->hello_timeout);
	er_alerts_configure(S.alerts, cfg->agent.alert_hold_down, c->event_log_size ? c->event_log_size : 1,
	    10000);
	if (er_nc_events)
		er_nc_log_resize(er_nc_events, c->event_log_size);
}

int
er_nc_start(const struct er_config *cfg, const struct er_nc_env *env, char *err, size_t errlen)
{
	const struct er_netconf_cfg *c = &cfg->agent.netconf;
	struct ly_ctx *ctx = er_ds_ctx(env->ds);
	struct lysc_node *gs;
	char cap[160];
	char *p;
	sigset_t all, old;

	memset(&S, 0, sizeof(S));
	er_nc_guard_init();
	S.unix_fd = -1;
	S.unix_stop[0] = S.unix_stop[1] = -1;
	pthread_mutex_init(&S.lock, NULL);
	S.start_us = er_nc_now_real_us();
	er_nc_env = env;
	if (mkdir(env->state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "state directory %s: %s", env->state_dir, strerror(errno));
		return -1;
	}

	nc_verbosity(NC_VERB_WARNING);
	nc_set_print_clb_session(nc_log_cb);
	if (nc_server_init(ctx) != 0) {
		snprintf(err, errlen, "libnetconf2 did not initialise");
		return -1;
	}
	S.running = true;
	/*
	 * libnetconf2 2.0.24's own get-schema handler corrupts libyang 2.1.30's
	 * dictionary (a string inserted twice): answer it ourselves.
	 */
	if ((gs = (struct lysc_node *)lys_find_path(ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0)))
		gs->priv = NULL;
	nc_set_global_rpc_clb(env->ops->dispatch);
	nc_server_set_capab_withdefaults(NC_WD_EXPLICIT, NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM);
	nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0");
	nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0");
	/*
	 * YANG 1.1 modules are listed only in the yang library, never in the
	 * hello (RFC 7950 5.6.4). libnetconf2 advertises the library with
	 * RFC 8525's yang-library:1.1 capability; yuma123's yangcli (Debian
	 * bookworm) knows only RFC 7895's yang-library:1.0 and, seeing it, reads
	 * /modules-state (which we serve, with the same module-set-id) and loads
	 * our module through get-schema: no --module or --modpath needed.
	 */
	snprintf(cap, sizeof(cap), "urn:ietf:params:netconf:capability:yang-library:1.0?revision=2019-01-04&module-set-id=%u",
	    ly_ctx_get_change_count(ctx));
	nc_server_set_capability(cap);
	nc_server_set_idle_timeout(0); /* ours, in the session threads */

	S.alerts = er_alerts_new();
	p = state_path(env->state_dir, "netconf-events.log");
	er_nc_events = er_nc_log_open(ctx, p, c->event_log_size);
	free(p);
	if (env->ops->init(cfg, err, errlen) < 0)
		return -1;

	settings(cfg);
	if (c->ssh_enabled) {
		p = state_path(env->state_dir, c->host_key);
		snprintf(S.host_key, sizeof(S.host_key), "%s", p);
		free(p);
		if (host_key_ready(S.host_key, err, errlen) < 0)
			return -1;
		if (er_nc_ssh_start(c->ssh_address, c->ssh_port, S.host_key, &ssh_hooks, &S.stop, err, errlen) < 0)
			return -1;
		S.ssh = true;
	}
	if (c->unix_enabled && unix_listen(c, err, errlen) < 0)
		return -1;

	/* Our threads take no signals: they all go to the daemon's loop. */
	sigfillset(&all);
	sigdelset(&all, er_privdrop_signal()); /* capabilities dropped per thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (S.unix_fd >= 0 && pipe2(S.unix_stop, O_CLOEXEC) == 0 &&
	    pthread_create(&S.unix_acceptor, NULL, unix_acceptor, NULL) == 0)
		S.unix_acceptor_started = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (c->ssh_enabled)
		log_info("NETCONF: SSH on %s port %u", c->ssh_address, c->ssh_port);
	if (S.unix_fd >= 0)
		log_info("NETCONF: UNIX socket %s (mode %04o)", c->unix_path, c->unix_mode);
	return 0;
}

void
er_nc_stop(void)
{
	struct er_nc_sess *ss;
	unsigned char c = 1;
	int waited;

	if (!S.running)
		return;
	S.stop = true;
	if (S.unix_acceptor_started) {
		if (write(S.unix_stop[1], &c, 1) < 0) {
			/* cannot happen with an empty pipe */
		}
		pthread_join(S.unix_acceptor, NULL);
	}
	if (S.ssh) {
		/* its connection threads end within a poll step; sessions they handed over go on below */
		pthread_mutex_unlock(er_nc_env->lock);
		er_nc_ssh_stop();
		pthread_mutex_lock(er_nc_env->lock);
		S.ssh = false;
	}
	/* Session threads are detached: wake them and wait until the list is empty. */
	for (waited = 0; waited < 1000; waited++) {
		unsigned left;
		pthread_mutex_lock(&S.lock);
		for (ss = S.sessions; ss; ss = ss->next)
			er_nc_sess_wake(ss);
		left = S.n_sessions + S.n_handshakes;
		pthread_mutex_unlock(&S.lock);
		if (!left)
			break;
		/* session threads take the agent lock to end: let them */
		pthread_mutex_unlock(er_nc_env->lock);
		usleep(10 * 1000);
		pthread_mutex_lock(er_nc_env->lock);
	}
	if (S.unix_fd >= 0) {
		close(S.unix_fd);
		unlink(S.unix_path);
	}
	er_close_fds(S.unix_stop, 2);
	er_nc_env->ops->fini();
	nc_server_destroy();
	er_nc_log_close(er_nc_events);
	er_nc_events = NULL;
	er_alerts_free(S.alerts);
	users_free(S.users, S.n_users);
	S.users = NULL;
	free(S.places);
	S.places = NULL;
	S.n_places = 0;
	er_nc_gate_free(S.unix_log);
	S.unix_log = NULL;
	S.running = false;
	pthread_mutex_destroy(&S.lock);
}

void
er_nc_reconfigure(const struct er_config *cfg)
{
	if (S.running)
		settings(cfg);
}

/* ------------------------------------------------------------------ */
/* alerts -> event log -> subscribers */

void
er_nc_notify(const struct er_event_list *evs, uint64_t now_ms)
{
	if (S.running)
		er_alerts_push(S.alerts, evs, now_ms);
}

void
er_nc_poll_timeout(int *timeout_ms, uint64_t now_ms)
{
	uint64_t next;

	if (!S.running)
		return;
	next = er_alerts_next_ms(S.alerts, now_ms);
	if (next != UINT64_MAX) {
		int t = next <= now_ms ? 0 : (int)(next - now_ms > 3600000 ? 3600000 : next - now_ms);
		if (*timeout_ms < 0 || t < *timeout_ms)
			*timeout_ms = t;
	}
	er_nc_env->ops->timeout(timeout_ms, now_ms);
}

void
er_nc_process(uint64_t now_ms)
{
	struct er_event ev;
	struct er_nc_sess *ss;
	bool any = false;

	if (!S.running)
		return;
	while (er_alerts_pop(S.alerts, now_ms, &ev)) {
		struct lyd_node *n = er_nc_event_tree(er_ds_ctx(er_nc_env->ds), &ev);
		if (n) {
			er_nc_log_append(er_nc_events, n, er_nc_now_real_us());
			any = true;
		}
	}
	if (any) {
		pthread_mutex_lock(&S.lock);
		for (ss = S.sessions; ss; ss = ss->next)
			if (ss->subscribed)
				er_nc_sess_wake(ss);
		pthread_mutex_unlock(&S.lock);
	}
	er_nc_env->ops->process(now_ms);
}

uint32_t
er_nc_running_lock_holder(void)
{
	return S.running ? er_nc_env->ops->lock_holder(0) : 0;
}

bool
er_nc_confirm_pending(uint64_t *left_s)
{
	return S.running && er_nc_env->ops->confirm_pending(left_s);
}

int
er_nc_send_notif(struct er_nc_sess *ss, struct lyd_node *tree, long long time_us)
{
	struct nc_server_notif *nf;
	char ts[64];
	NC_MSG_TYPE m;

	er_nc_time_str(time_us, ts, sizeof(ts));
	nf = nc_server_notif_new(tree, strdup(ts), NC_PARAMTYPE_FREE);
	if (!nf) {
		lyd_free_all(tree);
		return -1;
	}
	m = nc_server_notif_send(ss->s, nf, NOTIF_SEND_TIMEOUT_MS);
	nc_server_notif_free(nf);
	if (m != NC_MSG_NOTIF)
		return -1;
	pthread_mutex_lock(&S.lock);
	ss->out_notifications++;
	pthread_mutex_unlock(&S.lock);
	return 0;
}
