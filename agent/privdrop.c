#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define CAPBIT(c) (1ULL << (c))

int
er_creds_resolve(struct er_creds *c, const char *user, char *err, size_t errlen)
{
	static const char *const extra[] = { "frrvty", "bird" };
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp;
	char buf[4096];
	size_t i;

	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "%s", user ? user : ER_DEFAULT_USER);
	c->uid = getuid();
	c->gid = getgid();
	if (geteuid() != 0)
		return 0;
	c->root = true;
	if (getpwnam_r(c->user, &pw, buf, sizeof(buf), &pwp) != 0 || !pwp) {
		snprintf(err, errlen,
		    "user %s does not exist: create it (adduser --system --group %s) or name another with --user",
		    c->user, c->user);
		return -1;
	}
	c->uid = pw.pw_uid;
	c->gid = pw.pw_gid;
	c->groups[c->n_groups++] = c->gid;
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		grp = NULL;
		if (getgrnam_r(extra[i], &gr, buf, sizeof(buf), &grp) == 0 && grp && grp->gr_gid != c->gid)
			c->groups[c->n_groups++] = grp->gr_gid;
	}
	return 0;
}

static int
caps_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

/* Effective and permitted @p keep, inheritable (hence ambient) nothing. Async-signal-safe. */
static int
caps_set(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Empty the bounding set but @p keep: nothing dropped can come back, not even by exec. */
static int
bounding_keep(uint64_t keep, char *err, size_t errlen)
{
	int cap, r;

	for (cap = 0; cap < 64; cap++) {
		if ((r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) < 0)
			break; /* past the kernel's last capability */
		if (r == 1 && !(keep & CAPBIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			snprintf(err, errlen, "dropping capability %d from the bounding set: %s", cap, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* root -> the user (its groups @p groups), keeping the permitted capabilities for caps_set() to trim. Single-threaded. */
static int
switch_user(const struct er_creds *c, const gid_t *groups, int n, char *err, size_t errlen)
{
	uid_t r, e, s;

	if (c->uid == 0) {
		/* --user root: no switch, only the groups (each process still keeps one capability at most) */
		if (setgroups((size_t)n, groups) < 0) {
			snprintf(err, errlen, "setgroups: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (setgroups((size_t)n, groups) < 0 || setresgid(c->gid, c->gid, c->gid) < 0) {
		snprintf(err, errlen, "switching to group %u: %s", (unsigned)c->gid, strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresuid(c->uid, c->uid, c->uid) < 0) {
		snprintf(err, errlen, "switching to user %s: %s", c->user, strerror(errno));
		return -1;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	/* no way back: every id is the user's */
	if (getresuid(&r, &e, &s) < 0 || r != c->uid || e != c->uid || s != c->uid || setuid(0) == 0) {
		snprintf(err, errlen, "user %s: the switch did not hold", c->user);
		return -1;
	}
	return 0;
}

/* Keep @p keep of what we have, and no way to gain more. */
static int
trim(uint64_t keep, char *err, size_t errlen)
{
	uint64_t eff, prm;

	if (caps_get(&eff, &prm) < 0 || caps_set(keep & prm) < 0) {
		snprintf(err, errlen, "capset: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		snprintf(err, errlen, "clearing ambient capabilities: %s", strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
er_privdrop_collector(const struct er_creds *c, char *err, size_t errlen)
{
	uint64_t keep = CAPBIT(CAP_NET_ADMIN), eff, prm;

	if (caps_get(&eff, &prm) < 0) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	if ((eff & CAPBIT(CAP_SETPCAP)) && bounding_keep(keep, err, errlen) < 0)
		return -1;
	if (c->root && switch_user(c, c->groups, c->n_groups, err, errlen) < 0)
		return -1;
	if (trim(keep, err, errlen) < 0)
		return -1;
	/* the view process runs as the same user: no ptrace, no core with host state */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}

/* chown a root-owned file or directory to the user (never through a symlink). */
static void
give(int dirfd, const char *path, const struct er_creds *c)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != 0 ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
		return;
	if (fchownat(dirfd, path, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
		log_warn("chown %s to %s", path, c->user);
	else
		log_info("%s now belongs to user %s", path, c->user);
}

/*
 * Started as root: the state directory (made if absent), the configuration
 * file and erreadyd's own directory of the NETCONF socket go to the user,
 * who rewrites them. What else is in the state directory stays whose it is
 * (an operator's key beside it is none of the view process's business).
 */
static void
prepare_paths(const struct er_creds *c, const struct er_view_paths *p)
{
	char dir[4096], *slash;

	if (p->state_dir) {
		if (mkdir(p->state_dir, 0750) < 0 && errno != EEXIST)
			log_warn("state directory %s", p->state_dir);
		give(AT_FDCWD, p->state_dir, c);
	}
	if (p->config_path)
		give(AT_FDCWD, p->config_path, c);
	if (p->unix_socket && strlen(p->unix_socket) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%s", p->unix_socket);
		if ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = '\0';
			/* only a directory of our own (/run/erready), never /run or /tmp */
			if ((slash = strrchr(dir, '/')) && !strcmp(slash + 1, "erready")) {
				if (mkdir(dir, 0755) < 0 && errno != EEXIST)
					log_warn("NETCONF socket directory %s", dir);
				give(AT_FDCWD, dir, c);
			}
		}
	}
}

/* Said once at start: SETs and commits would fail later, with less context. */
static void
check_writable(const struct er_view_paths *p, const char *who)
{
	char dir[4096], *slash;

	if (!p->config_path || strlen(p->config_path) >= sizeof(dir))
		return;
	snprintf(dir, sizeof(dir), "%s", p->config_path);
	if ((slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(p->config_path, W_OK) < 0 || access(dir, W_OK) < 0)
		log_warnx("%s cannot rewrite %s (it and its directory must be writable): SNMP SETs and NETCONF "
			  "commits will not be saved",
		    who, p->config_path);
}

static bool
gid_of(const char *name, gid_t *gid)
{
	struct group gr, *grp = NULL;
	char buf[4096];

	if (!name || !name[0] || getgrnam_r(name, &gr, buf, sizeof(buf), &grp) != 0 || !grp)
		return false;
	*gid = grp->gr_gid;
	return true;
}

/*
 * The view's groups: started as root, the user's and the NETCONF socket's;
 * started as the user, those it has but frrvty and bird (the collector's).
 */
static int
view_groups(const struct er_creds *c, const struct er_view_paths *p, gid_t *out, int max)
{
	gid_t cur[64], g, frr = (gid_t)-1, bird = (gid_t)-1;
	int n = 0, k, i;

	if (c->root) {
		out[n++] = c->gid;
		if (gid_of(p->unix_group, &g) && g != c->gid)
			out[n++] = g;
		return n;
	}
	gid_of("frrvty", &frr);
	gid_of("bird", &bird);
	if ((k = getgroups(64, cur)) < 0)
		return -1;
	for (i = 0; i < k && n < max; i++)
		if (cur[i] != frr && cur[i] != bird)
			out[n++] = cur[i];
	return n;
}

int
er_privdrop_view_begin(const struct er_creds *c, const struct er_view_paths *p, char *err, size_t errlen)
{
	uint64_t keep = CAPBIT(CAP_NET_BIND_SERVICE), eff, prm;
	gid_t groups[64];
	int ng;
	char who[96];

	if (caps_get(&eff, &prm) < 0) {
		snprintf(err, errlen, "capget: %s", strerror(errno));
		return -1;
	}
	if (c->root)
		prepare_paths(c, p);
	if ((eff & CAPBIT(CAP_SETPCAP)) && bounding_keep(keep, err, errlen) < 0)
		return -1;
	if ((ng = view_groups(c, p, groups, 64)) < 0) {
		snprintf(err, errlen, "getgroups: %s", strerror(errno));
		return -1;
	}
	if (c->root) {
		if (switch_user(c, groups, ng, err, errlen) < 0)
			return -1;
	} else if (eff & CAPBIT(CAP_SETGID)) {
		/* the unit's user is in frrvty and bird for the collector: not this side */
		if (setgroups((size_t)ng, groups) < 0) {
			snprintf(err, errlen, "dropping supplementary groups: %s", strerror(errno));
			return -1;
		}
	} else if (ng != getgroups(0, NULL))
		log_warnx("without CAP_SETGID the SNMP/NETCONF process keeps the groups frrvty and bird (vtysh and "
			  "BIRD's socket): start it as root, or with CAP_SETGID as the unit does");
	if (trim(keep, err, errlen) < 0)
		return -1;
	snprintf(who, sizeof(who), "user %s", c->root ? c->user : "erreadyd's");
	check_writable(p, who);
	return 0;
}

int
er_privdrop_signal(void)
{
	return SIGRTMIN + 1;
}

static int drop_done, drop_failed;

static void
drop_handler(int sig)
{
	int saved = errno;

	(void)sig;
	if (caps_set(0) < 0)
		__atomic_add_fetch(&drop_failed, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&drop_done, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

/* Any thread of this process with a capability left: its id, else 0 (-1: /proc unreadable). */
static long
thread_with_caps(void)
{
	char path[300], line[256];
	struct dirent *de;
	long found = 0;
	DIR *d;
	FILE *f;

	if (!(d = opendir("/proc/self/task")))
		return -1;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.200s/status", de->d_name);
		if (!(f = fopen(path, "re")))
			continue; /* the thread ended */
		while (fgets(line, sizeof(line), f))
			if ((!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7) || !strncmp(line, "CapAmb:", 7)) &&
			    strtoull(line + 7, NULL, 16) != 0)
				found = strtol(de->d_name, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return found;
}

int
er_privdrop_view_end(char *err, size_t errlen)
{
	struct sigaction sa, old;
	int sig = er_privdrop_signal(), sent = 0, round;
	long tid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = drop_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, &old);
	/* a thread started meanwhile (a NETCONF connection) is found on the next round */
	for (round = 0; round < 5 && (tid = thread_with_caps()) > 0; round++) {
		unsigned long long deadline = er_now_us() + 2000000;
		struct dirent *de;
		DIR *d;

		__atomic_store_n(&drop_done, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&drop_failed, 0, __ATOMIC_SEQ_CST);
		sent = 0;
		if (!(d = opendir("/proc/self/task")))
			break;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.' &&
			    syscall(SYS_tgkill, getpid(), (pid_t)strtol(de->d_name, NULL, 10), sig) == 0)
				sent++;
		closedir(d);
		while (__atomic_load_n(&drop_done, __ATOMIC_SEQ_CST) < sent && er_now_us() < deadline) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
		if (__atomic_load_n(&drop_failed, __ATOMIC_SEQ_CST)) {
			snprintf(err, errlen, "capset in a thread failed");
			sigaction(sig, &old, NULL);
			return -1;
		}
	}
	sigaction(sig, &old, NULL);
	if ((tid = thread_with_caps()) != 0) {
		if (tid < 0)
			snprintf(err, errlen, "/proc/self/task unreadable: cannot tell that every capability is gone");
		else
			snprintf(err, errlen, "thread %ld kept a capability", tid);
		return -1;
	}
	return 0;
}
