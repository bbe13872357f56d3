/*
 * Test fixtures: a config and an observed state built from JSON text, run
 * through the real datastore and snapshot parser, so tests exercise the
 * same code paths as erreadyd.
 */
#ifndef ER_TEST_FIXTURE_H
#define ER_TEST_FIXTURE_H

#include "checks.h"
#include "datastore.h"
#include "eval.h"
#include "observed.h"

struct fx {
	struct er_ds *ds;
	const struct er_config *cfg;
	struct er_observed *obs;
	char detail[ER_DETAIL_LEN];
	long long now; /* evaluation time of fx_run (the age of partner data); 0 unless a test sets it */
};

/** Load @p config_json (RFC 7951 config) and @p observed_json (snapshot format, or NULL). Fails the test on error. */
void fx_load(struct fx *fx, const char *config_json, const char *observed_json);
void fx_free(struct fx *fx);

/**
 * Run check @p code on circuit @p circuit (NULL for account checks),
 * peering @p peering (ER_PEERING_NONE above peering scope) and @p path;
 * the detail lands in fx->detail.
 */
enum er_status fx_run(struct fx *fx, uint32_t code, const char *circuit, enum er_peering_type peering,
    enum er_path path);

/** Assert status and exact detail. */
#define assert_check(fx, code, circuit, peering, path, want_status, want_detail)                    \
	do {                                                                                      \
		enum er_status st_ = fx_run((fx), (code), (circuit), (peering), (path));          \
		assert_string_equal((fx)->detail, (want_detail));                                 \
		assert_string_equal(er_status_name(st_), er_status_name(want_status));           \
	} while (0)

/**
 * Parse the partner reply @p fixture_rel (under tests/fixtures/, the <data>
 * of a partner's <get>) as partner @p name and attach it to fx->obs.
 * Returns the view (held by fx->obs).
 */
struct er_partner_view *fx_partner(struct fx *fx, const char *name, const char *fixture_rel);

/** Read a file under the tests/data directory into a malloc'd string. */
char *fx_read_data(const char *name);

/** The example config and healthy observed state, shared by many tests. */
extern const char *const FX_CONFIG;   /* examples/erready.json */
extern const char *const FX_OBSERVED; /* tests/data/observed-healthy.json */

/**
 * Return a copy of @p text with the first occurrence of @p from replaced
 * by @p to (fails the test if absent). Caller frees.
 */
char *fx_replace(const char *text, const char *from, const char *to);
/** fx_replace() that frees @p text, for chains of edits. */
char *fx_edit(char *text, const char *from, const char *to);

/**
 * Golden-file comparison: dump @p obs (er_observed_dump) and compare it with
 * @p expected (a path under tests/fixtures/, or absolute). With the
 * environment variable ERREADY_UPDATE_GOLDEN=1 the file is (re)written
 * instead. Fails the test with a unified diff on a mismatch.
 */
void fx_golden(const struct er_observed *obs, const char *expected);
/** Absolute path of a file under tests/fixtures/ (static buffer). */
const char *fx_fixture(const char *rel);

#endif
