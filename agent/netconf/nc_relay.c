/*
 * erreadyd --netconf-relay: copy stdin/stdout to and from erreadyd's NETCONF
 * UNIX socket (see nc_relay.h).
 *
 * One buffer per direction, filled only when empty; every descriptor except a
 * terminal is non-blocking and poll() waits for whichever side can move, so a
 * large reply never blocks a request or the other way round, and nothing spins.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "nc_relay.h"

#define RELAY_BUF (128 * 1024)

struct relay_dir {
	const char *name;       /* for messages: "stdin -> socket" */
	int from, to;
	bool to_sock;           /* to is the socket: send(MSG_NOSIGNAL) */
	bool eof;               /* from has no more data */
	bool dead;              /* to takes no more data */
	size_t off, len;        /* pending bytes: buf[off .. off+len) */
	char buf[RELAY_BUF];
};

static struct relay_dir up, down;

static void relay_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* stderr for a person at a terminal, syslog for the admin: sshd drops it. */
static void
relay_msg(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "erreadyd --netconf-relay: %s\n", msg);
	openlog("erreadyd", LOG_PID, LOG_AUTH);
	syslog(LOG_ERR, "netconf-relay: %s", msg);
	closelog();
}

static int
relay_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		if (e == EINTR)
			continue;       /* AF_UNIX: an interrupted connect is not under way */
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Write what is pending. 0: all written or the peer is full; -1: errno. */
static int
relay_flush(struct relay_dir *d)
{
	while (d->len) {
		ssize_t n = d->to_sock ? send(d->to, d->buf + d->off, d->len, MSG_NOSIGNAL) :
		    write(d->to, d->buf + d->off, d->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		d->off += (size_t)n;
		d->len -= (size_t)n;
	}
	d->off = 0;
	return 0;
}

/* Read into the empty buffer. 0: data, EOF or nothing yet; -1: errno. */
static int
relay_fill(struct relay_dir *d)
{
	for (;;) {
		ssize_t n = read(d->from, d->buf, sizeof(d->buf));
		if (n > 0) {
			d->off = 0;
			d->len = (size_t)n;
			return 0;
		}
		if (n == 0) {
			d->eof = true;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return -1;
	}
}

/* One step of a direction whose descriptor poll() flagged. -1: an error to report. */
static int
relay_step(struct relay_dir *d, bool writing)
{
	if (!writing && relay_fill(d) < 0) {
		int e = errno;
		d->eof = true;
		/* From the socket: erreadyd closing with our bytes unread is also an end. */
		if (d == &down && e == ECONNRESET)
			return 0;
		errno = e;
		return -1;
	}
	if (d->len && relay_flush(d) < 0) {
		int e = errno;
		d->dead = true;
		d->len = 0;
		/* The other end is gone: erreadyd (its EOF follows) or the SSH channel. */
		if (e == EPIPE || e == ECONNRESET)
			return 0;
		errno = e;
		return -1;
	}
	return 0;
}

static bool
nonblock(int fd, int flags)
{
	return flags >= 0 && !isatty(fd) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

int
er_nc_relay(const char *path)
{
	int sock, fl0 = -1, fl1 = -1, rc = 0;
	bool nb0, nb1, shut = false;

	signal(SIGPIPE, SIG_IGN);
	if ((sock = relay_connect(path)) < 0) {
		relay_msg("cannot connect to %s: %s", path, strerror(errno));
		return 1;
	}
	if (fcntl(sock, F_SETFL, O_NONBLOCK) < 0) {
		relay_msg("%s: %s", path, strerror(errno));
		close(sock);
		return 1;
	}
	/* Both flags first: stdin and stdout may share one file description.
	 * A terminal stays blocking: its flags are the shell's too. */
	fl0 = fcntl(STDIN_FILENO, F_GETFL);
	fl1 = fcntl(STDOUT_FILENO, F_GETFL);
	nb0 = nonblock(STDIN_FILENO, fl0);
	nb1 = nonblock(STDOUT_FILENO, fl1);

	up = (struct relay_dir){ .name = "stdin -> socket", .from = STDIN_FILENO, .to = sock, .to_sock = true };
	down = (struct relay_dir){ .name = "socket -> stdout", .from = sock, .to = STDOUT_FILENO };
	for (;;) {
		struct pollfd pfd[2];
		struct relay_dir *dir[2];
		bool writing[2];
		nfds_t n = 0, i;

		/* The end: erreadyd closed and all it sent is out, or nobody reads stdout. */
		if ((down.eof && !down.len) || down.dead)
			break;
		/* Nothing more from the client: tell erreadyd, keep reading its side. */
		if ((up.eof || up.dead) && !up.len && !shut) {
			if (shutdown(sock, SHUT_WR) < 0 && errno != ENOTCONN) {
				relay_msg("shutdown of %s: %s", path, strerror(errno));
				rc = 1;
			}
			shut = true;
		}
		if (!shut) {
			writing[n] = up.len > 0;
			pfd[n] = (struct pollfd){ writing[n] ? up.to : up.from, writing[n] ? POLLOUT : POLLIN, 0 };
			dir[n++] = &up;
		}
		writing[n] = down.len > 0;
		pfd[n] = (struct pollfd){ writing[n] ? down.to : down.from, writing[n] ? POLLOUT : POLLIN, 0 };
		dir[n++] = &down;

		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			relay_msg("poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].revents & POLLNVAL) {
				relay_msg("%s: descriptor %d is not open", dir[i]->name, pfd[i].fd);
				if (writing[i])
					dir[i]->dead = true, dir[i]->len = 0;
				else
					dir[i]->eof = true;
				rc = 1;
				continue;
			}
			if (relay_step(dir[i], writing[i]) < 0) {
				relay_msg("%s: %s", dir[i]->name, strerror(errno));
				rc = 1;
			}
		}
	}
	close(sock);
	if (nb0)
		(void)fcntl(STDIN_FILENO, F_SETFL, fl0);
	if (nb1)
		(void)fcntl(STDOUT_FILENO, F_SETFL, fl1);
	return rc;
}
