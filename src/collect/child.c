#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/*
 * The line of a program's stderr that says what went wrong: the last one,
 * skipping start-up warnings about configuration files (vtysh prints one
 * when its vtysh.conf is missing, before the real error).
 */
static char *
last_error_line(char *ebuf)
{
	char *best = ebuf + strlen(ebuf), *p = ebuf, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p && !strstr(p, "onfiguration file"))
			best = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	return best;
}

void
er_child_output_init(struct er_child_output *c, int out, int err)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->err = err;
	c->cap = 65536;
	c->buf = xcalloc(1, c->cap);
}

int
er_child_output_step(struct er_child_output *c, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct pollfd pfd[2] = { { c->out, POLLIN, 0 }, { c->err, POLLIN, 0 } };
	int n;

	if (c->out < 0 && c->err < 0)
		return 0;
	if ((n = poll(pfd, 2, er_ms_left(deadline_us))) == 0)
		return ER_COLLECT_TIMEOUT;
	if (n < 0) {
		if (errno == EINTR)
			return 1;
		snprintf(err, errlen, "poll: %s", strerror(errno));
		return ER_COLLECT_ERROR;
	}
	if (pfd[0].revents) {
		ssize_t r;
		if (c->cap - c->len < 4096) {
			c->cap *= 2;
			c->buf = xreallocarray(c->buf, c->cap, 1);
		}
		r = read(c->out, c->buf + c->len, c->cap - c->len - 1);
		if (r > 0)
			c->len += (size_t)r;
		else if (r == 0 || errno != EINTR)
			er_close_fds(&c->out, 1);
		c->buf[c->len] = '\0';
	}
	if (pfd[1].revents) {
		char tmp[512];
		ssize_t r = read(c->err, tmp, sizeof(tmp));
		if (r > 0) {
			size_t k = sizeof(c->ebuf) - 1 - c->elen;
			k = (size_t)r < k ? (size_t)r : k;
			memcpy(c->ebuf + c->elen, tmp, k);
			c->elen += k;
			c->ebuf[c->elen] = '\0';
		} else if (r == 0 || errno != EINTR)
			er_close_fds(&c->err, 1);
	}
	return c->out >= 0 || c->err >= 0;
}

void
er_child_output_free(struct er_child_output *c)
{
	er_close_fds(&c->out, 1);
	er_close_fds(&c->err, 1);
	free(c->buf);
	c->buf = NULL;
}

int
er_run_command(char *const argv[], unsigned long long deadline_us, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	int opipe[2] = { -1, -1 }, epipe[2] = { -1, -1 }, status = 0, rc = ER_COLLECT_ERROR, step;
	struct er_child_output c;
	char perr[128];
	pid_t pid = -1;

	*out = NULL;
	if (outlen)
		*outlen = 0;
	memset(&c, 0, sizeof(c));
	c.out = c.err = -1;
	if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s: pipe: %s", argv[0], strerror(errno));
		goto cleanup;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "%s: fork: %s", argv[0], strerror(errno));
		goto cleanup;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(opipe[1], 1) < 0 || dup2(epipe[1], 2) < 0)
			_exit(126);
		er_child_reset(-1, -1);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	er_close_fds(&opipe[1], 1);
	er_close_fds(&epipe[1], 1);
	er_child_output_init(&c, opipe[0], epipe[0]);
	opipe[0] = epipe[0] = -1;
	while ((step = er_child_output_step(&c, deadline_us, perr, sizeof(perr))) == 1)
		;
	if (step == ER_COLLECT_TIMEOUT) {
		snprintf(err, errlen, "%s: no answer before the deadline", argv[0]);
		rc = ER_COLLECT_TIMEOUT;
		goto cleanup;
	}
	if (step == ER_COLLECT_ERROR) {
		snprintf(err, errlen, "%s: %s", argv[0], perr);
		goto cleanup;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*out = c.buf;
		if (outlen)
			*outlen = c.len;
		c.buf = NULL;
		rc = ER_COLLECT_OK;
	} else {
		char *line = last_error_line(c.ebuf), *nl, msg[sizeof(c.ebuf)];
		snprintf(msg, sizeof(msg), "%s", line);
		if (!msg[0] && c.len) {
			/* vtysh reports errors on stdout */
			snprintf(msg, sizeof(msg), "%.200s", c.buf);
			if ((nl = strchr(msg, '\n')))
				*nl = '\0';
		}
		if (WIFEXITED(status))
			snprintf(err, errlen, "%s exited with status %d%s%s", argv[0], WEXITSTATUS(status),
			    msg[0] ? ": " : "", msg);
		else
			snprintf(err, errlen, "%s killed by signal %d", argv[0], WTERMSIG(status));
	}
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	er_close_fds(opipe, 2);
	er_close_fds(epipe, 2);
	er_child_output_free(&c);
	return rc;
}
