/*
 * The NETCONF stream's event log: the notifications sent, kept in a bounded
 * ring for create-subscription replay (RFC 5277 startTime/stopTime) and in
 * a file of the state directory, so a restart keeps them. Thread-safe:
 * the main thread appends, session threads read from their own cursor.
 */
#ifndef ER_NC_LOG_H
#define ER_NC_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct ly_ctx;
struct lyd_node;
struct er_nc_log;

struct er_nc_entry {
	uint64_t seq;
	long long time_us; /* wall clock, microseconds since the epoch */
	struct lyd_node *tree; /* the notification node (a copy: the reader frees it) */
};

/**
 * Open the log keeping @p size entries; @p path (NULL: memory only) is read
 * back first. Lines that do not parse are skipped with a warning.
 */
struct er_nc_log *er_nc_log_open(struct ly_ctx *ctx, const char *path, uint32_t size);
void er_nc_log_close(struct er_nc_log *log);
void er_nc_log_resize(struct er_nc_log *log, uint32_t size);

/** Append @p notif (ownership taken) at @p time_us; returns its sequence number. */
uint64_t er_nc_log_append(struct er_nc_log *log, struct lyd_node *notif, long long time_us);
/** Sequence number the next entry will get. */
uint64_t er_nc_log_next_seq(struct er_nc_log *log);
/** The first kept entry at or after @p time_us (er_nc_log_next_seq() if none). */
uint64_t er_nc_log_seek(struct er_nc_log *log, long long time_us);
/**
 * Copy the entry @p seq (or the oldest kept one after it, if it was
 * dropped) into @p out. Returns 0, or -1 when there is none yet.
 */
int er_nc_log_get(struct er_nc_log *log, uint64_t seq, struct er_nc_entry *out);
/** Time of the oldest entry kept, or the log's creation: replayLogCreationTime. */
long long er_nc_log_created(struct er_nc_log *log);

/** A notification tree of module expressroute-readiness for @p ev. */
struct lyd_node *er_nc_event_tree(const struct ly_ctx *ctx, const struct er_event *ev);
/** yang:date-and-time with microseconds, UTC. */
const char *er_nc_time_str(long long time_us, char *buf, size_t len);
/** Parse yang:date-and-time into microseconds since the epoch; -1 if malformed. */
int er_nc_time_parse(const char *s, long long *time_us);

#endif
