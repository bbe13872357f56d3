/*
 * The observed state as the collector process sends it to the view
 * process (agent/privsep.h): each list as a count and its elements, copied
 * whole (both ends are the same binary), pointers cleared on the way out.
 * Reading it back checks every count against the bytes left, every string
 * for its NUL, every enumeration and bool for a value it can hold, and
 * every AS-path reference against its pool, before the state is used.
 * Partner views are not part of it (the view process fetches those).
 */
#ifndef ER_OBSERVED_WIRE_H
#define ER_OBSERVED_WIRE_H

#include <stddef.h>

#include "observed.h"
#include "wire.h"

/** Append @p obs to @p b. */
void er_observed_wire_encode(const struct er_observed *obs, struct er_wbuf *b);
/** A finalized observed state from @p len bytes at @p p, or NULL with the reason in @p err. */
struct er_observed *er_observed_wire_decode(const void *p, size_t len, char *err, size_t errlen);

#endif
