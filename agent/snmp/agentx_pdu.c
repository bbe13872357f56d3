#include "agentx_pdu.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- decoding ---- */

/* A cursor over the payload: every read checks what is left first. */
struct rd {
	const uint8_t *p;
	size_t left;
	bool nbo;
};

static int
rd_u8(struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return -1;
	*v = r->p[0];
	r->p++;
	r->left--;
	return 0;
}

static int
rd_u16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return -1;
	*v = r->nbo ? (uint16_t)(r->p[0] << 8 | r->p[1]) : (uint16_t)(r->p[1] << 8 | r->p[0]);
	r->p += 2;
	r->left -= 2;
	return 0;
}

static uint32_t
get_u32(const uint8_t *p, bool nbo)
{
	return nbo ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	           : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int
rd_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = get_u32(r->p, r->nbo);
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int
rd_u64(struct rd *r, uint64_t *v)
{
	uint32_t a, b;

	if (rd_u32(r, &a) < 0 || rd_u32(r, &b) < 0)
		return -1;
	*v = r->nbo ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	return 0;
}

static int
rd_skip(struct rd *r, size_t n)
{
	if (r->left < n)
		return -1;
	r->p += n;
	r->left -= n;
	return 0;
}

/* RFC 2741 5.1: n_subid, prefix, include, reserved, then the sub-identifiers. */
static int
rd_oid(struct rd *r, struct ax_oid *o)
{
	uint8_t n, prefix, include, reserved;
	size_t i = 0, k;

	if (rd_u8(r, &n) < 0 || rd_u8(r, &prefix) < 0 || rd_u8(r, &include) < 0 || rd_u8(r, &reserved) < 0)
		return -1;
	if (include > 1 || (size_t)n + (prefix ? 5 : 0) > AX_MAX_OID || r->left / 4 < n)
		return -1;
	if (prefix) {
		static const uint32_t internet[] = { 1, 3, 6, 1 };
		memcpy(o->sub, internet, sizeof(internet));
		o->sub[4] = prefix;
		i = 5;
	}
	for (k = 0; k < n; k++)
		(void)rd_u32(r, &o->sub[i++]);
	o->n = (uint8_t)i;
	o->include = include != 0;
	return 0;
}

/* RFC 2741 5.3: a 4-octet length, the octets, padding to a multiple of 4. */
static int
rd_octets(struct rd *r, const uint8_t **p, uint32_t *len)
{
	uint32_t n;

	if (rd_u32(r, &n) < 0 || n > r->left || (size_t)((n + 3u) & ~3u) > r->left)
		return -1;
	*p = r->p;
	*len = n;
	return rd_skip(r, (n + 3u) & ~3u);
}

static int
rd_vb(struct rd *r, struct ax_vb *vb)
{
	uint16_t type, reserved;
	uint32_t v32;

	memset(vb, 0, sizeof(*vb));
	if (rd_u16(r, &type) < 0 || rd_u16(r, &reserved) < 0 || rd_oid(r, &vb->name) < 0)
		return -1;
	vb->type = type;
	switch (type) {
	case AX_V_INTEGER:
		if (rd_u32(r, &v32) < 0)
			return -1;
		vb->num = (uint64_t)(int64_t)(int32_t)v32;
		return 0;
	case AX_V_COUNTER32:
	case AX_V_GAUGE32:
	case AX_V_TIMETICKS:
		if (rd_u32(r, &v32) < 0)
			return -1;
		vb->num = v32;
		return 0;
	case AX_V_COUNTER64:
		return rd_u64(r, &vb->num);
	case AX_V_OCTETS:
	case AX_V_IPADDRESS:
	case AX_V_OPAQUE:
		if (rd_octets(r, &vb->octets, &vb->len) < 0)
			return -1;
		return type == AX_V_IPADDRESS && vb->len != 4 ? -1 : 0;
	case AX_V_OID:
		return rd_oid(r, &vb->oid);
	case AX_V_NULL:
	case AX_V_NOSUCHOBJECT:
	case AX_V_NOSUCHINSTANCE:
	case AX_V_ENDOFMIBVIEW:
		return 0;
	}
	return -1;
}

static int
rd_vbs(struct rd *r, struct ax_pdu *pdu)
{
	size_t cap = 0;

	while (r->left) {
		if (pdu->n_vbs == AX_MAX_ITEMS)
			return -1;
		ER_GROW(pdu->vbs, pdu->n_vbs, cap);
		if (rd_vb(r, &pdu->vbs[pdu->n_vbs]) < 0)
			return -1;
		pdu->n_vbs++;
	}
	return 0;
}

static int
rd_ranges(struct rd *r, struct ax_pdu *pdu)
{
	size_t cap = 0;

	while (r->left) {
		struct ax_range *rg;

		if (pdu->n_ranges == AX_MAX_ITEMS)
			return -1;
		ER_GROW(pdu->ranges, pdu->n_ranges, cap);
		rg = &pdu->ranges[pdu->n_ranges];
		if (rd_oid(r, &rg->start) < 0 || rd_oid(r, &rg->end) < 0)
			return -1;
		pdu->n_ranges++;
	}
	return 0;
}

int
ax_hdr_decode(const uint8_t *buf, size_t len, struct ax_hdr *h)
{
	if (len < AX_HDR_LEN)
		return -1;
	h->version = buf[0];
	h->type = buf[1];
	h->flags = buf[2];
	h->session = get_u32(buf + 4, h->flags & AX_F_NETWORK_BYTE_ORDER);
	h->transaction = get_u32(buf + 8, h->flags & AX_F_NETWORK_BYTE_ORDER);
	h->packet = get_u32(buf + 12, h->flags & AX_F_NETWORK_BYTE_ORDER);
	h->plen = get_u32(buf + 16, h->flags & AX_F_NETWORK_BYTE_ORDER);
	if (h->version != 1 || h->type < AX_OPEN || h->type > AX_RESPONSE || h->plen % 4 || h->plen > AX_MAX_PAYLOAD)
		return -1;
	return 0;
}

void
ax_pdu_clear(struct ax_pdu *pdu)
{
	free(pdu->ranges);
	free(pdu->vbs);
	memset(pdu, 0, sizeof(*pdu));
}

static int
decode_payload(struct rd *r, struct ax_pdu *pdu)
{
	uint8_t b[3];

	/* RFC 2741 6.1: only these PDUs may carry a context (6.2.1 Open and 6.2.18 Response never) */
	if (pdu->h.flags & AX_F_NON_DEFAULT_CONTEXT) {
		switch (pdu->h.type) {
		case AX_OPEN:
		case AX_CLOSE:
		case AX_COMMITSET:
		case AX_UNDOSET:
		case AX_CLEANUPSET:
		case AX_RESPONSE:
			return -1;
		}
		pdu->has_context = true;
		if (rd_octets(r, &pdu->context, &pdu->context_len) < 0)
			return -1;
	}
	switch (pdu->h.type) {
	case AX_OPEN:
		if (rd_u8(r, &pdu->u.open.timeout) < 0 || rd_skip(r, 3) < 0 || rd_oid(r, &pdu->u.open.id) < 0 ||
		    rd_octets(r, &pdu->u.open.descr, &pdu->u.open.descr_len) < 0)
			return -1;
		return 0;
	case AX_CLOSE:
		return rd_u8(r, &pdu->u.close_reason) < 0 || rd_skip(r, 3) < 0 ? -1 : 0;
	case AX_REGISTER:
	case AX_UNREGISTER:
		if (rd_u8(r, &pdu->u.reg.timeout) < 0 || rd_u8(r, &pdu->u.reg.priority) < 0 ||
		    rd_u8(r, &pdu->u.reg.range_subid) < 0 || rd_u8(r, &b[0]) < 0 || rd_oid(r, &pdu->u.reg.subtree) < 0)
			return -1;
		if (pdu->u.reg.range_subid) {
			if (pdu->u.reg.range_subid > pdu->u.reg.subtree.n)
				return -1;
			return rd_u32(r, &pdu->u.reg.upper);
		}
		return 0;
	case AX_GETBULK:
		if (rd_u16(r, &pdu->u.bulk.non_repeaters) < 0 || rd_u16(r, &pdu->u.bulk.max_repetitions) < 0)
			return -1;
		/* FALLTHROUGH */
	case AX_GET:
	case AX_GETNEXT:
		return rd_ranges(r, pdu);
	case AX_TESTSET:
	case AX_NOTIFY:
	case AX_INDEXALLOCATE:
	case AX_INDEXDEALLOCATE:
		return rd_vbs(r, pdu);
	case AX_COMMITSET:
	case AX_UNDOSET:
	case AX_CLEANUPSET:
	case AX_PING:
		return 0;
	case AX_ADDAGENTCAPS:
		if (rd_oid(r, &pdu->u.open.id) < 0 || rd_octets(r, &pdu->u.open.descr, &pdu->u.open.descr_len) < 0)
			return -1;
		return 0;
	case AX_REMOVEAGENTCAPS:
		return rd_oid(r, &pdu->u.open.id);
	case AX_RESPONSE:
		if (rd_u32(r, &pdu->u.res.sysuptime) < 0 || rd_u16(r, &pdu->u.res.error) < 0 ||
		    rd_u16(r, &pdu->u.res.index) < 0)
			return -1;
		return rd_vbs(r, pdu);
	}
	return -1;
}

int
ax_pdu_decode(const uint8_t *buf, size_t len, struct ax_pdu *pdu)
{
	struct rd r;

	memset(pdu, 0, sizeof(*pdu));
	if (ax_hdr_decode(buf, len, &pdu->h) < 0 || len - AX_HDR_LEN != pdu->h.plen)
		return -1;
	r.p = buf + AX_HDR_LEN;
	r.left = pdu->h.plen;
	r.nbo = (pdu->h.flags & AX_F_NETWORK_BYTE_ORDER) != 0;
	if (decode_payload(&r, pdu) < 0 || r.left) {
		ax_pdu_clear(pdu);
		return -1;
	}
	return 0;
}

/* ---- encoding ---- */

static uint8_t *
wr(struct ax_buf *b, size_t n)
{
	uint8_t *p;

	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

static void
put32(uint8_t *p, uint32_t v, bool nbo)
{
	if (nbo) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	} else {
		p[3] = (uint8_t)(v >> 24);
		p[2] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[0] = (uint8_t)v;
	}
}

void
ax_buf_free(struct ax_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
ax_buf_consume(struct ax_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		/* a large GetBulk answer once should not pin its buffer for good */
		if (b->cap > (256u << 10)) {
			free(b->p);
			b->p = NULL;
			b->cap = 0;
		}
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	b->start = b->len;
}

void
ax_pdu_begin(struct ax_buf *b, const struct ax_hdr *h)
{
	uint8_t *p;

	b->start = b->len;
	b->nbo = (h->flags & AX_F_NETWORK_BYTE_ORDER) != 0;
	p = wr(b, AX_HDR_LEN);
	p[0] = 1;
	p[1] = h->type;
	p[2] = h->flags;
	p[3] = 0;
	put32(p + 4, h->session, b->nbo);
	put32(p + 8, h->transaction, b->nbo);
	put32(p + 12, h->packet, b->nbo);
	put32(p + 16, 0, b->nbo);
}

void
ax_pdu_end(struct ax_buf *b)
{
	put32(b->p + b->start + 16, (uint32_t)(b->len - b->start - AX_HDR_LEN), b->nbo);
	b->start = b->len;
}

void
ax_pdu_abandon(struct ax_buf *b)
{
	b->len = b->start;
}

size_t
ax_pdu_size(const struct ax_buf *b)
{
	return b->len - b->start;
}

void
ax_put_u8x4(struct ax_buf *b, uint8_t a, uint8_t c, uint8_t d, uint8_t e)
{
	uint8_t *p = wr(b, 4);

	p[0] = a;
	p[1] = c;
	p[2] = d;
	p[3] = e;
}

void
ax_put_u16(struct ax_buf *b, uint16_t v)
{
	uint8_t *p = wr(b, 2);

	p[b->nbo ? 0 : 1] = (uint8_t)(v >> 8);
	p[b->nbo ? 1 : 0] = (uint8_t)v;
}

void
ax_put_u32(struct ax_buf *b, uint32_t v)
{
	put32(wr(b, 4), v, b->nbo);
}

void
ax_put_u64(struct ax_buf *b, uint64_t v)
{
	ax_put_u32(b, (uint32_t)(b->nbo ? v >> 32 : v));
	ax_put_u32(b, (uint32_t)(b->nbo ? v : v >> 32));
}

void
ax_put_oid(struct ax_buf *b, const uint32_t *sub, size_t n, bool include)
{
	size_t i = 0;
	uint8_t prefix = 0;
	uint8_t *p;

	if (n > AX_MAX_OID)
		n = AX_MAX_OID;
	/* 1.3.6.1.X.rest with X in 1..255 travels as prefix X (RFC 2741 5.1) */
	if (n >= 5 && sub[0] == 1 && sub[1] == 3 && sub[2] == 6 && sub[3] == 1 && sub[4] >= 1 && sub[4] <= 255) {
		prefix = (uint8_t)sub[4];
		i = 5;
	}
	ax_put_u8x4(b, (uint8_t)(n - i), prefix, include ? 1 : 0, 0);
	p = wr(b, (n - i) * 4);
	for (; i < n; i++, p += 4)
		put32(p, sub[i], b->nbo);
}

void
ax_put_octets(struct ax_buf *b, const void *src, size_t n)
{
	size_t pad = (4 - n % 4) % 4;
	uint8_t *p;

	ax_put_u32(b, (uint32_t)n);
	p = wr(b, n + pad);
	if (n)
		memcpy(p, src, n);
	memset(p + n, 0, pad);
}

static void
put_vb_head(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type)
{
	ax_put_u16(b, type);
	ax_put_u16(b, 0);
	ax_put_oid(b, name, n, false);
}

void
ax_put_vb_num(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type, uint64_t v)
{
	put_vb_head(b, name, n, type);
	if (type == AX_V_COUNTER64)
		ax_put_u64(b, v);
	else
		ax_put_u32(b, (uint32_t)v);
}

void
ax_put_vb_octets(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type, const void *p, size_t len)
{
	put_vb_head(b, name, n, type);
	ax_put_octets(b, p, len);
}

void
ax_put_vb_oid(struct ax_buf *b, const uint32_t *name, size_t n, const uint32_t *val, size_t vn)
{
	put_vb_head(b, name, n, AX_V_OID);
	ax_put_oid(b, val, vn, false);
}

void
ax_put_vb_none(struct ax_buf *b, const uint32_t *name, size_t n, uint16_t type)
{
	put_vb_head(b, name, n, type);
}

const char *
ax_type_name(unsigned type)
{
	static const char *const names[] = { "?", "Open", "Close", "Register", "Unregister", "Get", "GetNext",
		"GetBulk", "TestSet", "CommitSet", "UndoSet", "CleanupSet", "Notify", "Ping", "IndexAllocate",
		"IndexDeallocate", "AddAgentCaps", "RemoveAgentCaps", "Response" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}
