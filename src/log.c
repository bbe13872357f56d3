#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static int log_foreground = 1;
static enum er_log_level log_level = ER_LOG_INFO;

void
log_init(const char *ident, int foreground, enum er_log_level level)
{
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum er_log_level level)
{
	log_level = level;
}

enum er_log_level
log_get_level(void)
{
	return log_level;
}

void
log_vmsg(enum er_log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error", "warning", "info", "debug" };

	if (level > log_level)
		return;
	if (log_foreground) {
		fprintf(stderr, "erreadyd: %s: ", tag[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		vsyslog(prio[level], fmt, ap);
}

static void log_errno(enum er_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_errno(enum er_log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_foreground)
		fprintf(stderr, "erreadyd: %s: %s: %s\n",
		    level == ER_LOG_ERR ? "error" : "warning", buf, strerror(saved));
	else
		syslog(level == ER_LOG_ERR ? LOG_ERR : LOG_WARNING, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(ER_LOG_WARN, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(ER_LOG_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(ER_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(ER_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_errno(ER_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(ER_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
