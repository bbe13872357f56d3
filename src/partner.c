/* A partner router's view: its observed links and check results, as the evaluation reads them (see partner.h). */
#include "partner.h"

#include <libyang/libyang.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect.h"
#include "datastore.h"
#include "log.h"
#include "util.h"

/*
 * Only what the evaluation reads (at 100 circuits every byte of the reply
 * costs three times: the partner's build and print, our parse): the links
 * the partner observed itself (observed-by "local", whole), and of each
 * check its status and detail; the list key `id` comes with every entry and
 * names the check, circuit, peering and path, so those leaves are not asked
 * for (partner.c check_id).
 */
#define PARTNER_FILTER_FMT                                                                                           \
	"<expressroute xmlns=\"" ER_YANG_NS "\">"                              \
	"<circuit><peering><state><link><observed-by>local</observed-by></link></state></peering></circuit>"          \
	"<readiness><last-evaluation/><collector/><check>%s<status/><detail/></check></readiness></expressroute>"

const char ER_PARTNER_FILTER[] =
    "<expressroute xmlns=\"" ER_YANG_NS "\">"
    "<circuit><peering><state><link><observed-by>local</observed-by></link></state></peering></circuit>"
    "<readiness><last-evaluation/><collector/><check><status/><detail/></check></readiness></expressroute>";

char *
er_partner_filter_path(enum er_path only)
{
	const char *path = only == ER_PATH_PRIMARY ? "<path>primary</path>"
	    : only == ER_PATH_SECONDARY            ? "<path>secondary</path>"
						   : "";
	char *out;

	/* one path: a content match, so that the partner builds and sends a third of its results (nc_get.c) */
	if (asprintf(&out, PARTNER_FILTER_FMT, path) < 0)
		fatalx("out of memory");
	return out;
}

char *
er_partner_filter(const struct er_config *cfg, const char *name)
{
	bool paths[2] = { false, false };
	size_t i, j;
	int k;

	for (i = 0; i < cfg->n_circuits; i++)
		for (j = 0; j < cfg->circuits[i].n_peerings; j++)
			for (k = 0; k < 2; k++) {
				const struct er_partner_cfg *pc =
				    er_peering_router(cfg, &cfg->circuits[i].peerings[j], (enum er_path)(k + 1));
				if (pc && !strcmp(pc->name, name))
					paths[k] = true;
			}
	if (paths[0] != paths[1])
		return er_partner_filter_path(paths[0] ? ER_PATH_PRIMARY : ER_PATH_SECONDARY);
	return er_partner_filter_path(ER_PATH_NONE);
}

const char *
er_partner_status_name(enum er_partner_status st)
{
	static const char *const n[] = { "", "ok", "connection-refused", "auth-failed", "host-key-mismatch", "timeout",
		"stale", "error", "not-contacted" };
	return (unsigned)st < ARRAY_SIZE(n) && st ? n[st] : "not-contacted";
}

struct er_partner_view *
er_partner_view_new(const char *name)
{
	struct er_partner_view *pv = xcalloc(1, sizeof(*pv));

	pv->refs = 1;
	snprintf(pv->name, sizeof(pv->name), "%s", name);
	pv->status = ER_PARTNER_NOT_CONTACTED;
	return pv;
}

struct er_partner_view *
er_partner_view_ref(struct er_partner_view *pv)
{
	__atomic_add_fetch(&pv->refs, 1, __ATOMIC_RELAXED);
	return pv;
}

void
er_partner_view_drop(struct er_partner_view *pv)
{
	er_observed_unref(pv->obs);
	pv->obs = NULL;
	free(pv->results);
	pv->results = NULL;
	pv->n_results = 0;
	pv->evaluated_at = 0;
}

void
er_partner_view_unref(struct er_partner_view *pv)
{
	if (!pv || __atomic_sub_fetch(&pv->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	er_partner_view_drop(pv);
	free(pv);
}

static void
release_partners(struct er_observed *obs)
{
	size_t i;

	for (i = 0; i < obs->n_partners; i++)
		er_partner_view_unref(obs->partners[i]);
	free(obs->partners);
	obs->partners = NULL;
	obs->n_partners = 0;
}

void
er_observed_add_partner(struct er_observed *obs, struct er_partner_view *pv)
{
	obs->partners = xreallocarray(obs->partners, obs->n_partners + 1, sizeof(*obs->partners));
	obs->partners[obs->n_partners++] = er_partner_view_ref(pv);
	obs->release_partners = release_partners;
}

const struct er_partner_view *
er_observed_partner(const struct er_observed *obs, const char *name)
{
	size_t i;

	for (i = 0; obs && i < obs->n_partners; i++)
		if (!strcmp(obs->partners[i]->name, name))
			return obs->partners[i];
	return NULL;
}

void
er_partner_view_fail(struct er_partner_view *pv, enum er_partner_status st, const char *fmt, ...)
{
	va_list ap;

	er_partner_view_drop(pv);
	pv->status = st;
	va_start(ap, fmt);
	vsnprintf(pv->message, sizeof(pv->message), fmt, ap);
	va_end(ap);
}

uint32_t
er_partner_view_age(const struct er_partner_view *pv, long long now)
{
	if (!pv->evaluated_at || now <= pv->evaluated_at)
		return 0;
	return (uint32_t)(now - pv->evaluated_at);
}

bool
er_partner_view_fresh(const struct er_partner_view *pv, long long now, uint32_t poll_interval, char *why,
    size_t whylen)
{
	uint32_t age;

	if (pv->status != ER_PARTNER_OK || !pv->obs) {
		if (pv->status == ER_PARTNER_NOT_CONTACTED || !pv->status)
			snprintf(why, whylen, "not contacted yet");
		else
			snprintf(why, whylen, "%s%s%s", er_partner_status_name(pv->status), pv->message[0] ? ": " : "",
			    pv->message);
		return false;
	}
	/* Two intervals: one poll may be in flight on either side. */
	age = er_partner_view_age(pv, now);
	if (!pv->evaluated_at || age > 2 * poll_interval) {
		if (!pv->evaluated_at)
			snprintf(why, whylen, "stale: the partner reported no evaluation time");
		else
			snprintf(why, whylen, "stale: data %u s old, more than two poll intervals (%u s)", age,
			    2 * poll_interval);
		return false;
	}
	return true;
}

int
er_partner_result_cmp(const void *a, const void *b)
{
	const struct er_partner_result *x = a, *y = b;
	int c = strcmp(x->circuit, y->circuit);

	if (c)
		return c;
	if (x->peering != y->peering)
		return x->peering < y->peering ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return (x->path > y->path) - (x->path < y->path);
}

const struct er_partner_result *
er_partner_view_result(const struct er_partner_view *pv, const char *circuit, enum er_peering_type peering,
    uint32_t code, enum er_path path)
{
	struct er_partner_result key;

	if (!pv->n_results)
		return NULL;
	snprintf(key.circuit, sizeof(key.circuit), "%s", circuit);
	key.peering = peering;
	key.code = code;
	key.path = path;
	return bsearch(&key, pv->results, pv->n_results, sizeof(key), er_partner_result_cmp);
}

void
er_partner_view_dump(const struct er_partner_view *pv, FILE *out)
{
	char ts[32];
	size_t i;

	fprintf(out, "partner %s status=%s", pv->name, er_partner_status_name(pv->status));
	if (pv->message[0])
		fprintf(out, " message=\"%s\"", pv->message);
	fprintf(out, " evaluated=%s\n", pv->evaluated_at ? er_time_str(pv->evaluated_at, ts, sizeof(ts)) : "-");
	for (i = 0; i < pv->n_results; i++) {
		const struct er_partner_result *r = &pv->results[i];
		fprintf(out, "result %s/%s/%s %u %s \"%s\"\n", r->circuit, er_peering_name(r->peering), er_path_name(r->path),
		    r->code, er_status_name(r->status), r->detail);
	}
	if (pv->obs)
		er_observed_dump(pv->obs, out);
}
