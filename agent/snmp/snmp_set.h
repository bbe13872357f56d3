/*
 * SNMP SET of the MIB's writable objects (erPollInterval,
 * erCircuitMaintenance, erPeeringPrefixLimitWarn) through the datastore,
 * in the phases both SNMP front ends share: check each varbind, prepare
 * one validated datastore edit, apply and save it, undo it. Net-SNMP's
 * embedded master (RESERVE1/RESERVE2/ACTION/UNDO/COMMIT/FREE) and our own
 * AgentX subagent (TestSet/CommitSet/UndoSet/CleanupSet) call the same
 * functions, so a SET means the same whichever way it comes in. Errors are
 * SNMP error-status values (RFC 3416 3).
 */
#ifndef ER_SNMP_SET_H
#define ER_SNMP_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmp_agent.h"

struct er_mib;

enum er_snmp_err {
	ER_SNMP_NOERROR = 0,
	ER_SNMP_GENERR = 5,
	ER_SNMP_WRONGTYPE = 7,
	ER_SNMP_WRONGLENGTH = 8,
	ER_SNMP_WRONGVALUE = 10,
	ER_SNMP_NOCREATION = 11,
	ER_SNMP_INCONSISTENTVALUE = 12,
	ER_SNMP_RESOURCEUNAVAILABLE = 13,
	ER_SNMP_COMMITFAILED = 14,
	ER_SNMP_UNDOFAILED = 15,
	ER_SNMP_NOTWRITABLE = 17,
};

/* One varbind of a SET, whichever front end decoded it. */
struct er_snmp_set_vb {
	const uint32_t *name;
	size_t len;
	uint8_t type;   /* BER tag: 0x02 INTEGER, 0x42 Unsigned32/Gauge32, ... */
	bool int_sized; /* the value has an integer's length */
	long value;
};

struct er_snmp_set;

struct er_snmp_set *er_snmp_set_new(const struct er_snmp_env *env);
void er_snmp_set_free(struct er_snmp_set *s);
/** Forget the SET in progress (its edit is dropped; what was applied stays). */
void er_snmp_set_reset(struct er_snmp_set *s);
/** The object is writable and the value well-formed (RFC 3416 4.2.5 order). */
int er_snmp_set_check(const struct er_mib *m, const struct er_snmp_set_vb *vb);
/** Every varbind in one validated datastore edit; on error *@p bad is the varbind's position. */
int er_snmp_set_prepare(struct er_snmp_set *s, const struct er_mib *m, const struct er_snmp_set_vb *vbs, size_t n,
    size_t *bad);
/** Apply and save the prepared edit (@p who for the log), keeping running as it was for undo. */
int er_snmp_set_apply(struct er_snmp_set *s, const char *who);
/** Put back running as it was before apply (nothing if nothing was applied). */
int er_snmp_set_undo(struct er_snmp_set *s);

#endif
