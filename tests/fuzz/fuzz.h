/*
 * What the libFuzzer targets share: reading the repository's example
 * config and observed state once, and a NUL-terminated copy of an input
 * (the parsers under test read text up to a NUL, as their callers give it).
 */
#ifndef ER_FUZZ_H
#define ER_FUZZ_H

#include <stddef.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct er_ds;
struct er_config;
struct er_observed;
struct er_bgp_neighbor;

/* libFuzzer's entry points (its main calls them). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** A file under the source tree, malloc'd and NUL-terminated; aborts if it cannot be read. */
char *fz_read_source(const char *rel);
/** @p data as a malloc'd NUL-terminated string. */
char *fz_strndup(const uint8_t *data, size_t size);
/** Quiet logging (errors only) so a run prints libFuzzer's lines, not ours. */
void fz_quiet(void);
/** A fresh datastore (aborts on failure). */
struct er_ds *fz_ds_new(void);
/** examples/erready.json as text (shared, never freed). */
const char *fz_example_config(void);
/** tests/data/observed-healthy.json, parsed and finalized (one shared reference). */
struct er_observed *fz_healthy_observed(void);
/** Evaluate @p cfg against @p obs and walk the result (the checks read every observed list). */
void fz_evaluate(const struct er_config *cfg, struct er_observed *obs);
/* One BGP daemon's reply parsers (FRR's JSON, BIRD's control socket). */
struct fz_bgp_parsers {
	const char *nbrs_name; /* "neighbors", "protocols" */
	int (*nbrs)(const char *text, struct er_observed *obs, char *err, size_t errlen);
	int (*bfd)(const char *text, struct er_observed *obs, char *err, size_t errlen);
	int (*routes)(const char *text, struct er_bgp_neighbor *n, bool advertised, char *err, size_t errlen);
};
/** Set up for fz_bgp_one(): the example config and the healthy observed state (once, in LLVMFuzzerInitialize). */
void fz_bgp_init(void);
/**
 * One input through @p p: the neighbour and BFD parsers into a fresh
 * observed state, then both route parsers into the first neighbour of the
 * healthy state (which the example config names, so the checks walk the
 * parsed AS paths); each result evaluated.
 */
void fz_bgp_one(const char *text, const struct fz_bgp_parsers *p);
/** Abort with a message: libFuzzer keeps the input that got here. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
