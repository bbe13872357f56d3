/*
 * A growable byte buffer to build message payloads (er_wbuf) and a cursor
 * that reads them back (er_rbuf) refusing every read past the end, every
 * count that the remaining bytes cannot hold, and every string without its
 * NUL: the payload codecs of frame.h build on these.
 */
#ifndef ER_WIRE_H
#define ER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct er_wbuf {
	unsigned char *p;
	size_t len, cap;
};

void er_wbuf_put(struct er_wbuf *b, const void *data, size_t n);
void er_wbuf_u32(struct er_wbuf *b, uint32_t v);
void er_wbuf_u64(struct er_wbuf *b, uint64_t v);
/** A length (u32) and the bytes of @p s; NULL is written as length 0xffffffff. */
void er_wbuf_str(struct er_wbuf *b, const char *s);
void er_wbuf_free(struct er_wbuf *b);

struct er_rbuf {
	const unsigned char *p;
	size_t len, off;
	char *err; /* the first refusal, "<what>: <reason>" */
	size_t errlen;
	bool bad;
};

void er_rbuf_init(struct er_rbuf *r, const void *p, size_t len, char *err, size_t errlen);
/** Refuse the message (the first reason is kept); always false. */
bool er_rbuf_fail(struct er_rbuf *r, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool er_rbuf_get(struct er_rbuf *r, void *out, size_t n, const char *what);
bool er_rbuf_u32(struct er_rbuf *r, uint32_t *v, const char *what);
bool er_rbuf_u64(struct er_rbuf *r, uint64_t *v, const char *what);
/**
 * A count of elements of @p elem_size bytes each that must follow: at most
 * @p max, and no more than the bytes left can hold.
 */
bool er_rbuf_count(struct er_rbuf *r, size_t elem_size, uint32_t max, size_t *n, const char *what);
/** A string written by er_wbuf_str(): malloc'd into *@p out (NULL when written as NULL), at most @p max bytes. */
bool er_rbuf_str(struct er_rbuf *r, size_t max, char **out, const char *what);
/** Every byte consumed: a payload longer than what it says it holds is refused too. */
bool er_rbuf_end(struct er_rbuf *r, const char *what);

/* Checks of fixed fields copied in whole. */
bool er_wire_cstr_ok(const char *s, size_t size);
bool er_wire_addr_ok(const struct er_addr *a);
bool er_wire_prefix_ok(const struct er_prefix *p);
/** A bool's byte is 0 or 1 (anything else must not be read as a bool). */
#define er_wire_bool_ok(b) (*(const unsigned char *)&(b) <= 1)

#endif
