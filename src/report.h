/* The human report of `erreadyd --check` and its JSON form. */
#ifndef ER_REPORT_H
#define ER_REPORT_H

#include <stdio.h>

#include "eval.h"

struct ly_ctx;

/** A table grouped by circuit and peering. */
void er_report_text(FILE *out, const struct er_snapshot *s);
/** RFC 7951 JSON of the state tree. Returns 0 or -1. */
int er_report_json(FILE *out, const struct er_snapshot *s, const struct ly_ctx *ctx);
/** Exit status of --check: 0 ready, 1 not ready, 2 degraded, 3 unknown. */
int er_report_exit_code(enum er_readiness r);

#endif
