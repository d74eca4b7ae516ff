/*
 * Logging for the daemon: one formatting path (log_vlog) that writes
 * either to stderr (foreground, -d) or to syslog.  Every line is
 * formatted into a bounded buffer and stripped of control characters,
 * because parts of it (descriptions, peer errors) come from outside.
 *
 * Peer lines carry the neighbor address as prefix.  A peer can make us
 * log in a loop (a flapping session, a stream of malformed UPDATEs), so
 * log_peer_warnx_rl() spends a per-peer budget of lines per minute and
 * reports the number it dropped once the minute is over.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/time.h>

#include "log.h"

#define LOG_LINE_MAX	1024

static int	 log_foreground = 1;
static int	 log_verbose;
static uint32_t	 log_rate = 10;

void
log_init(int foreground, int verbose)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("bgpwatchd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

void
log_set_rate(uint32_t per_minute)
{
	log_rate = per_minute;
}

/* Replaces control characters so that a line stays one line. */
static void
log_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

const char *
log_severity_name(int pri)
{
	switch (pri) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT:
		return "crit";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* "2026-12-06T02:30:01.123Z" (UTC, milliseconds) into buf. */
static void
log_timestamp(char *buf, size_t len)
{
	struct timeval	tv;
	struct tm	tm;
	char		s[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%03dZ", s, (int)(tv.tv_usec / 1000) % 1000);
}

/*
 * Foreground: "TIMESTAMP severity message" (ISO 8601 in UTC, so that
 * lines from several hosts sort together); syslog adds its own.
 */
static void
log_emit(int pri, const char *line)
{
	char	ts[48];

	if (log_foreground) {
		log_timestamp(ts, sizeof(ts));
		fprintf(stderr, "%s %s %s\n", ts, log_severity_name(pri), line);
		fflush(stderr);
	} else
		syslog(pri, "%s", line);
}

/* Formats prefix (may be "") and the message, appends strerror if err. */
static void
log_vlog(int pri, const char *prefix, int err, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t off;

	snprintf(line, sizeof(line), "%s", prefix);
	off = strlen(line);
	vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	if (err != 0) {
		off = strlen(line);
		snprintf(line + off, sizeof(line) - off, ": %s", strerror(err));
	}
	log_sanitize(line);
	log_emit(pri, line);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, "", 0, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, "", 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, "", err, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose <= 0)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, "", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, "fatal: ", err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, "fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(1);
}

static void
log_peer_prefix(const struct bw_addr *a, char *out, size_t outlen)
{
	char ab[BW_ADDR_STRLEN];

	snprintf(out, outlen, "neighbor %s: ", addr_fmt(a, ab, sizeof(ab)));
}

void
log_peer_info(const struct bw_addr *a, const char *fmt, ...)
{
	char prefix[BW_ADDR_STRLEN + 16];
	va_list ap;

	log_peer_prefix(a, prefix, sizeof(prefix));
	va_start(ap, fmt);
	log_vlog(LOG_INFO, prefix, 0, fmt, ap);
	va_end(ap);
}

void
log_peer_warnx(const struct bw_addr *a, const char *fmt, ...)
{
	char prefix[BW_ADDR_STRLEN + 16];
	va_list ap;

	log_peer_prefix(a, prefix, sizeof(prefix));
	va_start(ap, fmt);
	log_vlog(LOG_WARNING, prefix, 0, fmt, ap);
	va_end(ap);
}

void
log_peer_warn(const struct bw_addr *a, const char *fmt, ...)
{
	char prefix[BW_ADDR_STRLEN + 16];
	va_list ap;
	int err = errno;

	log_peer_prefix(a, prefix, sizeof(prefix));
	va_start(ap, fmt);
	log_vlog(LOG_WARNING, prefix, err, fmt, ap);
	va_end(ap);
}

int
log_ratelimit_allow(struct log_ratelimit *rl, time_t now, uint32_t *summary)
{
	uint32_t dummy;

	if (summary == NULL)
		summary = &dummy;
	*summary = 0;
	if (now - rl->window >= 60 || now < rl->window) {
		*summary = rl->suppressed;
		rl->window = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (log_rate != 0 && rl->count >= log_rate) {
		rl->suppressed++;
		return 0;
	}
	rl->count++;
	return 1;
}

int
log_peer_warnx_rl(struct log_ratelimit *rl, const struct bw_addr *a,
    const char *fmt, ...)
{
	char prefix[BW_ADDR_STRLEN + 16];
	uint32_t dropped;
	va_list ap;

	if (!log_ratelimit_allow(rl, time(NULL), &dropped))
		return 0;
	if (dropped > 0)
		log_peer_warnx(a, "%u log lines suppressed in the last minute",
		    dropped);
	log_peer_prefix(a, prefix, sizeof(prefix));
	va_start(ap, fmt);
	log_vlog(LOG_WARNING, prefix, 0, fmt, ap);
	va_end(ap);
	return 1;
}
