/*
 * AgentX (RFC 2741) PDU codec: the 20-octet header, OIDs, octet strings,
 * varbinds and search ranges, in either byte order (the header's
 * NETWORK_BYTE_ORDER flag). No I/O and no session state: agentx.c owns the
 * socket. Decoding never trusts a length: every field is checked against
 * what is left of the payload before it is read, and a PDU that does not
 * parse is refused as a whole (the session then answers parseError or drops
 * the master).
 */
#ifndef ER_AGENTX_PDU_H
#define ER_AGENTX_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AX_HDR_LEN 20
#define AX_MAX_OID 128             /* sub-identifiers: SNMP's own limit (RFC 2578 3.5) */
#define AX_MAX_PAYLOAD (256u << 10) /* a larger PDU from the master is a protocol error */
/* Ranges or varbinds in one PDU: an SNMP message (<= 64 KiB) never carries more. */
#define AX_MAX_ITEMS 4096

enum ax_type {
	AX_OPEN = 1,
	AX_CLOSE,
	AX_REGISTER,
	AX_UNREGISTER,
	AX_GET,
	AX_GETNEXT,
	AX_GETBULK,
	AX_TESTSET,
	AX_COMMITSET,
	AX_UNDOSET,
	AX_CLEANUPSET,
	AX_NOTIFY,
	AX_PING,
	AX_INDEXALLOCATE,
	AX_INDEXDEALLOCATE,
	AX_ADDAGENTCAPS,
	AX_REMOVEAGENTCAPS,
	AX_RESPONSE,
};

enum ax_flag {
	AX_F_INSTANCE_REGISTRATION = 0x01,
	AX_F_NEW_INDEX = 0x02,
	AX_F_ANY_INDEX = 0x04,
	AX_F_NON_DEFAULT_CONTEXT = 0x08,
	AX_F_NETWORK_BYTE_ORDER = 0x10,
};

/* Varbind types (RFC 2741 5.4): the BER tags of the SMI types. */
enum ax_vtype {
	AX_V_INTEGER = 2,
	AX_V_OCTETS = 4,
	AX_V_NULL = 5,
	AX_V_OID = 6,
	AX_V_IPADDRESS = 64,
	AX_V_COUNTER32 = 65,
	AX_V_GAUGE32 = 66,
	AX_V_TIMETICKS = 67,
	AX_V_OPAQUE = 68,
	AX_V_COUNTER64 = 70,
	AX_V_NOSUCHOBJECT = 128,
	AX_V_NOSUCHINSTANCE = 129,
	AX_V_ENDOFMIBVIEW = 130,
};

/* res.error of a Response: SNMP's error-status values 0..18, then AgentX's own. */
enum ax_error {
	AX_E_NOERROR = 0,
	AX_E_GENERR = 5,
	AX_E_COMMITFAILED = 14,
	AX_E_UNDOFAILED = 15,
	AX_E_OPENFAILED = 256,
	AX_E_NOTOPEN = 257,
	AX_E_UNSUPPORTEDCONTEXT = 262,
	AX_E_DUPLICATEREGISTRATION = 263,
	AX_E_PARSEERROR = 266,
	AX_E_REQUESTDENIED = 267,
	AX_E_PROCESSINGERROR = 268,
};

enum ax_close_reason { AX_CLOSE_OTHER = 1, AX_CLOSE_PARSEERROR, AX_CLOSE_PROTOCOLERROR, AX_CLOSE_TIMEOUTS,
	AX_CLOSE_SHUTDOWN, AX_CLOSE_BYMANAGER };

struct ax_hdr {
	uint8_t version, type, flags;
	uint32_t session, transaction, packet, plen;
};

struct ax_oid {
	uint32_t sub[AX_MAX_OID];
	uint8_t n;
	bool include;
};

/* A decoded varbind. Octets point into the decoded buffer. */
struct ax_vb {
	struct ax_oid name;
	uint16_t type;
	uint64_t num;         /* Integer (sign-extended), Counter32/64, Gauge32, TimeTicks */
	const uint8_t *octets; /* OctetString, IpAddress, Opaque */
	uint32_t len;
	struct ax_oid oid;    /* Object Identifier values */
};

struct ax_range {
	struct ax_oid start, end; /* end.n == 0: no upper bound */
};

/* One decoded PDU. Arrays are allocated; ax_pdu_clear() frees them. */
struct ax_pdu {
	struct ax_hdr h;
	bool has_context;
	const uint8_t *context;
	uint32_t context_len;
	union {
		struct {
			uint8_t timeout;
			struct ax_oid id;
			const uint8_t *descr;
			uint32_t descr_len;
		} open;
		uint8_t close_reason;
		struct {
			uint8_t timeout, priority, range_subid;
			struct ax_oid subtree;
			uint32_t upper;
		} reg;
		struct {
			uint32_t sysuptime;
			uint16_t error, index;
		} res;
		struct {
			uint16_t non_repeaters, max_repetitions;
		} bulk;
	} u;
	struct ax_range *ranges; /* Get, GetNext, GetBulk */
	size_t n_ranges;
	struct ax_vb *vbs;       /* TestSet, Notify, IndexAllocate/Deallocate, Response */
	size_t n_vbs;
};

/**
 * The header at @p buf (@p len >= AX_HDR_LEN). 0, or -1 when it is not
 * AgentX version 1, its type is unknown or its payload length is not a
 * multiple of 4 or above AX_MAX_PAYLOAD.
 */
int ax_hdr_decode(const uint8_t *buf, size_t len, struct ax_hdr *h);
/**
 * Decode a whole PDU (header and payload, @p len = 20 + payload length).
 * 0, or -1 with @p pdu cleared when any field runs past the payload, an OID
 * has more than AX_MAX_OID sub-identifiers, a varbind type is unknown, or
 * bytes are left over. @p buf must outlive @p pdu (octets point into it).
 */
int ax_pdu_decode(const uint8_t *buf, size_t len, struct ax_pdu *pdu);
void ax_pdu_clear(struct ax_pdu *pdu);

/* ---- encoding ---- */

/* A growing output buffer; one PDU at a time is built at its end. */
struct ax_buf {
	uint8_t *p;
	size_t len, cap;
	size_t start; /* where the PDU being built begins */
	bool nbo;     /* its byte order */
};

void ax_buf_free(struct ax_buf *b);
/** Drop @p n bytes from the front (they were written). */
void ax_buf_consume(struct ax_buf *b, size_t n);

/** Start a PDU (header with a zero payload length; ax_pdu_end() fills it in). */
void ax_pdu_begin(struct ax_buf *b, const struct ax_hdr *h);
void ax_pdu_end(struct ax_buf *b);
/** Undo the PDU being built (it turned out too large, or the request is refused). */
void ax_pdu_abandon(struct ax_buf *b);
/** Bytes of the PDU being built so far. */
size_t ax_pdu_size(const struct ax_buf *b);

void ax_put_u8x4(struct ax_buf *b, uint8_t a, uint8_t c, uint8_t d, uint8_t e);
void ax_put_u16(struct ax_buf *b, uint16_t v);
void ax_put_u32(struct ax_buf *b, uint32_t v);
void ax_put_u64(struct ax_buf *b, uint64_t v);
void ax_put_oid(struct ax_buf *b, const uint32_t *sub, size_t n, bool include);
void ax_put_octets(struct ax_buf *b, const void *p, size_t n);
/* Varbinds: a number (Integer, Counter32, Gauge32, TimeTicks, Counter64), octets, an OID, or no value
 * (Null, noSuchObject, noSuchInstance, endOfMibView). */
void ax_put_vb_num(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type, uint64_t v);
void ax_put_vb_octets(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type, const void *p, size_t len);
void ax_put_vb_oid(struct ax_buf *b, const uint32_t *name, size_t n, const uint32_t *val, size_t vn);
void ax_put_vb_none(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type);

/** "Open", "GetBulk", ...; "?" for an unknown type. */
const char *ax_type_name(unsigned type);

#endif
