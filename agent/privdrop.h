/*
 * Giving up privileges, for the two processes of agent/privsep.h.
 *
 * Started as root, each process switches to the service user (--user,
 * default erready) and keeps one capability at most: the collector
 * CAP_NET_ADMIN (nftables, netlink, tc) with the groups of vtysh (frrvty)
 * and BIRD's socket (bird); the view process CAP_NET_BIND_SERVICE only
 * until its sockets are bound, then nothing. Started as that user with
 * ambient capabilities (the systemd unit), each keeps only its own out of
 * what it was given and the view drops the supplementary groups. Started
 * as another user without capabilities (tests, CI), there is nothing to
 * give up but the way to gain more (no_new_privs).
 */
#ifndef ER_PRIVDROP_H
#define ER_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ER_DEFAULT_USER "erready"

struct er_creds {
	bool root;       /* started with uid 0: switch to the user below (uid 0: --user root, groups only) */
	char user[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[3]; /* the collector's: the user's group, frrvty, bird (those that exist) */
	int n_groups;
};

/**
 * Look the user up when running as root (@p user NULL: ER_DEFAULT_USER).
 * 0, or -1 with a message in @p err when the user does not exist.
 */
int er_creds_resolve(struct er_creds *c, const char *user, char *err, size_t errlen);

/** The collector process (single-threaded): the user, its groups, CAP_NET_ADMIN only. 0 or -1 with @p err. */
int er_privdrop_collector(const struct er_creds *c, char *err, size_t errlen);

/* What the view process writes, so it can still write it as the user. */
struct er_view_paths {
	const char *state_dir;
	const char *config_path;
	const char *unix_socket; /* NETCONF UNIX socket, or NULL */
	const char *unix_group;  /* the group it is given to, or NULL: the view keeps that membership */
};

/**
 * The view process, before it starts its servers and threads: the files
 * of @p p handed to the user, the user (no supplementary group but the
 * NETCONF socket's; never frrvty or bird), and
 * CAP_NET_BIND_SERVICE alone (when it had it) so it can still bind NETCONF's
 * port 830 or an SNMP port. 0 or -1 with @p err.
 */
int er_privdrop_view_begin(const struct er_creds *c, const struct er_view_paths *p, char *err, size_t errlen);

/**
 * The view process, once bound: no capability left in any of its threads
 * (each thread drops its own: capabilities are per thread), checked
 * afterwards in /proc/self/task. 0 or -1 with @p err.
 */
int er_privdrop_view_end(char *err, size_t errlen);

/**
 * The signal that makes a thread drop its capabilities in
 * er_privdrop_view_end(): a thread that blocks every signal must leave
 * this one open.
 */
int er_privdrop_signal(void);

#endif
