/*
 * Rules 25 and 26: every path the BGP daemon holds for a prefix received
 * from Microsoft, whoever sent it (both MSEEs, an Internet transit): which
 * one is best, its local preference, AS-path length and communities.
 *
 * The prefixes asked about are those er_route_lookup_targets() picks (the
 * Microsoft and public peerings' received prefixes, at most
 * ER_ROUTE_LOOKUP_MAX): the per-prefix answer is what says whether an
 * Internet neighbour sent the same prefix, without reading the Internet
 * table. These are the parsers; the FRR and BIRD collectors ask.
 *
 *  - FRR: `show bgp [vrf V] {ipv4|ipv6} unicast PREFIX json` (8.x-10.x):
 *    {"prefix": ..., "paths": [{"peer": {"peerId": A}, "bestpath":
 *    {"overall": true}, "locPrf": N (only when set), "aspath": {"string",
 *    "length"}, "community": {"list": ["12076:5010", ...]}}]}; a prefix
 *    not in the table answers {} (or a "warning").
 *  - BIRD 2: `show route PREFIX all`: one "1007" line per route, the
 *    protocol in brackets and "*" after them for the primary (best) one,
 *    then its attributes (BGP.as_path, BGP.local_pref, BGP.community
 *    "(12076,5010) (12076,51004)"); "8001 Network not found" when absent.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "util.h"

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* "A:B" with A and B 16-bit; false for anything else (well-known names, large communities). */
static bool
community_parse(const char *s, uint32_t *out)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	a = strtoul(s, &end, 10);
	if (*end != ':' || !isdigit((unsigned char)end[1]))
		return false;
	b = strtoul(end + 1, &end, 10);
	if ((*end && *end != ' ') || a > 65535 || b > 65535)
		return false;
	*out = (uint32_t)(a << 16 | b);
	return true;
}

static void
path_add_community(struct er_bgp_path *p, uint32_t c)
{
	if (p->n_comm < ER_PATH_COMMUNITIES)
		p->comm[p->n_comm++] = c;
}

/* Number of ASes in an AS path as printed ("12076 8075", "{64500,64501}" counts 2). */
static uint16_t
as_path_len(const char *s)
{
	unsigned n = 0;

	while (*s) {
		if (isdigit((unsigned char)*s)) {
			n++;
			while (isdigit((unsigned char)*s) || *s == '.')
				s++;
		} else
			s++;
	}
	return n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
}

static void
prefix_paths_add(struct er_observed *obs, const struct er_prefix *pfx, struct er_bgp_path *paths, size_t n)
{
	struct er_prefix_paths *pp;

	obs->pfx_paths = xreallocarray(obs->pfx_paths, obs->n_pfx_paths + 1, sizeof(*obs->pfx_paths));
	pp = &obs->pfx_paths[obs->n_pfx_paths++];
	/* zeroed whole: the padding goes to the view process too (privsep), and must not be this heap's old bytes */
	memset(pp, 0, sizeof(*pp));
	pp->pfx = *pfx;
	pp->paths = paths;
	pp->n_paths = n;
}

static int
frr_path(json_object *jp, size_t i, struct er_bgp_path *p, char *err, size_t errlen)
{
	json_object *v, *best, *com, *list;
	const char *s;

	memset(p, 0, sizeof(*p));
	v = member(member(jp, "peer"), "peerId");
	if (!v || !json_object_is_type(v, json_type_string))
		return 0; /* originated here: no neighbour */
	s = json_object_get_string(v);
	if (er_addr_parse(s, &p->peer) < 0) {
		snprintf(err, errlen, "paths[%zu].peer.peerId: '%s' is not an address", i, s);
		return -1;
	}
	best = member(jp, "bestpath");
	p->best = best && (json_object_is_type(best, json_type_boolean) ? json_object_get_boolean(best) :
	    json_object_get_boolean(member(best, "overall")));
	if ((v = member(jp, "locPrf")) && json_object_is_type(v, json_type_int)) {
		p->has_local_pref = true;
		p->local_pref = (uint32_t)json_object_get_int64(v);
	}
	if ((v = member(member(jp, "aspath"), "length")) && json_object_is_type(v, json_type_int))
		p->as_path_len = (uint16_t)json_object_get_int(v);
	else if ((v = member(member(jp, "aspath"), "string")) || (v = member(jp, "path")))
		p->as_path_len = as_path_len(json_object_get_string(v));
	com = member(jp, "community");
	if ((list = member(com, "list")) && json_object_is_type(list, json_type_array)) {
		size_t k, n = json_object_array_length(list);
		uint32_t c;
		for (k = 0; k < n; k++)
			if (community_parse(json_object_get_string(json_object_array_get_idx(list, k)), &c))
				path_add_community(p, c);
	} else if ((v = member(com, "string")) && json_object_is_type(v, json_type_string)) {
		const char *t = json_object_get_string(v);
		uint32_t c;
		for (; *t; t++)
			if ((t == json_object_get_string(v) || t[-1] == ' ') && community_parse(t, &c))
				path_add_community(p, c);
	}
	return 1;
}

int
er_frr_parse_prefix(const char *json, size_t len, struct er_observed *obs, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root = tok ? json_tokener_parse_ex(tok, json, (int)len) : NULL, *paths, *v;
	struct er_bgp_path *out = NULL;
	struct er_prefix pfx;
	size_t i, n, k = 0;
	int rc = 0;

	if (!root) {
		snprintf(err, errlen, "not valid JSON: %s",
		    tok ? json_tokener_error_desc(json_tokener_get_error(tok)) : "out of memory");
		rc = -1;
		goto out;
	}
	paths = member(root, "paths");
	if (!paths)
		goto out; /* {} or {"warning": ...}: the prefix is not in the table */
	v = member(root, "prefix");
	if (!v || !json_object_is_type(v, json_type_string) ||
	    er_prefix_parse(json_object_get_string(v), false, true, &pfx) < 0) {
		snprintf(err, errlen, "prefix: missing or not an IP prefix");
		rc = -1;
		goto out;
	}
	if (!json_object_is_type(paths, json_type_array)) {
		snprintf(err, errlen, "%s: paths is not an array", json_object_get_string(v));
		rc = -1;
		goto out;
	}
	n = json_object_array_length(paths);
	out = xcalloc(n ? n : 1, sizeof(*out));
	for (i = 0; i < n; i++) {
		int r = frr_path(json_object_array_get_idx(paths, i), i, &out[k], err, errlen);
		if (r < 0) {
			rc = -1;
			goto out;
		}
		k += (size_t)r;
	}
	prefix_paths_add(obs, &pfx, out, k);
	out = NULL;
out:
	free(out);
	if (root)
		json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	return rc;
}

/*
 * BIRD: one reply line, its code (continuations keep the previous one) and
 * text; false at the end.
 */
static bool
bird_line(const char **cur, int *code, const char **text, size_t *len)
{
	const char *p = *cur, *eol;

	if (!*p)
		return false;
	eol = strchr(p, '\n');
	if (!eol)
		eol = p + strlen(p);
	if (eol - p >= 4 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) && (eol - p == 4 || p[4] == '-' || p[4] == ' ')) {
		*code = atoi((char[5]){ p[0], p[1], p[2], p[3], 0 });
		*text = eol - p > 4 ? p + 5 : eol;
	} else
		*text = *p == ' ' ? p + 1 : p;
	*len = (size_t)(eol - *text);
	*cur = *eol ? eol + 1 : eol;
	return true;
}

int
er_bird_parse_prefix(const char *reply, const char (*protos)[64], size_t n_protos, struct er_observed *obs,
    char *err, size_t errlen)
{
	const char *cur = reply, *text;
	struct er_bgp_path *out = NULL, *p = NULL;
	struct er_prefix pfx = { 0 };
	bool have_pfx = false;
	size_t len, n = 0, i;
	int code = 0;
	char line[1024];

	while (bird_line(&cur, &code, &text, &len)) {
		snprintf(line, sizeof(line), "%.*s", (int)len, text);
		if (code >= 8000) {
			if (code == 8001) /* Network not found */
				return 0;
			snprintf(err, errlen, "BIRD: %s", line);
			free(out);
			return -1;
		}
		if (code == 1007 && strchr(line, '[')) {
			char *b = strchr(line, '['), name[64];
			size_t k = 0;
			if (!isspace((unsigned char)line[0])) {
				char tok[ER_PREFIX_STRLEN + 1];
				snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(line, " \t"), line);
				if (er_prefix_parse(tok, false, true, &pfx) < 0) {
					snprintf(err, errlen, "BIRD route '%s' is not a prefix", tok);
					free(out);
					return -1;
				}
				have_pfx = true;
			}
			for (b++; *b && *b != ' ' && *b != ']' && k < sizeof(name) - 1; b++)
				name[k++] = *b;
			name[k] = '\0';
			p = NULL;
			for (i = 0; i < n_protos && i < obs->n_nbrs; i++)
				if (!strcmp(protos[i], name))
					break;
			if (i == n_protos || i == obs->n_nbrs)
				continue; /* not a BGP neighbour's route (static, kernel, ...) */
			out = xreallocarray(out, n + 1, sizeof(*out));
			p = &out[n++];
			memset(p, 0, sizeof(*p));
			p->peer = obs->nbrs[i].addr;
			b = strchr(b, ']');
			p->best = b && b[1] == ' ' && b[2] == '*';
		} else if (code == 1012 && p) {
			const char *s = line + strspn(line, " \t");
			if (!strncmp(s, "BGP.as_path:", 12))
				p->as_path_len = as_path_len(s + 12);
			else if (!strncmp(s, "BGP.local_pref:", 15)) {
				p->has_local_pref = true;
				p->local_pref = (uint32_t)strtoul(s + 15, NULL, 10);
			} else if (!strncmp(s, "BGP.community:", 14)) {
				/* "(12076,5010) (12076,51004)" */
				for (s += 14; (s = strchr(s, '(')); s++) {
					unsigned long a, c;
					char *e;
					a = strtoul(s + 1, &e, 10);
					if (*e != ',')
						continue;
					c = strtoul(e + 1, &e, 10);
					if (*e == ')' && a <= 65535 && c <= 65535)
						path_add_community(p, (uint32_t)(a << 16 | c));
				}
			}
		}
	}
	if (have_pfx)
		prefix_paths_add(obs, &pfx, out, n);
	else
		free(out);
	return 0;
}
