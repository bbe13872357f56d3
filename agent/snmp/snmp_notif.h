/*
 * The varbinds of the MIB's notifications (erReadinessChanged, ...), built
 * once from an event for both SNMP front ends: Net-SNMP's embedded master
 * (send_v2trap) and our AgentX subagent (a Notify PDU). snmpTrapOID.0
 * first; sysUpTime.0 is each sender's to add.
 */
#ifndef ER_SNMP_NOTIF_H
#define ER_SNMP_NOTIF_H

#include <stddef.h>
#include <stdint.h>

#include "events.h"
#include "snmp_mib.h"

#define ER_NOTIF_MAX_VBS 12
#define ER_NOTIF_OID_MAX (ER_MIB_ROOT_LEN + 4)

struct er_notif_vb {
	uint32_t name[ER_NOTIF_OID_MAX];
	size_t len;
	uint8_t type;          /* BER tag: 0x02, 0x04, 0x06 (OID), 0x42 (Gauge32 / Unsigned32) */
	long num;
	const void *octets;    /* into the event */
	size_t olen;
	uint32_t oid[ER_NOTIF_OID_MAX]; /* type 0x06 */
	size_t oid_len;
};

/** Fill @p out (ER_NOTIF_MAX_VBS room) with the notification of @p e; returns how many. */
size_t er_notif_varbinds(const struct er_event *e, struct er_notif_vb *out);

#endif
