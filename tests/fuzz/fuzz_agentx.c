/*
 * The AgentX PDU decoder (agent/snmp/agentx_pdu.c): the input is a stream a
 * hostile master could send, cut into PDUs by their headers as the session
 * does. Nothing may be read outside the buffer; a PDU that decodes is
 * encoded again with our encoder and must decode to the same fields (the
 * decoder and the encoder agree on every layout, in both byte orders).
 */
#include <stdlib.h>
#include <string.h>

#include "agentx_pdu.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_quiet();
	return 0;
}

static void
put_vb(struct ax_buf *b, const struct ax_vb *v)
{
	switch (v->type) {
	case AX_V_INTEGER:
	case AX_V_COUNTER32:
	case AX_V_GAUGE32:
	case AX_V_TIMETICKS:
	case AX_V_COUNTER64:
		ax_put_vb_num(b, v->name.sub, v->name.n, v->type, v->num);
		break;
	case AX_V_OCTETS:
	case AX_V_IPADDRESS:
	case AX_V_OPAQUE:
		ax_put_vb_octets(b, v->name.sub, v->name.n, v->type, v->octets, v->len);
		break;
	case AX_V_OID:
		ax_put_vb_oid(b, v->name.sub, v->name.n, v->oid.sub, v->oid.n);
		break;
	default:
		ax_put_vb_none(b, v->name.sub, v->name.n, v->type);
	}
}

static void
encode(const struct ax_pdu *p, struct ax_buf *b)
{
	size_t i;

	ax_pdu_begin(b, &p->h);
	if (p->has_context)
		ax_put_octets(b, p->context, p->context_len);
	switch (p->h.type) {
	case AX_OPEN:
		ax_put_u8x4(b, p->u.open.timeout, 0, 0, 0);
		ax_put_oid(b, p->u.open.id.sub, p->u.open.id.n, p->u.open.id.include);
		ax_put_octets(b, p->u.open.descr, p->u.open.descr_len);
		break;
	case AX_CLOSE:
		ax_put_u8x4(b, p->u.close_reason, 0, 0, 0);
		break;
	case AX_REGISTER:
	case AX_UNREGISTER:
		ax_put_u8x4(b, p->u.reg.timeout, p->u.reg.priority, p->u.reg.range_subid, 0);
		ax_put_oid(b, p->u.reg.subtree.sub, p->u.reg.subtree.n, p->u.reg.subtree.include);
		if (p->u.reg.range_subid)
			ax_put_u32(b, p->u.reg.upper);
		break;
	case AX_ADDAGENTCAPS:
		ax_put_oid(b, p->u.open.id.sub, p->u.open.id.n, p->u.open.id.include);
		ax_put_octets(b, p->u.open.descr, p->u.open.descr_len);
		break;
	case AX_REMOVEAGENTCAPS:
		ax_put_oid(b, p->u.open.id.sub, p->u.open.id.n, p->u.open.id.include);
		break;
	case AX_GETBULK:
		ax_put_u16(b, p->u.bulk.non_repeaters);
		ax_put_u16(b, p->u.bulk.max_repetitions);
		break;
	case AX_RESPONSE:
		ax_put_u32(b, p->u.res.sysuptime);
		ax_put_u16(b, p->u.res.error);
		ax_put_u16(b, p->u.res.index);
		break;
	}
	for (i = 0; i < p->n_ranges; i++) {
		ax_put_oid(b, p->ranges[i].start.sub, p->ranges[i].start.n, p->ranges[i].start.include);
		ax_put_oid(b, p->ranges[i].end.sub, p->ranges[i].end.n, p->ranges[i].end.include);
	}
	for (i = 0; i < p->n_vbs; i++)
		put_vb(b, &p->vbs[i]);
	ax_pdu_end(b);
}

static bool
oid_eq(const struct ax_oid *a, const struct ax_oid *b)
{
	return a->n == b->n && a->include == b->include && !memcmp(a->sub, b->sub, a->n * sizeof(*a->sub));
}

/* A varbind's name and OID value: the encoder always clears include (RFC 2741 5.4). */
static bool
name_eq(const struct ax_oid *a, const struct ax_oid *b)
{
	return a->n == b->n && !memcmp(a->sub, b->sub, a->n * sizeof(*a->sub));
}

static bool
bytes_eq(const uint8_t *a, uint32_t al, const uint8_t *b, uint32_t bl)
{
	return al == bl && (!al || !memcmp(a, b, al));
}

static void
compare(const struct ax_pdu *a, const struct ax_pdu *b)
{
	size_t i;

	/* the payload length may shrink: OIDs under 1.3.6.1 are re-encoded with their prefix */
	if (a->h.version != b->h.version || a->h.type != b->h.type || a->h.flags != b->h.flags ||
	    a->h.session != b->h.session || a->h.transaction != b->h.transaction || a->h.packet != b->h.packet ||
	    a->has_context != b->has_context ||
	    !bytes_eq(a->context, a->context_len, b->context, b->context_len))
		fz_fail("%s: header or context differs after re-encoding", ax_type_name(a->h.type));
	if (a->n_ranges != b->n_ranges || a->n_vbs != b->n_vbs)
		fz_fail("%s: %zu/%zu ranges, %zu/%zu varbinds after re-encoding", ax_type_name(a->h.type), a->n_ranges,
		    b->n_ranges, a->n_vbs, b->n_vbs);
	for (i = 0; i < a->n_ranges; i++)
		if (!oid_eq(&a->ranges[i].start, &b->ranges[i].start) || !oid_eq(&a->ranges[i].end, &b->ranges[i].end))
			fz_fail("range %zu differs after re-encoding", i);
	for (i = 0; i < a->n_vbs; i++) {
		const struct ax_vb *x = &a->vbs[i], *y = &b->vbs[i];
		if (x->type != y->type || !name_eq(&x->name, &y->name) || x->num != y->num ||
		    !bytes_eq(x->octets, x->len, y->octets, y->len) || !name_eq(&x->oid, &y->oid))
			fz_fail("varbind %zu (type %u) differs after re-encoding", i, x->type);
	}
	switch (a->h.type) {
	case AX_OPEN:
	case AX_ADDAGENTCAPS:
	case AX_REMOVEAGENTCAPS:
		if (a->u.open.timeout != b->u.open.timeout || !oid_eq(&a->u.open.id, &b->u.open.id) ||
		    !bytes_eq(a->u.open.descr, a->u.open.descr_len, b->u.open.descr, b->u.open.descr_len))
			fz_fail("%s fields differ after re-encoding", ax_type_name(a->h.type));
		break;
	case AX_REGISTER:
	case AX_UNREGISTER:
		if (a->u.reg.timeout != b->u.reg.timeout || a->u.reg.priority != b->u.reg.priority ||
		    a->u.reg.range_subid != b->u.reg.range_subid || a->u.reg.upper != b->u.reg.upper ||
		    !oid_eq(&a->u.reg.subtree, &b->u.reg.subtree))
			fz_fail("Register fields differ after re-encoding");
		break;
	case AX_RESPONSE:
		if (memcmp(&a->u.res, &b->u.res, sizeof(a->u.res)))
			fz_fail("Response fields differ after re-encoding");
		break;
	case AX_GETBULK:
		if (memcmp(&a->u.bulk, &b->u.bulk, sizeof(a->u.bulk)))
			fz_fail("GetBulk fields differ after re-encoding");
		break;
	case AX_CLOSE:
		if (a->u.close_reason != b->u.close_reason)
			fz_fail("Close reason differs after re-encoding");
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so ASan sees a read past the end */
	uint8_t *buf = malloc(size ? size : 1);
	size_t off = 0;
	struct ax_buf out = { 0 };

	memcpy(buf, data, size);
	while (size - off >= AX_HDR_LEN) {
		struct ax_hdr h;
		struct ax_pdu p, q;
		size_t total;

		if (ax_hdr_decode(buf + off, size - off, &h) < 0)
			break; /* the session drops such a master */
		total = AX_HDR_LEN + (size_t)h.plen;
		if (size - off < total) {
			/* the session waits for the rest: the decoder must refuse what it has */
			if (ax_pdu_decode(buf + off, size - off, &p) == 0)
				fz_fail("a truncated %s decoded", ax_type_name(h.type));
			break;
		}
		if (ax_pdu_decode(buf + off, total, &p) == 0) {
			out.len = 0;
			encode(&p, &out);
			if (ax_pdu_decode(out.p, out.len, &q) < 0)
				fz_fail("our encoding of a decoded %s does not decode", ax_type_name(h.type));
			compare(&p, &q);
			ax_pdu_clear(&q);
			ax_pdu_clear(&p);
		}
		off += total;
	}
	ax_buf_free(&out);
	free(buf);
	return 0;
}
