#include "fixture.h"

#include "collect.h"
#include "partner.h"

#include <libyang/libyang.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

const char *const FX_CONFIG = ERREADY_SOURCE_DIR "/examples/erready.json";
const char *const FX_OBSERVED = ERREADY_SOURCE_DIR "/tests/data/observed-healthy.json";

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		fail_msg("cannot open %s", path);
	if (getdelim(&buf, &cap, '\0', f) < 0) {
		if (ferror(f))
			fail_msg("cannot read %s", path);
		free(buf);
		buf = strdup(""); /* an empty file */
	}
	fclose(f);
	return buf;
}

char *
fx_read_data(const char *name)
{
	char path[2048];

	if (name[0] == '/')
		return slurp(name);
	snprintf(path, sizeof(path), "%s/tests/data/%s", ERREADY_SOURCE_DIR, name);
	return slurp(path);
}

void
fx_load(struct fx *fx, const char *config_json, const char *observed_json)
{
	char err[ER_ERRLEN];

	memset(fx, 0, sizeof(*fx));
	if (!(fx->ds = er_ds_new(err, sizeof(err))))
		fail_msg("datastore: %s", err);
	if (er_ds_load_mem(fx->ds, config_json, ER_FMT_JSON, "test config", err, sizeof(err)) < 0)
		fail_msg("config: %s", err);
	fx->cfg = er_ds_config(fx->ds);
	if (observed_json && !(fx->obs = er_observed_parse_json(observed_json, "test observed", err, sizeof(err))))
		fail_msg("observed: %s", err);
	if (!fx->obs)
		fx->obs = er_observed_new();
}

void
fx_free(struct fx *fx)
{
	er_ds_config_unref(fx->cfg);
	er_observed_unref(fx->obs);
	er_ds_free(fx->ds);
}

enum er_status
fx_run(struct fx *fx, uint32_t code, const char *circuit, enum er_peering_type peering, enum er_path path)
{
	const struct er_check_def *def = er_check_by_code(code);
	struct er_check_ctx ctx;

	if (!def)
		fail_msg("no check with code %u", code);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = fx->cfg;
	ctx.obs = fx->obs;
	ctx.path = path;
	ctx.detail = fx->detail;
	ctx.now = fx->now;
	if (circuit && !(ctx.circuit = er_config_circuit(fx->cfg, circuit)))
		fail_msg("no circuit %s in the config", circuit);
	if (peering && !(ctx.peering = er_circuit_peering(ctx.circuit, peering)))
		fail_msg("no %s peering in circuit %s", er_peering_name(peering), circuit);
	return er_check_run(def, &ctx);
}

struct er_partner_view *
fx_partner(struct fx *fx, const char *name, const char *fixture_rel)
{
	char *xml = fx_read_data(fx_fixture(fixture_rel)), err[512];
	struct lyd_node *tree = NULL;
	struct er_partner_view *pv = er_partner_view_new(name);

	if (lyd_parse_data_mem(er_ds_ctx(fx->ds), xml, LYD_XML, LYD_PARSE_ONLY | LYD_PARSE_STRICT, 0, &tree) != LY_SUCCESS)
		fail_msg("%s: not parsed as the module's data", fixture_rel);
	if (er_partner_view_from_tree(pv, tree, err, sizeof(err)) < 0)
		fail_msg("%s: %s", fixture_rel, err);
	lyd_free_all(tree);
	free(xml);
	er_observed_add_partner(fx->obs, pv);
	er_partner_view_unref(pv);
	return pv;
}

char *
fx_replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t lt = strlen(text), lf = strlen(from), lto = strlen(to);
	char *out;

	if (!at)
		fail_msg("fx_replace: '%s' not found", from);
	out = malloc(lt - lf + lto + 1);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), to, lto);
	memcpy(out + (at - text) + lto, at + lf, lt - (size_t)(at - text) - lf + 1);
	return out;
}

const char *
fx_fixture(const char *rel)
{
	static char path[1024];

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/tests/fixtures/%s", ERREADY_SOURCE_DIR, rel);
	return path;
}

void
fx_golden(const struct er_observed *obs, const char *expected)
{
	char *dump = NULL, *want, path[1024], actual[1100], cmd[2300];
	size_t len = 0;
	FILE *m = open_memstream(&dump, &len), *f;
	const char *upd = getenv("ERREADY_UPDATE_GOLDEN");

	snprintf(path, sizeof(path), "%s", fx_fixture(expected));
	er_observed_dump(obs, m);
	fclose(m);
	if (upd && *upd == '1') {
		if (!(f = fopen(path, "w")))
			fail_msg("cannot write %s", path);
		fputs(dump, f);
		fclose(f);
		free(dump);
		return;
	}
	want = fx_read_data(path);
	if (strcmp(want, dump) != 0) {
		snprintf(actual, sizeof(actual), "%s.actual", path);
		if ((f = fopen(actual, "w"))) {
			fputs(dump, f);
			fclose(f);
			snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | head -40 >&2", path, actual);
			if (system(cmd) < 0)
				print_error("cannot run diff\n");
			unlink(actual);
		}
		free(want);
		free(dump);
		fail_msg("%s: parsed state differs from the golden file (diff above; ERREADY_UPDATE_GOLDEN=1 rewrites it)", expected);
	}
	free(want);
	free(dump);
}

char *
fx_edit(char *text, const char *from, const char *to)
{
	char *out = fx_replace(text, from, to);

	free(text);
	return out;
}
