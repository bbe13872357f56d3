/*
 * The readiness container of the snapshot printed straight as XML, the
 * bytes libyang prints for the same nodes built by state_tree.c (XML,
 * LYD_PRINT_SHRINK, with-defaults explicit), without a libyang tree.
 *
 * Why: at 10,000 BGP sessions a full <get> carries 135,000 check entries
 * (1.6 million leaves, ~75 MB of the ~80 MB reply). Building them as
 * libyang nodes, merging and printing took seconds per evaluation and
 * about 600 MiB while the tree was kept. readiness is config false and the
 * last child of /expressroute, so its text can follow the printed config
 * and circuit state unchanged (nc_get.c).
 */
#ifndef ER_STATE_XML_H
#define ER_STATE_XML_H

#include <stdbool.h>

#include "eval.h"
#include "util.h"

struct ly_ctx;

/*
 * May the reader see the node at @p path (a data path in the module's
 * prefix form, e.g. "/expressroute-readiness:expressroute/readiness/check")
 * and what is below it? Asked once per child of readiness and once per list
 * entry (the path then names the list, not the keys; @p key gives the key
 * value). NULL = everything is readable. This is where read access control
 * (RFC 8341 NACM) plugs into the printer: false skips the subtree.
 */
typedef bool (*er_state_xml_may_read)(void *arg, const char *path, const char *key);

/**
 * Append to @p out the readiness container of @p s for the state parts
 * @p parts (state_tree.h: ER_ST_SUMMARY, ER_ST_COLLECTORS, ER_ST_CHECKS,
 * ER_ST_HOST, ER_ST_CHECKS_LEAN) exactly as libyang would print it. Nothing
 * is appended and -1 returned when a value is one this printer cannot vouch
 * for (invalid UTF-8, a control character, a value libyang would refuse):
 * the caller then builds the tree (er_state_tree_parts), which decides.
 */
int er_state_xml_readiness(const struct er_snapshot *s, const struct ly_ctx *ctx, unsigned parts,
    er_state_xml_may_read may_read, void *arg, struct er_buf *out);

/**
 * Append to @p out the answer to a partner router's fetch, the <get> whose
 * subtree filter er_partner_filter() writes (partner.h; @p only: the path of
 * its content match on check/path, ER_PATH_NONE without one), exactly as
 * the filter applied to the state tree prints it: /expressroute with the
 * circuits and peerings that have a link observed here and those links
 * whole, then readiness with last-evaluation, the collectors and the
 * results' id, [path,] status and detail. No access control is applied
 * (for readers NACM does not restrict: nc_get.c). -1 as for
 * er_state_xml_readiness, nothing appended.
 *
 * Why: at 100 circuits building that state as a tree, filtering it and
 * printing it was ~33 ms of CPU per fetch, most of a fetch's cost.
 */
int er_state_xml_partner(const struct er_snapshot *s, const struct ly_ctx *ctx, enum er_path only, struct er_buf *out);

/**
 * Append to @p out the config text @p config (@p len bytes: the expressroute
 * subtree of running as libyang prints it, XML, LYD_PRINT_SHRINK, defaults
 * explicit, secrets stripped) with the state of @p s spliced into its list
 * entries: peering/state (the links), circuit/state (the summary),
 * resiliency-group/state and agent/partner/state, each the last child of
 * its entry, exactly as libyang prints running with er_state_tree_parts(
 * ER_ST_CIRCUITS | ER_ST_RESILIENCY) merged in. -1 and nothing appended
 * when the text is not such a print, when its entries are not exactly
 * those of the config @p s evaluated (running changed since), or when a
 * value cannot be vouched for: the caller then builds the tree.
 *
 * Why: at 10,000 sessions building that state as a libyang tree, merging
 * and printing it took ~450 ms of the first full <get> after an evaluation.
 */
int er_state_xml_splice(const struct er_snapshot *s, const struct ly_ctx *ctx, const char *config, size_t len,
    struct er_buf *out);

#endif
