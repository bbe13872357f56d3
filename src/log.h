/*
 * Logging: stderr in the foreground, syslog as a daemon. libyang messages
 * are routed here too, so there is one place that decides what is printed.
 */
#ifndef ER_LOG_H
#define ER_LOG_H

#include <stdarg.h>

enum er_log_level { ER_LOG_ERR = 0, ER_LOG_WARN, ER_LOG_INFO, ER_LOG_DEBUG };

/** Start logging: to stderr when @p foreground, else to syslog as @p ident. */
void log_init(const char *ident, int foreground, enum er_log_level level);
void log_set_level(enum er_log_level level);
enum er_log_level log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_vmsg(enum er_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
