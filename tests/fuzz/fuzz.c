/* Shared helpers of the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datastore.h"
#include "eval.h"
#include "log.h"
#include "observed.h"

char *
fz_read_source(const char *rel)
{
	char path[4096];
	FILE *f;
	long n;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", ERREADY_SOURCE_DIR, rel);
	if (!(f = fopen(path, "rb")) || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		fz_fail("cannot read %s", path);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		fz_fail("cannot read %s", path);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

char *
fz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fz_quiet(void)
{
	log_init("erready-fuzz", 1, ER_LOG_ERR);
}

struct er_ds *
fz_ds_new(void)
{
	char err[ER_ERRLEN];
	struct er_ds *ds = er_ds_new(err, sizeof(err));

	if (!ds)
		fz_fail("datastore: %s", err);
	return ds;
}

const char *
fz_example_config(void)
{
	static char *text;

	if (!text)
		text = fz_read_source("examples/erready.json");
	return text;
}

struct er_observed *
fz_healthy_observed(void)
{
	static struct er_observed *obs;
	char err[ER_ERRLEN];

	if (!obs) {
		char *text = fz_read_source("tests/data/observed-healthy.json");
		if (!(obs = er_observed_parse_json(text, "observed-healthy.json", err, sizeof(err))))
			fz_fail("observed: %s", err);
		free(text);
	}
	return obs;
}

void
fz_evaluate(const struct er_config *cfg, struct er_observed *obs)
{
	struct er_snapshot *s = er_evaluate(cfg, obs, NULL, 1795000000);

	if (!s)
		fz_fail("er_evaluate returned NULL");
	er_snapshot_unref(s);
}

void
fz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("erready-fuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static struct er_ds *bgp_ds; /* kept for the process's life: bgp_cfg is its config */
static const struct er_config *bgp_cfg;
static char *bgp_healthy;

void
fz_bgp_init(void)
{
	char err[ER_ERRLEN];

	bgp_ds = fz_ds_new();
	if (er_ds_load_mem(bgp_ds, fz_example_config(), ER_FMT_JSON, "erready.json", err, sizeof(err)) < 0)
		fz_fail("%s", err);
	bgp_cfg = er_ds_config(bgp_ds);
	bgp_healthy = fz_read_source("tests/data/observed-healthy.json");
}

/* The route lists of @p n emptied, for a parser to fill. */
static void
routes_cleared(struct er_bgp_neighbor *n)
{
	free(n->adv);
	free(n->rcv);
	free(n->paths);
	n->adv = n->rcv = NULL;
	n->paths = NULL;
	n->n_adv = n->n_rcv = n->n_paths = 0;
	n->have_adv = n->have_rcv = false;
}

void
fz_bgp_one(const char *text, const struct fz_bgp_parsers *p)
{
	char err[ER_ERRLEN];
	struct er_observed *obs = er_observed_new();

	err[0] = '\0';
	if (p->nbrs(text, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("%s: failed without a message", p->nbrs_name);
	err[0] = '\0';
	if (p->bfd(text, obs, err, sizeof(err)) < 0 && !err[0])
		fz_fail("bfd: failed without a message");
	er_observed_finalize(obs);
	fz_evaluate(bgp_cfg, obs);
	er_observed_unref(obs);

	if (!(obs = er_observed_parse_json(bgp_healthy, "observed-healthy.json", err, sizeof(err))) || !obs->n_nbrs)
		fz_fail("observed-healthy.json: %s", err);
	routes_cleared(&obs->nbrs[0]);
	if (p->routes(text, &obs->nbrs[0], true, err, sizeof(err)) == 0)
		(void)p->routes(text, &obs->nbrs[0], false, err, sizeof(err));
	fz_evaluate(bgp_cfg, obs);
	er_observed_unref(obs);
}
