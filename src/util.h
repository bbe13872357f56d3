/* Small helpers used across the core. Allocation failure is fatal. */
#ifndef ER_UTIL_H
#define ER_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);

/** Append formatted text to @p buf (of @p len), keeping it NUL-terminated and truncating with "...". */
void strlcatf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Grow array @p arr (of @p n used, @p cap allocated) so one more element fits. */
#define ER_GROW(arr, n, cap)                                                 \
	do {                                                                 \
		if ((n) == (cap)) {                                          \
			(cap) = (cap) ? (cap) * 2 : 16;                      \
			(arr) = xreallocarray((arr), (cap), sizeof(*(arr))); \
		}                                                            \
	} while (0)

/**
 * In a forked child: unblock every signal, restore SIGPIPE's default and
 * close every fd above 2 except @p keep (-1: none). The daemon's threads
 * block signals and Net-SNMP's sockets are not close-on-exec.
 */
void er_child_reset(int keep1, int keep2);
/** Close every fd of @p fds that is >= 0 and set it to -1. */
void er_close_fds(int *fds, size_t n);
/**
 * A byte queue: data is p[off .. off+len). Appending moves the data to the
 * front only when that makes room, and doubles the space when it does not,
 * so taking bytes from the front never copies the rest.
 */
struct er_buf {
	char *p;
	size_t off, len, cap;
};
void er_buf_add(struct er_buf *b, const void *d, size_t n);
/** Room for @p n more bytes at the end: write there, then add what was written to len. */
char *er_buf_space(struct er_buf *b, size_t n);
/** Drop @p n bytes from the front. */
void er_buf_eat(struct er_buf *b, size_t n);
void er_buf_free(struct er_buf *b);
#define er_buf_data(b) ((b)->p + (b)->off)

/** er_now_us() in milliseconds. */
#define er_now_ms() ((unsigned long long)er_now_us() / 1000)
/** Milliseconds left until @p deadline_us (er_now_us() clock), rounded up; 0 when passed. */
int er_ms_left(unsigned long long deadline_us);

/** Current time as RFC 3339 (yang:date-and-time) in UTC. */
const char *er_time_str(long long t, char *buf, size_t len);
/** Monotonic clock in microseconds. */
unsigned long long er_now_us(void);

#endif
