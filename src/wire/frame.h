/*
 * Framed messages between erreadyd's two processes (agent/privsep.h), in the
 * discipline of OpenBSD bgpd's imsg: a fixed header (type, payload length)
 * and a payload. Every length is checked against a maximum and against the
 * bytes actually received before anything is allocated or used; a message
 * that breaks a rule is refused, and the caller then ends the connection.
 *
 * Both ends are the same binary on the same host: the header is in host
 * byte order.
 */
#ifndef ER_FRAME_H
#define ER_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* Message types; 0 is never valid. */
enum er_msg_type {
	ER_MSG_COLLECT = 1,  /* view -> collector: collect now with these parameters */
	ER_MSG_OBSERVED = 2, /* collector -> view: the observed state */
};

struct er_frame_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes after the header */
};

#define ER_FRAME_HDR_LEN ((size_t)sizeof(struct er_frame_hdr))

/* Results of er_frame_recv() besides 0. */
#define ER_FRAME_EOF 1        /* the peer closed the connection between two messages */
#define ER_FRAME_BAD (-1)     /* refused: truncated, oversized, wrong type */
#define ER_FRAME_IO (-2)      /* a read failed, or the deadline passed */

/** Write one message (whole, retrying short writes). 0, or -1 with the reason in @p err. */
int er_frame_send(int fd, uint32_t type, const void *payload, size_t len, char *err, size_t errlen);

/**
 * Read one message of type @p want whose payload is at most @p max bytes
 * into *@p payload (malloc'd; NULL for an empty payload) and *@p len.
 * @p deadline_us: absolute, on er_now_us()'s clock; 0 waits without end.
 * Returns 0; ER_FRAME_EOF when the peer closed before a header; else
 * ER_FRAME_BAD or ER_FRAME_IO with the reason in @p err.
 */
int er_frame_recv(int fd, uint32_t want, size_t max, unsigned long long deadline_us, void **payload, size_t *len,
    char *err, size_t errlen);

#endif
