/*
 * BIRD 2 collector: the control socket, whose replies are numbered lines
 * ("1002-..." more follows, "0000 " last line, " ..." continues the
 * previous code). `show protocols all` gives the BGP sessions; `show route
 * export P all` / `show route protocol P all` give the routes advertised
 * to / received from the sessions that matter.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "util.h"

/* One logical reply line: its code and text (continuations keep the code). */
struct bird_line {
	int code;
	const char *text;
	size_t len;
};

/*
 * Iterate the lines of @p reply. Returns false at the end. A code of
 * 8000-9999 is an error reply.
 */
static bool
next_line(const char **cursor, int *code, struct bird_line *l)
{
	const char *p = *cursor, *eol;

	if (!*p)
		return false;
	eol = strchr(p, '\n');
	if (!eol)
		eol = p + strlen(p);
	if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
	    isdigit((unsigned char)p[3]) && (p[4] == '-' || p[4] == ' ' || p + 4 == eol)) {
		*code = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
		l->text = p + 4 < eol ? p + 5 : eol;
	} else
		l->text = *p == ' ' ? p + 1 : p; /* continuation of *code */
	if (l->text > eol)
		l->text = eol;
	l->code = *code;
	l->len = (size_t)(eol - l->text);
	*cursor = *eol ? eol + 1 : eol;
	return true;
}

/* "Key:   value" with leading blanks: true and the value when @p l has @p key. */
static bool
field(const struct bird_line *l, const char *key, char *val, size_t vlen)
{
	const char *t = l->text, *end = l->text + l->len;
	size_t klen = strlen(key), n;

	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	if ((size_t)(end - t) < klen || strncmp(t, key, klen) != 0)
		return false;
	t += klen;
	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	n = (size_t)(end - t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\r'))
		n--;
	snprintf(val, vlen, "%.*s", (int)n, t);
	return true;
}

static int
reply_error(const char *reply, const char *what, char *err, size_t errlen)
{
	const char *cur = reply;
	struct bird_line l;
	int code = 0;

	while (next_line(&cur, &code, &l))
		if (l.code >= 8000) {
			snprintf(err, errlen, "BIRD refused '%s': %.*s", what, (int)l.len, l.text);
			return -1;
		}
	return 0;
}

static enum er_bgp_state
bird_state(const char *s)
{
	if (!strcmp(s, "Down"))
		return ER_BGP_IDLE;
	return er_bgp_state_from_name(s);
}

enum { BT_DATE = 1, BT_TIME = 2 };

/* Seconds since the epoch of a civil date (proleptic Gregorian), without the TZ-dependent mktime(). */
static long long
civil_days(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	return (long long)timegm(&tm);
}

/* This host's local time as civil seconds, for when BIRD's own clock is unknown. */
static long long
civil_now(void)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	return (long long)timegm(&tm);
}

/*
 * A time stamp in one of BIRD's timeformats, as civil seconds. BIRD 2's
 * default for protocols is "iso short ms": "%T.%3f" (a time of day, today
 * or yesterday) until 20 hours have passed, then "%F" (only the date);
 * "iso long" is "%F %T", and "%s" is Unix time (converted to local civil
 * time so that it subtracts from the other forms). Returns a mask of
 * BT_DATE and BT_TIME, 0 when @p s holds none of these.
 */
static int
bird_time(const char *s, long long *civil)
{
	int y, mo, d, h, mi, sec, n = 0, mask = 0;
	char *end;

	while (*s == ' ')
		s++;
	if (isdigit((unsigned char)*s)) {
		long long v = strtoll(s, &end, 10);
		if (end - s >= 9 && (*end == '\0' || *end == ' ' || *end == '.')) {
			time_t t = (time_t)v;
			struct tm tm;
			localtime_r(&t, &tm);
			*civil = (long long)timegm(&tm);
			return BT_DATE | BT_TIME;
		}
	}
	*civil = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31) {
		*civil = civil_days(y, mo, d);
		mask |= BT_DATE;
		s += n;
		while (*s == ' ')
			s++;
	}
	n = 0;
	if (sscanf(s, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) == 3 && n == 8 && h < 24 && mi < 60 && sec < 61) {
		*civil += h * 3600 + mi * 60 + sec;
		mask |= BT_TIME;
	}
	return mask;
}

int
er_bird_parse_status(const char *reply, long long *now_civil)
{
	const char *cur = reply;
	struct bird_line l;
	char v[128];
	int code = 0;

	while (next_line(&cur, &code, &l))
		if (field(&l, "Current server time is", v, sizeof(v)) && bird_time(v, now_civil) == (BT_DATE | BT_TIME))
			return 0;
	return -1;
}

/*
 * Seconds a session has been up from its "since" column: a time of day
 * later than now was yesterday's; a bare date (older than BIRD's limit)
 * counts from the end of that day, so the uptime is never overstated.
 */
static uint32_t
bird_uptime(const char *since, long long now)
{
	long long t, up;
	int mask = bird_time(since, &t);

	if (mask == BT_TIME) {
		t += now - (now % 86400 + 86400) % 86400;
		if (t > now)
			t -= 86400;
	} else if (mask == BT_DATE)
		t += 86400;
	else if (!mask)
		return 0;
	up = now - t;
	return up <= 0 ? 0 : up > UINT32_MAX ? UINT32_MAX : (uint32_t)up;
}

/* The "Since" column of a protocol line: after name, protocol, table and state. */
static const char *
since_column(const char *t)
{
	int k;

	for (k = 0; k < 4; k++) {
		while (*t == ' ')
			t++;
		while (*t && *t != ' ')
			t++;
	}
	return t;
}

/* Protocol names in the order of obs->nbrs, so routes can be asked per session. */
struct bird_protos {
	char (*name)[64];
	size_t n;
};

static int
parse_protocols(const char *reply, long long now, struct er_observed *obs, struct bird_protos *names, char *err,
    size_t errlen)
{
	const char *cur = reply;
	struct bird_line l;
	struct er_bgp_neighbor *n = NULL;
	char v[256], pname[64] = "", since[64] = "";
	int code = 0, afi = ER_AFI_V4;
	size_t cap = obs->n_nbrs;

	if (reply_error(reply, "show protocols all", err, errlen) < 0)
		return -1;
	while (next_line(&cur, &code, &l)) {
		if (l.code == 1002 && l.text[0] != ' ') {
			char proto[32] = "";
			if (n && !n->addr.family)
				break;
			n = NULL;
			if (sscanf(l.text, "%63s %31s", pname, proto) == 2 && !strcmp(proto, "BGP")) {
				if (obs->n_nbrs == cap) {
					cap = cap ? cap * 2 : 8;
					obs->nbrs = xreallocarray(obs->nbrs, cap, sizeof(*obs->nbrs));
					if (names)
						names->name = xreallocarray(names->name, cap, sizeof(*names->name));
				}
				n = &obs->nbrs[obs->n_nbrs++];
				memset(n, 0, sizeof(*n));
				snprintf(since, sizeof(since), "%.*s", (int)(l.len - (size_t)(since_column(l.text) - l.text)),
				    since_column(l.text));
				if (names)
					snprintf(names->name[names->n++], sizeof(names->name[0]), "%s", pname);
				afi = ER_AFI_V4;
			}
			continue;
		}
		if (!n || (l.code != 1006 && l.code != 1002))
			continue;
		if (field(&l, "BGP state:", v, sizeof(v))) {
			if ((n->state = bird_state(v)) == ER_BGP_UNKNOWN) {
				snprintf(err, errlen, "BIRD protocol %s: unknown BGP state '%s'", pname, v);
				return -1;
			}
			/* Like FRR's: the time since the session came up, only while it is. */
			if (n->state == ER_BGP_ESTABLISHED)
				n->uptime = bird_uptime(since, now);
		} else if (field(&l, "Neighbor address:", v, sizeof(v))) {
			char *pct = strchr(v, '%');
			if (pct) {
				snprintf(n->ifname, sizeof(n->ifname), "%s", pct + 1);
				*pct = '\0';
			}
			if (er_addr_parse(v, &n->addr) < 0) {
				snprintf(err, errlen, "BIRD protocol %s: bad neighbor address '%s'", pname, v);
				return -1;
			}
		} else if (field(&l, "Neighbor AS:", v, sizeof(v)))
			n->remote_as = (uint32_t)strtoul(v, NULL, 10);
		else if (field(&l, "Local AS:", v, sizeof(v)))
			n->local_as = (uint32_t)strtoul(v, NULL, 10);
		else if (field(&l, "Source address:", v, sizeof(v)))
			er_addr_parse(v, &n->local);
		else if (field(&l, "Hold timer:", v, sizeof(v)) && strchr(v, '/'))
			n->hold_time = (uint16_t)strtoul(strchr(v, '/') + 1, NULL, 10);
		else if (field(&l, "Keepalive timer:", v, sizeof(v)) && strchr(v, '/'))
			n->keepalive = (uint16_t)strtoul(strchr(v, '/') + 1, NULL, 10);
		else if (field(&l, "Last error:", v, sizeof(v)))
			snprintf(n->last_error, sizeof(n->last_error), "%.*s", (int)sizeof(n->last_error) - 1, v);
		else if (field(&l, "Channel", v, sizeof(v)))
			afi = !strcmp(v, "ipv6") ? ER_AFI_V6 : ER_AFI_V4;
		else if (field(&l, "Routes:", v, sizeof(v))) {
			unsigned imp = 0, exp = 0;
			if (sscanf(v, "%u imported, %u exported", &imp, &exp) == 2) {
				n->pfx_rcvd[afi] = imp;
				n->pfx_adv[afi] = exp;
			}
		}
	}
	if (n && !n->addr.family) {
		snprintf(err, errlen, "BIRD protocol %s: no neighbor address in the reply", pname);
		return -1;
	}
	return 0;
}

int
er_bird_parse_protocols(const char *reply, struct er_observed *obs, char *err, size_t errlen)
{
	return parse_protocols(reply, civil_now(), obs, NULL, err, errlen);
}

int
er_bird_parse_protocols_at(const char *reply, long long now_civil, struct er_observed *obs, char *err, size_t errlen)
{
	return parse_protocols(reply, now_civil, obs, NULL, err, errlen);
}

/*
 * A route line of `show route ... all` (code 1007, or its continuation):
 * "NET  TYPE [PROTO SINCE ...] ...". BIRD prints the net only on the first
 * route shown for it; a second route of the same net (ADD-PATH, several
 * protocols) starts with blanks instead. The net may start with any
 * character of an address, ':' included ("::/0"). Returns 1 for a route
 * with its net in @p tok, 2 for one of the previous net, 0 for any other
 * line ("Table master4:", "via ...").
 */
static int
route_line(const struct bird_line *l, char *tok, size_t toklen)
{
	static const char *const types[] = { "unicast", "blackhole", "unreachable", "prohibit", "multicast" };
	const char *t = l->text, *end = l->text + l->len, *w;
	size_t k, i;

	while (t < end && (*t == ' ' || *t == '\t'))
		t++;
	for (w = t; w < end && *w != ' ' && *w != '\t'; w++)
		;
	k = (size_t)(w - t);
	if (memchr(t, '/', k) && k < toklen && memchr(w, '[', (size_t)(end - w))) {
		memcpy(tok, t, k);
		tok[k] = '\0';
		return 1;
	}
	if (t == l->text || !memchr(w, '[', (size_t)(end - w)))
		return 0;
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == k && !strncmp(t, types[i], k))
			return 2;
	return 0;
}

int
er_bird_parse_routes(const char *reply, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen)
{
	const char *cur = reply;
	struct bird_line l;
	struct er_route **list = advertised ? &n->adv : &n->rcv;
	size_t *cnt = advertised ? &n->n_adv : &n->n_rcv, cap = *cnt;
	struct er_route *last = NULL;
	struct er_prefix net;
	bool have_net = false;
	int code = 0, kind;
	char v[1024], tok[ER_PREFIX_STRLEN + 1];

	if (reply_error(reply, "show route", err, errlen) < 0)
		return -1;
	while (next_line(&cur, &code, &l)) {
		if (l.code == 1007 && (kind = route_line(&l, tok, sizeof(tok)))) {
			if (kind == 1 && er_prefix_parse(tok, false, false, &net) < 0) {
				snprintf(err, errlen, "BIRD route '%s' is not a prefix", tok);
				return -1;
			}
			if (kind == 1)
				have_net = true;
			else if (!have_net) {
				snprintf(err, errlen, "BIRD route line without a net: '%.*s'", (int)l.len, l.text);
				return -1;
			}
			if (*cnt == cap) {
				cap = cap ? cap * 2 : 16;
				*list = xreallocarray(*list, cap, sizeof(**list));
			}
			last = &(*list)[(*cnt)++];
			memset(last, 0, sizeof(*last));
			last->pfx = net;
		} else if (l.code == 1012 && last && !last->path_len && field(&l, "BGP.as_path:", v, sizeof(v))) {
			/* one path per route: the pool slice [path_off, path_off + path_len) is this route's alone */
			char *t, *save = NULL;
			last->path_off = (uint32_t)n->n_paths;
			for (t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				if (!isdigit((unsigned char)*t))
					continue; /* AS sets "{...}" are not expected from MSEEs */
				n->paths = xreallocarray(n->paths, n->n_paths + 1, sizeof(*n->paths));
				n->paths[n->n_paths++] = (uint32_t)strtoul(t, NULL, 10);
				last->path_len++;
			}
		}
	}
	if (advertised)
		n->have_adv = true;
	else
		n->have_rcv = true;
	return 0;
}

int
er_bird_parse_bfd(const char *reply, struct er_observed *obs, char *err, size_t errlen)
{
	const char *cur = reply;
	struct bird_line l;
	int code = 0;
	size_t cap = obs->n_bfd;

	if (reply_error(reply, "show bfd sessions", err, errlen) < 0)
		return -1;
	while (next_line(&cur, &code, &l)) {
		char addr[64], ifname[16], state[16];
		struct er_bfd_peer *b;
		struct er_addr a;

		/* Rows: address, interface, state, since, interval, timeout. */
		if (l.code != 1020 || sscanf(l.text, "%63s %15s %15s", addr, ifname, state) != 3 ||
		    er_addr_parse(addr, &a) < 0)
			continue;
		if (obs->n_bfd == cap) {
			cap = cap ? cap * 2 : 8;
			obs->bfd = xreallocarray(obs->bfd, cap, sizeof(*obs->bfd));
		}
		b = &obs->bfd[obs->n_bfd++];
		memset(b, 0, sizeof(*b));
		b->peer = a;
		snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
		if (!strcasecmp(state, "AdminDown"))
			b->state = ER_BFD_ADMIN_DOWN;
		else if (!(b->state = er_bfd_state_from_name(state))) {
			snprintf(err, errlen, "BIRD BFD session %s: unknown state '%s'", addr, state);
			return -1;
		}
	}
	return 0;
}

/* Control socket session. */
struct bird_conn {
	int fd;
	char *buf;
	size_t len, cap;
};

static int
wait_fd(int fd, short ev, unsigned long long deadline_us)
{
	struct pollfd p = { fd, ev, 0 };
	unsigned long long now;
	int r;

	for (;;) {
		now = er_now_us();
		if (now >= deadline_us)
			return 0;
		r = poll(&p, 1, (int)((deadline_us - now + 999) / 1000));
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

/* Read one whole reply (up to its final "DDDD " line) into a fresh string. */
static int
read_reply(struct bird_conn *c, unsigned long long deadline_us, char **out, char *err, size_t errlen)
{
	size_t scan = 0;

	c->len = 0;
	for (;;) {
		char *p;
		ssize_t r;
		/* A final line: four digits and a space at the start of a line. */
		for (p = c->buf ? c->buf + scan : NULL; p && p < c->buf + c->len;) {
			char *eol = memchr(p, '\n', (size_t)(c->buf + c->len - p));
			if (!eol)
				break;
			if (eol - p >= 5 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[3]) && p[4] == ' ') {
				*out = xcalloc(1, (size_t)(eol - c->buf) + 2);
				memcpy(*out, c->buf, (size_t)(eol - c->buf) + 1);
				return ER_COLLECT_OK;
			}
			p = eol + 1;
			scan = (size_t)(p - c->buf);
		}
		if (c->cap - c->len < 4096) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = xreallocarray(c->buf, c->cap, 1);
		}
		r = wait_fd(c->fd, POLLIN, deadline_us);
		if (r == 0) {
			snprintf(err, errlen, "BIRD did not answer before the deadline");
			return ER_COLLECT_TIMEOUT;
		}
		if (r < 0 || (r = read(c->fd, c->buf + c->len, c->cap - c->len)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "BIRD control socket: %s", strerror(errno));
			return ER_COLLECT_ERROR;
		}
		if (r == 0) {
			snprintf(err, errlen, "BIRD closed the control socket");
			return ER_COLLECT_ERROR;
		}
		c->len += (size_t)r;
	}
}

static int
command(struct bird_conn *c, const char *cmd, unsigned long long deadline_us, char **reply, char *err,
    size_t errlen)
{
	size_t len = strlen(cmd), off = 0;

	while (off < len) {
		ssize_t w;
		if (wait_fd(c->fd, POLLOUT, deadline_us) == 0) {
			snprintf(err, errlen, "BIRD did not take '%s' before the deadline", cmd);
			return ER_COLLECT_TIMEOUT;
		}
		w = write(c->fd, cmd + off, len - off);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(err, errlen, "BIRD control socket: %s", strerror(errno));
			return ER_COLLECT_ERROR;
		}
		off += (size_t)w;
	}
	return read_reply(c, deadline_us, reply, err, errlen);
}

static int
bird_connect(const char *path, struct bird_conn *c, unsigned long long deadline_us, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char *greeting = NULL;
	int rc;

	memset(c, 0, sizeof(*c));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "BIRD socket path too long: %s", path);
		return ER_COLLECT_ERROR;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(err, errlen, "cannot connect to BIRD at %s: %s", path, strerror(errno));
		return ER_COLLECT_ERROR;
	}
	rc = read_reply(c, deadline_us, &greeting, err, errlen);
	free(greeting);
	return rc;
}

static bool
wanted(const struct er_collect_opts *o, const struct er_addr *a, bool *priv)
{
	const struct er_config *cfg = o->cfg;
	size_t c, p, i;
	int k;

	*priv = false;
	if (!cfg)
		return false;
	for (i = 0; i < cfg->n_internet_nbrs; i++)
		if (er_addr_eq(&cfg->internet_nbrs[i], a))
			return true;
	for (c = 0; c < cfg->n_circuits; c++)
		for (p = 0; p < cfg->circuits[c].n_peerings; p++) {
			const struct er_peering_cfg *pc = &cfg->circuits[c].peerings[p];
			const struct er_prefix *sn[4];
			size_t n = er_peering_subnets(pc, sn);
			for (k = 0; k < (int)n; k++) {
				struct er_addr cust, msee;
				er_link_addrs(sn[k], &cust, &msee);
				if (er_addr_eq(&msee, a)) {
					/* every MSEE's received routes: VNets (rule 6), Microsoft's prefixes (rule 32) */
					*priv = true;
					return true;
				}
			}
		}
	return false;
}

int
er_collect_bird(const struct er_collect_opts *o, struct er_observed *obs, unsigned long long deadline_us,
    char *err, size_t errlen)
{
	struct bird_conn c;
	struct bird_protos names = { NULL, 0 };
	char *reply = NULL, cmd[128];
	long long now;
	size_t i;
	int rc;

	if ((rc = bird_connect(o->bird_socket, &c, deadline_us, err, errlen)) != ER_COLLECT_OK)
		goto cleanup;
	/* BIRD's own clock, in its own time zone and format, to read the sessions' "since" against. */
	if ((rc = command(&c, "show status\n", deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
		goto cleanup;
	if (er_bird_parse_status(reply, &now) < 0)
		now = civil_now();
	free(reply);
	reply = NULL;
	if ((rc = command(&c, "show protocols all\n", deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
		goto cleanup;
	if (parse_protocols(reply, now, obs, &names, err, errlen) < 0) {
		rc = ER_COLLECT_ERROR;
		goto cleanup;
	}
	/* BFD is optional: without a BFD protocol BIRD refuses the command. */
	free(reply);
	reply = NULL;
	if ((rc = command(&c, "show bfd sessions\n", deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
		goto cleanup;
	if (!strncmp(reply, "0000", 4) || reply_error(reply, "show bfd sessions", err, errlen) == 0) {
		if (er_bird_parse_bfd(reply, obs, err, errlen) < 0) {
			rc = ER_COLLECT_ERROR;
			goto cleanup;
		}
	} else
		err[0] = '\0';
	for (i = 0; i < obs->n_nbrs; i++) {
		bool priv;
		/* Down sessions advertise nothing; BIRD answers "No valid tables" for them. */
		if (obs->nbrs[i].state != ER_BGP_ESTABLISHED || !wanted(o, &obs->nbrs[i].addr, &priv))
			continue;
		free(reply);
		reply = NULL;
		snprintf(cmd, sizeof(cmd), "show route export %s all\n", names.name[i]);
		if ((rc = command(&c, cmd, deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
			goto cleanup;
		if (er_bird_parse_routes(reply, &obs->nbrs[i], true, err, errlen) < 0) {
			rc = ER_COLLECT_ERROR;
			goto cleanup;
		}
		if (!priv)
			continue;
		free(reply);
		reply = NULL;
		snprintf(cmd, sizeof(cmd), "show route protocol %s all\n", names.name[i]);
		if ((rc = command(&c, cmd, deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
			goto cleanup;
		if (er_bird_parse_routes(reply, &obs->nbrs[i], false, err, errlen) < 0) {
			rc = ER_COLLECT_ERROR;
			goto cleanup;
		}
	}
	/* Rules 25, 26: every path of each prefix received from Microsoft. */
	{
		struct er_prefix *t;
		size_t nt = er_route_lookup_targets(o->cfg, obs, &t);
		char p[ER_PREFIX_STRLEN];
		for (i = 0; i < nt; i++) {
			free(reply);
			reply = NULL;
			snprintf(cmd, sizeof(cmd), "show route %s all\n", er_prefix_str(&t[i], p, sizeof(p)));
			if ((rc = command(&c, cmd, deadline_us, &reply, err, errlen)) != ER_COLLECT_OK)
				break;
			if (er_bird_parse_prefix(reply, (const char(*)[64])names.name, names.n, obs, err, errlen) < 0) {
				rc = ER_COLLECT_ERROR;
				break;
			}
		}
		free(t);
		if (rc != ER_COLLECT_OK)
			goto cleanup;
	}
	rc = ER_COLLECT_OK;
cleanup:
	if (c.fd >= 0)
		close(c.fd);
	free(c.buf);
	free(reply);
	free(names.name);
	return rc;
}
