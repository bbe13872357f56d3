/*
 * Privilege drop of the two processes (agent/privdrop.h), as root: each
 * case runs in a child process, which reports through its exit status.
 * Without root the cases are skipped (there is nothing to drop).
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "privdrop.h"

#define USER "nobody"

static uint64_t
status_hex(const char *key)
{
	char line[256];
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtoull(line + strlen(key) + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

/* Run @p fn in a child; its exit status (a failed step number), 255 on a signal. */
static int
in_child(int (*fn)(void))
{
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(fn());
	assert_true(p > 0);
	assert_int_equal(waitpid(p, &st, 0), p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int
collector_case(void)
{
	struct er_creds c;
	char err[256];
	uid_t r, e, s;

	if (er_creds_resolve(&c, USER, err, sizeof(err)) < 0 || er_privdrop_collector(&c, err, sizeof(err)) < 0)
		return 1;
	if (status_hex("CapEff") != 1u << CAP_NET_ADMIN || status_hex("CapPrm") != 1u << CAP_NET_ADMIN)
		return 2;
	if (status_hex("CapBnd") != 1u << CAP_NET_ADMIN || status_hex("CapAmb") != 0 || status_hex("CapInh") != 0)
		return 3;
	if (getresuid(&r, &e, &s) < 0 || r != c.uid || e != c.uid || s != c.uid)
		return 4;
	if (setuid(0) == 0 || setgid(0) == 0)
		return 5; /* no way back */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 6;
	return 0;
}

static void
collector_keeps_net_admin(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(collector_case), 0);
}

static long last_tid;

static void *
blocked_thread(void *arg)
{
	__atomic_store_n(&last_tid, (long)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	pause();
	return arg;
}

/* A thread made the way nc_ssh.c makes its threads: every signal blocked but the drop's. */
static pthread_t
thread_blocking(bool leave_drop_signal)
{
	sigset_t all, old;
	pthread_t th;

	sigfillset(&all);
	if (leave_drop_signal)
		sigdelset(&all, er_privdrop_signal());
	__atomic_store_n(&last_tid, 0, __ATOMIC_SEQ_CST);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&th, NULL, blocked_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (!__atomic_load_n(&last_tid, __ATOMIC_SEQ_CST))
		sched_yield();
	return th;
}

static int
view_case(void)
{
	struct er_creds c;
	struct er_view_paths p = { NULL, NULL, NULL, NULL };
	char err[256];

	if (er_creds_resolve(&c, USER, err, sizeof(err)) < 0 || er_privdrop_view_begin(&c, &p, err, sizeof(err)) < 0)
		return 1;
	/* until bound: CAP_NET_BIND_SERVICE alone, which the threads started now inherit */
	if (status_hex("CapEff") != 1u << CAP_NET_BIND_SERVICE || status_hex("CapBnd") != 1u << CAP_NET_BIND_SERVICE)
		return 2;
	thread_blocking(true);
	thread_blocking(true);
	if (er_privdrop_view_end(err, sizeof(err)) < 0)
		return 3;
	if (status_hex("CapEff") != 0 || status_hex("CapPrm") != 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 4;
	if (getuid() != c.uid || setuid(0) == 0)
		return 5;
	if (getgroups(0, NULL) != 1)
		return 6; /* the user's own group only */
	return 0;
}

static void
view_ends_with_nothing(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(view_case), 0);
}

static int
view_stuck_case(void)
{
	struct er_creds c;
	struct er_view_paths p = { NULL, NULL, NULL, NULL };
	char err[256], want[64];

	if (er_creds_resolve(&c, USER, err, sizeof(err)) < 0 || er_privdrop_view_begin(&c, &p, err, sizeof(err)) < 0)
		return 1;
	thread_blocking(false);
	if (er_privdrop_view_end(err, sizeof(err)) == 0)
		return 2;
	snprintf(want, sizeof(want), "thread %ld kept a capability", last_tid);
	return strcmp(err, want) ? 3 : 0;
}

/* A thread that blocks the drop's signal keeps its capability: refused, never silently. */
static void
view_refuses_a_thread_it_cannot_reach(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(in_child(view_stuck_case), 0);
}

static void
unknown_user(void **state)
{
	struct er_creds c;
	char err[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(er_creds_resolve(&c, "no-such-user-er", err, sizeof(err)), -1);
	assert_string_equal(err, "user no-such-user-er does not exist: create it (adduser --system --group "
				 "no-such-user-er) or name another with --user");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(collector_keeps_net_admin),
		cmocka_unit_test(view_ends_with_nothing),
		cmocka_unit_test(view_refuses_a_thread_it_cannot_reach),
		cmocka_unit_test(unknown_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
