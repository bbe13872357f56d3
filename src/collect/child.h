/*
 * Child processes of the collectors (vtysh, the nftables query): run one
 * under a deadline and read its stdout and stderr without ever blocking
 * past it. Nothing here knows a source of host state.
 */
#ifndef ER_CHILD_H
#define ER_CHILD_H

#include <stddef.h>

/* Return codes of collectors and er_run_command(). */
#define ER_COLLECT_OK 0
#define ER_COLLECT_ERROR (-1)
#define ER_COLLECT_TIMEOUT (-2)

/*
 * Reading a child process's stdout (whole) and stderr (its first bytes)
 * from two pipes under a deadline; shared by er_run_command and the
 * nftables query. The reader owns and closes the two fds.
 */
struct er_child_output {
	int out, err; /* read ends; -1 once at end of file */
	char *buf;    /* stdout, NUL-terminated */
	size_t len, cap;
	char ebuf[512]; /* stderr, truncated */
	size_t elen;
};
void er_child_output_init(struct er_child_output *c, int out, int err);
/**
 * Wait for and read what is ready: 1 while a pipe is still open, 0 when
 * both are at end of file, ER_COLLECT_TIMEOUT when the deadline passed
 * with nothing ready (past it, what is ready is still taken), or
 * ER_COLLECT_ERROR with the poll(2) failure in @p err.
 */
int er_child_output_step(struct er_child_output *c, unsigned long long deadline_us, char *err, size_t errlen);
void er_child_output_free(struct er_child_output *c);

/**
 * Run @p argv (no shell) with stdin /dev/null, collecting stdout into a
 * malloc'd, NUL-terminated *out. Kills the child (SIGKILL, by pid) when the
 * deadline passes. Returns ER_COLLECT_OK when it exited 0, else ERROR
 * (with its exit status and first stderr line in @p err) or TIMEOUT.
 */
int er_run_command(char *const argv[], unsigned long long deadline_us, char **out, size_t *outlen, char *err,
    size_t errlen);

#endif
