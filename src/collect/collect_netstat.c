/*
 * The kernel's TCP-MD5 counters from /proc/net/netstat: the only trace a
 * BGP key mismatch leaves on the router. The kernel drops a segment whose
 * MD5 option does not verify before any socket sees it, so neither FRR nor
 * BIRD can report it; a peer that sends nothing leaves no trace at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "util.h"

/* The next line of @p p (without its newline) in @p line, or NULL at the end. */
static const char *
next_row(const char *p, const char **line, size_t *len)
{
	const char *nl;

	if (!p || !*p)
		return NULL;
	nl = strchr(p, '\n');
	*line = p;
	*len = nl ? (size_t)(nl - p) : strlen(p);
	return nl ? nl + 1 : p + *len;
}

/* Field @p k (from 0, blank separated) of a row: start and length, false past the end. */
static bool
row_field(const char *line, size_t len, size_t k, const char **f, size_t *flen)
{
	const char *p = line, *end = line + len;

	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return false;
		*f = p;
		while (p < end && *p != ' ')
			p++;
		*flen = (size_t)(p - *f);
		if (k-- == 0)
			return true;
	}
}

int
er_netstat_parse_md5(const char *text, struct er_tcp_md5 *m, char *err, size_t errlen)
{
	static const char *const names[3] = { "TCPMD5Failure", "TCPMD5NotFound", "TCPMD5Unexpected" };
	uint64_t *vals[3] = { &m->failure, &m->not_found, &m->unexpected };
	const char *p = text, *head = NULL, *line, *f, *v;
	size_t hlen = 0, len, flen, vlen, k;
	int found = 0, i;

	/* Rows come in pairs: "TcpExt: names..." then "TcpExt: values...". */
	while ((p = next_row(p, &line, &len))) {
		if (len < 7 || strncmp(line, "TcpExt:", 7) != 0)
			continue;
		if (!head) {
			head = line;
			hlen = len;
			continue;
		}
		for (k = 1; row_field(head, hlen, k, &f, &flen); k++)
			for (i = 0; i < 3; i++) {
				char num[32], *end;
				if (strlen(names[i]) != flen || strncmp(f, names[i], flen) != 0)
					continue;
				if (!row_field(line, len, k, &v, &vlen) || vlen >= sizeof(num)) {
					snprintf(err, errlen, "netstat: TcpExt has no value for %s", names[i]);
					return -1;
				}
				memcpy(num, v, vlen);
				num[vlen] = '\0';
				errno = 0;
				*vals[i] = strtoull(num, &end, 10);
				if (errno || *end) {
					snprintf(err, errlen, "netstat: %s is not a number: '%s'", names[i], num);
					return -1;
				}
				found |= 1 << i;
			}
		break;
	}
	if (!head) {
		snprintf(err, errlen, "netstat: no TcpExt rows");
		return -1;
	}
	if (found != 7) {
		snprintf(err, errlen, "netstat: no TCPMD5Failure/NotFound/Unexpected counters (kernel without TCP_MD5SIG?)");
		return -1;
	}
	m->have = true;
	return 0;
}

static int
read_counters(const char *root, struct er_tcp_md5 *m, char *err, size_t errlen)
{
	char path[256], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r = 0;
	int fd, rc;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/net/netstat", root);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ER_COLLECT_ERROR;
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xreallocarray(buf, cap, 1);
		}
		if ((r = read(fd, buf + len, cap - len - 1)) < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		return ER_COLLECT_ERROR;
	}
	rc = er_netstat_parse_md5(buf, m, err, errlen);
	free(buf);
	if (rc < 0) {
		memset(m, 0, sizeof(*m));
		return ER_COLLECT_ERROR;
	}
	return ER_COLLECT_OK;
}

/* @p m's rise over @p was, or false when a counter went down (another namespace or boot). */
static bool
rise_over(struct er_tcp_md5 *m, const struct er_tcp_md5 *was)
{
	if (!was->have || m->failure < was->failure || m->not_found < was->not_found || m->unexpected < was->unexpected)
		return false;
	m->have_rise = true;
	m->rise = (m->failure - was->failure) + (m->not_found - was->not_found) + (m->unexpected - was->unexpected);
	return true;
}

/* A session of a peering with an MD5 key is collected and not Established (obs not finalized yet). */
static bool
keyed_session_down(const struct er_config *cfg, const struct er_observed *obs)
{
	size_t c, p, k, i, n;

	for (c = 0; cfg && c < cfg->n_circuits; c++)
		for (p = 0; p < cfg->circuits[c].n_peerings; p++) {
			const struct er_peering_cfg *pc = &cfg->circuits[c].peerings[p];
			const struct er_prefix *sn[4];
			if (!pc->has_md5 || !pc->enabled)
				continue;
			n = er_peering_subnets(pc, sn);
			for (k = 0; k < n; k++) {
				struct er_addr cust, msee;
				er_link_addrs(sn[k], &cust, &msee);
				for (i = 0; i < obs->n_nbrs; i++)
					if (er_addr_eq(&obs->nbrs[i].addr, &msee) && obs->nbrs[i].state != ER_BGP_ESTABLISHED)
						return true;
			}
		}
	return false;
}

int
er_collect_tcp_md5(const struct er_collect_opts *o, struct er_observed *obs, char *err, size_t errlen)
{
	struct er_tcp_md5 *m = &obs->tcp_md5, first;
	const struct er_tcp_md5 *was = o->prev ? &o->prev->tcp_md5 : NULL;
	unsigned long long t0, stop;
	unsigned budget;

	if (read_counters(o->proc_root, m, err, errlen) != ER_COLLECT_OK)
		return ER_COLLECT_ERROR;
	if (was) {
		if (rise_over(m, was)) {
			long long dt = obs->collected_at - o->prev->collected_at;
			m->watched_ms = dt <= 0 ? 0 : dt > UINT32_MAX / 1000 ? UINT32_MAX : (uint32_t)(dt * 1000);
			m->last_rise_at = m->rise ? obs->collected_at : was->last_rise_at;
		}
		return ER_COLLECT_OK;
	}
	/* Nothing ever refused is a silent peer for sure: no need to wait. */
	if (!(m->failure + m->not_found + m->unexpected) || !keyed_session_down(o->cfg, obs))
		return ER_COLLECT_OK;
	/*
	 * One reading cannot say whether the counts are from now or from last
	 * month: watch them for a moment. An MSEE with another key retries its
	 * connection every few seconds, and the kernel counts each SYN it drops.
	 */
	first = *m;
	budget = o->timeout_ms < ER_MD5_WATCH_MS ? o->timeout_ms : ER_MD5_WATCH_MS;
	t0 = er_now_us();
	stop = t0 + (unsigned long long)budget * 1000ull;
	for (;;) {
		unsigned long long now = er_now_us();
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		if (now >= stop)
			break;
		if (stop - now < 100000)
			ts.tv_nsec = (long)(stop - now) * 1000;
		nanosleep(&ts, NULL);
		if (read_counters(o->proc_root, m, err, errlen) != ER_COLLECT_OK || !rise_over(m, &first)) {
			*m = first; /* the first reading stands alone */
			return ER_COLLECT_OK;
		}
		if (m->rise)
			break;
	}
	m->watched_ms = (uint32_t)((er_now_us() - t0) / 1000);
	m->last_rise_at = m->rise ? obs->collected_at : 0;
	return ER_COLLECT_OK;
}
