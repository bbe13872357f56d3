/*
 * IPv4/IPv6 addresses and prefixes as fixed-size values: the checks compare
 * millions of advertised prefixes, so no allocation and no string parsing
 * on that path.
 */
#ifndef ER_ADDR_H
#define ER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ER_AF_INET 4
#define ER_AF_INET6 6

/* Long enough for "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128". */
#define ER_PREFIX_STRLEN 52

struct er_addr {
	uint8_t family; /* ER_AF_INET or ER_AF_INET6; 0 = unset */
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
};

struct er_prefix {
	struct er_addr addr;
	uint8_t len;
};

/** Parse an IPv4 or IPv6 address; -1 when @p s is not one (or NULL). */
int er_addr_parse(const char *s, struct er_addr *out);
/**
 * Parse "address/len". With @p strict, host bits must be zero. A bare
 * address is accepted as a host prefix (/32 or /128) when @p allow_host.
 */
int er_prefix_parse(const char *s, bool strict, bool allow_host, struct er_prefix *out);
/** Interface address "a.b.c.d/len": keeps the host bits. */
int er_ifaddr_parse(const char *s, struct er_prefix *out);

const char *er_addr_str(const struct er_addr *a, char *buf, size_t len);
const char *er_prefix_str(const struct er_prefix *p, char *buf, size_t len);

int er_addr_cmp(const struct er_addr *a, const struct er_addr *b);
int er_prefix_cmp(const struct er_prefix *a, const struct er_prefix *b);
bool er_addr_eq(const struct er_addr *a, const struct er_addr *b);
unsigned er_addr_maxlen(const struct er_addr *a);

/** @p p contains address @p a. */
bool er_prefix_contains(const struct er_prefix *p, const struct er_addr *a);
/** @p inner is equal to or more specific than @p outer. */
bool er_prefix_covers(const struct er_prefix *outer, const struct er_prefix *inner);
bool er_prefix_overlaps(const struct er_prefix *a, const struct er_prefix *b);
/** The network address of @p p plus @p n (n < 2^32). */
void er_prefix_nth(const struct er_prefix *p, uint32_t n, struct er_addr *out);
/** @p p with its host bits cleared. */
void er_prefix_network(const struct er_prefix *p, struct er_prefix *out);
/** Split @p p into its two halves (a /29 into two /30s). */
void er_prefix_halves(const struct er_prefix *p, struct er_prefix *lo, struct er_prefix *hi);
bool er_prefix_is_default(const struct er_prefix *p);

/** RFC 1918 (IPv4) or ULA fc00::/7 (IPv6). */
bool er_prefix_is_rfc1918(const struct er_prefix *p);
/**
 * Not globally routable: RFC 1918/ULA, loopback, link-local, CGNAT,
 * documentation, multicast, reserved (RFC 6890 special-purpose).
 */
bool er_prefix_is_special(const struct er_prefix *p);

#define ER_MAC_STRLEN 18
/** "aa:bb:cc:dd:ee:ff" into @p buf (ER_MAC_STRLEN bytes at least). */
const char *er_mac_str(const uint8_t mac[6], char *buf);
/** Parse "aa:bb:cc:dd:ee:ff" (hex, either case); 0 or -1. */
int er_mac_parse(const char *s, uint8_t mac[6]);

#endif
