/*
 * EXPRESSROUTE-READINESS-MIB over one snapshot: every table's rows sorted by
 * their index OID once per snapshot, values read from the snapshot when asked.
 * GET is one binary search, GETNEXT one binary search per column tried, so
 * both are O(log n); nothing here calls a collector or allocates per request.
 * No Net-SNMP session code: the agent glue (snmp_agent.c) turns these answers
 * into varbinds. OIDs are relative to erRoot unless they say otherwise.
 */
#ifndef ER_SNMP_MIB_H
#define ER_SNMP_MIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eval.h"

/* erRoot = 1.3.6.1.4.1.8072.9999.9999: Net-SNMP's playpen, until a PEN is assigned. */
#define ER_MIB_ROOT 1, 3, 6, 1, 4, 1, 8072, 9999, 9999
#define ER_MIB_ROOT_LEN 9
#define ER_MIB_MAX_OID 128 /* sub-identifiers, SNMP's own limit */

/* SMI types on the wire (BER tags), as Net-SNMP's ASN_* values. */
enum er_mib_type {
	ER_MIB_INTEGER = 0x02,
	ER_MIB_OCTETS = 0x04,
	ER_MIB_GAUGE = 0x42, /* Gauge32 and Unsigned32 */
	ER_MIB_COUNTER64 = 0x46,
};

struct er_mib_value {
	enum er_mib_type type;
	int64_t num;         /* INTEGER, Gauge32, Counter64 */
	const void *octets;  /* OCTET STRING: points into the snapshot or buf */
	size_t len;
	uint8_t buf[ER_DETAIL_LEN];
};

struct er_mib;

/** Build the view of @p snap (takes a reference). */
struct er_mib *er_mib_new(struct er_snapshot *snap);
void er_mib_free(struct er_mib *m);
const struct er_snapshot *er_mib_snapshot(const struct er_mib *m);
/** Number of instances (rows x columns) the view serves. */
size_t er_mib_count(const struct er_mib *m);

enum er_mib_result { ER_MIB_FOUND = 0, ER_MIB_NO_OBJECT, ER_MIB_NO_INSTANCE, ER_MIB_END };

/**
 * GET of the full OID @p name: FOUND with @p v filled, NO_OBJECT (not an
 * object type of the MIB) or NO_INSTANCE.
 */
enum er_mib_result er_mib_get(const struct er_mib *m, const uint32_t *name, size_t len, struct er_mib_value *v);
/**
 * GETNEXT: the first instance after the full OID @p name (at or after it
 * when @p inclusive) into @p out / @p outlen (ER_MIB_MAX_OID room) and @p v.
 * FOUND or END (nothing after it in the MIB).
 */
enum er_mib_result er_mib_next(const struct er_mib *m, const uint32_t *name, size_t len, bool inclusive,
    uint32_t *out, size_t *outlen, struct er_mib_value *v);

/* The writable objects: what a SET names. */
enum er_mib_writable { ER_MIB_W_NONE = 0, ER_MIB_W_POLL_INTERVAL, ER_MIB_W_MAINTENANCE, ER_MIB_W_LIMIT_WARN };
struct er_mib_target {
	enum er_mib_writable what;
	bool exists;      /* the instance exists in this view */
	char circuit[65]; /* maintenance, limit warning */
	int peering;      /* limit warning */
};
/** OID order (RFC 3416): -1, 0 or 1 as @p a sorts before, equals or after @p b. */
int er_mib_oid_cmp(const uint32_t *a, size_t alen, const uint32_t *b, size_t blen);

/**
 * Which writable object @p name is: W_NONE for a read-only or unknown one
 * (notWritable / noCreation is the caller's answer).
 */
void er_mib_target(const struct er_mib *m, const uint32_t *name, size_t len, struct er_mib_target *t);

/* DateAndTime of a unix time (11 octets, UTC), or 8 zero octets for 0. */
size_t er_mib_date_and_time(long long t, uint8_t out[11]);

#endif
