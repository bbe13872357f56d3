#include "privsep.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect_wire.h"
#include "datastore.h"
#include "frame.h"
#include "log.h"
#include "observed_wire.h"
#include "util.h"

struct er_privsep {
	struct er_creds creds;
	pid_t pid; /* the collector, -1 when none */
	int fd;    /* our end of the socketpair */
	bool reaped;
};

/* The collector process: requests in, observed state out, until the view process goes. */
static void __attribute__((noreturn))
collector_main(int fd, const struct er_creds *c, pid_t parent)
{
	struct er_observed *last = NULL;
	char err[ER_ERRLEN];

	/*
	 * A terminal's ^C, systemd's stop and SIGHUP go to the whole group:
	 * the view process decides, and this one ends when it does.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if (er_privdrop_collector(c, err, sizeof(err)) < 0) {
		log_warnx("collector process: cannot drop privileges: %s", err);
		_exit(ER_EXIT_PRIVSEP);
	}
	/* set after the switch of user, which clears it; then the parent may already be gone */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(ER_EXIT_PRIVSEP);
	for (;;) {
		struct er_collect_opts co;
		struct er_config *scope;
		struct er_observed *obs;
		struct er_wbuf b = { NULL, 0, 0 };
		void *p;
		size_t n;
		int rc;

		rc = er_frame_recv(fd, ER_MSG_COLLECT, ER_PRIVSEP_REQUEST_MAX, 0, &p, &n, err, sizeof(err));
		if (rc == ER_FRAME_EOF) {
			/* the view process stopped (freed for valgrind's sake: the process ends here) */
			er_observed_unref(last);
			close(fd);
			_exit(0);
		}
		if (rc < 0) {
			log_warnx("collector process: request refused, stopping: %s", err);
			_exit(ER_EXIT_PRIVSEP);
		}
		er_collect_opts_init(&co, NULL);
		if ((rc = er_collect_wire_decode(p, n, &co, &scope, err, sizeof(err))) < 0) {
			log_warnx("collector process: request refused, stopping: %s", err);
			_exit(ER_EXIT_PRIVSEP);
		}
		free(p);
		/* the counters that rise between two collections: this process's own last one */
		co.prev = last;
		obs = er_collect_all(&co);
		if (rc == 1)
			er_observed_set_status(obs, ER_SRC_BGP, ER_COLL_ERROR, "", 0, "%s", err);
		er_config_unref(scope);
		er_observed_wire_encode(obs, &b);
		if (er_frame_send(fd, ER_MSG_OBSERVED, b.p, b.len, err, sizeof(err)) < 0) {
			log_warnx("collector process: cannot answer, stopping: %s", err);
			_exit(ER_EXIT_PRIVSEP);
		}
		er_wbuf_free(&b);
		er_observed_unref(last);
		last = obs;
	}
}

struct er_privsep *
er_privsep_start(const char *user, bool collector, char *err, size_t errlen)
{
	struct er_privsep *ps = xcalloc(1, sizeof(*ps));
	pid_t parent = getpid();
	int sv[2];

	ps->pid = -1;
	ps->fd = -1;
	if (er_creds_resolve(&ps->creds, user, err, errlen) < 0) {
		free(ps);
		return NULL;
	}
	if (!collector)
		return ps;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		free(ps);
		return NULL;
	}
	fflush(NULL);
	if ((ps->pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		free(ps);
		return NULL;
	}
	if (ps->pid == 0) {
		close(sv[0]);
		collector_main(sv[1], &ps->creds, parent);
	}
	close(sv[1]);
	ps->fd = sv[0];
	return ps;
}

const struct er_creds *
er_privsep_creds(const struct er_privsep *ps)
{
	return &ps->creds;
}

pid_t
er_privsep_collector_pid(const struct er_privsep *ps)
{
	return ps->pid;
}

struct er_observed *
er_privsep_collect(struct er_privsep *ps, const struct er_collect_opts *o, char *err, size_t errlen)
{
	struct er_wbuf b = { NULL, 0, 0 };
	struct er_observed *obs;
	/* every source has its deadline in the collector: this one only catches a collector that hangs */
	unsigned long long deadline = er_now_us() + ((unsigned long long)o->timeout_ms * 8 + 30000) * 1000;
	char why[ER_ERRLEN];
	void *p;
	size_t n;
	int rc;

	er_collect_wire_encode(o, &b);
	rc = er_frame_send(ps->fd, ER_MSG_COLLECT, b.p, b.len, why, sizeof(why));
	er_wbuf_free(&b);
	if (rc < 0) {
		snprintf(err, errlen, "collector process: request not sent: %s", why);
		return NULL;
	}
	rc = er_frame_recv(ps->fd, ER_MSG_OBSERVED, ER_PRIVSEP_ANSWER_MAX, deadline, &p, &n, why, sizeof(why));
	if (rc == ER_FRAME_EOF) {
		snprintf(err, errlen, "collector process: connection closed");
		return NULL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "collector process: answer refused: %s", why);
		return NULL;
	}
	obs = er_observed_wire_decode(p, n, why, sizeof(why));
	free(p);
	if (!obs)
		snprintf(err, errlen, "collector process: answer refused: %s", why);
	return obs;
}

static void
describe(int st, char *msg, size_t len)
{
	if (WIFEXITED(st))
		snprintf(msg, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(msg, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(msg, len, "ended (wait status 0x%x)", (unsigned)st);
}

bool
er_privsep_collector_gone(struct er_privsep *ps, char *msg, size_t len)
{
	int st;

	if (!ps || ps->pid <= 0 || ps->reaped)
		return false;
	if (waitpid(ps->pid, &st, WNOHANG) != ps->pid)
		return false;
	ps->reaped = true;
	describe(st, msg, len);
	return true;
}

void
er_privsep_free(struct er_privsep *ps)
{
	unsigned long long deadline;
	pid_t r = 0;
	int st;

	if (!ps)
		return;
	if (ps->fd >= 0)
		close(ps->fd); /* end of file: the collector exits once its collection is done */
	if (ps->pid > 0 && !ps->reaped) {
		deadline = er_now_us() + 2000000;
		while ((r = waitpid(ps->pid, &st, WNOHANG)) == 0 && er_now_us() < deadline) {
			struct timespec ms = { 0, 5000000 };
			nanosleep(&ms, NULL);
		}
		/* still collecting (a hung vtysh): no need to wait for it */
		if (r == 0) {
			kill(ps->pid, SIGKILL);
			waitpid(ps->pid, &st, 0);
		}
	}
	free(ps);
}
