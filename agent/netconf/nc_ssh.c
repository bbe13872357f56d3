/*
 * erreadyd's SSH server for NETCONF (see nc_ssh.h).
 */
#include "nc_ssh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "log.h"
#include "privdrop.h"
#include "nc_gate.h"
#include "util.h"

#define AUTH_MAX_FAILS 6      /* refused keys and passwords, per connection (sshd's MaxAuthTries) */
/*
 * A refused password waits this long before the answer, in its own
 * connection's thread: guessing over one connection slows to 2/s, and
 * the per-source penalty (nc_gate.h) stops it over many connections.
 */
#define PASSWORD_FAIL_DELAY_MS 500
#define LOOP_MS 200           /* how soon a stop is seen before the session (a session waits on the stop pipe) */
#define RELAY_HIGH (256 * 1024)
#define RELAY_READ (32 * 1024)

static struct {
	bool running;
	const volatile bool *stop;
	struct er_nc_ssh_hooks h;
	ssh_bind bind;
	int lfd;
	int wake[2];
	pthread_t acceptor;
	pthread_mutex_t lock;
	pthread_cond_t gone;
	unsigned conns;
	struct er_nc_gate *gate; /* unauthenticated connections, under lock */
	struct er_nc_gate_cfg gcfg;
	unsigned grace_ms;       /* login grace time: key exchange to netconf subsystem */
} X = { .lfd = -1, .wake = { -1, -1 } };

/* sshd_config(5)'s defaults (OpenSSH 9.8), a login grace time of 10 s */
static const struct er_nc_gate_cfg gate_defaults = {
	.start = 10, .rate = 30, .full = 100, .per_source = 10,
	.penalty_authfail_ms = 5000, .penalty_noauth_ms = 1000, .penalty_grace_ms = 10000,
	.penalty_min_ms = 15000, .penalty_max_ms = 600000,
	.log_burst = 10, .log_interval_ms = 60000,
};

struct conn {
	ssh_session s;
	ssh_channel ch;
	int fd;
	char host[64];
	char user[64];
	bool authed, subsystem, failed;
	int fails;
	char asked[48]; /* the last thing refused on the channel: "exec", "subsystem sftp" */
	struct ssh_channel_callbacks_struct ccb; /* the channel's, set as it opens */
	/* relay */
	int sp;                 /* our end of the socketpair */
	struct er_buf in, out;  /* client -> sp, sp -> client */
	bool cli_eof, sp_shut, sp_eof;
	short sp_events;        /* what the event loop polls on sp */
};

/* ------------------------------------------------------------------ */
/* handshake callbacks */

static int
auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *key, char state, void *ud)
{
	struct conn *c = ud;

	(void)s;
	if ((state == SSH_PUBLICKEY_STATE_NONE || state == SSH_PUBLICKEY_STATE_VALID) &&
	    X.h.pubkey_ok(user, key, c->host)) {
		if (state == SSH_PUBLICKEY_STATE_VALID) {
			snprintf(c->user, sizeof(c->user), "%s", user);
			c->authed = true;
		}
		return SSH_AUTH_SUCCESS; /* for a probe: the key would do */
	}
	if (++c->fails >= AUTH_MAX_FAILS)
		c->failed = true;
	return SSH_AUTH_DENIED;
}

static int
auth_password(ssh_session s, const char *user, const char *password, void *ud)
{
	struct conn *c = ud;

	(void)s;
	if (X.h.password_offered() && X.h.password_ok(user, password, c->host)) {
		snprintf(c->user, sizeof(c->user), "%s", user);
		c->authed = true;
		return SSH_AUTH_SUCCESS;
	}
	if (!*X.stop)
		nanosleep(&(struct timespec){ PASSWORD_FAIL_DELAY_MS / 1000, (PASSWORD_FAIL_DELAY_MS % 1000) * 1000000L },
		    NULL);
	if (++c->fails >= AUTH_MAX_FAILS)
		c->failed = true;
	return SSH_AUTH_DENIED;
}

static int
subsystem_req(ssh_session s, ssh_channel ch, const char *name, void *ud)
{
	struct conn *c = ud;

	(void)s;
	(void)ch;
	if (strcmp(name, "netconf") || c->subsystem) {
		snprintf(c->asked, sizeof(c->asked), "subsystem %.30s", name);
		return 1;
	}
	c->subsystem = true;
	return 0;
}

static int
exec_req(ssh_session s, ssh_channel ch, const char *command, void *ud)
{
	(void)s;
	(void)ch;
	(void)command;
	snprintf(((struct conn *)ud)->asked, sizeof(((struct conn *)ud)->asked), "a command");
	return 1;
}

static int
shell_req(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	snprintf(((struct conn *)ud)->asked, sizeof(((struct conn *)ud)->asked), "a shell");
	return 1;
}

static ssh_channel
channel_open(ssh_session s, void *ud)
{
	struct conn *c = ud;

	if (!c->authed || c->ch)
		return NULL;
	/* callbacks before anything else: the subsystem request may be in the same read */
	if ((c->ch = ssh_channel_new(s)) && ssh_set_channel_callbacks(c->ch, &c->ccb) != SSH_OK) {
		ssh_channel_free(c->ch);
		c->ch = NULL;
	}
	return c->ch;
}

/* ------------------------------------------------------------------ */
/* relay: channel <-> socketpair */

static int
sp_cb(socket_t fd, int revents, void *ud)
{
	(void)fd;
	(void)revents;
	(void)ud;
	return 0; /* the loop does the work after ssh_event_dopoll() */
}

static void
sp_interest(struct conn *c, ssh_event ev)
{
	short want = 0;

	if (!c->sp_eof && c->out.len < RELAY_HIGH)
		want |= POLLIN;
	if (c->in.len && !c->sp_shut)
		want |= POLLOUT;
	if (want == c->sp_events)
		return;
	if (c->sp_events)
		ssh_event_remove_fd(ev, c->sp);
	c->sp_events = 0;
	if (want && ssh_event_add_fd(ev, c->sp, want, sp_cb, c) == SSH_OK)
		c->sp_events = want;
}


static void
relay(struct conn *c, ssh_event ev)
{
	/*
	 * The stop pipe (written once, never read) wakes the poll below: an
	 * idle session then sleeps until its client, libnetconf2 or a stop
	 * has something, where a LOOP_MS timeout cost five wake-ups a second
	 * per session (issue 17: idle CPU).
	 */
	bool stop_fd = ssh_event_add_fd(ev, X.wake[0], POLLIN, sp_cb, c) == SSH_OK;

	fcntl(c->sp, F_SETFL, fcntl(c->sp, F_GETFL) | O_NONBLOCK);
	ssh_set_blocking(c->s, 0);
	while (!*X.stop) {
		int r;

		/* client -> libnetconf2's side */
		while (!c->cli_eof && c->in.len < RELAY_HIGH) {
			r = ssh_channel_read_nonblocking(c->ch, er_buf_space(&c->in, RELAY_READ), RELAY_READ, 0);
			if (r > 0)
				c->in.len += (size_t)r;
			else {
				if (r == SSH_ERROR || (r == 0 && ssh_channel_is_eof(c->ch)))
					c->cli_eof = true;
				break;
			}
		}
		if (c->in.len && !c->sp_shut) {
			ssize_t w = send(c->sp, er_buf_data(&c->in), c->in.len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				er_buf_eat(&c->in, (size_t)w);
			else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				c->sp_shut = true;
				er_buf_eat(&c->in, c->in.len);
			}
		}
		if (c->cli_eof && !c->in.len && !c->sp_shut) {
			shutdown(c->sp, SHUT_WR);
			c->sp_shut = true;
		}
		/* libnetconf2's side -> client */
		while (!c->sp_eof && c->out.len < RELAY_HIGH) {
			ssize_t k = recv(c->sp, er_buf_space(&c->out, RELAY_READ), RELAY_READ, MSG_DONTWAIT);
			if (k > 0)
				c->out.len += (size_t)k;
			else {
				if (k == 0 || (errno != EAGAIN && errno != EINTR))
					c->sp_eof = true;
				break;
			}
		}
		while (c->out.len) {
			uint32_t win = ssh_channel_window_size(c->ch);
			size_t n = c->out.len < win ? c->out.len : win;
			if (!n || ssh_channel_is_closed(c->ch))
				break;
			r = ssh_channel_write(c->ch, er_buf_data(&c->out), (uint32_t)n);
			if (r == SSH_ERROR) {
				er_buf_eat(&c->out, c->out.len);
				c->cli_eof = true;
				break;
			}
			if (r <= 0)
				break;
			er_buf_eat(&c->out, (size_t)r);
		}
		if (c->sp_eof && !c->out.len) {
			/* the session ended on erreadyd's side: tell the client, then go */
			if (!ssh_channel_is_closed(c->ch)) {
				unsigned long long until = er_now_ms() + 1000;
				ssh_channel_request_send_exit_status(c->ch, 0);
				ssh_channel_send_eof(c->ch);
				ssh_channel_close(c->ch);
				/* let the client close its side first: OpenSSH calls a dropped connection an error */
				while (ssh_is_connected(c->s) && !*X.stop && er_now_ms() < until &&
				    ssh_event_dopoll(ev, 100) != SSH_ERROR)
					;
			}
			break;
		}
		if (ssh_channel_is_closed(c->ch) && !c->in.len)
			c->cli_eof = true;
		if (c->cli_eof && c->sp_shut && c->sp_eof)
			break;
		sp_interest(c, ev);
		if (ssh_event_dopoll(ev, stop_fd ? -1 : LOOP_MS) == SSH_ERROR && !ssh_is_connected(c->s)) {
			/* the connection broke: pass what came and let libnetconf2 see the end */
			c->cli_eof = true;
			if (c->in.len && !c->sp_shut)
				(void)!send(c->sp, er_buf_data(&c->in), c->in.len, MSG_NOSIGNAL | MSG_DONTWAIT);
			break;
		}
	}
	if (c->sp_events)
		ssh_event_remove_fd(ev, c->sp);
	c->sp_events = 0;
	if (stop_fd)
		ssh_event_remove_fd(ev, X.wake[0]);
	er_buf_free(&c->in);
	er_buf_free(&c->out);
}

/* ------------------------------------------------------------------ */
/* one connection */

static void
tcp_keepalive(int fd)
{
	int on = 1, idle = 60, intvl = 10, cnt = 3;

	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) < 0)
		log_warnx("NETCONF: cannot enable TCP keepalives: %s", strerror(errno));	/*
	 * NETCONF is request and reply, often in two writes (a chunk header,
	 * then its data): with Nagle's algorithm each exchange waits out the
	 * peer's delayed ACK (40 ms on Linux), as OpenSSH avoids with
	 * TCP_NODELAY on interactive sessions.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) < 0)
		log_warnx("NETCONF: cannot set TCP_NODELAY: %s", strerror(errno));
}

/*
 * libssh's own messages into our log, as debug detail: what libssh calls a
 * warning is per connection ("Socket error: disconnected", no
 * libssh_server_config), and erreadyd logs the outcome of each connection
 * itself (refused login, closed before authenticating, session opened).
 * Its level and callback are per thread (LIBSSH_THREAD in libssh 0.10), so
 * each thread that drives a session sets them; without -d libssh formats
 * nothing at all.
 */
static void
ssh_log_cb(int priority, const char *function, const char *buffer, void *ud)
{
	(void)priority;
	(void)function;
	(void)ud;
	log_debug("NETCONF: libssh: %s", buffer);
}

static void
ssh_log_thread_init(void)
{
	ssh_set_log_callback(ssh_log_cb);
	ssh_set_log_level(log_get_level() >= ER_LOG_DEBUG ? SSH_LOG_WARNING : SSH_LOG_NOLOG);
}

/*
 * A connection that did not reach a session: count it always, log it
 * within the gate's rate limit (a flood of them is one summary line per
 * interval, not one line each).
 */
static void
conn_failed(const char *host, const char *why)
{
	char summary[160];
	bool log;

	pthread_mutex_lock(&X.lock);
	log = er_nc_gate_log_ok(X.gate, er_now_ms(), summary, sizeof(summary));
	pthread_mutex_unlock(&X.lock);
	if (summary[0])
		log_warnx("NETCONF: SSH: %s", summary);
	X.h.failed(host, why, log);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct ssh_server_callbacks_struct cb;
	ssh_event ev = NULL;
	unsigned long long deadline, grace;
	const char *why = NULL;
	char whybuf[128];
	int methods = SSH_AUTH_METHOD_PUBLICKEY, sp[2] = { -1, -1 };
	bool in_session = false, grace_exceeded = false;

	pthread_mutex_lock(&X.lock);
	grace = X.grace_ms;
	pthread_mutex_unlock(&X.lock);
	deadline = er_now_ms() + grace;

	ssh_log_thread_init();
	memset(&c->ccb, 0, sizeof(c->ccb));
	c->ccb.userdata = c;
	c->ccb.channel_subsystem_request_function = subsystem_req;
	c->ccb.channel_exec_request_function = exec_req;
	c->ccb.channel_shell_request_function = shell_req;
	ssh_callbacks_init(&c->ccb);
	memset(&cb, 0, sizeof(cb));
	cb.userdata = c;
	cb.auth_pubkey_function = auth_pubkey;
	cb.auth_password_function = auth_password;
	cb.channel_open_request_session_function = channel_open;
	ssh_callbacks_init(&cb);
	ssh_set_server_callbacks(c->s, &cb);
	/* non-blocking from the start, so a stop is seen within LOOP_MS even in a key exchange */
	ssh_set_blocking(c->s, 0);
	for (;;) {
		struct pollfd p = { c->fd, POLLIN, 0 };
		int rc = ssh_handle_key_exchange(c->s);
		if (rc == SSH_OK)
			break;
		if (rc != SSH_AGAIN) {
			why = ssh_get_error(c->s);
			goto out;
		}
		if (*X.stop) {
			why = "erreadyd stopping";
			goto out;
		}
		if (er_now_ms() >= deadline) {
			snprintf(whybuf, sizeof(whybuf), "no SSH key exchange within the login grace time (%llu s)",
			    grace / 1000);
			why = whybuf;
			grace_exceeded = true;
			goto out;
		}
		poll(&p, 1, LOOP_MS);
	}
	if (X.h.password_offered())
		methods |= SSH_AUTH_METHOD_PASSWORD;
	ssh_set_auth_methods(c->s, methods);
	if (!(ev = ssh_event_new()) || ssh_event_add_session(ev, c->s) != SSH_OK) {
		why = "out of memory";
		goto out;
	}
	while (!c->subsystem) {
		if (*X.stop) {
			why = "erreadyd stopping";
			goto out;
		}
		if (c->failed) {
			why = "too many refused keys or passwords";
			goto out;
		}
		if (er_now_ms() >= deadline) {
			snprintf(whybuf, sizeof(whybuf), "%s within the login grace time (%llu s)",
			    c->authed ? "no netconf subsystem" : "not authenticated", grace / 1000);
			why = whybuf;
			grace_exceeded = !c->authed;
			goto out;
		}
		if (ssh_event_dopoll(ev, LOOP_MS) == SSH_ERROR && !ssh_is_connected(c->s)) {
			if (c->asked[0]) {
				snprintf(whybuf, sizeof(whybuf), "asked for %s: only the netconf subsystem is served", c->asked);
				why = whybuf;
			} else
				why = c->authed ? "closed before the netconf subsystem" : "closed before authenticating";
			goto out;
		}
	}
	pthread_mutex_lock(&X.lock);
	er_nc_gate_release(X.gate, c->host);
	pthread_mutex_unlock(&X.lock);
	in_session = true;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		why = strerror(errno);
		goto out;
	}
	c->sp = sp[0];
	tcp_keepalive(c->fd);
	if (!X.h.session(sp[1], c->user, c->host)) {
		sp[1] = -1;
		goto out; /* the hook logged why */
	}
	sp[1] = -1;
	relay(c, ev);
out:
	if (why)
		conn_failed(c->host, why);
	if (ev) {
		ssh_event_remove_session(ev, c->s);
		ssh_event_free(ev);
	}
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	if (c->ch)
		ssh_channel_free(c->ch);
	ssh_disconnect(c->s);
	ssh_free(c->s); /* closes c->fd */
	pthread_mutex_lock(&X.lock);
	if (!in_session) {
		unsigned add = 0;

		er_nc_gate_release(X.gate, c->host);
		/* sshd's PerSourcePenalties: authfail, grace-exceeded, noauth */
		if (!*X.stop && !c->authed)
			add = c->fails ? X.gcfg.penalty_authfail_ms :
			    grace_exceeded ? X.gcfg.penalty_grace_ms : X.gcfg.penalty_noauth_ms;
		er_nc_gate_penalise(X.gate, c->host, er_now_ms(), add);
	}
	X.conns--;
	pthread_cond_broadcast(&X.gone);
	pthread_mutex_unlock(&X.lock);
	free(c);
	return NULL;
}

static void *
acceptor_main(void *arg)
{
	(void)arg;
	ssh_log_thread_init();
	while (!*X.stop) {
		struct pollfd p[2] = { { X.lfd, POLLIN, 0 }, { X.wake[0], POLLIN, 0 } };
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		struct conn *c;
		pthread_attr_t a;
		sigset_t all, old;
		enum er_nc_gate_verdict v;
		uint32_t rnd;
		int fd, rc, wait_ms;
		char summary[160];

		/* wake once an interval, so the summary of suppressed lines is written when a flood stops */
		pthread_mutex_lock(&X.lock);
		wait_ms = (int)X.gcfg.log_interval_ms;
		pthread_mutex_unlock(&X.lock);
		if (poll(p, 2, wait_ms) < 0 && errno != EINTR)
			break;
		if (!p[0].revents && !p[1].revents) {
			pthread_mutex_lock(&X.lock);
			er_nc_gate_log_flush(X.gate, er_now_ms(), summary, sizeof(summary));
			pthread_mutex_unlock(&X.lock);
			if (summary[0])
				log_warnx("NETCONF: SSH: %s", summary);
			continue;
		}
		if (*X.stop || (p[1].revents & POLLIN))
			break;
		if (!(p[0].revents & POLLIN) || (fd = accept4(X.lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC)) < 0)
			continue;
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->sp = -1;
		if (getnameinfo((struct sockaddr *)&sa, sl, c->host, sizeof(c->host), NULL, 0, NI_NUMERICHOST))
			snprintf(c->host, sizeof(c->host), "?");
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
			rnd = (uint32_t)er_now_ms() * 2654435761u;
		pthread_mutex_lock(&X.lock);
		v = er_nc_gate_admit(X.gate, c->host, er_now_ms(), rnd);
		if (v == ER_NC_GATE_ADMIT)
			X.conns++;
		pthread_mutex_unlock(&X.lock);
		if (v != ER_NC_GATE_ADMIT) {
			/* closed at once, before any byte: as cheap for us as it can be */
			close(fd);
			conn_failed(c->host, er_nc_gate_verdict_str(v));
			free(c);
			continue;
		}
		if (!(c->s = ssh_new()) || ssh_bind_accept_fd(X.bind, c->s, fd) != SSH_OK) {
			conn_failed(c->host, c->s ? ssh_get_error(X.bind) : "out of memory");
			if (c->s)
				ssh_free(c->s);
			close(fd);
			pthread_mutex_lock(&X.lock);
			er_nc_gate_release(X.gate, c->host);
			X.conns--;
			pthread_mutex_unlock(&X.lock);
			free(c);
			continue;
		}
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		sigfillset(&all);
		sigdelset(&all, er_privdrop_signal()); /* capabilities dropped per thread */
		pthread_sigmask(SIG_SETMASK, &all, &old);
		rc = pthread_create(&(pthread_t){ 0 }, &a, conn_main, c);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&a);
		if (rc) {
			ssh_free(c->s);
			pthread_mutex_lock(&X.lock);
			er_nc_gate_release(X.gate, c->host);
			X.conns--;
			pthread_mutex_unlock(&X.lock);
			free(c);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */

static int
listen_on(const char *addr, uint16_t port, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char ps[8];
	int fd = -1, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	snprintf(ps, sizeof(ps), "%u", port);
	if ((rc = getaddrinfo(addr, ps, &hints, &ai))) {
		snprintf(err, errlen, "SSH address %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		snprintf(err, errlen, "SSH endpoint %s port %u: cannot listen: %s", addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
er_nc_ssh_start(const char *addr, uint16_t port, const char *host_key, const struct er_nc_ssh_hooks *hooks,
    const volatile bool *stop, char *err, size_t errlen)
{
	sigset_t all, old;
	int rc;

	X.stop = stop;
	X.h = *hooks;
	pthread_mutex_init(&X.lock, NULL);
	pthread_cond_init(&X.gone, NULL);
	X.conns = 0;
	if (!X.gcfg.full) {
		X.gcfg = gate_defaults;
		X.grace_ms = 10000;
	}
	X.gate = er_nc_gate_new(&X.gcfg);
	if (!(X.bind = ssh_bind_new()) || ssh_bind_options_set(X.bind, SSH_BIND_OPTIONS_HOSTKEY, host_key) != SSH_OK) {
		snprintf(err, errlen, "host key %s: %s", host_key, X.bind ? ssh_get_error(X.bind) : "out of memory");
		goto fail;
	}
	if ((X.lfd = listen_on(addr, port, err, errlen)) < 0)
		goto fail;
	if (pipe2(X.wake, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	sigfillset(&all);
	sigdelset(&all, er_privdrop_signal()); /* capabilities dropped per thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&X.acceptor, NULL, acceptor_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		snprintf(err, errlen, "cannot start the SSH accept thread");
		goto fail;
	}
	X.running = true;
	return 0;
fail:
	if (X.lfd >= 0)
		close(X.lfd);
	X.lfd = -1;
	er_close_fds(X.wake, 2);
	if (X.bind)
		ssh_bind_free(X.bind);
	X.bind = NULL;
	er_nc_gate_free(X.gate);
	X.gate = NULL;
	return -1;
}

void
er_nc_ssh_stop(void)
{
	unsigned char b = 1;

	if (!X.running)
		return;
	(void)!write(X.wake[1], &b, 1);
	pthread_join(X.acceptor, NULL);
	{
		char summary[160];

		/* what the rate limit held back, before the stop line */
		er_nc_gate_log_flush(X.gate, er_now_ms(), summary, sizeof(summary));
		if (summary[0])
			log_warnx("NETCONF: SSH: %s", summary);
	}
	/* connection threads see *stop within LOOP_MS (or their libssh timeout in a key exchange) */
	pthread_mutex_lock(&X.lock);
	while (X.conns)
		pthread_cond_wait(&X.gone, &X.lock);
	pthread_mutex_unlock(&X.lock);
	close(X.lfd);
	X.lfd = -1;
	er_close_fds(X.wake, 2);
	ssh_bind_free(X.bind);
	X.bind = NULL;
	er_nc_gate_free(X.gate);
	X.gate = NULL;
	pthread_cond_destroy(&X.gone);
	pthread_mutex_destroy(&X.lock);
	X.running = false;
}

void
er_nc_ssh_configure(const struct er_nc_gate_cfg *gate, unsigned login_grace_ms)
{
	/* before start: taken by er_nc_ssh_start(); after: at once for new connections */
	if (X.running)
		pthread_mutex_lock(&X.lock);
	X.gcfg = *gate;
	X.grace_ms = login_grace_ms;
	if (X.gate)
		er_nc_gate_configure(X.gate, gate);
	if (X.running)
		pthread_mutex_unlock(&X.lock);
}
