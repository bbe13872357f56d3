#include "addr.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
er_addr_parse(const char *s, struct er_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return -1; /* absent (an untyped partner reply may leave out any leaf) */
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, out->bytes) != 1)
			return -1;
		out->family = ER_AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, out->bytes) != 1)
			return -1;
		out->family = ER_AF_INET;
	}
	return 0;
}

unsigned
er_addr_maxlen(const struct er_addr *a)
{
	return a->family == ER_AF_INET ? 32 : 128;
}

static int
prefix_parse(const char *s, bool allow_host, struct er_prefix *out)
{
	char buf[ER_PREFIX_STRLEN + 8];
	const char *slash = s ? strchr(s, '/') : NULL;
	size_t alen = slash ? (size_t)(slash - s) : s ? strlen(s) : 0;
	char *end;
	unsigned long len;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (er_addr_parse(buf, &out->addr) < 0)
		return -1;
	if (!slash) {
		if (!allow_host)
			return -1;
		out->len = (uint8_t)er_addr_maxlen(&out->addr);
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > er_addr_maxlen(&out->addr))
		return -1;
	out->len = (uint8_t)len;
	return 0;
}

void
er_prefix_network(const struct er_prefix *p, struct er_prefix *out)
{
	unsigned i, bits = p->len, max = er_addr_maxlen(&p->addr) / 8;

	*out = *p;
	for (i = 0; i < 16; i++) {
		if (i >= max)
			out->addr.bytes[i] = 0;
		else if (bits >= 8)
			bits -= 8;
		else {
			out->addr.bytes[i] &= (uint8_t)(0xff00u >> bits);
			bits = 0;
		}
	}
}

int
er_prefix_parse(const char *s, bool strict, bool allow_host, struct er_prefix *out)
{
	struct er_prefix net;

	if (prefix_parse(s, allow_host, out) < 0)
		return -1;
	er_prefix_network(out, &net);
	if (strict && memcmp(net.addr.bytes, out->addr.bytes, 16) != 0)
		return -1;
	*out = net;
	return 0;
}

int
er_ifaddr_parse(const char *s, struct er_prefix *out)
{
	return prefix_parse(s, true, out);
}

const char *
er_addr_str(const struct er_addr *a, char *buf, size_t len)
{
	if (a->family == 0 ||
	    !inet_ntop(a->family == ER_AF_INET ? AF_INET : AF_INET6, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *
er_prefix_str(const struct er_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", er_addr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

int
er_addr_cmp(const struct er_addr *a, const struct er_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, 16);
}

bool
er_addr_eq(const struct er_addr *a, const struct er_addr *b)
{
	return er_addr_cmp(a, b) == 0;
}

int
er_prefix_cmp(const struct er_prefix *a, const struct er_prefix *b)
{
	int c = er_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

/* The first @p bits bits of @p a and @p b are equal. */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

bool
er_prefix_contains(const struct er_prefix *p, const struct er_addr *a)
{
	return p->addr.family == a->family && bits_equal(p->addr.bytes, a->bytes, p->len);
}

bool
er_prefix_covers(const struct er_prefix *outer, const struct er_prefix *inner)
{
	return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
	    bits_equal(outer->addr.bytes, inner->addr.bytes, outer->len);
}

bool
er_prefix_overlaps(const struct er_prefix *a, const struct er_prefix *b)
{
	return er_prefix_covers(a, b) || er_prefix_covers(b, a);
}

void
er_prefix_nth(const struct er_prefix *p, uint32_t n, struct er_addr *out)
{
	struct er_prefix net;
	int i = (int)er_addr_maxlen(&p->addr) / 8 - 1;
	uint64_t carry = n;

	er_prefix_network(p, &net);
	*out = net.addr;
	for (; i >= 0 && carry; i--) {
		carry += out->bytes[i];
		out->bytes[i] = (uint8_t)(carry & 0xff);
		carry >>= 8;
	}
}

void
er_prefix_halves(const struct er_prefix *p, struct er_prefix *lo, struct er_prefix *hi)
{
	unsigned bit = p->len; /* index of the bit that splits the halves */

	er_prefix_network(p, lo);
	lo->len = (uint8_t)(p->len + 1);
	*hi = *lo;
	hi->addr.bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

bool
er_prefix_is_default(const struct er_prefix *p)
{
	return p->len == 0;
}

struct special {
	uint8_t family;
	const char *text;
	struct er_prefix pfx;
};

static struct special rfc1918[] = {
	{ ER_AF_INET, "10.0.0.0/8", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "172.16.0.0/12", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "192.168.0.0/16", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "fc00::/7", { { 0, { 0 } }, 0 } },
};

/* RFC 6890 and its updates: not globally reachable. */
static struct special specials[] = {
	{ ER_AF_INET, "0.0.0.0/8", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "100.64.0.0/10", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "127.0.0.0/8", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "169.254.0.0/16", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "192.0.0.0/24", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "192.0.2.0/24", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "198.18.0.0/15", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "198.51.100.0/24", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "203.0.113.0/24", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET, "224.0.0.0/3", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "::/127", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "::ffff:0:0/96", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "64:ff9b:1::/48", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "100::/64", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "2001:db8::/32", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "fe80::/10", { { 0, { 0 } }, 0 } },
	{ ER_AF_INET6, "ff00::/8", { { 0, { 0 } }, 0 } },
};

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void
tables_init(void)
{
	size_t i;

	for (i = 0; i < sizeof(rfc1918) / sizeof(rfc1918[0]); i++)
		if (er_prefix_parse(rfc1918[i].text, true, false, &rfc1918[i].pfx) < 0)
			abort(); /* a typo in the table above */
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (er_prefix_parse(specials[i].text, true, false, &specials[i].pfx) < 0)
			abort();
}

/*
 * RFC 1918 space is matched on overlap (an aggregate that contains private
 * space leaks it); other special ranges only when they contain @p p.
 */
bool
er_prefix_is_rfc1918(const struct er_prefix *p)
{
	size_t i;

	pthread_once(&tables_once, tables_init);
	if (p->len == 0)
		return false;
	for (i = 0; i < sizeof(rfc1918) / sizeof(rfc1918[0]); i++)
		if (er_prefix_overlaps(&rfc1918[i].pfx, p))
			return true;
	return false;
}

bool
er_prefix_is_special(const struct er_prefix *p)
{
	size_t i;

	if (p->len == 0 || er_prefix_is_rfc1918(p))
		return true;
	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (er_prefix_covers(&specials[i].pfx, p))
			return true;
	return false;
}

const char *
er_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, ER_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int
er_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (strlen(s) != ER_MAC_STRLEN - 1 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}
