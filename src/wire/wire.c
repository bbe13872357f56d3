#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define STR_NULL UINT32_MAX

void
er_wbuf_put(struct er_wbuf *b, const void *data, size_t n)
{
	if (!n)
		return;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void
er_wbuf_u32(struct er_wbuf *b, uint32_t v)
{
	er_wbuf_put(b, &v, sizeof(v));
}

void
er_wbuf_u64(struct er_wbuf *b, uint64_t v)
{
	er_wbuf_put(b, &v, sizeof(v));
}

void
er_wbuf_str(struct er_wbuf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	er_wbuf_u32(b, s ? (uint32_t)n : STR_NULL);
	er_wbuf_put(b, s, n);
}

void
er_wbuf_free(struct er_wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
er_rbuf_init(struct er_rbuf *r, const void *p, size_t len, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->len = len;
	r->err = err;
	r->errlen = errlen;
	if (errlen)
		err[0] = '\0';
}

bool
er_rbuf_fail(struct er_rbuf *r, const char *what, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->bad)
		return false;
	r->bad = true;
	n = snprintf(r->err, r->errlen, "%s: ", what);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return false;
}

bool
er_rbuf_get(struct er_rbuf *r, void *out, size_t n, const char *what)
{
	if (r->bad)
		return false;
	if (r->len - r->off < n)
		return er_rbuf_fail(r, what, "%zu bytes needed, %zu left", n, r->len - r->off);
	memcpy(out, r->p + r->off, n);
	r->off += n;
	return true;
}

bool
er_rbuf_u32(struct er_rbuf *r, uint32_t *v, const char *what)
{
	return er_rbuf_get(r, v, sizeof(*v), what);
}

bool
er_rbuf_u64(struct er_rbuf *r, uint64_t *v, const char *what)
{
	return er_rbuf_get(r, v, sizeof(*v), what);
}

bool
er_rbuf_count(struct er_rbuf *r, size_t elem_size, uint32_t max, size_t *n, const char *what)
{
	uint32_t v = 0;

	*n = 0;
	if (!er_rbuf_u32(r, &v, what))
		return false;
	if (v > max)
		return er_rbuf_fail(r, what, "count %u is over the limit of %u", v, max);
	if (elem_size && v > (r->len - r->off) / elem_size)
		return er_rbuf_fail(r, what, "count %u needs %zu bytes, %zu left", v, (size_t)v * elem_size,
		    r->len - r->off);
	*n = v;
	return true;
}

bool
er_rbuf_str(struct er_rbuf *r, size_t max, char **out, const char *what)
{
	uint32_t n = 0;

	*out = NULL;
	if (!er_rbuf_u32(r, &n, what))
		return false;
	if (n == STR_NULL)
		return true;
	if (n > max)
		return er_rbuf_fail(r, what, "string of %u bytes is over the limit of %zu", n, max);
	if (r->len - r->off < n)
		return er_rbuf_fail(r, what, "string of %u bytes, %zu left", n, r->len - r->off);
	if (memchr(r->p + r->off, '\0', n))
		return er_rbuf_fail(r, what, "string holds a NUL byte");
	*out = xcalloc(1, (size_t)n + 1);
	memcpy(*out, r->p + r->off, n);
	r->off += n;
	return true;
}

bool
er_rbuf_end(struct er_rbuf *r, const char *what)
{
	if (r->bad)
		return false;
	if (r->off != r->len)
		return er_rbuf_fail(r, what, "%zu bytes left over after the last field", r->len - r->off);
	return true;
}

bool
er_wire_cstr_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

bool
er_wire_addr_ok(const struct er_addr *a)
{
	return a->family == 0 || a->family == ER_AF_INET || a->family == ER_AF_INET6;
}

bool
er_wire_prefix_ok(const struct er_prefix *p)
{
	if (!er_wire_addr_ok(&p->addr))
		return false;
	return p->len <= (p->addr.family == ER_AF_INET ? 32 : 128);
}
