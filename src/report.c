#include "report.h"

#include <ctype.h>
#include <libyang/libyang.h>
#include <stdlib.h>
#include <string.h>

#include "state_tree.h"
#include "util.h"

int
er_report_exit_code(enum er_readiness r)
{
	switch (r) {
	case ER_READY:
		return 0;
	case ER_NOT_READY:
		return 1;
	case ER_DEGRADED:
		return 2;
	default:
		return 3;
	}
}

static const char *
upper(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)s[i]);
	buf[i] = '\0';
	return buf;
}

static void
line(FILE *out, const struct er_result *r)
{
	static const char *const tag[] = { "", "PASS", "WARN", "FAIL", "UNKNOWN", "n/a" };

	fprintf(out, "    %-7s %3u  %-32s %-9s  %s\n", tag[r->status], r->def->code, r->def->name,
	    r->path ? er_path_name(r->path) : "", r->detail);
}

static void
summary_line(FILE *out, const struct er_summary *sum)
{
	fprintf(out, "%u pass, %u warn, %u fail, %u unknown, %u not applicable", sum->count[ER_PASS],
	    sum->count[ER_WARN], sum->count[ER_FAIL], sum->count[ER_UNKNOWN], sum->count[ER_NA]);
}

void
er_report_text(FILE *out, const struct er_snapshot *s)
{
	char ts[32], up[32];
	size_t i, c;
	int src;

	fprintf(out, "ExpressRoute readiness: %s  (evaluated %s; ",
	    upper(er_readiness_name(s->overall.readiness), up, sizeof(up)), er_time_str(s->evaluated_at, ts, sizeof(ts)));
	summary_line(out, &s->overall);
	fprintf(out, ")\n\nSources:\n");
	for (src = 0; src < ER_SRC_COUNT; src++) {
		const struct er_source_status *ss = &s->obs->src[src];
		fprintf(out, "  %-11s %-9s", er_source_name((enum er_source)src),
		    ss->status ? er_collector_status_name(ss->status) : "none");
		if (ss->daemon[0])
			fprintf(out, " %s", ss->daemon);
		if (ss->status && ss->status != ER_COLL_DISABLED)
			fprintf(out, " (%u ms)", ss->duration_ms);
		if (ss->message[0])
			fprintf(out, ": %s", ss->message);
		else if (!ss->status)
			fprintf(out, " not collected");
		fputc('\n', out);
	}

	fprintf(out, "\nAccount\n");
	for (i = 0; i < s->n_results; i++)
		if (!s->results[i].circuit[0])
			line(out, &s->results[i]);
	for (c = 0; c < s->cfg->n_circuits; c++) {
		const struct er_circuit_cfg *cc = &s->cfg->circuits[c];
		enum er_peering_type cur = (enum er_peering_type)-1;

		fprintf(out, "\nCircuit %s: %s%s  (", cc->name, er_readiness_name(s->circuit[c].readiness),
		    cc->maintenance ? ", in maintenance" : "");
		summary_line(out, &s->circuit[c]);
		fprintf(out, ")\n");
		for (i = 0; i < s->n_results; i++) {
			const struct er_result *r = &s->results[i];
			if (strcmp(r->circuit, cc->name) != 0)
				continue;
			if (r->peering != cur) {
				cur = r->peering;
				if (cur)
					fprintf(out, "  %s\n", er_peering_label(cur));
			}
			line(out, r);
		}
	}
	if (!s->cfg->n_circuits)
		fprintf(out, "\nNo circuit configured.\n");
}

int
er_report_json(FILE *out, const struct er_snapshot *s, const struct ly_ctx *ctx)
{
	struct lyd_node *tree;
	int rc;

	if (er_state_tree(s, ctx, &tree) < 0)
		return -1;
	rc = lyd_print_file(out, tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS) == LY_SUCCESS ? 0 : -1;
	lyd_free_all(tree);
	return rc;
}
