/*
 * Logging with syslog's levels. Three destinations, chosen once:
 * - stderr of a command-line tool: "erreadyd: warning: text";
 * - stderr of the daemon in the foreground: the same with an RFC 3339
 *   timestamp in front, or, when stderr is the journal (systemd sets
 *   JOURNAL_STREAM to its device:inode), "<N>text": sd-daemon(3)'s prefix,
 *   so journald files each line at its level;
 * - syslog(3) (-s).
 * Net-SNMP, libyang, libnetconf2 and libssh messages are routed here by
 * the agent, so there is one place that decides what is printed.
 */
#ifndef ER_LOG_H
#define ER_LOG_H

#include <stdarg.h>

/* In syslog's order (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG). */
enum er_log_level { ER_LOG_ERR = 0, ER_LOG_WARN, ER_LOG_NOTICE, ER_LOG_INFO, ER_LOG_DEBUG };

enum er_log_dest {
	ER_LOG_TOOL,   /* stderr, no timestamp */
	ER_LOG_DAEMON, /* stderr: the journal's <N> prefixes when it is the journal, else timestamps */
	ER_LOG_SYSLOG, /* syslog(3), facility daemon */
};

/** Start logging: to stderr when @p foreground (as a tool), else to syslog as @p ident. */
void log_init(const char *ident, int foreground, enum er_log_level level);
/** Switch destination (the daemon calls this once it runs). */
void log_set_dest(enum er_log_dest dest);
enum er_log_dest log_get_dest(void);
void log_set_level(enum er_log_level level);
enum er_log_level log_get_level(void);
/** True when stderr is the journal's stream ($JOURNAL_STREAM names stderr's device and inode). */
int log_stderr_is_journal(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* appends strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void log_msg(enum er_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum er_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
