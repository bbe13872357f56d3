#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void
er_collect_opts_init(struct er_collect_opts *o, const struct er_config *cfg)
{
	memset(o, 0, sizeof(*o));
	o->cfg = cfg;
	o->timeout_ms = 5000;
	o->bgp = cfg ? cfg->agent.bgp_source : ER_BGPSRC_AUTO;
	o->vtysh = "vtysh";
	o->frr_pathspace = cfg ? cfg->agent.frr_pathspace : NULL;
	o->bird_socket = cfg && cfg->agent.bird_socket ? cfg->agent.bird_socket : "/run/bird/bird.ctl";
	o->proc_root = "/proc";
}


static unsigned long
read_ulong(const char *path, bool *ok)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	unsigned long v = 0;

	*ok = false;
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		char *end;
		v = strtoul(buf, &end, 10);
		*ok = end != buf && (*end == '\n' || *end == '\0');
	}
	fclose(f);
	return v;
}

/* The column of @p name in the header line @p hdr (space separated), or -1. */
static int
ct_column(const char *hdr, const char *name)
{
	size_t n = strlen(name);
	const char *p = hdr;
	int col = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || !p[n]))
			return col;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		col++;
	}
	return -1;
}

int
er_conntrack_stats_parse(const char *text, struct er_observed *obs, char *err, size_t errlen)
{
	static const char *const names[] = { "insert_failed", "drop", "early_drop" };
	uint64_t sum[3] = { 0, 0, 0 };
	const char *line = text, *nl;
	int col[3], i, lines = 0;

	/* Columns differ between kernel versions: find them by name in the header. */
	for (i = 0; i < 3; i++)
		if ((col[i] = ct_column(text, names[i])) < 0) {
			snprintf(err, errlen, "no %s column in the header", names[i]);
			return -1;
		}
	for (line = strchr(text, '\n'); line && *++line; line = nl) {
		unsigned long long v[32];
		const char *p = line;
		int n = 0;

		nl = strchr(line, '\n');
		/* One line per CPU, every value in hexadecimal. */
		while (n < 32) {
			char *end;
			while (*p == ' ' || *p == '\t')
				p++;
			if (!*p || *p == '\n')
				break;
			v[n] = strtoull(p, &end, 16);
			if (end == p || (*end && *end != ' ' && *end != '\t' && *end != '\n')) {
				snprintf(err, errlen, "line %d: not a hexadecimal counter", lines + 2);
				return -1;
			}
			p = end;
			n++;
		}
		for (i = 0; i < 3; i++) {
			if (col[i] >= n) {
				snprintf(err, errlen, "line %d: %d columns, no %s", lines + 2, n, names[i]);
				return -1;
			}
			sum[i] += v[col[i]];
		}
		lines++;
		if (!nl)
			break;
	}
	if (!lines) {
		snprintf(err, errlen, "no per-CPU line");
		return -1;
	}
	obs->ct_insert_failed = sum[0];
	obs->ct_drop = sum[1];
	obs->ct_early_drop = sum[2];
	obs->have_ct_stats = true;
	return 0;
}

/* A procfs file whole (malloc'd), NULL if absent or unreadable. */
static char *
read_whole(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The per-CPU statistics (one line per possible CPU); a missing or odd file leaves them unreported (logged). */
static void
conntrack_stats(const struct er_collect_opts *o, struct er_observed *obs)
{
	char path[256], err[128], *text;

	snprintf(path, sizeof(path), "%s/net/stat/nf_conntrack", o->proc_root);
	if (!(text = read_whole(path)))
		return;
	if (er_conntrack_stats_parse(text, obs, err, sizeof(err)) < 0)
		log_debug("%s: %s", path, err);
	free(text);
}

static struct er_interface *
interface_named(struct er_observed *obs, const char *name)
{
	size_t i;

	for (i = 0; i < obs->n_ifs; i++)
		if (!strcmp(obs->ifs[i].name, name))
			return &obs->ifs[i];
	return NULL;
}

/* Mark group @p g (an address) joined on @p ifname when it is one of the ER_RRG_ groups. */
static void
rr_mark(struct er_observed *obs, const char *ifname, const struct er_addr *g)
{
	struct er_interface *ifp;
	struct er_addr a;
	int k;

	for (k = 0; k < ER_RRG_COUNT; k++)
		if (er_addr_parse(er_rr_group_addr(k), &a) == 0 && er_addr_eq(&a, g))
			break;
	/* Only the few groups of interest: the lookup is linear, and rare. */
	if (k < ER_RRG_COUNT && (ifp = interface_named(obs, ifname)))
		ifp->rr_groups |= (uint8_t)(1 << k);
}

int
er_rr_groups_parse(const char *igmp, const char *igmp6, struct er_observed *obs, char *err, size_t errlen)
{
	char ifname[ER_OBS_IFNAMSIZ] = "", name[32], hex[40];
	const char *line;
	int n = 0;

	/*
	 * igmp: a line per device ("2\teth0      :     2      V3", a name of 10 or
	 * more characters runs into the colon), then its groups as "\t\t\t\t%08X"
	 * of the address as the kernel holds it (network order, printed as a
	 * native integer).
	 */
	for (line = igmp; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned int v;
		n++;
		if (n == 1)
			continue; /* the header */
		if (*line >= '0' && *line <= '9') {
			size_t l = 0;
			if (sscanf(line, "%*d %31s", name) == 1 && (l = strlen(name)) && name[l - 1] == ':')
				name[--l] = '\0';
			if (!l || l >= sizeof(ifname)) {
				snprintf(err, errlen, "igmp line %d: no device", n);
				return -1;
			}
			memcpy(ifname, name, l + 1);
		} else if (*line == '\t') {
			struct er_addr g = { .family = ER_AF_INET };
			uint32_t host;
			if (!ifname[0] || sscanf(line, " %8x", &v) != 1) {
				snprintf(err, errlen, "igmp line %d: not a group of a device", n);
				return -1;
			}
			host = v;
			memcpy(g.bytes, &host, 4);
			rr_mark(obs, ifname, &g);
		}
	}
	/* igmp6: "%-4d %-15s %032x-style address %5d %08X %ld" per group. */
	for (n = 0, line = igmp6; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		struct er_addr g = { .family = ER_AF_INET6 };
		int i;
		n++;
		if (sscanf(line, "%*d %31s %39s", name, hex) != 2 || strlen(hex) != 32 || strlen(name) >= ER_OBS_IFNAMSIZ) {
			snprintf(err, errlen, "igmp6 line %d: not 'index device group ...'", n);
			return -1;
		}
		for (i = 0; i < 16; i++) {
			unsigned int b;
			if (sscanf(hex + 2 * i, "%2x", &b) != 1) {
				snprintf(err, errlen, "igmp6 line %d: group is not hexadecimal", n);
				return -1;
			}
			g.bytes[i] = (uint8_t)b;
		}
		rr_mark(obs, name, &g);
	}
	return 0;
}

/* Router-redundancy groups joined: a part of the interface state, never its failure. */
static void
collect_rr_groups(const struct er_collect_opts *o, struct er_observed *obs)
{
	char path[256], err[128], *v4, *v6;

	snprintf(path, sizeof(path), "%s/net/igmp", o->proc_root);
	v4 = read_whole(path);
	snprintf(path, sizeof(path), "%s/net/igmp6", o->proc_root);
	v6 = read_whole(path);
	if (er_rr_groups_parse(v4, v6, obs, err, sizeof(err)) < 0)
		log_debug("%s/net/igmp{,6}: %s", o->proc_root, err);
	free(v4);
	free(v6);
}

int
er_collect_conntrack(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	char path[256];
	bool ok1, ok2;

	(void)deadline_us;
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_count", o->proc_root);
	obs->conntrack_count = (uint32_t)read_ulong(path, &ok1);
	snprintf(path, sizeof(path), "%s/sys/net/netfilter/nf_conntrack_max", o->proc_root);
	obs->conntrack_max = (uint32_t)read_ulong(path, &ok2);
	if (!ok1 || !ok2) {
		snprintf(err, errlen, "%s/sys/net/netfilter/nf_conntrack_{count,max} not readable (nf_conntrack not loaded?)",
		    o->proc_root);
		return ER_COLLECT_ERROR;
	}
	conntrack_stats(o, obs);
	return ER_COLLECT_OK;
}

typedef int (*collector_fn)(const struct er_collect_opts *, struct er_observed *, unsigned long long, char *,
    size_t);

/* Run one collector and record its outcome; returns its result. */
static int
run_one(const struct er_collect_opts *o, struct er_observed *obs, collector_fn fn, enum er_source src,
    const char *daemon)
{
	unsigned long long t0 = er_now_us();
	char err[256] = "";
	int rc = fn(o, obs, t0 + (unsigned long long)o->timeout_ms * 1000ull, err, sizeof(err));
	uint32_t ms = (uint32_t)((er_now_us() - t0) / 1000);

	if (rc == ER_COLLECT_OK)
		er_observed_set_status(obs, src, ER_COLL_OK, daemon, ms, NULL);
	else
		er_observed_set_status(obs, src, rc == ER_COLLECT_TIMEOUT ? ER_COLL_TIMEOUT : ER_COLL_ERROR, daemon, ms,
		    "%s", err);
	if (rc != ER_COLLECT_OK)
		log_debug("collector %s (%s): %s", er_source_name(src), daemon, err);
	return rc;
}

static bool
bird_socket_present(const struct er_collect_opts *o)
{
	struct stat st;

	return o->bird_socket && stat(o->bird_socket, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
collect_bgp(const struct er_collect_opts *o, struct er_observed *obs)
{
	switch (o->bgp) {
	case ER_BGPSRC_NONE:
		er_observed_set_status(obs, ER_SRC_BGP, ER_COLL_DISABLED, "none", 0, "BGP source set to none");
		return;
	case ER_BGPSRC_FRR:
		run_one(o, obs, er_collect_frr, ER_SRC_BGP, "frr");
		return;
	case ER_BGPSRC_BIRD:
		run_one(o, obs, er_collect_bird, ER_SRC_BGP, "bird");
		return;
	case ER_BGPSRC_AUTO:
		/* FRR if it answers, else BIRD if its socket is there. */
		if (run_one(o, obs, er_collect_frr, ER_SRC_BGP, "frr") == ER_COLLECT_OK)
			return;
		if (bird_socket_present(o)) {
			run_one(o, obs, er_collect_bird, ER_SRC_BGP, "bird");
			return;
		}
		{
			struct er_source_status frr = obs->src[ER_SRC_BGP];
			er_observed_set_status(obs, ER_SRC_BGP, ER_COLL_DISABLED, "auto", frr.duration_ms,
			    "no BGP daemon found (FRR: %s; BIRD: no socket at %s)", frr.message,
			    o->bird_socket ? o->bird_socket : "(none)");
		}
		return;
	}
}

/* A reason the peer itself sent (a NOTIFICATION), as FRR and BIRD word it. */
static bool
peer_reason(const char *e)
{
	return strcasestr(e, "received") != NULL;
}

void
er_keep_peer_reasons(const struct er_observed *prev, struct er_observed *obs)
{
	size_t i;

	if (!er_observed_ok(prev, ER_SRC_BGP) || !er_observed_ok(obs, ER_SRC_BGP))
		return;
	for (i = 0; i < obs->n_nbrs; i++) {
		struct er_bgp_neighbor *n = &obs->nbrs[i];
		const struct er_bgp_neighbor *was;

		if (n->state == ER_BGP_ESTABLISHED || peer_reason(n->last_error))
			continue;
		was = er_observed_neighbor(prev, &n->addr);
		if (!was || was->state == ER_BGP_ESTABLISHED || !peer_reason(was->last_error))
			continue;
		memcpy(n->last_error, was->last_error, sizeof(n->last_error));
	}
}

struct er_observed *
er_collect_all(const struct er_collect_opts *o)
{
	struct er_observed *obs = er_observed_new();
	struct er_source_status qos_nft;
	struct er_nft_query nq;
	char nft_err[256] = "";
	unsigned long long nft_t0;
	int nft_rc;

	obs->collected_at = (long long)time(NULL);
	collect_bgp(o, obs);
	if (o->prev)
		er_keep_peer_reasons(o->prev, obs);
	if (run_one(o, obs, er_collect_netlink, ER_SRC_INTERFACES, "netlink") == ER_COLLECT_OK)
		collect_rr_groups(o, obs);
	/*
	 * One nftables dump gives both the NAT rules and the DSCP rules. It is
	 * read over netlink in this process (collect_nft_query.c), so its time
	 * is its own, measured from here.
	 */
	nft_t0 = er_now_us();
	nft_rc = er_nft_start(&nq, nft_err, sizeof(nft_err));
	if (nft_rc == ER_COLLECT_OK)
		nft_rc = er_nft_finish(&nq, obs, nft_t0 + (unsigned long long)o->timeout_ms * 1000ull, nft_err,
		    sizeof(nft_err));
	if (nft_rc == ER_COLLECT_OK)
		er_observed_set_status(obs, ER_SRC_NAT, ER_COLL_OK, "nftables", (uint32_t)((er_now_us() - nft_t0) / 1000),
		    NULL);
	else
		er_observed_set_status(obs, ER_SRC_NAT, nft_rc == ER_COLLECT_TIMEOUT ? ER_COLL_TIMEOUT : ER_COLL_ERROR,
		    "nftables", (uint32_t)((er_now_us() - nft_t0) / 1000), "%s", nft_err);
	qos_nft = obs->src[ER_SRC_NAT];
	run_one(o, obs, er_collect_tc, ER_SRC_QOS, "tc");
	if (qos_nft.status != ER_COLL_OK)
		er_observed_set_status(obs, ER_SRC_QOS, qos_nft.status, "nftables", qos_nft.duration_ms, "%s",
		    qos_nft.message);
	else if (obs->src[ER_SRC_QOS].status == ER_COLL_OK)
		er_observed_set_status(obs, ER_SRC_QOS, ER_COLL_OK, "nftables+tc",
		    qos_nft.duration_ms + obs->src[ER_SRC_QOS].duration_ms, NULL);
	run_one(o, obs, er_collect_conntrack, ER_SRC_CONNTRACK, "procfs");
	{
		char err[256];
		/* Not a source of its own: without the counters check 150 only says less. */
		if (er_collect_tcp_md5(o, obs, err, sizeof(err)) != ER_COLLECT_OK)
			log_debug("TCP-MD5 counters: %s", err);
	}
	er_observed_finalize(obs);
	return obs;
}
