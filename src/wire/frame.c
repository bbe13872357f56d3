#include "frame.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int
er_frame_send(int fd, uint32_t type, const void *payload, size_t len, char *err, size_t errlen)
{
	struct er_frame_hdr h;
	const unsigned char *parts[2];
	size_t sizes[2], i, off;
	ssize_t k;

	if (len > UINT32_MAX) {
		snprintf(err, errlen, "message of %zu bytes is too long to send", len);
		return -1;
	}
	h.type = type;
	h.len = (uint32_t)len;
	parts[0] = (const unsigned char *)&h;
	sizes[0] = sizeof(h);
	parts[1] = payload;
	sizes[1] = len;
	for (i = 0; i < 2; i++)
		for (off = 0; off < sizes[i]; off += (size_t)k)
			if ((k = write(fd, parts[i] + off, sizes[i] - off)) < 0) {
				if (errno == EINTR) {
					k = 0;
					continue;
				}
				snprintf(err, errlen, "write: %s", strerror(errno));
				return -1;
			}
	return 0;
}

/* Read exactly @p n bytes: n, fewer at end of file, or -1 (error or deadline, said in @p err). */
static ssize_t
read_full(int fd, void *buf, size_t n, unsigned long long deadline_us, char *err, size_t errlen)
{
	size_t off = 0;
	ssize_t k;

	while (off < n) {
		if (deadline_us) {
			struct pollfd p = { fd, POLLIN, 0 };
			int r = poll(&p, 1, er_ms_left(deadline_us));
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				snprintf(err, errlen, "poll: %s", strerror(errno));
				return -1;
			}
			if (r == 0) {
				snprintf(err, errlen, "no answer within the deadline");
				return -1;
			}
		}
		if ((k = read(fd, (char *)buf + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		if (k == 0)
			break;
		off += (size_t)k;
	}
	return (ssize_t)off;
}

int
er_frame_recv(int fd, uint32_t want, size_t max, unsigned long long deadline_us, void **payload, size_t *len,
    char *err, size_t errlen)
{
	struct er_frame_hdr h;
	void *buf = NULL;
	ssize_t k;

	*payload = NULL;
	*len = 0;
	if ((k = read_full(fd, &h, sizeof(h), deadline_us, err, errlen)) < 0)
		return ER_FRAME_IO;
	if (k == 0)
		return ER_FRAME_EOF;
	if ((size_t)k < sizeof(h)) {
		snprintf(err, errlen, "truncated header: %zd of %zu bytes", k, sizeof(h));
		return ER_FRAME_BAD;
	}
	if (h.type != want) {
		snprintf(err, errlen, "message type %u where %u was expected", h.type, want);
		return ER_FRAME_BAD;
	}
	if (h.len > max) {
		snprintf(err, errlen, "message of %u bytes is over the limit of %zu", h.len, max);
		return ER_FRAME_BAD;
	}
	if (h.len) {
		buf = xcalloc(1, h.len);
		if ((k = read_full(fd, buf, h.len, deadline_us, err, errlen)) < 0) {
			free(buf);
			return ER_FRAME_IO;
		}
		if ((size_t)k < h.len) {
			snprintf(err, errlen, "truncated message: %zd of %u bytes", k, h.len);
			free(buf);
			return ER_FRAME_BAD;
		}
	}
	*payload = buf;
	*len = h.len;
	return 0;
}
