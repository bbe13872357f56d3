#include "nc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libyang/libyang.h>

#include "addr.h"
#include "datastore.h"
#include "log.h"
#include "model.h"
#include "util.h"

struct slot {
	uint64_t seq;
	long long time_us;
	struct lyd_node *tree;
};

struct er_nc_log {
	pthread_mutex_t lock;
	struct ly_ctx *ctx;
	char *path;
	FILE *f;            /* append stream of path */
	size_t file_lines;  /* lines in the file, to know when to compact */
	struct slot *ring;
	uint32_t cap;       /* kept entries */
	uint64_t next;      /* next seq; entries are [next - count, next) */
	uint32_t count;
	long long created_us;
};

const char *
er_nc_time_str(long long time_us, char *buf, size_t len)
{
	time_t t = (time_t)(time_us / 1000000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lldZ", s, time_us % 1000000);
	return buf;
}

int
er_nc_time_parse(const char *s, long long *time_us)
{
	struct tm tm;
	const char *p;
	long long frac = 0, scale = 1000000;
	int off = 0, sign = 1, oh, om;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
			p++;
		}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2 || strlen(p + 1) != 5)
			return -1;
		off = sign * (oh * 3600 + om * 60);
		p += 6;
	} else
		return -1;
	if (*p)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*time_us = ((long long)t - off) * 1000000 + frac;
	return 0;
}

static long long
now_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct slot *
slot_of(struct er_nc_log *log, uint64_t seq)
{
	return &log->ring[seq % log->cap];
}

/* under lock; takes @p tree */
static void
put(struct er_nc_log *log, uint64_t seq, long long time_us, struct lyd_node *tree)
{
	struct slot *s;

	if (!log->cap) {
		lyd_free_all(tree);
		log->next = seq + 1;
		return;
	}
	s = slot_of(log, seq);
	if (log->count == log->cap)
		lyd_free_all(s->tree);
	else
		log->count++;
	s->seq = seq;
	s->time_us = time_us;
	s->tree = tree;
	log->next = seq + 1;
}

static char *
line_of(const struct slot *s)
{
	char *json = NULL, *line = NULL;

	if (lyd_print_mem(&json, s->tree, LYD_JSON, LYD_PRINT_SHRINK) != LY_SUCCESS || !json)
		return NULL;
	if (asprintf(&line, "%lld %llu %s\n", s->time_us, (unsigned long long)s->seq, json) < 0)
		line = NULL;
	free(json);
	return line;
}

/* Rewrite the file with what the ring keeps (temp file + rename). Under lock. */
static void
compact(struct er_nc_log *log)
{
	char *tmp = NULL;
	FILE *f;
	int fd;
	uint64_t q;

	if (!log->path || asprintf(&tmp, "%s.tmp.XXXXXX", log->path) < 0)
		return;
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		log_warnx("event log %s: cannot rewrite: %s", log->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(tmp);
		return;
	}
	fchmod(fd, 0600);
	log->file_lines = 0;
	for (q = log->next - log->count; q < log->next; q++) {
		char *line = line_of(slot_of(log, q));
		if (line) {
			fputs(line, f);
			log->file_lines++;
		}
		free(line);
	}
	if (fflush(f) != 0 || fsync(fd) < 0 || fclose(f) != 0 || rename(tmp, log->path) < 0) {
		log_warnx("event log %s: cannot rewrite: %s", log->path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	if (log->f)
		fclose(log->f);
	log->f = fopen(log->path, "ae");
}

static void
load(struct er_nc_log *log)
{
	FILE *f = fopen(log->path, "re");
	char *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0;
	ssize_t len;

	if (!f) {
		if (errno != ENOENT)
			log_warnx("event log %s: %s", log->path, strerror(errno));
		return;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		long long t;
		unsigned long long seq;
		int off = 0;
		struct lyd_node *tree = NULL, *op = NULL;
		struct ly_in *in = NULL;

		lineno++;
		if (sscanf(line, "%lld %llu %n", &t, &seq, &off) != 2 || !off ||
		    ly_in_new_memory(line + off, &in) != LY_SUCCESS ||
		    lyd_parse_op(log->ctx, NULL, in, LYD_JSON, LYD_TYPE_NOTIF_YANG, &tree, &op) != LY_SUCCESS ||
		    (log->count && seq < log->next)) {
			bad++;
			lyd_free_all(tree);
			ly_in_free(in, 0);
			continue;
		}
		ly_in_free(in, 0);
		put(log, seq, t, tree);
	}
	free(line);
	fclose(f);
	log->file_lines = lineno;
	if (bad)
		log_warnx("event log %s: %zu of %zu lines skipped (not a notification of this module)", log->path, bad,
		    lineno);
	if (log->count)
		log->created_us = slot_of(log, log->next - log->count)->time_us;
}

struct er_nc_log *
er_nc_log_open(struct ly_ctx *ctx, const char *path, uint32_t size)
{
	struct er_nc_log *log = xcalloc(1, sizeof(*log));

	pthread_mutex_init(&log->lock, NULL);
	log->ctx = ctx;
	log->cap = size;
	log->ring = xcalloc(size ? size : 1, sizeof(*log->ring));
	log->next = 1;
	log->created_us = now_real_us();
	if (path) {
		log->path = xstrdup(path);
		load(log);
		compact(log);
	}
	return log;
}

void
er_nc_log_close(struct er_nc_log *log)
{
	uint64_t q;

	if (!log)
		return;
	for (q = log->next - log->count; q < log->next; q++)
		lyd_free_all(slot_of(log, q)->tree);
	if (log->f)
		fclose(log->f);
	free(log->ring);
	free(log->path);
	pthread_mutex_destroy(&log->lock);
	free(log);
}

void
er_nc_log_resize(struct er_nc_log *log, uint32_t size)
{
	struct slot *ring;
	uint32_t keep, i;
	uint64_t first;

	pthread_mutex_lock(&log->lock);
	if (size == log->cap) {
		pthread_mutex_unlock(&log->lock);
		return;
	}
	keep = log->count < size ? log->count : size;
	first = log->next - log->count;
	for (i = 0; i < log->count - keep; i++)
		lyd_free_all(slot_of(log, first + i)->tree);
	ring = xcalloc(size ? size : 1, sizeof(*ring));
	for (i = 0; i < keep; i++) {
		uint64_t q = log->next - keep + i;
		ring[q % (size ? size : 1)] = *slot_of(log, q);
	}
	free(log->ring);
	log->ring = ring;
	log->cap = size;
	log->count = keep;
	if (log->f)
		compact(log);
	pthread_mutex_unlock(&log->lock);
}

uint64_t
er_nc_log_append(struct er_nc_log *log, struct lyd_node *notif, long long time_us)
{
	uint64_t seq;

	pthread_mutex_lock(&log->lock);
	seq = log->next;
	put(log, seq, time_us, notif);
	if (log->f && log->cap) {
		char *line = line_of(slot_of(log, seq));
		if (line && (fputs(line, log->f) < 0 || fflush(log->f) != 0))
			log_warnx("event log %s: cannot append: %s", log->path, strerror(errno));
		free(line);
		if (++log->file_lines > 2 * (size_t)log->cap + 16)
			compact(log);
	}
	pthread_mutex_unlock(&log->lock);
	return seq;
}

uint64_t
er_nc_log_next_seq(struct er_nc_log *log)
{
	uint64_t n;

	pthread_mutex_lock(&log->lock);
	n = log->next;
	pthread_mutex_unlock(&log->lock);
	return n;
}

uint64_t
er_nc_log_seek(struct er_nc_log *log, long long time_us)
{
	uint64_t lo, hi;

	pthread_mutex_lock(&log->lock);
	lo = log->next - log->count;
	hi = log->next;
	while (lo < hi) { /* entries are in time order */
		uint64_t mid = lo + (hi - lo) / 2;
		if (slot_of(log, mid)->time_us < time_us)
			lo = mid + 1;
		else
			hi = mid;
	}
	pthread_mutex_unlock(&log->lock);
	return lo;
}

int
er_nc_log_get(struct er_nc_log *log, uint64_t seq, struct er_nc_entry *out)
{
	const struct slot *s;
	int rc = -1;

	pthread_mutex_lock(&log->lock);
	if (seq < log->next - log->count)
		seq = log->next - log->count;
	if (seq < log->next) {
		s = slot_of(log, seq);
		out->seq = s->seq;
		out->time_us = s->time_us;
		if (lyd_dup_single(s->tree, NULL, LYD_DUP_RECURSIVE, &out->tree) == LY_SUCCESS)
			rc = 0;
	}
	pthread_mutex_unlock(&log->lock);
	return rc;
}

long long
er_nc_log_created(struct er_nc_log *log)
{
	long long t;

	pthread_mutex_lock(&log->lock);
	t = log->count ? slot_of(log, log->next - log->count)->time_us : log->created_us;
	pthread_mutex_unlock(&log->lock);
	return t;
}

static void
leaf(struct lyd_node *n, const struct lys_module *mod, const char *name, const char *value)
{
	if (value && *value)
		lyd_new_term(n, mod, name, value, 0, NULL);
}

static void
leaf_u(struct lyd_node *n, const struct lys_module *mod, const char *name, unsigned long v)
{
	char b[24];

	snprintf(b, sizeof(b), "%lu", v);
	leaf(n, mod, name, b);
}

struct lyd_node *
er_nc_event_tree(const struct ly_ctx *ctx, const struct er_event *ev)
{
	const struct lys_module *mod = ly_ctx_get_module_implemented(ctx, ER_YANG_MODULE);
	struct lyd_node *n = NULL;
	char addr[64];

	if (!mod || lyd_new_inner(NULL, mod, er_event_kind_name(ev->kind), 0, &n) != LY_SUCCESS)
		return NULL;
	switch (ev->kind) {
	case ER_EV_READINESS_CHANGED:
		leaf(n, mod, "circuit", ev->circuit);
		leaf(n, mod, "old-readiness", ev->old_value ? er_readiness_name(ev->old_value) : NULL);
		leaf(n, mod, "new-readiness", er_readiness_name(ev->new_value));
		leaf_u(n, mod, "checks-fail", ev->checks_fail);
		break;
	case ER_EV_CHECK_STATUS_CHANGED:
		leaf(n, mod, "id", ev->check_id);
		leaf_u(n, mod, "code", ev->code);
		leaf(n, mod, "circuit", ev->circuit);
		if (ev->peering)
			leaf(n, mod, "peering", er_peering_name(ev->peering));
		if (ev->path)
			leaf(n, mod, "path", er_path_name(ev->path));
		leaf(n, mod, "old-status", ev->old_value ? er_status_name(ev->old_value) : NULL);
		leaf(n, mod, "new-status", er_status_name(ev->new_value));
		leaf(n, mod, "severity", er_severity_name(ev->severity));
		leaf(n, mod, "detail", ev->detail);
		break;
	case ER_EV_BGP_SESSION_CHANGED:
	case ER_EV_REDUNDANCY_LOST:
	case ER_EV_REDUNDANCY_RESTORED:
		leaf(n, mod, "circuit", ev->circuit);
		if (ev->peering)
			leaf(n, mod, "peering", er_peering_name(ev->peering));
		if (ev->path)
			leaf(n, mod, "path", er_path_name(ev->path));
		if (ev->neighbor.family)
			leaf(n, mod, "neighbor-address", er_addr_str(&ev->neighbor, addr, sizeof(addr)));
		if (ev->kind == ER_EV_BGP_SESSION_CHANGED) {
			leaf(n, mod, "old-state", er_bgp_state_name(ev->old_value));
			leaf(n, mod, "new-state", er_bgp_state_name(ev->new_value));
			leaf(n, mod, "last-error", ev->detail);
		} else {
			leaf_u(n, mod, "sessions-up", ev->sessions_up);
			leaf(n, mod, "detail", ev->detail);
			if (ev->router[0])
				leaf(n, mod, "router", ev->router);
		}
		break;
	}
	return n;
}
