#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Set at start-up, before any thread exists; read-only afterwards (except the level, a plain int). */
static enum er_log_dest log_dest = ER_LOG_TOOL;
static int log_journal; /* ER_LOG_DAEMON and stderr is the journal */
static enum er_log_level log_level = ER_LOG_INFO;
static const char *log_ident = "erreadyd";

static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
static const char *const tag[] = { "error", "warning", "notice", "info", "debug" };

int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *ident, int foreground, enum er_log_level level)
{
	log_ident = ident;
	log_level = level;
	log_set_dest(foreground ? ER_LOG_TOOL : ER_LOG_SYSLOG);
}

void
log_set_dest(enum er_log_dest dest)
{
	if (log_dest == ER_LOG_SYSLOG && dest != ER_LOG_SYSLOG)
		closelog();
	log_dest = dest;
	log_journal = dest == ER_LOG_DAEMON && log_stderr_is_journal();
	if (dest == ER_LOG_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

enum er_log_dest
log_get_dest(void)
{
	return log_dest;
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

/* One line, one write(2): lines from several threads never interleave. */
static void
emit(enum er_log_level level, const char *text)
{
	char line[2048], stamp[64] = "";
	struct timespec ts;
	struct tm tm;
	size_t n;
	int len;

	if (log_dest == ER_LOG_SYSLOG) {
		syslog(prio[level], "%s", text);
		return;
	}
	if (log_journal)
		len = snprintf(line, sizeof(line), "<%d>%s\n", prio[level], text);
	else {
		if (log_dest == ER_LOG_DAEMON) {
			clock_gettime(CLOCK_REALTIME, &ts);
			localtime_r(&ts.tv_sec, &tm);
			n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
			n += (size_t)snprintf(stamp + n, sizeof(stamp) - n, ".%03ld", ts.tv_nsec / 1000000);
			n += strftime(stamp + n, sizeof(stamp) - n, "%z ", &tm);
		}
		len = snprintf(line, sizeof(line), "%s%s: %s: %s\n", stamp, log_ident, tag[level], text);
	}
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) { /* cut, but keep the line ending */
		len = (int)sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	if (write(STDERR_FILENO, line, (size_t)len) < 0) {
		/* nowhere left to say it */
	}
}

void
log_vmsg(enum er_log_level level, const char *fmt, va_list ap)
{
	char buf[1800];

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	emit(level, buf);
}

void
log_msg(enum er_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static void log_errno(enum er_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_errno(enum er_log_level level, const char *fmt, va_list ap)
{
	char buf[1800];
	size_t n;
	int saved = errno;

	if (level > log_level)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(saved));
	emit(level, buf);
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
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(ER_LOG_NOTICE, fmt, ap);
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
