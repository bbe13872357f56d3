#include "snmp_notif.h"

#include <string.h>

#define BER_INTEGER 0x02
#define BER_OCTETS 0x04
#define BER_OID 0x06
#define BER_GAUGE 0x42

static const uint32_t root[] = { ER_MIB_ROOT };
static const uint32_t trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 }; /* snmpTrapOID.0 */

/* erNotificationObjects (erObjects.11).@p obj.0 */
static struct er_notif_vb *
obj(struct er_notif_vb *v, uint32_t o, uint8_t type)
{
	memset(v, 0, sizeof(*v));
	memcpy(v->name, root, sizeof(root));
	v->len = ER_MIB_ROOT_LEN;
	v->name[v->len++] = 1;
	v->name[v->len++] = 11;
	v->name[v->len++] = o;
	v->name[v->len++] = 0;
	v->type = type;
	return v;
}

static size_t
add_int(struct er_notif_vb *out, size_t n, uint32_t o, uint8_t type, long num)
{
	obj(&out[n], o, type)->num = num;
	return n + 1;
}

static size_t
add_str(struct er_notif_vb *out, size_t n, uint32_t o, const void *s, size_t len)
{
	struct er_notif_vb *v = obj(&out[n], o, BER_OCTETS);

	v->octets = len ? s : "";
	v->olen = len;
	return n + 1;
}

static size_t
add_place(struct er_notif_vb *out, size_t n, const struct er_event *e)
{
	n = add_str(out, n, 1, e->circuit, strlen(e->circuit));
	n = add_int(out, n, 2, BER_INTEGER, e->peering);
	return add_int(out, n, 3, BER_INTEGER, e->path);
}

static size_t
add_neighbor(struct er_notif_vb *out, size_t n, const struct er_event *e)
{
	int fam = e->neighbor.family;

	n = add_int(out, n, 4, BER_INTEGER, fam == ER_AF_INET ? 1 : fam == ER_AF_INET6 ? 2 : 0);
	return add_str(out, n, 5, e->neighbor.bytes, fam == ER_AF_INET ? 4 : fam == ER_AF_INET6 ? 16 : 0);
}

size_t
er_notif_varbinds(const struct er_event *e, struct er_notif_vb *out)
{
	struct er_notif_vb *t = &out[0];
	size_t n = 1;

	memset(t, 0, sizeof(*t));
	memcpy(t->name, trap_oid, sizeof(trap_oid));
	t->len = sizeof(trap_oid) / sizeof(trap_oid[0]);
	t->type = BER_OID;
	memcpy(t->oid, root, sizeof(root));
	t->oid_len = ER_MIB_ROOT_LEN;
	t->oid[t->oid_len++] = 0;
	t->oid[t->oid_len++] = (uint32_t)e->kind;
	switch (e->kind) {
	case ER_EV_READINESS_CHANGED:
		n = add_str(out, n, 1, e->circuit, strlen(e->circuit));
		n = add_int(out, n, 6, BER_INTEGER, e->old_value);
		n = add_int(out, n, 7, BER_INTEGER, e->new_value);
		n = add_int(out, n, 8, BER_GAUGE, (long)e->checks_fail);
		break;
	case ER_EV_CHECK_STATUS_CHANGED:
		n = add_str(out, n, 9, e->check_id, strlen(e->check_id));
		n = add_int(out, n, 10, BER_GAUGE, (long)e->code);
		n = add_place(out, n, e);
		n = add_int(out, n, 11, BER_INTEGER, e->old_value);
		n = add_int(out, n, 12, BER_INTEGER, e->new_value);
		n = add_int(out, n, 13, BER_INTEGER, e->severity);
		n = add_str(out, n, 17, e->detail, strlen(e->detail));
		break;
	case ER_EV_BGP_SESSION_CHANGED:
		n = add_place(out, n, e);
		n = add_neighbor(out, n, e);
		n = add_int(out, n, 14, BER_INTEGER, e->old_value ? e->old_value : ER_BGP_IDLE);
		n = add_int(out, n, 15, BER_INTEGER, e->new_value ? e->new_value : ER_BGP_IDLE);
		n = add_str(out, n, 17, e->detail, strlen(e->detail));
		break;
	case ER_EV_REDUNDANCY_LOST:
	case ER_EV_REDUNDANCY_RESTORED:
		n = add_place(out, n, e);
		n = add_neighbor(out, n, e);
		n = add_int(out, n, 16, BER_GAUGE, e->sessions_up);
		n = add_str(out, n, 17, e->detail, strlen(e->detail));
		n = add_str(out, n, 18, e->router, strlen(e->router));
		break;
	}
	return n;
}
