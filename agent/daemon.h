/*
 * erreadyd's long-running mode: a collector thread has the collector
 * process (privsep.h) gather host state every poll interval and evaluates
 * it; the main thread owns the datastore, the
 * published snapshot, the alert queues and the views' sockets, all in one
 * poll() loop, so a slow collector never delays an SNMP answer.
 */
#ifndef ER_DAEMON_H
#define ER_DAEMON_H

/* The NETCONF host key, event log and pending confirmed commit, unless --state-dir says otherwise. */
#define ER_DEFAULT_STATE_DIR "/var/lib/erready"

struct er_daemon_opts {
	const char *config_path;   /* running config; SNMP SETs are saved here */
	const char *observed_path; /* host state from this JSON file instead of the collectors */
	const char *state_dir;     /* NULL: ER_DEFAULT_STATE_DIR for NETCONF, nothing kept by Net-SNMP */
	unsigned timeout_ms;       /* deadline of each collector */
	const char *user;          /* started as root: the user of both processes (NULL: erready) */
};

/** Run until SIGTERM or SIGINT. Returns the process exit status. */
int er_daemon_run(const struct er_daemon_opts *o);

#endif
